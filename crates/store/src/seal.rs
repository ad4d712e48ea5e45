//! Row seals: the rows whose change matters carry a `seal` written in the same
//! transaction as the row, so an edit made behind Arrears' back is named by `audit
//! verify` — which table, which row, which columns.
//!
//! - **Sealed rows:** accounts (identity; status), debtors (identity; name), payments
//!   (account; reference and provenance; amount; return), holds (the hold; its release),
//!   users (identity and password hash; role; disabled) and users' creditor assignments.
//!   A row's seal is one 128-bit tag per group of columns, each an HMAC-SHA256 (under
//!   the seal key, which never enters the database) of the table, the row's key and the
//!   group's values, so the group that changed can be named.
//! - **Sealed counts:** for each of those tables, and for the ledger and the compliance
//!   decision log (whose rows are sealed already), `audit_head.sealed_rows` holds how
//!   many rows it has and the sum (mod 2^128) of their tags. Writers keep it current in
//!   the writing transaction; the head's own seal covers it with the chain's last event,
//!   so a deleted row, a row put back from an old copy, or a rewound chain shows.
//!
//! **Invariant:** every INSERT, UPDATE or DELETE of a sealed column writes the row's new
//! seal and adjusts its table's digest ([`Digests`]) in the same `WriteTx`; an update
//! first checks the seal of the row it read, so a tampered row is never re-sealed.

use crate::StoreError;
use crate::crypto::SealKey;
use hmac::Mac;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// Hexadecimal digits of one group's tag (128 bits).
pub const TAG_HEX: usize = 32;

/// The tables counted in `audit_head.sealed_rows`, in the order they are written there.
pub const TABLES: &[&str] = &[
    "account_holds",
    "accounts",
    "compliance_decisions",
    "debtors",
    "ledger_entries",
    "payments",
    "user_creditors",
    "users",
];

/// One sealed value.
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
}

impl Field<'_> {
    fn shown(&self) -> String {
        match self {
            Field::Int(Some(value)) => value.to_string(),
            Field::Text(Some(text)) => format!("{text:?}"),
            Field::Int(None) | Field::Text(None) => "NULL".into(),
        }
    }
}

impl From<i64> for Field<'_> {
    fn from(value: i64) -> Self {
        Field::Int(Some(value))
    }
}
impl From<Option<i64>> for Field<'_> {
    fn from(value: Option<i64>) -> Self {
        Field::Int(value)
    }
}
impl<'a> From<&'a str> for Field<'a> {
    fn from(value: &'a str) -> Self {
        Field::Text(Some(value))
    }
}
impl<'a> From<Option<&'a str>> for Field<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Field::Text(value)
    }
}

/// Columns sealed together; `shown`: `audit verify` may print their values (never
/// names, free text or password hashes).
pub struct Group<'a> {
    pub columns: &'static str,
    pub shown: bool,
    pub fields: Vec<Field<'a>>,
}

/// A row whose significant columns are sealed.
pub trait Sealed {
    const TABLE: &'static str;
    /// The row's key (its id, or both ids of an assignment).
    fn key(&self) -> [i64; 2];
    fn groups(&self) -> Vec<Group<'_>>;
}

/// A row's seal as stored, and what it adds to its table's digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowSeal {
    pub text: String,
    pub sum: u128,
}

fn tag(key: &SealKey, table: &str, row_key: [i64; 2], group: &Group<'_>) -> u128 {
    let mut mac = key.mac();
    mac.update(b"arrears row seal\0");
    mac.update(table.as_bytes());
    mac.update(b"\0");
    mac.update(&row_key[0].to_be_bytes());
    mac.update(&row_key[1].to_be_bytes());
    mac.update(group.columns.as_bytes());
    mac.update(b"\0");
    for field in &group.fields {
        match field {
            Field::Int(Some(value)) => {
                mac.update(b"i");
                mac.update(&value.to_be_bytes());
            }
            Field::Text(Some(text)) => {
                mac.update(b"s");
                mac.update(&(text.len() as u64).to_be_bytes());
                mac.update(text.as_bytes());
            }
            Field::Int(None) | Field::Text(None) => mac.update(b"-"),
        }
    }
    let bytes = mac.finalize().into_bytes();
    u128::from_be_bytes(bytes[..16].try_into().expect("HMAC-SHA256 gives 32 bytes"))
}

