//! Who may see what: the one authorization policy. Services ask it which rows a viewer may load
//! and turn the answer into a query condition, so unreadable rows never leave the database.
//!
//! Pure and synchronous; imports no database or GraphQL code. Every caller is a [`Viewer`],
//! the anonymous public included, never an `Option`.

use entity::enums::{
    EngagementMeetingStatus, InspectionStatus, InterventionStatus, PriorityActionPlanStatus,
    StrategicPlanStatus,
};

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// No credentials: sees what is published, nothing else.
    Public,
}

impl Viewer {
    /// A short label for logs.
    pub fn label(&self) -> &'static str {
        match self {
            Viewer::Public => "public",
        }
    }
}

/// The lifecycle states of a kind of record that a viewer may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility<S> {
    pub statuses: Vec<S>,
}

impl<S: PartialEq> Visibility<S> {
    pub fn allows(&self, status: &S) -> bool {
        self.statuses.contains(status)
    }
}

/// Reports are embargoed until publication; planned dates are the inspectorates' own.
pub fn inspections(viewer: &Viewer) -> Visibility<InspectionStatus> {
    match viewer {
        Viewer::Public => Visibility {
            statuses: vec![InspectionStatus::Published],
        },
    }
}

/// A plan is the area's own while in draft.
pub fn strategic_plans(viewer: &Viewer) -> Visibility<StrategicPlanStatus> {
    match viewer {
        Viewer::Public => Visibility {
            statuses: vec![StrategicPlanStatus::Published],
        },
    }
}

/// A submitted plan is for the inspectorates and the accountability bodies until published.
pub fn priority_action_plans(viewer: &Viewer) -> Visibility<PriorityActionPlanStatus> {
    match viewer {
        Viewer::Public => Visibility {
            statuses: vec![PriorityActionPlanStatus::Published],
        },
    }
}

/// Meetings are public once held.
pub fn engagement_meetings(viewer: &Viewer) -> Visibility<EngagementMeetingStatus> {
    match viewer {
        Viewer::Public => Visibility {
            statuses: vec![EngagementMeetingStatus::Held],
        },
    }
}

/// Interventions are public once announced, and stay so after they end.
pub fn interventions(viewer: &Viewer) -> Visibility<InterventionStatus> {
    match viewer {
        Viewer::Public => Visibility {
            statuses: vec![InterventionStatus::Announced, InterventionStatus::Ended],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_sees_only_published_inspections() {
        let visibility = inspections(&Viewer::Public);
        assert!(visibility.allows(&InspectionStatus::Published));
        for hidden in [
            InspectionStatus::Planned,
            InspectionStatus::Notified,
            InspectionStatus::OnSite,
            InspectionStatus::Reporting,
            InspectionStatus::DraftShared,
            InspectionStatus::Cancelled,
        ] {
            assert!(!visibility.allows(&hidden), "{hidden:?}");
        }
    }

    #[test]
    fn the_public_sees_no_drafts_or_submitted_plans() {
        assert!(!strategic_plans(&Viewer::Public).allows(&StrategicPlanStatus::Draft));
        let paps = priority_action_plans(&Viewer::Public);
        assert!(!paps.allows(&PriorityActionPlanStatus::Draft));
        assert!(!paps.allows(&PriorityActionPlanStatus::Submitted));
        assert!(paps.allows(&PriorityActionPlanStatus::Published));
    }

    #[test]
    fn the_public_sees_held_meetings_and_announced_interventions_only() {
        let meetings = engagement_meetings(&Viewer::Public);
        assert!(meetings.allows(&EngagementMeetingStatus::Held));
        assert!(!meetings.allows(&EngagementMeetingStatus::Scheduled));
        let interventions = interventions(&Viewer::Public);
        assert!(!interventions.allows(&InterventionStatus::Proposed));
        assert!(interventions.allows(&InterventionStatus::Ended));
    }
}
