//! Search (names without accents, references in any case, phones in any format, counts
//! and pages) and the work list (each filter, orders, counts and totals) on both engines.

use crate::support::*;
use domain::account::Status;
use domain::money::Amount;
use domain::party::Role;
use domain::payment::{IncomingPayment, Item, ItemKind, Method, Source};
use store::Store;
use store::money::Posting;
use store::sessions::SessionUser;
use store::workspace::{MatchedOn, NotWorked, Seen, WorklistFilter, WorklistSort};

const PASSWORD: &str = "correct horse battery";

const PEOPLE: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,state,phone_mobile\n\
ACME,A-1,D-1,María,Díaz,1250.00,USD,2026-11-01,MA,6175550123\n\
ACME,A-2,D-2,José,Álvarez,310.00,USD,2026-09-01,TX,\n\
ACME,A-3,D-3,Ana,González,8000.00,USD,2026-03-01,CA,\n\
ACME,A-4,D-4,John,Smith,75.50,USD,2026-11-01,NY,\n\
OTHER,B-1,E-1,Luis,Díaz,999.00,USD,2026-11-01,FL,\n";

fn file(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

async fn with_people(store: &Store, text: &str) {
    let file = file(text);
    try_import(store, file.path()).await.unwrap();
    for (name, role) in [("ana", Role::Agent), ("mo", Role::Manager)] {
        store
            .add_user(&actor(), name, role, PASSWORD)
            .await
            .unwrap();
    }
    store
        .assign_creditors(&actor(), "ana", &["ACME".to_string()])
        .await
        .unwrap();
}

async fn user(store: &Store, name: &str) -> SessionUser {
    let user = store.authenticate(name, PASSWORD).await.unwrap().unwrap();
    store.session_user(user.id).await.unwrap()
}

async fn refs(store: &Store, user: &SessionUser, query: &str) -> Vec<(String, MatchedOn)> {
    store
        .search(user, query, false, 1)
        .await
        .unwrap()
        .found
        .into_iter()
        .map(|found| (found.account_ref, found.matched_on))
        .collect()
}

#[tokio::test]
async fn names_are_found_without_accents_references_in_any_case_and_phones_in_any_format() {
    for db in engines().await {
        let store = db.open().await;
        with_people(&store, PEOPLE).await;
        let (ana, mo) = (user(&store, "ana").await, user(&store, "mo").await);
        let name = |reference: &str| vec![(reference.to_string(), MatchedOn::Name)];
        assert_eq!(
            refs(&store, &ana, "Diaz").await,
            name("A-1"),
            "{:?}",
            db.engine
        );
        assert_eq!(refs(&store, &ana, "díaz").await, name("A-1"));
        assert_eq!(refs(&store, &ana, "maria diaz").await, name("A-1"));
        assert_eq!(refs(&store, &ana, "alvarez").await, name("A-2"));
        assert_eq!(refs(&store, &ana, "Álvarez").await, name("A-2"));
        assert_eq!(refs(&store, &ana, "Gonzalez").await, name("A-3"));
        assert_eq!(refs(&store, &ana, "GONZ").await, name("A-3"));
        assert_eq!(refs(&store, &ana, "Diego").await, vec![]);
        // Another creditor's Díaz is as good as absent to Ana, in the count too.
        let all = store.search(&mo, "diaz", false, 1).await.unwrap();
        assert_eq!(all.total, 2);
        assert_eq!(store.search(&ana, "diaz", false, 1).await.unwrap().total, 1);
        assert_eq!(
            refs(&store, &ana, "a-4").await,
            vec![("A-4".to_string(), MatchedOn::Reference)]
        );
        assert_eq!(refs(&store, &ana, "b-1").await, vec![]);
        for phone in [
            "(617) 555-0123",
            "617.555.0123",
            "+16175550123",
            "617 555 0123",
        ] {
            let found = store.search(&ana, phone, false, 1).await.unwrap().found;
            assert_eq!(found.len(), 1, "{phone}");
            let hit = &found[0];
            assert_eq!(
                (hit.account_ref.as_str(), hit.matched_on),
                ("A-1", MatchedOn::Phone)
            );
            assert_eq!(hit.debtor_name, "María Díaz");
            assert_eq!(hit.balance_minor, 125_000);
            assert_eq!(hit.currency, "USD");
            assert_eq!(hit.state.as_deref(), Some("MA"));
            assert_eq!(hit.phone.as_deref(), Some("+16175550123"));
            assert_eq!(hit.status, "active");
        }
        store.close().await;
    }
}

#[tokio::test]
async fn search_counts_every_hit_and_pages_them_fifty_at_a_time() {
    let mut text = String::from(
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since\n",
    );
    for n in 0..120 {
        text.push_str(&format!(
            "ACME,S-{n:03},P-{n:03},Pat{n:03},Smith,10.00,USD,2026-11-01\n"
        ));
    }
    for db in engines().await {
        let store = db.open().await;
        with_people(&store, &text).await;
        let ana = user(&store, "ana").await;
        let mut seen = Vec::new();
        for (page, rows) in [(1, 50), (2, 50), (3, 20), (4, 0)] {
            let searched = store.search(&ana, "smith", false, page).await.unwrap();
            assert_eq!((searched.total, searched.more), (120, false));
            assert_eq!(searched.found.len(), rows, "page {page}");
            seen.extend(searched.found.into_iter().map(|found| found.account_ref));
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 120, "every hit once, on one page");
        store.close().await;
    }
}

/// Databases made before migration 12 get their names folded and balances summed when
/// it runs; the seals and the audit log still verify.
#[tokio::test]
async fn the_migration_folds_the_names_and_sums_the_balances_already_on_file() {
    for db in engines().await {
        let store = db.open().await;
        with_people(&store, PEOPLE).await;
        for sql in [
            "DROP INDEX debtors_last_name_folded",
            "DROP INDEX debtors_first_name_folded",
            "DROP INDEX debtors_ssn_last4",
            "DROP INDEX accounts_ref_lower",
            "DROP INDEX contact_points_value",
            "DROP INDEX accounts_worklist_balance",
            "DROP INDEX accounts_worklist_delinquent",
            "DROP INDEX accounts_worklist_worked",
            "DROP INDEX promise_payments_due",
            "DROP INDEX promises_status",
            "ALTER TABLE debtors DROP COLUMN first_name_folded",
            "ALTER TABLE debtors DROP COLUMN last_name_folded",
            "ALTER TABLE accounts DROP COLUMN balance_minor",
            "ALTER TABLE accounts DROP COLUMN last_worked_at_us",
            "DELETE FROM schema_migrations WHERE version = 12",
        ] {
            execute(&store, sql).await;
        }
        store.close().await;
        let store = db.open().await;
        let ana = user(&store, "ana").await;
        let found = store.search(&ana, "Diaz", false, 1).await.unwrap().found;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].balance_minor, 125_000);
        assert_eq!(refs(&store, &ana, "gonzalez").await.len(), 1);
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}

