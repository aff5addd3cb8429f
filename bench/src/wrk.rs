//! The load generator: wrk, a separate process in C, so that the client costs the two cores as
//! little as it can. Its Lua `done` hook prints the figures this benchmark reads.

use std::{path::Path, time::Duration};

use anyhow::{Context as _, bail};
use tokio::process::Command;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub requests: u64,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// A request as wrk sends it.
pub struct Request<'a> {
    pub url: String,
    /// A JSON body to POST; none for a GET.
    pub body: Option<&'a str>,
    pub token: Option<&'a str>,
}

const REPORT: &str = r#"
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"#;

/// Fails unless wrk can be run.
pub async fn check_installed() -> anyhow::Result<()> {
    let found = Command::new("wrk").arg("--version").output().await;
    match found {
        Ok(_) => Ok(()),
        Err(_) => bail!(
            "the benchmark drives its load with wrk, which is not installed: \
             `apt-get install wrk` (Debian, Ubuntu) or `brew install wrk` (macOS)"
        ),
    }
}

/// Sends `request` from `connections` connections for `duration`; fails on any error or
/// non-2xx answer.
pub async fn run(
    scratch: &Path,
    request: &Request<'_>,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Run> {
    let script = scratch.join("request.lua");
    std::fs::write(&script, script_for(request))?;
    let threads = connections.min(2);
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        // wrk counts time in whole seconds.
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("-s")
        .arg(&script)
        .arg(&request.url)
        .output()
        .await
        .context("cannot run wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(result) = stdout.lines().find_map(|line| line.strip_prefix("RESULT ")) else {
        bail!(
            "wrk reported nothing: {}{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let figures: Vec<u64> = result
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let [
        requests,
        duration_us,
        p50_us,
        p99_us,
        non_2xx,
        socket_errors,
    ] = figures[..]
    else {
        bail!("wrk's report is not understood: {result}");
    };
    if non_2xx > 0 || socket_errors > 0 {
        bail!("{non_2xx} answers were not 2xx and {socket_errors} failed at the socket");
    }
    Ok(Run {
        requests,
        per_second: requests as f64 / Duration::from_micros(duration_us).as_secs_f64(),
        p50: Duration::from_micros(p50_us),
        p99: Duration::from_micros(p99_us),
    })
}

fn script_for(request: &Request<'_>) -> String {
    let mut script = String::new();
    if let Some(body) = request.body {
        script.push_str("wrk.method = \"POST\"\n");
        script.push_str(&format!("wrk.body = {}\n", lua_string(body)));
        script.push_str("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
    }
    if let Some(token) = request.token {
        script.push_str(&format!(
            "wrk.headers[\"Authorization\"] = {}\n",
            lua_string(&format!("Bearer {token}"))
        ));
    }
    script.push_str(REPORT);
    script
}

/// A Lua long string that holds `text` as it is, whatever brackets it contains.
fn lua_string(text: &str) -> String {
    let level = (0..)
        .map(|level| "=".repeat(level))
        .find(|equals| !text.contains(&format!("]{equals}]")))
        .unwrap_or_default();
    format!("[{level}[{text}]{level}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lua_long_string_is_never_closed_by_its_text() {
        assert_eq!(lua_string("{}"), "[[{}]]");
        assert_eq!(lua_string("a]]b"), "[=[a]]b]=]");
        assert_eq!(lua_string("a]]b]=]"), "[==[a]]b]=]]==]");
    }
}
