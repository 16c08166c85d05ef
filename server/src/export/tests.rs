use super::content::blocks;
use super::layout::{paginate, Block, Style, BODY_BOTTOM, BODY_TOP, BODY_WIDTH};
use super::*;
use chrono::{NaiveDate, TimeZone, Utc};
use shared::export::{FiledMark, ToolSummary};
use shared::{
    AmendmentId, AmendmentText, Child, ChildId, ConversationTool, ExternalId, LegalBasis,
    PersonName, Placement, PlacementId, PlacementKind, Sex, UserId, Visit, VisitAmendment, VisitId,
    VisitNote, VisitorName,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn record(child_view: &str, amendments: &[&str]) -> VisitRecord {
    let child = Child {
        id: ChildId::new_random(),
        given_name: PersonName::parse("Åsa").expect("name"),
        family_name: PersonName::parse("Ödegård-Łukasiewicz").expect("name"),
        birth_date: date(2014, 5, 17),
        sex: Sex::Girl,
        has_disability: false,
        unit_id: None,
        external_id: Some(ExternalId::parse("VS-4711").expect("id")),
    };
    let placement = Placement {
        id: PlacementId::new_random(),
        child_id: child.id,
        kind: PlacementKind::FosterHome,
        home_name: PersonName::parse("Familjen Säterström").expect("name"),
        legal_basis: LegalBasis::Lvu,
        start_date: date(2025, 1, 10),
        decision_date: Some(date(2025, 1, 8)),
        decided_by: Some(PersonName::parse("Socialnämndens utskott").expect("name")),
        ..Placement::blank()
    };
    let signer = UserId::new_random();
    let visit = Visit {
        id: VisitId::new_random(),
        child_id: child.id,
        visit_date: date(2026, 3, 4),
        visitor: VisitorName::parse("Anna Lind").expect("name"),
        talked_alone: true,
        child_view: VisitNote::parse(child_view).expect("note"),
        note: VisitNote::parse("Rummet var städat.").expect("note"),
        signed_by: Some(signer),
        ..Visit::blank()
    };
    let amendments = amendments
        .iter()
        .enumerate()
        .map(|(i, text)| VisitAmendment {
            id: AmendmentId::new_random(),
            visit_id: visit.id,
            child_id: child.id,
            author: VisitorName::parse("Bo Ek").expect("name"),
            author_id: Some(signer),
            text: AmendmentText::parse(text).expect("text"),
            recorded_at: Utc
                .with_ymd_and_hms(2026, 3, 5 + i as u32, 9, 30, 0)
                .single()
                .expect("time"),
        })
        .collect();
    let filed = FiledMark {
        visit_id: visit.id,
        child_id: child.id,
        by: signer,
        by_name: "Greta Öst".into(),
        at: Utc
            .with_ymd_and_hms(2026, 3, 6, 12, 0, 0)
            .single()
            .expect("t"),
    };
    let mut record = VisitRecord::new(child, Some(placement), visit, amendments, Some(filed));
    record.tools.push(ToolSummary {
        tool: ConversationTool::ThreeHouses,
        label: ConversationTool::ThreeHouses.label_sv().to_owned(),
        text: "Drömmar: en hund\n".into(),
    });
    record
}

/// The page objects of a PDF (`/Type/Page`, not `/Pages`; krilla writes
/// no space between names).
fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

#[test]
fn lines_are_wrapped_within_the_width_and_keep_every_word() {
    let metrics = metrics().expect("fonts");
    let text = "Jag tycker om att bo här för att det är lugnt och jag får gå på fotboll \
                varje tisdag och torsdag med min bästa kompis från skolan. "
        .repeat(4);
    let lines = metrics.wrap(&text, Style::BODY, 200.0);
    assert!(lines.len() > 4, "{lines:?}");
    for line in &lines {
        assert!(metrics.width(line, Style::BODY) <= 200.0, "{line}");
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = lines.join(" ");
    assert_eq!(joined.split_whitespace().collect::<Vec<_>>(), words);
}

#[test]
fn a_word_wider_than_the_line_is_broken_and_newlines_start_lines() {
    let metrics = metrics().expect("fonts");
    let long = "å".repeat(200);
    let lines = metrics.wrap(&long, Style::BODY, 100.0);
    assert!(lines.len() > 1);
    assert_eq!(lines.concat(), long);
    assert_eq!(
        metrics.wrap("ett\n\ttvå\r\ntre\u{7}", Style::BODY, 400.0),
        vec!["ett", "två", "tre"]
    );
    assert_eq!(
        metrics.wrap("a\n\nb", Style::BODY, 400.0),
        vec!["a", "", "b"]
    );
}

#[test]
fn a_header_too_long_for_its_line_is_cut() {
    let metrics = metrics().expect("fonts");
    assert_eq!(metrics.fit("Åsa Öberg", Style::HEADING, 200.0), "Åsa Öberg");
    let long = "Åsa-Maria Östen-Ångström ".repeat(8);
    let cut = metrics.fit(&long, Style::HEADING, 200.0);
    assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
    assert!(metrics.width(&cut, Style::HEADING) <= 200.0);
    assert!(long.starts_with(cut.trim_end_matches('…')));
}

#[test]
fn bold_is_wider_than_regular_and_width_grows_with_size() {
    let metrics = metrics().expect("fonts");
    let regular = metrics.width("Barnets egna ord", Style::regular(10.0));
    assert!(regular > 0.0);
    assert!(metrics.width("Barnets egna ord", Style::bold(10.0)) > regular);
    let double = metrics.width("Barnets egna ord", Style::regular(20.0));
    assert!((double - 2.0 * regular).abs() < 0.01);
}

#[test]
fn the_content_heads_the_childs_words_and_dates_and_attributes_amendments() {
    let r = record(
        "Jag vill bo kvar här, säger Åsa.",
        &["Första rättelsen", "Andra"],
    );
    let blocks = blocks(&r);
    let heading = blocks
        .iter()
        .position(|b| *b == Block::Heading("Barnets egna ord".into()))
        .expect("the child's words are headed");
    assert!(matches!(
        &blocks[heading + 1],
        Block::Paragraph { text, .. } if text == "Jag vill bo kvar här, säger Åsa."
    ));
    let bylines: Vec<&String> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Byline(t) => Some(t),
            _ => None,
        })
        .collect();
    // Stockholm is UTC+1 in March.
    assert!(bylines.contains(&&"Förd till akt 2026-03-06 13:00 av Greta Öst".to_owned()));
    let first = bylines
        .iter()
        .position(|b| *b == "2026-03-05 10:30, Bo Ek")
        .expect("first amendment");
    let second = bylines
        .iter()
        .position(|b| *b == "2026-03-06 10:30, Bo Ek")
        .expect("second amendment");
    assert!(first < second, "oldest first");
    let has_field = |label: &str, value: &str| {
        blocks
            .iter()
            .any(|b| matches!(b, Block::Field { label: l, value: v } if l == label && v == value))
    };
    assert!(has_field("Placeringsform", "Familjehem"));
    assert!(has_field("Lagrum", "LVU"));
    assert!(has_field("Enskilt samtal", "Ja"));
    assert!(has_field("Id i verksamhetssystemet", "VS-4711"));
    let tools = blocks
        .iter()
        .position(|b| *b == Block::Heading("Samtalsverktyg".into()))
        .expect("the tools are headed");
    assert_eq!(
        blocks[tools + 1],
        Block::Byline(ConversationTool::ThreeHouses.label_sv().into())
    );
    assert!(matches!(
        &blocks[tools + 2],
        Block::Paragraph { text, .. } if text == "Drömmar: en hund"
    ));
}

