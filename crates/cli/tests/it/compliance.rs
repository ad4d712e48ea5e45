//! One question, four doors: `arrears compliance ask`, the workspace's banner, the JSON
//! API and the dialer list all ask through the application layer's one pipeline, so the
//! same account at the same instant gets the same answer from each.

use super::{Env, Postgres};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

/// 03:00 UTC: 23:00 in New York, 20:00 in Seattle.
const AT: &str = "2026-06-02T03:00:00Z";
const PASSWORD: &str = "correct horse battery";

/// A Washington debtor called twice today already, a New York debtor (too late there), a
/// debtor with no address and a toll-free number (no zone known: every US zone counts),
/// a Californian who asked us to stop, and one who did not.
const PEOPLE: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,phone_home,time_zone\n\
NBANK,WA-1,P-1,Cruz,Diaz,950.00,USD,2026-04-01,3 Pine St,Seattle,WA,98101,(206) 555-0103,,\n\
NBANK,NY-1,P-2,Ann,Bee,100.00,USD,2026-05-01,1 Main St,Albany,NY,12207,(518) 555-0101,,\n\
NBANK,XX-1,P-3,Gus,Hay,100.00,USD,2026-05-01,,,,,(800) 555-0199,,\n\
NBANK,CA-1,P-4,Ed,Fox,100.00,USD,2026-05-01,1 Main St,Fresno,CA,93701,(559) 555-0104,,\n\
NBANK,CA-2,P-5,Flo,Gee,100.00,USD,2026-05-01,2 Main St,Fresno,CA,93701,(559) 555-0105,,\n";

struct Server {
    child: Child,
    address: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(env: &Env, db: &str, now: &str) -> Server {
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_arrears"))
        .args(["--db", db, "serve", "--listen", &address.to_string()])
        .current_dir(env.dir.path())
        .env("ARREARS_NOW", now)
        .env("ARREARS_PII_KEY", super::KEY)
        .env_remove("ARREARS_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, address };
    for _ in 0..200 {
        if TcpStream::connect(address).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("arrears serve did not start on {address}");
}

/// (status, headers, body) of one request.
fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_string(), body.to_string())
}

/// What the doors must agree on: allow or deny, the rules that forbid, and when next.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    allowed: bool,
    rules: Vec<String>,
    next_allowed_at: Option<String>,
}

