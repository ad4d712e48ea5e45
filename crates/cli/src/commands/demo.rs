//! `arrears demo`: a realistic portfolio whatever the day, worked a month by its users
//! through the same use cases the workspace calls, then served.

use super::*;

/// Demo users: (name, role). Their password is printed when the demo starts.
pub const DEMO_USERS: &[(&str, Role)] = &[
    ("agent", Role::Agent),
    ("agent2", Role::Agent),
    ("supervisor", Role::Supervisor),
    ("manager", Role::Manager),
    ("billing", Role::Billing),
    ("admin", Role::Admin),
    ("auditor", Role::Auditor),
];
/// The names the demo's users give debtors on the phone (the call script).
const DEMO_DISPLAY_NAMES: &[(&str, &str)] = &[
    ("agent", "Maria Lopez"),
    ("agent2", "James Carter"),
    ("supervisor", "Linda Nguyen"),
    ("manager", "Robert Hayes"),
    ("billing", "Priya Shah"),
    ("admin", "Tom Becker"),
    ("auditor", "Grace Kim"),
];
pub const DEMO_PASSWORD: &str = "arrears-demo-2026";
pub const DEMO_DATABASE: &str = "arrears-demo.db";
pub(crate) const DEMO_PLACED_DAYS_AGO: i64 = 30;

/// A sample of accounts of the demo portfolio, spread over the file.
pub(crate) fn file_refs(imported: &Imported) -> Vec<(String, String)> {
    imported.sample.clone()
}

/// A morning's work by the demo agent, so the workspace opens on real history: call
/// attempts (each allowed by the compliance engine at its time, with its decision),
/// promises, notes and a few callbacks. Returns the attempts and the accounts promised.
pub(crate) async fn demo_activity(
    app: &app::App,
    agent_id: i64,
) -> Result<(usize, Vec<(String, String)>)> {
    use domain::contact::Disposition;
    let agent = app.session_user(agent_id).await?;
    let now = app.now();
    let today = context::today()?;
    let dispositions = [
        Disposition::NoAnswer,
        Disposition::LeftMessage,
        Disposition::RightPartyContact,
        Disposition::Busy,
        Disposition::Promise,
    ];
    let (mut attempts, mut promises) = (0, Vec::new());
    let candidates = app.queue_candidates(&agent, 40).await?;
    for (index, candidate) in candidates.iter().enumerate() {
        // Earlier this morning: the agent worked the queue at its own pace.
        let at = now
            .checked_sub(jiff::Span::new().minutes(30 + 7 * index as i64))
            .unwrap_or(now);
        let then = app.at(at);
        let known = then
            .known(&candidate.creditor, &candidate.account_ref)
            .await?;
        let Some(phone) = known.usable_point(::compliance::facts::Action::Call) else {
            continue;
        };
        let Some(view) = app
            .account_as_of(&candidate.creditor, &candidate.account_ref, today)
            .await?
        else {
            continue;
        };
        let disposition = dispositions[index % dispositions.len()];
        let input = app::workspace::AttemptInput {
            action: ::compliance::facts::Action::Call,
            contact: Some(phone.value.clone()),
            disposition,
            note: (disposition == Disposition::RightPartyContact)
                .then(|| "Debtor confirmed the address; asked for a payoff letter.".to_string()),
            version: view.version,
        };
        // Refused at that time (the hour, the week's calls): the agent moved on.
        let app::workspace::Attempted::Logged(_) = then.log_attempt(&agent, &view, &input).await?
        else {
            continue;
        };
        attempts += 1;
        let version = view.version + 1;
        if disposition == Disposition::Promise {
            let part = domain::money::Amount::from_minor((view.balance().minor() / 10).max(2_500));
            let lines = [7, 21].map(|days| app::workspace::PromiseLine {
                row: 1,
                due_on: today + jiff::Span::new().days(days),
                amount: part,
            });
            if app
                .record_promise(&agent, &view, version, &lines, false)
                .await?
                .is_ok()
            {
                promises.push((view.creditor.clone(), view.account_ref.clone()));
            }
        }
        if disposition == Disposition::RightPartyContact {
            // The debtor asks to be called back tomorrow at 10:00 their time: their
            // consent to a call then.
            let tomorrow = now.checked_add(jiff::Span::new().hours(24)).unwrap_or(now);
            let zone = app::contact::zones_now(&view.time_zones, view.state.as_deref(), None);
            let local = zone.display().to_datetime(tomorrow).date().at(10, 0, 0, 0);
            let scheduled = app
                .schedule_callback(
                    &agent,
                    &view,
                    version,
                    local,
                    Some("call back after payday"),
                    true,
                )
                .await?;
            match scheduled {
                Ok(_) | Err(app::queue::CallbackProblem::Refused(_)) => {}
                Err(app::queue::CallbackProblem::NotInFuture) => {
                    return Err(anyhow!("a callback tomorrow is in the future"));
                }
            }
        }
    }
    Ok((attempts, promises))
}

