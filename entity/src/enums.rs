//! Every enumeration of the model. Stored values are snake_case text; GraphQL names are the
//! SCREAMING_SNAKE_CASE of the variant unless stated.

use sea_orm::entity::prelude::*;

/// An English region as the ONS names it (nine regions).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Region {
    /// North East.
    #[sea_orm(string_value = "north_east")]
    NorthEast,
    /// North West.
    #[sea_orm(string_value = "north_west")]
    NorthWest,
    /// Yorkshire and The Humber.
    #[sea_orm(string_value = "yorkshire_and_the_humber")]
    YorkshireAndTheHumber,
    /// East Midlands.
    #[sea_orm(string_value = "east_midlands")]
    EastMidlands,
    /// West Midlands.
    #[sea_orm(string_value = "west_midlands")]
    WestMidlands,
    /// East of England.
    #[sea_orm(string_value = "east_of_england")]
    EastOfEngland,
    /// London.
    #[sea_orm(string_value = "london")]
    London,
    /// South East.
    #[sea_orm(string_value = "south_east")]
    SouthEast,
    /// South West.
    #[sea_orm(string_value = "south_west")]
    SouthWest,
}

/// An NHS England region (seven regions; not the same as the ONS regions).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NhsRegion {
    /// London.
    #[sea_orm(string_value = "london")]
    London,
    /// South East.
    #[sea_orm(string_value = "south_east")]
    SouthEast,
    /// South West.
    #[sea_orm(string_value = "south_west")]
    SouthWest,
    /// East of England.
    #[sea_orm(string_value = "east_of_england")]
    EastOfEngland,
    /// Midlands.
    #[sea_orm(string_value = "midlands")]
    Midlands,
    /// North East and Yorkshire.
    #[sea_orm(string_value = "north_east_and_yorkshire")]
    NorthEastAndYorkshire,
    /// North West.
    #[sea_orm(string_value = "north_west")]
    NorthWest,
}

/// The kind of an upper-tier local authority, from its ONS code series.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LocalAuthorityType {
    /// A county council (E10).
    #[sea_orm(string_value = "county")]
    County,
    /// A unitary authority (E06), the Isles of Scilly included.
    #[sea_orm(string_value = "unitary")]
    Unitary,
    /// A metropolitan district (E08).
    #[sea_orm(string_value = "metropolitan_district")]
    MetropolitanDistrict,
    /// A London borough (E09).
    #[sea_orm(string_value = "london_borough")]
    LondonBorough,
    /// The City of London Corporation (E09000001): E09-coded but not a London borough.
    #[sea_orm(string_value = "city_corporation")]
    CityCorporation,
}

/// The inspection framework an inspection was carried out under.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InspectionFramework {
    /// The 2016 framework (May 2016 to 2022): findings, written statements of action, revisits.
    #[sea_orm(string_value = "2016")]
    #[graphql(name = "FRAMEWORK_2016")]
    Framework2016,
    /// The 2023 framework: a continuous cycle of full and monitoring inspections with outcomes.
    #[sea_orm(string_value = "2023")]
    #[graphql(name = "FRAMEWORK_2023")]
    Framework2023,
}

/// What sort of inspection it is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InspectionKind {
    /// A full inspection of the local area partnership.
    #[sea_orm(string_value = "full")]
    Full,
    /// A 2023-framework monitoring inspection of progress on the areas for priority action.
    #[sea_orm(string_value = "monitoring")]
    Monitoring,
    /// A 2016-framework revisit of an area that had to write a written statement of action.
    #[sea_orm(string_value = "revisit")]
    Revisit,
}

