//! What agents do all day, stored: the work queue (candidates in priority order, locks
//! so no two agents work one account), contact attempts with the compliance decision
//! behind each, notes, callbacks and promises to pay.
//!
//! **Invariants:** a debtor — all their accounts — is locked to at most one agent at a
//! time (a single conditional upsert on `debtor_locks`, atomic on both engines); an agent
//! holds at most one lock; every attempt, note, callback and promise is audited and bumps the
//! account's `version`, and a change made against an older version is refused.

use crate::audit::{AuditEvent, WriteTx};
use crate::decisions::{self, NewDecision};
use crate::sessions::SessionUser;
use crate::{Store, StoreError};
use domain::arrangement::{ArrangementStatus, PromiseStatus};
use domain::money::Amount;
use jiff::civil::Date;
use jiff::{Span, Timestamp};
use serde_json::json;
use sqlx::Row;

mod attempts;
mod contacts;
mod notes;
mod promises;
mod queue;
mod search;
mod team;
mod verification;
mod worklist;

pub(crate) use attempts::debtor_attempts_on;
pub(crate) use notes::debtor_consents_on;
pub use search::{
    Found, MatchedOn, SEARCH_MATCHES_MAX, SEARCH_QUERY_LENGTH_MAX, SEARCH_RESULTS_MAX, Searched,
};
pub use team::{AgentDay, OpenDispute};
pub use verification::{
    DISPLAY_NAME_LENGTH_MAX, FieldCheck, IdentityClaim, VERIFY_FIELDS_MIN, Verification,
};
pub use worklist::{
    CurrencyTotal, NotWorked, TODAY_ROWS_MAX, Today, TodayItem, WORKLIST_COUNT_MAX,
    WORKLIST_PAGE_ROWS, Worklist, WorklistFilter, WorklistRow, WorklistSort,
};
pub(crate) use worklist::{fold_existing_names, refresh_balances};

/// The queue size shown is exact up to this many accounts.
pub const QUEUE_COUNT_MAX: i64 = 1_000;
/// How long "Next account" reserves an account for the agent.
pub const LOCK_MINUTES: i64 = 15;
/// A debtor someone tried to contact, on any of their accounts, leaves the queue for this
/// long (callbacks excepted), so the queue moves on instead of redialling the same
/// numbers through a sibling account: the cool-down is 240 minutes.
pub const REST_AFTER_ATTEMPT_HOURS: i64 = 4;
/// Longest note or attempt comment.
pub const NOTE_LENGTH_MAX: usize = 2_000;
/// Most dated amounts in one promise.
pub const PROMISE_PAYMENTS_MAX: usize = 12;

/// Holds that take an account out of the calling queue.
const QUEUE_BLOCKING_HOLDS: &str =
    "'dispute', 'cease', 'attorney', 'bankruptcy', 'deceased', 'legal'";

/// An account in a user's queue, before the compliance check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueCandidate {
    pub account_id: i64,
    pub debtor_id: i64,
    pub creditor: String,
    pub account_ref: String,
    /// A callback the user scheduled that is due now.
    pub callback_id: Option<i64>,
}

/// The account an agent is about to change, as the form they submitted saw it.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    pub creditor: &'a str,
    pub account_ref: &'a str,
    /// `accounts.version` when the form was rendered.
    pub version: i64,
}

/// A contact attempt as the agent logs it (already allowed by the compliance check).
#[derive(Clone, Debug)]
pub struct NewAttempt {
    pub at: Timestamp,
    /// The contract's action code: call, sms, email, letter, visit.
    pub action: String,
    pub contact_point: Option<String>,
    /// outbound | inbound.
    pub direction: String,
    /// consumer | estate_representative | attorney.
    pub recipient: String,
    /// The contract's outcome code the disposition amounts to.
    pub outcome: String,
    pub disposition: String,
    pub note: Option<String>,
    /// A call placed inside the window of a consent the debtor gave directly (not a
    /// counted call, 12 CFR 1006.14(b)(3)).
    pub under_consent: bool,
}

