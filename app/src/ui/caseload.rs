//! "Mina barn": the caseload, most urgent first.

use super::{ctx, store};
use crate::caseload::{
    due_text, overview, replace_rows, CaseloadFilter, CaseloadSnapshot, ChildOverview, DueWithin,
    StoreStamp,
};
use crate::i18n::{t, t_string, use_i18n};
use crate::labels::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::schedule::DueStatus;

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Logs, for the server's audit log, the children of `shown` that `log` has
/// not yet logged as `kind` on this page.
pub(crate) fn log_shown(
    log: &std::cell::RefCell<crate::reads::ShownLog>,
    kind: shared::audit::LocalReadKind,
    shown: impl IntoIterator<Item = shared::ChildId>,
) {
    let children = log.borrow_mut().newly_shown(kind, shown);
    if children.is_empty() {
        return;
    }
    let offline = !crate::platform::browser::is_online();
    leptos::task::spawn_local(async move {
        // Sealing a thousand entries waits until the rows they log are drawn.
        crate::platform::browser::after_next_paint().await;
        let Some(store) = store() else { return };
        if let Err(e) = store.log_reads(&children, kind, offline).await {
            web_sys::console::error_1(&format!("läsloggen: {}", e.0).into());
        }
    });
}

pub(crate) fn due_class(due: Option<DueStatus>) -> &'static str {
    match due {
        Some(DueStatus::Overdue { .. }) => "badge badge--overdue",
        Some(DueStatus::DueSoon { .. }) => "badge badge--soon",
        _ => "badge",
    }
}

/// The snapshot's rows brought forward by the children written since it
/// was made (`CaseloadSnapshot::children_to_read`), and saved again if the
/// store moved; `None` when every record is to be read instead.
async fn brought_forward(
    store: &crate::platform::store::IdbStore,
    stamp: Option<StoreStamp>,
    snapshot: Option<CaseloadSnapshot>,
    today: chrono::NaiveDate,
    build: Option<String>,
) -> Option<Vec<ChildOverview>> {
    let (stamp, snapshot) = (stamp?, snapshot?);
    let from = snapshot.changes_from(today, build.as_deref())?;
    let changed = store.children_changed_since(from).await.ok()?;
    let changed = snapshot.children_to_read(changed)?;
    let fresh = overview(store.view_of_children(&changed).await.ok()?, today);
    let list = replace_rows(snapshot.rows, &changed, fresh);
    if snapshot.stamp != stamp {
        let _ = store
            .save_caseload_snapshot(&CaseloadSnapshot::new(stamp, today, build, &list))
            .await;
    }
    Some(list)
}

