//! `/graphql` over HTTP, as the GraphQL-over-HTTP specification asks: POST with a JSON body
//! runs any operation; GET with URL parameters runs queries (a mutation is 405); a browser
//! asking GET for HTML gets GraphiQL. Request errors are 400 without `data` for clients that
//! accept `application/graphql-response+json`, 200 for `application/json` ones.
//!
//! Only `application/json` bodies execute: `text/plain` or form posts are "simple" requests a
//! browser sends cross-site without a CORS preflight. A POST may carry a batch (a JSON array) of
//! at most `GRAPHQL_MAX_BATCH` operations, answered with an array.
//! The whole exchange, reading the body included, runs under the request deadline; execution
//! runs in a task of its own that is aborted there, so its memory goes with it.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Response as GraphqlResponse, ServerError, Variables};
use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;
use tracing::Instrument as _;

use super::{
    AppState, AuthFailure, REQUEST_ID, authenticate,
    idempotency::{self, Keyed},
    kept::{Encoding, Kept, etag_of, none_match},
};
use crate::{
    config::RequestLimits,
    domain::echo,
    error::Code,
    graphql::{Budget, Refusal, Shareable, answer_cost, for_viewer},
    rate_limit::{Charge, RateLimiter, whole_seconds},
    service::idempotency::Claim,
};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// What a client told to back off should wait, when nothing more precise is known.
const RETRY_AFTER_SECS: u64 = 1;

pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let policy = state.rate_limiter.policy();
    let mut response = respond(state, request).await;
    // The bucket's size and refill on every answer, refusals before authentication included.
    if let Some(policy) = policy.and_then(|policy| HeaderValue::try_from(policy).ok()) {
        response.headers_mut().insert("ratelimit-policy", policy);
    }
    if let Some(outcome) = response.extensions().get::<Outcome>() {
        crate::metrics::request(
            outcome.operation.as_deref(),
            outcome.code,
            started.elapsed(),
        );
    }
    response
}

/// How a request ended, for the metrics.
#[derive(Clone)]
struct Outcome {
    operation: Option<String>,
    code: &'static str,
}

