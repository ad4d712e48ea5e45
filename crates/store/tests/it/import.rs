use crate::support::*;
use domain::ledger::{Buckets, Reason};
use sqlx::Row;

#[tokio::test]
async fn a_generated_portfolio_imports_once_and_balances_to_the_cent() {
    let (file, summary) = generated_file(400, 11);
    for db in engines().await {
        let store = db.open().await;
        let outcome = import(&store, file.path(), &summary).await;
        assert_eq!(outcome.accounts_created, 400, "{:?}", db.engine);
        assert_eq!(outcome.entries_created, 400);
        assert!(
            outcome.debtors_created < 400,
            "some debtors owe several debts"
        );
        assert_eq!(outcome.creditors_created.len(), summary.creditors.len());
        assert_eq!(count(&store, "accounts").await, 400);
        assert_eq!(
            count(&store, "audit_events").await,
            1,
            "one import, one event, new creditors included"
        );

        // The same file again changes nothing, not even the audit log.
        let again = import(&store, file.path(), &summary).await;
        assert_eq!(
            (
                again.import_id,
                again.accounts_created,
                again.already_present
            ),
            (None, 0, 400)
        );
        assert_eq!(count(&store, "accounts").await, 400);
        assert_eq!(
            count(&store, "contact_points").await,
            outcome.contact_points_created as i64
        );
        assert_eq!(
            count(&store, "audit_events").await,
            1,
            "one import, one event, new creditors included"
        );

        // Every account's derived balance equals its file balance.
        let mapping = ingest::mapping::Mapping::standard();
        let mut reader =
            ingest::placement::PlacementReader::open(file.path(), &mapping, today()).unwrap();
        while let Some((_, placement)) = reader.next_row() {
            let placement = placement.unwrap();
            let view = store
                .account_view(
                    placement.creditor.as_str(),
                    placement.account_ref.as_str(),
                    today(),
                )
                .await
                .unwrap()
                .unwrap();
            assert_eq!(view.balances, placement.balance);
            let movements: Vec<Buckets> = view.entries.iter().map(|entry| entry.amounts).collect();
            assert_eq!(Buckets::of(&movements), Some(view.balances));
            assert_eq!(view.entries[0].reason, Reason::Placement);
            assert_eq!(
                view.days_past_due as i64,
                (today() - placement.delinquent_since).get_days() as i64
            );
            assert_eq!(view.aging_history.len(), 1);
            assert_eq!(view.aging_history[0].bucket, view.aging_bucket);
        }
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.broken, None);
        assert_eq!(report.ledger_entries, 400);
        store.close().await;
    }
}

#[tokio::test]
async fn a_second_file_adds_only_new_accounts_and_reuses_debtors() {
    let (first, first_summary) = generated_file(50, 3);
    let (bigger, bigger_summary) = generated_file(80, 3);
    for db in engines().await {
        let store = db.open().await;
        import(&store, first.path(), &first_summary).await;
        let debtors_before = count(&store, "debtors").await;
        let outcome = import(&store, bigger.path(), &bigger_summary).await;
        assert_eq!(
            (outcome.accounts_created, outcome.already_present),
            (30, 50)
        );
        assert_eq!(
            count(&store, "debtors").await,
            debtors_before + outcome.debtors_created as i64
        );
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}

#[tokio::test]
async fn sensitive_fields_are_encrypted_at_rest_and_need_the_key() {
    let (file, summary) = generated_file(30, 5);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let rows = sqlx::query(
            "SELECT date_of_birth_enc, ssn_last4_enc FROM debtors WHERE ssn_last4_enc IS NOT NULL",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            let ssn: String = row.get(1);
            assert!(
                ssn.len() > 40 && ssn.bytes().all(|b| b.is_ascii_hexdigit()),
                "ciphertext, not digits: {ssn}"
            );
        }
        store.close().await;
        let wrong =
            store::Store::open(&db.url, store::PiiKey::generate(), store::Clock::System).await;
        assert!(
            matches!(wrong, Err(store::StoreError::Config(message)) if message.contains("PII key does not match"))
        );
    }
}

#[tokio::test]
async fn aging_records_bucket_moves_once_per_change() {
    let (file, summary) = generated_file(60, 21);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let same_day = store.age_accounts(&actor(), today()).await.unwrap();
        assert_eq!(
            (same_day.accounts_aged, same_day.moves),
            (60, 0),
            "placement already recorded today's buckets"
        );
        let later = today() + jiff::Span::new().days(45);
        let aged = store.age_accounts(&actor(), later).await.unwrap();
        assert!(aged.moves > 0 && aged.moves <= 60);
        assert_eq!(
            store.age_accounts(&actor(), later).await.unwrap().moves,
            0,
            "a rerun changes nothing"
        );
        let mut moved = 0;
        let mapping = ingest::mapping::Mapping::standard();
        let mut reader =
            ingest::placement::PlacementReader::open(file.path(), &mapping, today()).unwrap();
        while let Some((_, placement)) = reader.next_row() {
            let placement = placement.unwrap();
            let view = store
                .account_view(
                    placement.creditor.as_str(),
                    placement.account_ref.as_str(),
                    later,
                )
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                view.aging_history.last().unwrap().bucket,
                view.aging_bucket,
                "history ends in the current bucket"
            );
            moved += view.aging_history.len() - 1;
        }
        assert_eq!(moved as u64, aged.moves);
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}

