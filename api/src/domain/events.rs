//! Which changes in the event log are domain events that partners subscribe to.
//!
//! A change is announced by the operation that made it, when it takes effect. A report's
//! publication takes effect at its `publishAt`: one published (or released) for later is
//! announced then, by an event of its own ([`EMBARGO_LIFTED`]), not when it was set.
//!
//! The schedule's milestones are not changes: the calendar reaches them. Each day, an item
//! falls due on its due-by date and is overdue the day after ([`milestones`]).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::EventType;

use super::schedule::{Schedule, ScheduleItem};

/// The operation that records an embargoed report becoming public. It is not a mutation: the
/// server appends it when the clock passes the report's `publishAt`.
pub const EMBARGO_LIFTED: &str = "embargoLifted";

/// The operations that record a schedule item falling due, and falling overdue. They are not
/// mutations: the server appends them each day.
pub const SCHEDULE_ITEM_DUE: &str = "scheduleItemDue";
pub const SCHEDULE_ITEM_OVERDUE: &str = "scheduleItemOverdue";

/// The operations that may set a report to publish, now or later.
pub const PUBLICATIONS: [&str; 2] = ["publishReport", "releasePublication"];

/// The domain event a change announces, if any. `takes_effect_at` is when a publication
/// becomes public; `None` for every other change, which takes effect when it commits.
pub fn announced(
    operation: &str,
    takes_effect_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<EventType> {
    let announced = match operation {
        "notifyArea" => EventType::InspectionNotified,
        "shareDraftReport" => EventType::DraftReportShared,
        "publishReport" | "releasePublication" if takes_effect_at.is_none_or(|at| at <= now) => {
            EventType::ReportPublished
        }
        EMBARGO_LIFTED => EventType::ReportPublished,
        "submitPriorityActionPlan" => EventType::PriorityActionPlanSubmitted,
        "returnPriorityActionPlan" => EventType::PriorityActionPlanReturned,
        "acknowledgePriorityActionPlan" => EventType::PriorityActionPlanAcknowledged,
        "publishPriorityActionPlan" => EventType::PriorityActionPlanPublished,
        "publishStrategicPlan" => EventType::StrategicPlanPublished,
        "announceIntervention" => EventType::InterventionAnnounced,
        "endIntervention" => EventType::InterventionEnded,
        "recordEngagementMeetingHeld" => EventType::EngagementMeetingHeld,
        "recordIcbChange" | "recordLocalAuthorityChange" => EventType::ReferenceDataChanged,
        SCHEDULE_ITEM_DUE => EventType::ScheduleItemDue,
        SCHEDULE_ITEM_OVERDUE => EventType::ScheduleItemOverdue,
        _ => return None,
    };
    Some(announced)
}

/// A schedule item reaching a point partners are told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Milestone {
    pub item: ScheduleItem,
    pub due_by: NaiveDate,
    /// Falling due, or overdue.
    pub overdue: bool,
}

impl Milestone {
    /// The operation that records it in the event log.
    pub fn operation(self) -> &'static str {
        if self.overdue {
            SCHEDULE_ITEM_OVERDUE
        } else {
            SCHEDULE_ITEM_DUE
        }
    }

    /// What happened, in a line.
    pub fn summary(self) -> String {
        let what = match self.item {
            ScheduleItem::FullInspection => "The next full inspection",
            ScheduleItem::MonitoringInspection => "The monitoring inspection",
            ScheduleItem::EngagementMeeting => "The next engagement meeting",
            ScheduleItem::StrategicPlanUpdate => "The strategic plan's update",
            ScheduleItem::PriorityActionPlanSubmission => "The priority action plan's submission",
        };
        if self.overdue {
            format!("{what} is overdue: it was due by {}", self.due_by)
        } else {
            format!("{what} falls due today, {}", self.due_by)
        }
    }
}

