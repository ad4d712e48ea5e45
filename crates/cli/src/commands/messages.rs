//! `arrears email …` and `arrears outbox …`: sending through the outbox, delivering it,
//! E-SIGN consents, bounces and inbound replies (docs/messages.md).

use crate::InputError;
use crate::context::{self, Globals};
use anyhow::{Result, anyhow};
use app::contact::AskedBy;
use app::messages::{Channel, MessageError, Send, Sent};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum EmailCommand {
    /// Ask compliance and queue one email about an account (delivered by the outbox).
    Send {
        #[arg(long)]
        creditor: String,
        #[arg(long)]
        account: String,
        /// payment_reminder, promise_confirmation, plan_confirmation or validation_notice.
        #[arg(long)]
        template: String,
    },
    /// Record the consumer's E-SIGN consent to notices at one of their addresses.
    Consent {
        #[arg(long)]
        creditor: String,
        #[arg(long)]
        account: String,
        #[arg(long)]
        address: String,
    },
    /// Read RFC 3464 delivery-status reports and mark hard-bounced addresses bad.
    Bounces { file: PathBuf },
    /// Read an RFC 5322 email reply and record it as a query on the sender's account.
    Inbound { file: PathBuf },
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// One delivery round: send what is due, then print the outbox's counts.
    Deliver,
}

#[derive(Subcommand)]
pub enum SmsCommand {
    /// Ask compliance and queue one text about an account.
    Send {
        #[arg(long)]
        creditor: String,
        #[arg(long)]
        account: String,
        /// payment_reminder.
        #[arg(long)]
        template: String,
    },
}

fn input(message: String) -> anyhow::Error {
    anyhow!(InputError(message))
}

async fn send(
    globals: &Globals,
    channel: Channel,
    creditor: &str,
    account: &str,
    template: &str,
) -> Result<ExitCode> {
    let app = globals.open().await?;
    let sent = app
        .send_message(
            &globals.actor(),
            None,
            AskedBy::Cli,
            &Send {
                creditor,
                account_ref: account,
                channel,
                template,
                idempotency_key: None,
                point: None,
            },
        )
        .await;
    app.close().await;
    match sent {
        Ok(Sent::Queued { id, already }) => {
            if already {
                println!("already queued as message {id}: nothing new");
            } else {
                println!("queued as message {id} ({channel} {template} to {creditor}/{account})");
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Sent::Refused {
            rules,
            next_allowed_at,
        }) => {
            println!("refused by the compliance check (decision logged, nothing queued):");
            for rule in rules {
                println!("  {} ({}): {}", rule.rule, rule.citation, rule.message);
            }
            if let Some(next) = next_allowed_at {
                println!("next allowed at {next}");
            }
            Ok(ExitCode::from(1))
        }
        Err(MessageError::App(app::Error::Store(app::model::StoreError::NotFound(message)))) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(3))
        }
        Err(MessageError::App(error)) => Err(error.into()),
        Err(error) => Err(input(format!("error: {error}"))),
    }
}

pub async fn email(globals: &Globals, command: EmailCommand) -> Result<ExitCode> {
    match command {
        EmailCommand::Send {
            creditor,
            account,
            template,
        } => send(globals, Channel::Email, &creditor, &account, &template).await,
        EmailCommand::Consent {
            creditor,
            account,
            address,
        } => {
            let app = globals.open().await?;
            let recorded = app
                .record_esign_consent(&globals.actor(), &creditor, &account, &address)
                .await;
            app.close().await;
            if recorded? {
                println!("E-SIGN consent recorded for {address}");
            } else {
                println!("E-SIGN consent for {address} was on file already: nothing new");
            }
            Ok(ExitCode::SUCCESS)
        }
        EmailCommand::Bounces { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|error| input(format!("{}: {error}", file.display())))?;
            let name = file.display().to_string();
            let app = globals.open().await?;
            let outcome = app.record_bounces(&globals.actor(), &name, &bytes).await;
            app.close().await;
            let outcome = outcome.map_err(|error| match error {
                app::messages::inbound::InboundError::File(problem) => input(problem),
                app::messages::inbound::InboundError::App(error) => error.into(),
            })?;
            for address in &outcome.bounced {
                println!("hard bounce: {address}");
            }
            println!(
                "{} hard-bounced addresses, {} contact points marked bad",
                outcome.bounced.len(),
                outcome.marked
            );
            Ok(ExitCode::SUCCESS)
        }
        EmailCommand::Inbound { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|error| input(format!("{}: {error}", file.display())))?;
            let name = file.display().to_string();
            let app = globals.open().await?;
            let outcome = app.email_inbound(&name, &bytes).await;
            app.close().await;
            let outcome = outcome.map_err(|error| match error {
                app::messages::inbound::InboundError::File(problem) => input(problem),
                app::messages::inbound::InboundError::App(error) => error.into(),
            })?;
            println!("{outcome}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn sms(globals: &Globals, command: SmsCommand) -> Result<ExitCode> {
    match command {
        SmsCommand::Send {
            creditor,
            account,
            template,
        } => send(globals, Channel::Sms, &creditor, &account, &template).await,
    }
}

pub async fn outbox(globals: &Globals, command: OutboxCommand) -> Result<ExitCode> {
    match command {
        OutboxCommand::Deliver => {
            let transports = context::transports()?;
            let app = globals.open().await?;
            let delivered = app.deliver_due(&transports).await;
            let counts = app.outbox_counts().await;
            app.close().await;
            let delivered = delivered?;
            println!(
                "sent {}, retrying {}, given up {}",
                delivered.sent, delivered.retrying, delivered.failed
            );
            for (state, count) in counts? {
                println!("{state:>8} {count}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
