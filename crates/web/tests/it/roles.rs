//! A page for every role: each role lands on its own page, its navigation offers only
//! what it may open, and a route it may not use answers a 403 page in its language with
//! its navigation and a way back (JSON for the API).

use crate::fixture::{Client, Fixture, Response};
use domain::party::Role;

pub async fn every_role() -> Fixture {
    Fixture::start(
        "2026-11-20T15:00:00Z",
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("sue", Role::Supervisor, &["NBANK", "CITYUTIL"]),
            ("max", Role::Manager, &[]),
            ("bill", Role::Billing, &[]),
            ("root", Role::Admin, &[]),
            ("aud", Role::Auditor, &[]),
        ],
    )
    .await
}

/// The addresses the main navigation links to, in order.
pub fn nav_links(page: &Response) -> Vec<String> {
    let start = page
        .body
        .find("<nav aria-label=\"main\">")
        .expect("a main navigation");
    let end = start + page.body[start..].find("</nav>").unwrap();
    page.body[start..end]
        .split("<a href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

async fn signed_in(fixture: &Fixture, user: &str) -> (Client, Response) {
    let mut client = fixture.sign_in(user).await;
    let page = client.get("/search").await;
    assert_eq!(page.status, 200, "{user}: {}", page.body);
    (client, page)
}

#[tokio::test]
async fn each_role_lands_on_its_page_and_its_navigation_offers_only_what_it_may_open() {
    let fixture = every_role().await;
    let expected: &[(&str, &str, &[&str])] = &[
        ("ana", "/worklist", &["/worklist", "/queue", "/queries"]),
        (
            "sue",
            "/team",
            &[
                "/worklist",
                "/queue",
                "/queries",
                "/team",
                "/disputes",
                "/approvals",
                "/outbox",
                "/exceptions",
            ],
        ),
        (
            "max",
            "/overview",
            &[
                "/worklist",
                "/queue",
                "/queries",
                "/team",
                "/disputes",
                "/approvals",
                "/outbox",
                "/exceptions",
                "/overview",
                "/admin/templates",
                "/admin/strategies",
                "/admin/runs",
                "/audit",
                "/audit/decisions",
            ],
        ),
        ("bill", "/exceptions", &["/exceptions"]),
        (
            "root",
            "/admin/users",
            &[
                "/team",
                "/disputes",
                "/approvals",
                "/outbox",
                "/exceptions",
                "/overview",
                "/admin/templates",
                "/admin/strategies",
                "/admin/runs",
                "/admin/users",
                "/admin/creditors",
                "/audit",
                "/audit/decisions",
            ],
        ),
        ("aud", "/audit", &["/audit", "/audit/decisions"]),
    ];
    for (user, landing, links) in expected {
        let mut client = fixture.sign_in(user).await;
        let root = client.get("/").await;
        assert_eq!(root.status, 303, "{user}");
        assert_eq!(root.header("location"), Some(*landing), "{user}");
        let page = client.get("/search").await;
        assert_eq!(nav_links(&page), *links, "{user}");
        assert!(page.body.contains("role=\"search\""), "{user} may search");
    }
}

#[tokio::test]
async fn a_forbidden_route_answers_a_403_page_in_the_users_language_with_a_way_back() {
    let fixture = every_role().await;
    let (mut agent, page) = signed_in(&fixture, "ana").await;
    let team = agent.get("/team").await;
    assert_eq!(team.status, 403, "{}", team.body);
    assert!(
        team.body.contains("This page is not for your role"),
        "{}",
        team.body
    );
    assert!(
        team.body
            .contains("<a href=\"/worklist\" id=\"back-home\">"),
        "{}",
        team.body
    );
    assert_eq!(nav_links(&team), ["/worklist", "/queue", "/queries"]);
    // A forbidden form post answers the same page.
    let assign = agent
        .post(
            "/team/assign",
            &[
                ("csrf", &page.csrf()),
                ("creditor", "NBANK"),
                ("account_ref", "NY-1"),
            ],
        )
        .await;
    assert_eq!(assign.status, 403);
    assert!(assign.body.contains("id=\"back-home\""), "{}", assign.body);

    // In Spanish once the user switches.
    let switched = agent.post("/me/language", &[("csrf", &page.csrf())]).await;
    assert_eq!(switched.status, 303);
    let team = agent.get("/team").await;
    assert_eq!(team.status, 403);
    assert!(team.body.contains("lang=\"es\""), "{}", team.body);
    assert!(
        team.body.contains("Esta página no es para su rol"),
        "{}",
        team.body
    );
    assert!(team.body.contains("Agente"), "{}", team.body);

    // Billing and auditors get it for agent pages too; the API stays JSON.
    let (mut auditor, _) = signed_in(&fixture, "aud").await;
    let exceptions = auditor.get("/exceptions").await;
    assert_eq!(exceptions.status, 403);
    assert_eq!(nav_links(&exceptions), ["/audit", "/audit/decisions"]);
    let api = auditor.get("/api/v1/approvals").await;
    assert_eq!(api.status, 403);
    assert!(api.body.starts_with('{'), "{}", api.body);
    assert!(!api.body.contains("<html"), "{}", api.body);

    // A wrong CSRF token is still the form-expired page, not the role's.
    let (mut supervisor, _) = signed_in(&fixture, "sue").await;
    let refused = supervisor
        .post("/team/assign", &[("csrf", "wrong"), ("creditor", "NBANK")])
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("This form expired"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn every_new_form_needs_the_csrf_token() {
    let fixture = every_role().await;
    let (mut admin, _) = signed_in(&fixture, "root").await;
    for (path, fields) in [
        (
            "/admin/users",
            vec![
                ("username", "zed"),
                ("role", "agent"),
                ("password", "blue kettle on a hill"),
            ],
        ),
        (
            "/admin/creditors/NBANK",
            vec![("policy.plan_max_term_months", "24"), ("reason", "x")],
        ),
        ("/audit/verify", vec![]),
    ] {
        let mut with_wrong = fields.clone();
        with_wrong.push(("csrf", "wrong"));
        for attempt in [fields, with_wrong] {
            let refused = admin.post(path, &attempt).await;
            assert_eq!(refused.status, 403, "{path}: {}", refused.body);
            assert!(refused.body.contains("This form expired"), "{path}");
        }
    }
    let users = admin.get("/admin/users").await;
    assert!(
        !users.body.contains("data-user=\"zed\""),
        "nothing was added"
    );
}

#[tokio::test]
async fn an_admin_adds_a_user_and_edits_a_policy_with_refusals_next_to_the_field() {
    let fixture = every_role().await;
    let (mut admin, _) = signed_in(&fixture, "root").await;
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-user=\"ana\""), "{}", page.body);
    let csrf = page.csrf();

    let weak = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "zed"),
                ("role", "agent"),
                ("creditors", "NBANK"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.body);
    assert!(weak.body.contains("id=\"password-error\""), "{}", weak.body);
    assert!(
        weak.body.contains("value=\"zed\""),
        "the name typed is kept"
    );
    let added = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "zed"),
                ("role", "agent"),
                ("creditors", "NBANK"),
                ("creditors", "CITYUTIL"),
                ("password", "blue kettle on a hill"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("User added: zed"), "{}", added.body);
    let row = &added.body[added.body.find("data-user=\"zed\"").unwrap()..];
    assert!(
        row[..row.find("</tr>").unwrap()].contains("CITYUTIL, NBANK")
            || row[..row.find("</tr>").unwrap()].contains("NBANK, CITYUTIL"),
        "{row}"
    );
    // The new user signs in and lands on the work list.
    let mut zed = Client {
        address: fixture.address,
        cookie: None,
    };
    let signed = zed
        .post(
            "/login",
            &[("username", "zed"), ("password", "blue kettle on a hill")],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let root = zed.get("/").await;
    assert_eq!(root.header("location"), Some("/worklist"));

    let policy = admin.get("/admin/creditors/NBANK").await;
    assert_eq!(policy.status, 200, "{}", policy.body);
    // Each key in words, the key itself small beside it for those who use the CLI.
    assert!(
        policy.body.contains(
            "Largest discount an agent may grant (basis points) <code class=\"key\">agent_max_discount_bps</code>"
        ),
        "{}",
        policy.body
    );
    assert!(policy.body.contains("2000 = 20%"));
    let bad = admin
        .post(
            "/admin/creditors/NBANK",
            &[
                ("csrf", &csrf),
                ("policy.plan_max_term_months", "lots"),
                ("reason", "longer plans"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body
            .contains("id=\"policy-plan_max_term_months-error\""),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"lots\""),
        "the value typed is kept"
    );
    let good = admin
        .post(
            "/admin/creditors/NBANK",
            &[
                ("csrf", &csrf),
                ("policy.plan_max_term_months", "24"),
                ("reason", "longer plans"),
            ],
        )
        .await;
    assert_eq!(good.status, 303, "{}", good.body);
    let saved = admin.get(good.header("location").unwrap()).await;
    assert!(saved.body.contains("Policy saved."), "{}", saved.body);
    assert!(
        saved
            .body
            .contains("name=\"policy.plan_max_term_months\" value=\"24\""),
        "{}",
        saved.body
    );

    let switched = admin.post("/me/language", &[("csrf", &csrf)]).await;
    assert_eq!(switched.status, 303);
    let spanish = admin.get("/admin/creditors/NBANK").await;
    assert!(
        spanish
            .body
            .contains("Plan más largo (meses) <code class=\"key\">plan_max_term_months</code>"),
        "{}",
        spanish.body
    );

    // The auditor finds the change, by whom and why.
    let (mut auditor, _) = signed_in(&fixture, "aud").await;
    let log = auditor
        .get("/audit?actor=root&action=creditor.update")
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.body.matches("<tr data-seq=").count(), 1, "{}", log.body);
    assert!(log.body.contains("longer plans"));
    // Other roles may not administer.
    let (mut manager, _) = signed_in(&fixture, "max").await;
    assert_eq!(manager.get("/admin/users").await.status, 403);
    assert_eq!(manager.get("/admin/creditors/NBANK").await.status, 403);
}

#[tokio::test]
async fn the_auditor_filters_exports_and_verifies_and_others_may_not() {
    let fixture = every_role().await;
    // An agent calls NY-1 (an allowed decision) and takes the next account (a lock).
    let (mut agent, _) = signed_in(&fixture, "ana").await;
    let page = agent.get("/accounts/NBANK/NY-1").await;
    let logged = agent
        .post(
            "/accounts/NBANK/NY-1/attempts",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("contact", "+15185550101"),
                ("disposition", "no_answer"),
            ],
        )
        .await;
    assert_eq!(logged.status, 303, "{}", logged.body);
    let next = agent.post("/queue/next", &[("csrf", &page.csrf())]).await;
    assert_eq!(next.status, 303, "{}", next.body);
    let account = next.header("location").unwrap().to_string();

    let (mut auditor, _) = signed_in(&fixture, "aud").await;
    let users = auditor.get("/audit?entity=user").await;
    assert_eq!(users.status, 200);
    let rows = users.body.matches("<tr data-seq=").count();
    assert!(rows >= 6, "{}", users.body);
    let href = users
        .attribute_after("id=\"export\"", "href")
        .unwrap()
        .replace("&amp;", "&");
    assert_eq!(href, "/audit/export?entity=user");
    let csv = auditor.get(&href).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(csv.body.lines().count(), rows + 1, "{}", csv.body);
    assert!(
        csv.body.lines().skip(1).all(|line| line.contains(",user,")),
        "{}",
        csv.body
    );
    let bad = auditor.get("/audit?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"from-error\""), "{}", bad.body);

    let decisions = auditor
        .get("/audit/decisions?decision=allow&channel=call")
        .await;
    assert_eq!(decisions.status, 200, "{}", decisions.body);
    assert!(decisions.body.contains("NBANK NY-1"), "{}", decisions.body);
    let href = decisions
        .attribute_after("id=\"export\"", "href")
        .unwrap()
        .replace("&amp;", "&");
    let csv = auditor.get(&href).await;
    assert!(
        csv.body.starts_with("id,decided_at,creditor,account_ref"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .lines()
            .skip(1)
            .all(|line| line.contains(",call,allow,")),
        "{}",
        csv.body
    );
    let denied = auditor.get("/audit/decisions?decision=deny").await;
    assert!(denied.body.contains("id=\"empty\""), "{}", denied.body);

    let verified = auditor
        .post("/audit/verify", &[("csrf", &users.csrf())])
        .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert!(
        verified.body.contains("data-intact=\"true\""),
        "{}",
        verified.body
    );
    assert!(
        verified.body.contains("The audit chain is intact"),
        "{}",
        verified.body
    );

    // Agents, supervisors and billing may not read the logs.
    for user in ["ana", "sue", "bill"] {
        let (mut client, _) = signed_in(&fixture, user).await;
        for path in [
            "/audit",
            "/audit/export",
            "/audit/decisions",
            "/audit/decisions/export",
        ] {
            assert_eq!(client.get(path).await.status, 403, "{user} {path}");
        }
    }

    // The supervisor's board shows the agent on that account, refreshed by htmx.
    let (mut supervisor, _) = signed_in(&fixture, "sue").await;
    let team = supervisor.get("/team").await;
    assert!(
        team.body.contains("hx-get=\"/team/board\""),
        "{}",
        team.body
    );
    assert!(team.body.contains("hx-trigger=\"every 30s\""));
    let board = supervisor.get("/team/board").await;
    assert_eq!(board.status, 200);
    assert!(!board.body.contains("<nav"), "a fragment: {}", board.body);
    let row = &board.body[board.body.find("data-agent=\"ana\"").unwrap()..];
    assert!(
        row[..row.find("</tr>").unwrap()].contains(&format!("href=\"{account}\"")),
        "{row}"
    );
    assert_eq!(agent.get("/team/board").await.status, 403);

    // The manager's overview: both creditors with their accounts and balances.
    let (mut manager, _) = signed_in(&fixture, "max").await;
    let overview = manager.get("/overview").await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    let nbank = &overview.body[overview.body.find("data-creditor=\"NBANK\"").unwrap()..];
    let nbank = &nbank[..nbank.find("</tr>").unwrap()];
    assert!(nbank.contains("<td class=\"num\">4</td>"), "{nbank}");
    assert!(nbank.contains("$3,350.00"), "{nbank}");
    assert!(overview.body.contains("data-creditor=\"CITYUTIL\""));
    assert_eq!(supervisor.get("/overview").await.status, 403);
}

