//! Money in, end to end in the store on both engines: payments and their returns,
//! settlements completed and broken, a plan broken by misses, a refund of an
//! overpayment. After each step the ledger balances to the cent, the audit chain
//! verifies, and the audit log names who did what.

use crate::support::*;
use domain::account::HoldKind;
use domain::ledger::Buckets;
use domain::money::Amount;
use domain::money::BasisPoints;
use domain::party::Role;
use domain::payment::{IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original, Source};
use domain::plan::{Frequency, PlanTerms, Sizing};
use domain::settlement::SettlementPayment;
use jiff::civil::{Date, date};
use store::arrangements::{
    ApprovalRefused, MoneyChange, NewArrangement, OpenArrangement, Replace, StopRule,
};
use store::money::{Outcome, Posting};
use store::sessions::SessionUser;
use store::workspace::Seen;
use store::{Clock, Store};

const PASSWORD: &str = "correct horse battery";
// Each debtor has a phone: the call queue hands out only debtors it can call.
const PLACEMENTS: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,phone_mobile\n\
ACME,S-1,D1,Ann,Lee,1000.00,USD,2026-03-01,(617) 555-0141\n\
ACME,S-2,D2,Bob,Ray,1000.00,USD,2026-03-01,(617) 555-0142\n\
ACME,P-1,D3,Cy,Dee,1000.00,USD,2026-03-01,(617) 555-0143\n\
ACME,R-1,D4,Di,Eck,100.00,USD,2026-03-01,(617) 555-0144\n\
ACME,M-OLD,D5,Ed,Fox,300.00,USD,2025-01-01,(617) 555-0145\n\
ACME,M-NEW,D5,Ed,Fox,200.00,USD,2026-01-01,(617) 555-0145\n";

async fn setup(db: &TestDb) -> Store {
    let store = db.open().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("placements.csv");
    std::fs::write(&path, PLACEMENTS).unwrap();
    try_import(&store, &path).await.unwrap();
    store
        .set_creditor(
            &actor(),
            "ACME",
            None,
            &[
                ("returned_payment_fee".into(), "25.00".into()),
                ("grace_days".into(), "5".into()),
                ("plan_misses_to_break".into(), "2".into()),
                ("agent_max_discount_bps".into(), "4000".into()),
            ],
            "test policy",
        )
        .await
        .unwrap();
    for (name, role) in [("ana", Role::Agent), ("sam", Role::Supervisor)] {
        store
            .add_user(&actor(), name, role, PASSWORD)
            .await
            .unwrap();
        store
            .assign_creditors(&actor(), name, &["ACME".to_string()])
            .await
            .unwrap();
    }
    store
}

async fn user(store: &Store, name: &str) -> SessionUser {
    let user = store.authenticate(name, PASSWORD).await.unwrap().unwrap();
    store.session_user(user.id).await.unwrap()
}

/// The same database seen on another day.
async fn on_day(db: &TestDb, day: Date) -> Store {
    let instant = jiff::tz::TimeZone::UTC
        .to_timestamp(day.at(15, 0, 0, 0))
        .unwrap();
    Store::open(&db.url, db.key.clone(), Clock::Fixed(instant))
        .await
        .unwrap()
}

fn payment(account: &str, reference: &str, on: Date, minor: i64) -> Item {
    Item {
        line: 1,
        kind: ItemKind::Payment(IncomingPayment {
            creditor: Some("ACME".into()),
            account_ref: account.into(),
            fallback_ref: None,
            payment_ref: reference.into(),
            paid_on: on,
            amount: Amount::from_minor(minor),
            method: Method::Ach,
            trace: None,
        }),
    }
}

fn nsf(reference: &str, on: Date, minor: i64) -> Item {
    Item {
        line: 1,
        kind: ItemKind::Return(IncomingReturn {
            creditor: Some("ACME".into()),
            original: Original::PaymentRef(reference.into()),
            return_ref: format!("{reference}-R"),
            returned_on: on,
            amount: Amount::from_minor(minor),
            return_code: Some("R01".into()),
        }),
    }
}

async fn post(store: &Store, items: &[Item]) -> Vec<Outcome> {
    let posting = Posting {
        source: Source::Csv,
        file_name: "test.csv",
        sha256: "",
        user_id: None,
        reason: "test file",
        dry_run: false,
    };
    store
        .post_payments(&actor(), &posting, items)
        .await
        .unwrap()
        .outcomes
}

async fn version(store: &Store, account: &str) -> i64 {
    store
        .account_view("ACME", account, today())
        .await
        .unwrap()
        .unwrap()
        .version
}

/// Balance and status, after checking the ledger sums to the balance and the chain.
async fn state(store: &Store, account: &str) -> (i64, String) {
    let view = store
        .account_view("ACME", account, today())
        .await
        .unwrap()
        .unwrap();
    let summed: i64 = view
        .entries
        .iter()
        .map(|entry| entry.amounts.total().unwrap().minor())
        .sum();
    assert_eq!(
        summed,
        view.balance().minor(),
        "the ledger balances to the cent"
    );
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.broken, None);
    (view.balance().minor(), view.status.code().to_string())
}

async fn log_of(store: &Store, account: &str) -> Vec<(String, String)> {
    store
        .audit_log(Some(&format!("ACME/{account}")), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|event| (event.actor, event.action))
        .collect()
}

/// The account's audit log names `who` doing `action`.
fn assert_logged(log: &[(String, String)], who: &str, action: &str) {
    assert!(
        log.iter()
            .any(|(actor, done)| actor == who && done == action),
        "{who} {action} not in {log:?}"
    );
}

async fn arrange(
    store: &Store,
    user: &SessionUser,
    account: &str,
    new: NewArrangement,
) -> store::arrangements::Arranged {
    let version = version(store, account).await;
    let seen = Seen {
        creditor: "ACME",
        account_ref: account,
        version,
    };
    // Replacing: these tests are about what a plan or settlement does once made (the
    // one-open rule has its own tests, which offer without replacing).
    store
        .create_arrangement(user, seen, &new, Replace(true))
        .await
        .unwrap()
        .unwrap()
}

fn settlement(payments: &[(Date, i64)]) -> NewArrangement {
    NewArrangement::Settlement(
        payments
            .iter()
            .map(|(due_on, minor)| SettlementPayment {
                due_on: *due_on,
                amount: Amount::from_minor(*minor),
            })
            .collect(),
    )
}

