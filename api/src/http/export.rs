//! `GET /export/{inspections,areas,priority-actions}.{csv,ndjson}`: bulk exports for
//! spreadsheets and data pipelines, under the caller's token and the policy of the GraphQL
//! reads, with the same filters as query parameters (`?outcome=OUTCOME_3&region=LONDON`).
//!
//! The body is streamed a page at a time, so memory stays the same whatever the size. `ETag`
//! and `Last-Modified` come from the event log (and the day, which moves computed schedules):
//! an export asked again with `If-None-Match` while nothing changed is a 304.

use async_graphql::{EnumType, InputType};
use axum::{
    body::{Body, Bytes},
    extract::{Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{audit_event, enums};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::Value as Json;

use super::{AppState, AuthFailure, authenticate, error_response as refuse, kept::none_match};
use crate::{
    domain::codes::{IcbCode, LocalAuthorityCode},
    error::{AppError, Code},
    policy::{self, Viewer},
    rate_limit::{Charge, whole_seconds},
    service::{
        area::AreaFilter,
        export::{self, Record, Rows},
        inspection::InspectionFilter,
    },
};

/// What an export charges the caller's rate-limit bucket: as much as a page of 250 rows with
/// a few relations, read through GraphQL.
const COST: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dataset {
    Inspections,
    Areas,
    PriorityActions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Ndjson,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

fn parse_file(file: &str) -> Option<(Dataset, Format)> {
    let (name, extension) = file.rsplit_once('.')?;
    let dataset = match name {
        "inspections" => Dataset::Inspections,
        "areas" => Dataset::Areas,
        "priority-actions" => Dataset::PriorityActions,
        _ => return None,
    };
    let format = match extension {
        "csv" => Format::Csv,
        "ndjson" => Format::Ndjson,
        _ => return None,
    };
    Some((dataset, format))
}

/// The filters of the GraphQL reads, as query parameters under the same names.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Parameters {
    area: Option<String>,
    framework: Option<String>,
    kind: Option<String>,
    outcome: Option<String>,
    published_on_or_after: Option<NaiveDate>,
    published_on_or_before: Option<NaiveDate>,
    updated_since: Option<DateTime<Utc>>,
    region: Option<String>,
    icb: Option<String>,
    local_authority_type: Option<String>,
    latest_outcome: Option<String>,
    is_overdue: Option<bool>,
    as_of: Option<NaiveDate>,
}

/// A GraphQL enumeration value named as the schema names it (`OUTCOME_3`, `LONDON`).
fn enumeration<T: EnumType + InputType>(
    name: &str,
    raw: Option<&str>,
) -> Result<Option<T>, AppError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    T::items()
        .iter()
        .find(|item| item.name == raw)
        .map(|item| Some(item.value))
        .ok_or_else(|| {
            AppError::BadInput(format!(
                "`{name}` is not one of {}",
                T::items()
                    .iter()
                    .map(|item| item.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// What to export, parsed from the query string.
enum Request {
    Inspections(InspectionFilter),
    Areas(AreaFilter, Option<NaiveDate>),
    PriorityActions(Option<LocalAuthorityCode>),
}

fn request(dataset: Dataset, query: &str) -> Result<Request, AppError> {
    let parameters: Parameters = serde_urlencoded::from_str(query).map_err(|error| {
        AppError::BadInput(format!(
            "the query parameters are not an export's filters: {}",
            crate::domain::echo(&error.to_string())
        ))
    })?;
    let given = [
        ("area", parameters.area.is_some()),
        ("framework", parameters.framework.is_some()),
        ("kind", parameters.kind.is_some()),
        ("outcome", parameters.outcome.is_some()),
        (
            "publishedOnOrAfter",
            parameters.published_on_or_after.is_some(),
        ),
        (
            "publishedOnOrBefore",
            parameters.published_on_or_before.is_some(),
        ),
        ("updatedSince", parameters.updated_since.is_some()),
        ("region", parameters.region.is_some()),
        ("icb", parameters.icb.is_some()),
        (
            "localAuthorityType",
            parameters.local_authority_type.is_some(),
        ),
        ("latestOutcome", parameters.latest_outcome.is_some()),
        ("isOverdue", parameters.is_overdue.is_some()),
        ("asOf", parameters.as_of.is_some()),
    ];
    let accepted: &[&str] = match dataset {
        Dataset::Inspections => &[
            "area",
            "framework",
            "kind",
            "outcome",
            "publishedOnOrAfter",
            "publishedOnOrBefore",
            "updatedSince",
            "region",
            "icb",
        ],
        Dataset::Areas => &[
            "region",
            "localAuthorityType",
            "icb",
            "latestOutcome",
            "isOverdue",
            "asOf",
        ],
        Dataset::PriorityActions => &["area"],
    };
    if let Some((name, _)) = given
        .iter()
        .find(|(name, given)| *given && !accepted.contains(name))
    {
        return Err(AppError::BadInput(format!(
            "`{name}` does not filter this export; it takes {}",
            accepted.join(", ")
        )));
    }
    let area = parameters
        .area
        .as_deref()
        .map(LocalAuthorityCode::parse)
        .transpose()?;
    let icb = parameters.icb.as_deref().map(IcbCode::parse).transpose()?;
    let region = enumeration::<enums::Region>("region", parameters.region.as_deref())?;
    Ok(match dataset {
        Dataset::Inspections => Request::Inspections(InspectionFilter {
            area,
            framework: enumeration("framework", parameters.framework.as_deref())?,
            kind: enumeration("kind", parameters.kind.as_deref())?,
            outcome: enumeration("outcome", parameters.outcome.as_deref())?,
            published_on_or_after: parameters.published_on_or_after,
            published_on_or_before: parameters.published_on_or_before,
            updated_since: parameters.updated_since,
            region,
            icb,
        }),
        Dataset::Areas => Request::Areas(
            AreaFilter {
                region,
                local_authority_type: enumeration(
                    "localAuthorityType",
                    parameters.local_authority_type.as_deref(),
                )?,
                icb,
                latest_outcome: enumeration("latestOutcome", parameters.latest_outcome.as_deref())?,
                is_overdue: parameters.is_overdue,
            },
            parameters.as_of,
        ),
        Dataset::PriorityActions => Request::PriorityActions(area),
    })
}

pub async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    request_info: axum::extract::Request,
) -> Response {
    let Some((dataset, format)) = parse_file(&file) else {
        return refuse(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "exports are inspections, areas and priority-actions, as .csv or .ndjson",
        );
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let (viewer, today) = match authenticate(&state, authorization).await {
        Ok(authenticated) => authenticated,
        Err(AuthFailure::Refused) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                Code::Unauthenticated,
                "the bearer token is not valid",
            );
        }
        Err(AuthFailure::Unavailable) => return unavailable(),
    };
    let rate_key = state
        .rate_limiter
        .key(&viewer, super::client_address(&request_info));
    let charge = rate_key
        .as_deref()
        .and_then(|key| state.rate_limiter.charge(key, COST));
    if let Some(Charge::Refused { retry_after }) = charge {
        crate::metrics::rate_limited();
        let mut refused = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            Code::RateLimited,
            "the query-cost budget is spent; retry later",
        );
        refused.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(whole_seconds(retry_after).max(1)),
        );
        return refused;
    }
    let query = query.unwrap_or_default();
    let wanted = match request(dataset, &query) {
        Ok(wanted) => wanted,
        Err(error) => {
            return refuse(StatusCode::BAD_REQUEST, error.code(), &error.to_string());
        }
    };
    let (etag, last_modified) = match validators(&state.db, &viewer, &file, &query, today).await {
        Ok(validators) => validators,
        Err(error) => {
            tracing::error!(%error, "cannot read the event log for an export's validators");
            return unavailable();
        }
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|held| none_match(held, &etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = Body::from_stream(stream(state.db.clone(), viewer, wanted, format, today));
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        if let Ok(disposition) = HeaderValue::try_from(format!("attachment; filename=\"{file}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, disposition);
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    // Kept by a client, checked each time; shared caches must not answer one caller with
    // another's export.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("authorization"));
    if let Ok(value) = HeaderValue::try_from(
        last_modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    ) {
        headers.insert(header::LAST_MODIFIED, value);
    }
    response
}

/// The validators of an export: the event log's head (every change), the day (computed
/// schedules), and what was asked by whom. `Last-Modified` is the later of the last change and
/// the start of the day.
async fn validators(
    db: &DatabaseConnection,
    viewer: &Viewer,
    file: &str,
    query: &str,
    today: NaiveDate,
) -> Result<(HeaderValue, DateTime<Utc>), AppError> {
    let last: Option<(i32, DateTime<Utc>)> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Id)
        .column(audit_event::Column::OccurredAt)
        .order_by_desc(audit_event::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    let (sequence, changed_at) = last.unwrap_or((0, DateTime::<Utc>::MIN_UTC));
    use sha2::Digest as _;
    let asked = sha2::Sha256::digest(format!("{:?}|{file}|{query}", policy::audience(viewer)));
    let asked: String = asked[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let etag = HeaderValue::try_from(format!("W/\"{sequence}-{today}-{asked}\""))
        .map_err(|_| AppError::Internal)?;
    let day_began = today.and_time(chrono::NaiveTime::MIN).and_utc();
    Ok((etag, changed_at.max(day_began)))
}

/// The export's bytes: a header line for CSV, then each page's rows as they are read. A
/// failure part-way ends the stream with an error, which breaks the connection: a client never
/// mistakes a cut-off export for a whole one.
fn stream(
    db: DatabaseConnection,
    viewer: Viewer,
    wanted: Request,
    format: Format,
    today: NaiveDate,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    async_stream::try_stream! {
        let mut after: Option<String> = None;
        let mut first = true;
        loop {
            let rows = page(&db, &viewer, &wanted, after.as_deref(), today)
                .await
                .map_err(|error| {
                    tracing::error!(%error, "an export stopped part-way");
                    std::io::Error::other("the export stopped part-way")
                })?;
            yield encode(&rows.records, format, first);
            first = false;
            match rows.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
}

async fn page(
    db: &DatabaseConnection,
    viewer: &Viewer,
    wanted: &Request,
    after: Option<&str>,
    today: NaiveDate,
) -> Result<Rows, AppError> {
    match wanted {
        Request::Inspections(filter) => export::inspections(viewer, db, filter, after, today).await,
        Request::Areas(filter, as_of) => {
            export::areas(viewer, db, filter, as_of.unwrap_or(today)).await
        }
        Request::PriorityActions(area) => {
            export::priority_actions(viewer, db, area.as_ref(), today).await
        }
    }
}

/// Rows as CSV, with the header line before the first page's rows (an export without rows is
/// an empty file), or as NDJSON.
fn encode(records: &[Record], format: Format, first: bool) -> Bytes {
    let mut out = Vec::new();
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut out);
            if first && let Some(record) = records.first() {
                let _ = writer.write_record(record.iter().map(|(column, _)| *column));
            }
            for record in records {
                let _ = writer.write_record(record.iter().map(|(_, value)| cell(value)));
            }
            let _ = writer.flush();
        }
        Format::Ndjson => {
            for record in records {
                let object: serde_json::Map<String, Json> = record
                    .iter()
                    .map(|(column, value)| ((*column).to_owned(), value.clone()))
                    .collect();
                out.extend_from_slice(Json::Object(object).to_string().as_bytes());
                out.push(b'\n');
            }
        }
    }
    Bytes::from(out)
}

/// A value as a spreadsheet cell: null as empty, lists space-separated, and text as it is,
/// except that text a spreadsheet would run as a formula (partners write free text) is quoted
/// with a leading `'`.
fn cell(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            format!("'{text}")
        }
        Json::String(text) => text.clone(),
        Json::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

fn unavailable() -> Response {
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        Code::Unavailable,
        "the service is unavailable; retry shortly",
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_cell_never_runs_as_a_formula() {
        assert_eq!(cell(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(cell(&json!("@SUM(A1)")), "'@SUM(A1)");
        assert_eq!(cell(&json!("Reduce waits")), "Reduce waits");
        assert_eq!(
            cell(&json!(["E54000050", "E54000051"])),
            "E54000050 E54000051"
        );
        assert_eq!(cell(&Json::Null), "");
        assert_eq!(cell(&json!(true)), "true");
    }
}
