//! The tablet lock: choosing a PIN after the first sign-in, the lock screen,
//! and locking after a while without use. While locked the device key is
//! not in memory, so nothing about children can be read or synced.

use super::form::{BusyButton, ErrorLine, PinField};
use super::{login, store, sync_ctl, Ctx};
use crate::lock::check_new_pin;
use crate::platform::store::Unlock;
use crate::platform::{browser, http};
use crate::session::StoredSession;
use leptos::prelude::*;
use std::cell::Cell;

thread_local! {
    static LAST_ACTIVITY: Cell<f64> = const { Cell::new(0.0) };
    static LOCK_AFTER_MS: Cell<f64> = const { Cell::new(300_000.0) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Locks after `secs` without a touch or key press.
pub(crate) fn set_lock_after(secs: u32) {
    LOCK_AFTER_MS.with(|l| l.set(f64::from(secs) * 1000.0));
}

/// Starts watching for inactivity, once per page load.
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

/// Opens the device after a correct PIN: the session comes back from the
/// store and sync resumes.
async fn unlocked(ctx: Ctx) -> Result<(), String> {
    let store = store().ok_or("Lagringen på enheten är inte öppen.")?;
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
    ctx.locked.set(false);
    ctx.data_changed();
    sync_ctl::start(ctx);
    sync_ctl::request_sync(ctx);
    Ok(())
}

#[component]
pub(crate) fn LockScreen(ctx: Ctx) -> impl IntoView {
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let entered = pin.get_untracked();
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = store.unlock(&entered).await;
            pin.set(String::new());
            busy.set(false);
            match result {
                Ok(Unlock::Unlocked) => {
                    if let Err(e) = unlocked(ctx).await {
                        error.set(Some(e));
                    }
                }
                Ok(Unlock::WrongPin { left }) => error.set(Some(format!(
                    "Fel PIN-kod. {left} försök kvar innan uppgifterna på enheten tas bort."
                ))),
                Ok(Unlock::Wiped) => {
                    login::after_wipe(
                        ctx,
                        "För många fel PIN-koder. Uppgifterna på enheten är borttagna. Logga in igen.",
                    );
                }
                Err(e) => error.set(Some(format!("Kunde inte låsa upp: {}", e.0))),
            }
        });
    };
    let switch_user = move |_| {
        let question = "Byta användare tar bort allt på enheten, även ändringar som inte har skickats. Fortsätta?";
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Some(store) = store() {
                if store.wipe_all().await.is_ok() {
                    login::after_wipe(ctx, "Enheten är rensad.");
                }
            }
        });
    };
    view! {
        <section class="card lock" aria-labelledby="lock-h">
            <h1 id="lock-h">"Låst"</h1>
            <p>{move || ctx.user.get().map(|u| format!("Enheten tillhör {}. Ange din PIN-kod.", u.display_name))}</p>
            <form class="form" on:submit=submit novalidate>
                <PinField label="PIN-kod" name="pin" autocomplete="off" value=pin/>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <BusyButton busy label="Lås upp" busy_label="Låser upp…"/>
                    <button type="button" class="button button--secondary" on:click=switch_user>
                        "Byt användare"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// After the first sign-in on a device: the PIN that will open it.
#[component]
pub(crate) fn PinSetup(ctx: Ctx, session: StoredSession) -> impl IntoView {
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let session = StoredValue::new(session);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if let Err(e) = check_new_pin(&pin.get_untracked(), &again.get_untracked()) {
            error.set(Some(e.to_string()));
            return;
        }
        busy.set(true);
        error.set(None);
        let chosen = pin.get_untracked();
        let session = session.get_value();
        leptos::task::spawn_local(async move {
            let result = async {
                let store = store().ok_or("Lagringen på enheten är inte öppen.".to_owned())?;
                store.set_up_key(&chosen).await.map_err(|e| e.0)?;
                login::finish_sign_in(ctx, session).await
            }
            .await;
            busy.set(false);
            if let Err(e) = result {
                error.set(Some(e));
            }
        });
    };
    view! {
        <section class="card lock" aria-labelledby="pin-h">
            <h1 id="pin-h">"Välj en PIN-kod"</h1>
            <p>"Allt om barnen sparas krypterat på enheten. PIN-koden låser upp det, också utan nätverk. Appen låses när den inte har använts på en stund."</p>
            <form class="form" on:submit=submit novalidate>
                <PinField label="Ny PIN-kod (6–12 siffror)" name="new-pin" autocomplete="new-password" value=pin/>
                <PinField label="Samma PIN-kod igen" name="new-pin-again" autocomplete="new-password" value=again/>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <BusyButton busy label="Spara PIN-kod" busy_label="Skapar nyckel…"/>
                </div>
            </form>
        </section>
    }
}
