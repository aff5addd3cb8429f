//! Prometheus metrics at `/metrics`, through the `metrics` facade and its Prometheus exporter.
//! Names follow Prometheus conventions: a `send_inspections_` prefix, base units, `_total` on
//! counters. Operation names are chosen by clients, so only the first
//! [`MAX_OPERATION_LABELS`] distinct labels are made; later names count as `other`.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock, PoisonError},
    time::Duration,
};

use metrics::{Counter, Histogram, counter, gauge, histogram};
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
/// Request metrics by operation label, then by code. Handles are registered with the recorder
/// installed at the time, which the app installs before it serves.
static REQUESTS: OnceLock<Mutex<Requests>> = OnceLock::new();
static KEPT_ANSWERS: OnceLock<[Counter; 2]> = OnceLock::new();

#[derive(Default)]
struct Requests {
    /// How many of the labels are clients' own operation names.
    names: usize,
    by_label: HashMap<String, Vec<RequestMetrics>>,
}

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
    let metrics = REQUESTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .metrics(operation, code);
    metrics.count.increment(1);
    metrics.duration.record(elapsed.as_secs_f64());
}

/// The handles of one operation label and code, registered once: a request then records
/// through them without building and looking up their keys.
#[derive(Clone)]
struct RequestMetrics {
    code: &'static str,
    count: Counter,
    duration: Histogram,
}

impl Requests {
    fn metrics(&mut self, operation: Option<&str>, code: &'static str) -> RequestMetrics {
        let mut label = operation_label(operation);
        // A client's own name, not a word it counts under, takes one of the labels left.
        if operation == Some(label) && !self.by_label.contains_key(label) {
            if self.names < MAX_OPERATION_LABELS {
                self.names += 1;
            } else {
                label = "other";
            }
        }
        let by_code = match self.by_label.get_mut(label) {
            Some(by_code) => by_code,
            None => self.by_label.entry(label.to_owned()).or_default(),
        };
        if let Some(known) = by_code.iter().find(|metrics| metrics.code == code) {
            return known.clone();
        }
        let metrics = RequestMetrics {
            code,
            count: counter!(
                "send_inspections_requests_total",
                "operation" => label.to_owned(),
                "code" => code
            ),
            duration: histogram!(
                "send_inspections_request_duration_seconds",
                "operation" => label.to_owned(),
                "code" => code
            ),
        };
        by_code.push(metrics.clone());
        metrics
    }
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

/// A client's operation name if it can be a label, or the word it counts under.
fn operation_label(operation: Option<&str>) -> &str {
    match operation {
        None => "anonymous",
        Some(name)
            if !name.is_empty()
                && name.len() <= MAX_OPERATION_LABEL_BYTES
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            name
        }
        Some(_) => "other",
    }
}

/// One SQL statement sent to the database to answer a request.
pub fn statement() {
    counter!("send_inspections_database_statements_total").increment(1);
}

/// A query that could be answered from memory: served so, or run (none kept, or stale).
pub fn kept_answer(served: bool) {
    let [served_count, ran_count] = KEPT_ANSWERS.get_or_init(|| {
        ["served", "ran"]
            .map(|outcome| counter!("send_inspections_kept_answers_total", "outcome" => outcome))
    });
    if served { served_count } else { ran_count }.increment(1);
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

    #[test]
    fn only_the_first_operation_names_get_labels_of_their_own() {
        let mut requests = Requests::default();
        for index in 0..MAX_OPERATION_LABELS {
            requests.metrics(Some(&format!("Operation{index}")), "OK");
        }
        requests.metrics(Some("Operation0"), "FORBIDDEN");
        requests.metrics(Some("OneTooMany"), "OK");
        requests.metrics(None, "OK");
        requests.metrics(Some("bad name"), "OK");

        assert!(requests.by_label.contains_key("Operation0"));
        assert_eq!(requests.by_label["Operation0"].len(), 2);
        assert!(!requests.by_label.contains_key("OneTooMany"));
        assert_eq!(requests.by_label["other"].len(), 1);
        assert_eq!(requests.by_label["anonymous"].len(), 1);
        assert_eq!(requests.by_label.len(), MAX_OPERATION_LABELS + 2);
    }
}
