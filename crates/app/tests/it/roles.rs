//! A page for every role, at the use cases: administration (users, creditors' policies)
//! only for admins; the auditor's logs filtered, exported and verified; the supervisors'
//! live board and the managers' overview. On SQLite and PostgreSQL.

use crate::support::{first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::admin::AddUserProblem;
use app::model::logs::{AuditFilter, DecisionFilter};
use domain::party::Role;

// Users by index (support::USERS).
const ANA: usize = 0;
const SAM: usize = 2;
const MAX: usize = 4;
const BEA: usize = 5;
const ADA: usize = 6;
const AUD: usize = 7;

fn forbidden<T: std::fmt::Debug>(result: Result<T, app::Error>) {
    assert!(
        matches!(result, Err(app::Error::Forbidden(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn only_admins_add_users_and_set_policies_each_refusal_names_its_field() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let acme = ["ACME".to_string()];
        let strong = "blue kettle on a hill";

        forbidden(app.admin_users(&users[MAX]).await);
        forbidden(
            app.admin_add_user(&users[SAM], "zed", Role::Agent, strong, &acme)
                .await,
        );
        forbidden(app.admin_set_policy(&users[AUD], "ACME", &[], "x").await);

        let weak = app
            .admin_add_user(&users[ADA], "zed", Role::Agent, "short", &acme)
            .await
            .unwrap();
        assert!(
            matches!(&weak, Err(AddUserProblem::Password(_))),
            "{weak:?}"
        );
        let taken = app
            .admin_add_user(&users[ADA], "ANA", Role::Agent, strong, &acme)
            .await
            .unwrap();
        assert_eq!(taken.unwrap_err().field(), "username");
        let unknown = app
            .admin_add_user(&users[ADA], "zed", Role::Agent, strong, &["NOPE".into()])
            .await
            .unwrap();
        assert_eq!(unknown.unwrap_err().field(), "creditors");
        let added = app
            .admin_add_user(&users[ADA], "zed", Role::Agent, strong, &acme)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(added.role, Role::Agent);
        let listed = app.admin_users(&users[ADA]).await.unwrap();
        let zed = listed
            .iter()
            .find(|each| each.user.username == "zed")
            .unwrap();
        assert_eq!(zed.creditors, ["ACME"]);
        assert!(store.authenticate("zed", strong).await.unwrap().is_some());

        // A bad value is refused naming its key, and nothing changes.
        let before = app.admin_creditor(&users[ADA], "ACME").await.unwrap();
        let refused = app
            .admin_set_policy(
                &users[ADA],
                "ACME",
                &[("plan_max_term_months".into(), "many".into())],
                "longer plans",
            )
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused[0].key, "plan_max_term_months");
        assert_eq!(
            app.admin_creditor(&users[ADA], "ACME").await.unwrap(),
            before
        );
        let no_reason = app
            .admin_set_policy(
                &users[ADA],
                "ACME",
                &[("plan_max_term_months".into(), "24".into())],
                " ",
            )
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(no_reason[0].key, "reason");
        let saved = app
            .admin_set_policy(
                &users[ADA],
                "ACME",
                &[("plan_max_term_months".into(), "24".into())],
                "longer plans",
            )
            .await
            .unwrap()
            .unwrap();
        assert_ne!(saved.policy, before.policy);
        let filter = AuditFilter {
            action: Some("creditor.update".into()),
            actor: Some("ada".into()),
            ..AuditFilter::default()
        };
        let events = app.audit_events(&users[AUD], &filter, 0).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].actor.as_str(), events[0].reason.as_str()),
            ("ada", "longer plans")
        );
        assert!(
            app.verify_audit_chain(&users[AUD])
                .await
                .unwrap()
                .broken
                .is_none()
        );
    }
}

