//! Refused changes: one row of the list (send again, print, dismiss after
//! saying what will be gone) and the print view of one change.

use super::sync_ctl::{self, RefusedItem};
use super::{store, Ctx};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::MutationId;

#[component]
pub(crate) fn RefusedRow(ctx: Ctx, item: RefusedItem) -> impl IntoView {
    let RefusedItem {
        id,
        what,
        warning,
        code,
    } = item;
    let asking = RwSignal::new(false);
    view! {
        <li>
            <strong>{format!("{what} avvisades. ")}</strong>
            {code.message_sv()}
            <div class="actions">
                <button type="button" class="button button--secondary"
                    on:click=move |_| sync_ctl::resend_refused(ctx, id)>"Skicka igen"</button>
                <A href=format!("/avvisad/{id}") attr:class="button button--secondary">"Skriv ut"</A>
                <button type="button" class="button button--secondary" aria-expanded=move || asking.get().to_string()
                    on:click=move |_| asking.set(true)>"Ta bort…"</button>
            </div>
            <Show when=move || asking.get()>
                <div class="card card--attention" role="alertdialog" aria-label="Ta bort den avvisade ändringen">
                    <p>{warning.clone()}</p>
                    <div class="actions">
                        <button type="button" class="button button--danger"
                            on:click=move |_| sync_ctl::dismiss_refused(ctx, id)>"Ta bort för gott"</button>
                        <button type="button" class="button button--secondary"
                            on:click=move |_| asking.set(false)>"Behåll"</button>
                    </div>
                </div>
            </Show>
        </li>
    }
}

/// `/avvisad/:id`: everything a refused change holds, to print.
#[component]
pub(crate) fn RefusedPrintPage() -> impl IntoView {
    let params = use_params_map();
    let lines = RwSignal::new(None::<Option<Vec<(String, String)>>>);
    Effect::new(move |_| {
        let id = params
            .read()
            .get("id")
            .and_then(|s| MutationId::parse(&s).ok());
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let found = match (id, store.refused().await) {
                (Some(id), Ok(refused)) => refused
                    .into_iter()
                    .find(|r| r.mutation.id == id)
                    .map(|r| crate::refused::printable(&r.mutation)),
                _ => None,
            };
            lines.set(Some(found));
        });
    });
    view! {
        <p class="no-print"><A href="/" attr:class="back">"← Mina barn"</A></p>
        <h1>"Avvisad ändring"</h1>
        {move || match lines.get() {
            None => view! { <p class="muted">"Laddar…"</p> }.into_any(),
            Some(None) => view! { <p>"Ändringen finns inte längre bland de avvisade."</p> }.into_any(),
            Some(Some(lines)) => view! {
                <p class="muted">"Servern tog inte emot den här ändringen. Den finns bara på den här surfplattan."</p>
                <dl class="print-record">
                    {lines.into_iter().map(|(name, value)| view! {
                        <dt>{name}</dt>
                        <dd>{value}</dd>
                    }).collect_view()}
                </dl>
                <button type="button" class="button no-print"
                    on:click=|_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>"Skriv ut"</button>
            }.into_any(),
        }}
    }
}
