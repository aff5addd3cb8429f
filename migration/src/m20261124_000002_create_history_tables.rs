//! What happens to areas over time: inspections and their recommendations, strategic plans,
//! priority action plans and their actions, engagement meetings and interventions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{enumeration, enumeration_null, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Area {
    Table,
}

#[derive(DeriveIden, Clone)]
enum Inspection {
    Table,
    Id,
    AreaId,
    Framework,
    Kind,
    Status,
    PlannedStartOn,
    NotifiedOn,
    OnSiteStartOn,
    OnSiteEndOn,
    DraftSharedOn,
    PublishedOn,
    Outcome,
    WsoaRequired,
    RevisitProgress,
    ReportUrl,
    IsSynthetic,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Recommendation {
    Table,
    Id,
    InspectionId,
    Position,
    Text,
    ResponsiblePartner,
    IsAreaForPriorityAction,
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
}

// Iden names mirror column names; `priority_action.priority_action_plan_id` repeats the table name.
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
}

#[derive(DeriveIden, Clone)]
enum EngagementMeeting {
    Table,
    Id,
    AreaId,
    Status,
    ScheduledFor,
    HeldOn,
    IsSynthetic,
}

#[derive(DeriveIden, Clone)]
enum Intervention {
    Table,
    Id,
    AreaId,
    Body,
    Kind,
    Status,
    Summary,
    AnnouncedOn,
    EndedOn,
    IsSynthetic,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Inspection::Table)
                    .col(pk_auto(Inspection::Id))
                    .col(integer(Inspection::AreaId))
                    .col(enumeration(Inspection::Framework, &["2016", "2023"]))
                    .col(enumeration(
                        Inspection::Kind,
                        &["full", "monitoring", "revisit"],
                    ))
                    .col(enumeration(
                        Inspection::Status,
                        &[
                            "planned",
                            "notified",
                            "on_site",
                            "reporting",
                            "draft_shared",
                            "published",
                            "cancelled",
                        ],
                    ))
                    .col(date_null(Inspection::PlannedStartOn))
                    .col(date_null(Inspection::NotifiedOn))
                    .col(date_null(Inspection::OnSiteStartOn))
                    .col(date_null(Inspection::OnSiteEndOn))
                    .col(date_null(Inspection::DraftSharedOn))
                    .col(date_null(Inspection::PublishedOn))
                    .col(enumeration_null(Inspection::Outcome, &["1", "2", "3"]))
                    .col(boolean_null(Inspection::WsoaRequired))
                    .col(enumeration_null(
                        Inspection::RevisitProgress,
                        &["all", "some", "none"],
                    ))
                    .col(text_null(Inspection::ReportUrl))
                    .col(boolean(Inspection::IsSynthetic))
                    .col(timestamp_with_time_zone(Inspection::CreatedAt))
                    .col(timestamp_with_time_zone(Inspection::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Inspection::Table,
                        Inspection::AreaId,
                        Area::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_inspection_area",
                Inspection::Table,
                vec![Inspection::AreaId.into_iden()],
            ))
            .await?;
        // The outcomes feed pages in (updated_at, id) order.
        manager
            .create_index(index(
                "ix_inspection_updated",
                Inspection::Table,
                vec![
                    Inspection::UpdatedAt.into_iden(),
                    Inspection::Id.into_iden(),
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Recommendation::Table)
                    .col(pk_auto(Recommendation::Id))
                    .col(integer(Recommendation::InspectionId))
                    .col(integer(Recommendation::Position))
                    .col(text(Recommendation::Text))
                    .col(enumeration(
                        Recommendation::ResponsiblePartner,
                        &["local_authority", "integrated_care_board", "partnership"],
                    ))
                    .col(boolean(Recommendation::IsAreaForPriorityAction))
                    .foreign_key(&mut foreign_key(
                        Recommendation::Table,
                        Recommendation::InspectionId,
                        Inspection::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_recommendation_position",
                    Recommendation::Table,
                    vec![
                        Recommendation::InspectionId.into_iden(),
                        Recommendation::Position.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StrategicPlan::Table)
                    .col(pk_auto(StrategicPlan::Id))
                    .col(integer(StrategicPlan::AreaId))
                    .col(integer(StrategicPlan::Version))
                    .col(text(StrategicPlan::Title))
                    .col(enumeration(StrategicPlan::Status, &["draft", "published"]))
                    .col(date_null(StrategicPlan::PublishedOn))
                    .col(text_null(StrategicPlan::DocumentUrl))
                    .col(boolean(StrategicPlan::IsSynthetic))
                    .col(timestamp_with_time_zone(StrategicPlan::CreatedAt))
                    .col(timestamp_with_time_zone(StrategicPlan::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        StrategicPlan::Table,
                        StrategicPlan::AreaId,
                        Area::Table,
                    ))
                    .to_owned(),
            )
            .await?;
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
            .create_table(
                Table::create()
                    .table(PriorityActionPlan::Table)
                    .col(pk_auto(PriorityActionPlan::Id))
                    .col(integer(PriorityActionPlan::AreaId))
                    .col(integer_uniq(PriorityActionPlan::InspectionId))
                    .col(enumeration(
                        PriorityActionPlan::Status,
                        &["draft", "submitted", "published"],
                    ))
                    .col(date_null(PriorityActionPlan::SubmittedOn))
                    .col(date_null(PriorityActionPlan::AcknowledgedOn))
                    .col(date_null(PriorityActionPlan::PublishedOn))
                    .col(text_null(PriorityActionPlan::DocumentUrl))
                    .col(boolean(PriorityActionPlan::IsSynthetic))
                    .col(timestamp_with_time_zone(PriorityActionPlan::CreatedAt))
                    .col(timestamp_with_time_zone(PriorityActionPlan::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        PriorityActionPlan::Table,
                        PriorityActionPlan::AreaId,
                        Area::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PriorityActionPlan::Table,
                        PriorityActionPlan::InspectionId,
                        Inspection::Table,
                    ))
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
            .create_table(
                Table::create()
                    .table(PriorityAction::Table)
                    .col(pk_auto(PriorityAction::Id))
                    .col(integer(PriorityAction::PriorityActionPlanId))
                    .col(integer_null(PriorityAction::RecommendationId))
                    .col(integer(PriorityAction::Position))
                    .col(text(PriorityAction::Description))
                    .col(enumeration(
                        PriorityAction::Status,
                        &["not_started", "in_progress", "completed"],
                    ))
                    .col(date_null(PriorityAction::DueOn))
                    .col(date_null(PriorityAction::CompletedOn))
                    .col(text_null(PriorityAction::ProgressNote))
                    .foreign_key(&mut foreign_key(
                        PriorityAction::Table,
                        PriorityAction::PriorityActionPlanId,
                        PriorityActionPlan::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PriorityAction::Table,
                        PriorityAction::RecommendationId,
                        Recommendation::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_priority_action_plan",
                PriorityAction::Table,
                vec![PriorityAction::PriorityActionPlanId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EngagementMeeting::Table)
                    .col(pk_auto(EngagementMeeting::Id))
                    .col(integer(EngagementMeeting::AreaId))
                    .col(enumeration(
                        EngagementMeeting::Status,
                        &["scheduled", "held", "cancelled"],
                    ))
                    .col(date(EngagementMeeting::ScheduledFor))
                    .col(date_null(EngagementMeeting::HeldOn))
                    .col(boolean(EngagementMeeting::IsSynthetic))
                    .foreign_key(&mut foreign_key(
                        EngagementMeeting::Table,
                        EngagementMeeting::AreaId,
                        Area::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_engagement_meeting_area",
                EngagementMeeting::Table,
                vec![EngagementMeeting::AreaId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Intervention::Table)
                    .col(pk_auto(Intervention::Id))
                    .col(integer(Intervention::AreaId))
                    .col(enumeration(Intervention::Body, &["dfe", "nhs_england"]))
                    .col(enumeration(
                        Intervention::Kind,
                        &["support", "challenge", "improvement_notice", "direction"],
                    ))
                    .col(enumeration(
                        Intervention::Status,
                        &["proposed", "announced", "ended"],
                    ))
                    .col(text(Intervention::Summary))
                    .col(date_null(Intervention::AnnouncedOn))
                    .col(date_null(Intervention::EndedOn))
                    .col(boolean(Intervention::IsSynthetic))
                    .foreign_key(&mut foreign_key(
                        Intervention::Table,
                        Intervention::AreaId,
                        Area::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_intervention_area",
                Intervention::Table,
                vec![Intervention::AreaId.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Intervention::Table.into_iden(),
            EngagementMeeting::Table.into_iden(),
            PriorityAction::Table.into_iden(),
            PriorityActionPlan::Table.into_iden(),
            StrategicPlan::Table.into_iden(),
            Recommendation::Table.into_iden(),
            Inspection::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
