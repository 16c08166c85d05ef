//! "Säg vad du tycker": a child leaves a message, a wish or a complaint and
//! gets a receipt code to read the answer with (docs/complaints.md). On a
//! social worker's tablet (signed in and unlocked) the message goes into
//! the sealed outbox as a `leave_message` change and travels with the next
//! sync; anywhere else it is sent to the public endpoint. The page always
//! says where the message is: being saved or sent, saved on the tablet,
//! sent, or why not.
//!
//! The children's corner mounts [`MessagePage`] at
//! `/barn-och-unga/sag-vad-du-tycker` and [`AnswerPage`] at
//! `/barn-och-unga/svar`.

use super::form::{record_change, BusyButton};
use super::{language, store, Ctx};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::platform::browser;
use crate::platform::http::{leave_public_message, read_answer};
use crate::register::ApiFailure;
use crate::sync::LocalStore;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::complaints::{
    ChildMessage, ComplaintError, ComplaintStatus, MessageKind, MessageStatus, ReceiptCode,
    TabletMessage, MAX_NAME_CHARS, MAX_REACH_CHARS, MAX_TEXT_CHARS,
};
use shared::protocol::{Mutation, Operation};
use shared::{ErrorCode, MutationId};

/// Where the answer page is.
pub(crate) const ANSWER_PATH: &str = "/barn-och-unga/svar";

/// Where the message went.
#[derive(Clone, Debug, PartialEq)]
enum Sent {
    /// In the tablet's outbox, until sync takes it (the mutation's id).
    Tablet(MutationId),
    /// On the server.
    Server,
}

#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Writing,
    Working,
    Done { code: String, sent: Sent },
}

/// The social worker's tablet, signed in and unlocked: the message goes
/// into its outbox. `None` outside the app's shell.
fn tablet() -> Option<Ctx> {
    use_context::<Ctx>()
        .filter(|ctx| ctx.user.get_untracked().is_some() && !ctx.locked.get_untracked())
}

fn kind_label(kind: MessageKind) -> &'static str {
    let locale = language::now().locale();
    match kind {
        MessageKind::Message => td_string!(locale, message.kind.message),
        MessageKind::Wish => td_string!(locale, message.kind.wish),
        MessageKind::Complaint => td_string!(locale, message.kind.complaint),
    }
}

fn problem_text(problem: &ComplaintError) -> &'static str {
    let locale = language::now().locale();
    match problem {
        ComplaintError::Empty { .. } => td_string!(locale, message.empty),
        ComplaintError::TooLong { .. } | ComplaintError::ControlCharacter { .. } => {
            td_string!(locale, message.too_long)
        }
    }
}

fn send_failure_text(failure: &ApiFailure) -> &'static str {
    let locale = language::now().locale();
    match failure {
        ApiFailure::Offline => td_string!(locale, message.failed_offline),
        other => match other.code() {
            Some(ErrorCode::ServerBusy | ErrorCode::RateLimited) => {
                td_string!(locale, message.failed_busy)
            }
            Some(ErrorCode::ValidationFailed | ErrorCode::PayloadTooLarge) => {
                td_string!(locale, message.too_long)
            }
            _ => td_string!(locale, message.failed),
        },
    }
}