#[tokio::test]
async fn auditors_filter_export_and_verify_the_logs_agents_may_not() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        // The agent takes an account: a decision is logged and the lock shows on the board.
        let taken = app
            .next_account(&users[ANA])
            .await
            .unwrap()
            .expect("an account");
        let view = app
            .account(
                &users[ANA],
                &taken.creditor,
                &taken.account_ref,
                first_day(),
            )
            .await
            .unwrap();
        let call = app::workspace::AttemptInput {
            action: compliance::facts::Action::Call,
            contact: view
                .contact_points
                .iter()
                .find(|point| point.kind.starts_with("phone"))
                .map(|point| point.value.clone()),
            disposition: domain::contact::Disposition::NoAnswer,
            note: None,
            version: view.version,
        };
        let logged = app.log_attempt(&users[ANA], &view, &call).await.unwrap();
        assert!(
            matches!(logged, app::workspace::Attempted::Logged(_)),
            "{logged:?}"
        );

        forbidden(
            app.audit_events(&users[ANA], &AuditFilter::default(), 0)
                .await,
        );
        forbidden(
            app.decision_log(&users[BEA], &DecisionFilter::default(), 0)
                .await,
        );
        forbidden(app.audit_csv(&users[SAM], &AuditFilter::default()).await);
        forbidden(app.verify_audit_chain(&users[ANA]).await);

        let everything = app
            .audit_events(&users[AUD], &AuditFilter::default(), 0)
            .await
            .unwrap();
        assert!(everything.len() > 2);
        assert!(
            everything.windows(2).all(|pair| pair[0].seq > pair[1].seq),
            "newest first"
        );
        let users_only = AuditFilter {
            entity: Some("user".into()),
            ..AuditFilter::default()
        };
        let rows = app.audit_events(&users[AUD], &users_only, 0).await.unwrap();
        assert!(!rows.is_empty() && rows.iter().all(|row| row.entity == "user"));
        let csv = app.audit_csv(&users[MAX], &users_only).await.unwrap();
        assert_eq!(csv.lines().count(), rows.len() + 1, "{csv}");
        assert!(csv.starts_with("seq,recorded_at,actor,action,entity"));
        let later = AuditFilter {
            from: Some(
                instant_on(first_day())
                    .checked_add(jiff::Span::new().hours(1))
                    .unwrap(),
            ),
            ..AuditFilter::default()
        };
        assert!(
            app.audit_events(&users[AUD], &later, 0)
                .await
                .unwrap()
                .is_empty()
        );

        let decisions = app
            .decision_log(&users[AUD], &DecisionFilter::default(), 0)
            .await
            .unwrap();
        assert!(!decisions.is_empty());
        let mine = DecisionFilter {
            account_ref: Some(taken.account_ref.clone()),
            channel: Some("call".into()),
            ..DecisionFilter::default()
        };
        let rows = app.decision_log(&users[AUD], &mine, 0).await.unwrap();
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|row| row.account_ref == taken.account_ref));
        let denied = DecisionFilter {
            allowed: Some(false),
            ..mine.clone()
        };
        assert!(
            app.decision_log(&users[AUD], &denied, 0)
                .await
                .unwrap()
                .is_empty(),
            "the account handed out was allowed"
        );
        let by_rule = DecisionFilter {
            rule: Some("us.no_such_rule".into()),
            ..DecisionFilter::default()
        };
        assert!(
            app.decision_log(&users[AUD], &by_rule, 0)
                .await
                .unwrap()
                .is_empty()
        );
        let csv = app.decisions_csv(&users[AUD], &mine).await.unwrap();
        assert_eq!(csv.lines().count(), rows.len() + 1, "{csv}");
        assert!(csv.contains(&format!(",{},", taken.account_ref)), "{csv}");
        assert!(
            app.verify_audit_chain(&users[AUD])
                .await
                .unwrap()
                .broken
                .is_none()
        );

        // The supervisor's board shows who holds what; the manager's overview each creditor.
        let from = instant_on(first_day())
            .checked_sub(jiff::Span::new().hours(12))
            .unwrap();
        let until = from.checked_add(jiff::Span::new().hours(24)).unwrap();
        forbidden(app.team_now(&users[ANA], from, until).await);
        let board = app.team_now(&users[SAM], from, until).await.unwrap();
        let ana = board.iter().find(|row| row.username == "ana").unwrap();
        assert_eq!(
            ana.current,
            Some((taken.creditor.clone(), taken.account_ref.clone()))
        );
        assert!(
            board
                .iter()
                .filter(|row| row.username != "ana")
                .all(|row| row.current.is_none())
        );
        forbidden(app.overview(&users[SAM]).await);
        let overview = app.overview(&users[MAX]).await.unwrap();
        let codes: Vec<&str> = overview.iter().map(|row| row.code.as_str()).collect();
        assert_eq!(codes, ["ACME", "BETA"]);
        assert_eq!(overview[0].accounts, 4);
        assert_eq!(
            overview[0].balance_minor,
            1200_00 + 450_00 + 120_00 + 2400_00
        );
    }
}

