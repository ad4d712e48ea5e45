//! Property tests of the domain's invariants: money never overflows silently, ledger
//! balances are the sum of their entries, aging buckets tile the day line, promises and
//! arrangements move only as their states allow.

mod arrangement;
mod interest;
mod plan;

use domain::aging::AgingScheme;
use domain::ledger::{Buckets, Entry, Reason};
use domain::money::Amount;
use jiff::civil::date;
use proptest::prelude::*;

fn buckets(principal: i64, interest: i64, fees: i64) -> Buckets {
    Buckets {
        principal: Amount::from_minor(principal),
        interest: Amount::from_minor(interest),
        fees: Amount::from_minor(fees),
    }
}

/// Amounts mostly realistic, sometimes near the edges of i64.
fn any_minor() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => -10_000_000_00i64..10_000_000_00i64,
        1 => any::<i64>(),
        1 => prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(i64::MAX - 1), Just(i64::MIN + 1)],
    ]
}

proptest! {
    #[test]
    fn checked_add_is_exact_or_refuses(a in any_minor(), b in any_minor()) {
        let exact = i128::from(a) + i128::from(b);
        match Amount::from_minor(a).checked_add(Amount::from_minor(b)) {
            Some(sum) => prop_assert_eq!(i128::from(sum.minor()), exact),
            None => prop_assert!(exact > i128::from(i64::MAX) || exact < i128::from(i64::MIN)),
        }
    }

    #[test]
    fn checked_sub_and_neg_are_exact_or_refuse(a in any_minor(), b in any_minor()) {
        let exact = i128::from(a) - i128::from(b);
        match Amount::from_minor(a).checked_sub(Amount::from_minor(b)) {
            Some(difference) => prop_assert_eq!(i128::from(difference.minor()), exact),
            None => prop_assert!(exact > i128::from(i64::MAX) || exact < i128::from(i64::MIN)),
        }
        prop_assert_eq!(Amount::from_minor(a).checked_neg().is_none(), a == i64::MIN);
    }

    #[test]
    fn decimal_text_round_trips(minor in any::<i64>().prop_filter("MIN has no positive twin", |m| *m != i64::MIN), digits in 0u8..=3) {
        let amount = Amount::from_minor(minor);
        let text = amount.to_decimal_string(digits);
        // Values whose text needs more than i64 after scaling are refused, never wrapped.
        match Amount::parse_decimal(&text, digits) {
            Ok(parsed) => prop_assert_eq!(parsed, amount),
            Err(error) => prop_assert!(false, "{text} did not parse: {error}"),
        }
    }

    #[test]
    fn ledger_balance_is_the_sum_of_entries(
        movements in prop::collection::vec((any_minor(), any_minor(), any_minor()), 0..40)
    ) {
        let movements: Vec<Buckets> = movements.into_iter().map(|(p, i, f)| buckets(p, i, f)).collect();
        let mut exact = [0i128; 3];
        let mut overflowed = false;
        for movement in &movements {
            for (sum, amount) in exact.iter_mut().zip([movement.principal, movement.interest, movement.fees]) {
                *sum += i128::from(amount.minor());
                overflowed |= *sum > i128::from(i64::MAX) || *sum < i128::from(i64::MIN);
            }
        }
        match Buckets::of(&movements) {
            Some(balance) => {
                prop_assert!(!overflowed);
                prop_assert_eq!(i128::from(balance.principal.minor()), exact[0]);
                prop_assert_eq!(i128::from(balance.interest.minor()), exact[1]);
                prop_assert_eq!(i128::from(balance.fees.minor()), exact[2]);
            }
            None => prop_assert!(overflowed),
        }
    }

    #[test]
    fn an_entry_and_its_reversal_cancel(p in 0i64..1_000_000_00, i in 0i64..1_000_000, f in 0i64..100_000) {
        prop_assume!(p + i + f > 0);
        let payment = Entry::new(Reason::Payment, buckets(-p, -i, -f), date(2026, 5, 1)).unwrap();
        let placement = Entry::new(Reason::Placement, buckets(p, i, f), date(2026, 1, 1)).unwrap();
        let entries = [placement.amounts(), payment.amounts(), payment.reversal(date(2026, 5, 3)).amounts()];
        let balance = Buckets::of(&entries).unwrap();
        prop_assert_eq!(balance, placement.amounts());
        prop_assert_eq!(balance.total(), Some(placement.amount()));
    }

    #[test]
    fn aging_buckets_are_contiguous(
        mut bounds in prop::collection::btree_set(1u32..5_000, 1..12).prop_map(|set| set.into_iter().collect::<Vec<_>>()),
        probes in prop::collection::vec(0u32..6_000, 1..50)
    ) {
        bounds.sort_unstable();
        let scheme = AgingScheme::new(bounds.clone()).unwrap();
        let all = scheme.buckets();
        prop_assert_eq!(all.len(), bounds.len() + 2);
        prop_assert_eq!((all[0].min_days, all[0].max_days), (0, Some(0)));
        for pair in all.windows(2) {
            prop_assert_eq!(Some(pair[1].min_days - 1), pair[0].max_days);
        }
        prop_assert_eq!(all.last().unwrap().max_days, None);
        for days in probes {
            let containing: Vec<_> = all.iter().filter(|bucket| bucket.contains(days)).collect();
            prop_assert_eq!(containing.len(), 1);
            prop_assert_eq!(*containing[0], scheme.bucket_for(days));
        }
    }
}
