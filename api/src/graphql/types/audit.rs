//! `AuditEvent`: one change made through the API.

use async_graphql::{Context, ID, Json, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use entity::{audit_event, enums::Role};

use super::area::Area;
use crate::graphql::{
    context,
    id::{NodeType, encode},
    loaders::AreaById,
};

/// One change made through the API: who made it, when, and to what.
pub struct AuditEvent(pub audit_event::Model);

#[Object]
impl AuditEvent {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::AuditEvent, self.0.id)
    }

    /// When the change was made.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The subject of the token that made it.
    async fn actor_subject(&self) -> &str {
        &self.0.actor_subject
    }

    /// The role of the caller that made it.
    async fn actor_role(&self) -> Role {
        self.0.actor_role
    }

    /// A local partner's organisation (LA or ICB ONS code).
    async fn actor_organisation(&self) -> Option<&str> {
        self.0.actor_organisation.as_deref()
    }

    /// The area the change concerns; null for national reference data.
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<Area>> {
        let Some(area_id) = self.0.area_id else {
            return Ok(None);
        };
        let record = context::loader(ctx)?
            .load_one(AreaById(area_id))
            .await
            .extend()?;
        Ok(record.map(Area))
    }

    /// The operation that made the change: the mutation's name, e.g. `publishReport`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The event's place in the log: numbers are handed out in commit order, so a reader that
    /// has seen number n has seen every event before it.
    async fn sequence(&self) -> i32 {
        self.0.id
    }

    /// The changed fields, before and after: `{ "field": { "before": …, "after": … } }`.
    async fn changes(&self) -> Option<Json<serde_json::Value>> {
        let changes = self.0.changes.as_deref()?;
        serde_json::from_str(changes).ok().map(Json)
    }

    /// The global ID of the object changed.
    async fn object_id(&self) -> Option<ID> {
        self.0.object_id.clone().map(ID)
    }

    /// A line describing the change.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}
