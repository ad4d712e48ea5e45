//! The agent workspace: sign-in, the work queue, the account page and what agents record
//! on it. Handlers stay thin: parse the form, check permission and CSRF, ask the store
//! (and the compliance engine), render.

use crate::AppState;
use crate::auth::{Permission, SESSION_COOKIE, Signed, same_site};
use crate::contact::{self, DISPOSITIONS, Facts};
use crate::error::{AppError, FieldError};
use crate::i18n::{self, Words};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use compliance::check::Answer;
use compliance::facts::Action;
use domain::money::Amount;
use domain::party::Language;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use store::sessions::{Login, SessionUser};
use store::view::AccountView;
use store::workspace::{NewAttempt, Seen};

/// Candidates looked at per "Next account" before giving up.
const NEXT_ACCOUNT_CANDIDATES: i64 = 50;
/// Rows of the promise form.
const PROMISE_ROWS: usize = 3;
/// The channels the compliance banner shows.
const CHANNELS: &[Action] = &[
    Action::Call,
    Action::Sms,
    Action::Email,
    Action::Letter,
    Action::Visit,
];

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

pub async fn login_page() -> Result<Html<String>, AppError> {
    html(&LoginPage {
        t: Words::new(Language::En),
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
    let t = Words::new(Language::En);
    let refused = |status: StatusCode, error: String| -> Result<Response, AppError> {
        let page = LoginPage {
            t,
            error,
            username: form.username.clone(),
        };
        Ok((status, html(&page)?).into_response())
    };
    match state.store.log_in(&form.username, &form.password).await? {
        Login::Ok { token, .. } => {
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                store::sessions::SESSION_HOURS * 3600
            );
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, cookie),
                    (header::LOCATION, "/queue".into()),
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
    state.store.log_out(&signed.0).await?;
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
    state
        .store
        .set_language(&user.actor(), user.id, other)
        .await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| referer.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|slash| rest[slash..].to_string()))
        .unwrap_or_else(|| "/queue".into());
    Ok(Redirect::to(&back).into_response())
}

