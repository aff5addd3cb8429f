//! The viewer's row conditions, one per entity: every query of the model starts here, so a row
//! the policy hides is never loaded, counted, filtered on or used to compute anything.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::InspectionStatus;
use entity::{
    action_progress, area, audit_event, engagement_meeting, inspection, integrated_care_board,
    intervention, local_authority, partnership_membership, priority_action, priority_action_plan,
    recommendation, strategic_plan, webhook_delivery, webhook_subscription,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, IdenStatic, Iterable, QueryFilter, QuerySelect,
    QueryTrait, Select,
    sea_query::{CaseStatement, Expr, ExprTrait, SelectStatement, SimpleExpr},
};

use super::change::ObjectKind;
use crate::policy::{self, AuditScope, Viewer, Visibility};

/// An entity whose rows a viewer may or may not read.
pub trait Scoped: EntityTrait {
    fn read_condition(viewer: &Viewer) -> Condition;

    /// The query for the visible rows; entities with fields to redact override it.
    fn select_visible(viewer: &Viewer) -> Select<Self> {
        Self::find().filter(Self::read_condition(viewer))
    }
}

/// The rows of `E` that `viewer` may read.
pub fn visible<E: Scoped>(viewer: &Viewer) -> Select<E> {
    E::select_visible(viewer)
}

/// Rows in a state visible everywhere, or in a state visible within the viewer's own areas.
fn condition<S, C>(visibility: Visibility<S>, status: impl Into<SimpleExpr>, area: C) -> Condition
where
    S: Into<sea_orm::Value>,
    C: ColumnTrait,
{
    let status = status.into();
    let mut condition =
        Condition::any().add(Expr::expr(status.clone()).is_in(visibility.everywhere));
    if !visibility.own_areas.is_empty() && !visibility.in_own_areas.is_empty() {
        condition = condition.add(
            Condition::all()
                .add(area.is_in(visibility.own_areas))
                .add(Expr::expr(status).is_in(visibility.in_own_areas)),
        );
    }
    condition
}

/// The instant visibility is decided at. An embargo lifts when its `publishAt` passes, with no
/// job to run: every read compares with the clock.
fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A publication set for an instant still to come.
fn publication_pending() -> Condition {
    Condition::all()
        .add(inspection::Column::Status.eq(InspectionStatus::Published))
        .add(inspection::Column::PublishAt.gt(now()))
}

/// An inspection's status as of now: a report set to publish later is still a shared draft.
pub fn inspection_status() -> SimpleExpr {
    CaseStatement::new()
        .case(
            publication_pending(),
            Expr::val(InspectionStatus::DraftShared),
        )
        .finally(Expr::col(inspection::Column::Status))
        .into()
}

/// The day a report was published, as of now: none while its publication is pending.
pub fn inspection_published_on() -> SimpleExpr {
    CaseStatement::new()
        .case(publication_pending(), Expr::val(Option::<NaiveDate>::None))
        .finally(Expr::col(inspection::Column::PublishedOn))
        .into()
}

/// When an inspection last changed, as of now: a publication that took effect after the write
/// that set it changed the inspection at its instant, so a feed synced by `updatedAt` meets the
/// report when it becomes public, not when it was scheduled.
pub fn inspection_changed_at() -> SimpleExpr {
    let took_effect_later = Condition::all()
        .add(inspection::Column::Status.eq(InspectionStatus::Published))
        .add(Expr::col(inspection::Column::PublishAt).gt(Expr::col(inspection::Column::UpdatedAt)))
        .add(inspection::Column::PublishAt.lte(now()));
    CaseStatement::new()
        .case(took_effect_later, Expr::col(inspection::Column::PublishAt))
        .finally(Expr::col(inspection::Column::UpdatedAt))
        .into()
}

/// Reference data is public: local authorities, ICBs, areas and partnerships.
macro_rules! public_reference {
    ($($entity:path),*) => {$(
        impl Scoped for $entity {
            fn read_condition(_: &Viewer) -> Condition {
                Condition::all()
            }
        }
    )*};
}

