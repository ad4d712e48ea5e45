//! The account operations of the JSON API: the account, attempts, promises, notes,
//! disputes, contact points and the compliance questions.

use super::*;

// ---------------------------------------------------------------- handlers

pub(crate) async fn openapi(_call: Call) -> Result<Response, ApiFailure> {
    Ok(ok(openapi_document()))
}

pub(crate) async fn get_account(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    Ok(ok(views::Account::of(&view)))
}

pub(crate) async fn list_attempts(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let attempts = call.state.app.attempts(&call.user, &view).await?;
    Ok(ok(views::AttemptList {
        attempts: attempts.iter().map(views::Attempt::of).collect(),
    }))
}

pub(crate) async fn log_attempt(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let action = optional_string(&body, "action", &mut errors);
    let contact = optional_string(&body, "contact", &mut errors);
    let disposition = optional_string(&body, "disposition", &mut errors);
    let note = optional_string(&body, "note", &mut errors);
    let t = crate::i18n::Words::new(call.user.language);
    let input = match workspace::parse_attempt(action, contact, disposition, note, version) {
        Ok(input) if errors.is_empty() => input,
        Ok(_) => return Err(AppError::ApiInvalid(errors).into()),
        Err(fields) => {
            errors.extend(fields.iter().map(|name| workspace::attempt_field(t, name)));
            return Err(AppError::ApiInvalid(errors).into());
        }
    };
    let result = call
        .state
        .app
        .log_attempt(&call.user, &view, &input)
        .await?;
    Ok(match result {
        Attempted::Logged(id) => created(id, version),
        Attempted::Invalid(problems) => {
            AppError::ApiInvalid(workspace::attempt_problems(t, &problems)).into_response()
        }
        Attempted::Refused(asked) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(views::Refusal {
                error: "refused by the compliance check".into(),
                fields: Vec::new(),
                compliance: views::ComplianceAnswer::of(&asked.answer),
            }),
        )
            .into_response(),
    })
}

/// `POST …/compliance`: the account's facts put to the check for one action.
pub(crate) async fn ask_compliance(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let action = optional_string(&body, "action", &mut errors);
    let contact = optional_string(&body, "contact", &mut errors);
    let action = if action.is_empty() {
        Some(compliance::facts::Action::Call)
    } else {
        compliance::facts::Action::parse(action)
    };
    let Some(action) = action.filter(|_| errors.is_empty()) else {
        errors.push(field_error(
            "action",
            "call, sms, email, letter, visit, credit_report or lawsuit",
        ));
        return Err(AppError::ApiInvalid(errors).into());
    };
    let contact = Some(contact).filter(|contact| !contact.is_empty());
    let asked = call
        .state
        .app
        .ask_as(
            &call.user,
            &app::contact::Question {
                creditor: &view.creditor,
                account_ref: &view.account_ref,
                action,
                contact,
                at: call.state.app.now(),
            },
        )
        .await;
    match asked {
        Ok(asked) => Ok(ok(views::AccountComplianceAnswer::of(&asked))),
        Err(app::contact::AskError::UnknownContact) => {
            Err(invalid("contact", "not one of the debtor's contact points"))
        }
        Err(app::contact::AskError::App(error)) => Err(AppError::from(error).into()),
    }
}

