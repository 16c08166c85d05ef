//! Tre hus: the house of worries, of good things and of dreams, each with
//! room to write and to draw with a finger.

use super::{focus_when_shown, Announcer, OnDone, ReadAloud};
use crate::platform::child_mode::{capture_pointer, draw, grid_point, redraw};
use crate::tools::HousesState;
use crate::ui::form::ErrorLine;
use leptos::prelude::*;
use shared::conversation::{House, CANVAS};
use shared::VisitNote;

fn house_class(house: House) -> &'static str {
    match house {
        House::Worries => "cm-house cm-house--worries",
        House::GoodThings => "cm-house cm-house--good",
        House::Dreams => "cm-house cm-house--dreams",
    }
}

#[component]
pub(super) fn ThreeHousesTool(state: RwSignal<HousesState>, on_done: OnDone) -> impl IntoView {
    let open = RwSignal::new(None::<House>);
    move || match open.get() {
        None => view! { <Houses state open on_done/> }.into_any(),
        Some(house) => view! { <HouseRoom house state open/> }.into_any(),
    }
}

/// The three houses side by side.
#[component]
fn Houses(
    state: RwSignal<HousesState>,
    open: RwSignal<Option<House>>,
    on_done: OnDone,
) -> impl IntoView {
    let heading = NodeRef::new();
    focus_when_shown(heading);
    let error = RwSignal::new(None::<String>);
    let done = move |_| match state.with_untracked(HousesState::result) {
        Ok(result) => on_done.run(result),
        Err(_) => error.set(Some(
            "Texten är för lång. Ta bort lite och försök igen.".into(),
        )),
    };
    view! {
        <section class="cm-screen" aria-labelledby="cm-houses-h">
            <div class="cm-prompt">
                <h2 id="cm-houses-h" tabindex="-1" node_ref=heading>"Tre hus"</h2>
                <ReadAloud text="Tre hus. Tryck på ett hus för att skriva eller rita i det.".to_owned()/>
            </div>
            <p class="cm-lead">"Tryck på ett hus för att skriva eller rita i det."</p>
            <ul class="cm-houses">
                {House::ALL.into_iter().map(|house| {
                    let filled = state.with_untracked(|s| s.has_content(house));
                    view! {
                        <li>
                            <button type="button" class=house_class(house) on:click=move |_| open.set(Some(house))>
                                <HouseIcon house/>
                                <span class="cm-house__name">{house.label_sv()}</span>
                                <span class="cm-house__state">
                                    {if filled { "✓ Du har skrivit eller ritat här" } else { "Tomt än så länge" }}
                                </span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ErrorLine error=error/>
            <div class="cm-actions">
                <button type="button" class="cm-button" on:click=done>"Jag är klar"</button>
            </div>
        </section>
    }
}

/// A house drawn with a sign on its front: a cloud, a heart or a star, so
/// the houses differ by more than their colour.
#[component]
fn HouseIcon(house: House) -> impl IntoView {
    let sign = match house {
        House::Worries => view! {
            <path class="cm-house__sign" d="M38 64 a8 8 0 0 1 4 -15 a11 11 0 0 1 20 -2 a8 8 0 0 1 2 17 z"/>
        }
        .into_any(),
        House::GoodThings => view! {
            <path class="cm-house__sign" d="M50 70 C30 56 36 42 44 44 C48 45 50 49 50 49 C50 49 52 45 56 44 C64 42 70 56 50 70 Z"/>
        }
        .into_any(),
        House::Dreams => view! {
            <path class="cm-house__sign" d="M50 42 L54 54 L67 54 L57 62 L61 74 L50 67 L39 74 L43 62 L33 54 L46 54 Z"/>
        }
        .into_any(),
    };
    view! {
        <svg class="cm-house__icon" viewBox="0 0 100 90" aria-hidden="true" focusable="false">
            <path class="cm-house__roof" d="M6 40 L50 6 L94 40 Z"/>
            <rect class="cm-house__wall" x="16" y="38" width="68" height="48" rx="3"/>
            {sign}
        </svg>
    }
}

/// One house opened: its question, a place to write and a place to draw.
#[component]
fn HouseRoom(
    house: House,
    state: RwSignal<HousesState>,
    open: RwSignal<Option<House>>,
) -> impl IntoView {
    let heading = NodeRef::new();
    focus_when_shown(heading);
    let say = Announcer::get();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    // The finger that draws; a second one (a palm, a friend) is ignored
    // until it lifts.
    let active = StoredValue::new(None::<i32>);
    // Drawn imperatively: the strokes change with every finger move, and
    // the canvas redraws only when the house opens or is wiped.
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            state.with_untracked(|s| redraw(&c, s.sketch(house).strokes()));
        }
    });
    let prompt = house.prompt_sv();
    let spoken = format!("{}. {}", house.label_sv(), prompt);

    let down = move |ev: leptos::ev::PointerEvent| {
        ev.prevent_default();
        if active.get_value().is_some() {
            return;
        }
        capture_pointer(&ev);
        let Some(point) = grid_point(&ev) else { return };
        active.set_value(Some(ev.pointer_id()));
        let began = state
            .try_update_untracked(|s| s.sketch_mut(house).begin(point))
            .unwrap_or(false);
        match (began, canvas.get_untracked()) {
            (true, Some(c)) => draw(&c, None, point),
            (false, _) => say.say("Teckningen är full. Tryck på Sudda för att rita en ny."),
            _ => {}
        }
    };
    let moved = move |ev: leptos::ev::PointerEvent| {
        if active.get_value() != Some(ev.pointer_id()) {
            return;
        }
        let Some(point) = grid_point(&ev) else { return };
        let from = state
            .try_update_untracked(|s| s.sketch_mut(house).extend(point))
            .flatten();
        if let (Some(from), Some(c)) = (from, canvas.get_untracked()) {
            draw(&c, Some(from), point);
        }
    };
    let up = move |ev: leptos::ev::PointerEvent| {
        if active.get_value() == Some(ev.pointer_id()) {
            active.set_value(None);
            state.update_untracked(|s| s.sketch_mut(house).end());
        }
    };
    let wipe = move |_| {
        state.update_untracked(|s| s.sketch_mut(house).clear());
        if let Some(c) = canvas.get_untracked() {
            redraw(&c, &[]);
        }
        say.say("Teckningen är borta.");
    };

    view! {
        <section class="cm-screen" aria-labelledby="cm-house-h">
            <div class="cm-prompt">
                <h2 id="cm-house-h" tabindex="-1" node_ref=heading>{house.label_sv()}</h2>
                <ReadAloud text=spoken/>
            </div>
            <p class="cm-question">{prompt}</p>
            <div class="cm-room">
                <label class="cm-field">
                    <span>"Skriv här"</span>
                    <textarea rows="6" maxlength=VisitNote::MAX_CHARS.to_string()
                        prop:value=move || state.with(|s| s.text(house).to_owned())
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            state.update(|s| s.set_text(house, text));
                        }></textarea>
                </label>
                <div class="cm-field">
                    <span id="cm-draw-label">"Rita här med fingret"</span>
                    <canvas class="cm-canvas" node_ref=canvas
                        width=CANVAS.to_string() height=CANVAS.to_string()
                        role="img" aria-labelledby="cm-draw-label"
                        on:pointerdown=down on:pointermove=moved
                        on:pointerup=up on:pointercancel=up></canvas>
                    <div class="cm-actions">
                        <button type="button" class="cm-button cm-button--secondary" on:click=wipe>"Sudda"</button>
                    </div>
                </div>
            </div>
            <div class="cm-actions">
                <button type="button" class="cm-button" on:click=move |_| open.set(None)>"Tillbaka till husen"</button>
            </div>
        </section>
    }
}
