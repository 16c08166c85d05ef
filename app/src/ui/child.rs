//! One child: placement, what is due, the visit log and recording a visit.

use super::caseload::{due_class, today};
use super::placement::{ConflictCard, PlacementEditor};
use super::{ctx, store, sync_ctl};
use crate::caseload::{due_text, overview, ChildOverview};
use chrono::NaiveDate;
use gloo_storage::Storage;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::protocol::{Mutation, Operation};
use shared::{ChildId, MutationId, Visit, VisitAmendment, VisitId, VisitNote, VisitorName};
use std::collections::HashSet;

const VISITOR_KEY: &str = "barnbesok.visitor";

#[derive(Clone, Debug, PartialEq)]
struct ChildData {
    overview: ChildOverview,
    pending: HashSet<String>,
}

#[component]
pub(crate) fn ChildPage() -> impl IntoView {
    let ctx = ctx();
    let params = use_params_map();
    let child_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| ChildId::parse(&s).ok())
    });
    let data = RwSignal::new(None::<Result<Option<ChildData>, String>>);
    // While the placement is being edited the page is not redrawn by syncs,
    // so nothing typed is lost; it reloads when the editor closes.
    let editing = RwSignal::new(false);
    provide_context(PlacementEditing(editing));
    // Each opening of a child's page is a read of the child's records, logged
    // here and sent to the server's audit log with the next sync.
    Effect::new(move |_| {
        if let Some(id) = child_id.get() {
            leptos::task::spawn_local(async move {
                if let Some(store) = store() {
                    let offline = !crate::platform::browser::is_online();
                    let kind = shared::audit::LocalReadKind::OpenedChild;
                    if let Err(e) = store.log_read(id, kind, offline).await {
                        web_sys::console::error_1(&format!("läsloggen: {}", e.0).into());
                    }
                }
            });
        }
    });
    // Loads can finish out of order: only the latest one may show.
    let latest = std::rc::Rc::new(std::cell::Cell::new(0u64));
    Effect::new(move |_| {
        ctx.data_rev.track();
        if editing.get() {
            return;
        }
        let this = latest.get() + 1;
        latest.set(this);
        let latest = latest.clone();
        let Some(id) = child_id.get() else {
            data.set(Some(Ok(None)));
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let loaded = async {
                let records = store.view_of_child(id).await?;
                let pending = store.pending_record_keys().await?;
                Ok::<_, crate::sync::StoreError>(
                    overview(records, today())
                        .into_iter()
                        .next()
                        .map(|overview| ChildData { overview, pending }),
                )
            };
            let result = loaded.await.map_err(|e| e.0);
            if latest.get() == this {
                data.set(Some(result));
            }
        });
    });

    view! {
        <p><A href="/" attr:class="back">"← Mina barn"</A></p>
        {move || match data.get() {
            None => view! { <p class="muted">"Laddar…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(None)) => view! { <p>"Barnet finns inte på den här enheten."</p> }.into_any(),
            Some(Ok(Some(d))) => view! { <ChildView data=d/> }.into_any(),
        }}
        // Outside the redrawn parts: a sync never clears what is being typed.
        {move || child_id.get().map(|id| view! { <VisitForm child_id=id/> })}
        {move || match data.get() {
            Some(Ok(Some(d))) => Some(view! { <VisitLog data=d/> }),
            _ => None,
        }}
        {move || {
            let leader = ctx.user.with(|u| u.as_ref().is_some_and(|u| u.role.grants_cover()));
            child_id.get().filter(|_| leader).map(|id| view! { <super::cover::CoverGrant child_id=id/> })
        }}
    }
}

/// Whether the placement editor is open (provided by [`ChildPage`]).
#[derive(Clone, Copy)]
pub(crate) struct PlacementEditing(pub RwSignal<bool>);

