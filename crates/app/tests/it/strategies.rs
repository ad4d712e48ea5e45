//! Strategies and models as stored versions (`app::strategies`) on both engines: a file
//! is checked before anything is stored, the same text loads once, one version is
//! active, only managers and admins manage them; the champion/challenger comparison
//! counts payments not returned, conversations and promises per arm; the refit's
//! samples are labelled by the payments within 30 days of an attempt; an account's
//! explained score is the one the nightly run stored.

use crate::support::{conversation, first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::strategies::{Acting, LoadError, RefitError};
use app::{App, Error};
use compliance::packs::RuleSet;
use domain::money::Amount;
use domain::payment::{IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original};
use jiff::ToSpan;
use jiff::civil::Date;
use store::Actor;
use store::money::{Posting, Source};

const AGENT: usize = 0; // ana, ACME
const MANAGER: usize = 4; // max
const ADMIN: usize = 6; // ada

async fn databases() -> Vec<crate::support::TestDb> {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    databases
}

async fn audit_events(app: &App, action: &str) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
}

fn renamed(name: &str) -> String {
    strategy::DEFAULT.replacen("name = \"default\"", &format!("name = \"{name}\""), 1)
}

#[tokio::test]
async fn strategy_versions_load_once_one_is_active_and_a_bad_file_stores_nothing() {
    for db in databases().await {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = App::new(store.clone(), RuleSet::builtin());
        let manager = Acting::User(&users[MANAGER]);

        // An agent may not; a broken file is refused with every problem, nothing stored.
        let refused = app
            .load_strategy(
                Acting::User(&users[AGENT]),
                "s.toml",
                strategy::DEFAULT,
                false,
            )
            .await;
        assert!(matches!(refused, Err(LoadError::App(Error::Forbidden(_)))));
        let broken = strategy::DEFAULT.replacen("day = 0", "day = -3", 1);
        let Err(LoadError::Invalid(problems)) =
            app.load_strategy(manager, "mine.toml", &broken, true).await
        else {
            panic!("a negative day loads");
        };
        let line = broken
            .lines()
            .position(|line| line.contains("day = -3"))
            .unwrap()
            + 1;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .to_string()
                .starts_with(&format!("mine.toml:{line}: segment[")),
            "{}",
            problems[0]
        );
        assert!(
            problems[0]
                .to_string()
                .contains("].day: -3 is not 0 … 3650")
        );
        assert!(app.strategy_versions(manager).await.unwrap().is_empty());
        assert_eq!(audit_events(&app, "strategy.loaded").await, 0);
        assert!(app.active_strategy().await.unwrap().is_none(), "built-in");

        // The same text loads once; a changed text is the next version.
        let first = app
            .load_strategy(manager, "default.toml", strategy::DEFAULT, false)
            .await
            .unwrap();
        assert!(first.new && !first.activated);
        assert_eq!(
            (first.version.name.as_str(), first.version.version),
            ("default", 1)
        );
        let again = app
            .load_strategy(manager, "copy.toml", strategy::DEFAULT, false)
            .await
            .unwrap();
        assert!(!again.new);
        assert_eq!(again.version.id, first.version.id);
        assert_eq!(audit_events(&app, "strategy.loaded").await, 1);
        let edited = strategy::DEFAULT.replacen("max_retry_days = 14", "max_retry_days = 10", 1);
        assert_ne!(edited, strategy::DEFAULT);
        let second = app
            .load_strategy(manager, "default.toml", &edited, false)
            .await
            .unwrap();
        assert_eq!(second.version.version, 2);
        assert!(app.active_strategy().await.unwrap().is_none());

        // One active at a time, across names; the stored text is the file unchanged.
        app.activate_strategy(manager, "default", 1).await.unwrap();
        let (id, active) = app.active_strategy().await.unwrap().unwrap();
        assert_eq!(id, first.version.id);
        assert_eq!(active.source_text(), strategy::DEFAULT);
        let other = app
            .load_strategy(
                Acting::User(&users[ADMIN]),
                "other.toml",
                &renamed("other"),
                true,
            )
            .await
            .unwrap();
        assert!(other.activated);
        assert_eq!(other.version.version, 1, "numbered per name");
        let versions = app.strategy_versions(manager).await.unwrap();
        let active: Vec<String> = versions
            .iter()
            .filter(|version| version.active)
            .map(|version| version.key())
            .collect();
        assert_eq!(active, ["other/1"]);
        assert_eq!(
            app.active_strategy()
                .await
                .unwrap()
                .unwrap()
                .1
                .max_retry_days(),
            14
        );
        assert_eq!(
            app.strategy_text(manager, Some("default"), Some(2))
                .await
                .unwrap()
                .unwrap()
                .source,
            edited
        );
        // An agent may not activate; an unknown version is not found.
        assert!(matches!(
            app.activate_strategy(Acting::User(&users[AGENT]), "default", 2)
                .await,
            Err(Error::Forbidden(_))
        ));
        assert!(app.activate_strategy(manager, "default", 9).await.is_err());
        assert_eq!(audit_events(&app, "strategy.activated").await, 2);
        assert!(store.verify_audit().await.unwrap().broken.is_none());
    }
}

