//! The statement of account from the desk: a PDF for those who may see the account, a
//! 404 for another creditor's, in the language asked for.

use crate::fixture::{Client, Fixture};
use domain::party::Role;
use std::io::{Read, Write};

const NOW: &str = "2026-11-23T15:00:00Z";

/// GET with the client's session, the raw answer: status, content type, body bytes
/// (off the runtime's thread: the server runs on it).
pub(crate) async fn get_bytes(client: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let address = client.address;
    let cookie = client.cookie.clone().unwrap_or_default();
    let path = path.to_string();
    tokio::task::spawn_blocking(move || raw_get(address, &cookie, &path))
        .await
        .unwrap()
}

fn raw_get(address: std::net::SocketAddr, cookie: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let kind = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    (status, kind, raw[split + 4..].to_vec())
}

pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statement.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn the_desk_offers_the_statement_pdf_of_accounts_the_user_may_see() {
    let fixture = Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("cy", Role::Agent, &["CITYUTIL"]),
        ],
    )
    .await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert!(
        page.body
            .contains("<a id=\"statement-pdf\" href=\"/accounts/NBANK/NY-1/statement.pdf\">Statement (PDF)</a>"),
        "{}",
        page.body
    );
    let (status, kind, pdf) = get_bytes(&ana, "/accounts/NBANK/NY-1/statement.pdf").await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let text = pdf_text(&pdf);
    for expected in [
        "Statement of account",
        "Account NY-1",
        "Debtor Ann Bee (P-1)",
        "Balance $1,200.00",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    let (_, _, spanish) = get_bytes(&ana, "/accounts/NBANK/NY-1/statement.pdf?lang=es").await;
    assert!(pdf_text(&spanish).contains("Estado de cuenta"));
    let cy = fixture.sign_in("cy").await;
    let (status, _, _) = get_bytes(&cy, "/accounts/NBANK/NY-1/statement.pdf").await;
    assert_eq!(
        status, 404,
        "another creditor's account is as good as absent"
    );
    let anonymous = Client {
        address: fixture.address,
        cookie: None,
    };
    let (status, _, _) = get_bytes(&anonymous, "/accounts/NBANK/NY-1/statement.pdf").await;
    assert_ne!(status, 200, "signed-in users only");
}
