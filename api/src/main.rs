use std::{process::ExitCode, time::Duration};

use clap::Parser;

/// jemalloc, with a background thread that hands freed pages back to the system within about
/// a second (`.cargo/config.toml`): after a large request the process shrinks back to its idle
/// size, where glibc's and mimalloc's allocators keep the pages of idle worker threads.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// After the shutdown grace period, how long work that is still running gets before the
/// process exits anyway: a task in the middle of a poll cannot be aborted, only abandoned.
const ABANDON_AFTER: Duration = Duration::from_millis(500);

fn main() -> ExitCode {
    let cli = api::config::Cli::parse();
    let telemetry = api::telemetry::init(cli.config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(api::run(cli));
    runtime.shutdown_timeout(ABANDON_AFTER);
    drop(telemetry);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
