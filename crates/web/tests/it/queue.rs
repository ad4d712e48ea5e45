//! The call queue on SQLite and PostgreSQL (issue 14, "Work the debtor, not the account"
//! and "Callbacks the debtor asked for"): agents on two servers over one database never
//! hold one debtor at once and are handed only debtors a phone may be called at now; a
//! callback the debtor asked for is their consent; the queue lists as due only what
//! "Next account" hands out.

use crate::fixture::{Client, Response, Source};
use crate::sign_in::{Db, databases};
use app::App;
use app::contact::Callable;
use app::workspace::{AttemptInput, Attempted};
use compliance::facts::Action;
use compliance::packs::RuleSet;
use domain::contact::Disposition;
use domain::party::Role;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use store::sessions::SessionUser;
use store::{Actor, Clock, Store};

/// 10:00 in New York, 07:00 in Seattle (before Regulation F's 08:00).
const NOW: &str = "2026-11-23T15:00:00Z";
const PASSWORD: &str = "correct horse battery";
const HEADER: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,phone_home,email,language\n";

/// Imports `placements` (rows after the header) into `store` and signs up `agents`.
async fn set_up(store: &Store, placements: &str, agents: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("placements.csv");
    std::fs::write(&file, format!("{HEADER}{placements}")).unwrap();
    let today = jiff::civil::date(2026, 11, 20);
    let mapping = ingest::mapping::Mapping::standard();
    let checked = ingest::placement::CheckedPlacements::open(&file, &mapping, today, 100).unwrap();
    let name = file.display().to_string();
    let request = store::import::ImportFile {
        file_name: &name,
        placed_on: today,
    };
    let actor = Actor::new("test:setup");
    store
        .import_placements(&actor, &request, &mut Source(Some(checked)))
        .await
        .unwrap();
    store.prioritize(&actor).await.unwrap();
    for agent in agents {
        store
            .add_user(&actor, agent, Role::Agent, PASSWORD)
            .await
            .unwrap();
        store
            .assign_creditors(&actor, agent, &["NBANK".to_string()])
            .await
            .unwrap();
    }
}

/// A server over `store` (its own pool, as another process would have).
async fn serve(
    store: Store,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    (address, tokio::spawn(web::serve_on(store, listener)))
}

