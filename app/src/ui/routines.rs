//! Rutiner: the routine library, searchable offline, each routine rendered
//! from its Markdown (as views, never as HTML), with its earlier versions.

use super::caseload::today;
use super::{ctx, language};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::content::TranslationStatus;
use shared::markdown::{Block, HeadingLevel, HrefKind, Inline, ListKind};
use shared::routines::{seed_library, Library, RoutineId, RoutineVersion};
use shared::search::{segments, SearchIndex};
use std::rc::Rc;

thread_local! {
    /// The library and its index, rebuilt only when what managers published
    /// changes (the count of published versions identifies it: versions are
    /// only ever added).
    static LIBRARY: std::cell::RefCell<Option<(usize, Rc<(Library, SearchIndex)>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The routines in force today, by title: what a deviation can be linked to.
pub(crate) fn current_routine_titles() -> Vec<(RoutineId, String)> {
    let library = library();
    let mut list: Vec<(RoutineId, String)> = library
        .0
        .current(today())
        .into_iter()
        .map(|v| (v.routine_id().clone(), v.title().to_string()))
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

/// The routines the app ships with and those managers published since.
fn library() -> Rc<(Library, SearchIndex)> {
    let published = ctx().reference.with(|r| r.routines.clone());
    LIBRARY.with(|cache| {
        if let Some((count, built)) = cache.borrow().as_ref() {
            if *count == published.len() {
                return Rc::clone(built);
            }
        }
        let mut library = seed_library();
        let count = published.len();
        let mut published = published;
        published.sort_by_key(|v| (v.routine_id().clone(), v.version()));
        for version in published {
            // The server refused anything out of order; a stale copy of a
            // version the app now ships is simply skipped.
            let _ = library.publish(version);
        }
        let index = SearchIndex::current(&library, today());
        let built = Rc::new((library, index));
        *cache.borrow_mut() = Some((count, Rc::clone(&built)));
        built
    })
}

fn is_manager() -> bool {
    ctx()
        .user
        .with_untracked(|u| u.as_ref().is_some_and(|u| u.role.sees_whole_units()))
}

fn marked(text: &str, ranges: &[std::ops::Range<usize>]) -> impl IntoView {
    segments(text, ranges)
        .into_iter()
        .map(|(part, hit)| {
            let part = part.to_owned();
            if hit {
                view! { <mark>{part}</mark> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

#[component]
pub(crate) fn RoutinesPage() -> impl IntoView {
    let query = use_query_map();
    let i18n = use_i18n();
    let language = language::reader();
    let text = RwSignal::new(query.with_untracked(|q| q.get("q").unwrap_or_default()));
    let lib = library();
    let today = today();
    let overdue: Vec<(String, String, chrono::NaiveDate)> = if is_manager() {
        lib.0
            .review_overdue(today)
            .into_iter()
            .map(|v| {
                (
                    v.routine_id().as_str().to_owned(),
                    v.title().as_str().to_owned(),
                    v.review_date(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    view! {
        <h1>{t!(i18n, routines.title)}</h1>
        {(!overdue.is_empty()).then(|| view! {
            <div class="card card--attention" role="note">
                <h2>{t!(i18n, routines.review_overdue)}</h2>
                <ul>
                    {overdue.into_iter().map(|(id, title, date)| view! {
                        <li><A href=format!("/rutiner/{id}") attr:lang="sv">{title}</A>{move || format!(
                            " {}",
                            t_string!(i18n, routines.should_have_been_reviewed, date = language().date(date))
                        )}</li>
                    }).collect_view()}
                </ul>
            </div>
        })}
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <label>
                <span>{t!(i18n, routines.search)}</span>
                <input type="search" placeholder=move || t_string!(i18n, routines.search_placeholder)
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))/>
            </label>
        </form>
        {move || {
            let lib_for_list = library();
            let q = text.get();
            let language = language();
            if q.trim().is_empty() {
                let mut current: Vec<&RoutineVersion> = lib_for_list.0.current(today);
                current.sort_by(|a, b| a.kind().label(language).cmp(b.kind().label(language)).then(a.title().as_str().cmp(b.title().as_str())));
                let rows: Vec<(String, (String, &'static str), String)> = current
                    .into_iter()
                    .map(|v| {
                        (
                            v.routine_id().as_str().to_owned(),
                            shown_title(v, language),
                            format!(
                                " · {}",
                                td_string!(
                                    language.locale(),
                                    routines.list_meta,
                                    kind = v.kind().label(language),
                                    number = v.registration_number().as_str(),
                                    version = v.version()
                                )
                            ),
                        )
                    })
                    .collect();
                view! {
                    <ul class="routines" aria-label=td_string!(language.locale(), routines.current_routines)>
                        {rows.into_iter().map(|(id, (title, lang), meta)| view! {
                            <li class="routines__item">
                                <A href=format!("/rutiner/{id}") attr:lang=lang>{title}</A>
                                <span class="muted">{meta}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            } else {
                let hits = lib_for_list.1.search(&q, 20);
                if hits.is_empty() {
                    view! { <p role="status">{t!(i18n, routines.no_hits)}</p> }.into_any()
                } else {
                    view! {
                        <p role="status" class="muted">{td_string!(language.locale(), routines.hits, count = hits.len()).to_string()}</p>
                        <ul class="routines" aria-label=td_string!(language.locale(), routines.search_hits)>
                            {hits.into_iter().map(|h| view! {
                                <li class="routines__item" data-testid="routine-hit">
                                    <A href=format!("/rutiner/{}", h.routine_id.as_str()) attr:lang="sv">{marked(&h.title, &h.title_highlights)}</A>
                                    <p class="muted" lang="sv">{marked(&h.snippet.text, &h.snippet.highlights)}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }
        }}
    }
}

#[component]
pub(crate) fn RoutinePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // Outside the part that is redrawn when the library changes: publishing
    // changes it, and the answer must stay in view.
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let in_swedish = RwSignal::new(false);
    let i18n = use_i18n();
    let language = language::reader();
    let page = move || {
        let lib = library();
        let today = today();
        let language = language();
        let Some(id) = params
            .with(|p| p.get("id"))
            .and_then(|id| RoutineId::parse(&id).ok())
        else {
            return view! { <p>{t!(i18n, routines.not_found)}</p> }.into_any();
        };
        let asked = query
            .with(|q| q.get("version"))
            .and_then(|v| v.parse::<u32>().ok());
        let shown = match asked {
            Some(n) => lib.0.version(&id, n),
            None => lib
                .0
                .current_version(&id, today)
                .or_else(|| lib.0.newest(&id)),
        };
        let Some(version) = shown.cloned() else {
            return view! { <p>{t!(i18n, routines.not_found)}</p> }.into_any();
        };
        let status = lib.0.status(&version, today);
        let history: Vec<(u32, String, String)> = lib
            .0
            .versions_of(&id)
            .into_iter()
            .map(|v| {
                (
                    v.version(),
                    language.date(v.valid_from()),
                    lib.0.status(v, today).label(language).to_owned(),
                )
            })
            .collect();
        let review_flag = (is_manager() && version.review_passed(today)).then(|| {
            td_string!(
                language.locale(),
                routines.review_passed,
                date = language.date(version.review_date())
            )
            .to_string()
        });
        let translation = version.translation(language.tag());
        let outdated = translation
            .as_ref()
            .is_some_and(|t| t.status == TranslationStatus::Outdated);
        let translation = translation.filter(|_| !outdated);
        let note = translation.as_ref().map(|t| match &t.status {
            TranslationStatus::Reviewed { by, on } => td_string!(
                language.locale(),
                routines.translation_reviewed,
                by = by,
                on = on
                    .parse()
                    .map_or_else(|_| on.clone(), |day| language.date(day))
            ),
            _ => td_string!(language.locale(), routines.translation_draft).to_owned(),
        });
        let shown = translation.filter(|_| !in_swedish.get());
        let (title, owner, blocks, lang) = match &shown {
            Some(t) => (
                t.title.as_str().to_owned(),
                t.owner.as_ref().map_or_else(
                    || version.owner().as_str().to_owned(),
                    |o| o.as_str().to_owned(),
                ),
                t.body.blocks(),
                language.tag(),
            ),
            None => (
                version.title().as_str().to_owned(),
                version.owner().as_str().to_owned(),
                version.body().blocks(),
                "sv",
            ),
        };
        let publisher = is_manager().then(|| {
            let newest = lib
                .0
                .newest(&id)
                .cloned()
                .unwrap_or_else(|| version.clone());
            view! { <PublishVersion newest outcome/> }
        });
        view! {
            <p><A href="/rutiner" attr:class="back">{t!(i18n, routines.back)}</A></p>
            <article class="routine">
                // The routine is the municipality's document: the Swedish
                // applies, a translation says so.
                <h1 lang=lang>{title}</h1>
                {note.map(|note| view! {
                    <p class="notice" role="note" data-testid="routine-translation">
                        {note}" "
                        <button type="button" class="button button--quiet" aria-pressed=move || in_swedish.get().to_string()
                            on:click=move |_| in_swedish.update(|s| *s = !*s)>
                            {move || if in_swedish.get() {
                                td_string!(language.locale(), routines.show_translation).to_owned()
                            } else {
                                td_string!(language.locale(), routines.show_swedish).to_owned()
                            }}
                        </button>
                    </p>
                })}
                {outdated.then(|| view! {
                    <p class="muted" role="note" data-testid="routine-translation">{td_string!(language.locale(), routines.translation_outdated)}</p>
                })}
                <dl class="routine__meta">
                    <dt>{t!(i18n, routines.kind)}</dt><dd>{version.kind().label(language)}</dd>
                    <dt>{t!(i18n, routines.registration_number)}</dt><dd>{version.registration_number().as_str().to_owned()}</dd>
                    <dt>{t!(i18n, routines.version)}</dt><dd data-testid="routine-version">{td_string!(language.locale(), routines.version_status, version = version.version(), status = status.label(language).to_lowercase()).to_string()}</dd>
                    <dt>{t!(i18n, routines.valid_from)}</dt><dd>{language.date(version.valid_from())}</dd>
                    <dt>{t!(i18n, routines.review_by)}</dt><dd>{language.date(version.review_date())}</dd>
                    <dt>{t!(i18n, routines.owner)}</dt><dd lang=lang>{owner}</dd>
                </dl>
                {review_flag.map(|f| view! { <p class="warning" role="note">{f}</p> })}
                <div class="routine__body" lang=lang>{render_blocks(blocks)}</div>
                <p><A href=format!("/avvikelse?rutin={}", id.as_str()) attr:class="tap-link" attr:data-testid="routine-report-deviation">{t!(i18n, routines.report_deviation)}</A></p>
            </article>
            {publisher}
            {(history.len() > 1).then(|| view! {
                <section class="card" aria-labelledby="versions-h">
                    <h2 id="versions-h">{t!(i18n, routines.versions)}</h2>
                    <ul>
                        {history.into_iter().map(|(n, from, status)| view! {
                            <li>
                                <A href=format!("/rutiner/{}?version={n}", id.as_str())>{td_string!(language.locale(), routines.version_n, n = n).to_string()}</A>
                                {format!(" · {}", td_string!(language.locale(), routines.version_meta, from = from, status = status))}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
        }
        .into_any()
    };
    view! {
        {move || outcome.get().map(|o| match o {
            Ok(text) => view! { <p class="notice" role="status" data-testid="publish-outcome">{text}</p> }.into_any(),
            Err(text) => view! { <p class="error" role="alert" data-testid="publish-outcome">{text}</p> }.into_any(),
        })}
        {page}
    }
}

/// A routine's title in the interface language when a current translation
/// ships, with its language tag; the Swedish title otherwise.
fn shown_title(version: &RoutineVersion, language: Language) -> (String, &'static str) {
    version
        .translation(language.tag())
        .filter(|t| t.status != TranslationStatus::Outdated)
        .map_or_else(
            || (version.title().as_str().to_owned(), "sv"),
            |t| (t.title.as_str().to_owned(), language.tag()),
        )
}

pub(crate) fn render_blocks(blocks: Vec<Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|block| match block {
            Block::Heading { level, inlines } => match level {
                HeadingLevel::H1 | HeadingLevel::H2 => {
                    view! { <h2>{render_inlines(inlines)}</h2> }.into_any()
                }
                _ => view! { <h3>{render_inlines(inlines)}</h3> }.into_any(),
            },
            Block::Paragraph(inlines) => view! { <p>{render_inlines(inlines)}</p> }.into_any(),
            Block::Quote(inlines) => {
                view! { <blockquote>{render_inlines(inlines)}</blockquote> }.into_any()
            }
            Block::List(list) => {
                let items = list
                    .items
                    .into_iter()
                    .map(|item| {
                        let sub = item.sublist.map(|sub| {
                            let inner = sub
                                .items
                                .into_iter()
                                .map(|inlines| view! { <li>{render_inlines(inlines)}</li> })
                                .collect_view();
                            match sub.kind {
                                ListKind::Bullet => view! { <ul>{inner}</ul> }.into_any(),
                                ListKind::Ordered { start } => {
                                    view! { <ol start=start>{inner}</ol> }.into_any()
                                }
                            }
                        });
                        view! { <li>{render_inlines(item.inlines)}{sub}</li> }
                    })
                    .collect_view();
                match list.kind {
                    ListKind::Bullet => view! { <ul>{items}</ul> }.into_any(),
                    ListKind::Ordered { start } => {
                        view! { <ol start=start>{items}</ol> }.into_any()
                    }
                }
            }
        })
        .collect_view()
}

fn render_inlines(inlines: Vec<Inline>) -> AnyView {
    inlines
        .into_iter()
        .map(|inline| match inline {
            Inline::Text(text) => text.into_any(),
            Inline::Strong(children) => view! { <strong>{render_inlines(children)}</strong> }.into_any(),
            Inline::Emphasis(children) => view! { <em>{render_inlines(children)}</em> }.into_any(),
            Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
            Inline::Link { href, children } => match href.kind() {
                HrefKind::Web => view! {
                    <a href=href.as_str().to_owned() target="_blank" rel="noopener noreferrer">{render_inlines(children)}</a>
                }.into_any(),
                _ => view! { <a href=href.as_str().to_owned()>{render_inlines(children)}</a> }.into_any(),
            },
        })
        .collect_view()
        .into_any()
}

/// A manager publishes the next version of a routine: the newest version's
/// text to start from, a preview as it will read, valid from a coming day.
#[component]
fn PublishVersion(
    newest: RoutineVersion,
    outcome: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    use shared::routines::{
        RegistrationNumber, RoutineBody, RoutineDraft, RoutineKind, RoutineOwner, RoutineTitle,
    };
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let open = RwSignal::new(false);
    let draft = newest.to_draft();
    let next = draft.version + 1;
    let tomorrow = today() + chrono::Duration::days(1);
    let title = RwSignal::new(draft.title.as_str().to_owned());
    let kind = RwSignal::new(draft.kind);
    let number = RwSignal::new(draft.registration_number.as_str().to_owned());
    let owner = RwSignal::new(draft.owner.as_str().to_owned());
    let valid_from = RwSignal::new(tomorrow.to_string());
    let review = RwSignal::new((tomorrow + chrono::Duration::days(365)).to_string());
    let body = RwSignal::new(draft.body.as_str().to_owned());
    let routine_id = StoredValue::new(draft.routine_id.clone());
    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let date = |s: String| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        let parsed = (|| {
            Some(RoutineDraft {
                routine_id: routine_id.get_value(),
                version: next,
                title: RoutineTitle::parse(&title.get_untracked()).ok()?,
                kind: kind.get_untracked(),
                registration_number: RegistrationNumber::parse(&number.get_untracked()).ok()?,
                valid_from: date(valid_from.get_untracked())?,
                review_date: date(review.get_untracked())?,
                owner: RoutineOwner::parse(&owner.get_untracked()).ok()?,
                body: RoutineBody::parse(&body.get_untracked()).ok()?,
                published_at: None,
            })
        })();
        let Some(new_draft) = parsed else {
            outcome.set(Some(Err(t_string!(i18n, routines.fill_in_all).to_owned())));
            return;
        };
        if let Err(e) = RoutineVersion::new(new_draft.clone()) {
            outcome.set(Some(Err(match e {
                shared::routines::VersionError::ReviewNotAfterValidFrom => {
                    t_string!(i18n, routines.review_not_after_valid_from).to_owned()
                }
                shared::routines::VersionError::ZeroVersion => e.to_string(),
            })));
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = super::store() else { return };
            let result = crate::platform::http::HttpTransport::new(store)
                .publish_routine(&new_draft)
                .await;
            match result {
                Ok(v) => {
                    let language = language::now();
                    outcome.set(Some(Ok(td_string!(
                        language.locale(),
                        routines.published,
                        version = v.version(),
                        date = language.date(v.valid_from())
                    )
                    .to_string())));
                    open.set(false);
                    super::sync_ctl::refresh_reference(ctx).await;
                }
                Err(e) => outcome.set(Some(Err(super::devices::error_text(&e)))),
            }
        });
    };
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <p><button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                {move || t_string!(i18n, routines.publish_version, next = next).to_string()}
            </button></p>
        }>
            <form class="form card" on:submit=publish novalidate>
                <h2>{move || t_string!(i18n, routines.new_version, next = next).to_string()}</h2>
                <label class="field"><span>{t!(i18n, routines.field_title)}</span>
                    <input type="text" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/></label>
                <label class="field"><span>{t!(i18n, routines.kind)}</span>
                    <select on:change=move |ev| {
                        if let Some(k) = RoutineKind::parse(&event_target_value(&ev)) { kind.set(k); }
                    }>
                        {[RoutineKind::Riktlinje, RoutineKind::Anvisning, RoutineKind::Rutin, RoutineKind::Checklista].into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{move || k.label(language())}</option>
                        }).collect_view()}
                    </select></label>
                <div class="form__row">
                    <label class="field"><span>{t!(i18n, routines.registration_number)}</span>
                        <input type="text" prop:value=move || number.get() on:input=move |ev| number.set(event_target_value(&ev))/></label>
                    <label class="field"><span>{t!(i18n, routines.owner)}</span>
                        <input type="text" prop:value=move || owner.get() on:input=move |ev| owner.set(event_target_value(&ev))/></label>
                </div>
                <div class="form__row">
                    <label class="field"><span>{t!(i18n, routines.valid_from)}</span>
                        <input type="date" prop:value=move || valid_from.get() on:input=move |ev| valid_from.set(event_target_value(&ev))/></label>
                    <label class="field"><span>{t!(i18n, routines.review_by)}</span>
                        <input type="date" prop:value=move || review.get() on:input=move |ev| review.set(event_target_value(&ev))/></label>
                </div>
                <label class="field"><span>{t!(i18n, routines.field_body)}</span>
                    <textarea rows="14" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea></label>
                <div class="routine__body routine__preview" aria-label=move || t_string!(i18n, routines.preview)>
                    <p class="muted">{t!(i18n, routines.preview)}</p>
                    {move || render_blocks(shared::markdown::parse(&body.get()))}
                </div>
                <div class="form__actions">
                    <button type="submit" class="button">{t!(i18n, routines.publish)}</button>
                    <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>{t!(i18n, routines.cancel)}</button>
                </div>
                <p class="muted">{t!(i18n, routines.publish_note)}</p>
            </form>
        </Show>
    }
}
