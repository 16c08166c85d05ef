//! The current placement's checklist: each item ticked done or "ej
//! aktuellt", by whom and when, with the routine behind it.

use super::ctx;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::form::{record_change, ErrorLine};
use leptos::prelude::*;
use shared::checklist::{builtin_templates, progress, template_of, ChecklistTick, ItemState};
use shared::content::TranslationStatus;
use shared::protocol::{Mutation, Operation};
use shared::{ChecklistTickId, Child, MutationId, Placement, VisitorName};

/// The templates the app ships with and those managers published.
pub(crate) fn templates() -> Vec<shared::checklist::ChecklistTemplate> {
    let mut all = builtin_templates();
    all.extend(
        ctx()
            .reference
            .with_untracked(|r| r.checklist_templates.clone()),
    );
    all
}

/// "4 av 6 klara", for a row of the caseload; `templates` as [`templates`]
/// gives them, fetched once for every row.
pub(crate) fn progress_text(
    templates: &[shared::checklist::ChecklistTemplate],
    child: &Child,
    placement: &Placement,
    ticks: &[ChecklistTick],
) -> Option<String> {
    let template = template_of(templates, placement)?;
    let p = progress(template, child, placement, ticks);
    Some(
        td_string!(
            super::language::now().locale(),
            checklist.progress,
            settled = p.settled(),
            total = p.total()
        )
        .to_string(),
    )
}

#[component]
pub(crate) fn PlacementChecklist(
    child: Child,
    placement: Placement,
    ticks: Vec<ChecklistTick>,
    pending: std::collections::HashSet<String>,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let templates = templates();
    let Some(template) = template_of(&templates, &placement).cloned() else {
        return view! { <p class="muted">{t!(i18n, checklist.no_template)}</p> }.into_any();
    };
    let status = progress(&template, &child, &placement, &ticks);
    // The shipped template's words in the interface language when there is a
    // current translation; the published Swedish otherwise.
    let words = {
        let template = template.clone();
        Memo::new(move |_| {
            let tag = language().tag();
            template
                .words_in(tag)
                .filter(|w| w.status != TranslationStatus::Outdated)
                .map(|w| (w, tag))
        })
    };
    let title = {
        let swedish = template.title.clone();
        move || {
            words.with(|w| {
                w.as_ref()
                    .map_or((swedish.clone(), "sv"), |(w, tag)| (w.title.clone(), *tag))
            })
        }
    };
    let title_lang = title.clone();
    let (settled, total) = (status.settled(), status.total());
    let version = template.id;
    let version_number = version.version;
    let rows: Vec<_> = status
        .items
        .iter()
        .map(|s| {
            (
                s.item.clone(),
                s.state,
                s.last.map(|t| {
                    (
                        t.by_name.to_string(),
                        t.ticked_at.with_timezone(&chrono::Local).naive_local(),
                        pending.contains(&format!("tick:{}", t.id)),
                    )
                }),
            )
        })
        .collect();
    let error = RwSignal::new(None::<String>);
    let (child_id, placement_id) = (placement.child_id, placement.id);
    let tick = move |key: String, state: ItemState| {
        let Some(user) = ctx.user.get_untracked() else {
            return;
        };
        let Ok(by_name) = VisitorName::parse(user.display_name.trim_end_matches(" (demo)")) else {
            return;
        };
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::TickChecklist(ChecklistTick {
                id: ChecklistTickId::new_random(),
                child_id,
                placement_id,
                template: version,
                item_key: key,
                state,
                by_name,
                by: user.id,
                ticked_at: chrono::Utc::now(),
            }),
        };
        leptos::task::spawn_local(async move {
            if let Err(e) = record_change(ctx, mutation, None).await {
                error.set(Some(
                    td_string!(
                        super::language::now().locale(),
                        checklist.tick_failed,
                        error = e
                    )
                    .to_string(),
                ));
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="checklist-h">
            <h2 id="checklist-h" lang=move || title_lang().1>{move || title().0}</h2>
            <p data-testid="checklist-progress">
                <strong>{t!(i18n, checklist.summary, settled = settled, total = total)}</strong>
                <span class="muted">" · "{t!(i18n, checklist.version, version = version_number)}</span>
            </p>
            <ul class="checklist">
                {rows.into_iter().map(|(item, state, last)| {
                    let key_done = item.key.clone();
                    let key_na = item.key.clone();
                    let key_open = item.key.clone();
                    let done = state == ItemState::Done;
                    let not_applicable = state == ItemState::NotApplicable;
                    let text = {
                        let (key, swedish) = (item.key.clone(), item.text.clone());
                        move || {
                            words.with(|w| {
                                w.as_ref()
                                    .and_then(|(w, tag)| w.items.get(&key).map(|text| (text.clone(), *tag)))
                                    .unwrap_or((swedish.clone(), "sv"))
                            })
                        }
                    };
                    let text_lang = text.clone();
                    view! {
                        <li class="checklist__item" data-state=state.as_str()>
                            <div class="checklist__text">
                                <span class="checklist__mark" aria-hidden="true">
                                    {match state { ItemState::Done => "✓", ItemState::NotApplicable => "–", ItemState::Open => "○" }}
                                </span>
                                <span lang=move || text_lang().1 id=format!("checklist-item-{}", item.key)>{move || text().0}</span>
                                {item.routine.clone().map(|id| view! {
                                    <a class="checklist__routine" href=format!("/rutiner/{id}")>
                                        {t!(i18n, checklist.read_routine)}
                                    </a>
                                })}
                                {last.map(|(by, at, waiting)| view! {
                                    <span class="muted checklist__who">
                                        {move || {
                                            let who = format!("{by} {}", language().date_time(at));
                                            match state {
                                                ItemState::Done => t_string!(i18n, checklist.done_by, who).to_string(),
                                                ItemState::NotApplicable => t_string!(i18n, checklist.not_applicable_by, who).to_string(),
                                                ItemState::Open => t_string!(i18n, checklist.undone_by, who).to_string(),
                                            }
                                        }}
                                        {waiting.then(|| view! { " · "{t!(i18n, checklist.waiting_for_sync)} })}
                                    </span>
                                })}
                            </div>
                            <div class="checklist__actions" role="group" aria-labelledby=format!("checklist-item-{}", item.key)>
                                {if done || not_applicable {
                                    view! {
                                        <button type="button" class="button button--secondary"
                                            on:click=move |_| tick(key_open.clone(), ItemState::Open)>
                                            {t!(i18n, checklist.undo)}
                                        </button>
                                    }.into_any()
                                } else {
                                    view! {
                                        <button type="button" class="button"
                                            on:click=move |_| tick(key_done.clone(), ItemState::Done)>
                                            {t!(i18n, checklist.done)}
                                        </button>
                                        <button type="button" class="button button--secondary"
                                            on:click=move |_| tick(key_na.clone(), ItemState::NotApplicable)>
                                            {t!(i18n, checklist.not_applicable)}
                                        </button>
                                    }.into_any()
                                }}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ErrorLine error=error/>
        </section>
    }
    .into_any()
}