/// The seal of `row` as it is now.
pub fn seal<R: Sealed>(key: &SealKey, row: &R) -> RowSeal {
    let mut text = String::with_capacity(TAG_HEX * 4);
    let mut sum = 0u128;
    for group in row.groups() {
        let tag = tag(key, R::TABLE, row.key(), &group);
        text.push_str(&format!("{tag:032x}"));
        sum = sum.wrapping_add(tag);
    }
    RowSeal { text, sum }
}

/// Checks `row` against its stored seal: its digest contribution, or what is wrong,
/// naming the row (`describe`) and the columns that are not what was sealed.
pub fn check<R: Sealed>(
    key: &SealKey,
    row: &R,
    stored: Option<&str>,
    describe: impl FnOnce() -> String,
) -> Result<u128, String> {
    let Some(stored) = stored else {
        return Err(format!(
            "{}: not sealed by Arrears (the row was added, or its seal removed, behind Arrears' back)",
            describe()
        ));
    };
    let groups = row.groups();
    let tags: Option<Vec<u128>> = (stored.len() == groups.len() * TAG_HEX && stored.is_ascii())
        .then(|| {
            (0..groups.len())
                .map(|at| u128::from_str_radix(&stored[at * TAG_HEX..(at + 1) * TAG_HEX], 16).ok())
                .collect()
        })
        .flatten();
    let Some(tags) = tags else {
        return Err(format!(
            "{}: its seal is not one Arrears writes (the row was altered behind Arrears' back)",
            describe()
        ));
    };
    let mut differing = Vec::new();
    for (group, stored_tag) in groups.iter().zip(&tags) {
        if tag(key, R::TABLE, row.key(), group) != *stored_tag {
            let verb = if group.columns.contains(',') {
                "are"
            } else {
                "is"
            };
            let now = if group.shown {
                let values: Vec<String> = group.fields.iter().map(Field::shown).collect();
                format!(" (now {})", values.join(", "))
            } else {
                String::new()
            };
            differing.push(format!(
                "{} {verb} not what Arrears sealed{now}",
                group.columns
            ));
        }
    }
    if differing.is_empty() {
        Ok(tags.iter().fold(0u128, |sum, tag| sum.wrapping_add(*tag)))
    } else {
        Err(format!(
            "{}: {}; the row was altered behind Arrears' back",
            describe(),
            differing.join("; ")
        ))
    }
}

/// Like [`check`], for a writer about to change the row: a row that does not match its
/// seal is refused (re-sealing it would cover the edit up).
pub fn check_before_writing<R: Sealed>(
    key: &SealKey,
    row: &R,
    stored: Option<&str>,
    describe: impl FnOnce() -> String,
) -> Result<u128, StoreError> {
    check(key, row, stored, describe).map_err(|problem| {
        StoreError::Corrupt(format!(
            "{problem}; nothing more is written to it (run `arrears audit verify`)"
        ))
    })
}

/// What a row sealed by its own hash (ledger entries, compliance decisions) adds to its
/// table's digest: the first 128 bits of the hash.
pub fn hash_sum(hash_hex: &str) -> u128 {
    hash_hex
        .get(..TAG_HEX)
        .and_then(|prefix| u128::from_str_radix(prefix, 16).ok())
        .unwrap_or(0)
}

/// How many rows a table holds and the sum of their tags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Digest {
    pub rows: i64,
    pub sum: u128,
}

/// Per sealed table: the head's record of it, or (from [`Digests::default`]) the change a
/// transaction makes to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Digests(BTreeMap<&'static str, Digest>);

fn known(table: &str) -> &'static str {
    TABLES
        .iter()
        .find(|known| **known == table)
        .copied()
        .unwrap_or_else(|| panic!("{table} is not a sealed table"))
}

impl Digests {
    /// Every table, none with a row.
    pub fn empty() -> Digests {
        Digests(
            TABLES
                .iter()
                .map(|table| (*table, Digest::default()))
                .collect(),
        )
    }

