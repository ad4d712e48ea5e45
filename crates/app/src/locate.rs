//! The locate list: accounts whose debtor's mailing address is incomplete (a placement
//! row gave a state and ZIP code but no street or city, …), so nothing can be mailed to
//! them until someone finds where the debtor lives. A person sees the accounts of the
//! creditors they work; the command line's operator sees every creditor's.

use crate::{App, Error, require};
use domain::ids::CreditorCode;
use domain::permission::Permission;
use store::locate::Locate;
use store::sessions::SessionUser;

impl App {
    /// The accounts this user may see whose debtor's address is incomplete, of one
    /// creditor or all, by creditor and account reference (closed accounts left out).
    pub async fn locate_list(
        &self,
        user: &SessionUser,
        creditor: Option<&CreditorCode>,
    ) -> Result<Vec<Locate>, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(self
            .store
            .locate_list(Some(user), creditor.map(CreditorCode::as_str))
            .await?)
    }

    /// The operator's locate list (`arrears locate list`): every creditor's accounts.
    pub async fn locate_list_of_every_creditor(
        &self,
        creditor: Option<&CreditorCode>,
    ) -> Result<Vec<Locate>, Error> {
        Ok(self
            .store
            .locate_list(None, creditor.map(CreditorCode::as_str))
            .await?)
    }
}
