//! The test harness: each test gets its own database (a temporary SQLite file, or a fresh
//! PostgreSQL schema when TEST_DATABASE_URL is set), migrated and seeded exactly as `serve` does,
//! and the real router on a random port.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use api::config::{AuthConfig, Config};
use reqwest::StatusCode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    statements: Arc<AtomicUsize>,
    /// The answers (and partners' areas) the app keeps; a test that writes to `db` directly
    /// must forget them.
    pub responses: Arc<api::http::ResponseCache>,
    _sqlite_dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// The app over the reference data only.
    pub async fn spawn() -> Self {
        Self::spawn_with(false).await
    }

    /// The app over the reference data and the synthetic demo history.
    pub async fn spawn_with_demo() -> Self {
        Self::spawn_with(true).await
    }

    async fn spawn_with(demo: bool) -> Self {
        Self::spawn_configured(demo, test_config()).await
    }

    /// The app with its own configuration (for other key sources).
    pub async fn spawn_configured(demo: bool, config: Config) -> Self {
        let (db, sqlite_dir) = fresh_database().await;
        let mut app = Self::spawn_on(db, demo, config).await;
        app._sqlite_dir = sqlite_dir;
        app
    }

    /// The app over a database the test connected to itself.
    pub async fn spawn_on(mut db: DatabaseConnection, demo: bool, config: Config) -> Self {
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            if !api::db::in_background() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        api::db::prepare(&db, demo).await.expect("prepare database");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = api::app(&config, db.clone()).expect("valid configuration");
        let router = app.router;
        tokio::spawn(async move {
            api::http::serve_until(listener, router, std::future::pending(), Duration::ZERO)
                .await
                .unwrap()
        });
        Self {
            address,
            client: reqwest::Client::new(),
            db,
            statements,
            responses: app.responses,
            _sqlite_dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends a plain GET to a path of the app.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Posts a GraphQL request and returns the status and the JSON body.
    pub async fn post(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Posts a GraphQL request with `Authorization: Bearer <token>`.
    pub async fn post_as(&self, token: &str, query: &str, variables: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Runs a query as a token's holder that must succeed, and returns its `data`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_as(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs a query that must succeed, and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs a query that must fail, and returns its first error's `extensions.code`.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let (_, body) = self.post(query, variables).await;
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a code: {body}"))
            .to_owned()
    }

    /// How many SQL statements the app has sent so far to answer requests.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Runs a query and counts the SQL statements it issued.
    pub async fn count_statements(&self, query: &str, variables: Value) -> (usize, Value) {
        let before = self.statements.load(Ordering::SeqCst);
        let data = self.data(query, variables).await;
        (self.statements.load(Ordering::SeqCst) - before, data)
    }
}

pub const TEST_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const TEST_ISSUER: &str = "https://issuer.test";
pub const TEST_AUDIENCE: &str = "send-inspections-api";

pub fn test_config() -> Config {
    Config {
        auth: AuthConfig {
            jwt_secret: Some(TEST_SECRET.to_owned()),
            ..test_auth()
        },
        database_max_connections: 5,
        // The demo history is fixed; the calendar would meet its schedule on some days.
        announce_milestones: false,
        listen_addr: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    }
}

pub async fn fresh_database() -> (DatabaseConnection, Option<tempfile::TempDir>) {
    let place = Place::new().await;
    let db = place.connect().await;
    (db, place.sqlite_dir)
}

/// A fresh database that can be connected to again, as a restarted server does.
pub struct Place {
    url: String,
    /// The PostgreSQL schema; none for SQLite.
    schema: Option<String>,
    pub sqlite_dir: Option<tempfile::TempDir>,
}

impl Place {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Self {
                schema: Some(new_postgres_schema(&url).await),
                url,
                sqlite_dir: None,
            },
            _ => {
                let dir = tempfile::tempdir().unwrap();
                Self {
                    url: format!(
                        "sqlite://{}?mode=rwc",
                        dir.path().join("test.sqlite").display()
                    ),
                    schema: None,
                    sqlite_dir: Some(dir),
                }
            }
        }
    }

    /// The same database, for another server (its files stay with `self`).
    pub fn again(&self) -> Self {
        Self {
            url: self.url.clone(),
            schema: self.schema.clone(),
            sqlite_dir: None,
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        match &self.schema {
            Some(schema) => connect_to_schema(&self.url, schema).await,
            // The 30 s sqlx gives PostgreSQL (`connect_to_schema` keeps its default): a fresh
            // file's first connection sets WAL mode and syncs, which took over a second on a CI
            // machine loaded by the rest of the suite.
            None => api::db::connect(&self.url, 5, Duration::from_secs(30))
                .await
                .unwrap(),
        }
    }
}

/// A schema of its own in the PostgreSQL database at `url`.
pub async fn new_postgres_schema(url: &str) -> String {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(url)
        .await
        .expect("TEST_DATABASE_URL reachable");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    schema
}

/// A pool of connections to one schema of the PostgreSQL database at `url`.
pub async fn connect_to_schema(url: &str, schema: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(5)
        .set_schema_search_path(schema)
        .sqlx_logging(false);
    Database::connect(options).await.unwrap()
}

/// A query document from the partners' contract (`../shared/queries/`).
pub fn contract_query(name: &str) -> String {
    let path = format!("{}/../shared/queries/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Issuer and audience as the tests sign them, with no key source.
pub fn test_auth() -> AuthConfig {
    AuthConfig {
        jwt_issuer: Some(TEST_ISSUER.to_owned()),
        jwt_audience: Some(TEST_AUDIENCE.to_owned()),
        jwt_jwks_refresh_secs: 300,
        jwt_jwks_min_refetch_secs: 10,
        ..AuthConfig::default()
    }
}

/// A token for `role` signed with the test secret, valid for an hour.
pub fn token(role: &str, org_code: Option<&str>, scope: &str) -> String {
    token_for(&format!("{role}-tester"), role, org_code, scope)
}

/// A token of `subject`'s own.
pub fn token_for(subject: &str, role: &str, org_code: Option<&str>, scope: &str) -> String {
    let now = api::auth::unix_now();
    let claims = api::auth::Claims {
        sub: subject.to_owned(),
        exp: now + 3600,
        nbf: None,
        iat: Some(now),
        role: role.to_owned(),
        org_code: org_code.map(str::to_owned),
        scope: Some(scope.to_owned()),
    };
    api::auth::mint(&test_config().auth, &claims).unwrap()
}
