//! Who is asking: sign-in and sign-out, sessions, API tokens and the user's language.
//! Adapters resolve the caller here once per request; every use case then takes the
//! resulting `SessionUser` (role and creditor scope).
//!
//! **Sign-in throttling** (the policy; counting is `domain::throttle`, the counters are
//! kept by the store so that every server process sees them): each failed sign-in counts
//! against the user name *from that client*, against the *client* (whatever the name),
//! and against the *user name* (from any client). A client that fails
//! [`SIGN_IN_LIMITS`]`.user_and_client` times for one name is refused that name for a
//! while; one that fails `client` times, whatever the names, is refused altogether; only
//! `user` failures from all clients together lock the user out for everyone (and suspend
//! their sessions and API tokens). One client alone cannot reach the user limit: within
//! any window it is stopped long before (see the test
//! `one_client_alone_never_locks_a_user_out`), so it cannot lock anyone out.
//!
//! Unknown user names are counted exactly like existing ones and verified against a
//! dummy Argon2id hash, so neither the answer (refused, or throttled until the same
//! instant) nor the work done tells which user names exist.

use crate::{App, Error};
use domain::party::Language;
use domain::throttle::{Limit, Limits};
use jiff::{SignedDuration, Timestamp};
use std::net::IpAddr;
use store::sessions::{Access, Session, SessionUser, SignInAttempt};

/// The sign-in throttle: 5 failures for one name from one client, 20 from one client
/// whatever the names, or 100 for one name from all clients, within 15 minutes, refuse
/// for 15 minutes.
pub const SIGN_IN_LIMITS: Limits = Limits {
    user_and_client: Limit {
        failures: 5,
        window: SignedDuration::from_mins(15),
        lock: SignedDuration::from_mins(15),
    },
    client: Limit {
        failures: 20,
        window: SignedDuration::from_mins(15),
        lock: SignedDuration::from_mins(15),
    },
    user: Limit {
        failures: 100,
        window: SignedDuration::from_mins(15),
        lock: SignedDuration::from_mins(15),
    },
};

/// The answer to a sign-in.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the session and its token (for the cookie; not stored).
    Ok { session: Session, token: String },
    /// Wrong user name or password (indistinguishable).
    Refused,
    /// Too many failures from this client or for this user name: refused until then,
    /// whatever the password. The same for a user name that exists and one that does not.
    Throttled { until: Timestamp },
}

/// The key a client is counted under: its address; an IPv6 client by its /64 prefix
/// (one subscriber's allocation, which an attacker can walk through address by address);
/// `unknown` when the adapter knows no address (all such requests share one counter).
pub fn client_key(address: Option<IpAddr>) -> String {
    let address = address.map(|address| address.to_canonical());
    match address {
        None => "unknown".to_string(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

impl App {
    /// Checks a user name and password (Argon2id) from the client at `client` (`None`:
    /// unknown), throttled per client and per user name (see the module's notes).
    pub async fn log_in(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<SignIn, Error> {
        let client = client_key(client);
        let attempt = SignInAttempt {
            username,
            client: &client,
        };
        let counters = self.store.sign_in_counters(attempt).await?;
        // Refused before any password is checked: the same for every name.
        if let Some(until) = counters.locked_at(self.now()) {
            return Ok(SignIn::Throttled { until });
        }
        // Verified against a dummy hash when the user is unknown (the same work).
        if let Some(user) = self.store.authenticate(username, password).await? {
            let (session, token) = self.store.open_session(&user, attempt).await?;
            return Ok(SignIn::Ok { session, token });
        }
        let counters = self
            .store
            .record_failed_sign_in(attempt, &SIGN_IN_LIMITS)
            .await?;
        Ok(match counters.locked_at(self.now()) {
            Some(until) => SignIn::Throttled { until },
            None => SignIn::Refused,
        })
    }

    pub async fn log_out(&self, session: &Session) -> Result<(), Error> {
        Ok(self.store.log_out(session).await?)
    }

    /// The session a cookie's token opens: granted, suspended (its user is locked out or
    /// disabled) or denied.
    pub async fn session(&self, token: &str) -> Result<Access<Session>, Error> {
        Ok(self.store.session(token).await?)
    }

    /// The user an API token belongs to: granted, suspended (the user is locked out or
    /// disabled) or denied.
    pub async fn api_token_user(&self, token: &str) -> Result<Access<SessionUser>, Error> {
        Ok(self.store.api_token_user(token).await?)
    }

    /// Hashes a throwaway password once so the first sign-in is not slower than the
    /// others (a timing difference would tell which user names exist).
    pub async fn warm_up(&self) {
        self.store.warm_up_authentication().await;
    }

    /// The user's own language for the workspace.
    pub async fn set_language(&self, user: &SessionUser, language: Language) -> Result<(), Error> {
        Ok(self
            .store
            .set_language(&user.actor(), user.id, language)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::throttle::Counters;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn clients_are_counted_by_address_and_ipv6_by_its_64_prefix() {
        assert_eq!(client_key(None), "unknown");
        assert_eq!(
            client_key(Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)))),
            "203.0.113.7"
        );
        let one: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let same_subnet: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(Some(one.into())), "2001:db8:1:2::/64");
        assert_eq!(
            client_key(Some(same_subnet.into())),
            client_key(Some(one.into()))
        );
        assert_ne!(client_key(Some(other.into())), client_key(Some(one.into())));
        // An IPv4 client seen through an IPv6 socket is the same client.
        let mapped: Ipv6Addr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(client_key(Some(mapped.into())), "203.0.113.7");
    }

    /// The policy's promise: a client that fails as often as it is let through, spraying
    /// one name or many, never brings a user name's own counter to its limit, so no
    /// client alone can lock a user out. Checked over four hours, a failure every second
    /// whenever the client is not refused.
    #[test]
    fn one_client_alone_never_locks_a_user_out() {
        let start = Timestamp::UNIX_EPOCH;
        for names in [1_usize, 3, 40] {
            // Per name: the counters of (name, this client), and of the name.
            let mut pairs = vec![None; names];
            let mut users = vec![None; names];
            let mut client = None;
            let mut tried = 0;
            for second in 0..4 * 3600 {
                let now = start
                    .checked_add(SignedDuration::from_secs(second))
                    .unwrap();
                let name = second as usize % names;
                let counters = Counters {
                    user_and_client: pairs[name],
                    client,
                    user: users[name],
                };
                if counters.locked_at(now).is_some() {
                    continue;
                }
                tried += 1;
                let after = SIGN_IN_LIMITS.after_failure(counters, now);
                assert_eq!(
                    after.user.and_then(|user| user.locked_at(now)),
                    None,
                    "{names} names: the user was locked at second {second}"
                );
                pairs[name] = after.user_and_client;
                client = after.client;
                users[name] = after.user;
            }
            assert!(tried > 20, "the client was let through {tried} times");
        }
    }
}
