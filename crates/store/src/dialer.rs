//! What an outbound dialer list is built from, one chunk of debtors at a time (by debtor
//! id, `debtor_chunks`): each active account's phones that are not known bad, with the
//! debtor's zones, state, the account's holds, and the debtor's recent attempts and
//! consents (`dialer_chunk`).

use crate::{Store, StoreError};
use domain::account::HoldKind;
use futures_util::TryStreamExt;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialerCandidate {
    pub account_id: i64,
    pub debtor_id: i64,
    pub creditor: String,
    pub account_ref: String,
    /// `phone_home`, `phone_mobile` or `phone_work`.
    pub phone_kind: String,
    /// E.164.
    pub phone: String,
    pub time_zones: Vec<String>,
    pub state: Option<String>,
    pub holds: Vec<HoldKind>,
    /// When the oldest open dispute hold was placed (microseconds UTC).
    pub dispute_placed_at_us: Option<i64>,
    pub validation_notice_sent_at: Option<jiff::Timestamp>,
}

/// The phone kinds, quoted for SQL, from the domain's vocabulary (`ContactKind::is_phone`).
pub(crate) fn phone_kinds() -> String {
    use domain::party::ContactKind;
    quoted(
        ContactKind::ALL
            .iter()
            .filter(|kind| kind.is_phone())
            .map(|kind| kind.code()),
    )
}

/// The usable statuses, quoted for SQL (`ContactStatus::is_usable`).
pub(crate) fn usable_statuses() -> String {
    use domain::party::ContactStatus;
    quoted(
        ContactStatus::ALL
            .iter()
            .filter(|status| status.is_usable())
            .map(|status| status.code()),
    )
}

fn quoted<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = codes.map(|code| format!("'{code}'")).collect();
    quoted.join(", ")
}

/// One chunk of debtors' active accounts and their usable phones, in debtor, account and
/// phone order (`$1`, `$2`: the first and last debtor id). The kinds and statuses come
/// from the domain's vocabulary, never copied here. `CROSS JOIN` keeps SQLite's plan
/// driven by the debtors' id range (then `accounts_debtor` and the contact points' unique
/// key, per debtor) instead of walking every active account for each chunk through
/// `accounts_queue_order`; PostgreSQL plans it as the join it is.
fn candidates_query() -> String {
    format!(
        "SELECT a.id, c.code, a.account_ref, p.kind, p.value, d.time_zones, d.state, d.id, a.validation_notice_sent_at_us \
         FROM debtors d CROSS JOIN accounts a JOIN creditors c ON c.id = a.creditor_id \
         JOIN contact_points p ON p.debtor_id = d.id \
         WHERE d.id BETWEEN $1 AND $2 AND a.debtor_id = d.id \
         AND a.status = 'active' AND p.kind IN ({phones}) AND p.status IN ({usable}) \
         ORDER BY d.id, a.id, p.id",
        phones = phone_kinds(),
        usable = usable_statuses(),
    )
}

/// What the dialer asks the compliance engine with about one chunk of debtors, read in
/// one snapshot.
#[derive(Clone, Debug, Default)]
pub struct DialerChunk {
    /// Every (active account, usable phone) of the chunk's debtors, by debtor id, then
    /// account id (the order accounts were placed), then phone id (the order the
    /// debtor's phones were added).
    pub candidates: Vec<DialerCandidate>,
    /// Contact attempts since the look-back instant on any account of each debtor, oldest
    /// first.
    pub attempts: HashMap<i64, Vec<crate::workspace::Attempt>>,
    /// Consents each debtor gave whose window ends after the instant asked about.
    pub consents: HashMap<i64, Vec<crate::workspace::ConsentGiven>>,
}

impl Store {
    /// The portfolio cut into chunks of at most `debtors_per_chunk` debtors by id: each
    /// chunk is (first debtor id, last debtor id), both inclusive, in order, together
    /// covering every debtor (and so every account: an account belongs to one debtor, so
    /// a debtor's accounts are never split across chunks). Debtors placed later have
    /// larger ids and fall after the last chunk.
    pub async fn debtor_chunks(
        &self,
        debtors_per_chunk: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        assert!(debtors_per_chunk > 0, "a chunk holds at least one debtor");
        let rows = sqlx::query(
            "SELECT MIN(id), MAX(id) FROM \
             (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / $1 AS chunk FROM debtors) numbered \
             GROUP BY chunk ORDER BY chunk",
        )
        .bind(debtors_per_chunk)
        .fetch_all(&self.pool)
        .await?;
        let chunks = rows
            .iter()
            .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        assert!(
            chunks.windows(2).all(|pair| pair[0].1 < pair[1].0),
            "chunks are disjoint and in order"
        );
        Ok(chunks)
    }

