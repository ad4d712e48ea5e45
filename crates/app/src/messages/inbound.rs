//! What comes back: hard bounces (RFC 3464 delivery-status reports), email replies
//! (RFC 5322) and texts (the provider's signed webhook), and the queries they become.
//!
//! Files are read whole before anything is written: a bad file names its file, line and
//! field and changes nothing; reading the same file again changes nothing.

use super::{Channel, Send, Sent, Template, hmac_hex};
use crate::contact::AskedBy;
use crate::{App, Error};
use domain::creditor::CreditorPolicy;
use domain::permission::Permission;
use jiff::Timestamp;
use store::Actor;
use store::messages::{NewQuery, QueryRow, Queued};
use store::sessions::SessionUser;

/// Why an inbound file was not taken.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// `FILE:LINE: FIELD: reason`.
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<store::StoreError> for InboundError {
    fn from(error: store::StoreError) -> InboundError {
        InboundError::App(Error::Store(error))
    }
}

/// A header: (name, value unfolded, line it starts on).
type Header = (String, String, usize);

/// Headers from `lines[start..]` up to the blank line; returns them and the index of
/// the first body line.
fn headers(
    file: &str,
    lines: &[&str],
    start: usize,
    first_line: usize,
) -> Result<(Vec<Header>, usize), String> {
    let mut out: Vec<Header> = Vec::new();
    let mut index = start;
    while index < lines.len() {
        let line = lines[index];
        if line.is_empty() {
            return Ok((out, index + 1));
        }
        let number = first_line + index - start;
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some(last) => {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
                None => {
                    return Err(format!(
                        "{file}:{number}: header: a continuation line before any header"
                    ));
                }
            }
        } else {
            let (name, value) = line.split_once(':').ok_or_else(|| {
                format!(
                    "{file}:{number}: header: expected \"Name: value\", found {:?}",
                    echo(line)
                )
            })?;
            if name.is_empty() || name.contains(' ') {
                return Err(format!(
                    "{file}:{number}: header: {:?} is not a header name",
                    echo(name)
                ));
            }
            out.push((name.to_string(), value.trim().to_string(), number));
        }
        index += 1;
    }
    Ok((out, index))
}

fn echo(text: &str) -> String {
    text.chars().take(80).collect()
}

fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a Header> {
    headers
        .iter()
        .find(|(found, _, _)| found.eq_ignore_ascii_case(name))
}

/// A parameter of a header value (`boundary="x"`).
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|part| {
        let (key, found) = part.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| found.trim().trim_matches('"').to_string())
    })
}

fn text_of(file: &str, bytes: &[u8]) -> Result<String, String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|error| {
            let line = bytes[..error.valid_up_to()]
                .iter()
                .filter(|byte| **byte == b'\n')
                .count()
                + 1;
            format!("{file}:{line}: text: not UTF-8")
        })
}

/// The lines of a message (CR LF or LF).
fn lines_of(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect()
}

/// The MIME parts of a multipart body between `start` and the end: (first line index,
/// end index) of each part.
fn parts(lines: &[&str], start: usize, boundary: &str) -> Vec<(usize, usize)> {
    let open = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut out = Vec::new();
    let mut current: Option<usize> = None;
    for (index, line) in lines.iter().enumerate().skip(start) {
        let line = line.trim_end();
        if line == close || line == open {
            if let Some(begin) = current.take() {
                out.push((begin, index));
            }
            if line == close {
                break;
            }
            current = Some(index + 1);
        }
    }
    out
}

