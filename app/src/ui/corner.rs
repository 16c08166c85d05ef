//! "För barn och unga": what a placed child can read alone, before anyone
//! signs in, on the social worker's tablet or the child's own phone. It
//! shows no child's data and works offline (the words are compiled in; the
//! service worker keeps the app). The pages are at stable paths under
//! `/barn-och-unga`.

use super::language::{self, LanguagePicker};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::platform::{browser, speech};
use leptos::prelude::*;
use leptos_router::components::{Route, Routes, A};
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use leptos_router::{path, Lazy};
use shared::children::{self, AgeGroup, Topic};
use shared::content::TranslationStatus;

/// Where the corner starts.
pub(crate) const HOME: &str = "/barn-och-unga";

const LARGER_TEXT: &str = "barnbesok.corner.larger-text";

/// Whether `path` is a page of the corner.
pub(crate) fn is_corner(path: &str) -> bool {
    path == HOME || path.starts_with("/barn-och-unga/")
}

/// The corner's frame and pages, shown instead of the app on its paths.
/// Links between the corner and the app load the page (`rel="external"`):
/// the router completes a navigation only in the `<Routes>` that was
/// showing, and the app's is not there before sign-in.
#[component]
pub(crate) fn Corner() -> impl IntoView {
    let i18n = use_i18n();
    let larger = RwSignal::new(browser::device_preference(LARGER_TEXT));
    Effect::new(move |_| browser::set_device_preference(LARGER_TEXT, larger.get()));
    view! {
        <div class="corner" class:corner--larger=move || larger.get()>
            <header class="corner__bar">
                <A href=HOME attr:class="corner__brand">{t!(i18n, corner.title)}</A>
                <div class="corner__controls">
                    <LanguagePicker/>
                    <button type="button" class="button button--quiet" data-testid="larger-text"
                        aria-pressed=move || larger.get().to_string()
                        on:click=move |_| larger.update(|l| *l = !*l)>
                        <span aria-hidden="true">"A+ "</span>{t!(i18n, corner.larger_text)}
                    </button>
                </div>
            </header>
            <main id="main" class="corner__page">
                <Routes fallback=move || view! { <p>{t!(i18n, corner.not_found)}</p> <p><A href=HOME>{t!(i18n, corner.home)}</A></p> }>
                    <Route path=path!("/barn-och-unga") view={Lazy::<super::lazy::CornerHome>::new()}/>
                    <Route path=path!("/barn-och-unga/kontakter") view={Lazy::<super::lazy::CornerContacts>::new()}/>
                    <Route path=path!("/barn-och-unga/min-socialsekreterare") view={Lazy::<super::lazy::CornerCard>::new()}/>
                    <Route path=path!("/barn-och-unga/sag-vad-du-tycker") view={Lazy::<super::lazy::CornerMessage>::new()}/>
                    <Route path=path!("/barn-och-unga/svar") view={Lazy::<super::lazy::CornerAnswer>::new()}/>
                    <Route path=path!("/barn-och-unga/:age") view={Lazy::<super::lazy::CornerAge>::new()}/>
                    <Route path=path!("/barn-och-unga/:age/:topic") view={Lazy::<super::lazy::CornerTopic>::new()}/>
                </Routes>
            </main>
        </div>
    }
}

/// Outside the corner: the app itself. On leaving the corner the language
/// the device had before comes back (a child may have picked Arabic on the
/// social worker's tablet).
#[component]
pub(crate) fn OutsideCorner(children: ChildrenFn) -> impl IntoView {
    let location = use_location();
    let i18n = use_i18n();
    let in_corner = Memo::new(move |_| is_corner(&location.pathname.get()));
    Effect::new(move |before: Option<Option<crate::i18n::Locale>>| {
        match (in_corner.get(), before.flatten()) {
            (true, None) => Some(i18n.get_locale_untracked()),
            (true, kept) => kept,
            (false, Some(locale)) => {
                i18n.set_locale(locale);
                None
            }
            (false, None) => None,
        }
    });
    view! {
        <Show when=move || in_corner.get() fallback=move || children()>
            <Corner/>
        </Show>
    }
}

