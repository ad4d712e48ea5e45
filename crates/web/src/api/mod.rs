//! The JSON API: the agent workspace for integrations (an account, its contact attempts,
//! promises to pay and notes), and its OpenAPI 3.1 document.
//!
//! **Invariants:** one static table, [`ROUTES`], is the only place a route is declared
//! (and [`WEBHOOKS`] for the operations providers call, signed instead of authenticated):
//! `routes()` registers exactly their entries and `/api/openapi.json` describes exactly
//! them, so the document cannot drift from what is served. Every entry names the
//! permission it needs; the one wrapper every handler runs behind authenticates the
//! caller (`ApiCaller`), checks that permission (`ApiCaller::require`) and, on writes,
//! the CSRF header of browser sessions (`ApiCaller::check_write`). Handlers reuse the
//! workspace's service functions and answer with `app::views` types (amounts decimal
//! strings, instants RFC 3339), whose schemas are the document's response components:
//! generated from the same types, so the document cannot drift from the answers either.

use crate::AppState;
use crate::auth::{ApiCaller, Permission};
use crate::error::{AppError, FieldError};
use crate::workspace;
use app::model::StoreError;
use app::model::sessions::SessionUser;
use app::model::view::AccountView;
use app::views;
use app::workspace::{Attempted, PromiseLine, PromiseProblem};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

mod accounts;
mod document;

use accounts::*;
pub use document::*;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    /// Lower case, as OpenAPI keys operations.
    pub fn code(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
        }
    }

    fn writes(self) -> bool {
        self == Verb::Post
    }
}

/// A documented response: status, description, and the component schema of its body.
pub type Outcome = (u16, &'static str, &'static str);

type Reply = Pin<Box<dyn Future<Output = Result<Response, ApiFailure>> + Send>>;

/// One API operation: everything `routes()` registers and the document describes.
pub struct Route {
    pub verb: Verb,
    /// axum's path syntax, which is also OpenAPI's: `/api/v1/accounts/{creditor}/…`.
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub permission: Permission,
    /// The component schema of the JSON request body, if any.
    pub request: Option<&'static str>,
    /// Every status the handler answers with besides those of the wrapper (401, 403).
    pub responses: &'static [Outcome],
    handler: fn(Call) -> Reply,
}

impl Route {
    /// Whether `status` is one this operation documents.
    pub fn documents(&self, status: u16) -> bool {
        COMMON_RESPONSES
            .iter()
            .chain(self.responses)
            .any(|(code, _, _)| *code == status)
    }
}

impl Route {
    /// A field of `body` that the route's request schema does not name (bodies that are
    /// not JSON are left to the handler, which says so).
    fn unknown_field(&self, body: &[u8]) -> Option<String> {
        static COMPONENTS: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let components = COMPONENTS.get_or_init(request_schemas);
        let schema = components.get(self.request?)?;
        let value: Value = serde_json::from_slice(body).ok()?;
        unknown_field(&value, schema, components, "")
    }
}

/// Answered by the wrapper around every operation.
const COMMON_RESPONSES: &[Outcome] = &[
    (401, "No valid bearer token or session", "Error"),
    (
        403,
        "The caller's role lacks the permission, or a session write lacks X-CSRF-Token",
        "Error",
    ),
    (
        408,
        "The request body did not arrive within the server's body timeout",
        "Error",
    ),
    (
        413,
        "The request body is larger than the server reads (2 MiB)",
        "Error",
    ),
    (500, "Internal error", "Error"),
];

