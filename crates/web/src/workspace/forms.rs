//! What agents record on the account page: attempts, promises, notes, callbacks,
//! disputes, flags and contact points. Each form is parsed here into `app`'s input and
//! the use case's problems are put in the user's words.

use super::*;

#[derive(Deserialize)]
pub struct AttemptForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) contact: String,
    #[serde(default)]
    pub(crate) disposition: String,
    #[serde(default)]
    pub(crate) note: String,
    /// An optional callback on the debtor's wall clock (`YYYY-MM-DDTHH:MM`).
    #[serde(default)]
    pub(crate) callback_at: String,
    /// Who chose the callback's time: `yes` the debtor, `no` the agent; absent: the
    /// disposition decides ("callback requested" is the debtor asking).
    #[serde(default)]
    pub(crate) requested_by_debtor: String,
    /// `next`: "Save and next" (the next account from the queue after saving).
    #[serde(default)]
    pub(crate) then: String,
}

impl AttemptForm {
    fn sent(&self) -> Sent {
        Sent::new(
            "attempt",
            &[
                ("contact", &self.contact),
                ("disposition", &self.disposition),
                ("note", &self.note),
                ("callback_at", &self.callback_at),
                ("requested_by_debtor", &self.requested_by_debtor),
            ],
        )
    }
}

/// An attempt as the form or the API gives it, parsed into the use case's input; the
/// fields that do not parse, by their identifiers.
pub fn parse_attempt(
    action: &str,
    contact: &str,
    disposition: &str,
    note: &str,
    version: i64,
) -> Result<AttemptInput, Vec<&'static str>> {
    let action = if action.is_empty() {
        Some(Action::Call)
    } else {
        Action::parse(action).filter(|action| action.is_communication())
    };
    let disposition = Disposition::parse(disposition);
    let mut wrong = Vec::new();
    if action.is_none() {
        wrong.push("action");
    }
    if disposition.is_none() {
        wrong.push("disposition");
    }
    let (Some(action), Some(disposition)) = (action, disposition) else {
        return Err(wrong);
    };
    Ok(AttemptInput {
        action,
        contact: Some(contact.trim().to_string()).filter(|contact| !contact.is_empty()),
        disposition,
        note: Some(note.to_string()),
        version,
    })
}

/// A field of an attempt to correct, in the user's words.
pub(crate) fn attempt_field(t: Words, field_name: &str) -> FieldError {
    match field_name {
        "action" => FieldError {
            field: "action".into(),
            message: "call, sms, email, letter or visit".into(),
        },
        "disposition" => field("disposition", t, "error.disposition"),
        "contact" => field("contact", t, "error.contact"),
        "address" => field("action", t, "error.letter_address"),
        _ => field("note", t, "error.note"),
    }
}

/// The problems the use case found, as field errors.
pub(crate) fn attempt_problems(t: Words, problems: &[AttemptProblem]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| attempt_field(t, problem.field()))
        .collect()
}

/// A refusal as the page shows it: each rule, the zone note, and when next allowed.
pub(crate) fn refusal(t: Words, asked: &Asked) -> Refusal {
    let zone = asked.zones.display();
    let mut reasons = reasons(asked);
    reasons.extend(zone_note(t, asked));
    Refusal {
        reasons,
        next: asked
            .answer
            .next_allowed_at
            .map(|at| local(at, &zone))
            .unwrap_or_else(|| t.get("compliance.never").into()),
    }
}

