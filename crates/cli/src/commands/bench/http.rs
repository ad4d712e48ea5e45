//! `arrears bench compliance-http`: the real server in this process on 127.0.0.1, loaded
//! open-loop: requests are scheduled at a fixed rate whatever the answers' delay and each
//! latency is counted from its scheduled send, so a slow answer cannot hide the requests
//! queued behind it (no coordinated omission). The one stream of requests alternates every
//! second between `GET /healthz` (the floor) and `POST /api/v1/compliance/check` with the
//! mix of `bench compliance-checks`, so whatever else the machine does meanwhile falls on
//! both alike. The client is a small HTTP/1.1 keep-alive client over tokio's `TcpStream`
//! on its own thread; it and the server share the machine's cores.

use super::client::{Connection, TICKS_PER_SECOND, cpu_ticks, percentile};
use super::mix;
use anyhow::{Context as _, Result, anyhow, ensure};
use compliance::check::Request;
use serde_json::Value;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc};

/// Distinct check requests, sent round-robin.
const DISTINCT: u64 = 10_000;
/// Requests whose HTTP answers are compared with the engine's before the load starts.
const VERIFIED: usize = 500;
/// The stream switches endpoint every slice: even slices the floor, odd ones the check.
const SLICE_NANOS: u64 = 1_000_000_000;
/// The first slices (one per endpoint) warm up and are not counted.
const WARM_UP_SLICES: u64 = 2;
/// One exchange that takes longer is an error (and the connection is replaced).
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

const CLIENT_THREAD: &str = "bench-client";
const PACER_THREAD: &str = "bench-pacer";
const FLOOR: usize = 0;
const CHECK: usize = 1;

pub async fn compliance_http(rate: u32, seconds: u32, connections: u32) -> Result<ExitCode> {
    if rate == 0 || seconds == 0 || connections == 0 {
        return Err(anyhow!(crate::InputError(
            "--rate, --seconds and --connections must be at least 1".into()
        )));
    }
    let dir = std::env::temp_dir().join(format!("arrears-bench-http-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let store =
        crate::context::open_store(&format!("sqlite://{}", dir.join("http.db").display())).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(web::serve_on(store.clone(), listener));
    let workers = tokio::runtime::Handle::current().metrics().num_workers();

    let requests: Vec<Request> = (0..DISTINCT).map(mix).collect();
    let host = addr.to_string();
    let mut checks = Vec::with_capacity(requests.len());
    let mut body_bytes = 0;
    for request in &requests {
        let body = serde_json::to_vec(&app::compliance_json::request_json(request))?;
        let parsed = app::compliance_json::parse_request(&serde_json::from_slice(&body)?).map_err(
            |malformed| {
                anyhow!(
                    "a mix request is malformed at {}: {}",
                    malformed.field,
                    malformed.reason
                )
            },
        )?;
        ensure!(&parsed == request, "a mix request changes through its JSON");
        body_bytes += body.len();
        checks.push(wire_post(&host, "/api/v1/compliance/check", &body));
    }
    let expected: Vec<Value> = requests[..VERIFIED]
        .iter()
        .map(|request| app::compliance_json::answer_json(&compliance::check::check(request)))
        .collect();
    let health = vec![format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()];

    let load = Load {
        addr,
        rate,
        seconds,
        connections,
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(CLIENT_THREAD.into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|runtime| {
                    runtime.block_on(client(load, Arc::new([health, checks]), expected))
                });
            sender.send(result).ok();
        })?;
    let result = receiver.await.context("the client thread stopped");
    server.abort();
    server.await.ok();
    store.close().await;
    std::fs::remove_dir_all(&dir).ok();
    let run = result??;
    let [floor, check] = &run.endpoints;

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "compliance-http: open loop, {rate} requests/s over {connections} keep-alive connections to {addr}, alternating endpoint every second: {seconds} s each (after 1 s each of warm-up)"
    );
    println!(
        "  server: the real router in this process ({workers} tokio workers); client: one thread and a pacer thread; all on the same {cores} cores"
    );
    println!(
        "  check  POST /api/v1/compliance/check: {}  ({:.1} % denied; {DISTINCT} distinct bodies, {:.0} bytes on average)",
        check.line(rate),
        100.0 * check.denied as f64 / check.latencies.len().max(1) as f64,
        body_bytes as f64 / requests.len() as f64
    );
    println!(
        "  floor  GET /healthz:                   {}",
        floor.line(rate)
    );
    println!(
        "  ratio check / floor: p50 {:.2}  p99 {:.2}  (target: p99 ≤ 3 at 2,000 requests/s)",
        check.percentile(0.50) as f64 / floor.percentile(0.50).max(1) as f64,
        check.percentile(0.99) as f64 / floor.percentile(0.99).max(1) as f64
    );
    println!(
        "  achieved {:.1} requests/s overall; pacer late by at most {:.3} ms; CPU per request: check {}, floor {}",
        run.answered as f64 / run.elapsed.as_secs_f64().max(1e-9),
        run.pacer_late.as_secs_f64() * 1e3,
        check.cpu_line(rate, seconds),
        floor.cpu_line(rate, seconds),
    );
    let failed = check.errors() + floor.errors();
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{failed} scheduled requests were not answered 200");
        ExitCode::FAILURE
    })
}