/// The hard-bounced recipients of an RFC 3464 report: `Action: failed` with a `5.x.x`
/// status; the `Final-Recipient` address. Every problem names file, line and field.
pub fn parse_bounces(file: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
    let text = text_of(file, bytes)?;
    let lines = lines_of(&text);
    let (top, body) = headers(file, &lines, 0, 1)?;
    let (_, content_type, line) = header(&top, "Content-Type")
        .cloned()
        .ok_or_else(|| format!("{file}:1: Content-Type: missing (expected multipart/report)"))?;
    let lower = content_type.to_ascii_lowercase();
    if !lower.starts_with("multipart/report") {
        return Err(format!(
            "{file}:{line}: Content-Type: {:?} is not multipart/report (an RFC 3464 delivery-status report)",
            echo(&content_type)
        ));
    }
    let boundary = parameter(&content_type, "boundary")
        .ok_or_else(|| format!("{file}:{line}: Content-Type: no boundary parameter"))?;
    let mut bounced = Vec::new();
    let mut found_status = false;
    for (begin, end) in parts(&lines, body, &boundary) {
        let (part_headers, part_body) = headers(file, &lines, begin, begin + 1)?;
        let is_status = header(&part_headers, "Content-Type").is_some_and(|(_, value, _)| {
            value
                .to_ascii_lowercase()
                .starts_with("message/delivery-status")
        });
        if !is_status {
            continue;
        }
        found_status = true;
        // Groups of fields separated by blank lines: the message's, then one per
        // recipient.
        let mut index = part_body;
        let mut group = 0;
        while index < end {
            while index < end && lines[index].trim().is_empty() {
                index += 1;
            }
            if index >= end {
                break;
            }
            let (fields, next) = headers(file, &lines[..end], index, index + 1)?;
            group += 1;
            if group > 1 {
                let first = index + 1;
                let field = |name: &str| -> Result<(String, usize), String> {
                    header(&fields, name)
                        .map(|(_, value, line)| (value.clone(), *line))
                        .ok_or_else(|| {
                            format!("{file}:{first}: {name}: missing in this recipient's fields")
                        })
                };
                let (recipient, recipient_line) = field("Final-Recipient")?;
                let (action, _) = field("Action")?;
                let (status, status_line) = field("Status")?;
                let address = recipient
                    .split_once(';')
                    .map(|(_, address)| address.trim())
                    .filter(|address| address.contains('@') && !address.contains(' '))
                    .ok_or_else(|| {
                        format!(
                            "{file}:{recipient_line}: Final-Recipient: {:?} is not \"rfc822; address\"",
                            echo(&recipient)
                        )
                    })?;
                let code = status.split_whitespace().next().unwrap_or_default();
                let valid = {
                    let parts: Vec<&str> = code.split('.').collect();
                    parts.len() == 3
                        && matches!(parts[0], "2" | "4" | "5")
                        && parts[1..].iter().all(|part| {
                            (1..=3).contains(&part.len())
                                && part.bytes().all(|b| b.is_ascii_digit())
                        })
                };
                if !valid {
                    return Err(format!(
                        "{file}:{status_line}: Status: {:?} is not a status code such as 5.1.1",
                        echo(&status)
                    ));
                }
                if action.eq_ignore_ascii_case("failed") && code.starts_with("5.") {
                    let address = address.to_lowercase();
                    if !bounced.contains(&address) {
                        bounced.push(address);
                    }
                }
            }
            index = next;
        }
    }
    if !found_status {
        return Err(format!(
            "{file}:{line}: Content-Type: the report has no message/delivery-status part"
        ));
    }
    Ok(bounced)
}

/// An email reply as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundEmail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub body: String,
}

fn address_of(value: &str) -> String {
    let inner = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    inner.trim().to_lowercase()
}

