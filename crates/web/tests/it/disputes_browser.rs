//! Issue 14, "Arrangements coherent" and "Supervisors resolve disputes on screen", in
//! real headless Chromium at 1280×720: an approval shows the account's dispute hold and
//! approving collection on it is refused by the compliance rule; the supervisor
//! resolves the dispute on the disputes page and the account's hold follows (verified:
//! lifted, then the plan may be approved; upheld: kept, the account recalled). axe-core
//! finds nothing on the approvals and disputes pages in English and Spanish. Takes
//! disputes.png.

use crate::browser::{Browser, WAIT, screenshot_path};
use crate::fixture::{Fixture, PASSWORD};
use domain::account::HoldKind;
use domain::money::{Amount, BasisPoints};
use domain::party::Role;
use domain::plan::{Frequency, PlanTerms, Sizing};
use store::Actor;
use store::arrangements::{NewArrangement, Replace};
use store::workspace::Seen;

/// 10:00 in New York.
const NOW: &str = "2026-11-23T15:00:00Z";

async fn sign_in(browser: &Browser, fixture: &Fixture, user: &str) {
    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", user).await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("#language", WAIT).await;
}

/// A 48-month plan of NY-1's 1,200.00 by `agent`: beyond the creditor's 36 months, it
/// waits for a supervisor.
async fn long_plan(fixture: &Fixture, agent: &str) {
    let store = &fixture.store;
    let user = store.authenticate(agent, PASSWORD).await.unwrap().unwrap();
    let user = store.session_user(user.id).await.unwrap();
    let today = jiff::civil::date(2026, 11, 23);
    let view = store
        .account_view("NBANK", "NY-1", today)
        .await
        .unwrap()
        .unwrap();
    let terms = PlanTerms {
        balance: Amount::from_minor(1200_00),
        down_payment: Amount::ZERO,
        down_payment_on: None,
        apr: BasisPoints::new(0).unwrap(),
        frequency: Frequency::Monthly,
        first_due: jiff::civil::date(2026, 12, 5),
        sizing: Sizing::Count(48),
    };
    let seen = Seen {
        creditor: "NBANK",
        account_ref: "NY-1",
        version: view.version,
    };
    let arranged = store
        .create_arrangement(&user, seen, &NewArrangement::Plan(terms), Replace(false))
        .await
        .unwrap()
        .unwrap();
    assert!(arranged.approval.is_some(), "beyond policy: waits");
}

async fn dispute(fixture: &Fixture, account: &str, detail: &str) {
    fixture
        .store
        .place_hold(
            &Actor::new("test:setup"),
            "NBANK",
            account,
            HoldKind::Dispute,
            detail,
            "dispute logged",
        )
        .await
        .unwrap();
}

async fn holds(fixture: &Fixture, account: &str) -> Vec<HoldKind> {
    fixture
        .store
        .contact_facts("NBANK", account)
        .await
        .unwrap()
        .holds
}

#[tokio::test]
async fn a_supervisor_resolves_disputes_on_screen_and_the_hold_follows() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    browser.set_viewport((1280, 720)).await;
    let fixture = Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK"]),
            ("sue", Role::Supervisor, &["NBANK"]),
        ],
    )
    .await;
    long_plan(&fixture, "ana").await;
    dispute(&fixture, "NY-1", "says the balance was paid in June").await;
    dispute(&fixture, "NY-2", "not my account").await;
    sign_in(&browser, &fixture, "sue").await;

    // The approval shows the account's dispute hold; approving is refused by the rule.
    browser.goto(&fixture.url("/approvals")).await;
    let approval = browser
        .wait_for_text("#approvals", "NBANK NY-1", WAIT)
        .await;
    assert!(approval.contains("Dispute"), "{approval}");
    assert!(
        approval.contains("says the balance was paid in June"),
        "{approval}"
    );
    assert_eq!(
        browser
            .find_all("#approvals li[data-approval] .hold[data-hold=dispute]")
            .await
            .len(),
        1
    );
    browser.assert_accessible("approvals").await;
    let id = browser
        .attribute("#approvals li[data-approval]", "data-approval")
        .await
        .unwrap();
    browser.click(&format!("#approve-{id}")).await;
    let refused = browser
        .wait_for_text("#errors", "us.dispute_pending", WAIT)
        .await;
    assert!(refused.contains("12 CFR 1006.38(d)(2)"), "{refused}");
    browser.assert_accessible("approvals, refused").await;

    // The disputes page lists both, oldest first.
    browser.goto(&fixture.url("/disputes")).await;
    let listed = browser.wait_for_text("#disputes", "NBANK NY-1", WAIT).await;
    assert!(listed.contains("Ann Bee"), "{listed}");
    assert!(listed.contains("NBANK NY-2"), "{listed}");
    assert!(
        listed.contains("not sent"),
        "the validation notice: {listed}"
    );
    browser.assert_accessible("disputes").await;
    browser.screenshot(&screenshot_path("disputes.png")).await;

    // No outcome chosen: refused next to the field, the note kept.
    browser
        .type_text("#note-NBANK-NY-1", "account statement mailed 2026-11-20")
        .await;
    browser.click("#submit-NBANK-NY-1").await;
    browser
        .wait_for_text("#outcome-NBANK-NY-1-error", "Choose an outcome.", WAIT)
        .await;
    let kept = browser
        .find("#note-NBANK-NY-1")
        .await
        .property("value")
        .await;
    assert_eq!(kept, "account statement mailed 2026-11-20");
    assert_eq!(holds(&fixture, "NY-1").await, [HoldKind::Dispute]);

    // Verified: the hold lifts, the row leaves the list, and the plan may be approved.
    browser
        .execute(
            "document.getElementById('outcome-NBANK-NY-1').value = 'verified';",
            vec![],
        )
        .await;
    browser.click("#submit-NBANK-NY-1").await;
    browser
        .wait_for_text("#flash", "Dispute resolved.", WAIT)
        .await;
    assert!(!browser.text("#disputes").await.contains("NY-1"));
    assert_eq!(holds(&fixture, "NY-1").await, Vec::<HoldKind>::new());
    browser.goto(&fixture.url("/approvals")).await;
    browser.wait_for("#approvals", WAIT).await;
    browser.click(&format!("#approve-{id}")).await;
    browser.wait_for_text("#flash", "Approved.", WAIT).await;

    // In Spanish, upheld: the hold stays and the account goes back to the creditor.
    browser.click("#language").await;
    browser.wait_for_text("h1", "Aprobaciones", WAIT).await;
    browser.goto(&fixture.url("/disputes")).await;
    browser.wait_for_text("h1", "Disputas", WAIT).await;
    browser.assert_accessible("disputes (es)").await;
    browser
        .execute(
            "document.getElementById('outcome-NBANK-NY-2').value = 'upheld';",
            vec![],
        )
        .await;
    browser
        .type_text("#note-NBANK-NY-2", "identity theft report on file")
        .await;
    browser.click("#submit-NBANK-NY-2").await;
    browser
        .wait_for_text("#flash", "Disputa resuelta.", WAIT)
        .await;
    browser.wait_for("#disputes-none", WAIT).await;
    assert_eq!(holds(&fixture, "NY-2").await, [HoldKind::Dispute]);
    let status = fixture
        .store
        .contact_facts("NBANK", "NY-2")
        .await
        .unwrap()
        .status;
    assert_eq!(status, "recalled");
    browser.goto(&fixture.url("/approvals")).await;
    browser.wait_for("h1", WAIT).await;
    browser.assert_accessible("approvals (es)").await;
}
