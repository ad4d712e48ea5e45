//! The server over a real socket, on a real SQLite file.

use std::io::{Read, Write};
use store::{Clock, PiiKey, Store};

async fn get(address: std::net::SocketAddr, path: &str) -> String {
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_home_page_tells_what_the_database_holds() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("arrears.db").display());
    let store = Store::open(&url, PiiKey::generate(), Clock::System)
        .await
        .unwrap();
    let code = domain::ids::CreditorCode::parse("NBANK").unwrap();
    store
        .add_creditor(&store::Actor::new("test"), &code, "National Bank")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(web::serve_on(store, listener));

    let home = get(address, "/").await;
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(
        home.contains("holds 0 accounts of 0 debtors for 1 creditor."),
        "{home}"
    );
    let health = get(address, "/healthz").await;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    let missing = get(address, "/no-such-page").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.abort();
}
