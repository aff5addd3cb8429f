//! The viewer's row conditions, one per entity: every query of the model starts here, so a row
//! the policy hides is never loaded, counted or used to compute anything.

use entity::{
    area, engagement_meeting, inspection, integrated_care_board, intervention, local_authority,
    partnership_membership, priority_action, priority_action_plan, recommendation, strategic_plan,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use crate::policy::{self, Viewer};

/// An entity whose rows a viewer may or may not read.
pub trait Scoped: EntityTrait {
    fn read_condition(viewer: &Viewer) -> Condition;
}

/// The rows of `E` that `viewer` may read.
pub fn visible<E: Scoped>(viewer: &Viewer) -> Select<E> {
    E::find().filter(E::read_condition(viewer))
}

/// Reference data is public: local authorities, ICBs, areas and partnerships.
macro_rules! public_reference {
    ($($entity:path),*) => {$(
        impl Scoped for $entity {
            fn read_condition(_: &Viewer) -> Condition {
                Condition::all()
            }
        }
    )*};
}

public_reference!(
    local_authority::Entity,
    integrated_care_board::Entity,
    area::Entity,
    partnership_membership::Entity
);

impl Scoped for inspection::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        Condition::all().add(inspection::Column::Status.is_in(policy::inspections(viewer).statuses))
    }
}

/// A recommendation is as visible as the report it belongs to.
impl Scoped for recommendation::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let reports = visible::<inspection::Entity>(viewer)
            .select_only()
            .column(inspection::Column::Id)
            .into_query();
        Condition::all().add(recommendation::Column::InspectionId.in_subquery(reports))
    }
}

impl Scoped for strategic_plan::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        Condition::all()
            .add(strategic_plan::Column::Status.is_in(policy::strategic_plans(viewer).statuses))
    }
}

impl Scoped for priority_action_plan::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        Condition::all().add(
            priority_action_plan::Column::Status
                .is_in(policy::priority_action_plans(viewer).statuses),
        )
    }
}

/// An action is as visible as its plan.
impl Scoped for priority_action::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        let plans = visible::<priority_action_plan::Entity>(viewer)
            .select_only()
            .column(priority_action_plan::Column::Id)
            .into_query();
        Condition::all().add(priority_action::Column::PriorityActionPlanId.in_subquery(plans))
    }
}

impl Scoped for engagement_meeting::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        Condition::all().add(
            engagement_meeting::Column::Status.is_in(policy::engagement_meetings(viewer).statuses),
        )
    }
}

impl Scoped for intervention::Entity {
    fn read_condition(viewer: &Viewer) -> Condition {
        Condition::all()
            .add(intervention::Column::Status.is_in(policy::interventions(viewer).statuses))
    }
}
