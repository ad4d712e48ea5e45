//! What every command needs: the store, the actor, "today".

use anyhow::{Context as _, Result, bail};
use app::model::{Actor, Clock, PiiKey, Store};
use compliance::packs::RuleSet;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::path::Path;

pub struct Globals {
    pub db: String,
    pub actor: Option<String>,
}

/// The agency's business time zone: it decides what "today" is for aging, placement
/// dates, ledger entries and arrangements. Contact windows use each debtor's own zones,
/// never this one.
pub use app::model::BUSINESS_TIME_ZONE_DEFAULT;

impl Globals {
    pub fn actor(&self) -> Actor {
        let name = self.actor.clone().unwrap_or_else(|| {
            let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
            format!("cli:{user}")
        });
        Actor::new(name)
    }

    /// The use cases over the database `--db` names, with the rule packs in force.
    pub async fn open(&self) -> Result<app::App> {
        Ok(app::App::new(open_store(&self.db).await?, rule_set()?)
            .with_message_settings(message_settings())
            .with_document_settings(document_settings(&self.db)?))
    }

    /// The store alone, for the web server (which builds its own use cases).
    pub async fn open_store(&self) -> Result<Store> {
        open_store(&self.db).await
    }
}

/// `ARREARS_NOW` (RFC 3339) pins the clock, for reproducible runs and tests.
pub fn clock() -> Result<Clock> {
    match std::env::var("ARREARS_NOW") {
        Ok(text) => {
            let instant: Timestamp = text
                .parse()
                .with_context(|| format!("ARREARS_NOW={text:?} is not an RFC 3339 instant"))?;
            Ok(Clock::Fixed(instant))
        }
        Err(_) => Ok(Clock::System),
    }
}

pub fn business_time_zone() -> Result<TimeZone> {
    let name =
        std::env::var("ARREARS_BUSINESS_TZ").unwrap_or_else(|_| BUSINESS_TIME_ZONE_DEFAULT.into());
    TimeZone::get(&name)
        .with_context(|| format!("ARREARS_BUSINESS_TZ={name:?} is not an IANA time zone"))
}

/// Today's business date.
pub fn today() -> Result<Date> {
    Ok(business_time_zone()?.to_datetime(clock()?.now()).date())
}

/// The PII key: `ARREARS_PII_KEY` (hex), else the file `ARREARS_PII_KEY_FILE`, else for a
/// SQLite database the file beside it (`arrears.db.key`, created on first use).
pub fn pii_key(db: &str) -> Result<PiiKey> {
    if let Ok(hex) = std::env::var("ARREARS_PII_KEY") {
        return Ok(PiiKey::from_hex(&hex)?);
    }
    if let Ok(path) = std::env::var("ARREARS_PII_KEY_FILE") {
        return Ok(PiiKey::load_or_create(std::path::Path::new(&path))?);
    }
    match app::model::db::sqlite_path(db) {
        Some(path) => {
            let mut key_path = path.into_os_string();
            key_path.push(".key");
            Ok(PiiKey::load_or_create(std::path::Path::new(&key_path))?)
        }
        None if db.starts_with("sqlite:") => Ok(PiiKey::generate()),
        None => bail!(
            "set ARREARS_PII_KEY (64 hex digits) or ARREARS_PII_KEY_FILE: PII is encrypted at rest with that key"
        ),
    }
}

pub async fn open_store(db: &str) -> Result<Store> {
    app::model::Engine::of_url(db)
        .map_err(|error| anyhow::anyhow!(crate::InputError(error.to_string())))?;
    let key = pii_key(db)?;
    Ok(Store::open(db, key, clock()?)
        .await
        .with_context(|| format!("cannot open database {}", redact(db)))?
        .with_business_zone(business_time_zone()?))
}

/// A database URL without its secrets, for messages.
pub fn redact(url: &str) -> String {
    app::model::db::redact(url)
}

/// The compliance rule packs in force: the built-in ones, or every `*.toml` file in the
/// folder `ARREARS_COMPLIANCE_PACKS` (which must then hold the federal pack too).
pub fn rule_set() -> Result<&'static RuleSet> {
    match std::env::var_os("ARREARS_COMPLIANCE_PACKS") {
        None => Ok(RuleSet::builtin()),
        // Loaded once per process and kept for its lifetime.
        Some(dir) => Ok(Box::leak(Box::new(load_rule_set(Path::new(&dir))?))),
    }
}

/// Every `*.toml` in `dir`, parsed and checked; the first problem names its file, line
/// and field (exit status 2).
pub fn load_rule_set(dir: &Path) -> Result<RuleSet> {
    let input = |message: String| anyhow::anyhow!(crate::InputError(message));
    let entries =
        std::fs::read_dir(dir).map_err(|error| input(format!("{}: {error}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|error| input(format!("{}: {error}", dir.display())))?
            .path();
        if path
            .extension()
            .is_some_and(|extension| extension == "toml")
        {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| input(format!("{}: {error}", path.display())))?;
            files.push((path.display().to_string(), text));
        }
    }
    files.sort();
    RuleSet::from_texts(
        &dir.display().to_string(),
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    )
    .map_err(|error| input(error.to_string()))
}

/// Where documents are stored: `ARREARS_DOCUMENTS_DIR`, else `documents/` beside the
/// SQLite database file; none for PostgreSQL without `ARREARS_DOCUMENTS_DIR`.
pub fn documents_dir(db: &str) -> Option<std::path::PathBuf> {
    if let Ok(dir) = std::env::var("ARREARS_DOCUMENTS_DIR") {
        return Some(std::path::PathBuf::from(dir));
    }
    app::model::db::sqlite_path(db).map(|file| {
        file.parent()
            .map(|parent| parent.to_path_buf())
            .unwrap_or_default()
            .join("documents")
    })
}

/// The documents folder and the upload limit (`ARREARS_UPLOAD_MAX_BYTES`, bytes;
/// default 10 MiB).
pub fn document_settings(db: &str) -> Result<app::documents::Settings> {
    let max_bytes = match std::env::var("ARREARS_UPLOAD_MAX_BYTES") {
        Err(_) => app::documents::UPLOAD_MAX_BYTES_DEFAULT,
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|bytes| *bytes > 0)
            .ok_or_else(|| {
                anyhow::anyhow!(crate::InputError(format!(
                    "ARREARS_UPLOAD_MAX_BYTES={text:?}: expected a number of bytes above 0"
                )))
            })?,
    };
    Ok(app::documents::Settings {
        dir: documents_dir(db),
        max_bytes,
    })
}

