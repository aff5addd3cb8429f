//! The first response to a mutation sent with an `Idempotency-Key`, kept so that a retry with
//! the same key gets it again instead of changing anything twice.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whose key it is: keys are scoped to one caller.
    pub caller: String,
    pub key: String,
    /// A digest of the request, so that a key reused for a different request is refused.
    pub fingerprint: String,
    /// Null while the first request with the key is being answered.
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
