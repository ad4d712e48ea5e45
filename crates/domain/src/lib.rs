//! Arrears' domain: pure types and rules. No IO, no async, no serialisation formats.
//!
//! Invariant: every amount is an integer number of minor units ([`money::Amount`]) and
//! every arithmetic step that could overflow is checked.

pub mod account;
pub mod aging;
pub mod allocation;
pub mod arrangement;
pub mod contact;
pub mod creditor;
pub mod date;
pub mod ids;
pub mod interest;
pub mod late_fee;
pub mod ledger;
pub mod money;
pub mod party;
pub mod payment;
pub mod permission;
pub mod placement;
pub mod plan;
pub mod schedule;
pub mod settlement;
pub mod text;
pub mod throttle;
