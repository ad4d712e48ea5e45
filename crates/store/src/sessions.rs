//! Signing in: sessions for the web workspace, API tokens for integrations, the counters
//! that throttle failed sign-ins (the policy is `app::session`'s, the counting
//! `domain::throttle`), and which creditors each user may see.
//!
//! **Invariants:** tokens are 32 random bytes shown once; only their SHA-256 is stored,
//! so a copy of the database opens no session. Sign-in counters are kept in the
//! database, keyed by the user name as typed (hashed) whether or not such a user exists,
//! and updated in a writing transaction, so every server process sees the same counts.
//! A user locked out (or disabled) has no working session or API token until the lock
//! ends. Agents and supervisors see only the creditors assigned to them; managers,
//! billing, admins and auditors see all.

use crate::audit::AuditEvent;
use crate::seal::{self, AssignmentRow};
use crate::users::User;
use crate::{Actor, Store, StoreError};
use domain::party::{Language, Role};
use domain::throttle::{Counter, Counters, Limits};
use jiff::{Span, Timestamp};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

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

/// What a session cookie or API token opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access<T> {
    Granted(T),
    /// A live session or token whose user may not act now.
    Suspended(Suspension),
    /// No such live session or token.
    Denied,
}

/// Why a user's sessions and tokens do not work now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suspension {
    /// Too many failed sign-ins for the user's name: until then.
    LockedOut { until: Timestamp },
    /// The user was disabled.
    Disabled,
}

/// One sign-in as the throttle counts it: the user name as typed (a user or not) and
/// the client's key (its address, as `app::session::client_key` writes it).
#[derive(Clone, Copy, Debug)]
pub struct SignInAttempt<'a> {
    pub username: &'a str,
    pub client: &'a str,
}

const SCOPE_USER_AND_CLIENT: &str = "user_client";
const SCOPE_CLIENT: &str = "client";
const SCOPE_USER: &str = "user";

impl SignInAttempt<'_> {
    /// The user name's counter key: the SHA-256 of its lower case (user names are
    /// unique case-insensitively), so no typed text (a password in the wrong field) is
    /// kept.
    fn user_key(&self) -> String {
        token_sha256(&self.username.to_lowercase())
    }

    /// (scope, user_key, client) of its three counters.
    fn keys(&self) -> [(&'static str, String, String); 3] {
        let user = self.user_key();
        [
            (SCOPE_USER_AND_CLIENT, user.clone(), self.client.to_string()),
            (SCOPE_CLIENT, String::new(), self.client.to_string()),
            (SCOPE_USER, user, String::new()),
        ]
    }
}

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| StoreError::Corrupt(format!("instant {us}")))
}

