//! Placement checklists (checklista vid placering). Managers keep one
//! template per placement type, in numbered versions, each valid from a
//! date; a placement follows the version valid on its start date, so it keeps
//! the version it started with whatever is published later. Ticks are
//! append-only entries (who, when), so two tablets ticking offline never
//! conflict: the latest tick of an item (in the server's order) is its state.

use crate::content::ChecklistTexts;
use crate::domain::{Child, Placement, PlacementKind};
use crate::ids::{ChecklistTickId, ChildId, PlacementId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Which template, which version: what a placement's checklist follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateVersion {
    pub kind: PlacementKind,
    pub version: u32,
}

/// When an item applies to a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    Always,
    /// The child was under 7 when the placement started (health
    /// examination for children 0–6).
    ChildUnderSeven,
    /// The child has a disability (recorded on the placement's checklist by
    /// ticking "not applicable" otherwise; see [`ItemState`]).
    ChildWithDisability,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable within a template across versions, so progress can be compared.
    pub key: String,
    pub text: String,
    pub applies: Applies,
    /// The routine behind the item (its id in the routine library, e.g.
    /// `besok-hos-placerade-barn`), when there is one.
    #[serde(default)]
    pub routine: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    pub id: TemplateVersion,
    pub title: String,
    pub items: Vec<ChecklistItem>,
    /// Placements starting on or after this day follow this version.
    pub valid_from: NaiveDate,
    /// Who published it; `None` for the version that ships with the app.
    #[serde(default)]
    pub published_by: Option<String>,
}

/// Why a template version cannot be published.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateProblem {
    #[error("a template needs at least one item")]
    Empty,
    #[error("item keys must be unique and 1–40 lowercase letters, digits or dashes")]
    BadKey,
    #[error("item texts must be 1–300 characters")]
    BadText,
    #[error("the title must be 1–160 characters on one line")]
    BadTitle,
    #[error("an item's routine must be a routine id")]
    BadRoutine,
    #[error("the version must be the next after {latest}")]
    NotNext { latest: u32 },
}

impl ChecklistTemplate {
    pub fn check(&self) -> Result<(), TemplateProblem> {
        if self.items.is_empty() {
            return Err(TemplateProblem::Empty);
        }
        let title_chars = self.title.trim().chars().count();
        if title_chars == 0 || title_chars > 160 || self.title.chars().any(char::is_control) {
            return Err(TemplateProblem::BadTitle);
        }
        let mut keys = std::collections::HashSet::new();
        for item in &self.items {
            let key_ok = (1..=40).contains(&item.key.len())
                && item
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !key_ok || !keys.insert(item.key.as_str()) {
                return Err(TemplateProblem::BadKey);
            }
            let chars = item.text.trim().chars().count();
            if chars == 0 || chars > 300 || item.text.chars().any(char::is_control) {
                return Err(TemplateProblem::BadText);
            }
            if let Some(routine) = &item.routine {
                crate::routines::RoutineId::parse(routine)
                    .map_err(|_| TemplateProblem::BadRoutine)?;
            }
        }
        Ok(())
    }

    /// The items that apply to this child's placement.
    pub fn items_for<'a>(
        &'a self,
        child: &'a Child,
        placement: &'a Placement,
    ) -> impl Iterator<Item = &'a ChecklistItem> + 'a {
        self.items.iter().filter(move |item| match item.applies {
            Applies::Always | Applies::ChildWithDisability => true,
            Applies::ChildUnderSeven => child.age_on(placement.start_date) < 7,
        })
    }
}

/// What a tick says about an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Done,
    /// Does not apply to this child (a disability item for a child without
    /// one); counts as settled.
    NotApplicable,
    /// Unticked again (a mistake).
    Open,
}

impl ItemState {
    pub const ALL: [Self; 3] = [Self::Done, Self::NotApplicable, Self::Open];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::NotApplicable => "not_applicable",
            Self::Open => "open",
        }
    }
}

/// One tick: who set an item of a placement's checklist to what, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTick {
    pub id: ChecklistTickId,
    pub child_id: ChildId,
    pub placement_id: PlacementId,
    pub template: TemplateVersion,
    pub item_key: String,
    pub state: ItemState,
    /// The display name of who ticked, as it was then.
    pub by_name: crate::domain::VisitorName,
    /// The account; the server checks it against the signed-in user.
    pub by: UserId,
    /// Device time, for people.
    pub ticked_at: DateTime<Utc>,
}

