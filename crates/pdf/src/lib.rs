//! Arrears' PDF engine: a small document model laid out on US Letter pages and written
//! with [krilla], the DejaVu fonts compiled in (`fonts/`, licence beside them) and
//! embedded, subset, in every document.
//!
//! A [`Document`] is a letterhead (the sender top left, the recipient where a #10 window
//! envelope shows it) followed by [`Block`]s: headings, wrapped paragraphs, key/value
//! lists and column tables with right-aligned amounts, check boxes, monospaced lines and
//! a dashed tear-off rule. Every page carries the footer and "Page N of M" ("Página N de
//! M" in Spanish).
//!
//! **Invariants:** no IO (bytes in, bytes out); the same document gives the same bytes
//! (no creation date, no random id); every glyph drawn comes from an embedded font, and
//! a character the fonts lack prints as `?` rather than disappearing.

pub mod notice;

use std::collections::HashMap;
use std::sync::OnceLock;

use krilla::Document as KrillaDocument;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

/// US Letter, in points.
pub const PAGE_WIDTH: f32 = 612.0;
pub const PAGE_HEIGHT: f32 = 792.0;
/// Left and right margin.
pub const MARGIN: f32 = 54.0;
const TOP: f32 = 54.0;
/// Lowest baseline of body text; the footer sits below it.
const BOTTOM: f32 = PAGE_HEIGHT - 66.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 36.0;
/// Body text size and leading.
const BODY: f32 = 10.0;
const LEADING: f32 = 13.0;

/// The language of the words the engine itself writes (page numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// "Page 1 of 2" / "Página 1 de 2".
    pub fn page_of(self, page: usize, pages: usize) -> String {
        match self {
            Lang::En => format!("Page {page} of {pages}"),
            Lang::Es => format!("Página {page} de {pages}"),
        }
    }
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the text width (the shares of a table need not add up to exactly 1).
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub fn left(title: impl Into<String>, width: f32) -> Self {
        Column {
            title: title.into(),
            width,
            align: Align::Left,
        }
    }

    pub fn right(title: impl Into<String>, width: f32) -> Self {
        Column {
            title: title.into(),
            width,
            align: Align::Right,
        }
    }
}

/// One piece of a document, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A bold title (14 pt).
    Heading(String),
    /// A bold sub-title (11 pt).
    Subheading(String),
    /// Wrapped text; a `\n` starts a new line.
    Paragraph(String),
    /// Wrapped bold text.
    Strong(String),
    /// Labels on the left, values right-aligned at the right edge of the text.
    KeyValues(Vec<(String, String)>),
    /// Like `KeyValues`, the last pair bold (a total).
    KeyValuesTotal(Vec<(String, String)>),
    /// A column table: a bold header row, then the rows (cells wrap); the header repeats
    /// on a new page.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    /// One empty box per line, with its text beside it (a response form).
    Checkboxes(Vec<String>),
    /// Monospaced lines (DejaVu Sans Mono 8 pt), never wrapped: fixed-width reports.
    Lines(Vec<String>),
    /// A dashed rule across the page with a caption under it: cut here.
    TearOff(String),
    /// Vertical space in points.
    Space(f32),
    /// Start a new page unless the page is empty.
    PageBreak,
}

/// The top of a letter's first page: the sender top left, the date top right, the
/// recipient's name and address where a #10 double-window envelope shows them (2 in.
/// from the top, 1 in. from the left).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Letterhead {
    pub sender: Vec<String>,
    pub date: String,
    pub recipient: Vec<String>,
    /// Lines printed right of the recipient (account number, reference).
    pub reference: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub lang: Lang,
    pub letterhead: Option<Letterhead>,
    pub blocks: Vec<Block>,
    /// Printed at the bottom left of every page, beside "Page N of M".
    pub footer: String,
}

/// Why a document could not be written.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PDF: {}", self.0)
    }
}

impl std::error::Error for Error {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Regular,
    Bold,
    Mono,
}

