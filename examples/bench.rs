//! `cargo run --release --example bench`: serves the API over a fresh database with the demo
//! history and measures the partners' queries over HTTP, printing a table for the README.
//!
//! Options (environment): BENCH_REQUESTS (per query, default 400), BENCH_CONCURRENCY (clients
//! in flight, default 4), BENCH_DATABASE_URL (default: a temporary SQLite file; a postgres://
//! URL benchmarks PostgreSQL and must name an empty database).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

const QUERIES: [(&str, &str, &str); 4] = [
    (
        "area name (smallest request)",
        include_str!("queries/area_name.graphql"),
        r#"{"code": "E09000033"}"#,
    ),
    (
        "area page (one area, full history)",
        include_str!("queries/area_page.graphql"),
        r#"{"code": "E06000010"}"#,
    ),
    (
        "outcomes feed (100 inspections)",
        include_str!("queries/outcomes_feed.graphql"),
        "{}",
    ),
    (
        "national dashboard (153 areas)",
        include_str!("queries/national_dashboard.graphql"),
        "{}",
    ),
];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The allocator the server binary runs with (`api/src/main.rs`), so the figures are its own.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let requests = env_number("BENCH_REQUESTS", 400);
    let concurrency = env_number("BENCH_CONCURRENCY", 4).max(1);
    let scratch = tempfile::tempdir()?;
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            scratch.path().join("bench.sqlite").display()
        )
    });
    let backend = url.split(':').next().unwrap_or_default().to_owned();
    let mut config = api::config::Config {
        database_url: url,
        listen_addr: "127.0.0.1:0".parse()?,
        ..api::config::Config::default()
    };
    // One client sends every request: the benchmark measures serving, not the rate limiter.
    config.limits.rate_limit_cost_per_second = 0;
    let db = api::db::connect(
        &config.database_url,
        config.database_max_connections,
        config.database_acquire_timeout(),
    )
    .await?;
    api::db::prepare(&db, true).await?;

    let listener = tokio::net::TcpListener::bind(config.listen_addr).await?;
    config.listen_addr = listener.local_addr()?;
    let router = api::app(&config, db)?.router;
    tokio::spawn(api::http::serve_until(
        listener,
        router,
        std::future::pending(),
        std::time::Duration::ZERO,
    ));
    let endpoint = format!("http://{}/graphql", config.listen_addr);
    let client = reqwest::Client::new();

    println!(
        "backend: {backend}; {requests} requests per query, {concurrency} in flight; release build: {}",
        !cfg!(debug_assertions)
    );
    println!("| query | requests/s | p50 ms | p90 ms | p99 ms | response KiB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, query, variables) in QUERIES {
        let body =
            json!({ "query": query, "variables": serde_json::from_str::<Value>(variables)? });
        let size = send(&client, &endpoint, &body).await?;
        for _ in 0..20 {
            send(&client, &endpoint, &body).await?;
        }
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(requests);
        let per_client = requests.div_ceil(concurrency);
        let clients = (0..concurrency).map(|_| {
            let (client, endpoint, body) = (client.clone(), endpoint.clone(), body.clone());
            tokio::spawn(async move {
                let mut timings = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let start = Instant::now();
                    send(&client, &endpoint, &body).await?;
                    timings.push(start.elapsed());
                }
                anyhow::Ok(timings)
            })
        });
        for timings in futures_util::future::join_all(clients).await {
            latencies.extend(timings??);
        }
        let elapsed = started.elapsed();
        latencies.sort();
        let percentile = |p: f64| {
            let index =
                ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            millis(latencies[index])
        };
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} |",
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentile(0.50),
            percentile(0.90),
            percentile(0.99),
            size as f64 / 1024.0,
        );
    }
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Sends one request and fails on any GraphQL error; returns the response size in bytes.
async fn send(client: &reqwest::Client, endpoint: &str, body: &Value) -> anyhow::Result<usize> {
    let text = client
        .post(endpoint)
        .json(body)
        .send()
        .await?
        .text()
        .await?;
    let response: Value = serde_json::from_str(&text)?;
    if let Some(errors) = response.get("errors") {
        anyhow::bail!("query failed: {errors}");
    }
    Ok(text.len())
}