const ACCOUNT: &str = "/api/v1/accounts/{creditor}/{account_ref}";
const ATTEMPTS: &str = "/api/v1/accounts/{creditor}/{account_ref}/attempts";
const PROMISES: &str = "/api/v1/accounts/{creditor}/{account_ref}/promises";
const NOTES: &str = "/api/v1/accounts/{creditor}/{account_ref}/notes";
const CALLBACKS: &str = "/api/v1/accounts/{creditor}/{account_ref}/callbacks";
const DISPUTES: &str = "/api/v1/accounts/{creditor}/{account_ref}/disputes";
const CONTACTS: &str = "/api/v1/accounts/{creditor}/{account_ref}/contacts";
const PAYMENTS: &str = "/api/v1/accounts/{creditor}/{account_ref}/payments";
const PLANS: &str = "/api/v1/accounts/{creditor}/{account_ref}/plans";
const SETTLEMENTS: &str = "/api/v1/accounts/{creditor}/{account_ref}/settlements";
const MONEY_CHANGES: &str = "/api/v1/accounts/{creditor}/{account_ref}/money-changes";
const APPROVALS: &str = "/api/v1/approvals";
const COMPLIANCE_CHECK: &str = "/api/v1/compliance/check";
const COMPLIANCE_ASK: &str = "/api/v1/accounts/{creditor}/{account_ref}/compliance";
const APPROVAL: &str = "/api/v1/approvals/{id}";
const ARRANGED: Outcome = (
    201,
    "Agreed and active at once: the arrangement, its schedule and the account's new version",
    "Arrangement",
);
const PENDING: Outcome = (
    202,
    "Recorded but waiting in the approvals queue (outside policy or authority): why, and the approval's id",
    "Arrangement",
);

const NOT_FOUND: Outcome = (
    404,
    "No such account, or one of a creditor the caller does not work",
    "Error",
);
const INVALID: Outcome = (422, "Invalid input: the fields to correct", "Error");
const STALE: Outcome = (
    409,
    "The account changed since `version` was read: read it again",
    "Error",
);
const CREATED: Outcome = (
    201,
    "Recorded: its id and the account's new version",
    "Created",
);

