//! Words of the labels area: (key, English, Spanish). Human labels of stored codes, read
//! with `Words::label(kind, code)`; a test checks every code of each enum shown on a page.

pub(super) const WORDS: &[(&str, &str, &str)] = &[
    // Account status (`domain::account::Status`).
    ("status.active", "Active", "Activa"),
    ("status.settled", "Settled", "Liquidada"),
    ("status.paid", "Paid", "Pagada"),
    (
        "status.written_off",
        "Written off",
        "Cancelada contablemente",
    ),
    ("status.recalled", "Recalled", "Retirada por el acreedor"),
    ("status.closed", "Closed", "Cerrada"),
    // Holds (`domain::account::HoldKind`).
    ("hold.dispute", "Disputed", "En disputa"),
    ("hold.cease", "Cease contact", "Cese de contacto"),
    ("hold.attorney", "Has an attorney", "Tiene abogado"),
    ("hold.bankruptcy", "Bankruptcy", "Bancarrota"),
    ("hold.deceased", "Deceased", "Fallecido"),
    ("hold.legal", "Legal", "Vía legal"),
    // Contact points (`domain::party::ContactKind`, `ContactStatus`).
    ("contact_kind.phone_home", "Home phone", "Teléfono de casa"),
    (
        "contact_kind.phone_mobile",
        "Mobile phone",
        "Teléfono móvil",
    ),
    (
        "contact_kind.phone_work",
        "Work phone",
        "Teléfono del trabajo",
    ),
    ("contact_kind.email", "Email", "Correo electrónico"),
    ("contact_status.unverified", "Unverified", "Sin verificar"),
    ("contact_status.verified", "Verified", "Verificado"),
    ("contact_status.bad", "Bad number", "Número erróneo"),
    ("contact_status.wrong_party", "Wrong party", "Otra persona"),
    // Aging buckets of the default scheme.
    ("bucket.current", "Current", "Al corriente"),
    ("bucket.1-30", "1–30 days", "1–30 días"),
    ("bucket.31-60", "31–60 days", "31–60 días"),
    ("bucket.61-90", "61–90 days", "61–90 días"),
    ("bucket.91-120", "91–120 days", "91–120 días"),
    ("bucket.121-150", "121–150 days", "121–150 días"),
    ("bucket.151-180", "151–180 days", "151–180 días"),
    ("bucket.181+", "181 days or more", "181 días o más"),
    // Promise, arrangement and due states (`domain::arrangement`, `domain::schedule`).
    ("promise_status.open", "Open", "Abierta"),
    ("promise_status.kept", "Kept", "Cumplida"),
    ("promise_status.broken", "Broken", "Incumplida"),
    ("promise_status.superseded", "Replaced", "Sustituida"),
    ("arrangement_status.active", "Active", "Activo"),
    (
        "arrangement_status.pending_approval",
        "Waiting for approval",
        "Pendiente de aprobación",
    ),
    ("arrangement_status.completed", "Completed", "Completado"),
    ("arrangement_status.broken", "Broken", "Incumplido"),
    ("arrangement_status.rejected", "Rejected", "Rechazado"),
    ("arrangement_status.cancelled", "Cancelled", "Cancelado"),
    ("arrangement_status.superseded", "Replaced", "Sustituido"),
    ("due.pending", "Pending", "Pendiente"),
    ("due.paid", "Paid", "Pagado"),
    ("due.partial", "Partly paid", "Pagado en parte"),
    ("due.missed", "Missed", "No pagado"),
    // Ledger reasons shown on the timeline.
    ("entry.placement", "Placed", "Asignada"),
    ("entry.interest", "Interest", "Intereses"),
    ("entry.fee", "Fee", "Cargo"),
    ("entry.payment", "Payment", "Pago"),
    (
        "entry.settlement_discount",
        "Settlement discount",
        "Descuento por liquidación",
    ),
    ("entry.write_off", "Write-off", "Cancelación contable"),
    ("entry.recall", "Recall", "Retirada"),
    ("entry.reversal", "Reversal", "Reversión"),
    ("entry.adjustment", "Adjustment", "Ajuste"),
    ("entry.refund", "Refund", "Reembolso"),
    // Audit events shown on the timeline (those an attempt, note, promise or callback
    // already shows are left out there).
    ("event.account.assign", "Assigned", "Asignada a un agente"),
    ("event.account.hold.place", "Hold placed", "Bloqueo puesto"),
    (
        "event.account.hold.release",
        "Hold released",
        "Bloqueo quitado",
    ),
    ("event.account.recall", "Recalled", "Retirada"),
    ("event.account.status", "Status changed", "Cambio de estado"),
    (
        "event.account.verification",
        "Identity check",
        "Verificación de identidad",
    ),
    (
        "event.arrangement.cancelled",
        "Arrangement cancelled",
        "Acuerdo cancelado",
    ),
    (
        "event.contact_point.add",
        "Contact point added",
        "Punto de contacto añadido",
    ),
    (
        "event.contact_point.status",
        "Contact point marked",
        "Punto de contacto marcado",
    ),
    ("event.payments.post", "Payment posted", "Pago registrado"),
    ("event.promise.create", "Promise", "Promesa"),
    ("event.plan.create", "Payment plan", "Plan de pagos"),
    ("event.settlement.create", "Settlement", "Liquidación"),
    ("event.approval.approved", "Approved", "Aprobado"),
    ("event.approval.rejected", "Rejected", "Rechazado"),
    (
        "event.dispute.resolved",
        "Dispute resolved",
        "Disputa resuelta",
    ),
    ("event.promise.kept", "Promise kept", "Promesa cumplida"),
    (
        "event.promise.broken",
        "Promise broken",
        "Promesa incumplida",
    ),
    (
        "event.promise.open",
        "Promise open again",
        "Promesa abierta de nuevo",
    ),
    ("event.plan.completed", "Plan completed", "Plan completado"),
    ("event.plan.broken", "Plan broken", "Plan incumplido"),
    (
        "event.plan.reopened",
        "Plan active again",
        "Plan activo de nuevo",
    ),
    (
        "event.settlement.completed",
        "Settlement completed",
        "Liquidación completada",
    ),
    (
        "event.settlement.broken",
        "Settlement broken",
        "Liquidación incumplida",
    ),
    (
        "event.settlement.reopened",
        "Settlement active again",
        "Liquidación activa de nuevo",
    ),
    ("event.refund.post", "Refund", "Reembolso"),
    (
        "event.refund.request",
        "Refund requested",
        "Reembolso solicitado",
    ),
    ("event.adjustment.post", "Adjustment", "Ajuste"),
    (
        "event.adjustment.request",
        "Adjustment requested",
        "Ajuste solicitado",
    ),
    ("event.write_off.post", "Write-off", "Castigo"),
    (
        "event.write_off.request",
        "Write-off requested",
        "Castigo solicitado",
    ),
    // A dispute's outcome on the timeline.
    ("resolved.verified", "Verified", "Verificada"),
    ("resolved.corrected", "Corrected", "Corregida"),
    ("resolved.upheld", "Upheld", "Confirmada"),
    ("resolved.withdrawn", "Withdrawn", "Retirada"),
    // The reasons Arrears itself writes in the audit log, as the timeline shows them
    // (what a person typed is shown as typed).
    (
        "reason.dispute logged by an agent",
        "dispute logged by an agent",
        "disputa registrada por un agente",
    ),
    (
        "reason.flag set by an agent",
        "flag set by an agent",
        "marca puesta por un agente",
    ),
    (
        "reason.contact point added by an agent",
        "contact point added by an agent",
        "punto de contacto añadido por un agente",
    ),
    (
        "reason.contact point marked by an agent",
        "contact point marked by an agent",
        "punto de contacto marcado por un agente",
    ),
    (
        "reason.payment plan agreed with the debtor",
        "payment plan agreed with the debtor",
        "plan de pagos acordado con el deudor",
    ),
    (
        "reason.settlement offered to the debtor",
        "settlement offered to the debtor",
        "liquidación ofrecida al deudor",
    ),
    ("reason.approved", "approved", "aprobado"),
    ("reason.rejected", "rejected", "rechazado"),
    (
        "reason.recalled by the creditor",
        "recalled by the creditor",
        "retirada por el acreedor",
    ),
    (
        "reason.reassigned by a supervisor",
        "reassigned by a supervisor",
        "reasignada por un supervisor",
    ),
    (
        "reason.payments received against its schedule",
        "payments received against its schedule",
        "pagos recibidos frente a su calendario",
    ),
    (
        "reason.the account is no longer active",
        "the account is no longer active",
        "la cuenta ya no está activa",
    ),
    // Reason codes of refunds, adjustments and write-offs.
    (
        "reason_code.billing_error",
        "Billing error",
        "Error de facturación",
    ),
    ("reason_code.goodwill", "Goodwill", "Cortesía"),
    ("reason_code.fee_waiver", "Fee waived", "Cargo condonado"),
    (
        "reason_code.interest_waiver",
        "Interest waived",
        "Intereses condonados",
    ),
    (
        "reason_code.small_balance",
        "Small balance",
        "Saldo pequeño",
    ),
    ("reason_code.uncollectible", "Uncollectible", "Incobrable"),
    ("reason_code.deceased", "Deceased", "Fallecido"),
    ("reason_code.bankruptcy", "Bankruptcy", "Bancarrota"),
    (
        "reason_code.statute_expired",
        "Statute of limitations expired",
        "Prescripción vencida",
    ),
    (
        "reason_code.duplicate_payment",
        "Duplicate payment",
        "Pago duplicado",
    ),
    ("reason_code.overpayment", "Overpayment", "Pago en exceso"),
    ("reason_code.other", "Other", "Otro"),
];

