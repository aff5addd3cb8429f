//! The partners' plans: strategic plan versions, and the priority action plan with its actions
//! and their progress; DfE's and NHS England's feedback on a submitted plan.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::{
    action_progress,
    enums::{ActionStatus, ResponsiblePartner, StrategicPlanStatus},
    priority_action, priority_action_plan, recommendation, strategic_plan,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value as Json, json};

use crate::{
    domain::{
        plans::{
            MAX_ACTIONS_PER_PLAN, MAX_PROGRESS_PER_ACTION, PlanCommand, PriorityActionPlan,
            Progress, StrategicPlan, StrategicPlanCommand,
        },
        rejection::{self, Rejection},
    },
    error::AppError,
    global_id::{self, NodeType},
    policy::{Action, Viewer},
    service::{
        change::{
            Change, ChangeError, Changes, Event, ObjectKind, Recorded, date, enum_value, optional,
            text,
        },
        idempotency::Claim,
    },
};

impl Recorded for strategic_plan::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("version", json!(self.version)),
            ("title", Json::String(self.title.clone())),
            ("status", enum_value(self.status)),
            ("publishedOn", date(self.published_on)),
            ("documentUrl", text(self.document_url.as_deref())),
        ]
    }
}

impl Recorded for priority_action_plan::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("status", enum_value(self.status)),
            ("summary", text(self.summary.as_deref())),
            ("documentUrl", text(self.document_url.as_deref())),
            ("submittedOn", date(self.submitted_on)),
            ("returnReasons", text(self.return_reasons.as_deref())),
            ("acknowledgedOn", date(self.acknowledged_on)),
            ("publishedOn", date(self.published_on)),
        ]
    }
}

impl Recorded for priority_action::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("description", Json::String(self.description.clone())),
            (
                "recommendation",
                optional(self.recommendation_id, |id| {
                    json!(global_id::encode(NodeType::Recommendation, id))
                }),
            ),
            (
                "responsiblePartner",
                optional(self.responsible_partner, enum_value),
            ),
            ("status", enum_value(self.status)),
            ("dueOn", date(self.due_on)),
            ("completedOn", date(self.completed_on)),
            ("progressNote", text(self.progress_note.as_deref())),
        ]
    }
}

fn optional_url(field: &str, url: Option<&str>) -> Result<Option<String>, Rejection> {
    match url.map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) => rejection::https_url(field, url).map(Some),
    }
}

// ---- strategic plans ----

pub async fn create_strategic_plan_draft(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    area_code: &str,
    title: &str,
    document_url: Option<&str>,
) -> Result<strategic_plan::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let area_id = change
        .authorized_area("input.areaCode", area_code, Action::WriteStrategicPlan)
        .await?;
    let title = rejection::text("input.title", title)?;
    let document_url = optional_url("input.documentUrl", document_url)?;
    let versions = strategic_plan::Entity::find()
        .filter(strategic_plan::Column::AreaId.eq(area_id))
        .order_by_desc(strategic_plan::Column::Version)
        .all(change.connection())
        .await?;
    let has_draft = versions
        .iter()
        .any(|plan| plan.status == StrategicPlanStatus::Draft);
    let draft = StrategicPlan::draft(title, document_url, has_draft)?;
    let version = versions.first().map_or(1, |latest| latest.version + 1);
    let created = strategic_plan::ActiveModel {
        area_id: Set(area_id),
        version: Set(version),
        title: Set(draft.title),
        status: Set(draft.status),
        document_url: Set(draft.document_url),
        is_synthetic: Set(false),
        revision: Set(1),
        created_at: Set(change.now),
        updated_at: Set(change.now),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let event = Event {
        operation: "createStrategicPlanDraft",
        kind: ObjectKind::StrategicPlan,
        row_id: created.id,
        area_id: Some(area_id),
        summary: format!("Drafted version {version} of the strategic plan"),
        changes: Changes::between(None, &created),
    };
    change.commit(event).await?;
    Ok(created)
}

/// A change to a strategic plan draft, as the mutations ask for it.
pub enum StrategicPlanStep<'a> {
    Update {
        title: &'a str,
        document_url: Option<&'a str>,
    },
    Publish {
        on: NaiveDate,
        document_url: &'a str,
    },
    Withdraw,
}