struct Face {
    font: Font,
    /// The characters below `DENSE`: (glyph id, advance in em), indexed by code point
    /// (`None`: not in the font). Letters are measured character by character many
    /// times over, and a table look-up costs a fraction of hashing.
    dense: Vec<Option<(u32, f32)>>,
    /// The others: char → (glyph id, advance in em).
    glyphs: HashMap<char, (u32, f32)>,
    fallback: (u32, f32),
}

/// Code points looked up in a table rather than a map: Latin, Greek, Cyrillic and the
/// general punctuation and currency blocks.
const DENSE: u32 = 0x2100;

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        let font = Font::new(bytes.into(), 0).expect("the compiled-in font parses");
        let face = skrifa::FontRef::new(bytes).expect("the compiled-in font parses");
        let per_em = f32::from(font.units_per_em().max(1.0) as u16);
        let charmap = face.charmap();
        let metrics = face.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut glyphs = HashMap::new();
        for (codepoint, glyph) in charmap.mappings() {
            if let Some(c) = char::from_u32(codepoint) {
                let advance = metrics.advance_width(glyph).unwrap_or(0.0) / per_em;
                glyphs.insert(c, (glyph.to_u32(), advance));
            }
        }
        let fallback = *glyphs.get(&'?').expect("the font has '?'");
        let dense = (0..DENSE)
            .map(|code| char::from_u32(code).and_then(|c| glyphs.get(&c).copied()))
            .collect();
        glyphs.retain(|c, _| u32::from(*c) >= DENSE);
        Face {
            font,
            dense,
            glyphs,
            fallback,
        }
    }

    fn glyph(&self, c: char) -> (u32, f32) {
        let found = match self.dense.get(c as usize) {
            Some(entry) => *entry,
            None => self.glyphs.get(&c).copied(),
        };
        found.unwrap_or(self.fallback)
    }

    /// The advance of `text` in em: the sum of its characters' advances, in order.
    fn advance(&self, text: &str) -> f32 {
        self.advance_from(0.0, text)
    }

    /// `start` plus the advances of `text`'s characters, added in order (so measuring
    /// a line piece by piece gives exactly what measuring it whole gives).
    fn advance_from(&self, start: f32, text: &str) -> f32 {
        text.chars().fold(start, |sum, c| sum + self.glyph(c).1)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        self.advance(text) * size
    }
}

struct Faces {
    regular: Face,
    bold: Face,
    mono: Face,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        regular: Face::load(include_bytes!("../fonts/DejaVuSans.ttf")),
        bold: Face::load(include_bytes!("../fonts/DejaVuSans-Bold.ttf")),
        mono: Face::load(include_bytes!("../fonts/DejaVuSansMono.ttf")),
    })
}

fn face(style: Style) -> &'static Face {
    let faces = faces();
    match style {
        Style::Regular => &faces.regular,
        Style::Bold => &faces.bold,
        Style::Mono => &faces.mono,
    }
}

/// The width of `text` in points in the regular face at `size`.
pub fn text_width(text: &str, size: f32) -> f32 {
    face(Style::Regular).width(text, size)
}

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        style: Style,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        dashed: bool,
    },
    Box {
        x: f32,
        y: f32,
        side: f32,
    },
}

struct Layout {
    pages: Vec<Vec<Op>>,
    /// Baseline of the next line of text.
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP + BODY,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("never empty")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP + BODY;
    }

    /// Makes room for `height` points below the current line, starting a page if needed.
    fn need(&mut self, height: f32) {
        if self.y + height - LEADING > BOTTOM && !self.ops().is_empty() {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, style: Style, size: f32, text: &str) {
        if !text.is_empty() {
            self.ops().push(Op::Text {
                x,
                y,
                style,
                size,
                text: text.to_string(),
            });
        }
    }

    fn right(&mut self, right: f32, y: f32, style: Style, size: f32, text: &str) {
        let width = face(style).width(text, size);
        self.text(right - width, y, style, size, text);
    }

    fn wrapped(&mut self, text: &str, style: Style, size: f32, leading: f32) {
        for line in wrap(text, style, size, PAGE_WIDTH - 2.0 * MARGIN) {
            self.need(leading);
            let y = self.y;
            self.text(MARGIN, y, style, size, &line);
            self.y += leading;
        }
    }
}

