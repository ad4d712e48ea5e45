//! Who is asking: sign-in and sign-out, sessions, API tokens and the user's language.
//! Adapters resolve the caller here once per request; every use case then takes the
//! resulting `SessionUser` (role and creditor scope).

use crate::{App, Error};
use domain::party::Language;
use store::sessions::{Login, Session, SessionUser};

impl App {
    /// Checks a user name and password (Argon2id), with lockout after repeated failures.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<Login, Error> {
        Ok(self.store.log_in(username, password).await?)
    }

    pub async fn log_out(&self, session: &Session) -> Result<(), Error> {
        Ok(self.store.log_out(session).await?)
    }

    /// The session a cookie's token opens, if it is live.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, Error> {
        Ok(self.store.session(token).await?)
    }

    /// The user an API token belongs to, if it is valid.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<SessionUser>, Error> {
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
