//! What a child makes of the conversation tools (samtalsstöd) on the tablet,
//! saved into the visit as the child's own words. Bounded in size, so a
//! visit with drawings still fits one sync request.

use crate::domain::{TextError, VisitNote};
use serde::{Deserialize, Serialize};

/// The most strokes in one drawing, and points in all of a visit's drawings.
pub const MAX_STROKES: usize = 400;
pub const MAX_POINTS: usize = 12_000;
/// Drawing coordinates run from 0 to this, whatever the screen's size.
pub const CANVAS: u16 = 1000;
/// The most people in one network.
pub const MAX_PEOPLE: usize = 40;

/// One tool's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum ToolResult {
    ThreeHouses(ThreeHouses),
    FeelingsScale(FeelingsScale),
    MyNetwork(MyNetwork),
}

impl ToolResult {
    pub fn tool(&self) -> crate::domain::ConversationTool {
        use crate::domain::ConversationTool as T;
        match self {
            Self::ThreeHouses(_) => T::ThreeHouses,
            Self::FeelingsScale(_) => T::FeelingsScale,
            Self::MyNetwork(_) => T::MyNetwork,
        }
    }
}

/// Tre hus: the house of worries, the house of good things, the house of
/// dreams; each with what the child said or wrote, and what they drew.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreeHouses {
    pub worries: VisitNote,
    pub good_things: VisitNote,
    pub dreams: VisitNote,
    #[serde(default)]
    pub drawings: Vec<Drawing>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum House {
    Worries,
    GoodThings,
    Dreams,
}

impl House {
    pub const ALL: [Self; 3] = [Self::Worries, Self::GoodThings, Self::Dreams];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Worries => "Oroshuset",
            Self::GoodThings => "Det bra huset",
            Self::Dreams => "Drömhuset",
        }
    }

    /// The question the house asks, in a child's words.
    pub fn prompt_sv(self) -> &'static str {
        match self {
            Self::Worries => "Vad oroar dig eller gör dig ledsen?",
            Self::GoodThings => "Vad är bra i ditt liv just nu?",
            Self::Dreams => "Vad önskar du dig? Hur skulle det vara om allt var bra?",
        }
    }
}

/// What a finger drew in one house: strokes of points on a
/// [`CANVAS`]×[`CANVAS`] grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawing {
    pub house: House,
    pub strokes: Vec<Vec<[u16; 2]>>,
}

/// Känsloskalan: how it feels, on five faces, across the themes a placed
/// child lives with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeelingsScale {
    pub answers: Vec<ScaleAnswer>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleAnswer {
    pub theme: ScaleTheme,
    pub level: Feeling,
    /// What the child said about it, if anything.
    #[serde(default)]
    pub comment: VisitNote,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleTheme {
    /// Hur det är i hemmet där jag bor.
    Home,
    School,
    FriendsAndFreeTime,
    ContactWithFamily,
    FeelingSafe,
    /// Att få vara med och bestämma.
    BeingPartOfDecisions,
}

impl ScaleTheme {
    pub const ALL: [Self; 6] = [
        Self::Home,
        Self::School,
        Self::FriendsAndFreeTime,
        Self::ContactWithFamily,
        Self::FeelingSafe,
        Self::BeingPartOfDecisions,
    ];

    /// Short, for tables and charts.
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Home => "Hemmet",
            Self::School => "Skolan",
            Self::FriendsAndFreeTime => "Kompisar och fritid",
            Self::ContactWithFamily => "Kontakt med familjen",
            Self::FeelingSafe => "Att känna sig trygg",
            Self::BeingPartOfDecisions => "Att få vara med och bestämma",
        }
    }

    /// The question as the child hears it.
    pub fn question_sv(self) -> &'static str {
        match self {
            Self::Home => "Hur känns det i hemmet där du bor?",
            Self::School => "Hur känns det i skolan?",
            Self::FriendsAndFreeTime => "Hur känns det med kompisar och det du gör på fritiden?",
            Self::ContactWithFamily => "Hur känns det med kontakten med din familj?",
            Self::FeelingSafe => "Hur trygg känner du dig?",
            Self::BeingPartOfDecisions => {
                "Hur känns det att få vara med och bestämma om det som händer dig?"
            }
        }
    }
}