#[component]
pub(crate) fn CornerHome() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, corner.title)}</h1>
        <p class="corner__lead">{t!(i18n, corner.intro)}</p>
        <h2>{t!(i18n, corner.choose_age)}</h2>
        <ul class="corner__choices">
            {AgeGroup::ALL.into_iter().map(|age| view! {
                <li><A href=format!("{HOME}/{}", age.slug()) attr:class="corner__choice" attr:data-testid=format!("age-{}", age.slug())>
                    {age_label(age)}
                </A></li>
            }).collect_view()}
        </ul>
        <MoreLinks/>
        <p class="corner__staff"><a href="/" rel="external">{t!(i18n, corner.staff_link)}</a></p>
    }
}

fn age_label(age: AgeGroup) -> impl IntoView {
    let i18n = use_i18n();
    move || match age {
        AgeGroup::Younger => t_string!(i18n, corner.age_younger),
        AgeGroup::Older => t_string!(i18n, corner.age_older),
    }
}

/// Whom to contact, saying something, and reading the answer.
#[component]
fn MoreLinks() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="corner__links">
            <li><A href=format!("{HOME}/sag-vad-du-tycker") attr:data-testid="say-what-you-think">{t!(i18n, message.title)}</A></li>
            <li><A href=format!("{HOME}/svar")>{t!(i18n, message.answer.title)}</A></li>
            <li><A href=format!("{HOME}/kontakter")>{t!(i18n, corner.contacts)}</A></li>
        </ul>
    }
}

#[component]
pub(crate) fn AgePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let language = language::reader();
    move || {
        let Some(age) = params
            .with(|p| p.get("age"))
            .and_then(|a| AgeGroup::from_slug(&a))
        else {
            return view! { <p>{t!(i18n, corner.not_found)}</p> }.into_any();
        };
        let tag = language().tag();
        let link = move |topic: Topic| {
            children::page(tag, age, topic).map(|page| view! {
                <li><A href=format!("{HOME}/{}/{}", age.slug(), topic.slug()) attr:lang=page.language attr:class="corner__topic">{page.title}</A></li>
            })
        };
        view! {
            <p><A href=HOME attr:class="back">{t!(i18n, corner.back)}</A></p>
            <h1>{t!(i18n, corner.title)}" · "{age_label(age)}</h1>
            <h2>{t!(i18n, corner.where_you_live)}</h2>
            <ul class="corner__topics" data-testid="place-topics">
                {Topic::of_age(age).filter(|t| t.is_place()).filter_map(link).collect_view()}
            </ul>
            <h2>{t!(i18n, corner.about_you)}</h2>
            <ul class="corner__topics" data-testid="other-topics">
                {Topic::of_age(age).filter(|t| !t.is_place()).filter_map(link).collect_view()}
            </ul>
            <MoreLinks/>
        }
        .into_any()
    }
}

/// "Läs upp" for a text in a language, shown only where the device has a
/// voice for that language.
#[component]
pub(crate) fn ReadAloud(text: String, language: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let voices = RwSignal::new(0_u32);
    speech::on_voices_changed(move || voices.update(|n| *n += 1));
    let reading = RwSignal::new(false);
    on_cleanup(speech::stop);
    let voice_tag = crate::language::Language::from_tag(language)
        .map_or(language, crate::language::Language::voice_tag);
    move || {
        voices.track();
        let text = text.clone();
        speech::has_voice(language).then(|| view! {
            <button type="button" class="button button--quiet corner__read" data-testid="read-aloud"
                aria-pressed=move || reading.get().to_string()
                on:click=move |_| {
                    if reading.get_untracked() {
                        speech::stop();
                        reading.set(false);
                    } else {
                        speech::speak_in(&text, voice_tag);
                        reading.set(true);
                    }
                }>
                <span aria-hidden="true">"🔊 "</span>
                {move || if reading.get() { t_string!(i18n, corner.stop_reading) } else { t_string!(i18n, corner.read_aloud) }}
            </button>
        })
    }
}

