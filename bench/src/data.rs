//! Deterministic data sets: the same seed gives the same children, placements
//! and visits, byte for byte, so every stack measured loads the same records.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use shared::protocol::Record;
use shared::{
    Child, ChildId, ContactKind, LegalBasis, NotAloneReason, PersonName, Placement, PlacementId,
    PlacementKind, UserId, Visit, VisitId, VisitNote, VisitPlace, VisitorName, VisitorRole,
};
use uuid::Uuid;

/// splitmix64: small, fast and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn uuid(&mut self) -> Uuid {
        // Version 4 and variant bits set, so the ids look like the devices' own.
        let bits =
            (u128::from(self.next()) << 64 | u128::from(self.next())) & !(0xf << 76) & !(0x3 << 62)
                | (0x4 << 76)
                | (0x2 << 62);
        Uuid::from_u128(bits)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "barnet",
    "berättade",
    "om",
    "skolan",
    "och",
    "sina",
    "kompisar",
    "familjehemmet",
    "har",
    "det",
    "lugnt",
    "vi",
    "pratade",
    "ensamma",
    "i",
    "köket",
    "hon",
    "han",
    "vill",
    "träffa",
    "mamma",
    "pappa",
    "syskon",
    "oftare",
    "sover",
    "bättre",
    "nu",
    "fritidsaktiviteter",
    "fotboll",
    "ridning",
    "läxor",
    "matematik",
    "svenska",
    "lärare",
    "mentor",
    "kontakt",
    "umgänge",
    "helgen",
    "planen",
    "genomförandeplan",
    "önskar",
    "tycker",
    "är",
    "bra",
    "ibland",
    "svårt",
    "oroar",
    "sig",
    "för",
    "framtiden",
    "trivs",
    "med",
    "rummet",
    "hunden",
    "katten",
    "mormor",
    "ringer",
    "varje",
    "vecka",
    "behöver",
    "stöd",
    "hälsa",
    "tandläkare",
    "BUP",
    "samtal",
    "nätverk",
    "trygg",
    "glad",
    "ledsen",
    "arg",
    "orolig",
];

fn prose(rng: &mut Rng, chars: usize) -> String {
    let mut text = String::with_capacity(chars + 16);
    let mut sentence_start = true;
    while text.len() < chars {
        let word = rng.pick(WORDS);
        if sentence_start {
            let mut letters = word.chars();
            if let Some(first) = letters.next() {
                text.extend(first.to_uppercase());
                text.push_str(letters.as_str());
            }
            sentence_start = false;
        } else {
            text.push(' ');
            text.push_str(word);
        }
        if rng.below(9) == 0 {
            text.push_str(". ");
            sentence_start = true;
            text.truncate(text.trim_end().len());
            text.push(' ');
        }
    }
    let mut text = text.trim_end().to_owned();
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

const GIVEN: &[&str] = &[
    "Elsa", "Liam", "Maja", "Noah", "Alva", "Hugo", "Ella", "William", "Astrid", "Lucas", "Saga",
    "Oscar", "Wilma", "Elias", "Ebba", "Adam", "Alice", "Omar", "Nora", "Leo",
];
const FAMILY: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Ali",
    "Hassan",
    "Lindberg",
    "Berg",
    "Holm",
];
const HOMES: &[&str] = &[
    "Familjehemmet Björkvägen",
    "Familjehemmet Sjögläntan",
    "Jourhemmet Lärkan",
    "HVB Solrosen",
    "HVB Kompassen",
    "Stödboendet Hamnen",
    "Familjehemmet Ekbacken",
];
const KINDS: &[PlacementKind] = &[
    PlacementKind::FosterHome,
    PlacementKind::FosterHome,
    PlacementKind::FosterHome,
    PlacementKind::EmergencyHome,
    PlacementKind::ResidentialCare,
    PlacementKind::SupportedHousing,
];

fn name(s: &str) -> PersonName {
    PersonName::parse(s).expect("generated names are valid")
}

fn note(s: &str) -> VisitNote {
    VisitNote::parse(s).expect("generated notes are valid")
}

/// One child's records: the child, one placement and its visits.
pub struct ChildSet {
    pub child: Child,
    pub placement: Placement,
    pub visits: Vec<Visit>,
}

