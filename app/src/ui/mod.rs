//! The Leptos UI: the shell (header, sync indicator, routes) and the pages.

mod audit;
mod calendar;
mod caseload;
mod charts;
mod checklist;
mod child;
mod complaints;
mod corner;
mod cover;
mod decisions;
mod deviations;
mod devices;
mod form;
pub(crate) mod language;
mod languages;
mod lazy;
mod lock;
mod login;
mod message;
mod placement;
mod placement_end;
mod record;
mod refused;
mod register;
mod register_child;
mod routines;
mod selfcheck;
mod sync_ctl;
mod templates;
mod tools;
mod visit_form;
mod voice_over_time;
mod worker_card;

use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::browser;
use crate::platform::store::{IdbStore, DB_NAME};
use crate::status::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, Lazy};
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static STORE: RefCell<Option<Rc<IdbStore>>> = const { RefCell::new(None) };
}

/// The opened local store. `None` only before start-up has opened it; pages
/// are not shown until then.
pub(crate) fn store() -> Option<Rc<IdbStore>> {
    STORE.with(|s| s.borrow().clone())
}

/// State shared by every page.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub status: RwSignal<SyncStatus>,
    /// Bumped whenever local data changed, so pages reload what they show.
    pub data_rev: RwSignal<u64>,
    pub store_state: RwSignal<StoreState>,
    /// The browser's answer to `navigator.storage.persist()`.
    pub storage_persisted: RwSignal<Option<bool>>,
    /// A pull in progress that spans several pages: received of total.
    pub progress: RwSignal<Option<crate::sync::PullProgress>>,
    /// Changes the server refused, for the user to send again, print or dismiss.
    pub refused: RwSignal<Vec<sync_ctl::RefusedItem>>,
    /// Children no longer in the user's list, kept for a draft or a
    /// refused change about them: id and name.
    pub held_back: RwSignal<Vec<(shared::ChildId, String)>>,
    /// Who is signed in on this device (kept while offline).
    pub user: RwSignal<Option<shared::auth::UserProfile>>,
    /// The server ended the session: sign in again to sync.
    pub session_ended: RwSignal<bool>,
    /// The device key is not in memory: the lock screen shows.
    pub locked: RwSignal<bool>,
    /// Signed in on a new device; waiting for the PIN that makes the key.
    pub pin_setup: RwSignal<Option<crate::session::StoredSession>>,
    /// Why the user is on the sign-in form (signed out, device wiped).
    pub notice: RwSignal<Option<String>>,
    /// The child has the tablet (samtalsstöd): only the conversation tools
    /// show, until the social worker's PIN.
    pub child_mode: RwSignal<bool>,
    /// Routines and checklist templates managers published, beyond those
    /// the app ships with.
    pub reference: RwSignal<shared::protocol::ReferenceData>,
    /// Whether the browser says it is online: the online-only pages
    /// (register, export to the record) disable saving while it is not.
    pub online: RwSignal<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StoreState {
    Opening,
    Ready,
    Failed(String),
}

impl Ctx {
    pub fn data_changed(&self) {
        self.data_rev.update(|n| *n += 1);
    }
}

pub(crate) fn ctx() -> Ctx {
    use_context::<Ctx>().expect("Ctx is provided by App")
}

/// Runs `load` now and again whenever local data changes (`Ctx::data_rev`),
/// and runs the future it returns. Signals `load` reads before returning are
/// followed too. The future checks its [`Load`](crate::loads::Load) before
/// showing anything: loads can finish out of order, and only the latest may
/// show.
pub(crate) fn follow_store<F>(mut load: impl FnMut(crate::loads::Load) -> Option<F> + 'static)
where
    F: std::future::Future<Output = ()> + 'static,
{
    let ctx = ctx();
    let loads = crate::loads::LatestLoad::default();
    Effect::new(move |_| {
        ctx.data_rev.track();
        if let Some(future) = load(loads.start()) {
            leptos::task::spawn_local(future);
        }
    });
}

pub fn mount() {
    // A panic aborts the module; at least say why in the console.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Barnbesök stannade: {info}").into());
    }));
    browser::register_service_worker();
    language::start_in_swedish_unless_chosen();
    leptos::mount::mount_to_body(
        || view! { <language::WithLanguage><App/></language::WithLanguage> },
    );
}

