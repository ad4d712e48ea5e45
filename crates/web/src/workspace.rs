//! The agent workspace: sign-in, the work queue, the account page and what agents record
//! on it. Handlers stay thin: parse the form, check permission and CSRF, ask the store
//! (and the compliance engine), render.

use crate::AppState;
use crate::auth::{SESSION_COOKIE, Signed, same_site};
use crate::error::{AppError, FieldError};
use crate::i18n::{self, Words};
use app::contact::{Asked, ZoneBasis};
use app::model::sessions::{Login, SessionUser};
use app::model::view::AccountView;
use app::workspace::{
    AssignProblem, AttemptInput, AttemptProblem, Attempted, CallbackProblem, HoldProblem,
    NoteProblem, PromiseLine, PromiseProblem,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use compliance::facts::Action;
use domain::contact::Disposition;
use domain::money::Amount;
use domain::party::Language;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;

/// Rows of the promise form.
const PROMISE_ROWS: usize = 3;

fn html(template: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(template.render()?))
}

fn words(user: &SessionUser) -> Words {
    Words::new(user.language)
}

/// An instant on the debtor's wall clock (their first zone).
fn local(instant: Timestamp, zone: &TimeZone) -> String {
    instant
        .to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Words,
    error: String,
    username: String,
}

/// The browser's preferred language between ours (before anyone has signed in).
fn browser_language(headers: &HeaderMap) -> Language {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .unwrap_or("");
    if first.trim().to_ascii_lowercase().starts_with("es") {
        Language::Es
    } else {
        Language::En
    }
}

pub async fn login_page(headers: HeaderMap) -> Result<Html<String>, AppError> {
    html(&LoginPage {
        t: Words::new(browser_language(&headers)),
        error: String::new(),
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    same_site(&headers)?;
    let t = Words::new(browser_language(&headers));
    let refused = |status: StatusCode, error: String| -> Result<Response, AppError> {
        let page = LoginPage {
            t,
            error,
            username: form.username.clone(),
        };
        Ok((status, html(&page)?).into_response())
    };
    match state.app.log_in(&form.username, &form.password).await? {
        Login::Ok { token, session } => {
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                app::model::sessions::SESSION_HOURS * 3600
            );
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, cookie),
                    (header::LOCATION, landing(session.user.role).into()),
                ],
            )
                .into_response())
        }
        Login::Refused => refused(StatusCode::UNAUTHORIZED, t.get("login.refused").into()),
        Login::LockedOut { until } => refused(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} {until}", t.get("login.locked")),
        ),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    state.app.log_out(&signed.0).await?;
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/login".into()),
        ],
    )
        .into_response())
}

pub async fn switch_language(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let other = match user.language {
        Language::En => Language::Es,
        Language::Es => Language::En,
    };
    state.app.set_language(user, other).await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| referer.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|slash| rest[slash..].to_string()))
        .unwrap_or_else(|| "/queue".into());
    Ok(Redirect::to(&back).into_response())
}

/// Where a role starts its day: those who work accounts the queue; supervisors too
/// (their team view is a click away); admins the team view; billing the exceptions
/// list; auditors search.
pub fn landing(role: domain::party::Role) -> &'static str {
    use domain::party::Role;
    match role {
        Role::Agent | Role::Supervisor | Role::Manager => "/queue",
        Role::Admin => "/team",
        Role::Billing => "/exceptions",
        Role::Auditor => "/search",
    }
}

pub async fn root(signed: Signed) -> Redirect {
    Redirect::to(landing(signed.user().role))
}

// ---------------------------------------------------------------- the queue

struct CallbackRow {
    href: String,
    label: String,
    due: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    t: Words,
    csrf: String,
    username: String,
    query: String,
    remaining: String,
    message: String,
    callbacks: Vec<CallbackRow>,
}

