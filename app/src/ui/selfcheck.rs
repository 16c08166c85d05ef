//! "Egenkontroll": the managers' self-check for a period, grouped as they
//! choose, with this period beside the previous one; every figure opens the
//! children behind it. The report comes from the server; the last one is
//! kept sealed on the device and shown, dated, without network. Also its
//! print view (tables and charts, no children's names) and the monthly
//! case review ("Ärendegenomgång") with one social worker.

use super::charts::{MonthVisitsChart, ShareBarsChart};
use super::form::failure_text;
use super::register::SaveState;
use super::{ctx, store, Ctx};
use crate::charts::{compliance_chart, month_chart};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use crate::platform::browser;
use crate::platform::http::HttpTransport;
use crate::register::{ApiFailure, RegisterColleague};
use crate::selfcheck::{
    broken_text, cell_context, cell_now, cell_previous, column_groups, column_label, csv_file_name,
    ending_text, measure_label, offline_note, overdue_days, overdue_what, period_text, saved_text,
    value_text, workers_text, KeptReport, ReportQuery, ReviewForm,
};
use crate::ui::language::now;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::selfcheck::{
    table_csv, CaseReview, CaseReviewView, DrillDown, GroupBy, Measure, PeriodChoice,
    SelfCheckReport, Table, TableId,
};
use shared::{CaseReviewId, UnitId, UserId};

fn sees_whole_units(ctx: Ctx) -> bool {
    ctx.user
        .with(|u| u.as_ref().is_some_and(|u| u.role.sees_whole_units()))
}

/// The device's local time of a server time.
fn local(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&chrono::Local).naive_local()
}

/// The report on the page, and where it came from.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    /// Nothing to show yet.
    Nothing,
    Loading,
    Fresh(KeptReport),
    /// Read from the device: the network is gone or the server unreachable.
    Kept(KeptReport),
    /// The choice is not complete (a custom period's dates): the page says
    /// what is missing.
    Incomplete,
    Failed(String),
}

/// A figure opened: the children behind it.
#[derive(Clone, Debug, PartialEq)]
struct Drill {
    table: TableId,
    title: String,
    answer: Option<Result<DrillDown, String>>,
}

