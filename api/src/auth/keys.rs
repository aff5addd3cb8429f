//! The keys tokens are verified with, and the one algorithm each accepts: HS256 for a shared
//! secret, RS256 or ES256 as the public key's type says. A token naming any other algorithm is
//! refused, so a public key can never be used as an HMAC secret.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use jsonwebtoken::{
    Algorithm, DecodingKey, Header,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm},
};
use tokio::sync::RwLock;

use super::Rejection;
use crate::config::AuthConfig;

/// HMAC secrets shorter than this are refused at start-up.
pub(super) const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyConfigError {
    #[error("set at most one of JWT_SECRET, JWT_PUBLIC_KEY_FILE, JWT_JWKS_FILE and JWT_JWKS_URL")]
    SeveralKeys,
    #[error("{0} must be set when a JWT key is configured")]
    Missing(&'static str),
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    ShortSecret,
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{0} holds neither an RSA nor an EC (P-256) public key in PEM")]
    NotAPublicKey(PathBuf),
    #[error("{path} is not a JWK set: {reason}")]
    NotAKeySet { path: PathBuf, reason: String },
}

pub enum Keys {
    Secret(DecodingKey),
    PublicKey(DecodingKey, Algorithm),
    KeySet(KeySet),
}

impl Keys {
    pub fn from_config(config: &AuthConfig) -> Result<Option<Self>, KeyConfigError> {
        let sources = [
            config.jwt_secret.is_some(),
            config.jwt_public_key_file.is_some(),
            config.jwt_jwks_file.is_some(),
            config.jwt_jwks_url.is_some(),
        ];
        match sources.iter().filter(|set| **set).count() {
            0 => return Ok(None),
            1 => {}
            _ => return Err(KeyConfigError::SeveralKeys),
        }
        if config.jwt_issuer.is_none() {
            return Err(KeyConfigError::Missing("JWT_ISSUER"));
        }
        if config.jwt_audience.is_none() {
            return Err(KeyConfigError::Missing("JWT_AUDIENCE"));
        }
        let keys = if let Some(secret) = &config.jwt_secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(KeyConfigError::ShortSecret);
            }
            Keys::Secret(DecodingKey::from_secret(secret.as_bytes()))
        } else if let Some(path) = &config.jwt_public_key_file {
            let pem = read(path)?;
            if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                Keys::PublicKey(key, Algorithm::RS256)
            } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                Keys::PublicKey(key, Algorithm::ES256)
            } else {
                return Err(KeyConfigError::NotAPublicKey(path.clone()));
            }
        } else if let Some(path) = &config.jwt_jwks_file {
            let set = serde_json::from_slice(&read(path)?).map_err(|error| {
                KeyConfigError::NotAKeySet {
                    path: path.clone(),
                    reason: error.to_string(),
                }
            })?;
            Keys::KeySet(KeySet::fixed(set))
        } else if let Some(url) = &config.jwt_jwks_url {
            Keys::KeySet(KeySet::remote(Remote {
                url: url.clone(),
                refresh: Duration::from_secs(config.jwt_jwks_refresh_secs),
                min_refetch: Duration::from_secs(config.jwt_jwks_min_refetch_secs),
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap_or_default(),
            }))
        } else {
            return Ok(None);
        };
        Ok(Some(keys))
    }

    /// The key to verify a token with, and the one algorithm it accepts.
    pub async fn key_for(&self, header: &Header) -> Result<(DecodingKey, Algorithm), Rejection> {
        let (key, algorithm) = match self {
            Keys::Secret(key) => (key.clone(), Algorithm::HS256),
            Keys::PublicKey(key, algorithm) => (key.clone(), *algorithm),
            Keys::KeySet(set) => {
                let kid = header.kid.as_deref().ok_or(Rejection::UnknownKey)?;
                set.key(kid).await?
            }
        };
        if header.alg == algorithm {
            Ok((key, algorithm))
        } else {
            Err(Rejection::Algorithm(header.alg))
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyConfigError> {
    std::fs::read(path).map_err(|error| KeyConfigError::Unreadable {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

/// A JWK set from a file (fixed) or a URL (fetched on first use, refetched every `refresh` and
/// when a token names a key id it does not hold, at most every `min_refetch`).
pub struct KeySet {
    remote: Option<Remote>,
    cached: RwLock<Cached>,
}

struct Remote {
    url: String,
    refresh: Duration,
    min_refetch: Duration,
    client: reqwest::Client,
}

struct Cached {
    set: JwkSet,
    fetched_at: Option<Instant>,
}

impl KeySet {
    fn fixed(set: JwkSet) -> Self {
        Self {
            remote: None,
            cached: RwLock::new(Cached {
                set,
                fetched_at: Some(Instant::now()),
            }),
        }
    }

    fn remote(remote: Remote) -> Self {
        Self {
            remote: Some(remote),
            cached: RwLock::new(Cached {
                set: JwkSet { keys: Vec::new() },
                fetched_at: None,
            }),
        }
    }

    async fn key(&self, kid: &str) -> Result<(DecodingKey, Algorithm), Rejection> {
        if let Some(remote) = &self.remote {
            let (stale, unknown, may_refetch) = {
                let cached = self.cached.read().await;
                let age = cached.fetched_at.map(|at| at.elapsed());
                (
                    age.is_none_or(|age| age >= remote.refresh),
                    cached.set.find(kid).is_none(),
                    age.is_none_or(|age| age >= remote.min_refetch),
                )
            };
            if stale || (unknown && may_refetch) {
                let set = remote.fetch().await?;
                *self.cached.write().await = Cached {
                    set,
                    fetched_at: Some(Instant::now()),
                };
            }
        }
        let cached = self.cached.read().await;
        let jwk = cached.set.find(kid).ok_or(Rejection::UnknownKey)?;
        Ok((DecodingKey::from_jwk(jwk)?, algorithm_of(jwk)?))
    }
}

impl Remote {
    async fn fetch(&self) -> Result<JwkSet, Rejection> {
        let fetched = async {
            self.client
                .get(&self.url)
                .send()
                .await?
                .error_for_status()?
                .json::<JwkSet>()
                .await
        };
        fetched
            .await
            .map_err(|error| Rejection::KeySet(error.to_string()))
    }
}

/// The one algorithm a JWK verifies: RS256 for RSA, ES256 for P-256. A key that declares
/// another algorithm, or any other key type, verifies nothing.
fn algorithm_of(jwk: &Jwk) -> Result<Algorithm, Rejection> {
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => return Err(Rejection::UnknownKey),
    };
    let declared_matches = match jwk.common.key_algorithm {
        None => true,
        Some(KeyAlgorithm::RS256) => algorithm == Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => algorithm == Algorithm::ES256,
        Some(_) => false,
    };
    if declared_matches {
        Ok(algorithm)
    } else {
        Err(Rejection::UnknownKey)
    }
}
