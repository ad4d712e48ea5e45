//! A running server on a fresh SQLite file with a fixed clock, a small portfolio, users,
//! and a cookie-keeping HTTP client — what the workspace tests (and the browser tests)
//! start from.

use std::io::{Read, Write};
use store::{Actor, Clock, PiiKey, Store};

pub const PASSWORD: &str = "correct horse battery";

/// Debtors in New York, Washington (Pacific time) and Massachusetts, for two creditors.
pub const PORTFOLIO: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,phone_home,email,language,date_of_birth,ssn_last4\n\
NBANK,NY-1,P-1,Ann,Bee,1200.00,USD,2026-05-01,1 Main St,Albany,NY,12207,(518) 555-0101,,ann@example.com,en,1980-04-12,4321\n\
NBANK,NY-2,P-2,Bob,Cole,800.00,USD,2026-06-01,2 Main St,Albany,NY,12207,(518) 555-0102,(518) 555-0112,,en,,\n\
NBANK,WA-1,P-3,Cruz,Diaz,950.00,USD,2026-04-01,3 Pine St,Seattle,WA,98101,(206) 555-0103,,,es,,\n\
NBANK,MA-1,P-4,Dee,Eng,400.00,USD,2026-03-01,4 Elm St,Boston,MA,02108,(617) 555-0104,,,en,,\n\
CITYUTIL,CU-1,Q-1,Eve,Fox,300.00,USD,2026-02-01,5 Oak St,Albany,NY,12207,(518) 555-0105,,,en,,\n";

pub struct Fixture {
    pub store: Store,
    pub address: std::net::SocketAddr,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The real placement reader, as the import wants it.
pub struct Source(pub Option<ingest::placement::CheckedPlacements<std::fs::File>>);

impl store::import::PlacementSource for Source {
    fn next_placement(&mut self) -> Option<domain::placement::Placement> {
        self.0.as_mut()?.next_placement()
    }

    fn finish(&mut self) -> Result<store::import::SourceSummary, String> {
        let summary = self
            .0
            .take()
            .unwrap()
            .finish()
            .map_err(|rejection| rejection.to_string())?;
        Ok(store::import::SourceSummary {
            sha256: summary.sha256,
            rows: summary.rows,
        })
    }
}

impl Fixture {
    /// The server at `now`, with PORTFOLIO imported and the given (user, role,
    /// creditors) signed up.
    pub async fn start(now: &str, users: &[(&str, domain::party::Role, &[&str])]) -> Fixture {
        Fixture::start_with(now, users, web::Config::default()).await
    }

    /// The server with the operator's settings.
    pub async fn start_with(
        now: &str,
        users: &[(&str, domain::party::Role, &[&str])],
        mut config: web::Config,
    ) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        if config.documents.dir.is_none() {
            config.documents.dir = Some(dir.path().join("documents"));
        }
        let url = format!("sqlite://{}", dir.path().join("arrears.db").display());
        let clock = Clock::Fixed(now.parse().unwrap());
        let store = Store::open(&url, PiiKey::generate(), clock).await.unwrap();
        let file = dir.path().join("placements.csv");
        std::fs::write(&file, PORTFOLIO).unwrap();
        let today = jiff::civil::date(2026, 11, 20);
        let mapping = ingest::mapping::Mapping::standard();
        let checked =
            ingest::placement::CheckedPlacements::open(&file, &mapping, today, 100).unwrap();
        let name = file.display().to_string();
        let request = store::import::ImportFile {
            file_name: &name,
            placed_on: today,
        };
        let actor = Actor::new("test:setup");
        store
            .import_placements(&actor, &request, &mut Source(Some(checked)))
            .await
            .unwrap();
        store.prioritize(&actor).await.unwrap();
        for (user, role, creditors) in users {
            store.add_user(&actor, user, *role, PASSWORD).await.unwrap();
            let codes: Vec<String> = creditors.iter().map(|code| code.to_string()).collect();
            store.assign_creditors(&actor, user, &codes).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(web::serve_with(store.clone(), config, listener));
        Fixture {
            store,
            address,
            server,
            _dir: dir,
        }
    }