pub async fn strategic_plan_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    revision: i32,
    step: StrategicPlanStep<'_>,
) -> Result<strategic_plan::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let before = change
        .target::<strategic_plan::Entity>(id, revision, |_| Action::WriteStrategicPlan)
        .await?;
    let (operation, command) = match step {
        StrategicPlanStep::Update {
            title,
            document_url,
        } => (
            "updateStrategicPlanDraft",
            StrategicPlanCommand::Update {
                title: rejection::text("input.title", title)?,
                document_url: optional_url("input.documentUrl", document_url)?,
            },
        ),
        StrategicPlanStep::Publish { on, document_url } => (
            "publishStrategicPlan",
            StrategicPlanCommand::Publish {
                on,
                document_url: rejection::https_url("input.documentUrl", document_url)?,
            },
        ),
        StrategicPlanStep::Withdraw => {
            ("withdrawStrategicPlanDraft", StrategicPlanCommand::Withdraw)
        }
    };
    let current = StrategicPlan {
        status: before.status,
        title: before.title.clone(),
        document_url: before.document_url.clone(),
        published_on: before.published_on,
    };
    let next = current.apply(command, change.today())?;
    let mut row = before.clone().into_active_model();
    row.status = Set(next.status);
    row.title = Set(next.title);
    row.document_url = Set(next.document_url);
    row.published_on = Set(next.published_on);
    row.updated_at = Set(change.now);
    let after = change
        .save::<strategic_plan::Entity, _>(&before, revision, row)
        .await?;
    let event = Event {
        operation,
        kind: ObjectKind::StrategicPlan,
        row_id: id,
        area_id: Some(after.area_id),
        summary: match after.status {
            StrategicPlanStatus::Published => {
                format!("Published version {} of the strategic plan", after.version)
            }
            StrategicPlanStatus::Withdrawn => {
                format!("Withdrew the draft of version {}", after.version)
            }
            StrategicPlanStatus::Draft => format!("Revised the draft of version {}", after.version),
        },
        changes: Changes::between(Some(&before), &after),
    };
    change.commit(event).await?;
    Ok(after)
}

// ---- priority action plans ----

/// A change to a priority action plan, as the mutations ask for it.
pub enum PlanStep<'a> {
    Update {
        summary: Option<&'a str>,
        document_url: Option<&'a str>,
    },
    Submit {
        on: NaiveDate,
    },
    Return {
        reasons: &'a str,
    },
    Acknowledge {
        on: NaiveDate,
    },
    Publish {
        on: NaiveDate,
        document_url: &'a str,
    },
}

fn plan_state(model: &priority_action_plan::Model) -> PriorityActionPlan {
    PriorityActionPlan {
        status: model.status,
        summary: model.summary.clone(),
        document_url: model.document_url.clone(),
        submitted_on: model.submitted_on,
        acknowledged_on: model.acknowledged_on,
        published_on: model.published_on,
        return_reasons: model.return_reasons.clone(),
    }
}

/// Writes a plan's new state, one revision on.
async fn save_plan(
    change: &Change<'_>,
    before: &priority_action_plan::Model,
    revision: i32,
    next: PriorityActionPlan,
) -> Result<priority_action_plan::Model, ChangeError> {
    let mut row = before.clone().into_active_model();
    row.status = Set(next.status);
    row.summary = Set(next.summary);
    row.document_url = Set(next.document_url);
    row.submitted_on = Set(next.submitted_on);
    row.acknowledged_on = Set(next.acknowledged_on);
    row.published_on = Set(next.published_on);
    row.return_reasons = Set(next.return_reasons);
    row.updated_at = Set(change.now);
    change
        .save::<priority_action_plan::Entity, _>(before, revision, row)
        .await
}

/// The areas for priority action of a plan's inspection, and those its actions answer.
async fn answers(
    change: &Change<'_>,
    plan: &priority_action_plan::Model,
) -> Result<(BTreeSet<i32>, BTreeSet<i32>), ChangeError> {
    let required = recommendation::Entity::find()
        .select_only()
        .column(recommendation::Column::Id)
        .filter(recommendation::Column::InspectionId.eq(plan.inspection_id))
        .filter(recommendation::Column::IsAreaForPriorityAction.eq(true))
        .into_tuple::<i32>()
        .all(change.connection())
        .await?;
    let answered = priority_action::Entity::find()
        .select_only()
        .column(priority_action::Column::RecommendationId)
        .filter(priority_action::Column::PriorityActionPlanId.eq(plan.id))
        .into_tuple::<Option<i32>>()
        .all(change.connection())
        .await?;
    Ok((
        required.into_iter().collect(),
        answered.into_iter().flatten().collect(),
    ))
}

