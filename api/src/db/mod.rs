//! Connecting to the database and bringing it to a servable state: migrated, with the reference
//! data loaded (once), and with the synthetic demo history when asked for.

mod demo;
mod map_changes;
mod reference;
pub mod synthetic;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// How long a SQLite writer waits for another to finish.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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
        .sqlx_logging(false)
        // SQLite for production: readers never wait for the writer (WAL), a writer waits for
        // another rather than failing at once, and an acknowledged commit is on disk before the
        // answer goes out, so it survives a crash of the process or of the machine (FULL).
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await?;
    db.set_metric_callback(|_| {
        if !in_background() {
            crate::metrics::statement();
        }
    });
    Ok(db)
}

tokio::task_local! {
    static IN_BACKGROUND: ();
}

/// Runs a background task (the embargo lifter), whose statements the statements metric leaves
/// out: it counts what answering requests costs.
pub async fn background<F: std::future::Future>(task: F) -> F::Output {
    IN_BACKGROUND.scope((), task).await
}

/// Whether the current task is a [`background`] one.
pub fn in_background() -> bool {
    IN_BACKGROUND.try_with(|()| ()).is_ok()
}

/// Writes an online, consistent copy of a SQLite database to `output` (`VACUUM INTO`): the
/// server may keep serving meanwhile. PostgreSQL is backed up with its own tools.
pub async fn backup(db: &DatabaseConnection, output: &Path) -> Result<(), BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    if output.exists() {
        return Err(BackupError::Exists(output.to_owned()));
    }
    let path = output.to_str().ok_or(BackupError::Path)?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("`api backup` copies SQLite databases; back up PostgreSQL with pg_dump")]
    NotSqlite,
    #[error("{0} exists already; choose a new file")]
    Exists(PathBuf),
    #[error("the backup path is not valid UTF-8")]
    Path,
    #[error("the copy failed: {0}")]
    Database(#[from] DbErr),
}

/// Migrates (`api migrate`), and tells the servers running on the database.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let migrated = Migrator::up(db, None).await;
    let announced = announce_written(db).await;
    migrated.and(announced)
}

/// Migrates, loads the reference data into an empty database, and the demo history if asked;
/// then tells the servers running on the database, whether or not every step succeeded.
pub async fn prepare(db: &DatabaseConnection, demo: bool) -> Result<(), DbErr> {
    let prepared = prepare_unannounced(db, demo).await;
    let announced = announce_written(db).await;
    prepared.and(announced)
}

async fn prepare_unannounced(db: &DatabaseConnection, demo: bool) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    if reference::load_if_empty(db).await? {
        tracing::info!("loaded the reference data: 153 local authorities and 42 ICBs");
    }
    if reference::record_lineage_if_absent(db).await? {
        tracing::info!(
            "recorded the councils' lineage: reorganised councils and their predecessors"
        );
    }
    // Aliases first: they name boards by the codes they had before the shipped changes.
    map_changes::record_aliases(db).await?;
    let changes = map_changes::record_pending(db).await?;
    if changes > 0 {
        tracing::info!(changes, "recorded the shipped changes to the ICB map");
    }
    if demo && demo::load_if_absent(db).await? {
        tracing::info!("loaded the synthetic demo history");
    }
    Ok(())
}

/// What a start or a migration wrote, it wrote past the change path: servers already running
/// on a PostgreSQL database must not keep answers, or partners' areas, read before it.
async fn announce_written(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            crate::data_version::NOTIFY_CHANGE,
            ["prepared".into()],
        ))
        .await?;
    }
    Ok(())
}