/// Money a month after placement: a lockbox file of payments (two that match nothing,
/// for the exceptions list, and one returned NSF), plans and settlements the agent
/// agreed, some waiting for the supervisor, and a refund of an overpayment.
pub(crate) async fn demo_money(
    app: &app::App,
    actor: &app::model::Actor,
    agent_id: i64,
) -> Result<(u64, u64, usize, usize, bool)> {
    use app::model::arrangements::MoneyChange;
    use domain::money::Amount;
    use domain::payment::{
        IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original, Source,
    };
    let agent = app.session_user(agent_id).await?;
    // The clients' contracts: no agent settles for less than 250.00 on their own.
    for creditor in app.creditors().await? {
        app.set_creditor(
            actor,
            &creditor.code,
            None,
            &[("agent_settlement_floor".into(), "250.00".into())],
            "demo: client contract sets an agent settlement floor",
        )
        .await?;
    }
    let today = context::today()?;
    let days = |count: i64| today + jiff::Span::new().days(count);
    let candidates = app.queue_candidates(&agent, 60).await?;
    let mut views = Vec::new();
    for candidate in &candidates {
        if let Some(view) = app
            .account_as_of(&candidate.creditor, &candidate.account_ref, today)
            .await?
            && view.balance().minor() > 300_00
        {
            views.push(view);
        }
    }
    if views.len() < 20 {
        return Ok((0, 0, 0, 0, false));
    }
    // The lockbox file: accounts 10.. pay something last week.
    let mut items = Vec::new();
    for (index, view) in views[10..].iter().enumerate() {
        let amount =
            Amount::from_minor((view.balance().minor() / (3 + index as i64 % 5)).max(25_00));
        items.push(Item {
            line: index as u64 + 2,
            kind: ItemKind::Payment(IncomingPayment {
                creditor: Some(view.creditor.clone()),
                account_ref: view.account_ref.clone(),
                fallback_ref: None,
                payment_ref: format!("LBX-{}", 7100 + index),
                paid_on: days(-7 + index as i64 % 5),
                amount,
                method: if index % 3 == 0 {
                    Method::Check
                } else {
                    Method::Ach
                },
                trace: None,
            }),
        });
    }
    let creditor = views[0].creditor.clone();
    for (line, reference) in [(90, "0000000000"), (91, "UNKNOWN-4471")] {
        items.push(Item {
            line,
            kind: ItemKind::Payment(IncomingPayment {
                creditor: Some(creditor.clone()),
                account_ref: reference.into(),
                fallback_ref: None,
                payment_ref: format!("LBX-X{line}"),
                paid_on: days(-6),
                amount: Amount::from_minor(75_00),
                method: Method::Check,
                trace: None,
            }),
        });
    }
    let posting = |source, file_name, reason| Posting {
        source,
        file_name,
        sha256: "",
        user_id: None,
        reason,
        dry_run: false,
    };
    use app::model::money::Posting;
    let report = app
        .post_payments(
            actor,
            &posting(Source::Csv, "lockbox-demo.csv", "lockbox file"),
            &items,
        )
        .await?;
    // The bank returns one of them for insufficient funds.
    let returned = &views[10];
    let nsf = Item {
        line: 2,
        kind: ItemKind::Return(IncomingReturn {
            creditor: Some(returned.creditor.clone()),
            original: Original::PaymentRef("LBX-7100".into()),
            return_ref: "RET-7100".into(),
            returned_on: days(-2),
            amount: match &items[0].kind {
                ItemKind::Payment(payment) => payment.amount,
                ItemKind::Return(_) => unreachable!("the first item is a payment"),
            },
            return_code: None,
        }),
    };
    app.post_payments(
        actor,
        &posting(Source::Csv, "returns-demo.csv", "returned items"),
        &[nsf],
    )
    .await?;
    let mut plans = 0;
    let mut settlements = 0;
    let mut refunded = false;
    for (index, stale) in views[..10].iter().enumerate() {
        // The lockbox file may have paid into the same debtor's accounts: read it again.
        let Some(view) = app
            .account_as_of(&stale.creditor, &stale.account_ref, today)
            .await?
        else {
            continue;
        };
        let view = &view;
        let balance = view.balance();
        if !balance.is_positive() {
            continue;
        }
        match index {
            // Plans within policy (6 and 12 monthly installments) and one of 60, over the
            // creditor's longest term, waiting for the supervisor: the store decides.
            0..=2 => {
                let request = app::money::PlanRequest {
                    frequency: domain::plan::Frequency::Monthly,
                    sizing: domain::plan::Sizing::Count([6, 12, 60][index]),
                    first_due: days(10),
                    down_payment: Amount::ZERO,
                    down_payment_on: None,
                    apr: domain::money::BasisPoints::new(0).expect("zero"),
                    // The debtor's promise, if any, gives way to the plan.
                    replace: true,
                };
                if app
                    .agree_plan(&agent, view, view.version, &request)
                    .await?
                    .is_ok()
                {
                    plans += 1;
                }
            }
            // Settlements: 15% off (within the agent's authority) and 35% off (needs a
            // supervisor).
            3 | 4 => {
                let discount_bps = if index == 3 { 1500 } else { 3500 };
                let offer = Amount::from_minor(balance.minor() * (10_000 - discount_bps) / 10_000);
                let line = app::money::SettlementLine {
                    row: 1,
                    due_on: days(14),
                    amount: offer,
                };
                if app
                    .offer_settlement_replacing(&agent, view, view.version, &[line], true)
                    .await?
                    .is_ok()
                {
                    settlements += 1;
                }
            }
            // An overpayment by wire and the agent's refund request, on a debtor with no
            // other account (what is paid beyond a balance goes to the debtor's other
            // debts first, leaving no credit to refund).
            5.. if !refunded && app.account_records(&agent, view).await?.accounts.len() == 1 => {
                refunded = true;
                let payment = app::money::NewPayment {
                    amount: Amount::from_minor(balance.minor() + 40_00),
                    method: Method::Wire,
                    paid_on: Some(days(-3)),
                    reference: format!("WIRE-{}", view.account_id),
                };
                app.take_payment(&agent, view, view.version, &payment, Source::Agent)
                    .await?
                    .map_err(|problems| anyhow!("the demo's wire payment: {problems:?}"))?;
                let Some(paid) = app
                    .account_as_of(&view.creditor, &view.account_ref, today)
                    .await?
                else {
                    continue;
                };
                let refund = app::money::ChangeRequest {
                    change: MoneyChange::Refund,
                    amount: None,
                    bucket: domain::ledger::Bucket::Principal,
                    reason_code: "overpayment".into(),
                    note: "debtor wired 40.00 more than the payoff".into(),
                };
                app.request_change(&agent, &paid, paid.version, &refund)
                    .await?
                    .map_err(|problems| anyhow!("the demo's refund: {problems:?}"))?;
            }
            _ => {}
        }
    }
    Ok((
        report.payments_posted,
        report.exceptions_added,
        plans,
        settlements,
        refunded,
    ))
}

