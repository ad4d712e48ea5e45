//! The agent workspace's store: sign-in and lockout, creditor segregation, the queue and
//! its locks (two agents at once never get the same account), and what agents record.

use crate::support::*;
use domain::money::Amount;
use domain::party::Role;
use domain::throttle::{Limit, Limits};
use store::StoreError;
use store::sessions::{Access, SignInAttempt, Suspension};
use store::workspace::Seen;

const PASSWORD: &str = "correct horse battery";

async fn signed_in(store: &store::Store, name: &str) -> store::sessions::Session {
    signed_in_with_token(store, name).await.0
}

async fn signed_in_with_token(
    store: &store::Store,
    name: &str,
) -> (store::sessions::Session, String) {
    let user = store
        .authenticate(name, PASSWORD)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{name} could not sign in"));
    let attempt = SignInAttempt {
        username: name,
        client: "192.0.2.1",
    };
    let (session, token) = store.open_session(&user, attempt).await.unwrap();
    match store.session(&token).await.unwrap() {
        Access::Granted(again) => assert_eq!(again.id, session.id),
        other => panic!("{name}'s new session: {other:?}"),
    }
    (session, token)
}

/// Small limits, so the store's counting is seen in a few steps (the policy's own
/// numbers are `app::session::SIGN_IN_LIMITS`, tested in the app suite).
const LIMITS: Limits = Limits {
    user_and_client: Limit {
        failures: 2,
        window: jiff::SignedDuration::from_mins(15),
        lock: jiff::SignedDuration::from_mins(15),
    },
    client: Limit {
        failures: 3,
        window: jiff::SignedDuration::from_mins(15),
        lock: jiff::SignedDuration::from_mins(15),
    },
    user: Limit {
        failures: 4,
        window: jiff::SignedDuration::from_mins(15),
        lock: jiff::SignedDuration::from_mins(15),
    },
};

fn from<'a>(username: &'a str, client: &'a str) -> SignInAttempt<'a> {
    SignInAttempt { username, client }
}

#[tokio::test]
async fn failed_sign_ins_are_counted_per_name_and_client_and_a_locked_user_is_suspended() {
    for db in engines().await {
        let store = db.open().await;
        store
            .add_user(&actor(), "ana", Role::Agent, PASSWORD)
            .await
            .unwrap();
        let token = store
            .create_api_token(&actor(), "ana", "dialer")
            .await
            .unwrap();
        let (_, session) = signed_in_with_token(&store, "ana").await;
        let now = store.now();

        // A name no user has is counted like any other, and its counters kept.
        let after = store
            .record_failed_sign_in(from("nobody", "192.0.2.7"), &LIMITS)
            .await
            .unwrap();
        assert_eq!(
            after,
            store
                .sign_in_counters(from("nobody", "192.0.2.7"))
                .await
                .unwrap()
        );
        assert_eq!(after.user.unwrap().failures, 1);
        assert_eq!(after.client.unwrap().failures, 1);
        // The second failure for the name from that client locks the pair only.
        let after = store
            .record_failed_sign_in(from("nobody", "192.0.2.7"), &LIMITS)
            .await
            .unwrap();
        assert!(after.user_and_client.unwrap().locked_at(now).is_some());
        assert_eq!(after.user.unwrap().locked_at(now), None);
        let elsewhere = store
            .sign_in_counters(from("nobody", "192.0.2.8"))
            .await
            .unwrap();
        assert_eq!(
            elsewhere.locked_at(now),
            None,
            "another client is not refused"
        );

        // Names are counted case-insensitively, across clients.
        for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
            let after = store
                .record_failed_sign_in(from("ANA", client), &LIMITS)
                .await
                .unwrap();
            assert_eq!(after.locked_at(now), None);
        }
        assert!(matches!(
            store.api_token_user(&token).await.unwrap(),
            Access::Granted(_)
        ));
        // The user limit: ana is locked for everyone, her token and session suspended.
        let after = store
            .record_failed_sign_in(from("ana", "198.51.100.4"), &LIMITS)
            .await
            .unwrap();
        let until = after
            .user
            .unwrap()
            .locked_at(now)
            .expect("the name is locked");
        let locked = Suspension::LockedOut { until };
        assert_eq!(
            store.api_token_user(&token).await.unwrap(),
            Access::Suspended(locked)
        );
        assert_eq!(
            store.session(&session).await.unwrap(),
            Access::Suspended(locked)
        );
        let log = store.audit_log(Some("ana"), 50).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|event| event.action.as_str()).collect();
        assert!(actions.contains(&"user.locked"), "{actions:?}");
        assert_eq!(
            actions
                .iter()
                .filter(|action| **action == "user.login_failed")
                .count(),
            4,
            "{actions:?}"
        );
        // What was typed for no user is not kept.
        assert!(
            store
                .audit_log(Some("nobody"), 50)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.audit_log(Some("(unknown)"), 50).await.unwrap().len(),
            2
        );

        // When the lock ends, so does the suspension; a success forgets the pair.
        let later = store.clone().with_clock(store::Clock::Fixed(until));
        assert!(matches!(
            later.api_token_user(&token).await.unwrap(),
            Access::Granted(_)
        ));
        assert!(matches!(
            later.session(&session).await.unwrap(),
            Access::Granted(_)
        ));
        later
            .record_failed_sign_in(from("ana", "203.0.113.5"), &LIMITS)
            .await
            .unwrap();
        let user = later.authenticate("ana", PASSWORD).await.unwrap().unwrap();
        later
            .open_session(&user, from("ana", "203.0.113.5"))
            .await
            .unwrap();
        let counters = later
            .sign_in_counters(from("ana", "203.0.113.5"))
            .await
            .unwrap();
        assert_eq!(counters.user_and_client, None);
        assert_eq!(counters.user.unwrap().failures, 1, "the name's count stays");

        // A disabled user's token and session stop working too.
        execute(&later, "UPDATE users SET disabled = 1").await;
        assert_eq!(
            later.api_token_user(&token).await.unwrap(),
            Access::Suspended(Suspension::Disabled)
        );
        assert_eq!(
            later.session(&session).await.unwrap(),
            Access::Suspended(Suspension::Disabled)
        );
        store.close().await;
    }
}

