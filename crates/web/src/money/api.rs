//! The money operations of the JSON API (routes in `crate::api::ROUTES`): payments,
//! plans, settlements, money changes, approvals.

use crate::api::{
    ApiFailure, Call, field_error, invalid, ok, optional_bool, optional_string, required_version,
    store_invalid,
};
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::money::{Agreed, PaymentInput, PlanInput};
use app::model::money::Source;
use app::views;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

pub(crate) async fn list_payments(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let payments = call.state.app.payments(&call.user, &view).await?;
    Ok(ok(views::PaymentList {
        payments: payments
            .iter()
            .map(|payment| views::Payment::of(payment, view.currency))
            .collect(),
    }))
}

/// The account's version now (after a write).
async fn version_now(call: &Call) -> Result<i64, ApiFailure> {
    Ok(call.account().await?.version)
}

pub(crate) async fn post_payment(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let input = PaymentInput {
        amount: optional_string(&body, "amount", &mut errors).to_string(),
        method: optional_string(&body, "method", &mut errors).to_string(),
        paid_on: optional_string(&body, "paid_on", &mut errors).to_string(),
        reference: optional_string(&body, "reference", &mut errors).to_string(),
    };
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let t = Words::new(call.user.language);
    let payment = crate::money::parse_payment(&view, t, call.state.today(), &input)
        .map_err(|errors| ApiFailure(AppError::ApiInvalid(errors)))?;
    let taken = call
        .state
        .app
        .take_payment(&call.user, &view, version, &payment, Source::Api)
        .await;
    match crate::money::answered(taken, |problems| {
        crate::money::payment_problems(t, &problems)
    })
    .map_err(|error| store_invalid(error, "amount"))?
    {
        Ok(id) => Ok((
            StatusCode::CREATED,
            axum::Json(views::Created {
                id,
                version: version_now(&call).await?,
            }),
        )
            .into_response()),
        Err(errors) => Err(AppError::ApiInvalid(errors).into()),
    }
}

/// A string or a number, as text.
fn text_or_number(body: &Map<String, Value>, key: &str, errors: &mut Vec<FieldError>) -> String {
    match body.get(key) {
        Some(Value::Number(number)) => number.to_string(),
        _ => optional_string(body, key, errors).to_string(),
    }
}

/// 201 for an arrangement active at once, 202 for one waiting for approval.
fn arranged(agreed: &Agreed, terms: views::Terms, version: i64) -> Response {
    let status = match agreed {
        Agreed::Active { .. } => StatusCode::CREATED,
        Agreed::Pending { .. } => StatusCode::ACCEPTED,
    };
    let answer = views::Arrangement::of(agreed, terms, version);
    (status, axum::Json(answer)).into_response()
}

pub(crate) async fn create_plan(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let installment_amount = optional_string(&body, "installment_amount", &mut errors).to_string();
    let input = PlanInput {
        frequency: optional_string(&body, "frequency", &mut errors).to_string(),
        sizing: if installment_amount.is_empty() {
            "count".into()
        } else {
            "amount".into()
        },
        installments: text_or_number(&body, "installments", &mut errors),
        installment_amount,
        first_due: optional_string(&body, "first_due", &mut errors).to_string(),
        down_payment: optional_string(&body, "down_payment", &mut errors).to_string(),
        down_payment_on: optional_string(&body, "down_payment_on", &mut errors).to_string(),
        apr: text_or_number(&body, "apr", &mut errors),
        replace: if optional_bool(&body, "replace", &mut errors) {
            "on".into()
        } else {
            String::new()
        },
    };
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let t = Words::new(call.user.language);
    let request = crate::money::parse_plan(&view, t, call.state.today(), &input)
        .map_err(|errors| ApiFailure(AppError::ApiInvalid(errors)))?;
    let agreed = call
        .state
        .app
        .agree_plan(&call.user, &view, version, &request)
        .await;
    let (agreed, quoted) = match crate::money::answered(agreed, |problems| {
        crate::money::plan_problems(&view, t, &problems)
    })
    .map_err(|error| store_invalid(error, "plan"))?
    {
        Ok(done) => done,
        Err(errors) => return Err(AppError::ApiInvalid(errors).into()),
    };
    let terms = views::Terms::plan(&quoted, view.currency);
    Ok(arranged(&agreed, terms, version_now(&call).await?))
}

/// `settle_date_2` → `payments[1].due_on`; `settle_amount_2` → `payments[1].amount`.
fn settlement_field(error: FieldError) -> FieldError {
    let renamed = if let Some(row) = error.field.strip_prefix("settle_date_") {
        row.parse::<usize>()
            .ok()
            .map(|row| format!("payments[{}].due_on", row.saturating_sub(1)))
    } else if let Some(row) = error.field.strip_prefix("settle_amount_") {
        row.parse::<usize>()
            .ok()
            .map(|row| format!("payments[{}].amount", row.saturating_sub(1)))
    } else if error.field == "settlement" {
        Some("payments".into())
    } else {
        None
    };
    FieldError {
        field: renamed.unwrap_or(error.field),
        message: error.message,
    }
}