async fn respond(state: AppState, request: Request) -> Response {
    let deadline = Instant::now() + state.limits.request_timeout();
    let mut reply = Reply::to(request.method(), request.headers());
    let encoding = Encoding::accepted(request.headers());
    if request.method() == Method::GET && reply.wants_html && request.uri().query().is_none() {
        return super::graphiql::page();
    }
    let client = super::client_address(&request);
    let authorization = match request
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::to_str)
    {
        None => None,
        Some(Ok(value)) => Some(value.to_owned()),
        Some(Err(_)) => {
            tracing::info!("refused credentials: the Authorization header is not text");
            return reply.unauthenticated();
        }
    };
    let idempotency_key = match super::idempotency::key(request.headers()) {
        Ok(key) => key,
        Err((code, message)) => return reply.refuse(code, &message),
    };
    let received = tokio::time::timeout_at(deadline, receive(request, &state.limits));
    let sent = match received.await {
        Ok(Ok(sent)) => sent,
        Ok(Err((code, message))) => return reply.refuse(code, &message),
        Err(_) => {
            return reply.refuse(
                Code::RequestTimeout,
                "the request did not arrive within the deadline",
            );
        }
    };
    // Authenticated before the request is parsed, so that an answer kept for the caller's
    // audience is served unparsed (the same bytes parse the same way; answers are kept only for
    // single queries without an Idempotency-Key). A request that does not parse is still refused
    // for that first, whatever its credentials.
    let authenticated =
        tokio::time::timeout_at(deadline, authenticate(&state, authorization.as_deref())).await;
    let kept_key = match (&authenticated, &idempotency_key) {
        (Ok(Ok((viewer, _))), None) => {
            state
                .responses
                .key(viewer, reply.graphql_response, sent.get, sent.bytes.clone())
        }
        _ => None,
    };
    let asked = match kept_key.as_ref().and_then(|key| state.responses.get(key)) {
        Some(kept) => {
            reply.operation.clone_from(&kept.operation);
            Asked::Again(kept)
        }
        None => match parse(&sent, &state.limits) {
            Ok(operations) => {
                reply.operation = operations.requests[0].operation_name.clone();
                Asked::Anew(operations)
            }
            Err((code, message)) => return reply.refuse(code, &message),
        },
    };
    let (viewer, today) = match authenticated {
        Ok(Ok(authenticated)) => authenticated,
        Ok(Err(AuthFailure::Refused)) => return reply.unauthenticated(),
        Err(_) => {
            return reply.timed_out(&state.limits);
        }
        Ok(Err(AuthFailure::Unavailable)) => {
            return reply.refuse(
                Code::Unavailable,
                "the service is unavailable; retry shortly",
            );
        }
    };
    tracing::Span::current().record("viewer", viewer.label());
    let rate_key = state.rate_limiter.key(&viewer, client);
    let budget = Budget::new(deadline, sent.get);
    let count = match &asked {
        Asked::Again(_) => 1,
        Asked::Anew(operations) => operations.requests.len(),
    };
    let charge = rate_key
        .as_deref()
        .and_then(|key| state.rate_limiter.charge(key, count));
    if let Some(charge) = charge {
        budget.record_charge(charge);
        if let Charge::Refused { retry_after } = charge {
            crate::metrics::rate_limited();
            let refusal = Refusal::RateLimited {
                retry_after_secs: whole_seconds(retry_after),
            };
            let response = reply.refuse_for(&refusal);
            return rate_limit_headers(response, &state.rate_limiter, &budget);
        }
    }
    let operations = match asked {
        Asked::Again(kept) => {
            crate::metrics::kept_answer(true);
            let response = reply.kept(&state, &kept, rate_key.as_deref(), &budget, encoding);
            return rate_limit_headers(response, &state.rate_limiter, &budget);
        }
        Asked::Anew(operations) => operations,
    };
    let keyed = tokio::time::timeout_at(
        deadline,
        idempotency::claim(&state.db, idempotency_key, &viewer, &operations.requests),
    );
    let claim = match keyed.await {
        Ok(Keyed::Unkeyed) => None,
        Ok(Keyed::Claimed(claim)) => Some(claim),
        Ok(Keyed::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = reply.respond_bytes(status, "OK", body.into_bytes());
            let (name, value) = idempotency::replayed();
            response.headers_mut().insert(name, value);
            return response;
        }
        Ok(Keyed::Refuse(code, message)) => return reply.refuse(code, &message),
        Err(_) => {
            return reply.timed_out(&state.limits);
        }
    };
    let kept_key = kept_key.filter(|_| !operations.batch);
    let mut stamp = None;
    // A mutation's answer is never kept: it does not need the stamp's read.
    if kept_key.is_some() && !idempotency::is_mutation(&operations.requests[0]) {
        crate::metrics::kept_answer(false);
        stamp = tokio::time::timeout_at(deadline, state.responses.stamp(today))
            .await
            .ok()
            .flatten();
    }
    let shareable = Arc::new(Shareable::default());
    // The operations of a batch share the request's budget: its deadline, and its counts of
    // fields and bytes; each is checked against the cost limit and charged on its own.
    let requests: Vec<_> = operations
        .requests
        .into_iter()
        .map(|request| {
            let request = for_viewer(request, &state.db, viewer.clone(), today, rate_key.clone())
                .data(budget.clone())
                .data(shareable.clone());
            match &claim {
                Some(claim) => request.data(claim.clone()),
                None => request,
            }
        })
        .collect();
    let schema = state.schema.clone();
    let mut execution = tokio::spawn(
        async move {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(schema.execute(request).await);
            }
            responses
        }
        .in_current_span(),
    );
    let outcome = tokio::time::timeout_at(deadline, &mut execution).await;
    if let Some(name) = budget.operation() {
        reply.operation = Some(name.to_owned());
    }
    let response = match outcome {
        Ok(Ok(responses)) => match (kept_key, stamp) {
            (Some(key), Some(stamp)) if shareable.get() && is_keepable(&responses) => {
                let data = to_bounded_json(&responses[0].data, &state.limits, deadline);
                match data {
                    Ok(data) => {
                        let operation = reply.operation.clone();
                        // Written into a buffer reserved for larger answers: keep only the
                        // bytes written.
                        let data = Bytes::copy_from_slice(&data);
                        let kept = state
                            .responses
                            .keep(key, stamp, operation, budget.cost(), data);
                        reply.kept(&state, &kept, None, &budget, encoding)
                    }
                    Err(refusal) => {
                        tracing::warn!(%refusal, "response not sent");
                        reply.refuse_for(&refusal)
                    }
                }
            }
            _ => reply.graphql(responses, operations.batch, &state.limits, deadline),
        },
        // The panic hook has logged it, with this request's span.
        Ok(Err(_)) => reply.refuse(Code::Internal, "internal error"),
        Err(_) => {
            execution.abort();
            tracing::warn!("request stopped at its deadline");
            reply.timed_out(&state.limits)
        }
    };
    let response = match claim {
        Some(claim) => keep(&state, &claim, response).await,
        None => response,
    };
    rate_limit_headers(response, &state.rate_limiter, &budget)
}

