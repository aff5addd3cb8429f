//! `cargo run --release -p bench`: the API's benchmark, over real HTTP on loopback.
//!
//! For SQLite, and for PostgreSQL when `DATABASE_URL` names a server, at scale 1 (the demo
//! history: 153 areas) and 10 (1,530 areas, the extra ones synthetic): starts the release
//! server on a fresh database, then drives the partners' requests (the national dashboard, an
//! area page, the outcomes feed, one area's name) with wrk, after a warm-up, for a fixed time,
//! at concurrency 1 and 32, as the public and as a local partner. In the same run it measures a
//! bare endpoint of the same server answering a fixed body of the same size, and reports each
//! figure as a ratio to it. Prints requests/s, p50/p99, SQL statements and server CPU per
//! request, first answer, idle and peak memory, as a Markdown table and as CSV.

mod server;
mod wrk;

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use anyhow::Context as _;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use server::Server;

/// The allocator the API's binary runs with, so that the figures are its own.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(about = "Benchmarks the API over HTTP with wrk")]
struct Options {
    #[command(subcommand)]
    serve: Option<Serve>,
    /// Seconds each measurement lasts.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// How many times each measurement is made; the report gives the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    rounds: u64,
    /// Seconds of the same load before each measurement, not measured.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// A PostgreSQL server to benchmark too (a database of its own is made for each scale and
    /// dropped after); SQLite alone if not given.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Where to write the CSV as well.
    #[arg(long, default_value = "target/bench.csv")]
    csv: std::path::PathBuf,
}

#[derive(clap::Subcommand)]
enum Serve {
    /// Internal: the server under test (started by the benchmark itself).
    #[command(hide = true)]
    Serve {
        #[arg(long, default_value_t = 1)]
        scale: i32,
    },
}

/// How long a server rests after its first answer before its idle memory is read.
const IDLE_AFTER: Duration = Duration::from_secs(3);

/// Who the benchmark's tokens are from and for.
const TOKEN_ISSUER: &str = "https://bench.invalid";
const TOKEN_AUDIENCE: &str = "send-inspections-api";

/// The local partner the benchmark signs in as: Cornwall, whose area page it asks for.
const PARTNER_ORGANISATION: &str = "E06000052";

struct Query {
    name: &'static str,
    body: String,
    /// Measured at scale 10 too.
    at_every_scale: bool,
}

fn queries() -> Vec<Query> {
    let body = |query: &str, variables: Value| json!({ "query": query, "variables": variables });
    let feed = include_str!("../../examples/queries/outcomes_feed.graphql")
        .replace("first: 100", "first: 50");
    vec![
        Query {
            name: "national dashboard",
            body: body(
                include_str!("../../examples/queries/national_dashboard.graphql"),
                json!({}),
            )
            .to_string(),
            at_every_scale: true,
        },
        Query {
            name: "area page (Cornwall)",
            body: body(
                include_str!("../../examples/queries/area_page.graphql"),
                json!({ "code": PARTNER_ORGANISATION }),
            )
            .to_string(),
            at_every_scale: false,
        },
        Query {
            name: "outcomes feed (outcome 3, 50)",
            body: body(&feed, json!({ "outcome": "OUTCOME_3" })).to_string(),
            at_every_scale: false,
        },
        Query {
            name: "area name",
            body: body(
                include_str!("../../examples/queries/area_name.graphql"),
                json!({ "code": PARTNER_ORGANISATION }),
            )
            .to_string(),
            at_every_scale: false,
        },
    ]
}

/// One request, by one viewer, at one concurrency, measured once per round.
struct Case<'a> {
    query: &'a Query,
    viewer: &'static str,
    token: Option<&'a str>,
    concurrency: usize,
    bytes: usize,
    samples: Vec<Sample>,
}

struct Sample {
    run: wrk::Run,
    statements: u64,
    cpu: Duration,
}

/// The middle value by `key` (of an even count, the upper middle).
fn median_by<T>(values: &[T], key: impl Fn(&T) -> f64) -> &T {
    let mut sorted: Vec<&T> = values.iter().collect();
    sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    sorted[sorted.len() / 2]
}

/// One line of the report: the median round of a case.
struct Line {
    backend: &'static str,
    scale: i32,
    request: String,
    viewer: &'static str,
    concurrency: usize,
    run: wrk::Run,
    /// Requests/s of the bare endpoint for a body of the same size, at the same concurrency.
    bare: f64,
    statements: f64,
    cpu: Duration,
    bytes: usize,
}

/// What one server showed outside the measurements.
struct Footprint {
    backend: &'static str,
    scale: i32,
    first_answer: Duration,
    idle: u64,
    peak: u64,
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    match options.serve {
        Some(Serve::Serve { scale }) => runtime.block_on(server::serve(scale)),
        None => runtime.block_on(benchmark(&options)),
    }
}

