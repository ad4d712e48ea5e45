//! What Arrears answers with: the serialisable views every adapter writes (the JSON API,
//! `arrears account show --json`), each with its JSON Schema.
//!
//! A view is declared once with `view!`: the macro writes the struct (serde's
//! `Serialize`) and its schema from the same field list, so the OpenAPI document
//! (`web::api`) cannot describe a field the answer lacks or miss one it has. Field docs
//! become the schema's descriptions. Every field is always written (`required`); an
//! `Option` is `null` when absent (`"type": [T, "null"]`).
//!
//! Conventions: amounts are [`Decimal`] strings in the account's currency, dates
//! [`Day`] (`YYYY-MM-DD`), instants [`Instant`] (RFC 3339), codes [`Code`] (the domain
//! enum's codes, listed as the schema's `enum`).
//!
//! **Invariant:** no API answer is built by hand as a `serde_json::Value` in an adapter;
//! every one is one of these types, and the document's answer schemas are
//! [`components`]: generated, not written.

use domain::account::{HoldKind, Product, Status};
use domain::ledger::Reason;
use domain::money::{Amount, Currency};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};
use store::view::AccountView;

// ---------------------------------------------------------------- the schema trait

/// A type's JSON Schema (2020-12, as OpenAPI 3.1 uses), next to its `Serialize`.
pub trait Schema {
    /// The schema of a value of this type (for a component: the component's body).
    fn schema() -> Value;

    /// The component (`#/components/schemas/NAME`) the document defines this type as;
    /// `None`: written inline wherever it is used.
    fn component() -> Option<&'static str> {
        None
    }

    /// Adds the components this type's schema refers to, itself included, to `into`.
    fn collect(into: &mut Map<String, Value>) {
        let _ = into;
    }
}