    /// `audit_head.sealed_rows`: a line `TABLE ROWS SUM` per table, every table once.
    pub fn parse(text: &str) -> Option<Digests> {
        let mut digests = BTreeMap::new();
        for line in text.lines() {
            let mut parts = line.split(' ');
            let (table, rows, sum) = (parts.next()?, parts.next()?, parts.next()?);
            let table = *TABLES.iter().find(|known| **known == table)?;
            let digest = Digest {
                rows: rows.parse().ok()?,
                sum: u128::from_str_radix(sum, 16).ok()?,
            };
            if parts.next().is_some() || digests.insert(table, digest).is_some() {
                return None;
            }
        }
        (digests.len() == TABLES.len()).then_some(Digests(digests))
    }

    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(|(table, digest)| format!("{table} {} {:032x}\n", digest.rows, digest.sum))
            .collect()
    }

    pub fn get(&self, table: &str) -> Digest {
        self.0.get(table).copied().unwrap_or_default()
    }

    fn entry(&mut self, table: &str) -> &mut Digest {
        self.0.entry(known(table)).or_default()
    }

    /// A table's digest as counted afresh.
    pub fn set(&mut self, table: &str, digest: Digest) {
        *self.entry(table) = digest;
    }

    /// A row written.
    pub fn add(&mut self, table: &str, sum: u128) {
        let digest = self.entry(table);
        digest.rows += 1;
        digest.sum = digest.sum.wrapping_add(sum);
    }

    /// A row deleted.
    pub fn remove(&mut self, table: &str, sum: u128) {
        let digest = self.entry(table);
        digest.rows -= 1;
        digest.sum = digest.sum.wrapping_sub(sum);
    }

    /// A row changed.
    pub fn replace(&mut self, table: &str, old: u128, new: u128) {
        let digest = self.entry(table);
        digest.sum = digest.sum.wrapping_sub(old).wrapping_add(new);
    }

    /// Adds the changes `delta` recorded.
    pub fn merge(&mut self, delta: &Digests) {
        for (table, change) in &delta.0 {
            let digest = self.entry(table);
            digest.rows += change.rows;
            digest.sum = digest.sum.wrapping_add(change.sum);
        }
    }
}

/// An account: who it belongs to, whose debt it is, its currency; its status.
pub struct AccountRow<'a> {
    pub id: i64,
    pub creditor_id: i64,
    pub account_ref: &'a str,
    pub debtor_id: i64,
    pub currency: &'a str,
    pub status: &'a str,
}

impl Sealed for AccountRow<'_> {
    const TABLE: &'static str = "accounts";
    fn key(&self) -> [i64; 2] {
        [self.id, 0]
    }
    fn groups(&self) -> Vec<Group<'_>> {
        vec![
            Group {
                columns: "creditor_id, account_ref, debtor_id, currency",
                shown: true,
                fields: vec![
                    self.creditor_id.into(),
                    self.account_ref.into(),
                    self.debtor_id.into(),
                    self.currency.into(),
                ],
            },
            Group {
                columns: "status",
                shown: true,
                fields: vec![self.status.into()],
            },
        ]
    }
}

/// A debtor: creditor and reference; name (never shown).
pub struct DebtorRow<'a> {
    pub id: i64,
    pub creditor_id: i64,
    pub debtor_ref: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

impl Sealed for DebtorRow<'_> {
    const TABLE: &'static str = "debtors";
    fn key(&self) -> [i64; 2] {
        [self.id, 0]
    }
    fn groups(&self) -> Vec<Group<'_>> {
        vec![
            Group {
                columns: "creditor_id, debtor_ref",
                shown: true,
                fields: vec![self.creditor_id.into(), self.debtor_ref.into()],
            },
            Group {
                columns: "first_name, last_name",
                shown: false,
                fields: vec![self.first_name.into(), self.last_name.into()],
            },
        ]
    }
}

/// A payment: the account it paid; its reference and where it came from; its amount;
/// its return.
pub struct PaymentRow<'a> {
    pub id: i64,
    pub creditor_id: i64,
    pub account_id: i64,
    pub payment_ref: &'a str,
    pub trace: Option<&'a str>,
    pub source: &'a str,
    pub user_id: Option<i64>,
    pub recorded_at_us: i64,
    pub audit_seq: i64,
    pub amount_minor: i64,
    pub method: &'a str,
    pub paid_on: &'a str,
    pub returned_on: Option<&'a str>,
    pub return_code: Option<&'a str>,
    pub return_ref: Option<&'a str>,
    pub returned_audit_seq: Option<i64>,
}