impl ChildSet {
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        [
            Record::Child(self.child.clone()),
            Record::Placement(self.placement.clone()),
        ]
        .into_iter()
        .chain(self.visits.iter().cloned().map(Record::Visit))
    }
}

/// `records` records in all: `children` children, a placement each, and the
/// rest visits spread evenly. Visits are dated from the placement's start,
/// about every third month, as the law asks.
pub fn caseload(
    seed: u64,
    children: usize,
    records: usize,
    signer: Option<UserId>,
) -> Vec<ChildSet> {
    let mut rng = Rng::new(seed);
    let visits_total = records.saturating_sub(2 * children);
    let base = NaiveDate::from_ymd_opt(2012, 1, 9).unwrap_or_default();
    (0..children)
        .map(|n| {
            let child_id = ChildId::from_uuid(rng.uuid());
            let child = Child {
                id: child_id,
                given_name: name(rng.pick(GIVEN)),
                family_name: name(rng.pick(FAMILY)),
                birth_date: base
                    .checked_sub_days(Days::new(365 * 2 + rng.below(365 * 10)))
                    .unwrap_or(base),
                sex: shared::Sex::NotRecorded,
                has_disability: false,
                unit_id: None,
                external_id: None,
            };
            let start = base
                .checked_add_days(Days::new(rng.below(200)))
                .unwrap_or(base);
            let placement = Placement {
                id: PlacementId::from_uuid(rng.uuid()),
                child_id,
                kind: KINDS[n % KINDS.len()],
                home_name: name(rng.pick(HOMES)),
                legal_basis: if rng.below(3) == 0 {
                    LegalBasis::Lvu
                } else {
                    LegalBasis::SoL
                },
                start_date: start,
                ..Placement::blank()
            };
            let count = visits_total / children + usize::from(n < visits_total % children);
            let visits = (0..count)
                .map(|k| visit(&mut rng, child_id, start, k as u64, signer))
                .collect();
            ChildSet {
                child,
                placement,
                visits,
            }
        })
        .collect()
}

/// A visit as a social worker records it: a note, the child's own words,
/// what they were asked and what follows.
pub fn visit(
    rng: &mut Rng,
    child_id: ChildId,
    start: NaiveDate,
    k: u64,
    signer: Option<UserId>,
) -> Visit {
    let visit_date = start
        .checked_add_days(Days::new(5 + k * 91 % 5000 + rng.below(20)))
        .unwrap_or(start);
    let talked_alone = rng.below(8) != 0;
    Visit {
        id: VisitId::from_uuid(rng.uuid()),
        child_id,
        visit_date,
        visitor: VisitorName::parse("Anna Lind").expect("valid"),
        talked_alone,
        note: note(&prose(rng, 700)),
        recorded_at: Utc.from_utc_datetime(&visit_date.and_hms_opt(15, 30, 0).unwrap_or_default()),
        start_time: chrono::NaiveTime::from_hms_opt(13, 0, 0),
        contact: ContactKind::InPerson,
        place: VisitPlace::InTheHome,
        visitor_role: VisitorRole::Employee,
        not_alone_reason: (!talked_alone).then_some(NotAloneReason::ChildDeclined),
        child_asked: note(&prose(rng, 120)),
        child_view: note(&prose(rng, 260)),
        view_influence: note(&prose(rng, 150)),
        feedback_given: true,
        follow_ups: note(&prose(rng, 120)),
        signed_by: signer,
        ..Visit::blank()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_records() {
        let a = caseload(7, 3, 30, None);
        let b = caseload(7, 3, 30, None);
        let json = |sets: &[ChildSet]| {
            serde_json::to_string(&sets.iter().flat_map(ChildSet::records).collect::<Vec<_>>())
                .expect("encodes")
        };
        assert_eq!(json(&a), json(&b));
        assert_ne!(json(&a), json(&caseload(8, 3, 30, None)));
    }

    #[test]
    fn the_record_count_is_exact_and_visits_are_visit_sized() {
        let sets = caseload(1, 7, 100, None);
        assert_eq!(sets.iter().flat_map(ChildSet::records).count(), 100);
        let visit = &sets[0].visits[0];
        let bytes = serde_json::to_vec(&Record::Visit(visit.clone()))
            .expect("encodes")
            .len();
        assert!((1_200..2_400).contains(&bytes), "{bytes} bytes");
        assert!(visit.check_consistent().is_ok());
    }
}
