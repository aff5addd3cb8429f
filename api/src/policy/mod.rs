//! Who may see and do what: the one authorization policy.
//!
//! Reads: for each kind of record, the lifecycle states a viewer may read everywhere and, for a
//! local partner, in its own areas. Services turn the answer into a query condition, so unreadable
//! rows never leave the database. Writes: [`authorize`] decides an action on a visible target.
//! Pure and synchronous; imports no database, GraphQL or HTTP code.

#[cfg(test)]
mod tests;

pub use entity::enums::Role;
use entity::enums::{
    EngagementMeetingStatus, InspectionStatus, Inspectorate, InterventionStatus,
    PriorityActionPlanStatus, StrategicPlanStatus,
};

/// The caller of a request. The anonymous public is a viewer too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// No credentials: sees what is published, nothing else.
    Public,
    /// A caller with a valid token.
    SignedIn(Caller),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub role: Role,
    /// A local partner's organisation: its LA or ICB ONS code.
    pub organisation: Option<String>,
    /// The areas a local partner belongs to: its LA's area, or every area its ICB serves.
    pub area_ids: Vec<i32>,
    /// Whether the token carries the `write` scope.
    pub can_write: bool,
}

impl Viewer {
    /// A short label for logs.
    pub fn label(&self) -> &'static str {
        match self.role() {
            None => "public",
            Some(Role::Ofsted) => "ofsted",
            Some(Role::Cqc) => "cqc",
            Some(Role::Dfe) => "dfe",
            Some(Role::NhsEngland) => "nhs_england",
            Some(Role::LocalPartner) => "local_partner",
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Viewer::Public => None,
            Viewer::SignedIn(caller) => Some(caller.role),
        }
    }

    fn own_areas(&self) -> &[i32] {
        match self {
            Viewer::SignedIn(caller) if caller.role == Role::LocalPartner => &caller.area_ids,
            _ => &[],
        }
    }

    fn is_inspectorate(&self) -> bool {
        matches!(self.role(), Some(Role::Ofsted | Role::Cqc))
    }

    fn is_accountability_body(&self) -> bool {
        matches!(self.role(), Some(Role::Dfe | Role::NhsEngland))
    }
}

/// Viewers who are shown the same data, so that one answer may serve them all. Every read of
/// this policy depends on the viewer only through its role, organisation and own areas; the
/// token's subject and scope are shown only by the `viewer` root field, whose answers are never
/// shared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Audience {
    role: Option<Role>,
    organisation: Option<String>,
    areas: Vec<i32>,
}

pub fn audience(viewer: &Viewer) -> Audience {
    match viewer {
        Viewer::Public => Audience {
            role: None,
            organisation: None,
            areas: Vec::new(),
        },
        Viewer::SignedIn(caller) => {
            let mut areas = caller.area_ids.clone();
            areas.sort_unstable();
            areas.dedup();
            Audience {
                role: Some(caller.role),
                organisation: caller.organisation.clone(),
                areas,
            }
        }
    }
}

/// The lifecycle states of a kind of record that a viewer may read: everywhere, and in addition
/// within its own areas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility<S> {
    pub everywhere: Vec<S>,
    pub own_areas: Vec<i32>,
    pub in_own_areas: Vec<S>,
}

impl<S: PartialEq> Visibility<S> {
    fn everywhere(statuses: Vec<S>) -> Self {
        Self {
            everywhere: statuses,
            own_areas: Vec::new(),
            in_own_areas: Vec::new(),
        }
    }

    fn plus_own_areas(mut self, viewer: &Viewer, statuses: Vec<S>) -> Self {
        self.own_areas = viewer.own_areas().to_vec();
        self.in_own_areas = statuses;
        self
    }

    /// Whether a record of `area_id` in `status` is visible.
    pub fn allows(&self, area_id: i32, status: &S) -> bool {
        self.everywhere.contains(status)
            || (self.own_areas.contains(&area_id) && self.in_own_areas.contains(status))
    }
}

/// Planned dates are the inspectorates' own until the area is notified; after that the
/// accountability bodies and the area itself follow the inspection.
pub fn inspections(viewer: &Viewer) -> Visibility<InspectionStatus> {
    use InspectionStatus::*;
    let once_notified = vec![Notified, OnSite, Reporting, DraftShared, Published];
    if viewer.is_inspectorate() {
        Visibility::everywhere(vec![
            Planned,
            Notified,
            OnSite,
            Reporting,
            DraftShared,
            Published,
            Cancelled,
        ])
    } else if viewer.is_accountability_body() {
        Visibility::everywhere(once_notified)
    } else {
        Visibility::everywhere(vec![Published]).plus_own_areas(viewer, once_notified)
    }
}