/// Where an inspection is in its lifecycle.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InspectionStatus {
    /// Planned by the inspectorates; the area has not been notified.
    #[sea_orm(string_value = "planned")]
    Planned,
    /// The area has been notified.
    #[sea_orm(string_value = "notified")]
    Notified,
    /// Inspectors are on site.
    #[sea_orm(string_value = "on_site")]
    OnSite,
    /// On-site work is over and the report is being drafted.
    #[sea_orm(string_value = "reporting")]
    Reporting,
    /// The draft report has been shared with the area for a factual-accuracy check.
    #[sea_orm(string_value = "draft_shared")]
    DraftShared,
    /// The report is published.
    #[sea_orm(string_value = "published")]
    Published,
    /// The inspection was cancelled.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// The outcome of a 2023-framework full inspection.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InspectionOutcome {
    /// Outcome 1: arrangements typically lead to positive experiences and outcomes.
    #[sea_orm(string_value = "1")]
    #[graphql(name = "OUTCOME_1")]
    Outcome1,
    /// Outcome 2: inconsistent experiences and outcomes; partners must work jointly to improve.
    #[sea_orm(string_value = "2")]
    #[graphql(name = "OUTCOME_2")]
    Outcome2,
    /// Outcome 3: widespread and/or systemic failings; significant concerns to address urgently.
    #[sea_orm(string_value = "3")]
    #[graphql(name = "OUTCOME_3")]
    Outcome3,
}

/// The overall judgement of a 2016-framework revisit on the significant weaknesses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RevisitProgress {
    /// Sufficient progress on every significant weakness.
    #[sea_orm(string_value = "all")]
    SufficientInAll,
    /// Sufficient progress on some significant weaknesses.
    #[sea_orm(string_value = "some")]
    SufficientInSome,
    /// Sufficient progress on none of the significant weaknesses.
    #[sea_orm(string_value = "none")]
    SufficientInNone,
}

/// What a 2023-framework monitoring inspection found of the partnership's progress on the areas
/// for priority action of the full inspection it follows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MonitoringProgress {
    /// Sufficient progress on the areas for priority action.
    #[sea_orm(string_value = "sufficient")]
    Sufficient,
    /// Insufficient progress on the areas for priority action.
    #[sea_orm(string_value = "insufficient")]
    Insufficient,
}

/// An inspectorate: the two that inspect areas jointly and sign off each report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum Inspectorate {
    /// Ofsted.
    Ofsted,
    /// The Care Quality Commission.
    Cqc,
}

/// Which partner a recommendation names as primarily responsible.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ResponsiblePartner {
    /// The local authority.
    #[sea_orm(string_value = "local_authority")]
    LocalAuthority,
    /// The integrated care board.
    #[sea_orm(string_value = "integrated_care_board")]
    IntegratedCareBoard,
    /// The partnership jointly, or partners other than the LA and ICB.
    #[sea_orm(string_value = "partnership")]
    Partnership,
}

/// Where a strategic plan version is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StrategicPlanStatus {
    /// Being written by the area; only its partners see it.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Published by the area.
    #[sea_orm(string_value = "published")]
    Published,
    /// A draft the area withdrew; it is in no list.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

/// Where a priority action plan is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PriorityActionPlanStatus {
    /// Being written by the area; only its partners see it.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Submitted to Ofsted and the CQC, for feedback from DfE and NHS England.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// Returned by DfE or NHS England with reasons: the area revises and resubmits it.
    #[sea_orm(string_value = "returned")]
    Returned,
    /// Acknowledged by DfE or NHS England: the area may publish it.
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    /// Published by the area.
    #[sea_orm(string_value = "published")]
    Published,
}

/// Progress on one action of a priority action plan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ActionStatus {
    /// Not started.
    #[sea_orm(string_value = "not_started")]
    NotStarted,
    /// Under way.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Done.
    #[sea_orm(string_value = "completed")]
    Completed,
}

/// Where an engagement meeting is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EngagementMeetingStatus {
    /// Scheduled with the area, not yet held.
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    /// Held.
    #[sea_orm(string_value = "held")]
    Held,
    /// Cancelled.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// The body that makes an intervention.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InterventionBody {
    /// The Department for Education.
    #[sea_orm(string_value = "dfe")]
    Dfe,
    /// NHS England.
    #[sea_orm(string_value = "nhs_england")]
    NhsEngland,
}

