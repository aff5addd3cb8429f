//! When an area's next inspections, meetings and plans are due, from what has happened to it.
//!
//! The periods come from the outcomes table of the 2023 framework (Ofsted/CQC consultation "A new
//! approach to area SEND inspections", proposals 3, 5, 8 and 9), held in [`ScheduleSettings`]. The
//! schedule is computed "as of" a date: only what had happened by then counts, so a past date
//! gives the schedule as it stood that day.

use chrono::{Months, NaiveDate};
use entity::enums::{InspectionFramework, InspectionKind, InspectionOutcome, InspectionStatus};

/// The named periods of the schedule, in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleSettings {
    /// Outcome 1: "the next area SEND inspection will be within approximately 5 years".
    pub full_inspection_after_outcome_1: u32,
    /// Outcomes 2 and 3: "the next full inspection will be within approximately 3 years".
    pub full_inspection_after_outcome_2_or_3: u32,
    /// Outcome 3: "a monitoring inspection will be carried out within approximately 18 months".
    pub monitoring_inspection_after_outcome_3: u32,
    /// Proposal 9: engagement meetings "will normally occur annually".
    pub engagement_meeting_interval: u32,
    /// Proposal 5 asks for the strategic plan to be updated after each inspection but names no
    /// period; this is the API's assumption, documented in the README.
    pub strategic_plan_update: u32,
    /// Proposal 3 requires a priority action plan after outcome 3 but names no period; this is
    /// the API's assumption, documented in the README.
    pub priority_action_plan_submission: u32,
}

impl ScheduleSettings {
    pub const FRAMEWORK_2023: Self = Self {
        full_inspection_after_outcome_1: 60,
        full_inspection_after_outcome_2_or_3: 36,
        monitoring_inspection_after_outcome_3: 18,
        engagement_meeting_interval: 12,
        strategic_plan_update: 6,
        priority_action_plan_submission: 3,
    };
}

/// What the schedule needs to know of one inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionFacts {
    pub id: i32,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub status: InspectionStatus,
    pub on_site_start_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub outcome: Option<InspectionOutcome>,
}

/// What the schedule needs to know of one priority action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityActionPlanFacts {
    pub inspection_id: i32,
    pub submitted_on: Option<NaiveDate>,
}

/// Everything about an area that bears on its schedule (as far as the caller may see it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaHistory {
    pub inspections: Vec<InspectionFacts>,
    pub engagement_meetings_held_on: Vec<NaiveDate>,
    pub strategic_plans_published_on: Vec<NaiveDate>,
    pub priority_action_plans: Vec<PriorityActionPlanFacts>,
}

/// Something on an area's schedule that can fall overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, async_graphql::Enum)]
pub enum ScheduleItem {
    /// The next full inspection.
    FullInspection,
    /// The monitoring inspection that follows outcome 3.
    MonitoringInspection,
    /// The next engagement meeting.
    EngagementMeeting,
    /// The update of the strategic plan after an inspection.
    StrategicPlanUpdate,
    /// The submission of the priority action plan that follows outcome 3.
    PriorityActionPlanSubmission,
}

impl ScheduleItem {
    pub const ALL: [ScheduleItem; 5] = [
        ScheduleItem::FullInspection,
        ScheduleItem::MonitoringInspection,
        ScheduleItem::EngagementMeeting,
        ScheduleItem::StrategicPlanUpdate,
        ScheduleItem::PriorityActionPlanSubmission,
    ];
}

/// The due dates of an area as of a date. `None` means nothing of that kind is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub as_of: NaiveDate,
    pub next_full_inspection_due_by: Option<NaiveDate>,
    pub monitoring_inspection_due_by: Option<NaiveDate>,
    pub next_engagement_meeting_due_by: Option<NaiveDate>,
    pub strategic_plan_update_due_by: Option<NaiveDate>,
    pub priority_action_plan_due_by: Option<NaiveDate>,
}

impl Schedule {
    pub fn due_by(&self, item: ScheduleItem) -> Option<NaiveDate> {
        match item {
            ScheduleItem::FullInspection => self.next_full_inspection_due_by,
            ScheduleItem::MonitoringInspection => self.monitoring_inspection_due_by,
            ScheduleItem::EngagementMeeting => self.next_engagement_meeting_due_by,
            ScheduleItem::StrategicPlanUpdate => self.strategic_plan_update_due_by,
            ScheduleItem::PriorityActionPlanSubmission => self.priority_action_plan_due_by,
        }
    }

