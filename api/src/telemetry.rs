//! Logs through `tracing` (readable text by default, JSON on request; levels from RUST_LOG),
//! and OpenTelemetry traces over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
//! standard variables configure the exporter). Traces carry a span per request (joining the
//! caller's W3C `traceparent`), per service call that reads the database, and per SQL
//! statement (sea-orm's `tracing-spans`).

use opentelemetry::{propagation::TextMapPropagator, trace::TracerProvider as _};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::{EnvFilter, Layer as _, fmt, prelude::*};

use crate::config::LogFormat;

/// What traces record: requests, service calls and SQL statements, whatever RUST_LOG keeps
/// out of the log.
const TRACE_FILTER: &str = "info,api=debug,sea_orm=info";

/// Keeps the log writer and the trace exporter running; dropping it flushes the log lines and
/// the spans not yet written.
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
    _log_writer: tracing_appender::non_blocking::WorkerGuard,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.tracer_provider.take()
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "could not flush the last traces");
        }
    }
}

pub fn init(format: LogFormat) -> Telemetry {
    log_panics();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // A line per request: written by a thread of its own, so that a request never waits for
    // stdout (if stdout falls a whole buffer behind, lines are dropped rather than requests
    // held), and coloured only for a terminal. The thread writes what has queued up in one
    // write and flushes as soon as the queue is empty: a system call per batch, not per line.
    let (writer, log_writer) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stdout()));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let log = match format {
        LogFormat::Text => fmt::layer().with_writer(writer).with_ansi(ansi).boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(writer)
            .boxed(),
    };
    let tracer_provider = tracer_provider();
    let traces = tracer_provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("send-inspections-api"))
            .with_filter(EnvFilter::new(TRACE_FILTER))
    });
    tracing_subscriber::registry()
        .with(log.with_filter(filter))
        .with(traces)
        .init();
    if tracer_provider.is_some() {
        tracing::info!("exporting traces over OTLP");
    }
    Telemetry {
        tracer_provider,
        _log_writer: log_writer,
    }
}

/// The OTLP exporter, if `OTEL_EXPORTER_OTLP_ENDPOINT` asks for one.
fn tracer_provider() -> Option<SdkTracerProvider> {
    std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT")?;
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => exporter,
        Err(error) => {
            eprintln!("OTEL_EXPORTER_OTLP_ENDPOINT is set but unusable, so no traces: {error}");
            return None;
        }
    };
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("send-inspections-api");
    }
    Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    )
}

/// Makes `span` continue the trace a caller's W3C `traceparent` header names, if any.
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    if headers.contains_key("traceparent") {
        let context =
            TraceContextPropagator::new().extract(&opentelemetry_http::HeaderExtractor(headers));
        if let Err(error) = span.set_parent(context) {
            tracing::debug!(?error, "cannot continue the caller's trace");
        }
    }
}

/// Logs a panic once, as an error in the span it happened in (so with its request id), instead
/// of the default hook's bare line on standard error.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|panic| {
        let location = panic.location().map(ToString::to_string);
        let message = panic
            .payload()
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(message, location, "panic");
    }));
}
