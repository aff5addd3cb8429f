//! GraphiQL in a real browser: headless Chromium (Debian's package) loads the page from the
//! binary, with no network beyond this server, and runs the default query. Driven over the
//! DevTools protocol. It needs /usr/bin/chromium, which `.ci/run` installs, so it is ignored by
//! a plain `cargo test` and run by CI with `--ignored`.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite::Message};

use crate::support::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium is killed when this drops (`kill_on_drop`), before its profile is removed.
struct Browser {
    _child: Child,
    _profile: tempfile::TempDir,
}

/// Chromium with a fresh profile and no background traffic, and the DevTools port it chose.
async fn launch() -> (Browser, u16) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| panic!("{CHROMIUM}: {error} (apt-get install chromium)"));
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("DevTools listening on ws://127.0.0.1:") {
                return rest.split('/').next().unwrap().parse::<u16>().unwrap();
            }
        }
        panic!("Chromium exited without a DevTools port");
    })
    .await
    .expect("Chromium's DevTools port within 30 s");
    // Keep draining its log so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (
        Browser {
            _child: child,
            _profile: profile,
        },
        port,
    )
}

struct Page {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u64,
}

impl Page {
    async fn open(port: u16) -> Self {
        let targets: Value = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let page = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|target| target["type"] == "page")
            .expect("a page target");
        let url = page["webSocketDebuggerUrl"].as_str().unwrap();
        let (socket, _) = connect_async(url).await.unwrap();
        Self { socket, next_id: 0 }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
        while let Some(message) = self.socket.next().await {
            if let Message::Text(text) = message.unwrap() {
                let reply: Value = serde_json::from_str(text.as_str()).unwrap();
                if reply["id"] == id {
                    assert!(reply.get("error").is_none(), "{method}: {reply}");
                    return reply["result"].clone();
                }
            }
        }
        panic!("the DevTools socket closed");
    }

    async fn evaluate(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .await;
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it yields a string containing `expected`.
    async fn wait_for(&mut self, expression: &str, expected: &str) -> String {
        let started = Instant::now();
        loop {
            if let Value::String(text) = self.evaluate(expression).await
                && text.contains(expected)
            {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "`{expression}` never showed `{expected}`"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium (/usr/bin/chromium); .ci/run installs it and runs this test"]
async fn graphiql_renders_and_runs_its_default_query_in_chromium() {
    let app = TestApp::spawn().await;
    let (_browser, port) = launch().await;
    let mut page = Page::open(port).await;

    page.call("Page.navigate", json!({ "url": app.url("/graphql") }))
        .await;
    page.wait_for(
        "document.querySelector('.graphiql-execute-button') ? 'ready' : ''",
        "ready",
    )
    .await;
    page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        .await;
    let answer = page
        .wait_for(
            "(document.querySelector('.graphiql-response') || {}).innerText || ''",
            "Cornwall",
        )
        .await;

    assert!(answer.contains("\"name\""), "{answer}");
}
