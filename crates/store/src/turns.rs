//! Whose turn it is to write, within one process: people before the nightly run.
//!
//! Every audited write takes the audit lock (the writer's turn on SQLite, the
//! `audit_head` row on PostgreSQL) from its start to its commit, so a writer that finds
//! it taken waits for the holder's whole transaction. Writers that serve a person (an
//! agent's note, a payment, the queue's locks) are **foreground**; the nightly run
//! writes **behind** them: it starts a transaction only when no foreground writer of
//! this process is waiting, and ends its transaction early, at the next debtor
//! boundary it can, when one starts waiting ([`Turns::someone_waiting`]). An agent then
//! waits for at most a few debtors' rows, not a whole part.
//!
//! **Invariant:** `waiting` counts the foreground writers between asking for the lock
//! and holding it, and drops back when one gives up waiting (a cancelled request).
//! **Invariant:** a writer behind never starts while `waiting > 0`, so a steady stream
//! of people's writes delays the night but is never delayed by it beyond one step.
//!
//! Other processes on the same database are not seen here: there the lock's own order
//! holds (SQLite's busy handler, PostgreSQL's row-lock queue).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard};

#[derive(Debug)]
pub(crate) struct Turns {
    /// SQLite's one writer, within this process (unused on PostgreSQL).
    lock: Arc<Mutex<()>>,
    /// Foreground writers waiting for the audit lock.
    waiting: AtomicUsize,
    /// Woken when `waiting` drops to zero.
    clear: Notify,
    /// When these turns were made: `last_person_ms` counts from here.
    born: std::time::Instant,
    /// When a foreground writer last asked for the lock (ms after `born`; 0: never).
    last_person_ms: AtomicU64,
}

impl Default for Turns {
    fn default() -> Turns {
        Turns {
            lock: Default::default(),
            waiting: AtomicUsize::new(0),
            clear: Notify::new(),
            born: std::time::Instant::now(),
            last_person_ms: AtomicU64::new(0),
        }
    }
}

/// A foreground writer's place in the waiting count, given up when dropped.
pub(crate) struct Waiting<'a>(&'a Turns);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.0.waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.clear.notify_waiters();
        }
    }
}

impl Turns {
    /// Counts a foreground writer as waiting until the returned guard is dropped (once
    /// it holds the audit lock).
    pub(crate) fn wait(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let now_ms = self.born.elapsed().as_millis() as u64;
        self.last_person_ms.store(now_ms.max(1), Ordering::Relaxed);
        Waiting(self)
    }

    /// Whether a foreground writer of this process asked for the audit lock within
    /// the last `window`.
    pub(crate) fn person_wrote_within(&self, window: std::time::Duration) -> bool {
        let last_ms = self.last_person_ms.load(Ordering::Relaxed);
        last_ms > 0 && self.born.elapsed().as_millis() as u64 <= last_ms + window.as_millis() as u64
    }

    /// Whether a foreground writer of this process waits for the audit lock now.
    pub(crate) fn someone_waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }

    /// Returns once no foreground writer waits.
    pub(crate) async fn until_clear(&self) {
        loop {
            // Registered before the check, so a drop to zero in between still wakes it.
            let cleared = self.clear.notified();
            if !self.someone_waiting() {
                return;
            }
            cleared.await;
        }
    }

    /// SQLite's turn for a foreground writer (first come, first served).
    pub(crate) async fn foreground(&self) -> OwnedMutexGuard<()> {
        self.lock.clone().lock_owned().await
    }

    /// SQLite's turn for a writer behind: taken only when no foreground writer waits,
    /// and handed back if one started waiting while this one queued.
    pub(crate) async fn behind(&self) -> OwnedMutexGuard<()> {
        loop {
            self.until_clear().await;
            let turn = self.lock.clone().lock_owned().await;
            if !self.someone_waiting() {
                return turn;
            }
            drop(turn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_writer_behind_lets_every_waiting_foreground_writer_go_first() {
        let turns = Arc::new(Turns::default());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = turns.foreground().await;
        // A foreground writer queues behind the holder…
        let first = {
            let (turns, order) = (turns.clone(), order.clone());
            tokio::spawn(async move {
                let _waiting = turns.wait();
                let _turn = turns.foreground().await;
                order.lock().unwrap().push("person");
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // …then the night asks.
        let night = {
            let (turns, order) = (turns.clone(), order.clone());
            tokio::spawn(async move {
                let _turn = turns.behind().await;
                order.lock().unwrap().push("night");
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(turns.someone_waiting());
        drop(held);
        first.await.unwrap();
        night.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["person", "night"]);
        assert!(!turns.someone_waiting(), "the count is back to zero");
    }

    #[tokio::test]
    async fn a_foreground_writer_that_gives_up_waiting_is_no_longer_counted() {
        let turns = Arc::new(Turns::default());
        let held = turns.foreground().await;
        let gives_up = {
            let turns = turns.clone();
            tokio::spawn(async move {
                let _waiting = turns.wait();
                let _turn = turns.foreground().await;
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(turns.someone_waiting());
        gives_up.abort();
        let _ = gives_up.await;
        assert!(!turns.someone_waiting());
        drop(held);
        // The night is not held up by a writer that left.
        tokio::time::timeout(Duration::from_secs(5), turns.behind())
            .await
            .expect("the night's turn comes");
    }
}
