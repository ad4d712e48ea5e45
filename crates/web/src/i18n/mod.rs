//! The workspace's words in English and Spanish. Every key has both (a test checks);
//! templates ask `t.get("key")`. Debtor-facing call scripts are here too, in the
//! debtor's language, whatever the agent's.
//!
//! The catalog is split by area (`desk`, `queue`, `worklist`, `roles`, `arrangements`,
//! `labels`) so each feature keeps its words next to each other; a key is unique across
//! all of them (a test checks).

mod arrangements;
mod desk;
mod documents;
mod labels;
mod letters;
mod messages;
mod nightly;
mod queue;
mod roles;
mod templates;
mod templates_nightly;
mod worklist;

use domain::party::Language;

/// Every area's words, searched in order.
const CATALOGS: &[&[(&str, &str, &str)]] = &[
    CATALOG,
    desk::WORDS,
    queue::WORDS,
    worklist::WORDS,
    roles::WORDS,
    arrangements::WORDS,
    labels::WORDS,
    messages::WORDS,
    letters::WORDS,
    templates::WORDS,
    templates_nightly::WORDS,
    documents::WORDS,
    nightly::WORDS,
];

/// (key, English, Spanish).
const CATALOG: &[(&str, &str, &str)] = &[
    ("nav.approvals", "Approvals", "Aprobaciones"),
    ("nav.exceptions", "Exceptions", "Excepciones"),
    ("money.title", "Money", "Dinero"),
    ("money.credit", "Credit balance", "Saldo a favor"),
    ("money.payments", "Payments", "Pagos"),
    ("money.no_payments", "No payments yet.", "Aún no hay pagos."),
    ("money.paid_on", "Paid on", "Fecha de pago"),
    ("money.amount", "Amount", "Importe"),
    ("money.applied", "Applied here", "Aplicado aquí"),
    ("money.method", "Method", "Medio"),
    ("money.reference", "Reference", "Referencia"),
    ("money.source", "Source", "Origen"),
    ("money.returned", "Returned", "Devuelto"),
    (
        "money.arrangements",
        "Plans and settlements",
        "Planes y acuerdos de liquidación",
    ),
    (
        "money.no_arrangements",
        "No plan or settlement.",
        "Ningún plan ni liquidación.",
    ),
    ("money.total", "Total", "Total"),
    ("money.due_on", "Due on", "Vence el"),
    ("money.paid", "Paid", "Pagado"),
    ("money.state", "State", "Estado"),
    ("money.take_payment", "Take a payment", "Registrar un pago"),
    ("money.post_payment", "Post payment", "Registrar pago"),
    (
        "money.payment_posted",
        "Payment posted.",
        "Pago registrado.",
    ),
    ("money.kind.plan", "Payment plan", "Plan de pagos"),
    ("money.kind.settlement", "Settlement", "Liquidación"),
    ("money.kind.refund", "Refund", "Reembolso"),
    ("money.kind.adjustment", "Adjustment", "Ajuste"),
    ("money.kind.write_off", "Write-off", "Castigo"),
    ("method.card", "Card", "Tarjeta"),
    ("method.ach", "ACH", "ACH"),
    ("method.check", "Check", "Cheque"),
    ("method.cash", "Cash", "Efectivo"),
    ("method.wire", "Wire", "Transferencia"),
    ("method.other", "Other", "Otro"),
    ("frequency.monthly", "Monthly", "Mensual"),
    ("frequency.semimonthly", "Twice a month", "Quincenal"),
    ("frequency.biweekly", "Every two weeks", "Cada dos semanas"),
    ("frequency.weekly", "Weekly", "Semanal"),
    ("policy.title", "Creditor policy", "Política del acreedor"),
    (
        "policy.max_term",
        "longest plan (months)",
        "plazo máximo (meses)",
    ),
    (
        "policy.min_installment",
        "smallest installment",
        "cuota mínima",
    ),
    (
        "policy.min_down",
        "smallest down payment",
        "pago inicial mínimo",
    ),
    (
        "policy.your_discount",
        "your largest discount",
        "su descuento máximo",
    ),
    ("plan.title", "Payment plan", "Plan de pagos"),
    ("plan.frequency", "Frequency", "Frecuencia"),
    ("plan.first_due", "First due date", "Primer vencimiento"),
    ("plan.sizing", "Size by", "Calcular por"),
    (
        "plan.by_count",
        "Number of installments",
        "Número de cuotas",
    ),
    (
        "plan.by_amount",
        "Installment amount",
        "Importe de la cuota",
    ),
    ("plan.installments", "Installments", "Cuotas"),
    (
        "plan.installment_amount",
        "Installment amount",
        "Importe de la cuota",
    ),
    ("plan.down_payment", "Down payment", "Pago inicial"),
    (
        "plan.down_payment_on",
        "Down payment date",
        "Fecha del pago inicial",
    ),
    ("plan.apr", "APR", "TAE"),
    ("plan.quote", "Quote", "Calcular"),
    ("plan.agree", "Agree plan", "Acordar plan"),
    (
        "plan.within_policy",
        "Within the creditor's policy: active as soon as agreed.",
        "Dentro de la política del acreedor: activo en cuanto se acuerde.",
    ),
    (
        "plan.outside_policy",
        "Outside the creditor's policy: a supervisor must approve it.",
        "Fuera de la política del acreedor: un supervisor debe aprobarlo.",
    ),
    (
        "plan.active",
        "Plan agreed: active.",
        "Plan acordado: activo.",
    ),
    (
        "plan.pending",
        "Plan sent for approval.",
        "Plan enviado para aprobación.",
    ),
    ("settlement.title", "Settlement", "Liquidación"),
    ("settlement.check", "Check", "Comprobar"),
    (
        "settlement.offer",
        "Offer settlement",
        "Ofrecer liquidación",
    ),
    ("settlement.discount", "Discount", "Descuento"),
    (
        "settlement.needs",
        "Beyond your authority: needs approval by a",
        "Fuera de su autoridad: necesita la aprobación de un",
    ),
    (
        "settlement.within",
        "Within your authority: active as soon as offered.",
        "Dentro de su autoridad: activa en cuanto se ofrezca.",
    ),
    (
        "settlement.active",
        "Settlement agreed: active.",
        "Liquidación acordada: activa.",
    ),
    (
        "settlement.pending",
        "Settlement sent for approval.",
        "Liquidación enviada para aprobación.",
    ),
    (
        "change.title",
        "Refund, adjustment or write-off",
        "Reembolso, ajuste o castigo",
    ),
    ("change.kind", "Kind", "Tipo"),
    (
        "change.refund",
        "Refund of the credit balance",
        "Reembolso del saldo a favor",
    ),
    (
        "change.adjustment",
        "Adjustment (negative lowers the balance)",
        "Ajuste (negativo reduce el saldo)",
    ),
    ("change.write_off", "Write-off", "Castigo"),
    (
        "change.amount",
        "Amount (empty: all)",
        "Importe (vacío: todo)",
    ),
    ("change.reason_code", "Reason code", "Código de motivo"),
    (
        "change.bucket",
        "Bucket (adjustments and write-offs)",
        "Partida (ajustes y castigos)",
    ),
    ("change.submit", "Request", "Solicitar"),
    ("change.posted", "Posted.", "Registrado."),
    (
        "change.pending",
        "Sent for approval.",
        "Enviado para aprobación.",
    ),
    (
        "recall.title",
        "Recall to the creditor",
        "Devolver al acreedor",
    ),
    ("recall.submit", "Recall account", "Devolver cuenta"),
    ("recall.done", "Account recalled.", "Cuenta devuelta."),
    ("role.agent", "agent", "agente"),
    ("role.supervisor", "supervisor", "supervisor"),
    ("role.manager", "manager", "gerente"),
    ("role.admin", "admin", "administrador"),
    ("role.billing", "billing", "facturación"),
    ("role.auditor", "auditor", "auditor"),
    ("approvals.title", "Approvals", "Aprobaciones"),
    (
        "approvals.pending",
        "Waiting for a decision",
        "Pendientes de decisión",
    ),
    ("approvals.open_page", "(open)", "(abrir)"),
    ("approvals.requested_by", "requested by", "solicitado por"),
    ("approvals.needs", "needs a", "necesita un"),
    ("approvals.note", "Note", "Nota"),
    ("approvals.approve", "Approve", "Aprobar"),
    ("approvals.reject", "Reject", "Rechazar"),
    (
        "approvals.not_yours",
        "Needs another person or a higher role.",
        "Necesita otra persona o un rol superior.",
    ),
    ("approvals.approved", "Approved.", "Aprobado."),
    ("approvals.rejected", "Rejected.", "Rechazado."),
    (
        "exceptions.title",
        "Payment exceptions",
        "Excepciones de pagos",
    ),
    (
        "exceptions.hint",
        "Bank-file items that matched no account or payment.",
        "Partidas de archivos bancarios que no coinciden con ninguna cuenta ni pago.",
    ),
    ("exceptions.file", "File", "Archivo"),
    ("exceptions.line", "Line", "Línea"),
    ("exceptions.kind", "Kind", "Tipo"),
    ("exceptions.reason", "Why", "Motivo"),
    ("exceptions.resolve", "Resolve", "Resolver"),
    ("exceptions.creditor", "Creditor", "Acreedor"),
    (
        "exceptions.match_to",
        "Account (payment ref. for a return)",
        "Cuenta (ref. del pago si es una devolución)",
    ),
    ("exceptions.note", "Note", "Nota"),
    ("exceptions.match", "Match", "Asignar"),
    ("exceptions.dismiss", "Dismiss", "Descartar"),
    (
        "exceptions.done",
        "Done: the item left the list.",
        "Hecho: la partida salió de la lista.",
    ),
    ("team.kept_rate", "Promises kept", "Promesas cumplidas"),
    ("team.kept", "Kept", "Cumplidas"),
    ("team.broken", "Broken", "Incumplidas"),
    ("team.rate", "Kept rate", "Tasa de cumplimiento"),
    (
        "error.frequency",
        "Choose monthly, twice a month, every two weeks or weekly.",
        "Elija mensual, quincenal, cada dos semanas o semanal.",
    ),
    (
        "error.installments",
        "Enter a number of installments (1 or more).",
        "Indique un número de cuotas (1 o más).",
    ),
    (
        "error.apr",
        "Enter the APR as a percentage like 0 or 5.25.",
        "Indique la TAE como porcentaje, p. ej. 0 o 5.25.",
    ),
    (
        "error.method",
        "Choose how the debtor paid.",
        "Elija cómo pagó el deudor.",
    ),
    (
        "error.paid_on",
        "Enter the date paid: today or earlier.",
        "Indique la fecha de pago: hoy o antes.",
    ),
    (
        "error.reference",
        "The reference is at most 64 characters.",
        "La referencia tiene como máximo 64 caracteres.",
    ),
    (
        "error.reference_used",
        "This reference is already used by another payment of the creditor.",
        "Esta referencia ya la usa otro pago del acreedor.",
    ),
    (
        "error.change",
        "Choose refund, adjustment or write-off.",
        "Elija reembolso, ajuste o castigo.",
    ),
    (
        "error.reason_code",
        "Choose a reason code.",
        "Elija un código de motivo.",
    ),
    (
        "error.bucket",
        "Choose principal, interest or fees.",
        "Elija capital, intereses o cargos.",
    ),
    ("error.decision", "Approve or reject.", "Apruebe o rechace."),
    ("queue.due_now", "due now", "pendiente ahora"),
    ("identity.dob", "Date of birth", "Fecha de nacimiento"),
    ("identity.ssn", "SSN", "SSN"),
    ("identity.none", "not on file", "no consta"),
    ("contacts.mark_bad", "Mark bad", "Marcar erróneo"),
    (
        "contacts.mark_verified",
        "Mark verified",
        "Marcar verificado",
    ),
    ("contacts.kind", "Kind", "Tipo"),
    (
        "contacts.value",
        "New number or email",
        "Nuevo número o correo",
    ),
    ("contacts.source", "Source", "Fuente"),
    (
        "contacts.add",
        "Add contact point",
        "Añadir punto de contacto",
    ),
    (
        "error.contact_value",
        "Enter a US phone number like (617) 555-0123, or an email address.",
        "Escriba un teléfono de EE. UU. como (617) 555-0123, o un correo electrónico.",
    ),
    ("nav.team", "Team", "Equipo"),
    ("team.title", "Team", "Equipo"),
    ("team.today", "Today", "Hoy"),
    ("team.agent", "Agent", "Agente"),
    ("team.worked", "Accounts worked", "Cuentas trabajadas"),
    ("team.attempts", "Attempts", "Intentos"),
    (
        "team.rpc",
        "Right-party contacts",
        "Contactos con el titular",
    ),
    ("team.promises", "Promises", "Promesas"),
    ("team.promised", "Amount promised", "Importe prometido"),
    ("team.disputes", "Dispute queue", "Cola de disputas"),
    ("team.approvals", "Approvals", "Aprobaciones"),
    ("team.none", "Nothing waiting.", "Nada pendiente."),
    ("team.assign", "Assign an account", "Asignar una cuenta"),
    (
        "team.anyone",
        "Any agent of the creditor",
        "Cualquier agente del acreedor",
    ),
    ("team.assign_submit", "Assign", "Asignar"),
    (
        "team.reassign",
        "Move a whole queue",
        "Mover una cola completa",
    ),
    ("team.from", "From agent", "Del agente"),
    ("team.to", "To agent", "Al agente"),
    ("team.reassign_submit", "Move queue", "Mover cola"),
    ("team.assigned", "Assigned.", "Asignada."),
    ("team.moved", "accounts moved.", "cuentas movidas."),
    ("flags.title", "Disputes and flags", "Disputas y marcas"),
    (
        "flags.dispute",
        "Dispute: what the debtor disputes",
        "Disputa: qué disputa el deudor",
    ),
    ("flags.dispute_submit", "Log dispute", "Registrar disputa"),
    ("flags.kind", "Flag", "Marca"),
    (
        "flags.evidence",
        "Evidence (attorney name and phone; case number, chapter, filed date; source)",
        "Prueba (abogado y teléfono; número de caso, capítulo, fecha; fuente)",
    ),
    ("flags.set", "Set", "Poner"),
    ("flags.clear", "Clear", "Quitar"),
    ("flags.submit", "Save flag", "Guardar marca"),
    ("flags.saved", "Saved.", "Guardado."),
    (
        "flag.cease",
        "Cease communication",
        "Cese de comunicaciones",
    ),
    (
        "flag.attorney",
        "Represented by an attorney",
        "Representado por abogado",
    ),
    ("flag.bankruptcy", "Bankruptcy", "Bancarrota"),
    ("flag.deceased", "Deceased", "Fallecido"),
    (
        "error.evidence",
        "Give the evidence: for bankruptcy the case number, chapter (7, 11, 13) and filed date; for an attorney their name and phone.",
        "Indique la prueba: para bancarrota el número de caso, capítulo (7, 11, 13) y fecha; para un abogado su nombre y teléfono.",
    ),
    (
        "error.detail",
        "Say what the debtor disputes.",
        "Indique qué disputa el deudor.",
    ),
    ("app.name", "Arrears", "Arrears"),
    ("nav.queue", "Work queue", "Cola de trabajo"),
    ("nav.search", "Search", "Buscar"),
    ("nav.signout", "Sign out", "Cerrar sesión"),
    ("nav.language", "Español", "English"),
    ("nav.skip", "Skip to content", "Saltar al contenido"),
    ("login.title", "Sign in", "Iniciar sesión"),
    ("login.username", "User name", "Usuario"),
    ("login.password", "Password", "Contraseña"),
    ("login.submit", "Sign in", "Entrar"),
    (
        "login.refused",
        "Wrong user name or password.",
        "Usuario o contraseña incorrectos.",
    ),
    (
        "login.locked",
        "Too many failed sign-ins: try again in",
        "Demasiados intentos fallidos: vuelva a intentarlo en",
    ),
    ("queue.title", "Work queue", "Cola de trabajo"),
    ("queue.next", "Next account", "Siguiente cuenta"),
    (
        "queue.left",
        "accounts left in your queue",
        "cuentas pendientes en su cola",
    ),
    (
        "queue.empty",
        "No account in your queue may be called now.",
        "Ninguna cuenta de su cola puede llamarse ahora.",
    ),
    (
        "queue.hint",
        "Press N for the next account.",
        "Pulse N para la siguiente cuenta.",
    ),
    (
        "queue.callbacks",
        "Callbacks due",
        "Devoluciones de llamada pendientes",
    ),
    ("account.debtor", "Debtor", "Deudor"),
    ("account.accounts", "Accounts", "Cuentas"),
    ("account.ref", "Account", "Cuenta"),
    ("account.creditor", "Creditor", "Acreedor"),
    ("account.balance", "Balance", "Saldo"),
    ("account.principal", "Principal", "Capital"),
    ("account.interest", "Interest", "Intereses"),
    ("account.fees", "Fees", "Cargos"),
    ("account.dpd", "Days past due", "Días de atraso"),
    ("account.bucket", "Aging", "Antigüedad"),
    ("account.status", "Status", "Estado"),
    ("account.flags", "Flags", "Marcas"),
    (
        "account.address_incomplete",
        "Address incomplete",
        "Dirección incompleta",
    ),
    (
        "account.address_incomplete_help",
        "Only part of the mailing address is known: nothing is mailed to it, and the account is on the locate list.",
        "Solo se conoce parte de la dirección postal: no se envía nada por correo y la cuenta está en la lista de localización.",
    ),
    ("account.language", "Debtor's language", "Idioma del deudor"),
    (
        "account.local_time",
        "Debtor's local time",
        "Hora local del deudor",
    ),
    ("account.locked_by", "Also open by", "También abierta por"),
    (
        "compliance.title",
        "May we contact them now?",
        "¿Podemos contactar ahora?",
    ),
    ("compliance.allowed", "allowed now", "permitido ahora"),
    ("compliance.denied", "not now", "ahora no"),
    ("compliance.next", "next allowed", "próximo permitido"),
    (
        "compliance.zone_unknown",
        "the debtor's time zone is unknown: checked as if anywhere in the fifty states and DC",
        "se desconoce la zona horaria del deudor: se comprobó como si estuviera en cualquiera de los cincuenta estados o DC",
    ),
    (
        "compliance.never",
        "only a change of facts allows it",
        "solo un cambio de hechos lo permite",
    ),
    (
        "compliance.budget",
        "Calls about this debt in the last 7 days",
        "Llamadas sobre esta deuda en los últimos 7 días",
    ),
    (
        "compliance.refused",
        "Refused by the compliance check",
        "Rechazado por la verificación de cumplimiento",
    ),
    ("channel.call", "Call", "Llamada"),
    ("channel.sms", "Text", "SMS"),
    ("channel.email", "Email", "Correo"),
    ("channel.letter", "Letter", "Carta"),
    ("channel.visit", "Visit", "Visita"),
    (
        "validation.title",
        "Validation notice",
        "Aviso de validación",
    ),
    ("validation.not_sent", "not sent yet", "aún no enviado"),
    ("validation.sent", "sent", "enviado"),
    (
        "validation.ends",
        "validation period ends",
        "el período de validación termina",
    ),
    ("contacts.title", "Contact points", "Puntos de contacto"),
    ("script.title", "Call script", "Guion de llamada"),
    (
        "attempt.title",
        "Log a contact attempt",
        "Registrar un intento de contacto",
    ),
    ("attempt.contact", "Number or address", "Número o dirección"),
    ("attempt.disposition", "Disposition", "Resultado"),
    ("attempt.note", "Note", "Nota"),
    ("attempt.submit", "Log attempt", "Registrar intento"),
    ("attempt.logged", "Attempt logged.", "Intento registrado."),
    ("promise.title", "Promise to pay", "Promesa de pago"),
    ("promise.date", "Date", "Fecha"),
    ("promise.amount", "Amount", "Importe"),
    ("promise.submit", "Record promise", "Registrar promesa"),
    (
        "promise.recorded",
        "Promise recorded.",
        "Promesa registrada.",
    ),
    ("note.title", "Add a note", "Añadir una nota"),
    ("note.submit", "Add note", "Añadir nota"),
    (
        "callback.title",
        "Schedule a callback",
        "Programar una devolución de llamada",
    ),
    (
        "callback.at",
        "When (debtor's local time)",
        "Cuándo (hora local del deudor)",
    ),
    ("callback.submit", "Schedule", "Programar"),
    ("timeline.title", "Timeline", "Cronología"),
    ("timeline.empty", "Nothing yet.", "Nada todavía."),
    ("search.title", "Search", "Buscar"),
    (
        "search.placeholder",
        "Name, account, phone, email or last 4 of SSN",
        "Nombre, cuenta, teléfono, correo o últimos 4 del SSN",
    ),
    (
        "search.none",
        "No account found.",
        "No se encontró ninguna cuenta.",
    ),
    ("error.title", "Something is wrong", "Algo no está bien"),
    (
        "error.stale",
        "Another user changed this account since you opened it. Reload the page and try again.",
        "Otro usuario cambió esta cuenta desde que la abrió. Recargue la página e inténtelo de nuevo.",
    ),
    (
        "error.forbidden",
        "You may not do this.",
        "No tiene permiso para hacer esto.",
    ),
    ("error.not_found", "Not found.", "No encontrado."),
    (
        "error.amount",
        "Enter an amount like 125.50 (a dot for cents).",
        "Escriba un importe como 125.50 (punto para los centavos).",
    ),
    (
        "error.amount_above_balance",
        "The promised total is above the balance.",
        "El total prometido supera el saldo.",
    ),
    (
        "error.date",
        "Enter a date as YYYY-MM-DD, today or later.",
        "Escriba una fecha AAAA-MM-DD, hoy o después.",
    ),
    (
        "error.disposition",
        "Choose a disposition from the list.",
        "Elija un resultado de la lista.",
    ),
    (
        "error.contact",
        "Choose one of the debtor's numbers or addresses.",
        "Elija uno de los números o direcciones del deudor.",
    ),
    (
        "error.letter_address",
        "The debtor's address is incomplete: a letter cannot be mailed.",
        "La dirección del deudor está incompleta: no se puede enviar una carta.",
    ),
    (
        "error.note",
        "Write a note (at most 2,000 characters).",
        "Escriba una nota (máximo 2.000 caracteres).",
    ),
    (
        "error.when",
        "Enter a date and time in the future.",
        "Escriba una fecha y hora futura.",
    ),
    (
        "error.csrf",
        "This form expired. Reload the page and try again.",
        "Este formulario caducó. Recargue la página e inténtelo de nuevo.",
    ),
    (
        "disposition.right_party_contact",
        "Right-party contact",
        "Contacto con el titular",
    ),
    ("disposition.promise", "Promise to pay", "Promesa de pago"),
    ("disposition.refused", "Refused to pay", "Se negó a pagar"),
    (
        "disposition.wrong_number",
        "Wrong number",
        "Número equivocado",
    ),
    ("disposition.left_message", "Left message", "Dejó mensaje"),
    ("disposition.no_answer", "No answer", "Sin respuesta"),
    ("disposition.busy", "Busy", "Ocupado"),
    ("disposition.dispute", "Dispute", "Disputa"),
    (
        "disposition.callback",
        "Callback requested",
        "Pidió que le devuelvan la llamada",
    ),
    (
        "disposition.deceased",
        "Reported deceased",
        "Informado fallecido",
    ),
    ("disposition.bankruptcy", "Bankruptcy", "Bancarrota"),
    ("disposition.attorney", "Has an attorney", "Tiene abogado"),
    (
        "disposition.cease_request",
        "Asked us to stop",
        "Pidió que dejemos de contactar",
    ),
];

