//! The agent workspace over HTTP, as a browser without JavaScript would use it: forms,
//! redirects, the session cookie and its CSRF token.

use crate::fixture::{Client, Fixture, PASSWORD, Response};
use domain::party::Role;

/// 10:00 in New York and Boston, 07:00 in Seattle (before Regulation F's 08:00).
const NOW: &str = "2026-11-23T15:00:00Z";

async fn fixture() -> Fixture {
    Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("ben", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("cy", Role::Agent, &["CITYUTIL"]),
            ("aud", Role::Auditor, &[]),
            ("sue", Role::Supervisor, &["NBANK", "CITYUTIL"]),
        ],
    )
    .await
}

async fn next(client: &mut Client) -> Response {
    let queue = client.get("/queue").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    client.post("/queue/next", &[("csrf", &queue.csrf())]).await
}

#[tokio::test]
async fn an_agent_takes_the_next_account_logs_an_attempt_and_a_promise() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let queue = ana.get("/queue").await;
    assert!(
        queue.body.contains("<strong id=\"remaining\">5</strong>"),
        "{}",
        queue.body
    );

    // The largest balance first (NY-1, 1,200.00); WA-1 could not be called at 07:00.
    let taken = next(&mut ana).await;
    assert_eq!(taken.status, 303);
    assert_eq!(taken.header("location"), Some("/accounts/NBANK/NY-1"));
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-channel=\"call\""));
    assert!(
        page.body
            .contains("<li class=\"allowed\" data-channel=\"call\">"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<strong>0 / 7</strong>"),
        "the call budget"
    );
    assert!(
        page.body
            .contains("This is a communication from a debt collector.")
    );

    let csrf = page.csrf();
    let version = page.version();
    let logged = ana
        .post(
            "/accounts/NBANK/NY-1/attempts",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+15185550101"),
                ("disposition", "no_answer"),
            ],
        )
        .await;
    assert_eq!(logged.status, 303, "{}", logged.body);
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert!(
        page.body.contains("No answer · (518) 555-0101"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<strong>1 / 7</strong>"),
        "the call counts"
    );
    // Worked: it rests out of the queue for a few hours.
    let queue = ana.get("/queue").await;
    assert!(
        queue.body.contains("<strong id=\"remaining\">4</strong>"),
        "{}",
        queue.body
    );

    // Bad promises are refused with the field marked; nothing is saved.
    let version = page.version();
    for (date, amount, field) in [
        ("2026-12-01", "12,5", "amount_1"),
        ("2026-11-01", "25.00", "date_1"),
        ("2026-12-01", "5000.00", "amount_1"),
    ] {
        let refused = ana
            .post(
                "/accounts/NBANK/NY-1/promises",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("date_1", date),
                    ("amount_1", amount),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{date} {amount}");
        assert!(
            refused.body.contains(&format!("data-field=\"{field}\"")),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("aria-invalid=\"true\""));
    }
    let promised = ana
        .post(
            "/accounts/NBANK/NY-1/promises",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("date_1", "2026-12-01"),
                ("amount_1", "100.00"),
                ("date_2", "2027-01-01"),
                ("amount_2", "100.00"),
            ],
        )
        .await;
    assert_eq!(promised.status, 303, "{}", promised.body);
    let page = ana.get("/accounts/NBANK/NY-1?done=promise").await;
    assert!(
        page.body
            .contains("$100.00 2026-12-01, $100.00 2027-01-01 (Open)"),
        "{}",
        page.body
    );

    // A form from before the promise is stale now.
    let stale = ana
        .post(
            "/accounts/NBANK/NY-1/notes",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("body", "late note"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(
        stale
            .body
            .contains("This account changed while you were working on it."),
        "{}",
        stale.body
    );
    // Without the CSRF token nothing happens.
    let forged = ana
        .post(
            "/accounts/NBANK/NY-1/notes",
            &[("version", &page.version()), ("body", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);

    // A NUL or a stray byte-order mark typed or pasted into a form is refused, naming
    // the field; nothing is stored.
    let page = ana.get("/accounts/NBANK/NY-1").await;
    let version = page.version();
    for body in ["late\u{0}note", "late\u{FEFF}note"] {
        let refused = ana
            .post(
                "/accounts/NBANK/NY-1/notes",
                &[("csrf", &csrf), ("version", &version), ("body", body)],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(
            refused.body.contains("body: character 5"),
            "{}",
            refused.body
        );
    }
    assert_eq!(ana.get("/accounts/NBANK/NY-1").await.version(), version);
}

#[tokio::test]
async fn a_call_outside_the_debtors_hours_is_refused_with_the_rule() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/accounts/NBANK/WA-1").await;
    assert!(
        page.body
            .contains("<li class=\"denied\" data-channel=\"call\">"),
        "{}",
        page.body
    );
    let refused = ana
        .post(
            "/accounts/NBANK/WA-1/attempts",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("contact", "+12065550103"),
                ("disposition", "no_answer"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"refusal\""), "{}", refused.body);
    assert!(refused.body.contains("us.time_of_day"));
    assert!(refused.body.contains("12 CFR 1006.6(b)(1)(i)"));
    // 08:00 Pacific the same day.
    assert!(
        refused.body.contains("2026-11-23 08:00 PST"),
        "{}",
        refused.body
    );
    assert!(
        !refused.body.contains("data-kind=\"attempt\""),
        "nothing logged"
    );
    // The refusal is in the decision log for the examiner.
    let decisions = fixture
        .store
        .decisions_for_account("NBANK", "WA-1", 10)
        .await
        .unwrap();
    assert_eq!(decisions.len(), 1);
    assert!(!decisions[0].allowed);
    assert_eq!(decisions[0].asked_by, "agent");
    assert_eq!(decisions[0].actor, "ana");
}

#[tokio::test]
async fn agents_see_only_the_creditors_they_work() {
    let fixture = fixture().await;
    let mut cy = fixture.sign_in("cy").await;
    assert_eq!(cy.get("/accounts/NBANK/NY-1").await.status, 404);
    assert_eq!(cy.get("/accounts/CITYUTIL/CU-1").await.status, 200);
    let found = cy.get("/search?q=Ann").await;
    assert!(found.body.contains("No account found."), "{}", found.body);
    let found = cy.get("/search?q=Eve").await;
    assert!(found.body.contains("/accounts/CITYUTIL/CU-1"));
    // Cy's queue holds only CITYUTIL.
    let taken = next(&mut cy).await;
    assert_eq!(taken.header("location"), Some("/accounts/CITYUTIL/CU-1"));
    // An auditor may look but not work.
    let mut auditor = fixture.sign_in("aud").await;
    let page = auditor.get("/accounts/NBANK/NY-1").await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("id=\"note-form\""),
        "no note form offered"
    );
    let refused = auditor
        .post(
            "/accounts/NBANK/NY-1/notes",
            &[("csrf", &page.csrf()), ("version", "0"), ("body", "x")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(auditor.get("/queue").await.status, 403);
}

#[tokio::test]
async fn two_agents_pressing_next_at_once_never_get_the_same_account() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let mut ben = fixture.sign_in("ben").await;
    // Both press "Next account" at the same moment, three times over: they always get
    // different accounts (an agent's previous account goes back to the queue).
    for _ in 0..3 {
        let (a, b) = tokio::join!(next(&mut ana), next(&mut ben));
        let (a, b) = (
            a.header("location").map(str::to_string),
            b.header("location").map(str::to_string),
        );
        assert!(
            a.is_some() && b.is_some(),
            "both get an account: {a:?} {b:?}"
        );
        assert_ne!(a, b, "never the same account");
    }
    // The store agrees: two locks, one each.
    use sqlx::Row;
    let rows = sqlx::query("SELECT user_id, account_id FROM account_locks ORDER BY user_id")
        .fetch_all(fixture.store.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].get::<i64, _>(0), rows[1].get::<i64, _>(0));
    assert_ne!(rows[0].get::<i64, _>(1), rows[1].get::<i64, _>(1));
}

#[tokio::test]
async fn the_workspace_speaks_spanish() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let queue = ana.get("/queue").await;
    let switched = ana.post("/me/language", &[("csrf", &queue.csrf())]).await;
    assert_eq!(switched.status, 303);
    let queue = ana.get("/queue").await;
    assert!(queue.body.contains("<html lang=\"es\">"));
    assert!(queue.body.contains("Siguiente cuenta"), "{}", queue.body);
    // A Spanish-speaking debtor's call script is in Spanish whatever the agent's language.
    let page = ana.get("/accounts/NBANK/WA-1").await;
    assert!(
        page.body
            .contains("Esta es una comunicación de un cobrador de deudas.")
    );
    assert!(page.body.contains("¿Podemos contactar ahora?"));
}

#[tokio::test]
async fn disputes_flags_and_the_supervisors_team_view() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/accounts/NBANK/NY-2").await;
    let (csrf, version) = (page.csrf(), page.version());
    let logged = ana
        .post(
            "/accounts/NBANK/NY-2/attempts",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+15185550102"),
                ("disposition", "dispute"),
            ],
        )
        .await;
    assert_eq!(logged.status, 303);
    let page = ana.get("/accounts/NBANK/NY-2").await;
    let disputed = ana
        .post(
            "/accounts/NBANK/NY-2/disputes",
            &[
                ("csrf", &csrf),
                ("version", &page.version()),
                ("detail", "says the balance was paid in 2025"),
            ],
        )
        .await;
    assert_eq!(disputed.status, 303, "{}", disputed.body);
    // On hold: every channel is denied until verification is sent.
    let page = ana.get("/accounts/NBANK/NY-2").await;
    assert!(
        page.body
            .contains("<li class=\"denied\" data-channel=\"letter\">")
    );
    assert!(page.body.contains("us.dispute_pending"));

    // A bankruptcy flag needs the case number, chapter and filed date.
    let version = ana.get("/accounts/NBANK/NY-1").await.version();
    let thin = ana
        .post(
            "/accounts/NBANK/NY-1/flags",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("kind", "bankruptcy"),
                ("evidence", "debtor says so"),
                ("op", "set"),
            ],
        )
        .await;
    assert_eq!(thin.status, 422);
    assert!(thin.body.contains("data-field=\"evidence\""));
    let flagged = ana
        .post(
            "/accounts/NBANK/NY-1/flags",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("kind", "bankruptcy"),
                ("evidence", "case 26-10457, chapter 7, filed 2026-10-02"),
                ("op", "set"),
            ],
        )
        .await;
    assert_eq!(flagged.status, 303, "{}", flagged.body);
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert!(page.body.contains("us.bankruptcy_stay"));

    // The supervisor sees the day, the dispute queue, and moves an account.
    let mut sue = fixture.sign_in("sue").await;
    let team = sue.get("/team").await;
    assert_eq!(team.status, 200, "{}", team.body);
    // Worked, attempts, right-party contacts (after the account the agent holds now).
    let row = &team.body[team
        .body
        .find("<tr data-agent=\"ana\">")
        .expect("ana's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(
            "</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td>"
        ),
        "{row}"
    );
    assert!(team.body.contains("says the balance was paid in 2025"));
    let moved = sue
        .post(
            "/team/assign",
            &[
                ("csrf", &team.csrf()),
                ("creditor", "NBANK"),
                ("account_ref", "MA-1"),
                ("agent", "ben"),
            ],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert!(moved.body.contains("Assigned."), "{}", moved.body);
    // MA-1 is Ben's now: Ana's queue no longer holds it.
    let queue = ana.get("/queue").await;
    assert!(
        queue.body.contains("<strong id=\"remaining\">2</strong>"),
        "{}",
        queue.body
    );
    // Agents have no team view.
    assert_eq!(ana.get("/team").await.status, 403);
}

