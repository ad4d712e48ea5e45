//! `arrears plan quote` driven as a user would.