#[tokio::test]
async fn sessions_end_and_unknown_tokens_open_nothing() {
    for db in engines().await {
        let store = db.open().await;
        store
            .add_user(&actor(), "ana", Role::Agent, PASSWORD)
            .await
            .unwrap();
        assert_eq!(store.authenticate("nobody", PASSWORD).await.unwrap(), None);
        assert_eq!(
            store.authenticate("ana", "wrong password!").await.unwrap(),
            None
        );
        let session = signed_in(&store, "ana").await;
        assert_eq!(store.session("not-a-token").await.unwrap(), Access::Denied);
        assert_eq!(
            store.api_token_user("arr_nope").await.unwrap(),
            Access::Denied
        );
        store.log_out(&session).await.unwrap();
        let log = store.audit_log(Some("ana"), 50).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|event| event.action.as_str()).collect();
        assert!(actions.contains(&"user.login") && actions.contains(&"user.logout"));
        store.close().await;
    }
}

#[tokio::test]
async fn the_queue_segregates_creditors_and_two_agents_never_share_an_account() {
    let (file, summary) = generated_file(60, 9);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        store.prioritize(&actor()).await.unwrap();
        for name in ["ana", "ben", "cy"] {
            store
                .add_user(&actor(), name, Role::Agent, PASSWORD)
                .await
                .unwrap();
        }
        let codes: Vec<String> = summary.creditors.iter().cloned().collect();
        store
            .assign_creditors(&actor(), "ana", &codes)
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), "ben", &codes)
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), "cy", &codes[..1])
            .await
            .unwrap();
        let ana = signed_in(&store, "ana").await.user;
        let ben = signed_in(&store, "ben").await.user;
        let cy = signed_in(&store, "cy").await.user;
        let now = store.now();

        // Cy sees only the first creditor's accounts.
        let cys = store.queue_candidates(&cy, now, 1000).await.unwrap();
        assert!(!cys.is_empty());
        assert!(cys.iter().all(|candidate| candidate.creditor == codes[0]));
        let all = store.queue_candidates(&ana, now, 1000).await.unwrap();
        assert!(all.len() > cys.len());
        assert_eq!(store.queue_size(&ana, now).await.unwrap(), all.len() as i64);

        // Highest priority (balance) first.
        let balances: Vec<i64> = {
            use sqlx::Row;
            let mut balances = Vec::new();
            for candidate in &all {
                let row = sqlx::query("SELECT priority FROM accounts WHERE id = $1")
                    .bind(candidate.account_id)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
                balances.push(row.get::<i64, _>(0));
            }
            balances
        };
        assert!(balances.windows(2).all(|pair| pair[0] >= pair[1]));

        // Both agents race for the same accounts: each account goes to one of them.
        for candidate in all.iter().take(10) {
            let (a, b) = tokio::join!(
                store.try_lock(&ana, candidate.account_id, now),
                store.try_lock(&ben, candidate.account_id, now)
            );
            assert!(
                a.unwrap() ^ b.unwrap(),
                "exactly one agent gets {candidate:?}"
            );
        }
        // A locked account leaves the other agent's queue.
        assert!(store.try_lock(&ana, all[0].account_id, now).await.unwrap());
        let bens = store.queue_candidates(&ben, now, 1000).await.unwrap();
        assert!(
            !bens
                .iter()
                .any(|candidate| candidate.account_id == all[0].account_id)
        );
        assert_eq!(
            store
                .locked_by_other(&ben, all[0].account_id, now)
                .await
                .unwrap(),
            Some("ana".to_string())
        );
        // A supervisor gives that account to Ben: Ana's hold on its debtor ends with it.
        store
            .add_user(&actor(), "sue", Role::Supervisor, PASSWORD)
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), "sue", &codes)
            .await
            .unwrap();
        let sue = signed_in(&store, "sue").await.user;
        store
            .assign_account(&sue, &all[0].creditor, &all[0].account_ref, Some("ben"))
            .await
            .unwrap();
        let bens = store.queue_candidates(&ben, now, 1000).await.unwrap();
        assert!(
            bens.iter()
                .any(|candidate| candidate.account_id == all[0].account_id)
        );
        assert!(store.try_lock(&ben, all[0].account_id, now).await.unwrap());
        store.close().await;
    }
}