impl Sealed for PaymentRow<'_> {
    const TABLE: &'static str = "payments";
    fn key(&self) -> [i64; 2] {
        [self.id, 0]
    }
    fn groups(&self) -> Vec<Group<'_>> {
        vec![
            Group {
                columns: "creditor_id, account_id",
                shown: true,
                fields: vec![self.creditor_id.into(), self.account_id.into()],
            },
            Group {
                columns: "payment_ref, trace, source, user_id, recorded_at_us, audit_seq",
                shown: true,
                fields: vec![
                    self.payment_ref.into(),
                    self.trace.into(),
                    self.source.into(),
                    self.user_id.into(),
                    self.recorded_at_us.into(),
                    self.audit_seq.into(),
                ],
            },
            Group {
                columns: "amount_minor, method, paid_on",
                shown: true,
                fields: vec![
                    self.amount_minor.into(),
                    self.method.into(),
                    self.paid_on.into(),
                ],
            },
            Group {
                columns: "returned_on, return_code, return_ref, returned_audit_seq",
                shown: true,
                fields: vec![
                    self.returned_on.into(),
                    self.return_code.into(),
                    self.return_ref.into(),
                    self.returned_audit_seq.into(),
                ],
            },
        ]
    }
}

/// A hold (its detail is free text, never shown); its release.
pub struct HoldRow<'a> {
    pub id: i64,
    pub account_id: i64,
    pub kind: &'a str,
    pub detail: &'a str,
    pub placed_at_us: i64,
    pub audit_seq: i64,
    pub released_at_us: Option<i64>,
}

impl Sealed for HoldRow<'_> {
    const TABLE: &'static str = "account_holds";
    fn key(&self) -> [i64; 2] {
        [self.id, 0]
    }
    fn groups(&self) -> Vec<Group<'_>> {
        vec![
            Group {
                columns: "account_id, kind, detail, placed_at_us, audit_seq",
                shown: false,
                fields: vec![
                    self.account_id.into(),
                    self.kind.into(),
                    self.detail.into(),
                    self.placed_at_us.into(),
                    self.audit_seq.into(),
                ],
            },
            Group {
                columns: "released_at_us",
                shown: true,
                fields: vec![self.released_at_us.into()],
            },
        ]
    }
}

/// A user: name, password hash (never shown) and creation; role; disabled.
pub struct UserRow<'a> {
    pub id: i64,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub created_at_us: i64,
    pub audit_seq: i64,
    pub role: &'a str,
    pub disabled: i64,
}

impl Sealed for UserRow<'_> {
    const TABLE: &'static str = "users";
    fn key(&self) -> [i64; 2] {
        [self.id, 0]
    }
    fn groups(&self) -> Vec<Group<'_>> {
        vec![
            Group {
                columns: "username, password_hash, created_at_us, audit_seq",
                shown: false,
                fields: vec![
                    self.username.into(),
                    self.password_hash.into(),
                    self.created_at_us.into(),
                    self.audit_seq.into(),
                ],
            },
            Group {
                columns: "role",
                shown: true,
                fields: vec![self.role.into()],
            },
            Group {
                columns: "disabled",
                shown: true,
                fields: vec![self.disabled.into()],
            },
        ]
    }
}

/// A creditor a user works (`user_creditors`).
pub struct AssignmentRow {
    pub user_id: i64,
    pub creditor_id: i64,
}

impl Sealed for AssignmentRow {
    const TABLE: &'static str = "user_creditors";
    fn key(&self) -> [i64; 2] {
        [self.user_id, self.creditor_id]
    }
    fn groups(&self) -> Vec<Group<'_>> {
        vec![Group {
            columns: "user_id, creditor_id",
            shown: true,
            fields: vec![self.user_id.into(), self.creditor_id.into()],
        }]
    }
}

/// What a scan of one table found: its rows, the sum of their tags, and for tables
/// keyed by an id (ids are handed out 1, 2, 3… and never reused) the first id missing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub digest: Digest,
    next_id: i64,
    first_gap: Option<i64>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            digest: Digest::default(),
            next_id: 1,
            first_gap: None,
        }
    }

    /// A row with id `id` (in increasing order) adding `sum`.
    pub fn row(&mut self, id: Option<i64>, sum: u128) {
        self.digest.rows += 1;
        self.digest.sum = self.digest.sum.wrapping_add(sum);
        if let Some(id) = id {
            if id != self.next_id && self.first_gap.is_none() {
                self.first_gap = Some(self.next_id);
            }
            self.next_id = id + 1;
        }
    }

    /// What differs between the rows found and those the head sealed, if anything.
    pub fn compare(&self, table: &str, sealed: Digest, keyed_by_id: bool) -> Option<String> {
        let found = self.digest;
        let rows = |count: i64| format!("{count} row{}", if count == 1 { "" } else { "s" });
        if found.rows < sealed.rows {
            let missing = match (keyed_by_id, self.first_gap) {
                (true, Some(gap)) => format!("{table} {gap} is missing: "),
                (true, None) => format!("{table} {} is missing: ", self.next_id),
                (false, _) => format!("{table}: "),
            };
            return Some(format!(
                "{missing}{} sealed, {} left (rows were deleted behind Arrears' back)",
                rows(sealed.rows),
                found.rows
            ));
        }
        if found.rows > sealed.rows {
            return Some(format!(
                "{table}: {} sealed, {} there (rows were added behind Arrears' back)",
                rows(sealed.rows),
                found.rows
            ));
        }
        (found.sum != sealed.sum).then(|| {
            format!(
                "{table}: each row matches its own seal, but together they are not the rows Arrears sealed last: a row was put back to an earlier state (an old copy, seal and all) behind Arrears' back"
            )
        })
    }
}

