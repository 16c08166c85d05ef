//! A visit being written (utkast): kept sealed on the device as the social
//! worker types, until it is signed. Signing turns it into a [`Visit`] that
//! never changes again; corrections after that are amendments. Plain Rust,
//! tested natively; the form is `ui::visit_form`.

use crate::i18n::td_string;
use crate::language::Language;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use shared::conversation::ToolResult;
use shared::{
    ChildId, ContactKind, NotAloneReason, UserId, Visit, VisitId, VisitNote, VisitPlace,
    VisitProblem, VisitorName, VisitorRole,
};

/// The form as typed: text as written, choices possibly not made yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitDraft {
    /// Chosen when the draft is started, so signing twice (a double tap, a
    /// crash between signing and clearing the draft) records one visit.
    pub visit_id: VisitId,
    pub child_id: ChildId,
    pub visit_date: String,
    pub start_time: String,
    pub contact: ContactKind,
    pub place: VisitPlace,
    pub visitor: String,
    pub visitor_role: VisitorRole,
    pub talked_alone: Option<bool>,
    pub not_alone_reason: Option<NotAloneReason>,
    pub not_alone_text: String,
    pub child_asked: String,
    pub child_view: String,
    pub view_influence: String,
    pub feedback_given: Option<bool>,
    pub note: String,
    pub follow_ups: String,
    pub tools: Vec<ToolResult>,
    /// Device time of the last edit, shown as "utkast sparat".
    pub updated_at: DateTime<Utc>,
}

/// A part of the form that keeps the visit from being signed, and why (in
/// Swedish, shown beside the field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    VisitDate,
    StartTime,
    Visitor,
    TalkedAlone,
    NotAloneReason,
    NotAloneText,
    ChildAsked,
    ChildView,
    ViewInfluence,
    FeedbackGiven,
    Note,
    FollowUps,
    Tools,
}

impl Field {
    /// The field's part of its element ids (`visit-child-view`).
    pub fn name(self) -> &'static str {
        match self {
            Self::VisitDate => "visit-date",
            Self::StartTime => "start-time",
            Self::Visitor => "visitor",
            Self::TalkedAlone => "talked-alone",
            Self::NotAloneReason => "not-alone-reason",
            Self::NotAloneText => "not-alone-text",
            Self::ChildAsked => "child-asked",
            Self::ChildView => "child-view",
            Self::ViewInfluence => "view-influence",
            Self::FeedbackGiven => "feedback-given",
            Self::Note => "note",
            Self::FollowUps => "follow-ups",
            Self::Tools => "tools",
        }
    }
}