pub async fn plan_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    revision: i32,
    step: PlanStep<'_>,
) -> Result<priority_action_plan::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let action = match step {
        PlanStep::Return { .. } | PlanStep::Acknowledge { .. } => Action::ReviewPriorityActionPlan,
        _ => Action::WritePriorityActionPlan,
    };
    let before = change
        .target::<priority_action_plan::Entity>(id, revision, |_| action)
        .await?;
    let (operation, summary, command) = match step {
        PlanStep::Update {
            summary,
            document_url,
        } => (
            "updatePriorityActionPlan",
            "Revised the priority action plan",
            PlanCommand::Update {
                summary: rejection::optional_text("input.summary", summary)?,
                document_url: optional_url("input.documentUrl", document_url)?,
            },
        ),
        PlanStep::Submit { on } => {
            let (areas_for_priority_action, answered) = answers(&change, &before).await?;
            (
                "submitPriorityActionPlan",
                "Submitted the priority action plan",
                PlanCommand::Submit {
                    on,
                    areas_for_priority_action,
                    answered,
                },
            )
        }
        PlanStep::Return { reasons } => (
            "returnPriorityActionPlan",
            "Returned the priority action plan",
            PlanCommand::Return {
                reasons: rejection::text("input.reasons", reasons)?,
            },
        ),
        PlanStep::Acknowledge { on } => (
            "acknowledgePriorityActionPlan",
            "Acknowledged the priority action plan",
            PlanCommand::Acknowledge { on },
        ),
        PlanStep::Publish { on, document_url } => (
            "publishPriorityActionPlan",
            "Published the priority action plan",
            PlanCommand::Publish {
                on,
                document_url: rejection::https_url("input.documentUrl", document_url)?,
            },
        ),
    };
    let next = plan_state(&before).apply(command, change.today())?;
    let after = save_plan(&change, &before, revision, next).await?;
    let event = Event {
        operation,
        kind: ObjectKind::PriorityActionPlan,
        row_id: id,
        area_id: Some(after.area_id),
        summary: summary.to_owned(),
        changes: Changes::between(Some(&before), &after),
    };
    change.commit(event).await?;
    Ok(after)
}

/// The fields of an action, as `addPriorityAction` and `updatePriorityAction` give them.
#[derive(Debug, Clone, Default)]
pub struct ActionFields<'a> {
    pub description: Option<&'a str>,
    pub recommendation_id: Option<i32>,
    pub responsible_partner: Option<ResponsiblePartner>,
    pub due_on: Option<NaiveDate>,
}

/// Checks an action's recommendation: an area for priority action of the plan's inspection.
async fn check_recommendation(
    change: &Change<'_>,
    plan: &priority_action_plan::Model,
    recommendation_id: i32,
) -> Result<(), ChangeError> {
    let found = recommendation::Entity::find_by_id(recommendation_id)
        .filter(recommendation::Column::InspectionId.eq(plan.inspection_id))
        .filter(recommendation::Column::IsAreaForPriorityAction.eq(true))
        .count(change.connection())
        .await?;
    if found == 0 {
        return Err(Rejection::invalid(
            "input.recommendationId",
            "must be an area for priority action of the plan's inspection",
        )
        .into());
    }
    Ok(())
}

pub async fn add_action(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    plan_id: i32,
    revision: i32,
    fields: ActionFields<'_>,
) -> Result<(priority_action::Model, priority_action_plan::Model), ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let before = change
        .target::<priority_action_plan::Entity>(plan_id, revision, |_| {
            Action::WritePriorityActionPlan
        })
        .await?;
    let next = plan_state(&before).apply(PlanCommand::EditActions, change.today())?;
    let description = rejection::text("input.description", fields.description.unwrap_or_default())?;
    let recommendation_id = fields.recommendation_id.ok_or_else(|| {
        Rejection::invalid(
            "input.recommendationId",
            "name the area for priority action it answers",
        )
    })?;
    check_recommendation(&change, &before, recommendation_id).await?;
    if let Some(due_on) = fields.due_on {
        rejection::planned_date("input.dueOn", due_on, change.today())?;
    }
    let actions = priority_action::Entity::find()
        .filter(priority_action::Column::PriorityActionPlanId.eq(plan_id))
        .count(change.connection())
        .await?;
    if actions >= MAX_ACTIONS_PER_PLAN as u64 {
        return Err(Rejection::transition(format!(
            "a plan holds at most {MAX_ACTIONS_PER_PLAN} actions"
        ))
        .into());
    }
    let plan = save_plan(&change, &before, revision, next).await?;
    let position = i32::try_from(actions + 1).map_err(|_| AppError::Internal)?;
    let created = priority_action::ActiveModel {
        priority_action_plan_id: Set(plan_id),
        recommendation_id: Set(Some(recommendation_id)),
        position: Set(position),
        description: Set(description),
        status: Set(ActionStatus::NotStarted),
        due_on: Set(fields.due_on),
        responsible_partner: Set(fields.responsible_partner),
        revision: Set(1),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let event = Event {
        operation: "addPriorityAction",
        kind: ObjectKind::PriorityAction,
        row_id: created.id,
        area_id: Some(plan.area_id),
        summary: "Added an action to the priority action plan".to_owned(),
        changes: Changes::between(None, &created),
    };
    change.commit(event).await?;
    Ok((created, plan))
}

/// A change to an action, as the mutations ask for it.
pub enum ActionStep<'a> {
    Update(ActionFields<'a>),
    Remove,
    RecordProgress {
        status: ActionStatus,
        note: Option<&'a str>,
        completed_on: Option<NaiveDate>,
    },
}

