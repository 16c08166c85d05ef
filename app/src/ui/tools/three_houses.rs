//! Tre hus: the house of worries, of good things and of dreams, each with
//! room to write and to draw with a finger.

use super::{focus_when_shown, Announcer, OnDone, ReadAloud};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::child_mode::{capture_pointer, draw, grid_point, redraw};
use crate::tools::{house_prompt, HousesState};
use crate::ui::form::ErrorLine;
use crate::ui::language;
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
    let i18n = use_i18n();
    let language = language::reader();
    let error = RwSignal::new(None::<String>);
    let done = move |_| match state.with_untracked(HousesState::result) {
        Ok(result) => on_done.run(result),
        Err(_) => error.set(Some(t_string!(i18n, tools.text_too_long).to_owned())),
    };
    view! {
        <section class="cm-screen" aria-labelledby="cm-houses-h">
            <div class="cm-prompt">
                <h2 id="cm-houses-h" tabindex="-1" node_ref=heading>{t!(i18n, tools.houses.heading)}</h2>
                <ReadAloud text=Signal::derive(move || t_string!(i18n, tools.houses.spoken).to_owned())/>
            </div>
            <p class="cm-lead">{t!(i18n, tools.houses.lead)}</p>
            <ul class="cm-houses">
                {House::ALL.into_iter().map(|house| {
                    let filled = state.with_untracked(|s| s.has_content(house));
                    view! {
                        <li>
                            <button type="button" class=house_class(house) on:click=move |_| open.set(Some(house))>
                                <HouseIcon house/>
                                <span class="cm-house__name">{move || house.label(language())}</span>
                                <span class="cm-house__state">
                                    {move || if filled {
                                        t_string!(i18n, tools.houses.filled)
                                    } else {
                                        t_string!(i18n, tools.houses.empty)
                                    }}
                                </span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ErrorLine error=error/>
            <div class="cm-actions">
                <button type="button" class="cm-button" on:click=done>{t!(i18n, tools.i_am_done)}</button>
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
    let i18n = use_i18n();
    let language = language::reader();
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
    let prompt = move || house_prompt(house, language());
    let spoken = Signal::derive(move || format!("{}. {}", house.label(language()), prompt()));

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
            (false, _) => say.say(td_string!(
                language::now().locale(),
                tools.houses.drawing_full
            )),
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
        say.say(td_string!(
            language::now().locale(),
            tools.houses.drawing_gone
        ));
    };

    view! {
        <section class="cm-screen" aria-labelledby="cm-house-h">
            <div class="cm-prompt">
                <h2 id="cm-house-h" tabindex="-1" node_ref=heading>{move || house.label(language())}</h2>
                <ReadAloud text=spoken/>
            </div>
            <p class="cm-question">{prompt}</p>
            <div class="cm-room">
                <label class="cm-field">
                    <span>{t!(i18n, tools.houses.write_here)}</span>
                    <textarea rows="6" maxlength=VisitNote::MAX_CHARS.to_string()
                        prop:value=move || state.with(|s| s.text(house).to_owned())
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            state.update(|s| s.set_text(house, text));
                        }></textarea>
                </label>
                <div class="cm-field">
                    <span id="cm-draw-label">{t!(i18n, tools.houses.draw_here)}</span>
                    <canvas class="cm-canvas" node_ref=canvas
                        width=CANVAS.to_string() height=CANVAS.to_string()
                        role="img" aria-labelledby="cm-draw-label"
                        on:pointerdown=down on:pointermove=moved
                        on:pointerup=up on:pointercancel=up></canvas>
                    <div class="cm-actions">
                        <button type="button" class="cm-button cm-button--secondary" on:click=wipe>{t!(i18n, tools.houses.wipe)}</button>
                    </div>
                </div>
            </div>
            <div class="cm-actions">
                <button type="button" class="cm-button" on:click=move |_| open.set(None)>{t!(i18n, tools.houses.back)}</button>
            </div>
        </section>
    }
}
