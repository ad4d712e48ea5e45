//! The work list: a user's accounts by filter and order, with counts and totals, and
//! the maintained columns it reads (folded names for search, the balance, last worked).

use super::*;

/// Debtors whose names are folded per statement in the migration.
const FOLD_BATCH_ROWS: usize = 500;

/// Folds the names of every debtor already on file (migration 12): SQL cannot remove
/// accents alike on both engines, so Rust does (`domain::text::fold`), in the
/// migration's transaction.
pub(crate) async fn fold_existing_names(
    connection: &mut sqlx::AnyConnection,
) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT id, first_name, last_name FROM debtors ORDER BY id")
        .fetch_all(&mut *connection)
        .await?;
    let mut names: Vec<(i64, String, String)> = Vec::with_capacity(rows.len());
    for row in &rows {
        let (first, last): (String, String) = (row.try_get(1)?, row.try_get(2)?);
        names.push((
            row.try_get(0)?,
            domain::text::fold(&first),
            domain::text::fold(&last),
        ));
    }
    drop(rows);
    for chunk in names.chunks(FOLD_BATCH_ROWS) {
        // One statement per chunk: CASE over the ids (integers from the database).
        let mut first = String::new();
        let mut last = String::new();
        let mut ids = Vec::new();
        let mut values: Vec<&str> = Vec::new();
        for (id, first_folded, last_folded) in chunk {
            values.push(first_folded);
            first.push_str(&format!(" WHEN {id} THEN ${}", values.len()));
            values.push(last_folded);
            last.push_str(&format!(" WHEN {id} THEN ${}", values.len()));
            ids.push(id.to_string());
        }
        let sql = format!(
            "UPDATE debtors SET first_name_folded = CASE id{first} END, last_name_folded = CASE id{last} END WHERE id IN ({})",
            ids.join(", ")
        );
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            statement = statement.bind(value);
        }
        statement.execute(&mut *connection).await?;
    }
    Ok(())
}

/// Sets `accounts.balance_minor` of these accounts to the sum of their ledgers. Every
/// writer of ledger entries calls it in its transaction, after its entries.
pub(crate) async fn refresh_balances(
    connection: &mut sqlx::AnyConnection,
    account_ids: &[i64],
) -> Result<(), StoreError> {
    for chunk in account_ids.chunks(FOLD_BATCH_ROWS) {
        let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!(
            "UPDATE accounts SET balance_minor = (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
             FROM ledger_entries e WHERE e.account_id = accounts.id) WHERE id IN ({})",
            ids.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Rows on one page of the work list.
pub const WORKLIST_PAGE_ROWS: i64 = 50;
/// Accounts counted and totalled exactly; beyond, the list says "more than" and asks
/// for a narrower filter (a million-account total would cost seconds per page). Pages
/// reach this far. Measured on SQLite: counting 10,000 rows costs about 20 ms of CPU,
/// too much of the page's 50 ms; 2,000 about 3 ms.
pub const WORKLIST_COUNT_MAX: i64 = 2_000;
/// Rows of each part of the "today" panel.
pub const TODAY_ROWS_MAX: i64 = 20;

/// Not worked: never, or not for some days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotWorked {
    Never,
    /// No attempt in the last this many days (never worked included).
    ForDays(u32),
}

/// The work list's orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WorklistSort {
    /// Largest balance first.
    #[default]
    Balance,
    /// Most days past due first.
    DaysPastDue,
    /// Least recently worked first (never worked first of all).
    LastWorked,
    /// Last name, first name.
    Name,
}

/// What the user asked the work list for (parsed: every value is valid).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorklistFilter {
    /// One of the user's creditors (another creditor's code finds nothing).
    pub creditor: Option<String>,
    pub status: domain::account::Status,
    /// An aging bucket's label (`1-30`), under each creditor's scheme.
    pub bucket: Option<String>,
    pub balance_min: Option<Amount>,
    pub balance_max: Option<Amount>,
    pub not_worked: Option<NotWorked>,
    pub promises_due_today: bool,
    pub broken_promises: bool,
    /// Accounts with an open callback of the user's.
    pub callbacks: bool,
    pub sort: WorklistSort,
    /// From 1.
    pub page: u32,
}

impl Default for WorklistFilter {
    fn default() -> Self {
        WorklistFilter {
            creditor: None,
            status: domain::account::Status::Active,
            bucket: None,
            balance_min: None,
            balance_max: None,
            not_worked: None,
            promises_due_today: false,
            broken_promises: false,
            callbacks: false,
            sort: WorklistSort::default(),
            page: 1,
        }
    }
}