public_reference!(
    local_authority::Entity,
    integrated_care_board::Entity,
    area::Entity,
    partnership_membership::Entity
);

/// The inspections whose report (outcome and recommendations) the viewer may read.
pub fn findings_condition(viewer: &Viewer) -> Condition {
    condition(
        policy::findings(viewer),
        inspection_status(),
        inspection::Column::AreaId,
    )
}

/// The inspections the policy lets the viewer follow, as they stand now.
fn inspection_followed_condition(viewer: &Viewer) -> Condition {
    condition(
        policy::inspections(viewer),
        inspection_status(),
        inspection::Column::AreaId,
    )
}

/// What an embargoed report concluded, and when and why its publication is set or held:
/// blanked, in the query itself, for viewers who may follow the inspection but not yet read its
/// report.
const FINDINGS: [inspection::Column; 7] = [
    inspection::Column::Outcome,
    inspection::Column::WsoaRequired,
    inspection::Column::RevisitProgress,
    inspection::Column::MonitoringProgress,
    inspection::Column::ReportUrl,
    inspection::Column::PublishAt,
    inspection::Column::HeldReason,
];

/// What a tombstone keeps of a cancelled inspection: enough to identify it and place it in the
/// feed, nothing of what it was.
const TOMBSTONE: [inspection::Column; 9] = [
    inspection::Column::Id,
    inspection::Column::AreaId,
    inspection::Column::Framework,
    inspection::Column::Kind,
    inspection::Column::Status,
    inspection::Column::IsSynthetic,
    inspection::Column::Revision,
    inspection::Column::CreatedAt,
    inspection::Column::UpdatedAt,
];

fn is_one_of(column: inspection::Column, columns: &[inspection::Column]) -> bool {
    columns
        .iter()
        .any(|candidate| candidate.as_str() == column.as_str())
}

impl Scoped for inspection::Entity {
    /// The inspections the policy lets the viewer follow (as they stand now), and the
    /// tombstones of those it followed until they were cancelled.
    fn read_condition(viewer: &Viewer) -> Condition {
        let tombstones = Condition::all()
            .add(condition(
                policy::inspection_tombstones(viewer),
                Expr::col(inspection::Column::Status),
                inspection::Column::AreaId,
            ))
            .add(inspection::Column::NotifiedOn.is_not_null());
        Condition::any()
            .add(inspection_followed_condition(viewer))
            .add(tombstones)
    }

    fn select_visible(viewer: &Viewer) -> Select<Self> {
        let sees_cancelled = policy::inspections(viewer)
            .everywhere
            .contains(&InspectionStatus::Cancelled);
        let mut select = Self::find()
            .filter(Self::read_condition(viewer))
            .select_only();
        for column in inspection::Column::iter() {
            let name = column.as_str();
            let mut value: SimpleExpr = match column {
                inspection::Column::Status => inspection_status(),
                inspection::Column::PublishedOn => inspection_published_on(),
                inspection::Column::UpdatedAt => inspection_changed_at(),
                _ => Expr::col(column),
            };
            if is_one_of(column, &FINDINGS) {
                value = CaseStatement::new()
                    .case(findings_condition(viewer), value)
                    .into();
            }
            if !sees_cancelled && !is_one_of(column, &TOMBSTONE) {
                let kept = inspection::Column::Status.ne(InspectionStatus::Cancelled);
                let mut blanked = CaseStatement::new().case(kept, value);
                if matches!(
                    column,
                    inspection::Column::SignedOffByOfsted | inspection::Column::SignedOffByCqc
                ) {
                    blanked = blanked.finally(Expr::val(false));
                }
                value = blanked.into();
            }
            select = select.expr_as(value, name);
        }
        select
    }
}

