//! Deviations, Lex Sarah and personal-data incidents (docs/deviations.md).
//!
//! - `/avvikelse`: the report, in about a minute and offline: it goes into
//!   the sealed outbox as a `report_deviation` change, like every change.
//!   The unit managers to name are kept on the device (names only) from the
//!   last time it was online; the homes are fetched when online.
//! - `/att-gora`: the manager's to-do list (*Att göra*): investigations
//!   with the time left of the six weeks (and of IMY's 72 hours), and the
//!   actions and follow-ups due or overdue, beside the self-check.
//! - `/avvikelser`: the caller's reports (with the feedback) and the ones
//!   they investigate; `/avvikelser/:id` one, with the investigation, its
//!   lock, corrections, actions, escalation and feedback.
//! - `/avvikelser/statistik`: the figures for the workplace meeting (APT)
//!   and the quality unit.
//! - `/tappad-platta`: "Jag har tappat min platta": another of one's
//!   devices revoked and the incident opened in one step.
//!
//! All but the report are online only, like the register.

use super::form::{failure_text, parse_id, record_change};
use super::register::{NeedsNetwork, SaveLine, SaveState};
use super::{ctx, language, store};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::http::HttpTransport;
use crate::register::{ApiFailure, RegisterColleague};
use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::auth::{Role, SessionInfo};
use shared::deviations::{
    ActionDone, ActionKind, Aggregates, Category, Deviation, DeviationReport, Incident,
    IncidentKind, Investigation, InvestigationUpdate, LostDevice, NewAction, Risk, Route, TextStep,
    Todo, UnitManager, MAX_TEXT_CHARS,
};
use shared::protocol::{Mutation, Operation, Record};
use shared::register::HomeEntry;
use shared::{ChildId, HomeId, MutationId, UnitId, UserId};
use uuid::Uuid;

/// Where the unit managers to name are kept between sessions (names and
/// ids of staff only, never a child's data).
const MANAGERS_KEY: &str = "barnbesok.deviation-managers";

fn locale() -> crate::i18n::Locale {
    language::now().locale()
}

/// "12 dagar kvar", "i dag", "3 dagar försenad".
fn days_left_text(days: i64) -> String {
    let l = locale();
    match days {
        0 => td_string!(l, deviations.due_today).to_owned(),
        d if d > 0 => td_string!(l, deviations.days_left, days = d).to_string(),
        d => td_string!(l, deviations.days_late, days = -d).to_string(),
    }
}

fn hours_left_text(hours: i64) -> String {
    let l = locale();
    if hours >= 0 {
        td_string!(l, deviations.imy_hours_left, hours = hours).to_string()
    } else {
        td_string!(l, deviations.imy_hours_late, hours = -hours).to_string()
    }
}

/// Whether the role sees the to-do list and the figures.
fn is_manager(role: Role) -> bool {
    role.sees_whole_units()
}

/// The managers kept on the device.
fn kept_managers() -> Vec<UnitManager> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(MANAGERS_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

fn keep_managers(list: &[UnitManager]) {
    if let (Some(storage), Ok(json)) = (
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
        serde_json::to_string(list),
    ) {
        storage.set_item(MANAGERS_KEY, &json).ok();
    }
}

/// The menu's links: report (everyone who signs in), *Att göra* and the
/// figures (managers and the quality unit).
#[component]
pub(crate) fn MenuLinks() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let role = move || ctx.user.with(|u| u.as_ref().map(|u| u.role));
    view! {
        {move || role().filter(|r| *r != Role::Quality).map(|_| view! {
            <A href="/avvikelse">{t!(i18n, deviations.menu.report)}</A>
            <A href="/avvikelser">{t!(i18n, deviations.menu.list)}</A>
        })}
        {move || role().filter(|r| is_manager(*r)).map(|_| view! {
            <A href="/att-gora">{t!(i18n, deviations.menu.todo)}</A>
        })}
        {move || role().filter(|r| is_manager(*r) || *r == Role::Quality).map(|_| view! {
            <A href="/avvikelser/statistik">{t!(i18n, deviations.menu.figures)}</A>
        })}
    }
}

/// The children a report can be about, by name.
fn child_choices(records: Vec<Record>) -> Vec<(ChildId, String)> {
    let mut list: Vec<(ChildId, String)> = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Child(c) => Some((c.id, c.full_name())),
            _ => None,
        })
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

