//! The inspectorates' changes to inspections: scheduling, the lifecycle, findings, sign-off,
//! publication (with its embargo, hold and release), cancellation, and imported history.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{
        InspectionFramework, InspectionKind, InspectionOutcome, InspectionStatus, Inspectorate,
        MonitoringProgress, PriorityActionPlanStatus, RevisitProgress,
    },
    inspection, priority_action_plan, recommendation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value as Json, json};

use crate::{
    domain::{
        inspection::{
            self as lifecycle, Command, Effect, Finding, Findings, Followed, ImportedDates,
            Recommendation,
        },
        rejection::{self, Rejection},
    },
    error::AppError,
    global_id::{self, NodeType},
    policy::{self, Action, Viewer},
    service::{
        change::{
            Change, ChangeError, Changes, Event, ObjectKind, Recorded, date, enum_value, optional,
            text,
        },
        idempotency::Claim,
    },
};

/// A new inspection, as `scheduleInspection` asks for it.
#[derive(Debug, Clone)]
pub struct NewInspection {
    pub area_code: String,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub planned_start_on: NaiveDate,
    /// The row of the full inspection a monitoring inspection follows.
    pub follows: Option<i32>,
    pub discretion_reason: Option<String>,
}

/// A published inspection from the record, as `importHistoricalInspection` gives it.
#[derive(Debug, Clone)]
pub struct HistoricalInspection {
    pub area_code: String,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub follows: Option<i32>,
    pub discretion_reason: Option<String>,
    pub dates: ImportedDates,
    pub finding: FindingInput,
    pub recommendations: Vec<Recommendation>,
    pub report_url: String,
}

/// The finding fields of an input, each optional; the framework and kind decide which one is
/// required.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingInput {
    pub outcome: Option<InspectionOutcome>,
    pub wsoa_required: Option<bool>,
    pub revisit_progress: Option<RevisitProgress>,
    pub monitoring_progress: Option<MonitoringProgress>,
}

impl FindingInput {
    fn finding(
        self,
        framework: InspectionFramework,
        kind: InspectionKind,
    ) -> Result<Finding, Rejection> {
        Finding::of(
            framework,
            kind,
            self.outcome,
            self.wsoa_required,
            self.revisit_progress,
            self.monitoring_progress,
        )
    }
}

/// A lifecycle step on an existing inspection, as the mutations name them.
#[derive(Debug, Clone)]
pub enum Step {
    Notify(NaiveDate),
    StartOnSite(NaiveDate),
    FinishOnSite(NaiveDate),
    RecordFindings {
        finding: FindingInput,
        recommendations: Vec<Recommendation>,
    },
    ShareDraftReport(NaiveDate),
    SignOff,
    Publish {
        at: Option<DateTime<Utc>>,
        report_url: String,
    },
    Hold {
        reason: String,
    },
    Release {
        at: Option<DateTime<Utc>>,
    },
    Cancel {
        reason: String,
    },
}

impl Step {
    fn operation(&self) -> &'static str {
        match self {
            Step::Notify(_) => "notifyArea",
            Step::StartOnSite(_) => "startOnSite",
            Step::FinishOnSite(_) => "finishOnSite",
            Step::RecordFindings { .. } => "recordFindings",
            Step::ShareDraftReport(_) => "shareDraftReport",
            Step::SignOff => "signOffReport",
            Step::Publish { .. } => "publishReport",
            Step::Hold { .. } => "holdPublication",
            Step::Release { .. } => "releasePublication",
            Step::Cancel { .. } => "cancelInspection",
        }
    }

    /// Steps that touch the report are events about the report, which only those who may read
    /// it can see in the trail.
    fn concerns(&self) -> ObjectKind {
        match self {
            Step::RecordFindings { .. }
            | Step::SignOff
            | Step::Publish { .. }
            | Step::Hold { .. }
            | Step::Release { .. } => ObjectKind::Report,
            _ => ObjectKind::Inspection,
        }
    }

    fn command(
        self,
        change: &Change<'_>,
        state: &lifecycle::Inspection,
    ) -> Result<Command, ChangeError> {
        Ok(match self {
            Step::Notify(on) => Command::Notify { on },
            Step::StartOnSite(on) => Command::StartOnSite { on },
            Step::FinishOnSite(on) => Command::FinishOnSite { on },
            Step::RecordFindings {
                finding,
                recommendations,
            } => Command::RecordFindings(Findings::new(
                finding.finding(state.framework, state.kind)?,
                recommendations,
            )?),
            Step::ShareDraftReport(on) => Command::ShareDraftReport { on },
            Step::SignOff => Command::SignOff(
                policy::inspectorate_of(change.caller().role).ok_or(AppError::Forbidden)?,
            ),
            Step::Publish { at, report_url } => Command::Publish {
                at,
                report_url: rejection::https_url("input.reportUrl", &report_url)?,
            },
            Step::Hold { reason } => Command::HoldPublication {
                reason: rejection::text("input.reason", &reason)?,
            },
            Step::Release { at } => Command::ReleasePublication { at },
            Step::Cancel { reason } => Command::Cancel {
                reason: rejection::text("input.reason", &reason)?,
            },
        })
    }
}