/// An item with its current state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemStatus<'a> {
    pub item: &'a ChecklistItem,
    pub state: ItemState,
    pub last: Option<&'a ChecklistTick>,
}

/// Progress of one placement's checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress<'a> {
    pub items: Vec<ItemStatus<'a>>,
}

impl Progress<'_> {
    pub fn settled(&self) -> usize {
        self.items
            .iter()
            .filter(|s| s.state != ItemState::Open)
            .count()
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn is_complete(&self) -> bool {
        self.settled() == self.total()
    }
}

/// The checklist of `placement` under `template`, given the ticks of that
/// placement in the order the server numbered them (later wins).
pub fn progress<'a>(
    template: &'a ChecklistTemplate,
    child: &'a Child,
    placement: &'a Placement,
    ticks_in_order: &'a [ChecklistTick],
) -> Progress<'a> {
    let items = template
        .items_for(child, placement)
        .map(|item| {
            let last = ticks_in_order
                .iter()
                .rev()
                .find(|t| t.placement_id == placement.id && t.item_key == item.key);
            ItemStatus {
                item,
                state: last.map_or(ItemState::Open, |t| t.state),
                last,
            }
        })
        .collect();
    Progress { items }
}

/// The version valid for `kind` on `on`: the highest version whose
/// valid-from day has come.
pub fn current_template(
    templates: &[ChecklistTemplate],
    kind: PlacementKind,
    on: NaiveDate,
) -> Option<&ChecklistTemplate> {
    templates
        .iter()
        .filter(|t| t.id.kind == kind && t.valid_from <= on)
        .max_by_key(|t| t.id.version)
}

/// The template a placement follows: the one valid on its start date (the
/// first version when it started before any).
pub fn template_of<'a>(
    templates: &'a [ChecklistTemplate],
    placement: &Placement,
) -> Option<&'a ChecklistTemplate> {
    current_template(templates, placement.kind, placement.start_date).or_else(|| {
        templates
            .iter()
            .filter(|t| t.id.kind == placement.kind)
            .min_by_key(|t| t.id.version)
    })
}

/// A new item's key made from its text (lowercase ASCII letters, digits
/// and dashes), different from every key in `taken`.
pub fn item_key_from(text: &str, taken: &[String]) -> String {
    let folded: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            'é' => 'e',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect();
    let mut base: String = folded
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    base.truncate(34);
    let base = base.trim_end_matches('-').to_owned();
    let base = if base.is_empty() {
        "punkt".to_owned()
    } else {
        base
    };
    let mut key = base.clone();
    let mut n = 2;
    while taken.contains(&key) {
        key = format!("{base}-{n}");
        n += 1;
    }
    key
}

/// Which items version 1 holds, when each applies and the routine behind
/// it; the words are content (`content/<language>/checklists.json`).
const BUILTIN_ITEMS: [(&str, Applies, &str); 6] = [
    (
        "kontaktuppgifter",
        Applies::Always,
        "information-om-klagomal-och-rattigheter",
    ),
    (
        "klagomal",
        Applies::Always,
        "information-om-klagomal-och-rattigheter",
    ),
    (
        "rattigheter",
        Applies::Always,
        "information-om-klagomal-och-rattigheter",
    ),
    ("forsta-besok", Applies::Always, "besok-hos-placerade-barn"),
    (
        "halsoundersokning",
        Applies::ChildUnderSeven,
        "halsoundersokning-barn-0-6-ar",
    ),
    (
        "funktionshandlaggare",
        Applies::ChildWithDisability,
        "hembesok-fore-placering-funktionsnedsattning",
    ),
];

/// Homes that are families also have the family home's checks.
const FAMILY_HOME_ITEM: (&str, Applies, &str) = (
    "familjehemsutredning",
    Applies::Always,
    "utredning-av-familjehem",
);

fn builtin_texts() -> ChecklistTexts {
    crate::content::CHECKLISTS
        .file(crate::content::SOURCE, "checklists.json")
        .and_then(|json| ChecklistTexts::parse(json).ok())
        .unwrap_or_default()
}

