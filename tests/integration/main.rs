//! Integration tests: the real app (router and database) over HTTP, on SQLite by default and on
//! PostgreSQL when TEST_DATABASE_URL is set.

mod areas;
mod auth;
mod authorization;
mod browser;
mod caching;
mod contract;
mod events;
mod export;
mod http;
mod inspections;
mod kept;
mod keys;
mod limits;
mod map_write;
mod metrics;
mod migrations;
mod milestones;
mod nodes;
mod outage;
mod persisted;
mod plans_write;
mod schema_sdl;
mod statements;
mod support;
mod webhooks;
mod websocket;
mod write_access;
mod writes;
