//! Placement import: a file becomes creditors, debtors, contact points, accounts,
//! opening ledger entries and aging rows, in one transaction with one audit event.
//!
//! The file is read once: placements are written as they are parsed, and the source's
//! verdict at the end decides between commit and rollback.
//!
//! **Invariant:** all or nothing. A refused file leaves nothing. Accounts already on file
//! (same creditor and `account_ref`) are skipped whole, so importing a file twice changes
//! nothing; when a file adds nothing the transaction is rolled back and no audit event is
//! written.

use crate::audit::{AuditEvent, LedgerRow, WriteTx};
use crate::batch::{Batch, Literal, Value};
use crate::creditors::{self, Creditor};
use crate::seal::{self, AccountRow, DebtorRow, Digests};
use crate::{Actor, Store, StoreError};
use domain::aging::days_past_due;
use domain::ids::CreditorCode;
use domain::ledger::Reason;
use domain::party::{Consent, ContactKind, ContactStatus};
use domain::placement::Placement;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// The status every imported account starts in.
const IMPORTED_STATUS: domain::account::Status = domain::account::Status::Active;

/// The import's business facts, known before reading.
pub struct ImportFile<'a> {
    pub file_name: &'a str,
    /// The business date the accounts are placed on.
    pub placed_on: Date,
}

/// What a clean file turned out to be.
pub struct SourceSummary {
    pub sha256: String,
    pub rows: u64,
}

/// Parsed placements, one at a time, and the verdict on the whole file at the end.
pub trait PlacementSource {
    /// The next valid placement; `None` when there are no more (or the file is bad).
    fn next_placement(&mut self) -> Option<Placement>;
    /// After the last placement: the file's digest and row count, or the report of why
    /// it is refused (then nothing is kept).
    fn finish(&mut self) -> Result<SourceSummary, String>;
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// `None` when the file added nothing (nothing was written).
    pub import_id: Option<i64>,
    pub audit_seq: Option<i64>,
    pub accounts_created: u64,
    pub already_present: u64,
    pub debtors_created: u64,
    pub contact_points_created: u64,
    pub entries_created: u64,
    pub creditors_created: Vec<String>,
    /// Debtors created with a partial mailing address: their accounts are on the locate
    /// list.
    pub addresses_incomplete: u64,
}

const DEBTOR_COLUMNS: &[&str] = &[
    "id",
    "creditor_id",
    "debtor_ref",
    "first_name",
    "last_name",
    "first_name_folded",
    "last_name_folded",
    "language",
    "time_zones",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
    "date_of_birth_enc",
    "ssn_last4_enc",
    "ssn_last4_index",
    "address_incomplete",
    "seal",
];
const CONTACT_COLUMNS: &[&str] = &["id", "debtor_id", "kind", "value", "source"];
const ACCOUNT_COLUMNS: &[&str] = &[
    "id",
    "creditor_id",
    "account_ref",
    "debtor_id",
    "product",
    "currency",
    "original_creditor",
    "delinquent_since",
    "apr_bps",
    "charge_off_date",
    "last_payment_date",
    "last_payment_minor",
    "statute_expires_on",
    "collateral",
    "service_id",
    "itemization_date",
    "itemization_balance_minor",
    "itemization_interest_minor",
    "itemization_fees_minor",
    "itemization_payments_minor",
    "itemization_credits_minor",
    "balance_minor",
    "seal",
];
const LEDGER_COLUMNS: &[&str] = &[
    "id",
    "account_id",
    "principal_minor",
    "interest_minor",
    "fees_minor",
    "row_hash",
];
const AGING_COLUMNS: &[&str] = &["id", "account_id", "bucket", "days_past_due"];

struct Batches {
    debtors: Batch,
    contacts: Batch,
    accounts: Batch,
    ledger: Batch,
    aging: Batch,
}

