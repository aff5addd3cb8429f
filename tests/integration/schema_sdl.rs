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
