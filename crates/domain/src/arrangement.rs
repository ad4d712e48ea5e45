//! Promises to pay, payment plans and settlements: the states they are in, the moves
//! between those states, and the review that decides a state from how the payments
//! received meet the dues ([`crate::schedule::Standing`]).
//!
//! The store writes a status only when [`PromiseStatus::can_become`] or
//! [`ArrangementStatus::can_become`] allows the move from the status it read; the review
//! functions only ever return such a move or the state they were given.

use crate::account::{ArrangementKind, code_enum};
use crate::schedule::Standing;
use std::fmt;

code_enum! {
    /// Where a promise to pay stands. A promise starts `open`.
    PromiseStatus {
        Open => "open",
        Kept => "kept",
        Broken => "broken",
        Superseded => "superseded",
    }
}

impl PromiseStatus {
    /// Allowed moves:
    ///
    /// | from   | to             | why                                               |
    /// |--------|----------------|---------------------------------------------------|
    /// | open   | kept           | everything promised came in, in time              |
    /// | open   | broken         | a promised date (plus grace) passed unpaid        |
    /// | kept   | open           | a payment that kept it was returned               |
    /// | kept   | broken         | … returned, and its date (plus grace) has passed  |
    /// | open   | superseded     | a plan, settlement or promise replaced it          |
    ///
    /// `broken` and `superseded` are final: such a promise is never reviewed again.
    pub fn can_become(self, next: PromiseStatus) -> bool {
        use PromiseStatus::*;
        matches!(
            (self, next),
            (Open, Kept | Broken | Superseded) | (Kept, Open | Broken)
        )
    }

    /// No move leaves it.
    pub fn is_final(self) -> bool {
        matches!(self, PromiseStatus::Broken | PromiseStatus::Superseded)
    }

    /// Open: what the debtor is still to pay under it. An open promise counts as the
    /// account's open arrangement ([`ArrangementStatus::is_open`]): payments meet the
    /// dues of every promise and arrangement on the account, so two at once would count
    /// one payment twice.
    pub fn is_open(self) -> bool {
        self == PromiseStatus::Open
    }

    /// Whether a review looks at a promise in this state (an open or kept one).
    pub fn is_reviewed(self) -> bool {
        !self.is_final()
    }

    /// The review: where a promise in this state goes, given where its dues stand.
    /// Any miss breaks it (a late payment does not keep it); else it is kept once
    /// everything promised came in, and open until then. A broken promise stays broken.
    pub fn review(self, standing: Standing) -> PromiseStatus {
        if !self.is_reviewed() {
            return self;
        }
        if standing.misses >= ArrangementKind::Promise.misses_to_break(0) {
            PromiseStatus::Broken
        } else if standing.fully_paid {
            PromiseStatus::Kept
        } else {
            PromiseStatus::Open
        }
    }
}

code_enum! {
    /// Where a payment plan or a settlement stands. It starts `active`, or
    /// `pending_approval` when it needs someone's approval ([`ArrangementStatus::start`]).
    ArrangementStatus {
        Active => "active",
        PendingApproval => "pending_approval",
        Completed => "completed",
        Broken => "broken",
        Rejected => "rejected",
        Cancelled => "cancelled",
        Superseded => "superseded",
    }
}

impl ArrangementStatus {
    /// Allowed moves:
    ///
    /// | from             | to         | why                                                |
    /// |------------------|------------|----------------------------------------------------|
    /// | pending_approval | active     | approved                                           |
    /// | pending_approval | rejected   | rejected                                           |
    /// | pending_approval | cancelled  | the account left `active`                          |
    /// | pending_approval | superseded | a newer arrangement replaced it                    |
    /// | active           | completed  | everything owed under it came in                   |
    /// | active           | broken     | too many dues missed (the review)                  |
    /// | active           | cancelled  | the account left `active`                          |
    /// | active           | superseded | a newer arrangement replaced it                    |
    /// | completed        | active     | a payment came back; the rest is not yet missed    |
    /// | completed        | broken     | a payment came back and its due is past its grace  |
    ///
    /// `broken`, `rejected`, `cancelled` and `superseded` are final: nothing reviews,
    /// approves or cancels them again. `completed` is not, because a payment can still
    /// be returned (NSF, chargeback).
    pub fn can_become(self, next: ArrangementStatus) -> bool {
        use ArrangementStatus::*;
        matches!(
            (self, next),
            (PendingApproval, Active | Rejected | Cancelled | Superseded)
                | (Active, Completed | Broken | Cancelled | Superseded)
                | (Completed, Active | Broken)
        )
    }

