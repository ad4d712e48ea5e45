//! Email over SMTP (lettre): a message built from what the outbox holds, with the
//! Message-ID and headers the caller gives, sent through `ARREARS_SMTP_URL`
//! (`smtp://host:port` in the clear, `smtp://…?tls=required` with STARTTLS, `smtps://user:pass@host`).

use crate::SendError;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::{Duration, SystemTime};

/// One email to send.
#[derive(Clone, Debug)]
pub struct Email<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
    /// Without angle brackets: `key@host`.
    pub message_id: &'a str,
    pub date: SystemTime,
    /// Extra headers: `List-Unsubscribe`, `List-Unsubscribe-Post`, `Reply-To`…
    pub headers: &'a [(String, String)],
}

/// The header names the outbox may carry (lettre wants them static).
const HEADER_NAMES: &[&str] = &[
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
    "X-Arrears-Account",
];

/// The message as it goes on the wire.
pub fn build(email: &Email<'_>) -> Result<Message, SendError> {
    let mailbox = |what: &str, value: &str| {
        value
            .parse::<Mailbox>()
            .map_err(|error| SendError::permanent(format!("{what} address {value:?}: {error}")))
    };
    let builder = Message::builder()
        .from(mailbox("sender", email.from)?)
        .to(mailbox("recipient", email.to)?)
        .subject(email.subject)
        .message_id(Some(format!("<{}>", email.message_id)))
        .date(email.date);
    let mut message = match email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            email.text.to_string(),
            html.to_string(),
        )),
        None => builder.body(email.text.to_string()),
    }
    .map_err(|error| SendError::permanent(format!("message: {error}")))?;
    for (name, value) in email.headers {
        let Some(name) = HEADER_NAMES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(name))
        else {
            return Err(SendError::permanent(format!(
                "header {name:?} is not one Arrears sends"
            )));
        };
        message.headers_mut().insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    Ok(message)
}

/// An SMTP server to send through.
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Smtp")
    }
}

/// How long one SMTP dialogue may take.
pub const SMTP_TIMEOUT_SECONDS: u64 = 30;

impl Smtp {
    /// The server at `url` (`smtp://host:port`, `smtps://user:pass@host`). The error
    /// never repeats the URL (it may carry a password).
    pub fn new(url: &str) -> Result<Smtp, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| format!("ARREARS_SMTP_URL is not an SMTP URL: {error}"))?
            .timeout(Some(Duration::from_secs(SMTP_TIMEOUT_SECONDS)))
            .build();
        Ok(Smtp { transport })
    }

    /// Hands the message to the server; a 5xx answer is permanent, anything else
    /// (connection refused, timeouts, 4xx) worth a retry.
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        self.transport
            .send(message.clone())
            .await
            .map(|_| ())
            .map_err(|error| SendError {
                permanent: error.is_permanent(),
                message: format!("SMTP: {error}"),
            })
    }
}
