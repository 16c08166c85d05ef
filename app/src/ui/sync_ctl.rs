//! When sync runs: at start, when the network comes back, every 30 seconds,
//! shortly after a local write, and when the user asks. Failures back off
//! exponentially with jitter. One round at a time.

use super::{store, Ctx};
use crate::i18n::td_string;
use crate::labels::Label;
use crate::platform::{browser, http::HttpTransport};
use crate::status::Activity;
use crate::sync::{retry_delay_ms, sync_with_progress, SyncError, TransportError};
use crate::ui::language;
use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use shared::ErrorCode;
use std::cell::{Cell, RefCell};

const INTERVAL_MS: u32 = 30_000;
const AFTER_WRITE_MS: u32 = 400;

thread_local! {
    static STARTED: Cell<bool> = const { Cell::new(false) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    static RETRY: RefCell<Option<Timeout>> = const { RefCell::new(None) };
}

/// Starts the triggers, once per page load.
pub(crate) fn start(ctx: Ctx) {
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    browser::on_connectivity_change(move |online| {
        if online {
            FAILURES.with(|f| f.set(0));
            request_sync(ctx);
        } else {
            ctx.status.update(|s| s.activity = Activity::Offline);
        }
    });
    Interval::new(INTERVAL_MS, move || request_sync(ctx)).forget();
    request_sync(ctx);
}

/// Runs a round soon after a local write, so a change leaves the tablet as
/// soon as there is a network.
pub(crate) fn after_local_write(ctx: Ctx) {
    leptos::task::spawn_local(async move { refresh_pending(ctx).await });
    Timeout::new(AFTER_WRITE_MS, move || request_sync(ctx)).forget();
}

pub(crate) async fn refresh_pending(ctx: Ctx) {
    let Some(store) = store() else { return };
    if let Ok(n) = store.pending_count().await {
        // Another tab may have synced our changes: redraw when the count moves.
        if ctx.status.with_untracked(|s| s.pending) != n {
            ctx.status.update(|s| s.pending = n);
            ctx.data_changed();
        }
    }
    if let Ok(refused) = store.refused().await {
        ctx.status.update(|s| s.rejected = refused.len());
        let language = language::now();
        let items: Vec<RefusedItem> = refused
            .into_iter()
            .map(|r| RefusedItem {
                id: r.mutation.id,
                what: crate::refused::describe(&r.mutation.operation, language),
                warning: crate::refused::dismiss_warning(&r.mutation.operation, language),
                code: r.code,
            })
            .collect();
        // Unchanged, the list is not redrawn: a question being asked stays.
        if ctx.refused.with_untracked(|shown| *shown != items) {
            ctx.refused.set(items);
        }
    }
    if let Ok(conflicts) = store.conflicts().await {
        let open = conflicts
            .iter()
            .filter(
                |r| matches!(r, shared::protocol::Record::Conflict(c) if c.resolution.is_none()),
            )
            .count();
        ctx.status.update(|s| s.conflicts = open);
    }
}

pub(crate) fn request_sync(ctx: Ctx) {
    if RUNNING.with(Cell::get) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    RETRY.with(|r| r.borrow_mut().take()).map(Timeout::cancel);
    RUNNING.with(|r| r.set(true));
    leptos::task::spawn_local(async move {
        loop {
            AGAIN.with(|a| a.set(false));
            run_round(ctx).await;
            if !AGAIN.with(Cell::get) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

fn message_for(error: &SyncError) -> String {
    let language = language::now();
    let locale = language.locale();
    match error {
        SyncError::Transport(TransportError::Server {
            code: Some(code), ..
        }) => code.label(language).to_owned(),
        SyncError::Transport(TransportError::Server { status, .. }) => {
            td_string!(locale, sync.errors.server_status, status = *status).to_string()
        }
        SyncError::Transport(TransportError::Decode(_)) => {
            td_string!(locale, sync.errors.not_understood).to_owned()
        }
        SyncError::Transport(TransportError::Unreachable) => {
            td_string!(locale, sync.errors.unreachable).to_owned()
        }
        SyncError::Store(e) => {
            td_string!(locale, sync.errors.store, error = e.0.clone()).to_string()
        }
    }
}

/// One round now, waited for (before signing out).
pub(crate) async fn run_round_now(ctx: Ctx) {
    run_round(ctx).await;
}

async fn run_round(ctx: Ctx) {
    let Some(store) = store() else { return };
    if ctx.user.get_untracked().is_none()
        || ctx.session_ended.get_untracked()
        || ctx.locked.get_untracked()
        || !store.is_unlocked()
    {
        return;
    }
    refresh_pending(ctx).await;
    if !browser::is_online() {
        ctx.status.update(|s| s.activity = Activity::Offline);
        return;
    }
    ctx.status.update(|s| s.activity = Activity::Syncing);
    browser::mark("barnbesok:sync-start");
    // One tab at a time: two tabs must never push the same mutation at once.
    let result = browser::with_exclusive_lock("barnbesok-sync", async move {
        match store.device_id().await {
            Ok(device) => {
                let transport = HttpTransport::new(store.clone());
                sync_with_progress(store.as_ref(), &transport, device, |p| {
                    // Only a pull of several pages is worth a progress bar.
                    let show = p.total > u64::from(shared::protocol::DEFAULT_PULL_LIMIT)
                        && p.received < p.total;
                    ctx.progress.set(show.then_some(p));
                })
                .await
            }
            Err(e) => Err(e.into()),
        }
    })
    .await;
    ctx.progress.set(None);
    refresh_pending(ctx).await;
    match result {
        Ok(report) => {
            browser::measure("barnbesok:sync", "barnbesok:sync-start");
            FAILURES.with(|f| f.set(0));
            refresh_reference(ctx).await;
            ctx.status.update(|s| {
                s.activity = Activity::Idle;
                s.last_synced_at = Some(chrono::Utc::now());
            });
            show_held_back(ctx, &report.held_back).await;
            if report.pulled > 0
                || report.pushed > 0
                || report.dropped > 0
                || !report.left.is_empty()
                || !report.arrived.is_empty()
            {
                ctx.data_changed();
            }
        }
        Err(SyncError::Transport(TransportError::Server {
            code: Some(ErrorCode::SessionRevoked),
            ..
        })) => {
            // A lost device, or a deactivated user: nothing may stay here.
            if let Some(store) = super::store() {
                if store.wipe_all().await.is_ok() {
                    super::login::after_wipe(ctx, ErrorCode::SessionRevoked.label(language::now()));
                }
            }
        }
        Err(SyncError::Transport(TransportError::Server {
            status: 401, code, ..
        })) if super::login::session_over(code) => {
            // No retries: only signing in again helps. Local data stays.
            ctx.session_ended.set(true);
            ctx.status.update(|s| {
                s.activity =
                    Activity::Failed(ErrorCode::SessionExpired.label(language::now()).to_owned());
            });
        }
        Err(error) => {
            let activity = if error.is_unreachable() {
                Activity::Offline
            } else {
                Activity::Failed(message_for(&error))
            };
            ctx.status.update(|s| s.activity = activity);
            let failures = FAILURES.with(|f| {
                f.set(f.get().saturating_add(1));
                f.get()
            });
            let delay = retry_delay_ms(failures, browser::random_unit());
            let retry = Timeout::new(delay, move || request_sync(ctx));
            RETRY.with(|r| *r.borrow_mut() = Some(retry));
        }
    }
}

/// A change the server refused, as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RefusedItem {
    pub id: shared::MutationId,
    /// What it was ("Besöket 20 nov. 2026").
    pub what: String,
    /// What dismissing it loses.
    pub warning: String,
    pub code: ErrorCode,
}

/// Puts a refused change back in the outbox and syncs soon.
pub(crate) fn resend_refused(ctx: Ctx, id: shared::MutationId) {
    leptos::task::spawn_local(async move {
        if let Some(store) = store() {
            let _ = store.resend_refused(id).await;
        }
        ctx.data_changed();
        after_local_write(ctx);
    });
}

/// The children who left the user's list but stay for their unfinished
/// work, by name as the device still holds them.
async fn show_held_back(ctx: Ctx, children: &[shared::ChildId]) {
    let Some(store) = store() else { return };
    let mut named = Vec::with_capacity(children.len());
    for &child in children {
        let name = store
            .view_of_child(child)
            .await
            .ok()
            .and_then(|records| {
                records.into_iter().find_map(|r| match r {
                    shared::protocol::Record::Child(c) => Some(c.full_name()),
                    _ => None,
                })
            })
            .unwrap_or_else(|| td_string!(language::now().locale(), sync.a_child).to_owned());
        named.push((child, name));
    }
    if ctx.held_back.get_untracked() != named {
        ctx.held_back.set(named);
    }
}

pub(crate) fn dismiss_refused(ctx: Ctx, id: shared::MutationId) {
    leptos::task::spawn_local(async move {
        if let Some(store) = store() {
            let _ = store.dismiss_refused(id).await;
        }
        refresh_pending(ctx).await;
    });
}

/// Fetches what managers published; kept on the device for offline use. A
/// failure only means the device keeps what it had.
pub(crate) async fn refresh_reference(ctx: Ctx) {
    let Some(store) = store() else { return };
    if let Ok(reference) = HttpTransport::new(store.clone()).reference().await {
        if ctx.reference.get_untracked() != reference {
            let _ = store.save_reference(&reference).await;
            ctx.reference.set(reference);
        }
    }
}
