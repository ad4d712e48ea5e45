//! The compliance check's JSON, exactly as docs/compliance-check.md fixes it: requests
//! are parsed strictly (a value the contract does not list is malformed, naming the
//! field), unknown fields are ignored, omitted booleans are false, lists empty, instants
//! null; answers carry `decision`, `violations` and `next_allowed_at`.

use compliance::check::{Answer, Consumer, ContactPoint, Debt, Request};
use compliance::facts::{
    Action, Consent, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use compliance::hours::LocalWindow;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

/// Why a request is malformed: the field (a JSON path such as `history[2].at`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub field: String,
    pub reason: String,
}

type Parsed<T> = Result<T, Malformed>;

fn malformed<T>(field: &str, reason: impl Into<String>) -> Parsed<T> {
    Err(Malformed {
        field: field.to_string(),
        reason: reason.into(),
    })
}

fn object<'a>(value: &'a Value, field: &str) -> Parsed<&'a Map<String, Value>> {
    value
        .as_object()
        .map_or_else(|| malformed(field, "expected an object"), Ok)
}

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn required<'a>(map: &'a Map<String, Value>, parent: &str, key: &str) -> Parsed<&'a Value> {
    match map.get(key) {
        Some(Value::Null) | None => malformed(&path(parent, key), "required"),
        Some(value) => Ok(value),
    }
}

fn string<'a>(value: &'a Value, field: &str) -> Parsed<&'a str> {
    value
        .as_str()
        .map_or_else(|| malformed(field, "expected a string"), Ok)
}

fn boolean(map: &Map<String, Value>, parent: &str, key: &str) -> Parsed<bool> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(_) => malformed(&path(parent, key), "expected true or false"),
    }
}

fn instant(value: &Value, field: &str) -> Parsed<Timestamp> {
    let text = string(value, field)?;
    text.parse().or_else(|_| {
        malformed(
            field,
            "expected an RFC 3339 instant such as 2026-03-09T13:30:00Z",
        )
    })
}

fn optional_instant(
    map: &Map<String, Value>,
    parent: &str,
    key: &str,
) -> Parsed<Option<Timestamp>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => instant(value, &path(parent, key)).map(Some),
    }
}

fn code<T>(value: &Value, field: &str, parse: fn(&str) -> Option<T>, all: &[&str]) -> Parsed<T> {
    let text = string(value, field)?;
    parse(text).map_or_else(
        || malformed(field, format!("{text:?} is not one of {}", all.join(", "))),
        Ok,
    )
}

fn optional_code<T>(
    map: &Map<String, Value>,
    parent: &str,
    key: &str,
    default: T,
    parse: fn(&str) -> Option<T>,
    all: &[&str],
) -> Parsed<T> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => code(value, &path(parent, key), parse, all),
    }
}

fn codes_of<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|value| code(*value)).collect()
}

fn list<'a>(map: &'a Map<String, Value>, parent: &str, key: &str) -> Parsed<&'a [Value]> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => malformed(&path(parent, key), "expected a list"),
    }
}

/// Parses one request object.
pub fn parse_request(value: &Value) -> Parsed<Request> {
    let map = object(value, "request")?;
    let actions = codes_of(Action::ALL, Action::code);
    let action = code(
        required(map, "", "action")?,
        "action",
        Action::parse,
        &actions,
    )?;
    let debts = list(map, "", "debts")?
        .iter()
        .enumerate()
        .map(|(index, debt)| parse_debt(debt, &format!("debts[{index}]")))
        .collect::<Parsed<Vec<_>>>()?;
    let debt_id = string(required(map, "", "debt_id")?, "debt_id")?.to_string();
    if !debts.iter().any(|debt| debt.id == debt_id) {
        return malformed("debt_id", format!("{debt_id:?} names no entry of debts"));
    }
    let history = list(map, "", "history")?
        .iter()
        .enumerate()
        .map(|(index, entry)| parse_history(entry, &format!("history[{index}]")))
        .collect::<Parsed<Vec<_>>>()?;
    let contact_point = match map.get("contact_point") {
        None | Some(Value::Null) => None,
        Some(point) => Some(parse_contact_point(point)?),
    };
    let consents = list(map, "", "consents")?
        .iter()
        .enumerate()
        .map(|(index, consent)| parse_consent(consent, &format!("consents[{index}]")))
        .collect::<Parsed<Vec<_>>>()?;
    Ok(Request {
        now: instant(required(map, "", "now")?, "now")?,
        action,
        debt_id,
        recipient: optional_code(
            map,
            "",
            "recipient",
            Recipient::Consumer,
            Recipient::parse,
            &codes_of(Recipient::ALL, Recipient::code),
        )?,
        purpose: optional_code(
            map,
            "",
            "purpose",
            Purpose::Collection,
            Purpose::parse,
            &codes_of(Purpose::ALL, Purpose::code),
        )?,
        contact_point,
        consumer: parse_consumer(required(map, "", "consumer")?)?,
        debts,
        history,
        consents,
    })
}

