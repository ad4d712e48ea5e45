//! What the HTTP benchmarks share: a small HTTP/1.1 keep-alive client over tokio's
//! `TcpStream` (one request at a time per connection, answers framed by Content-Length,
//! which is what axum sends for every route loaded here), percentiles of sorted
//! latencies, and this process's CPU time split between the server's threads and the
//! client's.

use anyhow::{Context as _, Result, bail};
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Linux reports thread CPU time in /proc in units of USER_HZ, 100 per second.
pub const TICKS_PER_SECOND: f64 = 100.0;

/// An HTTP/1.1 keep-alive connection carrying one request at a time; reads answers framed
/// by Content-Length.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    consumed: usize,
}

/// One answer, borrowed from the connection's buffer until the next exchange.
pub struct Answer<'a> {
    pub status: u16,
    /// The status line and the header lines, without the blank line.
    head: &'a str,
    pub body: &'a [u8],
}

impl Answer<'_> {
    /// The first header of that name (case-insensitive), trimmed.
    pub fn header(&self, wanted: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case(wanted)
                .then_some(value.trim())
        })
    }
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Result<Connection> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
            consumed: 0,
        })
    }

    /// Sends one whole request and reads its answer.
    pub async fn exchange(&mut self, request: &[u8]) -> Result<Answer<'_>> {
        self.buffer.drain(..self.consumed);
        self.consumed = 0;
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(at) = self
                .buffer
                .windows(4)
                .position(|window| window == b"\r\n\r\n")
            {
                break at + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end - 4]).context("answer head")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse::<u16>().ok())
            .with_context(|| format!("not an HTTP/1.1 status line: {status_line:?}"))?;
        let mut length = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().context("Content-Length")?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                bail!("answer with Transfer-Encoding {value}: this client reads Content-Length");
            }
        }
        let length = length.context("answer without Content-Length")?;
        let end = head_end + length;
        while self.buffer.len() < end {
            self.fill().await?;
        }
        self.consumed = end;
        let head = std::str::from_utf8(&self.buffer[..head_end - 4]).context("answer head")?;
        Ok(Answer {
            status,
            head,
            body: &self.buffer[head_end..end],
        })
    }

    async fn fill(&mut self) -> Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("the server closed the connection");
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

/// The `quantile` of ascending `sorted` values by the nearest-rank method (0 if empty).
pub fn percentile(sorted: &[u64], quantile: f64) -> u64 {
    let count = sorted.len();
    if count == 0 {
        return 0;
    }
    let rank = ((quantile * count as f64).ceil() as usize).clamp(1, count);
    sorted[rank - 1]
}

/// CPU ticks so far of this process's threads: (server side, client side), the client
/// side being the threads named in `client_threads`. Linux only.
pub fn cpu_ticks(client_threads: &[&str]) -> Option<(u64, u64)> {
    let mut server = 0;
    let mut client = 0;
    for (name, used) in thread_ticks()?.into_values() {
        if client_threads.contains(&name.as_str()) {
            client += used;
        } else {
            server += used;
        }
    }
    Some((server, client))
}

/// CPU ticks so far of each of this process's threads, by thread id: (name, ticks).
/// Linux only.
pub fn thread_ticks() -> Option<HashMap<u32, (String, u64)>> {
    let mut threads = HashMap::new();
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        let Some(id) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = |index: usize| {
            fields
                .get(index)
                .and_then(|field| field.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // After the name: state (field 3), ..., utime (14), stime (15).
        threads.insert(id, (name.to_string(), ticks(11) + ticks(12)));
    }
    Some(threads)
}

/// The CPU ticks this process's threads spent between two readings of [`thread_ticks`]:
/// (server side, client side). Unlike the difference of two [`cpu_ticks`], threads that
/// end in between (tokio's idle blocking threads do) do not take their earlier time
/// away; what they spent in between is lost, threads born in between count whole.
pub fn ticks_between(
    before: &HashMap<u32, (String, u64)>,
    after: &HashMap<u32, (String, u64)>,
    client_threads: &[&str],
) -> (u64, u64) {
    let mut server = 0;
    let mut client = 0;
    for (id, (name, used)) in after {
        let earlier = before.get(id).map_or(0, |(_, used)| *used);
        let spent = used.saturating_sub(earlier);
        if client_threads.contains(&name.as_str()) {
            client += spent;
        } else {
            server += spent;
        }
    }
    (server, client)
}

/// The whole machine's CPU ticks so far: (busy, all), from `/proc/stat`. Linux only.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let all: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some((all - idle, all))
}
