//! "Språk och översättningar": each language's texts with their review
//! status, so staff know whether what a child or a consultant reads has been
//! checked: the interface texts and the content (routines, checklists, the
//! children's pages). The interface counts are compiled in; the texts come
//! from `texts/status.json`, served with the app.

use crate::i18n::{t, t_string, use_i18n};
use crate::language::Language;
use crate::platform::http;
use crate::review;
use leptos::prelude::*;
use texts::{LanguageStatus, TextStatus};

#[component]
pub(crate) fn LanguagesPage() -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new("en");
    let only_open = RwSignal::new(true);
    let content = RwSignal::new(false);
    let loaded = RwSignal::new(None::<Result<Vec<LanguageStatus>, String>>);
    leptos::task::spawn_local(async move {
        let result = http::static_json::<Vec<LanguageStatus>>(review::STATUS_PATH)
            .await
            .map_err(|e| super::devices::error_text(&e));
        loaded.set(Some(result));
    });
    let translated: Vec<Language> = Language::ALL
        .into_iter()
        .filter(|l| review::of(l.tag()).is_some())
        .collect();
    view! {
        <section class="card" aria-labelledby="languages-h">
            <h1 id="languages-h">{t!(i18n, languages.title)}</h1>
            <p>{t!(i18n, languages.intro)}</p>
            <table class="audit-table" data-testid="language-summary">
                <caption>{t!(i18n, languages.summary_caption)}</caption>
                <thead><tr>
                    <th scope="col">{t!(i18n, languages.language)}</th>
                    <th scope="col">{t!(i18n, languages.status_reviewed)}</th>
                    <th scope="col">{t!(i18n, languages.status_draft)}</th>
                    <th scope="col">{t!(i18n, languages.status_outdated)}</th>
                    <th scope="col">{t!(i18n, languages.status_missing)}</th>
                </tr></thead>
                <tbody>
                    {translated.iter().filter_map(|l| review::of(l.tag()).map(|r| (*l, r))).map(|(language, r)| view! {
                        <tr data-language=language.tag()>
                            <th scope="row" lang=language.tag()>{language.own_name()}</th>
                            <td>{r.reviewed}</td>
                            <td>{r.draft}</td>
                            <td>{r.outdated}</td>
                            <td>{r.missing}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>{t!(i18n, languages.content_intro)}</p>
            {move || loaded.with(|l| match l {
                Some(Ok(languages)) => Some(view! {
                    <table class="audit-table" data-testid="content-summary">
                        <caption>{t!(i18n, languages.content_caption)}</caption>
                        <thead><tr>
                            <th scope="col">{t!(i18n, languages.language)}</th>
                            <th scope="col">{t!(i18n, languages.status_reviewed)}</th>
                            <th scope="col">{t!(i18n, languages.status_draft)}</th>
                            <th scope="col">{t!(i18n, languages.status_outdated)}</th>
                            <th scope="col">{t!(i18n, languages.status_missing)}</th>
                        </tr></thead>
                        <tbody>
                            {languages.iter().filter_map(|l| Language::from_tag(&l.language).map(|language| (language, l))).map(|(language, l)| {
                                let count = |status: &str| l.content.iter().filter(|t| t.status == status).count();
                                view! {
                                    <tr data-language=language.tag()>
                                        <th scope="row" lang=language.tag()>{language.own_name()}</th>
                                        <td>{count("reviewed")}</td>
                                        <td>{count("draft")}</td>
                                        <td>{count("outdated")}</td>
                                        <td>{count("missing")}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }),
                _ => None,
            })}
            <div class="form__row" role="group" aria-label=move || t_string!(i18n, languages.catalogue)>
                <button type="button" class="button button--quiet"
                    aria-pressed=move || (!content.get()).to_string()
                    on:click=move |_| content.set(false)>{t!(i18n, languages.interface_texts)}</button>
                <button type="button" class="button button--quiet"
                    aria-pressed=move || content.get().to_string()
                    on:click=move |_| content.set(true)>{t!(i18n, languages.content)}</button>
            </div>
            <div class="form__row" role="group" aria-label=move || t_string!(i18n, languages.show)>
                {translated.iter().map(|language| {
                    let tag = language.tag();
                    view! {
                        <button type="button" class="button button--quiet" lang=tag
                            aria-pressed=move || (chosen.get() == tag).to_string()
                            on:click=move |_| chosen.set(tag)>
                            {language.own_name()}
                        </button>
                    }
                }).collect_view()}
                <label class="check">
                    <input type="checkbox" prop:checked=move || only_open.get()
                        on:change=move |ev| only_open.set(event_target_checked(&ev))/>
                    {t!(i18n, languages.only_open)}
                </label>
            </div>
            {move || match loaded.get() {
                None => view! { <p class="muted" role="status">{t!(i18n, languages.loading)}</p> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Ok(languages)) => {
                    let tag = chosen.get();
                    let language = Language::from_tag(tag).unwrap_or(Language::English);
                    let rows: Vec<TextStatus> = languages
                        .into_iter()
                        .find(|l| l.language == tag)
                        .map(|l| if content.get() { l.content } else { l.texts })
                        .map(|texts| texts.into_iter().filter(|t| !only_open.get() || t.status != "reviewed").collect())
                        .unwrap_or_default();
                    view! {
                        <table class="audit-table" data-testid="language-texts">
                            <caption>{move || t_string!(i18n, languages.texts_caption)} " " {language.own_name()}</caption>
                            <thead><tr>
                                <th scope="col">{move || if content.get() { t_string!(i18n, languages.file) } else { t_string!(i18n, languages.key) }}</th>
                                <th scope="col">{t!(i18n, languages.swedish)}</th>
                                <th scope="col">{t!(i18n, languages.translation)}</th>
                                <th scope="col">{t!(i18n, languages.status)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|text| {
                                    let (status, key, swedish, translation) =
                                        (text.status.clone(), text.key.clone(), text.swedish.clone(), text.text.clone());
                                    view! {
                                        <tr data-status=status>
                                            <td translate="no"><code>{key}</code></td>
                                            <td lang="sv" class="language-text">{swedish}</td>
                                            <td lang=language.tag() dir=language.direction().as_str() class="language-text">{translation}</td>
                                            <td>{status_text(text)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn status_text(text: TextStatus) -> impl IntoView {
    let i18n = use_i18n();
    move || match text.status.as_str() {
        "reviewed" => format!(
            "{} ({}, {})",
            t_string!(i18n, languages.status_reviewed),
            text.by,
            text.on
        ),
        "outdated" => t_string!(i18n, languages.status_outdated).to_owned(),
        "missing" => t_string!(i18n, languages.status_missing).to_owned(),
        _ => t_string!(i18n, languages.status_draft).to_owned(),
    }
}
