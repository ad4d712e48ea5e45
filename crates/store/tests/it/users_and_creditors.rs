use crate::support::*;
use domain::ids::CreditorCode;
use domain::party::Role;
use store::StoreError;

#[tokio::test]
async fn users_authenticate_with_argon2id() {
    for db in engines().await {
        let store = db.open().await;
        let user = store
            .add_user(
                &actor(),
                "maria.agent",
                Role::Agent,
                "correct horse battery",
            )
            .await
            .unwrap();
        assert_eq!(user.role, Role::Agent);
        let stored: String = sqlx::query_scalar("SELECT password_hash FROM users")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert_eq!(
            store
                .authenticate("maria.agent", "correct horse battery")
                .await
                .unwrap(),
            Some(user)
        );
        assert_eq!(
            store
                .authenticate("maria.agent", "wrong horse battery")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .authenticate("nobody", "correct horse battery")
                .await
                .unwrap(),
            None
        );
        let again = store
            .add_user(
                &actor(),
                "maria.agent",
                Role::Admin,
                "another long password",
            )
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        let short = store.add_user(&actor(), "bob", Role::Agent, "short").await;
        assert!(matches!(short, Err(StoreError::Invalid(_))));
        let events: String = sqlx::query_scalar("SELECT after_json FROM audit_events")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(!events.contains("argon2"), "no hash in the audit log");
        store.close().await;
    }
}

#[tokio::test]
async fn creditor_policy_changes_are_checked_and_audited() {
    for db in engines().await {
        let store = db.open().await;
        let code = CreditorCode::parse("NBANK").unwrap();
        store
            .add_creditor(&actor(), &code, "National Bank")
            .await
            .unwrap();
        let settings = [
            ("grace_days".to_string(), "10".to_string()),
            ("late_fee".to_string(), "15.00".to_string()),
        ];
        let updated = store
            .set_creditor(&actor(), "NBANK", None, &settings, "client contract 2027")
            .await
            .unwrap();
        assert_eq!(updated.policy.grace_days, 10);
        assert_eq!(
            store.creditor("NBANK").await.unwrap().unwrap().policy,
            updated.policy
        );
        let bad = [
            ("grace_days".to_string(), "12".to_string()),
            ("waterfall".to_string(), "fees".to_string()),
        ];
        let refused = store
            .set_creditor(&actor(), "NBANK", None, &bad, "oops")
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(message)) if message.contains("waterfall"))
        );
        assert_eq!(
            store
                .creditor("NBANK")
                .await
                .unwrap()
                .unwrap()
                .policy
                .grace_days,
            10,
            "nothing partial kept"
        );
        let (before, after, reason): (String, String, String) =
            sqlx::query_as("SELECT before_json, after_json, reason FROM audit_events WHERE action = 'creditor.update'")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert!(
            before.contains("\"grace_days\":\"5\"") && after.contains("\"grace_days\":\"10\""),
            "{before} {after}"
        );
        assert_eq!(reason, "client contract 2027");
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}

/// Issue 13, finding 13: an admin's password of twelve digits, one that is the user
/// name, one character repeated are refused; `Upper` and `upper` cannot both be users.
#[tokio::test]
async fn weak_passwords_and_names_differing_only_in_case_are_refused() {
    for db in engines().await {
        let store = db.open().await;
        for (name, password) in [
            ("root", "123456789012"),
            ("mallory", "mallory-mallory"),
            ("eve", "eeeeeeeeeeeeeeee"),
            ("trent", "Password1234"),
        ] {
            let refused = store
                .add_user(&actor(), name, domain::party::Role::Admin, password)
                .await;
            assert!(
                matches!(refused, Err(store::StoreError::Invalid(_))),
                "{name}/{password}: {refused:?}"
            );
        }
        store
            .add_user(
                &actor(),
                "Upper",
                domain::party::Role::Agent,
                "correct horse battery",
            )
            .await
            .unwrap();
        let twin = store
            .add_user(
                &actor(),
                "upper",
                domain::party::Role::Agent,
                "correct horse battery",
            )
            .await;
        assert!(
            matches!(twin, Err(store::StoreError::Conflict(_))),
            "{twin:?}"
        );
        assert_eq!(store.users().await.unwrap().len(), 1);
        store.close().await;
    }
}
