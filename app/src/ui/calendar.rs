//! "Kalender": the visits due, week by week or month by month, and the
//! upcoming ones as an iCalendar file for the work calendar.

use super::caseload::{due_class, log_shown, today};
use super::store;
use crate::caseload::{overview, ChildOverview};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::platform::browser;
use crate::reads::{export_name_choices, export_notice, export_read_kind, ShownLog};
use chrono::{Datelike, Duration, NaiveDate};
use leptos::prelude::*;
use leptos_router::components::A;
use shared::audit::LocalReadKind;
use shared::ical::{export, NameInCalendar};
use shared::schedule::calendar::{month_view, week_view, CalendarView, DueItem};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    Week,
    Month,
}

fn shifted(day: NaiveDate, span: Span, steps: i32) -> NaiveDate {
    match span {
        Span::Week => day + Duration::weeks(i64::from(steps)),
        Span::Month => {
            let months = chrono::Months::new(steps.unsigned_abs());
            if steps >= 0 {
                day.checked_add_months(months)
            } else {
                day.checked_sub_months(months)
            }
            .unwrap_or(day)
        }
    }
}

fn view_of(rows: &[ChildOverview], span: Span, anchor: NaiveDate) -> Option<CalendarView> {
    let today = today();
    let items: Vec<DueItem> = rows
        .iter()
        .filter_map(|r| {
            r.next_visit
                .map(|n| DueItem::new(r.child.id, r.child.full_name(), n.due_date, today))
        })
        .collect();
    match span {
        Span::Week => Some(week_view(&items, anchor)),
        Span::Month => month_view(&items, anchor.year(), anchor.month()),
    }
}