/// Debtor-facing script lines: (key, English, Spanish). `{agent}`, `{agency}` and
/// `{debtor}` are filled in.
const SCRIPTS: &[(&str, &str, &str)] = &[
    (
        "opening",
        "Hello, may I speak with {debtor}? My name is {agent}, calling from {agency}.",
        "Hola, ¿puedo hablar con {debtor}? Me llamo {agent} y llamo de {agency}.",
    ),
    (
        "mini_miranda",
        "This is a communication from a debt collector. This is an attempt to collect a debt, and any information obtained will be used for that purpose.",
        "Esta es una comunicación de un cobrador de deudas. Este es un intento de cobrar una deuda y cualquier información obtenida se utilizará para ese fin.",
    ),
];

/// The agency name in call scripts.
pub const AGENCY: &str = "Arrears Recovery Services";

/// Words in one language, for templates.
#[derive(Clone, Copy, Debug)]
pub struct Words {
    pub language: Language,
}

impl Words {
    pub fn new(language: Language) -> Words {
        Words { language }
    }

    /// The text of `key`; the key itself when missing (a test keeps that from happening).
    pub fn get(&self, key: &str) -> &'static str {
        CATALOGS
            .iter()
            .find_map(|table| lookup(table, key, self.language))
            .unwrap_or("??")
    }

    /// The human label of a stored code of some kind (`label("disposition",
    /// "right_party")` reads key `disposition.right_party`), so no internal code reaches a
    /// page. A code without a label shows as itself (a test per kind keeps that from
    /// happening).
    pub fn label(&self, kind: &str, code: &str) -> String {
        let key = format!("{kind}.{code}");
        CATALOGS
            .iter()
            .find_map(|table| lookup(table, &key, self.language))
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    }

    /// The `lang` attribute.
    pub fn code(&self) -> &'static str {
        self.language.code()
    }
}

fn lookup(
    table: &[(&'static str, &'static str, &'static str)],
    key: &str,
    language: Language,
) -> Option<&'static str> {
    table
        .iter()
        .find(|(name, _, _)| *name == key)
        .map(|(_, english, spanish)| match language {
            Language::En => *english,
            Language::Es => *spanish,
        })
}

/// A call script line in the debtor's language.
pub fn script(key: &str, language: Language, agent: &str, debtor: &str) -> String {
    lookup(SCRIPTS, key, language)
        .unwrap_or("")
        .replace("{agent}", agent)
        .replace("{agency}", AGENCY)
        .replace("{debtor}", debtor)
}

/// Every key, for the completeness test.
pub fn keys() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    CATALOGS
        .iter()
        .flat_map(|table| table.iter())
        .chain(SCRIPTS)
        .copied()
}
