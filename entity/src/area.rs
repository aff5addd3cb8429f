//! A local area partnership: one per upper-tier local authority.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "area")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The local authority whose area this is; the area takes its code and name.
    #[sea_orm(unique)]
    pub local_authority_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::local_authority::Entity",
        from = "Column::LocalAuthorityId",
        to = "super::local_authority::Column::Id"
    )]
    LocalAuthority,
}

impl Related<super::local_authority::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LocalAuthority.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
