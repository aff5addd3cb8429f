//! `schema.graphql` is generated from the code; this fails when the two differ.

use api::{config::RequestLimits, graphql::build_schema};
use sea_orm::DatabaseConnection;

#[test]
fn checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let limits = RequestLimits::default();
    let rate_limiter = api::rate_limit::RateLimiter::new(0, 0, limits.max_cost);
    let sdl = build_schema(
        DatabaseConnection::default(),
        limits,
        rate_limiter,
        api::data_version::DataVersion::local(),
        api::config::Config::default().webhooks,
        std::sync::Arc::new(api::graphql::persisted::PersistedQueries::automatic()),
    )
    .sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == sdl,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test schema_sdl`"
    );
}

/// The schema partners code against: the one last released. It moves forward deliberately,
/// once what it lost had been deprecated until the date its deprecation gave.
const RELEASED: &str = include_str!("../fixtures/released.graphql");
const CURRENT: &str = include_str!("../../schema.graphql");

fn text(schema: &str, span: graphql_schema_diff::Span) -> &str {
    schema.get(span.start..span.end).unwrap_or_default()
}

/// Whether a change can break a query, a variable or a client's expectations that worked
/// against the released schema. Removing what was deprecated there is allowed.
fn breaks_clients(change: &graphql_schema_diff::Change) -> bool {
    use graphql_schema_diff::ChangeKind::*;
    // Removed after the date its deprecation gave.
    let removed_was_deprecated = || {
        change.source_span.is_some_and(|span| {
            text(RELEASED, span)
                .split_once("@deprecated")
                .and_then(|(_, reason)| removal_date(reason))
                .is_some_and(|date| date <= chrono::Utc::now().date_naive())
        })
    };
    // A new argument or input field breaks callers unless it is optional.
    let required = || {
        let added = text(CURRENT, change.span);
        added.contains('!') && !added.contains('=')
    };
    let on_input_object = || {
        let parent = change.path.split('.').next().unwrap_or_default();
        CURRENT.contains(&format!("input {parent} "))
    };
    match change.kind {
        RemoveField | RemoveEnumValue => !removed_was_deprecated(),
        ChangeQueryType
        | ChangeMutationType
        | RemoveObjectType
        | RemoveInterfaceImplementation
        | ChangeFieldType
        | RemoveUnion
        | RemoveUnionMember
        | RemoveEnum
        | RemoveScalar
        | RemoveInterface
        | RemoveInputObject
        | RemoveFieldArgument
        | RemoveFieldArgumentDefault
        | ChangeFieldArgumentType
        | RemoveDirectiveDefinition
        | RemoveSchemaDefinition => true,
        // A subscription root added where there was none breaks nothing.
        ChangeSubscriptionType => RELEASED.contains("subscription:"),
        AddFieldArgument => required(),
        AddField => on_input_object() && required(),
        _ => false,
    }
}

/// The removal date a deprecation's reason gives (`YYYY-MM-DD`).
fn removal_date(reason: &str) -> Option<chrono::NaiveDate> {
    reason
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find_map(|word| chrono::NaiveDate::parse_from_str(word, "%Y-%m-%d").ok())
}

#[test]
fn the_schema_changes_only_in_ways_that_keep_released_queries_working() {
    let changes = graphql_schema_diff::diff(RELEASED, CURRENT).expect("both schemas parse");
    let breaking: Vec<String> = changes
        .iter()
        .filter(|change| breaks_clients(change))
        .map(|change| format!("{:?} {}", change.kind, change.path))
        .collect();
    assert!(
        breaking.is_empty(),
        "changes that break the released schema: deprecate first, with a reason and a date, \
         and remove after the date (then copy schema.graphql to tests/fixtures/released.graphql):\n{}",
        breaking.join("\n")
    );
}

#[test]
fn every_deprecation_gives_a_reason_and_a_removal_date() {
    for (line_number, line) in CURRENT.lines().enumerate() {
        let Some((_, reason)) = line.split_once("@deprecated") else {
            continue;
        };
        assert!(
            reason.contains("reason:") && removal_date(reason).is_some(),
            "line {}: a deprecation needs a reason naming the replacement and a removal date \
             (YYYY-MM-DD): {line}",
            line_number + 1
        );
    }
}
