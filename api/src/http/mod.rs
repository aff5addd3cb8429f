//! The HTTP surface: the router, its layers, and serving with graceful shutdown.
//!
//! Knows only the GraphQL schema's entry points ([`build_schema`](crate::graphql::build_schema),
//! [`for_viewer`](crate::graphql::for_viewer)), never services or the database schema.

mod graphql;
mod health;
mod websocket;

use std::{io, net::SocketAddr, time::Duration};

use axum::{
    Router,
    http::{HeaderName, Method, Request, StatusCode, header},
    routing::get,
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{
    cors::{Any, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::{auth::Authenticator, graphql::AppSchema, policy::Viewer};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub authenticator: Arc<Authenticator>,
}

/// The application's routes and layers.
pub fn router(state: AppState, max_body_bytes: usize, request_timeout: Duration) -> Router {
    Router::new()
        .route("/graphql", get(graphql::graphiql).post(graphql::execute))
        .route("/graphql/ws", get(websocket::upgrade))
        .route("/health", get(health::check))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(cors())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|id| id.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id,
                        viewer = tracing::field::Empty,
                    )
                }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Why a request's credentials did not yield a viewer; each transport answers it its own way.
enum AuthFailure {
    /// The credentials were checked and refused (HTTP 401, websocket 4403).
    Refused,
    /// They could not be checked: the key provider or the database failed (HTTP 500, 1011).
    Unavailable,
}

/// The viewer behind an `Authorization` value, and the day (UTC) it is served on. Logs why
/// credentials failed, once, for both HTTP and websocket callers.
async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<(Viewer, NaiveDate), AuthFailure> {
    let today = Utc::now().date_naive();
    match state
        .authenticator
        .viewer(&state.db, authorization, today)
        .await
    {
        Ok(viewer) => Ok((viewer, today)),
        Err(rejection) if rejection.is_internal() => {
            tracing::error!(error = %rejection, "cannot check the credentials");
            Err(AuthFailure::Unavailable)
        }
        Err(rejection) => {
            tracing::info!(reason = %rejection, "refused credentials");
            Err(AuthFailure::Refused)
        }
    }
}

/// Browser dashboards on any origin may call the API: credentials are bearer tokens, never
/// cookies, so a cross-site page gains nothing the caller did not hand it. Preflights still
/// apply, and only JSON bodies execute.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .expose_headers([REQUEST_ID])
        .max_age(Duration::from_secs(3600))
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn serve(listener: TcpListener, router: Router) -> io::Result<()> {
    let address: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?address, "serving GraphQL at /graphql");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
