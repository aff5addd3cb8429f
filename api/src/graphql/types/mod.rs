//! The GraphQL object types. Each wraps what a service returned and resolves relations through
//! the request's DataLoader; none queries the database itself.

pub mod area;
pub mod audit;
pub mod connection;
pub mod event;
pub mod inspection;
pub mod oversight;
pub mod plan;
pub mod reference;
pub mod scalars;
pub mod schedule;
pub mod summary;
pub mod viewer;
pub mod webhook;

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, Result, ResultExt};

use super::{
    context,
    loaders::{ById, ChildrenOf},
};
use crate::{
    error::AppError,
    service::{related::Child, scope::Scoped},
};

/// The visible children of a parent, through the request's loader.
pub(crate) async fn children<E>(ctx: &Context<'_>, parent_id: i32) -> Result<Arc<Vec<E::Model>>>
where
    E: Child + Send + Sync,
    E::Model: Clone + Send + Sync,
{
    let loaded = context::loader(ctx)?
        .load_one(ChildrenOf::<E>::new(parent_id))
        .await
        .extend()?;
    Ok(loaded.unwrap_or_default())
}

/// A visible row by id, through the request's loader.
pub(crate) async fn by_id<E>(ctx: &Context<'_>, id: i32) -> Result<Option<E::Model>>
where
    E: Scoped + Send + Sync,
    E::Model: Clone + Send + Sync,
{
    context::loader(ctx)?
        .load_one(ById::<E>::new(id))
        .await
        .extend()
}

/// A parent that must be visible whenever its child is; if the policy ever disagrees, the
/// field fails as not found instead of answering a half-visible object.
pub(crate) async fn parent<E>(ctx: &Context<'_>, id: i32, what: &'static str) -> Result<E::Model>
where
    E: Scoped + Send + Sync,
    E::Model: Clone + Send + Sync,
{
    by_id::<E>(ctx, id)
        .await?
        .ok_or_else(|| AppError::NotFound { what }.extend())
}
