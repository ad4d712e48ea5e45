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
    /// The value as people read it (`(617) 555-0123`).
    pub(crate) shown: String,
    /// `tel:` target and the dialer hook's number (E.164), empty for email.
    pub(crate) dial: String,
    pub(crate) status: String,
    /// Usable and a phone: what the attempt form offers as the number called (a call
    /// never goes to an email address).
    pub(crate) dialable: bool,
}

pub(crate) struct DispositionRow {
    pub(crate) code: &'static str,
    pub(crate) label: &'static str,
    pub(crate) key: String,
}

pub(crate) struct TimelineRow {
    /// In the agent's (business) zone.
    pub(crate) at: String,
    /// The same instant on the debtor's wall clock (shown on hover).
    pub(crate) debtor_at: String,
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

/// The sticky summary's running arrangement: a promise, plan or settlement.
pub(crate) struct Running {
    pub(crate) kind: String,
    pub(crate) status: String,
    /// Broken or waiting for approval: shown as a warning.
    pub(crate) warn: bool,
    pub(crate) next_due: String,
}

/// The right-party check as the page shows it.
#[derive(Default)]
pub(crate) struct VerificationShown {
    /// The last check of this account, if any: when, by whom, which fields matched.
    pub(crate) summary: String,
    pub(crate) verified: bool,
    /// Per field just checked: (field, matched).
    pub(crate) fields: Vec<(&'static str, bool)>,
}

impl VerificationShown {
    pub(crate) fn result(&self, field: &str) -> Option<bool> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, matched)| *matched)
    }
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
    pub(crate) creditor: String,
    pub(crate) version: i64,
    pub(crate) debtor_name: String,
    pub(crate) debtor_language: &'static str,
    pub(crate) local_time: String,
    pub(crate) state: String,
    /// The debtor's address is only partly known: nothing is mailed to it.
    pub(crate) address_incomplete: bool,
    pub(crate) address: Vec<String>,
    pub(crate) locked_by: String,
    pub(crate) flash: String,
    pub(crate) refusal: Option<Refusal>,
    pub(crate) errors: Vec<FieldError>,
    /// The form that was sent and refused (`attempt`, `promise`, …), empty otherwise.
    pub(crate) form: &'static str,
    /// What was typed in it, by `form.field`.
    pub(crate) typed: Vec<(String, String)>,
    pub(crate) banner: Vec<ChannelRow>,
    pub(crate) zone_unknown: bool,
    pub(crate) budget: String,
    pub(crate) validation: String,
    // The sticky summary.
    pub(crate) status: String,
    pub(crate) holds: Vec<String>,
    pub(crate) balance: String,
    pub(crate) total_balance: String,
    pub(crate) running: Option<Running>,
    pub(crate) last_payment: String,
    pub(crate) dpd: u32,
    pub(crate) bucket: String,
    pub(crate) placed_on: String,
    pub(crate) charged_off_on: String,
    pub(crate) original_creditor: String,
    pub(crate) accounts: Vec<AccountRow>,
    pub(crate) combined_payoff: String,
    pub(crate) contact_points: Vec<PointRow>,
    pub(crate) dispositions: Vec<DispositionRow>,
    pub(crate) promise_rows: Vec<PromiseRow>,
    pub(crate) today: String,
    pub(crate) script_lang: &'static str,
    pub(crate) dob: String,
    pub(crate) ssn: String,
    pub(crate) verification: VerificationShown,
    pub(crate) script_opening: String,
    pub(crate) script_miranda: String,
    /// Offers within the agent's authority and the creditor's policy, per tab.
    pub(crate) offers: crate::workspace::desk::Offers,
    pub(crate) timeline: Vec<TimelineRow>,
    pub(crate) money: crate::money::MoneySection,
    /// Letters and uploads, the upload form, evidence and the evidence package.
    pub(crate) documents: crate::documents::DocumentsPanel,
}