#[component]
fn App() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = Ctx {
        status: RwSignal::new(SyncStatus::default()),
        data_rev: RwSignal::new(0),
        store_state: RwSignal::new(StoreState::Opening),
        storage_persisted: RwSignal::new(None),
        refused: RwSignal::new(Vec::new()),
        held_back: RwSignal::new(Vec::new()),
        progress: RwSignal::new(None),
        user: RwSignal::new(None),
        session_ended: RwSignal::new(false),
        locked: RwSignal::new(false),
        pin_setup: RwSignal::new(None),
        notice: RwSignal::new(None),
        child_mode: RwSignal::new(false),
        reference: RwSignal::new(shared::protocol::ReferenceData::default()),
        online: RwSignal::new(browser::is_online()),
    };
    provide_context(ctx);
    browser::on_connectivity_change(move |online| ctx.online.set(online));
    // Locked or signed out, the child mode is over: what shows next is the
    // lock screen or the sign-in form, never the child mode again.
    Effect::new(move |_| {
        if ctx.locked.get() || ctx.user.with(Option::is_none) {
            ctx.child_mode.set(false);
        }
    });
    // The child may pick their own language in the child mode; the social
    // worker gets theirs back when it ends.
    Effect::new(
        move |worker_language: Option<Option<crate::i18n::Locale>>| {
            let in_child_mode = ctx.child_mode.get();
            match worker_language.flatten() {
                Some(locale) if !in_child_mode => {
                    i18n.set_locale(locale);
                    None
                }
                Some(locale) => Some(locale),
                None if in_child_mode => Some(i18n.get_locale_untracked()),
                None => None,
            }
        },
    );

    leptos::task::spawn_local(async move {
        match IdbStore::open(DB_NAME).await {
            Ok(store) => {
                match store.has_key().await {
                    // Set up by an earlier version (PBKDF2, values sealed
                    // without their place): not opened, wiped.
                    Ok(true) if store.has_old_key().await.unwrap_or(false) => {
                        let _ = store.wipe_all().await;
                        ctx.notice.set(Some(
                            td_string!(language::now().locale(), shell.safer_lock_notice).into(),
                        ));
                    }
                    // In use: locked until the key is unlocked.
                    Ok(true) => {
                        ctx.user.set(store.owner().await.ok().flatten());
                        ctx.locked.set(true);
                    }
                    // No key: nothing readable may stay (data from before
                    // the store was sealed, or a half-finished sign-in).
                    _ => {
                        let _ = store.wipe_all().await;
                    }
                }
                if let Ok(Some(reference)) = store.reference().await {
                    ctx.reference.set(reference);
                }
                STORE.with(|s| *s.borrow_mut() = Some(Rc::new(store)));
                lock::watch_inactivity(ctx);
                ctx.store_state.set(StoreState::Ready);
                ctx.storage_persisted
                    .set(browser::request_persistent_storage().await);
            }
            Err(e) => ctx.store_state.set(StoreState::Failed(e.0)),
        }
    });

    view! {
        <Router>
            // The children's corner has its own frame, whoever is signed in
            // or not: it shows nobody's data.
            <corner::OutsideCorner>
            // In the child mode neither the header's links nor the sync
            // details exist: not hidden, gone.
            <Show when=move || !ctx.child_mode.get()>
                <header class="topbar">
                    <A href="/" attr:class="brand">"Barnbesök"</A>
                    {move || (ctx.user.get().is_some() && !ctx.locked.get() && ctx.pin_setup.get().is_none())
                        .then(|| view! { <SyncIndicator/> <UserMenu/> })}
                </header>
            </Show>
            {move || ctx.progress.get().filter(|_| !ctx.child_mode.get()).map(|p| view! {
                <div class="progress" role="status">
                    <label for="pull-progress">{t!(i18n, shell.pull_progress, received = p.received, total = p.total)}</label>
                    <progress id="pull-progress" max=p.total.to_string() value=p.received.to_string()></progress>
                </div>
            })}
            // Hidden, not removed, in the child mode: the visit form keeps what
            // was typed and takes the tools' results.
            <main id="main" class="page" hidden=move || ctx.child_mode.get()>
                {move || match ctx.store_state.get() {
                    StoreState::Opening => view! { <p class="muted">{t!(i18n, shell.opening_store)}</p> }.into_any(),
                    StoreState::Failed(e) => view! {
                        <p class="error" role="alert">{t!(i18n, shell.store_failed, error = e)}</p>
                    }.into_any(),
                    StoreState::Ready if ctx.pin_setup.get().is_some() => {
                        let session = ctx.pin_setup.get().expect("checked above");
                        view! { <lock::PinSetup ctx=ctx session=session/> }.into_any()
                    }
                    StoreState::Ready if ctx.locked.get() => view! {
                        <lock::LockScreen ctx=ctx/>
                    }.into_any(),
                    StoreState::Ready if ctx.user.get().is_none() => view! {
                        <login::LoginForm ctx=ctx again=false/>
                    }.into_any(),
                    StoreState::Ready => view! {
                        {move || ctx.session_ended.get().then(|| view! { <login::LoginForm ctx=ctx again=true/> })}
                        <Routes fallback=move || view! { <p>{t!(i18n, shell.page_not_found)}</p> }>
                            <Route path=path!("/") view=caseload::CaseloadPage/>
                            <Route path=path!("/barn/:id") view=child::ChildPage/>
                            <Route path=path!("/enheter") view={Lazy::<lazy::Devices>::new()}/>
                            <Route path=path!("/kalender") view={Lazy::<lazy::Calendar>::new()}/>
                            <Route path=path!("/rutiner") view={Lazy::<lazy::Routines>::new()}/>
                            <Route path=path!("/rutiner/:id") view={Lazy::<lazy::Routine>::new()}/>
                            <Route path=path!("/checklistor") view={Lazy::<lazy::Templates>::new()}/>
                            <Route path=path!("/loggkontroll") view={Lazy::<lazy::Audit>::new()}/>
                            <Route path=path!("/avvisad/:id") view={Lazy::<lazy::RefusedPrint>::new()}/>
                            <Route path=path!("/hemregister") view={Lazy::<lazy::Homes>::new()}/>
                            <Route path=path!("/hemregister/:id") view={Lazy::<lazy::Home>::new()}/>
                            <Route path=path!("/register/barn/:id") view={Lazy::<lazy::ChildRegister>::new()}/>
                            <Route path=path!("/beslut") view={Lazy::<lazy::Decisions>::new()}/>
                            <Route path=path!("/barn/:id/besok/:visit/utskrift") view={Lazy::<lazy::VisitPrint>::new()}/>
                            <Route path=path!("/akt") view={Lazy::<lazy::BulkExport>::new()}/>
                            <Route path=path!("/egenkontroll") view={Lazy::<lazy::SelfCheck>::new()}/>
                            <Route path=path!("/egenkontroll/utskrift") view={Lazy::<lazy::SelfCheckPrint>::new()}/>
                            <Route path=path!("/egenkontroll/genomgang") view={Lazy::<lazy::CaseReview>::new()}/>
                            <Route path=path!("/sprak") view={Lazy::<lazy::Languages>::new()}/>
                            <Route path=path!("/mitt-kort") view={Lazy::<lazy::MyCard>::new()}/>
                            <Route path=path!("/barn/:id/kort") view={Lazy::<lazy::ChildCard>::new()}/>
                            <Route path=path!("/klagomal") view={Lazy::<lazy::Complaints>::new()}/>
                            <Route path=path!("/avvikelse") view={Lazy::<lazy::DeviationReport>::new()}/>
                            <Route path=path!("/avvikelser") view={Lazy::<lazy::Deviations>::new()}/>
                            <Route path=path!("/avvikelser/statistik") view={Lazy::<lazy::DeviationFigures>::new()}/>
                            <Route path=path!("/avvikelser/:id") view={Lazy::<lazy::Deviation>::new()}/>
                            <Route path=path!("/att-gora") view={Lazy::<lazy::Todo>::new()}/>
                            <Route path=path!("/tappad-platta") view={Lazy::<lazy::LostTablet>::new()}/>
                        </Routes>
                    }.into_any(),
                }}
            </main>
            </corner::OutsideCorner>
        </Router>
    }
}