/// Holds and status changes a real portfolio has a month after placement.
pub(crate) async fn demo_flags(
    app: &app::App,
    actor: &app::model::Actor,
    accounts: &[(String, String)],
) -> Result<usize> {
    use domain::account::{HoldKind, Status};
    let mut flagged = 0;
    for (index, (creditor, account_ref)) in accounts.iter().enumerate() {
        let result = match index % 7 {
            0 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Dispute,
                    "debtor says the balance was paid in full",
                    "verbal dispute on inbound call",
                )
                .await
            }
            1 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Cease,
                    "letter dated last week",
                    "written cease-communication request",
                )
                .await
            }
            2 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Attorney,
                    "Ramirez & Cole LLP, (555) 010-2233",
                    "debtor represented by counsel",
                )
                .await
            }
            3 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Bankruptcy,
                    "case 26-10457, chapter 7, filed 2026-10-02",
                    "bankruptcy notice from court",
                )
                .await
            }
            4 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Deceased,
                    "obituary on file",
                    "next of kin reported death",
                )
                .await
            }
            5 => app
                .change_status(
                    actor,
                    creditor,
                    account_ref,
                    Status::Recalled,
                    "creditor recalled the account",
                )
                .await
                .map(|_| ()),
            _ => app
                .change_status(
                    actor,
                    creditor,
                    account_ref,
                    Status::Closed,
                    "closed: sold to debt buyer",
                )
                .await
                .map(|_| ()),
        };
        result?;
        flagged += 1;
    }
    Ok(flagged)
}

