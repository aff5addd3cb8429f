//! The rules of area SEND inspection, as pure functions over plain values.
//!
//! No database, no GraphQL, no HTTP and no clock: callers pass `today` in. Everything here is
//! unit-tested without I/O.

pub mod codes;
pub mod engagement;
pub mod events;
pub mod inspection;
pub mod intervention;
pub mod map;
pub mod plans;
pub mod rejection;
pub mod schedule;
pub mod webhooks;

/// A date written in the code. Evaluated at compile time where it defines a constant, so an
/// impossible date fails the build rather than a request.
pub const fn date(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
    match chrono::NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// The longest prefix of a caller's input that an error message repeats.
pub const ECHO_LIMIT: usize = 64;

/// At most [`ECHO_LIMIT`] characters of a caller's input, for an error message: enough to
/// recognise it, never enough to reflect a large payload back.
pub fn echo(input: &str) -> String {
    match input.char_indices().nth(ECHO_LIMIT) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echo_keeps_a_short_prefix_only() {
        assert_eq!(echo("short"), "short");
        assert_eq!(echo(&"é".repeat(60_000)).chars().count(), ECHO_LIMIT + 1);
    }
}