impl Recorded for inspection::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        let signed_off_by: Vec<Json> = [
            (self.signed_off_by_ofsted, Inspectorate::Ofsted),
            (self.signed_off_by_cqc, Inspectorate::Cqc),
        ]
        .into_iter()
        .filter(|(signed, _)| *signed)
        .map(|(_, inspectorate)| enum_value(inspectorate))
        .collect();
        vec![
            ("framework", enum_value(self.framework)),
            ("kind", enum_value(self.kind)),
            ("status", enum_value(self.status)),
            ("plannedStartOn", date(self.planned_start_on)),
            ("notifiedOn", date(self.notified_on)),
            ("onSiteStartOn", date(self.on_site_start_on)),
            ("onSiteEndOn", date(self.on_site_end_on)),
            ("draftSharedOn", date(self.draft_shared_on)),
            ("publishedOn", date(self.published_on)),
            ("outcome", optional(self.outcome, enum_value)),
            (
                "writtenStatementOfActionRequired",
                optional(self.wsoa_required, Json::Bool),
            ),
            (
                "revisitProgress",
                optional(self.revisit_progress, enum_value),
            ),
            (
                "monitoringProgress",
                optional(self.monitoring_progress, enum_value),
            ),
            ("reportUrl", text(self.report_url.as_deref())),
            (
                "publishAt",
                optional(self.publish_at, |at| json!(at.to_rfc3339())),
            ),
            ("heldReason", text(self.held_reason.as_deref())),
            (
                "cancellationReason",
                text(self.cancellation_reason.as_deref()),
            ),
            ("signedOffBy", Json::Array(signed_off_by)),
            (
                "follows",
                optional(self.follows_inspection_id, |id| {
                    json!(global_id::encode(NodeType::Inspection, id))
                }),
            ),
            ("discretionReason", text(self.discretion_reason.as_deref())),
            ("isSynthetic", Json::Bool(self.is_synthetic)),
        ]
    }
}

fn state(model: &inspection::Model) -> lifecycle::Inspection {
    let finding = [
        model.outcome.map(Finding::Outcome),
        model.monitoring_progress.map(Finding::Monitoring),
        model.wsoa_required.map(Finding::WrittenStatementOfAction),
        model.revisit_progress.map(Finding::Revisit),
    ]
    .into_iter()
    .flatten()
    .next();
    lifecycle::Inspection {
        framework: model.framework,
        kind: model.kind,
        status: model.status,
        notified_on: model.notified_on,
        on_site_start_on: model.on_site_start_on,
        on_site_end_on: model.on_site_end_on,
        draft_shared_on: model.draft_shared_on,
        published_on: model.published_on,
        finding,
        report_url: model.report_url.clone(),
        publish_at: model.publish_at,
        held_reason: model.held_reason.clone(),
        cancellation_reason: model.cancellation_reason.clone(),
        signed_off_by_ofsted: model.signed_off_by_ofsted,
        signed_off_by_cqc: model.signed_off_by_cqc,
    }
}

