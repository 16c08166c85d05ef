//! The tablet lock: making the device key after the first sign-in (the
//! platform authenticator, or a PIN where there is none), the lock screen,
//! locking after a while without use, and what a locked device still does:
//! asking the server whether its session holds (wiping itself when it was
//! revoked) and refusing to unlock after too long away from the server.
//! While locked the device key is not in memory, so nothing about children
//! can be read or synced.

use super::form::{BusyButton, ErrorLine, PinField};
use super::{language, login, store, sync_ctl, Ctx};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::lock::{check_new_pin, offline_too_long};
use crate::platform::store::{KeyMethod, Unlock};
use crate::platform::{browser, http, webauthn};
use crate::session::StoredSession;
use crate::sync::TransportError;
use leptos::prelude::*;
use shared::ErrorCode;
use std::cell::{Cell, RefCell};

/// How often a locked device asks whether its session still holds.
const CHECK_EVERY_MS: u32 = 3 * 60_000;

thread_local! {
    static LAST_ACTIVITY: Cell<f64> = const { Cell::new(0.0) };
    static LOCK_AFTER_MS: Cell<f64> = const { Cell::new(300_000.0) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static CHECKING: Cell<bool> = const { Cell::new(false) };
    /// A session from signing in again while locked, kept (sealed) once
    /// the device is unlocked.
    static SIGNED_IN_WHILE_LOCKED: RefCell<Option<StoredSession>> = const { RefCell::new(None) };
}

/// Locks after `secs` without a touch or key press.
pub(crate) fn set_lock_after(secs: u32) {
    LOCK_AFTER_MS.with(|l| l.set(f64::from(secs) * 1000.0));
}

/// Starts watching for inactivity, and while locked the session, once per
/// page load.
pub(crate) fn watch_inactivity(ctx: Ctx) {
    if WATCHING.with(|w| w.replace(true)) {
        return;
    }
    LAST_ACTIVITY.with(|l| l.set(browser::now_ms()));
    browser::on_user_activity(|| LAST_ACTIVITY.with(|l| l.set(browser::now_ms())));
    gloo_timers::callback::Interval::new(1_000, move || {
        let idle = browser::now_ms() - LAST_ACTIVITY.with(Cell::get);
        if idle >= LOCK_AFTER_MS.with(Cell::get) && !ctx.locked.get_untracked() {
            lock_now(ctx);
        }
    })
    .forget();
    let check_if_locked = move || {
        if ctx.locked.get_untracked() {
            leptos::task::spawn_local(async move {
                check_session(ctx).await;
            });
        }
    };
    check_if_locked();
    browser::on_connectivity_change(move |online| {
        if online {
            check_if_locked();
        }
    });
    gloo_timers::callback::Interval::new(CHECK_EVERY_MS, check_if_locked).forget();
}

/// Forgets the key and the tokens; the lock screen shows.
pub(crate) fn lock_now(ctx: Ctx) {
    let Some(store) = store() else { return };
    if !store.is_unlocked() {
        return;
    }
    store.lock();
    http::set_session(None);
    ctx.locked.set(true);
}

/// What asking the server about the session found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// The session holds: the device reached the server.
    Holds,
    /// The session ended: signing in again is the way back.
    Ended,
    /// Revoked: the device is wiped.
    Revoked,
    /// No network, or no check token to ask with.
    NotReached,
}

/// Asks the server whether the session holds, with the check token (no key
/// needed). Revoked: everything on the device goes, as when a sync hears it.
pub(crate) async fn check_session(ctx: Ctx) -> Checked {
    let Some(store) = store() else {
        return Checked::NotReached;
    };
    let Ok(Some(token)) = store.check_token().await else {
        return Checked::NotReached;
    };
    if CHECKING.with(|c| c.replace(true)) {
        return Checked::NotReached;
    }
    let answer = http::check_session(&token).await;
    CHECKING.with(|c| c.set(false));
    let checked = match answer {
        Ok(check) => {
            let _ = store.note_contact().await;
            let _ = store.save_policy(&check.policy).await;
            set_lock_after(check.policy.lock_after_secs);
            Checked::Holds
        }
        Err(TransportError::Server {
            code: Some(ErrorCode::SessionRevoked),
            ..
        }) => {
            if store.wipe_all().await.is_ok() {
                login::after_wipe(ctx, ErrorCode::SessionRevoked.label(language::now()));
            }
            Checked::Revoked
        }
        Err(TransportError::Server {
            status: 401, code, ..
        }) if login::session_over(code) => Checked::Ended,
        Err(_) => Checked::NotReached,
    };
    ctx.data_changed();
    checked
}

