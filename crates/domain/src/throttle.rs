//! Counting failures toward a lock: how repeated failed sign-ins are throttled.
//!
//! A [`Counter`] belongs to one key (a client address, a user name, or the two together).
//! Failures are counted in a fixed window that opens with the first failure; the failure
//! that brings the count to the [`Limit`] locks the key for `lock`, and the count starts
//! again from nothing when the lock ends. While locked, nothing is counted: the caller
//! refuses without checking anything. Pure: the caller stores the counters and passes the
//! instant; the limits themselves are a policy of the application (`app::session`).

use jiff::{SignedDuration, Timestamp};

/// When failures lock a key, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Failures within one window that lock the key (at least 1).
    pub failures: u32,
    /// How long a window lasts from its first failure.
    pub window: SignedDuration,
    /// How long the lock lasts.
    pub lock: SignedDuration,
}

/// The failures of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    /// When the current window opened (its first failure, or the start of the lock).
    pub window_start: Timestamp,
    /// Failures counted in the current window (0 once locked).
    pub failures: u32,
    /// Refused until then, whatever is presented.
    pub locked_until: Option<Timestamp>,
}

fn after(instant: Timestamp, duration: SignedDuration) -> Timestamp {
    instant.checked_add(duration).unwrap_or(Timestamp::MAX)
}

impl Counter {
    /// The end of the lock in force at `now`, if any.
    pub fn locked_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Whether the counter no longer matters at `now` (its window and any lock are over),
    /// so it may be forgotten: a failure would open a new window either way.
    pub fn forgotten_at(&self, now: Timestamp, limit: &Limit) -> bool {
        after(self.window_start, limit.window) <= now && self.locked_at(now).is_none()
    }
}

impl Limit {
    /// The counter after one more failure at `now`. A failure during a lock changes
    /// nothing (the lock is not extended, so waiting it out always works).
    pub fn after_failure(&self, counter: Option<Counter>, now: Timestamp) -> Counter {
        if let Some(counter) = counter
            && counter.locked_at(now).is_some()
        {
            return counter;
        }
        let (window_start, before) = match counter {
            Some(counter) if now < after(counter.window_start, self.window) => {
                (counter.window_start, counter.failures)
            }
            _ => (now, 0),
        };
        let failures = before.saturating_add(1);
        if failures >= self.failures {
            Counter {
                window_start: now,
                failures: 0,
                locked_until: Some(after(now, self.lock)),
            }
        } else {
            Counter {
                window_start,
                failures,
                locked_until: None,
            }
        }
    }
}

/// The three counters of one sign-in: the user name from this client, this client
/// (whatever the name), and this user name (from any client).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub user_and_client: Option<Counter>,
    pub client: Option<Counter>,
    pub user: Option<Counter>,
}

/// The limit of each of the three counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub user_and_client: Limit,
    pub client: Limit,
    pub user: Limit,
}

impl Counters {
    /// The end of the latest lock in force at `now`: refused until then.
    pub fn locked_at(&self, now: Timestamp) -> Option<Timestamp> {
        [self.user_and_client, self.client, self.user]
            .iter()
            .flatten()
            .filter_map(|counter| counter.locked_at(now))
            .max()
    }
}

impl Limits {
    /// The three counters after one more failure at `now`.
    pub fn after_failure(&self, counters: Counters, now: Timestamp) -> Counters {
        Counters {
            user_and_client: Some(
                self.user_and_client
                    .after_failure(counters.user_and_client, now),
            ),
            client: Some(self.client.after_failure(counters.client, now)),
            user: Some(self.user.after_failure(counters.user, now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit {
        failures: 3,
        window: SignedDuration::from_mins(10),
        lock: SignedDuration::from_mins(15),
    };

    fn at(minute: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH
            .checked_add(SignedDuration::from_mins(minute))
            .unwrap()
    }

    #[test]
    fn the_failure_that_reaches_the_limit_locks_for_the_lock_time() {
        let one = LIMIT.after_failure(None, at(0));
        assert_eq!(one.failures, 1);
        assert_eq!(one.locked_at(at(0)), None);
        let two = LIMIT.after_failure(Some(one), at(4));
        assert_eq!((two.window_start, two.failures), (at(0), 2));
        let three = LIMIT.after_failure(Some(two), at(9));
        assert_eq!(three.locked_at(at(9)), Some(at(24)));
        assert_eq!(three.locked_at(at(23)), Some(at(24)));
        assert_eq!(
            three.locked_at(at(24)),
            None,
            "the lock ends at its instant"
        );
    }

    #[test]
    fn failures_in_a_lock_change_nothing_and_a_new_window_starts_after_it() {
        let mut counter = None;
        for minute in [0, 1, 2] {
            counter = Some(LIMIT.after_failure(counter, at(minute)));
        }
        let locked = counter.unwrap();
        assert_eq!(LIMIT.after_failure(Some(locked), at(10)), locked);
        assert!(!locked.forgotten_at(at(16), &LIMIT));
        assert!(locked.forgotten_at(at(17), &LIMIT));
        let fresh = LIMIT.after_failure(Some(locked), at(17));
        assert_eq!((fresh.window_start, fresh.failures), (at(17), 1));
        assert_eq!(fresh.locked_until, None);
    }

    #[test]
    fn a_window_that_ended_starts_the_count_again() {
        let one = LIMIT.after_failure(None, at(0));
        let two = LIMIT.after_failure(Some(one), at(9));
        let late = LIMIT.after_failure(Some(two), at(10));
        assert_eq!((late.window_start, late.failures), (at(10), 1));
        assert_eq!(late.locked_until, None);
    }

    #[test]
    fn the_counters_answer_with_the_latest_lock_in_force() {
        let short = Limit {
            failures: 1,
            lock: SignedDuration::from_mins(5),
            ..LIMIT
        };
        let limits = Limits {
            user_and_client: short,
            client: LIMIT,
            user: Limit {
                failures: 100,
                ..LIMIT
            },
        };
        let counters = limits.after_failure(Counters::default(), at(0));
        assert_eq!(counters.locked_at(at(0)), Some(at(5)));
        assert_eq!(counters.user.unwrap().failures, 1);
        let mut counters = counters;
        counters.client = Some(Counter {
            window_start: at(0),
            failures: 0,
            locked_until: Some(at(15)),
        });
        assert_eq!(counters.locked_at(at(1)), Some(at(15)));
        assert_eq!(counters.locked_at(at(15)), None);
    }
}
