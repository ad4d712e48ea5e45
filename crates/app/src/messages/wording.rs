//! The wording of every message Arrears sends by email or text, in English and Spanish:
//! one function from (template, channel, language, facts) to (subject, text body,
//! optional HTML body). The lead routes these through the stored, editable templates
//! (`app::templates`) once they exist; until then this is the one place to change words.
//!
//! What must never be edited away is not here: the opt-out instruction, the signed
//! opt-out link and `List-Unsubscribe` are added by the channel (`messages::footer`)
//! after the wording, so no template can remove them.

use domain::party::Language;

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
        Template::OptOutConfirmation,
        Template::Help,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Template::PaymentReminder => "payment_reminder",
            Template::PromiseConfirmation => "promise_confirmation",
            Template::PlanConfirmation => "plan_confirmation",
            Template::ValidationNotice => "validation_notice",
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

    /// Whether the template is sent by `channel` (emails: the reminder, confirmations
    /// and the validation notice; texts: the reminder, the opt-out confirmation, help).
    pub fn goes_by(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => matches!(
                self,
                Template::PaymentReminder
                    | Template::PromiseConfirmation
                    | Template::PlanConfirmation
                    | Template::ValidationNotice
            ),
            Channel::Sms => matches!(
                self,
                Template::PaymentReminder | Template::OptOutConfirmation | Template::Help
            ),
        }
    }
}

/// What a message is worded with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub debtor_name: String,
    pub creditor: String,
    pub account_ref: String,
    /// The balance as people read it (`$1,250.00`).
    pub balance: String,
    /// Who sends it (the agency's name).
    pub agency: String,
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

