//! The worker's card as a QR code: the modules as one SVG path, drawn by the
//! page (no image, no inline script), so the child's phone can open the card
//! in the children's corner.

use qrcode::{Color, EcLevel, QrCode};

/// A QR code drawn as SVG: `size` modules a side plus a quiet zone of
/// [`QUIET`] on each side, the dark modules as one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrDrawing {
    pub size: usize,
    pub path: String,
}

/// The blank border a reader needs around the code, in modules.
pub const QUIET: usize = 4;

impl QrDrawing {
    /// The `viewBox` that holds the code and its quiet zone.
    pub fn view_box(&self) -> String {
        format!("0 0 {0} {0}", self.size + 2 * QUIET)
    }
}

/// `text` as a QR code (error correction M: a printed card may get a
/// crease); `None` when it is too long for one.
pub fn qr_drawing(text: &str) -> Option<QrDrawing> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let size = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (index, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (index % size + QUIET, index / size + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(QrDrawing { size, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dark(drawing: &QrDrawing, x: usize, y: usize) -> bool {
        drawing
            .path
            .contains(&format!("M{} {}h1v1h-1z", x + QUIET, y + QUIET))
    }

    #[test]
    fn a_card_link_becomes_a_code_with_its_finder_patterns() {
        let link = "https://barnbesok.example.se/barn-och-unga/min-socialsekreterare?namn=Anna%20%C3%85berg&tel=070-123%2045%2067";
        let drawing = qr_drawing(link).expect("fits");
        assert_eq!((drawing.size - 21) % 4, 0, "21 + 4 per version");
        assert_eq!(drawing.view_box(), format!("0 0 {0} {0}", drawing.size + 8));
        // The three finder patterns: a dark 7×7 ring at three corners.
        let last = drawing.size - 7;
        for (x0, y0) in [(0, 0), (last, 0), (0, last)] {
            for i in 0..7 {
                assert!(dark(&drawing, x0 + i, y0), "top edge");
                assert!(dark(&drawing, x0 + i, y0 + 6), "bottom edge");
                assert!(dark(&drawing, x0, y0 + i), "left edge");
            }
            assert!(!dark(&drawing, x0 + 1, y0 + 1), "the ring's light inside");
            assert!(dark(&drawing, x0 + 3, y0 + 3), "the dark centre");
        }
        assert_eq!(
            qr_drawing(link),
            Some(drawing),
            "the same link, the same code"
        );
    }

    #[test]
    fn a_longer_link_needs_a_bigger_code_and_a_huge_one_none() {
        let short = qr_drawing("https://x.se/a").expect("fits").size;
        let long = qr_drawing(&format!("https://x.se/{}", "a".repeat(300)))
            .expect("fits")
            .size;
        assert!(long > short);
        assert_eq!(qr_drawing(&"a".repeat(5_000)), None);
    }
}
