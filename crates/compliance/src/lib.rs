//! Arrears' compliance engine: pure functions from facts to decisions. No IO, no clock:
//! "now" is always an argument, so the same question always gets the same answer.
//!
//! So far: the US federal business-day calendar, the Regulation F validation period and
//! the derivation of a consumer's plausible time zones.
//! The contact rules (contract: `arrears compliance check`) come next.

pub mod calendar;
pub mod check;
pub mod facts;
pub mod frequency;
pub mod hours;
pub mod packs;
pub mod validation;
pub mod zones;