async fn queue_page(
    state: &AppState,
    signed: &Signed,
    message: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let queue = state.app.queue(user).await?;
    let remaining = if queue.more {
        format!("{}+", queue.remaining)
    } else {
        queue.remaining.to_string()
    };
    let callbacks = queue
        .callbacks_due
        .iter()
        .map(|candidate| CallbackRow {
            href: account_href(&candidate.creditor, &candidate.account_ref),
            label: format!("{} {}", candidate.creditor, candidate.account_ref),
            due: words(user).get("queue.due_now").to_string(),
        })
        .collect();
    let page = QueuePage {
        t: words(user),
        csrf: signed.0.csrf_token.clone(),
        username: user.username.clone(),
        query: String::new(),
        remaining,
        message,
        callbacks,
    };
    Ok((status, html(&page)?).into_response())
}

pub async fn queue(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    queue_page(&state, &signed, String::new(), StatusCode::OK).await
}

pub(crate) fn account_href(creditor: &str, account_ref: &str) -> String {
    format!(
        "/accounts/{}/{}",
        urlencode(creditor),
        urlencode(account_ref)
    )
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// "Next account": the first candidate the compliance engine lets the agent call now,
/// locked to them.
pub async fn next_account(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    if let Some(candidate) = state.app.next_account(user).await? {
        return Ok(
            Redirect::to(&account_href(&candidate.creditor, &candidate.account_ref))
                .into_response(),
        );
    }
    let message = words(user).get("queue.empty").to_string();
    queue_page(&state, &signed, message, StatusCode::OK).await
}

// ---------------------------------------------------------------- the account page

struct AccountRow {
    href: String,
    account_ref: String,
    creditor: String,
    balance: String,
    principal: String,
    interest: String,
    fees: String,
    dpd: u32,
    bucket: String,
    status: String,
    flags: String,
    current: bool,
}

struct Reason {
    rule: String,
    citation: String,
    message: String,
}

struct ChannelRow {
    code: &'static str,
    label: &'static str,
    allowed: bool,
    reasons: Vec<Reason>,
    next: String,
}

pub(crate) struct Refusal {
    reasons: Vec<Reason>,
    next: String,
}

struct PointRow {
    kind: String,
    value: String,
    status: String,
    usable: bool,
}

struct DispositionRow {
    code: &'static str,
    label: &'static str,
    key: String,
}

struct TimelineRow {
    at: String,
    sort: Timestamp,
    kind: &'static str,
    label: String,
    text: String,
    who: String,
}

#[derive(Default)]
pub(crate) struct PromiseRow {
    index: usize,
    date: String,
    amount: String,
    date_error: bool,
    amount_error: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Words,
    csrf: String,
    username: String,
    query: String,
    base: String,
    account_ref: String,
    version: i64,
    debtor_name: String,
    debtor_language: &'static str,
    local_time: String,
    state: String,
    locked_by: String,
    flash: String,
    refusal: Option<Refusal>,
    errors: Vec<FieldError>,
    banner: Vec<ChannelRow>,
    zone_unknown: bool,
    budget: String,
    validation: String,
    accounts: Vec<AccountRow>,
    contact_points: Vec<PointRow>,
    dispositions: Vec<DispositionRow>,
    promise_rows: Vec<PromiseRow>,
    script_lang: &'static str,
    dob: String,
    ssn: String,
    script_opening: String,
    script_miranda: String,
    timeline: Vec<TimelineRow>,
    money: crate::money::MoneySection,
}

impl AccountPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|error| error.field == field)
    }
}

/// What a re-rendered page carries besides the account itself.
#[derive(Default)]
pub(crate) struct Extras {
    pub(crate) flash: String,
    pub(crate) refusal: Option<Refusal>,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) promise_rows: Vec<PromiseRow>,
    pub(crate) money: crate::money::MoneyForms,
}

fn reasons(asked: &Asked) -> Vec<Reason> {
    asked
        .answer
        .violations
        .iter()
        .map(|violation| Reason {
            rule: violation.rule.to_string(),
            citation: violation.citation.to_string(),
            message: violation.message.clone(),
        })
        .collect()
}

