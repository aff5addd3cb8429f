//! The command line and its configuration: every setting is a flag with an environment variable,
//! so the README's configuration table is this file, and `api --help` prints it.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    about = "GraphQL API for England's area SEND inspections",
    long_about = "GraphQL API for England's area SEND inspections.\n\nWith no subcommand it serves \
                  (like `api serve`). Every setting is a flag or an environment variable, and \
                  flags may come before or after the subcommand."
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
    /// Write an online, consistent copy of the SQLite database to a new file.
    Backup {
        /// The file to write; it must not exist.
        #[arg(long)]
        output: PathBuf,
    },
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
        global = true,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Most pooled database connections.
    #[arg(
        long,
        global = true,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 10
    )]
    pub database_max_connections: u32,
    /// Milliseconds a request waits for a database connection before it fails as UNAVAILABLE.
    #[arg(
        long,
        global = true,
        env = "DATABASE_ACQUIRE_TIMEOUT_MS",
        default_value_t = 750
    )]
    pub database_acquire_timeout_ms: u64,
    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        global = true,
        env = "LISTEN_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen_addr: SocketAddr,
    /// Log format: `text` for people, `json` for log collectors. Levels come from RUST_LOG.
    #[arg(long, global = true, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub limits: RequestLimits,
    #[command(flatten)]
    pub auth: AuthConfig,
    /// Bytes of memory for answers kept to serve again (0 keeps none). Each answer is kept
    /// for one audience of viewers until the data or the clock changes it.
    #[arg(
        long,
        global = true,
        env = "RESPONSE_CACHE_BYTES",
        default_value_t = 16 * 1024 * 1024
    )]
    pub response_cache_bytes: u64,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C; then they are aborted.
    #[arg(long, global = true, env = "SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Announces each day, as events, the schedule items that fall due or overdue.
    #[arg(
        long,
        global = true,
        env = "ANNOUNCE_MILESTONES",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub announce_milestones: bool,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
    /// An Apollo persisted query manifest: when given, only its operations run (by hash or in
    /// full), and clients cannot register others.
    #[arg(long, global = true, env = "GRAPHQL_PERSISTED_QUERIES_FILE")]
    pub persisted_queries_file: Option<std::path::PathBuf>,
}

/// How webhook deliveries are made and retried.
#[derive(Debug, Clone, Copy, Args)]
pub struct WebhookSettings {
    /// Milliseconds before the first retry of a failed delivery; each later retry waits twice
    /// as long as the one before (at most an hour), less up to half at random.
    #[arg(
        long,
        global = true,
        env = "WEBHOOK_RETRY_BASE_MS",
        default_value_t = 5_000
    )]
    pub webhook_retry_base_ms: u64,
    /// Milliseconds an endpoint has to answer a delivery before it counts as failed.
    #[arg(
        long,
        global = true,
        env = "WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub webhook_timeout_ms: u64,
    /// Seconds a subscription keeps retrying a failed delivery before it is marked failing.
    #[arg(
        long,
        global = true,
        env = "WEBHOOK_RETRY_WINDOW_SECS",
        default_value_t = 24 * 3600
    )]
    pub webhook_retry_window_secs: u64,
    /// Allows webhook endpoints on loopback addresses, over http as well as https: for
    /// development and tests, never production.
    #[arg(
        long,
        global = true,
        env = "WEBHOOKS_ALLOW_HTTP_LOOPBACK",
        default_value_t = false,
        action = clap::ArgAction::Set
    )]
    pub webhooks_allow_http_loopback: bool,
}

impl WebhookSettings {
    pub fn retry_base(&self) -> Duration {
        Duration::from_millis(self.webhook_retry_base_ms)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.webhook_timeout_ms)
    }

    pub fn retry_window(&self) -> Duration {
        Duration::from_secs(self.webhook_retry_window_secs)
    }
}

const DEFAULT_DATABASE_URL: &str = "sqlite://send-inspections.sqlite?mode=rwc";

impl Config {
    pub fn database_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.database_acquire_timeout_ms)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

impl Default for Config {
    /// The configuration `api` runs with when no flag or variable is set.
    fn default() -> Self {
        Cli::defaults().config
    }
}

impl Cli {
    /// The command line with nothing given: every setting at its default, whatever the
    /// environment holds.
    fn defaults() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let command = Cli::command().mut_args(|arg| arg.env(None));
        let matches = command.get_matches_from(["api"]);
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(error) => error.exit(),
        }
    }
}