#[tokio::test]
async fn the_dialer_list_counts_the_attempts_agents_logged() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let rules = compliance::packs::RuleSet::builtin();
    let actor = store::Actor::new("test:dialer");
    let mut list = Vec::new();
    app::App::new(fixture.store.clone(), rules)
        .dialer_list(&actor, NOW.parse().unwrap(), false, &mut list)
        .await
        .unwrap();
    assert!(
        String::from_utf8(list)
            .unwrap()
            .contains("NBANK,MA-1,+16175550104,")
    );
    // Two calls to the Massachusetts debtor (an hour ago, by the dialer's agent, and now
    // from the workspace): the state allows no third in 7 days.
    let facts = fixture.store.contact_facts("NBANK", "MA-1").await.unwrap();
    let ana_user = {
        use sqlx::Row;
        let id: i64 = sqlx::query("SELECT id FROM users WHERE username = 'ana'")
            .fetch_one(fixture.store.pool())
            .await
            .unwrap()
            .get(0);
        fixture.store.session_user(id).await.unwrap()
    };
    let an_hour_ago: jiff::Timestamp = "2026-11-23T14:00:00Z".parse().unwrap();
    let attempt = store::workspace::NewAttempt {
        at: an_hour_ago,
        action: "call".into(),
        contact_point: Some("+16175550104".into()),
        direction: "outbound".into(),
        recipient: "consumer".into(),
        outcome: "no_answer".into(),
        disposition: "no_answer".into(),
        note: None,
        under_consent: false,
    };
    let decision = store::decisions::NewDecision {
        account_id: facts.account_id,
        decided_at: an_hour_ago,
        asked_by: "dialer",
        action: "call".into(),
        contact_point: attempt.contact_point.clone(),
        allowed: true,
        rules: Vec::new(),
        next_allowed_at: Some(an_hour_ago),
        packs: vec!["us@2026.11.0".into(), "us-ma@2026.11.0".into()],
        request_json: "{}".into(),
        answer_json: "{}".into(),
    };
    let seen = store::workspace::Seen {
        creditor: "NBANK",
        account_ref: "MA-1",
        version: 0,
    };
    fixture
        .store
        .record_attempt(&ana_user, seen, &attempt, &decision)
        .await
        .unwrap();
    let page = ana.get("/accounts/NBANK/MA-1").await;
    let logged = ana
        .post(
            "/accounts/NBANK/MA-1/attempts",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("contact", "+16175550104"),
                ("disposition", "left_message"),
            ],
        )
        .await;
    assert_eq!(logged.status, 303, "{}", logged.body);
    let mut list = Vec::new();
    let tally = app::App::new(fixture.store.clone(), rules)
        .dialer_list(&actor, NOW.parse().unwrap(), false, &mut list)
        .await
        .unwrap();
    let list = String::from_utf8(list).unwrap();
    assert!(!list.contains("MA-1"), "{list}");
    assert!(
        tally.denied >= 2,
        "MA-1 and WA-1 (07:00 in Seattle) are denied"
    );
    let decisions = fixture
        .store
        .decisions_for_account("NBANK", "MA-1", 10)
        .await
        .unwrap();
    let last = decisions.last().unwrap();
    assert_eq!(last.asked_by, "dialer");
    assert_eq!(last.rules, ["us-ma.call_frequency"]);
}