/// A consent given directly by the consumer: `given_at`, `from`, `to` (instants) and
/// `action` (default `call`). A window whose `from` is not before `to` is empty, not
/// malformed: the contract lists no such rule, and an empty window lifts nothing.
fn parse_consent(value: &Value, field: &str) -> Parsed<Consent> {
    let map = object(value, field)?;
    let at = |key: &str| instant(required(map, field, key)?, &path(field, key));
    Ok(Consent {
        given_at: at("given_at")?,
        from: at("from")?,
        to: at("to")?,
        action: optional_code(
            map,
            field,
            "action",
            Action::Call,
            Action::parse,
            &codes_of(Action::ALL, Action::code),
        )?,
    })
}

fn parse_contact_point(value: &Value) -> Parsed<ContactPoint> {
    let map = object(value, "contact_point")?;
    let kinds = codes_of(ContactPointKind::ALL, ContactPointKind::code);
    let kind = code(
        required(map, "contact_point", "kind")?,
        "contact_point.kind",
        ContactPointKind::parse,
        &kinds,
    )?;
    Ok(ContactPoint {
        kind,
        workplace: boolean(map, "contact_point", "workplace")?,
    })
}

fn parse_consumer(value: &Value) -> Parsed<Consumer> {
    let map = object(value, "consumer")?;
    let zones = required(map, "consumer", "time_zones")?
        .as_array()
        .map_or_else(
            || {
                malformed(
                    "consumer.time_zones",
                    "expected a list of IANA time zone names",
                )
            },
            Ok,
        )?;
    if zones.is_empty() {
        return malformed("consumer.time_zones", "at least one IANA time zone name");
    }
    let time_zones = zones
        .iter()
        .enumerate()
        .map(|(index, zone)| {
            let field = format!("consumer.time_zones[{index}]");
            let name = string(zone, &field)?;
            TimeZone::get(name)
                .or_else(|_| malformed(&field, format!("{name:?} is not an IANA time zone")))
        })
        .collect::<Parsed<Vec<_>>>()?;
    let state = match map.get("state") {
        None | Some(Value::Null) => None,
        Some(value) => Some(string(value, "consumer.state")?.to_string()),
    };
    let windows = list(map, "consumer", "inconvenient_windows")?
        .iter()
        .enumerate()
        .map(|(index, window)| {
            parse_window(window, &format!("consumer.inconvenient_windows[{index}]"))
        })
        .collect::<Parsed<Vec<_>>>()?;
    Ok(Consumer {
        time_zones,
        state,
        cease_requested: boolean(map, "consumer", "cease_requested")?,
        attorney_represented: boolean(map, "consumer", "attorney_represented")?,
        bankruptcy_filed: boolean(map, "consumer", "bankruptcy_filed")?,
        deceased: boolean(map, "consumer", "deceased")?,
        email_opted_out: boolean(map, "consumer", "email_opted_out")?,
        sms_opted_out: boolean(map, "consumer", "sms_opted_out")?,
        employer_prohibits_contact: boolean(map, "consumer", "employer_prohibits_contact")?,
        inconvenient_windows: windows,
    })
}

fn parse_window(value: &Value, field: &str) -> Parsed<LocalWindow> {
    let map = object(value, field)?;
    let time = |key: &str| -> Parsed<Time> {
        let field = path(field, key);
        let text = string(
            required(map, "", key).map_err(|_| Malformed {
                field: field.clone(),
                reason: "required".into(),
            })?,
            &field,
        )?;
        let shaped = text.len() == 5 && text.as_bytes()[2] == b':';
        let parsed = shaped
            .then(|| Some((text[..2].parse::<i8>().ok()?, text[3..].parse::<i8>().ok()?)))
            .flatten();
        match parsed.and_then(|(hour, minute)| Time::new(hour, minute, 0, 0).ok()) {
            Some(time) => Ok(time),
            None => malformed(&field, "expected a local time HH:MM from 00:00 to 23:59"),
        }
    };
    Ok(LocalWindow {
        from: time("from")?,
        until: time("to")?,
    })
}

