use std::process::ExitCode;

use clap::Parser;

/// jemalloc, with a background thread that hands freed pages back to the system within about
/// a second (`.cargo/config.toml`): after a large request the process shrinks back to its idle
/// size, where glibc's and mimalloc's allocators keep the pages of idle worker threads.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = api::config::Cli::parse();
    let _telemetry = api::telemetry::init(cli.config.log_format);
    match api::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