/// A contact attempt as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub account_id: i64,
    pub account_ref: String,
    pub username: Option<String>,
    pub at: Timestamp,
    pub action: String,
    pub contact_point: Option<String>,
    pub direction: String,
    pub recipient: String,
    pub outcome: String,
    pub disposition: String,
    pub note: Option<String>,
    /// Placed under a consent the debtor gave directly.
    pub under_consent: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub username: Option<String>,
    pub at: Timestamp,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    pub id: i64,
    pub username: Option<String>,
    pub created_at: Timestamp,
    pub status: String,
    pub total_minor: i64,
    /// (due date, amount in minor units).
    pub payments: Vec<(Date, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    pub id: i64,
    pub username: String,
    pub due_at: Timestamp,
    pub note: Option<String>,
    pub done: bool,
    /// The debtor asked for this callback (their consent was recorded with it).
    pub requested_by_debtor: bool,
}

/// Consent given directly by the debtor, as recorded: at `given_at` they asked to be
/// contacted with `action` (the compliance contract's code) at an instant in
/// [`from`, `to`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentGiven {
    pub given_at: Timestamp,
    pub from: Timestamp,
    pub to: Timestamp,
    pub action: String,
}

/// The consent recorded with a callback the debtor asked for: their window, given now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackConsent {
    pub from: Timestamp,
    pub to: Timestamp,
}

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| StoreError::Corrupt(format!("instant {us}")))
}

fn check_note(text: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid("a note is required".into()));
    }
    if text.chars().count() > NOTE_LENGTH_MAX {
        return Err(StoreError::Invalid(format!(
            "a note has at most {NOTE_LENGTH_MAX} characters"
        )));
    }
    Ok(())
}

/// The creditor filter of a user's queries on accounts `a`.
fn creditor_filter(user: &SessionUser) -> String {
    creditor_filter_on(user, "a.creditor_id")
}

/// The creditor filter of a user's queries: `""` for everyone, or ` AND {column} IN (…)`
/// with the ids written in (they are integers from the database, not input).
pub(crate) fn creditor_filter_on(user: &SessionUser, column: &str) -> String {
    match &user.creditor_ids {
        None => String::new(),
        Some(ids) if ids.is_empty() => " AND 1 = 0".into(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND {column} IN ({})", list.join(", "))
        }
    }
}

/// Locks the account row against concurrent changes and checks the form's version;
/// returns the account id and bumps the version.
pub(crate) async fn touch(
    tx: &mut WriteTx,
    user: &SessionUser,
    seen: Seen<'_>,
) -> Result<i64, StoreError> {
    let account_id = checked(tx, user, seen).await?;
    sqlx::query("UPDATE accounts SET version = version + 1 WHERE id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    Ok(account_id)
}

/// [`touch`] without the version bump: the account id once the form's version is
/// checked, for a writer that bumps it in its own update of the row (one new row
/// version instead of two).
pub(crate) async fn checked(
    tx: &mut WriteTx,
    user: &SessionUser,
    seen: Seen<'_>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT a.id, a.version, a.creditor_id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
    )
    .bind(seen.creditor)
    .bind(seen.account_ref)
    .fetch_optional(tx.conn())
    .await?;
    let not_found = || {
        StoreError::NotFound(format!(
            "no account {:?} for creditor {:?}",
            seen.account_ref, seen.creditor
        ))
    };
    let row = row.ok_or_else(not_found)?;
    let creditor_id: i64 = row.try_get(2)?;
    // Another creditor's account is as good as absent to this user.
    if !user.may_see_creditor(creditor_id) {
        return Err(not_found());
    }
    let (account_id, version): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if version != seen.version {
        return Err(StoreError::Conflict(format!(
            "account {} changed since this page was opened (version {version}, the form has {}): reload it",
            seen.account_ref, seen.version
        )));
    }
    Ok(account_id)
}

/// Attempts after this instant keep an account out of the queue.
fn rested_since(now: Timestamp) -> i64 {
    now.as_microsecond() - REST_AFTER_ATTEMPT_HOURS * 3_600_000_000
}

fn entity_key(seen: Seen<'_>) -> String {
    format!("{}/{}", seen.creditor, seen.account_ref)
}

/// A `consents` row read from column `first` on: given_at_us, from_us, to_us, action.
pub(crate) fn consent_of(
    row: &sqlx::any::AnyRow,
    first: usize,
) -> Result<ConsentGiven, StoreError> {
    Ok(ConsentGiven {
        given_at: instant(row.try_get(first)?)?,
        from: instant(row.try_get(first + 1)?)?,
        to: instant(row.try_get(first + 2)?)?,
        action: row.try_get(first + 3)?,
    })
}