    /// The dialer's facts about debtors `first_debtor_id..=last_debtor_id`, in one read
    /// snapshot: their active accounts' usable phones with zones, state, holds and
    /// notices, their contact attempts since `attempts_since` and the consents whose
    /// window ends after `consents_after`.
    pub async fn dialer_chunk(
        &self,
        (first_debtor_id, last_debtor_id): (i64, i64),
        attempts_since: jiff::Timestamp,
        consents_after: jiff::Timestamp,
    ) -> Result<DialerChunk, StoreError> {
        let begin = match self.engine() {
            crate::Engine::Sqlite => "BEGIN",
            crate::Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        let mut snapshot = self.pool.begin_with(begin).await?;
        let range = (first_debtor_id, last_debtor_id);
        let holds = open_holds(&mut snapshot, range).await?;
        let candidates = candidates(&mut snapshot, range, &holds).await?;
        let attempts = recent_attempts(&mut snapshot, range, attempts_since).await?;
        let consents = consents_given(&mut snapshot, range, consents_after).await?;
        snapshot.rollback().await?;
        Ok(DialerChunk {
            candidates,
            attempts,
            consents,
        })
    }
}

type Holds = HashMap<i64, (Vec<HoldKind>, Option<i64>)>;

async fn candidates(
    connection: &mut AnyConnection,
    (first, last): (i64, i64),
    holds: &Holds,
) -> Result<Vec<DialerCandidate>, StoreError> {
    let sql = candidates_query();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(first)
        .bind(last)
        .fetch(&mut *connection);
    let mut candidates = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let account_id: i64 = row.try_get(0)?;
        let zones: String = row.try_get(5)?;
        let account_holds = holds.get(&account_id);
        candidates.push(DialerCandidate {
            account_id,
            debtor_id: row.try_get(7)?,
            creditor: row.try_get(1)?,
            account_ref: row.try_get(2)?,
            phone_kind: row.try_get(3)?,
            phone: row.try_get(4)?,
            time_zones: zones
                .split(',')
                .filter(|zone| !zone.is_empty())
                .map(str::to_string)
                .collect(),
            state: row.try_get(6)?,
            holds: account_holds
                .map(|(kinds, _)| kinds.clone())
                .unwrap_or_default(),
            dispute_placed_at_us: account_holds.and_then(|(_, dispute)| *dispute),
            validation_notice_sent_at: optional_instant(row.try_get(8)?)?,
        });
    }
    Ok(candidates)
}

fn optional_instant(us: Option<i64>) -> Result<Option<jiff::Timestamp>, StoreError> {
    us.map(|us| {
        jiff::Timestamp::from_microsecond(us)
            .map_err(|_| StoreError::Corrupt(format!("instant {us}")))
    })
    .transpose()
}

/// Open holds per account of the chunk's debtors, and when the oldest open dispute hold
/// was placed.
async fn open_holds(
    connection: &mut AnyConnection,
    (first, last): (i64, i64),
) -> Result<Holds, StoreError> {
    let rows = sqlx::query(
        "SELECT h.account_id, h.kind, h.placed_at_us FROM accounts a JOIN account_holds h ON h.account_id = a.id \
         WHERE a.debtor_id BETWEEN $1 AND $2 AND h.released_at_us IS NULL ORDER BY h.id",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&mut *connection)
    .await?;
    let mut holds: Holds = HashMap::new();
    for row in rows {
        let kind: String = row.try_get(1)?;
        let kind =
            HoldKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("hold {kind:?}")))?;
        let entry = holds.entry(row.try_get(0)?).or_default();
        entry.0.push(kind);
        if kind == HoldKind::Dispute && entry.1.is_none() {
            entry.1 = Some(row.try_get(2)?);
        }
    }
    Ok(holds)
}

