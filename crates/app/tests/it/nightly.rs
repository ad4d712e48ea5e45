//! The nightly engine (`batch run`) on both engines: what a run writes, that a second
//! run for the date and a dry run write nothing, that the past is refused without
//! `--replay`, and that SQLite and PostgreSQL end in the same state.

use crate::support::{first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::nightly::{Progress, RunRequest};
use jiff::civil::{Date, date};
use sqlx::Row;
use store::{Actor, Store};

fn request(as_of: Date) -> RunRequest {
    RunRequest {
        as_of,
        dry_run: false,
        replay: false,
        dispatch: false,
        worker: "test".into(),
    }
}

fn quiet(_: Progress) {}

/// Interest accrues on ACME's accounts (18.00 %); BETA's accrue nothing.
async fn with_interest(store: &Store) {
    let actor = Actor::new("test:setup");
    store
        .set_creditor(
            &actor,
            "ACME",
            None,
            &[
                ("interest_method".into(), "simple_daily_365".into()),
                ("accrue_interest".into(), "true".into()),
            ],
            "interest on",
        )
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET apr_bps = 1800")
        .execute(store.pool())
        .await
        .unwrap();
}

async fn interest_posted(store: &Store, account_ref: &str) -> i64 {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(e.interest_minor), 0) AS BIGINT) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id \
         WHERE a.account_ref = $1 AND e.memo = $2",
    )
    .bind(account_ref)
    .bind(store::nightly::ACCRUAL_MEMO)
    .fetch_one(store.pool())
    .await
    .unwrap();
    row.try_get(0).unwrap()
}

async fn digest(store: &Store) -> String {
    let digests = store.nightly_digest().await.unwrap();
    digests.last().unwrap().1.clone()
}

/// Principal × 18 % × days / 365, rounded half-up: written out here, not taken from the
/// engine.
fn simple_interest_minor(principal_minor: i64, days: i64) -> i64 {
    let numerator = i128::from(principal_minor) * 1800 * i128::from(days);
    ((numerator * 2 + 3_650_000) / 7_300_000) as i64
}

#[tokio::test]
async fn nightly_runs_accrue_age_and_prioritise_the_same_on_both_engines_and_repeat_nothing() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    let mut final_digests = Vec::new();
    for db in databases {
        let start = first_day();
        let store = db.open(instant_on(start)).await;
        set_up(&store).await;
        with_interest(&store).await;
        let actor = Actor::new("test:batch");
        let nights: Vec<Date> = (1..=3)
            .map(|days| start.checked_add(jiff::Span::new().days(days)).unwrap())
            .collect();
        for night in &nights {
            let store = db.open(instant_on(*night)).await;
            let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
            let reports = app
                .batch_run(&actor, &request(*night), &quiet)
                .await
                .unwrap();
            assert_eq!(reports.len(), 1);
            assert!(!reports[0].already_done);
        }
        let last = *nights.last().unwrap();
        let store = db.open(instant_on(last)).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        // A-1 owes 1,200.00 of principal since placement: three days of interest.
        assert_eq!(
            interest_posted(&store, "A-1").await,
            simple_interest_minor(1200_00, 3)
        );
        assert_eq!(
            interest_posted(&store, "B-1").await,
            0,
            "BETA does not accrue"
        );
        // Aged: every active account has a bucket; the queue's order is set.
        let unaged: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts a WHERE a.status = 'active' AND NOT EXISTS (SELECT 1 FROM aging_moves m WHERE m.account_id = a.id)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(unaged, 0);
        let prioritised: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE priority > 0")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert!(prioritised > 0, "accounts with a phone are prioritised");
        let runs = app.batch_runs(10).await.unwrap();
        assert_eq!(runs.len(), 3);
        assert!(
            runs.iter()
                .all(|run| run.status == store::nightly::RunStatus::Done)
        );
        let summary = runs[0].summary.as_ref().unwrap();
        assert_eq!(
            summary["accrue"]["interest_minor"].as_i64().unwrap(),
            sqlx::query_scalar::<_, i64>(
                "SELECT CAST(SUM(interest_minor) AS BIGINT) FROM ledger_entries WHERE effective_on = $1 AND memo = $2"
            )
            .bind(last.to_string())
            .bind(store::nightly::ACCRUAL_MEMO)
            .fetch_one(store.pool())
            .await
            .unwrap(),
            "the summary counts what was posted"
        );

        // A second run for the date changes nothing; a dry run writes nothing.
        let before = digest(&store).await;
        let again = app.batch_run(&actor, &request(last), &quiet).await.unwrap();
        assert!(again[0].already_done);
        let dry = app
            .batch_run(
                &actor,
                &RunRequest {
                    dry_run: true,
                    as_of: last.checked_add(jiff::Span::new().days(1)).unwrap(),
                    ..request(last)
                },
                &quiet,
            )
            .await
            .unwrap();
        assert!(dry[0].dry_run);
        assert!(
            dry[0].summary["accrue"]["interest_minor"].as_i64().unwrap() > 0,
            "a dry run tells what the next night would post: {}",
            dry[0].summary
        );
        assert_eq!(digest(&store).await, before, "nothing was written");
        assert_eq!(app.batch_runs(10).await.unwrap().len(), 3);

        // The past needs --replay.
        let refused = app.batch_run(&actor, &request(nights[0]), &quiet).await;
        let message = refused.err().unwrap().to_string();
        assert!(message.contains("--replay"), "{message}");
        final_digests.push(before);
    }
    if final_digests.len() == 2 {
        assert_eq!(
            final_digests[0], final_digests[1],
            "SQLite and PostgreSQL end in the same state"
        );
    }
}

