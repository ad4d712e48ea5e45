//! What must hold after every step, checked against the database itself:
//!
//! 1. every account's balance as the store reports it, and as the work list filters,
//!    sorts and totals it (`accounts.balance_minor`), equals the sum of its ledger; a
//!    payment's entries add up to its amount, and a returned payment's entries are each
//!    reversed exactly once; a refund paid back no more than the credit balance, and a
//!    write-off took no bucket below zero, on the balance when each was posted;
//! 2. no plan or settlement active or waiting for approval on an account that is not
//!    active, and one open arrangement per account (at most one running — an active plan
//!    or settlement, or an open promise — and at most one waiting for approval); an account whose money moved in the
//!    step is not left active owing nothing (`moved_accounts_owe_or_leave_active`);
//! 3. no pending approval of an arrangement that is not waiting for approval (and every
//!    arrangement waiting has its pending approval);
//! 4. nothing beyond a role's authority without an approval: a settlement that started
//!    active was within its creator's authority (recomputed from the stored balance and
//!    dues); a plan that started active was within the creditor's policy (re-quoted from
//!    its terms, the quote matching the stored dues); an arrangement that needed an
//!    approval runs only once approved; every approval decided was decided by a role at
//!    or above the one required, who supervises and sees the creditor, and none approved
//!    by who asked for it; a settlement paid forgave no more than the discount agreed;
//!    refunds, adjustments and write-offs posted without an approval were by a role that
//!    may (a supervisor or above, or within the creditor's threshold — refunds always
//!    need one below supervisor); recalls were by a role that supervises;
//! 5. the audit chain verifies;
//! 6. every stored status is one the domain knows.

use crate::model::World;
use domain::account::Status;
use domain::arrangement::{ArrangementStatus, PromiseStatus};
use domain::creditor::CreditorPolicy;
use domain::money::Amount;
use domain::party::Role;
use domain::permission::{Permission, allows, authority_rank};
use domain::settlement::{Authority, SettlementOffer, SettlementPayment};
use sqlx::Row;
use std::collections::HashMap;
use store::sessions::SessionUser;

type Checked = Result<(), String>;

fn failed(what: impl std::fmt::Display) -> String {
    format!("invariant broken: {what}")
}

async fn rows(world: &World, sql: &str) -> Result<Vec<sqlx::any::AnyRow>, String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(world.store().pool())
        .await
        .map_err(|error| format!("reading the database ({sql}): {error:?}"))
}

/// Every check, in order; the first broken one is the answer.
pub async fn check(world: &World) -> Checked {
    let policies: HashMap<i64, CreditorPolicy> = world
        .store()
        .creditors()
        .await
        .map_err(|error| format!("creditors: {error:?}"))?
        .into_iter()
        .map(|creditor| (creditor.id, creditor.policy))
        .collect();
    let users: HashMap<i64, &SessionUser> =
        world.users.iter().map(|user| (user.id, user)).collect();
    let by_name: HashMap<&str, &SessionUser> = world
        .users
        .iter()
        .map(|user| (user.username.as_str(), user))
        .collect();
    statuses_are_known(world).await?;
    balances_are_their_ledgers(world).await?;
    payments_balance(world).await?;
    nothing_runs_on_an_inactive_account(world).await?;
    approvals_wait_only_with_their_arrangement(world).await?;
    arrangements_within_authority(world, &policies, &users).await?;
    approvals_by_those_who_may(world, &users).await?;
    money_changes_within_authority(world, &policies, &by_name).await?;
    money_changes_within_the_balance(world).await?;
    settlements_forgive_what_was_agreed(world).await?;
    let report = world
        .store()
        .verify_audit()
        .await
        .map_err(|error| format!("audit verify: {error:?}"))?;
    if let Some(broken) = report.broken {
        return Err(failed(format!("audit verify: {broken}")));
    }
    Ok(())
}