/// An answer may be kept if it is one complete answer: no error, and no extension but its cost
/// (which is written afresh for each answer).
fn is_keepable(responses: &[GraphqlResponse]) -> bool {
    matches!(responses, [response] if response.errors.is_empty()
        && response.extensions.keys().all(|name| name == "cost"))
}

/// Keeps a keyed request's answer for its retries. Only an answer that executed is kept: an
/// outage or a timeout (5xx) leaves the key free, so the retry runs again.
async fn keep(state: &AppState, claim: &Claim, response: Response) -> Response {
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(error) = claim.keep(&state.db, chrono::Utc::now(), 200, text).await {
        tracing::warn!(%error, "the response to a keyed request was not kept");
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The IETF draft's `RateLimit` header, and `Retry-After` as the bucket says when it refused.
fn rate_limit_headers(mut response: Response, limiter: &RateLimiter, budget: &Budget) -> Response {
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    };
    match budget.charge() {
        Some(Charge::Allowed { remaining }) => set("ratelimit", limiter.state(remaining)),
        Some(Charge::Refused { retry_after }) => {
            set("ratelimit", limiter.state(0));
            set("retry-after", whole_seconds(retry_after).max(1).to_string());
        }
        None => {}
    }
    response
}

/// A GraphQL request as a POST body carries it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlBody {
    /// Empty when `extensions.persistedQuery` names the document instead.
    #[serde(default)]
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    extensions: Option<HashMap<String, Value>>,
}

/// The same as GET parameters, with `variables` and `extensions` as JSON text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Parameters {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

type Rejection = (Code, String);

/// What one HTTP request asks: one operation, or a batch (a JSON array of them).
struct Operations {
    requests: Vec<async_graphql::Request>,
    batch: bool,
}

/// What a request asks for: an answer kept already, or operations to run.
enum Asked {
    Again(Arc<Kept>),
    Anew(Operations),
}

/// The request as sent, which keys its kept answer: a GET's URL parameters, a POST's body.
struct Sent {
    bytes: Bytes,
    /// A GET, which may only read.
    get: bool,
}

/// Receives the request, without reading what it asks.
async fn receive(request: Request, limits: &RequestLimits) -> Result<Sent, Rejection> {
    match *request.method() {
        Method::GET => {
            let parameters = request.uri().query().unwrap_or_default();
            if parameters.len() > limits.max_body_bytes {
                return Err((
                    Code::RequestTooLarge,
                    format!("the URL is longer than {} bytes", limits.max_body_bytes),
                ));
            }
            Ok(Sent {
                bytes: Bytes::copy_from_slice(parameters.as_bytes()),
                get: true,
            })
        }
        Method::POST => {
            if !is_json(request.headers()) {
                return Err((
                    Code::UnsupportedMediaType,
                    "send the request as application/json".to_owned(),
                ));
            }
            let bytes = axum::body::to_bytes(request.into_body(), limits.max_body_bytes)
                .await
                .map_err(|error| body_error(&error, limits.max_body_bytes))?;
            Ok(Sent { bytes, get: false })
        }
        _ => Err((Code::MethodNotAllowed, "use GET or POST".to_owned())),
    }
}

