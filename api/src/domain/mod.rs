//! The rules of area SEND inspection, as pure functions over plain values.
//!
//! No database, no GraphQL, no HTTP and no clock: callers pass `today` in. Everything here is
//! unit-tested without I/O.

pub mod codes;
pub mod schedule;
