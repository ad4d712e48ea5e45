//! File formats Arrears reads and writes. Parsing happens here, at the edge: what leaves
//! this crate is a domain type, never a raw string.

pub mod bai2;
pub mod generate;
pub mod mapping;
pub mod nacha;
pub mod payments;
pub mod placement;