impl Batches {
    /// Values the same on every row of this import are written into the SQL once.
    fn new(
        engine: crate::Engine,
        import_id: i64,
        audit_seq: i64,
        placed_on: Date,
        now_us: i64,
    ) -> Batches {
        let conflict = " ON CONFLICT (debtor_id, kind, value) DO NOTHING";
        Batches {
            debtors: Batch::new(engine, "debtors", DEBTOR_COLUMNS, "")
                .with_constants(vec![("import_id", Literal::Int(import_id))]),
            contacts: Batch::new(engine, "contact_points", CONTACT_COLUMNS, conflict)
                .with_constants(vec![
                    ("status", Literal::Code(ContactStatus::Unverified.code())),
                    ("consent", Literal::Code(Consent::Unknown.code())),
                    ("created_at_us", Literal::Int(now_us)),
                ]),
            accounts: Batch::new(engine, "accounts", ACCOUNT_COLUMNS, "").with_constants(vec![
                ("status", Literal::Code(IMPORTED_STATUS.code())),
                ("placed_on", Literal::Date(placed_on)),
                ("import_id", Literal::Int(import_id)),
            ]),
            ledger: Batch::new(engine, "ledger_entries", LEDGER_COLUMNS, "").with_constants(vec![
                ("seq", Literal::Int(1)),
                ("reason", Literal::Code(Reason::Placement.code())),
                ("effective_on", Literal::Date(placed_on)),
                ("recorded_at_us", Literal::Int(now_us)),
                ("audit_seq", Literal::Int(audit_seq)),
            ]),
            aging: Batch::new(engine, "aging_moves", AGING_COLUMNS, "").with_constants(vec![
                ("moved_on", Literal::Date(placed_on)),
                ("recorded_at_us", Literal::Int(now_us)),
            ]),
        }
    }

    /// The buffered rows, leaving these batches empty for the next rows.
    fn take(&mut self) -> Batches {
        Batches {
            debtors: self.debtors.take(),
            contacts: self.contacts.take(),
            accounts: self.accounts.take(),
            ledger: self.ledger.take(),
            aging: self.aging.take(),
        }
    }

    fn is_empty(&self) -> bool {
        [
            &self.debtors,
            &self.contacts,
            &self.accounts,
            &self.ledger,
            &self.aging,
        ]
        .iter()
        .all(|batch| batch.is_empty())
    }

    fn any_full(&self) -> bool {
        [
            &self.debtors,
            &self.contacts,
            &self.accounts,
            &self.ledger,
            &self.aging,
        ]
        .iter()
        .any(|batch| batch.is_full())
    }

    /// Parents before children, so foreign keys hold at every statement.
    async fn flush(&mut self, tx: &mut WriteTx) -> Result<(), StoreError> {
        self.debtors.flush(tx.conn()).await?;
        self.contacts.flush(tx.conn()).await?;
        self.accounts.flush(tx.conn()).await?;
        self.ledger.flush(tx.conn()).await?;
        self.aging.flush(tx.conn()).await
    }
}

/// Ids handed out during the import (the audit lock makes them safe).
struct NextIds {
    debtor: i64,
    contact: i64,
    account: i64,
    entry: i64,
    aging: i64,
}

/// Per-creditor state preloaded from the database.
struct CreditorState {
    creditor: Creditor,
    existing_accounts: HashSet<String>,
    debtors: HashMap<String, i64>,
}

struct Importer<'a> {
    store: &'a Store,
    seal: crate::crypto::SealKey,
    now_us: i64,
    batches: Batches,
    ids: NextIds,
    creditors: HashMap<String, CreditorState>,
    import_id: i64,
    audit_seq: i64,
    placed_on: Date,
    source: String,
    outcome: ImportOutcome,
    /// What the rows written add to the sealed tables' digests (`crate::seal`).
    sealed: Digests,
}

impl Store {
    pub async fn import_placements(
        &self,
        actor: &Actor,
        file: &ImportFile<'_>,
        source: &mut dyn PlacementSource,
    ) -> Result<ImportOutcome, StoreError> {
        let mut tx = self.write().await?;
        let ids = NextIds {
            debtor: tx.next_id("debtors").await?,
            contact: tx.next_id("contact_points").await?,
            account: tx.next_id("accounts").await?,
            entry: tx.next_id("ledger_entries").await?,
            aging: tx.next_id("aging_moves").await?,
        };
        let import_id = tx.next_id("imports").await?;
        // The import's one audit event is reserved first and written last; the rows
        // written between refer to its seq.
        let audit_seq = tx.reserve_event().await?;
        let now_us = tx.now_us();
        let mut importer = Importer {
            store: self,
            seal: self.key.seal_key(),
            now_us,
            batches: Batches::new(self.engine, import_id, audit_seq, file.placed_on, now_us),
            ids,
            creditors: HashMap::new(),
            import_id,
            audit_seq,
            placed_on: file.placed_on,
            source: format!("placement:{}", base_name(file.file_name)),
            outcome: ImportOutcome::default(),
            sealed: Digests::default(),
        };
        // While the database writes one batch, the next is parsed and built: the two
        // halves run on different threads (sqlx's SQLite worker, this task) at once.
        let mut waiting: Option<Placement> = None;
        loop {
            if let Some(placement) = waiting.take() {
                importer
                    .load_creditor(&mut tx, placement.creditor.as_str())
                    .await?;
                importer.add(&placement)?;
            }
            let mut writing = importer.batches.take();
            let (written, step) =
                tokio::join!(biased; writing.flush(&mut tx), importer.fill(source));
            written?;
            importer.outcome.contact_points_created += writing.contacts.rows_written;
            match step? {
                Step::Full => {}
                Step::NewCreditor(placement) => waiting = Some(*placement),
                Step::End => break,
            }
        }
        importer.batches.flush(&mut tx).await?;
        importer.outcome.contact_points_created += importer.batches.contacts.rows_written;
        match source.finish() {
            Ok(summary) => {
                let outcome = importer.finish(tx, actor, file, &summary).await?;
                if outcome.accounts_created > 0 {
                    self.analyze("accounts").await?;
                }
                Ok(outcome)
            }
            Err(report) => {
                tx.rollback().await?;
                Err(StoreError::Rejected(report))
            }
        }
    }
}