fn decode_quoted_printable(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let lines: Vec<&str> = text.split('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches('\r');
        let (line, soft) = match line.strip_suffix('=') {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut at = 0;
        while at < raw.len() {
            let hex = |byte: u8| char::from(byte).to_digit(16);
            if raw[at] == b'='
                && at + 2 < raw.len()
                && let (Some(high), Some(low)) = (hex(raw[at + 1]), hex(raw[at + 2]))
            {
                bytes.push((high * 16 + low) as u8);
                at += 3;
                continue;
            }
            bytes.push(raw[at]);
            at += 1;
        }
        if !soft && index + 1 < lines.len() {
            bytes.push(b'\n');
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Reads an RFC 5322 reply: its sender, subject, Message-ID and plain-text body (the
/// first `text/plain` part of a multipart message).
pub fn parse_email(file: &str, bytes: &[u8]) -> Result<InboundEmail, String> {
    let text = text_of(file, bytes)?;
    let lines = lines_of(&text);
    let (top, body) = headers(file, &lines, 0, 1)?;
    let from = header(&top, "From")
        .map(|(_, value, _)| address_of(value))
        .ok_or_else(|| format!("{file}:1: From: missing"))?;
    if !from.contains('@') {
        let line = header(&top, "From").map_or(1, |(_, _, line)| *line);
        return Err(format!("{file}:{line}: From: no email address"));
    }
    let content_type = header(&top, "Content-Type")
        .map(|(_, value, _)| value.clone())
        .unwrap_or_else(|| "text/plain".into());
    let mut encoding = header(&top, "Content-Transfer-Encoding")
        .map(|(_, value, _)| value.to_ascii_lowercase())
        .unwrap_or_default();
    let (mut begin, mut end) = (body, lines.len());
    if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let line = header(&top, "Content-Type").map_or(1, |(_, _, line)| *line);
        let boundary = parameter(&content_type, "boundary")
            .ok_or_else(|| format!("{file}:{line}: Content-Type: no boundary parameter"))?;
        let mut chosen = None;
        for (part_begin, part_end) in parts(&lines, body, &boundary) {
            let (part_headers, part_body) = headers(file, &lines, part_begin, part_begin + 1)?;
            let part_type = header(&part_headers, "Content-Type")
                .map(|(_, value, _)| value.clone())
                .unwrap_or_else(|| "text/plain".into());
            if part_type.to_ascii_lowercase().starts_with("text/plain") {
                chosen = Some((
                    part_type,
                    header(&part_headers, "Content-Transfer-Encoding")
                        .map(|(_, value, _)| value.to_ascii_lowercase())
                        .unwrap_or_default(),
                    part_body,
                    part_end,
                ));
                break;
            }
        }
        let (_, part_encoding, part_body, part_end) =
            chosen.ok_or_else(|| format!("{file}:{line}: Content-Type: no text/plain part"))?;
        encoding = part_encoding;
        begin = part_body;
        end = part_end;
    }
    let raw = lines[begin.min(end)..end].join("\n");
    let body = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(&raw),
        "base64" => {
            let line = begin + 1;
            let joined: String = raw.split_whitespace().collect();
            let decoded = base64_decode(&joined).ok_or_else(|| {
                format!("{file}:{line}: Content-Transfer-Encoding: the body is not valid base64")
            })?;
            String::from_utf8_lossy(&decoded).into_owned()
        }
        _ => raw,
    };
    Ok(InboundEmail {
        from,
        to: header(&top, "To")
            .map(|(_, value, _)| address_of(value))
            .unwrap_or_default(),
        subject: header(&top, "Subject")
            .map(|(_, value, _)| value.clone())
            .unwrap_or_default(),
        message_id: header(&top, "Message-ID").map(|(_, value, _)| value.clone()),
        body: body.trim().to_string(),
    })
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let trimmed = text.trim_end_matches('=');
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in trimmed.bytes() {
        buffer = (buffer << 6) | value(byte)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// What `arrears email bounces` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounces {
    pub bounced: Vec<String>,
    /// Contact points newly marked bad.
    pub marked: usize,
}

/// Where an inbound reply landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Landed {
    Query {
        id: i64,
        account: Option<(String, String)>,
    },
    /// Received before: nothing new.
    Already(i64),
}

impl std::fmt::Display for Landed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Landed::Query {
                id,
                account: Some((creditor, account_ref)),
            } => write!(f, "query {id} on {creditor}/{account_ref}"),
            Landed::Query { id, account: None } => {
                write!(
                    f,
                    "query {id} on the unmatched list (no account has this sender)"
                )
            }
            Landed::Already(id) => write!(f, "already received as query {id}: nothing new"),
        }
    }
}

/// What an inbound text did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsReply {
    /// A stop keyword: the number's debtors opted out (`newly`), and the one
    /// confirmation was queued (or not: already opted out, or no account).
    OptedOut {
        newly: bool,
        confirmation: bool,
    },
    /// `HELP`/`AYUDA`: the help text was queued (or refused).
    Help {
        queued: bool,
    },
    Query(Landed),
}

/// Why an inbound text was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SmsInboundError {
    /// No secret configured, no signature, or a wrong one: 401, nothing changed.
    #[error("the request is not signed with the webhook secret")]
    Unauthorized,
    /// Signed, but a field is missing.
    #[error("{0}: missing")]
    Missing(&'static str),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<store::StoreError> for SmsInboundError {
    fn from(error: store::StoreError) -> SmsInboundError {
        SmsInboundError::App(Error::Store(error))
    }
}