/// What the compliance check needs to know about one account, for any channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactFacts {
    pub account_id: i64,
    pub creditor: String,
    pub account_ref: String,
    pub status: String,
    pub time_zones: Vec<String>,
    pub state: Option<String>,
    pub holds: Vec<HoldKind>,
    /// When the oldest open dispute hold was placed (microseconds UTC).
    pub dispute_placed_at_us: Option<i64>,
    /// The debtor's contact points: (kind, value, status), in the order they were added.
    pub contact_points: Vec<(String, String, String)>,
    pub validation_notice_sent_at: Option<jiff::Timestamp>,
    /// The debtor opted out of email (`opt_outs`, store::messages).
    pub email_opted_out: bool,
    /// The debtor opted out of texts.
    pub sms_opted_out: bool,
    /// When returned mail was last recorded for the account (`Store::undeliverable_notice_at`).
    pub undeliverable_notice_at: Option<jiff::Timestamp>,
}

/// What the compliance check is asked with about one account: its facts, the contact
/// attempts on every account of its debtor (`Store::debtor_attempts`) and the consents
/// the debtor gave (`Store::debtor_consents`), read together.
#[derive(Clone, Debug)]
pub struct ContactHistory {
    pub facts: ContactFacts,
    pub attempts: Vec<crate::workspace::Attempt>,
    pub consents: Vec<crate::workspace::ConsentGiven>,
}

impl Store {
    /// The facts about one account the compliance check is asked with.
    pub async fn contact_facts(
        &self,
        creditor: &str,
        account_ref: &str,
    ) -> Result<ContactFacts, StoreError> {
        let mut connection = self.pool.acquire().await?;
        contact_facts_on(&mut connection, creditor, account_ref).await
    }

    /// [`Store::contact_facts`] with the debtor's attempts and consents (every consent
    /// recorded), on one connection: a page or a wrap-up reads them together, and each
    /// query on a connection of its own cost a round trip more.
    pub async fn contact_history(
        &self,
        creditor: &str,
        account_ref: &str,
    ) -> Result<ContactHistory, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let facts = contact_facts_on(&mut connection, creditor, account_ref).await?;
        let attempts =
            crate::workspace::debtor_attempts_on(&mut connection, facts.account_id).await?;
        let consents = crate::workspace::debtor_consents_on(
            &mut connection,
            facts.account_id,
            jiff::Timestamp::MIN,
        )
        .await?;
        Ok(ContactHistory {
            facts,
            attempts,
            consents,
        })
    }
}

async fn contact_facts_on(
    connection: &mut sqlx::AnyConnection,
    creditor: &str,
    account_ref: &str,
) -> Result<ContactFacts, StoreError> {
    let row = sqlx::query(
        "SELECT a.id, a.status, d.id, d.time_zones, d.state, a.validation_notice_sent_at_us, \
           CAST(CASE WHEN EXISTS (SELECT 1 FROM opt_outs o WHERE o.debtor_id = d.id AND o.channel = 'email') THEN 1 ELSE 0 END AS BIGINT), \
           CAST(CASE WHEN EXISTS (SELECT 1 FROM opt_outs o WHERE o.debtor_id = d.id AND o.channel = 'sms') THEN 1 ELSE 0 END AS BIGINT), \
           (SELECT MAX(m.recorded_at_us) FROM mail_returns m WHERE m.account_id = a.id) \
         FROM accounts a JOIN creditors c ON c.id = a.creditor_id \
         JOIN debtors d ON d.id = a.debtor_id WHERE c.code = $1 AND a.account_ref = $2",
    )
    .bind(creditor)
    .bind(account_ref)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| {
        StoreError::NotFound(format!(
            "no account {account_ref:?} for creditor {creditor:?}"
        ))
    })?;
    let account_id: i64 = row.try_get(0)?;
    let debtor_id: i64 = row.try_get(2)?;
    let zones: String = row.try_get(3)?;
    let mut holds = Vec::new();
    let mut dispute_placed_at_us = None;
    for hold in sqlx::query(
        "SELECT kind, placed_at_us FROM account_holds WHERE account_id = $1 AND released_at_us IS NULL ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(&mut *connection)
    .await?
    {
        let kind: String = hold.try_get(0)?;
        let kind = HoldKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("hold {kind:?}")))?;
        if kind == HoldKind::Dispute && dispute_placed_at_us.is_none() {
            dispute_placed_at_us = Some(hold.try_get(1)?);
        }
        holds.push(kind);
    }
    let contact_points = sqlx::query(
        "SELECT kind, value, status FROM contact_points WHERE debtor_id = $1 ORDER BY id",
    )
    .bind(debtor_id)
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .map(|point| Ok((point.try_get(0)?, point.try_get(1)?, point.try_get(2)?)))
    .collect::<Result<Vec<_>, StoreError>>()?;
    // The opt-outs (`Store::opted_out`) and returned mail, read with the account.
    let returned_at_us: Option<i64> = row.try_get(8)?;
    Ok(ContactFacts {
        email_opted_out: row.try_get::<i64, _>(6)? == 1,
        sms_opted_out: row.try_get::<i64, _>(7)? == 1,
        undeliverable_notice_at: optional_instant(returned_at_us)?,
        account_id,
        creditor: creditor.to_string(),
        account_ref: account_ref.to_string(),
        status: row.try_get(1)?,
        time_zones: zones
            .split(',')
            .filter(|zone| !zone.is_empty())
            .map(str::to_string)
            .collect(),
        state: row.try_get(4)?,
        holds,
        dispute_placed_at_us,
        contact_points,
        validation_notice_sent_at: optional_instant(row.try_get(5)?)?,
    })
}