#[component]
pub(crate) fn CaseloadPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let rows = RwSignal::new(None::<Result<Vec<ChildOverview>, String>>);
    super::follow_store(move |load| {
        Some(async move {
            let Some(store) = store() else { return };
            crate::platform::browser::mark("barnbesok:caseload-start");
            let today = today();
            // Read before any record: a write after it is read again next time.
            let stamp = store.stamp().await.ok();
            let build = crate::platform::browser::build_id();
            let snapshot = store.caseload_snapshot().await.ok().flatten();
            // At once from the snapshot when nothing changed since it was
            // made. Made by this build, it is the caseload, and no record
            // needs opening; made by another, every record is opened next
            // and the rows replaced.
            if let (true, Some(stamp), Some(snapshot)) = (load.is_first(), stamp, &snapshot) {
                if let Some(current) =
                    snapshot
                        .clone()
                        .rows_if_current(stamp, today, build.as_deref())
                {
                    if !load.is_latest() {
                        return;
                    }
                    rows.set(Some(Ok(current.rows)));
                    crate::platform::browser::measure(
                        "barnbesok:caseload-snapshot",
                        "barnbesok:caseload-start",
                    );
                    if current.same_build {
                        return;
                    }
                    // Drawn before every record is read: that read keeps
                    // the page busy for a while.
                    gloo_timers::future::TimeoutFuture::new(200).await;
                }
            }
            // After a sync or a visit: only the children written since the
            // snapshot are read again, when they are at most half.
            if let Some(list) = brought_forward(&store, stamp, snapshot, today, build.clone()).await
            {
                crate::platform::browser::measure(
                    "barnbesok:caseload-changed",
                    "barnbesok:caseload-start",
                );
                if load.is_latest() {
                    rows.set(Some(Ok(list)));
                }
                return;
            }
            let result = store
                .view_all()
                .await
                .map_err(|e| e.0)
                .map(|records| overview(records, today));
            if let (Some(stamp), Ok(list)) = (stamp, &result) {
                let _ = store
                    .save_caseload_snapshot(&CaseloadSnapshot::new(stamp, today, build, list))
                    .await;
            }
            // Every record opened and the snapshot saved (the benchmark waits for it).
            crate::platform::browser::measure("barnbesok:caseload", "barnbesok:caseload-start");
            if load.is_latest() {
                rows.set(Some(result));
            }
        })
    });

    let filter = RwSignal::new(CaseloadFilter::default());
    // Every child the list shows is a read of the child's records.
    let shown_log = std::rc::Rc::new(std::cell::RefCell::new(crate::reads::ShownLog::default()));
    Effect::new(move |_| {
        let today = today();
        let (kind, shown) = filter.with(|f| {
            let shown: Vec<shared::ChildId> = rows.with(|rows| match rows {
                Some(Ok(list)) => list
                    .iter()
                    .filter(|r| f.matches(r, today))
                    .map(|r| r.child.id)
                    .collect(),
                _ => Vec::new(),
            });
            (crate::reads::caseload_read_kind(f), shown)
        });
        log_shown(&shown_log, kind, shown);
    });
    view! {
        <h1>{t!(i18n, caseload.title)}</h1>
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <label>
                <span>{t!(i18n, caseload.search_child)}</span>
                <input type="search" placeholder=move || t_string!(i18n, caseload.name_placeholder)
                    prop:value=move || filter.with(|f| f.text.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); filter.update(|f| f.text = v); }/>
            </label>
            <label>
                <span>{t!(i18n, caseload.placement_kind)}</span>
                <select on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    let kind = shared::PlacementKind::ALL.into_iter().find(|k| k.as_str() == chosen);
                    filter.update(|f| f.kind = kind);
                }>
                    <option value="">{t!(i18n, caseload.all_kinds)}</option>
                    {shared::PlacementKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str()>{move || k.label(language())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, caseload.visit_due)}</span>
                <select on:change=move |ev| {
                    let due = match event_target_value(&ev).as_str() {
                        "overdue" => DueWithin::Overdue,
                        "week" => DueWithin::ThisWeek,
                        "month" => DueWithin::ThisMonth,
                        _ => DueWithin::Any,
                    };
                    filter.update(|f| f.due = due);
                }>
                    <option value="">{t!(i18n, caseload.any_time)}</option>
                    <option value="overdue">{t!(i18n, caseload.overdue)}</option>
                    <option value="week">{t!(i18n, caseload.this_week)}</option>
                    <option value="month">{t!(i18n, caseload.this_month)}</option>
                </select>
            </label>
            <a class="button button--secondary" href="/kalender">{t!(i18n, caseload.calendar)}</a>
            {move || ctx.user.with(|u| u.as_ref().is_some_and(|u| crate::register::edits_register(u.role)))
                .then(|| view! { <A href="/register/barn/ny" attr:class="button button--secondary">{t!(i18n, caseload.add_child)}</A> })}
        </form>
        // The rows are worded once: redrawn when the language changes.
        {move || {
            let language = language();
            rows.with(|rows| match rows {
                None => view! { <p class="muted">{t!(i18n, caseload.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.clone()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted">{t!(i18n, caseload.empty)}</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let today = today();
                    let shown: Vec<&ChildOverview> = filter.with(|f| list.iter().filter(|r| f.matches(r, today)).collect());
                    if shown.is_empty() {
                        view! { <p class="muted" role="status">{t!(i18n, caseload.no_match)}</p> }.into_any()
                    } else {
                        let count = shown.len();
                        let templates = super::checklist::templates();
                        let rows = shown.into_iter()
                            .map(|row| caseload_row(row, &templates, today, language, i18n))
                            .collect_view();
                        view! {
                            <p class="muted" role="status">{t!(i18n, caseload.children_count, count = move || count)}</p>
                            <ul class="caseload" aria-label=move || t_string!(i18n, caseload.children_list)>{rows}</ul>
                        }.into_any()
                    }
                }
            })
        }}
    }
}

/// One child's row. A plain link, not the router's `<A>`: the router
/// follows it all the same, and a thousand rows need no reactive href.
fn caseload_row(
    row: &ChildOverview,
    templates: &[shared::checklist::ChecklistTemplate],
    today: chrono::NaiveDate,
    language: crate::language::Language,
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
) -> impl IntoView {
    let href = format!("/barn/{}", row.child.id);
    let age = row.child.age_on(today);
    let placement = row
        .placement
        .as_ref()
        .map(|p| format!("{} · {}", p.kind.label(language), p.home_name))
        .unwrap_or_else(|| t_string!(i18n, caseload.no_placement).to_owned());
    let due = match (row.due, row.next_visit) {
        (Some(status), Some(next)) => due_text(status, next.due_date, language),
        _ => t_string!(i18n, caseload.no_visit_planned).to_owned(),
    };
    let checklist = row
        .placement
        .as_ref()
        .and_then(|p| super::checklist::progress_text(templates, &row.child, p, &row.ticks));
    let warnings = row
        .placement
        .as_ref()
        .map(|p| crate::decisions::warnings(p, today, language))
        .unwrap_or_default();
    view! {
        <li class="caseload__item">
            <a href=href class="caseload__link">
                <span class="caseload__name">{row.child.full_name()}</span>
                <span class="caseload__meta">{t_string!(i18n, caseload.age_and_placement, age = age, placement = placement).to_string()}</span>
                {checklist.map(|c| view! { <span class="caseload__meta">{c}</span> })}
                <span class=due_class(row.due)>{due}</span>
                {warnings.into_iter().map(|w| view! {
                    <span class=w.severity.badge_class() data-testid="decision-warning">{w.text}</span>
                }).collect_view()}
            </a>
        </li>
    }
}