#[tokio::test]
async fn attempts_notes_and_promises_are_audited_and_stale_forms_refused() {
    let (file, summary) = generated_file(5, 3);
    let mut reader = csv::Reader::from_path(file.path()).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    let (creditor, account) = (first[0].to_string(), first[1].to_string());
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        store
            .add_user(&actor(), "ana", Role::Agent, PASSWORD)
            .await
            .unwrap();
        store
            .add_user(&actor(), "eve", Role::Agent, PASSWORD)
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), "ana", std::slice::from_ref(&creditor))
            .await
            .unwrap();
        let ana = signed_in(&store, "ana").await.user;
        let eve = signed_in(&store, "eve").await.user;
        let facts = store.contact_facts(&creditor, &account).await.unwrap();
        let seen = |version| Seen {
            creditor: &creditor,
            account_ref: &account,
            version,
        };
        let now = store.now();
        let (attempt, decision) = unanswered_call(facts.account_id, "+16175550100", now);
        store
            .record_attempt(&ana, seen(0), &attempt, &decision)
            .await
            .unwrap();
        // The form of version 0 is stale now.
        let stale = store.add_note(&ana, seen(0), "left a message").await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        store
            .add_note(&ana, seen(1), "spoke to the spouse")
            .await
            .unwrap();
        // Eve works no creditor: the account does not exist for her.
        let hidden = store.add_note(&eve, seen(2), "snooping").await;
        assert!(matches!(hidden, Err(StoreError::NotFound(_))), "{hidden:?}");
        let today = today();
        let past = store
            .record_promise(
                &ana,
                seen(2),
                today,
                &[(jiff::civil::date(2026, 11, 1), Amount::from_minor(5_000))],
            )
            .await;
        assert!(matches!(past, Err(StoreError::Invalid(_))));
        let promised = [
            (jiff::civil::date(2026, 12, 1), Amount::from_minor(5_000)),
            (jiff::civil::date(2026, 12, 15), Amount::from_minor(7_550)),
        ];
        store
            .record_promise(&ana, seen(2), today, &promised)
            .await
            .unwrap();
        let promises = store.promises(facts.account_id).await.unwrap();
        assert_eq!(promises.len(), 1);
        assert_eq!(promises[0].total_minor, 12_550);
        assert_eq!(
            promises[0].payments[1],
            (jiff::civil::date(2026, 12, 15), 7_550)
        );
        let attempts = store.debtor_attempts(facts.account_id).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].username.as_deref(), Some("ana"));
        assert_eq!(
            store.notes(facts.account_id).await.unwrap()[0].body,
            "spoke to the spouse"
        );
        let log = store
            .audit_log(Some(&format!("{creditor}/{account}")), 20)
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|event| event.action.as_str()).collect();
        for action in ["account.attempt", "account.note", "account.promise"] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.broken, report.decisions), (None, 1));
        store.close().await;
    }
}