fn refs_of(list: &store::workspace::Worklist) -> Vec<&str> {
    list.rows
        .iter()
        .map(|row| row.account_ref.as_str())
        .collect()
}

#[tokio::test]
async fn the_work_list_filters_sorts_counts_and_totals_the_users_accounts() {
    for db in engines().await {
        let store = db.open().await;
        with_people(&store, PEOPLE).await;
        let (ana, mo) = (user(&store, "ana").await, user(&store, "mo").await);
        let (today, now) = (today(), store.now());
        let list = |user: SessionUser, filter: WorklistFilter| {
            let store = &store;
            async move { store.worklist(&user, &filter, today, now).await.unwrap() }
        };
        // Ana's accounts (ACME only), largest balance first, counted and totalled.
        let all = list(ana.clone(), WorklistFilter::default()).await;
        assert_eq!(refs_of(&all), ["A-3", "A-1", "A-2", "A-4"]);
        assert_eq!((all.count, all.more), (4, false));
        assert_eq!(all.totals.len(), 1);
        assert_eq!(
            all.totals[0].balance_minor,
            800_000 + 125_000 + 31_000 + 7_550
        );
        assert_eq!(all.creditors, ["ACME"]);
        assert!(all.buckets.contains(&"1-30".to_string()));
        let row = &all.rows[1];
        assert_eq!((row.days_past_due, row.bucket.as_str()), (22, "1-30"));
        assert_eq!(row.debtor_name, "María Díaz");
        assert_eq!(row.last_worked, None);
        // The manager sees both creditors; choosing one narrows the list.
        assert_eq!(list(mo.clone(), WorklistFilter::default()).await.count, 5);
        let other = WorklistFilter {
            creditor: Some("OTHER".into()),
            ..WorklistFilter::default()
        };
        assert_eq!(refs_of(&list(mo.clone(), other.clone()).await), ["B-1"]);
        // Another creditor's code finds nothing for Ana, not even a count.
        assert_eq!(list(ana.clone(), other).await.count, 0);
        // Buckets under the creditor's scheme, as of today.
        for (bucket, expected) in [
            ("1-30", vec!["A-1", "A-4"]),
            ("61-90", vec!["A-2"]),
            ("181+", vec!["A-3"]),
            ("current", vec![]),
        ] {
            let filter = WorklistFilter {
                bucket: Some(bucket.into()),
                ..WorklistFilter::default()
            };
            assert_eq!(
                refs_of(&list(ana.clone(), filter).await),
                expected,
                "{bucket}"
            );
        }
        // A balance range, inclusive, and the totals follow it.
        let range = WorklistFilter {
            balance_min: Some(Amount::from_minor(30_000)),
            balance_max: Some(Amount::from_minor(125_000)),
            ..WorklistFilter::default()
        };
        let ranged = list(ana.clone(), range.clone()).await;
        assert_eq!(refs_of(&ranged), ["A-1", "A-2"]);
        assert_eq!(ranged.totals[0].balance_minor, 156_000);
        // Orders.
        for (sort, expected) in [
            (WorklistSort::DaysPastDue, vec!["A-3", "A-2", "A-1", "A-4"]),
            (WorklistSort::Name, vec!["A-2", "A-1", "A-3", "A-4"]),
        ] {
            let filter = WorklistFilter {
                sort,
                ..WorklistFilter::default()
            };
            assert_eq!(
                refs_of(&list(ana.clone(), filter).await),
                expected,
                "{sort:?}"
            );
        }
        // A payment lowers the balance the list filters and totals by, from the ledger.
        let payment = Item {
            line: 1,
            kind: ItemKind::Payment(IncomingPayment {
                creditor: Some("ACME".into()),
                account_ref: "A-1".into(),
                fallback_ref: None,
                payment_ref: "P-1".into(),
                paid_on: today,
                amount: Amount::from_minor(100_000),
                method: Method::Ach,
                trace: None,
            }),
        };
        let posting = Posting {
            source: Source::Csv,
            file_name: "payments.csv",
            sha256: "",
            user_id: None,
            reason: "test file",
            dry_run: false,
        };
        store
            .post_payments(&actor(), &posting, &[payment])
            .await
            .unwrap();
        let ranged = list(ana.clone(), range).await;
        assert_eq!(refs_of(&ranged), ["A-2"]);
        let paid = list(ana.clone(), WorklistFilter::default()).await;
        assert_eq!(paid.rows[2].account_ref, "A-1");
        assert_eq!(paid.rows[2].balance_minor, 25_000);
        let view = store
            .account_view("ACME", "A-1", today)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.balance().minor(), 25_000, "the ledger agrees");
        store.close().await;
    }
}

