//! Sequences the model found breaking an invariant, shrunk, kept as regression tests on
//! every engine (each fixed in the store, with a focused store test beside it), among them
//! the one it found last (a settlement forgiving debt that appeared after it).

use crate::model::{Op, Pay, PlanSize, Target, run};
use crate::support::{postgres_db, sqlite_db};
use domain::account::Status;
use domain::ledger::Bucket;
use domain::plan::Frequency;
use std::cell::RefCell;
use store::arrangements::MoneyChange;

// Users by index (support::USERS).
const ANA: usize = 0;
const AL: usize = 1;
const SAM: usize = 2;

/// Runs `ops` through the model on every engine; panics with the steps on a failure.
fn scenario(ops: &[Op]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut databases = vec![sqlite_db()];
        databases.extend(postgres_db().await);
        for db in databases {
            let trail = RefCell::new(Vec::new());
            if let Err(failure) = run(db, ops, &trail).await {
                panic!("{failure}");
            }
        }
    });
}

/// An agent's write-off of everything owed waits for approval; the debtor pays; the
/// approval wrote off more than was owed then (a credit).
#[test]
fn a_write_off_approved_after_a_payment_makes_no_credit() {
    scenario(&[
        Op::Change {
            user: AL,
            account: Target::Mine(1),
            change: MoneyChange::WriteOff,
            amount: None,
            bucket: Bucket::Principal,
            reason: 0,
            stale: false,
        },
        Op::Pay {
            user: AL,
            account: Target::Mine(1),
            amount: Pay::Share(500),
            days_ago: 0,
            bank: false,
            stale: false,
        },
        Op::Decide {
            user: SAM,
            approval: 0,
            pending: true,
            approve: true,
        },
    ]);
}

/// A payment taken before a settlement was agreed, the same day, counted toward it: the
/// settlement completed early and forgave more than the discount agreed.
#[test]
fn a_payment_before_a_settlement_does_not_count_toward_it() {
    scenario(&[
        Op::Pay {
            user: SAM,
            account: Target::Mine(0),
            amount: Pay::Share(2500),
            days_ago: 0,
            bank: false,
            stale: false,
        },
        Op::Settle {
            user: SAM,
            account: Target::Mine(0),
            discount_bps: 2000,
            parts: 1,
            first_due_in: 0,
            stale: false,
            // Found when a new arrangement replaced the open one by itself.
            replace: true,
        },
        Op::Pay {
            user: SAM,
            account: Target::Mine(0),
            amount: Pay::Share(5000),
            days_ago: 0,
            bank: false,
            stale: false,
        },
    ]);
}

/// A completed settlement's payment came back after a newer plan had started on the
/// account (reopened by an operator): the settlement came back to life beside the plan,
/// two active arrangements on one account.
#[test]
fn a_returned_payment_does_not_revive_a_completed_settlement_beside_a_newer_plan() {
    scenario(&[
        Op::Settle {
            user: ANA,
            account: Target::Mine(2),
            discount_bps: 1500,
            parts: 1,
            first_due_in: 5,
            stale: false,
            // Found when a new arrangement replaced the open one by itself.
            replace: true,
        },
        Op::Pay {
            user: ANA,
            account: Target::Mine(2),
            amount: Pay::NextDue,
            days_ago: 0,
            bank: false,
            stale: false,
        },
        Op::Status {
            account: 2,
            to: Status::Active,
        },
        Op::Change {
            user: ANA,
            account: Target::Mine(2),
            change: MoneyChange::Adjustment,
            amount: Some(60_00),
            bucket: Bucket::Fees,
            reason: 0,
            stale: false,
        },
        Op::Plan {
            user: ANA,
            account: Target::Mine(2),
            frequency: Frequency::Monthly,
            size: PlanSize::Count(1),
            first_due_in: 10,
            down_bps: 1000,
            down_in: Some(2),
            apr_bps: 0,
            stale: false,
            // Found when a new arrangement replaced the open one by itself.
            replace: true,
        },
        Op::Return {
            payment: 0,
            nsf: true,
        },
    ]);
}

/// A supervisor's adjustment took an account below zero and left it active: in the
/// queue, owing nothing.
#[test]
fn an_adjustment_below_zero_does_not_leave_the_account_active() {
    scenario(&[Op::Change {
        user: SAM,
        account: Target::Mine(2),
        change: MoneyChange::Adjustment,
        amount: Some(-250_01),
        bucket: Bucket::Principal,
        reason: 0,
        stale: false,
    }]);
}

/// A settlement forgave whatever was owed when it was paid, so debt that appeared after
/// it was agreed — here a payment made before it that comes back; a returned-payment fee
/// or a positive adjustment do the same — was written down too, beyond the discount
/// agreed and the authority that agreed it. Now the write-down is capped at the discount
/// agreed; the new debt stays owed and the account active for it.
#[test]
fn a_settlement_forgives_no_more_than_the_discount_agreed() {
    scenario(&[
        Op::Pay {
            user: ANA,
            account: Target::Mine(3),
            amount: Pay::Fixed(10_00),
            days_ago: 0,
            bank: false,
            stale: false,
        },
        Op::Settle {
            user: SAM,
            account: Target::Mine(3),
            discount_bps: 500,
            parts: 1,
            first_due_in: 0,
            stale: false,
            // Found when a new arrangement replaced the open one by itself.
            replace: true,
        },
        Op::Return {
            payment: 0,
            nsf: false,
        },
        Op::Pay {
            user: SAM,
            account: Target::Mine(3),
            amount: Pay::NextDue,
            days_ago: 0,
            bank: false,
            stale: false,
        },
    ]);
}
