//! docs/scoring.md and the default model cannot drift apart.

use score::{Feature, Model};

const DOC: &str = include_str!("../../../../docs/scoring.md");

fn generated_block() -> &'static str {
    let begin = "<!-- model tables begin -->\n";
    let start = DOC.find(begin).expect("the doc marks its model tables") + begin.len();
    let end = DOC[start..]
        .find("<!-- model tables end -->")
        .expect("the doc ends its model tables");
    &DOC[start..start + end]
}

#[test]
fn the_docs_tables_are_the_default_models() {
    let expected = score::file::markdown_tables(Model::default_model());
    assert_eq!(
        generated_block(),
        expected,
        "docs/scoring.md is out of date; paste between the markers:\n{expected}"
    );
}

#[test]
fn every_feature_of_the_model_has_a_row_with_its_code_and_transform() {
    let rows: Vec<&str> = generated_block()
        .lines()
        .filter(|line| line.starts_with("| R"))
        .collect();
    let model = Model::default_model();
    assert_eq!(rows.len(), Feature::ALL.len());
    for term in &model.terms {
        let name = format!("| `{}` |", term.feature.name());
        let row = rows
            .iter()
            .find(|row| row.contains(&name))
            .unwrap_or_else(|| panic!("no row for {}", term.feature.name()));
        assert!(
            row.starts_with(&format!("| {} |", term.reason_code)),
            "{row}"
        );
        assert!(row.contains(&format!("| `{}` |", term.transform)), "{row}");
        assert!(row.contains(&term.reason_en), "{row}");
    }
}