#[component]
fn ChildView(data: ChildData) -> impl IntoView {
    let o = data.overview;
    let child = o.child.clone();
    let placement = o.placement.as_ref().map(|p| {
        let ended = p
            .end_date
            .map(|d| format!(", avslutad {d}"))
            .unwrap_or_default();
        format!(
            "{} · {} · {} · sedan {}{}",
            p.kind.label_sv(),
            p.home_name,
            p.legal_basis.label_sv(),
            p.start_date.format("%Y-%m-%d"),
            ended
        )
    });
    let due = match (o.due, o.next_visit) {
        (Some(status), Some(next)) => {
            let why = match next.reason {
                shared::schedule::DueReason::FirstVisitAfterPlacement => {
                    "första besöket inom en vecka från placeringen".to_owned()
                }
                shared::schedule::DueReason::RegularVisit { previous } => {
                    format!("var tredje månad, förra besöket {previous}")
                }
            };
            Some((
                due_class(Some(status)),
                due_text(status, next.due_date),
                why,
            ))
        }
        _ => None,
    };
    let pending = data.pending;
    let editor = o.placement.clone().map(|p| {
        let is_pending = pending.contains(&format!("placement:{}", p.id));
        view! { <PlacementEditor placement=p pending=is_pending/> }
    });
    let placement_json = o
        .placement
        .as_ref()
        .and_then(|p| serde_json::to_value(p).ok());
    let conflicts = o.open_conflicts.clone();
    view! {
        <h1>{child.full_name()}</h1>
        <p class="muted">{format!("Född {} · {} år", child.birth_date, child.age_on(today()))}</p>
        <section class="card" aria-labelledby="placement-h">
            <h2 id="placement-h">"Placering"</h2>
            <p>{placement.unwrap_or_else(|| "Ingen placering registrerad.".to_owned())}</p>
            {due.map(|(class, text, why)| view! {
                <p><span class=class>{text}</span></p>
                <p class="muted">"Regel: " {why}</p>
            })}
            {editor}
        </section>
        {(!conflicts.is_empty()).then(|| view! {
            <section class="card card--attention" aria-labelledby="conflicts-h">
                <h2 id="conflicts-h">"Att lösa"</h2>
                {conflicts.into_iter().map(|c| {
                    let current = placement_json.as_ref().and_then(|p| p.get(&c.field).cloned());
                    view! { <ConflictCard conflict=c current/> }
                }).collect_view()}
            </section>
        })}
    }
}

