//! Messages: email and texts, each asked through the compliance pipeline (`contact`)
//! before it is queued, queued with its decision and timeline entry in one transaction
//! (`store::messages`), and delivered by the outbox's deliverer with retry and backoff;
//! opt-outs (the signed link, `STOP`), E-SIGN consents, bounces, and inbound replies as
//! queries.
//!
//! Decided here only: which point a message goes to, the purpose it is asked with, that
//! a validation notice by email needs the consumer's E-SIGN consent, what the channel
//! adds after the wording (the opt-out instruction, the signed link and
//! `List-Unsubscribe`, which no template can remove), the idempotency key and the
//! Message-ID derived from it, the backoff, and what an inbound text means.

pub mod inbound;
pub mod wording;

use crate::contact::{AskedBy, Point};
use crate::{App, Error};
use compliance::facts::{Action, Purpose};
use domain::party::{ContactKind, Language};
use hmac::Mac;
use jiff::{SignedDuration, Timestamp};
use store::Actor;
use store::messages::{NewMessage, OutboxRow, Queued};
pub use wording::{Channel, Template};

/// The operator's message settings (from the environment, `cli::context`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where the server is reached from outside (`ARREARS_PUBLIC_URL`): opt-out links
    /// start with it.
    pub public_url: String,
    /// The sender of every email (`ARREARS_MAIL_FROM`).
    pub mail_from: String,
    /// The number texts come from (`ARREARS_SMS_FROM`).
    pub sms_from: String,
    /// The agency's name in messages and letters (`ARREARS_AGENCY_NAME`).
    pub agency: String,
    /// The agency's postal address lines (`ARREARS_AGENCY_ADDRESS`, lines separated by
    /// `|`).
    pub agency_address: Vec<String>,
    /// The agency's phone (`ARREARS_AGENCY_PHONE`).
    pub agency_phone: String,
    /// The secret the SMS provider signs inbound webhooks with
    /// (`ARREARS_SMS_WEBHOOK_SECRET`); none: every inbound request is refused.
    pub sms_webhook_secret: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            public_url: "http://127.0.0.1:8080".into(),
            mail_from: "Arrears <collections@localhost>".into(),
            sms_from: "+15555550100".into(),
            agency: "Arrears".into(),
            agency_address: vec!["100 Main Street".into(), "Springfield, IL 62701".into()],
            agency_phone: "(800) 555-0100".into(),
            sms_webhook_secret: None,
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

fn action_of(channel: Channel) -> Action {
    match channel {
        Channel::Email => Action::Email,
        Channel::Sms => Action::Sms,
    }
}

/// A rule that refused a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedBy {
    pub rule: String,
    pub citation: String,
    pub message: String,
}

/// What a send did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Queued in the outbox (`already`: the same message was queued before; nothing
    /// new).
    Queued { id: i64, already: bool },
    /// The compliance check refused it: the decision is logged, nothing is queued.
    Refused {
        rules: Vec<RefusedBy>,
        next_allowed_at: Option<Timestamp>,
    },
}

/// Why a message was not even asked about.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error(
        "unknown template {0:?} (email: payment_reminder, promise_confirmation, plan_confirmation, validation_notice; sms: payment_reminder)"
    )]
    UnknownTemplate(String),
    #[error("the template {template} is not sent by {channel}")]
    NotByChannel { template: String, channel: Channel },
    /// The stored template does not render for this account (field, line, reason).
    #[error("{0}")]
    Wording(String),
    #[error("the debtor has no usable {0} contact point")]
    NoPoint(Channel),
    #[error(
        "a validation notice goes by email only with the consumer's E-SIGN consent, and none is recorded for {0}"
    )]
    NoEsignConsent(String),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<store::StoreError> for MessageError {
    fn from(error: store::StoreError) -> MessageError {
        MessageError::App(Error::Store(error))
    }
}

