//! Documents from the command line: `arrears account document add|list` (type by
//! content, size limit, once per account, refusals naming the file and exiting 2) and
//! `arrears account portfolio` (the evidence package, unzipped and read entry by entry;
//! a tampered file refused), on both engines.

use super::{Env, Postgres};
use std::process::Command;

const PLACEMENT: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile\n\
MERCYHOSP,H-1,P-1,Ann,Bee,310.00,USD,2026-05-01,1 Elm St,Austin,TX,78701,(512) 555-0101\n";

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

fn documents(env: &Env, db: &str) {
    let file = env.write("placements.csv", PLACEMENT);
    env.ok(db, &["import", "placements", file.to_str().unwrap()]);
    let docs = env.path("documents");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_arrears"))
            .args(["--db", db])
            .args(args)
            .current_dir(env.path(""))
            .env("ARREARS_NOW", "2026-11-23T15:00:00Z")
            .env("ARREARS_PII_KEY", super::KEY)
            .env("ARREARS_ACTOR", "test:clerk")
            .env("ARREARS_DOCUMENTS_DIR", &docs)
            .env("ARREARS_UPLOAD_MAX_BYTES", "2048")
            .env_remove("ARREARS_DATABASE_URL")
            .output()
            .unwrap()
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "arrears {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let account = ["--creditor", "MERCYHOSP", "--account", "H-1"];
    let add = |file: &str, bytes: &[u8], note: &str| {
        let path = env.path(file);
        std::fs::write(&path, bytes).unwrap();
        let mut args = vec!["account", "document", "add"];
        args.extend(account);
        args.extend(["--file", path.to_str().unwrap(), "--note", note]);
        run(&args)
    };

    // A letter first: its decision, its attempt, its stored PDF.
    let mut send = vec!["letter", "send", "--template", "validation_notice"];
    send.extend(account);
    ok(&send);
    let added = add("contract.pdf", PDF, "signed contract");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let out = String::from_utf8(added.stdout).unwrap();
    assert!(
        out.starts_with(
            "MERCYHOSP H-1: document 2 contract.pdf (application/pdf, 51 bytes) sha256 "
        ),
        "{out}"
    );
    let again = add("copy.pdf", PDF, "");
    assert!(
        String::from_utf8(again.stdout)
            .unwrap()
            .contains("already on file as document 2"),
    );
    // Refused with the file's name and why, exit 2, nothing stored.
    for (file, bytes, why) in [
        (
            "invoice.pdf",
            b"<!DOCTYPE html><p>pay now</p>".to_vec(),
            "invoice.pdf: the file is not a PDF, PNG, JPEG or TIFF file (its content was checked, not its name)",
        ),
        (
            "tool.pdf",
            b"MZ\x90\0\x03\0\0\0".to_vec(),
            "tool.pdf: the file is not a PDF",
        ),
        ("empty.pdf", Vec::new(), "empty.pdf: the file is empty"),
        (
            "big.pdf",
            [PDF, &[b' '; 2048][..]].concat(),
            "big.pdf: the file is larger than the 2 KiB limit",
        ),
    ] {
        let refused = add(file, &bytes, "");
        assert_eq!(refused.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8(refused.stderr).unwrap();
        assert!(stderr.contains(why), "{stderr}");
    }
    let mut list = vec!["account", "document", "list"];
    list.extend(account);
    let listed = ok(&list);
    assert_eq!(
        listed.lines().count(),
        2,
        "the letter and the upload: {listed}"
    );
    assert!(listed.contains("contract.pdf") && listed.contains("validation_notice"));

    // A dispute; the package.
    let mut hold = vec!["account", "hold"];
    hold.extend(account);
    hold.extend([
        "dispute",
        "--detail",
        "not my debt",
        "--reason",
        "dispute by mail",
    ]);
    ok(&hold);
    let zip = env.path("portfolio.zip");
    let mut portfolio = vec!["account", "portfolio"];
    portfolio.extend(account);
    portfolio.extend(["--output", zip.to_str().unwrap()]);
    ok(&portfolio);
    let out = env.path("unzipped");
    let unzipped = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        unzipped.status.success(),
        "{}",
        String::from_utf8_lossy(&unzipped.stderr)
    );
    let statement = Command::new("pdftotext")
        .arg(out.join("statement.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    let statement = String::from_utf8(statement.stdout).unwrap();
    assert!(statement.contains("Statement of account") && statement.contains("H-1"));
    assert_eq!(
        std::fs::read(out.join("documents/0002-contract.pdf")).unwrap(),
        PDF
    );
    let letter = std::fs::read(out.join("letters/0001-validation_notice-en.pdf")).unwrap();
    let sha = |bytes: &[u8]| {
        let out = Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(bytes)?;
                child.wait_with_output()
            })
            .unwrap();
        String::from_utf8(out.stdout).unwrap()[..64].to_string()
    };
    let letter_sha = sha(&letter);
    assert_eq!(
        std::fs::read(
            docs.join(&letter_sha[..2])
                .join(format!("{letter_sha}.pdf"))
        )
        .unwrap(),
        letter,
        "the stored letter, byte for byte"
    );
    let history = std::fs::read_to_string(out.join("contact_history.csv")).unwrap();
    assert!(
        history.contains(
            "\n2026-11-23T15:00:00Z,2026-11-23 09:00:00,America/Chicago,letter,outbound,"
        ),
        "{history}"
    );
    let decisions = std::fs::read_to_string(out.join("compliance_decisions.csv")).unwrap();
    assert!(
        decisions.contains("\n2026-11-23T15:00:00Z,letter,,allow,"),
        "{decisions}"
    );
    let disputes = std::fs::read_to_string(out.join("disputes.csv")).unwrap();
    assert!(disputes.contains(",open,not my debt,"), "{disputes}");
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    assert!(manifest.contains(&format!(
        "letters/0001-validation_notice-en.pdf,letter,{letter_sha},{}",
        letter.len()
    )));
    // The same data, the same bytes.
    let first = std::fs::read(&zip).unwrap();
    ok(&portfolio);
    assert_eq!(std::fs::read(&zip).unwrap(), first);
    // An unknown account: exit 3.
    let missing = run(&[
        "account",
        "portfolio",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-404",
        "--output",
        zip.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(3));
    // The stored contract altered: no package, a clear error.
    let contract_sha = sha(PDF);
    std::fs::write(
        docs.join(&contract_sha[..2])
            .join(format!("{contract_sha}.pdf")),
        b"%PDF-1.4 forged",
    )
    .unwrap();
    let tampered = run(&portfolio);
    assert_eq!(tampered.status.code(), Some(1));
    let stderr = String::from_utf8(tampered.stderr).unwrap();
    assert!(
        stderr.contains("document 2 (contract.pdf)")
            && stderr.contains("does not match its SHA-256"),
        "{stderr}"
    );
    let log = ok(&["audit", "log", "--limit", "40"]);
    assert_eq!(log.matches("document.uploaded").count(), 1, "{log}");
    assert_eq!(log.matches("portfolio.exported").count(), 2, "{log}");
    assert!(ok(&["audit", "verify"]).contains("intact"));
}

#[test]
fn documents_are_added_from_the_command_line_and_packed_into_the_evidence_package() {
    let env = Env::new();
    documents(&env, &env.sqlite("documents.db"));
    if let Some(postgres) = Postgres::create() {
        let env = Env::new();
        documents(&env, &postgres.url);
    }
}
