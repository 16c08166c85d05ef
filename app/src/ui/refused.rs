//! Refused changes: one row of the list (send again, print, dismiss after
//! saying what will be gone) and the print view of one change.

use super::sync_ctl::{self, RefusedItem};
use super::{store, Ctx};
use crate::i18n::{t, t_string, use_i18n};
use crate::labels::Label;
use crate::ui::language;
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
    let i18n = use_i18n();
    let language = language::reader();
    view! {
        <li>
            <strong>{t!(i18n, sync.refused.was_refused, what = what.clone())}" "</strong>
            {move || code.label(language())}
            <div class="actions">
                <button type="button" class="button button--secondary"
                    on:click=move |_| sync_ctl::resend_refused(ctx, id)>{t!(i18n, sync.refused.send_again)}</button>
                <A href=format!("/avvisad/{id}") attr:class="button button--secondary">{t!(i18n, sync.refused.print)}</A>
                <button type="button" class="button button--secondary" aria-expanded=move || asking.get().to_string()
                    on:click=move |_| asking.set(true)>{t!(i18n, sync.refused.dismiss)}</button>
            </div>
            <Show when=move || asking.get()>
                <div class="card card--attention" role="alertdialog" aria-label=move || t_string!(i18n, sync.refused.dismiss_label)>
                    <p>{warning.clone()}</p>
                    <div class="actions">
                        <button type="button" class="button button--danger"
                            on:click=move |_| sync_ctl::dismiss_refused(ctx, id)>{t!(i18n, sync.refused.dismiss_for_good)}</button>
                        <button type="button" class="button button--secondary"
                            on:click=move |_| asking.set(false)>{t!(i18n, sync.refused.keep)}</button>
                    </div>
                </div>
            </Show>
        </li>
    }
}

/// `/avvisad/:id`: everything a refused change holds, to print.
#[component]
pub(crate) fn RefusedPrintPage() -> impl IntoView {
    let i18n = use_i18n();
    let language = language::reader();
    let params = use_params_map();
    let lines = RwSignal::new(None::<Option<Vec<(String, String)>>>);
    Effect::new(move |_| {
        let id = params
            .read()
            .get("id")
            .and_then(|s| MutationId::parse(&s).ok());
        let language = language();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let found = match (id, store.refused().await) {
                (Some(id), Ok(refused)) => refused
                    .into_iter()
                    .find(|r| r.mutation.id == id)
                    .map(|r| crate::refused::printable(&r.mutation, language)),
                _ => None,
            };
            lines.set(Some(found));
        });
    });
    view! {
        <p class="no-print"><A href="/" attr:class="back">{t!(i18n, sync.refused.back)}</A></p>
        <h1>{t!(i18n, sync.refused.title)}</h1>
        {move || match lines.get() {
            None => view! { <p class="muted">{t!(i18n, sync.refused.loading)}</p> }.into_any(),
            Some(None) => view! { <p>{t!(i18n, sync.refused.gone)}</p> }.into_any(),
            Some(Some(lines)) => view! {
                <p class="muted">{t!(i18n, sync.refused.only_here)}</p>
                <dl class="print-record">
                    {lines.into_iter().map(|(name, value)| view! {
                        <dt>{name}</dt>
                        <dd>{value}</dd>
                    }).collect_view()}
                </dl>
                <button type="button" class="button no-print"
                    on:click=|_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{t!(i18n, sync.refused.print)}</button>
            }.into_any(),
        }}
    }
}