/// The form, then the code.
#[component]
pub(crate) fn MessagePage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(MessageKind::Message);
    let text = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let reach = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Writing);
    let busy = Memo::new(move |_| stage.get() == Stage::Working);
    let busy_signal = RwSignal::new(false);
    Effect::new(move |_| busy_signal.set(busy.get()));
    let error = RwSignal::new(None::<&'static str>);
    let on_tablet = tablet().is_some();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if stage.get_untracked() == Stage::Working {
            return;
        }
        let message = ChildMessage {
            kind: kind.get_untracked(),
            text: text.get_untracked(),
            name: Some(name.get_untracked()),
            reach: Some(reach.get_untracked()),
        };
        let message = match message.checked() {
            Ok(message) => message,
            Err(problem) => {
                error.set(Some(problem_text(&problem)));
                return;
            }
        };
        error.set(None);
        stage.set(Stage::Working);
        let ctx = tablet();
        leptos::task::spawn_local(async move {
            match ctx {
                Some(ctx) => {
                    let code = ReceiptCode::new_random();
                    let id = MutationId::new_random();
                    let mutation = Mutation {
                        id,
                        operation: Operation::LeaveMessage(TabletMessage {
                            id: uuid::Uuid::new_v4(),
                            kind: message.kind,
                            text: message.text,
                            name: message.name,
                            reach: message.reach,
                            code_hash: code.hash(),
                            recorded_at: chrono::Utc::now(),
                        }),
                    };
                    match record_change(ctx, mutation, None).await {
                        Ok(()) => stage.set(Stage::Done {
                            code: code.to_string(),
                            sent: Sent::Tablet(id),
                        }),
                        Err(_) => {
                            error.set(Some(td_string!(language::now().locale(), message.failed)));
                            stage.set(Stage::Writing);
                        }
                    }
                }
                None => match leave_public_message(&message).await {
                    Ok(receipt) => stage.set(Stage::Done {
                        code: receipt.code,
                        sent: Sent::Server,
                    }),
                    Err(failure) => {
                        error.set(Some(send_failure_text(&failure)));
                        stage.set(Stage::Writing);
                    }
                },
            }
        });
    };
    let again = move |_| {
        text.set(String::new());
        name.set(String::new());
        reach.set(String::new());
        kind.set(MessageKind::Message);
        stage.set(Stage::Writing);
    };

    view! {
        <section class="child-message" data-testid="message-page">
            <h1>{t!(i18n, message.title)}</h1>
            {move || match stage.get() {
                Stage::Done { code, sent } => view! {
                    <Receipt code=code sent=sent/>
                    <button type="button" class="button button--quiet" on:click=again>
                        {t!(i18n, message.write_again)}
                    </button>
                }.into_any(),
                Stage::Writing | Stage::Working => view! {
                    <p class="lead">{t!(i18n, message.lead)}</p>
                    <form class="form" on:submit=submit novalidate>
                        <fieldset class="field">
                            <legend>{t!(i18n, message.kind_label)}</legend>
                            <div class="choices">
                                {MessageKind::ALL.into_iter().map(|k| view! {
                                    <label class="choice">
                                        <input type="radio" name="kind" value=k.as_str()
                                            prop:checked=move || kind.get() == k
                                            on:change=move |_| kind.set(k)/>
                                        {move || { i18n.get_locale(); kind_label(k) }}
                                    </label>
                                }).collect_view()}
                            </div>
                        </fieldset>
                        <label class="field">
                            <span>{t!(i18n, message.text_label)}</span>
                            <small class="muted">{t!(i18n, message.text_hint)}</small>
                            <textarea name="text" rows="6" maxlength=MAX_TEXT_CHARS.to_string()
                                prop:value=move || text.get()
                                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        </label>
                        <label class="field">
                            <span>{t!(i18n, message.name_label)}</span>
                            <small class="muted">{t!(i18n, message.name_hint)}</small>
                            <input type="text" name="name" autocomplete="off" maxlength=MAX_NAME_CHARS.to_string()
                                prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))/>
                        </label>
                        <label class="field">
                            <span>{t!(i18n, message.reach_label)}</span>
                            <small class="muted">{t!(i18n, message.reach_hint)}</small>
                            <input type="text" name="reach" autocomplete="off" maxlength=MAX_REACH_CHARS.to_string()
                                prop:value=move || reach.get()
                                on:input=move |ev| reach.set(event_target_value(&ev))/>
                        </label>
                        {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="message-error">{e}</p> })}
                        <BusyButton busy=busy_signal
                            label=Signal::derive(move || t_string!(i18n, message.send))
                            busy_label=Signal::derive(move || if on_tablet {
                                t_string!(i18n, message.saving)
                            } else {
                                t_string!(i18n, message.sending)
                            })/>
                        {move || busy.get().then(|| view! {
                            <p class="muted" role="status">{move || if on_tablet {
                                t_string!(i18n, message.saving)
                            } else {
                                t_string!(i18n, message.sending)
                            }}</p>
                        })}
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// The code, large, with ways to keep it, and where the message is.
#[component]
fn Receipt(code: String, sent: Sent) -> impl IntoView {
    let i18n = use_i18n();
    // On the tablet: sent once sync has taken it out of the outbox.
    let delivered = RwSignal::new(sent == Sent::Server);
    if let Sent::Tablet(id) = sent.clone() {
        if let Some(ctx) = use_context::<Ctx>() {
            Effect::new(move |_| {
                ctx.data_rev.track();
                ctx.status.track();
                leptos::task::spawn_local(async move {
                    let Some(store) = store() else { return };
                    if let Ok(outbox) = store.outbox().await {
                        let waiting = outbox.iter().any(|m| m.id == id);
                        let refused = ctx
                            .refused
                            .with_untracked(|r| r.iter().any(|item| item.id == id));
                        delivered.set(!waiting && !refused);
                    }
                });
            });
        }
    }
    let copied = RwSignal::new(None::<bool>);
    let copy = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            leptos::task::spawn_local(async move {
                copied.set(Some(browser::copy_text(&code).await.is_ok()));
            });
        }
    };
    let save = {
        let code = code.clone();
        move |_| {
            let locale = language::now().locale();
            let url = format!("{}{ANSWER_PATH}", browser::origin());
            let text = td_string!(
                locale,
                message.file_text,
                code = code.as_str(),
                url = url.as_str()
            );
            let _ = browser::download_text(
                td_string!(locale, message.file_name),
                "text/plain;charset=utf-8",
                &text.to_string(),
            );
        }
    };
    view! {
        <div class="receipt">
            {move || if delivered.get() {
                view! { <p class="saved" role="status" data-testid="message-sent">{t!(i18n, message.sent)}</p> }.into_any()
            } else {
                view! { <p class="saved" role="status" data-testid="message-saved">{t!(i18n, message.saved_on_tablet)}</p> }.into_any()
            }}
            <h2>{t!(i18n, message.code_title)}</h2>
            <p class="receipt__code" data-testid="receipt-code" translate="no" dir="ltr">{code.clone()}</p>
            <p>{t!(i18n, message.code_lead)}</p>
            <div class="receipt__actions">
                <button type="button" class="button" on:click=copy>{t!(i18n, message.copy)}</button>
                <button type="button" class="button button--quiet" on:click=save>{t!(i18n, message.save_file)}</button>
                <button type="button" class="button button--quiet" on:click=move |_| browser::print_page()>{t!(i18n, message.print)}</button>
            </div>
            {move || copied.get().map(|ok| view! {
                <p class="muted" role="status">{move || if ok {
                    t_string!(i18n, message.copied)
                } else {
                    t_string!(i18n, message.copy_failed)
                }}</p>
            })}
            <p><A href=ANSWER_PATH>{t!(i18n, message.read_answer)}</A></p>
        </div>
    }
}

