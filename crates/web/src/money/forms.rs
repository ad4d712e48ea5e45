//! The account page's money forms: take a payment, the plan wizard, settlement offers,
//! money changes and recall.

use super::*;

// ---------------------------------------------------------------- account page handlers

pub(crate) async fn rerender(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    errors: Vec<FieldError>,
    money: MoneyForms,
    status: StatusCode,
    sent: Sent,
) -> Result<Response, AppError> {
    let extras = Extras {
        errors,
        money,
        sent,
        ..Extras::default()
    };
    workspace::account_page(state, signed, view, extras, status).await
}

pub(crate) fn done(view: &AccountView, what: &str) -> Response {
    Redirect::to(&format!(
        "{}?done={what}",
        account_href(&view.creditor, &view.account_ref)
    ))
    .into_response()
}

/// A stale form (409) or a store refusal (422) shown on the page with what was typed;
/// other errors pass.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn refused(
    state: &AppState,
    signed: &Signed,
    creditor: &str,
    account_ref: &str,
    error: AppError,
    field_name: &str,
    money: MoneyForms,
    sent: Sent,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let (status, error) = match error {
        AppError::Store(app::model::StoreError::Conflict(_)) => {
            (StatusCode::CONFLICT, field("version", t, "error.stale"))
        }
        AppError::Store(app::model::StoreError::Invalid(message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldError {
                field: field_name.into(),
                message,
            },
        ),
        other => return Err(other),
    };
    let view = visible_view(state, signed.user(), creditor, account_ref).await?;
    rerender(state, signed, view, vec![error], money, status, sent).await
}

/// How a money form is answered: a redirect naming what was done, the page again with
/// the form's errors (422), or a stale form or store refusal shown on `field_name`.
pub(crate) async fn answer(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    outcome: Result<Result<&'static str, Vec<FieldError>>, AppError>,
    field_name: &str,
    forms: impl Fn(Vec<FieldError>) -> MoneyForms,
    sent: impl Fn() -> Sent,
) -> Result<Response, AppError> {
    match outcome {
        Ok(Ok(what)) => Ok(done(&view, what)),
        Ok(Err(errors)) => {
            let money = forms(errors.clone());
            rerender(
                state,
                signed,
                view,
                errors,
                money,
                StatusCode::UNPROCESSABLE_ENTITY,
                sent(),
            )
            .await
        }
        Err(error) => {
            let (creditor, account_ref) = (view.creditor.clone(), view.account_ref.clone());
            refused(
                state,
                signed,
                &creditor,
                &account_ref,
                error,
                field_name,
                forms(Vec::new()),
                sent(),
            )
            .await
        }
    }
}

/// An amount as a person types it (`$1,250.00`) in the strict form the parsers share
/// with the API (`1250.00`); what does not read as an amount is left as typed, to be
/// refused next to its field.
fn typed_amount(view: &AccountView, text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    view.currency
        .parse_typed(text)
        .map(|amount| view.currency.format(amount))
        .unwrap_or_else(|_| text.to_string())
}

#[derive(Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(flatten)]
    pub(crate) input: PaymentInput,
}

pub async fn post_payment(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PaymentForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let typed = PaymentInput {
        amount: typed_amount(&view, &form.input.amount),
        ..form.input.clone()
    };
    let outcome = match parse_payment(&view, t, state.today(), &typed) {
        Err(errors) => Ok(Err(errors)),
        Ok(payment) => answered(
            state
                .app
                .take_payment(user, &view, form.version, &payment, Source::Agent)
                .await,
            |problems| payment_problems(t, &problems),
        ),
    }
    .map(|taken| taken.map(|_| "payment"));
    let forms = |_| MoneyForms {
        payment: form.input.clone(),
        ..MoneyForms::default()
    };
    let sent = || Sent::new("payment", &[]);
    answer(&state, &signed, view, outcome, "amount", forms, sent).await
}

#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(flatten)]
    pub(crate) input: PlanInput,
}

