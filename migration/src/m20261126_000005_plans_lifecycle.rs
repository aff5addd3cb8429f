//! The partners' plans as the write side needs them: a strategic plan draft can be withdrawn; a
//! priority action plan can be returned with reasons and acknowledged, and carries a summary;
//! an action names its responsible partner and keeps the history of its progress.
//!
//! The allowed states of a status are a CHECK constraint. PostgreSQL replaces the constraint in
//! place; SQLite cannot alter one, so it rebuilds the three tables in one transaction, children
//! pointing at the new parent before the old tables go, so that no cascade fires.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{copy, enumeration, enumeration_null, foreign_key, index, replace_check};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Area {
    Table,
}

#[derive(DeriveIden, Clone)]
enum Inspection {
    Table,
}

#[derive(DeriveIden, Clone)]
enum Recommendation {
    Table,
}

#[derive(DeriveIden, Clone)]
enum StrategicPlan {
    Table,
    Id,
    AreaId,
    Version,
    Title,
    Status,
    PublishedOn,
    DocumentUrl,
    IsSynthetic,
    CreatedAt,
    UpdatedAt,
    Revision,
}

#[derive(DeriveIden, Clone)]
enum PriorityActionPlan {
    Table,
    Id,
    AreaId,
    InspectionId,
    Status,
    SubmittedOn,
    AcknowledgedOn,
    PublishedOn,
    DocumentUrl,
    IsSynthetic,
    CreatedAt,
    UpdatedAt,
    Revision,
    Summary,
    ReturnReasons,
}

#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden, Clone)]
enum PriorityAction {
    Table,
    Id,
    PriorityActionPlanId,
    RecommendationId,
    Position,
    Description,
    Status,
    DueOn,
    CompletedOn,
    ProgressNote,
    Revision,
    ResponsiblePartner,
}

#[derive(DeriveIden, Clone)]
enum ActionProgress {
    Table,
    Id,
    PriorityActionId,
    Status,
    Note,
    CompletedOn,
    RecordedAt,
    ActorSubject,
    ActorOrganisation,
}

const STRATEGIC_PLAN_STATES: [&str; 3] = ["draft", "published", "withdrawn"];
const PLAN_STATES: [&str; 5] = [
    "draft",
    "submitted",
    "returned",
    "acknowledged",
    "published",
];
const ACTION_STATES: [&str; 3] = ["not_started", "in_progress", "completed"];
const PARTNERS: [&str; 3] = ["local_authority", "integrated_care_board", "partnership"];

fn strategic_plans(table: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(table))
        .col(pk_auto(StrategicPlan::Id))
        .col(integer(StrategicPlan::AreaId))
        .col(integer(StrategicPlan::Version))
        .col(text(StrategicPlan::Title))
        .col(enumeration(StrategicPlan::Status, &STRATEGIC_PLAN_STATES))
        .col(date_null(StrategicPlan::PublishedOn))
        .col(text_null(StrategicPlan::DocumentUrl))
        .col(boolean(StrategicPlan::IsSynthetic))
        .col(timestamp_with_time_zone(StrategicPlan::CreatedAt))
        .col(timestamp_with_time_zone(StrategicPlan::UpdatedAt))
        .col(integer(StrategicPlan::Revision).default(1))
        .foreign_key(&mut foreign_key(
            Alias::new(table),
            StrategicPlan::AreaId,
            Area::Table,
        ))
        .to_owned()
}

fn priority_action_plans(table: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(table))
        .col(pk_auto(PriorityActionPlan::Id))
        .col(integer(PriorityActionPlan::AreaId))
        .col(integer_uniq(PriorityActionPlan::InspectionId))
        .col(enumeration(PriorityActionPlan::Status, &PLAN_STATES))
        .col(date_null(PriorityActionPlan::SubmittedOn))
        .col(date_null(PriorityActionPlan::AcknowledgedOn))
        .col(date_null(PriorityActionPlan::PublishedOn))
        .col(text_null(PriorityActionPlan::DocumentUrl))
        .col(boolean(PriorityActionPlan::IsSynthetic))
        .col(timestamp_with_time_zone(PriorityActionPlan::CreatedAt))
        .col(timestamp_with_time_zone(PriorityActionPlan::UpdatedAt))
        .col(integer(PriorityActionPlan::Revision).default(1))
        .col(text_null(PriorityActionPlan::Summary))
        .col(text_null(PriorityActionPlan::ReturnReasons))
        .foreign_key(&mut foreign_key(
            Alias::new(table),
            PriorityActionPlan::AreaId,
            Area::Table,
        ))
        .foreign_key(&mut foreign_key(
            Alias::new(table),
            PriorityActionPlan::InspectionId,
            Inspection::Table,
        ))
        .to_owned()
}

