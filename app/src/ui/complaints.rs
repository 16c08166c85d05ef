//! *Klagomål*: the unit's register of complaints (docs/complaints.md), for
//! the unit's managers and the social workers responsible for complaints.
//! The list filtered to new, overdue or all; a complaint opened to handle
//! it (status, unit, responsible, answer, due day, child, home); a form to
//! record one from a relative, IVO, another person or staff. Online only,
//! like the register of homes; every save says whether it reached the
//! server.

use super::form::{failure_text, id_text, parse_id};
use super::register::{NeedsNetwork, SaveLine, SaveState};
use super::{ctx, language, store};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::http::HttpTransport;
use crate::register::RegisterColleague;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use shared::auth::Role;
use shared::complaints::{
    Complaint, ComplaintCounts, ComplaintSource, ComplaintStatus, ComplaintUpdate, MessageKind,
    NewComplaint, MAX_ANSWER_CHARS, MAX_NAME_CHARS, MAX_REACH_CHARS, MAX_TEXT_CHARS,
};
use shared::protocol::Record;
use shared::register::HomeEntry;
use shared::{ChildId, HomeId, UnitId, UserId};

/// Who keeps the register (the server decides; this only hides the link).
pub(crate) fn keeps_complaints(role: Role) -> bool {
    matches!(
        role,
        Role::SocialWorker
            | Role::Consultant
            | Role::DisabilityOfficer
            | Role::GroupLeader
            | Role::UnitManager
    )
}

fn locale() -> crate::i18n::Locale {
    language::now().locale()
}

/// How many complaints wait (new or overdue), for those who keep them:
/// fetched while online, again after every sync. `None` for everyone else.
pub(crate) fn waiting_counts() -> RwSignal<Option<ComplaintCounts>> {
    let ctx = ctx();
    let counts = RwSignal::new(None::<ComplaintCounts>);
    Effect::new(move |_| {
        ctx.online.track();
        ctx.status.track();
        let allowed = ctx
            .user
            .with(|u| u.as_ref().is_some_and(|u| keeps_complaints(u.role)));
        if !allowed || !ctx.online.get_untracked() || ctx.locked.get_untracked() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if let Ok(c) = HttpTransport::new(store).complaint_counts().await {
                counts.set(Some(c));
            }
        });
    });
    counts
}

/// How many of `counts` wait: new ones, or overdue ones if more.
pub(crate) fn waiting(counts: Option<ComplaintCounts>) -> u32 {
    counts.map_or(0, |c| c.new.max(c.overdue))
}

/// The menu's link, with how many complaints wait (`waiting_counts`).
#[component]
pub(crate) fn MenuLink(counts: RwSignal<Option<ComplaintCounts>>) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let allowed = move || {
        ctx.user
            .with(|u| u.as_ref().is_some_and(|u| keeps_complaints(u.role)))
    };
    move || {
        allowed().then(|| {
            let waiting = waiting(counts.get());
            let show = if counts.get().is_some_and(|c| c.overdue > 0) {
                "forsenade"
            } else {
                "nya"
            };
            view! {
                <A href=format!("/klagomal?visa={show}")>
                    {t!(i18n, complaints.menu)}
                    {(waiting > 0).then(|| view! {
                        " "<span class="badge badge--overdue" data-testid="complaints-waiting">
                            {t!(i18n, complaints.menu_waiting, count = move || waiting)}
                        </span>
                    })}
                </A>
            }
        })
    }
}

/// `?visa=nya|forsenade|alla`.
fn show_param(value: Option<String>) -> &'static str {
    match value.as_deref() {
        Some("nya") => "new",
        Some("forsenade") => "overdue",
        _ => "all",
    }
}