/// The account as this user may see it, or 404 (another creditor's account is as good
/// as absent).
pub(crate) async fn visible_view(
    state: &AppState,
    user: &SessionUser,
    creditor: &str,
    account_ref: &str,
) -> Result<AccountView, AppError> {
    Ok(state
        .app
        .account(user, creditor, account_ref, state.today())
        .await?)
}

pub(crate) async fn account_page(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    extras: Extras,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = words(user);
    let now = state.app.now();
    let (known, channels) = state.app.compliance_view(&view).await?;
    let zone = known.zones().display();
    let (banner, budget, validation) = banner_rows(t, &known, &channels, &view, now, &zone);

    let records = state.app.account_records(user, &view).await?;
    let mut accounts = Vec::new();
    for row in &records.accounts {
        let money = |amount: Amount| row.currency.format(amount);
        accounts.push(AccountRow {
            href: account_href(&row.creditor, &row.account_ref),
            account_ref: row.account_ref.clone(),
            creditor: row.creditor.clone(),
            balance: money(row.balance()),
            principal: money(row.balances.principal),
            interest: money(row.balances.interest),
            fees: money(row.balances.fees),
            dpd: row.days_past_due,
            bucket: row.aging_bucket.clone(),
            status: row.status.code().to_string(),
            flags: row
                .holds
                .iter()
                .map(|hold| hold.code())
                .collect::<Vec<_>>()
                .join(", "),
            current: row.account_id == view.account_id,
        });
    }

    let contact_points = view
        .contact_points
        .iter()
        .map(|point| PointRow {
            kind: point.kind.clone(),
            value: point.value.clone(),
            status: point.status.clone(),
            usable: domain::party::ContactStatus::parse(&point.status)
                .is_some_and(|status| status.is_usable()),
        })
        .collect();
    let dispositions = Disposition::ALL
        .iter()
        .enumerate()
        .map(|(index, disposition)| DispositionRow {
            code: disposition.code(),
            label: t.get(&format!("disposition.{}", disposition.code())),
            key: match index {
                0..=8 => (index + 1).to_string(),
                9 => "0".into(),
                _ => String::new(),
            },
        })
        .collect();

    let mut timeline = Vec::new();
    for entry in &view.entries {
        timeline.push(TimelineRow {
            at: local(entry.recorded_at, &zone),
            sort: entry.recorded_at,
            kind: "ledger",
            label: entry.reason.code().to_string(),
            text: format!(
                "{} ({})",
                view.currency
                    .format(entry.amounts.total().unwrap_or(Amount::ZERO)),
                entry.effective_on
            ),
            who: String::new(),
        });
    }
    // Read once with the compliance facts above, not again for the timeline.
    for attempt in known.attempts.iter().cloned() {
        if attempt.account_id != view.account_id {
            continue;
        }
        let disposition = t.get(&format!("disposition.{}", attempt.disposition));
        timeline.push(TimelineRow {
            at: local(attempt.at, &zone),
            sort: attempt.at,
            kind: "attempt",
            label: t.get(&format!("channel.{}", attempt.action)).to_string(),
            text: format!(
                "{disposition}{}{}",
                attempt
                    .contact_point
                    .map(|point| format!(" · {point}"))
                    .unwrap_or_default(),
                attempt
                    .note
                    .map(|note| format!(" · {note}"))
                    .unwrap_or_default()
            ),
            who: attempt.username.unwrap_or_default(),
        });
    }
    for note in records.notes {
        timeline.push(TimelineRow {
            at: local(note.at, &zone),
            sort: note.at,
            kind: "note",
            label: t.get("attempt.note").to_string(),
            text: note.body,
            who: note.username.unwrap_or_default(),
        });
    }
    for promise in records.promises {
        let schedule: Vec<String> = promise
            .payments
            .iter()
            .map(|(due_on, minor)| {
                format!(
                    "{} {due_on}",
                    view.currency.format(Amount::from_minor(*minor))
                )
            })
            .collect();
        timeline.push(TimelineRow {
            at: local(promise.created_at, &zone),
            sort: promise.created_at,
            kind: "promise",
            label: t.get("promise.title").to_string(),
            text: format!("{} ({})", schedule.join(", "), promise.status),
            who: promise.username.unwrap_or_default(),
        });
    }
    for callback in records.callbacks {
        timeline.push(TimelineRow {
            at: local(callback.due_at, &zone),
            sort: callback.due_at,
            kind: "callback",
            label: t.get("callback.title").to_string(),
            text: callback.note.unwrap_or_default(),
            who: callback.username,
        });
    }
    for event in records.audit {
        let at = Timestamp::from_microsecond(event.recorded_at_us).unwrap_or(now);
        timeline.push(TimelineRow {
            at: local(at, &zone),
            sort: at,
            kind: "audit",
            label: event.action,
            text: event.reason,
            who: event.actor,
        });
    }
    timeline.sort_by_key(|row| std::cmp::Reverse(row.sort));

    let debtor_language = Language::parse(&view.language).unwrap_or(Language::En);
    let mut promise_rows = extras.promise_rows;
    if promise_rows.is_empty() {
        promise_rows = (1..=PROMISE_ROWS)
            .map(|index| PromiseRow {
                index,
                ..PromiseRow::default()
            })
            .collect();
    }
    let locked_by = records.locked_by.unwrap_or_default();
    // Sensitive identity: shown to the roles that may see it, masked for the others.
    let identity = state.app.identity(user, &view).await?;
    let none = t.get("identity.none").to_string();
    let dob = identity.date_of_birth.unwrap_or_else(|| none.clone());
    let ssn = identity.ssn_last4.unwrap_or(none);
    let money = crate::money::section(state, signed, &view, extras.money).await?;
    let page = AccountPage {
        money,
        dob,
        ssn,
        t,
        csrf: signed.0.csrf_token.clone(),
        username: user.username.clone(),
        query: String::new(),
        base: account_href(&view.creditor, &view.account_ref),
        account_ref: view.account_ref.clone(),
        version: view.version,
        debtor_name: view.debtor_name.clone(),
        debtor_language: match debtor_language {
            Language::En => "English",
            Language::Es => "Español",
        },
        local_time: local(now, &zone),
        state: view.state.clone().unwrap_or_default(),
        locked_by,
        flash: extras.flash,
        refusal: extras.refusal,
        errors: extras.errors,
        banner,
        zone_unknown: known.zones().basis == ZoneBasis::EveryUsZone,
        budget,
        validation,
        accounts,
        contact_points,
        dispositions,
        promise_rows,
        script_lang: debtor_language.code(),
        script_opening: i18n::script(
            "opening",
            debtor_language,
            &user.username,
            &view.debtor_name,
        ),
        script_miranda: i18n::script(
            "mini_miranda",
            debtor_language,
            &user.username,
            &view.debtor_name,
        ),
        timeline,
    };
    Ok((status, html(&page)?).into_response())
}

