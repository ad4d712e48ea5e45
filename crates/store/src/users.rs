//! System users: agents, supervisors, … with Argon2id password hashes.

use crate::audit::AuditEvent;
use crate::{Actor, Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use domain::party::Role;
use serde_json::json;
use sqlx::Row;

pub const USERNAME_LENGTH_MAX: usize = 64;
pub const PASSWORD_LENGTH_MIN: usize = 12;
pub const PASSWORD_LENGTH_MAX: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
}

fn check_username(username: &str) -> Result<(), StoreError> {
    let valid = !username.is_empty()
        && username.len() <= USERNAME_LENGTH_MAX
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "user name {username:?}: 1 to {USERNAME_LENGTH_MAX} letters, digits, '.', '_', '-' or '@'"
        )))
    }
}

/// Passwords long enough to pass the length rule that are among the first any attacker
/// tries (from public breach lists); checked case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "098765432109",
    "111111111111",
    "000000000000",
    "qwertyuiopas",
    "qwerty123456",
    "qwertyuiop12",
    "1q2w3e4r5t6y",
    "password1234",
    "password12345",
    "passwordpassword",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "iloveyou1234",
    "abcdefghijkl",
    "abc123456789",
    "abcd12345678",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "changeme1234",
    "administrator",
    "adminadmin12",
    "admin1234567",
    "trustno1trustno1",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "monkey123456",
    "superman1234",
    "starwars1234",
    "correcthorsebatterystaple",
];

/// The password rules: 12 to 1,024 characters, not the user name (nor containing a
/// name of four letters or more), not one character repeated, not a common password.
pub(crate) fn check_password(username: &str, password: &str) -> Result<(), StoreError> {
    let length = password.chars().count();
    if !(PASSWORD_LENGTH_MIN..=PASSWORD_LENGTH_MAX).contains(&length) {
        return Err(StoreError::Invalid(format!(
            "a password has {PASSWORD_LENGTH_MIN} to {PASSWORD_LENGTH_MAX} characters"
        )));
    }
    let lower = password.to_lowercase();
    let name = username.to_lowercase();
    if lower == name || (name.chars().count() >= 4 && lower.contains(&name)) {
        return Err(StoreError::Invalid(
            "a password may not contain the user name".into(),
        ));
    }
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) || COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(StoreError::Invalid(
            "this password is among the first an attacker tries: choose another".into(),
        ));
    }
    Ok(())
}

/// Argon2id with the crate's default (OWASP) parameters, off the async runtime.
pub(crate) async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| StoreError::Invalid(format!("cannot hash password: {error}")))
    })
    .await
    .expect("hashing does not panic")
}

impl Store {
    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        role: Role,
        password: &str,
    ) -> Result<User, StoreError> {
        check_username(username)?;
        check_password(username, password)?;
        let password_hash = hash_password(password.to_string()).await?;
        let mut tx = self.write().await?;
        // `Ana` and `ana` would be two people no one can tell apart in the audit log.
        let taken = sqlx::query("SELECT id FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(tx.conn())
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {username:?} already exists"
            )));
        }
        let id = tx.next_id("users").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "user.create",
                entity: "user",
                entity_key: username,
                before: None,
                after: Some(json!({"username": username, "role": role.code()})),
                reason: "user added",
            })
            .await?;
        let sealed = crate::seal::seal(
            tx.seal(),
            &crate::seal::UserRow {
                id,
                username,
                password_hash: &password_hash,
                created_at_us: tx.now_us(),
                audit_seq: seq,
                role: role.code(),
                disabled: 0,
            },
        );
        sqlx::query("INSERT INTO users (id, username, role, password_hash, disabled, created_at_us, audit_seq, seal) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)")
            .bind(id)
            .bind(username)
            .bind(role.code())
            .bind(&password_hash)
            .bind(tx.now_us())
            .bind(seq)
            .bind(&sealed.text)
            .execute(tx.conn())
            .await?;
        tx.sealed().add("users", sealed.sum);
        tx.commit().await?;
        Ok(User {
            id,
            username: username.to_string(),
            role,
            disabled: false,
        })
    }

    /// The user if the password is right. Unknown users cost a hash verification too, so
    /// timing does not reveal which user names exist.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT id, username, role, password_hash, disabled FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let stored_hash = match &row {
            Some(row) => Some(row.try_get::<String, _>(3)?),
            None => None,
        };
        let password = password.to_string();
        let verifications = self.password_verifications.clone();
        let matches = tokio::task::spawn_blocking(move || {
            // An unknown user costs the same Argon2id verification, against a dummy hash.
            let stored_hash = stored_hash.unwrap_or_else(|| dummy_hash().to_string());
            PasswordHash::new(&stored_hash)
                .map(|hash| {
                    let matches = Argon2::default()
                        .verify_password(password.as_bytes(), &hash)
                        .is_ok();
                    verifications.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    matches
                })
                .unwrap_or(false)
        })
        .await
        .expect("verification does not panic");
        let Some(row) = row.filter(|_| matches) else {
            return Ok(None);
        };
        let user = user_from_row(&row)?;
        Ok((!user.disabled).then_some(user))
    }

    /// Prepares what authentication needs, so the first failed login is not slower
    /// than the others (a timing signal that a user name does not exist).
    pub async fn warm_up_authentication(&self) {
        tokio::task::spawn_blocking(dummy_hash)
            .await
            .expect("hashing does not panic");
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, username, role, password_hash, disabled FROM users ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get(2)?;
    Ok(User {
        id: row.try_get(0)?,
        username: row.try_get(1)?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        disabled: row.try_get::<i64, _>(4)? != 0,
    })
}

/// A real Argon2id hash of a random password, verified against when the user is unknown.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut password = [0u8; 32];
        getrandom::fill(&mut password).expect("the operating system's random source works");
        Argon2::default()
            .hash_password(&password)
            .expect("hashing works")
            .to_string()
    })
}
