//! `arrears bench workspace`: the agent workspace with N generated accounts loaded. The
//! real server runs in this process on 127.0.0.1; K simulated agents, each on its own
//! keep-alive connection, sign in and then loop **closed**: `POST /queue/next`, follow
//! the 303 to the account page, open the work list with the next of `WORKLIST_PATHS`
//! (each filter and order in turn), and fetch `/assets/app.css` — the floor, a static
//! answer from the same server over the same connection at the same rate. Latency is measured
//! by the client, from the first byte written to the last byte read; the client (one
//! thread) and the server share the machine's cores.
//!
//! The clock is pinned (`ARREARS_NOW`, else a Monday afternoon in New York) so that every
//! debtor's local time allows a call and the run does not depend on when it is made.

use super::client::{
    Connection, TICKS_PER_SECOND, machine_ticks, percentile, thread_ticks, ticks_between,
};
use crate::commands::import_placements_file;
use anyhow::{Context as _, Result, anyhow, bail};
use domain::party::Role;
use ingest::mapping::Mapping;
use std::collections::HashSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use store::{Actor, Clock, Engine, PiiKey, Store};

/// The pinned clock when `ARREARS_NOW` is not set: Monday 2026-11-23, 15:00 in New York,
/// 10:00 in Honolulu — inside every US zone's calling hours.
const PINNED_NOW: &str = "2026-11-23T20:00:00Z";
/// Seconds of load before the measured window (connections, caches and plans warm up).
const WARM_UP: Duration = Duration::from_secs(2);
/// One exchange that takes longer is an error (and the connection is replaced).
/// (Generous: before the queue had an index in priority order, one "next account" took
/// seconds at 100,000 accounts.)
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);
const PASSWORD: &str = "workspace-bench-password";
const CLIENT_THREAD: &str = "bench-agents";
const FLOOR_PATH: &str = "/assets/app.css";

const NEXT: usize = 0;
const PAGE: usize = 1;
const FLOOR: usize = 2;
const WORKLIST: usize = 3;
const ATTEMPT: usize = 4;

/// The work list as agents open it, one filter or order per iteration in turn: every
/// index path of `store::workspace::worklist` (balance, bucket and days past due, last
/// worked, name, promises due, broken promises, callbacks, a deeper page).
const WORKLIST_PATHS: &[&str] = &[
    "/worklist",
    "/worklist?bucket=181%2B&sort=days",
    "/worklist?balance_min=1%2C000&balance_max=5%2C000",
    "/worklist?worked=never&sort=worked",
    "/worklist?due_today=1",
    "/worklist?broken=1",
    "/worklist?callbacks=1",
    "/worklist?sort=name",
    "/worklist?bucket=31-60&balance_min=500&page=3",
];

pub struct Options {
    pub accounts: u64,
    pub agents: u32,
    pub seconds: u32,
    pub seed: u64,
    /// Empty: a SQLite file in the folder.
    pub db: String,
    pub dir: Option<PathBuf>,
}