    /// The items whose due date has passed (a date due "by" a day is still on time that day).
    pub fn overdue(&self) -> Vec<ScheduleItem> {
        ScheduleItem::ALL
            .into_iter()
            .filter(|item| self.due_by(*item).is_some_and(|due_by| due_by < self.as_of))
            .collect()
    }

    pub fn is_overdue(&self) -> bool {
        !self.overdue().is_empty()
    }

    /// The earliest date anything is due, for ordering areas by urgency.
    pub fn next_due_by(&self) -> Option<NaiveDate> {
        ScheduleItem::ALL
            .into_iter()
            .filter_map(|item| self.due_by(item))
            .min()
    }
}

/// The most recently published full inspection, under either framework: what dashboards show
/// as an area's "latest outcome" (2016-framework inspections have none).
pub fn latest_published_full(inspections: &[InspectionFacts]) -> Option<&InspectionFacts> {
    inspections
        .iter()
        .filter(|i| i.kind == InspectionKind::Full && i.status == InspectionStatus::Published)
        .filter(|i| i.published_on.is_some())
        .max_by_key(|i| (i.published_on, i.id))
}

/// Computes an area's schedule as of `as_of` from its history.
pub fn schedule(history: &AreaHistory, as_of: NaiveDate, settings: &ScheduleSettings) -> Schedule {
    let published_by = |inspection: &&InspectionFacts| {
        inspection.status == InspectionStatus::Published
            && inspection.published_on.is_some_and(|on| on <= as_of)
    };
    let latest_full = history
        .inspections
        .iter()
        .filter(published_by)
        .filter(|i| i.framework == InspectionFramework::Framework2023)
        .filter(|i| i.kind == InspectionKind::Full && i.outcome.is_some())
        .max_by_key(|i| (i.published_on, i.id));
    let latest_full = latest_full.and_then(|i| Some((i, i.published_on?, i.outcome?)));

    let next_full_inspection_due_by = latest_full.and_then(|(_, published_on, outcome)| {
        let months = match outcome {
            InspectionOutcome::Outcome1 => settings.full_inspection_after_outcome_1,
            InspectionOutcome::Outcome2 | InspectionOutcome::Outcome3 => {
                settings.full_inspection_after_outcome_2_or_3
            }
        };
        add_months(published_on, months)
    });

    let outcome_3 = latest_full.filter(|(_, _, outcome)| *outcome == InspectionOutcome::Outcome3);

    let monitoring_inspection_due_by = outcome_3.and_then(|(_, published_on, _)| {
        let monitored = history.inspections.iter().any(|i| {
            i.kind == InspectionKind::Monitoring
                && i.status != InspectionStatus::Cancelled
                && i.on_site_start_on
                    .or(i.published_on)
                    .is_some_and(|on| on >= published_on && on <= as_of)
        });
        if monitored {
            None
        } else {
            add_months(published_on, settings.monitoring_inspection_after_outcome_3)
        }
    });

    let priority_action_plan_due_by = outcome_3.and_then(|(inspection, published_on, _)| {
        let submitted = history.priority_action_plans.iter().any(|plan| {
            plan.inspection_id == inspection.id && plan.submitted_on.is_some_and(|on| on <= as_of)
        });
        if submitted {
            None
        } else {
            add_months(published_on, settings.priority_action_plan_submission)
        }
    });

    let last_meeting = history
        .engagement_meetings_held_on
        .iter()
        .copied()
        .filter(|on| *on <= as_of)
        .max();
    let engagement_anchor = last_meeting.max(latest_full.map(|(_, published_on, _)| published_on));
    let next_engagement_meeting_due_by = engagement_anchor
        .and_then(|anchor| add_months(anchor, settings.engagement_meeting_interval));

    // Strategic plans belong to the 2023 framework: every inspection published under it (full or
    // monitoring) asks the area to update and publish its plan.
    let latest_inspection_published_on = history
        .inspections
        .iter()
        .filter(published_by)
        .filter(|i| i.framework == InspectionFramework::Framework2023)
        .filter_map(|i| i.published_on)
        .max();
    let latest_plan_published_on = history
        .strategic_plans_published_on
        .iter()
        .copied()
        .filter(|on| *on <= as_of)
        .max();
    let strategic_plan_update_due_by = latest_inspection_published_on
        .filter(|inspected| latest_plan_published_on.is_none_or(|plan| plan < *inspected))
        .and_then(|inspected| add_months(inspected, settings.strategic_plan_update));

    Schedule {
        as_of,
        next_full_inspection_due_by,
        monitoring_inspection_due_by,
        next_engagement_meeting_due_by,
        strategic_plan_update_due_by,
        priority_action_plan_due_by,
    }
}

