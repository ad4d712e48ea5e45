//! End-to-end tests in a real headless Chromium, driven over W3C WebDriver.
//!
//! The harness is a small hand-written WebDriver client: one HTTP/1.1 request per command
//! (`Connection: close`) to a `chromedriver` on loopback, JSON in and out with serde_json.
//! It needs no crate beyond what the server already builds (fantoccini would add hyper's
//! client, the `webdriver` and `time` crates and an older ICU segmenter).
//!
//! Every [`Browser`] owns its own `chromedriver` process on a free port and one session in
//! it, so browsers are independent: a test can open two (two agents side by side).
//! Dropping a `Browser` ends its session (Chromium exits) and kills its `chromedriver`.
//!
//! The browser is Debian's `chromium` with `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`); `scripts/test.sh` installs them and sets
//! `ARREARS_REQUIRE_BROWSER=1`. Without them [`Browser::launch`] returns `None` after
//! printing a notice, so the test skips, unless `ARREARS_REQUIRE_BROWSER=1`, when it fails.
//!
//! Methods panic with the selector, the URL and WebDriver's message when something goes
//! wrong: they are for tests. Typical use:
//!
//! ```ignore
//! let Some(browser) = Browser::launch().await else { return };
//! let server = serve(store).await;
//! browser.goto(&server.url("/")).await;
//! browser.wait_for("h1", WAIT).await;
//! browser.press("Control+k").await;
//! browser.find("input[name=q]").await.type_text("Smith").await;
//! browser.press("Enter").await;
//! browser.wait_for_text("main", "Smith", WAIT).await;
//! browser.screenshot(&dir.path().join("search.png")).await;
//! ```

// The harness offers more than its own tests use.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The size of the viewport (the window less Chromium's own UI), so that layouts and
/// screenshots are reproducible: screenshots are exactly this many pixels.
pub const VIEWPORT: (u32, u32) = (1280, 900);
/// A generous default for [`Browser::wait_for`] on a 2-core machine under a test load.
pub const WAIT: Duration = Duration::from_secs(10);
/// Chromium's flags: the project's rule for a headless browser in a sandboxed container.
const FLAGS: [&str; 5] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
];
/// W3C WebDriver's key for an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Longest wait for one WebDriver command (a page load included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

/// A headless Chromium: one WebDriver session in its own `chromedriver`.
pub struct Browser {
    driver: Driver,
    session: String,
    /// Chromium's profile, removed when the browser is dropped (after its session ends:
    /// fields drop after `Drop::drop`), so no run leaves profiles in the temporary folder.
    _profile: tempfile::TempDir,
}

/// Where a screenshot named `name` is written: under the build's `target/`, never over
/// the tracked docs/screenshots (scripts/refresh-screenshots.sh copies them there).
pub fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("../screenshots")
        .join(name)
}

/// An element found in the page. It goes stale when the page replaces it (an htmx swap):
/// find it again then.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
    selector: String,
}

/// An error answered by chromedriver (`error` is W3C's code, e.g. "no such element").
#[derive(Debug)]
pub struct WebDriverError {
    pub status: u16,
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.error, self.message)
    }
}

