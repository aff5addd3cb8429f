//! HTTP caching of public GET answers: `Cache-Control` and a weak `ETag`, and 304 for a client
//! that already holds the answer; nothing of the kind on authenticated or POST answers.

use reqwest::{StatusCode, header};
use serde_json::json;

use crate::support::{TestApp, test_config, token};

const AREA_NAME: &str =
    "/graphql?query=%7B%20area(code%3A%20%22E06000001%22)%20%7B%20name%20%7D%20%7D";
const AREA_CODE: &str =
    "/graphql?query=%7B%20area(code%3A%20%22E06000001%22)%20%7B%20code%20%7D%20%7D";

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.send().await.unwrap()
}

fn etag(response: &reqwest::Response) -> String {
    response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_public_get_answer_is_validated_by_its_etag() {
    for config in [
        test_config(),
        // Answers not kept in memory: the validator is the body's.
        {
            let mut config = test_config();
            config.response_cache_bytes = 0;
            config.limits.rate_limit_cost_per_second = 0;
            config
        },
    ] {
        let app = TestApp::spawn_configured(false, config).await;
        let first = get(&app, AREA_NAME, &[]).await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(
            first.headers()[header::CACHE_CONTROL],
            "public, max-age=0, must-revalidate"
        );
        let tag = etag(&first);
        assert!(tag.starts_with("W/\""), "{tag}");
        assert_eq!(
            first.json::<serde_json::Value>().await.unwrap()["data"]["area"]["name"],
            "Hartlepool"
        );

        let again = get(&app, AREA_NAME, &[(header::IF_NONE_MATCH, &tag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(etag(&again), tag);
        assert!(again.bytes().await.unwrap().is_empty());

        let other = get(&app, AREA_CODE, &[(header::IF_NONE_MATCH, &tag)]).await;
        assert_eq!(
            other.status(),
            StatusCode::OK,
            "another answer, another validator"
        );
        assert_ne!(etag(&other), tag);

        // Answers to a caller are the caller's: no validator, nothing for a shared cache.
        let bearer = format!("Bearer {}", token("dfe", None, "read"));
        let signed_in = get(&app, AREA_NAME, &[(header::AUTHORIZATION, &bearer)]).await;
        assert_eq!(signed_in.status(), StatusCode::OK);
        assert!(signed_in.headers().get(header::ETAG).is_none());
        assert!(signed_in.headers().get(header::CACHE_CONTROL).is_none());
        let (status, _) = app
            .post("{ area(code: \"E06000001\") { name } }", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let posted = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": "{ area(code: \"E06000001\") { name } }" }))
            .send()
            .await
            .unwrap();
        assert!(
            posted.headers().get(header::ETAG).is_none(),
            "a POST is not cached"
        );
    }
}
