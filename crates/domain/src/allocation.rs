//! How a payment splits across buckets and accounts.
