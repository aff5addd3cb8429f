//! `NationalSummary`: the counts a national overview needs, in one request.

use crate::graphql::cost;
use async_graphql::{Object, SimpleObject};
use entity::enums::{InspectionOutcome, Region};
use sea_orm::Iterable;

use super::scalars::Date;
use crate::{domain::schedule::ScheduleItem, service::summary};

/// Counts over every area visible to the caller, as of a date.
pub struct NationalSummary {
    pub as_of: Date,
    pub summary: summary::NationalSummary,
}

/// How many areas had an outcome as their latest.
#[derive(SimpleObject)]
pub struct OutcomeCount {
    /// The outcome.
    outcome: InspectionOutcome,
    /// Areas whose latest published full inspection had it.
    count: usize,
}

/// How many areas a region has.
#[derive(SimpleObject)]
pub struct RegionCount {
    /// The ONS region.
    region: Region,
    /// Its number of areas.
    count: usize,
}

/// How many areas have an item overdue.
#[derive(SimpleObject)]
pub struct ScheduleItemCount {
    /// What is overdue.
    item: ScheduleItem,
    /// Areas where it is overdue.
    count: usize,
}

#[Object]
impl NationalSummary {
    /// The date the schedules are computed for.
    async fn as_of(&self) -> Date {
        self.as_of
    }

    /// Every area.
    async fn area_count(&self) -> usize {
        self.summary.area_count
    }

    /// Areas by the outcome of their latest published full inspection, every outcome listed.
    #[graphql(complexity = "cost::list(cost::MAX_ENUM_COUNTS, child_complexity)")]
    async fn by_latest_outcome(&self) -> Vec<OutcomeCount> {
        InspectionOutcome::iter()
            .map(|outcome| OutcomeCount {
                outcome,
                count: self
                    .summary
                    .by_latest_outcome
                    .get(&outcome)
                    .copied()
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Areas whose latest published full inspection has no outcome (never inspected under the
    /// 2023 framework).
    async fn areas_without_outcome(&self) -> usize {
        self.summary.without_outcome
    }

    /// Areas by ONS region, every region listed.
    #[graphql(complexity = "cost::list(cost::MAX_ENUM_COUNTS, child_complexity)")]
    async fn by_region(&self) -> Vec<RegionCount> {
        self.summary
            .by_region
            .iter()
            .map(|(region, count)| RegionCount {
                region: *region,
                count: *count,
            })
            .collect()
    }

    /// Areas whose current priority action plan has actions not yet completed.
    async fn open_priority_action_plan_count(&self) -> usize {
        self.summary.open_priority_action_plans
    }

    /// Areas with anything overdue.
    async fn overdue_area_count(&self) -> usize {
        self.summary.overdue_areas
    }

    /// Areas by what is overdue, every item listed (an area can count under several).
    #[graphql(complexity = "cost::list(cost::MAX_SCHEDULE_ITEMS, child_complexity)")]
    async fn overdue_items(&self) -> Vec<ScheduleItemCount> {
        ScheduleItem::ALL
            .into_iter()
            .map(|item| ScheduleItemCount {
                item,
                count: self
                    .summary
                    .overdue_items
                    .get(&item)
                    .copied()
                    .unwrap_or_default(),
            })
            .collect()
    }
}
