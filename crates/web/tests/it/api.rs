//! The JSON API over a real socket, on a fresh SQLite file with a fixed clock: token
//! auth, creditor segregation, role checks, validation naming the field, the compliance
//! check before every attempt, stale versions, and an OpenAPI document that lists every
//! route the server answers.

use domain::party::Role;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::SocketAddr;
use store::{Actor, Clock, PiiKey, Store};

/// 23:00 in New York, 20:00 in California.
const NOW: &str = "2026-11-24T04:00:00Z";
pub(crate) const PASSWORD: &str = "correct horse battery";
const PLACEMENTS: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,time_zone\n\
NBANK,NY-1,P-1,Ann,Bee,100.00,USD,2026-05-01,1 Main St,Albany,NY,12207,(518) 555-0101,America/New_York\n\
NBANK,CA-1,P-2,Cy,Dee,250.00,USD,2026-05-01,1 Main St,Fresno,CA,93701,(559) 555-0102,America/Los_Angeles\n\
OTHER,OT-1,P-3,Ed,Fox,100.00,USD,2026-05-01,1 Main St,Fresno,CA,93701,(559) 555-0104,America/Los_Angeles\n";

// ---------------------------------------------------------------- a small HTTP client

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {self:?}"))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").expect("a chunk size line");
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
}

/// One HTTP/1.1 request on its own connection.
pub(crate) async fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    let raw = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {raw:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {raw:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    Reply {
        status,
        body: if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
        headers,
    }
}

/// An API client with one bearer token (or none).
pub(crate) struct Client {
    pub(crate) address: SocketAddr,
    pub(crate) token: String,
}

impl Client {
    pub(crate) fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        let auth = self.auth();
        http(self.address, "GET", path, &[("Authorization", &auth)], None).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        let auth = self.auth();
        let body = body.to_string();
        http(
            self.address,
            "POST",
            path,
            &[("Authorization", &auth)],
            Some(&body),
        )
        .await
    }

    pub(crate) async fn version(&self, account: &str) -> i64 {
        let reply = self.get(account).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json()["version"].as_i64().unwrap()
    }
}

// ---------------------------------------------------------------- the fixture

use crate::fixture::Source;

pub(crate) struct Fixture {
    pub(crate) address: SocketAddr,
    pub(crate) store: Store,
    /// An agent working NBANK only.
    pub(crate) agent: Client,
    /// An auditor: sees every creditor, works none.
    pub(crate) auditor: Client,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Fixture {
    pub(crate) async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("arrears.db").display());
        let clock = Clock::Fixed(NOW.parse().unwrap());
        let store = Store::open(&url, PiiKey::generate(), clock).await.unwrap();
        let actor = Actor::new("test:admin");

        let file = dir.path().join("placements.csv");
        std::fs::write(&file, PLACEMENTS).unwrap();
        let today = jiff::civil::date(2026, 11, 23);
        let mapping = ingest::mapping::Mapping::standard();
        let checked =
            ingest::placement::CheckedPlacements::open(&file, &mapping, today, 100).unwrap();
        let name = file.display().to_string();
        let request = store::import::ImportFile {
            file_name: &name,
            placed_on: today,
        };
        store
            .import_placements(&actor, &request, &mut Source(Some(checked)))
            .await
            .unwrap();

        store
            .add_user(&actor, "ana", Role::Agent, PASSWORD)
            .await
            .unwrap();
        store
            .assign_creditors(&actor, "ana", &["NBANK".to_string()])
            .await
            .unwrap();
        store
            .add_user(&actor, "audrey", Role::Auditor, PASSWORD)
            .await
            .unwrap();
        let agent = store.create_api_token(&actor, "ana", "test").await.unwrap();
        let auditor = store
            .create_api_token(&actor, "audrey", "test")
            .await
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        // The SMS provider's webhook is part of the document: its secret is set.
        let config = web::Config {
            messages: app::messages::Settings {
                sms_webhook_secret: Some(SMS_SECRET.into()),
                ..app::messages::Settings::default()
            },
            ..web::Config::default()
        };
        let server = tokio::spawn(web::serve_with(store.clone(), config, listener));
        Fixture {
            address,
            store,
            agent: Client {
                address,
                token: agent,
            },
            auditor: Client {
                address,
                token: auditor,
            },
            server,
            _dir: dir,
        }
    }
}

/// The SMS webhook's secret in the fixture's server.
pub(crate) const SMS_SECRET: &str = "sms webhook secret";

pub(crate) const NY: &str = "/api/v1/accounts/NBANK/NY-1";
pub(crate) const CA: &str = "/api/v1/accounts/NBANK/CA-1";
pub(crate) const OTHER: &str = "/api/v1/accounts/OTHER/OT-1";

