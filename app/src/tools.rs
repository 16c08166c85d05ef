//! The conversation tools (samtalsstöd) apart from the browser: where a
//! finger is on the drawing grid, how a drawing is kept small, what each
//! tool's screen holds and the result it becomes, and the child's answers
//! on the feelings scale across visits. The screens are `ui::tools`.

use crate::i18n::td_string;
use crate::labels::Label;
use crate::language::Language;
use chrono::NaiveDate;
use shared::conversation::{
    Closeness, Drawing, Feeling, FeelingsScale, House, MyNetwork, NetworkPerson, ScaleAnswer,
    ScaleTheme, ThreeHouses, ToolResult, CANVAS, MAX_PEOPLE, MAX_POINTS, MAX_STROKES,
};
use shared::{PersonName, TextError, Visit, VisitNote};
use std::collections::BTreeMap;

/// Where an element is on the screen, in CSS pixels (a `DOMRect`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// A pointer's client coordinates as a point on the [`CANVAS`] grid of the
/// element at `rect`; a finger that slides off the edge stays on it.
pub fn to_grid(client_x: f64, client_y: f64, rect: Rect) -> [u16; 2] {
    let axis = |client: f64, start: f64, length: f64| {
        if length <= 0.0 || !client.is_finite() {
            return 0;
        }
        let share = ((client - start) / length).clamp(0.0, 1.0);
        // In 0..=CANVAS after the clamp, so the cast cannot truncate.
        (share * f64::from(CANVAS)).round() as u16
    };
    [
        axis(client_x, rect.left, rect.width),
        axis(client_y, rect.top, rect.height),
    ]
}

/// Points one drawing may hold: each house gets a third of what a visit may
/// carry, so three full drawings still pass `check_results`.
pub const POINTS_PER_DRAWING: usize = MAX_POINTS / House::ALL.len();
/// A finger moving less than this (grid units) adds no point.
const MIN_STEP: i64 = 4;
/// How far (grid units) a simplified stroke may stray from the finger's path.
const SIMPLIFY_TOLERANCE: f64 = 1.5;

/// A drawing being made: strokes of grid points, kept within the limits as
/// they are drawn (a full drawing takes no more strokes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sketch {
    strokes: Vec<Vec<[u16; 2]>>,
    drawing: bool,
}

impl Sketch {
    /// A sketch holding what was drawn before, cut to the limits.
    pub fn from_strokes(strokes: &[Vec<[u16; 2]>]) -> Self {
        let mut sketch = Self::default();
        for stroke in strokes.iter().filter(|s| !s.is_empty()) {
            if sketch.is_full() {
                break;
            }
            let room = POINTS_PER_DRAWING - sketch.points();
            let clamped = stroke
                .iter()
                .take(room)
                .map(|p| [p[0].min(CANVAS), p[1].min(CANVAS)]);
            sketch.strokes.push(clamped.collect());
        }
        sketch
    }

    pub fn strokes(&self) -> &[Vec<[u16; 2]>] {
        &self.strokes
    }

    pub fn is_empty(&self) -> bool {
        self.strokes.is_empty()
    }

    pub fn points(&self) -> usize {
        self.strokes.iter().map(Vec::len).sum()
    }

    /// No room for another stroke.
    pub fn is_full(&self) -> bool {
        self.strokes.len() >= MAX_STROKES || self.points() >= POINTS_PER_DRAWING
    }

    /// A finger touches down. False when the drawing is full.
    pub fn begin(&mut self, point: [u16; 2]) -> bool {
        self.end();
        if self.is_full() {
            return false;
        }
        self.strokes.push(vec![point]);
        self.drawing = true;
        true
    }

    /// The finger moved: the point the new segment starts from, when one was
    /// added (not for tiny moves, nor past the limit).
    pub fn extend(&mut self, point: [u16; 2]) -> Option<[u16; 2]> {
        if !self.drawing || self.points() >= POINTS_PER_DRAWING {
            return None;
        }
        let stroke = self.strokes.last_mut()?;
        let last = *stroke.last()?;
        let dx = i64::from(point[0]) - i64::from(last[0]);
        let dy = i64::from(point[1]) - i64::from(last[1]);
        if dx * dx + dy * dy < MIN_STEP * MIN_STEP {
            return None;
        }
        stroke.push(point);
        Some(last)
    }

