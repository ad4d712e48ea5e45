//! The wording of every message Arrears sends by email or text, in English and Spanish,
//! from the stored, editable templates (`crate::letters`): an email is the letter
//! template of the same name (subject and body, its paragraphs also as HTML), a text the
//! short template `NAME.sms`. A manager's saved version is what goes out from then on.
//!
//! What must never be edited away is not in a template: the debt-collector disclosure
//! of collection emails and texts and the validation notice's required paragraphs are
//! added here, and the opt-out instruction, the signed opt-out link and
//! `List-Unsubscribe` by the channel (`messages::framed`) after the wording, so no
//! template can remove them.

use domain::party::Language;
use serde_json::Value;
/// The medium a message goes by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// The messages Arrears words, by template key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    PaymentReminder,
    PromiseConfirmation,
    PlanConfirmation,
    ValidationNotice,
    /// The soft reminder of payment options of a time-barred debt (email).
    PaymentOptionsSoft,
    /// The reminder after a broken promise (text).
    PromiseBrokenReminder,
    /// The one text confirming an opt-out (purpose `opt_out_confirmation`).
    OptOutConfirmation,
    /// The answer to `HELP`/`AYUDA`.
    Help,
}

impl Template {
    pub const ALL: &'static [Template] = &[
        Template::PaymentReminder,
        Template::PromiseConfirmation,
        Template::PlanConfirmation,
        Template::ValidationNotice,
        Template::PaymentOptionsSoft,
        Template::PromiseBrokenReminder,
        Template::OptOutConfirmation,
        Template::Help,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Template::PaymentReminder => "payment_reminder",
            Template::PromiseConfirmation => "promise_confirmation",
            Template::PlanConfirmation => "plan_confirmation",
            Template::ValidationNotice => "validation_notice",
            Template::PaymentOptionsSoft => "payment_options_soft",
            Template::PromiseBrokenReminder => "promise_broken_reminder",
            Template::OptOutConfirmation => "opt_out_confirmation",
            Template::Help => "help",
        }
    }

    pub fn parse(key: &str) -> Option<Template> {
        Template::ALL
            .iter()
            .copied()
            .find(|template| template.key() == key)
    }

    /// Whether the template is sent by `channel` (emails: the reminder, confirmations,
    /// the validation notice and the soft payment options; texts: the reminders, the
    /// opt-out confirmation, help).
    pub fn goes_by(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => matches!(
                self,
                Template::PaymentReminder
                    | Template::PromiseConfirmation
                    | Template::PlanConfirmation
                    | Template::ValidationNotice
                    | Template::PaymentOptionsSoft
            ),
            Channel::Sms => matches!(
                self,
                Template::PaymentReminder
                    | Template::PromiseBrokenReminder
                    | Template::OptOutConfirmation
                    | Template::Help
            ),
        }
    }
    /// The stored template the message is worded from: the letter template of the
    /// same name for email, `NAME.sms` for texts.
    pub fn template_name(self, channel: Channel) -> String {
        match channel {
            Channel::Email => self.key().to_string(),
            Channel::Sms => format!("{}.sms", self.key()),
        }
    }
}

