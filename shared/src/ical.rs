//! Due visits as an iCalendar file (RFC 5545), for the social worker's own
//! calendar: one all-day event per visit, on the day it is due at the latest.
//!
//! The file leaves the app's encrypted store and ends up in calendar services
//! we do not control, so an event names the child by initials unless the user
//! explicitly chooses the given name or the full name ([`NameInCalendar`]): no
//! birth date, home or placement. The UID carries the child's random id, which identifies no one
//! outside Barnbesök but lets a re-import update the event in place.

use crate::domain::Child;
use crate::schedule::{DueReason, NextVisit};
use chrono::{DateTime, Days, NaiveDate, Utc};

pub const PRODID: &str = "-//Barnbesök//SV";
/// RFC 5545 3.1: content lines are folded to at most 75 octets, CRLF excluded.
const MAX_LINE_OCTETS: usize = 75;

/// How an event names the child.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameInCalendar {
    /// "A.E.": given and family names by their first letters. The default:
    /// the least that still tells the social worker whose visit it is.
    #[default]
    Initials,
    /// "Alva", by the user's explicit choice.
    GivenName,
    /// "Alva Ek", by the user's explicit choice.
    FullName,
}

impl NameInCalendar {
    pub fn name(self, child: &Child) -> String {
        match self {
            Self::GivenName => child.given_name.to_string(),
            Self::FullName => child.full_name(),
            Self::Initials => [child.given_name.as_str(), child.family_name.as_str()]
                .iter()
                .flat_map(|name| name.split(|c: char| c.is_whitespace() || c == '-'))
                .filter_map(|part| part.chars().next())
                .flat_map(|c| c.to_uppercase().chain(['.']))
                .collect(),
        }
    }
}