/// The reason a banner row or a refusal gives when the debtor's zone is unknown: the
/// answer holds wherever in the United States they may be.
fn zone_note(t: Words, asked: &Asked) -> Option<Reason> {
    (asked.zones.basis == ZoneBasis::EveryUsZone).then(|| Reason {
        rule: "time_zone_unknown".into(),
        citation: "12 CFR 1006.6(b)(1)(i)".into(),
        message: t.get("compliance.zone_unknown").to_string(),
    })
}

/// The compliance banner: per channel allowed now or not, why and when next; the Reg F
/// call budget; the validation notice.
fn banner_rows(
    t: Words,
    known: &app::contact::Known,
    channels: &[Asked],
    view: &AccountView,
    now: Timestamp,
    zone: &TimeZone,
) -> (Vec<ChannelRow>, String, String) {
    let when = |at: Option<Timestamp>| match at {
        Some(at) => local(at, zone),
        None => t.get("compliance.never").to_string(),
    };
    let banner = channels
        .iter()
        .map(|asked| {
            let action = asked.request.action;
            ChannelRow {
                code: action.code(),
                label: t.get(&format!("channel.{}", action.code())),
                allowed: asked.allowed(),
                reasons: reasons(asked),
                next: when(asked.answer.next_allowed_at),
            }
        })
        .collect();
    let budget = format!("{} / 7", known.calls_in_last_seven_days(now));
    let validation = match view.validation_notice_sent_at {
        None => t.get("validation.not_sent").to_string(),
        Some(sent) => {
            let sent_on = zone.to_datetime(sent).date();
            let ends = compliance::validation::validation_period(sent_on)
                .map(|period| period.ends_on.to_string())
                .unwrap_or_default();
            format!(
                "{} {sent_on}; {} {ends}",
                t.get("validation.sent"),
                t.get("validation.ends")
            )
        }
    };

    (banner, budget, validation)
}

