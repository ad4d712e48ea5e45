//! The dialer list built chunk by chunk by debtor id (issue 16): the same answers as one
//! pass over the whole portfolio, every decision logged, a debtor's accounts never split
//! across chunks, and a list that stops midway has written only logged lines.

use crate::support::{generated_text, import_text, postgres_db, sqlite_db};
use app::dialer::{StopCause, Tally};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};
use store::Actor;

/// 14:30 UTC on Monday 2026-11-23: 09:30 in New York, 06:30 in California, so the time of
/// day allows some debtors and not others.
const AT: &str = "2026-11-23T14:30:00Z";
/// Small chunks, so 300 accounts span many.
const DEBTORS_PER_CHUNK: i64 = 40;

/// Every (account, phone, allowed) the decision log holds from the dialer.
async fn logged(store: &store::Store) -> BTreeSet<(i64, String, bool)> {
    sqlx::query(
        "SELECT account_id, contact_point, decision FROM compliance_decisions WHERE asked_by = 'dialer'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|row| {
        let decision: String = row.get(2);
        (row.get(0), row.get(1), decision == "allow")
    })
    .collect()
}

/// A portfolio of 300 generated accounts with a legal hold and a cease request, and the
/// app over it at [`AT`].
async fn portfolio(db: &crate::support::TestDb) -> (store::Store, app::App) {
    let at: jiff::Timestamp = AT.parse().unwrap();
    let store = db.open(at).await;
    let text = generated_text(300, 16);
    import_text(&store, &text).await;
    let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
    let mut rows = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').collect::<Vec<_>>());
    for kind in [
        domain::account::HoldKind::Legal,
        domain::account::HoldKind::Cease,
    ] {
        let row = rows.next().unwrap();
        app.place_hold(&Actor::new("test:setup"), row[0], row[1], kind, "", "test")
            .await
            .unwrap();
    }
    (store, app)
}

#[tokio::test]
async fn the_chunked_list_decides_what_one_pass_decides_and_logs_every_decision() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let (store, app) = portfolio(&db).await;
        let at: jiff::Timestamp = AT.parse().unwrap();
        // One pass over every debtor at once: what the list must come to.
        let whole = app.callable_accounts(i64::MIN, i64::MAX, at).await.unwrap();
        let expected: BTreeSet<(i64, String, bool)> = whole
            .decisions
            .iter()
            .map(|d| (d.account_id, d.contact_point.clone().unwrap(), d.allowed))
            .collect();
        assert_eq!(
            expected.len(),
            whole.decisions.len(),
            "one per (account, phone)"
        );
        assert!(
            expected.iter().any(|(_, _, allowed)| *allowed),
            "{}",
            db.url
        );
        assert!(
            expected.iter().any(|(_, _, allowed)| !*allowed),
            "{}",
            db.url
        );
        assert!(whole.accounts.iter().any(|account| account.legal_hold));

        let chunks = store.debtor_chunks(DEBTORS_PER_CHUNK).await.unwrap();
        assert!(chunks.len() >= 5, "{chunks:?}");
        let mut out = Vec::new();
        let tally = app
            .dialer_list_in_chunks(
                &Actor::new("test:dialer"),
                at,
                true,
                &mut out,
                DEBTORS_PER_CHUNK,
            )
            .await
            .unwrap();

        // Every decision is logged, and they are the one pass's decisions.
        assert_eq!(logged(&store).await, expected, "{}", db.url);
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM compliance_decisions")
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(count as usize, expected.len());
        assert_eq!(
            tally,
            Tally {
                logged: expected.len() as u64,
                ..whole.tally.clone()
            }
        );
        // One audit event per chunk that decided anything.
        let mut chunks_with_decisions = 0;
        for (first, last) in &chunks {
            let calls = app.callable_accounts(*first, *last, at).await.unwrap();
            chunks_with_decisions += usize::from(!calls.decisions.is_empty());
        }
        let events: i64 =
            sqlx::query("SELECT COUNT(*) FROM audit_events WHERE action = 'compliance.decisions'")
                .fetch_one(store.pool())
                .await
                .unwrap()
                .get(0);
        assert_eq!(events as usize, chunks_with_decisions);
        assert!(store.verify_audit().await.unwrap().broken.is_none());

        // The lines: the allowed phones, by debtor id, then account, then phone.
        let lines: Vec<(String, String)> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    value["account_ref"].as_str().unwrap().to_string(),
                    value["phone"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let allowed: Vec<(String, String)> = whole
            .accounts
            .iter()
            .flat_map(|account| {
                account
                    .phones
                    .iter()
                    .filter(|phone| phone.allowed)
                    .map(|phone| (account.account_ref.clone(), phone.phone.clone()))
            })
            .collect();
        assert_eq!(lines, allowed);
        let debtors: Vec<i64> = whole
            .accounts
            .iter()
            .map(|account| account.debtor_id)
            .collect();
        assert!(debtors.is_sorted(), "by debtor id");
    }
}

