//! Bearer tokens: the public without one, a signed-in viewer with a valid one, and 401
//! UNAUTHENTICATED for every kind of invalid one, never a downgrade to the public.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::{TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TestApp, token};

const VIEWER: &str = "{ viewer { subject role scopes organisation { code kind areas { code } } } }";

fn now() -> u64 {
    api::auth::unix_now()
}

/// Valid claims for an Ofsted token, to be spoilt one way at a time.
fn claims() -> Value {
    json!({
        "sub": "inspector-1",
        "iss": TEST_ISSUER,
        "aud": TEST_AUDIENCE,
        "exp": now() + 600,
        "iat": now(),
        "role": "ofsted",
    })
}

fn sign(claims: &Value) -> String {
    sign_with(Algorithm::HS256, TEST_SECRET, claims)
}

fn sign_with(algorithm: Algorithm, secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn with(changes: Value) -> Value {
    let mut claims = claims();
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

async fn assert_unauthenticated(app: &TestApp, authorization: &str, case: &str) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(header::AUTHORIZATION, authorization)
        .json(&json!({ "query": "{ areas { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    assert!(
        response.headers().contains_key(header::WWW_AUTHENTICATE),
        "{case}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}"
    );
    assert!(body.get("data").is_none(), "{case}: {body}");
}

#[tokio::test]
async fn every_kind_of_invalid_token_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, String)> = vec![
        ("not bearer", format!("Basic {}", sign(&claims()))),
        ("empty bearer", "Bearer ".to_owned()),
        ("malformed", "Bearer not.a.jwt".to_owned()),
        (
            "wrong signature",
            format!(
                "Bearer {}",
                sign_with(
                    Algorithm::HS256,
                    "another-secret-of-at-least-32-bytes!!",
                    &claims()
                )
            ),
        ),
        (
            "other algorithm",
            format!(
                "Bearer {}",
                sign_with(Algorithm::HS512, TEST_SECRET, &claims())
            ),
        ),
        (
            "expired",
            format!("Bearer {}", sign(&with(json!({ "exp": now() - 120 })))),
        ),
        (
            "not yet valid",
            format!("Bearer {}", sign(&with(json!({ "nbf": now() + 600 })))),
        ),
        (
            "issued in the future",
            format!("Bearer {}", sign(&with(json!({ "iat": now() + 600 })))),
        ),
        (
            "wrong issuer",
            format!(
                "Bearer {}",
                sign(&with(json!({ "iss": "https://elsewhere.test" })))
            ),
        ),
        (
            "wrong audience",
            format!("Bearer {}", sign(&with(json!({ "aud": "another-api" })))),
        ),
        (
            "no issuer",
            format!("Bearer {}", sign(&with(json!({ "iss": null })))),
        ),
        (
            "no audience",
            format!("Bearer {}", sign(&with(json!({ "aud": null })))),
        ),
        (
            "no expiry",
            format!("Bearer {}", sign(&with(json!({ "exp": null })))),
        ),
        (
            "no subject",
            format!("Bearer {}", sign(&with(json!({ "sub": null })))),
        ),
        (
            "unknown role",
            format!("Bearer {}", sign(&with(json!({ "role": "admin" })))),
        ),
        (
            "no role",
            format!("Bearer {}", sign(&with(json!({ "role": null })))),
        ),
        (
            "local partner without org_code",
            format!("Bearer {}", sign(&with(json!({ "role": "local_partner" })))),
        ),
        (
            "local partner with a district code",
            format!(
                "Bearer {}",
                sign(&with(
                    json!({ "role": "local_partner", "org_code": "E07000223" })
                ))
            ),
        ),
        (
            "local partner of an unknown LA",
            format!(
                "Bearer {}",
                sign(&with(
                    json!({ "role": "local_partner", "org_code": "E06000999" })
                ))
            ),
        ),
        (
            "local partner with an ODS code",
            format!(
                "Bearer {}",
                sign(&with(json!({ "role": "local_partner", "org_code": "QHM" })))
            ),
        ),
        ("oversized", format!("Bearer {}", "a".repeat(9000))),
        (
            "empty subject",
            format!("Bearer {}", sign(&with(json!({ "sub": "  " })))),
        ),
        (
            "over-long subject",
            format!("Bearer {}", sign(&with(json!({ "sub": "s".repeat(256) })))),
        ),
        (
            "ten-year lifetime",
            format!(
                "Bearer {}",
                sign(&with(json!({ "exp": now() + 10 * 365 * 86_400 })))
            ),
        ),
        (
            "over a day to live and no iat",
            format!(
                "Bearer {}",
                sign(&with(json!({ "iat": null, "exp": now() + 86_400 + 3_600 })))
            ),
        ),
    ];
    for (case, authorization) in cases {
        assert_unauthenticated(&app, &authorization, case).await;
    }
}

#[tokio::test]
async fn a_token_without_the_none_algorithm_trick_is_refused() {
    let app = TestApp::spawn().await;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    assert_unauthenticated(&app, &format!("Bearer {header}.{payload}."), "alg none").await;
}

#[tokio::test]
async fn a_lower_case_org_code_is_normalised_once_at_the_boundary() {
    let app = TestApp::spawn().await;
    let partner = sign(&with(
        json!({ "role": "local_partner", "org_code": "e09000033" }),
    ));

    let data = app.data_as(&partner, VIEWER, json!({})).await;

    assert_eq!(data["viewer"]["organisation"]["code"], "E09000033");
    assert_eq!(
        data["viewer"]["organisation"]["areas"],
        json!([{ "code": "E09000033" }])
    );
}

#[tokio::test]
async fn a_token_that_lives_a_day_is_accepted() {
    let app = TestApp::spawn().await;
    let day = sign(&with(json!({ "exp": now() + 86_400 })));
    let data = app.data_as(&day, VIEWER, json!({})).await;
    assert_eq!(data["viewer"]["role"], "OFSTED");
}

#[tokio::test]
async fn expiry_within_the_leeway_is_accepted() {
    let app = TestApp::spawn().await;
    let recently_expired = sign(&with(json!({ "exp": now() - 5 })));
    let data = app.data_as(&recently_expired, VIEWER, json!({})).await;
    assert_eq!(data["viewer"]["role"], "OFSTED");
}

#[tokio::test]
async fn without_a_token_the_caller_is_the_public_and_has_no_viewer() {
    let app = TestApp::spawn().await;

    let (status, body) = app.post(VIEWER, json!({})).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!(null));
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let public = app.data("{ areas { totalCount } }", json!({})).await;
    assert_eq!(public["areas"]["totalCount"], 153);
}

