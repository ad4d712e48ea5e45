//! `arrears batch dispatch` after a nightly run: the letters the run fired are queued
//! for print once; dispatching again sends nothing; without a documents folder
//! (PostgreSQL without `ARREARS_DOCUMENTS_DIR`) letters wait.

use super::*;

const AS_OF: &str = "2026-11-23";

fn dispatch(env: &Env, db: &str) -> Value {
    let out = env.ok(db, &["batch", "dispatch", "--as-of", AS_OF, "--json"]);
    serde_json::from_str(out.trim()).unwrap()
}

/// The letter steps the newest run fired.
fn letter_steps(env: &Env, db: &str) -> i64 {
    let out = env.ok(db, &["batch", "runs", "--limit", "1", "--json"]);
    let run: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    run["summary"]["strategy"]["step_letter"].as_i64().unwrap()
}

fn worked(tally: &Value, action: &str) -> i64 {
    ["done", "refused", "skipped", "failed"]
        .iter()
        .map(|key| tally["actions"][action][key].as_i64().unwrap())
        .sum()
}

#[test]
fn treatment_steps_are_dispatched_once_from_the_command_line() {
    let env = Env::new();
    let file = env.generate("placements.csv", 60, 11);
    let sqlite = env.sqlite("treatment.db");
    env.ok(&sqlite, &["import", "placements", file.to_str().unwrap()]);
    env.ok(
        &sqlite,
        &["batch", "run", "--as-of", AS_OF, "--no-dispatch"],
    );
    let letters = letter_steps(&env, &sqlite);
    assert!(letters > 0);
    let first = dispatch(&env, &sqlite);
    assert_eq!(worked(&first, "letter"), letters, "{first}");
    assert!(
        first["actions"]["letter"]["done"].as_i64().unwrap() > 0,
        "{first}"
    );
    let again = dispatch(&env, &sqlite);
    for action in ["letter", "email", "sms", "call", "review", "escalate"] {
        assert_eq!(again["actions"][action]["done"], 0, "{again}");
    }
    let text = env.ok(&sqlite, &["batch", "dispatch", "--as-of", AS_OF]);
    assert!(text.contains("letter: 0 queued for print"), "{text}");

    let Some(postgres) = Postgres::create() else {
        return;
    };
    let db = postgres.url.clone();
    env.ok(&db, &["import", "placements", file.to_str().unwrap()]);
    env.ok(&db, &["batch", "run", "--as-of", AS_OF, "--no-dispatch"]);
    let waiting = dispatch(&env, &db);
    assert_eq!(
        waiting["waiting_for_documents_folder"].as_i64().unwrap(),
        letter_steps(&env, &db),
        "{waiting}"
    );
    assert_eq!(worked(&waiting, "letter"), 0, "{waiting}");
}