/// The built-in strategy with its example challenger switched on: 80 % champion, 20 %
/// "early-sms" on high balances (crates/strategy/data/default.toml's commented example).
fn demo_strategy() -> String {
    let text = ::strategy::DEFAULT
        .replacen("name = \"default\"", "name = \"demo\"", 1)
        .replacen(
            "max_retry_days = 14\n",
            "max_retry_days = 14\nchampion_share_percent = 80\n",
            1,
        );
    let challenger = text
        .find("# [[challenger]]")
        .map(|start| {
            text[start..]
                .lines()
                .map(|line| {
                    line.strip_prefix("# ")
                        .or_else(|| line.strip_prefix("#"))
                        .unwrap_or(line)
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    format!("{text}\n{challenger}\n")
}

/// Creditors whose policy accrues interest in the demo.
const DEMO_ACCRUING_CREDITORS: &[&str] = &["NBANK", "AUTOFIN"];
/// Nights the nightly engine runs in the demo, the last one today.
const DEMO_NIGHTS: i64 = 3;

pub(crate) async fn demo(
    accounts: u64,
    seed: u64,
    listen: &str,
    no_serve: bool,
) -> Result<ExitCode> {
    // The hints below name the binary as it was run (`target/release/arrears` after
    // `cargo run --release`), so they work as printed without `arrears` on the PATH.
    let program = std::env::args()
        .next()
        .filter(|program| !program.is_empty())
        .unwrap_or_else(|| "arrears".into());
    for suffix in ["", "-wal", "-shm", ".key"] {
        let path = format!("{DEMO_DATABASE}{suffix}");
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("cannot remove {path}")),
        }
    }
    for folder in [DEMO_SMS_FOLDER, DEMO_PRINT_FOLDER] {
        match std::fs::remove_dir_all(folder) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("cannot remove {folder}"));
            }
        }
    }
    let db = format!("sqlite://{DEMO_DATABASE}");
    // With the documents folder: tonight's treatment letters are rendered and stored.
    let app = app::App::new(context::open_store(&db).await?, context::rule_set()?)
        .with_document_settings(context::document_settings(&db)?);
    let actor = app::model::Actor::new("demo");
    let today = context::today()?;
    // The portfolio was placed a month ago, so tonight's aging run has moves to record.
    let placed_on = today - jiff::Span::new().days(DEMO_PLACED_DAYS_AGO);
    let file = std::env::temp_dir().join(format!("arrears-demo-{}.csv", std::process::id()));
    {
        let config = ingest::generate::GeneratorConfig {
            accounts,
            seed,
            as_of: placed_on,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
    }
    let imported =
        import_placements_file(&app, &actor, &file, &Mapping::standard(), placed_on).await;
    let placed = super::letters::file_accounts(&file);
    std::fs::remove_file(&file).ok();
    let imported = imported?;
    let documents = super::letters::documents_dir(&db)?;
    let placed = placed?;
    let notices = demo_notices(&app, &actor, &placed, placed_on, &documents).await?;
    let to_locate = demo_partial_addresses(&app, &actor, &imported, placed_on).await?;
    // Interest accrues at two creditors; the nightly engine has run the last few
    // nights: interest, aging, scores, segments and arms, treatment steps, the queue.
    for creditor in DEMO_ACCRUING_CREDITORS {
        let settings = [
            (
                "interest_method".to_string(),
                "simple_daily_365".to_string(),
            ),
            ("accrue_interest".to_string(), "true".to_string()),
        ];
        if imported.summary.creditors.contains(*creditor) {
            app.set_creditor(&actor, creditor, None, &settings, "demo: interest accrues")
                .await?;
        }
    }
    // The strategy in force has a challenger: a fifth of the accounts try texting early.
    let demo_strategy = demo_strategy();
    app.load_strategy(
        app::strategies::Acting::Operator(&actor),
        "demo-strategy.toml",
        &demo_strategy,
        true,
    )
    .await
    .map_err(|error| anyhow!("the demo strategy: {error:?}"))?;
    let mut nights = Vec::new();
    for days_ago in (0..DEMO_NIGHTS).rev() {
        let as_of = today - jiff::Span::new().days(days_ago);
        let request = app::nightly::RunRequest {
            as_of,
            dry_run: false,
            replay: false,
            // Tonight's treatment steps go out (letters, email, texts through compliance).
            dispatch: days_ago == 0,
            worker: "demo".into(),
        };
        nights.extend(app.batch_run(&actor, &request, &|_| {}).await?);
    }
    let moves: i64 = nights
        .iter()
        .filter_map(|night| night.summary["age"]["moves"].as_i64())
        .sum();
    let refs = file_refs(&imported);
    let flagged = demo_flags(&app, &actor, &refs).await?;
    // A dialer list as of now, so the decision log has entries (at night they are all
    // denials by the time of day: also worth seeing).
    let now = app.now();
    let dialed = app
        .dialer_list(&actor, now, false, &mut std::io::sink())
        .await?;
    let mut agent_id = None;
    for (name, role) in DEMO_USERS {
        let user = app.add_user(&actor, name, *role, DEMO_PASSWORD).await?;
        if *name == "agent" {
            agent_id = Some(user.id);
        }
    }
    for (name, display_name) in DEMO_DISPLAY_NAMES {
        app.set_display_name(&actor, name, display_name).await?;
    }
    // Agents and supervisors see only the creditors they work: the first agent works
    // every client, the second all but the first (to show segregation).
    let creditors: Vec<String> = imported.summary.creditors.iter().cloned().collect();
    for (name, role) in DEMO_USERS {
        let works = match (*name, role) {
            ("agent2", _) => creditors[1..].to_vec(),
            (_, Role::Agent | Role::Supervisor) => creditors.clone(),
            _ => continue,
        };
        app.assign_creditors(&actor, name, &works).await?;
    }
    let (attempts, promised) = match agent_id {
        Some(id) => demo_activity(&app, id).await?,
        None => (0, Vec::new()),
    };
    let promises = promised.len();
    let (paid, exceptions, plans, settlements, refunded) = match agent_id {
        Some(id) => demo_money(&app, &actor, id).await?,
        None => (0, 0, 0, 0, false),
    };
    let documented = demo_documents(
        &app.clone()
            .with_document_settings(context::document_settings(&db)?),
        &actor,
        &refs,
    )
    .await?;
    println!(
        "Arrears demo: {DEMO_DATABASE} with {} accounts of {} debtors for creditors {}",
        imported.outcome.accounts_created,
        imported.outcome.debtors_created,
        imported
            .summary
            .creditors
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "placed {placed_on}; {} nightly runs to {today} ({moves} bucket moves, interest at {}); {flagged} accounts with holds or a changed status",
        nights.len(),
        DEMO_ACCRUING_CREDITORS.join(" and ")
    );
    println!(
        "dialer list at {now}: {} phones callable, {} denied by the compliance check ({} decisions logged)",
        dialed.listed, dialed.denied, dialed.logged
    );
    if let Some((creditor, account_ref)) = refs.first() {
        println!(
            "  why each was or wasn't listed: {program} --db {db} compliance log --creditor {creditor} --account {account_ref}"
        );
    }
    println!(
        "the agent's morning: {attempts} call attempts (each checked by the compliance engine), {promises} promises to pay, callbacks for tomorrow"
    );
    println!(
        "money: a lockbox file of {paid} payments (one returned NSF, {exceptions} unmatched on the exceptions list), {plans} payment plans and {settlements} settlements (some waiting for the supervisor's approval){}",
        if refunded { ", a refund request" } else { "" }
    );
    println!(
        "  {to_locate} accounts placed with a partial address (state and ZIP only) to locate: {program} --db {db} locate list"
    );
    if let Some((creditor, account_ref)) = documented {
        println!(
            "documents: {creditor} {account_ref} has a signed contract (PDF) and a proof of payment (PNG) uploaded, the receipt attached to its dispute as evidence (the desk's Documents panel, /disputes)"
        );
        println!(
            "  its evidence package: {program} --db {db} account portfolio --creditor {creditor} --account {account_ref} --output portfolio.zip"
        );
    }
    let month_start = today.first_of_month();
    println!(
        "  remittance: {program} --db {db} remittance --creditor CODE --from {month_start} --to {today} [--format pdf --output FILE]"
    );
    println!(
        "letters: {} validation notices sent on placement ({} not sent: refused or no full address; at most {DEMO_NOTICES_MAX}) and exported in the print batch {}; their validation periods run until {}",
        notices.sent,
        notices.not_sent,
        notices.batch.display(),
        notices
            .period_ends
            .map(|day| day.to_string())
            .unwrap_or_default()
    );
    let queued = demo_letters(&app, &actor, &placed, &promised, &documents).await?;
    println!(
        "  {queued} letters queued today for the next batch (payment reminders, promise confirmations): {program} --db {db} letters batch --date {today} --output FILE"
    );
    let messages = demo_messages(&app, &actor, &refs).await?;
    println!(
        "messages: {} emails queued for an SMTP server that is not there (waiting on /outbox with the error), {} texts delivered to the folder {DEMO_SMS_FOLDER}/, one email opt-out and {} inbound replies on /queries",
        messages.emails, messages.texts, messages.queries
    );
    println!("Demo users (password {DEMO_PASSWORD:?} for each):");
    for (name, role) in DEMO_USERS {
        println!("  {name:<12} {role}");
    }
    if no_serve {
        app.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Serving on http://{listen}/  (Ctrl-C to stop): sign in as agent (N: next account) or supervisor (Team)"
    );
    web::serve(app.store().clone(), context::web_config(&db)?, listen).await?;
    Ok(ExitCode::SUCCESS)
}