/// Checking each row against its seal, or sealing it afresh.
#[derive(Clone, Copy)]
pub(crate) enum Mode<'k> {
    Check(&'k SealKey),
    Seal(&'k SealKey),
}

struct Scanned {
    key: [i64; 2],
    /// The row's digest contribution, or what is wrong with it (checking).
    outcome: Result<u128, String>,
    /// The new seal (sealing).
    seal: Option<String>,
}

fn scanned<R: Sealed>(
    mode: Mode<'_>,
    row: &R,
    stored: Option<&str>,
    describe: impl FnOnce() -> String,
) -> Scanned {
    match mode {
        Mode::Check(key) => Scanned {
            key: row.key(),
            outcome: check(key, row, stored, describe),
            seal: None,
        },
        Mode::Seal(key) => {
            let sealed = seal(key, row);
            Scanned {
                key: row.key(),
                outcome: Ok(sealed.sum),
                seal: Some(sealed.text),
            }
        }
    }
}

type Reader = fn(&AnyRow, Mode<'_>) -> Result<Scanned, StoreError>;

/// One sealed table: how its rows are read (the seal last but for names joined in for
/// messages) and how the seal is written back.
struct Scan {
    table: &'static str,
    select: &'static str,
    /// Its rows are keyed by `id` (else by both ids of an assignment).
    by_id: bool,
    read: Reader,
}

const SCANS: &[Scan] = &[
    Scan {
        table: "account_holds",
        select: "SELECT id, account_id, kind, detail, placed_at_us, audit_seq, released_at_us, seal FROM account_holds",
        by_id: true,
        read: |row, mode| {
            let (kind, detail): (String, String) = (row.try_get(2)?, row.try_get(3)?);
            let hold = HoldRow {
                id: row.try_get(0)?,
                account_id: row.try_get(1)?,
                kind: &kind,
                detail: &detail,
                placed_at_us: row.try_get(4)?,
                audit_seq: row.try_get(5)?,
                released_at_us: row.try_get(6)?,
            };
            let stored: Option<String> = row.try_get(7)?;
            Ok(scanned(mode, &hold, stored.as_deref(), || {
                format!(
                    "account_holds {} (account_id {}, {kind})",
                    hold.id, hold.account_id
                )
            }))
        },
    },
    Scan {
        table: "accounts",
        select: "SELECT id, creditor_id, account_ref, debtor_id, currency, status, seal FROM accounts",
        by_id: true,
        read: |row, mode| {
            let account_ref: String = row.try_get(2)?;
            let (currency, status): (String, String) = (row.try_get(4)?, row.try_get(5)?);
            let account = AccountRow {
                id: row.try_get(0)?,
                creditor_id: row.try_get(1)?,
                account_ref: &account_ref,
                debtor_id: row.try_get(3)?,
                currency: &currency,
                status: &status,
            };
            let stored: Option<String> = row.try_get(6)?;
            Ok(scanned(mode, &account, stored.as_deref(), || {
                format!("accounts {} (account_ref {account_ref:?})", account.id)
            }))
        },
    },
    Scan {
        table: "debtors",
        select: "SELECT id, creditor_id, debtor_ref, first_name, last_name, seal FROM debtors",
        by_id: true,
        read: |row, mode| {
            let debtor_ref: String = row.try_get(2)?;
            let (first_name, last_name): (String, String) = (row.try_get(3)?, row.try_get(4)?);
            let debtor = DebtorRow {
                id: row.try_get(0)?,
                creditor_id: row.try_get(1)?,
                debtor_ref: &debtor_ref,
                first_name: &first_name,
                last_name: &last_name,
            };
            let stored: Option<String> = row.try_get(5)?;
            Ok(scanned(mode, &debtor, stored.as_deref(), || {
                format!("debtors {} (debtor_ref {debtor_ref:?})", debtor.id)
            }))
        },
    },
    Scan {
        table: "payments",
        select: "SELECT id, creditor_id, account_id, payment_ref, trace, source, user_id, recorded_at_us, audit_seq, amount_minor, method, paid_on, returned_on, return_code, return_ref, returned_audit_seq, seal FROM payments",
        by_id: true,
        read: |row, mode| {
            let payment_ref: String = row.try_get(3)?;
            let trace: Option<String> = row.try_get(4)?;
            let source: String = row.try_get(5)?;
            let (method, paid_on): (String, String) = (row.try_get(10)?, row.try_get(11)?);
            let returned_on: Option<String> = row.try_get(12)?;
            let return_code: Option<String> = row.try_get(13)?;
            let return_ref: Option<String> = row.try_get(14)?;
            let payment = PaymentRow {
                id: row.try_get(0)?,
                creditor_id: row.try_get(1)?,
                account_id: row.try_get(2)?,
                payment_ref: &payment_ref,
                trace: trace.as_deref(),
                source: &source,
                user_id: row.try_get(6)?,
                recorded_at_us: row.try_get(7)?,
                audit_seq: row.try_get(8)?,
                amount_minor: row.try_get(9)?,
                method: &method,
                paid_on: &paid_on,
                returned_on: returned_on.as_deref(),
                return_code: return_code.as_deref(),
                return_ref: return_ref.as_deref(),
                returned_audit_seq: row.try_get(15)?,
            };
            let stored: Option<String> = row.try_get(16)?;
            Ok(scanned(mode, &payment, stored.as_deref(), || {
                format!("payments {} (payment_ref {payment_ref:?})", payment.id)
            }))
        },
    },
    Scan {
        table: "user_creditors",
        select: "SELECT uc.user_id, uc.creditor_id, uc.seal, u.username, c.code FROM user_creditors uc LEFT JOIN users u ON u.id = uc.user_id LEFT JOIN creditors c ON c.id = uc.creditor_id",
        by_id: false,
        read: |row, mode| {
            let assignment = AssignmentRow {
                user_id: row.try_get(0)?,
                creditor_id: row.try_get(1)?,
            };
            let stored: Option<String> = row.try_get(2)?;
            let username: Option<String> = row.try_get(3)?;
            let code: Option<String> = row.try_get(4)?;
            Ok(scanned(mode, &assignment, stored.as_deref(), || {
                let user = username.map_or(format!("id {}", assignment.user_id), |name| {
                    format!("{name:?}")
                });
                let creditor = code.map_or(format!("id {}", assignment.creditor_id), |code| {
                    format!("{code:?}")
                });
                format!("user_creditors (user {user}, creditor {creditor})")
            }))
        },
    },
    Scan {
        table: "users",
        select: "SELECT id, username, password_hash, created_at_us, audit_seq, role, disabled, seal FROM users",
        by_id: true,
        read: |row, mode| {
            let (username, password_hash): (String, String) = (row.try_get(1)?, row.try_get(2)?);
            let role: String = row.try_get(5)?;
            let user = UserRow {
                id: row.try_get(0)?,
                username: &username,
                password_hash: &password_hash,
                created_at_us: row.try_get(3)?,
                audit_seq: row.try_get(4)?,
                role: &role,
                disabled: row.try_get(6)?,
            };
            let stored: Option<String> = row.try_get(7)?;
            Ok(scanned(mode, &user, stored.as_deref(), || {
                format!("users {} ({username:?})", user.id)
            }))
        },
    },
];

fn order_by(scan: &Scan) -> &'static str {
    if scan.by_id {
        " ORDER BY id"
    } else {
        " ORDER BY uc.user_id, uc.creditor_id"
    }
}

/// Problems [`verify_rows`] lists at most (each row is sealed on its own, so every
/// altered row can be named, not only the first).
pub const PROBLEMS_LISTED_MAX: usize = 20;

/// Checks every row of the row-sealed tables against its seal, then each table without
/// an altered row against the head's digest: how many rows were checked, or every
/// problem found (at most [`PROBLEMS_LISTED_MAX`], then how many more).
pub(crate) async fn verify_rows(
    connection: &mut AnyConnection,
    key: &SealKey,
    head: &Digests,
) -> Result<Result<u64, Vec<String>>, StoreError> {
    use futures_util::TryStreamExt;
    let mut problems = Vec::new();
    let mut more = 0usize;
    let mut note = |problem: String, problems: &mut Vec<String>| {
        if problems.len() < PROBLEMS_LISTED_MAX {
            problems.push(problem);
        } else {
            more += 1;
        }
    };
    let mut checked = 0u64;
    for scan in SCANS {
        let sql = format!("{}{}", scan.select, order_by(scan));
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
        let mut tally = Tally::new();
        let mut altered = false;
        while let Some(row) = rows.try_next().await? {
            let scanned = (scan.read)(&row, Mode::Check(key))?;
            match scanned.outcome {
                Ok(sum) => tally.row(scan.by_id.then_some(scanned.key[0]), sum),
                Err(problem) => {
                    altered = true;
                    note(problem, &mut problems);
                }
            }
            checked += 1;
        }
        drop(rows);
        // A table with an altered row cannot add up: that row is already named.
        if !altered
            && let Some(problem) = tally.compare(scan.table, head.get(scan.table), scan.by_id)
        {
            let problem = match explain(connection, scan.table).await? {
                Some(detail) => format!("{problem}: {detail}"),
                None => problem,
            };
            note(problem, &mut problems);
        }
    }
    if more > 0 {
        problems.push(format!("… and {more} more"));
    }
    Ok(if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    })
}

