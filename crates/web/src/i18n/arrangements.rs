//! Words of the arrangements area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[
    // States of plans, settlements and their dues.
    ("due_state.pending", "pending", "pendiente"),
    ("due_state.paid", "paid", "pagado"),
    ("due_state.partial", "partly paid", "pagado en parte"),
    ("due_state.missed", "missed", "no pagado"),
    ("due_state.cancelled", "cancelled", "cancelado"),
    // The one open arrangement per account.
    (
        "arrangements.open.plan_monthly",
        "A {n}-month plan",
        "Un plan de {n} meses",
    ),
    (
        "arrangements.open.plan",
        "A plan of {n} installments",
        "Un plan de {n} cuotas",
    ),
    (
        "arrangements.open.settlement",
        "A settlement in {n} payment(s)",
        "Una liquidación en {n} pago(s)",
    ),
    (
        "arrangements.open.promise",
        "A promise to pay in {n} payment(s)",
        "Una promesa de pago en {n} pago(s)",
    ),
    (
        "arrangements.open.waiting",
        "{what} is waiting for approval since {date}.",
        "{what} espera aprobación desde el {date}.",
    ),
    (
        "arrangements.open.running",
        "{what} is in force since {date}.",
        "{what} está vigente desde el {date}.",
    ),
    (
        "arrangements.open.advice",
        "Tick “Replace” to replace it, or leave it.",
        "Marque «Sustituir» para sustituirlo, o déjelo.",
    ),
    (
        "arrangements.replace",
        "Replace the open promise, plan or settlement",
        "Sustituir la promesa, el plan o la liquidación abiertos",
    ),
    // Schedules: one line, the dues on demand.
    ("arrangements.every.monthly", "monthly", "mensuales"),
    (
        "arrangements.every.semimonthly",
        "twice-monthly",
        "quincenales",
    ),
    ("arrangements.every.biweekly", "biweekly", "bisemanales"),
    ("arrangements.every.weekly", "weekly", "semanales"),
    (
        "arrangements.summary.installments",
        "{n} {every} installments of {amount} from {first} to {last}",
        "{n} cuotas {every} de {amount} del {first} al {last}",
    ),
    (
        "arrangements.summary.payments",
        "{n} payment(s), {total} in all, from {first} to {last}",
        "{n} pago(s), {total} en total, del {first} al {last}",
    ),
    (
        "arrangements.summary.progress",
        "{paid} paid, next due {next}, {overdue} overdue",
        "{paid} pagadas, próximo vencimiento {next}, {overdue} vencido",
    ),
    (
        "arrangements.summary.progress_done",
        "{paid} paid, nothing more due, {overdue} overdue",
        "{paid} pagadas, nada más por vencer, {overdue} vencido",
    ),
    (
        "arrangements.summary.cancelled",
        "{n} no longer due",
        "{n} ya no se deben",
    ),
    (
        "arrangements.show_dues",
        "Show the {n} dues",
        "Ver los {n} vencimientos",
    ),
    // Holds, as approvals and disputes show them.
    ("arrangements.hold.dispute", "Dispute", "Disputa"),
    (
        "arrangements.hold.cease",
        "Cease communication",
        "Cese de comunicación",
    ),
    (
        "arrangements.hold.attorney",
        "Represented by an attorney",
        "Representado por abogado",
    ),
    ("arrangements.hold.bankruptcy", "Bankruptcy", "Quiebra"),
    ("arrangements.hold.deceased", "Deceased", "Fallecido"),
    ("arrangements.hold.legal", "Legal", "Legal"),
    ("arrangements.since", "since", "desde"),
    (
        "arrangements.approvals.holds",
        "Holds on the account:",
        "Bloqueos de la cuenta:",
    ),
    (
        "arrangements.approvals.no_holds",
        "No hold on the account.",
        "La cuenta no tiene bloqueos.",
    ),
    (
        "arrangements.approvals.conflicts",
        "Also open on the account (approving replaces it):",
        "También abierto en la cuenta (aprobar lo sustituye):",
    ),
    (
        "arrangements.refused.held",
        "Not approved: the account is on a {hold} hold, under which collection must stop — {rules}.",
        "No aprobado: la cuenta tiene un bloqueo por {hold}, bajo el cual el cobro debe detenerse — {rules}.",
    ),
    // Dispute resolution.
    ("disputes.title", "Disputes", "Disputas"),
    ("nav.disputes", "Disputes", "Disputas"),
    ("disputes.open", "Open disputes", "Disputas abiertas"),
    (
        "disputes.none",
        "No open dispute.",
        "No hay disputas abiertas.",
    ),
    ("disputes.account", "Account", "Cuenta"),
    ("disputes.debtor", "Debtor", "Deudor"),
    ("disputes.reason", "What is disputed", "Qué se disputa"),
    ("disputes.opened", "Opened", "Abierta"),
    ("disputes.days_open", "Days open", "Días abierta"),
    (
        "disputes.validation",
        "Validation notice",
        "Aviso de validación",
    ),
    (
        "disputes.validation.sent",
        "sent {date}",
        "enviado el {date}",
    ),
    ("disputes.validation.not_sent", "not sent", "no enviado"),
    ("disputes.resolve", "Resolve", "Resolver"),
    ("disputes.outcome", "Outcome", "Resultado"),
    ("disputes.note", "Why (required)", "Motivo (obligatorio)"),
    ("disputes.submit", "Resolve dispute", "Resolver disputa"),
    (
        "disputes.adjust",
        "Correct the balance on the account page",
        "Corregir el saldo en la página de la cuenta",
    ),
    (
        "disputes.resolved",
        "Dispute resolved.",
        "Disputa resuelta.",
    ),
    (
        "disputes.error.outcome",
        "Choose an outcome.",
        "Elija un resultado.",
    ),
    (
        "disputes.error.note",
        "Say why, in at most 500 characters.",
        "Indique el motivo, en 500 caracteres como máximo.",
    ),
    (
        "disputes.error.gone",
        "This account has no open dispute any more.",
        "Esta cuenta ya no tiene una disputa abierta.",
    ),
    (
        "dispute_outcome.verified",
        "Verified — verification sent; the hold lifts and collection may resume",
        "Verificada — verificación enviada; se levanta el bloqueo y puede reanudarse el cobro",
    ),
    (
        "dispute_outcome.corrected",
        "Corrected — records corrected; the hold lifts",
        "Corregida — registros corregidos; se levanta el bloqueo",
    ),
    (
        "dispute_outcome.upheld",
        "Upheld — the consumer was right; the account is recalled and the hold stays",
        "Procedente — el consumidor tenía razón; la cuenta se devuelve al acreedor y el bloqueo se mantiene",
    ),
    (
        "dispute_outcome.withdrawn",
        "Withdrawn — the consumer withdrew it; the hold lifts",
        "Retirada — el consumidor la retiró; se levanta el bloqueo",
    ),
];