/// Documents on the first disputed account: a signed contract (a PDF made here) and the
/// debtor's proof of payment (a PNG made here), the receipt attached to the dispute as
/// evidence. The account, if there was one to file them on.
pub(crate) async fn demo_documents(
    app: &app::App,
    actor: &app::model::Actor,
    accounts: &[(String, String)],
) -> Result<Option<(String, String)>> {
    // demo_flags puts a dispute on every seventh account from the first.
    let Some((creditor, account_ref)) = accounts.first() else {
        return Ok(None);
    };
    let mut contract = pdf::Document::new("Retail installment contract", pdf::Lang::En);
    contract.push(pdf::Block::Heading("Retail installment contract".into()));
    contract.push(pdf::Block::KeyValues(vec![
        ("Creditor".into(), creditor.clone()),
        ("Account".into(), account_ref.clone()),
        ("Signed".into(), "by the buyer, electronically".into()),
    ]));
    contract.push(pdf::Block::Paragraph(
        "The buyer promises to pay the amount financed with the finance charge in monthly installments as scheduled above.".into(),
    ));
    let contract = contract
        .render()
        .map_err(|error| anyhow!("demo contract: {error}"))?;
    let mut ids = Vec::new();
    for (name, bytes, note) in [
        (
            "signed-contract.pdf",
            contract,
            "signed contract from the creditor's file",
        ),
        (
            "proof-of-payment.png",
            receipt_png(),
            "receipt the debtor sent with the dispute",
        ),
    ] {
        let mut upload = app
            .begin_operator_upload(creditor, account_ref, name)
            .await
            .map_err(|error| anyhow!(error.to_string()))?;
        upload
            .push(&bytes)
            .map_err(|error| anyhow!(error.to_string()))?;
        let uploaded = upload
            .finish(app, actor, note)
            .await
            .map_err(|error| anyhow!(error.to_string()))?;
        ids.push(uploaded.recorded.id());
    }
    let listed = app
        .operator_documents(creditor, account_ref)
        .await
        .map_err(|error| anyhow!(error.to_string()))?;
    if let (Some(dispute), Some(receipt)) = (listed.disputes.first(), ids.last()) {
        app.operator_attach_evidence(actor, creditor, account_ref, dispute.hold_id, *receipt)
            .await
            .map_err(|error| anyhow!(error.to_string()))?;
    }
    Ok(Some((creditor.clone(), account_ref.clone())))
}