/// The row's lifecycle columns set from the domain's state.
fn written(
    model: inspection::Model,
    state: lifecycle::Inspection,
    now: DateTime<Utc>,
) -> inspection::ActiveModel {
    let finding = state.finding;
    let mut row = model.into_active_model();
    row.status = Set(state.status);
    row.notified_on = Set(state.notified_on);
    row.on_site_start_on = Set(state.on_site_start_on);
    row.on_site_end_on = Set(state.on_site_end_on);
    row.draft_shared_on = Set(state.draft_shared_on);
    row.published_on = Set(state.published_on);
    row.outcome = Set(finding.and_then(Finding::outcome));
    row.wsoa_required = Set(finding.and_then(Finding::wsoa_required));
    row.revisit_progress = Set(finding.and_then(Finding::revisit_progress));
    row.monitoring_progress = Set(finding.and_then(Finding::monitoring_progress));
    row.report_url = Set(state.report_url);
    row.publish_at = Set(state.publish_at);
    row.held_reason = Set(state.held_reason);
    row.cancellation_reason = Set(state.cancellation_reason);
    row.signed_off_by_ofsted = Set(state.signed_off_by_ofsted);
    row.signed_off_by_cqc = Set(state.signed_off_by_cqc);
    row.updated_at = Set(now);
    row
}

/// Schedules a 2023-framework inspection.
pub async fn schedule(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    input: NewInspection,
) -> Result<inspection::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let area_id = change
        .authorized_area(
            "input.areaCode",
            &input.area_code,
            Action::ManageInspections,
        )
        .await?;
    lifecycle::check_schedule(
        input.framework,
        input.kind,
        has_open_full_inspection(&change, area_id).await?,
    )?;
    rejection::planned_date(
        "input.plannedStartOn",
        input.planned_start_on,
        change.today(),
    )?;
    let discretion_reason =
        rejection::optional_text("input.discretionReason", input.discretion_reason.as_deref())?;
    let followed = followed(&change, area_id, input.follows).await?;
    lifecycle::check_follows(
        input.framework,
        input.kind,
        followed.as_ref(),
        discretion_reason.as_deref(),
    )?;
    let created = inspection::ActiveModel {
        area_id: Set(area_id),
        framework: Set(input.framework),
        kind: Set(input.kind),
        status: Set(InspectionStatus::Planned),
        planned_start_on: Set(Some(input.planned_start_on)),
        follows_inspection_id: Set(input.follows),
        discretion_reason: Set(discretion_reason),
        is_synthetic: Set(false),
        revision: Set(1),
        signed_off_by_ofsted: Set(false),
        signed_off_by_cqc: Set(false),
        created_at: Set(change.now),
        updated_at: Set(change.now),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let event = Event {
        operation: "scheduleInspection",
        kind: ObjectKind::Inspection,
        row_id: created.id,
        area_id: Some(area_id),
        summary: format!("Scheduled a {} inspection", kind_label(created.kind)),
        changes: Changes::between(None, &created),
    };
    change.commit(event).await?;
    Ok(created)
}

/// Takes one lifecycle step on inspection `id`, read at `revision`.
pub async fn step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    revision: i32,
    step: Step,
) -> Result<inspection::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let before = change
        .target::<inspection::Entity>(id, revision, |_| Action::ManageInspections)
        .await?;
    let operation = step.operation();
    let concerns = step.concerns();
    let current = state(&before);
    let command = step.command(&change, &current)?;
    let transition = current.apply(command, change.now)?;
    let after = change
        .save::<inspection::Entity, _>(
            &before,
            revision,
            written(before.clone(), transition.inspection, change.now),
        )
        .await?;
    let mut changes = Changes::between(Some(&before), &after);
    for effect in transition.effects {
        changes = match effect {
            Effect::ReplaceRecommendations(recommendations) => {
                let (old, new) = replace_recommendations(&change, id, recommendations).await?;
                changes.with("recommendations", old, new)
            }
            Effect::OpenPriorityActionPlan => {
                open_priority_action_plan(&change, &after).await?;
                changes
            }
            Effect::WithdrawPriorityActionPlan => {
                withdraw_priority_action_plan(&change, id).await?;
                changes
            }
        };
    }
    let event = Event {
        operation,
        kind: concerns,
        row_id: id,
        area_id: Some(after.area_id),
        summary: summary(operation, &after),
        changes,
    };
    // A publication is announced when its embargo lifts, which may be now.
    change.commit_effective(event, after.publish_at).await?;
    Ok(after)
}