/// The wrap-up: logs the attempt (with its note), schedules the optional callback and,
/// for "Save and next", opens the next account from the queue; any refusal shows the
/// page again with what was typed.
pub async fn log_attempt(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<AttemptForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let parsed = parse_attempt(
        &form.action,
        &form.contact,
        &form.disposition,
        &form.note,
        form.version,
    );
    let callback = match form.callback_at.trim() {
        "" => Ok(None),
        text => text.parse::<jiff::civil::DateTime>().map(Some),
    };
    let (input, callback) = match (parsed, callback) {
        (Ok(input), Ok(callback)) => (input, callback),
        (parsed, callback) => {
            let mut errors: Vec<FieldError> = parsed
                .err()
                .unwrap_or_default()
                .iter()
                .map(|name| attempt_field(t, name))
                .collect();
            if callback.is_err() {
                errors.push(field("callback_at", t, "error.when"));
            }
            return refuse(&state, &signed, view, errors, form.sent()).await;
        }
    };
    let next = form.then == "next";
    let requested = match form.requested_by_debtor.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let outcome = state
        .app
        .wrap_up(user, &view, &input, callback, requested, next)
        .await;
    let extras = match outcome {
        Ok(WrappedUp::Saved {
            next: Some(next), ..
        }) => {
            return Ok(Redirect::to(&format!(
                "{}?done=attempt",
                account_href(&next.creditor, &next.account_ref)
            ))
            .into_response());
        }
        Ok(WrappedUp::Saved { asked_next, .. }) => {
            let done = if asked_next {
                "attempt_queue_empty"
            } else {
                "attempt"
            };
            return Ok(done_redirect(&creditor, &account_ref, done));
        }
        Err(error) => {
            return after_write(
                &state,
                &signed,
                &creditor,
                &account_ref,
                Err(error.into()),
                "attempt",
                "note",
                form.sent(),
            )
            .await;
        }
        Ok(WrappedUp::Invalid(problems)) => Extras {
            errors: attempt_problems(t, &problems),
            ..Extras::default()
        },
        Ok(WrappedUp::Callback(problem)) => Extras {
            errors: vec![FieldError {
                field: "callback_at".into(),
                ..super::queue::callback_problem(t, &problem)
            }],
            ..Extras::default()
        },
        Ok(WrappedUp::Refused(asked)) => Extras {
            refusal: Some(refusal(t, &asked)),
            ..Extras::default()
        },
    };
    let extras = Extras {
        sent: form.sent(),
        ..extras
    };
    // A callback refused after the attempt was saved: the page carries the version the
    // attempt left, so sending the corrected callback is not a conflict.
    let view = if extras
        .errors
        .iter()
        .any(|error| error.field == "callback_at")
    {
        visible_view(&state, user, &creditor, &account_ref).await?
    } else {
        view
    };
    account_page(
        &state,
        &signed,
        view,
        extras,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize)]
pub struct PromiseForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) date_1: String,
    #[serde(default)]
    pub(crate) amount_1: String,
    #[serde(default)]
    pub(crate) date_2: String,
    #[serde(default)]
    pub(crate) amount_2: String,
    #[serde(default)]
    pub(crate) date_3: String,
    #[serde(default)]
    pub(crate) amount_3: String,
    /// A checkbox: checked, the promise replaces the open promise, plan or settlement.
    #[serde(default)]
    pub(crate) replace: String,
}

