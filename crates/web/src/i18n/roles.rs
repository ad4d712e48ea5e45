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
];