#[component]
pub(crate) fn CalendarPage() -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let rows = RwSignal::new(Vec::<ChildOverview>::new());
    let span = RwSignal::new(Span::Week);
    let anchor = RwSignal::new(today());
    let note = RwSignal::new(None::<String>);
    super::follow_store(move |load| {
        Some(async move {
            let Some(store) = store() else { return };
            if let Ok(records) = store.view_all().await {
                if load.is_latest() {
                    rows.set(overview(records, today()));
                }
            }
        })
    });
    // Every child whose visit the calendar shows is a read of the child.
    let shown_log = std::rc::Rc::new(std::cell::RefCell::new(ShownLog::default()));
    Effect::new(move |_| {
        let shown: Vec<shared::ChildId> = rows
            .with(|rs| view_of(rs, span.get(), anchor.get()))
            .map(|cal| {
                cal.weeks
                    .iter()
                    .flat_map(|w| w.days.iter().flat_map(|d| d.items.iter()))
                    .chain(cal.overdue_earlier.iter())
                    .map(|i| i.child_id)
                    .collect()
            })
            .unwrap_or_default();
        log_shown(&shown_log, LocalReadKind::ShownInCalendar, shown);
    });
    // The export: first what leaves the protected store, then the file.
    let asking = RwSignal::new(false);
    let names = RwSignal::new(NameInCalendar::default());
    let upcoming = move || rows.with(|rs| rs.iter().filter(|r| r.next_visit.is_some()).count());
    let download = move |_| {
        let chosen = names.get_untracked();
        let (text, children) = rows.with(|rs| {
            let due: Vec<_> = rs
                .iter()
                .filter_map(|r| r.next_visit.map(|n| (&r.child, n)))
                .collect();
            let children: Vec<shared::ChildId> = due.iter().map(|(c, _)| c.id).collect();
            (export(due, chrono::Utc::now(), chosen), children)
        });
        asking.set(false);
        note.set(Some(
            match browser::download_text("barnbesok.ics", "text/calendar", &text) {
                Ok(()) => {
                    // Each export leaves the store again: logged every time.
                    log_shown(
                        &std::cell::RefCell::new(ShownLog::default()),
                        export_read_kind(chosen),
                        children,
                    );
                    let locale = crate::ui::language::now().locale();
                    td_string!(locale, calendar.saved).to_owned()
                }
                Err(e) => e,
            },
        ));
    };
    view! {
        <p><A href="/" attr:class="back">{t!(i18n, calendar.back_to_caseload)}</A></p>
        <h1>{t!(i18n, calendar.title)}</h1>
        <div class="calendar-bar" role="group" aria-label=move || t_string!(i18n, calendar.show)>
            <button type="button" class="button button--secondary" aria-pressed=move || (span.get() == Span::Week).to_string()
                on:click=move |_| span.set(Span::Week)>{t!(i18n, calendar.week)}</button>
            <button type="button" class="button button--secondary" aria-pressed=move || (span.get() == Span::Month).to_string()
                on:click=move |_| span.set(Span::Month)>{t!(i18n, calendar.month)}</button>
            <button type="button" class="button button--secondary" aria-label=move || t_string!(i18n, calendar.previous)
                on:click=move |_| anchor.update(|a| *a = shifted(*a, span.get_untracked(), -1))>"‹"</button>
            <button type="button" class="button button--secondary"
                on:click=move |_| anchor.set(today())>{t!(i18n, calendar.today)}</button>
            <button type="button" class="button button--secondary" aria-label=move || t_string!(i18n, calendar.next)
                on:click=move |_| anchor.update(|a| *a = shifted(*a, span.get_untracked(), 1))>"›"</button>
            <button type="button" class="button" aria-expanded=move || asking.get().to_string()
                on:click=move |_| { note.set(None); asking.set(true); }>{t!(i18n, calendar.export_open)}</button>
        </div>
        <Show when=move || asking.get()>
            <div class="card card--attention" role="dialog" aria-labelledby="export-title">
                <h2 id="export-title">{t!(i18n, calendar.export_title)}</h2>
                <p>{move || export_notice(crate::ui::language::current(), names.get(), upcoming())}</p>
                <fieldset>
                    <legend>{t!(i18n, calendar.names_legend)}</legend>
                    {move || export_name_choices(crate::ui::language::current()).into_iter().map(|(choice, label)| view! {
                        <label class="choice">
                            <input type="radio" name="export-names"
                                prop:checked=move || names.get() == choice
                                on:change=move |_| names.set(choice)/>
                            {label}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="actions">
                    <button type="button" class="button" on:click=download>{t!(i18n, calendar.save_file)}</button>
                    <button type="button" class="button button--secondary" on:click=move |_| asking.set(false)>{t!(i18n, calendar.cancel)}</button>
                </div>
            </div>
        </Show>
        <p role="status" class="notice">{move || note.get()}</p>
        {move || rows.with(|rs| view_of(rs, span.get(), anchor.get())).map(|cal| {
            let language = language();
            let CalendarView { weeks, overdue_earlier, .. } = cal;
            let title = match (span.get(), weeks.first()) {
                (Span::Week, Some(week)) => t_string!(i18n, calendar.week_title, week = week.week, year = week.iso_year).to_string(),
                _ => language.month_year(anchor.get()),
            };
            let header: Vec<NaiveDate> = weeks.first().map(|w| w.days.iter().map(|d| d.date).collect()).unwrap_or_default();
            view! {
            <h2>{title}</h2>
            {(!overdue_earlier.is_empty()).then(|| view! {
                <div class="card card--attention">
                    <h3>{t!(i18n, calendar.overdue_earlier)}</h3>
                    <ul class="calendar__overdue">
                        {overdue_earlier.into_iter().map(|i| view! {
                            <li><A href=format!("/barn/{}", i.child_id)>{i.child_name}</A>
                                {t_string!(i18n, calendar.due_by, date = language.date(i.due_date)).to_string()}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            <table class="calendar">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, calendar.week_abbr)}</th>
                        {header.into_iter().map(|d| view! {
                            <th scope="col">{language.weekday_short(d.weekday())}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {weeks.into_iter().map(|w| view! {
                        <tr>
                            <th scope="row">{w.week}</th>
                            {w.days.into_iter().map(|d| view! {
                                <td class=if d.in_period { "calendar__day" } else { "calendar__day calendar__day--outside" }
                                    aria-current=(d.date == today()).then_some("date")>
                                    <span class="calendar__date">{d.date.day()}</span>
                                    {d.items.into_iter().map(|i| view! {
                                        <A href=format!("/barn/{}", i.child_id) attr:class=due_class(Some(i.status))>
                                            {i.child_name}
                                        </A>
                                    }).collect_view()}
                                </td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }})}
    }
}