/// Whether the browser tests must run: `ARREARS_REQUIRE_BROWSER=1`.
pub fn browser_required() -> bool {
    std::env::var("ARREARS_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

impl Browser {
    /// Starts `chromedriver` on a free loopback port and a headless Chromium session
    /// whose viewport is 1280x900 ([`VIEWPORT`]). `None` (after a notice on stderr) when Chromium or its
    /// driver is not installed, unless `ARREARS_REQUIRE_BROWSER=1`: then it panics.
    pub async fn launch() -> Option<Browser> {
        let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .filter(|path| !Path::new(path).exists())
            .collect();
        if !missing.is_empty() {
            let notice = format!(
                "{} missing (apt-get install chromium chromium-driver; scripts/test.sh does)",
                missing.join(" and ")
            );
            assert!(
                !browser_required(),
                "ARREARS_REQUIRE_BROWSER=1 but {notice}"
            );
            eprintln!("browser test skipped: {notice}");
            return None;
        }
        let driver = Driver::start().await;
        let mut args: Vec<String> = FLAGS.iter().map(|flag| flag.to_string()).collect();
        args.push(format!("--window-size={},{}", VIEWPORT.0, VIEWPORT.1));
        let profile = tempfile::Builder::new()
            .prefix("arrears-chromium-")
            .tempdir()
            .expect("a temporary folder for Chromium's profile");
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let created = driver
            .command("POST", "/session", Some(capabilities))
            .await
            .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"));
        let session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {created}"))
            .to_string();
        let browser = Browser {
            driver,
            session,
            _profile: profile,
        };
        browser.set_viewport(VIEWPORT).await;
        Some(browser)
    }

    /// Sizes the window so that the viewport, which the page lays out in and screenshots
    /// show, is exactly `width`x`height` (Chromium's window includes some browser UI even
    /// when headless): 1280x720 for the desk's "fits one screen" checks.
    pub async fn set_viewport(&self, (width, height): (u32, u32)) {
        let (width, height) = (width as i64, height as i64);
        let mut window = (width, height);
        for _ in 0..3 {
            let rect = json!({"width": window.0, "height": window.1});
            self.call("POST", "window/rect", rect).await;
            let inner = self
                .execute("return [innerWidth, innerHeight];", vec![])
                .await;
            let (Some(inner_width), Some(inner_height)) = (inner[0].as_i64(), inner[1].as_i64())
            else {
                panic!("no viewport size: {inner}");
            };
            if (inner_width, inner_height) == (width, height) {
                return;
            }
            window = (
                window.0 + width - inner_width,
                window.1 + height - inner_height,
            );
        }
        panic!("cannot size the viewport to {width}x{height}");
    }

    /// Runs axe-core (vendored in `tests/assets/axe.min.js`, never served by Arrears) on
    /// the current page and panics listing every violation: rule, impact, help and the
    /// offending elements. `page` names the page in the message.
    pub async fn assert_accessible(&self, page: &str) {
        let found = self.accessibility_violations().await;
        if !found.is_empty() {
            let url = self.current_url().await;
            panic!(
                "axe-core finds {} violation(s) on {page} ({url}):\n{}",
                found.len(),
                found.join("\n")
            );
        }
    }

    /// axe-core's violations on the current page, one `- rule (impact): help` line each
    /// followed by the offending elements.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        const AXE: &str = include_str!("../assets/axe.min.js");
        let script = format!(
            "{AXE}\nconst done = arguments[arguments.length - 1];\n\
             axe.run(document, {{resultTypes: ['violations']}})\n\
             .then(r => done(r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help, \
             nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}}))))\n\
             .catch(e => done([{{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}}]));"
        );
        let violations = self
            .call(
                "POST",
                "execute/async",
                json!({"script": script, "args": []}),
            )
            .await;
        violations
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|v| {
                let nodes: Vec<String> = v["nodes"]
                    .as_array()
                    .map(|nodes| {
                        nodes
                            .iter()
                            .map(|n| n.as_str().unwrap_or("?").replace('\n', " "))
                            .collect()
                    })
                    .unwrap_or_default();
                format!(
                    "- {} ({}): {}\n    {}",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or("?"),
                    nodes.join("\n    ")
                )
            })
            .collect()
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.call("POST", "url", json!({ "url": url })).await;
    }

    /// The address in the location bar.
    pub async fn current_url(&self) -> String {
        string(self.call("GET", "url", Value::Null).await)
    }

    /// The document's `<title>`.
    pub async fn title(&self) -> String {
        string(self.call("GET", "title", Value::Null).await)
    }

    /// The page's HTML as it is now (after scripts and htmx swaps), not as served.
    pub async fn html(&self) -> String {
        string(self.call("GET", "source", Value::Null).await)
    }

    pub async fn back(&self) {
        self.call("POST", "back", json!({})).await;
    }

    pub async fn refresh(&self) {
        self.call("POST", "refresh", json!({})).await;
    }

    /// The first element matching the CSS `selector`; panics when there is none.
    pub async fn find(&self, selector: &str) -> Element<'_> {
        match self.try_find(selector).await {
            Some(element) => element,
            None => panic!(
                "no element matches {selector:?} on {}",
                self.current_url().await
            ),
        }
    }

    /// The first element matching the CSS `selector`, if any.
    pub async fn try_find(&self, selector: &str) -> Option<Element<'_>> {
        let found = self
            .try_call(
                "POST",
                "element",
                json!({"using": "css selector", "value": selector}),
            )
            .await;
        match found {
            Ok(value) => Some(self.element(&value, selector)),
            Err(e) if e.error == "no such element" => None,
            Err(e) => panic!("finding {selector:?}: {e}"),
        }
    }

    /// Every element matching the CSS `selector`, in document order.
    pub async fn find_all(&self, selector: &str) -> Vec<Element<'_>> {
        let found = self
            .call(
                "POST",
                "elements",
                json!({"using": "css selector", "value": selector}),
            )
            .await;
        let list = found.as_array().cloned().unwrap_or_default();
        list.iter().map(|v| self.element(v, selector)).collect()
    }

    /// Waits until an element matches `selector` (polling), then returns it; panics after
    /// `timeout` with the page's URL.
    pub async fn wait_for(&self, selector: &str, timeout: Duration) -> Element<'_> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = self.try_find(selector).await {
                return element;
            }
            if Instant::now() >= deadline {
                panic!(
                    "no element matched {selector:?} within {timeout:?} on {}",
                    self.current_url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the first element matching `selector` shows text containing `needle`;
    /// returns that text. Panics after `timeout` with the text last seen.
    pub async fn wait_for_text(&self, selector: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            if let Some(element) = self.try_find(selector).await {
                // The element may be swapped out between finding and reading it.
                if let Ok(text) = element.try_text().await {
                    if text.contains(needle) {
                        return text;
                    }
                    last = Some(text);
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "{selector:?} did not show {needle:?} within {timeout:?} on {}; last text: {last:?}",
                    self.current_url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until no element matches `selector` (a dialog closed, a row removed).
    pub async fn wait_gone(&self, selector: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.try_find(selector).await.is_some() {
            if Instant::now() >= deadline {
                panic!("{selector:?} still there after {timeout:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the first element matching `selector`.
    pub async fn click(&self, selector: &str) {
        self.find(selector).await.click().await;
    }

    /// Types `text` into the first element matching `selector` (after what it holds).
    pub async fn type_text(&self, selector: &str, text: &str) {
        self.find(selector).await.type_text(text).await;
    }

    /// The visible text of the first element matching `selector`.
    pub async fn text(&self, selector: &str) -> String {
        self.find(selector).await.text().await
    }

    /// An attribute of the first element matching `selector`.
    pub async fn attribute(&self, selector: &str, name: &str) -> Option<String> {
        self.find(selector).await.attribute(name).await
    }

    /// Presses a key or chord on whatever has the focus (the page body when nothing has),
    /// as a person would: `"Enter"`, `"Escape"`, `"/"`, `"j"`, `"Control+k"`,
    /// `"Shift+Tab"`, `"Alt+ArrowDown"`. Names: Enter, Escape, Tab, Backspace, Delete,
    /// Space, ArrowUp/Down/Left/Right, Home, End, PageUp, PageDown, F1–F12 and the
    /// modifiers Shift, Control, Alt, Meta; anything else must be one character.
    pub async fn press(&self, chord: &str) {
        let keys = parse_chord(chord);
        let mut actions: Vec<Value> = keys
            .iter()
            .map(|key| json!({"type": "keyDown", "value": key}))
            .collect();
        actions.extend(
            keys.iter()
                .rev()
                .map(|key| json!({"type": "keyUp", "value": key})),
        );
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.call("POST", "actions", body).await;
        self.call("DELETE", "actions", Value::Null).await;
    }

    /// Runs `script` (a function body: `return document.title;`) with `args` in the page
    /// and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(
            "POST",
            "execute/sync",
            json!({"script": script, "args": args}),
        )
        .await
    }

    /// Saves a PNG of the viewport (1280x900) to `path`, creating its folder.
    pub async fn screenshot(&self, path: &Path) {
        let data = string(self.call("GET", "screenshot", Value::Null).await);
        let png = base64_decode(&data);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).unwrap();
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Ends the session and chromedriver now (dropping does the same).
    pub fn close(self) {}

    /// Sends a command to this session (`path` after `/session/{id}/`); panics on error.
    pub async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    /// Sends a command to this session and returns chromedriver's `value` or its error.
    pub async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, WebDriverError> {
        let path = format!("/session/{}/{path}", self.session);
        let body = (!body.is_null()).then_some(body);
        self.driver.command(method, &path, body).await
    }

    fn element(&self, value: &Value, selector: &str) -> Element<'_> {
        let id = value[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("not an element reference: {value}"));
        Element {
            browser: self,
            id: id.to_string(),
            selector: selector.to_string(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Blocking on purpose: Drop cannot await, and chromedriver answers this without
        // the server under test. Chromium would outlive a killed chromedriver otherwise.
        let _ = blocking_request(
            self.driver.address,
            "DELETE",
            &format!("/session/{}", self.session),
        );
    }
}

impl Element<'_> {
    pub async fn click(&self) {
        self.call("POST", "click", json!({})).await;
    }

    /// Types `text` into this element (an input, a textarea), after what it holds.
    pub async fn type_text(&self, text: &str) {
        self.call("POST", "value", json!({ "text": text })).await;
    }

    /// Empties an input or a textarea.
    pub async fn clear(&self) {
        self.call("POST", "clear", json!({})).await;
    }

    /// The element's rendered text (what a person sees, hidden parts left out).
    pub async fn text(&self) -> String {
        string(self.call("GET", "text", Value::Null).await)
    }

    async fn try_text(&self) -> Result<String, WebDriverError> {
        let path = format!("element/{}/text", self.id);
        self.browser
            .try_call("GET", &path, Value::Null)
            .await
            .map(string)
    }

    /// An HTML attribute as written (`href`, `aria-selected`, `hx-get`), if present.
    pub async fn attribute(&self, name: &str) -> Option<String> {
        let value = self
            .call("GET", &format!("attribute/{name}"), Value::Null)
            .await;
        value.as_str().map(str::to_string)
    }

    /// A DOM property (`value` of an input as typed, `checked`).
    pub async fn property(&self, name: &str) -> Value {
        self.call("GET", &format!("property/{name}"), Value::Null)
            .await
    }

    pub async fn is_displayed(&self) -> bool {
        self.call("GET", "displayed", Value::Null).await == json!(true)
    }

    async fn call(&self, method: &str, what: &str, body: Value) -> Value {
        let path = format!("element/{}/{what}", self.id);
        self.browser
            .try_call(method, &path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {what} on {:?}: {e}", self.selector))
    }
}

/// A `chromedriver` process on a free loopback port; killed on drop.
struct Driver {
    child: Child,
    address: SocketAddr,
}

impl Driver {
    async fn start() -> Driver {
        let mut last_error = String::new();
        // A port found free may be taken before chromedriver binds it: try a few.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {CHROMEDRIVER}: {e}"));
            let mut driver = Driver {
                child,
                address: SocketAddr::from(([127, 0, 0, 1], port)),
            };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = driver.child.try_wait() {
                    last_error = format!("chromedriver exited: {status}");
                    break;
                }
                let status = driver.command("GET", "/status", None);
                match tokio::time::timeout(Duration::from_secs(2), status).await {
                    Ok(Ok(status)) if status["ready"] == json!(true) => return driver,
                    Ok(Ok(status)) => last_error = format!("chromedriver not ready: {status}"),
                    Ok(Err(e)) => last_error = e.to_string(),
                    Err(_) => last_error = "GET /status: no answer in 2s".into(),
                }
                tokio::time::sleep(POLL).await;
            }
        }
        panic!("chromedriver did not start: {last_error}");
    }

    /// One WebDriver command: an HTTP/1.1 request on a fresh connection.
    async fn command(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        let exchange = request(self.address, method, path, body);
        let (status, text) = match tokio::time::timeout(COMMAND_TIMEOUT, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => return Err(transport(format!("{method} {path}: {e}"))),
            Err(_) => {
                return Err(transport(format!(
                    "{method} {path}: no answer in {COMMAND_TIMEOUT:?}"
                )));
            }
        };
        let json: Value = serde_json::from_str(&text).map_err(|e| WebDriverError {
            status,
            error: "invalid json".into(),
            message: format!("{e}: {text}"),
        })?;
        let value = json.get("value").cloned().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(WebDriverError {
                status,
                error: value["error"].as_str().unwrap_or("unknown error").into(),
                message: value["message"].as_str().unwrap_or(&text).into(),
            })
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn transport(message: String) -> WebDriverError {
    WebDriverError {
        status: 0,
        error: "transport".into(),
        message,
    }
}

fn http_request(address: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Vec<u8> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    head.push_str("\r\n");
    head.push_str(&body);
    head.into_bytes()
}

async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream
        .write_all(&http_request(address, method, path, body.as_ref()))
        .await?;
    // chromedriver answers `Connection: close` but keeps the connection open: read the
    // response by its length, not to the end of the stream.
    let mut response = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    while !response_complete(&response) {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..read]);
    }
    parse_response(&response)
}

/// For Drop, which cannot await: a short blocking request.
fn blocking_request(
    address: SocketAddr,
    method: &str,
    path: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let timeout = Duration::from_secs(10);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(&http_request(address, method, path, None))?;
    let mut response = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    while !response_complete(&response) {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..read]);
    }
    parse_response(&response)
}

/// Where the body starts, the `Content-Length` and whether the body is chunked.
fn response_head(response: &[u8]) -> Option<(usize, Option<usize>, bool)> {
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            Some(
                line.strip_prefix(name)?
                    .strip_prefix(':')?
                    .trim()
                    .to_string(),
            )
        })
    };
    let length = header("content-length").and_then(|n| n.parse().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    Some((split + 4, length, chunked))
}

