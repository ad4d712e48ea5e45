//! Signing in: sessions for the web workspace, API tokens for integrations, lockout after
//! repeated failures, and which creditors each user may see.
//!
//! **Invariants:** tokens are 32 random bytes shown once; only their SHA-256 is stored,
//! so a copy of the database opens no session. A locked-out user is refused even with
//! the right password until the lock ends. Agents and supervisors see only the
//! creditors assigned to them; managers, billing, admins and auditors see all.

use crate::audit::AuditEvent;
use crate::seal::{self, AssignmentRow};
use crate::{Actor, Store, StoreError};
use domain::party::{Language, Role};
use jiff::{Span, Timestamp};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Failed sign-ins in a row that lock an account.
pub const LOGIN_FAILURES_MAX: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MINUTES: i64 = 15;
/// How long a session lasts (a working day and then some).
pub const SESSION_HOURS: i64 = 12;

/// Who is signed in, with what they may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub language: Language,
    /// The creditors the user works; `None`: every creditor (see `sees_all_creditors`).
    pub creditor_ids: Option<Vec<i64>>,
}

impl SessionUser {
    pub fn may_see_creditor(&self, creditor_id: i64) -> bool {
        self.creditor_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&creditor_id))
    }

    pub fn actor(&self) -> Actor {
        Actor::new(self.username.clone())
    }
}

/// Roles whose work spans every creditor.
pub fn sees_all_creditors(role: Role) -> bool {
    matches!(
        role,
        Role::Manager | Role::Billing | Role::Admin | Role::Auditor
    )
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub user: SessionUser,
    /// The synchronizer token every state-changing request must echo.
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

#[derive(Debug)]
pub enum Login {
    /// Signed in: the session and its token (for the cookie; not stored).
    Ok { session: Session, token: String },
    /// Wrong user name or password (indistinguishable).
    Refused,
    /// Too many failures: refused until then, whatever the password.
    LockedOut { until: Timestamp },
}

/// 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    hex::encode(bytes)
}

fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Checks the password and opens a session, counting failures toward a lockout.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<Login, StoreError> {
        let now = self.now();
        let row = sqlx::query("SELECT id, locked_until_us FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        let locked_until = match &row {
            Some(row) => row
                .try_get::<Option<i64>, _>(1)?
                .and_then(|us| Timestamp::from_microsecond(us).ok())
                .filter(|until| *until > now),
            None => None,
        };
        // Verified even when locked out, so timing tells nothing.
        let user = self.authenticate(username, password).await?;
        if let Some(until) = locked_until {
            return Ok(Login::LockedOut { until });
        }
        let Some(user) = user else {
            if let Some(row) = row {
                return self.count_failure(row.try_get(0)?, username).await;
            }
            return Ok(Login::Refused);
        };
        let token = new_token();
        let csrf_token = new_token();
        let expires_at = now
            .checked_add(Span::new().hours(SESSION_HOURS))
            .map_err(|error| StoreError::Invalid(format!("session expiry: {error}")))?;
        let mut tx = self.write().await?;
        let session_id = tx.next_id("sessions").await?;
        tx.audit(AuditEvent {
            actor: username,
            action: "user.login",
            entity: "user",
            entity_key: username,
            before: None,
            after: Some(json!({"session": session_id})),
            reason: "signed in",
        })
        .await?;
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until_us = NULL WHERE id = $1")
            .bind(user.id)
            .execute(tx.conn())
            .await?;
        sqlx::query("INSERT INTO sessions (id, token_sha256, user_id, csrf_token, created_at_us, expires_at_us) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(session_id)
            .bind(token_sha256(&token))
            .bind(user.id)
            .bind(&csrf_token)
            .bind(tx.now_us())
            .bind(expires_at.as_microsecond())
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        let session = Session {
            id: session_id,
            user: self.session_user(user.id).await?,
            csrf_token,
            expires_at,
        };
        Ok(Login::Ok { session, token })
    }

    async fn count_failure(&self, user_id: i64, username: &str) -> Result<Login, StoreError> {
        let mut tx = self.write().await?;
        let failures: i64 = sqlx::query("SELECT failed_logins FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        let failures = failures + 1;
        let lock = failures >= LOGIN_FAILURES_MAX;
        let until = Timestamp::from_microsecond(tx.now_us())
            .ok()
            .and_then(|now| now.checked_add(Span::new().minutes(LOCKOUT_MINUTES)).ok());
        tx.audit(AuditEvent {
            actor: username,
            action: if lock {
                "user.locked"
            } else {
                "user.login_failed"
            },
            entity: "user",
            entity_key: username,
            before: None,
            after: Some(json!({
                "failed_logins": failures,
                "locked_until": lock.then(|| until.map(|at| at.to_string())).flatten(),
            })),
            reason: if lock {
                "too many failed sign-ins"
            } else {
                "wrong password"
            },
        })
        .await?;
        sqlx::query("UPDATE users SET failed_logins = $1, locked_until_us = $2 WHERE id = $3")
            .bind(if lock { 0 } else { failures })
            .bind(if lock {
                until.map(|at| at.as_microsecond())
            } else {
                None
            })
            .bind(user_id)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(match (lock, until) {
            (true, Some(until)) => Login::LockedOut { until },
            _ => Login::Refused,
        })
    }

    /// The live session of a cookie token, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.user_id, s.csrf_token, s.expires_at_us FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_sha256 = $1 AND s.ended_at_us IS NULL AND s.expires_at_us > $2 AND u.disabled = 0",
        )
        .bind(token_sha256(token))
        .bind(self.now().as_microsecond())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at = Timestamp::from_microsecond(row.try_get(3)?)
            .map_err(|_| StoreError::Corrupt("session expiry".into()))?;
        Ok(Some(Session {
            id: row.try_get(0)?,
            user: self.session_user(row.try_get(1)?).await?,
            csrf_token: row.try_get(2)?,
            expires_at,
        }))
    }

    pub async fn log_out(&self, session: &Session) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        tx.audit(AuditEvent {
            actor: &session.user.username,
            action: "user.logout",
            entity: "user",
            entity_key: &session.user.username,
            before: None,
            after: Some(json!({"session": session.id})),
            reason: "signed out",
        })
        .await?;
        sqlx::query("UPDATE sessions SET ended_at_us = $1 WHERE id = $2")
            .bind(tx.now_us())
            .bind(session.id)
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// A user with their language and creditors.
    pub async fn session_user(&self, user_id: i64) -> Result<SessionUser, StoreError> {
        let row = sqlx::query("SELECT username, role, language FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user {user_id}")))?;
        let role: String = row.try_get(1)?;
        let role =
            Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?;
        let language: String = row.try_get(2)?;
        let creditor_ids = if sees_all_creditors(role) {
            None
        } else {
            let rows = sqlx::query(
                "SELECT creditor_id FROM user_creditors WHERE user_id = $1 ORDER BY creditor_id",
            )
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
            Some(
                rows.iter()
                    .map(|row| row.try_get(0))
                    .collect::<Result<Vec<i64>, _>>()?,
            )
        };
        Ok(SessionUser {
            id: user_id,
            username: row.try_get(0)?,
            role,
            language: Language::parse(&language).unwrap_or(Language::En),
            creditor_ids,
        })
    }

    /// Gives `username` the creditors `codes` to work (replacing their list).
    pub async fn assign_creditors(
        &self,
        actor: &Actor,
        username: &str,
        codes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user_id: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(tx.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user {username:?}")))?
            .try_get(0)?;
        let mut ids = Vec::new();
        for code in codes {
            let id: i64 = sqlx::query("SELECT id FROM creditors WHERE code = $1")
                .bind(code)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("no creditor {code:?}")))?
                .try_get(0)?;
            ids.push(id);
        }
        let before: Vec<String> = sqlx::query(
            "SELECT c.code FROM user_creditors uc JOIN creditors c ON c.id = uc.creditor_id WHERE uc.user_id = $1 ORDER BY c.code",
        )
        .bind(user_id)
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "user.creditors",
            entity: "user",
            entity_key: username,
            before: Some(json!({"creditors": before})),
            after: Some(json!({"creditors": codes})),
            reason: "creditor assignment",
        })
        .await?;
        // The assignments replaced leave the sealed count; each must still be the one
        // Arrears sealed (else this change would cover an edit up).
        let current =
            sqlx::query("SELECT creditor_id, seal FROM user_creditors WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(tx.conn())
                .await?;
        for row in current {
            let (creditor_id, stored): (i64, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
            let assignment = AssignmentRow {
                user_id,
                creditor_id,
            };
            let old =
                seal::check_before_writing(tx.seal(), &assignment, stored.as_deref(), || {
                    format!("user_creditors (user {username:?}, creditor id {creditor_id})")
                })?;
            tx.sealed().remove("user_creditors", old);
        }
        sqlx::query("DELETE FROM user_creditors WHERE user_id = $1")
            .bind(user_id)
            .execute(tx.conn())
            .await?;
        ids.sort_unstable();
        ids.dedup();
        for creditor_id in ids {
            let sealed = seal::seal(
                tx.seal(),
                &AssignmentRow {
                    user_id,
                    creditor_id,
                },
            );
            sqlx::query(
                "INSERT INTO user_creditors (user_id, creditor_id, seal) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(creditor_id)
            .bind(&sealed.text)
            .execute(tx.conn())
            .await?;
            tx.sealed().add("user_creditors", sealed.sum);
        }
        tx.commit().await
    }

    /// The user's language for the workspace.
    pub async fn set_language(
        &self,
        actor: &Actor,
        user_id: i64,
        language: Language,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let username: String = sqlx::query("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "user.language",
            entity: "user",
            entity_key: &username,
            before: None,
            after: Some(json!({"language": language.code()})),
            reason: "language preference",
        })
        .await?;
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language.code())
            .bind(user_id)
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// A new API token for `username` (shown once).
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        username: &str,
        name: &str,
    ) -> Result<String, StoreError> {
        let token = new_token();
        let mut tx = self.write().await?;
        let user_id: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(tx.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user {username:?}")))?
            .try_get(0)?;
        let id = tx.next_id("api_tokens").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "api_token.create",
                entity: "user",
                entity_key: username,
                before: None,
                after: Some(json!({"token": id, "name": name})),
                reason: "API token issued",
            })
            .await?;
        sqlx::query("INSERT INTO api_tokens (id, token_sha256, user_id, name, created_at_us, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(token_sha256(&token))
            .bind(user_id)
            .bind(name)
            .bind(tx.now_us())
            .bind(seq)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(format!("arr_{token}"))
    }

    /// The user behind a live API token.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<SessionUser>, StoreError> {
        let Some(token) = token.strip_prefix("arr_") else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1 AND t.revoked_at_us IS NULL AND u.disabled = 0",
        )
        .bind(token_sha256(token))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(self.session_user(row.try_get(0)?).await?)),
            None => Ok(None),
        }
    }
}
