//! Collection strategies as data, for the nightly batch: which segment an account is in,
//! which step of its treatment path fires tonight, which champion/challenger arm it
//! belongs to, and how the arms compare. Format and rules: docs/strategies.md.
//!
//! Pure: no IO and no clock. A strategy arrives as text with a file name
//! ([`Strategy::parse`]); "today" is always an argument; outcomes arrive as records.
//!
//! **Invariants** (checked by [`Strategy::parse`], so a loaded strategy holds them):
//! - segments are non-empty, uniquely named, and the last one — only the last — is a
//!   catch-all, so every account has exactly one segment (the first that matches);
//! - every path's steps are in day order and each step has exactly one action;
//! - the arms' shares are whole percents adding up to 100, the champion first; every
//!   arm has the same segments (a challenger only replaces some segments' paths).

mod arms;
pub mod compare;
mod file;
mod model;

pub use arms::{ASSIGNMENT_BUCKETS, assignment_bucket};
pub use file::{DEFAULT, DEFAULT_FILE, FORMAT, Problem};
pub use model::{
    AccountFacts, Action, Arm, CHAMPION, Conditions, Due, Escalation, Path, Progress, Segment,
    Step, Strategy,
};

/// Most segments a strategy may have.
pub const SEGMENTS_MAX: usize = 200;
/// Most steps in one treatment path.
pub const STEPS_PER_PATH_MAX: usize = 100;
/// Most challengers beside the champion.
pub const CHALLENGERS_MAX: usize = 9;
/// Latest day offset of a step: ten years after entering the segment.
pub const STEP_DAY_MAX: u32 = 3_650;
/// Longest a refused step may block its path before it is skipped.
pub const MAX_RETRY_DAYS_MAX: u32 = 365;
/// `max_retry_days` when the file does not say.
pub const MAX_RETRY_DAYS_DEFAULT: u32 = 14;
/// Highest score a model gives; score conditions are 0 … this.
pub const SCORE_MAX: u16 = 1_000;
/// Highest call priority.
pub const CALL_PRIORITY_MAX: u8 = 100;
/// Longest name of a strategy, an arm, a segment or a template.
pub const NAME_LENGTH_MAX: usize = 64;
/// Longest `review` question.
pub const REVIEW_LENGTH_MAX: usize = 200;
/// Largest strategy file read, in bytes.
pub const TEXT_BYTES_MAX: usize = 1 << 20;
