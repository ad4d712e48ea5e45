//! `/api/openapi.json`: the paths from `ROUTES`, the answer schemas from `app::views`.

use super::*;

// ---------------------------------------------------------------- the document

/// The OpenAPI 3.1 document of [`ROUTES`].
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.verb.code()] = operation(route);
    }
    for webhook in WEBHOOKS {
        let entry = paths
            .entry(webhook.path.to_string())
            .or_insert_with(|| json!({}));
        entry["post"] = webhook_operation(webhook);
    }
    let mut schemes = json!({
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API token, `arr_` and 64 hex digits"},
        "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
    });
    for webhook in WEBHOOKS {
        let (scheme, header, description) = webhook.signature;
        schemes[scheme] =
            json!({"type": "apiKey", "in": "header", "name": header, "description": description});
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Arrears API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The agent workspace as JSON. Authenticate with `Authorization: Bearer arr_…` (an API token) or a browser session cookie; session writes also send the session's CSRF token in `X-CSRF-Token`. Amounts are decimal strings in the account's currency (a dot before the cents); instants are RFC 3339. Every write carries the account `version` it was based on and is refused with 409 if the account changed since. Errors are `{\"error\", \"fields\": [{\"field\", \"message\"}]}`. The SMS provider's inbound webhook `POST /api/v1/sms/inbound` (a form of `From`, `To`, `Body`) is called by the provider, not a user: it authenticates with `X-Arrears-Signature: sha256=HEX`, the HMAC-SHA256 of the raw body under `ARREARS_SMS_WEBHOOK_SECRET`, instead of a token; anything else gets 401 and changes nothing (docs/messages.md).",
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "securitySchemes": schemes,
            "schemas": schemas(),
        },
    })
}

pub(crate) fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

pub(crate) fn operation(route: &Route) -> Value {
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let schema = if name == "id" {
                json!({"type": "integer", "minimum": 1, "maximum": i64::MAX})
            } else {
                json!({"type": "string", "minLength": 1, "maxLength": domain::ids::IDENTIFIER_LENGTH_MAX})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect();
    if route.verb.writes() {
        parameters.push(json!({
            "name": "X-CSRF-Token",
            "in": "header",
            "required": false,
            "description": "The session's CSRF token; required when authenticating with the session cookie",
            "schema": {"type": "string"},
        }));
    }
    let mut responses = Map::new();
    for (status, description, schema) in route.responses.iter().chain(COMMON_RESPONSES) {
        responses.insert(
            status.to_string(),
            json!({
                "description": description,
                "content": {"application/json": {"schema": schema_ref(schema)}},
            }),
        );
    }
    let mut operation = json!({
        "operationId": route.operation_id,
        "summary": route.summary,
        "x-permission": format!("{:?}", route.permission),
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(request) = route.request {
        operation["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": schema_ref(request)}},
        });
    }
    operation
}

/// A webhook's operation: signed by its sender (its own security scheme), a form body.
pub(crate) fn webhook_operation(webhook: &Webhook) -> Value {
    let mut responses = Map::new();
    for (status, description, schema) in webhook.responses {
        responses.insert(
            status.to_string(),
            json!({
                "description": description,
                "content": {"application/json": {"schema": schema_ref(schema)}},
            }),
        );
    }
    json!({
        "operationId": webhook.operation_id,
        "summary": webhook.summary,
        "security": [{webhook.signature.0: []}],
        "requestBody": {
            "required": true,
            "content": {"application/x-www-form-urlencoded": {"schema": schema_ref(webhook.request)}},
        },
        "responses": responses,
    })
}

/// The component schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses): every answer's
/// generated from its `app::views` type, and the request bodies, which the handlers
/// parse field by field, written here.
pub(crate) fn schemas() -> Value {
    let mut all = request_schemas();
    // A provider's form: the fields Arrears reads; providers send more, which it ignores.
    all.insert(
        "SmsInbound".into(),
        json!({
            "type": "object",
            "required": ["From", "To", "Body"],
            "properties": {
                "From": {"type": "string", "description": "The sender's number (E.164)"},
                "To": {"type": "string", "description": "The agency's number the text was sent to"},
                "Body": {"type": "string", "description": "The text"},
                "MessageSid": {"type": "string", "description": "The provider's id of the message: a text delivered twice is taken once"},
            },
            "additionalProperties": true,
        }),
    );
    all.insert(
        "InvalidOrRefused".into(),
        json!({"anyOf": [schema_ref("Error"), schema_ref("Refusal")]}),
    );
    for (name, schema) in views::components() {
        let previous = all.insert(name, schema);
        debug_assert!(
            previous.is_none(),
            "a request and an answer share a schema name"
        );
    }
    Value::Object(all)
}