/// One message to send about an account.
#[derive(Clone, Debug)]
pub struct Send<'a> {
    pub creditor: &'a str,
    pub account_ref: &'a str,
    pub channel: Channel,
    pub template: &'a str,
    /// Names the message; `None`: derived from the account, template and instant.
    pub idempotency_key: Option<String>,
    /// The debtor's point to use (a reply goes to the number that wrote); `None`: the
    /// first usable one (for texts, a mobile number first).
    pub point: Option<&'a str>,
}

/// The opt-out instruction every text ends with.
pub fn sms_opt_out_instruction(language: Language) -> &'static str {
    match language {
        Language::En => "Reply STOP to opt out.",
        Language::Es => "Responda ALTO para no recibir más mensajes.",
    }
}

fn email_opt_out_instruction(language: Language) -> &'static str {
    match language {
        Language::En => {
            "You can stop email from us at any time: open this link and confirm, or use your mail program's unsubscribe button."
        }
        Language::Es => {
            "Puede dejar de recibir nuestros correos en cualquier momento: abra este enlace y confirme, o use el botón de baja de su programa de correo."
        }
    }
}

/// The Message-ID of a message: its idempotency key's digest at the sender's domain,
/// so a message handed over twice (a crash between sending and marking it sent) is
/// the same message to the receiving side.
pub fn message_id(idempotency_key: &str, mail_from: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(idempotency_key.as_bytes());
    let domain = mail_from
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('>').trim())
        .filter(|domain| !domain.is_empty())
        .unwrap_or("localhost");
    format!("{}@{domain}", hex::encode(&digest[..16]))
}

/// How long a delivery attempt holds its claim.
pub const LEASE_SECONDS: i64 = 300;
/// Deliveries tried before a message is given up (then a supervisor may retry it).
pub const DELIVERY_ATTEMPTS_MAX: i64 = 10;
/// The first retry's delay; each next one doubles, up to `RETRY_DELAY_MAX_SECONDS`.
pub const RETRY_DELAY_SECONDS: i64 = 30;
pub const RETRY_DELAY_MAX_SECONDS: i64 = 3_600;

/// When a message that failed its `attempts`-th delivery is tried again; `None`: give up.
pub fn retry_after(attempts: i64, at: Timestamp) -> Option<Timestamp> {
    if attempts >= DELIVERY_ATTEMPTS_MAX {
        return None;
    }
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let delay = RETRY_DELAY_SECONDS
        .saturating_mul(1_i64 << exponent)
        .min(RETRY_DELAY_MAX_SECONDS);
    at.checked_add(SignedDuration::from_secs(delay)).ok()
}

/// Where delivered messages go.
#[derive(Clone, Debug, Default)]
pub struct Transports {
    /// `ARREARS_SMTP_URL`; none: emails wait in the outbox.
    pub smtp: Option<channels::email::Smtp>,
    /// The SMS provider or folder; none: texts wait in the outbox.
    pub sms: Option<channels::sms::SmsSender>,
}

/// What one delivery round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    /// Failed this time, queued again with a backoff.
    pub retrying: usize,
    /// Given up (permanent failure or too many attempts).
    pub failed: usize,
}

/// Messages claimed per round.
pub const DELIVERY_BATCH: i64 = 50;

impl App {
    /// The message settings.
    /// Who letters and messages come from (the message settings' agency).
    pub fn agency(&self) -> crate::letters::Agency {
        crate::letters::Agency {
            name: self.messages.agency.clone(),
            address: self.messages.agency_address.clone(),
            phone: self.messages.agency_phone.clone(),
        }
    }

    pub fn message_settings(&self) -> &Settings {
        &self.messages
    }

    /// The same use cases with these message settings.
    pub fn with_message_settings(mut self, settings: Settings) -> App {
        self.messages = std::sync::Arc::new(settings);
        self
    }

