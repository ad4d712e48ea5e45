//! The auditor's logs: the audit log and the compliance decision log, filtered and
//! paged, their CSV exports (spreadsheet-safe), and the chain's verification — the same
//! one `arrears audit verify` runs.

use crate::export::spreadsheet_text;
use crate::{App, Error, require};
use domain::permission::Permission;
use store::audit::AuditEntry;
use store::logs::{AuditFilter, DecisionFilter, DecisionRow};
use store::sessions::SessionUser;

/// Rows of one page of a log.
pub const LOG_PAGE_ROWS: i64 = 50;
/// Rows of one export at most (the filters narrow what a file holds).
pub const LOG_EXPORT_ROWS_MAX: i64 = store::logs::LOG_PAGE_MAX;

impl App {
    /// One page (`page` from 0) of the audit events matching `filter`, newest first.
    pub async fn audit_events(
        &self,
        user: &SessionUser,
        filter: &AuditFilter,
        page: i64,
    ) -> Result<Vec<AuditEntry>, Error> {
        require(user, Permission::ReadAudit)?;
        let offset = page.max(0).saturating_mul(LOG_PAGE_ROWS);
        Ok(self
            .store
            .audit_events(filter, offset, LOG_PAGE_ROWS)
            .await?)
    }

    /// One page of the compliance decisions matching `filter`, newest first.
    pub async fn decision_log(
        &self,
        user: &SessionUser,
        filter: &DecisionFilter,
        page: i64,
    ) -> Result<Vec<DecisionRow>, Error> {
        require(user, Permission::ReadAudit)?;
        let offset = page.max(0).saturating_mul(LOG_PAGE_ROWS);
        Ok(self
            .store
            .decision_rows(filter, offset, LOG_PAGE_ROWS)
            .await?)
    }

    /// The audit events matching `filter` as CSV, newest first.
    pub async fn audit_csv(
        &self,
        user: &SessionUser,
        filter: &AuditFilter,
    ) -> Result<String, Error> {
        require(user, Permission::ReadAudit)?;
        let rows = self
            .store
            .audit_events(filter, 0, LOG_EXPORT_ROWS_MAX)
            .await?;
        let mut csv =
            String::from("seq,recorded_at,actor,action,entity,entity_key,reason,before,after\n");
        for row in rows {
            let at = jiff::Timestamp::from_microsecond(row.recorded_at_us)
                .map(|at| at.to_string())
                .unwrap_or_default();
            line(
                &mut csv,
                &[
                    &row.seq.to_string(),
                    &at,
                    &row.actor,
                    &row.action,
                    &row.entity,
                    &row.entity_key,
                    &row.reason,
                    row.before_json.as_deref().unwrap_or(""),
                    row.after_json.as_deref().unwrap_or(""),
                ],
            );
        }
        Ok(csv)
    }

    /// The compliance decisions matching `filter` as CSV, newest first.
    pub async fn decisions_csv(
        &self,
        user: &SessionUser,
        filter: &DecisionFilter,
    ) -> Result<String, Error> {
        require(user, Permission::ReadAudit)?;
        let rows = self
            .store
            .decision_rows(filter, 0, LOG_EXPORT_ROWS_MAX)
            .await?;
        let mut csv =
            String::from("id,decided_at,creditor,account_ref,actor,channel,decision,rules\n");
        for row in rows {
            line(
                &mut csv,
                &[
                    &row.id.to_string(),
                    &row.decided_at.to_string(),
                    &row.creditor,
                    &row.account_ref,
                    &row.actor,
                    &row.channel,
                    if row.allowed { "allow" } else { "deny" },
                    &row.rules.join(" "),
                ],
            );
        }
        Ok(csv)
    }

    /// Recomputes the audit chain, the sealed rows and the decision log's chain.
    pub async fn verify_audit_chain(
        &self,
        user: &SessionUser,
    ) -> Result<store::AuditReport, Error> {
        require(user, Permission::ReadAudit)?;
        Ok(self.store.verify_audit().await?)
    }
}

/// One CSV record: every field spreadsheet-safe and quoted when it needs to be.
fn line(csv: &mut String, fields: &[&str]) {
    let cells: Vec<String> = fields
        .iter()
        .map(|field| {
            let safe = spreadsheet_text(field);
            if safe.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", safe.replace('"', "\"\""))
            } else {
                safe.into_owned()
            }
        })
        .collect();
    csv.push_str(&cells.join(","));
    csv.push('\n');
}
