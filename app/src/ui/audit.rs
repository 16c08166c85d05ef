//! Loggkontroll: a unit manager reviews who read or changed which child's
//! records, by user, by child and by period, and exports it as CSV.

use super::devices::{after_error, error_text};
use super::{ctx, store};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::loggkontroll::{describe, summary, when, AuditQuery};
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
    let i18n = use_i18n();
    let is_manager =
        move || ctx.user.with(|u| u.as_ref().map(|u| u.role)) == Some(Role::UnitManager);
    view! {
        <h1>{t!(i18n, audit.title)}</h1>
        <Show
            when=is_manager
            fallback=move || view! { <p role="alert">{t!(i18n, audit.managers_only)}</p> }
        >
            <AuditReviewView/>
        </Show>
    }
}

#[component]
fn AuditReviewView() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
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
        let language = crate::ui::language::now();
        let locale = language.locale();
        let date = |text: String, what: &str| -> Result<Option<chrono::NaiveDate>, String> {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                parse_date(&text)
                    .map(Some)
                    .ok_or_else(|| td_string!(locale, audit.not_a_date, field = what))
            }
        };
        let query = AuditQuery {
            user: UserId::parse(&user.get_untracked()).ok(),
            child: ChildId::parse(&child.get_untracked()).ok(),
            from: date(from.get_untracked(), td_string!(locale, audit.from))?,
            to: date(to.get_untracked(), td_string!(locale, audit.to))?,
        };
        query.check().map_err(|e| e.message(language).to_owned())?;
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
                Err(td_string!(crate::ui::language::now().locale(), audit.offline).to_owned())
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
        export_note.set(Some(t_string!(i18n, audit.exporting).to_owned()));
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let note = match HttpTransport::new(store).audit_csv(&query).await {
                Ok(csv) => match browser::download_text(&query.file_name(), "text/csv", &csv) {
                    Ok(()) => td_string!(
                        crate::ui::language::now().locale(),
                        audit.export_saved,
                        file = query.file_name()
                    ),
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
        <p class="lead">{t!(i18n, audit.lead)}</p>
        <form class="filters" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <label>
                <span>{t!(i18n, audit.user)}</span>
                <select on:change=move |ev| user.set(event_target_value(&ev)) prop:value=move || user.get()>
                    <option value="">{t!(i18n, audit.all)}</option>
                    {move || colleagues.get().into_iter().map(|c| view! {
                        <option value=c.id.to_string() translate="no">
                            {format!("{} · {} · {}", c.display_name, c.username, c.role.label(language()))}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, audit.child)}</span>
                <select on:change=move |ev| child.set(event_target_value(&ev)) prop:value=move || child.get()>
                    <option value="">{t!(i18n, audit.all)}</option>
                    {move || children.get().into_iter().map(|(id, name)| view! {
                        <option value=id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, audit.from)}</span>
                <input type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
            </label>
            <label>
                <span>{t!(i18n, audit.to)}</span>
                <input type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
            </label>
            <div class="filters__actions">
                <button type="submit" class="button" disabled=move || busy.get()>{t!(i18n, audit.show)}</button>
                <button type="button" class="button button--secondary" on:click=export>{t!(i18n, audit.export_csv)}</button>
            </div>
        </form>
        <p role="status" class="notice">{move || export_note.get()}</p>
        {move || match result.get() {
            None => view! { <p class="muted">{t!(i18n, audit.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok((_, review))) if review.entries.is_empty() => view! {
                <p data-testid="audit-summary">{t!(i18n, audit.no_events)}</p>
            }.into_any(),
            Some(Ok((_, review))) => {
                let language = language();
                let locale = language.locale();
                let names = names();
                let child_name = move |id: ChildId| names.get(&id).cloned()
                    .unwrap_or_else(|| if id.as_uuid().is_nil() {
                        td_string!(locale, audit.no_child).to_owned()
                    } else {
                        td_string!(locale, audit.unknown_child, id = &id.to_string()[..8])
                    });
                view! {
                    <p data-testid="audit-summary">{summary(&review.entries, language)}</p>
                    {review.truncated.then(|| view! {
                        <p class="warning" role="alert">{t!(i18n, audit.truncated)}</p>
                    })}
                    <div class="table-scroll">
                        <table class="audit-table">
                            <caption class="visually-hidden">{t!(i18n, audit.caption)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, audit.column.time)}</th>
                                    <th scope="col">{t!(i18n, audit.column.user)}</th>
                                    <th scope="col">{t!(i18n, audit.column.role)}</th>
                                    <th scope="col">{t!(i18n, audit.column.child)}</th>
                                    <th scope="col">{t!(i18n, audit.column.event)}</th>
                                    <th scope="col">{t!(i18n, audit.column.offline)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {review.entries.into_iter().map(|e| view! {
                                    <tr data-testid="audit-row">
                                        <td>{when(e.occurred_at, language)}</td>
                                        <td>{e.username.clone()}</td>
                                        <td>{e.role.label(language)}</td>
                                        <td>{child_name(e.child_id)}</td>
                                        <td>{describe(e.action, &e.detail, language)}</td>
                                        <td>{if e.offline {
                                            td_string!(locale, audit.yes)
                                        } else {
                                            td_string!(locale, audit.no)
                                        }}</td>
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
