//! The managers' overview: the portfolio by creditor (accounts, balance, collected this
//! month, promise-kept rate, approvals waiting), with links to act on it.

use crate::AppState;
use crate::auth::Signed;
use crate::error::AppError;
use crate::i18n::Words;
use crate::nav::Nav;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use domain::money::{Amount, Currency};

pub(crate) struct PortfolioRow {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) accounts: i64,
    pub(crate) balance: String,
    pub(crate) collected: String,
    pub(crate) kept_rate: String,
    pub(crate) approvals: i64,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub(crate) struct OverviewPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) month: String,
    pub(crate) rows: Vec<PortfolioRow>,
}

/// A rate in basis points as a percentage with one decimal (`87.5 %`), or a dash.
pub(crate) fn percent(bps: Option<i64>) -> String {
    bps.map(|bps| format!("{}.{} %", bps / 100, (bps % 100) / 10))
        .unwrap_or_else(|| "—".into())
}

pub async fn overview(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, AppError> {
    let user = signed.user();
    let rows = state
        .app
        .overview(user)
        .await?
        .into_iter()
        .map(|row| {
            let currency = Currency::parse(&row.currency).unwrap_or(Currency::USD);
            PortfolioRow {
                kept_rate: percent(row.kept_rate_bps()),
                balance: currency.display(Amount::from_minor(row.balance_minor)),
                collected: currency.display(Amount::from_minor(row.collected_this_month_minor)),
                code: row.code,
                name: row.name,
                accounts: row.accounts,
                approvals: row.approvals_waiting,
            }
        })
        .collect();
    let today = state.today();
    let page = OverviewPage {
        t: Words::new(user.language),
        csrf: signed.0.csrf_token.clone(),
        nav: Nav::of(user),
        username: user.username.clone(),
        query: String::new(),
        month: format!("{:04}-{:02}", today.year(), today.month()),
        rows,
    };
    Ok(Html(page.render()?))
}