fn parse(sent: &Sent, limits: &RequestLimits) -> Result<Operations, Rejection> {
    let body = if sent.get {
        // Copied from the URL's query, which is text: borrowed as it is.
        from_parameters(&String::from_utf8_lossy(&sent.bytes))?
    } else {
        let unreadable = |error: serde_json::Error| {
            (
                Code::BadRequest,
                format!(
                    "the body is not a GraphQL request: {}",
                    echo(&error.to_string())
                ),
            )
        };
        if sent.bytes.trim_ascii_start().starts_with(b"[") {
            let batch =
                serde_json::from_slice::<Vec<GraphqlBody>>(&sent.bytes).map_err(unreadable)?;
            if batch.is_empty() || batch.len() > limits.max_batch {
                return Err((
                    Code::BadRequest,
                    format!(
                        "a batch holds 1 to {} operations; this one holds {}",
                        limits.max_batch,
                        batch.len()
                    ),
                ));
            }
            return Ok(Operations {
                requests: batch
                    .into_iter()
                    .map(graphql_request)
                    .collect::<Result<_, _>>()?,
                batch: true,
            });
        }
        serde_json::from_slice::<GraphqlBody>(&sent.bytes).map_err(unreadable)?
    };
    Ok(Operations {
        requests: vec![graphql_request(body)?],
        batch: false,
    })
}

fn graphql_request(body: GraphqlBody) -> Result<async_graphql::Request, Rejection> {
    let names_persisted = body
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.contains_key("persistedQuery"));
    if body.query.is_empty() && !names_persisted {
        return Err((
            Code::BadRequest,
            "the request has no `query`, and names no persisted query".to_owned(),
        ));
    }
    let mut graphql_request = async_graphql::Request::new(body.query);
    if let Some(operation_name) = body.operation_name {
        graphql_request = graphql_request.operation_name(operation_name);
    }
    if let Some(variables) = body.variables {
        graphql_request = graphql_request.variables(Variables::from_json(Value::Object(variables)));
    }
    for (name, value) in body.extensions.unwrap_or_default() {
        if let Ok(value) = async_graphql::Value::from_json(value) {
            graphql_request.extensions.insert(name, value);
        }
    }
    Ok(graphql_request)
}

fn from_parameters(query_string: &str) -> Result<GraphqlBody, Rejection> {
    let bad = |what: &str| (Code::BadRequest, what.to_owned());
    let parameters: Parameters = serde_urlencoded::from_str(query_string)
        .map_err(|_| bad("the URL parameters are not a GraphQL request"))?;
    let json_map = |text: Option<String>, what: &str| -> Result<_, Rejection> {
        match text.as_deref().map(serde_json::from_str::<Value>) {
            None | Some(Ok(Value::Null)) => Ok(None),
            Some(Ok(Value::Object(map))) => Ok(Some(map)),
            Some(_) => Err(bad(&format!("`{what}` must be a JSON object"))),
        }
    };
    Ok(GraphqlBody {
        query: parameters.query.unwrap_or_default(),
        operation_name: parameters.operation_name,
        variables: json_map(parameters.variables, "variables")?,
        extensions: json_map(parameters.extensions, "extensions")?
            .map(|map| map.into_iter().collect()),
    })
}

fn body_error(error: &axum::Error, limit: usize) -> Rejection {
    let too_large = std::error::Error::source(error)
        .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
    if too_large {
        (
            Code::RequestTooLarge,
            format!("the body is larger than {limit} bytes"),
        )
    } else {
        (Code::BadRequest, "the body could not be read".to_owned())
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let mut parts = content_type.split(';').map(str::trim);
    let media_type_is_json = parts
        .next()
        .is_some_and(|media_type| media_type.eq_ignore_ascii_case("application/json"));
    let charset_is_utf8 = parts.all(|parameter| match parameter.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    });
    media_type_is_json && charset_is_utf8
}

