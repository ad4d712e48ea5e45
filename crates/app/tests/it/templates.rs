//! The template editor at the use cases, on SQLite and PostgreSQL: a manager's saved
//! version is what the next letter, email and text say; a template that does not render
//! is refused with its line and nothing is saved; a text too long is refused with its
//! length; previews change nothing; restore saves an old text as the newest; only
//! managers and admins edit, and only on accounts they may see.

use crate::support::{first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::contact::AskedBy;
use app::letters::{Agency, Lang, LetterError};
use app::messages::{Channel, Send, Sent};
use app::workspace::PromiseLine;
use store::sessions::SessionUser;

// Users by index (support::USERS).
const ANA: usize = 0;
const SAM: usize = 2;
const MAX: usize = 4;
const ADA: usize = 6;

fn agency() -> Agency {
    Agency {
        name: "Arrears".into(),
        address: vec!["100 Main Street".into()],
        phone: "(800) 555-0100".into(),
    }
}

async fn send(
    app: &app::App,
    channel: Channel,
    account_ref: &str,
) -> app::model::messages::OutboxRow {
    let actor = app::model::Actor::new("test");
    let sent = app
        .send_message(
            &actor,
            None,
            AskedBy::Cli,
            &Send {
                creditor: "ACME",
                account_ref,
                channel,
                template: "payment_reminder",
                idempotency_key: None,
                point: None,
            },
        )
        .await
        .unwrap();
    let Sent::Queued { id, .. } = sent else {
        panic!("{sent:?}")
    };
    app.outbox_message(id).await.unwrap().unwrap()
}

fn forbidden<T: std::fmt::Debug>(result: Result<T, LetterError>) {
    assert!(
        matches!(result, Err(LetterError::App(app::Error::Forbidden(_)))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_managers_saved_version_is_what_the_next_letter_email_and_text_say() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let max = &users[MAX];
        let on = ("ACME", "A-1");

        // Before: the built-in words.
        let before = send(&app, Channel::Email, "A-1").await;
        assert_eq!(before.subject, "Payment reminder: account A-1");
        assert!(
            before.body_text.contains("Dear Ann Bee,"),
            "{}",
            before.body_text
        );

        // A draft previewed changes nothing that is sent.
        let preview = app
            .preview_template(
                max,
                "payment_reminder",
                Lang::En,
                "Draft {{ account.ref }}",
                "Draft body for {{ debtor.name }}.",
                on,
                &agency(),
            )
            .await
            .unwrap();
        assert_eq!(preview.subject, "Draft A-1");
        assert_eq!(preview.body, "Draft body for Ann Bee.");
        let letter = app
            .render_letter(
                "ACME",
                "A-1",
                "payment_reminder",
                Lang::En,
                &agency(),
                first_day(),
            )
            .await
            .unwrap();
        assert_eq!(letter.template.version, 0);
        assert!(!letter.content.contains("Draft"), "{}", letter.content);

        // Saved: version 1, and the next letter and email use it.
        let version = app
            .save_template(
                max,
                "payment_reminder",
                Lang::En,
                "Your balance with {{ creditor.name }}",
                "Hello {{ debtor.name }},\n\nYou owe {{ account.balance }} on {{ account.ref }}.",
                on,
                &agency(),
                "friendlier reminder",
            )
            .await
            .unwrap();
        assert_eq!(version, 1);
        let letter = app
            .render_letter(
                "ACME",
                "A-2",
                "payment_reminder",
                Lang::En,
                &agency(),
                first_day(),
            )
            .await
            .unwrap();
        assert_eq!(letter.template.version, 1);
        assert!(
            letter.content.contains("You owe $450.00 on A-2."),
            "{}",
            letter.content
        );
        let email = send(&app, Channel::Email, "A-2").await;
        assert_eq!(email.subject, "Your balance with ACME");
        assert!(
            email
                .body_text
                .starts_with("Hello Ann Bee,\n\nYou owe $450.00 on A-2."),
            "{}",
            email.body_text
        );
        // What no template removes: the disclosure and the opt-out link.
        assert!(
            email
                .body_text
                .contains("This is a communication from a debt collector.")
        );
        assert!(
            email.body_text.contains("/unsubscribe/"),
            "{}",
            email.body_text
        );
        assert!(
            email
                .body_html
                .unwrap()
                .contains("<p>You owe $450.00 on A-2.</p>")
        );

        // The text's own short template, and what the channel adds after it.
        let text = app
            .save_template(
                max,
                "payment_reminder.sms",
                Lang::En,
                "{{ a subject a text does not have",
                "{{ agency.name }}: {{ account.ref }} owes {{ account.balance }}.",
                on,
                &agency(),
                "shorter",
            )
            .await
            .unwrap();
        assert_eq!(text, 1);
        let sms = send(&app, Channel::Sms, "A-3").await;
        assert_eq!(
            sms.body_text,
            "Arrears: A-3 owes $120.00. This is a communication from a debt collector. Reply STOP to opt out."
        );

        // The catalogue shows who saved what.
        let overview = app.templates_overview(max).await.unwrap();
        assert_eq!(overview.len(), 22 * 2);
        let row = overview
            .iter()
            .find(|row| row.name == "payment_reminder" && row.lang == Lang::En)
            .unwrap();
        assert_eq!(row.version, 1);
        assert_eq!(row.saved.as_ref().unwrap().0, "max");
        let spanish = overview
            .iter()
            .find(|row| row.name == "payment_reminder" && row.lang == Lang::Es)
            .unwrap();
        assert_eq!((spanish.version, spanish.saved.is_none()), (0, true));
        let history = app
            .template_history(max, "payment_reminder", Lang::En)
            .await
            .unwrap();
        assert_eq!(
            history
                .versions
                .iter()
                .map(|v| (v.version, v.reason.as_str()))
                .collect::<Vec<_>>(),
            [(1, "friendlier reminder"), (0, "")]
        );
    }
}

/// Every built-in template renders on every account of the portfolio in English and
/// Spanish (a letter also as its PDF); a broken promise is named in the letter and
/// the text that follow it.
#[tokio::test]
async fn every_built_in_template_renders_on_every_account_and_names_a_broken_promise() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());

        // Ann promised $75.00 on A-1 and did not pay it.
        let view = store
            .account_view("ACME", "A-1", first_day())
            .await
            .unwrap()
            .unwrap();
        let due_on = first_day() + jiff::Span::new().days(3);
        let promised = app
            .record_promise(
                &users[ANA],
                &view,
                view.version,
                &[PromiseLine {
                    row: 1,
                    due_on,
                    amount: domain::money::Amount::from_minor(7_500),
                }],
                false,
            )
            .await
            .unwrap()
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE promises SET status = 'broken' WHERE id = {promised}"
        )))
        .execute(store.pool())
        .await
        .unwrap();

        let accounts = [
            ("ACME", "A-1"),
            ("ACME", "A-2"),
            ("ACME", "A-3"),
            ("ACME", "A-4"),
            ("BETA", "B-1"),
            ("BETA", "B-2"),
            ("BETA", "B-3"),
            ("BETA", "B-4"),
        ];
        for (name, ..) in app::letters::TEMPLATES {
            for lang in [Lang::En, Lang::Es] {
                for (creditor, account_ref) in accounts {
                    let rendered = app
                        .render_template(name, lang, creditor, account_ref, &agency())
                        .await
                        .unwrap_or_else(|error| panic!("{name} {creditor}/{account_ref}: {error}"));
                    assert!(!rendered.body.trim().is_empty(), "{name}");
                    if !name.ends_with(".sms") {
                        let letter = app
                            .render_letter(
                                creditor,
                                account_ref,
                                name,
                                lang,
                                &agency(),
                                first_day(),
                            )
                            .await
                            .unwrap_or_else(|error| {
                                panic!("{name} {creditor}/{account_ref}: {error}")
                            });
                        assert!(letter.pdf.starts_with(b"%PDF"), "{name}");
                    }
                }
            }
        }

        let (promise, amount) = (app::letters::Lang::En.date(due_on), "$75.00");
        let letter = app
            .render_template("promise_broken", Lang::En, "ACME", "A-1", &agency())
            .await
            .unwrap();
        assert!(
            letter
                .body
                .contains(&format!("You promised to pay {amount} starting {promise}")),
            "{}",
            letter.body
        );
        let other = app
            .render_template("promise_broken", Lang::En, "ACME", "A-2", &agency())
            .await
            .unwrap();
        assert!(!other.body.contains(amount), "{}", other.body);
        let text = app
            .render_template(
                "promise_broken_reminder.sms",
                Lang::Es,
                "ACME",
                "A-1",
                &agency(),
            )
            .await
            .unwrap();
        assert!(text.body.contains(amount), "{}", text.body);
    }
}

