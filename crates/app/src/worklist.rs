//! Finding accounts: search, and the work list with its "today" panel.

use crate::{App, Error, require};
use domain::permission::Permission;
use store::sessions::SessionUser;
use store::workspace::{Searched, Today, Worklist, WorklistFilter};

/// The work list page: a page of the list and the "today" panel.
#[derive(Clone, Debug)]
pub struct WorklistPage {
    pub list: Worklist,
    pub today: Today,
}

impl App {
    /// Page `page` (from 1) of the accounts matching `query` among the user's creditors.
    pub async fn search(
        &self,
        user: &SessionUser,
        query: &str,
        page: u32,
    ) -> Result<Searched, Error> {
        require(user, Permission::ViewAccounts)?;
        // Only roles that may see the SSN's last 4 may find debtors by it; otherwise four
        // digits are an account reference like any other query.
        let by_identity = domain::permission::allows(user.role, Permission::SeeSensitive);
        Ok(self.store.search(user, query, by_identity, page).await?)
    }

    /// The accounts the user works matching `filter` (their creditors', and for an agent
    /// those not assigned to someone else), one page, with the filter's count and
    /// totals, and the "today" panel.
    pub async fn worklist(
        &self,
        user: &SessionUser,
        filter: &WorklistFilter,
    ) -> Result<WorklistPage, Error> {
        require(user, Permission::WorkAccounts)?;
        let (today, now) = (self.today(), self.now());
        Ok(WorklistPage {
            list: self.store.worklist(user, filter, today, now).await?,
            today: self.worklist_today(user).await?,
        })
    }

    /// What is due today among the user's accounts: promised payments, the user's
    /// callbacks until the end of the business day, and the latest broken promises.
    pub async fn worklist_today(&self, user: &SessionUser) -> Result<Today, Error> {
        require(user, Permission::WorkAccounts)?;
        let today = self.today();
        let zone = self.store.business_zone().clone();
        let end_of_day = today
            .tomorrow()
            .and_then(|tomorrow| {
                zone.to_timestamp(tomorrow.to_datetime(jiff::civil::Time::midnight()))
            })
            .map_err(|error| store::StoreError::Invalid(error.to_string()))?;
        Ok(self.store.worklist_today(user, today, end_of_day).await?)
    }
}
