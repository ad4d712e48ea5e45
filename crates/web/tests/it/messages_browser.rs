//! The messages pages in Chromium: the outbox with a waiting email and its error, the
//! queries queue with a reply, the consumer's opt-out page — axe-core clean, in English
//! and Spanish where the page follows the user's language.

use crate::browser::{Browser, WAIT};
use crate::fixture::{Fixture, PASSWORD};
use app::contact::AskedBy;
use app::messages::{Channel, Send, Transports};
use domain::party::Role;

#[tokio::test]
async fn the_outbox_the_queries_and_the_opt_out_page_are_accessible() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    browser.set_viewport((1280, 720)).await;
    let fixture = Fixture::start(
        "2026-11-23T18:00:00Z",
        &[("sam", Role::Supervisor, &["NBANK"])],
    )
    .await;
    let app = app::App::new(fixture.store.clone(), compliance::packs::RuleSet::builtin())
        .with_message_settings(app::messages::Settings {
            sms_webhook_secret: Some("secret".into()),
            ..app::messages::Settings::default()
        });
    let actor = store::Actor::new("cli:test");
    let send = Send {
        creditor: "NBANK",
        account_ref: "NY-1",
        channel: Channel::Email,
        template: "payment_reminder",
        idempotency_key: None,
        point: None,
    };
    app.send_message(&actor, None, AskedBy::Cli, &send)
        .await
        .unwrap();
    app.deliver_due(&Transports::default()).await.unwrap();
    let body = "From=%2B16175550104&To=%2B15555550100&Body=Please+call+me+after+five";
    let signature = app::messages::hmac_hex(b"secret", body.as_bytes());
    app.sms_inbound(body.as_bytes(), Some(&signature))
        .await
        .unwrap();

    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", "sam").await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("nav[aria-label=main]", WAIT).await;
    for (path, marker) in [("/outbox", "#outbox-problems"), ("/queries", "#queries")] {
        browser.goto(&fixture.url(path)).await;
        browser.wait_for(marker, WAIT).await;
        let text = browser.text(marker).await;
        let expected = if path == "/outbox" {
            "no SMTP server configured"
        } else {
            "Please call me after five"
        };
        assert!(text.contains(expected), "{text}");
        browser.assert_accessible(path).await;
        browser.click("#language").await;
        browser.wait_for("html[lang=es]", WAIT).await;
        browser.assert_accessible(&format!("{path} (es)")).await;
        browser.click("#language").await;
        browser.wait_for("html[lang=en]", WAIT).await;
    }
    browser.goto(&fixture.url("/outbox/1")).await;
    browser.wait_for("#message-body", WAIT).await;
    browser.assert_accessible("a message in the outbox").await;
    let link = app.opt_out_link("ann@example.com");
    let path = link.strip_prefix("http://127.0.0.1:8080").unwrap();
    browser.goto(&fixture.url(path)).await;
    browser.wait_for("#optout-submit", WAIT).await;
    browser.assert_accessible("the opt-out page").await;
    browser.click("#optout-submit").await;
    browser.wait_for("#optout-done", WAIT).await;
    browser.assert_accessible("the opt-out page, done").await;
}
