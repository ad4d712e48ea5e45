//! The supervisors' team view: the day's work per agent, open disputes, approvals,
//! promise-kept rates, assignment.

use super::*;

// ---------------------------------------------------------------- supervisors

pub(crate) struct AgentRow {
    pub(crate) username: String,
    /// The account the agent holds now: (address, label); empty when none.
    pub(crate) current_href: String,
    pub(crate) current: String,
    pub(crate) collected: String,
    pub(crate) accounts_worked: i64,
    pub(crate) attempts: i64,
    pub(crate) right_party_contacts: i64,
    pub(crate) promises: i64,
    pub(crate) promised: String,
}

pub(crate) struct DisputeRow {
    pub(crate) href: String,
    pub(crate) label: String,
    pub(crate) debtor: String,
    pub(crate) placed: String,
    pub(crate) detail: String,
}

#[derive(Template)]
#[template(path = "team.html")]
pub(crate) struct TeamPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) today: String,
    pub(crate) flash: String,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) agents: Vec<AgentRow>,
    pub(crate) disputes: Vec<DisputeRow>,
    pub(crate) approvals: Vec<crate::money::ApprovalRow>,
    pub(crate) kept_rates: Vec<KeptRow>,
    /// Open and overdue queries (messages' `team_queries.html`).
    pub(crate) queries: (i64, i64),
}

pub(crate) struct KeptRow {
    pub(crate) username: String,
    pub(crate) kept: i64,
    pub(crate) broken: i64,
    pub(crate) rate: String,
}

/// The day's window in the business zone: [midnight, next midnight).
fn today_window(state: &AppState) -> Result<(jiff::Timestamp, jiff::Timestamp), AppError> {
    let start = state
        .business_zone
        .to_timestamp(state.today().to_datetime(jiff::civil::Time::midnight()))
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let end = start
        .checked_add(jiff::Span::new().hours(24))
        .map_err(|error| AppError::Internal(error.to_string()))?;
    Ok((start, end))
}

/// The live board's rows: each agent's account now and their day so far.
async fn board_rows(
    state: &AppState,
    user: &SessionUser,
    day: Vec<app::model::workspace::AgentDay>,
) -> Result<Vec<AgentRow>, AppError> {
    let (start, end) = today_window(state)?;
    let now = state.app.team_now(user, start, end).await?;
    // One total per currency ("$1,250.00 · €300.00"); none is "—".
    let totals = |sums: Option<&Vec<(domain::money::Currency, Amount)>>| {
        let shown: Vec<String> = sums
            .into_iter()
            .flatten()
            .map(|(currency, amount)| currency.display(*amount))
            .collect();
        if shown.is_empty() {
            "—".to_string()
        } else {
            shown.join(" · ")
        }
    };
    Ok(day
        .into_iter()
        .map(|day| {
            let live = now.iter().find(|live| live.username == day.username);
            let current = live.and_then(|live| live.current.as_ref());
            AgentRow {
                current_href: current
                    .map(|(creditor, account_ref)| account_href(creditor, account_ref))
                    .unwrap_or_default(),
                current: current
                    .map(|(creditor, account_ref)| format!("{creditor} {account_ref}"))
                    .unwrap_or_default(),
                collected: totals(live.map(|live| &live.collected)),
                promised: totals(live.map(|live| &live.promised)),
                username: day.username,
                accounts_worked: day.accounts_worked,
                attempts: day.attempts,
                right_party_contacts: day.right_party_contacts,
                promises: day.promises,
            }
        })
        .collect())
}

pub(crate) async fn team_page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let today = state.today();
    let (start, end) = today_window(state)?;
    let day = state.app.team_day(user, start, end).await?;
    let agents = board_rows(state, user, day.agents).await?;
    let disputes = day
        .disputes
        .into_iter()
        .map(|dispute| DisputeRow {
            href: account_href(&dispute.creditor, &dispute.account_ref),
            label: format!("{} {}", dispute.creditor, dispute.account_ref),
            debtor: dispute.debtor_name,
            placed: local(dispute.placed_at, &state.business_zone),
            detail: dispute.detail,
        })
        .collect();
    let approvals = crate::money::approval_rows(state, user).await?;
    let kept_rates = day
        .kept_rates
        .into_iter()
        .map(|rate| KeptRow {
            rate: rate
                .rate_bps()
                .map(|bps| format!("{}.{} %", bps / 100, (bps % 100) / 10))
                .unwrap_or_else(|| "—".into()),
            username: rate.username,
            kept: rate.kept,
            broken: rate.broken,
        })
        .collect();
    let queries = state.app.query_counts(user).await?;
    let page = TeamPage {
        queries,
        approvals,
        kept_rates,
        t: words(user),
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        today: today.to_string(),
        flash,
        errors,
        agents,
        disputes,
    };
    Ok((status, html(&page)?).into_response())
}

/// The team page again with a field to correct (422).
pub(crate) async fn team_refusal(
    state: &AppState,
    signed: &Signed,
    error: FieldError,
) -> Result<Response, AppError> {
    team_page(
        state,
        signed,
        String::new(),
        vec![error],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub(crate) fn field_error(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.into(),
        message,
    }
}

pub async fn team(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    team_page(&state, &signed, String::new(), Vec::new(), StatusCode::OK).await
}

/// The live board alone, for htmx to swap in every 30 seconds.
#[derive(Template)]
#[template(path = "team.html", block = "board")]
pub(crate) struct BoardFragment {
    pub(crate) t: Words,
    pub(crate) today: String,
    pub(crate) agents: Vec<AgentRow>,
}

pub async fn team_board(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, AppError> {
    let user = signed.user();
    let (start, end) = today_window(&state)?;
    let day = state.app.team_day(user, start, end).await?;
    let fragment = BoardFragment {
        t: words(user),
        today: state.today().to_string(),
        agents: board_rows(&state, user, day.agents).await?,
    };
    Ok(html(&fragment)?.into_response())
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) creditor: String,
    #[serde(default)]
    pub(crate) account_ref: String,
    #[serde(default)]
    pub(crate) agent: String,
}

pub async fn assign(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let agent = Some(form.agent.trim()).filter(|agent| !agent.is_empty());
    let t = words(user);
    match state
        .app
        .assign_account(user, form.creditor.trim(), form.account_ref.trim(), agent)
        .await?
    {
        Ok(()) => {
            team_page(
                &state,
                &signed,
                t.get("team.assigned").into(),
                Vec::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(AssignProblem::Account) => {
            team_refusal(&state, &signed, field("account_ref", t, "error.not_found")).await
        }
        Err(AssignProblem::Agent(message)) => {
            team_refusal(&state, &signed, field_error("agent", message)).await
        }
    }
}

#[derive(Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ReassignForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = words(user);
    match state.app.reassign_queue(user, &form.from, &form.to).await? {
        Ok(moved) => {
            let flash = format!("{moved} {}", t.get("team.moved"));
            team_page(&state, &signed, flash, Vec::new(), StatusCode::OK).await
        }
        Err(message) => team_refusal(&state, &signed, field_error("from", message)).await,
    }
}
