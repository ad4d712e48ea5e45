//! The validation notice of 12 CFR 1006.34, laid out after Regulation F's Model Form
//! B-1 (12 CFR part 1006, appendix B) and the CFPB's Spanish model form. The legal
//! structure — its headings, the itemization, the dispute and original-creditor prompts,
//! the tear-off response form — is fixed here; the words a manager may edit arrive as
//! `extra` paragraphs (from the stored `validation_notice` template).
//!
//! Everything arrives already formatted for the reader (dates and amounts in the
//! notice's language): the caller computes the validation period with the compliance
//! engine and formats it; this module only lays it out.

use crate::{Block, Document, Lang, Letterhead};

/// One validation notice, its values formatted for the reader.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationNotice {
    pub lang: Lang,
    /// The debt collector: name, then address lines, phone, hours.
    pub collector: Vec<String>,
    /// The date the notice is sent.
    pub date: String,
    /// The consumer's name, then mailing address lines.
    pub consumer: Vec<String>,
    /// The account number (the reference to quote).
    pub account: String,
    /// The creditor to whom the debt is currently owed.
    pub creditor: String,
    /// The itemization date (12 CFR 1006.34(b)(3)).
    pub itemization_date: String,
    /// The amount owed as of the itemization date.
    pub owed_then: String,
    /// Interest since the itemization date.
    pub interest: String,
    /// Fees since the itemization date.
    pub fees: String,
    /// Payments and credits since the itemization date.
    pub payments: String,
    /// The amount owed now.
    pub owed_now: String,
    /// The last day of the validation period (12 CFR 1006.34(b)(5)).
    pub period_ends: String,
    /// Editable paragraphs printed before "How can you dispute the debt?".
    pub extra: Vec<String>,
}

struct Words {
    title: &'static str,
    is_collector: &'static str,
    owe_to: &'static str,
    use_info: &'static str,
    our_info: &'static str,
    account: &'static str,
    as_of: &'static str,
    between: &'static str,
    interest: &'static str,
    fees: &'static str,
    payments: &'static str,
    now: &'static str,
    how_dispute: &'static str,
    call_or_write: &'static str,
    if_write: &'static str,
    what_else: &'static str,
    original: &'static str,
    cfpb: &'static str,
    options: &'static str,
    spanish: &'static str,
    cut: &'static str,
    mail_to: &'static str,
    respond: &'static str,
    check_all: &'static str,
    dispute_because: &'static str,
    not_mine: &'static str,
    amount_wrong: &'static str,
    other: &'static str,
    want_original: &'static str,
    enclosed: &'static str,
    payable: &'static str,
    want_spanish: &'static str,
    reference: &'static str,
    footer: &'static str,
}

const EN: Words = Words {
    title: "Validation notice",
    is_collector: "is a debt collector. We are trying to collect a debt that you owe to",
    owe_to: ".",
    use_info: "We will use any information you give us to help collect the debt.",
    our_info: "Our information shows:",
    account: "You owe this debt to {creditor}, account number {account}.",
    as_of: "As of {date}, you owed:",
    between: "Between {date} and today:",
    interest: "You were charged this amount in interest:",
    fees: "You were charged this amount in fees:",
    payments: "You paid or were credited this amount toward the debt:",
    now: "Total amount of the debt now:",
    how_dispute: "How can you dispute the debt?",
    call_or_write: "Call or write to us by {date}, to dispute all or part of the debt. If you do not, we will assume that our information is correct.",
    if_write: "If you write to us by {date}, we must stop collection on any amount you dispute until we send you information that shows you owe the debt. You may use the form below or write to us without the form. You may also include supporting documents.",
    what_else: "What else can you do?",
    original: "Write to ask for the name and address of the original creditor, if different from the current creditor. If you write by {date}, we must stop collection until we send you that information. You may use the form below or write to us without the form.",
    cfpb: "Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.",
    options: "Contact us about your payment options.",
    spanish: "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
    cut: "Detach this part and mail it to us",
    mail_to: "Mail this form to:",
    respond: "How do you want to respond?",
    check_all: "Check all that apply:",
    dispute_because: "I want to dispute the debt because I think:",
    not_mine: "This is not my debt.",
    amount_wrong: "The amount is wrong.",
    other: "Other (please describe on reverse or attach additional information).",
    want_original: "I want you to send me the name and address of the original creditor.",
    enclosed: "I enclosed this amount: $ ____________",
    payable: "Make your check payable to {collector}. Include the reference number {account}.",
    want_spanish: "Quiero este formulario en español.",
    reference: "Reference:",
    footer: "Validation notice",
};

