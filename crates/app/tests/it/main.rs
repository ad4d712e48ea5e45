//! The app suite: the use cases driven as the adapters drive them, on SQLite (a real
//! file) and on PostgreSQL (a fresh database per case). Set ARREARS_TEST_POSTGRES_URL to
//! a server URL (the test command does); with ARREARS_REQUIRE_POSTGRES=1 a missing server
//! fails the suite instead of silently testing SQLite alone.

mod dialer;
mod disputes;
mod documents;
mod invariants;
mod letters;
mod locate;
mod model;
mod nightly;
mod regressions;
mod roles;
mod sign_in;
mod strategies;
mod support;
mod templates;
mod treatment;