/// The visits, newest first, each marked synced or waiting.
#[component]
fn VisitLog(data: ChildData) -> impl IntoView {
    let pending = data.pending;
    let amendments = data.overview.amendments;
    let visits = data.overview.visits;
    view! {
        <section class="card" aria-labelledby="visits-h">
            <h2 id="visits-h">"Besök"</h2>
            {if visits.is_empty() {
                view! { <p class="muted">"Inga besök registrerade."</p> }.into_any()
            } else {
                view! {
                    <ul class="visits" aria-label="Besökslogg">
                        {visits.into_iter().map(|v| {
                            let is_pending = pending.contains(&format!("visit:{}", v.id));
                            let own: Vec<_> = amendments.iter().filter(|a| a.visit_id == v.id).cloned().collect();
                            view! { <VisitItem visit=v pending=is_pending amendments=own/> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn VisitItem(visit: Visit, pending: bool, amendments: Vec<VisitAmendment>) -> impl IntoView {
    let alone = if visit.talked_alone { "Ja" } else { "Nej" };
    view! {
        <li class="visit" data-visit-id=visit.id.to_string()>
            <div class="visit__head">
                <strong>{visit.visit_date.format("%Y-%m-%d").to_string()}</strong>
                <span>{visit.visitor.to_string()}</span>
                {if pending {
                    view! { <span class="badge badge--pending">"Väntar på synk"</span> }.into_any()
                } else {
                    view! { <span class="badge badge--synced">"Synkad"</span> }.into_any()
                }}
            </div>
            <p class="visit__alone">"Enskilt samtal med barnet: " {alone}</p>
            {(!visit.note.as_str().is_empty()).then(|| view! { <p class="visit__note">{visit.note.to_string()}</p> })}
            {amendments.into_iter().map(|a| view! {
                <p class="visit__amendment">
                    <strong>{format!("Rättelse {} av {}: ", a.recorded_at.format("%Y-%m-%d"), a.author)}</strong>
                    {a.text.to_string()}
                </p>
            }).collect_view()}
        </li>
    }
}

#[component]
fn VisitForm(child_id: ChildId) -> impl IntoView {
    let ctx = ctx();
    let date = RwSignal::new(today().format("%Y-%m-%d").to_string());
    let visitor =
        RwSignal::new(gloo_storage::LocalStorage::get::<String>(VISITOR_KEY).unwrap_or_default());
    let talked_alone = RwSignal::new(None::<bool>);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let saving = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let visit_date = match NaiveDate::parse_from_str(&date.get_untracked(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => return error.set(Some("Ange datum för besöket.".into())),
        };
        let Ok(visitor_name) = VisitorName::parse(&visitor.get_untracked()) else {
            return error.set(Some("Ange vem som besökte barnet.".into()));
        };
        let Some(alone) = talked_alone.get_untracked() else {
            return error.set(Some("Ange om du talade enskilt med barnet.".into()));
        };
        let visit_note = match VisitNote::parse(&note.get_untracked()) {
            Ok(n) => n,
            Err(e) => return error.set(Some(format!("Anteckningen: {e}."))),
        };
        error.set(None);
        let _ = gloo_storage::LocalStorage::set(VISITOR_KEY, visitor_name.as_str());
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::CreateVisit(Visit {
                id: VisitId::new_random(),
                child_id,
                visit_date,
                visitor: visitor_name,
                talked_alone: alone,
                note: visit_note,
                recorded_at: chrono::Utc::now(),
                ..shared::Visit::blank()
            }),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            let result = match store() {
                Some(s) => s.record_change(&mutation).await.map_err(|e| e.0),
                None => Err("lagringen är inte öppen".to_owned()),
            };
            saving.set(false);
            match result {
                Ok(()) => {
                    saved.set(true);
                    note.set(String::new());
                    talked_alone.set(None);
                    ctx.data_changed();
                    sync_ctl::after_local_write(ctx);
                }
                Err(e) => error.set(Some(format!("Besöket kunde inte sparas: {e}"))),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby="new-visit-h">
            <h2 id="new-visit-h">"Registrera besök"</h2>
            <form class="form" on:submit=submit novalidate>
                <label class="field">
                    <span>"Datum"</span>
                    <input type="date" required
                        prop:value=move || date.get()
                        on:input=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Vem besökte"</span>
                    <input type="text" required autocomplete="name" maxlength="120"
                        prop:value=move || visitor.get()
                        on:input=move |ev| visitor.set(event_target_value(&ev))/>
                </label>
                <fieldset class="field">
                    <legend>"Talade du enskilt med barnet?"</legend>
                    <div class="choices">
                        <label class="choice">
                            <input type="radio" name="alone"
                                prop:checked=move || talked_alone.get() == Some(true)
                                on:change=move |_| talked_alone.set(Some(true))/>
                            <span>"Ja"</span>
                        </label>
                        <label class="choice">
                            <input type="radio" name="alone"
                                prop:checked=move || talked_alone.get() == Some(false)
                                on:change=move |_| talked_alone.set(Some(false))/>
                            <span>"Nej"</span>
                        </label>
                    </div>
                </fieldset>
                <label class="field">
                    <span>"Anteckning"</span>
                    <textarea rows="5"
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="form__actions">
                    <button type="submit" class="button" disabled=move || saving.get()>"Spara besök"</button>
                    <span role="status" class="saved">
                        {move || saved.get().then_some("Besöket är sparat på enheten.")}
                    </span>
                </div>
            </form>
        </section>
    }
}
