//! Champion/challenger assignment by a stable hash.
//!
//! An account's bucket is a pure function of the strategy's name and the account's key:
//! the first eight bytes, big-endian, of SHA-256(name ‖ 0x00 ‖ key), modulo 10,000. The
//! arms own consecutive slices of the buckets in file order (champion first), each
//! `share_percent × 100` wide. Names cannot contain a zero byte, so the input is
//! unambiguous. The remainder of 2^64 modulo 10,000 biases no bucket measurably
//! (one part in 10^15).

use sha2::{Digest, Sha256};

/// How many assignment buckets there are; a percent of traffic is 100 buckets.
pub const ASSIGNMENT_BUCKETS: u32 = 10_000;

/// The account's assignment bucket, 0 … 9,999, under the strategy named `strategy_name`.
pub fn assignment_bucket(strategy_name: &str, account_key: &str) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(strategy_name.as_bytes());
    hasher.update([0u8]);
    hasher.update(account_key.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let bucket = u64::from_be_bytes(first) % u64::from(ASSIGNMENT_BUCKETS);
    u32::try_from(bucket).expect("a bucket is below 10,000")
}
