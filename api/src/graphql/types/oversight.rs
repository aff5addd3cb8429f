//! Engagement meetings and DfE / NHS England interventions.

use async_graphql::{Context, ID, Object, Result};
use entity::{
    engagement_meeting,
    enums::{EngagementMeetingStatus, InterventionBody, InterventionKind, InterventionStatus},
    intervention,
};

use super::{
    area::Area,
    scalars::{Date, date},
};
use crate::graphql::{
    context,
    id::{NodeType, encode},
};

/// An engagement meeting between the inspectorates and an area, about annual.
pub struct EngagementMeeting(pub engagement_meeting::Model);

#[Object]
impl EngagementMeeting {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::EngagementMeeting, self.0.id)
    }

    /// The area met with.
    async fn area(&self, ctx: &Context<'_>) -> Result<Area> {
        context::area(ctx, self.0.area_id).await
    }

    /// Scheduled, held or cancelled.
    async fn status(&self) -> EngagementMeetingStatus {
        self.0.status
    }

    /// The day it was scheduled for.
    async fn scheduled_for(&self) -> Date {
        Date(self.0.scheduled_for)
    }

    /// The day it was held.
    async fn held_on(&self) -> Option<Date> {
        date(self.0.held_on)
    }

    /// What the meeting is for, or what it agreed.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// Why the meeting was cancelled.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }

    /// 1 when created, one more on every change: name it when changing the meeting.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// True for the synthetic demo history.
    async fn is_synthetic(&self) -> bool {
        self.0.is_synthetic
    }
}

/// Support, challenge or statutory intervention by the DfE or NHS England.
pub struct Intervention(pub intervention::Model);

#[Object]
impl Intervention {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Intervention, self.0.id)
    }

    /// The area intervened in.
    async fn area(&self, ctx: &Context<'_>) -> Result<Area> {
        context::area(ctx, self.0.area_id).await
    }

    /// Who intervenes.
    async fn body(&self) -> InterventionBody {
        self.0.body
    }

    /// What sort of intervention.
    async fn kind(&self) -> InterventionKind {
        self.0.kind
    }

    /// Proposed, announced or ended.
    async fn status(&self) -> InterventionStatus {
        self.0.status
    }

    /// What it is.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// When it was announced.
    async fn announced_on(&self) -> Option<Date> {
        date(self.0.announced_on)
    }

    /// When it was proposed.
    async fn proposed_on(&self) -> Option<Date> {
        date(self.0.proposed_on)
    }

    /// 1 when created, one more on every change: name it when changing the intervention.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// When it ended.
    async fn ended_on(&self) -> Option<Date> {
        date(self.0.ended_on)
    }

    /// True for the synthetic demo history.
    async fn is_synthetic(&self) -> bool {
        self.0.is_synthetic
    }
}