impl From<super::MessageError> for SmsInboundError {
    fn from(error: super::MessageError) -> SmsInboundError {
        match error {
            super::MessageError::App(error) => SmsInboundError::App(error),
            other => {
                SmsInboundError::App(Error::Store(store::StoreError::Invalid(other.to_string())))
            }
        }
    }
}

/// The header the SMS provider's signature comes in: `sha256=` and the hex HMAC-SHA256
/// of the raw body under `ARREARS_SMS_WEBHOOK_SECRET`.
pub const SMS_SIGNATURE_HEADER: &str = "x-arrears-signature";

/// The words that opt a number out of texts (trimmed, any case).
pub const STOP_WORDS: &[&str] = &[
    "STOP",
    "ALTO",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "PARAR",
];
/// The words that ask for the help text.
pub const HELP_WORDS: &[&str] = &["HELP", "AYUDA"];

fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

impl App {
    /// The instant a query received at `received` about an account of a creditor with
    /// `policy` is due: the same wall-clock time in the business zone that many
    /// business days later.
    fn query_due(&self, received: Timestamp, policy: Option<&str>) -> Timestamp {
        let days = policy
            .and_then(|text| CreditorPolicy::from_text(text).ok())
            .unwrap_or_default()
            .query_response_business_days;
        let zone = self.store.business_zone().clone();
        let local = zone.to_datetime(received);
        compliance::calendar::business_days_after(local.date(), days)
            .and_then(|date| zone.to_timestamp(date.to_datetime(local.time())).ok())
            .unwrap_or(received)
    }

