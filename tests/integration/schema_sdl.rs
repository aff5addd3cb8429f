//! `schema.graphql` is generated from the code; this fails when the two differ.

use api::{config::RequestLimits, graphql::build_schema};
use sea_orm::DatabaseConnection;

#[test]
fn checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = build_schema(DatabaseConnection::default(), RequestLimits::default()).sdl();
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
