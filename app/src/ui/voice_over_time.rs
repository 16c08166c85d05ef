//! Barnets röst över tid: the child's answers on the feelings scale across
//! signed visits, as a small chart per theme and as a table with the same
//! numbers (the table is what a screen reader reads).

use crate::i18n::{t, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use crate::tools::{ChartScale, VoiceOverTime, VoiceSeries};
use chrono::NaiveDate;
use leptos::prelude::*;
use shared::conversation::Feeling;
use shared::Visit;

const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 150.0;
/// Below the plot: the dates.
const DATE_ROOM: f64 = 22.0;

fn level_text(level: Feeling, language: Language) -> String {
    format!("{} – {}", level.level(), level.label(language))
}

/// Shown on the child's page when some signed visit has feelings-scale
/// answers; nothing otherwise.
#[component]
pub(crate) fn VoiceOverTimeSection(visits: Vec<Visit>) -> impl IntoView {
    let Some(voice) = VoiceOverTime::from_visits(&visits) else {
        return None;
    };
    let dates: Vec<NaiveDate> = voice.rows.iter().map(|r| r.date).collect();
    let charts = voice
        .series()
        .into_iter()
        .map(|series| view! { <ThemeChart series dates=dates.clone()/> })
        .collect_view();
    let themes = voice.themes.clone();
    let i18n = use_i18n();
    let language = crate::ui::language::current();
    Some(view! {
        <section class="card voice" aria-labelledby="voice-h">
            <h2 id="voice-h">{t!(i18n, child.voice_title)}</h2>
            <p class="muted">
                {t!(i18n, child.voice_intro)}
            </p>
            <div class="voice__layout">
                <div class="voice__charts">{charts}</div>
                <div class="table-scroll">
                    <table class="voice__table">
                        <caption>{t!(i18n, child.voice_caption)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, child.voice_visit)}</th>
                                {themes.iter().map(|theme| view! { <th scope="col">{theme.label(language)}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {voice.rows.into_iter().map(|row| view! {
                                <tr>
                                    <th scope="row">{language.date(row.date)}</th>
                                    {row.levels.into_iter().map(|level| match level {
                                        Some(level) => view! { <td>{level_text(level, language)}</td> }.into_any(),
                                        None => view! {
                                            <td><span aria-hidden="true">"–"</span><span class="visually-hidden">{t!(i18n, child.voice_no_answer)}</span></td>
                                        }.into_any(),
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </div>
        </section>
    })
}

/// One theme's answers: a line through the visits, each point with its
/// number, so that neither colour nor height alone carries the value.
#[component]
fn ThemeChart(series: VoiceSeries, dates: Vec<NaiveDate>) -> impl IntoView {
    let language = crate::ui::language::current();
    let rows = dates.len();
    let scale = ChartScale {
        rows,
        width: WIDTH,
        height: HEIGHT - DATE_ROOM,
        left: 34.0,
        // Room above the top line for the value written over a point.
        margin: 22.0,
    };
    let label = series.theme.label(language);
    let summary = series
        .points
        .iter()
        .map(|(_, date, level)| format!("{}: {}", language.date(*date), level.level()))
        .collect::<Vec<_>>()
        .join(", ");
    let line = series
        .points
        .iter()
        .map(|(row, _, level)| format!("{:.1},{:.1}", scale.x(*row), scale.y(level.level())))
        .collect::<Vec<_>>()
        .join(" ");
    // Every date when there is room; otherwise the first and the last.
    let dated = |row: usize| rows <= 4 || row == 0 || row + 1 == rows;
    let date_y = HEIGHT - 6.0;
    view! {
        <figure class="voice__chart">
            <figcaption>{label}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-label=format!("{label}: {summary}")>
                {(Feeling::MIN..=Feeling::MAX).map(|level| {
                    let y = format!("{:.1}", scale.y(level));
                    view! {
                        <line class="voice__grid" x1=scale.left.to_string() x2=(WIDTH - scale.margin).to_string()
                            y1=y.clone() y2=y.clone()/>
                        <text class="voice__axis" x=(scale.left - 8.0).to_string() y=y dy="4" text-anchor="end">
                            {level.to_string()}
                        </text>
                    }
                }).collect_view()}
                <polyline class="voice__line" points=line/>
                {series.points.iter().map(|(row, date, level)| {
                    let (x, y) = (scale.x(*row), scale.y(level.level()));
                    view! {
                        <circle class="voice__point" cx=format!("{x:.1}") cy=format!("{y:.1}") r="5">
                            <title>{format!("{}: {}", language.date(*date), level_text(*level, language))}</title>
                        </circle>
                        <text class="voice__value" x=format!("{x:.1}") y=format!("{:.1}", y - 9.0) text-anchor="middle">
                            {level.level().to_string()}
                        </text>
                    }
                }).collect_view()}
                {dates.iter().enumerate().filter(|(row, _)| dated(*row)).map(|(row, date)| view! {
                    <text class="voice__axis" x=format!("{:.1}", scale.x(row)) y=date_y.to_string() text-anchor="middle">
                        {language.date(*date)}
                    </text>
                }).collect_view()}
            </svg>
        </figure>
    }
}