/// Changes action `id`, read at `revision`; returns the action as changed (as it was, if it was
/// removed) and its plan.
pub async fn action_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    revision: i32,
    step: ActionStep<'_>,
) -> Result<(priority_action::Model, priority_action_plan::Model), ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    // An action is as visible as its plan; the policy decides in the plan's area.
    let before = change.load::<priority_action::Entity>(id).await?;
    let plan = change
        .load::<priority_action_plan::Entity>(before.priority_action_plan_id)
        .await?;
    let action = match step {
        ActionStep::RecordProgress { .. } => Action::RecordActionProgress,
        _ => Action::WritePriorityActionPlan,
    };
    change.authorize(action, Some(plan.area_id))?;
    rejection::revision(revision, before.revision)?;
    let mut row = before.clone().into_active_model();
    let (operation, summary, after) = match step {
        ActionStep::Update(fields) => {
            plan_state(&plan).apply(PlanCommand::EditActions, change.today())?;
            if let Some(description) = fields.description {
                row.description = Set(rejection::text("input.description", description)?);
            }
            if let Some(recommendation_id) = fields.recommendation_id {
                check_recommendation(&change, &plan, recommendation_id).await?;
                row.recommendation_id = Set(Some(recommendation_id));
            }
            if let Some(partner) = fields.responsible_partner {
                row.responsible_partner = Set(Some(partner));
            }
            if let Some(due_on) = fields.due_on {
                row.due_on = Set(Some(rejection::planned_date(
                    "input.dueOn",
                    due_on,
                    change.today(),
                )?));
            }
            let after = change
                .save::<priority_action::Entity, _>(&before, revision, row)
                .await?;
            (
                "updatePriorityAction",
                "Revised an action of the priority action plan",
                after,
            )
        }
        ActionStep::Remove => {
            plan_state(&plan).apply(PlanCommand::EditActions, change.today())?;
            let progress = action_progress::Entity::find()
                .filter(action_progress::Column::PriorityActionId.eq(id))
                .count(change.connection())
                .await?;
            if progress > 0 {
                return Err(Rejection::transition(
                    "an action with recorded progress stays: its history is the plan's record",
                )
                .into());
            }
            // Bump the revision first, so a concurrent change from the same revision loses.
            let after = change
                .save::<priority_action::Entity, _>(&before, revision, row)
                .await?;
            priority_action::Entity::delete_by_id(id)
                .exec(change.connection())
                .await?;
            (
                "removePriorityAction",
                "Removed an action of the priority action plan",
                after,
            )
        }
        ActionStep::RecordProgress {
            status,
            note,
            completed_on,
        } => {
            plan_state(&plan).apply(PlanCommand::RecordProgress, change.today())?;
            let recorded = action_progress::Entity::find()
                .filter(action_progress::Column::PriorityActionId.eq(id))
                .count(change.connection())
                .await?;
            if recorded >= MAX_PROGRESS_PER_ACTION as u64 {
                return Err(Rejection::transition(format!(
                    "an action keeps at most {MAX_PROGRESS_PER_ACTION} progress records"
                ))
                .into());
            }
            let note = rejection::optional_text("input.note", note)?;
            let progress = Progress::new(status, note, completed_on, change.today())?;
            action_progress::ActiveModel {
                priority_action_id: Set(id),
                status: Set(progress.status),
                note: Set(progress.note.clone()),
                completed_on: Set(progress.completed_on),
                recorded_at: Set(change.now),
                actor_subject: Set(change.caller().subject.clone()),
                actor_organisation: Set(change.caller().organisation.clone()),
                ..Default::default()
            }
            .insert(change.connection())
            .await?;
            row.status = Set(progress.status);
            row.progress_note = Set(progress.note);
            row.completed_on = Set(progress.completed_on);
            let after = change
                .save::<priority_action::Entity, _>(&before, revision, row)
                .await?;
            (
                "recordActionProgress",
                "Recorded progress on an action",
                after,
            )
        }
    };
    // Removal concerns the plan (the action is gone); any other change concerns the action.
    let (kind, row_id) = if operation == "removePriorityAction" {
        (ObjectKind::PriorityActionPlan, plan.id)
    } else {
        (ObjectKind::PriorityAction, id)
    };
    let changes = if operation == "removePriorityAction" {
        Changes::default().with(
            "actions",
            json!([global_id::encode(NodeType::PriorityAction, id)]),
            json!([]),
        )
    } else {
        Changes::between(Some(&before), &after)
    };
    let event = Event {
        operation,
        kind,
        row_id,
        area_id: Some(plan.area_id),
        summary: summary.to_owned(),
        changes,
    };
    change.commit(event).await?;
    Ok((after, plan))
}