/// Breaks `text` into lines no wider than `width` (a word wider than the line is cut).
fn wrap(text: &str, style: Style, size: f32, width: f32) -> Vec<String> {
    let face = face(style);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        // The line's advance in em, summed character by character as `Face::width`
        // sums it, so a line is measured once, not again with each word it takes.
        let mut advance = 0.0f32;
        for word in paragraph.split_whitespace() {
            if line.is_empty() {
                line.push_str(word);
                advance = face.advance(word);
            } else {
                let candidate = face.advance_from(face.advance_from(advance, " "), word);
                if candidate * size <= width {
                    line.push(' ');
                    line.push_str(word);
                    advance = candidate;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line.push_str(word);
                    advance = face.advance(word);
                }
            }
            if advance * size <= width {
                continue;
            }
            while face.width(&line, size) > width {
                let mut cut = String::new();
                let mut rest = line.chars();
                for c in rest.by_ref() {
                    if face.width(&format!("{cut}{c}"), size) > width && !cut.is_empty() {
                        let tail: String = std::iter::once(c).chain(rest.by_ref()).collect();
                        lines.push(std::mem::take(&mut cut));
                        cut = tail;
                        break;
                    }
                    cut.push(c);
                }
                line = cut;
                if face.width(&line, size) <= width {
                    break;
                }
            }
            advance = face.advance(&line);
        }
        lines.push(line);
    }
    lines
}

fn letterhead(layout: &mut Layout, head: &Letterhead) {
    let right = PAGE_WIDTH - MARGIN;
    let mut y = 40.0 + BODY;
    for (index, line) in head.sender.iter().enumerate() {
        let style = if index == 0 {
            Style::Bold
        } else {
            Style::Regular
        };
        layout.text(MARGIN, y, style, 9.0, line);
        y += 11.0;
    }
    layout.right(right, 40.0 + BODY, Style::Regular, BODY, &head.date);
    // The window of a #10 envelope: 7/8 in. from the left, its top about 2 in. from the
    // top of a letter folded in three.
    let mut y = 144.0 + BODY;
    for line in &head.recipient {
        layout.text(72.0, y, Style::Regular, BODY, line);
        y += LEADING;
    }
    let mut ry = 144.0 + BODY;
    for line in &head.reference {
        layout.right(right, ry, Style::Regular, 9.0, line);
        ry += 11.0;
    }
    layout.y = y.max(ry).max(240.0) + LEADING;
}