/// The wizard's "Quote": the schedule and the policy's breaches, nothing saved (htmx
/// swaps `#plan-quote` out of the page; without JavaScript the whole page shows it).
pub async fn plan_quote(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let t = Words::new(user.language);
    let mut forms = MoneyForms {
        plan: form.input.clone(),
        ..MoneyForms::default()
    };
    let quoted = match parse_plan(&view, t, state.today(), &typed_plan(&view, &form.input)) {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => answered(
            state.app.quote_plan(user, &view, &request).await,
            |problems| plan_problems(&view, t, &problems),
        ),
    }?;
    match quoted {
        Ok(quoted) => forms.quote = Some(quote_view(&view, &quoted)),
        Err(errors) => forms.plan_errors = errors,
    }
    // 200 either way: a quote is a question, and htmx swaps only successful answers.
    rerender(
        &state,
        &signed,
        view,
        Vec::new(),
        forms,
        StatusCode::OK,
        Sent::new("plan", &[]),
    )
    .await
}

fn typed_plan(view: &AccountView, input: &PlanInput) -> PlanInput {
    PlanInput {
        installment_amount: typed_amount(view, &input.installment_amount),
        down_payment: typed_amount(view, &input.down_payment),
        ..input.clone()
    }
}

/// The wizard's "Agree".
pub async fn plan_agree(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let forms = |errors: Vec<FieldError>| MoneyForms {
        plan: form.input.clone(),
        plan_errors: errors,
        ..MoneyForms::default()
    };
    let outcome = match parse_plan(&view, t, state.today(), &typed_plan(&view, &form.input)) {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => answered(
            state
                .app
                .agree_plan(user, &view, form.version, &request)
                .await,
            |problems| plan_problems(&view, t, &problems),
        ),
    }
    .map(|agreed| {
        agreed.map(|(agreed, _)| match agreed {
            Agreed::Active { .. } => "plan_active",
            Agreed::Pending { .. } => "plan_pending",
        })
    });
    let sent = || Sent::new("plan", &[]);
    answer(&state, &signed, view, outcome, "plan", forms, sent).await
}

#[derive(Deserialize)]
pub struct SettlementForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) settle_date_1: String,
    #[serde(default)]
    pub(crate) settle_amount_1: String,
    #[serde(default)]
    pub(crate) settle_date_2: String,
    #[serde(default)]
    pub(crate) settle_amount_2: String,
    #[serde(default)]
    pub(crate) settle_date_3: String,
    #[serde(default)]
    pub(crate) settle_amount_3: String,
    /// Checked: replaces the account's open promise, plan or settlement.
    #[serde(default)]
    pub(crate) replace: String,
}

impl SettlementForm {
    fn given(&self) -> [(&str, &str); SETTLEMENT_ROWS] {
        [
            (&self.settle_date_1, &self.settle_amount_1),
            (&self.settle_date_2, &self.settle_amount_2),
            (&self.settle_date_3, &self.settle_amount_3),
        ]
    }

    /// The rows with their amounts as the parsers read them (`$1,250.00` → `1250.00`).
    fn typed(&self, view: &AccountView) -> Vec<(String, String)> {
        self.given()
            .iter()
            .map(|(date, amount)| (date.to_string(), typed_amount(view, amount)))
            .collect()
    }

    fn rows(&self) -> Vec<SettlementRow> {
        self.given()
            .iter()
            .enumerate()
            .map(|(index, (date, amount))| SettlementRow {
                index: index + 1,
                date: date.trim().to_string(),
                amount: amount.trim().to_string(),
            })
            .collect()
    }
}