#[tokio::test]
async fn model_versions_load_once_and_a_bad_model_is_refused_with_its_line() {
    for db in databases().await {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = App::new(store.clone(), RuleSet::builtin());
        let manager = Acting::User(&users[MANAGER]);
        let (_, text) = score::file::DEFAULT_FILE;
        let broken = text.replacen("transform = \"cap:720\"", "transform = \"sqrt\"", 1);
        let line = broken.lines().position(|l| l.contains("\"sqrt\"")).unwrap() + 1;
        let Err(LoadError::Invalid(problems)) =
            app.load_model(manager, "model.toml", &broken, true).await
        else {
            panic!("an unknown transform loads");
        };
        assert!(
            problems[0]
                .to_string()
                .starts_with(&format!("model.toml:{line}: feature[")),
            "{}",
            problems[0]
        );
        assert!(app.model_versions(manager).await.unwrap().is_empty());
        assert!(app.active_model().await.unwrap().is_none());
        let loaded = app
            .load_model(manager, "model.toml", text, true)
            .await
            .unwrap();
        assert!(loaded.new && loaded.activated);
        assert!(
            !app.load_model(manager, "m.toml", text, true)
                .await
                .unwrap()
                .new
        );
        let (id, model) = app.active_model().await.unwrap().unwrap();
        assert_eq!(id, loaded.version.id);
        assert_eq!(&model, score::Model::default_model());
        assert!(matches!(
            app.load_model(Acting::User(&users[AGENT]), "m.toml", text, true)
                .await,
            Err(LoadError::App(Error::Forbidden(_)))
        ));
    }
}

fn bank() -> Posting<'static> {
    Posting {
        source: Source::Csv,
        file_name: "bank.csv",
        sha256: "",
        user_id: None,
        reason: "test payments",
        dry_run: false,
    }
}

fn payment(creditor: &str, account_ref: &str, reference: &str, on: Date, minor: i64) -> Item {
    Item {
        line: 1,
        kind: ItemKind::Payment(IncomingPayment {
            creditor: Some(creditor.into()),
            account_ref: account_ref.into(),
            fallback_ref: None,
            payment_ref: reference.into(),
            paid_on: on,
            amount: Amount::from_minor(minor),
            method: Method::Ach,
            trace: None,
        }),
    }
}

fn returned(creditor: &str, reference: &str, on: Date, minor: i64) -> Item {
    Item {
        line: 1,
        kind: ItemKind::Return(IncomingReturn {
            creditor: Some(creditor.into()),
            original: Original::PaymentRef(reference.into()),
            return_ref: format!("{reference}-R"),
            returned_on: on,
            amount: Amount::from_minor(minor),
            return_code: Some("R01".into()),
        }),
    }
}