/// Who is signed in, the lock, and the menu: the pages by group, the
/// language and signing out, opened from a button over the page, so that
/// the header stays one row on a tablet (it took half the screen).
#[component]
fn UserMenu() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let busy = RwSignal::new(false);
    let open = RwSignal::new(false);
    let complaints_waiting = complaints::waiting_counts();
    // A page chosen closes the menu.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let toggle = NodeRef::<leptos::html::Button>::new();
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(toggle) = toggle.get_untracked() {
                let _ = toggle.focus();
            }
        }
    };
    // Focus moved out of the menu (a tap on the page, Tab past its end)
    // closes it, so it never covers what has the focus.
    let menu = NodeRef::<leptos::html::Div>::new();
    let close_when_left = move |ev: leptos::ev::FocusEvent| {
        let to = ev
            .related_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok());
        let inside = menu
            .get_untracked()
            .is_some_and(|m| to.is_some_and(|to| m.contains(Some(&to))));
        if !inside {
            open.set(false);
        }
    };
    view! {
        <div class="user-menu" node_ref=menu on:keydown=close_on_escape on:focusout=close_when_left>
            <span class="user-menu__name" data-testid="signed-in-user">
                {move || ctx.user.get().map(|u| view! { <span translate="no">{u.display_name}</span>{format!(" · {}", u.role.label(language()))} })}
            </span>
            <button type="button" class="button button--quiet" on:click=move |_| lock::lock_now(ctx)>
                {t!(i18n, shell.lock)}
            </button>
            <button type="button" node_ref=toggle class="button button--quiet menu-toggle" data-testid="menu-toggle"
                aria-controls="main-menu" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {t!(i18n, shell.menu)}
                // What waits inside the menu shows on its button.
                {move || {
                    let waiting = complaints::waiting(complaints_waiting.get());
                    (waiting > 0).then(|| view! {
                        " "<span class="badge badge--overdue" data-testid="menu-waiting">
                            {t!(i18n, complaints.menu_waiting, count = move || waiting)}
                        </span>
                    })
                }}
            </button>
            <div id="main-menu" class="main-menu" class:main-menu--open=move || open.get()>
                <nav class="user-menu__links" aria-label=move || t_string!(i18n, shell.account_nav)>
                    <div class="menu-group" role="group" aria-labelledby="menu-work">
                        <span class="menu-group__label" id="menu-work">{t!(i18n, shell.groups.work)}</span>
                        {move || ctx.user.with(|u| u.as_ref().is_some_and(|u| u.role.reads_child_records()))
                            .then(|| view! { <A href="/hemregister">{t!(i18n, shell.links.home_register)}</A> })}
                        {move || ctx.user.with(|u| u.as_ref().is_some_and(|u| crate::register::edits_register(u.role)))
                            .then(|| view! { <A href="/beslut">{t!(i18n, shell.links.decisions)}</A> })}
                        {move || (ctx.user.with(|u| u.as_ref().map(|u| u.role)) == Some(shared::auth::Role::GroupLeader))
                            .then(|| view! { <A href="/akt">{t!(i18n, shell.links.to_record)}</A> })}
                        <A href="/rutiner">{t!(i18n, shell.links.routines)}</A>
                        {move || ctx.user.with(|u| u.as_ref().is_some_and(|u| u.role.sees_whole_units()))
                            .then(|| view! { <A href="/checklistor">{t!(i18n, shell.links.checklists)}</A> })}
                    </div>
                    <div class="menu-group" role="group" aria-labelledby="menu-follow-up">
                        <span class="menu-group__label" id="menu-follow-up">{t!(i18n, shell.groups.follow_up)}</span>
                        {move || ctx.user.with(|u| u.as_ref().is_some_and(|u| u.role.sees_whole_units()))
                            .then(|| view! { <A href="/egenkontroll">{t!(i18n, shell.links.self_check)}</A> })}
                        {move || (ctx.user.with(|u| u.as_ref().map(|u| u.role)) == Some(shared::auth::Role::UnitManager))
                            .then(|| view! { <A href="/loggkontroll">{t!(i18n, shell.links.audit)}</A> })}
                        <complaints::MenuLink counts=complaints_waiting/>
                        <deviations::MenuLinks/>
                    </div>
                    <div class="menu-group" role="group" aria-labelledby="menu-own">
                        <span class="menu-group__label" id="menu-own">{t!(i18n, shell.groups.own)}</span>
                        <A href="/enheter">{t!(i18n, shell.links.my_devices)}</A>
                        <A href="/mitt-kort">{t!(i18n, card.menu)}</A>
                        // A route change, not a page load: the device stays unlocked
                        // behind the corner, so a child's message goes into the
                        // sealed outbox; the corner's way back loads the page, which
                        // asks for the device key.
                        <A href=corner::HOME>{t!(i18n, corner.title)}</A>
                        <A href="/sprak">{t!(i18n, languages.menu)}</A>
                    </div>
                </nav>
                <div class="main-menu__end">
                    <language::LanguagePicker staff=true/>
                    <button type="button" class="button button--quiet" disabled=move || busy.get()
                        on:click=move |_| {
                            busy.set(true);
                            leptos::task::spawn_local(async move {
                                login::sign_out(ctx).await;
                                busy.set(false);
                            });
                        }>
                        {t!(i18n, shell.sign_out)}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// Always visible: whether everything is saved on the server. Tapping it
/// shows the details.
#[component]
fn SyncIndicator() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let status = ctx.status;
    let open = RwSignal::new(false);
    let announced = Memo::new(move |previous: Option<&String>| {
        status.with(|s| match (&s.activity, previous) {
            (crate::status::Activity::Syncing, Some(p)) => p.clone(),
            _ => s.headline(language()),
        })
    });
    view! {
        <div class="sync-area">
            <button
                type="button"
                class=move || status.with(|s| s.tone().css_class())
                aria-expanded=move || open.get().to_string()
                aria-controls="sync-details"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="sync__dot" aria-hidden="true"></span>
                <span data-testid="sync-status">{move || status.with(|s| s.headline(language()))}</span>
            </button>
            <button
                type="button"
                class="button button--quiet"
                on:click=move |_| sync_ctl::request_sync(ctx)
            >
                {t!(i18n, sync.sync_now)}
            </button>
            // Announced to screen readers only when the state settles, not at
            // every background round.
            <span class="visually-hidden" role="status" aria-live="polite">
                {move || announced.get()}
            </span>
            <div id="sync-details" class="sync-details" hidden=move || !open.get()>
                <p>{move || status.with(|s| s.detail(language()))}</p>
                <p>{move || match status.with(|s| s.pending) {
                    0 => t_string!(i18n, sync.pending_none).to_owned(),
                    n => t_string!(i18n, sync.pending_saved, count = n).to_string(),
                }}</p>
                <ul class="refused">
                    <For each=move || ctx.refused.get() key=|item| item.id let:item>
                        <refused::RefusedRow ctx item/>
                    </For>
                </ul>
                {move || {
                    let held = ctx.held_back.get();
                    (!held.is_empty()).then(|| view! {
                        <div class="card card--attention" role="note">
                            <p>{t!(i18n, sync.held_back)}</p>
                            <ul>
                                {held.into_iter().map(|(id, name)| view! {
                                    <li><A href=format!("/barn/{id}")>{name}</A></li>
                                }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
                <p>{move || match ctx.storage_persisted.get() {
                    Some(true) => t_string!(i18n, shell.storage_protected),
                    Some(false) => t_string!(i18n, shell.storage_may_be_cleared),
                    None => t_string!(i18n, shell.storage_unknown),
                }}</p>
            </div>
        </div>
    }
}
