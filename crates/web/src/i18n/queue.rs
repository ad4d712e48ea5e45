//! Words of the queue area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[
    (
        "queue.waiting",
        "waiting: allowed from",
        "en espera: permitido desde",
    ),
    (
        "queue.waiting_never",
        "waiting: no call is allowed until the facts change",
        "en espera: no se permite llamar hasta que cambien los hechos",
    ),
    (
        "queue.no_phone",
        "waiting: no number on file may be called",
        "en espera: ningún número registrado se puede llamar",
    ),
    (
        "queue.callback_outside_hours",
        "Callback saved. The debtor asked for a time outside 08:00–21:00 on their clock: a call then is allowed because they asked for it.",
        "Devolución de llamada guardada. El deudor pidió una hora fuera de 08:00–21:00 en su reloj: llamar entonces está permitido porque lo pidió.",
    ),
    (
        "callback.who",
        "Who chose this time?",
        "¿Quién eligió esta hora?",
    ),
    (
        "callback.requested_by_debtor",
        "The debtor asked to be called then (their consent)",
        "El deudor pidió que lo llamen entonces (su consentimiento)",
    ),
    (
        "callback.chosen_by_agent",
        "I chose this time",
        "Yo elegí esta hora",
    ),
    (
        "callback.refused",
        "A call then is not allowed",
        "No se permite llamar entonces",
    ),
    ("callback.allowed_from", "allowed from", "permitido desde"),
];