/// One account of the work list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorklistRow {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub status: String,
    pub currency: String,
    pub balance_minor: i64,
    pub days_past_due: u32,
    pub bucket: String,
    pub last_worked: Option<Timestamp>,
}

/// Accounts and balance per currency of a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub currency: String,
    pub accounts: i64,
    pub balance_minor: i64,
}

/// A page of the work list with the filter's count and totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worklist {
    pub rows: Vec<WorklistRow>,
    /// Accounts matching, exact up to `WORKLIST_COUNT_MAX`.
    pub count: i64,
    /// More than `WORKLIST_COUNT_MAX` match: `count` and `totals` stop there.
    pub more: bool,
    /// Per currency, exact when not `more`.
    pub totals: Vec<CurrencyTotal>,
    /// The aging buckets of the user's creditors' schemes, for the filter's choices.
    pub buckets: Vec<String>,
    /// The user's creditors' codes, for the filter's choices.
    pub creditors: Vec<String>,
}

/// One line of the "today" panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TodayItem {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    /// The callback's time; `None` for promises.
    pub at: Option<Timestamp>,
    /// The promised amount due (promises).
    pub amount_minor: Option<i64>,
    pub currency: String,
}

/// What is due today: promises due, callbacks, promises broken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Today {
    pub promises_due: Vec<TodayItem>,
    pub callbacks: Vec<TodayItem>,
    pub broken_promises: Vec<TodayItem>,
}

/// The accounts a user works: their creditors', and, for an agent, those not assigned
/// to another agent (the queue's rule).
fn scope(user: &SessionUser) -> String {
    let mut scope = creditor_filter(user);
    if user.role == domain::party::Role::Agent {
        scope.push_str(&format!(
            " AND (a.assigned_user_id IS NULL OR a.assigned_user_id = {})",
            user.id
        ));
    }
    scope
}

