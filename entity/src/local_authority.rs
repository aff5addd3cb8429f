//! An upper-tier local authority: the LA member of a local area partnership.

use sea_orm::entity::prelude::*;

use crate::enums::{LocalAuthorityType, Region};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_authority")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// ONS (GSS) code, e.g. E06000001.
    #[sea_orm(unique)]
    pub ons_code: String,
    pub name: String,
    pub region: Region,
    pub la_type: LocalAuthorityType,
    /// The day it came into existence; `None` if before the records begin.
    pub valid_from: Option<Date>,
    /// The day it ceased to exist (exclusive); `None` while it exists.
    pub valid_to: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::area::Entity")]
    Area,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
