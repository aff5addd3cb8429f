//! `GET /graphql/ws`: GraphQL over a websocket (graphql-transport-ws, or the older graphql-ws).
//!
//! The caller authenticates in `connection_init` by the same rules as over HTTP, with an
//! `Authorization: Bearer …` entry in the payload (none means the public). A token that is
//! present but invalid closes the socket with 4403 before anything is acknowledged.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    Extension,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    response::Response,
};
use futures_util::{SinkExt, StreamExt, stream::SplitSink};
use serde_json::Value;

use super::{AppState, AuthFailure, authenticate};
use crate::graphql::for_connection;

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn upgrade(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let client = connect_info.map(|Extension(ConnectInfo(address))| address.ip());
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, state, protocol, client))
}

async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: GraphQLProtocol,
    client: Option<IpAddr>,
) {
    let (mut sink, mut stream) = socket.split();
    let first = tokio::time::timeout(INIT_TIMEOUT, async {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message {
                return Some(text);
            }
        }
        None
    })
    .await;
    let Ok(Some(init)) = first else {
        return close(&mut sink, 4408, "Connection initialisation timeout").await;
    };
    let parsed: Value = serde_json::from_str(init.as_str()).unwrap_or_default();
    if parsed["type"] != "connection_init" {
        return close(&mut sink, 4400, "Expected connection_init").await;
    }
    let payload = &parsed["payload"];
    let authorization = payload["Authorization"]
        .as_str()
        .or_else(|| payload["authorization"].as_str());
    let (viewer, today) = match authenticate(&state, authorization).await {
        Ok(authenticated) => authenticated,
        Err(AuthFailure::Refused) => return close(&mut sink, 4403, "Forbidden").await,
        Err(AuthFailure::Unavailable) => return close(&mut sink, 1011, "Internal error").await,
    };

    tracing::info!(
        viewer = viewer.label(),
        "websocket connection authenticated"
    );
    let rate_key = state.rate_limiter.key(&viewer, client);
    let data = for_connection(&state.db, viewer, today, rate_key);
    // Hand the connection, its init message first, to async-graphql, which acknowledges it.
    let replayed = futures_util::stream::once(async move { Ok(Message::Text(init)) }).chain(stream);
    GraphQLWebSocket::new_with_pair(sink, replayed, state.schema.clone(), protocol)
        .on_connection_init(move |_| async move { Ok(data) })
        .serve()
        .await;
}

async fn close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if let Err(error) = sink.send(Message::Close(Some(frame))).await {
        tracing::debug!(%error, "could not send the close frame");
    }
}
