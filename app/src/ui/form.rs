//! Pieces every form uses: a PIN field, a submit button that shows it is
//! working, the line that says what went wrong, and the one way a form
//! records a change (the visit form included).

use super::{store, sync_ctl, Ctx};
use crate::lock::MAX_PIN_DIGITS;
use leptos::prelude::*;
use shared::protocol::Mutation;
use shared::ChildId;

/// Records `mutation` on the device (one outbox entry; with `signing_draft_of`,
/// the child's draft goes in the same transaction), then refreshes what is
/// shown and lets sync send it. The only way a form writes.
pub(crate) async fn record_change(
    ctx: Ctx,
    mutation: Mutation,
    signing_draft_of: Option<ChildId>,
) -> Result<(), String> {
    let store = store().ok_or("lagringen är inte öppen")?;
    match signing_draft_of {
        Some(child) => store.sign_draft(&mutation, child).await,
        None => store.record_change(&mutation).await,
    }
    .map_err(|e| e.0)?;
    ctx.data_changed();
    sync_ctl::after_local_write(ctx);
    Ok(())
}

/// A PIN entered with the numeric keypad, never shown or remembered by the
/// browser.
#[component]
pub(crate) fn PinField(
    /// A translated label: `Signal::derive(move || t_string!(i18n, ns.key))`.
    #[prop(into)]
    label: Signal<&'static str>,
    name: &'static str,
    /// `off` to unlock, `new-password` to choose one.
    autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(default = "field")] class: &'static str,
) -> impl IntoView {
    view! {
        <label class=class>
            <span>{move || label.get()}</span>
            <input type="password" inputmode="numeric" autocomplete=autocomplete name=name
                maxlength=MAX_PIN_DIGITS.to_string()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

/// A form's submit button: disabled, and saying what it does, while busy.
#[component]
pub(crate) fn BusyButton(
    busy: RwSignal<bool>,
    #[prop(into)] label: Signal<&'static str>,
    #[prop(into)] busy_label: Signal<&'static str>,
    #[prop(default = "button")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || busy.get()>
            {move || if busy.get() { busy_label.get() } else { label.get() }}
        </button>
    }
}

/// What went wrong, announced to screen readers as it appears.
#[component]
pub(crate) fn ErrorLine(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="error" role="alert">{e}</p> })
    }
}
