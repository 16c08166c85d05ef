//! The interface language: the picker on the sign-in screen and in the menu,
//! and the provider that keeps `<html lang dir>` and the device's memory of
//! the choice (a cookie, read before anything is drawn).

use crate::i18n::{t_string, use_i18n, I18nContextProvider, Locale};
use crate::language::Language;
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;

/// How long the device remembers the language: a year, renewed at each choice.
const REMEMBERED_MS: i64 = 365 * 24 * 3600 * 1000;

/// The cookie in which the device keeps the language (leptos_i18n's).
const REMEMBERED_COOKIE: &str = "i18n_pref_locale";

/// Swedish first: a device that has not chosen starts in Swedish, whatever
/// language its browser prefers. Run before the app is drawn.
pub(crate) fn start_in_swedish_unless_chosen() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let cookies = js_sys::Reflect::get(&document, &"cookie".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default();
    let chosen = cookies
        .split(';')
        .any(|c| c.trim().starts_with(&format!("{REMEMBERED_COOKIE}=")));
    if !chosen {
        let cookie = format!(
            "{REMEMBERED_COOKIE}={}; path=/; max-age={}; samesite=lax",
            Language::Swedish.tag(),
            REMEMBERED_MS / 1000
        );
        let _ = js_sys::Reflect::set(&document, &"cookie".into(), &cookie.into());
    }
}

/// Wraps the app in the texts of the chosen language.
#[component]
pub(crate) fn WithLanguage(children: Children) -> impl IntoView {
    let remember = CookieOptions::<Locale>::default()
        .path("/".to_string())
        .max_age(REMEMBERED_MS);
    view! {
        <I18nContextProvider cookie_name=REMEMBERED_COOKIE cookie_options=remember>
            <FollowLanguage/>
            {children()}
        </I18nContextProvider>
    }
}

/// The language the interface is in now, untracked: for words made in async
/// work away from any view (a notice, a confirmation question).
pub(crate) fn now() -> Language {
    crate::language::current()
}

/// Keeps `now()` up to date; inside the provider.
#[component]
fn FollowLanguage() -> impl IntoView {
    let i18n = use_i18n();
    Effect::new(move |_| {
        let language = Language::from_locale(i18n.get_locale());
        crate::language::set_current(language);
    });
}

/// The language the interface is in now (tracked).
pub(crate) fn current() -> Language {
    Language::from_locale(use_i18n().get_locale())
}

/// A reader of the current language, for closures in views.
pub(crate) fn reader() -> impl Fn() -> Language + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || Language::from_locale(i18n.get_locale())
}

/// Buttons with each language's own name. `staff`: only the languages every
/// staff page is translated into.
#[component]
pub(crate) fn LanguagePicker(#[prop(optional)] staff: bool) -> impl IntoView {
    let i18n = use_i18n();
    let languages = Language::ALL
        .into_iter()
        .filter(move |l| !staff || l.covers_staff_pages());
    view! {
        <div class="language-picker" role="group" aria-label=move || t_string!(i18n, languages.menu) data-testid="language-picker">
            {languages.map(|language| {
                let locale = language.locale();
                view! {
                    <button type="button" class="button button--quiet language-picker__choice"
                        lang=language.tag() dir=language.direction().as_str()
                        data-testid=format!("language-{}", language.tag())
                        aria-pressed=move || (i18n.get_locale() == locale).to_string()
                        on:click=move |_| i18n.set_locale(locale)>
                        {language.own_name()}
                    </button>
                }
            }).collect_view()}
        </div>
    }
}