#[tokio::test]
async fn contact_points_are_added_and_marked_and_identity_is_masked_by_role() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/accounts/NBANK/NY-1").await;
    // An agent sees the identity masked; a supervisor sees the last 4 and the birth date.
    assert!(page.body.contains("•••-••-••••") && !page.body.contains("4321"));
    let mut sue = fixture.sign_in("sue").await;
    let shown = sue.get("/accounts/NBANK/NY-1").await;
    assert!(shown.body.contains("•••-••-4321") && shown.body.contains("1980-04-12"));
    // Searching by the last 4 finds the account only for a role that may see them: for
    // the agent, four digits would otherwise reveal them one query at a time (issue 13).
    let hidden = ana.get("/search?q=4321").await;
    assert!(
        !hidden.body.contains("/accounts/NBANK/NY-1"),
        "{}",
        hidden.body
    );
    let found = sue.get("/search?q=4321").await;
    assert!(
        found.body.contains("/accounts/NBANK/NY-1"),
        "{}",
        found.body
    );

    let bad = ana
        .post(
            "/accounts/NBANK/NY-1/contacts",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("kind", "phone_mobile"),
                ("value", "555"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("data-field=\"value\""));
    let added = ana
        .post(
            "/accounts/NBANK/NY-1/contacts",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("kind", "phone_home"),
                ("value", "(518) 555-0199"),
                ("source", "skip_trace"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert!(page.body.contains("<option value=\"+15185550199\">"));
    let marked = ana
        .post(
            "/accounts/NBANK/NY-1/contacts/status",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("value", "+15185550101"),
                ("status", "bad"),
            ],
        )
        .await;
    assert_eq!(marked.status, 303, "{}", marked.body);
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert!(
        !page.body.contains("<option value=\"+15185550101\">"),
        "a bad number is not offered"
    );
    let found = ana.get("/search?q=%28518%29%20555-0199").await;
    assert!(
        found.body.contains("/accounts/NBANK/NY-1"),
        "found by the new number"
    );
}

#[tokio::test]
async fn the_banner_refreshes_on_its_own() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/accounts/NBANK/WA-1").await;
    assert!(page.body.contains("hx-get=\"/accounts/NBANK/WA-1/banner\""));
    let fragment = ana.get("/accounts/NBANK/WA-1/banner").await;
    assert_eq!(fragment.status, 200);
    assert!(
        fragment
            .body
            .trim_start()
            .starts_with("<section id=\"banner\""),
        "{}",
        fragment.body
    );
    assert!(fragment.body.contains("us.time_of_day"));
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
    let mut cy = fixture.sign_in("cy").await;
    assert_eq!(cy.get("/accounts/NBANK/WA-1/banner").await.status, 404);
}

