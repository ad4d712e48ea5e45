//! Money in the workspace over HTTP (forms without JavaScript): payments taken by an
//! agent, the plan wizard within and outside the creditor's policy, settlements within
//! and beyond an agent's authority, the approvals queue, refunds, recall, the exceptions
//! list and the promise-kept rate; role checks and creditor segregation.

use crate::fixture::{Client, Fixture, Response};
use domain::party::Role;

/// 10:00 in New York.
const NOW: &str = "2026-11-23T15:00:00Z";
const NY1: &str = "/accounts/NBANK/NY-1";
const NY2: &str = "/accounts/NBANK/NY-2";

async fn fixture() -> Fixture {
    Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("cy", Role::Agent, &["CITYUTIL"]),
            ("sue", Role::Supervisor, &["NBANK", "CITYUTIL"]),
            ("sam", Role::Supervisor, &["CITYUTIL"]),
            ("bill", Role::Billing, &[]),
            ("aud", Role::Auditor, &[]),
        ],
    )
    .await
}

/// Posts `fields` to `path` with the page's CSRF token and version.
async fn submit(client: &mut Client, page: &str, path: &str, fields: &[(&str, &str)]) -> Response {
    let shown = client.get(page).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let (csrf, version) = (shown.csrf(), shown.version());
    let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    all.extend_from_slice(fields);
    client.post(path, &all).await
}

