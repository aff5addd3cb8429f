//! The sea-orm entities of the area SEND model and their enumerations.
//!
//! Plain data only: no queries, no authorization, no business rules. Each enumeration is defined
//! once here, stored as CHECK-constrained text, and derives its GraphQL enum so the database, Rust
//! and GraphQL vocabularies cannot drift apart.

pub mod action_progress;
pub mod area;
pub mod audit_event;
pub mod engagement_meeting;
pub mod enums;
pub mod event_log_head;
pub mod icb_code_alias;
pub mod idempotency_key;
pub mod inspection;
pub mod integrated_care_board;
pub mod intervention;
pub mod local_authority;
pub mod partnership_membership;
pub mod prelude;
pub mod priority_action;
pub mod priority_action_plan;
pub mod recommendation;
pub mod strategic_plan;
pub mod succession;
pub mod webhook_delivery;
pub mod webhook_subscription;
