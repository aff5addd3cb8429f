//! An NHS integrated care board: the NHS member of local area partnerships since 1 July 2022.

use sea_orm::entity::prelude::*;

use crate::enums::NhsRegion;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integrated_care_board")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// ONS (GSS) code, e.g. E54000050.
    #[sea_orm(unique)]
    pub ons_code: String,
    /// NHS ODS code, e.g. QHM.
    #[sea_orm(unique)]
    pub ods_code: String,
    pub name: String,
    pub nhs_region: NhsRegion,
    /// The day it was established; `None` if before the records begin (1 July 2022).
    pub valid_from: Option<Date>,
    /// The day it was abolished (exclusive); `None` while it exists.
    pub valid_to: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