/// A monthly plan without interest or down payment.
fn monthly_plan(balance_minor: i64, installments: u32, first_due: Date) -> NewArrangement {
    NewArrangement::Plan(PlanTerms {
        balance: Amount::from_minor(balance_minor),
        down_payment: Amount::ZERO,
        down_payment_on: None,
        apr: BasisPoints::new(0).unwrap(),
        frequency: Frequency::Monthly,
        first_due,
        sizing: Sizing::Count(installments),
    })
}

async fn status_of(store: &Store, account_id: i64) -> Vec<String> {
    store
        .arrangements(account_id)
        .await
        .unwrap()
        .into_iter()
        .map(|arrangement| arrangement.status)
        .collect()
}

async fn account_id(store: &Store, account: &str) -> i64 {
    store
        .account_view("ACME", account, today())
        .await
        .unwrap()
        .unwrap()
        .account_id
}

#[tokio::test]
async fn a_settlement_paid_writes_the_rest_down_and_its_returned_payment_reverts_it() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "S-1").await;
        let arranged = arrange(
            &store,
            &ana,
            "S-1",
            settlement(&[(date(2026, 11, 30), 600_00)]),
        )
        .await;
        assert_eq!(
            arranged.approval, None,
            "40% off is within the agent's limit here"
        );
        assert_eq!(status_of(&store, id).await, ["active"]);
        post(
            &store,
            &[payment("S-1", "PAY-1", date(2026, 11, 23), 600_00)],
        )
        .await;
        assert_eq!(status_of(&store, id).await, ["completed"]);
        assert_eq!(state(&store, "S-1").await, (0, "settled".into()));
        let view = store
            .account_view("ACME", "S-1", today())
            .await
            .unwrap()
            .unwrap();
        let discount: Vec<i64> = view
            .entries
            .iter()
            .filter(|entry| entry.reason.code() == "settlement_discount")
            .map(|entry| entry.amounts.total().unwrap().minor())
            .collect();
        assert_eq!(discount, [-400_00]);

        // The payment comes back NSF: the settlement reopens with its discount reversed,
        // so the full debt plus the returned-payment fee is owed again; unpaid past its
        // date and grace, it breaks.
        post(&store, &[nsf("PAY-1", date(2026, 11, 23), 600_00)]).await;
        assert_eq!(status_of(&store, id).await, ["active"]);
        assert_eq!(state(&store, "S-1").await, (1025_00, "active".into()));
        let later = on_day(&db, date(2026, 12, 6)).await;
        later.review_arrangements(&actor()).await.unwrap();
        assert_eq!(status_of(&later, id).await, ["broken"]);
        assert_eq!(state(&later, "S-1").await, (1025_00, "active".into()));
        let log = log_of(&store, "S-1").await;
        assert_logged(&log, "ana", "settlement.create");
        assert_logged(&log, "test:clerk", "settlement.completed");
        assert_logged(&log, "test:clerk", "settlement.reopened");
    }
}

#[tokio::test]
async fn a_settlement_whose_payment_is_missed_breaks_after_the_grace_days() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "S-2").await;
        arrange(
            &store,
            &ana,
            "S-2",
            settlement(&[(date(2026, 12, 1), 300_00), (date(2027, 1, 1), 300_00)]),
        )
        .await;
        post(
            &store,
            &[payment("S-2", "PAY-2", date(2026, 11, 25), 300_00)],
        )
        .await;
        // The second payment is due on January 1st; with 5 grace days it is missed on
        // the 7th, not before.
        let sixth = on_day(&db, date(2027, 1, 6)).await;
        sixth.review_arrangements(&actor()).await.unwrap();
        assert_eq!(status_of(&sixth, id).await, ["active"]);
        let seventh = on_day(&db, date(2027, 1, 7)).await;
        assert_eq!(seventh.review_arrangements(&actor()).await.unwrap(), 1);
        assert_eq!(status_of(&seventh, id).await, ["broken"]);
        assert_eq!(state(&seventh, "S-2").await, (700_00, "active".into()));
    }
}

#[tokio::test]
async fn a_plan_breaks_after_the_configured_number_of_misses() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "P-1").await;
        // 4 × 250.00 on the first of December, January, February and March.
        arrange(
            &store,
            &ana,
            "P-1",
            monthly_plan(1000_00, 4, date(2026, 12, 1)),
        )
        .await;
        post(
            &store,
            &[payment("P-1", "PLAN-1", date(2026, 12, 1), 250_00)],
        )
        .await;
        let one_miss = on_day(&db, date(2027, 1, 10)).await;
        one_miss.review_arrangements(&actor()).await.unwrap();
        let plan = &one_miss.arrangements(id).await.unwrap()[0];
        assert_eq!(plan.status, "active", "one miss of two allowed");
        assert_eq!(plan.misses, 1);
        let states: Vec<&str> = plan.dues.iter().map(|due| due.state.code()).collect();
        assert_eq!(states, ["paid", "missed", "pending", "pending"]);
        let two_misses = on_day(&db, date(2027, 2, 10)).await;
        two_misses.review_arrangements(&actor()).await.unwrap();
        assert_eq!(status_of(&two_misses, id).await, ["broken"]);
        assert_eq!(state(&two_misses, "P-1").await, (750_00, "active".into()));

        // An amended plan supersedes the old one, which keeps its history. Five years of
        // 12.50 is over the creditor's longest term and under its smallest installment:
        // the store sends it to a supervisor.
        let amended = arrange(
            &two_misses,
            &ana,
            "P-1",
            monthly_plan(750_00, 60, date(2027, 3, 1)),
        )
        .await;
        let (second, approval) = (amended.id, amended.approval.as_ref().map(|(id, _, _)| *id));
        let (_, role, why) = amended.approval.clone().expect("outside policy");
        assert_eq!(role, Role::Supervisor);
        assert!(why.contains("36"), "{why}");
        assert_eq!(
            status_of(&two_misses, id).await,
            ["broken", "pending_approval"]
        );
        let sam = user(&two_misses, "sam").await;
        let refused = two_misses
            .decide_approval(&ana, approval.unwrap(), true, "", &[])
            .await;
        assert!(refused.is_err(), "an agent cannot approve");
        two_misses
            .decide_approval(&sam, approval.unwrap(), true, "ok", &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status_of(&two_misses, id).await, ["broken", "active"]);
        assert!(second > 0);
        let log = log_of(&two_misses, "P-1").await;
        assert_logged(&log, "sam", "approval.approved");
        assert_logged(&log, "test:clerk", "plan.broken");
    }
}