#[tokio::test]
async fn aging_never_runs_backwards() {
    let (file, summary) = generated_file(10, 4);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let later = today() + jiff::Span::new().days(20);
        store.age_accounts(&actor(), later).await.unwrap();
        let refused = store.age_accounts(&actor(), today()).await;
        assert!(
            matches!(refused, Err(store::StoreError::Invalid(message)) if message.contains("already aged to"))
        );
        store.close().await;
    }
}

/// Issue 13, finding 9: rows with a partial address (a state and ZIP code, no street or
/// city) import; the address is kept incomplete, the accounts are on the locate list of
/// whoever may see them, and the state still decides the zones.
#[tokio::test]
async fn partial_addresses_import_incomplete_and_their_accounts_are_on_the_locate_list() {
    use domain::party::Role;
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        file.path(),
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code\n\
         ACME,A-1,D-1,Ana,Ruiz,10.00,USD,2026-01-15,1 Main St,Boston,MA,02110\n\
         ACME,A-2,D-2,Bo,Lee,20.00,USD,2026-01-15,,,TX,79901\n\
         ACME,A-3,D-2,Bo,Lee,30.00,USD,2026-01-15,,,,\n\
         OTHER,B-1,E-1,Cy,Ng,40.00,USD,2026-01-15,9 Elm St,,WA,98101\n\
         OTHER,B-2,E-2,Di,Wu,50.00,USD,2026-01-15,,,,\n",
    )
    .unwrap();
    for db in engines().await {
        let store = db.open().await;
        let outcome = try_import(&store, file.path())
            .await
            .unwrap_or_else(|error| panic!("{:?}: {error}", db.engine));
        assert_eq!(outcome.accounts_created, 5, "{:?}", db.engine);
        assert_eq!(outcome.addresses_incomplete, 2, "{:?}", db.engine);

        let partial = store
            .account_view("ACME", "A-2", today())
            .await
            .unwrap()
            .unwrap();
        assert!(partial.address_incomplete, "{:?}", db.engine);
        assert_eq!(partial.state.as_deref(), Some("TX"));
        assert_eq!(partial.time_zones, ["America/Chicago", "America/Denver"]);
        let complete = store
            .account_view("ACME", "A-1", today())
            .await
            .unwrap()
            .unwrap();
        assert!(!complete.address_incomplete);
        let none = store
            .account_view("OTHER", "B-2", today())
            .await
            .unwrap()
            .unwrap();
        assert!(!none.address_incomplete, "no address is not a partial one");

        // The operator sees every creditor's; A-3 is the same debtor as A-2.
        let listed =
            |list: Vec<store::locate::Locate>| -> Vec<(String, String, Vec<&'static str>)> {
                list.into_iter()
                    .map(|entry| {
                        let missing = entry.address.missing();
                        (entry.creditor, entry.account_ref, missing)
                    })
                    .collect()
            };
        let all = store.locate_list(None, None).await.unwrap();
        assert_eq!(
            listed(all),
            [
                ("ACME".into(), "A-2".into(), vec!["address_line1", "city"]),
                ("ACME".into(), "A-3".into(), vec!["address_line1", "city"]),
                ("OTHER".into(), "B-1".into(), vec!["city"]),
            ],
            "{:?}",
            db.engine
        );
        let other = store.locate_list(None, Some("OTHER")).await.unwrap();
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].address.postal_code.as_deref(), Some("98101"));

        // An agent of ACME sees ACME's only, even when asking for OTHER's.
        let ana = store
            .add_user(&actor(), "ana", Role::Agent, "a long enough passphrase 7")
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), "ana", &["ACME".to_string()])
            .await
            .unwrap();
        let ana = store.session_user(ana.id).await.unwrap();
        let seen = store.locate_list(Some(&ana), None).await.unwrap();
        assert_eq!(seen.len(), 2, "{:?}", db.engine);
        assert!(seen.iter().all(|entry| entry.creditor == "ACME"));
        assert!(
            store
                .locate_list(Some(&ana), Some("OTHER"))
                .await
                .unwrap()
                .is_empty()
        );

        // A closed account has no one left to locate for.
        store
            .change_status(
                &actor(),
                "ACME",
                "A-3",
                domain::account::Status::Closed,
                "recalled",
            )
            .await
            .unwrap();
        assert_eq!(
            store.locate_list(None, Some("ACME")).await.unwrap().len(),
            1
        );
        store.close().await;
    }
}
