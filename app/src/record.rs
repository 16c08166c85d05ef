//! A signed visit as it goes to the record (akten), for the tablet's print
//! view: the same content, in the same order, as the server's PDF
//! (`server/src/export/content.rs`), built on the device from
//! [`VisitRecord`] so it works offline. Also the "förd till akt" line and
//! the names of the files. Pure, tested natively.
//!
//! The record (akten) is kept in Swedish and the server's PDF is always
//! Swedish; this print view is worded in the language asked for (the
//! interface language on screen, or Swedish on request, for a printout that
//! goes into the record). Dates and times stay as the PDF writes them (ISO, 24-hour)
//! in every language: the view is a copy of the record document. The file
//! names never change with the language.

use crate::i18n::td_string;
use crate::labels::Label;
use crate::language::Language;
use chrono::{DateTime, NaiveDate, Utc};
use shared::export::{FiledMark, UnfiledQuery, VisitRecord};
use shared::{Child, Placement, VisitId};

/// Written where a field was left empty.
const NOTHING: &str = "–";

/// One line of the print view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A label and its value on one line.
    Field { label: String, value: String },
    /// A text, under its own small heading when it has one.
    Text { label: Option<String>, text: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub items: Vec<Item>,
}

fn field(label: &str, value: impl Into<String>) -> Item {
    Item::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn text(language: Language, label: Option<&str>, text: &str) -> Item {
    Item::Text {
        label: label.map(str::to_owned),
        text: if text.trim().is_empty() {
            td_string!(language.locale(), record.document.nothing_recorded).to_owned()
        } else {
            text.to_owned()
        },
    }
}

fn yes_no(language: Language, value: bool) -> &'static str {
    if value {
        td_string!(language.locale(), record.document.yes)
    } else {
        td_string!(language.locale(), record.document.no)
    }
}

/// A date as the record writes it: "2026-12-04".
fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// "Besök 2026-12-04".
pub fn title(record: &VisitRecord, language: Language) -> String {
    td_string!(
        language.locale(),
        record.document.title,
        date = iso(record.visit.visit_date)
    )
}

/// "Förd till akt 2026-12-04 14:05 av Anna Lind".
pub fn filed_text(
    mark: &FiledMark,
    language: Language,
    local: impl Fn(DateTime<Utc>) -> String,
) -> String {
    td_string!(
        language.locale(),
        record.document.filed,
        at = local(mark.at),
        name = mark.by_name.as_str()
    )
}

/// The first mark of a visit (a visit is filed once; a later mark for the
/// same visit cannot exist on the server, but the earliest wins here too).
pub fn filed_mark(filed: &[FiledMark], visit: VisitId) -> Option<FiledMark> {
    filed
        .iter()
        .filter(|m| m.visit_id == visit)
        .min_by_key(|m| m.at)
        .cloned()
}

/// The placement in force on the day of the visit.
pub fn placement_on(placements: &[Placement], day: NaiveDate) -> Option<Placement> {
    placements
        .iter()
        .filter(|p| p.is_current_on(day))
        .max_by_key(|p| p.start_date)
        .cloned()
}

/// The PDF's file name: the date and the child's initials, never the name.
/// The same in every language.
pub fn pdf_file_name(child: &Child, day: NaiveDate) -> String {
    let initials: String = [child.given_name.as_str(), child.family_name.as_str()]
        .iter()
        .filter_map(|n| n.chars().next())
        .collect();
    format!("akt-besok-{}-{initials}.pdf", day.format("%Y-%m-%d"))
}

/// The bulk export's file name.
pub fn unfiled_file_name(query: &UnfiledQuery) -> String {
    format!(
        "akt-ej-forda-besok-{}--{}.pdf",
        query.from.format("%Y-%m-%d"),
        query.to.format("%Y-%m-%d")
    )
}

