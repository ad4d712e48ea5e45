//! The supervisors' live team board and the managers' portfolio overview.

use crate::{App, Error, require};
use domain::permission::Permission;
use jiff::Timestamp;
use store::boards::{AgentNow, CreditorPortfolio};
use store::sessions::SessionUser;

impl App {
    /// Each agent of the supervisor's team: the account they hold now and what they
    /// collected in [from, until) (the rest of their day is `team_day`).
    pub async fn team_now(
        &self,
        user: &SessionUser,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<AgentNow>, Error> {
        require(user, Permission::Supervise)?;
        Ok(self.store.team_now(user, self.now(), from, until).await?)
    }

    /// The portfolio by creditor, collections counted from the first of this month.
    pub async fn overview(&self, user: &SessionUser) -> Result<Vec<CreditorPortfolio>, Error> {
        require(user, Permission::Oversee)?;
        let today = self.today();
        let month_start = jiff::civil::date(today.year(), today.month(), 1);
        Ok(self.store.portfolio(user, month_start).await?)
    }
}