impl VisitDraft {
    pub fn new(
        child_id: ChildId,
        today: NaiveDate,
        visitor: &str,
        visitor_role: VisitorRole,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            visit_id: VisitId::new_random(),
            child_id,
            visit_date: today.format("%Y-%m-%d").to_string(),
            start_time: String::new(),
            contact: ContactKind::InPerson,
            place: VisitPlace::InTheHome,
            visitor: visitor.to_owned(),
            visitor_role,
            talked_alone: None,
            not_alone_reason: None,
            not_alone_text: String::new(),
            child_asked: String::new(),
            child_view: String::new(),
            view_influence: String::new(),
            feedback_given: None,
            note: String::new(),
            follow_ups: String::new(),
            tools: Vec::new(),
            updated_at: now,
        }
    }

    /// Puts a tool's result in the draft, replacing an earlier one of the
    /// same tool (a child may redo a tool during the visit).
    pub fn set_tool(&mut self, result: ToolResult) {
        self.tools.retain(|t| t.tool() != result.tool());
        self.tools.push(result);
        self.tools.sort_by_key(ToolResult::tool);
    }

    /// The signed visit, or every field that stops it.
    pub fn sign(
        &self,
        signer: UserId,
        today: NaiveDate,
        now: DateTime<Utc>,
        language: Language,
    ) -> Result<Visit, Vec<(Field, String)>> {
        let locale = language.locale();
        let mut problems = Vec::new();
        let mut note_of = |field: Field, text: &str| match VisitNote::parse(text) {
            Ok(note) => note,
            Err(e) => {
                problems.push((
                    field,
                    td_string!(locale, visit.problem_text_invalid, detail = e.to_string()),
                ));
                VisitNote::default()
            }
        };
        let child_asked = note_of(Field::ChildAsked, &self.child_asked);
        let child_view = note_of(Field::ChildView, &self.child_view);
        let view_influence = note_of(Field::ViewInfluence, &self.view_influence);
        let note = note_of(Field::Note, &self.note);
        let follow_ups = note_of(Field::FollowUps, &self.follow_ups);
        let not_alone_text = note_of(Field::NotAloneText, &self.not_alone_text);

        let visit_date = match NaiveDate::parse_from_str(self.visit_date.trim(), "%Y-%m-%d") {
            Ok(date) if date > today => {
                problems.push((
                    Field::VisitDate,
                    td_string!(locale, visit.problem_date_ahead).to_owned(),
                ));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                problems.push((
                    Field::VisitDate,
                    td_string!(locale, visit.problem_date_missing).to_owned(),
                ));
                None
            }
        };
        let start_time = match self.start_time.trim() {
            "" => None,
            text => match NaiveTime::parse_from_str(text, "%H:%M") {
                Ok(time) => Some(time),
                Err(_) => {
                    problems.push((
                        Field::StartTime,
                        td_string!(locale, visit.problem_time).to_owned(),
                    ));
                    None
                }
            },
        };
        let visitor = match VisitorName::parse(&self.visitor) {
            Ok(name) => Some(name),
            Err(_) => {
                problems.push((
                    Field::Visitor,
                    td_string!(locale, visit.problem_visitor).to_owned(),
                ));
                None
            }
        };
        if self.talked_alone.is_none() {
            problems.push((
                Field::TalkedAlone,
                td_string!(locale, visit.problem_talked_alone).to_owned(),
            ));
        }
        if self.talked_alone == Some(false) {
            match self.not_alone_reason {
                None => problems.push((
                    Field::NotAloneReason,
                    td_string!(locale, visit.problem_not_alone_reason).to_owned(),
                )),
                Some(NotAloneReason::Other) if self.not_alone_text.trim().is_empty() => problems
                    .push((
                        Field::NotAloneText,
                        td_string!(locale, visit.problem_other_reason).to_owned(),
                    )),
                Some(_) => {}
            }
        }
        if self.feedback_given.is_none() {
            problems.push((
                Field::FeedbackGiven,
                td_string!(locale, visit.problem_feedback).to_owned(),
            ));
        }
        let (Some(visit_date), Some(visitor), Some(talked_alone)) =
            (visit_date, visitor, self.talked_alone)
        else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let visit = Visit {
            id: self.visit_id,
            child_id: self.child_id,
            visit_date,
            visitor,
            talked_alone,
            note,
            recorded_at: now,
            start_time,
            contact: self.contact,
            place: self.place,
            visitor_role: self.visitor_role,
            not_alone_reason: if talked_alone {
                None
            } else {
                self.not_alone_reason
            },
            not_alone_text: if talked_alone {
                VisitNote::default()
            } else {
                not_alone_text
            },
            child_asked,
            child_view,
            view_influence,
            feedback_given: self.feedback_given.unwrap_or(false),
            tools: self.tools.clone(),
            follow_ups,
            signed_by: Some(signer),
        };
        visit.check_complete().map_err(|problem| {
            let (field, text) = match problem {
                VisitProblem::NotAloneReasonMissing => (
                    Field::NotAloneReason,
                    td_string!(locale, visit.problem_not_alone_reason).to_owned(),
                ),
                VisitProblem::ReasonButAlone => (
                    Field::NotAloneReason,
                    td_string!(locale, visit.problem_reason_but_alone).to_owned(),
                ),
                VisitProblem::OtherReasonNeedsText => (
                    Field::NotAloneText,
                    td_string!(locale, visit.problem_other_reason).to_owned(),
                ),
                VisitProblem::Tools(detail) => (
                    Field::Tools,
                    td_string!(locale, visit.problem_tools, detail = detail.to_string()),
                ),
            };
            vec![(field, text)]
        })?;
        Ok(visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::conversation::{Feeling, FeelingsScale, ScaleAnswer, ScaleTheme};

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn filled() -> VisitDraft {
        let mut draft = VisitDraft::new(
            ChildId::new_random(),
            day("2026-11-24"),
            "Anna Demosson",
            VisitorRole::Employee,
            Utc::now(),
        );
        draft.talked_alone = Some(true);
        draft.feedback_given = Some(true);
        draft.child_view = "”Jag vill bo kvar.”".into();
        draft
    }

    fn fields(result: Result<Visit, Vec<(Field, String)>>) -> Vec<Field> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn a_complete_draft_signs_into_the_visit_it_describes() {
        let signer = UserId::new_random();
        let mut draft = filled();
        draft.start_time = "14:30".into();
        let visit = draft
            .sign(signer, day("2026-11-24"), Utc::now(), Language::Swedish)
            .expect("signs");
        assert_eq!(visit.id, draft.visit_id, "the id chosen at the start");
        assert_eq!(visit.visit_date, day("2026-11-24"));
        assert_eq!(visit.start_time, NaiveTime::from_hms_opt(14, 30, 0));
        assert_eq!(visit.child_view.as_str(), "”Jag vill bo kvar.”");
        assert_eq!(visit.signed_by, Some(signer));
        assert!(visit.counts_for_schedule());
        // Signing again gives the same visit: one record however often tapped.
        let again = draft
            .sign(
                signer,
                day("2026-11-24"),
                visit.recorded_at,
                Language::Swedish,
            )
            .expect("signs");
        assert_eq!(again, visit);
    }

    #[test]
    fn every_missing_answer_is_named() {
        let mut draft = filled();
        draft.visitor = "  ".into();
        draft.talked_alone = None;
        draft.feedback_given = None;
        draft.visit_date = "igår".into();
        draft.start_time = "halv tre".into();
        assert_eq!(
            fields(draft.sign(
                UserId::new_random(),
                day("2026-11-24"),
                Utc::now(),
                Language::Swedish
            )),
            vec![
                Field::VisitDate,
                Field::StartTime,
                Field::Visitor,
                Field::TalkedAlone,
                Field::FeedbackGiven
            ]
        );
    }

    #[test]
    fn the_problems_are_worded_in_the_interface_language() {
        let mut draft = filled();
        draft.talked_alone = None;
        draft.visit_date = "2026-11-25".into();
        let worded = |language| {
            draft
                .sign(
                    UserId::new_random(),
                    day("2026-11-24"),
                    Utc::now(),
                    language,
                )
                .expect_err("problems")
                .into_iter()
                .map(|(_, text)| text)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            worded(Language::Swedish),
            [
                "Ett besök kan inte signeras i förväg.",
                "Ange om du talade enskilt med barnet."
            ]
        );
        assert_eq!(
            worded(Language::English),
            [
                "A visit cannot be signed in advance.",
                "Say whether you talked to the child alone."
            ]
        );
    }

    #[test]
    fn not_alone_needs_a_reason_and_other_needs_words() {
        let mut draft = filled();
        draft.talked_alone = Some(false);
        let signer = UserId::new_random();
        let today = day("2026-11-24");
        assert_eq!(
            fields(draft.sign(signer, today, Utc::now(), Language::Swedish)),
            vec![Field::NotAloneReason]
        );
        draft.not_alone_reason = Some(NotAloneReason::Other);
        assert_eq!(
            fields(draft.sign(signer, today, Utc::now(), Language::Swedish)),
            vec![Field::NotAloneText]
        );
        draft.not_alone_text = "Tolken kom inte".into();
        let visit = draft
            .sign(signer, today, Utc::now(), Language::Swedish)
            .expect("signs");
        assert_eq!(visit.not_alone_reason, Some(NotAloneReason::Other));
    }

    #[test]
    fn a_reason_chosen_before_answering_yes_is_dropped() {
        let mut draft = filled();
        draft.not_alone_reason = Some(NotAloneReason::ChildDeclined);
        draft.not_alone_text = "x".into();
        let visit = draft
            .sign(
                UserId::new_random(),
                day("2026-11-24"),
                Utc::now(),
                Language::Swedish,
            )
            .expect("signs");
        assert_eq!(visit.not_alone_reason, None);
        assert!(visit.not_alone_text.as_str().is_empty());
    }

    #[test]
    fn a_visit_cannot_be_signed_ahead_of_its_day() {
        let mut draft = filled();
        draft.visit_date = "2026-11-25".into();
        assert_eq!(
            fields(draft.sign(
                UserId::new_random(),
                day("2026-11-24"),
                Utc::now(),
                Language::Swedish
            )),
            vec![Field::VisitDate]
        );
    }

    #[test]
    fn a_redone_tool_replaces_the_first_result() {
        let mut draft = filled();
        let scale = |level| {
            ToolResult::FeelingsScale(FeelingsScale {
                answers: vec![ScaleAnswer {
                    theme: ScaleTheme::Home,
                    level: Feeling::new(level).expect("feeling"),
                    comment: VisitNote::default(),
                }],
            })
        };
        draft.set_tool(scale(2));
        draft.set_tool(scale(4));
        assert_eq!(draft.tools, vec![scale(4)]);
    }

    #[test]
    fn a_draft_survives_a_round_trip_through_storage() {
        let draft = filled();
        let json = serde_json::to_string(&draft).expect("json");
        let back: VisitDraft = serde_json::from_str(&json).expect("back");
        assert_eq!(back, draft);
    }
}