#[derive(Template)]
#[template(path = "account.html", block = "banner")]
struct BannerFragment {
    t: Words,
    base: String,
    banner: Vec<ChannelRow>,
    /// Nothing on file tells the debtor's zone: the banner says the answers hold
    /// wherever in the fifty states and DC they may be.
    zone_unknown: bool,
    budget: String,
    validation: String,
}

/// The compliance banner alone (htmx refreshes it every minute: "allowed now" changes
/// with the debtor's clock).
pub async fn banner(
    State(state): State<AppState>,
    signed: Signed,
    Path((creditor, account_ref)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let (known, channels) = state.app.compliance_view(&view).await?;
    let zone = known.zones().display();
    let (banner, budget, validation) = banner_rows(
        words(user),
        &known,
        &channels,
        &view,
        state.app.now(),
        &zone,
    );
    let fragment = BannerFragment {
        t: words(user),
        base: account_href(&view.creditor, &view.account_ref),
        banner,
        zone_unknown: known.zones().basis == ZoneBasis::EveryUsZone,
        budget,
        validation,
    };
    Ok(html(&fragment)?.into_response())
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn account(
    State(state): State<AppState>,
    signed: Signed,
    Path((creditor, account_ref)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let view = visible_view(&state, signed.user(), &creditor, &account_ref).await?;
    let t = words(signed.user());
    let flash = match done.done.as_str() {
        "attempt" => t.get("attempt.logged"),
        "promise" => t.get("promise.recorded"),
        "flag" | "note" | "callback" => t.get("flags.saved"),
        "payment" => t.get("money.payment_posted"),
        "plan_active" => t.get("plan.active"),
        "plan_pending" => t.get("plan.pending"),
        "settlement_active" => t.get("settlement.active"),
        "settlement_pending" => t.get("settlement.pending"),
        "change_posted" => t.get("change.posted"),
        "change_pending" => t.get("change.pending"),
        "recalled" => t.get("recall.done"),
        _ => "",
    };
    let extras = Extras {
        flash: flash.to_string(),
        ..Extras::default()
    };
    account_page(&state, &signed, view, extras, StatusCode::OK).await
}

/// The account page again with the fields to correct (422); nothing was saved.
async fn refuse(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let extras = Extras {
        errors,
        ..Extras::default()
    };
    account_page(
        state,
        signed,
        view,
        extras,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub(crate) fn field(field: &str, t: Words, key: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: t.get(key).to_string(),
    }
}

/// A store refusal as the page shows it: a stale form in the user's words, others as
/// the store said.
fn store_refusal(error: AppError, t: Words, field_name: &str) -> Result<FieldError, AppError> {
    match error {
        AppError::Store(app::model::StoreError::Conflict(_)) => {
            Ok(field("version", t, "error.stale"))
        }
        AppError::Store(app::model::StoreError::Invalid(message)) => Ok(FieldError {
            field: field_name.into(),
            message,
        }),
        other => Err(other),
    }
}

async fn after_write(
    state: &AppState,
    signed: &Signed,
    creditor: &str,
    account_ref: &str,
    result: Result<(), AppError>,
    done: &str,
    field_name: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "{}?done={done}",
            account_href(creditor, account_ref)
        ))
        .into_response()),
        Err(error) => {
            let t = words(signed.user());
            let error = store_refusal(error, t, field_name)?;
            let status = if error.field == "version" {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let view = visible_view(state, signed.user(), creditor, account_ref).await?;
            let extras = Extras {
                errors: vec![error],
                ..Extras::default()
            };
            account_page(state, signed, view, extras, status).await
        }
    }
}

#[derive(Deserialize)]
pub struct AttemptForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    action: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    note: String,
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
fn refusal(t: Words, asked: &Asked) -> Refusal {
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
    let input = match parse_attempt(
        &form.action,
        &form.contact,
        &form.disposition,
        &form.note,
        form.version,
    ) {
        Ok(input) => input,
        Err(fields) => {
            let errors = fields.iter().map(|name| attempt_field(t, name)).collect();
            return refuse(&state, &signed, view, errors).await;
        }
    };
    let extras = match state.app.log_attempt(user, &view, &input).await {
        Ok(Attempted::Logged(_)) => {
            return after_write(
                &state,
                &signed,
                &creditor,
                &account_ref,
                Ok(()),
                "attempt",
                "note",
            )
            .await;
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
            )
            .await;
        }
        Ok(Attempted::Invalid(problems)) => Extras {
            errors: attempt_problems(t, &problems),
            ..Extras::default()
        },
        Ok(Attempted::Refused(asked)) => Extras {
            refusal: Some(refusal(t, &asked)),
            ..Extras::default()
        },
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
    csrf: String,
    version: i64,
    #[serde(default)]
    date_1: String,
    #[serde(default)]
    amount_1: String,
    #[serde(default)]
    date_2: String,
    #[serde(default)]
    amount_2: String,
    #[serde(default)]
    date_3: String,
    #[serde(default)]
    amount_3: String,
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
            .record_promise(user, &view, form.version, &lines)
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
                )
                .await;
            }
        }
    }
    let extras = Extras {
        errors,
        promise_rows: rows,
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

/// A promise's rows as typed: dates `YYYY-MM-DD`, amounts like `125.50` (a dot for the
/// cents, never a comma). Returns the lines that parse, the form rows to show again, and
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
        let parsed_date = row.date.parse::<Date>().ok();
        let parsed_amount = view.currency.parse_amount(&row.amount).ok();
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
fn promise_problems(
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
                    "error.date"
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
            };
            field(&problem.field(), t, key)
        })
        .collect()
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    body: String,
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
    let result = match state
        .app
        .add_note(user, &view, form.version, &form.body)
        .await
    {
        Ok(Err(NoteProblem)) => {
            let errors = vec![field("body", words(user), "error.note")];
            return refuse(&state, &signed, view, errors).await;
        }
        Ok(Ok(_)) => Ok(()),
        Err(error) => Err(error.into()),
    };
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "note",
        "body",
    )
    .await
}

