//! Payment plans: schedules, amortization quotes and policy checks. (Being written.)
