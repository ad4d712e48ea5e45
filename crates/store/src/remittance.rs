//! Remittance to creditors and the trust-account reconciliation.
//!
//! Money collected for a creditor sits in the agency's trust account until it is
//! remitted, less the agency's contingency fee. A remittance statement lists, for one
//! creditor and period, every payment received (by its `paid_on`) and every payment
//! returned (by its `returned_on`, as a negative line: the fee on it is credited back),
//! the fee rate of each line (the creditor's `commission_bps`, or its
//! `commission_by_age` band for the debt's age in days at that date), and the totals.
//!
//! **Invariant:** every line's fee is rounded half-up to the minor unit on its own, and
//! the totals are the sums of the lines, so a statement always adds up.

use crate::creditors::creditor_from_row;
use crate::{Store, StoreError};
use domain::money::{Amount, Currency};
use jiff::civil::Date;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemittanceLine {
    /// `payment` or `return`.
    pub kind: &'static str,
    pub on: Date,
    pub account_ref: String,
    pub payment_ref: String,
    pub method: String,
    pub return_code: Option<String>,
    pub days_delinquent: i64,
    /// Signed: returns are negative.
    pub amount: Amount,
    pub rate_bps: u32,
    pub fee: Amount,
    pub net: Amount,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remittance {
    pub creditor: String,
    pub creditor_name: String,
    pub currency: Currency,
    pub from: Date,
    pub to: Date,
    pub lines: Vec<RemittanceLine>,
    pub collected: Amount,
    pub returned: Amount,
    pub net_collected: Amount,
    pub fee: Amount,
    pub net_to_remit: Amount,
}

/// `amount × bps / 10 000`, rounded half away from zero.
pub fn fee_of(amount: Amount, bps: u32) -> Amount {
    let product = i128::from(amount.minor()) * i128::from(bps);
    let magnitude = (product.abs() + 5_000) / 10_000;
    let signed = if product < 0 { -magnitude } else { magnitude };
    Amount::from_minor(i64::try_from(signed).expect("a fee is at most the amount"))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustLine {
    pub creditor: String,
    pub currency: Currency,
    pub payments: i64,
    pub payments_amount: Amount,
    /// What the ledger's payment entries of those payments say.
    pub ledger_payments: Amount,
    pub returns: i64,
    pub returns_amount: Amount,
    pub ledger_reversals: Amount,
    pub fee: Amount,
    pub net_to_remit: Amount,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustReport {
    pub from: Date,
    pub to: Date,
    pub creditors: Vec<TrustLine>,
    /// Bank items received in the period nobody matched yet: money in the trust account
    /// that belongs to no creditor so far.
    pub open_exceptions: i64,
    pub open_exceptions_amount: Amount,
    /// Creditors whose ledger disagrees with their payments (should be empty).
    pub differences: Vec<String>,
}

impl Store {
    pub async fn remittance(
        &self,
        creditor: &str,
        from: Date,
        to: Date,
    ) -> Result<Remittance, StoreError> {
        if from > to {
            return Err(StoreError::Invalid(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        let row = sqlx::query("SELECT id, code, name, policy FROM creditors WHERE code = $1")
            .bind(creditor)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no creditor {creditor:?}")))?;
        let known = creditor_from_row(&row)?;
        let rows = sqlx::query(
            "SELECT p.paid_on, p.returned_on, a.account_ref, p.payment_ref, p.method, p.return_code, a.delinquent_since, p.amount_minor \
             FROM payments p JOIN accounts a ON a.id = p.account_id \
             WHERE p.creditor_id = $1 AND ((p.paid_on >= $2 AND p.paid_on <= $3) OR (p.returned_on >= $2 AND p.returned_on <= $3)) \
             ORDER BY p.paid_on, p.id",
        )
        .bind(known.id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        let date = |text: &str| -> Result<Date, StoreError> {
            text.parse()
                .map_err(|_| StoreError::Corrupt(format!("stored date {text:?}")))
        };
        let mut lines = Vec::new();
        for row in rows {
            let paid_on = date(&row.try_get::<String, _>(0)?)?;
            let returned_on = row
                .try_get::<Option<String>, _>(1)?
                .map(|text| date(&text))
                .transpose()?;
            let since = date(&row.try_get::<String, _>(6)?)?;
            let amount = Amount::from_minor(row.try_get(7)?);
            let mut push = |kind: &'static str, on: Date, amount: Amount, code: Option<String>| {
                let days = (on - since).get_days().into();
                let rate = known.policy.commission_rate(days).get();
                let fee = fee_of(amount, rate);
                lines.push(RemittanceLine {
                    kind,
                    on,
                    account_ref: row.try_get(2).unwrap_or_default(),
                    payment_ref: row.try_get(3).unwrap_or_default(),
                    method: row.try_get(4).unwrap_or_default(),
                    return_code: code,
                    days_delinquent: days,
                    amount,
                    rate_bps: rate,
                    fee,
                    net: Amount::from_minor(amount.minor() - fee.minor()),
                });
            };
            if paid_on >= from && paid_on <= to {
                push("payment", paid_on, amount, None);
            }
            if let Some(returned_on) = returned_on
                && returned_on >= from
                && returned_on <= to
            {
                // The fee is credited back at the rate the payment was charged.
                let days_at_payment: i64 = (paid_on - since).get_days().into();
                let rate = known.policy.commission_rate(days_at_payment).get();
                let negative = Amount::from_minor(-amount.minor());
                let fee = fee_of(negative, rate);
                lines.push(RemittanceLine {
                    kind: "return",
                    on: returned_on,
                    account_ref: row.try_get(2)?,
                    payment_ref: row.try_get(3)?,
                    method: row.try_get(4)?,
                    return_code: row.try_get(5)?,
                    days_delinquent: days_at_payment,
                    amount: negative,
                    rate_bps: rate,
                    fee,
                    net: Amount::from_minor(negative.minor() - fee.minor()),
                });
            }
        }
        lines.sort_by(|a, b| (a.on, &a.payment_ref, a.kind).cmp(&(b.on, &b.payment_ref, b.kind)));
        // Every total checked: a statement never wraps to a wrong figure.
        let sum = |pick: &dyn Fn(&RemittanceLine) -> i64| -> Result<Amount, StoreError> {
            lines
                .iter()
                .try_fold(0i64, |total, line| total.checked_add(pick(line)))
                .map(Amount::from_minor)
                .ok_or_else(|| {
                    StoreError::Invalid(
                        "the statement's totals are larger than Arrears can hold".into(),
                    )
                })
        };
        let collected = sum(&|line| line.amount.minor().max(0))?;
        let returned = sum(&|line| (-line.amount.minor()).max(0))?;
        let net_collected = sum(&|line| line.amount.minor())?;
        let fee = sum(&|line| line.fee.minor())?;
        let net_to_remit = sum(&|line| line.net.minor())?;
        Ok(Remittance {
            creditor: known.code,
            creditor_name: known.name,
            currency: known.policy.currency,
            from,
            to,
            lines,
            collected,
            returned,
            net_collected,
            fee,
            net_to_remit,
        })
    }

    /// Reconciles the trust account for a period: per creditor, payments and returns as
    /// received against what the ledger recorded for them, the fee and the net owed to
    /// the creditor; and the bank items still unmatched.
    pub async fn trust_report(&self, from: Date, to: Date) -> Result<TrustReport, StoreError> {
        let creditors = self.creditors().await?;
        let mut report = TrustReport {
            from,
            to,
            creditors: Vec::new(),
            open_exceptions: 0,
            open_exceptions_amount: Amount::ZERO,
            differences: Vec::new(),
        };
        for creditor in creditors {
            let remittance = self.remittance(&creditor.code, from, to).await?;
            let ledger = sqlx::query(
                "SELECT CAST(COALESCE(SUM(-(e.principal_minor + e.interest_minor + e.fees_minor)), 0) AS BIGINT) \
                 FROM payments p JOIN payment_entries pe ON pe.payment_id = p.id JOIN ledger_entries e ON e.id = pe.entry_id \
                 WHERE p.creditor_id = $1 AND p.paid_on >= $2 AND p.paid_on <= $3",
            )
            .bind(creditor.id)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_one(&self.pool)
            .await?;
            let reversals = sqlx::query(
                "SELECT CAST(COALESCE(SUM(r.principal_minor + r.interest_minor + r.fees_minor), 0) AS BIGINT) \
                 FROM payments p JOIN payment_entries pe ON pe.payment_id = p.id JOIN ledger_entries r ON r.corrects_entry_id = pe.entry_id \
                 WHERE p.creditor_id = $1 AND p.returned_on >= $2 AND p.returned_on <= $3",
            )
            .bind(creditor.id)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_one(&self.pool)
            .await?;
            let count = |kind: &str| {
                remittance
                    .lines
                    .iter()
                    .filter(|line| line.kind == kind)
                    .count() as i64
            };
            let line = TrustLine {
                creditor: creditor.code.clone(),
                currency: remittance.currency,
                payments: count("payment"),
                payments_amount: remittance.collected,
                ledger_payments: Amount::from_minor(ledger.try_get(0)?),
                returns: count("return"),
                returns_amount: remittance.returned,
                ledger_reversals: Amount::from_minor(reversals.try_get(0)?),
                fee: remittance.fee,
                net_to_remit: remittance.net_to_remit,
            };
            if line.payments_amount != line.ledger_payments
                || line.returns_amount != line.ledger_reversals
            {
                report.differences.push(format!(
                    "{}: payments {} vs ledger {}, returns {} vs ledger {}",
                    creditor.code,
                    line.payments_amount.minor(),
                    line.ledger_payments.minor(),
                    line.returns_amount.minor(),
                    line.ledger_reversals.minor()
                ));
            }
            if line.payments + line.returns > 0 {
                report.creditors.push(line);
            }
        }
        let open = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payment_exceptions \
             WHERE status = 'open' AND kind = 'payment' AND paid_on >= $1 AND paid_on <= $2",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_one(&self.pool)
        .await?;
        report.open_exceptions = open.try_get(0)?;
        report.open_exceptions_amount = Amount::from_minor(open.try_get(1)?);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_round_half_away_from_zero() {
        assert_eq!(
            fee_of(Amount::from_minor(10_01), 2500),
            Amount::from_minor(2_50)
        );
        assert_eq!(
            fee_of(Amount::from_minor(10_02), 2500),
            Amount::from_minor(2_51)
        );
        assert_eq!(
            fee_of(Amount::from_minor(-10_02), 2500),
            Amount::from_minor(-2_51)
        );
        assert_eq!(fee_of(Amount::from_minor(1), 4999), Amount::ZERO);
        assert_eq!(fee_of(Amount::from_minor(1), 5000), Amount::from_minor(1));
    }
}
