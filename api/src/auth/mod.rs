//! Authentication: `Authorization: Bearer <JWT>` in, a [`Viewer`] out.
//!
//! No header means the public. A header that is present but wrong in any way (malformed,
//! signature, algorithm, expiry, not-yet-valid, issuer, audience, unknown role, a local partner
//! without a known organisation) is an error, never a downgrade to the public. Why a token was
//! refused is logged; the client learns only that it was.

mod keys;
mod organisations;

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use chrono::NaiveDate;
use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

pub use keys::KeyConfigError;
use keys::Keys;
use organisations::OrganisationAreas;

use crate::{
    config::{AuthConfig, TokenArgs},
    data_version::DataVersion,
    domain::codes::OrganisationCode,
    error::AppError,
    policy::{Caller, Role, Viewer},
};

/// Tokens longer than this are refused unread.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The longest `sub` accepted: identity providers' subjects are UUIDs or e-mail-like names.
const MAX_SUBJECT_BYTES: usize = 255;
/// Clock skew tolerated on `exp`, `nbf` and `iat` (the issue allows at most 60 s).
const LEEWAY_SECS: u64 = 30;

/// Why a request's credentials were refused. Logged, never sent: clients see UNAUTHENTICATED.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("the Authorization header is not `Bearer <token>`")]
    NotBearer,
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("no key is configured to verify tokens")]
    NoKeys,
    #[error("token rejected: {0}")]
    Token(#[from] jsonwebtoken::errors::Error),
    #[error("the token's algorithm {0:?} does not match the configured key")]
    Algorithm(Algorithm),
    #[error("no configured key has the token's key id")]
    UnknownKey,
    #[error("the key set could not be fetched: {0}")]
    KeySet(String),
    #[error("the token was issued in the future")]
    IssuedInFuture,
    #[error("the token's subject is empty or longer than {MAX_SUBJECT_BYTES} bytes")]
    Subject,
    #[error("the token lives longer than the {0} s allowed")]
    Lifetime(u64),
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error("a local partner token needs the org_code of a known local authority or ICB")]
    Organisation,
    #[error("the organisation could not be looked up")]
    Lookup(#[from] AppError),
}

impl Rejection {
    /// A failure on our side (the database, the key provider), not of the credentials: the
    /// caller should retry, not be told its token is bad.
    pub fn is_internal(&self) -> bool {
        matches!(self, Rejection::KeySet(_) | Rejection::Lookup(_))
    }
}

/// The claims this API reads. `exp`, `iss`, `aud` and `sub` are required and checked by the
/// validation (which reads `iss` and `aud` itself); `nbf` and `iat` are honoured when present.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_code: Option<String>,
    /// Space-separated `read` and `write`; absent means read only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Verifies tokens against the configured key, issuer and audience.
pub struct Authenticator {
    keys: Option<Keys>,
    issuer: String,
    audience: String,
    max_ttl_secs: u64,
    organisations: OrganisationAreas,
}

impl Authenticator {
    /// `data_version` says when the local partners' areas it keeps must be read again.
    pub fn from_config(
        config: &AuthConfig,
        data_version: Arc<DataVersion>,
    ) -> Result<Self, KeyConfigError> {
        let keys = Keys::from_config(config)?;
        if keys.is_none() {
            tracing::warn!("no JWT key configured: every bearer token will be refused");
        }
        Ok(Self {
            keys,
            issuer: config.jwt_issuer.clone().unwrap_or_default(),
            audience: config.jwt_audience.clone().unwrap_or_default(),
            max_ttl_secs: config.jwt_max_ttl_secs,
            organisations: OrganisationAreas::new(data_version),
        })
    }

