//! Checklistor: managers keep the placement checklists, one template per
//! placement type, by publishing numbered versions. Placements already
//! started keep the version they started with.

use super::caseload::today;
use super::checklist::templates;
use super::ctx;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use crate::platform::http::HttpTransport;
use leptos::prelude::*;
use shared::checklist::{
    current_template, Applies, ChecklistItem, ChecklistTemplate, TemplateProblem,
};
use shared::PlacementKind;

fn applies_label(applies: Applies, language: Language) -> &'static str {
    let locale = language.locale();
    match applies {
        Applies::Always => td_string!(locale, checklist.templates.applies_always),
        Applies::ChildUnderSeven => td_string!(locale, checklist.templates.applies_under_seven),
        Applies::ChildWithDisability => td_string!(locale, checklist.templates.applies_disability),
    }
}

/// Why a version cannot be published, in the interface language.
fn problem_text(problem: &TemplateProblem, language: Language) -> String {
    let locale = language.locale();
    match problem {
        TemplateProblem::Empty => td_string!(locale, checklist.templates.problem_empty).to_owned(),
        TemplateProblem::BadKey => {
            td_string!(locale, checklist.templates.problem_bad_key).to_owned()
        }
        TemplateProblem::BadText => {
            td_string!(locale, checklist.templates.problem_bad_text).to_owned()
        }
        TemplateProblem::BadTitle => {
            td_string!(locale, checklist.templates.problem_bad_title).to_owned()
        }
        TemplateProblem::BadRoutine => {
            td_string!(locale, checklist.templates.problem_bad_routine).to_owned()
        }
        TemplateProblem::NotNext { latest } => td_string!(
            locale,
            checklist.templates.problem_not_next,
            latest = *latest
        )
        .to_string(),
    }
}

#[component]
pub(crate) fn TemplatesPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let manager = move || {
        ctx.user
            .with(|u| u.as_ref().is_some_and(|u| u.role.sees_whole_units()))
    };
    // Outside the cards, which are redrawn when a version is published.
    let outcome = RwSignal::new(None::<Result<String, String>>);
    view! {
        <h1>{t!(i18n, checklist.templates.title)}</h1>
        {move || outcome.get().map(|o| match o {
            Ok(t) => view! { <p class="notice" role="status" data-testid="template-outcome">{t}</p> }.into_any(),
            Err(t) => view! { <p class="error" role="alert" data-testid="template-outcome">{t}</p> }.into_any(),
        })}
        <Show when=manager fallback=move || view! { <p role="alert">{t!(i18n, checklist.templates.managers_only)}</p> }>
            <p class="lead">{t!(i18n, checklist.templates.lead)}</p>
            {move || {
                ctx.reference.track();
                let all = templates();
                PlacementKind::ALL.into_iter().filter_map(|kind| {
                    current_template(&all, kind, today())
                        .or_else(|| all.iter().filter(|t| t.id.kind == kind).max_by_key(|t| t.id.version))
                        .cloned()
                }).map(|current| {
                    let newest = all.iter().filter(|t| t.id.kind == current.id.kind).map(|t| t.id.version).max().unwrap_or(1);
                    view! { <TemplateCard current newest outcome/> }
                }).collect_view()
            }}
        </Show>
    }
}

