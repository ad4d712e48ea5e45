//! Sign-in throttling through the use case, on every engine (issue 13, finding 6): an
//! address that guesses is refused while the user signs in from elsewhere, one address
//! alone never locks a user out, many addresses do (and that suspends the user's tokens
//! and sessions), and unknown names get the same answers after the same work.

use crate::support::{PASSWORD, TestDb, postgres_db, sqlite_db};
use app::App;
use app::session::{SIGN_IN_LIMITS, SignIn};
use domain::party::Role;
use jiff::{SignedDuration, Timestamp};
use std::net::IpAddr;
use store::Actor;
use store::sessions::{Access, Suspension};

const NOW: &str = "2026-11-23T15:00:00Z";
const WRONG: &str = "not the password";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

async fn databases() -> Vec<TestDb> {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    databases
}

/// The use cases over `db` at NOW, with the agent `ana` (and an API token of hers).
async fn app_with_ana(db: &TestDb) -> (App, String) {
    let store = db.open(now()).await;
    let actor = Actor::new("test:setup");
    store
        .add_user(&actor, "ana", Role::Agent, PASSWORD)
        .await
        .unwrap();
    let token = store
        .create_api_token(&actor, "ana", "dialer")
        .await
        .unwrap();
    (
        App::new(store, compliance::packs::RuleSet::builtin()),
        token,
    )
}

fn is_ok(answer: &SignIn) -> bool {
    matches!(answer, SignIn::Ok { .. })
}

fn throttled_until(answer: &SignIn) -> Option<Timestamp> {
    match answer {
        SignIn::Throttled { until } => Some(*until),
        _ => None,
    }
}

#[tokio::test]
async fn an_address_that_guesses_is_refused_while_the_user_signs_in_from_another() {
    for db in databases().await {
        let (app, _) = app_with_ana(&db).await;
        let attacker = ip("203.0.113.66");
        let pair = SIGN_IN_LIMITS.user_and_client.failures;
        for _ in 1..pair {
            let answer = app.log_in("ana", WRONG, attacker).await.unwrap();
            assert!(matches!(answer, SignIn::Refused), "{answer:?}");
        }
        let fifteen_minutes = now() + SignedDuration::from_mins(15);
        let answer = app.log_in("ana", WRONG, attacker).await.unwrap();
        assert_eq!(throttled_until(&answer), Some(fifteen_minutes));
        // Refused from there whatever the password, and without checking it.
        let verified = app.store().password_verifications();
        let answer = app.log_in("ana", PASSWORD, attacker).await.unwrap();
        assert_eq!(throttled_until(&answer), Some(fifteen_minutes));
        assert_eq!(app.store().password_verifications(), verified);
        // Ana, at her desk, signs in.
        assert!(is_ok(
            &app.log_in("ana", PASSWORD, ip("198.51.100.10"))
                .await
                .unwrap()
        ));

        // The address sprays other names (existing or not) until it is refused for all.
        let mut tries = pair;
        let mut refused_at = None;
        for guess in 0..40 {
            let name = format!("user{guess}");
            let answer = app.log_in(&name, WRONG, attacker).await.unwrap();
            tries += 1;
            if throttled_until(&answer).is_some() {
                refused_at = Some(tries);
                break;
            }
        }
        assert_eq!(refused_at, Some(SIGN_IN_LIMITS.client.failures));
        let answer = app.log_in("ben", PASSWORD, attacker).await.unwrap();
        assert_eq!(throttled_until(&answer), Some(fifteen_minutes));
        assert!(is_ok(
            &app.log_in("ana", PASSWORD, ip("198.51.100.10"))
                .await
                .unwrap()
        ));
        // The same address may try again once its lock is over.
        let later = app.at(fifteen_minutes);
        assert!(is_ok(
            &later.log_in("ana", PASSWORD, attacker).await.unwrap()
        ));
    }
}