fn block(layout: &mut Layout, block: &Block) {
    let right = PAGE_WIDTH - MARGIN;
    match block {
        Block::Heading(text) => {
            layout.need(LEADING * 3.0);
            layout.y += 4.0;
            layout.wrapped(text, Style::Bold, 14.0, 18.0);
            layout.y += 2.0;
        }
        Block::Subheading(text) => {
            layout.need(LEADING * 3.0);
            layout.y += 3.0;
            layout.wrapped(text, Style::Bold, 11.0, 15.0);
        }
        Block::Paragraph(text) => {
            layout.wrapped(text, Style::Regular, BODY, LEADING);
            layout.y += 4.0;
        }
        Block::Strong(text) => {
            layout.wrapped(text, Style::Bold, BODY, LEADING);
            layout.y += 4.0;
        }
        Block::KeyValues(pairs) | Block::KeyValuesTotal(pairs) => {
            let total = matches!(block, Block::KeyValuesTotal(_));
            for (index, (key, value)) in pairs.iter().enumerate() {
                let style = if total && index + 1 == pairs.len() {
                    Style::Bold
                } else {
                    Style::Regular
                };
                let value_width = face(style).width(value, BODY);
                let key_width = PAGE_WIDTH - 2.0 * MARGIN - value_width - 12.0;
                let lines = wrap(key, style, BODY, key_width.max(72.0));
                layout.need(LEADING * lines.len() as f32);
                let y = layout.y;
                layout.right(right, y, style, BODY, value);
                for line in lines {
                    let y = layout.y;
                    layout.text(MARGIN, y, style, BODY, &line);
                    layout.y += LEADING;
                }
            }
            layout.y += 4.0;
        }
        Block::Table { columns, rows } => table(layout, columns, rows),
        Block::Checkboxes(items) => {
            for item in items {
                let lines = wrap(item, Style::Regular, BODY, PAGE_WIDTH - 2.0 * MARGIN - 18.0);
                layout.need(LEADING * lines.len() as f32 + 3.0);
                let y = layout.y;
                layout.ops().push(Op::Box {
                    x: MARGIN,
                    y: y - 8.5,
                    side: 9.0,
                });
                for line in lines {
                    let y = layout.y;
                    layout.text(MARGIN + 16.0, y, Style::Regular, BODY, &line);
                    layout.y += LEADING;
                }
                layout.y += 3.0;
            }
        }
        Block::Lines(lines) => {
            for line in lines {
                layout.need(10.0);
                let y = layout.y;
                layout.text(MARGIN, y, Style::Mono, 8.0, line);
                layout.y += 10.0;
            }
        }
        Block::TearOff(caption) => {
            layout.need(LEADING * 4.0);
            layout.y += 4.0;
            let y = layout.y - BODY;
            layout.ops().push(Op::Line {
                x1: MARGIN - 18.0,
                y1: y,
                x2: right + 18.0,
                y2: y,
                dashed: true,
            });
            layout.y += 2.0;
            let width = face(Style::Regular).width(caption, 8.0);
            let y = layout.y;
            layout.text((PAGE_WIDTH - width) / 2.0, y, Style::Regular, 8.0, caption);
            layout.y += LEADING;
        }
        Block::Space(points) => layout.y += points,
        Block::PageBreak => {
            if !layout.ops().is_empty() {
                layout.new_page();
            }
        }
    }
}