/// Whether `response` holds a whole HTTP/1.1 response (without a length: never, read to
/// the end of the stream).
fn response_complete(response: &[u8]) -> bool {
    match response_head(response) {
        None => false,
        Some((start, Some(length), false)) => response.len() >= start + length,
        Some((start, _, true)) => dechunk(&response[start..]).is_some(),
        Some((_, None, false)) => false,
    }
}

/// The status and body of a whole HTTP/1.1 response.
fn parse_response(response: &[u8]) -> std::io::Result<(u16, String)> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let (start, length, chunked) =
        response_head(response).ok_or_else(|| invalid("no end of headers"))?;
    let status = String::from_utf8_lossy(&response[..start])
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status"))?;
    let body = if chunked {
        dechunk(&response[start..]).ok_or_else(|| invalid("bad chunked body"))?
    } else {
        let end = length.map_or(response.len(), |n| start + n);
        response
            .get(start..end)
            .ok_or_else(|| invalid("short body"))?
            .to_vec()
    };
    let body = String::from_utf8(body).map_err(|_| invalid("body not UTF-8"))?;
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

fn string(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => panic!("expected a string from WebDriver, got {other}"),
    }
}

/// WebDriver's key codes (W3C WebDriver, "Keyboard actions") for [`Browser::press`].
fn parse_chord(chord: &str) -> Vec<String> {
    let names: Vec<&str> = if chord == "+" {
        vec!["+"]
    } else if let Some(head) = chord.strip_suffix("++") {
        head.split('+').chain(["+"]).collect()
    } else {
        chord.split('+').collect()
    };
    names
        .into_iter()
        .map(|name| {
            let code = match name {
                "Enter" => '\u{E007}',
                "Escape" => '\u{E00C}',
                "Tab" => '\u{E004}',
                "Backspace" => '\u{E003}',
                "Delete" => '\u{E017}',
                "Space" => ' ',
                "ArrowLeft" => '\u{E012}',
                "ArrowUp" => '\u{E013}',
                "ArrowRight" => '\u{E014}',
                "ArrowDown" => '\u{E015}',
                "Home" => '\u{E011}',
                "End" => '\u{E010}',
                "PageUp" => '\u{E00E}',
                "PageDown" => '\u{E00F}',
                "Shift" => '\u{E008}',
                "Control" | "Ctrl" => '\u{E009}',
                "Alt" => '\u{E00A}',
                "Meta" => '\u{E03D}',
                _ => match name.strip_prefix('F').and_then(|n| n.parse::<u32>().ok()) {
                    Some(n @ 1..=12) => char::from_u32(0xE031 + n - 1).unwrap(),
                    _ => {
                        let mut chars = name.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => c,
                            _ => panic!("unknown key {name:?} in {chord:?}"),
                        }
                    }
                },
            };
            code.to_string()
        })
        .collect()
}

