//! The nightly run as processes: killed with SIGKILL at several points and started
//! again, it ends in the state of an uninterrupted run; two `batch worker` processes on
//! PostgreSQL, one of them killed, end there too.

use super::*;
use std::process::Child;
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-11-23";

fn spawn(env: &Env, db: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_arrears"))
        .args(["--db", db])
        .args(args)
        .current_dir(env.dir.path())
        .env("ARREARS_NOW", NOW)
        .env("ARREARS_PII_KEY", KEY)
        .env("ARREARS_ACTOR", "test:batch")
        .env("ARREARS_BATCH_LEASE_SECONDS", "2")
        .env_remove("ARREARS_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A generated portfolio with interest on at two creditors.
fn portfolio(env: &Env, db: &str, file: &Path) {
    env.ok(db, &["import", "placements", file.to_str().unwrap()]);
    for creditor in ["NBANK", "AUTOFIN"] {
        env.ok(
            db,
            &[
                "creditor",
                "set",
                creditor,
                "interest_method=simple_daily_365",
                "accrue_interest=true",
            ],
        );
    }
}

/// Chunks done of the newest run (0 before one opens).
fn chunks_done(env: &Env, db: &str) -> (i64, i64) {
    let output = env.arrears(db, &["batch", "runs", "--limit", "1", "--json"]);
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .next()
        .map(|line| {
            let run: Value = serde_json::from_str(line).unwrap();
            (
                run["chunks_done"].as_i64().unwrap(),
                run["chunks"].as_i64().unwrap(),
            )
        })
        .unwrap_or((0, 0))
}

/// Kills `child` (SIGKILL) once the run has `at_least` chunks done, or when it ends.
fn kill_after(env: &Env, db: &str, mut child: Child, at_least: i64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the run failed before it was killed");
            return false;
        }
        let (done, _) = chunks_done(env, db);
        if done >= at_least {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "the run never got to {at_least} chunks"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn digest(env: &Env, db: &str) -> String {
    env.ok(db, &["batch", "digest"])
}

#[test]
fn a_nightly_run_killed_at_several_points_ends_as_an_uninterrupted_one() {
    let env = Env::new();
    let file = env.generate("placements.csv", 12_000, 7);
    let whole = env.sqlite("whole.db");
    portfolio(&env, &whole, &file);
    env.ok(&whole, &["batch", "run", "--as-of", AS_OF, "--no-dispatch"]);
    let expected = digest(&env, &whole);
    let (chunks, total) = chunks_done(&env, &whole);
    assert!(chunks == total && chunks >= 6, "{chunks} of {total} chunks");
    // A second run for the date changes nothing.
    let again = env.ok(&whole, &["batch", "run", "--as-of", AS_OF, "--no-dispatch"]);
    assert!(again.contains("already done"), "{again}");
    assert_eq!(digest(&env, &whole), expected);

    let killed = env.sqlite("killed.db");
    portfolio(&env, &killed, &file);
    let mut kills = 0;
    for at_least in [0, 2, 4] {
        let child = spawn(
            &env,
            &killed,
            &["batch", "run", "--as-of", AS_OF, "--no-dispatch"],
        );
        kills += usize::from(kill_after(&env, &killed, child, at_least));
    }
    assert!(kills >= 2, "the run was killed mid-way ({kills} kills)");
    env.ok(
        &killed,
        &["batch", "run", "--as-of", AS_OF, "--no-dispatch"],
    );
    assert_eq!(digest(&env, &killed), expected);
    let verified = env.ok(&killed, &["audit", "verify"]);
    assert!(verified.contains("audit log intact"), "{verified}");

    // PostgreSQL: the run opened and left; two workers, one killed, finish it.
    let Some(postgres) = Postgres::create() else {
        return;
    };
    let db = postgres.url.clone();
    portfolio(&env, &db, &file);
    let opener = spawn(
        &env,
        &db,
        &["batch", "run", "--as-of", AS_OF, "--no-dispatch"],
    );
    kill_after(&env, &db, opener, 1);
    let first = spawn(&env, &db, &["batch", "worker"]);
    let second = spawn(&env, &db, &["batch", "worker"]);
    kill_after(&env, &db, first, 3);
    let output = second.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (done, total) = chunks_done(&env, &db);
    assert_eq!(done, total);
    assert_eq!(
        digest(&env, &db),
        expected,
        "PostgreSQL, two workers, one killed: the same state as SQLite in one run"
    );
}