fn day(start: Date, days: i64) -> Date {
    start.checked_add(jiff::Span::new().days(days)).unwrap()
}

async fn run_night(db: &crate::support::TestDb, night: Date, replay: bool) {
    let store = db.open(instant_on(night)).await;
    let app = app::App::new(store, compliance::packs::RuleSet::builtin());
    let request = RunRequest {
        replay,
        ..request(night)
    };
    app.batch_run(&Actor::new("test:batch"), &request, &quiet)
        .await
        .unwrap();
}

/// A payment of 200.00 on A-1, dated `paid_on`, recorded at `recorded_on`.
async fn pay(db: &crate::support::TestDb, paid_on: Date, recorded_on: Date) {
    use domain::payment::{IncomingPayment, Item, ItemKind, Method};
    let store = db.open(instant_on(recorded_on)).await;
    let item = Item {
        line: 1,
        kind: ItemKind::Payment(IncomingPayment {
            creditor: Some("ACME".into()),
            account_ref: "A-1".into(),
            fallback_ref: None,
            payment_ref: "LATE-1".into(),
            paid_on,
            amount: domain::money::Amount::from_minor(200_00),
            method: Method::Ach,
            trace: None,
        }),
    };
    let posting = store::money::Posting {
        source: store::money::Source::Csv,
        file_name: "bank.csv",
        sha256: "",
        user_id: None,
        reason: "bank file",
        dry_run: false,
    };
    let report = store
        .post_payments(&Actor::new("bank"), &posting, &[item])
        .await
        .unwrap();
    assert_eq!(report.payments_posted, 1);
}

