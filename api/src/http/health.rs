//! Health for orchestrators: `/health/live` answers while the process serves (no I/O);
//! `/health/ready` (and `/health`) answer 200 only if the database answers within a short
//! bound, so each replies within a second whatever the database does.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::AppState;

/// How long readiness waits for the database before calling it unavailable.
const READY_TIMEOUT: Duration = Duration::from_millis(500);

pub async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn ready(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await;
    match ping {
        Ok(Ok(())) => Json(json!({ "status": "ok" })).into_response(),
        failure => {
            match failure {
                Ok(Err(error)) => tracing::warn!(%error, "not ready: the database failed"),
                _ => tracing::warn!("not ready: the database did not answer in time"),
            }
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}