    /// The signed opt-out link for an email address: works without signing in; its
    /// signature is an HMAC keyed from the PII key (no other secret to keep).
    pub fn opt_out_link(&self, address: &str) -> String {
        let address = address.to_lowercase();
        format!(
            "{}/unsubscribe/{}",
            self.messages.public_url.trim_end_matches('/'),
            self.opt_out_token(&address)
        )
    }

    fn opt_out_token(&self, address: &str) -> String {
        let signature = self.store.link_signature("email opt-out", address);
        format!("{}.{}", hex::encode(address.as_bytes()), &signature[..32])
    }

    /// The address a token was signed for; `None` for anything not signed by us.
    pub fn opt_out_address(&self, token: &str) -> Option<String> {
        let (address, signature) = token.split_once('.')?;
        let address = String::from_utf8(hex::decode(address).ok()?).ok()?;
        let expected = self.opt_out_token(&address);
        let given = format!("{}.{signature}", hex::encode(address.as_bytes()));
        constant_time_equal(expected.as_bytes(), given.as_bytes()).then_some(address)
    }

    /// The one-click opt-out (RFC 8058): the address's consumers are opted out of email
    /// at once. Returns whether anything changed (a second click changes nothing).
    pub async fn opt_out_by_link(&self, token: &str) -> Result<Option<bool>, Error> {
        let Some(address) = self.opt_out_address(token) else {
            return Ok(None);
        };
        let added = self
            .store
            .opt_out(
                &Actor::new("consumer:opt-out-link"),
                "email",
                &address,
                "link",
            )
            .await?;
        Ok(Some(added > 0))
    }

    /// Asks the pipeline about a message and, when allowed, queues it with its decision
    /// and timeline entry; a refusal is logged with its rules and nothing is queued.
    pub async fn send_message(
        &self,
        actor: &Actor,
        user_id: Option<i64>,
        asked_by: AskedBy,
        send: &Send<'_>,
    ) -> Result<Sent, MessageError> {
        self.send_message_at(actor, user_id, asked_by, send, self.now())
            .await
    }

    /// `send_message` asked about instant `at` (now or later): when allowed, the message
    /// is queued now and delivered from `at`.
    pub async fn send_message_at(
        &self,
        actor: &Actor,
        user_id: Option<i64>,
        asked_by: AskedBy,
        send: &Send<'_>,
        at: Timestamp,
    ) -> Result<Sent, MessageError> {
        let template = Template::parse(send.template)
            .ok_or_else(|| MessageError::UnknownTemplate(send.template.to_string()))?;
        if !template.goes_by(send.channel) {
            return Err(MessageError::NotByChannel {
                template: send.template.to_string(),
                channel: send.channel,
            });
        }
        let known = self.known(send.creditor, send.account_ref).await?;
        let action = action_of(send.channel);
        // Texts go to a mobile number first, else any usable phone.
        let point: &Point = match send.point {
            Some(value) => known
                .usable_points(action)
                .find(|point| point.value == value),
            None => known
                .usable_points(action)
                .find(|point| action != Action::Sms || point.kind == ContactKind::PhoneMobile)
                .or_else(|| known.usable_point(action)),
        }
        .ok_or(MessageError::NoPoint(send.channel))?;
        if template == Template::ValidationNotice
            && !self
                .store
                .has_esign_consent(known.account_id, &point.value)
                .await?
        {
            return Err(MessageError::NoEsignConsent(point.value.clone()));
        }
        let purpose = match template {
            Template::OptOutConfirmation => Purpose::OptOutConfirmation,
            _ => Purpose::Collection,
        };
        let now = at.max(self.now());
        let asked = known.ask_for(self.rules, now, action, purpose, Some(point));
        let decision = asked.decision(known.account_id, asked_by);
        if !asked.allowed() {
            self.store
                .record_decisions(
                    actor,
                    &format!(
                        "{} {} refused by the compliance check",
                        send.channel, send.template
                    ),
                    std::slice::from_ref(&decision),
                )
                .await
                .map_err(Error::from)?;
            return Ok(Sent::Refused {
                rules: asked
                    .answer
                    .violations
                    .iter()
                    .map(|violation| RefusedBy {
                        rule: violation.rule.to_string(),
                        citation: violation.citation.to_string(),
                        message: violation.message.clone(),
                    })
                    .collect(),
                next_allowed_at: asked.answer.next_allowed_at,
            });
        }
        let facts = self.store.message_facts(known.account_id).await?;
        let language = Language::parse(&facts.language).unwrap_or(Language::En);
        let (rendered, context) = self
            .render_with_context(
                &template.template_name(send.channel),
                crate::letters::Lang::of(language),
                send.creditor,
                send.account_ref,
                &self.agency(),
            )
            .await
            .map_err(|error| match error {
                crate::letters::LetterError::App(error) => MessageError::App(error),
                other => MessageError::Wording(other.to_string()),
            })?;
        let worded = wording::word(
            template,
            send.channel,
            language,
            &rendered.subject,
            &rendered.body,
            &context,
        )
        .ok_or_else(|| MessageError::NotByChannel {
            template: send.template.to_string(),
            channel: send.channel,
        })?;
        let key = send.idempotency_key.clone().unwrap_or_else(|| {
            format!(
                "{}:{}:{}/{}:{}",
                send.channel,
                template.key(),
                send.creditor,
                send.account_ref,
                now.as_microsecond()
            )
        });
        let message = self.framed(
            send.channel,
            template,
            language,
            purpose,
            point,
            worded,
            key,
        );
        let queued = self
            .store
            .queue_message(actor, user_id, &decision, &message)
            .await?;
        Ok(match queued {
            Queued::New(id) => Sent::Queued { id, already: false },
            Queued::Already(id) => Sent::Queued { id, already: true },
        })
    }

