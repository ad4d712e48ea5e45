//! The compliance decision log: appended in batches, listed per account, and sealed so
//! an edited, removed or slipped-in decision shows in `verify_audit`.

use crate::support::*;
use store::decisions::NewDecision;

fn decision(account_id: i64, minute: i64, allowed: bool) -> NewDecision {
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
        allowed,
        rules: if allowed {
            Vec::new()
        } else {
            vec!["us.time_of_day".into(), "us-ma.call_frequency".into()]
        },
        next_allowed_at: (!allowed).then_some(decided_at),
        packs: vec!["us@1".into(), "us-ma@1".into()],
        request_json: format!(r#"{{"now":"{decided_at}"}}"#),
        answer_json: r#"{"decision":"x"}"#.into(),
    }
}

#[tokio::test]
async fn decisions_are_listed_per_account_and_tampering_shows() {
    let (file, summary) = generated_file(3, 4);
    let mut reader = csv::Reader::from_path(file.path()).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    let (creditor, account) = (first[0].to_string(), first[1].to_string());
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let account_id = store
            .contact_facts(&creditor, &account)
            .await
            .unwrap()
            .account_id;
        let other = if account_id == 1 { 2 } else { 1 };
        store
            .record_decisions(
                &actor(),
                "dialer list",
                &[decision(account_id, 0, false), decision(other, 1, true)],
            )
            .await
            .unwrap();
        store
            .record_decisions(&actor(), "agent attempt", &[decision(account_id, 5, true)])
            .await
            .unwrap();
        store
            .record_decisions(&actor(), "nothing", &[])
            .await
            .unwrap();
        let listed = store
            .decisions_for_account(&creditor, &account, 10)
            .await
            .unwrap();
        assert_eq!(listed.len(), 2, "{}", db.url);
        assert!(!listed[0].allowed && listed[1].allowed);
        assert_eq!(listed[0].rules, ["us.time_of_day", "us-ma.call_frequency"]);
        assert_eq!(listed[0].packs, ["us@1", "us-ma@1"]);
        assert_eq!(listed[0].actor, actor().name);
        assert_eq!(listed[0].contact_point.as_deref(), Some("+16175550100"));
        // The latest only, still oldest first.
        let latest = store
            .decisions_for_account(&creditor, &account, 1)
            .await
            .unwrap();
        assert_eq!(latest.len(), 1);
        assert!(latest[0].allowed);

        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.decisions, report.broken.clone()), (3, None));

        // Editing a denial into an allow is caught.
        execute(
            &store,
            "UPDATE compliance_decisions SET decision = 'allow' WHERE id = 1",
        )
        .await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(
            broken.contains("compliance decision 1: content"),
            "{broken}"
        );
        execute(
            &store,
            "UPDATE compliance_decisions SET decision = 'deny' WHERE id = 1",
        )
        .await;
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        // So is removing one from the middle, or the last one.
        execute(&store, "DELETE FROM compliance_decisions WHERE id = 3").await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(
            broken.contains("the last decision is not the one"),
            "{broken}"
        );
        execute(&store, "DELETE FROM compliance_decisions WHERE id = 1").await;
        let broken = store.verify_audit().await.unwrap().broken.unwrap();
        assert!(
            broken.contains("compliance decision 2: prev_hash"),
            "{broken}"
        );

        let missing = store.decisions_for_account(&creditor, "NOPE", 10).await;
        assert!(matches!(missing, Err(store::StoreError::NotFound(_))));
        store.close().await;
    }
}