/// A positive amount as the server reads one: digits, an optional dot and one or two
/// decimals, more than zero, below `domain::money::AMOUNT_MAX_MAJOR` (eleven digits).
const AMOUNT_POSITIVE: &str = "^(0*[1-9][0-9]{0,10}(\\.[0-9]{1,2})?|0+\\.(0[1-9]|[1-9][0-9]?))$";
/// Zero or more.
const AMOUNT_NOT_NEGATIVE: &str = "^[0-9]{1,11}(\\.[0-9]{1,2})?$";
/// Either sign, or empty (the whole balance or credit).
const AMOUNT_SIGNED_OR_EMPTY: &str = "^(-?[0-9]{1,11}(\\.[0-9]{1,2})?)?$";
/// `YYYY-MM-DD`, as `domain::date::parse_date` takes it.
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// Free text: no character `domain::text` refuses, at most `max` characters.
fn text(max: usize) -> Value {
    json!({"type": "string", "pattern": domain::text::pattern(), "maxLength": max})
}

/// Free text that must say something (not only spaces).
fn required_text(max: usize) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "allOf": [{"pattern": domain::text::pattern()}, {"pattern": "\\S"}],
    })
}

fn amount(pattern: &str, description: &str) -> Value {
    json!({"type": "string", "pattern": pattern, "description": description})
}

fn date(description: &str) -> Value {
    json!({"type": "string", "format": "date", "pattern": DATE, "description": description})
}

/// The request bodies' schemas. Every object is closed (`additionalProperties: false`):
/// the wrapper refuses a field no schema names (`unknown_field`), so a misspelt field is
/// an error, not silently ignored.
pub(crate) fn request_schemas() -> Map<String, Value> {
    let version = json!({"type": "integer", "minimum": 0, "maximum": i64::MAX, "description": "The account's version as last read"});
    let note = text(app::model::workspace::NOTE_LENGTH_MAX);
    let replace = json!({"type": "boolean", "description": "Replace the account's open promise, plan or settlement (default false: refused while one is open)"});
    let Value::Object(all) = json!({
        "ComplianceRequest": {
            "type": "object",
            "description": "A compliance request exactly as docs/compliance-check.md fixes it: now, action, debt_id, recipient, purpose, contact_point, consumer, debts, history, consents",
            "required": ["now", "action", "debt_id", "consumer"],
            "properties": {
                "now": {"type": "string", "format": "date-time"},
                "action": {"enum": ["call", "sms", "email", "letter", "visit", "credit_report", "lawsuit"]},
                "debt_id": {"type": "string"},
                "recipient": {"enum": ["consumer", "estate_representative", "attorney"]},
                "purpose": {"enum": ["collection", "cease_confirmation", "remedy_notice", "verification", "opt_out_confirmation"]},
                "consumer": {"type": "object"},
                "debts": {"type": "array", "items": {"type": "object"}},
                "history": {"type": "array", "items": {"type": "object"}},
                "consents": {"type": "array", "items": {"type": "object"}, "description": "Consent given directly by the consumer: {given_at, from, to, action (default call)}"},
            },
        },
        "ComplianceAsk": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "action": {"enum": ["call", "sms", "email", "letter", "visit", "credit_report", "lawsuit"], "description": "Default: call"},
                "contact": {"type": "string", "maxLength": domain::party::EmailAddress::LENGTH_MAX, "description": "One of the debtor's contact points; default: the first usable one for the action"},
            },
        },
        "NewAttempt": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "disposition"],
            "properties": {
                "action": {"enum": ["call", "sms", "email", "letter", "visit"], "default": "call"},
                "contact": {"type": "string", "maxLength": domain::party::EmailAddress::LENGTH_MAX, "description": "One of the debtor's usable contact point values (not needed for letters and visits)"},
                "disposition": {"enum": domain::contact::Disposition::ALL.iter().map(|disposition| disposition.code()).collect::<Vec<_>>()},
                "note": note,
                "version": version,
            },
        },
        "PromisedPaymentIn": {
            "type": "object",
            "additionalProperties": false,
            "required": ["due_on", "amount"],
            "properties": {
                "due_on": date("Today or later"),
                "amount": amount(AMOUNT_POSITIVE, "More than zero"),
            },
        },
        "NewPromise": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "payments"],
            "properties": {
                "version": version,
                "payments": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": app::model::workspace::PROMISE_PAYMENTS_MAX,
                    "items": schema_ref("PromisedPaymentIn"),
                    "description": "Dated amounts, one per day; their total at most the balance",
                },
                "replace": replace,
            },
        },
        "NewCallback": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "at", "requested_by_debtor"],
            "properties": {
                "version": version,
                "at": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$", "description": "A time in the future on the debtor's wall clock (their time zone on file, else their state's), e.g. 2026-11-24T10:30"},
                "requested_by_debtor": {"type": "boolean", "description": "true: the debtor asked to be called then (their consent is recorded; a time outside 08:00-21:00 is allowed); false: the agent chose it (refused unless a call then is allowed)"},
                "note": text(app::model::workspace::NOTE_LENGTH_MAX),
            },
        },
        "NewNote": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "body"],
            "properties": {
                "version": version,
                "body": required_text(app::model::workspace::NOTE_LENGTH_MAX),
            },
        },
        "NewDispute": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "detail"],
            "properties": {"version": version, "detail": required_text(app::model::accounts::REASON_LENGTH_MAX)},
        },
        "NewContact": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "kind", "value"],
            "properties": {
                "version": version,
                "kind": {"type": "string", "enum": ["phone_home", "phone_mobile", "phone_work", "email"]},
                "value": {"type": "string", "minLength": 1, "maxLength": domain::party::EmailAddress::LENGTH_MAX, "description": "A US phone number (any common way of writing it) or an email address"},
                "source": text(app::workspace::SOURCE_LENGTH_MAX),
            },
        },
        "OpenApiDocument": {"type": "object", "description": "An OpenAPI 3.1 document"},
        "NewPayment": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "amount", "method"],
            "properties": {
                "version": version,
                "amount": amount(AMOUNT_POSITIVE, "More than zero"),
                "method": {"enum": crate::money::METHODS},
                "paid_on": date("Today or earlier; default today"),
                "reference": text(app::money::REFERENCE_LENGTH_MAX),
            },
        },
        "NewPlan": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "frequency", "first_due"],
            "properties": {
                "version": version,
                "frequency": {"enum": crate::money::FREQUENCIES},
                "installments": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "N installments (or give installment_amount)"},
                "installment_amount": amount(AMOUNT_POSITIVE, "Installments of this amount, the last smaller"),
                "first_due": date("The first installment's date"),
                "down_payment": amount(AMOUNT_NOT_NEGATIVE, "Default 0"),
                "down_payment_on": date("The down payment's date"),
                "apr": {"type": "string", "pattern": "^[0-9]{1,2}(\\.[0-9]{1,4})?$", "description": "Annual percentage rate, e.g. \"0\" or \"5.25\"; default 0"},
                "replace": replace,
            },
        },
        "SettlementPayment": {
            "type": "object",
            "additionalProperties": false,
            "required": ["due_on", "amount"],
            "properties": {"due_on": date("Today or later"), "amount": amount(AMOUNT_POSITIVE, "More than zero")},
        },
        "NewSettlement": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "payments"],
            "properties": {
                "version": version,
                "payments": {"type": "array", "minItems": 1, "maxItems": domain::settlement::SETTLEMENT_PAYMENTS_MAX, "items": schema_ref("SettlementPayment")},
                "replace": replace,
            },
        },
        "MoneyChange": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "change", "reason_code"],
            "properties": {
                "version": version,
                "change": {"enum": crate::money::CHANGES},
                "amount": amount(AMOUNT_SIGNED_OR_EMPTY, "A negative adjustment lowers the balance. Empty: the whole credit (refund) or everything owed (write-off)"),
                "bucket": {"enum": ["principal", "interest", "fees"], "description": "What an adjustment or write-off moves; default principal"},
                "reason_code": {"enum": app::model::arrangements::REASON_CODES},
                "note": note,
            },
        },
        "Decision": {
            "type": "object",
            "additionalProperties": false,
            "required": ["decision"],
            "properties": {"decision": {"enum": ["approve", "reject"]}, "note": text(app::model::workspace::NOTE_LENGTH_MAX)},
        },
    }) else {
        unreachable!("an object literal")
    };
    all.into_iter()
        .map(|(name, mut schema)| {
            if name != "ComplianceRequest" {
                null_means_absent(&mut schema);
            }
            (name, schema)
        })
        .collect()
}

