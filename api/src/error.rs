//! `AppError`: the one error type services return. Its messages are safe to show to clients;
//! internal causes are logged where they are converted and never carried further.

use sea_orm::DbErr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    #[error("sign in with a bearer token to do this")]
    Unauthenticated,
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{0}")]
    BadInput(String),
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The stable code clients match on (`extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::Internal => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

impl From<crate::domain::codes::CodeError> for AppError {
    fn from(error: crate::domain::codes::CodeError) -> Self {
        AppError::BadInput(error.to_string())
    }
}