#[tokio::test]
async fn an_agent_takes_a_payment_and_it_lowers_the_balance() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get(NY1).await;
    assert!(page.body.contains("id=\"payment-form\""), "{}", page.body);
    assert!(page.body.contains("id=\"payments-none\""));

    let posted = submit(
        &mut ana,
        NY1,
        &format!("{NY1}/payments"),
        &[
            ("amount", "200.00"),
            ("method", "card"),
            ("paid_on", "2026-11-23"),
            ("reference", "CARD-777"),
        ],
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(
        posted.header("location"),
        Some("/accounts/NBANK/NY-1?done=payment")
    );
    let page = ana.get(&format!("{NY1}?done=payment")).await;
    assert!(page.body.contains("Payment posted."), "{}", page.body);
    assert!(page.body.contains("CARD-777"));
    assert!(
        page.body
            .contains("<dd id=\"balance\" class=\"balance\">$1,000.00</dd>"),
        "{}",
        page.body
    );

    // The same reference again is refused; so are a comma, a future date, a bad method.
    let again = submit(
        &mut ana,
        NY1,
        &format!("{NY1}/payments"),
        &[
            ("amount", "10.00"),
            ("method", "card"),
            ("reference", "CARD-777"),
        ],
    )
    .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(
        again.body.contains("data-field=\"reference\""),
        "{}",
        again.body
    );
    let bad = submit(
        &mut ana,
        NY1,
        &format!("{NY1}/payments"),
        &[
            ("amount", "10,00"),
            ("method", "bitcoin"),
            ("paid_on", "2026-12-01"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    for field in ["amount", "method", "paid_on"] {
        assert!(
            bad.body.contains(&format!("data-field=\"{field}\"")),
            "{field}"
        );
    }
    // A stale form is refused.
    let stale = ana
        .post(
            &format!("{NY1}/payments"),
            &[
                ("csrf", &page.csrf()),
                ("version", "999"),
                ("amount", "5.00"),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    // Without the CSRF token nothing happens.
    let forged = ana
        .post(
            &format!("{NY1}/payments"),
            &[
                ("version", &page.version()),
                ("amount", "5.00"),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Another creditor's account does not exist for Cy; an auditor may not post.
    let mut cy = fixture.sign_in("cy").await;
    let cy_csrf = cy.get("/accounts/CITYUTIL/CU-1").await.csrf();
    let hidden = cy
        .post(
            &format!("{NY1}/payments"),
            &[
                ("csrf", &cy_csrf),
                ("version", "1"),
                ("amount", "5.00"),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(hidden.status, 404, "{}", hidden.body);
    let mut aud = fixture.sign_in("aud").await;
    let page = aud.get(NY1).await;
    assert!(!page.body.contains("id=\"payment-form\""));
    assert!(
        !page.body.contains("name=\"version\""),
        "the auditor's page carries no form that writes"
    );
    // A forged post (the version as the agent's page had it) is refused all the same.
    let refused = aud
        .post(
            &format!("{NY1}/payments"),
            &[
                ("csrf", &page.csrf()),
                ("version", "0"),
                ("amount", "5.00"),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn plans_within_policy_are_active_and_outside_wait_for_a_supervisor() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let plan = |count: &'static str| {
        [
            ("frequency", "monthly"),
            ("sizing", "count"),
            ("installments", count),
            ("first_due", "2026-12-01"),
            ("apr", "0"),
        ]
    };
    // The quote shows the schedule and saves nothing.
    let quote = submit(&mut ana, NY1, &format!("{NY1}/plans/quote"), &plan("6")).await;
    assert_eq!(quote.status, 200, "{}", quote.body);
    assert!(quote.body.contains("id=\"plan-within\""), "{}", quote.body);
    assert!(quote.body.contains("2027-05-01"), "the sixth installment");
    let long = submit(&mut ana, NY1, &format!("{NY1}/plans/quote"), &plan("48")).await;
    assert!(long.body.contains("id=\"plan-breaches\""), "{}", long.body);
    assert!(
        long.body.contains("the creditor allows 36"),
        "{}",
        long.body
    );
    let wrong = submit(
        &mut ana,
        NY1,
        &format!("{NY1}/plans/quote"),
        &[("frequency", "daily"), ("installments", "x")],
    )
    .await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("data-field=\"frequency\""));
    assert!(wrong.body.contains("data-field=\"installments\""));
    assert!(wrong.body.contains("data-field=\"first_due\""));

    let agreed = submit(&mut ana, NY1, &format!("{NY1}/plans"), &plan("6")).await;
    assert_eq!(agreed.status, 303, "{}", agreed.body);
    assert_eq!(
        agreed.header("location"),
        Some("/accounts/NBANK/NY-1?done=plan_active")
    );
    let page = ana.get(NY1).await;
    assert!(
        page.body.contains("data-status=\"active\""),
        "{}",
        page.body
    );

    // Another plan while this one runs: refused on the `replace` field, naming it, and
    // nothing kept; replacing it explicitly, it waits for a supervisor.
    let refused = submit(&mut ana, NY1, &format!("{NY1}/plans"), &plan("48")).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("data-field=\"replace\""),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("A 6-month plan is in force since 2026-11-23."),
        "{}",
        refused.body
    );
    assert!(
        !ana.get(NY1)
            .await
            .body
            .contains("data-status=\"pending_approval\"")
    );
    let mut replacing = plan("48").to_vec();
    replacing.push(("replace", "on"));
    let pending = submit(&mut ana, NY1, &format!("{NY1}/plans"), &replacing).await;
    assert_eq!(
        pending.header("location"),
        Some("/accounts/NBANK/NY-1?done=plan_pending")
    );
    let page = ana.get(NY1).await;
    assert!(page.body.contains("data-status=\"pending_approval\""));

    // Agents have no approvals queue; the supervisor does, and approves.
    assert_eq!(ana.get("/approvals").await.status, 403);
    let mut sue = fixture.sign_in("sue").await;
    let queue = sue.get("/approvals").await;
    // The approval names the plan it replaces, and the account has no hold.
    assert!(
        queue
            .body
            .contains("<li class=\"conflict\">A 6-month plan is in force since 2026-11-23.</li>"),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("No hold on the account."));
    assert!(queue.body.contains("Payment plan"), "{}", queue.body);
    assert!(queue.body.contains("the creditor allows 36"));
    let id = queue
        .attribute_after("<ul id=\"approvals\"", "data-approval")
        .unwrap();
    let team = sue.get("/team").await;
    assert!(
        team.body.contains(&format!("id=\"approve-{id}\"")),
        "{}",
        team.body
    );
    // A supervisor of another creditor does not see it.
    let mut sam = fixture.sign_in("sam").await;
    assert!(!sam.get("/approvals").await.body.contains("NY-1"));
    let sam_csrf = queue_csrf(&mut sam).await;
    let theirs = sam
        .post(
            &format!("/approvals/{id}"),
            &[("csrf", &sam_csrf), ("decision", "approve")],
        )
        .await;
    assert_eq!(theirs.status, 404, "{}", theirs.body);

    let decided = sue
        .post(
            &format!("/approvals/{id}"),
            &[
                ("csrf", &queue.csrf()),
                ("decision", "approve"),
                ("note", "hardship"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let page = ana.get(NY1).await;
    assert!(
        page.body.contains("data-status=\"superseded\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("data-status=\"pending_approval\""));
    assert!(
        sue.get("/approvals")
            .await
            .body
            .contains("id=\"approvals-none\"")
    );
    // Twice is a conflict.
    let twice = sue
        .post(
            &format!("/approvals/{id}"),
            &[("csrf", &queue.csrf()), ("decision", "approve")],
        )
        .await;
    assert_eq!(twice.status, 422, "{}", twice.body);
}

async fn queue_csrf(client: &mut Client) -> String {
    client.get("/approvals").await.csrf()
}

#[tokio::test]
async fn settlements_beyond_an_agents_authority_need_a_supervisor() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    // 800.00 settled for 520.00: 35 % off, above an agent's 20 %, within a supervisor's 40 %.
    let offer = [
        ("settle_date_1", "2026-12-01"),
        ("settle_amount_1", "520.00"),
    ];
    let check = submit(&mut ana, NY2, &format!("{NY2}/settlements/check"), &offer).await;
    assert_eq!(check.status, 200);
    assert!(
        check.body.contains("id=\"settlement-needs\""),
        "{}",
        check.body
    );
    assert!(check.body.contains("35.00 %"));
    assert!(check.body.contains("<strong>supervisor</strong>"));
    let offered = submit(&mut ana, NY2, &format!("{NY2}/settlements"), &offer).await;
    assert_eq!(
        offered.header("location"),
        Some("/accounts/NBANK/NY-2?done=settlement_pending")
    );
    let mut sue = fixture.sign_in("sue").await;
    let queue = sue.get("/approvals").await;
    assert!(queue.body.contains("Settlement"), "{}", queue.body);
    assert!(queue.body.contains("520.00"));

    // 700.00 is 12.5 % off: within the agent's authority, active at once.
    let small = [
        ("settle_date_1", "2026-12-01"),
        ("settle_amount_1", "400.00"),
        ("settle_date_2", "2027-01-01"),
        ("settle_amount_2", "300.00"),
    ];
    let within = submit(&mut ana, NY2, &format!("{NY2}/settlements/check"), &small).await;
    assert!(
        within.body.contains("id=\"settlement-within\""),
        "{}",
        within.body
    );
    // The 520.00 offer waits for approval: this one is refused unless it replaces it.
    let refused = submit(&mut ana, NY2, &format!("{NY2}/settlements"), &small).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("A settlement in 1 payment(s) is waiting for approval since 2026-11-23."),
        "{}",
        refused.body
    );
    let mut replacing = small.to_vec();
    replacing.push(("replace", "on"));
    let offered = submit(&mut ana, NY2, &format!("{NY2}/settlements"), &replacing).await;
    assert_eq!(
        offered.header("location"),
        Some("/accounts/NBANK/NY-2?done=settlement_active")
    );
    // With an agent floor of 650.00 set for the creditor, 645.00 (19.38 % off, within an
    // agent's 20 %) still needs a supervisor, and the agent is told why.
    fixture
        .store
        .set_creditor(
            &store::Actor::new("admin"),
            "NBANK",
            None,
            &[("agent_settlement_floor".to_string(), "650.00".to_string())],
            "client contract: no agent settlement under 650.00",
        )
        .await
        .unwrap();
    let floored = submit(
        &mut ana,
        NY2,
        &format!("{NY2}/settlements/check"),
        &[
            ("settle_date_1", "2027-02-01"),
            ("settle_amount_1", "645.00"),
        ],
    )
    .await;
    assert!(
        floored.body.contains("id=\"settlement-needs\""),
        "{}",
        floored.body
    );
    assert!(
        floored.body.contains("650.00"),
        "the floor is named: {}",
        floored.body
    );
    // The whole balance is not a settlement.
    let whole = submit(
        &mut ana,
        NY2,
        &format!("{NY2}/settlements"),
        &[
            ("settle_date_1", "2026-12-01"),
            ("settle_amount_1", "800.00"),
        ],
    )
    .await;
    assert_eq!(whole.status, 422, "{}", whole.body);
}

#[tokio::test]
async fn an_overpayment_leaves_a_credit_and_its_refund_needs_approval() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let paid = submit(
        &mut ana,
        "/accounts/CITYUTIL/CU-1",
        "/accounts/CITYUTIL/CU-1/payments",
        &[("amount", "350.00"), ("method", "check")],
    )
    .await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let page = ana.get("/accounts/CITYUTIL/CU-1").await;
    assert!(page.body.contains("id=\"credit-balance\""), "{}", page.body);
    let refund = submit(
        &mut ana,
        "/accounts/CITYUTIL/CU-1",
        "/accounts/CITYUTIL/CU-1/money-changes",
        &[
            ("change", "refund"),
            ("amount", ""),
            ("reason_code", "overpayment"),
        ],
    )
    .await;
    assert_eq!(
        refund.header("location"),
        Some("/accounts/CITYUTIL/CU-1?done=change_pending"),
        "{}",
        refund.body
    );
    let bad = submit(
        &mut ana,
        "/accounts/CITYUTIL/CU-1",
        "/accounts/CITYUTIL/CU-1/money-changes",
        &[("change", "refund"), ("reason_code", "because")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("data-field=\"reason_code\""));
    let mut sue = fixture.sign_in("sue").await;
    assert!(sue.get("/approvals").await.body.contains("overpayment"));

    // Recall is for supervisors.
    let agent_recall = submit(
        &mut ana,
        NY2,
        &format!("{NY2}/recall"),
        &[("note", "creditor asked")],
    )
    .await;
    assert_eq!(agent_recall.status, 403);
    let recalled = submit(
        &mut sue,
        NY2,
        &format!("{NY2}/recall"),
        &[("note", "creditor asked")],
    )
    .await;
    assert_eq!(recalled.status, 303, "{}", recalled.body);
    assert!(
        sue.get(NY2)
            .await
            .body
            .contains("<span class=\"badge\">Recalled</span>")
    );
}

#[tokio::test]
async fn adjustments_and_write_offs_move_the_bucket_chosen() {
    let fixture = fixture().await;
    let mut sue = fixture.sign_in("sue").await;
    // A 30.00 fee the creditor billed late, then waived.
    let fee = submit(
        &mut sue,
        NY1,
        &format!("{NY1}/money-changes"),
        &[
            ("change", "adjustment"),
            ("amount", "30.00"),
            ("bucket", "fees"),
            ("reason_code", "billing_error"),
        ],
    )
    .await;
    assert_eq!(fee.status, 303, "{}", fee.body);
    let page = sue.get(NY1).await;
    assert!(
        page.body.contains(
            "title=\"Principal $1,200.00 · Interest $0.00 · Fees $30.00\">$1,230.00</td>"
        ),
        "{}",
        page.body
    );
    // Writing off more fees than are owed is refused and changes nothing.
    let too_much = submit(
        &mut sue,
        NY1,
        &format!("{NY1}/money-changes"),
        &[
            ("change", "write_off"),
            ("amount", "40.00"),
            ("bucket", "fees"),
            ("reason_code", "fee_waiver"),
        ],
    )
    .await;
    assert_eq!(too_much.status, 422, "{}", too_much.body);
    assert!(too_much.body.contains("larger than the fees owed"));
    let waived = submit(
        &mut sue,
        NY1,
        &format!("{NY1}/money-changes"),
        &[
            ("change", "write_off"),
            ("amount", "30.00"),
            ("bucket", "fees"),
            ("reason_code", "fee_waiver"),
        ],
    )
    .await;
    assert_eq!(waived.status, 303, "{}", waived.body);
    let page = sue.get(NY1).await;
    assert!(
        page.body
            .contains("title=\"Principal $1,200.00 · Interest $0.00 · Fees $0.00\">$1,200.00</td>"),
        "{}",
        page.body
    );
    let bad = submit(
        &mut sue,
        NY1,
        &format!("{NY1}/money-changes"),
        &[
            ("change", "adjustment"),
            ("amount", "5.00"),
            ("bucket", "penalties"),
            ("reason_code", "billing_error"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("data-field=\"bucket\""), "{}", bad.body);
}

#[tokio::test]
async fn the_exceptions_list_and_the_kept_rate() {
    let fixture = fixture().await;
    let mut bill = fixture.sign_in("bill").await;
    // Billing starts the day at the exceptions list (the queue is not theirs).
    assert_eq!(bill.get("/").await.header("location"), Some("/exceptions"));
    let page = bill.get("/exceptions").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"exceptions-none\""));
    let mut ana = fixture.sign_in("ana").await;
    assert_eq!(ana.get("/exceptions").await.status, 403);
    // An unmatched bank item lands on the list.
    let posting = store::money::Posting {
        source: store::money::Source::Csv,
        file_name: "bank.csv",
        sha256: "",
        user_id: None,
        reason: "test",
        dry_run: false,
    };
    let item = store::money::Item {
        line: 7,
        kind: store::money::ItemKind::Payment(store::money::IncomingPayment {
            creditor: None,
            account_ref: "NO-SUCH".into(),
            fallback_ref: None,
            payment_ref: "BANK-1".into(),
            paid_on: jiff::civil::date(2026, 11, 20),
            amount: domain::money::Amount::from_minor(12_34),
            method: store::money::Method::Ach,
            trace: None,
        }),
    };
    fixture
        .store
        .post_payments(&store::Actor::new("test"), &posting, &[item])
        .await
        .unwrap();
    let page = bill.get("/exceptions").await;
    assert!(page.body.contains("bank.csv"), "{}", page.body);
    assert!(page.body.contains("12.34"));
    // Billing matches it by hand to the account the debtor meant.
    let csrf = page.csrf();
    let id = page
        .body
        .split("data-exception=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let wrong = bill
        .post(
            &format!("/exceptions/{id}"),
            &[
                ("csrf", &csrf),
                ("action", "match"),
                ("creditor", "NBANK"),
                ("reference", "NY-404"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.contains("id=\"exceptions-error\""),
        "{}",
        wrong.body
    );
    let matched = bill
        .post(
            &format!("/exceptions/{id}"),
            &[
                ("csrf", &csrf),
                ("action", "match"),
                ("creditor", "NBANK"),
                ("reference", "NY-2"),
                ("note", "typo in the reference"),
            ],
        )
        .await;
    assert_eq!(matched.status, 303, "{}", matched.body);
    let page = bill.get("/exceptions?done=matched").await;
    assert!(
        page.body.contains("id=\"exceptions-none\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"exceptions-done\""));
    let account = bill.get(NY2).await;
    assert!(
        account.body.contains("BANK-1"),
        "the payment shows on the account"
    );

    let mut sue = fixture.sign_in("sue").await;
    let team = sue.get("/team").await;
    assert!(team.body.contains("id=\"kept-rates\""), "{}", team.body);
    assert!(team.body.contains("data-agent=\"ana\""));
}

/// A schedule shows one line and its dues on demand; a rejected plan lists its dues as
/// cancelled, none pending.
#[tokio::test]
async fn schedules_show_one_line_and_a_rejected_plan_no_pending_dues() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let plan = [
        ("frequency", "monthly"),
        ("sizing", "count"),
        ("installments", "48"),
        ("first_due", "2026-12-01"),
        ("apr", "0"),
    ];
    let pending = submit(&mut ana, NY1, &format!("{NY1}/plans"), &plan).await;
    assert_eq!(pending.status, 303, "{}", pending.body);
    let page = ana.get(NY1).await;
    assert!(
        page.body.contains(
            "48 monthly installments of $25.00 from 2026-12-01 to 2030-11-01 · 0 paid, next due 2026-12-01, $0.00 overdue"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("<details class=\"schedule\">"));
    assert!(!page.body.contains("<details class=\"schedule\" open"));

    let mut sue = fixture.sign_in("sue").await;
    let queue = sue.get("/approvals").await;
    let id = queue
        .attribute_after("<li data-approval", "data-approval")
        .unwrap();
    let rejected = sue
        .post(
            &format!("/approvals/{id}"),
            &[
                ("csrf", queue.csrf().as_str()),
                ("decision", "reject"),
                ("note", "too long"),
            ],
        )
        .await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    let page = ana.get(NY1).await;
    assert!(
        page.body.contains("data-status=\"rejected\""),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("data-state=\"cancelled\"").count(), 48);
    assert!(!page.body.contains("data-state=\"pending\""));
    assert!(
        page.body
            .contains("0 paid, nothing more due, $0.00 overdue · 48 no longer due")
    );
}

/// Only supervisors see and resolve disputes; a refused form keeps what was typed and
/// says why next to the field; the account's hold follows the outcome.
#[tokio::test]
async fn supervisors_resolve_disputes_and_the_hold_follows() {
    use domain::account::HoldKind;
    let fixture = fixture().await;
    fixture
        .store
        .place_hold(
            &store::Actor::new("test:setup"),
            "NBANK",
            "NY-1",
            HoldKind::Dispute,
            "not mine",
            "dispute logged",
        )
        .await
        .unwrap();
    let mut ana = fixture.sign_in("ana").await;
    assert_eq!(ana.get("/disputes").await.status, 403);
    let csrf = ana.get(NY1).await.csrf();
    let forbidden = ana
        .post(
            "/disputes/NBANK/NY-1",
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "withdrawn"),
                ("note", "x"),
            ],
        )
        .await;
    assert_eq!(forbidden.status, 403);

    let mut sam = fixture.sign_in("sam").await;
    assert!(
        !sam.get("/disputes").await.body.contains("NY-1"),
        "another creditor's"
    );
    let mut sue = fixture.sign_in("sue").await;
    let page = sue.get("/disputes").await;
    assert!(page.body.contains("not mine"), "{}", page.body);
    let csrf = page.csrf();
    let no_csrf = sue
        .post(
            "/disputes/NBANK/NY-1",
            &[("outcome", "withdrawn"), ("note", "x")],
        )
        .await;
    assert_eq!(no_csrf.status, 403);
    let refused = sue
        .post(
            "/disputes/NBANK/NY-1",
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "withdrawn"),
                ("note", " "),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"note-NBANK-NY-1-error\""),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("<option value=\"withdrawn\" selected>")
    );
    let facts = fixture.store.contact_facts("NBANK", "NY-1").await.unwrap();
    assert_eq!(facts.holds, [HoldKind::Dispute]);
    let resolved = sue
        .post(
            "/disputes/NBANK/NY-1",
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "withdrawn"),
                ("note", "consumer called to withdraw it"),
            ],
        )
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    let facts = fixture.store.contact_facts("NBANK", "NY-1").await.unwrap();
    assert!(facts.holds.is_empty());
    assert!(
        sue.get("/disputes")
            .await
            .body
            .contains("id=\"disputes-none\"")
    );
    // The outcome, who and why are on the account's timeline.
    let account = sue.get(NY1).await;
    assert!(
        account.body.contains("Dispute resolved") && !account.body.contains("dispute.resolved"),
        "{}",
        account.body
    );
    assert!(
        account
            .body
            .contains("Withdrawn: consumer called to withdraw it")
    );
}
