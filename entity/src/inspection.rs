//! An area SEND inspection under either framework, from planning to publication.

use sea_orm::entity::prelude::*;

use crate::enums::{
    InspectionFramework, InspectionKind, InspectionOutcome, InspectionStatus, MonitoringProgress,
    RevisitProgress,
};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub area_id: i32,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub status: InspectionStatus,
    pub planned_start_on: Option<Date>,
    pub notified_on: Option<Date>,
    pub on_site_start_on: Option<Date>,
    pub on_site_end_on: Option<Date>,
    pub draft_shared_on: Option<Date>,
    pub published_on: Option<Date>,
    /// Only for 2023-framework full inspections.
    pub outcome: Option<InspectionOutcome>,
    /// Only for 2016-framework full inspections: whether a written statement of action was required.
    pub wsoa_required: Option<bool>,
    /// Only for 2016-framework revisits.
    pub revisit_progress: Option<RevisitProgress>,
    pub report_url: Option<String>,
    /// Only for 2023-framework monitoring inspections: progress on the areas for priority action.
    pub monitoring_progress: Option<MonitoringProgress>,
    /// The full inspection a monitoring inspection or revisit follows.
    pub follows_inspection_id: Option<i32>,
    /// Why a monitoring inspection was called at the inspectorates' discretion.
    pub discretion_reason: Option<String>,
    /// When a publication takes effect: the report stays embargoed until this instant.
    pub publish_at: Option<DateTimeUtc>,
    /// Why a set publication was held.
    pub held_reason: Option<String>,
    pub cancellation_reason: Option<String>,
    pub signed_off_by_ofsted: bool,
    pub signed_off_by_cqc: bool,
    /// 1 on creation, one more on every change.
    pub revision: i32,
    /// Part of the synthetic demo history, never a real inspection.
    pub is_synthetic: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaId",
        to = "super::area::Column::Id"
    )]
    Area,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
