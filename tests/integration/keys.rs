//! Public-key tokens: RS256 and ES256 from a PEM file, a JWKS file and a JWKS URL (served by the
//! test itself), with the algorithm pinned by the key, and start-up refusing bad key settings.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use api::{auth::Authenticator, config::AuthConfig, data_version::DataVersion};
use axum::{Json, Router, routing::get};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TEST_AUDIENCE, TEST_ISSUER, TestApp, test_auth, test_config};

const VIEWER: &str = "{ viewer { role } }";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

fn claims() -> Value {
    let now = api::auth::unix_now();
    json!({ "sub": "nhs-1", "iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "exp": now + 600, "role": "nhs_england" })
}

fn signed(algorithm: Algorithm, kid: Option<&str>) -> String {
    let pem = std::fs::read(fixture(match algorithm {
        Algorithm::ES256 => "ec_private.pem",
        _ => "rsa_private.pem",
    }))
    .unwrap();
    let key = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, &claims(), &key).unwrap()
}

/// An HS256 token whose "secret" is the public key: the classic algorithm-confusion attack.
fn confused(public_key_file: &str) -> String {
    let public = std::fs::read(fixture(public_key_file)).unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(&public),
    )
    .unwrap()
}

async fn app_with(auth: AuthConfig) -> TestApp {
    let mut config = test_config();
    config.auth = auth;
    TestApp::spawn_configured(false, config).await
}

async fn status(app: &TestApp, token: &str) -> StatusCode {
    app.post_as(token, VIEWER, json!({})).await.0
}

