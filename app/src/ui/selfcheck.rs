//! "Egenkontroll": the managers' self-check for a period, grouped as they
//! choose, with this period beside the previous one; every figure opens the
//! children behind it. The report comes from the server; the last one is
//! kept sealed on the device and shown, dated, without network. Also its
//! print view (tables and charts, no children's names) and the monthly
//! case review ("Ärendegenomgång") with one social worker.

use super::charts::{MonthVisitsChart, ShareBarsChart};
use super::register::SaveState;
use super::{ctx, store, sync_ctl, Ctx};
use crate::charts::{compliance_chart, month_chart};
use crate::platform::browser;
use crate::platform::http::HttpTransport;
use crate::register::{ApiFailure, RegisterColleague};
use crate::selfcheck::{
    broken_text, cell_label, cell_now, cell_previous, column_groups, csv_file_name, date_sv,
    ending_text, offline_note, overdue_days, overdue_what, period_sv, saved_text, workers_text,
    KeptReport, ReportQuery, ReviewForm,
};
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

fn failure_text(ctx: Ctx, failure: &ApiFailure) -> String {
    if failure.session_ended() {
        sync_ctl::request_sync(ctx);
    }
    failure.text()
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
    Kept(KeptReport, String),
    /// The choice is not complete (a custom period's dates).
    Incomplete(String),
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
                Ok(Some(kept)) => {
                    let note = offline_note(kept.report.generated_at, local);
                    shown.set(Shown::Kept(kept, note));
                }
                _ => shown.set(Shown::Failed(format!(
                    "{why} Ingen tidigare beräknad rapport finns på enheten."
                ))),
            }
        });
    };

    let load = move |q: ReportQuery| {
        drill.set(None);
        if let Some(problem) = q.problem() {
            shown.set(Shown::Incomplete(problem));
            return;
        }
        if !ctx.online.get_untracked() {
            show_kept("Kräver nätverk: rapporten beräknas på servern.".to_owned());
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
                    show_kept("Servern kunde inte nås.".to_owned());
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
        <h1 class="sc-page">"Egenkontroll"</h1>
        <Show when=move || sees_whole_units(ctx) fallback=|| view! {
            <p role="alert">"Egenkontrollen är till för gruppledare och enhetschefer."</p>
        }>
            <p class="lead muted">"Hur ofta barnen i dina enheter besöks och hörs, jämfört med perioden före. Tryck på en siffra för att se barnen bakom den."</p>
            <p class="form__actions no-print">
                <A href="/egenkontroll/genomgang" attr:class="button button--secondary">"Ärendegenomgång"</A>
                <A href="/egenkontroll/utskrift" attr:class="button button--secondary">"Skriv ut"</A>
            </p>
            <form class="sc-controls no-print" on:submit=|ev| ev.prevent_default()>
                <label class="field">
                    <span>"Period"</span>
                    <select id="selfcheck-period" data-testid="period-picker"
                        on:change=move |ev| set_choice(event_target_value(&ev))>
                        {PeriodChoice::ALL.map(|c| view! {
                            <option value=c.as_str() selected=move || query.with(|q| q.choice == c)>{c.label_sv()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || query.with(|q| q.choice == PeriodChoice::Custom)>
                    <label class="field">
                        <span>"Från och med"</span>
                        <input type="date" data-testid="period-from" prop:value=move || from.get()
                            on:change=move |ev| { from.set(event_target_value(&ev)); set_dates(); }/>
                    </label>
                    <label class="field">
                        <span>"Till och med"</span>
                        <input type="date" data-testid="period-to" prop:value=move || to.get()
                            on:change=move |ev| { to.set(event_target_value(&ev)); set_dates(); }/>
                    </label>
                </Show>
                <label class="field">
                    <span>"Gruppera efter"</span>
                    <select id="selfcheck-group" data-testid="group-by-picker"
                        on:change=move |ev| {
                            let g = GroupBy::parse(&event_target_value(&ev)).unwrap_or(GroupBy::Worker);
                            change(&|q| q.group_by = g);
                        }>
                        {GroupBy::ALL.map(|g| view! {
                            <option value=g.as_str() selected=move || query.with(|q| q.group_by == g)>{g.label_sv()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || (units().len() > 1).then(|| view! {
                    <label class="field">
                        <span>"Enhet"</span>
                        <select id="selfcheck-unit" data-testid="unit-picker"
                            on:change=move |ev| {
                                let unit = UnitId::parse(&event_target_value(&ev)).ok();
                                change(&|q| q.unit = unit);
                            }>
                            <option value="" selected=move || query.with(|q| q.unit.is_none())>"Alla mina enheter"</option>
                            {units().into_iter().map(|u| {
                                let id = u.id;
                                view! {
                                    <option value=id.to_string() selected=move || query.with(|q| q.unit == Some(id))>{u.name}</option>
                                }
                            }).collect_view()}
                        </select>
                    </label>
                })}
            </form>
            {move || match shown.get() {
                Shown::Nothing => view! { <p class="muted" role="status">"Välj period."</p> }.into_any(),
                Shown::Incomplete(what) => view! {
                    <p class="muted" role="status" data-testid="selfcheck-status">{what}</p>
                }.into_any(),
                Shown::Loading => view! {
                    <p class="muted" role="status" data-testid="selfcheck-status">"Beräknar rapporten på servern…"</p>
                }.into_any(),
                Shown::Failed(why) => view! {
                    <p class="error" role="alert" data-testid="selfcheck-status">{why}</p>
                    <button type="button" class="button button--secondary no-print"
                        disabled=move || !ctx.online.get()
                        on:click=move |_| load(query.get_untracked())>"Försök igen"</button>
                }.into_any(),
                Shown::Fresh(kept) => view! {
                    <p class="muted" role="status" data-testid="selfcheck-status">
                        {format!("Beräknad {}.", crate::selfcheck::time_sv(local(kept.report.generated_at)))}
                    </p>
                    <Report kept drill offline=false/>
                }.into_any(),
                Shown::Kept(kept, note) => view! {
                    <p class="warning" role="status" data-testid="selfcheck-status">{note}</p>
                    <Report kept drill offline=true/>
                }.into_any(),
            }}
        </Show>
    }
}

/// The whole report: overdue now, the charts, every table with the lists
/// that belong to it.
#[component]
fn Report(kept: KeptReport, drill: RwSignal<Option<Drill>>, offline: bool) -> impl IntoView {
    let report = kept.report.clone();
    let query = kept.query.clone();
    let months = month_chart(&report.period, &report.visits_per_month);
    let compliance = compliance_chart(&report);
    let group_label = report.group_by.label_sv();
    let units: Vec<String> = report.units.iter().map(|u| u.name.clone()).collect();
    view! {
        <section class="sc-summary" aria-labelledby="sc-period-h">
            <h2 id="sc-period-h" data-testid="selfcheck-period">{period_sv(&report.period)}</h2>
            <p class="muted">
                {format!("Jämförs med {}. {} barn placerade under perioden", period_sv(&report.previous), report.children)}
                {(!units.is_empty()).then(|| format!(" i {}", units.join(", ")))}
                {format!(". Grupperat efter {}.", group_label.to_lowercase())}
            </p>
        </section>
        <OverdueList report=report.clone()/>
        <section class="card" aria-labelledby="sc-months-h">
            <h2 id="sc-months-h">"Besök per månad"</h2>
            <MonthVisitsChart chart=months id="chart-visits-per-month"/>
        </section>
        {report.tables.clone().into_iter().map(|table| {
            let after = match table.id {
                TableId::VisitsInTime => view! {
                    <section class="card" aria-labelledby="sc-compliance-h">
                        <h2 id="sc-compliance-h">{format!("Besökta minst var tredje månad, per {}", group_label.to_lowercase())}</h2>
                        <ShareBarsChart chart=compliance.clone() id="chart-compliance"
                            title=format!("Andel barn besökta minst var tredje månad per {}", group_label.to_lowercase())
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
                        "Kräver nätverk: barnen bakom siffran hämtas från servern.".to_owned(),
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
    let group_heading = report.group_by.label_sv();
    view! {
        <section class="card sc-table" data-table=id.as_str() aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{table.title.clone()}</h2>
            <div class="table-scroll">
                <table class="figures">
                    <caption class="visually-hidden">
                        {format!("{}, {}, per {}. Varje siffra visar perioden och under den förra perioden.",
                            table.title, period_sv(&report.period), group_heading.to_lowercase())}
                    </caption>
                    <thead>
                        <tr>
                            <td></td>
                            {(!employees.is_empty()).then(|| view! {
                                <th scope="colgroup" colspan=employees.len().to_string()>{group_heading}</th>
                            })}
                            {(!consultants.is_empty()).then(|| view! {
                                <th scope="colgroup" class="figures__divider" colspan=consultants.len().to_string()>"Konsulter"</th>
                            })}
                            <th scope="col" rowspan="2" class="figures__total">"Totalt"</th>
                        </tr>
                        <tr>
                            <th scope="col">"Mått"</th>
                            {order.iter().map(|i| {
                                let class = (Some(*i) == first_consultant).then_some("figures__divider");
                                view! { <th scope="col" class=class>{columns[*i].label.clone()}</th> }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {table.rows.iter().map(|row| {
                            let measure = row.measure;
                            let cells = order.iter().map(|i| {
                                let cell = row.cells[*i];
                                let column = columns[*i].clone();
                                let class = (Some(*i) == first_consultant).then_some("figures__divider");
                                let title = format!("{} – {}", row.label, column.label);
                                let label = cell_label(&row.label, &column.label, &cell);
                                view! {
                                    <td class=class>
                                        <button type="button" class="figure" aria-label=label
                                            data-measure=measure.key() data-group=column.key.clone()
                                            on:click={let open = open.clone(); move |_| open(measure, Some(column.key.clone()), title.clone())}>
                                            <span class="figure__now">{cell_now(&cell)}</span>
                                            <span class="figure__previous">{cell_previous(&cell)}</span>
                                        </button>
                                    </td>
                                }
                            }).collect_view();
                            let total = row.total;
                            let title = format!("{} – Totalt", row.label);
                            let label = cell_label(&row.label, "Totalt", &total);
                            view! {
                                <tr>
                                    <th scope="row">{row.label.clone()}</th>
                                    {cells}
                                    <td class="figures__total">
                                        <button type="button" class="figure" aria-label=label
                                            data-measure=measure.key() data-group="total"
                                            on:click={let open = open.clone(); move |_| open(measure, None, title.clone())}>
                                            <span class="figure__now">{cell_now(&total)}</span>
                                            <span class="figure__previous">{cell_previous(&total)}</span>
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
                    on:click=csv>"Ladda ner CSV"</button>
                <span class="muted">"Bara summor; antal under 5 visas som <5."</span>
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
                        <button type="button" class="button button--secondary" on:click=move |_| drill.set(None)>"Stäng"</button>
                    </div>
                    {move || match answer() {
                        None => view! { <p class="muted" role="status">"Hämtar barnen…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                        Some(Ok(answer)) if answer.children.is_empty() => view! {
                            <p class="muted" role="status">"Inga barn bakom siffran."</p>
                        }.into_any(),
                        Some(Ok(answer)) => view! {
                            <p class="muted" role="status">{format!("{} barn", answer.children.len())}</p>
                            <ul class="sc-list">
                                {answer.children.into_iter().map(|c| view! {
                                    <li class="sc-list__item" data-testid="drill-child">
                                        <A href=format!("/barn/{}", c.child_id)>{c.child_name}</A>
                                        <span class="muted">{format!(" · {} · {}", c.value.display_sv(), workers_text(&c.workers))}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                </section>
            }
        })
    }
}

#[component]
fn OverdueList(report: SelfCheckReport) -> impl IntoView {
    let rows = report.overdue;
    view! {
        <section class="card sc-names" aria-labelledby="sc-overdue-h">
            <h2 id="sc-overdue-h">"Försenat nu"</h2>
            <p class="muted">{format!("Per {}: besök som skulle ha gjorts, beslut som gått ut eller snart går ut, överväganden.", date_sv(report.today))}</p>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="overdue-list">"Inget är försenat."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="overdue-list" aria-label="Försenat nu">
                        {rows.into_iter().map(|r| {
                            let late = r.days_overdue > 0;
                            view! {
                                <li class="sc-list__item" data-testid="overdue-row">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name}</A>
                                    <span>{overdue_what(&r.what)}</span>
                                    <span class=if late { "badge badge--overdue" } else { "badge badge--soon" }>{overdue_days(r.days_overdue)}</span>
                                    <span class="muted">{format!("Ansvarig: {}", workers_text(&r.workers))}</span>
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
    let rows = report.broken_intervals;
    view! {
        <section class="card sc-names" aria-labelledby="sc-broken-h">
            <h2 id="sc-broken-h">"Intervall som bröt regeln"</h2>
            <p class="muted">"Första besöket inom 7 dagar, sedan minst var tredje månad."</p>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="broken-intervals">"Inga intervall bröt regeln under perioden."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="broken-intervals" aria-label="Intervall som bröt regeln">
                        {rows.into_iter().map(|r| {
                            let text = broken_text(&r);
                            view! {
                                <li class="sc-list__item" data-testid="broken-row">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name.clone()}</A>
                                    <span>{text}</span>
                                    <span class="muted">{format!("Ansvarig: {}", workers_text(&r.workers))}</span>
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
    let rows = report.endings;
    view! {
        <section class="card sc-names" aria-labelledby="sc-endings-h">
            <h2 id="sc-endings-h">"Avslut"</h2>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="endings-list">"Inga oplanerade avslut eller omplaceringar under perioden."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="endings-list" aria-label="Avslut">
                        {rows.into_iter().map(|r| {
                            let text = ending_text(&r);
                            view! {
                                <li class="sc-list__item">
                                    <A href=format!("/barn/{}", r.child_id)>{r.child_name.clone()}</A>
                                    <span>{text}</span>
                                    <span class="muted">{format!("Ansvarig: {}", workers_text(&r.workers))}</span>
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
    let rows = report.most_changes;
    view! {
        <section class="card sc-names" aria-labelledby="sc-changes-h">
            <h2 id="sc-changes-h">"Flest byten"</h2>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="most-changes">"Inga barn att visa."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="most-changes" aria-label="Flest byten">
                        {rows.into_iter().map(|r| view! {
                            <li class="sc-list__item">
                                <A href=format!("/barn/{}", r.child_id)>{r.child_name}</A>
                                <span>{format!("{} olika besökare, {} byten av ansvarig", r.distinct_visitors, r.worker_changes)}</span>
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
    let kept = RwSignal::new(None::<Option<KeptReport>>);
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        kept.set(Some(store.kept_selfcheck().await.ok().flatten()));
    });
    view! {
        <p class="no-print"><A href="/egenkontroll" attr:class="back">"← Egenkontroll"</A></p>
        <Show when=move || sees_whole_units(ctx) fallback=|| view! {
            <p role="alert">"Egenkontrollen är till för gruppledare och enhetschefer."</p>
        }>
            {move || match kept.get() {
                None => view! { <p class="muted" role="status">"Öppnar rapporten…"</p> }.into_any(),
                Some(None) => view! {
                    <p class="error" role="alert">"Ingen beräknad rapport finns på enheten. Öppna Egenkontroll först."</p>
                }.into_any(),
                Some(Some(kept)) => {
                    let report = kept.report;
                    let months = month_chart(&report.period, &report.visits_per_month);
                    let compliance = compliance_chart(&report);
                    let group_label = report.group_by.label_sv();
                    view! {
                        <div class="sc-print" data-testid="selfcheck-print">
                            <h1>{format!("Egenkontroll {}", period_sv(&report.period))}</h1>
                            <p class="muted">{format!("Jämförs med {}. Grupperat efter {}. Beräknad {}. {} barn.",
                                period_sv(&report.previous), group_label.to_lowercase(),
                                crate::selfcheck::time_sv(local(report.generated_at)), report.children)}</p>
                            <p class="no-print">
                                <button type="button" class="button" on:click=|_| browser::print_page()>"Skriv ut"</button>
                            </p>
                            <section class="sc-print__section">
                                <h2>"Besök per månad"</h2>
                                <MonthVisitsChart chart=months id="print-visits-per-month"/>
                            </section>
                            <section class="sc-print__section">
                                <h2>{format!("Besökta minst var tredje månad, per {}", group_label.to_lowercase())}</h2>
                                <ShareBarsChart chart=compliance id="print-compliance"
                                    title=format!("Andel barn besökta minst var tredje månad per {}", group_label.to_lowercase())
                                    group_label=group_label/>
                            </section>
                            {report.tables.iter().map(|t| view! { <PlainTable report=report.clone() table=t.clone()/> }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
        </Show>
    }
}

/// A table as on paper: the figures, no buttons.
#[component]
fn PlainTable(report: SelfCheckReport, table: Table) -> impl IntoView {
    let (employees, consultants) = column_groups(&report.columns);
    let order: Vec<usize> = employees.iter().chain(&consultants).copied().collect();
    let first_consultant = consultants.first().copied();
    let columns = report.columns.clone();
    view! {
        <section class="sc-print__section" data-table=table.id.as_str()>
            <h2>{table.title.clone()}</h2>
            <table class="figures">
                <thead><tr>
                    <th scope="col">"Mått"</th>
                    {order.iter().map(|i| {
                        let class = (Some(*i) == first_consultant).then_some("figures__divider");
                        let label = if columns[*i].consultant { format!("{} (konsult)", columns[*i].label) } else { columns[*i].label.clone() };
                        view! { <th scope="col" class=class>{label}</th> }
                    }).collect_view()}
                    <th scope="col" class="figures__total">"Totalt"</th>
                </tr></thead>
                <tbody>
                    {table.rows.iter().map(|row| view! {
                        <tr>
                            <th scope="row">{row.label.clone()}</th>
                            {order.iter().map(|i| {
                                let cell = row.cells[*i];
                                let class = (Some(*i) == first_consultant).then_some("figures__divider");
                                view! {
                                    <td class=class>
                                        <span class="figure__now">{cell_now(&cell)}</span>
                                        <span class="figure__previous">{cell_previous(&cell)}</span>
                                    </td>
                                }
                            }).collect_view()}
                            <td class="figures__total">
                                <span class="figure__now">{cell_now(&row.total)}</span>
                                <span class="figure__previous">{cell_previous(&row.total)}</span>
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
    move || {
        (!ctx.online.get()).then(|| {
            view! {
                <p class="warning" role="status" data-testid="needs-network">
                    <strong>"Kräver nätverk. "</strong>
                    "Enheten är offline. Ärendegenomgången hämtas och sparas direkt på servern, så det går inte att spara förrän nätverket är tillbaka. Det du skrivit finns kvar i formuläret."
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
    let colleagues = RwSignal::new(None::<Result<Vec<RegisterColleague>, String>>);
    let worker = RwSignal::new(None::<UserId>);
    let view_state = RwSignal::new(None::<Result<CaseReviewView, String>>);
    let load_colleagues = move || {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                colleagues.set(Some(Err(
                    "Kräver nätverk: medarbetarna hämtas från servern.".to_owned(),
                )));
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
                view_state.set(Some(Err(
                    "Kräver nätverk: genomgången hämtas från servern.".to_owned(),
                )));
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
        <p><A href="/egenkontroll" attr:class="back">"← Egenkontroll"</A></p>
        <h1>"Ärendegenomgång"</h1>
        <Show when=move || sees_whole_units(ctx) fallback=|| view! {
            <p role="alert">"Ärendegenomgången är till för gruppledare och enhetschefer."</p>
        }>
            <p class="lead muted">"Välj en socialsekreterare och gå igenom barnen, det som är försenat och besluten. Spara det ni kommer överens om."</p>
            <ReviewNeedsNetwork/>
            {move || match colleagues.get() {
                None => view! { <p class="muted" role="status">"Hämtar enhetens medarbetare…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert">{e}</p>
                    <button type="button" class="button button--secondary" disabled=move || !ctx.online.get()
                        on:click=move |_| load_colleagues()>"Försök igen"</button>
                }.into_any(),
                Some(Ok(list)) => {
                    let workers: Vec<RegisterColleague> = list.into_iter().filter(RegisterColleague::can_be_worker).collect();
                    view! {
                        <div class="sc-controls"><label class="field">
                            <span>"Socialsekreterare"</span>
                            <select id="review-worker" data-testid="review-worker"
                                on:change=move |ev| {
                                    let id = UserId::parse(&event_target_value(&ev)).ok();
                                    worker.set(id);
                                    view_state.set(None);
                                    if let Some(id) = id { load_review(id); }
                                }>
                                <option value="" selected=move || worker.get().is_none()>"Välj…"</option>
                                {workers.into_iter().map(|c| {
                                    let id = c.id;
                                    view! {
                                        <option value=id.to_string() selected=move || worker.get() == Some(id)>
                                            {format!("{} ({})", c.display_name, c.role.title_sv().to_lowercase())}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        </label></div>
                    }.into_any()
                }
            }}
            {move || worker.get().map(|id| match view_state.get() {
                None => view! { <p class="muted" role="status">"Hämtar genomgången från servern…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert">{e}</p>
                    <button type="button" class="button button--secondary" disabled=move || !ctx.online.get()
                        on:click=move |_| load_review(id)>"Försök igen"</button>
                }.into_any(),
                Some(Ok(review)) => view! { <ReviewBody review/> }.into_any(),
            })}
        </Show>
    }
}

#[component]
fn ReviewBody(review: CaseReviewView) -> impl IntoView {
    let worker_id = review.worker.id;
    let today = review.today;
    let children = review.children.clone();
    let overdue = review.overdue.clone();
    let decisions = review.decisions.clone();
    let without_view = review.visits_without_view.clone();
    // Saving adds to this list only, so the form keeps its "Sparad" line.
    let earlier = RwSignal::new(review.reviews.clone());
    view! {
        <h2 data-testid="review-worker-name">{review.worker.name.clone()}</h2>
        <section class="card" aria-labelledby="rv-children-h">
            <h3 id="rv-children-h">{format!("Barn ({})", children.len())}</h3>
            {if children.is_empty() {
                view! { <p class="muted">"Inga placerade barn."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="review-children">
                        {children.into_iter().map(|c| {
                            let late = c.next_visit_due.is_some_and(|due| due < today);
                            view! {
                                <li class="sc-list__item">
                                    <A href=format!("/barn/{}", c.child_id)>{c.child_name}</A>
                                    {c.placement_kind.map(|k| view! { <span class="muted">{k.label_sv()}</span> })}
                                    <span>{match c.last_visit {
                                        Some(d) => format!("Senaste besök {}", date_sv(d)),
                                        None => "Inget besök ännu".to_owned(),
                                    }}</span>
                                    {c.next_visit_due.map(|due| view! {
                                        <span class=if late { "badge badge--overdue" } else { "badge" }>
                                            {format!("Nästa besök senast {}", date_sv(due))}
                                        </span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <ReviewRows title="Försenade besök" testid="review-overdue" empty="Inga försenade besök." rows=overdue/>
        <ReviewRows title="Beslut och överväganden" testid="review-decisions" empty="Inga beslut som gått ut eller snart går ut, inga överväganden att göra." rows=decisions/>
        <section class="card" aria-labelledby="rv-view-h">
            <h3 id="rv-view-h">{format!("Besök utan barnets synpunkter sedan {}", date_sv(review.since))}</h3>
            {if without_view.is_empty() {
                view! { <p class="muted">"Barnets synpunkter finns dokumenterade vid alla besök."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="review-without-view">
                        {without_view.into_iter().map(|v| view! {
                            <li class="sc-list__item">
                                <A href=format!("/barn/{}", v.child_id)>{v.child_name}</A>
                                <span>{format!("Besök {}", date_sv(v.visit_date))}</span>
                                <span class="muted">{match (v.talked_alone, v.not_alone_reason) {
                                    (true, _) => "Enskilt samtal, synpunkter inte nedskrivna".to_owned(),
                                    (false, Some(reason)) => format!("Inte enskilt: {}", reason.label_sv()),
                                    (false, None) => "Inte enskilt, inget skäl angivet".to_owned(),
                                }}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <ReviewFormCard worker_id today earlier/>
        <section class="card" aria-labelledby="rv-earlier-h">
            <h3 id="rv-earlier-h">"Tidigare genomgångar"</h3>
            {move || if earlier.with(Vec::is_empty) {
                view! { <p class="muted" data-testid="review-earlier">"Inga tidigare genomgångar."</p> }.into_any()
            } else {
                view! {
                    <ul class="sc-list" data-testid="review-earlier">
                        {earlier.get().into_iter().map(|r: CaseReview| view! {
                            <li class="sc-list__item">
                                <strong>{format!("{} · {}", date_sv(r.review_date), r.held_by_name)}</strong>
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
    title: &'static str,
    testid: &'static str,
    empty: &'static str,
    rows: Vec<shared::selfcheck::OverdueRow>,
) -> impl IntoView {
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
                                    <span>{overdue_what(&r.what)}</span>
                                    <span class=if late { "badge badge--overdue" } else { "badge badge--soon" }>{overdue_days(r.days_overdue)}</span>
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
        let request = match form.request(id.get_untracked(), worker_id, today) {
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
                    state.set(SaveState::Saved(saved_text(saved.review_date)));
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
            <h3 id="rv-form-h">"Dagens genomgång"</h3>
            <form class="form" on:submit=save novalidate>
                <label class="field">
                    <span>"Datum"</span>
                    <input type="date" data-testid="review-date" max=today.to_string()
                        prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Överenskomna åtgärder"</span>
                    <textarea rows="5" data-testid="review-actions" prop:value=move || actions.get()
                        on:input=move |ev| actions.set(event_target_value(&ev))></textarea>
                </label>
                <div class="form__actions">
                    <button type="submit" class="button" data-testid="review-save"
                        disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                        "Spara genomgången"
                    </button>
                    {move || match state.get() {
                        SaveState::Idle => None,
                        SaveState::Saving => Some(view! { <p class="muted" role="status">"Sparar…"</p> }.into_any()),
                        SaveState::Saved(what) => Some(view! { <p class="saved" role="status" data-testid="saved">{what}</p> }.into_any()),
                        SaveState::Failed(why) => Some(view! { <p class="error" role="alert" data-testid="save-error">{why}</p> }.into_any()),
                    }}
                </div>
            </form>
        </section>
    }
}
