//! Read models: what a person looks at. Balances here are always derived from the ledger.

use crate::{Store, StoreError};
use domain::account::{HoldKind, Product, Status};
use domain::aging::days_past_due;
use domain::ledger::{Buckets, Reason};
use domain::money::{Amount, Currency};
use domain::placement::Itemization;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryView {
    pub seq: i64,
    pub reason: Reason,
    pub amounts: Buckets,
    pub effective_on: Date,
    pub recorded_at: Timestamp,
    pub memo: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactPointView {
    pub kind: String,
    pub value: String,
    pub status: String,
    pub consent: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgingMove {
    pub bucket: String,
    pub days_past_due: i64,
    pub moved_on: Date,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub account_id: i64,
    pub creditor_id: i64,
    pub debtor_id: i64,
    /// Bumped by every change; forms carry it so stale ones are refused.
    pub version: i64,
    pub validation_notice_sent_at: Option<Timestamp>,
    pub creditor: String,
    pub account_ref: String,
    pub debtor_ref: String,
    pub debtor_name: String,
    pub language: String,
    pub time_zones: Vec<String>,
    pub state: Option<String>,
    /// The debtor's mailing address is only partly known (not mailable): the account is
    /// on the locate list.
    pub address_incomplete: bool,
    pub currency: Currency,
    pub status: Status,
    pub product: Product,
    pub original_creditor: Option<String>,
    pub delinquent_since: Date,
    pub placed_on: Date,
    pub apr_bps: i64,
    pub charge_off_date: Option<Date>,
    pub statute_expires_on: Option<Date>,
    pub itemization: Option<Itemization>,
    pub as_of: Date,
    pub balances: Buckets,
    pub days_past_due: u32,
    pub aging_bucket: String,
    pub holds: Vec<HoldKind>,
    pub entries: Vec<EntryView>,
    pub contact_points: Vec<ContactPointView>,
    pub aging_history: Vec<AgingMove>,
}

impl AccountView {
    pub fn balance(&self) -> Amount {
        self.balances.total().expect("checked when derived")
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn parse_date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| corrupt(format!("bad stored date {text:?}")))
}

fn parse_optional_date(text: Option<String>) -> Result<Option<Date>, StoreError> {
    text.as_deref().map(parse_date).transpose()
}

const ACCOUNT_QUERY: &str = "SELECT a.id, c.code, a.account_ref, d.debtor_ref, d.first_name, d.last_name, d.language, d.time_zones, d.state, \
    a.currency, a.status, a.product, a.original_creditor, a.delinquent_since, a.placed_on, a.apr_bps, a.charge_off_date, a.statute_expires_on, \
    a.itemization_date, a.itemization_balance_minor, a.itemization_interest_minor, a.itemization_fees_minor, a.itemization_payments_minor, a.itemization_credits_minor, \
    c.policy, d.id, a.creditor_id, a.version, a.validation_notice_sent_at_us, d.address_incomplete \
    FROM accounts a JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
    WHERE c.code = $1 AND a.account_ref = $2";

impl Store {
    /// The (creditor, account_ref) of every account of a debtor, in creditor and
    /// reference order.
    pub async fn debtor_account_refs(
        &self,
        debtor_id: i64,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.creditor_id, c.code, a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.debtor_id = $1 ORDER BY c.code, a.account_ref",
        )
        .bind(debtor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
            .collect()
    }

    /// One account as of a business date, or `None` if there is no such account.
    pub async fn account_view(
        &self,
        creditor: &str,
        account_ref: &str,
        as_of: Date,
    ) -> Result<Option<AccountView>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let Some(row) = sqlx::query(ACCOUNT_QUERY)
            .bind(creditor)
            .bind(account_ref)
            .fetch_optional(&mut *connection)
            .await?
        else {
            return Ok(None);
        };
        let account_id: i64 = row.try_get(0)?;
        let debtor_id: i64 = row.try_get(25)?;
        let entries = entries(&mut connection, account_id).await?;
        let movements: Vec<Buckets> = entries.iter().map(|entry| entry.amounts).collect();
        let balances = Buckets::of(&movements).ok_or_else(|| corrupt("ledger sum overflows"))?;
        let balance = balances
            .total()
            .ok_or_else(|| corrupt("ledger sum overflows"))?;
        let policy: String = row.try_get(24)?;
        let policy = domain::creditor::CreditorPolicy::from_text(&policy).map_err(corrupt)?;
        let delinquent_since = parse_date(&row.try_get::<String, _>(13)?)?;
        let days = days_past_due(delinquent_since, as_of, balance.is_positive());
        let currency_code: String = row.try_get(9)?;
        let status: String = row.try_get(10)?;
        let product: String = row.try_get(11)?;
        let time_zones: String = row.try_get(7)?;
        let first_name: String = row.try_get(4)?;
        let last_name: String = row.try_get(5)?;
        let notice_us: Option<i64> = row.try_get(28)?;
        Ok(Some(AccountView {
            account_id,
            creditor_id: row.try_get(26)?,
            debtor_id,
            version: row.try_get(27)?,
            validation_notice_sent_at: notice_us
                .map(|us| Timestamp::from_microsecond(us).map_err(|_| corrupt("notice instant")))
                .transpose()?,
            creditor: row.try_get(1)?,
            account_ref: row.try_get(2)?,
            debtor_ref: row.try_get(3)?,
            debtor_name: format!("{first_name} {last_name}"),
            language: row.try_get(6)?,
            time_zones: time_zones
                .split(',')
                .filter(|zone| !zone.is_empty())
                .map(str::to_string)
                .collect(),
            state: row.try_get(8)?,
            address_incomplete: row.try_get::<i64, _>(29)? != 0,
            currency: Currency::parse(&currency_code)
                .ok_or_else(|| corrupt(format!("currency {currency_code}")))?,
            status: Status::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
            product: Product::parse(&product)
                .ok_or_else(|| corrupt(format!("product {product}")))?,
            original_creditor: row.try_get(12)?,
            delinquent_since,
            placed_on: parse_date(&row.try_get::<String, _>(14)?)?,
            apr_bps: row.try_get(15)?,
            charge_off_date: parse_optional_date(row.try_get(16)?)?,
            statute_expires_on: parse_optional_date(row.try_get(17)?)?,
            itemization: itemization(&row)?,
            as_of,
            balances,
            days_past_due: days,
            aging_bucket: policy.aging.bucket_for(days).label(),
            holds: holds(&mut connection, account_id).await?,
            entries,
            contact_points: contact_points(&mut connection, debtor_id).await?,
            aging_history: aging_history(&mut connection, account_id).await?,
        }))
    }
}

fn itemization(row: &sqlx::any::AnyRow) -> Result<Option<Itemization>, StoreError> {
    let Some(date) = parse_optional_date(row.try_get(18)?)? else {
        return Ok(None);
    };
    let amount = |index: usize| -> Result<Amount, StoreError> {
        Ok(Amount::from_minor(
            row.try_get::<Option<i64>, _>(index)?.unwrap_or(0),
        ))
    };
    Ok(Some(Itemization {
        date,
        balance: amount(19)?,
        interest: amount(20)?,
        fees: amount(21)?,
        payments: amount(22)?,
        credits: amount(23)?,
    }))
}

async fn entries(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<Vec<EntryView>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, reason, principal_minor, interest_minor, fees_minor, effective_on, recorded_at_us, memo FROM ledger_entries WHERE account_id = $1 ORDER BY seq",
    )
    .bind(account_id)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| {
            let reason: String = row.try_get(1)?;
            let recorded_at_us: i64 = row.try_get(6)?;
            Ok(EntryView {
                seq: row.try_get(0)?,
                reason: Reason::parse(&reason)
                    .ok_or_else(|| corrupt(format!("reason {reason}")))?,
                amounts: Buckets {
                    principal: Amount::from_minor(row.try_get(2)?),
                    interest: Amount::from_minor(row.try_get(3)?),
                    fees: Amount::from_minor(row.try_get(4)?),
                },
                effective_on: parse_date(&row.try_get::<String, _>(5)?)?,
                recorded_at: Timestamp::from_microsecond(recorded_at_us).map_err(corrupt)?,
                memo: row.try_get(7)?,
            })
        })
        .collect()
}

