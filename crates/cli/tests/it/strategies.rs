//! `arrears strategy` and `arrears score` on both engines: a broken file is refused with
//! every problem as `FILE:LINE: field: reason`, exit 2 and nothing stored; a good one is
//! stored once, listed, shown unchanged and activated; `score load` the same.

use crate::{Env, Postgres};

fn strategy_commands(env: &Env, db: &str) {
    let text = strategy::DEFAULT;
    // Two problems on known lines: a step on day -1 and a call priority of 101.
    let broken = text
        .replacen("day = 0", "day = -1", 1)
        .replacen("call = 90", "call = 101", 1);
    let line_of = |needle: &str| {
        broken
            .lines()
            .position(|line| line.contains(needle))
            .unwrap()
            + 1
    };
    let file = env.write("broken.toml", &broken);
    let name = file.display().to_string();
    let refused = env.arrears(db, &["strategy", "load", &name, "--activate"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    let day = format!("{name}:{}: segment[", line_of("day = -1"));
    let call = format!("{name}:{}: segment[", line_of("call = 101"));
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&day) && l.ends_with(".day: -1 is not 0 … 3650")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&call) && l.ends_with(".call: 101 is not 0 … 100")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing stored (2 problems)"), "{stderr}");
    assert_eq!(
        env.ok(db, &["strategy", "list"]),
        "no stored versions: the built-in one is in force\n"
    );

    // A good file: stored once, shown unchanged, activated.
    let good = env.write("default.toml", text);
    let good = good.display().to_string();
    let loaded = env.ok(db, &["strategy", "load", &good]);
    assert!(
        loaded.starts_with("strategy default stored as version 1 "),
        "{loaded}"
    );
    let again = env.ok(db, &["strategy", "load", &good, "--activate"]);
    assert!(
        again.starts_with("strategy default already stored as version 1 ")
            && again.ends_with(", now active\n"),
        "{again}"
    );
    let list = env.ok(db, &["strategy", "list"]);
    assert!(list.starts_with("* default "), "{list}");
    assert_eq!(list.lines().count(), 1, "{list}");
    assert_eq!(env.ok(db, &["strategy", "show"]), text);
    let unknown = env.arrears(db, &["strategy", "activate", "default", "7"]);
    assert!(!unknown.status.success());

    // With no challengers there is nothing to compare; the table still shows the arm.
    let compare = env.ok(db, &["strategy", "compare"]);
    assert!(
        compare.starts_with("strategy default (version 1)\n"),
        "{compare}"
    );
    assert!(
        compare.contains("no challengers: nothing to compare"),
        "{compare}"
    );

    // A model: a bad one names its line and field, a good one loads.
    let (_, model) = score::file::DEFAULT_FILE;
    let bad_model = model.replacen("transform = \"cap:720\"", "transform = \"sqrt\"", 1);
    let bad_line = bad_model
        .lines()
        .position(|l| l.contains("\"sqrt\""))
        .unwrap()
        + 1;
    let bad = env.write("model.toml", &bad_model).display().to_string();
    let refused = env.arrears(db, &["score", "load", &bad]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("{bad}:{bad_line}: feature["))
            && stderr.contains("].transform: unknown transform `sqrt`"),
        "{stderr}"
    );
    let good = env.write("good-model.toml", model).display().to_string();
    let loaded = env.ok(db, &["score", "load", &good, "--activate"]);
    assert!(
        loaded.starts_with("score model stored as version 1 ")
            && loaded.ends_with(", now active\n"),
        "{loaded}"
    );
}

#[test]
fn strategy_and_score_load_refuse_a_broken_file_naming_file_line_and_field_and_store_nothing() {
    let env = Env::new();
    let db = env.sqlite("strategies.db");
    strategy_commands(&env, &db);
    if let Some(postgres) = Postgres::create() {
        let env = Env::new();
        strategy_commands(&env, &postgres.url);
    }
}