/// Where the audit log can tell what a deleted row was: the holds whose placing event
/// has no row any more; the users whose creditors are not the ones their last
/// assignment event recorded. Only asked once a table does not add up.
async fn explain(
    connection: &mut AnyConnection,
    table: &str,
) -> Result<Option<String>, StoreError> {
    const NAMED_MAX: usize = 5;
    let mut named = Vec::new();
    match table {
        "account_holds" => {
            let rows = sqlx::query(
                "SELECT e.seq, e.entity_key, e.after_json FROM audit_events e \
                 WHERE e.action = 'account.hold.place' AND NOT EXISTS (SELECT 1 FROM account_holds h WHERE h.audit_seq = e.seq) \
                 ORDER BY e.seq",
            )
            .fetch_all(&mut *connection)
            .await?;
            for row in rows.iter().take(NAMED_MAX) {
                let (seq, account): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
                let after: Option<String> = row.try_get(2)?;
                let kind = after
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                    .and_then(|value| value["hold"].as_str().map(str::to_string))
                    .unwrap_or_default();
                named.push(format!(
                    "the {kind} hold on {account} placed by audit event {seq} has no row"
                ));
            }
        }
        "user_creditors" => {
            let mut recorded: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
            for row in sqlx::query(
                "SELECT seq, entity_key, after_json FROM audit_events WHERE action = 'user.creditors' ORDER BY seq",
            )
            .fetch_all(&mut *connection)
            .await?
            {
                let (seq, user): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
                let after: Option<String> = row.try_get(2)?;
                let mut codes: Vec<String> = after
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                    .and_then(|value| {
                        value["creditors"].as_array().map(|codes| {
                            codes
                                .iter()
                                .filter_map(|code| code.as_str().map(str::to_string))
                                .collect()
                        })
                    })
                    .unwrap_or_default();
                codes.sort();
                codes.dedup();
                recorded.insert(user, (seq, codes));
            }
            let mut current: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for row in sqlx::query(
                "SELECT u.username, c.code FROM user_creditors uc JOIN users u ON u.id = uc.user_id JOIN creditors c ON c.id = uc.creditor_id ORDER BY u.username, c.code",
            )
            .fetch_all(&mut *connection)
            .await?
            {
                current
                    .entry(row.try_get(0)?)
                    .or_default()
                    .push(row.try_get(1)?);
            }
            let users: std::collections::BTreeSet<&String> =
                recorded.keys().chain(current.keys()).collect();
            let list = |codes: &[String]| {
                if codes.is_empty() {
                    "no creditor".to_string()
                } else {
                    codes.join(", ")
                }
            };
            for user in users {
                let works = current.get(user).cloned().unwrap_or_default();
                let (seq, last) = recorded.get(user).cloned().unwrap_or_default();
                if works != last && named.len() < NAMED_MAX {
                    let since = if seq > 0 {
                        format!("audit event {seq} assigned {}", list(&last))
                    } else {
                        "no audit event assigned any".into()
                    };
                    named.push(format!("{user:?} works {}; {since}", list(&works)));
                }
            }
        }
        _ => {}
    }
    Ok((!named.is_empty()).then(|| named.join("; ")))
}

