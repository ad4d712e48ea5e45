//! Promise, plan and settlement states: exactly the moves listed are allowed, final
//! states go nowhere, and the review only ever makes an allowed move (or none) — and
//! decides exactly as the store's string logic did before it moved here.

use domain::account::ArrangementKind;
use domain::arrangement::{ArrangementStatus, PromiseStatus};
use domain::money::Amount;
use domain::schedule::Standing;
use proptest::prelude::*;

/// Every move the store makes, and nothing else.
const ARRANGEMENT_MOVES: &[(&str, &str)] = &[
    ("pending_approval", "active"),
    ("pending_approval", "rejected"),
    ("pending_approval", "cancelled"),
    ("pending_approval", "superseded"),
    ("active", "completed"),
    ("active", "broken"),
    ("active", "cancelled"),
    ("active", "superseded"),
    ("completed", "active"),
    ("completed", "broken"),
];

const PROMISE_MOVES: &[(&str, &str)] = &[
    ("open", "kept"),
    ("open", "broken"),
    ("kept", "open"),
    ("kept", "broken"),
    ("open", "superseded"),
];

#[test]
fn the_codes_are_the_stored_ones() {
    let codes: Vec<&str> = ArrangementStatus::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(
        codes,
        [
            "active",
            "pending_approval",
            "completed",
            "broken",
            "rejected",
            "cancelled",
            "superseded"
        ]
    );
    let codes: Vec<&str> = PromiseStatus::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(codes, ["open", "kept", "broken", "superseded"]);
    for status in ArrangementStatus::ALL {
        assert_eq!(ArrangementStatus::parse(status.code()), Some(*status));
    }
    for status in PromiseStatus::ALL {
        assert_eq!(PromiseStatus::parse(status.code()), Some(*status));
    }
    assert_eq!(ArrangementStatus::parse("Active"), None);
    assert_eq!(PromiseStatus::parse("pending"), None);
}

#[test]
fn exactly_the_listed_arrangement_moves_are_allowed() {
    for from in ArrangementStatus::ALL {
        for to in ArrangementStatus::ALL {
            let listed = ARRANGEMENT_MOVES.contains(&(from.code(), to.code()));
            assert_eq!(from.can_become(*to), listed, "{from} → {to}");
        }
    }
}

#[test]
fn exactly_the_listed_promise_moves_are_allowed() {
    for from in PromiseStatus::ALL {
        for to in PromiseStatus::ALL {
            let listed = PROMISE_MOVES.contains(&(from.code(), to.code()));
            assert_eq!(from.can_become(*to), listed, "{from} → {to}");
        }
    }
}

#[test]
fn final_states_go_nowhere_and_the_others_somewhere() {
    for from in ArrangementStatus::ALL {
        let anywhere = ArrangementStatus::ALL.iter().any(|to| from.can_become(*to));
        assert_eq!(from.is_final(), !anywhere, "{from}");
        assert!(!from.can_become(*from), "{from} → itself is no move");
    }
    let finals: Vec<&str> = ArrangementStatus::ALL
        .iter()
        .filter(|status| status.is_final())
        .map(|status| status.code())
        .collect();
    assert_eq!(finals, ["broken", "rejected", "cancelled", "superseded"]);
    for from in PromiseStatus::ALL {
        let anywhere = PromiseStatus::ALL.iter().any(|to| from.can_become(*to));
        assert_eq!(from.is_final(), !anywhere, "{from}");
        assert!(!from.can_become(*from), "{from} → itself is no move");
    }
    assert!(PromiseStatus::Broken.is_final());
    assert!(PromiseStatus::Superseded.is_final());
}

#[test]
fn one_open_arrangement_counts_open_promises_and_running_plans() {
    let open: Vec<&str> = PromiseStatus::ALL
        .iter()
        .filter(|status| status.is_open())
        .map(|status| status.code())
        .collect();
    assert_eq!(open, ["open"]);
    let open: Vec<&str> = ArrangementStatus::ALL
        .iter()
        .filter(|status| status.is_open())
        .map(|status| status.code())
        .collect();
    assert_eq!(open, ["active", "pending_approval"]);
}

#[test]
fn ended_arrangements_show_their_unpaid_dues_as_cancelled() {
    use domain::arrangement::DuesCancelled;
    use domain::schedule::DueState;
    for status in [
        ArrangementStatus::Rejected,
        ArrangementStatus::Cancelled,
        ArrangementStatus::Superseded,
    ] {
        let cancelled = status.dues_cancelled().unwrap();
        assert_eq!(cancelled, DuesCancelled::Unpaid);
        assert!(cancelled.covers(DueState::Pending), "{status}");
        assert!(cancelled.covers(DueState::Missed), "{status}");
        assert!(!cancelled.covers(DueState::Paid), "{status}");
        assert!(!cancelled.covers(DueState::Partial), "{status}");
    }
    let broken = ArrangementStatus::Broken.dues_cancelled().unwrap();
    assert!(broken.covers(DueState::Pending));
    assert!(
        !broken.covers(DueState::Missed),
        "the misses that broke it stay"
    );
    for status in [
        ArrangementStatus::Active,
        ArrangementStatus::PendingApproval,
        ArrangementStatus::Completed,
    ] {
        assert_eq!(status.dues_cancelled(), None, "{status}");
    }
}