/// Version 1 of every placement type's template, as the app ships it (from
/// the inspectorate's findings in the domain notes), in Swedish.
pub fn builtin_templates() -> Vec<ChecklistTemplate> {
    let texts = builtin_texts();
    PlacementKind::ALL
        .into_iter()
        .map(|kind| {
            let family = matches!(
                kind,
                PlacementKind::FosterHome
                    | PlacementKind::EmergencyHome
                    | PlacementKind::TreatmentFamily
            );
            let items = BUILTIN_ITEMS
                .iter()
                .chain(family.then_some(&FAMILY_HOME_ITEM))
                .map(|(key, applies, routine)| ChecklistItem {
                    key: (*key).to_owned(),
                    text: texts.items.get(*key).cloned().unwrap_or_default(),
                    applies: *applies,
                    routine: Some((*routine).to_owned()),
                })
                .collect();
            ChecklistTemplate {
                id: TemplateVersion { kind, version: 1 },
                title: texts.titles.get(&kind).cloned().unwrap_or_default(),
                items,
                valid_from: NaiveDate::MIN,
                published_by: None,
            }
        })
        .collect()
}

impl ChecklistTemplate {
    /// This template's title and the text of `item_key` in `language`: the
    /// translation when the template is the shipped version 1 and
    /// `language` has one, else the Swedish as published (with `false`).
    pub fn words_in(&self, language: &str) -> Option<TranslatedTemplate> {
        if self.published_by.is_some() || self.id.version != 1 {
            return None;
        }
        let translated = crate::content::CHECKLISTS.translated(language, "checklists.json")?;
        let texts = ChecklistTexts::parse(translated.text).ok()?;
        Some(TranslatedTemplate {
            title: texts.titles.get(&self.id.kind)?.clone(),
            items: texts.items,
            status: translated.status,
        })
    }
}