#[tokio::test]
async fn the_sign_in_page_follows_the_browsers_language() {
    use std::io::{Read, Write};
    let fixture = fixture().await;
    let address = fixture.address;
    let page = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "GET /login HTTP/1.1\r\nHost: {address}\r\nAccept-Language: es-MX,es;q=0.9,en;q=0.5\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).unwrap();
        page
    })
    .await
    .unwrap();
    assert!(page.contains("<html lang=\"es\">"), "{page}");
    assert!(page.contains("Iniciar sesión"));
}

#[tokio::test]
async fn refusals_are_in_the_users_language() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let queue = ana.get("/queue").await;
    ana.post("/me/language", &[("csrf", &queue.csrf())]).await;
    let page = ana.get("/accounts/NBANK/NY-1").await;
    let (csrf, version) = (page.csrf(), page.version());
    let empty_note = ana
        .post(
            "/accounts/NBANK/NY-1/notes",
            &[("csrf", &csrf), ("version", &version), ("body", "  ")],
        )
        .await;
    assert_eq!(empty_note.status, 422);
    assert!(
        empty_note.body.contains("Escriba una nota"),
        "{}",
        empty_note.body
    );
    let past = ana
        .post(
            "/accounts/NBANK/NY-1/callbacks",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("at", "2026-11-01T10:00"),
            ],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(
        past.body.contains("Escriba una fecha y hora futura."),
        "{}",
        past.body
    );
    let comma = ana
        .post(
            "/accounts/NBANK/NY-1/promises",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("date_1", "2026-12-01"),
                ("amount_1", "12,5"),
            ],
        )
        .await;
    assert!(comma.body.contains("Escriba un importe como 125.50"));
    let unknown = ana
        .post(
            "/accounts/NBANK/NY-1/attempts",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+15185550101"),
                ("disposition", "sang_a_song"),
            ],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("Elija un resultado de la lista."));
    // A callback in the future is scheduled (in the debtor's local time).
    let later = ana
        .post(
            "/accounts/NBANK/NY-1/callbacks",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("at", "2026-11-23T16:30"),
            ],
        )
        .await;
    assert_eq!(later.status, 303, "{}", later.body);
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert!(page.body.contains("2026-11-23 16:30 EST"), "{}", page.body);
}

