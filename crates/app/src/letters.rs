//! Templates and letters.
//!
//! **Templates** have a subject and a body in English and Spanish, rendered with
//! minijinja over a context built here from stored facts (`context`). The built-in text
//! of each template is compiled in from `crates/app/letters/NAME.LANG.txt` (first line
//! the subject, a blank line, the body) and is version 0; a manager's saved versions are
//! stored (`store::letters`) and the latest wins. A template that does not render is
//! refused with the field, line and reason ([`TemplateError`]). Email and SMS bodies go
//! through the same call: [`App::render_template`] gives the subject and body of any
//! template for an account. Emails use the letter template of the same name (subject
//! and body); texts have their own short templates, `NAME.sms` (a body only, no
//! subject), checked on save to fit [`SMS_MAX_CHARS`] with what the channel adds.
//!
//! **The editor** (managers and admins, `Permission::EditTemplates`): the catalogue with
//! each template's current version ([`App::templates_overview`]), a draft rendered on a
//! real account the user may see without anything recorded ([`App::preview_template`],
//! [`App::preview_template_pdf`]), a save that is refused when the draft does not render
//! there ([`App::save_template`]), the history and a restore that saves an old version
//! as the newest ([`App::restore_template`]).
//!
//! **Letters** are PDFs (the `pdf` crate): the validation notice keeps its legal
//! structure in `pdf::notice` and takes the template's body as its editable paragraphs;
//! every other template is a letter with the agency's letterhead, the subject as its
//! title and the body's paragraphs. [`App::send_letter`] asks compliance through the
//! pipeline (`contact`, action `letter`, the template's purpose) and, when allowed,
//! stores the PDF content-addressed under the documents folder and records everything
//! in one transaction (`store::letters::record_letter`).

use crate::{App, Error};
use compliance::facts::{Action, Purpose};
use domain::money::{Amount, Currency};
use domain::permission::Permission;
use jiff::civil::Date;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use store::Actor;
use store::letters::{SentLetter, TemplateVersion};
use store::sessions::SessionUser;

/// The built-in templates: name, compliance purpose, English and Spanish text.
pub const TEMPLATES: &[(&str, Purpose, &str, &str)] = &[
    builtin!("validation_notice", Purpose::Collection),
    builtin!("payment_reminder", Purpose::Collection),
    builtin!("promise_confirmation", Purpose::Collection),
    builtin!("plan_confirmation", Purpose::Collection),
    builtin!("settlement_offer", Purpose::Collection),
    builtin!("settlement_acceptance", Purpose::Collection),
    builtin!("paid_in_full", Purpose::Collection),
    builtin!("settled_in_full", Purpose::Collection),
    builtin!("dispute_acknowledgment", Purpose::Collection),
    builtin!("verification", Purpose::Verification),
    builtin!("cease_confirmation", Purpose::CeaseConfirmation),
    builtin!("repossession_notice", Purpose::Collection),
    builtin!("disconnection_notice", Purpose::Collection),
    builtin!("statement_of_account", Purpose::Collection),
    // The treatment steps of the default strategy (`strategy/data/default.toml`).
    builtin!("validation_notice_time_barred", Purpose::Collection),
    builtin!("payment_options_soft", Purpose::Collection),
    builtin!("settlement_offer_time_barred", Purpose::Collection),
    builtin!("promise_broken", Purpose::Collection),
    builtin!("payment_reminder.sms", Purpose::Collection),
    builtin!("promise_broken_reminder.sms", Purpose::Collection),
    builtin!("opt_out_confirmation.sms", Purpose::OptOutConfirmation),
    builtin!("help.sms", Purpose::Collection),
];

/// The validation notices (12 CFR 1006.34): laid out as `pdf::notice` lays out Model
/// Form B-1, and sending one opens the account's validation period. The time-barred
/// one adds the time-barred debt disclosure to its editable paragraphs.
pub const VALIDATION_NOTICES: &[&str] = &["validation_notice", "validation_notice_time_barred"];

/// Whether `name` is a validation notice ([`VALIDATION_NOTICES`]).
pub fn is_validation_notice(name: &str) -> bool {
    VALIDATION_NOTICES.contains(&name)
}

/// The texts that ask for payment, which end with the debt-collector disclosure.
const SMS_WITH_DISCLOSURE: &[&str] = &["payment_reminder.sms", "promise_broken_reminder.sms"];

/// The longest a text may be as sent — the template's rendering on the preview account,
/// the debt-collector disclosure and the opt-out instruction the channel adds: three
/// 153-character GSM segments.
pub const SMS_MAX_CHARS: usize = 459;

/// The variables a template is rendered with (`App::letter_context`), as a template
/// names them; lists and objects that may be absent are marked in their meaning.
pub const VARIABLES: &[&str] = &[
    "today",
    "agency.name",
    "agency.phone",
    "agency.address",
    "creditor.name",
    "creditor.code",
    "debtor.name",
    "debtor.ref",
    "debtor.address",
    "account.ref",
    "account.balance",
    "account.principal",
    "account.interest",
    "account.fees",
    "account.status",
    "account.product",
    "account.original_creditor",
    "account.placed_on",
    "itemization",
    "validation.ends_on",
    "arrangement",
    "arrangement.schedule",
    "broken_promise",
];

/// What a template is: a letter (subject and body; also the email of the same name) or
/// a text message (`NAME.sms`: a body only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Letter,
    Sms,
}

impl Kind {
    pub fn of(name: &str) -> Kind {
        if name.ends_with(".sms") {
            Kind::Sms
        } else {
            Kind::Letter
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Letter => "letter",
            Kind::Sms => "sms",
        }
    }
}

