//! The collector's desk in real headless Chromium at 1280×720: an agent's call from the
//! queue — right-party verification, the script with the agent's display name, a promise
//! from the negotiation tabs, "Save and next" onto another account — with the call panel
//! on one screen; a refused call keeps what was typed with the focus on the reason; axe
//! finds nothing in English or Spanish. Takes desk.png (target/screenshots/).

use crate::browser::{Browser, WAIT};
use crate::fixture::{Fixture, PASSWORD};
use domain::party::Role;

/// 10:00 in New York, 07:00 in Seattle.
const NOW: &str = "2026-11-23T15:00:00Z";
const VIEWPORT: (u32, u32) = (1280, 720);

async fn sign_in(browser: &Browser, fixture: &Fixture, user: &str) {
    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", user).await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("#next", WAIT).await;
}

/// The selectors whose box is not wholly inside the viewport.
async fn outside_viewport(browser: &Browser, selectors: &[&str]) -> Vec<String> {
    let found = browser
        .execute(
            "return arguments[0].map(function (s) {\n\
               var e = document.querySelector(s);\n\
               if (!e) return s + ': missing';\n\
               var r = e.getBoundingClientRect();\n\
               var inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;\n\
               return inside ? '' : s + ': ' + JSON.stringify([r.left, r.top, r.right, r.bottom]);\n\
             }).filter(function (x) { return x; });",
            vec![serde_json::json!(selectors)],
        )
        .await;
    found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|value| value.as_str().unwrap_or("?").to_string())
        .collect()
}

async fn focused_id(browser: &Browser) -> String {
    browser
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn an_agents_call_on_one_screen_from_verification_to_save_and_next() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let fixture = Fixture::start(NOW, &[("ana", Role::Agent, &["NBANK", "CITYUTIL"])]).await;
    fixture
        .store
        .set_display_name("admin", "ana", "Ana Torres")
        .await
        .unwrap();
    browser.set_viewport(VIEWPORT).await;
    sign_in(&browser, &fixture, "ana").await;
    browser.press("n").await;
    browser.wait_for("#call", WAIT).await;
    let first = browser.current_url().await;
    assert!(first.ends_with("/accounts/NBANK/NY-1"), "{first}");

    // The call panel fits the screen: verification, script, tabs, wrap-up buttons.
    let call_panel = [
        "#verify-form",
        "#script",
        "#tabs",
        "#panel-promise",
        "#attempt-form .dispositions",
        "#attempt-note",
        "#log-attempt",
        "#save-next",
    ];
    let outside = outside_viewport(&browser, &call_panel).await;
    if !outside.is_empty() {
        browser
            .screenshot(&crate::browser::screenshot_path("desk-overflow.png"))
            .await;
    }
    assert!(outside.is_empty(), "outside 1280×720: {outside:?}");
    browser.assert_accessible("the desk").await;
    assert!(
        browser
            .text("#not-verified")
            .await
            .contains("Do not disclose the debt")
    );

    // Right-party verification: Ann Bee, born 1980-04-12, SSN ending 4321.
    browser
        .execute(
            "document.getElementById('verify-dob').value = '1980-04-12';",
            vec![],
        )
        .await;
    browser.type_text("#verify-ssn", "4321").await;
    browser.type_text("#verify-zip", "12207").await;
    browser.click("#verify").await;
    browser
        .wait_for_text("#verified", "Right party verified", WAIT)
        .await;
    let script = browser.text("#script-opening").await;
    assert!(script.contains("My name is Ana Torres"), "{script}");
    assert!(!script.contains("My name is ana"), "{script}");
    assert!(
        browser
            .text("#mini-miranda")
            .await
            .contains("This is a communication from a debt collector")
    );

    // "2" (Promise to pay) opens the promise tab on its first date; an offer fills it.
    browser.press("2").await;
    assert_eq!(focused_id(&browser).await, "date_1");
    assert_eq!(
        browser
            .attribute("#tab-promise", "aria-selected")
            .await
            .as_deref(),
        Some("true")
    );
    browser.click("#panel-promise button.offer").await;
    browser.find("#amount_1").await.clear().await;
    browser.type_text("#amount_1", "1,000.00").await;
    browser.click("#record-promise").await;
    browser
        .wait_for_text("#flash", "Promise recorded", WAIT)
        .await;
    let running = browser.text("#running").await;
    assert!(running.contains("$1,000.00 2026-11-30"), "{running}");
    browser
        .screenshot(&crate::browser::screenshot_path("desk.png"))
        .await;
    let outside = outside_viewport(&browser, &call_panel).await;
    assert!(outside.is_empty(), "outside 1280×720: {outside:?}");

    // A plan offer fills the plan form in one click.
    browser.click("#tab-plan").await;
    browser
        .click("#panel-plan button.offer:nth-of-type(2)")
        .await;
    assert_eq!(
        browser
            .find("#plan-installments")
            .await
            .property("value")
            .await,
        "6"
    );

    // Wrap-up: "Promise to pay" with a note, then "Save and next".
    browser.click("#disposition-promise").await;
    browser
        .type_text("#attempt-note", "promised 1,000 on the 30th")
        .await;
    browser.click("#save-next").await;
    // The flash is on the next page only: reading the address before it could still
    // see this one (`#call` is on both).
    browser
        .wait_for_text("#flash", "Attempt logged", WAIT)
        .await;
    browser.wait_for("#call", WAIT).await;
    let next = browser.current_url().await;
    assert!(next.contains("/accounts/"), "{next}");
    assert!(
        !next.contains("/accounts/NBANK/NY-1"),
        "another account: {next}"
    );

    // In Spanish too, nothing for axe.
    browser.click("#language").await;
    browser
        .wait_for_text("#next", "Siguiente cuenta", WAIT)
        .await;
    browser.goto(&first).await;
    browser.wait_for("#call", WAIT).await;
    browser.assert_accessible("the desk in Spanish").await;
    let timeline = browser.text("#timeline").await;
    assert!(
        timeline.contains("promised 1,000 on the 30th"),
        "{timeline}"
    );
    assert!(timeline.contains("Persona verificada"), "{timeline}");

    // "N" on the desk takes the next account, as on the queue.
    browser.press("n").await;
    browser.wait_for("#call", WAIT).await;
    let taken = browser.current_url().await;
    assert!(!taken.ends_with("/accounts/NBANK/NY-1"), "{taken}");
}

