//! The server loop's limits (issue 13, finding 4): slow and idle clients are timed out,
//! connections over the cap are shed with 503, and `/healthz` keeps answering while
//! thousands of partial requests are held open. Everything runs on loopback and stops by
//! itself; the bounds on waiting are generous and only stop a hung test.

use std::net::SocketAddr;
use std::time::Duration;

use store::{Clock, PiiKey, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use web::server::ServerLimits;

/// The longest any single step here may take before the test calls it hung.
const HUNG: Duration = Duration::from_secs(60);

struct Server {
    address: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(limits: ServerLimits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("arrears.db").display());
    let store = Store::open(&url, PiiKey::generate(), Clock::System)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = web::Config {
        limits,
        ..web::Config::default()
    };
    let task = tokio::spawn(web::serve_with(store, config, listener));
    Server {
        address,
        task,
        _dir: dir,
    }
}

/// Sends `request` on a new connection and reads the answer until the server closes it.
async fn exchange(address: SocketAddr, request: &str) -> String {
    tokio::time::timeout(HUNG, async {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok();
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .expect("the server answered")
}

const HEALTH: &str = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/// Whether the server has closed `stream`: a read returns end of file or an error.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 256];
    loop {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return true,
            // An answer such as 408 may come first; the close follows.
            Ok(_) => continue,
        }
    }
}

#[tokio::test]
async fn healthz_answers_while_five_thousand_partial_requests_are_held() {
    let server = start(ServerLimits::default()).await;
    let mut held = Vec::with_capacity(5_000);
    for i in 0..5_000 {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        // Half a request line, never finished: the slowloris pattern.
        let partial: &[u8] = if i % 2 == 0 { b"GET /que" } else { b"" };
        stream.write_all(partial).await.unwrap();
        held.push(stream);
    }
    let health = exchange(server.address, HEALTH).await;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    // The held connections are really open: the server has not closed the last one.
    let mut last = held.pop().unwrap();
    let still_open = tokio::time::timeout(Duration::from_millis(200), closed_by_server(&mut last))
        .await
        .is_err();
    assert!(still_open, "the server closed a held connection early");
}

#[tokio::test]
async fn a_request_that_stops_half_way_is_closed_after_the_header_timeout() {
    let server = start(ServerLimits {
        header_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    })
    .await;
    let mut partial = TcpStream::connect(server.address).await.unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: local")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(server.address).await.unwrap();
    let closed = tokio::time::timeout(HUNG, async {
        (
            closed_by_server(&mut partial).await,
            closed_by_server(&mut silent).await,
        )
    })
    .await
    .expect("the server closed both connections");
    assert_eq!(closed, (true, true));

    // A kept-alive connection that goes quiet after its answer is closed too.
    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let closed = tokio::time::timeout(HUNG, closed_by_server(&mut kept))
        .await
        .expect("the server closed the idle kept-alive connection");
    assert!(closed);
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_and_the_server_recovers() {
    let server = start(ServerLimits {
        max_connections: 20,
        ..ServerLimits::default()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        stream.write_all(b"GET /").await.unwrap();
        idle.push(stream);
    }
    // The server accepts in the background: wait until all twenty hold their permits.
    let shed = tokio::time::timeout(HUNG, async {
        loop {
            let answer = exchange(server.address, HEALTH).await;
            if answer.starts_with("HTTP/1.1 503") {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a connection over the cap was shed");
    assert!(shed.contains("Retry-After: 1"), "{shed}");
    assert!(shed.contains("busy"), "{shed}");

    drop(idle);
    let recovered = tokio::time::timeout(HUNG, async {
        loop {
            let answer = exchange(server.address, HEALTH).await;
            if answer.starts_with("HTTP/1.1 200") {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the server answered again once the idle connections closed");
    assert!(recovered.ends_with("ok"), "{recovered}");
}

#[tokio::test]
async fn a_body_that_trickles_is_answered_408() {
    let server = start(ServerLimits {
        body_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(HUNG, stream.read_to_end(&mut answer))
        .await
        .expect("the server answered")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A body larger than the server reads is refused without reading it all.
    let big = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        web::server::MAX_BODY_BYTES + 1
    );
    let answer = exchange(server.address, &big).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