/// The milestones a schedule (computed as of its day) reached after the day `announced_through`:
/// an item falls due on its due-by date and is overdue the day after. An item that fell due
/// while no day was announced (the servers were down) is announced overdue only, as it now is.
pub fn milestones(schedule: &Schedule, announced_through: NaiveDate) -> Vec<Milestone> {
    let today = schedule.as_of;
    ScheduleItem::ALL
        .into_iter()
        .filter_map(|item| {
            let due_by = schedule.due_by(item)?;
            let falls_due = due_by == today && due_by > announced_through;
            let falls_overdue = due_by < today && due_by >= announced_through;
            (falls_due || falls_overdue).then_some(Milestone {
                item,
                due_by,
                overdue: falls_overdue,
            })
        })
        .collect()
}

/// Who is told of a milestone. An area's schedule rests on what the viewer may read of its
/// record: those who follow the area (see [`crate::policy::followed_areas`]) read it whole,
/// everyone else reads what is published, and the two schedules can differ (a monitoring
/// inspection held but not yet reported on; a plan submitted but not yet published).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Readers {
    Everyone,
    /// Those who read only the published record.
    Outsiders,
    /// Those who follow the area's record.
    Followers,
}

/// Each milestone once, with whom it is for: a milestone both schedules reach is everyone's.
pub fn readers_of(published: &[Milestone], followed: &[Milestone]) -> Vec<(Milestone, Readers)> {
    let mut told: Vec<(Milestone, Readers)> = published
        .iter()
        .map(|milestone| {
            let readers = if followed.contains(milestone) {
                Readers::Everyone
            } else {
                Readers::Outsiders
            };
            (*milestone, readers)
        })
        .collect();
    told.extend(
        followed
            .iter()
            .filter(|milestone| !published.contains(milestone))
            .map(|milestone| (*milestone, Readers::Followers)),
    );
    told.sort();
    told
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use sea_orm::Iterable as _;

    use super::*;

    #[test]
    fn a_publication_is_announced_when_it_takes_effect() {
        let now = Utc::now();
        let later = now + TimeDelta::hours(1);
        for operation in PUBLICATIONS {
            assert_eq!(
                announced(operation, None, now),
                Some(EventType::ReportPublished)
            );
            assert_eq!(
                announced(operation, Some(now - TimeDelta::seconds(1)), now),
                Some(EventType::ReportPublished)
            );
            assert_eq!(announced(operation, Some(later), now), None);
        }
        assert_eq!(
            announced(EMBARGO_LIFTED, None, now),
            Some(EventType::ReportPublished)
        );
    }

    #[test]
    fn every_type_is_announced_by_some_operation() {
        let now = Utc::now();
        let announcing = [
            ("notifyArea", EventType::InspectionNotified),
            ("shareDraftReport", EventType::DraftReportShared),
            ("publishReport", EventType::ReportPublished),
            ("releasePublication", EventType::ReportPublished),
            (
                "submitPriorityActionPlan",
                EventType::PriorityActionPlanSubmitted,
            ),
            (
                "returnPriorityActionPlan",
                EventType::PriorityActionPlanReturned,
            ),
            (
                "acknowledgePriorityActionPlan",
                EventType::PriorityActionPlanAcknowledged,
            ),
            (
                "publishPriorityActionPlan",
                EventType::PriorityActionPlanPublished,
            ),
            ("publishStrategicPlan", EventType::StrategicPlanPublished),
            ("announceIntervention", EventType::InterventionAnnounced),
            ("endIntervention", EventType::InterventionEnded),
            (
                "recordEngagementMeetingHeld",
                EventType::EngagementMeetingHeld,
            ),
            ("recordIcbChange", EventType::ReferenceDataChanged),
            (
                "recordLocalAuthorityChange",
                EventType::ReferenceDataChanged,
            ),
            (SCHEDULE_ITEM_DUE, EventType::ScheduleItemDue),
            (SCHEDULE_ITEM_OVERDUE, EventType::ScheduleItemOverdue),
        ];
        for (operation, event_type) in announcing {
            assert_eq!(
                announced(operation, None, now),
                Some(event_type),
                "{operation}"
            );
        }
        let covered: std::collections::BTreeSet<_> = announcing
            .iter()
            .map(|(_, event_type)| *event_type)
            .collect();
        assert_eq!(covered, EventType::iter().collect());
    }

    fn schedule(as_of: NaiveDate, full: Option<NaiveDate>, meeting: Option<NaiveDate>) -> Schedule {
        Schedule {
            as_of,
            next_full_inspection_due_by: full,
            monitoring_inspection_due_by: None,
            next_engagement_meeting_due_by: meeting,
            strategic_plan_update_due_by: None,
            priority_action_plan_due_by: None,
        }
    }

    fn day(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    #[test]
    fn an_item_falls_due_on_its_date_and_overdue_the_day_after() {
        let on_the_day = schedule(day(26), Some(day(26)), Some(day(27)));
        assert_eq!(
            milestones(&on_the_day, day(25)),
            [Milestone {
                item: ScheduleItem::FullInspection,
                due_by: day(26),
                overdue: false,
            }]
        );
        let the_day_after = schedule(day(27), Some(day(26)), Some(day(27)));
        assert_eq!(
            milestones(&the_day_after, day(26)),
            [
                Milestone {
                    item: ScheduleItem::FullInspection,
                    due_by: day(26),
                    overdue: true,
                },
                Milestone {
                    item: ScheduleItem::EngagementMeeting,
                    due_by: day(27),
                    overdue: false,
                },
            ]
        );
        // Nothing is announced twice, nor what fell overdue before the announced days.
        assert_eq!(milestones(&the_day_after, day(27)), []);
        let long_overdue = schedule(day(27), Some(day(20)), None);
        assert_eq!(milestones(&long_overdue, day(26)), []);
    }

    #[test]
    fn an_item_that_fell_due_while_no_day_was_announced_is_announced_overdue_only() {
        let after_an_outage = schedule(day(28), Some(day(25)), Some(day(28)));
        assert_eq!(
            milestones(&after_an_outage, day(24)),
            [
                Milestone {
                    item: ScheduleItem::FullInspection,
                    due_by: day(25),
                    overdue: true,
                },
                Milestone {
                    item: ScheduleItem::EngagementMeeting,
                    due_by: day(28),
                    overdue: false,
                },
            ]
        );
        assert_eq!(
            milestones(&after_an_outage, day(25)).len(),
            2,
            "overdue from the 26th"
        );
        assert_eq!(milestones(&after_an_outage, day(26)).len(), 1);
    }

    #[test]
    fn a_milestone_both_schedules_reach_is_everyones_and_the_rest_keep_to_their_audience() {
        let due = |item, overdue| Milestone {
            item,
            due_by: day(26),
            overdue,
        };
        let shared = due(ScheduleItem::FullInspection, false);
        // The public cannot see the plan that was submitted.
        let published_only = due(ScheduleItem::PriorityActionPlanSubmission, true);
        let followed_only = due(ScheduleItem::MonitoringInspection, true);
        assert_eq!(
            readers_of(&[shared, published_only], &[followed_only, shared]),
            [
                (shared, Readers::Everyone),
                (followed_only, Readers::Followers),
                (published_only, Readers::Outsiders),
            ]
        );
        // A due date the two read differently is two milestones.
        let later = Milestone {
            due_by: day(27),
            ..shared
        };
        assert_eq!(
            readers_of(&[shared], &[later]),
            [(shared, Readers::Outsiders), (later, Readers::Followers)]
        );
    }

    #[test]
    fn a_milestone_says_what_fell_due_and_when() {
        let milestone = Milestone {
            item: ScheduleItem::StrategicPlanUpdate,
            due_by: day(25),
            overdue: true,
        };
        assert_eq!(milestone.operation(), SCHEDULE_ITEM_OVERDUE);
        assert_eq!(
            milestone.summary(),
            "The strategic plan's update is overdue: it was due by 2026-11-25"
        );
    }

    #[test]
    fn changes_that_announce_nothing() {
        let now = Utc::now();
        for operation in ["scheduleInspection", "recordFindings", "holdPublication"] {
            assert_eq!(announced(operation, None, now), None);
        }
    }
}