macro_rules! builtin {
    ($name:literal, $purpose:expr) => {
        (
            $name,
            $purpose,
            include_str!(concat!("../letters/", $name, ".en.txt")),
            include_str!(concat!("../letters/", $name, ".es.txt")),
        )
    };
}
use builtin;

/// A letter's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The party language of the same code.
    pub fn language(self) -> domain::party::Language {
        match self {
            Lang::En => domain::party::Language::En,
            Lang::Es => domain::party::Language::Es,
        }
    }

    /// The letter language of a party language.
    pub fn of(language: domain::party::Language) -> Lang {
        match language {
            domain::party::Language::Es => Lang::Es,
            _ => Lang::En,
        }
    }

    fn pdf(self) -> pdf::Lang {
        match self {
            Lang::En => pdf::Lang::En,
            Lang::Es => pdf::Lang::Es,
        }
    }

    /// A date as the reader writes it: "January 20, 2027" / "20 de enero de 2027".
    pub fn date(self, date: Date) -> String {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const ES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        let month = usize::try_from(date.month() - 1).unwrap_or(0);
        match self {
            Lang::En => format!("{} {}, {}", EN[month], date.day(), date.year()),
            Lang::Es => format!("{} de {} de {}", date.day(), ES[month], date.year()),
        }
    }
}

/// Who the letters come from: the agency's name, address lines and phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    pub name: String,
    pub address: Vec<String>,
    pub phone: String,
}

/// A template's text to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateText {
    pub name: String,
    pub lang: Lang,
    /// 0: the built-in text.
    pub version: i64,
    pub purpose: Purpose,
    pub subject: String,
    pub body: String,
}

/// A rendered template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Why a template or letter was not rendered or sent.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("no template {0:?} (known: {known})", known = TEMPLATES.iter().map(|t| t.0).collect::<Vec<_>>().join(", "))]
    UnknownTemplate(String),
    #[error("no account {0}")]
    NoAccount(String),
    /// The template does not render: which field (`subject`, `body`), line and why.
    #[error("template {name} ({lang}) {field}: line {line}: {reason}")]
    Render {
        name: String,
        lang: &'static str,
        field: &'static str,
        line: usize,
        reason: String,
    },
    /// A text template renders longer than a text may be.
    #[error(
        "template {name} ({lang}) body: the text as sent (with the disclosure and opt-out instruction the channel adds) is {chars} characters; at most {max} (3 SMS segments)",
        max = SMS_MAX_CHARS
    )]
    TooLong {
        name: String,
        lang: &'static str,
        chars: usize,
    },
    /// A text template is not a letter.
    #[error("{0} is a text message template, not a letter")]
    NotALetter(String),
    /// No such version of the template to restore.
    #[error("template {name} ({lang}) has no version {version}")]
    NoVersion {
        name: String,
        lang: &'static str,
        version: i64,
    },
    #[error("the debtor's mailing address is incomplete (the account is on the locate list)")]
    NotMailable,
    /// Compliance refused the letter (the decision is logged): the rules that forbid.
    #[error("refused by compliance: {}", .0.join(", "))]
    Refused(Vec<String>),
    #[error("documents folder {path}: {reason}")]
    Documents { path: String, reason: String },
    #[error("PDF: {0}")]
    Pdf(String),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<store::StoreError> for LetterError {
    fn from(error: store::StoreError) -> LetterError {
        LetterError::App(Error::Store(error))
    }
}

/// A letter rendered for an account (not sent).
#[derive(Clone, Debug)]
pub struct Letter {
    pub account_id: i64,
    pub template: TemplateText,
    pub rendered: Rendered,
    /// The PDF.
    pub pdf: Vec<u8>,
    /// The text the reader reads (the subject, then the body).
    pub content: String,
    pub recipient: String,
    pub address: Vec<String>,
    pub mailable: bool,
}

/// A letter sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub document_id: i64,
    pub sha256: String,
    pub path: PathBuf,
}

/// What [`App::send_letter_for_step`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LetterOutcome {
    Sent(Sent),
    /// Refused by compliance (the decision is logged, nothing else kept): the rules as
    /// the decision log names them, each rule that forbids, and the first instant the
    /// engine would allow it (`None`: no instant it can name).
    Refused {
        rules: Vec<String>,
        refused_by: Vec<crate::messages::RefusedBy>,
        next_allowed_at: Option<jiff::Timestamp>,
    },
}

/// A print batch: the ZIP and how many letters are in it.
#[derive(Clone, Debug)]
pub struct PrintBatch {
    pub letters: usize,
    pub zip: Vec<u8>,
    /// An earlier run opened this batch and stopped before completing it.
    pub resumed: bool,
    /// The batch as recorded (`None`: nothing to export).
    pub batch: Option<store::letters::OpenBatch>,
}

fn purpose_of(name: &str) -> Option<(Purpose, &'static str, &'static str)> {
    TEMPLATES
        .iter()
        .find(|t| t.0 == name)
        .map(|t| (t.1, t.2, t.3))
}

/// A built-in text: a letter's first line is its subject, a text's whole file its body.
fn split(name: &str, text: &str) -> (String, String) {
    if Kind::of(name) == Kind::Sms {
        return (String::new(), text.trim().to_string());
    }
    let (subject, body) = text.split_once('\n').unwrap_or((text, ""));
    (subject.trim().to_string(), body.trim().to_string())
}

/// The built-in text of a template in a language (version 0).
fn builtin_text(name: &str, lang: Lang) -> Result<TemplateText, LetterError> {
    let (purpose, en, es) =
        purpose_of(name).ok_or_else(|| LetterError::UnknownTemplate(name.to_string()))?;
    let (subject, body) = split(name, if lang == Lang::En { en } else { es });
    Ok(TemplateText {
        name: name.to_string(),
        lang,
        version: 0,
        purpose,
        subject,
        body,
    })
}

