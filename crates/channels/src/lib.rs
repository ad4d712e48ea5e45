//! Channels: how Arrears speaks to the outside world. Documents (PDF) are written by
//! the `pdf` crate; email (SMTP), SMS and print-vendor exports live here.
//!
//! **Invariant:** no IO here beyond the bytes returned; callers decide where they go.
pub mod print;