fn wire_post(host: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut wire = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    wire.extend_from_slice(body);
    wire
}

#[derive(Clone, Copy)]
struct Load {
    addr: SocketAddr,
    rate: u32,
    seconds: u32,
    connections: u32,
}

/// Request bytes of each endpoint, sent round-robin: `[FLOOR]`, `[CHECK]`.
type Wire = Arc<[Vec<Vec<u8>>; 2]>;

async fn client(load: Load, wire: Wire, expected: Vec<Value>) -> Result<Run> {
    verify(load.addr, &wire[FLOOR][0], &wire[CHECK], &expected).await?;
    run_load(load, wire).await
}

/// One connection, one request at a time: the server answers the health check, and the
/// first requests of the mix exactly as the engine does in process.
async fn verify(
    addr: SocketAddr,
    health: &[u8],
    checks: &[Vec<u8>],
    expected: &[Value],
) -> Result<()> {
    let mut connection = Connection::open(addr).await?;
    let answer = connection.exchange(health).await?;
    let (status, body) = (answer.status, answer.body);
    ensure!(
        status == 200 && body == b"ok",
        "GET /healthz answered {status} {:?}",
        String::from_utf8_lossy(body)
    );
    for (index, expected) in expected.iter().enumerate() {
        let answer = connection.exchange(&checks[index]).await?;
        let (status, body) = (answer.status, answer.body);
        ensure!(
            status == 200,
            "check {index} answered {status} {:?}",
            String::from_utf8_lossy(body)
        );
        let answer: Value = serde_json::from_slice(body)?;
        ensure!(
            &answer == expected,
            "check {index}: the server answered {answer}, the engine {expected}"
        );
    }
    Ok(())
}

/// What the load gave.
struct Run {
    endpoints: [Endpoint; 2],
    /// Measured requests answered 200 (both endpoints), and the time from the start of the
    /// measured slices to the last of those answers.
    answered: u64,
    elapsed: Duration,
    /// The most the pacer thread sent a request after its scheduled time.
    pacer_late: Duration,
}

/// What one endpoint's measured slices gave.
#[derive(Default)]
struct Endpoint {
    /// Nanoseconds from the scheduled send to the whole answer, of the answers 200.
    latencies: Vec<u64>,
    /// Scheduled in the measured slices.
    scheduled: u64,
    /// Answers that deny (check only).
    denied: u64,
    /// CPU ticks of the server side and of the client side during the measured slices.
    server_ticks: u64,
    client_ticks: u64,
    /// The first failure, to show.
    first_error: Option<String>,
}

impl Endpoint {
    fn errors(&self) -> u64 {
        self.scheduled - self.latencies.len() as u64
    }

    fn percentile(&self, quantile: f64) -> u64 {
        percentile(&self.latencies, quantile)
    }

