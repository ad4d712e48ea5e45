//! Strategy and model versions in the store on both engines: numbered per name, the
//! same text stored once, one strategy and one model active at a time (independently),
//! each load and activation audited.

use crate::support::{actor, count, engines};
use store::strategies::{Kind, NewVersion};

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn new<'a>(name: &'a str, source: &'a str, sha: &'a str, activate: bool) -> NewVersion<'a> {
    NewVersion {
        name,
        file: "test.toml",
        source,
        sha256: sha,
        activate,
    }
}

#[tokio::test]
async fn versions_are_numbered_per_name_stored_once_and_one_of_each_kind_is_active() {
    for db in engines().await {
        let store = db.open().await;
        let (a1, a2, b1) = ("name = \"a\" # 1", "name = \"a\" # 2", "name = \"b\"");
        let (sha_a1, sha_a2, sha_b1) = (sha256(a1), sha256(a2), sha256(b1));
        let first = store
            .load_version(&actor(), Kind::Strategy, &new("a", a1, &sha_a1, false))
            .await
            .unwrap();
        assert!(first.new && !first.version.active);
        let second = store
            .load_version(&actor(), Kind::Strategy, &new("a", a2, &sha_a2, false))
            .await
            .unwrap();
        let other = store
            .load_version(&actor(), Kind::Strategy, &new("b", b1, &sha_b1, true))
            .await
            .unwrap();
        let numbers: Vec<String> = [&first, &second, &other]
            .iter()
            .map(|loaded| loaded.version.key())
            .collect();
        assert_eq!(numbers, ["a/1", "a/2", "b/1"]);
        assert_eq!(count(&store, "strategies").await, 3);

        // The same text again with --activate: no new row, the stored one activated,
        // the other name's version deactivated.
        let again = store
            .load_version(&actor(), Kind::Strategy, &new("a", a1, &sha_a1, true))
            .await
            .unwrap();
        assert!(!again.new && again.activated && again.version.active);
        assert_eq!(again.version.id, first.version.id);
        assert_eq!(count(&store, "strategies").await, 3);
        let active = store.active_version(Kind::Strategy).await.unwrap().unwrap();
        assert_eq!(
            (active.version.key(), active.source.as_str()),
            ("a/1".into(), a1)
        );
        let listed: Vec<(String, bool)> = store
            .versions(Kind::Strategy)
            .await
            .unwrap()
            .into_iter()
            .map(|version| (version.key(), version.active))
            .collect();
        assert_eq!(
            listed,
            [
                ("a/2".into(), false),
                ("a/1".into(), true),
                ("b/1".into(), false)
            ]
        );

        // Models have their own numbering and their own active version.
        assert!(store.active_version(Kind::Model).await.unwrap().is_none());
        let model = store
            .load_version(
                &actor(),
                Kind::Model,
                &new("ignored", "m", &sha256("m"), true),
            )
            .await
            .unwrap();
        assert_eq!(model.version.key(), "model/1");
        assert_eq!(
            store
                .active_version(Kind::Strategy)
                .await
                .unwrap()
                .unwrap()
                .version
                .key(),
            "a/1",
            "activating a model leaves the strategy"
        );
        store
            .activate_version(&actor(), Kind::Strategy, "a", 2)
            .await
            .unwrap();
        assert_eq!(
            store
                .active_version(Kind::Model)
                .await
                .unwrap()
                .unwrap()
                .version
                .key(),
            "model/1"
        );
        assert!(
            store
                .activate_version(&actor(), Kind::Strategy, "a", 3)
                .await
                .is_err()
        );
        let events = |action: &'static str| {
            let store = store.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1",
                )
                .bind(action)
                .fetch_one(store.pool())
                .await
                .unwrap()
            }
        };
        assert_eq!(events("strategy.loaded").await, 3);
        assert_eq!(events("strategy.activated").await, 3);
        assert_eq!(events("score_model.loaded").await, 1);
        assert!(store.verify_audit().await.unwrap().broken.is_none());
    }
}