/// (6) Statuses of accounts, arrangements, promises and approvals.
async fn statuses_are_known(world: &World) -> Checked {
    for row in rows(world, "SELECT account_ref, status FROM accounts").await? {
        let status: String = row.get(1);
        if Status::parse(&status).is_none() {
            return Err(failed(format!(
                "account {} has status {status:?}",
                row.get::<String, _>(0)
            )));
        }
    }
    for row in rows(world, "SELECT id, status FROM arrangements").await? {
        let status: String = row.get(1);
        if ArrangementStatus::parse(&status).is_none() {
            return Err(failed(format!(
                "arrangement {} has status {status:?}",
                row.get::<i64, _>(0)
            )));
        }
    }
    for row in rows(world, "SELECT id, status FROM promises").await? {
        let status: String = row.get(1);
        if PromiseStatus::parse(&status).is_none() {
            return Err(failed(format!(
                "promise {} has status {status:?}",
                row.get::<i64, _>(0)
            )));
        }
    }
    for row in rows(world, "SELECT id, status FROM approvals").await? {
        let status: String = row.get(1);
        if !["pending", "approved", "rejected", "cancelled"].contains(&status.as_str()) {
            return Err(failed(format!(
                "approval {} has status {status:?}",
                row.get::<i64, _>(0)
            )));
        }
    }
    Ok(())
}

