//! "Beslut att bevaka": the placements of the manager's units running on an
//! expired decision, with a decision ending within 30 days, or with the
//! six-monthly consideration due. Online only.

use super::register::NeedsNetwork;
use super::{ctx, store};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::http::HttpTransport;
use crate::register::{decision_list, edits_register, DecisionRow};
use leptos::prelude::*;
use leptos_router::components::A;
use shared::protocol::Record;
use std::collections::HashMap;

#[component]
pub(crate) fn DecisionsPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let rows = RwSignal::new(None::<Result<Vec<DecisionRow>, String>>);
    // Names of the children on the device, for rows the server sent without.
    let names = RwSignal::new(HashMap::<shared::ChildId, String>::new());
    let load = move || {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if let Ok(records) = store.view_all().await {
                names.set(
                    records
                        .into_iter()
                        .filter_map(|r| match r {
                            Record::Child(c) => Some((c.id, c.full_name())),
                            _ => None,
                        })
                        .collect(),
                );
            }
            if !ctx.online.get_untracked() {
                rows.set(Some(Err(td_string!(
                    super::language::now().locale(),
                    decisions.page.needs_network
                )
                .to_owned())));
                return;
            }
            rows.set(None);
            let result = HttpTransport::new(store).register_decisions().await;
            rows.set(Some(
                result.map_err(|failure| super::form::failure_text(ctx, &failure)),
            ));
        });
    };
    Effect::new(move |_| {
        ctx.online.track();
        load();
    });
    let manager = move || {
        ctx.user
            .with(|u| u.as_ref().is_some_and(|u| edits_register(u.role)))
    };
    view! {
        <h1>{t!(i18n, decisions.page.title)}</h1>
        <Show when=manager fallback=move || view! {
            <p role="alert">{t!(i18n, decisions.page.managers_only)}</p>
        }>
            <p class="lead muted">{t!(i18n, decisions.page.lead)}</p>
            <NeedsNetwork/>
            {move || match rows.get() {
                None => view! { <p class="muted" role="status">{t!(i18n, decisions.page.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted" role="status">{t!(i18n, decisions.page.none)}</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let today = super::caseload::today();
                    let known = names.get();
                    let count = list.len();
                    view! {
                        <p class="muted" role="status">{t!(i18n, decisions.page.placements, count = move || count)}</p>
                        <ul class="caseload" aria-label=move || t_string!(i18n, decisions.page.list_label)>
                            {decision_list(list, today).into_iter().map(|(row, _)| {
                                let p = row.placement;
                                let name = row.child_name
                                    .or_else(|| known.get(&p.child_id).cloned())
                                    .unwrap_or_else(|| t_string!(i18n, decisions.page.child_outside_unit).to_owned());
                                view! {
                                    <li class="caseload__item" data-testid="decision-row">
                                        <A href=format!("/barn/{}", p.child_id) attr:class="caseload__link">
                                            <span class="caseload__name">{name}</span>
                                            <span class="caseload__meta">{let p = p.clone(); move || format!("{} · {} · {}", p.kind.label(language()), p.home_name, p.legal_basis.label(language()))}</span>
                                            <span class="caseload__meta">{let p = p.clone(); move || crate::decisions::decision_text(&p, language())}</span>
                                            {move || crate::decisions::warnings(&p, today, language()).into_iter().map(|w| view! {
                                                <span class=w.severity.badge_class()>{w.text}</span>
                                            }).collect_view()}
                                        </A>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </Show>
    }
}
