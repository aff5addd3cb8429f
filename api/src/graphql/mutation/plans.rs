//! The area's partners write their strategic plans and priority action plans; DfE and NHS
//! England give feedback on a submitted priority action plan.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{
    enums::{ActionStatus, ResponsiblePartner},
    priority_action, priority_action_plan, strategic_plan,
};

use super::{Parts, UserError, answer, claim, payload, row_id};
use crate::{
    graphql::{
        context, cost,
        id::NodeType,
        types::{
            plan::{PriorityAction, PriorityActionPlan, StrategicPlan},
            scalars::Date,
        },
    },
    service::{
        change::ChangeError,
        write::plans::{self as write, ActionFields, ActionStep, PlanStep, StrategicPlanStep},
    },
};

#[derive(Default)]
pub struct PlanMutations;

#[derive(InputObject)]
pub struct CreateStrategicPlanDraftInput {
    pub area_code: String,
    pub title: String,
    pub document_url: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateStrategicPlanDraftInput {
    pub id: ID,
    pub revision: i32,
    pub title: String,
    pub document_url: Option<String>,
}

#[derive(InputObject)]
pub struct PublishStrategicPlanInput {
    pub id: ID,
    pub revision: i32,
    pub published_on: Date,
    pub document_url: String,
}

#[derive(InputObject)]
pub struct WithdrawStrategicPlanDraftInput {
    pub id: ID,
    pub revision: i32,
}

#[derive(InputObject)]
pub struct UpdatePriorityActionPlanInput {
    pub id: ID,
    pub revision: i32,
    pub summary: Option<String>,
    pub document_url: Option<String>,
}

#[derive(InputObject)]
pub struct AddPriorityActionInput {
    pub plan_id: ID,
    /// The plan's revision.
    pub revision: i32,
    pub description: String,
    /// The area for priority action of the plan's inspection that the action answers.
    pub recommendation_id: ID,
    pub responsible_partner: Option<ResponsiblePartner>,
    pub due_on: Option<Date>,
}

/// The fields to change; those omitted stay as they are.
#[derive(InputObject)]
pub struct UpdatePriorityActionInput {
    pub id: ID,
    /// The action's revision.
    pub revision: i32,
    pub description: Option<String>,
    pub recommendation_id: Option<ID>,
    pub responsible_partner: Option<ResponsiblePartner>,
    pub due_on: Option<Date>,
}

#[derive(InputObject)]
pub struct RemovePriorityActionInput {
    pub id: ID,
    /// The action's revision.
    pub revision: i32,
}

#[derive(InputObject)]
pub struct SubmitPriorityActionPlanInput {
    pub id: ID,
    pub revision: i32,
    pub submitted_on: Date,
}

#[derive(InputObject)]
pub struct ReturnPriorityActionPlanInput {
    pub id: ID,
    pub revision: i32,
    pub reasons: String,
}

#[derive(InputObject)]
pub struct AcknowledgePriorityActionPlanInput {
    pub id: ID,
    pub revision: i32,
    pub acknowledged_on: Date,
}

#[derive(InputObject)]
pub struct PublishPriorityActionPlanInput {
    pub id: ID,
    pub revision: i32,
    pub published_on: Date,
    pub document_url: String,
}

#[derive(InputObject)]
pub struct RecordActionProgressInput {
    pub id: ID,
    /// The action's revision.
    pub revision: i32,
    pub status: ActionStatus,
    pub note: Option<String>,
    /// For a completed action: when it was completed.
    pub completed_on: Option<Date>,
}

payload!(
    /// The result of `createStrategicPlanDraft`.
    CreateStrategicPlanDraftPayload, strategic_plan: StrategicPlan
);
payload!(
    /// The result of `updateStrategicPlanDraft`.
    UpdateStrategicPlanDraftPayload, strategic_plan: StrategicPlan
);
payload!(
    /// The result of `publishStrategicPlan`.
    PublishStrategicPlanPayload, strategic_plan: StrategicPlan
);
payload!(
    /// The result of `withdrawStrategicPlanDraft`.
    WithdrawStrategicPlanDraftPayload, strategic_plan: StrategicPlan
);
payload!(
    /// The result of `updatePriorityActionPlan`.
    UpdatePriorityActionPlanPayload, priority_action_plan: PriorityActionPlan
);
payload!(
    /// The result of `submitPriorityActionPlan`.
    SubmitPriorityActionPlanPayload, priority_action_plan: PriorityActionPlan
);
payload!(
    /// The result of `returnPriorityActionPlan`.
    ReturnPriorityActionPlanPayload, priority_action_plan: PriorityActionPlan
);
payload!(
    /// The result of `acknowledgePriorityActionPlan`.
    AcknowledgePriorityActionPlanPayload, priority_action_plan: PriorityActionPlan
);
payload!(
    /// The result of `publishPriorityActionPlan`.
    PublishPriorityActionPlanPayload, priority_action_plan: PriorityActionPlan
);
payload!(
    /// The result of `recordActionProgress`.
    RecordActionProgressPayload, priority_action: PriorityAction
);

/// The payloads of `addPriorityAction`, `updatePriorityAction` and `removePriorityAction`.
macro_rules! action_payload {
    ($($(#[$doc:meta])* $name:ident),*) => {$(
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The action as changed (as it was, once removed), or null if refused.
            pub priority_action: Option<PriorityAction>,
            /// The action's plan as it now stands.
            pub priority_action_plan: Option<PriorityActionPlan>,
            /// Why the change was refused; empty when it was made.
            pub user_errors: Vec<UserError>,
        }

        impl From<ActionParts> for $name {
            fn from(parts: ActionParts) -> Self {
                Self {
                    priority_action: parts.action,
                    priority_action_plan: parts.plan,
                    user_errors: parts.error.into_iter().collect(),
                }
            }
        }
    )*};
}

action_payload!(
    /// The result of `addPriorityAction`.
    AddPriorityActionPayload,
    /// The result of `updatePriorityAction`.
    UpdatePriorityActionPayload,
    /// The result of `removePriorityAction`.
    RemovePriorityActionPayload
);

/// An action and its plan, or why the change was refused.
struct ActionParts {
    action: Option<PriorityAction>,
    plan: Option<PriorityActionPlan>,
    error: Option<UserError>,
}

async fn strategic(
    ctx: &Context<'_>,
    result: Result<strategic_plan::Model, ChangeError>,
) -> Result<Parts<StrategicPlan>> {
    answer::<strategic_plan::Entity, _>(ctx, result, |model| model.id, StrategicPlan).await
}

async fn strategic_step(
    ctx: &Context<'_>,
    id: &ID,
    revision: i32,
    step: StrategicPlanStep<'_>,
) -> Result<Parts<StrategicPlan>> {
    let row = row_id(id, NodeType::StrategicPlan, "strategic plan")?;
    let viewer = context::viewer(ctx)?;
    let result =
        write::strategic_plan_step(context::db(ctx)?, viewer, claim(ctx), row, revision, step)
            .await;
    strategic(ctx, result).await
}

async fn plan_step(
    ctx: &Context<'_>,
    id: &ID,
    revision: i32,
    step: PlanStep<'_>,
) -> Result<Parts<PriorityActionPlan>> {
    let row = row_id(id, NodeType::PriorityActionPlan, "priority action plan")?;
    let viewer = context::viewer(ctx)?;
    let result = write::plan_step(context::db(ctx)?, viewer, claim(ctx), row, revision, step).await;
    answer::<priority_action_plan::Entity, _>(ctx, result, |model| model.id, PriorityActionPlan)
        .await
}

/// The action and its plan as the caller now reads them. A removed action is answered as it
/// was, since it can no longer be read.
async fn actions_answer(
    ctx: &Context<'_>,
    result: Result<(priority_action::Model, priority_action_plan::Model), ChangeError>,
    removed: bool,
) -> Result<ActionParts> {
    let (action, plan) = match result {
        Ok((action, plan)) => (Ok(action), Ok(plan)),
        Err(error) => {
            let parts =
                answer::<priority_action::Entity, _>(ctx, Err(error), |m| m.id, PriorityAction)
                    .await?;
            return Ok(ActionParts {
                action: None,
                plan: None,
                error: parts.error,
            });
        }
    };
    let plan = answer::<priority_action_plan::Entity, _>(ctx, plan, |m| m.id, PriorityActionPlan)
        .await?
        .object;
    let action = if removed {
        action.ok().map(PriorityAction)
    } else {
        answer::<priority_action::Entity, _>(ctx, action, |m| m.id, PriorityAction)
            .await?
            .object
    };
    Ok(ActionParts {
        action,
        plan,
        error: None,
    })
}

async fn action_step(
    ctx: &Context<'_>,
    id: &ID,
    revision: i32,
    step: ActionStep<'_>,
) -> Result<ActionParts> {
    let removed = matches!(step, ActionStep::Remove);
    let row = row_id(id, NodeType::PriorityAction, "priority action")?;
    let viewer = context::viewer(ctx)?;
    let result =
        write::action_step(context::db(ctx)?, viewer, claim(ctx), row, revision, step).await;
    actions_answer(ctx, result, removed).await
}

fn recommendation(id: &ID) -> Result<i32> {
    row_id(id, NodeType::Recommendation, "recommendation")
}

#[Object]
impl PlanMutations {
    /// Starts the area's next strategic plan version as a draft (the area's partners).
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn create_strategic_plan_draft(
        &self,
        ctx: &Context<'_>,
        input: CreateStrategicPlanDraftInput,
    ) -> Result<CreateStrategicPlanDraftPayload> {
        let result = write::create_strategic_plan_draft(
            context::db(ctx)?,
            context::viewer(ctx)?,
            claim(ctx),
            &input.area_code,
            &input.title,
            input.document_url.as_deref(),
        )
        .await;
        Ok(strategic(ctx, result).await?.into())
    }

