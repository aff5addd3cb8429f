//! `DomainEvent`: a change partners subscribe to, as the event stream sends it.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{audit_event, enums::EventType};

use super::{
    area::Area,
    audit::AuditEvent,
    scalars::{Date, date},
};
use crate::{
    domain::schedule::ScheduleItem,
    graphql::context,
    policy,
    service::{events, milestones},
};

/// Something that happened to an area's inspection, plans, oversight or reference data.
pub struct DomainEvent {
    entry: audit_event::Model,
    event_type: EventType,
}

impl DomainEvent {
    /// The event a log entry announces, if it announces one.
    pub fn announced_by(entry: audit_event::Model) -> Option<Self> {
        let event_type = entry.event_type?;
        Some(Self { entry, event_type })
    }
}

#[Object]
impl DomainEvent {
    /// Where this event stands in the stream: pass it as `after` to resume after it.
    async fn cursor(&self) -> String {
        events::cursor(self.entry.id)
    }

    /// The event's place in the log, the same as its log entry's `sequence`.
    async fn sequence(&self) -> i32 {
        self.entry.id
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn event_type(&self) -> EventType {
        self.event_type
    }

    /// When it happened (for an embargoed report, when the embargo lifted).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.entry.occurred_at
    }

    /// The global ID of the object it happened to.
    async fn object_id(&self) -> Option<ID> {
        self.entry.object_id.clone().map(ID)
    }

    /// The area it concerns; null for national reference data.
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<Area>> {
        match self.entry.area_id {
            Some(area_id) => Ok(Some(context::area(ctx, area_id).await?)),
            None => Ok(None),
        }
    }

    /// What happened, in a line.
    async fn summary(&self) -> &str {
        &self.entry.summary
    }

    /// The item that fell due or overdue (`SCHEDULE_ITEM_DUE`, `SCHEDULE_ITEM_OVERDUE`); null
    /// for other events.
    async fn schedule_item(&self) -> Option<ScheduleItem> {
        milestones::recorded(&self.entry).map(|(item, _)| item)
    }

    /// The date that item was due by; null for other events.
    async fn due_by(&self) -> Option<Date> {
        date(milestones::recorded(&self.entry).map(|(_, due_by)| due_by))
    }

    /// The change behind the event as the audit trail records it (who made it, and the fields
    /// it changed); null unless the viewer may read the trail's entry.
    async fn log_entry(&self, ctx: &Context<'_>) -> Result<Option<AuditEvent>> {
        let readable = policy::audit_events(context::viewer(ctx)?)
            .allows(self.entry.actor_role, self.entry.area_id);
        Ok(readable.then(|| AuditEvent(self.entry.clone())))
    }
}
