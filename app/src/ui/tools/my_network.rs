//! Mitt nätverk: the child in the middle of three rings, and the people who
//! matter, dragged near or far. A list with a ring to choose per person
//! does the same without dragging.

use super::{focus_when_shown, Announcer, OnDone, ReadAloud};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::child_mode::{capture_pointer, grid_point_in};
use crate::tools::{NetworkState, CHILD_RADIUS, RING_EDGES};
use crate::ui::form::ErrorLine;
use crate::ui::language;
use leptos::prelude::*;
use shared::conversation::{Closeness, CANVAS};
use shared::PersonName;

const RINGS: [Closeness; 3] = [Closeness::Close, Closeness::Middle, Closeness::Far];
/// Keeps a dragged name on the board (grid units from the edge).
const EDGE: u16 = 60;

fn ring_key(ring: Closeness) -> &'static str {
    match ring {
        Closeness::Close => "close",
        Closeness::Middle => "middle",
        Closeness::Far => "far",
    }
}

fn percent(coordinate: u16) -> String {
    format!("{:.1}%", f64::from(coordinate) * 100.0 / f64::from(CANVAS))
}

#[component]
pub(super) fn MyNetworkTool(state: RwSignal<NetworkState>, on_done: OnDone) -> impl IntoView {
    let heading = NodeRef::new();
    focus_when_shown(heading);
    let i18n = use_i18n();
    let language = language::reader();
    let say = Announcer::get();
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let board = NodeRef::<leptos::html::Div>::new();
    // The person being dragged, and by which pointer.
    let dragging = RwSignal::new(None::<(u32, i32)>);
    let intro = Signal::derive(move || t_string!(i18n, tools.network.intro).to_owned());

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = name.get_untracked();
        match state.try_update(|s| s.add(&typed)) {
            Some(Ok(_)) => {
                name.set(String::new());
                problem.set(None);
                say.say(
                    td_string!(
                        language::now().locale(),
                        tools.network.added,
                        name = typed.trim()
                    )
                    .to_string(),
                );
            }
            Some(Err(e)) => problem.set(Some(e.message(language::now()).to_owned())),
            None => {}
        }
    };
    let where_is = move |id: u32| {
        state.with_untracked(|s| {
            s.person(id).map(|p| {
                let language = language::now();
                td_string!(
                    language.locale(),
                    tools.network.is_now,
                    name = &p.name,
                    ring = p.closeness().label(language)
                )
                .to_string()
            })
        })
    };
    let people = move || {
        state.with(|s| {
            s.people()
                .iter()
                .map(|p| (p.id, p.name.clone()))
                .collect::<Vec<_>>()
        })
    };

    let chip = move |id: u32, person: PersonName| {
        let position = move || {
            state
                .with(|s| s.person(id).map(|p| p.position))
                .unwrap_or([0, 0])
        };
        let held = move |ev: &leptos::ev::PointerEvent| {
            dragging.get_untracked() == Some((id, ev.pointer_id()))
        };
        let release = move |ev: leptos::ev::PointerEvent| {
            if held(&ev) {
                dragging.set(None);
                if let Some(text) = where_is(id) {
                    say.say(text);
                }
            }
        };
        view! {
            <div class=move || if dragging.get().is_some_and(|(d, _)| d == id) { "cm-chip cm-chip--dragging" } else { "cm-chip" }
                style:left=move || percent(position()[0])
                style:top=move || percent(position()[1])
                on:pointerdown=move |ev| {
                    ev.prevent_default();
                    capture_pointer(&ev);
                    dragging.set(Some((id, ev.pointer_id())));
                }
                on:pointermove=move |ev| {
                    if !held(&ev) {
                        return;
                    }
                    if let Some(b) = board.get_untracked() {
                        let point = grid_point_in(&ev, &b).map(|c| c.clamp(EDGE, CANVAS - EDGE));
                        state.update(|s| s.move_to(id, point));
                    }
                }
                on:pointerup=release
                on:pointercancel=release>
                {person.to_string()}
            </div>
        }
    };

    let half = f64::from(CANVAS) / 2.0;
    view! {
        <section class="cm-screen" aria-labelledby="cm-network-h">
            <div class="cm-prompt">
                <h2 id="cm-network-h" tabindex="-1" node_ref=heading>{t!(i18n, tools.network.heading)}</h2>
                <ReadAloud text=intro/>
            </div>
            <p class="cm-lead">{t!(i18n, tools.network.intro)}</p>
            <form class="cm-add" on:submit=add novalidate>
                <label class="cm-field">
                    <span>{t!(i18n, tools.network.who_to_add)}</span>
                    <input type="text" autocomplete="off" maxlength=PersonName::MAX_CHARS.to_string()
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="cm-button">{t!(i18n, tools.network.add)}</button>
            </form>
            <ErrorLine error=problem/>
            <div class="cm-network">
                // Dragging is for fingers; the list beside it says the same
                // and does the same for keyboards and screen readers.
                <div class="cm-board" node_ref=board aria-hidden="true" data-testid="network-board">
                    <svg class="cm-board__rings" viewBox="0 0 1000 1000" focusable="false">
                        {RINGS.into_iter().rev().map(|ring| {
                            let edge = RING_EDGES.iter().find(|(r, _)| *r == ring).map_or(1.0, |(_, e)| *e);
                            view! {
                                <circle class=format!("cm-ring cm-ring--{}", ring_key(ring))
                                    cx="500" cy="500" r=(edge * half).to_string()/>
                            }
                        }).collect_view()}
                        {RINGS.into_iter().zip([0.0, 0.4, 0.75]).zip(RING_EDGES).map(|((ring, inner), (_, outer))| {
                            let y = half - (inner + (outer - inner) * 0.55) * half;
                            view! {
                                <text class="cm-ring__label" x="500" y=format!("{y:.0}") text-anchor="middle">
                                    {move || ring.label(language())}
                                </text>
                            }
                        }).collect_view()}
                        <circle class="cm-ring__me" cx="500" cy="500" r=(CHILD_RADIUS * half).to_string()/>
                        <text class="cm-ring__me-label" x="500" y="512" text-anchor="middle">{t!(i18n, tools.network.me)}</text>
                    </svg>
                    <For each=people key=|(id, _)| *id children=move |(id, person)| chip(id, person)/>
                </div>
                <div class="cm-people">
                    <h3>{t!(i18n, tools.network.people)}</h3>
                    {move || people().is_empty().then(|| view! { <p class="muted">{t!(i18n, tools.network.none_yet)}</p> })}
                    <ul>
                        <For each=people key=|(id, _)| *id children=move |(id, person)| {
                            let name = person.to_string();
                            let (asked, removed) = (name.clone(), name.clone());
                            let ring = move || state.with(|s| s.person(id).map(|p| p.closeness()));
                            view! {
                                <li class="cm-person">
                                    <label class="cm-field">
                                        <span>{move || t_string!(i18n, tools.network.how_close, name = &asked).to_string()}</span>
                                        <select
                                            on:change=move |ev| {
                                                let chosen = event_target_value(&ev);
                                                if let Some(ring) = RINGS.into_iter().find(|r| ring_key(*r) == chosen) {
                                                    state.update(|s| s.put_in_ring(id, ring));
                                                    if let Some(text) = where_is(id) {
                                                        say.say(text);
                                                    }
                                                }
                                            }>
                                            {RINGS.into_iter().map(|r| view! {
                                                <option value=ring_key(r) prop:selected=move || ring() == Some(r)>
                                                    {move || r.label(language())}
                                                </option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <button type="button" class="cm-button cm-button--secondary"
                                        on:click=move |_| {
                                            state.update(|s| s.remove(id));
                                            say.say(
                                                td_string!(
                                                    language::now().locale(),
                                                    tools.network.removed,
                                                    name = &removed
                                                )
                                                .to_string(),
                                            );
                                        }>
                                        {move || t_string!(i18n, tools.network.remove, name = &name).to_string()}
                                    </button>
                                </li>
                            }
                        }/>
                    </ul>
                </div>
            </div>
            <div class="cm-actions">
                <button type="button" class="cm-button"
                    on:click=move |_| on_done.run(state.with_untracked(NetworkState::result))>
                    {t!(i18n, tools.i_am_done)}
                </button>
            </div>
        </section>
    }
}
