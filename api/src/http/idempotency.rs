//! The `Idempotency-Key` header (IETF draft "The Idempotency-Key HTTP Header Field"): a caller
//! that retries a mutation with the same key within 24 hours gets the first response again,
//! and nothing changes twice. Only a single mutation from a signed-in caller is keyed; the key
//! is the caller's own (scoped by the token's subject).

use std::sync::Arc;

use async_graphql::parser::{parse_query, types::OperationType};
use axum::http::{HeaderMap, HeaderValue};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, Code},
    policy::Viewer,
    service::idempotency::{Claim, Prior},
};

pub const HEADER: &str = "idempotency-key";
/// Keys are opaque to the server; a UUID is 36 characters.
const MAX_KEY_LENGTH: usize = 255;

/// What to do with a request, given its key.
pub enum Keyed {
    /// No key, or nothing a key applies to: run it as usual.
    Unkeyed,
    /// Run it under this claim, and keep its response.
    Claimed(Arc<Claim>),
    /// Answer with the first response again.
    Replay {
        status: u16,
        body: String,
    },
    Refuse(Code, String),
}

/// The key a request carries, checked: `Err` for one that is not a short visible string.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, (Code, String)> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let bad = || {
        (
            Code::BadRequest,
            format!("Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters"),
        )
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    let visible = text.bytes().all(|byte| byte.is_ascii_graphic());
    if text.is_empty() || text.len() > MAX_KEY_LENGTH || !visible {
        return Err(bad());
    }
    Ok(Some(text.to_owned()))
}

/// Decides how a keyed request runs: only one operation that is a mutation, from a signed-in
/// caller, is keyed.
pub async fn claim(
    db: &DatabaseConnection,
    key: Option<String>,
    viewer: &Viewer,
    requests: &[async_graphql::Request],
) -> Keyed {
    let Some(key) = key else {
        return Keyed::Unkeyed;
    };
    let [request] = requests else {
        return Keyed::Refuse(
            Code::BadRequest,
            "Idempotency-Key applies to one operation, not a batch".to_owned(),
        );
    };
    let Viewer::SignedIn(caller) = viewer else {
        return Keyed::Unkeyed;
    };
    if request.query.is_empty() {
        // Whether a persisted query's hash names a mutation is known only once it is looked up.
        return Keyed::Refuse(
            Code::BadRequest,
            "send a request with an Idempotency-Key with its document, not a persisted query's hash alone"
                .to_owned(),
        );
    }
    if !is_mutation(request) {
        return Keyed::Unkeyed;
    }
    let claim = Claim::new(caller.subject.clone(), key, fingerprint(request));
    match claim.prior(db, Utc::now()).await {
        Ok(Prior::Nothing) => Keyed::Claimed(Arc::new(claim)),
        Ok(Prior::Answered { status, body }) => Keyed::Replay { status, body },
        Ok(Prior::Pending) => Keyed::Refuse(
            Code::IdempotencyConflict,
            AppError::IdempotencyConflict.to_string(),
        ),
        Ok(Prior::Reused) => Keyed::Refuse(
            Code::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request; use a new key".to_owned(),
        ),
        Err(error) => Keyed::Refuse(error.code(), error.to_string()),
    }
}

pub(super) fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = parse_query(&request.query) else {
        return false;
    };
    crate::graphql::operation::selected(&document, request.operation_name.as_deref())
        .is_some_and(|(_, operation)| operation.node.ty == OperationType::Mutation)
}

/// A digest of what the request asks, so that a key reused for another request is caught.
fn fingerprint(request: &async_graphql::Request) -> String {
    let mut digest = Sha256::new();
    digest.update(request.query.as_bytes());
    digest.update([0]);
    digest.update(request.operation_name.as_deref().unwrap_or_default());
    digest.update([0]);
    digest.update(serde_json::to_vec(&request.variables).unwrap_or_default());
    format!("{:x}", digest.finalize())
}

/// The header that tells a client it got a kept response.
pub fn replayed() -> (&'static str, HeaderValue) {
    ("idempotent-replayed", HeaderValue::from_static("true"))
}