/// An address that never stops guessing, one minute after another for an hour, trying
/// the user's name and others: the user keeps signing in from elsewhere, and her token
/// keeps working.
#[tokio::test]
async fn one_address_cannot_lock_a_user_out() {
    for db in databases().await {
        let (app, token) = app_with_ana(&db).await;
        let mut throttled = 0;
        for minute in 0..60 {
            let at = app.at(now() + SignedDuration::from_mins(minute));
            // A new address in the same /64 each time does not help it.
            let address = ip(&format!("2001:db8:66::{:x}", minute + 1));
            for name in ["ana", "ana", "root", "admin"] {
                let answer = at.log_in(name, WRONG, address).await.unwrap();
                throttled += usize::from(throttled_until(&answer).is_some());
            }
            if minute % 5 == 4 {
                assert!(
                    is_ok(
                        &at.log_in("ana", PASSWORD, ip("198.51.100.10"))
                            .await
                            .unwrap()
                    ),
                    "minute {minute}"
                );
                assert!(
                    matches!(at.api_token_user(&token).await.unwrap(), Access::Granted(_)),
                    "minute {minute}"
                );
            }
        }
        assert!(
            throttled > 100,
            "the address was throttled {throttled} times"
        );
    }
}

/// Enough addresses together lock the name for everyone: her sessions and tokens are
/// suspended while it lasts, and an unknown name is locked in exactly the same way.
#[tokio::test]
async fn many_addresses_lock_a_user_out_and_suspend_her_tokens_and_sessions() {
    for db in databases().await {
        let (app, token) = app_with_ana(&db).await;
        let SignIn::Ok { token: cookie, .. } = app
            .log_in("ana", PASSWORD, ip("198.51.100.10"))
            .await
            .unwrap()
        else {
            panic!("ana signs in");
        };
        let pair = SIGN_IN_LIMITS.user_and_client.failures;
        let addresses = SIGN_IN_LIMITS.user.failures.div_ceil(pair);
        let mut answers = Vec::new();
        for name in ["ana", "nobody"] {
            let mut last = None;
            for address in 0..addresses {
                let client = ip(&format!("192.0.2.{}", address + 1));
                for _ in 0..pair {
                    last = Some(app.log_in(name, WRONG, client).await.unwrap());
                }
            }
            let until = throttled_until(last.as_ref().unwrap()).expect("locked");
            // The right password from an address never seen: refused too.
            let fresh = app
                .log_in(name, PASSWORD, ip("198.51.100.99"))
                .await
                .unwrap();
            answers.push((until, throttled_until(&fresh)));
        }
        let until = now() + SignedDuration::from_mins(15);
        assert_eq!(answers, [(until, Some(until)), (until, Some(until))]);
        let locked = Suspension::LockedOut { until };
        assert_eq!(
            app.api_token_user(&token).await.unwrap(),
            Access::Suspended(locked)
        );
        assert_eq!(
            app.session(&cookie).await.unwrap(),
            Access::Suspended(locked)
        );
        let later = app.at(until);
        assert!(matches!(
            later.api_token_user(&token).await.unwrap(),
            Access::Granted(_)
        ));
        assert!(matches!(
            later.session(&cookie).await.unwrap(),
            Access::Granted(_)
        ));
        assert!(is_ok(
            &later
                .log_in("ana", PASSWORD, ip("198.51.100.99"))
                .await
                .unwrap()
        ));
    }
}

/// A name no one has gets the answers an existing one gets, attempt by attempt, and
/// each costs one Argon2 verification, as a wrong password does.
#[tokio::test]
async fn unknown_names_get_the_same_answers_after_the_same_work() {
    for db in databases().await {
        let (app, _) = app_with_ana(&db).await;
        let pair = SIGN_IN_LIMITS.user_and_client.failures;
        for attempt in 1..=pair + 1 {
            let before = app.store().password_verifications();
            let known = app.log_in("ana", WRONG, ip("192.0.2.1")).await.unwrap();
            let after_known = app.store().password_verifications();
            let unknown = app.log_in("nobody", WRONG, ip("192.0.2.2")).await.unwrap();
            let after_unknown = app.store().password_verifications();
            assert_eq!(
                format!("{known:?}"),
                format!("{unknown:?}"),
                "attempt {attempt}"
            );
            let verified = u64::from(attempt <= pair);
            assert_eq!(after_known - before, verified, "attempt {attempt}");
            assert_eq!(after_unknown - after_known, verified, "attempt {attempt}");
        }
    }
}
