//! What the record's PDF says, in Swedish, in reading order: the same
//! content as the JSON ([`VisitRecord`]).

use super::layout::{Block, Style};
use chrono::{DateTime, Utc};
use shared::export::VisitRecord;

/// The running header of every page of one visit's pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The child's name.
    pub name: String,
    /// Birth date and the case-management system's id.
    pub details: String,
    /// The visit, in the footer.
    pub visit: String,
}

pub const DOCUMENT_TITLE: &str = "Barnbesök – dokumentation till akt";
/// The one line of a bulk export that found no visit.
pub const NOTHING_TO_FILE: &str = "Inga signerade besök att föra till akt i perioden.";
/// Where a field was left empty.
const NOTHING: &str = "–";

/// A time as read in Sweden, to the minute.
pub fn local_time(at: DateTime<Utc>) -> String {
    (at + shared::sweden::offset_at(at))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn yes_no(value: bool) -> String {
    if value { "Ja" } else { "Nej" }.to_owned()
}

pub fn header(record: &VisitRecord) -> Header {
    let child = &record.child;
    let external = child
        .external_id
        .as_ref()
        .map_or("saknas", |id| id.as_str());
    Header {
        name: format!(
            "{} {}",
            child.given_name.as_str(),
            child.family_name.as_str()
        ),
        details: format!(
            "Född {} · Id i verksamhetssystemet: {external}",
            child.birth_date.format("%Y-%m-%d")
        ),
        visit: format!(
            "Besök {} · besöks-id {}",
            record.visit.visit_date.format("%Y-%m-%d"),
            record.visit.id
        ),
    }
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn paragraph(text: &str) -> Block {
    Block::Paragraph {
        text: if text.trim().is_empty() {
            "(inget antecknat)".to_owned()
        } else {
            text.to_owned()
        },
        style: Style::BODY,
    }
}

/// The body of one visit's pages.
pub fn blocks(record: &VisitRecord) -> Vec<Block> {
    let visit = &record.visit;
    let mut out = vec![Block::Title(format!(
        "Besök {}",
        visit.visit_date.format("%Y-%m-%d")
    ))];
    if let Some(filed) = &record.filed {
        out.push(Block::Byline(format!(
            "Förd till akt {} av {}",
            local_time(filed.at),
            filed.by_name
        )));
    }

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Barnet".into()));
    let child = &record.child;
    out.push(field(
        "Namn",
        format!(
            "{} {}",
            child.given_name.as_str(),
            child.family_name.as_str()
        ),
    ));
    out.push(field(
        "Född",
        child.birth_date.format("%Y-%m-%d").to_string(),
    ));
    out.push(field("Kön", child.sex.label_sv()));
    out.push(field(
        "Id i verksamhetssystemet",
        child.external_id.as_ref().map_or(NOTHING, |id| id.as_str()),
    ));

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Placering".into()));
    match &record.placement {
        Some(p) => {
            out.push(field("Placeringsform", p.kind.label_sv()));
            out.push(field("Hem", p.home_name.as_str()));
            out.push(field("Lagrum", p.legal_basis.label_sv()));
            let until = p
                .end_date
                .map_or(String::new(), |d| d.format("%Y-%m-%d").to_string());
            out.push(field(
                "Placerad",
                format!("{} – {until}", p.start_date.format("%Y-%m-%d")),
            ));
            if let Some(date) = p.decision_date {
                let by = p
                    .decided_by
                    .as_ref()
                    .map_or(String::new(), |n| format!(", {}", n.as_str()));
                out.push(field("Beslut", format!("{}{by}", date.format("%Y-%m-%d"))));
            }
            if let Some(date) = p.decision_until {
                out.push(field(
                    "Beslutet gäller till",
                    date.format("%Y-%m-%d").to_string(),
                ));
            }
        }
        None => out.push(paragraph("Ingen placering gällde besöksdagen.")),
    }

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Besöket".into()));
    out.push(field(
        "Datum",
        visit.visit_date.format("%Y-%m-%d").to_string(),
    ));
    if let Some(time) = visit.start_time {
        out.push(field("Klockan", time.format("%H:%M").to_string()));
    }
    out.push(field("Kontakt", visit.contact.label_sv()));
    out.push(field("Plats", visit.place.label_sv()));
    out.push(field(
        "Besökare",
        format!(
            "{} ({})",
            visit.visitor.as_str(),
            visit.visitor_role.label_sv()
        ),
    ));
    out.push(field("Enskilt samtal", yes_no(visit.talked_alone)));
    if let Some(reason) = visit.not_alone_reason {
        let mut text = reason.label_sv().to_owned();
        if !visit.not_alone_text.as_str().trim().is_empty() {
            text = format!("{text}: {}", visit.not_alone_text.as_str());
        }
        out.push(field("Skäl till att inte samtala enskilt", text));
    }
    out.push(field(
        "Barnet fick återkoppling",
        yes_no(visit.feedback_given),
    ));
    out.push(field("Antecknat", local_time(visit.recorded_at)));
    out.push(field(
        "Signerat av",
        if visit.signed_by.is_some() {
            visit.visitor.as_str()
        } else {
            "ej signerat"
        },
    ));

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Barnets egna ord".into()));
    out.push(paragraph(visit.child_view.as_str()));
    out.push(Block::Space(4.0));
    out.push(Block::Byline("Vad barnet tillfrågades om".into()));
    out.push(paragraph(visit.child_asked.as_str()));
    out.push(Block::Space(4.0));
    out.push(Block::Byline("Hur barnets åsikter påverkar ärendet".into()));
    out.push(paragraph(visit.view_influence.as_str()));

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Samtalsverktyg".into()));
    if record.tools.is_empty() {
        out.push(paragraph("Inga samtalsverktyg användes."));
    }
    for tool in &record.tools {
        out.push(Block::Byline(tool.label.clone()));
        out.push(paragraph(tool.text.trim_end()));
        out.push(Block::Space(4.0));
    }

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Anteckning".into()));
    out.push(paragraph(visit.note.as_str()));
    out.push(Block::Space(8.0));
    out.push(Block::Heading("Uppföljning".into()));
    out.push(paragraph(visit.follow_ups.as_str()));

    out.push(Block::Space(8.0));
    out.push(Block::Heading("Tillägg och rättelser".into()));
    if record.amendments.is_empty() {
        out.push(paragraph("Inga tillägg."));
    }
    for amendment in &record.amendments {
        out.push(Block::Byline(format!(
            "{}, {}",
            local_time(amendment.recorded_at),
            amendment.author.as_str()
        )));
        out.push(paragraph(amendment.text.as_str()));
        out.push(Block::Space(4.0));
    }
    out
}