    /// No move leaves it.
    pub fn is_final(self) -> bool {
        use ArrangementStatus::*;
        matches!(self, Broken | Rejected | Cancelled | Superseded)
    }

    /// The state a new plan or settlement starts in.
    pub fn start(needs_approval: bool) -> ArrangementStatus {
        if needs_approval {
            ArrangementStatus::PendingApproval
        } else {
            ArrangementStatus::Active
        }
    }

    /// Running or waiting for approval: what a newer arrangement supersedes and what an
    /// account that leaves `active` cancels.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ArrangementStatus::Active | ArrangementStatus::PendingApproval
        )
    }

    /// The account's open arrangement: at most one at a time (with a promise that is
    /// [`PromiseStatus::is_open`]). Offering another is refused unless it explicitly
    /// replaces the open one; a replacement that waits for approval leaves an active one
    /// running until it is approved.
    pub fn is_open(self) -> bool {
        self.is_running()
    }

    /// Whether its unpaid dues are no longer owed under it: those of a rejected,
    /// cancelled or superseded arrangement (all but the paid ones), and the dues of a
    /// broken one whose deadline has not passed (`missed_kept`: the misses that broke
    /// it stay shown as missed).
    pub fn dues_cancelled(self) -> Option<DuesCancelled> {
        use ArrangementStatus::*;
        match self {
            Rejected | Cancelled | Superseded => Some(DuesCancelled::Unpaid),
            Broken => Some(DuesCancelled::Pending),
            Active | PendingApproval | Completed => None,
        }
    }

    /// Whether the review looks at an arrangement in this state (an active or completed
    /// one: payments meet its dues, or one that completed it comes back).
    pub fn is_reviewed(self) -> bool {
        matches!(
            self,
            ArrangementStatus::Active | ArrangementStatus::Completed
        )
    }

    /// The review: where a plan or settlement in this state goes, given where its dues
    /// stand and the creditor's `plan_misses_to_break`. Fully paid (even late) it is
    /// completed; else it breaks once its misses reach what breaks its kind
    /// ([`ArrangementKind::misses_to_break`]); else it is active. States the review does
    /// not look at ([`ArrangementStatus::is_reviewed`]) stay as they are. (A promise's
    /// state is a [`PromiseStatus`]; given `Promise` here it breaks like a settlement.)
    pub fn review(
        self,
        kind: ArrangementKind,
        standing: Standing,
        plan_misses_to_break: u32,
    ) -> ArrangementStatus {
        if !self.is_reviewed() {
            return self;
        }
        if standing.fully_paid {
            ArrangementStatus::Completed
        } else if standing.misses >= kind.misses_to_break(plan_misses_to_break) {
            ArrangementStatus::Broken
        } else {
            ArrangementStatus::Active
        }
    }
}

/// Which dues of an ended arrangement are shown as cancelled
/// ([`ArrangementStatus::dues_cancelled`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DuesCancelled {
    /// Every due not paid in full (pending, missed; a partial one stays partial).
    Unpaid,
    /// Only those still pending.
    Pending,
}

impl DuesCancelled {
    /// Whether a due in `state` is shown as cancelled.
    pub fn covers(self, state: crate::schedule::DueState) -> bool {
        use crate::schedule::DueState;
        match self {
            DuesCancelled::Unpaid => matches!(state, DueState::Pending | DueState::Missed),
            DuesCancelled::Pending => state == DueState::Pending,
        }
    }
}

impl ArrangementKind {
    /// How many missed dues break it: the creditor's `plan_misses_to_break` for a plan,
    /// the first miss for a settlement or a promise.
    pub fn misses_to_break(self, plan_misses_to_break: u32) -> u32 {
        match self {
            ArrangementKind::Plan => plan_misses_to_break,
            ArrangementKind::Settlement | ArrangementKind::Promise => 1,
        }
    }
}