    /// The finger lifted: the stroke is simplified.
    pub fn end(&mut self) {
        if !std::mem::take(&mut self.drawing) {
            return;
        }
        if let Some(stroke) = self.strokes.last_mut() {
            *stroke = simplify(stroke, SIMPLIFY_TOLERANCE);
        }
    }

    pub fn clear(&mut self) {
        self.strokes.clear();
        self.drawing = false;
    }
}

/// Ramer–Douglas–Peucker: drops the points that lie within `tolerance` of
/// the line through their neighbours, keeping the ends.
pub fn simplify(stroke: &[[u16; 2]], tolerance: f64) -> Vec<[u16; 2]> {
    if stroke.len() < 3 {
        return stroke.to_vec();
    }
    let mut keep = vec![false; stroke.len()];
    keep[0] = true;
    keep[stroke.len() - 1] = true;
    let mut spans = vec![(0, stroke.len() - 1)];
    while let Some((first, last)) = spans.pop() {
        let farthest = (first + 1..last)
            .map(|i| (i, distance_to_line(stroke[i], stroke[first], stroke[last])))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, distance)) = farthest {
            if distance > tolerance {
                keep[i] = true;
                spans.push((first, i));
                spans.push((i, last));
            }
        }
    }
    stroke
        .iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

fn distance_to_line(p: [u16; 2], a: [u16; 2], b: [u16; 2]) -> f64 {
    let [px, py, ax, ay, bx, by] = [p[0], p[1], a[0], a[1], b[0], b[1]].map(f64::from);
    let (dx, dy) = (bx - ax, by - ay);
    let length = dx.hypot(dy);
    if length == 0.0 {
        return (px - ax).hypot(py - ay);
    }
    ((px - ax) * dy - (py - ay) * dx).abs() / length
}

fn house_index(house: House) -> usize {
    match house {
        House::Worries => 0,
        House::GoodThings => 1,
        House::Dreams => 2,
    }
}

/// The tools' results as text, labelled in `language`: what the visit form
/// and the child's page show. The record keeps the Swedish of
/// `shared::conversation::as_text`.
pub fn result_text(result: &ToolResult, language: Language) -> String {
    shared::conversation::as_text_in(result, &Words(language))
}

struct Words(Language);

impl shared::conversation::ResultWords for Words {
    fn house(&self, house: House) -> &str {
        house.label(self.0)
    }
    fn theme(&self, theme: ScaleTheme) -> &str {
        theme.label(self.0)
    }
    fn feeling(&self, feeling: Feeling) -> &str {
        feeling.label(self.0)
    }
    fn closeness(&self, closeness: Closeness) -> &str {
        closeness.label(self.0)
    }
    fn drew(&self) -> &str {
        td_string!(self.0.locale(), tools.results.drew)
    }
}

/// The question inside a house, in the child's language.
pub fn house_prompt(house: House, language: Language) -> &'static str {
    let locale = language.locale();
    match house {
        House::Worries => td_string!(locale, tools.houses.prompt.worries),
        House::GoodThings => td_string!(locale, tools.houses.prompt.good_things),
        House::Dreams => td_string!(locale, tools.houses.prompt.dreams),
    }
}

/// A feelings-scale theme's question, in the child's language.
pub fn scale_question(theme: ScaleTheme, language: Language) -> &'static str {
    let locale = language.locale();
    match theme {
        ScaleTheme::Home => td_string!(locale, tools.scale.question.home),
        ScaleTheme::School => td_string!(locale, tools.scale.question.school),
        ScaleTheme::FriendsAndFreeTime => {
            td_string!(locale, tools.scale.question.friends_and_free_time)
        }
        ScaleTheme::ContactWithFamily => {
            td_string!(locale, tools.scale.question.contact_with_family)
        }
        ScaleTheme::FeelingSafe => td_string!(locale, tools.scale.question.feeling_safe),
        ScaleTheme::BeingPartOfDecisions => {
            td_string!(locale, tools.scale.question.being_part_of_decisions)
        }
    }
}

/// Tre hus as the child fills it in: what was written and drawn per house.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HousesState {
    texts: [String; 3],
    sketches: [Sketch; 3],
}

impl HousesState {
    /// Where the child left off, when the tool was used before in this visit.
    pub fn from_result(result: &ThreeHouses) -> Self {
        let mut state = Self {
            texts: [&result.worries, &result.good_things, &result.dreams]
                .map(|t| t.as_str().to_owned()),
            ..Self::default()
        };
        for drawing in &result.drawings {
            state.sketches[house_index(drawing.house)] = Sketch::from_strokes(&drawing.strokes);
        }
        state
    }

