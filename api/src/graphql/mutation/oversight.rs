//! The inspectorates' engagement meetings, and DfE's and NHS England's interventions.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{engagement_meeting, enums::InterventionKind, intervention};

use super::{Parts, answer, claim, payload, row_id};
use crate::{
    domain::intervention::Command,
    graphql::{
        context, cost,
        id::NodeType,
        types::{
            oversight::{EngagementMeeting, Intervention},
            scalars::Date,
        },
    },
    service::{
        change::ChangeError,
        write::{engagement, intervention as interventions},
    },
};

#[derive(Default)]
pub struct OversightMutations;

#[derive(InputObject)]
pub struct ScheduleEngagementMeetingInput {
    pub area_code: String,
    pub scheduled_for: Date,
    pub notes: Option<String>,
}

#[derive(InputObject)]
pub struct RecordEngagementMeetingHeldInput {
    pub id: ID,
    pub revision: i32,
    pub held_on: Date,
    /// Replaces the meeting's notes if given.
    pub notes: Option<String>,
}

#[derive(InputObject)]
pub struct CancelEngagementMeetingInput {
    pub id: ID,
    pub revision: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ProposeInterventionInput {
    pub area_code: String,
    /// DfE: support, challenge, a statutory improvement notice or direction; NHS England:
    /// support, challenge or a direction.
    pub kind: InterventionKind,
    pub summary: String,
    /// When it was proposed; today if omitted.
    pub proposed_on: Option<Date>,
}

#[derive(InputObject)]
pub struct AnnounceInterventionInput {
    pub id: ID,
    pub revision: i32,
    pub announced_on: Date,
}

#[derive(InputObject)]
pub struct EndInterventionInput {
    pub id: ID,
    pub revision: i32,
    pub ended_on: Date,
}

payload!(
    /// The result of `scheduleEngagementMeeting`.
    ScheduleEngagementMeetingPayload, engagement_meeting: EngagementMeeting
);
payload!(
    /// The result of `recordEngagementMeetingHeld`.
    RecordEngagementMeetingHeldPayload, engagement_meeting: EngagementMeeting
);
payload!(
    /// The result of `cancelEngagementMeeting`.
    CancelEngagementMeetingPayload, engagement_meeting: EngagementMeeting
);
payload!(
    /// The result of `proposeIntervention`.
    ProposeInterventionPayload, intervention: Intervention
);
payload!(
    /// The result of `announceIntervention`.
    AnnounceInterventionPayload, intervention: Intervention
);
payload!(
    /// The result of `endIntervention`.
    EndInterventionPayload, intervention: Intervention
);

async fn meeting(
    ctx: &Context<'_>,
    result: Result<engagement_meeting::Model, ChangeError>,
) -> Result<Parts<EngagementMeeting>> {
    answer::<engagement_meeting::Entity, _>(ctx, result, |model| model.id, EngagementMeeting).await
}

async fn intervention(
    ctx: &Context<'_>,
    result: Result<intervention::Model, ChangeError>,
) -> Result<Parts<Intervention>> {
    answer::<intervention::Entity, _>(ctx, result, |model| model.id, Intervention).await
}

/// Runs a step on the engagement meeting `id` names.
async fn meeting_step(
    ctx: &Context<'_>,
    id: &ID,
    revision: i32,
    step: engagement::Step<'_>,
) -> Result<Parts<EngagementMeeting>> {
    let row = row_id(id, NodeType::EngagementMeeting, "engagement meeting")?;
    let viewer = context::viewer(ctx)?;
    let result = engagement::step(context::db(ctx)?, viewer, claim(ctx), row, revision, step).await;
    meeting(ctx, result).await
}

/// Runs a step on the intervention `id` names.
async fn intervention_step(
    ctx: &Context<'_>,
    id: &ID,
    revision: i32,
    command: Command,
) -> Result<Parts<Intervention>> {
    let row = row_id(id, NodeType::Intervention, "intervention")?;
    let viewer = context::viewer(ctx)?;
    let result = interventions::step(
        context::db(ctx)?,
        viewer,
        claim(ctx),
        row,
        revision,
        command,
    )
    .await;
    intervention(ctx, result).await
}

#[Object]
impl OversightMutations {
    /// Schedules an engagement meeting with an area (Ofsted, CQC).
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn schedule_engagement_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleEngagementMeetingInput,
    ) -> Result<ScheduleEngagementMeetingPayload> {
        let result = engagement::schedule(
            context::db(ctx)?,
            context::viewer(ctx)?,
            claim(ctx),
            &input.area_code,
            input.scheduled_for.0,
            input.notes.as_deref(),
        )
        .await;
        Ok(meeting(ctx, result).await?.into())
    }

    /// Records that a scheduled meeting was held.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn record_engagement_meeting_held(
        &self,
        ctx: &Context<'_>,
        input: RecordEngagementMeetingHeldInput,
    ) -> Result<RecordEngagementMeetingHeldPayload> {
        let step = engagement::Step::RecordHeld {
            on: input.held_on.0,
            notes: input.notes.as_deref(),
        };
        Ok(meeting_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Cancels a scheduled meeting.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn cancel_engagement_meeting(
        &self,
        ctx: &Context<'_>,
        input: CancelEngagementMeetingInput,
    ) -> Result<CancelEngagementMeetingPayload> {
        let step = engagement::Step::Cancel {
            reason: &input.reason,
        };
        Ok(meeting_step(ctx, &input.id, input.revision, step)
            .await?
            .into())
    }

    /// Proposes an intervention of the caller's body (DfE or NHS England). Only the
    /// accountability bodies see it until it is announced.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn propose_intervention(
        &self,
        ctx: &Context<'_>,
        input: ProposeInterventionInput,
    ) -> Result<ProposeInterventionPayload> {
        let result = interventions::propose(
            context::db(ctx)?,
            context::viewer(ctx)?,
            claim(ctx),
            &input.area_code,
            input.kind,
            &input.summary,
            input.proposed_on.map(|date| date.0),
        )
        .await;
        Ok(intervention(ctx, result).await?.into())
    }

    /// Announces a proposed intervention: it is public from now on.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn announce_intervention(
        &self,
        ctx: &Context<'_>,
        input: AnnounceInterventionInput,
    ) -> Result<AnnounceInterventionPayload> {
        let command = Command::Announce {
            on: input.announced_on.0,
        };
        Ok(intervention_step(ctx, &input.id, input.revision, command)
            .await?
            .into())
    }

    /// Ends an announced intervention.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn end_intervention(
        &self,
        ctx: &Context<'_>,
        input: EndInterventionInput,
    ) -> Result<EndInterventionPayload> {
        let command = Command::End {
            on: input.ended_on.0,
        };
        Ok(intervention_step(ctx, &input.id, input.revision, command)
            .await?
            .into())
    }
}
