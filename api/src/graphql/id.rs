//! Global object identification: opaque, type-tagged IDs for every object, and the `Node`
//! interface that `node(id:)` and `nodes(ids:)` answer with.

use async_graphql::{ID, Interface};

use super::types::{
    area::Area,
    audit::AuditEvent,
    inspection::{Inspection, Recommendation},
    oversight::{EngagementMeeting, Intervention},
    plan::{PriorityAction, PriorityActionPlan, StrategicPlan},
    reference::{IntegratedCareBoard, LocalAuthority, PartnershipMembership},
    webhook::WebhookSubscription,
};

pub use crate::global_id::NodeType;

pub fn encode(node_type: NodeType, id: i32) -> ID {
    ID(crate::global_id::encode(node_type, id))
}

/// `None` for anything that is not an ID this API issued; callers answer it as not found.
pub fn decode(id: &ID) -> Option<(NodeType, i32)> {
    crate::global_id::decode(id.as_str())
}

/// An object with a global ID, refetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global ID."))]
pub enum Node {
    Area(Area),
    AuditEvent(AuditEvent),
    LocalAuthority(LocalAuthority),
    IntegratedCareBoard(IntegratedCareBoard),
    PartnershipMembership(PartnershipMembership),
    Inspection(Inspection),
    Recommendation(Recommendation),
    StrategicPlan(StrategicPlan),
    PriorityActionPlan(PriorityActionPlan),
    PriorityAction(PriorityAction),
    EngagementMeeting(EngagementMeeting),
    Intervention(Intervention),
    WebhookSubscription(WebhookSubscription),
}