/// Issue 13, finding 12: every answer carries the security headers; pages (which show
/// identities and balances) are not cached, the static assets are; the session cookie is
/// `Secure` when the operator says Arrears is served over HTTPS.
#[tokio::test]
async fn every_answer_carries_the_security_headers_and_the_cookie_can_be_secure() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let mut anonymous = Client {
        address: fixture.address,
        cookie: None,
    };
    let page = ana.get("/accounts/NBANK/NY-1").await;
    let login = anonymous.get("/login").await;
    let missing = ana.get("/accounts/NBANK/NOPE").await;
    let asset = ana.get("/assets/app.css").await;
    for (what, answer) in [
        ("page", &page),
        ("login", &login),
        ("404", &missing),
        ("asset", &asset),
    ] {
        let csp = answer.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{what}: {csp:?}"
        );
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            answer.header("referrer-policy"),
            Some("same-origin"),
            "{what}"
        );
    }
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        asset
            .header("cache-control")
            .unwrap_or_default()
            .starts_with("public"),
        "assets stay cacheable"
    );
    let set_cookie =
        |client: &Response| client.header("set-cookie").unwrap_or_default().to_string();
    let plain = anonymous
        .post("/login", &[("username", "ana"), ("password", PASSWORD)])
        .await;
    assert!(
        !set_cookie(&plain).contains("Secure"),
        "{}",
        set_cookie(&plain)
    );
    let secure = Fixture::start_with(
        NOW,
        &[("ana", Role::Agent, &["NBANK"])],
        web::Config {
            cookie_secure: true,
            ..web::Config::default()
        },
    )
    .await;
    let mut client = Client {
        address: secure.address,
        cookie: None,
    };
    let signed = client
        .post("/login", &[("username", "ana"), ("password", PASSWORD)])
        .await;
    assert!(
        set_cookie(&signed).contains("; Secure"),
        "{}",
        set_cookie(&signed)
    );
}

