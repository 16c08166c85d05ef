//! Adding and editing a child, the child's workers and placements
//! (group leaders and unit managers). Online only: each save goes to the
//! server, which writes a feed change the devices get with their next sync.

use super::register::{
    failed, load_homes, saved_now, NeedsNetwork, SaveLine, SaveState, TextField,
};
use super::{ctx, store, sync_ctl};
use crate::caseload::overview;
use crate::platform::http::HttpTransport;
use crate::register::{
    choice_label, edits_register, flags, worker_choices, ChildForm, CurrentWorkers, PlacementForm,
    RegisterColleague, WorkersRequest,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::register::HomeEntry;
use shared::{Child, ChildId, LegalBasis, Placement, PlacementId, Sex, UnitId};

/// What the page edits: a new child, or one on the device.
#[derive(Clone, Debug, PartialEq)]
enum Loaded {
    New,
    Existing {
        child: Child,
        placements: Vec<Placement>,
    },
    Missing,
}

#[component]
pub(crate) fn ChildRegisterPage() -> impl IntoView {
    let ctx = ctx();
    let params = use_params_map();
    let key = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let loaded = RwSignal::new(None::<Result<Loaded, String>>);
    Effect::new(move |_| {
        let key = key.get();
        if key == "ny" {
            loaded.set(Some(Ok(Loaded::New)));
            return;
        }
        let Ok(id) = ChildId::parse(&key) else {
            loaded.set(Some(Ok(Loaded::Missing)));
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = store
                .view_of_child(id)
                .await
                .map_err(|e| e.0)
                .map(|records| {
                    match overview(records, super::caseload::today())
                        .into_iter()
                        .next()
                    {
                        Some(o) => Loaded::Existing {
                            child: o.child,
                            placements: o.placements,
                        },
                        None => Loaded::Missing,
                    }
                });
            loaded.set(Some(result));
        });
    });
    let manager = move || {
        ctx.user
            .with(|u| u.as_ref().is_some_and(|u| edits_register(u.role)))
    };
    view! {
        <p><A href="/hemregister" attr:class="back">"← Hemregister"</A></p>
        <Show when=manager fallback=|| view! {
            <p role="alert">"Barn och placeringar läggs in av gruppledare och enhetschefer."</p>
        }>
            <NeedsNetwork/>
            {move || match loaded.get() {
                None => view! { <p class="muted">"Laddar…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(Loaded::Missing)) => view! { <p>"Barnet finns inte på den här enheten. Synka och försök igen."</p> }.into_any(),
                Some(Ok(Loaded::New)) => view! { <ChildEditor child=None placements=Vec::new()/> }.into_any(),
                Some(Ok(Loaded::Existing { child, placements })) => view! {
                    <ChildEditor child=Some(child) placements/>
                }.into_any(),
            }}
        </Show>
    }
}

#[component]
fn ChildEditor(child: Option<Child>, placements: Vec<Placement>) -> impl IntoView {
    let ctx = ctx();
    let navigate = use_navigate();
    let is_new = child.is_none();
    let id = child.as_ref().map_or_else(ChildId::new_random, |c| c.id);
    let units = ctx
        .user
        .with_untracked(|u| u.as_ref().map(|u| u.units.clone()))
        .unwrap_or_default();
    let unit = RwSignal::new(
        child
            .as_ref()
            .and_then(|c| c.unit_id)
            .or_else(|| units.first().map(|u| u.id))
            .map(|u| u.to_string())
            .unwrap_or_default(),
    );
    let form = child.as_ref().map(ChildForm::of).unwrap_or_default();
    let given = RwSignal::new(form.given_name);
    let family = RwSignal::new(form.family_name);
    let birth = RwSignal::new(form.birth_date);
    let sex = RwSignal::new(form.sex);
    let disability = RwSignal::new(form.has_disability);
    let external = RwSignal::new(form.external_id);
    let state = RwSignal::new(SaveState::Idle);
    let saved_child = RwSignal::new(child.clone());

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = ChildForm {
            given_name: given.get_untracked(),
            family_name: family.get_untracked(),
            birth_date: birth.get_untracked(),
            sex: sex.get_untracked(),
            has_disability: disability.get_untracked(),
            external_id: external.get_untracked(),
        };
        let unit_id = UnitId::parse(&unit.get_untracked()).ok();
        let child = match typed.parse(id, unit_id, super::caseload::today()) {
            Ok(c) => c,
            Err(e) => return state.set(SaveState::Failed(e.text())),
        };
        state.set(SaveState::Saving);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).save_child(&child).await {
                Ok(saved) => {
                    saved_child.set(Some(saved));
                    state.set(saved_now("Barnet"));
                    sync_ctl::request_sync(ctx);
                    if is_new {
                        navigate(&format!("/register/barn/{id}"), Default::default());
                    }
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let title = child.as_ref().map_or_else(
        || "Lägg till barn".to_owned(),
        |c| format!("Ändra {}", c.full_name()),
    );
    let has_many_units = units.len() > 1;
    view! {
        <h1>{title}</h1>
        {child.as_ref().map(|c| view! {
            <p><A href=format!("/barn/{}", c.id)>"Till barnets sida"</A></p>
        })}
        <section class="card" aria-labelledby="child-h">
            <h2 id="child-h">"Barnet"</h2>
            <p class="muted">"Personnumret sparas aldrig här. Ange barnets id i verksamhetssystemet."</p>
            <form class="form" on:submit=save novalidate>
                <div class="form__row">
                    <TextField label="Förnamn" value=given/>
                    <TextField label="Efternamn" value=family/>
                    <TextField label="Födelsedatum" value=birth kind="date"/>
                    <TextField label="Id i verksamhetssystemet" value=external hint="Till exempel BARN-0001"/>
                </div>
                <fieldset class="field">
                    <legend>"Kön"</legend>
                    <div class="choices">
                        {Sex::ALL.into_iter().map(|s| view! {
                            <label class="choice">
                                <input type="radio" name="sex" prop:checked=move || sex.get() == s
                                    on:change=move |_| sex.set(s)/>
                                {s.label_sv()}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || disability.get()
                        on:change=move |ev| disability.set(event_target_checked(&ev))/>
                    "Barnet har en funktionsnedsättning (ger checklistans punkter om funktionsnedsättning)"
                </label>
                {has_many_units.then(|| view! {
                    <label class="field">
                        <span>"Enhet"</span>
                        <select on:change=move |ev| unit.set(event_target_value(&ev))>
                            {units.iter().map(|u| {
                                let value = u.id.to_string();
                                let v = value.clone();
                                view! { <option value=value selected=move || unit.get() == v>{u.name.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <div class="form__actions">
                    <button type="submit" class="button"
                        disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                        {if is_new { "Lägg till barnet" } else { "Spara barnet" }}
                    </button>
                    <SaveLine state/>
                </div>
            </form>
        </section>
        {move || saved_child.get().map(|c| view! {
            <Workers child_id=c.id/>
            <Placements child_id=c.id placements=placements.clone()/>
        })}
    }
}

/// The child's responsible workers, chosen among the unit's people. The
/// current ones are fetched first and ticked; saving replaces the whole
/// list, so it is not offered until they are known.
#[component]
fn Workers(child_id: ChildId) -> impl IntoView {
    let ctx = ctx();
    let colleagues = RwSignal::new(None::<Result<Vec<RegisterColleague>, String>>);
    let current = RwSignal::new(CurrentWorkers::Loading);
    let chosen = RwSignal::new(Vec::<shared::UserId>::new());
    let state = RwSignal::new(SaveState::Idle);
    Effect::new(move |_| {
        if !ctx.online.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = HttpTransport::new(store).register_colleagues().await;
            colleagues.set(Some(result.map_err(|f| f.text())));
        });
        // Once known, the list stays: fetching again would undo the ticks.
        if matches!(current.get_untracked(), CurrentWorkers::Known(_)) {
            return;
        }
        current.set(CurrentWorkers::Loading);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).register_workers(child_id).await {
                Ok(answer) => {
                    chosen.set(answer.workers.clone());
                    current.set(CurrentWorkers::Known(answer.workers));
                }
                Err(f) => current.set(CurrentWorkers::Failed(f.text())),
            }
        });
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(why) = current.with_untracked(CurrentWorkers::why_not_saved) {
            return state.set(SaveState::Failed(why));
        }
        let request = WorkersRequest {
            workers: chosen.get_untracked(),
        };
        if request.workers.is_empty() {
            return state.set(SaveState::Failed(
                "Välj minst en ansvarig socialsekreterare.".into(),
            ));
        }
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store)
                .save_workers(child_id, &request)
                .await
            {
                Ok(()) => {
                    current.set(CurrentWorkers::Known(request.workers));
                    state.set(saved_now("Ansvariga"));
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let why_not = move || current.with(CurrentWorkers::why_not_saved);
    view! {
        <section class="card" aria-labelledby="workers-h">
            <h2 id="workers-h">"Ansvariga socialsekreterare"</h2>
            <p class="muted">"De valda får barnet i sin lista vid nästa synk. Det du sparar ersätter tidigare val."</p>
            {move || match colleagues.get() {
                None => view! { <p class="muted" role="status">"Hämtar enhetens medarbetare…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <form class="form" on:submit=save novalidate>
                        <fieldset class="field">
                            <legend>"Välj ansvariga"</legend>
                            <div class="choices choices--stacked">
                                {move || {
                                    let known = match current.get() {
                                        CurrentWorkers::Known(ids) => ids,
                                        _ => Vec::new(),
                                    };
                                    worker_choices(&list, &known).into_iter().map(|c| {
                                        let id = c.id;
                                        view! {
                                            <label class="choice">
                                                <input type="checkbox" prop:checked=move || chosen.with(|v| v.contains(&id))
                                                    prop:disabled=move || why_not().is_some()
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        chosen.update(|v| {
                                                            v.retain(|x| *x != id);
                                                            if on { v.push(id); }
                                                        });
                                                    }/>
                                                {c.label}
                                            </label>
                                        }
                                    }).collect_view()
                                }}
                            </div>
                        </fieldset>
                        {move || why_not().map(|why| {
                            let loading = current.with(|c| *c == CurrentWorkers::Loading);
                            if loading {
                                view! { <p class="muted" role="status" data-testid="workers-not-saved">{why}</p> }.into_any()
                            } else {
                                view! { <p class="error" role="alert" data-testid="workers-not-saved">{why}</p> }.into_any()
                            }
                        })}
                        <div class="form__actions">
                            <button type="submit" class="button"
                                disabled=move || state.get() == SaveState::Saving || !ctx.online.get() || why_not().is_some()>
                                "Spara ansvariga"
                            </button>
                            <SaveLine state/>
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// The child's placements: each can be edited (until it is closed), and a
/// new one added, its home chosen from the register.
#[component]
fn Placements(child_id: ChildId, placements: Vec<Placement>) -> impl IntoView {
    let ctx = ctx();
    let homes = RwSignal::new(None::<Result<Vec<HomeEntry>, String>>);
    Effect::new(move |_| {
        if ctx.online.get() || homes.with_untracked(Option::is_none) {
            load_homes(ctx, homes);
        }
    });
    let list = RwSignal::new(placements);
    let adding = RwSignal::new(false);
    let added = RwSignal::new(SaveState::Idle);
    view! {
        <section class="card" aria-labelledby="placements-h">
            <h2 id="placements-h">"Placeringar"</h2>
            {move || match homes.get() {
                None => Some(view! { <p class="muted" role="status">"Hämtar hemregistret…"</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
                Some(Ok(_)) => None,
            }}
            {move || list.get().into_iter().map(|p| view! {
                <PlacementEditor child_id placement=Some(p) homes list added adding/>
            }).collect_view()}
            <Show when=move || adding.get() fallback=move || view! {
                <button type="button" class="button button--secondary" on:click=move |_| { added.set(SaveState::Idle); adding.set(true); }>
                    "Ny placering"
                </button>
            }>
                <PlacementEditor child_id placement=None homes list added adding/>
            </Show>
            <SaveLine state=added/>
        </section>
    }
}

#[component]
fn PlacementEditor(
    child_id: ChildId,
    placement: Option<Placement>,
    homes: RwSignal<Option<Result<Vec<HomeEntry>, String>>>,
    list: RwSignal<Vec<Placement>>,
    /// Where a new placement says it was saved (its form closes).
    added: RwSignal<SaveState>,
    adding: RwSignal<bool>,
) -> impl IntoView {
    let ctx = ctx();
    let closed = placement.as_ref().is_some_and(|p| p.end_date.is_some());
    let is_existing = placement.is_some();
    let open = RwSignal::new(placement.is_none());
    let id = placement
        .as_ref()
        .map_or_else(PlacementId::new_random, |p| p.id);
    let form = placement.as_ref().map_or_else(
        || PlacementForm::new(super::caseload::today()),
        PlacementForm::of,
    );
    let home = RwSignal::new(form.home);
    let basis = RwSignal::new(form.legal_basis);
    let start = RwSignal::new(form.start_date);
    let decision_date = RwSignal::new(form.decision_date);
    let decided_by = RwSignal::new(form.decided_by);
    let until = RwSignal::new(form.decision_until);
    let considered = RwSignal::new(form.last_consideration);
    let external = RwSignal::new(form.external_id);
    let state = RwSignal::new(SaveState::Idle);
    let before = placement.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = PlacementForm {
            home: home.get_untracked(),
            legal_basis: basis.get_untracked(),
            start_date: start.get_untracked(),
            decision_date: decision_date.get_untracked(),
            decided_by: decided_by.get_untracked(),
            decision_until: until.get_untracked(),
            last_consideration: considered.get_untracked(),
            external_id: external.get_untracked(),
        };
        let registered = homes.with_untracked(|h| match h {
            Some(Ok(list)) => list.clone(),
            _ => Vec::new(),
        });
        let placement = match typed.parse(id, child_id, &registered, before.as_ref()) {
            Ok(p) => p,
            Err(e) => return state.set(SaveState::Failed(e.text())),
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).save_placement(&placement).await {
                Ok(saved) => {
                    list.update(|l| match l.iter_mut().find(|p| p.id == saved.id) {
                        Some(p) => *p = saved.clone(),
                        None => l.insert(0, saved.clone()),
                    });
                    if is_existing {
                        state.set(saved_now("Placeringen"));
                    } else {
                        state.set(SaveState::Idle);
                        added.set(saved_now("Placeringen"));
                        adding.set(false);
                    }
                    sync_ctl::request_sync(ctx);
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let summary = placement.as_ref().map(|p| {
        format!(
            "{} · {} · {} · från {}{}",
            p.kind.label_sv(),
            p.home_name,
            p.legal_basis.label_sv(),
            p.start_date,
            p.end_date
                .map(|d| format!(", avslutad {d}"))
                .unwrap_or_default()
        )
    });
    let chosen_flags = move || {
        let id = home.get();
        homes.with(|h| match h {
            Some(Ok(list)) => list
                .iter()
                .find(|e| e.home.id.to_string() == id)
                .map(flags)
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    };
    view! {
        <div class="placement-editor" data-testid="placement-editor">
            {summary.map(|s| view! {
                <p><strong>{s}</strong></p>
                {placement.as_ref().map(|p| view! { <p class="muted">{crate::decisions::decision_text(p)}</p> })}
            })}
            {closed.then(|| view! { <p class="muted">"Placeringen är avslutad och signerad. Den kan inte ändras."</p> })}
            <Show when=move || open.get() && !closed fallback=move || (!closed).then(|| view! {
                <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                    "Ändra placeringen"
                </button>
            })>
                <form class="form" on:submit=save.clone() novalidate>
                    <label class="field">
                        <span>"Hem ur registret"</span>
                        <small class="muted">"Flaggade hem är markerade med ⚠ och skälet."</small>
                        <select on:change=move |ev| home.set(event_target_value(&ev))>
                            <option value="" selected=move || home.get().is_empty()>
                                {if is_existing { "Behåll nuvarande hem" } else { "Välj hem" }}
                            </option>
                            {move || homes.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|e| {
                                let value = e.home.id.to_string();
                                let v = value.clone();
                                view! {
                                    <option value=value selected=move || home.get() == v>{choice_label(&e)}</option>
                                }
                            }).collect_view()}
                        </select>
                    </label>
                    {move || {
                        let reasons = chosen_flags();
                        (!reasons.is_empty()).then(|| view! {
                            <div class="warning" role="note" data-testid="chosen-home-flags">
                                <strong>"Hemmet är flaggat: "</strong>
                                {reasons.join("; ")}
                            </div>
                        })
                    }}
                    <div class="form__row">
                        <label class="field">
                            <span>"Lagrum"</span>
                            <select on:change=move |ev| basis.set(if event_target_value(&ev) == "lvu" { LegalBasis::Lvu } else { LegalBasis::SoL })>
                                <option value="sol" selected=move || basis.get() == LegalBasis::SoL>"SoL"</option>
                                <option value="lvu" selected=move || basis.get() == LegalBasis::Lvu>"LVU"</option>
                            </select>
                        </label>
                        <TextField label="Placerad från" value=start kind="date"/>
                        <TextField label="Beslutsdatum" value=decision_date kind="date"/>
                        <TextField label="Beslut fattat av" value=decided_by hint="Namn eller nämnd"/>
                        <TextField label="Beslutet gäller till" value=until kind="date"/>
                        <TextField label="Senaste övervägande" value=considered kind="date"/>
                        <TextField label="Placeringens id i verksamhetssystemet" value=external/>
                    </div>
                    <div class="form__actions">
                        <button type="submit" class="button"
                            disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                            "Spara placeringen"
                        </button>
                        <SaveLine state/>
                    </div>
                </form>
            </Show>
        </div>
    }
}