    pub fn text(&self, house: House) -> &str {
        &self.texts[house_index(house)]
    }

    pub fn set_text(&mut self, house: House, text: String) {
        self.texts[house_index(house)] = text;
    }

    pub fn sketch(&self, house: House) -> &Sketch {
        &self.sketches[house_index(house)]
    }

    pub fn sketch_mut(&mut self, house: House) -> &mut Sketch {
        &mut self.sketches[house_index(house)]
    }

    /// Whether the child wrote or drew anything in `house`.
    pub fn has_content(&self, house: House) -> bool {
        !self.text(house).trim().is_empty() || !self.sketch(house).is_empty()
    }

    /// The result, or `None` when every house is empty.
    pub fn result(&self) -> Result<Option<ToolResult>, TextError> {
        if !House::ALL.iter().any(|h| self.has_content(*h)) {
            return Ok(None);
        }
        let drawings = House::ALL
            .into_iter()
            .filter(|h| !self.sketch(*h).is_empty())
            .map(|house| Drawing {
                house,
                strokes: self.sketch(house).strokes().to_vec(),
            })
            .collect();
        Ok(Some(ToolResult::ThreeHouses(ThreeHouses {
            worries: VisitNote::parse(self.text(House::Worries))?,
            good_things: VisitNote::parse(self.text(House::GoodThings))?,
            dreams: VisitNote::parse(self.text(House::Dreams))?,
            drawings,
        })))
    }
}

/// Känsloskalan as the child answers it, one theme at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScaleState {
    answers: BTreeMap<ScaleTheme, (Feeling, String)>,
    /// The question on screen, an index into [`ScaleTheme::ALL`].
    current: usize,
}

impl ScaleState {
    pub fn from_result(result: &FeelingsScale) -> Self {
        Self {
            answers: result
                .answers
                .iter()
                .map(|a| (a.theme, (a.level, a.comment.as_str().to_owned())))
                .collect(),
            current: 0,
        }
    }

    pub fn theme(&self) -> ScaleTheme {
        ScaleTheme::ALL[self.current.min(ScaleTheme::ALL.len() - 1)]
    }

    /// The question's number, from 1.
    pub fn number(&self) -> usize {
        self.current + 1
    }

    pub fn is_last(&self) -> bool {
        self.current + 1 >= ScaleTheme::ALL.len()
    }

    pub fn level(&self, theme: ScaleTheme) -> Option<Feeling> {
        self.answers.get(&theme).map(|(level, _)| *level)
    }

    pub fn comment(&self, theme: ScaleTheme) -> &str {
        self.answers.get(&theme).map_or("", |(_, c)| c.as_str())
    }

    pub fn answered(&self) -> usize {
        self.answers.len()
    }

    /// The child chose a face for the question on screen.
    pub fn choose(&mut self, level: Feeling) {
        self.answers
            .entry(self.theme())
            .and_modify(|(l, _)| *l = level)
            .or_insert((level, String::new()));
    }

    /// A comment on the question on screen; kept only with a chosen face.
    pub fn set_comment(&mut self, comment: String) {
        if let Some((_, c)) = self.answers.get_mut(&self.theme()) {
            *c = comment;
        }
    }

    /// Leaves the question on screen unanswered and moves on. True when
    /// that was the last question.
    pub fn skip(&mut self) -> bool {
        self.answers.remove(&self.theme());
        self.advance()
    }

    /// Moves to the next question. True when there is none.
    pub fn advance(&mut self) -> bool {
        if self.is_last() {
            return true;
        }
        self.current += 1;
        false
    }

    pub fn back(&mut self) {
        self.current = self.current.saturating_sub(1);
    }

    /// The result, or `None` when nothing was answered.
    pub fn result(&self) -> Result<Option<ToolResult>, TextError> {
        if self.answers.is_empty() {
            return Ok(None);
        }
        let answers = self
            .answers
            .iter()
            .map(|(theme, (level, comment))| {
                Ok(ScaleAnswer {
                    theme: *theme,
                    level: *level,
                    comment: VisitNote::parse(comment)?,
                })
            })
            .collect::<Result<_, TextError>>()?;
        Ok(Some(ToolResult::FeelingsScale(FeelingsScale { answers })))
    }
}

/// The outer edge of each ring, as a share of the board's half-width; the
/// same bounds as [`Closeness::from_position`].
pub const RING_EDGES: [(Closeness, f64); 3] = [
    (Closeness::Close, 0.4),
    (Closeness::Middle, 0.75),
    (Closeness::Far, 1.0),
];
/// The child's own circle in the middle, as a share of the half-width.
pub const CHILD_RADIUS: f64 = 0.14;