/// (1) The balance the store reports is the sum of the ledger.
async fn balances_are_their_ledgers(world: &World) -> Checked {
    let sql = "SELECT c.code, a.account_ref, \
               CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT), \
               a.balance_minor \
               FROM accounts a JOIN creditors c ON c.id = a.creditor_id \
               LEFT JOIN ledger_entries e ON e.account_id = a.id \
               GROUP BY c.code, a.account_ref, a.balance_minor ORDER BY c.code, a.account_ref";
    for row in rows(world, sql).await? {
        let (creditor, account_ref, summed, listed): (String, String, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if listed != summed {
            return Err(failed(format!(
                "{creditor}/{account_ref}: the work list's balance is {listed} but its ledger sums to {summed}"
            )));
        }
        let view = world
            .store()
            .account_view(&creditor, &account_ref, world.day)
            .await
            .map_err(|error| format!("account {account_ref}: {error:?}"))?
            .ok_or_else(|| format!("account {account_ref} is gone"))?;
        if view.balance().minor() != summed {
            return Err(failed(format!(
                "{creditor}/{account_ref} reports a balance of {} but its ledger sums to {summed}",
                view.balance().minor()
            )));
        }
    }
    Ok(())
}

/// (1) A payment's entries add up to it; a returned one's are each reversed once.
async fn payments_balance(world: &World) -> Checked {
    let sql = "SELECT p.payment_ref, p.amount_minor, \
               CAST(COALESCE(SUM(pe.amount_minor), 0) AS BIGINT), \
               CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
               FROM payments p LEFT JOIN payment_entries pe ON pe.payment_id = p.id \
               LEFT JOIN ledger_entries e ON e.id = pe.entry_id \
               GROUP BY p.id, p.payment_ref, p.amount_minor";
    for row in rows(world, sql).await? {
        let (reference, amount, shares, entries): (String, i64, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if shares != amount || entries != -amount {
            return Err(failed(format!(
                "payment {reference} of {amount}: its shares add up to {shares}, its ledger entries to {entries}"
            )));
        }
    }
    let sql = "SELECT p.payment_ref, pe.entry_id, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries r WHERE r.corrects_entry_id = pe.entry_id AND r.reason = 'reversal') \
               FROM payments p JOIN payment_entries pe ON pe.payment_id = p.id \
               WHERE p.returned_on IS NOT NULL";
    for row in rows(world, sql).await? {
        let reversals: i64 = row.get(2);
        if reversals != 1 {
            return Err(failed(format!(
                "returned payment {}: entry {} is reversed {reversals} times",
                row.get::<String, _>(0),
                row.get::<i64, _>(1)
            )));
        }
    }
    Ok(())
}

/// (2) Nothing runs or waits on an account that is not active; one active at most.
async fn nothing_runs_on_an_inactive_account(world: &World) -> Checked {
    let sql = "SELECT r.id, r.kind, r.status, a.account_ref, a.status FROM arrangements r \
               JOIN accounts a ON a.id = r.account_id \
               WHERE r.status IN ('active', 'pending_approval') AND a.status <> 'active'";
    if let Some(row) = rows(world, sql).await?.first() {
        return Err(failed(format!(
            "{} {} is {} on account {}, which is {}",
            row.get::<String, _>(1),
            row.get::<i64, _>(0),
            row.get::<String, _>(2),
            row.get::<String, _>(3),
            row.get::<String, _>(4)
        )));
    }
    // One open arrangement per account: at most one running (an active plan or
    // settlement, or an open promise) and at most one waiting for approval (a
    // replacement of the running one, which it supersedes when approved).
    let sql = "SELECT account_id, CAST(COUNT(*) AS BIGINT) FROM \
               (SELECT account_id FROM arrangements WHERE status = 'active' \
                UNION ALL SELECT account_id FROM promises WHERE status = 'open') running \
               GROUP BY account_id HAVING COUNT(*) > 1";
    if let Some(row) = rows(world, sql).await?.first() {
        return Err(failed(format!(
            "account {} has {} running arrangements (active plans or settlements, open promises)",
            row.get::<i64, _>(0),
            row.get::<i64, _>(1)
        )));
    }
    let sql = "SELECT account_id, CAST(COUNT(*) AS BIGINT) FROM arrangements WHERE status = 'pending_approval' \
               GROUP BY account_id HAVING COUNT(*) > 1";
    if let Some(row) = rows(world, sql).await?.first() {
        return Err(failed(format!(
            "account {} has {} arrangements waiting for approval",
            row.get::<i64, _>(0),
            row.get::<i64, _>(1)
        )));
    }
    Ok(())
}

/// (3) A pending approval's arrangement waits for it, and a waiting one has one.
async fn approvals_wait_only_with_their_arrangement(world: &World) -> Checked {
    let sql = "SELECT p.id, r.id, r.status FROM approvals p JOIN arrangements r ON r.id = p.arrangement_id \
               WHERE p.status = 'pending' AND r.status <> 'pending_approval'";
    if let Some(row) = rows(world, sql).await?.first() {
        return Err(failed(format!(
            "approval {} is pending but its arrangement {} is {}",
            row.get::<i64, _>(0),
            row.get::<i64, _>(1),
            row.get::<String, _>(2)
        )));
    }
    let sql = "SELECT r.id, (SELECT CAST(COUNT(*) AS BIGINT) FROM approvals p WHERE p.arrangement_id = r.id AND p.status = 'pending') \
               FROM arrangements r WHERE r.status = 'pending_approval'";
    for row in rows(world, sql).await? {
        let pending: i64 = row.get(1);
        if pending != 1 {
            return Err(failed(format!(
                "arrangement {} waits for approval with {pending} pending approvals",
                row.get::<i64, _>(0)
            )));
        }
    }
    Ok(())
}

/// (4) Plans and settlements: what started active was within authority and policy;
/// what needed an approval runs only once approved.
async fn arrangements_within_authority(
    world: &World,
    policies: &HashMap<i64, CreditorPolicy>,
    users: &HashMap<i64, &SessionUser>,
) -> Checked {
    let sql = "SELECT r.id, r.kind, r.status, r.balance_minor, r.total_minor, r.created_by, r.created_at_us, a.creditor_id, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM approvals p WHERE p.arrangement_id = r.id), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM approvals p WHERE p.arrangement_id = r.id AND p.status = 'approved'), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM approvals p WHERE p.arrangement_id = r.id AND p.status = 'rejected') \
               FROM arrangements r JOIN accounts a ON a.id = r.account_id ORDER BY r.id";
    for row in rows(world, sql).await? {
        let id: i64 = row.get(0);
        let kind: String = row.get(1);
        let status: String = row.get(2);
        let balance = Amount::from_minor(row.get(3));
        let total: i64 = row.get(4);
        let created_by: Option<i64> = row.get(5);
        let created_at_us: i64 = row.get(6);
        let creditor_id: i64 = row.get(7);
        let (approvals, approved, rejected): (i64, i64, i64) =
            (row.get(8), row.get(9), row.get(10));
        let policy = &policies[&creditor_id];
        let dues = rows(
            world,
            &format!(
                "SELECT due_on, amount_minor, principal_minor, interest_minor FROM arrangement_dues WHERE arrangement_id = {id} ORDER BY seq"
            ),
        )
        .await?;
        let dues: Vec<(String, i64, i64, i64)> = dues
            .iter()
            .map(|due| (due.get(0), due.get(1), due.get(2), due.get(3)))
            .collect();
        if dues.iter().map(|due| due.1).sum::<i64>() != total {
            return Err(failed(format!(
                "{kind} {id}: its dues do not add up to its total {total}"
            )));
        }
        let creator = created_by
            .and_then(|user| users.get(&user))
            .ok_or_else(|| failed(format!("{kind} {id} was created by no known user")))?;
        let started = ArrangementStatus::parse(&status).unwrap();
        let needed_approval = approvals > 0;
        if needed_approval {
            // It ran only if approved; rejected only if its approval was.
            let ran = matches!(
                started,
                ArrangementStatus::Active
                    | ArrangementStatus::Completed
                    | ArrangementStatus::Broken
            );
            if approvals != 1
                || (ran && approved != 1)
                || ((started == ArrangementStatus::Rejected) != (rejected == 1))
            {
                return Err(failed(format!(
                    "{kind} {id} is {status} with {approvals} approvals ({approved} approved, {rejected} rejected)"
                )));
            }
            continue;
        }
        if started == ArrangementStatus::PendingApproval || started == ArrangementStatus::Rejected {
            return Err(failed(format!("{kind} {id} is {status} with no approval")));
        }
        match kind.as_str() {
            "settlement" => {
                let payments: Vec<SettlementPayment> = dues
                    .iter()
                    .map(|(due_on, amount, _, _)| SettlementPayment {
                        due_on: due_on.parse().unwrap(),
                        amount: Amount::from_minor(*amount),
                    })
                    .collect();
                let offer = SettlementOffer::new(balance, payments).map_err(|error| {
                    failed(format!("settlement {id} is not a valid offer: {error}"))
                })?;
                let authority = offer.authority(creator.role, policy);
                if !matches!(authority, Authority::Within { .. }) {
                    return Err(failed(format!(
                        "settlement {id} by {} ({}) started without approval: {}",
                        creator.username,
                        creator.role,
                        authority.message()
                    )));
                }
            }
            "plan" => {
                let terms = world.plans.get(&id).ok_or_else(|| {
                    failed(format!("plan {id} was not agreed through the use case"))
                })?;
                if terms.balance != balance {
                    return Err(failed(format!(
                        "plan {id} was quoted on {} but stored on {}",
                        terms.balance.minor(),
                        balance.minor()
                    )));
                }
                let schedule = terms
                    .quote()
                    .map_err(|error| failed(format!("plan {id} cannot be quoted: {error:?}")))?;
                let quoted: Vec<(String, i64, i64, i64)> = schedule
                    .installments
                    .iter()
                    .map(|due| {
                        (
                            due.due_on.to_string(),
                            due.amount.minor(),
                            due.principal.minor(),
                            due.interest.minor(),
                        )
                    })
                    .collect();
                if quoted != dues {
                    return Err(failed(format!(
                        "plan {id}'s stored dues {dues:?} are not its quote {quoted:?}"
                    )));
                }
                let agreed_on = world
                    .store()
                    .business_zone()
                    .to_datetime(jiff::Timestamp::from_microsecond(created_at_us).unwrap())
                    .date();
                let breaches = domain::plan::check_policy(&schedule, agreed_on, policy);
                if !breaches.is_empty() {
                    return Err(failed(format!(
                        "plan {id} by {} started without approval outside policy: {breaches:?}",
                        creator.username
                    )));
                }
            }
            other => return Err(failed(format!("arrangement {id} of kind {other:?}"))),
        }
    }
    Ok(())
}

/// (4) Every approval granted was granted by someone who may.
async fn approvals_by_those_who_may(world: &World, users: &HashMap<i64, &SessionUser>) -> Checked {
    let sql = "SELECT p.id, p.kind, p.required_role, p.decided_by, a.creditor_id \
               FROM approvals p JOIN accounts a ON a.id = p.account_id WHERE p.status IN ('approved', 'rejected') ORDER BY p.id";
    for row in rows(world, sql).await? {
        let id: i64 = row.get(0);
        let kind: String = row.get(1);
        let required: String = row.get(2);
        let decided_by: Option<i64> = row.get(3);
        let creditor_id: i64 = row.get(4);
        let required = Role::parse(&required)
            .ok_or_else(|| failed(format!("approval {id} requires role {required:?}")))?;
        let decider = decided_by
            .and_then(|user| users.get(&user))
            .ok_or_else(|| failed(format!("approval {id} was decided by no known user")))?;
        if authority_rank(decider.role) < authority_rank(required)
            || !allows(decider.role, Permission::Supervise)
            || !decider.may_see_creditor(creditor_id)
        {
            return Err(failed(format!(
                "{kind} approval {id} (needs a {required}) was decided by {} ({})",
                decider.username, decider.role
            )));
        }
    }
    let sql =
        "SELECT id, kind FROM approvals WHERE status = 'approved' AND requested_by = decided_by";
    if let Some(row) = rows(world, sql).await?.first() {
        return Err(failed(format!(
            "{} approval {} was approved by the person who asked for it",
            row.get::<String, _>(1),
            row.get::<i64, _>(0)
        )));
    }
    Ok(())
}

/// (1) The store's rules for money changes, on the balance when each was posted: a
/// refund pays back no more than the credit balance, and a write-off takes no bucket
/// below zero (that would make a credit).
async fn money_changes_within_the_balance(world: &World) -> Checked {
    let sql = "SELECT e.id, e.reason, a.account_ref, e.principal_minor, e.interest_minor, e.fees_minor, \
               CAST(COALESCE(SUM(b.principal_minor), 0) AS BIGINT), CAST(COALESCE(SUM(b.interest_minor), 0) AS BIGINT), \
               CAST(COALESCE(SUM(b.fees_minor), 0) AS BIGINT) \
               FROM ledger_entries e JOIN accounts a ON a.id = e.account_id \
               LEFT JOIN ledger_entries b ON b.account_id = e.account_id AND b.seq < e.seq \
               WHERE e.reason IN ('refund', 'write_off') \
               GROUP BY e.id, e.reason, a.account_ref, e.principal_minor, e.interest_minor, e.fees_minor ORDER BY e.id";
    for row in rows(world, sql).await? {
        let id: i64 = row.get(0);
        let reason: String = row.get(1);
        let account_ref: String = row.get(2);
        let moved: [i64; 3] = [row.get(3), row.get(4), row.get(5)];
        let before: [i64; 3] = [row.get(6), row.get(7), row.get(8)];
        if reason == "refund" {
            let credit = -before.iter().sum::<i64>();
            let refund = moved.iter().sum::<i64>();
            if refund > credit {
                return Err(failed(format!(
                    "refund entry {id} on {account_ref} pays back {refund} of a credit of {credit}"
                )));
            }
        } else {
            for bucket in 0..3 {
                if moved[bucket] != 0 && before[bucket] + moved[bucket] < 0 {
                    return Err(failed(format!(
                        "write-off entry {id} on {account_ref} takes a bucket from {} to {}: a credit",
                        before[bucket],
                        before[bucket] + moved[bucket]
                    )));
                }
            }
        }
    }
    Ok(())
}

/// (4) A settlement paid forgives no more than the discount agreed (and authorised):
/// its balance when agreed less its total — also when debt appeared after it was agreed
/// (a payment made before it returned, a returned-payment fee, a positive adjustment).
async fn settlements_forgive_what_was_agreed(world: &World) -> Checked {
    let sql = "SELECT e.id, e.principal_minor + e.interest_minor + e.fees_minor, v.action, v.after_json \
               FROM ledger_entries e JOIN audit_events v ON v.seq = e.audit_seq \
               WHERE e.reason = 'settlement_discount' ORDER BY e.id";
    for row in rows(world, sql).await? {
        let id: i64 = row.get(0);
        let forgiven = -row.get::<i64, _>(1);
        let action: String = row.get(2);
        let after: serde_json::Value =
            serde_json::from_str(&row.get::<Option<String>, _>(3).unwrap_or_default())
                .unwrap_or_default();
        let settlement = after["settlement"]
            .as_i64()
            .filter(|_| action == "settlement.completed");
        let Some(settlement) = settlement else {
            return Err(failed(format!(
                "settlement discount entry {id} was written by {action}"
            )));
        };
        let agreed = rows(
            world,
            &format!(
                "SELECT balance_minor - total_minor FROM arrangements WHERE id = {settlement}"
            ),
        )
        .await?
        .first()
        .map(|row| row.get::<i64, _>(0))
        .ok_or_else(|| failed(format!("discount entry {id}: no settlement {settlement}")))?;
        if forgiven > agreed {
            return Err(failed(format!(
                "settlement {settlement} forgave {forgiven} (entry {id}); the discount agreed was {agreed}"
            )));
        }
    }
    Ok(())
}

/// (4) Refunds, adjustments and write-offs posted without an approval were within the
/// poster's authority; recalls were by a role that supervises.
async fn money_changes_within_authority(
    world: &World,
    policies: &HashMap<i64, CreditorPolicy>,
    users: &HashMap<&str, &SessionUser>,
) -> Checked {
    let sql = "SELECT e.id, e.reason, e.principal_minor, e.interest_minor, e.fees_minor, v.action, v.actor, v.after_json, a.creditor_id \
               FROM ledger_entries e JOIN audit_events v ON v.seq = e.audit_seq JOIN accounts a ON a.id = e.account_id \
               WHERE e.reason IN ('refund', 'adjustment', 'write_off', 'recall') ORDER BY e.id";
    for row in rows(world, sql).await? {
        let id: i64 = row.get(0);
        let reason: String = row.get(1);
        let size =
            row.get::<i64, _>(2).abs() + row.get::<i64, _>(3).abs() + row.get::<i64, _>(4).abs();
        let action: String = row.get(5);
        let actor: String = row.get(6);
        let after: Option<String> = row.get(7);
        let creditor_id: i64 = row.get(8);
        let user = users.get(actor.as_str()).ok_or_else(|| {
            failed(format!(
                "{reason} entry {id} was made by {actor:?}, no user"
            ))
        })?;
        if reason == "recall" {
            if action != "account.recall" || !allows(user.role, Permission::Supervise) {
                return Err(failed(format!(
                    "recall entry {id} made by {actor} ({}) through {action}",
                    user.role
                )));
            }
            continue;
        }
        if action == format!("{reason}.post") {
            let threshold = policies[&creditor_id].approval_threshold.minor();
            let may = authority_rank(user.role) >= 1 || (reason != "refund" && size <= threshold);
            if !may || !allows(user.role, Permission::PostMoney) {
                return Err(failed(format!(
                    "{reason} entry {id} of {size} posted without approval by {actor} ({}); the threshold is {threshold}",
                    user.role
                )));
            }
        } else if action == "approval.approved" {
            let after: serde_json::Value =
                serde_json::from_str(after.as_deref().unwrap_or("null")).unwrap_or_default();
            let approval = after["approval"].as_i64().ok_or_else(|| {
                failed(format!(
                    "{reason} entry {id}: the approval event names no approval"
                ))
            })?;
            let found = rows(
                world,
                &format!("SELECT kind, status FROM approvals WHERE id = {approval}"),
            )
            .await?;
            let matches = found.first().is_some_and(|row| {
                row.get::<String, _>(0) == reason && row.get::<String, _>(1) == "approved"
            });
            if !matches {
                return Err(failed(format!(
                    "{reason} entry {id} posted by approval {approval}, which is not an approved {reason}"
                )));
            }
        } else {
            return Err(failed(format!("{reason} entry {id} was made by {action}")));
        }
    }
    Ok(())
}

/// Each account's number of ledger entries, to tell which accounts a step moved money on.
pub async fn entry_counts(world: &World) -> Result<HashMap<i64, i64>, String> {
    let sql = "SELECT a.id, CAST(COUNT(e.id) AS BIGINT) FROM accounts a \
               LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id";
    Ok(rows(world, sql)
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect())
}

/// (2) An account whose money moved in a step is not left active owing nothing: the
/// posting's rule (an active account that owes nothing is paid) holds for every way
/// money moves. (An operator may still set such an account active by hand.)
pub async fn moved_accounts_owe_or_leave_active(
    world: &World,
    before: &HashMap<i64, i64>,
) -> Checked {
    let sql = "SELECT a.id, a.account_ref, a.status, CAST(COUNT(e.id) AS BIGINT), \
               CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
               FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id \
               GROUP BY a.id, a.account_ref, a.status";
    for row in rows(world, sql).await? {
        let (id, account_ref, status, entries, balance): (i64, String, String, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        if before.get(&id) != Some(&entries) && status == "active" && balance <= 0 {
            return Err(failed(format!(
                "account {account_ref} was left active owing nothing (balance {balance}) by a step that moved its money"
            )));
        }
    }
    Ok(())
}
