//! Why a change was refused, in terms a caller can act on: the `userErrors` of a mutation.

use chrono::NaiveDate;
use url::Url;

/// A refused change. Nothing is written when a change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The input is malformed or out of range; `field` is its path in the input.
    #[error("{message}")]
    InvalidValue { field: Vec<String>, message: String },
    /// The input is well formed but a rule of the lifecycle forbids it now.
    #[error("{message}")]
    InvalidTransition { message: String },
    /// The object changed since the caller read it.
    #[error("the object has changed since revision {read}: read it again")]
    StaleRevision { read: i32 },
}

impl Rejection {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidValue {
            field: field.split('.').map(str::to_owned).collect(),
            message: message.into(),
        }
    }

    pub fn transition(message: impl Into<String>) -> Self {
        Self::InvalidTransition {
            message: message.into(),
        }
    }
}

pub type Checked<T> = Result<T, Rejection>;

/// The longest free text an input may carry: a summary, a note, a recommendation.
pub const MAX_TEXT: usize = 10_000;
/// The longest URL an input may carry.
pub const MAX_URL: usize = 2_000;
/// The most recommendations one report may carry.
pub const MAX_RECOMMENDATIONS: usize = 100;
/// No record of this API predates the 2016 framework.
pub const EARLIEST: NaiveDate = super::date(2016, 5, 1);
/// The 2023 framework's inspections and engagement meetings began in 2023.
pub const FRAMEWORK_2023_BEGAN: NaiveDate = super::date(2023, 1, 1);

/// Free text: not blank, at most [`MAX_TEXT`] characters, stored trimmed.
pub fn text(field: &str, value: &str) -> Checked<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::invalid(field, "must not be blank"));
    }
    if trimmed.chars().count() > MAX_TEXT {
        return Err(Rejection::invalid(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Optional free text: absent or blank is none.
pub fn optional_text(field: &str, value: Option<&str>) -> Checked<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(field, value).map(Some),
    }
}

/// An absolute https URL of at most [`MAX_URL`] characters.
pub fn https_url(field: &str, value: &str) -> Checked<String> {
    let value = value.trim();
    if value.len() > MAX_URL {
        return Err(Rejection::invalid(
            field,
            format!("must be at most {MAX_URL} characters"),
        ));
    }
    match Url::parse(value) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => Ok(url.into()),
        _ => Err(Rejection::invalid(field, "must be an absolute https URL")),
    }
}

/// The date of something that has happened: not before the 2016 framework, not after today.
pub fn past_date(field: &str, date: NaiveDate, today: NaiveDate) -> Checked<NaiveDate> {
    if date > today {
        return Err(Rejection::invalid(field, "must not be in the future"));
    }
    plausible_date(field, date)
}

/// How far ahead anything may be planned: a full inspection is due within five years.
pub const MAX_YEARS_AHEAD: u32 = 5;

/// A planned date: plausible, and at most [`MAX_YEARS_AHEAD`] years after today.
pub fn planned_date(field: &str, date: NaiveDate, today: NaiveDate) -> Checked<NaiveDate> {
    let horizon = today
        .checked_add_months(chrono::Months::new(12 * MAX_YEARS_AHEAD))
        .unwrap_or(NaiveDate::MAX);
    if date > horizon {
        return Err(Rejection::invalid(
            field,
            format!("must be at most {MAX_YEARS_AHEAD} years ahead"),
        ));
    }
    plausible_date(field, date)
}

/// Any date this API records: not before the 2016 framework.
pub fn plausible_date(field: &str, date: NaiveDate) -> Checked<NaiveDate> {
    if date < EARLIEST {
        return Err(Rejection::invalid(
            field,
            format!("must not be before {EARLIEST}"),
        ));
    }
    Ok(date)
}

/// A date along a lifecycle: never before the step it follows.
pub fn not_before(
    field: &str,
    date: NaiveDate,
    previous: Option<(&str, NaiveDate)>,
) -> Checked<NaiveDate> {
    match previous {
        Some((step, earlier)) if date < earlier => Err(Rejection::transition(format!(
            "{field} must not be before {step} ({earlier}): dates never run backwards"
        ))),
        _ => Ok(date),
    }
}

/// The revision a change names must be the one stored.
pub fn revision(read: i32, current: i32) -> Checked<()> {
    if read == current {
        Ok(())
    } else {
        Err(Rejection::StaleRevision { read })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("note", "  a note ").unwrap(), "a note");
        assert_eq!(
            text("input.note", "   "),
            Err(Rejection::InvalidValue {
                field: vec!["input".into(), "note".into()],
                message: "must not be blank".into()
            })
        );
        assert!(text("note", &"é".repeat(MAX_TEXT)).is_ok());
        assert!(text("note", &"é".repeat(MAX_TEXT + 1)).is_err());
        assert_eq!(optional_text("note", Some("  ")).unwrap(), None);
    }

    #[test]
    fn urls_are_absolute_https_and_bounded() {
        assert!(https_url("url", "https://reports.ofsted.gov.uk/provider/44/80001").is_ok());
        for bad in [
            "http://reports.ofsted.gov.uk/x",
            "javascript:alert(1)",
            "/relative",
            "https://",
            "not a url",
        ] {
            assert!(https_url("url", bad).is_err(), "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL));
        assert!(https_url("url", &long).is_err());
    }

    #[test]
    fn dates_of_events_are_past_and_in_order() {
        let today = day(2026, 11, 26);
        assert!(past_date("on", today, today).is_ok());
        assert!(past_date("on", day(2026, 11, 27), today).is_err());
        assert!(past_date("on", day(2015, 1, 1), today).is_err());
        assert!(planned_date("on", day(2031, 11, 26), today).is_ok());
        assert!(planned_date("on", day(2031, 11, 27), today).is_err());
        assert!(not_before("b", day(2026, 1, 2), Some(("a", day(2026, 1, 2)))).is_ok());
        assert!(matches!(
            not_before("b", day(2026, 1, 1), Some(("a", day(2026, 1, 2)))),
            Err(Rejection::InvalidTransition { .. })
        ));
    }

    #[test]
    fn a_revision_must_match() {
        assert!(revision(3, 3).is_ok());
        assert_eq!(revision(2, 3), Err(Rejection::StaleRevision { read: 2 }));
    }
}
