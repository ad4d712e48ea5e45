//! Champion/challenger assignment: a stable hash splits accounts by the shares.

use crate::parse_ok;
use strategy::{Strategy, assignment_bucket};

fn with_shares(name: &str, champion: u32, challengers: &[(&str, u32)]) -> Strategy {
    let mut text = format!(
        "format = 1\nname = \"{name}\"\nchampion_share_percent = {champion}\n\n\
         [[segment]]\nname = \"all\"\n"
    );
    for (arm, share) in challengers {
        text.push_str(&format!(
            "\n[[challenger]]\nname = \"{arm}\"\nshare_percent = {share}\n"
        ));
    }
    parse_ok(&text)
}

fn key(index: u32) -> String {
    format!("NBANK/{index:08}")
}

#[test]
fn the_split_follows_the_shares() {
    let strategy = with_shares("split", 70, &[("b", 20), ("c", 10)]);
    let accounts = 100_000;
    let mut counts = [0u32; 3];
    for index in 0..accounts {
        let arm = strategy.arm_for(&key(index));
        let position = strategy
            .arms()
            .iter()
            .position(|each| each.name == arm.name)
            .unwrap();
        counts[position] += 1;
    }
    for (count, share) in counts.iter().zip([70.0, 20.0, 10.0]) {
        let percent = f64::from(*count) * 100.0 / f64::from(accounts);
        // Tighter than ±2 points: a fair hash is within 0.5 point (over 3 standard
        // deviations for every arm at this size).
        assert!((percent - share).abs() < 0.5, "{counts:?}");
    }
}

#[test]
fn the_bucket_is_sha256_of_name_and_key() {
    // Computed independently: int.from_bytes(sha256(b"default\0ACC-1")[:8], "big") % 10000.
    assert_eq!(assignment_bucket("default", "ACC-1"), 7305);
    assert_eq!(assignment_bucket("default", "NBANK/4417-0001"), 6912);
    assert_eq!(assignment_bucket("spring-test", "ACC-1"), 8666);
}

#[test]
fn an_account_gets_the_same_arm_every_time() {
    let first = with_shares("stable", 50, &[("b", 50)]);
    let again = with_shares("stable", 50, &[("b", 50)]);
    for index in 0..1_000 {
        assert_eq!(
            first.arm_for(&key(index)).name,
            again.arm_for(&key(index)).name
        );
    }
}

#[test]
fn growing_the_champion_only_moves_accounts_into_it() {
    // New accounts follow the new split; recorded ones keep their arm (the store's
    // rule). The hash alone already moves as few as it can: 50/50 → 60/40 moves a
    // tenth of accounts, all from the challenger to the champion.
    let before = with_shares("grow", 50, &[("b", 50)]);
    let after = with_shares("grow", 60, &[("b", 40)]);
    let mut moved = 0;
    for index in 0..20_000 {
        let (was, is) = (
            &before.arm_for(&key(index)).name,
            &after.arm_for(&key(index)).name,
        );
        if was != is {
            assert_eq!((was.as_str(), is.as_str()), ("b", "champion"));
            moved += 1;
        }
    }
    assert!((1_800..2_200).contains(&moved), "{moved}");
}

#[test]
fn a_renamed_strategy_reshuffles() {
    let one = with_shares("one", 50, &[("b", 50)]);
    let two = with_shares("two", 50, &[("b", 50)]);
    let differ = (0..1_000)
        .filter(|index| one.arm_for(&key(*index)).name != two.arm_for(&key(*index)).name)
        .count();
    assert!((400..600).contains(&differ), "{differ}");
}