#[tokio::test]
async fn an_overpayment_leaves_a_credit_that_a_supervisor_approves_refunding() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let sam = user(&store, "sam").await;
        post(
            &store,
            &[payment("R-1", "OVER-1", date(2026, 11, 23), 150_00)],
        )
        .await;
        assert_eq!(state(&store, "R-1").await, (-50_00, "paid".into()));
        let seen = Seen {
            creditor: "ACME",
            account_ref: "R-1",
            version: version(&store, "R-1").await,
        };
        let approval = store
            .request_money_change(
                &ana,
                seen,
                MoneyChange::Refund,
                Buckets::ZERO,
                "overpayment",
                "debtor paid twice",
            )
            .await
            .unwrap()
            .expect("an agent's refund waits for approval");
        assert_eq!(
            state(&store, "R-1").await.0,
            -50_00,
            "nothing posted before approval"
        );
        let pending = store.approvals(&sam).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (pending[0].kind.as_str(), pending[0].amount.minor()),
            ("refund", 50_00)
        );
        store
            .decide_approval(&sam, approval, true, "checked the bank statement", &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state(&store, "R-1").await.0, 0);
        assert!(store.approvals(&sam).await.unwrap().is_empty());
        let log = log_of(&store, "R-1").await;
        assert_logged(&log, "ana", "refund.request");
        assert_logged(&log, "sam", "approval.approved");
    }
}

#[tokio::test]
async fn a_payment_pays_the_named_account_then_the_debtors_oldest_and_reverses_exactly() {
    for db in engines().await {
        let store = setup(&db).await;
        let outcomes = post(
            &store,
            &[payment("M-NEW", "MULTI-1", date(2026, 11, 23), 350_00)],
        )
        .await;
        let Outcome::Posted { shares, .. } = &outcomes[0] else {
            panic!("{outcomes:?}")
        };
        assert_eq!(
            shares,
            &[
                ("M-OLD".to_string(), Amount::from_minor(150_00)),
                ("M-NEW".to_string(), Amount::from_minor(200_00))
            ]
        );
        assert_eq!(state(&store, "M-NEW").await, (0, "paid".into()));
        assert_eq!(state(&store, "M-OLD").await, (150_00, "active".into()));
        // Posting it again changes nothing; a different amount under the same
        // reference is set aside for a person.
        let again = post(
            &store,
            &[payment("M-NEW", "MULTI-1", date(2026, 11, 23), 350_00)],
        )
        .await;
        assert!(
            matches!(again[0], Outcome::AlreadyPosted { .. }),
            "{again:?}"
        );
        let clash = post(
            &store,
            &[payment("M-NEW", "MULTI-1", date(2026, 11, 23), 1_00)],
        )
        .await;
        assert!(matches!(clash[0], Outcome::Exception { .. }), "{clash:?}");
        post(&store, &[nsf("MULTI-1", date(2026, 11, 24), 350_00)]).await;
        assert_eq!(
            state(&store, "M-NEW").await,
            (225_00, "active".into()),
            "reversed, plus the NSF fee"
        );
        assert_eq!(state(&store, "M-OLD").await, (300_00, "active".into()));
    }
}

#[tokio::test]
async fn a_promise_kept_by_its_payment_and_a_broken_one_back_in_the_queue() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let promise = |account: &'static str| {
            let store = &store;
            let ana = &ana;
            async move {
                let seen = Seen {
                    creditor: "ACME",
                    account_ref: account,
                    version: version(store, account).await,
                };
                store
                    .record_promise(
                        ana,
                        seen,
                        today(),
                        &[(date(2026, 11, 25), Amount::from_minor(100_00))],
                    )
                    .await
                    .unwrap()
            }
        };
        promise("S-1").await;
        promise("S-2").await;
        let in_queue = |store: Store| {
            let ana = ana.clone();
            async move {
                store
                    .queue_candidates(&ana, store.now(), 50)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|candidate| candidate.account_ref)
                    .collect::<Vec<String>>()
            }
        };
        let queue = in_queue(store.clone()).await;
        assert!(
            !queue.contains(&"S-1".to_string()) && !queue.contains(&"S-2".to_string()),
            "{queue:?}"
        );
        post(
            &store,
            &[payment("S-1", "PROMISED", date(2026, 11, 23), 100_00)],
        )
        .await;
        let statuses = |store: Store, account: &'static str| async move {
            let id = account_id(&store, account).await;
            store
                .promises(id)
                .await
                .unwrap()
                .into_iter()
                .map(|promise| promise.status)
                .collect::<Vec<String>>()
        };
        assert_eq!(statuses(store.clone(), "S-1").await, ["kept"]);
        assert_eq!(statuses(store.clone(), "S-2").await, ["open"]);
        // Five grace days after the 25th, S-2's promise is broken and S-2 is worked again.
        let later = on_day(&db, date(2026, 12, 1)).await;
        later.review_arrangements(&actor()).await.unwrap();
        assert_eq!(statuses(later.clone(), "S-2").await, ["broken"]);
        let queue = in_queue(later.clone()).await;
        assert!(queue.contains(&"S-2".to_string()), "{queue:?}");
        let log = log_of(&later, "S-2").await;
        assert_logged(&log, "test:clerk", "promise.broken");
    }
}

async fn promise_statuses(store: &Store, account_id: i64) -> Vec<String> {
    store
        .promises(account_id)
        .await
        .unwrap()
        .into_iter()
        .map(|promise| promise.status)
        .collect()
}