fn status_text(status: ComplaintStatus) -> &'static str {
    let locale = language::now().locale();
    match status {
        ComplaintStatus::New => td_string!(locale, message.status.new),
        ComplaintStatus::Investigating => td_string!(locale, message.status.investigating),
        ComplaintStatus::Answered => td_string!(locale, message.status.answered),
        ComplaintStatus::Closed => td_string!(locale, message.status.closed),
    }
}

fn answer_failure_text(failure: &ApiFailure) -> &'static str {
    let locale = language::now().locale();
    match failure {
        ApiFailure::Offline => td_string!(locale, message.answer.offline),
        other => match other.code() {
            Some(ErrorCode::NotFound) => td_string!(locale, message.answer.not_found),
            Some(ErrorCode::RateLimited) => td_string!(locale, message.answer.too_many),
            _ => td_string!(locale, message.answer.failed),
        },
    }
}

/// Enter the code, read the status and the answer.
#[component]
pub(crate) fn AnswerPage() -> impl IntoView {
    let i18n = use_i18n();
    let language = language::reader();
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<MessageStatus, &'static str>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = code.get_untracked();
        if ReceiptCode::parse(&typed).is_err() {
            result.set(Some(Err(td_string!(
                language::now().locale(),
                message.answer.not_found
            ))));
            return;
        }
        busy.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let answer = read_answer(&typed).await;
            result.set(Some(answer.map_err(|f| answer_failure_text(&f))));
            busy.set(false);
        });
    };
    view! {
        <section class="child-message" data-testid="answer-page">
            <h1>{t!(i18n, message.answer.title)}</h1>
            <p class="lead">{t!(i18n, message.answer.lead)}</p>
            <form class="form" on:submit=submit novalidate>
                <label class="field">
                    <span>{t!(i18n, message.answer.code_label)}</span>
                    <small class="muted">{t!(i18n, message.answer.code_hint)}</small>
                    <input type="text" name="code" autocomplete="off" autocapitalize="characters"
                        spellcheck="false" maxlength="20" dir="ltr" class="receipt__input"
                        prop:value=move || code.get()
                        on:input=move |ev| code.set(event_target_value(&ev))/>
                </label>
                <BusyButton busy=busy
                    label=Signal::derive(move || t_string!(i18n, message.answer.show))
                    busy_label=Signal::derive(move || t_string!(i18n, message.answer.looking))/>
            </form>
            {move || busy.get().then(|| view! {
                <p class="muted" role="status">{t!(i18n, message.answer.looking)}</p>
            })}
            {move || match result.get() {
                None => None,
                Some(Err(why)) => Some(view! {
                    <p class="error" role="alert" data-testid="answer-error">{why}</p>
                }.into_any()),
                Some(Ok(status)) => {
                    let received = status.received_on;
                    Some(view! {
                        <div class="answer" data-testid="answer">
                            <p role="status" data-testid="answer-status">
                                {move || { i18n.get_locale(); status_text(status.status) }}
                            </p>
                            <p class="muted">{t!(i18n, message.answer.received, date = move || language().date(received))}</p>
                            {match (status.answer.clone(), status.answered_on) {
                                (Some(answer), answered_on) => view! {
                                    <h2>{t!(i18n, message.answer.heading)}</h2>
                                    <p class="answer__text" translate="no" data-testid="answer-text">{answer}</p>
                                    {answered_on.map(|d| view! {
                                        <p class="muted">{t!(i18n, message.answer.answered_on, date = move || language().date(d))}</p>
                                    })}
                                }.into_any(),
                                (None, _) => view! {
                                    <p>{t!(i18n, message.answer.no_answer_yet)}</p>
                                }.into_any(),
                            }}
                        </div>
                    }.into_any())
                }
            }}
        </section>
    }
}
