//! Search across the user's creditors.

use super::*;

/// A search hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub status: String,
}

/// Most hits a search returns.
pub const SEARCH_RESULTS_MAX: i64 = 50;

impl Store {
    /// Accounts of the user's creditors matching `query`: an account reference (exact),
    /// a phone number or email address of the debtor (exact, normalised), the last 4
    /// digits of the SSN (through its blind index) when `by_identity` (the caller's role
    /// may see it; every such search is audited), or a name (every word a prefix of the
    /// first or last name, any case).
    pub async fn search(
        &self,
        user: &SessionUser,
        query: &str,
        by_identity: bool,
    ) -> Result<Vec<Found>, StoreError> {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > 200 {
            return Ok(Vec::new());
        }
        let ssn =
            by_identity && query.len() == 4 && query.bytes().all(|byte| byte.is_ascii_digit());
        let filter = creditor_filter(user);
        let select = "SELECT c.code, a.account_ref, d.first_name, d.last_name, a.status FROM accounts a \
             JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id";
        let (condition, values): (String, Vec<String>) = if ssn {
            (
                "d.ssn_last4_index = $1".into(),
                vec![self.key().blind_index("ssn_last4", query)],
            )
        } else if let Some(phone) = domain::party::PhoneNumber::parse(query) {
            (
                "d.id IN (SELECT debtor_id FROM contact_points WHERE value = $1)".into(),
                vec![phone.to_string()],
            )
        } else if query.contains('@') {
            (
                "d.id IN (SELECT debtor_id FROM contact_points WHERE kind = 'email' AND lower(value) = $1)".into(),
                vec![query.to_lowercase()],
            )
        } else {
            let words: Vec<String> = query
                .split_whitespace()
                .take(4)
                .map(|word| {
                    let escaped = word
                        .to_lowercase()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    format!("{escaped}%")
                })
                .collect();
            let mut conditions = vec!["a.account_ref = $1".to_string()];
            let name: Vec<String> = (0..words.len())
                .map(|index| {
                    let n = index + 2;
                    format!(
                        "(lower(d.first_name) LIKE ${n} ESCAPE '\\' OR lower(d.last_name) LIKE ${n} ESCAPE '\\')"
                    )
                })
                .collect();
            conditions.push(format!("({})", name.join(" AND ")));
            let mut values = vec![query.to_string()];
            values.extend(words);
            (conditions.join(" OR "), values)
        };
        let sql = format!(
            "{select} WHERE ({condition}){filter} ORDER BY c.code, a.account_ref LIMIT {SEARCH_RESULTS_MAX}"
        );
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            statement = statement.bind(value);
        }
        let rows = statement.fetch_all(&self.pool).await?;
        if ssn {
            // Who looked up whom by identity, and how many they found; the digits are
            // kept only as their blind index.
            let mut tx = self.write().await?;
            tx.audit(AuditEvent {
                actor: &user.username,
                action: "search.ssn_last4",
                entity: "user",
                entity_key: &user.username,
                before: None,
                after: Some(json!({
                    "ssn_last4_index": self.key().blind_index("ssn_last4", query),
                    "matches": rows.len(),
                })),
                reason: "search by the last 4 digits of the SSN",
            })
            .await?;
            tx.commit().await?;
        }
        rows.iter()
            .map(|row| {
                let first: String = row.try_get(2)?;
                let last: String = row.try_get(3)?;
                Ok(Found {
                    creditor: row.try_get(0)?,
                    account_ref: row.try_get(1)?,
                    debtor_name: format!("{first} {last}"),
                    status: row.try_get(4)?,
                })
            })
            .collect()
    }
}