impl AccountPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|error| error.field == field)
    }

    fn error_for(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|error| error.field == field)
    }

    /// The attributes of a field: invalid, described by its message, and focused when
    /// it is the first to correct (identifiers only: no user text, safe unescaped).
    fn invalid(&self, field: &str) -> String {
        let refused_here = field == "contact" && self.refusal.is_some();
        if !self.has_error(field) && !refused_here {
            return String::new();
        }
        let described = if refused_here {
            "refusal".to_string()
        } else {
            format!("err-{field}")
        };
        let first = self.refusal.is_some() && field == "contact"
            || self.refusal.is_none()
                && self
                    .errors
                    .first()
                    .is_some_and(|error| error.field == field);
        format!(
            " aria-invalid=\"true\" aria-describedby=\"{described}\"{}",
            if first { " autofocus" } else { "" }
        )
    }

    /// What the agent typed in `form`'s `field` before a refusal.
    fn typed(&self, key: &str) -> &str {
        self.typed
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// The wrap-up's "who chose this time?" as sent back: what the agent chose, else what
    /// the disposition they chose means (`app::queue::requested_by_default`), else none
    /// chosen (the server decides from the disposition; the page's script shows it).
    fn wrap_who(&self) -> &'static str {
        match self.typed("attempt.requested_by_debtor") {
            "yes" => "yes",
            "no" => "no",
            _ => match Disposition::parse(self.typed("attempt.disposition")) {
                Some(disposition) if app::queue::requested_by_default(Some(disposition)) => "yes",
                Some(_) => "no",
                None => "",
            },
        }
    }

    /// The tab open first: the one whose form was refused, else the promise.
    fn tab_open(&self, tab: &str) -> bool {
        match self.form {
            "payment" | "plan" | "settlement" | "promise" => self.form == tab,
            _ => tab == "promise",
        }
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
    pub(crate) sent: Sent,
}

/// The form a refused request came from and what was typed in it, shown again.
#[derive(Default)]
pub(crate) struct Sent {
    pub(crate) form: &'static str,
    pub(crate) typed: Vec<(String, String)>,
}