/// Per account: its balance by bucket, its bucket, and what the engine decided.
async fn account_state(db: &crate::support::TestDb, on: Date) -> Vec<String> {
    let store = db.open(instant_on(on)).await;
    let rows = sqlx::query(
        "SELECT a.account_ref, \
         CAST((SELECT COALESCE(SUM(e.principal_minor), 0) FROM ledger_entries e WHERE e.account_id = a.id) AS BIGINT), \
         CAST((SELECT COALESCE(SUM(e.interest_minor), 0) FROM ledger_entries e WHERE e.account_id = a.id) AS BIGINT), \
         CAST((SELECT COALESCE(SUM(e.fees_minor), 0) FROM ledger_entries e WHERE e.account_id = a.id) AS BIGINT), \
         (SELECT m.bucket FROM aging_moves m WHERE m.account_id = a.id ORDER BY m.id DESC LIMIT 1), \
         n.score, n.score_reasons, n.segment, n.segment_since, n.arm, n.steps_done, n.queue_priority, a.priority \
         FROM accounts a JOIN account_nightly n ON n.account_id = a.id ORDER BY a.account_ref",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|row| {
            format!(
                "{} principal {} interest {} fees {} bucket {} score {} {} segment {} since {} arm {} steps {} queue {} priority {}",
                row.get::<String, _>(0),
                row.get::<i64, _>(1),
                row.get::<i64, _>(2),
                row.get::<i64, _>(3),
                row.get::<String, _>(4),
                row.get::<i64, _>(5),
                row.get::<String, _>(6),
                row.get::<String, _>(7),
                row.get::<String, _>(8),
                row.get::<String, _>(9),
                row.get::<i64, _>(10),
                row.get::<i64, _>(11),
                row.get::<i64, _>(12),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_backdated_payment_replayed_gives_the_state_of_a_payment_posted_on_time() {
    let start = first_day();
    let mut databases = vec![(sqlite_db(), sqlite_db())];
    if let (Some(on_time), Some(late)) = (postgres_db().await, postgres_db().await) {
        databases.push((on_time, late));
    }
    for (on_time, late) in databases {
        for db in [&on_time, &late] {
            let store = db.open(instant_on(start)).await;
            set_up(&store).await;
            with_interest(&store).await;
        }
        // On time: the payment dated day 2 is posted on day 2, before that night's run.
        run_night(&on_time, day(start, 1), false).await;
        pay(&on_time, day(start, 2), day(start, 2)).await;
        for night in 2..=5 {
            run_night(&on_time, day(start, night), false).await;
        }
        // Late: the same payment arrives after the run of day 5, dated day 2.
        for night in 1..=5 {
            run_night(&late, day(start, night), false).await;
        }
        let before_replay = account_state(&late, day(start, 5)).await;
        pay(&late, day(start, 2), day(start, 5)).await;
        // Replaying needs --replay; then every night from day 2 is run again.
        let store = late.open(instant_on(day(start, 5))).await;
        let app = app::App::new(store, compliance::packs::RuleSet::builtin());
        let refused = app
            .batch_run(&Actor::new("test:batch"), &request(day(start, 2)), &quiet)
            .await;
        assert!(refused.is_err());
        run_night(&late, day(start, 2), true).await;
        let expected = account_state(&on_time, day(start, 5)).await;
        let replayed = account_state(&late, day(start, 5)).await;
        assert_ne!(
            before_replay, expected,
            "the late payment made a difference"
        );
        assert_eq!(replayed, expected);
    }
}

async fn late_fees_of(store: &Store, account_ref: &str) -> Vec<(String, i64)> {
    let rows = sqlx::query(
        "SELECT e.effective_on, e.fees_minor FROM ledger_entries e JOIN accounts a ON a.id = e.account_id \
         WHERE a.account_ref = $1 AND e.reason = 'fee' ORDER BY e.id",
    )
    .bind(account_ref)
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1)))
        .collect()
}

#[tokio::test]
async fn a_missed_installment_is_charged_the_late_fee_once_by_the_nightly_run() {
    use app::money::{Agreed, PlanRequest};
    use domain::money::{Amount, BasisPoints};
    use domain::plan::{Frequency, Sizing};
    let start = first_day();
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(start)).await;
        let users = set_up(&store).await;
        store
            .set_creditor(
                &Actor::new("test:setup"),
                "ACME",
                None,
                &[("late_fee".into(), "15.00".into())],
                "late fees",
            )
            .await
            .unwrap();
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let agent = &users[0];
        let view = app.account(agent, "ACME", "A-1", start).await.unwrap();
        // 120.00 down today, then ten monthly installments from 1 December; grace 5
        // days, the plan breaks at the second miss.
        let request = PlanRequest {
            frequency: Frequency::Monthly,
            sizing: Sizing::Count(10),
            first_due: date(2026, 12, 1),
            down_payment: Amount::from_minor(120_00),
            down_payment_on: Some(start),
            apr: BasisPoints::new(0).unwrap(),
            replace: false,
        };
        let (agreed, _) = app
            .agree_plan(agent, &view, view.version, &request)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(agreed, Agreed::Active { .. }), "{agreed:?}");
        run_night(&db, date(2026, 11, 28), false).await;
        let store = db.open(instant_on(date(2026, 11, 28))).await;
        assert!(late_fees_of(&store, "A-1").await.is_empty(), "within grace");
        for night in [date(2026, 11, 29), date(2026, 11, 30)] {
            run_night(&db, night, false).await;
        }
        let store = db.open(instant_on(date(2026, 11, 30))).await;
        assert_eq!(
            late_fees_of(&store, "A-1").await,
            vec![("2026-11-29".to_string(), 15_00)],
            "the down payment missed its grace: one fee, once"
        );
        for night in [date(2026, 12, 7), date(2026, 12, 8)] {
            run_night(&db, night, false).await;
        }
        let store = db.open(instant_on(date(2026, 12, 8))).await;
        assert_eq!(
            late_fees_of(&store, "A-1").await,
            vec![
                ("2026-11-29".to_string(), 15_00),
                ("2026-12-07".to_string(), 15_00)
            ],
            "the first installment missed too; the plan broke with it and owes no more fees"
        );
        let broken: String = sqlx::query_scalar(
            "SELECT r.status FROM arrangements r JOIN accounts a ON a.id = r.account_id WHERE a.account_ref = 'A-1'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(broken, "broken");
    }
}

