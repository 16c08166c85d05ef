//! Text set on A4 pages: measured and set with the embedded fonts' advance widths,
//! wrapped at spaces (a word wider than the line is broken between
//! characters), and broken into pages. Pure: the PDF is drawn from the
//! result in `mod.rs`.

use ttf_parser::Face;

/// A4 in PostScript points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
/// Where the body begins, below the running header.
pub const BODY_TOP: f32 = 118.0;
/// Where the body ends, above the footer.
pub const BODY_BOTTOM: f32 = PAGE_HEIGHT - 64.0;
pub const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// The width of a field's label column.
pub const LABEL_WIDTH: f32 = 150.0;

/// The two faces embedded in every PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// How a piece of text is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub weight: Weight,
    pub size: f32,
}

impl Style {
    pub const TITLE: Self = Self::bold(16.0);
    pub const HEADING: Self = Self::bold(12.5);
    pub const LABEL: Self = Self::bold(10.0);
    pub const BODY: Self = Self::regular(10.0);
    pub const SMALL: Self = Self::regular(8.5);
    pub const SMALL_BOLD: Self = Self::bold(8.5);

    pub const fn regular(size: f32) -> Self {
        Self {
            weight: Weight::Regular,
            size,
        }
    }

    pub const fn bold(size: f32) -> Self {
        Self {
            weight: Weight::Bold,
            size,
        }
    }

    /// The distance between two baselines.
    pub fn leading(self) -> f32 {
        self.size * 1.35
    }
}

/// One glyph of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glyph {
    pub id: u16,
    /// In font units.
    pub advance: u16,
    /// The bytes of the line's text it shows.
    pub text: std::ops::Range<usize>,
}

/// Advance widths of the embedded faces.
pub struct Metrics<'a> {
    regular: Face<'a>,
    bold: Face<'a>,
}

impl<'a> Metrics<'a> {
    pub fn new(regular: Face<'a>, bold: Face<'a>) -> Self {
        Self { regular, bold }
    }

    /// The glyphs that set `text` in `style`: one per character, each
    /// advancing by its own width (no kerning, no ligatures, so a line is
    /// exactly as wide as [`Self::width`] measured it, and every glyph maps
    /// back to its character).
    pub fn glyphs(&self, text: &str, style: Style) -> Vec<Glyph> {
        let face = self.face(style);
        text.char_indices()
            .map(|(at, c)| {
                let id = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                Glyph {
                    id: id.0,
                    advance: face.glyph_hor_advance(id).unwrap_or(0),
                    text: at..at + c.len_utf8(),
                }
            })
            .collect()
    }

    /// The font units in one em of the face `style` uses.
    pub fn units_per_em(&self, style: Style) -> f32 {
        f32::from(self.face(style).units_per_em())
    }

    /// The width of `text` set in `style`, in points.
    pub fn width(&self, text: &str, style: Style) -> f32 {
        let units: u32 = self
            .glyphs(text, style)
            .iter()
            .map(|g| u32::from(g.advance))
            .sum();
        units as f32 * style.size / self.units_per_em(style)
    }

    /// `text` with every character the face has no glyph for written as
    /// its code point (`[U+1F600]`): nothing the child said is lost, and
    /// PDF/A allows no missing glyph.
    pub fn printable(&self, text: &str, style: Style) -> String {
        let face = self.face(style);
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c == '\n' || face.glyph_index(c).is_some() {
                out.push(c);
            } else {
                out.push_str(&format!("[U+{:04X}]", u32::from(c)));
            }
        }
        out
    }

    fn face(&self, style: Style) -> &Face<'a> {
        match style.weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// `text` on one line of at most `width`: cut, with "…", when longer
    /// (the running header's name).
    pub fn fit(&self, text: &str, style: Style, width: f32) -> String {
        let text = self.printable(&clean(text).replace('\n', " "), style);
        if self.width(&text, style) <= width {
            return text;
        }
        let mut out = String::new();
        for c in text.chars() {
            out.push(c);
            if self.width(&format!("{out}…"), style) > width {
                out.pop();
                break;
            }
        }
        format!("{}…", out.trim_end())
    }

    /// `text` broken into lines no wider than `width`. Each `\n` starts a
    /// new line; runs of spaces become one; an empty paragraph stays an
    /// empty line.
    pub fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in self.printable(&clean(text), style).split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, style) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line: as many characters as fit.
                for c in word.chars() {
                    let mut longer = line.clone();
                    longer.push(c);
                    if !line.is_empty() && self.width(&longer, style) > width {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = longer;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// Tabs become spaces, Windows line ends plain ones, other control
/// characters go: none of them has a glyph.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// One piece of the body, in reading order.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Title(String),
    /// A section heading; kept on the page of what follows it.
    Heading(String),
    /// A label and its value side by side.
    Field {
        label: String,
        value: String,
    },
    /// Text across the whole width.
    Paragraph {
        text: String,
        style: Style,
    },
    /// A line of small bold text above a paragraph (an amendment's author
    /// and time).
    Byline(String),
    Space(f32),
}

/// A line of text placed on a page; `y` is its baseline from the top.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    pub style: Style,
    pub text: String,
}