impl Sent {
    pub(crate) fn new(form: &'static str, typed: &[(&str, &str)]) -> Sent {
        Sent {
            form,
            typed: typed
                .iter()
                .map(|(field, value)| (format!("{form}.{field}"), value.to_string()))
                .collect(),
        }
    }
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

/// Audit events whose record the timeline already shows as its own row.
const SHOWN_AS_RECORDS: &[&str] = &[
    "account.attempt",
    "account.note",
    "account.promise",
    "account.callback",
    "payments.post",
    // A queued message is its attempt row (messages).
    "message.queued",
    // An inbound reply is its query row (messages), with its text.
    "query.received",
];

/// What an audit event on the timeline says, in the page's language: the words Arrears
/// wrote (a right-party check's outcome, a reason code, a dispute's outcome, the fixed
/// reasons of `labels.rs`) translated; what a person typed (a note, evidence) as typed.
fn event_text(t: Words, event: &app::model::audit::AuditEntry) -> String {
    if event.action == "account.verification" {
        let verified = event
            .after_json
            .as_deref()
            .is_some_and(|after| after.contains("\"verified\":true"));
        return t
            .get(if verified {
                "desk.verified_at"
            } else {
                "desk.not_verified_at"
            })
            .to_string();
    }
    if event.action == "dispute.resolved"
        && let Some((outcome, note)) = event.reason.split_once(": ")
    {
        return format!("{}: {note}", t.label("resolved", outcome));
    }
    let reason_code = t.label("reason_code", &event.reason);
    if reason_code != event.reason {
        return reason_code;
    }
    t.label("reason", &event.reason)
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
    let agent_zone = &state.business_zone;
    let (banner, budget, validation) = banner_rows(t, &known, &channels, &view, now, &zone);

    let records = state.app.account_records(user, &view).await?;
    let mut accounts = Vec::new();
    let mut combined = Some(Amount::ZERO);
    for row in &records.accounts {
        let money = |amount: Amount| row.currency.display(amount);
        combined = match (combined, row.currency == view.currency) {
            (Some(sum), true) => sum.checked_add(row.balance()),
            _ => None,
        };
        accounts.push(AccountRow {
            href: account_href(&row.creditor, &row.account_ref),
            account_ref: row.account_ref.clone(),
            creditor: row.creditor.clone(),
            balance: money(row.balance()),
            principal: money(row.balances.principal),
            interest: money(row.balances.interest),
            fees: money(row.balances.fees),
            dpd: row.days_past_due,
            bucket: t.label("bucket", &row.aging_bucket),
            status: t.label("status", row.status.code()),
            flags: row
                .holds
                .iter()
                .map(|hold| t.label("hold", hold.code()))
                .collect::<Vec<_>>()
                .join(", "),
            current: row.account_id == view.account_id,
        });
    }

    let contact_points = view
        .contact_points
        .iter()
        .map(|point| {
            let phone = domain::party::PhoneNumber::parse(&point.value);
            PointRow {
                kind: t.label("contact_kind", &point.kind),
                value: point.value.clone(),
                shown: phone
                    .as_ref()
                    .map(|phone| phone.display())
                    .unwrap_or_else(|| point.value.clone()),
                dial: phone.map(|phone| phone.to_string()).unwrap_or_default(),
                status: t.label("contact_status", &point.status),
                dialable: domain::party::ContactStatus::parse(&point.status)
                    .is_some_and(|status| status.is_usable())
                    && domain::party::ContactKind::parse(&point.kind)
                        .is_some_and(|kind| kind.is_phone()),
            }
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

    let row =
        |at: Timestamp, kind: &'static str, label: String, text: String, who: String| TimelineRow {
            at: local(at, agent_zone),
            debtor_at: local(at, &zone),
            sort: at,
            kind,
            label,
            text,
            who,
        };
    let mut timeline = Vec::new();
    for entry in &view.entries {
        timeline.push(row(
            entry.recorded_at,
            "ledger",
            t.label("entry", entry.reason.code()),
            format!(
                "{} ({})",
                view.currency
                    .display(entry.amounts.total().unwrap_or(Amount::ZERO)),
                entry.effective_on
            ),
            String::new(),
        ));
    }
    // Read once with the compliance facts above, not again for the timeline.
    for attempt in known.attempts.iter().cloned() {
        if attempt.account_id != view.account_id {
            continue;
        }
        let disposition = t.get(&format!("disposition.{}", attempt.disposition));
        let point = attempt.contact_point.map(|point| {
            domain::party::PhoneNumber::parse(&point)
                .map(|phone| phone.display())
                .unwrap_or(point)
        });
        timeline.push(row(
            attempt.at,
            "attempt",
            t.get(&format!("channel.{}", attempt.action)).to_string(),
            format!(
                "{disposition}{}{}",
                point.map(|point| format!(" · {point}")).unwrap_or_default(),
                attempt
                    .note
                    .map(|note| format!(" · {note}"))
                    .unwrap_or_default()
            ),
            attempt.username.unwrap_or_default(),
        ));
    }
    for note in records.notes {
        timeline.push(row(
            note.at,
            "note",
            t.get("attempt.note").to_string(),
            note.body,
            note.username.unwrap_or_default(),
        ));
    }
    let mut running = None;
    for promise in &records.promises {
        let schedule: Vec<String> = promise
            .payments
            .iter()
            .map(|(due_on, minor)| {
                format!(
                    "{} {due_on}",
                    view.currency.display(Amount::from_minor(*minor))
                )
            })
            .collect();
        if promise.status != "kept" {
            let next = promise
                .payments
                .iter()
                .find(|(due_on, _)| *due_on >= state.today())
                .or(promise.payments.last());
            running = Some(Running {
                kind: t.get("promise.title").to_string(),
                status: t.label("promise_status", &promise.status),
                warn: promise.status == "broken",
                next_due: next
                    .map(|(due_on, minor)| {
                        format!(
                            "{} {due_on}",
                            view.currency.display(Amount::from_minor(*minor))
                        )
                    })
                    .unwrap_or_default(),
            });
        }
        timeline.push(row(
            promise.created_at,
            "promise",
            t.get("promise.title").to_string(),
            format!(
                "{} ({})",
                schedule.join(", "),
                t.label("promise_status", &promise.status)
            ),
            promise.username.clone().unwrap_or_default(),
        ));
    }
    for callback in records.callbacks {
        timeline.push(row(
            callback.due_at,
            "callback",
            t.get("callback.title").to_string(),
            callback.note.unwrap_or_default(),
            callback.username,
        ));
    }
    for query in state.app.account_queries(user, &view).await? {
        let (at, text) = crate::messages::timeline_query(t, &query, agent_zone);
        timeline.push(row(
            at,
            "query",
            t.get(&format!("timeline.query.{}", query.channel))
                .to_string(),
            text,
            query.from_value.clone(),
        ));
    }
    for event in records.audit {
        if SHOWN_AS_RECORDS.contains(&event.action.as_str()) {
            continue;
        }
        let at = Timestamp::from_microsecond(event.recorded_at_us).unwrap_or(now);
        timeline.push(row(
            at,
            "audit",
            t.label("event", &event.action),
            event_text(t, &event),
            event.actor.clone(),
        ));
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
    let desk = crate::workspace::desk::facts(state, user, &view).await?;
    let money = crate::money::section(state, signed, &view, extras.money).await?;
    let documents = crate::documents::panel(state, user, &view).await?;
    // A plan or settlement running outranks a promise in the summary.
    if let Some(arrangement) = money.arrangements.iter().find(|arrangement| {
        matches!(
            arrangement.status.as_str(),
            "active" | "pending_approval" | "broken"
        )
    }) {
        running = Some(Running {
            kind: arrangement.kind.clone(),
            status: t.label("arrangement_status", &arrangement.status),
            warn: arrangement.status != "active",
            next_due: arrangement
                .dues
                .iter()
                .find(|due| due.state != "paid")
                .map(|due| format!("{} {}", due.amount, due.due_on))
                .unwrap_or_default(),
        });
    }
    let last_payment = money
        .payments
        .iter()
        .filter(|payment| payment.returned.is_empty())
        .max_by(|a, b| a.paid_on.cmp(&b.paid_on))
        .map(|payment| format!("{} {}", payment.amount, payment.paid_on))
        .unwrap_or_default();
    let mut errors = extras.errors;
    for error in errors.iter_mut().filter(|error| error.field == "version") {
        error.message = stale_message(t, &timeline);
    }
    let agent_name = desk.agent_name.clone();
    let page = AccountPage {
        dob,
        ssn,
        t,
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        base: account_href(&view.creditor, &view.account_ref),
        account_ref: view.account_ref.clone(),
        creditor: view.creditor.clone(),
        version: view.version,
        debtor_name: view.debtor_name.clone(),
        debtor_language: match debtor_language {
            Language::En => "English",
            Language::Es => "Español",
        },
        local_time: local(now, &zone),
        state: view.state.clone().unwrap_or_default(),
        address_incomplete: view.address_incomplete,
        address: desk.address,
        locked_by,
        flash: extras.flash,
        refusal: extras.refusal,
        errors,
        form: extras.sent.form,
        typed: extras.sent.typed,
        banner,
        zone_unknown: known.zones().basis == ZoneBasis::EveryUsZone,
        budget,
        validation,
        status: t.label("status", view.status.code()),
        holds: view
            .holds
            .iter()
            .map(|hold| t.label("hold", hold.code()))
            .collect(),
        balance: view.currency.display(view.balance()),
        total_balance: combined
            .map(|sum| view.currency.display(sum))
            .unwrap_or_default(),
        running,
        last_payment,
        dpd: view.days_past_due,
        bucket: t.label("bucket", &view.aging_bucket),
        placed_on: view.placed_on.to_string(),
        charged_off_on: view
            .charge_off_date
            .map(|date| date.to_string())
            .unwrap_or_default(),
        original_creditor: view.original_creditor.clone().unwrap_or_default(),
        combined_payoff: if accounts.len() > 1 {
            combined
                .map(|sum| view.currency.display(sum))
                .unwrap_or_default()
        } else {
            String::new()
        },
        accounts,
        contact_points,
        dispositions,
        promise_rows,
        today: state.today().to_string(),
        script_lang: debtor_language.code(),
        verification: desk.verification,
        offers: desk.offers,
        script_opening: i18n::script("opening", debtor_language, &agent_name, &view.debtor_name),
        script_miranda: i18n::script(
            "mini_miranda",
            debtor_language,
            &agent_name,
            &view.debtor_name,
        ),
        timeline,
        money,
        documents,
    };
    Ok((status, html(&page)?).into_response())
}

/// A stale form: what changed (the newest thing on the timeline), and that what was
/// typed is kept on the page, which already shows the account as it is now.
fn stale_message(t: Words, timeline: &[TimelineRow]) -> String {
    // The newest change; at the same instant, what someone did before the ledger line.
    let latest = timeline
        .iter()
        .max_by_key(|row| (row.sort, row.kind != "ledger"))
        .map(|row| {
            let who = if row.who.is_empty() {
                String::new()
            } else {
                format!(" — {}", row.who)
            };
            format!(
                " {}: {} {} ({}){who}.",
                t.get("desk.latest"),
                row.label,
                row.text,
                row.at
            )
        })
        .unwrap_or_default();
    format!(
        "{}{latest} {}",
        t.get("desk.stale"),
        t.get("desk.stale_kept")
    )
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
        "attempt_queue_empty" => t.get("desk.queue_empty"),
        "promise" => t.get("promise.recorded"),
        "flag" | "note" | "callback" => t.get("flags.saved"),
        "callback_outside_hours" => t.get("queue.callback_outside_hours"),
        "payment" => t.get("money.payment_posted"),
        "plan_active" => t.get("plan.active"),
        "plan_pending" => t.get("plan.pending"),
        "settlement_active" => t.get("settlement.active"),
        "settlement_pending" => t.get("settlement.pending"),
        "change_posted" => t.get("change.posted"),
        "change_pending" => t.get("change.pending"),
        "recalled" => t.get("recall.done"),
        "verified" => t.get("desk.verified_flash"),
        "not_verified" => t.get("desk.not_verified_flash"),
        "uploaded" => t.get("documents.uploaded"),
        "duplicate" => t.get("documents.duplicate"),
        "attached" => t.get("documents.attached"),
        "detached" => t.get("documents.detached"),
        _ => "",
    };
    let extras = Extras {
        flash: flash.to_string(),
        ..Extras::default()
    };
    account_page(&state, &signed, view, extras, StatusCode::OK).await
}

/// The account page again with the fields to correct (422) and what was typed; nothing
/// was saved.
pub(crate) async fn refuse(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    errors: Vec<FieldError>,
    sent: Sent,
) -> Result<Response, AppError> {
    let extras = Extras {
        errors,
        sent,
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
/// page saying so (303); the use case's problems (in the user's words) → the page again
/// with them and what was typed (422); a store refusal (a stale form, an invalid value)
/// → as [`after_write`] shows it.
pub(crate) async fn answer_form<T>(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    outcome: Result<Result<T, Vec<FieldError>>, app::Error>,
    done: &str,
    field_name: &str,
    sent: Sent,
) -> Result<Response, AppError> {
    let result = match outcome {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(errors)) => return refuse(state, signed, view, errors, sent).await,
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
        sent,
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

/// Back to the account page after a write (303 See Other, so a refresh never sends the
/// form again), naming what was done for the one-time notice.
pub(crate) fn done_redirect(creditor: &str, account_ref: &str, done: &str) -> Response {
    Redirect::to(&format!(
        "{}?done={done}",
        account_href(creditor, account_ref)
    ))
    .into_response()
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn after_write(
    state: &AppState,
    signed: &Signed,
    creditor: &str,
    account_ref: &str,
    result: Result<(), AppError>,
    done: &str,
    field_name: &str,
    sent: Sent,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(done_redirect(creditor, account_ref, done)),
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
                sent,
                ..Extras::default()
            };
            account_page(state, signed, view, extras, status).await
        }
    }
}