async fn benchmark(options: &Options) -> anyhow::Result<()> {
    wrk::check_installed().await?;
    let queries = queries();
    let mut lines = Vec::new();
    let mut footprints = Vec::new();
    let mut backends = vec![("sqlite", None)];
    if let Some(url) = options
        .database_url
        .as_deref()
        .filter(|url| url.starts_with("postgres"))
    {
        backends.push(("postgres", Some(url)));
    }
    for (backend, server_url) in backends {
        for scale in [1, 10] {
            let database = Scratch::new(server_url, scale).await?;
            let (mut measured, footprint) =
                measure(options, backend, scale, &database.url, &queries).await?;
            lines.append(&mut measured);
            footprints.push(footprint);
            database.drop().await?;
        }
    }
    let (table, csv) = report(&lines, &footprints);
    println!("{table}");
    if let Some(parent) = options.csv.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&options.csv, &csv)?;
    println!("CSV written to {}", options.csv.display());
    Ok(())
}

async fn measure(
    options: &Options,
    backend: &'static str,
    scale: i32,
    database_url: &str,
    queries: &[Query],
) -> anyhow::Result<(Vec<Line>, Footprint)> {
    let scratch = tempfile::tempdir()?;
    let secret = format!("bench-{}", "s".repeat(40));
    let probe: Value = serde_json::from_str(&queries[queries.len() - 1].body)?;
    // The first start makes and seeds the database; the measured server then starts on it,
    // as a server restarts in production, so that its memory is its own, not the seeding's.
    let fresh = Server::start(database_url, scale, &secret, &probe).await?;
    let first_answer = fresh.first_answer;
    eprintln!(
        "{backend}, scale {scale}: first answer {} ms after start on a fresh database",
        first_answer.as_millis()
    );
    fresh.stop().await?;
    let server = Server::start(database_url, scale, &secret, &probe).await?;
    let partner = partner_token(&secret)?;
    let client = reqwest::Client::new();
    // Idle: at rest after start, once the allocator has handed back what starting used (about
    // a second, see .cargo/config.toml). The peak is then the peak under load alone.
    tokio::time::sleep(IDLE_AFTER).await;
    let (idle, _) = server.memory()?;
    server.reset_peak_memory()?;
    let duration = Duration::from_secs(options.seconds);
    let warmup = Duration::from_secs(options.warmup);
    let mut cases = Vec::new();
    for query in queries
        .iter()
        .filter(|query| scale == 1 || query.at_every_scale)
    {
        for (viewer, token) in [("public", None), ("local partner", Some(partner.as_str()))] {
            let bytes = answer_size(&client, &server, &query.body, token)
                .await
                .with_context(|| format!("{} as {viewer}", query.name))?;
            let concurrencies: &[usize] = if scale == 1 { &[1, 32] } else { &[32] };
            for &concurrency in concurrencies {
                cases.push(Case {
                    query,
                    viewer,
                    token,
                    concurrency,
                    bytes,
                    samples: Vec::new(),
                });
            }
        }
    }
    // Rounds run every case once each, so that a slow spell of the machine falls on one round
    // of every case rather than on every round of one; the report takes the median round.
    let mut bare: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
    for round in 1..=options.rounds {
        eprintln!(
            "{backend}, scale {scale}: round {round} of {}",
            options.rounds
        );
        for case in &mut cases {
            let request = wrk::Request {
                url: server.url("/graphql"),
                body: Some(&case.query.body),
                token: case.token,
            };
            wrk::run(scratch.path(), &request, case.concurrency, warmup).await?;
            let (statements, cpu) = (server.statements().await?, server.cpu()?);
            let run = wrk::run(scratch.path(), &request, case.concurrency, duration).await?;
            case.samples.push(Sample {
                run,
                statements: server.statements().await? - statements,
                cpu: server.cpu()? - cpu,
            });
            bare.entry((case.bytes, case.concurrency)).or_default();
        }
        for (&(bytes, concurrency), rates) in &mut bare {
            let request = wrk::Request {
                url: server.url(&format!("/bare/{bytes}")),
                body: None,
                token: None,
            };
            wrk::run(scratch.path(), &request, concurrency, warmup).await?;
            rates.push(
                wrk::run(scratch.path(), &request, concurrency, duration)
                    .await?
                    .per_second,
            );
        }
    }
    let lines = cases
        .into_iter()
        .map(|case| {
            let requests: u64 = case.samples.iter().map(|sample| sample.run.requests).sum();
            let statements: u64 = case.samples.iter().map(|sample| sample.statements).sum();
            let cpu: Duration = case.samples.iter().map(|sample| sample.cpu).sum();
            let median = median_by(&case.samples, |sample| sample.run.per_second);
            let bare = bare
                .get(&(case.bytes, case.concurrency))
                .map_or(f64::NAN, |rates| *median_by(rates, |rate| *rate));
            let line = Line {
                backend,
                scale,
                request: case.query.name.to_owned(),
                viewer: case.viewer,
                concurrency: case.concurrency,
                run: median.run,
                bare,
                statements: statements as f64 / requests.max(1) as f64,
                cpu: cpu / u32::try_from(requests.max(1)).unwrap_or(u32::MAX),
                bytes: case.bytes,
            };
            eprintln!("{}", row(&line));
            line
        })
        .collect();
    let (_, peak) = server.memory()?;
    Ok((
        lines,
        Footprint {
            backend,
            scale,
            first_answer,
            idle,
            peak,
        },
    ))
}