/// One of five faces, 1 (very sad) to 5 (very happy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Feeling(u8);

impl Feeling {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn new(level: u8) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&level)
            .then_some(Self(level))
    }

    pub fn level(self) -> u8 {
        self.0
    }

    pub fn label_sv(self) -> &'static str {
        match self.0 {
            1 => "Mycket dåligt",
            2 => "Ganska dåligt",
            3 => "Mittemellan",
            4 => "Ganska bra",
            _ => "Mycket bra",
        }
    }
}

impl TryFrom<u8> for Feeling {
    type Error = String;
    fn try_from(level: u8) -> Result<Self, Self::Error> {
        Self::new(level).ok_or_else(|| format!("a feeling is 1 to 5, not {level}"))
    }
}

impl From<Feeling> for u8 {
    fn from(feeling: Feeling) -> u8 {
        feeling.0
    }
}

/// Mitt nätverk: the people who matter to the child, placed near the child
/// or further away.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyNetwork {
    pub people: Vec<NetworkPerson>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkPerson {
    /// A name or what the child calls them ("mormor", "Sara i skolan").
    pub name: crate::domain::PersonName,
    pub closeness: Closeness,
    /// Where the child put them on the [`CANVAS`] grid, the child at the
    /// centre.
    pub position: [u16; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closeness {
    Close,
    Middle,
    Far,
}

impl Closeness {
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Close => "Nära",
            Self::Middle => "Mittemellan",
            Self::Far => "Längre bort",
        }
    }

    /// From where a person was put: the distance from the centre of the
    /// canvas, in thirds of its half-width.
    pub fn from_position(position: [u16; 2]) -> Self {
        let half = f64::from(CANVAS) / 2.0;
        let dx = f64::from(position[0]) - half;
        let dy = f64::from(position[1]) - half;
        let distance = (dx * dx + dy * dy).sqrt() / half;
        if distance < 0.4 {
            Self::Close
        } else if distance < 0.75 {
            Self::Middle
        } else {
            Self::Far
        }
    }
}

/// Why a set of tool results cannot be stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ToolProblem {
    #[error("each tool is used at most once per visit")]
    ToolTwice,
    #[error("each house has at most one drawing")]
    DrawingTwice,
    #[error("a drawing has at most {MAX_STROKES} strokes and a visit {MAX_POINTS} points")]
    DrawingTooLarge,
    #[error("a point lies outside the drawing")]
    PointOutside,
    #[error("each theme is answered at most once")]
    ThemeTwice,
    #[error("a network has at most {MAX_PEOPLE} people")]
    NetworkTooLarge,
    #[error("text: {0}")]
    Text(#[from] TextError),
}

/// Checks what the type system cannot: sizes, ranges and repeats.
pub fn check_results(results: &[ToolResult]) -> Result<(), ToolProblem> {
    let mut tools = std::collections::HashSet::new();
    let mut points = 0usize;
    for result in results {
        if !tools.insert(result.tool()) {
            return Err(ToolProblem::ToolTwice);
        }
        match result {
            ToolResult::ThreeHouses(houses) => {
                let mut drawn = std::collections::HashSet::new();
                for drawing in &houses.drawings {
                    if !drawn.insert(drawing.house) {
                        return Err(ToolProblem::DrawingTwice);
                    }
                    if drawing.strokes.len() > MAX_STROKES {
                        return Err(ToolProblem::DrawingTooLarge);
                    }
                    for stroke in &drawing.strokes {
                        points += stroke.len();
                        if stroke.iter().flatten().any(|c| *c > CANVAS) {
                            return Err(ToolProblem::PointOutside);
                        }
                    }
                }
                if points > MAX_POINTS {
                    return Err(ToolProblem::DrawingTooLarge);
                }
            }
            ToolResult::FeelingsScale(scale) => {
                let mut themes = std::collections::HashSet::new();
                if !scale.answers.iter().all(|a| themes.insert(a.theme)) {
                    return Err(ToolProblem::ThemeTwice);
                }
            }
            ToolResult::MyNetwork(network) => {
                if network.people.len() > MAX_PEOPLE {
                    return Err(ToolProblem::NetworkTooLarge);
                }
                if network
                    .people
                    .iter()
                    .any(|p| p.position.iter().any(|c| *c > CANVAS))
                {
                    return Err(ToolProblem::PointOutside);
                }
            }
        }
    }
    Ok(())
}

