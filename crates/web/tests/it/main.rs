//! The server over a real socket, on a real SQLite file.

mod api;
mod browser;
mod desk;
mod desk_browser;
mod disputes_browser;
mod documents;
mod documents_browser;
mod e2e;
mod fixture;
mod letters;
mod messages;
mod messages_browser;
mod money;
mod money_browser;
mod openapi;
mod queue;
mod roles;
mod roles_browser;
mod server;
mod sign_in;
mod strategies;
mod strategies_browser;
mod templates;
mod templates_browser;
mod worklist;
mod workspace;

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
async fn signed_out_visitors_see_only_the_sign_in_page() {
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

    // Nothing but the sign-in page without signing in.
    let home = get(address, "/queue").await;
    assert!(home.starts_with("HTTP/1.1 303"), "{home}");
    assert!(home.contains("location: /login"), "{home}");
    let login = get(address, "/login").await;
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(login.contains("<h1>Arrears</h1>"), "{login}");
    let health = get(address, "/healthz").await;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    let missing = get(address, "/no-such-page").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.abort();
}

async fn post(address: std::net::SocketAddr, path: &str, token: &str, body: &str) -> String {
    let (path, body) = (path.to_string(), body.to_string());
    let authorization = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: localhost\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
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
async fn the_compliance_check_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("arrears.db").display());
    let store = Store::open(&url, PiiKey::generate(), Clock::System)
        .await
        .unwrap();
    let actor = store::Actor::new("test");
    store
        .add_user(
            &actor,
            "audrey",
            domain::party::Role::Auditor,
            "correct horse battery",
        )
        .await
        .unwrap();
    let token = store
        .create_api_token(&actor, "audrey", "test")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(web::serve_on(store, listener));
    let late = r#"{"now": "2026-03-09T02:00:00Z", "action": "call", "debt_id": "D-1", "consumer": {"time_zones": ["America/New_York"]}, "debts": [{"id": "D-1"}]}"#;
    // Like every API route, the check needs a token or a session.
    let anonymous = post(address, "/api/v1/compliance/check", "", late).await;
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    let response = post(address, "/api/v1/compliance/check", &token, late).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body: serde_json::Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["decision"], "deny");
    assert_eq!(body["violations"][0]["rule"], "us.time_of_day");
    assert_eq!(body["next_allowed_at"], "2026-03-09T12:00:00Z");
    let malformed = post(
        address,
        "/api/v1/compliance/check",
        &token,
        &late.replace("\"call\"", "\"fax\""),
    )
    .await;
    assert!(malformed.starts_with("HTTP/1.1 422"), "{malformed}");
    let body: serde_json::Value =
        serde_json::from_str(malformed.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["field"], "action");
    // The contract's consents: the consumer's own callback window allows 22:00 local
    // (02:00Z is 22:00 EDT on 03-08); a malformed one is named by its JSON path.
    let consent = r#""consents": [{"given_at": "2026-03-08T20:00:00Z", "from": "2026-03-09T01:45:00Z", "to": "2026-03-09T02:15:00Z"}]}"#;
    let called_back = late.replacen("}]}", &format!("}}], {consent}"), 1);
    let response = post(address, "/api/v1/compliance/check", &token, &called_back).await;
    let body: serde_json::Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["decision"], "allow", "{called_back}");
    let malformed = post(
        address,
        "/api/v1/compliance/check",
        &token,
        &called_back.replace(r#", "to": "2026-03-09T02:15:00Z""#, ""),
    )
    .await;
    assert!(malformed.starts_with("HTTP/1.1 422"), "{malformed}");
    let body: serde_json::Value =
        serde_json::from_str(malformed.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["field"], "consents[0].to");
    server.abort();
}

/// The decision log stores requests as contract JSON; reading one back gives the same
/// request, so an examiner can ask the engine the same question again.
#[test]
fn a_logged_request_reads_back_as_the_same_request() {
    let text = r#"{
      "now": "2026-03-09T13:30:00Z", "action": "call", "debt_id": "D-1",
      "recipient": "estate_representative", "purpose": "verification",
      "contact_point": {"kind": "work", "workplace": true},
      "consumer": {"time_zones": ["America/New_York", "Pacific/Honolulu"], "state": "MA",
        "cease_requested": true, "sms_opted_out": true,
        "inconvenient_windows": [{"from": "22:30", "to": "06:15"}]},
      "debts": [{"id": "D-1", "time_barred": true, "validation_notice_sent_at": "2026-03-01T15:00:00Z",
        "dispute": {"received_at": "2026-03-02T15:00:00Z", "verification_sent_at": null},
        "undeliverable_notice_at": null}, {"id": "D-2"}],
      "history": [{"at": "2026-03-08T14:00:00Z", "debt_id": "D-2", "action": "visit",
        "outcome": "no_contact", "direction": "inbound", "recipient": "attorney"},
        {"at": "2026-03-08T15:00:00Z", "debt_id": "D-1", "action": "call",
        "outcome": "voicemail", "consent": true}],
      "consents": [{"given_at": "2026-03-08T14:00:00Z", "from": "2026-03-09T22:00:00Z",
        "to": "2026-03-09T22:30:00Z", "action": "sms"}]
    }"#;
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let request = app::compliance_json::parse_request(&value).unwrap();
    let written = app::compliance_json::request_json(&request);
    let again = app::compliance_json::parse_request(&written).unwrap();
    assert_eq!(again, request);
    assert_eq!(
        written["consumer"]["inconvenient_windows"][0]["to"],
        "06:15"
    );
    assert_eq!(written["history"][1]["consent"], true);
    assert_eq!(written["consents"][0]["action"], "sms");
}

/// Every word a template asks for exists in English and Spanish (a missing key renders
/// as "??").
#[test]
fn every_template_word_is_in_both_languages() {
    let keys: Vec<(&str, &str, &str)> = web::i18n::keys().collect();
    let mut seen = std::collections::HashSet::new();
    for (key, english, spanish) in &keys {
        assert!(!english.is_empty() && !spanish.is_empty(), "{key}");
        assert!(seen.insert(*key), "{key} is in the catalog twice");
    }
    let templates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut asked = 0;
    for entry in std::fs::read_dir(&templates).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for piece in text.split("t.get(\"").skip(1) {
            let key = piece.split('"').next().unwrap();
            asked += 1;
            assert!(
                keys.iter().any(|(known, _, _)| *known == key),
                "{}: {key} is not in the catalog",
                path.display()
            );
        }
    }
    assert!(asked > 50, "templates ask for their words");
    // Keys built in code: channels and dispositions.
    for code in ["call", "sms", "email", "letter", "visit"] {
        assert!(
            keys.iter()
                .any(|(key, _, _)| *key == format!("channel.{code}"))
        );
    }
    for disposition in domain::contact::Disposition::ALL {
        assert!(
            keys.iter()
                .any(|(key, _, _)| *key == format!("disposition.{}", disposition.code()))
        );
    }
    // The template editor's purposes and variables, and the timeline row of each message.
    let built: Vec<String> = app::letters::TEMPLATES
        .iter()
        .map(|(name, ..)| format!("templates.purpose.{name}"))
        .chain(
            app::letters::VARIABLES
                .iter()
                .map(|name| format!("templates.var.{name}")),
        )
        .chain(
            app::messages::Template::ALL
                .iter()
                .map(|template| format!("disposition.message_{}", template.key())),
        )
        .collect();
    for wanted in &built {
        assert!(
            keys.iter().any(|(key, _, _)| key == wanted),
            "{wanted} is not in the catalog"
        );
    }
}
