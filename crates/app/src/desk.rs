//! The collector's desk: the right-party check before the debt is disclosed, the agent's
//! display name for the call script, the debtor's postal address, offers already within
//! the agent's authority and the creditor's policy, and the call's wrap-up ("Save and
//! next": the attempt, an optional callback, then the next account from the queue).

use crate::contact::Asked;
use crate::money::{PlanRequest, SettlementLine, check_settlement, quote_plan};
use crate::workspace::{AttemptInput, AttemptProblem, Attempted, CallbackProblem};
use crate::{App, Error, require};
use domain::money::{Amount, BasisPoints};
use domain::party::Role;
use domain::permission::{Permission, authority_rank};
use domain::plan::{Frequency, Sizing};
use domain::settlement::Authority;
use jiff::civil::{Date, DateTime};
use jiff::{Span, Timestamp};
use store::sessions::SessionUser;
use store::view::AccountView;
use store::workspace::{IdentityClaim, QueueCandidate, Verification};

/// A right-party check counts for the call in progress, until its wrap-up and never
/// longer than this.
pub const VERIFICATION_VALID_HOURS: i64 = 4;
/// Days from today an offer's first payment is suggested on.
pub const OFFER_DAYS_AHEAD: i64 = 7;
/// Plan lengths (monthly installments) suggested when the policy allows them.
pub const PLAN_OFFER_MONTHS: &[u32] = &[3, 6, 12];

/// A field of the right-party check to correct; `field()` is its form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyProblem {
    DateOfBirth,
    SsnLast4,
    PostalCode,
    /// Fewer than two fields asked.
    TooFew,
}

impl VerifyProblem {
    pub fn field(self) -> &'static str {
        match self {
            VerifyProblem::DateOfBirth => "verify_dob",
            VerifyProblem::SsnLast4 => "verify_ssn",
            VerifyProblem::PostalCode | VerifyProblem::TooFew => "verify_zip",
        }
    }
}

/// What the caller said, as typed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Claim<'a> {
    pub date_of_birth: &'a str,
    pub ssn_last4: &'a str,
    pub postal_code: &'a str,
}

fn digits(text: &str, count: usize) -> Option<Option<String>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(None);
    }
    (text.len() == count && text.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| Some(text.to_string()))
}

/// What a collector offers on an account, each checked as the forms check it: the
/// balance in full, monthly plans within the creditor's policy, and settlements — the
/// largest discount the user may grant, and the next tier up marked with who approves.
#[derive(Clone, Debug, Default)]
pub struct Offers {
    /// The balance in full: paid today, or promised on `due_on`.
    pub in_full: Option<Amount>,
    /// The day a promise, a plan's first installment or a settlement is suggested on.
    pub due_on: Option<Date>,
    /// Monthly plans without interest: (installments, the level installment).
    pub plans: Vec<(u32, Amount)>,
    /// Lump sums on `due_on`, smallest discount first.
    pub settlements: Vec<SettlementOffer>,
}

/// A settlement to offer: the lump sum, its discount, and who must approve it (`None`:
/// within the user's own authority).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementOffer {
    pub amount: Amount,
    pub discount: BasisPoints,
    pub approver: Option<Role>,
}

/// The roles whose settlement limit is the next tier up from `role`'s, in order.
const SETTLEMENT_TIERS: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Manager];

/// How a wrap-up went.
#[derive(Debug)]
pub enum WrappedUp {
    /// Saved; `next` is the next account when the agent asked for it (`None`: the
    /// queue has nothing that may be called now).
    Saved {
        next: Option<QueueCandidate>,
        asked_next: bool,
    },
    Refused(Box<Asked>),
    Invalid(Vec<AttemptProblem>),
    /// The callback cannot be scheduled: not in the debtor's future (nothing saved), or,
    /// for a time the agent chose, one the engine would not allow a call at (the attempt
    /// is saved; the callback is not).
    Callback(crate::queue::CallbackProblem),
}

/// The instant of a callback at `local` on the debtor's wall clock (their first
/// plausible zone, as `App::schedule_callback` reads it); `None` when that clock never
/// shows it.
pub fn callback_instant(view: &AccountView, local: DateTime) -> Option<Timestamp> {
    crate::contact::zones_now(&view.time_zones, view.state.as_deref(), None)
        .display()
        .to_timestamp(local)
        .ok()
}