#[tokio::test]
async fn a_callback_due_now_comes_before_everything_else() {
    let (file, summary) = generated_file(30, 5);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        store.prioritize(&actor()).await.unwrap();
        store
            .add_user(&actor(), "ana", Role::Agent, PASSWORD)
            .await
            .unwrap();
        let codes: Vec<String> = summary.creditors.iter().cloned().collect();
        store
            .assign_creditors(&actor(), "ana", &codes)
            .await
            .unwrap();
        let ana = signed_in(&store, "ana").await.user;
        let now = store.now();
        let queue = store.queue_candidates(&ana, now, 100).await.unwrap();
        let last = queue.last().unwrap().clone();
        // Scheduled for later: not yet first.
        let facts = store
            .contact_facts(&last.creditor, &last.account_ref)
            .await
            .unwrap();
        let in_an_hour = now.checked_add(jiff::Span::new().hours(1)).unwrap();
        let seen = Seen {
            creditor: &last.creditor,
            account_ref: &last.account_ref,
            version: 0,
        };
        store
            .schedule_callback(&ana, seen, in_an_hour, Some("after payday"), None)
            .await
            .unwrap();
        let queue = store.queue_candidates(&ana, now, 100).await.unwrap();
        assert_ne!(queue[0].account_id, facts.account_id);
        // An hour later it heads the queue, marked as a callback.
        let queue = store.queue_candidates(&ana, in_an_hour, 100).await.unwrap();
        assert_eq!(queue[0].account_id, facts.account_id);
        assert!(queue[0].callback_id.is_some());
        assert_eq!(
            queue
                .iter()
                .filter(|candidate| candidate.account_id == facts.account_id)
                .count(),
            1,
            "listed once"
        );
        store.close().await;
    }
}

/// Issue 13, finding 3: a role that sees the SSN masked cannot find debtors by its last
/// 4 digits (four digits are then an account reference like any other query); a role
/// that may see it can, and every such search is audited without the digits.
#[tokio::test]
async fn only_roles_that_see_the_ssn_find_debtors_by_it_and_each_search_is_audited() {
    let (file, summary) = generated_file(60, 9);
    let mut reader = csv::Reader::from_path(file.path()).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|header| header == name).unwrap();
    let (creditor, account_ref, last4) = reader
        .records()
        .map(Result::unwrap)
        .find(|row| !row[column("ssn_last4")].is_empty())
        .map(|row| {
            (
                row[column("creditor")].to_string(),
                row[column("account_ref")].to_string(),
                row[column("ssn_last4")].to_string(),
            )
        })
        .expect("the generator writes some SSNs");
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        for (name, role) in [("bo", Role::Billing), ("au", Role::Auditor)] {
            store
                .add_user(&actor(), name, role, PASSWORD)
                .await
                .unwrap();
        }
        let billing = signed_in(&store, "bo").await.user;
        let auditor = signed_in(&store, "au").await.user;
        let masked = store
            .search(&billing, &last4, false, 1)
            .await
            .unwrap()
            .found;
        assert!(
            !masked
                .iter()
                .any(|found| found.creditor == creditor && found.account_ref == account_ref),
            "billing found {account_ref} by its SSN: {masked:?}"
        );
        let clear = store.search(&auditor, &last4, true, 1).await.unwrap().found;
        assert!(
            clear
                .iter()
                .any(|found| found.creditor == creditor && found.account_ref == account_ref),
            "{clear:?}"
        );
        let audited = store.audit_log(Some("au"), 50).await.unwrap();
        let search = audited
            .iter()
            .find(|event| event.action == "search.ssn_last4")
            .expect("the auditor's search is audited");
        let after: serde_json::Value =
            serde_json::from_str(search.after_json.as_deref().unwrap_or_default()).unwrap();
        let index = after["ssn_last4_index"].as_str().unwrap_or_default();
        assert!(
            index.len() == 64 && index != last4 && after["ssn_last4"].is_null(),
            "only the blind index is kept: {after}"
        );
        assert!(
            !store
                .audit_log(Some("bo"), 50)
                .await
                .unwrap()
                .iter()
                .any(|event| event.action == "search.ssn_last4")
        );
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}