pub async fn root() -> Redirect {
    Redirect::to("/queue")
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
    remaining: i64,
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
    let now = state.store.now();
    let remaining = state.store.queue_size(user, now).await?;
    let due = state.store.queue_candidates(user, now, 20).await?;
    let callbacks = due
        .iter()
        .filter(|candidate| candidate.callback_id.is_some())
        .map(|candidate| CallbackRow {
            href: account_href(&candidate.creditor, &candidate.account_ref),
            label: format!("{} {}", candidate.creditor, candidate.account_ref),
            due: String::new(),
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
    signed.require(Permission::WorkAccounts)?;
    queue_page(&state, &signed, String::new(), StatusCode::OK).await
}

fn account_href(creditor: &str, account_ref: &str) -> String {
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

/// Everything the compliance engine needs about one account, as of now.
struct Known {
    account_id: i64,
    account_ref: String,
    facts: store::dialer::ContactFacts,
    history: Vec<compliance::facts::HistoryEntry>,
}

async fn known(state: &AppState, creditor: &str, account_ref: &str) -> Result<Known, AppError> {
    let facts = state.store.contact_facts(creditor, account_ref).await?;
    let attempts = state.store.debtor_attempts(facts.account_id).await?;
    Ok(Known {
        account_id: facts.account_id,
        account_ref: facts.account_ref.clone(),
        history: contact::history(&attempts),
        facts,
    })
}

impl Known {
    /// The consumer's zones if contacted at `phone` (or through no number at all).
    fn zones(&self, phone: Option<&str>) -> Vec<TimeZone> {
        contact::zones_now(&self.facts.time_zones, self.facts.state.as_deref(), phone)
    }

    fn first_phone(&self) -> Option<&str> {
        self.facts
            .contact_points
            .iter()
            .find(|(kind, _, status)| kind.starts_with("phone_") && usable(status))
            .map(|(_, value, _)| value.as_str())
    }

    fn request(
        &self,
        at: Timestamp,
        action: Action,
        point: Option<(&str, &str)>,
        validation_notice_sent_at: Option<Timestamp>,
    ) -> Option<compliance::check::Request> {
        let phone = point
            .map(|(_, value)| value)
            .filter(|value| value.starts_with('+'));
        let zones = self.zones(phone.or(self.first_phone()));
        if zones.is_empty() {
            return None;
        }
        let facts = Facts {
            account_ref: &self.account_ref,
            time_zones: zones,
            state: self.facts.state.clone(),
            holds: &self.facts.holds,
            dispute_placed_at_us: self.facts.dispute_placed_at_us,
            validation_notice_sent_at,
            history: self.history.clone(),
        };
        Some(facts.request(at, action, point.map(|(kind, _)| contact::point_kind(kind))))
    }
}

fn usable(status: &str) -> bool {
    !matches!(status, "bad" | "wrong_party")
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
    signed.require(Permission::WorkAccounts)?;
    let user = signed.user();
    let now = state.store.now();
    let candidates = state
        .store
        .queue_candidates(user, now, NEXT_ACCOUNT_CANDIDATES)
        .await?;
    for candidate in candidates {
        let known = known(&state, &candidate.creditor, &candidate.account_ref).await?;
        let Some(request) = known.request(now, Action::Call, None, None) else {
            continue;
        };
        if !state.rules.check(&request).allowed() {
            continue;
        }
        if state.store.try_lock(user, known.account_id, now).await? {
            return Ok(
                Redirect::to(&account_href(&candidate.creditor, &candidate.account_ref))
                    .into_response(),
            );
        }
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

struct Refusal {
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
struct PromiseRow {
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
    budget: String,
    validation: String,
    accounts: Vec<AccountRow>,
    contact_points: Vec<PointRow>,
    dispositions: Vec<DispositionRow>,
    promise_rows: Vec<PromiseRow>,
    script_lang: &'static str,
    script_opening: String,
    script_miranda: String,
    timeline: Vec<TimelineRow>,
}

impl AccountPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|error| error.field == field)
    }
}

/// What a re-rendered page carries besides the account itself.
#[derive(Default)]
struct Extras {
    flash: String,
    refusal: Option<Refusal>,
    errors: Vec<FieldError>,
    promise_rows: Vec<PromiseRow>,
}

fn reasons(answer: &Answer) -> Vec<Reason> {
    answer
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
async fn visible_view(
    state: &AppState,
    user: &SessionUser,
    creditor: &str,
    account_ref: &str,
) -> Result<AccountView, AppError> {
    let today = state.today();
    let view = state
        .store
        .account_view(creditor, account_ref, today)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.may_see_creditor(view.creditor_id) {
        return Err(AppError::NotFound);
    }
    Ok(view)
}

async fn account_page(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    extras: Extras,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = words(user);
    let now = state.store.now();
    let known = known(state, &view.creditor, &view.account_ref).await?;
    let zones = known.zones(known.first_phone());
    let zone = zones.first().cloned().unwrap_or(TimeZone::UTC);
    let when = |at: Option<Timestamp>| match at {
        Some(at) => local(at, &zone),
        None => t.get("compliance.never").to_string(),
    };

    let mut banner = Vec::new();
    for action in CHANNELS {
        let point = match action {
            Action::Email => known
                .facts
                .contact_points
                .iter()
                .find(|(kind, _, status)| kind == "email" && usable(status)),
            Action::Letter | Action::Visit => None,
            _ => known
                .facts
                .contact_points
                .iter()
                .find(|(kind, _, status)| kind.starts_with("phone_") && usable(status)),
        }
        .map(|(kind, value, _)| (kind.as_str(), value.as_str()));
        let label = t.get(&format!("channel.{}", action.code()));
        let Some(request) = known.request(now, *action, point, view.validation_notice_sent_at)
        else {
            banner.push(ChannelRow {
                code: action.code(),
                label,
                allowed: false,
                reasons: vec![Reason {
                    rule: "time_zone_unknown".into(),
                    citation: "12 CFR 1006.6(b)(1)(i)".into(),
                    message: "the debtor's local time is unknown".into(),
                }],
                next: t.get("compliance.never").into(),
            });
            continue;
        };
        let answer = state.rules.check(&request);
        banner.push(ChannelRow {
            code: action.code(),
            label,
            allowed: answer.allowed(),
            reasons: reasons(&answer),
            next: when(answer.next_allowed_at),
        });
    }
    let budget = format!(
        "{} / 7",
        contact::calls_in_last_seven_days(&known.history, &view.account_ref, now, &zone)
    );
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

    let mut accounts = Vec::new();
    for (creditor_id, creditor, account_ref) in
        state.store.debtor_account_refs(view.debtor_id).await?
    {
        if !user.may_see_creditor(creditor_id) {
            continue;
        }
        let sibling = if account_ref == view.account_ref && creditor == view.creditor {
            None
        } else {
            state
                .store
                .account_view(&creditor, &account_ref, state.today())
                .await?
        };
        let row = sibling.as_ref().unwrap_or(&view);
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
            current: sibling.is_none(),
        });
    }

    let contact_points = view
        .contact_points
        .iter()
        .map(|point| PointRow {
            kind: point.kind.clone(),
            value: point.value.clone(),
            status: point.status.clone(),
            usable: usable(&point.status),
        })
        .collect();
    let dispositions = DISPOSITIONS
        .iter()
        .enumerate()
        .map(|(index, (code, _))| DispositionRow {
            code,
            label: t.get(&format!("disposition.{code}")),
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
    for attempt in state.store.debtor_attempts(view.account_id).await? {
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
    for note in state.store.notes(view.account_id).await? {
        timeline.push(TimelineRow {
            at: local(note.at, &zone),
            sort: note.at,
            kind: "note",
            label: t.get("attempt.note").to_string(),
            text: note.body,
            who: note.username.unwrap_or_default(),
        });
    }
    for promise in state.store.promises(view.account_id).await? {
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
    for callback in state.store.callbacks(view.account_id).await? {
        timeline.push(TimelineRow {
            at: local(callback.due_at, &zone),
            sort: callback.due_at,
            kind: "callback",
            label: t.get("callback.title").to_string(),
            text: callback.note.unwrap_or_default(),
            who: callback.username,
        });
    }
    let key = format!("{}/{}", view.creditor, view.account_ref);
    for event in state.store.audit_log(Some(&key), 50).await? {
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
    let locked_by = state
        .store
        .locked_by_other(user, view.account_id, now)
        .await?
        .unwrap_or_default();
    let page = AccountPage {
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
    signed.require(Permission::ViewAccounts)?;
    let view = visible_view(&state, signed.user(), &creditor, &account_ref).await?;
    let t = words(signed.user());
    let flash = match done.done.as_str() {
        "attempt" => t.get("attempt.logged"),
        "promise" => t.get("promise.recorded"),
        _ => "",
    };
    let extras = Extras {
        flash: flash.to_string(),
        ..Extras::default()
    };
    account_page(&state, &signed, view, extras, StatusCode::OK).await
}

fn field(field: &str, t: Words, key: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: t.get(key).to_string(),
    }
}

/// A store refusal as the page shows it: a stale form in the user's words, others as
/// the store said.
fn store_refusal(error: AppError, t: Words, field_name: &str) -> Result<FieldError, AppError> {
    match error {
        AppError::Store(store::StoreError::Conflict(_)) => Ok(field("version", t, "error.stale")),
        AppError::Store(store::StoreError::Invalid(message)) => Ok(FieldError {
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

/// Logs a contact attempt, asking the compliance engine first: a refusal is recorded in
/// the decision log and shown with its rules; nothing else is saved.
pub async fn log_attempt(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<AttemptForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    signed.require(Permission::WorkAccounts)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let action = if form.action.is_empty() {
        Some(Action::Call)
    } else {
        Action::parse(&form.action).filter(|action| action.is_communication())
    };
    let mut errors = Vec::new();
    let outcome = action.and_then(|action| contact::outcome_of(&form.disposition, action));
    if outcome.is_none() {
        errors.push(field("disposition", t, "error.disposition"));
    }
    let point = view
        .contact_points
        .iter()
        .find(|point| point.value == form.contact && usable(&point.status));
    let needs_point = !matches!(action, Some(Action::Letter | Action::Visit));
    if needs_point && point.is_none() {
        errors.push(field("contact", t, "error.contact"));
    }
    if form.note.chars().count() > store::workspace::NOTE_LENGTH_MAX {
        errors.push(field("note", t, "error.note"));
    }
    let (Some(action), Some(outcome), true) = (action, outcome, errors.is_empty()) else {
        let extras = Extras {
            errors,
            ..Extras::default()
        };
        return account_page(
            &state,
            &signed,
            view,
            extras,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let now = state.store.now();
    let known = known(&state, &creditor, &account_ref).await?;
    let point = point.map(|point| (point.kind.as_str(), point.value.as_str()));
    let Some(request) = known.request(now, action, point, view.validation_notice_sent_at) else {
        let extras = Extras {
            refusal: Some(Refusal {
                reasons: vec![Reason {
                    rule: "time_zone_unknown".into(),
                    citation: "12 CFR 1006.6(b)(1)(i)".into(),
                    message: "the debtor's local time is unknown".into(),
                }],
                next: t.get("compliance.never").into(),
            }),
            ..Extras::default()
        };
        return account_page(
            &state,
            &signed,
            view,
            extras,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let answer = state.rules.check(&request);
    let decision = contact::decision(
        known.account_id,
        "agent",
        point.map(|(_, value)| value.to_string()),
        &request,
        &answer,
    );
    if !answer.allowed() {
        state.store.record_refusal(user, &decision).await?;
        let zone = request
            .consumer
            .time_zones
            .first()
            .cloned()
            .unwrap_or(TimeZone::UTC);
        let extras = Extras {
            refusal: Some(Refusal {
                reasons: reasons(&answer),
                next: answer
                    .next_allowed_at
                    .map(|at| local(at, &zone))
                    .unwrap_or_else(|| t.get("compliance.never").into()),
            }),
            ..Extras::default()
        };
        return account_page(
            &state,
            &signed,
            view,
            extras,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let attempt = NewAttempt {
        at: now,
        action: action.code().into(),
        contact_point: point.map(|(_, value)| value.to_string()),
        direction: "outbound".into(),
        recipient: "consumer".into(),
        outcome: outcome.code().into(),
        disposition: form.disposition.clone(),
        note: Some(form.note.trim().to_string()).filter(|note| !note.is_empty()),
    };
    let seen = Seen {
        creditor: &creditor,
        account_ref: &account_ref,
        version: form.version,
    };
    let result = state
        .store
        .record_attempt(user, seen, &attempt, &decision)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "attempt",
        "note",
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
    signed.require(Permission::WorkAccounts)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let today = state.today();
    let given = [
        (&form.date_1, &form.amount_1),
        (&form.date_2, &form.amount_2),
        (&form.date_3, &form.amount_3),
    ];
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut payments: Vec<(Date, Amount)> = Vec::new();
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
        let parsed_date = row.date.parse::<Date>().ok().filter(|date| *date >= today);
        let parsed_amount = view
            .currency
            .parse_amount(&row.amount)
            .ok()
            .filter(|amount| amount.is_positive());
        if parsed_date.is_none() {
            row.date_error = true;
            errors.push(field(&format!("date_{index}"), t, "error.date"));
        }
        if parsed_amount.is_none() {
            row.amount_error = true;
            errors.push(field(&format!("amount_{index}"), t, "error.amount"));
        }
        if let (Some(date), Some(amount)) = (parsed_date, parsed_amount) {
            payments.push((date, amount));
        }
        rows.push(row);
    }
    if payments.is_empty() && errors.is_empty() {
        rows[0].date_error = true;
        rows[0].amount_error = true;
        errors.push(field("date_1", t, "error.date"));
    }
    let total = Amount::checked_sum(payments.iter().map(|(_, amount)| *amount));
    if errors.is_empty() && total.is_none_or(|total| total > view.balance()) {
        for row in rows.iter_mut().filter(|row| !row.amount.is_empty()) {
            row.amount_error = true;
        }
        errors.push(field("amount_1", t, "error.amount_above_balance"));
    }
    if !errors.is_empty() {
        let extras = Extras {
            errors,
            promise_rows: rows,
            ..Extras::default()
        };
        return account_page(
            &state,
            &signed,
            view,
            extras,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    payments.sort_by_key(|(date, _)| *date);
    let seen = Seen {
        creditor: &creditor,
        account_ref: &account_ref,
        version: form.version,
    };
    let result = state
        .store
        .record_promise(user, seen, today, &payments)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after_write(
        &state,
        &signed,
        &creditor,
        &account_ref,
        result,
        "promise",
        "date_1",
    )
    .await
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
    signed.require(Permission::WorkAccounts)?;
    let user = signed.user();
    visible_view(&state, user, &creditor, &account_ref).await?;
    let seen = Seen {
        creditor: &creditor,
        account_ref: &account_ref,
        version: form.version,
    };
    let result = state
        .store
        .add_note(user, seen, &form.body)
        .await
        .map(|_| ())
        .map_err(AppError::from);
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
    signed.require(Permission::WorkAccounts)?;
    let user = signed.user();
    let t = words(user);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let zone = contact::zones_now(&view.time_zones, view.state.as_deref(), None)
        .first()
        .cloned()
        .unwrap_or(TimeZone::UTC);
    let due_at = form
        .at
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|local| zone.to_timestamp(local).ok());
    let Some(due_at) = due_at else {
        let extras = Extras {
            errors: vec![field("at", t, "error.when")],
            ..Extras::default()
        };
        return account_page(
            &state,
            &signed,
            view,
            extras,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let seen = Seen {
        creditor: &creditor,
        account_ref: &account_ref,
        version: form.version,
    };
    let result = state
        .store
        .schedule_callback(user, seen, due_at, None)
        .await
        .map(|_| ())
        .map_err(AppError::from);
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
    signed.require(Permission::ViewAccounts)?;
    let user = signed.user();
    let results = state
        .store
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
