//! Strategic plans, priority action plans and their actions.

use crate::graphql::cost;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{
    action_progress,
    enums::{ActionStatus, PriorityActionPlanStatus, ResponsiblePartner, StrategicPlanStatus},
    inspection, priority_action, priority_action_plan, recommendation, strategic_plan,
};

use super::{
    area::Area,
    by_id, children,
    inspection::{Inspection, Recommendation},
    parent,
    scalars::{Date, date},
};
use crate::{
    graphql::{
        context,
        id::{NodeType, encode},
    },
    policy,
    service::history,
};

/// One version of an area's strategic plan for SEND.
pub struct StrategicPlan(pub strategic_plan::Model);

#[Object]
impl StrategicPlan {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::StrategicPlan, self.0.id)
    }

    /// The area whose plan it is.
    async fn area(&self, ctx: &Context<'_>) -> Result<Area> {
        context::area(ctx, self.0.area_id).await
    }

    /// 1 for the area's first version, then consecutive.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The plan's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Draft or published.
    async fn status(&self) -> StrategicPlanStatus {
        self.0.status
    }

    /// When it was published.
    async fn published_on(&self) -> Option<Date> {
        date(self.0.published_on)
    }

    /// Where the published plan can be read.
    async fn document_url(&self) -> Option<&str> {
        self.0.document_url.as_deref()
    }

    /// True for the synthetic demo history.
    async fn is_synthetic(&self) -> bool {
        self.0.is_synthetic
    }

    /// 1 when created, one more on every change: name it when changing the plan.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
}

/// A priority action plan (area SEND), required after an outcome-3 inspection.
pub struct PriorityActionPlan(pub priority_action_plan::Model);

#[Object]
impl PriorityActionPlan {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::PriorityActionPlan, self.0.id)
    }

    /// The area whose plan it is.
    async fn area(&self, ctx: &Context<'_>) -> Result<Area> {
        context::area(ctx, self.0.area_id).await
    }

    /// The outcome-3 inspection that required the plan.
    async fn inspection(&self, ctx: &Context<'_>) -> Result<Option<Inspection>> {
        let model = by_id::<inspection::Entity>(ctx, self.0.inspection_id).await?;
        Ok(model.map(Inspection))
    }

    /// Draft, submitted or published.
    async fn status(&self) -> PriorityActionPlanStatus {
        self.0.status
    }

    /// When it was submitted to Ofsted and the CQC.
    async fn submitted_on(&self) -> Option<Date> {
        date(self.0.submitted_on)
    }

    /// When Ofsted and the CQC acknowledged it.
    async fn acknowledged_on(&self) -> Option<Date> {
        date(self.0.acknowledged_on)
    }

    /// When it was published.
    async fn published_on(&self) -> Option<Date> {
        date(self.0.published_on)
    }

    /// Where the published plan can be read.
    async fn document_url(&self) -> Option<&str> {
        self.0.document_url.as_deref()
    }

    /// True for the synthetic demo history.
    async fn is_synthetic(&self) -> bool {
        self.0.is_synthetic
    }

    /// 1 when created, one more on every change: name it when changing the plan.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// The area's summary of its plan.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    /// Why DfE or NHS England returned the plan, while it is returned for revision.
    async fn return_reasons(&self) -> Option<&str> {
        self.0.return_reasons.as_deref()
    }

    /// The plan's actions, in plan order.
    #[graphql(complexity = "cost::list(cost::MAX_ACTIONS_PER_PLAN, child_complexity)")]
    async fn actions(&self, ctx: &Context<'_>) -> Result<Vec<PriorityAction>> {
        let rows = children::<priority_action::Entity>(ctx, self.0.id).await?;
        Ok(rows.iter().cloned().map(PriorityAction).collect())
    }

    /// How many actions are not yet completed.
    async fn open_action_count(&self, ctx: &Context<'_>) -> Result<usize> {
        let rows = children::<priority_action::Entity>(ctx, self.0.id).await?;
        Ok(history::open_action_count(&rows))
    }
}

/// One action of a priority action plan.
pub struct PriorityAction(pub priority_action::Model);

#[Object]
impl PriorityAction {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::PriorityAction, self.0.id)
    }

    /// The plan it belongs to.
    async fn plan(&self, ctx: &Context<'_>) -> Result<PriorityActionPlan> {
        let model = parent::<priority_action_plan::Entity>(
            ctx,
            self.0.priority_action_plan_id,
            "priority action plan",
        )
        .await?;
        Ok(PriorityActionPlan(model))
    }

    /// The area for priority action it addresses.
    async fn recommendation(&self, ctx: &Context<'_>) -> Result<Option<Recommendation>> {
        let Some(id) = self.0.recommendation_id else {
            return Ok(None);
        };
        let model = by_id::<recommendation::Entity>(ctx, id).await?;
        Ok(model.map(Recommendation))
    }

    /// Its place in the plan, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// What will be done.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Not started, in progress or completed.
    async fn status(&self) -> ActionStatus {
        self.0.status
    }

    /// When it is due.
    async fn due_on(&self) -> Option<Date> {
        date(self.0.due_on)
    }

    /// When it was completed.
    async fn completed_on(&self) -> Option<Date> {
        date(self.0.completed_on)
    }

    /// The area's latest note on progress.
    async fn progress_note(&self) -> Option<&str> {
        self.0.progress_note.as_deref()
    }

    /// The partner responsible for it.
    async fn responsible_partner(&self) -> Option<ResponsiblePartner> {
        self.0.responsible_partner
    }

    /// 1 when added, one more on every change: name it when changing the action.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// Every recorded status, note, date and author, oldest first.
    #[graphql(complexity = "cost::list(cost::MAX_PROGRESS_PER_ACTION, child_complexity)")]
    async fn progress_history(&self, ctx: &Context<'_>) -> Result<Vec<ActionProgress>> {
        let rows = children::<action_progress::Entity>(ctx, self.0.id).await?;
        Ok(rows.iter().cloned().map(ActionProgress).collect())
    }
}

/// One recorded step of progress on an action.
pub struct ActionProgress(pub action_progress::Model);

#[Object]
impl ActionProgress {
    /// The status recorded.
    async fn status(&self) -> ActionStatus {
        self.0.status
    }

    /// The note recorded with it.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// When the action was completed, for a completed status.
    async fn completed_on(&self) -> Option<Date> {
        date(self.0.completed_on)
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    /// The subject of the token that recorded it; null for the public, which reads no one's
    /// identity.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let viewer = context::viewer(ctx)?;
        Ok(policy::reads_authors(viewer).then_some(self.0.actor_subject.as_str()))
    }

    /// The recording partner's organisation (LA or ICB ONS code).
    async fn organisation(&self) -> Option<&str> {
        self.0.actor_organisation.as_deref()
    }
}
