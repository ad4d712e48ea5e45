//! The collector's desk over HTTP, as a browser without JavaScript uses it: what was
//! typed survives any refusal, next to the field that was refused; a success redirects
//! (303) so a refresh sends nothing again; amounts are read as people type them; the
//! right-party check answers match / no match without revealing what is on file; "Save
//! and next" logs the call and opens the next account.

use crate::fixture::{Client, Fixture, Response};
use domain::party::Role;

/// 10:00 in New York and Boston, 07:00 in Seattle (before Regulation F's 08:00).
const NOW: &str = "2026-11-23T15:00:00Z";

async fn fixture() -> Fixture {
    Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("ben", Role::Agent, &["NBANK", "CITYUTIL"]),
        ],
    )
    .await
}

async fn page(client: &mut Client, path: &str) -> (Response, String, String) {
    let page = client.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, version) = (page.csrf(), page.version());
    (page, csrf, version)
}

/// Sends `fields` to the form at `path`/`form` with the CSRF token and version of the
/// page at `path`, as the form on that page would.
async fn send(client: &mut Client, path: &str, form: &str, fields: &[(&str, &str)]) -> Response {
    let (_, csrf, version) = page(client, path).await;
    let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    all.extend_from_slice(fields);
    client.post(&format!("{path}/{form}"), &all).await
}

/// The tag of the element with `id` in the page.
fn tag<'a>(body: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {body}"));
    let start = body[..at].rfind('<').unwrap();
    let end = at + body[at..].find('>').unwrap();
    &body[start..=end]
}

#[tokio::test]
async fn a_refused_call_keeps_the_note_and_disposition_and_says_why_next_to_the_number() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/WA-1").await;
    let refused = ana
        .post(
            "/accounts/NBANK/WA-1/attempts",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+12065550103"),
                ("disposition", "no_answer"),
                ("note", "rang twice, will try at noon"),
                ("then", "next"),
            ],
        )
        .await;
    // 07:00 in Seattle: refused, nothing saved, everything typed still there.
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains(">rang twice, will try at noon</textarea>"),
        "the note is kept: {}",
        refused.body
    );
    let radio = tag(&refused.body, "disposition-no_answer");
    assert!(radio.contains(" checked"), "{radio}");
    let number = tag(&refused.body, "attempt-contact");
    assert!(number.contains("aria-invalid=\"true\""), "{number}");
    assert!(number.contains("aria-describedby=\"refusal\""), "{number}");
    assert!(number.contains("autofocus"), "{number}");
    let refusal = &refused.body[refused.body.find("id=\"refusal\"").unwrap()..];
    assert!(refusal.contains("us.time_of_day"), "{refusal}");
    // The refusal sits in the wrap-up form, next to the number, not at the top.
    let form = &refused.body[refused.body.find("id=\"attempt-form\"").unwrap()..];
    assert!(form.find("id=\"refusal\"") < form.find("</form>"));
    let timeline = ana.get("/accounts/NBANK/WA-1").await;
    assert!(!timeline.body.contains("rang twice"), "nothing was saved");
}

#[tokio::test]
async fn a_stale_form_answers_409_keeps_the_input_and_says_what_changed() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let mut ben = fixture.sign_in("ben").await;
    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    // Ben adds a note while Ana types.
    let (_, ben_csrf, ben_version) = page(&mut ben, "/accounts/NBANK/NY-1").await;
    let noted = ben
        .post(
            "/accounts/NBANK/NY-1/notes",
            &[
                ("csrf", &ben_csrf),
                ("version", &ben_version),
                ("body", "debtor wrote in"),
            ],
        )
        .await;
    assert_eq!(noted.status, 303);
    let stale = ana
        .post(
            "/accounts/NBANK/NY-1/attempts",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+15185550101"),
                ("disposition", "left_message"),
                ("note", "left a voicemail"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale.body.contains(">left a voicemail</textarea>"),
        "{}",
        stale.body
    );
    assert!(tag(&stale.body, "disposition-left_message").contains(" checked"));
    let message = tag(&stale.body, "err-version");
    assert!(message.contains("autofocus"), "{message}");
    let form = &stale.body[stale.body.find("id=\"attempt-form\"").unwrap()..];
    let said = &form[..form.find("</form>").unwrap()];
    assert!(
        said.contains("changed while you were working on it"),
        "{said}"
    );
    assert!(
        said.contains("debtor wrote in"),
        "it says what changed: {said}"
    );
    assert!(said.contains("— ben"), "and who changed it: {said}");
    assert!(
        !stale.body.to_lowercase().contains("reload"),
        "{}",
        stale.body
    );
    // The page already carries the new version: sending again works.
    let again = ana
        .post(
            "/accounts/NBANK/NY-1/attempts",
            &[
                ("csrf", &csrf),
                ("version", &stale.version()),
                ("contact", "+15185550101"),
                ("disposition", "left_message"),
                ("note", "left a voicemail"),
            ],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
}

#[tokio::test]
async fn a_success_redirects_so_a_refresh_sends_nothing_again() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let noted = ana
        .post(
            "/accounts/NBANK/NY-1/notes",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("body", "asked for a letter"),
            ],
        )
        .await;
    assert_eq!(noted.status, 303);
    let location = noted.header("location").unwrap().to_string();
    assert_eq!(location, "/accounts/NBANK/NY-1?done=note");
    // The browser follows with a GET: refreshing it shows the note once.
    for _ in 0..2 {
        let shown = ana.get(&location).await;
        assert_eq!(shown.status, 200);
        assert_eq!(shown.body.matches("asked for a letter").count(), 1);
    }
}

