//! Work the server did not take, and work about a child who left the
//! tablet's scope, is never lost silently: a refused change can be sent
//! again or printed with everything it holds, and goes only when the user
//! dismisses it after being told what will be gone. A child who left stays
//! on the tablet while a draft or a refused change about the child is there.

use serde_json::Value;
use shared::protocol::{Mutation, Operation};
use shared::ChildId;
use std::collections::BTreeSet;

/// What a change is, in a few words ("Besöket 2026-11-20").
pub fn describe(operation: &Operation) -> String {
    match operation {
        Operation::CreateVisit(v) => format!("Besöket {}", v.visit_date),
        Operation::AmendVisit(_) => "Rättelsen".to_owned(),
        Operation::CreatePlacement(_) => "Den nya placeringen".to_owned(),
        Operation::PatchRecord(_) => "Ändringen av placeringen".to_owned(),
        Operation::DeleteRecord(_) => "Borttagningen".to_owned(),
        Operation::ResolveConflict(_) => "Valet i konflikten".to_owned(),
        Operation::ClosePlacement(_) => "Avslutet av placeringen".to_owned(),
        Operation::TickChecklist(_) => "Bocken i checklistan".to_owned(),
    }
}

/// Swedish names of the fields of the records a change carries.
fn label(field: &str) -> Option<&'static str> {
    Some(match field {
        "id" => "Id",
        "child_id" => "Barnets id",
        "visit_id" => "Besökets id",
        "placement_id" => "Placeringens id",
        "visit_date" => "Besöksdatum",
        "start_time" => "Starttid",
        "visitor" => "Besökare",
        "visitor_role" => "Besökarens roll",
        "contact" => "Kontaktform",
        "place" => "Plats",
        "talked_alone" => "Samtal enskilt med barnet",
        "not_alone_reason" => "Skäl till att inte tala enskilt",
        "not_alone_text" => "Skälet i ord",
        "note" => "Anteckning",
        "child_asked" => "Barnet frågade om",
        "child_view" => "Barnets berättelse och åsikter",
        "view_influence" => "Hur barnets åsikter påverkar",
        "feedback_given" => "Återkoppling till barnet",
        "tools" => "Samtalsverktyg",
        "follow_ups" => "Att följa upp",
        "recorded_at" => "Registrerat",
        "signed_by" => "Signerat av (id)",
        "signed_by_name" => "Signerat av",
        "author" => "Författare",
        "text" => "Text",
        "home_name" => "Hem",
        "kind" => "Slag",
        "legal_basis" => "Lagrum",
        "start_date" => "Startdatum",
        "end_date" => "Slutdatum",
        "closing_note" => "Avslutsanteckning",
        "reason" => "Skäl",
        "reason_text" => "Skälet i ord",
        "replacement" => "Omplacering",
        _ => return None,
    })
}

fn flatten(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (name, v) in fields {
                let name = label(name).map_or_else(|| name.clone(), str::to_owned);
                let next = if path.is_empty() {
                    name
                } else {
                    format!("{path} – {name}")
                };
                flatten(&next, v, out);
            }
        }
        Value::Array(items) if items.is_empty() => out.push((path.to_owned(), "–".into())),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path} {}", i + 1), v, out);
            }
        }
        Value::Null => out.push((path.to_owned(), "–".into())),
        Value::Bool(b) => out.push((path.to_owned(), if *b { "Ja" } else { "Nej" }.into())),
        Value::String(s) if s.is_empty() => out.push((path.to_owned(), "–".into())),
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Number(n) => out.push((path.to_owned(), n.to_string())),
    }
}

/// Every value the change holds, each with its name, for the print view:
/// nothing is left out, so the printout can stand in for the record.
pub fn printable(mutation: &Mutation) -> Vec<(String, String)> {
    let mut out = vec![
        ("Ändring".to_owned(), describe(&mutation.operation)),
        ("Ändringens id".to_owned(), mutation.id.to_string()),
    ];
    match serde_json::to_value(&mutation.operation) {
        Ok(Value::Object(wire)) => {
            if let Some(record) = wire.get("record") {
                flatten("", record, &mut out);
            }
        }
        _ => out.push(("Innehåll".into(), "kunde inte läsas".into())),
    }
    out
}

/// What the user is told before a refused change is dismissed.
pub fn dismiss_warning(operation: &Operation) -> String {
    let what = describe(operation);
    let gone = match operation {
        Operation::CreateVisit(_) => {
            "anteckningen, barnets berättelse och allt annat i besöket försvinner"
        }
        Operation::AmendVisit(_) => "rättelsens text försvinner",
        Operation::ClosePlacement(_) => "avslutsanteckningen försvinner",
        _ => "ändringen försvinner",
    };
    format!(
        "{what} finns inte på servern. Tar du bort det från surfplattan {gone} för gott. \
         Skriv ut det först om det ska finnas kvar."
    )
}

/// The children who left the tablet's scope but must stay for now: a
/// pending, refused or draft change about them waits for the user.
pub fn held_for_work(
    left: impl IntoIterator<Item = ChildId>,
    pending: &BTreeSet<ChildId>,
    with_drafts_or_refused: &BTreeSet<ChildId>,
) -> (Vec<ChildId>, Vec<ChildId>) {
    left.into_iter()
        .partition(|c| !pending.contains(c) && !with_drafts_or_refused.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::tests::visit_for;
    use shared::{MutationId, VisitNote};

    fn leaves(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(m) => m.values().for_each(|v| leaves(v, out)),
            Value::Array(a) => a.iter().for_each(|v| leaves(v, out)),
            Value::String(s) if !s.is_empty() => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            _ => {}
        }
    }

    #[test]
    fn the_print_view_holds_every_value_of_the_visit() {
        let mut visit = visit_for(ChildId::new_random());
        visit.child_view = VisitNote::parse("Jag vill bo kvar.").expect("valid");
        visit.follow_ups = VisitNote::parse("Ring skolan.").expect("valid");
        let m = Mutation {
            id: MutationId::new_random(),
            operation: Operation::CreateVisit(visit.clone()),
        };
        let lines = printable(&m);
        let printed: String = lines.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        let mut values = Vec::new();
        leaves(&serde_json::to_value(&visit).expect("json"), &mut values);
        assert!(values.len() > 8);
        for v in values {
            assert!(printed.contains(&v), "{v} missing from\n{printed}");
        }
        assert!(printed.contains("Barnets berättelse och åsikter: Jag vill bo kvar."));
        assert!(printed.contains(&m.id.to_string()));
        let fields = serde_json::to_value(&visit).expect("json");
        let count = fields.as_object().expect("object").len();
        assert!(lines.len() >= count, "one line per field at least");
    }

    #[test]
    fn dismissing_names_what_will_be_gone() {
        let visit = visit_for(ChildId::new_random());
        let text = dismiss_warning(&Operation::CreateVisit(visit.clone()));
        assert!(text.contains(&format!("Besöket {}", visit.visit_date)));
        assert!(text.contains("för gott") && text.contains("Skriv ut"));
    }

    #[test]
    fn a_child_with_work_left_stays() {
        let (done, pending, drafted) = (
            ChildId::new_random(),
            ChildId::new_random(),
            ChildId::new_random(),
        );
        let (go, stay) = held_for_work(
            [done, pending, drafted],
            &BTreeSet::from([pending]),
            &BTreeSet::from([drafted]),
        );
        assert_eq!(go, vec![done]);
        assert_eq!(stay, vec![pending, drafted]);
    }
}
