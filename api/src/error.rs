//! `AppError`: the one error type services return, and [`Code`]: the one list of codes any
//! error can carry to a client (`extensions.code`), with the HTTP status each implies. Messages
//! are safe to show to clients; internal causes are logged where they are converted and never
//! carried further.

use sea_orm::{DbErr, RuntimeErr, SqlxError};

/// Every `extensions.code` the API sends. The README's error table is this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The body is not a GraphQL request (not JSON, no `query`, a batch).
    BadRequest,
    /// The request is not `application/json`.
    UnsupportedMediaType,
    /// A mutation over GET, or a method the endpoint does not serve.
    MethodNotAllowed,
    /// The body or the variables are larger than allowed.
    RequestTooLarge,
    /// The body did not arrive within the request deadline.
    RequestTimeout,
    /// The document is not valid GraphQL syntax.
    GraphqlParseFailed,
    /// The document does not validate against the schema.
    GraphqlValidationFailed,
    /// `operationName` names no operation of the document, or is missing where it is needed.
    OperationResolutionFailure,
    /// The document's cost, depth, tokens, aliases, root fields or directives exceed a limit.
    QueryTooComplex,
    /// The persisted query's hash is unknown here: send the document with its hash once.
    PersistedQueryNotFound,
    /// Only the operations of the server's manifest may run, and this is not one of them.
    OperationNotAllowed,
    /// Execution would resolve more fields, or send more bytes, than a response may.
    ResponseTooLarge,
    /// A malformed argument: a code, cursor, date or page size.
    BadUserInput,
    /// A bearer token is needed, or the one given is not valid.
    Unauthenticated,
    /// Nothing the caller may see has this identity.
    NotFound,
    /// The caller may see the object but not make this change.
    Forbidden,
    /// A request with this `Idempotency-Key` is still being answered; retry shortly.
    IdempotencyConflict,
    /// This `Idempotency-Key` was used for a different request.
    IdempotencyKeyReused,
    /// The caller has spent its query-cost budget; retry after `Retry-After` seconds.
    RateLimited,
    /// The request ran past its deadline and was stopped.
    Timeout,
    /// The database cannot be reached; retry after `Retry-After` seconds.
    Unavailable,
    /// A fault of the server; the log has the details under the request id.
    Internal,
}

impl Code {
    pub const ALL: [Code; 22] = [
        Code::BadRequest,
        Code::UnsupportedMediaType,
        Code::MethodNotAllowed,
        Code::RequestTooLarge,
        Code::RequestTimeout,
        Code::GraphqlParseFailed,
        Code::GraphqlValidationFailed,
        Code::OperationResolutionFailure,
        Code::QueryTooComplex,
        Code::PersistedQueryNotFound,
        Code::OperationNotAllowed,
        Code::ResponseTooLarge,
        Code::BadUserInput,
        Code::Unauthenticated,
        Code::NotFound,
        Code::Forbidden,
        Code::IdempotencyConflict,
        Code::IdempotencyKeyReused,
        Code::RateLimited,
        Code::Timeout,
        Code::Unavailable,
        Code::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRequest => "BAD_REQUEST",
            Code::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::RequestTooLarge => "REQUEST_TOO_LARGE",
            Code::RequestTimeout => "REQUEST_TIMEOUT",
            Code::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Code::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Code::OperationResolutionFailure => "OPERATION_RESOLUTION_FAILURE",
            Code::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Code::OperationNotAllowed => "OPERATION_NOT_ALLOWED",
            Code::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::NotFound => "NOT_FOUND",
            Code::Forbidden => "FORBIDDEN",
            Code::IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            Code::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Code::RateLimited => "RATE_LIMITED",
            Code::Timeout => "TIMEOUT",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }

    pub fn parse(code: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|known| known.as_str() == code)
    }

    /// Whether this code refuses the request as a whole, before or instead of execution: a
    /// GraphQL-over-HTTP "request error" (HTTP 400 under `application/graphql-response+json`).
    pub fn is_request_error(self) -> bool {
        matches!(
            self,
            Code::BadRequest
                | Code::GraphqlParseFailed
                | Code::GraphqlValidationFailed
                | Code::OperationResolutionFailure
                | Code::QueryTooComplex
                | Code::PersistedQueryNotFound
                | Code::OperationNotAllowed
                | Code::ResponseTooLarge
        )
    }

    /// The HTTP status this code sets whatever the client accepts, if it sets one: the
    /// transport-level refusals, and the failures a client or proxy must see to back off.
    pub fn fixed_status(self) -> Option<u16> {
        Some(match self {
            Code::UnsupportedMediaType => 415,
            Code::MethodNotAllowed => 405,
            Code::RequestTooLarge => 413,
            Code::RequestTimeout => 408,
            Code::IdempotencyConflict => 409,
            Code::IdempotencyKeyReused => 422,
            Code::RateLimited => 429,
            Code::Timeout | Code::Unavailable => 503,
            Code::Internal => 500,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    #[error("sign in with a bearer token to do this")]
    Unauthenticated,
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("you may not make this change")]
    Forbidden,
    #[error(
        "a request with this Idempotency-Key is in progress, or its change was made and its response lost: read the object before retrying with a new key"
    )]
    IdempotencyConflict,
    #[error("{0}")]
    BadInput(String),
    #[error("the database is unavailable; retry shortly")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The stable code clients match on (`extensions.code`).
    pub fn code(&self) -> Code {
        match self {
            AppError::Unauthenticated => Code::Unauthenticated,
            AppError::NotFound { .. } => Code::NotFound,
            AppError::Forbidden => Code::Forbidden,
            AppError::IdempotencyConflict => Code::IdempotencyConflict,
            AppError::BadInput(_) => Code::BadUserInput,
            AppError::Unavailable => Code::Unavailable,
            AppError::Internal => Code::Internal,
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if is_unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            AppError::Unavailable
        } else {
            tracing::error!(%error, debug = ?error, "database error");
            AppError::Internal
        }
    }
}

/// Whether the database could not be reached at all (no connection within the pool's short
/// wait, or the connection broke), as opposed to a statement that failed.
fn is_unavailable(error: &DbErr) -> bool {
    let runtime = match error {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    match runtime {
        RuntimeErr::SqlxError(sqlx) => match sqlx.as_ref() {
            // A protocol breakdown means the connection is gone (a server that went away in
            // the middle of a message), not that the statement was wrong.
            SqlxError::Io(_)
            | SqlxError::Tls(_)
            | SqlxError::Protocol(_)
            | SqlxError::PoolTimedOut
            | SqlxError::PoolClosed
            | SqlxError::WorkerCrashed => true,
            // PostgreSQL's connection exceptions (class 08) and operator intervention (57:
            // shutting down, starting up), which a server that is going away sends.
            SqlxError::Database(database) => database
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        },
        _ => false,
    }
}

impl From<crate::domain::codes::CodeError> for AppError {
    fn from(error: crate::domain::codes::CodeError) -> Self {
        AppError::BadInput(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_from_its_name() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        assert_eq!(Code::parse("NOT_A_CODE"), None);
    }

    #[test]
    fn a_lost_connection_is_unavailable_but_a_failed_statement_is_internal() {
        assert_eq!(
            AppError::from(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
            AppError::Unavailable
        );
        assert_eq!(
            AppError::from(DbErr::Custom("constraint".into())),
            AppError::Internal
        );
    }
}