/// What a public GET answer may be cached for: by anyone, revalidated by its `ETag` each time,
/// since a write can change it at any moment.
const PUBLIC_CACHE_CONTROL: &str = "public, max-age=0, must-revalidate";

/// How to answer one request: in the media type it accepts, with its request id on errors.
struct Reply {
    /// A GET may only query: its 405 allows POST alone.
    is_get: bool,
    /// A GET without credentials: its answers carry `Cache-Control` and an `ETag`.
    public_get: bool,
    if_none_match: Option<HeaderValue>,
    graphql_response: bool,
    wants_html: bool,
    request_id: Option<HeaderValue>,
    operation: Option<String>,
}

impl Reply {
    fn to(method: &Method, headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let is_get = method == Method::GET;
        Self {
            is_get,
            public_get: is_get && !headers.contains_key(header::AUTHORIZATION),
            if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
            graphql_response: accept.contains(GRAPHQL_RESPONSE),
            wants_html: accept.contains("text/html"),
            request_id: headers.get(REQUEST_ID).cloned(),
            operation: None,
        }
    }

    fn content_type(&self) -> HeaderValue {
        HeaderValue::from_static(if self.graphql_response {
            GRAPHQL_RESPONSE
        } else {
            "application/json"
        })
    }

    fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().and_then(|id| id.to_str().ok())
    }

    /// A refusal before or instead of execution: one error, no `data`.
    fn refuse(&self, code: Code, message: &str) -> Response {
        self.refuse_with(self.status(code), code, message)
    }

    fn refuse_for(&self, refusal: &Refusal) -> Response {
        self.refuse(refusal.code(), &refusal.to_string())
    }

    /// The request's deadline passed before its answer was ready.
    fn timed_out(&self, limits: &RequestLimits) -> Response {
        self.refuse_for(&Refusal::Timeout {
            seconds: limits.request_timeout_secs,
        })
    }

    fn refuse_with(&self, status: StatusCode, code: Code, message: &str) -> Response {
        let mut extensions = json!({ "code": code.as_str() });
        if let Some(request_id) = self.request_id() {
            extensions["requestId"] = json!(request_id);
        }
        let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
        self.respond(status, code, &body.to_string())
    }

    /// 401 for credentials that are present but not acceptable; never a downgrade to the public.
    fn unauthenticated(&self) -> Response {
        let mut response = self.refuse_with(
            StatusCode::UNAUTHORIZED,
            Code::Unauthenticated,
            "the bearer token is not valid",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        response
    }

    /// The answer to the operations, in the media type the client accepts: one response, or
    /// an array for a batch.
    fn graphql(
        &self,
        mut responses: Vec<GraphqlResponse>,
        batch: bool,
        limits: &RequestLimits,
        deadline: Instant,
    ) -> Response {
        let errors = || responses.iter().flat_map(|response| &response.errors);
        let codes: Vec<Code> = errors().filter_map(error_code).collect();
        let request_error = match responses.as_slice() {
            [response] if !batch => {
                response.data == async_graphql::Value::Null
                    && !response.errors.is_empty()
                    && response.errors.iter().all(|error| error.path.is_empty())
            }
            _ => false,
        };
        if let Some(request_id) = self.request_id() {
            for error in responses
                .iter_mut()
                .flat_map(|response| &mut response.errors)
            {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("requestId", request_id);
            }
        }
        let fixed_status = codes.iter().find_map(|code| code.fixed_status());
        if fixed_status.is_some() {
            // An outage, a timeout or a fault: the partial answer is not to be relied on, and
            // the specification allows a 5xx only for a response without data.
            for response in &mut responses {
                response.data = async_graphql::Value::Null;
            }
        }
        let status = fixed_status
            .map(|status| StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
            .unwrap_or(if request_error && self.graphql_response {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            });
        let serialized = match responses.as_slice() {
            [response] if request_error => {
                to_bounded_json(&RequestError::from(response), limits, deadline)
            }
            [response] if !batch => to_bounded_json(response, limits, deadline),
            all => to_bounded_json(&all, limits, deadline),
        };
        match serialized {
            // Only a public GET is validated: no other answer needs its tag worked out.
            Ok(body)
                if status == StatusCode::OK && codes.is_empty() && !batch && self.public_get =>
            {
                // The data's validator, as a kept answer's is: the cost extension around it
                // changes with the caller's bucket.
                let data = match responses.as_slice() {
                    [response] => serde_json::to_vec(&response.data).ok(),
                    _ => None,
                };
                let etag = etag_of(data.as_deref().unwrap_or(&body));
                let response = self.respond_bytes(status, "OK", body);
                self.validated(response, &etag)
            }
            Ok(body) => {
                let code = codes.first().map_or("OK", |code| code.as_str());
                self.respond_bytes(status, code, body)
            }
            Err(refusal) => {
                tracing::warn!(%refusal, "response not sent");
                self.refuse_for(&refusal)
            }
        }
    }

    /// A code's status: its fixed one, else 400, except that a GraphQL request error is 200
    /// for `application/json` clients (the legacy media type cannot tell them apart).
    fn status(&self, code: Code) -> StatusCode {
        let status = code.fixed_status().unwrap_or(
            if code.is_request_error() && code != Code::BadRequest && !self.graphql_response {
                200
            } else {
                400
            },
        );
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    /// A kept answer, with the cost extension of this request. Served again, it still costs
    /// what running it would: the caller named by `charge_to` pays for it now.
    fn kept(
        &self,
        state: &AppState,
        kept: &Kept,
        charge_to: Option<&str>,
        budget: &Budget,
        encoding: Encoding,
    ) -> Response {
        if let (Some(key), Some(cost)) = (charge_to, kept.cost.filter(|cost| *cost > 1)) {
            // The transport charged 1 for the request itself, as for a query that runs.
            if let Some(charge) = state.rate_limiter.charge(key, cost - 1) {
                budget.record_charge(charge);
                if let Charge::Refused { retry_after } = charge {
                    crate::metrics::rate_limited();
                    let refusal = Refusal::RateLimited {
                        retry_after_secs: whole_seconds(retry_after),
                    };
                    return self.refuse_for(&refusal);
                }
            }
        }
        let charge = budget.charge();
        let extensions = kept
            .cost
            .map(|cost| json!({ "cost": answer_cost(cost, charge, &state.rate_limiter) }));
        // Without a bucket to report, every answer's body is the same.
        let (body, encoding) = kept.body(extensions.as_ref(), charge.is_none(), encoding);
        let mut response = self.respond_bytes(StatusCode::OK, "OK", body);
        if let Some(content_encoding) = encoding.header() {
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_ENCODING, content_encoding);
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        self.validated(response, kept.etag())
    }

    /// A complete answer to a public GET, cacheable and validated by `etag`: 304 with no body
    /// if the client already holds it. Any other answer is returned as it is.
    fn validated(&self, mut response: Response, etag: &HeaderValue) -> Response {
        if !self.public_get {
            return response;
        }
        if self
            .if_none_match
            .as_ref()
            .is_some_and(|held| none_match(held, etag))
        {
            let (mut parts, _) = response.into_parts();
            parts.status = StatusCode::NOT_MODIFIED;
            for unsent in [
                header::CONTENT_TYPE,
                header::CONTENT_ENCODING,
                header::CONTENT_LENGTH,
            ] {
                parts.headers.remove(unsent);
            }
            response = Response::from_parts(parts, axum::body::Body::empty());
        }
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE_CONTROL),
        );
        // The media type follows `Accept`, and a request with a token is answered for its caller.
        headers.append(
            header::VARY,
            HeaderValue::from_static("accept, authorization"),
        );
        response
    }

    fn respond(&self, status: StatusCode, code: Code, body: &str) -> Response {
        self.respond_bytes(status, code.as_str(), body.as_bytes().to_vec())
    }

    fn respond_bytes(
        &self,
        status: StatusCode,
        code: &'static str,
        body: impl Into<axum::body::Body>,
    ) -> Response {
        let mut response = (status, body.into()).into_response();
        response.extensions_mut().insert(Outcome {
            operation: self.operation.clone(),
            code,
        });
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.content_type());
        if matches!(
            status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
        ) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            let allowed = if self.is_get { "POST" } else { "GET, POST" };
            headers.insert(header::ALLOW, HeaderValue::from_static(allowed));
        }
        response
    }
}

