//! Search across the user's creditors.
//!
//! Query plans relied on (checked by hand with `EXPLAIN QUERY PLAN` on SQLite at 100,000
//! generated accounts and `EXPLAIN ANALYZE` on PostgreSQL at 20,000, after ANALYZE):
//! - a name word: a range scan of `debtors_last_name_folded` or
//!   `debtors_first_name_folded` (SQLite's OR optimisation, PostgreSQL's BitmapOr), then
//!   `accounts_debtor` for the debtor's accounts;
//! - a reference: `accounts_ref_lower` (the expression index on `lower(account_ref)`);
//! - a phone or email address: `contact_points_value` (on `lower(value)`), then
//!   `accounts_debtor`;
//! - the SSN's last 4: `debtors_ssn_last4` (the blind index).
//!
//! No branch scans a table; each stops after `SEARCH_MATCHES_MAX + 1` hits, so a query
//! matching half the portfolio costs no more than one matching a thousand accounts.
//! `CROSS JOIN` fixes the join order on SQLite, which without it may walk the creditor
//! filter's index over every account and probe each debtor (0.4 s at 100,000 accounts);
//! PostgreSQL reorders it freely by its statistics.

use super::*;
use domain::party::{EmailAddress, PhoneNumber};

/// Why an account was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchedOn {
    Reference,
    Phone,
    Email,
    SsnLast4,
    Name,
}

impl MatchedOn {
    pub fn code(self) -> &'static str {
        match self {
            MatchedOn::Reference => "reference",
            MatchedOn::Phone => "phone",
            MatchedOn::Email => "email",
            MatchedOn::SsnLast4 => "ssn_last4",
            MatchedOn::Name => "name",
        }
    }

    fn parse(code: &str) -> Option<MatchedOn> {
        [
            MatchedOn::Reference,
            MatchedOn::Phone,
            MatchedOn::Email,
            MatchedOn::SsnLast4,
            MatchedOn::Name,
        ]
        .into_iter()
        .find(|matched| matched.code() == code)
    }
}

/// A search hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub status: String,
    pub matched_on: MatchedOn,
    pub currency: String,
    /// The balance, from the ledger (`accounts.balance_minor`, kept in step with it).
    pub balance_minor: i64,
    /// The debtor's mailing state, when known.
    pub state: Option<String>,
    /// The debtor's first phone number on file, E.164.
    pub phone: Option<String>,
}

/// One page of hits and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Searched {
    pub found: Vec<Found>,
    /// Hits in all, at most `SEARCH_MATCHES_MAX`.
    pub total: i64,
    /// More than `SEARCH_MATCHES_MAX` matched: only the first are paged.
    pub more: bool,
}

/// Hits on one page.
pub const SEARCH_RESULTS_MAX: i64 = 50;
/// Most hits counted and paged; beyond, the page says to narrow the search.
pub const SEARCH_MATCHES_MAX: i64 = 1_000;
/// Longest query read, in characters.
pub const SEARCH_QUERY_LENGTH_MAX: usize = 200;
/// Most name words compared (every one must match).
const SEARCH_WORDS_MAX: usize = 4;

/// The range `[low, high)` holding exactly the folded texts starting with `prefix`
/// (made of `0`–`9` and `a`–`z`), `high` `None` when there is no upper end (`zz`).
fn prefix_range(prefix: &str) -> (String, Option<String>) {
    let mut high: Vec<u8> = prefix.as_bytes().to_vec();
    while let Some(last) = high.pop() {
        let next = match last {
            b'9' => Some(b'a'),
            b'z' => None,
            other => Some(other + 1),
        };
        if let Some(next) = next {
            high.push(next);
            return (prefix.to_string(), String::from_utf8(high).ok());
        }
    }
    (prefix.to_string(), None)
}