/// The calendar of `visits`, ordered by due date. `now` stamps the events
/// (DTSTAMP). Overdue visits keep their (past) due date.
pub fn export<'a>(
    visits: impl IntoIterator<Item = (&'a Child, NextVisit)>,
    now: DateTime<Utc>,
    names: NameInCalendar,
) -> String {
    let mut visits: Vec<(&Child, NextVisit)> = visits.into_iter().collect();
    visits.sort_by_key(|(child, next)| (next.due_date, child.id));
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        &format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Barnbesök",
    ] {
        push_line(&mut out, line);
    }
    for (child, next) in visits {
        let day = ical_date(next.due_date);
        let description = match next.reason {
            DueReason::FirstVisitAfterPlacement => {
                "Första besöket efter placeringen, inom en vecka."
            }
            DueReason::RegularVisit { .. } => "Besök var tredje månad.",
        };
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:{}-{day}@barnbesok", child.id));
        push_line(&mut out, &format!("DTSTAMP:{stamp}"));
        push_line(&mut out, &format!("DTSTART;VALUE=DATE:{day}"));
        if let Some(after) = next.due_date.checked_add_days(Days::new(1)) {
            push_line(&mut out, &format!("DTEND;VALUE=DATE:{}", ical_date(after)));
        }
        let summary = format!("Besök: {} (senast)", names.name(child));
        push_line(&mut out, &format!("SUMMARY:{}", escape_text(&summary)));
        push_line(
            &mut out,
            &format!("DESCRIPTION:{}", escape_text(description)),
        );
        push_line(&mut out, "TRANSP:TRANSPARENT");
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

fn ical_date(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// Escapes a TEXT value (RFC 5545 3.3.11). Line breaks become `\n`; other
/// control characters are not allowed in TEXT and are dropped.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so that no line exceeds 75 octets and no
/// character is split, and ends it with CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PersonName;
    use crate::ids::{ChildId, PlacementId};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn child(n: u128, given: &str, family: &str) -> Child {
        Child {
            id: ChildId::from_uuid(uuid::Uuid::from_u128(n)),
            given_name: PersonName::parse(given).expect("valid"),
            family_name: PersonName::parse(family).expect("valid"),
            birth_date: d(2015, 5, 1),
            sex: crate::domain::Sex::NotRecorded,
            has_disability: false,
            unit_id: None,
            external_id: None,
        }
    }

    fn next(due_date: NaiveDate, reason: DueReason) -> NextVisit {
        NextVisit {
            placement_id: PlacementId::from_uuid(uuid::Uuid::nil()),
            due_date,
            reason,
        }
    }

    fn folded(line: &str) -> String {
        let mut out = String::new();
        push_line(&mut out, line);
        out
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    #[test]
    fn golden_calendar() {
        let alva = child(1, "Alva", "Exempelsson");
        let noah = child(2, "Noah", "Påhittad");
        let now = Utc
            .with_ymd_and_hms(2026, 3, 1, 9, 30, 0)
            .single()
            .expect("time");
        let ics = export(
            [
                (
                    &noah,
                    next(
                        d(2026, 5, 20),
                        DueReason::RegularVisit {
                            previous: d(2026, 2, 20),
                        },
                    ),
                ),
                (
                    &alva,
                    next(d(2026, 3, 9), DueReason::FirstVisitAfterPlacement),
                ),
            ],
            now,
            NameInCalendar::GivenName,
        );
        let expected = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Barnbesök//SV",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Barnbesök",
            "BEGIN:VEVENT",
            "UID:00000000-0000-0000-0000-000000000001-20260309@barnbesok",
            "DTSTAMP:20260301T093000Z",
            "DTSTART;VALUE=DATE:20260309",
            "DTEND;VALUE=DATE:20260310",
            "SUMMARY:Besök: Alva (senast)",
            "DESCRIPTION:Första besöket efter placeringen\\, inom en vecka.",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:00000000-0000-0000-0000-000000000002-20260520@barnbesok",
            "DTSTAMP:20260301T093000Z",
            "DTSTART;VALUE=DATE:20260520",
            "DTEND;VALUE=DATE:20260521",
            "SUMMARY:Besök: Noah (senast)",
            "DESCRIPTION:Besök var tredje månad.",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
        .join("\r\n");
        assert_eq!(ics, expected);
        assert!(!ics.contains("Exempelsson") && !ics.contains("Påhittad"));
        assert!(!ics.contains("2015"), "no birth date");
    }

    #[test]
    fn initials_leave_out_the_names() {
        let c = child(1, "anna-karin maria", "Åberg");
        assert_eq!(NameInCalendar::Initials.name(&c), "A.K.M.Å.");
        let ics = export(
            [(
                &c,
                next(d(2026, 12, 31), DueReason::FirstVisitAfterPlacement),
            )],
            DateTime::<Utc>::default(),
            NameInCalendar::Initials,
        );
        assert!(ics.contains("SUMMARY:Besök: A.K.M.Å. (senast)\r\n"));
        assert!(
            ics.contains("DTEND;VALUE=DATE:20270101\r\n"),
            "over the year end"
        );
        assert!(!ics.contains("anna") && !ics.contains("berg"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ngh"
        );
    }

    #[test]
    fn folding_never_splits_a_swedish_letter() {
        // 74 octets, then "å" (2 octets) would make 76: it starts the next line.
        let line = format!("SUMMARY:{}åäö", "a".repeat(66));
        let out = folded(&line);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0].len(), 74);
        assert_eq!(lines[1], " åäö");
        assert_eq!(unfold(&out), format!("{line}\r\n"));
        // 73 octets, then "ö" fits exactly.
        let line = format!("SUMMARY:{}ö€", "a".repeat(65));
        let out = folded(&line);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0].len(), 75);
        assert!(lines[0].ends_with('ö'));
        assert_eq!(lines[1], " €");
    }

    #[test]
    fn long_text_folds_into_lines_of_75_octets() {
        let line = format!(
            "DESCRIPTION:{}",
            "Ärendet gäller flytt till ny skola för barnet; ".repeat(6)
        );
        let out = folded(&line);
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 4);
        assert!(lines.iter().all(|l| l.len() <= MAX_LINE_OCTETS));
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(unfold(&out), format!("{line}\r\n"));
    }

    proptest! {
        #[test]
        fn folded_lines_fit_and_unfold_to_the_text(text in "\\PC{0,300}|[åäöÅÄÖ€😀;,\\\\\n a]{0,200}") {
            let out = folded(&format!("SUMMARY:{}", escape_text(&text)));
            prop_assert!(out.ends_with("\r\n"));
            let body = &out[..out.len() - 2];
            for line in body.split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE_OCTETS, "{} octets", line.len());
                prop_assert!(!line.contains('\r') && !line.contains('\n'));
            }
            let unfolded = unfold(body);
            let value = unfolded.strip_prefix("SUMMARY:").expect("name");
            let expected: String = text
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .chars()
                .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
                .collect();
            prop_assert_eq!(unescape(value), expected);
        }

        #[test]
        fn every_line_of_an_export_fits(
            given in "[A-Za-zÅÄÖåäöéü -]{1,120}",
            days in 0u64..40_000,
        ) {
            prop_assume!(!given.trim().is_empty());
            let c = child(7, &given, "Efternamn");
            let due = d(2000, 1, 1) + Days::new(days);
            let ics = export([(&c, next(due, DueReason::FirstVisitAfterPlacement))], DateTime::<Utc>::default(), NameInCalendar::GivenName);
            prop_assert!(ics.ends_with("END:VCALENDAR\r\n"));
            for line in ics.trim_end_matches("\r\n").split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE_OCTETS);
            }
            let summary = format!("SUMMARY:Besök: {} (senast)\r\n", given.trim());
            prop_assert!(unfold(&ics).contains(&summary));
            prop_assert!(!ics.contains("Efternamn"));
        }
    }
}
