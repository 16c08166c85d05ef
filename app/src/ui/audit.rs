//! Loggkontroll: a unit manager reviews who read or changed which child's
//! records, by user, by child and by period, and exports it as CSV.

use super::devices::{after_error, error_text};
use super::{ctx, store};
use crate::loggkontroll::{describe, local_time, summary, AuditQuery};
use crate::platform::browser;
use crate::platform::http::HttpTransport;
use leptos::prelude::*;
use shared::audit::AuditReview;
use shared::auth::{Colleague, Role};
use shared::protocol::Record;
use shared::{ChildId, UserId};
use std::collections::HashMap;

/// How many days back the page starts.
const DEFAULT_DAYS: u64 = 30;

fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

#[component]
pub(crate) fn AuditPage() -> impl IntoView {
    let ctx = ctx();
    let is_manager =
        move || ctx.user.with(|u| u.as_ref().map(|u| u.role)) == Some(Role::UnitManager);
    view! {
        <h1>"Loggkontroll"</h1>
        <Show
            when=is_manager
            fallback=|| view! { <p role="alert">"Loggkontroll är till för enhetschefer."</p> }
        >
            <AuditReviewView/>
        </Show>
    }
}

#[component]
fn AuditReviewView() -> impl IntoView {
    let ctx = ctx();
    let start = AuditQuery::recent(super::caseload::today(), DEFAULT_DAYS);
    let user = RwSignal::new(String::new());
    let child = RwSignal::new(String::new());
    let from = RwSignal::new(start.from.map(|d| d.to_string()).unwrap_or_default());
    let to = RwSignal::new(start.to.map(|d| d.to_string()).unwrap_or_default());
    let colleagues = RwSignal::new(Vec::<Colleague>::new());
    let children = RwSignal::new(Vec::<(ChildId, String)>::new());
    let result = RwSignal::new(None::<Result<(AuditQuery, AuditReview), String>>);
    let busy = RwSignal::new(false);
    let export_note = RwSignal::new(None::<String>);

    let query = move || -> Result<AuditQuery, String> {
        let date = |text: String, what: &str| -> Result<Option<chrono::NaiveDate>, String> {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                parse_date(&text)
                    .map(Some)
                    .ok_or_else(|| format!("{what} ska vara ett datum som 2026-11-24."))
            }
        };
        let query = AuditQuery {
            user: UserId::parse(&user.get_untracked()).ok(),
            child: ChildId::parse(&child.get_untracked()).ok(),
            from: date(from.get_untracked(), "Från")?,
            to: date(to.get_untracked(), "Till")?,
        };
        query.check().map_err(|e| e.to_string())?;
        Ok(query)
    };

    let search = move || {
        let query = match query() {
            Ok(q) => q,
            Err(e) => {
                result.set(Some(Err(e)));
                return;
            }
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let answer = if browser::is_online() {
                HttpTransport::new(store).audit(&query).await.map_err(|e| {
                    after_error(ctx, &e);
                    error_text(&e)
                })
            } else {
                Err("Enheten är offline. Loggen finns på servern och kräver nätverk.".to_owned())
            };
            result.set(Some(answer.map(|review| (query, review))));
            busy.set(false);
        });
    };

    // Whom and which children the filter offers; then the first search.
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if let Ok(records) = store.view_all().await {
            let mut list: Vec<(ChildId, String)> = records
                .into_iter()
                .filter_map(|r| match r {
                    Record::Child(c) => Some((c.id, c.full_name())),
                    _ => None,
                })
                .collect();
            list.sort_by(|a, b| a.1.cmp(&b.1));
            children.set(list);
        }
        if browser::is_online() {
            if let Ok(list) = HttpTransport::new(store).colleagues().await {
                colleagues.set(list);
            }
        }
        search();
    });

    let export = move |_| {
        let query = match query() {
            Ok(q) => q,
            Err(e) => {
                export_note.set(Some(e));
                return;
            }
        };
        export_note.set(Some("Hämtar exporten…".into()));
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let note = match HttpTransport::new(store).audit_csv(&query).await {
                Ok(csv) => match browser::download_text(&query.file_name(), "text/csv", &csv) {
                    Ok(()) => format!("Exporten sparades som {}.", query.file_name()),
                    Err(e) => e,
                },
                Err(e) => {
                    after_error(ctx, &e);
                    error_text(&e)
                }
            };
            export_note.set(Some(note));
        });
    };

    let names = move || -> HashMap<ChildId, String> { children.get().into_iter().collect() };

    view! {
        <p class="lead">
            "Vem har läst eller ändrat uppgifter om barnen på dina enheter, och när. "
            "Loggen visar aldrig själva uppgifterna."
        </p>
        <form class="filters" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <label>
                <span>"Användare"</span>
                <select on:change=move |ev| user.set(event_target_value(&ev)) prop:value=move || user.get()>
                    <option value="">"Alla"</option>
                    {move || colleagues.get().into_iter().map(|c| view! {
                        <option value=c.id.to_string()>
                            {format!("{} · {} · {}", c.display_name, c.username, c.role.title_sv())}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>"Barn"</span>
                <select on:change=move |ev| child.set(event_target_value(&ev)) prop:value=move || child.get()>
                    <option value="">"Alla"</option>
                    {move || children.get().into_iter().map(|(id, name)| view! {
                        <option value=id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>"Från"</span>
                <input type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
            </label>
            <label>
                <span>"Till"</span>
                <input type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
            </label>
            <div class="filters__actions">
                <button type="submit" class="button" disabled=move || busy.get()>"Visa"</button>
                <button type="button" class="button button--secondary" on:click=export>"Exportera CSV"</button>
            </div>
        </form>
        <p role="status" class="notice">{move || export_note.get()}</p>
        {move || match result.get() {
            None => view! { <p class="muted">"Hämtar loggen…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok((_, review))) if review.entries.is_empty() => view! {
                <p data-testid="audit-summary">"Inga händelser för det valda urvalet."</p>
            }.into_any(),
            Some(Ok((_, review))) => {
                let names = names();
                let child_name = move |id: ChildId| names.get(&id).cloned()
                    .unwrap_or_else(|| format!("Barn {}", &id.to_string()[..8]));
                view! {
                    <p data-testid="audit-summary">{summary(&review.entries)}</p>
                    {review.truncated.then(|| view! {
                        <p class="warning" role="alert">
                            "Fler händelser än som visas matchar. Välj en kortare period, en användare eller ett barn."
                        </p>
                    })}
                    <div class="table-scroll">
                        <table class="audit-table">
                            <caption class="visually-hidden">"Händelser i loggen, äldst först"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Tidpunkt"</th>
                                    <th scope="col">"Användare"</th>
                                    <th scope="col">"Roll"</th>
                                    <th scope="col">"Barn"</th>
                                    <th scope="col">"Händelse"</th>
                                    <th scope="col">"Offline"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {review.entries.into_iter().map(|e| view! {
                                    <tr data-testid="audit-row">
                                        <td>{local_time(e.occurred_at)}</td>
                                        <td>{e.username.clone()}</td>
                                        <td>{e.role.title_sv()}</td>
                                        <td>{child_name(e.child_id)}</td>
                                        <td>{describe(e.action, &e.detail)}</td>
                                        <td>{if e.offline { "Ja" } else { "Nej" }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }
        }}
    }
}
