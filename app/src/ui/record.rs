//! Back to the record (akten): "För till akt" on a signed visit (the PDF
//! from the server, then the visit marked filed, once), the offline print
//! view of the same content, and a group leader's bulk export of a period's
//! signed, unfiled visits.

use super::register::{failed, NeedsNetwork, SaveLine, SaveState};
use super::{ctx, store, sync_ctl};
use crate::caseload::overview;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::language::Language;
use crate::platform::{browser, http::HttpTransport};
use crate::record::{
    filed_mark, filed_text, pdf_file_name, placement_on, sections, title, unfiled_file_name, Item,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::auth::{Colleague, Role};
use shared::export::{FileRequest, FiledMark, UnfiledQuery, VisitRecord};
use shared::{Child, ChildId, UnitId, UserId, VisitId};

thread_local! {
    /// Each visit's filing, kept across the redraws a sync causes, so that
    /// what the last "För till akt" said stays until the page is left.
    static FILINGS: std::cell::RefCell<
        std::collections::HashMap<VisitId, (ArcRwSignal<SaveState>, ArcRwSignal<Option<FiledMark>>)>,
    > = std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The visit's filing state and mark; `filed` (from the feed) fills in a
/// mark not yet known here, and never replaces one.
fn filing(
    visit: VisitId,
    filed: Option<FiledMark>,
) -> (RwSignal<SaveState>, RwSignal<Option<FiledMark>>) {
    let (state, mark) = FILINGS.with(|f| {
        f.borrow_mut()
            .entry(visit)
            .or_insert_with(|| (ArcRwSignal::new(SaveState::Idle), ArcRwSignal::new(None)))
            .clone()
    });
    if filed.is_some() && mark.with_untracked(Option::is_none) {
        mark.set(filed);
    }
    (RwSignal::from(state), RwSignal::from(mark))
}

/// The mark this page learnt from the server, before the feed brings it.
fn known_mark(visit: VisitId) -> Option<FiledMark> {
    FILINGS.with(|f| {
        f.borrow()
            .get(&visit)
            .and_then(|(_, mark)| mark.get_untracked())
    })
}

/// A time as read on this device.
pub(crate) fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Under a signed visit: whether it is filed, "För till akt", and the print view.
#[component]
pub(crate) fn FileToRecord(
    child: Child,
    visit_id: VisitId,
    visit_date: chrono::NaiveDate,
    filed: Option<FiledMark>,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let (state, mark) = filing(visit_id, filed);
    let file_name = pdf_file_name(&child, visit_date);
    let file = move |_| {
        let file_name = file_name.clone();
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let http = HttpTransport::new(store);
            let pdf = match http.visit_record_pdf(visit_id).await {
                Ok(bytes) => bytes,
                Err(f) => return state.set(failed(ctx, &f)),
            };
            let locale = super::language::now().locale();
            if let Err(e) = browser::download_bytes(&file_name, "application/pdf", &pdf) {
                return state.set(SaveState::Failed(td_string!(
                    locale,
                    record.download_failed_not_marked,
                    error = e
                )));
            }
            match http.file_visit(visit_id).await {
                Ok(first) => {
                    let already = mark.get_untracked().is_some();
                    let file = file_name.as_str();
                    state.set(SaveState::Saved(if already {
                        td_string!(locale, record.pdf_saved_already_filed, file = file)
                    } else {
                        td_string!(locale, record.pdf_saved_and_marked, file = file)
                    }));
                    mark.set(Some(first));
                    sync_ctl::request_sync(ctx);
                }
                Err(f) => state.set(SaveState::Failed(td_string!(
                    locale,
                    record.pdf_saved_mark_failed,
                    error = f.text()
                ))),
            }
        });
    };
    let print_href = format!("/barn/{}/besok/{visit_id}/utskrift", child.id);
    view! {
        <div class="to-record" data-testid="to-record">
            {move || match mark.get() {
                Some(m) => view! { <p class="filed" data-testid="filed-mark">{filed_text(&m, language(), local)}</p> }.into_any(),
                None => view! { <p class="muted" data-testid="filed-mark">{t!(i18n, record.not_filed_yet)}</p> }.into_any(),
            }}
            <div class="form__actions">
                <button type="button" class="button button--secondary"
                    disabled=move || state.get() == SaveState::Saving || !ctx.online.get()
                    on:click=file>
                    {move || if mark.with(Option::is_some) {
                        t_string!(i18n, record.file_again)
                    } else {
                        t_string!(i18n, record.file_to_record)
                    }}
                </button>
                <A href=print_href attr:class="button button--secondary">{t!(i18n, record.print_view)}</A>
                {move || (!ctx.online.get()).then(|| view! {
                    <span class="muted">{t!(i18n, record.pdf_needs_network)}</span>
                })}
            </div>
            <SaveLine state/>
        </div>
    }
}