/// Records a published inspection from the public record.
pub async fn import(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    input: HistoricalInspection,
) -> Result<inspection::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let area_id = change
        .authorized_area(
            "input.areaCode",
            &input.area_code,
            Action::ManageInspections,
        )
        .await?;
    let finding = input.finding.finding(input.framework, input.kind)?;
    let findings = Findings::new(finding, input.recommendations)?;
    lifecycle::check_imported_dates(input.framework, input.dates, change.today())?;
    let report_url = rejection::https_url("input.reportUrl", &input.report_url)?;
    let discretion_reason =
        rejection::optional_text("input.discretionReason", input.discretion_reason.as_deref())?;
    let followed = followed(&change, area_id, input.follows).await?;
    lifecycle::check_follows(
        input.framework,
        input.kind,
        followed.as_ref(),
        discretion_reason.as_deref(),
    )?;
    let dates = input.dates;
    let created = inspection::ActiveModel {
        area_id: Set(area_id),
        framework: Set(input.framework),
        kind: Set(input.kind),
        status: Set(InspectionStatus::Published),
        planned_start_on: Set(Some(dates.on_site_start_on)),
        notified_on: Set(dates.notified_on),
        on_site_start_on: Set(Some(dates.on_site_start_on)),
        on_site_end_on: Set(Some(dates.on_site_end_on)),
        draft_shared_on: Set(dates.draft_shared_on),
        published_on: Set(Some(dates.published_on)),
        outcome: Set(finding.outcome()),
        wsoa_required: Set(finding.wsoa_required()),
        revisit_progress: Set(finding.revisit_progress()),
        monitoring_progress: Set(finding.monitoring_progress()),
        report_url: Set(Some(report_url)),
        follows_inspection_id: Set(input.follows),
        discretion_reason: Set(discretion_reason),
        signed_off_by_ofsted: Set(true),
        signed_off_by_cqc: Set(true),
        is_synthetic: Set(false),
        revision: Set(1),
        created_at: Set(change.now),
        updated_at: Set(change.now),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let (_, recommendations) =
        replace_recommendations(&change, created.id, findings.recommendations).await?;
    if lifecycle::requires_priority_action_plan(created.framework, created.outcome) {
        open_priority_action_plan(&change, &created).await?;
    }
    let event = Event {
        operation: "importHistoricalInspection",
        kind: ObjectKind::Report,
        row_id: created.id,
        area_id: Some(area_id),
        summary: format!(
            "Imported a published {} inspection",
            kind_label(created.kind)
        ),
        changes: Changes::between(None, &created).with(
            "recommendations",
            Json::Null,
            recommendations,
        ),
    };
    change.commit(event).await?;
    Ok(created)
}

/// Whether the area has a full inspection that is neither published nor cancelled.
async fn has_open_full_inspection(change: &Change<'_>, area_id: i32) -> Result<bool, ChangeError> {
    let open = inspection::Entity::find()
        .filter(inspection::Column::AreaId.eq(area_id))
        .filter(inspection::Column::Kind.eq(InspectionKind::Full))
        .filter(
            inspection::Column::Status
                .is_not_in([InspectionStatus::Published, InspectionStatus::Cancelled]),
        )
        .count(change.connection())
        .await?;
    Ok(open > 0)
}

/// The inspection `follows` names, as the rules read it; not found if the caller cannot see it.
async fn followed(
    change: &Change<'_>,
    area_id: i32,
    follows: Option<i32>,
) -> Result<Option<Followed>, ChangeError> {
    let Some(id) = follows else {
        return Ok(None);
    };
    let followed = change.load::<inspection::Entity>(id).await?;
    let facts = state(&followed);
    Ok(Some(Followed {
        same_area: followed.area_id == area_id,
        framework: followed.framework,
        kind: followed.kind,
        published: facts.is_public(change.now),
        finding: facts.finding,
    }))
}