#[component]
fn TemplateCard(
    current: ChecklistTemplate,
    newest: u32,
    outcome: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let editing = RwSignal::new(false);
    let items = RwSignal::new(current.items.clone());
    let new_text = RwSignal::new(String::new());
    let valid_from = RwSignal::new((today() + chrono::Duration::days(1)).to_string());
    let kind = current.id.kind;
    let title = current.title.clone();
    let next = newest + 1;
    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(from) = chrono::NaiveDate::parse_from_str(&valid_from.get_untracked(), "%Y-%m-%d")
        else {
            outcome.set(Some(Err(t_string!(
                i18n,
                checklist.templates.valid_from_missing
            )
            .to_owned())));
            return;
        };
        let template = ChecklistTemplate {
            id: shared::checklist::TemplateVersion {
                kind,
                version: next,
            },
            // Content, like the items: in Swedish, as the shipped templates.
            title: format!(
                "Checklista vid placering: {}",
                kind.label(Language::Swedish).to_lowercase()
            ),
            items: items.get_untracked(),
            valid_from: from,
            published_by: None,
        };
        if let Err(e) = template.check() {
            outcome.set(Some(Err(t_string!(
                i18n,
                checklist.templates.cannot_publish,
                error = problem_text(&e, super::language::now())
            )
            .to_string())));
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = super::store() else { return };
            match HttpTransport::new(store).publish_template(&template).await {
                Ok(t) => {
                    let language = super::language::now();
                    outcome.set(Some(Ok(td_string!(
                        language.locale(),
                        checklist.templates.published,
                        version = t.id.version,
                        date = language.date(t.valid_from)
                    )
                    .to_string())));
                    super::sync_ctl::refresh_reference(ctx).await;
                    editing.set(false);
                }
                Err(e) => outcome.set(Some(Err(super::devices::error_text(&e)))),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby=format!("template-{}", kind.as_str()) data-testid="template">
            <h2 lang="sv" id=format!("template-{}", kind.as_str())>{title.clone()}</h2>
            <p class="muted">{t!(i18n, checklist.templates.versions, current = current.id.version, newest = newest)}</p>
            <Show when=move || editing.get() fallback=move || {
                let listed = current.items.clone();
                view! {
                    <ol>{listed.into_iter().map(|i| view! { <li><span lang="sv">{i.text}</span><span class="muted">" · "{move || applies_label(i.applies, language())}</span></li> }).collect_view()}</ol>
                    <button type="button" class="button button--secondary" on:click=move |_| editing.set(true)>
                        {t!(i18n, checklist.templates.new_version, version = next)}
                    </button>
                }
            }>
                <form class="form" on:submit=publish novalidate>
                    <ol class="template-items">
                        {move || items.get().into_iter().enumerate().map(|(n, item)| view! {
                            <li class="template-items__item">
                                <span lang="sv">{item.text.clone()}</span>
                                <span class="muted">" · "{move || applies_label(item.applies, language())}</span>
                                <button type="button" class="button button--secondary" aria-label={let text = item.text.clone(); move || t_string!(i18n, checklist.templates.remove_item, item = text.clone()).to_string()}
                                    on:click=move |_| items.update(|all| { all.remove(n); })>{t!(i18n, checklist.templates.remove)}</button>
                            </li>
                        }).collect_view()}
                    </ol>
                    <label class="field"><span>{t!(i18n, checklist.templates.new_item)}</span>
                        <input type="text" prop:value=move || new_text.get() on:input=move |ev| new_text.set(event_target_value(&ev))/></label>
                    <button type="button" class="button button--secondary" on:click=move |_| {
                        let text = new_text.get_untracked().trim().to_owned();
                        if text.is_empty() { return; }
                        items.update(|all| {
                            let taken: Vec<String> = all.iter().map(|i| i.key.clone()).collect();
                            all.push(ChecklistItem { key: shared::checklist::item_key_from(&text, &taken), text, applies: Applies::Always, routine: None });
                        });
                        new_text.set(String::new());
                    }>{t!(i18n, checklist.templates.add_item)}</button>
                    <label class="field"><span>{t!(i18n, checklist.templates.valid_from)}</span>
                        <input type="date" prop:value=move || valid_from.get() on:input=move |ev| valid_from.set(event_target_value(&ev))/></label>
                    <div class="form__actions">
                        <button type="submit" class="button">{t!(i18n, checklist.templates.publish, version = next)}</button>
                        <button type="button" class="button button--secondary" on:click=move |_| editing.set(false)>{t!(i18n, checklist.templates.cancel)}</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}