    fn line(&self, rate: u32) -> String {
        let ms = |nanos: u64| nanos as f64 / 1e6;
        let mut line = format!(
            "{:>7} answered at {rate}/s  {} errors  p50 {:6.3} ms  p90 {:6.3} ms  p99 {:6.3} ms  max {:7.3} ms",
            self.latencies.len(),
            self.errors(),
            ms(self.percentile(0.50)),
            ms(self.percentile(0.90)),
            ms(self.percentile(0.99)),
            ms(self.latencies.last().copied().unwrap_or(0)),
        );
        if let Some(error) = &self.first_error {
            line.push_str(&format!("  (first error: {error})"));
        }
        line
    }

    fn cpu_line(&self, rate: u32, seconds: u32) -> String {
        let requests = f64::from(rate) * f64::from(seconds);
        let per_request = |ticks: u64| 1e6 * ticks as f64 / TICKS_PER_SECOND / requests;
        format!(
            "server {:.0} µs + client {:.0} µs",
            per_request(self.server_ticks),
            per_request(self.client_ticks)
        )
    }
}

/// An item of the schedule: when to send, the request's number, its endpoint, whether it
/// counts.
type Scheduled = (Instant, u64, usize, bool);

/// Opens the connections, schedules `rate` requests a second at fixed intervals from a
/// pacer thread, and lets whichever connection is idle take the next one.
async fn run_load(load: Load, wire: Wire) -> Result<Run> {
    let mut connections = Vec::new();
    for _ in 0..load.connections {
        connections.push(Connection::open(load.addr).await?);
    }
    let rate = u64::from(load.rate);
    let slices = WARM_UP_SLICES + 2 * u64::from(load.seconds);
    let total = rate * slices * SLICE_NANOS / 1_000_000_000;
    let (sender, receiver) = mpsc::unbounded_channel::<Scheduled>();
    let receiver = Arc::new(Mutex::new(receiver));
    let start = Instant::now() + Duration::from_millis(10);
    let measured_from = start + Duration::from_nanos(WARM_UP_SLICES * SLICE_NANOS);
    let give_up = start + Duration::from_nanos(slices * SLICE_NANOS) * 2 + Duration::from_secs(10);
    let pacer = std::thread::Builder::new()
        .name(PACER_THREAD.into())
        .spawn(move || pace(sender, start, rate, total))?;
    let drivers: Vec<_> = connections
        .into_iter()
        .map(|connection| {
            tokio::spawn(drive(
                connection,
                load.addr,
                receiver.clone(),
                wire.clone(),
                give_up,
            ))
        })
        .collect();
    drop(receiver);
    let mut endpoints = [Endpoint::default(), Endpoint::default()];
    let mut last_answer = measured_from;
    for driver in drivers {
        let tally = driver.await?;
        for (endpoint, latencies) in endpoints.iter_mut().zip(tally.latencies) {
            endpoint.latencies.extend(latencies);
        }
        endpoints[CHECK].denied += tally.denied;
        last_answer = last_answer.max(tally.last_answer.unwrap_or(measured_from));
        for (endpoint, error) in endpoints.iter_mut().zip(tally.first_error) {
            if endpoint.first_error.is_none() {
                endpoint.first_error = error;
            }
        }
    }
    let paced = pacer
        .join()
        .map_err(|_| anyhow!("the pacer thread panicked"))?;
    let mut answered = 0;
    for (index, endpoint) in endpoints.iter_mut().enumerate() {
        endpoint.latencies.sort_unstable();
        endpoint.scheduled = paced.scheduled[index];
        (endpoint.server_ticks, endpoint.client_ticks) = paced.ticks[index];
        answered += endpoint.latencies.len() as u64;
    }
    Ok(Run {
        endpoints,
        answered,
        elapsed: last_answer.saturating_duration_since(measured_from),
        pacer_late: paced.late,
    })
}

