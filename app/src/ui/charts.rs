//! The self-check's charts as SVG, drawn from the geometry in
//! `crate::charts` (see there why they are hand-written). Each is an image
//! with its own title and description, every bar carries its number, and
//! the same figures stand in a table beside it.

use crate::charts::{MonthChart, ShareChart};
use crate::charts::{
    BAR_AREA_HEIGHT, LABELS_ABOVE, LEFT_AXIS, SHARE_BAR_MAX, SHARE_LABEL_WIDTH, SHARE_ROW,
    VIEW_WIDTH,
};
use crate::i18n::{t, td_string, use_i18n};
use leptos::prelude::*;

fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// Bars of visits per month, one-to-one talks beside them, and the table.
/// The chart's words are in the language it was made in (`chart`'s labels
/// and description are), so it is drawn again when the language changes.
#[component]
pub(crate) fn MonthVisitsChart(chart: MonthChart, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::ui::language::current();
    let locale = language.locale();
    let height = LABELS_ABOVE + BAR_AREA_HEIGHT + crate::charts::AXIS_BELOW;
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let baseline = LABELS_ABOVE + BAR_AREA_HEIGHT;
    let rows = chart.months.clone();
    let values_shown = chart.values_shown;
    view! {
        <div class="chart-pair" data-testid=id>
            <figure class="chart">
                <svg class="chart__svg" viewBox=format!("0 0 {VIEW_WIDTH} {height}") role="img"
                    aria-labelledby=format!("{title_id} {desc_id}")>
                    <title id=title_id.clone()>{t!(i18n, selfcheck.visits_per_month)}</title>
                    <desc id=desc_id.clone()>{chart.description.clone()}</desc>
                    {chart.ticks.iter().map(|(value, y)| view! {
                        <line class="chart__grid" x1=n(LEFT_AXIS) x2=n(VIEW_WIDTH) y1=n(*y) y2=n(*y)/>
                        <text class="chart__axis" x=n(LEFT_AXIS - 6.0) y=n(*y) dy="4" text-anchor="end">
                            {language.decimal(*value)}
                        </text>
                    }).collect_view()}
                    {chart.months.iter().map(|m| {
                        let label = language.month_year(m.month);
                        view! {
                            <g>
                                <rect class="chart__bar" x=n(m.visits.x) y=n(m.visits.y)
                                    width=n(m.visits.width) height=n(m.visits.height)>
                                    <title>{td_string!(locale, selfcheck.chart.bar_visits,
                                        month = label.clone(), count = language.integer(i64::from(m.visits.value)))}</title>
                                </rect>
                                <rect class="chart__bar chart__bar--second" x=n(m.alone.x) y=n(m.alone.y)
                                    width=n(m.alone.width) height=n(m.alone.height)>
                                    <title>{td_string!(locale, selfcheck.chart.bar_alone,
                                        month = label.clone(), count = language.integer(i64::from(m.alone.value)))}</title>
                                </rect>
                                {values_shown.then(|| view! {
                                    <text class="chart__value" x=n(m.visits.x + m.visits.width / 2.0)
                                        y=n(m.visits.y - 4.0) text-anchor="middle">{language.integer(i64::from(m.visits.value))}</text>
                                    <text class="chart__value" x=n(m.alone.x + m.alone.width / 2.0)
                                        y=n(m.alone.y - 4.0) text-anchor="middle">{language.integer(i64::from(m.alone.value))}</text>
                                })}
                                {m.label.map(|label| view! {
                                    <text class="chart__axis" x=n(m.label_x) y=n(baseline + 20.0)
                                        text-anchor="middle">{label}</text>
                                })}
                            </g>
                        }
                    }).collect_view()}
                </svg>
                <figcaption class="chart__legend">
                    <span class="legend legend--first">{t!(i18n, selfcheck.chart.legend_visits)}</span>
                    <span class="legend legend--second">{t!(i18n, selfcheck.chart.legend_alone)}</span>
                </figcaption>
            </figure>
            <div class="table-scroll">
                <table class="figures figures--small">
                    <caption>{t!(i18n, selfcheck.visits_per_month)}</caption>
                    <thead><tr>
                        <th scope="col">{t!(i18n, selfcheck.chart.month)}</th>
                        <th scope="col">{t!(i18n, selfcheck.chart.visits)}</th>
                        <th scope="col">{t!(i18n, selfcheck.chart.talked_alone)}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|m| view! {
                            <tr>
                                <th scope="row">{language.month_year(m.month)}</th>
                                <td>{language.integer(i64::from(m.visits.value))}</td>
                                <td>{language.integer(i64::from(m.alone.value))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// Horizontal bars of a share per group, and the table. `title` and
/// `group_label` come in the language `chart` was made in.
#[component]
pub(crate) fn ShareBarsChart(
    chart: ShareChart,
    id: &'static str,
    title: String,
    group_label: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let width = SHARE_LABEL_WIDTH + SHARE_BAR_MAX + 130.0;
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let rows = chart.bars.clone();
    let bar_height = SHARE_ROW * 0.6;
    view! {
        <div class="chart-pair" data-testid=id>
            <figure class="chart">
                <svg class="chart__svg" viewBox=format!("0 0 {width} {}", chart.height) role="img"
                    aria-labelledby=format!("{title_id} {desc_id}")>
                    <title id=title_id.clone()>{title.clone()}</title>
                    <desc id=desc_id.clone()>{chart.description.clone()}</desc>
                    <line class="chart__grid" x1=n(SHARE_LABEL_WIDTH) x2=n(SHARE_LABEL_WIDTH)
                        y1="0" y2=n(chart.height)/>
                    {chart.bars.iter().map(|b| {
                        let middle = b.y + SHARE_ROW / 2.0;
                        let class = if b.consultant { "chart__bar chart__bar--second" } else { "chart__bar" };
                        view! {
                            <g>
                                <text class="chart__axis" x=n(SHARE_LABEL_WIDTH - 8.0) y=n(middle) dy="5"
                                    text-anchor="end">{b.label.clone()}</text>
                                <rect class=class x=n(SHARE_LABEL_WIDTH) y=n(middle - bar_height / 2.0)
                                    width=n(b.width) height=n(bar_height)>
                                    <title>{format!("{}: {}", b.label, b.text)}</title>
                                </rect>
                                <text class="chart__value" x=n(SHARE_LABEL_WIDTH + b.width + 6.0) y=n(middle)
                                    dy="5">{b.text.clone()}</text>
                            </g>
                        }
                    }).collect_view()}
                </svg>
            </figure>
            <div class="table-scroll">
                <table class="figures figures--small">
                    <caption>{title}</caption>
                    <thead><tr>
                        <th scope="col">{group_label}</th>
                        <th scope="col">{t!(i18n, selfcheck.chart.visited_in_time)}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|b| view! {
                            <tr>
                                <th scope="row">{b.label}{b.consultant.then(|| t!(i18n, selfcheck.chart.consultant))}</th>
                                <td>{b.text}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