/// A point `share` of the half-width from the centre, in direction `angle`
/// (radians, 0 to the right, clockwise on screen).
fn polar(angle: f64, share: f64) -> [u16; 2] {
    let half = f64::from(CANVAS) / 2.0;
    let at = |v: f64| {
        (half + v * share * half)
            .round()
            .clamp(0.0, f64::from(CANVAS)) as u16
    };
    [at(angle.cos()), at(angle.sin())]
}

/// Where a person goes when put in `ring` without dragging: the middle of
/// the ring, in the direction they already were.
pub fn place_in_ring(position: [u16; 2], ring: Closeness) -> [u16; 2] {
    let half = f64::from(CANVAS) / 2.0;
    let dx = f64::from(position[0]) - half;
    let dy = f64::from(position[1]) - half;
    let angle = if dx == 0.0 && dy == 0.0 {
        -std::f64::consts::FRAC_PI_2
    } else {
        dy.atan2(dx)
    };
    let share = match ring {
        Closeness::Close => (CHILD_RADIUS + 0.4) / 2.0,
        Closeness::Middle => (0.4 + 0.75) / 2.0,
        Closeness::Far => 0.88,
    };
    polar(angle, share)
}

/// Why a person could not be added to the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddPersonProblem {
    NoName,
    TooLong,
    Full,
}

impl AddPersonProblem {
    /// What the child is told, in the child's words.
    pub fn message(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::NoName => td_string!(locale, tools.network.no_name),
            Self::TooLong => td_string!(locale, tools.network.name_too_long),
            Self::Full => td_string!(locale, tools.network.full),
        }
    }
}

/// Someone the child put on the board. `id` tells people with the same name
/// apart while dragging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub id: u32,
    pub name: PersonName,
    pub position: [u16; 2],
}

impl Placed {
    pub fn closeness(&self) -> Closeness {
        Closeness::from_position(self.position)
    }
}

/// Mitt nätverk as the child builds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkState {
    people: Vec<Placed>,
    next_id: u32,
}

impl NetworkState {
    pub fn from_result(result: &MyNetwork) -> Self {
        let mut state = Self::default();
        for person in result.people.iter().take(MAX_PEOPLE) {
            let position = person.position.map(|c| c.min(CANVAS));
            // A position that disagrees with the stored ring (an older app
            // placed it) yields to the ring the social worker saw.
            let position = if Closeness::from_position(position) == person.closeness {
                position
            } else {
                place_in_ring(position, person.closeness)
            };
            state.push(person.name.clone(), position);
        }
        state
    }

    pub fn people(&self) -> &[Placed] {
        &self.people
    }

    pub fn person(&self, id: u32) -> Option<&Placed> {
        self.people.iter().find(|p| p.id == id)
    }

    fn push(&mut self, name: PersonName, position: [u16; 2]) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.people.push(Placed { id, name, position });
        id
    }

    /// Adds a person on the outer ring, each new one a little further
    /// round, so that no one hides another.
    pub fn add(&mut self, name: &str) -> Result<u32, AddPersonProblem> {
        if self.people.len() >= MAX_PEOPLE {
            return Err(AddPersonProblem::Full);
        }
        let name = PersonName::parse(name).map_err(|e| match e {
            TextError::TooLong { .. } => AddPersonProblem::TooLong,
            TextError::Empty | TextError::ControlCharacter => AddPersonProblem::NoName,
        })?;
        // The golden angle spreads any number of people evenly enough,
        // starting at the top.
        let turn = 2.399_963_229_728_653 * f64::from(self.next_id);
        let position = polar(turn - std::f64::consts::FRAC_PI_2, 0.88);
        Ok(self.push(name, position))
    }

    pub fn move_to(&mut self, id: u32, position: [u16; 2]) {
        if let Some(person) = self.people.iter_mut().find(|p| p.id == id) {
            person.position = position.map(|c| c.min(CANVAS));
        }
    }

    pub fn put_in_ring(&mut self, id: u32, ring: Closeness) {
        if let Some(person) = self.people.iter_mut().find(|p| p.id == id) {
            person.position = place_in_ring(person.position, ring);
        }
    }

    pub fn remove(&mut self, id: u32) {
        self.people.retain(|p| p.id != id);
    }

    /// The result, or `None` when no one was added.
    pub fn result(&self) -> Option<ToolResult> {
        if self.people.is_empty() {
            return None;
        }
        Some(ToolResult::MyNetwork(MyNetwork {
            people: self
                .people
                .iter()
                .map(|p| NetworkPerson {
                    name: p.name.clone(),
                    closeness: p.closeness(),
                    position: p.position,
                })
                .collect(),
        }))
    }
}