/// `POST …/callbacks`: a callback at a time on the debtor's wall clock. One the debtor
/// asked for records their consent to a call then; one the agent chose is refused
/// (422 with the check's answer) unless a call then is allowed.
pub(crate) async fn schedule_callback(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let at = optional_string(&body, "at", &mut errors);
    let note = optional_string(&body, "note", &mut errors);
    let requested = match body.get("requested_by_debtor") {
        Some(Value::Bool(requested)) => *requested,
        _ => {
            errors.push(field_error(
                "requested_by_debtor",
                "required: true when the debtor asked for this time (their consent), false when the agent chose it",
            ));
            false
        }
    };
    let local = at.parse::<jiff::civil::DateTime>();
    if local.is_err() && !errors.iter().any(|error| error.field == "at") {
        errors.push(field_error(
            "at",
            "a time on the debtor's clock, YYYY-MM-DDTHH:MM",
        ));
    }
    let (Ok(local), true) = (local, errors.is_empty()) else {
        return Err(AppError::ApiInvalid(errors).into());
    };
    let note = Some(note).filter(|note| !note.trim().is_empty());
    let t = crate::i18n::Words::new(call.user.language);
    let scheduled = call
        .state
        .app
        .schedule_callback(&call.user, &view, version, local, note, requested)
        .await
        .map_err(|error| store_invalid(error.into(), "at"))?;
    match scheduled {
        Ok(scheduled) => {
            let due_at = app::desk::callback_instant(&view, local)
                .ok_or_else(|| invalid("at", "a time on the debtor's clock, YYYY-MM-DDTHH:MM"))?;
            let consent_until = requested
                .then(|| {
                    due_at.checked_add(
                        jiff::Span::new().minutes(app::queue::CALLBACK_CONSENT_MINUTES),
                    )
                })
                .and_then(Result::ok);
            Ok((
                StatusCode::CREATED,
                axum::Json(views::ScheduledCallback {
                    id: scheduled.id,
                    version: version + 1,
                    due_at: due_at.into(),
                    requested_by_debtor: requested,
                    consent_until: consent_until.map(Into::into),
                    outside_hours: scheduled.outside_hours,
                }),
            )
                .into_response())
        }
        Err(app::queue::CallbackProblem::NotInFuture) => Err(invalid("at", t.get("error.when"))),
        Err(app::queue::CallbackProblem::Refused(asked)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(views::Refusal {
                error: "refused by the compliance check: a call then is not allowed".into(),
                fields: vec![views::FieldError {
                    field: "at".into(),
                    message: t.get("callback.refused").into(),
                }],
                compliance: views::ComplianceAnswer::of(&asked.answer),
            }),
        )
            .into_response()),
    }
}

/// `POST /api/v1/compliance/check`: one request object, one answer (contract:
/// docs/compliance-check.md); 422 with `{"error", "field"}` when malformed.
pub(crate) async fn check_compliance(call: Call) -> Result<Response, ApiFailure> {
    let unprocessable = |error: String, field: &str| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(views::ComplianceMalformed {
                error,
                field: field.to_string(),
            }),
        )
            .into_response()
    };
    let value: Value = match serde_json::from_slice(&call.body) {
        Ok(value) => value,
        Err(error) => return Ok(unprocessable(format!("not JSON: {error}"), "request")),
    };
    Ok(match app::compliance_json::parse_request(&value) {
        Ok(request) => {
            let answer = call.state.app.check(&call.user, &request)?;
            ok(views::ComplianceAnswer::of(&answer))
        }
        Err(malformed) => unprocessable(malformed.reason, &malformed.field),
    })
}

pub(crate) async fn list_promises(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let promises = call.state.app.promises(&call.user, &view).await?;
    Ok(ok(views::PromiseList {
        promises: promises
            .iter()
            .map(|promise| views::Promise::of(promise, view.currency))
            .collect(),
    }))
}

/// A promise's problem under the API's field names: `payments[i].due_on`,
/// `payments[i].amount`, and `payments` for the list as a whole.
pub(crate) fn promise_field(t: crate::i18n::Words, problem: PromiseProblem) -> FieldError {
    let (field, key) = match problem {
        PromiseProblem::DateInPast(row) => (format!("payments[{}].due_on", row - 1), "error.date"),
        PromiseProblem::AmountNotPositive(row) => {
            (format!("payments[{}].amount", row - 1), "error.amount")
        }
        PromiseProblem::AboveBalance => ("payments".into(), "error.amount_above_balance"),
        PromiseProblem::Empty | PromiseProblem::TooMany => ("payments".into(), "error.date"),
        PromiseProblem::OpenArrangement => ("payments".into(), "desk.open_arrangement"),
    };
    field_error(&field, t.get(key))
}

