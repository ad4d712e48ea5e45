use crate::support::{actor, sqlite_db};
use store::db::MIGRATIONS;

#[test]
fn both_engines_have_the_same_migrations_and_schema() {
    let mut versions: Vec<i64> = MIGRATIONS
        .iter()
        .map(|migration| migration.version)
        .collect();
    versions.dedup();
    assert_eq!(versions.len(), MIGRATIONS.len(), "versions are unique");
    assert!(
        versions.windows(2).all(|pair| pair[0] < pair[1]),
        "versions increase"
    );
    for migration in MIGRATIONS {
        // The dialects differ only in the integer key type and the header comment.
        let normalise = |sql: &str| {
            sql.lines()
                .filter(|line| !line.starts_with("-- Foundation schema"))
                .collect::<Vec<_>>()
                .join("\n")
                .replace("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY")
        };
        assert_eq!(
            normalise(migration.sqlite),
            normalise(migration.postgres),
            "migration {}",
            migration.name
        );
    }
}

#[tokio::test]
async fn opening_twice_applies_migrations_once() {
    for db in crate::support::engines().await {
        let store = db.open().await;
        store.close().await;
        let store = db.open().await;
        assert_eq!(
            crate::support::count(&store, "schema_migrations").await,
            MIGRATIONS.len() as i64
        );
        store.close().await;
    }
}

#[test]
fn database_urls_are_redacted_in_messages() {
    use store::db::redact;
    assert_eq!(
        redact("postgres://app:s3cret@db.internal/arrears"),
        "postgres://app:***@db.internal/arrears"
    );
    assert_eq!(
        redact("postgres://db/arrears?user=app&password=s3cret&sslmode=require"),
        "postgres://db/arrears?user=app&password=***&sslmode=require"
    );
    assert_eq!(redact("sqlite://arrears.db"), "sqlite://arrears.db");
    let error = store::Engine::of_url("postgress://app:s3cret@db/arrears")
        .unwrap_err()
        .to_string();
    assert!(!error.contains("s3cret"), "{error}");
}

/// Issue 13, finding 12: a new SQLite database, which holds the ledger and the encrypted
/// identities, is readable by its owner only, and so are its WAL files.
#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let db = sqlite_db();
    let store = db.open().await;
    store
        .add_user(
            &actor(),
            "ana",
            domain::party::Role::Agent,
            "correct horse battery",
        )
        .await
        .unwrap();
    let path = store::db::sqlite_path(&db.url).unwrap();
    let mut checked = 0;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(metadata) = std::fs::metadata(&file) {
            assert_eq!(
                metadata.permissions().mode() & 0o777,
                0o600,
                "{}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "the database and its WAL exist");
    store.close().await;
}