/// The print view of one visit, built on the device: works offline.
#[component]
pub(crate) fn PrintPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let ids = Memo::new(move |_| {
        let p = params.read();
        Some((
            ChildId::parse(&p.get("id")?).ok()?,
            VisitId::parse(&p.get("visit")?).ok()?,
        ))
    });
    let record = RwSignal::new(None::<Result<Option<VisitRecord>, String>>);
    Effect::new(move |_| {
        let Some((child_id, visit_id)) = ids.get() else {
            record.set(Some(Ok(None)));
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = store
                .view_of_child(child_id)
                .await
                .map_err(|e| e.0)
                .map(|records| {
                    let o = overview(records, super::caseload::today())
                        .into_iter()
                        .next()?;
                    let visit = o.visits.iter().find(|v| v.id == visit_id)?.clone();
                    let amendments = o
                        .amendments
                        .iter()
                        .filter(|a| a.visit_id == visit_id)
                        .cloned()
                        .collect();
                    Some(VisitRecord::new(
                        o.child.clone(),
                        placement_on(&o.placements, visit.visit_date),
                        visit,
                        amendments,
                        filed_mark(&o.filed, visit_id).or_else(|| known_mark(visit_id)),
                    ))
                });
            record.set(Some(result));
        });
    });
    view! {
        <p class="no-print">
            {move || ids.get().map(|(c, _)| view! { <A href=format!("/barn/{c}") attr:class="back">{t!(i18n, record.back_to_child)}</A> })}
        </p>
        {move || match record.get() {
            None => view! { <p class="muted">{t!(i18n, record.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(None)) => view! { <p>{t!(i18n, record.visit_not_on_device)}</p> }.into_any(),
            Some(Ok(Some(r))) => view! { <RecordView record=r/> }.into_any(),
        }}
    }
}

/// The document's language: the interface language, or Swedish (the
/// record's language) when asked for, so that what is printed for the record
/// can be in Swedish. Arabic does not cover the staff pages: Swedish there.
fn document_language(interface: Language, in_swedish: bool) -> Language {
    if in_swedish || !interface.covers_staff_pages() {
        Language::Swedish
    } else {
        interface
    }
}

#[component]
fn RecordView(record: VisitRecord) -> impl IntoView {
    let i18n = use_i18n();
    let language = super::language::reader();
    let in_swedish = RwSignal::new(false);
    let document = move || document_language(language(), in_swedish.get());
    let signed = record.visit.signed_by.is_some();
    let record = StoredValue::new(record);
    view! {
        <article class="print-record" data-testid="print-record" lang=move || document().tag()>
            {move || {
                let language = document();
                let locale = language.locale();
                record.with_value(|record| view! {
                    <p class="print-record__doc">{td_string!(locale, record.document.heading)}</p>
                    <h1>{format!("{} · {}", title(record, language), record.child.full_name())}</h1>
                    {record.filed.as_ref().map(|m| view! { <p class="filed">{filed_text(m, language, local)}</p> })}
                    {(!signed).then(|| view! { <p class="warning">{td_string!(locale, record.document.not_signed)}</p> })}
                })
            }}
            <div class="form__actions no-print" lang=move || language().tag()>
                <button type="button" class="button" on:click=|_| browser::print_page()>{t!(i18n, record.print)}</button>
                <span class="muted">{t!(i18n, record.print_works_offline)}</span>
            </div>
            {move || (language() != Language::Swedish && language().covers_staff_pages()).then(|| view! {
                <div class="form__actions no-print" lang=move || language().tag()>
                    <button type="button" class="button button--secondary" data-testid="record-in-swedish"
                        on:click=move |_| in_swedish.update(|s| *s = !*s)>
                        {move || if in_swedish.get() {
                            t_string!(i18n, record.show_in_interface_language)
                        } else {
                            t_string!(i18n, record.show_in_swedish)
                        }}
                    </button>
                    <span class="muted">{t!(i18n, record.record_is_swedish)}</span>
                </div>
            })}
            {move || {
                let language = document();
                record.with_value(|record| view! {
                    {sections(record, language, local).into_iter().map(|s| view! {
                        <section class="print-record__section">
                            <h2>{s.heading}</h2>
                            <dl>
                                {s.items.into_iter().map(|item| match item {
                                    Item::Field { label, value } => view! {
                                        <div class="print-record__field"><dt>{label}</dt><dd>{value}</dd></div>
                                    }.into_any(),
                                    Item::Text { label, text } => view! {
                                        <div class="print-record__text">
                                            {label.map(|l| view! { <dt>{l}</dt> })}
                                            <dd class="visit__note">{text}</dd>
                                        </div>
                                    }.into_any(),
                                }).collect_view()}
                            </dl>
                        </section>
                    }).collect_view()}
                    <p class="muted print-record__foot">
                        {td_string!(language.locale(), record.document.visit_id, id = record.visit.id)}
                    </p>
                })
            }}
        </article>
    }
}

/// A group leader's export of a period's signed, unfiled visits, for one
/// worker or the whole unit: the PDF, then the visits marked filed.
#[component]
pub(crate) fn BulkExportPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let leader = move || ctx.user.with(|u| u.as_ref().map(|u| u.role)) == Some(Role::GroupLeader);
    view! {
        <h1>{t!(i18n, record.bulk.title)}</h1>
        <Show when=leader fallback=move || view! {
            <p role="alert">{t!(i18n, record.bulk.leaders_only)}</p>
        }>
            <BulkExport/>
        </Show>
    }
}