#[derive(Deserialize)]
pub struct CallbackForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    at: String,
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
    let scheduled = match form.at.parse::<jiff::civil::DateTime>() {
        Ok(local) => {
            state
                .app
                .schedule_callback(user, &view, form.version, local, None)
                .await
        }
        Err(_) => Ok(Err(CallbackProblem)),
    };
    let result = match scheduled {
        Ok(Err(CallbackProblem)) => {
            return refuse(&state, &signed, view, vec![field("at", t, "error.when")]).await;
        }
        Ok(Ok(_)) => Ok(()),
        Err(error) => Err(error.into()),
    };
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "callback",
        "at",
    )
    .await
}

// ---------------------------------------------------------------- search

struct FoundRow {
    href: String,
    account_ref: String,
    creditor: String,
    debtor: String,
    status: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    t: Words,
    csrf: String,
    username: String,
    query: String,
    results: Vec<FoundRow>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let results = state
        .app
        .search(user, &query.q)
        .await?
        .into_iter()
        .map(|found| FoundRow {
            href: account_href(&found.creditor, &found.account_ref),
            account_ref: found.account_ref,
            creditor: found.creditor,
            debtor: found.debtor_name,
            status: found.status,
        })
        .collect();
    let page = SearchPage {
        t: words(user),
        csrf: signed.0.csrf_token.clone(),
        username: user.username.clone(),
        query: query.q,
        results,
    };
    Ok(html(&page)?.into_response())
}