#[component]
pub(crate) fn ComplaintsPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let query = use_query_map();
    let show = RwSignal::new(show_param(query.get_untracked().get("visa")));
    let list = RwSignal::new(None::<Result<(Vec<Complaint>, ComplaintCounts), String>>);
    let open = RwSignal::new(None::<Complaint>);
    let recording = RwSignal::new(false);
    let reload = move || {
        let show = show.get_untracked();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !ctx.online.get_untracked() {
                list.set(Some(Err(td_string!(
                    locale(),
                    complaints.page.needs_network
                )
                .to_owned())));
                return;
            }
            list.set(None);
            let result = HttpTransport::new(store).complaints(show).await;
            // Opened from a link (the register of homes): that complaint.
            let wanted = query
                .get_untracked()
                .get("klagomal")
                .and_then(|id| uuid::Uuid::parse_str(&id).ok());
            if let (Some(wanted), Ok(found)) = (wanted, &result) {
                if let Some(c) = found.complaints.iter().find(|c| c.id == wanted) {
                    open.set(Some(c.clone()));
                }
            }
            list.set(Some(
                result
                    .map(|l| (l.complaints, l.counts))
                    .map_err(|f| failure_text(ctx, &f)),
            ));
        });
    };
    Effect::new(move |_| {
        ctx.online.track();
        show.track();
        reload();
    });
    let allowed = move || {
        ctx.user
            .with(|u| u.as_ref().is_some_and(|u| keeps_complaints(u.role)))
    };
    let filter = move |value: &'static str, label: Signal<&'static str>| {
        view! {
            <button type="button" class="button button--quiet"
                aria-pressed=move || (show.get() == value).to_string()
                data-testid=format!("filter-{value}")
                on:click=move |_| { open.set(None); show.set(value); }>
                {move || label.get()}
            </button>
        }
    };
    view! {
        <h1>{t!(i18n, complaints.page.title)}</h1>
        <Show when=allowed fallback=move || view! {
            <p role="alert">{t!(i18n, complaints.page.not_allowed)}</p>
        }>
            <p class="lead muted">{t!(i18n, complaints.page.lead)}</p>
            <NeedsNetwork/>
            {move || match open.get() {
                Some(complaint) => view! {
                    <button type="button" class="button button--quiet" on:click=move |_| { open.set(None); reload(); }>
                        {t!(i18n, complaints.page.back)}
                    </button>
                    <Editor complaint=complaint/>
                }.into_any(),
                None if recording.get() => view! {
                    <button type="button" class="button button--quiet" on:click=move |_| recording.set(false)>
                        {t!(i18n, complaints.page.back)}
                    </button>
                    <RecordForm done=move |c: Complaint| { recording.set(false); open.set(Some(c)); }/>
                }.into_any(),
                None => view! {
                    <div class="toolbar" role="group" aria-label=move || t_string!(i18n, complaints.filter.label)>
                        {filter("new", Signal::derive(move || t_string!(i18n, complaints.filter.new)))}
                        {filter("overdue", Signal::derive(move || t_string!(i18n, complaints.filter.overdue)))}
                        {filter("all", Signal::derive(move || t_string!(i18n, complaints.filter.all)))}
                        <button type="button" class="button" data-testid="record-complaint"
                            on:click=move |_| recording.set(true)>
                            {t!(i18n, complaints.page.record)}
                        </button>
                    </div>
                    {move || match list.get() {
                        None => view! { <p class="muted" role="status">{t!(i18n, complaints.page.loading)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                        Some(Ok((complaints, counts))) => {
                            let today = super::caseload::today();
                            view! {
                                <p class="muted" role="status" data-testid="complaint-counts">
                                    {t!(i18n, complaints.page.counts, new = move || counts.new, overdue = move || counts.overdue)}
                                </p>
                                {complaints.is_empty().then(|| view! { <p class="muted">{t!(i18n, complaints.page.none)}</p> })}
                                <ul class="caseload" aria-label=move || t_string!(i18n, complaints.page.list_label)>
                                    {complaints.into_iter().map(|c| {
                                        let overdue = c.is_overdue(today);
                                        let first_line: String = c.text.lines().next().unwrap_or_default().chars().take(120).collect();
                                        let row = c.clone();
                                        view! {
                                            <li class="caseload__item" data-testid="complaint-row">
                                                <button type="button" class="caseload__link" on:click=move |_| open.set(Some(row.clone()))>
                                                    <span class="caseload__name" translate="no">{first_line}</span>
                                                    <span class="caseload__meta">{move || format!("{} · {} · {} · {}",
                                                        language().date(c.received_on), c.source.label(language::now()), c.kind.label(language::now()), c.status.label(language::now()))}</span>
                                                    <span class="caseload__meta">{move || t_string!(i18n, complaints.due, date = language().date(c.due_on)).to_string()}</span>
                                                    {overdue.then(|| view! { <span class="badge badge--overdue">{t!(i18n, complaints.overdue)}</span> })}
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                }.into_any(),
            }}
        </Show>
    }
}

/// The children on the device (id, name), for linking one.
fn load_children(children: RwSignal<Vec<(ChildId, String)>>) {
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if let Ok(records) = store.view_all().await {
            let mut list: Vec<(ChildId, String)> = records
                .into_iter()
                .filter_map(|r| match r {
                    Record::Child(c) => Some((c.id, c.full_name())),
                    _ => None,
                })
                .collect();
            list.sort_by(|a, b| a.1.cmp(&b.1));
            children.set(list);
        }
    });
}

/// The homes the user may see, for linking one.
fn load_homes(homes: RwSignal<Vec<HomeEntry>>) {
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if let Ok(list) = HttpTransport::new(store).register_homes().await {
            homes.set(list);
        }
    });
}

#[component]
fn ChildSelect(
    children: RwSignal<Vec<(ChildId, String)>>,
    value: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field">
            <span>{t!(i18n, complaints.field.child)}</span>
            <select name="child" on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=move || value.get().is_empty()>{t!(i18n, complaints.none_chosen)}</option>
                {move || children.get().into_iter().map(|(id, name)| {
                    let v = id.to_string();
                    let selected = value.get_untracked() == v;
                    view! { <option value=v selected=selected translate="no">{name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn HomeSelect(
    homes: RwSignal<Vec<HomeEntry>>,
    unit: RwSignal<String>,
    value: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field">
            <span>{t!(i18n, complaints.field.home)}</span>
            <select name="home" on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=move || value.get().is_empty()>{t!(i18n, complaints.none_chosen)}</option>
                {move || {
                    let unit = unit.get();
                    homes.get().into_iter()
                        .filter(|h| h.home.unit_id.to_string() == unit)
                        .map(|h| {
                            let v = h.home.id.to_string();
                            let selected = value.get_untracked() == v;
                            view! { <option value=v selected=selected translate="no">{h.home.name.to_string()}</option> }
                        }).collect_view()
                }}
            </select>
        </label>
    }
}

#[component]
fn UnitSelect(value: RwSignal<String>, #[prop(default = false)] allow_none: bool) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let units = ctx
        .user
        .get_untracked()
        .map(|u| u.units)
        .unwrap_or_default();
    view! {
        <label class="field">
            <span>{t!(i18n, complaints.field.unit)}</span>
            <select name="unit" on:change=move |ev| value.set(event_target_value(&ev))>
                {allow_none.then(|| view! {
                    <option value="" selected=move || value.get().is_empty()>{t!(i18n, complaints.no_unit)}</option>
                })}
                {units.into_iter().map(|u| {
                    let v = u.id.to_string();
                    let selected = value.get_untracked() == v;
                    view! { <option value=v selected=selected>{u.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// One complaint, read and handled.
#[component]
fn Editor(complaint: Complaint) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let me = ctx.user.get_untracked();
    let my_id = me.as_ref().map(|u| u.id);
    let manager = me.as_ref().is_some_and(|u| u.role.sees_whole_units());
    let status = RwSignal::new(complaint.status);
    let unit = RwSignal::new(id_text(complaint.unit_id));
    let responsible = RwSignal::new(id_text(complaint.responsible));
    let answer = RwSignal::new(complaint.answer.clone().unwrap_or_default());
    let due = RwSignal::new(complaint.due_on.to_string());
    let child = RwSignal::new(id_text(complaint.child_id));
    let home = RwSignal::new(id_text(complaint.home_id));
    let state = RwSignal::new(SaveState::Idle);
    let children = RwSignal::new(Vec::new());
    let homes = RwSignal::new(Vec::new());
    let colleagues = RwSignal::new(Vec::<RegisterColleague>::new());
    load_children(children);
    load_homes(homes);
    if manager {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if let Ok(list) = HttpTransport::new(store).register_colleagues().await {
                colleagues.set(list);
            }
        });
    }
    // Each save answers with the next revision: the one the next save is made on.
    let revision = RwSignal::new(complaint.revision);
    let id = complaint.id;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(due_on) = due.get_untracked().parse() else {
            state.set(SaveState::Failed(
                td_string!(locale(), complaints.date_required).to_owned(),
            ));
            return;
        };
        let update = ComplaintUpdate {
            revision: revision.get_untracked(),
            status: status.get_untracked(),
            unit_id: parse_id(&unit.get_untracked(), UnitId::from_uuid),
            responsible: parse_id(&responsible.get_untracked(), UserId::from_uuid),
            answer: Some(answer.get_untracked()).filter(|a| !a.trim().is_empty()),
            due_on,
            child_id: parse_id(&child.get_untracked(), ChildId::from_uuid),
            home_id: parse_id(&home.get_untracked(), HomeId::from_uuid),
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store)
                .update_complaint(id, &update)
                .await
            {
                Ok(saved) => {
                    revision.set(saved.revision);
                    state.set(SaveState::Saved(
                        td_string!(locale(), complaints.saved).to_owned(),
                    ));
                }
                Err(f) => state.set(SaveState::Failed(failure_text(ctx, &f))),
            }
        });
    };
    let c = complaint.clone();
    view! {
        <article class="card" data-testid="complaint">
            <h2>{move || format!("{} · {}", c.kind.label(language::now()), c.source.label(language::now()))}</h2>
            <p class="muted">{move || format!("{} {} · {} {}",
                t_string!(i18n, complaints.field.received_on), language().date(c.received_on),
                t_string!(i18n, complaints.field.channel), c.channel.label(language::now()))}</p>
            <p class="note" translate="no" data-testid="complaint-text">{complaint.text.clone()}</p>
            <p>{complaint.from_name.clone().map_or_else(
                || t_string!(i18n, complaints.anonymous).to_owned(),
                |n| n)}
                {complaint.reach.clone().map(|r| format!(" · {r}"))}</p>
            {complaint.has_code.then(|| view! { <p class="muted">{t!(i18n, complaints.has_code)}</p> })}
            <p><A href={
                let mut href = format!("/avvikelse?klagomal={}", complaint.id);
                if let Some(child) = complaint.child_id { href.push_str(&format!("&barn={child}")); }
                if let Some(home) = complaint.home_id { href.push_str(&format!("&hem={home}")); }
                href
            } attr:class="tap-link" attr:data-testid="complaint-report-deviation">{t!(i18n, complaints.report_deviation)}</A></p>
            <form class="form" on:submit=save novalidate>
                <label class="field">
                    <span>{t!(i18n, complaints.field.status)}</span>
                    <select name="status" on:change=move |ev| {
                        if let Some(s) = ComplaintStatus::parse(&event_target_value(&ev)) { status.set(s) }
                    }>
                        {ComplaintStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || status.get() == s>{move || s.label(language::now())}</option>
                        }).collect_view()}
                    </select>
                </label>
                {if manager {
                    view! {
                        <UnitSelect value=unit allow_none=complaint.unit_id.is_none()/>
                        <label class="field">
                            <span>{t!(i18n, complaints.field.responsible)}</span>
                            <select name="responsible" on:change=move |ev| responsible.set(event_target_value(&ev))>
                                <option value="" selected=move || responsible.get().is_empty()>{t!(i18n, complaints.nobody)}</option>
                                {my_id.map(|me| {
                                    let v = me.to_string();
                                    let selected = responsible.get_untracked() == v;
                                    view! { <option value=v selected=selected>{t!(i18n, complaints.me)}</option> }
                                })}
                                {move || colleagues.get().into_iter().filter(|p| Some(p.id) != my_id).map(|p| {
                                    let v = p.id.to_string();
                                    let selected = responsible.get_untracked() == v;
                                    view! { <option value=v selected=selected translate="no">{p.display_name}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }.into_any()
                } else {
                    ().into_any()
                }}
                <label class="field">
                    <span>{t!(i18n, complaints.field.answer)}</span>
                    <small class="muted">{t!(i18n, complaints.field.answer_hint)}</small>
                    <textarea name="answer" rows="5" maxlength=MAX_ANSWER_CHARS.to_string()
                        prop:value=move || answer.get()
                        on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
                </label>
                <label class="field">
                    <span>{t!(i18n, complaints.field.due_on)}</span>
                    <input type="date" name="due_on" prop:value=move || due.get()
                        on:input=move |ev| due.set(event_target_value(&ev))/>
                </label>
                <ChildSelect children=children value=child/>
                <HomeSelect homes=homes unit=unit value=home/>
                <SaveLine state=state/>
                <button type="submit" class="button" disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                    {t!(i18n, complaints.save)}
                </button>
            </form>
        </article>
    }
}

/// Records a complaint from a relative, IVO, another person or staff.
#[component]
fn RecordForm<F>(done: F) -> impl IntoView
where
    F: Fn(Complaint) + Copy + Send + Sync + 'static,
{
    let ctx = ctx();
    let i18n = use_i18n();
    let units = ctx
        .user
        .get_untracked()
        .map(|u| u.units)
        .unwrap_or_default();
    let received = RwSignal::new(super::caseload::today().to_string());
    let source = RwSignal::new(ComplaintSource::Relative);
    let kind = RwSignal::new(MessageKind::Complaint);
    let text = RwSignal::new(String::new());
    let from_name = RwSignal::new(String::new());
    let reach = RwSignal::new(String::new());
    let unit = RwSignal::new(id_text(units.first().map(|u| u.id)));
    let due = RwSignal::new(String::new());
    let child = RwSignal::new(String::new());
    let home = RwSignal::new(String::new());
    let state = RwSignal::new(SaveState::Idle);
    let children = RwSignal::new(Vec::new());
    let homes = RwSignal::new(Vec::new());
    load_children(children);
    load_homes(homes);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(received_on), Some(unit_id)) = (
            received.get_untracked().parse(),
            parse_id(&unit.get_untracked(), UnitId::from_uuid),
        ) else {
            state.set(SaveState::Failed(
                td_string!(locale(), complaints.date_required).to_owned(),
            ));
            return;
        };
        if text.get_untracked().trim().is_empty() {
            state.set(SaveState::Failed(
                td_string!(locale(), complaints.text_required).to_owned(),
            ));
            return;
        }
        let blank_none = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let new = NewComplaint {
            received_on,
            source: source.get_untracked(),
            kind: kind.get_untracked(),
            text: text.get_untracked(),
            from_name: blank_none(from_name.get_untracked()),
            reach: blank_none(reach.get_untracked()),
            unit_id,
            responsible: None,
            due_on: due.get_untracked().parse().ok(),
            child_id: parse_id(&child.get_untracked(), ChildId::from_uuid),
            home_id: parse_id(&home.get_untracked(), HomeId::from_uuid),
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).record_complaint(&new).await {
                Ok(saved) => done(saved),
                Err(f) => state.set(SaveState::Failed(failure_text(ctx, &f))),
            }
        });
    };
    view! {
        <h2>{t!(i18n, complaints.page.record)}</h2>
        <form class="form" on:submit=save novalidate data-testid="record-form">
            <label class="field">
                <span>{t!(i18n, complaints.field.received_on)}</span>
                <input type="date" name="received_on" prop:value=move || received.get()
                    on:input=move |ev| received.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>{t!(i18n, complaints.field.source)}</span>
                <select name="source" on:change=move |ev| {
                    if let Some(s) = ComplaintSource::parse(&event_target_value(&ev)) { source.set(s) }
                }>
                    {ComplaintSource::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || source.get() == s>{move || s.label(language::now())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{t!(i18n, complaints.field.kind)}</span>
                <select name="kind" on:change=move |ev| {
                    if let Some(k) = MessageKind::parse(&event_target_value(&ev)) { kind.set(k) }
                }>
                    {MessageKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{move || k.label(language::now())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{t!(i18n, complaints.field.text)}</span>
                <textarea name="text" rows="5" maxlength=MAX_TEXT_CHARS.to_string()
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <label class="field">
                <span>{t!(i18n, complaints.field.from_name)}</span>
                <input type="text" name="from_name" autocomplete="off" maxlength=MAX_NAME_CHARS.to_string()
                    prop:value=move || from_name.get()
                    on:input=move |ev| from_name.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>{t!(i18n, complaints.field.reach)}</span>
                <input type="text" name="reach" autocomplete="off" maxlength=MAX_REACH_CHARS.to_string()
                    prop:value=move || reach.get()
                    on:input=move |ev| reach.set(event_target_value(&ev))/>
            </label>
            <UnitSelect value=unit/>
            <label class="field">
                <span>{t!(i18n, complaints.field.due_on)}</span>
                <small class="muted">{t!(i18n, complaints.field.due_on_hint)}</small>
                <input type="date" name="due_on" prop:value=move || due.get()
                    on:input=move |ev| due.set(event_target_value(&ev))/>
            </label>
            <ChildSelect children=children value=child/>
            <HomeSelect homes=homes unit=unit value=home/>
            <SaveLine state=state/>
            <button type="submit" class="button" disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                {t!(i18n, complaints.record_button)}
            </button>
        </form>
    }
}