#[tokio::test]
async fn an_rsa_public_key_accepts_rs256_only() {
    let app = app_with(AuthConfig {
        jwt_public_key_file: Some(fixture("rsa_public.pem")),
        ..test_auth()
    })
    .await;

    let data = app
        .data_as(&signed(Algorithm::RS256, None), VIEWER, json!({}))
        .await;
    assert_eq!(data["viewer"]["role"], "NHS_ENGLAND");
    assert_eq!(
        status(&app, &signed(Algorithm::ES256, None)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&app, &signed(Algorithm::PS256, None)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&app, &confused("rsa_public.pem")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_ec_public_key_accepts_es256_only() {
    let app = app_with(AuthConfig {
        jwt_public_key_file: Some(fixture("ec_public.pem")),
        ..test_auth()
    })
    .await;

    assert_eq!(
        status(&app, &signed(Algorithm::ES256, None)).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, &signed(Algorithm::RS256, None)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&app, &confused("ec_public.pem")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_jwks_file_picks_the_key_by_kid() {
    let app = app_with(AuthConfig {
        jwt_jwks_file: Some(fixture("jwks.json")),
        ..test_auth()
    })
    .await;

    assert_eq!(
        status(&app, &signed(Algorithm::RS256, Some("rsa-1"))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, &signed(Algorithm::ES256, Some("ec-1"))).await,
        StatusCode::OK
    );
    for (case, token) in [
        ("unknown kid", signed(Algorithm::RS256, Some("rsa-2"))),
        ("no kid", signed(Algorithm::RS256, None)),
        (
            "RSA token under the EC kid",
            signed(Algorithm::RS256, Some("ec-1")),
        ),
        ("HMAC token", confused("rsa_public.pem")),
    ] {
        assert_eq!(
            status(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{case}"
        );
    }
}

/// A JWKS endpoint whose keys the test can rotate, counting how often it is fetched.
async fn serve_jwks(keys: Arc<Mutex<Value>>, fetches: Arc<AtomicUsize>) -> String {
    let router = Router::new().route(
        "/jwks",
        get(move || {
            let keys = keys.clone();
            let fetches = fetches.clone();
            async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                Json(keys.lock().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}/jwks")
}

fn key_set(kids: &[&str]) -> Value {
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("jwks.json")).unwrap()).unwrap();
    let keys: Vec<Value> = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|key| kids.contains(&key["kid"].as_str().unwrap()))
        .cloned()
        .collect();
    json!({ "keys": keys })
}

#[tokio::test]
async fn a_jwks_url_is_cached_and_refetched_when_an_unknown_kid_arrives() {
    let keys = Arc::new(Mutex::new(key_set(&["rsa-1"])));
    let fetches = Arc::new(AtomicUsize::new(0));
    let url = serve_jwks(keys.clone(), fetches.clone()).await;
    let app = app_with(AuthConfig {
        jwt_jwks_url: Some(url),
        jwt_jwks_refresh_secs: 3600,
        jwt_jwks_min_refetch_secs: 0,
        ..test_auth()
    })
    .await;
    let rsa = signed(Algorithm::RS256, Some("rsa-1"));
    let ec = signed(Algorithm::ES256, Some("ec-1"));

    assert_eq!(status(&app, &rsa).await, StatusCode::OK);
    assert_eq!(status(&app, &rsa).await, StatusCode::OK);
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "the key set is cached");

    *keys.lock().unwrap() = key_set(&["ec-1"]);
    assert_eq!(
        status(&app, &ec).await,
        StatusCode::OK,
        "a rotated-in key is fetched"
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        status(&app, &rsa).await,
        StatusCode::UNAUTHORIZED,
        "a rotated-out key is gone"
    );
}

#[tokio::test]
async fn a_jwks_url_is_refreshed_periodically_and_refetches_are_rate_limited() {
    let keys = Arc::new(Mutex::new(key_set(&["rsa-1"])));
    let fetches = Arc::new(AtomicUsize::new(0));
    let url = serve_jwks(keys.clone(), fetches.clone()).await;
    let refreshing = app_with(AuthConfig {
        jwt_jwks_url: Some(url.clone()),
        jwt_jwks_refresh_secs: 0,
        ..test_auth()
    })
    .await;
    let rate_limited = app_with(AuthConfig {
        jwt_jwks_url: Some(url),
        ..test_auth()
    })
    .await;
    let rsa = signed(Algorithm::RS256, Some("rsa-1"));
    let unknown = signed(Algorithm::RS256, Some("rsa-9"));

    for _ in 0..3 {
        assert_eq!(status(&refreshing, &rsa).await, StatusCode::OK);
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        3,
        "a zero refresh period refetches every time"
    );

    assert_eq!(status(&rate_limited, &rsa).await, StatusCode::OK);
    for _ in 0..3 {
        assert_eq!(
            status(&rate_limited, &unknown).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        4,
        "unknown kids do not hammer the provider"
    );
}

#[test]
fn start_up_refuses_unusable_key_settings() {
    let cases = [
        (
            "two key sources",
            AuthConfig {
                jwt_secret: Some("x".repeat(40)),
                jwt_jwks_file: Some(fixture("jwks.json")),
                ..test_auth()
            },
        ),
        (
            "short secret",
            AuthConfig {
                jwt_secret: Some("short".to_owned()),
                ..test_auth()
            },
        ),
        (
            "no issuer",
            AuthConfig {
                jwt_secret: Some("x".repeat(40)),
                jwt_issuer: None,
                ..test_auth()
            },
        ),
        (
            "no audience",
            AuthConfig {
                jwt_secret: Some("x".repeat(40)),
                jwt_audience: None,
                ..test_auth()
            },
        ),
        (
            "not a public key",
            AuthConfig {
                jwt_public_key_file: Some(fixture("README.md")),
                ..test_auth()
            },
        ),
        (
            "missing file",
            AuthConfig {
                jwt_jwks_file: Some(fixture("absent.json")),
                ..test_auth()
            },
        ),
        (
            "not a key set",
            AuthConfig {
                jwt_jwks_file: Some(fixture("rsa_public.pem")),
                ..test_auth()
            },
        ),
    ];
    for (case, config) in cases {
        assert!(
            Authenticator::from_config(&config, DataVersion::local()).is_err(),
            "{case}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_key_provider_is_our_failure_not_the_callers() {
    // Nothing listens on the discard port.
    let app = app_with(AuthConfig {
        jwt_jwks_url: Some("http://127.0.0.1:9/jwks".to_owned()),
        ..test_auth()
    })
    .await;

    let (status, body) = app
        .post_as(&signed(Algorithm::RS256, Some("rsa-1")), VIEWER, json!({}))
        .await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no internals leak: {body}"
    );
}
