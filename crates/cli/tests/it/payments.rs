//! `arrears import payments` driven as a user would: a payment collected by ACH, the
//! bank's real return file (moov-io's return-WEB.ach) returning it for NSF, both files
//! imported twice, on SQLite and PostgreSQL.

use super::{Env, Postgres};
use serde_json::Value;
use std::path::PathBuf;

/// The account the ACH entries name (the individual id of return-WEB.ach's first entry).
const ACCOUNT: &str = "MjMxNDAwMjAtOGQ";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../ingest/tests/fixtures/nacha")
        .join(name)
}

/// A NACHA file of debit entries `(individual id, cents, trace)`, controls computed.
fn nacha_debits(entries: &[(&str, u64, &str)], effective: &str) -> String {
    let routing = "09140060";
    let mut lines = vec![format!(
        "{:<94}",
        "101 091400606 6910001341810170306A094101FIRST BANK & TRUST     ASF APPLICATION SUPERVI"
    )];
    lines.push(format!(
        "5225{:<16}{:<20}{:<10}{:<3}{:<10}{:<6}{:<6}{:<3}1{:<8}{:07}",
        "ARREARS TEST", "", "1234567890", "WEB", "PAYMENT", "", effective, "", "09100001", 1
    ));
    let (mut hash, mut total) = (0_u64, 0_u64);
    for (individual, cents, trace) in entries {
        hash += routing.parse::<u64>().unwrap();
        total += cents;
        lines.push(format!(
            "627{routing}6{:<17}{:010}{:<15}{:<22}  0{trace}",
            "123456789", cents, individual, "Debtor Name"
        ));
    }
    let count = entries.len();
    lines.push(format!(
        "8225{count:06}{:010}{total:012}{:012}{:<10}{:<19}{:<6}{:<8}{:07}",
        hash % 10_000_000_000,
        0,
        "1234567890",
        "",
        "",
        "09100001",
        1
    ));
    lines.push(format!(
        "9{:06}{:06}{count:08}{:010}{total:012}{:012}{:<39}",
        1,
        1,
        hash % 10_000_000_000,
        0,
        ""
    ));
    for line in &lines {
        assert_eq!(line.len(), 94, "{line}");
    }
    lines.join("\n") + "\n"
}

fn import(env: &Env, db: &str, file: &str) -> Value {
    serde_json::from_str(&env.ok(db, &["import", "payments", file, "--json"])).unwrap()
}

fn balance(env: &Env, db: &str) -> String {
    let view: Value = serde_json::from_str(&env.ok(
        db,
        &[
            "account",
            "show",
            "--creditor",
            "ACME",
            "--account",
            ACCOUNT,
            "--json",
        ],
    ))
    .unwrap();
    view["balance"].as_str().unwrap_or_default().to_string()
}