/// Standard base64 (screenshots come as base64 PNG).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {:?}", c as char),
        }
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for group in digits.chunks(4) {
        let bits = group
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | value(c) << (18 - 6 * i));
        let bytes = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        out.extend_from_slice(&bytes[..group.len() - 1]);
    }
    out
}

/// The real server running in this test's process; aborted on drop.
pub struct Server {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `store` with the real router (`web::serve_on`) on 127.0.0.1 at a free port.
pub async fn serve(store: store::Store) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(web::serve_on(store, listener));
    Server { address, task }
}

/// A fresh SQLite store in `dir` (keep `dir` alive as long as the store).
pub async fn fresh_store(dir: &Path) -> store::Store {
    let url = format!("sqlite://{}", dir.join("arrears.db").display());
    store::Store::open(&url, store::PiiKey::generate(), store::Clock::System)
        .await
        .unwrap()
}

#[test]
fn chords_and_base64_decode() {
    assert_eq!(parse_chord("Control+k"), ["\u{E009}", "k"]);
    assert_eq!(parse_chord("Shift++"), ["\u{E008}", "+"]);
    assert_eq!(parse_chord("F2"), ["\u{E032}"]);
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
    assert_eq!(base64_decode("YWI="), b"ab");
}

/// Headless Chromium renders the home page served by the real server.
#[tokio::test]
async fn the_browser_sees_the_home_page() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = serve(fresh_store(dir.path()).await).await;

    browser.goto(&server.url("/")).await;
    assert_eq!(browser.wait_for("h1", WAIT).await.text().await, "Arrears");
    // Where "/" leads (the login page, once signing in is required) is not this test's
    // business: only that the page came from our server.
    assert!(browser.current_url().await.starts_with(&server.url("/")));
    assert!(browser.html().await.contains("<h1"));
    browser.assert_accessible("the sign-in page").await;
    // axe-core does find what it is asked to: an image without a text alternative.
    browser
        .execute(
            "document.querySelector('main, body').insertAdjacentHTML('beforeend', \
             '<img src=\"/assets/none.png\">');",
            vec![],
        )
        .await;
    let found = browser.accessibility_violations().await;
    assert!(
        found.iter().any(|line| line.starts_with("- image-alt")),
        "axe-core should name the image without alt text: {found:?}"
    );

    let shot = dir.path().join("shots/home.png");
    browser.screenshot(&shot).await;
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), VIEWPORT, "the PNG's width and height");

    // Chromium wrote its profile in the browser's own folder, which goes with it.
    let profile = browser._profile.path().to_path_buf();
    assert!(profile.join("Default").exists() || profile.read_dir().unwrap().next().is_some());
    browser.close();
    assert!(!profile.exists(), "{} left behind", profile.display());
}