    /// The viewer behind an `Authorization` header value (`None`: the public).
    pub async fn viewer(
        &self,
        db: &DatabaseConnection,
        authorization: Option<&str>,
        today: NaiveDate,
    ) -> Result<Viewer, Rejection> {
        let Some(authorization) = authorization else {
            return Ok(Viewer::Public);
        };
        let token = authorization
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(Rejection::NotBearer)?;
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Rejection::TooLong);
        }
        let claims = self.verify(token).await?;
        let caller = caller(&self.organisations, db, claims, today).await?;
        Ok(Viewer::SignedIn(caller))
    }

    async fn verify(&self, token: &str) -> Result<Claims, Rejection> {
        let keys = self.keys.as_ref().ok_or(Rejection::NoKeys)?;
        let header = jsonwebtoken::decode_header(token)?;
        let (key, algorithm) = keys.key_for(&header).await?;
        let mut validation = Validation::new(algorithm);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)?.claims;
        let now = now();
        if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECS) {
            return Err(Rejection::IssuedInFuture);
        }
        if claims.sub.trim().is_empty() || claims.sub.len() > MAX_SUBJECT_BYTES {
            return Err(Rejection::Subject);
        }
        // A stolen long-lived token stays useful for as long as it lives: measure from when it
        // was issued, or from now for a token that does not say.
        let lifetime = claims.exp.saturating_sub(claims.iat.unwrap_or(now));
        if lifetime > self.max_ttl_secs + LEEWAY_SECS {
            return Err(Rejection::Lifetime(self.max_ttl_secs));
        }
        Ok(claims)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn role(name: &str) -> Result<Role, Rejection> {
    Ok(match name {
        "ofsted" => Role::Ofsted,
        "cqc" => Role::Cqc,
        "dfe" => Role::Dfe,
        "nhs_england" => Role::NhsEngland,
        "local_partner" => Role::LocalPartner,
        other => return Err(Rejection::UnknownRole(other.to_owned())),
    })
}

async fn caller(
    organisations: &OrganisationAreas,
    db: &DatabaseConnection,
    claims: Claims,
    today: NaiveDate,
) -> Result<Caller, Rejection> {
    let role = role(&claims.role)?;
    let can_write = claims
        .scope
        .as_deref()
        .is_some_and(|scope| scope.split_whitespace().any(|s| s == "write"));
    let (organisation, area_ids) = if role == Role::LocalPartner {
        let code = claims
            .org_code
            .as_deref()
            .map(OrganisationCode::parse)
            .and_then(Result::ok)
            .ok_or(Rejection::Organisation)?;
        let areas = organisations
            .of(db, &code, today)
            .await?
            .ok_or(Rejection::Organisation)?;
        (Some(code.to_string()), areas.to_vec())
    } else {
        (None, Vec::new())
    };
    Ok(Caller {
        subject: claims.sub,
        role,
        organisation,
        area_ids,
        can_write,
    })
}

#[derive(Serialize)]
struct SignedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    #[serde(flatten)]
    claims: &'a Claims,
}

/// Signs a development token with the HS256 secret, issuer and audience (`api token`).
pub fn mint(config: &AuthConfig, claims: &Claims) -> anyhow::Result<String> {
    let secret = config
        .jwt_secret
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("JWT_SECRET is not set: it is needed to sign tokens"))?;
    role(&claims.role).map_err(|error| anyhow::anyhow!("{error}"))?;
    let signed = SignedClaims {
        iss: config.jwt_issuer.as_deref().unwrap_or_default(),
        aud: config.jwt_audience.as_deref().unwrap_or_default(),
        claims,
    };
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &signed,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

/// The `api token` subcommand: a token from its arguments, signed with the HS256 secret. It
/// refuses what the server would refuse, so a developer learns it here rather than from a 401.
pub fn development_token(config: &AuthConfig, args: &TokenArgs) -> anyhow::Result<String> {
    let secret = config.jwt_secret.as_deref().unwrap_or_default();
    anyhow::ensure!(
        secret.len() >= keys::MIN_SECRET_BYTES,
        "JWT_SECRET must be set and at least {} bytes",
        keys::MIN_SECRET_BYTES
    );
    anyhow::ensure!(
        !args.subject.trim().is_empty() && args.subject.len() <= MAX_SUBJECT_BYTES,
        "--subject must be 1 to {MAX_SUBJECT_BYTES} bytes"
    );
    anyhow::ensure!(
        args.ttl.as_secs() <= config.jwt_max_ttl_secs,
        "--ttl is longer than JWT_MAX_TTL_SECS ({} s)",
        config.jwt_max_ttl_secs
    );
    if role(&args.role).map_err(|error| anyhow::anyhow!("{error}"))? == Role::LocalPartner {
        let code = args.org_code.as_deref().ok_or_else(|| {
            anyhow::anyhow!("a local_partner token needs --org-code (an LA's or ICB's ONS code)")
        })?;
        OrganisationCode::parse(code)?;
    }
    let issued_at = now();
    let claims = Claims {
        sub: args.subject.clone(),
        exp: issued_at + args.ttl.as_secs(),
        nbf: None,
        iat: Some(issued_at),
        role: args.role.clone(),
        org_code: args.org_code.clone(),
        scope: Some(args.scope.clone()),
    };
    mint(config, &claims)
}

/// Seconds since the Unix epoch, for minting.
pub fn unix_now() -> u64 {
    now()
}