/// The print view's sections, in the PDF's order, worded in `language`;
/// `local` writes a time as read here.
pub fn sections(
    record: &VisitRecord,
    language: Language,
    local: impl Fn(DateTime<Utc>) -> String,
) -> Vec<Section> {
    let locale = language.locale();
    let visit = &record.visit;
    let child = &record.child;
    let mut out = Vec::new();
    out.push(Section {
        heading: td_string!(locale, record.section.child).into(),
        items: vec![
            field(td_string!(locale, record.field.name), child.full_name()),
            field(td_string!(locale, record.field.born), iso(child.birth_date)),
            field(
                td_string!(locale, record.field.sex),
                child.sex.label(language),
            ),
            field(
                td_string!(locale, record.field.external_id),
                child.external_id.as_ref().map_or(NOTHING, |id| id.as_str()),
            ),
        ],
    });
    let placement = match &record.placement {
        Some(p) => {
            let mut items = vec![
                field(
                    td_string!(locale, record.field.placement_kind),
                    p.kind.label(language),
                ),
                field(td_string!(locale, record.field.home), p.home_name.as_str()),
                field(
                    td_string!(locale, record.field.legal_basis),
                    p.legal_basis.label(language),
                ),
                field(
                    td_string!(locale, record.field.placed),
                    format!(
                        "{} – {}",
                        iso(p.start_date),
                        p.end_date.map(iso).unwrap_or_default()
                    ),
                ),
            ];
            if let Some(date) = p.decision_date {
                let by = p
                    .decided_by
                    .as_ref()
                    .map_or(String::new(), |n| format!(", {n}"));
                items.push(field(
                    td_string!(locale, record.field.decision),
                    format!("{}{by}", iso(date)),
                ));
            }
            if let Some(date) = p.decision_until {
                items.push(field(
                    td_string!(locale, record.field.decision_until),
                    iso(date),
                ));
            }
            items
        }
        None => vec![text(
            language,
            None,
            td_string!(locale, record.no_placement),
        )],
    };
    out.push(Section {
        heading: td_string!(locale, record.section.placement).into(),
        items: placement,
    });
    let mut about = vec![field(
        td_string!(locale, record.field.date),
        iso(visit.visit_date),
    )];
    if let Some(time) = visit.start_time {
        about.push(field(
            td_string!(locale, record.field.time),
            time.format("%H:%M").to_string(),
        ));
    }
    about.push(field(
        td_string!(locale, record.field.contact),
        visit.contact.label(language),
    ));
    about.push(field(
        td_string!(locale, record.field.place),
        visit.place.label(language),
    ));
    about.push(field(
        td_string!(locale, record.field.visitor),
        format!("{} ({})", visit.visitor, visit.visitor_role.label(language)),
    ));
    about.push(field(
        td_string!(locale, record.field.talked_alone),
        yes_no(language, visit.talked_alone),
    ));
    if let Some(reason) = visit.not_alone_reason {
        let mut why = reason.label(language).to_owned();
        if !visit.not_alone_text.as_str().trim().is_empty() {
            why = format!("{why}: {}", visit.not_alone_text);
        }
        about.push(field(
            td_string!(locale, record.field.not_alone_reason),
            why,
        ));
    }
    about.push(field(
        td_string!(locale, record.field.feedback_given),
        yes_no(language, visit.feedback_given),
    ));
    about.push(field(
        td_string!(locale, record.field.recorded),
        local(visit.recorded_at),
    ));
    about.push(field(
        td_string!(locale, record.field.signed_by),
        if visit.signed_by.is_some() {
            visit.visitor.as_str()
        } else {
            td_string!(locale, record.field.not_signed)
        },
    ));
    out.push(Section {
        heading: td_string!(locale, record.section.visit).into(),
        items: about,
    });
    out.push(Section {
        heading: td_string!(locale, record.section.childs_words).into(),
        items: vec![
            text(language, None, visit.child_view.as_str()),
            text(
                language,
                Some(td_string!(locale, record.field.child_asked)),
                visit.child_asked.as_str(),
            ),
            text(
                language,
                Some(td_string!(locale, record.field.view_influence)),
                visit.view_influence.as_str(),
            ),
        ],
    });
    out.push(Section {
        heading: td_string!(locale, record.section.tools).into(),
        items: if record.tools.is_empty() {
            vec![text(language, None, td_string!(locale, record.no_tools))]
        } else {
            record
                .tools
                .iter()
                .map(|t| text(language, Some(t.tool.label(language)), t.text.trim_end()))
                .collect()
        },
    });
    out.push(Section {
        heading: td_string!(locale, record.section.note).into(),
        items: vec![text(language, None, visit.note.as_str())],
    });
    out.push(Section {
        heading: td_string!(locale, record.section.follow_up).into(),
        items: vec![text(language, None, visit.follow_ups.as_str())],
    });
    out.push(Section {
        heading: td_string!(locale, record.section.amendments).into(),
        items: if record.amendments.is_empty() {
            vec![text(
                language,
                None,
                td_string!(locale, record.no_amendments),
            )]
        } else {
            record
                .amendments
                .iter()
                .map(|a| {
                    let by = format!("{}, {}", local(a.recorded_at), a.author);
                    text(language, Some(&by), a.text.as_str())
                })
                .collect()
        },
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::tests::visit_for;
    use shared::{ChildId, LegalBasis, PersonName, PlacementId, PlacementKind, UserId};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn child() -> Child {
        Child {
            id: ChildId::new_random(),
            given_name: PersonName::parse("Åsa").expect("name"),
            family_name: PersonName::parse("Öberg").expect("name"),
            birth_date: d("2014-02-03"),
            sex: shared::Sex::Girl,
            has_disability: false,
            unit_id: None,
            external_id: Some(shared::ExternalId::parse("BARN-0007").expect("id")),
        }
    }

    fn placement(child: &Child, start: &str, end: Option<&str>) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: child.id,
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("name"),
            legal_basis: LegalBasis::Lvu,
            start_date: d(start),
            end_date: end.map(d),
            decision_date: Some(d(start)),
            decided_by: Some(PersonName::parse("Sociala utskottet").expect("name")),
            ..Placement::blank()
        }
    }

    fn local(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn the_print_view_holds_the_childs_words_the_tools_and_the_amendments_in_the_pdfs_order() {
        let c = child();
        let mut visit = visit_for(c.id);
        visit.visit_date = d("2026-11-20");
        visit.child_view = shared::VisitNote::parse("Jag vill bo kvar här.").expect("note");
        visit.signed_by = Some(UserId::new_random());
        let amendment = shared::VisitAmendment {
            id: shared::AmendmentId::new_random(),
            visit_id: visit.id,
            child_id: c.id,
            author: shared::VisitorName::parse("Anna Lind").expect("name"),
            author_id: None,
            text: shared::AmendmentText::parse("Rättat datum.").expect("text"),
            recorded_at: "2026-11-21T09:30:00Z".parse().expect("time"),
        };
        let placements = [
            placement(&c, "2025-01-01", Some("2026-05-31")),
            placement(&c, "2026-06-01", None),
        ];
        let during = placement_on(&placements, visit.visit_date);
        assert_eq!(during.as_ref().map(|p| p.start_date), Some(d("2026-06-01")));
        let record = VisitRecord::new(c.clone(), during, visit, vec![amendment], None);
        let all = sections(&record, Language::Swedish, local);
        let headings: Vec<&str> = all.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "Barnet",
                "Placering",
                "Besöket",
                "Barnets egna ord",
                "Samtalsverktyg",
                "Anteckning",
                "Uppföljning",
                "Tillägg och rättelser"
            ]
        );
        assert_eq!(
            all[3].items[0],
            Item::Text {
                label: None,
                text: "Jag vill bo kvar här.".into()
            }
        );
        assert!(all[1].items.contains(&Item::Field {
            label: "Beslut".into(),
            value: "2026-06-01, Sociala utskottet".into()
        }));
        assert!(all[0].items.contains(&Item::Field {
            label: "Id i verksamhetssystemet".into(),
            value: "BARN-0007".into()
        }));
        assert_eq!(
            all[7].items,
            vec![Item::Text {
                label: Some("2026-11-21 09:30, Anna Lind".into()),
                text: "Rättat datum.".into()
            }]
        );
        assert_eq!(title(&record, Language::Swedish), "Besök 2026-11-20");
        assert_eq!(
            pdf_file_name(&c, d("2026-11-20")),
            "akt-besok-2026-11-20-ÅÖ.pdf"
        );

        // In English: the same content and order, English words, the same
        // dates and file name.
        let english = sections(&record, Language::English, local);
        let headings: Vec<&str> = english.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "The child",
                "Placement",
                "The visit",
                "The child's own words",
                "Conversation tools",
                "Note",
                "Follow-up",
                "Additions and corrections"
            ]
        );
        assert_eq!(english[3].items[0], all[3].items[0]);
        assert!(english[1].items.contains(&Item::Field {
            label: "Decision".into(),
            value: "2026-06-01, Sociala utskottet".into()
        }));
        assert!(english[0].items.contains(&Item::Field {
            label: "Date of birth".into(),
            value: "2014-02-03".into()
        }));
        assert!(english[0].items.contains(&Item::Field {
            label: "ID in the case management system".into(),
            value: "BARN-0007".into()
        }));
        assert_eq!(english[7].items, all[7].items);
        assert_eq!(
            english[4].items,
            vec![Item::Text {
                label: None,
                text: "No conversation tools were used.".into()
            }]
        );
        assert_eq!(title(&record, Language::English), "Visit 2026-11-20");
    }

    #[test]
    fn empty_fields_and_a_missing_placement_are_said_in_the_language() {
        let c = child();
        let mut visit = visit_for(c.id);
        visit.signed_by = None;
        let record = VisitRecord::new(c, None, visit, Vec::new(), None);
        let swedish = sections(&record, Language::Swedish, local);
        let english = sections(&record, Language::English, local);
        assert_eq!(
            swedish[1].items,
            vec![Item::Text {
                label: None,
                text: "Ingen placering gällde besöksdagen.".into()
            }]
        );
        assert_eq!(
            english[1].items,
            vec![Item::Text {
                label: None,
                text: "No placement was in force on the day of the visit.".into()
            }]
        );
        assert!(swedish[2].items.contains(&Item::Field {
            label: "Signerat av".into(),
            value: "ej signerat".into()
        }));
        assert!(english[2].items.contains(&Item::Field {
            label: "Signed by".into(),
            value: "not signed".into()
        }));
        assert_eq!(
            swedish[7].items,
            vec![Item::Text {
                label: None,
                text: "Inga tillägg.".into()
            }]
        );
        assert_eq!(
            english[7].items,
            vec![Item::Text {
                label: None,
                text: "No additions.".into()
            }]
        );
    }

    #[test]
    fn the_first_mark_is_the_one_shown() {
        let visit = VisitId::new_random();
        let mark = |at: &str, name: &str| FiledMark {
            visit_id: visit,
            child_id: ChildId::new_random(),
            by: UserId::new_random(),
            by_name: name.into(),
            at: at.parse().expect("time"),
        };
        let first = mark("2026-12-04T10:00:00Z", "Anna Lind");
        let marks = vec![mark("2026-12-05T10:00:00Z", "Bo Ek"), first.clone()];
        assert_eq!(filed_mark(&marks, visit), Some(first.clone()));
        assert_eq!(filed_mark(&marks, VisitId::new_random()), None);
        assert_eq!(
            filed_text(&first, Language::Swedish, local),
            "Förd till akt 2026-12-04 10:00 av Anna Lind"
        );
        assert_eq!(
            filed_text(&first, Language::English, local),
            "Filed in the case record 2026-12-04 10:00 by Anna Lind"
        );
        let query = UnfiledQuery {
            from: d("2026-11-01"),
            to: d("2026-11-30"),
            worker: None,
            unit: None,
        };
        assert_eq!(
            unfiled_file_name(&query),
            "akt-ej-forda-besok-2026-11-01--2026-11-30.pdf"
        );
    }
}
