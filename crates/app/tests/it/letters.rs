//! Issue 15: the print batch survives a crash between writing its ZIP and marking its
//! letters exported, and a letter is dated on the debtor's calendar.

use crate::support::{first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::letters::{Agency, Lang, LetterError};
use std::collections::BTreeSet;
use std::process::Command;
use store::Actor;

fn agency() -> Agency {
    Agency {
        name: "Arrears Recovery Services".into(),
        address: vec!["100 Main Street".into(), "Springfield, IL 62701".into()],
        phone: "(800) 555-0100".into(),
    }
}

/// The words of a PDF, one space between each.
fn pdf_words(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_print_batch_cut_short_is_written_again_the_same_and_no_letter_goes_twice() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let actor = Actor::new("test:clerk");
        let folder = tempfile::tempdir().unwrap();
        let documents = folder.path().join("documents");
        let out = |name: &str| folder.path().join(name);
        let send = |creditor: &'static str, account: &'static str| {
            let app = app.clone();
            let actor = actor.clone();
            let documents = documents.clone();
            async move {
                app.send_letter(
                    &actor,
                    creditor,
                    account,
                    "payment_reminder",
                    Lang::En,
                    &agency(),
                    &documents,
                )
                .await
                .unwrap()
            }
        };
        let day = first_day();
        send("ACME", "A-1").await;
        send("BETA", "B-1").await;

        // The batch is recorded and its ZIP written, then the run dies before it marks
        // the letters exported.
        let cut_short = app
            .prepare_print_batch(&actor, day, &documents)
            .await
            .unwrap();
        assert_eq!(cut_short.letters, 2);
        std::fs::write(out("first.zip"), &cut_short.zip).unwrap();
        assert_eq!(
            store.queued_letters(day).await.unwrap().len(),
            2,
            "nothing is exported until the batch completes"
        );

        // A letter queued after the crash waits for the next batch: the re-run writes
        // the same batch, byte for byte, and completes it.
        send("ACME", "A-3").await;
        let again = app
            .print_batch(&actor, day, &documents, &out("again.zip"))
            .await
            .unwrap();
        assert!(again.resumed);
        assert_eq!(again.letters, 2);
        assert_eq!(again.zip, cut_short.zip, "the same bytes");
        assert_eq!(std::fs::read(out("again.zip")).unwrap(), cut_short.zip);
        let next = app
            .print_batch(&actor, day, &documents, &out("next.zip"))
            .await
            .unwrap();
        assert!(!next.resumed);
        assert_eq!(next.letters, 1, "only the letter queued since");

        // The ZIP cannot be written (no such folder): nothing is marked, no temporary
        // file is left, and the next run writes that batch.
        send("BETA", "B-3").await;
        let missing = folder.path().join("no-such-folder").join("batch.zip");
        match app.print_batch(&actor, day, &documents, &missing).await {
            Err(LetterError::Documents { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(store.queued_letters(day).await.unwrap().len(), 1);
        let retried = app
            .print_batch(&actor, day, &documents, &out("retried.zip"))
            .await
            .unwrap();
        assert!(retried.resumed);
        assert_eq!(retried.letters, 1);
        let leftovers: Vec<_> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        // Nothing left; every letter in exactly one completed batch.
        let empty = app
            .print_batch(&actor, day, &documents, &out("empty.zip"))
            .await
            .unwrap();
        assert_eq!(empty.letters, 0);
        assert!(empty.batch.is_none());
        assert!(store.queued_letters(day).await.unwrap().is_empty());
        let batches = store.print_batches(day).await.unwrap();
        assert_eq!(
            batches.iter().map(|b| (b.1, b.2)).collect::<Vec<_>>(),
            [(2, true), (1, true), (1, true)]
        );
        let mut seen = BTreeSet::new();
        for batch in [&again, &next, &retried] {
            for letter in &batch.batch.as_ref().unwrap().letters {
                assert!(seen.insert(letter.queue_id), "exported twice: {letter:?}");
            }
        }
        assert_eq!(seen.len(), 4);
        let events = store
            .audit_events(&store::logs::AuditFilter::default(), 0, 200)
            .await
            .unwrap();
        let count = |action: &str| events.iter().filter(|e| e.action == action).count();
        assert_eq!(count("letters.batch_opened"), 3);
        assert_eq!(count("letters.exported"), 3);
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
    }
}

/// 00:30 on Tuesday 2026-11-24 in New York (the business zone) is still Monday evening
/// in Seattle: a notice sent then to a Seattle debtor is dated Monday, and its
/// validation period counted from Monday (receipt Tuesday 2026-12-01, Thanksgiving
/// excluded; the period ends 2026-12-31); one sent to an Albany debtor at the same
/// instant is dated Tuesday (the period ends 2027-01-01). Both are queued for the
/// business day.
#[tokio::test]
async fn a_notice_is_dated_and_its_period_counted_on_the_debtors_calendar() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let at: jiff::Timestamp = "2026-11-24T05:30:00Z".parse().unwrap();
        let store = db.open(at).await;
        set_up(&store).await;
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let actor = Actor::new("test:clerk");
        let folder = tempfile::tempdir().unwrap();
        let business_day = jiff::civil::date(2026, 11, 24);
        assert_eq!(app.today(), business_day);
        for (account, dated, ends, not) in [
            (
                "A-4",
                "November 23, 2026",
                "December 31, 2026",
                "January 1, 2027",
            ),
            (
                "A-1",
                "November 24, 2026",
                "January 1, 2027",
                "December 31, 2026",
            ),
        ] {
            let sent = app
                .send_letter(
                    &actor,
                    "ACME",
                    account,
                    "validation_notice",
                    Lang::En,
                    &agency(),
                    folder.path(),
                )
                .await
                .unwrap();
            let words = pdf_words(&sent.path);
            assert!(words.contains(dated), "{account}: {words}");
            assert!(words.contains(ends), "{account}: {words}");
            assert!(!words.contains(not), "{account}: {words}");
        }
        assert_eq!(store.queued_letters(business_day).await.unwrap().len(), 2);
    }
}