fn round_trip(env: &Env, db: &str) {
    let placements = env.write(
        "placements.csv",
        &format!(
            "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since\nACME,{ACCOUNT},D1,Paul,Jones,500.00,USD,2026-06-01\n"
        ),
    );
    env.ok(
        db,
        &[
            "import",
            "placements",
            placements.to_str().unwrap(),
            "--placed-on",
            "2026-11-01",
        ],
    );
    env.ok(
        db,
        &["creditor", "set", "ACME", "returned_payment_fee=25.00"],
    );
    let debit = env.write(
        "debit.ach",
        &nacha_debits(&[(ACCOUNT, 123_54, "091400600000001")], "261120"),
    );
    let returns = fixture("return-WEB.ach");
    let (debit, returns) = (debit.to_str().unwrap(), returns.to_str().unwrap());

    // The dry run says what the file holds and writes nothing.
    let dry: Value =
        serde_json::from_str(&env.ok(db, &["import", "payments", debit, "--dry-run", "--json"]))
            .unwrap();
    assert_eq!(dry["entries"][0]["amount"], "123.54");
    assert_eq!(dry["entries"][0]["reference"], ACCOUNT);
    assert_eq!(dry["entries"][0]["return_code"], Value::Null);
    assert_eq!(dry["entries"][0]["outcome"], "posted");
    assert_eq!(balance(env, db), "500.00", "a dry run writes nothing");

    let posted = import(env, db, debit);
    assert_eq!(posted["payments_posted"], 1);
    assert_eq!(posted["entries"][0]["paid_on"], "2026-11-20");
    assert_eq!(balance(env, db), "376.46");

    // The bank's return file: the first entry returns our payment (R01, NSF: the
    // creditor's 25.00 fee applies); the second matches nothing and is set aside.
    let returned = import(env, db, returns);
    let entries = returned["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["return_code"], "R01");
    assert_eq!(entries[0]["outcome"], "returned");
    assert_eq!(entries[0]["fee"], "25.00");
    assert_eq!(entries[1]["return_code"], "R03");
    assert_eq!(entries[1]["outcome"], "exception");
    assert_eq!(returned["exceptions_added"], 1);
    assert_eq!(balance(env, db), "525.00");

    // Both files again: nothing changes.
    let again = import(env, db, debit);
    assert_eq!(again["entries"][0]["outcome"], "already_posted");
    assert_eq!(again["payments_posted"], 0);
    let again = import(env, db, returns);
    assert_eq!(again["entries"][0]["outcome"], "already_returned");
    assert_eq!(again["exceptions_added"], 0);
    assert_eq!(balance(env, db), "525.00");

    // The creditor's statement: the payment, its return, no fee earned, nothing to remit.
    let period = [
        "--creditor",
        "ACME",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
    ];
    let mut args = vec!["remittance"];
    args.extend(period);
    args.extend(["--format", "json"]);
    let statement: Value = serde_json::from_str(&env.ok(db, &args)).unwrap();
    let kinds: Vec<&str> = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["payment", "return"]);
    assert_eq!(
        statement["lines"][0]["fee"], "30.89",
        "25% of 123.54, half-up"
    );
    assert_eq!(statement["collected"], "123.54");
    assert_eq!(statement["net_to_remit"], "0.00");
    let pdf = env.path("remittance.pdf");
    let mut args = vec!["remittance"];
    args.extend(period);
    args.extend(["--format", "pdf", "--output", pdf.to_str().unwrap()]);
    env.ok(db, &args);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Net to remit"), "{text}");
    assert!(text.contains("Page 1 of 1"), "{text}");
    let fonts = std::process::Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    assert!(
        fonts.contains("DejaVuSansMono") && !fonts.contains(" no  "),
        "{fonts}"
    );
    let trust: Value = serde_json::from_str(&env.ok(
        db,
        &[
            "report",
            "trust",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(trust["reconciled"], true, "{trust}");
    assert_eq!(trust["creditors"][0]["payments_amount"], "123.54");
    assert_eq!(trust["creditors"][0]["ledger_reversals"], "123.54");

    let verified = env.ok(db, &["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
    let log = env.ok(db, &["audit", "log", "--limit", "20"]);
    assert_eq!(log.matches("payments.post").count(), 2, "{log}");
    assert!(log.contains("test:clerk"), "{log}");
}

#[test]
fn an_ach_payment_and_its_nsf_return_post_once_on_both_engines() {
    let env = Env::new();
    round_trip(&env, &env.sqlite("payments.db"));
    if let Some(postgres) = Postgres::create() {
        round_trip(&env, &postgres.url);
    }
}

#[test]
fn a_payment_csv_with_bad_rows_is_refused_whole() {
    let env = Env::new();
    let db = env.sqlite("bad.db");
    let placements = env.write(
        "placements.csv",
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since\nACME,A-1,D1,Ann,Lee,100.00,USD,2026-06-01\n",
    );
    env.ok(&db, &["import", "placements", placements.to_str().unwrap()]);
    let file = env.write(
        "payments.csv",
        "creditor,account_ref,payment_ref,paid_on,amount,method\nACME,A-1,P-1,2026-11-20,10.00,ach\nACME,A-1,P-2,2026-11-20,\"1,234.56\",ach\nACME,A-1,P-3,20-11-2026,1e3,bitcoin\n",
    );
    let output = env.arrears(&db, &["import", "payments", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "payments.csv:3: amount: 1,234.56",
        "payments.csv:4: paid_on: 20-11-2026",
        "payments.csv:4: amount: 1e3",
        "payments.csv:4: method: bitcoin",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
    let view: Value = serde_json::from_str(&env.ok(
        &db,
        &[
            "account",
            "show",
            "--creditor",
            "ACME",
            "--account",
            "A-1",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(view["balance"], "100.00", "nothing was posted");
}

/// Issue 13, finding 7: a payment reference that is a spreadsheet formula lands in the
/// remittance CSV as text (`'=HYPERLINK(…)`), so opening the statement runs nothing; the
/// amounts (a return's `-10.00`) stay numbers.
#[test]
fn a_formula_in_a_payment_reference_reaches_the_remittance_csv_as_text() {
    let env = Env::new();
    let db = env.sqlite("formula.db");
    let placements = env.write(
        "placements.csv",
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since\nACME,A-1,D1,Ann,Lee,100.00,USD,2026-06-01\n",
    );
    env.ok(&db, &["import", "placements", placements.to_str().unwrap()]);
    let file = env.write(
        "payments.csv",
        "creditor,account_ref,payment_ref,paid_on,amount,method\nACME,A-1,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",2026-11-20,10.00,ach\n",
    );
    env.ok(&db, &["import", "payments", file.to_str().unwrap()]);
    let csv = env.ok(
        &db,
        &[
            "remittance",
            "--creditor",
            "ACME",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "csv",
        ],
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let line = reader.records().next().unwrap().unwrap();
    assert_eq!(
        &line[3], "'=HYPERLINK(\"http://evil.example\",\"x\")",
        "{csv}"
    );
    assert_eq!(&line[7], "10.00");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
}