fn parse_debt(value: &Value, field: &str) -> Parsed<Debt> {
    let map = object(value, field)?;
    let (dispute_received_at, verification_sent_at) = match map.get("dispute") {
        None | Some(Value::Null) => (None, None),
        Some(dispute) => {
            let dispute_field = path(field, "dispute");
            let dispute = object(dispute, &dispute_field)?;
            (
                optional_instant(dispute, &dispute_field, "received_at")?,
                optional_instant(dispute, &dispute_field, "verification_sent_at")?,
            )
        }
    };
    Ok(Debt {
        id: string(required(map, field, "id")?, &path(field, "id"))?.to_string(),
        time_barred: boolean(map, field, "time_barred")?,
        validation_notice_sent_at: optional_instant(map, field, "validation_notice_sent_at")?,
        dispute_received_at,
        verification_sent_at,
        undeliverable_notice_at: optional_instant(map, field, "undeliverable_notice_at")?,
    })
}

fn parse_history(value: &Value, field: &str) -> Parsed<HistoryEntry> {
    let map = object(value, field)?;
    let actions = codes_of(Action::ALL, Action::code);
    let action = code(
        required(map, field, "action")?,
        &path(field, "action"),
        Action::parse,
        &actions,
    )?;
    let outcomes = codes_of(Outcome::ALL, Outcome::code);
    let outcome = code(
        required(map, field, "outcome")?,
        &path(field, "outcome"),
        Outcome::parse,
        &outcomes,
    )?;
    if !outcome.fits(action) {
        return malformed(
            &path(field, "outcome"),
            format!(
                "{:?} is not an outcome of a {}",
                outcome.code(),
                action.code()
            ),
        );
    }
    Ok(HistoryEntry {
        at: instant(required(map, field, "at")?, &path(field, "at"))?,
        debt_id: string(required(map, field, "debt_id")?, &path(field, "debt_id"))?.to_string(),
        action,
        outcome,
        direction: optional_code(
            map,
            field,
            "direction",
            Direction::Outbound,
            Direction::parse,
            &codes_of(Direction::ALL, Direction::code),
        )?,
        recipient: optional_code(
            map,
            field,
            "recipient",
            Recipient::Consumer,
            Recipient::parse,
            &codes_of(Recipient::ALL, Recipient::code),
        )?,
        consent: boolean(map, field, "consent")?,
    })
}

/// The answer object of the contract: [`crate::views::ComplianceAnswer`] as a value
/// (what the decision log stores as text).
pub fn answer_json(answer: &Answer) -> Value {
    serde_json::to_value(crate::views::ComplianceAnswer::of(answer)).expect("a view serialises")
}