impl Store {
    /// Accounts of the user's creditors matching `query`: an account reference (any
    /// case), a phone number (any format) or email address of the debtor, the last 4
    /// digits of the SSN (through its blind index) when `by_identity` (the caller's role
    /// may see it; every such search is audited), or a name (every word a prefix of the
    /// folded first or last name: any case, accents or none). Page `page` (from 1) of
    /// `SEARCH_RESULTS_MAX`, by last name, first name, creditor and reference.
    pub async fn search(
        &self,
        user: &SessionUser,
        query: &str,
        by_identity: bool,
        page: u32,
    ) -> Result<Searched, StoreError> {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > SEARCH_QUERY_LENGTH_MAX {
            return Ok(Searched::default());
        }
        let ssn =
            by_identity && query.len() == 4 && query.bytes().all(|byte| byte.is_ascii_digit());
        let filter = creditor_filter(user);
        let mut branches: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let bind = |value: String, values: &mut Vec<String>| {
            values.push(value);
            format!("${}", values.len())
        };
        let hit = |matched: MatchedOn| {
            format!(
                "SELECT a.id, '{}', d.last_name_folded, d.first_name_folded, a.creditor_id, a.account_ref FROM ",
                matched.code()
            )
        };
        let reference = bind(query.to_lowercase(), &mut values);
        branches.push(format!(
            "{}accounts a JOIN debtors d ON d.id = a.debtor_id WHERE lower(a.account_ref) = {reference}{filter}",
            hit(MatchedOn::Reference)
        ));
        if ssn {
            let index = bind(self.key().blind_index("ssn_last4", query), &mut values);
            branches.push(format!(
                "{}debtors d CROSS JOIN accounts a WHERE a.debtor_id = d.id AND d.ssn_last4_index = {index}{filter}",
                hit(MatchedOn::SsnLast4)
            ));
        }
        let point = if let Some(phone) = PhoneNumber::parse(query) {
            Some((MatchedOn::Phone, phone.e164().to_string()))
        } else {
            EmailAddress::parse(query)
                .map(|email| (MatchedOn::Email, email.as_str().to_lowercase()))
        };
        if let Some((matched, value)) = point {
            let value = bind(value, &mut values);
            branches.push(format!(
                "{}contact_points p CROSS JOIN debtors d CROSS JOIN accounts a \
                 WHERE d.id = p.debtor_id AND a.debtor_id = d.id AND lower(p.value) = {value}{filter}",
                hit(matched)
            ));
        }
        let words: Vec<String> = query
            .split_whitespace()
            .map(domain::text::fold)
            .filter(|word| !word.is_empty())
            .take(SEARCH_WORDS_MAX)
            .collect();
        let has_letters = query.chars().any(char::is_alphabetic);
        if has_letters && !words.is_empty() {
            let mut conditions = Vec::new();
            for word in &words {
                let (low, high) = prefix_range(word);
                // The LIKE is exact where a collation that skips spaces would let the
                // range hold a name that does not start with the word.
                let like = bind(format!("{word}%"), &mut values);
                let low = bind(low, &mut values);
                let high = high.map(|high| bind(high, &mut values));
                let column = |name: &str| {
                    let upper = high
                        .as_ref()
                        .map(|high| format!(" AND d.{name} < {high}"))
                        .unwrap_or_default();
                    format!("(d.{name} >= {low}{upper} AND d.{name} LIKE {like})")
                };
                conditions.push(format!(
                    "({} OR {})",
                    column("last_name_folded"),
                    column("first_name_folded")
                ));
            }
            branches.push(format!(
                "{}debtors d CROSS JOIN accounts a WHERE a.debtor_id = d.id AND {}{filter}",
                hit(MatchedOn::Name),
                conditions.join(" AND ")
            ));
        }
        let sql = format!(
            "{} LIMIT {}",
            branches.join(" UNION ALL "),
            SEARCH_MATCHES_MAX + 1
        );
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in &values {
            statement = statement.bind(value.as_str());
        }
        let rows = statement.fetch_all(&self.pool).await?;
        let mut hits: Vec<(String, String, i64, String, i64, MatchedOn)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for row in &rows {
            let account_id: i64 = row.try_get(0)?;
            if !seen.insert(account_id) {
                continue;
            }
            let matched: String = row.try_get(1)?;
            let matched = MatchedOn::parse(&matched)
                .ok_or_else(|| StoreError::Corrupt(format!("matched on {matched}")))?;
            hits.push((
                row.try_get(2)?,
                row.try_get(3)?,
                row.try_get(4)?,
                row.try_get(5)?,
                account_id,
                matched,
            ));
        }
        if ssn {
            self.audit_ssn_search(user, query, hits.len()).await?;
        }
        let more = hits.len() as i64 > SEARCH_MATCHES_MAX;
        hits.truncate(SEARCH_MATCHES_MAX as usize);
        hits.sort();
        let total = hits.len() as i64;
        let skip = (i64::from(page.max(1)) - 1) * SEARCH_RESULTS_MAX;
        let shown: Vec<(i64, MatchedOn)> = hits
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(SEARCH_RESULTS_MAX as usize)
            .map(|hit| (hit.4, hit.5))
            .collect();
        let found = self.found(&shown).await?;
        Ok(Searched { found, total, more })
    }

    /// Who looked up whom by identity, and how many they found; the digits are kept
    /// only as their blind index.
    async fn audit_ssn_search(
        &self,
        user: &SessionUser,
        last4: &str,
        matches: usize,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        tx.audit(AuditEvent {
            actor: &user.username,
            action: "search.ssn_last4",
            entity: "user",
            entity_key: &user.username,
            before: None,
            after: Some(json!({
                "ssn_last4_index": self.key().blind_index("ssn_last4", last4),
                "matches": matches,
            })),
            reason: "search by the last 4 digits of the SSN",
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rows of a page of hits, in the order given.
    async fn found(&self, hits: &[(i64, MatchedOn)]) -> Result<Vec<Found>, StoreError> {
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        // Ids from the database, not input.
        let ids: Vec<String> = hits.iter().map(|(id, _)| id.to_string()).collect();
        let sql = format!(
            "SELECT a.id, c.code, a.account_ref, d.first_name, d.last_name, a.status, a.currency, a.balance_minor, d.state, \
             (SELECT p.value FROM contact_points p WHERE p.debtor_id = d.id AND p.kind LIKE 'phone%' ORDER BY p.id LIMIT 1) \
             FROM accounts a JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id WHERE a.id IN ({})",
            ids.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut by_id = std::collections::HashMap::new();
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            by_id.insert(id, row);
        }
        hits.iter()
            .filter_map(|(id, matched)| by_id.get(id).map(|row| (row, *matched)))
            .map(|(row, matched_on)| {
                let first: String = row.try_get(3)?;
                let last: String = row.try_get(4)?;
                Ok(Found {
                    creditor: row.try_get(1)?,
                    account_ref: row.try_get(2)?,
                    debtor_name: format!("{first} {last}"),
                    status: row.try_get(5)?,
                    matched_on,
                    currency: row.try_get(6)?,
                    balance_minor: row.try_get(7)?,
                    state: row.try_get(8)?,
                    phone: row.try_get(9)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_range;

    #[test]
    fn a_prefix_range_holds_exactly_the_names_starting_with_it() {
        assert_eq!(prefix_range("diaz"), ("diaz".into(), Some("dib".into())));
        assert_eq!(prefix_range("gon"), ("gon".into(), Some("goo".into())));
        assert_eq!(prefix_range("a9"), ("a9".into(), Some("aa".into())));
        assert_eq!(prefix_range("zz"), ("zz".into(), None));
    }
}