/// An inspection cancelled after its area was notified stays visible, as a tombstone (its
/// identity and status, nothing else), to those who followed it once notified: a syncing
/// system learns that it is gone instead of keeping it for ever. The inspectorates see
/// cancelled inspections in full anyway.
pub fn inspection_tombstones(viewer: &Viewer) -> Visibility<InspectionStatus> {
    use InspectionStatus::*;
    let followed = inspections(viewer);
    let cancelled_if_followed = |statuses: &[InspectionStatus]| {
        if statuses.contains(&Notified) && !statuses.contains(&Cancelled) {
            vec![Cancelled]
        } else {
            Vec::new()
        }
    };
    Visibility {
        everywhere: cancelled_if_followed(&followed.everywhere),
        in_own_areas: cancelled_if_followed(&followed.in_own_areas),
        own_areas: followed.own_areas,
    }
}

/// A report (its outcome and recommendations) is embargoed until publication: the inspectorates
/// see drafts, and the inspected area sees its own once shared for a factual-accuracy check.
pub fn findings(viewer: &Viewer) -> Visibility<InspectionStatus> {
    use InspectionStatus::*;
    if viewer.is_inspectorate() {
        inspections(viewer)
    } else {
        Visibility::everywhere(vec![Published]).plus_own_areas(viewer, vec![DraftShared, Published])
    }
}

/// A plan is the area's own while in draft; a withdrawn draft is nobody's.
pub fn strategic_plans(viewer: &Viewer) -> Visibility<StrategicPlanStatus> {
    use StrategicPlanStatus::*;
    Visibility::everywhere(vec![Published]).plus_own_areas(viewer, vec![Draft, Published])
}

/// A submitted plan goes to the inspectorates, and DfE and NHS England, who give feedback on
/// it (return or acknowledge), follow it until the area publishes it. A draft is the area's own.
pub fn priority_action_plans(viewer: &Viewer) -> Visibility<PriorityActionPlanStatus> {
    use PriorityActionPlanStatus::*;
    let once_submitted = vec![Submitted, Returned, Acknowledged, Published];
    if viewer.is_inspectorate() || viewer.is_accountability_body() {
        Visibility::everywhere(once_submitted)
    } else {
        let mut own = vec![Draft];
        own.extend(once_submitted);
        Visibility::everywhere(vec![Published]).plus_own_areas(viewer, own)
    }
}

/// Meetings are public once held; the inspectorates schedule them with the area.
pub fn engagement_meetings(viewer: &Viewer) -> Visibility<EngagementMeetingStatus> {
    use EngagementMeetingStatus::*;
    if viewer.is_inspectorate() {
        Visibility::everywhere(vec![Scheduled, Held, Cancelled])
    } else {
        Visibility::everywhere(vec![Held]).plus_own_areas(viewer, vec![Scheduled, Held])
    }
}

/// The areas whose record a viewer follows whole: there it reads inspections once notified and
/// priority action plans once submitted, so that its schedule of the area counts a monitoring
/// inspection held before its report is out, and a plan submitted before it is published.
/// Everywhere else a viewer's schedule rests on what is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowedAreas {
    All,
    Only(Vec<i32>),
}

impl FollowedAreas {
    pub fn contains(&self, area_id: i32) -> bool {
        match self {
            FollowedAreas::All => true,
            FollowedAreas::Only(areas) => areas.contains(&area_id),
        }
    }
}

/// The inspectorates, DfE and NHS England follow every area; a local partner its own.
pub fn followed_areas(viewer: &Viewer) -> FollowedAreas {
    if viewer.is_inspectorate() || viewer.is_accountability_body() {
        FollowedAreas::All
    } else {
        FollowedAreas::Only(viewer.own_areas().to_vec())
    }
}

/// Interventions are public once announced; the accountability bodies see them proposed.
pub fn interventions(viewer: &Viewer) -> Visibility<InterventionStatus> {
    use InterventionStatus::*;
    if viewer.is_accountability_body() {
        Visibility::everywhere(vec![Proposed, Announced, Ended])
    } else {
        Visibility::everywhere(vec![Announced, Ended])
    }
}

/// Whether a viewer may read who made a record (a token's subject), as on a plan's progress
/// history: signed-in callers may; the public, which reads no audit trail, may not.
pub fn reads_authors(viewer: &Viewer) -> bool {
    audit_events(viewer) != AuditScope::Nothing
}

