//! The `arrears` binary driven as a user would: real files, real SQLite files, a real
//! PostgreSQL database (ARREARS_TEST_POSTGRES_URL; required when ARREARS_REQUIRE_POSTGRES=1).

mod audit;
mod batch;
mod compliance;
mod documents;
mod letters;
mod messages;
mod payments;
mod plan;
mod strategies;
mod treatment;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-23T15:00:00Z";
const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn sqlite(&self, name: &str) -> String {
        format!("sqlite://{}", self.path(name).display())
    }

    fn arrears(&self, db: &str, args: &[&str]) -> Output {
        self.arrears_with_input(db, args, None)
    }

    fn arrears_with_input(&self, db: &str, args: &[&str], input: Option<&str>) -> Output {
        self.arrears_at(NOW, db, args, input)
    }

    /// The binary with its clock pinned at `now`.
    fn arrears_at(&self, now: &str, db: &str, args: &[&str], input: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_arrears"));
        command
            .args(["--db", db])
            .args(args)
            .current_dir(self.dir.path())
            .env("ARREARS_NOW", now)
            .env("ARREARS_PII_KEY", KEY)
            .env("ARREARS_ACTOR", "test:clerk")
            .env_remove("ARREARS_DATABASE_URL")
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(input) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn ok(&self, db: &str, args: &[&str]) -> String {
        let output = self.arrears(db, args);
        assert!(
            output.status.success(),
            "arrears {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn generate(&self, name: &str, accounts: u64, seed: u64) -> PathBuf {
        let out = self.ok(
            "sqlite://unused.db",
            &[
                "generate",
                "placements",
                "--accounts",
                &accounts.to_string(),
                "--seed",
                &seed.to_string(),
            ],
        );
        let path = self.path(name);
        std::fs::write(&path, out).unwrap();
        path
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// A throwaway PostgreSQL database, dropped afterwards.
struct Postgres {
    admin_url: String,
    name: String,
    url: String,
}

impl Postgres {
    fn create() -> Option<Postgres> {
        let required = std::env::var("ARREARS_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");
        let Ok(admin_url) = std::env::var("ARREARS_TEST_POSTGRES_URL") else {
            assert!(
                !required,
                "ARREARS_REQUIRE_POSTGRES=1 but ARREARS_TEST_POSTGRES_URL is not set"
            );
            return None;
        };
        // scripts/test.sh names its run, and drops only its own databases at the end.
        let run = std::env::var("ARREARS_TEST_RUN")
            .ok()
            .filter(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "local".into());
        let name = format!(
            "arrears_test_{run}_cli_{}_{}",
            std::process::id(),
            rand_suffix()
        );
        admin(&admin_url, &format!("CREATE DATABASE {name}"));
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        Some(Postgres {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        admin(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        % 1_000_000_007
}

fn admin(url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(url)
            .await
            .unwrap_or_else(|error| panic!("PostgreSQL at {url}: {error}"));
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

fn sample_accounts(file: &Path, every: usize) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    reader
        .records()
        .enumerate()
        .filter(|(index, _)| index % every == 0)
        .map(|(_, record)| {
            let record = record.unwrap();
            (record[0].to_string(), record[1].to_string())
        })
        .collect()
}

#[test]
fn ten_thousand_accounts_import_on_both_engines_with_identical_views() {
    let env = Env::new();
    let file = env.generate("placements.csv", 10_000, 42);
    let file_arg = file.to_str().unwrap();
    let sqlite = env.sqlite("arrears.db");
    let imported: Value =
        serde_json::from_str(&env.ok(&sqlite, &["import", "placements", file_arg, "--json"]))
            .unwrap();
    assert_eq!(imported["accounts_created"], 10_000);
    let postgres = Postgres::create();
    let mut databases = vec![sqlite.clone()];
    if let Some(postgres) = &postgres {
        let imported: Value = serde_json::from_str(
            &env.ok(&postgres.url, &["import", "placements", file_arg, "--json"]),
        )
        .unwrap();
        assert_eq!(imported["accounts_created"], 10_000);
        databases.push(postgres.url.clone());
    }
    for (creditor, account_ref) in sample_accounts(&file, 97) {
        let views: Vec<String> = databases
            .iter()
            .map(|db| {
                env.ok(
                    db,
                    &[
                        "account",
                        "show",
                        "--creditor",
                        &creditor,
                        "--account",
                        &account_ref,
                        "--json",
                    ],
                )
            })
            .collect();
        // The API's account view (app::views::Account): the debtor's fields flat, named
        // as the API names them.
        let view: Value = serde_json::from_str(&views[0]).unwrap();
        for field in [
            "creditor",
            "account_ref",
            "currency",
            "status",
            "product",
            "debtor_ref",
            "debtor_name",
            "debtor_language",
            "debtor_time_zones",
            "balance",
            "principal",
            "interest",
            "fees",
            "as_of",
            "days_past_due",
            "aging_bucket",
            "delinquent_since",
            "placed_on",
            "holds",
            "version",
            "contact_points",
            "aging_history",
            "entries",
        ] {
            assert!(!view[field].is_null(), "{field} missing in {view}");
        }
        assert!(view.get("debtor").is_none(), "no nested debtor: {view}");
        assert_eq!(view["entries"][0]["reason"], "placement");
        assert_eq!(view["entries"][0]["amount"], view["balance"]);
        if let Some(point) = view["contact_points"].get(0) {
            for field in ["kind", "value", "status", "consent", "source"] {
                assert!(point[field].is_string(), "{field} missing in {point}");
            }
        }
        if let Some(other) = views.get(1) {
            assert_eq!(
                &views[0], other,
                "SQLite and PostgreSQL disagree on {creditor} {account_ref}"
            );
        }
    }
    let again = env.ok(&sqlite, &["import", "placements", file_arg]);
    assert!(
        again.contains("nothing new: all 10000 accounts are already on file"),
        "{again}"
    );
    assert!(
        databases.len() == 2 || std::env::var("ARREARS_REQUIRE_POSTGRES").as_deref() != Ok("1")
    );
    // Every row written, on both engines: verify compares each import's counts with the
    // rows in the tables and recomputes every ledger row's seal and the seals of the
    // 10,000 accounts and their 8,316 debtors.
    for db in &databases {
        let verified = env.ok(db, &["audit", "verify"]);
        let (summary, head) = verified.split_once('\n').unwrap();
        assert_eq!(
            summary,
            "audit log intact: 1 event, 10000 ledger entries, 0 compliance decisions, 18316 sealed rows verified"
        );
        assert!(head.starts_with("head: event 1, hash "), "{verified}");
    }
}

#[test]
fn a_file_with_bad_rows_is_refused_whole_with_every_row_named() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    let good = env.generate("good.csv", 20, 1);
    env.ok(&db, &["import", "placements", good.to_str().unwrap()]);
    let before = env.ok(&db, &["audit", "verify"]);
    let bad = env.write(
        "bad.csv",
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,principal,interest,fees\n\
         NBANK,N-1,D-1,Ana,Ruiz,100.00,USD,2026-01-15,,,\n\
         NBANK,N-2,D-2,Bo,Lee,\"1,234.56\",USD,2026-01-15,,,\n\
         NBANK,N-3,D-3,Cy,Ng,100.00,EURO,2026-01-15,,,\n\
         NBANK,,D-4,Di,Wu,100.00,USD,2026-01-15,,,\n\
         NBANK,N-5,D-5,Ed,Ma,100.00,USD,15/01/2026,,,\n\
         NBANK,N-6,D-6,Fa,Oh,100.00,USD,2026-01-15,90.00,5.00,4.00\n\
         NBANK,N-1,D-7,Gi,Xu,50.00,USD,2026-01-15,,,\n",
    );
    let output = env.arrears(&db, &["import", "placements", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let name = bad.display().to_string();
    for expected in [
        format!("{name}:3: balance: 1,234.56: "),
        format!("{name}:4: currency: EURO: "),
        format!("{name}:5: account_ref: : required"),
        format!("{name}:6: delinquent_since: 15/01/2026: "),
        format!("{name}:7: balance: 100.00: principal + interest + fees = 99.00"),
        format!("{name}:8: account_ref: N-1: duplicate of line 2"),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in:\n{stderr}");
    }
    assert!(
        stderr.contains("6 problems; nothing was imported"),
        "{stderr}"
    );
    let missing_file = env.arrears(&db, &["import", "placements", "no-such-file.csv"]);
    assert_eq!(missing_file.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing_file.stderr).starts_with("no-such-file.csv: "));
    assert!(
        !stderr.contains(":2:"),
        "the good row is not blamed:\n{stderr}"
    );
    assert_eq!(
        env.ok(&db, &["audit", "verify"]),
        before,
        "database unchanged"
    );
    let missing = env.arrears(
        &db,
        &["account", "show", "--creditor", "NBANK", "--account", "N-1"],
    );
    assert_eq!(
        missing.status.code(),
        Some(3),
        "the good row of a bad file was not kept"
    );
    let again = env.ok(&db, &["import", "placements", good.to_str().unwrap()]);
    assert!(again.contains("nothing new"), "{again}");
    assert_eq!(env.ok(&db, &["audit", "verify"]), before);
}

#[test]
fn audit_verify_catches_a_row_edited_with_sqlite3() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    let fresh = env.ok(&db, &["audit", "verify"]);
    assert!(fresh.starts_with("audit log intact: 0 events"), "{fresh}");
    let good = env.generate("good.csv", 50, 8);
    env.ok(&db, &["import", "placements", good.to_str().unwrap()]);
    assert!(
        env.ok(&db, &["audit", "verify"])
            .starts_with("audit log intact")
    );
    let sqlite3 = Command::new("sqlite3")
        .arg(env.path("arrears.db"))
        .arg("UPDATE ledger_entries SET principal_minor = 1 WHERE id = 10;")
        .output()
        .expect("the sqlite3 command-line tool is installed (the test command installs it)");
    assert!(
        sqlite3.status.success(),
        "{}",
        String::from_utf8_lossy(&sqlite3.stderr)
    );
    let output = env.arrears(&db, &["audit", "verify"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("audit log BROKEN: ledger entry 10 "),
        "{stdout}"
    );
}

#[test]
fn users_and_creditor_policy_from_the_command_line() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    let added = env.arrears_with_input(
        &db,
        &[
            "user",
            "add",
            "maria",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        Some("a long passphrase here\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let bad_role = env.arrears_with_input(
        &db,
        &["user", "add", "bo", "--role", "boss", "--password-stdin"],
        Some("a long passphrase here\n"),
    );
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(
        env.ok(&db, &["user", "list"])
            .contains("maria\tsupervisor\tactive")
    );

    env.ok(
        &db,
        &["creditor", "add", "NBANK", "--name", "National Bank"],
    );
    env.ok(
        &db,
        &[
            "creditor",
            "set",
            "NBANK",
            "grace_days=10",
            "commission_bps=3000",
            "--reason",
            "new contract",
        ],
    );
    let shown: Value =
        serde_json::from_str(&env.ok(&db, &["creditor", "show", "NBANK", "--json"])).unwrap();
    assert_eq!(shown["policy"]["grace_days"], "10");
    assert_eq!(shown["policy"]["commission_bps"], "3000");
    assert_eq!(shown["policy"]["waterfall"], "fees,interest,principal");
    let refused = env.arrears(
        &db,
        &["creditor", "set", "NBANK", "grace_days=11", "colour=red"],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown policy key \"colour\""));
    let shown: Value =
        serde_json::from_str(&env.ok(&db, &["creditor", "show", "NBANK", "--json"])).unwrap();
    assert_eq!(shown["policy"]["grace_days"], "10", "nothing partial kept");
}

#[test]
fn a_mapped_creditor_layout_imports() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    let file = env.write(
        "util.csv",
        "Acct,Cust,First,Last,Amount Due,Past Due Since\nU-1,C-1,Ann,Bee,75.10,2026-09-01\n",
    );
    let mapping = env.write(
        "util.toml",
        "[columns]\naccount_ref = \"Acct\"\ndebtor_ref = \"Cust\"\nfirst_name = \"First\"\nlast_name = \"Last\"\nbalance = \"Amount Due\"\ndelinquent_since = \"Past Due Since\"\n[constants]\ncreditor = \"CITYUTIL\"\ncurrency = \"USD\"\n",
    );
    env.ok(
        &db,
        &[
            "import",
            "placements",
            file.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
        ],
    );
    let view: Value = serde_json::from_str(&env.ok(
        &db,
        &[
            "account",
            "show",
            "--creditor",
            "CITYUTIL",
            "--account",
            "U-1",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(view["balance"], "75.10");
    assert_eq!(view["days_past_due"], 83);
    assert_eq!(view["aging_bucket"], "61-90");
}

#[test]
fn the_demo_builds_a_portfolio_with_users_holds_and_aging() {
    let env = Env::new();
    // The demo never touches the default database, whatever --db says.
    let output = env.ok(
        "sqlite://arrears.db",
        &["demo", "--accounts", "400", "--no-serve"],
    );
    assert!(
        output.contains("arrears-demo.db with 400 accounts"),
        "{output}"
    );
    assert!(
        output.contains("password \"arrears-demo-2026\""),
        "{output}"
    );
    assert!(
        !env.path("arrears.db").exists(),
        "the default database is left alone"
    );
    let demo = env.sqlite("arrears-demo.db");
    let users = env.ok(&demo, &["user", "list"]);
    for role in [
        "agent",
        "supervisor",
        "manager",
        "billing",
        "admin",
        "auditor",
    ] {
        assert!(users.contains(&format!("\t{role}\t")), "{role} in {users}");
    }
    assert!(
        env.ok(&demo, &["audit", "verify"])
            .starts_with("audit log intact")
    );
    // The demo runs a dialer list, so the decision log shows the compliance engine at
    // work; the first account was given a dispute, so its phone was kept off the list.
    assert!(output.contains("decisions logged)"), "{output}");
    let hint = output
        .lines()
        .find(|line| line.contains("compliance log --creditor"))
        .unwrap();
    let words: Vec<&str> = hint.split_whitespace().collect();
    let creditor = words[words.iter().position(|word| *word == "--creditor").unwrap() + 1];
    let account = words[words.iter().position(|word| *word == "--account").unwrap() + 1];
    // The hint runs as printed (issue 13, finding 17: it named `arrears`, which is on
    // nobody's PATH after `cargo run`).
    let command: Vec<&str> = hint
        .split_once("listed: ")
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ran = Command::new(command[0])
        .args(&command[1..])
        .current_dir(env.dir.path())
        .env("ARREARS_NOW", NOW)
        // The environment the demo ran in.
        .env("ARREARS_PII_KEY", KEY)
        .env_remove("ARREARS_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        ran.status.success() && String::from_utf8_lossy(&ran.stdout).contains("deny"),
        "{hint}: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let log = env.ok(
        &demo,
        &[
            "compliance",
            "log",
            "--creditor",
            creditor,
            "--account",
            account,
        ],
    );
    assert!(
        log.contains("deny") && log.contains("us.dispute_pending"),
        "{log}"
    );
    // A second file placed accounts with only a state and ZIP: they wait on the locate
    // list, and the demo says so.
    assert!(
        output.contains("2 accounts placed with a partial address"),
        "{output}"
    );
    let locate = env.ok(&demo, &["locate", "list"]);
    assert!(
        locate.contains("SKIP-0001") && locate.contains("2 accounts to locate"),
        "{locate}"
    );
    // Running it again starts from scratch.
    let again = env.ok(
        "sqlite://arrears.db",
        &["demo", "--accounts", "300", "--no-serve"],
    );
    assert!(again.contains("with 300 accounts"), "{again}");
}

/// A newcomer runs the demo whenever they find Arrears: the portfolio is dated from that
/// day, so the demo must build whatever the day and hour (it once failed on an afternoon
/// in December: its overpayment had gone to the debtor's other debt, leaving nothing to
/// refund).
#[test]
fn the_demo_works_whatever_the_day_and_hour() {
    // Issue 13, finding 16: 17:15 UTC on 2026-12-06 failed; then days, hours, both DST
    // changes in New York, a holiday, a leap day.
    for now in [
        "2026-12-06T17:15:00Z",
        "2026-12-06T18:25:00Z",
        "2026-11-01T06:30:00Z",
        "2027-03-14T07:30:00Z",
        "2026-12-25T15:00:00Z",
        "2027-02-28T23:59:00Z",
        "2027-07-04T04:00:00Z",
        "2028-02-29T12:00:00Z",
    ] {
        let env = Env::new();
        let output = env.arrears_at(
            now,
            "sqlite://arrears.db",
            &["demo", "--accounts", "300", "--no-serve"],
            None,
        );
        assert!(
            output.status.success(),
            "demo at {now}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(printed.contains("a refund request"), "{now}: {printed}");
        let verified = env.arrears_at(
            now,
            &env.sqlite("arrears-demo.db"),
            &["audit", "verify"],
            None,
        );
        assert!(
            String::from_utf8_lossy(&verified.stdout).starts_with("audit log intact"),
            "{now}"
        );
    }
}

#[test]
fn holds_and_status_changes_from_the_command_line() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    let file = env.write("one.csv", "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since\nMERCYHOSP,H-1,P-1,Ann,Bee,310.00,USD,2026-05-01\n");
    env.ok(&db, &["import", "placements", file.to_str().unwrap()]);
    let account = ["--creditor", "MERCYHOSP", "--account", "H-1"];
    let args = |rest: &[&'static str]| -> Vec<&str> {
        rest[..2]
            .iter()
            .copied()
            .chain(account)
            .chain(rest[2..].iter().copied())
            .collect()
    };
    env.ok(
        &db,
        &args(&[
            "account",
            "hold",
            "bankruptcy",
            "--detail",
            "case 26-10457 ch. 7",
            "--reason",
            "court notice",
        ]),
    );
    let twice = env.arrears(
        &db,
        &args(&["account", "hold", "bankruptcy", "--reason", "again"]),
    );
    assert_eq!(twice.status.code(), Some(2));
    let view: Value =
        serde_json::from_str(&env.ok(&db, &args(&["account", "show", "--json"]))).unwrap();
    assert_eq!(view["holds"], serde_json::json!(["bankruptcy"]));
    env.ok(
        &db,
        &args(&[
            "account",
            "status",
            "closed",
            "--reason",
            "discharged in bankruptcy",
        ]),
    );
    let reopen = env.arrears(
        &db,
        &args(&["account", "status", "active", "--reason", "oops"]),
    );
    assert_eq!(reopen.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&reopen.stderr).contains("is closed; it cannot become active"));
    let bad_kind = env.arrears(
        &db,
        &args(&["account", "hold", "vacation", "--reason", "x"]),
    );
    assert_eq!(bad_kind.status.code(), Some(2));
    assert!(
        env.ok(&db, &["audit", "verify"])
            .starts_with("audit log intact: 3 events")
    );
}

#[test]
fn validation_period_follows_the_contract() {
    let env = Env::new();
    let answer: Value = serde_json::from_str(&env.ok(
        "sqlite://unused.db",
        &["compliance", "validation-period", "--sent-on", "2026-11-20"],
    ))
    .unwrap();
    assert_eq!(
        answer,
        serde_json::json!({"assumed_receipt_on": "2026-11-30", "validation_period_ends_on": "2026-12-30"})
    );
    let bad = env.arrears(
        "sqlite://unused.db",
        &["compliance", "validation-period", "--sent-on", "2026-02-30"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--sent-on"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(
        !env.path("unused.db").exists(),
        "a pure computation opens no database"
    );
}

#[test]
fn compliance_check_answers_one_line_per_request_or_nothing_at_all() {
    let env = Env::new();
    let calls: Vec<String> = (3..=9)
        .map(|day| format!(r#"{{"at": "2026-03-{day:02}T12:00:00Z", "debt_id": "D-1", "action": "call", "outcome": "no_answer"}}"#))
        .collect();
    let example = format!(
        r#"{{"now": "2026-03-09T13:30:00Z", "action": "call", "debt_id": "D-1", "consumer": {{"time_zones": ["America/New_York"], "state": "NY"}}, "debts": [{{"id": "D-1"}}], "history": [{}], "ignored": true}}"#,
        calls.join(", ")
    );
    let letter = r#"{
  "now": "2026-03-09T13:30:00Z", "action": "letter", "debt_id": "D-1",
  "consumer": {"time_zones": ["America/New_York"]}, "debts": [{"id": "D-1"}]
}"#;
    let file = env.write("requests.json", &format!("{example}\n{letter}\n"));
    let out = env.ok(
        "sqlite://unused.db",
        &["compliance", "check", file.to_str().unwrap()],
    );
    let answers: Vec<Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["decision"], "deny");
    assert_eq!(answers[0]["violations"][0]["rule"], "us.call_frequency");
    assert_eq!(
        answers[0]["violations"][0]["citation"],
        "12 CFR 1006.14(b)(2)(i)(A)"
    );
    assert_eq!(
        answers[0]["violations"][0]["clears_at"],
        "2026-03-10T04:00:00Z"
    );
    assert_eq!(answers[0]["next_allowed_at"], "2026-03-10T12:00:00Z");
    // The packs consulted are recorded with each answer: the federal one, plus the
    // state's when the consumer's state has one.
    let us_pack = answers[1]["packs"][0].as_str().unwrap().to_string();
    assert!(us_pack.starts_with("us@"), "{us_pack}");
    assert_eq!(
        answers[1],
        serde_json::json!({"decision": "allow", "violations": [], "next_allowed_at": "2026-03-09T13:30:00Z", "packs": [us_pack]})
    );

    let bad = env.write(
        "bad.json",
        &format!(
            "{letter}\n{}\n",
            letter.replace("America/New_York", "Mars/Olympus")
        ),
    );
    let output = env.arrears(
        "sqlite://unused.db",
        &["compliance", "check", bad.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        output.stdout.is_empty(),
        "no answers when any request is malformed"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "request 2 (line 5): consumer.time_zones[0]: \"Mars/Olympus\" is not an IANA time zone"
        ),
        "{stderr}"
    );
}

/// The contract's optional `consents` (consent given directly by the consumer): a call at
/// 21:30 local inside the window the consumer asked for is allowed, the same call without
/// it is not, and a malformed consent is named by its JSON path.
#[test]
fn compliance_check_reads_consents_given_by_the_consumer() {
    let env = Env::new();
    // 2026-06-02T01:30:00Z is 21:30 EDT on 06-01; the callback window is 21:15 … 21:45.
    let late = r#"{"now": "2026-06-02T01:30:00Z", "action": "call", "debt_id": "D-1", "consumer": {"time_zones": ["America/New_York"]}, "debts": [{"id": "D-1"}]"#;
    let consent = r#""consents": [{"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z"}]"#;
    let file = env.write("consents.json", &format!("{late}, {consent}}}\n{late}}}\n"));
    let out = env.ok(
        "sqlite://unused.db",
        &["compliance", "check", file.to_str().unwrap()],
    );
    let answers: Vec<Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers[0]["decision"], "allow", "{out}");
    assert_eq!(answers[1]["decision"], "deny");
    assert_eq!(answers[1]["violations"][0]["rule"], "us.time_of_day");
    assert_eq!(answers[1]["next_allowed_at"], "2026-06-02T12:00:00Z");

    let bad = env.write(
        "bad-consent.json",
        &format!(
            "{late}, {}}}\n",
            consent.replace(r#", "to": "2026-06-02T01:45:00Z""#, "")
        ),
    );
    let output = env.arrears(
        "sqlite://unused.db",
        &["compliance", "check", bad.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("request 1 (line 1): consents[0].to: required"),
        "{stderr}"
    );
}

#[test]
fn the_dialer_list_holds_only_lawful_calls() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    let file = env.write(
        "people.csv",
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,phone_home,time_zone\n\
         NBANK,NY-1,P-1,Ann,Bee,100.00,USD,2026-05-01,1 Main St,Albany,NY,12207,(518) 555-0101,,\n\
         NBANK,CA-1,P-2,Cy,Dee,100.00,USD,2026-05-01,1 Main St,Fresno,CA,93701,(559) 555-0102,(559) 555-0103,\n\
         NBANK,CA-2,P-3,Ed,Fox,100.00,USD,2026-05-01,1 Main St,Fresno,CA,93701,(559) 555-0104,,\n\
         NBANK,XX-1,P-4,Gus,Hay,100.00,USD,2026-05-01,,,,,,,\n",
    );
    env.ok(&db, &["import", "placements", file.to_str().unwrap()]);
    env.ok(
        &db,
        &[
            "account",
            "hold",
            "--creditor",
            "NBANK",
            "--account",
            "CA-2",
            "cease",
            "--reason",
            "cease letter",
        ],
    );
    // 03:00 UTC on 2026-06-02: 23:00 in New York, 20:00 in California.
    let csv = env.ok(
        &db,
        &["compliance", "filter-calls", "--at", "2026-06-02T03:00:00Z"],
    );
    assert_eq!(
        csv,
        "creditor,account_ref,phone,allowed_until\n\
         NBANK,CA-1,+15595550103,2026-06-02T04:00:00Z\n\
         NBANK,CA-1,+15595550102,2026-06-02T04:00:00Z\n"
    );
    let lines = env.ok(
        &db,
        &[
            "compliance",
            "filter-calls",
            "--at",
            "2026-06-01T16:00:00Z",
            "--json",
        ],
    );
    let listed: Vec<Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let refs: Vec<&str> = listed
        .iter()
        .map(|row| row["account_ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["NY-1", "CA-1", "CA-1"],
        "by debtor id (the order placed), then account, then phone; XX-1 has no phone; CA-2 asked us to cease"
    );
    assert_eq!(
        listed[0]["allowed_until"], "2026-06-02T01:00:00Z",
        "21:00 in New York"
    );

    // Every decision behind the lists is logged, with the request, answer and packs.
    let log: Value = serde_json::from_str(&env.ok(
        &db,
        &[
            "compliance",
            "log",
            "--creditor",
            "NBANK",
            "--account",
            "CA-2",
            "--json",
        ],
    ))
    .unwrap();
    let decisions = log["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2, "one per dialer run: {log}");
    assert_eq!(decisions[0]["decision"], "deny");
    assert_eq!(decisions[0]["asked_by"], "dialer");
    assert_eq!(decisions[0]["actor"], "test:clerk");
    // Oldest first: 09:00 in California, only the cease request forbids.
    assert_eq!(
        decisions[0]["rules"],
        serde_json::json!(["us.cease_communication"])
    );
    assert_eq!(decisions[0]["request"]["consumer"]["cease_requested"], true);
    assert_eq!(decisions[0]["request"]["now"], "2026-06-01T16:00:00Z");
    assert_eq!(
        decisions[0]["answer"]["violations"][0]["citation"],
        "12 CFR 1006.6(a), 1006.6(c)"
    );
    assert!(
        decisions[0]["packs"][0]
            .as_str()
            .unwrap()
            .starts_with("us@")
    );

    // An agent-style question about one account is answered from the database and logged.
    let asked = env.ok(
        &db,
        &[
            "compliance",
            "ask",
            "--creditor",
            "NBANK",
            "--account",
            "NY-1",
            "--action",
            "call",
            "--contact",
            "+15185550101",
            "--at",
            "2026-06-02T03:00:00Z",
        ],
    );
    assert!(
        asked.starts_with("deny: call at 2026-06-02T03:00:00Z"),
        "{asked}"
    );
    assert!(
        asked.contains("us.time_of_day (12 CFR 1006.6(b)(1)(i))"),
        "{asked}"
    );
    assert!(
        asked.contains("next allowed at 2026-06-02T12:00:00Z"),
        "{asked}"
    );
    let text = env.ok(
        &db,
        &[
            "compliance",
            "log",
            "--creditor",
            "NBANK",
            "--account",
            "NY-1",
        ],
    );
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(
        rows[2].contains("deny") && rows[2].contains("cli:test:clerk"),
        "{text}"
    );
    let unknown_contact = env.arrears(
        &db,
        &[
            "compliance",
            "ask",
            "--creditor",
            "NBANK",
            "--account",
            "NY-1",
            "--action",
            "call",
            "--contact",
            "+15185559999",
        ],
    );
    assert_eq!(unknown_contact.status.code(), Some(2));
    let verified = env.ok(&db, &["audit", "verify"]);
    assert!(
        verified.contains(", 9 compliance decisions, "),
        "{verified}"
    );
}

/// Rule packs are data: listed with their versions, checked as they load (a bad file is
/// named with its line and field), and an operator's folder of packs replaces the
/// built-in ones, so a new state rule needs no rebuild.
#[test]
fn compliance_packs_load_from_files_and_bad_ones_are_named() {
    let env = Env::new();
    let listed: Value =
        serde_json::from_str(&env.ok("sqlite://unused.db", &["compliance", "packs", "--json"]))
            .unwrap();
    let ids: Vec<&str> = listed["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pack| pack["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["us", "us-ma", "us-wa"]);
    assert_eq!(listed["packs"][1]["rules"][0]["id"], "us-ma.call_frequency");
    assert_eq!(listed["packs"][1]["rules"][0]["parameters"]["max"], "2");
    // Which rules a consent given directly by the consumer lifts is listed too.
    assert_eq!(
        listed["packs"][1]["rules"][0]["parameters"]["lifted_by_consent"],
        "true"
    );
    assert_eq!(
        listed["packs"][1]["rules"][1]["id"],
        "us-ma.visit_frequency"
    );
    assert_eq!(
        listed["packs"][1]["rules"][1]["parameters"]["lifted_by_consent"],
        Value::Null
    );

    let folder = env.path("packs");
    std::fs::create_dir(&folder).unwrap();
    let federal = include_str!("../../../compliance/packs/us.toml");
    std::fs::write(folder.join("us.toml"), federal).unwrap();
    let new_york = r#"format = 1
id = "us-ny"
version = "test-1"
title = "A stricter test pack"
states = ["NY"]

[[rule]]
id = "us-ny.call_frequency"
kind = "contact_frequency"
citation = "Test 1"
effective_from = 2020-01-01
actions = ["call"]
counts = ["call"]
per = "consumer"
max = 3
days = 7
"#;
    std::fs::write(
        folder.join("us-ny.toml"),
        new_york.replace("max = 3", "max = 0"),
    )
    .unwrap();
    let output = env.arrears(
        "sqlite://unused.db",
        &["compliance", "packs", "--dir", folder.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("us-ny.toml:15: rule[1].max: 0 is not 1"),
        "{stderr}"
    );

    std::fs::write(folder.join("us-ny.toml"), new_york).unwrap();
    let calls: Vec<String> = (6..=8)
        .map(|day| format!(r#"{{"at": "2026-03-{day:02}T15:00:00Z", "debt_id": "D-{day}", "action": "call", "outcome": "no_answer"}}"#))
        .collect();
    let request = format!(
        r#"{{"now": "2026-03-09T13:30:00Z", "action": "call", "debt_id": "D-1", "consumer": {{"time_zones": ["America/New_York"], "state": "NY"}}, "debts": [{{"id": "D-1"}}], "history": [{}]}}"#,
        calls.join(", ")
    );
    let file = env.write("request.json", &request);
    let output = Command::new(env!("CARGO_BIN_EXE_arrears"))
        .args(["compliance", "check", file.to_str().unwrap()])
        .env("ARREARS_COMPLIANCE_PACKS", &folder)
        .output()
        .unwrap();
    assert!(output.status.success());
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["decision"], "deny");
    assert_eq!(answer["violations"][0]["rule"], "us-ny.call_frequency");
    assert_eq!(answer["packs"][1], "us-ny@test-1");
    // Without the folder the built-in packs hold no New York rule: allowed.
    let builtin: Value = serde_json::from_str(&env.ok(
        "sqlite://unused.db",
        &["compliance", "check", file.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(builtin["decision"], "allow");
}

/// Issue 13, finding 9: a placement file with partial addresses imports on both engines;
/// the summary counts them as warnings naming `FILE:LINE: field: reason` (text and
/// `--json`), and `arrears locate list` names their accounts, to whoever may see them.
#[test]
fn partial_addresses_import_with_warnings_and_are_on_the_locate_list() {
    let env = Env::new();
    let file = env.write(
        "partial.csv",
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code\n\
         ACME,A-1,D-1,Ana,Ruiz,10.00,USD,2026-01-15,1 Main St,Boston,MA,02110\n\
         ACME,A-2,D-2,Bo,Lee,20.00,USD,2026-01-15,,,TX,79901\n\
         BETA,B-1,E-1,Cy,Ng,30.00,USD,2026-01-15,9 Elm St,,WA,98101\n",
    );
    let file_arg = file.to_str().unwrap();
    let postgres = Postgres::create();
    let mut databases = vec![env.sqlite("arrears.db")];
    databases.extend(postgres.as_ref().map(|postgres| postgres.url.clone()));
    for db in &databases {
        let text = env.ok(db, &["import", "placements", file_arg]);
        assert!(
            text.contains(&format!(
                "warning: {file_arg}:3: address_line1, city: missing: the address is kept as incomplete (nothing is mailed to it) and the account joins the locate list\n"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("warning: {file_arg}:4: city: missing:")),
            "{text}"
        );
        assert!(
            text.contains("2 warnings: rows with an incomplete address"),
            "{text}"
        );
        assert!(text.contains("imported 3 accounts"), "{text}");

        let listed = env.ok(db, &["locate", "list"]);
        let lines: Vec<&str> = listed.lines().collect();
        assert_eq!(lines.len(), 4, "{listed}");
        assert!(
            lines[0].starts_with("creditor  account  debtor  name"),
            "{listed}"
        );
        assert!(
            lines[1].starts_with("ACME      A-2      D-2     Bo Lee  active  TX, 79901"),
            "{listed}"
        );
        assert!(lines[1].ends_with("address_line1, city"), "{listed}");
        assert!(lines[2].starts_with("BETA      B-1"), "{listed}");
        assert_eq!(lines[3], "2 accounts to locate");
        let beta: Value =
            serde_json::from_str(&env.ok(db, &["locate", "list", "--creditor", "BETA", "--json"]))
                .unwrap();
        assert_eq!(beta["total"], 1);
        assert_eq!(beta["accounts"][0]["account_ref"], "B-1");
        assert_eq!(beta["accounts"][0]["address"]["postal_code"], "98101");
        assert_eq!(beta["accounts"][0]["missing"], serde_json::json!(["city"]));

        // An agent of ACME sees ACME's only.
        let added = env.arrears_with_input(
            db,
            &["user", "add", "ana", "--role", "agent", "--password-stdin"],
            Some("a long enough passphrase 7"),
        );
        assert!(added.status.success(), "{added:?}");
        env.ok(db, &["user", "assign", "ana", "--creditor", "ACME"]);
        let ana: Value =
            serde_json::from_str(&env.ok(db, &["locate", "list", "--user", "ana", "--json"]))
                .unwrap();
        assert_eq!(ana["total"], 1);
        assert_eq!(ana["accounts"][0]["account_ref"], "A-2");
        let unknown = env.arrears(db, &["locate", "list", "--creditor", "NOPE"]);
        assert_eq!(unknown.status.code(), Some(2));

        let shown = env.ok(
            db,
            &["account", "show", "--creditor", "ACME", "--account", "A-2"],
        );
        assert!(shown.contains("address     incomplete"), "{shown}");
        let json: Value = serde_json::from_str(&env.ok(
            db,
            &[
                "account",
                "show",
                "--creditor",
                "ACME",
                "--account",
                "A-2",
                "--json",
            ],
        ))
        .unwrap();
        assert_eq!(json["debtor_address_incomplete"], true);
    }
    // The summary's JSON carries the warnings too.
    let again = env.sqlite("again.db");
    let summary: Value =
        serde_json::from_str(&env.ok(&again, &["import", "placements", file_arg, "--json"]))
            .unwrap();
    assert_eq!(summary["warnings_total"], 2);
    assert_eq!(summary["addresses_incomplete"], 2);
    assert_eq!(
        summary["warnings"][0],
        format!(
            "{file_arg}:3: address_line1, city: missing: the address is kept as incomplete (nothing is mailed to it) and the account joins the locate list"
        )
    );
}