/// Contact attempts since `since` on any account of the chunk's debtors, per debtor,
/// oldest first (the compliance history, as far back as the rule set looks).
async fn recent_attempts(
    connection: &mut AnyConnection,
    (first, last): (i64, i64),
    since: jiff::Timestamp,
) -> Result<HashMap<i64, Vec<crate::workspace::Attempt>>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.debtor_id, t.id, t.account_id, a.account_ref, t.at_us, t.action, t.contact_point, t.direction, t.recipient, t.outcome, t.disposition, t.under_consent \
         FROM accounts a JOIN contact_attempts t ON t.account_id = a.id \
         WHERE a.debtor_id BETWEEN $1 AND $2 AND t.at_us >= $3 ORDER BY t.at_us, t.id",
    )
    .bind(first)
    .bind(last)
    .bind(since.as_microsecond())
    .fetch_all(&mut *connection)
    .await?;
    let mut by_debtor: HashMap<i64, Vec<crate::workspace::Attempt>> = HashMap::new();
    for row in rows {
        let at_us: i64 = row.try_get(4)?;
        by_debtor
            .entry(row.try_get(0)?)
            .or_default()
            .push(crate::workspace::Attempt {
                id: row.try_get(1)?,
                account_id: row.try_get(2)?,
                account_ref: row.try_get(3)?,
                username: None,
                at: jiff::Timestamp::from_microsecond(at_us)
                    .map_err(|_| StoreError::Corrupt(format!("attempt instant {at_us}")))?,
                action: row.try_get(5)?,
                contact_point: row.try_get(6)?,
                direction: row.try_get(7)?,
                recipient: row.try_get(8)?,
                outcome: row.try_get(9)?,
                disposition: row.try_get(10)?,
                note: None,
                under_consent: row.try_get::<i64, _>(11)? == 1,
            });
    }
    Ok(by_debtor)
}

/// Consents given by the chunk's debtors whose window ends after `since`, per debtor.
async fn consents_given(
    connection: &mut AnyConnection,
    (first, last): (i64, i64),
    since: jiff::Timestamp,
) -> Result<HashMap<i64, Vec<crate::workspace::ConsentGiven>>, StoreError> {
    let rows = sqlx::query(
        "SELECT debtor_id, given_at_us, from_us, to_us, action FROM consents \
         WHERE debtor_id BETWEEN $1 AND $2 AND to_us > $3 ORDER BY given_at_us, id",
    )
    .bind(first)
    .bind(last)
    .bind(since.as_microsecond())
    .fetch_all(&mut *connection)
    .await?;
    let mut by_debtor: HashMap<i64, Vec<crate::workspace::ConsentGiven>> = HashMap::new();
    for row in rows {
        by_debtor
            .entry(row.try_get(0)?)
            .or_default()
            .push(crate::workspace::consent_of(&row, 1)?);
    }
    Ok(by_debtor)
}
