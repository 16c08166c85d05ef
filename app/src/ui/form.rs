//! Pieces every form uses: a PIN field, a submit button that shows it is
//! working, the line that says what went wrong, and the one way a form
//! records a change (the visit form included).

use super::{store, sync_ctl, Ctx};
use crate::lock::MAX_PIN_DIGITS;
use crate::register::ApiFailure;
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

/// What the user reads when a request to the server failed. An ended
/// session goes to sync, which asks the user to sign in again.
pub(crate) fn failure_text(ctx: Ctx, failure: &ApiFailure) -> String {
    if failure.session_ended() {
        sync_ctl::request_sync(ctx);
    }
    failure.text()
}

/// An optional id from a `<select>`'s value ("" is none).
pub(crate) fn parse_id<T>(value: &str, from: impl Fn(uuid::Uuid) -> T) -> Option<T> {
    uuid::Uuid::parse_str(value).ok().map(from)
}

/// A `<select>`'s value for an optional id.
pub(crate) fn id_text<T: std::fmt::Display>(id: Option<T>) -> String {
    id.map(|i| i.to_string()).unwrap_or_default()
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