    /// The worded message with what the channel adds and no template may remove: the
    /// opt-out instruction (texts), the signed opt-out link and `List-Unsubscribe`
    /// (email).
    #[allow(clippy::too_many_arguments)]
    fn framed(
        &self,
        channel: Channel,
        template: Template,
        language: Language,
        purpose: Purpose,
        point: &Point,
        worded: wording::Worded,
        key: String,
    ) -> NewMessage {
        let (body_text, body_html, headers) = match channel {
            Channel::Sms => (
                crate::letters::sms_as_sent(
                    &template.template_name(channel),
                    crate::letters::Lang::of(language),
                    &worded.text,
                ),
                None,
                Vec::new(),
            ),
            Channel::Email => {
                let link = self.opt_out_link(&point.value);
                let instruction = email_opt_out_instruction(language);
                let text = format!("{}\n\n--\n{instruction}\n{link}\n", worded.text);
                let html = worded.html.map(|html| {
                    let footer = format!(
                        "<hr>\n<p>{instruction} <a href=\"{link}\">{link}</a></p>\n</body>"
                    );
                    html.replacen("</body>", &footer, 1)
                });
                let mut list_unsubscribe = format!("<{link}>");
                if let Some(address) = self
                    .messages
                    .mail_from
                    .rsplit_once('<')
                    .map_or(Some(self.messages.mail_from.trim()), |(_, rest)| {
                        rest.strip_suffix('>')
                    })
                {
                    list_unsubscribe.push_str(&format!(", <mailto:{address}?subject=unsubscribe>"));
                }
                (
                    text,
                    html,
                    vec![
                        ("List-Unsubscribe".to_string(), list_unsubscribe),
                        (
                            "List-Unsubscribe-Post".to_string(),
                            "List-Unsubscribe=One-Click".to_string(),
                        ),
                    ],
                )
            }
        };
        NewMessage {
            idempotency_key: key,
            channel: channel.code().to_string(),
            template: template.key().to_string(),
            language: language.code().to_string(),
            purpose: purpose.code().to_string(),
            recipient: point.value.clone(),
            subject: worded.subject,
            body_text,
            body_html,
            headers,
        }
    }