pub async fn record_promise(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PromiseForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let given = [
        (form.date_1.as_str(), form.amount_1.as_str()),
        (form.date_2.as_str(), form.amount_2.as_str()),
        (form.date_3.as_str(), form.amount_3.as_str()),
    ];
    let (lines, mut rows, mut errors) = parse_promise(&view, t, &given);
    if errors.is_empty() {
        match state
            .app
            .record_promise(user, &view, form.version, &lines, !form.replace.is_empty())
            .await
        {
            Ok(Ok(_)) => {
                return after_write(
                    &state,
                    &signed,
                    &creditor,
                    &account_ref,
                    Ok(()),
                    "promise",
                    "date_1",
                    Sent::default(),
                )
                .await;
            }
            Ok(Err(problems)) => {
                errors = promise_problems(t, &problems, &mut rows);
            }
            Err(error) => {
                return after_write(
                    &state,
                    &signed,
                    &creditor,
                    &account_ref,
                    Err(error.into()),
                    "promise",
                    "date_1",
                    Sent::new("promise", &[]),
                )
                .await;
            }
        }
    }
    let extras = Extras {
        errors,
        promise_rows: rows,
        sent: Sent::new("promise", &[]),
        ..Extras::default()
    };
    account_page(
        &state,
        &signed,
        view,
        extras,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// A promise's rows as typed: dates `YYYY-MM-DD`, amounts as people type them
/// (`1,250.00`, `$1,250.00`; an ambiguous `12,5` is refused). Returns the lines that parse, the form rows to show again, and
/// the fields that do not parse; empty rows are skipped.
pub(crate) fn parse_promise(
    view: &AccountView,
    t: Words,
    given: &[(&str, &str)],
) -> (Vec<PromiseLine>, Vec<PromiseRow>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for (index, (date, amount)) in given.iter().enumerate() {
        let index = index + 1;
        let mut row = PromiseRow {
            index,
            date: date.trim().to_string(),
            amount: amount.trim().to_string(),
            ..PromiseRow::default()
        };
        if row.date.is_empty() && row.amount.is_empty() {
            rows.push(row);
            continue;
        }
        let parsed_date = domain::date::parse_date(&row.date);
        let parsed_amount = view.currency.parse_typed(&row.amount).ok();
        if parsed_date.is_none() {
            row.date_error = true;
            errors.push(field(&format!("date_{index}"), t, "error.date"));
        }
        if parsed_amount.is_none() {
            row.amount_error = true;
            errors.push(field(&format!("amount_{index}"), t, "error.amount"));
        }
        if let (Some(due_on), Some(amount)) = (parsed_date, parsed_amount) {
            lines.push(PromiseLine {
                row: index,
                due_on,
                amount,
            });
        }
        rows.push(row);
    }
    (lines, rows, errors)
}

/// What the use case found, as the page shows it: the fields, and the rows to mark.
pub(crate) fn promise_problems(
    t: Words,
    problems: &[PromiseProblem],
    rows: &mut [PromiseRow],
) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| {
            let key = match problem {
                PromiseProblem::Empty | PromiseProblem::TooMany => {
                    if let Some(first) = rows.first_mut() {
                        first.date_error = true;
                        first.amount_error = true;
                    }
                    "error.date"
                }
                PromiseProblem::DateInPast(row) => {
                    if let Some(row) = rows.get_mut(row - 1) {
                        row.date_error = true;
                    }
                    "desk.date_past"
                }
                PromiseProblem::AmountNotPositive(row) => {
                    if let Some(row) = rows.get_mut(row - 1) {
                        row.amount_error = true;
                    }
                    "error.amount"
                }
                PromiseProblem::AboveBalance => {
                    for row in rows.iter_mut().filter(|row| !row.amount.is_empty()) {
                        row.amount_error = true;
                    }
                    "error.amount_above_balance"
                }
                PromiseProblem::OpenArrangement => "desk.open_arrangement",
            };
            field(&problem.field(), t, key)
        })
        .collect()
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) body: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = state
        .app
        .add_note(user, &view, form.version, &form.body)
        .await
        .map(|added| added.map_err(|NoteProblem| vec![field("body", words(user), "error.note")]));
    let sent = Sent::new("note", &[("body", &form.body)]);
    answer_form(&state, &signed, view, outcome, "note", "body", sent).await
}

#[derive(Deserialize)]
pub struct CallbackForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) at: String,
    /// `yes`: the debtor asked for this time (their consent); `no`: the agent chose it.
    /// Absent: yes unless the wrap-up's disposition says otherwise.
    #[serde(default)]
    pub(crate) requested_by_debtor: Option<String>,
    #[serde(default)]
    pub(crate) disposition: Option<String>,
}