/// One visit's answers on the feelings scale: a row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceRow {
    pub date: NaiveDate,
    /// One per theme of [`VoiceOverTime::themes`], in that order.
    pub levels: Vec<Option<Feeling>>,
}

/// One theme's answers across visits: a line of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceSeries {
    pub theme: ScaleTheme,
    /// (row index, visit date, level), in date order.
    pub points: Vec<(usize, NaiveDate, Feeling)>,
}

/// Barnets röst över tid: the feelings-scale answers of a child's signed
/// visits, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceOverTime {
    /// The themes answered at least once, in [`ScaleTheme::ALL`] order.
    pub themes: Vec<ScaleTheme>,
    pub rows: Vec<VoiceRow>,
}

impl VoiceOverTime {
    /// `None` when no signed visit has feelings-scale answers. Drafts and
    /// unsigned records do not count: the chart shows the record only.
    pub fn from_visits(visits: &[Visit]) -> Option<Self> {
        let mut answered: Vec<(&Visit, &FeelingsScale)> = visits
            .iter()
            .filter(|v| v.signed_by.is_some())
            .filter_map(|v| {
                v.tools.iter().find_map(|t| match t {
                    ToolResult::FeelingsScale(s) if !s.answers.is_empty() => Some((v, s)),
                    _ => None,
                })
            })
            .collect();
        if answered.is_empty() {
            return None;
        }
        answered.sort_by(|(a, _), (b, _)| {
            (a.visit_date, a.start_time, a.recorded_at, a.id.to_string()).cmp(&(
                b.visit_date,
                b.start_time,
                b.recorded_at,
                b.id.to_string(),
            ))
        });
        let themes: Vec<ScaleTheme> = ScaleTheme::ALL
            .into_iter()
            .filter(|theme| {
                answered
                    .iter()
                    .any(|(_, s)| s.answers.iter().any(|a| a.theme == *theme))
            })
            .collect();
        let rows = answered
            .iter()
            .map(|(visit, scale)| VoiceRow {
                date: visit.visit_date,
                levels: themes
                    .iter()
                    .map(|theme| {
                        scale
                            .answers
                            .iter()
                            .find(|a| a.theme == *theme)
                            .map(|a| a.level)
                    })
                    .collect(),
            })
            .collect();
        Some(Self { themes, rows })
    }

