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
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Arrears API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The agent workspace as JSON. Authenticate with `Authorization: Bearer arr_…` (an API token) or a browser session cookie; session writes also send the session's CSRF token in `X-CSRF-Token`. Amounts are decimal strings in the account's currency (a dot before the cents); instants are RFC 3339. Every write carries the account `version` it was based on and is refused with 409 if the account changed since. Errors are `{\"error\", \"fields\": [{\"field\", \"message\"}]}`.",
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token, `arr_` and 64 hex digits"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
            },
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
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
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

/// The component schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses): every answer's
/// generated from its `app::views` type, and the request bodies, which the handlers
/// parse field by field, written here.
pub(crate) fn schemas() -> Value {
    let mut all = request_schemas();
    for (name, schema) in views::components() {
        let previous = all.insert(name, schema);
        debug_assert!(
            previous.is_none(),
            "a request and an answer share a schema name"
        );
    }
    Value::Object(all)
}

/// The request bodies' schemas.
pub(crate) fn request_schemas() -> Map<String, Value> {
    use views::Schema;
    let decimal = views::Decimal::schema();
    let version = json!({"type": "integer", "description": "The account's version as last read"});
    let Value::Object(all) = json!({
        "ComplianceRequest": {
            "type": "object",
            "description": "A compliance request exactly as docs/compliance-check.md fixes it: now, action, debt_id, recipient, purpose, contact_point, consumer, debts, history",
            "required": ["now", "action", "debt_id", "consumer"],
            "properties": {
                "now": {"type": "string", "format": "date-time"},
                "action": {"type": "string"},
                "debt_id": {"type": "string"},
                "consumer": {"type": "object"},
                "debts": {"type": "array", "items": {"type": "object"}},
                "history": {"type": "array", "items": {"type": "object"}},
            },
        },
        "ComplianceAsk": {
            "type": "object",
            "properties": {
                "action": {"enum": ["call", "sms", "email", "letter", "visit", "credit_report", "lawsuit"], "description": "Default: call"},
                "contact": {"type": "string", "description": "One of the debtor's contact points; default: the first usable one for the action"},
            },
        },
        "NewAttempt": {
            "type": "object",
            "required": ["version", "disposition"],
            "properties": {
                "action": {"enum": ["call", "sms", "email", "letter", "visit"], "default": "call"},
                "contact": {"type": "string", "description": "One of the debtor's usable contact point values (not needed for letters and visits)"},
                "disposition": {"enum": domain::contact::Disposition::ALL.iter().map(|disposition| disposition.code()).collect::<Vec<_>>()},
                "note": {"type": "string", "maxLength": app::model::workspace::NOTE_LENGTH_MAX},
                "version": version,
            },
        },
        "NewPromise": {
            "type": "object",
            "required": ["version", "payments"],
            "properties": {
                "version": version,
                "payments": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": app::model::workspace::PROMISE_PAYMENTS_MAX,
                    "items": views::reference::<views::PromisedPayment>(),
                    "description": "Dated amounts, one per day; their total at most the balance",
                },
            },
        },
        "NewNote": {
            "type": "object",
            "required": ["version", "body"],
            "properties": {
                "version": version,
                "body": {"type": "string", "minLength": 1, "maxLength": app::model::workspace::NOTE_LENGTH_MAX},
            },
        },
        "NewDispute": {
            "type": "object",
            "required": ["version", "detail"],
            "properties": {"version": version, "detail": {"type": "string", "minLength": 1}},
        },
        "NewContact": {
            "type": "object",
            "required": ["version", "kind", "value"],
            "properties": {
                "version": version,
                "kind": {"type": "string", "enum": ["phone_home", "phone_mobile", "phone_work", "email"]},
                "value": {"type": "string"},
                "source": {"type": "string"},
            },
        },
        "OpenApiDocument": {"type": "object", "description": "An OpenAPI 3.1 document"},
        "NewPayment": {
            "type": "object",
            "required": ["version", "amount", "method"],
            "properties": {
                "version": version,
                "amount": decimal,
                "method": {"enum": crate::money::METHODS},
                "paid_on": {"type": "string", "format": "date", "description": "Today or earlier; default today"},
                "reference": {"type": "string", "maxLength": 64, "description": "Unique per creditor; generated when absent"},
            },
        },
        "NewPlan": {
            "type": "object",
            "required": ["version", "frequency", "first_due"],
            "properties": {
                "version": version,
                "frequency": {"enum": crate::money::FREQUENCIES},
                "installments": {"type": "integer", "minimum": 1, "description": "N installments (or give installment_amount)"},
                "installment_amount": {"type": "string", "description": "Installments of this amount (decimal), the last smaller"},
                "first_due": {"type": "string", "format": "date"},
                "down_payment": {"type": "string", "description": "Decimal; default 0"},
                "down_payment_on": {"type": "string", "format": "date"},
                "apr": {"type": "string", "description": "Annual percentage rate, e.g. \"0\" or \"5.25\"; default 0"},
            },
        },
        "SettlementPayment": {
            "type": "object",
            "required": ["due_on", "amount"],
            "properties": {"due_on": {"type": "string", "format": "date"}, "amount": decimal},
        },
        "NewSettlement": {
            "type": "object",
            "required": ["version", "payments"],
            "properties": {
                "version": version,
                "payments": {"type": "array", "minItems": 1, "maxItems": domain::settlement::SETTLEMENT_PAYMENTS_MAX, "items": schema_ref("SettlementPayment")},
            },
        },
        "MoneyChange": {
            "type": "object",
            "required": ["version", "change", "reason_code"],
            "properties": {
                "version": version,
                "change": {"enum": crate::money::CHANGES},
                "amount": {"type": "string", "description": "Decimal; a negative adjustment lowers the balance. Empty: the whole credit (refund) or everything owed (write-off)"},
                "bucket": {"enum": ["principal", "interest", "fees"], "description": "What an adjustment or write-off moves; default principal"},
                "reason_code": {"enum": app::model::arrangements::REASON_CODES},
                "note": {"type": "string"},
            },
        },
        "Decision": {
            "type": "object",
            "required": ["decision"],
            "properties": {"decision": {"enum": ["approve", "reject"]}, "note": {"type": "string"}},
        },
    }) else {
        unreachable!("an object literal")
    };
    all
}
