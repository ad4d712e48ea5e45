//! Settlements: discount authority per role. (Being written.)