#[tokio::test]
async fn admins_change_roles_lock_users_and_reset_passwords_and_the_seals_hold() {
    use app::admin::ChangeProblem;
    use store::user_admin::UserChange;
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let promote = UserChange::Role(Role::Supervisor);
        forbidden(
            app.admin_change_user(&users[MAX], "ana", &promote, "x")
                .await,
        );

        app.admin_change_user(&users[ADA], "ana", &promote, "team lead")
            .await
            .unwrap()
            .unwrap();
        let ana = store.session_user(users[ANA].id).await.unwrap();
        assert_eq!(ana.role, Role::Supervisor);

        let lock = UserChange::Disabled(true);
        assert_eq!(
            app.admin_change_user(&users[ADA], "ada", &lock, "oops")
                .await
                .unwrap(),
            Err(ChangeProblem::Yourself)
        );
        app.admin_change_user(&users[ADA], "ana", &lock, "left the company")
            .await
            .unwrap()
            .unwrap();
        let listed = app.admin_users(&users[ADA]).await.unwrap();
        assert!(
            listed
                .iter()
                .find(|each| each.user.username == "ana")
                .unwrap()
                .user
                .disabled
        );
        app.admin_change_user(&users[ADA], "ana", &UserChange::Disabled(false), "back")
            .await
            .unwrap()
            .unwrap();

        let weak = UserChange::Password("short".into());
        let refused = app
            .admin_change_user(&users[ADA], "ana", &weak, "forgot")
            .await
            .unwrap();
        assert_eq!(refused.unwrap_err().field(), "password");
        let fresh = UserChange::Password("violet ferry at dawn".into());
        app.admin_change_user(&users[ADA], "ana", &fresh, "forgot")
            .await
            .unwrap()
            .unwrap();
        assert!(
            store
                .authenticate("ana", "violet ferry at dawn")
                .await
                .unwrap()
                .is_some()
        );

        assert_eq!(
            app.admin_set_creditors(&users[ADA], "ana", &["NOPE".into()])
                .await
                .unwrap(),
            Err(ChangeProblem::Creditors("no creditor NOPE".into()))
        );
        app.admin_set_creditors(&users[ADA], "ana", &["BETA".into()])
            .await
            .unwrap()
            .unwrap();
        let ana = store.session_user(users[ANA].id).await.unwrap();
        assert_eq!(ana.creditor_ids.map(|ids| ids.len()), Some(1));

        // Every change is audited, none shows a password hash, and the seals verify.
        let filter = AuditFilter {
            actor: Some("ada".into()),
            action: Some("user.".into()),
            ..AuditFilter::default()
        };
        let csv = app.audit_csv(&users[AUD], &filter).await.unwrap();
        assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
        assert!(!csv.contains("argon2"), "{csv}");
        assert!(
            app.verify_audit_chain(&users[AUD])
                .await
                .unwrap()
                .broken
                .is_none()
        );
    }
}