/// Checks the answer has no error, and returns its size.
async fn answer_size(
    client: &reqwest::Client,
    server: &Server,
    body: &str,
    token: Option<&str>,
) -> anyhow::Result<usize> {
    let mut request = client
        .post(server.url("/graphql"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let text = request.send().await?.text().await?;
    let answer: Value = serde_json::from_str(&text)?;
    if let Some(errors) = answer.get("errors") {
        anyhow::bail!("the query failed: {errors}");
    }
    Ok(text.len())
}

fn partner_token(secret: &str) -> anyhow::Result<String> {
    let config = api::config::Cli::try_parse_from([
        "api",
        "--jwt-secret",
        secret,
        "--jwt-issuer",
        TOKEN_ISSUER,
        "--jwt-audience",
        TOKEN_AUDIENCE,
    ])?
    .config;
    let now = api::auth::unix_now();
    let claims = api::auth::Claims {
        sub: "bench-partner".to_owned(),
        exp: now + 3600,
        nbf: None,
        iat: Some(now),
        role: "local_partner".to_owned(),
        org_code: Some(PARTNER_ORGANISATION.to_owned()),
        scope: Some("read".to_owned()),
    };
    api::auth::mint(&config.auth, &claims)
}

/// A fresh database for one server: a SQLite file, or a PostgreSQL database made on the server
/// at `server_url` and dropped after.
struct Scratch {
    url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Scratch {
    async fn new(server_url: Option<&str>, scale: i32) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let Some(server_url) = server_url else {
            let file = dir.path().join("bench.sqlite");
            return Ok(Self {
                url: format!("sqlite://{}?mode=rwc", file.display()),
                postgres: None,
                _dir: dir,
            });
        };
        let name = format!("send_bench_{}_{scale}", std::process::id());
        let admin = Database::connect(server_url).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        admin.close().await?;
        let mut url = url::Url::parse(server_url)?;
        url.set_path(&format!("/{name}"));
        Ok(Self {
            url: url.to_string(),
            postgres: Some((server_url.to_owned(), name)),
            _dir: dir,
        })
    }

    async fn drop(self) -> anyhow::Result<()> {
        if let Some((server_url, name)) = self.postgres {
            let admin = Database::connect(&server_url).await?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin.close().await?;
        }
        Ok(())
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn row(line: &Line) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.1} |",
        line.backend,
        line.scale,
        line.request,
        line.viewer,
        line.concurrency,
        line.run.per_second,
        millis(line.run.p50),
        millis(line.run.p99),
        line.run.per_second / line.bare,
        line.statements,
        line.cpu.as_secs_f64() * 1e6,
        line.bytes as f64 / 1024.0,
    )
}

fn report(lines: &[Line], footprints: &[Footprint]) -> (String, String) {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| backend | scale | request | viewer | c | req/s | p50 ms | p99 ms | vs bare | SQL/req | CPU µs/req | KiB |"
    );
    let _ = writeln!(
        table,
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut csv = String::from(
        "backend,scale,request,viewer,concurrency,requests_per_second,p50_ms,p99_ms,bare_requests_per_second,ratio_to_bare,sql_per_request,cpu_us_per_request,response_bytes\n",
    );
    for line in lines {
        let _ = writeln!(table, "{}", row(line));
        let bare = line.bare;
        let _ = writeln!(
            csv,
            "{},{},\"{}\",{},{},{:.1},{:.3},{:.3},{:.1},{:.3},{:.3},{:.1},{}",
            line.backend,
            line.scale,
            line.request,
            line.viewer,
            line.concurrency,
            line.run.per_second,
            millis(line.run.p50),
            millis(line.run.p99),
            bare,
            line.run.per_second / bare,
            line.statements,
            line.cpu.as_secs_f64() * 1e6,
            line.bytes,
        );
    }
    let _ = writeln!(table);
    let _ = writeln!(
        table,
        "| backend | scale | first answer ms | idle RSS MiB | peak RSS MiB |"
    );
    let _ = writeln!(table, "|---|---:|---:|---:|---:|");
    for footprint in footprints {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.1} | {:.1} |",
            footprint.backend,
            footprint.scale,
            footprint.first_answer.as_millis(),
            mib(footprint.idle),
            mib(footprint.peak),
        );
    }
    (table, csv)
}