pub(crate) async fn offer_settlement(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let replace = optional_bool(&body, "replace", &mut errors);
    let mut given: Vec<(String, String)> = Vec::new();
    match body.get("payments") {
        Some(Value::Array(payments))
            if !payments.is_empty()
                && payments.len() <= domain::settlement::SETTLEMENT_PAYMENTS_MAX =>
        {
            for (index, payment) in payments.iter().enumerate() {
                let text = |key: &str| match payment.get(key) {
                    Some(Value::String(text)) => Some(text.clone()),
                    _ => None,
                };
                match (text("due_on"), text("amount")) {
                    (Some(due_on), Some(amount)) => given.push((due_on, amount)),
                    _ => errors.push(field_error(
                        &format!("payments[{index}]"),
                        "expected an object with due_on and amount (decimal strings such as \"125.50\")",
                    )),
                }
            }
        }
        _ => errors.push(field_error(
            "payments",
            &format!(
                "1 to {} objects with due_on and amount",
                domain::settlement::SETTLEMENT_PAYMENTS_MAX
            ),
        )),
    }
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let given: Vec<(&str, &str)> = given
        .iter()
        .map(|(date, amount)| (date.as_str(), amount.as_str()))
        .collect();
    let t = Words::new(call.user.language);
    let lines = crate::money::parse_settlement(&view, t, &given).map_err(|errors| {
        ApiFailure(AppError::ApiInvalid(
            errors.into_iter().map(settlement_field).collect(),
        ))
    })?;
    let offered = call
        .state
        .app
        .offer_settlement_replacing(&call.user, &view, version, &lines, replace)
        .await;
    let (agreed, checked) = match crate::money::answered(offered, |problems| {
        crate::money::settlement_problems(t, &problems)
    })
    .map_err(|error| store_invalid(error, "payments"))?
    {
        Ok(done) => done,
        Err(errors) => {
            return Err(
                AppError::ApiInvalid(errors.into_iter().map(settlement_field).collect()).into(),
            );
        }
    };
    let terms = views::Terms::settlement(&checked, view.currency);
    Ok(arranged(&agreed, terms, version_now(&call).await?))
}

pub(crate) async fn list_approvals(call: Call) -> Result<Response, ApiFailure> {
    let items = call.state.app.approvals(&call.user).await?;
    Ok(ok(views::ApprovalList {
        approvals: items.iter().map(views::Approval::of).collect(),
    }))
}

pub(crate) async fn request_change(call: Call) -> Result<Response, ApiFailure> {
    let view = call.account().await?;
    let body = call.object()?;
    let mut errors = Vec::new();
    let version = required_version(&body, &mut errors);
    let input = crate::money::ChangeInput {
        change: optional_string(&body, "change", &mut errors).to_string(),
        amount: optional_string(&body, "amount", &mut errors).to_string(),
        bucket: optional_string(&body, "bucket", &mut errors).to_string(),
        reason_code: optional_string(&body, "reason_code", &mut errors).to_string(),
        note: optional_string(&body, "note", &mut errors).to_string(),
    };
    if !errors.is_empty() {
        return Err(AppError::ApiInvalid(errors).into());
    }
    let t = Words::new(call.user.language);
    let parsed = crate::money::parse_change(&view, t, &input);
    let requested = match parsed {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => crate::money::answered(
            call.state
                .app
                .request_change(&call.user, &view, version, &request)
                .await,
            |problems| crate::money::change_problems(t, &problems),
        ),
    };
    match requested.map_err(|error| store_invalid(error, "amount"))? {
        Ok(approval) => {
            let status = if approval.is_some() {
                StatusCode::ACCEPTED
            } else {
                StatusCode::CREATED
            };
            Ok((
                status,
                axum::Json(views::MoneyChanged {
                    status: views::Code(if approval.is_some() {
                        views::ChangeStatus::PendingApproval
                    } else {
                        views::ChangeStatus::Posted
                    }),
                    approval_id: approval,
                    version: version_now(&call).await?,
                }),
            )
                .into_response())
        }
        Err(mut errors) => {
            // The form's field is `change_amount`; the API's is `amount`.
            for error in &mut errors {
                if error.field == "change_amount" {
                    error.field = "amount".into();
                }
            }
            Err(AppError::ApiInvalid(errors).into())
        }
    }
}

pub(crate) async fn decide(call: Call) -> Result<Response, ApiFailure> {
    let mut errors = Vec::new();
    let id = call.param("id").parse::<i64>().ok();
    if id.is_none() {
        errors.push(field_error("id", "expected an approval id"));
    }
    let body = call.object()?;
    let approve = match optional_string(&body, "decision", &mut errors) {
        "approve" => Some(true),
        "reject" => Some(false),
        _ => {
            errors.push(field_error("decision", "approve or reject"));
            None
        }
    };
    let note = optional_string(&body, "note", &mut errors).to_string();
    let (Some(id), Some(approve), true) = (id, approve, errors.is_empty()) else {
        return Err(AppError::ApiInvalid(errors).into());
    };
    match call
        .state
        .app
        .decide_approval(&call.user, id, approve, &note)
        .await
        .map_err(AppError::from)
    {
        Ok(Err(problem)) => Err(invalid(
            problem.field(),
            &crate::money::approval_problem_words(Words::new(call.user.language), &problem),
        )),
        Ok(Ok(())) => Ok(ok(views::Decided {
            id,
            status: views::Code(if approve {
                views::Decision::Approved
            } else {
                views::Decision::Rejected
            }),
        })),
        Err(AppError::Store(app::model::StoreError::Invalid(message))) => {
            Err(invalid("decision", &message))
        }
        Err(other) => Err(other.into()),
    }
}