fn table(layout: &mut Layout, columns: &[Column], rows: &[Vec<String>]) {
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let share: f32 = columns
        .iter()
        .map(|c| c.width)
        .sum::<f32>()
        .max(f32::EPSILON);
    let mut edges = Vec::with_capacity(columns.len());
    let mut x = MARGIN;
    for column in columns {
        let w = width * column.width / share;
        edges.push((x, w));
        x += w;
    }
    let header = |layout: &mut Layout| {
        let y = layout.y;
        for (column, (x, w)) in columns.iter().zip(&edges) {
            match column.align {
                Align::Left => layout.text(*x, y, Style::Bold, 9.0, &column.title),
                Align::Right => layout.right(x + w - 4.0, y, Style::Bold, 9.0, &column.title),
            }
        }
        layout.ops().push(Op::Line {
            x1: MARGIN,
            y1: y + 3.0,
            x2: MARGIN + width,
            y2: y + 3.0,
            dashed: false,
        });
        layout.y += LEADING + 1.0;
    };
    layout.need(LEADING * 3.0);
    header(layout);
    for row in rows {
        let cells: Vec<Vec<String>> = columns
            .iter()
            .zip(&edges)
            .enumerate()
            .map(|(index, (_, (_, w)))| {
                let text = row.get(index).map(String::as_str).unwrap_or("");
                wrap(text, Style::Regular, 9.0, w - 6.0)
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let page = layout.pages.len();
        layout.need(12.0 * height as f32);
        if layout.pages.len() != page {
            header(layout);
        }
        let top = layout.y;
        for ((column, (x, w)), lines) in columns.iter().zip(&edges).zip(&cells) {
            for (index, line) in lines.iter().enumerate() {
                let y = top + 12.0 * index as f32;
                match column.align {
                    Align::Left => layout.text(*x, y, Style::Regular, 9.0, line),
                    Align::Right => layout.right(x + w - 4.0, y, Style::Regular, 9.0, line),
                }
            }
        }
        layout.y = top + 12.0 * height as f32;
    }
    layout.y += 6.0;
}

fn draw_text(surface: &mut Surface<'_>, x: f32, y: f32, style: Style, size: f32, text: &str) {
    let face = face(style);
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .map(|(at, c)| {
            let (id, advance) = face.glyph(c);
            KrillaGlyph::new(
                GlyphId::new(id),
                advance,
                0.0,
                0.0,
                0.0,
                at..at + c.len_utf8(),
                None,
            )
        })
        .collect();
    surface.draw_glyphs(
        Point::from_xy(x, y),
        &glyphs,
        face.font.clone(),
        text,
        size,
        false,
    );
}

impl Document {
    /// A document without letterhead.
    pub fn new(title: impl Into<String>, lang: Lang) -> Document {
        Document {
            title: title.into(),
            lang,
            letterhead: None,
            blocks: Vec::new(),
            footer: String::new(),
        }
    }

    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Lays the document out and writes the PDF.
    pub fn render(&self) -> Result<Vec<u8>, Error> {
        let mut layout = Layout::new();
        if let Some(head) = &self.letterhead {
            letterhead(&mut layout, head);
        }
        for item in &self.blocks {
            block(&mut layout, item);
        }
        let total = layout.pages.len();
        let mut document = KrillaDocument::new();
        document.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language(self.lang.code().to_string())
                .producer("Arrears".to_string()),
        );
        for (index, ops) in layout.pages.iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
                .ok_or_else(|| Error("page size".into()))?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        style,
                        size,
                        text,
                    } => draw_text(&mut surface, *x, *y, *style, *size, text),
                    Op::Line {
                        x1,
                        y1,
                        x2,
                        y2,
                        dashed,
                    } => {
                        let mut path = PathBuilder::new();
                        path.move_to(*x1, *y1);
                        path.line_to(*x2, *y2);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: if *dashed { 0.8 } else { 0.5 },
                                dash: dashed.then(|| StrokeDash {
                                    array: vec![4.0, 3.0],
                                    offset: 0.0,
                                }),
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                    Op::Box { x, y, side } => {
                        let mut path = PathBuilder::new();
                        path.move_to(*x, *y);
                        path.line_to(x + side, *y);
                        path.line_to(x + side, y + side);
                        path.line_to(*x, y + side);
                        path.close();
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: 0.8,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                }
            }
            surface.set_fill(Some(Default::default()));
            if !self.footer.is_empty() {
                draw_text(
                    &mut surface,
                    MARGIN,
                    FOOTER_BASELINE,
                    Style::Regular,
                    8.0,
                    &self.footer,
                );
            }
            let number = self.lang.page_of(index + 1, total);
            let width = face(Style::Regular).width(&number, 8.0);
            draw_text(
                &mut surface,
                PAGE_WIDTH - MARGIN - width,
                FOOTER_BASELINE,
                Style::Regular,
                8.0,
                &number,
            );
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|error| Error(format!("{error:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_fits_the_width() {
        let text = "How can you dispute the debt? Call or write to us by January 15, 2027 to dispute all or part of the debt.";
        let lines = wrap(text, Style::Regular, 10.0, 200.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        for line in &lines {
            assert!(face(Style::Regular).width(line, 10.0) <= 200.0, "{line}");
        }
    }

    #[test]
    fn spanish_letters_have_their_own_glyphs() {
        for c in "áéíóúñüÁÉÍÓÚÑÜ¿¡".chars() {
            for style in [Style::Regular, Style::Bold, Style::Mono] {
                assert_ne!(face(style).glyph(c), face(style).fallback, "{c}");
            }
        }
    }
}
