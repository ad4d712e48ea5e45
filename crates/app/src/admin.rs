//! Administration from the browser: users (list, add with a role, creditors and an
//! initial password meeting the store's rules) and creditors' policies (set with the
//! domain's one parser, audited with who and why). The same store writers as the
//! command line's (`operator`), acting as the signed-in administrator.

use crate::{App, Error, require};
use domain::party::Role;
use domain::permission::Permission;
use store::StoreError;
use store::creditors::Creditor;
use store::sessions::SessionUser;
use store::users::User;

/// A user with the creditors they work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserWithCreditors {
    pub user: User,
    /// Creditor codes; empty for roles that see every creditor.
    pub creditors: Vec<String>,
}

/// Why a new user was refused, by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddUserProblem {
    /// The name is taken or not a valid name.
    Username(String),
    /// The password does not meet the rules.
    Password(String),
    /// A creditor code that does not exist.
    Creditors(String),
}

impl AddUserProblem {
    pub fn field(&self) -> &'static str {
        match self {
            AddUserProblem::Username(_) => "username",
            AddUserProblem::Password(_) => "password",
            AddUserProblem::Creditors(_) => "creditors",
        }
    }
}

/// Why a policy change was refused: the key and the parser's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyProblem {
    pub key: String,
    pub message: String,
}

impl App {
    /// Every user, with the creditors each works.
    pub async fn admin_users(&self, user: &SessionUser) -> Result<Vec<UserWithCreditors>, Error> {
        require(user, Permission::Administer)?;
        let creditors = self.store.creditors().await?;
        let mut listed = Vec::new();
        for each in self.store.users().await? {
            let scope = self.store.session_user(each.id).await?;
            let codes = scope
                .creditor_ids
                .unwrap_or_default()
                .iter()
                .filter_map(|id| creditors.iter().find(|creditor| creditor.id == *id))
                .map(|creditor| creditor.code.clone())
                .collect();
            listed.push(UserWithCreditors {
                user: each,
                creditors: codes,
            });
        }
        Ok(listed)
    }

    /// Adds a user with a role, the creditors they work and an initial password.
    pub async fn admin_add_user(
        &self,
        user: &SessionUser,
        username: &str,
        role: Role,
        password: &str,
        creditors: &[String],
    ) -> Result<Result<User, AddUserProblem>, Error> {
        require(user, Permission::Administer)?;
        for code in creditors {
            if self.store.creditor(code).await?.is_none() {
                return Ok(Err(AddUserProblem::Creditors(format!(
                    "no creditor {code}"
                ))));
            }
        }
        let actor = user.actor();
        let added = match self.store.add_user(&actor, username, role, password).await {
            Ok(added) => added,
            // The store checks the name first; its messages about the name say so.
            Err(StoreError::Invalid(message)) if !message.starts_with("user name") => {
                return Ok(Err(AddUserProblem::Password(message)));
            }
            Err(StoreError::Invalid(message) | StoreError::Conflict(message)) => {
                return Ok(Err(AddUserProblem::Username(message)));
            }
            Err(other) => return Err(other.into()),
        };
        if !creditors.is_empty() {
            self.store
                .assign_creditors(&actor, username, creditors)
                .await?;
        }
        Ok(Ok(added))
    }

    /// Every creditor with its policy.
    pub async fn admin_creditors(&self, user: &SessionUser) -> Result<Vec<Creditor>, Error> {
        require(user, Permission::Administer)?;
        Ok(self.store.creditors().await?)
    }

    /// One creditor with its policy (`NotFound` when there is none).
    pub async fn admin_creditor(&self, user: &SessionUser, code: &str) -> Result<Creditor, Error> {
        require(user, Permission::Administer)?;
        self.store
            .creditor(code)
            .await?
            .ok_or_else(|| Error::Store(StoreError::NotFound(format!("no creditor {code:?}"))))
    }

    /// Sets policy keys, all or nothing, audited with the administrator and `reason`.
    /// Each value is first checked alone with the domain's parser, so every refused key
    /// is named next to its field.
    pub async fn admin_set_policy(
        &self,
        user: &SessionUser,
        code: &str,
        settings: &[(String, String)],
        reason: &str,
    ) -> Result<Result<Creditor, Vec<PolicyProblem>>, Error> {
        let creditor = self.admin_creditor(user, code).await?;
        let mut problems = Vec::new();
        let mut trial = creditor.policy.clone();
        for (key, value) in settings {
            if let Err(error) = trial.set(key, value) {
                problems.push(PolicyProblem {
                    key: key.clone(),
                    message: error.to_string(),
                });
            }
        }
        if reason.trim().is_empty() {
            problems.push(PolicyProblem {
                key: "reason".into(),
                message: "say why the policy changes".into(),
            });
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        match self
            .store
            .set_creditor(&user.actor(), code, None, settings, reason.trim())
            .await
        {
            Ok(saved) => Ok(Ok(saved)),
            // Keys valid alone but refused together (a floor above its ceiling).
            Err(StoreError::Invalid(message)) => Ok(Err(vec![PolicyProblem {
                key: settings
                    .first()
                    .map(|(key, _)| key.clone())
                    .unwrap_or_default(),
                message,
            }])),
            Err(other) => Err(other.into()),
        }
    }
}

/// Why a change to a user was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeProblem {
    /// An administrator may not take their own role or lock themselves out.
    Yourself,
    /// The new password does not meet the rules.
    Password(String),
    /// A creditor code that does not exist.
    Creditors(String),
}

impl ChangeProblem {
    pub fn field(&self) -> &'static str {
        match self {
            ChangeProblem::Yourself => "username",
            ChangeProblem::Password(_) => "password",
            ChangeProblem::Creditors(_) => "creditors",
        }
    }
}

impl App {
    /// Changes a user's role, disabled flag or password (audited, with `reason`).
    pub async fn admin_change_user(
        &self,
        user: &SessionUser,
        username: &str,
        change: &store::user_admin::UserChange,
        reason: &str,
    ) -> Result<Result<(), ChangeProblem>, Error> {
        use store::user_admin::UserChange;
        require(user, Permission::Administer)?;
        let yourself = username.eq_ignore_ascii_case(&user.username);
        if yourself && matches!(change, UserChange::Role(_) | UserChange::Disabled(true)) {
            return Ok(Err(ChangeProblem::Yourself));
        }
        match self
            .store
            .change_user(&user.actor(), username, change, reason)
            .await
        {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::Invalid(message)) => Ok(Err(ChangeProblem::Password(message))),
            Err(other) => Err(other.into()),
        }
    }

    /// Replaces the creditors a user works.
    pub async fn admin_set_creditors(
        &self,
        user: &SessionUser,
        username: &str,
        creditors: &[String],
    ) -> Result<Result<(), ChangeProblem>, Error> {
        require(user, Permission::Administer)?;
        for code in creditors {
            if self.store.creditor(code).await?.is_none() {
                return Ok(Err(ChangeProblem::Creditors(format!("no creditor {code}"))));
            }
        }
        self.store
            .assign_creditors(&user.actor(), username, creditors)
            .await?;
        Ok(Ok(()))
    }
}