/// What sort of intervention it is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InterventionKind {
    /// Support offered to the partnership.
    #[sea_orm(string_value = "support")]
    Support,
    /// Challenge, such as enhanced monitoring.
    #[sea_orm(string_value = "challenge")]
    Challenge,
    /// A statutory improvement notice.
    #[sea_orm(string_value = "improvement_notice")]
    StatutoryImprovementNotice,
    /// A statutory direction.
    #[sea_orm(string_value = "direction")]
    StatutoryDirection,
}

/// Where an intervention is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InterventionStatus {
    /// Being decided; not announced.
    #[sea_orm(string_value = "proposed")]
    Proposed,
    /// Announced and in force.
    #[sea_orm(string_value = "announced")]
    Announced,
    /// Announced earlier and now lifted.
    #[sea_orm(string_value = "ended")]
    Ended,
}

/// What kind of body a succession concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SuccessionKind {
    #[sea_orm(string_value = "local_authority")]
    LocalAuthority,
    #[sea_orm(string_value = "integrated_care_board")]
    IntegratedCareBoard,
}

/// A signed-in caller's role, from its token; recorded with each audited change.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    /// Ofsted, which inspects jointly with the CQC.
    #[sea_orm(string_value = "ofsted")]
    Ofsted,
    /// The Care Quality Commission.
    #[sea_orm(string_value = "cqc")]
    Cqc,
    /// The Department for Education.
    #[sea_orm(string_value = "dfe")]
    Dfe,
    /// NHS England.
    #[sea_orm(string_value = "nhs_england")]
    NhsEngland,
    /// A local authority or ICB of a local area partnership.
    #[sea_orm(string_value = "local_partner")]
    LocalPartner,
}

/// What a domain event announces, for partners who subscribe to events or receive webhooks.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EventType {
    /// An area was told an inspection is coming.
    #[sea_orm(string_value = "inspection_notified")]
    InspectionNotified,
    /// The draft report went to the area for factual accuracy checks.
    #[sea_orm(string_value = "draft_report_shared")]
    DraftReportShared,
    /// A report became public: when it was published, or at its `publishAt` if embargoed.
    #[sea_orm(string_value = "report_published")]
    ReportPublished,
    #[sea_orm(string_value = "priority_action_plan_submitted")]
    PriorityActionPlanSubmitted,
    #[sea_orm(string_value = "priority_action_plan_returned")]
    PriorityActionPlanReturned,
    #[sea_orm(string_value = "priority_action_plan_acknowledged")]
    PriorityActionPlanAcknowledged,
    #[sea_orm(string_value = "priority_action_plan_published")]
    PriorityActionPlanPublished,
    #[sea_orm(string_value = "strategic_plan_published")]
    StrategicPlanPublished,
    #[sea_orm(string_value = "intervention_announced")]
    InterventionAnnounced,
    #[sea_orm(string_value = "intervention_ended")]
    InterventionEnded,
    #[sea_orm(string_value = "engagement_meeting_held")]
    EngagementMeetingHeld,
    /// A local authority or ICB was created, renamed, merged or abolished.
    #[sea_orm(string_value = "reference_data_changed")]
    ReferenceDataChanged,
    /// Something on an area's schedule falls due today (computed each day, not made by a
    /// change).
    #[sea_orm(string_value = "schedule_item_due")]
    ScheduleItemDue,
    /// Something on an area's schedule was due yesterday and is not done (computed each day).
    #[sea_orm(string_value = "schedule_item_overdue")]
    ScheduleItemOverdue,
}

/// Whether a webhook subscription is being delivered to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[graphql(name = "WebhookSubscriptionStatus")]
pub enum WebhookStatus {
    /// Events are delivered as they happen.
    #[sea_orm(string_value = "active")]
    Active,
    /// Paused by its owner: events wait, and are delivered when it resumes.
    #[sea_orm(string_value = "paused")]
    Paused,
    /// An event could not be delivered for the whole retry window: events wait until the owner
    /// resumes it.
    #[sea_orm(string_value = "failing")]
    Failing,
}
