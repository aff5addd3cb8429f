//! The entities under their table names.

pub use crate::area::Entity as Area;
pub use crate::audit_event::Entity as AuditEvent;
pub use crate::engagement_meeting::Entity as EngagementMeeting;
pub use crate::inspection::Entity as Inspection;
pub use crate::integrated_care_board::Entity as IntegratedCareBoard;
pub use crate::intervention::Entity as Intervention;
pub use crate::local_authority::Entity as LocalAuthority;
pub use crate::partnership_membership::Entity as PartnershipMembership;
pub use crate::priority_action::Entity as PriorityAction;
pub use crate::priority_action_plan::Entity as PriorityActionPlan;
pub use crate::recommendation::Entity as Recommendation;
pub use crate::strategic_plan::Entity as StrategicPlan;
