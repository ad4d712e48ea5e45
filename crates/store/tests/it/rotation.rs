//! Key rotation (issue 13): every sensitive field re-encrypted and everything re-sealed
//! under a new key in one transaction, refused when the audit log does not verify.

use crate::support::*;
use crate::tamper::{PASSWORD, intact, payment, post, setup};
use domain::account::Status;
use domain::party::Role;
use store::{Clock, PiiKey, Store, StoreError};

async fn open_with(db: &TestDb, key: &PiiKey) -> Result<Store, StoreError> {
    Store::open(&db.url, key.clone(), Clock::Fixed(NOW.parse().unwrap())).await
}

async fn cipher(store: &Store) -> (String, String, String) {
    sqlx::query_as(
        "SELECT date_of_birth_enc, ssn_last4_enc, ssn_last4_index FROM debtors WHERE id = 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// Who finds debtor D1 (account A-1) by the last 4 of the SSN.
async fn found_by_ssn(store: &Store) -> Vec<String> {
    let maria = store.session_user(1).await.unwrap();
    assert_eq!(maria.username, "maria");
    store
        .search(&maria, "1234", true, 1)
        .await
        .unwrap()
        .found
        .into_iter()
        .map(|found| found.account_ref)
        .collect()
}

#[tokio::test]
async fn after_a_rotation_everything_reads_back_and_verifies_with_the_new_key_only() {
    for db in engines().await {
        let store = setup(&db).await;
        let identity = store.sensitive_identity(1).await.unwrap();
        assert_eq!(
            identity,
            (Some("1980-02-03".to_string()), Some("1234".to_string()))
        );
        assert_eq!(found_by_ssn(&store).await, ["A-1"]);
        let (birth, ssn, index) = cipher(&store).await;
        let events = count(&store, "audit_events").await;
        let new_key = PiiKey::generate();

        let rotation = store.rotate_key(&actor(), &new_key).await.unwrap();
        assert_eq!(rotation.sensitive_values, 3, "two dates of birth, one SSN");
        assert_eq!(rotation.events, events as u64);
        assert_eq!(rotation.decisions, 2);
        assert_eq!(rotation.ledger_entries, 4, "three placements, one payment");
        assert_eq!(rotation.sealed_rows, 3 + 3 + 1 + 1 + 2 + 1);
        // This store still holds the old key: it writes nothing more, and says why.
        let refused = store.add_user(&actor(), "eve", Role::Agent, PASSWORD).await;
        assert!(
            matches!(&refused, Err(StoreError::Config(message)) if message.contains("PII key does not match")),
            "{refused:?}"
        );
        store.close().await;

        let old = open_with(&db, &db.key).await;
        assert!(
            matches!(&old, Err(StoreError::Config(message)) if message.contains("PII key does not match")),
            "{old:?}"
        );
        let store = open_with(&db, &new_key).await.unwrap();
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.broken, None, "{}", db.url);
        assert_eq!(report.events as i64, events + 1);
        let last = store.audit_log(None, 1).await.unwrap();
        assert_eq!(last[0].action, "audit.rotate_key");
        assert_eq!(store.sensitive_identity(1).await.unwrap(), identity);
        assert_eq!(found_by_ssn(&store).await, ["A-1"]);
        let (birth_now, ssn_now, index_now) = cipher(&store).await;
        assert!(
            birth_now != birth && ssn_now != ssn && index_now != index,
            "every value is encrypted and indexed anew"
        );
        // Work goes on under the new key, sealed with it.
        store
            .change_status(&actor(), "ACME", "A-2", Status::Closed, "closed")
            .await
            .unwrap();
        post(&store, &[payment("A-1", "PAY-2", 10_00)]).await;
        assert_eq!(intact(&store).await, None);
        let seal: String = sqlx::query_scalar("SELECT seal FROM audit_head")
            .fetch_one(store.pool())
            .await
            .unwrap();
        store.close().await;

        // Even with the old key's check value put back, the old key verifies nothing:
        // every hash and seal is the new key's.
        let store = open_with(&db, &new_key).await.unwrap();
        execute(
            &store,
            &format!(
                "UPDATE settings SET value = '{}' WHERE key = 'pii_key_check'",
                db.key.check_value()
            ),
        )
        .await;
        store.close().await;
        let old = open_with(&db, &db.key).await.unwrap();
        let broken = old.verify_audit().await.unwrap().broken.unwrap();
        assert!(broken.starts_with("audit event 1: content"), "{broken}");
        let refused = old.add_user(&actor(), "eve", Role::Agent, PASSWORD).await;
        assert!(
            matches!(&refused, Err(StoreError::Corrupt(_))),
            "{refused:?}"
        );
        let unchanged: String = sqlx::query_scalar("SELECT seal FROM audit_head")
            .fetch_one(old.pool())
            .await
            .unwrap();
        assert_eq!(unchanged, seal);
        old.close().await;
    }
}

#[tokio::test]
async fn a_log_that_does_not_verify_is_not_rotated() {
    for db in engines().await {
        let store = setup(&db).await;
        execute(&store, "UPDATE accounts SET status = 'closed' WHERE id = 2").await;
        let before = cipher(&store).await;
        let new_key = PiiKey::generate();
        let refused = store.rotate_key(&actor(), &new_key).await;
        assert!(
            matches!(&refused, Err(StoreError::Corrupt(message))
                if message.contains("audit verify fails") && message.contains("accounts 2 ")),
            "{refused:?}"
        );
        assert_eq!(cipher(&store).await, before, "nothing was re-encrypted");
        store.close().await;
        assert!(open_with(&db, &new_key).await.is_err());
        let store = open_with(&db, &db.key).await.unwrap();
        assert_eq!(
            store.sensitive_identity(1).await.unwrap().1.as_deref(),
            Some("1234")
        );
        store.close().await;
    }
}

#[tokio::test]
async fn rotating_to_the_key_in_use_is_refused() {
    for db in engines().await {
        let store = setup(&db).await;
        let same = store.rotate_key(&actor(), &db.key.clone()).await;
        assert!(matches!(&same, Err(StoreError::Invalid(_))), "{same:?}");
        assert_eq!(intact(&store).await, None);
        store.close().await;
    }
}