/// The three counters of `attempt`, as stored.
async fn read_counters<'e, E>(
    executor: E,
    attempt: SignInAttempt<'_>,
) -> Result<Counters, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let [pair, client, user] = attempt.keys();
    let rows = sqlx::query(
        "SELECT scope, window_start_us, failures, locked_until_us FROM sign_in_throttle \
         WHERE (scope = $1 AND user_key = $2 AND client = $3) \
            OR (scope = $4 AND user_key = $5 AND client = $6) \
            OR (scope = $7 AND user_key = $8 AND client = $9)",
    )
    .bind(pair.0)
    .bind(&pair.1)
    .bind(&pair.2)
    .bind(client.0)
    .bind(&client.1)
    .bind(&client.2)
    .bind(user.0)
    .bind(&user.1)
    .bind(&user.2)
    .fetch_all(executor)
    .await?;
    let mut counters = Counters::default();
    for row in rows {
        let scope: String = row.try_get(0)?;
        let failures: i64 = row.try_get(2)?;
        let counter = Counter {
            window_start: instant(row.try_get(1)?)?,
            failures: u32::try_from(failures)
                .map_err(|_| StoreError::Corrupt(format!("sign-in failures {failures}")))?,
            locked_until: row.try_get::<Option<i64>, _>(3)?.map(instant).transpose()?,
        };
        match scope.as_str() {
            SCOPE_USER_AND_CLIENT => counters.user_and_client = Some(counter),
            SCOPE_CLIENT => counters.client = Some(counter),
            SCOPE_USER => counters.user = Some(counter),
            other => return Err(StoreError::Corrupt(format!("sign-in scope {other:?}"))),
        }
    }
    Ok(counters)
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
    /// The sign-in counters of `attempt` (its user name from its client, its client,
    /// its user name), whether or not the user exists.
    pub async fn sign_in_counters(
        &self,
        attempt: SignInAttempt<'_>,
    ) -> Result<Counters, StoreError> {
        read_counters(&self.pool, attempt).await
    }

    /// Counts a failed sign-in against `limits` in one transaction (concurrent failures
    /// are serialised, so none is lost), on every engine and server process alike, and
    /// returns the counters after it. When the user name's own counter locks and such a
    /// user exists, the user is locked out (`users.locked_until_us`, audited): their
    /// sessions and API tokens stop working until the lock ends. Every failure is
    /// audited, naming the user if there is one.
    pub async fn record_failed_sign_in(
        &self,
        attempt: SignInAttempt<'_>,
        limits: &Limits,
    ) -> Result<Counters, StoreError> {
        let mut tx = self.write().await?;
        let now = instant(tx.now_us())?;
        let before = read_counters(tx.conn(), attempt).await?;
        let after = limits.after_failure(before, now);
        let [pair, client, user] = attempt.keys();
        for ((scope, user_key, client), counter) in [
            (pair, after.user_and_client),
            (client, after.client),
            (user, after.user),
        ] {
            let Some(counter) = counter else { continue };
            sqlx::query(
                "INSERT INTO sign_in_throttle (scope, user_key, client, window_start_us, failures, locked_until_us) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (scope, user_key, client) DO UPDATE SET window_start_us = excluded.window_start_us, \
                 failures = excluded.failures, locked_until_us = excluded.locked_until_us",
            )
            .bind(scope)
            .bind(user_key)
            .bind(client)
            .bind(counter.window_start.as_microsecond())
            .bind(i64::from(counter.failures))
            .bind(counter.locked_until.map(|until| until.as_microsecond()))
            .execute(tx.conn())
            .await?;
        }
        // Forget counters whose window and lock are over (a failure would start afresh).
        let longest = [limits.user_and_client, limits.client, limits.user]
            .iter()
            .map(|limit| limit.window)
            .max()
            .unwrap_or_default();
        let forgotten_before = now.checked_sub(longest).unwrap_or(Timestamp::MIN);
        sqlx::query(
            "DELETE FROM sign_in_throttle WHERE window_start_us <= $1 AND (locked_until_us IS NULL OR locked_until_us <= $2)",
        )
        .bind(forgotten_before.as_microsecond())
        .bind(now.as_microsecond())
        .execute(tx.conn())
        .await?;
        // User names are ASCII (`users::check_username`), so SQL's lower() matches Rust's.
        let named: Option<String> =
            sqlx::query("SELECT username FROM users WHERE lower(username) = $1")
                .bind(attempt.username.to_lowercase())
                .fetch_optional(tx.conn())
                .await?
                .map(|row| row.try_get(0))
                .transpose()?;
        let entity_key = named.as_deref().unwrap_or("(unknown)");
        let newly_locked = after
            .user
            .and_then(|counter| counter.locked_at(now))
            .filter(|_| {
                before
                    .user
                    .and_then(|counter| counter.locked_at(now))
                    .is_none()
            });
        tx.audit(AuditEvent {
            actor: entity_key,
            action: "user.login_failed",
            entity: "user",
            entity_key,
            before: None,
            after: Some(json!({
                "client": attempt.client,
                "refused_until": after.locked_at(now).map(|until| until.to_string()),
            })),
            reason: "wrong user name or password",
        })
        .await?;
        if let (Some(username), Some(until)) = (&named, newly_locked) {
            tx.audit(AuditEvent {
                actor: username,
                action: "user.locked",
                entity: "user",
                entity_key: username,
                before: None,
                after: Some(json!({"locked_until": until.to_string()})),
                reason: "too many failed sign-ins for this user name",
            })
            .await?;
            sqlx::query("UPDATE users SET locked_until_us = $1 WHERE username = $2")
                .bind(until.as_microsecond())
                .bind(username)
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// Opens a session for `user`, who just gave the right password from `attempt`'s
    /// client; that client's failures for the name are forgotten.
    pub async fn open_session(
        &self,
        user: &User,
        attempt: SignInAttempt<'_>,
    ) -> Result<(Session, String), StoreError> {
        let token = new_token();
        let csrf_token = new_token();
        let mut tx = self.write().await?;
        let expires_at = instant(tx.now_us())?
            .checked_add(Span::new().hours(SESSION_HOURS))
            .map_err(|error| StoreError::Invalid(format!("session expiry: {error}")))?;
        let session_id = tx.next_id("sessions").await?;
        tx.audit(AuditEvent {
            actor: &user.username,
            action: "user.login",
            entity: "user",
            entity_key: &user.username,
            before: None,
            after: Some(json!({"session": session_id, "client": attempt.client})),
            reason: "signed in",
        })
        .await?;
        let [pair, _, _] = attempt.keys();
        sqlx::query(
            "DELETE FROM sign_in_throttle WHERE scope = $1 AND user_key = $2 AND client = $3",
        )
        .bind(pair.0)
        .bind(&pair.1)
        .bind(&pair.2)
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
        Ok((session, token))
    }

    /// Whether a user may act now, from their `disabled` and `locked_until_us` columns.
    fn suspension(&self, disabled: i64, locked_until_us: Option<i64>) -> Option<Suspension> {
        if disabled != 0 {
            return Some(Suspension::Disabled);
        }
        let until = locked_until_us.and_then(|us| Timestamp::from_microsecond(us).ok())?;
        (until > self.now()).then_some(Suspension::LockedOut { until })
    }

    /// The live session of a cookie token: granted, suspended (its user is locked out
    /// or disabled) or denied.
    pub async fn session(&self, token: &str) -> Result<Access<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.user_id, s.csrf_token, s.expires_at_us, u.disabled, u.locked_until_us, u.username, u.role, u.language FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_sha256 = $1 AND s.ended_at_us IS NULL AND s.expires_at_us > $2",
        )
        .bind(token_sha256(token))
        .bind(self.now().as_microsecond())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Access::Denied);
        };
        if let Some(suspension) = self.suspension(row.try_get(4)?, row.try_get(5)?) {
            return Ok(Access::Suspended(suspension));
        }
        let expires_at = Timestamp::from_microsecond(row.try_get(3)?)
            .map_err(|_| StoreError::Corrupt("session expiry".into()))?;
        Ok(Access::Granted(Session {
            id: row.try_get(0)?,
            user: self.user_of(&row, 1, 6).await?,
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
        let row = sqlx::query("SELECT id, username, role, language FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user {user_id}")))?;
        self.user_of(&row, 0, 1).await
    }

    /// The user whose id is column `id` of `row` and whose username, role and language
    /// are the three columns from `named` on, with their creditors (a session's query
    /// reads the user in its join instead of again).
    async fn user_of(
        &self,
        row: &sqlx::any::AnyRow,
        id: usize,
        named: usize,
    ) -> Result<SessionUser, StoreError> {
        let user_id: i64 = row.try_get(id)?;
        let role: String = row.try_get(named + 1)?;
        let role =
            Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?;
        let language: String = row.try_get(named + 2)?;
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
            username: row.try_get(named)?,
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

    /// The user behind a live API token: granted, suspended (the user is locked out or
    /// disabled) or denied.
    pub async fn api_token_user(&self, token: &str) -> Result<Access<SessionUser>, StoreError> {
        let Some(token) = token.strip_prefix("arr_") else {
            return Ok(Access::Denied);
        };
        let row = sqlx::query(
            "SELECT t.user_id, u.disabled, u.locked_until_us FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1 AND t.revoked_at_us IS NULL",
        )
        .bind(token_sha256(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Access::Denied);
        };
        if let Some(suspension) = self.suspension(row.try_get(1)?, row.try_get(2)?) {
            return Ok(Access::Suspended(suspension));
        }
        Ok(Access::Granted(self.session_user(row.try_get(0)?).await?))
    }
}
