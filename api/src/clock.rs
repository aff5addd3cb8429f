//! Announces what the clock brings: embargoed reports when their embargo lifts, and each day the
//! schedule's milestones. A background task on every server, which wakes at the next
//! `publishAt`, after any change (a publication may set an earlier one), and at least every
//! [`LOOK_AGAIN`] (so a new day is announced within it).

use std::{sync::Arc, time::Duration};

use chrono::{NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    data_version::DataVersion,
    error::AppError,
    service::{events, inspection::next_embargo_lift, milestones},
};

/// The longest the task sleeps: a publication set on another server while this one was not
/// hearing the changes channel is still announced within it.
const LOOK_AGAIN: Duration = Duration::from_secs(30);
/// How long to wait after the database failed.
const AFTER_FAILURE: Duration = Duration::from_secs(5);

/// `announce_milestones` off leaves the schedule's milestones unannounced (for tests whose
/// fixed history would otherwise meet the calendar on some days).
pub fn spawn(db: DatabaseConnection, version: Arc<DataVersion>, announce_milestones: bool) {
    tokio::spawn(crate::db::background(async move {
        let mut clock = Clock {
            db,
            announce_milestones,
            milestones_announced_through: None,
        };
        loop {
            let changed = version.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let wait = match clock.tick().await {
                Ok((announced, wait)) => {
                    if announced > 0 {
                        tracing::info!(announced, "events announced by the clock");
                        version.advance();
                    }
                    wait
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot announce what the clock brings");
                    AFTER_FAILURE
                }
            };
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }));
}

struct Clock {
    db: DatabaseConnection,
    announce_milestones: bool,
    /// The last day this server knows announced, so that it asks the database once a day.
    milestones_announced_through: Option<NaiveDate>,
}

impl Clock {
    /// Announces what is due; says how many were, and how long until the next embargo lifts.
    async fn tick(&mut self) -> Result<(usize, Duration), AppError> {
        let now = Utc::now();
        let today = now.date_naive();
        let mut announced = events::lift_embargoes(&self.db, now).await?;
        if self.announce_milestones && self.milestones_announced_through < Some(today) {
            announced += milestones::announce(&self.db, today).await?;
            self.milestones_announced_through = Some(today);
        }
        let wait = next_embargo_lift(&self.db, now)
            .await?
            // A lift that passed while it was read is due now, not after a whole LOOK_AGAIN.
            .map(|at| (at - Utc::now()).to_std().unwrap_or_default())
            .map_or(LOOK_AGAIN, |until| until.min(LOOK_AGAIN));
        Ok((announced, wait))
    }
}