async fn holds(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<Vec<HoldKind>, StoreError> {
    let rows = sqlx::query("SELECT kind FROM account_holds WHERE account_id = $1 AND released_at_us IS NULL ORDER BY id")
        .bind(account_id)
        .fetch_all(connection)
        .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get(0)?;
            HoldKind::parse(&kind).ok_or_else(|| corrupt(format!("hold {kind}")))
        })
        .collect()
}

async fn contact_points(
    connection: &mut sqlx::AnyConnection,
    debtor_id: i64,
) -> Result<Vec<ContactPointView>, StoreError> {
    let rows = sqlx::query("SELECT kind, value, status, consent, source FROM contact_points WHERE debtor_id = $1 ORDER BY id")
        .bind(debtor_id)
        .fetch_all(connection)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ContactPointView {
                kind: row.try_get(0)?,
                value: row.try_get(1)?,
                status: row.try_get(2)?,
                consent: row.try_get(3)?,
                source: row.try_get(4)?,
            })
        })
        .collect()
}

async fn aging_history(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<Vec<AgingMove>, StoreError> {
    let rows = sqlx::query(
        "SELECT bucket, days_past_due, moved_on FROM aging_moves WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AgingMove {
                bucket: row.try_get(0)?,
                days_past_due: row.try_get(1)?,
                moved_on: parse_date(&row.try_get::<String, _>(2)?)?,
            })
        })
        .collect()
}