/// A recommendation is part of its report: visible with the report's findings.
impl Scoped for recommendation::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let reports = inspection::Entity::find()
            .filter(inspection::Entity::read_condition(viewer))
            .filter(findings_condition(viewer))
            .select_only()
            .column(inspection::Column::Id)
            .into_query();
        Condition::all().add(recommendation::Column::InspectionId.in_subquery(reports))
    }
}

impl Scoped for strategic_plan::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::strategic_plans(viewer),
            Expr::col(strategic_plan::Column::Status),
            strategic_plan::Column::AreaId,
        )
    }
}

impl Scoped for priority_action_plan::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::priority_action_plans(viewer),
            Expr::col(priority_action_plan::Column::Status),
            priority_action_plan::Column::AreaId,
        )
    }
}

/// A step of progress is as visible as its action.
impl Scoped for action_progress::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let actions = visible::<priority_action::Entity>(viewer)
            .select_only()
            .column(priority_action::Column::Id)
            .into_query();
        Condition::all().add(action_progress::Column::PriorityActionId.in_subquery(actions))
    }
}

/// An action is as visible as its plan.
impl Scoped for priority_action::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let plans = visible::<priority_action_plan::Entity>(viewer)
            .select_only()
            .column(priority_action_plan::Column::Id)
            .into_query();
        Condition::all().add(priority_action::Column::PriorityActionPlanId.in_subquery(plans))
    }
}

impl Scoped for engagement_meeting::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::engagement_meetings(viewer),
            Expr::col(engagement_meeting::Column::Status),
            engagement_meeting::Column::AreaId,
        )
    }
}

impl Scoped for intervention::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::interventions(viewer),
            Expr::col(intervention::Column::Status),
            intervention::Column::AreaId,
        )
    }
}

/// An event is read within the viewer's role scope, and only if the viewer may read its
/// object as that object stands now.
impl Scoped for audit_event::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let role_scope = match policy::audit_events(viewer) {
            AuditScope::All => Condition::all(),
            AuditScope::Nothing => {
                Condition::all().add(audit_event::Column::Id.is_in(Vec::<i32>::new()))
            }
            AuditScope::ActorRole(role) => {
                Condition::all().add(audit_event::Column::ActorRole.eq(role))
            }
            AuditScope::Areas(areas) => {
                Condition::all().add(audit_event::Column::AreaId.is_in(areas))
            }
        };
        role_scope.add(event_object_condition(viewer, Milestones::AsRecorded))
    }
}

impl Scoped for webhook_subscription::Entity {
    /// A subscription is read by its owner alone: the same role, and the same organisation.
    fn read_condition(viewer: &Viewer) -> Condition {
        use webhook_subscription::Column;
        match policy::webhook_owner(viewer) {
            Some((role, organisation)) => {
                Condition::all()
                    .add(Column::OwnerRole.eq(role))
                    .add(match organisation {
                        Some(organisation) => Column::OwnerOrganisation.eq(organisation),
                        None => Column::OwnerOrganisation.is_null(),
                    })
            }
            None => Condition::all().add(Column::Id.is_in(Vec::<i32>::new())),
        }
    }
}

impl Scoped for webhook_delivery::Entity {
    /// A delivery is read by whoever owns its subscription.
    fn read_condition(viewer: &Viewer) -> Condition {
        Condition::all().add(
            webhook_delivery::Column::SubscriptionId
                .in_subquery(super::webhooks::owned_ids(viewer)),
        )
    }
}

/// The domain events announced to a viewer: those whose object it may read as the object
/// stands now. Unlike the trail's entries, they say what happened, not who did it, so the
/// trail's scope by role does not apply.
pub fn announced_to(viewer: &Viewer) -> Condition {
    Condition::all()
        .add(audit_event::Column::EventType.is_not_null())
        .add(event_object_condition(viewer, Milestones::ForTheirReaders))
}

