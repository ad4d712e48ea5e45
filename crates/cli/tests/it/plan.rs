//! `arrears plan quote` driven as a user would.

use super::Env;
use serde_json::Value;

/// The database flag is global; a quote never opens it.
const NO_DB: &str = "sqlite://unused.db";

fn cents(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').expect("two decimals");
    assert_eq!(fraction.len(), 2, "{text}");
    whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

fn quote_json(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec![
        "plan",
        "quote",
        "--balance",
        "1500.00",
        "--currency",
        "USD",
        "--apr-bps",
        "800",
        "--frequency",
        "weekly",
        "--first-due",
        "2027-01-01",
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&env.ok(NO_DB, &args)).unwrap()
}

#[test]
fn the_contract_command() {
    let env = Env::new();
    let quote = quote_json(&env, &["--installments", "12"]);
    let object = quote.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["installments", "total", "total_interest"]);
    let installments = quote["installments"].as_array().unwrap();
    assert_eq!(installments.len(), 12);
    let mut sums = [0i64; 3];
    for item in installments {
        let mut keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["amount", "due_on", "interest", "principal"]);
        for (sum, key) in sums.iter_mut().zip(["amount", "principal", "interest"]) {
            // Decimal strings, never JSON numbers.
            *sum += cents(item[key].as_str().unwrap());
        }
        let parts =
            cents(item["principal"].as_str().unwrap()) + cents(item["interest"].as_str().unwrap());
        assert_eq!(parts, cents(item["amount"].as_str().unwrap()));
    }
    assert_eq!(sums[0], cents(quote["total"].as_str().unwrap()));
    assert_eq!(sums[1], 1500_00);
    assert_eq!(sums[2], cents(quote["total_interest"].as_str().unwrap()));
    // P = 1500 r / (1 − (1 + r)^−12), r = 0.08/52: 126.2535… → 126.25; the first week's
    // interest 1500 × 0.0015385 = 2.31; the last installment absorbs 4 cents.
    assert_eq!(installments[0]["due_on"], "2027-01-01");
    assert_eq!(installments[0]["amount"], "126.25");
    assert_eq!(installments[0]["interest"], "2.31");
    assert_eq!(installments[0]["principal"], "123.94");
    assert_eq!(installments[11]["due_on"], "2027-03-19");
    assert_eq!(installments[11]["amount"], "126.29");
    assert_eq!(quote["total"], "1515.04");
    assert_eq!(quote["total_interest"], "15.04");
}

#[test]
fn fixed_amount_and_down_payment() {
    let env = Env::new();
    let quote = quote_json(&env, &["--installment-amount", "400.00"]);
    let amounts: Vec<&str> = quote["installments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts.len(), 4);
    assert_eq!(&amounts[..3], ["400.00", "400.00", "400.00"]);
    assert!(cents(amounts[3]) < 400_00);

    let quote = quote_json(&env, &["--installments", "4", "--down-payment", "300.00"]);
    let installments = quote["installments"].as_array().unwrap();
    assert_eq!(installments.len(), 5);
    assert_eq!(installments[0]["amount"], "300.00");
    assert_eq!(installments[0]["principal"], "300.00");
    assert_eq!(installments[0]["interest"], "0.00");
    assert_eq!(installments[0]["due_on"], "2027-01-01");
    assert_eq!(installments[1]["due_on"], "2027-01-08");
    // The rest, 1200.00, is amortized: the first week's interest is 1200 × 0.08/52 = 1.85.
    assert_eq!(installments[1]["interest"], "1.85");
}

#[test]
fn readable_table_without_json() {
    let env = Env::new();
    let text = env.ok(
        NO_DB,
        &[
            "plan",
            "quote",
            "--balance",
            "1000.00",
            "--currency",
            "USD",
            "--apr-bps",
            "1200",
            "--installments",
            "12",
            "--frequency",
            "monthly",
            "--first-due",
            "2027-01-31",
        ],
    );
    assert!(
        text.starts_with("1000.00 USD at 12.00 % APR: 12 monthly installments of 88.85\n"),
        "{text}"
    );
    assert!(text.contains("2027-02-28"), "{text}");
    assert!(text.lines().last().unwrap().contains("1066.19"), "{text}");
}

#[test]
fn bad_input_names_the_field() {
    let env = Env::new();
    let base = [
        "plan",
        "quote",
        "--currency",
        "USD",
        "--apr-bps",
        "800",
        "--frequency",
        "weekly",
        "--first-due",
        "2027-01-01",
        "--json",
    ];
    let refused = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let output = env.arrears(NO_DB, &args);
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(output.stdout.is_empty());
        String::from_utf8(output.stderr).unwrap()
    };
    for balance in ["12,5", "1e3", "1,500.00", "12.345", "-"] {
        let stderr = refused(&["--balance", balance, "--installments", "12"]);
        assert!(stderr.contains("--balance"), "{stderr}");
        assert!(stderr.contains(balance), "{stderr}");
    }
    let stderr = refused(&["--balance", "1500.00", "--installments", "0"]);
    assert!(stderr.contains("at least one installment"), "{stderr}");
    let stderr = refused(&["--balance", "0", "--installments", "3"]);
    assert!(stderr.contains("balance must be positive"), "{stderr}");
    let stderr = refused(&["--balance", "1500.00", "--installment-amount", "1.00"]);
    assert!(
        stderr.contains("does not cover the first period's interest of 2.31 USD"),
        "{stderr}"
    );
    let stderr = refused(&["--balance", "1500.00", "--installments", "twelve"]);
    assert!(stderr.contains("--installments \"twelve\""), "{stderr}");
    // Neither or both of --installments and --installment-amount: clap refuses (status 2).
    refused(&["--balance", "1500.00"]);
    refused(&[
        "--balance",
        "1500.00",
        "--installments",
        "3",
        "--installment-amount",
        "9.00",
    ]);

    let mut args = base.to_vec();
    args.extend_from_slice(&["--balance", "1500.00", "--installments", "3"]);
    args[5] = "eight";
    let output = env.arrears(NO_DB, &args);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--apr-bps \"eight\""));
    args[5] = "800";
    args[7] = "daily";
    let output = env.arrears(NO_DB, &args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "--frequency \"daily\": expected one of weekly, biweekly, semimonthly, monthly"
        )
    );
    args[7] = "weekly";
    args[9] = "2027-02-30";
    let output = env.arrears(NO_DB, &args);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--first-due \"2027-02-30\""));
}
