//! Real answers against the OpenAPI document: every documented GET and the main POSTs
//! are called on a running server as an authorised user (and a few refused ones), and
//! each JSON body is validated against the schema `/api/openapi.json` gives for its
//! status. The validator below covers the JSON Schema the document uses and is strict
//! about objects: a property the schema does not declare is a problem too, so an
//! answer cannot grow a field the document lacks, nor lose a required one.

use crate::api::{CA, Client, Fixture, NY, PASSWORD, Reply, SMS_SECRET, http};
use domain::party::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use store::Actor;
use web::api::{ROUTES, Verb};

// ---------------------------------------------------------------- the validator

/// The problems of `value` against `schema` (JSON Schema 2020-12 as OpenAPI 3.1 uses it,
/// the keywords the document uses), each with the JSON path where it is.
pub fn validate(document: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut problems = Vec::new();
    check(document, schema, value, at, &mut problems);
    problems
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// A decimal amount: what [`app::views::DECIMAL_PATTERN`] says.
fn is_decimal(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, cents)) => digits(whole) && digits(cents),
        None => digits(unsigned),
    }
}

fn check(document: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        problems.push(format!("{at}: the schema is not an object: {schema}"));
        return;
    };
    for (keyword, expected) in schema {
        match keyword.as_str() {
            "$ref" => {
                let target = expected.as_str().unwrap_or_default();
                match target
                    .strip_prefix('#')
                    .and_then(|pointer| document.pointer(pointer))
                {
                    Some(resolved) => check(document, resolved, value, at, problems),
                    None => problems.push(format!("{at}: $ref {target} does not resolve")),
                }
            }
            "type" => {
                let kinds: Vec<&str> = match expected {
                    Value::String(kind) => vec![kind],
                    Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                if !kinds.iter().any(|kind| type_matches(kind, value)) {
                    problems.push(format!("{at}: expected type {expected}, got {value}"));
                }
            }
            "enum" => {
                if !expected.as_array().is_some_and(|codes| codes.contains(value)) {
                    problems.push(format!("{at}: {value} is not one of {expected}"));
                }
            }
            "const" => {
                if expected != value {
                    problems.push(format!("{at}: expected {expected}, got {value}"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in expected.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or_default();
                        if !object.contains_key(name) {
                            problems.push(format!("{at}: required property {name} is missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let (Some(object), Some(properties)) = (value.as_object(), expected.as_object())
                {
                    for (name, item) in object {
                        match properties.get(name) {
                            Some(property) => {
                                check(document, property, item, &format!("{at}.{name}"), problems);
                            }
                            // Strict: only what the schema declares, unless it says otherwise.
                            None if !schema.contains_key("additionalProperties") => problems
                                .push(format!("{at}: property {name} is not in the document")),
                            None => {}
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(object) = value.as_object() {
                    let declared = schema.get("properties").and_then(Value::as_object);
                    for (name, item) in object {
                        if declared.is_some_and(|declared| declared.contains_key(name)) {
                            continue;
                        }
                        match expected {
                            Value::Bool(true) => {}
                            Value::Bool(false) => problems
                                .push(format!("{at}: property {name} is not allowed")),
                            other => check(document, other, item, &format!("{at}.{name}"), problems),
                        }
                    }
                }
            }
            "items" => {
                for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(document, expected, item, &format!("{at}[{index}]"), problems);
                }
            }
            "allOf" => {
                for branch in expected.as_array().into_iter().flatten() {
                    check(document, branch, value, at, problems);
                }
            }
            "anyOf" | "oneOf" => {
                let matching = expected
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|branch| validate(document, branch, value, at).is_empty())
                    .count();
                let fine = if keyword == "anyOf" {
                    matching > 0
                } else {
                    matching == 1
                };
                if !fine {
                    problems.push(format!(
                        "{at}: {value} matches {matching} of the {keyword} branches {expected}"
                    ));
                }
            }
            "format" => {
                if let Some(text) = value.as_str() {
                    let fine = match expected.as_str().unwrap_or_default() {
                        "date" => text.len() == 10 && text.parse::<jiff::civil::Date>().is_ok(),
                        "date-time" => text.parse::<jiff::Timestamp>().is_ok(),
                        unknown => {
                            problems.push(format!("{at}: the validator does not know format {unknown}"));
                            true
                        }
                    };
                    if !fine {
                        problems.push(format!("{at}: {text:?} is not a {expected}"));
                    }
                }
            }
            "pattern" => {
                if let Some(text) = value.as_str() {
                    if expected.as_str() == Some(app::views::DECIMAL_PATTERN) {
                        if !is_decimal(text) {
                            problems.push(format!("{at}: {text:?} is not a decimal amount"));
                        }
                    } else {
                        problems.push(format!("{at}: the validator does not know pattern {expected}"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let (Some(number), Some(bound)) = (value.as_f64(), expected.as_f64()) {
                    let fine = if keyword == "minimum" {
                        number >= bound
                    } else {
                        number <= bound
                    };
                    if !fine {
                        problems.push(format!("{at}: {number} is outside {keyword} {bound}"));
                    }
                }
            }
            "minItems" | "maxItems" | "minLength" | "maxLength" => {
                let length = match value {
                    Value::Array(items) if keyword.ends_with("Items") => Some(items.len()),
                    Value::String(text) if keyword.ends_with("Length") => Some(text.chars().count()),
                    _ => None,
                };
                if let (Some(length), Some(bound)) = (length, expected.as_u64()) {
                    let bound = usize::try_from(bound).unwrap_or(usize::MAX);
                    if (keyword.starts_with("min") && length < bound)
                        || (keyword.starts_with("max") && length > bound)
                    {
                        problems.push(format!("{at}: length {length} is outside {keyword} {bound}"));
                    }
                }
            }
            // Annotations: nothing to check.
            "description" | "title" | "default" | "examples" | "deprecated" => {}
            unknown => problems.push(format!(
                "{at}: the validator does not know the keyword {unknown}; teach it before the document uses it"
            )),
        }
    }
}

#[test]
fn the_validator_finds_what_is_wrong() {
    let document = json!({"components": {"schemas": {
        "Thing": {
            "type": "object",
            "required": ["id", "amount", "on", "kind"],
            "properties": {
                "id": {"type": "integer"},
                "amount": {"type": "string", "pattern": app::views::DECIMAL_PATTERN},
                "on": {"type": ["string", "null"], "format": "date"},
                "kind": {"type": "string", "enum": ["plan", "settlement"]},
                "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                "maybe": {"anyOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "null"}]},
            },
        },
    }}});
    let schema = json!({"$ref": "#/components/schemas/Thing"});
    let good = json!({"id": 1, "amount": "-12.50", "on": null, "kind": "plan", "maybe": null,
        "parts": [{"id": 2, "amount": "3", "on": "2026-12-01", "kind": "settlement"}]});
    assert_eq!(
        validate(&document, &schema, &good, "$"),
        Vec::<String>::new()
    );
    let bad = json!({"id": "1", "amount": "12,50", "on": "2026-13-01", "kind": "gift", "extra": true,
        "parts": [{"id": 2, "amount": "3", "kind": "plan"}], "maybe": {"id": 3}});
    let problems = validate(&document, &schema, &bad, "$");
    for expected in [
        "$.id: expected type \"integer\"",
        "$.amount: \"12,50\" is not a decimal amount",
        "$.on: \"2026-13-01\" is not a \"date\"",
        "$.kind: \"gift\" is not one of",
        "$: property extra is not in the document",
        "$.parts[0]: required property on is missing",
        "$.maybe: {\"id\":3} matches 0 of the anyOf branches",
    ] {
        assert!(
            problems.iter().any(|problem| problem.starts_with(expected)),
            "{expected} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 7, "{problems:#?}");
    let unknown = validate(&document, &json!({"multipleOf": 2}), &json!(4), "$");
    assert!(unknown[0].contains("does not know the keyword multipleOf"));
    assert!(is_decimal("0") && is_decimal("125.50") && is_decimal("-3.10"));
    assert!(!is_decimal("") && !is_decimal("1.") && !is_decimal(".5") && !is_decimal("1e3"));
}

// ---------------------------------------------------------------- calling the routes

/// Calls routes and checks each answer against the document.
struct Checker {
    document: Value,
    /// (operationId, status) of every answer validated.
    seen: BTreeSet<(&'static str, u16)>,
}

impl Checker {
    /// `verb` on the route `template` with its `{name}`s filled in; the answer's status
    /// must be documented and its body valid against that status's schema.
    async fn call(
        &mut self,
        client: Option<&Client>,
        address: std::net::SocketAddr,
        verb: Verb,
        template: &str,
        params: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let route = ROUTES
            .iter()
            .find(|route| route.verb == verb && route.path == template)
            .unwrap_or_else(|| panic!("no route {} {template}", verb.code()));
        let mut path = template.to_string();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        let auth = client.map(Client::auth);
        let headers: Vec<(&str, &str)> = auth
            .iter()
            .map(|auth| ("Authorization", auth.as_str()))
            .collect();
        let text = body.map(|body| body.to_string());
        let method = match verb {
            Verb::Get => "GET",
            Verb::Post => "POST",
        };
        let reply: Reply = http(address, method, &path, &headers, text.as_deref()).await;
        let operation = &self.document["paths"][template][verb.code()];
        let response = &operation["responses"][reply.status.to_string()];
        assert!(
            response.is_object(),
            "{} {path} answered {}, which the document does not list: {reply:?}",
            route.operation_id,
            reply.status
        );
        let schema = &response["content"]["application/json"]["schema"];
        let answer = reply.json();
        let problems = validate(&self.document, schema, &answer, "$");
        assert!(
            problems.is_empty(),
            "{} {path} answered {} not as documented:\n{problems:#?}\n{answer:#}",
            route.operation_id,
            reply.status
        );
        self.seen.insert((route.operation_id, reply.status));
        (reply.status, answer)
    }
}

const ACCOUNT: &str = "/api/v1/accounts/{creditor}/{account_ref}";

fn account(template_tail: &str) -> String {
    format!("{ACCOUNT}{template_tail}")
}

/// Every documented GET and the main POSTs, answered as documented.
#[tokio::test]
async fn real_answers_match_the_document() {
    let fixture = Fixture::start().await;
    let address = fixture.address;
    let agent = &fixture.agent;
    let actor = Actor::new("test:admin");
    fixture
        .store
        .add_user(&actor, "sue", Role::Supervisor, PASSWORD)
        .await
        .unwrap();
    fixture
        .store
        .assign_creditors(&actor, "sue", &["NBANK".to_string()])
        .await
        .unwrap();
    let supervisor = Client {
        address,
        token: fixture
            .store
            .create_api_token(&actor, "sue", "test")
            .await
            .unwrap(),
    };
    let document = agent.get(web::api::OPENAPI_PATH).await.json();
    let mut checker = Checker {
        document,
        seen: BTreeSet::new(),
    };
    let ca = [("creditor", "NBANK"), ("account_ref", "CA-1")];
    let ny = [("creditor", "NBANK"), ("account_ref", "NY-1")];
    let get = Verb::Get;
    let post = Verb::Post;
    let a = Some(agent);

    // The document itself.
    checker
        .call(a, address, get, web::api::OPENAPI_PATH, &[], None)
        .await;

    // Attempts: logged (20:00 in Fresno), refused by the check (23:00 in New York), stale.
    let version = agent.version(CA).await;
    let attempt = json!({"version": version, "action": "call", "contact": "+15595550102", "disposition": "no_answer", "note": "rang out"});
    let (status, created) = checker
        .call(
            a,
            address,
            post,
            &account("/attempts"),
            &ca,
            Some(attempt.clone()),
        )
        .await;
    assert_eq!(status, 201);
    let version = created["version"].as_i64().unwrap();
    let (status, _) = checker
        .call(a, address, post, &account("/attempts"), &ca, Some(attempt))
        .await;
    assert_eq!(status, 409, "the version it was based on is gone");
    let ny_version = agent.version(NY).await;
    let (status, refusal) = checker
        .call(
            a,
            address,
            post,
            &account("/attempts"),
            &ny,
            Some(json!({"version": ny_version, "contact": "+15185550101", "disposition": "no_answer"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(refusal["compliance"]["decision"], "deny");

    // The compliance check: asked for an account, asked with a contract request, malformed.
    let (status, asked) = checker
        .call(
            a,
            address,
            post,
            &account("/compliance"),
            &ny,
            Some(json!({"action": "call"})),
        )
        .await;
    assert_eq!((status, asked["decision"].as_str()), (200, Some("deny")));
    let (status, _) = checker
        .call(
            a,
            address,
            post,
            &account("/compliance"),
            &ca,
            Some(json!({"action": "fax"})),
        )
        .await;
    assert_eq!(status, 422);
    let request = json!({"now": "2026-03-09T15:00:00Z", "action": "call", "debt_id": "D-1", "consumer": {"time_zones": ["America/New_York"]}, "debts": [{"id": "D-1"}]});
    let (status, answer) = checker
        .call(
            a,
            address,
            post,
            "/api/v1/compliance/check",
            &[],
            Some(request),
        )
        .await;
    assert_eq!((status, answer["decision"].as_str()), (200, Some("allow")));
    let (status, _) = checker
        .call(
            a,
            address,
            post,
            "/api/v1/compliance/check",
            &[],
            Some(json!({"action": "call"})),
        )
        .await;
    assert_eq!(status, 422);

    // Callbacks: one the debtor asked for at 07:30 their time (their consent), one the
    // agent chose then (refused with the check's answer), one not in the future.
    let ny_version = agent.version(NY).await;
    let (status, scheduled) = checker
        .call(
            a,
            address,
            post,
            &account("/callbacks"),
            &ny,
            Some(json!({"version": ny_version, "at": "2026-11-24T07:30", "requested_by_debtor": true, "note": "asked for an early call"})),
        )
        .await;
    assert_eq!(status, 201, "{scheduled}");
    assert_eq!(scheduled["outside_hours"], true);
    let ny_version = scheduled["version"].as_i64().unwrap();
    let (status, refusal) = checker
        .call(
            a,
            address,
            post,
            &account("/callbacks"),
            &ny,
            Some(json!({"version": ny_version, "at": "2026-11-25T07:30", "requested_by_debtor": false})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(refusal["compliance"]["decision"], "deny");
    let (status, _) = checker
        .call(
            a,
            address,
            post,
            &account("/callbacks"),
            &ny,
            Some(json!({"version": ny_version, "at": "2026-11-20T10:00", "requested_by_debtor": true})),
        )
        .await;
    assert_eq!(status, 422);

    // A promise, a note, a contact point.
    let (status, created) = checker
        .call(
            a,
            address,
            post,
            &account("/promises"),
            &ca,
            Some(json!({"version": version, "payments": [{"due_on": "2026-12-01", "amount": "20.00"}, {"due_on": "2027-01-01", "amount": "20.00"}]})),
        )
        .await;
    assert_eq!(status, 201);
    let version = created["version"].as_i64().unwrap();
    let (status, _) = checker
        .call(
            a,
            address,
            post,
            &account("/promises"),
            &ca,
            Some(json!({"version": version, "payments": []})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, created) = checker
        .call(
            a,
            address,
            post,
            &account("/notes"),
            &ca,
            Some(json!({"version": version, "body": "promised twice"})),
        )
        .await;
    assert_eq!(status, 201);
    let version = created["version"].as_i64().unwrap();
    let (status, created) = checker
        .call(
            a,
            address,
            post,
            &account("/contacts"),
            &ca,
            Some(json!({"version": version, "kind": "email", "value": "cy@example.com", "source": "skip_trace"})),
        )
        .await;
    assert_eq!(status, 201);
    let version = created["version"].as_i64().unwrap();

    // Money: a payment, a plan (active, then one outside policy), a money change
    // (posted, then waiting), a settlement beyond the agent's authority.
    let (status, created) = checker
        .call(
            a,
            address,
            post,
            &account("/payments"),
            &ca,
            Some(json!({"version": version, "amount": "50.00", "method": "ach", "paid_on": "2026-11-23", "reference": "DOC-1"})),
        )
        .await;
    assert_eq!(status, 201);
    let version = created["version"].as_i64().unwrap();
    let (status, plan) = checker
        .call(
            a,
            address,
            post,
            &account("/plans"),
            &ca,
            Some(json!({"version": version, "frequency": "monthly", "installments": 4, "first_due": "2026-12-01"})),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let (status, pending) = checker
        .call(
            a,
            address,
            post,
            &account("/plans"),
            &ca,
            Some(json!({"version": plan["version"], "frequency": "monthly", "installments": 40, "first_due": "2026-12-01", "replace": true})),
        )
        .await;
    assert_eq!(status, 202, "{pending}");
    let (status, posted) = checker
        .call(
            a,
            address,
            post,
            &account("/money-changes"),
            &ca,
            Some(json!({"version": pending["version"], "change": "adjustment", "amount": "10.00", "bucket": "fees", "reason_code": "billing_error"})),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    let (status, waiting) = checker
        .call(
            a,
            address,
            post,
            &account("/money-changes"),
            &ca,
            Some(json!({"version": posted["version"], "change": "write_off", "amount": "150.00", "reason_code": "small_balance"})),
        )
        .await;
    assert_eq!(status, 202, "{waiting}");
    let ny_version = agent.version(NY).await;
    let (status, settlement) = checker
        .call(
            a,
            address,
            post,
            &account("/settlements"),
            &ny,
            Some(json!({"version": ny_version, "payments": [{"due_on": "2026-12-01", "amount": "65.00"}]})),
        )
        .await;
    assert_eq!(status, 202, "{settlement}");
    let (status, _) = checker
        .call(
            a,
            address,
            post,
            &account("/settlements"),
            &ny,
            Some(json!({"version": settlement["version"], "payments": [{"due_on": "2026-12-01", "amount": "1,00"}]})),
        )
        .await;
    assert_eq!(status, 422);

    // Approvals: the queue, a decision, the same decision again, a missing one.
    let s = Some(&supervisor);
    let (status, queue) = checker
        .call(s, address, get, "/api/v1/approvals", &[], None)
        .await;
    assert_eq!(status, 200);
    let approvals = queue["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 3, "{queue}");
    let id = approvals[0]["id"].to_string();
    let approval = [("id", id.as_str())];
    let (status, _) = checker
        .call(
            s,
            address,
            post,
            "/api/v1/approvals/{id}",
            &approval,
            Some(json!({"decision": "reject", "note": "no"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = checker
        .call(
            s,
            address,
            post,
            "/api/v1/approvals/{id}",
            &approval,
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = checker
        .call(
            s,
            address,
            post,
            "/api/v1/approvals/{id}",
            &[("id", "999999")],
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(status, 404);

    // A dispute puts New York on hold.
    let ny_version = agent.version(NY).await;
    let (status, _) = checker
        .call(
            a,
            address,
            post,
            &account("/disputes"),
            &ny,
            Some(json!({"version": ny_version, "detail": "not mine"})),
        )
        .await;
    assert_eq!(status, 201);

    // Every read, with something in it.
    for (tail, list) in [
        ("", None),
        ("/attempts", Some("attempts")),
        ("/promises", Some("promises")),
        ("/notes", Some("notes")),
        ("/contacts", Some("contact_points")),
        ("/payments", Some("payments")),
    ] {
        let (status, answer) = checker
            .call(a, address, get, &account(tail), &ca, None)
            .await;
        assert_eq!(status, 200);
        if let Some(list) = list {
            assert!(
                !answer[list].as_array().unwrap().is_empty(),
                "{tail}: {answer}"
            );
        }
    }
    let (_, held) = checker.call(a, address, get, ACCOUNT, &ny, None).await;
    assert_eq!(held["holds"], json!(["dispute"]));
    let (_, read) = checker.call(a, address, get, ACCOUNT, &ca, None).await;
    let reasons: Vec<&str> = read["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["placement", "payment", "adjustment"]);

    // Refused: another creditor's account, no token, a role without the permission.
    let other = [("creditor", "OTHER"), ("account_ref", "OT-1")];
    let (status, _) = checker.call(a, address, get, ACCOUNT, &other, None).await;
    assert_eq!(status, 404);
    let (status, _) = checker.call(None, address, get, ACCOUNT, &ca, None).await;
    assert_eq!(status, 401);
    let (status, _) = checker
        .call(
            Some(&fixture.auditor),
            address,
            post,
            &account("/notes"),
            &ca,
            Some(json!({"version": 1, "body": "x"})),
        )
        .await;
    assert_eq!(status, 403);

    // What was covered: every GET, and every POST with a success.
    for route in ROUTES {
        let answered: Vec<u16> = checker
            .seen
            .iter()
            .filter(|(operation, _)| *operation == route.operation_id)
            .map(|(_, status)| *status)
            .collect();
        let success = if route.verb == Verb::Get { 200 } else { 201 };
        assert!(
            answered.iter().any(|status| (200..300).contains(status))
                && (route.verb == Verb::Post || answered.contains(&success)),
            "{} was not validated with a success: {answered:?}",
            route.operation_id
        );
    }
    // The SMS provider's webhook: signed texts (a reply, a help word, a stop word), an
    // unsigned one and one missing a field, each answered as the document says.
    let document = &checker.document;
    let webhook = &document["paths"][web::api::SMS_INBOUND]["post"];
    assert_eq!(webhook["security"], json!([{"smsSignature": []}]));
    for (body, signed, status, outcome) in [
        (
            "From=%2B15595550102&To=%2B15555550100&Body=Can+I+pay+Friday%3F&MessageSid=SM-Q1",
            true,
            200,
            Some("query"),
        ),
        (
            "From=%2B15185550101&To=%2B15555550100&Body=HELP&MessageSid=SM-H1",
            true,
            200,
            Some("help"),
        ),
        (
            "From=%2B15185550101&To=%2B15555550100&Body=STOP&MessageSid=SM-S1",
            true,
            200,
            Some("opted_out"),
        ),
        (
            "From=%2B15185550101&To=%2B15555550100&Body=STOP",
            false,
            401,
            None,
        ),
        ("To=%2B15555550100&Body=hello", true, 422, None),
    ] {
        let signature = format!(
            "sha256={}",
            app::messages::hmac_hex(SMS_SECRET.as_bytes(), body.as_bytes())
        );
        let headers: Vec<(&str, &str)> = if signed {
            vec![("X-Arrears-Signature", signature.as_str())]
        } else {
            Vec::new()
        };
        let reply = http(address, "POST", web::api::SMS_INBOUND, &headers, Some(body)).await;
        assert_eq!(reply.status, status, "{body}: {reply:?}");
        let schema =
            &webhook["responses"][status.to_string()]["content"]["application/json"]["schema"];
        let answer = reply.json();
        let problems = validate(document, schema, &answer, "$");
        assert!(
            problems.is_empty(),
            "receiveSms answered {status} not as documented:\n{problems:#?}\n{answer:#}"
        );
        if let Some(outcome) = outcome {
            assert_eq!(answer["outcome"], outcome, "{answer}");
        }
    }

    for (operation, status) in [
        ("createPlan", 202),
        ("requestMoneyChange", 202),
        ("offerSettlement", 202),
        ("logAttempt", 422),
        ("scheduleCallback", 422),
        ("decideApproval", 409),
    ] {
        assert!(
            checker.seen.contains(&(operation, status)),
            "{operation} {status}"
        );
    }
}
