//! The collector's desk: right-party checks (what the caller says against the debtor's
//! identity on file, answered per field without ever handing out the stored value), the
//! agent's display name and the debtor's postal address.

use super::*;

/// How one field of a right-party check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldCheck {
    Match,
    NoMatch,
    /// The agent left it empty.
    NotAsked,
    /// Nothing on file to compare with.
    NotOnFile,
}

impl FieldCheck {
    pub fn code(self) -> &'static str {
        match self {
            FieldCheck::Match => "match",
            FieldCheck::NoMatch => "no_match",
            FieldCheck::NotAsked => "not_asked",
            FieldCheck::NotOnFile => "not_on_file",
        }
    }

    pub fn parse(code: &str) -> Option<FieldCheck> {
        [
            FieldCheck::Match,
            FieldCheck::NoMatch,
            FieldCheck::NotAsked,
            FieldCheck::NotOnFile,
        ]
        .into_iter()
        .find(|check| check.code() == code)
    }

    fn of(typed: Option<&str>, stored: Option<&str>) -> FieldCheck {
        match (typed, stored) {
            (None, _) => FieldCheck::NotAsked,
            (Some(_), None) => FieldCheck::NotOnFile,
            (Some(typed), Some(stored)) if typed == stored => FieldCheck::Match,
            _ => FieldCheck::NoMatch,
        }
    }
}

/// What the caller said, normalised by the caller of the store (`YYYY-MM-DD`, four
/// digits, five digits); `None`: not asked.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdentityClaim<'a> {
    pub date_of_birth: Option<&'a str>,
    pub ssn_last4: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

/// A right-party check as recorded: per field, and whether it verified the caller (at
/// least two fields asked, each matching).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub at: Timestamp,
    /// The agent who checked, by the name they give debtors (`display_name`).
    pub agent: Option<String>,
    pub date_of_birth: FieldCheck,
    pub ssn_last4: FieldCheck,
    pub postal_code: FieldCheck,
    pub verified: bool,
}

/// Fields that must match for a check to verify the caller.
pub const VERIFY_FIELDS_MIN: usize = 2;

