use crate::support::*;
use domain::account::{HoldKind, Status};
use store::StoreError;

#[tokio::test]
async fn status_moves_follow_the_lifecycle_and_holds_coexist() {
    let (file, summary) = generated_file(5, 2);
    let mut reader = csv::Reader::from_path(file.path()).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    let (creditor, account) = (first[0].to_string(), first[1].to_string());
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let from = store
            .change_status(
                &actor(),
                &creditor,
                &account,
                Status::Recalled,
                "client recalled the account",
            )
            .await
            .unwrap();
        assert_eq!(from, Status::Active);
        let refused = store
            .change_status(&actor(), &creditor, &account, Status::Settled, "typo")
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(message)) if message.contains("is recalled; it cannot become settled"))
        );
        let no_reason = store
            .change_status(&actor(), &creditor, &account, Status::Active, "  ")
            .await;
        assert!(matches!(no_reason, Err(StoreError::Invalid(_))));
        store
            .change_status(
                &actor(),
                &creditor,
                &account,
                Status::Active,
                "placed again",
            )
            .await
            .unwrap();

        store
            .place_hold(
                &actor(),
                &creditor,
                &account,
                HoldKind::Dispute,
                "debtor says paid in 2024",
                "written dispute received",
            )
            .await
            .unwrap();
        store
            .place_hold(
                &actor(),
                &creditor,
                &account,
                HoldKind::Cease,
                "",
                "cease letter received",
            )
            .await
            .unwrap();
        let twice = store
            .place_hold(
                &actor(),
                &creditor,
                &account,
                HoldKind::Dispute,
                "",
                "again",
            )
            .await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))));
        let view = store
            .account_view(&creditor, &account, today())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (view.status, view.holds.clone()),
            (Status::Active, vec![HoldKind::Dispute, HoldKind::Cease])
        );
        store
            .release_hold(
                &actor(),
                &creditor,
                &account,
                HoldKind::Dispute,
                "verification mailed",
            )
            .await
            .unwrap();
        let missing = store
            .release_hold(&actor(), &creditor, &account, HoldKind::Bankruptcy, "none")
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))));
        let view = store
            .account_view(&creditor, &account, today())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.holds, vec![HoldKind::Cease]);

        let actions: Vec<(String, String)> = sqlx::query_as(
            "SELECT action, reason FROM audit_events WHERE entity = 'account' ORDER BY seq",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let actions: Vec<&str> = actions.iter().map(|(action, _)| action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "account.status",
                "account.status",
                "account.hold.place",
                "account.hold.place",
                "account.hold.release"
            ]
        );
        let history = store
            .audit_log(Some(&format!("{creditor}/{account}")), 100)
            .await
            .unwrap();
        let reasons: Vec<&str> = history.iter().map(|entry| entry.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "client recalled the account",
                "placed again",
                "written dispute received",
                "cease letter received",
                "verification mailed"
            ]
        );
        assert!(history.iter().all(|entry| entry.actor == "test:clerk"));
        assert_eq!(store.audit_log(None, 2).await.unwrap().len(), 2);
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        let missing_account = store
            .change_status(&actor(), &creditor, "NO-SUCH", Status::Closed, "x")
            .await;
        assert!(matches!(missing_account, Err(StoreError::NotFound(_))));
        store.close().await;
    }
}
