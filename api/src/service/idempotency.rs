//! Safe retries: the first response to a mutation sent with an `Idempotency-Key` is kept for
//! 24 hours and given again to a retry from the same caller with the same key, which changes
//! nothing again.
//!
//! The key is claimed inside the transaction of the change it makes, so a key never outlives a
//! change that did not commit, and of two concurrent requests with one key only one can commit:
//! the other's claim breaks the unique index and rolls its change back.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, SqlErr,
};

use crate::error::AppError;

/// How long a key's first response is kept.
pub const RETENTION: Duration = Duration::hours(24);

/// One request's key, as its caller sent it.
#[derive(Debug)]
pub struct Claim {
    caller: String,
    key: String,
    fingerprint: String,
    claimed: AtomicBool,
}

/// What an earlier request with the same key left.
#[derive(Debug, PartialEq, Eq)]
pub enum Prior {
    Nothing,
    /// Its response, to give again.
    Answered {
        status: u16,
        body: String,
    },
    /// It is being answered, or it changed something and its response was lost.
    Pending,
    /// The key was used for a different request.
    Reused,
}

impl Claim {
    pub fn new(caller: String, key: String, fingerprint: String) -> Self {
        Self {
            caller,
            key,
            fingerprint,
            claimed: AtomicBool::new(false),
        }
    }

    /// What an earlier request with this key within [`RETENTION`] left; an expired one is
    /// forgotten here.
    pub async fn prior(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> Result<Prior, AppError> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(now - RETENTION))
            .exec(db)
            .await?;
        let Some(row) = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Caller.eq(&self.caller))
            .filter(idempotency_key::Column::Key.eq(&self.key))
            .one(db)
            .await?
        else {
            return Ok(Prior::Nothing);
        };
        if row.fingerprint != self.fingerprint {
            return Ok(Prior::Reused);
        }
        Ok(match (row.response_status, row.response_body) {
            (Some(status), Some(body)) => Prior::Answered {
                status: u16::try_from(status).unwrap_or(200),
                body,
            },
            _ => Prior::Pending,
        })
    }

    /// Claims the key within a change's transaction, as its first write after the event log's
    /// lock: a retry that arrives while the first request is still running waits for it, then
    /// breaks the unique index and is refused, and a change that rolls back frees the key. The
    /// first change of a request claims it.
    pub(super) async fn record(
        &self,
        txn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if self.claimed.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.insert(txn, now, None, None).await?;
        self.claimed.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Keeps the response for retries: completes the claim a committed change made, or keeps
    /// a response that changed nothing (a user error, whose claim rolled back with it), so a
    /// retry gets the same answer.
    pub async fn keep(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        status: u16,
        body: String,
    ) -> Result<(), AppError> {
        if self.claimed.load(Ordering::SeqCst) {
            let completed = idempotency_key::Entity::update_many()
                .filter(idempotency_key::Column::Caller.eq(&self.caller))
                .filter(idempotency_key::Column::Key.eq(&self.key))
                .filter(idempotency_key::Column::ResponseStatus.is_null())
                .col_expr(
                    idempotency_key::Column::ResponseStatus,
                    i32::from(status).into(),
                )
                .col_expr(idempotency_key::Column::ResponseBody, body.clone().into())
                .exec(db)
                .await?;
            if completed.rows_affected > 0 {
                return Ok(());
            }
        }
        match self.insert(db, now, Some(status), Some(body)).await {
            // A concurrent request with the key got there first; its response stands.
            Err(AppError::IdempotencyConflict) => Ok(()),
            other => other,
        }
    }

    async fn insert(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
        status: Option<u16>,
        body: Option<String>,
    ) -> Result<(), AppError> {
        let row = idempotency_key::ActiveModel {
            caller: Set(self.caller.clone()),
            key: Set(self.key.clone()),
            fingerprint: Set(self.fingerprint.clone()),
            response_status: Set(status.map(i32::from)),
            response_body: Set(body),
            created_at: Set(now),
            ..Default::default()
        };
        match row.insert(db).await {
            Ok(_) => Ok(()),
            Err(error) if is_unique_violation(&error) => Err(AppError::IdempotencyConflict),
            Err(error) => Err(error.into()),
        }
    }
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