#[component]
fn BulkExport() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let today = super::caseload::today();
    let units = ctx
        .user
        .with_untracked(|u| u.as_ref().map(|u| u.units.clone()))
        .unwrap_or_default();
    let from = RwSignal::new(
        (today - chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string(),
    );
    let to = RwSignal::new(today.format("%Y-%m-%d").to_string());
    // "unit:<id>" or "worker:<id>".
    let scope = RwSignal::new(
        units
            .first()
            .map(|u| format!("unit:{}", u.id))
            .unwrap_or_default(),
    );
    let colleagues = RwSignal::new(Vec::<Colleague>::new());
    Effect::new(move |_| {
        if !ctx.online.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if let Ok(list) = HttpTransport::new(store).colleagues().await {
                colleagues.set(list);
            }
        });
    });
    let found = RwSignal::new(None::<(UnfiledQuery, Vec<VisitRecord>)>);
    let state = RwSignal::new(SaveState::Idle);
    let query = move || -> Result<UnfiledQuery, String> {
        let locale = super::language::now().locale();
        let date = |s: String| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let (Some(from), Some(to)) = (date(from.get_untracked()), date(to.get_untracked())) else {
            return Err(td_string!(locale, record.bulk.period_format).into());
        };
        if to < from {
            return Err(td_string!(locale, record.bulk.period_backwards).into());
        }
        let chosen = scope.get_untracked();
        let (worker, unit) = match chosen.split_once(':') {
            Some(("unit", id)) => (None, UnitId::parse(id).ok()),
            Some(("worker", id)) => (UserId::parse(id).ok(), None),
            _ => (None, None),
        };
        if worker.is_none() && unit.is_none() {
            return Err(td_string!(locale, record.bulk.choose_scope).into());
        }
        Ok(UnfiledQuery {
            from,
            to,
            worker,
            unit,
        })
    };
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = match query() {
            Ok(q) => q,
            Err(e) => return state.set(SaveState::Failed(e)),
        };
        found.set(None);
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).unfiled_records(&q).await {
                Ok(list) => {
                    state.set(SaveState::Idle);
                    found.set(Some((q, list)));
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    let export = move |_| {
        let Some((q, list)) = found.get_untracked() else {
            return;
        };
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let http = HttpTransport::new(store);
            let pdf = match http.unfiled_pdf(&q).await {
                Ok(bytes) => bytes,
                Err(f) => return state.set(failed(ctx, &f)),
            };
            let name = unfiled_file_name(&q);
            let locale = super::language::now().locale();
            if let Err(e) = browser::download_bytes(&name, "application/pdf", &pdf) {
                return state.set(SaveState::Failed(td_string!(
                    locale,
                    record.bulk.download_failed_none_marked,
                    error = e
                )));
            }
            // Only the visits listed are marked: one signed in the meantime
            // stays unfiled and comes with the next export.
            let request = FileRequest {
                visits: list.iter().map(|r| r.visit.id).collect(),
            };
            match http.file_visits(&request).await {
                Ok(marks) => {
                    state.set(SaveState::Saved(td_string!(
                        locale,
                        record.bulk.pdf_saved_and_marked,
                        file = name.as_str(),
                        count = marks.len()
                    )));
                    found.set(None);
                    sync_ctl::request_sync(ctx);
                }
                Err(f) => state.set(SaveState::Failed(td_string!(
                    locale,
                    record.bulk.pdf_saved_mark_failed,
                    error = f.text()
                ))),
            }
        });
    };
    view! {
        <p class="lead muted">{t!(i18n, record.bulk.lead)}</p>
        <NeedsNetwork/>
        <form class="form card" on:submit=search novalidate>
            <div class="form__row">
                <DateField label=Signal::derive(move || t_string!(i18n, record.bulk.from)) value=from/>
                <DateField label=Signal::derive(move || t_string!(i18n, record.bulk.to)) value=to/>
                <label class="field">
                    <span>{t!(i18n, record.bulk.scope)}</span>
                    <select on:change=move |ev| scope.set(event_target_value(&ev))>
                        {units.iter().map(|u| {
                            let value = format!("unit:{}", u.id);
                            let v = value.clone();
                            view! { <option value=value selected=move || scope.get() == v>{t!(i18n, record.bulk.whole_unit, unit = u.name.clone())}</option> }
                        }).collect_view()}
                        {move || colleagues.get().into_iter().filter(|c| c.active && c.role.writes_child_records()).map(|c| {
                            let value = format!("worker:{}", c.id);
                            let v = value.clone();
                            view! { <option value=value selected=move || scope.get() == v>{c.display_name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="form__actions">
                <button type="submit" class="button"
                    disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                    {t!(i18n, record.bulk.show)}
                </button>
            </div>
        </form>
        <SaveLine state/>
        {move || found.get().map(|(_, list)| {
            let n = list.len();
            view! {
                <section class="card" aria-labelledby="unfiled-h">
                    <h2 id="unfiled-h">{t!(i18n, record.bulk.to_file, count = move || n)}</h2>
                    {if n == 0 {
                        view! { <p class="muted" role="status">{t!(i18n, record.bulk.all_filed)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="history" data-testid="unfiled-list">
                                {list.into_iter().map(|r| view! {
                                    <li class="history__item">{move || format!("{} · {} · {}", language().date(r.visit.visit_date), r.child.full_name(), r.visit.visitor)}</li>
                                }).collect_view()}
                            </ul>
                            <button type="button" class="button"
                                disabled=move || state.get() == SaveState::Saving || !ctx.online.get()
                                on:click=export>
                                {t!(i18n, record.bulk.download_and_mark)}
                            </button>
                        }.into_any()
                    }}
                </section>
            }
        })}
    }
}

/// A date field (as `register::TextField` draws it) whose label follows the
/// interface language.
#[component]
fn DateField(label: Signal<&'static str>, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="date" maxlength="120" autocomplete="off" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}