/// "Check": the offer's discount and whether it needs approval, nothing saved.
pub async fn settlement_check(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<SettlementForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let t = Words::new(user.language);
    let mut forms = MoneyForms {
        settlement_rows: form.rows(),
        ..MoneyForms::default()
    };
    let typed = form.typed(&view);
    let given: Vec<(&str, &str)> = typed
        .iter()
        .map(|(d, a)| (d.as_str(), a.as_str()))
        .collect();
    let checked = match parse_settlement(&view, t, &given) {
        Err(errors) => Ok(Err(errors)),
        Ok(lines) => answered(
            state.app.check_settlement(user, &view, &lines).await,
            |problems| settlement_problems(t, &problems),
        ),
    }?;
    match checked {
        Ok(checked) => forms.settlement = Some(settlement_view(&view, t, &checked)),
        Err(errors) => forms.settlement_errors = errors,
    }
    rerender(
        &state,
        &signed,
        view,
        Vec::new(),
        forms,
        StatusCode::OK,
        Sent::new("settlement", &[]),
    )
    .await
}

/// "Offer": recorded, active or waiting for approval.
pub async fn settlement_offer(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<SettlementForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let forms = |errors: Vec<FieldError>| MoneyForms {
        settlement_rows: form.rows(),
        settlement_errors: errors,
        ..MoneyForms::default()
    };
    let typed = form.typed(&view);
    let given: Vec<(&str, &str)> = typed
        .iter()
        .map(|(d, a)| (d.as_str(), a.as_str()))
        .collect();
    let outcome = match parse_settlement(&view, t, &given) {
        Err(errors) => Ok(Err(errors)),
        Ok(lines) => answered(
            state
                .app
                .offer_settlement_replacing(
                    user,
                    &view,
                    form.version,
                    &lines,
                    checked(&form.replace),
                )
                .await,
            |problems| settlement_problems(t, &problems),
        ),
    }
    .map(|agreed| {
        agreed.map(|(agreed, _)| match agreed {
            Agreed::Active { .. } => "settlement_active",
            Agreed::Pending { .. } => "settlement_pending",
        })
    });
    let sent = || Sent::new("settlement", &[]);
    answer(&state, &signed, view, outcome, "settlement", forms, sent).await
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(flatten)]
    pub(crate) input: ChangeInput,
}

/// A refund, adjustment or write-off as typed (the form's or the API's fields).
#[derive(Deserialize, Default)]
pub struct ChangeInput {
    #[serde(default)]
    pub change: String,
    #[serde(default)]
    pub amount: String,
    /// The bucket an adjustment or a write-off of an amount moves (default principal).
    #[serde(default)]
    pub bucket: String,
    #[serde(default)]
    pub reason_code: String,
    #[serde(default)]
    pub note: String,
}

/// The refund, adjustment and write-off form (`app::money`'s `request_change`).
pub async fn money_change(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let typed = ChangeInput {
        change: form.input.change.clone(),
        amount: typed_amount(&view, &form.input.amount),
        bucket: form.input.bucket.clone(),
        reason_code: form.input.reason_code.clone(),
        note: form.input.note.clone(),
    };
    let outcome = match parse_change(&view, t, &typed) {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => answered(
            state
                .app
                .request_change(user, &view, form.version, &request)
                .await,
            |problems| change_problems(t, &problems),
        ),
    }
    .map(|requested| {
        requested.map(|approval| match approval {
            None => "change_posted",
            Some(_) => "change_pending",
        })
    });
    let input = &form.input;
    let sent = || {
        Sent::new(
            "change",
            &[
                ("change", &input.change),
                ("amount", &input.amount),
                ("bucket", &input.bucket),
                ("reason_code", &input.reason_code),
                ("note", &input.note),
            ],
        )
    };
    answer(
        &state,
        &signed,
        view,
        outcome,
        "change_amount",
        |_| MoneyForms::default(),
        sent,
    )
    .await
}

#[derive(Deserialize)]
pub struct RecallForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) note: String,
}

/// Returns the account to its creditor (supervisors and above).
pub async fn recall(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<RecallForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    match state
        .app
        .recall(user, &view, form.version, &form.note)
        .await
    {
        Ok(()) => Ok(done(&view, "recalled")),
        Err(error) => {
            refused(
                &state,
                &signed,
                &creditor,
                &account_ref,
                error.into(),
                "recall_note",
                MoneyForms::default(),
                Sent::new("recall", &[("note", &form.note)]),
            )
            .await
        }
    }
}
