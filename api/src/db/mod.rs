//! Connecting to the database and bringing it to a servable state: migrated, with the reference
//! data loaded (once), and with the synthetic demo history when asked for.

mod demo;
mod reference;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Opens a pool whose waits are short: when the database goes away, requests fail within
/// `acquire_timeout` as UNAVAILABLE rather than hanging for sqlx's default 30 s, and the pool
/// reconnects by itself when it returns.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .connect_timeout(acquire_timeout)
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false);
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Migrates, loads the reference data into an empty database, and the demo history if asked.
pub async fn prepare(db: &DatabaseConnection, demo: bool) -> Result<(), DbErr> {
    migrate(db).await?;
    if reference::load_if_empty(db).await? {
        tracing::info!("loaded the reference data: 153 local authorities and 42 ICBs");
    }
    if demo && demo::load_if_absent(db).await? {
        tracing::info!("loaded the synthetic demo history");
    }
    Ok(())
}
