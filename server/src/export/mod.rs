//! Signed visits as PDF for the record (akten): A4, the text selectable and
//! searchable (the fonts are embedded, subset, with a ToUnicode map, by
//! `krilla`), the same content as the JSON [`VisitRecord`]. See
//! `docs/export.md` for the choice of crate. Lines are set glyph by glyph
//! from the fonts' own advance widths (`layout.rs`), not shaped: Latin
//! script needs no shaping, and it is many times faster.

mod content;
mod layout;

use chrono::{DateTime, Datelike, Timelike, Utc};
use content::{header, Header, DOCUMENT_TITLE};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use layout::{Metrics, Page, Style, Weight, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH};
use shared::export::VisitRecord;

/// DejaVu Sans, regular and bold (licence: `server/fonts/LICENSE`): every
/// Latin letter a Swedish record meets (å ä ö, é ü, ł ø ş …).
static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// Why no PDF was written. Both mean a fault in the server, not the input.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("an embedded font cannot be read")]
    Font,
    /// krilla's own error (it names fonts and limits, never the text).
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn load() -> Result<Self, ExportError> {
        Ok(Self {
            regular: Font::new(REGULAR.into(), 0).ok_or(ExportError::Font)?,
            bold: Font::new(BOLD.into(), 0).ok_or(ExportError::Font)?,
        })
    }

    fn get(&self, weight: Weight) -> Font {
        match weight {
            Weight::Regular => self.regular.clone(),
            Weight::Bold => self.bold.clone(),
        }
    }
}

fn metrics() -> Result<Metrics<'static>, ExportError> {
    let face = |data| ttf_parser::Face::parse(data, 0).map_err(|_| ExportError::Font);
    Ok(Metrics::new(face(REGULAR)?, face(BOLD)?))
}

/// Sets one line with its baseline at `at`.
fn draw(
    surface: &mut krilla::surface::Surface<'_>,
    fonts: &Fonts,
    metrics: &Metrics<'_>,
    at: (f32, f32),
    style: Style,
    line: &str,
) {
    let per_em = metrics.units_per_em(style);
    let glyphs: Vec<KrillaGlyph> = metrics
        .glyphs(line, style)
        .into_iter()
        .map(|g| {
            let advance = f32::from(g.advance) / per_em;
            KrillaGlyph::new(
                GlyphId::new(u32::from(g.id)),
                advance,
                0.0,
                0.0,
                0.0,
                g.text,
                None,
            )
        })
        .collect();
    surface.draw_glyphs(
        Point::from_xy(at.0, at.1),
        &glyphs,
        fonts.get(style.weight),
        line,
        style.size,
        false,
    );
}

fn pdf_date(at: DateTime<Utc>) -> krilla::metadata::DateTime {
    let narrow = |n: u32| u8::try_from(n).unwrap_or(u8::MAX);
    krilla::metadata::DateTime::new(u16::try_from(at.year()).unwrap_or(0))
        .month(narrow(at.month()))
        .day(narrow(at.day()))
        .hour(narrow(at.hour()))
        .minute(narrow(at.minute()))
        .second(narrow(at.second()))
        .utc_offset_hour(0)
}

/// Each record's pages, as set: its header and body pages.
fn set(records: &[VisitRecord], metrics: &Metrics<'_>) -> Vec<(Header, Vec<Page>)> {
    records
        .iter()
        .map(|r| (header(r), layout::paginate(&content::blocks(r), metrics)))
        .collect()
}

/// The PDF of `records`, written at `created`: PDF/A-2u, the archival
/// profile with every character's Unicode kept, so that a record system
/// may keep it for good. Each visit starts on a page of its own and its
/// pages are numbered on their own ("Sida 1 av 2"), so that each can be
/// filed in its child's record.
pub fn render_pdf(records: &[VisitRecord], created: DateTime<Utc>) -> Result<Vec<u8>, ExportError> {
    let fonts = Fonts::load()?;
    let metrics = metrics()?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .finish()
        .map_err(|e| ExportError::Pdf(format!("{e:?}")))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    let title = match records {
        [one] => format!("{DOCUMENT_TITLE}: {}", header(one).visit),
        _ => DOCUMENT_TITLE.to_owned(),
    };
    document.set_metadata(
        Metadata::new()
            .title(title)
            .language("sv-SE".to_owned())
            .creator("Barnbesök".to_owned())
            .creation_date(pdf_date(created)),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| ExportError::Pdf("page size".into()))?;
    if records.is_empty() {
        // A bulk export that found nothing still says so on paper.
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for (y, style, line) in [
            (44.0, Style::SMALL, DOCUMENT_TITLE),
            (140.0, Style::BODY, content::NOTHING_TO_FILE),
        ] {
            draw(&mut surface, &fonts, &metrics, (MARGIN_X, y), style, line);
        }
        surface.finish();
        page.finish();
    }
    for (header, pages) in set(records, &metrics) {
        let total = pages.len();
        let name = metrics.fit(&header.name, Style::HEADING, layout::BODY_WIDTH);
        let details = metrics.fit(&header.details, Style::BODY, layout::BODY_WIDTH);
        for (n, body) in pages.iter().enumerate() {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            let mut text = |x: f32, y: f32, style: Style, s: &str| {
                draw(&mut surface, &fonts, &metrics, (x, y), style, s);
            };
            text(MARGIN_X, 44.0, Style::SMALL, DOCUMENT_TITLE);
            text(MARGIN_X, 64.0, Style::HEADING, &name);
            text(MARGIN_X, 80.0, Style::BODY, &details);
            text(MARGIN_X, PAGE_HEIGHT - 36.0, Style::SMALL, &header.visit);
            let number = format!("Sida {} av {total}", n + 1);
            let right = PAGE_WIDTH - MARGIN_X - metrics.width(&number, Style::SMALL);
            text(right, PAGE_HEIGHT - 36.0, Style::SMALL, &number);
            for run in &body.runs {
                text(run.x, run.y, run.style, &run.text);
            }
            for y in [92.0, PAGE_HEIGHT - 50.0] {
                let mut path = PathBuilder::new();
                path.move_to(MARGIN_X, y);
                path.line_to(PAGE_WIDTH - MARGIN_X, y);
                if let Some(path) = path.finish() {
                    surface.set_stroke(Some(Stroke {
                        width: 0.5,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                }
            }
            surface.finish();
            page.finish();
        }
    }
    document
        .finish()
        .map_err(|e| ExportError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests;
