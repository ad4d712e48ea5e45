//! The operator's use cases: what the command line does. Whoever runs `arrears` holds
//! the database URL and the PII key, so these need no role; they are named in the audit
//! log by the actor (`ARREARS_ACTOR`, default `cli:$USER`). Every change still goes
//! through the store's audited transactions and its invariants (the lifecycle, the
//! ledger, the import's all-or-nothing).

use crate::{App, Error};
use domain::account::{HoldKind, Status};
use domain::ids::CreditorCode;
use domain::party::Role;
use jiff::civil::Date;
use store::Actor;
use store::creditors::Creditor;
use store::import::{ImportFile, ImportOutcome, PlacementSource};
use store::money::{Item, Posting, PostingReport};
use store::view::AccountView;

impl App {
    /// Imports a placement file: all or nothing; the same file again adds nothing.
    pub async fn import_placements(
        &self,
        actor: &Actor,
        file: &ImportFile<'_>,
        source: &mut dyn PlacementSource,
    ) -> Result<ImportOutcome, Error> {
        Ok(self.store.import_placements(actor, file, source).await?)
    }

    /// Posts a payment file's items (payments and returns): all or nothing, idempotent.
    pub async fn post_payments(
        &self,
        actor: &Actor,
        posting: &Posting<'_>,
        items: &[Item],
    ) -> Result<PostingReport, Error> {
        Ok(self.store.post_payments(actor, posting, items).await?)
    }

    /// An account as of a date (`account show`); `None` when there is none.
    pub async fn account_as_of(
        &self,
        creditor: &str,
        account_ref: &str,
        as_of: Date,
    ) -> Result<Option<AccountView>, Error> {
        Ok(self
            .store
            .account_view(creditor, account_ref, as_of)
            .await?)
    }

    /// Moves an account through its lifecycle; the status it had.
    pub async fn change_status(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        to: Status,
        reason: &str,
    ) -> Result<Status, Error> {
        Ok(self
            .store
            .change_status(actor, creditor, account_ref, to, reason)
            .await?)
    }

    pub async fn place_hold(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        kind: HoldKind,
        detail: &str,
        reason: &str,
    ) -> Result<(), Error> {
        Ok(self
            .store
            .place_hold(actor, creditor, account_ref, kind, detail, reason)
            .await?)
    }

    pub async fn release_hold(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        kind: HoldKind,
        reason: &str,
    ) -> Result<(), Error> {
        Ok(self
            .store
            .release_hold(actor, creditor, account_ref, kind, reason)
            .await?)
    }

    /// The nightly aging step as of a date.
    pub async fn age_accounts(
        &self,
        actor: &Actor,
        as_of: Date,
    ) -> Result<store::aging::AgingOutcome, Error> {
        Ok(self.store.age_accounts(actor, as_of).await?)
    }

    /// Sets the work queue's order.
    pub async fn prioritize(&self, actor: &Actor) -> Result<u64, Error> {
        Ok(self.store.prioritize(actor).await?)
    }

    /// The nightly review of promises, plans and settlements.
    pub async fn review_arrangements(&self, actor: &Actor) -> Result<u64, Error> {
        Ok(self.store.review_arrangements(actor).await?)
    }

    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        role: Role,
        password: &str,
    ) -> Result<store::users::User, Error> {
        Ok(self.store.add_user(actor, username, role, password).await?)
    }

    pub async fn users(&self) -> Result<Vec<store::users::User>, Error> {
        Ok(self.store.users().await?)
    }

    /// The creditors a user works (agents and supervisors see only these).
    pub async fn assign_creditors(
        &self,
        actor: &Actor,
        username: &str,
        codes: &[String],
    ) -> Result<(), Error> {
        Ok(self.store.assign_creditors(actor, username, codes).await?)
    }

    /// A new API token for a user, returned once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        username: &str,
        label: &str,
    ) -> Result<String, Error> {
        Ok(self.store.create_api_token(actor, username, label).await?)
    }

    /// A user as the use cases take them (the demo acts as its users).
    pub async fn session_user(&self, user_id: i64) -> Result<store::sessions::SessionUser, Error> {
        Ok(self.store.session_user(user_id).await?)
    }

    pub async fn add_creditor(
        &self,
        actor: &Actor,
        code: &CreditorCode,
        name: &str,
    ) -> Result<Creditor, Error> {
        Ok(self.store.add_creditor(actor, code, name).await?)
    }

    /// Changes a creditor's name or policy (`key=value` settings, parsed by the domain).
    pub async fn set_creditor(
        &self,
        actor: &Actor,
        code: &str,
        name: Option<&str>,
        settings: &[(String, String)],
        reason: &str,
    ) -> Result<Creditor, Error> {
        Ok(self
            .store
            .set_creditor(actor, code, name, settings, reason)
            .await?)
    }

    pub async fn creditor(&self, code: &str) -> Result<Option<Creditor>, Error> {
        Ok(self.store.creditor(code).await?)
    }

    pub async fn creditors(&self) -> Result<Vec<Creditor>, Error> {
        Ok(self.store.creditors().await?)
    }

    /// The latest audit events, of one entity or all.
    pub async fn audit_log(
        &self,
        entity_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<store::audit::AuditEntry>, Error> {
        Ok(self.store.audit_log(entity_key, limit).await?)
    }

    /// Recomputes the audit chain, the ledger's row hashes and the decision log's chain.
    pub async fn verify_audit(&self) -> Result<store::AuditReport, Error> {
        Ok(self.store.verify_audit().await?)
    }

    /// Re-encrypts every sensitive field and re-seals the audit log under `new_key`, in
    /// one transaction; refused when the audit log does not verify first.
    pub async fn rotate_key(
        &self,
        actor: &Actor,
        new_key: &store::PiiKey,
    ) -> Result<store::rotate::Rotation, Error> {
        Ok(self.store.rotate_key(actor, new_key).await?)
    }

    /// The examiner's view of one account's compliance decisions.
    pub async fn decisions_for_account(
        &self,
        creditor: &str,
        account_ref: &str,
        limit: i64,
    ) -> Result<Vec<store::decisions::Decision>, Error> {
        Ok(self
            .store
            .decisions_for_account(creditor, account_ref, limit)
            .await?)
    }

    /// A creditor's remittance statement for a period.
    pub async fn remittance(
        &self,
        creditor: &str,
        from: Date,
        to: Date,
    ) -> Result<store::remittance::Remittance, Error> {
        Ok(self.store.remittance(creditor, from, to).await?)
    }

    /// The trust-account reconciliation for a period.
    pub async fn trust_report(
        &self,
        from: Date,
        to: Date,
    ) -> Result<store::remittance::TrustReport, Error> {
        Ok(self.store.trust_report(from, to).await?)
    }

    /// The first `limit` accounts of a user's queue now (the demo works them).
    pub async fn queue_candidates(
        &self,
        user: &store::sessions::SessionUser,
        limit: i64,
    ) -> Result<Vec<store::workspace::QueueCandidate>, Error> {
        Ok(self
            .store
            .queue_candidates(user, self.store.now(), limit)
            .await?)
    }

    /// Closes the store's connections (the command line, on its way out).
    pub async fn close(&self) {
        self.store.close().await;
    }
}
