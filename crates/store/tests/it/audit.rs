use crate::support::*;

async fn imported_store(db: &TestDb) -> store::Store {
    let (file, summary) = generated_file(20, 9);
    let store = db.open().await;
    import(&store, file.path(), &summary).await;
    store
}

#[tokio::test]
async fn a_fresh_database_verifies() {
    for db in engines().await {
        let store = db.open().await;
        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.events, report.broken), (0, None));
        store.close().await;
    }
}

#[tokio::test]
async fn an_altered_audit_event_is_found() {
    for db in engines().await {
        let store = imported_store(&db).await;
        store
            .add_user(
                &actor(),
                "maria",
                domain::party::Role::Agent,
                "a long enough password",
            )
            .await
            .unwrap();
        // The import was event 1, the user event 2: an edit to either breaks the chain.
        execute(
            &store,
            "UPDATE audit_events SET actor = 'someone else' WHERE seq = 1",
        )
        .await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(
            broken.starts_with("audit event 1: content does not match"),
            "{broken}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn an_altered_ledger_row_is_found() {
    for db in engines().await {
        let store = imported_store(&db).await;
        execute(
            &store,
            "UPDATE ledger_entries SET principal_minor = principal_minor - 100 WHERE id = 7",
        )
        .await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(broken.starts_with("ledger entry 7 "), "{broken}");
        store.close().await;
    }
}

#[tokio::test]
async fn deleted_rows_are_found() {
    for db in engines().await {
        // Someone removes a user and the event that recorded it.
        let store = imported_store(&db).await;
        store
            .add_user(
                &actor(),
                "intruder",
                domain::party::Role::Admin,
                "a long enough password",
            )
            .await
            .unwrap();
        let last = count(&store, "audit_events").await;
        execute(&store, "DELETE FROM users WHERE username = 'intruder'").await;
        execute(
            &store,
            &format!("DELETE FROM audit_events WHERE seq = {last}"),
        )
        .await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(broken.contains("events were removed"), "{broken}");
        store.close().await;

        let fresh = db_fresh(&db).await;
        let store = imported_store(&fresh).await;
        execute(&store, "DELETE FROM aging_moves WHERE account_id = 3").await;
        execute(&store, "DELETE FROM ledger_entries WHERE account_id = 3").await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(broken.contains("rows were deleted"), "{broken}");
        store.close().await;
    }
}

/// Another empty database of the same engine.
async fn db_fresh(like: &TestDb) -> TestDb {
    match like.engine {
        store::Engine::Sqlite => sqlite_db(),
        store::Engine::Postgres => postgres_db().await.unwrap(),
    }
}

#[tokio::test]
async fn a_ledger_row_resealed_without_the_key_is_found() {
    for db in engines().await {
        let store = imported_store(&db).await;
        // Someone edits an amount and recomputes the row's seal with a key of their own.
        let (account_id, seq, reason, interest, fees, effective_on, recorded_at_us, audit_seq): (i64, i64, String, i64, i64, String, i64, i64) =
            sqlx::query_as("SELECT account_id, seq, reason, interest_minor, fees_minor, effective_on, recorded_at_us, audit_seq FROM ledger_entries WHERE id = 4")
                .fetch_one(store.pool())
                .await
                .unwrap();
        let forged = store::audit::LedgerRow {
            id: 4,
            account_id,
            seq,
            reason: &reason,
            principal_minor: 1,
            interest_minor: interest,
            fees_minor: fees,
            effective_on: &effective_on,
            recorded_at_us,
            corrects_entry_id: None,
            memo: None,
            audit_seq,
        }
        .hash(&store::PiiKey::generate().seal_key());
        execute(
            &store,
            &format!(
                "UPDATE ledger_entries SET principal_minor = 1, row_hash = '{forged}' WHERE id = 4"
            ),
        )
        .await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(broken.starts_with("ledger entry 4 "), "{broken}");
        store.close().await;
    }
}
