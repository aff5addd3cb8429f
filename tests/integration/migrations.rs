//! Migrating a database that already holds data: the plans' tables and the event log are
//! rebuilt on SQLite (and altered on PostgreSQL) without losing a row or a reference.

use chrono::{TimeZone, Utc};
use entity::{
    audit_event, enums::EventType, priority_action, priority_action_plan, strategic_plan,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Value,
    sea_query::{Alias, Query},
};

use crate::support::fresh_database;

/// Inserts a row as the schema of the day has it; returns its id.
async fn insert(db: &DatabaseConnection, table: &str, row: Vec<(&str, Value)>) -> i32 {
    let (columns, values): (Vec<_>, Vec<_>) = row.into_iter().unzip();
    let mut statement = Query::insert();
    statement
        .into_table(Alias::new(table))
        .columns(columns.into_iter().map(Alias::new))
        .values_panic(values.into_iter().map(Into::into))
        .returning_col(Alias::new("id"));
    let result = db.query_one(&statement).await.unwrap().unwrap();
    result.try_get("", "id").unwrap()
}

/// Hartlepool's council and area, as every schema has them; returns the area's id.
async fn an_area(db: &DatabaseConnection) -> i32 {
    let la = insert(
        db,
        "local_authority",
        vec![
            ("ons_code", "E06000001".into()),
            ("name", "Hartlepool".into()),
            ("region", "north_east".into()),
            ("la_type", "unitary".into()),
        ],
    )
    .await;
    insert(db, "area", vec![("local_authority_id", la.into())]).await
}

#[tokio::test]
async fn the_plans_survive_the_migration_that_widens_their_states() {
    let (db, _dir) = fresh_database().await;
    Migrator::up(&db, Some(4)).await.unwrap();
    let stamp = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let area = an_area(&db).await;
    let inspection = insert(
        &db,
        "inspection",
        vec![
            ("area_id", area.into()),
            ("framework", "2023".into()),
            ("kind", "full".into()),
            ("status", "published".into()),
            ("outcome", "3".into()),
            ("is_synthetic", false.into()),
            ("created_at", stamp.into()),
            ("updated_at", stamp.into()),
        ],
    )
    .await;
    let plan = insert(
        &db,
        "priority_action_plan",
        vec![
            ("area_id", area.into()),
            ("inspection_id", inspection.into()),
            ("status", "submitted".into()),
            ("is_synthetic", false.into()),
            ("created_at", stamp.into()),
            ("updated_at", stamp.into()),
        ],
    )
    .await;
    insert(
        &db,
        "priority_action",
        vec![
            ("priority_action_plan_id", plan.into()),
            ("position", 1.into()),
            ("description", "Cut waits".into()),
            ("status", "in_progress".into()),
        ],
    )
    .await;
    insert(
        &db,
        "strategic_plan",
        vec![
            ("area_id", area.into()),
            ("version", 1.into()),
            ("title", "SEND strategy".into()),
            ("status", "published".into()),
            ("is_synthetic", false.into()),
            ("created_at", stamp.into()),
            ("updated_at", stamp.into()),
        ],
    )
    .await;

    Migrator::up(&db, None).await.unwrap();

    let plans = priority_action_plan::Entity::find().all(&db).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!((plans[0].id, plans[0].revision), (plan, 1));
    let actions = priority_action::Entity::find().all(&db).await.unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].priority_action_plan_id, plan);
    assert_eq!(strategic_plan::Entity::find().count(&db).await.unwrap(), 1);
    // The new states are allowed, an unknown one still is not, and the plan's actions still
    // belong to it: deleting the plan takes them with it.
    let returned = insert(
        &db,
        "priority_action_plan",
        vec![
            ("area_id", area.into()),
            (
                "inspection_id",
                insert(
                    &db,
                    "inspection",
                    vec![
                        ("area_id", area.into()),
                        ("framework", "2023".into()),
                        ("kind", "full".into()),
                        ("status", "published".into()),
                        ("is_synthetic", false.into()),
                        ("created_at", stamp.into()),
                        ("updated_at", stamp.into()),
                    ],
                )
                .await
                .into(),
            ),
            ("status", "returned".into()),
            ("is_synthetic", false.into()),
            ("created_at", stamp.into()),
            ("updated_at", stamp.into()),
        ],
    )
    .await;
    assert!(returned > plan);
    let bogus = db
        .execute_unprepared(&format!(
            "UPDATE priority_action_plan SET status = 'bogus' WHERE id = {plan}"
        ))
        .await;
    assert!(bogus.is_err(), "the CHECK constraint holds");
    priority_action_plan::Entity::delete_by_id(plan)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(priority_action::Entity::find().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn the_event_log_survives_the_migration_that_adds_the_schedules_event_types() {
    let (db, _dir) = fresh_database().await;
    Migrator::up(&db, Some(8)).await.unwrap();
    let area = an_area(&db).await;
    let stamp = Utc.with_ymd_and_hms(2026, 11, 1, 9, 30, 0).unwrap();
    let logged = insert(
        &db,
        "audit_event",
        vec![
            ("id", 7.into()),
            ("occurred_at", stamp.into()),
            ("actor_subject", "inspector".into()),
            ("actor_role", "ofsted".into()),
            ("area_id", area.into()),
            ("action", "notifyArea".into()),
            ("object_id", "SW5zcGVjdGlvbjox".into()),
            ("summary", "Notified".into()),
            ("object_kind", "inspection".into()),
            ("object_row_id", 1.into()),
            ("changes", "{}".into()),
            ("event_type", "inspection_notified".into()),
        ],
    )
    .await;
    let milestone = |id: i32, event_type: &str| {
        format!(
            "INSERT INTO audit_event (id, occurred_at, actor_subject, actor_role, action, \
             summary, event_type) VALUES ({id}, '2026-11-02T00:00:00Z', 'schedule', 'ofsted', \
             'scheduleItemDue', 'Due', '{event_type}')"
        )
    };
    assert!(
        db.execute_unprepared(&milestone(8, "schedule_item_due"))
            .await
            .is_err(),
        "not a type before the migration"
    );

    Migrator::up(&db, None).await.unwrap();

    let kept = audit_event::Entity::find_by_id(logged)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.occurred_at, stamp);
    assert_eq!(kept.area_id, Some(area));
    assert_eq!(kept.object_kind.as_deref(), Some("inspection"));
    assert_eq!(kept.event_type, Some(EventType::InspectionNotified));
    db.execute_unprepared(&milestone(8, "schedule_item_due"))
        .await
        .unwrap();
    assert!(
        db.execute_unprepared(&milestone(9, "bogus")).await.is_err(),
        "the CHECK constraint holds"
    );
    assert_eq!(audit_event::Entity::find().count(&db).await.unwrap(), 2);
}
