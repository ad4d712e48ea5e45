//! A small PDF 1.4 writer for text documents: A4/Letter pages of monospaced lines
//! (the standard Courier font, which every PDF reader has, so nothing is embedded).
//!
//! Enough for statements and reports whose layout is a fixed-width table. Text is
//! written in WinAnsiEncoding: Latin-1 characters (Spanish included) print as
//! themselves, anything else as `?`.

/// US Letter in points.
pub const PAGE_WIDTH_PT: u32 = 612;
pub const PAGE_HEIGHT_PT: u32 = 792;
pub const MARGIN_PT: u32 = 48;
pub const FONT_SIZE_PT: u32 = 9;
pub const LINE_HEIGHT_PT: u32 = 11;
/// Lines per page at that size and margin.
pub const LINES_PER_PAGE: usize = ((PAGE_HEIGHT_PT - 2 * MARGIN_PT) / LINE_HEIGHT_PT) as usize;
/// Characters per line (Courier is 0.6 em wide).
pub const COLUMNS: usize = ((PAGE_WIDTH_PT - 2 * MARGIN_PT) * 10 / (FONT_SIZE_PT * 6)) as usize;

/// A document of text lines; long lines are cut at [`COLUMNS`], pages break every
/// [`LINES_PER_PAGE`] lines (or at a line that is exactly `"\u{c}"`, a form feed).
/// Every page gets `footer` and its page number.
pub fn text_document(title: &str, lines: &[String], footer: &str) -> Vec<u8> {
    let mut pages: Vec<Vec<&str>> = vec![Vec::new()];
    for line in lines {
        let page = pages.last_mut().expect("never empty");
        if line == "\u{c}" {
            if !page.is_empty() {
                pages.push(Vec::new());
            }
            continue;
        }
        if page.len() == LINES_PER_PAGE - 2 {
            pages.push(Vec::new());
        }
        pages.last_mut().expect("never empty").push(line);
    }
    let total = pages.len();
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1 catalog, 2 pages, 3 font, 4 info, then per page: page, contents.
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..total)
        .map(|index| format!("{} 0 R", 5 + 2 * index))
        .collect();
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {total} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>".to_vec(),
    );
    let mut info = b"<< /Title ".to_vec();
    info.extend(string(title));
    info.extend(b" /Producer (Arrears) >>");
    objects.push(info);
    for (index, page) in pages.iter().enumerate() {
        let contents = 6 + 2 * index;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH_PT} {PAGE_HEIGHT_PT}] /Resources << /Font << /F1 3 0 R >> >> /Contents {contents} 0 R >>"
            )
            .into_bytes(),
        );
        let mut stream = format!(
            "BT /F1 {FONT_SIZE_PT} Tf {LINE_HEIGHT_PT} TL {MARGIN_PT} {} Td\n",
            PAGE_HEIGHT_PT - MARGIN_PT
        )
        .into_bytes();
        for line in page {
            stream.extend(string(&cut(line)));
            stream.extend(b" Tj T*\n");
        }
        stream.extend(b"ET\n");
        stream.extend(
            format!("BT /F1 {FONT_SIZE_PT} Tf {MARGIN_PT} {} Td ", MARGIN_PT / 2).into_bytes(),
        );
        stream.extend(string(&cut(&format!("{footer}  {}/{total}", index + 1))));
        stream.extend(b" Tj ET\n");
        let mut object = format!("<< /Length {} >>\nstream\n", stream.len()).into_bytes();
        object.extend(stream);
        object.extend(b"\nendstream");
        objects.push(object);
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", index + 1).into_bytes());
        out.extend(object);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

fn cut(line: &str) -> String {
    line.chars().take(COLUMNS).collect()
}

/// A PDF literal string in WinAnsiEncoding, with `\`, `(` and `)` escaped.
fn string(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for character in text.chars() {
        let code = character as u32;
        let byte = if (0x20..0x7F).contains(&code) || (0xA0..=0xFF).contains(&code) {
            code as u8
        } else {
            b'?'
        };
        if matches!(byte, b'\\' | b'(' | b')') {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out.push(b')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every xref offset points at its object, and startxref at the table.
    fn check_structure(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf);
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[start..].starts_with(b"xref\n"));
        let table = String::from_utf8_lossy(&pdf[start..]).to_string();
        let mut lines = table.lines().skip(3);
        let mut objects = 0;
        for line in lines.by_ref() {
            if line.starts_with("trailer") {
                break;
            }
            let offset: usize = line[..10].parse().unwrap();
            objects += 1;
            let expected = format!("{objects} 0 obj");
            assert!(
                pdf[offset..].starts_with(expected.as_bytes()),
                "object {objects}"
            );
        }
        objects
    }

    #[test]
    fn pages_break_and_offsets_hold() {
        let lines: Vec<String> = (0..150)
            .map(|index| format!("line {index} (año)"))
            .collect();
        let pdf = text_document("Remittance", &lines, "ACME 2026-11");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        let objects = check_structure(&pdf);
        let pages = 150_usize.div_ceil(LINES_PER_PAGE - 2);
        assert_eq!(objects, 4 + 2 * pages);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains(&format!("/Count {pages}")));
        assert!(text.contains("(line 149 \\(a"), "parentheses escaped");
        assert!(
            pdf.windows(3).any(|window| window == b"a\xF1o"),
            "ñ in WinAnsi"
        );
    }

    #[test]
    fn a_form_feed_starts_a_page() {
        let lines = vec!["one".to_string(), "\u{c}".to_string(), "two".to_string()];
        let pdf = text_document("t", &lines, "f");
        assert_eq!(check_structure(&pdf), 4 + 2 * 2);
    }
}
