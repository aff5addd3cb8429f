//! Prometheus metrics at `/metrics`, through the `metrics` facade and its Prometheus exporter.
//! Names follow Prometheus conventions: a `send_inspections_` prefix, base units, `_total` on
//! counters. Operation names are chosen by clients, so only the first
//! [`MAX_OPERATION_LABELS`] distinct ones get a label of their own; the rest count as `other`.

use std::{
    collections::HashSet,
    sync::{Mutex, OnceLock},
    time::Duration,
};

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};

const MAX_OPERATION_LABELS: usize = 100;
const MAX_OPERATION_LABEL_BYTES: usize = 64;

const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
const COST_BUCKETS: &[f64] = &[
    1.0, 10.0, 50.0, 100.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0, 25_000.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static OPERATIONS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls share it) and returns its handle.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("send_inspections_query_cost".to_owned()),
                        COST_BUCKETS,
                    )
                })
                .map(PrometheusBuilder::build_recorder);
            let recorder = match recorder {
                Ok(recorder) => recorder,
                Err(error) => {
                    tracing::error!(%error, "cannot build the metrics recorder");
                    return None;
                }
            };
            let handle = recorder.handle();
            if let Err(error) = metrics::set_global_recorder(recorder) {
                tracing::error!(%error, "another metrics recorder is installed");
                return None;
            }
            gauge!("send_inspections_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        })
        .clone()
}

/// One answered GraphQL request: its operation, the code it ended with (`OK` if none) and
/// how long it took.
pub fn request(operation: Option<&str>, code: &'static str, elapsed: Duration) {
    let operation = operation_label(operation);
    counter!(
        "send_inspections_requests_total",
        "operation" => operation.clone(),
        "code" => code
    )
    .increment(1);
    histogram!(
        "send_inspections_request_duration_seconds",
        "operation" => operation,
        "code" => code
    )
    .record(elapsed.as_secs_f64());
}

/// The cost of a query that validated.
pub fn query_cost(cost: usize) {
    histogram!("send_inspections_query_cost").record(cost as f64);
}

/// Rows read from the database to answer requests.
pub fn rows_loaded(rows: usize) {
    counter!("send_inspections_database_rows_loaded_total").increment(rows as u64);
}

/// A request refused because its caller spent its query-cost budget.
pub fn rate_limited() {
    counter!("send_inspections_rate_limited_total").increment(1);
}

/// The text a Prometheus scrape reads, with the pool's gauges as they stand now.
pub fn render(handle: &PrometheusHandle, db: &DatabaseConnection) -> String {
    let (size, idle) = pool_connections(db);
    gauge!("send_inspections_database_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    gauge!("send_inspections_database_connections", "state" => "idle").set(f64::from(idle));
    handle.render()
}

fn pool_connections(db: &DatabaseConnection) -> (u32, u32) {
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => (0, 0),
    }
}

fn operation_label(operation: Option<&str>) -> String {
    let Some(name) = operation.filter(|name| {
        !name.is_empty()
            && name.len() <= MAX_OPERATION_LABEL_BYTES
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }) else {
        return if operation.is_none() {
            "anonymous"
        } else {
            "other"
        }
        .to_owned();
    };
    let Ok(mut seen) = OPERATIONS.get_or_init(|| Mutex::new(HashSet::new())).lock() else {
        return "other".to_owned();
    };
    if seen.contains(name) || seen.len() < MAX_OPERATION_LABELS {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// One SQL statement sent to the database.
pub fn statement() {
    counter!("send_inspections_database_statements_total").increment(1);
}

/// A query that could be answered from memory: served so, or run (none kept, or stale).
pub fn kept_answer(served: bool) {
    let outcome = if served { "served" } else { "ran" };
    counter!("send_inspections_kept_answers_total", "outcome" => outcome).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_plain_names_or_a_fixed_word() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("AreaPage")), "AreaPage");
        assert_eq!(operation_label(Some("bad name\n")), "other");
        assert_eq!(operation_label(Some(&"x".repeat(65))), "other");
    }
}
