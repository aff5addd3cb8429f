//! The command line and its configuration: every setting is a flag with an environment variable,
//! so the README's configuration table is this file, and `api --help` prints it.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    about = "GraphQL API for England's area SEND inspections"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Migrate, seed the reference data if the database is empty, and serve GraphQL (the default).
    Serve(SeedArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Migrate and load the reference data (and, with --demo, the synthetic history), then exit.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL) to standard output or a file.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Default, Args)]
pub struct SeedArgs {
    /// Also load the synthetic demo history (clearly labelled, never real outcomes).
    #[arg(long, env = "SEED_DEMO")]
    pub demo: bool,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: a SQLite file (created if missing) or postgres://user@host/db.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://send-inspections.sqlite?mode=rwc",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Most pooled database connections.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Address and port the HTTP server listens on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen_addr: SocketAddr,
    /// Log format: `text` for people, `json` for log collectors. Levels come from RUST_LOG.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub graphql: GraphqlLimits,
    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

impl Config {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

/// Limits that keep one query from costing the server more than a page of data should.
#[derive(Debug, Clone, Copy, Args)]
pub struct GraphqlLimits {
    /// Deepest query accepted. The standard introspection query needs 15.
    #[arg(long, env = "GRAPHQL_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Largest query complexity accepted (each field counts 1, list fields count per item asked).
    #[arg(long, env = "GRAPHQL_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "GRAPHQL_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_complexity: 20_000,
            max_body_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