/// A worded message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worded {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML body of an email: its paragraphs, escaped.
fn html_of(paragraphs: &[String], language: Language) -> String {
    let body: String = paragraphs
        .iter()
        .map(|paragraph| format!("<p>{}</p>\n", escape(paragraph).replace('\n', "<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>\n{body}</body></html>\n",
        language.code()
    )
}

/// The sentence collection texts end with before the opt-out instruction.
pub fn sms_disclosure(language: Language) -> &'static str {
    match language {
        Language::Es => "Esta es una comunicación de un cobrador de deudas.",
        _ => "This is a communication from a debt collector.",
    }
}

fn text_of(context: &Value, path: &[&str]) -> String {
    let mut value = context;
    for key in path {
        value = &value[*key];
    }
    value.as_str().unwrap_or_default().to_string()
}

/// The validation notice's required paragraphs (12 CFR 1006.34) around the template's
/// own: the debt collector, the debt and the creditor, what is owed, the consumer's
/// rights, the E-SIGN consent; then the template's paragraphs; then the agency.
fn validation_paragraphs(language: Language, context: &Value, own: Vec<String>) -> Vec<String> {
    let agency = text_of(context, &["agency", "name"]);
    let creditor = text_of(context, &["creditor", "name"]);
    let name = text_of(context, &["debtor", "name"]);
    let balance = text_of(context, &["account", "balance"]);
    let account_ref = text_of(context, &["account", "ref"]);
    let mut paragraphs = if language == Language::Es {
        vec![
            format!("Estimado/a {name}:"),
            format!(
                "{agency} es un cobrador de deudas. Estamos tratando de cobrar una deuda que usted le debe a {creditor}. Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda."
            ),
            format!("A la fecha de hoy, usted debe {balance} en la cuenta {account_ref}."),
            "Puede disputar toda o parte de la deuda, o pedir el nombre y la dirección del acreedor original. Si nos dice por escrito antes del fin del período de validación que disputa la deuda, debemos dejar de cobrar hasta enviarle información que muestre que usted la debe.".to_string(),
            "Usted aceptó recibir avisos por correo electrónico (consentimiento E-SIGN). Puede pedir una copia en papel en cualquier momento.".to_string(),
        ]
    } else {
        vec![
            format!("Dear {name},"),
            format!(
                "{agency} is a debt collector. We are trying to collect a debt that you owe to {creditor}. We will use any information you give us to help collect the debt."
            ),
            format!("As of today, you owe {balance} on account {account_ref}."),
            "You can dispute all or part of the debt, or ask for the name and address of the original creditor. If you tell us in writing before the end of the validation period that you dispute the debt, we must stop collection until we send you information that shows you owe it.".to_string(),
            "You agreed to receive notices by email (E-SIGN consent). You may ask for a paper copy at any time.".to_string(),
        ]
    };
    paragraphs.extend(own);
    paragraphs.push(agency);
    paragraphs
}

/// Words `template` for `channel` in `language` from its rendered stored template
/// (`subject`, `body`) and the context it was rendered over; `None` when the template
/// does not go by that channel.
pub fn word(
    template: Template,
    channel: Channel,
    language: Language,
    subject: &str,
    body: &str,
    context: &Value,
) -> Option<Worded> {
    if !template.goes_by(channel) {
        return None;
    }
    if channel == Channel::Sms {
        // The disclosure and the opt-out instruction are added by `letters::sms_as_sent`
        // through the channel.
        return Some(Worded {
            subject: String::new(),
            text: body.trim().to_string(),
            html: None,
        });
    }
    let own: Vec<String> = body
        .split("\n\n")
        .map(|paragraph| paragraph.trim().to_string())
        .filter(|paragraph| !paragraph.is_empty())
        .collect();
    let paragraphs = if template == Template::ValidationNotice {
        validation_paragraphs(language, context, own)
    } else {
        let mut paragraphs = own;
        paragraphs.push(format!(
            "{}\n{}",
            text_of(context, &["agency", "name"]),
            sms_disclosure(language)
        ));
        paragraphs
    };
    Some(Worded {
        subject: subject.trim().to_string(),
        text: paragraphs.join("\n\n"),
        html: Some(html_of(&paragraphs, language)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> Value {
        json!({
            "agency": { "name": "Arrears" },
            "creditor": { "name": "Acme" },
            "debtor": { "name": "Ana <Díaz>" },
            "account": { "ref": "A-1", "balance": "$1,250.00" },
        })
    }

    #[test]
    fn every_template_is_worded_for_each_channel_it_goes_by_with_what_no_template_removes() {
        for template in Template::ALL {
            for channel in [Channel::Email, Channel::Sms] {
                for language in [Language::En, Language::Es] {
                    let worded = word(*template, channel, language, "S", "Body", &context());
                    assert_eq!(worded.is_some(), template.goes_by(channel), "{template:?}");
                    let Some(worded) = worded else { continue };
                    assert!(
                        worded.text.starts_with("Body") || *template == Template::ValidationNotice
                    );
                    assert_eq!(channel == Channel::Email, worded.html.is_some());
                    if channel == Channel::Email {
                        assert!(
                            worded.text.contains("debt collector")
                                || worded.text.contains("cobrador de deudas"),
                            "{}",
                            worded.text
                        );
                    }
                }
            }
            assert_eq!(Template::parse(template.key()), Some(*template));
        }
        assert_eq!(
            Template::PaymentReminder.template_name(Channel::Sms),
            "payment_reminder.sms"
        );
    }

    #[test]
    fn html_bodies_escape_what_they_are_given() {
        let worded = word(
            Template::ValidationNotice,
            Channel::Email,
            Language::Es,
            "Aviso",
            "Llámenos <hoy>.",
            &context(),
        )
        .unwrap();
        let html = worded.html.unwrap();
        assert!(html.contains("Ana &lt;Díaz&gt;"), "{html}");
        assert!(html.contains("Llámenos &lt;hoy&gt;."), "{html}");
        assert!(html.contains("lang=\"es\""));
        assert!(worded.text.contains("$1,250.00"));
    }
}
