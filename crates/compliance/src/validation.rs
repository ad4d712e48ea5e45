//! The validation period of 12 CFR 1006.34(b)(5).
//!
//! The consumer is assumed to receive a validation notice on the 5th day after it was
//! sent, excluding legal public holidays, Saturdays and Sundays (1006.34(b)(5)); the
//! validation period ends 30 calendar days after that assumed receipt, on whatever day
//! of the week it falls.

use crate::calendar::business_days_after;
use jiff::Span;
use jiff::civil::Date;

/// Business days between sending and assumed receipt.
pub const ASSUMED_RECEIPT_BUSINESS_DAYS: u32 = 5;
/// Calendar days from assumed receipt to the end of the validation period.
pub const VALIDATION_PERIOD_DAYS: i64 = 30;
/// A validation notice is due within this many days of the initial communication
/// (12 CFR 1006.34(a)(1)(i)(B)), unless it was the initial communication itself.
pub const NOTICE_DUE_WITHIN_DAYS: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidationPeriod {
    pub assumed_receipt_on: Date,
    pub ends_on: Date,
}

/// `None` only for dates at the very end of the representable calendar.
pub fn validation_period(sent_on: Date) -> Option<ValidationPeriod> {
    let assumed_receipt_on = business_days_after(sent_on, ASSUMED_RECEIPT_BUSINESS_DAYS)?;
    let ends_on = assumed_receipt_on
        .checked_add(Span::new().days(VALIDATION_PERIOD_DAYS))
        .ok()?;
    Some(ValidationPeriod {
        assumed_receipt_on,
        ends_on,
    })
}

/// The last day a validation notice may be sent after an initial communication on
/// `initial_communication_on` (the notice may also be part of that communication).
pub fn notice_due_by(initial_communication_on: Date) -> Option<Date> {
    initial_communication_on
        .checked_add(Span::new().days(NOTICE_DUE_WITHIN_DAYS))
        .ok()
}