/// A text as it is sent: the rendered body, the debt-collector disclosure for
/// collection texts that ask for payment (the reminders), then the opt-out instruction.
pub fn sms_as_sent(name: &str, lang: Lang, body: &str) -> String {
    let language = lang.language();
    let mut text = body.trim().to_string();
    if SMS_WITH_DISCLOSURE.contains(&name) {
        text.push(' ');
        text.push_str(crate::messages::wording::sms_disclosure(language));
    }
    text.push(' ');
    text.push_str(crate::messages::sms_opt_out_instruction(language));
    text
}

/// Refuses a text template whose rendering is longer than a text may be.
fn check_length(template: &TemplateText, rendered: &Rendered) -> Result<(), LetterError> {
    if Kind::of(&template.name) != Kind::Sms {
        return Ok(());
    }
    let chars = sms_as_sent(&template.name, template.lang, &rendered.body)
        .chars()
        .count();
    if chars > SMS_MAX_CHARS {
        return Err(LetterError::TooLong {
            name: template.name.clone(),
            lang: template.lang.code(),
            chars,
        });
    }
    Ok(())
}

/// One template and language in the editor's catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateSummary {
    pub name: &'static str,
    pub kind: Kind,
    pub purpose: Purpose,
    pub lang: Lang,
    /// 0: the built-in text.
    pub version: i64,
    /// Who saved the current version and when (none: built-in).
    pub saved: Option<(String, jiff::Timestamp)>,
}

/// A template in the editor: its current text and every version, newest first, the
/// built-in text last (version 0, no author).
#[derive(Clone, Debug)]
pub struct TemplateHistory {
    pub current: TemplateText,
    pub versions: Vec<TemplateVersion>,
}

fn render_one(
    name: &str,
    lang: Lang,
    field: &'static str,
    source: &str,
    context: &Value,
) -> Result<String, LetterError> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let refused = |error: minijinja::Error| LetterError::Render {
        name: name.to_string(),
        lang: lang.code(),
        field,
        line: error.line().unwrap_or(1),
        reason: error
            .detail()
            .unwrap_or(&error.kind().to_string())
            .to_string(),
    };
    let template = env.template_from_str(source).map_err(refused)?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(context)))
        .map_err(refused)
}

/// Renders a template's subject and body over `context`; the first failure names its
/// field, line and reason.
pub fn render(template: &TemplateText, context: &Value) -> Result<Rendered, LetterError> {
    Ok(Rendered {
        subject: render_one(
            &template.name,
            template.lang,
            "subject",
            &template.subject,
            context,
        )?,
        body: render_one(
            &template.name,
            template.lang,
            "body",
            &template.body,
            context,
        )?,
    })
}

fn money(currency: Currency, amount: Amount) -> String {
    currency.display(amount)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where a document with this hash lives under `dir` (`ab/abcdef….pdf`).
pub fn document_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(format!("{sha256}.pdf"))
}

impl App {
    /// The text of a template in a language: the latest saved version, else the
    /// built-in one.
    pub async fn template_text(&self, name: &str, lang: Lang) -> Result<TemplateText, LetterError> {
        let builtin = builtin_text(name, lang)?;
        if let Some(stored) = self.store.latest_template(name, lang.code()).await? {
            return Ok(TemplateText {
                version: stored.version,
                subject: stored.subject,
                body: stored.body,
                ..builtin
            });
        }
        Ok(builtin)
    }

    /// Every template in both languages with its current version and who saved it
    /// (managers and admins).
    pub async fn templates_overview(
        &self,
        user: &SessionUser,
    ) -> Result<Vec<TemplateSummary>, LetterError> {
        crate::require(user, Permission::EditTemplates)?;
        let saved = self.store.latest_template_versions().await?;
        let mut out = Vec::with_capacity(TEMPLATES.len() * 2);
        for (name, purpose, _, _) in TEMPLATES {
            for lang in [Lang::En, Lang::Es] {
                let latest = saved
                    .iter()
                    .find(|(n, l, ..)| n == name && l == lang.code());
                out.push(TemplateSummary {
                    name,
                    kind: Kind::of(name),
                    purpose: *purpose,
                    lang,
                    version: latest.map_or(0, |row| row.2),
                    saved: latest.map(|row| (row.3.clone(), row.4)),
                });
            }
        }
        Ok(out)
    }