/// Whether the device has been away from the server too long to unlock.
async fn offline_too_long_now() -> bool {
    let Some(store) = store() else { return true };
    let last = store.last_contact_ms().await.ok().flatten();
    let max = store
        .policy()
        .await
        .map(|p| p.max_offline_secs)
        .unwrap_or(0);
    offline_too_long(last, js_sys::Date::now(), max)
}

/// The device may unlock: it reached the server recently enough, or does
/// now. `Err`: why not, for the lock screen.
async fn may_unlock(ctx: Ctx) -> Result<(), Checked> {
    if !offline_too_long_now().await {
        return Ok(());
    }
    match check_session(ctx).await {
        Checked::Holds => Ok(()),
        other => Err(other),
    }
}

/// Keeps a session from signing in again while locked, for [`unlocked`].
pub(crate) fn signed_in_while_locked(session: StoredSession) {
    SIGNED_IN_WHILE_LOCKED.with(|s| *s.borrow_mut() = Some(session));
}

/// Opens the device after the key was made: the session comes back from the
/// store and sync resumes.
async fn unlocked(ctx: Ctx) -> Result<(), String> {
    let store = store().ok_or_else(store_not_open)?;
    if let Some(fresh) = SIGNED_IN_WHILE_LOCKED.with(|s| s.borrow_mut().take()) {
        store.save_session(&fresh).await.map_err(|e| e.0)?;
    }
    let session = store.session().await.map_err(|e| e.0)?;
    if let Some(secs) = store.lock_after_secs().await.ok().flatten() {
        set_lock_after(secs);
    }
    LAST_ACTIVITY.with(|l| l.set(browser::now_ms()));
    match session {
        Some(session) => {
            ctx.user.set(Some(session.user.clone()));
            http::set_session(Some(session));
            ctx.session_ended.set(false);
        }
        // Signed in before, session gone: sign in again, data stays.
        None => ctx.session_ended.set(true),
    }
    read_kept_changes_now_known(&store).await;
    ctx.locked.set(false);
    ctx.data_changed();
    sync_ctl::start(ctx);
    sync_ctl::request_sync(ctx);
    // Records sealed by an earlier version move to the records key, in the
    // background (docs/security.md); a lock stops it and the next unlock
    // carries on.
    leptos::task::spawn_local(async move {
        match store.reseal_with_records_key().await {
            Ok(0) => {}
            Ok(n) => {
                web_sys::console::info_1(&format!("{n} poster förseglade med postnyckeln").into())
            }
            Err(e) => web_sys::console::warn_1(&format!("postnyckeln: {}", e.0).into()),
        }
    });
    Ok(())
}

/// Changes of a kind an earlier version kept aside, which this version
/// reads, become records before the first sync (a filing, "Förd till akt",
/// was such a kind until 2026-12-06). A failure leaves them aside for the
/// next unlock.
pub(crate) async fn read_kept_changes_now_known(store: &crate::platform::store::IdbStore) {
    match store.read_kept_changes_now_known().await {
        Ok(0) => {}
        Ok(n) => web_sys::console::info_1(&format!("{n} sparade ändringar lästa").into()),
        Err(e) => web_sys::console::warn_1(&format!("sparade ändringar: {}", e.0).into()),
    }
}

/// "The storage on the device is not open", in the current language.
fn store_not_open() -> String {
    td_string!(language::now().locale(), lock.store_not_open).to_owned()
}

/// What the lock screen says when the device may not unlock yet.
fn blocked_message(locale: crate::i18n::Locale, checked: Option<Checked>, days: u64) -> String {
    let first = td_string!(locale, lock.offline_too_long, days = days);
    let then = match checked {
        Some(Checked::Ended) => td_string!(locale, lock.offline_session_over),
        Some(Checked::NotReached) => td_string!(locale, lock.offline_not_reached),
        _ => td_string!(locale, lock.offline_connect),
    };
    format!("{first} {then}")
}

