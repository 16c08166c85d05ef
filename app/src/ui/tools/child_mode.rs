//! The child mode: three big cards, one tool at a time, and the hand-back
//! that asks for the social worker's PIN.

use super::feelings_scale::FeelingsScaleTool;
use super::my_network::MyNetworkTool;
use super::three_houses::ThreeHousesTool;
use super::{focus_when_shown, Announcer, ReadAloud};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use crate::platform::child_mode::{focus_soon, HoldBack};
use crate::platform::speech;
use crate::platform::store::Unlock;
use crate::tools::{HousesState, NetworkState, ScaleState};
use crate::ui::form::{BusyButton, ErrorLine, PinField};
use crate::ui::{ctx, language, lock, store};
use leptos::prelude::*;
use shared::conversation::ToolResult;
use shared::ConversationTool;

/// The id of the button that opens the child mode; focus returns there.
pub(crate) const OPENER_ID: &str = "samtalsstod";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screen {
    Cards,
    Tool(ConversationTool),
    HandBack,
}

fn describe(tool: ConversationTool, language: Language) -> &'static str {
    let locale = language.locale();
    match tool {
        ConversationTool::ThreeHouses => td_string!(locale, tools.cards.three_houses),
        ConversationTool::FeelingsScale => td_string!(locale, tools.cards.feelings_scale),
        ConversationTool::MyNetwork => td_string!(locale, tools.cards.my_network),
    }
}

/// The full-screen child mode. Each finished tool goes to `on_result` at
/// once (so a lock or a flat battery loses nothing), and all of them again
/// when the social worker takes the tablet back.
#[component]
pub(crate) fn ChildMode(
    /// Results from earlier in this visit: the child continues from them.
    existing: Vec<ToolResult>,
    on_result: Callback<(ConversationTool, Option<ToolResult>)>,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let screen = RwSignal::new(Screen::Cards);
    let live = RwSignal::new(String::new());
    provide_context(Announcer(live));

    let mut houses = HousesState::default();
    let mut scale = ScaleState::default();
    let mut network = NetworkState::default();
    let mut done = Vec::new();
    for result in existing {
        done.push(result.tool());
        match &result {
            ToolResult::ThreeHouses(r) => houses = HousesState::from_result(r),
            ToolResult::FeelingsScale(r) => scale = ScaleState::from_result(r),
            ToolResult::MyNetwork(r) => network = NetworkState::from_result(r),
        }
    }
    let houses = RwSignal::new(houses);
    let scale = RwSignal::new(scale);
    let network = RwSignal::new(network);
    let done = RwSignal::new(done);

    // The browser's back button stays in the child mode for as long as it
    // shows; dropped with it.
    StoredValue::new_local(HoldBack::hold());
    on_cleanup(speech::stop);

    let finished = move |tool: ConversationTool| {
        Callback::new(move |result: Option<ToolResult>| {
            let saved = result.is_some();
            on_result.run((tool, result));
            done.update(|d| {
                d.retain(|t| *t != tool);
                if saved {
                    d.push(tool);
                }
            });
            speech::stop();
            screen.set(Screen::Cards);
            let locale = language::now().locale();
            live.set(
                if saved {
                    td_string!(locale, tools.saved_pick_next)
                } else {
                    td_string!(locale, tools.nothing_saved_pick_next)
                }
                .to_owned(),
            );
        })
    };
    let save_all = move || {
        if let Ok(result) = houses.with_untracked(HousesState::result) {
            on_result.run((ConversationTool::ThreeHouses, result));
        }
        if let Ok(result) = scale.with_untracked(ScaleState::result) {
            on_result.run((ConversationTool::FeelingsScale, result));
        }
        on_result.run((
            ConversationTool::MyNetwork,
            network.with_untracked(NetworkState::result),
        ));
    };

    view! {
        <div class="child-mode" data-testid="child-mode">
            <header class="cm-bar">
                <h1 class="cm-bar__title">{t!(i18n, tools.title)}</h1>
                // The child reads in their own language; the worker's comes
                // back when the child mode ends.
                <crate::ui::language::LanguagePicker/>
                {move || (screen.get() != Screen::HandBack).then(|| view! {
                    <button type="button" class="cm-button cm-button--light"
                        on:click=move |_| {
                            speech::stop();
                            screen.set(Screen::HandBack);
                        }>
                        {t!(i18n, tools.done_hand_back)}
                    </button>
                })}
            </header>
            <main class="cm-main">
                {move || match screen.get() {
                    Screen::Cards => view! { <Cards screen done/> }.into_any(),
                    Screen::Tool(ConversationTool::ThreeHouses) => view! {
                        <ThreeHousesTool state=houses on_done=finished(ConversationTool::ThreeHouses)/>
                    }.into_any(),
                    Screen::Tool(ConversationTool::FeelingsScale) => view! {
                        <FeelingsScaleTool state=scale on_done=finished(ConversationTool::FeelingsScale)/>
                    }.into_any(),
                    Screen::Tool(ConversationTool::MyNetwork) => view! {
                        <MyNetworkTool state=network on_done=finished(ConversationTool::MyNetwork)/>
                    }.into_any(),
                    Screen::HandBack => view! {
                        <HandBack
                            on_cancel=move || screen.set(Screen::Cards)
                            on_unlocked=move || {
                                save_all();
                                ctx.child_mode.set(false);
                                focus_soon(OPENER_ID);
                            }/>
                    }.into_any(),
                }}
            </main>
            <p class="visually-hidden" role="status" aria-live="polite">{move || live.get()}</p>
        </div>
    }
}

