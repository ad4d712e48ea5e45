//! The outbox on both engines: a message is queued once with its decision and timeline
//! entry; deliverers claiming at once never share a row; a lapsed lease is claimed
//! again and the old claim can no longer mark the row; opt-outs, bounces and queries
//! change once.

use crate::support::*;
use store::decisions::NewDecision;
use store::messages::{NewMessage, NewQuery, Queued};

fn allowed(account_id: i64) -> NewDecision {
    NewDecision {
        account_id,
        decided_at: NOW.parse().unwrap(),
        asked_by: "cli",
        action: "email".into(),
        contact_point: Some("someone@example.com".into()),
        allowed: true,
        rules: Vec::new(),
        next_allowed_at: None,
        packs: vec!["us@1".into()],
        request_json: "{}".into(),
        answer_json: "{}".into(),
    }
}

fn message(key: &str) -> NewMessage {
    NewMessage {
        idempotency_key: key.into(),
        channel: "email".into(),
        template: "payment_reminder".into(),
        language: "en".into(),
        purpose: "collection".into(),
        recipient: "someone@example.com".into(),
        subject: "Payment reminder".into(),
        body_text: "Hello".into(),
        body_html: None,
        headers: vec![(
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        )],
    }
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[tokio::test]
async fn messages_are_queued_once_claimed_by_one_deliverer_and_a_lapsed_claim_cannot_mark() {
    let (file, summary) = generated_file(6, 7);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let attempts_before = count(&store, "contact_attempts").await;
        // Queued with its decision and timeline entry; the same key adds nothing.
        let first = store
            .queue_message(&actor(), None, &allowed(1), &message("k-1"))
            .await
            .unwrap();
        assert!(matches!(first, Queued::New(_)));
        let again = store
            .queue_message(&actor(), None, &allowed(1), &message("k-1"))
            .await
            .unwrap();
        assert_eq!(again, Queued::Already(first.id()));
        assert_eq!(count(&store, "contact_attempts").await, attempts_before + 1);
        assert_eq!(count(&store, "compliance_decisions").await, 1);
        // A refusal's decision queues nothing.
        let mut refused = allowed(1);
        refused.allowed = false;
        assert!(
            store
                .queue_message(&actor(), None, &refused, &message("k-x"))
                .await
                .is_err()
        );
        for n in 2..=20 {
            store
                .queue_message(&actor(), None, &allowed(1), &message(&format!("k-{n}")))
                .await
                .unwrap();
        }
        // Two deliverers claim at the same instant: no row in both hands.
        let now = at(NOW);
        let lease = at("2026-11-23T15:05:00Z");
        let (a, b) = tokio::join!(
            store.claim_due_messages(now, lease, 15),
            store.claim_due_messages(now, lease, 15)
        );
        let (a, mut b) = (a.unwrap(), b.unwrap());
        assert!(a.iter().all(|row| b.iter().all(|other| other.id != row.id)));
        // On PostgreSQL the loser of a race skips the rows the winner took; the rest
        // is there for the next claim: nothing shared, nothing lost.
        let rest = store.claim_due_messages(now, lease, 50).await.unwrap();
        assert!(
            rest.iter()
                .all(|row| a.iter().chain(&b).all(|other| other.id != row.id))
        );
        b.extend(rest);
        assert_eq!(a.len() + b.len(), 20, "{} {}", a.len(), b.len());
        // Nothing more is due while the leases hold.
        assert!(
            store
                .claim_due_messages(now, lease, 50)
                .await
                .unwrap()
                .is_empty()
        );
        let row = a.first().or(b.first()).unwrap().clone();
        assert_eq!(row.headers, message("k-1").headers);
        // The lease lapses: the row is claimed again, and the first claim cannot mark it.
        let later = at("2026-11-23T15:06:00Z");
        let reclaimed = store
            .claim_due_messages(later, at("2026-11-23T15:11:00Z"), 50)
            .await
            .unwrap();
        assert_eq!(reclaimed.len(), 20);
        let mine = reclaimed.iter().find(|other| other.id == row.id).unwrap();
        assert_eq!(mine.attempts, row.attempts + 1);
        assert!(
            !store
                .message_sent(&actor(), row.id, row.attempts, later)
                .await
                .unwrap()
        );
        assert!(
            store
                .message_sent(&actor(), row.id, mine.attempts, later)
                .await
                .unwrap()
        );
        assert_eq!(
            store.outbox_message(row.id).await.unwrap().unwrap().state,
            "sent"
        );
        // A failure waits for its retry; giving up is final until a retry.
        let other = reclaimed.iter().find(|other| other.id != row.id).unwrap();
        assert!(
            store
                .message_not_sent(&actor(), other.id, other.attempts, "SMTP: refused", None)
                .await
                .unwrap()
        );
        let counts = store.outbox_counts(None).await.unwrap();
        assert!(counts.contains(&("failed".into(), 1)), "{counts:?}");
        let problems = store.outbox_problems(None, 10).await.unwrap();
        assert_eq!(problems[0].last_error.as_deref(), Some("SMTP: refused"));
        store.retry_message(&actor(), other.id).await.unwrap();
        assert!(store.retry_message(&actor(), other.id).await.is_err());
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn opt_outs_bounces_and_queries_change_once() {
    let (file, summary) = generated_file(6, 7);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let email: String = {
            use sqlx::Row;
            sqlx::query("SELECT value FROM contact_points WHERE kind = 'email' ORDER BY id LIMIT 1")
                .fetch_one(store.pool())
                .await
                .unwrap()
                .try_get(0)
                .unwrap()
        };
        let accounts = store
            .accounts_by_point("email", &email.to_uppercase())
            .await
            .unwrap();
        assert!(!accounts.is_empty());
        let debtor = accounts[0].debtor_id;
        assert_eq!(store.opted_out(debtor).await.unwrap(), (false, false));
        assert!(
            store
                .opt_out(&actor(), "email", &email, "link")
                .await
                .unwrap()
                >= 1
        );
        assert_eq!(
            store
                .opt_out(&actor(), "email", &email, "link")
                .await
                .unwrap(),
            0
        );
        assert_eq!(store.opted_out(debtor).await.unwrap(), (true, false));
        let marked = store
            .mark_addresses_bounced(&actor(), &[email.to_uppercase()], "bounce")
            .await
            .unwrap();
        assert!(marked >= 1);
        assert_eq!(
            store
                .mark_addresses_bounced(&actor(), std::slice::from_ref(&email), "bounce")
                .await
                .unwrap(),
            0
        );
        let query = NewQuery {
            source_key: "sms:SM1".into(),
            account_id: Some(accounts[0].account_id),
            channel: "sms".into(),
            from_value: "+16175550100".into(),
            to_value: "+15555550100".into(),
            subject: String::new(),
            body: "call me".into(),
            received_at: at(NOW),
            due_at: at("2026-11-25T15:00:00Z"),
        };
        let id = store.record_query(&actor(), &query).await.unwrap().id();
        assert_eq!(
            store.record_query(&actor(), &query).await.unwrap(),
            Queued::Already(id)
        );
        let unmatched = NewQuery {
            source_key: "sms:SM2".into(),
            account_id: None,
            ..query.clone()
        };
        store.record_query(&actor(), &unmatched).await.unwrap();
        assert_eq!(
            store
                .query_counts(None, at("2026-11-26T00:00:00Z"))
                .await
                .unwrap(),
            (2, 2)
        );
        assert!(store.answer_query(&actor(), 1, id, " ").await.is_err());
        let user_id = store
            .add_user(
                &actor(),
                "ana",
                domain::party::Role::Agent,
                "correct horse battery",
            )
            .await
            .unwrap()
            .id;
        store
            .answer_query(&actor(), user_id, id, "called back")
            .await
            .unwrap();
        assert!(
            store
                .answer_query(&actor(), user_id, id, "twice")
                .await
                .is_err()
        );
        let rows = store
            .queries(Some(accounts[0].account_id), 10)
            .await
            .unwrap();
        assert_eq!(rows[0].state, "answered");
        assert_eq!(rows[0].answered_by.as_deref(), Some("ana"));
        assert_eq!(store.query_counts(None, at(NOW)).await.unwrap(), (1, 0));
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}
