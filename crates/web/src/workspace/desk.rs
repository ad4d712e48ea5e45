//! The collector's desk on the account page: the right-party check, the agent's display
//! name, the postal address and the offers each negotiation tab suggests.

use super::*;
use app::model::workspace::{FieldCheck, Verification};

/// A suggested offer: what the button says and the form fields it fills (by id).
pub(crate) struct Offer {
    pub(crate) label: String,
    /// `id=value` pairs separated by `;` (identifiers and plain numbers and dates).
    pub(crate) fill: String,
    /// Who must approve it ("needs a supervisor's approval"); empty: within the user's
    /// own authority.
    pub(crate) approver: String,
}

/// Offers per negotiation tab.
#[derive(Default)]
pub(crate) struct Offers {
    pub(crate) promise: Vec<Offer>,
    pub(crate) payment: Vec<Offer>,
    pub(crate) plan: Vec<Offer>,
    pub(crate) settlement: Vec<Offer>,
}

/// What the desk adds to the account page.
pub(crate) struct DeskFacts {
    pub(crate) agent_name: String,
    pub(crate) address: Vec<String>,
    pub(crate) verification: VerificationShown,
    pub(crate) offers: Offers,
}

pub(crate) async fn facts(
    state: &AppState,
    user: &SessionUser,
    view: &AccountView,
) -> Result<DeskFacts, AppError> {
    let t = words(user);
    let agent_name = state.app.display_name(user).await?;
    let address = state.app.postal_address(user, view).await?;
    let last = state.app.last_verification(user, view).await?;
    let verification = shown(t, last.as_ref(), &state.business_zone);
    let offers = state.app.offers(user, view, state.today()).await?;
    let money = |amount: Amount| view.currency.display(amount);
    let plain = |amount: Amount| view.currency.format(amount);
    let mut shown_offers = Offers::default();
    let today = state.today();
    if let (Some(full), Some(due_on)) = (offers.in_full, offers.due_on) {
        shown_offers.payment.push(Offer {
            label: t
                .get("desk.offer_pay_today")
                .replace("{amount}", &money(full)),
            fill: format!("payment-amount={};payment-date={today}", plain(full)),
            approver: String::new(),
        });
        shown_offers.promise.push(Offer {
            label: t
                .get("desk.offer_promise")
                .replace("{amount}", &money(full))
                .replace("{date}", &due_on.to_string()),
            fill: format!("date_1={due_on};amount_1={}", plain(full)),
            approver: String::new(),
        });
        for (months, installment) in &offers.plans {
            shown_offers.plan.push(Offer {
                label: t
                    .get("desk.offer_plan")
                    .replace("{count}", &months.to_string())
                    .replace("{amount}", &money(*installment))
                    .replace("{date}", &due_on.to_string()),
                fill: format!(
                    "sizing-count=1;plan-installments={months};plan-first-due={due_on};plan-frequency=monthly"
                ),
                approver: String::new(),
            });
        }
        for settlement in &offers.settlements {
            let bps = settlement.discount.get();
            shown_offers.settlement.push(Offer {
                label: t
                    .get("desk.offer_settle")
                    .replace("{amount}", &money(settlement.amount))
                    .replace("{percent}", &format!("{}.{:02} %", bps / 100, bps % 100))
                    .replace("{date}", &due_on.to_string()),
                fill: format!(
                    "settle_date_1={due_on};settle_amount_1={}",
                    plain(settlement.amount)
                ),
                approver: settlement
                    .approver
                    .map(|role| {
                        t.get("desk.offer_needs")
                            .replace("{role}", &t.label("role", role.code()))
                    })
                    .unwrap_or_default(),
            });
        }
    }
    Ok(DeskFacts {
        agent_name,
        address,
        verification,
        offers: shown_offers,
    })
}

fn shown(t: Words, last: Option<&Verification>, zone: &TimeZone) -> VerificationShown {
    let Some(last) = last else {
        return VerificationShown::default();
    };
    let fields = [
        ("verify_dob", last.date_of_birth),
        ("verify_ssn", last.ssn_last4),
        ("verify_zip", last.postal_code),
    ]
    .into_iter()
    .filter(|(_, check)| matches!(check, FieldCheck::Match | FieldCheck::NoMatch))
    .map(|(field, check)| (field, check == FieldCheck::Match))
    .collect();
    let summary = format!(
        "{} {}{}",
        if last.verified {
            t.get("desk.verified_at")
        } else {
            t.get("desk.not_verified_at")
        },
        local(last.at, zone),
        last.agent
            .as_ref()
            .map(|who| format!(" — {who}"))
            .unwrap_or_default()
    );
    VerificationShown {
        summary,
        verified: last.verified,
        fields,
    }
}

#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) dob: String,
    #[serde(default)]
    pub(crate) ssn_last4: String,
    #[serde(default)]
    pub(crate) zip: String,
}

/// The right-party check: what the caller says, compared with what is on file.
pub async fn verify(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<VerifyForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let claim = app::desk::Claim {
        date_of_birth: &form.dob,
        ssn_last4: &form.ssn_last4,
        postal_code: &form.zip,
    };
    match state.app.verify_identity(user, &view, claim).await? {
        Ok(checked) => Ok(done_redirect(
            &creditor,
            &account_ref,
            if checked.verified {
                "verified"
            } else {
                "not_verified"
            },
        )),
        Err(problems) => {
            let errors = problems
                .iter()
                .map(|problem| {
                    let key = match problem {
                        app::desk::VerifyProblem::DateOfBirth => "error.date",
                        app::desk::VerifyProblem::SsnLast4 => "desk.error_ssn",
                        app::desk::VerifyProblem::PostalCode => "desk.error_zip",
                        app::desk::VerifyProblem::TooFew => "desk.error_too_few",
                    };
                    field(problem.field(), t, key)
                })
                .collect();
            let sent = Sent::new(
                "verify",
                &[
                    ("dob", &form.dob),
                    ("ssn_last4", &form.ssn_last4),
                    ("zip", &form.zip),
                ],
            );
            refuse(&state, &signed, view, errors, sent).await
        }
    }
}