#[component]
pub(crate) fn TopicPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let language = language::reader();
    move || {
        let (age, topic) = params.with(|p| {
            (
                p.get("age").and_then(|a| AgeGroup::from_slug(&a)),
                p.get("topic").and_then(|t| Topic::from_slug(&t)),
            )
        });
        let page = age.zip(topic).and_then(|(age, topic)| {
            children::page(language().tag(), age, topic).map(|p| (age, topic, p))
        });
        let Some((age, topic, page)) = page else {
            return view! { <p>{t!(i18n, corner.not_found)}</p> <p><A href=HOME>{t!(i18n, corner.home)}</A></p> }.into_any();
        };
        let unreviewed = matches!(page.status, Some(TranslationStatus::Draft));
        let spoken = page.spoken_text();
        let lang = page.language;
        let dir =
            crate::language::Language::from_tag(lang).map_or("ltr", |l| l.direction().as_str());
        view! {
            <p><A href=format!("{HOME}/{}", age.slug()) attr:class="back">{t!(i18n, corner.back)}</A></p>
            <article class="corner__article" lang=lang dir=dir>
                <h1>{page.title.clone()}</h1>
                <ReadAloud text=spoken language=lang/>
                {unreviewed.then(|| view! { <p class="muted" data-testid="not-reviewed">{t!(i18n, corner.not_reviewed)}</p> })}
                <div class="corner__text">{super::routines::render_blocks(page.blocks)}</div>
            </article>
            {(topic == Topic::Complain).then(|| view! { <ContactCards/> })}
            <MoreLinks/>
        }
        .into_any()
    }
}

#[component]
pub(crate) fn ContactsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p><A href=HOME attr:class="back">{t!(i18n, corner.back)}</A></p>
        <h1>{t!(i18n, corner.contacts)}</h1>
        <p class="corner__lead">{t!(i18n, corner.contacts_lead)}</p>
        <ContactCards/>
    }
}

/// Every contact with what it is for, a number to call and a web address.
#[component]
fn ContactCards() -> impl IntoView {
    let i18n = use_i18n();
    let language = language::reader();
    move || {
        let contacts = children::contacts(language().tag());
        view! {
            <section aria-labelledby="contacts-h" class="corner__contacts">
                <h2 id="contacts-h">{t!(i18n, corner.who_to_contact)}</h2>
                <ul class="contact-cards" data-testid="contact-cards">
                    {contacts.into_iter().map(|contact| {
                        let tel = contact.details.tel_href();
                        let details = contact.details;
                        view! {
                            <li class="contact-card" data-contact=details.id.clone()>
                                <h3 lang="sv">{details.name.clone()}</h3>
                                <p lang=contact.language>{contact.description}</p>
                                {details.phone.clone().zip(tel).map(|(phone, href)| view! {
                                    <p><a class="button contact-card__call" href=href>
                                        {move || td_string!(language().locale(), corner.call, phone = phone.clone())}
                                    </a></p>
                                })}
                                {details.hours.clone().map(|hours| view! {
                                    <p class="muted"><span lang="sv">{hours}</span></p>
                                })}
                                {details.web.clone().map(|web| view! {
                                    <p><a class="tap-link" href=web.clone() rel="noopener" target="_blank">{web.trim_start_matches("https://").trim_start_matches("www.").trim_end_matches('/').to_owned()}</a></p>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    }
}

/// A query parameter of the current page.
pub(crate) fn query_value(name: &'static str) -> impl Fn() -> Option<String> + Copy {
    let query = use_query_map();
    move || query.with(|q| q.get(name)).filter(|v| !v.trim().is_empty())
}
