//! Who may do what: one table from role to permission, and the order of authority for
//! approvals. `app` checks these before every use case; adapters never decide.

use crate::party::Role;

/// What a user may do. Every use case names the one it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See accounts of the user's creditors (every role).
    ViewAccounts,
    /// Work accounts: take from the queue, log attempts, promises, notes, callbacks,
    /// disputes, flags and contact points.
    WorkAccounts,
    /// See sensitive identity fields (SSN last 4, date of birth) unmasked.
    SeeSensitive,
    /// Team views: dashboards, reassignment, dispute and approval queues; recall.
    Supervise,
    /// Take payments and request refunds, adjustments and write-offs.
    PostMoney,
    /// The exceptions list of unmatched bank-file items.
    ReviewExceptions,
    /// Put questions to the compliance engine about consumers (the contract's check).
    AskCompliance,
    /// The portfolio overview by creditor: accounts, balances, collections, kept rates.
    Oversee,
    /// Administration: users (add, role, creditors, lock, password) and creditors' policies.
    Administer,
    /// Read the audit log and the compliance decision log, export them, verify the chain.
    ReadAudit,
    /// Edit the letter, email and text templates (a new version each save; restore).
    EditTemplates,
    /// Upload documents to accounts and attach them to disputes as evidence.
    FileDocuments,
    /// Export an account's evidence package (statement, letters, documents, contact
    /// history and compliance decisions) for a dispute or a lawsuit.
    ExportEvidence,
    /// Load, edit and activate collection strategies and scoring models, and refit the
    /// score (a new version each load; one active at a time).
    ManageStrategies,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::ViewAccounts,
        Permission::WorkAccounts,
        Permission::SeeSensitive,
        Permission::Supervise,
        Permission::PostMoney,
        Permission::ReviewExceptions,
        Permission::AskCompliance,
        Permission::Oversee,
        Permission::Administer,
        Permission::ReadAudit,
        Permission::EditTemplates,
        Permission::FileDocuments,
        Permission::ExportEvidence,
        Permission::ManageStrategies,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Permission::ViewAccounts => "view_accounts",
            Permission::WorkAccounts => "work_accounts",
            Permission::SeeSensitive => "see_sensitive",
            Permission::Supervise => "supervise",
            Permission::PostMoney => "post_money",
            Permission::ReviewExceptions => "review_exceptions",
            Permission::AskCompliance => "ask_compliance",
            Permission::Oversee => "oversee",
            Permission::Administer => "administer",
            Permission::ReadAudit => "read_audit",
            Permission::EditTemplates => "edit_templates",
            Permission::FileDocuments => "file_documents",
            Permission::ExportEvidence => "export_evidence",
            Permission::ManageStrategies => "manage_strategies",
        }
    }
}

/// The roles holding each permission: the one table.
const TABLE: &[(Permission, &[Role])] = {
    use Role::*;
    &[
        (
            Permission::ViewAccounts,
            &[Agent, Supervisor, Manager, Billing, Admin, Auditor],
        ),
        (Permission::WorkAccounts, &[Agent, Supervisor, Manager]),
        (
            Permission::SeeSensitive,
            &[Supervisor, Manager, Admin, Auditor],
        ),
        (Permission::Supervise, &[Supervisor, Manager, Admin]),
        (
            Permission::PostMoney,
            &[Agent, Supervisor, Manager, Billing],
        ),
        (
            Permission::ReviewExceptions,
            &[Supervisor, Manager, Admin, Billing],
        ),
        (
            Permission::AskCompliance,
            &[Agent, Supervisor, Manager, Billing, Admin, Auditor],
        ),
        (Permission::Oversee, &[Manager, Admin]),
        (Permission::Administer, &[Admin]),
        (Permission::ReadAudit, &[Auditor, Admin, Manager]),
        (Permission::EditTemplates, &[Manager, Admin]),
        (
            Permission::FileDocuments,
            &[Agent, Supervisor, Manager, Billing],
        ),
        (Permission::ExportEvidence, &[Supervisor, Manager, Auditor]),
        (Permission::ManageStrategies, &[Manager, Admin]),
    ]
};

/// Whether `role` holds `permission`.
pub fn allows(role: Role, permission: Permission) -> bool {
    TABLE
        .iter()
        .find(|(held, _)| *held == permission)
        .is_some_and(|(_, roles)| roles.contains(&role))
}

/// Authority order for approvals: agent (and billing, auditor) < supervisor < manager <
/// admin. A request needing role R may be decided by anyone ranked at least R.
pub fn authority_rank(role: Role) -> u8 {
    match role {
        Role::Agent | Role::Billing | Role::Auditor => 0,
        Role::Supervisor => 1,
        Role::Manager => 2,
        Role::Admin => 3,
    }
}

/// Roles whose work spans every creditor; the others see only the creditors assigned to
/// them.
pub fn sees_all_creditors(role: Role) -> bool {
    matches!(
        role,
        Role::Manager | Role::Billing | Role::Admin | Role::Auditor
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_one_row() {
        for permission in Permission::ALL {
            let rows = TABLE.iter().filter(|(held, _)| held == permission).count();
            assert_eq!(rows, 1, "{permission:?}");
        }
    }

    #[test]
    fn auditors_read_but_never_work_or_move_money() {
        assert!(allows(Role::Auditor, Permission::ViewAccounts));
        assert!(allows(Role::Auditor, Permission::SeeSensitive));
        for permission in [
            Permission::WorkAccounts,
            Permission::PostMoney,
            Permission::Supervise,
            Permission::ReviewExceptions,
            Permission::Administer,
        ] {
            assert!(!allows(Role::Auditor, permission), "{permission:?}");
        }
        assert!(allows(Role::Auditor, Permission::ReadAudit));
    }

    #[test]
    fn only_admins_administer_and_agents_read_no_audit_log() {
        for role in Role::ALL {
            assert_eq!(
                allows(*role, Permission::Administer),
                *role == Role::Admin,
                "{role:?}"
            );
        }
        for role in [Role::Agent, Role::Supervisor, Role::Billing] {
            assert!(!allows(role, Permission::ReadAudit), "{role:?}");
            assert!(!allows(role, Permission::Oversee), "{role:?}");
        }
    }
}
