//! `arrears audit verify` against tampering done outside Arrears, and `arrears admin
//! rotate-key` (issue 13), on SQLite and PostgreSQL.

use super::{Env, KEY, NOW, Postgres, admin};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PLACEMENTS: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,date_of_birth,ssn_last4\n\
ACME,A-1,D1,Ann,Lee,1000.00,USD,2026-03-01,1980-02-03,1234\n\
ACME,A-2,D2,Bob,Ray,1000.00,USD,2026-03-01,,\n";

/// `arrears` with the PII key given as `key` (`ARREARS_PII_KEY` hex) or read from
/// `key_file` (`ARREARS_PII_KEY_FILE`).
fn arrears(env: &Env, db: &str, key: Key<'_>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_arrears"));
    command
        .args(["--db", db])
        .args(args)
        .current_dir(env.path(""))
        .env("ARREARS_NOW", NOW)
        .env("ARREARS_ACTOR", "test:clerk")
        .env_remove("ARREARS_DATABASE_URL")
        .env_remove("ARREARS_PII_KEY")
        .env_remove("ARREARS_PII_KEY_FILE")
        .stdin(Stdio::null());
    match key {
        Key::Hex(hex) => command.env("ARREARS_PII_KEY", hex),
        Key::File(path) => command.env("ARREARS_PII_KEY_FILE", path),
    };
    command.output().unwrap()
}

#[derive(Clone, Copy)]
enum Key<'a> {
    Hex(&'a str),
    File(&'a Path),
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The databases to run on: a SQLite file, and PostgreSQL when configured.
fn databases(env: &Env) -> (Vec<String>, Option<Postgres>) {
    let postgres = Postgres::create();
    let mut urls = vec![env.sqlite("arrears.db")];
    urls.extend(postgres.as_ref().map(|postgres| postgres.url.clone()));
    (urls, postgres)
}

fn import(env: &Env, db: &str) {
    let file = env.write("placements.csv", PLACEMENTS);
    let imported = arrears(
        env,
        db,
        Key::Hex(KEY),
        &["import", "placements", file.to_str().unwrap()],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
}

/// Finding 5 from the command line: the last change and its event are deleted and the
/// head rewound, with the database's own shell; and a status changed the same way.
#[test]
fn audit_verify_names_a_rewound_head_and_an_edited_status() {
    let env = Env::new();
    let db = env.sqlite("arrears.db");
    import(&env, &db);
    let hold = arrears(
        &env,
        &db,
        Key::Hex(KEY),
        &[
            "account",
            "hold",
            "dispute",
            "--creditor",
            "ACME",
            "--account",
            "A-1",
            "--reason",
            "disputed",
        ],
    );
    assert!(hold.status.success(), "{}", stderr(&hold));
    let sqlite3 = |sql: &str| {
        let output = Command::new("sqlite3")
            .arg(env.path("arrears.db"))
            .arg(sql)
            .output()
            .expect("the sqlite3 command-line tool is installed (the test command installs it)");
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    let hash = sqlite3("SELECT hash FROM audit_events WHERE seq = 1;");
    sqlite3(&format!(
        "DELETE FROM account_holds; DELETE FROM audit_events WHERE seq > 1; UPDATE audit_head SET seq = 1, hash = '{}';",
        hash.trim()
    ));
    let verified = arrears(&env, &db, Key::Hex(KEY), &["audit", "verify"]);
    assert_eq!(verified.status.code(), Some(1));
    assert!(
        stdout(&verified).starts_with("audit log BROKEN: audit_head does not match its seal"),
        "{}",
        stdout(&verified)
    );

    let env = Env::new();
    let db = env.sqlite("arrears.db");
    import(&env, &db);
    let sqlite3 = Command::new("sqlite3")
        .arg(env.path("arrears.db"))
        .arg("UPDATE accounts SET status = 'recalled' WHERE account_ref = 'A-2';")
        .output()
        .unwrap();
    assert!(sqlite3.status.success());
    let verified = arrears(&env, &db, Key::Hex(KEY), &["audit", "verify"]);
    assert_eq!(verified.status.code(), Some(1));
    assert_eq!(
        stdout(&verified),
        "audit log BROKEN: accounts 2 (account_ref \"A-2\"): status is not what Arrears sealed (now \"recalled\"); the row was altered behind Arrears' back\n"
    );
}

#[test]
fn the_pii_key_is_rotated_from_the_command_line() {
    let env = Env::new();
    let (databases, _postgres) = databases(&env);
    for (at, db) in databases.iter().enumerate() {
        import(&env, db);
        let new_key = env.path(&format!("new-{at}.key"));
        let rotated = arrears(
            &env,
            db,
            Key::Hex(KEY),
            &[
                "admin",
                "rotate-key",
                "--new-key-file",
                new_key.to_str().unwrap(),
            ],
        );
        assert!(rotated.status.success(), "{db}: {}", stderr(&rotated));
        assert!(
            stdout(&rotated).starts_with(
                "key rotated: 2 sensitive values re-encrypted; 1 event, 2 ledger entries, 0 compliance decisions and 4 sealed rows re-sealed\n"
            ),
            "{}",
            stdout(&rotated)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&new_key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a new key file is private");
        }
        // The old key opens nothing now; the new one reads and verifies everything.
        let old = arrears(&env, db, Key::Hex(KEY), &["audit", "verify"]);
        assert_eq!(old.status.code(), Some(1));
        assert!(
            stderr(&old).contains("PII key does not match"),
            "{}",
            stderr(&old)
        );
        let verified = arrears(&env, db, Key::File(&new_key), &["audit", "verify"]);
        assert!(
            stdout(&verified).starts_with("audit log intact: 2 events"),
            "{db}: {}{}",
            stdout(&verified),
            stderr(&verified)
        );
        let shown = arrears(
            &env,
            db,
            Key::File(&new_key),
            &["account", "show", "--creditor", "ACME", "--account", "A-1"],
        );
        assert!(shown.status.success(), "{}", stderr(&shown));
        let log = stdout(&arrears(
            &env,
            db,
            Key::File(&new_key),
            &["audit", "log", "--limit", "1"],
        ));
        assert!(log.contains("audit.rotate_key"), "{log}");

        // The same key again: nothing to do, a usage error.
        let same = arrears(
            &env,
            db,
            Key::File(&new_key),
            &[
                "admin",
                "rotate-key",
                "--new-key-file",
                new_key.to_str().unwrap(),
            ],
        );
        assert_eq!(same.status.code(), Some(2), "{}", stderr(&same));

        // A log that does not verify is not rotated, and nothing changes.
        admin(
            db,
            "UPDATE accounts SET status = 'closed' WHERE account_ref = 'A-2'",
        );
        let newer = env.path(&format!("newer-{at}.key"));
        let refused = arrears(
            &env,
            db,
            Key::File(&new_key),
            &[
                "admin",
                "rotate-key",
                "--new-key-file",
                newer.to_str().unwrap(),
            ],
        );
        assert_eq!(refused.status.code(), Some(1));
        assert!(
            stderr(&refused).contains("audit verify fails, so the key is not rotated")
                && stderr(&refused).contains("accounts 2 "),
            "{}",
            stderr(&refused)
        );
        let still = arrears(&env, db, Key::File(&new_key), &["audit", "verify"]);
        assert!(
            stdout(&still).starts_with("audit log BROKEN: accounts 2 "),
            "{}",
            stdout(&still)
        );
        let not_newer = arrears(&env, db, Key::File(&newer), &["audit", "verify"]);
        assert!(stderr(&not_newer).contains("PII key does not match"));
    }
}
