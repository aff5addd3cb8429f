//! `GET /health`: 200 when the database answers, 503 when it does not.

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::AppState;

pub async fn check(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