/// A request in the contract's JSON: what the decision log stores, so an examiner can
/// put the same question to the engine again (`arrears compliance check`).
pub fn request_json(request: &Request) -> Value {
    let instant = |at: Option<Timestamp>| at.map(|at| at.to_string());
    let consumer = &request.consumer;
    let windows: Vec<Value> = consumer
        .inconvenient_windows
        .iter()
        .map(|window| {
            json!({
                "from": window.from.strftime("%H:%M").to_string(),
                "to": window.until.strftime("%H:%M").to_string(),
            })
        })
        .collect();
    let debts: Vec<Value> = request
        .debts
        .iter()
        .map(|debt| {
            json!({
                "id": debt.id,
                "time_barred": debt.time_barred,
                "validation_notice_sent_at": instant(debt.validation_notice_sent_at),
                "dispute": {
                    "received_at": instant(debt.dispute_received_at),
                    "verification_sent_at": instant(debt.verification_sent_at),
                },
                "undeliverable_notice_at": instant(debt.undeliverable_notice_at),
            })
        })
        .collect();
    let history: Vec<Value> = request
        .history
        .iter()
        .map(|entry| {
            json!({
                "at": entry.at.to_string(),
                "debt_id": entry.debt_id,
                "action": entry.action.code(),
                "outcome": entry.outcome.code(),
                "direction": entry.direction.code(),
                "recipient": entry.recipient.code(),
                "consent": entry.consent,
            })
        })
        .collect();
    let consents: Vec<Value> = request
        .consents
        .iter()
        .map(|consent| {
            json!({
                "given_at": consent.given_at.to_string(),
                "from": consent.from.to_string(),
                "to": consent.to.to_string(),
                "action": consent.action.code(),
            })
        })
        .collect();
    json!({
        "now": request.now.to_string(),
        "action": request.action.code(),
        "debt_id": request.debt_id,
        "recipient": request.recipient.code(),
        "purpose": request.purpose.code(),
        "contact_point": request.contact_point.map(|point| json!({
            "kind": point.kind.code(),
            "workplace": point.workplace,
        })),
        "consumer": {
            "time_zones": consumer
                .time_zones
                .iter()
                .map(|zone| zone.iana_name().unwrap_or("UTC"))
                .collect::<Vec<_>>(),
            "state": consumer.state,
            "cease_requested": consumer.cease_requested,
            "attorney_represented": consumer.attorney_represented,
            "bankruptcy_filed": consumer.bankruptcy_filed,
            "deceased": consumer.deceased,
            "email_opted_out": consumer.email_opted_out,
            "sms_opted_out": consumer.sms_opted_out,
            "employer_prohibits_contact": consumer.employer_prohibits_contact,
            "inconvenient_windows": windows,
        },
        "debts": debts,
        "history": history,
        "consents": consents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_with(extra: &str) -> Value {
        let text = format!(
            r#"{{"now": "2026-06-02T01:30:00Z", "action": "call", "debt_id": "D-1",
              "consumer": {{"time_zones": ["America/New_York"]}}, "debts": [{{"id": "D-1"}}]{extra}}}"#
        );
        serde_json::from_str(&text).unwrap()
    }

    fn field_of(extra: &str) -> String {
        match parse_request(&request_with(extra)) {
            Ok(_) => "parsed".into(),
            Err(malformed) => format!("{}: {}", malformed.field, malformed.reason),
        }
    }

    #[test]
    fn consents_are_read_with_call_as_the_default_action() {
        let request = parse_request(&request_with(
            r#", "consents": [
                {"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z"},
                {"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z", "action": "sms"}],
              "history": [{"at": "2026-06-01T18:00:00Z", "debt_id": "D-1", "action": "call", "outcome": "conversation", "consent": true},
                          {"at": "2026-06-01T17:00:00Z", "debt_id": "D-1", "action": "call", "outcome": "no_answer"}]"#,
        ))
        .unwrap();
        assert_eq!(
            request.consents,
            [
                Consent {
                    given_at: "2026-06-01T18:00:00Z".parse().unwrap(),
                    from: "2026-06-02T01:15:00Z".parse().unwrap(),
                    to: "2026-06-02T01:45:00Z".parse().unwrap(),
                    action: Action::Call,
                },
                Consent {
                    given_at: "2026-06-01T18:00:00Z".parse().unwrap(),
                    from: "2026-06-02T01:15:00Z".parse().unwrap(),
                    to: "2026-06-02T01:45:00Z".parse().unwrap(),
                    action: Action::Sms,
                },
            ]
        );
        let marks: Vec<bool> = request.history.iter().map(|entry| entry.consent).collect();
        assert_eq!(marks, [true, false]);
        // Omitted: no consent; null is omitted.
        assert!(
            parse_request(&request_with(""))
                .unwrap()
                .consents
                .is_empty()
        );
        assert!(
            parse_request(&request_with(r#", "consents": null"#))
                .unwrap()
                .consents
                .is_empty()
        );
        // The contract's JSON written back reads as the same request (the decision log).
        assert_eq!(parse_request(&request_json(&request)).unwrap(), request);
    }

    #[test]
    fn a_malformed_consent_is_named_by_its_json_path() {
        let cases = [
            (
                r#", "consents": {"given_at": "2026-06-01T18:00:00Z"}"#,
                "consents: expected a list",
            ),
            (
                r#", "consents": ["tomorrow"]"#,
                "consents[0]: expected an object",
            ),
            (
                r#", "consents": [{"from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z"}]"#,
                "consents[0].given_at: required",
            ),
            (
                r#", "consents": [{"given_at": "2026-06-01T18:00:00Z", "to": "2026-06-02T01:45:00Z"}]"#,
                "consents[0].from: required",
            ),
            (
                r#", "consents": [{"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": null}]"#,
                "consents[0].to: required",
            ),
            (
                r#", "consents": [{"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z"},
                                   {"given_at": "2026-06-01 18:00", "from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z"}]"#,
                "consents[1].given_at: expected an RFC 3339 instant such as 2026-03-09T13:30:00Z",
            ),
            (
                r#", "consents": [{"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": 5}]"#,
                "consents[0].to: expected a string",
            ),
            (
                r#", "consents": [{"given_at": "2026-06-01T18:00:00Z", "from": "2026-06-02T01:15:00Z", "to": "2026-06-02T01:45:00Z", "action": "fax"}]"#,
                "consents[0].action: \"fax\" is not one of call, sms, email, letter, visit, credit_report, lawsuit",
            ),
            (
                r#", "history": [{"at": "2026-06-01T18:00:00Z", "debt_id": "D-1", "action": "call", "outcome": "no_answer", "consent": "yes"}]"#,
                "history[0].consent: expected true or false",
            ),
        ];
        for (extra, expected) in cases {
            assert_eq!(field_of(extra), expected, "{extra}");
        }
    }
}