#[tokio::test]
async fn amounts_are_read_as_people_type_them_and_an_ambiguous_one_is_refused_next_to_it() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let refused = ana
        .post(
            "/accounts/NBANK/NY-1/payments",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("amount", "12,5"),
                ("method", "card"),
                ("paid_on", "2026-11-23"),
                ("reference", "CARD-1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let amount = tag(&refused.body, "payment-amount");
    assert!(amount.contains("value=\"12,5\""), "{amount}");
    assert!(
        amount.contains("aria-describedby=\"err-amount\""),
        "{amount}"
    );
    assert!(amount.contains("autofocus"), "{amount}");
    assert!(refused.body.contains("id=\"err-amount\""));

    for (typed, reference) in [("1,250.00", "CARD-2"), ("$1,250.00", "CARD-3")] {
        let posted = send(
            &mut ana,
            "/accounts/NBANK/NY-1",
            "payments",
            &[
                ("amount", typed),
                ("method", "card"),
                ("paid_on", "2026-11-23"),
                ("reference", reference),
            ],
        )
        .await;
        assert_eq!(posted.status, 303, "{typed}: {}", posted.body);
    }
    let shown = ana.get("/accounts/NBANK/NY-1").await;
    let payments = &shown.body[shown.body.find("id=\"payments\"").unwrap()..];
    assert!(
        payments.contains("CARD-2") && payments.contains("CARD-3"),
        "both payments are posted: {payments}"
    );

    // A promise the same way: `$500.00` is read, `12,5` is refused next to its row.
    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-2").await;
    let refused = ana
        .post(
            "/accounts/NBANK/NY-2/promises",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("date_1", "2026-12-01"),
                ("amount_1", "$500.00"),
                ("date_2", "2026-12-15"),
                ("amount_2", "12,5"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(tag(&refused.body, "amount_1").contains("value=\"$500.00\""));
    let second = tag(&refused.body, "amount_2");
    assert!(
        second.contains("aria-describedby=\"err-amount_2\""),
        "{second}"
    );
    let recorded = ana
        .post(
            "/accounts/NBANK/NY-2/promises",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("date_1", "2026-12-01"),
                ("amount_1", "$500.00"),
                ("date_2", "2026-12-15"),
                ("amount_2", "1,00"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 422, "`1,00` is ambiguous too");
    let recorded = ana
        .post(
            "/accounts/NBANK/NY-2/promises",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("date_1", "2026-12-01"),
                ("amount_1", "$500.00"),
                ("date_2", "2026-12-15"),
                ("amount_2", "250.00"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
}

#[tokio::test]
async fn a_promise_date_has_today_as_its_minimum_and_a_past_one_is_refused_next_to_it() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (page_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    assert!(tag(&page_.body, "date_1").contains("min=\"2026-11-23\""));
    let refused = ana
        .post(
            "/accounts/NBANK/NY-1/promises",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("date_1", "2026-11-22"),
                ("amount_1", "100.00"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let date = tag(&refused.body, "date_1");
    assert!(date.contains("aria-describedby=\"err-date_1\""), "{date}");
    assert!(refused.body.contains("Choose today or a later date."));
}

#[tokio::test]
async fn the_right_party_check_answers_per_field_and_records_no_typed_value() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (before, csrf, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    assert!(
        before
            .body
            .contains("Do not disclose the debt until the caller is verified.")
    );
    // Ann Bee: born 1980-04-12, SSN ending 4321, ZIP 12207.
    let wrong = ana
        .post(
            "/accounts/NBANK/NY-1/verify",
            &[
                ("csrf", &csrf),
                ("dob", "1980-04-12"),
                ("ssn_last4", "9876"),
                ("zip", "12207"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 303);
    let shown = ana.get(wrong.header("location").unwrap()).await;
    assert!(
        shown
            .body
            .contains("Not verified: do not disclose the debt.")
    );
    assert!(tag(&shown.body, "check-ssn").contains("class=\"check no\""));
    assert!(tag(&shown.body, "check-dob").contains("class=\"check yes\""));
    assert!(!shown.body.contains("id=\"verified\""));

    let right = ana
        .post(
            "/accounts/NBANK/NY-1/verify",
            &[
                ("csrf", &csrf),
                ("dob", "1980-04-12"),
                ("ssn_last4", "4321"),
                ("zip", ""),
            ],
        )
        .await;
    assert_eq!(right.status, 303);
    let shown = ana.get(right.header("location").unwrap()).await;
    assert!(shown.body.contains("id=\"verified\""), "{}", shown.body);
    assert!(tag(&shown.body, "script").contains("emphasised"));

    // One field is not enough; a malformed one is refused next to it, kept as typed.
    let few = ana
        .post(
            "/accounts/NBANK/NY-1/verify",
            &[
                ("csrf", &csrf),
                ("dob", ""),
                ("ssn_last4", "43a1"),
                ("zip", "12207"),
            ],
        )
        .await;
    assert_eq!(few.status, 422);
    let ssn = tag(&few.body, "verify-ssn");
    assert!(
        ssn.contains("value=\"43a1\"") && ssn.contains("err-verify_ssn"),
        "{ssn}"
    );

    // The check belongs to the call: once its wrap-up is logged, the next call on this
    // debtor verifies again.
    let logged = send(
        &mut ana,
        "/accounts/NBANK/NY-1",
        "attempts",
        &[("contact", "+15185550101"), ("disposition", "no_answer")],
    )
    .await;
    assert_eq!(logged.status, 303, "{}", logged.body);
    let (after_call, csrf, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    assert!(!after_call.body.contains("id=\"verified\""));
    assert!(
        after_call
            .body
            .contains("Do not disclose the debt until the caller is verified.")
    );
    // "Verified by" names the agent as debtors hear them, not by their login.
    fixture
        .store
        .set_display_name("admin", "ana", "Ana Torres")
        .await
        .unwrap();
    let again = ana
        .post(
            "/accounts/NBANK/NY-1/verify",
            &[
                ("csrf", &csrf),
                ("dob", "1980-04-12"),
                ("ssn_last4", "4321"),
                ("zip", ""),
            ],
        )
        .await;
    let shown = ana.get(again.header("location").unwrap()).await;
    assert!(shown.body.contains("id=\"verified\""), "{}", shown.body);
    assert!(shown.body.contains("— Ana Torres"), "{}", shown.body);

    // The audit log has who and which fields matched, never what was typed.
    let events = fixture
        .store
        .audit_log(Some("NBANK/NY-1"), 1_000)
        .await
        .unwrap();
    let checks: Vec<_> = events
        .iter()
        .filter(|event| event.action == "account.verification")
        .collect();
    assert_eq!(checks.len(), 3);
    for event in checks {
        assert_eq!(event.actor, "ana");
        let after = event.after_json.clone().unwrap_or_default();
        assert!(
            !after.contains("9876") && !after.contains("1980"),
            "{after}"
        );
    }
}

#[tokio::test]
async fn save_and_next_logs_the_call_with_its_callback_and_opens_another_account() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let queue = ana.get("/queue").await;
    let taken = ana.post("/queue/next", &[("csrf", &queue.csrf())]).await;
    let first = taken.header("location").unwrap().to_string();
    let (_, csrf, version) = page(&mut ana, &first).await;
    let saved = ana
        .post(
            &format!("{first}/attempts"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+15185550101"),
                ("disposition", "callback"),
                ("note", "call back after lunch"),
                ("callback_at", "2026-11-23T13:30"),
                ("then", "next"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let next = saved.header("location").unwrap();
    assert!(next.starts_with("/accounts/"), "{next}");
    assert!(
        !next.starts_with(&format!("{first}?")),
        "another account: {next}"
    );
    let back = ana.get(&first).await;
    let timeline = &back.body[back.body.find("id=\"timeline\"").unwrap()..];
    assert!(timeline.contains("call back after lunch"), "{timeline}");
    assert!(timeline.contains("data-kind=\"callback\""), "{timeline}");

    // A callback in the debtor's past refuses the whole wrap-up, keeping it.
    let (_, csrf, version) = page(&mut ana, &first).await;
    let refused = ana
        .post(
            &format!("{first}/attempts"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("contact", "+15185550101"),
                ("disposition", "callback"),
                ("note", "again"),
                ("callback_at", "2026-11-23T09:00"),
                ("then", "next"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(tag(&refused.body, "wrap-callback").contains("value=\"2026-11-23T09:00\""));
    assert!(tag(&refused.body, "wrap-callback").contains("aria-describedby=\"err-callback_at\""));
}

#[tokio::test]
async fn the_desk_reads_as_people_read() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (shown, _, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let body = &shown.body;
    assert!(
        body.contains("$1,200.00"),
        "money with currency and grouping"
    );
    assert!(body.contains("(518) 555-0101"), "phones formatted");
    assert!(body.contains("href=\"tel:+15185550101\" data-dial=\"+15185550101\""));
    assert!(body.contains("Mobile phone") && body.contains("Unverified"));
    for code in [
        "phone_mobile</",
        "unverified<",
        ">active<",
        "account.attempt",
        ">181+<",
    ] {
        assert!(!body.contains(code), "{code} shows as a code");
    }
    assert!(
        tag(body, "address").contains("address"),
        "the postal address"
    );
    assert!(body.contains("1 Main St") && body.contains("Albany, NY 12207"));
    // The script names the agent by their display name, never the login name.
    assert!(
        body.contains("My name is ana,"),
        "the display name starts as the user name"
    );
    fixture
        .store
        .set_display_name("admin", "ana", "Ana Torres")
        .await
        .unwrap();
    let (shown, _, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    assert!(
        shown.body.contains("My name is Ana Torres,"),
        "{}",
        shown.body
    );
}

/// One open arrangement per account on the desk: a second promise is refused next to the
/// "replace" box with what was typed kept; ticking it replaces the open promise.
#[tokio::test]
async fn a_second_promise_is_refused_next_to_replace_and_replaces_the_first_when_asked() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let promise = |csrf: String, version: String, amount: &'static str, replace: bool| {
        let mut fields = vec![
            ("csrf", csrf),
            ("version", version),
            ("date_1", "2026-12-01".to_string()),
            ("amount_1", amount.to_string()),
        ];
        if replace {
            fields.push(("replace", "on".to_string()));
        }
        fields
    };
    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let first = promise(csrf, version, "100.00", false);
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let recorded = ana.post("/accounts/NBANK/NY-1/promises", &first).await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);

    let (_, csrf, version) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let second = promise(csrf.clone(), version.clone(), "$250.00", false);
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = ana.post("/accounts/NBANK/NY-1/promises", &second).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let replace = tag(&refused.body, "promise-replace");
    assert!(
        replace.contains("aria-describedby=\"err-replace\""),
        "{replace}"
    );
    assert!(refused.body.contains("already open on this account"));
    assert!(tag(&refused.body, "amount_1").contains("value=\"$250.00\""));

    let third = promise(csrf, version, "$250.00", true);
    let third: Vec<(&str, &str)> = third.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let replaced = ana.post("/accounts/NBANK/NY-1/promises", &third).await;
    assert_eq!(replaced.status, 303, "{}", replaced.body);
    let (desk, _, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    assert!(desk.body.contains("$250.00"), "the new promise is shown");
    assert!(
        desk.body.contains("Replaced"),
        "the first promise shows as replaced on the timeline or list"
    );
}

/// The wrap-up's callback: "callback requested" is the debtor choosing the time (their
/// consent, so 07:30 on their clock is allowed); any other disposition is the agent
/// choosing it (07:30 is refused next to the field, nothing saved) unless the agent says
/// the debtor asked.
#[tokio::test]
async fn who_chose_the_callback_time_follows_the_disposition_unless_the_agent_says() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    async fn wrap_up(
        client: &mut Client,
        account: &str,
        number: &str,
        disposition: &str,
        who: &str,
    ) -> Response {
        let mut fields = vec![
            ("contact", number),
            ("disposition", disposition),
            ("note", "wants an early call"),
            ("callback_at", "2026-11-24T07:30"),
        ];
        if !who.is_empty() {
            fields.push(("requested_by_debtor", who));
        }
        send(
            client,
            &format!("/accounts/NBANK/{account}"),
            "attempts",
            &fields,
        )
        .await
    }
    let (shown, _, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    assert!(!tag(&shown.body, "wrap-requested").contains(" checked"));
    assert!(!tag(&shown.body, "wrap-chosen").contains(" checked"));

    // "Left a message" and 07:30: the agent chose it, a call then is not allowed.
    let refused = wrap_up(&mut ana, "NY-1", "+15185550101", "left_message", "").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(tag(&refused.body, "wrap-callback").contains("aria-describedby=\"err-callback_at\""));
    assert!(refused.body.contains("A call then is not allowed"));
    assert!(
        tag(&refused.body, "wrap-chosen").contains(" checked"),
        "the page says the agent chose it"
    );
    assert!(refused.body.contains(">wants an early call</textarea>"));
    let timeline = ana.get("/accounts/NBANK/NY-1").await;
    assert!(
        !timeline.body.contains("wants an early call"),
        "nothing saved"
    );

    // The agent says the debtor asked: their consent, saved.
    let saved = wrap_up(&mut ana, "NY-1", "+15185550101", "left_message", "yes").await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    // "Callback requested" without a word on who chose: the debtor did.
    let saved = wrap_up(&mut ana, "NY-2", "+15185550102", "callback", "").await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let events = fixture
        .store
        .audit_log(Some("NBANK/NY-2"), 100)
        .await
        .unwrap();
    assert!(
        events.iter().any(|event| {
            event
                .after_json
                .as_deref()
                .unwrap_or("")
                .contains("\"requested_by_debtor\":true")
        }),
        "the debtor's consent is recorded with the callback: {events:?}"
    );
}

/// The timeline reads in the page's language: what Arrears wrote (why a hold was placed,
/// why a contact point changed) is translated; what the agent typed is shown as typed.
#[tokio::test]
async fn the_timeline_reads_in_the_pages_language() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (_, csrf, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let switched = ana.post("/me/language", &[("csrf", &csrf)]).await;
    assert_eq!(switched.status, 303);
    let added = send(
        &mut ana,
        "/accounts/NBANK/NY-1",
        "contacts",
        &[
            ("kind", "phone_home"),
            ("value", "(518) 555-0177"),
            ("source", "skip trace"),
        ],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let disputed = send(
        &mut ana,
        "/accounts/NBANK/NY-1",
        "disputes",
        &[("detail", "says it was paid in May")],
    )
    .await;
    assert_eq!(disputed.status, 303, "{}", disputed.body);
    let (desk, _, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let timeline = &desk.body[desk.body.find("id=\"timeline\"").unwrap()..];
    let timeline = &timeline[..timeline.find("</ol>").unwrap()];
    for spanish in [
        "punto de contacto añadido por un agente",
        "disputa registrada por un agente",
        "Bloqueo puesto",
    ] {
        assert!(timeline.contains(spanish), "{spanish}: {timeline}");
    }
    for english in [
        "added by an agent",
        "logged by an agent",
        "Hold placed",
        "Contact point added",
    ] {
        assert!(!timeline.contains(english), "{english}: {timeline}");
    }
}

/// The negotiation tabs offer what a collector offers: the balance in full today, plans
/// of 3, 6 and 12 months with the amount of each payment, the settlement at the largest
/// discount the agent may grant, and the next tier marked as needing a supervisor.
#[tokio::test]
async fn the_offers_read_like_a_collectors_and_fill_their_form() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let (shown, _, _) = page(&mut ana, "/accounts/NBANK/NY-1").await;
    let panel = |id: &str| {
        let start = shown
            .body
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id}"));
        let rest = &shown.body[start..];
        rest[..rest.find("<form").unwrap()].to_string()
    };
    // $1,200.00 owed; the creditor's default policy: plans up to 36 months, an agent
    // grants up to 20 %, a supervisor 40 %.
    let payment = panel("panel-payment");
    assert!(
        payment.contains("data-fill=\"payment-amount=1200.00;payment-date=2026-11-23\">Pay in full today: $1,200.00</button>"),
        "{payment}"
    );
    let plan = panel("panel-plan");
    for offer in [
        "3 monthly payments of $400.00 from 2026-11-30",
        "6 monthly payments of $200.00 from 2026-11-30",
        "12 monthly payments of $100.00 from 2026-11-30",
    ] {
        assert!(plan.contains(offer), "{offer}: {plan}");
    }
    assert!(!plan.contains("24 monthly"), "{plan}");
    assert!(plan.contains("plan-installments=6;"), "{plan}");
    let settlement = panel("panel-settlement");
    assert!(
        settlement.contains(
            "class=\"offer\" data-fill=\"settle_date_1=2026-11-30;settle_amount_1=960.00\">Settle for $960.00 (20.00 % off) by 2026-11-30</button>"
        ),
        "{settlement}"
    );
    assert!(
        settlement.contains(
            "class=\"offer needs-approval\" data-fill=\"settle_date_1=2026-11-30;settle_amount_1=720.00\">Settle for $720.00 (40.00 % off) by 2026-11-30 <em>· needs a supervisor&#39;s approval</em>"
        ),
        "{settlement}"
    );
}