#[tokio::test]
async fn the_viewer_field_describes_each_kind_of_caller() {
    let app = TestApp::spawn().await;

    let ofsted = app
        .data_as(&token("ofsted", None, "read write"), VIEWER, json!({}))
        .await;
    assert_eq!(
        ofsted["viewer"],
        json!({ "subject": "ofsted-tester", "role": "OFSTED", "scopes": ["read", "write"], "organisation": null })
    );
    let dfe = app
        .data_as(&token("dfe", None, "read"), VIEWER, json!({}))
        .await;
    assert_eq!(dfe["viewer"]["scopes"], json!(["read"]));

    let council = app
        .data_as(
            &token("local_partner", Some("E09000033"), "read"),
            VIEWER,
            json!({}),
        )
        .await;
    assert_eq!(
        council["viewer"]["organisation"],
        json!({ "code": "E09000033", "kind": "LOCAL_AUTHORITY", "areas": [{ "code": "E09000033" }] })
    );
    let icb = app
        .data_as(
            &token("local_partner", Some("E54000050"), "read"),
            VIEWER,
            json!({}),
        )
        .await;
    let organisation = &icb["viewer"]["organisation"];
    assert_eq!(organisation["kind"], "INTEGRATED_CARE_BOARD");
    assert_eq!(organisation["areas"].as_array().unwrap().len(), 14);
    let barnsley = app
        .data_as(
            &token("local_partner", Some("E08000038"), "read"),
            VIEWER,
            json!({}),
        )
        .await;
    assert_eq!(
        barnsley["viewer"]["organisation"]["areas"],
        json!([{ "code": "E08000016" }])
    );
}

/// `api token …` as a shell would run it, with the settings given as flags.
fn token_command(args: &[&str]) -> anyhow::Result<String> {
    use clap::Parser;
    let mut argv = vec![
        "api",
        "--jwt-issuer",
        TEST_ISSUER,
        "--jwt-audience",
        TEST_AUDIENCE,
    ];
    argv.extend_from_slice(args);
    let cli = api::config::Cli::try_parse_from(argv)?;
    let Some(api::config::Command::Token(token)) = cli.command else {
        anyhow::bail!("not the token subcommand");
    };
    api::auth::development_token(&cli.config.auth, &token)
}

#[tokio::test]
async fn the_token_subcommand_mints_a_token_the_api_accepts() {
    let app = TestApp::spawn().await;
    let minted = token_command(&[
        "--jwt-secret",
        TEST_SECRET,
        "token",
        "--role",
        "local_partner",
        "--org-code",
        "E09000033",
        "--scope",
        "read write",
        "--ttl",
        "1h",
    ])
    .unwrap();

    let data = app.data_as(&minted, VIEWER, json!({})).await;

    assert_eq!(data["viewer"]["role"], "LOCAL_PARTNER");
    assert_eq!(data["viewer"]["scopes"], json!(["read", "write"]));
}

#[test]
fn the_token_subcommand_refuses_without_a_secret_or_with_an_unknown_role() {
    let no_secret = token_command(&["token", "--role", "ofsted"]).unwrap_err();
    assert!(no_secret.to_string().contains("JWT_SECRET"), "{no_secret}");
    let bad_role =
        token_command(&["--jwt-secret", TEST_SECRET, "token", "--role", "admin"]).unwrap_err();
    assert!(bad_role.to_string().contains("admin"), "{bad_role}");
}

#[test]
fn the_token_subcommand_refuses_what_the_server_would_refuse() {
    let refusals = [
        (
            vec!["--jwt-secret", "", "token", "--role", "ofsted"],
            "JWT_SECRET",
        ),
        (
            vec!["--jwt-secret", "short", "token", "--role", "ofsted"],
            "JWT_SECRET",
        ),
        (
            vec![
                "--jwt-secret",
                TEST_SECRET,
                "token",
                "--role",
                "local_partner",
            ],
            "--org-code",
        ),
        (
            vec![
                "token",
                "--role",
                "local_partner",
                "--org-code",
                "QHM",
                "--jwt-secret",
                TEST_SECRET,
            ],
            "QHM",
        ),
        (
            vec![
                "token",
                "--role",
                "dfe",
                "--ttl",
                "30d",
                "--jwt-secret",
                TEST_SECRET,
            ],
            "JWT_MAX_TTL_SECS",
        ),
    ];
    for (args, expected) in refusals {
        let error = token_command(&args).unwrap_err().to_string();
        assert!(error.contains(expected), "{args:?}: {error}");
    }
}