    /// Each answered theme's points, in date order.
    pub fn series(&self) -> Vec<VoiceSeries> {
        self.themes
            .iter()
            .enumerate()
            .map(|(column, theme)| VoiceSeries {
                theme: *theme,
                points: self
                    .rows
                    .iter()
                    .enumerate()
                    .filter_map(|(row, r)| {
                        r.levels
                            .get(column)
                            .copied()
                            .flatten()
                            .map(|level| (row, r.date, level))
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Where a small chart puts a visit (x) and a level (y), in SVG units:
/// visits evenly spaced in date order, level 5 at the top.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartScale {
    pub rows: usize,
    pub width: f64,
    pub height: f64,
    /// Room left of the plot for the level labels.
    pub left: f64,
    /// Room on the other three sides.
    pub margin: f64,
}

impl ChartScale {
    pub fn x(&self, row: usize) -> f64 {
        let span = self.width - self.left - self.margin;
        if self.rows <= 1 {
            return self.left + span / 2.0;
        }
        // Row counts are small; the conversion is exact.
        self.left + span * row as f64 / (self.rows - 1) as f64
    }

    pub fn y(&self, level: u8) -> f64 {
        let span = self.height - 2.0 * self.margin;
        let steps = f64::from(Feeling::MAX - Feeling::MIN);
        let above_min = f64::from(level.clamp(Feeling::MIN, Feeling::MAX) - Feeling::MIN);
        self.margin + span * (1.0 - above_min / steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{ChildId, UserId, VisitId, VisitorName};

    const RECT: Rect = Rect {
        left: 100.0,
        top: 50.0,
        width: 400.0,
        height: 200.0,
    };

    fn feeling(level: u8) -> Feeling {
        Feeling::new(level).expect("feeling")
    }

    #[test]
    fn pointer_positions_land_on_the_grid_and_stay_on_it() {
        assert_eq!(to_grid(100.0, 50.0, RECT), [0, 0]);
        assert_eq!(to_grid(300.0, 150.0, RECT), [500, 500]);
        assert_eq!(to_grid(500.0, 250.0, RECT), [CANVAS, CANVAS]);
        assert_eq!(to_grid(-20.0, 900.0, RECT), [0, CANVAS]);
        assert_eq!(to_grid(f64::NAN, 60.0, RECT), [0, 50]);
        let flat = Rect { width: 0.0, ..RECT };
        assert_eq!(to_grid(300.0, 150.0, flat), [0, 500]);
    }

    #[test]
    fn a_stroke_keeps_its_shape_with_fewer_points() {
        let mut sketch = Sketch::default();
        assert!(sketch.begin([0, 0]));
        // Tiny jitter adds nothing; each real move returns where it started.
        assert_eq!(sketch.extend([1, 1]), None);
        let mut previous = [0, 0];
        for x in (10..=500).step_by(10) {
            assert_eq!(sketch.extend([x, 0]), Some(previous));
            previous = [x, 0];
        }
        for y in (10..=300).step_by(10) {
            sketch.extend([500, y]);
        }
        sketch.end();
        assert_eq!(sketch.strokes(), &[vec![[0, 0], [500, 0], [500, 300]]]);
        // After the finger lifts, moves draw nothing until it touches again.
        assert_eq!(sketch.extend([600, 600]), None);
    }

    #[test]
    fn simplifying_keeps_corners_and_ends() {
        assert_eq!(simplify(&[[5, 5]], 1.5), vec![[5, 5]]);
        let zigzag = [[0, 0], [50, 100], [100, 0], [150, 100]];
        assert_eq!(simplify(&zigzag, 1.5), zigzag.to_vec());
        let almost_straight = [[0, 0], [50, 1], [100, 0]];
        assert_eq!(simplify(&almost_straight, 1.5), vec![[0, 0], [100, 0]]);
        let there_and_back = [[0, 0], [100, 0], [0, 0]];
        assert_eq!(simplify(&there_and_back, 1.5), there_and_back.to_vec());
    }

    #[test]
    fn three_full_drawings_still_fit_one_visit() {
        let mut houses = HousesState::default();
        for house in House::ALL {
            let sketch = houses.sketch_mut(house);
            // A scribble that simplification cannot shorten.
            'strokes: while sketch.begin([0, 0]) {
                for i in 1..200u16 {
                    if sketch
                        .extend([(i * 5) % CANVAS, if i % 2 == 0 { 0 } else { 900 }])
                        .is_none()
                    {
                        break 'strokes;
                    }
                }
                sketch.end();
            }
            sketch.end();
            assert!(sketch.is_full());
            assert!(sketch.points() <= POINTS_PER_DRAWING);
        }
        let result = houses.result().expect("text").expect("drawn");
        assert_eq!(shared::conversation::check_results(&[result]), Ok(()));
    }

    #[test]
    fn a_drawing_has_a_limited_number_of_strokes() {
        let mut sketch = Sketch::default();
        for _ in 0..MAX_STROKES {
            assert!(sketch.begin([1, 1]));
            sketch.end();
        }
        assert!(!sketch.begin([1, 1]));
        assert_eq!(sketch.strokes().len(), MAX_STROKES);
    }

    #[test]
    fn three_houses_become_the_childs_words_and_drawings() {
        let mut houses = HousesState::default();
        assert_eq!(houses.result(), Ok(None));
        houses.set_text(House::GoodThings, "  Hunden Sixten ".into());
        let sketch = houses.sketch_mut(House::Dreams);
        sketch.begin([10, 10]);
        sketch.extend([400, 400]);
        sketch.end();
        let result = houses.result().expect("text").expect("something");
        let ToolResult::ThreeHouses(three) = &result else {
            panic!("three houses: {result:?}");
        };
        assert_eq!(three.good_things.as_str(), "Hunden Sixten");
        assert!(three.worries.as_str().is_empty());
        assert_eq!(
            three.drawings,
            vec![Drawing {
                house: House::Dreams,
                strokes: vec![vec![[10, 10], [400, 400]]]
            }]
        );
        assert_eq!(HousesState::from_result(three).result(), Ok(Some(result)));

        houses.set_text(House::Worries, "x".repeat(VisitNote::MAX_CHARS + 1));
        assert!(houses.result().is_err());
    }

    #[test]
    fn the_scale_goes_one_question_at_a_time() {
        let mut scale = ScaleState::default();
        assert_eq!(scale.result(), Ok(None));
        assert_eq!((scale.number(), scale.theme()), (1, ScaleTheme::Home));
        scale.set_comment("ignored without a face".into());
        scale.choose(feeling(4));
        scale.set_comment("Bra mat".into());
        scale.choose(feeling(5));
        assert!(!scale.advance());
        assert!(!scale.skip());
        scale.choose(feeling(2));
        scale.back();
        assert_eq!(scale.theme(), ScaleTheme::School);
        assert!(!scale.skip());
        for _ in 0..3 {
            scale.advance();
        }
        assert!(scale.is_last());
        scale.choose(feeling(3));
        assert!(scale.advance());
        let result = scale.result().expect("text").expect("answers");
        let ToolResult::FeelingsScale(answers) = &result else {
            panic!("scale: {result:?}");
        };
        let summary: Vec<_> = answers
            .answers
            .iter()
            .map(|a| (a.theme, a.level.level(), a.comment.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (ScaleTheme::Home, 5, "Bra mat"),
                (ScaleTheme::FriendsAndFreeTime, 2, ""),
                (ScaleTheme::BeingPartOfDecisions, 3, ""),
            ]
        );
        let again = ScaleState::from_result(answers);
        assert_eq!(again.level(ScaleTheme::Home), Some(feeling(5)));
        assert_eq!(again.comment(ScaleTheme::Home), "Bra mat");
        assert_eq!(again.answered(), 3);
    }

    #[test]
    fn each_ring_holds_what_closeness_says() {
        for (ring, _) in RING_EDGES {
            for start in [[500, 500], [900, 500], [0, 0], [500, 1000], [510, 480]] {
                let placed = place_in_ring(start, ring);
                assert_eq!(Closeness::from_position(placed), ring, "{start:?} {ring:?}");
            }
        }
        // The direction is kept.
        assert_eq!(place_in_ring([1000, 500], Closeness::Close), [635, 500]);
    }

    #[test]
    fn the_network_places_people_and_records_how_close() {
        let mut network = NetworkState::default();
        assert_eq!(network.add("   "), Err(AddPersonProblem::NoName));
        assert_eq!(
            network.add(&"x".repeat(200)),
            Err(AddPersonProblem::TooLong)
        );
        let mormor = network.add("Mormor").expect("added");
        let sara = network.add("Sara i skolan").expect("added");
        let far = |id| network.person(id).map(Placed::closeness);
        assert_eq!(
            (far(mormor), far(sara)),
            (Some(Closeness::Far), Some(Closeness::Far))
        );
        assert_ne!(
            network.person(mormor).map(|p| p.position),
            network.person(sara).map(|p| p.position)
        );
        network.move_to(mormor, [520, 540]);
        network.put_in_ring(sara, Closeness::Middle);
        let result = network.result().expect("people");
        assert_eq!(
            shared::conversation::as_text(&result),
            "Nära: Mormor\nMittemellan: Sara i skolan"
        );
        assert_eq!(
            result_text(&result, Language::Swedish),
            shared::conversation::as_text(&result)
        );
        assert_eq!(
            result_text(&result, Language::English),
            "Close: Mormor\nIn between: Sara i skolan"
        );
        let ToolResult::MyNetwork(people) = &result else {
            panic!("network: {result:?}");
        };
        assert_eq!(
            NetworkState::from_result(people).result(),
            Some(result.clone())
        );
        network.remove(mormor);
        network.remove(sara);
        assert_eq!(network.result(), None);
        for i in 0..MAX_PEOPLE {
            network.add(&format!("Person {i}")).expect("room");
        }
        assert_eq!(network.add("En till"), Err(AddPersonProblem::Full));
    }

    #[test]
    fn the_questions_are_asked_in_the_childs_language() {
        // Swedish word for word as the shared crate words them.
        for house in House::ALL {
            assert_eq!(house_prompt(house, Language::Swedish), house.prompt_sv());
        }
        for theme in ScaleTheme::ALL {
            assert_eq!(
                scale_question(theme, Language::Swedish),
                theme.question_sv()
            );
        }
        assert_eq!(
            house_prompt(House::GoodThings, Language::English),
            "What is good in your life right now?"
        );
        assert_eq!(
            scale_question(ScaleTheme::School, Language::English),
            "How does it feel at school?"
        );
        for language in [Language::English, Language::Arabic] {
            for house in House::ALL {
                assert_ne!(house_prompt(house, language), house.prompt_sv());
            }
            for theme in ScaleTheme::ALL {
                assert_ne!(scale_question(theme, language), theme.question_sv());
            }
        }
    }

    #[test]
    fn a_problem_adding_someone_is_told_in_the_childs_language() {
        let problems = [
            AddPersonProblem::NoName,
            AddPersonProblem::TooLong,
            AddPersonProblem::Full,
        ];
        let swedish = problems.map(|p| p.message(Language::Swedish));
        assert_eq!(
            swedish,
            [
                "Skriv ett namn först.",
                "Namnet är för långt.",
                "Det får inte plats fler personer.",
            ]
        );
        let english = problems.map(|p| p.message(Language::English));
        assert_eq!(
            english,
            [
                "Type a name first.",
                "The name is too long.",
                "There is no room for any more people.",
            ]
        );
    }

    fn visit(date: &str, signed: bool, answers: &[(ScaleTheme, u8)]) -> Visit {
        Visit {
            id: VisitId::new_random(),
            child_id: ChildId::from_uuid(uuid::Uuid::nil()),
            visit_date: date.parse().expect("date"),
            visitor: VisitorName::parse("Anna").expect("name"),
            signed_by: signed.then(UserId::new_random),
            tools: vec![ToolResult::FeelingsScale(FeelingsScale {
                answers: answers
                    .iter()
                    .map(|(theme, level)| ScaleAnswer {
                        theme: *theme,
                        level: feeling(*level),
                        comment: VisitNote::default(),
                    })
                    .collect(),
            })],
            ..Visit::blank()
        }
    }

    #[test]
    fn the_voice_over_time_counts_signed_visits_in_date_order() {
        assert_eq!(VoiceOverTime::from_visits(&[]), None);
        let without_scale = Visit {
            tools: Vec::new(),
            ..visit("2026-01-10", true, &[])
        };
        assert_eq!(
            VoiceOverTime::from_visits(std::slice::from_ref(&without_scale)),
            None
        );

        // Newest first, as the visit log holds them.
        let visits = [
            visit(
                "2026-09-01",
                true,
                &[(ScaleTheme::School, 4), (ScaleTheme::FeelingSafe, 5)],
            ),
            visit("2026-08-01", false, &[(ScaleTheme::Home, 1)]),
            visit("2026-06-01", true, &[(ScaleTheme::School, 2)]),
            without_scale,
            visit(
                "2026-03-01",
                true,
                &[(ScaleTheme::FeelingSafe, 3), (ScaleTheme::School, 1)],
            ),
        ];
        let voice = VoiceOverTime::from_visits(&visits).expect("answers");
        assert_eq!(
            voice.themes,
            vec![ScaleTheme::School, ScaleTheme::FeelingSafe]
        );
        let day = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            voice.rows,
            vec![
                VoiceRow {
                    date: day("2026-03-01"),
                    levels: vec![Some(feeling(1)), Some(feeling(3))]
                },
                VoiceRow {
                    date: day("2026-06-01"),
                    levels: vec![Some(feeling(2)), None]
                },
                VoiceRow {
                    date: day("2026-09-01"),
                    levels: vec![Some(feeling(4)), Some(feeling(5))]
                },
            ]
        );
        let series = voice.series();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].theme, ScaleTheme::School);
        assert_eq!(
            series[0].points,
            vec![
                (0, day("2026-03-01"), feeling(1)),
                (1, day("2026-06-01"), feeling(2)),
                (2, day("2026-09-01"), feeling(4)),
            ]
        );
        assert_eq!(
            series[1].points,
            vec![
                (0, day("2026-03-01"), feeling(3)),
                (2, day("2026-09-01"), feeling(5))
            ]
        );
    }

    #[test]
    fn the_chart_puts_visits_across_and_levels_up() {
        let scale = ChartScale {
            rows: 3,
            width: 300.0,
            height: 140.0,
            left: 40.0,
            margin: 20.0,
        };
        assert_eq!(scale.x(0), 40.0);
        assert_eq!(scale.x(1), 160.0);
        assert_eq!(scale.x(2), 280.0);
        assert_eq!(scale.y(5), 20.0);
        assert_eq!(scale.y(1), 120.0);
        assert_eq!(scale.y(3), 70.0);
        let one = ChartScale { rows: 1, ..scale };
        assert_eq!(one.x(0), 160.0);
    }
}