/// Issue 13, finding 9: an account whose debtor's address came only in part says so
/// where the page shows the address (English and Spanish), and no letter is logged to it.
#[tokio::test]
async fn an_incomplete_address_is_marked_and_takes_no_letter() {
    let fixture = fixture().await;
    fixture
        .import(
            "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,state,postal_code,phone_mobile\n\
             NBANK,PA-1,P-9,Gus,Hale,300.00,USD,2026-05-01,NY,12207,(518) 555-0109\n",
        )
        .await;
    let mut ana = fixture.sign_in("ana").await;
    let whole = ana.get("/accounts/NBANK/NY-1").await;
    assert!(!whole.body.contains("address-incomplete"));
    let page = ana.get("/accounts/NBANK/PA-1").await;
    assert!(
        page.body
            .contains("<strong class=\"address-incomplete\" id=\"address-incomplete\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Address incomplete</strong>"));
    let letter = ana
        .post(
            "/accounts/NBANK/PA-1/attempts",
            &[
                ("csrf", &page.csrf()),
                ("version", &page.version()),
                ("action", "letter"),
                ("disposition", "no_answer"),
            ],
        )
        .await;
    assert_eq!(letter.status, 422, "{}", letter.body);
    assert!(
        letter.body.contains(
            "<li data-field=\"action\">The debtor&#39;s address is incomplete: a letter cannot be mailed.</li>"
        ),
        "{}",
        letter.body
    );
    let queue = ana.get("/queue").await;
    ana.post("/me/language", &[("csrf", &queue.csrf())]).await;
    let page = ana.get("/accounts/NBANK/PA-1").await;
    assert!(
        page.body.contains(">Dirección incompleta</strong>"),
        "{}",
        page.body
    );
}
