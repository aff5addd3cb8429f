//! The areas of local partner organisations, kept while the data version holds. Every request
//! of a signed-in local partner needs its organisation's areas before anything else (they decide
//! what it may read, and which kept answers are its own), and on PostgreSQL reading them is a
//! round trip. They change only with reference data, which every write path announces by
//! moving the data version on.

use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::{
    data_version::DataVersion, domain::codes::OrganisationCode, error::AppError, service::reference,
};

/// More than England's local authorities and ICBs together, each on two days around midnight.
const KEPT_ORGANISATIONS: usize = 1024;

/// The areas an organisation belongs to on a day: `None` when the code names no known LA or ICB.
type Areas = Option<Arc<[i32]>>;

pub struct OrganisationAreas {
    data_version: Arc<DataVersion>,
    kept: quick_cache::sync::Cache<(OrganisationCode, NaiveDate), (u64, Areas)>,
}

impl OrganisationAreas {
    pub fn new(data_version: Arc<DataVersion>) -> Self {
        Self {
            data_version,
            kept: quick_cache::sync::Cache::new(KEPT_ORGANISATIONS),
        }
    }

    /// The areas of `code` on `on`, read from the database unless read at the current version.
    pub async fn of(
        &self,
        db: &DatabaseConnection,
        code: &OrganisationCode,
        on: NaiveDate,
    ) -> Result<Areas, AppError> {
        // Taken before the read: a change committed while it runs leaves what it read stale.
        let version = self.data_version.current();
        let key = (code.clone(), on);
        if let Some(version) = version
            && let Some((read_at, areas)) = self.kept.get(&key)
            && read_at == version
        {
            return Ok(areas);
        }
        let areas: Areas = reference::areas_of_organisation(db, code, on)
            .await?
            .map(Into::into);
        // Kept only if nothing changed meanwhile, so that a slow read cannot replace a newer one.
        if let Some(version) = version
            && self.data_version.current() == Some(version)
        {
            self.kept.insert(key, (version, areas.clone()));
        }
        Ok(areas)
    }
}