impl App {
    /// Compares what the caller says with the identity on file and records the outcome
    /// per field (never the values typed, never the stored ones handed out).
    pub async fn verify_identity(
        &self,
        user: &SessionUser,
        view: &AccountView,
        claim: Claim<'_>,
    ) -> Result<Result<Verification, Vec<VerifyProblem>>, Error> {
        require(user, Permission::WorkAccounts)?;
        let mut problems = Vec::new();
        let dob = if claim.date_of_birth.trim().is_empty() {
            Some(None)
        } else {
            domain::date::parse_date(claim.date_of_birth.trim()).map(|date| Some(date.to_string()))
        };
        if dob.is_none() {
            problems.push(VerifyProblem::DateOfBirth);
        }
        let ssn = digits(claim.ssn_last4, 4);
        if ssn.is_none() {
            problems.push(VerifyProblem::SsnLast4);
        }
        let zip = digits(claim.postal_code, 5);
        if zip.is_none() {
            problems.push(VerifyProblem::PostalCode);
        }
        let (Some(dob), Some(ssn), Some(zip)) = (dob, ssn, zip) else {
            return Ok(Err(problems));
        };
        let asked = [&dob, &ssn, &zip].iter().filter(|f| f.is_some()).count();
        if asked < store::workspace::VERIFY_FIELDS_MIN {
            return Ok(Err(vec![VerifyProblem::TooFew]));
        }
        let claim = IdentityClaim {
            date_of_birth: dob.as_deref(),
            ssn_last4: ssn.as_deref(),
            postal_code: zip.as_deref(),
        };
        Ok(Ok(self
            .store
            .check_identity(
                user,
                &view.creditor,
                &view.account_ref,
                view.account_id,
                claim,
            )
            .await?))
    }