#[tokio::test]
async fn a_template_that_does_not_render_or_a_text_too_long_is_refused_and_nothing_saved() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let ada = &users[ADA];
        let on = ("ACME", "A-1");
        let save = |body: &'static str| {
            let app = app.clone();
            let ada = ada.clone();
            async move {
                app.save_template(
                    &ada,
                    "promise_confirmation",
                    Lang::Es,
                    "Su promesa",
                    body,
                    on,
                    &agency(),
                    "x",
                )
                .await
            }
        };
        for (body, line) in [
            (
                "Hola {{ debtor.name }}:\n\n{{ unknown_filter(account.ref) }}",
                3,
            ),
            ("Hola\n{% if arrangement %}\nsin cerrar", 2),
            ("Hola\n\n\n{{ account.balance | no_such_filter }}", 4),
            ("{{ account.no_such_fact }}", 1),
        ] {
            match save(body).await {
                Err(LetterError::Render {
                    field, line: at, ..
                }) => assert_eq!((field, at), ("body", line), "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        let too_long = app
            .save_template(
                ada,
                "help.sms",
                Lang::En,
                "",
                &"Call us. ".repeat(60),
                on,
                &agency(),
                "x",
            )
            .await;
        match too_long {
            Err(LetterError::TooLong { chars, .. }) => assert!(chars > 459, "{chars}"),
            other => panic!("{other:?}"),
        }
        assert!(
            too_long_message_names_the_limit(&app, ada).await,
            "the refusal states the limit"
        );
        for (name, lang) in [("promise_confirmation", Lang::Es), ("help.sms", Lang::En)] {
            let history = app.template_history(ada, name, lang).await.unwrap();
            assert_eq!(history.current.version, 0, "{name}");
            assert_eq!(history.versions.len(), 1, "{name}: only the built-in text");
        }
    }
}

async fn too_long_message_names_the_limit(app: &app::App, user: &SessionUser) -> bool {
    let error = app
        .preview_template(
            user,
            "help.sms",
            Lang::Es,
            "",
            &"Llámenos. ".repeat(60),
            ("ACME", "A-1"),
            &agency(),
        )
        .await
        .unwrap_err();
    error.to_string().contains("at most 459")
}

#[tokio::test]
async fn only_managers_and_admins_edit_and_only_on_accounts_they_may_see_restore_saves_anew() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let on = ("ACME", "A-1");
        for user in [&users[ANA], &users[SAM]] {
            forbidden(app.templates_overview(user).await);
            forbidden(
                app.template_history(user, "payment_reminder", Lang::En)
                    .await,
            );
            forbidden(
                app.preview_template(user, "payment_reminder", Lang::En, "s", "b", on, &agency())
                    .await,
            );
            forbidden(
                app.save_template(
                    user,
                    "payment_reminder",
                    Lang::En,
                    "s",
                    "b",
                    on,
                    &agency(),
                    "x",
                )
                .await,
            );
            forbidden(
                app.restore_template(user, "payment_reminder", Lang::En, 0, "x")
                    .await,
            );
        }

        // A manager whose work were limited to ACME previews nothing of BETA's: the
        // account is as good as absent.
        let scoped = SessionUser {
            creditor_ids: users[ANA].creditor_ids.clone(),
            ..users[MAX].clone()
        };
        let elsewhere = app
            .preview_template(
                &scoped,
                "payment_reminder",
                Lang::En,
                "s",
                "b",
                ("BETA", "B-1"),
                &agency(),
            )
            .await;
        assert!(
            matches!(elsewhere, Err(LetterError::NoAccount(_))),
            "{elsewhere:?}"
        );
        let pdf = app
            .preview_template_pdf(
                &scoped,
                "payment_reminder",
                Lang::En,
                "s",
                "b",
                ("BETA", "B-1"),
                &agency(),
            )
            .await;
        assert!(matches!(pdf, Err(LetterError::NoAccount(_))), "{pdf:?}");
        let saved = app
            .save_template(
                &scoped,
                "payment_reminder",
                Lang::En,
                "s",
                "b",
                ("BETA", "B-1"),
                &agency(),
                "x",
            )
            .await;
        assert!(matches!(saved, Err(LetterError::NoAccount(_))), "{saved:?}");
        let pdf = app
            .preview_template_pdf(
                &scoped,
                "payment_reminder",
                Lang::En,
                "PDF {{ account.ref }}",
                "b",
                on,
                &agency(),
            )
            .await
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"));

        // Restore: an old version and the built-in text, each saved as the newest.
        let max = &users[MAX];
        for subject in ["First", "Second"] {
            app.save_template(
                max,
                "paid_in_full",
                Lang::En,
                subject,
                "Paid.",
                on,
                &agency(),
                subject,
            )
            .await
            .unwrap();
        }
        assert_eq!(
            app.restore_template(max, "paid_in_full", Lang::En, 1, "back to the first")
                .await
                .unwrap(),
            3
        );
        let current = app.template_text("paid_in_full", Lang::En).await.unwrap();
        assert_eq!((current.version, current.subject.as_str()), (3, "First"));
        assert_eq!(
            app.restore_template(max, "paid_in_full", Lang::En, 0, "built-in")
                .await
                .unwrap(),
            4
        );
        let builtin = app
            .template_history(max, "paid_in_full", Lang::Es)
            .await
            .unwrap();
        let current = app.template_text("paid_in_full", Lang::En).await.unwrap();
        assert_eq!(current.version, 4);
        assert_ne!(current.subject, "First");
        assert_eq!(builtin.current.version, 0);
        let missing = app
            .restore_template(max, "paid_in_full", Lang::En, 9, "x")
            .await;
        assert!(
            matches!(missing, Err(LetterError::NoVersion { .. })),
            "{missing:?}"
        );
        let history = app
            .template_history(max, "paid_in_full", Lang::En)
            .await
            .unwrap();
        assert_eq!(
            history
                .versions
                .iter()
                .map(|v| v.version)
                .collect::<Vec<_>>(),
            [4, 3, 2, 1, 0]
        );
    }
}
