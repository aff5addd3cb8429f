//! The websocket endpoint authenticates at `connection_init` like HTTP does, and closes with 4403
//! on a bad token without ever acknowledging it.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::support::{TestApp, token};

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    connect_async(request).await.unwrap().0
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

pub async fn receive(socket: &mut Socket) -> Message {
    tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("a message within 5 s")
        .expect("the socket is open")
        .unwrap()
}

pub fn json_of(message: Message) -> Value {
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_token_closes_the_socket_with_4403_and_is_never_acknowledged() {
    let app = TestApp::spawn().await;
    for authorization in [
        "Bearer not.a.token".to_owned(),
        format!("Basic {}", token("ofsted", None, "read")),
    ] {
        let mut socket = connect(&app).await;
        send(
            &mut socket,
            json!({ "type": "connection_init", "payload": { "Authorization": authorization } }),
        )
        .await;

        match receive(&mut socket).await {
            Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 4403),
            other => panic!("expected a 4403 close, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_valid_token_is_acknowledged_and_queries_run_as_its_viewer() {
    let app = TestApp::spawn().await;
    let mut socket = connect(&app).await;
    let bearer = format!(
        "Bearer {}",
        token("local_partner", Some("E09000033"), "read")
    );

    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": bearer } }),
    )
    .await;
    assert_eq!(
        json_of(receive(&mut socket).await)["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({
            "id": "1",
            "type": "subscribe",
            "payload": { "query": "{ viewer { role organisation { code } } }" }
        }),
    )
    .await;

    let next = json_of(receive(&mut socket).await);
    assert_eq!(next["type"], "next");
    assert_eq!(
        next["payload"]["data"]["viewer"],
        json!({ "role": "LOCAL_PARTNER", "organisation": { "code": "E09000033" } })
    );
}

#[tokio::test]
async fn without_a_token_the_socket_is_the_publics() {
    let app = TestApp::spawn().await;
    let mut socket = connect(&app).await;

    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(
        json_of(receive(&mut socket).await)["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ viewer { role } }" } }),
    )
    .await;

    let next = json_of(receive(&mut socket).await);
    assert_eq!(
        next["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}
