//! Samtalsstöd: the conversation tools the child uses on the tablet, in a
//! child mode that shows nothing else and is left only with the social
//! worker's PIN. The logic is in `crate::tools`; these are the screens.

mod child_mode;
mod feelings_scale;
mod my_network;
mod three_houses;

pub(crate) use child_mode::{ChildMode, OPENER_ID};

use crate::i18n::{t, use_i18n};
use crate::platform::{child_mode as browser, speech};
use leptos::prelude::*;
use shared::conversation::ToolResult;

/// What a tool hands back when the child is done: its result, or `None`
/// when nothing was filled in.
type OnDone = Callback<Option<ToolResult>>;

/// Says something to screen readers: the child mode's live region.
#[derive(Clone, Copy)]
struct Announcer(RwSignal<String>);

impl Announcer {
    /// The child mode's, taken when a screen is made (event handlers run
    /// outside the component tree and cannot look it up).
    fn get() -> Self {
        use_context::<Self>().unwrap_or_else(|| Self(RwSignal::new(String::new())))
    }

    fn say(self, text: impl Into<String>) {
        self.0.set(text.into());
    }
}

/// Moves focus to `heading` when its screen shows, so that a screen reader
/// starts reading there.
fn focus_when_shown(heading: NodeRef<leptos::html::H2>) {
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            browser::focus(&h);
        }
    });
}

/// "Läs upp": reads `text` aloud; not shown where the browser cannot speak.
#[component]
fn ReadAloud(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    speech::available().then(|| {
        view! {
            <button type="button" class="cm-button cm-button--quiet cm-read"
                on:click=move |_| speech::speak_in(&text.get_untracked(), super::language::now().voice_tag())>
                <svg class="cm-read__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M4 9v6h4l5 4V5L8 9H4z" fill="currentColor"/>
                    <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" fill="none"
                        stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
                </svg>
                {t!(i18n, tools.read_aloud)}
            </button>
        }
    })
}
