//! Words of the templates the nightly strategy's treatment steps send
//! (`strategy/data/default.toml`): their purpose in the template editor, the variable
//! they add, and the timeline row of those sent as messages. (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[
    (
        "templates.purpose.validation_notice_time_barred",
        "The validation notice of a time-barred debt, with the time-barred disclosure (letter)",
        "El aviso de validación de una deuda prescrita, con el aviso de deuda prescrita (carta)",
    ),
    (
        "templates.purpose.payment_options_soft",
        "A soft reminder of payment options on a time-barred debt, with the disclosure (email and letter)",
        "Un recordatorio amable de opciones de pago de una deuda prescrita, con el aviso (correo y carta)",
    ),
    (
        "templates.purpose.settlement_offer_time_barred",
        "A settlement offer on a time-barred debt, with the disclosure",
        "Una oferta de liquidación de una deuda prescrita, con el aviso",
    ),
    (
        "templates.purpose.promise_broken",
        "After a broken promise: what was promised and the ways to pay",
        "Después de una promesa incumplida: lo prometido y las formas de pago",
    ),
    (
        "templates.purpose.promise_broken_reminder.sms",
        "A reminder by text after a broken promise",
        "Un recordatorio por mensaje de texto después de una promesa incumplida",
    ),
    (
        "templates.var.broken_promise",
        "The latest broken promise (may be empty): total, due_on (the first date promised)",
        "La última promesa incumplida (puede estar vacía): total, due_on (la primera fecha prometida)",
    ),
    (
        "disposition.message_payment_options_soft",
        "Payment options sent",
        "Opciones de pago enviadas",
    ),
    (
        "disposition.message_promise_broken_reminder",
        "Broken promise reminder sent",
        "Recordatorio de promesa incumplida enviado",
    ),
];
