//! The statement of account for the credit department: status and holds, balances by
//! bucket, the ledger, payments, the contact history and disputes — one PDF, in
//! English or Spanish (`arrears account statement`, the desk's "Statement (PDF)").

use crate::letters::{Lang, LetterError};
use crate::{App, require};
use domain::permission::Permission;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pdf::{Block, Column, Document};
use store::sessions::SessionUser;
use store::view::AccountView;

struct Words {
    title: &'static str,
    creditor: &'static str,
    account: &'static str,
    debtor: &'static str,
    status: &'static str,
    holds: &'static str,
    none: &'static str,
    as_of: &'static str,
    validation: &'static str,
    not_sent: &'static str,
    balances: &'static str,
    principal: &'static str,
    interest: &'static str,
    fees: &'static str,
    total: &'static str,
    ledger: &'static str,
    date: &'static str,
    entry: &'static str,
    memo: &'static str,
    payments: &'static str,
    reference: &'static str,
    method: &'static str,
    amount: &'static str,
    applied: &'static str,
    returned: &'static str,
    contacts: &'static str,
    when: &'static str,
    action: &'static str,
    outcome: &'static str,
    by: &'static str,
    disputes: &'static str,
    placed: &'static str,
    released: &'static str,
    result: &'static str,
    open: &'static str,
    nothing: &'static str,
}

const EN: Words = Words {
    title: "Statement of account",
    creditor: "Creditor",
    account: "Account",
    debtor: "Debtor",
    status: "Status",
    holds: "Holds in force",
    none: "none",
    as_of: "As of",
    validation: "Validation notice sent",
    not_sent: "not sent",
    balances: "Balance by bucket",
    principal: "Principal",
    interest: "Interest",
    fees: "Fees",
    total: "Balance",
    ledger: "Ledger",
    date: "Date",
    entry: "Entry",
    memo: "Memo",
    payments: "Payments",
    reference: "Reference",
    method: "Method",
    amount: "Amount",
    applied: "Applied",
    returned: "Returned",
    contacts: "Contact history",
    when: "When (UTC)",
    action: "Action",
    outcome: "Outcome",
    by: "By",
    disputes: "Disputes",
    placed: "Received",
    released: "Released",
    result: "Resolution",
    open: "open",
    nothing: "None.",
};

const ES: Words = Words {
    title: "Estado de cuenta",
    creditor: "Acreedor",
    account: "Cuenta",
    debtor: "Deudor",
    status: "Estado",
    holds: "Retenciones vigentes",
    none: "ninguna",
    as_of: "Al",
    validation: "Aviso de validación enviado",
    not_sent: "no enviado",
    balances: "Saldo por concepto",
    principal: "Capital",
    interest: "Intereses",
    fees: "Cargos",
    total: "Saldo",
    ledger: "Movimientos",
    date: "Fecha",
    entry: "Movimiento",
    memo: "Nota",
    payments: "Pagos",
    reference: "Referencia",
    method: "Medio",
    amount: "Importe",
    applied: "Aplicado",
    returned: "Devuelto",
    contacts: "Historial de contactos",
    when: "Cuándo (UTC)",
    action: "Acción",
    outcome: "Resultado",
    by: "Por",
    disputes: "Disputas",
    placed: "Recibida",
    released: "Liberada",
    result: "Resolución",
    open: "abierta",
    nothing: "Ninguno.",
};