/// A kept promise whose payment comes back is open again, and broken once its date and
/// grace have passed; broken is final, whatever comes in later.
#[tokio::test]
async fn a_kept_promise_reopens_when_its_payment_returns_then_breaks_for_good() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "S-1").await;
        store
            .record_promise(
                &ana,
                seen_of("S-1", version(&store, "S-1").await),
                today(),
                &[(date(2026, 11, 25), Amount::from_minor(100_00))],
            )
            .await
            .unwrap();
        assert_eq!(promise_statuses(&store, id).await, ["open"]);
        post(
            &store,
            &[payment("S-1", "PROMISED", date(2026, 11, 23), 100_00)],
        )
        .await;
        assert_eq!(promise_statuses(&store, id).await, ["kept"]);
        post(&store, &[nsf("PROMISED", date(2026, 11, 23), 100_00)]).await;
        assert_eq!(promise_statuses(&store, id).await, ["open"]);
        let later = on_day(&db, date(2026, 12, 1)).await;
        assert_eq!(later.review_arrangements(&actor()).await.unwrap(), 1);
        assert_eq!(promise_statuses(&later, id).await, ["broken"]);
        post(&later, &[payment("S-1", "LATE", date(2026, 12, 1), 100_00)]).await;
        assert_eq!(promise_statuses(&later, id).await, ["broken"]);
        let log = log_of(&later, "S-1").await;
        for action in ["promise.kept", "promise.open", "promise.broken"] {
            assert!(
                log.contains(&("test:clerk".into(), action.into())),
                "{action}: {log:?}"
            );
        }
        assert_eq!(later.verify_audit().await.unwrap().broken, None);
    }
}

/// A stored status or kind the domain does not know is corrupt data: the store decides
/// nothing on it and writes nothing.
#[tokio::test]
async fn an_unknown_stored_status_or_kind_is_corrupt() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let sam = user(&store, "sam").await;
        let settled = arrange(
            &store,
            &ana,
            "S-2",
            settlement(&[(date(2026, 12, 1), 600_00)]),
        )
        .await;
        execute(
            &store,
            &format!(
                "UPDATE arrangements SET kind = 'promise' WHERE id = {}",
                settled.id
            ),
        )
        .await;
        let reviewed = store.review_arrangements(&actor()).await;
        assert!(
            matches!(&reviewed, Err(store::StoreError::Corrupt(message)) if message.contains("kind")),
            "{reviewed:?}"
        );
        execute(
            &store,
            &format!(
                "UPDATE arrangements SET kind = 'settlement' WHERE id = {}",
                settled.id
            ),
        )
        .await;
        assert_eq!(store.review_arrangements(&actor()).await.unwrap(), 0);

        let p1 = account_id(&store, "P-1").await;
        let waiting = arrange(
            &store,
            &ana,
            "P-1",
            monthly_plan(1000_00, 60, date(2026, 12, 1)),
        )
        .await;
        let (approval, _, _) = waiting.approval.expect("60 months is over policy");
        execute(
            &store,
            &format!(
                "UPDATE arrangements SET status = 'waiting' WHERE id = {}",
                waiting.id
            ),
        )
        .await;
        let decided = store.decide_approval(&sam, approval, true, "ok", &[]).await;
        assert!(
            matches!(&decided, Err(store::StoreError::Corrupt(message)) if message.contains("waiting")),
            "{decided:?}"
        );
        assert_eq!(status_of(&store, p1).await, ["waiting"]);
        execute(
            &store,
            &format!(
                "UPDATE arrangements SET status = 'pending_approval' WHERE id = {}",
                waiting.id
            ),
        )
        .await;
        store
            .decide_approval(&sam, approval, true, "ok", &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status_of(&store, p1).await, ["active"]);
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn an_unmatched_item_is_matched_by_hand_or_dismissed_and_stays_resolved() {
    for db in engines().await {
        let store = setup(&db).await;
        let sam = user(&store, "sam").await;
        let mut lockbox = payment("ACME-77", "LBX-11", date(2026, 11, 20), 12_00);
        if let ItemKind::Payment(payment) = &mut lockbox.kind {
            // A bank item that names no creditor: the agency's, not ACME's.
            payment.creditor = None;
        }
        let typo = [
            payment("S-1X", "LBX-9", date(2026, 11, 20), 80_00),
            payment("NOBODY", "LBX-10", date(2026, 11, 20), 5_00),
            lockbox,
        ];
        post(&store, &typo).await;
        // Sam sees ACME's items only; billing sees every item, the agency's too.
        let open = store.open_exceptions(&sam).await.unwrap();
        assert_eq!(open.len(), 2, "{open:?}");
        assert!(
            open.iter()
                .all(|item| item.creditor.as_deref() == Some("ACME"))
        );
        store
            .add_user(&actor(), "bea", Role::Billing, PASSWORD)
            .await
            .unwrap();
        let bea = user(&store, "bea").await;
        let all = store.open_exceptions(&bea).await.unwrap();
        assert_eq!(all.len(), 3, "{all:?}");
        let agency = all.iter().find(|item| item.creditor.is_none()).unwrap();
        assert!(matches!(
            store.dismiss_exception(&sam, agency.id, "not ours").await,
            Err(store::StoreError::NotFound(_))
        ));
        assert!(matches!(
            store
                .match_exception(&sam, agency.id, "ACME", "S-1", "guess")
                .await,
            Err(store::StoreError::NotFound(_))
        ));
        store
            .dismiss_exception(&bea, agency.id, "deposit for another client's lockbox")
            .await
            .unwrap();
        let outcome = store
            .match_exception(
                &sam,
                open[0].id,
                "ACME",
                "S-1",
                "typo in the lockbox reference",
            )
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Posted { .. }), "{outcome:?}");
        assert_eq!(state(&store, "S-1").await, (920_00, "active".into()));
        let again = store
            .match_exception(&sam, open[0].id, "ACME", "S-1", "twice")
            .await;
        assert!(
            matches!(again, Err(store::StoreError::Conflict(_))),
            "{again:?}"
        );
        assert!(
            store.dismiss_exception(&sam, open[1].id, "").await.is_err(),
            "a reason is required"
        );
        store
            .dismiss_exception(&sam, open[1].id, "not one of our lockboxes")
            .await
            .unwrap();
        assert!(store.open_exceptions(&sam).await.unwrap().is_empty());
        // The same file again: nothing new on the list, nothing posted twice.
        post(&store, &typo).await;
        assert!(store.open_exceptions(&sam).await.unwrap().is_empty());
        assert_eq!(state(&store, "S-1").await.0, 920_00);
        let log = store.audit_log(None, 50).await.unwrap();
        assert!(
            log.iter()
                .any(|event| event.actor == "sam" && event.action == "payments.post")
        );
        assert!(
            log.iter()
                .any(|event| event.actor == "sam" && event.action == "exception.dismiss")
        );
    }
}

