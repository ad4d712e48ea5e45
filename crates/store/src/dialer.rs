//! What an outbound dialer list is built from: each active account's phones that are not
//! known bad, with the debtor's zones, state and the account's holds.

use crate::{Store, StoreError};
use domain::account::HoldKind;
use futures_util::TryStreamExt;
use sqlx::Row;
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

/// Every active account's usable phones. The kinds and statuses come from the domain's
/// vocabulary, never copied here.
fn candidates_query() -> String {
    format!(
        "SELECT a.id, c.code, a.account_ref, p.kind, p.value, d.time_zones, d.state, d.id, a.validation_notice_sent_at_us \
         FROM accounts a JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
         JOIN contact_points p ON p.debtor_id = d.id \
         WHERE a.status = 'active' AND p.kind IN ({phones}) AND p.status IN ({usable}) \
         ORDER BY c.code, a.account_ref, p.id",
        phones = phone_kinds(),
        usable = usable_statuses(),
    )
}

impl Store {
    /// Calls `each` for every (active account, usable phone), in creditor and account order.
    pub async fn for_each_dialer_candidate(
        &self,
        each: &mut dyn FnMut(DialerCandidate),
    ) -> Result<u64, StoreError> {
        let holds = open_holds(&self.pool).await?;
        let mut connection = self.pool.acquire().await?;
        let sql = candidates_query();
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
        let mut count = 0;
        while let Some(row) = rows.try_next().await? {
            let account_id: i64 = row.try_get(0)?;
            let zones: String = row.try_get(5)?;
            let account_holds = holds.get(&account_id);
            each(DialerCandidate {
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
            count += 1;
        }
        Ok(count)
    }
}

fn optional_instant(us: Option<i64>) -> Result<Option<jiff::Timestamp>, StoreError> {
    us.map(|us| {
        jiff::Timestamp::from_microsecond(us)
            .map_err(|_| StoreError::Corrupt(format!("instant {us}")))
    })
    .transpose()
}

/// Open holds per account, and when the oldest open dispute hold was placed.
async fn open_holds(
    pool: &sqlx::AnyPool,
) -> Result<HashMap<i64, (Vec<HoldKind>, Option<i64>)>, StoreError> {
    let rows = sqlx::query("SELECT account_id, kind, placed_at_us FROM account_holds WHERE released_at_us IS NULL ORDER BY id")
        .fetch_all(pool)
        .await?;
    let mut holds: HashMap<i64, (Vec<HoldKind>, Option<i64>)> = HashMap::new();
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

impl Store {
    /// Contact attempts since `since`, per debtor (the dialer's compliance history, as
    /// far back as the rule set looks).
    pub async fn recent_attempts_by_debtor(
        &self,
        since: jiff::Timestamp,
    ) -> Result<HashMap<i64, Vec<crate::workspace::Attempt>>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.debtor_id, t.id, t.account_id, a.account_ref, t.at_us, t.action, t.contact_point, t.direction, t.recipient, t.outcome, t.disposition, t.under_consent \
             FROM contact_attempts t JOIN accounts a ON a.id = t.account_id WHERE t.at_us >= $1 ORDER BY t.at_us, t.id",
        )
        .bind(since.as_microsecond())
        .fetch_all(&self.pool)
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
}

impl Store {
    /// Consents given by debtors whose window ends after `since`, per debtor (the
    /// dialer's questions carry them).
    pub async fn consents_by_debtor(
        &self,
        since: jiff::Timestamp,
    ) -> Result<HashMap<i64, Vec<crate::workspace::ConsentGiven>>, StoreError> {
        let rows = sqlx::query(
            "SELECT debtor_id, given_at_us, from_us, to_us, action FROM consents WHERE to_us > $1 ORDER BY given_at_us, id",
        )
        .bind(since.as_microsecond())
        .fetch_all(&self.pool)
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
}