    /// Records the consumer's E-SIGN consent to notices at one of their email
    /// addresses (the operator; audited). `false`: it was on file already.
    pub async fn record_esign_consent(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        address: &str,
    ) -> Result<bool, Error> {
        let known = self.known(creditor, account_ref).await?;
        Ok(self
            .store
            .record_esign_consent(actor, known.account_id, address, self.now())
            .await?)
    }

    /// One delivery round: claims due messages and hands each to its transport; a
    /// failure is retried with exponential backoff, a permanent one (or the last
    /// attempt) gives the message up. A message whose transport is not configured
    /// waits, retried like a failure.
    pub async fn deliver_due(&self, transports: &Transports) -> Result<Delivered, Error> {
        let actor = Actor::new("system:outbox");
        let mut delivered = Delivered::default();
        loop {
            let now = self.now();
            let lease = now
                .checked_add(SignedDuration::from_secs(LEASE_SECONDS))
                .unwrap_or(now);
            let claimed = self
                .store
                .claim_due_messages(now, lease, DELIVERY_BATCH)
                .await?;
            if claimed.is_empty() {
                return Ok(delivered);
            }
            for row in claimed {
                let outcome = self.hand_over(transports, &row).await;
                let at = self.now();
                match outcome {
                    Ok(()) => {
                        if self
                            .store
                            .message_sent(&actor, row.id, row.attempts, at)
                            .await?
                        {
                            delivered.sent += 1;
                        }
                    }
                    Err(error) => {
                        let retry = if error.permanent {
                            None
                        } else {
                            retry_after(row.attempts, at)
                        };
                        if self
                            .store
                            .message_not_sent(&actor, row.id, row.attempts, &error.message, retry)
                            .await?
                        {
                            if retry.is_some() {
                                delivered.retrying += 1;
                            } else {
                                delivered.failed += 1;
                            }
                        }
                    }
                }
            }
            // What failed now is due later, never in this round.
        }
    }

    async fn hand_over(
        &self,
        transports: &Transports,
        row: &OutboxRow,
    ) -> Result<(), channels::SendError> {
        match row.channel.as_str() {
            "email" => {
                let Some(smtp) = &transports.smtp else {
                    return Err(channels::SendError::transient(
                        "no SMTP server configured (ARREARS_SMTP_URL)",
                    ));
                };
                let message = channels::email::build(&channels::email::Email {
                    from: &self.messages.mail_from,
                    to: &row.recipient,
                    subject: &row.subject,
                    text: &row.body_text,
                    html: row.body_html.as_deref(),
                    message_id: &message_id(&row.idempotency_key, &self.messages.mail_from),
                    date: std::time::SystemTime::UNIX_EPOCH
                        + std::time::Duration::from_micros(
                            u64::try_from(row.created_at.as_microsecond()).unwrap_or(0),
                        ),
                    headers: &row.headers,
                })?;
                smtp.send(&message).await
            }
            "sms" => {
                let Some(sms) = &transports.sms else {
                    return Err(channels::SendError::transient(
                        "no SMS provider or folder configured (ARREARS_SMS_URL, ARREARS_SMS_OUTBOX_DIR)",
                    ));
                };
                sms.send(&channels::sms::Text {
                    key: &row.idempotency_key,
                    to: &row.recipient,
                    from: &self.messages.sms_from,
                    body: &row.body_text,
                })
                .await
            }
            other => Err(channels::SendError::permanent(format!(
                "unknown channel {other:?}"
            ))),
        }
    }