/// Finds or creates the creditor and preloads what the import needs to know of it.
async fn load_creditor(
    tx: &mut WriteTx,
    code: &str,
    audit_seq: i64,
    outcome: &mut ImportOutcome,
) -> Result<CreditorState, StoreError> {
    let creditor = match creditors::find(tx.conn(), code).await? {
        Some(creditor) => creditor,
        None => {
            let parsed = CreditorCode::parse(code)
                .map_err(|error| StoreError::Invalid(format!("creditor {code:?}: {error}")))?;
            outcome.creditors_created.push(code.to_string());
            creditors::insert(tx, &parsed, code, audit_seq).await?
        }
    };
    let account_rows = sqlx::query("SELECT account_ref FROM accounts WHERE creditor_id = $1")
        .bind(creditor.id)
        .fetch_all(tx.conn())
        .await?;
    let existing_accounts = account_rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let debtor_rows = sqlx::query("SELECT debtor_ref, id FROM debtors WHERE creditor_id = $1")
        .bind(creditor.id)
        .fetch_all(tx.conn())
        .await?;
    let debtors = debtor_rows
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(CreditorState {
        creditor,
        existing_accounts,
        debtors,
    })
}

fn base_name(path: &str) -> &str {
    std::path::Path::new(path)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or(path)
}

fn date_text(date: Option<Date>) -> Value {
    Value::Text(date.map(|date| date.to_string()))
}

/// Placements added between two chances for the write in flight to make progress.
const FILL_YIELD_EVERY_ROWS: u32 = 32;

/// Where filling the batches stopped.
enum Step {
    /// A batch is full: time to write.
    Full,
    /// A creditor not yet loaded: the database is needed first.
    NewCreditor(Box<Placement>),
    /// The source has no more placements.
    End,
}

