//! Email over a real SMTP dialogue with a sink in this process, the one-click opt-out
//! over HTTP, a down server that loses nothing and sends nothing twice, and the SMS
//! provider's signed webhook.

use crate::fixture::{Client, Fixture};
use app::contact::AskedBy;
use app::messages::{Channel, Send, Sent, Transports};
use domain::party::Role;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A small SMTP server: it speaks the dialogue lettre needs (EHLO, MAIL, RCPT, DATA,
/// RSET, NOOP, QUIT) and keeps every message's DATA.
struct Sink {
    received: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    async fn start(port: u16) -> Sink {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let received: Arc<Mutex<Vec<String>>> = Arc::default();
        let kept = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 sink ESMTP\r\n").await.ok();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.to_ascii_uppercase();
                        let answer: &[u8] = if verb.starts_with("EHLO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if verb.starts_with("DATA") {
                            write.write_all(b"354 go on\r\n").await.ok();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                                data.push_str("\r\n");
                            }
                            kept.lock().unwrap().push(data);
                            b"250 kept\r\n"
                        } else if verb.starts_with("QUIT") {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Sink { received, task }
    }

    fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

/// A header of a received message, unfolded.
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next()?;
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(found) = &mut value {
            if line.starts_with([' ', '\t']) {
                found.push(' ');
                found.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((key, rest)) = line.split_once(':')
            && key.eq_ignore_ascii_case(name)
        {
            value = Some(rest.trim().to_string());
        }
    }
    value
}

fn app_of(fixture: &Fixture) -> app::App {
    app::App::new(fixture.store.clone(), compliance::packs::RuleSet::builtin())
        .with_message_settings(app::messages::Settings {
            public_url: "https://arrears.example".into(),
            mail_from: "Arrears Collections <collections@agency.example>".into(),
            sms_webhook_secret: Some("webhook secret".into()),
            ..app::messages::Settings::default()
        })
}

fn reminder<'a>(account_ref: &'a str, channel: Channel) -> Send<'a> {
    Send {
        creditor: "NBANK",
        account_ref,
        channel,
        template: "payment_reminder",
        idempotency_key: None,
        point: None,
    }
}

/// 13:00 in New York, 10:00 in Seattle, on a Monday.
const NOW: &str = "2026-11-23T18:00:00Z";