/// Replaces an inspection's recommendations; returns them before and after, for the event.
async fn replace_recommendations(
    change: &Change<'_>,
    inspection_id: i32,
    recommendations: Vec<Recommendation>,
) -> Result<(Json, Json), ChangeError> {
    let connection = change.connection();
    let old = recommendation::Entity::find()
        .filter(recommendation::Column::InspectionId.eq(inspection_id))
        .order_by_asc(recommendation::Column::Position)
        .all(connection)
        .await?;
    recommendation::Entity::delete_many()
        .filter(recommendation::Column::InspectionId.eq(inspection_id))
        .exec(connection)
        .await?;
    let mut new = Vec::with_capacity(recommendations.len());
    for (index, recommendation) in recommendations.into_iter().enumerate() {
        let position = i32::try_from(index + 1).map_err(|_| AppError::Internal)?;
        let row = recommendation::ActiveModel {
            inspection_id: Set(inspection_id),
            position: Set(position),
            text: Set(recommendation.text),
            responsible_partner: Set(recommendation.responsible_partner),
            is_area_for_priority_action: Set(recommendation.is_area_for_priority_action),
            ..Default::default()
        }
        .insert(connection)
        .await?;
        new.push(row);
    }
    let as_json = |rows: &[recommendation::Model]| {
        Json::Array(
            rows.iter()
                .map(|row| {
                    json!({
                        "text": row.text,
                        "responsiblePartner": enum_value(row.responsible_partner),
                        "isAreaForPriorityAction": row.is_area_for_priority_action,
                    })
                })
                .collect(),
        )
    };
    Ok((as_json(&old), as_json(&new)))
}

/// Opens the area's priority action plan for an outcome-3 inspection, once.
async fn open_priority_action_plan(
    change: &Change<'_>,
    inspection: &inspection::Model,
) -> Result<(), ChangeError> {
    let existing = priority_action_plan::Entity::find()
        .filter(priority_action_plan::Column::InspectionId.eq(inspection.id))
        .count(change.connection())
        .await?;
    if existing > 0 {
        return Ok(());
    }
    priority_action_plan::ActiveModel {
        area_id: Set(inspection.area_id),
        inspection_id: Set(inspection.id),
        status: Set(PriorityActionPlanStatus::Draft),
        is_synthetic: Set(false),
        revision: Set(1),
        created_at: Set(change.now),
        updated_at: Set(change.now),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    Ok(())
}

/// Takes back the plan a withdrawn publication opened, while it is the area's untouched draft
/// (its actions go with it).
async fn withdraw_priority_action_plan(
    change: &Change<'_>,
    inspection_id: i32,
) -> Result<(), ChangeError> {
    priority_action_plan::Entity::delete_many()
        .filter(priority_action_plan::Column::InspectionId.eq(inspection_id))
        .filter(priority_action_plan::Column::Status.eq(PriorityActionPlanStatus::Draft))
        .filter(priority_action_plan::Column::Revision.eq(1))
        .exec(change.connection())
        .await?;
    Ok(())
}

fn kind_label(kind: InspectionKind) -> &'static str {
    match kind {
        InspectionKind::Full => "full",
        InspectionKind::Monitoring => "monitoring",
        InspectionKind::Revisit => "revisit",
    }
}

fn summary(operation: &str, inspection: &inspection::Model) -> String {
    let kind = kind_label(inspection.kind);
    match operation {
        "notifyArea" => format!("Notified the area of a {kind} inspection"),
        "startOnSite" => format!("Started on site ({kind} inspection)"),
        "finishOnSite" => format!("Finished on site ({kind} inspection)"),
        "recordFindings" => format!("Recorded the findings of a {kind} inspection"),
        "shareDraftReport" => format!("Shared the draft report of a {kind} inspection"),
        "signOffReport" => format!("Signed off the report of a {kind} inspection"),
        "publishReport" => format!("Set the report of a {kind} inspection to publish"),
        "holdPublication" => format!("Held the publication of a {kind} inspection's report"),
        "releasePublication" => {
            format!("Released the publication of a {kind} inspection's report")
        }
        _ => format!("Cancelled a {kind} inspection"),
    }
}
