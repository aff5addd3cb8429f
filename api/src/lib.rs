//! The area SEND inspections API: configuration, database bootstrap, domain rules, policy,
//! services, the GraphQL schema and the HTTP server. `main.rs` only wires these together;
//! tests build the same app in-process.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod auth;
mod clock;
pub mod config;
pub mod data_version;
pub mod db;
pub mod domain;
pub mod error;
pub mod global_id;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod policy;
pub mod rate_limit;
pub mod service;
pub mod telemetry;
mod webhooks;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use config::{Cli, Command, Config, SeedArgs};

/// Runs the chosen subcommand (`serve` when none is given).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve(SeedArgs::default())) {
        Command::Serve(seed) => {
            let db = connect_and_prepare(&config, seed.demo).await?;
            let listener = TcpListener::bind(config.listen_addr)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
            http::serve(listener, app(&config, db)?.router, config.shutdown_grace()).await?;
        }
        Command::Migrate => {
            let db = connect(&config).await?;
            db::migrate(&db).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed(seed) => {
            connect_and_prepare(&config, seed.demo).await?;
        }
        Command::Backup { output } => {
            db::backup(&connect(&config).await?, &output).await?;
            tracing::info!(output = %output.display(), "backup written");
        }
        Command::Token(token) => println!("{}", auth::development_token(&config.auth, &token)?),
        Command::ExportSchema { output } => {
            let sdl = graphql::build_schema(
                DatabaseConnection::default(),
                config.limits,
                rate_limiter(&config),
                data_version::DataVersion::local(),
                config.webhooks,
                std::sync::Arc::new(graphql::persisted::PersistedQueries::automatic()),
            )
            .sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{sdl}"),
            }
        }
    }
    Ok(())
}

/// The application over a prepared database, as `serve` runs it and as tests spawn it.
pub struct App {
    pub router: axum::Router,
    /// The answers it keeps: whatever changes the database other than through the API must
    /// make it forget them (`forget_all`, which also ends the local partners' areas kept).
    pub responses: std::sync::Arc<http::ResponseCache>,
}

/// Why the app cannot start with its configuration.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Keys(#[from] auth::KeyConfigError),
    #[error(transparent)]
    PersistedQueries(#[from] graphql::persisted::ManifestError),
}

pub fn app(config: &Config, db: DatabaseConnection) -> Result<App, StartError> {
    let persisted = std::sync::Arc::new(match &config.persisted_queries_file {
        Some(path) => graphql::persisted::PersistedQueries::allow_list(path)?,
        None => graphql::persisted::PersistedQueries::automatic(),
    });
    let rate_limiter = rate_limiter(config);
    rate_limiter.spawn_cleanup();
    let data_version = data_version::DataVersion::follow(&db);
    clock::spawn(db.clone(), data_version.clone(), config.announce_milestones);
    webhooks::spawn_dispatcher(db.clone(), data_version.clone(), config.webhooks);
    let schema = graphql::build_schema(
        db.clone(),
        config.limits,
        rate_limiter.clone(),
        data_version.clone(),
        config.webhooks,
        persisted,
    );
    let authenticator = std::sync::Arc::new(auth::Authenticator::from_config(
        &config.auth,
        data_version.clone(),
    )?);
    let responses = std::sync::Arc::new(http::ResponseCache::new(
        db.clone(),
        data_version,
        config.response_cache_bytes,
    ));
    Ok(App {
        router: http::router(http::AppState {
            schema,
            db,
            authenticator,
            limits: config.limits,
            rate_limiter,
            metrics: metrics::install(),
            responses: responses.clone(),
        }),
        responses,
    })
}

fn rate_limiter(config: &Config) -> std::sync::Arc<rate_limit::RateLimiter> {
    rate_limit::RateLimiter::new(
        config.limits.rate_limit_cost_per_second,
        config.limits.rate_limit_burst,
        config.limits.max_cost,
    )
}

async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let backend = config.database_url.split(':').next().unwrap_or_default();
    tracing::info!(backend, "connecting to the database");
    db::connect(
        &config.database_url,
        config.database_max_connections,
        config.database_acquire_timeout(),
    )
    .await
    .with_context(|| format!("cannot connect to the {backend} database"))
}

async fn connect_and_prepare(config: &Config, demo: bool) -> anyhow::Result<DatabaseConnection> {
    let db = connect(config).await?;
    db::prepare(&db, demo)
        .await
        .context("cannot migrate and seed the database")?;
    Ok(db)
}
