//! Email from the command line on both engines: sending through the outbox, a delivery
//! round without a server, bounces and replies read from files (bad ones named by file,
//! line and field; read again, nothing changes).

use crate::{Env, Postgres};

const PLACEMENT: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,email,language\n\
ACME,A-1,D-1,Ana,Ruiz,100.00,USD,2026-01-15,1 Main St,Boston,MA,02110,ana@example.com,es\n";

const REPORT: &str = "From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; ANA@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n";

const REPLY: &str = "From: Ana Ruiz <ana@example.com>\r\nTo: collections@localhost\r\nSubject: Re: Recordatorio de pago\r\nMessage-ID: <reply-1@example.com>\r\n\r\nYa pagué el lunes.\r\n";

#[test]
fn email_is_queued_bounces_mark_the_address_bad_and_replies_become_queries() {
    let env = Env::new();
    let placement = env.write("placement.csv", PLACEMENT);
    let report = env.write("report.eml", REPORT);
    let bad = env.write("bad.eml", &REPORT.replace("Status: 5.1.1", "Status: five"));
    let reply = env.write("reply.eml", REPLY);
    let postgres = Postgres::create();
    let mut databases = vec![env.sqlite("arrears.db")];
    databases.extend(postgres.as_ref().map(|postgres| postgres.url.clone()));
    for db in &databases {
        env.ok(db, &["import", "placements", placement.to_str().unwrap()]);
        let send = [
            "email",
            "send",
            "--creditor",
            "ACME",
            "--account",
            "A-1",
            "--template",
            "payment_reminder",
        ];
        let sent = env.ok(db, &send);
        assert!(sent.starts_with("queued as message 1"), "{sent}");
        // The same instant, the same message: nothing new.
        assert!(env.ok(db, &send).contains("already queued"));
        let unknown = env.arrears(
            db,
            &[
                "email",
                "send",
                "--creditor",
                "ACME",
                "--account",
                "A-1",
                "--template",
                "nonsense",
            ],
        );
        assert_eq!(unknown.status.code(), Some(2));
        // No SMTP server configured: the email waits, with its reason.
        let round = env.ok(db, &["outbox", "deliver"]);
        assert!(round.contains("sent 0, retrying 1, given up 0"), "{round}");
        assert!(round.contains("  queued 1"), "{round}");
        // A bad report is refused whole, named by file, line and field.
        let refused = env.arrears(db, &["email", "bounces", bad.to_str().unwrap()]);
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!(
                "{}:16: Status: \"five\" is not a status code",
                bad.display()
            )),
            "{stderr}"
        );
        let bounced = env.ok(db, &["email", "bounces", report.to_str().unwrap()]);
        assert!(
            bounced.contains("hard bounce: ana@example.com"),
            "{bounced}"
        );
        assert!(bounced.contains("1 contact points marked bad"), "{bounced}");
        let again = env.ok(db, &["email", "bounces", report.to_str().unwrap()]);
        assert!(again.contains("0 contact points marked bad"), "{again}");
        // The address is no longer used.
        let later = env.arrears_at("2026-11-23T15:05:00Z", db, &send, None);
        assert_eq!(later.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&later.stderr).contains("no usable email contact point"),
            "{}",
            String::from_utf8_lossy(&later.stderr)
        );
        // A reply is a query on the sender's account; the same reply again adds nothing.
        let landed = env.ok(db, &["email", "inbound", reply.to_str().unwrap()]);
        assert!(landed.contains("query 1 on ACME/A-1"), "{landed}");
        let again = env.ok(db, &["email", "inbound", reply.to_str().unwrap()]);
        assert!(again.contains("nothing new"), "{again}");
        assert!(env.arrears(db, &["audit", "verify"]).status.success());
    }
}

/// `arrears serve` delivers the outbox in the background and stops cleanly with the
/// server: a text queued from the command line reaches the SMS folder without any
/// `outbox deliver`, and an interrupt ends the server with status 0.
#[test]
fn the_server_delivers_the_outbox_in_the_background_and_stops_cleanly() {
    let env = Env::new();
    let placement = env.write(
        "texts.csv",
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,language\n\
         ACME,T-1,D-1,Ana,Ruiz,100.00,USD,2026-01-15,1 Main St,Boston,MA,02110,(617) 555-0101,es\n",
    );
    let postgres = Postgres::create();
    let mut databases = vec![env.sqlite("serve.db")];
    databases.extend(postgres.as_ref().map(|postgres| postgres.url.clone()));
    for (index, db) in databases.iter().enumerate() {
        env.ok(db, &["import", "placements", placement.to_str().unwrap()]);
        let sent = env.ok(
            db,
            &[
                "sms",
                "send",
                "--creditor",
                "ACME",
                "--account",
                "T-1",
                "--template",
                "payment_reminder",
            ],
        );
        assert!(sent.starts_with("queued as message 1"), "{sent}");
        let folder = env.path(&format!("texts-{index}"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_arrears"))
            .args([
                "--db",
                db,
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .current_dir(env.path(""))
            .env("ARREARS_NOW", crate::NOW)
            .env("ARREARS_PII_KEY", crate::KEY)
            .env("ARREARS_SMS_OUTBOX_DIR", &folder)
            .env_remove("ARREARS_DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let text = loop {
            let files: Vec<_> = std::fs::read_dir(&folder)
                .map(|entries| entries.filter_map(Result::ok).collect())
                .unwrap_or_default();
            if let Some(file) = files.first() {
                break std::fs::read_to_string(file.path()).unwrap();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the deliverer never wrote the text"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert!(text.starts_with("To: +16175550101\n"), "{text}");
        assert!(
            text.contains("Responda ALTO para no recibir más mensajes."),
            "{text}"
        );
        let round = env.ok(db, &["outbox", "deliver"]);
        assert!(
            round.contains("    sent 1"),
            "delivered once, by the server: {round}"
        );
        let interrupted = std::process::Command::new("kill")
            .args(["-INT", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupted.success());
        let status = server.wait().unwrap();
        assert!(status.success(), "the server stops cleanly: {status:?}");
    }
}
