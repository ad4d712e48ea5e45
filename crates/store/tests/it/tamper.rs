//! Issue 13, finding 5: someone with write access to the database but not the key edits
//! or deletes what matters and covers their tracks as well as raw SQL allows. Each
//! tamper must make `verify_audit` fail and name what was edited: which table, which
//! row, what differs. A database changed only through Arrears verifies intact.

use crate::support::*;
use domain::account::{HoldKind, Status};
use domain::money::Amount;
use domain::party::Role;
use domain::payment::{IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original, Source};
use jiff::civil::date;
use store::Store;
use store::decisions::NewDecision;
use store::money::Posting;

pub const PASSWORD: &str = "correct horse battery";
const PLACEMENTS: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,date_of_birth,ssn_last4\n\
ACME,A-1,D1,Ann,Lee,1000.00,USD,2026-03-01,1980-02-03,1234\n\
ACME,A-2,D2,Bob,Ray,1000.00,USD,2026-03-01,1975-06-07,\n\
BETA,B-1,D3,Cy,Dee,500.00,USD,2026-03-01,,\n";

pub fn payment(account: &str, reference: &str, minor: i64) -> Item {
    Item {
        line: 1,
        kind: ItemKind::Payment(IncomingPayment {
            creditor: Some("ACME".into()),
            account_ref: account.into(),
            fallback_ref: None,
            payment_ref: reference.into(),
            paid_on: date(2026, 11, 20),
            amount: Amount::from_minor(minor),
            method: Method::Ach,
            trace: None,
        }),
    }
}

fn nsf(reference: &str, minor: i64) -> Item {
    Item {
        line: 1,
        kind: ItemKind::Return(IncomingReturn {
            creditor: Some("ACME".into()),
            original: Original::PaymentRef(reference.into()),
            return_ref: format!("{reference}-R"),
            returned_on: date(2026, 11, 22),
            amount: Amount::from_minor(minor),
            return_code: Some("R01".into()),
        }),
    }
}

pub async fn post(store: &Store, items: &[Item]) {
    let posting = Posting {
        source: Source::Csv,
        file_name: "payments.csv",
        sha256: "",
        user_id: None,
        reason: "bank file",
        dry_run: false,
    };
    store
        .post_payments(&actor(), &posting, items)
        .await
        .unwrap();
}

