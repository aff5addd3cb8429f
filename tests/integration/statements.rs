//! No N+1: the dashboard issues the same, small number of SQL statements for 153 areas as for
//! ten times as many.

use chrono::{NaiveDate, TimeZone, Utc};
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
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;

use api::config::Config;

use crate::support::{TestApp, contract_query, test_config};

#[tokio::test]
async fn dashboard_and_summary_statement_counts_do_not_grow_with_the_number_of_areas() {
    // What running the query costs: answers kept from one request to the next would cost none.
    let config = Config {
        response_cache_bytes: 0,
        ..test_config()
    };
    let app = TestApp::spawn_configured(true, config).await;
    let dashboard =
        contract_query("national_dashboard.graphql").replace("first: 200", "first: 250");
    let summary = "{ nationalSummary { areaCount openPriorityActionPlanCount overdueAreaCount } }";
    let (for_153, data) = app.count_statements(&dashboard, json!({})).await;
    assert_eq!(data["areas"]["totalCount"], 153);
    let (summary_for_153, _) = app.count_statements(summary, json!({})).await;

    add_areas_with_history(&app.db, 1377).await;
    let (for_1530, data) = app.count_statements(&dashboard, json!({})).await;
    let (summary_for_1530, summary_data) = app.count_statements(summary, json!({})).await;

    assert_eq!(data["areas"]["totalCount"], 1530);
    assert_eq!(
        for_153, for_1530,
        "statements grew with the number of areas"
    );
    // The areas, then one query per relation: ICBs, inspections, meetings, strategic plans,
    // priority action plans and their actions.
    assert_eq!(for_153, 7, "statements for one dashboard");
    assert_eq!(summary_data["nationalSummary"]["areaCount"], 1530);
    // The areas, their histories (four), and the actions of their current plans.
    assert_eq!((summary_for_153, summary_for_1530), (6, 6));
}

/// Extra synthetic areas, each with a published outcome-3 inspection, a submitted priority
/// action plan with an action, a meeting and a plan: a row for every relation the dashboard loads.
async fn add_areas_with_history(db: &DatabaseConnection, count: i32) {
    let codes: Vec<String> = (0..count)
        .map(|n| format!("E06{:06}", 900_000 + n))
        .collect();
    let las = codes.iter().map(|code| local_authority::ActiveModel {
        id: NotSet,
        ons_code: Set(code.clone()),
        name: Set(format!("Test area {code}")),
        region: Set(Region::London),
        la_type: Set(LocalAuthorityType::Unitary),
        ..Default::default()
    });
    local_authority::Entity::insert_many(las)
        .exec(db)
        .await
        .unwrap();
    let las = local_authority::Entity::find()
        .filter(local_authority::Column::OnsCode.starts_with("E069"))
        .all(db)
        .await
        .unwrap();
    let areas = las.iter().map(|la| area::ActiveModel {
        id: NotSet,
        local_authority_id: Set(la.id),
    });
    area::Entity::insert_many(areas).exec(db).await.unwrap();
    let la_ids: Vec<i32> = las.iter().map(|la| la.id).collect();
    let areas = area::Entity::find()
        .filter(area::Column::LocalAuthorityId.is_in(la_ids))
        .all(db)
        .await
        .unwrap();
    let area_ids: Vec<i32> = areas.iter().map(|a| a.id).collect();

    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let memberships = areas.iter().map(|a| partnership_membership::ActiveModel {
        id: NotSet,
        area_id: Set(a.id),
        local_authority_id: Set(None),
        integrated_care_board_id: Set(Some(1)),
        is_primary: Set(true),
        valid_from: Set(day(2022, 7, 1)),
        valid_to: Set(None),
    });
    partnership_membership::Entity::insert_many(memberships)
        .exec(db)
        .await
        .unwrap();

    let stamp = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    let inspections = area_ids.iter().map(|id| inspection::ActiveModel {
        id: NotSet,
        area_id: Set(*id),
        framework: Set(InspectionFramework::Framework2023),
        kind: Set(InspectionKind::Full),
        status: Set(InspectionStatus::Published),
        planned_start_on: Set(None),
        notified_on: Set(None),
        on_site_start_on: Set(Some(day(2024, 3, 4))),
        on_site_end_on: Set(Some(day(2024, 3, 15))),
        draft_shared_on: Set(None),
        published_on: Set(Some(day(2024, 5, 1))),
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
        .await
        .unwrap();
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::AreaId.is_in(area_ids.clone()))
        .all(db)
        .await
        .unwrap();

    let plans = inspections
        .iter()
        .map(|i| priority_action_plan::ActiveModel {
            id: NotSet,
            area_id: Set(i.area_id),
            inspection_id: Set(i.id),
            status: Set(PriorityActionPlanStatus::Published),
            submitted_on: Set(Some(day(2024, 7, 1))),
            acknowledged_on: Set(None),
            published_on: Set(Some(day(2024, 7, 8))),
            document_url: Set(None),
            is_synthetic: Set(true),
            created_at: Set(stamp),
            updated_at: Set(stamp),
            ..Default::default()
        });
    priority_action_plan::Entity::insert_many(plans)
        .exec(db)
        .await
        .unwrap();
    let plans = priority_action_plan::Entity::find()
        .filter(priority_action_plan::Column::AreaId.is_in(area_ids.clone()))
        .all(db)
        .await
        .unwrap();
    let actions = plans.iter().map(|p| priority_action::ActiveModel {
        id: NotSet,
        priority_action_plan_id: Set(p.id),
        recommendation_id: Set(None),
        position: Set(1),
        description: Set("Test action".to_owned()),
        status: Set(ActionStatus::InProgress),
        due_on: Set(None),
        completed_on: Set(None),
        progress_note: Set(None),
        ..Default::default()
    });
    priority_action::Entity::insert_many(actions)
        .exec(db)
        .await
        .unwrap();

    let meetings = area_ids.iter().map(|id| engagement_meeting::ActiveModel {
        id: NotSet,
        area_id: Set(*id),
        status: Set(EngagementMeetingStatus::Held),
        scheduled_for: Set(day(2025, 4, 1)),
        held_on: Set(Some(day(2025, 4, 1))),
        is_synthetic: Set(true),
        ..Default::default()
    });
    engagement_meeting::Entity::insert_many(meetings)
        .exec(db)
        .await
        .unwrap();
    let strategic_plans = area_ids.iter().map(|id| strategic_plan::ActiveModel {
        id: NotSet,
        area_id: Set(*id),
        version: Set(1),
        title: Set("Test plan".to_owned()),
        status: Set(StrategicPlanStatus::Published),
        published_on: Set(Some(day(2024, 9, 1))),
        document_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    });
    strategic_plan::Entity::insert_many(strategic_plans)
        .exec(db)
        .await
        .unwrap();
}