/// Words `template` for `channel` in `language`; `None` when the template does not go
/// by that channel.
pub fn word(
    template: Template,
    channel: Channel,
    language: Language,
    facts: &Facts,
) -> Option<Worded> {
    if !template.goes_by(channel) {
        return None;
    }
    let Facts {
        debtor_name: name,
        creditor,
        account_ref,
        balance,
        agency,
    } = facts;
    let es = language == Language::Es;
    if channel == Channel::Sms {
        let text = match (template, es) {
            (Template::PaymentReminder, false) => format!(
                "{agency}: {name}, a reminder that your {creditor} account {account_ref} has a balance of {balance}. This is a communication from a debt collector."
            ),
            (Template::PaymentReminder, true) => format!(
                "{agency}: {name}, le recordamos que su cuenta {account_ref} de {creditor} tiene un saldo de {balance}. Esta es una comunicación de un cobrador de deudas."
            ),
            (Template::OptOutConfirmation, false) => {
                format!("{agency}: you will receive no more text messages from us.")
            }
            (Template::OptOutConfirmation, true) => {
                format!("{agency}: no recibirá más mensajes de texto nuestros.")
            }
            (Template::Help, false) => format!(
                "{agency}: this number sends account messages from a debt collector. Reply STOP to opt out. Message and data rates may apply."
            ),
            (Template::Help, true) => format!(
                "{agency}: este número envía mensajes de cuentas de un cobrador de deudas. Responda ALTO para no recibir más mensajes. Pueden aplicarse tarifas de mensajes y datos."
            ),
            _ => return None,
        };
        return Some(Worded {
            subject: String::new(),
            text,
            html: None,
        });
    }
    let (subject, paragraphs): (String, Vec<String>) = match (template, es) {
        (Template::PaymentReminder, false) => (
            format!("Payment reminder: {creditor} account {account_ref}"),
            vec![
                format!("Dear {name},"),
                format!(
                    "This is a reminder that your {creditor} account {account_ref} has a balance of {balance}."
                ),
                "If you have already paid, thank you, and please disregard this message. If you would like to talk about a payment arrangement, reply to this email or call us.".to_string(),
                format!("{agency}\nThis is a communication from a debt collector."),
            ],
        ),
        (Template::PaymentReminder, true) => (
            format!("Recordatorio de pago: cuenta {account_ref} de {creditor}"),
            vec![
                format!("Estimado/a {name}:"),
                format!(
                    "Le recordamos que su cuenta {account_ref} de {creditor} tiene un saldo de {balance}."
                ),
                "Si ya ha pagado, gracias; por favor ignore este mensaje. Si desea hablar de un acuerdo de pago, responda a este correo o llámenos.".to_string(),
                format!("{agency}\nEsta es una comunicación de un cobrador de deudas."),
            ],
        ),
        (Template::PromiseConfirmation, false) => (
            format!("Your payment promise: {creditor} account {account_ref}"),
            vec![
                format!("Dear {name},"),
                format!(
                    "Thank you for your promise to pay on your {creditor} account {account_ref}. The balance today is {balance}."
                ),
                "We will confirm each payment as it arrives. If anything changes, reply to this email.".to_string(),
                format!("{agency}\nThis is a communication from a debt collector."),
            ],
        ),
        (Template::PromiseConfirmation, true) => (
            format!("Su promesa de pago: cuenta {account_ref} de {creditor}"),
            vec![
                format!("Estimado/a {name}:"),
                format!(
                    "Gracias por su promesa de pago de su cuenta {account_ref} de {creditor}. El saldo hoy es de {balance}."
                ),
                "Confirmaremos cada pago cuando llegue. Si algo cambia, responda a este correo.".to_string(),
                format!("{agency}\nEsta es una comunicación de un cobrador de deudas."),
            ],
        ),
        (Template::PlanConfirmation, false) => (
            format!("Your payment plan: {creditor} account {account_ref}"),
            vec![
                format!("Dear {name},"),
                format!(
                    "This confirms your payment plan on your {creditor} account {account_ref}. The balance today is {balance}; the schedule of payments is on your account statement."
                ),
                "If a payment date no longer works for you, reply to this email before it is due.".to_string(),
                format!("{agency}\nThis is a communication from a debt collector."),
            ],
        ),
        (Template::PlanConfirmation, true) => (
            format!("Su plan de pagos: cuenta {account_ref} de {creditor}"),
            vec![
                format!("Estimado/a {name}:"),
                format!(
                    "Le confirmamos su plan de pagos de su cuenta {account_ref} de {creditor}. El saldo hoy es de {balance}; el calendario de pagos figura en su estado de cuenta."
                ),
                "Si una fecha de pago ya no le conviene, responda a este correo antes del vencimiento.".to_string(),
                format!("{agency}\nEsta es una comunicación de un cobrador de deudas."),
            ],
        ),
        (Template::ValidationNotice, false) => (
            format!("Notice about your debt: {creditor} account {account_ref}"),
            vec![
                format!("Dear {name},"),
                format!(
                    "{agency} is a debt collector. We are trying to collect a debt that you owe to {creditor}. We will use any information you give us to help collect the debt."
                ),
                format!("As of today, you owe {balance} on account {account_ref}."),
                "You can dispute all or part of the debt, or ask for the name and address of the original creditor. If you tell us in writing before the end of the validation period that you dispute the debt, we must stop collection until we send you information that shows you owe it.".to_string(),
                "You agreed to receive notices by email (E-SIGN consent). You may ask for a paper copy at any time.".to_string(),
                format!("{agency}"),
            ],
        ),
        (Template::ValidationNotice, true) => (
            format!("Aviso sobre su deuda: cuenta {account_ref} de {creditor}"),
            vec![
                format!("Estimado/a {name}:"),
                format!(
                    "{agency} es un cobrador de deudas. Estamos tratando de cobrar una deuda que usted le debe a {creditor}. Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda."
                ),
                format!("A la fecha de hoy, usted debe {balance} en la cuenta {account_ref}."),
                "Puede disputar toda o parte de la deuda, o pedir el nombre y la dirección del acreedor original. Si nos dice por escrito antes del fin del período de validación que disputa la deuda, debemos dejar de cobrar hasta enviarle información que muestre que usted la debe.".to_string(),
                "Usted aceptó recibir avisos por correo electrónico (consentimiento E-SIGN). Puede pedir una copia en papel en cualquier momento.".to_string(),
                format!("{agency}"),
            ],
        ),
        _ => return None,
    };
    Some(Worded {
        subject,
        text: paragraphs.join("\n\n"),
        html: Some(html_of(&paragraphs, language)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            debtor_name: "Ana <Díaz>".into(),
            creditor: "Acme".into(),
            account_ref: "A-1".into(),
            balance: "$1,250.00".into(),
            agency: "Arrears".into(),
        }
    }

    #[test]
    fn every_template_is_worded_in_both_languages_for_each_channel_it_goes_by() {
        for template in Template::ALL {
            for channel in [Channel::Email, Channel::Sms] {
                for language in [Language::En, Language::Es] {
                    let worded = word(*template, channel, language, &facts());
                    assert_eq!(worded.is_some(), template.goes_by(channel), "{template:?}");
                    if let Some(worded) = worded {
                        assert!(!worded.text.is_empty());
                        assert_eq!(channel == Channel::Email, worded.html.is_some());
                    }
                }
            }
            assert_eq!(Template::parse(template.key()), Some(*template));
        }
    }

    #[test]
    fn html_bodies_escape_what_they_are_given() {
        let worded = word(
            Template::PaymentReminder,
            Channel::Email,
            Language::Es,
            &facts(),
        )
        .unwrap();
        let html = worded.html.unwrap();
        assert!(html.contains("Ana &lt;Díaz&gt;"), "{html}");
        assert!(html.contains("lang=\"es\""));
        assert!(worded.text.contains("$1,250.00"));
    }
}
