//! The HTTP/1.1 server loop: how many connections Arrears holds at once and how long it
//! waits for each one.
//!
//! A client that opens a connection and then sends nothing, or only part of a request,
//! must not hold a file descriptor for ever: enough of them would leave no descriptor for
//! the next sign-in, the database or `/healthz` (issue 13, finding 4). So:
//! - **connection cap**: at most [`ServerLimits::max_connections`] connections are served
//!   at once, and never more than the process's descriptor limit allows (less a reserve
//!   for the database, files and the shedding itself). A connection over the cap is
//!   answered `503 Service Unavailable` with `Retry-After` and closed at once;
//! - **header timeout**: the request line and headers must arrive within
//!   [`ServerLimits::header_timeout`] of the connection opening, or of the previous
//!   response on a kept-alive connection (hyper's `header_read_timeout`);
//! - **body timeout**: a request body must arrive whole within
//!   [`ServerLimits::body_timeout`] (`408 Request Timeout`), and at most
//!   [`MAX_BODY_BYTES`] of it (`413`) — but a document upload, which its handler streams
//!   to disk under the route's own limit, chunk by chunk within the same timeout;
//! - **write timeout**: a client that stops reading the answer is dropped after
//!   [`ServerLimits::write_timeout`] without progress.
//!
//! Every connection is served by hyper's HTTP/1.1 connection (Arrears sits behind a TLS
//! proxy in production, docs/deployment.md); the handlers see the peer's address as
//! `ConnectInfo<SocketAddr>`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

/// The largest request body read (the forms and the JSON API take far less; a payment
/// file is imported on the command line, not uploaded).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Descriptors kept back from the connection cap: the database pool, log and data files,
/// and the connections being shed.
pub const DESCRIPTOR_RESERVE: u64 = 256;

/// How long the server waits on a client. Set from the environment by `arrears serve`
/// (`ARREARS_MAX_CONNECTIONS`, `ARREARS_HEADER_TIMEOUT_SECS`, `ARREARS_BODY_TIMEOUT_SECS`,
/// `ARREARS_WRITE_TIMEOUT_SECS`); see docs/deployment.md.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// From a connection's start (or its previous response) to the end of the headers.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub body_timeout: Duration,
    /// The longest a write to the client may wait without progress.
    pub write_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            max_connections: 10_000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
        }
    }
}

impl ServerLimits {
    /// The cap actually applied: the configured one, lowered to what the descriptor limit
    /// leaves after [`DESCRIPTOR_RESERVE`] (each connection holds one descriptor).
    pub fn effective_max_connections(&self) -> usize {
        let budget = descriptor_limit()
            .map(|limit| limit.saturating_sub(DESCRIPTOR_RESERVE).max(1))
            .unwrap_or(u64::MAX);
        self.max_connections
            .min(usize::try_from(budget).unwrap_or(usize::MAX))
            .max(1)
    }
}

/// The process's open-file limit, raised to its hard limit first: the soft limit is often
/// 1,024 while the hard one allows far more, and a server is the process that needs them.
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        if limit.rlim_cur == libc::RLIM_INFINITY {
            None
        } else {
            Some(limit.rlim_cur)
        }
    }
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting and lets the connections being served finish their current request.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let cap = limits.effective_max_connections();
    let permits = Arc::new(Semaphore::new(cap));
    let router = router.layer(axum::middleware::from_fn_with_state(
        limits.body_timeout,
        read_body_within,
    ));
    tracing::info!(
        address = %listener.local_addr()?,
        max_connections = cap,
        header_timeout_ms = limits.header_timeout.as_millis() as u64,
        body_timeout_ms = limits.body_timeout.as_millis() as u64,
        "serving"
    );
    let mut shutdown = std::pin::pin!(shutdown);
    let (closing, _) = tokio::sync::watch::channel(false);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors (EMFILE/ENFILE) or a connection reset before it
                    // was accepted: wait a moment rather than spin, and keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(shed(stream, limits.write_timeout));
            continue;
        };
        stream.set_nodelay(true).ok();
        let router = router.clone();
        let limits = limits.clone();
        let mut closing = closing.subscribe();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request: Request<_>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let mut router = router.clone();
                async move {
                    let request = request.map(axum::body::Body::new);
                    router.call(request).await
                }
            });
            let io = TokioIo::new(WriteTimeout::new(stream, limits.write_timeout));
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(io, service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended");
                    }
                }
                _ = closing.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await.ok();
                }
            }
            drop(permit);
        });
    }
    closing.send(true).ok();
    Ok(())
}

/// Answers a connection over the cap: a complete 503 so the client (or the proxy in
/// front) knows to retry, then the descriptor is released.
async fn shed(mut stream: tokio::net::TcpStream, write_timeout: Duration) {
    const BODY: &str = "The server is busy; try again in a moment.\n";
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(write_timeout, async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// Reads the request body whole within the body timeout before the handler runs: a client
/// that trickles its body is answered 408 instead of holding the handler.
async fn read_body_within(
    axum::extract::State(timeout): axum::extract::State<Duration>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    if crate::is_upload(request.method(), request.uri().path()) {
        // Streamed by its handler under the route's own limit; the body timeout still
        // holds, chunk by chunk.
        let (parts, body) = request.into_parts();
        let body = axum::body::Body::from_stream(Deadline {
            inner: body.into_data_stream(),
            expired: Box::pin(tokio::time::sleep(timeout)),
            done: false,
        });
        return next.run(Request::from_parts(parts, body)).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return too_large(api);
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Err(_) => refuse(
            api,
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        ),
        Ok(Err(_)) => too_large(api),
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
    }
}

/// An upload's body that fails once the body timeout has passed.
struct Deadline {
    inner: axum::body::BodyDataStream,
    expired: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl futures_core::Stream for Deadline {
    type Item = Result<axum::body::Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.expired.as_mut().poll(cx).is_ready() {
            self.done = true;
            return Poll::Ready(Some(Err(axum::Error::new(
                "the request body did not arrive in time",
            ))));
        }
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

/// 413: a body over [`MAX_BODY_BYTES`].
pub(crate) fn too_large(api: bool) -> Response {
    refuse(
        api,
        StatusCode::PAYLOAD_TOO_LARGE,
        "the request body is larger than the server accepts",
    )
}

/// The answer to a body refused before any handler: JSON (the API's error shape) on
/// `/api/`, plain text elsewhere; the connection is closed after it.
fn refuse(api: bool, status: StatusCode, message: &'static str) -> Response {
    let mut response = if api {
        (
            status,
            axum::Json(app::views::ErrorBody {
                error: message.into(),
                fields: Vec::new(),
            }),
        )
            .into_response()
    } else {
        (status, format!("{message}\n")).into_response()
    };
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A stream whose writes fail with `TimedOut` when the peer has accepted no byte for
/// `timeout`: a client that stops reading does not hold its connection for ever.
struct WriteTimeout<T> {
    io: T,
    timeout: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteTimeout<T> {
    fn new(io: T, timeout: Duration) -> WriteTimeout<T> {
        WriteTimeout {
            io,
            timeout,
            stalled: None,
        }
    }

    /// A write's outcome: ready resets the clock; pending starts it, or fails the write
    /// once it has run out.
    fn progress<V>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<V>>,
    ) -> Poll<io::Result<V>> {
        match polled {
            Poll::Pending => self.poll_stalled(cx).map(Err),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_stalled(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let timeout = self.timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing within the write timeout",
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.progress(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.progress(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.progress(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