fn seen_of<'a>(account: &'a str, version: i64) -> Seen<'a> {
    Seen {
        creditor: "ACME",
        account_ref: account,
        version,
    }
}

/// Regression: a recall cancelled a plan waiting for approval but left the approval
/// pending, and approving it then made the plan active on a recalled account.
#[tokio::test]
async fn a_recall_cancels_the_approvals_of_what_it_cancels() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let sam = user(&store, "sam").await;
        let id = account_id(&store, "P-1").await;
        let waiting = arrange(
            &store,
            &ana,
            "P-1",
            monthly_plan(1000_00, 60, date(2026, 12, 1)),
        )
        .await;
        let (approval, _, _) = waiting.approval.expect("60 months is over policy");
        assert_eq!(store.approvals(&sam).await.unwrap().len(), 1);
        store
            .recall(
                &sam,
                seen_of("P-1", version(&store, "P-1").await),
                "creditor recalled",
            )
            .await
            .unwrap();
        assert_eq!(status_of(&store, id).await, ["cancelled"]);
        assert!(
            store.approvals(&sam).await.unwrap().is_empty(),
            "the approval went with its plan"
        );
        let approved = store.decide_approval(&sam, approval, true, "ok", &[]).await;
        assert!(
            matches!(approved, Err(store::StoreError::Conflict(_))),
            "{approved:?}"
        );
        assert_eq!(status_of(&store, id).await, ["cancelled"]);
        assert_eq!(state(&store, "P-1").await, (0, "recalled".into()));
        // Nor can a new plan start on a recalled account.
        let refused = store
            .create_arrangement(
                &ana,
                seen_of("P-1", version(&store, "P-1").await),
                &monthly_plan(1000_00, 4, date(2026, 12, 1)),
                Replace(false),
            )
            .await;
        assert!(
            matches!(&refused, Err(store::StoreError::Invalid(message)) if message.contains("recalled")),
            "{refused:?}"
        );
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

/// Regression: recalling a closed account succeeded (five raw status updates bypassed
/// the lifecycle); every status change now goes through one function that refuses what
/// `Status::can_become` does not allow, inside the writing transaction.
#[tokio::test]
async fn the_lifecycle_is_enforced_where_the_status_is_written() {
    for db in engines().await {
        let store = setup(&db).await;
        let sam = user(&store, "sam").await;
        store
            .change_status(
                &actor(),
                "ACME",
                "S-2",
                domain::account::Status::Closed,
                "settled outside",
            )
            .await
            .unwrap();
        let recalled = store
            .recall(&sam, seen_of("S-2", version(&store, "S-2").await), "recall")
            .await;
        assert!(
            matches!(&recalled, Err(store::StoreError::Invalid(message)) if message.contains("closed")),
            "{recalled:?}"
        );
        assert_eq!(state(&store, "S-2").await, (1000_00, "closed".into()));
        // What the lifecycle allows still goes: a recalled debt placed again.
        store
            .recall(&sam, seen_of("S-1", version(&store, "S-1").await), "recall")
            .await
            .unwrap();
        let reopened = store
            .change_status(
                &actor(),
                "ACME",
                "S-1",
                domain::account::Status::Active,
                "placed again",
            )
            .await;
        assert!(reopened.is_ok(), "a recalled debt may be placed again");
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

/// Authority is decided by the store on the balance it reads, not by the caller: an
/// agent's deep discount waits for the role that may grant it, and a plan quoted on a
/// balance that has changed since is refused.
#[tokio::test]
async fn authority_is_decided_on_the_balance_read_in_the_transaction() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        // 300.00 of 1,000.00 is 70% off: beyond a manager's 60% too, so it waits for an
        // admin (the creditor's say).
        let deep = arrange(
            &store,
            &ana,
            "S-1",
            settlement(&[(date(2026, 12, 1), 300_00)]),
        )
        .await;
        let (_, role, why) = deep.approval.expect("beyond the agent's authority");
        assert_eq!(role, Role::Admin, "{why}");
        // 55% off: a manager may.
        let manager = arrange(
            &store,
            &ana,
            "S-2",
            settlement(&[(date(2026, 12, 1), 450_00)]),
        )
        .await;
        assert_eq!(
            manager.approval.map(|(_, role, _)| role),
            Some(Role::Manager)
        );

        // The debtor pays 100.00 after the plan was quoted on 1,000.00.
        let quoted = monthly_plan(1000_00, 4, date(2026, 12, 1));
        post(
            &store,
            &[payment("P-1", "MID-1", date(2026, 11, 23), 100_00)],
        )
        .await;
        let stale = store
            .create_arrangement(
                &ana,
                seen_of("P-1", version(&store, "P-1").await),
                &quoted,
                Replace(false),
            )
            .await;
        assert!(
            matches!(&stale, Err(store::StoreError::Conflict(message)) if message.contains("900.00")),
            "{stale:?}"
        );
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

/// Regression (found by the app's model test): an approval posted a write-off or a
/// refund as requested, whatever had happened to the balance since — a write-off of
/// everything owed, approved after a payment, left a credit; a refund of a credit,
/// approved after the overpayment came back, paid out money never received. Approving
/// now checks the change again on the balance read in the approving transaction.
#[tokio::test]
async fn an_approved_write_off_or_refund_is_checked_again_on_the_balance_then() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let sam = user(&store, "sam").await;
        let write_off = store
            .request_money_change(
                &ana,
                seen_of("S-1", version(&store, "S-1").await),
                MoneyChange::WriteOff,
                Buckets::ZERO,
                "uncollectible",
                "everything owed",
            )
            .await
            .unwrap()
            .expect("above the threshold: waits for approval");
        post(
            &store,
            &[payment("S-1", "AFTER-ASK", date(2026, 11, 23), 300_00)],
        )
        .await;
        let approved = store
            .decide_approval(&sam, write_off, true, "ok", &[])
            .await;
        assert!(
            matches!(&approved, Err(store::StoreError::Conflict(message)) if message.contains("larger than the principal owed")),
            "{approved:?}"
        );
        assert_eq!(state(&store, "S-1").await, (700_00, "active".into()));
        store
            .decide_approval(&sam, write_off, false, "ask again", &[])
            .await
            .unwrap()
            .unwrap();

        post(
            &store,
            &[payment("R-1", "TWICE", date(2026, 11, 23), 150_00)],
        )
        .await;
        assert_eq!(state(&store, "R-1").await, (-50_00, "paid".into()));
        let refund = store
            .request_money_change(
                &ana,
                seen_of("R-1", version(&store, "R-1").await),
                MoneyChange::Refund,
                Buckets::ZERO,
                "overpayment",
                "debtor paid twice",
            )
            .await
            .unwrap()
            .expect("an agent's refund waits for approval");
        post(&store, &[nsf("TWICE", date(2026, 11, 24), 150_00)]).await;
        assert_eq!(state(&store, "R-1").await, (125_00, "active".into()));
        let approved = store.decide_approval(&sam, refund, true, "ok", &[]).await;
        assert!(
            matches!(&approved, Err(store::StoreError::Conflict(message)) if message.contains("no credit balance")),
            "{approved:?}"
        );
        assert_eq!(state(&store, "R-1").await, (125_00, "active".into()));
        assert_eq!(
            store.approvals(&sam).await.unwrap().len(),
            1,
            "still to decide"
        );
    }
}

