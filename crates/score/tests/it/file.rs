use crate::fresh_placement;
use score::{Model, ModelError};

pub fn default_text() -> String {
    score::file::DEFAULT_FILE.1.to_string()
}

/// `text` with every `weight = …` line and every product weight set to `weight`.
pub fn with_all_weights(text: &str, weight: f64) -> String {
    let mut in_product_weights = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with('[') {
                in_product_weights = line == "[feature.weights]";
                return line.to_string();
            }
            let is_weight =
                line.starts_with("weight =") || (in_product_weights && line.contains(" = "));
            if is_weight {
                let key = line.split(" = ").next().unwrap();
                format!("{key} = {weight:?}")
            } else {
                line.to_string()
            }
        })
        .collect();
    lines.join("\n") + "\n"
}

/// The 1-based line of the first line of `text` equal to `line`, searched from the line
/// holding `after`.
fn line_of(text: &str, after: &str, line: &str) -> usize {
    let start = text.lines().position(|each| each.contains(after)).unwrap();
    start
        + text
            .lines()
            .skip(start)
            .position(|each| each == line)
            .unwrap()
        + 1
}

fn refused(text: &str) -> ModelError {
    Model::parse("bad.toml", text).expect_err("the file should be refused")
}

#[test]
fn an_unknown_feature_is_named_with_its_line() {
    let text = default_text().replace("name = \"has_email\"", "name = \"has_fax\"");
    let error = refused(&text);
    assert_eq!(error.file, "bad.toml");
    assert_eq!(
        error.line,
        Some(line_of(&text, "has_fax", "name = \"has_fax\""))
    );
    assert_eq!(error.field, "feature[5].name");
    assert!(
        error.reason.contains("unknown feature `has_fax`"),
        "{error}"
    );
    assert!(
        error.reason.contains("has_email"),
        "lists the known: {error}"
    );
    let shown = error.to_string();
    assert!(shown.starts_with(&format!(
        "bad.toml:{}: feature[5].name: ",
        error.line.unwrap()
    )));
}

#[test]
fn a_feature_listed_twice_is_refused_at_the_second() {
    let text = default_text().replace("name = \"has_email\"", "name = \"has_callable_phone\"");
    let error = refused(&text);
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, line)| *line == "name = \"has_callable_phone\"")
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_eq!(error.line, Some(second));
    assert_eq!(error.field, "feature[5].name");
    assert!(error.reason.contains("appears twice"), "{error}");
}

#[test]
fn a_missing_feature_is_named() {
    let text = default_text();
    let start = text.find("[[feature]]\nname = \"repaid_share\"").unwrap();
    let error = refused(&text[..start]);
    assert_eq!(error.field, "feature");
    assert!(
        error.reason.contains("`repaid_share` is missing"),
        "{error}"
    );
}

#[test]
fn bad_weights_are_refused_with_their_line() {
    for (weight, says) in [
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("\"heavy\"", "invalid type"),
    ] {
        let written = format!("weight = {weight}");
        let text = default_text().replace("weight = -0.0025", &written);
        let error = refused(&text);
        assert_eq!(
            error.line,
            Some(line_of(&text, "days_past_due", &written)),
            "{error}"
        );
        assert!(error.reason.contains(says), "{weight}: {error}");
        if weight != "\"heavy\"" {
            assert_eq!(error.field, "feature[2].weight");
        }
    }
    let text = default_text().replace("medical = -0.3", "medical = -inf");
    let error = refused(&text);
    assert_eq!(
        error.line,
        Some(line_of(&text, "one_hot", "medical = -inf"))
    );
    assert_eq!(error.field, "feature[3].weights.medical");
}

