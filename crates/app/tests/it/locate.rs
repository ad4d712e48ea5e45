//! Issue 13, finding 9: accounts whose debtor's address came only in part are on the
//! locate list of those who may see them, and nothing is mailed to that address.

use crate::support::{first_day, import_text, instant_on, postgres_db, set_up, sqlite_db};
use app::workspace::{AttemptInput, AttemptProblem, Attempted};
use compliance::facts::Action;
use domain::contact::Disposition;
use domain::ids::CreditorCode;

const PARTIAL: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile\n\
ACME,A-9,AD9,Gus,Hale,300.00,USD,2026-03-01,,,NY,12207,(518) 555-0109\n\
BETA,B-9,BD9,Hal,Ives,400.00,USD,2026-03-01,7 Birch St,,WA,98101,\n";

// Users by index (support::USERS).
const ANA: usize = 0;
const AL: usize = 1;
const MAX: usize = 4;

#[tokio::test]
async fn the_locate_list_shows_each_user_the_accounts_they_may_see_and_letters_wait() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let outcome = import_text(&store, PARTIAL).await;
        assert_eq!(outcome.addresses_incomplete, 2);
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
        let refs = |list: Vec<app::model::locate::Locate>| -> Vec<String> {
            list.into_iter()
                .map(|entry| format!("{}/{}", entry.creditor, entry.account_ref))
                .collect()
        };
        assert_eq!(
            refs(app.locate_list(&users[ANA], None).await.unwrap()),
            ["ACME/A-9"]
        );
        assert_eq!(
            refs(app.locate_list(&users[AL], None).await.unwrap()),
            ["BETA/B-9"]
        );
        assert_eq!(
            refs(app.locate_list(&users[MAX], None).await.unwrap()),
            ["ACME/A-9", "BETA/B-9"]
        );
        let beta = CreditorCode::parse("BETA").unwrap();
        assert!(
            app.locate_list(&users[ANA], Some(&beta))
                .await
                .unwrap()
                .is_empty(),
            "another creditor's accounts are as good as absent"
        );
        assert_eq!(
            refs(
                app.locate_list_of_every_creditor(Some(&beta))
                    .await
                    .unwrap()
            ),
            ["BETA/B-9"]
        );

        // The account says so, and a letter to that address is refused.
        let view = app
            .account(&users[ANA], "ACME", "A-9", first_day())
            .await
            .unwrap();
        assert!(app::views::Account::of(&view).debtor_address_incomplete);
        let letter = AttemptInput {
            action: Action::Letter,
            contact: None,
            disposition: Disposition::NoAnswer,
            note: None,
            version: view.version,
        };
        match app.log_attempt(&users[ANA], &view, &letter).await.unwrap() {
            Attempted::Invalid(problems) => assert_eq!(problems, [AttemptProblem::Address]),
            other => panic!("a letter to an incomplete address: {other:?}"),
        }
        let mailable = app
            .account(&users[ANA], "ACME", "A-1", first_day())
            .await
            .unwrap();
        assert!(!app::views::Account::of(&mailable).debtor_address_incomplete);
        let letter = AttemptInput {
            version: mailable.version,
            ..letter
        };
        assert!(
            !matches!(
                app.log_attempt(&users[ANA], &mailable, &letter)
                    .await
                    .unwrap(),
                Attempted::Invalid(_)
            ),
            "a letter to a whole address is no problem"
        );
        store.close().await;
    }
}
