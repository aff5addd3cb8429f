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
    /// Print a development token signed with JWT_SECRET (refuses without one).
    Token(TokenArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// ofsted, cqc, dfe, nhs_england or local_partner.
    #[arg(long)]
    pub role: String,
    /// For local_partner: the ONS code of its local authority (E06/E08/E09/E10…) or ICB (E54…).
    #[arg(long)]
    pub org_code: Option<String>,
    /// Space-separated scopes: "read", or "read write".
    #[arg(long, default_value = "read")]
    pub scope: String,
    /// How long the token lasts, e.g. 15m, 1h, 7d.
    #[arg(long, default_value = "1h")]
    pub ttl: humantime::Duration,
    /// The token's subject.
    #[arg(long, default_value = "developer")]
    pub subject: String,
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
    #[command(flatten)]
    pub auth: AuthConfig,
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

/// How bearer tokens are verified. Configure one key source; issuer and audience are then
/// required and always checked.
#[derive(Debug, Clone, Default, Args)]
pub struct AuthConfig {
    /// HS256 shared secret, at least 32 bytes (development and tests).
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file with the RSA (RS256) or EC P-256 (ES256) public key tokens are signed with.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// JSON Web Key Set file (RS256 and ES256 keys, chosen by the token's `kid`).
    #[arg(long, env = "JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,
    /// JSON Web Key Set URL of the identity provider, cached and refreshed.
    #[arg(long, env = "JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,
    /// Seconds between refreshes of JWT_JWKS_URL (it is also refetched for an unknown `kid`).
    #[arg(long, env = "JWT_JWKS_REFRESH_SECS", default_value_t = 300)]
    pub jwt_jwks_refresh_secs: u64,
    /// Fewest seconds between refetches of JWT_JWKS_URL caused by tokens with an unknown `kid`.
    #[arg(long, env = "JWT_JWKS_MIN_REFETCH_SECS", default_value_t = 10)]
    pub jwt_jwks_min_refetch_secs: u64,
    /// The `iss` every token must carry.
    #[arg(long, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// The `aud` every token must carry.
    #[arg(long, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