#[test]
fn unknown_and_unsuitable_transforms_are_refused() {
    let text = default_text().replace("transform = \"cap:720\"", "transform = \"sqrt\"");
    let error = refused(&text);
    assert_eq!(
        error.line,
        Some(line_of(&text, "days_past_due", "transform = \"sqrt\""))
    );
    assert_eq!(error.field, "feature[2].transform");
    assert!(error.reason.contains("unknown transform `sqrt`"), "{error}");

    for bad in ["cap:0", "cap:", "cap:-3", "recency:1e3"] {
        let text =
            default_text().replace("transform = \"cap:720\"", &format!("transform = \"{bad}\""));
        assert!(refused(&text).reason.contains("unknown transform"), "{bad}");
    }
    // A yes/no fact cannot be logged; a product cannot be capped.
    let text = default_text().replace(
        "name = \"open_dispute\"\ntransform = \"indicator\"",
        "name = \"open_dispute\"\ntransform = \"log1p\"",
    );
    let error = refused(&text);
    assert_eq!(error.field, "feature[12].transform");
    assert!(
        error.reason.contains("does not apply to `open_dispute`"),
        "{error}"
    );
}

#[test]
fn unknown_fields_are_refused_with_their_line() {
    let text = default_text().replace("reason = \"R05\"", "reason = \"R05\"\ncolour = \"blue\"");
    let error = refused(&text);
    assert_eq!(
        error.line,
        Some(line_of(&text, "has_email", "colour = \"blue\""))
    );
    assert!(error.reason.contains("unknown field `colour`"), "{error}");
}

#[test]
fn references_reason_codes_and_texts_are_checked() {
    let cases = [
        (
            "reference = 50000",
            "reference = \"lots\"",
            "feature[1].reference",
            "finite number",
        ),
        (
            "reference = \"mortgage\"",
            "reference = \"boat\"",
            "feature[3].reference",
            "product code",
        ),
        (
            "reason = \"R05\"",
            "reason = \"R01\"",
            "feature[5].reason",
            "another feature's",
        ),
        (
            "reason = \"R05\"",
            "reason = \"r5\"",
            "feature[5].reason",
            "not a reason code",
        ),
        (
            "text_es = \"La deuda está en disputa\"",
            "text_es = \" \"",
            "feature[12].text_es",
            "1 … 120",
        ),
        ("format = 1", "format = 2", "format", "reads format 1"),
        (
            "version = \"prior-2026-12\"",
            "version = \"\"",
            "version",
            "must not be empty",
        ),
    ];
    for (from, to, field, says) in cases {
        let text = default_text().replace(from, to);
        let error = refused(&text);
        assert_eq!(error.field, field, "{to}: {error}");
        assert!(error.reason.contains(says), "{to}: {error}");
        let line = text
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|line| *line == to)
            .unwrap()
            + 1;
        assert_eq!(error.line, Some(line), "{to}: {error}");
    }
}

#[test]
fn product_weights_must_name_every_product_and_no_other() {
    let text = default_text().replace("telecom = -0.1\n", "");
    let error = refused(&text);
    assert_eq!(error.field, "feature[3].weights.telecom");
    assert!(error.reason.contains("is missing"), "{error}");
    let text = default_text().replace("telecom = -0.1\n", "telecom = -0.1\nboat = 1.0\n");
    let error = refused(&text);
    assert_eq!(error.field, "feature[3].weights.boat");
    assert_eq!(error.line, Some(line_of(&text, "one_hot", "boat = 1.0")));
}

#[test]
fn a_written_model_reads_back_identically() {
    let model = Model::default_model();
    let written = model.to_toml();
    let read = Model::parse("written.toml", &written).unwrap();
    assert_eq!(&read, model);
    assert_eq!(read.to_toml(), written);
    assert_eq!(
        read.score(&fresh_placement()),
        model.score(&fresh_placement())
    );
    // Awkward floats and texts survive too.
    let mut awkward = model.clone();
    awkward.intercept = 0.1 + 0.2;
    awkward.terms[0].weights[0] = -1e-17;
    awkward.terms[1].weights[0] = 123456789.123;
    awkward.terms[2].reason_en = "Quote \" and backslash \\ and tab\t".into();
    awkward.terms[3].note = None;
    let written = awkward.to_toml();
    assert_eq!(Model::parse("awkward.toml", &written).unwrap(), awkward);
}

#[test]
fn whole_numbers_are_weights_too() {
    let text = default_text()
        .replace("intercept = 2.0", "intercept = 2")
        .replace("weight = -1.0", "weight = -1");
    assert_eq!(
        &Model::parse("whole.toml", &text).unwrap(),
        Model::default_model()
    );
}