    /// A template's current text and its versions, newest first, the built-in text
    /// last (managers and admins).
    pub async fn template_history(
        &self,
        user: &SessionUser,
        name: &str,
        lang: Lang,
    ) -> Result<TemplateHistory, LetterError> {
        crate::require(user, Permission::EditTemplates)?;
        let current = self.template_text(name, lang).await?;
        let builtin = builtin_text(name, lang)?;
        let mut versions = self.store.template_versions(name, lang.code()).await?;
        versions.push(TemplateVersion {
            version: 0,
            subject: builtin.subject,
            body: builtin.body,
            created_by: String::new(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            reason: String::new(),
        });
        Ok(TemplateHistory { current, versions })
    }

    /// The context of an account the user may see (another creditor's is as good as
    /// absent).
    async fn preview_context(
        &self,
        user: &SessionUser,
        preview_on: (&str, &str),
        lang: Lang,
        agency: &Agency,
    ) -> Result<(store::view::AccountView, Value), LetterError> {
        let absent = || LetterError::NoAccount(format!("{}/{}", preview_on.0, preview_on.1));
        let (view, context) = match self
            .letter_context(preview_on.0, preview_on.1, lang, agency, self.today())
            .await
        {
            Ok(found) => found,
            Err(LetterError::NoAccount(_)) => return Err(absent()),
            Err(error) => return Err(error),
        };
        if !user.may_see_creditor(view.creditor_id) {
            return Err(absent());
        }
        Ok((view, context))
    }

    /// A draft of a template rendered on the account `preview_on` (creditor,
    /// reference) the user may see; nothing is recorded and what is sent is unchanged.
    /// A text's body is returned as it would be sent; one too long is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn preview_template(
        &self,
        user: &SessionUser,
        name: &str,
        lang: Lang,
        subject: &str,
        body: &str,
        preview_on: (&str, &str),
        agency: &Agency,
    ) -> Result<Rendered, LetterError> {
        crate::require(user, Permission::EditTemplates)?;
        let draft = TemplateText {
            // A text has no subject: whatever is given is not used.
            subject: if Kind::of(name) == Kind::Sms {
                String::new()
            } else {
                subject.to_string()
            },
            body: body.to_string(),
            ..builtin_text(name, lang)?
        };
        let (_, context) = self.preview_context(user, preview_on, lang, agency).await?;
        let mut rendered = render(&draft, &context)?;
        check_length(&draft, &rendered)?;
        if Kind::of(name) == Kind::Sms {
            rendered.body = sms_as_sent(name, lang, &rendered.body);
        }
        Ok(rendered)
    }

    /// A draft letter as its PDF, on an account the user may see; nothing recorded.
    #[allow(clippy::too_many_arguments)]
    pub async fn preview_template_pdf(
        &self,
        user: &SessionUser,
        name: &str,
        lang: Lang,
        subject: &str,
        body: &str,
        preview_on: (&str, &str),
        agency: &Agency,
    ) -> Result<Vec<u8>, LetterError> {
        crate::require(user, Permission::EditTemplates)?;
        let draft = TemplateText {
            subject: subject.to_string(),
            body: body.to_string(),
            ..builtin_text(name, lang)?
        };
        self.preview_context(user, preview_on, lang, agency).await?;
        let letter = self
            .letter_of(draft, preview_on.0, preview_on.1, agency, self.today())
            .await?;
        Ok(letter.pdf)
    }