pub(crate) async fn record_promise(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let mut lines = Vec::new();
    match body.get("payments") {
        Some(Value::Array(payments))
            if !payments.is_empty()
                && payments.len() <= app::model::workspace::PROMISE_PAYMENTS_MAX =>
        {
            for (index, payment) in payments.iter().enumerate() {
                let text = |key: &str, errors: &mut Vec<FieldError>| -> Option<String> {
                    let field = format!("payments[{index}].{key}");
                    match payment.get(key) {
                        Some(Value::String(text)) if !text.trim().is_empty() => {
                            Some(text.trim().to_string())
                        }
                        Some(Value::Null | Value::String(_)) | None => {
                            errors.push(field_error(&field, "required"));
                            None
                        }
                        Some(_) => {
                            errors.push(field_error(
                                &field,
                                "expected a string (amounts are decimal strings such as \"125.50\")",
                            ));
                            None
                        }
                    }
                };
                if !payment.is_object() {
                    errors.push(field_error(
                        &format!("payments[{index}]"),
                        "expected an object with due_on and amount",
                    ));
                    continue;
                }
                let due_on = text("due_on", &mut errors).map(|text| {
                    domain::date::parse_date(&text).ok_or_else(|| {
                        field_error(&format!("payments[{index}].due_on"), "a date YYYY-MM-DD")
                    })
                });
                let amount = text("amount", &mut errors).map(|text| {
                    view.currency.parse_amount(&text).map_err(|_| {
                        field_error(
                            &format!("payments[{index}].amount"),
                            "a decimal amount such as \"125.50\"",
                        )
                    })
                });
                match (due_on, amount) {
                    (Some(Ok(due_on)), Some(Ok(amount))) => lines.push(PromiseLine {
                        row: index + 1,
                        due_on,
                        amount,
                    }),
                    (due_on, amount) => {
                        errors.extend(due_on.and_then(Result::err));
                        errors.extend(amount.and_then(Result::err));
                    }
                }
            }
        }
        _ => errors.push(field_error(
            "payments",
            &format!(
                "1 to {} objects with due_on and amount",
                app::model::workspace::PROMISE_PAYMENTS_MAX
            ),
        )),
    }
    let replace = optional_bool(&body, "replace", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let t = crate::i18n::Words::new(call.user.language);
    match call
        .state
        .app
        .record_promise(&call.user, &view, version, &lines, replace)
        .await
        .map_err(|error| store_invalid(error.into(), "payments"))?
    {
        Ok(id) => Ok(created(id, version)),
        Err(problems) => Err(AppError::ApiInvalid(
            problems
                .into_iter()
                .map(|problem| promise_field(t, problem))
                .collect(),
        )
        .into()),
    }
}

pub(crate) async fn list_notes(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let notes = call.state.app.notes(&call.user, &view).await?;
    Ok(ok(views::NoteList {
        notes: notes.iter().map(views::Note::of).collect(),
    }))
}

pub(crate) async fn add_note(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let text = optional_string(&body, "body", &mut errors);
    if text.trim().is_empty() && !errors.iter().any(|error| error.field == "body") {
        errors.push(field_error("body", "required"));
    }
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let t = crate::i18n::Words::new(call.user.language);
    match call
        .state
        .app
        .add_note(&call.user, &view, version, text)
        .await
        .map_err(|error| store_invalid(error.into(), "body"))?
    {
        Ok(id) => Ok(created(id, version)),
        Err(_) => Err(invalid("body", t.get("error.note"))),
    }
}

pub(crate) async fn log_dispute(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let detail = optional_string(&body, "detail", &mut errors).trim();
    if detail.is_empty() && !errors.iter().any(|error| error.field == "detail") {
        errors.push(field_error("detail", "required: what the debtor disputes"));
    }
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let t = crate::i18n::Words::new(call.user.language);
    match call
        .state
        .app
        .log_dispute(&call.user, &view, version, detail)
        .await
        .map_err(|error| store_invalid(error.into(), "detail"))?
    {
        Ok(()) => Ok(created(0, version)),
        Err(problem) => Err(ApiFailure(AppError::ApiInvalid(vec![
            crate::workspace::hold_problem(t, problem),
        ]))),
    }
}

pub(crate) async fn list_contacts(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    Ok(ok(views::ContactList {
        contact_points: view
            .contact_points
            .iter()
            .map(views::ContactPoint::of)
            .collect(),
    }))
}

pub(crate) async fn add_contact(call: Call) -> Result<Response, ApiFailure> {
    use domain::party::ContactKind;
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let kind_text = optional_string(&body, "kind", &mut errors);
    let value_text = optional_string(&body, "value", &mut errors);
    let source = optional_string(&body, "source", &mut errors).trim();
    if ContactKind::parse(kind_text).is_none() {
        errors.push(field_error(
            "kind",
            "phone_home, phone_mobile, phone_work or email",
        ));
    }
    let point = app::workspace::NewPoint::parse(kind_text, value_text);
    if ContactKind::parse(kind_text).is_some() && point.is_none() {
        errors.push(field_error(
            "value",
            "a US phone number or an email address",
        ));
    }
    let (Some(point), true) = (point, errors.is_empty()) else {
        return Err(AppError::ApiInvalid(errors).into());
    };
    let source = if source.is_empty() { "api" } else { source };
    call.state
        .app
        .add_contact(&call.user, &view, version, point, source)
        .await
        .map_err(|error| store_invalid(error.into(), "value"))?;
    Ok(created(0, version))
}