    /// The account's right-party check of the call in progress, if any: a check ends
    /// with the call's wrap-up (an attempt logged on any of the debtor's accounts after
    /// it), so the next call verifies again; none counts longer than
    /// `VERIFICATION_VALID_HOURS`.
    pub async fn last_verification(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Option<Verification>, Error> {
        require(user, Permission::ViewAccounts)?;
        let since = self
            .store
            .now()
            .checked_sub(Span::new().hours(VERIFICATION_VALID_HOURS))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(self.store.last_verification(view.account_id, since).await?)
    }

    /// The name the agent gives debtors (the user name until a display name is set).
    pub async fn display_name(&self, user: &SessionUser) -> Result<String, Error> {
        Ok(self
            .store
            .display_name(user.id)
            .await?
            .unwrap_or_else(|| user.username.clone()))
    }

    /// Names a user for debtors (the call script), as the operator (the command line,
    /// the demo); audited.
    pub async fn set_display_name(
        &self,
        actor: &store::Actor,
        username: &str,
        display_name: &str,
    ) -> Result<(), Error> {
        Ok(self
            .store
            .set_display_name(&actor.name, username, display_name)
            .await?)
    }

    /// The debtor's postal address as lines.
    pub async fn postal_address(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Vec<String>, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(self.store.postal_address(view.account_id).await?)
    }

    /// What the user may offer on `view` as a collector would: the balance in full, plans
    /// of `PLAN_OFFER_MONTHS` within the creditor's policy, the settlement at the largest
    /// discount the user's role may grant, and the next tier's (marked with its
    /// approver). Each passes the checks the forms apply, with the user's role.
    pub async fn offers(
        &self,
        user: &SessionUser,
        view: &AccountView,
        today: Date,
    ) -> Result<Offers, Error> {
        require(user, Permission::ViewAccounts)?;
        let balance = view.balance();
        if !balance.is_positive() || view.status != domain::account::Status::Active {
            return Ok(Offers::default());
        }
        let policy = self.policy_of(view).await?;
        let due_on = today
            .checked_add(Span::new().days(OFFER_DAYS_AHEAD))
            .unwrap_or(today);
        let no_interest = BasisPoints::new(0).expect("zero is a rate");
        let plans = PLAN_OFFER_MONTHS
            .iter()
            .filter_map(|months| {
                let request = PlanRequest {
                    frequency: Frequency::Monthly,
                    sizing: Sizing::Count(*months),
                    first_due: due_on,
                    down_payment: Amount::ZERO,
                    down_payment_on: None,
                    apr: no_interest,
                    replace: false,
                };
                let quoted = quote_plan(balance, &policy, today, &request).ok()?;
                let first = quoted.schedule.installments.first()?;
                quoted
                    .breaches
                    .is_empty()
                    .then_some((*months, first.amount))
            })
            .collect();
        // The user's own limit, then the next role's that is larger.
        let own = policy.max_discount_bps(user.role);
        let next = SETTLEMENT_TIERS
            .iter()
            .filter(|role| authority_rank(**role) > authority_rank(user.role))
            .filter_map(|role| policy.max_discount_bps(*role))
            .find(|bps| own.is_none_or(|own| bps.get() > own.get()));
        let settlements = [own, next]
            .into_iter()
            .flatten()
            .filter(|bps| bps.get() > 0)
            .filter_map(|bps| {
                let discount = balance.minor().checked_mul(i64::from(bps.get()))? / 10_000;
                let amount = Amount::from_minor(balance.minor() - discount);
                let line = SettlementLine {
                    row: 1,
                    due_on,
                    amount,
                };
                let checked = check_settlement(balance, &policy, user.role, today, &[line]).ok()?;
                let discount = match checked.authority {
                    Authority::Within { discount_bps }
                    | Authority::NeedsApproval { discount_bps, .. } => {
                        BasisPoints::new(discount_bps)?
                    }
                };
                Some(SettlementOffer {
                    amount,
                    discount,
                    approver: checked.authority.approver(),
                })
            })
            .collect();
        Ok(Offers {
            in_full: Some(balance),
            due_on: Some(due_on),
            plans,
            settlements,
        })
    }

    /// The call's wrap-up: the attempt (with its note), an optional callback at `callback`
    /// on the debtor's wall clock, then, when `next`, the next account from the queue (as
    /// "Next account" takes it). The callback time is checked before anything is saved.
    /// Who chose the callback's time: `requested_by_debtor` when the agent said, otherwise
    /// the disposition's answer (`requested_by_default`: "callback requested" is the
    /// debtor asking, which records their consent; any other the agent choosing).
    pub async fn wrap_up(
        &self,
        user: &SessionUser,
        view: &AccountView,
        attempt: &AttemptInput,
        callback: Option<DateTime>,
        requested_by_debtor: Option<bool>,
        next: bool,
    ) -> Result<WrappedUp, Error> {
        require(user, Permission::WorkAccounts)?;
        let requested = requested_by_debtor
            .unwrap_or_else(|| crate::queue::requested_by_default(Some(attempt.disposition)));
        if let Some(local) = callback {
            let Some(due_at) =
                callback_instant(view, local).filter(|due_at| *due_at > self.store.now())
            else {
                return Ok(WrappedUp::Callback(CallbackProblem::NotInFuture));
            };
            // A time the agent chose that the engine forbids already is refused before
            // the attempt is saved, so the agent corrects it and sends the call once.
            if !requested {
                let known = self.known(&view.creditor, &view.account_ref).await?;
                if let crate::contact::Callable::Refused(asked) = known.callable(self.rules, due_at)
                {
                    return Ok(WrappedUp::Callback(CallbackProblem::Refused(asked)));
                }
            }
        }
        match self.log_attempt(user, view, attempt).await? {
            Attempted::Logged(_) => {}
            Attempted::Refused(asked) => return Ok(WrappedUp::Refused(asked)),
            Attempted::Invalid(problems) => return Ok(WrappedUp::Invalid(problems)),
        }
        if let Some(local) = callback {
            // The attempt bumped the account's version: the callback goes on what it is now.
            let now = self
                .account(user, &view.creditor, &view.account_ref, view.as_of)
                .await?;
            if let Err(problem) = self
                .schedule_callback(user, &now, now.version, local, None, requested)
                .await?
            {
                return Ok(WrappedUp::Callback(problem));
            }
        }
        let next_account = if next {
            self.next_account(user).await?
        } else {
            None
        };
        Ok(WrappedUp::Saved {
            next: next_account,
            asked_next: next,
        })
    }
}