    /// Saves a new version of a template (managers and admins) after rendering it on
    /// the account `preview_on` (creditor, reference) the user may see: one that does
    /// not render is refused with its field, line and reason, a text too long with its
    /// length, and nothing is saved. The new version's number.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_template(
        &self,
        user: &SessionUser,
        name: &str,
        lang: Lang,
        subject: &str,
        body: &str,
        preview_on: (&str, &str),
        agency: &Agency,
        why: &str,
    ) -> Result<i64, LetterError> {
        self.preview_template(user, name, lang, subject, body, preview_on, agency)
            .await?;
        let subject = if Kind::of(name) == Kind::Sms {
            ""
        } else {
            subject
        };
        Ok(self
            .store
            .save_template(
                &user.actor(),
                name,
                lang.code(),
                subject,
                body,
                self.now(),
                why,
            )
            .await?)
    }

    /// Saves an earlier version (0: the built-in text) as the newest (managers and
    /// admins). The new version's number.
    pub async fn restore_template(
        &self,
        user: &SessionUser,
        name: &str,
        lang: Lang,
        version: i64,
        why: &str,
    ) -> Result<i64, LetterError> {
        let history = self.template_history(user, name, lang).await?;
        let old = history
            .versions
            .into_iter()
            .find(|each| each.version == version)
            .ok_or_else(|| LetterError::NoVersion {
                name: name.to_string(),
                lang: lang.code(),
                version,
            })?;
        Ok(self
            .store
            .save_template(
                &user.actor(),
                name,
                lang.code(),
                &old.subject,
                &old.body,
                self.now(),
                why,
            )
            .await?)
    }

    /// The facts a template is rendered with, read now, and the account's id. The
    /// validation period is the one a notice sent on `sent_on` opens (the compliance
    /// engine's `validation_period`).
    pub async fn letter_context(
        &self,
        creditor: &str,
        account_ref: &str,
        lang: Lang,
        agency: &Agency,
        sent_on: Date,
    ) -> Result<(store::view::AccountView, Value), LetterError> {
        let view = self
            .store
            .account_view(creditor, account_ref, self.today())
            .await?
            .ok_or_else(|| LetterError::NoAccount(format!("{creditor}/{account_ref}")))?;
        let creditor_name = self
            .store
            .creditor(creditor)
            .await?
            .map(|c| c.name)
            .unwrap_or_else(|| creditor.to_string());
        let address = self.store.postal_address(view.account_id).await?;
        let currency = view.currency;
        let balance = view.balance();
        let itemization = view.itemization.map(|item| {
            let credits = item
                .payments
                .checked_add(item.credits)
                .unwrap_or(item.payments);
            json!({
                "date": lang.date(item.date),
                "balance": money(currency, item.balance),
                "interest": money(currency, item.interest),
                "fees": money(currency, item.fees),
                "payments": money(currency, credits),
                "now": money(currency, balance),
            })
        });
        let period = compliance::validation::validation_period(sent_on);
        // The latest promise broken (promises are in the order they were made): what
        // was promised and the first date it was promised for.
        let broken_promise = self
            .store
            .promises(view.account_id)
            .await?
            .into_iter()
            .rev()
            .find(|p| p.status == domain::arrangement::PromiseStatus::Broken.code())
            .map(|p| {
                json!({
                    "total": money(currency, Amount::from_minor(p.total_minor)),
                    "due_on": p.payments.first().map(|(due_on, _)| lang.date(*due_on)),
                })
            });
        let arrangement = self
            .store
            .arrangements(view.account_id)
            .await?
            .into_iter()
            .find(|a| a.status == "active" || a.status == "pending_approval");
        let arrangement = arrangement.map(|a| {
            json!({
                "kind": a.kind,
                "status": a.status,
                "total": money(currency, a.total),
                "starts_on": lang.date(a.starts_on),
                "schedule": a.dues.iter().map(|due| json!({
                    "due_on": lang.date(due.due_on),
                    "amount": money(currency, due.amount),
                })).collect::<Vec<_>>(),
            })
        });
        let context = json!({
            "today": lang.date(sent_on),
            "lang": lang.code(),
            "agency": { "name": agency.name, "address": agency.address, "phone": agency.phone },
            "creditor": { "code": view.creditor, "name": creditor_name },
            "debtor": { "name": view.debtor_name, "ref": view.debtor_ref, "address": address },
            "account": {
                "ref": view.account_ref,
                "balance": money(currency, balance),
                "principal": money(currency, view.balances.principal),
                "interest": money(currency, view.balances.interest),
                "fees": money(currency, view.balances.fees),
                "status": view.status.code(),
                "product": view.product.code(),
                "original_creditor": view.original_creditor,
                "placed_on": lang.date(view.placed_on),
            },
            "itemization": itemization,
            "validation": { "ends_on": period.map(|p| lang.date(p.ends_on)) },
            "arrangement": arrangement,
            "broken_promise": broken_promise,
        });
        Ok((view, context))
    }

    /// Renders a template's subject and body for an account — letters, and the email
    /// and SMS bodies of other channels.
    pub async fn render_template(
        &self,
        name: &str,
        lang: Lang,
        creditor: &str,
        account_ref: &str,
        agency: &Agency,
    ) -> Result<Rendered, LetterError> {
        Ok(self
            .render_with_context(name, lang, creditor, account_ref, agency)
            .await?
            .0)
    }

    /// `render_template` with the context it rendered over.
    pub(crate) async fn render_with_context(
        &self,
        name: &str,
        lang: Lang,
        creditor: &str,
        account_ref: &str,
        agency: &Agency,
    ) -> Result<(Rendered, Value), LetterError> {
        let template = self.template_text(name, lang).await?;
        let (_, context) = self
            .letter_context(creditor, account_ref, lang, agency, self.today())
            .await?;
        Ok((render(&template, &context)?, context))
    }

    /// A letter rendered for an account as of `sent_on`, nothing recorded (a preview).
    pub async fn render_letter(
        &self,
        creditor: &str,
        account_ref: &str,
        name: &str,
        lang: Lang,
        agency: &Agency,
        sent_on: Date,
    ) -> Result<Letter, LetterError> {
        let template = self.template_text(name, lang).await?;
        self.letter_of(template, creditor, account_ref, agency, sent_on)
            .await
    }

    /// A letter of `template`'s text for an account as of `sent_on`.
    async fn letter_of(
        &self,
        template: TemplateText,
        creditor: &str,
        account_ref: &str,
        agency: &Agency,
        sent_on: Date,
    ) -> Result<Letter, LetterError> {
        let (name, lang) = (template.name.clone(), template.lang);
        if Kind::of(&name) == Kind::Sms {
            return Err(LetterError::NotALetter(name));
        }
        let (view, context) = self
            .letter_context(creditor, account_ref, lang, agency, sent_on)
            .await?;
        let rendered = render(&template, &context)?;
        let address: Vec<String> = context["debtor"]["address"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut recipient_block = vec![view.debtor_name.clone()];
        recipient_block.extend(address.iter().cloned());
        let paragraphs: Vec<String> = rendered
            .body
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let mut sender = vec![agency.name.clone()];
        sender.extend(agency.address.iter().cloned());
        sender.push(agency.phone.clone());
        let document = if is_validation_notice(&name) {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            let item = &context["itemization"];
            let zero = money(view.currency, Amount::ZERO);
            let or_zero = |v: &Value| {
                if v.is_null() { zero.clone() } else { text(v) }
            };
            pdf::notice::ValidationNotice {
                lang: lang.pdf(),
                collector: sender,
                date: lang.date(sent_on),
                consumer: recipient_block,
                account: view.account_ref.clone(),
                creditor: text(&context["creditor"]["name"]),
                itemization_date: if item.is_null() {
                    lang.date(view.placed_on)
                } else {
                    text(&item["date"])
                },
                owed_then: if item.is_null() {
                    text(&context["account"]["balance"])
                } else {
                    text(&item["balance"])
                },
                interest: or_zero(&item["interest"]),
                fees: or_zero(&item["fees"]),
                payments: or_zero(&item["payments"]),
                owed_now: text(&context["account"]["balance"]),
                period_ends: text(&context["validation"]["ends_on"]),
                extra: paragraphs,
            }
            .document()
        } else {
            let mut blocks = vec![pdf::Block::Heading(rendered.subject.clone())];
            blocks.extend(paragraphs.into_iter().map(pdf::Block::Paragraph));
            pdf::Document {
                title: rendered.subject.clone(),
                lang: lang.pdf(),
                letterhead: Some(pdf::Letterhead {
                    sender,
                    date: lang.date(sent_on),
                    recipient: recipient_block,
                    reference: vec![view.account_ref.clone()],
                }),
                blocks,
                footer: format!("{} · {}", agency.name, view.account_ref),
            }
        };
        let pdf = document
            .render()
            .map_err(|error| LetterError::Pdf(error.to_string()))?;
        Ok(Letter {
            account_id: view.account_id,
            content: format!("{}\n\n{}", rendered.subject, rendered.body),
            template,
            rendered,
            pdf,
            recipient: view.debtor_name.clone(),
            address,
            mailable: !view.address_incomplete,
        })
    }

    /// Sends a letter: compliance first (action `letter`, the template's purpose; a
    /// refusal is logged with its rules and nothing else is kept), then the PDF stored
    /// content-addressed under `documents`, then one transaction recording the decision,
    /// the timeline entry, the document, the print-queue row and — for the validation
    /// notice — the send instant on the account.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_letter(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        name: &str,
        lang: Lang,
        agency: &Agency,
        documents: &Path,
    ) -> Result<Sent, LetterError> {
        let sent = self
            .send_letter_for_step(
                actor,
                None,
                creditor,
                account_ref,
                name,
                lang,
                agency,
                documents,
            )
            .await?;
        match sent {
            LetterOutcome::Sent(sent) => Ok(sent),
            LetterOutcome::Refused { rules, .. } => Err(LetterError::Refused(rules)),
        }
    }

    /// [`App::send_letter`] for a treatment step of the strategy (`step`: its
    /// `strategy_actions` id, marked sent in the letter's transaction — a step no longer
    /// pending sends nothing, `StoreError::Conflict`), answering a refusal with the rules
    /// and the engine's next allowed instant instead of an error.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_letter_for_step(
        &self,
        actor: &Actor,
        step: Option<i64>,
        creditor: &str,
        account_ref: &str,
        name: &str,
        lang: Lang,
        agency: &Agency,
        documents: &Path,
    ) -> Result<LetterOutcome, LetterError> {
        let at = self.now();
        let today = self.today();
        let known = match self.known(creditor, account_ref).await {
            Ok(known) => known,
            Err(Error::Store(store::StoreError::NotFound(_))) => {
                return Err(LetterError::NoAccount(format!("{creditor}/{account_ref}")));
            }
            Err(error) => return Err(error.into()),
        };
        // The letter is dated, and a validation notice's period counted, on the debtor's
        // calendar: the send instant in the zone the compliance engine reads it in (the
        // first of the consumer's zones), not the business zone's date.
        let sent_on = debtor_date(&known, at);
        let letter = self
            .render_letter(creditor, account_ref, name, lang, agency, sent_on)
            .await?;
        if !letter.mailable {
            return Err(LetterError::NotMailable);
        }
        let asked = known.ask_for(
            self.rules,
            at,
            Action::Letter,
            letter.template.purpose,
            None,
        );
        let asked_by = match step {
            Some(_) => crate::contact::AskedBy::Strategy,
            None => crate::contact::AskedBy::Agent,
        };
        let decision = asked.decision(known.account_id, asked_by);
        if !asked.allowed() {
            self.store
                .record_decisions(
                    actor,
                    &format!("{name} letter refused by the compliance check"),
                    std::slice::from_ref(&decision),
                )
                .await?;
            return Ok(LetterOutcome::Refused {
                refused_by: asked
                    .answer
                    .violations
                    .iter()
                    .map(|violation| crate::messages::RefusedBy {
                        rule: violation.rule.to_string(),
                        citation: violation.citation.to_string(),
                        message: violation.message.clone(),
                    })
                    .collect(),
                next_allowed_at: asked.answer.next_allowed_at,
                rules: decision.rules,
            });
        }
        let sha256 = sha256_hex(&letter.pdf);
        let path = store_document(documents, &sha256, &letter.pdf)?;
        let document_id = self
            .store
            .record_letter(
                actor,
                &SentLetter {
                    account_id: letter.account_id,
                    at,
                    decision: &decision,
                    template: name,
                    lang: lang.code(),
                    template_version: letter.template.version,
                    sha256: &sha256,
                    size_bytes: i64::try_from(letter.pdf.len()).unwrap_or(i64::MAX),
                    content: &letter.content,
                    queued_on: today,
                    recipient: &letter.recipient,
                    address_lines: &letter.address,
                    validation_notice: is_validation_notice(name),
                    treatment_step: step,
                },
            )
            .await?;
        Ok(LetterOutcome::Sent(Sent {
            document_id,
            sha256,
            path,
        }))
    }

    /// The print batch of `day` as a ZIP for the print vendor (each PDF as
    /// `SHA256.pdf`, and `manifest.csv`), written to `output` and then marked exported.
    ///
    /// Safe against a crash at any point: the batch and its letters are recorded first
    /// (`store::letters::open_print_batch`), the ZIP is written to a temporary file
    /// beside `output` and renamed into place, and only then is the batch completed. A
    /// run that stopped before completing leaves the batch open, and the next run for
    /// that day writes the same batch again (the same letters, the same bytes) and
    /// completes it; letters queued since wait for the batch after. No letter is in two
    /// batches. With nothing to export, a ZIP with only the manifest's header.
    pub async fn print_batch(
        &self,
        actor: &Actor,
        day: Date,
        documents: &Path,
        output: &Path,
    ) -> Result<PrintBatch, LetterError> {
        let prepared = self.prepare_print_batch(actor, day, documents).await?;
        write_atomically(output, &prepared.zip)?;
        self.complete_print_batch(actor, &prepared).await?;
        Ok(prepared)
    }

    /// The first step of [`App::print_batch`]: the batch recorded (or the open one
    /// found) and its ZIP built, nothing written or marked exported yet.
    pub async fn prepare_print_batch(
        &self,
        actor: &Actor,
        day: Date,
        documents: &Path,
    ) -> Result<PrintBatch, LetterError> {
        let batch = self.store.open_print_batch(actor, day, self.now()).await?;
        let queued = batch
            .as_ref()
            .map(|batch| batch.letters.as_slice())
            .unwrap_or_default();
        let mut entries = Vec::with_capacity(queued.len() + 1);
        let mut manifest = String::from(
            "recipient,address_line_1,address_line_2,address_line_3,template,creditor,account,document_sha256,file\n",
        );
        for letter in queued {
            let path = document_path(documents, &letter.sha256);
            let bytes = std::fs::read(&path).map_err(|error| LetterError::Documents {
                path: path.display().to_string(),
                reason: error.to_string(),
            })?;
            if sha256_hex(&bytes) != letter.sha256 {
                return Err(LetterError::Documents {
                    path: path.display().to_string(),
                    reason: "content does not match its SHA-256".into(),
                });
            }
            let file = format!("{}.pdf", letter.sha256);
            let line = |i: usize| letter.address_lines.get(i).cloned().unwrap_or_default();
            let fields = [
                letter.recipient.clone(),
                line(0),
                line(1),
                line(2),
                letter.template.clone(),
                letter.creditor.clone(),
                letter.account_ref.clone(),
                letter.sha256.clone(),
                file.clone(),
            ];
            let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            manifest.push_str(&row.join(","));
            manifest.push('\n');
            entries.push((file, bytes));
        }
        entries.push(("manifest.csv".to_string(), manifest.into_bytes()));
        Ok(PrintBatch {
            letters: queued.len(),
            zip: channels::print::zip(&entries),
            resumed: batch.as_ref().is_some_and(|batch| batch.resumed),
            batch,
        })
    }

    /// The last step of [`App::print_batch`], once the ZIP is in place: the batch's
    /// letters are exported.
    pub async fn complete_print_batch(
        &self,
        actor: &Actor,
        prepared: &PrintBatch,
    ) -> Result<(), LetterError> {
        if let Some(batch) = &prepared.batch {
            self.store
                .complete_print_batch(actor, batch, &sha256_hex(&prepared.zip), self.now())
                .await?;
        }
        Ok(())
    }
}