#[tokio::test]
async fn an_admin_changes_a_role_locks_and_unlocks_and_resets_a_password() {
    let fixture = every_role().await;
    let (mut admin, _) = signed_in(&fixture, "root").await;
    let page = admin.get("/admin/users/ana").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let refused = admin
        .post("/admin/users/ana", &[("op", "lock"), ("csrf", "wrong")])
        .await;
    assert_eq!(refused.status, 403);

    let locked = admin
        .post("/admin/users/ana", &[("csrf", &csrf), ("op", "lock")])
        .await;
    assert_eq!(locked.status, 303, "{}", locked.body);
    let mut ana = Client {
        address: fixture.address,
        cookie: None,
    };
    let refused = ana
        .post(
            "/login",
            &[("username", "ana"), ("password", crate::fixture::PASSWORD)],
        )
        .await;
    assert_ne!(refused.status, 303, "a locked user cannot sign in");
    admin
        .post("/admin/users/ana", &[("csrf", &csrf), ("op", "unlock")])
        .await;

    let weak = admin
        .post(
            "/admin/users/ana",
            &[("csrf", &csrf), ("op", "password"), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("id=\"password-error\""), "{}", weak.body);
    let reset = admin
        .post(
            "/admin/users/ana",
            &[
                ("csrf", &csrf),
                ("op", "password"),
                ("password", "violet ferry at dawn"),
            ],
        )
        .await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    let signed = ana
        .post(
            "/login",
            &[("username", "ana"), ("password", "violet ferry at dawn")],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.header("location"), Some("/worklist"));

    let promoted = admin
        .post(
            "/admin/users/ana",
            &[("csrf", &csrf), ("op", "role"), ("role", "supervisor")],
        )
        .await;
    assert_eq!(promoted.status, 303);
    assert_eq!(ana.get("/").await.header("location"), Some("/team"));

    let yourself = admin
        .post("/admin/users/root", &[("csrf", &csrf), ("op", "lock")])
        .await;
    assert_eq!(yourself.status, 422);
    assert!(
        yourself.body.contains("lock yourself out"),
        "{}",
        yourself.body
    );
    let (mut auditor, _) = signed_in(&fixture, "aud").await;
    let log = auditor.get("/audit?actor=root&action=user.").await;
    // Lock, unlock, password, role: each audited as the admin's (beside their sign-in).
    assert_eq!(
        log.body.matches("changed by an administrator").count(),
        4,
        "{}",
        log.body
    );
}

/// The account page offers each role only the forms it may submit: agents and
/// supervisors the whole guided call, billing only the payment it may post, admins and
/// auditors nothing to
/// submit but the language and sign-out.
#[tokio::test]
async fn the_account_page_offers_each_role_only_the_forms_it_may_submit() {
    let fixture = every_role().await;
    let forms = |page: &Response| -> Vec<String> {
        page.body
            .split("<form action=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].to_string())
            .filter(|action| action.starts_with("/accounts/") || action == "/queue/next")
            .collect()
    };
    for (user, expected) in [
        (
            "ana",
            &["/attempts", "/promises", "/verify", "/notes", "/queue/next"][..],
        ),
        ("bill", &["/payments"][..]),
        ("root", &[][..]),
        ("aud", &[][..]),
    ] {
        let (mut client, _) = signed_in(&fixture, user).await;
        let page = client.get("/accounts/NBANK/NY-1").await;
        assert_eq!(page.status, 200, "{user}: {}", page.body);
        let offered = forms(&page);
        for action in expected {
            assert!(
                offered.iter().any(|form| form.ends_with(action)),
                "{user} should be offered {action}: {offered:?}"
            );
        }
        for action in ["/attempts", "/promises", "/verify", "/notes", "/queue/next"] {
            if !expected.contains(&action) {
                assert!(
                    !offered.iter().any(|form| form.ends_with(action)),
                    "{user} is offered {action}, which it may not submit: {offered:?}"
                );
            }
        }
        if user == "aud" {
            // The one form an auditor sees downloads the evidence package (a read,
            // audited as it leaves: docs/documents.md).
            assert_eq!(
                offered,
                vec!["/accounts/NBANK/NY-1/portfolio".to_string()],
                "the auditor only reads"
            );
        }
    }
}

/// The team board totals what each agent collected and promised today per currency: a
/// payment in dollars and one in euros are two totals, never one sum in dollars.
#[tokio::test]
async fn the_team_board_totals_the_day_per_currency() {
    let fixture = Fixture::start(
        "2026-11-23T15:00:00Z",
        &[
            ("ana", Role::Agent, &["NBANK"]),
            ("sue", Role::Supervisor, &["NBANK"]),
        ],
    )
    .await;
    fixture
        .import(
            "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile\n\
             EURO,EU-1,E-1,Eva,Gil,500.00,EUR,2026-05-01,9 Main St,Albany,NY,12207,(518) 555-0199\n",
        )
        .await;
    let actor = store::Actor::new("test:setup");
    for user in ["ana", "sue"] {
        fixture
            .store
            .assign_creditors(&actor, user, &["NBANK".to_string(), "EURO".to_string()])
            .await
            .unwrap();
    }
    let mut ana = fixture.sign_in("ana").await;
    for (account, amount, reference) in [
        ("/accounts/NBANK/NY-1", "100.00", "CARD-1"),
        ("/accounts/EURO/EU-1", "40.00", "CARD-2"),
        ("/accounts/NBANK/NY-2", "25.50", "CARD-3"),
    ] {
        let page = ana.get(account).await;
        let posted = ana
            .post(
                &format!("{account}/payments"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &page.version()),
                    ("amount", amount),
                    ("method", "card"),
                    ("paid_on", "2026-11-23"),
                    ("reference", reference),
                ],
            )
            .await;
        assert_eq!(posted.status, 303, "{}", posted.body);
    }
    let mut sue = fixture.sign_in("sue").await;
    let board = sue.get("/team").await;
    assert_eq!(board.status, 200);
    let row = &board.body[board.body.find("data-agent=\"ana\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("€40.00 · $125.50"), "by currency code: {row}");
}
