//! The locate list: accounts whose debtor's mailing address is incomplete — a placement
//! row gave part of one (a state and ZIP code but no street or city, …). Nothing can be
//! mailed to them until someone finds the address; the state and ZIP still decide the
//! debtor's time zones and state rules.

use crate::sessions::SessionUser;
use crate::workspace::creditor_filter_on;
use crate::{Store, StoreError};
use domain::account::Status;
use domain::placement::MailingAddress;
use sqlx::Row;

/// An account to locate the debtor of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locate {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_ref: String,
    pub debtor_name: String,
    pub status: Status,
    /// What is known of the address; [`MailingAddress::missing`] names the rest.
    pub address: MailingAddress,
}

impl Store {
    /// Accounts not closed whose debtor's address is incomplete, of the creditors
    /// `viewer` sees (every creditor for `None`: the operator), of `creditor` alone when
    /// given; by creditor and account reference.
    pub async fn locate_list(
        &self,
        viewer: Option<&SessionUser>,
        creditor: Option<&str>,
    ) -> Result<Vec<Locate>, StoreError> {
        let scope = viewer.map_or(String::new(), |user| {
            creditor_filter_on(user, "a.creditor_id")
        });
        let one = if creditor.is_some() {
            " AND c.code = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT c.code, a.account_ref, d.debtor_ref, d.first_name, d.last_name, a.status, \
             d.address_line1, d.address_line2, d.city, d.state, d.postal_code, d.country \
             FROM debtors d JOIN accounts a ON a.debtor_id = d.id JOIN creditors c ON c.id = a.creditor_id \
             WHERE d.address_incomplete = 1 AND a.status <> $1{one}{scope} \
             ORDER BY c.code, a.account_ref"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(Status::Closed.code());
        if let Some(code) = creditor {
            query = query.bind(code);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get(5)?;
                let first_name: String = row.try_get(3)?;
                let last_name: String = row.try_get(4)?;
                let country: Option<String> = row.try_get(11)?;
                Ok(Locate {
                    creditor: row.try_get(0)?,
                    account_ref: row.try_get(1)?,
                    debtor_ref: row.try_get(2)?,
                    debtor_name: format!("{first_name} {last_name}"),
                    status: Status::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                    address: MailingAddress {
                        line1: row.try_get(6)?,
                        line2: row.try_get(7)?,
                        city: row.try_get(8)?,
                        state: row.try_get(9)?,
                        postal_code: row.try_get(10)?,
                        country: country.unwrap_or_else(|| "US".into()),
                    },
                })
            })
            .collect()
    }
}