/// Calendar months later; a day that the target month lacks becomes its last day
/// (31 August + 18 months = 28 February; 29 February + 12 months = 28 February).
fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;
    use InspectionOutcome::{Outcome1, Outcome2, Outcome3};

    const SETTINGS: ScheduleSettings = ScheduleSettings::FRAMEWORK_2023;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn full_2023(id: i32, published_on: &str, outcome: InspectionOutcome) -> InspectionFacts {
        InspectionFacts {
            id,
            framework: InspectionFramework::Framework2023,
            kind: InspectionKind::Full,
            status: InspectionStatus::Published,
            on_site_start_on: None,
            published_on: Some(d(published_on)),
            outcome: Some(outcome),
        }
    }

    fn monitoring(id: i32, status: InspectionStatus, on_site: &str) -> InspectionFacts {
        InspectionFacts {
            id,
            framework: InspectionFramework::Framework2023,
            kind: InspectionKind::Monitoring,
            status,
            on_site_start_on: Some(d(on_site)),
            published_on: None,
            outcome: None,
        }
    }

    fn history(inspections: Vec<InspectionFacts>) -> AreaHistory {
        AreaHistory {
            inspections,
            ..AreaHistory::default()
        }
    }

    /// The outcomes table, one row per outcome: (outcome, next full, monitoring, PAP due).
    #[test]
    fn each_outcome_sets_its_due_dates() {
        let rows = [
            // Outcome 1: next full inspection within about 5 years; nothing else follows.
            (Outcome1, Some("2028-03-15"), None, None),
            // Outcome 2: next full inspection within about 3 years.
            (Outcome2, Some("2026-03-15"), None, None),
            // Outcome 3: monitoring within about 18 months, next full within about 3 years, and
            // a priority action plan.
            (
                Outcome3,
                Some("2026-03-15"),
                Some("2024-09-15"),
                Some("2023-06-15"),
            ),
        ];
        for (outcome, full, monitoring, pap) in rows {
            let area = history(vec![full_2023(1, "2023-03-15", outcome)]);
            let schedule = schedule(&area, d("2023-04-01"), &SETTINGS);
            assert_eq!(
                schedule.next_full_inspection_due_by,
                full.map(d),
                "{outcome:?}"
            );
            assert_eq!(
                schedule.monitoring_inspection_due_by,
                monitoring.map(d),
                "{outcome:?}"
            );
            assert_eq!(
                schedule.priority_action_plan_due_by,
                pap.map(d),
                "{outcome:?}"
            );
            assert_eq!(
                schedule.next_engagement_meeting_due_by,
                Some(d("2024-03-15"))
            );
            assert_eq!(schedule.strategic_plan_update_due_by, Some(d("2023-09-15")));
        }
    }

    #[test]
    fn an_area_never_inspected_under_2023_has_nothing_due() {
        let inspected_2016 = InspectionFacts {
            framework: InspectionFramework::Framework2016,
            outcome: None,
            ..full_2023(1, "2018-05-01", Outcome1)
        };
        for area in [AreaHistory::default(), history(vec![inspected_2016])] {
            let schedule = schedule(&area, d("2026-11-24"), &SETTINGS);
            assert_eq!(schedule.next_due_by(), None);
            assert!(!schedule.is_overdue());
        }
    }

    #[test]
    fn the_latest_published_full_inspection_decides() {
        let area = history(vec![
            full_2023(1, "2023-03-15", Outcome3),
            full_2023(2, "2025-06-01", Outcome1),
        ]);
        let schedule = schedule(&area, d("2025-07-01"), &SETTINGS);
        assert_eq!(schedule.next_full_inspection_due_by, Some(d("2030-06-01")));
        assert_eq!(schedule.monitoring_inspection_due_by, None);
    }

    #[test]
    fn unpublished_full_inspections_do_not_count() {
        let drafting = InspectionFacts {
            status: InspectionStatus::DraftShared,
            ..full_2023(2, "2025-06-01", Outcome1)
        };
        let area = history(vec![full_2023(1, "2023-03-15", Outcome2), drafting]);
        let schedule = schedule(&area, d("2025-07-01"), &SETTINGS);
        assert_eq!(schedule.next_full_inspection_due_by, Some(d("2026-03-15")));
    }

    #[test]
    fn month_end_and_leap_day_dates_clamp_to_the_last_day_of_the_month() {
        let rows = [
            // (published, outcome, next full, monitoring)
            ("2023-08-31", Outcome3, "2026-08-31", Some("2025-02-28")),
            ("2024-02-29", Outcome1, "2029-02-28", None),
            ("2024-02-29", Outcome3, "2027-02-28", Some("2025-08-29")),
            ("2022-08-31", Outcome3, "2025-08-31", Some("2024-02-29")),
        ];
        for (published, outcome, full, monitoring) in rows {
            let area = history(vec![full_2023(1, published, outcome)]);
            let schedule = schedule(&area, d(published), &SETTINGS);
            assert_eq!(
                schedule.next_full_inspection_due_by,
                Some(d(full)),
                "{published}"
            );
            assert_eq!(
                schedule.monitoring_inspection_due_by,
                monitoring.map(d),
                "{published}"
            );
        }
    }

    #[test]
    fn a_monitoring_inspection_once_on_site_discharges_the_monitoring_due_date() {
        let rows = [
            (InspectionStatus::OnSite, "2024-06-03", "2024-07-01", None),
            (
                InspectionStatus::Published,
                "2024-06-03",
                "2024-07-01",
                None,
            ),
            // Not yet happened as of the date asked about.
            (
                InspectionStatus::OnSite,
                "2024-06-03",
                "2024-05-01",
                Some("2024-09-15"),
            ),
            // Notified but not started, or cancelled: still due.
            (
                InspectionStatus::Cancelled,
                "2024-06-03",
                "2024-07-01",
                Some("2024-09-15"),
            ),
        ];
        for (status, on_site, as_of, due) in rows {
            let area = history(vec![
                full_2023(1, "2023-03-15", Outcome3),
                monitoring(2, status, on_site),
            ]);
            let schedule = schedule(&area, d(as_of), &SETTINGS);
            assert_eq!(
                schedule.monitoring_inspection_due_by,
                due.map(d),
                "{status:?} {as_of}"
            );
        }
    }

    #[test]
    fn a_monitoring_inspection_before_the_outcome_3_report_does_not_count() {
        let area = history(vec![
            monitoring(1, InspectionStatus::Published, "2022-01-10"),
            full_2023(2, "2023-03-15", Outcome3),
        ]);
        let schedule = schedule(&area, d("2023-04-01"), &SETTINGS);
        assert_eq!(schedule.monitoring_inspection_due_by, Some(d("2024-09-15")));
    }

    #[test]
    fn overdue_items_are_those_due_before_the_date() {
        let area = history(vec![full_2023(1, "2023-03-15", Outcome3)]);
        let on_the_day = schedule(&area, d("2023-06-15"), &SETTINGS);
        assert_eq!(on_the_day.overdue(), vec![]);
        let day_after = schedule(&area, d("2023-06-16"), &SETTINGS);
        assert_eq!(
            day_after.overdue(),
            vec![ScheduleItem::PriorityActionPlanSubmission]
        );
        let years_later = schedule(&area, d("2026-11-24"), &SETTINGS);
        assert_eq!(
            years_later.overdue(),
            vec![
                ScheduleItem::FullInspection,
                ScheduleItem::MonitoringInspection,
                ScheduleItem::EngagementMeeting,
                ScheduleItem::StrategicPlanUpdate,
                ScheduleItem::PriorityActionPlanSubmission,
            ]
        );
        assert!(years_later.is_overdue());
    }

    #[test]
    fn submitting_the_priority_action_plan_discharges_it() {
        let mut area = history(vec![full_2023(7, "2023-03-15", Outcome3)]);
        area.priority_action_plans.push(PriorityActionPlanFacts {
            inspection_id: 7,
            submitted_on: Some(d("2023-05-20")),
        });
        assert_eq!(
            schedule(&area, d("2023-06-01"), &SETTINGS).priority_action_plan_due_by,
            None
        );
        assert_eq!(
            schedule(&area, d("2023-05-01"), &SETTINGS).priority_action_plan_due_by,
            Some(d("2023-06-15"))
        );
    }

    #[test]
    fn a_plan_for_an_earlier_inspection_does_not_discharge_a_later_one() {
        let mut area = history(vec![
            full_2023(1, "2023-03-15", Outcome3),
            full_2023(2, "2026-03-01", Outcome3),
        ]);
        area.priority_action_plans.push(PriorityActionPlanFacts {
            inspection_id: 1,
            submitted_on: Some(d("2023-05-20")),
        });
        let schedule = schedule(&area, d("2026-03-02"), &SETTINGS);
        assert_eq!(schedule.priority_action_plan_due_by, Some(d("2026-06-01")));
    }

    #[test]
    fn engagement_meetings_fall_due_a_year_after_the_last_one() {
        let mut area = history(vec![full_2023(1, "2023-03-15", Outcome1)]);
        area.engagement_meetings_held_on = vec![d("2024-02-01"), d("2025-02-10")];
        let schedule = schedule(&area, d("2025-06-01"), &SETTINGS);
        assert_eq!(
            schedule.next_engagement_meeting_due_by,
            Some(d("2026-02-10"))
        );
        let before_second = super::schedule(&area, d("2025-01-01"), &SETTINGS);
        assert_eq!(
            before_second.next_engagement_meeting_due_by,
            Some(d("2025-02-01"))
        );
    }

    #[test]
    fn a_plan_published_after_the_inspection_discharges_the_update() {
        let mut area = history(vec![full_2023(1, "2023-03-15", Outcome2)]);
        area.strategic_plans_published_on = vec![d("2022-01-01")];
        let before = schedule(&area, d("2023-04-01"), &SETTINGS);
        assert_eq!(before.strategic_plan_update_due_by, Some(d("2023-09-15")));
        area.strategic_plans_published_on.push(d("2023-07-01"));
        let after = schedule(&area, d("2023-07-02"), &SETTINGS);
        assert_eq!(after.strategic_plan_update_due_by, None);
    }

    #[test]
    fn a_published_monitoring_inspection_asks_for_another_plan_update() {
        let mut area = history(vec![
            full_2023(1, "2023-03-15", Outcome3),
            InspectionFacts {
                status: InspectionStatus::Published,
                published_on: Some(d("2024-10-01")),
                ..monitoring(2, InspectionStatus::Published, "2024-09-02")
            },
        ]);
        area.strategic_plans_published_on = vec![d("2023-07-01")];
        let schedule = schedule(&area, d("2024-10-02"), &SETTINGS);
        assert_eq!(schedule.strategic_plan_update_due_by, Some(d("2025-04-01")));
    }

    #[test]
    fn the_latest_published_full_inspection_may_be_a_2016_one() {
        let inspected_2016 = InspectionFacts {
            framework: InspectionFramework::Framework2016,
            outcome: None,
            ..full_2023(2, "2019-05-01", Outcome1)
        };
        let planned = InspectionFacts {
            status: InspectionStatus::Planned,
            published_on: None,
            outcome: None,
            ..full_2023(3, "2027-01-01", Outcome1)
        };
        let inspections = vec![
            full_2023(1, "2017-01-01", Outcome2),
            inspected_2016,
            planned,
        ];
        assert_eq!(latest_published_full(&inspections).map(|i| i.id), Some(2));
        assert_eq!(latest_published_full(&[]), None);
    }

    #[test]
    fn next_due_by_is_the_earliest_due_date() {
        let area = history(vec![full_2023(1, "2023-03-15", Outcome3)]);
        let schedule = schedule(&area, d("2023-04-01"), &SETTINGS);
        assert_eq!(schedule.next_due_by(), Some(d("2023-06-15")));
    }
}