/// How [`as_text_in`] words the tools' labels: Swedish for the record, the
/// interface language on screen.
pub trait ResultWords {
    fn house(&self, house: House) -> &str;
    fn theme(&self, theme: ScaleTheme) -> &str;
    fn feeling(&self, feeling: Feeling) -> &str;
    fn closeness(&self, closeness: Closeness) -> &str;
    /// Said after a house the child drew in ("ritade").
    fn drew(&self) -> &str;
}

/// The record's words: Swedish.
pub struct SwedishWords;

impl ResultWords for SwedishWords {
    fn house(&self, house: House) -> &str {
        house.label_sv()
    }
    fn theme(&self, theme: ScaleTheme) -> &str {
        theme.label_sv()
    }
    fn feeling(&self, feeling: Feeling) -> &str {
        feeling.label_sv()
    }
    fn closeness(&self, closeness: Closeness) -> &str {
        closeness.label_sv()
    }
    fn drew(&self) -> &str {
        "ritade"
    }
}

/// The tools' results as text, for the visit log and for everyone who reads
/// the record without the drawings: the child's own words, labelled.
pub fn as_text(result: &ToolResult) -> String {
    as_text_in(result, &SwedishWords)
}

/// [`as_text`] with the labels in other words.
pub fn as_text_in(result: &ToolResult, words: &impl ResultWords) -> String {
    let mut out = String::new();
    match result {
        ToolResult::ThreeHouses(h) => {
            for (house, text) in [
                (House::Worries, &h.worries),
                (House::GoodThings, &h.good_things),
                (House::Dreams, &h.dreams),
            ] {
                let drew = h.drawings.iter().any(|d| d.house == house);
                if !text.as_str().is_empty() || drew {
                    out.push_str(words.house(house));
                    out.push_str(": ");
                    out.push_str(text.as_str());
                    if drew {
                        if !text.as_str().is_empty() {
                            out.push(' ');
                        }
                        out.push_str(&format!("({})", words.drew()));
                    }
                    out.push('\n');
                }
            }
        }
        ToolResult::FeelingsScale(s) => {
            for a in &s.answers {
                out.push_str(&format!(
                    "{}: {}",
                    words.theme(a.theme),
                    words.feeling(a.level)
                ));
                if !a.comment.as_str().is_empty() {
                    out.push_str(&format!(" – ”{}”", a.comment));
                }
                out.push('\n');
            }
        }
        ToolResult::MyNetwork(n) => {
            for closeness in [Closeness::Close, Closeness::Middle, Closeness::Far] {
                let names: Vec<&str> = n
                    .people
                    .iter()
                    .filter(|p| p.closeness == closeness)
                    .map(|p| p.name.as_str())
                    .collect();
                if !names.is_empty() {
                    out.push_str(&format!(
                        "{}: {}\n",
                        words.closeness(closeness),
                        names.join(", ")
                    ));
                }
            }
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PersonName;

    fn note(text: &str) -> VisitNote {
        VisitNote::parse(text).expect("note")
    }

    #[test]
    fn a_feeling_is_one_of_five_faces() {
        assert!(Feeling::new(0).is_none());
        assert!(Feeling::new(6).is_none());
        assert_eq!(Feeling::new(3).map(Feeling::level), Some(3));
        assert!(serde_json::from_str::<Feeling>("7").is_err());
        assert_eq!(serde_json::from_str::<Feeling>("5").ok(), Feeling::new(5));
    }

    #[test]
    fn results_are_tagged_by_tool() {
        let result = ToolResult::FeelingsScale(FeelingsScale {
            answers: vec![ScaleAnswer {
                theme: ScaleTheme::School,
                level: Feeling::new(4).expect("feeling"),
                comment: note("Bra fröken"),
            }],
        });
        let json = serde_json::to_value(&result).expect("json");
        assert_eq!(json["tool"], "feelings_scale");
        assert_eq!(json["answers"][0]["theme"], "school");
        assert_eq!(json["answers"][0]["level"], 4);
        let back: ToolResult = serde_json::from_value(json).expect("back");
        assert_eq!(back, result);
    }

    #[test]
    fn repeats_and_oversized_drawings_are_refused() {
        let scale = ToolResult::FeelingsScale(FeelingsScale::default());
        assert_eq!(
            check_results(&[scale.clone(), scale]),
            Err(ToolProblem::ToolTwice)
        );
        let answer = |theme| ScaleAnswer {
            theme,
            level: Feeling::new(2).expect("feeling"),
            comment: VisitNote::default(),
        };
        let twice = ToolResult::FeelingsScale(FeelingsScale {
            answers: vec![answer(ScaleTheme::Home), answer(ScaleTheme::Home)],
        });
        assert_eq!(check_results(&[twice]), Err(ToolProblem::ThemeTwice));

        let big = ToolResult::ThreeHouses(ThreeHouses {
            drawings: vec![Drawing {
                house: House::Dreams,
                strokes: vec![vec![[1, 1]; MAX_POINTS + 1]],
            }],
            ..ThreeHouses::default()
        });
        assert_eq!(check_results(&[big]), Err(ToolProblem::DrawingTooLarge));
        let outside = ToolResult::ThreeHouses(ThreeHouses {
            drawings: vec![Drawing {
                house: House::Dreams,
                strokes: vec![vec![[CANVAS + 1, 1]]],
            }],
            ..ThreeHouses::default()
        });
        assert_eq!(check_results(&[outside]), Err(ToolProblem::PointOutside));
    }

    #[test]
    fn closeness_follows_the_distance_from_the_child() {
        assert_eq!(Closeness::from_position([500, 500]), Closeness::Close);
        assert_eq!(Closeness::from_position([500, 250]), Closeness::Middle);
        assert_eq!(Closeness::from_position([0, 0]), Closeness::Far);
    }

    #[test]
    fn results_read_as_the_childs_words() {
        let houses = ToolResult::ThreeHouses(ThreeHouses {
            worries: note("Att flytta igen"),
            good_things: note("Hunden Sixten"),
            dreams: VisitNote::default(),
            drawings: vec![Drawing {
                house: House::Dreams,
                strokes: vec![vec![[1, 1], [2, 2]]],
            }],
        });
        assert_eq!(
            as_text(&houses),
            "Oroshuset: Att flytta igen\nDet bra huset: Hunden Sixten\nDrömhuset: (ritade)"
        );
        let network = ToolResult::MyNetwork(MyNetwork {
            people: vec![
                NetworkPerson {
                    name: PersonName::parse("Mormor").expect("name"),
                    closeness: Closeness::Close,
                    position: [500, 520],
                },
                NetworkPerson {
                    name: PersonName::parse("Pappa").expect("name"),
                    closeness: Closeness::Far,
                    position: [10, 10],
                },
            ],
        });
        assert_eq!(as_text(&network), "Nära: Mormor\nLängre bort: Pappa");
    }
}
