//! Channels: how Arrears speaks to the outside world. Today: plain PDF documents
//! (statements, reports). Letters, email (SMTP), SMS and print-vendor exports will live
//! here too.
//!
//! **Invariant:** no IO here beyond the bytes returned; callers decide where they go.

pub mod pdf;
