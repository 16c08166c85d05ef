//! Känsloskalan: one question at a time, five faces to choose from.

use super::{focus_when_shown, Announcer, OnDone, ReadAloud};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::tools::{scale_question, ScaleState};
use crate::ui::form::ErrorLine;
use crate::ui::language;
use leptos::prelude::*;
use shared::conversation::{Feeling, ScaleTheme};
use shared::VisitNote;

#[component]
pub(super) fn FeelingsScaleTool(state: RwSignal<ScaleState>, on_done: OnDone) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    focus_when_shown(heading);
    let i18n = use_i18n();
    let language = language::reader();
    let say = Announcer::get();
    let error = RwSignal::new(None::<String>);
    let theme = Memo::new(move |_| state.with(ScaleState::theme));
    let number = Memo::new(move |_| state.with(ScaleState::number));
    let chosen = move || state.with(|s| s.level(theme.get()));
    let total = ScaleTheme::ALL.len();

    let finish = move || match state.with_untracked(ScaleState::result) {
        Ok(result) => on_done.run(result),
        Err(_) => error.set(Some(t_string!(i18n, tools.text_too_long).to_owned())),
    };
    // A new question: its heading is read first, then the faces.
    let moved_on = move |last: bool| {
        if last {
            finish();
            return;
        }
        say.say(
            td_string!(
                language::now().locale(),
                tools.scale.question_of,
                number = number.get_untracked(),
                total = total
            )
            .to_string(),
        );
        if let Some(h) = heading.get_untracked() {
            crate::platform::child_mode::focus(&h);
        }
    };

    view! {
        <section class="cm-screen cm-scale" aria-labelledby="cm-scale-h">
            <p class="cm-step">{move || t_string!(i18n, tools.scale.question_of, number = number.get(), total = total).to_string()}</p>
            <div class="cm-prompt">
                <h2 id="cm-scale-h" tabindex="-1" node_ref=heading>{move || scale_question(theme.get(), language())}</h2>
                <ReadAloud text=Signal::derive(move || scale_question(theme.get(), language()).to_owned())/>
            </div>
            <div class="cm-faces" role="group" aria-labelledby="cm-scale-h">
                {(Feeling::MIN..=Feeling::MAX).filter_map(Feeling::new).map(|feeling| view! {
                    <button type="button" class="cm-face"
                        aria-pressed=move || (chosen() == Some(feeling)).to_string()
                        on:click=move |_| {
                            state.update(|s| s.choose(feeling));
                            let language = language::now();
                            say.say(
                                td_string!(
                                    language.locale(),
                                    tools.scale.you_chose,
                                    feeling = feeling.label(language)
                                )
                                .to_string(),
                            );
                        }>
                        <Face feeling/>
                        <span class="cm-face__label">{move || feeling.label(language())}</span>
                        <span class="cm-face__chosen" aria-hidden="true">
                            {move || (chosen() == Some(feeling)).then(|| t_string!(i18n, tools.scale.chosen_mark))}
                        </span>
                    </button>
                }).collect_view()}
            </div>
            {move || chosen().is_some().then(|| view! {
                <label class="cm-field">
                    <span>{t!(i18n, tools.scale.say_more)}</span>
                    <textarea rows="3" maxlength=VisitNote::MAX_CHARS.to_string()
                        prop:value=move || state.with(|s| s.comment(theme.get()).to_owned())
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            state.update(|s| s.set_comment(text));
                        }></textarea>
                </label>
            })}
            <ErrorLine error=error/>
            <div class="cm-actions cm-actions--nav">
                {move || (number.get() > 1).then(|| view! {
                    <button type="button" class="cm-button cm-button--secondary"
                        on:click=move |_| {
                            state.update(ScaleState::back);
                            moved_on(false);
                        }>
                        {t!(i18n, tools.scale.back)}
                    </button>
                })}
                <button type="button" class="cm-button cm-button--secondary"
                    on:click=move |_| {
                        let last = state.try_update(ScaleState::skip).unwrap_or(true);
                        moved_on(last);
                    }>
                    {t!(i18n, tools.scale.skip)}
                </button>
                <button type="button" class="cm-button" disabled=move || chosen().is_none()
                    on:click=move |_| {
                        let last = state.try_update(ScaleState::advance).unwrap_or(true);
                        moved_on(last);
                    }>
                    {move || if number.get() == total {
                        t_string!(i18n, tools.scale.finish)
                    } else {
                        t_string!(i18n, tools.scale.next)
                    }}
                </button>
            </div>
            <div class="cm-actions">
                <button type="button" class="cm-button cm-button--quiet" on:click=move |_| finish()>
                    {t!(i18n, tools.i_am_done)}
                </button>
            </div>
        </section>
    }
}

/// A face from very sad (1) to very happy (5): the mouth and the brows
/// carry the feeling, not the colour.
#[component]
fn Face(feeling: Feeling) -> impl IntoView {
    let (mouth, brows) = match feeling.level() {
        1 => ("M30 74 Q50 54 70 74", Some("M27 37 L40 31 M73 37 L60 31")),
        2 => ("M32 70 Q50 62 68 70", None),
        3 => ("M32 68 L68 68", None),
        4 => ("M32 64 Q50 74 68 64", None),
        _ => ("M28 60 Q50 86 72 60", None),
    };
    view! {
        <svg class="cm-face__icon" viewBox="0 0 100 100" aria-hidden="true" focusable="false">
            <circle class="cm-face__head" cx="50" cy="50" r="44"/>
            <circle class="cm-face__eye" cx="37" cy="44" r="5"/>
            <circle class="cm-face__eye" cx="63" cy="44" r="5"/>
            {brows.map(|d| view! { <path class="cm-face__line" d=d/> })}
            <path class="cm-face__line" d=mouth/>
        </svg>
    }
}