/// Who reads a schedule milestone told to one kind of reader only.
#[derive(Clone, Copy)]
enum Milestones {
    /// Its own readers: a viewer is told what its own schedule reaches, and nothing else.
    ForTheirReaders,
    /// Every reader of the trail, which records what was told to whom: the published
    /// schedule's milestones are public, and the trail shows the followed one's only to those
    /// who follow the area (the inspectorates, and a local partner in its own areas).
    AsRecorded,
}

/// The events a viewer may read: those whose object it may read as the object stands now.
fn event_object_condition(viewer: &Viewer, milestones: Milestones) -> Condition {
    use audit_event::Column;
    let mut condition = Condition::any().add(Column::ObjectKind.is_null());
    for kind in ObjectKind::ALL {
        let rows = match kind {
            ObjectKind::Inspection => followed_inspection_ids(viewer),
            ObjectKind::Report => readable_report_ids(viewer),
            ObjectKind::EngagementMeeting => {
                ids::<engagement_meeting::Entity>(viewer, engagement_meeting::Column::Id)
            }
            ObjectKind::Intervention => {
                ids::<intervention::Entity>(viewer, intervention::Column::Id)
            }
            ObjectKind::PriorityActionPlan => {
                ids::<priority_action_plan::Entity>(viewer, priority_action_plan::Column::Id)
            }
            ObjectKind::PriorityAction => {
                ids::<priority_action::Entity>(viewer, priority_action::Column::Id)
            }
            ObjectKind::StrategicPlan => {
                ids::<strategic_plan::Entity>(viewer, strategic_plan::Column::Id)
            }
            ObjectKind::IntegratedCareBoard => {
                ids::<integrated_care_board::Entity>(viewer, integrated_care_board::Column::Id)
            }
            ObjectKind::LocalAuthority => {
                ids::<local_authority::Entity>(viewer, local_authority::Column::Id)
            }
            ObjectKind::WebhookSubscription => {
                ids::<webhook_subscription::Entity>(viewer, webhook_subscription::Column::Id)
            }
            ObjectKind::Schedule => areas(every_area()),
            ObjectKind::PublishedSchedule => match milestones {
                Milestones::ForTheirReaders => areas(followed_areas_condition(viewer).not()),
                Milestones::AsRecorded => areas(every_area()),
            },
            ObjectKind::FollowedSchedule => areas(followed_areas_condition(viewer)),
        };
        condition = condition.add(
            Condition::all()
                .add(Column::ObjectKind.eq(kind.as_str()))
                .add(Column::ObjectRowId.in_subquery(rows)),
        );
    }
    condition
}

/// The ids of the areas that meet `condition`.
fn areas(condition: Condition) -> SelectStatement {
    area::Entity::find()
        .select_only()
        .column(area::Column::Id)
        .filter(condition)
        .into_query()
}

fn every_area() -> Condition {
    Condition::all().add(area::Column::Id.is_not_null())
}

/// The areas whose record the viewer follows whole.
fn followed_areas_condition(viewer: &Viewer) -> Condition {
    match policy::followed_areas(viewer) {
        policy::FollowedAreas::All => every_area(),
        policy::FollowedAreas::Only(ids) => Condition::all().add(area::Column::Id.is_in(ids)),
    }
}

fn ids<E: Scoped>(viewer: &Viewer, id: E::Column) -> SelectStatement {
    visible::<E>(viewer).select_only().column(id).into_query()
}

/// The inspections the viewer follows as they stand now: not the tombstones of cancelled ones,
/// whose history is no longer the viewer's to read.
fn followed_inspection_ids(viewer: &Viewer) -> SelectStatement {
    inspection::Entity::find()
        .filter(inspection_followed_condition(viewer))
        .select_only()
        .column(inspection::Column::Id)
        .into_query()
}

/// The inspections whose report the viewer may read now.
fn readable_report_ids(viewer: &Viewer) -> SelectStatement {
    inspection::Entity::find()
        .filter(inspection_followed_condition(viewer))
        .filter(findings_condition(viewer))
        .select_only()
        .column(inspection::Column::Id)
        .into_query()
}