impl Store {
    /// Compares the claim with the debtor's identity on file (decrypted here, never
    /// returned) and records the outcome per field with an audit event; the values
    /// typed are neither stored nor logged.
    pub async fn check_identity(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        account_id: i64,
        claim: IdentityClaim<'_>,
    ) -> Result<Verification, StoreError> {
        let row = sqlx::query(
            "SELECT d.date_of_birth_enc, d.ssn_last4_enc, d.postal_code FROM accounts a JOIN debtors d ON d.id = a.debtor_id WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        let decrypt = |sealed: Option<String>| -> Result<Option<String>, StoreError> {
            sealed.map(|sealed| self.key().decrypt(&sealed)).transpose()
        };
        let dob = decrypt(row.try_get(0)?)?;
        let ssn = decrypt(row.try_get(1)?)?;
        let zip: Option<String> = row.try_get(2)?;
        let zip5 = zip.map(|zip| zip.chars().take(5).collect::<String>());
        let checks = [
            FieldCheck::of(claim.date_of_birth, dob.as_deref()),
            FieldCheck::of(claim.ssn_last4, ssn.as_deref()),
            FieldCheck::of(claim.postal_code, zip5.as_deref()),
        ];
        let matched = checks.iter().filter(|c| **c == FieldCheck::Match).count();
        let asked = checks
            .iter()
            .filter(|c| **c != FieldCheck::NotAsked)
            .count();
        let verified = matched >= VERIFY_FIELDS_MIN && matched == asked;

        let mut tx = self.write().await?;
        let id = tx.next_id("verifications").await?;
        let outcome = json!({
            "verification": id,
            "date_of_birth": checks[0].code(),
            "ssn_last4": checks[1].code(),
            "postal_code": checks[2].code(),
            "verified": verified,
        });
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "account.verification",
                entity: "account",
                entity_key: &format!("{creditor}/{account_ref}"),
                before: None,
                after: Some(outcome),
                reason: if verified {
                    "right party verified"
                } else {
                    "right party not verified"
                },
            })
            .await?;
        let at_us = tx.now_us();
        sqlx::query("INSERT INTO verifications (id, account_id, user_id, at_us, date_of_birth, ssn_last4, postal_code, verified, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id)
            .bind(account_id)
            .bind(user.id)
            .bind(at_us)
            .bind(checks[0].code())
            .bind(checks[1].code())
            .bind(checks[2].code())
            .bind(i64::from(verified))
            .bind(seq)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(Verification {
            at: instant(at_us)?,
            agent: self.display_name(user.id).await?,
            date_of_birth: checks[0],
            ssn_last4: checks[1],
            postal_code: checks[2],
            verified,
        })
    }

    /// The account's latest right-party check since `since` that no call's wrap-up has
    /// ended: `None` once an attempt is logged on any of the debtor's accounts after it
    /// (later in the audit log), so each call verifies the caller again.
    pub async fn last_verification(
        &self,
        account_id: i64,
        since: Timestamp,
    ) -> Result<Option<Verification>, StoreError> {
        let row = sqlx::query(
            "SELECT v.at_us, COALESCE(u.display_name, u.username), v.date_of_birth, v.ssn_last4, v.postal_code, v.verified FROM verifications v LEFT JOIN users u ON u.id = v.user_id WHERE v.account_id = $1 AND v.at_us >= $2 \
             AND NOT EXISTS (SELECT 1 FROM accounts mine JOIN accounts sibling ON sibling.debtor_id = mine.debtor_id JOIN contact_attempts c ON c.account_id = sibling.id WHERE mine.id = v.account_id AND c.at_us >= v.at_us AND c.audit_seq > v.audit_seq) \
             ORDER BY v.at_us DESC, v.id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(since.as_microsecond())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let check = |index: usize| -> Result<FieldCheck, StoreError> {
            let code: String = row.try_get(index)?;
            FieldCheck::parse(&code)
                .ok_or_else(|| StoreError::Corrupt(format!("bad verification code {code:?}")))
        };
        Ok(Some(Verification {
            at: instant(row.try_get(0)?)?,
            agent: row.try_get(1)?,
            date_of_birth: check(2)?,
            ssn_last4: check(3)?,
            postal_code: check(4)?,
            verified: row.try_get::<i64, _>(5)? == 1,
        }))
    }

    /// The name the user gives debtors (the user name until one is set).
    pub async fn display_name(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT COALESCE(display_name, username) FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    /// Sets the name the user gives debtors, audited.
    pub async fn set_display_name(
        &self,
        actor: &str,
        username: &str,
        display_name: &str,
    ) -> Result<(), StoreError> {
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > DISPLAY_NAME_LENGTH_MAX {
            return Err(StoreError::Invalid(format!(
                "a display name has 1 to {DISPLAY_NAME_LENGTH_MAX} characters"
            )));
        }
        let mut tx = self.write().await?;
        let before: Option<String> =
            sqlx::query("SELECT display_name FROM users WHERE lower(username) = lower($1)")
                .bind(username)
                .fetch_optional(tx.conn())
                .await?
                .map(|row| row.try_get(0))
                .transpose()?
                .ok_or_else(|| StoreError::NotFound(format!("no user {username:?}")))?;
        tx.audit(AuditEvent {
            actor,
            action: "user.display_name",
            entity: "user",
            entity_key: username,
            before: Some(json!({"display_name": before})),
            after: Some(json!({"display_name": display_name})),
            reason: "display name set",
        })
        .await?;
        sqlx::query("UPDATE users SET display_name = $1 WHERE lower(username) = lower($2)")
            .bind(display_name)
            .bind(username)
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// The debtor's postal address as lines (what is on file of it).
    pub async fn postal_address(&self, account_id: i64) -> Result<Vec<String>, StoreError> {
        let row = sqlx::query(
            "SELECT d.address_line1, d.address_line2, d.city, d.state, d.postal_code FROM accounts a JOIN debtors d ON d.id = a.debtor_id WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        let text = |index: usize| -> Result<String, StoreError> {
            Ok(row
                .try_get::<Option<String>, _>(index)?
                .unwrap_or_default()
                .trim()
                .to_string())
        };
        let (line1, line2, city, state, zip) = (text(0)?, text(1)?, text(2)?, text(3)?, text(4)?);
        let place = format!(
            "{city}{}{state} {zip}",
            if city.is_empty() { "" } else { ", " }
        );
        Ok([line1, line2, place.trim().to_string()]
            .into_iter()
            .filter(|line| !line.is_empty() && line != ",")
            .collect())
    }
}

/// Longest display name.
pub const DISPLAY_NAME_LENGTH_MAX: usize = 80;