/// Limits that keep one request from costing the server more than a page of data should.
#[derive(Debug, Clone, Copy, Args)]
pub struct RequestLimits {
    /// Seconds a request may take; past it, execution stops with TIMEOUT (HTTP 503).
    #[arg(
        long,
        global = true,
        env = "REQUEST_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub request_timeout_secs: u64,
    /// Largest request body, in bytes.
    #[arg(long, global = true, env = "GRAPHQL_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// Most operations in a batch (a JSON array of requests); 1 refuses batches.
    #[arg(long, global = true, env = "GRAPHQL_MAX_BATCH", default_value_t = 5)]
    pub max_batch: usize,
    /// Largest `variables` object, in bytes of JSON.
    #[arg(long, global = true, env = "GRAPHQL_MAX_VARIABLES_BYTES", default_value_t = 16 * 1024)]
    pub max_variables_bytes: usize,
    /// Most tokens in a document (names, punctuation and values; not whitespace or comments).
    #[arg(
        long,
        global = true,
        env = "GRAPHQL_MAX_TOKENS",
        default_value_t = 2_000
    )]
    pub max_tokens: usize,
    /// Most aliases in a document.
    #[arg(long, global = true, env = "GRAPHQL_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most root fields an operation selects (fragments expanded).
    #[arg(
        long,
        global = true,
        env = "GRAPHQL_MAX_ROOT_FIELDS",
        default_value_t = 20
    )]
    pub max_root_fields: usize,
    /// Most directives on one field.
    #[arg(
        long,
        global = true,
        env = "GRAPHQL_MAX_DIRECTIVES_PER_FIELD",
        default_value_t = 4
    )]
    pub max_directives: usize,
    /// Deepest query accepted. The standard introspection query needs 15.
    #[arg(long, global = true, env = "GRAPHQL_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Largest query cost accepted (see the README's cost model).
    #[arg(
        long,
        global = true,
        env = "GRAPHQL_MAX_COST",
        default_value_t = 25_000
    )]
    pub max_cost: usize,
    /// Most fields one response may resolve (list items count one by one).
    #[arg(
        long,
        global = true,
        env = "GRAPHQL_MAX_RESOLVED_FIELDS",
        default_value_t = 100_000
    )]
    pub max_resolved_fields: usize,
    /// Largest response body, in bytes.
    #[arg(long, global = true, env = "GRAPHQL_MAX_RESPONSE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_response_bytes: usize,
    /// Query cost each caller's bucket regains per second; 0 turns rate limiting off.
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_COST_PER_SECOND",
        default_value_t = 2_000
    )]
    pub rate_limit_cost_per_second: u32,
    /// Query cost each caller's bucket holds (raised to GRAPHQL_MAX_COST if lower).
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_BURST",
        default_value_t = 50_000
    )]
    pub rate_limit_burst: u32,
}

impl RequestLimits {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

impl Default for RequestLimits {
    fn default() -> Self {
        Config::default().limits
    }
}

/// How bearer tokens are verified. Configure one key source; issuer and audience are then
/// required and always checked.
#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
    /// HS256 shared secret, at least 32 bytes (development and tests).
    #[arg(long, global = true, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file with the RSA (RS256) or EC P-256 (ES256) public key tokens are signed with.
    #[arg(long, global = true, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// JSON Web Key Set file (RS256 and ES256 keys, chosen by the token's `kid`).
    #[arg(long, global = true, env = "JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,
    /// JSON Web Key Set URL of the identity provider, cached and refreshed.
    #[arg(long, global = true, env = "JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,
    /// Seconds between refreshes of JWT_JWKS_URL (it is also refetched for an unknown `kid`).
    #[arg(
        long,
        global = true,
        env = "JWT_JWKS_REFRESH_SECS",
        default_value_t = 300
    )]
    pub jwt_jwks_refresh_secs: u64,
    /// Fewest seconds between refetches of JWT_JWKS_URL caused by tokens with an unknown `kid`.
    #[arg(
        long,
        global = true,
        env = "JWT_JWKS_MIN_REFETCH_SECS",
        default_value_t = 10
    )]
    pub jwt_jwks_min_refetch_secs: u64,
    /// The `iss` every token must carry.
    #[arg(long, global = true, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// The `aud` every token must carry.
    #[arg(long, global = true, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Longest token lifetime accepted, in seconds, from `iat` (or from now without one).
    #[arg(long, global = true, env = "JWT_MAX_TTL_SECS", default_value_t = 24 * 60 * 60)]
    pub jwt_max_ttl_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Config::default().auth
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