/// One page's body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub runs: Vec<Run>,
}

/// Sets `blocks` on as many pages as they need (at least one).
pub fn paginate(blocks: &[Block], metrics: &Metrics<'_>) -> Vec<Page> {
    let mut pages = vec![Page::default()];
    // The top of the next line.
    let mut y = BODY_TOP;
    for (i, block) in blocks.iter().enumerate() {
        match block {
            Block::Space(space) => {
                if y > BODY_TOP {
                    y += space;
                }
            }
            Block::Title(text) | Block::Heading(text) | Block::Byline(text) => {
                let style = match block {
                    Block::Title(_) => Style::TITLE,
                    Block::Heading(_) => Style::HEADING,
                    _ => Style::SMALL_BOLD,
                };
                let lines = metrics.wrap(text, style, BODY_WIDTH);
                // A heading keeps at least two lines of what follows.
                let next = next_line_height(&blocks[i + 1..]);
                let needed = lines.len() as f32 * style.leading() + 2.0 * next;
                if y + needed > BODY_BOTTOM && y > BODY_TOP {
                    new_page(&mut pages, &mut y);
                }
                for line in lines {
                    place(&mut pages, &mut y, MARGIN_X, style, line);
                }
            }
            Block::Paragraph { text, style } => {
                for line in metrics.wrap(text, *style, BODY_WIDTH) {
                    place(&mut pages, &mut y, MARGIN_X, *style, line);
                }
            }
            Block::Field { label, value } => {
                let labels = metrics.wrap(label, Style::LABEL, LABEL_WIDTH - 8.0);
                let values = metrics.wrap(value, Style::BODY, BODY_WIDTH - LABEL_WIDTH);
                let leading = Style::BODY.leading();
                for row in 0..labels.len().max(values.len()) {
                    if y + leading > BODY_BOTTOM {
                        new_page(&mut pages, &mut y);
                    }
                    let baseline = y + Style::BODY.size;
                    let page = pages.last_mut().expect("at least one page");
                    if let Some(label) = labels.get(row).filter(|l| !l.is_empty()) {
                        page.runs.push(Run {
                            x: MARGIN_X,
                            y: baseline,
                            style: Style::LABEL,
                            text: label.clone(),
                        });
                    }
                    if let Some(value) = values.get(row).filter(|v| !v.is_empty()) {
                        page.runs.push(Run {
                            x: MARGIN_X + LABEL_WIDTH,
                            y: baseline,
                            style: Style::BODY,
                            text: value.clone(),
                        });
                    }
                    y += leading;
                }
            }
        }
    }
    pages
}

fn new_page(pages: &mut Vec<Page>, y: &mut f32) {
    pages.push(Page::default());
    *y = BODY_TOP;
}

fn next_line_height(rest: &[Block]) -> f32 {
    match rest.first() {
        Some(Block::Paragraph { style, .. }) => style.leading(),
        Some(Block::Heading(_)) => Style::HEADING.leading(),
        Some(Block::Space(_)) => next_line_height(&rest[1..]),
        _ => Style::BODY.leading(),
    }
}

/// Sets one line at `y`, on a new page when it does not fit.
fn place(pages: &mut Vec<Page>, y: &mut f32, x: f32, style: Style, text: String) {
    if *y + style.leading() > BODY_BOTTOM {
        new_page(pages, y);
    }
    let baseline = *y + style.size;
    if !text.is_empty() {
        pages.last_mut().expect("at least one page").runs.push(Run {
            x,
            y: baseline,
            style,
            text,
        });
    }
    *y += style.leading();
}
