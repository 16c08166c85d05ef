//! Adding and editing a child, the child's workers and placements
//! (group leaders and unit managers). Online only: each save goes to the
//! server, which writes a feed change the devices get with their next sync.

use super::register::{
    failed, load_homes, saved_now, NeedsNetwork, SaveLine, SaveState, Saved, TextField,
};
use super::{ctx, language, store, sync_ctl};
use crate::caseload::overview;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
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
    let i18n = use_i18n();
    view! {
        <p><A href="/hemregister" attr:class="back">{t!(i18n, register.home.back)}</A></p>
        <Show when=manager fallback=move || view! {
            <p role="alert">{t!(i18n, register.child.managers_only)}</p>
        }>
            <NeedsNetwork/>
            {move || match loaded.get() {
                None => view! { <p class="muted">{t!(i18n, register.child.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(Loaded::Missing)) => view! { <p>{t!(i18n, register.child.missing)}</p> }.into_any(),
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
    let i18n = use_i18n();
    let language = language::reader();

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
        let child = match typed.parse(id, unit_id, super::caseload::today(), language::now()) {
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
                    state.set(saved_now(Saved::Child));
                    sync_ctl::request_sync(ctx);
                    if is_new {
                        navigate(&format!("/register/barn/{id}"), Default::default());
                    }
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let full_name = child.as_ref().map(Child::full_name);
    let title = move || match &full_name {
        None => t_string!(i18n, register.child.title_new).to_owned(),
        Some(name) => t_string!(i18n, register.child.title_edit, name = name.clone()),
    };
    let has_many_units = units.len() > 1;
    view! {
        <h1>{title}</h1>
        {child.as_ref().map(|c| view! {
            <p><A href=format!("/barn/{}", c.id)>{t!(i18n, register.child.to_child_page)}</A></p>
        })}
        <section class="card" aria-labelledby="child-h">
            <h2 id="child-h">{t!(i18n, register.child.section)}</h2>
            <p class="muted">{t!(i18n, register.child.no_personal_identity_number)}</p>
            <form class="form" on:submit=save novalidate>
                <div class="form__row">
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.given_name)) value=given/>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.family_name)) value=family/>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.birth_date)) value=birth kind="date"/>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.external_id)) value=external hint=Signal::derive(move || t_string!(i18n, register.child.external_id_hint))/>
                </div>
                <fieldset class="field">
                    <legend>{t!(i18n, register.child.sex)}</legend>
                    <div class="choices">
                        {Sex::ALL.into_iter().map(|s| view! {
                            <label class="choice">
                                <input type="radio" name="sex" prop:checked=move || sex.get() == s
                                    on:change=move |_| sex.set(s)/>
                                {move || s.label(language())}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || disability.get()
                        on:change=move |ev| disability.set(event_target_checked(&ev))/>
                    {t!(i18n, register.child.disability)}
                </label>
                {has_many_units.then(|| view! {
                    <label class="field">
                        <span>{t!(i18n, register.child.unit)}</span>
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
                        {move || if is_new { t_string!(i18n, register.child.add) } else { t_string!(i18n, register.child.save) }}
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
    let i18n = use_i18n();
    let language = language::reader();
    Effect::new(move |_| {
        if !ctx.online.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = HttpTransport::new(store).register_colleagues().await;
            colleagues.set(Some(result.map_err(|f| f.text_in(language::now()))));
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
                Err(f) => current.set(CurrentWorkers::Failed(f.text_in(language::now()))),
            }
        });
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(why) = current.with_untracked(|c| c.why_not_saved(language::now())) {
            return state.set(SaveState::Failed(why));
        }
        let request = WorkersRequest {
            workers: chosen.get_untracked(),
        };
        if request.workers.is_empty() {
            let locale = language::now().locale();
            return state.set(SaveState::Failed(
                td_string!(locale, register.workers.choose_one).to_owned(),
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
                    state.set(saved_now(Saved::Workers));
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let why_not = move || {
        let language = language();
        current.with(|c| c.why_not_saved(language))
    };
    view! {
        <section class="card" aria-labelledby="workers-h">
            <h2 id="workers-h">{t!(i18n, register.workers.title)}</h2>
            <p class="muted">{t!(i18n, register.workers.intro)}</p>
            {move || match colleagues.get() {
                None => view! { <p class="muted" role="status">{t!(i18n, register.workers.loading_colleagues)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <form class="form" on:submit=save novalidate>
                        <fieldset class="field">
                            <legend>{t!(i18n, register.workers.choose)}</legend>
                            <div class="choices choices--stacked">
                                {move || {
                                    let known = match current.get() {
                                        CurrentWorkers::Known(ids) => ids,
                                        _ => Vec::new(),
                                    };
                                    worker_choices(&list, &known, language()).into_iter().map(|c| {
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
                                {t!(i18n, register.workers.save)}
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
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="placements-h">
            <h2 id="placements-h">{t!(i18n, register.placement.title)}</h2>
            {move || match homes.get() {
                None => Some(view! { <p class="muted" role="status">{t!(i18n, register.placement.loading_homes)}</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
                Some(Ok(_)) => None,
            }}
            {move || list.get().into_iter().map(|p| view! {
                <PlacementEditor child_id placement=Some(p) homes list added adding/>
            }).collect_view()}
            <Show when=move || adding.get() fallback=move || view! {
                <button type="button" class="button button--secondary" on:click=move |_| { added.set(SaveState::Idle); adding.set(true); }>
                    {t!(i18n, register.placement.new)}
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
    let i18n = use_i18n();
    let language = language::reader();
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
        let placement =
            match typed.parse(id, child_id, &registered, before.as_ref(), language::now()) {
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
                        state.set(saved_now(Saved::Placement));
                    } else {
                        state.set(SaveState::Idle);
                        added.set(saved_now(Saved::Placement));
                        adding.set(false);
                    }
                    sync_ctl::request_sync(ctx);
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let summary = placement.clone().map(|p| {
        move || {
            let language = language();
            let locale = language.locale();
            let (kind, home, basis) = (
                p.kind.label(language),
                p.home_name.to_string(),
                p.legal_basis.label(language),
            );
            let start = language.date(p.start_date);
            match p.end_date {
                None => td_string!(locale, register.placement.summary, kind, home, basis, start),
                Some(end) => {
                    let end = language.date(end);
                    td_string!(
                        locale,
                        register.placement.summary_ended,
                        kind,
                        home,
                        basis,
                        start,
                        end
                    )
                }
            }
        }
    });
    let chosen_flags = move || {
        let id = home.get();
        let language = language();
        homes.with(|h| match h {
            Some(Ok(list)) => list
                .iter()
                .find(|e| e.home.id.to_string() == id)
                .map(|e| flags(e, language))
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    };
    view! {
        <div class="placement-editor" data-testid="placement-editor">
            {summary.map(|s| view! {
                <p><strong>{s}</strong></p>
                {placement.as_ref().map(|p| view! { <p class="muted">{crate::decisions::decision_text(p, crate::ui::language::current())}</p> })}
            })}
            {closed.then(|| view! { <p class="muted">{t!(i18n, register.placement.closed)}</p> })}
            <Show when=move || open.get() && !closed fallback=move || (!closed).then(|| view! {
                <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                    {t!(i18n, register.placement.edit)}
                </button>
            })>
                <form class="form" on:submit=save.clone() novalidate>
                    <label class="field">
                        <span>{t!(i18n, register.placement.home)}</span>
                        <small class="muted">{t!(i18n, register.placement.flagged_hint)}</small>
                        <select on:change=move |ev| home.set(event_target_value(&ev))>
                            <option value="" selected=move || home.get().is_empty()>
                                {move || if is_existing { t_string!(i18n, register.placement.keep_home) } else { t_string!(i18n, register.placement.choose_home) }}
                            </option>
                            {move || homes.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|e| {
                                let value = e.home.id.to_string();
                                let v = value.clone();
                                view! {
                                    <option value=value selected=move || home.get() == v>{choice_label(&e, language())}</option>
                                }
                            }).collect_view()}
                        </select>
                    </label>
                    {move || {
                        let reasons = chosen_flags();
                        (!reasons.is_empty()).then(|| view! {
                            <div class="warning" role="note" data-testid="chosen-home-flags">
                                <strong>{t!(i18n, register.placement.home_flagged)}" "</strong>
                                {reasons.join("; ")}
                            </div>
                        })
                    }}
                    <div class="form__row">
                        <label class="field">
                            <span>{t!(i18n, register.placement.legal_basis)}</span>
                            <select on:change=move |ev| basis.set(if event_target_value(&ev) == "lvu" { LegalBasis::Lvu } else { LegalBasis::SoL })>
                                <option value="sol" selected=move || basis.get() == LegalBasis::SoL>"SoL"</option>
                                <option value="lvu" selected=move || basis.get() == LegalBasis::Lvu>"LVU"</option>
                            </select>
                        </label>
                        <TextField label=Signal::derive(move || t_string!(i18n, register.field.start_date)) value=start kind="date"/>
                        <TextField label=Signal::derive(move || t_string!(i18n, register.field.decision_date)) value=decision_date kind="date"/>
                        <TextField label=Signal::derive(move || t_string!(i18n, register.field.decided_by)) value=decided_by hint=Signal::derive(move || t_string!(i18n, register.placement.decided_by_hint))/>
                        <TextField label=Signal::derive(move || t_string!(i18n, register.field.decision_until)) value=until kind="date"/>
                        <TextField label=Signal::derive(move || t_string!(i18n, register.field.last_consideration)) value=considered kind="date"/>
                        <TextField label=Signal::derive(move || t_string!(i18n, register.field.placement_external_id)) value=external/>
                    </div>
                    <div class="form__actions">
                        <button type="submit" class="button"
                            disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                            {t!(i18n, register.placement.save)}
                        </button>
                        <SaveLine state/>
                    </div>
                </form>
            </Show>
        </div>
    }
}