impl Importer<'_> {
    async fn load_creditor(&mut self, tx: &mut WriteTx, code: &str) -> Result<(), StoreError> {
        if !self.creditors.contains_key(code) {
            let state = load_creditor(tx, code, self.audit_seq, &mut self.outcome).await?;
            self.creditors.insert(code.to_string(), state);
        }
        Ok(())
    }

    /// Adds placements to the batches until one is full, a new creditor shows up, or the
    /// source runs dry. Pure CPU work: it runs while the previous batch is written.
    async fn fill(&mut self, source: &mut dyn PlacementSource) -> Result<Step, StoreError> {
        let mut added = 0u32;
        while !self.batches.any_full() {
            // Let the write in flight move on to its next statement now and then.
            added += 1;
            if added.is_multiple_of(FILL_YIELD_EVERY_ROWS) {
                tokio::task::yield_now().await;
            }
            let Some(placement) = source.next_placement() else {
                return Ok(Step::End);
            };
            if !self.creditors.contains_key(placement.creditor.as_str()) {
                return Ok(Step::NewCreditor(Box::new(placement)));
            }
            self.add(&placement)?;
        }
        Ok(Step::Full)
    }

    fn add(&mut self, placement: &Placement) -> Result<(), StoreError> {
        let code = placement.creditor.as_str();
        let state = self
            .creditors
            .get_mut(code)
            .expect("the creditor is loaded first");
        if !state
            .existing_accounts
            .insert(placement.account_ref.as_str().to_string())
        {
            self.outcome.already_present += 1;
            return Ok(());
        }
        let creditor_id = state.creditor.id;
        let aging = state.creditor.policy.aging.clone();
        let debtor_id = match state.debtors.get(placement.debtor_ref.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.ids.debtor;
                self.ids.debtor += 1;
                state
                    .debtors
                    .insert(placement.debtor_ref.as_str().to_string(), id);
                self.add_debtor(id, creditor_id, placement)?;
                id
            }
        };
        self.add_contacts(debtor_id, placement)?;
        let account_id = self.ids.account;
        self.ids.account += 1;
        self.add_account(account_id, creditor_id, debtor_id, placement)?;
        self.add_opening_entry(account_id, placement)?;
        let days = days_past_due(placement.delinquent_since, self.placed_on, true);
        let bucket = aging.bucket_for(days).label();
        let id = self.ids.aging;
        self.ids.aging += 1;
        let row = [
            id.into(),
            account_id.into(),
            bucket.into(),
            i64::from(days).into(),
        ];
        self.batches.aging.push(row);
        Ok(())
    }

    fn add_debtor(
        &mut self,
        id: i64,
        creditor_id: i64,
        placement: &Placement,
    ) -> Result<(), StoreError> {
        let key = self.store.key();
        let address = placement.address.as_ref();
        let incomplete = address.is_some_and(|address| !address.is_mailable());
        let ssn_index = placement
            .ssn_last4
            .as_deref()
            .map(|last4| key.blind_index("ssn_last4", last4));
        let seal = seal::seal(
            &self.seal,
            &DebtorRow {
                id,
                creditor_id,
                debtor_ref: placement.debtor_ref.as_str(),
                first_name: &placement.first_name,
                last_name: &placement.last_name,
            },
        );
        self.sealed.add("debtors", seal.sum);
        let row = [
            id.into(),
            creditor_id.into(),
            placement.debtor_ref.as_str().into(),
            placement.first_name.as_str().into(),
            placement.last_name.as_str().into(),
            domain::text::fold(&placement.first_name).into(),
            domain::text::fold(&placement.last_name).into(),
            placement.language.code().into(),
            placement.time_zones.join(",").into(),
            address.and_then(|a| a.line1.clone()).into(),
            address.and_then(|a| a.line2.clone()).into(),
            address.and_then(|a| a.city.clone()).into(),
            address.and_then(|a| a.state.clone()).into(),
            address.and_then(|a| a.postal_code.clone()).into(),
            address.map(|a| a.country.clone()).into(),
            placement
                .date_of_birth
                .map(|date| key.encrypt(&date.to_string()))
                .into(),
            placement
                .ssn_last4
                .as_deref()
                .map(|last4| key.encrypt(last4))
                .into(),
            ssn_index.into(),
            i64::from(incomplete).into(),
            seal.text.into(),
        ];
        self.outcome.debtors_created += 1;
        self.outcome.addresses_incomplete += u64::from(incomplete);
        self.batches.debtors.push(row);
        Ok(())
    }

    fn add_contacts(&mut self, debtor_id: i64, placement: &Placement) -> Result<(), StoreError> {
        let phones = placement
            .phones
            .iter()
            .map(|(kind, phone)| (*kind, phone.e164().to_string()));
        let email = placement
            .email
            .iter()
            .map(|email| (ContactKind::Email, email.as_str().to_string()));
        let contacts: Vec<(ContactKind, String)> = phones.chain(email).collect();
        for (kind, value) in contacts {
            let id = self.ids.contact;
            self.ids.contact += 1;
            let row = [
                id.into(),
                debtor_id.into(),
                kind.code().into(),
                value.into(),
                self.source.as_str().into(),
            ];
            self.batches.contacts.push(row);
        }
        Ok(())
    }

    fn add_account(
        &mut self,
        id: i64,
        creditor_id: i64,
        debtor_id: i64,
        placement: &Placement,
    ) -> Result<(), StoreError> {
        let itemization = placement.itemization.as_ref();
        let minor =
            |amount: Option<domain::money::Amount>| Value::Int(amount.map(|amount| amount.minor()));
        let seal = seal::seal(
            &self.seal,
            &AccountRow {
                id,
                creditor_id,
                account_ref: placement.account_ref.as_str(),
                debtor_id,
                currency: placement.currency.code(),
                status: IMPORTED_STATUS.code(),
            },
        );
        self.sealed.add("accounts", seal.sum);
        let row = [
            id.into(),
            creditor_id.into(),
            placement.account_ref.as_str().into(),
            debtor_id.into(),
            placement.product.code().into(),
            placement.currency.code().into(),
            placement.original_creditor.clone().into(),
            placement.delinquent_since.to_string().into(),
            i64::from(placement.apr.get()).into(),
            date_text(placement.charge_off_date),
            date_text(placement.last_payment.map(|payment| payment.date)),
            minor(placement.last_payment.and_then(|payment| payment.amount)),
            date_text(placement.statute_expires_on),
            placement.collateral.clone().into(),
            placement.service_id.clone().into(),
            date_text(itemization.map(|item| item.date)),
            minor(itemization.map(|item| item.balance)),
            minor(itemization.map(|item| item.interest)),
            minor(itemization.map(|item| item.fees)),
            minor(itemization.map(|item| item.payments)),
            minor(itemization.map(|item| item.credits)),
            // The opening entry's total: the ledger this import writes (see
            // `workspace::refresh_balances`).
            placement
                .opening_entry(self.placed_on)
                .amounts()
                .total()
                .ok_or_else(|| StoreError::Invalid("the opening balance overflows".into()))?
                .minor()
                .into(),
            seal.text.into(),
        ];
        self.outcome.accounts_created += 1;
        self.batches.accounts.push(row);
        Ok(())
    }

    fn add_opening_entry(
        &mut self,
        account_id: i64,
        placement: &Placement,
    ) -> Result<(), StoreError> {
        let opening = placement.opening_entry(self.placed_on);
        assert_eq!(
            opening.effective_on(),
            self.placed_on,
            "the batch writes effective_on as a constant"
        );
        let amounts = opening.amounts();
        let effective_on = self.placed_on.to_string();
        let id = self.ids.entry;
        self.ids.entry += 1;
        let ledger_row = LedgerRow {
            id,
            account_id,
            seq: 1,
            reason: Reason::Placement.code(),
            principal_minor: amounts.principal.minor(),
            interest_minor: amounts.interest.minor(),
            fees_minor: amounts.fees.minor(),
            effective_on: &effective_on,
            recorded_at_us: self.now_us,
            corrects_entry_id: None,
            memo: None,
            audit_seq: self.audit_seq,
        };
        let row_hash = ledger_row.hash(&self.seal);
        self.sealed.add("ledger_entries", seal::hash_sum(&row_hash));
        let row = [
            id.into(),
            account_id.into(),
            amounts.principal.minor().into(),
            amounts.interest.minor().into(),
            amounts.fees.minor().into(),
            row_hash.into(),
        ];
        self.outcome.entries_created += 1;
        self.batches.ledger.push(row);
        Ok(())
    }

    async fn finish(
        mut self,
        mut tx: WriteTx,
        actor: &Actor,
        file: &ImportFile<'_>,
        summary: &SourceSummary,
    ) -> Result<ImportOutcome, StoreError> {
        assert!(
            self.batches.is_empty(),
            "every batch was written before the verdict"
        );
        let nothing_new =
            self.outcome.accounts_created == 0 && self.outcome.creditors_created.is_empty();
        if nothing_new {
            tx.rollback().await?;
            return Ok(self.outcome);
        }
        let outcome = &self.outcome;
        let after = json!({
            "file": file.file_name,
            "sha256": summary.sha256,
            "rows": summary.rows,
            "accounts_created": outcome.accounts_created,
            "already_present": outcome.already_present,
            "debtors_created": outcome.debtors_created,
            "contact_points_created": outcome.contact_points_created,
            "entries_created": outcome.entries_created,
            "creditors_created": outcome.creditors_created,
            "addresses_incomplete": outcome.addresses_incomplete,
            "creditor_policy": (!outcome.creditors_created.is_empty()).then(creditors::default_policy_json),
        });
        let seq = tx
            .fill_event(AuditEvent {
                actor: &actor.name,
                action: "import.placements",
                entity: "import",
                entity_key: &self.import_id.to_string(),
                before: None,
                after: Some(after),
                reason: "placement file imported",
            })
            .await?;
        assert_eq!(
            seq, self.audit_seq,
            "the import's audit seq was reserved before its rows"
        );
        tx.sealed().merge(&self.sealed);
        sqlx::query(
            "INSERT INTO imports (id, kind, file_name, sha256, rows_in_file, accounts_created, debtors_created, entries_created, actor, recorded_at_us, audit_seq) \
             VALUES ($1, 'placements', $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(self.import_id)
        .bind(file.file_name)
        .bind(&summary.sha256)
        .bind(summary.rows as i64)
        .bind(outcome.accounts_created as i64)
        .bind(outcome.debtors_created as i64)
        .bind(outcome.entries_created as i64)
        .bind(&actor.name)
        .bind(self.now_us)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        self.outcome.import_id = Some(self.import_id);
        self.outcome.audit_seq = Some(seq);
        Ok(self.outcome)
    }
}
