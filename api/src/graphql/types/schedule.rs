//! `InspectionSchedule`: an area's due dates as of a date.

use crate::graphql::cost;
use async_graphql::Object;

use super::scalars::{Date, date};
use crate::domain::schedule::{Schedule, ScheduleItem};

/// When an area's next inspections, meetings and plans are due, computed from its history as of
/// a date and from what the caller may see.
pub struct InspectionSchedule(pub Schedule);

#[Object]
impl InspectionSchedule {
    /// The date the schedule is computed for.
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }

    /// The next full inspection is due by: 5 years after an outcome-1 report, 3 years after
    /// outcome 2 or 3. Null until the area has a published 2023-framework full inspection.
    async fn next_full_inspection_due_by(&self) -> Option<Date> {
        date(self.0.next_full_inspection_due_by)
    }

    /// A monitoring inspection is due by 18 months after an outcome-3 report, until one is done.
    async fn monitoring_inspection_due_by(&self) -> Option<Date> {
        date(self.0.monitoring_inspection_due_by)
    }

    /// The next engagement meeting is due 12 months after the last one (or after the latest
    /// full inspection, if later).
    async fn next_engagement_meeting_due_by(&self) -> Option<Date> {
        date(self.0.next_engagement_meeting_due_by)
    }

    /// The strategic plan must be updated and published by this date, after the latest
    /// 2023-framework inspection; null when it already has been.
    async fn strategic_plan_update_due_by(&self) -> Option<Date> {
        date(self.0.strategic_plan_update_due_by)
    }

    /// After outcome 3, the priority action plan must be submitted by this date; null once it is.
    async fn priority_action_plan_due_by(&self) -> Option<Date> {
        date(self.0.priority_action_plan_due_by)
    }

    /// The earliest of the due dates above.
    async fn next_due_by(&self) -> Option<Date> {
        date(self.0.next_due_by())
    }

    /// Whether anything is overdue as of the date.
    async fn is_overdue(&self) -> bool {
        self.0.is_overdue()
    }

    /// What is overdue as of the date.
    #[graphql(complexity = "cost::list(cost::MAX_SCHEDULE_ITEMS, child_complexity)")]
    async fn overdue_items(&self) -> Vec<ScheduleItem> {
        self.0.overdue()
    }
}