#[tokio::test]
async fn the_work_list_finds_what_is_due_today_broken_waiting_or_never_worked() {
    for db in engines().await {
        let store = db.open().await;
        with_people(&store, PEOPLE).await;
        let ana = user(&store, "ana").await;
        let (today, now) = (today(), store.now());
        let seen = |account_ref| Seen {
            creditor: "ACME",
            account_ref,
            version: 0,
        };
        store
            .record_promise(
                &ana,
                seen("A-1"),
                today,
                &[(today, Amount::from_minor(5_000))],
            )
            .await
            .unwrap();
        store
            .record_promise(
                &ana,
                seen("A-2"),
                today,
                &[(today.tomorrow().unwrap(), Amount::from_minor(5_000))],
            )
            .await
            .unwrap();
        let later = now.checked_add(jiff::Span::new().hours(2)).unwrap();
        store
            .schedule_callback(&ana, seen("A-3"), later, None, None)
            .await
            .unwrap();
        // A broken promise on A-4 (the review that breaks it is tested in the money
        // suite; here only the list's reading of it).
        store
            .record_promise(
                &ana,
                seen("A-4"),
                today,
                &[(today, Amount::from_minor(1_000))],
            )
            .await
            .unwrap();
        execute(
            &store,
            "UPDATE promises SET status = 'broken' WHERE account_id = (SELECT id FROM accounts WHERE account_ref = 'A-4')",
        )
        .await;
        let list = |filter: WorklistFilter| {
            let (store, ana) = (&store, &ana);
            async move { store.worklist(ana, &filter, today, now).await.unwrap() }
        };
        let due = list(WorklistFilter {
            promises_due_today: true,
            ..WorklistFilter::default()
        })
        .await;
        assert_eq!(refs_of(&due), ["A-1"]);
        let broken = list(WorklistFilter {
            broken_promises: true,
            ..WorklistFilter::default()
        })
        .await;
        assert_eq!(refs_of(&broken), ["A-4"]);
        let waiting = list(WorklistFilter {
            callbacks: true,
            ..WorklistFilter::default()
        })
        .await;
        assert_eq!(refs_of(&waiting), ["A-3"]);
        // Nobody has logged an attempt: every account is "never worked".
        let never = WorklistFilter {
            not_worked: Some(NotWorked::Never),
            ..WorklistFilter::default()
        };
        assert_eq!(list(never.clone()).await.count, 4);
        let facts = store.contact_facts("ACME", "A-1").await.unwrap();
        let (attempt, decision) = unanswered_call(facts.account_id, "+16175550123", now);
        store
            .record_attempt(&ana, seen_at(1), &attempt, &decision)
            .await
            .unwrap();
        let worked = list(never).await;
        assert_eq!(worked.count, 3);
        assert!(!refs_of(&worked).contains(&"A-1"));
        let stale = list(WorklistFilter {
            not_worked: Some(NotWorked::ForDays(3)),
            ..WorklistFilter::default()
        })
        .await;
        assert_eq!(stale.count, 3, "worked just now is not stale");
        let by_worked = list(WorklistFilter {
            sort: WorklistSort::LastWorked,
            ..WorklistFilter::default()
        })
        .await;
        assert_eq!(refs_of(&by_worked).last(), Some(&"A-1"));
        assert_eq!(by_worked.rows[3].last_worked, Some(now));
        // The "today" panel: the promise due, the callback with its time, the broken one.
        let end_of_day = now.checked_add(jiff::Span::new().hours(9)).unwrap();
        let panel = store.worklist_today(&ana, today, end_of_day).await.unwrap();
        let accounts = |items: &[store::workspace::TodayItem]| {
            items
                .iter()
                .map(|item| item.account_ref.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(accounts(&panel.promises_due), ["A-1"]);
        assert_eq!(panel.promises_due[0].amount_minor, Some(5_000));
        assert_eq!(accounts(&panel.callbacks), ["A-3"]);
        assert_eq!(panel.callbacks[0].at, Some(later));
        assert_eq!(panel.callbacks[0].debtor_name, "Ana González");
        assert_eq!(accounts(&panel.broken_promises), ["A-4"]);
        assert_eq!(
            store
                .worklist(
                    &ana,
                    &WorklistFilter {
                        status: Status::Paid,
                        ..WorklistFilter::default()
                    },
                    today,
                    now
                )
                .await
                .unwrap()
                .count,
            0
        );
        store.close().await;
    }
}

/// An attempt on one of a debtor's accounts moves that account's version and "last
/// worked" only, and rests every account of the debtor (the queue's cool-down); the
/// attempt and its decision get the next ids and the audit chain holds.
#[tokio::test]
async fn an_attempt_bumps_its_account_and_rests_the_debtors_others() {
    const SIBLINGS: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,state,phone_mobile\n\
ACME,A-1,D-1,María,Díaz,1250.00,USD,2026-11-01,MA,6175550123\n\
ACME,A-5,D-1,María,Díaz,400.00,USD,2026-10-01,MA,6175550123\n\
ACME,A-6,D-6,Rosa,Parks,90.00,USD,2026-10-01,MA,6175550199\n";
    for db in engines().await {
        let store = db.open().await;
        with_people(&store, SIBLINGS).await;
        let ana = user(&store, "ana").await;
        let (today, now) = (today(), store.now());
        let queued = || {
            let (store, ana) = (&store, &ana);
            async move {
                let mut refs: Vec<String> = store
                    .queue_candidates(ana, now, 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|candidate| candidate.account_ref)
                    .collect();
                refs.sort();
                refs
            }
        };
        assert_eq!(queued().await, ["A-1", "A-5", "A-6"]);
        let version = |account_ref: &'static str| {
            let store = &store;
            async move {
                store
                    .account_view("ACME", account_ref, today)
                    .await
                    .unwrap()
                    .unwrap()
                    .version
            }
        };
        let facts = store.contact_facts("ACME", "A-1").await.unwrap();
        for expected_id in [1, 2] {
            let (attempt, decision) = unanswered_call(facts.account_id, "+16175550123", now);
            let seen = Seen {
                creditor: "ACME",
                account_ref: "A-1",
                version: version("A-1").await,
            };
            let id = store
                .record_attempt(&ana, seen, &attempt, &decision)
                .await
                .unwrap();
            assert_eq!(id, expected_id);
        }
        assert_eq!(version("A-1").await, 2);
        assert_eq!(
            version("A-5").await,
            0,
            "a sibling's open form stays current"
        );
        assert_eq!(
            queued().await,
            ["A-6"],
            "the debtor rests, siblings included"
        );
        let never = store
            .worklist(
                &ana,
                &WorklistFilter {
                    not_worked: Some(NotWorked::Never),
                    ..WorklistFilter::default()
                },
                today,
                now,
            )
            .await
            .unwrap();
        let mut never = refs_of(&never);
        never.sort_unstable();
        assert_eq!(never, ["A-5", "A-6"], "only the account called was worked");
        let decisions = store
            .decisions_for_account("ACME", "A-1", 10)
            .await
            .unwrap();
        let ids: Vec<i64> = decisions.iter().map(|decision| decision.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(store.verify_audit().await.unwrap().broken, None);
        store.close().await;
    }
}

fn seen_at(version: i64) -> Seen<'static> {
    Seen {
        creditor: "ACME",
        account_ref: "A-1",
        version,
    }
}

/// Past `WORKLIST_COUNT_MAX` accounts the list says "more than" and shows no total (a
/// total of part of the filter would mislead), and still pages.
#[tokio::test]
async fn a_broad_filter_is_counted_up_to_the_limit_and_not_totalled() {
    let max = store::workspace::WORKLIST_COUNT_MAX;
    let (file, summary) = generated_file(max as u64 + 50, 4);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        store
            .add_user(&actor(), "mo", Role::Manager, PASSWORD)
            .await
            .unwrap();
        let mo = user(&store, "mo").await;
        let list = store
            .worklist(&mo, &WorklistFilter::default(), today(), store.now())
            .await
            .unwrap();
        assert_eq!((list.count, list.more), (max, true));
        assert!(list.totals.is_empty());
        assert_eq!(list.rows.len(), 50);
        let last_page = WorklistFilter {
            page: u32::MAX,
            ..WorklistFilter::default()
        };
        let last = store
            .worklist(&mo, &last_page, today(), store.now())
            .await
            .unwrap();
        assert_eq!(last.rows.len(), 50, "pages stop at the limit, full");
        store.close().await;
    }
}