/// Rows re-sealed per statement round when every row is sealed afresh.
const RESEAL_PAGE_ROWS: i64 = 1_000;

/// Seals every row of the row-sealed tables afresh under `key` (the upgrade that
/// introduced seals; a key rotation). Their digests, for the head.
pub(crate) async fn reseal_rows(
    connection: &mut AnyConnection,
    key: &SealKey,
) -> Result<Digests, StoreError> {
    let mut digests = Digests::empty();
    for scan in SCANS {
        let mut tally = Tally::new();
        let mut after = 0i64;
        loop {
            let rows = if scan.by_id {
                let sql = format!("{} WHERE id > $1 ORDER BY id LIMIT $2", scan.select);
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(RESEAL_PAGE_ROWS)
                    .fetch_all(&mut *connection)
                    .await?
            } else {
                // Assignments: a few per user, read at once.
                let sql = format!("{}{}", scan.select, order_by(scan));
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut *connection)
                    .await?
            };
            for row in &rows {
                let scanned = (scan.read)(row, Mode::Seal(key))?;
                let sum = scanned.outcome.expect("sealing cannot fail");
                let [first, second] = scanned.key;
                if scan.by_id {
                    let sql = format!("UPDATE {} SET seal = $1 WHERE id = $2", scan.table);
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(scanned.seal)
                        .bind(first)
                        .execute(&mut *connection)
                        .await?;
                } else {
                    sqlx::query(
                        "UPDATE user_creditors SET seal = $1 WHERE user_id = $2 AND creditor_id = $3",
                    )
                    .bind(scanned.seal)
                    .bind(first)
                    .bind(second)
                    .execute(&mut *connection)
                    .await?;
                }
                tally.row(None, sum);
                after = first;
            }
            if !scan.by_id || (rows.len() as i64) < RESEAL_PAGE_ROWS {
                break;
            }
        }
        *digests.entry(scan.table) = tally.digest;
    }
    Ok(digests)
}