/// Regression (found by the app's model test): payments counted toward a promise or an
/// arrangement by their date, so one taken earlier the same day — already in the balance
/// the settlement was agreed on — counted again: the settlement completed early and
/// wrote down more than the discount agreed, and a promise was kept by money paid before
/// it. What counts now is what was posted after the promise or arrangement was made.
#[tokio::test]
async fn a_payment_made_before_an_arrangement_does_not_count_toward_it() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "S-1").await;
        post(
            &store,
            &[payment("S-1", "BEFORE", date(2026, 11, 23), 300_00)],
        )
        .await;
        // 700.00 settled for 560.00: 140.00 off.
        let arranged = arrange(
            &store,
            &ana,
            "S-1",
            settlement(&[(date(2026, 12, 1), 560_00)]),
        )
        .await;
        assert_eq!(arranged.approval, None);
        post(
            &store,
            &[payment("S-1", "AFTER-1", date(2026, 11, 23), 260_00)],
        )
        .await;
        assert_eq!(
            status_of(&store, id).await,
            ["active"],
            "260.00 of the 560.00 agreed came in"
        );
        assert_eq!(state(&store, "S-1").await, (440_00, "active".into()));
        post(
            &store,
            &[payment("S-1", "AFTER-2", date(2026, 11, 23), 300_00)],
        )
        .await;
        assert_eq!(status_of(&store, id).await, ["completed"]);
        let view = store
            .account_view("ACME", "S-1", today())
            .await
            .unwrap()
            .unwrap();
        let discount: Vec<i64> = view
            .entries
            .iter()
            .filter(|entry| entry.reason.code() == "settlement_discount")
            .map(|entry| entry.amounts.total().unwrap().minor())
            .collect();
        assert_eq!(discount, [-140_00], "the discount agreed, no more");
        assert_eq!(state(&store, "S-1").await, (0, "settled".into()));

        let s2 = account_id(&store, "S-2").await;
        post(
            &store,
            &[payment("S-2", "EARLIER", date(2026, 11, 23), 100_00)],
        )
        .await;
        store
            .record_promise(
                &ana,
                seen_of("S-2", version(&store, "S-2").await),
                today(),
                &[(date(2026, 11, 25), Amount::from_minor(100_00))],
            )
            .await
            .unwrap();
        store.review_arrangements(&actor()).await.unwrap();
        assert_eq!(promise_statuses(&store, s2).await, ["open"]);
        post(
            &store,
            &[payment("S-2", "PROMISED", date(2026, 11, 23), 100_00)],
        )
        .await;
        assert_eq!(promise_statuses(&store, s2).await, ["kept"]);
    }
}

/// Regression (found by the app's model test): a returned payment reopened a completed
/// plan even though a newer one had started on the account since, leaving two active.
/// The newer one is in force; the old one breaks.
#[tokio::test]
async fn a_completed_plan_whose_payment_returns_breaks_when_a_newer_one_runs() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "P-1").await;
        post(
            &store,
            &[payment("P-1", "EARLIER", date(2026, 11, 23), 100_00)],
        )
        .await;
        arrange(
            &store,
            &ana,
            "P-1",
            monthly_plan(900_00, 1, date(2026, 12, 1)),
        )
        .await;
        post(
            &store,
            &[payment("P-1", "IN-FULL", date(2026, 11, 23), 900_00)],
        )
        .await;
        assert_eq!(status_of(&store, id).await, ["completed"]);
        // The earlier payment comes back: 100.00 and the 25.00 fee are owed again, and a
        // new plan is agreed for them.
        post(&store, &[nsf("EARLIER", date(2026, 11, 23), 100_00)]).await;
        assert_eq!(state(&store, "P-1").await, (125_00, "active".into()));
        arrange(
            &store,
            &ana,
            "P-1",
            monthly_plan(125_00, 1, date(2026, 12, 15)),
        )
        .await;
        assert_eq!(status_of(&store, id).await, ["completed", "active"]);
        // Then the first plan's payment comes back too.
        post(&store, &[nsf("IN-FULL", date(2026, 11, 24), 900_00)]).await;
        assert_eq!(status_of(&store, id).await, ["broken", "active"]);
        assert_eq!(state(&store, "P-1").await, (1050_00, "active".into()));
        let log = log_of(&store, "P-1").await;
        assert_logged(&log, "test:clerk", "plan.broken");
    }
}

/// Regression (found by the app's model test): an adjustment that took an account below
/// zero left it active — in the queue, to be called about a debt it no longer owed —
/// where a payment doing the same makes it paid. Both follow the posting's rule now.
#[tokio::test]
async fn an_adjustment_below_zero_leaves_the_account_paid_like_an_overpayment() {
    for db in engines().await {
        let store = setup(&db).await;
        let sam = user(&store, "sam").await;
        let approval = store
            .request_money_change(
                &sam,
                seen_of("S-1", version(&store, "S-1").await),
                MoneyChange::Adjustment,
                Buckets {
                    principal: Amount::from_minor(-1100_00),
                    ..Buckets::ZERO
                },
                "billing_error",
                "placed at the wrong balance",
            )
            .await
            .unwrap();
        assert_eq!(approval, None, "a supervisor posts it at once");
        assert_eq!(state(&store, "S-1").await, (-100_00, "paid".into()));
    }
}