/// The web server's settings from the environment (`db`: where documents live by
/// default).
pub fn web_config(db: &str) -> Result<web::Config> {
    let flag = |name: &str| -> Result<bool> {
        match std::env::var(name).as_deref() {
            Err(_) | Ok("" | "0" | "false" | "no") => Ok(false),
            Ok("1" | "true" | "yes") => Ok(true),
            Ok(other) => anyhow::bail!("{name}={other:?}: expected 1 or 0 (true or false)"),
        }
    };
    Ok(web::Config {
        rules: rule_set()?,
        business_zone: business_time_zone()?,
        cookie_secure: flag("ARREARS_COOKIE_SECURE")?,
        trusted_proxy: flag("ARREARS_TRUSTED_PROXY")?,
        limits: server_limits()?,
        messages: message_settings(),
        documents: document_settings(db)?,
    })
}

/// Sender, public address and webhook secret of email and texts from the environment
/// (docs/messages.md); each unset variable keeps its default.
pub fn message_settings() -> app::messages::Settings {
    let defaults = app::messages::Settings::default();
    let var = |name: &str, default: String| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .unwrap_or(default)
    };
    app::messages::Settings {
        public_url: var("ARREARS_PUBLIC_URL", defaults.public_url),
        mail_from: var("ARREARS_MAIL_FROM", defaults.mail_from),
        sms_from: var("ARREARS_SMS_FROM", defaults.sms_from),
        agency: var("ARREARS_AGENCY_NAME", defaults.agency),
        agency_address: std::env::var("ARREARS_AGENCY_ADDRESS")
            .ok()
            .map(|lines| {
                lines
                    .split('|')
                    .map(|line| line.trim().to_string())
                    .filter(|line| !line.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|lines| !lines.is_empty())
            .unwrap_or(defaults.agency_address),
        agency_phone: var("ARREARS_AGENCY_PHONE", defaults.agency_phone),
        sms_webhook_secret: std::env::var("ARREARS_SMS_WEBHOOK_SECRET")
            .ok()
            .filter(|secret| !secret.is_empty()),
    }
}

/// Where the deliverer sends: `ARREARS_SMTP_URL`; `ARREARS_SMS_URL` (with
/// `ARREARS_SMS_USER` and `ARREARS_SMS_TOKEN`) or `ARREARS_SMS_OUTBOX_DIR`. What is not
/// configured waits in the outbox.
pub fn transports() -> Result<app::messages::Transports> {
    let smtp = match std::env::var("ARREARS_SMTP_URL") {
        Ok(url) if !url.trim().is_empty() => {
            Some(channels::email::Smtp::new(url.trim()).map_err(|error| anyhow::anyhow!(error))?)
        }
        _ => None,
    };
    let sms = match (
        std::env::var("ARREARS_SMS_URL")
            .ok()
            .filter(|url| !url.is_empty()),
        std::env::var_os("ARREARS_SMS_OUTBOX_DIR").filter(|dir| !dir.is_empty()),
    ) {
        (Some(url), _) => Some(channels::sms::SmsSender::Http {
            url,
            user: std::env::var("ARREARS_SMS_USER").unwrap_or_default(),
            token: std::env::var("ARREARS_SMS_TOKEN").unwrap_or_default(),
        }),
        (None, Some(dir)) => Some(channels::sms::SmsSender::Folder(dir.into())),
        (None, None) => None,
    };
    Ok(app::messages::Transports { smtp, sms })
}

/// The server loop's cap and timeouts from the environment (docs/deployment.md); each
/// unset variable keeps its default.
fn server_limits() -> Result<web::server::ServerLimits> {
    fn number(name: &str, default: u64, min: u64, max: u64) -> Result<u64> {
        match std::env::var(name) {
            Err(_) => Ok(default),
            Ok(text) => match text.trim().parse::<u64>() {
                Ok(value) if (min..=max).contains(&value) => Ok(value),
                _ => anyhow::bail!("{name}={text:?}: expected a whole number from {min} to {max}"),
            },
        }
    }
    let defaults = web::server::ServerLimits::default();
    let seconds = |name: &str, default: std::time::Duration| -> Result<std::time::Duration> {
        Ok(std::time::Duration::from_secs(number(
            name,
            default.as_secs(),
            1,
            3_600,
        )?))
    };
    Ok(web::server::ServerLimits {
        max_connections: number(
            "ARREARS_MAX_CONNECTIONS",
            defaults.max_connections as u64,
            1,
            1_000_000,
        )? as usize,
        header_timeout: seconds("ARREARS_HEADER_TIMEOUT_SECS", defaults.header_timeout)?,
        body_timeout: seconds("ARREARS_BODY_TIMEOUT_SECS", defaults.body_timeout)?,
        write_timeout: seconds("ARREARS_WRITE_TIMEOUT_SECS", defaults.write_timeout)?,
    })
}
