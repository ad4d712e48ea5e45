//! Words of the roles area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[
    ("roles.nav.worklist", "Work list", "Lista de trabajo"),
    ("roles.nav.disputes", "Disputes", "Disputas"),
    ("roles.nav.overview", "Overview", "Resumen"),
    ("roles.nav.users", "Users", "Usuarios"),
    ("roles.nav.creditors", "Creditors", "Acreedores"),
    ("roles.nav.audit", "Audit log", "Registro de auditoría"),
    (
        "roles.nav.decisions",
        "Compliance decisions",
        "Decisiones de cumplimiento",
    ),
    ("roles.role.agent", "Agent", "Agente"),
    ("roles.role.supervisor", "Supervisor", "Supervisor"),
    ("roles.role.manager", "Manager", "Gerente"),
    ("roles.role.billing", "Billing", "Facturación"),
    ("roles.role.admin", "Administrator", "Administrador"),
    ("roles.role.auditor", "Auditor", "Auditor"),
    (
        "roles.forbidden.title",
        "This page is not for your role",
        "Esta página no es para su rol",
    ),
    (
        "roles.forbidden.message",
        "Your role may not open this page or do this.",
        "Su rol no puede abrir esta página ni hacer esto.",
    ),
    (
        "roles.forbidden.back",
        "Back to your start page",
        "Volver a su página de inicio",
    ),
    ("roles.board.title", "Team board", "Tablero del equipo"),
    (
        "roles.board.refresh",
        "Refreshes every 30 seconds.",
        "Se actualiza cada 30 segundos.",
    ),
    ("roles.board.reload", "Reload now", "Actualizar ahora"),
    ("roles.board.current", "Account now", "Cuenta actual"),
    ("roles.board.collected", "Collected today", "Cobrado hoy"),
    ("roles.creditor", "Creditor", "Acreedor"),
    ("roles.overview.title", "Overview", "Resumen"),
    (
        "roles.overview.portfolio",
        "Portfolio by creditor",
        "Cartera por acreedor",
    ),
    ("roles.overview.accounts", "Accounts", "Cuentas"),
    ("roles.overview.balance", "Balance", "Saldo"),
    (
        "roles.overview.collected",
        "Collected this month",
        "Cobrado este mes",
    ),
    (
        "roles.overview.approvals",
        "Approvals waiting",
        "Aprobaciones pendientes",
    ),
    ("roles.audit.title", "Audit log", "Registro de auditoría"),
    ("roles.audit.actor", "Who", "Quién"),
    ("roles.audit.action", "Action", "Acción"),
    (
        "roles.audit.action_hint",
        "Exact, or a prefix ending in a dot (user.)",
        "Exacta, o un prefijo que termina en punto (user.)",
    ),
    ("roles.audit.entity", "Entity", "Entidad"),
    ("roles.audit.reason", "Why", "Por qué"),
    ("roles.logs.filters", "Filters", "Filtros"),
    ("roles.logs.from", "From (day)", "Desde (día)"),
    (
        "roles.logs.until",
        "Until (day, included)",
        "Hasta (día, incluido)",
    ),
    ("roles.logs.filter", "Filter", "Filtrar"),
    (
        "roles.logs.export",
        "Download these rows as CSV",
        "Descargar estas filas en CSV",
    ),
    (
        "roles.logs.newest_first",
        "Newest first",
        "Lo más reciente primero",
    ),
    ("roles.logs.when", "When", "Cuándo"),
    ("roles.logs.none", "Nothing matches.", "Nada coincide."),
    ("roles.logs.pages", "Pages", "Páginas"),
    ("roles.logs.newer", "Newer", "Más recientes"),
    ("roles.logs.older", "Older", "Más antiguos"),
    (
        "roles.logs.bad_date",
        "Write a day as YYYY-MM-DD.",
        "Escriba el día como AAAA-MM-DD.",
    ),
    (
        "roles.verify.button",
        "Verify the audit chain",
        "Verificar la cadena de auditoría",
    ),
    (
        "roles.verify.intact",
        "The audit chain is intact:",
        "La cadena de auditoría está intacta:",
    ),
    ("roles.verify.events", "events", "eventos"),
    ("roles.verify.entries", "ledger entries", "asientos"),
    ("roles.verify.decisions", "decisions", "decisiones"),
    (
        "roles.verify.sealed",
        "sealed rows; head",
        "filas selladas; cabeza",
    ),
    (
        "roles.verify.broken",
        "The audit chain is broken:",
        "La cadena de auditoría está rota:",
    ),
    (
        "roles.decisions.title",
        "Compliance decisions",
        "Decisiones de cumplimiento",
    ),
    ("roles.decisions.rule", "Rule", "Regla"),
    (
        "roles.decisions.rules",
        "Rules that forbade",
        "Reglas que prohibieron",
    ),
    ("roles.decisions.decision", "Decision", "Decisión"),
    ("roles.decisions.any", "Any", "Cualquiera"),
    ("roles.decisions.allowed", "Allowed", "Permitida"),
    ("roles.decisions.denied", "Denied", "Denegada"),
    ("roles.decisions.channel", "Channel", "Canal"),
    ("roles.channel.call", "Call", "Llamada"),
    ("roles.channel.sms", "Text message", "Mensaje de texto"),
    ("roles.channel.email", "Email", "Correo electrónico"),
    ("roles.channel.letter", "Letter", "Carta"),
    ("roles.channel.visit", "Visit", "Visita"),
    (
        "roles.channel.credit_report",
        "Credit report",
        "Informe de crédito",
    ),
    ("roles.channel.lawsuit", "Lawsuit", "Demanda"),
    ("roles.admin.users", "Users", "Usuarios"),
    ("roles.admin.everyone", "Everyone", "Todos"),
    ("roles.admin.username", "User name", "Nombre de usuario"),
    ("roles.admin.role", "Role", "Rol"),
    ("roles.admin.state", "State", "Estado"),
    ("roles.admin.active", "Active", "Activo"),
    ("roles.admin.disabled", "Disabled", "Deshabilitado"),
    (
        "roles.admin.all_creditors",
        "Every creditor",
        "Todos los acreedores",
    ),
    (
        "roles.admin.all_creditors_link",
        "Back to the creditors",
        "Volver a los acreedores",
    ),
    ("roles.admin.add", "Add a user", "Agregar un usuario"),
    ("roles.admin.add_submit", "Add user", "Agregar usuario"),
    (
        "roles.admin.works",
        "Creditors they work (agents and supervisors)",
        "Acreedores que trabaja (agentes y supervisores)",
    ),
    (
        "roles.admin.password",
        "Initial password",
        "Contraseña inicial",
    ),
    (
        "roles.admin.password_rules",
        "At least 12 characters, not the user name, not a common password.",
        "Al menos 12 caracteres, sin el nombre de usuario, no una contraseña común.",
    ),
    ("roles.admin.choose_role", "Choose a role.", "Elija un rol."),
    ("roles.admin.added", "User added:", "Usuario agregado:"),
    ("roles.admin.name", "Name", "Nombre"),
    ("roles.admin.currency", "Currency", "Moneda"),
    (
        "roles.admin.reason",
        "Why the policy changes (kept in the audit log)",
        "Por qué cambia la política (queda en el registro de auditoría)",
    ),
    ("roles.admin.save", "Save policy", "Guardar política"),
    ("roles.admin.saved", "Policy saved.", "Política guardada."),
    ("roles.admin.changed", "Saved.", "Guardado."),
    (
        "roles.admin.reason_by_admin",
        "changed by an administrator",
        "cambiado por un administrador",
    ),
    (
        "roles.admin.yourself",
        "You may not change your own role or lock yourself out.",
        "No puede cambiar su propio rol ni bloquearse.",
    ),
    (
        "roles.admin.back_to_users",
        "Back to the users",
        "Volver a los usuarios",
    ),
    ("roles.admin.change_role", "Change role", "Cambiar rol"),
    (
        "roles.admin.save_creditors",
        "Save creditors",
        "Guardar acreedores",
    ),
    ("roles.admin.access", "Access", "Acceso"),
    (
        "roles.admin.lock",
        "Lock this user",
        "Bloquear a este usuario",
    ),
    (
        "roles.admin.unlock",
        "Unlock this user",
        "Desbloquear a este usuario",
    ),
    (
        "roles.admin.new_password",
        "New password",
        "Nueva contraseña",
    ),
    (
        "roles.admin.reset_password",
        "Reset password",
        "Restablecer contraseña",
    ),
    // Creditors' policy keys as the admin page names them, and a hint for each.
    ("policy_key.currency", "Currency", "Moneda"),
    (
        "policy_hint.currency",
        "ISO 4217 code the amounts are in, e.g. USD",
        "Código ISO 4217 de los importes, p. ej. USD",
    ),
    (
        "policy_key.accrue_interest",
        "Accrue interest",
        "Devengar intereses",
    ),
    (
        "policy_hint.accrue_interest",
        "true to accrue interest every night by the interest method (which must not be none), false to stop",
        "true para devengar intereses cada noche según el método de interés (que no puede ser none), false para detenerlo",
    ),
    (
        "policy_key.interest_method",
        "Interest method",
        "Método de interés",
    ),
    (
        "policy_hint.interest_method",
        "none, or simple_daily_365 at each account's rate; used when interest accrues",
        "none, o simple_daily_365 a la tasa de cada cuenta; se usa cuando se devengan intereses",
    ),
    ("policy_key.late_fee", "Late fee", "Cargo por atraso"),
    (
        "policy_hint.late_fee",
        "Charged once per missed installment after the grace days, e.g. 15.00 (0.00: none)",
        "Se cobra una vez por cuota no pagada tras los días de gracia, p. ej. 15.00 (0.00: ninguno)",
    ),
    (
        "policy_key.returned_payment_fee",
        "Returned payment fee",
        "Cargo por pago devuelto",
    ),
    (
        "policy_hint.returned_payment_fee",
        "Charged when a payment comes back (NSF)",
        "Se cobra cuando un pago es devuelto (sin fondos)",
    ),
    (
        "policy_key.waterfall",
        "Payment order",
        "Orden de aplicación de pagos",
    ),
    (
        "policy_hint.waterfall",
        "Which buckets a payment pays first: fees,interest,principal in some order",
        "Qué saldos paga primero un pago: fees,interest,principal en algún orden",
    ),
    (
        "policy_key.multi_debt_allocation",
        "Split across a debtor's accounts",
        "Reparto entre las cuentas del deudor",
    ),
    (
        "policy_hint.multi_debt_allocation",
        "oldest_first, largest_first or proportional",
        "oldest_first, largest_first o proportional",
    ),
    ("policy_key.grace_days", "Grace days", "Días de gracia"),
    (
        "policy_hint.grace_days",
        "Days after a promise date before it counts as broken",
        "Días tras la fecha prometida antes de darla por incumplida",
    ),
    (
        "policy_key.plan_max_term_months",
        "Longest plan (months)",
        "Plan más largo (meses)",
    ),
    (
        "policy_hint.plan_max_term_months",
        "Longest plan allowed without approval",
        "Plan más largo permitido sin aprobación",
    ),
    (
        "policy_key.plan_min_installment",
        "Smallest installment",
        "Cuota mínima",
    ),
    (
        "policy_hint.plan_min_installment",
        "Smallest installment allowed without approval",
        "Cuota más pequeña permitida sin aprobación",
    ),
    (
        "policy_key.plan_min_down_payment_bps",
        "Smallest down payment (basis points)",
        "Pago inicial mínimo (puntos básicos)",
    ),
    (
        "policy_hint.plan_min_down_payment_bps",
        "Of the balance: 1000 = 10%",
        "Del saldo: 1000 = 10 %",
    ),
    (
        "policy_key.plan_misses_to_break",
        "Missed installments that break a plan",
        "Cuotas no pagadas que rompen un plan",
    ),
    ("policy_hint.plan_misses_to_break", "e.g. 2", "p. ej. 2"),
    (
        "policy_key.agent_max_discount_bps",
        "Largest discount an agent may grant (basis points)",
        "Descuento máximo que puede conceder un agente (puntos básicos)",
    ),
    (
        "policy_hint.agent_max_discount_bps",
        "2000 = 20%",
        "2000 = 20 %",
    ),
    (
        "policy_key.supervisor_max_discount_bps",
        "Largest discount a supervisor may grant (basis points)",
        "Descuento máximo que puede conceder un supervisor (puntos básicos)",
    ),
    (
        "policy_hint.supervisor_max_discount_bps",
        "4000 = 40%",
        "4000 = 40 %",
    ),
    (
        "policy_key.manager_max_discount_bps",
        "Largest discount a manager may grant (basis points)",
        "Descuento máximo que puede conceder un gerente (puntos básicos)",
    ),
    (
        "policy_hint.manager_max_discount_bps",
        "6000 = 60%",
        "6000 = 60 %",
    ),
    (
        "policy_key.agent_settlement_floor",
        "Smallest settlement an agent may accept",
        "Liquidación mínima que puede aceptar un agente",
    ),
    (
        "policy_hint.agent_settlement_floor",
        "A total, whatever the discount; 0.00: none",
        "Un total, sea cual sea el descuento; 0.00: ninguno",
    ),
    (
        "policy_key.supervisor_settlement_floor",
        "Smallest settlement a supervisor may accept",
        "Liquidación mínima que puede aceptar un supervisor",
    ),
    (
        "policy_hint.supervisor_settlement_floor",
        "0.00: none",
        "0.00: ninguno",
    ),
    (
        "policy_key.manager_settlement_floor",
        "Smallest settlement a manager may accept",
        "Liquidación mínima que puede aceptar un gerente",
    ),
    (
        "policy_hint.manager_settlement_floor",
        "Managers and admins; 0.00: none",
        "Gerentes y administradores; 0.00: ninguno",
    ),
    (
        "policy_key.approval_threshold",
        "Approval needed above",
        "Aprobación necesaria por encima de",
    ),
    (
        "policy_hint.approval_threshold",
        "Adjustments and write-offs above this wait for a supervisor",
        "Ajustes y castigos por encima de esto esperan a un supervisor",
    ),
    (
        "policy_key.commission_bps",
        "Commission (basis points)",
        "Comisión (puntos básicos)",
    ),
    (
        "policy_hint.commission_bps",
        "Contingency fee on collections: 2500 = 25%",
        "Comisión sobre lo cobrado: 2500 = 25 %",
    ),
    (
        "policy_key.commission_by_age",
        "Commission by age of debt",
        "Comisión según antigüedad de la deuda",
    ),
    (
        "policy_hint.commission_by_age",
        "DAYS:BPS pairs, e.g. 365:3000,730:3500",
        "Pares DÍAS:PB, p. ej. 365:3000,730:3500",
    ),
    (
        "policy_key.aging_bounds",
        "Aging buckets (days past due)",
        "Tramos de antigüedad (días de atraso)",
    ),
    (
        "policy_hint.aging_bounds",
        "Upper bounds, e.g. 30,60,90,120,150,180",
        "Límites superiores, p. ej. 30,60,90,120,150,180",
    ),
    (
        "policy_key.query_response_business_days",
        "Days to answer a debtor's query",
        "Días para responder una consulta del deudor",
    ),
    (
        "policy_hint.query_response_business_days",
        "Business days from an inbound reply to its answer, e.g. 2",
        "Días hábiles desde la respuesta recibida hasta contestarla, p. ej. 2",
    ),
];

#[cfg(test)]
mod tests {
    use crate::i18n::Words;
    use domain::party::Language;

    #[test]
    fn every_policy_key_has_a_label_and_a_hint_in_both_languages() {
        for language in [Language::En, Language::Es] {
            let t = Words::new(language);
            for (key, _) in domain::creditor::POLICY_KEYS {
                for kind in ["policy_key", "policy_hint"] {
                    assert_ne!(t.label(kind, key), *key, "{kind}.{key} in {language:?}");
                }
            }
        }
    }
}