/// The date of `at` on the debtor's calendar, as the compliance engine reads it: in the
/// first of the consumer's plausible zones (`contact::Zones::display`).
pub fn debtor_date(known: &crate::contact::Known, at: jiff::Timestamp) -> Date {
    known.zones().display().to_datetime(at).date()
}

/// Writes `bytes` to `path` through a temporary file beside it, synced and renamed into
/// place: a reader (the vendor's pickup) never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), LetterError> {
    use std::io::Write as _;
    let failed = |error: std::io::Error| LetterError::Documents {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "batch.zip".into());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        std::fs::remove_file(&temporary).ok();
    }
    written.map_err(failed)
}

/// One row of a return file, parsed: its line, the letter's SHA-256, the day the post
/// office returned it, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnRow {
    pub line: u64,
    pub sha256: String,
    pub returned_on: Date,
    pub reason: String,
}

/// A problem of a return file: line, field, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnProblem {
    pub line: u64,
    pub field: &'static str,
    pub reason: String,
}

impl App {
    /// Records returned mail (`arrears letters returns`): every row must name a letter
    /// Arrears sent, else nothing is recorded and each such row is named. Letters
    /// recorded before change nothing. How many were new.
    pub async fn record_mail_returns(
        &self,
        actor: &Actor,
        file: &str,
        rows: &[ReturnRow],
    ) -> Result<Result<usize, Vec<ReturnProblem>>, Error> {
        let mut problems = Vec::new();
        let mut returns = Vec::with_capacity(rows.len());
        for row in rows {
            match self.store.letter_by_sha256(&row.sha256).await? {
                Some((document_id, _)) => returns.push(store::letters::MailReturn {
                    document_id,
                    returned_on: row.returned_on,
                    reason: row.reason.clone(),
                }),
                None => problems.push(ReturnProblem {
                    line: row.line,
                    field: "document_sha256",
                    reason: "no letter Arrears sent has this SHA-256".into(),
                }),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        Ok(Ok(self
            .store
            .record_mail_returns(actor, file, &returns, self.now())
            .await?))
    }
}

/// A CSV field, quoted when needed, and spreadsheet-safe (a leading `=`, `+`, `-`, `@`
/// is read as text).
fn csv_field(text: &str) -> String {
    let text = crate::export::spreadsheet_text(text);
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes a document under `dir` by its hash (a temporary file renamed into place, so a
/// reader never sees half of one); one already there is left as it is.
fn store_document(dir: &Path, sha256: &str, bytes: &[u8]) -> Result<PathBuf, LetterError> {
    let path = document_path(dir, sha256);
    let failed = |error: std::io::Error| LetterError::Documents {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    if path.exists() {
        return Ok(path);
    }
    let parent = path.parent().expect("under dir");
    std::fs::create_dir_all(parent).map_err(failed)?;
    let temporary = parent.join(format!(".{sha256}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes).map_err(failed)?;
    std::fs::rename(&temporary, &path).map_err(failed)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(subject: &str, body: &str) -> TemplateText {
        TemplateText {
            name: "payment_reminder".into(),
            lang: Lang::Es,
            version: 0,
            purpose: Purpose::Collection,
            subject: subject.into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_template_that_does_not_render_is_refused_with_its_field_line_and_reason() {
        let context = json!({ "debtor": { "name": "José" } });
        let broken = text(
            "Hola",
            "Línea uno\nLínea dos\n{% if debtor.name %}sin cerrar",
        );
        match render(&broken, &context) {
            Err(LetterError::Render {
                field,
                line,
                reason,
                ..
            }) => {
                assert_eq!(field, "body");
                assert_eq!(line, 3);
                assert!(
                    reason.contains("endif") || reason.contains("end"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        let unknown = text("Cuenta {{ account.ref }}", "");
        match render(&unknown, &context) {
            Err(LetterError::Render { field, line, .. }) => {
                assert_eq!((field, line), ("subject", 1));
            }
            other => panic!("{other:?}"),
        }
        let fine = text(
            "Hola {{ debtor.name }}",
            "Señor {{ debtor.name }}, ¿tiene preguntas?",
        );
        assert_eq!(
            render(&fine, &context).unwrap().body,
            "Señor José, ¿tiene preguntas?"
        );
    }

    #[test]
    fn every_built_in_template_renders_in_both_languages_over_full_and_sparse_contexts() {
        let full = json!({
            "today": "1", "lang": "en",
            "agency": { "name": "A", "address": ["x"], "phone": "1" },
            "creditor": { "code": "C", "name": "C" },
            "debtor": { "name": "D", "ref": "P", "address": ["a"] },
            "account": { "ref": "R", "balance": "$1.00", "principal": "$1.00", "interest": "$0.00",
                "fees": "$0.00", "status": "active", "product": "other", "original_creditor": null, "placed_on": "1" },
            "itemization": null,
            "validation": { "ends_on": "2" },
            "arrangement": { "kind": "plan", "status": "active", "total": "$2.00", "starts_on": "1",
                "schedule": [{ "due_on": "1", "amount": "$1.00" }, { "due_on": "2", "amount": "$1.00" }] },
            "broken_promise": { "total": "$3.00", "due_on": "March 4, 2027" },
        });
        // An account with nothing optional: no arrangement, no promise broken, no agency
        // address; long names, as a text must still fit with them.
        let long = "W".repeat(30);
        let sparse = json!({
            "today": "1", "lang": "es",
            "agency": { "name": long, "address": [], "phone": "+1 (555) 010-0000" },
            "creditor": { "code": "C", "name": long },
            "debtor": { "name": long, "ref": "P", "address": [] },
            "account": { "ref": "ACCT-0000000001", "balance": "$123,456.78", "principal": "$1.00",
                "interest": "$0.00", "fees": "$0.00", "status": "active", "product": "other",
                "original_creditor": "O", "placed_on": "1" },
            "itemization": { "date": "1", "balance": "$1.00", "interest": "$0.00", "fees": "$0.00",
                "payments": "$0.00", "now": "$1.00" },
            "validation": { "ends_on": null },
            "arrangement": null,
            "broken_promise": null,
        });
        for (name, purpose, en, es) in TEMPLATES {
            for (lang, source) in [(Lang::En, en), (Lang::Es, es)] {
                let (subject, body) = split(name, source);
                assert_eq!(subject.is_empty(), Kind::of(name) == Kind::Sms, "{name}");
                assert!(!body.is_empty(), "{name}");
                let template = TemplateText {
                    name: name.to_string(),
                    lang,
                    version: 0,
                    purpose: *purpose,
                    subject,
                    body,
                };
                for context in [&full, &sparse] {
                    let rendered = render(&template, context).unwrap();
                    check_length(&template, &rendered).unwrap();
                    assert!(!rendered.body.contains("{{"), "{name}: {}", rendered.body);
                }
                let rendered = render(&template, &full).unwrap();
                if *name == "plan_confirmation" {
                    assert!(
                        rendered.body.contains("1: $1.00\n2: $1.00"),
                        "{}",
                        rendered.body
                    );
                }
                if *name == "promise_broken" || *name == "promise_broken_reminder.sms" {
                    assert!(rendered.body.contains("$3.00"), "{}", rendered.body);
                }
                // A time-barred letter carries the disclosure and threatens nothing.
                if name.ends_with("_time_barred") || *name == "payment_options_soft" {
                    let disclosure = match lang {
                        Lang::En => "Because of the age of your debt, C cannot sue you for it",
                        Lang::Es => "Debido a la antigüedad de su deuda, C no puede demandarle",
                    };
                    assert!(
                        rendered.body.contains(disclosure),
                        "{name}: {}",
                        rendered.body
                    );
                }
            }
        }
    }

    #[test]
    fn every_letter_email_and_text_of_the_default_strategy_has_its_template() {
        use crate::messages::{Channel, Template};
        use strategy::Action;
        let strategy = &crate::strategies::builtin_strategy();
        let paths = strategy
            .segments()
            .iter()
            .map(|segment| &segment.path)
            .chain(
                strategy
                    .arms()
                    .iter()
                    .flat_map(|arm| arm.paths.iter().map(|(_, path)| path)),
            );
        let mut named = 0;
        for step in paths.flat_map(|path| path.steps.iter()) {
            let (template, channel) = match &step.action {
                Action::Letter { template } => (template, None),
                Action::Email { template } => (template, Some(Channel::Email)),
                Action::Sms { template } => (template, Some(Channel::Sms)),
                _ => continue,
            };
            named += 1;
            let stored = match channel {
                None => template.clone(),
                Some(channel) => {
                    let message = Template::parse(template)
                        .unwrap_or_else(|| panic!("line {}: no message {template}", step.line));
                    assert!(message.goes_by(channel), "line {}: {template}", step.line);
                    message.template_name(channel)
                }
            };
            assert!(
                purpose_of(&stored).is_some(),
                "line {}: no template {stored}",
                step.line
            );
        }
        assert!(named >= 10, "{named}");
    }

    #[test]
    fn reminders_end_with_the_debt_collector_disclosure_and_every_text_with_the_opt_out() {
        let sent = sms_as_sent("promise_broken_reminder.sms", Lang::Es, "Hola");
        assert!(sent.contains("cobrador de deudas"), "{sent}");
        assert!(
            sent.ends_with("ALTO para no recibir más mensajes."),
            "{sent}"
        );
        let help = sms_as_sent("help.sms", Lang::En, "Help");
        assert!(!help.contains("debt collector"), "{help}");
        assert!(is_validation_notice("validation_notice_time_barred"));
        assert!(!is_validation_notice("settlement_offer_time_barred"));
    }
}
