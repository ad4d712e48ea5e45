//! Arrears' compliance engine: pure functions from facts to decisions. No IO, no clock:
//! "now" is always an argument, so the same question always gets the same answer.
//!
//! So far: the US federal business-day calendar and the Regulation F validation period.
//! The contact rules (contract: `arrears compliance check`) come next.

pub mod calendar;
pub mod validation;