/// A small PNG (a grey "receipt" with dark lines of "text"), encoded here: stored
/// deflate blocks, CRC-32 and Adler-32.
fn receipt_png() -> Vec<u8> {
    const WIDTH: u32 = 120;
    const HEIGHT: u32 = 80;
    let mut raw = Vec::new();
    for y in 0..HEIGHT {
        raw.push(0); // no filter
        for x in 0..WIDTH {
            let line = y % 10 >= 6 && y % 10 <= 7 && x > 10 && x < 10 + (y * 7 % 90) + 10;
            raw.push(if line { 40 } else { 235 });
        }
    }
    let crc = |bytes: &[u8]| {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    };
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(index + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        png.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc(&body).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&WIDTH.to_be_bytes());
    header.extend_from_slice(&HEIGHT.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &zlib);
    chunk(b"IEND", &[]);
    png
}

/// Where the demo's print batch goes.
const DEMO_PRINT_FOLDER: &str = "arrears-demo-print";

pub(crate) struct DemoNotices {
    sent: usize,
    not_sent: usize,
    batch: std::path::PathBuf,
    period_ends: Option<jiff::civil::Date>,
}

/// How many accounts of the portfolio get their validation notice on placement: every
/// one in a small demo; in a big one the first of the file (a notice is a PDF rendered
/// and stored: about 10 ms each, and the demo stays quick to build).
const DEMO_NOTICES_MAX: usize = 500;

