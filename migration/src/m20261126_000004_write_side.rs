//! The write side: revisions on every mutable record, the inspection lifecycle's own facts
//! (publication instant, sign-offs, what an inspection follows), an ordered event log, and the
//! responses kept for idempotent retries.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{enumeration_null, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Inspection {
    Table,
    Revision,
    PublishAt,
    HeldReason,
    CancellationReason,
    SignedOffByOfsted,
    SignedOffByCqc,
    FollowsInspectionId,
    DiscretionReason,
    MonitoringProgress,
}

#[derive(DeriveIden, Clone)]
enum EngagementMeeting {
    Table,
    Revision,
    Notes,
    CancellationReason,
}

#[derive(DeriveIden, Clone)]
enum Intervention {
    Table,
    Revision,
    ProposedOn,
}

#[derive(DeriveIden, Clone)]
enum StrategicPlan {
    Table,
    Revision,
}

#[derive(DeriveIden, Clone)]
enum PriorityActionPlan {
    Table,
    Revision,
}

#[derive(DeriveIden, Clone)]
enum PriorityAction {
    Table,
    Revision,
}

#[derive(DeriveIden, Clone)]
enum AuditEvent {
    Table,
    Id,
    ObjectKind,
    ObjectRowId,
    Changes,
}

#[derive(DeriveIden, Clone)]
enum EventLogHead {
    Table,
    Id,
    LastSequence,
}

#[derive(DeriveIden, Clone)]
enum IdempotencyKey {
    Table,
    Id,
    Caller,
    Key,
    Fingerprint,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}

/// SQLite alters one column per statement, so every addition is its own.
async fn add_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Clone + 'static,
    columns: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    for mut column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table.clone())
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

fn revision<T: IntoIden>(column: T) -> ColumnDef {
    integer(column).default(1).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Inspection::Table,
            vec![
                revision(Inspection::Revision),
                timestamp_with_time_zone_null(Inspection::PublishAt),
                text_null(Inspection::HeldReason),
                text_null(Inspection::CancellationReason),
                boolean(Inspection::SignedOffByOfsted)
                    .default(false)
                    .to_owned(),
                boolean(Inspection::SignedOffByCqc)
                    .default(false)
                    .to_owned(),
                integer_null(Inspection::FollowsInspectionId),
                text_null(Inspection::DiscretionReason),
                enumeration_null(
                    Inspection::MonitoringProgress,
                    &["sufficient", "insufficient"],
                ),
            ],
        )
        .await?;
        add_columns(
            manager,
            EngagementMeeting::Table,
            vec![
                revision(EngagementMeeting::Revision),
                text_null(EngagementMeeting::Notes),
                text_null(EngagementMeeting::CancellationReason),
            ],
        )
        .await?;
        add_columns(
            manager,
            Intervention::Table,
            vec![
                revision(Intervention::Revision),
                date_null(Intervention::ProposedOn),
            ],
        )
        .await?;
        add_columns(
            manager,
            StrategicPlan::Table,
            vec![revision(StrategicPlan::Revision)],
        )
        .await?;
        add_columns(
            manager,
            PriorityActionPlan::Table,
            vec![revision(PriorityActionPlan::Revision)],
        )
        .await?;
        add_columns(
            manager,
            PriorityAction::Table,
            vec![revision(PriorityAction::Revision)],
        )
        .await?;
        add_columns(
            manager,
            AuditEvent::Table,
            vec![
                string_null(AuditEvent::ObjectKind),
                integer_null(AuditEvent::ObjectRowId),
                text_null(AuditEvent::Changes),
            ],
        )
        .await?;
        // Events are read by the object they concern, to apply its read policy.
        manager
            .create_index(index(
                "ix_audit_event_object",
                AuditEvent::Table,
                vec![
                    AuditEvent::ObjectKind.into_iden(),
                    AuditEvent::ObjectRowId.into_iden(),
                ],
            ))
            .await?;
        // One row holding the last sequence number handed out. A writer takes the next number
        // by updating it, which locks the row until the writer commits: numbers are therefore
        // handed out in commit order, and a reader that follows the log by sequence never sees
        // a later number commit before an earlier one.
        manager
            .create_table(
                Table::create()
                    .table(EventLogHead::Table)
                    .col(integer(EventLogHead::Id).primary_key())
                    .col(integer(EventLogHead::LastSequence))
                    .to_owned(),
            )
            .await?;
        let last = Query::select()
            .expr(Expr::col(AuditEvent::Id).max().if_null(0))
            .from(AuditEvent::Table)
            .to_owned();
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(EventLogHead::Table)
                    .columns([EventLogHead::Id, EventLogHead::LastSequence])
                    .select_from(
                        Query::select()
                            .expr(Expr::val(1))
                            .expr(SimpleExpr::SubQuery(
                                None,
                                Box::new(last.into_sub_query_statement()),
                            ))
                            .to_owned(),
                    )
                    .map_err(|error| DbErr::Migration(error.to_string()))?
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(pk_auto(IdempotencyKey::Id))
                    .col(string(IdempotencyKey::Caller))
                    .col(string(IdempotencyKey::Key))
                    .col(string(IdempotencyKey::Fingerprint))
                    .col(integer_null(IdempotencyKey::ResponseStatus))
                    .col(text_null(IdempotencyKey::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_idempotency_key_caller_key",
                    IdempotencyKey::Table,
                    vec![
                        IdempotencyKey::Caller.into_iden(),
                        IdempotencyKey::Key.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_idempotency_key_created",
                IdempotencyKey::Table,
                vec![IdempotencyKey::CreatedAt.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKey::Table.into_iden(),
            EventLogHead::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Err(DbErr::Migration(
            "the write side's added columns are not dropped: restore a backup instead".to_owned(),
        ))
    }
}