fn verdict_of(answer: &Value) -> Verdict {
    Verdict {
        allowed: answer["decision"] == "allow",
        rules: answer["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|violation| violation["rule"].as_str().unwrap().to_string())
            .collect(),
        next_allowed_at: answer["next_allowed_at"].as_str().map(str::to_string),
    }
}

/// The banner's call row: allowed or not, and the rules it names.
fn banner_call(html: &str) -> (bool, Vec<String>) {
    let row = html
        .split("<li ")
        .find(|row| row.contains("data-channel=\"call\""))
        .unwrap_or_else(|| panic!("no call row in {html}"));
    let row = &row[..row.find("</li>").unwrap()];
    let rules = row
        .split("<code class=\"rule\">")
        .skip(1)
        .map(|piece| piece.split('<').next().unwrap().to_string())
        .collect();
    (row.starts_with("class=\"allowed\""), rules)
}

fn same_answer_through_every_door(env: &Env, db: &str) {
    let file = env.write("people.csv", PEOPLE);
    env.ok(db, &["import", "placements", file.to_str().unwrap()]);
    env.ok(
        db,
        &[
            "account",
            "hold",
            "--creditor",
            "NBANK",
            "--account",
            "CA-1",
            "cease",
            "--reason",
            "cease letter",
        ],
    );
    let added = env.arrears_with_input(
        db,
        &["user", "add", "ana", "--role", "agent", "--password-stdin"],
        Some(PASSWORD),
    );
    assert!(added.status.success(), "{added:?}");
    env.ok(db, &["user", "assign", "ana", "--creditor", "NBANK"]);
    let token = env.ok(db, &["user", "token", "ana", "--label", "test"]);
    let bearer = format!("Bearer {}", token.trim());

    // Earlier today the agent called Seattle twice (the API logs them, each allowed).
    for (at, disposition) in [
        ("2026-06-01T17:00:00Z", "no_answer"),
        ("2026-06-01T19:00:00Z", "left_message"),
    ] {
        let server = serve(env, db, at);
        let (_, _, account) = http(
            server.address,
            "GET",
            "/api/v1/accounts/NBANK/WA-1",
            &[("Authorization", &bearer)],
            "",
        );
        let version = serde_json::from_str::<Value>(&account).unwrap()["version"].clone();
        let body = serde_json::json!({
            "version": version, "action": "call", "contact": "+12065550103", "disposition": disposition,
        })
        .to_string();
        let (status, _, reply) = http(
            server.address,
            "POST",
            "/api/v1/accounts/NBANK/WA-1/attempts",
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            &body,
        );
        assert_eq!(status, 201, "{reply}");
    }

    // The dialer list at AT; its decisions are in the log, one per phone.
    let listed = env.ok(db, &["compliance", "filter-calls", "--at", AT, "--json"]);
    let server = serve(env, db, AT);
    let (status, head, _) = http(
        server.address,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("username=ana&password={}", PASSWORD.replace(' ', "+")),
    );
    assert_eq!(status, 303, "{head}");
    let cookie = head
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: "))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    let mut denied = 0;
    for account in ["WA-1", "NY-1", "XX-1", "CA-1", "CA-2"] {
        let ask: Value = serde_json::from_str(&env.ok(
            db,
            &[
                "compliance",
                "ask",
                "--creditor",
                "NBANK",
                "--account",
                account,
                "--action",
                "call",
                "--at",
                AT,
                "--json",
            ],
        ))
        .unwrap();
        let from_cli = verdict_of(&ask);

        let (status, _, api) = http(
            server.address,
            "POST",
            &format!("/api/v1/accounts/NBANK/{account}/compliance"),
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            r#"{"action": "call"}"#,
        );
        assert_eq!(status, 200, "{api}");
        let from_api = verdict_of(&serde_json::from_str(&api).unwrap());
        assert_eq!(from_api, from_cli, "{account}: the API and compliance ask");

        let (status, _, banner) = http(
            server.address,
            "GET",
            &format!("/accounts/NBANK/{account}/banner"),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(status, 200, "{banner}");
        let (allowed, rules) = banner_call(&banner);
        assert_eq!(
            (allowed, rules),
            (from_cli.allowed, from_cli.rules.clone()),
            "{account}: the banner and compliance ask"
        );
        assert_eq!(
            banner.contains("id=\"zone-note\""),
            account == "XX-1",
            "{account}: only the debtor with no known zone gets the note"
        );

        let log: Value = serde_json::from_str(&env.ok(
            db,
            &[
                "compliance",
                "log",
                "--creditor",
                "NBANK",
                "--account",
                account,
                "--json",
            ],
        ))
        .unwrap();
        let dialer = log["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|decision| decision["asked_by"] == "dialer")
            .unwrap_or_else(|| panic!("{account}: no dialer decision in {log}"));
        assert_eq!(
            verdict_of(&dialer["answer"]),
            from_cli,
            "{account}: the dialer and compliance ask"
        );
        assert_eq!(
            listed.contains(&format!("\"account_ref\":\"{account}\"")),
            from_cli.allowed,
            "{account}: listed by the dialer exactly when allowed: {listed}"
        );
        if !from_cli.allowed {
            denied += 1;
        }
    }
    // One account view through both doors: `account show --json` is the API's answer.
    let (status, _, from_api) = http(
        server.address,
        "GET",
        "/api/v1/accounts/NBANK/WA-1",
        &[("Authorization", &bearer)],
        "",
    );
    assert_eq!(status, 200, "{from_api}");
    let from_api: Value = serde_json::from_str(&from_api).unwrap();
    let from_cli: Value = serde_json::from_str(&env.ok(
        db,
        &[
            "account",
            "show",
            "--creditor",
            "NBANK",
            "--account",
            "WA-1",
            "--as-of",
            from_api["as_of"].as_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(from_cli, from_api, "account show --json and the API");
    assert_eq!(from_cli["debtor_state"], "WA");
    assert_eq!(from_cli["entries"][0]["reason"], "placement");

    // The doors agree on more than "allow": four of the five are denied, each for its
    // own reason (the two calls to Seattle's mobile today, New York's hour, every US
    // zone's hour, the cease request), and all read the same history.
    assert_eq!(denied, 4);
    let ask = |account: &str| {
        verdict_of(
            &serde_json::from_str(&env.ok(
                db,
                &[
                    "compliance",
                    "ask",
                    "--creditor",
                    "NBANK",
                    "--account",
                    account,
                    "--action",
                    "call",
                    "--at",
                    AT,
                    "--json",
                ],
            ))
            .unwrap(),
        )
    };
    assert!(
        ask("WA-1")
            .rules
            .contains(&"us-wa.cell_phone_daily".to_string()),
        "{:?}",
        ask("WA-1")
    );
    assert!(ask("CA-2").allowed, "20:00 in Fresno");
    assert_eq!(ask("XX-1").rules, ["us.time_of_day"], "23:00 in New York");
    let verified = env.ok(db, &["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
}

#[test]
fn every_door_gives_the_same_answer_on_sqlite() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    same_answer_through_every_door(&env, &db);
}

#[test]
fn every_door_gives_the_same_answer_on_postgres() {
    let Some(postgres) = Postgres::create() else {
        return;
    };
    let env = Env::new();
    same_answer_through_every_door(&env, &postgres.url);
}