/// Issue 13, finding 1: a ledger row that would make a balance unrepresentable is
/// refused inside the writing transaction — even from a caller that skipped the edge's
/// amount limit — and nothing is kept: the account still reads and the audit verifies.
#[tokio::test]
async fn an_entry_that_would_overflow_the_balance_is_refused_and_nothing_is_kept() {
    for db in engines().await {
        let store = setup(&db).await;
        let sam = user(&store, "sam").await;
        let huge = Buckets {
            fees: Amount::from_minor(i64::MAX / 2),
            ..Buckets::ZERO
        };
        let first = store
            .request_money_change(
                &sam,
                seen_of("S-1", version(&store, "S-1").await),
                MoneyChange::Adjustment,
                huge,
                "billing_error",
                "",
            )
            .await;
        assert!(first.is_ok(), "{first:?}");
        let before = state(&store, "S-1").await;
        let second = store
            .request_money_change(
                &sam,
                seen_of("S-1", version(&store, "S-1").await),
                MoneyChange::Adjustment,
                huge,
                "billing_error",
                "",
            )
            .await;
        assert!(
            matches!(&second, Err(store::StoreError::Invalid(message)) if message.contains("larger than Arrears can hold")),
            "{second:?}"
        );
        assert_eq!(state(&store, "S-1").await, before, "nothing kept");
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

/// Offers a plan or settlement at the account's version, with or without replacing
/// what is open.
async fn offer(
    store: &Store,
    user: &SessionUser,
    account: &str,
    new: NewArrangement,
    replace: bool,
) -> Result<store::arrangements::Arranged, OpenArrangement> {
    let version = version(store, account).await;
    store
        .create_arrangement(user, seen_of(account, version), &new, Replace(replace))
        .await
        .unwrap()
}

/// One open arrangement per account: a settlement or a promise offered while a plan
/// runs is refused naming the plan, and nothing is kept; offered as a replacement it
/// supersedes the plan in the same transaction, audited.
#[tokio::test]
async fn a_second_arrangement_is_refused_naming_the_open_one_unless_it_replaces_it() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let id = account_id(&store, "P-1").await;
        let plan = offer(
            &store,
            &ana,
            "P-1",
            monthly_plan(1000_00, 4, date(2026, 12, 1)),
            false,
        )
        .await
        .expect("nothing open yet");
        let events = log_of(&store, "P-1").await.len();

        let refused = offer(
            &store,
            &ana,
            "P-1",
            settlement(&[(date(2026, 12, 1), 700_00)]),
            false,
        )
        .await
        .expect_err("a plan is active");
        assert_eq!(refused.kind, domain::account::ArrangementKind::Plan);
        assert_eq!(refused.id, plan.id);
        assert!(!refused.waiting);
        assert_eq!(refused.since_on, today());
        assert_eq!(
            refused.to_string(),
            "a 4-month plan is active since 2026-11-23"
        );
        let promise = store
            .record_promise(
                &ana,
                seen_of("P-1", version(&store, "P-1").await),
                today(),
                &[(date(2026, 12, 1), Amount::from_minor(100_00))],
            )
            .await;
        assert!(
            matches!(&promise, Err(store::StoreError::Invalid(message)) if message.contains("4-month plan is active")),
            "{promise:?}"
        );
        assert_eq!(status_of(&store, id).await, ["active"], "nothing kept");
        assert_eq!(promise_statuses(&store, id).await, Vec::<String>::new());
        assert_eq!(log_of(&store, "P-1").await.len(), events, "nothing audited");

        // Replacing: the promise supersedes the plan.
        let promised = store
            .record_promise_replacing(
                &ana,
                seen_of("P-1", version(&store, "P-1").await),
                today(),
                &[(date(2026, 12, 1), Amount::from_minor(100_00))],
                Replace(true),
            )
            .await
            .unwrap()
            .expect("a replacement");
        assert_eq!(status_of(&store, id).await, ["superseded"]);
        assert_eq!(promise_statuses(&store, id).await, ["open"]);
        let plan_again = offer(
            &store,
            &ana,
            "P-1",
            monthly_plan(1000_00, 4, date(2026, 12, 1)),
            false,
        )
        .await
        .expect_err("the promise is open");
        assert_eq!(plan_again.kind, domain::account::ArrangementKind::Promise);
        assert_eq!(plan_again.id, promised);
        assert!(
            plan_again
                .to_string()
                .starts_with("a promise to pay in 1 payment is open since 2026-11-23")
        );

        // A replacement that needs approval leaves the promise running until approved;
        // the approval shows the promise as the conflict it replaces.
        let long = offer(
            &store,
            &ana,
            "P-1",
            monthly_plan(1000_00, 60, date(2026, 12, 5)),
            true,
        )
        .await
        .expect("a replacement");
        let (approval, _, _) = long.approval.clone().expect("beyond policy");
        assert_eq!(promise_statuses(&store, id).await, ["open"]);
        let sam = user(&store, "sam").await;
        let approvals = store.approvals(&sam).await.unwrap();
        assert_eq!(approvals.len(), 1);
        assert_eq!(approvals[0].conflicts.len(), 1);
        assert_eq!(
            approvals[0].conflicts[0].kind,
            domain::account::ArrangementKind::Promise
        );
        store
            .decide_approval(&sam, approval, true, "ok", &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status_of(&store, id).await, ["superseded", "active"]);
        assert_eq!(promise_statuses(&store, id).await, ["superseded"]);
        let actions: Vec<String> = log_of(&store, "P-1")
            .await
            .into_iter()
            .map(|(_, action)| action)
            .collect();
        assert!(actions.contains(&"account.promise".to_string()));
        assert!(actions.contains(&"approval.approved".to_string()));
        state(&store, "P-1").await;
    }
}

