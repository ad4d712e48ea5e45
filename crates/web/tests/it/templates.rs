//! The template editor over HTTP: agents and supervisors get 403 on every page and
//! post; a manager's refused save keeps the text and names the line next to the field;
//! a saved version shows in the list and the history and is what the next email says;
//! the PDF preview renders the draft and records nothing; restore saves anew.

use crate::fixture::Fixture;
use crate::roles::every_role;

const EDITOR: &str = "/admin/templates/payment_reminder/en";

fn encode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)]).unwrap()[2..].to_string()
}

#[tokio::test]
async fn agents_and_supervisors_may_not_open_or_post_the_editor() {
    let fixture = every_role().await;
    for user in ["ana", "sue", "bill", "aud"] {
        let mut client = fixture.sign_in(user).await;
        let csrf = client.get("/search").await.csrf();
        for path in [
            "/admin/templates",
            EDITOR,
            "/admin/templates/payment_reminder/en/preview.pdf?creditor=NBANK&account=NY-1",
        ] {
            assert_eq!(client.get(path).await.status, 403, "{user} GET {path}");
        }
        let posted = client
            .post(
                EDITOR,
                &[
                    ("csrf", &csrf),
                    ("op", "save"),
                    ("subject", "Mine"),
                    ("body", "Mine"),
                    ("creditor", "NBANK"),
                    ("account", "NY-1"),
                ],
            )
            .await;
        assert_eq!(posted.status, 403, "{user} POST");
        let page = client.get("/search").await;
        assert!(!page.body.contains("href=\"/admin/templates\""), "{user}");
    }
    // Nothing was saved.
    let mut max = fixture.sign_in("max").await;
    let list = max.get("/admin/templates").await;
    assert!(
        list.body.contains(
            "<tr data-template=\"payment_reminder\" data-lang=\"en\"><td><a href=\"/admin/templates/payment_reminder/en\"><code>payment_reminder</code></a></td><td>English</td><td>Letter and email</td><td>A reminder of the balance (letter and email)</td><td class=\"num version\">0</td><td class=\"saved-by\">built-in</td>"
        ),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("href=\"/admin/templates\""),
        "in the manager's navigation"
    );
}

async fn editor_post(
    client: &mut crate::fixture::Client,
    op: &str,
    subject: &str,
    body: &str,
    account: &str,
) -> crate::fixture::Response {
    let csrf = client.get(EDITOR).await.csrf();
    client
        .post(
            EDITOR,
            &[
                ("csrf", &csrf),
                ("op", op),
                ("subject", subject),
                ("body", body),
                ("creditor", "NBANK"),
                ("account", account),
                ("reason", "clearer wording"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_manager_is_refused_with_the_line_previews_saves_and_restores() {
    let fixture: Fixture = every_role().await;
    let mut max = fixture.sign_in("max").await;

    // Refused: the text is kept, the error names the line next to the textarea.
    let broken = "Dear {{ debtor.name }},\r\n\r\n{% if arrangement %}unclosed";
    let refused = editor_post(&mut max, "save", "Reminder", broken, "NY-1").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains(
            "aria-describedby=\"body-hint body-error\" aria-invalid=\"true\" autofocus>Dear {{ debtor.name }},\n\n{% if arrangement %}unclosed</textarea>"
        ),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("<span class=\"field-error\" id=\"body-error\" role=\"alert\">Line 3: "),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"clearer wording\""));
    assert!(
        max.get(EDITOR)
            .await
            .body
            .contains("<span id=\"current-version\">0</span>")
    );

    // Another creditor's or an unknown account: refused next to the account.
    let absent = editor_post(&mut max, "preview", "S", "B", "NO-SUCH").await;
    assert_eq!(absent.status, 422);
    assert!(
        absent
            .body
            .contains("id=\"account-error\">No account with this creditor")
    );

    // Preview: the draft on the account, nothing saved; its PDF renders the draft.
    let draft = "Hello {{ debtor.name }}, you owe {{ account.balance }}.";
    let preview = editor_post(&mut max, "preview", "Pay {{ account.ref }}", draft, "NY-1").await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("<strong id=\"rendered-subject\">Pay NY-1</strong>"),
        "{}",
        preview.body
    );
    let href = preview
        .attribute_after("id=\"pdf-link\"", "href")
        .unwrap()
        .replace("&#38;", "&");
    assert!(href.contains(&format!("body={}", encode(draft))), "{href}");
    let (status, kind, pdf) = crate::letters::get_bytes(&max, &href).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{href}");
    let text = crate::letters::pdf_text(&pdf);
    assert!(text.contains("Pay NY-1"), "{text}");
    assert!(text.contains("Hello Ann Bee, you owe $1,200.00."), "{text}");
    // Without a draft, the PDF is the current (built-in) text.
    let (_, _, current) = crate::letters::get_bytes(
        &max,
        "/admin/templates/payment_reminder/en/preview.pdf?creditor=NBANK&account=NY-1",
    )
    .await;
    let text = crate::letters::pdf_text(&current);
    assert!(text.contains("Payment reminder: account NY-1"), "{text}");
    let (status, _, _) = crate::letters::get_bytes(
        &max,
        "/admin/templates/payment_reminder/en/preview.pdf?creditor=NBANK&account=NO-SUCH",
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        max.get(EDITOR)
            .await
            .body
            .contains("<span id=\"current-version\">0</span>")
    );

    // Save: POST-redirect-GET, the list and history show it.
    let saved = editor_post(&mut max, "save", "Pay {{ account.ref }}", draft, "NY-1").await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let to = saved.header("location").unwrap().to_string();
    assert_eq!(to, format!("{EDITOR}?saved=1"));
    let page = max.get(&to).await;
    assert!(page.body.contains("Saved as version 1"), "{}", page.body);
    assert!(page.body.contains("<tr data-version=\"1\"><td class=\"num\">1 (in use)</td><td class=\"saved-by\">max</td>"), "{}", page.body);
    assert!(
        page.body
            .contains("<td class=\"reason\">clearer wording</td>")
    );
    let list = max.get("/admin/templates").await;
    assert!(
        list.body
            .contains("<td class=\"num version\">1</td><td class=\"saved-by\">max</td>"),
        "{}",
        list.body
    );

    // Restore the built-in text: version 2.
    let csrf = page.csrf();
    let restored = max
        .post(
            EDITOR,
            &[("csrf", &csrf), ("op", "restore"), ("version", "0")],
        )
        .await;
    assert_eq!(restored.status, 303);
    let page = max.get(restored.header("location").unwrap()).await;
    assert!(page.body.contains("<span id=\"current-version\">2</span>"));
    assert!(
        page.body
            .contains("<td class=\"reason\">restored version 0</td>")
    );
    assert!(
        page.body
            .contains("Payment reminder: account {{ account.ref }}")
    );

    // A text template: no subject field, and too long is refused with its length.
    let sms = "/admin/templates/payment_reminder.sms/es";
    let csrf = max.get(sms).await.csrf();
    let long = "Pague hoy. ".repeat(50);
    let refused = max
        .post(
            sms,
            &[
                ("csrf", &csrf),
                ("op", "save"),
                ("body", &long),
                ("creditor", "NBANK"),
                ("account", "NY-1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(!refused.body.contains("id=\"subject\""));
    assert!(
        refused.body.contains("Demasiado largo") || refused.body.contains("Too long for a text"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("at most 459") || refused.body.contains("como máximo 459"));
}
