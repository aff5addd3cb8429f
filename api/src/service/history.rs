//! What the schedule rules need of an area, assembled from the rows the viewer may see: a
//! viewer's schedule never reveals an event hidden from it.

use std::collections::HashMap;

use entity::{
    engagement_meeting, enums::ActionStatus, inspection, priority_action, priority_action_plan,
    strategic_plan,
};
use sea_orm::DatabaseConnection;

use super::related::children_of;
use crate::{
    domain::schedule::{AreaHistory, InspectionFacts, PriorityActionPlanFacts},
    error::AppError,
    policy::Viewer,
};

pub fn inspection_facts(inspection: &inspection::Model) -> InspectionFacts {
    InspectionFacts {
        id: inspection.id,
        framework: inspection.framework,
        kind: inspection.kind,
        status: inspection.status,
        on_site_start_on: inspection.on_site_start_on,
        published_on: inspection.published_on,
        outcome: inspection.outcome,
    }
}

pub fn assemble(
    inspections: &[inspection::Model],
    meetings: &[engagement_meeting::Model],
    plans: &[strategic_plan::Model],
    priority_action_plans: &[priority_action_plan::Model],
) -> AreaHistory {
    AreaHistory {
        inspections: inspections.iter().map(inspection_facts).collect(),
        engagement_meetings_held_on: meetings.iter().filter_map(|m| m.held_on).collect(),
        strategic_plans_published_on: plans.iter().filter_map(|p| p.published_on).collect(),
        priority_action_plans: priority_action_plans
            .iter()
            .map(|plan| PriorityActionPlanFacts {
                inspection_id: plan.inspection_id,
                submitted_on: plan.submitted_on,
            })
            .collect(),
    }
}

/// The visible rows behind the schedules of a set of areas, by area id.
pub struct Histories {
    inspections: HashMap<i32, Vec<inspection::Model>>,
    meetings: HashMap<i32, Vec<engagement_meeting::Model>>,
    plans: HashMap<i32, Vec<strategic_plan::Model>>,
    pub priority_action_plans: HashMap<i32, Vec<priority_action_plan::Model>>,
}

impl Histories {
    /// Four queries whatever the number of areas.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn load(
        viewer: &Viewer,
        db: &DatabaseConnection,
        area_ids: &[i32],
    ) -> Result<Self, AppError> {
        let (inspections, meetings, plans, priority_action_plans) = tokio::try_join!(
            children_of::<inspection::Entity>(viewer, db, area_ids),
            children_of::<engagement_meeting::Entity>(viewer, db, area_ids),
            children_of::<strategic_plan::Entity>(viewer, db, area_ids),
            children_of::<priority_action_plan::Entity>(viewer, db, area_ids),
        )?;
        Ok(Self {
            inspections,
            meetings,
            plans,
            priority_action_plans,
        })
    }

    pub fn of(&self, area_id: i32) -> AreaHistory {
        fn rows<T>(map: &HashMap<i32, Vec<T>>, area_id: i32) -> &[T] {
            map.get(&area_id).map(Vec::as_slice).unwrap_or_default()
        }
        assemble(
            rows(&self.inspections, area_id),
            rows(&self.meetings, area_id),
            rows(&self.plans, area_id),
            rows(&self.priority_action_plans, area_id),
        )
    }
}

/// The most recently published full inspection under either framework.
pub fn latest_full_inspection(inspections: &[inspection::Model]) -> Option<&inspection::Model> {
    let facts: Vec<InspectionFacts> = inspections.iter().map(inspection_facts).collect();
    let latest = crate::domain::schedule::latest_published_full(&facts)?;
    inspections
        .iter()
        .find(|inspection| inspection.id == latest.id)
}

/// The plan that answers the area's most recent outcome-3 inspection.
pub fn current_priority_action_plan(
    plans: &[priority_action_plan::Model],
) -> Option<&priority_action_plan::Model> {
    plans
        .iter()
        .max_by_key(|plan| (plan.inspection_id, plan.id))
}

/// The latest published version of an area's strategic plan.
pub fn current_strategic_plan(plans: &[strategic_plan::Model]) -> Option<&strategic_plan::Model> {
    plans
        .iter()
        .filter(|plan| plan.published_on.is_some())
        .max_by_key(|plan| plan.version)
}

/// How many of a plan's actions are not yet completed.
pub fn open_action_count(actions: &[priority_action::Model]) -> usize {
    actions
        .iter()
        .filter(|action| action.status != ActionStatus::Completed)
        .count()
}