impl Store {
    /// The user's accounts matching `filter`, one page in its order, with how many
    /// match and their balances per currency. `today` is the business date (days past
    /// due, buckets, promises due).
    ///
    /// Query plans relied on (checked by hand with `EXPLAIN QUERY PLAN` on SQLite at
    /// 100,000 generated accounts, 0–10 ms a first page, 70 ms the last by name, and `EXPLAIN ANALYZE` on PostgreSQL at
    /// 20,000): the order's index within the status (`accounts_worklist_balance`,
    /// `_delinquent` — a bucket is a range of it —, `_worked`), read until a page is
    /// full; by name, `debtors_last_name_folded` then `accounts_debtor`; "promises due
    /// today", "broken promises" and "callbacks" start from `promise_payments_due`,
    /// `promises_status` and `callbacks_due` and reach accounts by primary key. Counting
    /// stops after `WORKLIST_COUNT_MAX + 1` accounts, so a broad filter costs a bounded
    /// read; a narrow filter with no index of its own (a bucket and a balance range
    /// matching nearly nothing) still reads the range of the one index it uses. Those
    /// indexes carry every column a filter, the count and the totals ask about
    /// (migration 23), so the walk and the count read index pages only, and a page reads
    /// just its own rows: at 1,000,000 accounts a count reads about 25 pages rather than
    /// 2,300, a bucket's third page about 200 rather than 2,200 (SQLite's `.stats on`,
    /// cold cache — every commit empties the other connections' caches).
    pub async fn worklist(
        &self,
        user: &SessionUser,
        filter: &WorklistFilter,
        today: Date,
        now: Timestamp,
    ) -> Result<Worklist, StoreError> {
        let policies = self.policies_of(user).await?;
        let mut creditors: Vec<String> = policies.iter().map(|(_, code, _)| code.clone()).collect();
        creditors.sort();
        let mut buckets: Vec<domain::aging::AgingBucket> = Vec::new();
        for (_, _, policy) in &policies {
            for bucket in policy.aging.buckets() {
                if !buckets.contains(&bucket) {
                    buckets.push(bucket);
                }
            }
        }
        buckets.sort();
        let mut values: Vec<String> = Vec::new();
        let mut conditions = vec![format!("a.status = '{}'", filter.status.code())];
        conditions.push(scope(user).trim_start_matches(" AND ").to_string());
        conditions.retain(|condition| !condition.is_empty());
        if let Some(code) = &filter.creditor {
            let id = policies
                .iter()
                .find(|(_, known, _)| known == code)
                .map_or(-1, |(id, _, _)| *id);
            conditions.push(format!("a.creditor_id = {id}"));
        }
        if let Some(label) = &filter.bucket {
            conditions.push(bucket_condition(&policies, label, today));
        }
        if let Some(min) = filter.balance_min {
            conditions.push(format!("a.balance_minor >= {}", min.minor()));
        }
        if let Some(max) = filter.balance_max {
            conditions.push(format!("a.balance_minor <= {}", max.minor()));
        }
        match filter.not_worked {
            None => {}
            Some(NotWorked::Never) => conditions.push("a.last_worked_at_us = 0".into()),
            Some(NotWorked::ForDays(days)) => {
                let cutoff = now.as_microsecond() - i64::from(days) * 86_400_000_000;
                conditions.push(format!("a.last_worked_at_us < {cutoff}"));
            }
        }
        // The accounts with a promise due today, a broken promise or a callback are few:
        // the list starts from them (`CROSS JOIN` keeps SQLite from scanning every active
        // account in the order's index and probing each; PostgreSQL plans it as a join).
        let mut drivers = Vec::new();
        if filter.promises_due_today {
            values.push(today.to_string());
            drivers.push(format!(
                "SELECT DISTINCT p.account_id FROM promise_payments pp JOIN promises p ON p.id = pp.promise_id \
                 WHERE pp.due_on = ${} AND p.status = '{}'",
                values.len(),
                PromiseStatus::Open.code()
            ));
        }
        if filter.broken_promises {
            drivers.push(format!(
                "SELECT DISTINCT p.account_id FROM promises p WHERE p.status = '{}'",
                PromiseStatus::Broken.code()
            ));
        }
        if filter.callbacks {
            drivers.push(format!(
                "SELECT DISTINCT cb.account_id FROM callbacks cb WHERE cb.user_id = {} AND cb.done_at_us IS NULL",
                user.id
            ));
        }
        let mut drivers = drivers.into_iter();
        let from = match drivers.next() {
            Some(driver) => {
                conditions.push("a.id = x.account_id".into());
                format!("({driver}) x CROSS JOIN accounts a")
            }
            None => "accounts a".into(),
        };
        for driver in drivers {
            conditions.push(format!("a.id IN ({driver})"));
        }
        let condition = conditions.join(" AND ");
        let order = match filter.sort {
            WorklistSort::Balance => "a.balance_minor DESC, a.id DESC",
            WorklistSort::DaysPastDue => "a.delinquent_since, a.id",
            WorklistSort::LastWorked => "a.last_worked_at_us, a.id",
            WorklistSort::Name => "d.last_name_folded, d.first_name_folded, d.id, a.id",
        };
        let pages = WORKLIST_COUNT_MAX / WORKLIST_PAGE_ROWS;
        let page = i64::from(filter.page.max(1)).min(pages);
        let offset = (page - 1) * WORKLIST_PAGE_ROWS;
        let columns = "c.code, a.account_ref, d.first_name, d.last_name, a.status, a.currency, a.balance_minor, a.delinquent_since, a.last_worked_at_us, a.creditor_id";
        let sql = if filter.sort == WorklistSort::Name {
            // By name, the list walks the debtors' name index and takes each one's
            // accounts (sorting every account of the scope by name would read them all).
            let joined = if from == "accounts a" {
                "debtors d CROSS JOIN accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.debtor_id = d.id AND".to_string()
            } else {
                format!(
                    "{from} JOIN debtors d ON d.id = a.debtor_id JOIN creditors c ON c.id = a.creditor_id WHERE"
                )
            };
            format!(
                "SELECT {columns} FROM {joined} {condition} ORDER BY {order} LIMIT {WORKLIST_PAGE_ROWS} OFFSET {offset}"
            )
        } else {
            // The page's ids from the order's index alone (it carries every column the
            // filters ask about, migration 23), then only those rows and their debtors:
            // the rows the offset and the filters pass are never read.
            format!(
                "SELECT {columns} FROM (SELECT a.id FROM {from} WHERE {condition} ORDER BY {order} LIMIT {WORKLIST_PAGE_ROWS} OFFSET {offset}) p \
                 CROSS JOIN accounts a JOIN debtors d ON d.id = a.debtor_id JOIN creditors c ON c.id = a.creditor_id WHERE a.id = p.id ORDER BY {order}"
            )
        };
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)
            .fetch_all(&self.pool)
            .await?;
        let mut listed = Vec::with_capacity(rows.len());
        for row in &rows {
            let creditor_id: i64 = row.try_get(9)?;
            let policy = policies
                .iter()
                .find(|(id, _, _)| *id == creditor_id)
                .map(|(_, _, policy)| policy)
                .ok_or_else(|| StoreError::Corrupt(format!("creditor {creditor_id}")))?;
            let balance_minor: i64 = row.try_get(6)?;
            let delinquent_since: String = row.try_get(7)?;
            let delinquent_since: Date = delinquent_since
                .parse()
                .map_err(|_| StoreError::Corrupt("delinquent_since".into()))?;
            let days = domain::aging::days_past_due(delinquent_since, today, balance_minor > 0);
            let worked: i64 = row.try_get(8)?;
            let (first, last): (String, String) = (row.try_get(2)?, row.try_get(3)?);
            listed.push(WorklistRow {
                creditor: row.try_get(0)?,
                account_ref: row.try_get(1)?,
                debtor_name: format!("{first} {last}"),
                status: row.try_get(4)?,
                currency: row.try_get(5)?,
                balance_minor,
                days_past_due: days,
                bucket: policy.aging.bucket_for(days).label(),
                last_worked: (worked > 0).then(|| instant(worked)).transpose()?,
            });
        }
        let counted = format!(
            "SELECT w.currency, CAST(COUNT(*) AS BIGINT), CAST(SUM(w.balance_minor) AS BIGINT) FROM \
             (SELECT a.currency, a.balance_minor FROM {from} WHERE {condition} LIMIT {}) w GROUP BY w.currency ORDER BY w.currency",
            WORKLIST_COUNT_MAX + 1
        );
        let mut totals = Vec::new();
        for row in bind_all(sqlx::query(sqlx::AssertSqlSafe(counted)), &values)
            .fetch_all(&self.pool)
            .await?
        {
            totals.push(CurrencyTotal {
                currency: row.try_get(0)?,
                accounts: row.try_get(1)?,
                balance_minor: row.try_get(2)?,
            });
        }
        let count: i64 = totals.iter().map(|total| total.accounts).sum();
        let more = count > WORKLIST_COUNT_MAX;
        if more {
            totals.clear();
        }
        Ok(Worklist {
            rows: listed,
            count: count.min(WORKLIST_COUNT_MAX),
            more,
            totals,
            buckets: buckets
                .iter()
                .map(domain::aging::AgingBucket::label)
                .collect(),
            creditors,
        })
    }

    /// (id, code, policy) of the creditors the user works.
    async fn policies_of(
        &self,
        user: &SessionUser,
    ) -> Result<Vec<(i64, String, domain::creditor::CreditorPolicy)>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.code, c.policy FROM creditors c WHERE 1 = 1{} ORDER BY c.code",
            creditor_filter_on(user, "c.id")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let policy: String = row.try_get(2)?;
                let policy = domain::creditor::CreditorPolicy::from_text(&policy)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                Ok((row.try_get(0)?, row.try_get(1)?, policy))
            })
            .collect()
    }

    /// The "today" panel: the user's accounts with a promised payment due `today`, the
    /// user's open callbacks due before the end of `until`, and the latest broken
    /// promises; at most `TODAY_ROWS_MAX` of each.
    pub async fn worklist_today(
        &self,
        user: &SessionUser,
        today: Date,
        until: Timestamp,
    ) -> Result<Today, StoreError> {
        let scope = scope(user);
        let select = "SELECT c.code, a.account_ref, d.first_name, d.last_name, a.currency";
        // From the promises and callbacks to their accounts, never the other way round
        // (`CROSS JOIN` fixes the order on SQLite).
        let from = "CROSS JOIN accounts a JOIN debtors d ON d.id = a.debtor_id JOIN creditors c ON c.id = a.creditor_id";
        let promises_due = format!(
            "{select}, pp.amount_minor FROM promise_payments pp JOIN promises p ON p.id = pp.promise_id {from} \
             WHERE a.id = p.account_id AND pp.due_on = $1 AND p.status = '{}'{scope} ORDER BY pp.amount_minor DESC, p.id LIMIT {TODAY_ROWS_MAX}",
            PromiseStatus::Open.code()
        );
        let callbacks = format!(
            "{select}, p.due_at_us FROM callbacks p {from} \
             WHERE a.id = p.account_id AND p.user_id = {} AND p.done_at_us IS NULL AND p.due_at_us < $1{scope} ORDER BY p.due_at_us, p.id LIMIT {TODAY_ROWS_MAX}",
            user.id
        );
        let broken = format!(
            "{select}, p.total_minor FROM promises p {from} \
             WHERE a.id = p.account_id AND p.status = '{}'{scope} ORDER BY p.id DESC LIMIT {TODAY_ROWS_MAX}",
            PromiseStatus::Broken.code()
        );
        let item = |row: &sqlx::any::AnyRow| -> Result<TodayItem, StoreError> {
            let (first, last): (String, String) = (row.try_get(2)?, row.try_get(3)?);
            Ok(TodayItem {
                creditor: row.try_get(0)?,
                account_ref: row.try_get(1)?,
                debtor_name: format!("{first} {last}"),
                at: None,
                amount_minor: None,
                currency: row.try_get(4)?,
            })
        };
        let mut panel = Today::default();
        for row in sqlx::query(sqlx::AssertSqlSafe(promises_due))
            .bind(today.to_string())
            .fetch_all(&self.pool)
            .await?
        {
            let mut line = item(&row)?;
            line.amount_minor = Some(row.try_get(5)?);
            panel.promises_due.push(line);
        }
        for row in sqlx::query(sqlx::AssertSqlSafe(callbacks))
            .bind(until.as_microsecond())
            .fetch_all(&self.pool)
            .await?
        {
            let mut line = item(&row)?;
            line.at = Some(instant(row.try_get(5)?)?);
            panel.callbacks.push(line);
        }
        for row in sqlx::query(sqlx::AssertSqlSafe(broken))
            .fetch_all(&self.pool)
            .await?
        {
            let mut line = item(&row)?;
            line.amount_minor = Some(row.try_get(5)?);
            panel.broken_promises.push(line);
        }
        Ok(panel)
    }
}

