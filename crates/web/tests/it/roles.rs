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
        ("ana", "/worklist", &["/worklist", "/queue"]),
        (
            "sue",
            "/team",
            &[
                "/worklist",
                "/queue",
                "/team",
                "/disputes",
                "/approvals",
                "/exceptions",
            ],
        ),
        (
            "max",
            "/overview",
            &[
                "/worklist",
                "/queue",
                "/team",
                "/disputes",
                "/approvals",
                "/exceptions",
                "/overview",
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
                "/exceptions",
                "/overview",
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
    assert_eq!(nav_links(&team), ["/worklist", "/queue"]);
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