fn decision(account_id: i64, minute: i64) -> NewDecision {
    let decided_at: jiff::Timestamp = NOW.parse().unwrap();
    let decided_at = decided_at
        .checked_add(jiff::Span::new().minutes(minute))
        .unwrap();
    NewDecision {
        account_id,
        decided_at,
        asked_by: "dialer",
        action: "call".into(),
        contact_point: Some("+16175550100".into()),
        allowed: true,
        rules: Vec::new(),
        next_allowed_at: None,
        packs: vec!["us@1".into()],
        request_json: format!(r#"{{"now":"{decided_at}"}}"#),
        answer_json: r#"{"decision":"allow"}"#.into(),
    }
}

/// Accounts ACME/A-1 (id 1, debtor D1 Ann Lee, born 1980-02-03, SSN last 4 1234),
/// ACME/A-2 (id 2, born 1975-06-07), BETA/B-1 (id 3); user
/// maria (id 1) works ACME; a dispute hold (id 1) on A-1; payment PAY-1 (id 1, 50.00) on
/// A-2; one batch of compliance decisions; and a last event after all of them, so none
/// of the rows the tests edit was written by the chain's last event.
pub async fn setup(db: &TestDb) -> Store {
    let store = db.open().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("placements.csv");
    std::fs::write(&path, PLACEMENTS).unwrap();
    try_import(&store, &path).await.unwrap();
    store
        .add_user(&actor(), "maria", Role::Agent, PASSWORD)
        .await
        .unwrap();
    store
        .assign_creditors(&actor(), "maria", &["ACME".to_string()])
        .await
        .unwrap();
    store
        .place_hold(
            &actor(),
            "ACME",
            "A-1",
            HoldKind::Dispute,
            "letter of 2026-11-20",
            "the debtor disputes the debt",
        )
        .await
        .unwrap();
    post(&store, &[payment("A-2", "PAY-1", 50_00)]).await;
    store
        .record_decisions(&actor(), "dialer list", &[decision(1, 0), decision(2, 1)])
        .await
        .unwrap();
    store
        .add_user(&actor(), "omar", Role::Supervisor, PASSWORD)
        .await
        .unwrap();
    assert_eq!(intact(&store).await, None, "{}", db.url);
    store
}

pub async fn intact(store: &Store) -> Option<String> {
    store.verify_audit().await.unwrap().broken
}

async fn broken(store: &Store) -> String {
    store
        .verify_audit()
        .await
        .unwrap()
        .broken
        .expect("verify_audit finds the tampering")
}

async fn head(store: &Store) -> (i64, String) {
    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Every writer of the sealed rows keeps the seals right: holds placed and released,
/// statuses moved by hand and by payments, payments and their returns, users, creditor
/// assignments changed twice, decisions, a second import.
#[tokio::test]
async fn a_database_changed_only_through_arrears_verifies_intact() {
    for db in engines().await {
        let store = setup(&db).await;
        store
            .release_hold(&actor(), "ACME", "A-1", HoldKind::Dispute, "resolved")
            .await
            .unwrap();
        store
            .place_hold(&actor(), "ACME", "A-1", HoldKind::Cease, "", "cease letter")
            .await
            .unwrap();
        store
            .change_status(&actor(), "BETA", "B-1", Status::Recalled, "creditor asked")
            .await
            .unwrap();
        post(
            &store,
            &[payment("A-2", "PAY-2", 950_00), nsf("PAY-1", 50_00)],
        )
        .await;
        store
            .assign_creditors(&actor(), "maria", &["ACME".into(), "BETA".into()])
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), "maria", &["BETA".into()])
            .await
            .unwrap();
        store
            .record_decisions(&actor(), "agent attempt", &[decision(2, 9)])
            .await
            .unwrap();
        let (file, summary) = generated_file(30, 3);
        import(&store, file.path(), &summary).await;
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.broken, None, "{}", db.url);
        assert_eq!(report.decisions, 3);
        // Reopened, the same database still verifies and still takes changes.
        store.close().await;
        let store = db.open().await;
        store
            .change_status(&actor(), "ACME", "A-1", Status::Closed, "closed")
            .await
            .unwrap();
        assert_eq!(intact(&store).await, None, "{}", db.url);
        store.close().await;
    }
}

