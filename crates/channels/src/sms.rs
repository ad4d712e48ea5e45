//! Text messages: through a provider's HTTP API (a form POST of `To`, `From` and `Body`
//! with basic auth, the shape common providers take: `ARREARS_SMS_URL`,
//! `ARREARS_SMS_USER`, `ARREARS_SMS_TOKEN`), or, for development, into a folder, one
//! file per message named by its idempotency key (`ARREARS_SMS_OUTBOX_DIR`).

use crate::SendError;
use base64::Engine as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// One text to send.
#[derive(Clone, Debug)]
pub struct Text<'a> {
    /// Names the message: the folder's file name, the provider's idempotency header.
    pub key: &'a str,
    pub to: &'a str,
    pub from: &'a str,
    pub body: &'a str,
}

/// Where texts go.
#[derive(Clone)]
pub enum SmsSender {
    Http {
        url: String,
        user: String,
        token: String,
    },
    Folder(PathBuf),
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmsSender::Http { url, .. } => write!(f, "SmsSender::Http({url})"),
            SmsSender::Folder(dir) => write!(f, "SmsSender::Folder({})", dir.display()),
        }
    }
}

/// How long one provider request may take.
pub const SMS_TIMEOUT_SECONDS: u64 = 20;

/// A file name made of the key's safe characters.
pub fn file_name(key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.txt")
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        for (part, text) in [(0, name), (1, value)] {
            if part == 1 {
                out.push('=');
            }
            for byte in text.bytes() {
                match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        out.push(byte as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{byte:02X}")),
                }
            }
        }
    }
    out
}

struct Target {
    tls: bool,
    host: String,
    port: u16,
    path: String,
}

fn target(url: &str) -> Result<Target, SendError> {
    let bad =
        || SendError::permanent("ARREARS_SMS_URL must be http://HOST[:PORT]/PATH or https://…");
    let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad());
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
        None => (authority, if tls { 443 } else { 80 }),
    };
    if host.is_empty() || authority.contains('@') {
        return Err(bad());
    }
    Ok(Target {
        tls,
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &[u8],
) -> std::io::Result<Vec<u8>> {
    stream.write_all(request).await?;
    stream.flush().await?;
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    // The status line is all that matters; read until the server closes or 64 KiB.
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => {
                response.extend_from_slice(&buffer[..read]);
                if response.len() > 64 * 1024 {
                    break;
                }
            }
            // A TLS peer that closes without close_notify: what was read is the answer.
            Err(_) if !response.is_empty() => break,
            Err(error) => return Err(error),
        }
    }
    Ok(response)
}

impl SmsSender {
    /// Hands the text over.
    pub async fn send(&self, text: &Text<'_>) -> Result<(), SendError> {
        match self {
            SmsSender::Folder(dir) => {
                let content = format!("To: {}\nFrom: {}\n\n{}\n", text.to, text.from, text.body);
                let path = dir.join(file_name(text.key));
                let temporary = dir.join(format!(".{}.tmp", file_name(text.key)));
                let write = || -> std::io::Result<()> {
                    std::fs::create_dir_all(dir)?;
                    std::fs::write(&temporary, content.as_bytes())?;
                    std::fs::rename(&temporary, &path)
                };
                write().map_err(|error| {
                    SendError::transient(format!("SMS folder {}: {error}", dir.display()))
                })
            }
            SmsSender::Http { url, user, token } => {
                let target = target(url)?;
                let body =
                    form_encode(&[("To", text.to), ("From", text.from), ("Body", text.body)]);
                let credentials =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"));
                let request = format!(
                    "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Basic {credentials}\r\nContent-Type: application/x-www-form-urlencoded\r\nIdempotency-Key: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    target.path,
                    target.host,
                    text.key,
                    body.len()
                );
                let work = async {
                    let tcp =
                        tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await?;
                    if target.tls {
                        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
                        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                        // ring, as lettre uses: aws-lc-rs would need cmake and minutes of
                        // C on 2 cores. Its provider lacks post-quantum key exchange.
                        #[allow(deprecated)]
                        let provider = tokio_rustls::rustls::crypto::ring::default_provider();
                        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(
                            Arc::new(provider),
                        )
                        .with_safe_default_protocol_versions()
                        .map_err(std::io::Error::other)?
                        .with_root_certificates(roots)
                        .with_no_client_auth();
                        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(
                            target.host.clone(),
                        )
                        .map_err(std::io::Error::other)?;
                        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
                            .connect(name, tcp)
                            .await?;
                        exchange(stream, request.as_bytes()).await
                    } else {
                        exchange(tcp, request.as_bytes()).await
                    }
                };
                let response = tokio::time::timeout(Duration::from_secs(SMS_TIMEOUT_SECONDS), work)
                    .await
                    .map_err(|_| SendError::transient("SMS provider: timed out"))?
                    .map_err(|error| SendError::transient(format!("SMS provider: {error}")))?;
                let status_line = response
                    .split(|byte| *byte == b'\n')
                    .next()
                    .map(|line| String::from_utf8_lossy(line).trim().to_string())
                    .unwrap_or_default();
                let status: u16 = status_line
                    .split(' ')
                    .nth(1)
                    .and_then(|code| code.parse().ok())
                    .ok_or_else(|| {
                        SendError::transient(format!(
                            "SMS provider: no HTTP status in {status_line:?}"
                        ))
                    })?;
                match status {
                    200..=299 => Ok(()),
                    408 | 429 => Err(SendError::transient(format!("SMS provider: HTTP {status}"))),
                    400..=499 => Err(SendError::permanent(format!("SMS provider: HTTP {status}"))),
                    _ => Err(SendError::transient(format!("SMS provider: HTTP {status}"))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded_as_providers_read_them() {
        assert_eq!(
            form_encode(&[("To", "+16175550123"), ("Body", "Hola, ¿qué tal? a&b")]),
            "To=%2B16175550123&Body=Hola%2C+%C2%BFqu%C3%A9+tal%3F+a%26b"
        );
    }

    #[test]
    fn provider_urls_are_read_or_refused() {
        let read = target("https://sms.example.com/v1/messages").unwrap();
        assert!(read.tls);
        assert_eq!((read.host.as_str(), read.port), ("sms.example.com", 443));
        assert_eq!(read.path, "/v1/messages");
        assert_eq!(target("http://127.0.0.1:9000").unwrap().port, 9000);
        assert!(target("ftp://x").is_err());
        assert!(target("http://user:pw@host/").is_err());
    }
}