fn fields(reply: &Reply) -> Vec<String> {
    reply.json()["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {reply:?}"))
        .iter()
        .map(|field| field["field"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- the tests

#[tokio::test]
async fn tokens_roles_and_creditors_decide_who_sees_and_does_what() {
    let fixture = Fixture::start().await;
    let address = fixture.address;

    // No token, a wrong token, a malformed one: 401, as JSON.
    let anonymous = http(address, "GET", CA, &[], None).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    assert_eq!(anonymous.json()["error"], "sign in or send a bearer token");
    let forged = format!("Bearer arr_{}", "0".repeat(64));
    for bad in [forged.as_str(), "Bearer nonsense", "Basic YW5hOnB3"] {
        let reply = http(address, "GET", CA, &[("Authorization", bad)], None).await;
        assert_eq!(reply.status, 401, "{bad}: {reply:?}");
    }

    // The agent reads an account of their creditor.
    let account = fixture.agent.get(CA).await;
    assert_eq!(account.status, 200, "{account:?}");
    assert!(
        account
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json"))
    );
    let body = account.json();
    assert_eq!(body["creditor"], "NBANK");
    assert_eq!(body["account_ref"], "CA-1");
    assert_eq!(body["debtor_name"], "Cy Dee");
    assert_eq!(body["status"], "active");
    assert_eq!(body["currency"], "USD");
    assert_eq!(body["balance"], "250.00");
    assert!(body["principal"].is_string() && body["fees"].is_string());
    assert!(body["days_past_due"].as_u64().unwrap() > 0);
    assert!(body["aging_bucket"].is_string());
    assert_eq!(body["holds"], json!([]));
    assert!(body["version"].is_i64());
    let point = &body["contact_points"][0];
    assert_eq!(point["kind"], "phone_mobile");
    assert_eq!(point["value"], "+15595550102");
    assert!(point["status"].is_string());

    // Another creditor's account is as good as absent: the same 404 as a missing one.
    let hidden = fixture.agent.get(OTHER).await;
    assert_eq!(hidden.status, 404, "{hidden:?}");
    let missing = fixture.agent.get("/api/v1/accounts/NBANK/NO-SUCH").await;
    assert_eq!(missing.status, 404, "{missing:?}");
    assert_eq!(hidden.body, missing.body);
    for list in ["attempts", "promises", "notes"] {
        let reply = fixture.agent.get(&format!("{OTHER}/{list}")).await;
        assert_eq!(reply.status, 404, "{list}: {reply:?}");
        let version = 1;
        let reply = fixture
            .agent
            .post(&format!("{OTHER}/{list}"), &json!({"version": version}))
            .await;
        assert_eq!(reply.status, 404, "{list}: {reply:?}");
    }

    // An auditor sees every creditor but works none: 403 on every write.
    assert_eq!(fixture.auditor.get(OTHER).await.status, 200);
    let version = fixture.auditor.version(CA).await;
    for (list, body) in [
        ("notes", json!({"version": version, "body": "looked"})),
        (
            "promises",
            json!({"version": version, "payments": [{"due_on": "2026-12-01", "amount": "10.00"}]}),
        ),
        (
            "attempts",
            json!({"version": version, "action": "call", "contact": "+15595550102", "disposition": "no_answer"}),
        ),
    ] {
        let reply = fixture.auditor.post(&format!("{CA}/{list}"), &body).await;
        assert_eq!(reply.status, 403, "{list}: {reply:?}");
        assert_eq!(reply.json()["error"], "forbidden for this role");
    }
    assert_eq!(fixture.agent.version(CA).await, version, "nothing written");

    // A browser session may use the API too, with its CSRF token on writes.
    let ana = fixture.store.authenticate("ana", PASSWORD).await.unwrap();
    let attempt = store::sessions::SignInAttempt {
        username: "ana",
        client: "127.0.0.1",
    };
    let (session, token) = fixture
        .store
        .open_session(&ana.expect("ana signs in"), attempt)
        .await
        .unwrap();
    let cookie = format!("arrears_session={token}");
    let read = http(address, "GET", CA, &[("Cookie", &cookie)], None).await;
    assert_eq!(read.status, 200, "{read:?}");
    let note = json!({"version": version, "body": "called back later"}).to_string();
    let path = format!("{CA}/notes");
    let unsigned = http(address, "POST", &path, &[("Cookie", &cookie)], Some(&note)).await;
    assert_eq!(unsigned.status, 403, "{unsigned:?}");
    assert_eq!(unsigned.json()["error"], "missing or wrong X-CSRF-Token");
    let signed = http(
        address,
        "POST",
        &path,
        &[("Cookie", &cookie), ("X-CSRF-Token", &session.csrf_token)],
        Some(&note),
    )
    .await;
    assert_eq!(signed.status, 201, "{signed:?}");
    assert_eq!(signed.json()["version"], version + 1);
    let notes = fixture.agent.get(&path).await.json();
    assert_eq!(notes["notes"][0]["body"], "called back later");
    assert_eq!(notes["notes"][0]["user"], "ana");
    assert_eq!(notes["notes"][0]["at"], NOW);
}

#[tokio::test]
async fn promises_are_checked_field_by_field_and_stale_versions_refused() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let promises = format!("{CA}/promises");
    let version = agent.version(CA).await;

    // A comma for the cents: 422 naming the field, nothing saved.
    let comma = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [{"due_on": "2026-12-01", "amount": "12,5"}]}),
        )
        .await;
    assert_eq!(comma.status, 422, "{comma:?}");
    assert_eq!(comma.json()["error"], "invalid input");
    assert_eq!(fields(&comma), ["payments[0].amount"]);
    let second = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [
                {"due_on": "2026-12-01", "amount": "10.00"},
                {"due_on": "2026-13-01", "amount": 12.5},
            ]}),
        )
        .await;
    assert_eq!(second.status, 422, "{second:?}");
    assert_eq!(
        fields(&second),
        ["payments[1].amount", "payments[1].due_on"],
        "a number is refused, and so is the thirteenth month"
    );
    let dated = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [{"due_on": "2026-11-01", "amount": "10.00"}]}),
        )
        .await;
    assert_eq!(fields(&dated), ["payments[0].due_on"], "a past date");
    // Issue 13, finding 14: a signed, six-digit year is no date anyone typed.
    let expanded = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [{"due_on": "+002026-12-20", "amount": "10.00"}]}),
        )
        .await;
    assert_eq!(expanded.status, 422, "{expanded:?}");
    assert_eq!(fields(&expanded), ["payments[0].due_on"]);
    let empty = agent
        .post(&promises, &json!({"version": version, "payments": []}))
        .await;
    assert_eq!(fields(&empty), ["payments"]);
    let unversioned = agent
        .post(
            &promises,
            &json!({"payments": [{"due_on": "2026-12-01", "amount": "10.00"}]}),
        )
        .await;
    assert_eq!(fields(&unversioned), ["version"]);
    let not_json = http(
        fixture.address,
        "POST",
        &promises,
        &[("Authorization", &agent.auth())],
        Some("version=1"),
    )
    .await;
    assert_eq!(not_json.status, 422, "{not_json:?}");
    assert_eq!(fields(&not_json), ["body"]);

    // Above the balance (250.00).
    let above = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [
                {"due_on": "2026-12-01", "amount": "200.00"},
                {"due_on": "2027-01-01", "amount": "50.01"},
            ]}),
        )
        .await;
    assert_eq!(above.status, 422, "{above:?}");
    assert_eq!(fields(&above), ["payments"]);
    let listed = agent.get(&promises).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.json(), json!({"promises": []}), "nothing saved");
    assert_eq!(agent.version(CA).await, version);

    // A good one: 201, listed with decimal strings.
    let good = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [
                {"due_on": "2027-01-01", "amount": "50"},
                {"due_on": "2026-12-01", "amount": "200.00"},
            ]}),
        )
        .await;
    assert_eq!(good.status, 201, "{good:?}");
    let created = good.json();
    assert!(created["id"].is_i64());
    assert_eq!(created["version"], version + 1);
    assert_eq!(agent.version(CA).await, version + 1);
    let listed = agent.get(&promises).await.json();
    let promise = &listed["promises"][0];
    assert_eq!(promise["id"], created["id"]);
    assert_eq!(promise["total"], "250.00");
    assert_eq!(promise["status"], "open");
    assert_eq!(promise["user"], "ana");
    assert_eq!(
        promise["payments"],
        json!([
            {"due_on": "2026-12-01", "amount": "200.00"},
            {"due_on": "2027-01-01", "amount": "50.00"},
        ])
    );

    // The same version again: the account has changed since.
    let stale = agent
        .post(
            &format!("{CA}/notes"),
            &json!({"version": version, "body": "late"}),
        )
        .await;
    assert_eq!(stale.status, 409, "{stale:?}");
    assert!(stale.json()["error"].as_str().unwrap().contains("changed"));
    let blank = agent
        .post(
            &format!("{CA}/notes"),
            &json!({"version": version + 1, "body": "  "}),
        )
        .await;
    assert_eq!(fields(&blank), ["body"]);
    assert_eq!(
        agent.get(&format!("{CA}/notes")).await.json(),
        json!({"notes": []})
    );
}

