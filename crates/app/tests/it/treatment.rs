//! The treatment dispatcher (`batch dispatch`) on both engines: the steps a real nightly
//! run fired become letters, emails, texts, notes and escalation events through the
//! same use cases a person's action takes; a refusal waits for the engine's instant
//! and is skipped after `max_retry_days`; dispatching again sends nothing twice.

use crate::support::{TestDb, first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::App;
use app::nightly::{Progress, RunRequest};
use app::treatment::ActionTally;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Row;
use store::{Actor, Store};

fn quiet(_: Progress) {}

async fn databases() -> Vec<TestDb> {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    databases
}

fn night() -> Date {
    first_day().tomorrow().unwrap()
}

/// The use cases at `instant`, with a documents folder for letters.
fn app_at(store: &Store, instant: Timestamp, documents: &std::path::Path) -> App {
    App::new(
        store.clone().with_clock(store::Clock::Fixed(instant)),
        compliance::packs::RuleSet::builtin(),
    )
    .with_document_settings(app::documents::Settings {
        dir: Some(documents.to_path_buf()),
        max_bytes: app::documents::UPLOAD_MAX_BYTES_DEFAULT,
    })
}

/// The test portfolio, one nightly run the night after placement (every account gets
/// the validation notice of its segment's day 0); the run's id.
async fn after_one_night(db: &TestDb) -> (Store, i64) {
    let store = db.open(instant_on(first_day())).await;
    set_up(&store).await;
    let store = db.open(instant_on(night())).await;
    let app = App::new(store.clone(), compliance::packs::RuleSet::builtin());
    let request = RunRequest {
        as_of: night(),
        dry_run: false,
        replay: false,
        // The tests dispatch themselves, when and as often as they mean to.
        dispatch: false,
        worker: "test".into(),
    };
    app.batch_run(&Actor::new("test:batch"), &request, &quiet)
        .await
        .unwrap();
    let run_id: i64 = sqlx::query_scalar("SELECT id FROM batch_runs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    (store, run_id)
}

async fn account_id(store: &Store, account_ref: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM accounts WHERE account_ref = $1")
        .bind(account_ref)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Adds a pending step as the nightly engine writes one; its id.
async fn add_step(
    store: &Store,
    run_id: i64,
    account_ref: &str,
    action: &str,
    detail: &str,
) -> i64 {
    let account = account_id(store, account_ref).await;
    let id: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM strategy_actions")
            .fetch_one(store.pool())
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO strategy_actions (id, account_id, run_id, segment, segment_since, arm, step_no, action, detail, due_on, status, tries) \
         VALUES ($1, $2, $3, 'test', $4, 'champion', $1, $5, $6, $4, 'pending', 0)",
    )
    .bind(id)
    .bind(account)
    .bind(run_id)
    .bind(night().to_string())
    .bind(action)
    .bind(detail)
    .execute(store.pool())
    .await
    .unwrap();
    id
}

#[derive(Debug)]
struct StepRow {
    status: String,
    tries: i64,
    outcome: Option<String>,
    retry_at_us: Option<i64>,
}

async fn step(store: &Store, id: i64) -> StepRow {
    let row = sqlx::query(
        "SELECT status, tries, outcome, retry_at_us FROM strategy_actions WHERE id = $1",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    StepRow {
        status: row.try_get(0).unwrap(),
        tries: row.try_get(1).unwrap(),
        outcome: row.try_get(2).unwrap(),
        retry_at_us: row.try_get(3).unwrap(),
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// The steps the run fired are set aside, so a test works only its own.
async fn set_aside_fired_steps(store: &Store) {
    sqlx::query("UPDATE strategy_actions SET status = 'done'")
        .execute(store.pool())
        .await
        .unwrap();
}

fn nothing(tally: &app::treatment::TreatmentTally) -> bool {
    tally
        .actions
        .iter()
        .all(|(_, counts)| *counts == ActionTally::default())
        && tally.ended_elsewhere == 0
}

#[tokio::test]
async fn treatment_letters_fired_by_the_nightly_run_are_queued_once_with_their_decision() {
    for db in databases().await {
        let (store, _) = after_one_night(&db).await;
        let documents = tempfile::tempdir().unwrap();
        let actor = Actor::new("test:dispatch");
        let letters = count(
            &store,
            "SELECT COUNT(*) FROM strategy_actions WHERE action = 'letter' AND status = 'pending'",
        )
        .await;
        assert_eq!(letters, 8, "every account's segment starts with a letter");
        let app = app_at(&store, instant_on(night()), documents.path());
        let tally = app
            .dispatch_treatment(&actor, night(), instant_on(night()))
            .await
            .unwrap();
        assert_eq!(tally.of("letter").done, 8, "{tally:?}");
        // Each step names its letter: a queued validation notice on the step's account,
        // allowed by a logged decision.
        let rows = sqlx::query(
            "SELECT s.outcome, s.account_id, d.account_id, d.template, q.id, a.decision_id \
             FROM strategy_actions s JOIN documents d ON s.outcome = 'document ' || CAST(d.id AS TEXT) \
             JOIN print_queue q ON q.document_id = d.id JOIN contact_attempts a ON a.id = d.attempt_id \
             WHERE s.action = 'letter' AND s.status = 'sent'",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 8);
        for row in &rows {
            assert_eq!(
                row.try_get::<i64, _>(1).unwrap(),
                row.try_get::<i64, _>(2).unwrap()
            );
            assert_eq!(row.try_get::<String, _>(3).unwrap(), "validation_notice");
            assert!(row.try_get::<Option<i64>, _>(5).unwrap().is_some());
        }
        assert_eq!(count(&store, "SELECT COUNT(*) FROM print_queue").await, 8);
        // The decision log says the strategy asked, not an agent or the command line.
        let askers: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT d.asked_by FROM compliance_decisions d JOIN contact_attempts a ON a.decision_id = d.id \
             JOIN documents doc ON doc.attempt_id = a.id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(askers, ["strategy"]);

        // Again, and later the same day: nothing is sent twice.
        let later = instant_on(night()) + jiff::SignedDuration::from_hours(2);
        let again = app_at(&store, later, documents.path())
            .dispatch_treatment(&actor, night(), later)
            .await
            .unwrap();
        assert!(nothing(&again), "{again:?}");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM print_queue").await, 8);

        // A second dispatcher holding a step another already sent records nothing.
        let (sent_step, creditor, account_ref): (i64, String, String) = {
            let row = sqlx::query(
                "SELECT s.id, c.code, a.account_ref FROM strategy_actions s JOIN accounts a ON a.id = s.account_id \
                 JOIN creditors c ON c.id = a.creditor_id WHERE s.action = 'letter' ORDER BY s.id LIMIT 1",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            (
                row.try_get(0).unwrap(),
                row.try_get(1).unwrap(),
                row.try_get(2).unwrap(),
            )
        };
        let documents_before = count(&store, "SELECT COUNT(*) FROM documents").await;
        let twice = app
            .send_letter_for_step(
                &actor,
                Some(sent_step),
                &creditor,
                &account_ref,
                "validation_notice",
                app::letters::Lang::En,
                &app.agency(),
                documents.path(),
            )
            .await;
        assert!(
            matches!(
                twice,
                Err(app::letters::LetterError::App(app::Error::Store(
                    store::StoreError::Conflict(_)
                )))
            ),
            "{twice:?}"
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM documents").await,
            documents_before
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM print_queue").await, 8);

        // A-1 has had its validation notice: another would state a period that is not
        // the one running, so a later notice step is skipped with the reason.
        let run_id: i64 = sqlx::query_scalar("SELECT id FROM batch_runs")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let second = add_step(
            &store,
            run_id,
            "A-1",
            "letter",
            "letter = \"validation_notice\"",
        )
        .await;
        let skipped = app_at(&store, later, documents.path())
            .dispatch_treatment(&actor, night(), later)
            .await
            .unwrap();
        assert_eq!(skipped.of("letter").skipped, 1, "{skipped:?}");
        let second = step(&store, second).await;
        assert_eq!(second.status, "skipped");
        assert!(
            second
                .outcome
                .unwrap()
                .contains("validation notice was sent already")
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM print_queue").await, 8);
        assert!(store.verify_audit().await.unwrap().broken.is_none());
    }
}

#[tokio::test]
async fn treatment_refusals_wait_for_the_engines_instant_and_are_skipped_after_max_retry_days() {
    for db in databases().await {
        let (store, run_id) = after_one_night(&db).await;
        set_aside_fired_steps(&store).await;
        let documents = tempfile::tempdir().unwrap();
        let actor = Actor::new("test:dispatch");

        // Bob (A-3) texted STOP: the text step is refused.
        let bob_mobile: String = sqlx::query_scalar(
            "SELECT p.value FROM contact_points p JOIN accounts a ON a.debtor_id = p.debtor_id WHERE a.account_ref = 'A-3' AND p.kind = 'phone_mobile'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        store
            .opt_out(&actor, "sms", &bob_mobile, "test")
            .await
            .unwrap();
        let text = add_step(&store, run_id, "A-3", "sms", "sms = \"payment_reminder\"").await;
        // Ann (A-1) lives in Albany, NY: 23:00 there is no time for an email.
        let email = add_step(
            &store,
            run_id,
            "A-1",
            "email",
            "email = \"payment_reminder\"",
        )
        .await;
        let new_york = jiff::tz::TimeZone::get("America/New_York").unwrap();
        let late_evening = new_york.to_timestamp(night().at(23, 0, 0, 0)).unwrap();
        let next_morning = new_york
            .to_timestamp(night().tomorrow().unwrap().at(8, 0, 0, 0))
            .unwrap();

        let tally = app_at(&store, late_evening, documents.path())
            .dispatch_treatment(&actor, night(), late_evening)
            .await
            .unwrap();
        assert_eq!(tally.of("sms").refused, 1, "{tally:?}");
        assert_eq!(tally.of("email").refused, 1, "{tally:?}");
        let refused_text = step(&store, text).await;
        assert_eq!(refused_text.status, "pending");
        assert_eq!(refused_text.tries, 1);
        assert!(
            refused_text
                .outcome
                .as_deref()
                .unwrap()
                .contains("us.electronic_opt_out"),
            "{refused_text:?}"
        );
        assert!(refused_text.retry_at_us.unwrap() > late_evening.as_microsecond());
        let refused_email = step(&store, email).await;
        assert_eq!(refused_email.status, "pending");
        assert_eq!(refused_email.tries, 1);
        assert_eq!(
            refused_email.retry_at_us,
            Some(next_morning.as_microsecond()),
            "the email waits for 08:00 in Albany: {refused_email:?}"
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM compliance_decisions WHERE decision <> 'allow'"
            )
            .await,
            2,
            "both refusals are in the decision log"
        );

        // At 08:00 in Albany the email goes; the text is still waiting.
        let morning = app_at(&store, next_morning, documents.path())
            .dispatch_treatment(&actor, night().tomorrow().unwrap(), next_morning)
            .await
            .unwrap();
        assert_eq!(morning.of("email").done, 1, "{morning:?}");
        assert_eq!(morning.of("sms"), ActionTally::default(), "{morning:?}");
        let sent_email = step(&store, email).await;
        assert_eq!(sent_email.status, "sent");
        assert_eq!(sent_email.tries, 2);
        let outbox: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
            .bind(store::treatment::message_key(email))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(sent_email.outcome, Some(format!("outbox {outbox}")));

        // The text is refused every day it is tried; 14 days after it fell due it is
        // skipped, and nothing ever went to Bob.
        let mut day = night().tomorrow().unwrap();
        let last_day = night().checked_add(jiff::Span::new().days(14)).unwrap();
        while day <= last_day {
            let at = instant_on(day);
            app_at(&store, at, documents.path())
                .dispatch_treatment(&actor, day, at)
                .await
                .unwrap();
            day = day.tomorrow().unwrap();
        }
        let skipped = step(&store, text).await;
        assert_eq!(skipped.status, "skipped", "{skipped:?}");
        assert!(skipped.tries >= 2, "{skipped:?}");
        let reason = skipped.outcome.unwrap();
        assert!(reason.contains("max_retry_days (14)"), "{reason}");
        assert!(reason.contains("us.electronic_opt_out"), "{reason}");
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM outbox WHERE channel = 'sms'").await,
            0
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM outbox WHERE channel = 'email'"
            )
            .await,
            1
        );
        assert!(store.verify_audit().await.unwrap().broken.is_none());
    }
}

#[tokio::test]
async fn treatment_reviews_escalations_calls_bad_templates_and_a_message_queued_before_a_crash() {
    for db in databases().await {
        let (store, run_id) = after_one_night(&db).await;
        set_aside_fired_steps(&store).await;
        let documents = tempfile::tempdir().unwrap();
        let actor = Actor::new("test:dispatch");
        let question = "No payment after 90 days: keep working, settle, or return to the creditor?";
        let review = add_step(
            &store,
            run_id,
            "A-4",
            "review",
            &format!("review = {question:?}"),
        )
        .await;
        let escalate = add_step(&store, run_id, "B-4", "escalate", "escalate = \"legal\"").await;
        let call = add_step(&store, run_id, "B-3", "call", "call = 80").await;
        let missing = add_step(
            &store,
            run_id,
            "A-2",
            "letter",
            "letter = \"no_such_letter\"",
        )
        .await;
        // A dispatcher queued Dee's (B-1) email and died before marking its step.
        let email = add_step(
            &store,
            run_id,
            "B-1",
            "email",
            "email = \"payment_reminder\"",
        )
        .await;
        let app = app_at(&store, instant_on(night()), documents.path());
        let queued = app
            .send_message(
                &actor,
                None,
                app::contact::AskedBy::Cli,
                &app::messages::Send {
                    creditor: "BETA",
                    account_ref: "B-1",
                    channel: app::messages::Channel::Email,
                    template: "payment_reminder",
                    idempotency_key: Some(store::treatment::message_key(email)),
                    point: None,
                },
            )
            .await
            .unwrap();
        let app::messages::Sent::Queued { id: outbox, .. } = queued else {
            panic!("the email was refused: {queued:?}");
        };

        let tally = app
            .dispatch_treatment(&actor, night(), instant_on(night()))
            .await
            .unwrap();
        assert_eq!(tally.of("review").done, 1, "{tally:?}");
        assert_eq!(tally.of("escalate").done, 1, "{tally:?}");
        assert_eq!(tally.of("call").done, 1, "{tally:?}");
        assert_eq!(tally.of("letter").failed, 1, "{tally:?}");
        assert_eq!(tally.of("email").done, 1, "{tally:?}");

        // The review is a note on A-4 with the strategy's question.
        let notes = store.notes(account_id(&store, "A-4").await).await.unwrap();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].body.contains(question), "{:?}", notes[0]);
        assert_eq!(
            step(&store, review).await.outcome,
            Some(format!("note {}", notes[0].id))
        );
        // The escalation is a note and an audit event on B-4; no hold, no status change.
        let b4 = account_id(&store, "B-4").await;
        let escalation_notes = store.notes(b4).await.unwrap();
        assert_eq!(escalation_notes.len(), 1);
        assert!(escalation_notes[0].body.contains("legal"));
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_events WHERE action = 'account.escalation_requested' AND entity_key = 'BETA/B-4'").await,
            1
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM account_holds").await, 0);
        assert_eq!(step(&store, escalate).await.status, "done");
        assert_eq!(step(&store, call).await.status, "done");
        // No such template: failed with the reason, never retried.
        let failed = step(&store, missing).await;
        assert_eq!(failed.status, "failed");
        assert!(failed.outcome.unwrap().contains("no_such_letter"));
        // The email queued before the crash is the step's message: not queued again.
        assert_eq!(
            step(&store, email).await.outcome,
            Some(format!("outbox {outbox}"))
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox").await, 1);

        let later = instant_on(night()) + jiff::SignedDuration::from_hours(1);
        let again = app_at(&store, later, documents.path())
            .dispatch_treatment(&actor, night(), later)
            .await
            .unwrap();
        assert!(nothing(&again), "{again:?}");
        assert_eq!(store.notes(b4).await.unwrap().len(), 1);
        assert!(store.verify_audit().await.unwrap().broken.is_none());
    }
}

#[test]
fn treatment_steps_read_back_as_the_strategy_wrote_them() {
    use app::treatment::{StepAction, parse_step};
    let question = "Refer to legal? \"Yes\" or no — ¿sí?";
    let step = strategy::Action::Review {
        question: question.into(),
    };
    assert_eq!(
        parse_step("review", &step.to_string()),
        Ok(StepAction::Review(question.into()))
    );
    assert_eq!(parse_step("call", "call = 60"), Ok(StepAction::Call(60)));
    assert_eq!(
        parse_step("escalate", "escalate = \"agency\""),
        Ok(StepAction::Escalate(strategy::Escalation::Agency))
    );
    assert!(parse_step("letter", "email = \"x\"").is_err());
    assert!(parse_step("escalate", "escalate = \"court\"").is_err());
}

/// Three review steps a day apart for every account: a path whose steps are easy to
/// tell apart and that no compliance rule touches.
const ORDERED: &str = r#"
format = 1
name = "ordered"
title = "Three steps in order"
currency = "USD"
aging = "30,60,90,120,150,180"
max_retry_days = 14

[[segment]]
name = "everyone"
note = "Every account."

  [[segment.step]]
  day = 0
  review = "first"

  [[segment.step]]
  day = 1
  review = "second"

  [[segment.step]]
  day = 2
  review = "third"
"#;

/// The step numbers fired for an account so far, in order.
async fn fired(store: &Store, account_ref: &str) -> Vec<i64> {
    let account = account_id(store, account_ref).await;
    sqlx::query_scalar(
        "SELECT step_no FROM strategy_actions WHERE account_id = $1 ORDER BY step_no",
    )
    .bind(account)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn treatment_a_refused_step_holds_back_the_later_steps_of_its_path_until_it_is_sent() {
    for db in databases().await {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let manager = users
            .iter()
            .find(|user| user.role == domain::party::Role::Manager)
            .expect("a manager in the test users");
        App::new(store.clone(), compliance::packs::RuleSet::builtin())
            .load_strategy(
                app::strategies::Acting::User(manager),
                "ordered.toml",
                ORDERED,
                true,
            )
            .await
            .unwrap();
        let run = |day: Date| {
            let db = &db;
            async move {
                let store = db.open(instant_on(day)).await;
                let request = RunRequest {
                    as_of: day,
                    dry_run: false,
                    replay: false,
                    dispatch: false,
                    worker: "test".into(),
                };
                App::new(store.clone(), compliance::packs::RuleSet::builtin())
                    .batch_run(&Actor::new("test:batch"), &request, &quiet)
                    .await
                    .unwrap()
                    .remove(0)
            }
        };
        let day = |offset: i64| night().checked_add(jiff::Span::new().days(offset)).unwrap();

        // Night 1: every account's first step. Ann's (A-1) is refused by compliance and
        // waits for its retry (as the dispatcher leaves it); Bob's (A-3) is done.
        run(day(0)).await;
        assert_eq!(fired(&store, "A-1").await, vec![0]);
        assert_eq!(fired(&store, "A-3").await, vec![0]);
        set_aside_fired_steps(&store).await;
        sqlx::query(
            "UPDATE strategy_actions SET status = 'pending', tries = 1, outcome = 'refused: test', \
             retry_at_us = $1 WHERE account_id = $2",
        )
        .bind(instant_on(day(20)).as_microsecond())
        .bind(account_id(&store, "A-1").await)
        .execute(store.pool())
        .await
        .unwrap();

        // Nights 2 and 3: Bob's path goes on; Ann's waits at its first step.
        for offset in 1..=2 {
            let report = run(day(offset)).await;
            assert_eq!(
                report.summary["strategy"]["waiting_on_a_refused_step"],
                serde_json::json!(1),
                "night {offset}: {}",
                report.summary
            );
        }
        assert_eq!(fired(&store, "A-3").await, vec![0, 1, 2]);
        assert_eq!(
            fired(&store, "A-1").await,
            vec![0],
            "nothing after a refused step"
        );

        // The refused step is sent at last: the next night the path catches up.
        sqlx::query("UPDATE strategy_actions SET status = 'sent' WHERE account_id = $1")
            .bind(account_id(&store, "A-1").await)
            .execute(store.pool())
            .await
            .unwrap();
        let report = run(day(3)).await;
        assert!(
            report.summary["strategy"]
                .get("waiting_on_a_refused_step")
                .is_none(),
            "{}",
            report.summary
        );
        assert_eq!(fired(&store, "A-1").await, vec![0, 1, 2]);
    }
}
