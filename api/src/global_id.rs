//! Global object identification: opaque, type-tagged IDs for every object. The GraphQL schema
//! hands them out and the event log records them, so both share this one encoding.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// The object types that have global IDs; the tag is part of the encoded ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Area,
    AuditEvent,
    LocalAuthority,
    IntegratedCareBoard,
    PartnershipMembership,
    Inspection,
    Recommendation,
    StrategicPlan,
    PriorityActionPlan,
    PriorityAction,
    EngagementMeeting,
    Intervention,
    WebhookSubscription,
}

const NODE_TYPES: [(NodeType, &str); 13] = [
    (NodeType::Area, "Area"),
    (NodeType::AuditEvent, "AuditEvent"),
    (NodeType::LocalAuthority, "LocalAuthority"),
    (NodeType::IntegratedCareBoard, "IntegratedCareBoard"),
    (NodeType::PartnershipMembership, "PartnershipMembership"),
    (NodeType::Inspection, "Inspection"),
    (NodeType::Recommendation, "Recommendation"),
    (NodeType::StrategicPlan, "StrategicPlan"),
    (NodeType::PriorityActionPlan, "PriorityActionPlan"),
    (NodeType::PriorityAction, "PriorityAction"),
    (NodeType::EngagementMeeting, "EngagementMeeting"),
    (NodeType::Intervention, "Intervention"),
    (NodeType::WebhookSubscription, "WebhookSubscription"),
];

pub fn encode(node_type: NodeType, id: i32) -> String {
    let tag = NODE_TYPES
        .iter()
        .find(|(candidate, _)| *candidate == node_type)
        .map_or("", |(_, tag)| tag);
    URL_SAFE_NO_PAD.encode(format!("{tag}:{id}"))
}

/// `None` for anything that is not an ID this API issued; callers answer it as not found.
pub fn decode(id: &str) -> Option<(NodeType, i32)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let (tag, number) = text.split_once(':')?;
    let node_type = NODE_TYPES.iter().find(|(_, known)| *known == tag)?.0;
    Some((node_type, number.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_for_every_type() {
        for (node_type, _) in NODE_TYPES {
            assert_eq!(decode(&encode(node_type, 42)), Some((node_type, 42)));
        }
    }

    #[test]
    fn foreign_ids_decode_to_nothing() {
        for raw in [
            "",
            "Area:1",
            "!!!",
            &URL_SAFE_NO_PAD.encode("Widget:1"),
            &URL_SAFE_NO_PAD.encode("Area:x"),
        ] {
            assert_eq!(decode(raw), None, "{raw}");
        }
    }
}