#[component]
pub(crate) fn SelfCheckPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let query = RwSignal::new(ReportQuery::default());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let shown = RwSignal::new(Shown::Nothing);
    let drill = RwSignal::new(None::<Drill>);
    // Answers to an earlier choice that arrive late are dropped.
    let asked = RwSignal::new(0u64);
    let units = move || {
        ctx.user
            .with(|u| u.as_ref().map(|u| u.units.clone()).unwrap_or_default())
    };

    let show_kept = move |why: String| {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match store.kept_selfcheck().await {
                Ok(Some(kept)) => shown.set(Shown::Kept(kept)),
                _ => shown.set(Shown::Failed(td_string!(
                    now().locale(),
                    selfcheck.no_kept_report,
                    why = why
                ))),
            }
        });
    };

    let load = move |q: ReportQuery| {
        drill.set(None);
        if q.problem(Language::Swedish).is_some() {
            shown.set(Shown::Incomplete);
            return;
        }
        if !ctx.online.get_untracked() {
            show_kept(td_string!(now().locale(), selfcheck.report_needs_network).to_owned());
            return;
        }
        let ticket = asked.get_untracked() + 1;
        asked.set(ticket);
        shown.set(Shown::Loading);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = HttpTransport::new(store.clone()).selfcheck_report(&q).await;
            if asked.get_untracked() != ticket {
                return;
            }
            match result {
                Ok(report) => {
                    let kept = KeptReport { query: q, report };
                    // Kept for reading offline; if that fails the page still shows it.
                    let _ = store.keep_selfcheck(&kept).await;
                    shown.set(Shown::Fresh(kept));
                }
                Err(ApiFailure::Offline) => {
                    show_kept(td_string!(now().locale(), selfcheck.server_unreachable).to_owned());
                }
                Err(failure) => shown.set(Shown::Failed(failure_text(ctx, &failure))),
            }
        });
    };
    Effect::new(move |_| {
        ctx.online.track();
        load(query.get());
    });

    // Choosing what is already chosen asks the server nothing.
    let change = move |f: &dyn Fn(&mut ReportQuery)| {
        let mut next = query.get_untracked();
        f(&mut next);
        if next != query.get_untracked() {
            query.set(next);
        }
    };
    let set_choice = move |value: String| {
        let choice = PeriodChoice::parse(&value).unwrap_or(PeriodChoice::LastQuarter);
        change(&|q| q.choice = choice);
    };
    let set_dates = move || {
        change(&|q| {
            q.from = from.get_untracked().parse().ok();
            q.to = to.get_untracked().parse().ok();
        })
    };

    view! {
        <h1 class="sc-page">{t!(i18n, selfcheck.title)}</h1>
        <Show when=move || sees_whole_units(ctx) fallback=move || view! {
            <p role="alert">{t!(i18n, selfcheck.managers_only)}</p>
        }>
            <p class="lead muted">{t!(i18n, selfcheck.lead)}</p>
            <p class="form__actions no-print">
                <A href="/egenkontroll/genomgang" attr:class="button button--secondary">{t!(i18n, selfcheck.case_review)}</A>
                <A href="/egenkontroll/utskrift" attr:class="button button--secondary">{t!(i18n, selfcheck.print)}</A>
            </p>
            <form class="sc-controls no-print" on:submit=|ev| ev.prevent_default()>
                <label class="field">
                    <span>{t!(i18n, selfcheck.period)}</span>
                    <select id="selfcheck-period" data-testid="period-picker"
                        on:change=move |ev| set_choice(event_target_value(&ev))>
                        {PeriodChoice::ALL.map(|c| view! {
                            <option value=c.as_str() selected=move || query.with(|q| q.choice == c)>{move || c.label(language())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || query.with(|q| q.choice == PeriodChoice::Custom)>
                    <label class="field">
                        <span>{t!(i18n, selfcheck.from)}</span>
                        <input type="date" data-testid="period-from" prop:value=move || from.get()
                            on:change=move |ev| { from.set(event_target_value(&ev)); set_dates(); }/>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, selfcheck.to)}</span>
                        <input type="date" data-testid="period-to" prop:value=move || to.get()
                            on:change=move |ev| { to.set(event_target_value(&ev)); set_dates(); }/>
                    </label>
                </Show>
                <label class="field">
                    <span>{t!(i18n, selfcheck.group_by)}</span>
                    <select id="selfcheck-group" data-testid="group-by-picker"
                        on:change=move |ev| {
                            let g = GroupBy::parse(&event_target_value(&ev)).unwrap_or(GroupBy::Worker);
                            change(&|q| q.group_by = g);
                        }>
                        {GroupBy::ALL.map(|g| view! {
                            <option value=g.as_str() selected=move || query.with(|q| q.group_by == g)>{move || g.label(language())}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || (units().len() > 1).then(|| view! {
                    <label class="field">
                        <span>{t!(i18n, selfcheck.unit)}</span>
                        <select id="selfcheck-unit" data-testid="unit-picker"
                            on:change=move |ev| {
                                let unit = UnitId::parse(&event_target_value(&ev)).ok();
                                change(&|q| q.unit = unit);
                            }>
                            <option value="" selected=move || query.with(|q| q.unit.is_none())>{t!(i18n, selfcheck.all_units)}</option>
                            {units().into_iter().map(|u| {
                                let id = u.id;
                                view! {
                                    <option value=id.to_string() selected=move || query.with(|q| q.unit == Some(id)) translate="no">{u.name}</option>
                                }
                            }).collect_view()}
                        </select>
                    </label>
                })}
            </form>
            // Drawn again in another language: the report's words are made
            // in the language it is drawn in.
            {move || { let language = language(); match shown.get() {
                Shown::Nothing => view! { <p class="muted" role="status">{t!(i18n, selfcheck.choose_period)}</p> }.into_any(),
                Shown::Incomplete => view! {
                    <p class="muted" role="status" data-testid="selfcheck-status">
                        {query.with_untracked(|q| q.problem(language))}
                    </p>
                }.into_any(),
                Shown::Loading => view! {
                    <p class="muted" role="status" data-testid="selfcheck-status">{t!(i18n, selfcheck.computing)}</p>
                }.into_any(),
                Shown::Failed(why) => view! {
                    <p class="error" role="alert" data-testid="selfcheck-status">{why}</p>
                    <button type="button" class="button button--secondary no-print"
                        disabled=move || !ctx.online.get()
                        on:click=move |_| load(query.get_untracked())>{t!(i18n, selfcheck.try_again)}</button>
                }.into_any(),
                Shown::Fresh(kept) => view! {
                    <p class="muted" role="status" data-testid="selfcheck-status">
                        {td_string!(language.locale(), selfcheck.computed,
                            at = language.date_time(local(kept.report.generated_at)))}
                    </p>
                    <Report kept drill offline=false/>
                }.into_any(),
                Shown::Kept(kept) => view! {
                    <p class="warning" role="status" data-testid="selfcheck-status">
                        {offline_note(kept.report.generated_at, local, language)}
                    </p>
                    <Report kept drill offline=true/>
                }.into_any(),
            }}}
        </Show>
    }
}

/// The whole report: overdue now, the charts, every table with the lists
/// that belong to it.
#[component]
fn Report(kept: KeptReport, drill: RwSignal<Option<Drill>>, offline: bool) -> impl IntoView {
    let i18n = use_i18n();
    // The page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let locale = language.locale();
    let report = kept.report.clone();
    let query = kept.query.clone();
    let months = month_chart(&report.period, &report.visits_per_month, language);
    let compliance = compliance_chart(&report, language);
    let group_label = report.group_by.label(language);
    let group = group_label.to_lowercase();
    let units: Vec<String> = report.units.iter().map(|u| u.name.clone()).collect();
    let previous = period_text(&report.previous, language);
    let children = language.integer(i64::from(report.children));
    let summary = td_string!(
        locale,
        selfcheck.summary,
        previous = previous,
        children = children,
        group = group.clone()
    );
    // The units' names are the municipality's, not words to translate.
    let units_line = (!units.is_empty()).then(|| {
        view! {
            <p class="muted">{t!(i18n, selfcheck.units)} " " <span translate="no">{units.join(", ")}</span></p>
        }
    });
    view! {
        <section class="sc-summary" aria-labelledby="sc-period-h">
            <h2 id="sc-period-h" data-testid="selfcheck-period">{period_text(&report.period, language)}</h2>
            <p class="muted">{summary}</p>
            {units_line}
        </section>
        <OverdueList report=report.clone()/>
        <section class="card" aria-labelledby="sc-months-h">
            <h2 id="sc-months-h">{t!(i18n, selfcheck.visits_per_month)}</h2>
            <MonthVisitsChart chart=months id="chart-visits-per-month"/>
        </section>
        {report.tables.clone().into_iter().map(|table| {
            let after = match table.id {
                TableId::VisitsInTime => view! {
                    <section class="card" aria-labelledby="sc-compliance-h">
                        <h2 id="sc-compliance-h">{td_string!(locale, selfcheck.compliance_heading, group = group.clone())}</h2>
                        <ShareBarsChart chart=compliance.clone() id="chart-compliance"
                            title=td_string!(locale, selfcheck.compliance_title, group = group.clone())
                            group_label=group_label/>
                    </section>
                    <BrokenList report=report.clone()/>
                }.into_any(),
                TableId::Continuity => view! { <MostChanges report=report.clone()/> }.into_any(),
                TableId::Endings => view! { <EndingsList report=report.clone()/> }.into_any(),
                _ => ().into_any(),
            };
            view! {
                <FiguresTable report=report.clone() table query=query.clone() drill offline/>
                {after}
            }
        }).collect_view()}
    }
}

/// One table: categories as rows, groups as columns (consultants apart, after
/// a divider), the Total; each figure a button that opens its children.
#[component]
fn FiguresTable(
    report: SelfCheckReport,
    table: Table,
    query: ReportQuery,
    drill: RwSignal<Option<Drill>>,
    offline: bool,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    // The page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let locale = language.locale();
    let id = table.id;
    let heading_id = format!("table-{}-h", id.as_str());
    let (employees, consultants) = column_groups(&report.columns);
    let columns = report.columns.clone();
    let order: Vec<usize> = employees.iter().chain(&consultants).copied().collect();
    let first_consultant = consultants.first().copied();
    let csv_error = RwSignal::new(None::<String>);
    let csv = {
        let report = report.clone();
        let table = table.clone();
        move |_| {
            let text = table_csv(&report, &table);
            csv_error.set(
                browser::download_text(
                    &csv_file_name(&report, table.id),
                    "text/csv;charset=utf-8",
                    &text,
                )
                .err(),
            );
        }
    };
    let open = move |measure: Measure, group: Option<String>, title: String| {
        drill.set(Some(Drill {
            table: id,
            title,
            answer: None,
        }));
        focus_after_render(format!("drill-{}-h", id.as_str()));
        if offline || !ctx.online.get_untracked() {
            drill.update(|d| {
                if let Some(d) = d {
                    d.answer = Some(Err(
                        td_string!(locale, selfcheck.drill.needs_network).to_owned()
                    ));
                }
            });
            return;
        }
        let query = query.clone();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = HttpTransport::new(store)
                .selfcheck_children(&query, measure, group.as_deref())
                .await
                .map_err(|f| failure_text(ctx, &f));
            drill.update(|d| {
                if let Some(d) = d.as_mut().filter(|d| d.table == id) {
                    d.answer = Some(result);
                }
            });
        });
    };
    let group_heading = report.group_by.label(language);
    let title = id.label(language);
    let total_name = td_string!(locale, selfcheck.table.total);
    let group_by = report.group_by;
    view! {
        <section class="card sc-table" data-table=id.as_str() aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{title}</h2>
            <div class="table-scroll">
                <table class="figures">
                    <caption class="visually-hidden">
                        {td_string!(locale, selfcheck.table.caption, title = title,
                            period = period_text(&report.period, language),
                            group = group_heading.to_lowercase())}
                    </caption>
                    <thead>
                        <tr>
                            <td></td>
                            {(!employees.is_empty()).then(|| view! {
                                <th scope="colgroup" colspan=employees.len().to_string()>{group_heading}</th>
                            })}
                            {(!consultants.is_empty()).then(|| view! {
                                <th scope="colgroup" class="figures__divider" colspan=consultants.len().to_string()>{t!(i18n, selfcheck.table.consultants)}</th>
                            })}
                            <th scope="col" rowspan="2" class="figures__total">{t!(i18n, selfcheck.table.total)}</th>
                        </tr>
                        <tr>
                            <th scope="col">{t!(i18n, selfcheck.table.measure)}</th>
                            {order.iter().map(|i| {
                                let class = (Some(*i) == first_consultant).then_some("figures__divider");
                                view! { <th scope="col" class=class>{column_label(group_by, &columns[*i], language)}</th> }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {table.rows.iter().map(|row| {
                            let measure = row.measure;
                            let row_label = measure_label(measure, language);
                            let cells = order.iter().map(|i| {
                                let cell = row.cells[*i];
                                let column = columns[*i].clone();
                                let column_name = column_label(group_by, &column, language);
                                let class = (Some(*i) == first_consultant).then_some("figures__divider");
                                let title = format!("{row_label} – {column_name}");
                                let context = cell_context(&row_label, &column_name, language);
                                view! {
                                    <td class=class>
                                        <button type="button" class="figure"
                                            data-measure=measure.key() data-group=column.key.clone()
                                            on:click={let open = open.clone(); move |_| open(measure, Some(column.key.clone()), title.clone())}>
                                            <span class="figure__now">{cell_now(&cell, language)}</span>
                                            <span class="figure__previous">{cell_previous(&cell, language)}</span>
                                            <span class="visually-hidden">". "{context}</span>
                                        </button>
                                    </td>
                                }
                            }).collect_view();
                            let title = format!("{row_label} – {total_name}");
                            let context = cell_context(&row_label, total_name, language);
                            let total = row.total;
                            view! {
                                <tr>
                                    <th scope="row">{row_label}</th>
                                    {cells}
                                    <td class="figures__total">
                                        <button type="button" class="figure"
                                            data-measure=measure.key() data-group="total"
                                            on:click={let open = open.clone(); move |_| open(measure, None, title.clone())}>
                                            <span class="figure__now">{cell_now(&total, language)}</span>
                                            <span class="figure__previous">{cell_previous(&total, language)}</span>
                                            <span class="visually-hidden">". "{context}</span>
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="form__actions no-print">
                <button type="button" class="button button--secondary" data-testid=format!("csv-{}", id.as_str())
                    on:click=csv>{t!(i18n, selfcheck.table.download_csv)}</button>
                <span class="muted">{t!(i18n, selfcheck.table.csv_hint)}</span>
            </p>
            {move || csv_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <DrillPanel drill id/>
        </section>
    }
}

/// Moves focus to the element `id` once it is drawn, so a screen reader or
/// keyboard user lands on what just opened.
fn focus_after_render(id: String) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
}

/// The children behind the figure last opened in table `id`.
#[component]
fn DrillPanel(drill: RwSignal<Option<Drill>>, id: TableId) -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    // The panel is drawn again only when another figure is opened, so the
    // answer arriving does not take away the focus its heading was given.
    let title = Memo::new(move |_| {
        drill.with(|d| {
            d.as_ref()
                .filter(|d| d.table == id)
                .map(|d| d.title.clone())
        })
    });
    let answer = move || drill.with(|d| d.as_ref().and_then(|d| d.answer.clone()));
    let heading_id = format!("drill-{}-h", id.as_str());
    move || {
        let heading_id = heading_id.clone();
        title.get().map(|title| {
            view! {
                <section class="drill sc-names" data-testid="drill-down" aria-labelledby=heading_id.clone()>
                    <div class="drill__head">
                        <h3 id=heading_id.clone() tabindex="-1">{title}</h3>
                        <button type="button" class="button button--secondary" on:click=move |_| drill.set(None)>{t!(i18n, selfcheck.drill.close)}</button>
                    </div>
                    {move || { let language = language(); match answer() {
                        None => view! { <p class="muted" role="status">{t!(i18n, selfcheck.drill.fetching)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                        Some(Ok(answer)) if answer.children.is_empty() => view! {
                            <p class="muted" role="status">{t!(i18n, selfcheck.drill.none)}</p>
                        }.into_any(),
                        Some(Ok(answer)) => view! {
                            <p class="muted" role="status">
                                {td_string!(language.locale(), selfcheck.children, count = answer.children.len())}
                            </p>
                            <ul class="sc-list">
                                {answer.children.into_iter().map(|c| view! {
                                    <li class="sc-list__item" data-testid="drill-child">
                                        <A href=format!("/barn/{}", c.child_id)>{c.child_name}</A>
                                        <span class="muted">{format!(" · {} · {}", value_text(c.value, language), workers_text(&c.workers, language))}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}}
                </section>
            }
        })
    }
}

/// "Ansvarig: Anna Lind, Kim Ek (konsult)".
fn responsible(workers: &[shared::selfcheck::WorkerRef], language: Language) -> String {
    td_string!(
        language.locale(),
        selfcheck.overdue.responsible,
        workers = workers_text(workers, language)
    )
}

#[component]
fn OverdueList(report: SelfCheckReport) -> impl IntoView {
    let i18n = use_i18n();
    // The page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let rows = report.overdue;
    view! {
        <section class="card sc-names" aria-labelledby="sc-overdue-h">
            <h2 id="sc-overdue-h">{t!(i18n, selfcheck.overdue.heading)}</h2>
            <p class="muted">{td_string!(language.locale(), selfcheck.overdue.lead, date = language.date(report.today))}</p>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="overdue-list">{t!(i18n, selfcheck.overdue.nothing)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="overdue-list" aria-label=move || t_string!(i18n, selfcheck.overdue.heading)>
                        {rows.into_iter().map(|r| {
                            let late = r.days_overdue > 0;
                            view! {
                                <li class="sc-list__item" data-testid="overdue-row">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name}</A>
                                    <span>{overdue_what(&r.what, language)}</span>
                                    <span class=if late { "badge badge--overdue" } else { "badge badge--soon" }>{overdue_days(r.days_overdue, language)}</span>
                                    <span class="muted">{responsible(&r.workers, language)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn BrokenList(report: SelfCheckReport) -> impl IntoView {
    let i18n = use_i18n();
    // The page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let rows = report.broken_intervals;
    view! {
        <section class="card sc-names" aria-labelledby="sc-broken-h">
            <h2 id="sc-broken-h">{t!(i18n, selfcheck.broken.heading)}</h2>
            <p class="muted">{t!(i18n, selfcheck.broken.rule)}</p>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="broken-intervals">{t!(i18n, selfcheck.broken.none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="broken-intervals" aria-label=move || t_string!(i18n, selfcheck.broken.heading)>
                        {rows.into_iter().map(|r| {
                            let text = broken_text(&r, language);
                            view! {
                                <li class="sc-list__item" data-testid="broken-row">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name.clone()}</A>
                                    <span>{text}</span>
                                    <span class="muted">{responsible(&r.workers, language)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn EndingsList(report: SelfCheckReport) -> impl IntoView {
    let i18n = use_i18n();
    // The page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let rows = report.endings;
    view! {
        <section class="card sc-names" aria-labelledby="sc-endings-h">
            <h2 id="sc-endings-h">{t!(i18n, selfcheck.ending.heading)}</h2>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="endings-list">{t!(i18n, selfcheck.ending.none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="endings-list" aria-label=move || t_string!(i18n, selfcheck.ending.heading)>
                        {rows.into_iter().map(|r| {
                            let text = ending_text(&r, language);
                            view! {
                                <li class="sc-list__item">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name.clone()}</A>
                                    <span>{text}</span>
                                    <span class="muted">{responsible(&r.workers, language)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn MostChanges(report: SelfCheckReport) -> impl IntoView {
    let i18n = use_i18n();
    // The page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let rows = report.most_changes;
    view! {
        <section class="card sc-names" aria-labelledby="sc-changes-h">
            <h2 id="sc-changes-h">{t!(i18n, selfcheck.changes.heading)}</h2>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="most-changes">{t!(i18n, selfcheck.changes.none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="most-changes" aria-label=move || t_string!(i18n, selfcheck.changes.heading)>
                        {rows.into_iter().map(|r| view! {
                            <li class="sc-list__item">
                                <A href=format!("/barn/{}", r.child_id)>{r.child_name}</A>
                                <span>{td_string!(language.locale(), selfcheck.changes.row,
                                    visitors = language.integer(i64::from(r.distinct_visitors)),
                                    changes = language.integer(i64::from(r.worker_changes)))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The print view: the last computed report's tables and charts, no
/// children's names (the lists stay on screen).
#[component]
pub(crate) fn SelfCheckPrintPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let kept = RwSignal::new(None::<Option<KeptReport>>);
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        kept.set(Some(store.kept_selfcheck().await.ok().flatten()));
    });
    view! {
        <p class="no-print"><A href="/egenkontroll" attr:class="back">{t!(i18n, selfcheck.back)}</A></p>
        <Show when=move || sees_whole_units(ctx) fallback=move || view! {
            <p role="alert">{t!(i18n, selfcheck.managers_only)}</p>
        }>
            // Drawn again in another language, as the page is.
            {move || { let language = language(); let locale = language.locale(); match kept.get() {
                None => view! { <p class="muted" role="status">{t!(i18n, selfcheck.print_view.opening)}</p> }.into_any(),
                Some(None) => view! {
                    <p class="error" role="alert">{t!(i18n, selfcheck.print_view.no_report)}</p>
                }.into_any(),
                Some(Some(kept)) => {
                    let report = kept.report;
                    let months = month_chart(&report.period, &report.visits_per_month, language);
                    let compliance = compliance_chart(&report, language);
                    let group_label = report.group_by.label(language);
                    let group = group_label.to_lowercase();
                    view! {
                        <div class="sc-print" data-testid="selfcheck-print">
                            <h1>{td_string!(locale, selfcheck.print_view.title, period = period_text(&report.period, language))}</h1>
                            <p class="muted">{td_string!(locale, selfcheck.print_view.summary,
                                previous = period_text(&report.previous, language), group = group.clone(),
                                at = language.date_time(local(report.generated_at)),
                                children = language.integer(i64::from(report.children)))}</p>
                            <p class="no-print">
                                <button type="button" class="button" on:click=|_| browser::print_page()>{t!(i18n, selfcheck.print)}</button>
                            </p>
                            <section class="sc-print__section">
                                <h2>{t!(i18n, selfcheck.visits_per_month)}</h2>
                                <MonthVisitsChart chart=months id="print-visits-per-month"/>
                            </section>
                            <section class="sc-print__section">
                                <h2>{td_string!(locale, selfcheck.compliance_heading, group = group.clone())}</h2>
                                <ShareBarsChart chart=compliance id="print-compliance"
                                    title=td_string!(locale, selfcheck.compliance_title, group = group.clone())
                                    group_label=group_label/>
                            </section>
                            {report.tables.iter().map(|t| view! { <PlainTable report=report.clone() table=t.clone()/> }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}}
        </Show>
    }
}

/// A table as on paper: the figures, no buttons.
#[component]
fn PlainTable(report: SelfCheckReport, table: Table) -> impl IntoView {
    let i18n = use_i18n();
    // The print page draws the report again when the language changes.
    let language = crate::ui::language::current();
    let group_by = report.group_by;
    let (employees, consultants) = column_groups(&report.columns);
    let order: Vec<usize> = employees.iter().chain(&consultants).copied().collect();
    let first_consultant = consultants.first().copied();
    let columns = report.columns.clone();
    view! {
        <section class="sc-print__section" data-table=table.id.as_str()>
            <h2>{table.id.label(language)}</h2>
            <table class="figures">
                <thead><tr>
                    <th scope="col">{t!(i18n, selfcheck.table.measure)}</th>
                    {order.iter().map(|i| {
                        let class = (Some(*i) == first_consultant).then_some("figures__divider");
                        let name = column_label(group_by, &columns[*i], language);
                        let label = if columns[*i].consultant {
                            td_string!(language.locale(), selfcheck.consultant_name, name = name)
                        } else {
                            name
                        };
                        view! { <th scope="col" class=class>{label}</th> }
                    }).collect_view()}
                    <th scope="col" class="figures__total">{t!(i18n, selfcheck.table.total)}</th>
                </tr></thead>
                <tbody>
                    {table.rows.iter().map(|row| view! {
                        <tr>
                            <th scope="row">{measure_label(row.measure, language)}</th>
                            {order.iter().map(|i| {
                                let cell = row.cells[*i];
                                let class = (Some(*i) == first_consultant).then_some("figures__divider");
                                view! {
                                    <td class=class>
                                        <span class="figure__now">{cell_now(&cell, language)}</span>
                                        <span class="figure__previous">{cell_previous(&cell, language)}</span>
                                    </td>
                                }
                            }).collect_view()}
                            <td class="figures__total">
                                <span class="figure__now">{cell_now(&row.total, language)}</span>
                                <span class="figure__previous">{cell_previous(&row.total, language)}</span>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Shown while offline: the case review reads and saves on the server.
#[component]
fn ReviewNeedsNetwork() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    move || {
        (!ctx.online.get()).then(|| {
            view! {
                <p class="warning" role="status" data-testid="needs-network">
                    <strong>{t!(i18n, selfcheck.review.needs_network)}</strong>
                    {t!(i18n, selfcheck.review.offline)}
                </p>
            }
        })
    }
}

/// "Ärendegenomgång": a team leader picks a social worker and goes through
/// their children, what is late, and saves the agreed actions.
#[component]
pub(crate) fn CaseReviewPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let colleagues = RwSignal::new(None::<Result<Vec<RegisterColleague>, String>>);
    let worker = RwSignal::new(None::<UserId>);
    let view_state = RwSignal::new(None::<Result<CaseReviewView, String>>);
    let load_colleagues = move || {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                colleagues.set(Some(Err(td_string!(
                    now().locale(),
                    selfcheck.review.colleagues_need_network
                )
                .to_owned())));
                return;
            }
            colleagues.set(None);
            let result = HttpTransport::new(store).register_colleagues().await;
            colleagues.set(Some(result.map_err(|f| failure_text(ctx, &f))));
        });
    };
    let load_review = move |id: UserId| {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                view_state.set(Some(Err(td_string!(
                    now().locale(),
                    selfcheck.review.review_needs_network
                )
                .to_owned())));
                return;
            }
            view_state.set(None);
            let result = HttpTransport::new(store).case_review(id).await;
            if worker.get_untracked() == Some(id) {
                view_state.set(Some(result.map_err(|f| failure_text(ctx, &f))));
            }
        });
    };
    Effect::new(move |_| {
        if ctx.online.get() {
            load_colleagues();
            if let Some(id) = worker.get_untracked() {
                load_review(id);
            }
        } else if colleagues.with_untracked(Option::is_none) {
            load_colleagues();
        }
    });
    view! {
        <p><A href="/egenkontroll" attr:class="back">{t!(i18n, selfcheck.back)}</A></p>
        <h1>{t!(i18n, selfcheck.case_review)}</h1>
        <Show when=move || sees_whole_units(ctx) fallback=move || view! {
            <p role="alert">{t!(i18n, selfcheck.review.managers_only)}</p>
        }>
            <p class="lead muted">{t!(i18n, selfcheck.review.lead)}</p>
            <ReviewNeedsNetwork/>
            {move || match colleagues.get() {
                None => view! { <p class="muted" role="status">{t!(i18n, selfcheck.review.fetching_colleagues)}</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert">{e}</p>
                    <button type="button" class="button button--secondary" disabled=move || !ctx.online.get()
                        on:click=move |_| load_colleagues()>{t!(i18n, selfcheck.try_again)}</button>
                }.into_any(),
                Some(Ok(list)) => {
                    let workers: Vec<RegisterColleague> = list.into_iter().filter(RegisterColleague::can_be_worker).collect();
                    view! {
                        <div class="sc-controls"><label class="field">
                            <span>{t!(i18n, selfcheck.review.social_worker)}</span>
                            <select id="review-worker" data-testid="review-worker"
                                on:change=move |ev| {
                                    let id = UserId::parse(&event_target_value(&ev)).ok();
                                    worker.set(id);
                                    view_state.set(None);
                                    if let Some(id) = id { load_review(id); }
                                }>
                                <option value="" selected=move || worker.get().is_none()>{t!(i18n, selfcheck.review.choose)}</option>
                                {workers.into_iter().map(|c| {
                                    let id = c.id;
                                    let role = c.role;
                                    let name = c.display_name;
                                    view! {
                                        <option value=id.to_string() selected=move || worker.get() == Some(id)>
                                            {move || format!("{name} ({})", role.label(language()).to_lowercase())}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        </label></div>
                    }.into_any()
                }
            }}
            {move || worker.get().map(|id| match view_state.get() {
                None => view! { <p class="muted" role="status">{t!(i18n, selfcheck.review.fetching)}</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert">{e}</p>
                    <button type="button" class="button button--secondary" disabled=move || !ctx.online.get()
                        on:click=move |_| load_review(id)>{t!(i18n, selfcheck.try_again)}</button>
                }.into_any(),
                Some(Ok(review)) => view! { <ReviewBody review/> }.into_any(),
            })}
        </Show>
    }
}

#[component]
fn ReviewBody(review: CaseReviewView) -> impl IntoView {
    let i18n = use_i18n();
    // Read in each closure, so the form below keeps what is typed when the
    // language changes.
    let language = crate::ui::language::reader();
    let worker_id = review.worker.id;
    let today = review.today;
    let children = review.children.clone();
    let overdue = review.overdue.clone();
    let decisions = review.decisions.clone();
    let without_view = review.visits_without_view.clone();
    let since = review.since;
    // Saving adds to this list only, so the form keeps its "Sparad" line.
    let earlier = RwSignal::new(review.reviews.clone());
    view! {
        <h2 data-testid="review-worker-name">{review.worker.name.clone()}</h2>
        <section class="card" aria-labelledby="rv-children-h">
            <h3 id="rv-children-h">{t!(i18n, selfcheck.review.children, number = children.len())}</h3>
            {if children.is_empty() {
                view! { <p class="muted">{t!(i18n, selfcheck.review.no_children)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="review-children">
                        {children.into_iter().map(|c| {
                            let late = c.next_visit_due.is_some_and(|due| due < today);
                            view! {
                                <li class="sc-list__item">
                                    <A href=format!("/barn/{}", c.child_id)>{c.child_name}</A>
                                    {c.placement_kind.map(|k| view! { <span class="muted">{move || k.label(language())}</span> })}
                                    <span>{match c.last_visit {
                                        Some(d) => t!(i18n, selfcheck.review.last_visit, date = move || language().date(d)).into_any(),
                                        None => t!(i18n, selfcheck.review.no_visit_yet).into_any(),
                                    }}</span>
                                    {c.next_visit_due.map(|due| view! {
                                        <span class=if late { "badge badge--overdue" } else { "badge" }>
                                            {t!(i18n, selfcheck.review.next_visit_due, date = move || language().date(due))}
                                        </span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <ReviewRows title=Signal::derive(move || t_string!(i18n, selfcheck.review.overdue_visits)) testid="review-overdue"
            empty=Signal::derive(move || t_string!(i18n, selfcheck.review.no_overdue_visits)) rows=overdue/>
        <ReviewRows title=Signal::derive(move || t_string!(i18n, selfcheck.review.decisions)) testid="review-decisions"
            empty=Signal::derive(move || t_string!(i18n, selfcheck.review.no_decisions)) rows=decisions/>
        <section class="card" aria-labelledby="rv-view-h">
            <h3 id="rv-view-h">{t!(i18n, selfcheck.review.without_view, date = move || language().date(since))}</h3>
            {if without_view.is_empty() {
                view! { <p class="muted">{t!(i18n, selfcheck.review.views_everywhere)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="review-without-view">
                        {without_view.into_iter().map(|v| view! {
                            <li class="sc-list__item">
                                <A href=format!("/barn/{}", v.child_id)>{v.child_name}</A>
                                <span>{t!(i18n, selfcheck.review.visit_on, date = move || language().date(v.visit_date))}</span>
                                <span class="muted">{match (v.talked_alone, v.not_alone_reason) {
                                    (true, _) => t!(i18n, selfcheck.review.alone_no_view).into_any(),
                                    (false, Some(reason)) => t!(i18n, selfcheck.review.not_alone_because,
                                        reason = move || reason.label(language())).into_any(),
                                    (false, None) => t!(i18n, selfcheck.review.not_alone_no_reason).into_any(),
                                }}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <ReviewFormCard worker_id today earlier/>
        <section class="card" aria-labelledby="rv-earlier-h">
            <h3 id="rv-earlier-h">{t!(i18n, selfcheck.review.earlier)}</h3>
            {move || if earlier.with(Vec::is_empty) {
                view! { <p class="muted" data-testid="review-earlier">{t!(i18n, selfcheck.review.no_earlier)}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="review-earlier">
                        {earlier.get().into_iter().map(|r: CaseReview| view! {
                            <li class="sc-list__item">
                                <strong>{format!("{} · {}", language().date(r.review_date), r.held_by_name)}</strong>
                                <span class="sc-note">{r.agreed_actions.as_str().to_owned()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ReviewRows(
    title: Signal<&'static str>,
    testid: &'static str,
    empty: Signal<&'static str>,
    rows: Vec<shared::selfcheck::OverdueRow>,
) -> impl IntoView {
    let language = crate::ui::language::reader();
    view! {
        <section class="card">
            <h3>{title}</h3>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid=testid>{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid=testid>
                        {rows.into_iter().map(|r| {
                            let late = r.days_overdue > 0;
                            view! {
                                <li class="sc-list__item">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name}</A>
                                    <span>{move || overdue_what(&r.what, language())}</span>
                                    <span class=if late { "badge badge--overdue" } else { "badge badge--soon" }>{move || overdue_days(r.days_overdue, language())}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Today's agreed actions, saved once on the server.
#[component]
fn ReviewFormCard(
    worker_id: UserId,
    today: chrono::NaiveDate,
    earlier: RwSignal<Vec<CaseReview>>,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let initial = ReviewForm::new(today);
    let date = RwSignal::new(initial.date);
    let actions = RwSignal::new(initial.actions);
    // One id per review, so sending again after a lost answer saves it once.
    let id = RwSignal::new(CaseReviewId::new_random());
    let state = RwSignal::new(SaveState::Idle);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ReviewForm {
            date: date.get_untracked(),
            actions: actions.get_untracked(),
        };
        let request = match form.request(id.get_untracked(), worker_id, today, now()) {
            Ok(r) => r,
            Err(why) => {
                state.set(SaveState::Failed(why));
                return;
            }
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).save_case_review(&request).await {
                Ok(saved) => {
                    state.set(SaveState::Saved(saved_text(saved.review_date, now())));
                    actions.set(String::new());
                    id.set(CaseReviewId::new_random());
                    earlier.update(|list| list.insert(0, saved));
                }
                Err(failure) => state.set(SaveState::Failed(failure_text(ctx, &failure))),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="rv-form-h">
            <h3 id="rv-form-h">{t!(i18n, selfcheck.review.today)}</h3>
            <form class="form" on:submit=save novalidate>
                <label class="field">
                    <span>{t!(i18n, selfcheck.review.date)}</span>
                    <input type="date" data-testid="review-date" max=today.to_string()
                        prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{t!(i18n, selfcheck.review.agreed_actions)}</span>
                    <textarea rows="5" data-testid="review-actions" prop:value=move || actions.get()
                        on:input=move |ev| actions.set(event_target_value(&ev))></textarea>
                </label>
                <div class="form__actions">
                    <button type="submit" class="button" data-testid="review-save"
                        disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                        {t!(i18n, selfcheck.review.save)}
                    </button>
                    {move || match state.get() {
                        SaveState::Idle => None,
                        SaveState::Saving => Some(view! { <p class="muted" role="status">{t!(i18n, selfcheck.review.saving)}</p> }.into_any()),
                        SaveState::Saved(what) => Some(view! { <p class="saved" role="status" data-testid="saved">{what}</p> }.into_any()),
                        SaveState::Failed(why) => Some(view! { <p class="error" role="alert" data-testid="save-error">{why}</p> }.into_any()),
                    }}
                </div>
            </form>
        </section>
    }
}
