//! The account page: the compliance banner, the debtor's accounts, contact points,
//! scripts, timeline and the money section; the banner alone for htmx.

use super::*;

// ---------------------------------------------------------------- the account page

pub(crate) struct AccountRow {
    pub(crate) href: String,
    pub(crate) account_ref: String,
    pub(crate) creditor: String,
    pub(crate) balance: String,
    pub(crate) principal: String,
    pub(crate) interest: String,
    pub(crate) fees: String,
    pub(crate) dpd: u32,
    pub(crate) bucket: String,
    pub(crate) status: String,
    pub(crate) flags: String,
    pub(crate) current: bool,
}

pub(crate) struct Reason {
    pub(crate) rule: String,
    pub(crate) citation: String,
    pub(crate) message: String,
}

pub(crate) struct ChannelRow {
    pub(crate) code: &'static str,
    pub(crate) label: &'static str,
    pub(crate) allowed: bool,
    pub(crate) reasons: Vec<Reason>,
    pub(crate) next: String,
}

pub(crate) struct Refusal {
    pub(crate) reasons: Vec<Reason>,
    pub(crate) next: String,
}

pub(crate) struct PointRow {
    pub(crate) kind: String,
    pub(crate) value: String,
    pub(crate) status: String,
    pub(crate) usable: bool,
}

pub(crate) struct DispositionRow {
    pub(crate) code: &'static str,
    pub(crate) label: &'static str,
    pub(crate) key: String,
}

pub(crate) struct TimelineRow {
    pub(crate) at: String,
    pub(crate) sort: Timestamp,
    pub(crate) kind: &'static str,
    pub(crate) label: String,
    pub(crate) text: String,
    pub(crate) who: String,
}

#[derive(Default)]
pub(crate) struct PromiseRow {
    pub(crate) index: usize,
    pub(crate) date: String,
    pub(crate) amount: String,
    pub(crate) date_error: bool,
    pub(crate) amount_error: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) base: String,
    pub(crate) account_ref: String,
    pub(crate) version: i64,
    pub(crate) debtor_name: String,
    pub(crate) debtor_language: &'static str,
    pub(crate) local_time: String,
    pub(crate) state: String,
    /// The debtor's address is only partly known: nothing is mailed to it.
    pub(crate) address_incomplete: bool,
    pub(crate) locked_by: String,
    pub(crate) flash: String,
    pub(crate) refusal: Option<Refusal>,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) banner: Vec<ChannelRow>,
    pub(crate) zone_unknown: bool,
    pub(crate) budget: String,
    pub(crate) validation: String,
    pub(crate) accounts: Vec<AccountRow>,
    pub(crate) contact_points: Vec<PointRow>,
    pub(crate) dispositions: Vec<DispositionRow>,
    pub(crate) promise_rows: Vec<PromiseRow>,
    pub(crate) script_lang: &'static str,
    pub(crate) dob: String,
    pub(crate) ssn: String,
    pub(crate) script_opening: String,
    pub(crate) script_miranda: String,
    pub(crate) timeline: Vec<TimelineRow>,
    pub(crate) money: crate::money::MoneySection,
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

pub(crate) fn reasons(asked: &Asked) -> Vec<Reason> {
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
        nav: crate::nav::Nav::of(signed.user()),
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
        address_incomplete: view.address_incomplete,
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
pub(crate) fn zone_note(t: Words, asked: &Asked) -> Option<Reason> {
    (asked.zones.basis == ZoneBasis::EveryUsZone).then(|| Reason {
        rule: "time_zone_unknown".into(),
        citation: "12 CFR 1006.6(b)(1)(i)".into(),
        message: t.get("compliance.zone_unknown").to_string(),
    })
}

/// The compliance banner: per channel allowed now or not, why and when next; the Reg F
/// call budget; the validation notice.
pub(crate) fn banner_rows(
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
pub(crate) struct BannerFragment {
    pub(crate) t: Words,
    pub(crate) base: String,
    pub(crate) banner: Vec<ChannelRow>,
    /// Nothing on file tells the debtor's zone: the banner says the answers hold
    /// wherever in the fifty states and DC they may be.
    pub(crate) zone_unknown: bool,
    pub(crate) budget: String,
    pub(crate) validation: String,
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
    pub(crate) done: String,
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
pub(crate) async fn refuse(
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

/// How a form on the account page is answered, whatever its use case: done → back to the
/// page saying so; the use case's problems (in the user's words) → the page again with
/// them (422); a store refusal (a stale form, an invalid value) → as [`after_write`]
/// shows it.
pub(crate) async fn answer_form<T>(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    outcome: Result<Result<T, Vec<FieldError>>, app::Error>,
    done: &str,
    field_name: &str,
) -> Result<Response, AppError> {
    let result = match outcome {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(errors)) => return refuse(state, signed, view, errors).await,
        Err(error) => Err(error.into()),
    };
    let (creditor, account_ref) = (view.creditor, view.account_ref);
    after_write(
        state,
        signed,
        &creditor,
        &account_ref,
        result,
        done,
        field_name,
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
pub(crate) fn store_refusal(
    error: AppError,
    t: Words,
    field_name: &str,
) -> Result<FieldError, AppError> {
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

pub(crate) async fn after_write(
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