    /// The supervisors' view of the outbox: messages per state and the failures with
    /// their last error (their creditors only).
    pub async fn outbox(&self, user: &store::sessions::SessionUser) -> Result<OutboxView, Error> {
        crate::require(user, domain::permission::Permission::Supervise)?;
        let scope = user.creditor_ids.as_deref();
        Ok(OutboxView {
            counts: self.store.outbox_counts(scope).await?,
            problems: self.store.outbox_problems(scope, 200).await?,
        })
    }

    /// A failed message queued again by a supervisor (audited).
    pub async fn retry_message(
        &self,
        user: &store::sessions::SessionUser,
        id: i64,
    ) -> Result<(), Error> {
        crate::require(user, domain::permission::Permission::Supervise)?;
        let visible = self
            .outbox(user)
            .await?
            .problems
            .iter()
            .any(|row| row.id == id);
        if !visible {
            return Err(Error::Store(store::StoreError::NotFound(format!(
                "no failed message {id}"
            ))));
        }
        Ok(self.store.retry_message(&user.actor(), id).await?)
    }

    /// The operator's view of the outbox (`arrears outbox deliver` prints it).
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, Error> {
        Ok(self.store.outbox_counts(None).await?)
    }

    /// One message as a supervisor sees it (their creditors only; another creditor's is
    /// as good as absent).
    pub async fn outbox_message_for(
        &self,
        user: &store::sessions::SessionUser,
        id: i64,
    ) -> Result<OutboxRow, Error> {
        crate::require(user, domain::permission::Permission::Supervise)?;
        let absent = || Error::Store(store::StoreError::NotFound(format!("no message {id}")));
        let row = self.store.outbox_message(id).await?.ok_or_else(absent)?;
        if let Some((creditor, account_ref)) = &row.account {
            // The account's visibility decides (creditor scope).
            self.account(user, creditor, account_ref, self.today())
                .await
                .map_err(|_| absent())?;
        }
        Ok(row)
    }

    /// One message as stored (the rendered content behind a timeline entry).
    pub async fn outbox_message(&self, id: i64) -> Result<Option<OutboxRow>, Error> {
        Ok(self.store.outbox_message(id).await?)
    }
}

/// How often the deliverer in `arrears serve` looks for due messages.
pub const DELIVERY_INTERVAL_SECONDS: u64 = 5;

/// The deliverer inside `arrears serve`: a delivery round every few seconds until
/// `stop` turns true; a round in progress finishes first (a claimed row is marked, or
/// its lease expires and another round takes it). Errors are logged, never fatal.
pub async fn run_deliverer(
    app: App,
    transports: Transports,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(error) = app.deliver_due(&transports).await {
            eprintln!("outbox: delivery round failed: {error}");
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(DELIVERY_INTERVAL_SECONDS)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// The outbox page's content.
#[derive(Clone, Debug)]
pub struct OutboxView {
    pub counts: Vec<(String, i64)>,
    pub problems: Vec<OutboxRow>,
}

fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA256 of `body` under `secret`, hex.
pub fn hmac_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(secret)
        .expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_then_give_up() {
        let at: Timestamp = "2026-06-01T12:00:00Z".parse().unwrap();
        let delay =
            |attempts| retry_after(attempts, at).map(|next| next.duration_since(at).as_secs());
        assert_eq!(delay(1), Some(30));
        assert_eq!(delay(2), Some(60));
        assert_eq!(delay(3), Some(120));
        assert_eq!(delay(9), Some(3_600));
        assert_eq!(delay(DELIVERY_ATTEMPTS_MAX), None);
    }

    #[test]
    fn the_message_id_is_the_keys_and_stays_the_same() {
        let one = message_id(
            "email:payment_reminder:ACME/A-1:1",
            "Arrears <c@agency.example>",
        );
        assert_eq!(
            one,
            message_id("email:payment_reminder:ACME/A-1:1", "c@agency.example")
        );
        assert!(one.ends_with("@agency.example"), "{one}");
        assert_ne!(
            one,
            message_id("email:payment_reminder:ACME/A-1:2", "c@agency.example")
        );
    }
}