/// Accounts in the bucket labelled `label` under their creditor's scheme as of `today`:
/// a range of `delinquent_since` per creditor (days past due count from it, and only
/// while something is owed; `current` is owing nothing or not yet late).
fn bucket_condition(
    policies: &[(i64, String, domain::creditor::CreditorPolicy)],
    label: &str,
    today: Date,
) -> String {
    // Creditors whose schemes give the bucket the same days share one condition, so the
    // usual case (one scheme) is a single range of `accounts_worklist_delinquent`.
    let mut by_bounds: Vec<(domain::aging::AgingBucket, Vec<i64>)> = Vec::new();
    for (id, _, policy) in policies {
        let Some(bucket) = policy
            .aging
            .buckets()
            .into_iter()
            .find(|bucket| bucket.label() == label)
        else {
            continue;
        };
        match by_bounds.iter_mut().find(|(bounds, _)| *bounds == bucket) {
            Some((_, ids)) => ids.push(*id),
            None => by_bounds.push((bucket, vec![*id])),
        }
    }
    let day = |days: u32| {
        today
            .checked_sub(Span::new().days(i64::from(days)))
            .map(|date| date.to_string())
            .unwrap_or_else(|_| "0000-01-01".into())
    };
    let alternatives: Vec<String> = by_bounds
        .iter()
        .map(|(bucket, ids)| {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            let creditors = format!("a.creditor_id IN ({})", ids.join(", "));
            if bucket.min_days == 0 {
                return format!(
                    "({creditors} AND (a.balance_minor <= 0 OR a.delinquent_since >= '{today}'))"
                );
            }
            // days = today - delinquent_since, so min ≤ days ≤ max is a date range.
            let latest = day(bucket.min_days);
            let earliest = bucket
                .max_days
                .map(|max| format!(" AND a.delinquent_since >= '{}'", day(max)))
                .unwrap_or_default();
            format!(
                "({creditors} AND a.balance_minor > 0 AND a.delinquent_since <= '{latest}'{earliest})"
            )
        })
        .collect();
    match alternatives.len() {
        0 => "1 = 0".into(),
        1 => alternatives[0].clone(),
        _ => format!("({})", alternatives.join(" OR ")),
    }
}

fn bind_all<'q>(
    mut statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &'q [String],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        statement = statement.bind(value.as_str());
    }
    statement
}
