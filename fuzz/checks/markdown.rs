//! What the fuzz targets that render Markdown check of the result: the
//! `markdown` target (`shared.rs`) and the routine body of `routine_body`
//! (`server.rs`), which both include this file.

use shared::markdown::{Block, Href, HrefKind, Inline};

/// How deep inline markup nests at most (`MAX_INLINE_DEPTH` in
/// `shared::markdown`, which bounds the parser's recursion).
const MAX_INLINE_DEPTH: usize = 4;
/// The longest link target `Href::parse` takes (`MAX_HREF_BYTES`).
const MAX_HREF_BYTES: usize = 2048;

/// `blocks` and `plain` as `shared::markdown` made them from `source`: every
/// link target allowed and taken from the source, no control characters in
/// text, markup nested within its bound, no link inside a link; the blocks
/// survive the JSON that carries them to devices; the plain text holds no
/// `<` or `>` and stays within a small multiple of the source's length.
pub fn check_rendering(source: &str, blocks: &[Block], plain: &str) {
    assert!(
        blocks.len() <= source.lines().count(),
        "{} blocks from {} lines",
        blocks.len(),
        source.lines().count()
    );
    for block in blocks {
        match block {
            Block::Heading { inlines, .. } | Block::Paragraph(inlines) | Block::Quote(inlines) => {
                check_inlines(source, inlines, 0, false);
            }
            Block::List(list) => {
                for item in &list.items {
                    check_inlines(source, &item.inlines, 0, false);
                    for sub_item in item.sublist.iter().flat_map(|sub| &sub.items) {
                        check_inlines(source, sub_item, 0, false);
                    }
                }
            }
        }
    }
    assert!(
        !plain.contains(['<', '>']),
        "a tag character in the plain text {plain:?}"
    );
    // Each character of the source gives at most one of the plain text, and
    // each line at most two line breaks; `<` and `>` become three-byte `‹`, `›`.
    let (source_chars, plain_chars) = (source.chars().count(), plain.chars().count());
    assert!(
        plain_chars <= 2 * source_chars,
        "{plain_chars} characters of plain text from {source_chars}"
    );
    assert!(
        plain.len() <= 3 * source.len(),
        "{} bytes of plain text from {}",
        plain.len(),
        source.len()
    );
    let json = match serde_json::to_vec(blocks) {
        Ok(json) => json,
        Err(e) => panic!("the blocks do not encode: {e}"),
    };
    match serde_json::from_slice::<Vec<Block>>(&json) {
        Ok(back) => assert_eq!(back, blocks, "the blocks changed on a round trip"),
        Err(e) => panic!(
            "the encoded blocks do not decode: {e}: {}",
            String::from_utf8_lossy(&json)
        ),
    }
}

fn check_inlines(source: &str, inlines: &[Inline], depth: usize, in_link: bool) {
    for inline in inlines {
        match inline {
            Inline::Text(text) | Inline::Code(text) => assert!(
                !text.chars().any(|c| c.is_ascii_control()),
                "a control character in the text {text:?}"
            ),
            Inline::Strong(children) | Inline::Emphasis(children) => {
                assert!(
                    depth < MAX_INLINE_DEPTH,
                    "markup nested deeper than {MAX_INLINE_DEPTH}"
                );
                check_inlines(source, children, depth + 1, in_link);
            }
            Inline::Link { href, children } => {
                assert!(!in_link, "a link inside a link: {href}");
                assert!(
                    depth < MAX_INLINE_DEPTH,
                    "a link nested deeper than {MAX_INLINE_DEPTH}"
                );
                check_href(source, href);
                check_inlines(source, children, depth + 1, true);
            }
        }
    }
}

/// A link target is one of the allowed kinds, written out here independently
/// of `Href::parse`, and is text of the source (the parser invents none).
fn check_href(source: &str, href: &Href) {
    let target = href.as_str();
    assert!(source.contains(target), "{target:?} is not in the source");
    assert_eq!(
        Href::parse(target).as_ref(),
        Ok(href),
        "{target:?} does not parse to itself"
    );
    assert!(
        !target.is_empty() && target.len() <= MAX_HREF_BYTES,
        "a target of {} bytes",
        target.len()
    );
    let unsafe_char =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`' | '\\');
    assert!(!target.contains(unsafe_char), "{target:?}");
    let lower = target.to_ascii_lowercase();
    match href.kind() {
        HrefKind::Web => {
            let host = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            assert!(
                host.is_some_and(|h| h.starts_with(char::is_alphanumeric)),
                "{target:?} is not a web address"
            );
        }
        HrefKind::Mail => {
            let address = lower.strip_prefix("mailto:");
            assert!(
                address.is_some_and(|a| a.find('@').is_some_and(|at| at > 0)),
                "{target:?} is not a mail address"
            );
        }
        HrefKind::Routine => {
            assert!(
                target == "/rutiner" || target.starts_with("/rutiner/"),
                "{target:?} is not under /rutiner"
            );
            // A browser resolves `..` in a path, also written with `%2e`
            // (the URL standard's double-dot segments), before following it.
            let path = lower.split(['?', '#']).next().unwrap_or_default();
            let climbs = path
                .split('/')
                .any(|segment| segment.replace("%2e", ".") == "..");
            assert!(!climbs, "{target:?} climbs out of /rutiner");
        }
    }
}