pub async fn schedule_callback(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<CallbackForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let requested = match form.requested_by_debtor.as_deref() {
        Some(answer) => answer == "yes",
        None => app::queue::requested_by_default(
            form.disposition.as_deref().and_then(Disposition::parse),
        ),
    };
    let outcome = match form.at.parse::<jiff::civil::DateTime>() {
        Ok(local) => {
            state
                .app
                .schedule_callback(user, &view, form.version, local, None, requested)
                .await
        }
        Err(_) => Ok(Err(CallbackProblem::NotInFuture)),
    };
    let done = match &outcome {
        Ok(Ok(scheduled)) if scheduled.outside_hours => "callback_outside_hours",
        _ => "callback",
    };
    let outcome = outcome.map(|scheduled| {
        scheduled.map_err(|problem| vec![super::queue::callback_problem(t, &problem)])
    });
    let sent = Sent::new("callback", &[("at", &form.at)]);
    answer_form(&state, &signed, view, outcome, done, "at", sent).await
}

// ---------------------------------------------------------------- disputes and flags

#[derive(Deserialize)]
pub struct DisputeForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) detail: String,
}

/// A hold the use case refused, as the page shows it.
pub(crate) fn hold_problem(t: Words, problem: HoldProblem) -> FieldError {
    match problem {
        HoldProblem::Detail => field("detail", t, "error.detail"),
        HoldProblem::Evidence => field("evidence", t, "error.evidence"),
        HoldProblem::Kind => FieldError {
            field: "kind".into(),
            message: "cease, attorney, bankruptcy or deceased".into(),
        },
    }
}

/// Logs a dispute: the account goes on a dispute hold (no collection until verified,
/// 12 CFR 1006.38(d)(2)) and enters the supervisors' dispute queue.
pub async fn log_dispute(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<DisputeForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = state
        .app
        .log_dispute(user, &view, form.version, &form.detail)
        .await
        .map(|logged| logged.map_err(|problem| vec![hold_problem(words(user), problem)]));
    let sent = Sent::new("dispute", &[("detail", &form.detail)]);
    answer_form(&state, &signed, view, outcome, "flag", "detail", sent).await
}

#[derive(Deserialize)]
pub struct FlagForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) evidence: String,
    #[serde(default)]
    pub(crate) op: String,
}

pub async fn save_flag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<FlagForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = match domain::account::HoldKind::parse(&form.kind) {
        Some(kind) => {
            state
                .app
                .save_flag(
                    user,
                    &view,
                    form.version,
                    kind,
                    form.op != "clear",
                    &form.evidence,
                )
                .await
        }
        None => Ok(Err(HoldProblem::Kind)),
    }
    .map(|saved| saved.map_err(|problem| vec![hold_problem(words(user), problem)]));
    let sent = Sent::new(
        "flag",
        &[
            ("kind", &form.kind),
            ("evidence", &form.evidence),
            ("op", &form.op),
        ],
    );
    answer_form(&state, &signed, view, outcome, "flag", "evidence", sent).await
}

// ---------------------------------------------------------------- contact points

#[derive(Deserialize)]
pub struct ContactStatusForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) value: String,
    #[serde(default)]
    pub(crate) status: String,
}

pub async fn contact_status(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<ContactStatusForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = match domain::party::ContactStatus::parse(&form.status) {
        Some(status) => state
            .app
            .set_contact_status(user, &view, form.version, &form.value, status)
            .await
            .map(Ok),
        None => Ok(Err(vec![FieldError {
            field: "value".into(),
            message: "verified, bad or wrong_party".into(),
        }])),
    };
    let sent = Sent::new("contact_status", &[("value", &form.value)]);
    answer_form(&state, &signed, view, outcome, "flag", "value", sent).await
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) value: String,
    #[serde(default)]
    pub(crate) source: String,
}

/// Adds a number or address (from a skip trace, the debtor, …), normalised.
pub async fn add_contact(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<ContactForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = match app::workspace::NewPoint::parse(&form.kind, &form.value) {
        Some(point) => state
            .app
            .add_contact(user, &view, form.version, point, &form.source)
            .await
            .map(Ok),
        None => Ok(Err(vec![field(
            "value",
            words(user),
            "error.contact_value",
        )])),
    };
    let sent = Sent::new(
        "contact",
        &[
            ("kind", &form.kind),
            ("value", &form.value),
            ("source", &form.source),
        ],
    );
    answer_form(&state, &signed, view, outcome, "flag", "value", sent).await
}
