//! Arrears' application layer: the use cases. Each takes typed input and the acting
//! user, asks the compliance engine with stored facts where a contact is involved
//! (`contact`: the one pipeline), checks who may act (`domain::permission`), and drives
//! the state change through the store, which enforces what must never be violated inside
//! its transaction. The workspace, the JSON API, the command line, the dialer list and
//! the demo are adapters over this crate.
//!
//! **Invariant:** no adapter builds a compliance request, decides a permission or moves
//! a state by itself; they parse, call a use case here, and render its outcome.

pub mod admin;
pub mod auditor;
pub mod board;
pub mod compliance_json;
pub mod contact;
pub mod desk;
pub mod dialer;
pub mod disputes;
pub mod documents;
pub mod export;
pub mod letters;
pub mod locate;
pub mod messages;
pub mod money;
pub mod nightly;
pub mod operator;
pub mod queue;
pub mod session;
pub mod statement;
pub mod strategies;
pub mod treatment;
pub mod views;
pub mod worklist;
pub mod workspace;

/// The store's types the adapters name — views, errors, who acts — re-exported so that
/// `web` and `cli` depend on this crate, not on the store: what the store does is reached
/// only through the use cases.
pub mod model {
    pub use store::{
        Actor, AuditReport, BUSINESS_TIME_ZONE_DEFAULT, Clock, Engine, PiiKey, Store, StoreError,
    };
    pub use store::{
        accounts, aging, arrangements, audit, boards, creditors, db, decisions, disputes,
        documents, import, locate, logs, messages, money, money_views, remittance, rotate,
        sessions, strategies, user_admin, users, view, workspace,
    };
}

use compliance::packs::RuleSet;
use domain::permission::{Permission, allows};
use store::Store;
use store::StoreError;
use store::sessions::SessionUser;

/// The use cases over one store and rule set.
#[derive(Clone)]
pub struct App {
    store: Store,
    rules: &'static RuleSet,
    /// Sender, links and webhook secret of email and texts (`messages::Settings`).
    messages: std::sync::Arc<messages::Settings>,
    /// The documents folder and the upload limit (`documents::Settings`).
    documents: std::sync::Arc<documents::Settings>,
}

impl App {
    pub fn new(store: Store, rules: &'static RuleSet) -> App {
        App {
            store,
            rules,
            messages: Default::default(),
            documents: Default::default(),
        }
    }

    /// The same use cases with the documents folder and upload limit set.
    pub fn with_document_settings(mut self, settings: documents::Settings) -> App {
        self.documents = std::sync::Arc::new(settings);
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The same use cases with the clock pinned at `instant` (the demo records a
    /// morning's history; tests move time).
    pub fn at(&self, instant: jiff::Timestamp) -> App {
        App {
            store: self.store.clone().with_clock(store::Clock::Fixed(instant)),
            rules: self.rules,
            messages: self.messages.clone(),
            documents: self.documents.clone(),
        }
    }

    /// Now, by the store's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.store.now()
    }

    /// Today's business date.
    pub fn today(&self) -> jiff::civil::Date {
        self.store.today()
    }

    pub fn rules(&self) -> &'static RuleSet {
        self.rules
    }
}

/// Why a use case did not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's role does not hold the permission the use case needs.
    #[error("your role may not do this ({})", .0.code())]
    Forbidden(Permission),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The permission check every use case starts with.
pub fn require(user: &SessionUser, permission: Permission) -> Result<(), Error> {
    if allows(user.role, permission) {
        Ok(())
    } else {
        Err(Error::Forbidden(permission))
    }
}