#[tokio::test]
async fn attempts_ask_the_compliance_check_first() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;

    // 23:00 in New York: refused with the check's answer; nothing logged.
    let version = agent.version(NY).await;
    let late = agent
        .post(
            &format!("{NY}/attempts"),
            &json!({"version": version, "action": "call", "contact": "+15185550101", "disposition": "no_answer"}),
        )
        .await;
    assert_eq!(late.status, 422, "{late:?}");
    let body = late.json();
    assert_eq!(body["error"], "refused by the compliance check");
    assert_eq!(body["compliance"]["decision"], "deny");
    let rules: Vec<&str> = body["compliance"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|violation| violation["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"us.time_of_day"), "{rules:?}");
    assert_eq!(
        body["compliance"]["next_allowed_at"],
        "2026-11-24T13:00:00Z"
    );
    assert_eq!(
        agent.get(&format!("{NY}/attempts")).await.json(),
        json!({"attempts": []})
    );
    assert_eq!(agent.version(NY).await, version);

    // 20:00 in California: logged and listed.
    let attempts = format!("{CA}/attempts");
    let version = agent.version(CA).await;
    let invalid = agent
        .post(
            &attempts,
            &json!({"version": version, "action": "fax", "contact": "+15550000000", "disposition": "maybe"}),
        )
        .await;
    assert_eq!(invalid.status, 422, "{invalid:?}");
    assert_eq!(fields(&invalid), ["action", "disposition"]);
    let invalid = agent
        .post(
            &attempts,
            &json!({"version": version, "contact": "+15595550102", "disposition": "maybe"}),
        )
        .await;
    assert_eq!(fields(&invalid), ["disposition"]);
    let logged = agent
        .post(
            &attempts,
            &json!({"version": version, "action": "call", "contact": "+15595550102", "disposition": "no_answer", "note": "rang out"}),
        )
        .await;
    assert_eq!(logged.status, 201, "{logged:?}");
    let id = logged.json()["id"].clone();
    let listed = agent.get(&attempts).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let listed = listed.json();
    assert_eq!(
        listed["attempts"],
        json!([{
            "id": id,
            "at": NOW,
            "action": "call",
            "contact": "+15595550102",
            "direction": "outbound",
            "recipient": "consumer",
            "outcome": "no_answer",
            "disposition": "no_answer",
            "note": "rang out",
            "user": "ana",
        }])
    );

    // The version the first attempt was based on is stale now.
    let stale = agent
        .post(
            &attempts,
            &json!({"version": version, "action": "call", "contact": "+15595550102", "disposition": "busy"}),
        )
        .await;
    assert_eq!(stale.status, 409, "{stale:?}");
    assert_eq!(
        agent.get(&attempts).await.json()["attempts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Every operation the route table declares is in the document and served; the document
/// holds nothing else, and every schema it refers to is defined.
#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let anonymous = http(fixture.address, "GET", "/api/openapi.json", &[], None).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    let reply = agent.get("/api/openapi.json").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let document = reply.json();
    assert_eq!(document, web::api::openapi_document());
    assert_eq!(document["openapi"], "3.1.0");

    let paths = document["paths"].as_object().unwrap();
    let documented: usize = paths
        .values()
        .map(|operations| operations.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        web::api::ROUTES.len() + web::api::WEBHOOKS.len()
    );
    let mut ids = std::collections::BTreeSet::new();
    for route in web::api::ROUTES {
        let operation = &document["paths"][route.path][route.verb.code()];
        assert_eq!(
            operation["operationId"],
            route.operation_id,
            "{} {} is not documented",
            route.verb.code(),
            route.path
        );
        assert!(ids.insert(route.operation_id), "{}", route.operation_id);
        for status in ["401", "403"] {
            assert!(operation["responses"][status].is_object());
        }
        assert_eq!(
            operation["requestBody"].is_object(),
            route.request.is_some()
        );

        // Served: with the path's parameters filled in, the server answers from the
        // route (not 405, not the router's empty 404).
        let path = route
            .path
            .replace("{creditor}", "NBANK")
            .replace("{account_ref}", "CA-1");
        let reply = match route.verb {
            web::api::Verb::Get => agent.get(&path).await,
            web::api::Verb::Post => agent.post(&path, &json!({})).await,
        };
        assert!(
            route.documents(reply.status),
            "{} {path}: {reply:?}",
            route.verb.code()
        );
        assert!(
            reply.status != 405 && reply.status != 404,
            "{} {path}: {reply:?}",
            route.verb.code()
        );
        assert!(reply.json().is_object());
    }

    for webhook in web::api::WEBHOOKS {
        let operation = &document["paths"][webhook.path]["post"];
        assert_eq!(operation["operationId"], webhook.operation_id);
        assert!(ids.insert(webhook.operation_id), "{}", webhook.operation_id);
        // A token is not a signature: 401, documented, as JSON.
        let reply = agent.post(webhook.path, &json!({})).await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert!(webhook.documents(reply.status));
        assert!(operation["responses"]["401"].is_object());
        assert!(reply.json().is_object());
    }

    // A method the table does not declare is not served.
    let delete = http(
        fixture.address,
        "DELETE",
        CA,
        &[("Authorization", &agent.auth())],
        None,
    )
    .await;
    assert_eq!(delete.status, 405, "{delete:?}");

    // Every reference resolves.
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|value| refs(value, found));
            }
            Value::Array(items) => items.iter().for_each(|value| refs(value, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target.strip_prefix("#/components/schemas/").unwrap();
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{target} is not defined"
        );
    }
}

#[tokio::test]
async fn disputes_and_contact_points_through_the_api() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let version = agent.version(CA).await;
    let empty = agent
        .post(&format!("{CA}/disputes"), &json!({"version": version}))
        .await;
    assert_eq!(fields(&empty), ["detail"]);
    let disputed = agent
        .post(
            &format!("{CA}/disputes"),
            &json!({"version": version, "detail": "not my debt"}),
        )
        .await;
    assert_eq!(disputed.status, 201, "{disputed:?}");
    let account = agent.get(CA).await;
    assert!(
        account.json()["holds"].to_string().contains("dispute"),
        "{account:?}"
    );
    let version = agent.version(CA).await;
    let bad = agent
        .post(
            &format!("{CA}/contacts"),
            &json!({"version": version, "kind": "phone_mobile", "value": "12"}),
        )
        .await;
    assert_eq!(fields(&bad), ["value"]);
    let added = agent
        .post(
            &format!("{CA}/contacts"),
            &json!({"version": version, "kind": "email", "value": "New@Example.COM", "source": "skip_trace"}),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let listed = agent.get(&format!("{CA}/contacts")).await;
    assert!(
        listed.json()["contact_points"]
            .to_string()
            .contains("New@example.com"),
        "{listed:?}"
    );
}

/// Payments, plans, settlements and approvals through the API: 201 when active at once,
/// 202 when waiting for approval, the role checks and creditor segregation of the rest.
#[tokio::test]
async fn money_through_the_api() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let actor = Actor::new("test:admin");
    fixture
        .store
        .add_user(&actor, "sue", Role::Supervisor, PASSWORD)
        .await
        .unwrap();
    fixture
        .store
        .assign_creditors(&actor, "sue", &["NBANK".to_string()])
        .await
        .unwrap();
    let supervisor = Client {
        address: fixture.address,
        token: fixture
            .store
            .create_api_token(&actor, "sue", "test")
            .await
            .unwrap(),
    };

    // A payment: 201, listed, and the balance is lower.
    let version = agent.version(CA).await;
    let paid = agent
        .post(
            &format!("{CA}/payments"),
            &json!({"version": version, "amount": "50.00", "method": "ach", "paid_on": "2026-11-23", "reference": "API-1"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{paid:?}");
    let listed = agent.get(&format!("{CA}/payments")).await.json();
    assert_eq!(listed["payments"][0]["payment_ref"], "API-1");
    assert_eq!(listed["payments"][0]["amount"], "50.00");
    assert_eq!(listed["payments"][0]["source"], "api");
    assert_eq!(agent.get(CA).await.json()["balance"], "200.00");
    let bad = agent
        .post(
            &format!("{CA}/payments"),
            &json!({"version": paid.json()["version"], "amount": 5, "method": "gold"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(fields(&bad).contains(&"amount".to_string()), "{bad:?}");
    let wrong = agent
        .post(
            &format!("{CA}/payments"),
            &json!({"version": paid.json()["version"], "amount": "5,00", "method": "gold"}),
        )
        .await;
    assert_eq!(fields(&wrong), ["amount", "method"]);
    let stale = agent
        .post(
            &format!("{CA}/payments"),
            &json!({"version": 999, "amount": "5.00", "method": "cash"}),
        )
        .await;
    assert_eq!(stale.status, 409, "{stale:?}");
    // The auditor may read payments but not post; another creditor's account is absent.
    assert_eq!(
        fixture.auditor.get(&format!("{CA}/payments")).await.status,
        200
    );
    let refused = fixture
        .auditor
        .post(
            &format!("{CA}/payments"),
            &json!({"version": 1, "amount": "5.00", "method": "cash"}),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(agent.get(&format!("{OTHER}/payments")).await.status, 404);
    let hidden = agent
        .post(&format!("{OTHER}/plans"), &json!({"version": 1}))
        .await;
    assert_eq!(hidden.status, 404);

    // A plan within policy: 201, active, its schedule.
    let version = agent.version(CA).await;
    let plan = agent
        .post(
            &format!("{CA}/plans"),
            &json!({"version": version, "frequency": "monthly", "installments": 4, "first_due": "2026-12-01"}),
        )
        .await;
    assert_eq!(plan.status, 201, "{plan:?}");
    let plan = plan.json();
    assert_eq!(plan["status"], "active");
    assert_eq!(plan["schedule"].as_array().unwrap().len(), 4);
    assert_eq!(plan["schedule"][0]["amount"], "50.00");
    // Another while it runs: refused on `replace`, naming the plan in force.
    let refused = agent
        .post(
            &format!("{CA}/plans"),
            &json!({"version": plan["version"], "frequency": "monthly", "installments": 40, "first_due": "2026-12-01"}),
        )
        .await;
    assert_eq!(refused.status, 422, "{refused:?}");
    assert_eq!(refused.json()["fields"][0]["field"], "replace");
    assert!(
        refused.json()["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("A 4-month plan is in force since"),
        "{refused:?}"
    );
    // Outside policy (installments below 25.00, longer than 36 months), replacing the
    // running plan: 202, waiting.
    let pending = agent
        .post(
            &format!("{CA}/plans"),
            &json!({"version": plan["version"], "frequency": "monthly", "installments": 40, "first_due": "2026-12-01", "replace": true}),
        )
        .await;
    assert_eq!(pending.status, 202, "{pending:?}");
    let pending = pending.json();
    assert_eq!(pending["status"], "pending_approval");
    let codes: Vec<&str> = pending["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|breach| breach["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["term_too_long", "installment_too_small"]);
    let invalid = agent
        .post(
            &format!("{CA}/plans"),
            &json!({"version": pending["version"], "frequency": "daily", "installments": 0, "first_due": "2020-01-01", "apr": "x"}),
        )
        .await;
    assert_eq!(
        fields(&invalid),
        ["frequency", "installments", "first_due", "apr"]
    );

    // A settlement beyond an agent's 20 %: 202, for a supervisor.
    let version = agent.version(NY).await;
    let settlement = agent
        .post(
            &format!("{NY}/settlements"),
            &json!({"version": version, "payments": [{"due_on": "2026-12-01", "amount": "65.00"}]}),
        )
        .await;
    assert_eq!(settlement.status, 202, "{settlement:?}");
    assert_eq!(settlement.json()["required_role"], "supervisor");
    assert_eq!(settlement.json()["discount_percent"], "35.00");
    let bad = agent
        .post(
            &format!("{NY}/settlements"),
            &json!({"version": settlement.json()["version"], "payments": [{"due_on": "2026-12-01", "amount": "100.00"}]}),
        )
        .await;
    assert_eq!(fields(&bad), ["payments"]);

    // Approvals: supervisors only; the agent may not decide.
    assert_eq!(agent.get("/api/v1/approvals").await.status, 403);
    let queue = supervisor.get("/api/v1/approvals").await.json();
    let approvals = queue["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 2, "{queue}");
    let plan = approvals
        .iter()
        .find(|approval| approval["kind"] == "plan")
        .unwrap();
    // It names the plan it replaces, and the account's holds (none).
    assert_eq!(
        plan["conflicts"],
        json!(["a 4-month plan is active since 2026-11-23"]),
        "{plan}"
    );
    assert_eq!(plan["holds"], json!([]), "{plan}");
    let plan_approval = plan["id"].as_i64().unwrap();
    let path = format!("/api/v1/approvals/{plan_approval}");
    assert_eq!(
        agent
            .post(&path, &json!({"decision": "approve"}))
            .await
            .status,
        403
    );
    let unclear = supervisor.post(&path, &json!({"decision": "maybe"})).await;
    assert_eq!(fields(&unclear), ["decision"]);
    let approved = supervisor
        .post(&path, &json!({"decision": "approve", "note": "hardship"}))
        .await;
    assert_eq!(approved.status, 200, "{approved:?}");
    assert_eq!(approved.json()["status"], "approved");
    let again = supervisor
        .post(&path, &json!({"decision": "approve"}))
        .await;
    assert_eq!(again.status, 409, "{again:?}");
    let missing = supervisor
        .post("/api/v1/approvals/999999", &json!({"decision": "reject"}))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        supervisor.get("/api/v1/approvals").await.json()["approvals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Refunds, adjustments and write-offs through the API: 201 when posted at once, 202
/// when above the agent's authority, the bucket moved, fields checked.
#[tokio::test]
async fn money_changes_through_the_api() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let path = format!("{CA}/money-changes");
    assert_eq!(agent.get(CA).await.json()["balance"], "250.00");
    // A 10.00 fee the creditor billed late: within the 100.00 threshold, posted at once.
    let version = agent.version(CA).await;
    let fee = agent
        .post(
            &path,
            &json!({"version": version, "change": "adjustment", "amount": "10.00", "bucket": "fees", "reason_code": "billing_error"}),
        )
        .await;
    assert_eq!(fee.status, 201, "{fee:?}");
    assert_eq!(fee.json()["status"], "posted");
    let account = agent.get(CA).await.json();
    assert_eq!(account["fees"], "10.00");
    assert_eq!(account["balance"], "260.00");
    // Writing off 150.00 is above the threshold: it waits for a supervisor.
    let write_off = agent
        .post(
            &path,
            &json!({"version": fee.json()["version"], "change": "write_off", "amount": "150.00", "reason_code": "small_balance"}),
        )
        .await;
    assert_eq!(write_off.status, 202, "{write_off:?}");
    assert_eq!(write_off.json()["status"], "pending_approval");
    assert!(write_off.json()["approval_id"].as_i64().is_some());
    assert_eq!(agent.get(CA).await.json()["balance"], "260.00");
    // Every wrong field is named; the auditor may not ask at all.
    let wrong = agent
        .post(
            &path,
            &json!({"version": write_off.json()["version"], "change": "gift", "amount": "1,00", "bucket": "penalties", "reason_code": "because"}),
        )
        .await;
    assert_eq!(
        fields(&wrong),
        ["change", "amount", "reason_code", "bucket"]
    );
    let refused = fixture
        .auditor
        .post(
            &path,
            &json!({"version": 1, "change": "adjustment", "amount": "1.00", "reason_code": "goodwill"}),
        )
        .await;
    assert_eq!(refused.status, 403);
}

/// Issue 13, findings 1 and 2: an amount beyond what Arrears takes is refused at the edge
/// (422 naming the field) — an adjustment that would have made the balance
/// unrepresentable, a payment that would have wrapped the remittance — and nothing is
/// kept: the account still reads, at the same balance and version.
#[tokio::test]
async fn amounts_beyond_the_limit_are_refused_and_nothing_is_kept() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let before = agent.get(CA).await.json();
    let version = agent.version(CA).await;
    let huge = "92233720368547758.07";
    let adjustment = agent
        .post(
            &format!("{CA}/money-changes"),
            &json!({"version": version, "change": "adjustment", "amount": huge, "bucket": "fees", "reason_code": "billing_error"}),
        )
        .await;
    assert_eq!(adjustment.status, 422, "{adjustment:?}");
    assert_eq!(fields(&adjustment), ["amount"]);
    let payment = agent
        .post(
            &format!("{CA}/payments"),
            &json!({"version": version, "amount": huge, "method": "card"}),
        )
        .await;
    assert_eq!(payment.status, 422, "{payment:?}");
    assert_eq!(fields(&payment), ["amount"]);
    // One hundred billion and a cent: just over the limit.
    let over = agent
        .post(
            &format!("{CA}/payments"),
            &json!({"version": version, "amount": "100000000000.01", "method": "card"}),
        )
        .await;
    assert_eq!(over.status, 422, "{over:?}");
    let after = agent.get(CA).await;
    assert_eq!(after.status, 200, "{after:?}");
    let after = after.json();
    assert_eq!(after["balance"], before["balance"]);
    assert_eq!(after["version"], before["version"]);
    assert!(fixture.store.verify_audit().await.unwrap().broken.is_none());
}

#[tokio::test]
async fn hidden_characters_in_any_text_field_are_refused_naming_it() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let version = agent.version(CA).await;
    let notes = format!("{CA}/notes");
    for (text, field) in [
        ("called\u{0}back", "body"),
        ("\u{FEFF}called back", "body"),
        ("paid \u{202E}00.001$", "body"),
    ] {
        let reply = agent
            .post(&notes, &json!({"version": version, "body": text}))
            .await;
        assert_eq!(reply.status, 422, "{reply:?}");
        assert_eq!(fields(&reply), [field], "{reply:?}");
    }
    // Inside a nested array too, named by its path.
    let promise = agent
        .post(
            &format!("{CA}/promises"),
            &json!({"version": version, "payments": [{"due_on": "2026-12-01", "amount": "10.00\u{0}"}]}),
        )
        .await;
    assert_eq!(promise.status, 422, "{promise:?}");
    assert_eq!(fields(&promise), ["payments[0].amount"]);
    // A field no request has is refused by name, not ignored (a misspelt `bodyy`).
    let misspelt = agent
        .post(&notes, &json!({"version": version, "bodyy": "called"}))
        .await;
    assert_eq!(misspelt.status, 422, "{misspelt:?}");
    assert_eq!(fields(&misspelt), ["bodyy"]);
    // Nothing was written; ordinary accents and line breaks still are.
    assert_eq!(agent.get(&notes).await.json(), json!({"notes": []}));
    let fine = agent
        .post(
            &notes,
            &json!({"version": version, "body": "Sra. Núñez: llamar\r\ndespués\tde las 5"}),
        )
        .await;
    assert_eq!(fine.status, 201, "{fine:?}");
}

/// What the desk does with a callback, through the API: a time the agent chose is
/// refused when a call then is not allowed; one the debtor asked for records their
/// consent, and a call inside it is answered as allowed under consent; a second promise
/// replaces the open one only when asked.
#[tokio::test]
async fn callbacks_consent_and_replacing_a_promise_through_the_api() {
    let fixture = Fixture::start().await;
    let agent = &fixture.agent;
    let callbacks = format!("{NY}/callbacks");

    // 07:30 tomorrow in Albany, chosen by the agent: before Regulation F's 08:00.
    let version = agent.version(NY).await;
    let chosen = agent
        .post(
            &callbacks,
            &json!({"version": version, "at": "2026-11-24T07:30", "requested_by_debtor": false}),
        )
        .await;
    assert_eq!(chosen.status, 422, "{chosen:?}");
    assert_eq!(fields(&chosen), ["at"]);
    let rules = chosen.json()["compliance"]["violations"].to_string();
    assert!(rules.contains("us.time_of_day"), "{rules}");
    assert_eq!(agent.version(NY).await, version, "nothing saved");
    // Who chose must be said.
    let unsaid = agent
        .post(
            &callbacks,
            &json!({"version": version, "at": "2026-11-24T09:30"}),
        )
        .await;
    assert_eq!(fields(&unsaid), ["requested_by_debtor"]);

    // The debtor asked for 07:30: their consent, from 12:30Z for 30 minutes.
    let asked = agent
        .post(
            &callbacks,
            &json!({"version": version, "at": "2026-11-24T07:30", "requested_by_debtor": true, "note": "before work"}),
        )
        .await;
    assert_eq!(asked.status, 201, "{asked:?}");
    let asked = asked.json();
    assert_eq!(asked["due_at"], "2026-11-24T12:30:00Z");
    assert_eq!(asked["consent_until"], "2026-11-24T13:00:00Z");
    assert_eq!(asked["outside_hours"], true);
    assert_eq!(asked["version"], version + 1);

    // At 07:40 in Albany a call is allowed under that consent; in Fresno (04:40) not.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let later = listener.local_addr().unwrap();
    let store = fixture
        .store
        .clone()
        .with_clock(Clock::Fixed("2026-11-24T12:40:00Z".parse().unwrap()));
    let server = tokio::spawn(web::serve_on(store, listener));
    let agent_later = Client {
        address: later,
        token: agent.token.clone(),
    };
    let now = agent_later
        .post(&format!("{NY}/compliance"), &json!({"action": "call"}))
        .await;
    assert_eq!(now.status, 200, "{now:?}");
    assert_eq!(
        (
            now.json()["decision"].clone(),
            now.json()["under_consent"].clone()
        ),
        (json!("allow"), json!(true))
    );
    let elsewhere = agent_later
        .post(&format!("{CA}/compliance"), &json!({"action": "call"}))
        .await;
    assert_eq!(
        (
            elsewhere.json()["decision"].clone(),
            elsewhere.json()["under_consent"].clone()
        ),
        (json!("deny"), json!(false))
    );
    server.abort();

    // A second promise is refused while one is open, and replaces it when asked.
    let promises = format!("{CA}/promises");
    let version = agent.version(CA).await;
    let first = agent
        .post(
            &promises,
            &json!({"version": version, "payments": [{"due_on": "2026-12-01", "amount": "50.00"}]}),
        )
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    let version = first.json()["version"].as_i64().unwrap();
    let second =
        json!({"version": version, "payments": [{"due_on": "2026-12-05", "amount": "80.00"}]});
    let refused = agent.post(&promises, &second).await;
    assert_eq!(refused.status, 422, "{refused:?}");
    let mut replacing = second.clone();
    replacing["replace"] = json!(true);
    let replaced = agent.post(&promises, &replacing).await;
    assert_eq!(replaced.status, 201, "{replaced:?}");
    let listed = agent.get(&promises).await.json();
    let statuses: Vec<&str> = listed["promises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|promise| promise["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"open") && statuses.contains(&"superseded"),
        "{statuses:?}"
    );
}