#[cfg(test)]
mod tests {
    use crate::i18n::Words;
    use domain::party::Language;

    /// Every code of each kind the desk shows, with its label key's kind.
    fn codes() -> Vec<(&'static str, Vec<String>)> {
        fn all<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
            items.iter().map(ToString::to_string).collect()
        }
        vec![
            ("status", all(domain::account::Status::ALL)),
            ("hold", all(domain::account::HoldKind::ALL)),
            ("contact_kind", all(domain::party::ContactKind::ALL)),
            ("contact_status", all(domain::party::ContactStatus::ALL)),
            ("disposition", all(domain::contact::Disposition::ALL)),
            (
                "promise_status",
                all(domain::arrangement::PromiseStatus::ALL),
            ),
            (
                "arrangement_status",
                all(domain::arrangement::ArrangementStatus::ALL),
            ),
            (
                "entry",
                domain::ledger::Reason::ALL
                    .iter()
                    .map(|reason| reason.code().to_string())
                    .collect(),
            ),
            (
                "reason_code",
                app::model::arrangements::REASON_CODES
                    .iter()
                    .map(|code| code.to_string())
                    .collect(),
            ),
            (
                "resolved",
                app::model::disputes::Outcome::ALL
                    .iter()
                    .map(|outcome| outcome.code().to_string())
                    .collect(),
            ),
            (
                "due",
                ["pending", "paid", "partial", "missed"]
                    .map(String::from)
                    .to_vec(),
            ),
            (
                "bucket",
                domain::aging::AgingScheme::default()
                    .buckets()
                    .iter()
                    .map(|bucket| bucket.label())
                    .collect(),
            ),
        ]
    }

    #[test]
    fn every_code_the_desk_shows_has_a_label_in_both_languages() {
        for language in [Language::En, Language::Es] {
            let t = Words::new(language);
            for (kind, codes) in codes() {
                for code in codes {
                    let label = t.label(kind, &code);
                    assert_ne!(label, code, "{kind}.{code} has no label in {language:?}");
                }
            }
        }
    }

    #[test]
    fn the_labels_differ_between_the_languages() {
        let (english, spanish) = (Words::new(Language::En), Words::new(Language::Es));
        assert_eq!(
            english.label("contact_kind", "phone_mobile"),
            "Mobile phone"
        );
        assert_eq!(
            spanish.label("contact_kind", "phone_mobile"),
            "Teléfono móvil"
        );
        assert_eq!(
            spanish.label("contact_status", "unverified"),
            "Sin verificar"
        );
    }
}
