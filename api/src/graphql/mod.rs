//! The GraphQL schema: types, the query root, loaders, global IDs and error codes.
//!
//! Depends on services, never on the database directly; `http` knows only [`build_schema`] and
//! [`for_viewer`].

pub mod cost;
mod error;
mod id;
mod limits;
mod loaders;
mod mutation;
pub mod operation;
pub mod persisted;
mod query;
mod sharing;
mod subscription;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
mod types;

use async_graphql::{Context, Data, ErrorExtensions, Request, Result, ResultExt, Schema};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use std::sync::Arc;

use crate::{
    config::{RequestLimits, WebhookSettings},
    data_version::DataVersion,
    error::AppError,
    policy::Viewer,
    rate_limit::RateLimiter,
};
use loaders::{AreaById, RequestLoader, request_loader};
use persisted::PersistedQueries;
use types::area::Area;

pub use limits::{Budget, Refusal, answer_cost};
pub use mutation::Mutation;
pub use query::Query;
pub use sharing::Shareable;
pub use subscription::Subscription;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema. It does not touch the database, so a disconnected connection will do for
/// exporting the SDL. Its mutations move `data_version` on; its subscriptions wait on it.
pub fn build_schema(
    db: DatabaseConnection,
    limits: RequestLimits,
    rate_limiter: Arc<RateLimiter>,
    data_version: Arc<DataVersion>,
    webhooks: WebhookSettings,
    persisted: Arc<PersistedQueries>,
) -> AppSchema {
    let builder = Schema::build(Query, Mutation::default(), Subscription)
        // First, so that every later step sees the document a hash names.
        .extension(persisted::Resolver(persisted))
        .data(db)
        .data(data_version.clone())
        .data(webhooks)
        .disable_suggestions()
        .extension(error::ErrorCodes)
        .extension(limits::Limits {
            request_timeout: limits.request_timeout(),
            limits,
            rate_limiter,
        })
        .extension(sharing::Sharing { data_version });
    #[cfg(feature = "test-hooks")]
    let builder = builder.extension(test_hooks::PanicOnRequest);
    builder.finish()
}

/// What one request runs with: who asks, which day "today" is, and whose rate-limit bucket
/// pays for it.
struct RequestScope {
    viewer: Viewer,
    today: NaiveDate,
    /// None while rate limiting is off.
    rate_key: Option<String>,
}

/// Attaches a viewer, and a DataLoader that loads as that viewer, to a request; `today` is the
/// day (UTC) the request runs on.
pub fn for_viewer(
    request: Request,
    db: &DatabaseConnection,
    viewer: Viewer,
    today: NaiveDate,
    rate_key: Option<String>,
) -> Request {
    request
        .data(request_loader(db.clone(), viewer.clone()))
        .data(RequestScope {
            viewer,
            today,
            rate_key,
        })
}

/// The same for every operation of a websocket connection. Its loader still batches but keeps
/// no cache: a connection lives long, and its operations must not read each other's stale rows.
pub fn for_connection(
    db: &DatabaseConnection,
    viewer: Viewer,
    today: NaiveDate,
    rate_key: Option<String>,
) -> Data {
    let loader = request_loader(db.clone(), viewer.clone());
    loader.enable_all_cache(false);
    let mut data = Data::default();
    data.insert(loader);
    data.insert(RequestScope {
        viewer,
        today,
        rate_key,
    });
    data
}

/// Per-request data, missing only if a request bypassed [`for_viewer`]: a bug, answered as an
/// internal error rather than a panic.
mod context {
    use super::*;

    fn scope<'a>(ctx: &Context<'a>) -> Result<&'a RequestScope> {
        ctx.data::<RequestScope>()
            .map_err(|_| missing("request scope"))
    }

    fn missing(what: &str) -> async_graphql::Error {
        tracing::error!(what, "request data missing");
        AppError::Internal.extend()
    }

    pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
        Ok(&scope(ctx)?.viewer)
    }

    pub fn today(ctx: &Context<'_>) -> Result<NaiveDate> {
        Ok(scope(ctx)?.today)
    }

    pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection> {
        ctx.data::<DatabaseConnection>()
            .map_err(|_| missing("database"))
    }

    pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a RequestLoader> {
        ctx.data::<RequestLoader>().map_err(|_| missing("loader"))
    }

    /// An object's area, which is visible to everyone who can see the object.
    pub async fn area(ctx: &Context<'_>, area_id: i32) -> Result<Area> {
        let record = loader(ctx)?.load_one(AreaById(area_id)).await.extend()?;
        record
            .map(Area)
            .ok_or_else(|| AppError::NotFound { what: "area" }.extend())
    }
}