#[test]
fn a_long_visit_runs_over_pages_within_the_body() {
    let metrics = metrics().expect("fonts");
    let long = "Barnet berättade länge om skolan och om helgerna hos mormor. ".repeat(150);
    let r = record(&long, &["Kort tillägg"]);
    let pages = paginate(&blocks(&r), &metrics);
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for page in &pages {
        assert!(!page.runs.is_empty());
        for run in &page.runs {
            assert!(run.y > BODY_TOP && run.y <= BODY_BOTTOM, "{run:?}");
            assert!(run.x + metrics.width(&run.text, run.style) <= 56.0 + BODY_WIDTH + 0.01);
        }
    }
    // No heading is the last line of a page.
    for page in &pages[..pages.len() - 1] {
        let last = page.runs.last().expect("run");
        assert_ne!(last.style, Style::HEADING, "{last:?}");
    }
}

#[test]
fn the_pdf_is_a4_with_embedded_unicode_fonts_and_a_page_per_visit() {
    let one = render_pdf(&[record("Kort.", &[])], Utc::now()).expect("pdf");
    assert!(one.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&one);
    assert!(
        text.contains("/ToUnicode"),
        "selectable text needs a ToUnicode map"
    );
    assert!(text.contains("DejaVuSans"));
    assert!(text.contains("595.28"));
    assert!(text.contains("<pdfaid:part>2</pdfaid:part>"), "PDF/A-2");
    assert!(
        text.contains("<pdfaid:conformance>U</pdfaid:conformance>"),
        "PDF/A-2u"
    );

    assert_eq!(page_count(&one), 1);
    let long = "Barnet berättade länge om skolan. ".repeat(200);
    let three = render_pdf(
        &[record("Ett.", &[]), record(&long, &[]), record("Tre.", &[])],
        Utc::now(),
    )
    .expect("pdf");
    let metrics = metrics().expect("fonts");
    let long_pages = paginate(&blocks(&record(&long, &[])), &metrics).len();
    assert!(long_pages > 1);
    assert_eq!(
        page_count(&three),
        2 + long_pages,
        "each visit on pages of its own"
    );
}

#[test]
fn a_character_without_a_glyph_is_kept_as_its_code_point() {
    let metrics = metrics().expect("fonts");
    assert_eq!(
        metrics.printable("glad 漢 å\nny", Style::BODY),
        "glad [U+6F22] å\nny"
    );
    assert_eq!(metrics.wrap("🦄", Style::BODY, 400.0), vec!["[U+1F984]"]);
    // PDF/A refuses a missing glyph: the PDF is still written.
    let pdf = render_pdf(
        &[record("Jag är glad 😀🦄 idag, 漢字.", &["Tillägg 🙂🦄"])],
        Utc::now(),
    );
    assert!(pdf.expect("pdf").starts_with(b"%PDF-"));
}

#[test]
fn an_empty_bulk_export_is_one_page_saying_so() {
    let pdf = render_pdf(&[], Utc::now()).expect("pdf");
    assert_eq!(page_count(&pdf), 1);
    assert!(
        String::from_utf8_lossy(&pdf).contains("DejaVuSans"),
        "the line is set in the embedded font"
    );
}