/// Where the accounts live for this run.
enum Target {
    /// A SQLite file, reused when `ready` exists (written once it is fully prepared);
    /// `owned`: named by the benchmark in its folder, so a half-prepared one may go.
    Sqlite {
        url: String,
        ready: PathBuf,
        owned: bool,
    },
    /// A throwaway database created on the server of `admin_url`, dropped at the end.
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

pub async fn workspace(options: Options) -> Result<ExitCode> {
    if options.accounts == 0 || options.agents == 0 || options.seconds == 0 {
        return Err(anyhow!(crate::InputError(
            "--accounts, --agents and --seconds must be at least 1".into()
        )));
    }
    let now = match crate::context::clock()? {
        Clock::Fixed(instant) => instant,
        Clock::System => PINNED_NOW.parse().expect("a valid instant"),
    };
    let input = |message: String| anyhow!(crate::InputError(message));
    // The global --db fills this one in from ARREARS_DATABASE_URL when it is not given:
    // that names a working database, never the benchmark's.
    if !options.db.is_empty()
        && std::env::var("ARREARS_DATABASE_URL").is_ok_and(|working| working == options.db)
    {
        return Err(input(
            "the benchmark does not run on ARREARS_DATABASE_URL: unset it or pass --db".into(),
        ));
    }
    // Without --dir: a folder of this run, removed at the end; with it, the generated
    // file and the SQLite database stay there and later runs reuse them.
    let (dir, keep) = match &options.dir {
        Some(dir) => (dir.clone(), true),
        None => (
            std::env::temp_dir().join(format!("arrears-bench-workspace-{}", std::process::id())),
            false,
        ),
    };
    let stem = format!("workspace-{}-{}", options.accounts, options.seed);
    let target = match target(&options.db, &dir, &stem).await {
        Ok(target) => target,
        Err(error) => {
            if !keep {
                std::fs::remove_dir_all(&dir).ok();
            }
            return Err(error);
        }
    };
    let result = run(&options, &target, &dir, &stem, now).await;
    if let Target::Postgres {
        admin_url, name, ..
    } = &target
        && let Err(error) = admin(
            admin_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await
    {
        eprintln!("could not drop the benchmark's database {name}: {error:#}");
    }
    if !keep {
        std::fs::remove_dir_all(&dir).ok();
    }
    result
}

pub(super) async fn admin(admin_url: &str, sql: &str) -> Result<()> {
    Ok(store::floor::admin(admin_url, sql).await?)
}

/// Where this run's accounts live (creating the folder, and the PostgreSQL database).
async fn target(db: &str, dir: &Path, stem: &str) -> Result<Target> {
    let input = |message: String| anyhow!(crate::InputError(message));
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    if db.is_empty() {
        let path = dir.join(format!("{stem}.db"));
        return Ok(Target::Sqlite {
            url: format!("sqlite://{}", path.display()),
            ready: dir.join(format!("{stem}.db.ready")),
            owned: true,
        });
    }
    match Engine::of_url(db).map_err(|error| input(error.to_string()))? {
        Engine::Sqlite => {
            let path = store::db::sqlite_path(db)
                .ok_or_else(|| input("--db sqlite:// needs a file".into()))?;
            let mut ready = path.clone().into_os_string();
            ready.push(".ready");
            let ready = PathBuf::from(ready);
            if path.exists() && !ready.exists() {
                return Err(input(format!(
                    "{} exists and was not prepared by this benchmark: name a new file",
                    path.display()
                )));
            }
            Ok(Target::Sqlite {
                url: db.to_string(),
                ready,
                owned: false,
            })
        }
        Engine::Postgres => create_database(db).await,
    }
}

/// A fresh database beside the one `admin_url` names, as the tests make theirs.
async fn create_database(admin_url: &str) -> Result<Target> {
    let name = format!("arrears_bench_workspace_{}", std::process::id());
    admin(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await?;
    admin(admin_url, &format!("CREATE DATABASE {name}"))
        .await
        .with_context(|| {
            format!(
                "cannot create a database on {}",
                store::db::redact(admin_url)
            )
        })?;
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    Ok(Target::Postgres {
        url: format!("{server}/{name}{query}"),
        admin_url: admin_url.to_string(),
        name,
    })
}

/// What preparing the database took, in seconds.
struct Setup {
    /// `None`: the file was already in the folder.
    generate: Option<f64>,
    import: f64,
    prioritize: f64,
}

async fn run(
    options: &Options,
    target: &Target,
    dir: &Path,
    stem: &str,
    now: jiff::Timestamp,
) -> Result<ExitCode> {
    let (url, key, reuse) = match target {
        Target::Sqlite { url, ready, owned } => {
            let reuse = ready.exists();
            if !reuse
                && *owned
                && let Some(path) = store::db::sqlite_path(url)
            {
                for suffix in ["", "-wal", "-shm", ".key"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    std::fs::remove_file(&file).ok();
                }
            }
            (url.as_str(), crate::context::pii_key(url)?, reuse)
        }
        Target::Postgres { url, .. } => (url.as_str(), PiiKey::generate(), false),
    };
    let store = Store::open(url, key, Clock::Fixed(now))
        .await
        .with_context(|| format!("cannot open database {}", store::db::redact(url)))?;
    let engine = store.engine();
    let actor = Actor::new("bench");
    let setup = if reuse {
        None
    } else {
        Some(prepare(&store, &actor, options, dir, stem).await?)
    };
    if let Target::Sqlite { ready, .. } = target {
        std::fs::write(ready, b"prepared by arrears bench workspace\n")?;
    }
    if engine == Engine::Postgres {
        // Planner statistics, as autovacuum gathers them within minutes of a bulk load:
        // measure the steady state, not a race with autovacuum (without statistics the
        // planner takes the freshly loaded tables for empty).
        store.analyze_all().await?;
    }
    let usernames = agents(&store, &actor, options.agents).await?;
    // Locks left by an earlier run on a reused database: every run starts unlocked.
    store.clear_locks().await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(web::serve_with(
        store.clone(),
        web::Config::default(),
        listener,
    ));
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    let plan = Plan {
        addr,
        seconds: options.seconds,
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(CLIENT_THREAD.into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|runtime| runtime.block_on(client(plan, usernames)));
            sender.send(result).ok();
        })?;
    let result = receiver.await.context("the client thread stopped");
    server.abort();
    server.await.ok();
    store.close().await;
    let run = result??;
    report(
        options,
        engine,
        url,
        reuse,
        setup.as_ref(),
        now,
        workers,
        addr,
        &run,
    )
}

/// Generates the accounts, imports them, scores the queue.
async fn prepare(
    store: &Store,
    actor: &Actor,
    options: &Options,
    dir: &Path,
    stem: &str,
) -> Result<Setup> {
    let as_of = jiff::civil::date(2026, 11, 23);
    let file = dir.join(format!("{stem}.csv"));
    let started = Instant::now();
    let generated = !file.exists();
    if generated {
        let partial = dir.join(format!("{stem}.csv.partial"));
        let config = ingest::generate::GeneratorConfig {
            accounts: options.accounts,
            seed: options.seed,
            as_of,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
        drop(out);
        std::fs::rename(&partial, &file)?;
    }
    let generate = generated.then(|| started.elapsed().as_secs_f64());
    eprintln!(
        "importing {} accounts from {} into {} …",
        options.accounts,
        file.display(),
        store.engine().name()
    );
    let started = Instant::now();
    let imported = import_placements_file(
        &app::App::new(store.clone(), compliance::packs::RuleSet::builtin()),
        actor,
        &file,
        &Mapping::standard(),
        as_of,
    )
    .await?;
    let import = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        imported.outcome.accounts_created == options.accounts,
        "imported {} accounts of {}",
        imported.outcome.accounts_created,
        options.accounts
    );
    let started = Instant::now();
    store.prioritize(actor).await?;
    let prioritize = started.elapsed().as_secs_f64();
    Ok(Setup {
        generate,
        import,
        prioritize,
    })
}

/// Agents `bench-agent-01` … (created when missing), each assigned every creditor.
async fn agents(store: &Store, actor: &Actor, count: u32) -> Result<Vec<String>> {
    let existing: HashSet<String> = store
        .users()
        .await?
        .into_iter()
        .map(|user| user.username)
        .collect();
    let creditors: Vec<String> = store
        .creditors()
        .await?
        .into_iter()
        .map(|creditor| creditor.code.as_str().to_string())
        .collect();
    let mut usernames = Vec::new();
    for index in 1..=count {
        let username = format!("bench-agent-{index:02}");
        if !existing.contains(&username) {
            store
                .add_user(actor, &username, Role::Agent, PASSWORD)
                .await?;
            store.assign_creditors(actor, &username, &creditors).await?;
        }
        usernames.push(username);
    }
    Ok(usernames)
}

#[derive(Clone, Copy)]
struct Plan {
    addr: SocketAddr,
    seconds: u32,
}

/// One endpoint's measured answers.
#[derive(Default)]
struct Endpoint {
    /// Nanoseconds per answered exchange in the measured window, sorted once gathered.
    latencies: Vec<u64>,
    /// Exchanges that failed or answered anything but what was expected (whole run).
    errors: u64,
    first_error: Option<String>,
}

impl Endpoint {
    fn fail(&mut self, error: String) {
        self.errors += 1;
        self.first_error.get_or_insert(error);
    }

    fn percentile(&self, quantile: f64) -> u64 {
        percentile(&self.latencies, quantile)
    }
}

/// CPU ticks over the measured window.
struct Cpu {
    /// This process's threads: (server side, client side).
    process: Option<(u64, u64)>,
    /// The whole machine, every core: (busy, all).
    machine: Option<(u64, u64)>,
}

/// What the load gave.
struct Run {
    endpoints: [Endpoint; 5],
    /// Iterations (next + page + attempt + work list + floor) begun in the measured window.
    iterations: u64,
    measured: Duration,
    cpu: Cpu,
    /// Distinct accounts "next account" led to during the whole run.
    distinct_accounts: usize,
    floor_bytes: usize,
    /// The work list's latencies by filter (`WORKLIST_PATHS`' order), sorted.
    worklist_by_path: Vec<Vec<u64>>,
}

/// Signs every agent in, then runs them all on this thread until the window ends.
async fn client(plan: Plan, usernames: Vec<String>) -> Result<Run> {
    let host = plan.addr.to_string();
    let mut agents = Vec::new();
    for username in &usernames {
        agents.push(sign_in(plan.addr, &host, username).await?);
    }
    let floor_bytes = check_first(&mut agents[0], &host).await?;
    let start = Instant::now();
    let measured_from = start + WARM_UP;
    let deadline = measured_from + Duration::from_secs(u64::from(plan.seconds));
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(measured_from.into()).await;
        let before = (thread_ticks(), machine_ticks());
        tokio::time::sleep_until(deadline.into()).await;
        let after = (thread_ticks(), machine_ticks());
        Cpu {
            process: before
                .0
                .zip(after.0)
                .map(|(before, after)| ticks_between(&before, &after, &[CLIENT_THREAD])),
            machine: before.1.zip(after.1).map(|(before, after)| {
                (
                    after.0.saturating_sub(before.0),
                    after.1.saturating_sub(before.1),
                )
            }),
        }
    });
    let tasks: Vec<_> = agents
        .into_iter()
        .map(|agent| {
            tokio::spawn(work(
                agent,
                plan.addr,
                host.clone(),
                measured_from,
                deadline,
            ))
        })
        .collect();
    let mut endpoints: [Endpoint; 5] = Default::default();
    let mut iterations = 0;
    let mut accounts = HashSet::new();
    let mut worklist_by_path = vec![Vec::new(); WORKLIST_PATHS.len()];
    for task in tasks {
        let tally = task.await?;
        for (all, own) in worklist_by_path.iter_mut().zip(tally.worklist_by_path) {
            all.extend(own);
        }
        for (endpoint, own) in endpoints.iter_mut().zip(tally.endpoints) {
            endpoint.latencies.extend(own.latencies);
            endpoint.errors += own.errors;
            if endpoint.first_error.is_none() {
                endpoint.first_error = own.first_error;
            }
        }
        iterations += tally.iterations;
        accounts.extend(tally.accounts);
    }
    for endpoint in &mut endpoints {
        endpoint.latencies.sort_unstable();
    }
    for latencies in &mut worklist_by_path {
        latencies.sort_unstable();
    }
    Ok(Run {
        endpoints,
        iterations,
        measured: deadline.saturating_duration_since(measured_from),
        cpu: sampler.await?,
        distinct_accounts: accounts.len(),
        floor_bytes,
        worklist_by_path,
    })
}