/// Two browsers at once do not share a page, and a chord reaches the page's key handlers.
#[tokio::test]
async fn two_browsers_at_once_and_a_keyboard_shortcut() {
    let Some(first) = Browser::launch().await else {
        return;
    };
    let Some(second) = Browser::launch().await else {
        return;
    };
    let page = |name: &str| {
        format!(
            "data:text/html,<title>{name}</title><p id=k>none</p><input id=q><script>\
             addEventListener('keydown', e => {{ if (e.ctrlKey && e.key === 'k') \
             {{ e.preventDefault(); document.getElementById('k').textContent = 'ctrl-k'; }} }});\
             </script>"
        )
    };
    first.goto(&page("first")).await;
    second.goto(&page("second")).await;
    assert_eq!(first.title().await, "first");
    assert_eq!(second.title().await, "second");

    first.press("Control+k").await;
    assert_eq!(first.wait_for_text("#k", "ctrl-k", WAIT).await, "ctrl-k");
    assert_eq!(second.text("#k").await, "none");

    second.type_text("#q", "Smith").await;
    second.press("Backspace").await;
    let typed = second.find("#q").await.property("value").await;
    assert_eq!(typed, "Smit");
    assert_eq!(first.find("#q").await.property("value").await, "");
    let size = first
        .execute("return [innerWidth, innerHeight];", vec![])
        .await;
    assert_eq!(size, json!([VIEWPORT.0, VIEWPORT.1]));
}
