//! The national summary: counts of areas by latest outcome and region, open priority action
//! plans and overdue items, over the areas and history the viewer may see.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::{
    enums::{InspectionOutcome, Region},
    priority_action,
};
use sea_orm::{DatabaseConnection, Iterable};

use super::{
    area::{self, AreaFilter, AreaOrder},
    history,
    related::children_of,
};
use crate::{
    domain::schedule::{self, ScheduleItem, ScheduleSettings},
    error::AppError,
    policy::Viewer,
};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NationalSummary {
    pub area_count: usize,
    pub by_latest_outcome: BTreeMap<InspectionOutcome, usize>,
    /// Areas with no published 2023-framework outcome.
    pub without_outcome: usize,
    /// Every region, in ONS order, with its number of areas.
    pub by_region: Vec<(Region, usize)>,
    /// Current priority action plans with at least one action not completed.
    pub open_priority_action_plans: usize,
    pub overdue_areas: usize,
    pub overdue_items: BTreeMap<ScheduleItem, usize>,
}

/// Six queries whatever the number of areas: areas, their histories (four), and the actions of
/// their current priority action plans.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn national(
    viewer: &Viewer,
    db: &DatabaseConnection,
    as_of: NaiveDate,
) -> Result<NationalSummary, AppError> {
    let areas = area::list(
        viewer,
        db,
        &AreaFilter::default(),
        AreaOrder::Code,
        false,
        as_of,
    )
    .await?;
    let area_ids: Vec<i32> = areas.iter().map(|(_, record)| record.area.id).collect();
    let histories = history::Histories::load(viewer, db, &area_ids).await?;
    let current_plan_ids: Vec<i32> = histories
        .priority_action_plans
        .values()
        .filter_map(|plans| history::current_priority_action_plan(plans))
        .map(|plan| plan.id)
        .collect();
    let actions = children_of::<priority_action::Entity>(viewer, db, &current_plan_ids).await?;

    let mut summary = NationalSummary {
        area_count: areas.len(),
        open_priority_action_plans: actions
            .values()
            .filter(|actions| history::open_action_count(actions) > 0)
            .count(),
        ..NationalSummary::default()
    };
    let mut by_region: HashMap<Region, usize> = HashMap::new();
    for (_, record) in &areas {
        *by_region.entry(record.local_authority.region).or_default() += 1;
        let history = histories.of(record.area.id);
        match schedule::latest_published_full(&history.inspections).and_then(|i| i.outcome) {
            Some(outcome) => *summary.by_latest_outcome.entry(outcome).or_default() += 1,
            None => summary.without_outcome += 1,
        }
        let overdue =
            schedule::schedule(&history, as_of, &ScheduleSettings::FRAMEWORK_2023).overdue();
        if !overdue.is_empty() {
            summary.overdue_areas += 1;
        }
        for item in overdue {
            *summary.overdue_items.entry(item).or_default() += 1;
        }
    }
    summary.by_region = Region::iter()
        .map(|region| (region, by_region.get(&region).copied().unwrap_or_default()))
        .collect();
    Ok(summary)
}
