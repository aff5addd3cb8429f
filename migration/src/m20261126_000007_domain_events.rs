//! Domain events: the changes of the event log that partners subscribe to carry their type.

use sea_orm_migration::prelude::*;

use crate::enumeration_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum AuditEvent {
    Table,
    EventType,
}

/// The operations that announced each type on the day this migration was written.
const ANNOUNCED_BY: [(&str, &[&str]); 11] = [
    ("inspection_notified", &["notifyArea"]),
    ("draft_report_shared", &["shareDraftReport"]),
    (
        "priority_action_plan_submitted",
        &["submitPriorityActionPlan"],
    ),
    (
        "priority_action_plan_returned",
        &["returnPriorityActionPlan"],
    ),
    (
        "priority_action_plan_acknowledged",
        &["acknowledgePriorityActionPlan"],
    ),
    (
        "priority_action_plan_published",
        &["publishPriorityActionPlan"],
    ),
    ("strategic_plan_published", &["publishStrategicPlan"]),
    ("intervention_announced", &["announceIntervention"]),
    ("intervention_ended", &["endIntervention"]),
    ("engagement_meeting_held", &["recordEngagementMeetingHeld"]),
    (
        "reference_data_changed",
        &["recordIcbChange", "recordLocalAuthorityChange"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut types: Vec<&str> = ANNOUNCED_BY.iter().map(|(name, _)| *name).collect();
        types.push("report_published");
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvent::Table)
                    .add_column(enumeration_null(AuditEvent::EventType, &types))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (event_type, operations) in ANNOUNCED_BY {
            let update = Query::update()
                .table(AuditEvent::Table)
                .value(AuditEvent::EventType, event_type)
                .and_where(Expr::col(Alias::new("action")).is_in(operations.iter().copied()))
                .to_owned();
            db.execute(&update).await?;
        }
        // Publications already in force were announced when they were made; one still under
        // embargo is announced when it lifts.
        let in_force = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("inspection"))
            .and_where(Expr::col(Alias::new("publish_at")).lte(Expr::current_timestamp()))
            .to_owned();
        let publications = Query::update()
            .table(AuditEvent::Table)
            .value(AuditEvent::EventType, "report_published")
            .and_where(
                Expr::col(Alias::new("action")).is_in(["publishReport", "releasePublication"]),
            )
            .and_where(Expr::col(Alias::new("object_row_id")).in_subquery(in_force))
            .to_owned();
        db.execute(&publications).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvent::Table)
                    .drop_column(AuditEvent::EventType)
                    .to_owned(),
            )
            .await
    }
}