#[tokio::test]
async fn a_deleted_hold_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(&store, "DELETE FROM account_holds WHERE id = 1").await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("account_holds 1 ")
                && broken.contains("missing")
                && broken.contains("the dispute hold on ACME/A-1 placed by audit event"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_released_hold_put_back_in_force_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        store
            .release_hold(&actor(), "ACME", "A-1", HoldKind::Dispute, "resolved")
            .await
            .unwrap();
        execute(
            &store,
            "UPDATE account_holds SET released_at_us = NULL WHERE id = 1",
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("account_holds 1 ") && broken.contains("released_at_us"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_changed_payment_amount_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(
            &store,
            "UPDATE payments SET amount_minor = 500 WHERE id = 1",
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("payments 1 ")
                && broken.contains("PAY-1")
                && broken.contains("amount_minor"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_payment_moved_to_another_account_or_marked_returned_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(&store, "UPDATE payments SET account_id = 1 WHERE id = 1").await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("payments 1 ") && broken.contains("account_id"),
            "{broken}"
        );
        execute(&store, "UPDATE payments SET account_id = 2 WHERE id = 1").await;
        assert_eq!(intact(&store).await, None);
        execute(
            &store,
            "UPDATE payments SET returned_on = '2026-11-22', return_code = 'R01' WHERE id = 1",
        )
        .await;
        let broken = self::broken(&store).await;
        assert!(
            broken.contains("payments 1 ") && broken.contains("returned_on"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_changed_account_status_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(&store, "UPDATE accounts SET status = 'closed' WHERE id = 2").await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("accounts 2 ") && broken.contains("A-2") && broken.contains("status"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_changed_debtor_name_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(
            &store,
            "UPDATE debtors SET last_name = 'Smith' WHERE id = 1",
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("debtors 1 ") && broken.contains("D1") && broken.contains("last_name"),
            "{broken}"
        );
        // The name itself is not repeated in the report (it is PII).
        assert!(!broken.contains("Smith"), "{broken}");
        store.close().await;
    }
}

#[tokio::test]
async fn a_changed_user_role_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(
            &store,
            "UPDATE users SET role = 'admin' WHERE username = 'maria'",
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("users 1 ") && broken.contains("maria") && broken.contains("role"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_changed_creditor_assignment_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        // maria (user 1) worked ACME (creditor 1); now she sees BETA's accounts instead.
        execute(
            &store,
            "UPDATE user_creditors SET creditor_id = 2 WHERE user_id = 1",
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("user_creditors") && broken.contains("maria"),
            "{broken}"
        );
        store.close().await;

        // Given another creditor on top of her own: a row more than was sealed.
        let db = fresh(&db).await;
        let store = setup(&db).await;
        execute(
            &store,
            "INSERT INTO user_creditors (user_id, creditor_id) VALUES (1, 2)",
        )
        .await;
        let broken = self::broken(&store).await;
        assert!(
            broken.contains("user_creditors") && broken.contains("maria"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_deleted_creditor_assignment_is_named() {
    for db in engines().await {
        let store = setup(&db).await;
        // maria no longer works ACME: she drops out of its queue unnoticed.
        execute(&store, "DELETE FROM user_creditors WHERE user_id = 1").await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("user_creditors: 1 row sealed, 0 left")
                && broken.contains("\"maria\" works no creditor; audit event 3 assigned ACME"),
            "{broken}"
        );
        store.close().await;
    }
}

/// The attack of finding 5: the last changes are deleted with the rows they wrote and
/// `audit_head` is rewound to the event before them, so the chain looks whole.
#[tokio::test]
async fn a_truncated_tail_with_a_rewound_head_is_found_and_stops_writers() {
    for db in engines().await {
        let store = setup(&db).await;
        let (seq, hash) = head(&store).await;
        store
            .place_hold(&actor(), "ACME", "A-2", HoldKind::Attorney, "", "attorney")
            .await
            .unwrap();
        post(&store, &[payment("A-1", "PAY-9", 10_00)]).await;
        assert_eq!(intact(&store).await, None);
        for sql in [
            format!(
                "DELETE FROM payment_entries WHERE payment_id IN (SELECT id FROM payments WHERE audit_seq > {seq})"
            ),
            format!("DELETE FROM payments WHERE audit_seq > {seq}"),
            format!("DELETE FROM ledger_entries WHERE audit_seq > {seq}"),
            format!("DELETE FROM imports WHERE audit_seq > {seq}"),
            format!("DELETE FROM account_holds WHERE audit_seq > {seq}"),
            format!("DELETE FROM audit_events WHERE seq > {seq}"),
            format!("UPDATE audit_head SET seq = {seq}, hash = '{hash}' WHERE id = 1"),
        ] {
            execute(&store, &sql).await;
        }
        let broken = broken(&store).await;
        assert!(
            broken.contains("audit_head") && broken.contains("rewound"),
            "{broken}"
        );
        // Nothing more is written on a rewound chain: a write would seal it anew.
        let refused = store.add_user(&actor(), "eve", Role::Admin, PASSWORD).await;
        assert!(
            matches!(&refused, Err(store::StoreError::Corrupt(message)) if message.contains("audit_head")),
            "{refused:?}"
        );
        assert_eq!(count(&store, "users").await, 2);
        store.close().await;
    }
}

/// The same attack on the compliance decision log: its last batch and the event that
/// recorded it are deleted, and the head rewound to the event before.
#[tokio::test]
async fn a_rewound_decision_log_head_is_found() {
    for db in engines().await {
        let store = setup(&db).await;
        let (seq, hash) = head(&store).await;
        store
            .record_decisions(
                &actor(),
                "agent attempt",
                &[decision(1, 30), decision(1, 31)],
            )
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap().decisions, 4);
        execute(
            &store,
            &format!("DELETE FROM compliance_decisions WHERE audit_seq > {seq}"),
        )
        .await;
        execute(
            &store,
            &format!("DELETE FROM audit_events WHERE seq > {seq}"),
        )
        .await;
        execute(
            &store,
            &format!("UPDATE audit_head SET seq = {seq}, hash = '{hash}' WHERE id = 1"),
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("audit_head") && broken.contains("rewound"),
            "{broken}"
        );
        store.close().await;
    }
}

/// A row put back as it was earlier, seal and all (from an old copy of the row): every
/// row matches its own seal, but the table no longer adds up to what was sealed last.
#[tokio::test]
async fn a_row_restored_to_an_earlier_sealed_state_is_found() {
    for db in engines().await {
        let store = setup(&db).await;
        let (status, seal): (String, String) =
            sqlx::query_as("SELECT status, seal FROM accounts WHERE id = 3")
                .fetch_one(store.pool())
                .await
                .unwrap();
        store
            .change_status(&actor(), "BETA", "B-1", Status::Recalled, "creditor asked")
            .await
            .unwrap();
        assert_eq!(intact(&store).await, None);
        execute(
            &store,
            &format!("UPDATE accounts SET status = '{status}', seal = '{seal}' WHERE id = 3"),
        )
        .await;
        let broken = broken(&store).await;
        assert!(
            broken.contains("accounts") && broken.contains("earlier"),
            "{broken}"
        );
        store.close().await;
    }
}

/// Another empty database of the same engine, with its own key.
async fn fresh(like: &TestDb) -> TestDb {
    match like.engine {
        store::Engine::Sqlite => sqlite_db(),
        store::Engine::Postgres => postgres_db().await.unwrap(),
    }
}

/// Sealed rows are independent of one another: every one that was altered is named,
/// not only the first.
#[tokio::test]
async fn every_altered_row_is_named_at_once() {
    for db in engines().await {
        let store = setup(&db).await;
        for sql in [
            "UPDATE payments SET amount_minor = 500 WHERE id = 1",
            "UPDATE debtors SET last_name = 'Smith' WHERE id = 1",
            "UPDATE users SET role = 'admin' WHERE username = 'maria'",
            "UPDATE user_creditors SET creditor_id = 2 WHERE user_id = 1",
            "DELETE FROM account_holds WHERE id = 1",
            "UPDATE accounts SET status = 'closed' WHERE id = 2",
        ] {
            execute(&store, sql).await;
        }
        let broken = broken(&store).await;
        let named: Vec<&str> = broken
            .lines()
            .map(|line| line.split([' ', ':']).next().unwrap())
            .collect();
        assert_eq!(
            named,
            [
                "account_holds",
                "accounts",
                "debtors",
                "payments",
                "user_creditors",
                "users"
            ],
            "{broken}"
        );
        store.close().await;
    }
}

/// A database written before seals existed (schema 7) gets them when it is opened by
/// this version: its rows as they are then are sealed in the migration's transaction,
/// an `audit.seal` event says so, and from then on an edit is named.
#[tokio::test]
async fn a_database_from_before_the_seals_is_sealed_when_upgraded() {
    for db in engines().await {
        let store = setup(&db).await;
        let events = count(&store, "audit_events").await;
        // Back to the schema before migration 9, with the same rows.
        for table in [
            "accounts",
            "debtors",
            "payments",
            "account_holds",
            "users",
            "user_creditors",
        ] {
            execute(&store, &format!("ALTER TABLE {table} DROP COLUMN seal")).await;
        }
        execute(&store, "ALTER TABLE audit_head DROP COLUMN sealed_rows").await;
        execute(&store, "ALTER TABLE audit_head DROP COLUMN seal").await;
        execute(&store, "DELETE FROM schema_migrations WHERE version = 9").await;
        store.close().await;

        // The wrong key seals nothing.
        let wrong = store::Store::open(
            &db.url,
            store::PiiKey::generate(),
            store::Clock::Fixed(NOW.parse().unwrap()),
        )
        .await;
        assert!(
            matches!(&wrong, Err(store::StoreError::Config(message)) if message.contains("PII key")),
            "{wrong:?}"
        );

        let store = db.open().await;
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.broken, None, "{}", db.url);
        assert_eq!(report.events as i64, events + 1);
        assert_eq!(report.sealed_rows, 3 + 3 + 1 + 1 + 2 + 1);
        let last = store.audit_log(None, 1).await.unwrap();
        assert_eq!(
            (last[0].actor.as_str(), last[0].action.as_str()),
            ("arrears", "audit.seal")
        );
        execute(&store, "UPDATE accounts SET status = 'closed' WHERE id = 2").await;
        let broken = broken(&store).await;
        assert!(broken.starts_with("accounts 2 "), "{broken}");
        store.close().await;
    }
}
