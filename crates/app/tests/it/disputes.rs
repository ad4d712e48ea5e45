//! Issue 14: dispute resolution is the supervisors' (`Permission::Supervise`), and
//! approving collection on a disputed account is refused by the rule the compliance
//! pipeline names.

use crate::support::{first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::Error;
use app::model::disputes::Outcome;
use app::money::{Agreed, ApprovalProblem, PlanRequest};
use domain::account::HoldKind;
use domain::money::{Amount, BasisPoints};
use domain::permission::{Permission, allows};
use domain::plan::{Frequency, Sizing};
use store::Actor;

const ANA: usize = 0;
const SUE: usize = 3;

/// A 60-month plan on A-1, beyond the creditor's policy: waiting for a supervisor.
async fn plan_waiting_for_approval(app: &app::App, agent: &store::sessions::SessionUser) -> i64 {
    let view = app
        .account(agent, "ACME", "A-1", first_day())
        .await
        .unwrap();
    let request = PlanRequest {
        frequency: Frequency::Monthly,
        sizing: Sizing::Count(60),
        first_due: jiff::civil::date(2026, 12, 5),
        down_payment: Amount::ZERO,
        down_payment_on: None,
        apr: BasisPoints::new(0).unwrap(),
        replace: false,
    };
    let (agreed, _) = app
        .agree_plan(agent, &view, view.version, &request)
        .await
        .unwrap()
        .unwrap();
    let Agreed::Pending { approval_id, .. } = agreed else {
        panic!("beyond policy: {agreed:?}");
    };
    approval_id
}

#[tokio::test]
async fn only_supervisors_resolve_disputes_and_a_disputed_plan_is_not_approved() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        // A 60-month plan on A-1 waits for a supervisor; then A-1 is disputed.
        let approval_id = plan_waiting_for_approval(&app, &users[ANA]).await;
        store
            .place_hold(
                &Actor::new("test:setup"),
                "ACME",
                "A-1",
                HoldKind::Dispute,
                "paid in full in May",
                "dispute logged",
            )
            .await
            .unwrap();

        let refused = app
            .decide_approval(&users[SUE], approval_id, true, "ok")
            .await
            .unwrap();
        let Err(ApprovalProblem::Held { hold, rules }) = refused else {
            panic!("approved on a disputed account: {refused:?}");
        };
        assert_eq!(hold, HoldKind::Dispute);
        assert!(
            rules
                .iter()
                .any(|rule| rule.rule == "us.dispute_pending"
                    && rule.citation == "12 CFR 1006.38(d)(2)"),
            "{rules:?}"
        );

        // Who may see and resolve disputes: exactly the roles that supervise.
        for user in &users {
            let listed = app.disputes(user).await;
            if allows(user.role, Permission::Supervise) {
                assert!(listed.is_ok(), "{}: {listed:?}", user.username);
            } else {
                assert!(
                    matches!(listed, Err(Error::Forbidden(Permission::Supervise))),
                    "{}",
                    user.username
                );
                let resolved = app
                    .resolve_dispute(user, "ACME", "A-1", Outcome::Withdrawn, "withdrawn")
                    .await;
                assert!(
                    matches!(resolved, Err(Error::Forbidden(Permission::Supervise))),
                    "{}",
                    user.username
                );
            }
        }
        let open = app.disputes(&users[SUE]).await.unwrap();
        assert_eq!(open.len(), 1, "nothing resolved by those who may not");
        assert_eq!(open[0].dispute.account_ref, "A-1");
        assert_eq!(open[0].days_open, 0);

        // Verified: the hold lifts, and the plan may be approved.
        app.resolve_dispute(
            &users[SUE],
            "ACME",
            "A-1",
            Outcome::Verified,
            "statement mailed",
        )
        .await
        .unwrap()
        .unwrap();
        let again = app
            .resolve_dispute(&users[SUE], "ACME", "A-1", Outcome::Verified, "again")
            .await
            .unwrap();
        assert_eq!(again, Err(app::disputes::DisputeProblem::Gone));
        app.decide_approval(&users[SUE], approval_id, true, "ok")
            .await
            .unwrap()
            .unwrap();
    }
}

/// Approving collection is refused under each hold that stops it, with the rule the
/// compliance engine names: a bankruptcy's automatic stay, a deceased debtor (no estate
/// representative on file to write to), a cease request (the arrangement's terms would
/// be a letter to the debtor); released, the plan is approved.
#[tokio::test]
async fn a_plan_is_not_approved_under_a_bankruptcy_a_death_or_a_cease_request() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let approval_id = plan_waiting_for_approval(&app, &users[ANA]).await;
        let setup = Actor::new("test:setup");
        for (hold, rule) in [
            (HoldKind::Bankruptcy, "us.bankruptcy_stay"),
            (HoldKind::Deceased, "us.deceased"),
            (HoldKind::Cease, "us.cease_communication"),
        ] {
            store
                .place_hold(&setup, "ACME", "A-1", hold, "", "notice received")
                .await
                .unwrap();
            let refused = app
                .decide_approval(&users[SUE], approval_id, true, "ok")
                .await
                .unwrap();
            let Err(ApprovalProblem::Held { hold: held, rules }) = refused else {
                panic!("approved under {hold:?}: {refused:?}");
            };
            assert_eq!(held, hold);
            assert!(rules.iter().any(|named| named.rule == rule), "{rules:?}");
            let pending = app.approvals(&users[SUE]).await.unwrap();
            let listed = pending
                .iter()
                .find(|item| item.approval.id == approval_id)
                .expect("still waiting");
            assert!(
                listed.approval.holds.iter().any(|shown| shown.kind == hold),
                "the approvals list shows the {hold:?} hold"
            );
            store
                .release_hold(&setup, "ACME", "A-1", hold, "notice withdrawn")
                .await
                .unwrap();
        }
        app.decide_approval(&users[SUE], approval_id, true, "ok")
            .await
            .unwrap()
            .unwrap();
        store.close().await;
    }
}