async fn night(db: &crate::support::TestDb, day: Date) -> App {
    let store = db.open(instant_on(day)).await;
    let app = App::new(store, RuleSet::builtin());
    let request = app::nightly::RunRequest {
        as_of: day,
        dry_run: false,
        replay: false,
        dispatch: false,
        worker: "test".into(),
    };
    app.batch_run(&Actor::new("test:batch"), &request, &|_| {})
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn arms_compare_on_payments_not_returned_conversations_and_promises() {
    for db in databases().await {
        let start = first_day();
        let store = db.open(instant_on(start)).await;
        let users = set_up(&store).await;
        let app = night(&db, start).await;
        // The run put every account in the built-in strategy's only arm; a challenger
        // took BETA's accounts (as a split would), and one account's arm was removed.
        for sql in [
            "UPDATE account_nightly SET arm = 'trial' WHERE account_id IN (SELECT a.id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = 'BETA')",
            "UPDATE account_nightly SET arm = 'gone' WHERE account_id = (SELECT id FROM accounts WHERE account_ref = 'A-4')",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
        }
        let paid_on = start;
        store
            .post_payments(
                &Actor::new("bank"),
                &bank(),
                &[
                    payment("ACME", "A-1", "P1", paid_on, 100_00),
                    payment("BETA", "B-1", "P2", paid_on, 50_00),
                    payment("BETA", "B-2", "P3", paid_on, 25_00),
                ],
            )
            .await
            .unwrap();
        store
            .post_payments(
                &Actor::new("bank"),
                &bank(),
                &[returned("BETA", "P2", paid_on, 50_00)],
            )
            .await
            .unwrap();
        conversation(&app, &users[AGENT], "ACME", "A-2", start).await;

        let text = format!(
            "{}\n[[challenger]]\nname = \"trial\"\nshare_percent = 50\n",
            strategy::DEFAULT.replacen(
                "max_retry_days = 14",
                "max_retry_days = 14\nchampion_share_percent = 50",
                1
            )
        );
        let strategy = strategy::Strategy::parse("trial.toml", &text)
            .unwrap_or_else(|problems| panic!("{problems:?}"));
        assert!(matches!(
            app.compare_arms(Acting::User(&users[AGENT]), &strategy)
                .await,
            Err(Error::Forbidden(_))
        ));
        let (comparison, left_out) = app
            .compare_arms(Acting::User(&users[MANAGER]), &strategy)
            .await
            .unwrap();
        assert_eq!(left_out, 1, "A-4's arm is not in the strategy");
        let arm = |name: &str| {
            comparison
                .arms
                .iter()
                .find(|(arm, _)| arm == name)
                .unwrap()
                .1
        };
        let champion = arm("champion");
        // placed 1,200.00 + 450.00 + 120.00; A-1 paid 100.00.
        assert_eq!(champion.accounts, 3);
        assert_eq!(champion.placed_total_minor, 1770_00);
        assert_eq!(champion.collected_total_minor, 100_00);
        assert_eq!(champion.right_party_contact_rate.unwrap().value, 1.0 / 3.0);
        assert!(champion.promise_kept_rate.is_none(), "no promise decided");
        let trial = arm("trial");
        // B-1 … B-4 placed 800.00 + 1,500.00 + 650.00 + 3,000.00; B-1's 50.00 came back.
        assert_eq!(trial.accounts, 4);
        assert_eq!(trial.placed_total_minor, 5950_00);
        assert_eq!(trial.collected_total_minor, 25_00);
        assert_eq!(trial.right_party_contact_rate.unwrap().value, 0.0);
        assert_eq!(
            comparison.verdicts[0].verdict,
            strategy::compare::Verdict::TooFewAccounts
        );
    }
}

#[tokio::test]
async fn refit_samples_are_attempts_labelled_by_payments_within_30_days_and_explain_matches_the_run()
 {
    for db in databases().await {
        let start = first_day();
        let store = db.open(instant_on(start)).await;
        let users = set_up(&store).await;
        let app = App::new(store.clone(), RuleSet::builtin());
        let ana = &users[AGENT];
        let day = |days: i64| start.checked_add(days.days()).unwrap();
        // talked to on day 0, paid on day 10 (within 30 days) → paid.
        // talked to on day 0 and day 10, paid on day 45 → not paid, twice; the
        //      second attempt's facts count the first.
        // talked to on day 0, paid on day 5 but the payment came back → not paid.
        // talked to on day 50 → its 30 days have not passed by day 60: no sample.
        for (account, on) in [("A-1", 0), ("A-2", 0), ("A-2", 10), ("A-3", 0), ("A-4", 50)] {
            conversation(&app, ana, "ACME", account, day(on)).await;
        }
        store
            .post_payments(
                &Actor::new("bank"),
                &bank(),
                &[
                    payment("ACME", "A-1", "Q1", day(10), 10_00),
                    payment("ACME", "A-2", "Q2", day(45), 10_00),
                    payment("ACME", "A-3", "Q3", day(5), 10_00),
                ],
            )
            .await
            .unwrap();
        store
            .post_payments(
                &Actor::new("bank"),
                &bank(),
                &[returned("ACME", "Q3", day(7), 10_00)],
            )
            .await
            .unwrap();
        let mut samples = Vec::new();
        store
            .training_samples(day(60), |sample| {
                samples.push(sample);
                Ok(())
            })
            .await
            .unwrap();
        let mut seen = Vec::new();
        for sample in &samples {
            let account_ref: String =
                sqlx::query_scalar("SELECT account_ref FROM accounts WHERE id = $1")
                    .bind(sample.facts.account_id)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            seen.push((
                account_ref,
                sample.facts.as_of,
                sample.facts.attempts_30d,
                sample.paid,
            ));
        }
        let before = |days: i64| day(days).yesterday().unwrap();
        assert_eq!(
            seen,
            [
                ("A-1".to_string(), before(0), 0, true),
                ("A-2".to_string(), before(0), 0, false),
                ("A-2".to_string(), before(10), 1, false),
                ("A-3".to_string(), before(0), 0, false),
            ]
        );
        // Four samples are far too few to fit: the refit says so and writes nothing.
        let refit = app
            .refit_model(Acting::User(&users[MANAGER]), day(60))
            .await;
        assert!(
            matches!(
                refit,
                Err(RefitError::Fit(score::FitError::TooFewSamples {
                    samples: 4
                }))
            ),
            "{refit:?}"
        );

        // The score explained as of a night is the score that night's run stored.
        let app = night(&db, day(61)).await;
        let explained = app
            .explain_score(Acting::User(&users[MANAGER]), "ACME", "A-2", day(61))
            .await
            .unwrap()
            .unwrap();
        let stored = explained.stored.clone().unwrap();
        assert_eq!(stored.as_of, day(61));
        assert_eq!(stored.score, Some(i64::from(explained.explanation.score)));
        assert_eq!(
            stored.reasons.as_deref(),
            Some(explained.scored.codes().as_str())
        );
        assert_eq!(explained.features.payments_count, 1);
        assert_eq!(explained.features.right_party_contacts_last_90_days, 2);
        assert!(explained.model_id.is_none(), "the built-in model");
        assert!(
            app.explain_score(Acting::User(&users[MANAGER]), "ACME", "NO-SUCH", day(61))
                .await
                .unwrap()
                .is_none()
        );
    }
}
