//! The binary as an operator runs it: a runaway request is cut at the deadline and its memory
//! returns; SIGTERM during one exits within the grace period; `api backup` writes a copy the
//! server can run from.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn api(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        );
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `api serve` and waits until it answers.
async fn serve(database: &Path, settings: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut command = api(database);
    command
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = Server {
        child: command.spawn().unwrap(),
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while reqwest::get(format!("{}/health/live", server.url))
        .await
        .is_err()
    {
        assert!(started.elapsed() < Duration::from_secs(30), "no answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// ICB → areas → ICBs → areas five times: millions of fields if nothing stops it.
const FAN_OUT: &str = "{ integratedCareBoard(code: \"QHM\") { areas { icbs { areas { icbs { areas \
    { icbs { areas { icbs { areas { icbs { areas { name } } } } } } } } } } } } }";

/// Every limit but the deadline out of the way.
const UNLIMITED: [(&str, &str); 4] = [
    ("GRAPHQL_MAX_COST", "18446744073709551615"),
    ("GRAPHQL_MAX_RESOLVED_FIELDS", "18446744073709551615"),
    ("GRAPHQL_MAX_RESPONSE_BYTES", "18446744073709551615"),
    ("RATE_LIMIT_COST_PER_SECOND", "0"),
];

async fn post(url: &str, query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_runaway_request_ends_at_the_deadline_and_its_memory_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = UNLIMITED.to_vec();
    settings.push(("REQUEST_TIMEOUT_SECS", "2"));
    let server = serve(&dir.path().join("db.sqlite"), &settings).await;
    post(&server.url, "{ area(code: \"E06000001\") { name } }").await;
    let idle = rss_kib(server.child.id());
    let started = Instant::now();

    let response = post(&server.url, FAN_OUT).await;

    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT");
    // The allocator hands freed pages back within about a second.
    let near_idle = idle + 16 * 1024;
    let freed = Instant::now();
    let mut after = rss_kib(server.child.id());
    while after > near_idle && freed.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = rss_kib(server.child.id());
    }
    assert!(
        after <= near_idle,
        "RSS {after} KiB 5 s after the request, {idle} KiB idle"
    );
}

#[tokio::test]
async fn sigterm_during_a_long_request_exits_within_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = UNLIMITED.to_vec();
    settings.extend([("REQUEST_TIMEOUT_SECS", "60"), ("SHUTDOWN_GRACE_SECS", "1")]);
    let mut server = serve(&dir.path().join("db.sqlite"), &settings).await;
    let url = server.url.clone();
    let long_request = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{url}/graphql"))
            .json(&json!({ "query": FAN_OUT }))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();

    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM with a grace of 1 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    assert!(status.success(), "{status}");
    assert!(signalled.elapsed() >= Duration::from_millis(900));
    assert!(
        long_request.await.unwrap().is_err(),
        "the aborted request got an answer"
    );
}

#[tokio::test]
async fn a_backup_is_a_database_the_server_runs_from() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.sqlite");
    let copy = dir.path().join("copy.sqlite");
    let seeded = api(&original).args(["seed", "--demo"]).status().unwrap();
    assert!(seeded.success());

    let backup = api(&original)
        .args(["backup", "--output"])
        .arg(&copy)
        .status()
        .unwrap();
    let again = api(&original)
        .args(["backup", "--output"])
        .arg(&copy)
        .output()
        .unwrap();

    assert!(backup.success());
    assert!(
        !again.status.success(),
        "a backup must not overwrite a file"
    );
    let server = serve(&copy, &[]).await;
    let response = post(
        &server.url,
        "{ area(code: \"E06000052\") { latestFullInspection { outcome isSynthetic } } }",
    )
    .await;
    let body: Value = response.json().await.unwrap();
    let inspection = &body["data"]["area"]["latestFullInspection"];
    assert_eq!(inspection["isSynthetic"], true, "{body}");
    assert!(inspection["outcome"].is_string(), "{body}");
}

/// An OTLP/HTTP receiver that keeps the bodies of the trace exports it is sent.
async fn trace_collector() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    use axum::{Router, body::Bytes, routing::post};
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = received.clone();
    let router = Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            store.lock().unwrap().push(body.to_vec());
            async {}
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{address}"), received)
}

#[tokio::test]
async fn traces_go_to_the_otlp_endpoint_and_continue_the_callers_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (endpoint, received) = trace_collector().await;
    let server = serve(
        &dir.path().join("db.sqlite"),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
    .await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&json!({ "query": "{ area(code: \"E06000001\") { name inspections { kind } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let trace_id_bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_id[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let contains = |haystack: &[u8], needle: &[u8]| {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    };
    let started = Instant::now();
    loop {
        let exported: Vec<u8> = received.lock().unwrap().concat();
        let done = contains(&exported, &trace_id_bytes)
            && contains(&exported, b"request")
            && contains(&exported, b"db.statement")
            && contains(&exported, b"find_by_code");
        if done {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no export with the caller's trace id, the request, a service call and a statement"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The development settings for tokens signed with a shared secret.
const DEV_TOKENS: [(&str, &str); 3] = [
    ("JWT_SECRET", "process-test-secret-of-at-least-32-bytes"),
    ("JWT_ISSUER", "https://issuer.test"),
    ("JWT_AUDIENCE", "send-inspections-api"),
];

#[tokio::test]
async fn an_acknowledged_change_survives_the_process_being_killed() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("writes.sqlite");
    let minted = api(&database)
        .envs(DEV_TOKENS)
        .args([
            "token",
            "--role",
            "ofsted",
            "--scope",
            "read write",
            "--ttl",
            "1h",
        ])
        .output()
        .unwrap();
    assert!(minted.status.success());
    let token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let ask = |url: String, query: &'static str| {
        let token = token.clone();
        async move {
            let response = reqwest::Client::new()
                .post(format!("{url}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": query }))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    let mut server = serve(&database, &DEV_TOKENS).await;
    let body = ask(
        server.url.clone(),
        "mutation { scheduleInspection(input: { areaCode: \"E06000001\", framework: FRAMEWORK_2023,
           kind: FULL, plannedStartOn: \"2027-01-11\" }) { inspection { id } userErrors { code } } }",
    )
    .await;
    let id = body["data"]["scheduleInspection"]["inspection"]["id"].clone();
    assert!(id.is_string(), "{body}");
    // SIGKILL: no shutdown, no flush beyond what the commit already did.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let server = serve(&database, &DEV_TOKENS).await;
    let body = ask(
        server.url.clone(),
        "{ area(code: \"E06000001\") { inspections { id plannedStartOn } }
           auditTrail(filter: { area: \"E06000001\" }) { totalCount } }",
    )
    .await;
    assert_eq!(body["data"]["area"]["inspections"][0]["id"], id, "{body}");
    assert_eq!(body["data"]["auditTrail"]["totalCount"], 1, "{body}");
}