/// The three tools as big cards.
#[component]
fn Cards(screen: RwSignal<Screen>, done: RwSignal<Vec<ConversationTool>>) -> impl IntoView {
    let heading = NodeRef::new();
    focus_when_shown(heading);
    let i18n = use_i18n();
    let language = language::reader();
    let intro = Signal::derive(move || t_string!(i18n, tools.cards.spoken).to_owned());
    view! {
        <section class="cm-screen" aria-labelledby="cm-cards-h">
            <div class="cm-prompt">
                <h2 id="cm-cards-h" tabindex="-1" node_ref=heading>{t!(i18n, tools.cards.heading)}</h2>
                <ReadAloud text=intro/>
            </div>
            <p class="cm-lead">{t!(i18n, tools.cards.lead)}</p>
            <ul class="cm-cards">
                {ConversationTool::ALL.into_iter().map(|tool| view! {
                    <li>
                        <button type="button" class="cm-card"
                            on:click=move |_| screen.set(Screen::Tool(tool))>
                            <ToolIcon tool/>
                            <span class="cm-card__title">{move || tool.label(language())}</span>
                            <span class="cm-card__text">{move || describe(tool, language())}</span>
                            {move || done.with(|d| d.contains(&tool)).then(|| view! {
                                <span class="cm-card__done">{t!(i18n, tools.saved_mark)}</span>
                            })}
                        </button>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ToolIcon(tool: ConversationTool) -> impl IntoView {
    let shapes = match tool {
        ConversationTool::ThreeHouses => view! {
            <path d="M8 34 L22 20 L36 34 V56 H8 Z" class="cm-icon__a"/>
            <path d="M34 30 L50 14 L66 30 V56 H34 Z" class="cm-icon__b"/>
            <path d="M60 34 L74 20 L88 34 V56 H60 Z" class="cm-icon__c"/>
        }
        .into_any(),
        ConversationTool::FeelingsScale => view! {
            <circle cx="48" cy="36" r="24" class="cm-icon__b"/>
            <circle cx="40" cy="31" r="3" class="cm-icon__ink"/>
            <circle cx="56" cy="31" r="3" class="cm-icon__ink"/>
            <path d="M38 42 Q48 52 58 42" class="cm-icon__line"/>
        }
        .into_any(),
        ConversationTool::MyNetwork => view! {
            <circle cx="48" cy="36" r="26" class="cm-icon__ring"/>
            <circle cx="48" cy="36" r="14" class="cm-icon__ring"/>
            <circle cx="48" cy="36" r="6" class="cm-icon__ink"/>
            <circle cx="62" cy="28" r="5" class="cm-icon__a"/>
            <circle cx="26" cy="46" r="5" class="cm-icon__c"/>
        }
        .into_any(),
    };
    view! {
        <svg class="cm-icon" viewBox="0 0 96 64" aria-hidden="true" focusable="false">{shapes}</svg>
    }
}

/// The tablet goes back to the social worker: the PIN, checked like the lock
/// screen's (a wrong one counts towards wiping the device), or the tablet's
/// screen lock where the device unlocks with it.
#[component]
fn HandBack(
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
    on_unlocked: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let heading = NodeRef::new();
    focus_when_shown(heading);
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Checking until the store says how the adult unlocks.
    let busy = RwSignal::new(true);
    // How the adult unlocks: unknown until the store says, so neither a PIN
    // field nor the screen lock is offered before then.
    let with_authenticator = RwSignal::new(None::<bool>);
    leptos::task::spawn_local(async move {
        if let Some(store) = store() {
            let method = store.key_method().await.ok().flatten();
            let _ = with_authenticator.try_set(Some(matches!(
                method,
                Some(crate::platform::store::KeyMethod::Authenticator { .. })
            )));
        }
        let _ = busy.try_set(false);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let entered = pin.get_untracked();
        let Some(authenticator) = with_authenticator.get_untracked() else {
            return;
        };
        if entered.is_empty() && !authenticator {
            error.set(Some(t_string!(i18n, tools.hand_back.enter_pin).to_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = if authenticator {
                lock::unlock_with_authenticator().await
            } else {
                match store() {
                    Some(store) => store.unlock(&entered).await.map_err(|e| {
                        td_string!(
                            language::now().locale(),
                            tools.hand_back.pin_not_checked,
                            reason = e.0
                        )
                        .to_string()
                    }),
                    None => return,
                }
            };
            // The child mode may be gone by now (the device locked).
            let _ = pin.try_set(String::new());
            let _ = busy.try_set(false);
            let opened = result == Ok(Unlock::Unlocked);
            match lock::unlock_error(ctx, result) {
                Some(message) => {
                    let _ = error.try_set(Some(message));
                }
                None if opened => on_unlocked(),
                None => {}
            }
        });
    };
    view! {
        <section class="cm-screen cm-handback" aria-labelledby="cm-handback-h">
            <h2 id="cm-handback-h" tabindex="-1" node_ref=heading>{t!(i18n, tools.hand_back.heading)}</h2>
            <p class="cm-lead">{t!(i18n, tools.hand_back.lead)}</p>
            <form class="cm-form" on:submit=submit novalidate>
                {move || (with_authenticator.get() == Some(false)).then(|| view! {
                    <PinField label=Signal::derive(move || t_string!(i18n, tools.hand_back.pin)) name="handback-pin" autocomplete="off" value=pin class="cm-field"/>
                })}
                <ErrorLine error=error/>
                <div class="cm-actions">
                    <BusyButton busy class="cm-button"
                        label=Signal::derive(move || t_string!(i18n, tools.hand_back.leave))
                        busy_label=Signal::derive(move || t_string!(i18n, tools.hand_back.checking))/>
                    <button type="button" class="cm-button cm-button--secondary" on:click=move |_| on_cancel()>
                        {t!(i18n, tools.hand_back.keep_going)}
                    </button>
                </div>
            </form>
        </section>
    }
}