async fn queue_priority_of(store: &Store, account_ref: &str) -> i64 {
    sqlx::query_scalar("SELECT priority FROM accounts WHERE account_ref = $1")
        .bind(account_ref)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Tomorrow's queue asks the compliance pipeline: a debtor spoken to today may not be
/// called for seven days (12 CFR 1006.14(b)(2)(ii)), so the night's queue leaves their
/// account out — counted as refused — and puts it back on the night before the call is
/// allowed again. The same on both engines.
#[tokio::test]
async fn tomorrows_queue_holds_only_accounts_the_compliance_pipeline_lets_be_called() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let start = first_day();
        let store = db.open(instant_on(start)).await;
        let users = set_up(&store).await;
        let ana = &users[0];
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        crate::support::conversation(&app, ana, "ACME", "A-3", start).await;

        let actor = Actor::new("test:batch");
        let reports = app
            .batch_run(&actor, &request(start), &quiet)
            .await
            .unwrap();
        let queue = &reports[0].summary["queue"];
        assert_eq!(queue_priority_of(&store, "A-3").await, 0, "{queue}");
        assert_eq!(queue["not_allowed_tomorrow"].as_i64(), Some(1), "{queue}");
        for other in ["A-1", "A-4", "B-3"] {
            assert!(
                queue_priority_of(&store, other).await > 0,
                "{other} may be called tomorrow: {queue}"
            );
        }
        assert_eq!(
            queue["callable_by_creditor"]["ACME"].as_i64().unwrap()
                + queue["callable_by_creditor"]["BETA"].as_i64().unwrap(),
            queue["callable"].as_i64().unwrap(),
            "each team's queue: {queue}"
        );

        // The night before the seventh day is over, the account is back in the queue.
        let week_on = start.checked_add(jiff::Span::new().days(7)).unwrap();
        let store = db.open(instant_on(week_on)).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let reports = app
            .batch_run(&actor, &request(week_on), &quiet)
            .await
            .unwrap();
        let queue = &reports[0].summary["queue"];
        assert!(queue.get("not_allowed_tomorrow").is_none(), "{queue}");
        assert!(queue_priority_of(&store, "A-3").await > 0, "{queue}");
    }
}

