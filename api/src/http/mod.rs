//! The HTTP surface: the router, its layers, and serving with graceful shutdown.
//!
//! Knows only the GraphQL schema's entry points ([`build_schema`](crate::graphql::build_schema),
//! [`for_viewer`](crate::graphql::for_viewer)), never services or the database schema.

mod export;
mod graphiql;
mod graphql;
mod health;
mod idempotency;
mod kept;
mod websocket;

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    http::{HeaderName, HeaderValue, Method, Request, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use chrono::{NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    auth::Authenticator, config::RequestLimits, error::Code, graphql::AppSchema, policy::Viewer,
    rate_limit::RateLimiter,
};

pub use kept::ResponseCache;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub authenticator: Arc<Authenticator>,
    pub limits: RequestLimits,
    pub rate_limiter: Arc<RateLimiter>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub responses: Arc<ResponseCache>,
}

/// The application's routes and layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", any(graphql::handle))
        .route("/graphql/ws", get(websocket::upgrade))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/export/{file}", get(export::export))
        .route("/health", get(health::ready))
        .route("/health/ready", get(health::ready))
        .route("/health/live", get(health::live))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(state)
        // One layer of the whole stack, outermost first: each `Router::layer` call would box
        // the routes again, and every request would clone and poll through each box.
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(drop_unusable_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .on_response(DefaultOnResponse::new().level(Level::INFO))
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|id| id.to_str().ok())
                                .unwrap_or_default();
                            let span = tracing::info_span!(
                                "request",
                                method = %request.method(),
                                path = %request.uri().path(),
                                request_id,
                                viewer = tracing::field::Empty,
                            );
                            crate::telemetry::continue_trace(&span, request.headers());
                            span
                        }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| internal_error()))
                .layer(cors())
                .layer(CompressionLayer::new()),
        )
}

/// A caller's own `x-request-id` is kept, so that its logs and ours can be joined, but only
/// if it is short and plain: anything else would go into every log line and error of the
/// request as given. Without one, the server makes a UUID.
async fn drop_unusable_request_id<B>(mut request: Request<B>) -> Request<B> {
    let usable = request.headers().get(REQUEST_ID).is_none_or(|id| {
        (1..=64).contains(&id.len())
            && id
                .as_bytes()
                .iter()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
    });
    if !usable {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// The Prometheus scrape.
async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            crate::metrics::render(handle, &state.db),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Every refusal is a GraphQL-shaped error with a code, unknown paths included.
async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        "nothing is served at this path; GraphQL is at /graphql",
    )
}

/// What a panic outside GraphQL execution answers; the panic hook has logged it, in the
/// request's span. The request id is in the `x-request-id` header.
fn internal_error() -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        Code::Internal,
        "internal error",
    )
}

/// A refusal outside GraphQL, in the shape of a GraphQL error so that clients read one shape.
/// A refusal that passes (rate limited, unavailable) says when to retry, as GraphQL's do.
fn error_response(status: StatusCode, code: Code, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    let mut response = (status, axum::Json(body)).into_response();
    if matches!(
        status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
    ) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// The address of the peer that sent the request, as the server accepted the connection.
fn client_address<B>(request: &Request<B>) -> Option<std::net::IpAddr> {
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Why a request's credentials did not yield a viewer; each transport answers it its own way.
enum AuthFailure {
    /// The credentials were checked and refused (HTTP 401, websocket 4403).
    Refused,
    /// They could not be checked: the key provider or the database failed (HTTP 503, 1011).
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
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            HeaderName::from_static(idempotency::HEADER),
        ])
        .expose_headers([
            REQUEST_ID,
            HeaderName::from_static("ratelimit"),
            HeaderName::from_static("ratelimit-policy"),
            header::RETRY_AFTER,
            HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish within `grace`.
pub async fn serve(listener: TcpListener, router: Router, grace: Duration) -> io::Result<()> {
    serve_until(listener, router, shutdown_signal(), grace).await
}

/// Serves until `shutdown` completes; requests still running `grace` later are aborted (the
/// caller then returns, and the runtime drops their tasks).
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> io::Result<()> {
    let address: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?address, "serving GraphQL at /graphql");
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(?grace, "shutting down: finishing in-flight requests");
        let _ = signalled.send(true);
    });
    let grace_over = async move {
        if on_signal.wait_for(|signalled| *signalled).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server.into_future() => result,
        () = grace_over => {
            tracing::warn!("shutdown grace period over: aborting the requests still running");
            Ok(())
        }
    }
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
}
