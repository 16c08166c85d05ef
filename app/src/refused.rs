//! Work the server did not take, and work about a child who left the
//! tablet's scope, is never lost silently: a refused change can be sent
//! again or printed with everything it holds, and goes only when the user
//! dismisses it after being told what will be gone. A child who left stays
//! on the tablet while a draft or a refused change about the child is there.

use crate::i18n::td_string;
use crate::language::Language;
use serde_json::Value;
use shared::protocol::{Mutation, Operation};
use shared::ChildId;
use std::collections::BTreeSet;

/// What a change is, in a few words ("Besöket 20 nov. 2026").
pub fn describe(operation: &Operation, language: Language) -> String {
    let locale = language.locale();
    match operation {
        Operation::CreateVisit(v) => {
            let date = language.date(v.visit_date);
            td_string!(locale, sync.what.visit, date)
        }
        Operation::AmendVisit(_) => td_string!(locale, sync.what.amendment).to_owned(),
        Operation::CreatePlacement(_) => td_string!(locale, sync.what.new_placement).to_owned(),
        Operation::PatchRecord(_) => td_string!(locale, sync.what.placement_change).to_owned(),
        Operation::DeleteRecord(_) => td_string!(locale, sync.what.deletion).to_owned(),
        Operation::ResolveConflict(_) => td_string!(locale, sync.what.conflict_choice).to_owned(),
        Operation::ClosePlacement(_) => td_string!(locale, sync.what.placement_end).to_owned(),
        Operation::TickChecklist(_) => td_string!(locale, sync.what.checklist_tick).to_owned(),
        Operation::LeaveMessage(_) => td_string!(locale, sync.what.child_message).to_owned(),
        Operation::ReportDeviation(_) => td_string!(locale, sync.what.deviation).to_owned(),
    }
}

/// The names of the fields of the records a change carries.
fn label(field: &str, language: Language) -> Option<&'static str> {
    let locale = language.locale();
    Some(match field {
        "id" => td_string!(locale, sync.fields.id),
        "child_id" => td_string!(locale, sync.fields.child_id),
        "visit_id" => td_string!(locale, sync.fields.visit_id),
        "placement_id" => td_string!(locale, sync.fields.placement_id),
        "visit_date" => td_string!(locale, sync.fields.visit_date),
        "start_time" => td_string!(locale, sync.fields.start_time),
        "visitor" => td_string!(locale, sync.fields.visitor),
        "visitor_role" => td_string!(locale, sync.fields.visitor_role),
        "contact" => td_string!(locale, sync.fields.contact),
        "place" => td_string!(locale, sync.fields.place),
        "talked_alone" => td_string!(locale, sync.fields.talked_alone),
        "not_alone_reason" => td_string!(locale, sync.fields.not_alone_reason),
        "not_alone_text" => td_string!(locale, sync.fields.not_alone_text),
        "note" => td_string!(locale, sync.fields.note),
        "child_asked" => td_string!(locale, sync.fields.child_asked),
        "child_view" => td_string!(locale, sync.fields.child_view),
        "view_influence" => td_string!(locale, sync.fields.view_influence),
        "feedback_given" => td_string!(locale, sync.fields.feedback_given),
        "tools" => td_string!(locale, sync.fields.tools),
        "follow_ups" => td_string!(locale, sync.fields.follow_ups),
        "recorded_at" => td_string!(locale, sync.fields.recorded_at),
        "signed_by" => td_string!(locale, sync.fields.signed_by),
        "signed_by_name" => td_string!(locale, sync.fields.signed_by_name),
        "author" => td_string!(locale, sync.fields.author),
        "text" => td_string!(locale, sync.fields.text),
        "home_name" => td_string!(locale, sync.fields.home_name),
        "kind" => td_string!(locale, sync.fields.kind),
        "legal_basis" => td_string!(locale, sync.fields.legal_basis),
        "start_date" => td_string!(locale, sync.fields.start_date),
        "end_date" => td_string!(locale, sync.fields.end_date),
        "closing_note" => td_string!(locale, sync.fields.closing_note),
        "reason" => td_string!(locale, sync.fields.reason),
        "reason_text" => td_string!(locale, sync.fields.reason_text),
        "replacement" => td_string!(locale, sync.fields.replacement),
        _ => return None,
    })
}

