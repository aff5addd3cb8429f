//! How current this server's knowledge of the data is. Answers kept in memory are stamped with
//! the version they were read at and served only while it holds.
//!
//! The version moves on when this server runs a mutation, before the mutation's answer is sent,
//! so a write is visible to the next read here. With PostgreSQL every committed change also
//! sends a `NOTIFY` ([`NOTIFY_CHANGE`]) from its own transaction, and every server listening
//! moves its version on when it arrives: replicas see each other's writes within the
//! notification's latency. While a server is not hearing the channel (at start, after its
//! listening connection broke, or when it has heard not even the heartbeats every server sends
//! for a second) it cannot know, so the version is unknown and nothing kept is served.
//! SQLite is embedded in one process, which sees every write it makes.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::{
    DatabaseBackend, DatabaseConnection,
    sqlx::{PgPool, postgres::PgListener},
};
use tokio::sync::Notify;

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
    /// Wakes whoever waits for the next change (event subscribers, the embargo lifter).
    changes: Notify,
    /// For a database other servers share: when this server last heard the channel.
    heard: Option<Heard>,
}

/// Proof that the listening connection works: the last notification it delivered, heartbeats
/// included. A connection can die without a word (a half-open TCP connection, a pooler that
/// accepts `LISTEN` and delivers nothing); silence longer than [`SILENCE`] makes the version
/// unknown.
#[derive(Debug)]
struct Heard {
    since: Instant,
    /// Milliseconds after `since`; [`NEVER`] until the first notification.
    at: AtomicU64,
}

const NEVER: u64 = u64::MAX;
/// How often each server sends a heartbeat on the channel.
const HEARTBEAT: Duration = Duration::from_millis(250);
/// How long the channel may stay silent before the version is unknown.
const SILENCE: Duration = Duration::from_secs(1);
/// A heartbeat's payload; a change carries its sequence number.
const HEARTBEAT_PAYLOAD: &str = "";

impl DataVersion {
    /// The version of one process that sees every change (embedded SQLite, tests).
    pub fn local() -> Arc<Self> {
        Arc::new(Self {
            version: AtomicU64::new(0),
            changes: Notify::new(),
            heard: None,
        })
    }

    /// The version of the data in `db`, followed for as long as the runtime runs: local for
    /// SQLite; for PostgreSQL, known only while this server hears the changes channel.
    pub fn follow(db: &DatabaseConnection) -> Arc<Self> {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Self::local();
        }
        let version = Arc::new(Self {
            version: AtomicU64::new(0),
            changes: Notify::new(),
            heard: Some(Heard {
                since: Instant::now(),
                at: AtomicU64::new(NEVER),
            }),
        });
        let pool = db.get_postgres_connection_pool();
        tokio::spawn(listen(pool.clone(), version.clone()));
        tokio::spawn(beat(pool.clone()));
        version
    }

    /// The current version, if this server can know it.
    pub fn current(&self) -> Option<u64> {
        if let Some(heard) = &self.heard {
            let at = heard.at.load(Ordering::Acquire);
            let now = millis(heard.since.elapsed());
            if at == NEVER || now.saturating_sub(at) > millis(SILENCE) {
                return None;
            }
        }
        Some(self.version.load(Ordering::Acquire))
    }

    /// The data may have changed: whatever was read before is no longer current.
    pub fn advance(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
        self.changes.notify_waiters();
    }

    /// Completes at the next [`advance`](Self::advance) after it is first polled or
    /// [enabled](tokio::sync::futures::Notified::enable).
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changes.notified()
    }

    fn heard_now(&self) {
        if let Some(heard) = &self.heard {
            heard
                .at
                .store(millis(heard.since.elapsed()), Ordering::Release);
        }
    }

    fn heard_nothing(&self) {
        if let Some(heard) = &self.heard {
            heard.at.store(NEVER, Ordering::Release);
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

async fn listen(pool: PgPool, version: Arc<DataVersion>) {
    while !pool.is_closed() {
        let listening = async {
            let channel: String = sea_orm::sqlx::query_scalar(CHANGES_CHANNEL)
                .fetch_one(&pool)
                .await?;
            let mut listener = PgListener::connect_with(&pool).await?;
            // Report a lost connection at once rather than reconnecting first.
            listener.eager_reconnect(false);
            listener.listen(&channel).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        match listening.await {
            Ok(mut listener) => {
                // Changes made while nobody listened are unknown: start from a new version.
                version.advance();
                let stopped = loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => {
                            if notification.payload() != HEARTBEAT_PAYLOAD {
                                version.advance();
                            }
                            version.heard_now();
                        }
                        Ok(None) => break None,
                        Err(error) => break Some(error),
                    }
                };
                version.heard_nothing();
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

/// Sends a heartbeat on the channel every [`HEARTBEAT`], for every server listening on it.
async fn beat(pool: PgPool) {
    let mut every = tokio::time::interval(HEARTBEAT);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !pool.is_closed() {
        every.tick().await;
        // A heartbeat that fails is silence, which the listeners notice themselves.
        let _ = sea_orm::sqlx::query(NOTIFY_CHANGE)
            .bind(HEARTBEAT_PAYLOAD)
            .execute(&pool)
            .await;
    }
}