/// What the pacer did: measured requests scheduled per endpoint, CPU ticks (server side,
/// client side) during each endpoint's measured slices, and its worst lateness.
#[derive(Default)]
struct Paced {
    scheduled: [u64; 2],
    ticks: [(u64, u64); 2],
    late: Duration,
}

/// The pacer thread: sends request `index` at `start + index / rate`; at each change of
/// slice, charges the CPU time since the last change to the slice's endpoint.
fn pace(sender: mpsc::UnboundedSender<Scheduled>, start: Instant, rate: u64, total: u64) -> Paced {
    let mut paced = Paced::default();
    let mut slice = 0;
    let mut ticks = cpu_ticks(&[CLIENT_THREAD, PACER_THREAD]);
    let mut charge = |slice: u64, paced: &mut Paced| {
        let now = cpu_ticks(&[CLIENT_THREAD, PACER_THREAD]);
        if let (Some(before), Some(after), true) = (ticks, now, slice >= WARM_UP_SLICES) {
            let charged = &mut paced.ticks[(slice % 2) as usize];
            charged.0 += after.0.saturating_sub(before.0);
            charged.1 += after.1.saturating_sub(before.1);
        }
        ticks = now;
    };
    for index in 0..total {
        let offset = index * 1_000_000_000 / rate;
        if offset / SLICE_NANOS != slice {
            charge(slice, &mut paced);
            slice = offset / SLICE_NANOS;
        }
        let at = start + Duration::from_nanos(offset);
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
        paced.late = paced.late.max(at.elapsed());
        let endpoint = (slice % 2) as usize;
        let measured = slice >= WARM_UP_SLICES;
        paced.scheduled[endpoint] += u64::from(measured);
        if sender.send((at, index, endpoint, measured)).is_err() {
            break;
        }
    }
    let end = start + Duration::from_nanos((slice + 1) * SLICE_NANOS);
    std::thread::sleep(end.saturating_duration_since(Instant::now()));
    charge(slice, &mut paced);
    paced
}

#[derive(Default)]
struct Tally {
    latencies: [Vec<u64>; 2],
    denied: u64,
    last_answer: Option<Instant>,
    first_error: [Option<String>; 2],
}

/// One connection's loop: take the next scheduled request, send it, read the answer,
/// record the time since it was scheduled. A failed exchange replaces the connection.
async fn drive(
    mut connection: Connection,
    addr: SocketAddr,
    queue: Arc<Mutex<mpsc::UnboundedReceiver<Scheduled>>>,
    wire: Wire,
    give_up: Instant,
) -> Tally {
    let mut tally = Tally::default();
    loop {
        let next = queue.lock().await.recv().await;
        let Some((scheduled, index, endpoint, measured)) = next else {
            break;
        };
        if Instant::now() > give_up {
            tally.first_error[endpoint]
                .get_or_insert_with(|| "gave up: the server fell too far behind".into());
            continue;
        }
        let requests = &wire[endpoint];
        let request = &requests[(index % requests.len() as u64) as usize];
        let result =
            match tokio::time::timeout(EXCHANGE_TIMEOUT, connection.exchange(request)).await {
                Ok(Ok(answer)) => Ok((
                    answer.status,
                    contains(answer.body, b"\"decision\":\"deny\""),
                )),
                Ok(Err(error)) => Err(error),
                Err(_) => Err(anyhow!("no answer within {} s", EXCHANGE_TIMEOUT.as_secs())),
            };
        let answered = Instant::now();
        match result {
            Ok((200, denied)) => {
                if measured {
                    tally.latencies[endpoint]
                        .push(answered.duration_since(scheduled).as_nanos() as u64);
                    tally.denied += u64::from(denied);
                    tally.last_answer = Some(answered);
                }
            }
            Ok((status, _)) => {
                tally.first_error[endpoint].get_or_insert_with(|| format!("answered {status}"));
            }
            Err(error) => {
                tally.first_error[endpoint].get_or_insert_with(|| format!("{error:#}"));
                match Connection::open(addr).await {
                    Ok(fresh) => connection = fresh,
                    Err(_) => break,
                }
            }
        }
    }
    tally
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