// ---------------------------------------------------------------- disputes and flags

#[derive(Deserialize)]
pub struct DisputeForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    detail: String,
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
    let result = match state
        .app
        .log_dispute(user, &view, form.version, &form.detail)
        .await
    {
        Ok(Err(problem)) => {
            let errors = vec![hold_problem(words(user), problem)];
            return refuse(&state, &signed, view, errors).await;
        }
        Ok(Ok(())) => Ok(()),
        Err(error) => Err(error.into()),
    };
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "flag",
        "detail",
    )
    .await
}

#[derive(Deserialize)]
pub struct FlagForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    op: String,
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
    let saved = match domain::account::HoldKind::parse(&form.kind) {
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
    };
    let result = match saved {
        Ok(Err(problem)) => {
            let errors = vec![hold_problem(words(user), problem)];
            return refuse(&state, &signed, view, errors).await;
        }
        Ok(Ok(())) => Ok(()),
        Err(error) => Err(error.into()),
    };
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "flag",
        "evidence",
    )
    .await
}

// ---------------------------------------------------------------- supervisors

struct AgentRow {
    username: String,
    accounts_worked: i64,
    attempts: i64,
    right_party_contacts: i64,
    promises: i64,
    promised: String,
}

struct DisputeRow {
    href: String,
    label: String,
    debtor: String,
    placed: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    t: Words,
    csrf: String,
    username: String,
    query: String,
    today: String,
    flash: String,
    errors: Vec<FieldError>,
    agents: Vec<AgentRow>,
    disputes: Vec<DisputeRow>,
    approvals: Vec<crate::money::ApprovalRow>,
    kept_rates: Vec<KeptRow>,
}

struct KeptRow {
    username: String,
    kept: i64,
    broken: i64,
    rate: String,
}

async fn team_page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let today = state.today();
    let start = state
        .business_zone
        .to_timestamp(today.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let end = start
        .checked_add(jiff::Span::new().hours(24))
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let usd = domain::money::Currency::parse("USD").expect("USD is in the table");
    let day = state.app.team_day(user, start, end).await?;
    let agents = day
        .agents
        .into_iter()
        .map(|day| AgentRow {
            username: day.username,
            accounts_worked: day.accounts_worked,
            attempts: day.attempts,
            right_party_contacts: day.right_party_contacts,
            promises: day.promises,
            promised: usd.format(Amount::from_minor(day.promised_minor)),
        })
        .collect();
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
    let page = TeamPage {
        approvals,
        kept_rates,
        t: words(user),
        csrf: signed.0.csrf_token.clone(),
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
async fn team_refusal(
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

fn field_error(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.into(),
        message,
    }
}

pub async fn team(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    team_page(&state, &signed, String::new(), Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    creditor: String,
    #[serde(default)]
    account_ref: String,
    #[serde(default)]
    agent: String,
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
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
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

// ---------------------------------------------------------------- contact points

#[derive(Deserialize)]
pub struct ContactStatusForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    value: String,
    #[serde(default)]
    status: String,
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
    let result = match domain::party::ContactStatus::parse(&form.status) {
        Some(status) => state
            .app
            .set_contact_status(user, &view, form.version, &form.value, status)
            .await
            .map_err(AppError::from),
        None => Err(AppError::Store(app::model::StoreError::Invalid(
            "verified, bad or wrong_party".into(),
        ))),
    };
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "flag",
        "value",
    )
    .await
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    source: String,
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
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let Some(point) = app::workspace::NewPoint::parse(&form.kind, &form.value) else {
        return refuse(
            &state,
            &signed,
            view,
            vec![field("value", t, "error.contact_value")],
        )
        .await;
    };
    let result = state
        .app
        .add_contact(user, &view, form.version, point, &form.source)
        .await
        .map_err(AppError::from);
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "flag",
        "value",
    )
    .await
}
