//! Dispute resolution (supervisors): the open disputes of their creditors, and resolving
//! one as verified, corrected, upheld or withdrawn — the store moves the account's
//! dispute hold with the outcome (`store::disputes`), audited with who and why.

use crate::{App, Error, require};
use domain::permission::Permission;
use jiff::Timestamp;
use store::disputes::{OpenDispute, Outcome};
use store::sessions::SessionUser;

/// An open dispute and how long it has been open.
#[derive(Clone, Debug)]
pub struct Dispute {
    pub dispute: OpenDispute,
    /// Whole days since it was logged.
    pub days_open: i64,
}

/// Why a dispute was not resolved; `field()` names the form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisputeProblem {
    /// Empty, or longer than `store::accounts::REASON_LENGTH_MAX`.
    Note,
    /// The account has no open dispute (resolved meanwhile, or never had one).
    Gone,
}

impl DisputeProblem {
    pub fn field(self) -> &'static str {
        match self {
            DisputeProblem::Note => "note",
            DisputeProblem::Gone => "outcome",
        }
    }
}

const DAY_US: i64 = 86_400_000_000;

impl App {
    /// The open disputes of the user's creditors, oldest first.
    pub async fn disputes(&self, user: &SessionUser) -> Result<Vec<Dispute>, Error> {
        require(user, Permission::Supervise)?;
        let now_us = self.now().as_microsecond();
        Ok(self
            .store
            .disputes(user)
            .await?
            .into_iter()
            .map(|dispute| Dispute {
                days_open: (now_us - dispute.placed_at_us).max(0) / DAY_US,
                dispute,
            })
            .collect())
    }

    /// Resolves the account's open dispute with `outcome`, `note` saying why.
    pub async fn resolve_dispute(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        outcome: Outcome,
        note: &str,
    ) -> Result<Result<(), DisputeProblem>, Error> {
        require(user, Permission::Supervise)?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > store::accounts::REASON_LENGTH_MAX {
            return Ok(Err(DisputeProblem::Note));
        }
        match self
            .store
            .resolve_dispute(user, creditor, account_ref, outcome, note)
            .await
        {
            Ok(()) => Ok(Ok(())),
            Err(store::StoreError::NotFound(_)) => Ok(Err(DisputeProblem::Gone)),
            Err(error) => Err(error.into()),
        }
    }
}

/// When the dispute was logged.
pub fn opened_at(dispute: &OpenDispute) -> Option<Timestamp> {
    Timestamp::from_microsecond(dispute.placed_at_us).ok()
}