/// The collector's desk: a right-party check compares what the caller says with the
/// encrypted identity on file and keeps only, per field, whether it matched — the values
/// typed are in no row and no audit event; display names start as the user name.
#[tokio::test]
async fn a_right_party_check_keeps_which_fields_matched_and_never_the_values() {
    use store::workspace::{FieldCheck, IdentityClaim};
    let (file, summary) = generated_file(60, 9);
    let mut reader = csv::Reader::from_path(file.path()).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|header| header == name).unwrap();
    let (creditor, account_ref, dob, last4) = reader
        .records()
        .map(Result::unwrap)
        .find(|row| {
            !row[column("ssn_last4")].is_empty() && !row[column("date_of_birth")].is_empty()
        })
        .map(|row| {
            (
                row[column("creditor")].to_string(),
                row[column("account_ref")].to_string(),
                row[column("date_of_birth")].to_string(),
                row[column("ssn_last4")].to_string(),
            )
        })
        .expect("the generator writes identities");
    let wrong_last4 = if last4 == "0000" { "1111" } else { "0000" };
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        store
            .add_user(&actor(), "ana", Role::Agent, PASSWORD)
            .await
            .unwrap();
        let ana = signed_in(&store, "ana").await.user;
        assert_eq!(
            store.display_name(ana.id).await.unwrap().as_deref(),
            Some("ana")
        );
        store
            .set_display_name("test:clerk", "ana", "Ana Torres")
            .await
            .unwrap();
        assert_eq!(
            store.display_name(ana.id).await.unwrap().as_deref(),
            Some("Ana Torres")
        );
        let view = store
            .account_view(&creditor, &account_ref, today())
            .await
            .unwrap()
            .unwrap();
        let since = store.now();
        assert_eq!(
            store
                .last_verification(view.account_id, since)
                .await
                .unwrap(),
            None
        );
        let wrong = IdentityClaim {
            date_of_birth: Some(&dob),
            ssn_last4: Some(wrong_last4),
            postal_code: None,
        };
        let checked = store
            .check_identity(&ana, &creditor, &account_ref, view.account_id, wrong)
            .await
            .unwrap();
        assert_eq!(
            (
                checked.date_of_birth,
                checked.ssn_last4,
                checked.postal_code
            ),
            (FieldCheck::Match, FieldCheck::NoMatch, FieldCheck::NotAsked)
        );
        assert!(!checked.verified);
        let right = IdentityClaim {
            date_of_birth: Some(&dob),
            ssn_last4: Some(&last4),
            postal_code: None,
        };
        let checked = store
            .check_identity(&ana, &creditor, &account_ref, view.account_id, right)
            .await
            .unwrap();
        assert!(checked.verified);
        let last = store
            .last_verification(view.account_id, since)
            .await
            .unwrap()
            .unwrap();
        assert!(last.verified && last.agent.as_deref() == Some("Ana Torres"));
        let key = format!("{creditor}/{account_ref}");
        let events = store.audit_log(Some(&key), 50).await.unwrap();
        let checks: Vec<_> = events
            .iter()
            .filter(|event| event.action == "account.verification")
            .collect();
        assert_eq!(checks.len(), 2);
        for event in checks {
            let after = event.after_json.clone().unwrap_or_default();
            assert!(
                !after.contains(&dob) && !after.contains(&last4) && !after.contains(wrong_last4),
                "{after}"
            );
        }
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}