fn flatten(path: &str, value: &Value, language: Language, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (name, v) in fields {
                let name = label(name, language).map_or_else(|| name.clone(), str::to_owned);
                let next = if path.is_empty() {
                    name
                } else {
                    format!("{path} – {name}")
                };
                flatten(&next, v, language, out);
            }
        }
        Value::Array(items) if items.is_empty() => out.push((path.to_owned(), "–".into())),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path} {}", i + 1), v, language, out);
            }
        }
        Value::Null => out.push((path.to_owned(), "–".into())),
        Value::Bool(b) => out.push((
            path.to_owned(),
            if *b {
                td_string!(language.locale(), sync.refused.yes)
            } else {
                td_string!(language.locale(), sync.refused.no)
            }
            .into(),
        )),
        Value::String(s) if s.is_empty() => out.push((path.to_owned(), "–".into())),
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Number(n) => out.push((path.to_owned(), n.to_string())),
    }
}

/// Every value the change holds, each with its name, for the print view:
/// nothing is left out, so the printout can stand in for the record.
pub fn printable(mutation: &Mutation, language: Language) -> Vec<(String, String)> {
    let locale = language.locale();
    let mut out = vec![
        (
            td_string!(locale, sync.refused.change).to_owned(),
            describe(&mutation.operation, language),
        ),
        (
            td_string!(locale, sync.refused.change_id).to_owned(),
            mutation.id.to_string(),
        ),
    ];
    match serde_json::to_value(&mutation.operation) {
        Ok(Value::Object(wire)) => {
            if let Some(record) = wire.get("record") {
                flatten("", record, language, &mut out);
            }
        }
        _ => out.push((
            td_string!(locale, sync.refused.content).into(),
            td_string!(locale, sync.refused.unreadable).into(),
        )),
    }
    out
}

/// What the user is told before a refused change is dismissed.
pub fn dismiss_warning(operation: &Operation, language: Language) -> String {
    let locale = language.locale();
    let what = describe(operation, language);
    let gone = match operation {
        Operation::CreateVisit(_) => td_string!(locale, sync.refused.gone_visit),
        Operation::AmendVisit(_) => td_string!(locale, sync.refused.gone_amendment),
        Operation::ClosePlacement(_) => td_string!(locale, sync.refused.gone_closing),
        _ => td_string!(locale, sync.refused.gone_change),
    };
    td_string!(locale, sync.refused.warning, what, gone)
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
        let lines = printable(&m, Language::Swedish);
        let printed: String = lines.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        let mut values = Vec::new();
        leaves(&serde_json::to_value(&visit).expect("json"), &mut values);
        assert!(values.len() > 8);
        for v in values {
            assert!(printed.contains(&v), "{v} missing from\n{printed}");
        }
        assert!(printed.contains("Barnets berättelse och åsikter: Jag vill bo kvar."));
        assert!(printed.contains(&m.id.to_string()));
        let english: String = printable(&m, Language::English)
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect();
        assert!(english.contains("The child's account and views: Jag vill bo kvar."));
        assert!(english.contains("Change id: "));
        let fields = serde_json::to_value(&visit).expect("json");
        let count = fields.as_object().expect("object").len();
        assert!(lines.len() >= count, "one line per field at least");
    }

    #[test]
    fn dismissing_names_what_will_be_gone() {
        let visit = visit_for(ChildId::new_random());
        let text = dismiss_warning(&Operation::CreateVisit(visit.clone()), Language::Swedish);
        let date = Language::Swedish.date(visit.visit_date);
        assert!(text.contains(&format!("Besöket {date}")));
        assert!(text.contains("för gott") && text.contains("Skriv ut"));
        let english = dismiss_warning(&Operation::CreateVisit(visit.clone()), Language::English);
        let date = Language::English.date(visit.visit_date);
        assert!(english.starts_with(&format!("The visit on {date} is not on the server.")));
        assert!(english.contains("for good") && english.contains("Print it first"));
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