/// A manager's explanation of a score is the score the night stored, for every account,
/// on nights interest accrued (the explanation reads the balance with the night's
/// accrual, as the run scored it).
#[tokio::test]
async fn the_score_explained_is_the_score_stored_on_nights_interest_accrues() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let start = first_day();
        let store = db.open(instant_on(start)).await;
        let users = set_up(&store).await;
        with_interest(&store).await;
        let manager = users
            .iter()
            .find(|user| user.role == domain::party::Role::Manager)
            .unwrap();
        let actor = Actor::new("test:batch");
        let mut last = start;
        for days in 1..=3 {
            last = start.checked_add(jiff::Span::new().days(days)).unwrap();
            let store = db.open(instant_on(last)).await;
            let app = app::App::new(store, compliance::packs::RuleSet::builtin());
            app.batch_run(&actor, &request(last), &quiet).await.unwrap();
        }
        assert!(interest_posted(&store, "A-1").await > 0, "interest accrued");
        let store = db.open(instant_on(last)).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let accounts: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.code, a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id ORDER BY a.id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        for (creditor, account_ref) in accounts {
            let explained = app
                .explain_score(
                    app::strategies::Acting::User(manager),
                    &creditor,
                    &account_ref,
                    last,
                )
                .await
                .unwrap()
                .unwrap();
            let stored = explained.stored.clone().unwrap();
            assert_eq!(stored.as_of, last);
            assert_eq!(
                stored.score,
                Some(i64::from(explained.explanation.score)),
                "{account_ref}: {:?}",
                explained.features
            );
        }
    }
}

/// People's writes go first: an agent adding notes while the night runs makes it end
/// its transactions after the part in hand (many more transactions than alone), and
/// the night ends exactly as it does alone. Parts of one debtor, so a transaction can
/// end after any of them. Both engines.
#[tokio::test]
async fn a_night_that_lets_an_agent_write_first_ends_as_it_does_alone() {
    // Each test runs in a process of its own (nextest): this reaches only this one.
    // SAFETY: set before any thread of this test reads the environment.
    unsafe { std::env::set_var("ARREARS_BATCH_DEBTORS_PER_PART", "1") };
    let mut databases = vec![(sqlite_db(), sqlite_db())];
    if let (Some(alone), Some(busy)) = (postgres_db().await, postgres_db().await) {
        databases.push((alone, busy));
    }
    let night = first_day().checked_add(jiff::Span::new().days(1)).unwrap();
    let actor = Actor::new("test:batch");
    let text = crate::support::generated_text(400, 7);
    for (alone, busy) in databases {
        let mut ends = Vec::new();
        for (db, with_agent) in [(alone, false), (busy, true)] {
            let store = db.open(instant_on(night)).await;
            let users = set_up(&store).await;
            crate::support::import_text(&store, &text).await;
            with_interest(&store).await;
            let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let agent = with_agent.then(|| {
                let (app, stop, ana) = (app.clone(), stop.clone(), users[0].clone());
                tokio::spawn(async move {
                    let mut notes = 0;
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        let view = app.account(&ana, "ACME", "A-1", night).await.unwrap();
                        app.add_note(&ana, &view, view.version, "called, no answer")
                            .await
                            .unwrap()
                            .unwrap();
                        notes += 1;
                    }
                    notes
                })
            });
            // The agent is at work before the night starts.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let reports = app
                .batch_run(&actor, &request(night), &quiet)
                .await
                .unwrap();
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            if let Some(agent) = agent {
                assert!(agent.await.unwrap() > 0, "the agent's notes were written");
            }
            let chunk = &reports[0].summary["chunk"];
            ends.push((
                digest(&store).await,
                chunk["writes"].as_i64().unwrap(),
                chunk["parts"].as_i64().unwrap(),
            ));
        }
        let ((alone_digest, alone_writes, alone_parts), (busy_digest, busy_writes, busy_parts)) =
            (ends[0].clone(), ends[1].clone());
        assert_eq!(alone_parts, busy_parts, "the same parts, one debtor each");
        assert!(
            busy_writes > alone_writes,
            "with an agent writing, the night ended transactions early ({busy_writes} against {alone_writes} alone)"
        );
        assert_eq!(busy_digest, alone_digest, "the same end state");
    }
}