/// The handlers read an optional field sent as `null` as if it were absent
/// (`optional_string`): say so in the schema of every optional property.
fn null_means_absent(schema: &mut Value) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(|name| name.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if required.contains(name) {
            continue;
        }
        if let Some(Value::Array(values)) = property.get_mut("enum") {
            values.push(Value::Null);
        } else if property.get("type") == Some(&json!("string")) {
            property["type"] = json!(["string", "null"]);
        }
    }
}

/// The first field of `value` that `schema` (a request schema, `$ref`s into
/// `components`) does not name, as a path (`payments[0].extra`).
pub(crate) fn unknown_field(
    value: &Value,
    schema: &Value,
    components: &Map<String, Value>,
    path: &str,
) -> Option<String> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => components.get(reference.trim_start_matches("#/components/schemas/"))?,
        None => schema,
    };
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match properties.and_then(|properties| properties.get(key)) {
                    Some(property) => {
                        if let Some(found) = unknown_field(item, property, components, &child) {
                            return Some(found);
                        }
                    }
                    None if closed => return Some(child),
                    None => {}
                }
            }
            None
        }
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items.iter().enumerate().find_map(|(index, item)| {
                unknown_field(item, item_schema, components, &format!("{path}[{index}]"))
            })
        }
        _ => None,
    }
}
