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
