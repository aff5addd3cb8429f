//! A PostgreSQL outage under load, on a private server this test starts, stops and restarts
//! itself (`initdb` in a temporary directory, its own port): requests fail fast as UNAVAILABLE,
//! readiness follows the database, and the API recovers by itself when the database returns.

use std::{
    path::PathBuf,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::json;

use api::config::Config;

use crate::support::{TestApp, test_config};

/// A PostgreSQL server of the test's own, run as the `postgres` user (initdb refuses root).
struct PrivateServer {
    bin: PathBuf,
    data: tempfile::TempDir,
    port: u16,
}

impl PrivateServer {
    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin"))
            .find(|bin| bin.join("initdb").exists())
            .expect("initdb");
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        run(
            "chown",
            &["-R", "postgres", &data.path().display().to_string()],
        );
        let server = Self { bin, data, port };
        server.as_postgres(
            "initdb",
            &["-A", "trust", "-U", "postgres", "-D", &server.dir()],
        );
        server.pg_ctl("start");
        server
    }

    fn dir(&self) -> String {
        self.data.path().join("pg").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.data.path().display()
        );
        let log = self.data.path().join("log").display().to_string();
        let dir = self.dir();
        let mut args = vec!["-w", "-D", &dir, "-o", &options, "-l", &log];
        if action == "stop" {
            args.extend(["-m", "fast"]);
        }
        args.push(action);
        self.as_postgres("pg_ctl", &args);
    }

    fn as_postgres(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut full = vec!["-u", "postgres", "--", program.to_str().unwrap()];
        full.extend_from_slice(args);
        run("runuser", &full);
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.dir(), "-m", "immediate", "stop"])
            .output();
    }
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const QUERY: &str = "{ area(code: \"E06000001\") { name } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_fails_fast_and_the_api_recovers_without_a_restart() {
    let server = PrivateServer::start();
    // Half the 1 s the answer may take, so that a loaded machine still has the other half.
    let db = api::db::connect(&server.url(), 5, Duration::from_millis(500))
        .await
        .unwrap();
    // The query path itself: an answer kept from before the outage could be served in the
    // instant before the server notices that the database is gone.
    let config = Config {
        response_cache_bytes: 0,
        ..test_config()
    };
    let app = Arc::new(TestApp::spawn_on(db, false, config).await);
    assert_eq!(app.post(QUERY, json!({})).await.0, StatusCode::OK);

    // A bounded load that runs through the outage.
    let running = Arc::new(AtomicBool::new(true));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (app, running) = (app.clone(), running.clone());
            tokio::spawn(async move {
                let mut slowest = Duration::ZERO;
                while running.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let (status, body) = app.post(QUERY, json!({})).await;
                    slowest = slowest.max(started.elapsed());
                    if status != StatusCode::OK {
                        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
                        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                slowest
            })
        })
        .collect();

    server.pg_ctl("stop");
    for _ in 0..5 {
        let started = Instant::now();
        let (status, body) = app.post(QUERY, json!({})).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
        let started = Instant::now();
        let ready = app.get("/health/ready").await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(ready.headers().contains_key("retry-after"));
        let live = app.get("/health/live").await;
        assert_eq!(live.status(), StatusCode::OK);
    }

    server.pg_ctl("start");
    let restarted = Instant::now();
    loop {
        let (status, _) = app.post(QUERY, json!({})).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(restarted.elapsed() < Duration::from_secs(10), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), StatusCode::OK);

    running.store(false, Ordering::Relaxed);
    for worker in load {
        let slowest = worker.await.unwrap();
        assert!(
            slowest < Duration::from_secs(1),
            "a request took {slowest:?}"
        );
    }
}