#[test]
fn starting_running_and_reviewed_states() {
    assert_eq!(ArrangementStatus::start(false), ArrangementStatus::Active);
    assert_eq!(
        ArrangementStatus::start(true),
        ArrangementStatus::PendingApproval
    );
    let running: Vec<&str> = ArrangementStatus::ALL
        .iter()
        .filter(|status| status.is_running())
        .map(|status| status.code())
        .collect();
    assert_eq!(running, ["active", "pending_approval"]);
    let reviewed: Vec<&str> = ArrangementStatus::ALL
        .iter()
        .filter(|status| status.is_reviewed())
        .map(|status| status.code())
        .collect();
    assert_eq!(reviewed, ["active", "completed"]);
    // Whatever runs can be cancelled and superseded.
    for status in ArrangementStatus::ALL.iter().filter(|s| s.is_running()) {
        assert!(status.can_become(ArrangementStatus::Cancelled));
        assert!(status.can_become(ArrangementStatus::Superseded));
    }
    let reviewed: Vec<&str> = PromiseStatus::ALL
        .iter()
        .filter(|status| status.is_reviewed())
        .map(|status| status.code())
        .collect();
    assert_eq!(reviewed, ["open", "kept"]);
}

fn standing(fully_paid: bool, misses: u32) -> Standing {
    Standing {
        fully_paid,
        misses,
        received: Amount::ZERO,
        owed: Amount::ZERO,
    }
}

#[test]
fn the_review_of_a_promise() {
    use PromiseStatus::*;
    for from in [Open, Kept] {
        assert_eq!(from.review(standing(false, 0)), Open);
        assert_eq!(from.review(standing(true, 0)), Kept);
        assert_eq!(from.review(standing(false, 1)), Broken);
        // Paid in full, but late: a promise is kept only in time.
        assert_eq!(from.review(standing(true, 1)), Broken);
    }
    assert_eq!(Broken.review(standing(true, 0)), Broken, "broken is final");
}

#[test]
fn the_review_of_a_plan_and_a_settlement() {
    use ArrangementKind::{Plan, Settlement};
    use ArrangementStatus::*;
    for from in [Active, Completed] {
        assert_eq!(from.review(Plan, standing(false, 1), 2), Active);
        assert_eq!(from.review(Plan, standing(false, 2), 2), Broken);
        assert_eq!(from.review(Plan, standing(false, 0), 2), Active);
        assert_eq!(from.review(Settlement, standing(false, 0), 2), Active);
        assert_eq!(from.review(Settlement, standing(false, 1), 2), Broken);
        // Fully paid completes, even with misses (paid late).
        assert_eq!(from.review(Plan, standing(true, 3), 2), Completed);
        assert_eq!(from.review(Settlement, standing(true, 1), 2), Completed);
    }
    for from in [PendingApproval, Broken, Rejected, Cancelled, Superseded] {
        for (fully_paid, misses) in [(false, 0), (true, 0), (false, 5), (true, 5)] {
            assert_eq!(
                from.review(Settlement, standing(fully_paid, misses), 2),
                from,
                "the review leaves {from} alone"
            );
        }
    }
    assert_eq!(Plan.misses_to_break(3), 3);
    assert_eq!(Settlement.misses_to_break(3), 1);
    assert_eq!(ArrangementKind::Promise.misses_to_break(3), 1);
}

/// The store's review before the states moved to `domain`, verbatim but for the types.
fn old_promise_review(standing: &Standing) -> &'static str {
    if standing.misses > 0 {
        "broken"
    } else if standing.fully_paid {
        "kept"
    } else {
        "open"
    }
}

fn old_arrangement_review(
    kind: &str,
    standing: &Standing,
    plan_misses_to_break: u32,
) -> &'static str {
    let broken = match kind {
        "plan" => standing.misses >= plan_misses_to_break,
        _ => standing.misses > 0,
    };
    if standing.fully_paid {
        "completed"
    } else if broken {
        "broken"
    } else {
        "active"
    }
}

fn any_standing() -> impl Strategy<Value = Standing> {
    (any::<bool>(), prop_oneof![4 => 0u32..6, 1 => any::<u32>()])
        .prop_map(|(fully_paid, misses)| standing(fully_paid, misses))
}

proptest! {
    #[test]
    fn the_review_of_an_arrangement_only_makes_allowed_moves(
        from in prop::sample::select(ArrangementStatus::ALL.to_vec()),
        kind in prop::sample::select(ArrangementKind::ALL.to_vec()),
        standing in any_standing(),
        plan_misses_to_break in prop_oneof![4 => 0u32..6, 1 => any::<u32>()],
    ) {
        let next = from.review(kind, standing, plan_misses_to_break);
        prop_assert!(next == from || from.can_become(next), "{} → {}", from, next);
        if from.is_reviewed() && kind != ArrangementKind::Promise {
            prop_assert_eq!(next.code(), old_arrangement_review(kind.code(), &standing, plan_misses_to_break));
        } else if !from.is_reviewed() {
            prop_assert_eq!(next, from);
        }
    }

    #[test]
    fn the_review_of_a_promise_only_makes_allowed_moves(
        from in prop::sample::select(PromiseStatus::ALL.to_vec()),
        standing in any_standing(),
    ) {
        let next = from.review(standing);
        prop_assert!(next == from || from.can_become(next), "{} → {}", from, next);
        if from.is_reviewed() {
            prop_assert_eq!(next.code(), old_promise_review(&standing));
        } else {
            prop_assert_eq!(next, from);
        }
    }
}
