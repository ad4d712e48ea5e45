//! A table of cases for `check`, each written from the contract (docs/compliance-check.md)
//! and the regulation it cites, never from the engine's code. Expected instants are worked
//! out by hand in the comments. One test runs the whole table and lists every failing case.
//!
//! Offsets used below (IANA rules): America/New_York EST −5 / EDT −4, DST 2026-03-08 07:00Z
//! … 2026-11-01 06:00Z and 2027-03-14 07:00Z … 2027-11-07 06:00Z; America/Los_Angeles PST
//! −8 / PDT −7, switching at 10:00Z / 09:00Z on the same dates; Pacific/Honolulu −10,
//! America/Phoenix −7, America/Puerto_Rico −4, Pacific/Guam +10, all without DST.

use compliance::check::{Consumer, ContactPoint, Debt, Request, check};
use compliance::facts::{
    Action, Consent, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use compliance::hours::LocalWindow;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

use Action::{Call, CreditReport, Email, Lawsuit, Letter, Sms, Visit};
use Outcome::{Busy, Conversation, NoAnswer, NoContact, NotConnected, Sent, Voicemail, WrongParty};

// ---------------------------------------------------------------------------------------
// Building requests compactly
// ---------------------------------------------------------------------------------------

fn at(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn hhmm(text: &str) -> Time {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// A request about D-1 for a New York consumer with no facts, as in check.rs.
#[derive(Clone)]
struct Ask(Request);

fn ask(now: &str, action: Action) -> Ask {
    Ask(Request {
        now: at(now),
        action,
        debt_id: "D-1".into(),
        recipient: Recipient::Consumer,
        purpose: Purpose::Collection,
        contact_point: None,
        consumer: Consumer {
            time_zones: vec![TimeZone::get("America/New_York").unwrap()],
            ..Consumer::default()
        },
        debts: vec![Debt {
            id: "D-1".into(),
            ..Debt::default()
        }],
        history: Vec::new(),
        consents: Vec::new(),
    })
}

impl Ask {
    fn zones(mut self, names: &[&str]) -> Self {
        self.0.consumer.time_zones = names
            .iter()
            .map(|name| TimeZone::get(name).unwrap())
            .collect();
        self
    }
    fn state(mut self, code: &str) -> Self {
        self.0.consumer.state = Some(code.into());
        self
    }
    fn to(mut self, recipient: Recipient) -> Self {
        self.0.recipient = recipient;
        self
    }
    fn purpose(mut self, purpose: Purpose) -> Self {
        self.0.purpose = purpose;
        self
    }
    fn contact(mut self, kind: ContactPointKind, workplace: bool) -> Self {
        self.0.contact_point = Some(ContactPoint { kind, workplace });
        self
    }
    fn cease(mut self) -> Self {
        self.0.consumer.cease_requested = true;
        self
    }
    fn represented(mut self) -> Self {
        self.0.consumer.attorney_represented = true;
        self
    }
    fn bankrupt(mut self) -> Self {
        self.0.consumer.bankruptcy_filed = true;
        self
    }
    fn deceased(mut self) -> Self {
        self.0.consumer.deceased = true;
        self
    }
    fn email_opted_out(mut self) -> Self {
        self.0.consumer.email_opted_out = true;
        self
    }
    fn sms_opted_out(mut self) -> Self {
        self.0.consumer.sms_opted_out = true;
        self
    }
    fn employer_prohibits(mut self) -> Self {
        self.0.consumer.employer_prohibits_contact = true;
        self
    }
    fn window(mut self, from: &str, until: &str) -> Self {
        self.0.consumer.inconvenient_windows.push(LocalWindow {
            from: hhmm(from),
            until: hhmm(until),
        });
        self
    }
    /// The request is about `id` (added to `debts` if missing).
    fn about(mut self, id: &str) -> Self {
        self.0.debt_id = id.into();
        self.debt_mut(id);
        self
    }
    fn debt_mut(&mut self, id: &str) -> &mut Debt {
        if !self.0.debts.iter().any(|debt| debt.id == id) {
            self.0.debts.push(Debt {
                id: id.into(),
                ..Debt::default()
            });
        }
        self.0.debts.iter_mut().find(|debt| debt.id == id).unwrap()
    }
    fn also_debt(mut self, id: &str) -> Self {
        self.debt_mut(id);
        self
    }
    fn time_barred(mut self, id: &str) -> Self {
        self.debt_mut(id).time_barred = true;
        self
    }
    fn notice(mut self, id: &str, when: &str) -> Self {
        self.debt_mut(id).validation_notice_sent_at = Some(at(when));
        self
    }
    fn dispute(mut self, id: &str, when: &str) -> Self {
        self.debt_mut(id).dispute_received_at = Some(at(when));
        self
    }
    fn verified(mut self, id: &str, when: &str) -> Self {
        self.debt_mut(id).verification_sent_at = Some(at(when));
        self
    }
    fn undeliverable(mut self, id: &str, when: &str) -> Self {
        self.debt_mut(id).undeliverable_notice_at = Some(at(when));
        self
    }
    fn entry(
        mut self,
        when: &str,
        action: Action,
        outcome: Outcome,
        debt: &str,
        direction: Direction,
        recipient: Recipient,
    ) -> Self {
        self.debt_mut(debt);
        self.0.history.push(HistoryEntry {
            at: at(when),
            debt_id: debt.into(),
            action,
            outcome,
            direction,
            recipient,
            consent: false,
        });
        self
    }
    /// An outbound history entry to the consumer.
    fn h(self, when: &str, action: Action, outcome: Outcome, debt: &str) -> Self {
        self.entry(
            when,
            action,
            outcome,
            debt,
            Direction::Outbound,
            Recipient::Consumer,
        )
    }
    /// An inbound (consumer-initiated) history entry.
    fn inbound(self, when: &str, action: Action, outcome: Outcome, debt: &str) -> Self {
        self.entry(
            when,
            action,
            outcome,
            debt,
            Direction::Inbound,
            Recipient::Consumer,
        )
    }
    /// An outbound history entry to the consumer's attorney.
    fn attorney_entry(self, when: &str, action: Action, outcome: Outcome, debt: &str) -> Self {
        self.entry(
            when,
            action,
            outcome,
            debt,
            Direction::Outbound,
            Recipient::Attorney,
        )
    }
    /// A consent given directly by the consumer at `given_at` to be contacted with
    /// `action` in [`from`, `to`).
    fn consent(mut self, given_at: &str, from: &str, to: &str, action: Action) -> Self {
        self.0.consents.push(Consent {
            given_at: at(given_at),
            from: at(from),
            to: at(to),
            action,
        });
        self
    }
    /// Marks the last history entry `"consent": true` (placed under such a consent).
    fn under_consent(mut self) -> Self {
        self.0
            .history
            .last_mut()
            .expect("a history entry to mark")
            .consent = true;
        self
    }
    /// Outbound no-answer calls about `debt` at each instant.
    fn calls(mut self, whens: &[&str], debt: &str) -> Self {
        for when in whens {
            self = self.h(when, Call, NoAnswer, debt);
        }
        self
    }
}

/// The instants `HH:MM:SSZ` on each of the given `YYYY-MM-DD` dates.
fn daily(dates: &[&str], time: &str) -> Vec<String> {
    dates.iter().map(|day| format!("{day}T{time}Z")).collect()
}

fn refs(owned: &[String]) -> Vec<&str> {
    owned.iter().map(String::as_str).collect()
}

// ---------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// Not worked out for this case (only the contract's invariants are checked).
    Unchecked,
    Null,
    At(&'static str),
}

struct Expect {
    rules: Vec<&'static str>,
    /// (rule, expected clears_at) for the rules whose clearing is worked out by hand.
    clears: Vec<(&'static str, Option<&'static str>)>,
    next: Next,
}

fn allow() -> Expect {
    Expect {
        rules: Vec::new(),
        clears: Vec::new(),
        next: Next::Unchecked, // checked as "equals now" for every allow
    }
}

fn deny(rules: &[&'static str]) -> Expect {
    Expect {
        rules: rules.to_vec(),
        clears: Vec::new(),
        next: Next::Unchecked,
    }
}

impl Expect {
    fn clears(mut self, rule: &'static str, instant: &'static str) -> Self {
        self.clears.push((rule, Some(instant)));
        self
    }
    /// `rule` only clears by a change of facts: `clears_at` null.
    fn never(mut self, rule: &'static str) -> Self {
        self.clears.push((rule, None));
        self
    }
    fn next(mut self, instant: &'static str) -> Self {
        self.next = Next::At(instant);
        self
    }
    fn next_null(mut self) -> Self {
        self.next = Next::Null;
        self
    }
}

struct Case {
    name: &'static str,
    citation: &'static str,
    request: Request,
    expect: Expect,
}

fn case(name: &'static str, citation: &'static str, request: Ask, expect: Expect) -> Case {
    Case {
        name,
        citation,
        request: request.0,
        expect,
    }
}

/// The contract's rules tables: rule id → citation.
const CITATIONS: &[(&str, &str)] = &[
    ("us.time_of_day", "12 CFR 1006.6(b)(1)(i)"),
    ("us.consumer_inconvenient_time", "12 CFR 1006.6(b)(1)(i)"),
    ("us.call_frequency", "12 CFR 1006.14(b)(2)(i)(A)"),
    ("us.call_after_conversation", "12 CFR 1006.14(b)(2)(i)(B)"),
    ("us.cease_communication", "12 CFR 1006.6(a), 1006.6(c)"),
    ("us.attorney_represented", "12 CFR 1006.6(b)(2)"),
    ("us.workplace_prohibited", "12 CFR 1006.6(b)(3)"),
    ("us.electronic_opt_out", "12 CFR 1006.6(e), 1006.14(h)"),
    ("us.dispute_pending", "12 CFR 1006.38(d)(2)"),
    ("us.passive_credit_reporting", "12 CFR 1006.30(a)(1)"),
    ("us.time_barred_suit", "12 CFR 1006.26(b)"),
    ("us.bankruptcy_stay", "11 U.S.C. 362(a)"),
    ("us.deceased", "12 CFR 1006.2(e), 1006.6(a)"),
    (
        "us-ma.call_frequency",
        "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)",
    ),
];

const TOD: &str = "us.time_of_day";
const INCONVENIENT: &str = "us.consumer_inconvenient_time";
const FREQUENCY: &str = "us.call_frequency";
const AFTER_CONVERSATION: &str = "us.call_after_conversation";
const CEASE: &str = "us.cease_communication";
const ATTORNEY: &str = "us.attorney_represented";
const WORKPLACE: &str = "us.workplace_prohibited";
const OPT_OUT: &str = "us.electronic_opt_out";
const DISPUTE: &str = "us.dispute_pending";
const PASSIVE: &str = "us.passive_credit_reporting";
const BARRED: &str = "us.time_barred_suit";
const BANKRUPTCY: &str = "us.bankruptcy_stay";
const DECEASED: &str = "us.deceased";
const MA: &str = "us-ma.call_frequency";

const HOURS: &str = "12 CFR 1006.6(b)(1)(i)";
const SEVEN_CALLS: &str = "12 CFR 1006.14(b)(2)(i)(A)";
const SEVEN_DAYS: &str = "12 CFR 1006.14(b)(2)(i)(B)";
const CEASE_CITE: &str = "12 CFR 1006.6(a), 1006.6(c)";
const ATTORNEY_CITE: &str = "12 CFR 1006.6(b)(2)";
const WORKPLACE_CITE: &str = "12 CFR 1006.6(b)(3)";
const OPT_OUT_CITE: &str = "12 CFR 1006.6(e), 1006.14(h)";
const DISPUTE_CITE: &str = "12 CFR 1006.38(d)(2)";
const PASSIVE_CITE: &str = "12 CFR 1006.30(a)(1)";
const BARRED_CITE: &str = "12 CFR 1006.26(b)";
const STAY: &str = "11 U.S.C. 362(a)";
const DECEASED_CITE: &str = "12 CFR 1006.2(e), 1006.6(a)";
const MA_CITE: &str = "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)";
const FACTS_AS_OF_NOW: &str = "contract: facts are taken as of now";
/// Consent given directly by the consumer lifts the time rules (the contract's section
/// of that name) …
const CONSENT_HOURS: &str = "12 CFR 1006.6(b)(1)";
/// … and the call frequencies, for 7 days after it was given.
const CONSENT_CALLS: &str = "12 CFR 1006.14(b)(3)";

const NY: &str = "America/New_York";
const LA: &str = "America/Los_Angeles";

// ---------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    // The contract's worked example: 7 calls about D-1 at 12:00Z on 03-03 … 03-09.
    let contract_week = daily(
        &[
            "2026-03-03",
            "2026-03-04",
            "2026-03-05",
            "2026-03-06",
            "2026-03-07",
            "2026-03-08",
            "2026-03-09",
        ],
        "12:00:00",
    );
    let week = refs(&contract_week);
    let six_days = &week[1..]; // 03-04 … 03-09

    let mut table = vec![
        // ---------------- us.time_of_day -------------------------------------------
        case(
            "08:00:00 local is allowed",
            HOURS,
            ask("2026-06-01T12:00:00Z", Call), // 08:00:00 EDT
            allow(),
        ),
        case(
            "07:59:59 local is denied until 08:00",
            HOURS,
            ask("2026-06-01T11:59:59Z", Call), // 07:59:59 EDT
            deny(&[TOD])
                .clears(TOD, "2026-06-01T12:00:00Z") // 08:00 EDT = 12:00Z
                .next("2026-06-01T12:00:00Z"),
        ),
        case(
            "20:59:59 local is allowed",
            HOURS,
            ask("2026-06-02T00:59:59Z", Call), // 2026-06-01 20:59:59 EDT
            allow(),
        ),
        case(
            "21:00:00 local is denied until 08:00 the next day",
            HOURS,
            ask("2026-06-02T01:00:00Z", Call), // 2026-06-01 21:00:00 EDT
            deny(&[TOD])
                .clears(TOD, "2026-06-02T12:00:00Z") // 06-02 08:00 EDT
                .next("2026-06-02T12:00:00Z"),
        ),
        case(
            "an email at 21:30 local is timed",
            HOURS,
            ask("2026-06-02T01:30:00Z", Email),
            deny(&[TOD]).clears(TOD, "2026-06-02T12:00:00Z"),
        ),
        case(
            "an sms at 06:00 local is timed",
            HOURS,
            ask("2026-06-01T10:00:00Z", Sms), // 06:00 EDT
            deny(&[TOD]).next("2026-06-01T12:00:00Z"),
        ),
        case(
            "a visit at 07:59:59 local is timed",
            HOURS,
            ask("2026-06-01T11:59:59Z", Visit),
            deny(&[TOD]).next("2026-06-01T12:00:00Z"),
        ),
        case(
            "a letter at 03:00 local is not timed",
            HOURS,
            ask("2026-06-01T07:00:00Z", Letter),
            allow(),
        ),
        case(
            "a lawsuit at 03:00 local is not timed",
            HOURS,
            ask("2026-06-01T07:00:00Z", Lawsuit),
            allow(),
        ),
        case(
            "a call to the consumer's attorney at 22:00 local has no hours",
            HOURS,
            ask("2026-06-02T02:00:00Z", Call)
                .represented()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "the estate representative keeps the consumer's hours",
            HOURS,
            ask("2026-06-02T02:00:00Z", Call) // 22:00 EDT
                .deceased()
                .to(Recipient::EstateRepresentative),
            deny(&[TOD]).clears(TOD, "2026-06-02T12:00:00Z"),
        ),
        // ---------------- DST in New York ------------------------------------------
        case(
            "2026-03-08: 07:59:59 EDT is denied",
            HOURS,
            ask("2026-03-08T11:59:59Z", Call), // EDT since 07:00Z
            deny(&[TOD]).clears(TOD, "2026-03-08T12:00:00Z"),
        ),
        case(
            "2026-03-08: 08:00 EDT (12:00Z) is allowed",
            HOURS,
            ask("2026-03-08T12:00:00Z", Call),
            allow(),
        ),
        case(
            "2026-03-08: from 01:30 EST the wait ends at 08:00 EDT, not EST",
            HOURS,
            ask("2026-03-08T06:30:00Z", Call), // 01:30 EST, clocks jump at 02:00
            deny(&[TOD])
                .clears(TOD, "2026-03-08T12:00:00Z") // 08:00 EDT = 12:00Z (not 13:00Z)
                .next("2026-03-08T12:00:00Z"),
        ),
        case(
            "2026-03-07 21:30 EST waits for 08:00 EDT on 03-08",
            HOURS,
            ask("2026-03-08T02:30:00Z", Sms), // 03-07 21:30 EST
            deny(&[TOD]).clears(TOD, "2026-03-08T12:00:00Z"),
        ),
        case(
            "2026-11-01: 07:30 EST is denied until 08:00 EST",
            HOURS,
            ask("2026-11-01T12:30:00Z", Call), // EST since 06:00Z
            deny(&[TOD])
                .clears(TOD, "2026-11-01T13:00:00Z") // 08:00 EST = 13:00Z
                .next("2026-11-01T13:00:00Z"),
        ),
        case(
            "2026-11-01: from 01:30 EDT the wait ends at 08:00 EST",
            HOURS,
            ask("2026-11-01T05:30:00Z", Call), // 01:30 EDT (first pass)
            deny(&[TOD]).clears(TOD, "2026-11-01T13:00:00Z"),
        ),
        case(
            "2026-11-01: 20:59:59 EST is allowed",
            HOURS,
            ask("2026-11-02T01:59:59Z", Call),
            allow(),
        ),
        case(
            "2026-11-01: 21:00 EST is denied until 08:00 EST",
            HOURS,
            ask("2026-11-02T02:00:00Z", Call),
            deny(&[TOD]).clears(TOD, "2026-11-02T13:00:00Z"),
        ),
        case(
            "2027-03-14: from 01:00 EST the wait ends at 08:00 EDT",
            HOURS,
            ask("2027-03-14T06:00:00Z", Call), // 01:00 EST
            deny(&[TOD])
                .clears(TOD, "2027-03-14T12:00:00Z")
                .next("2027-03-14T12:00:00Z"),
        ),
        case(
            "2027-03-14: 08:00 EDT is allowed",
            HOURS,
            ask("2027-03-14T12:00:00Z", Call),
            allow(),
        ),
        case(
            "2027-11-07: 07:59:59 EST is denied",
            HOURS,
            ask("2027-11-07T12:59:59Z", Call),
            deny(&[TOD])
                .clears(TOD, "2027-11-07T13:00:00Z")
                .next("2027-11-07T13:00:00Z"),
        ),
        case(
            "2027-11-07: 08:00 EST is allowed",
            HOURS,
            ask("2027-11-07T13:00:00Z", Call),
            allow(),
        ),
        // ---------------- several zones, zones without DST, territories ------------
        case(
            "New York + Los Angeles: 07:59:59 in LA is too early",
            HOURS,
            ask("2026-06-01T14:59:59Z", Call).zones(&[NY, LA]), // NY 10:59:59, LA 07:59:59
            deny(&[TOD])
                .clears(TOD, "2026-06-01T15:00:00Z") // 08:00 PDT
                .next("2026-06-01T15:00:00Z"),
        ),
        case(
            "New York + Los Angeles: 08:00 in LA is allowed",
            HOURS,
            ask("2026-06-01T15:00:00Z", Call).zones(&[NY, LA]),
            allow(),
        ),
        case(
            "Los Angeles + New York: 21:00 in NY waits for 08:00 in LA",
            HOURS,
            ask("2026-06-02T01:00:00Z", Call).zones(&[LA, NY]), // NY 21:00, LA 18:00
            deny(&[TOD])
                .clears(TOD, "2026-06-02T15:00:00Z") // NY 11:00, LA 08:00
                .next("2026-06-02T15:00:00Z"),
        ),
        case(
            "New York + Los Angeles on 2026-03-08: LA's 08:00 PDT",
            HOURS,
            ask("2026-03-08T13:00:00Z", Call).zones(&[NY, LA]), // NY 09:00 EDT, LA 06:00 PDT
            deny(&[TOD]).clears(TOD, "2026-03-08T15:00:00Z"),
        ),
        case(
            "New York + Los Angeles on 2026-11-01: LA's 08:00 PST",
            HOURS,
            ask("2026-11-01T15:30:00Z", Call).zones(&[NY, LA]), // NY 10:30 EST, LA 07:30 PST
            deny(&[TOD]).clears(TOD, "2026-11-01T16:00:00Z"),
        ),
        case(
            "Hawaii: 07:59:59 HST on the mainland's DST day",
            HOURS,
            ask("2026-03-08T17:59:59Z", Call).zones(&["Pacific/Honolulu"]),
            deny(&[TOD]).clears(TOD, "2026-03-08T18:00:00Z"), // 08:00 HST = 18:00Z
        ),
        case(
            "Hawaii: 08:00 HST in winter is 18:00Z too",
            HOURS,
            ask("2026-12-01T18:00:00Z", Call).zones(&["Pacific/Honolulu"]),
            allow(),
        ),
        case(
            "New York + Hawaii on 10-30: 21:30 EDT is too late",
            HOURS,
            ask("2026-10-31T01:30:00Z", Call).zones(&[NY, "Pacific/Honolulu"]), // HI 15:30
            deny(&[TOD]).clears(TOD, "2026-10-31T18:00:00Z"), // HI 08:00, NY 14:00 EDT
        ),
        case(
            "New York + Hawaii on 11-01: the same 01:30Z is 20:30 EST",
            HOURS,
            ask("2026-11-02T01:30:00Z", Call).zones(&[NY, "Pacific/Honolulu"]),
            allow(),
        ),
        case(
            "Arizona keeps MST in summer: 07:30 MST is too early",
            HOURS,
            ask("2026-07-01T14:30:00Z", Call).zones(&["America/Phoenix"]), // Denver would be 08:30
            deny(&[TOD]).clears(TOD, "2026-07-01T15:00:00Z"),              // 08:00 MST
        ),
        case(
            "Arizona: 20:59:59 MST is allowed",
            HOURS,
            ask("2026-07-02T03:59:59Z", Call).zones(&["America/Phoenix"]),
            allow(),
        ),
        case(
            "Puerto Rico keeps AST in January: 07:59:59 AST",
            HOURS,
            ask("2026-01-15T11:59:59Z", Call).zones(&["America/Puerto_Rico"]),
            deny(&[TOD]).clears(TOD, "2026-01-15T12:00:00Z"),
        ),
        case(
            "Puerto Rico: 08:00 AST is allowed",
            HOURS,
            ask("2026-01-15T12:00:00Z", Call).zones(&["America/Puerto_Rico"]),
            allow(),
        ),
        case(
            "Guam: 07:59:59 ChST is the previous UTC day",
            HOURS,
            ask("2026-06-01T21:59:59Z", Call).zones(&["Pacific/Guam"]), // 06-02 07:59:59
            deny(&[TOD])
                .clears(TOD, "2026-06-01T22:00:00Z")
                .next("2026-06-01T22:00:00Z"),
        ),
        case(
            "Guam: 21:00 ChST waits for 08:00 ChST",
            HOURS,
            ask("2026-06-01T11:00:00Z", Call).zones(&["Pacific/Guam"]), // 06-01 21:00
            deny(&[TOD]).clears(TOD, "2026-06-01T22:00:00Z"),           // 06-02 08:00
        ),
        // ---------------- us.consumer_inconvenient_time ----------------------------
        case(
            "inconvenient 12:00-13:30: 12:00:00 is inside (from inclusive)",
            HOURS,
            ask("2026-06-01T16:00:00Z", Call).window("12:00", "13:30"),
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-01T17:30:00Z") // 13:30 EDT
                .next("2026-06-01T17:30:00Z"),
        ),
        case(
            "inconvenient 12:00-13:30: 13:29:59 is inside",
            HOURS,
            ask("2026-06-01T17:29:59Z", Email).window("12:00", "13:30"),
            deny(&[INCONVENIENT]).clears(INCONVENIENT, "2026-06-01T17:30:00Z"),
        ),
        case(
            "inconvenient 12:00-13:30: 13:30:00 is outside (to exclusive)",
            HOURS,
            ask("2026-06-01T17:30:00Z", Call).window("12:00", "13:30"),
            allow(),
        ),
        case(
            "inconvenient 12:00-13:30: 11:59:59 is outside",
            HOURS,
            ask("2026-06-01T15:59:59Z", Call).window("12:00", "13:30"),
            allow(),
        ),
        case(
            "inconvenient 20:00-09:00 wraps midnight: 08:30 is inside",
            HOURS,
            ask("2026-06-01T12:30:00Z", Call).window("20:00", "09:00"),
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-01T13:00:00Z") // 09:00 EDT
                .next("2026-06-01T13:00:00Z"),
        ),
        case(
            "inconvenient 20:00-09:00 wraps midnight: 20:00 waits for 09:00 tomorrow",
            HOURS,
            ask("2026-06-02T00:00:00Z", Call).window("20:00", "09:00"), // 06-01 20:00 EDT
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-02T13:00:00Z")
                .next("2026-06-02T13:00:00Z"),
        ),
        case(
            "inconvenient 20:00-09:00 at 22:00: both rules, each with its own end",
            HOURS,
            ask("2026-06-02T02:00:00Z", Call).window("20:00", "09:00"),
            deny(&[TOD, INCONVENIENT])
                .clears(TOD, "2026-06-02T12:00:00Z") // 08:00 EDT
                .clears(INCONVENIENT, "2026-06-02T13:00:00Z") // 09:00 EDT
                .next("2026-06-02T13:00:00Z"),
        ),
        case(
            "inconvenient 20:00-09:00: 09:00 is outside",
            HOURS,
            ask("2026-06-01T13:00:00Z", Call).window("20:00", "09:00"),
            allow(),
        ),
        case(
            "inconvenient from = to is an empty window",
            HOURS,
            ask("2026-06-01T16:00:00Z", Call).window("12:00", "12:00"),
            allow(),
        ),
        case(
            "inconvenient 00:00-23:59: the rule clears at 23:59 but no time is ever allowed",
            HOURS,
            ask("2026-06-01T16:00:00Z", Call).window("00:00", "23:59"),
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-02T03:59:00Z") // 06-01 23:59 EDT
                .next_null(), // 23:59 … 00:00 is after 21:00: nothing within 60 days
        ),
        case(
            "inconvenient window on the LA wall clock of a NY + LA consumer",
            HOURS,
            ask("2026-06-01T19:30:00Z", Call) // NY 15:30, LA 12:30
                .zones(&[NY, LA])
                .window("12:00", "13:00"),
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-01T20:00:00Z") // LA 13:00; NY 16:00 is free
                .next("2026-06-01T20:00:00Z"),
        ),
        case(
            "inconvenient 12:00-13:00 on 2026-11-01 is read in EST",
            HOURS,
            ask("2026-11-01T17:30:00Z", Call).window("12:00", "13:00"), // 12:30 EST
            deny(&[INCONVENIENT]).clears(INCONVENIENT, "2026-11-01T18:00:00Z"),
        ),
        case(
            "inconvenient 01:00-09:00 across the 2026-03-08 jump",
            HOURS,
            ask("2026-03-08T06:30:00Z", Call).window("01:00", "09:00"), // 01:30 EST
            deny(&[TOD, INCONVENIENT])
                .clears(TOD, "2026-03-08T12:00:00Z") // 08:00 EDT
                .clears(INCONVENIENT, "2026-03-08T13:00:00Z") // 09:00 EDT
                .next("2026-03-08T13:00:00Z"),
        ),
        case(
            "inconvenient windows do not bind calls to the attorney",
            HOURS,
            ask("2026-06-01T16:00:00Z", Call)
                .window("12:00", "13:30")
                .represented()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "inconvenient windows do not apply to letters",
            HOURS,
            ask("2026-06-01T16:00:00Z", Letter).window("12:00", "13:30"),
            allow(),
        ),
        // ---------------- us.call_frequency ----------------------------------------
        case(
            "contract example: 7 calls on 03-03 … 03-09",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1"),
            deny(&[FREQUENCY])
                // 03-10 drops the call of 03-03: local midnight EDT = 04:00Z; 08:00 = 12:00Z
                .clears(FREQUENCY, "2026-03-10T04:00:00Z")
                .next("2026-03-10T12:00:00Z"),
        ),
        case(
            "6 calls in the 7 days: the 7th is allowed",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(six_days, "D-1"),
            allow(),
        ),
        case(
            "the 7th call was on D-7 (03-02): outside the window",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .calls(&["2026-03-02T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "a call at 03-03 04:30Z is 03-02 23:30 EST: outside the window",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .calls(&["2026-03-03T04:30:00Z"], "D-1"),
            allow(),
        ),
        case(
            "a call at 03-03 05:30Z is 03-03 00:30 EST: inside the window",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .calls(&["2026-03-03T05:30:00Z"], "D-1"),
            deny(&[FREQUENCY]).clears(FREQUENCY, "2026-03-10T04:00:00Z"),
        ),
        case(
            "busy does not count (comment 14(b)(3)(ii)-1)",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(six_days, "D-1").h(
                "2026-03-03T12:00:00Z",
                Call,
                Busy,
                "D-1",
            ),
            allow(),
        ),
        case(
            "not_connected does not count",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(six_days, "D-1").h(
                "2026-03-03T12:00:00Z",
                Call,
                NotConnected,
                "D-1",
            ),
            allow(),
        ),
        case(
            "voicemails and wrong parties count",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(&week[2..], "D-1")
                .h("2026-03-03T12:00:00Z", Call, Voicemail, "D-1")
                .h("2026-03-04T12:00:00Z", Call, WrongParty, "D-1"),
            deny(&[FREQUENCY]).clears(FREQUENCY, "2026-03-10T04:00:00Z"),
        ),
        case(
            "calls to the consumer's attorney do not count",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .attorney_entry("2026-03-03T12:00:00Z", Call, NoAnswer, "D-1"),
            allow(),
        ),
        case(
            "inbound calls do not count",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .inbound("2026-03-03T12:00:00Z", Call, Voicemail, "D-1"),
            allow(),
        ),
        case(
            "a call after now is not a fact yet",
            FACTS_AS_OF_NOW,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .calls(&["2026-03-09T13:30:01Z"], "D-1"),
            allow(),
        ),
        case(
            "a call at exactly now is a fact",
            FACTS_AS_OF_NOW,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(&week[..6], "D-1") // 03-03 … 03-08, then 03-09 at now: 03-10 drops 03-03
                .calls(&["2026-03-09T13:30:00Z"], "D-1"),
            deny(&[FREQUENCY]).clears(FREQUENCY, "2026-03-10T04:00:00Z"),
        ),
        case(
            "per debt: a call about D-2 does not count for D-1",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(six_days, "D-1")
                .calls(&["2026-03-03T12:00:00Z"], "D-2"),
            allow(),
        ),
        case(
            "per debt: 7 calls about D-2 do not block D-1",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-2"),
            allow(),
        ),
        case(
            "per debt: 7 calls about D-2 block D-2",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(&week, "D-2")
                .about("D-2"),
            deny(&[FREQUENCY]).clears(FREQUENCY, "2026-03-10T04:00:00Z"),
        ),
        case(
            "an sms is not a call: 7 calls do not block it (no state pack)",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Sms).calls(&week, "D-1"),
            allow(),
        ),
        case(
            "7 calls on one day block until that day leaves the window",
            SEVEN_CALLS,
            ask("2026-03-09T20:00:00Z", Call).calls(
                &[
                    "2026-03-09T13:00:00Z",
                    "2026-03-09T14:00:00Z",
                    "2026-03-09T15:00:00Z",
                    "2026-03-09T16:00:00Z",
                    "2026-03-09T17:00:00Z",
                    "2026-03-09T18:00:00Z",
                    "2026-03-09T19:00:00Z",
                ],
                "D-1",
            ),
            // 03-09 is in D-6 … D until D = 03-15; clears 03-16 00:00 EDT
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-16T04:00:00Z")
                .next("2026-03-16T12:00:00Z"),
        ),
        case(
            "8 calls: dropping one day is not enough",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(&week, "D-1")
                .calls(&["2026-03-09T13:00:00Z"], "D-1"),
            // D=03-10: 03-04 … 03-10 still holds 7; D=03-11 holds 6 → 03-11 00:00 EDT
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-11T04:00:00Z")
                .next("2026-03-11T12:00:00Z"),
        ),
        case(
            "clears at midnight EST of 2026-03-08, next call 08:00 EDT",
            SEVEN_CALLS,
            ask("2026-03-07T20:00:00Z", Call).calls(
                &refs(&daily(
                    &[
                        "2026-03-01",
                        "2026-03-02",
                        "2026-03-03",
                        "2026-03-04",
                        "2026-03-05",
                        "2026-03-06",
                        "2026-03-07",
                    ],
                    "14:00:00",
                )),
                "D-1",
            ),
            // 03-08 drops 03-01: 00:00 EST = 05:00Z; 08:00 EDT = 12:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-08T05:00:00Z")
                .next("2026-03-08T12:00:00Z"),
        ),
        case(
            "clears at midnight EDT of 2026-11-01, next call 08:00 EST",
            SEVEN_CALLS,
            ask("2026-10-31T20:00:00Z", Call).calls(
                &refs(&daily(
                    &[
                        "2026-10-25",
                        "2026-10-26",
                        "2026-10-27",
                        "2026-10-28",
                        "2026-10-29",
                        "2026-10-30",
                        "2026-10-31",
                    ],
                    "14:00:00",
                )),
                "D-1",
            ),
            // 11-01 drops 10-25: 00:00 EDT = 04:00Z; 08:00 EST = 13:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-11-01T04:00:00Z")
                .next("2026-11-01T13:00:00Z"),
        ),
        case(
            "7 calls across 2027-03-14",
            SEVEN_CALLS,
            ask("2027-03-14T17:00:00Z", Call).calls(
                &refs(&daily(
                    &[
                        "2027-03-08",
                        "2027-03-09",
                        "2027-03-10",
                        "2027-03-11",
                        "2027-03-12",
                        "2027-03-13",
                        "2027-03-14",
                    ],
                    "16:00:00",
                )),
                "D-1",
            ),
            // 03-15 00:00 EDT = 04:00Z, 08:00 EDT = 12:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2027-03-15T04:00:00Z")
                .next("2027-03-15T12:00:00Z"),
        ),
        case(
            "7 calls across 2027-11-07",
            SEVEN_CALLS,
            ask("2027-11-07T17:00:00Z", Call).calls(
                &refs(&daily(
                    &[
                        "2027-11-01",
                        "2027-11-02",
                        "2027-11-03",
                        "2027-11-04",
                        "2027-11-05",
                        "2027-11-06",
                        "2027-11-07",
                    ],
                    "16:00:00",
                )),
                "D-1",
            ),
            // 11-08 00:00 EST = 05:00Z, 08:00 EST = 13:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2027-11-08T05:00:00Z")
                .next("2027-11-08T13:00:00Z"),
        ),
        case(
            "leap day: 02-24 … 03-01 2028 are 7 dates holding 7 calls",
            SEVEN_CALLS,
            ask("2028-03-01T17:00:00Z", Call).calls(
                &refs(&daily(
                    &[
                        "2028-02-24",
                        "2028-02-25",
                        "2028-02-26",
                        "2028-02-27",
                        "2028-02-28",
                        "2028-02-29",
                        "2028-03-01",
                    ],
                    "16:00:00",
                )),
                "D-1",
            ),
            // 03-02 00:00 EST = 05:00Z, 08:00 EST = 13:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2028-03-02T05:00:00Z")
                .next("2028-03-02T13:00:00Z"),
        ),
        case(
            "leap day: D−6 of 2028-03-01 is 02-24, so a call on 02-23 is out",
            SEVEN_CALLS,
            ask("2028-03-01T17:00:00Z", Call).calls(
                &refs(&daily(
                    &[
                        "2028-02-23",
                        "2028-02-25",
                        "2028-02-26",
                        "2028-02-27",
                        "2028-02-28",
                        "2028-02-29",
                        "2028-03-01",
                    ],
                    "16:00:00",
                )),
                "D-1",
            ),
            allow(),
        ),
        case(
            "local date is the FIRST zone's: [LA, NY] puts 06-02 05:00Z on 06-01",
            SEVEN_CALLS,
            ask("2026-06-08T18:00:00Z", Call) // LA 11:00, NY 14:00
                .zones(&[LA, NY])
                .calls(&["2026-06-02T05:00:00Z"], "D-1") // LA 06-01 22:00: out of 06-02 … 06-08
                .calls(
                    &refs(&daily(
                        &[
                            "2026-06-03",
                            "2026-06-04",
                            "2026-06-05",
                            "2026-06-06",
                            "2026-06-07",
                            "2026-06-08",
                        ],
                        "17:00:00",
                    )),
                    "D-1",
                ),
            allow(),
        ),
        case(
            "local date is the FIRST zone's: [NY, LA] puts 06-02 05:00Z on 06-02",
            SEVEN_CALLS,
            ask("2026-06-08T18:00:00Z", Call)
                .zones(&[NY, LA])
                .calls(&["2026-06-02T05:00:00Z"], "D-1") // NY 06-02 01:00: inside
                .calls(
                    &refs(&daily(
                        &[
                            "2026-06-03",
                            "2026-06-04",
                            "2026-06-05",
                            "2026-06-06",
                            "2026-06-07",
                            "2026-06-08",
                        ],
                        "17:00:00",
                    )),
                    "D-1",
                ),
            // 06-09 00:00 EDT = 04:00Z; then both zones at 08:00: LA 08:00 PDT = 15:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-06-09T04:00:00Z")
                .next("2026-06-09T15:00:00Z"),
        ),
        case(
            "calls to the attorney have no call count",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(&week, "D-1")
                .represented()
                .to(Recipient::Attorney),
            allow(),
        ),
        // ---------------- us.call_after_conversation -------------------------------
        case(
            "conversation on 03-05: a call on C+6 (03-11) is denied",
            SEVEN_DAYS,
            ask("2026-03-11T15:00:00Z", Call).h("2026-03-05T15:00:00Z", Call, Conversation, "D-1"),
            // C+7 = 03-12, 00:00 EDT = 04:00Z; 08:00 EDT = 12:00Z
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-03-12T04:00:00Z")
                .next("2026-03-12T12:00:00Z"),
        ),
        case(
            "conversation on 03-05: a call on C+7 (03-12 08:00) is allowed",
            SEVEN_DAYS,
            ask("2026-03-12T12:00:00Z", Call).h("2026-03-05T15:00:00Z", Call, Conversation, "D-1"),
            allow(),
        ),
        case(
            "a call later on the conversation's own date is denied",
            SEVEN_DAYS,
            ask("2026-03-09T15:00:00Z", Call).h("2026-03-09T13:00:00Z", Call, Conversation, "D-1"),
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-03-16T04:00:00Z")
                .next("2026-03-16T12:00:00Z"),
        ),
        case(
            "an inbound conversation starts the block",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Call).inbound(
                "2026-03-05T15:00:00Z",
                Call,
                Conversation,
                "D-1",
            ),
            deny(&[AFTER_CONVERSATION]).clears(AFTER_CONVERSATION, "2026-03-12T04:00:00Z"),
        ),
        case(
            "a conversation during a visit starts the block",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Call).h("2026-03-05T15:00:00Z", Visit, Conversation, "D-1"),
            deny(&[AFTER_CONVERSATION]).clears(AFTER_CONVERSATION, "2026-03-12T04:00:00Z"),
        ),
        case(
            "a visit without contact does not",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Call).h("2026-03-05T15:00:00Z", Visit, NoContact, "D-1"),
            allow(),
        ),
        case(
            "a voicemail is not a conversation",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Call).h("2026-03-05T15:00:00Z", Call, Voicemail, "D-1"),
            allow(),
        ),
        case(
            "a conversation with the attorney does not start the block",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Call).attorney_entry(
                "2026-03-05T15:00:00Z",
                Call,
                Conversation,
                "D-1",
            ),
            allow(),
        ),
        case(
            "per debt: a conversation about D-2 does not block D-1",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Call).h("2026-03-05T15:00:00Z", Call, Conversation, "D-2"),
            allow(),
        ),
        case(
            "a conversation after now is not a fact yet",
            FACTS_AS_OF_NOW,
            ask("2026-03-06T15:00:00Z", Call).h("2026-03-06T15:00:01Z", Call, Conversation, "D-1"),
            allow(),
        ),
        case(
            "conversation at 03-06 04:30Z is on 03-05 EST: 03-12 is C+7",
            SEVEN_DAYS,
            ask("2026-03-12T13:00:00Z", Call).h("2026-03-06T04:30:00Z", Call, Conversation, "D-1"),
            allow(),
        ),
        case(
            "the block only forbids calls: an sms is allowed",
            SEVEN_DAYS,
            ask("2026-03-06T15:00:00Z", Sms).h("2026-03-05T15:00:00Z", Call, Conversation, "D-1"),
            allow(),
        ),
        case(
            "a block across 2026-11-01 clears at midnight EST",
            SEVEN_DAYS,
            ask("2026-11-02T15:00:00Z", Call).h("2026-10-28T15:00:00Z", Call, Conversation, "D-1"),
            // C = 10-28, C+7 = 11-04: 00:00 EST = 05:00Z, 08:00 EST = 13:00Z
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-11-04T05:00:00Z")
                .next("2026-11-04T13:00:00Z"),
        ),
        case(
            "a block across 2027-03-14 clears at midnight EDT",
            SEVEN_DAYS,
            ask("2027-03-12T16:00:00Z", Call).h("2027-03-10T16:00:00Z", Call, Conversation, "D-1"),
            // C = 03-10, C+7 = 03-17: 00:00 EDT = 04:00Z, 08:00 EDT = 12:00Z
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2027-03-17T04:00:00Z")
                .next("2027-03-17T12:00:00Z"),
        ),
        case(
            "a block from 2028-02-25 runs through the leap day to 03-02",
            SEVEN_DAYS,
            ask("2028-03-02T15:00:00Z", Call).h("2028-02-25T16:00:00Z", Call, Conversation, "D-1"),
            // C+6 = 03-02 (02-26,27,28,29,03-01,03-02); C+7 = 03-03 00:00 EST = 05:00Z
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2028-03-03T05:00:00Z")
                .next("2028-03-03T13:00:00Z"),
        ),
        case(
            "late evening within the block: both, next is 08:00 after the block",
            SEVEN_DAYS,
            ask("2026-03-09T02:00:00Z", Call) // 03-08 22:00 EDT
                .h("2026-03-05T15:00:00Z", Call, Conversation, "D-1"),
            deny(&[TOD, AFTER_CONVERSATION])
                .clears(TOD, "2026-03-09T12:00:00Z")
                .clears(AFTER_CONVERSATION, "2026-03-12T04:00:00Z")
                .next("2026-03-12T12:00:00Z"),
        ),
        // ---------------- us.cease_communication -----------------------------------
        case(
            "after a cease request a call is denied for good",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Call).cease(),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "after a cease request a collection letter is denied",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Letter).cease(),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "after a cease request the cease_confirmation letter is allowed",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Letter)
                .cease()
                .purpose(Purpose::CeaseConfirmation),
            allow(),
        ),
        case(
            "after a cease request the remedy_notice letter is allowed",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Letter)
                .cease()
                .purpose(Purpose::RemedyNotice),
            allow(),
        ),
        case(
            "the cease exception is for letters only, not email",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Email)
                .cease()
                .purpose(Purpose::CeaseConfirmation),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "a lawsuit is not a communication: cease does not forbid it",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Lawsuit).cease(),
            allow(),
        ),
        // 1006.6(a): the consumer's attorney is not "the consumer"; a cease request
        // (1006.6(c)) stops communications with the consumer, not with the attorney.
        case(
            "after a cease request the consumer's attorney may be called",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .cease()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "after a cease request the consumer's attorney may be written to",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Letter)
                .cease()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "after a cease request the consumer's attorney may be emailed",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Email)
                .cease()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "after a cease request the attorney may be called at 22:00 local (no hours)",
            CEASE_CITE,
            ask("2026-06-02T02:00:00Z", Call) // 06-01 22:00 EDT
                .cease()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "after a cease request an email to the consumer is denied",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Email).cease(),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "after a cease request an sms to the consumer is denied",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Sms).cease(),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "after a cease request the estate's representative is not called",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .cease()
                .to(Recipient::EstateRepresentative),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "after a cease request the estate's representative is not written to",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Letter)
                .cease()
                .deceased()
                .to(Recipient::EstateRepresentative),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "cease and represented: only the attorney may be called",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Call).cease().represented(),
            deny(&[CEASE, ATTORNEY])
                .never(CEASE)
                .never(ATTORNEY)
                .next_null(),
        ),
        case(
            "cease and represented: the attorney is allowed",
            CEASE_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .cease()
                .represented()
                .to(Recipient::Attorney),
            allow(),
        ),
        // ---------------- us.attorney_represented ----------------------------------
        case(
            "a represented consumer is not called",
            ATTORNEY_CITE,
            ask("2026-06-01T15:00:00Z", Call).represented(),
            deny(&[ATTORNEY]).never(ATTORNEY).next_null(),
        ),
        case(
            "a represented consumer is not written to",
            ATTORNEY_CITE,
            ask("2026-06-01T15:00:00Z", Letter).represented(),
            deny(&[ATTORNEY]).never(ATTORNEY).next_null(),
        ),
        case(
            "the attorney of a represented consumer may be called",
            ATTORNEY_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .represented()
                .to(Recipient::Attorney),
            allow(),
        ),
        case(
            "a represented consumer's debt may be sued on (not a communication)",
            ATTORNEY_CITE,
            ask("2026-06-01T15:00:00Z", Lawsuit).represented(),
            allow(),
        ),
        // ---------------- us.workplace_prohibited ----------------------------------
        case(
            "employer prohibits: a call to a work number is denied",
            WORKPLACE_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .employer_prohibits()
                .contact(ContactPointKind::Work, false), // kind work counts as workplace
            deny(&[WORKPLACE]).never(WORKPLACE).next_null(),
        ),
        case(
            "employer prohibits: a mobile marked workplace is denied",
            WORKPLACE_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .employer_prohibits()
                .contact(ContactPointKind::Mobile, true),
            deny(&[WORKPLACE]).never(WORKPLACE),
        ),
        case(
            "employer prohibits: a letter to the workplace address is denied",
            WORKPLACE_CITE,
            ask("2026-06-01T15:00:00Z", Letter)
                .employer_prohibits()
                .contact(ContactPointKind::Address, true),
            deny(&[WORKPLACE]).never(WORKPLACE),
        ),
        case(
            "employer prohibits: a personal mobile is allowed",
            WORKPLACE_CITE,
            ask("2026-06-01T15:00:00Z", Call)
                .employer_prohibits()
                .contact(ContactPointKind::Mobile, false),
            allow(),
        ),
        case(
            "employer does not prohibit: a work number is allowed",
            WORKPLACE_CITE,
            ask("2026-06-01T15:00:00Z", Call).contact(ContactPointKind::Work, true),
            allow(),
        ),
        // ---------------- us.electronic_opt_out ------------------------------------
        case(
            "email opted out: an email is denied",
            OPT_OUT_CITE,
            ask("2026-06-01T15:00:00Z", Email).email_opted_out(),
            deny(&[OPT_OUT]).never(OPT_OUT).next_null(),
        ),
        case(
            "email opted out: the opt-out confirmation email is allowed",
            OPT_OUT_CITE,
            ask("2026-06-01T15:00:00Z", Email)
                .email_opted_out()
                .purpose(Purpose::OptOutConfirmation),
            allow(),
        ),
        case(
            "email opted out: an sms is allowed",
            OPT_OUT_CITE,
            ask("2026-06-01T15:00:00Z", Sms).email_opted_out(),
            allow(),
        ),
        case(
            "sms opted out: an sms is denied",
            OPT_OUT_CITE,
            ask("2026-06-01T15:00:00Z", Sms).sms_opted_out(),
            deny(&[OPT_OUT]).never(OPT_OUT).next_null(),
        ),
        case(
            "sms opted out: the opt-out confirmation sms is allowed",
            OPT_OUT_CITE,
            ask("2026-06-01T15:00:00Z", Sms)
                .sms_opted_out()
                .purpose(Purpose::OptOutConfirmation),
            allow(),
        ),
        case(
            "sms opted out: a call is allowed",
            OPT_OUT_CITE,
            ask("2026-06-01T15:00:00Z", Call).sms_opted_out(),
            allow(),
        ),
        // ---------------- us.dispute_pending ---------------------------------------
        case(
            "dispute within the validation period (ends 2026-12-30): call denied",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        case(
            "dispute on the period's last local date (12-30 23:30 EST) counts",
            DISPUTE_CITE,
            ask("2027-01-04T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-31T04:30:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        case(
            "dispute on 12-31 00:30 EST is after the period: allowed",
            DISPUTE_CITE,
            ask("2027-01-04T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-31T05:30:00Z"),
            allow(),
        ),
        case(
            "notice sent 12-23 22:00 EST (12-24Z): the period ends 2027-01-30",
            DISPUTE_CITE,
            ask("2027-02-01T15:00:00Z", Call)
                .notice("D-1", "2026-12-24T03:00:00Z") // local 12-23 → receipt 12-31 → 01-30
                .dispute("D-1", "2027-01-30T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE),
        ),
        case(
            "notice sent 12-23 local: a dispute on 2027-01-31 is late",
            DISPUTE_CITE,
            // with the UTC date 12-24 the receipt would be 01-04 and the end 02-03
            ask("2027-02-01T15:00:00Z", Call)
                .notice("D-1", "2026-12-24T03:00:00Z")
                .dispute("D-1", "2027-01-31T15:00:00Z"),
            allow(),
        ),
        case(
            "dispute with no validation notice sent: denied at any time",
            DISPUTE_CITE,
            ask("2027-06-01T15:00:00Z", Call).dispute("D-1", "2027-05-01T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        case(
            "a validation notice dated after now is absent: the dispute counts",
            FACTS_AS_OF_NOW,
            ask("2026-12-20T15:00:00Z", Call)
                .notice("D-1", "2026-12-25T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE),
        ),
        case(
            "the verification letter is allowed while disputed",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", Letter)
                .purpose(Purpose::Verification)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z"),
            allow(),
        ),
        case(
            "verification by email is not the exception",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", Email)
                .purpose(Purpose::Verification)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE),
        ),
        case(
            "verification sent: collection resumes",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z")
                .verified("D-1", "2026-12-18T15:00:00Z"),
            allow(),
        ),
        case(
            "verification dated after now is not sent yet",
            FACTS_AS_OF_NOW,
            ask("2026-12-20T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z")
                .verified("D-1", "2026-12-21T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        case(
            "a dispute received after now is not a fact yet",
            FACTS_AS_OF_NOW,
            ask("2026-12-20T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-21T15:00:00Z"),
            allow(),
        ),
        case(
            "a dispute on D-2 does not block D-1",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", Call)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .notice("D-2", "2026-11-20T15:00:00Z")
                .dispute("D-2", "2026-12-15T15:00:00Z"),
            allow(),
        ),
        case(
            "a dispute blocks a lawsuit too (every action)",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", Lawsuit)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .dispute("D-1", "2026-12-15T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        case(
            "a dispute blocks credit reporting even after a conversation",
            DISPUTE_CITE,
            ask("2026-12-20T15:00:00Z", CreditReport)
                .notice("D-1", "2026-11-20T15:00:00Z")
                .h("2026-12-01T15:00:00Z", Call, Conversation, "D-1")
                .dispute("D-1", "2026-12-15T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        // ---------------- us.passive_credit_reporting ------------------------------
        case(
            "credit report with no communication at all",
            PASSIVE_CITE,
            ask("2026-03-10T15:00:00Z", CreditReport),
            deny(&[PASSIVE]).never(PASSIVE).next_null(),
        ),
        case(
            "notice sent 03-01: 03-15 23:59:59 (S+14) is too early",
            PASSIVE_CITE,
            ask("2026-03-16T03:59:59Z", CreditReport).notice("D-1", "2026-03-01T15:00:00Z"),
            // S+15 = 03-16, 00:00 EDT = 04:00Z; credit_report is not timed
            deny(&[PASSIVE])
                .clears(PASSIVE, "2026-03-16T04:00:00Z")
                .next("2026-03-16T04:00:00Z"),
        ),
        case(
            "notice sent 03-01: 03-16 00:00 EDT (S+15) is allowed",
            PASSIVE_CITE,
            ask("2026-03-16T04:00:00Z", CreditReport).notice("D-1", "2026-03-01T15:00:00Z"),
            allow(),
        ),
        case(
            "a letter in the history is enough",
            PASSIVE_CITE,
            ask("2026-03-16T04:00:00Z", CreditReport).h(
                "2026-03-01T15:00:00Z",
                Letter,
                Sent,
                "D-1",
            ),
            allow(),
        ),
        case(
            "an email in the history is enough, with its wait",
            PASSIVE_CITE,
            ask("2026-03-10T15:00:00Z", CreditReport).h("2026-03-01T15:00:00Z", Email, Sent, "D-1"),
            deny(&[PASSIVE]).clears(PASSIVE, "2026-03-16T04:00:00Z"),
        ),
        case(
            "an sms is not a letter or email",
            PASSIVE_CITE,
            ask("2026-03-20T15:00:00Z", CreditReport).h("2026-03-01T15:00:00Z", Sms, Sent, "D-1"),
            deny(&[PASSIVE]).never(PASSIVE).next_null(),
        ),
        case(
            "a letter about D-2 does not count for D-1",
            PASSIVE_CITE,
            ask("2026-03-20T15:00:00Z", CreditReport).h(
                "2026-03-01T15:00:00Z",
                Letter,
                Sent,
                "D-2",
            ),
            deny(&[PASSIVE]).never(PASSIVE).next_null(),
        ),
        case(
            "a conversation allows reporting at once",
            PASSIVE_CITE,
            ask("2026-03-02T03:00:00Z", CreditReport) // 03-01 22:00 EST: not timed
                .h("2026-03-01T15:00:00Z", Call, Conversation, "D-1"),
            allow(),
        ),
        case(
            "a conversation with the attorney is not one with the consumer",
            PASSIVE_CITE,
            ask("2026-03-02T15:00:00Z", CreditReport).attorney_entry(
                "2026-03-01T15:00:00Z",
                Call,
                Conversation,
                "D-1",
            ),
            deny(&[PASSIVE]).never(PASSIVE).next_null(),
        ),
        case(
            "an undeliverable notice after the letter resets the requirement",
            PASSIVE_CITE,
            ask("2026-03-20T15:00:00Z", CreditReport)
                .notice("D-1", "2026-03-01T15:00:00Z")
                .undeliverable("D-1", "2026-03-05T15:00:00Z"),
            deny(&[PASSIVE]).never(PASSIVE).next_null(),
        ),
        case(
            "an undeliverable notice at the letter's instant resets it (at or after)",
            PASSIVE_CITE,
            ask("2026-03-20T15:00:00Z", CreditReport)
                .notice("D-1", "2026-03-01T15:00:00Z")
                .undeliverable("D-1", "2026-03-01T15:00:00Z"),
            deny(&[PASSIVE]).never(PASSIVE),
        ),
        case(
            "an undeliverable notice dated after now is not a fact yet",
            FACTS_AS_OF_NOW,
            ask("2026-03-20T15:00:00Z", CreditReport)
                .notice("D-1", "2026-03-01T15:00:00Z")
                .undeliverable("D-1", "2026-03-21T15:00:00Z"),
            allow(),
        ),
        case(
            "a letter after the undeliverable notice starts a new wait",
            PASSIVE_CITE,
            ask("2026-03-16T15:00:00Z", CreditReport)
                .notice("D-1", "2026-03-01T15:00:00Z")
                .undeliverable("D-1", "2026-03-05T15:00:00Z")
                .h("2026-03-06T15:00:00Z", Letter, Sent, "D-1"),
            // S = 03-06, S+15 = 03-21, 00:00 EDT = 04:00Z
            deny(&[PASSIVE])
                .clears(PASSIVE, "2026-03-21T04:00:00Z")
                .next("2026-03-21T04:00:00Z"),
        ),
        case(
            "a validation notice dated after now is not sent yet",
            FACTS_AS_OF_NOW,
            ask("2026-03-20T15:00:00Z", CreditReport).notice("D-1", "2026-03-21T15:00:00Z"),
            deny(&[PASSIVE]).never(PASSIVE).next_null(),
        ),
        case(
            "the wait across 2026-11-01 ends at midnight EST",
            PASSIVE_CITE,
            ask("2026-11-01T15:00:00Z", CreditReport).h(
                "2026-10-20T15:00:00Z",
                Letter,
                Sent,
                "D-1",
            ),
            // S = 10-20, S+15 = 11-04, 00:00 EST = 05:00Z
            deny(&[PASSIVE])
                .clears(PASSIVE, "2026-11-04T05:00:00Z")
                .next("2026-11-04T05:00:00Z"),
        ),
        case(
            "the wait counts the leap day: 2028-02-15 + 15 = 03-01",
            PASSIVE_CITE,
            ask("2028-02-29T15:00:00Z", CreditReport).h(
                "2028-02-15T15:00:00Z",
                Letter,
                Sent,
                "D-1",
            ),
            // 00:00 EST on 03-01 = 05:00Z
            deny(&[PASSIVE])
                .clears(PASSIVE, "2028-03-01T05:00:00Z")
                .next("2028-03-01T05:00:00Z"),
        ),
        case(
            "S is the local date: a letter at 03-02 03:00Z was sent on 03-01 EST",
            PASSIVE_CITE,
            ask("2026-03-16T04:00:00Z", CreditReport).h(
                "2026-03-02T03:00:00Z",
                Letter,
                Sent,
                "D-1",
            ),
            allow(),
        ),
        // ---------------- us.time_barred_suit --------------------------------------
        case(
            "no suit on a time-barred debt",
            BARRED_CITE,
            ask("2026-06-01T15:00:00Z", Lawsuit).time_barred("D-1"),
            deny(&[BARRED]).never(BARRED).next_null(),
        ),
        case(
            "a time-barred D-2 does not bar a suit on D-1",
            BARRED_CITE,
            ask("2026-06-01T15:00:00Z", Lawsuit).time_barred("D-2"),
            allow(),
        ),
        case(
            "a time-barred debt may still be called about",
            BARRED_CITE,
            ask("2026-06-01T15:00:00Z", Call).time_barred("D-1"),
            allow(),
        ),
        // ---------------- us.bankruptcy_stay ---------------------------------------
        case(
            "the stay forbids a letter",
            STAY,
            ask("2026-06-01T15:00:00Z", Letter).bankrupt(),
            deny(&[BANKRUPTCY]).never(BANKRUPTCY).next_null(),
        ),
        case(
            "the stay forbids credit reporting after a conversation",
            STAY,
            ask("2026-06-01T15:00:00Z", CreditReport).bankrupt().h(
                "2026-05-01T15:00:00Z",
                Call,
                Conversation,
                "D-1",
            ),
            deny(&[BANKRUPTCY]).never(BANKRUPTCY).next_null(),
        ),
        case(
            "the stay forbids calling the attorney too",
            STAY,
            ask("2026-06-01T15:00:00Z", Call)
                .bankrupt()
                .represented()
                .to(Recipient::Attorney),
            deny(&[BANKRUPTCY]).never(BANKRUPTCY).next_null(),
        ),
        case(
            "the stay still forbids calling the attorney after a cease request",
            STAY,
            ask("2026-06-01T15:00:00Z", Call)
                .cease()
                .bankrupt()
                .to(Recipient::Attorney),
            deny(&[BANKRUPTCY]).never(BANKRUPTCY).next_null(),
        ),
        case(
            "the stay forbids even the cease confirmation letter",
            STAY,
            ask("2026-06-01T15:00:00Z", Letter)
                .bankrupt()
                .cease()
                .purpose(Purpose::CeaseConfirmation),
            deny(&[BANKRUPTCY]).never(BANKRUPTCY).next_null(),
        ),
        case(
            "every rule is listed: 22:00 call, cease, stay",
            STAY,
            ask("2026-06-02T02:00:00Z", Call).cease().bankrupt(),
            deny(&[TOD, CEASE, BANKRUPTCY])
                .clears(TOD, "2026-06-02T12:00:00Z")
                .never(CEASE)
                .never(BANKRUPTCY)
                .next_null(),
        ),
        // ---------------- us.deceased ----------------------------------------------
        case(
            "a deceased consumer is not written to",
            DECEASED_CITE,
            ask("2026-06-01T15:00:00Z", Letter).deceased(),
            deny(&[DECEASED]).never(DECEASED).next_null(),
        ),
        case(
            "the estate representative may be written to",
            DECEASED_CITE,
            ask("2026-06-01T15:00:00Z", Letter)
                .deceased()
                .to(Recipient::EstateRepresentative),
            allow(),
        ),
        case(
            "a call to a deceased consumer is denied",
            DECEASED_CITE,
            ask("2026-06-01T15:00:00Z", Call).deceased(),
            deny(&[DECEASED]).never(DECEASED).next_null(),
        ),
        // ---------------- us-ma.call_frequency -------------------------------------
        case(
            "MA: 2 calls in 7 days deny the 3rd",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1"),
            // D=03-10: 03-04 … 03-10 holds 2; D=03-11 holds 1 → 03-11 00:00 EDT = 04:00Z
            deny(&[MA])
                .clears(MA, "2026-03-11T04:00:00Z")
                .next("2026-03-11T12:00:00Z"),
        ),
        case(
            "MA: 1 call in 7 days allows the 2nd",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "MA: a call on D−7 (03-02) is out of the window",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-02T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "MA: counts across debts (a call about D-2, an sms about D-3)",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Sms)
                .state("MA")
                .h("2026-03-05T15:00:00Z", Call, Voicemail, "D-2")
                .h("2026-03-07T15:00:00Z", Sms, Sent, "D-3"),
            // D=03-12: 03-06 … 03-12 holds 1 → 03-12 00:00 EDT
            deny(&[MA])
                .clears(MA, "2026-03-12T04:00:00Z")
                .next("2026-03-12T12:00:00Z"),
        ),
        case(
            "MA: the same call logged under two debts counts once",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1")
                .calls(&["2026-03-07T15:00:00Z"], "D-2"),
            allow(),
        ),
        case(
            "MA: a call and an sms at the same instant are two",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1")
                .h("2026-03-07T15:00:00Z", Sms, Sent, "D-2"),
            deny(&[MA]).clears(MA, "2026-03-14T04:00:00Z"), // 03-07 leaves on D=03-14
        ),
        case(
            "MA: a busy call is not counted",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1")
                .h("2026-03-08T15:00:00Z", Call, Busy, "D-1"),
            allow(),
        ),
        case(
            "MA: an inbound call or sms is not placed by the collector",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Sms)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1")
                .inbound("2026-03-08T15:00:00Z", Call, Voicemail, "D-1")
                .inbound("2026-03-08T16:00:00Z", Sms, Sent, "D-1"),
            allow(),
        ),
        case(
            "MA: a call to the attorney is not counted",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1")
                .attorney_entry("2026-03-08T15:00:00Z", Call, NoAnswer, "D-1"),
            allow(),
        ),
        case(
            "MA: an email is not a call or sms",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Email)
                .state("MA")
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "MA: calls to the attorney have no state count",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .represented()
                .to(Recipient::Attorney)
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "NY: two calls are fine (the MA pack only applies in MA)",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("NY")
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "MA and federal both: the contract week in MA",
            MA_CITE,
            ask("2026-03-09T13:30:00Z", Call)
                .state("MA")
                .calls(&week, "D-1"),
            // federal: 03-10 (see above); MA: fewer than 2 once D−6 > 03-08, i.e. D = 03-15
            deny(&[FREQUENCY, MA])
                .clears(FREQUENCY, "2026-03-10T04:00:00Z")
                .clears(MA, "2026-03-15T04:00:00Z")
                .next("2026-03-15T12:00:00Z"),
        ),
        case(
            "MA: across 2026-11-01 the count clears at midnight EST",
            MA_CITE,
            ask("2026-11-01T15:00:00Z", Sms)
                .state("MA")
                .calls(&["2026-10-27T15:00:00Z", "2026-10-30T15:00:00Z"], "D-1"),
            // D=11-02: 10-27 … 11-02 holds 2; D=11-03: 10-28 … holds 1 → 11-03 00:00 EST
            deny(&[MA])
                .clears(MA, "2026-11-03T05:00:00Z")
                .next("2026-11-03T13:00:00Z"),
        ),
        case(
            "MA: a call at 03-03 04:30Z is on 03-02 EST, out of 03-03 … 03-09",
            MA_CITE,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-03T04:30:00Z", "2026-03-07T15:00:00Z"], "D-1"),
            allow(),
        ),
        case(
            "MA: an sms after now is not a fact yet",
            FACTS_AS_OF_NOW,
            ask("2026-03-09T15:00:00Z", Sms)
                .state("MA")
                .calls(&["2026-03-07T15:00:00Z"], "D-1")
                .h("2026-03-09T15:00:01Z", Sms, Sent, "D-1"),
            allow(),
        ),
    ];
    table.extend([
        case(
            "2026-11-01: a window 01:00-01:30 ends at 01:30 EDT, before the hour repeats",
            HOURS,
            ask("2026-11-01T05:15:00Z", Call).window("01:00", "01:30"), // 01:15 EDT
            deny(&[TOD, INCONVENIENT])
                .clears(INCONVENIENT, "2026-11-01T05:30:00Z") // 01:30 EDT
                .clears(TOD, "2026-11-01T13:00:00Z") // 08:00 EST
                .next("2026-11-01T13:00:00Z"),
        ),
        case(
            "NY + LA: window 11:00-14:00 in NY then in LA forms one block",
            HOURS,
            ask("2026-06-01T16:00:00Z", Call) // NY 12:00, LA 09:00
                .zones(&[NY, LA])
                .window("11:00", "14:00"),
            // NY window 15:00Z-18:00Z, LA window 18:00Z-21:00Z: free at 21:00Z
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-01T21:00:00Z")
                .next("2026-06-01T21:00:00Z"),
        ),
        case(
            "Puerto Rico + New York in January: 07:30 EST is too early",
            HOURS,
            ask("2026-01-15T12:30:00Z", Call).zones(&["America/Puerto_Rico", NY]), // PR 08:30
            deny(&[TOD]).clears(TOD, "2026-01-15T13:00:00Z"),                      // 08:00 EST
        ),
        case(
            "Guam: the conversation's local date is a day ahead of UTC",
            SEVEN_DAYS,
            ask("2026-06-08T00:00:00Z", Call) // ChST 06-08 10:00
                .zones(&["Pacific/Guam"])
                .h("2026-06-01T20:00:00Z", Call, Conversation, "D-1"), // ChST 06-02 06:00
            // C = 06-02, C+6 = 06-08; C+7 00:00 ChST = 06-08T14:00Z; 08:00 ChST = 22:00Z
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-06-08T14:00:00Z")
                .next("2026-06-08T22:00:00Z"),
        ),
        case(
            "7 calls and an 08:00-10:00 window: next is 10:00 the day the count clears",
            SEVEN_CALLS,
            ask("2026-03-09T13:30:00Z", Call) // 09:30 EDT
                .window("08:00", "10:00")
                .calls(&week, "D-1"),
            deny(&[FREQUENCY, INCONVENIENT])
                .clears(FREQUENCY, "2026-03-10T04:00:00Z")
                .clears(INCONVENIENT, "2026-03-09T14:00:00Z") // 10:00 EDT today
                .next("2026-03-10T14:00:00Z"), // 10:00 EDT on 03-10
        ),
    ]);
    // ---------------- consent given directly by the consumer -------------------------
    // Contract: a known consent (given_at ≤ now) for an action lifts us.time_of_day and
    // us.consumer_inconvenient_time at any t in [from, to); a known `call` consent lifts
    // us.call_frequency, us.call_after_conversation and the state frequency rules for a
    // call at t in [from, to) when t − given_at ≤ 168 h; a history call marked consent is
    // not counted (but can be a conversation); a time rule forbidding now clears at the
    // earlier of its usual clearing instant and the start of the next consent window in
    // which it no longer forbids. Everything else is unchanged.
    //
    // June 2026, New York is EDT (−4): 2026-06-02T01:30:00Z is 06-01 21:30 local. The
    // callback the consumer asked for at 14:00 EDT (18:00Z) that day: 21:15 … 21:45 EDT.
    const GIVEN: &str = "2026-06-01T18:00:00Z";
    const CALLBACK_FROM: &str = "2026-06-02T01:15:00Z"; // 21:15 EDT
    const CALLBACK_TO: &str = "2026-06-02T01:45:00Z"; // 21:45 EDT
    const LATE: &str = "2026-06-02T01:30:00Z"; // 21:30 EDT
    const NEXT_MORNING: &str = "2026-06-02T12:00:00Z"; // 06-02 08:00 EDT
    let late_call = || ask(LATE, Call);
    let callback = |request: Ask| request.consent(GIVEN, CALLBACK_FROM, CALLBACK_TO, Call);
    table.extend([
        case(
            "consent: a call at 21:30 local inside the consumer's callback window is allowed",
            CONSENT_HOURS,
            callback(late_call()),
            allow(),
        ),
        case(
            "consent: the same 21:30 call without the consent is denied until 08:00",
            HOURS,
            late_call(),
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        case(
            "consent: the window's from is inside (21:15 allowed)",
            CONSENT_HOURS,
            callback(ask(CALLBACK_FROM, Call)),
            allow(),
        ),
        case(
            "consent: the window's to is outside (21:45 denied until 08:00)",
            CONSENT_HOURS,
            callback(ask(CALLBACK_TO, Call)),
            // No later consent window: the usual 08:00 EDT of 06-02.
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        case(
            "consent: given after now it is unknown (21:30 denied)",
            CONSENT_HOURS,
            late_call().consent("2026-06-02T01:30:01Z", CALLBACK_FROM, CALLBACK_TO, Call),
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        case(
            "consent: given at exactly now it is known (21:30 allowed)",
            CONSENT_HOURS,
            late_call().consent(LATE, CALLBACK_FROM, CALLBACK_TO, Call),
            allow(),
        ),
        case(
            "consent: an sms consent does not allow a call at 21:30",
            CONSENT_HOURS,
            late_call().consent(GIVEN, CALLBACK_FROM, CALLBACK_TO, Sms),
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        case(
            "consent: an sms consent allows the sms at 21:30",
            CONSENT_HOURS,
            ask(LATE, Sms).consent(GIVEN, CALLBACK_FROM, CALLBACK_TO, Sms),
            allow(),
        ),
        case(
            "consent: a call consent does not allow an email at 21:30",
            CONSENT_HOURS,
            callback(ask(LATE, Email)),
            deny(&[TOD]).clears(TOD, NEXT_MORNING),
        ),
        case(
            "consent: an empty window (from = to) lifts nothing",
            CONSENT_HOURS,
            late_call().consent(GIVEN, LATE, LATE, Call),
            deny(&[TOD]).clears(TOD, NEXT_MORNING),
        ),
        // Clearing instants that move to the start of the next consent window.
        case(
            "consent: at 21:10 the time rule clears at 21:30, when the callback window opens",
            CONSENT_HOURS,
            ask("2026-06-02T01:10:00Z", Call) // 21:10 EDT
                .consent(GIVEN, "2026-06-02T01:30:00Z", "2026-06-02T02:00:00Z", Call),
            // usual 08:00 EDT (12:00Z) vs the window opening at 21:30 EDT (01:30Z)
            deny(&[TOD])
                .clears(TOD, "2026-06-02T01:30:00Z")
                .next("2026-06-02T01:30:00Z"),
        ),
        case(
            "consent: at 06:00 the time rule clears at 07:00, when the callback window opens",
            CONSENT_HOURS,
            ask("2026-06-01T10:00:00Z", Call) // 06:00 EDT
                .consent(
                    "2026-05-31T20:00:00Z",
                    "2026-06-01T11:00:00Z", // 07:00 EDT
                    "2026-06-01T11:30:00Z",
                    Call,
                ),
            // usual 08:00 EDT (12:00Z) vs the window opening at 07:00 EDT (11:00Z)
            deny(&[TOD])
                .clears(TOD, "2026-06-01T11:00:00Z")
                .next("2026-06-01T11:00:00Z"),
        ),
        case(
            "consent: a window opening after 08:00 does not move the clearing",
            CONSENT_HOURS,
            ask("2026-06-02T01:10:00Z", Call) // 06-01 21:10 EDT
                .consent(GIVEN, "2026-06-03T02:00:00Z", "2026-06-03T02:30:00Z", Call),
            // window 06-02 22:00 EDT is later than the usual 06-02 08:00 EDT: the earlier wins
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        case(
            "consent: an sms window does not move a call's clearing",
            CONSENT_HOURS,
            ask("2026-06-02T01:10:00Z", Call)
                .consent(GIVEN, "2026-06-02T01:30:00Z", "2026-06-02T02:00:00Z", Sms),
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        case(
            "consent: a consent given after now does not move the clearing",
            CONSENT_HOURS,
            ask("2026-06-02T01:10:00Z", Call).consent(
                "2026-06-02T01:20:00Z", // after now (01:10Z): unknown
                "2026-06-02T01:30:00Z",
                "2026-06-02T02:00:00Z",
                Call,
            ),
            deny(&[TOD])
                .clears(TOD, NEXT_MORNING)
                .next(NEXT_MORNING),
        ),
        // us.consumer_inconvenient_time
        case(
            "consent: a call at 12:35 inside an inconvenient 12:00-13:30 but in the callback window",
            CONSENT_HOURS,
            ask("2026-06-01T16:35:00Z", Call) // 12:35 EDT
                .window("12:00", "13:30")
                .consent(
                    "2026-06-01T13:00:00Z",
                    "2026-06-01T16:30:00Z", // 12:30 EDT
                    "2026-06-01T16:45:00Z", // 12:45 EDT
                    Call,
                ),
            allow(),
        ),
        case(
            "consent: at 12:10 the inconvenient window clears at 12:30, when the callback opens",
            CONSENT_HOURS,
            ask("2026-06-01T16:10:00Z", Call) // 12:10 EDT
                .window("12:00", "13:30")
                .consent(
                    "2026-06-01T13:00:00Z",
                    "2026-06-01T16:30:00Z",
                    "2026-06-01T16:45:00Z",
                    Call,
                ),
            // usual 13:30 EDT (17:30Z) vs the window opening at 12:30 EDT (16:30Z)
            deny(&[INCONVENIENT])
                .clears(INCONVENIENT, "2026-06-01T16:30:00Z")
                .next("2026-06-01T16:30:00Z"),
        ),
        // us.call_frequency: the contract week (7 calls at 12:00Z on 03-03 … 03-09), now
        // 2026-03-09T13:30:00Z (09:30 EDT).
        case(
            "consent: 7 calls in 7 days, a call inside a call consent window given 30 min ago",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-09T13:00:00Z",
                "2026-03-09T13:15:00Z",
                "2026-03-09T14:00:00Z",
                Call,
            ),
            allow(),
        ),
        case(
            "consent: given exactly 168 hours before the call it still lifts the 7-in-7",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-02T13:30:00Z", // t − given_at = 7 × 24 h
                "2026-03-09T13:15:00Z",
                "2026-03-09T14:00:00Z",
                Call,
            ),
            allow(),
        ),
        case(
            "consent: given 168 hours and a second before the call it does not",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-02T13:29:59Z",
                "2026-03-09T13:15:00Z",
                "2026-03-09T14:00:00Z",
                Call,
            ),
            // as the contract example: 03-10 00:00 EDT, next 08:00 EDT
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-10T04:00:00Z")
                .next("2026-03-10T12:00:00Z"),
        ),
        case(
            "consent: given 8 days before the call it does not lift the 7-in-7",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-01T13:30:00Z", // 8 × 24 h before now
                "2026-03-09T13:15:00Z",
                "2026-03-09T14:00:00Z",
                Call,
            ),
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-10T04:00:00Z")
                .next("2026-03-10T12:00:00Z"),
        ),
        case(
            "consent: an sms consent does not lift the 7-in-7 for a call",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-09T13:00:00Z",
                "2026-03-09T13:15:00Z",
                "2026-03-09T14:00:00Z",
                Sms,
            ),
            deny(&[FREQUENCY]).clears(FREQUENCY, "2026-03-10T04:00:00Z"),
        ),
        case(
            "consent: 7 calls in 7 days clear at 14:00 today, when the callback window opens",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-09T13:00:00Z",
                "2026-03-09T18:00:00Z", // 14:00 EDT, 5 h after it was given
                "2026-03-09T18:30:00Z",
                Call,
            ),
            // usual 03-10 00:00 EDT (04:00Z) vs the window opening at 18:00Z
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-09T18:00:00Z")
                .next("2026-03-09T18:00:00Z"),
        ),
        case(
            "consent: a window opening more than 168 hours after its consent does not move the clearing",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call).calls(&week, "D-1").consent(
                "2026-03-02T14:00:00Z", // known, and < 168 h before now …
                "2026-03-09T15:00:00Z", // … but 169 h before the window opens
                "2026-03-09T16:00:00Z",
                Call,
            ),
            deny(&[FREQUENCY])
                .clears(FREQUENCY, "2026-03-10T04:00:00Z")
                .next("2026-03-10T12:00:00Z"),
        ),
        case(
            "consent: at 21:10 one callback window at 21:30 clears both the hours and the 7-in-7",
            CONSENT_CALLS,
            ask("2026-03-10T01:10:00Z", Call) // 03-09 21:10 EDT
                .calls(&week, "D-1")
                .consent(
                    "2026-03-09T13:00:00Z",
                    "2026-03-10T01:30:00Z", // 03-09 21:30 EDT, 12.5 h after it was given
                    "2026-03-10T02:00:00Z",
                    Call,
                ),
            // usual: hours 03-10 08:00 EDT (12:00Z), 7-in-7 03-10 00:00 EDT (04:00Z);
            // both lifted from 01:30Z
            deny(&[TOD, FREQUENCY])
                .clears(TOD, "2026-03-10T01:30:00Z")
                .clears(FREQUENCY, "2026-03-10T01:30:00Z")
                .next("2026-03-10T01:30:00Z"),
        ),
        case(
            "consent: a consent call in the history is not counted (6 counted calls)",
            CONSENT_CALLS,
            ask("2026-03-09T13:30:00Z", Call)
                .calls(&week[..6], "D-1") // 03-03 … 03-08
                .calls(&["2026-03-09T12:00:00Z"], "D-1")
                .under_consent(),
            allow(),
        ),
        // us.call_after_conversation: a conversation on 06-01 (C) blocks 06-01 … 06-07.
        case(
            "consent: a call inside a callback window asked for in the conversation",
            CONSENT_CALLS,
            ask("2026-06-03T14:15:00Z", Call) // 10:15 EDT on C+2
                .h("2026-06-01T14:00:00Z", Call, Conversation, "D-1")
                .consent(
                    "2026-06-01T14:05:00Z",
                    "2026-06-03T14:00:00Z",
                    "2026-06-03T14:30:00Z",
                    Call,
                ),
            allow(),
        ),
        case(
            "consent: without it the conversation blocks the call until C+7",
            SEVEN_DAYS,
            ask("2026-06-03T14:15:00Z", Call).h("2026-06-01T14:00:00Z", Call, Conversation, "D-1"),
            // C+7 = 06-08 00:00 EDT = 04:00Z; 08:00 EDT = 12:00Z
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-06-08T04:00:00Z")
                .next("2026-06-08T12:00:00Z"),
        ),
        case(
            "consent: before the callback window the conversation's block clears when it opens",
            CONSENT_CALLS,
            ask("2026-06-03T13:00:00Z", Call) // 09:00 EDT
                .h("2026-06-01T14:00:00Z", Call, Conversation, "D-1")
                .consent(
                    "2026-06-01T14:05:00Z",
                    "2026-06-03T14:00:00Z",
                    "2026-06-03T14:30:00Z",
                    Call,
                ),
            // usual 06-08 00:00 EDT vs the window opening at 06-03 14:00Z (48 h after)
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-06-03T14:00:00Z")
                .next("2026-06-03T14:00:00Z"),
        ),
        case(
            "consent: a consent call that reached the consumer is still a conversation",
            CONSENT_CALLS,
            ask("2026-06-04T14:00:00Z", Call)
                .consent(
                    "2026-06-03T13:00:00Z",
                    "2026-06-03T14:00:00Z",
                    "2026-06-03T14:30:00Z",
                    Call,
                )
                .h("2026-06-03T14:10:00Z", Call, Conversation, "D-1")
                .under_consent(),
            // C = 06-03 (10:10 EDT); C+7 = 06-10 00:00 EDT = 04:00Z; the window is over
            deny(&[AFTER_CONVERSATION])
                .clears(AFTER_CONVERSATION, "2026-06-10T04:00:00Z")
                .next("2026-06-10T12:00:00Z"),
        ),
        // us-ma.call_frequency: 2 calls on 03-04 and 03-07, now 03-09 15:00Z (11:00 EDT).
        case(
            "consent: MA's 2-in-7 is lifted for a call inside a call consent window",
            CONSENT_CALLS,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1")
                .consent(
                    "2026-03-09T14:50:00Z",
                    "2026-03-09T14:55:00Z",
                    "2026-03-09T15:30:00Z",
                    Call,
                ),
            allow(),
        ),
        case(
            "consent: MA's 2-in-7 still limits an sms under a call consent",
            CONSENT_CALLS,
            ask("2026-03-09T15:00:00Z", Sms)
                .state("MA")
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1")
                .consent(
                    "2026-03-09T14:50:00Z",
                    "2026-03-09T14:55:00Z",
                    "2026-03-09T15:30:00Z",
                    Call,
                ),
            // D=03-10: 03-04 … 03-10 holds 2; D=03-11: 03-05 … holds 1 → 03-11 00:00 EDT
            deny(&[MA])
                .clears(MA, "2026-03-11T04:00:00Z")
                .next("2026-03-11T12:00:00Z"),
        ),
        case(
            "consent: MA does not count a consent call",
            CONSENT_CALLS,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-04T15:00:00Z", "2026-03-07T15:00:00Z"], "D-1")
                .under_consent(),
            allow(),
        ),
        case(
            "consent: MA counts an sms marked consent (only calls are uncounted)",
            CONSENT_CALLS,
            ask("2026-03-09T15:00:00Z", Call)
                .state("MA")
                .calls(&["2026-03-04T15:00:00Z"], "D-1")
                .h("2026-03-07T15:00:00Z", Sms, Sent, "D-1")
                .under_consent(),
            deny(&[MA]).clears(MA, "2026-03-11T04:00:00Z"),
        ),
        // Every other rule still forbids inside a consent window (21:30 EDT, callback).
        case(
            "consent: a callback window with cease requested is still denied",
            CEASE_CITE,
            callback(late_call()).cease(),
            deny(&[CEASE]).never(CEASE).next_null(),
        ),
        case(
            "consent: a callback window while represented is still denied",
            ATTORNEY_CITE,
            callback(late_call()).represented(),
            deny(&[ATTORNEY]).never(ATTORNEY).next_null(),
        ),
        case(
            "consent: a callback window during a bankruptcy is still denied",
            STAY,
            callback(late_call()).bankrupt(),
            deny(&[BANKRUPTCY]).never(BANKRUPTCY).next_null(),
        ),
        case(
            "consent: a callback window with a dispute pending is still denied",
            DISPUTE_CITE,
            callback(late_call()).dispute("D-1", "2026-05-20T15:00:00Z"),
            deny(&[DISPUTE]).never(DISPUTE).next_null(),
        ),
        case(
            "consent: an sms window after an sms opt-out is still denied",
            OPT_OUT_CITE,
            ask(LATE, Sms)
                .consent(GIVEN, CALLBACK_FROM, CALLBACK_TO, Sms)
                .sms_opted_out(),
            deny(&[OPT_OUT]).never(OPT_OUT).next_null(),
        ),
        case(
            "consent: a callback window for a deceased consumer is still denied",
            DECEASED_CITE,
            callback(late_call()).deceased(),
            deny(&[DECEASED]).never(DECEASED).next_null(),
        ),
    ]);
    // A multi-debt request whose debts are all listed even without history about them.
    table.push(case(
        "several debts listed, nothing against D-1",
        SEVEN_CALLS,
        ask("2026-03-09T15:00:00Z", Call)
            .also_debt("D-2")
            .also_debt("D-3"),
        allow(),
    ));
    table
}

// ---------------------------------------------------------------------------------------
// Running the table
// ---------------------------------------------------------------------------------------

fn show(instant: Option<Timestamp>) -> String {
    instant.map_or_else(|| "null".to_string(), |instant| instant.to_string())
}

fn failures_of(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let answer = check(&case.request);
    let mut found: Vec<&str> = answer.violations.iter().map(|v| v.rule).collect();
    let mut wanted = case.expect.rules.clone();
    found.sort_unstable();
    wanted.sort_unstable();
    if found != wanted {
        problems.push(format!("rules {found:?}, expected {wanted:?}"));
    }
    let mut deduplicated = found.clone();
    deduplicated.dedup();
    if deduplicated.len() != found.len() {
        problems.push(format!("a rule is reported twice: {found:?}"));
    }
    if answer.allowed() != answer.violations.is_empty() {
        problems.push("decision does not match the violations".into());
    }
    if answer.allowed() != wanted.is_empty() {
        problems.push(format!(
            "decision {}, expected {}",
            if answer.allowed() { "allow" } else { "deny" },
            if wanted.is_empty() { "allow" } else { "deny" },
        ));
    }
    for violation in &answer.violations {
        match CITATIONS.iter().find(|(rule, _)| *rule == violation.rule) {
            Some((_, citation)) if *citation != violation.citation => problems.push(format!(
                "{} cites {:?}, the contract says {citation:?}",
                violation.rule, violation.citation
            )),
            None => problems.push(format!("unknown rule id {}", violation.rule)),
            _ => {}
        }
        if let Some(clears) = violation.clears_at
            && clears < case.request.now
        {
            problems.push(format!("{} clears at {clears}, before now", violation.rule));
        }
    }
    for (rule, expected) in &case.expect.clears {
        let expected = expected.map(at);
        match answer.violations.iter().find(|v| v.rule == *rule) {
            Some(violation) if violation.clears_at != expected => problems.push(format!(
                "{rule} clears_at {}, expected {}",
                show(violation.clears_at),
                show(expected)
            )),
            None => problems.push(format!("{rule} not reported, so no clears_at")),
            _ => {}
        }
    }
    // Contract invariants for next_allowed_at.
    if answer.allowed() && answer.next_allowed_at != Some(case.request.now) {
        problems.push(format!(
            "allowed, but next_allowed_at {} is not now",
            show(answer.next_allowed_at)
        ));
    }
    if answer.violations.iter().any(|v| v.clears_at.is_none()) && answer.next_allowed_at.is_some() {
        problems.push(format!(
            "a violation never clears, but next_allowed_at is {}",
            show(answer.next_allowed_at)
        ));
    }
    if let Some(next) = answer.next_allowed_at {
        if next < case.request.now {
            problems.push(format!("next_allowed_at {next} is before now"));
        }
        for violation in &answer.violations {
            if violation.clears_at.is_some_and(|clears| next < clears) {
                problems.push(format!(
                    "next_allowed_at {next} is before {} clears",
                    violation.rule
                ));
            }
        }
    }
    let expected_next = match case.expect.next {
        Next::Unchecked => None,
        Next::Null => Some(None),
        Next::At(text) => Some(Some(at(text))),
    };
    if let Some(expected) = expected_next
        && answer.next_allowed_at != expected
    {
        problems.push(format!(
            "next_allowed_at {}, expected {}",
            show(answer.next_allowed_at),
            show(expected)
        ));
    }
    problems
}

#[test]
fn the_table_of_cases_from_the_contract() {
    let table = cases();
    let mut names: Vec<&str> = table.iter().map(|case| case.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "case names must be unique");
    let mut failures = Vec::new();
    for case in &table {
        let problems = failures_of(case);
        if !problems.is_empty() {
            failures.push(format!(
                "- {} [{}]\n    {}",
                case.name,
                case.citation,
                problems.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_every_rule_of_the_contract_with_a_deny_and_an_allow() {
    let table = cases();
    for (rule, _) in CITATIONS {
        assert!(
            table.iter().any(|case| case.expect.rules.contains(rule)),
            "no deny case for {rule}"
        );
    }
    assert!(table.len() >= 60, "{} cases", table.len());
    assert!(
        table
            .iter()
            .filter(|case| case.expect.rules.is_empty())
            .count()
            >= CITATIONS.len()
    );
}
