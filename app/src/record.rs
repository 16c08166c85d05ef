//! A signed visit as it goes to the record (akten), for the tablet's print
//! view: the same content, in the same order, as the server's PDF
//! (`server/src/export/content.rs`), built on the device from
//! [`VisitRecord`] so it works offline. Also the "förd till akt" line and
//! the names of the files. Pure, tested natively.

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

fn text(label: Option<&str>, text: &str) -> Item {
    Item::Text {
        label: label.map(str::to_owned),
        text: if text.trim().is_empty() {
            "(inget antecknat)".to_owned()
        } else {
            text.to_owned()
        },
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "Ja"
    } else {
        "Nej"
    }
}

/// "Besök 2026-12-04".
pub fn title(record: &VisitRecord) -> String {
    format!("Besök {}", record.visit.visit_date.format("%Y-%m-%d"))
}

/// "Förd till akt 2026-12-04 14:05 av Anna Lind".
pub fn filed_text(mark: &FiledMark, local: impl Fn(DateTime<Utc>) -> String) -> String {
    format!("Förd till akt {} av {}", local(mark.at), mark.by_name)
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

/// The print view's sections, in the PDF's order; `local` writes a time as
/// read here.
pub fn sections(record: &VisitRecord, local: impl Fn(DateTime<Utc>) -> String) -> Vec<Section> {
    let visit = &record.visit;
    let child = &record.child;
    let mut out = Vec::new();
    out.push(Section {
        heading: "Barnet".into(),
        items: vec![
            field("Namn", child.full_name()),
            field("Född", child.birth_date.format("%Y-%m-%d").to_string()),
            field("Kön", child.sex.label_sv()),
            field(
                "Id i verksamhetssystemet",
                child.external_id.as_ref().map_or(NOTHING, |id| id.as_str()),
            ),
        ],
    });
    let placement = match &record.placement {
        Some(p) => {
            let mut items = vec![
                field("Placeringsform", p.kind.label_sv()),
                field("Hem", p.home_name.as_str()),
                field("Lagrum", p.legal_basis.label_sv()),
                field(
                    "Placerad",
                    format!(
                        "{} – {}",
                        p.start_date.format("%Y-%m-%d"),
                        p.end_date
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .unwrap_or_default()
                    ),
                ),
            ];
            if let Some(date) = p.decision_date {
                let by = p
                    .decided_by
                    .as_ref()
                    .map_or(String::new(), |n| format!(", {n}"));
                items.push(field("Beslut", format!("{}{by}", date.format("%Y-%m-%d"))));
            }
            if let Some(date) = p.decision_until {
                items.push(field(
                    "Beslutet gäller till",
                    date.format("%Y-%m-%d").to_string(),
                ));
            }
            items
        }
        None => vec![text(None, "Ingen placering gällde besöksdagen.")],
    };
    out.push(Section {
        heading: "Placering".into(),
        items: placement,
    });
    let mut about = vec![field(
        "Datum",
        visit.visit_date.format("%Y-%m-%d").to_string(),
    )];
    if let Some(time) = visit.start_time {
        about.push(field("Klockan", time.format("%H:%M").to_string()));
    }
    about.push(field("Kontakt", visit.contact.label_sv()));
    about.push(field("Plats", visit.place.label_sv()));
    about.push(field(
        "Besökare",
        format!("{} ({})", visit.visitor, visit.visitor_role.label_sv()),
    ));
    about.push(field("Enskilt samtal", yes_no(visit.talked_alone)));
    if let Some(reason) = visit.not_alone_reason {
        let mut why = reason.label_sv().to_owned();
        if !visit.not_alone_text.as_str().trim().is_empty() {
            why = format!("{why}: {}", visit.not_alone_text);
        }
        about.push(field("Skäl till att inte samtala enskilt", why));
    }
    about.push(field(
        "Barnet fick återkoppling",
        yes_no(visit.feedback_given),
    ));
    about.push(field("Antecknat", local(visit.recorded_at)));
    about.push(field(
        "Signerat av",
        if visit.signed_by.is_some() {
            visit.visitor.as_str()
        } else {
            "ej signerat"
        },
    ));
    out.push(Section {
        heading: "Besöket".into(),
        items: about,
    });
    out.push(Section {
        heading: "Barnets egna ord".into(),
        items: vec![
            text(None, visit.child_view.as_str()),
            text(
                Some("Vad barnet tillfrågades om"),
                visit.child_asked.as_str(),
            ),
            text(
                Some("Hur barnets åsikter påverkar ärendet"),
                visit.view_influence.as_str(),
            ),
        ],
    });
    out.push(Section {
        heading: "Samtalsverktyg".into(),
        items: if record.tools.is_empty() {
            vec![text(None, "Inga samtalsverktyg användes.")]
        } else {
            record
                .tools
                .iter()
                .map(|t| text(Some(&t.label), t.text.trim_end()))
                .collect()
        },
    });
    out.push(Section {
        heading: "Anteckning".into(),
        items: vec![text(None, visit.note.as_str())],
    });
    out.push(Section {
        heading: "Uppföljning".into(),
        items: vec![text(None, visit.follow_ups.as_str())],
    });
    out.push(Section {
        heading: "Tillägg och rättelser".into(),
        items: if record.amendments.is_empty() {
            vec![text(None, "Inga tillägg.")]
        } else {
            record
                .amendments
                .iter()
                .map(|a| {
                    let by = format!("{}, {}", local(a.recorded_at), a.author);
                    text(Some(&by), a.text.as_str())
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
            home_id: None,
            decision_date: Some(d(start)),
            decided_by: Some(PersonName::parse("Sociala utskottet").expect("name")),
            decision_until: None,
            last_consideration: None,
            external_id: None,
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
        let all = sections(&record, local);
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
        assert_eq!(title(&record), "Besök 2026-11-20");
        assert_eq!(
            pdf_file_name(&c, d("2026-11-20")),
            "akt-besok-2026-11-20-ÅÖ.pdf"
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
            filed_text(&first, local),
            "Förd till akt 2026-12-04 10:00 av Anna Lind"
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