fn error_code(error: &ServerError) -> Option<Code> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Code::parse(code),
        _ => None,
    }
}

/// A request error's body: the errors and extensions, and no `data` at all.
#[derive(serde::Serialize)]
struct RequestError<'a> {
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> From<&'a GraphqlResponse> for RequestError<'a> {
    fn from(response: &'a GraphqlResponse) -> Self {
        Self {
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// How many bytes are written between two looks at the clock.
const BYTES_PER_CLOCK_CHECK: usize = 64 * 1024;

/// Serializes up to the response byte limit and until the deadline, and stops there without
/// building the rest: serialization runs without yielding, so it must bound itself.
fn to_bounded_json(
    value: &impl serde::Serialize,
    limits: &RequestLimits,
    deadline: Instant,
) -> Result<Vec<u8>, Refusal> {
    struct Bounded<'a> {
        bytes: Vec<u8>,
        limits: &'a RequestLimits,
        deadline: Instant,
        next_clock_check: usize,
        stopped_by: Option<Refusal>,
    }
    impl std::io::Write for Bounded<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let written = self.bytes.len() + buf.len();
            if written > self.limits.max_response_bytes {
                self.stopped_by = Some(Refusal::ResponseBytes {
                    limit: self.limits.max_response_bytes,
                });
            } else if written >= self.next_clock_check {
                self.next_clock_check = written + BYTES_PER_CLOCK_CHECK;
                if Instant::now() >= self.deadline {
                    self.stopped_by = Some(Refusal::Timeout {
                        seconds: self.limits.request_timeout_secs,
                    });
                }
            }
            if self.stopped_by.is_some() {
                return Err(std::io::Error::other("response stopped"));
            }
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = Bounded {
        bytes: Vec::with_capacity(limits.max_response_bytes.min(BYTES_PER_CLOCK_CHECK)),
        limits,
        deadline,
        next_clock_check: BYTES_PER_CLOCK_CHECK,
        stopped_by: None,
    };
    match serde_json::to_writer(&mut writer, value) {
        Ok(()) => Ok(writer.bytes),
        // Writing to memory fails only where the writer stopped it.
        Err(_) => Err(writer.stopped_by.unwrap_or(Refusal::ResponseBytes {
            limit: limits.max_response_bytes,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_a_charset_other_than_utf8_is_refused() {
        let headers = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            headers
        };
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("application/json; charset=utf-8")));
        assert!(!is_json(&headers("application/json; charset=latin1")));
        assert!(!is_json(&headers("text/plain")));
    }

    #[test]
    fn serialization_stops_at_the_byte_limit_or_the_deadline() {
        let limits = RequestLimits {
            max_response_bytes: 100,
            ..RequestLimits::default()
        };
        let later = Instant::now() + std::time::Duration::from_secs(60);
        assert_eq!(
            to_bounded_json(&vec!["x"; 1_000], &limits, later),
            Err(Refusal::ResponseBytes { limit: 100 })
        );
        assert_eq!(
            to_bounded_json(&["x"], &limits, later).unwrap(),
            br#"["x"]"#
        );
        let unlimited = RequestLimits {
            max_response_bytes: usize::MAX,
            ..RequestLimits::default()
        };
        assert!(matches!(
            to_bounded_json(&vec!["x"; 100_000], &unlimited, Instant::now()),
            Err(Refusal::Timeout { .. })
        ));
    }
}
