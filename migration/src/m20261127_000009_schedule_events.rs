//! Schedule milestones in the event log: two more event types, computed each day rather than
//! made by a change, and the last day they were announced for, kept with the log's head so that
//! each day is announced once whichever server gets there first.
//!
//! The event type is a CHECK constraint: PostgreSQL replaces it in place; SQLite cannot alter
//! one, so it rebuilds the log's table in one transaction (nothing refers to it).

use sea_orm_migration::{prelude::*, schema::*};

use crate::{copy, enumeration, enumeration_null, foreign_key, index, replace_check};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Area {
    Table,
}

#[derive(DeriveIden, Clone)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    ActorSubject,
    ActorRole,
    ActorOrganisation,
    AreaId,
    Action,
    ObjectId,
    Summary,
    ObjectKind,
    ObjectRowId,
    Changes,
    EventType,
}

#[derive(DeriveIden)]
enum EventLogHead {
    Table,
    ScheduleAnnouncedThrough,
}

const EVENT_TYPES: [&str; 14] = [
    "inspection_notified",
    "draft_report_shared",
    "report_published",
    "priority_action_plan_submitted",
    "priority_action_plan_returned",
    "priority_action_plan_acknowledged",
    "priority_action_plan_published",
    "strategic_plan_published",
    "intervention_announced",
    "intervention_ended",
    "engagement_meeting_held",
    "reference_data_changed",
    "schedule_item_due",
    "schedule_item_overdue",
];

const COLUMNS: [&str; 13] = [
    "id",
    "occurred_at",
    "actor_subject",
    "actor_role",
    "actor_organisation",
    "area_id",
    "action",
    "object_id",
    "summary",
    "object_kind",
    "object_row_id",
    "changes",
    "event_type",
];

/// The log's table as this migration leaves it, under `name`.
fn audit_events(name: &str) -> TableCreateStatement {
    let table = Alias::new(name);
    Table::create()
        .table(table.clone())
        .col(pk_auto(AuditEvent::Id))
        .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
        .col(text(AuditEvent::ActorSubject))
        .col(enumeration(
            AuditEvent::ActorRole,
            &["ofsted", "cqc", "dfe", "nhs_england", "local_partner"],
        ))
        .col(string_null(AuditEvent::ActorOrganisation))
        .col(integer_null(AuditEvent::AreaId))
        .col(string(AuditEvent::Action))
        .col(string_null(AuditEvent::ObjectId))
        .col(text(AuditEvent::Summary))
        .col(string_null(AuditEvent::ObjectKind))
        .col(integer_null(AuditEvent::ObjectRowId))
        .col(text_null(AuditEvent::Changes))
        .col(enumeration_null(AuditEvent::EventType, &EVENT_TYPES))
        .foreign_key(&mut foreign_key(table, AuditEvent::AreaId, Area::Table))
        .to_owned()
}

async fn rebuild_on_sqlite(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(audit_events("audit_event_next"))
        .await?;
    copy(manager, "audit_event", "audit_event_next", &COLUMNS).await?;
    manager
        .drop_table(Table::drop().table(AuditEvent::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(Alias::new("audit_event_next"), AuditEvent::Table)
                .to_owned(),
        )
        .await?;
    let indexes = [
        (
            "ix_audit_event_occurred",
            vec![
                AuditEvent::OccurredAt.into_iden(),
                AuditEvent::Id.into_iden(),
            ],
        ),
        ("ix_audit_event_area", vec![AuditEvent::AreaId.into_iden()]),
        (
            "ix_audit_event_object",
            vec![
                AuditEvent::ObjectKind.into_iden(),
                AuditEvent::ObjectRowId.into_iden(),
            ],
        ),
    ];
    for (name, columns) in indexes {
        manager
            .create_index(index(name, AuditEvent::Table, columns))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, on SQLite too: a rebuild half done would lose the log.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            rebuild_on_sqlite(manager).await?;
        } else {
            replace_check(manager, "audit_event", "event_type", &EVENT_TYPES).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(EventLogHead::Table)
                    .add_column(date_null(EventLogHead::ScheduleAnnouncedThrough))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EventLogHead::Table)
                    .drop_column(EventLogHead::ScheduleAnnouncedThrough)
                    .to_owned(),
            )
            .await
    }
}