/// The digest of a table whose rows are sealed by their own hash column.
pub(crate) async fn hash_digest(
    connection: &mut AnyConnection,
    table: &'static str,
    column: &'static str,
) -> Result<Digest, StoreError> {
    use futures_util::TryStreamExt;
    let sql = format!("SELECT {column} FROM {table}");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
    let mut tally = Tally::new();
    while let Some(row) = rows.try_next().await? {
        let hash: String = row.try_get(0)?;
        tally.row(None, hash_sum(&hash));
    }
    Ok(tally.digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PiiKey;

    #[test]
    fn digests_round_trip_and_refuse_anything_else() {
        let mut digests = Digests::empty();
        digests.add("accounts", 7);
        digests.add("accounts", u128::MAX);
        digests.remove("users", 3);
        let text = digests.text();
        assert_eq!(Digests::parse(&text), Some(digests.clone()));
        assert_eq!(digests.get("accounts").rows, 2);
        assert_eq!(digests.get("accounts").sum, 6, "wrapping");
        assert_eq!(Digests::parse(""), None);
        assert_eq!(Digests::parse(&text.replace("accounts", "acounts")), None);
        let twice = format!("{text}users 0 0\n");
        assert_eq!(Digests::parse(&twice), None);
    }

    #[test]
    fn a_seal_names_the_group_that_changed_and_belongs_to_its_row() {
        let key = PiiKey::generate().seal_key();
        let row = AccountRow {
            id: 2,
            creditor_id: 1,
            account_ref: "A-2",
            debtor_id: 2,
            currency: "USD",
            status: "active",
        };
        let sealed = seal(&key, &row);
        assert_eq!(sealed.text.len(), 2 * TAG_HEX);
        let describe = || "accounts 2".to_string();
        assert_eq!(
            check(&key, &row, Some(&sealed.text), describe),
            Ok(sealed.sum)
        );
        let closed = AccountRow {
            status: "closed",
            ..row
        };
        let problem = check(&key, &closed, Some(&sealed.text), describe).unwrap_err();
        assert!(
            problem.starts_with("accounts 2: status is not what Arrears sealed (now \"closed\")"),
            "{problem}"
        );
        // The same content under another id, or another key, is not sealed.
        let moved = AccountRow { id: 3, ..closed };
        let moved = AccountRow {
            status: "active",
            ..moved
        };
        assert!(check(&key, &moved, Some(&sealed.text), describe).is_err());
        let other = PiiKey::generate().seal_key();
        assert!(check(&other, &row, Some(&sealed.text), describe).is_err());
        assert!(check(&key, &row, None, describe).is_err());
        assert!(check(&key, &row, Some("zz"), describe).is_err());
    }
}
