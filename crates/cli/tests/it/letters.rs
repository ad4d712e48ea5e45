//! Letters from the command line: a preview, a send through compliance that records the
//! validation notice, the print batch's ZIP and manifest, on both engines.

use super::{Env, Postgres};
use serde_json::Value;
use std::process::Command;

const PLACEMENT: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,itemization_date,balance_at_itemization,interest_since,fees_since,payments_since,credits_since\n\
MERCYHOSP,H-1,P-1,José,Núñez,1171.90,USD,2026-05-01,12 Calle Año Nuevo,San Antonio,TX,78205,2026-10-01,1234.56,12.34,25.00,90.00,10.00\n\
MERCYHOSP,H-2,P-2,Ann,Bee,310.00,USD,2026-05-01,1 Elm St,Austin,TX,78701,,,,,,\n\
MERCYHOSP,H-3,P-3,Cy,Dee,99.00,USD,2026-05-01,,,TX,78701,,,,,,\n";

fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn unzip(zip: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("unzip").args(args).arg(zip).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn letters(env: &Env, db: &str, documents: &std::path::Path) {
    let file = env.write("letters.csv", PLACEMENT);
    env.ok(db, &["import", "placements", file.to_str().unwrap()]);
    let docs = documents.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_arrears"));
        command
            .args(["--db", db])
            .args(args)
            .current_dir(env.path(""))
            .env("ARREARS_NOW", "2026-11-23T15:00:00Z")
            .env("ARREARS_PII_KEY", super::KEY)
            .env("ARREARS_ACTOR", "test:clerk")
            .env("ARREARS_DOCUMENTS_DIR", docs)
            .env("ARREARS_AGENCY_NAME", "Arrears Recovery Services")
            .env_remove("ARREARS_DATABASE_URL");
        command.output().unwrap()
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

    // A preview in Spanish: the notice's values, the period from the compliance engine
    // (sent Monday 2026-11-23: receipt on the 5th business day, Thanksgiving excluded,
    // 2026-12-01; the period ends 30 days later), nothing recorded.
    let preview = env.path("preview.pdf");
    let mut args = vec!["letter", "render"];
    args.extend(account);
    args.extend([
        "--template",
        "validation_notice",
        "--lang",
        "es",
        "--output",
    ]);
    args.push(preview.to_str().unwrap());
    ok(&args);
    let text = pdf_text(&preview);
    for expected in [
        "Arrears Recovery Services es un cobrador de deudas",
        "José Núñez",
        "12 Calle Año Nuevo",
        "Al 1 de octubre de 2026, usted debía: $1,234.56",
        "Se le cobró esta cantidad en intereses: + $12.34",
        "Se le cobró esta cantidad en cargos: + $25.00",
        "Usted pagó o se le acreditó esta cantidad a la deuda: – $100.00",
        "Cantidad total de la deuda ahora: $1,171.90",
        "a más tardar el 31 de diciembre de 2026",
        "¿Cómo quiere usted responder?",
        "Página 1 de 2",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    let view: Value = serde_json::from_str(&ok(&[
        "account",
        "show",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-1",
        "--json",
    ]))
    .unwrap();
    assert!(view["validation_notice_sent_at"].is_null(), "{view}");

    // An unknown template and a broken language are refused as bad input.
    let mut args = vec!["letter", "send"];
    args.extend(account);
    args.extend(["--template", "nope"]);
    assert_eq!(run(&args).status.code(), Some(2));

    // Sent: recorded on the account, stored content-addressed, queued.
    let mut args = vec!["letter", "send"];
    args.extend(account);
    args.extend(["--template", "validation_notice"]);
    let sent = ok(&args);
    let sha = sent
        .split("sha256 ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let stored = documents.join(&sha[..2]).join(format!("{sha}.pdf"));
    assert!(stored.exists(), "{sent}");
    assert!(pdf_text(&stored).contains("Call or write to us by December 31, 2026"));
    let view: Value = serde_json::from_str(&ok(&[
        "account",
        "show",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-1",
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        view["validation_notice_sent_at"], "2026-11-23T15:00:00Z",
        "{view}"
    );
    ok(&[
        "letter",
        "send",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-2",
        "--template",
        "payment_reminder",
        "--lang",
        "es",
    ]);
    // An incomplete address is not mailed.
    let unmailable = run(&[
        "letter",
        "send",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-3",
        "--template",
        "payment_reminder",
    ]);
    assert_eq!(unmailable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unmailable.stderr).contains("locate list"));

    // The day's batch: both letters and the manifest; the second run has none of them.
    let zip = env.path("batch.zip");
    ok(&[
        "letters",
        "batch",
        "--date",
        "2026-11-23",
        "--output",
        zip.to_str().unwrap(),
    ]);
    let listing = unzip(&zip, &["-Z1"]);
    assert!(listing.contains(&format!("{sha}.pdf")), "{listing}");
    assert_eq!(listing.lines().count(), 3, "{listing}");
    let manifest = Command::new("unzip")
        .args(["-p", zip.to_str().unwrap(), "manifest.csv"])
        .output()
        .unwrap();
    let manifest = String::from_utf8(manifest.stdout).unwrap();
    let lines: Vec<&str> = manifest.lines().collect();
    assert_eq!(
        lines[0],
        "recipient,address_line_1,address_line_2,address_line_3,template,creditor,account,document_sha256,file"
    );
    assert_eq!(
        lines[1],
        format!(
            "José Núñez,12 Calle Año Nuevo,\"San Antonio, TX 78205\",,validation_notice,MERCYHOSP,H-1,{sha},{sha}.pdf"
        )
    );
    assert!(
        lines[2]
            .starts_with("Ann Bee,1 Elm St,\"Austin, TX 78701\",,payment_reminder,MERCYHOSP,H-2,"),
        "{manifest}"
    );
    let again = env.path("again.zip");
    ok(&[
        "letters",
        "batch",
        "--date",
        "2026-11-23",
        "--output",
        again.to_str().unwrap(),
    ]);
    assert_eq!(unzip(&again, &["-Z1"]).trim(), "manifest.csv");

    // Returned mail: a bad file is refused whole, naming line and field; a good one
    // makes the address undeliverable (the engine's undeliverable notice: passive
    // credit reporting waits again) and puts the account on the locate list; read
    // twice, it changes nothing.
    let credit_report = || -> Value {
        serde_json::from_str(&ok(&[
            "compliance",
            "ask",
            "--creditor",
            "MERCYHOSP",
            "--account",
            "H-1",
            "--action",
            "credit_report",
            "--at",
            "2026-12-10T15:00:00Z",
            "--json",
        ]))
        .unwrap()
    };
    assert_eq!(credit_report()["decision"], "allow", "{}", credit_report());
    let bad = env.write(
        "bad-returns.csv",
        &format!("document_sha256,returned_on,reason\n{sha},2026-12-01,moved\n{},2026-12-01,moved\nxyz,2026-13-01,\n", "0".repeat(64)),
    );
    let refused = run(&["letters", "returns", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("bad-returns.csv:4: document_sha256: \"xyz\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad-returns.csv:4: returned_on: \"2026-13-01\""),
        "{stderr}"
    );
    assert_eq!(
        credit_report()["decision"],
        "allow",
        "nothing recorded from a bad file"
    );
    let good = env.write(
        "returns.csv",
        &format!("document_sha256,returned_on,reason\n{sha},2026-12-01,moved\n"),
    );
    let first = ok(&["letters", "returns", good.to_str().unwrap()]);
    assert!(
        first.starts_with("1 returned letter(s) recorded"),
        "{first}"
    );
    let again = ok(&["letters", "returns", good.to_str().unwrap()]);
    assert!(
        again.starts_with("0 returned letter(s) recorded, 1 already known"),
        "{again}"
    );
    let answer = credit_report();
    assert_eq!(answer["decision"], "deny", "{answer}");
    assert!(
        answer.to_string().contains("us.passive_credit_reporting"),
        "{answer}"
    );
    let locate = ok(&["locate", "list", "--json"]);
    assert!(locate.contains("\"H-1\""), "{locate}");
    let unmailable = run(&[
        "letter",
        "send",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-1",
        "--template",
        "payment_reminder",
    ]);
    assert_eq!(unmailable.status.code(), Some(2));

    // After a cease request only the letter confirming it may go; the refusal names
    // its rule and keeps nothing but the decision.
    ok(&[
        "account",
        "hold",
        "cease",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-2",
        "--reason",
        "debtor wrote asking us to stop",
    ]);
    let refused = run(&[
        "letter",
        "send",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-2",
        "--template",
        "payment_reminder",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("us.cease_communication"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    ok(&[
        "letter",
        "send",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-2",
        "--template",
        "cease_confirmation",
    ]);
    let third = env.path("third.zip");
    ok(&[
        "letters",
        "batch",
        "--date",
        "2026-11-23",
        "--output",
        third.to_str().unwrap(),
    ]);
    let manifest = Command::new("unzip")
        .args(["-p", third.to_str().unwrap(), "manifest.csv"])
        .output()
        .unwrap();
    let manifest = String::from_utf8(manifest.stdout).unwrap();
    assert_eq!(manifest.lines().count(), 2, "{manifest}");
    assert!(
        manifest.contains(",cease_confirmation,MERCYHOSP,H-2,"),
        "{manifest}"
    );

    // The credit department's statement shows the letters in the contact history, the
    // hold, the balance by bucket; an unknown account is "not found".
    let statement = env.path("statement.pdf");
    ok(&[
        "account",
        "statement",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-2",
        "--lang",
        "es",
        "--output",
        statement.to_str().unwrap(),
    ]);
    let text = pdf_text(&statement);
    for expected in [
        "Estado de cuenta",
        "Cuenta H-2",
        "Deudor Ann Bee (P-2)",
        "Retenciones vigentes cease",
        "Capital $310.00",
        "Saldo $310.00",
        "2026-11-23 placement $310.00 $0.00 $0.00",
        "Historial de contactos",
        "2026-11-23 15:00 letter sent — payment_reminder (es)",
        "letter sent — cease_confirmation (en)",
        "Disputas Ninguno.",
        "Página 1 de 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    let missing = run(&[
        "account",
        "statement",
        "--creditor",
        "MERCYHOSP",
        "--account",
        "H-404",
        "--output",
        statement.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(3));

    let log = ok(&["audit", "log", "--limit", "40"]);
    assert_eq!(log.matches("letter.sent").count(), 3, "{log}");
    assert_eq!(log.matches("letters.exported").count(), 2, "{log}");
    assert_eq!(log.matches("letters.returned").count(), 1, "{log}");
    assert!(ok(&["audit", "verify"]).contains("intact"));
}

#[test]
fn letters_are_previewed_sent_through_compliance_and_batched_for_print_on_both_engines() {
    let env = Env::new();
    letters(
        &env,
        &env.sqlite("letters.db"),
        &env.path("documents-sqlite"),
    );
    if let Some(postgres) = Postgres::create() {
        let env = Env::new();
        letters(&env, &postgres.url, &env.path("documents-postgres"));
    }
}