    #[allow(clippy::too_many_arguments)]
    async fn land_query(
        &self,
        actor: &Actor,
        channel: Channel,
        source_key: String,
        from: &str,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<Landed, Error> {
        let accounts = self.store.accounts_by_point(channel.code(), from).await?;
        let first = accounts.first();
        let received = self.now();
        let query = NewQuery {
            source_key,
            account_id: first.map(|account| account.account_id),
            channel: channel.code().to_string(),
            from_value: from.to_string(),
            to_value: to.to_string(),
            subject: subject.chars().take(200).collect(),
            body: body.chars().take(10_000).collect(),
            received_at: received,
            due_at: self.query_due(received, first.map(|account| account.policy.as_str())),
        };
        Ok(match self.store.record_query(actor, &query).await? {
            Queued::New(id) => Landed::Query {
                id,
                account: first
                    .map(|account| (account.creditor.clone(), account.account_ref.clone())),
            },
            Queued::Already(id) => Landed::Already(id),
        })
    }

    /// `arrears email bounces FILE`: the report's hard bounces mark their addresses bad
    /// (no longer usable), all in one transaction, only when the whole file reads.
    pub async fn record_bounces(
        &self,
        actor: &Actor,
        file: &str,
        bytes: &[u8],
    ) -> Result<Bounces, InboundError> {
        let bounced = parse_bounces(file, bytes).map_err(InboundError::File)?;
        let marked = self
            .store
            .mark_addresses_bounced(actor, &bounced, &format!("hard bounce reported in {file}"))
            .await?;
        Ok(Bounces { bounced, marked })
    }

    /// `arrears email inbound FILE.eml`: the reply becomes a query on the account of
    /// the sender's address (else on the unmatched list).
    pub async fn email_inbound(&self, file: &str, bytes: &[u8]) -> Result<Landed, InboundError> {
        let email = parse_email(file, bytes).map_err(InboundError::File)?;
        let key = format!(
            "email:{}",
            email.message_id.clone().unwrap_or_else(|| digest(bytes))
        );
        Ok(self
            .land_query(
                &Actor::new("system:email-inbound"),
                Channel::Email,
                key,
                &email.from,
                &email.to,
                &email.subject,
                &email.body,
            )
            .await?)
    }

    /// The SMS provider's webhook: the raw body must carry the HMAC-SHA256 signature of
    /// the configured secret. A stop word opts the number out and queues one
    /// confirmation, a help word the help text, anything else becomes a query.
    pub async fn sms_inbound(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<SmsReply, SmsInboundError> {
        let secret = self
            .messages
            .sms_webhook_secret
            .as_deref()
            .ok_or(SmsInboundError::Unauthorized)?;
        let given = signature
            .map(|value| value.trim())
            .map(|value| {
                value
                    .strip_prefix("sha256=")
                    .unwrap_or(value)
                    .to_ascii_lowercase()
            })
            .ok_or(SmsInboundError::Unauthorized)?;
        let expected = hmac_hex(secret.as_bytes(), body);
        if !super::constant_time_equal(expected.as_bytes(), given.as_bytes()) {
            return Err(SmsInboundError::Unauthorized);
        }
        // What the provider relays is the debtor's text as typed: characters no stored
        // text may hold are dropped rather than the reply refused (`web::input`'s check
        // does not run on this route).
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
                .map_err(|_| SmsInboundError::Missing("Body"))?
                .into_iter()
                .map(|(name, value)| {
                    (
                        domain::text::without_refused(&name),
                        domain::text::without_refused(&value),
                    )
                })
                .collect();
        let field = |name: &'static str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let from_raw = field("From").ok_or(SmsInboundError::Missing("From"))?;
        let to = field("To").ok_or(SmsInboundError::Missing("To"))?;
        let text = field("Body").ok_or(SmsInboundError::Missing("Body"))?;
        let from = domain::party::PhoneNumber::parse(&from_raw)
            .map(|phone| phone.e164().to_string())
            .unwrap_or(from_raw);
        let source = field("MessageSid")
            .or_else(|| field("SmsSid"))
            .or_else(|| field("MessageId"))
            .unwrap_or_else(|| digest(body));
        let word = text.trim().to_uppercase();
        let actor = Actor::new("system:sms-inbound");
        let accounts = self.store.accounts_by_point("sms", &from).await?;
        let reply_to = |template: Template, key: String| Send {
            creditor: "",
            account_ref: "",
            channel: Channel::Sms,
            template: template.key(),
            idempotency_key: Some(key),
            point: None,
        };
        if STOP_WORDS.contains(&word.as_str()) {
            let newly = self
                .store
                .opt_out(&actor, "sms", &from, "sms_keyword")
                .await?
                > 0;
            let mut confirmation = false;
            if newly && let Some(account) = accounts.first() {
                let mut send = reply_to(
                    Template::OptOutConfirmation,
                    format!("sms:opt_out_confirmation:{from}:{source}"),
                );
                send.creditor = &account.creditor;
                send.account_ref = &account.account_ref;
                send.point = Some(&from);
                // The one confirmation: now, or at the first instant the engine allows
                // a text (a STOP at 07:00 is confirmed at 08:00 on the consumer's clock).
                confirmation = match self.send_message(&actor, None, AskedBy::Api, &send).await? {
                    Sent::Queued { .. } => true,
                    Sent::Refused {
                        next_allowed_at: Some(next),
                        ..
                    } => matches!(
                        self.send_message_at(&actor, None, AskedBy::Api, &send, next)
                            .await?,
                        Sent::Queued { .. }
                    ),
                    Sent::Refused { .. } => false,
                };
            }
            return Ok(SmsReply::OptedOut {
                newly,
                confirmation,
            });
        }
        if HELP_WORDS.contains(&word.as_str()) {
            let mut queued = false;
            if let Some(account) = accounts.first() {
                let mut send = reply_to(Template::Help, format!("sms:help:{from}:{source}"));
                send.creditor = &account.creditor;
                send.account_ref = &account.account_ref;
                send.point = Some(&from);
                queued = matches!(
                    self.send_message(&actor, None, AskedBy::Api, &send).await?,
                    Sent::Queued { .. }
                );
            }
            return Ok(SmsReply::Help { queued });
        }
        Ok(SmsReply::Query(
            self.land_query(
                &actor,
                Channel::Sms,
                format!("sms:{source}"),
                &from,
                &to,
                "",
                &text,
            )
            .await?,
        ))
    }

    /// The queries a user works: their creditors' (unmatched ones too for supervisors),
    /// open first by due instant.
    pub async fn queries(&self, user: &SessionUser) -> Result<Vec<QueryItem>, Error> {
        crate::require(user, Permission::WorkAccounts)?;
        let now = self.now();
        let supervisor = domain::permission::allows(user.role, Permission::Supervise);
        Ok(self
            .store
            .queries(None, 500)
            .await?
            .into_iter()
            .filter(|query| match query.creditor_id {
                Some(id) => user.may_see_creditor(id),
                None => supervisor,
            })
            .map(|query| QueryItem {
                overdue: query.state == "open" && query.due_at < now,
                query,
            })
            .collect())
    }

    /// The queries about an account (the desk's timeline), open first: the account as
    /// the user was shown it (`App::account` applied the creditor scope).
    pub async fn account_queries(
        &self,
        user: &SessionUser,
        view: &store::view::AccountView,
    ) -> Result<Vec<QueryRow>, Error> {
        crate::require(user, Permission::ViewAccounts)?;
        if !user.may_see_creditor(view.creditor_id) {
            return Err(Error::Store(store::StoreError::NotFound(format!(
                "no account {}/{}",
                view.creditor, view.account_ref
            ))));
        }
        Ok(self.store.queries(Some(view.account_id), 200).await?)
    }

    /// Open and overdue queries of the user's creditors (the team board).
    pub async fn query_counts(&self, user: &SessionUser) -> Result<(i64, i64), Error> {
        crate::require(user, Permission::Supervise)?;
        Ok(self
            .store
            .query_counts(user.creditor_ids.as_deref(), self.now())
            .await?)
    }

    /// Answers a query the user sees, with a note (audited).
    pub async fn answer_query(
        &self,
        user: &SessionUser,
        id: i64,
        note: &str,
    ) -> Result<(), QueryProblem> {
        crate::require(user, Permission::WorkAccounts)?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > store::messages::QUERY_NOTE_LENGTH_MAX {
            return Err(QueryProblem::Note);
        }
        let visible = self
            .queries(user)
            .await?
            .iter()
            .any(|item| item.query.id == id);
        if !visible {
            return Err(QueryProblem::App(Error::Store(
                store::StoreError::NotFound(format!("no query {id}")),
            )));
        }
        self.store
            .answer_query(&user.actor(), user.id, id, note)
            .await
            .map_err(|error| QueryProblem::App(Error::Store(error)))
    }
}

/// A query with its age.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryItem {
    pub query: QueryRow,
    /// Open and past its due instant.
    pub overdue: bool,
}

/// Why a query was not answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryProblem {
    #[error("the answer note must be 1 to 2,000 characters")]
    Note,
    #[error(transparent)]
    App(#[from] Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "From: MAILER-DAEMON@mx.example\r\nTo: collections@agency.example\r\nSubject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B1\"\r\nMIME-Version: 1.0\r\n\r\n--B1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n--B1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; Ann@Example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822; later@example.com\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n--B1--\r\n";

    #[test]
    fn a_report_names_its_hard_bounces_only() {
        assert_eq!(
            parse_bounces("r.eml", REPORT.as_bytes()).unwrap(),
            ["ann@example.com"]
        );
    }

    #[test]
    fn a_bad_report_names_file_line_and_field() {
        let bad = REPORT.replace("Status: 5.1.1", "Status: five");
        assert_eq!(
            parse_bounces("r.eml", bad.as_bytes()).unwrap_err(),
            "r.eml:20: Status: \"five\" is not a status code such as 5.1.1"
        );
        let missing = REPORT.replace("Action: failed\r\n", "");
        assert_eq!(
            parse_bounces("r.eml", missing.as_bytes()).unwrap_err(),
            "r.eml:18: Action: missing in this recipient's fields"
        );
        let plain = "From: a@b\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
        assert!(
            parse_bounces("p.eml", plain.as_bytes())
                .unwrap_err()
                .starts_with("p.eml:2: Content-Type: \"text/plain\" is not multipart/report"),
        );
    }

    #[test]
    fn a_reply_is_read_with_its_sender_and_plain_text() {
        let reply = "From: Ann Bee <Ann@Example.com>\r\nTo: collections@agency.example\r\nSubject: Re: Payment reminder\r\nMessage-ID: <r1@example.com>\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nI paid on Monday, ma=C3=B1ana I send the=\r\n receipt.\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--x--\r\n";
        let email = parse_email("r.eml", reply.as_bytes()).unwrap();
        assert_eq!(email.from, "ann@example.com");
        assert_eq!(email.subject, "Re: Payment reminder");
        assert_eq!(email.message_id.as_deref(), Some("<r1@example.com>"));
        assert_eq!(email.body, "I paid on Monday, mañana I send the receipt.");
        assert_eq!(
            parse_email("n.eml", b"Subject: hi\r\n\r\nbody").unwrap_err(),
            "n.eml:1: From: missing"
        );
    }
}