    /// Revises the draft.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn update_strategic_plan_draft(
        &self,
        ctx: &Context<'_>,
        input: UpdateStrategicPlanDraftInput,
    ) -> Result<UpdateStrategicPlanDraftPayload> {
        let step = StrategicPlanStep::Update {
            title: &input.title,
            document_url: input.document_url.as_deref(),
        };
        Ok(strategic_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Publishes the draft: public from now on, never edited again.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn publish_strategic_plan(
        &self,
        ctx: &Context<'_>,
        input: PublishStrategicPlanInput,
    ) -> Result<PublishStrategicPlanPayload> {
        let step = StrategicPlanStep::Publish {
            on: input.published_on.0,
            document_url: &input.document_url,
        };
        Ok(strategic_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Withdraws the draft: it leaves every list. The payload shows it as withdrawn, the last
    /// time it can be read.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn withdraw_strategic_plan_draft(
        &self,
        ctx: &Context<'_>,
        input: WithdrawStrategicPlanDraftInput,
    ) -> Result<WithdrawStrategicPlanDraftPayload> {
        let row = row_id(&input.id, NodeType::StrategicPlan, "strategic plan")?;
        let viewer = context::viewer(ctx)?;
        let step = StrategicPlanStep::Withdraw;
        let db = context::db(ctx)?;
        let result =
            write::strategic_plan_step(db, viewer, claim(ctx), row, input.revision, step).await;
        let parts = match result {
            Ok(withdrawn) => Parts {
                object: Some(StrategicPlan(withdrawn)),
                error: None,
            },
            refused => strategic(ctx, refused).await?,
        };
        Ok(parts.into())
    }

    /// Revises the priority action plan's summary or document while DRAFT or RETURNED.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn update_priority_action_plan(
        &self,
        ctx: &Context<'_>,
        input: UpdatePriorityActionPlanInput,
    ) -> Result<UpdatePriorityActionPlanPayload> {
        let step = PlanStep::Update {
            summary: input.summary.as_deref(),
            document_url: input.document_url.as_deref(),
        };
        Ok(plan_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Adds an action answering an area for priority action of the plan's inspection.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn add_priority_action(
        &self,
        ctx: &Context<'_>,
        input: AddPriorityActionInput,
    ) -> Result<AddPriorityActionPayload> {
        let plan = row_id(
            &input.plan_id,
            NodeType::PriorityActionPlan,
            "priority action plan",
        )?;
        let fields = ActionFields {
            description: Some(&input.description),
            recommendation_id: Some(recommendation(&input.recommendation_id)?),
            responsible_partner: input.responsible_partner,
            due_on: input.due_on.map(|date| date.0),
        };
        let viewer = context::viewer(ctx)?;
        let result = write::add_action(
            context::db(ctx)?,
            viewer,
            claim(ctx),
            plan,
            input.revision,
            fields,
        )
        .await;
        Ok(actions_answer(ctx, result, false).await?.into())
    }

    /// Changes an action while its plan is DRAFT or RETURNED.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn update_priority_action(
        &self,
        ctx: &Context<'_>,
        input: UpdatePriorityActionInput,
    ) -> Result<UpdatePriorityActionPayload> {
        let fields = ActionFields {
            description: input.description.as_deref(),
            recommendation_id: input
                .recommendation_id
                .as_ref()
                .map(recommendation)
                .transpose()?,
            responsible_partner: input.responsible_partner,
            due_on: input.due_on.map(|date| date.0),
        };
        let step = ActionStep::Update(fields);
        Ok(action_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Removes an action while its plan is DRAFT or RETURNED.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn remove_priority_action(
        &self,
        ctx: &Context<'_>,
        input: RemovePriorityActionInput,
    ) -> Result<RemovePriorityActionPayload> {
        Ok(
            action_step(ctx, &input.id, input.revision, ActionStep::Remove)
                .await?
                .into(),
        )
    }

    /// Submits the plan to Ofsted and the CQC, once every area for priority action has an
    /// action; DfE and NHS England then give feedback.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn submit_priority_action_plan(
        &self,
        ctx: &Context<'_>,
        input: SubmitPriorityActionPlanInput,
    ) -> Result<SubmitPriorityActionPlanPayload> {
        let step = PlanStep::Submit {
            on: input.submitted_on.0,
        };
        Ok(plan_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Returns a submitted plan to the area with reasons (DfE, NHS England).
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn return_priority_action_plan(
        &self,
        ctx: &Context<'_>,
        input: ReturnPriorityActionPlanInput,
    ) -> Result<ReturnPriorityActionPlanPayload> {
        let step = PlanStep::Return {
            reasons: &input.reasons,
        };
        Ok(plan_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Acknowledges a submitted plan (DfE, NHS England): the area may publish it.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn acknowledge_priority_action_plan(
        &self,
        ctx: &Context<'_>,
        input: AcknowledgePriorityActionPlanInput,
    ) -> Result<AcknowledgePriorityActionPlanPayload> {
        let step = PlanStep::Acknowledge {
            on: input.acknowledged_on.0,
        };
        Ok(plan_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Publishes an acknowledged plan.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn publish_priority_action_plan(
        &self,
        ctx: &Context<'_>,
        input: PublishPriorityActionPlanInput,
    ) -> Result<PublishPriorityActionPlanPayload> {
        let step = PlanStep::Publish {
            on: input.published_on.0,
            document_url: &input.document_url,
        };
        Ok(plan_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Records progress on an action of a submitted (or later) plan; every record is kept in
    /// `progressHistory`.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn record_action_progress(
        &self,
        ctx: &Context<'_>,
        input: RecordActionProgressInput,
    ) -> Result<RecordActionProgressPayload> {
        let step = ActionStep::RecordProgress {
            status: input.status,
            note: input.note.as_deref(),
            completed_on: input.completed_on.map(|date| date.0),
        };
        let parts = action_step(ctx, &input.id, input.revision, step).await?;
        Ok(RecordActionProgressPayload {
            priority_action: parts.action,
            user_errors: parts.error.into_iter().collect(),
        })
    }
}
