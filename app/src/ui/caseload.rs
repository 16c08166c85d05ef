//! "Mina barn": the caseload, most urgent first.

use super::{ctx, store};
use crate::caseload::{due_text, overview, ChildOverview};
use leptos::prelude::*;
use leptos_router::components::A;
use shared::schedule::DueStatus;

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

pub(crate) fn due_class(due: Option<DueStatus>) -> &'static str {
    match due {
        Some(DueStatus::Overdue { .. }) => "badge badge--overdue",
        Some(DueStatus::DueSoon { .. }) => "badge badge--soon",
        _ => "badge",
    }
}

#[component]
pub(crate) fn CaseloadPage() -> impl IntoView {
    let ctx = ctx();
    let rows = RwSignal::new(None::<Result<Vec<ChildOverview>, String>>);
    // Loads can finish out of order: only the latest one may show.
    let latest = std::rc::Rc::new(std::cell::Cell::new(0u64));
    Effect::new(move |_| {
        ctx.data_rev.track();
        let this = latest.get() + 1;
        latest.set(this);
        let latest = latest.clone();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = store.view_all().await.map_err(|e| e.0);
            if latest.get() == this {
                rows.set(Some(result.map(|records| overview(records, today()))));
            }
        });
    });

    view! {
        <h1>"Mina barn"</h1>
        {move || match rows.get() {
            None => view! { <p class="muted">"Laddar…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <p class="muted">"Inga barn på enheten än. De hämtas vid nästa synk."</p>
            }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="caseload" aria-label="Barn">
                    {list.into_iter().map(|row| view! { <CaseloadRow row/> }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
fn CaseloadRow(row: ChildOverview) -> impl IntoView {
    let href = format!("/barn/{}", row.child.id);
    let age = row.child.age_on(today());
    let placement = row
        .placement
        .as_ref()
        .map(|p| format!("{} · {}", p.kind.label_sv(), p.home_name))
        .unwrap_or_else(|| "Ingen placering".to_owned());
    let due = match (row.due, row.next_visit) {
        (Some(status), Some(next)) => due_text(status, next.due_date),
        _ => "Inget besök planerat".to_owned(),
    };
    view! {
        <li class="caseload__item">
            <A href=href attr:class="caseload__link">
                <span class="caseload__name">{row.child.full_name()}</span>
                <span class="caseload__meta">{format!("{age} år · {placement}")}</span>
                <span class=due_class(row.due)>{due}</span>
            </A>
        </li>
    }
}
