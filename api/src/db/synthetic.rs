//! Synthetic areas for load tests only: the benchmark's larger scales and the test that SQL
//! statements do not grow with the number of areas. Never part of a served database's seed.

use chrono::NaiveTime;
use entity::{
    area, engagement_meeting,
    enums::{
        ActionStatus, EngagementMeetingStatus, InspectionFramework, InspectionKind,
        InspectionOutcome, InspectionStatus, LocalAuthorityType, PriorityActionPlanStatus, Region,
        StrategicPlanStatus,
    },
    inspection, local_authority, partnership_membership, priority_action, priority_action_plan,
    strategic_plan,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::domain::date;

/// The ONS codes synthetic areas take: `E069` and five digits, a range no council has.
const SYNTHETIC_CODES: &str = "E069";

/// Makes sure `total` synthetic areas exist, adding what is missing: each with a published
/// outcome-3 inspection, a submitted priority action plan with an action, a meeting and a plan,
/// a row for every relation the dashboard loads.
pub async fn fill(db: &DatabaseConnection, total: i32) -> Result<(), DbErr> {
    let already = local_authority::Entity::find()
        .filter(local_authority::Column::OnsCode.starts_with(SYNTHETIC_CODES))
        .count(db)
        .await?;
    let first = i32::try_from(already).unwrap_or(i32::MAX);
    if first >= total {
        return Ok(());
    }
    let codes: Vec<String> = (first..total)
        .map(|n| format!("E06{:06}", 900_000 + n))
        .collect();
    let las = codes.iter().map(|code| local_authority::ActiveModel {
        id: NotSet,
        ons_code: Set(code.clone()),
        name: Set(format!("Synthetic area {code}")),
        region: Set(Region::London),
        la_type: Set(LocalAuthorityType::Unitary),
        ..Default::default()
    });
    local_authority::Entity::insert_many(las).exec(db).await?;
    let las = local_authority::Entity::find()
        .filter(local_authority::Column::OnsCode.is_in(codes.clone()))
        .all(db)
        .await?;
    let areas = las.iter().map(|la| area::ActiveModel {
        id: NotSet,
        local_authority_id: Set(la.id),
    });
    area::Entity::insert_many(areas).exec(db).await?;
    let la_ids: Vec<i32> = las.iter().map(|la| la.id).collect();
    let areas = area::Entity::find()
        .filter(area::Column::LocalAuthorityId.is_in(la_ids))
        .all(db)
        .await?;
    let area_ids: Vec<i32> = areas.iter().map(|a| a.id).collect();

    let memberships = areas.iter().map(|a| partnership_membership::ActiveModel {
        id: NotSet,
        area_id: Set(a.id),
        local_authority_id: Set(None),
        integrated_care_board_id: Set(Some(1)),
        is_primary: Set(true),
        valid_from: Set(date(2022, 7, 1)),
        valid_to: Set(None),
    });
    partnership_membership::Entity::insert_many(memberships)
        .exec(db)
        .await?;

    let stamp = date(2024, 5, 1).and_time(NaiveTime::MIN).and_utc();
    let inspections = area_ids.iter().map(|id| inspection::ActiveModel {
        id: NotSet,
        area_id: Set(*id),
        framework: Set(InspectionFramework::Framework2023),
        kind: Set(InspectionKind::Full),
        status: Set(InspectionStatus::Published),
        planned_start_on: Set(None),
        notified_on: Set(None),
        on_site_start_on: Set(Some(date(2024, 3, 4))),
        on_site_end_on: Set(Some(date(2024, 3, 15))),
        draft_shared_on: Set(None),
        published_on: Set(Some(date(2024, 5, 1))),
        outcome: Set(Some(InspectionOutcome::Outcome3)),
        wsoa_required: Set(None),
        revisit_progress: Set(None),
        report_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    });
    inspection::Entity::insert_many(inspections)
        .exec(db)
        .await?;
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::AreaId.is_in(area_ids.clone()))
        .all(db)
        .await?;

    let plans = inspections
        .iter()
        .map(|i| priority_action_plan::ActiveModel {
            id: NotSet,
            area_id: Set(i.area_id),
            inspection_id: Set(i.id),
            status: Set(PriorityActionPlanStatus::Published),
            submitted_on: Set(Some(date(2024, 7, 1))),
            acknowledged_on: Set(None),
            published_on: Set(Some(date(2024, 7, 8))),
            document_url: Set(None),
            is_synthetic: Set(true),
            created_at: Set(stamp),
            updated_at: Set(stamp),
            ..Default::default()
        });
    priority_action_plan::Entity::insert_many(plans)
        .exec(db)
        .await?;
    let plans = priority_action_plan::Entity::find()
        .filter(priority_action_plan::Column::AreaId.is_in(area_ids.clone()))
        .all(db)
        .await?;
    let actions = plans.iter().map(|p| priority_action::ActiveModel {
        id: NotSet,
        priority_action_plan_id: Set(p.id),
        recommendation_id: Set(None),
        position: Set(1),
        description: Set("Synthetic action".to_owned()),
        status: Set(ActionStatus::InProgress),
        due_on: Set(None),
        completed_on: Set(None),
        progress_note: Set(None),
        ..Default::default()
    });
    priority_action::Entity::insert_many(actions)
        .exec(db)
        .await?;

    let meetings = area_ids.iter().map(|id| engagement_meeting::ActiveModel {
        id: NotSet,
        area_id: Set(*id),
        status: Set(EngagementMeetingStatus::Held),
        scheduled_for: Set(date(2025, 4, 1)),
        held_on: Set(Some(date(2025, 4, 1))),
        is_synthetic: Set(true),
        ..Default::default()
    });
    engagement_meeting::Entity::insert_many(meetings)
        .exec(db)
        .await?;
    let strategic_plans = area_ids.iter().map(|id| strategic_plan::ActiveModel {
        id: NotSet,
        area_id: Set(*id),
        version: Set(1),
        title: Set("Synthetic plan".to_owned()),
        status: Set(StrategicPlanStatus::Published),
        published_on: Set(Some(date(2024, 9, 1))),
        document_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    });
    strategic_plan::Entity::insert_many(strategic_plans)
        .exec(db)
        .await?;
    Ok(())
}