/// How a value of `T` appears inside another schema: a `$ref` to its component, or
/// its schema inline.
pub fn reference<T: Schema>() -> Value {
    match T::component() {
        Some(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
        None => T::schema(),
    }
}

/// Adds `T`'s component to `into` (once) and then those it refers to.
pub fn collect_component<T: Schema>(
    into: &mut Map<String, Value>,
    refers: fn(&mut Map<String, Value>),
) {
    if let Some(name) = T::component() {
        if into.contains_key(name) {
            return;
        }
        into.insert(name.to_string(), T::schema());
    }
    refers(into);
}

/// `schema` or null: a type array where the schema has one type, else `anyOf`.
fn nullable(mut schema: Value) -> Value {
    if let Some(Value::String(kind)) = schema.get("type").cloned() {
        schema["type"] = json!([kind, "null"]);
        if let Some(Value::Array(codes)) = schema.get_mut("enum") {
            codes.push(Value::Null);
        }
        return schema;
    }
    json!({"anyOf": [schema, {"type": "null"}]})
}

/// Doc lines (as `///` gives them, one leading space each) as one description.
pub fn description(lines: &[&str]) -> String {
    let words: Vec<&str> = lines.iter().map(|line| line.trim()).collect();
    words.join(" ").trim().to_string()
}

impl Schema for String {
    fn schema() -> Value {
        json!({"type": "string"})
    }
}

impl Schema for i64 {
    fn schema() -> Value {
        json!({"type": "integer"})
    }
}

impl Schema for bool {
    fn schema() -> Value {
        json!({"type": "boolean"})
    }
}

impl Schema for u32 {
    fn schema() -> Value {
        json!({"type": "integer", "minimum": 0})
    }
}

impl<T: Schema> Schema for Vec<T> {
    fn schema() -> Value {
        json!({"type": "array", "items": reference::<T>()})
    }

    fn collect(into: &mut Map<String, Value>) {
        T::collect(into);
    }
}

impl<T: Schema> Schema for Option<T> {
    fn schema() -> Value {
        nullable(reference::<T>())
    }

    fn collect(into: &mut Map<String, Value>) {
        T::collect(into);
    }
}

/// The first of its arguments.
macro_rules! first {
    ($first:expr $(, $rest:expr)*) => {
        $first
    };
}

/// Declares a view: a struct with `Serialize` and its [`Schema`], from one field list.
/// Only doc comments are allowed on the struct and its fields (they become the schema's
/// descriptions); `#[component = "Name"]` names the component when it is not the
/// struct's name.
macro_rules! view {
    (
        $(#[doc = $doc:literal])*
        $(#[component = $component:literal])?
        pub struct $name:ident {
            $(
                $(#[doc = $field_doc:literal])*
                pub $field:ident: $type:ty,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
        pub struct $name {
            $(
                $(#[doc = $field_doc])*
                pub $field: $type,
            )*
        }

        impl $crate::views::Schema for $name {
            fn schema() -> serde_json::Value {
                let mut properties = serde_json::Map::new();
                $(
                    let mut property = $crate::views::reference::<$type>();
                    let about = $crate::views::description(&[$($field_doc),*]);
                    if !about.is_empty() {
                        property["description"] = serde_json::Value::String(about);
                    }
                    properties.insert(stringify!($field).to_string(), property);
                )*
                let mut schema = serde_json::json!({
                    "type": "object",
                    "required": [$(stringify!($field)),*],
                    "properties": properties,
                });
                let about = $crate::views::description(&[$($doc),*]);
                if !about.is_empty() {
                    schema["description"] = serde_json::Value::String(about);
                }
                schema
            }

            fn component() -> Option<&'static str> {
                Some(first!($($component,)? stringify!($name)))
            }

            fn collect(into: &mut serde_json::Map<String, serde_json::Value>) {
                $crate::views::collect_component::<$name>(into, |_into| {
                    $(<$type as $crate::views::Schema>::collect(_into);)*
                });
            }
        }
    };
}

// ---------------------------------------------------------------- scalars

/// An amount as a decimal string in its currency (`"125.50"`; `"-3.10"` for a credit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Decimal(String);

impl Decimal {
    pub fn of(currency: Currency, amount: Amount) -> Decimal {
        Decimal(currency.format(amount))
    }

    /// `minor` units of `currency`.
    pub fn minor(currency: Currency, minor: i64) -> Decimal {
        Decimal::of(currency, Amount::from_minor(minor))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Schema for Decimal {
    fn schema() -> Value {
        json!({
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "description": "A decimal amount in the account's currency, e.g. \"125.50\"",
        })
    }
}

/// What a [`Decimal`] looks like.
pub const DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Day(String);

impl From<Date> for Day {
    fn from(date: Date) -> Day {
        Day(date.to_string())
    }
}

impl Day {
    /// A date as the store keeps it (`YYYY-MM-DD` text).
    pub fn stored(text: &str) -> Day {
        Day(text.to_string())
    }
}

impl Schema for Day {
    fn schema() -> Value {
        json!({"type": "string", "format": "date"})
    }
}

/// An instant, RFC 3339 in UTC (`2026-11-24T04:00:00Z`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Instant(String);

impl From<Timestamp> for Instant {
    fn from(at: Timestamp) -> Instant {
        Instant(at.to_string())
    }
}

impl Instant {
    /// Microseconds since the epoch, as the store keeps instants.
    pub fn micros(us: i64) -> Instant {
        Instant::from(Timestamp::from_microsecond(us).unwrap_or_default())
    }
}

impl Schema for Instant {
    fn schema() -> Value {
        json!({"type": "string", "format": "date-time"})
    }
}

/// An enum written as its code; the schema lists every code.
pub trait Coded: Copy + 'static {
    fn code(self) -> &'static str;
    fn all() -> &'static [Self];
}

/// A [`Coded`] value as JSON: its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code<T>(pub T);

impl<T: Coded> Serialize for Code<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.code())
    }
}

impl<T: Coded> Schema for Code<T> {
    fn schema() -> Value {
        let codes: Vec<&str> = T::all().iter().map(|value| value.code()).collect();
        json!({"type": "string", "enum": codes})
    }
}

macro_rules! coded {
    ($($name:ty),+) => {
        $(impl Coded for $name {
            fn code(self) -> &'static str {
                <$name>::code(self)
            }

            fn all() -> &'static [Self] {
                &<$name>::ALL
            }
        })+
    };
}

coded!(Status, HoldKind, Product, Reason);

/// Codes of this module's own (the answers' states).
macro_rules! codes {
    ($(#[doc = $doc:literal])* pub enum $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl Coded for $name {
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            fn all() -> &'static [Self] {
                &[$($name::$variant),+]
            }
        }
    };
}

// ---------------------------------------------------------------- the account

view! {
    /// An account as of a business date: what it is, who owes it, what is owed (derived
    /// from the ledger), its aging, holds, contact points and ledger. The same view is
    /// `GET /api/v1/accounts/{creditor}/{account_ref}` and `arrears account show --json`.
    pub struct Account {
        pub creditor: String,
        pub account_ref: String,
        pub status: Code<Status>,
        pub product: Code<Product>,
        /// ISO 4217
        pub currency: String,
        pub original_creditor: Option<String>,
        pub debtor_ref: String,
        pub debtor_name: String,
        /// The debtor's language for letters and scripts (en, es)
        pub debtor_language: String,
        /// The debtor's time zones on file (IANA names); empty when not given
        pub debtor_time_zones: Vec<String>,
        /// The state of the debtor's mailing address (two letters)
        pub debtor_state: Option<String>,
        /// The debtor's mailing address is only partly known (say, a state and ZIP code
        /// without a street): nothing is mailed to it and the account is on the locate list
        pub debtor_address_incomplete: bool,
        /// Principal + interest + fees
        pub balance: Decimal,
        pub principal: Decimal,
        pub interest: Decimal,
        pub fees: Decimal,
        /// The business date balances and aging are as of
        pub as_of: Day,
        pub days_past_due: u32,
        /// The creditor's aging bucket for days_past_due, e.g. 61-90
        pub aging_bucket: String,
        pub delinquent_since: Day,
        pub placed_on: Day,
        /// Annual percentage rate in basis points (825 = 8.25 %)
        pub apr_bps: i64,
        pub charge_off_date: Option<Day>,
        pub statute_expires_on: Option<Day>,
        /// The itemization date's figures (Regulation F), when the creditor gave them
        pub itemization: Option<Itemization>,
        /// When the validation notice was sent (the validation period runs from it);
        /// none: not sent yet
        pub validation_notice_sent_at: Option<Instant>,
        /// Holds in force
        pub holds: Vec<Code<HoldKind>>,
        /// Bumped by every change; writes carry it and are refused (409) when stale
        pub version: i64,
        /// The debtor's contact points, in the order they were added
        pub contact_points: Vec<ContactPoint>,
        /// Every aging bucket move, oldest first
        pub aging_history: Vec<AgingMove>,
        /// The ledger, oldest first; the balances are its sum
        pub entries: Vec<LedgerEntry>,
    }
}

view! {
    /// A phone number, email address or mailing address of the debtor.
    pub struct ContactPoint {
        /// phone_home, phone_mobile, phone_work, email or address
        pub kind: String,
        pub value: String,
        /// unverified, verified, wrong_number, disconnected, opted_out, …
        pub status: String,
        /// Consent for electronic or autodialed contact: unknown, granted, revoked
        pub consent: String,
        /// Where it came from: placement, an agent, api, a skip trace, …
        pub source: String,
    }
}

view! {
    /// A move of the account from one aging bucket to another.
    pub struct AgingMove {
        pub bucket: String,
        pub days_past_due: i64,
        pub moved_on: Day,
    }
}

view! {
    /// One ledger entry: its reason and what it moved in each bucket.
    pub struct LedgerEntry {
        pub seq: i64,
        pub reason: Code<Reason>,
        pub effective_on: Day,
        pub recorded_at: Instant,
        /// The sum of the three buckets
        pub amount: Decimal,
        pub principal: Decimal,
        pub interest: Decimal,
        pub fees: Decimal,
        pub memo: Option<String>,
    }
}

view! {
    /// The debt as of the itemization date and what changed it since (12 CFR 1006.34).
    pub struct Itemization {
        pub itemization_date: Day,
        pub balance_at_itemization: Decimal,
        pub interest_since: Decimal,
        pub fees_since: Decimal,
        pub payments_since: Decimal,
        pub credits_since: Decimal,
    }
}

impl Account {
    pub fn of(view: &AccountView) -> Account {
        let money = |amount: Amount| Decimal::of(view.currency, amount);
        Account {
            creditor: view.creditor.clone(),
            account_ref: view.account_ref.clone(),
            status: Code(view.status),
            product: Code(view.product),
            currency: view.currency.code().to_string(),
            original_creditor: view.original_creditor.clone(),
            debtor_ref: view.debtor_ref.clone(),
            debtor_name: view.debtor_name.clone(),
            debtor_language: view.language.clone(),
            debtor_time_zones: view.time_zones.clone(),
            debtor_state: view.state.clone(),
            debtor_address_incomplete: view.address_incomplete,
            balance: money(view.balance()),
            principal: money(view.balances.principal),
            interest: money(view.balances.interest),
            fees: money(view.balances.fees),
            as_of: view.as_of.into(),
            days_past_due: view.days_past_due,
            aging_bucket: view.aging_bucket.clone(),
            delinquent_since: view.delinquent_since.into(),
            placed_on: view.placed_on.into(),
            apr_bps: view.apr_bps,
            charge_off_date: view.charge_off_date.map(Day::from),
            statute_expires_on: view.statute_expires_on.map(Day::from),
            itemization: view.itemization.map(|item| Itemization {
                itemization_date: item.date.into(),
                balance_at_itemization: money(item.balance),
                interest_since: money(item.interest),
                fees_since: money(item.fees),
                payments_since: money(item.payments),
                credits_since: money(item.credits),
            }),
            validation_notice_sent_at: view.validation_notice_sent_at.map(Instant::from),
            holds: view.holds.iter().copied().map(Code).collect(),
            version: view.version,
            contact_points: view.contact_points.iter().map(ContactPoint::of).collect(),
            aging_history: view
                .aging_history
                .iter()
                .map(|moved| AgingMove {
                    bucket: moved.bucket.clone(),
                    days_past_due: moved.days_past_due,
                    moved_on: moved.moved_on.into(),
                })
                .collect(),
            entries: view
                .entries
                .iter()
                .map(|entry| LedgerEntry {
                    seq: entry.seq,
                    reason: Code(entry.reason),
                    effective_on: entry.effective_on.into(),
                    recorded_at: entry.recorded_at.into(),
                    amount: money(entry.amounts.total().expect("checked when derived")),
                    principal: money(entry.amounts.principal),
                    interest: money(entry.amounts.interest),
                    fees: money(entry.amounts.fees),
                    memo: entry.memo.clone(),
                })
                .collect(),
        }
    }
}

impl ContactPoint {
    pub fn of(point: &store::view::ContactPointView) -> ContactPoint {
        ContactPoint {
            kind: point.kind.clone(),
            value: point.value.clone(),
            status: point.status.clone(),
            consent: point.consent.clone(),
            source: point.source.clone(),
        }
    }
}

view! {
    /// The debtor's contact points.
    pub struct ContactList {
        pub contact_points: Vec<ContactPoint>,
    }
}

// ---------------------------------------------------------------- the workspace

view! {
    /// A contact attempt, with the compliance decision's outcome already applied.
    pub struct Attempt {
        pub id: i64,
        pub at: Instant,
        /// call, sms, email, letter or visit
        pub action: String,
        /// The contact point used (none for letters and visits)
        pub contact: Option<String>,
        pub direction: String,
        pub recipient: String,
        pub outcome: String,
        pub disposition: String,
        pub note: Option<String>,
        /// Who logged it
        pub user: Option<String>,
    }
}

view! {
    /// The account's contact attempts, oldest first.
    pub struct AttemptList {
        pub attempts: Vec<Attempt>,
    }
}

impl Attempt {
    pub fn of(attempt: &store::workspace::Attempt) -> Attempt {
        Attempt {
            id: attempt.id,
            at: attempt.at.into(),
            action: attempt.action.clone(),
            contact: attempt.contact_point.clone(),
            direction: attempt.direction.clone(),
            recipient: attempt.recipient.clone(),
            outcome: attempt.outcome.clone(),
            disposition: attempt.disposition.clone(),
            note: attempt.note.clone(),
            user: attempt.username.clone(),
        }
    }
}

view! {
    /// One dated amount of a promise.
    pub struct PromisedPayment {
        /// Today or later when promising
        pub due_on: Day,
        pub amount: Decimal,
    }
}

view! {
    /// A promise to pay one or several dated amounts.
    pub struct Promise {
        pub id: i64,
        pub created_at: Instant,
        /// open, kept, broken or cancelled
        pub status: String,
        pub total: Decimal,
        pub payments: Vec<PromisedPayment>,
        pub user: Option<String>,
    }
}

view! {
    /// The account's promises to pay.
    pub struct PromiseList {
        pub promises: Vec<Promise>,
    }
}

impl Promise {
    pub fn of(promise: &store::workspace::Promise, currency: Currency) -> Promise {
        Promise {
            id: promise.id,
            created_at: promise.created_at.into(),
            status: promise.status.clone(),
            total: Decimal::minor(currency, promise.total_minor),
            payments: promise
                .payments
                .iter()
                .map(|(due_on, minor)| PromisedPayment {
                    due_on: (*due_on).into(),
                    amount: Decimal::minor(currency, *minor),
                })
                .collect(),
            user: promise.username.clone(),
        }
    }
}

view! {
    /// A note on the account.
    pub struct Note {
        pub id: i64,
        pub at: Instant,
        pub body: String,
        pub user: Option<String>,
    }
}

view! {
    /// The account's notes, oldest first.
    pub struct NoteList {
        pub notes: Vec<Note>,
    }
}

impl Note {
    pub fn of(note: &store::workspace::Note) -> Note {
        Note {
            id: note.id,
            at: note.at.into(),
            body: note.body.clone(),
            user: note.username.clone(),
        }
    }
}

view! {
    /// A write that was recorded.
    pub struct Created {
        /// The new record's id (0 when the write has none of its own)
        pub id: i64,
        /// The account's version after this write
        pub version: i64,
    }
}

// ---------------------------------------------------------------- money

view! {
    /// A payment that paid into the account, and its return if it came back.
    pub struct Payment {
        pub id: i64,
        pub payment_ref: String,
        /// The whole payment
        pub amount: Decimal,
        /// What the payment paid on this account
        pub applied: Decimal,
        pub method: String,
        pub paid_on: Day,
        /// Where it came from: agent, api, a bank file, …
        pub source: String,
        pub user: Option<String>,
        pub returned_on: Option<Day>,
        pub return_code: Option<String>,
    }
}

view! {
    /// The payments that paid into the account, newest first.
    pub struct PaymentList {
        pub payments: Vec<Payment>,
    }
}

impl Payment {
    pub fn of(payment: &store::money_views::PaymentView, currency: Currency) -> Payment {
        Payment {
            id: payment.id,
            payment_ref: payment.payment_ref.clone(),
            amount: Decimal::of(currency, payment.amount),
            applied: Decimal::of(currency, payment.applied),
            method: payment.method.clone(),
            paid_on: Day::stored(&payment.paid_on),
            source: payment.source.clone(),
            user: payment.username.clone(),
            returned_on: payment.returned_on.as_deref().map(Day::stored),
            return_code: payment.return_code.clone(),
        }
    }
}

codes! {
    /// What kind of arrangement.
    pub enum ArrangementKind { Plan => "plan", Settlement => "settlement" }
}

codes! {
    /// Whether an arrangement runs or waits for approval.
    pub enum ArrangementStatus { Active => "active", PendingApproval => "pending_approval" }
}

view! {
    /// One dated amount of a plan's or settlement's schedule.
    pub struct Due {
        pub due_on: Day,
        pub amount: Decimal,
        /// What of it pays principal (plans; null for settlements)
        pub principal: Option<Decimal>,
        /// What of it pays interest (plans; null for settlements)
        pub interest: Option<Decimal>,
    }
}

view! {
    /// Where a plan is outside the creditor's policy.
    pub struct Breach {
        /// e.g. term_too_long, installment_too_small
        pub code: String,
        pub message: String,
    }
}

view! {
    /// A plan or settlement as agreed: its schedule, and whether it runs at once or
    /// waits in the approvals queue (then why and for whom).
    pub struct Arrangement {
        pub id: i64,
        pub kind: Code<ArrangementKind>,
        pub status: Code<ArrangementStatus>,
        pub total: Decimal,
        /// The interest over the plan's life (plans; null for settlements)
        pub total_interest: Option<Decimal>,
        /// What the settlement forgives (settlements; null for plans)
        pub discount: Option<Decimal>,
        /// The discount as a percentage of the balance, e.g. "35.00" (settlements)
        pub discount_percent: Option<String>,
        pub schedule: Vec<Due>,
        /// The creditor's policy breaches (plans; empty for settlements)
        pub breaches: Vec<Breach>,
        pub approval_id: Option<i64>,
        /// The least role that may approve it
        pub required_role: Option<String>,
        /// Why it waits for approval
        pub reason: Option<String>,
        /// The account's version after this write
        pub version: i64,
    }
}

impl Arrangement {
    /// The arrangement `agreed` became, with what was quoted (`terms`) and the account's
    /// version after the write.
    pub fn of(agreed: &crate::money::Agreed, terms: Terms, version: i64) -> Arrangement {
        use crate::money::Agreed;
        let (id, approval_id, required_role, reason) = match agreed {
            Agreed::Active { id } => (*id, None, None, None),
            Agreed::Pending {
                id,
                approval_id,
                role,
                why,
            } => (
                *id,
                Some(*approval_id),
                Some(role.code().to_string()),
                Some(why.clone()),
            ),
        };
        Arrangement {
            id,
            kind: Code(terms.kind),
            status: Code(if approval_id.is_some() {
                ArrangementStatus::PendingApproval
            } else {
                ArrangementStatus::Active
            }),
            total: terms.total,
            total_interest: terms.total_interest,
            discount: terms.discount,
            discount_percent: terms.discount_percent,
            schedule: terms.schedule,
            breaches: terms.breaches,
            approval_id,
            required_role,
            reason,
            version,
        }
    }
}

/// What was quoted of an arrangement, before it is recorded.
pub struct Terms {
    pub kind: ArrangementKind,
    pub total: Decimal,
    pub total_interest: Option<Decimal>,
    pub discount: Option<Decimal>,
    pub discount_percent: Option<String>,
    pub schedule: Vec<Due>,
    pub breaches: Vec<Breach>,
}

impl Terms {
    pub fn plan(quoted: &crate::money::QuotedPlan, currency: Currency) -> Terms {
        let money = |amount: Amount| Decimal::of(currency, amount);
        Terms {
            kind: ArrangementKind::Plan,
            total: money(quoted.schedule.total),
            total_interest: Some(money(quoted.schedule.total_interest)),
            discount: None,
            discount_percent: None,
            schedule: quoted
                .schedule
                .installments
                .iter()
                .map(|installment| Due {
                    due_on: installment.due_on.into(),
                    amount: money(installment.amount),
                    principal: Some(money(installment.principal)),
                    interest: Some(money(installment.interest)),
                })
                .collect(),
            breaches: quoted
                .breaches
                .iter()
                .map(|breach| Breach {
                    code: breach.code().to_string(),
                    message: breach.message(currency),
                })
                .collect(),
        }
    }

    pub fn settlement(checked: &crate::money::CheckedSettlement, currency: Currency) -> Terms {
        let money = |amount: Amount| Decimal::of(currency, amount);
        let bps = checked.offer.discount_bps();
        Terms {
            kind: ArrangementKind::Settlement,
            total: money(checked.offer.total()),
            total_interest: None,
            discount: Some(money(checked.offer.discount())),
            discount_percent: Some(format!("{}.{:02}", bps / 100, bps % 100)),
            schedule: checked
                .offer
                .payments()
                .iter()
                .map(|payment| Due {
                    due_on: payment.due_on.into(),
                    amount: money(payment.amount),
                    principal: None,
                    interest: None,
                })
                .collect(),
            breaches: Vec::new(),
        }
    }
}

view! {
    /// A request waiting for a supervisor's decision.
    pub struct Approval {
        pub id: i64,
        /// plan, settlement, refund, adjustment or write_off
        pub kind: String,
        pub creditor: String,
        pub account_ref: String,
        pub arrangement_id: Option<i64>,
        pub amount: Decimal,
        pub reason_code: String,
        /// Why it needs approval (plans and settlements), or the requester's note
        pub reason: String,
        pub required_role: String,
        pub requested_by: Option<String>,
        pub requested_at: Instant,
        pub status: String,
        /// The account's holds in force (dispute, cease, attorney, bankruptcy, deceased, legal)
        pub holds: Vec<String>,
        /// The account's other open promise, plan or settlement, which approving replaces
        pub conflicts: Vec<String>,
    }
}

view! {
    /// Pending approvals of the caller's creditors.
    pub struct ApprovalList {
        pub approvals: Vec<Approval>,
    }
}

impl Approval {
    pub fn of(item: &crate::money::ApprovalItem) -> Approval {
        let approval = &item.approval;
        let reason = match approval.kind.as_str() {
            "plan" | "settlement" => approval.detail.clone(),
            _ => serde_json::from_str::<Value>(&approval.detail)
                .ok()
                .and_then(|detail| detail["note"].as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        Approval {
            id: approval.id,
            kind: approval.kind.clone(),
            creditor: approval.creditor.clone(),
            account_ref: approval.account_ref.clone(),
            arrangement_id: approval.arrangement_id,
            amount: Decimal::of(item.currency, approval.amount),
            reason_code: approval.reason_code.clone(),
            reason,
            required_role: approval.required_role.clone(),
            requested_by: approval.requested_by.clone(),
            requested_at: Instant::micros(approval.requested_at_us),
            status: approval.status.clone(),
            holds: approval
                .holds
                .iter()
                .map(|hold| hold.kind.code().to_string())
                .collect(),
            conflicts: approval
                .conflicts
                .iter()
                .map(|open| open.to_string())
                .collect(),
        }
    }
}

codes! {
    /// Whether a money change was posted or waits for approval.
    pub enum ChangeStatus { Posted => "posted", PendingApproval => "pending_approval" }
}

view! {
    /// A refund, adjustment or write-off: posted, or waiting in the approvals queue.
    pub struct MoneyChanged {
        pub status: Code<ChangeStatus>,
        pub approval_id: Option<i64>,
        /// The account's version after this write
        pub version: i64,
    }
}

codes! {
    /// A supervisor's decision.
    pub enum Decision { Approved => "approved", Rejected => "rejected" }
}

view! {
    /// An approval, decided.
    pub struct Decided {
        pub id: i64,
        pub status: Code<Decision>,
    }
}

// ---------------------------------------------------------------- errors

view! {
    /// A field to correct.
    pub struct FieldError {
        /// The request field, e.g. payments[0].amount
        pub field: String,
        pub message: String,
    }
}

view! {
    /// Why a request was not done: a sentence, and the fields to correct (if any).
    #[component = "Error"]
    pub struct ErrorBody {
        pub error: String,
        pub fields: Vec<FieldError>,
    }
}

view! {
    /// What an inbound text did (the SMS provider's webhook, docs/messages.md).
    pub struct SmsInboundReply {
        /// opted_out (a stop word: STOP, ALTO, …), help (HELP or AYUDA: the help text), or query (anything else: a query to answer)
        pub outcome: String,
        /// opted_out: whether the number was not opted out before; null otherwise
        pub newly: Option<bool>,
        /// opted_out: whether the one confirmation was queued; null otherwise
        pub confirmation_queued: Option<bool>,
        /// help: whether the help text was queued; null otherwise
        pub queued: Option<bool>,
        /// query: where it landed (the account, or the unmatched list); null otherwise
        pub detail: Option<String>,
    }
}

view! {
    /// A callback scheduled through the API.
    pub struct ScheduledCallback {
        /// The callback's id
        pub id: i64,
        /// The account's version after this write
        pub version: i64,
        /// When it is due (the time given, on the debtor's clock)
        pub due_at: Instant,
        /// The debtor asked for this time: their consent to a call is recorded with it
        pub requested_by_debtor: bool,
        /// The end of the window the debtor consented to a call in (from due_at); null when the agent chose the time
        pub consent_until: Option<Instant>,
        /// The debtor asked for a time outside 08:00-21:00 on one of their clocks: allowed because they asked
        pub outside_hours: bool,
    }
}

view! {
    /// The compliance check's answer for one of the account's contacts, as the contract
    /// fixes it (docs/compliance-check.md), and whether a call now falls under the
    /// debtor's consent.
    pub struct AccountComplianceAnswer {
        pub decision: Code<Verdict>,
        pub violations: Vec<Violation>,
        /// The first instant the action is allowed; null when not within 60 days
        pub next_allowed_at: Option<Instant>,
        /// The rule packs consulted, id@version
        pub packs: Vec<String>,
        /// A call now is inside the window of a consent the debtor gave directly (a callback they asked for): allowed by it where the time and frequency rules would forbid, and not counted
        pub under_consent: bool,
    }
}

impl AccountComplianceAnswer {
    pub fn of(asked: &crate::contact::Asked) -> AccountComplianceAnswer {
        let ComplianceAnswer {
            decision,
            violations,
            next_allowed_at,
            packs,
        } = ComplianceAnswer::of(&asked.answer);
        AccountComplianceAnswer {
            decision,
            violations,
            next_allowed_at,
            packs,
            under_consent: asked.under_consent(),
        }
    }
}

view! {
    /// An attempt the compliance check refused: the error, and the check's answer
    /// (docs/compliance-check.md).
    pub struct Refusal {
        pub error: String,
        pub fields: Vec<FieldError>,
        pub compliance: ComplianceAnswer,
    }
}

// ---------------------------------------------------------------- the compliance check

codes! {
    /// The check's verdict.
    pub enum Verdict { Allow => "allow", Deny => "deny" }
}

view! {
    /// A rule that forbids the action now.
    pub struct Violation {
        /// e.g. us.time_of_day
        pub rule: String,
        pub citation: String,
        pub message: String,
        /// When it stops forbidding; null when only a change of facts clears it
        pub clears_at: Option<Instant>,
    }
}

view! {
    /// The compliance check's answer, exactly as the contract fixes it
    /// (docs/compliance-check.md).
    pub struct ComplianceAnswer {
        pub decision: Code<Verdict>,
        pub violations: Vec<Violation>,
        /// The first instant the action is allowed; null when not within 60 days
        pub next_allowed_at: Option<Instant>,
        /// The rule packs consulted, id@version
        pub packs: Vec<String>,
    }
}

impl ComplianceAnswer {
    pub fn of(answer: &compliance::check::Answer) -> ComplianceAnswer {
        ComplianceAnswer {
            decision: Code(if answer.allowed() {
                Verdict::Allow
            } else {
                Verdict::Deny
            }),
            violations: answer
                .violations
                .iter()
                .map(|violation| Violation {
                    rule: violation.rule.to_string(),
                    citation: violation.citation.to_string(),
                    message: violation.message.to_string(),
                    clears_at: violation.clears_at.map(Instant::from),
                })
                .collect(),
            next_allowed_at: answer.next_allowed_at.map(Instant::from),
            packs: answer
                .packs
                .iter()
                .map(|pack| format!("{}@{}", pack.id, pack.version))
                .collect(),
        }
    }
}

view! {
    /// A malformed compliance request: the field (a JSON path) and why.
    pub struct ComplianceMalformed {
        pub error: String,
        /// A JSON path such as history[2].at
        pub field: String,
    }
}

// ---------------------------------------------------------------- the document's part

/// The component schemas of every answer body above, by component name.
pub fn components() -> Map<String, Value> {
    let mut all = Map::new();
    Account::collect(&mut all);
    ContactList::collect(&mut all);
    AttemptList::collect(&mut all);
    PromiseList::collect(&mut all);
    NoteList::collect(&mut all);
    Created::collect(&mut all);
    PaymentList::collect(&mut all);
    Arrangement::collect(&mut all);
    ApprovalList::collect(&mut all);
    MoneyChanged::collect(&mut all);
    Decided::collect(&mut all);
    ErrorBody::collect(&mut all);
    Refusal::collect(&mut all);
    ComplianceMalformed::collect(&mut all);
    ScheduledCallback::collect(&mut all);
    AccountComplianceAnswer::collect(&mut all);
    SmsInboundReply::collect(&mut all);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_schema_lists_its_fields_as_required_with_their_docs() {
        let schema = Due::schema();
        assert_eq!(
            schema["required"],
            json!(["due_on", "amount", "principal", "interest"])
        );
        assert_eq!(
            schema["properties"]["due_on"],
            json!({"type": "string", "format": "date"})
        );
        assert_eq!(
            schema["properties"]["principal"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(
            schema["properties"]["principal"]["description"],
            "What of it pays principal (plans; null for settlements)"
        );
        assert_eq!(ErrorBody::component(), Some("Error"));
        let account = Account::schema();
        assert_eq!(
            account["properties"]["itemization"],
            json!({
                "anyOf": [{"$ref": "#/components/schemas/Itemization"}, {"type": "null"}],
                "description": "The itemization date's figures (Regulation F), when the creditor gave them",
            })
        );
        assert_eq!(
            account["properties"]["status"]["enum"],
            json!([
                "active",
                "settled",
                "paid",
                "written_off",
                "recalled",
                "closed"
            ])
        );
    }

    #[test]
    fn every_component_referred_to_is_defined() {
        let all = components();
        for name in [
            "Account",
            "ContactPoint",
            "LedgerEntry",
            "AgingMove",
            "Itemization",
            "Error",
            "FieldError",
            "ComplianceAnswer",
            "Violation",
            "Arrangement",
            "Due",
            "Breach",
        ] {
            assert!(all.contains_key(name), "{name}");
        }
        fn refs(value: &Value, found: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        found.push(target.clone());
                    }
                    map.values().for_each(|value| refs(value, found));
                }
                Value::Array(items) => items.iter().for_each(|value| refs(value, found)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        refs(&Value::Object(all.clone()), &mut found);
        for target in found {
            let name = target.strip_prefix("#/components/schemas/").unwrap();
            assert!(all.contains_key(name), "{target}");
        }
    }

    #[test]
    fn a_serialised_view_has_exactly_its_schema_fields() {
        let due = Due {
            due_on: jiff::civil::date(2026, 12, 1).into(),
            amount: Decimal::minor(Currency::USD, 50_00),
            principal: None,
            interest: Some(Decimal::minor(Currency::USD, 1_05)),
        };
        let value = serde_json::to_value(&due).unwrap();
        assert_eq!(
            value,
            json!({"due_on": "2026-12-01", "amount": "50.00", "principal": null, "interest": "1.05"})
        );
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let schema = Due::schema();
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| name.as_str().unwrap())
            .collect();
        required.sort_unstable();
        assert_eq!(keys, required);
        assert_eq!(
            serde_json::to_value(Code(HoldKind::Dispute)).unwrap(),
            json!("dispute")
        );
    }
}