/// The report: fast, and offline through the outbox.
#[component]
pub(crate) fn ReportPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let units = ctx
        .user
        .get_untracked()
        .map(|u| u.units)
        .unwrap_or_default();
    let unit = RwSignal::new(units.first().map(|u| u.id.to_string()).unwrap_or_default());
    let managers = RwSignal::new(kept_managers());
    let manager = RwSignal::new(String::new());
    let homes = RwSignal::new(Vec::<HomeEntry>::new());
    let children = RwSignal::new(Vec::<(ChildId, String)>::new());
    let category = RwSignal::new(Category::Visits);
    let route = RwSignal::new(Route::Deviation);
    let likelihood = RwSignal::new(0u8);
    let consequence = RwSignal::new(0u8);
    let what = RwSignal::new(String::new());
    let differently = RwSignal::new(String::new());
    let immediate = RwSignal::new(String::new());
    let happened = RwSignal::new(super::caseload::today().to_string());
    // Opened from a child, a home, a routine or a complaint: linked to it.
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let given = |key: &str| query.get(key).unwrap_or_default();
    let child = RwSignal::new(given("barn"));
    let home = RwSignal::new(given("hem"));
    let routine = RwSignal::new(given("rutin"));
    let complaint = parse_id(&given("klagomal"), |id| id);
    let routines = super::routines::current_routine_titles();
    let routine_choices = routines.clone();
    let collaboration = RwSignal::new(String::new());
    let incident = RwSignal::new(IncidentKind::WrongRecipient);
    let reporter_name = RwSignal::new(String::new());
    let reporter_email = RwSignal::new(String::new());
    let state = RwSignal::new(SaveState::Idle);

    // Children from the device, followed as syncs bring them (a form opened
    // during a first sync still offers the child it was opened from).
    super::follow_store(move |load| {
        Some(async move {
            let Some(store) = store() else { return };
            if let Ok(records) = store.view_all().await {
                if load.is_latest() {
                    children.set(child_choices(records));
                }
            }
        })
    });
    // Managers and homes from the server when online (the managers are
    // kept for offline use).
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if ctx.online.get_untracked() {
            let http = HttpTransport::new(store);
            if let Ok(list) = http.deviation_managers().await {
                keep_managers(&list);
                managers.set(list);
            }
            if let Ok(list) = http.register_homes().await {
                homes.set(list);
            }
        }
    });
    Effect::new(move |_| {
        // The first manager of the chosen unit, unless one is chosen.
        let unit = unit.get();
        let list = managers.get();
        let chosen = manager.get_untracked();
        if !list
            .iter()
            .any(|m| m.user_id.to_string() == chosen && m.unit_id.to_string() == unit)
        {
            manager.set(
                list.iter()
                    .find(|m| m.unit_id.to_string() == unit)
                    .map(|m| m.user_id.to_string())
                    .unwrap_or_default(),
            );
        }
    });
    let risk = move || Risk::parse(likelihood.get(), consequence.get()).ok();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = locale();
        let (Some(unit_id), Some(manager_id), Ok(happened_on)) = (
            parse_id(&unit.get_untracked(), UnitId::from_uuid),
            parse_id(&manager.get_untracked(), UserId::from_uuid),
            happened.get_untracked().parse::<NaiveDate>(),
        ) else {
            state.set(SaveState::Failed(
                td_string!(l, deviations.report.incomplete).to_owned(),
            ));
            return;
        };
        let blank_none = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let now = Utc::now();
        let route_now = route.get_untracked();
        let report = DeviationReport {
            id: Uuid::new_v4(),
            unit_id,
            manager_id,
            happened_on,
            reported_at: now,
            category: if route_now == Route::DataIncident {
                Category::DataProtection
            } else {
                category.get_untracked()
            },
            route: route_now,
            risk: Risk::parse(likelihood.get_untracked(), consequence.get_untracked()).ok(),
            what_happened: what.get_untracked(),
            could_do_differently: blank_none(differently.get_untracked()),
            immediate_action: blank_none(immediate.get_untracked()),
            child_id: parse_id(&child.get_untracked(), ChildId::from_uuid),
            home_id: parse_id(&home.get_untracked(), HomeId::from_uuid),
            routine_id: routines
                .iter()
                .find(|(id, _)| id.as_str() == routine.get_untracked())
                .map(|(id, _)| id.clone()),
            complaint_id: complaint,
            collaboration: blank_none(collaboration.get_untracked()),
            incident: (route_now == Route::DataIncident).then(|| Incident {
                kind: incident.get_untracked(),
                discovered_at: now,
            }),
            reporter_name: blank_none(reporter_name.get_untracked()),
            reporter_email: blank_none(reporter_email.get_untracked()),
        };
        let report = match report.checked() {
            Ok(report) => report,
            Err(problem) => {
                state.set(SaveState::Failed(format!(
                    "{} ({problem})",
                    td_string!(l, deviations.report.incomplete)
                )));
                return;
            }
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let mutation = Mutation {
                id: MutationId::new_random(),
                operation: Operation::ReportDeviation(report),
            };
            match record_change(ctx, mutation, None).await {
                Ok(()) => {
                    state.set(SaveState::Saved(
                        td_string!(locale(), deviations.report.saved).to_owned(),
                    ));
                    what.set(String::new());
                    differently.set(String::new());
                    immediate.set(String::new());
                }
                Err(e) => state.set(SaveState::Failed(e)),
            }
        });
    };
    let text_area =
        move |name: &'static str, label: Signal<&'static str>, value: RwSignal<String>| {
            view! {
                <label class="field">
                    <span>{move || label.get()}</span>
                    <textarea name=name rows="4" maxlength=MAX_TEXT_CHARS.to_string()
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))></textarea>
                </label>
            }
        };
    let level = move |name: &'static str, label: Signal<&'static str>, value: RwSignal<u8>| {
        view! {
            <label class="field">
                <span>{move || label.get()}</span>
                <select name=name on:change=move |ev| value.set(event_target_value(&ev).parse().unwrap_or(0))>
                    <option value="0" selected=move || value.get() == 0>{t!(i18n, deviations.report.not_assessed)}</option>
                    {(1u8..=4).map(|n| view! {
                        <option value=n.to_string() selected=move || value.get() == n>{n.to_string()}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <h1>{t!(i18n, deviations.report.title)}</h1>
        <p class="lead">{t!(i18n, deviations.report.lead)}</p>
        <form class="form" on:submit=submit novalidate data-testid="deviation-form">
            <fieldset class="field">
                <legend>{t!(i18n, deviations.report.route)}</legend>
                <div class="choices">
                    {Route::ALL.iter().copied().map(|r| view! {
                        <label class="choice">
                            <input type="radio" name="route" value=r.as_str()
                                prop:checked=move || route.get() == r
                                on:change=move |_| route.set(r)/>
                            {move || { i18n.get_locale(); r.label(language::now()) }}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <Show when=move || route.get() == Route::DataIncident>
                <label class="field">
                    <span>{t!(i18n, deviations.report.incident)}</span>
                    <select name="incident" on:change=move |ev| {
                        if let Some(k) = IncidentKind::parse(&event_target_value(&ev)) { incident.set(k) }
                    }>
                        {IncidentKind::ALL.iter().copied().map(|k| view! {
                            <option value=k.as_str() selected=move || incident.get() == k>{move || k.label(language::now())}</option>
                        }).collect_view()}
                    </select>
                    <small class="muted">{t!(i18n, deviations.report.incident_hint)}</small>
                </label>
            </Show>
            <Show when=move || route.get() != Route::DataIncident>
                <label class="field">
                    <span>{t!(i18n, deviations.report.category)}</span>
                    <select name="category" on:change=move |ev| {
                        if let Some(c) = Category::parse(&event_target_value(&ev)) { category.set(c) }
                    }>
                        {Category::ALL.iter().copied().filter(|c| *c != Category::DataProtection).map(|c| view! {
                            <option value=c.as_str() selected=move || category.get() == c>{move || c.label(language::now())}</option>
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            {text_area("what_happened", Signal::derive(move || t_string!(i18n, deviations.report.what_happened)), what)}
            {text_area("could_do_differently", Signal::derive(move || t_string!(i18n, deviations.report.could_do_differently)), differently)}
            <label class="field">
                <span>{t!(i18n, deviations.report.happened_on)}</span>
                <input type="date" name="happened_on" prop:value=move || happened.get()
                    on:input=move |ev| happened.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>{t!(i18n, deviations.report.child)}</span>
                <select name="child" on:change=move |ev| child.set(event_target_value(&ev))>
                    <option value="" selected=move || child.get().is_empty()>{t!(i18n, deviations.report.organisational)}</option>
                    {move || children.get().into_iter().map(|(id, name)| {
                        let v = id.to_string();
                        let selected = child.get_untracked() == v;
                        view! { <option value=v selected=selected translate="no">{name}</option> }
                    }).collect_view()}
                </select>
                <small class="muted">{t!(i18n, deviations.report.child_hint)}</small>
            </label>
            <label class="field">
                <span>{t!(i18n, deviations.report.home)}</span>
                <select name="home" on:change=move |ev| home.set(event_target_value(&ev))>
                    <option value="" selected=move || home.get().is_empty()>{t!(i18n, deviations.none_chosen)}</option>
                    {move || homes.get().into_iter().map(|h| {
                        let v = h.home.id.to_string();
                        let selected = home.get_untracked() == v;
                        view! { <option value=v selected=selected translate="no">{h.home.name.to_string()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{t!(i18n, deviations.report.routine)}</span>
                <select name="routine" on:change=move |ev| routine.set(event_target_value(&ev))>
                    <option value="" selected=move || routine.get().is_empty()>{t!(i18n, deviations.none_chosen)}</option>
                    {routine_choices.into_iter().map(|(id, title)| {
                        let v = id.as_str().to_owned();
                        let selected = routine.get_untracked() == v;
                        view! { <option value=v selected=selected>{title}</option> }
                    }).collect_view()}
                </select>
                <small class="muted">{t!(i18n, deviations.report.routine_hint)}</small>
            </label>
            {complaint.map(|id| view! {
                <p class="muted" data-testid="linked-complaint">
                    {t!(i18n, deviations.report.linked_complaint)}" "<span translate="no">{id.to_string()[..8].to_owned()}</span>
                </p>
            })}
            <label class="field">
                <span>{t!(i18n, deviations.report.unit)}</span>
                <select name="unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                    {units.into_iter().map(|u| {
                        let v = u.id.to_string();
                        let selected = unit.get_untracked() == v;
                        view! { <option value=v selected=selected>{u.name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{t!(i18n, deviations.report.manager)}</span>
                <select name="manager" on:change=move |ev| manager.set(event_target_value(&ev))>
                    {move || {
                        let unit = unit.get();
                        managers.get().into_iter().filter(|m| m.unit_id.to_string() == unit).map(|m| {
                            let v = m.user_id.to_string();
                            view! { <option value=v.clone() selected=move || manager.get() == v translate="no">{m.display_name}</option> }
                        }).collect_view()
                    }}
                </select>
                <small class="muted">{t!(i18n, deviations.report.manager_hint)}</small>
            </label>
            <details class="field">
                <summary>{t!(i18n, deviations.report.more)}</summary>
                {level("likelihood", Signal::derive(move || t_string!(i18n, deviations.report.likelihood)), likelihood)}
                {level("consequence", Signal::derive(move || t_string!(i18n, deviations.report.consequence)), consequence)}
                <p class="muted" role="status" data-testid="risk-suggestion">{move || risk().map(|r| {
                    t_string!(i18n, deviations.report.suggested, score = r.score(), route = r.suggested_route().label(language::now())).to_string()
                })}</p>
                {text_area("immediate_action", Signal::derive(move || t_string!(i18n, deviations.report.immediate_action)), immediate)}
                <label class="field">
                    <span>{t!(i18n, deviations.report.collaboration)}</span>
                    <input type="text" name="collaboration" autocomplete="off" prop:value=move || collaboration.get()
                        on:input=move |ev| collaboration.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{t!(i18n, deviations.report.reporter_name)}</span>
                    <input type="text" name="reporter_name" autocomplete="off" prop:value=move || reporter_name.get()
                        on:input=move |ev| reporter_name.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{t!(i18n, deviations.report.reporter_email)}</span>
                    <input type="email" name="reporter_email" autocomplete="off" prop:value=move || reporter_email.get()
                        on:input=move |ev| reporter_email.set(event_target_value(&ev))/>
                </label>
            </details>
            <SaveLine state=state/>
            <button type="submit" class="button" disabled=move || state.get() == SaveState::Saving>
                {t!(i18n, deviations.report.send)}
            </button>
        </form>
    }
}

/// *Att göra*: the manager's investigations with the time left, and the
/// actions due, beside the self-check.
#[component]
pub(crate) fn TodoPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let todo = RwSignal::new(None::<Result<Todo, String>>);
    Effect::new(move |_| {
        ctx.online.track();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                todo.set(Some(Err(
                    td_string!(locale(), deviations.needs_network).to_owned()
                )));
                return;
            }
            let result = HttpTransport::new(store).deviation_todo().await;
            todo.set(Some(result.map_err(|f| failure_text(ctx, &f))));
        });
    });
    view! {
        <h1>{t!(i18n, deviations.todo.title)}</h1>
        <p class="lead muted">{t!(i18n, deviations.todo.lead)}</p>
        <NeedsNetwork/>
        <p class="toolbar">
            <A href="/egenkontroll">{t!(i18n, deviations.todo.self_check)}</A>
            " · "
            <A href="/avvikelser/statistik">{t!(i18n, deviations.menu.figures)}</A>
        </p>
        {move || match todo.get() {
            None => view! { <p class="muted" role="status">{t!(i18n, deviations.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(todo)) => {
                let pending = todo.investigations.len();
                let late = todo.overdue_investigations;
                view! {
                <section aria-labelledby="todo-investigations">
                    <h2 id="todo-investigations">{t!(i18n, deviations.todo.investigations)}</h2>
                    <p class="muted" data-testid="todo-counts">{t!(i18n, deviations.todo.counts,
                        investigations = move || pending, overdue = move || late)}</p>
                    {todo.investigations.is_empty().then(|| view! { <p class="muted">{t!(i18n, deviations.todo.nothing)}</p> })}
                    <ul class="caseload">
                        {todo.investigations.iter().cloned().map(|i| {
                            let (route, category, reported_on, due_on, days) =
                                (i.route, i.category, i.reported_on, i.due_on, i.days_left);
                            view! {
                            <li class="caseload__item" data-testid="todo-investigation">
                                <A href=format!("/avvikelser/{}", i.id) attr:class="caseload__link">
                                    <span class="caseload__name">{move || format!("{} · {}", route.label(language::now()), category.label(language::now()))}</span>
                                    <span class="caseload__meta">{move || t_string!(i18n, deviations.reported_due,
                                        reported = language().date(reported_on), due = language().date(due_on)).to_string()}</span>
                                    <span class=if i.overdue { "badge badge--overdue" } else { "badge" } data-testid="days-left">
                                        {move || days_left_text(days)}
                                    </span>
                                    {i.imy_hours_left.map(|h| view! { <span class="badge badge--overdue" data-testid="imy-left">{move || hours_left_text(h)}</span> })}
                                    {i.awaiting_feedback.then(|| view! { <span class="badge">{t!(i18n, deviations.todo.awaiting_feedback)}</span> })}
                                </A>
                            </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
                <section aria-labelledby="todo-actions">
                    <h2 id="todo-actions">{t!(i18n, deviations.todo.actions)}</h2>
                    {todo.actions.is_empty().then(|| view! { <p class="muted">{t!(i18n, deviations.todo.nothing)}</p> })}
                    <ul class="caseload">
                        {todo.actions.iter().cloned().map(|a| {
                            let days = a.days_left;
                            view! {
                            <li class="caseload__item" data-testid="todo-action">
                                <A href=format!("/avvikelser/{}", a.deviation_id) attr:class="caseload__link">
                                    <span class="caseload__name" translate="no">{a.action.text.clone()}</span>
                                    <span class=if a.overdue { "badge badge--overdue" } else { "badge" }>{move || days_left_text(days)}</span>
                                </A>
                            </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
                }.into_any()
            }
        }}
    }
}

/// The caller's reports and the ones they investigate.
#[component]
pub(crate) fn ListPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let list = RwSignal::new(None::<Result<Vec<Deviation>, String>>);
    super::follow_store(move |load| {
        ctx.online.track();
        Some(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                list.set(Some(Err(
                    td_string!(locale(), deviations.needs_network).to_owned()
                )));
                return;
            }
            let result = HttpTransport::new(store).deviations("all").await;
            if load.is_latest() {
                list.set(Some(
                    result
                        .map(|l| l.deviations)
                        .map_err(|f| failure_text(ctx, &f)),
                ));
            }
        })
    });
    view! {
        <h1>{t!(i18n, deviations.list.title)}</h1>
        <p class="toolbar"><A href="/avvikelse" attr:class="button">{t!(i18n, deviations.menu.report)}</A></p>
        <NeedsNetwork/>
        {move || match list.get() {
            None => view! { <p class="muted" role="status">{t!(i18n, deviations.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) => view! {
                {list.is_empty().then(|| view! { <p class="muted">{t!(i18n, deviations.list.none)}</p> })}
                <ul class="caseload">
                    {list.into_iter().map(|d| {
                        let status = if d.feedback.is_some() {
                            t_string!(i18n, deviations.status.fed_back)
                        } else if d.is_locked() {
                            t_string!(i18n, deviations.status.locked)
                        } else {
                            t_string!(i18n, deviations.status.investigating)
                        };
                        let first: String = d.report.what_happened.chars().take(100).collect();
                        let (reported_on, route, category) = (d.reported_on, d.report.route, d.report.category);
                        view! {
                            <li class="caseload__item" data-testid="deviation-row">
                                <A href=format!("/avvikelser/{}", d.id) attr:class="caseload__link">
                                    <span class="caseload__name" translate="no">{first}</span>
                                    <span class="caseload__meta">{move || format!("{} · {} · {}",
                                        language().date(reported_on), route.label(language::now()), category.label(language::now()))}</span>
                                    <span class="badge">{status}</span>
                                </A>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

/// One deviation: the report; for its investigator the four questions,
/// the lock, corrections, actions, escalation and feedback; for its
/// reporter where it is and the feedback.
#[component]
pub(crate) fn DeviationPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let params = use_params_map();
    let deviation = RwSignal::new(None::<Result<Deviation, String>>);
    let load = move || {
        let Some(id) = params
            .with_untracked(|p| p.get("id"))
            .and_then(|id| Uuid::parse_str(&id).ok())
        else {
            deviation.set(Some(Err(
                td_string!(locale(), deviations.not_found).to_owned()
            )));
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                deviation.set(Some(Err(
                    td_string!(locale(), deviations.needs_network).to_owned()
                )));
                return;
            }
            let result = HttpTransport::new(store).deviation(id).await;
            deviation.set(Some(result.map_err(|f| failure_text(ctx, &f))));
        });
    };
    Effect::new(move |_| {
        ctx.online.track();
        params.track();
        load();
    });
    view! {
        <NeedsNetwork/>
        {move || match deviation.get() {
            None => view! { <p class="muted" role="status">{t!(i18n, deviations.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <h1>{t!(i18n, deviations.one.title)}</h1><p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(d)) => view! { <Shown d=d deviation=deviation/> }.into_any(),
        }}
    }
}

#[component]
fn Shown(d: Deviation, deviation: RwSignal<Option<Result<Deviation, String>>>) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let me = ctx.user.get_untracked();
    let my_id = me.as_ref().map(|u| u.id);
    let manager = me.as_ref().is_some_and(|u| u.role.sees_whole_units());
    let investigator = manager && my_id == Some(d.report.manager_id);
    let state = RwSignal::new(SaveState::Idle);
    let id = d.id;
    let revision = d.revision;
    let now = Utc::now();
    // Each step answers with the deviation as it now is.
    let step = move |work: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Deviation, ApiFailure>>>,
    >| {
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            match work.await {
                Ok(saved) => {
                    state.set(SaveState::Saved(
                        td_string!(locale(), deviations.saved).to_owned(),
                    ));
                    deviation.set(Some(Ok(saved)));
                }
                Err(f) => state.set(SaveState::Failed(failure_text(ctx, &f))),
            }
        });
    };
    let http = move || store().map(HttpTransport::new);

    let answers = d.investigation.clone();
    let wrong = RwSignal::new(answers.what_went_wrong.clone().unwrap_or_default());
    let why = RwSignal::new(answers.why.clone().unwrap_or_default());
    let done = RwSignal::new(answers.what_was_done.clone().unwrap_or_default());
    let prevention = RwSignal::new(answers.prevention.clone().unwrap_or_default());
    let save_investigation = move |lock: bool| {
        let blank_none = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let update = InvestigationUpdate {
            revision,
            answers: Investigation {
                what_went_wrong: blank_none(wrong.get_untracked()),
                why: blank_none(why.get_untracked()),
                what_was_done: blank_none(done.get_untracked()),
                prevention: blank_none(prevention.get_untracked()),
            },
            lock,
        };
        if lock && !update.answers.is_complete() {
            state.set(SaveState::Failed(
                td_string!(locale(), deviations.one.incomplete).to_owned(),
            ));
            return;
        }
        let Some(http) = http() else { return };
        step(Box::pin(async move {
            http.save_investigation(id, &update).await
        }));
    };
    let text_step = move |path: &'static str, text: RwSignal<String>| {
        let body = TextStep {
            revision,
            text: text.get_untracked(),
        };
        let Some(http) = http() else { return };
        step(Box::pin(async move {
            http.deviation_text_step(id, path, &body).await
        }));
    };
    let correction = RwSignal::new(String::new());
    let feedback = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let action_text = RwSignal::new(String::new());
    let action_kind = RwSignal::new(ActionKind::Action);
    let action_owner = RwSignal::new(my_id.map(|i| i.to_string()).unwrap_or_default());
    let action_due = RwSignal::new((super::caseload::today() + Duration::days(30)).to_string());
    let colleagues = RwSignal::new(Vec::<RegisterColleague>::new());
    if manager {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if let Ok(list) = HttpTransport::new(store).register_colleagues().await {
                colleagues.set(list);
            }
        });
    }
    let add_action = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(owner), Ok(due_on)) = (
            parse_id(&action_owner.get_untracked(), UserId::from_uuid),
            action_due.get_untracked().parse::<NaiveDate>(),
        ) else {
            return;
        };
        let new = NewAction {
            kind: action_kind.get_untracked(),
            text: action_text.get_untracked(),
            owner,
            due_on,
        };
        let Some(http) = http() else { return };
        step(Box::pin(async move {
            http.add_deviation_action(id, &new).await
        }));
    };
    let complete = move |action: Uuid, follow_up: bool| {
        let done = ActionDone {
            note: None,
            next_due_on: follow_up.then(|| super::caseload::today() + Duration::days(90)),
        };
        let Some(http) = http() else { return };
        step(Box::pin(async move {
            http.complete_deviation_action(id, action, &done).await
        }));
    };
    let imy = move || {
        let Some(http) = http() else { return };
        step(Box::pin(async move {
            http.deviation_text_step_imy(id, revision).await
        }));
    };

    let locked = d.is_locked();
    let r = d.report.clone();
    let (route, category, reported_on, due_on) = (r.route, r.category, d.reported_on, d.due_on);
    let area = move |name: &'static str,
                     label: Signal<&'static str>,
                     value: RwSignal<String>,
                     readonly: bool| {
        view! {
            <label class="field">
                <span>{move || label.get()}</span>
                <textarea name=name rows="3" maxlength=MAX_TEXT_CHARS.to_string() readonly=readonly
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            </label>
        }
    };
    view! {
        <h1>{move || format!("{} · {}", route.label(language::now()), category.label(language::now()))}</h1>
        <article class="card" data-testid="deviation">
            <p class="muted">{move || t_string!(i18n, deviations.reported_due,
                reported = language().date(reported_on), due = language().date(due_on)).to_string()}
                {move || (!locked).then(|| format!(" · {}", days_left_text((due_on - super::caseload::today()).num_days())))}</p>
            <p class="note" translate="no" data-testid="what-happened">{r.what_happened.clone()}</p>
            {r.could_do_differently.clone().map(|t| view! {
                <p><strong>{t!(i18n, deviations.report.could_do_differently)}" "</strong><span translate="no">{t}</span></p>
            })}
            {r.collaboration.clone().map(|t| view! {
                <p><strong>{t!(i18n, deviations.report.collaboration)}" "</strong><span translate="no">{t}</span></p>
            })}
            <p class="muted">{if r.child_id.is_some() { t!(i18n, deviations.in_child_file).into_any() } else { t!(i18n, deviations.organisational).into_any() }}</p>
            {d.imy_due_at.filter(|_| d.imy_reported_at.is_none()).map(|due| view! {
                <p class="warning" data-testid="imy-clock">{hours_left_text(shared::deviations::hours_left(due, now))}</p>
            })}
            {d.escalated_at.map(|_| view! { <p class="warning">{t!(i18n, deviations.one.escalated)}</p> })}
        </article>
        <section class="card" aria-labelledby="investigation">
            <h2 id="investigation">{t!(i18n, deviations.one.investigation)}</h2>
            {locked.then(|| view! { <p class="badge" data-testid="locked">{t!(i18n, deviations.status.locked)}</p> })}
            {if investigator || manager {
                view! {
                    <form class="form" on:submit=move |ev| { ev.prevent_default(); save_investigation(false); } novalidate data-testid="investigation-form">
                        {area("what_went_wrong", Signal::derive(move || t_string!(i18n, deviations.one.what_went_wrong)), wrong, locked || !investigator)}
                        {area("why", Signal::derive(move || t_string!(i18n, deviations.one.why)), why, locked || !investigator)}
                        {area("what_was_done", Signal::derive(move || t_string!(i18n, deviations.one.what_was_done)), done, locked || !investigator)}
                        {area("prevention", Signal::derive(move || t_string!(i18n, deviations.one.prevention)), prevention, locked || !investigator)}
                        {(investigator && !locked).then(|| view! {
                            <div class="toolbar">
                                <button type="submit" class="button button--secondary">{t!(i18n, deviations.one.save_draft)}</button>
                                <button type="button" class="button" data-testid="lock"
                                    on:click=move |_| save_investigation(true)>{t!(i18n, deviations.one.lock)}</button>
                            </div>
                        })}
                    </form>
                }.into_any()
            } else {
                view! { <p class="muted">{t!(i18n, deviations.one.reporter_note)}</p> }.into_any()
            }}
            {d.notes.iter().cloned().map(|n| view! {
                <p class="note" data-testid="note"><span translate="no">{n.text}</span>" — "<span translate="no">{n.by_name}</span></p>
            }).collect_view()}
            {(investigator && locked).then(|| view! {
                <form class="form" on:submit=move |ev| { ev.prevent_default(); text_step("corrections", correction); } novalidate>
                    {area("correction", Signal::derive(move || t_string!(i18n, deviations.one.correction)), correction, false)}
                    <button type="submit" class="button button--secondary">{t!(i18n, deviations.one.add_correction)}</button>
                </form>
            })}
        </section>
        <section class="card" aria-labelledby="feedback">
            <h2 id="feedback">{t!(i18n, deviations.one.feedback)}</h2>
            {match d.feedback.clone() {
                Some(text) => view! {
                    <p class="note" translate="no" data-testid="feedback">{text}</p>
                    {d.feedback_mail.map(|m| view! { <p class="muted" data-testid="mail-status">{match m {
                        shared::deviations::MailStatus::Queued => t!(i18n, deviations.one.mail_queued).into_any(),
                        shared::deviations::MailStatus::Sent => t!(i18n, deviations.one.mail_sent).into_any(),
                    }}</p> })}
                }.into_any(),
                None if investigator && locked => view! {
                    <form class="form" on:submit=move |ev| { ev.prevent_default(); text_step("feedback", feedback); } novalidate data-testid="feedback-form">
                        {area("feedback", Signal::derive(move || t_string!(i18n, deviations.one.feedback_text)), feedback, false)}
                        <button type="submit" class="button">{t!(i18n, deviations.one.give_feedback)}</button>
                    </form>
                }.into_any(),
                None => view! { <p class="muted">{t!(i18n, deviations.one.no_feedback_yet)}</p> }.into_any(),
            }}
        </section>
        {manager.then(|| view! {
            <section class="card" aria-labelledby="actions">
                <h2 id="actions">{t!(i18n, deviations.one.actions)}</h2>
                <ul>
                    {d.actions.iter().cloned().map(|a| {
                        let follow_up = a.kind == ActionKind::FollowUp;
                        let due = a.due_on;
                        view! {
                            <li data-testid="action">
                                <span translate="no">{a.text.clone()}</span>" · "
                                {move || language().date(due)}
                                {match a.done_on {
                                    Some(_) => view! { " · "{t!(i18n, deviations.one.done)} }.into_any(),
                                    None => view! {
                                        " "<button type="button" class="button button--quiet" on:click=move |_| complete(a.id, follow_up)>
                                            {if follow_up { t!(i18n, deviations.one.done_repeat).into_any() } else { t!(i18n, deviations.one.mark_done).into_any() }}
                                        </button>
                                    }.into_any(),
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <form class="form" on:submit=add_action novalidate data-testid="action-form">
                    <label class="field">
                        <span>{t!(i18n, deviations.one.action_kind)}</span>
                        <select name="action_kind" on:change=move |ev| {
                            if let Some(k) = ActionKind::parse(&event_target_value(&ev)) { action_kind.set(k) }
                        }>
                            <option value="action" selected=move || action_kind.get() == ActionKind::Action>{t!(i18n, deviations.one.kind_action)}</option>
                            <option value="follow_up" selected=move || action_kind.get() == ActionKind::FollowUp>{t!(i18n, deviations.one.kind_follow_up)}</option>
                        </select>
                    </label>
                    {area("action_text", Signal::derive(move || t_string!(i18n, deviations.one.action_text)), action_text, false)}
                    <label class="field">
                        <span>{t!(i18n, deviations.one.owner)}</span>
                        <select name="owner" on:change=move |ev| action_owner.set(event_target_value(&ev))>
                            {my_id.map(|me| view! { <option value=me.to_string() selected=true>{t!(i18n, deviations.one.me)}</option> })}
                            {move || colleagues.get().into_iter().filter(|p| Some(p.id) != my_id).map(|p| {
                                view! { <option value=p.id.to_string() translate="no">{p.display_name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, deviations.one.due_on)}</span>
                        <input type="date" name="action_due" prop:value=move || action_due.get()
                            on:input=move |ev| action_due.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="button button--secondary">{t!(i18n, deviations.one.add_action)}</button>
                </form>
                {(route == Route::Deviation).then(|| view! {
                    <form class="form" on:submit=move |ev| { ev.prevent_default(); text_step("escalation", reason); } novalidate>
                        {area("reason", Signal::derive(move || t_string!(i18n, deviations.one.escalate_reason)), reason, false)}
                        <button type="submit" class="button button--danger">{t!(i18n, deviations.one.escalate)}</button>
                    </form>
                })}
                {d.imy_due_at.filter(|_| d.imy_reported_at.is_none()).map(|_| view! {
                    <button type="button" class="button" on:click=move |_| imy()>{t!(i18n, deviations.one.imy_reported)}</button>
                })}
            </section>
        })}
        <SaveLine state=state/>
    }
}

/// The figures for the workplace meeting and the quality unit.
#[component]
pub(crate) fn FiguresPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let today = super::caseload::today();
    let from = RwSignal::new((today - Duration::days(122)).to_string());
    let to = RwSignal::new(today.to_string());
    let figures = RwSignal::new(None::<Result<Aggregates, String>>);
    let load = move || {
        let (Ok(f), Ok(t)) = (from.get_untracked().parse(), to.get_untracked().parse()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = HttpTransport::new(store).deviation_aggregates(f, t).await;
            figures.set(Some(result.map_err(|e| failure_text(ctx, &e))));
        });
    };
    Effect::new(move |_| {
        ctx.online.track();
        load();
    });
    let homes = RwSignal::new(Vec::<HomeEntry>::new());
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if let Ok(list) = HttpTransport::new(store).register_homes().await {
            homes.set(list);
        }
    });
    let units = ctx
        .user
        .get_untracked()
        .map(|u| u.units)
        .unwrap_or_default();
    let table = move |caption: &'static str, rows: Vec<(String, u32)>| {
        view! {
            <table class="table">
                <caption>{caption}</caption>
                <tbody>
                    {rows.into_iter().map(|(k, n)| view! { <tr><th scope="row" translate="no">{k}</th><td>{n}</td></tr> }).collect_view()}
                </tbody>
            </table>
        }
    };
    view! {
        <h1>{t!(i18n, deviations.figures.title)}</h1>
        <p class="lead muted">{t!(i18n, deviations.figures.lead)}</p>
        <NeedsNetwork/>
        <form class="toolbar" on:submit=move |ev| { ev.prevent_default(); load(); }>
            <label class="field"><span>{t!(i18n, deviations.figures.from)}</span>
                <input type="date" name="from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></label>
            <label class="field"><span>{t!(i18n, deviations.figures.to)}</span>
                <input type="date" name="to" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></label>
            <button type="submit" class="button">{t!(i18n, deviations.figures.show)}</button>
        </form>
        {move || match figures.get() {
            None => view! { <p class="muted">{t!(i18n, deviations.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(a)) => {
                let l = locale();
                let none = td_string!(l, deviations.figures.none).to_owned();
                let by_category = a.by_category.iter().map(|(k, n)| (Category::parse(k).map_or(k.clone(), |c| c.label(language::now()).to_owned()), *n)).collect();
                let by_route = a.by_route.iter().map(|(k, n)| (Route::parse(k).map_or(k.clone(), |r| r.label(language::now()).to_owned()), *n)).collect();
                let by_unit = a.by_unit.iter().map(|(k, n)| (units.iter().find(|u| u.id.to_string() == *k).map_or(k.clone(), |u| u.name.clone()), *n)).collect();
                let home_list = homes.get();
                let by_home = a.by_home.iter().map(|(k, n)| (if k == "none" { none.clone() } else {
                    home_list.iter().find(|h| h.home.id.to_string() == *k).map_or(k.clone(), |h| h.home.name.to_string()) }, *n)).collect();
                let by_routine = a.by_routine.iter().map(|(k, n)| (if k == "none" { none.clone() } else { k.clone() }, *n)).collect();
                let (total, organisational) = (a.total, a.organisational);
                view! {
                    <p data-testid="figures-total">{t!(i18n, deviations.figures.total, total = move || total, organisational = move || organisational)}</p>
                    {table(td_string!(l, deviations.figures.by_category), by_category)}
                    {table(td_string!(l, deviations.figures.by_route), by_route)}
                    {table(td_string!(l, deviations.figures.by_unit), by_unit)}
                    {table(td_string!(l, deviations.figures.by_home), by_home)}
                    {table(td_string!(l, deviations.figures.by_routine), by_routine)}
                }.into_any()
            }
        }}
    }
}

/// "Jag har tappat min platta": on another device, choose the lost one;
/// it is signed out and the incident opened, in one step.
#[component]
pub(crate) fn LostTabletPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let sessions = RwSignal::new(Vec::<SessionInfo>::new());
    let managers = RwSignal::new(kept_managers());
    let units = ctx
        .user
        .get_untracked()
        .map(|u| u.units)
        .unwrap_or_default();
    let unit = RwSignal::new(units.first().map(|u| u.id.to_string()).unwrap_or_default());
    let manager = RwSignal::new(String::new());
    let session = RwSignal::new(String::new());
    let stolen = RwSignal::new(false);
    let state = RwSignal::new(SaveState::Idle);
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        let http = HttpTransport::new(store);
        if let Ok(list) = http.sessions().await {
            let others: Vec<SessionInfo> = list.into_iter().filter(|s| !s.current).collect();
            if let Some(first) = others.first() {
                session.set(first.id.to_string());
            }
            sessions.set(others);
        }
        if let Ok(list) = http.deviation_managers().await {
            keep_managers(&list);
            managers.set(list);
        }
    });
    Effect::new(move |_| {
        let unit = unit.get();
        if manager.get_untracked().is_empty() {
            if let Some(m) = managers
                .get()
                .iter()
                .find(|m| m.unit_id.to_string() == unit)
            {
                manager.set(m.user_id.to_string());
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(session_id), Some(unit_id), Some(manager_id)) = (
            shared::SessionId::parse(&session.get_untracked()).ok(),
            parse_id(&unit.get_untracked(), UnitId::from_uuid),
            parse_id(&manager.get_untracked(), UserId::from_uuid),
        ) else {
            state.set(SaveState::Failed(
                td_string!(locale(), deviations.report.incomplete).to_owned(),
            ));
            return;
        };
        let lost = LostDevice {
            session_id,
            unit_id,
            manager_id,
            stolen: stolen.get_untracked(),
            discovered_at: None,
            note: None,
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).lost_device(&lost).await {
                Ok(opened) => {
                    sessions.update(|s| s.retain(|x| x.id != session_id));
                    let due = language::now().date_time(
                        opened
                            .imy_due_at
                            .with_timezone(&chrono::Local)
                            .naive_local(),
                    );
                    state.set(SaveState::Saved(
                        td_string!(locale(), deviations.lost.done, due = due).to_string(),
                    ));
                }
                Err(f) => state.set(SaveState::Failed(failure_text(ctx, &f))),
            }
        });
    };
    view! {
        <h1>{t!(i18n, deviations.lost.title)}</h1>
        <p class="lead">{t!(i18n, deviations.lost.lead)}</p>
        <NeedsNetwork/>
        <form class="form" on:submit=submit novalidate data-testid="lost-form">
            <label class="field">
                <span>{t!(i18n, deviations.lost.device)}</span>
                <select name="session" on:change=move |ev| session.set(event_target_value(&ev))>
                    {move || sessions.get().into_iter().map(|s| {
                        let v = s.id.to_string();
                        let selected = session.get_untracked() == v;
                        let used = language().date_time(s.last_used_at.with_timezone(&chrono::Local).naive_local());
                        view! { <option value=v selected=selected translate="no">{format!("{} · {used}", s.device_label)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="choice">
                <input type="checkbox" name="stolen" prop:checked=move || stolen.get() on:change=move |ev| stolen.set(event_target_checked(&ev))/>
                {t!(i18n, deviations.lost.stolen)}
            </label>
            <label class="field">
                <span>{t!(i18n, deviations.report.unit)}</span>
                <select name="unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                    {units.into_iter().map(|u| {
                        let v = u.id.to_string();
                        let selected = unit.get_untracked() == v;
                        view! { <option value=v selected=selected>{u.name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{t!(i18n, deviations.report.manager)}</span>
                <select name="manager" on:change=move |ev| manager.set(event_target_value(&ev))>
                    {move || {
                        let unit = unit.get();
                        managers.get().into_iter().filter(|m| m.unit_id.to_string() == unit).map(|m| {
                            let v = m.user_id.to_string();
                            view! { <option value=v.clone() selected=move || manager.get() == v translate="no">{m.display_name}</option> }
                        }).collect_view()
                    }}
                </select>
            </label>
            <SaveLine state=state/>
            <button type="submit" class="button button--danger" disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                {t!(i18n, deviations.lost.submit)}
            </button>
        </form>
    }
}
