//! The store suite: every test runs on SQLite (a real file) and on PostgreSQL (a fresh
//! database per test). Set ARREARS_TEST_POSTGRES_URL to a server URL (the test command
//! does); with ARREARS_REQUIRE_POSTGRES=1 a missing server fails the suite instead of
//! silently testing SQLite alone.

mod support;

mod accounts;
mod audit;
mod decisions;
mod dialer;
mod import;
mod messages;
mod migrations;
mod money;
mod rotation;
mod strategies;
mod tamper;
mod users_and_creditors;
mod worklist;
mod workspace;