const ES: Words = Words {
    title: "Aviso de validación",
    is_collector: "es un cobrador de deudas. Estamos tratando de cobrar una deuda que usted le debe a",
    owe_to: ".",
    use_info: "Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda.",
    our_info: "Nuestra información indica que:",
    account: "Usted le debe esta deuda a {creditor}, número de cuenta {account}.",
    as_of: "Al {date}, usted debía:",
    between: "Entre el {date} y hoy:",
    interest: "Se le cobró esta cantidad en intereses:",
    fees: "Se le cobró esta cantidad en cargos:",
    payments: "Usted pagó o se le acreditó esta cantidad a la deuda:",
    now: "Cantidad total de la deuda ahora:",
    how_dispute: "¿Cómo puede usted disputar la deuda?",
    call_or_write: "Llámenos o escríbanos a más tardar el {date} para disputar toda o parte de la deuda. Si no lo hace, supondremos que nuestra información es correcta.",
    if_write: "Si nos escribe a más tardar el {date}, debemos dejar de cobrar cualquier cantidad que usted dispute hasta que le enviemos información que demuestre que usted debe la deuda. Puede usar el formulario a continuación o escribirnos sin el formulario. También puede incluir documentos de apoyo.",
    what_else: "¿Qué más puede hacer usted?",
    original: "Escríbanos para pedir el nombre y la dirección del acreedor original, si es distinto del acreedor actual. Si nos escribe a más tardar el {date}, debemos dejar de cobrar hasta que le enviemos esa información. Puede usar el formulario a continuación o escribirnos sin el formulario.",
    cfpb: "Visite www.cfpb.gov/debt-collection para obtener más información sobre sus derechos según la ley federal.",
    options: "Comuníquese con nosotros para hablar sobre sus opciones de pago.",
    spanish: "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
    cut: "Desprenda esta parte y envíenosla por correo",
    mail_to: "Envíe este formulario por correo a:",
    respond: "¿Cómo quiere usted responder?",
    check_all: "Marque todas las opciones que correspondan:",
    dispute_because: "Quiero disputar la deuda porque creo que:",
    not_mine: "Esta deuda no es mía.",
    amount_wrong: "La cantidad es incorrecta.",
    other: "Otro (describa en el reverso o adjunte información adicional).",
    want_original: "Quiero que me envíen el nombre y la dirección del acreedor original.",
    enclosed: "Adjunté esta cantidad: $ ____________",
    payable: "Haga su cheque pagadero a {collector}. Incluya el número de referencia {account}.",
    want_spanish: "Quiero este formulario en español.",
    reference: "Referencia:",
    footer: "Aviso de validación",
};

impl ValidationNotice {
    fn words(&self) -> &'static Words {
        match self.lang {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }

    /// The notice as a document, first page a letter for a window envelope, the
    /// response form below a tear-off rule.
    pub fn document(&self) -> Document {
        let w = self.words();
        let collector = self.collector.first().cloned().unwrap_or_default();
        let fill = |text: &str| {
            text.replace("{creditor}", &self.creditor)
                .replace("{account}", &self.account)
                .replace("{collector}", &collector)
                .replace("{date}", &self.period_ends)
        };
        let itemized = |text: &str| text.replace("{date}", &self.itemization_date);
        let mut blocks = vec![
            Block::Heading(w.title.to_string()),
            Block::Paragraph(format!(
                "{collector} {} {}{} {}",
                w.is_collector, self.creditor, w.owe_to, w.use_info
            )),
            Block::Subheading(w.our_info.to_string()),
            Block::Paragraph(fill(w.account)),
            Block::KeyValues(vec![(itemized(w.as_of), self.owed_then.clone())]),
            Block::Paragraph(itemized(w.between)),
            Block::KeyValuesTotal(vec![
                (w.interest.to_string(), format!("+ {}", self.interest)),
                (w.fees.to_string(), format!("+ {}", self.fees)),
                (w.payments.to_string(), format!("– {}", self.payments)),
                (w.now.to_string(), self.owed_now.clone()),
            ]),
        ];
        for paragraph in &self.extra {
            blocks.push(Block::Paragraph(paragraph.clone()));
        }
        blocks.extend([
            Block::Subheading(w.how_dispute.to_string()),
            Block::Paragraph(format!("• {}", fill(w.call_or_write))),
            Block::Paragraph(format!("• {}", fill(w.if_write))),
            Block::Subheading(w.what_else.to_string()),
            Block::Paragraph(format!("• {}", fill(w.original))),
            Block::Paragraph(format!("• {}", w.cfpb)),
            Block::Paragraph(format!("• {}", w.options)),
            Block::Paragraph(format!("• {}", w.spanish)),
            Block::PageBreak,
            Block::TearOff(w.cut.to_string()),
            Block::Strong(w.mail_to.to_string()),
            Block::Paragraph(self.collector.join("\n")),
            Block::Paragraph(format!(
                "{}\n{} {}",
                self.consumer.join("\n"),
                w.reference,
                self.account
            )),
            Block::Subheading(w.respond.to_string()),
            Block::Paragraph(w.check_all.to_string()),
            Block::Strong(w.dispute_because.to_string()),
            Block::Checkboxes(vec![
                w.not_mine.to_string(),
                w.amount_wrong.to_string(),
                w.other.to_string(),
            ]),
            Block::Checkboxes(vec![w.want_original.to_string(), w.enclosed.to_string()]),
            Block::Paragraph(fill(w.payable)),
            Block::Checkboxes(vec![w.want_spanish.to_string()]),
        ]);
        Document {
            title: format!("{} {}", w.title, self.account),
            lang: self.lang,
            letterhead: Some(Letterhead {
                sender: self.collector.clone(),
                date: self.date.clone(),
                recipient: self.consumer.clone(),
                reference: vec![format!("{} {}", w.reference, self.account)],
            }),
            blocks,
            footer: format!("{} · {} {}", w.footer, w.reference, self.account),
        }
    }
}