#[tokio::test]
async fn a_debtors_accounts_are_never_split_across_chunks() {
    let db = sqlite_db();
    let (store, app) = portfolio(&db).await;
    let at: jiff::Timestamp = AT.parse().unwrap();
    let mut chunk_of_debtor: HashMap<i64, usize> = HashMap::new();
    let mut accounts_of_debtor: HashMap<i64, usize> = HashMap::new();
    for (index, (first, last)) in store.debtor_chunks(7).await.unwrap().iter().enumerate() {
        for account in app
            .callable_accounts(*first, *last, at)
            .await
            .unwrap()
            .accounts
        {
            assert!((*first..=*last).contains(&account.debtor_id));
            let chunk = *chunk_of_debtor.entry(account.debtor_id).or_insert(index);
            assert_eq!(chunk, index, "debtor {} split", account.debtor_id);
            *accounts_of_debtor.entry(account.debtor_id).or_default() += 1;
        }
    }
    assert!(
        accounts_of_debtor.values().any(|accounts| *accounts > 1),
        "the portfolio has debtors with several accounts"
    );
    let whole = app.callable_accounts(i64::MIN, i64::MAX, at).await.unwrap();
    assert_eq!(
        accounts_of_debtor.values().sum::<usize>(),
        whole.accounts.len()
    );
}

/// A writer that takes `flushes` flushes, then fails (a closed pipe, a full disk).
struct FailsAfter {
    flushes: usize,
    written: Vec<u8>,
}

impl std::io::Write for FailsAfter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.flushes == 0 {
            return Err(std::io::Error::other("disk full"));
        }
        self.written.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.flushes == 0 {
            return Err(std::io::Error::other("disk full"));
        }
        self.flushes -= 1;
        Ok(())
    }
}

#[tokio::test]
async fn a_list_that_stops_midway_says_how_far_it_got_and_every_line_written_is_logged() {
    let db = sqlite_db();
    let (store, app) = portfolio(&db).await;
    let at: jiff::Timestamp = AT.parse().unwrap();
    let chunks = store.debtor_chunks(DEBTORS_PER_CHUNK).await.unwrap();
    let mut out = FailsAfter {
        flushes: 2,
        written: Vec::new(),
    };
    let stopped = app
        .dialer_list_in_chunks(
            &Actor::new("test:dialer"),
            at,
            false,
            &mut out,
            DEBTORS_PER_CHUNK,
        )
        .await
        .unwrap_err();
    assert!(matches!(stopped.cause, StopCause::Write(_)));
    assert_eq!(stopped.progress.chunks_done, 2);
    assert_eq!(stopped.progress.chunks, chunks.len());
    assert_eq!(stopped.progress.last_debtor_id, Some(chunks[1].1));
    let message = stopped.to_string();
    assert!(
        message.starts_with(&format!(
            "the dialer list stopped after 2 of {} chunks of debtors (debtors up to id {} done): ",
            chunks.len(),
            chunks[1].1
        )),
        "{message}"
    );
    assert!(
        message.ends_with("writing the list: disk full"),
        "{message}"
    );

    // The lines written are those of the first two chunks, each of them logged; the
    // third chunk's decisions were logged before its lines failed to go out.
    let text = String::from_utf8(out.written).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("creditor,account_ref,phone,allowed_until")
    );
    let log = logged(&store).await;
    let mut expected_lines = 0;
    let mut expected_logged = 0;
    for (index, (first, last)) in chunks.iter().take(3).enumerate() {
        let calls = app.callable_accounts(*first, *last, at).await.unwrap();
        expected_logged += calls.decisions.len();
        if index < 2 {
            expected_lines += calls.tally.listed as usize;
        }
    }
    let written: Vec<&str> = lines.collect();
    assert_eq!(written.len(), expected_lines);
    assert_eq!(stopped.progress.tally.listed as usize, expected_lines);
    assert_eq!(log.len(), expected_logged);
    assert_eq!(stopped.progress.tally.logged as usize, expected_logged);
    let refs: BTreeSet<(String, String)> = sqlx::query(
        "SELECT a.account_ref, d.contact_point FROM compliance_decisions d JOIN accounts a ON a.id = d.account_id WHERE d.decision = 'allow'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect();
    for line in written {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(
            refs.contains(&(cells[1].to_string(), cells[2].to_string())),
            "{line} is not logged"
        );
    }
}
