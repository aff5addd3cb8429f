//! How current this server's knowledge of the data is. Answers kept in memory are stamped with
//! the version they were read at and served only while it holds.
//!
//! The version moves on when this server runs a mutation, before the mutation's answer is sent,
//! so a write is visible to the next read here. With PostgreSQL every committed change also
//! sends a `NOTIFY` ([`NOTIFY_CHANGE`]) from its own transaction, and every server listening
//! moves its version on when it arrives: replicas see each other's writes within the
//! notification's latency. While a server is not listening (at start, or after its listening
//! connection broke) it cannot know, so the version is unknown and nothing kept is served.
//! SQLite is embedded in one process, which sees every write it makes.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use sea_orm::{DatabaseBackend, DatabaseConnection, sqlx::postgres::PgListener};

/// The channel changes are notified on: one per schema, so that deployments sharing a
/// database (and tests, a schema each) do not end each other's answers.
macro_rules! changes_channel {
    () => {
        "left('send_inspections_changes:' || current_schema(), 63)"
    };
}

/// Notifies a change from its transaction, with the event's sequence number (`$1`) as payload:
/// PostgreSQL delivers it at commit, and only if the change commits.
pub const NOTIFY_CHANGE: &str = concat!("SELECT pg_notify(", changes_channel!(), ", $1)");

const CHANGES_CHANNEL: &str = concat!("SELECT ", changes_channel!());

/// How long to wait before listening again after the listening connection failed.
const RELISTEN_AFTER: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub struct DataVersion {
    version: AtomicU64,
    known: AtomicBool,
}

impl DataVersion {
    fn new(known: bool) -> Self {
        Self {
            version: AtomicU64::new(0),
            known: AtomicBool::new(known),
        }
    }

    /// The version of one process that sees every change (embedded SQLite, tests).
    pub fn local() -> Arc<Self> {
        Arc::new(Self::new(true))
    }

    /// The version of the data in `db`, followed for as long as the runtime runs: local for
    /// SQLite; for PostgreSQL, unknown until a listener task is listening for changes.
    pub fn follow(db: &DatabaseConnection) -> Arc<Self> {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Self::local();
        }
        let version = Arc::new(Self::new(false));
        tokio::spawn(listen(
            db.get_postgres_connection_pool().clone(),
            version.clone(),
        ));
        version
    }

    /// The current version, if this server can know it.
    pub fn current(&self) -> Option<u64> {
        self.known
            .load(Ordering::Acquire)
            .then(|| self.version.load(Ordering::Acquire))
    }

    /// The data may have changed: whatever was read before is no longer current.
    pub fn advance(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    fn set_known(&self, known: bool) {
        self.known.store(known, Ordering::Release);
    }
}

async fn listen(pool: sea_orm::sqlx::PgPool, version: Arc<DataVersion>) {
    while !pool.is_closed() {
        let listening = async {
            let channel: String = sea_orm::sqlx::query_scalar(CHANGES_CHANNEL)
                .fetch_one(&pool)
                .await?;
            let mut listener = PgListener::connect_with(&pool).await?;
            // Report a lost connection at once: the version is unknown from that moment.
            listener.eager_reconnect(false);
            listener.listen(&channel).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        match listening.await {
            Ok(mut listener) => {
                // Changes made while nobody listened are unknown: start from a new version.
                version.advance();
                version.set_known(true);
                let stopped = loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => version.advance(),
                        Ok(None) => break None,
                        Err(error) => break Some(error),
                    }
                };
                version.set_known(false);
                match stopped {
                    Some(error) => tracing::warn!(%error, "stopped listening for changes"),
                    None => tracing::warn!("the connection listening for changes was lost"),
                }
            }
            Err(error) => tracing::warn!(%error, "cannot listen for changes"),
        }
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
}