/// A shipped template's words in another language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslatedTemplate {
    pub title: String,
    pub items: std::collections::BTreeMap<String, String>,
    pub status: crate::content::TranslationStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_states_are_named_as_stored() {
        for state in ItemState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }
    use crate::domain::{LegalBasis, PersonName, VisitorName};

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn child(born: &str) -> Child {
        Child {
            id: ChildId::new_random(),
            given_name: PersonName::parse("Test").expect("name"),
            family_name: PersonName::parse("Barn").expect("name"),
            birth_date: day(born),
            sex: crate::domain::Sex::NotRecorded,
            has_disability: false,
            unit_id: None,
            external_id: None,
        }
    }

    fn placement(child: &Child, kind: PlacementKind, start: &str) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: child.id,
            kind,
            home_name: PersonName::parse("Familjen Berg").expect("name"),
            legal_basis: LegalBasis::SoL,
            start_date: day(start),
            ..Placement::blank()
        }
    }

    fn tick(p: &Placement, key: &str, state: ItemState) -> ChecklistTick {
        ChecklistTick {
            id: ChecklistTickId::new_random(),
            child_id: p.child_id,
            placement_id: p.id,
            template: TemplateVersion {
                kind: p.kind,
                version: 1,
            },
            item_key: key.to_owned(),
            state,
            by_name: VisitorName::parse("Anna").expect("name"),
            by: UserId::new_random(),
            ticked_at: Utc::now(),
        }
    }

    #[test]
    fn builtin_templates_are_valid_for_every_placement_kind() {
        let templates = builtin_templates();
        assert_eq!(templates.len(), PlacementKind::ALL.len());
        for t in &templates {
            assert_eq!(t.check(), Ok(()), "{:?}", t.id);
        }
        let hvb = current_template(
            &templates,
            PlacementKind::ResidentialCare,
            day("2026-01-01"),
        )
        .expect("hvb");
        assert!(!hvb.items.iter().any(|i| i.key == "familjehemsutredning"));
    }

    #[test]
    fn the_shipped_templates_read_in_english_and_published_ones_stay_swedish() {
        for template in builtin_templates() {
            let english = template.words_in("en").expect("English ships");
            assert!(english.title.starts_with("Placement checklist"));
            for item in &template.items {
                let text = english.items.get(&item.key).expect(&item.key);
                assert_ne!(text, &item.text, "{} is translated", item.key);
            }
            assert!(
                template.words_in("sv").is_none(),
                "Swedish is the template itself"
            );
            assert!(template.words_in("ar").is_none(), "no Arabic checklist");
            let mut published = template.clone();
            published.id.version = 2;
            published.published_by = Some("Enhetschef".into());
            assert!(
                published.words_in("en").is_none(),
                "a published version has no translation"
            );
        }
    }

    #[test]
    fn the_health_examination_applies_to_children_under_seven_at_the_start() {
        let templates = builtin_templates();
        let template = &templates[0];
        let small = child("2021-06-01");
        let older = child("2015-06-01");
        let has = |c: &Child| {
            let p = placement(c, template.id.kind, "2026-03-01");
            let found = template
                .items_for(c, &p)
                .any(|i| i.key == "halsoundersokning");
            found
        };
        assert!(has(&small));
        assert!(!has(&older));
    }

    #[test]
    fn the_latest_tick_decides_and_progress_counts_settled_items() {
        let templates = builtin_templates();
        let template = &templates[0];
        let c = child("2015-06-01");
        let p = placement(&c, template.id.kind, "2026-03-01");
        let ticks = vec![
            tick(&p, "klagomal", ItemState::Done),
            tick(&p, "kontaktuppgifter", ItemState::Done),
            tick(&p, "klagomal", ItemState::Open),
            tick(&p, "funktionshandlaggare", ItemState::NotApplicable),
        ];
        let progress = progress(template, &c, &p, &ticks);
        let state = |key: &str| {
            progress
                .items
                .iter()
                .find(|s| s.item.key == key)
                .map(|s| s.state)
        };
        assert_eq!(state("klagomal"), Some(ItemState::Open));
        assert_eq!(state("kontaktuppgifter"), Some(ItemState::Done));
        assert_eq!(progress.settled(), 2);
        assert_eq!(progress.total(), 6, "no health item for a child of 10");
        assert!(!progress.is_complete());
    }

    #[test]
    fn a_placement_keeps_the_version_it_started_with() {
        let mut templates = builtin_templates();
        let mut v2 = templates[0].clone();
        v2.id.version = 2;
        v2.valid_from = day("2026-06-01");
        v2.items.push(ChecklistItem {
            key: "ny-punkt".into(),
            text: "En ny punkt".into(),
            applies: Applies::Always,
            routine: None,
        });
        templates.push(v2);
        let kind = templates[0].id.kind;
        assert_eq!(
            current_template(&templates, kind, day("2026-05-31")).map(|t| t.id.version),
            Some(1)
        );
        assert_eq!(
            current_template(&templates, kind, day("2026-06-01")).map(|t| t.id.version),
            Some(2)
        );
        let c = child("2015-06-01");
        let before = placement(&c, kind, "2026-05-20");
        let after = placement(&c, kind, "2026-06-02");
        assert_eq!(
            template_of(&templates, &before).map(|t| t.id.version),
            Some(1)
        );
        assert_eq!(
            template_of(&templates, &after).map(|t| t.id.version),
            Some(2)
        );
    }

    #[test]
    fn every_item_links_a_routine_that_exists() {
        let library = crate::routines::seed_library();
        for template in builtin_templates() {
            for item in &template.items {
                let id = item.routine.as_deref().expect("a routine behind each item");
                let id = crate::routines::RoutineId::parse(id).expect("routine id");
                assert!(
                    library.newest(&id).is_some(),
                    "{id:?} is not in the library"
                );
            }
        }
    }

    #[test]
    fn keys_are_made_from_swedish_text_and_never_repeat() {
        assert_eq!(
            item_key_from("Skolgången är ordnad", &[]),
            "skolgangen-ar-ordnad"
        );
        assert_eq!(
            item_key_from("Skolgången är ordnad", &["skolgangen-ar-ordnad".into()]),
            "skolgangen-ar-ordnad-2"
        );
        assert_eq!(item_key_from("!!!", &[]), "punkt");
        let long = item_key_from(&"ord ".repeat(30), &[]);
        assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn templates_with_repeated_or_odd_keys_are_refused() {
        let mut t = builtin_templates().remove(0);
        t.items[1].key = t.items[0].key.clone();
        assert_eq!(t.check(), Err(TemplateProblem::BadKey));
        t.items[1].key = "Stora Bokstäver".into();
        assert_eq!(t.check(), Err(TemplateProblem::BadKey));
        t.items.clear();
        assert_eq!(t.check(), Err(TemplateProblem::Empty));
        let mut t = builtin_templates().remove(0);
        t.title = "Rad ett\nrad två".into();
        assert_eq!(t.check(), Err(TemplateProblem::BadTitle));
        let mut t = builtin_templates().remove(0);
        t.items[0].routine = Some("javascript:alert(1)".into());
        assert_eq!(t.check(), Err(TemplateProblem::BadRoutine));
    }
}
