//! The server under test: this binary run again with `serve`, so that it is the release build
//! of the API's own code in a process of its own, whose CPU time and memory are its own.
//! It serves the API as `api serve` does, plus `/bare/{bytes}`: a fixed body of that size from
//! the same process and HTTP stack, the limit a GraphQL answer of that size is measured against.

use std::{
    net::SocketAddr,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use axum::{extract::Path, routing::get};
use clap::Parser as _;
use tokio::process::{Child, Command};

/// The areas of the real map; a scale of `n` adds synthetic ones up to `n` times as many.
const REAL_AREAS: i32 = 153;
/// The largest bare body served.
const MAX_BARE_BYTES: usize = 16 * 1024 * 1024;

/// Runs the server, configured by the environment as `api serve` is.
pub async fn serve(scale: i32) -> anyhow::Result<()> {
    let cli = api::config::Cli::try_parse_from(["api"])?;
    let config = cli.config;
    // Logging as `api serve` logs: a line per request at the default level.
    let _telemetry = api::telemetry::init(config.log_format);
    let db = api::db::connect(
        &config.database_url,
        config.database_max_connections,
        config.database_acquire_timeout(),
    )
    .await?;
    api::db::prepare(&db, true).await?;
    if scale > 1 {
        api::db::synthetic::fill(&db, REAL_AREAS * (scale - 1)).await?;
    }
    let router = api::app(&config, db)?
        .router
        .route("/bare/{bytes}", get(bare));
    let listener = tokio::net::TcpListener::bind(config.listen_addr).await?;
    api::http::serve(listener, router, Duration::from_secs(1)).await?;
    Ok(())
}

async fn bare(Path(bytes): Path<usize>) -> Vec<u8> {
    vec![b'x'; bytes.min(MAX_BARE_BYTES)]
}

/// A server started for one backend and scale.
pub struct Server {
    child: Child,
    pub address: SocketAddr,
    /// From spawning the process to its first answer.
    pub first_answer: Duration,
}

impl Server {
    /// Starts the server over `database_url` and waits for its first answer to `probe`.
    pub async fn start(
        database_url: &str,
        scale: i32,
        jwt_secret: &str,
        probe: &serde_json::Value,
    ) -> anyhow::Result<Self> {
        let address = free_address()?;
        let started = Instant::now();
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--scale", &scale.to_string()])
            .env("DATABASE_URL", database_url)
            .env("LISTEN_ADDR", address.to_string())
            .env("JWT_SECRET", jwt_secret)
            .env("JWT_ISSUER", crate::TOKEN_ISSUER)
            .env("JWT_AUDIENCE", crate::TOKEN_AUDIENCE)
            // One load generator sends everything: measure serving, not the rate limiter.
            .env("RATE_LIMIT_COST_PER_SECOND", "0")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the server")?;
        let mut server = Self {
            child,
            address,
            first_answer: Duration::ZERO,
        };
        let client = reqwest::Client::new();
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("the server stopped at start: {status}");
            }
            let answer = client.post(server.url("/graphql")).json(probe).send().await;
            if let Ok(answer) = answer
                && answer.status().is_success()
            {
                server.first_answer = started.elapsed();
                return Ok(server);
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("the server did not answer within two minutes");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Stops the server and waits for it to have gone.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn process(&self) -> anyhow::Result<procfs::process::Process> {
        let pid = self.child.id().context("the server has stopped")?;
        Ok(procfs::process::Process::new(i32::try_from(pid)?)?)
    }

    /// CPU time the server has used so far.
    pub fn cpu(&self) -> anyhow::Result<Duration> {
        let stat = self.process()?.stat()?;
        let ticks = stat.utime + stat.stime;
        Ok(Duration::from_secs_f64(
            ticks as f64 / procfs::ticks_per_second() as f64,
        ))
    }

    /// Resident memory now, and at its peak, in bytes.
    pub fn memory(&self) -> anyhow::Result<(u64, u64)> {
        let status = self.process()?.status()?;
        let kib = |value: Option<u64>| value.unwrap_or_default() * 1024;
        Ok((kib(status.vmrss), kib(status.vmhwm)))
    }

    /// Starts the peak resident memory afresh from what is resident now (Linux's
    /// `clear_refs`).
    pub fn reset_peak_memory(&self) -> anyhow::Result<()> {
        let pid = self.child.id().context("the server has stopped")?;
        std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
            .context("cannot reset the peak memory")
    }

    /// How many SQL statements the server has sent, from its metrics.
    pub async fn statements(&self) -> anyhow::Result<u64> {
        let scrape = reqwest::get(self.url("/metrics")).await?.text().await?;
        Ok(scrape
            .lines()
            .find_map(|line| line.strip_prefix("send_inspections_database_statements_total "))
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or(0))
    }
}

fn free_address() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
