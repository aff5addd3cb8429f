//! Integration tests: the real app (router and database) over HTTP, on SQLite by default and on
//! PostgreSQL when TEST_DATABASE_URL is set.

mod areas;
mod auth;
mod authorization;
mod browser;
mod contract;
mod http;
mod inspections;
mod kept;
mod keys;
mod limits;
mod map_write;
mod metrics;
mod migrations;
mod nodes;
mod outage;
mod plans_write;
mod schema_sdl;
mod statements;
mod support;
mod websocket;
mod write_access;
mod writes;
