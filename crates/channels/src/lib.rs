//! Channels: how Arrears speaks to the outside world: email over SMTP (`email`), text
//! messages through a provider or a folder (`sms`) and the print vendor's files
//! (`print`). Documents (PDF) are written by the `pdf` crate.
//!
//! **Invariant:** `print` does no IO (it returns bytes; callers decide where they go);
//! `email` and `sms` are transports: they send what they are given, decide nothing about
//! whether to send, and report failures as permanent or worth a retry.

pub mod email;
pub mod print;
pub mod sms;

/// Why a message was not handed over.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Retrying will not help (a refused recipient, a 4xx from the provider).
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError {
            permanent: false,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            permanent: true,
            message: message.into(),
        }
    }
}