/// The validation notices of the portfolio (the first [`DEMO_NOTICES_MAX`] accounts),
/// sent through the letter path on the morning it was placed (10:00 in the business
/// zone) — their validation periods still run today, passive credit reporting has
/// cleared — and that day's print batch exported to the vendor that afternoon.
async fn demo_notices(
    app: &app::App,
    actor: &app::model::Actor,
    placed: &[(String, String, app::letters::Lang)],
    placed_on: jiff::civil::Date,
    documents: &std::path::Path,
) -> Result<DemoNotices> {
    let zone = app.store().business_zone().clone();
    let morning = zone.to_timestamp(placed_on.at(10, 0, 0, 0))?;
    let then = app.at(morning);
    let agency = super::letters::agency();
    let placed = &placed[..placed.len().min(DEMO_NOTICES_MAX)];
    // Four at a time: one renders while another waits on the database; each send is
    // still its own transaction.
    let senders = 4;
    let mut tasks = tokio::task::JoinSet::new();
    for sender in 0..senders {
        let then = then.clone();
        let actor = actor.clone();
        let agency = agency.clone();
        let documents = documents.to_path_buf();
        let mine: Vec<_> = placed
            .iter()
            .skip(sender)
            .step_by(senders)
            .cloned()
            .collect();
        tasks.spawn(async move {
            let mut sent = 0;
            for (creditor, account_ref, lang) in &mine {
                match then
                    .send_letter(
                        &actor,
                        creditor,
                        account_ref,
                        "validation_notice",
                        *lang,
                        &agency,
                        &documents,
                    )
                    .await
                {
                    Ok(_) => sent += 1,
                    Err(
                        app::letters::LetterError::Refused(_)
                        | app::letters::LetterError::NotMailable,
                    ) => {}
                    Err(error) => return Err(anyhow!("{creditor}/{account_ref}: {error}")),
                }
            }
            Ok::<_, anyhow::Error>(sent)
        });
    }
    let mut sent = 0;
    while let Some(done) = tasks.join_next().await {
        sent += done??;
    }
    std::fs::create_dir_all(DEMO_PRINT_FOLDER)?;
    let batch = std::path::Path::new(DEMO_PRINT_FOLDER).join(format!("letters-{placed_on}.zip"));
    let afternoon = zone.to_timestamp(placed_on.at(16, 0, 0, 0))?;
    app.at(afternoon)
        .print_batch(actor, placed_on, documents, &batch)
        .await
        .map_err(|error| anyhow!("the demo's print batch: {error}"))?;
    Ok(DemoNotices {
        sent,
        not_sent: placed.len() - sent,
        batch,
        period_ends: ::compliance::validation::validation_period(placed_on).map(|p| p.ends_on),
    })
}