/// Reports what unlocking gave, on the lock screen or in the child mode.
pub(crate) fn unlock_error(ctx: Ctx, result: Result<Unlock, String>) -> Option<String> {
    let locale = language::now().locale();
    match result {
        Ok(Unlock::Unlocked) => None,
        Ok(Unlock::WrongPin { left }) => {
            Some(td_string!(locale, lock.wrong_pin, left = left).to_string())
        }
        Ok(Unlock::Wiped) => {
            ctx.child_mode.set(false);
            login::after_wipe(ctx, td_string!(locale, lock.too_many_wrong_pins));
            None
        }
        Err(e) => Some(e),
    }
}

/// Unlocks with the platform authenticator: its check, then its PRF output
/// opens the key check.
pub(crate) async fn unlock_with_authenticator() -> Result<Unlock, String> {
    let locale = language::now().locale();
    let store = store().ok_or_else(store_not_open)?;
    let Ok(Some(KeyMethod::Authenticator {
        credential_id,
        prf_salt,
    })) = store.key_method().await
    else {
        return Err(td_string!(locale, lock.not_screen_lock).to_owned());
    };
    let output = webauthn::prf_output(&credential_id, &prf_salt)
        .await
        .map_err(|e| e.message(language::now()))?;
    match store.unlock_with_prf(&output).await {
        Ok(true) => Ok(Unlock::Unlocked),
        Ok(false) => Err(td_string!(locale, lock.screen_lock_wrong_key).to_owned()),
        Err(e) => Err(td_string!(locale, lock.could_not_unlock, error = e.0).to_string()),
    }
}

