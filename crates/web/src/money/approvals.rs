//! The supervisors' approvals queue.

use super::*;

// ---------------------------------------------------------------- approvals

pub struct ApprovalRow {
    pub id: i64,
    pub href: String,
    pub label: String,
    pub kind: String,
    pub amount: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub required: String,
    pub may_decide: bool,
    /// The account's holds in force, in the user's words.
    pub holds: Vec<HoldRow>,
    /// The account's other open arrangements (what approving this one replaces).
    pub conflicts: Vec<String>,
}

pub struct HoldRow {
    /// The hold's code (`dispute`, …).
    pub kind: String,
    pub label: String,
    pub since: String,
    pub detail: String,
}

/// The business date of an instant (µs).
pub fn local_date(state: &AppState, instant_us: i64) -> String {
    jiff::Timestamp::from_microsecond(instant_us)
        .map(|at| state.business_zone.to_datetime(at).date().to_string())
        .unwrap_or_default()
}

/// The pending approvals `user` sees, as rows.
pub(crate) async fn approval_rows(
    state: &AppState,
    user: &app::model::sessions::SessionUser,
) -> Result<Vec<ApprovalRow>, AppError> {
    let t = Words::new(user.language);
    Ok(state
        .app
        .approvals(user)
        .await?
        .into_iter()
        .map(|item| {
            let approval = &item.approval;
            ApprovalRow {
                id: approval.id,
                href: account_href(&approval.creditor, &approval.account_ref),
                label: format!("{} {}", approval.creditor, approval.account_ref),
                kind: t.get(&format!("money.kind.{}", approval.kind)).to_string(),
                amount: item.currency.format(approval.amount),
                reason: item.reason.clone(),
                requested_by: approval.requested_by.clone().unwrap_or_default(),
                requested_at: jiff::Timestamp::from_microsecond(approval.requested_at_us)
                    .map(|at| {
                        state
                            .business_zone
                            .to_datetime(at)
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default(),
                required: role_word(t, item.required.code()).to_string(),
                may_decide: item.may_decide,
                holds: approval
                    .holds
                    .iter()
                    .map(|hold| HoldRow {
                        kind: hold.kind.code().to_string(),
                        label: t.label("arrangements.hold", hold.kind.code()),
                        since: local_date(state, hold.placed_at_us),
                        detail: hold.detail.clone(),
                    })
                    .collect(),
                conflicts: approval
                    .conflicts
                    .iter()
                    .map(|open| open_words(t, open))
                    .collect(),
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "approvals.html")]
pub(crate) struct ApprovalsPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) flash: String,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) approvals: Vec<ApprovalRow>,
}

pub(crate) async fn approvals_page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let page = ApprovalsPage {
        t: Words::new(user.language),
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        flash,
        errors,
        approvals: approval_rows(state, user).await?,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    pub(crate) done: String,
}

pub async fn approvals(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let flash = match query.done.as_str() {
        "approved" => t.get("approvals.approved"),
        "rejected" => t.get("approvals.rejected"),
        _ => "",
    };
    approvals_page(&state, &signed, flash.into(), Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) note: String,
}

pub async fn decide_approval(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            let error = field("decision", t, "error.decision");
            return approvals_page(
                &state,
                &signed,
                String::new(),
                vec![error],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .app
        .decide_approval(user, id, approve, &form.note)
        .await
        .map_err(AppError::from)
    {
        Ok(Ok(())) => Ok(Redirect::to(if approve {
            "/approvals?done=approved"
        } else {
            "/approvals?done=rejected"
        })
        .into_response()),
        Ok(Err(problem)) => {
            approvals_page(
                &state,
                &signed,
                String::new(),
                vec![FieldError {
                    field: problem.field().into(),
                    message: approval_problem_words(t, &problem),
                }],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Store(
            app::model::StoreError::Invalid(message) | app::model::StoreError::Conflict(message),
        )) => {
            approvals_page(
                &state,
                &signed,
                String::new(),
                vec![FieldError {
                    field: "decision".into(),
                    message,
                }],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}