async fn sign_in(address: std::net::SocketAddr, user: &str) -> Client {
    let mut client = Client {
        address,
        cookie: None,
    };
    let response = client
        .post("/login", &[("username", user), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status, 303, "{user} signs in: {}", response.body);
    client
}

/// Presses "Next account": the account reference handed out, if any.
async fn next(client: &mut Client) -> Option<String> {
    let queue = client.get("/queue").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let taken = client.post("/queue/next", &[("csrf", &queue.csrf())]).await;
    match taken.status {
        303 => Some(
            taken
                .header("location")
                .and_then(|location| location.strip_prefix("/accounts/NBANK/"))
                .expect("an account of NBANK")
                .to_string(),
        ),
        200 => None,
        other => panic!("next account: {other} {}", taken.body),
    }
}

async fn user(store: &Store, name: &str) -> SessionUser {
    let id: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(name)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    store.session_user(id).await.unwrap()
}

/// The app over `store` with its clock at `now`.
fn app_at(store: &Store, now: &str) -> App {
    App::new(
        store.clone().with_clock(Clock::Fixed(now.parse().unwrap())),
        RuleSet::builtin(),
    )
}

/// Logs a call to the number the pipeline allows now, as `agent`.
async fn log_call(
    app: &App,
    agent: &SessionUser,
    account_ref: &str,
    disposition: Disposition,
) -> i64 {
    let today = app.store().today();
    let view = app
        .account(agent, "NBANK", account_ref, today)
        .await
        .unwrap();
    let known = app.known("NBANK", account_ref).await.unwrap();
    let Callable::Yes(asked) = known.callable(RuleSet::builtin(), app.store().now()) else {
        panic!("{account_ref} may be called now");
    };
    let input = AttemptInput {
        action: Action::Call,
        contact: asked.contact_point.clone(),
        disposition,
        note: None,
        version: view.version,
    };
    match app.log_attempt(agent, &view, &input).await.unwrap() {
        Attempted::Logged(id) => id,
        other => panic!("the call to {account_ref} is logged: {other:?}"),
    }
}

/// The portfolio of the rounds: 30 New York debtors with a phone (every third with a
/// second account), and, worth more, 6 Seattle debtors (07:00 there: nobody may call
/// them) and 8 New York debtors with only an email address.
fn crowd() -> (String, HashMap<String, String>) {
    let mut rows = String::new();
    let mut debtor_of = HashMap::new();
    let mut row = |account: String,
                   debtor: &str,
                   balance: u32,
                   place: &str,
                   phone: &str,
                   email: &str| {
        rows.push_str(&format!(
            "NBANK,{account},{debtor},Ann,Bee,{balance}.00,USD,2026-05-01,{place},{phone},,{email},en\n"
        ));
        debtor_of.insert(account, debtor.to_string());
    };
    let albany = "1 Main St,Albany,NY,12207";
    for i in 0..30 {
        let debtor = format!("D-{i}");
        let phone = format!("(518) 555-{:04}", 100 + i);
        row(format!("NY-{i}"), &debtor, 1_000 + i, albany, &phone, "");
        if i % 3 == 0 {
            row(format!("NY-{i}-B"), &debtor, 1_000 + i, albany, &phone, "");
        }
    }
    for i in 0..6 {
        let phone = format!("(206) 555-{:04}", 100 + i);
        row(
            format!("WA-{i}"),
            &format!("W-{i}"),
            5_000 + i,
            "3 Pine St,Seattle,WA,98101",
            &phone,
            "",
        );
    }
    for i in 0..8 {
        let email = format!("e{i}@example.com");
        row(
            format!("EM-{i}"),
            &format!("E-{i}"),
            9_000 + i,
            albany,
            "",
            &email,
        );
    }
    (rows, debtor_of)
}

const AGENTS: [&str; 6] = ["a1", "a2", "a3", "a4", "a5", "a6"];
const ROUNDS: usize = 4;

/// Issue 14's acceptance: 6 agents on two servers over one database press "Next account"
/// at once, round after round, logging a call to each debtor handed out. No debtor is
/// held by two agents at once, none is handed out twice (after a call to one of their
/// accounts the debtor rests, siblings included), and every account handed out has a
/// phone the compliance pipeline allows calling at that instant — never a Seattle debtor
/// at 07:00 there, never a debtor with only an email address.
#[tokio::test]
async fn agents_on_two_servers_never_hold_one_debtor_and_get_only_callable_phones() {
    for db in databases().await {
        rounds_on(&db).await;
    }
}

async fn rounds_on(db: &Db) {
    let (placements, debtor_of) = crowd();
    let first = db.open(NOW).await;
    set_up(&first, &placements, &AGENTS).await;
    let second = db.open(NOW).await;
    let (address_a, server_a) = serve(first.clone()).await;
    let (address_b, server_b) = serve(second).await;
    let app = app_at(&first, NOW);
    let mut clients = Vec::new();
    for (index, agent) in AGENTS.iter().enumerate() {
        let address = if index % 2 == 0 { address_a } else { address_b };
        clients.push((agent.to_string(), sign_in(address, agent).await));
    }
    let mut handed_out: HashSet<String> = HashSet::new();
    for round in 0..ROUNDS {
        let presses = clients.drain(..).map(|(agent, mut client)| {
            tokio::spawn(async move {
                let taken = next(&mut client).await;
                (agent, client, taken)
            })
        });
        let mut this_round = Vec::new();
        for press in presses.collect::<Vec<_>>() {
            let (agent, client, taken) = press.await.unwrap();
            clients.push((agent.clone(), client));
            let taken = taken.unwrap_or_else(|| panic!("round {round}: {agent} gets an account"));
            this_round.push((agent, taken));
        }
        let debtors: HashSet<&String> = this_round
            .iter()
            .map(|(_, account)| &debtor_of[account])
            .collect();
        assert_eq!(debtors.len(), AGENTS.len(), "round {round}: {this_round:?}");
        for (agent, account) in &this_round {
            let debtor = &debtor_of[account];
            assert!(
                handed_out.insert(debtor.clone()),
                "round {round}: {debtor} ({account}) was handed out before and called"
            );
            assert_eq!(
                held_by(&first, agent).await,
                std::slice::from_ref(debtor),
                "{agent}"
            );
            let known = app.known("NBANK", account).await.unwrap();
            assert!(
                matches!(
                    known.callable(RuleSet::builtin(), first.now()),
                    Callable::Yes(_)
                ),
                "round {round}: {account} handed out to {agent} has no phone that may be called now"
            );
        }
        for (agent, account) in &this_round {
            let agent = user(&first, agent).await;
            log_call(&app, &agent, account, Disposition::NoAnswer).await;
        }
    }
    server_a.abort();
    server_b.abort();
}

/// The debtors whose live lock `agent` holds.
async fn held_by(store: &Store, agent: &str) -> Vec<String> {
    sqlx::query(
        "SELECT d.debtor_ref FROM debtor_locks l JOIN debtors d ON d.id = l.debtor_id JOIN users u ON u.id = l.user_id \
         WHERE u.username = $1 AND l.locked_until_us > $2",
    )
    .bind(agent)
    .bind(store.now().as_microsecond())
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect()
}

/// Two New York debtors and one in Seattle.
const THREE: &str = "\
NBANK,NY-1,P-1,Ann,Bee,1200.00,USD,2026-05-01,1 Main St,Albany,NY,12207,(518) 555-0101,,ann@example.com,en\n\
NBANK,NY-2,P-2,Bob,Cole,800.00,USD,2026-06-01,2 Main St,Albany,NY,12207,(518) 555-0102,,,en\n\
NBANK,WA-1,P-3,Cruz,Diaz,300.00,USD,2026-04-01,3 Pine St,Seattle,WA,98101,(206) 555-0103,,,es\n";

/// Posts the callback form of the account page.
async fn callback(client: &mut Client, account_ref: &str, at: &str, requested: &str) -> Response {
    let page = client.get(&format!("/accounts/NBANK/{account_ref}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    client
        .post(
            &format!("/accounts/NBANK/{account_ref}/callbacks"),
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("at", at),
                ("requested_by_debtor", requested),
            ],
        )
        .await
}

/// The case: after a conversation, the debtor asks to be called back at 07:30
/// their time tomorrow. Their request is their consent: scheduled with a note (outside
/// 08:00–21:00), listed as due and handed out at 07:30 although the conversation rule
/// and the hours would forbid a call then, and that call is not counted. The agent
/// choosing 22:30 alone is refused at scheduling, with the reason next to the field.
#[tokio::test]
async fn a_callback_the_debtor_asked_for_at_0730_is_handed_out_and_not_counted() {
    for db in databases().await {
        let store = db.open(NOW).await;
        set_up(&store, THREE, &["ana"]).await;
        let (address, server) = serve(store.clone()).await;
        let mut ana = sign_in(address, "ana").await;
        assert_eq!(next(&mut ana).await.as_deref(), Some("NY-1"));
        // The attempt form (a call) offers the phone, never the email address on file.
        let page = ana.get("/accounts/NBANK/NY-1").await;
        let select = &page.body[page.body.find("id=\"attempt-contact\"").unwrap()..];
        let select = &select[..select.find("</select>").unwrap()];
        assert!(select.contains("value=\"+15185550101\""), "{select}");
        assert!(!select.contains("ann@example.com"), "{select}");
        let agent = user(&store, "ana").await;
        log_call(
            &app_at(&store, NOW),
            &agent,
            "NY-1",
            Disposition::RightPartyContact,
        )
        .await;

        let chosen = callback(&mut ana, "NY-1", "2026-11-24T22:30", "no").await;
        assert_eq!(chosen.status, 422, "{}", chosen.body);
        assert!(chosen.body.contains("data-field=\"at\""), "{}", chosen.body);
        assert!(
            chosen.body.contains("A call then is not allowed"),
            "{}",
            chosen.body
        );
        let account_id = store
            .contact_facts("NBANK", "NY-1")
            .await
            .unwrap()
            .account_id;
        assert!(store.callbacks(account_id).await.unwrap().is_empty());

        let asked = callback(&mut ana, "NY-1", "2026-11-24T07:30", "yes").await;
        assert_eq!(asked.status, 303, "{}", asked.body);
        let location = asked.header("location").unwrap().to_string();
        assert!(
            location.ends_with("?done=callback_outside_hours"),
            "{location}"
        );
        let page = ana.get(&location).await;
        assert!(page.body.contains("outside 08:00–21:00"), "{}", page.body);
        let callbacks = store.callbacks(account_id).await.unwrap();
        assert_eq!(callbacks.len(), 1);
        assert!(callbacks[0].requested_by_debtor);
        let consents = store
            .debtor_consents(account_id, jiff::Timestamp::MIN)
            .await
            .unwrap();
        assert_eq!(consents.len(), 1);
        assert_eq!(consents[0].from, "2026-11-24T12:30:00Z".parse().unwrap());
        assert_eq!(consents[0].to, "2026-11-24T13:00:00Z".parse().unwrap());
        server.abort();

        // 07:30 in New York the next morning.
        let half_past_seven = "2026-11-24T12:30:00Z";
        let (address, server) = serve(
            store
                .clone()
                .with_clock(Clock::Fixed(half_past_seven.parse().unwrap())),
        )
        .await;
        let mut ana = sign_in(address, "ana").await;
        let queue = ana.get("/queue").await;
        assert!(
            queue
                .body
                .contains("NBANK NY-1</a> — <span class=\"callback-when\">due now"),
            "{}",
            queue.body
        );
        assert_eq!(next(&mut ana).await.as_deref(), Some("NY-1"));
        let app = app_at(&store, half_past_seven);
        // Nobody else may be called at 07:30 there: the consent is what allows it.
        let other = app.known("NBANK", "NY-2").await.unwrap();
        assert!(matches!(
            other.callable(RuleSet::builtin(), app.store().now()),
            Callable::Refused(_)
        ));
        log_call(&app, &agent, "NY-1", Disposition::Promise).await;
        let known = app.known("NBANK", "NY-1").await.unwrap();
        let marks: Vec<bool> = known.history.iter().map(|entry| entry.consent).collect();
        assert_eq!(
            marks,
            [false, true],
            "the second call was placed under the consent"
        );
        assert_eq!(
            known.calls_in_last_seven_days(app.store().now()),
            1,
            "only yesterday's call counts"
        );
        assert!(store.callbacks(account_id).await.unwrap()[0].done);
        server.abort();
    }
}

/// A callback the agent set for 20:50 the debtor's time: due and handed out at 20:55;
/// at 21:05 still due by the clock, but "Next account" would not hand it out, so the
/// queue shows it waiting until 08:00 with the reason, and "Next account" skips it.
#[tokio::test]
async fn the_queue_lists_as_due_only_the_callbacks_next_account_hands_out() {
    for db in databases().await {
        let store = db.open(NOW).await;
        set_up(&store, THREE, &["ana"]).await;
        let (address, server) = serve(store.clone()).await;
        let mut ana = sign_in(address, "ana").await;
        let scheduled = callback(&mut ana, "NY-2", "2026-11-24T20:50", "no").await;
        assert_eq!(scheduled.status, 303, "{}", scheduled.body);
        server.abort();

        let at = |instant: &str| {
            store
                .clone()
                .with_clock(Clock::Fixed(instant.parse().unwrap()))
        };
        // 20:55 in New York.
        let (address, server) = serve(at("2026-11-25T01:55:00Z")).await;
        let mut ana = sign_in(address, "ana").await;
        let queue = ana.get("/queue").await;
        assert!(
            queue
                .body
                .contains("NBANK NY-2</a> — <span class=\"callback-when\">due now"),
            "{}",
            queue.body
        );
        assert_eq!(next(&mut ana).await.as_deref(), Some("NY-2"));
        server.abort();

        // 21:05 in New York, 18:05 in Seattle.
        let (address, server) = serve(at("2026-11-25T02:05:00Z")).await;
        let mut ana = sign_in(address, "ana").await;
        let queue = ana.get("/queue").await;
        assert!(!queue.body.contains("due now"), "{}", queue.body);
        assert!(
            queue.body.contains(
                "NBANK NY-2</a> — <span class=\"callback-when\">waiting: allowed from 2026-11-25 08:00 EST"
            ),
            "{}",
            queue.body
        );
        assert!(
            queue.body.contains("class=\"callback-reason\""),
            "{}",
            queue.body
        );
        assert_eq!(next(&mut ana).await.as_deref(), Some("WA-1"));
        server.abort();
    }
}
