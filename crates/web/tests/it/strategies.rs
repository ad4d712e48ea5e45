//! The nightly engine's pages over HTTP: agents, supervisors, billing and auditors get
//! 403 on every page and post; a manager's broken strategy is refused with each problem's
//! line next to the textarea, the text kept and nothing stored; a good one is saved as a
//! version, activated, and compared; the runs page shows a night's run and its counts.

use crate::fixture::{Client, Response};
use crate::roles::every_role;

const PAGES: &[&str] = &[
    "/admin/strategies",
    "/admin/strategies/compare",
    "/admin/runs",
];

/// What the page's textarea holds, as the browser reads it (entities decoded).
fn textarea(page: &Response) -> String {
    let start = page
        .body
        .find("<textarea id=\"source\"")
        .expect("the editor");
    let open = start + page.body[start..].find('>').unwrap() + 1;
    let end = open + page.body[open..].find("</textarea>").unwrap();
    page.body[open..end]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn save(client: &mut Client, text: &str, activate: bool) -> Response {
    let csrf = client.get("/admin/strategies").await.csrf();
    let mut fields = vec![("csrf", csrf.as_str()), ("op", "save"), ("source", text)];
    if activate {
        fields.push(("activate", "1"));
    }
    client.post("/admin/strategies", &fields).await
}

#[tokio::test]
async fn only_managers_and_admins_open_the_strategy_pages_and_post_to_them() {
    let fixture = every_role().await;
    for user in ["ana", "sue", "bill", "aud"] {
        let mut client = fixture.sign_in(user).await;
        let csrf = client.get("/search").await.csrf();
        for path in PAGES {
            assert_eq!(client.get(path).await.status, 403, "{user} GET {path}");
        }
        let saved = client
            .post(
                "/admin/strategies",
                &[
                    ("csrf", &csrf),
                    ("op", "save"),
                    ("source", strategy::DEFAULT),
                ],
            )
            .await;
        assert_eq!(saved.status, 403, "{user} saves");
        let checked = client
            .post(
                "/admin/strategies",
                &[
                    ("csrf", &csrf),
                    ("op", "check"),
                    ("source", strategy::DEFAULT),
                ],
            )
            .await;
        assert_eq!(checked.status, 403, "{user} checks");
        let activated = client
            .post(
                "/admin/strategies/activate",
                &[("csrf", &csrf), ("name", "default"), ("version", "1")],
            )
            .await;
        assert_eq!(activated.status, 403, "{user} activates");
        let uploaded = client
            .multipart(
                "/admin/strategies/upload",
                &[("csrf", &csrf)],
                ("default.toml", strategy::DEFAULT.as_bytes()),
            )
            .await;
        assert_eq!(uploaded.status, 403, "{user} uploads");
        let page = client.get("/search").await;
        assert!(!page.body.contains("href=\"/admin/strategies\""), "{user}");
    }
    for user in ["max", "root"] {
        let mut client = fixture.sign_in(user).await;
        for path in PAGES {
            assert_eq!(client.get(path).await.status, 200, "{user} GET {path}");
        }
    }
    let versions: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM strategies")
        .fetch_one(fixture.store.pool())
        .await
        .unwrap();
    assert_eq!(versions, 0, "nothing was stored");
}

#[tokio::test]
async fn a_managers_broken_strategy_is_refused_by_line_with_the_text_kept_then_saved_and_activated()
{
    let fixture = every_role().await;
    let mut max = fixture.sign_in("max").await;
    let page = max.get("/admin/strategies").await;
    assert!(
        page.body
            .contains("<strong id=\"in-force\">the built-in strategy</strong>")
    );
    assert_eq!(
        textarea(&page),
        strategy::DEFAULT,
        "the text in force to edit"
    );

    // Broken: 422, every problem with its line next to the textarea, the text kept.
    let broken = strategy::DEFAULT
        .replacen("day = 0", "day = -1", 1)
        .replacen("call = 90", "call = 101", 1);
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let posted = broken.replace('\n', "\r\n");
    let refused = save(&mut max, &posted, true).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(textarea(&refused), broken);
    assert!(
        refused.body.contains(
            "aria-describedby=\"source-hint source-problems\" aria-invalid=\"true\" autofocus>"
        ),
        "{}",
        refused.body
    );
    let problems = &refused.body[refused.body.find("id=\"source-problems\"").unwrap()..];
    let day = format!(
        "<li class=\"problem\"><strong>Line {}</strong>: segment[",
        line_of("day = -1")
    );
    let call = format!(
        "<li class=\"problem\"><strong>Line {}</strong>: segment[",
        line_of("call = 101")
    );
    assert!(
        problems.contains(&day) && problems.contains("].day: -1 is not 0 … 3650</li>"),
        "{problems}"
    );
    assert!(
        problems.contains(&call) && problems.contains("].call: 101 is not 0 … 100</li>"),
        "{problems}"
    );
    assert!(
        refused.body.contains("id=\"activate\" checked"),
        "the box stays ticked"
    );
    let stored: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM strategies")
        .fetch_one(fixture.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);

    // Checked only: no problem, nothing stored.
    let csrf = refused.csrf();
    let checked = max
        .post(
            "/admin/strategies",
            &[
                ("csrf", &csrf),
                ("op", "check"),
                ("source", strategy::DEFAULT),
            ],
        )
        .await;
    assert_eq!(checked.status, 200);
    assert!(checked.body.contains("No problems: the file would load."));

    // Saved (POST-redirect-GET), then a second version saved and activated.
    let saved = save(&mut max, strategy::DEFAULT, false).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let location = saved.header("location").unwrap().to_string();
    let shown = max.get(&location).await;
    assert!(
        shown.body.contains("Saved as default version 1."),
        "{}",
        shown.body
    );
    assert!(
        shown
            .body
            .contains("<tr data-name=\"default\" data-version=\"1\">")
    );
    let edited = strategy::DEFAULT.replacen("max_retry_days = 14", "max_retry_days = 7", 1);
    let saved = save(&mut max, &edited, true).await;
    let shown = max.get(saved.header("location").unwrap()).await;
    assert!(
        shown
            .body
            .contains("<strong id=\"in-force\">default · Version 2</strong>"),
        "{}",
        shown.body
    );
    assert_eq!(textarea(&shown), edited);

    // Version 1 activated back from the list.
    let csrf = shown.csrf();
    let activated = max
        .post(
            "/admin/strategies/activate",
            &[("csrf", &csrf), ("name", "default"), ("version", "1")],
        )
        .await;
    assert_eq!(activated.status, 303);
    let shown = max.get(activated.header("location").unwrap()).await;
    assert!(
        shown
            .body
            .contains("default version 1 is the active strategy.")
    );
    assert!(
        shown
            .body
            .contains("<tr data-name=\"default\" data-version=\"1\" class=\"active\">")
    );
    assert_eq!(textarea(&shown), strategy::DEFAULT);

    // Uploaded as a file: refused the same way (the file's text in the editor), or saved.
    let csrf = shown.csrf();
    let refused = max
        .multipart(
            "/admin/strategies/upload",
            &[("csrf", &csrf), ("activate", "1")],
            ("mine.toml", broken.as_bytes()),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(textarea(&refused), broken);
    assert!(refused.body.contains(&day), "{}", refused.body);
    let renamed = strategy::DEFAULT.replacen("name = \"default\"", "name = \"uploaded\"", 1);
    let uploaded = max
        .multipart(
            "/admin/strategies/upload",
            &[("csrf", &csrf), ("activate", "1")],
            ("uploaded.toml", renamed.as_bytes()),
        )
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let shown = max.get(uploaded.header("location").unwrap()).await;
    assert!(
        shown
            .body
            .contains("<strong id=\"in-force\">uploaded · Version 1</strong>")
    );
    let csrf = shown.csrf();
    max.post(
        "/admin/strategies/activate",
        &[("csrf", &csrf), ("name", "default"), ("version", "1")],
    )
    .await;

    // The comparison of the strategy in force: no challenger, no verdict.
    let compare = max.get("/admin/strategies/compare").await;
    assert!(
        compare
            .body
            .contains("<strong id=\"strategy\">default · Version 1</strong>")
    );
    assert!(compare.body.contains("<p id=\"no-challengers\">"));

    // In Spanish too.
    let csrf = compare.csrf();
    max.post("/me/language", &[("csrf", &csrf)]).await;
    let spanish = max.get("/admin/strategies").await;
    assert!(
        spanish.body.contains("<h1>Estrategias</h1>"),
        "{}",
        spanish.body
    );
}

#[tokio::test]
async fn the_runs_page_shows_a_nights_run_with_its_chunks_and_counts() {
    let fixture = every_role().await;
    let mut max = fixture.sign_in("max").await;
    assert!(
        max.get("/admin/runs")
            .await
            .body
            .contains("<p id=\"no-runs\">")
    );
    let app = app::App::new(fixture.store.clone(), compliance::packs::RuleSet::builtin());
    let request = app::nightly::RunRequest {
        as_of: jiff::civil::date(2026, 11, 20),
        dry_run: false,
        replay: false,
        dispatch: false,
        worker: "test".into(),
    };
    app.batch_run(&store::Actor::new("test:batch"), &request, &|_| {})
        .await
        .unwrap();
    let page = max.get("/admin/runs").await;
    assert!(
        page.body.contains(
            "<td>2026-11-20</td><td class=\"status\">done</td><td class=\"num chunks\">1/1</td>"
        ),
        "{}",
        page.body
    );
    // Five accounts aged and scored.
    assert!(
        page.body
            .contains("<dt>Aging</dt><dd><ul class=\"count-list\"><li>accounts: 5</li>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<dt>Scores</dt><dd><ul class=\"count-list\"><li>accounts: 5</li>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td class=\"failures\">0</td>"));
    // Counts read as words in the manager's language: no stored key reaches the page.
    let csrf = page.csrf();
    max.post("/me/language", &[("csrf", &csrf)]).await;
    let spanish = max.get("/admin/runs").await;
    assert!(
        spanish
            .body
            .contains("<dt>Antigüedad</dt><dd><ul class=\"count-list\"><li>cuentas: 5</li>")
            && spanish.body.contains("<dt>Estrategia</dt><dd>"),
        "{}",
        spanish.body
    );
    let counts = spanish
        .body
        .split("<dl class=\"counts\">")
        .nth(1)
        .and_then(|rest| rest.split("</dl>").next())
        .unwrap();
    for raw in [
        "accounts",
        "entered_segment",
        "step_",
        "band_",
        "callable",
        "parts",
        "writes",
        "_minor",
    ] {
        assert!(!counts.contains(raw), "{raw} in {counts}");
    }
}