struct Agent {
    connection: Connection,
    username: String,
    /// `arrears_session=…`, as the browser sends it back.
    cookie: String,
    csrf: String,
}

impl Agent {
    fn get(&self, host: &str, path: &str) -> Vec<u8> {
        format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\n\r\n",
            self.cookie
        )
        .into_bytes()
    }

    /// The wrap-up as the desk sends it: a call to `contact` that was not answered, with
    /// the page's version; "Log attempt" (stay), answered 303 back to the page.
    fn attempt(&self, host: &str, account: &str, version: &str, contact: &str) -> Vec<u8> {
        let contact = contact.replace('+', "%2B");
        let body = format!(
            "csrf={}&version={version}&action=call&contact={contact}&disposition=no_answer&note=&then=stay",
            self.csrf
        );
        format!(
            "POST {account}/attempts HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.cookie,
            body.len()
        )
        .into_bytes()
    }

    fn next(&self, host: &str) -> Vec<u8> {
        let body = format!("csrf={}", self.csrf);
        format!(
            "POST /queue/next HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.cookie,
            body.len()
        )
        .into_bytes()
    }
}

/// `POST /login` as the sign-in form sends it, then the queue page for the CSRF token.
async fn sign_in(addr: SocketAddr, host: &str, username: &str) -> Result<Agent> {
    let mut connection = Connection::open(addr).await?;
    let body = format!("username={username}&password={PASSWORD}");
    let login = format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = connection.exchange(login.as_bytes()).await?;
    let cookie = answer
        .header("set-cookie")
        .and_then(|value| value.split(';').next())
        .filter(|pair| pair.starts_with(web::auth::SESSION_COOKIE))
        .map(str::to_string);
    let Some(cookie) = cookie.filter(|_| answer.status == 303) else {
        bail!(
            "signing in as {username} answered {} without a session cookie",
            answer.status
        );
    };
    let mut agent = Agent {
        connection,
        username: username.to_string(),
        cookie,
        csrf: String::new(),
    };
    let queue = agent.get(host, "/queue");
    let answer = agent.connection.exchange(&queue).await?;
    anyhow::ensure!(
        answer.status == 200,
        "GET /queue as {username} answered {}",
        answer.status
    );
    let page = String::from_utf8_lossy(answer.body);
    agent.csrf = page
        .split_once("data-csrf=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(token, _)| token.to_string())
        .filter(|token| !token.is_empty())
        .context("the queue page carries no CSRF token")?;
    Ok(agent)
}

/// Before the load, one round by the first agent: "next account" leads to an account
/// page that shows the compliance banner; the floor is the stylesheet. Returns the
/// floor's size in bytes.
async fn check_first(agent: &mut Agent, host: &str) -> Result<usize> {
    let next = agent.next(host);
    let answer = agent.connection.exchange(&next).await?;
    let location = answer
        .header("location")
        .filter(|_| answer.status == 303)
        .map(str::to_string)
        .with_context(|| {
            format!(
                "POST /queue/next as {} answered {} (200: the queue is empty)",
                agent.username, answer.status
            )
        })?;
    let page = agent.get(host, &location);
    let answer = agent.connection.exchange(&page).await?;
    anyhow::ensure!(
        answer.status == 200 && contains(answer.body, b"id=\"banner\""),
        "GET {location} answered {} without the compliance banner",
        answer.status
    );
    for path in WORKLIST_PATHS {
        let list = agent.get(host, path);
        let answer = agent.connection.exchange(&list).await?;
        anyhow::ensure!(
            answer.status == 200 && contains(answer.body, b"id=\"count\""),
            "GET {path} answered {} without the work list's count",
            answer.status
        );
    }
    let floor = agent.get(host, FLOOR_PATH);
    let answer = agent.connection.exchange(&floor).await?;
    anyhow::ensure!(
        answer.status == 200 && !answer.body.is_empty(),
        "GET {FLOOR_PATH} answered {}",
        answer.status
    );
    Ok(answer.body.len())
}

#[derive(Default)]
struct Tally {
    endpoints: [Endpoint; 5],
    iterations: u64,
    /// Work lists opened, to take the next of `WORKLIST_PATHS`.
    worklists: u64,
    /// The work list's measured latencies by filter.
    worklist_by_path: Vec<Vec<u64>>,
    accounts: HashSet<String>,
}

/// One agent's loop until the deadline: next account, its page, the floor.
async fn work(
    mut agent: Agent,
    addr: SocketAddr,
    host: String,
    measured_from: Instant,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally {
        worklist_by_path: vec![Vec::new(); WORKLIST_PATHS.len()],
        ..Tally::default()
    };
    let next = agent.next(&host);
    let floor = agent.get(&host, FLOOR_PATH);
    loop {
        let began = Instant::now();
        if began >= deadline {
            break;
        }
        let errors_before: u64 = tally.endpoints.iter().map(|endpoint| endpoint.errors).sum();
        let measured = began >= measured_from;
        tally.iterations += u64::from(measured);
        let location = timed(&mut agent.connection, &next, |status, answer| {
            match (status, answer.header("location")) {
                (303, Some(location)) => Ok(location.to_string()),
                (200, _) => Err("answered 200: the queue is empty".to_string()),
                (status, _) => Err(format!("answered {status}")),
            }
        })
        .await;
        let location = record(&mut tally.endpoints[NEXT], location, measured);
        if let Some(location) = location {
            let page = agent.get(&host, &location);
            let shown = timed(&mut agent.connection, &page, |status, answer| {
                if status == 200 && contains(answer.body, b"id=\"banner\"") {
                    // What the wrap-up needs: the account's version and a number the
                    // attempt form offers (the first dialable phone).
                    let body = String::from_utf8_lossy(answer.body);
                    Ok(attempt_fields(&body))
                } else {
                    Err(format!("GET {location} answered {status}"))
                }
            })
            .await;
            let fields = record(&mut tally.endpoints[PAGE], shown, measured);
            if let Some(fields) = fields {
                let logged = match fields {
                    Some((version, contact)) => {
                        let post = agent.attempt(&host, &location, &version, &contact);
                        timed(&mut agent.connection, &post, |status, _| {
                            if status == 303 {
                                Ok(())
                            } else {
                                Err(format!("POST {location}/attempts answered {status}"))
                            }
                        })
                        .await
                    }
                    None => Err(format!("{location}: no version or number to call")),
                };
                record(&mut tally.endpoints[ATTEMPT], logged, measured);
            }
            tally.accounts.insert(location);
        }
        let which = (tally.worklists % WORKLIST_PATHS.len() as u64) as usize;
        let path = WORKLIST_PATHS[which];
        tally.worklists += 1;
        let list = agent.get(&host, path);
        let listed = timed(&mut agent.connection, &list, |status, answer| {
            if status == 200 && contains(answer.body, b"id=\"count\"") {
                Ok(())
            } else {
                Err(format!("GET {path} answered {status}"))
            }
        })
        .await;
        let measured_before = tally.endpoints[WORKLIST].latencies.len();
        record(&mut tally.endpoints[WORKLIST], listed, measured);
        if let Some(&nanos) = tally.endpoints[WORKLIST].latencies[measured_before..].first() {
            tally.worklist_by_path[which].push(nanos);
        }
        let fetched = timed(&mut agent.connection, &floor, |status, _| {
            if status == 200 {
                Ok(())
            } else {
                Err(format!("answered {status}"))
            }
        })
        .await;
        record(&mut tally.endpoints[FLOOR], fetched, measured);
        let errors: u64 = tally.endpoints.iter().map(|endpoint| endpoint.errors).sum();
        if errors > errors_before
            && let Ok(fresh) = Connection::open(addr).await
        {
            // A failed exchange may leave the connection mid-answer: start afresh.
            agent.connection = fresh;
        }
    }
    tally
}

/// The account's version and the first number the desk's attempt form offers.
fn attempt_fields(page: &str) -> Option<(String, String)> {
    let version = page
        .split_once("name=\"version\" value=\"")?
        .1
        .split('"')
        .next()?
        .to_string();
    let select = page.split_once("id=\"attempt-contact\"")?.1;
    let contact = select
        .split_once("<option value=\"")?
        .1
        .split('"')
        .next()?
        .to_string();
    Some((version, contact))
}

/// What one exchange gave: its latency in nanoseconds and the caller's reading of the
/// answer, or why it failed.
type Timed<T> = Result<(u64, T), String>;

async fn timed<T>(
    connection: &mut Connection,
    request: &[u8],
    read: impl FnOnce(u16, &super::client::Answer<'_>) -> Result<T, String>,
) -> Timed<T> {
    let sent = Instant::now();
    match tokio::time::timeout(EXCHANGE_TIMEOUT, connection.exchange(request)).await {
        Ok(Ok(answer)) => {
            let elapsed = sent.elapsed().as_nanos() as u64;
            read(answer.status, &answer).map(|value| (elapsed, value))
        }
        Ok(Err(error)) => Err(format!("{error:#}")),
        Err(_) => Err(format!("no answer within {} s", EXCHANGE_TIMEOUT.as_secs())),
    }
}

fn record<T>(endpoint: &mut Endpoint, result: Timed<T>, measured: bool) -> Option<T> {
    match result {
        Ok((nanos, value)) => {
            if measured {
                endpoint.latencies.push(nanos);
            }
            Some(value)
        }
        Err(error) => {
            endpoint.fail(error);
            None
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Server time at p95 this endpoint must stay within (the target).
const TARGET_P95_MS: f64 = 50.0;

#[allow(clippy::too_many_arguments)]
fn report(
    options: &Options,
    engine: Engine,
    url: &str,
    reused: bool,
    setup: Option<&Setup>,
    now: jiff::Timestamp,
    workers: usize,
    addr: SocketAddr,
    run: &Run,
) -> Result<ExitCode> {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let engine_name = match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    println!(
        "workspace: {} accounts on {engine_name} ({}{}), {} agents in a closed loop, each on its own keep-alive connection to {addr}; {} s measured after {} s of warm-up",
        options.accounts,
        store::db::redact(url),
        if reused { ", reused" } else { "" },
        options.agents,
        options.seconds,
        WARM_UP.as_secs()
    );
    let local = jiff::tz::TimeZone::get("America/New_York")?.to_datetime(now);
    println!(
        "  clock pinned at {now} ({} in New York); server: the real router in this process ({workers} tokio workers); client: one thread; all on the same {cores} cores",
        local.strftime("%a %H:%M")
    );
    if let Some(setup) = setup {
        let generated = setup
            .generate
            .map_or("placements file reused".into(), |seconds| {
                format!("generated in {seconds:.1} s")
            });
        println!(
            "  setup: {generated}, imported in {:.1} s, queue prioritised in {:.1} s",
            setup.import, setup.prioritize
        );
    }
    if engine == Engine::Postgres {
        println!("  planner statistics gathered (ANALYZE) after preparing, as autovacuum would");
    }
    let [next, page, floor, worklist, attempt] = &run.endpoints;
    let ms = |nanos: u64| nanos as f64 / 1e6;
    let ratio = |endpoint: &Endpoint, quantile: f64| {
        endpoint.percentile(quantile) as f64 / floor.percentile(quantile).max(1) as f64
    };
    let line = |label: &str, endpoint: &Endpoint, versus_floor: bool| {
        let mut line = format!(
            "  {label:<44} {:>7} answered  {} errors  p50 {:7.2} ms  p95 {:7.2} ms  p99 {:7.2} ms  max {:8.2} ms",
            endpoint.latencies.len(),
            endpoint.errors,
            ms(endpoint.percentile(0.50)),
            ms(endpoint.percentile(0.95)),
            ms(endpoint.percentile(0.99)),
            ms(endpoint.latencies.last().copied().unwrap_or(0)),
        );
        if versus_floor {
            line.push_str(&format!(
                "  ×floor p50 {:.0}  p95 {:.0}  p99 {:.0}",
                ratio(endpoint, 0.50),
                ratio(endpoint, 0.95),
                ratio(endpoint, 0.99)
            ));
        }
        if let Some(error) = &endpoint.first_error {
            line.push_str(&format!("  (first error: {error})"));
        }
        println!("{line}");
    };
    line("next account  POST /queue/next (→ 303)", next, true);
    line("account page  GET /accounts/{creditor}/{ref}", page, true);
    line("log attempt   POST …/attempts (→ 303)", attempt, true);
    line("work list     GET /worklist?… (9 filters)", worklist, true);
    for (path, latencies) in WORKLIST_PATHS.iter().zip(&run.worklist_by_path) {
        println!(
            "    {path:<50} {:>6} answered  p50 {:7.2} ms  p95 {:7.2} ms  max {:8.2} ms",
            latencies.len(),
            ms(percentile(latencies, 0.50)),
            ms(percentile(latencies, 0.95)),
            ms(latencies.last().copied().unwrap_or(0)),
        );
    }
    line(
        &format!("floor         GET {FLOOR_PATH} ({} bytes)", run.floor_bytes),
        floor,
        false,
    );
    let seconds = run.measured.as_secs_f64().max(1e-9);
    let per_iteration =
        |ticks: u64| 1e3 * ticks as f64 / TICKS_PER_SECOND / (run.iterations.max(1) as f64);
    let database = match engine {
        Engine::Sqlite => "SQLite inside",
        Engine::Postgres => "PostgreSQL's processes not counted",
    };
    let process = |side: fn((u64, u64)) -> u64| {
        run.cpu.process.map_or("n/a".into(), |ticks| {
            format!("{:.2} ms", per_iteration(side(ticks)))
        })
    };
    println!(
        "  {:.1} agent iterations/s (next + page + attempt + work list + floor); CPU per iteration: server {} ({database}), client {}; machine busy {}; {} distinct accounts served",
        run.iterations as f64 / seconds,
        process(|ticks| ticks.0),
        process(|ticks| ticks.1),
        run.cpu.machine.map_or("n/a".into(), |(busy, all)| format!(
            "{:.0} %",
            100.0 * busy as f64 / all.max(1) as f64
        )),
        run.distinct_accounts
    );
    let verdict = |endpoint: &Endpoint| {
        let p95 = ms(endpoint.percentile(0.95));
        if p95 <= TARGET_P95_MS {
            format!("{p95:.1} ms, met")
        } else {
            format!("{p95:.1} ms, NOT met")
        }
    };
    println!(
        "  target p95 ≤ {TARGET_P95_MS:.0} ms: next account {}; account page {}; log attempt {}; work list {}",
        verdict(next),
        verdict(page),
        verdict(attempt),
        verdict(worklist)
    );
    let errors: u64 = run.endpoints.iter().map(|endpoint| endpoint.errors).sum();
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{errors} exchanges failed or were answered unexpectedly");
        ExitCode::FAILURE
    })
}