    /// Imports more placements (a file's text), placed on the portfolio's day.
    pub async fn import(&self, text: &str) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("more.csv");
        std::fs::write(&file, text).unwrap();
        let today = jiff::civil::date(2026, 11, 20);
        let mapping = ingest::mapping::Mapping::standard();
        let checked =
            ingest::placement::CheckedPlacements::open(&file, &mapping, today, 100).unwrap();
        let name = file.display().to_string();
        let request = store::import::ImportFile {
            file_name: &name,
            placed_on: today,
        };
        self.store
            .import_placements(
                &Actor::new("test:setup"),
                &request,
                &mut Source(Some(checked)),
            )
            .await
            .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A client signed in as `user`.
    pub async fn sign_in(&self, user: &str) -> Client {
        let mut client = Client {
            address: self.address,
            cookie: None,
        };
        let response = client
            .post("/login", &[("username", user), ("password", PASSWORD)])
            .await;
        assert_eq!(response.status, 303, "{user} signs in: {}", response.body);
        client
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The value of the first `name="…"` attribute after `marker` in the page.
    pub fn attribute_after(&self, marker: &str, name: &str) -> Option<String> {
        let start = self.body.find(marker)?;
        let rest = &self.body[start..];
        let key = format!("{name}=\"");
        let at = rest.find(&key)? + key.len();
        let end = rest[at..].find('"')?;
        Some(rest[at..at + end].to_string())
    }

    pub fn csrf(&self) -> String {
        self.attribute_after("<body", "data-csrf")
            .expect("a CSRF token on the page")
    }

    pub fn version(&self) -> String {
        self.attribute_after("name=\"version\"", "value")
            .expect("an account version on the page")
    }
}

pub struct Client {
    pub address: std::net::SocketAddr,
    pub cookie: Option<String>,
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

impl Client {
    pub async fn get(&mut self, path: &str) -> Response {
        self.send("GET", path, None).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
            .collect();
        self.send("POST", path, Some(body.join("&"))).await
    }

    /// A `multipart/form-data` POST: the text fields in order, then `file` (name, bytes).
    pub async fn multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Response {
        const BOUNDARY: &str = "----arrears-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/pdf\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let (response, _) = self
            .send_bytes(
                "POST",
                path,
                Some((format!("multipart/form-data; boundary={BOUNDARY}"), body)),
            )
            .await;
        response
    }

    /// A GET whose answer's body is bytes (a download).
    pub async fn get_bytes(&mut self, path: &str) -> (Response, Vec<u8>) {
        self.send_bytes("GET", path, None).await
    }

    /// A form POST whose answer's body is bytes (the evidence package).
    pub async fn post_bytes(&mut self, path: &str, fields: &[(&str, &str)]) -> (Response, Vec<u8>) {
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
            .collect();
        self.send_bytes(
            "POST",
            path,
            Some((
                "application/x-www-form-urlencoded".into(),
                body.join("&").into_bytes(),
            )),
        )
        .await
    }

    async fn send_bytes(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(String, Vec<u8>)>,
    ) -> (Response, Vec<u8>) {
        let address = self.address;
        let cookie = self.cookie.clone();
        let method = method.to_string();
        let path = path.to_string();
        let raw = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            let mut request =
                format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
            if let Some(cookie) = cookie {
                request.push_str(&format!("Cookie: {cookie}\r\n"));
            }
            let mut bytes = Vec::new();
            if let Some((content_type, body)) = &body {
                request.push_str(&format!(
                    "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                ));
                bytes.extend_from_slice(request.as_bytes());
                bytes.extend_from_slice(body);
            } else {
                request.push_str("\r\n");
                bytes.extend_from_slice(request.as_bytes());
            }
            stream.write_all(&bytes).unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).unwrap();
            raw
        })
        .await
        .unwrap();
        let split = raw
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .unwrap_or(raw.len());
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let body = raw.get(split + 4..).unwrap_or_default().to_vec();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| {
                let (key, value) = line.split_once(':')?;
                Some((key.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        (
            Response {
                status,
                headers,
                body: String::from_utf8_lossy(&body).to_string(),
            },
            body,
        )
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<String>) -> Response {
        let address = self.address;
        let cookie = self.cookie.clone();
        let method = method.to_string();
        let path = path.to_string();
        let response = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            let mut request = format!(
                "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n"
            );
            if let Some(cookie) = cookie {
                request.push_str(&format!("Cookie: {cookie}\r\n"));
            }
            if let Some(body) = &body {
                request.push_str(&format!(
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                ));
            } else {
                request.push_str("\r\n");
            }
            stream.write_all(request.as_bytes()).unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).unwrap();
            String::from_utf8_lossy(&raw).to_string()
        })
        .await
        .unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| {
                let (key, value) = line.split_once(':')?;
                Some((key.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        if let Some(set) = headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("set-cookie"))
        {
            let pair = set.1.split(';').next().unwrap_or("").to_string();
            self.cookie = Some(pair).filter(|pair| !pair.ends_with('='));
        }
        Response {
            status,
            headers,
            body: body.to_string(),
        }
    }
}