/// A 60-month plan on P-1, beyond the creditor's policy: it waits for approval (its id).
async fn long_plan_on_p1(store: &Store, agent: &SessionUser) -> i64 {
    let long = offer(
        store,
        agent,
        "P-1",
        monthly_plan(1000_00, 60, date(2026, 12, 5)),
        false,
    )
    .await
    .unwrap();
    long.approval.expect("beyond policy").0
}

/// A plan waiting for approval on an account disputed since: approving it is refused
/// in the deciding transaction with the rule that stops collection, and nothing moves;
/// the approvals list shows the hold. Once the dispute is resolved it may be approved.
#[tokio::test]
async fn approving_a_plan_on_a_disputed_account_is_refused_with_the_rule() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let sam = user(&store, "sam").await;
        let id = account_id(&store, "P-1").await;
        let approval = long_plan_on_p1(&store, &ana).await;
        store
            .place_hold(
                &actor(),
                "ACME",
                "P-1",
                HoldKind::Dispute,
                "says the debt was paid",
                "dispute received",
            )
            .await
            .unwrap();
        let listed = store.approvals(&sam).await.unwrap();
        assert_eq!(listed[0].holds.len(), 1);
        assert_eq!(listed[0].holds[0].kind, HoldKind::Dispute);
        assert_eq!(listed[0].holds[0].detail, "says the debt was paid");
        let rule = StopRule {
            rule: "us.dispute_pending".into(),
            citation: "12 CFR 1006.38(d)(2)".into(),
            message: "a timely dispute awaits verification".into(),
        };
        let stops = [(HoldKind::Dispute, vec![rule.clone()])];
        let refused = store
            .decide_approval(&sam, approval, true, "ok", &stops)
            .await
            .unwrap();
        assert_eq!(
            refused,
            Err(ApprovalRefused::Held {
                hold: HoldKind::Dispute,
                rules: vec![rule],
            })
        );
        assert_eq!(status_of(&store, id).await, ["pending_approval"]);
        assert_eq!(store.approvals(&sam).await.unwrap().len(), 1, "still waits");
        // Rejecting is no collection: allowed.
        store
            .release_hold(&actor(), "ACME", "P-1", HoldKind::Dispute, "verified")
            .await
            .unwrap();
        store
            .decide_approval(&sam, approval, true, "ok", &stops)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status_of(&store, id).await, ["active"]);
        state(&store, "P-1").await;
    }
}

/// A rejected plan's dues are no longer owed: none shows as pending, the summary names
/// no next due and nothing overdue.
#[tokio::test]
async fn a_rejected_plan_lists_no_pending_dues() {
    for db in engines().await {
        let store = setup(&db).await;
        let ana = user(&store, "ana").await;
        let sam = user(&store, "sam").await;
        let id = account_id(&store, "P-1").await;
        let approval = long_plan_on_p1(&store, &ana).await;
        let pending = &store.arrangements(id).await.unwrap()[0];
        let summary = pending.summary().unwrap();
        assert_eq!(summary.dues, 60);
        assert_eq!(summary.next_due, Some(date(2026, 12, 5)));
        assert_eq!(summary.installment, Amount::from_minor(16_67));
        assert_eq!(summary.last_on, date(2031, 11, 5));
        store
            .decide_approval(&sam, approval, false, "too long", &[])
            .await
            .unwrap()
            .unwrap();
        let later = on_day(&db, date(2027, 3, 1)).await;
        let rejected = &later.arrangements(id).await.unwrap()[0];
        assert_eq!(rejected.status, "rejected");
        assert!(
            rejected
                .dues
                .iter()
                .all(|due| rejected.due_state(due) == "cancelled"),
            "no pending or missed dues on a rejected plan"
        );
        let summary = rejected.summary().unwrap();
        assert_eq!(
            (summary.cancelled, summary.paid, summary.next_due),
            (60, 0, None)
        );
        assert_eq!(summary.overdue, Amount::ZERO);
    }
}

/// A supervisor resolves disputes: verified and withdrawn lift the hold, upheld keeps it
/// and recalls the account; each leaves the open list, audited with who and why; a
/// dispute already resolved, or another creditor's, is not found.
#[tokio::test]
async fn resolving_a_dispute_moves_its_hold_with_the_outcome() {
    use store::disputes::Outcome;
    for db in engines().await {
        let store = setup(&db).await;
        let sam = user(&store, "sam").await;
        for account in ["S-1", "S-2"] {
            store
                .place_hold(
                    &actor(),
                    "ACME",
                    account,
                    HoldKind::Dispute,
                    "not my debt",
                    "dispute received",
                )
                .await
                .unwrap();
        }
        let open: Vec<String> = store
            .disputes(&sam)
            .await
            .unwrap()
            .into_iter()
            .map(|dispute| dispute.account_ref)
            .collect();
        assert_eq!(open, ["S-1", "S-2"]);
        let empty = store
            .resolve_dispute(&sam, "ACME", "S-1", Outcome::Verified, "  ")
            .await;
        assert!(
            matches!(empty, Err(store::StoreError::Invalid(_))),
            "{empty:?}"
        );
        store
            .resolve_dispute(&sam, "ACME", "S-1", Outcome::Verified, "statement mailed")
            .await
            .unwrap();
        store
            .resolve_dispute(
                &sam,
                "ACME",
                "S-2",
                Outcome::Upheld,
                "paid to the original creditor",
            )
            .await
            .unwrap();
        assert!(store.disputes(&sam).await.unwrap().is_empty());
        let holds = |account: &'static str| {
            let store = &store;
            async move { store.contact_facts("ACME", account).await.unwrap().holds }
        };
        assert_eq!(
            holds("S-1").await,
            Vec::<HoldKind>::new(),
            "verified: lifted"
        );
        assert_eq!(holds("S-2").await, [HoldKind::Dispute], "upheld: kept");
        assert_eq!(state(&store, "S-1").await, (1000_00, "active".into()));
        assert_eq!(state(&store, "S-2").await, (0, "recalled".into()));
        let again = store
            .resolve_dispute(&sam, "ACME", "S-2", Outcome::Withdrawn, "again")
            .await;
        assert!(
            matches!(again, Err(store::StoreError::NotFound(_))),
            "{again:?}"
        );
        let log = log_of(&store, "S-2").await;
        assert!(log.contains(&("sam".to_string(), "dispute.resolved".to_string())));
    }
}
