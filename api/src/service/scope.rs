//! The viewer's row conditions, one per entity: every query of the model starts here, so a row
//! the policy hides is never loaded, counted, filtered on or used to compute anything.

use entity::{
    area, audit_event, engagement_meeting, inspection, integrated_care_board, intervention,
    local_authority, partnership_membership, priority_action, priority_action_plan, recommendation,
    strategic_plan,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, IdenStatic, Iterable, QueryFilter, QuerySelect,
    QueryTrait, Select,
    sea_query::{CaseStatement, Expr},
};

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
fn condition<S, C>(visibility: Visibility<S>, status: C, area: C) -> Condition
where
    S: Into<sea_orm::Value>,
    C: ColumnTrait,
{
    let mut condition = Condition::any().add(status.is_in(visibility.everywhere));
    if !visibility.own_areas.is_empty() && !visibility.in_own_areas.is_empty() {
        condition = condition.add(
            Condition::all()
                .add(area.is_in(visibility.own_areas))
                .add(status.is_in(visibility.in_own_areas)),
        );
    }
    condition
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
        inspection::Column::Status,
        inspection::Column::AreaId,
    )
}

/// What an embargoed report concluded: blanked, in the query itself, for viewers who may follow
/// the inspection but not yet read its report.
const FINDINGS: [inspection::Column; 4] = [
    inspection::Column::Outcome,
    inspection::Column::WsoaRequired,
    inspection::Column::RevisitProgress,
    inspection::Column::ReportUrl,
];

fn is_finding(column: inspection::Column) -> bool {
    FINDINGS
        .iter()
        .any(|finding| finding.as_str() == column.as_str())
}

impl Scoped for inspection::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::inspections(viewer),
            inspection::Column::Status,
            inspection::Column::AreaId,
        )
    }

    fn select_visible(viewer: &Viewer) -> Select<Self> {
        let mut select = Self::find()
            .filter(Self::read_condition(viewer))
            .select_only()
            .columns(inspection::Column::iter().filter(|column| !is_finding(*column)));
        for column in FINDINGS {
            let redacted = CaseStatement::new().case(findings_condition(viewer), Expr::col(column));
            select = select.expr_as(redacted, column.as_str());
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
            strategic_plan::Column::Status,
            strategic_plan::Column::AreaId,
        )
    }
}

impl Scoped for priority_action_plan::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::priority_action_plans(viewer),
            priority_action_plan::Column::Status,
            priority_action_plan::Column::AreaId,
        )
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
            engagement_meeting::Column::Status,
            engagement_meeting::Column::AreaId,
        )
    }
}

impl Scoped for intervention::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        condition(
            policy::interventions(viewer),
            intervention::Column::Status,
            intervention::Column::AreaId,
        )
    }
}

impl Scoped for audit_event::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let column = match policy::audit_events(viewer) {
            AuditScope::All => return Condition::all(),
            AuditScope::Nothing => audit_event::Column::Id.is_in(Vec::<i32>::new()),
            AuditScope::ActorRole(role) => audit_event::Column::ActorRole.eq(role),
            AuditScope::Areas(areas) => audit_event::Column::AreaId.is_in(areas),
        };
        Condition::all().add(column)
    }
}
