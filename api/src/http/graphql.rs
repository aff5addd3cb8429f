//! `POST /graphql` executes; `GET /graphql` serves GraphiQL.
//!
//! Only `application/json` bodies execute: async-graphql-axum would otherwise parse any content
//! type as JSON, and `text/plain` or form posts are "simple" requests a browser sends cross-site
//! without a CORS preflight. One operation per request (no batches).

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLRequest;
use axum::{
    Json,
    extract::{FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde_json::json;

use super::{AppState, AuthFailure, authenticate};
use crate::graphql::for_viewer;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

pub async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

pub async fn execute(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json",
            "UNSUPPORTED_MEDIA_TYPE",
        );
    }
    let graphql_request =
        match GraphQLRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(
            request,
            &(),
        )
        .await
        {
            Ok(graphql_request) => graphql_request.into_inner(),
            Err(rejection) => {
                tracing::debug!(error = %rejection.0, "unreadable GraphQL request");
                return error(
                    StatusCode::BAD_REQUEST,
                    "the body is not a GraphQL request",
                    "BAD_REQUEST",
                );
            }
        };
    let authorization = match headers.get(header::AUTHORIZATION).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => {
            tracing::info!("refused credentials: the Authorization header is not text");
            return unauthenticated();
        }
    };
    let (viewer, today) = match authenticate(&state, authorization).await {
        Ok(authenticated) => authenticated,
        Err(AuthFailure::Refused) => return unauthenticated(),
        Err(AuthFailure::Unavailable) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "INTERNAL_SERVER_ERROR",
            );
        }
    };
    tracing::Span::current().record("viewer", viewer.label());
    let response = state
        .schema
        .execute(for_viewer(graphql_request, &state.db, viewer, today))
        .await;
    let mut http_response = Json(response).into_response();
    http_response
        .headers_mut()
        .insert(header::CONTENT_TYPE, response_content_type(&headers));
    http_response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

/// The GraphQL-over-HTTP media type for clients that ask for it, plain JSON for the rest.
fn response_content_type(headers: &HeaderMap) -> HeaderValue {
    let wants_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE));
    HeaderValue::from_static(if wants_graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    })
}

/// 401 for credentials that are present but not acceptable; never a downgrade to the public.
fn unauthenticated() -> Response {
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "the bearer token is not valid",
        "UNAUTHENTICATED",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

fn error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}
