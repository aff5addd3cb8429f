//! The audit trail of changes made through the API.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{enumeration, foreign_key, index};

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
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
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
                    .foreign_key(&mut foreign_key(
                        AuditEvent::Table,
                        AuditEvent::AreaId,
                        Area::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        // The trail pages in (occurred_at, id) order and is read by area.
        manager
            .create_index(index(
                "ix_audit_event_occurred",
                AuditEvent::Table,
                vec![
                    AuditEvent::OccurredAt.into_iden(),
                    AuditEvent::Id.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_audit_event_area",
                AuditEvent::Table,
                vec![AuditEvent::AreaId.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvent::Table).to_owned())
            .await
    }
}