#[tokio::test]
async fn email_goes_out_once_over_smtp_with_its_opt_out_and_one_click_stops_the_next() {
    let fixture = Fixture::start(NOW, &[("sam", Role::Supervisor, &["NBANK"])]).await;
    let app = app_of(&fixture);
    let actor = store::Actor::new("cli:test");

    // The SMTP server is down: a port nobody listens on.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let smtp = channels::email::Smtp::new(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let transports = Transports {
        smtp: Some(smtp),
        sms: None,
    };
    let sent = app
        .send_message(
            &actor,
            None,
            AskedBy::Cli,
            &reminder("NY-1", Channel::Email),
        )
        .await
        .unwrap();
    let Sent::Queued { id, already: false } = sent else {
        panic!("{sent:?}")
    };
    let round = app.deliver_due(&transports).await.unwrap();
    assert_eq!((round.sent, round.retrying), (0, 1), "{round:?}");
    let row = app.outbox_message(id).await.unwrap().unwrap();
    assert_eq!(row.state, "queued");
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{row:?}"
    );
    // Not due again before its backoff.
    assert_eq!(app.deliver_due(&transports).await.unwrap().sent, 0);

    // The supervisor sees it waiting with its error.
    let mut supervisor = fixture.sign_in("sam").await;
    let page = supervisor.get("/outbox").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("data-state=\"queued\"><td>Queued</td><td class=\"num\">1</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("data-message=\"{id}\"")),
        "{}",
        page.body
    );
    // What was sent is there to read, headers and all.
    let shown = supervisor.get(&format!("/outbox/{id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("Dear Ann Bee,"), "{}", shown.body);
    assert!(
        shown
            .body
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        shown.body
    );

    // The server comes back on the same port: the message goes out once.
    let sink = Sink::start(port).await;
    let later = app.at("2026-11-23T18:01:00Z".parse().unwrap());
    let round = later.deliver_due(&transports).await.unwrap();
    assert_eq!(round.sent, 1, "{round:?}");
    let again = app.at("2026-11-23T19:00:00Z".parse().unwrap());
    assert_eq!(
        again.deliver_due(&transports).await.unwrap(),
        Default::default()
    );
    let received = sink.messages();
    assert_eq!(received.len(), 1, "delivered exactly once");
    let message = &received[0];
    assert_eq!(app.outbox_message(id).await.unwrap().unwrap().state, "sent");

    // What the consumer receives: headers, body, the opt-out link.
    assert_eq!(header(message, "To").as_deref(), Some("ann@example.com"));
    assert!(
        header(message, "From")
            .unwrap()
            .contains("collections@agency.example"),
        "{message}"
    );
    assert_eq!(
        header(message, "Subject").as_deref(),
        Some("Payment reminder: account NY-1")
    );
    let message_id = header(message, "Message-ID").unwrap();
    assert!(message_id.ends_with("@agency.example>"), "{message_id}");
    assert_eq!(
        header(message, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let list_unsubscribe = header(message, "List-Unsubscribe").unwrap();
    let link = list_unsubscribe
        .split(['<', '>'])
        .find(|part| part.starts_with("https://arrears.example/unsubscribe/"))
        .unwrap_or_else(|| panic!("{list_unsubscribe}"))
        .to_string();
    assert!(
        list_unsubscribe.contains("<mailto:collections@agency.example?subject=unsubscribe>"),
        "{list_unsubscribe}"
    );
    let email = app::messages::inbound::parse_email("received.eml", message.as_bytes()).unwrap();
    assert!(email.body.contains("Dear Ann Bee,"), "{}", email.body);
    assert!(email.body.contains("$1,200.00"), "{}", email.body);
    assert!(
        email
            .body
            .contains("You can stop email from us at any time"),
        "{}",
        email.body
    );
    assert!(email.body.contains(&link), "{}", email.body);

    // The timeline keeps what was sent, with the decision that allowed it.
    let attempts = fixture
        .store
        .debtor_attempts(row.account_id.unwrap())
        .await
        .unwrap();
    let entry = attempts
        .iter()
        .find(|attempt| attempt.action == "email")
        .unwrap();
    assert_eq!(entry.outcome, "sent");
    assert_eq!(entry.contact_point.as_deref(), Some("ann@example.com"));
    assert_eq!(row.subject, "Payment reminder: account NY-1");

    // Following the link: GET asks, and opts nobody out.
    let path = link.strip_prefix("https://arrears.example").unwrap();
    let mut anonymous = Client {
        address: fixture.address,
        cookie: None,
    };
    let asked = anonymous.get(path).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("id=\"optout-submit\""),
        "{}",
        asked.body
    );
    let still = app
        .at("2026-11-23T18:02:00Z".parse().unwrap())
        .send_message(
            &actor,
            None,
            AskedBy::Cli,
            &reminder("NY-1", Channel::Email),
        )
        .await
        .unwrap();
    assert!(matches!(still, Sent::Queued { .. }), "{still:?}");
    // A forged link does nothing.
    let forged = anonymous
        .post(&path.replace("unsubscribe/61", "unsubscribe/62"), &[])
        .await;
    assert_eq!(forged.status, 404, "{}", forged.body);

    // The one-click POST, as mail providers send it: no session, no CSRF token.
    let clicked = anonymous
        .post(path, &[("List-Unsubscribe", "One-Click")])
        .await;
    assert_eq!(clicked.status, 200, "{}", clicked.body);
    assert!(
        clicked
            .body
            .contains("we will send no more email to ann@example.com"),
        "{}",
        clicked.body
    );
    let refused = app
        .send_message(
            &actor,
            None,
            AskedBy::Cli,
            &reminder("NY-1", Channel::Email),
        )
        .await
        .unwrap();
    let Sent::Refused { rules, .. } = refused else {
        panic!("{refused:?}")
    };
    assert!(
        rules
            .iter()
            .any(|rule| rule.rule == "us.electronic_opt_out"),
        "{rules:?}"
    );
    let counts = app.outbox_counts().await.unwrap();
    let total: i64 = counts.iter().map(|(_, count)| count).sum();
    assert_eq!(total, 2, "the refused email queued nothing: {counts:?}");
    // The refusal is in the decision log with its rule.
    let decisions = app
        .decisions_for_account("NBANK", "NY-1", 10)
        .await
        .unwrap();
    assert!(
        decisions.iter().any(|decision| !decision.allowed
            && decision
                .rules
                .iter()
                .any(|rule| rule == "us.electronic_opt_out")),
        "{decisions:?}"
    );
}

#[tokio::test]
async fn a_validation_notice_goes_by_email_only_with_esign_consent() {
    let fixture = Fixture::start(NOW, &[]).await;
    let app = app_of(&fixture);
    let actor = store::Actor::new("cli:test");
    let notice = Send {
        template: "validation_notice",
        ..reminder("NY-1", Channel::Email)
    };
    let error = app
        .send_message(&actor, None, AskedBy::Cli, &notice)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("E-SIGN consent")
            && error.to_string().contains("ann@example.com"),
        "{error}"
    );
    assert!(
        app.record_esign_consent(&actor, "NBANK", "NY-1", "Ann@Example.com")
            .await
            .unwrap()
    );
    let sent = app
        .send_message(&actor, None, AskedBy::Cli, &notice)
        .await
        .unwrap();
    let Sent::Queued { id, .. } = sent else {
        panic!("{sent:?}")
    };
    let row = app.outbox_message(id).await.unwrap().unwrap();
    assert!(
        row.body_text.contains("is a debt collector"),
        "{}",
        row.body_text
    );
    let known = app.known("NBANK", "NY-1").await.unwrap();
    assert!(known.validation_notice_sent_at.is_some());
}

async fn webhook(fixture: &Fixture, body: &str, signature: Option<String>) -> (u16, String) {
    let address = fixture.address;
    let body = body.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let signature = signature
            .map(|value| format!("X-Arrears-Signature: {value}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "POST /api/v1/sms/inbound HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n{signature}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        (status, response)
    })
    .await
    .unwrap()
}

fn signed(body: &str) -> Option<String> {
    Some(format!(
        "sha256={}",
        app::messages::hmac_hex(b"webhook secret", body.as_bytes())
    ))
}

#[tokio::test]
async fn inbound_stop_and_alto_opt_out_a_bad_signature_changes_nothing_and_replies_become_queries()
{
    let config = web::Config {
        messages: app::messages::Settings {
            sms_webhook_secret: Some("webhook secret".into()),
            ..app::messages::Settings::default()
        },
        ..web::Config::default()
    };
    let fixture = Fixture::start_with(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK"]),
            ("sam", Role::Supervisor, &["NBANK"]),
        ],
        config,
    )
    .await;
    let app = app_of(&fixture);
    let actor = store::Actor::new("cli:test");
    let folder = tempfile::tempdir().unwrap();
    let transports = Transports {
        smtp: None,
        sms: Some(channels::sms::SmsSender::Folder(
            folder.path().to_path_buf(),
        )),
    };

    // A text goes out through the folder outbox with the opt-out instruction.
    let sent = app
        .send_message(&actor, None, AskedBy::Cli, &reminder("NY-2", Channel::Sms))
        .await
        .unwrap();
    assert!(matches!(sent, Sent::Queued { .. }), "{sent:?}");
    assert_eq!(app.deliver_due(&transports).await.unwrap().sent, 1);
    let files: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(text.starts_with("To: +15185550102\n"), "{text}");
    assert!(text.contains("Reply STOP to opt out."), "{text}");

    // A bad signature, or none: 401, and nothing changes.
    let stop = "From=%2B15185550102&To=%2B15555550100&Body=STOP";
    let (status, _) = webhook(&fixture, stop, Some("sha256=00".into())).await;
    assert_eq!(status, 401);
    let (status, _) = webhook(&fixture, stop, None).await;
    assert_eq!(status, 401);
    let tampered = webhook(&fixture, &stop.replace("STOP", "stop "), signed(stop)).await;
    assert_eq!(tampered.0, 401);
    // Nothing changed: another text may still go (a minute later: a new message).
    let minute_later = app.at("2026-11-23T18:01:00Z".parse().unwrap());
    assert!(matches!(
        minute_later
            .send_message(&actor, None, AskedBy::Cli, &reminder("NY-2", Channel::Sms))
            .await
            .unwrap(),
        Sent::Queued { already: false, .. }
    ));

    // STOP opts the number out, with one confirmation; the next text is refused.
    let (status, response) = webhook(&fixture, stop, signed(stop)).await;
    assert_eq!(status, 200, "{response}");
    assert!(
        response.contains("\"newly\":true") && response.contains("\"confirmation_queued\":true"),
        "{response}"
    );
    let (status, response) = webhook(&fixture, stop, signed(stop)).await;
    assert_eq!(status, 200);
    assert!(
        response.contains("\"confirmation_queued\":false"),
        "{response}"
    );
    let refused = app
        .send_message(&actor, None, AskedBy::Cli, &reminder("NY-2", Channel::Sms))
        .await
        .unwrap();
    let Sent::Refused { rules, .. } = refused else {
        panic!("{refused:?}")
    };
    assert!(
        rules
            .iter()
            .any(|rule| rule.rule == "us.electronic_opt_out"),
        "{rules:?}"
    );
    let round = minute_later.deliver_due(&transports).await.unwrap();
    assert_eq!(
        round.sent, 2,
        "the earlier reminder and the one confirmation"
    );
    let confirmation = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .find(|text| text.contains("no more text messages"))
        .expect("the confirmation");
    assert!(
        confirmation.starts_with("To: +15185550102\n"),
        "{confirmation}"
    );

    // ALTO (any case, spaces around) does the same for a Spanish speaker.
    let alto = "From=%2B12065550103&To=%2B15555550100&Body=+alto+";
    let (status, response) = webhook(&fixture, alto, signed(alto)).await;
    assert_eq!(status, 200, "{response}");
    assert!(
        response.contains("\"newly\":true") && response.contains("\"confirmation_queued\":true"),
        "{response}"
    );
    let refused = app
        .send_message(&actor, None, AskedBy::Cli, &reminder("WA-1", Channel::Sms))
        .await
        .unwrap();
    assert!(matches!(refused, Sent::Refused { .. }), "{refused:?}");
    let round = app.deliver_due(&transports).await.unwrap();
    assert_eq!(round.sent, 1);
    let spanish = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .find(|text| text.contains("+12065550103"))
        .expect("the Spanish confirmation");
    assert!(
        spanish.contains("no recibirá más mensajes de texto"),
        "{spanish}"
    );
    assert!(
        spanish.contains("Responda ALTO para no recibir más mensajes."),
        "{spanish}"
    );

    // Anything else is a query on the account of that number.
    let reply = "From=%2B16175550104&To=%2B15555550100&Body=I+can+pay+on+Friday&MessageSid=SM1";
    let (status, response) = webhook(&fixture, reply, signed(reply)).await;
    assert_eq!(status, 200, "{response}");
    assert!(response.contains("on NBANK/MA-1"), "{response}");
    let (_, again) = webhook(&fixture, reply, signed(reply)).await;
    assert!(again.contains("nothing new"), "{again}");
    let mut agent = fixture.sign_in("ana").await;
    // On the account desk's timeline: the text, from whom, not answered yet.
    let desk = agent.get("/accounts/NBANK/MA-1").await;
    assert_eq!(desk.status, 200, "{}", desk.body);
    let line = timeline_line(&desk.body, "I can pay on Friday");
    assert!(
        line.contains("Text from the debtor")
            && line.contains("not answered yet (answer by 2026-11-2")
            && line.contains("+16175550104"),
        "{line}"
    );
    let page = agent.get("/queries").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("I can pay on Friday"), "{}", page.body);
    assert!(page.body.contains("NBANK MA-1"), "{}", page.body);
    // On the team board: one open, none overdue yet.
    let mut supervisor = fixture.sign_in("sam").await;
    let board = supervisor.get("/team").await;
    assert!(
        board
            .body
            .contains("<span class=\"num\">1</span> open · <span class=\"num\">0</span> overdue"),
        "{}",
        board.body
    );
    // The agent answers it with a note: it leaves the open list (audited).
    let id = page
        .attribute_after("<tr data-query", "data-query")
        .unwrap();
    let empty = agent
        .post(
            &format!("/queries/{id}/answer"),
            &[("csrf", &page.csrf()), ("note", " ")],
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(
        empty.body.contains("aria-invalid=\"true\""),
        "{}",
        empty.body
    );
    let answered = agent
        .post(
            &format!("/queries/{id}/answer"),
            &[
                ("csrf", &page.csrf()),
                ("note", "Called back, payment Friday"),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let after = agent.get("/queries").await;
    assert!(
        !after.body.contains("I can pay on Friday"),
        "{}",
        after.body
    );
    let events = fixture
        .store
        .audit_events(&store::logs::AuditFilter::default(), 0, 50)
        .await
        .unwrap();
    assert!(
        events.iter().any(|event| event.action == "query.answered"),
        "audited"
    );
    // The desk says it was answered, by whom and how, in the agent's language.
    let desk = agent.get("/accounts/NBANK/MA-1").await;
    let line = timeline_line(&desk.body, "I can pay on Friday");
    assert!(
        line.contains("answered by ana: Called back, payment Friday"),
        "{line}"
    );
    assert_eq!(
        desk.body.matches("I can pay on Friday").count(),
        1,
        "one row, not the audit event beside it"
    );
    let switched = agent.post("/me/language", &[("csrf", &desk.csrf())]).await;
    assert_eq!(switched.status, 303, "{}", switched.body);
    let desk = agent.get("/accounts/NBANK/MA-1").await;
    let line = timeline_line(&desk.body, "I can pay on Friday");
    assert!(
        line.contains("Mensaje de texto del deudor")
            && line.contains("respondida por ana: Called back, payment Friday"),
        "{line}"
    );
    // A reply with characters no text may hold (a C1 control, a byte-order mark) is not
    // refused — the provider could only retry it — but kept without them; unsigned, it
    // is a 401 like any other.
    let garbled = "From=%2B16175550104&To=%2B15555550100&Body=Paid%C2%8B+in+full%EF%BB%BF+today&MessageSid=SM2";
    let (status, _) = webhook(&fixture, garbled, None).await;
    assert_eq!(status, 401);
    let (status, response) = webhook(&fixture, garbled, signed(garbled)).await;
    assert_eq!(status, 200, "{response}");
    assert!(response.contains("on NBANK/MA-1"), "{response}");
    let desk = agent.get("/accounts/NBANK/MA-1").await;
    let line = timeline_line(&desk.body, "Paid in full today");
    assert!(line.contains("+16175550104"), "{line}");
}

/// The timeline's line (`<li>…</li>`) that holds `text`.
fn timeline_line(page: &str, text: &str) -> String {
    let timeline = page
        .split("id=\"timeline\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no timeline: {page}"));
    timeline
        .split("<li")
        .find(|line| line.contains(text))
        .unwrap_or_else(|| panic!("{text:?} is not on the timeline: {timeline}"))
        .split("</li>")
        .next()
        .unwrap()
        .to_string()
}

/// HELP and AYUDA queue the help text in the debtor's language, opt nobody out and
/// open no query.
#[tokio::test]
async fn help_and_ayuda_answer_with_the_help_text_and_change_nothing_else() {
    let config = web::Config {
        messages: app::messages::Settings {
            sms_webhook_secret: Some("webhook secret".into()),
            ..app::messages::Settings::default()
        },
        ..web::Config::default()
    };
    let fixture = Fixture::start_with(NOW, &[("ana", Role::Agent, &["NBANK"])], config).await;
    let app = app_of(&fixture);
    let actor = store::Actor::new("cli:test");
    let folder = tempfile::tempdir().unwrap();
    let transports = Transports {
        smtp: None,
        sms: Some(channels::sms::SmsSender::Folder(
            folder.path().to_path_buf(),
        )),
    };
    for body in [
        "From=%2B15185550102&To=%2B15555550100&Body=HELP&MessageSid=SM-H1",
        "From=%2B12065550103&To=%2B15555550100&Body=+Ayuda+&MessageSid=SM-H2",
    ] {
        let (status, response) = webhook(&fixture, body, signed(body)).await;
        assert_eq!(status, 200, "{response}");
        assert!(
            response.contains("\"outcome\":\"help\"") && response.contains("\"queued\":true"),
            "{response}"
        );
    }
    assert_eq!(app.deliver_due(&transports).await.unwrap().sent, 2);
    let texts: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let to = |number: &str| {
        texts
            .iter()
            .find(|text| text.starts_with(&format!("To: {number}\n")))
            .unwrap_or_else(|| panic!("no text to {number}: {texts:?}"))
            .clone()
    };
    let english = to("+15185550102");
    assert!(
        english.contains("this number sends account messages from a debt collector")
            && english.contains("Reply STOP to opt out."),
        "{english}"
    );
    let spanish = to("+12065550103");
    assert!(
        spanish.contains("este número envía mensajes de cuentas de un cobrador de deudas")
            && spanish.contains("Responda ALTO para no recibir más mensajes."),
        "{spanish}"
    );
    // Nobody opted out: the next text to either still goes.
    for account in ["NY-2", "WA-1"] {
        let later = app.at("2026-11-23T18:05:00Z".parse().unwrap());
        let sent = later
            .send_message(&actor, None, AskedBy::Cli, &reminder(account, Channel::Sms))
            .await
            .unwrap();
        assert!(matches!(sent, Sent::Queued { .. }), "{account}: {sent:?}");
    }
    // No query: the queue is empty and the desk's timeline shows no reply.
    assert!(
        fixture.store.queries(None, 10).await.unwrap().is_empty(),
        "a help word is not a query"
    );
    let mut agent = fixture.sign_in("ana").await;
    let queries = agent.get("/queries").await;
    assert!(
        !queries.body.contains("HELP") && !queries.body.to_lowercase().contains("ayuda"),
        "{}",
        queries.body
    );
    let desk = agent.get("/accounts/NBANK/NY-2").await;
    assert!(!desk.body.contains("Text from the debtor"), "{}", desk.body);
}

/// A STOP sent before 08:00 on the consumer's clock is honoured at once, and its one
/// confirmation goes out at 08:00, not before.
#[tokio::test]
async fn a_stop_before_eight_is_confirmed_at_eight() {
    let config = web::Config {
        messages: app::messages::Settings {
            sms_webhook_secret: Some("webhook secret".into()),
            ..app::messages::Settings::default()
        },
        ..web::Config::default()
    };
    // 07:00 in Seattle.
    let fixture = Fixture::start_with("2026-11-23T15:00:00Z", &[], config).await;
    let app = app_of(&fixture);
    let folder = tempfile::tempdir().unwrap();
    let transports = Transports {
        smtp: None,
        sms: Some(channels::sms::SmsSender::Folder(
            folder.path().to_path_buf(),
        )),
    };
    let stop = "From=%2B12065550103&To=%2B15555550100&Body=Stop";
    let (status, response) = webhook(&fixture, stop, signed(stop)).await;
    assert_eq!(status, 200, "{response}");
    assert!(
        response.contains("\"newly\":true") && response.contains("\"confirmation_queued\":true"),
        "{response}"
    );
    assert_eq!(app.deliver_due(&transports).await.unwrap().sent, 0);
    let at_seven_59 = app.at("2026-11-23T15:59:00Z".parse().unwrap());
    assert_eq!(at_seven_59.deliver_due(&transports).await.unwrap().sent, 0);
    let at_eight = app.at("2026-11-23T16:00:00Z".parse().unwrap());
    assert_eq!(at_eight.deliver_due(&transports).await.unwrap().sent, 1);
    let files: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
}