fn priority_actions(table: &str, plans: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(table))
        .col(pk_auto(PriorityAction::Id))
        .col(integer(PriorityAction::PriorityActionPlanId))
        .col(integer_null(PriorityAction::RecommendationId))
        .col(integer(PriorityAction::Position))
        .col(text(PriorityAction::Description))
        .col(enumeration(PriorityAction::Status, &ACTION_STATES))
        .col(date_null(PriorityAction::DueOn))
        .col(date_null(PriorityAction::CompletedOn))
        .col(text_null(PriorityAction::ProgressNote))
        .col(integer(PriorityAction::Revision).default(1))
        .col(enumeration_null(
            PriorityAction::ResponsiblePartner,
            &PARTNERS,
        ))
        .foreign_key(&mut foreign_key(
            Alias::new(table),
            PriorityAction::PriorityActionPlanId,
            Alias::new(plans),
        ))
        .foreign_key(&mut foreign_key(
            Alias::new(table),
            PriorityAction::RecommendationId,
            Recommendation::Table,
        ))
        .to_owned()
}

async fn rebuild_on_sqlite(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    const PLAN_COLUMNS: [&str; 12] = [
        "id",
        "area_id",
        "inspection_id",
        "status",
        "submitted_on",
        "acknowledged_on",
        "published_on",
        "document_url",
        "is_synthetic",
        "created_at",
        "updated_at",
        "revision",
    ];
    const ACTION_COLUMNS: [&str; 10] = [
        "id",
        "priority_action_plan_id",
        "recommendation_id",
        "position",
        "description",
        "status",
        "due_on",
        "completed_on",
        "progress_note",
        "revision",
    ];
    const STRATEGIC_COLUMNS: [&str; 11] = [
        "id",
        "area_id",
        "version",
        "title",
        "status",
        "published_on",
        "document_url",
        "is_synthetic",
        "created_at",
        "updated_at",
        "revision",
    ];
    manager
        .create_table(strategic_plans("strategic_plan_next"))
        .await?;
    manager
        .create_table(priority_action_plans("priority_action_plan_next"))
        .await?;
    manager
        .create_table(priority_actions(
            "priority_action_next",
            "priority_action_plan_next",
        ))
        .await?;
    copy(
        manager,
        "strategic_plan",
        "strategic_plan_next",
        &STRATEGIC_COLUMNS,
    )
    .await?;
    copy(
        manager,
        "priority_action_plan",
        "priority_action_plan_next",
        &PLAN_COLUMNS,
    )
    .await?;
    copy(
        manager,
        "priority_action",
        "priority_action_next",
        &ACTION_COLUMNS,
    )
    .await?;
    // Children first: once the old actions are gone nothing refers to the old plans, so
    // dropping them cascades to nothing.
    for table in ["priority_action", "priority_action_plan", "strategic_plan"] {
        manager
            .drop_table(Table::drop().table(Alias::new(table)).to_owned())
            .await?;
    }
    // Renaming a parent rewrites the references to it in its children.
    for table in ["priority_action_plan", "priority_action", "strategic_plan"] {
        manager
            .rename_table(
                Table::rename()
                    .table(Alias::new(format!("{table}_next")), Alias::new(table))
                    .to_owned(),
            )
            .await?;
    }
    manager
        .create_index(
            index(
                "uq_strategic_plan_area_version",
                StrategicPlan::Table,
                vec![
                    StrategicPlan::AreaId.into_iden(),
                    StrategicPlan::Version.into_iden(),
                ],
            )
            .unique()
            .to_owned(),
        )
        .await?;
    manager
        .create_index(index(
            "ix_priority_action_plan_area",
            PriorityActionPlan::Table,
            vec![PriorityActionPlan::AreaId.into_iden()],
        ))
        .await?;
    manager
        .create_index(index(
            "ix_priority_action_plan",
            PriorityAction::Table,
            vec![PriorityAction::PriorityActionPlanId.into_iden()],
        ))
        .await
}

async fn alter_on_postgres(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    replace_check(manager, "strategic_plan", "status", &STRATEGIC_PLAN_STATES).await?;
    replace_check(manager, "priority_action_plan", "status", &PLAN_STATES).await?;
    for mut column in [
        text_null(PriorityActionPlan::Summary),
        text_null(PriorityActionPlan::ReturnReasons),
    ] {
        manager
            .alter_table(
                Table::alter()
                    .table(PriorityActionPlan::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
    }
    manager
        .alter_table(
            Table::alter()
                .table(PriorityAction::Table)
                .add_column(enumeration_null(
                    PriorityAction::ResponsiblePartner,
                    &PARTNERS,
                ))
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, on SQLite too: a rebuild half done would lose the plans.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            rebuild_on_sqlite(manager).await?;
        } else {
            alter_on_postgres(manager).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ActionProgress::Table)
                    .col(pk_auto(ActionProgress::Id))
                    .col(integer(ActionProgress::PriorityActionId))
                    .col(enumeration(ActionProgress::Status, &ACTION_STATES))
                    .col(text_null(ActionProgress::Note))
                    .col(date_null(ActionProgress::CompletedOn))
                    .col(timestamp_with_time_zone(ActionProgress::RecordedAt))
                    .col(text(ActionProgress::ActorSubject))
                    .col(string_null(ActionProgress::ActorOrganisation))
                    .foreign_key(&mut foreign_key(
                        ActionProgress::Table,
                        ActionProgress::PriorityActionId,
                        PriorityAction::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_action_progress_action",
                ActionProgress::Table,
                vec![
                    ActionProgress::PriorityActionId.into_iden(),
                    ActionProgress::Id.into_iden(),
                ],
            ))
            .await
    }
}
