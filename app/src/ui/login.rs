//! Signing in: the first time on a device, and again when a session ends.
//! Signing in as somebody else first removes the previous user's data (never
//! while their changes wait to be sent).

use super::{store, sync_ctl, Ctx};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::http;
use crate::session::{sign_in_effect, SignInEffect, StoredSession};
use crate::sync::TransportError;
use crate::ui::form::{BusyButton, ErrorLine};
use crate::ui::language::{self, LanguagePicker};
use leptos::prelude::*;
use shared::ErrorCode;

fn message_for(error: &TransportError) -> String {
    let locale = language::now().locale();
    match error {
        TransportError::Server {
            code: Some(code), ..
        } => code.label(language::now()).to_owned(),
        TransportError::Unreachable => td_string!(locale, login.unreachable).to_owned(),
        _ => td_string!(locale, login.failed).to_owned(),
    }
}

/// The sign-in form. `again`: the session ended and the data on the device
/// stays if the same user signs in.
#[component]
pub(crate) fn LoginForm(ctx: Ctx, again: bool) -> impl IntoView {
    let i18n = use_i18n();
    let previous = ctx.user.get_untracked();
    let username = RwSignal::new(
        previous
            .as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    // The suggested name follows the language until the user types one.
    let typed_label = RwSignal::new(None::<String>);
    let device_label = Signal::derive(move || {
        typed_label
            .get()
            .unwrap_or_else(|| t_string!(i18n, login.device_name_default).to_owned())
    });
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (name, pass, label) = (
            username.get_untracked().trim().to_owned(),
            password.get_untracked(),
            device_label.get_untracked().trim().to_owned(),
        );
        if name.is_empty() || pass.is_empty() || label.is_empty() {
            error.set(Some(t_string!(i18n, login.fill_in_all).to_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = sign_in(ctx, &name, &pass, &label).await;
            busy.set(false);
            match result {
                Ok(()) => password.set(String::new()),
                Err(message) => error.set(Some(message)),
            }
        });
    };

    view! {
        <section class="card login" aria-labelledby="login-h">
            <LanguagePicker/>
            <p class="login__corner"><a href=super::corner::HOME rel="external" class="button button--secondary" data-testid="open-corner">{t!(i18n, corner.open)}</a></p>
            <h1 id="login-h">{move || if again { t_string!(i18n, login.title_again) } else { t_string!(i18n, login.title) }}</h1>
            // Until a person who reads both languages has reviewed every text.
            {move || crate::review::of(language::current().tag()).is_some_and(|r| !r.fully_reviewed()).then(|| view! {
                <p class="muted" data-testid="language-not-reviewed">{t!(i18n, login.language_not_reviewed)}</p>
            })}
            {move || ctx.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {again.then(|| view! {
                <p>{t!(i18n, login.session_over)}</p>
            })}
            <form class="form" on:submit=submit novalidate>
                <label class="field">
                    <span>{t!(i18n, login.username)}</span>
                    <input type="text" name="username" autocomplete="username" required
                        autocapitalize="none" spellcheck="false" maxlength="64"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{t!(i18n, login.password)}</span>
                    <input type="password" name="password" autocomplete="current-password" required
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{t!(i18n, login.device_name)}</span>
                    <input type="text" name="device" required maxlength="80"
                        prop:value=move || device_label.get()
                        on:input=move |ev| typed_label.set(Some(event_target_value(&ev)))/>
                    <small class="muted">{t!(i18n, login.device_name_hint)}</small>
                </label>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <BusyButton busy
                        label=Signal::derive(move || t_string!(i18n, login.sign_in))
                        busy_label=Signal::derive(move || t_string!(i18n, login.signing_in))/>
                </div>
            </form>
        </section>
    }
}

async fn sign_in(ctx: Ctx, username: &str, password: &str, label: &str) -> Result<(), String> {
    let locale = language::now().locale();
    let Some(store) = store() else {
        return Err(td_string!(locale, login.store_not_open).to_owned());
    };
    let tokens = http::login(username, password, label)
        .await
        .map_err(|e| message_for(&e))?;
    let previous = store.owner().await.map_err(|e| e.0)?.map(|u| u.id);
    let pending = store.pending_count().await.map_err(|e| e.0)?;
    match sign_in_effect(previous, tokens.user.id, pending) {
        SignInEffect::Keep => {}
        SignInEffect::Wipe => store.wipe_all().await.map_err(|e| e.0)?,
        SignInEffect::Refuse { pending } => {
            return Err(
                td_string!(locale, login.other_users_changes, pending = pending).to_string(),
            )
        }
    }
    super::lock::set_lock_after(tokens.policy.lock_after_secs);
    // Readable while locked: the check token, the rules, and that the
    // server was reached just now.
    store.save_policy(&tokens.policy).await.map_err(|e| e.0)?;
    if let Some(token) = &tokens.check_token {
        store.save_check_token(token).await.map_err(|e| e.0)?;
    }
    store.note_contact().await.map_err(|e| e.0)?;
    let session = StoredSession::from(tokens);
    if store.is_unlocked() {
        finish_sign_in(ctx, session).await
    } else if ctx.locked.get_untracked() && store.has_key().await.map_err(|e| e.0)? {
        // The same user again on the lock screen (the device was offline
        // too long and its session ended): the key stays; unlock next.
        super::lock::signed_in_while_locked(session);
        ctx.notice.set(None);
        ctx.data_changed();
        Ok(())
    } else {
        // A new device (or a new user on it): the key first.
        ctx.pin_setup.set(Some(session));
        Ok(())
    }
}

/// Keeps the session (sealed with the device key) and starts syncing.
pub(crate) async fn finish_sign_in(ctx: Ctx, session: StoredSession) -> Result<(), String> {
    let store = store().ok_or(td_string!(language::now().locale(), login.store_not_open))?;
    store.save_session(&session).await.map_err(|e| e.0)?;
    super::lock::read_kept_changes_now_known(&store).await;
    http::set_session(Some(session.clone()));
    ctx.user.set(Some(session.user));
    ctx.pin_setup.set(None);
    ctx.session_ended.set(false);
    ctx.locked.set(false);
    ctx.notice.set(None);
    ctx.data_changed();
    super::lock::watch_inactivity(ctx);
    sync_ctl::start(ctx);
    sync_ctl::request_sync(ctx);
    Ok(())
}

/// After the device was emptied: back to the sign-in form, saying why.
pub(crate) fn after_wipe(ctx: Ctx, why: &str) {
    http::set_session(None);
    ctx.user.set(None);
    ctx.pin_setup.set(None);
    ctx.locked.set(false);
    ctx.session_ended.set(false);
    ctx.status
        .update(|s| *s = crate::status::SyncStatus::default());
    ctx.notice.set(Some(why.to_owned()));
    ctx.data_changed();
}

/// Signs out: pushes what waits if it can, warns before anything would be
/// lost, ends the session on the server and removes everything of the user
/// from the device, the key included.
pub(crate) async fn sign_out(ctx: Ctx) {
    let Some(store) = store() else { return };
    sync_ctl::run_round_now(ctx).await;
    let pending = store.pending_count().await.unwrap_or(0);
    if pending > 0 {
        let question = td_string!(
            language::now().locale(),
            login.sign_out_anyway,
            pending = pending
        )
        .to_string();
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
    }
    http::logout().await;
    if store.wipe_all().await.is_ok() {
        after_wipe(ctx, td_string!(language::now().locale(), login.signed_out));
    }
}

/// Whether a sync error means the session is over.
pub(crate) fn session_over(code: Option<ErrorCode>) -> bool {
    matches!(
        code,
        Some(ErrorCode::SessionExpired | ErrorCode::Unauthenticated)
    )
}