fn minute(at: Timestamp) -> String {
    TimeZone::UTC
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

impl App {
    /// The statement of an account a user may see (`ViewAccounts`; another creditor's
    /// account is as good as absent).
    pub async fn statement_for(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        lang: Lang,
    ) -> Result<Vec<u8>, LetterError> {
        require(user, Permission::ViewAccounts)?;
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        self.statement_of(&view, lang).await
    }

    /// The statement of an account (the operator's command line).
    pub async fn statement(
        &self,
        creditor: &str,
        account_ref: &str,
        lang: Lang,
    ) -> Result<Vec<u8>, LetterError> {
        let view = self
            .store
            .account_view(creditor, account_ref, self.today())
            .await?
            .ok_or_else(|| LetterError::NoAccount(format!("{creditor}/{account_ref}")))?;
        self.statement_of(&view, lang).await
    }

    async fn statement_of(&self, view: &AccountView, lang: Lang) -> Result<Vec<u8>, LetterError> {
        let w = if lang == Lang::En { &EN } else { &ES };
        let money = |amount| view.currency.display(amount);
        let payments = self.store.account_payments(view.account_id).await?;
        let attempts = self.store.debtor_attempts(view.account_id).await?;
        let disputes = self.store.account_disputes(view.account_id).await?;
        let holds = if view.holds.is_empty() {
            w.none.to_string()
        } else {
            view.holds
                .iter()
                .map(|hold| hold.code())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut document =
            Document::new(format!("{} {}", w.title, view.account_ref), pdf_lang(lang));
        document.footer = format!(
            "{} · {} {} · {}",
            w.title,
            view.creditor,
            view.account_ref,
            lang.date(view.as_of)
        );
        document.push(Block::Heading(w.title.to_string()));
        document.push(Block::KeyValues(vec![
            (w.creditor.to_string(), view.creditor.clone()),
            (w.account.to_string(), view.account_ref.clone()),
            (
                w.debtor.to_string(),
                format!("{} ({})", view.debtor_name, view.debtor_ref),
            ),
            (w.status.to_string(), view.status.code().to_string()),
            (w.holds.to_string(), holds),
            (w.as_of.to_string(), lang.date(view.as_of)),
            (
                w.validation.to_string(),
                view.validation_notice_sent_at
                    .map(minute)
                    .unwrap_or_else(|| w.not_sent.to_string()),
            ),
        ]));
        document.push(Block::Subheading(w.balances.to_string()));
        document.push(Block::KeyValuesTotal(vec![
            (w.principal.to_string(), money(view.balances.principal)),
            (w.interest.to_string(), money(view.balances.interest)),
            (w.fees.to_string(), money(view.balances.fees)),
            (w.total.to_string(), money(view.balance())),
        ]));
        document.push(Block::Subheading(w.ledger.to_string()));
        document.push(Block::Table {
            columns: vec![
                Column::left(w.date, 1.1),
                Column::left(w.entry, 1.3),
                Column::right(w.principal, 1.1),
                Column::right(w.interest, 1.0),
                Column::right(w.fees, 1.0),
                Column::left(w.memo, 2.0),
            ],
            rows: view
                .entries
                .iter()
                .map(|entry| {
                    vec![
                        entry.effective_on.to_string(),
                        entry.reason.code().to_string(),
                        money(entry.amounts.principal),
                        money(entry.amounts.interest),
                        money(entry.amounts.fees),
                        entry.memo.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        });
        document.push(Block::Subheading(w.payments.to_string()));
        if payments.is_empty() {
            document.push(Block::Paragraph(w.nothing.to_string()));
        } else {
            document.push(Block::Table {
                columns: vec![
                    Column::left(w.date, 1.0),
                    Column::left(w.reference, 1.6),
                    Column::left(w.method, 0.8),
                    Column::right(w.amount, 1.0),
                    Column::right(w.applied, 1.0),
                    Column::left(w.returned, 1.2),
                ],
                rows: payments
                    .iter()
                    .map(|payment| {
                        vec![
                            payment.paid_on.clone(),
                            payment.payment_ref.clone(),
                            payment.method.clone(),
                            money(payment.amount),
                            money(payment.applied),
                            match (&payment.returned_on, &payment.return_code) {
                                (Some(on), Some(code)) => format!("{on} {code}"),
                                (Some(on), None) => on.clone(),
                                _ => String::new(),
                            },
                        ]
                    })
                    .collect(),
            });
        }
        document.push(Block::Subheading(w.contacts.to_string()));
        let contacts: Vec<Vec<String>> = attempts
            .iter()
            .filter(|attempt| attempt.account_id == view.account_id)
            .map(|attempt| {
                vec![
                    minute(attempt.at),
                    attempt.action.clone(),
                    attempt.outcome.clone(),
                    attempt.username.clone().unwrap_or_else(|| "—".into()),
                    attempt.note.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if contacts.is_empty() {
            document.push(Block::Paragraph(w.nothing.to_string()));
        } else {
            document.push(Block::Table {
                columns: vec![
                    Column::left(w.when, 1.3),
                    Column::left(w.action, 0.8),
                    Column::left(w.outcome, 1.1),
                    Column::left(w.by, 0.9),
                    Column::left(w.memo, 2.2),
                ],
                rows: contacts,
            });
        }
        document.push(Block::Subheading(w.disputes.to_string()));
        if disputes.is_empty() {
            document.push(Block::Paragraph(w.nothing.to_string()));
        } else {
            document.push(Block::Table {
                columns: vec![
                    Column::left(w.placed, 1.2),
                    Column::left(w.released, 1.2),
                    Column::left(w.result, 1.0),
                    Column::left(w.memo, 2.6),
                ],
                rows: disputes
                    .iter()
                    .map(|dispute| {
                        vec![
                            minute(dispute.placed_at),
                            dispute.released_at.map(minute).unwrap_or_default(),
                            dispute
                                .outcome
                                .clone()
                                .unwrap_or_else(|| w.open.to_string()),
                            dispute.detail.clone(),
                        ]
                    })
                    .collect(),
            });
        }
        document
            .render()
            .map_err(|error| LetterError::Pdf(error.to_string()))
    }
}

fn pdf_lang(lang: Lang) -> pdf::Lang {
    match lang {
        Lang::En => pdf::Lang::En,
        Lang::Es => pdf::Lang::Es,
    }
}