#[tokio::test]
async fn a_refused_call_keeps_the_note_with_the_focus_on_the_reason() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let fixture = Fixture::start(NOW, &[("ana", Role::Agent, &["NBANK"])]).await;
    browser.set_viewport(VIEWPORT).await;
    sign_in(&browser, &fixture, "ana").await;
    // Seattle at 07:00: Regulation F's hours refuse the call.
    browser.goto(&fixture.url("/accounts/NBANK/WA-1")).await;
    browser.wait_for("#attempt-form", WAIT).await;
    browser
        .type_text("#attempt-note", "no answer, rang 8 times")
        .await;
    // Who chose a callback's time follows the disposition until the agent says.
    let checked = |id: &'static str| {
        let browser = &browser;
        async move { browser.find(id).await.property("checked").await == true }
    };
    assert!(!browser.find("#wrap-who").await.is_displayed().await);
    browser.type_text("#wrap-callback", "11242026\t1000A").await;
    assert!(
        browser.find("#wrap-who").await.is_displayed().await,
        "asked once a time is typed"
    );
    browser.click("#disposition-callback").await;
    assert!(
        checked("#wrap-requested").await,
        "callback requested: the debtor asked"
    );
    browser.click("#disposition-left_message").await;
    assert!(checked("#wrap-chosen").await, "any other: the agent chose");
    browser.click("#wrap-requested").await;
    browser.click("#disposition-wrong_number").await;
    assert!(
        checked("#wrap-requested").await,
        "the agent's own answer stays"
    );
    browser.find("#wrap-callback").await.clear().await;
    browser.click("#disposition-no_answer").await;
    browser.click("#save-next").await;
    browser
        .wait_for_text("#refusal", "us.time_of_day", WAIT)
        .await;
    assert_eq!(
        browser.find("#attempt-note").await.property("value").await,
        "no answer, rang 8 times"
    );
    assert_eq!(
        browser
            .find("#disposition-no_answer")
            .await
            .property("checked")
            .await,
        true
    );
    assert_eq!(focused_id(&browser).await, "attempt-contact");
    assert_eq!(
        browser
            .attribute("#attempt-contact", "aria-describedby")
            .await
            .as_deref(),
        Some("refusal")
    );
    assert!(
        browser
            .current_url()
            .await
            .ends_with("/accounts/NBANK/WA-1/attempts")
    );
    browser.assert_accessible("a refused call").await;

    // The dialer hook: a softphone listening for `arrears:dial` gets the number and may
    // keep the browser from following the tel: link.
    browser
        .execute(
            "window.dialed = null; document.addEventListener('arrears:dial', function (e) { window.dialed = e.detail.number; e.preventDefault(); });",
            vec![],
        )
        .await;
    // Brought to the middle of the screen first, as a person scrolls to it: WebDriver may
    // scroll it to the very top, under the desk's sticky summary.
    browser
        .execute(
            "document.querySelector('#contact-points a[data-dial]')\
             .scrollIntoView({block: 'center'});",
            vec![],
        )
        .await;
    browser.click("#contact-points a[data-dial]").await;
    let dialed = browser.execute("return window.dialed;", vec![]).await;
    assert_eq!(dialed, "+12065550103");
    assert!(
        browser
            .current_url()
            .await
            .ends_with("/accounts/NBANK/WA-1/attempts")
    );
}
