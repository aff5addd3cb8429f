//! Official identifiers, validated once at the edge: ONS (GSS) codes of local authorities and
//! ICBs, and NHS ODS codes.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error(
        "`{0}` is not an ONS code of an upper-tier local authority (E06, E08, E09 or E10 and six digits)"
    )]
    LocalAuthority(String),
    #[error("`{0}` is neither an ICB's ONS code (E54 and six digits) nor an NHS ODS code")]
    IntegratedCareBoard(String),
    #[error("`{0}` is not the ONS code of a local authority (E06, E08, E09, E10) or ICB (E54)")]
    Organisation(String),
}

/// The ONS code of an upper-tier local authority, e.g. `E06000001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalAuthorityCode(String);

/// Codes that ONS reissued for the same council. The reference data keeps the April 2023 codes,
/// which ICB lookups and most publishers still use, so both must find the same area.
const REISSUED_LA_CODES: &[(&str, &str)] = &[
    // Barnsley and Sheffield, recoded on 1 April 2025 after SI 2024/1328's boundary change.
    ("E08000038", "E08000016"),
    ("E08000039", "E08000019"),
];

impl LocalAuthorityCode {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        let valid_series = ["E06", "E08", "E09", "E10"]
            .iter()
            .any(|series| code.starts_with(series));
        if valid_series && is_gss_shaped(&code) {
            Ok(Self(code))
        } else {
            Err(CodeError::LocalAuthority(super::echo(raw)))
        }
    }

    /// The code under which the authority is stored: a reissued code maps to its original.
    pub fn canonical(&self) -> &str {
        REISSUED_LA_CODES
            .iter()
            .find(|(reissued, _)| *reissued == self.0)
            .map_or(self.0.as_str(), |(_, original)| original)
    }
}

impl fmt::Display for LocalAuthorityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ICB identified by either of its official codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IcbCode {
    /// ONS code, e.g. `E54000050`.
    Ons(String),
    /// NHS ODS code, e.g. `QHM`.
    Ods(String),
}

impl IcbCode {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.starts_with("E54") && is_gss_shaped(&code) {
            Ok(Self::Ons(code))
        } else if (3..=5).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(Self::Ods(code))
        } else {
            Err(CodeError::IntegratedCareBoard(super::echo(raw)))
        }
    }
}

/// A local partner's organisation, by its ONS code: a local authority or an ICB. Parsed once
/// where a token enters, so the rest of the code sees only the normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrganisationCode {
    LocalAuthority(LocalAuthorityCode),
    IntegratedCareBoard(IcbCode),
}

impl OrganisationCode {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        if let Ok(code) = LocalAuthorityCode::parse(raw) {
            return Ok(Self::LocalAuthority(code));
        }
        match IcbCode::parse(raw) {
            Ok(code @ IcbCode::Ons(_)) => Ok(Self::IntegratedCareBoard(code)),
            _ => Err(CodeError::Organisation(super::echo(raw))),
        }
    }
}

impl fmt::Display for OrganisationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LocalAuthority(code) => code.fmt(f),
            Self::IntegratedCareBoard(IcbCode::Ons(code) | IcbCode::Ods(code)) => f.write_str(code),
        }
    }
}

fn is_gss_shaped(code: &str) -> bool {
    code.len() == 9 && code[3..].chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_code_is_normalised_once_and_must_be_an_ons_code() {
        let la = OrganisationCode::parse(" e09000033 ").unwrap();
        assert_eq!(la.to_string(), "E09000033");
        let icb = OrganisationCode::parse("e54000050").unwrap();
        assert_eq!(icb.to_string(), "E54000050");
        for refused in ["QHM", "E07000001", "", "E0900003"] {
            assert!(OrganisationCode::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn local_authority_codes_of_every_upper_tier_series_parse() {
        for code in [
            "E06000001",
            "E08000025",
            "E09000033",
            "E10000014",
            " e06000053 ",
        ] {
            assert!(LocalAuthorityCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn district_icb_and_malformed_codes_are_not_local_authority_codes() {
        for code in [
            "E07000223",
            "E54000050",
            "E0600001",
            "E06000O01",
            "",
            "E060000011",
        ] {
            assert_eq!(
                LocalAuthorityCode::parse(code),
                Err(CodeError::LocalAuthority(code.to_owned()))
            );
        }
    }

    #[test]
    fn reissued_barnsley_and_sheffield_codes_map_to_the_stored_ones() {
        let barnsley = LocalAuthorityCode::parse("E08000038").unwrap();
        assert_eq!(barnsley.canonical(), "E08000016");
        let sheffield = LocalAuthorityCode::parse("E08000039").unwrap();
        assert_eq!(sheffield.canonical(), "E08000019");
        let leeds = LocalAuthorityCode::parse("E08000035").unwrap();
        assert_eq!(leeds.canonical(), "E08000035");
    }

    #[test]
    fn icb_codes_are_ons_or_ods() {
        assert_eq!(
            IcbCode::parse("E54000050"),
            Ok(IcbCode::Ons("E54000050".into()))
        );
        assert_eq!(IcbCode::parse("qhm"), Ok(IcbCode::Ods("QHM".into())));
        assert!(IcbCode::parse("NOT A CODE").is_err());
        assert!(IcbCode::parse("Q").is_err());
    }
}