/// Letters of the day, queued for the next print batch: a payment reminder to a few
/// accounts, and the confirmation of each promise the agent took this morning.
async fn demo_letters(
    app: &app::App,
    actor: &app::model::Actor,
    placed: &[(String, String, app::letters::Lang)],
    promised: &[(String, String)],
    documents: &std::path::Path,
) -> Result<usize> {
    let agency = super::letters::agency();
    let mut queued = 0;
    let send = |creditor: String, account_ref: String, template: &'static str| {
        let agency = agency.clone();
        async move {
            app.send_letter(
                actor,
                &creditor,
                &account_ref,
                template,
                app::letters::Lang::En,
                &agency,
                documents,
            )
            .await
        }
    };
    let mut reminders = 0;
    // The last accounts of the file: the demo's holds and arrangements are on the first.
    for (creditor, account_ref, _) in placed.iter().rev() {
        if reminders == 3 {
            break;
        }
        if send(creditor.clone(), account_ref.clone(), "payment_reminder")
            .await
            .is_ok()
        {
            reminders += 1;
        }
    }
    queued += reminders;
    for (creditor, account_ref) in promised {
        if send(
            creditor.clone(),
            account_ref.clone(),
            "promise_confirmation",
        )
        .await
        .is_ok()
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Where the demo's texts are delivered: one file per message.
const DEMO_SMS_FOLDER: &str = "arrears-demo-sms";

pub(crate) struct DemoMessages {
    emails: usize,
    texts: usize,
    queries: usize,
}

/// A few emails and texts, each asked through the compliance pipeline at the last 13:00
/// in New York: texts delivered to a local folder, emails left queued for an SMTP server
/// that is not there (so the outbox shows them waiting with the error); one consumer
/// opts out by the email's link; two replies (an email, a signed text) become queries.
async fn demo_messages(
    app: &app::App,
    actor: &app::model::Actor,
    refs: &[(String, String)],
) -> Result<DemoMessages> {
    use app::messages::{Channel, Send, Sent, Settings, Transports};
    let zone = jiff::tz::TimeZone::get("America/New_York")?;
    let now = app.now();
    let local = zone.to_datetime(now);
    let mut at = zone.to_timestamp(local.date().at(13, 0, 0, 0))?;
    if at > now {
        at = at.checked_sub(jiff::SignedDuration::from_hours(24))?;
    }
    let secret = "demo webhook secret";
    let then = app.at(at).with_message_settings(Settings {
        sms_webhook_secret: Some(secret.into()),
        ..context::message_settings()
    });
    let (mut emails, mut texts) = (Vec::new(), Vec::new());
    for (creditor, account_ref) in refs.iter().take(300) {
        for (channel, sent) in [(Channel::Email, &mut emails), (Channel::Sms, &mut texts)] {
            if sent.len() >= 3 {
                continue;
            }
            let send = Send {
                creditor,
                account_ref,
                channel,
                template: "payment_reminder",
                idempotency_key: None,
                point: None,
            };
            if let Ok(Sent::Queued { id, .. }) = then
                .send_message(actor, None, app::contact::AskedBy::Cli, &send)
                .await
                && let Some(row) = then.outbox_message(id).await?
            {
                sent.push((creditor.clone(), account_ref.clone(), row.recipient));
            }
        }
        if emails.len() >= 3 && texts.len() >= 3 {
            break;
        }
    }
    std::fs::create_dir_all(DEMO_SMS_FOLDER)?;
    let transports = Transports {
        // Nothing listens on port 1: the emails wait, retried with backoff.
        smtp: Some(channels::email::Smtp::new("smtp://127.0.0.1:1").map_err(anyhow::Error::msg)?),
        sms: Some(channels::sms::SmsSender::Folder(DEMO_SMS_FOLDER.into())),
    };
    then.deliver_due(&transports).await?;
    let mut queries = 0;
    if let Some((_, _, address)) = emails.first() {
        let link = then.opt_out_link(address);
        if let Some(token) = link.rsplit('/').next() {
            then.opt_out_by_link(token).await?;
        }
    }
    if let Some((_, _, address)) = emails.get(1) {
        let reply = format!(
            "From: <{address}>\r\nTo: collections@localhost\r\nSubject: Re: Payment reminder\r\nMessage-ID: <demo-reply-1@example.com>\r\n\r\nI paid this last week by check. Please look again.\r\n"
        );
        then.email_inbound("demo-reply.eml", reply.as_bytes())
            .await?;
        queries += 1;
    }
    if let Some((_, _, number)) = texts.first() {
        let body = format!(
            "From={}&To=%2B15555550100&Body=Can+I+pay+half+now+and+half+next+month%3F&MessageSid=DEMO1",
            number.replace('+', "%2B")
        );
        let signature = app::messages::hmac_hex(secret.as_bytes(), body.as_bytes());
        then.sms_inbound(body.as_bytes(), Some(&signature))
            .await
            .map_err(|error| anyhow::anyhow!("demo text: {error}"))?;
        queries += 1;
    }
    Ok(DemoMessages {
        emails: emails.len(),
        texts: texts.len(),
        queries,
    })
}

/// A second, small placement file as creditors send them: some rows carry only a state and
/// ZIP code. They import with a warning each, their addresses kept incomplete (nothing is
/// mailed to them), and their accounts make the locate list. Returns how many.
async fn demo_partial_addresses(
    app: &app::App,
    actor: &app::model::Actor,
    imported: &Imported,
    placed_on: jiff::civil::Date,
) -> Result<usize> {
    let Some(creditor) = imported.summary.creditors.iter().next() else {
        return Ok(0);
    };
    let delinquent = placed_on - jiff::Span::new().days(120);
    let rows = [
        (
            "SKIP-0001",
            "SKIPD-0001",
            "Rosa",
            "Delgado",
            "2318.40",
            "TX",
            "78501",
        ),
        (
            "SKIP-0002",
            "SKIPD-0002",
            "Wayne",
            "Porter",
            "874.15",
            "OH",
            "44105",
        ),
    ];
    let mut text = String::from(
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code\n",
    );
    for (account, debtor, first, last, balance, state, zip) in rows {
        text.push_str(&format!(
            "{creditor},{account},{debtor},{first},{last},{balance},USD,{delinquent},,,{state},{zip}\n"
        ));
    }
    let file = std::env::temp_dir().join(format!("arrears-demo-skip-{}.csv", std::process::id()));
    std::fs::write(&file, text)?;
    let outcome = import_placements_file(app, actor, &file, &Mapping::standard(), placed_on).await;
    std::fs::remove_file(&file).ok();
    Ok(outcome?.outcome.addresses_incomplete as usize)
}
