//! The PDF engine's documents read back with poppler's `pdftotext` and `pdffonts`, as
//! a reader (and a print vendor's preflight) would see them.

use pdf::notice::ValidationNotice;
use pdf::{Block, Column, Document, Lang};
use std::process::Command;

/// The text of a PDF as `pdftotext -layout` reads it, whitespace runs folded to one space.
fn text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `pdffonts` rows: (name, embedded, subset).
fn fonts(bytes: &[u8]) -> Vec<(String, bool, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdffonts").arg(&path).output().unwrap();
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    listing
        .lines()
        .skip(2)
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // name type encoding emb sub uni object ID; the type may be two words.
            let n = fields.len();
            (
                fields[0].to_string(),
                fields[n - 5] == "yes",
                fields[n - 4] == "yes",
            )
        })
        .collect()
}

fn notice(lang: Lang) -> ValidationNotice {
    ValidationNotice {
        lang,
        collector: vec![
            "Arrears Recovery Services".into(),
            "100 Main Street, Suite 4".into(),
            "Springfield, IL 62701".into(),
            "(217) 555-0100, Monday–Friday 8–5".into(),
        ],
        date: "December 7, 2026".into(),
        consumer: vec![
            "José Núñez Peña".into(),
            "12 Calle Año Nuevo".into(),
            "San Antonio, TX 78205".into(),
        ],
        account: "ACC-0042".into(),
        creditor: "Compañía Eléctrica del Sur".into(),
        itemization_date: "October 1, 2026".into(),
        owed_then: "$1,234.56".into(),
        interest: "$12.34".into(),
        fees: "$25.00".into(),
        payments: "$100.00".into(),
        owed_now: "$1,171.90".into(),
        period_ends: "January 20, 2027".into(),
        extra: vec!["Señor Núñez, ¿tiene preguntas? ¡Llámenos!".into()],
    }
}

#[test]
fn the_validation_notice_reads_like_the_model_form_in_english() {
    let bytes = notice(Lang::En).document().render().unwrap();
    let text = text(&bytes);
    for expected in [
        "Arrears Recovery Services is a debt collector. We are trying to collect a debt that you owe to Compañía Eléctrica del Sur.",
        "José Núñez Peña",
        "12 Calle Año Nuevo",
        "account number ACC-0042",
        "As of October 1, 2026, you owed: $1,234.56",
        "Between October 1, 2026 and today:",
        "You were charged this amount in interest: + $12.34",
        "You were charged this amount in fees: + $25.00",
        "You paid or were credited this amount toward the debt: – $100.00",
        "Total amount of the debt now: $1,171.90",
        "How can you dispute the debt?",
        "Call or write to us by January 20, 2027, to dispute all or part of the debt.",
        "If you write to us by January 20, 2027, we must stop collection on any amount you dispute",
        "Write to ask for the name and address of the original creditor",
        "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
        "How do you want to respond?",
        "I want to dispute the debt because I think:",
        "This is not my debt.",
        "The amount is wrong.",
        "I want you to send me the name and address of the original creditor.",
        "Señor Núñez, ¿tiene preguntas? ¡Llámenos!",
        "Page 1 of 2",
        "Page 2 of 2",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    let fonts = fonts(&bytes);
    assert!(!fonts.is_empty());
    for (name, embedded, subset) in fonts {
        assert!(embedded && subset, "{name} is not embedded and subset");
    }
}

#[test]
fn the_validation_notice_reads_like_the_spanish_model_form() {
    let bytes = notice(Lang::Es).document().render().unwrap();
    let text = text(&bytes);
    for expected in [
        "Arrears Recovery Services es un cobrador de deudas. Estamos tratando de cobrar una deuda que usted le debe a Compañía Eléctrica del Sur.",
        "José Núñez Peña",
        "número de cuenta ACC-0042",
        "Al October 1, 2026, usted debía: $1,234.56",
        "Se le cobró esta cantidad en intereses: + $12.34",
        "Se le cobró esta cantidad en cargos: + $25.00",
        "Usted pagó o se le acreditó esta cantidad a la deuda: – $100.00",
        "Cantidad total de la deuda ahora: $1,171.90",
        "¿Cómo puede usted disputar la deuda?",
        "a más tardar el January 20, 2027 para disputar toda o parte de la deuda",
        "¿Qué más puede hacer usted?",
        "nombre y la dirección del acreedor original",
        "¿Cómo quiere usted responder?",
        "Esta deuda no es mía.",
        "La cantidad es incorrecta.",
        "Página 1 de 2",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    for (name, embedded, subset) in fonts(&bytes) {
        assert!(embedded && subset, "{name} is not embedded and subset");
    }
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let first = notice(Lang::En).document().render().unwrap();
    let second = notice(Lang::En).document().render().unwrap();
    assert_eq!(first, second);
    let mut other = notice(Lang::En);
    other.owed_now = "$1,171.91".into();
    assert_ne!(first, other.document().render().unwrap());
}

#[test]
fn long_tables_break_across_pages_repeating_their_header_with_page_numbers() {
    let mut document = Document::new("Statement", Lang::Es);
    document.footer = "Estado de cuenta ACC-1".into();
    let rows: Vec<Vec<String>> = (1..=90)
        .map(|n| {
            vec![
                format!("2026-11-{:02}", n % 28 + 1),
                format!("Pago nº {n}"),
                format!("${n}.00"),
            ]
        })
        .collect();
    document.push(Block::Heading("Estado de cuenta".into()));
    document.push(Block::Table {
        columns: vec![
            Column::left("Fecha", 1.0),
            Column::left("Descripción", 3.0),
            Column::right("Importe", 1.0),
        ],
        rows,
    });
    let bytes = document.render().unwrap();
    let text = text(&bytes);
    assert!(
        text.contains("Página 1 de 2") && text.contains("Página 2 de 2"),
        "{text}"
    );
    assert!(!text.contains("Página 1 de 3"));
    assert_eq!(
        text.matches("Fecha Descripción Importe").count(),
        2,
        "{text}"
    );
    assert!(text.contains("Pago nº 90 $90.00"), "{text}");
    assert!(text.contains("Estado de cuenta ACC-1"));
}

/// Writes the sample notices to `ARREARS_SAMPLE_DIR` when set (docs/screenshots are
/// made from them with `pdftoppm -png -r 60`); checks nothing else.
#[test]
fn sample_notices_render_in_both_languages() {
    for lang in [Lang::En, Lang::Es] {
        let bytes = notice(lang).document().render().unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        if let Ok(dir) = std::env::var("ARREARS_SAMPLE_DIR") {
            let name = if lang == Lang::En { "en" } else { "es" };
            std::fs::write(format!("{dir}/validation-notice-{name}.pdf"), &bytes).unwrap();
        }
    }
}