/// Which audit events a viewer may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    Nothing,
    All,
    /// The actions of callers with this role: an accountability body's own.
    ActorRole(Role),
    /// Everything done in these areas: a local partner's.
    Areas(Vec<i32>),
}

impl AuditScope {
    pub fn allows(&self, actor: Role, area_id: Option<i32>) -> bool {
        match self {
            AuditScope::Nothing => false,
            AuditScope::All => true,
            AuditScope::ActorRole(role) => *role == actor,
            AuditScope::Areas(areas) => area_id.is_some_and(|area| areas.contains(&area)),
        }
    }
}

/// The inspectorates read the whole trail, DfE and NHS England their own actions, a local
/// partner what was done in its areas, and the public nothing.
pub fn audit_events(viewer: &Viewer) -> AuditScope {
    match viewer.role() {
        None => AuditScope::Nothing,
        Some(Role::Ofsted | Role::Cqc) => AuditScope::All,
        Some(role @ (Role::Dfe | Role::NhsEngland)) => AuditScope::ActorRole(role),
        Some(Role::LocalPartner) => AuditScope::Areas(viewer.own_areas().to_vec()),
    }
}

/// Whose webhook subscriptions a viewer reads and manages: those of its role and organisation,
/// for the roles that may register them; none for anyone else.
pub fn webhook_owner(viewer: &Viewer) -> Option<(Role, Option<&str>)> {
    let Viewer::SignedIn(caller) = viewer else {
        return None;
    };
    match caller.role {
        Role::Ofsted | Role::Cqc | Role::Dfe | Role::NhsEngland => {
            Some((caller.role, caller.organisation.as_deref()))
        }
        Role::LocalPartner => None,
    }
}

/// The inspectorate a role signs for; `None` for a role that is not one.
pub fn inspectorate_of(role: Role) -> Option<Inspectorate> {
    match role {
        Role::Ofsted => Some(Inspectorate::Ofsted),
        Role::Cqc => Some(Inspectorate::Cqc),
        _ => None,
    }
}

/// Something a caller may do; the mutations that perform them ask [`authorize`] first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Plan, notify, run and report inspections, recommendations and monitoring inspections.
    ManageInspections,
    /// Schedule and record engagement meetings.
    ManageEngagementMeetings,
    /// Give feedback on a submitted priority action plan: return it or acknowledge it. DfE and
    /// regional NHS England give it, not the inspectorates (area SEND handbook, June 2025).
    ReviewPriorityActionPlan,
    /// Make DfE interventions.
    ManageDfeInterventions,
    /// Make NHS England interventions.
    ManageNhsInterventions,
    /// Change local authority and area reference data.
    ManageLocalAuthorities,
    /// Change ICB reference data and ICB partnership membership.
    ManageIntegratedCareBoards,
    /// Write the area's strategic plans.
    WriteStrategicPlan,
    /// Write, submit and publish the area's priority action plans.
    WritePriorityActionPlan,
    /// Record progress on the area's priority actions.
    RecordActionProgress,
    /// Register and manage webhook subscriptions, which carry what the role may see.
    ManageWebhooks,
}

/// Why an action is refused. A target the caller cannot see is refused earlier, as not found,
/// by the read scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("sign in to make changes")]
    Unauthenticated,
    #[error("you may not do this")]
    Forbidden,
}

/// Decides whether `viewer` may take `action` on a record of `area_id` (`None` for national
/// reference data). Every change needs a signed-in caller with the `write` scope.
pub fn authorize(viewer: &Viewer, action: Action, area_id: Option<i32>) -> Result<(), Denied> {
    let Viewer::SignedIn(caller) = viewer else {
        return Err(Denied::Unauthenticated);
    };
    use Action::*;
    use Role::*;
    let allowed = caller.can_write
        && match (caller.role, action) {
            (Ofsted | Cqc, ManageInspections | ManageEngagementMeetings) => true,
            (Ofsted | Cqc | Dfe | NhsEngland, ManageWebhooks) => true,
            (Dfe, ManageDfeInterventions | ManageLocalAuthorities | ReviewPriorityActionPlan) => {
                true
            }
            (
                NhsEngland,
                ManageNhsInterventions | ManageIntegratedCareBoards | ReviewPriorityActionPlan,
            ) => true,
            (LocalPartner, WriteStrategicPlan | WritePriorityActionPlan | RecordActionProgress) => {
                area_id.is_some_and(|area| caller.area_ids.contains(&area))
            }
            _ => false,
        };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}