/// The API, one entry per operation. The only list of routes there is.
pub static ROUTES: &[Route] = &[
    Route {
        verb: Verb::Get,
        path: OPENAPI_PATH,
        operation_id: "openapi",
        summary: "This document: the API's OpenAPI 3.1 description",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The OpenAPI document", "OpenApiDocument")],
        handler: |call| Box::pin(openapi(call)),
    },
    Route {
        verb: Verb::Get,
        path: ACCOUNT,
        operation_id: "getAccount",
        summary: "An account: debtor, status, balances, aging, holds, contact points, version",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The account", "Account"), NOT_FOUND],
        handler: |call| Box::pin(get_account(call)),
    },
    Route {
        verb: Verb::Get,
        path: ATTEMPTS,
        operation_id: "listAttempts",
        summary: "The account's contact attempts, oldest first",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The attempts", "AttemptList"), NOT_FOUND],
        handler: |call| Box::pin(list_attempts(call)),
    },
    Route {
        verb: Verb::Post,
        path: ATTEMPTS,
        operation_id: "logAttempt",
        summary: "Log a contact attempt; the compliance check is asked first and a refusal saves nothing but the decision",
        permission: Permission::WorkAccounts,
        request: Some("NewAttempt"),
        responses: &[
            CREATED,
            NOT_FOUND,
            STALE,
            (
                422,
                "Invalid input (`fields`), or refused by the compliance check (`compliance`: the check's answer)",
                "InvalidOrRefused",
            ),
        ],
        handler: |call| Box::pin(log_attempt(call)),
    },
    Route {
        verb: Verb::Post,
        path: COMPLIANCE_ASK,
        operation_id: "askCompliance",
        summary: "Ask whether the debtor may be contacted now by `action` (through `contact`, or the first usable point), from what Arrears knows of the account; the decision is logged",
        permission: Permission::AskCompliance,
        request: Some("ComplianceAsk"),
        responses: &[
            (
                200,
                "The check's answer (docs/compliance-check.md), and whether a call now is under the debtor's consent",
                "AccountComplianceAnswer",
            ),
            NOT_FOUND,
            INVALID,
        ],
        handler: |call| Box::pin(ask_compliance(call)),
    },
    Route {
        verb: Verb::Post,
        path: COMPLIANCE_CHECK,
        operation_id: "checkCompliance",
        summary: "The compliance check of the contract (docs/compliance-check.md): one request object, its answer; nothing is read or logged",
        permission: Permission::AskCompliance,
        request: Some("ComplianceRequest"),
        responses: &[
            (200, "The check's answer", "ComplianceAnswer"),
            (
                422,
                "A malformed request: the field (a JSON path) and why",
                "ComplianceMalformed",
            ),
        ],
        handler: |call| Box::pin(check_compliance(call)),
    },
    Route {
        verb: Verb::Get,
        path: PROMISES,
        operation_id: "listPromises",
        summary: "The account's promises to pay",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The promises", "PromiseList"), NOT_FOUND],
        handler: |call| Box::pin(list_promises(call)),
    },
    Route {
        verb: Verb::Post,
        path: PROMISES,
        operation_id: "recordPromise",
        summary: "Record a promise to pay one or several dated amounts (total at most the balance); `replace` replaces the account's open promise, plan or settlement",
        permission: Permission::WorkAccounts,
        request: Some("NewPromise"),
        responses: &[CREATED, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(record_promise(call)),
    },
    Route {
        verb: Verb::Post,
        path: CALLBACKS,
        operation_id: "scheduleCallback",
        summary: "Schedule a callback at a time on the debtor's clock: one the debtor asked for records their consent to a call then (30 minutes); one the agent chose is refused unless the compliance check allows a call then",
        permission: Permission::WorkAccounts,
        request: Some("NewCallback"),
        responses: &[
            (
                201,
                "Scheduled: when, who chose it, the consent recorded",
                "ScheduledCallback",
            ),
            NOT_FOUND,
            STALE,
            (
                422,
                "Invalid input (`fields`: not a time in the debtor's future), or a time the agent chose at which the compliance check refuses a call (`compliance`: the check's answer)",
                "InvalidOrRefused",
            ),
        ],
        handler: |call| Box::pin(schedule_callback(call)),
    },
    Route {
        verb: Verb::Get,
        path: NOTES,
        operation_id: "listNotes",
        summary: "The account's notes, oldest first",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The notes", "NoteList"), NOT_FOUND],
        handler: |call| Box::pin(list_notes(call)),
    },
    Route {
        verb: Verb::Post,
        path: NOTES,
        operation_id: "addNote",
        summary: "Add a note to the account",
        permission: Permission::WorkAccounts,
        request: Some("NewNote"),
        responses: &[CREATED, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(add_note(call)),
    },
    Route {
        verb: Verb::Post,
        path: DISPUTES,
        operation_id: "logDispute",
        summary: "Log a dispute: the account goes on a dispute hold (no collection until verified) and into the dispute queue",
        permission: Permission::WorkAccounts,
        request: Some("NewDispute"),
        responses: &[CREATED, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(log_dispute(call)),
    },
    Route {
        verb: Verb::Get,
        path: CONTACTS,
        operation_id: "listContacts",
        summary: "The debtor's contact points with their status",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The contact points", "ContactList"), NOT_FOUND],
        handler: |call| Box::pin(list_contacts(call)),
    },
    Route {
        verb: Verb::Post,
        path: CONTACTS,
        operation_id: "addContact",
        summary: "Add a phone number or email address for the debtor (e.g. from a skip trace), normalised",
        permission: Permission::WorkAccounts,
        request: Some("NewContact"),
        responses: &[CREATED, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(add_contact(call)),
    },
    Route {
        verb: Verb::Get,
        path: PAYMENTS,
        operation_id: "listPayments",
        summary: "The payments that paid into the account, newest first, with their returns",
        permission: Permission::ViewAccounts,
        request: None,
        responses: &[(200, "The payments", "PaymentList"), NOT_FOUND],
        handler: |call| Box::pin(crate::money::api::list_payments(call)),
    },
    Route {
        verb: Verb::Post,
        path: PAYMENTS,
        operation_id: "postPayment",
        summary: "Post a payment the debtor made (the creditor's waterfall; spills over to the debtor's other accounts by the creditor's rule)",
        permission: Permission::PostMoney,
        request: Some("NewPayment"),
        responses: &[CREATED, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(crate::money::api::post_payment(call)),
    },
    Route {
        verb: Verb::Post,
        path: PLANS,
        operation_id: "createPlan",
        summary: "Agree a payment plan: terms in, schedule out; active at once within the creditor's policy (201), else waiting for a supervisor (202)",
        permission: Permission::WorkAccounts,
        request: Some("NewPlan"),
        responses: &[ARRANGED, PENDING, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(crate::money::api::create_plan(call)),
    },
    Route {
        verb: Verb::Post,
        path: SETTLEMENTS,
        operation_id: "offerSettlement",
        summary: "Offer a settlement for less than the balance: active at once within the caller's authority (201), else waiting for the role that may grant it (202)",
        permission: Permission::WorkAccounts,
        request: Some("NewSettlement"),
        responses: &[ARRANGED, PENDING, NOT_FOUND, STALE, INVALID],
        handler: |call| Box::pin(crate::money::api::offer_settlement(call)),
    },
    Route {
        verb: Verb::Post,
        path: MONEY_CHANGES,
        operation_id: "requestMoneyChange",
        summary: "Refund a credit balance, or adjust or write off a bucket, with a reason code: posted at once within the caller's authority (201), else waiting for a supervisor (202)",
        permission: Permission::PostMoney,
        request: Some("MoneyChange"),
        responses: &[
            (201, "Posted", "MoneyChanged"),
            (202, "Waiting in the approvals queue", "MoneyChanged"),
            NOT_FOUND,
            STALE,
            INVALID,
        ],
        handler: |call| Box::pin(crate::money::api::request_change(call)),
    },
    Route {
        verb: Verb::Get,
        path: APPROVALS,
        operation_id: "listApprovals",
        summary: "Pending approvals of the caller's creditors",
        permission: Permission::Supervise,
        request: None,
        responses: &[(200, "The pending approvals", "ApprovalList")],
        handler: |call| Box::pin(crate::money::api::list_approvals(call)),
    },
    Route {
        verb: Verb::Post,
        path: APPROVAL,
        operation_id: "decideApproval",
        summary: "Approve or reject a pending request (needs the required role; nobody approves their own request)",
        permission: Permission::Supervise,
        request: Some("Decision"),
        responses: &[
            (200, "Decided", "Decided"),
            (
                404,
                "No such pending approval of the caller's creditors",
                "Error",
            ),
            (409, "Already decided", "Error"),
            INVALID,
        ],
        handler: |call| Box::pin(crate::money::api::decide(call)),
    },
];

/// The SMS provider's inbound webhook.
pub const SMS_INBOUND: &str = "/api/v1/sms/inbound";

type WebhookReply = Pin<Box<dyn Future<Output = Response> + Send>>;

/// An operation a provider calls, not a user: a `POST` authenticated by the sender's
/// signature of the raw body (the handler checks it: anything else is 401 and changes
/// nothing), not by a token or session, asking no permission. Registered by `routes()`
/// and described by the document like [`ROUTES`].
pub struct Webhook {
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    /// The component schema of the form (`application/x-www-form-urlencoded`) body.
    pub request: &'static str,
    /// The document's security scheme for the signature, the header it comes in, and
    /// what it holds.
    pub signature: (&'static str, &'static str, &'static str),
    /// Every status the handler answers with (the server's 408 and 413 too).
    pub responses: &'static [Outcome],
    handler: fn(AppState, HeaderMap, Bytes) -> WebhookReply,
}

impl Webhook {
    /// Whether `status` is one this operation documents.
    pub fn documents(&self, status: u16) -> bool {
        self.responses.iter().any(|(code, _, _)| *code == status)
    }
}

/// The webhooks, one entry per operation: with [`ROUTES`], every route the API serves.
pub static WEBHOOKS: &[Webhook] = &[Webhook {
    path: SMS_INBOUND,
    operation_id: "receiveSms",
    summary: "An inbound text from the SMS provider: a stop word (STOP, ALTO, UNSUBSCRIBE, CANCEL, END, QUIT, PARAR) opts the number out and queues one confirmation, HELP or AYUDA queues the help text in the debtor's language, anything else becomes a query on the account of that number (docs/messages.md)",
    request: "SmsInbound",
    signature: (
        "smsSignature",
        "X-Arrears-Signature",
        "`sha256=` and the hex HMAC-SHA256 of the raw body under ARREARS_SMS_WEBHOOK_SECRET",
    ),
    responses: &[
        (200, "Taken: what the text did", "SmsInboundReply"),
        (
            401,
            "No signature, a wrong one, or no webhook secret configured: nothing changed",
            "Error",
        ),
        (
            408,
            "The request body did not arrive within the server's body timeout",
            "Error",
        ),
        (
            413,
            "The request body is larger than the server reads (2 MiB)",
            "Error",
        ),
        (
            422,
            "Signed, but From, To or Body is missing; or a field holds a character Arrears refuses (`fields` names it)",
            "Error",
        ),
        (500, "Internal error", "Error"),
    ],
    handler: |state, headers, body| Box::pin(crate::messages::sms_inbound(state, headers, body)),
}];

/// The API's routes, registered from [`ROUTES`] and [`WEBHOOKS`] (merged into the app's
/// router).
pub fn routes() -> Router<AppState> {
    let router = ROUTES.iter().fold(Router::new(), |router, route| {
        router.route(route.path, method_router(route))
    });
    WEBHOOKS.iter().fold(router, |router, webhook| {
        router.route(
            webhook.path,
            axum::routing::post(
                move |State(state): State<AppState>, headers: HeaderMap, body: Bytes| async move {
                    let response = (webhook.handler)(state, headers, body).await;
                    debug_assert!(
                        webhook.documents(response.status().as_u16()),
                        "POST {} answered {}, which its entry in WEBHOOKS does not document",
                        webhook.path,
                        response.status()
                    );
                    response
                },
            ),
        )
    })
}

/// What every operation runs behind: authentication, the route's permission, the CSRF
/// header on session writes; then the handler.
fn method_router(route: &'static Route) -> MethodRouter<AppState> {
    on(
        route.verb.filter(),
        move |State(state): State<AppState>,
              caller: ApiCaller,
              headers: HeaderMap,
              params: Option<Path<HashMap<String, String>>>,
              body: Bytes| async move {
            let result = async {
                caller.require(route.permission)?;
                if route.verb.writes() {
                    caller.check_write(&headers)?;
                }
                if let Some(field) = route.unknown_field(&body) {
                    return Err(invalid(&field, "not a field of this request"));
                }
                let call = Call {
                    state,
                    user: caller.user,
                    params: params.map(|Path(params)| params).unwrap_or_default(),
                    body,
                };
                (route.handler)(call).await
            }
            .await;
            let response = result.unwrap_or_else(IntoResponse::into_response);
            debug_assert!(
                route.documents(response.status().as_u16()),
                "{} {} answered {}, which its entry in ROUTES does not document",
                route.verb.code(),
                route.path,
                response.status()
            );
            response
        },
    )
}

/// One authorised request, as a handler gets it.
pub(crate) struct Call {
    pub(crate) state: AppState,
    pub(crate) user: SessionUser,
    params: HashMap<String, String>,
    body: Bytes,
}

impl Call {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    /// The account of the path, if the caller may see it (404 otherwise).
    pub(crate) async fn account(&self) -> Result<AccountView, ApiFailure> {
        Ok(workspace::visible_view(
            &self.state,
            &self.user,
            self.param("creditor"),
            self.param("account_ref"),
        )
        .await?)
    }

    /// The body as a JSON object.
    pub(crate) fn object(&self) -> Result<Map<String, Value>, ApiFailure> {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(invalid("body", "expected a JSON object")),
            Err(error) => Err(invalid("body", &format!("not JSON: {error}"))),
        }
    }
}

// ---------------------------------------------------------------- errors

/// An error as the API shows it: always JSON (`{"error", "fields"}`), never a page.
#[derive(Debug)]
pub struct ApiFailure(pub(crate) AppError);

impl From<AppError> for ApiFailure {
    fn from(error: AppError) -> ApiFailure {
        ApiFailure(error)
    }
}

impl From<StoreError> for ApiFailure {
    fn from(error: StoreError) -> ApiFailure {
        ApiFailure(AppError::from(error))
    }
}

impl From<app::Error> for ApiFailure {
    fn from(error: app::Error) -> ApiFailure {
        ApiFailure(AppError::from(error))
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let api = match self.0 {
            AppError::SignIn => AppError::ApiUnauthorized,
            AppError::Forbidden => AppError::ApiForbidden,
            AppError::Csrf => AppError::ApiCsrf,
            AppError::NotFound | AppError::Store(StoreError::NotFound(_)) => AppError::ApiNotFound,
            AppError::Store(StoreError::Conflict(message)) => AppError::ApiConflict(message),
            AppError::Store(StoreError::Invalid(message) | StoreError::Rejected(message)) => {
                AppError::ApiInvalid(vec![FieldError {
                    field: "body".into(),
                    message,
                }])
            }
            AppError::Internal(detail) => return internal(&detail),
            AppError::Store(other) => return internal(&other.to_string()),
            api => api,
        };
        api.into_response()
    }
}

fn internal(detail: &str) -> Response {
    tracing::error!(%detail, "internal error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(views::ErrorBody {
            error: "internal error".into(),
            fields: Vec::new(),
        }),
    )
        .into_response()
}

pub(crate) fn invalid(field: &str, message: &str) -> ApiFailure {
    ApiFailure(AppError::ApiInvalid(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }]))
}

/// A store refusal of the input (`Invalid`) named after the field it concerns.
pub(crate) fn store_invalid(error: AppError, field: &str) -> ApiFailure {
    match error {
        AppError::Store(StoreError::Invalid(message)) => invalid(field, &message),
        other => ApiFailure(other),
    }
}

// ---------------------------------------------------------------- reading bodies

pub(crate) fn required_version(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> i64 {
    let (field, message) = match body.get("version") {
        Some(Value::Null) | None => ("version", "required: the account's version"),
        // JSON has one number type: `400.0` is the integer 400 (as JSON Schema says).
        Some(value) => match value.as_i64().or_else(|| {
            value
                .as_f64()
                .filter(|number| number.fract() == 0.0 && number.abs() < 9.0e15)
                .map(|number| number as i64)
        }) {
            Some(version) => return version,
            None => ("version", "expected an integer"),
        },
    };
    errors.push(field_error(field, message));
    0
}

/// A boolean field, false when absent.
pub(crate) fn optional_bool(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> bool {
    match body.get(key) {
        Some(Value::Bool(value)) => *value,
        Some(Value::Null) | None => false,
        Some(_) => {
            errors.push(field_error(key, "expected true or false"));
            false
        }
    }
}

pub(crate) fn optional_string<'a>(
    body: &'a Map<String, Value>,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> &'a str {
    match body.get(key) {
        Some(Value::String(text)) => text,
        Some(Value::Null) | None => "",
        Some(_) => {
            errors.push(field_error(key, "expected a string"));
            ""
        }
    }
}

pub(crate) fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// 201 with the new record's id and the account's version after a write based on
/// `version` (one change).
pub(crate) fn created(id: i64, version: i64) -> Response {
    (
        StatusCode::CREATED,
        axum::Json(views::Created {
            id,
            version: version + 1,
        }),
    )
        .into_response()
}

pub(crate) fn ok(body: impl serde::Serialize) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}
