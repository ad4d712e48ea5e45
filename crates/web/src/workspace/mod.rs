//! The agent workspace: sign-in (`session`), the work queue (`queue`), search
//! (`search`), the work list (`worklist`), the account page (`account`), what agents
//! record on it (`forms`) and the supervisors' team view (`team`). Handlers stay thin: check CSRF, parse the form into `app`'s
//! input, call the use case, render.

mod account;
mod desk;
mod forms;
mod queue;
mod search;
mod session;
mod team;
mod worklist;

pub use account::*;
pub use desk::verify;
pub use forms::*;
pub use queue::*;
pub use search::*;
pub use session::*;
pub use team::*;
pub use worklist::*;

use crate::AppState;
use crate::auth::{ClientAddress, SESSION_COOKIE, Signed, same_site};
use crate::error::{AppError, FieldError};
use crate::i18n::{self, Words};
use app::contact::{Asked, ZoneBasis};
use app::desk::WrappedUp;
use app::model::sessions::SessionUser;
use app::model::view::AccountView;
use app::session::SignIn;
use app::workspace::{
    AssignProblem, AttemptInput, AttemptProblem, CallbackProblem, HoldProblem, NoteProblem,
    PromiseLine, PromiseProblem,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use compliance::facts::Action;
use domain::contact::Disposition;
use domain::money::Amount;
use domain::party::Language;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

/// Rows of the promise form.
const PROMISE_ROWS: usize = 3;

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