#[component]
pub(crate) fn LockScreen(ctx: Ctx) -> impl IntoView {
    let i18n = use_i18n();
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let method = RwSignal::new(None::<KeyMethod>);
    // Too long offline: the days allowed, and what the last check found.
    let blocked = RwSignal::new(None::<(u64, Option<Checked>)>);
    let last_check = RwSignal::new(None::<Checked>);
    Effect::new(move |_| {
        ctx.data_rev.track();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if let Ok(m) = store.key_method().await {
                let _ = method.try_set(m);
            }
            let days = store
                .policy()
                .await
                .map_or(0, |p| p.max_offline_secs / 86_400);
            let too_long = offline_too_long_now().await;
            let _ = blocked.try_set(too_long.then(|| (days, last_check.get_untracked())));
        });
    });
    let attempt = move |with_pin: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(checked) = may_unlock(ctx).await {
                let _ = last_check.try_set(Some(checked));
                let _ = busy.try_set(false);
                let _ = pin.try_set(String::new());
                ctx.data_changed();
                return;
            }
            let result = match with_pin {
                Some(entered) => match store() {
                    Some(store) => store.unlock(&entered).await.map_err(|e| {
                        td_string!(language::now().locale(), lock.could_not_unlock, error = e.0)
                            .to_string()
                    }),
                    None => Err(store_not_open()),
                },
                None => unlock_with_authenticator().await,
            };
            let _ = pin.try_set(String::new());
            let _ = busy.try_set(false);
            let opened = result == Ok(Unlock::Unlocked);
            if let Some(message) = unlock_error(ctx, result) {
                let _ = error.try_set(Some(message));
            } else if opened {
                if let Err(e) = unlocked(ctx).await {
                    let _ = error.try_set(Some(e));
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match method.get_untracked() {
            Some(KeyMethod::Authenticator { .. }) => attempt(None),
            _ => attempt(Some(pin.get_untracked())),
        }
    };
    let try_now = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let checked = check_session(ctx).await;
            let _ = last_check.try_set(Some(checked));
            let _ = busy.try_set(false);
        });
    };
    let switch_user = move |_| {
        let question = t_string!(i18n, lock.switch_user_question);
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Some(store) = store() {
                if store.wipe_all().await.is_ok() {
                    login::after_wipe(ctx, t_string!(i18n, lock.device_cleared));
                }
            }
        });
    };
    let with_authenticator = move || matches!(method.get(), Some(KeyMethod::Authenticator { .. }));
    view! {
        <section class="card lock" aria-labelledby="lock-h">
            <h1 id="lock-h">{t!(i18n, lock.locked)}</h1>
            <p>{move || ctx.user.get().map(|u| if with_authenticator() {
                t_string!(i18n, lock.belongs_to_screen_lock, name = u.display_name).to_string()
            } else {
                t_string!(i18n, lock.belongs_to_pin, name = u.display_name).to_string()
            })}</p>
            {move || blocked.get().map(|(days, _)| view! {
                <div class="notice" role="status" data-testid="offline-too-long">
                    <p>{move || blocked_message(i18n.get_locale(), last_check.get(), days)}</p>
                    <button type="button" class="button button--secondary" on:click=try_now
                        disabled=move || busy.get()>
                        {t!(i18n, lock.try_now)}
                    </button>
                </div>
            })}
            {move || (blocked.get().is_some() && last_check.get() == Some(Checked::Ended))
                .then(|| view! { <login::LoginForm ctx=ctx again=true/> })}
            <form class="form" on:submit=submit novalidate>
                {move || (!with_authenticator()).then(|| view! {
                    <PinField label=Signal::derive(move || t_string!(i18n, lock.pin)) name="pin" autocomplete="off" value=pin/>
                })}
                <ErrorLine error=error/>
                <div class="form__actions">
                    {move || if with_authenticator() {
                        view! { <BusyButton busy
                            label=Signal::derive(move || t_string!(i18n, lock.unlock_with_screen_lock))
                            busy_label=Signal::derive(move || t_string!(i18n, lock.waiting_for_screen_lock))/> }.into_any()
                    } else {
                        view! { <BusyButton busy
                            label=Signal::derive(move || t_string!(i18n, lock.unlock))
                            busy_label=Signal::derive(move || t_string!(i18n, lock.unlocking))/> }.into_any()
                    }}
                    <button type="button" class="button button--secondary" on:click=switch_user>
                        {t!(i18n, lock.switch_user)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// What the first sign-in on a device sets up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    Finding,
    Authenticator,
    Pin,
    /// The administrator requires the authenticator and this device has
    /// none with PRF.
    Impossible,
}

/// After the first sign-in on a device: the key that will open it. The
/// tablet's screen lock (platform authenticator with PRF) where it has one,
/// else a PIN, unless the administrator requires the authenticator.
#[component]
pub(crate) fn PinSetup(ctx: Ctx, session: StoredSession) -> impl IntoView {
    let i18n = use_i18n();
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let setup = RwSignal::new(Setup::Finding);
    let required = RwSignal::new(false);
    let session = StoredValue::new(session);
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        let must = store.policy().await.is_ok_and(|p| p.require_authenticator);
        let _ = required.try_set(must);
        let available = webauthn::platform_authenticator_available().await;
        let _ = setup.try_set(match (available, must) {
            (true, _) => Setup::Authenticator,
            (false, false) => Setup::Pin,
            (false, true) => Setup::Impossible,
        });
    });
    let finish = move |result: Result<(), String>| async move {
        let result = match result {
            Ok(()) => login::finish_sign_in(ctx, session.get_value()).await,
            Err(e) => Err(e),
        };
        let _ = busy.try_set(false);
        if let Err(e) = result {
            let _ = error.try_set(Some(e));
        }
    };
    let set_up_pin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if let Err(e) = check_new_pin(&pin.get_untracked(), &again.get_untracked()) {
            error.set(Some(e.message(language::now())));
            return;
        }
        busy.set(true);
        error.set(None);
        let chosen = pin.get_untracked();
        leptos::task::spawn_local(async move {
            let result = match store() {
                Some(store) => store.set_up_key(&chosen).await.map_err(|e| e.0),
                None => Err(store_not_open()),
            };
            finish(result).await;
        });
    };
    let set_up_authenticator = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = authenticator_key(&session.get_value()).await;
            // Cancelled: try again. Unusable here (no PRF, or the browser
            // refuses WebAuthn for this address): the PIN, unless required.
            let unusable = matches!(
                result,
                Err(webauthn::WebAuthnError::NoPrf | webauthn::WebAuthnError::Other(_))
            );
            if unusable && !required.get_untracked() {
                let _ = busy.try_set(false);
                let _ = setup.try_set(Setup::Pin);
                let why = result
                    .err()
                    .map(|e| e.message(language::now()))
                    .unwrap_or_default();
                let _ = error.try_set(Some(
                    td_string!(
                        language::now().locale(),
                        lock.choose_pin_instead,
                        error = why
                    )
                    .to_string(),
                ));
                return;
            }
            if unusable {
                let _ = setup.try_set(Setup::Impossible);
            }
            finish(result.map_err(|e| e.message(language::now()))).await;
        });
    };
    let cancel = move |_| {
        leptos::task::spawn_local(async move {
            if let Some(store) = store() {
                let _ = store.wipe_all().await;
            }
            login::after_wipe(ctx, t_string!(i18n, lock.nothing_saved));
        });
    };
    view! {
        <section class="card lock" aria-labelledby="pin-h">
            {move || match setup.get() {
                Setup::Finding => view! {
                    <h1 id="pin-h">{t!(i18n, lock.setup_title)}</h1>
                    <p class="muted" role="status">{t!(i18n, lock.setup_finding)}</p>
                }.into_any(),
                Setup::Authenticator => view! {
                    <h1 id="pin-h">{t!(i18n, lock.setup_screen_lock_title)}</h1>
                    <p>{t!(i18n, lock.setup_screen_lock_text)}</p>
                    <ErrorLine error=error/>
                    <div class="form__actions">
                        <button type="button" class="button" disabled=move || busy.get()
                            on:click=set_up_authenticator>
                            {move || if busy.get() {
                                t_string!(i18n, lock.waiting_for_screen_lock)
                            } else {
                                t_string!(i18n, lock.use_screen_lock)
                            }}
                        </button>
                    </div>
                }.into_any(),
                Setup::Pin => view! {
                    <h1 id="pin-h">{t!(i18n, lock.setup_pin_title)}</h1>
                    <p>{t!(i18n, lock.setup_pin_text)}</p>
                    <form class="form" on:submit=set_up_pin novalidate>
                        <PinField label=Signal::derive(move || t_string!(i18n, lock.new_pin))
                            name="new-pin" autocomplete="new-password" value=pin/>
                        <PinField label=Signal::derive(move || t_string!(i18n, lock.new_pin_again))
                            name="new-pin-again" autocomplete="new-password" value=again/>
                        <ErrorLine error=error/>
                        <div class="form__actions">
                            <BusyButton busy
                                label=Signal::derive(move || t_string!(i18n, lock.save_pin))
                                busy_label=Signal::derive(move || t_string!(i18n, lock.making_key))/>
                        </div>
                    </form>
                }.into_any(),
                Setup::Impossible => view! {
                    <h1 id="pin-h">{t!(i18n, lock.setup_impossible_title)}</h1>
                    <p role="alert" data-testid="authenticator-required">
                        {t!(i18n, lock.setup_impossible_text)}
                    </p>
                    <div class="form__actions">
                        <button type="button" class="button button--secondary" on:click=cancel>
                            {t!(i18n, lock.back_to_sign_in)}
                        </button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// Makes the device key with the platform authenticator: a credential with
/// PRF, then its output for a fresh salt.
async fn authenticator_key(session: &StoredSession) -> Result<(), webauthn::WebAuthnError> {
    let other = |e: String| webauthn::WebAuthnError::Other(e);
    let store = store().ok_or_else(|| {
        other(td_string!(language::now().locale(), lock.store_not_open_short).to_owned())
    })?;
    let prf_salt =
        crate::platform::crypto::random_bytes(crate::lock::KEY_BYTES).map_err(|e| other(e.0))?;
    let created = webauthn::create(&session.user, &prf_salt).await?;
    let output = match created.prf_output {
        Some(output) => output,
        None => webauthn::prf_output(&created.credential_id, &prf_salt).await?,
    };
    store
        .set_up_authenticator(&created.credential_id, &prf_salt, &output)
        .await
        .map_err(|e| other(e.0))
}
