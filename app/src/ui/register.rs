//! The register of homes: every home the user may see, with its kind,
//! contact, history, checks and flags; a home's page where managers edit
//! the contact and add checks. Online only: the page says when it needs the
//! network, shows progress, and says whether each save reached the server.

use super::{ctx, language, store, Ctx};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::http::HttpTransport;
use crate::register::{
    contact_text, edits_register, flags, history_text, sorted, updated_home, ApiFailure, CheckForm,
    ContactForm,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::complaints::Complaint;
use shared::deviations::Deviation;
use shared::register::{CheckKind, CheckResult, HomeEntry};
use shared::HomeId;

/// Where a save stands, always shown next to its button.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SaveState {
    Idle,
    Saving,
    Saved(String),
    Failed(String),
}

/// Says what happened to the last save: working, saved on the server (and
/// when), or why not. Announced to screen readers.
#[component]
pub(crate) fn SaveLine(state: RwSignal<SaveState>) -> impl IntoView {
    let i18n = use_i18n();
    move || match state.get() {
        SaveState::Idle => None,
        SaveState::Saving => Some(
            view! { <p class="muted" role="status">{t!(i18n, register.saving)}</p> }.into_any(),
        ),
        SaveState::Saved(what) => {
            Some(view! { <p class="saved" role="status" data-testid="saved">{what}</p> }.into_any())
        }
        SaveState::Failed(why) => Some(
            view! { <p class="error" role="alert" data-testid="save-error">{why}</p> }.into_any(),
        ),
    }
}

/// What a save stored, for the line that says it reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Saved {
    Contact,
    Check,
    Child,
    Workers,
    Placement,
}

/// "Kontrollen sparades på servern 14.05."
pub(crate) fn saved_now(what: Saved) -> SaveState {
    let language = language::now();
    let locale = language.locale();
    let time = language.time(chrono::Local::now().naive_local());
    SaveState::Saved(match what {
        Saved::Contact => td_string!(locale, register.saved.contact, time),
        Saved::Check => td_string!(locale, register.saved.check, time),
        Saved::Child => td_string!(locale, register.saved.child, time),
        Saved::Workers => td_string!(locale, register.saved.workers, time),
        Saved::Placement => td_string!(locale, register.saved.placement, time),
    })
}

/// The failure as the page shows it; an ended session goes to sync, which
/// asks the user to sign in again.
pub(crate) fn failed(ctx: Ctx, failure: &ApiFailure) -> SaveState {
    SaveState::Failed(super::form::failure_text(ctx, failure))
}

/// Shown on every online-only page while the device is offline.
#[component]
pub(crate) fn NeedsNetwork() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    move || {
        (!ctx.online.get()).then(|| {
            view! {
                <p class="warning" role="status" data-testid="needs-network">
                    <strong>{t!(i18n, register.needs_network.title)}" "</strong>
                    {t!(i18n, register.needs_network.text)}
                </p>
            }
        })
    }
}

/// A labelled text or date input bound to `value`.
#[component]
pub(crate) fn TextField(
    /// A translated label: `Signal::derive(move || t_string!(i18n, ns.key))`.
    #[prop(into)]
    label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(into, optional)] hint: Option<Signal<&'static str>>,
    #[prop(default = "off")] autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{move || label.get()}</span>
            {hint.map(|hint| view! { <small class="muted">{move || hint.get()}</small> })}
            <input type=kind maxlength="120" autocomplete=autocomplete prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

/// Loads the register of homes into `homes` (when online).
pub(crate) fn load_homes(ctx: Ctx, homes: RwSignal<Option<Result<Vec<HomeEntry>, String>>>) {
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if !ctx.online.get_untracked() {
            let locale = language::now().locale();
            homes.set(Some(Err(
                td_string!(locale, register.needs_network.homes).to_owned()
            )));
            return;
        }
        homes.set(None);
        let result = HttpTransport::new(store).register_homes().await;
        homes.set(Some(
            result
                .map(sorted)
                .map_err(|failure| super::form::failure_text(ctx, &failure)),
        ));
    });
}

fn is_manager(ctx: Ctx) -> bool {
    ctx.user
        .with(|u| u.as_ref().is_some_and(|u| edits_register(u.role)))
}

/// "Hemregister": the homes, flagged ones first.
#[component]
pub(crate) fn HomesPage() -> impl IntoView {
    let ctx = ctx();
    let homes = RwSignal::new(None::<Result<Vec<HomeEntry>, String>>);
    let only_flagged = RwSignal::new(false);
    // Loads when the page opens and again when the network comes back.
    Effect::new(move |_| {
        if ctx.online.get() {
            load_homes(ctx, homes);
        } else if homes.with_untracked(Option::is_none) {
            load_homes(ctx, homes);
        }
    });
    let manager = is_manager(ctx);
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, register.home.title)}</h1>
        <p class="lead muted">{move || if manager {
            t_string!(i18n, register.home.lead_manager)
        } else {
            t_string!(i18n, register.home.lead_reader)
        }}</p>
        {manager.then(|| view! {
            <p class="form__actions">
                <A href="/register/barn/ny" attr:class="button button--secondary">{t!(i18n, register.home.add_child)}</A>
                <A href="/beslut" attr:class="button button--secondary">{t!(i18n, register.home.decisions)}</A>
            </p>
        })}
        <NeedsNetwork/>
        <label class="choice">
            <input type="checkbox" prop:checked=move || only_flagged.get()
                on:change=move |ev| only_flagged.set(event_target_checked(&ev))/>
            {t!(i18n, register.home.only_flagged)}
        </label>
        {move || match homes.get() {
            None => view! {
                <p class="muted" role="status">{t!(i18n, register.home.loading)}</p>
            }.into_any(),
            Some(Err(e)) => view! {
                <p class="error" role="alert">{e}</p>
                <button type="button" class="button button--secondary" disabled=move || !ctx.online.get()
                    on:click=move |_| load_homes(ctx, homes)>{t!(i18n, register.home.retry)}</button>
            }.into_any(),
            Some(Ok(list)) => {
                let shown: Vec<HomeEntry> = list.into_iter()
                    .filter(|e| !only_flagged.get() || e.is_flagged())
                    .collect();
                let flagged = shown.iter().filter(|e| e.is_flagged()).count();
                if shown.is_empty() {
                    view! { <p class="muted" role="status">{t!(i18n, register.home.none)}</p> }.into_any()
                } else {
                    let count = shown.len();
                    view! {
                        <p class="muted" role="status">{move || t_string!(i18n, register.home.count, count, flagged)}</p>
                        <ul class="homes" aria-label=move || t_string!(i18n, register.home.list)>
                            {shown.into_iter().map(|entry| view! { <HomeRow entry/> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }
        }}
    }
}

#[component]
fn HomeRow(entry: HomeEntry) -> impl IntoView {
    let i18n = use_i18n();
    let language = language::reader();
    let home = &entry.home;
    let href = format!("/hemregister/{}", home.id);
    let flagged = entry.is_flagged();
    let name = home.name.to_string();
    let (kind, contact) = (home.kind, home.contact.clone());
    let meta = move || {
        format!(
            "{} · {}",
            kind.label(language()),
            contact_text(&contact, language())
        )
    };
    let for_history = entry.clone();
    let history = move || history_text(&for_history, language());
    let reasons = move || {
        flags(&entry, language())
            .into_iter()
            .map(|r| view! { <span class="home__flag">{r}</span> })
            .collect_view()
    };
    view! {
        <li class="home" data-testid="home-row" data-flagged=flagged.to_string()>
            <A href=href attr:class="home__link">
                <span class="home__name">{name}</span>
                <span class="home__meta" translate="no">{meta}</span>
                <span class="home__meta">{history}</span>
                {flagged.then(|| view! { <span class="badge badge--overdue">{t!(i18n, register.home.flagged)}</span> })}
                {reasons}
            </A>
        </li>
    }
}

/// One home: details, checks, and for managers the contact and a new check.
#[component]
pub(crate) fn HomePage() -> impl IntoView {
    let ctx = ctx();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| HomeId::parse(&s).ok()));
    let homes = RwSignal::new(None::<Result<Vec<HomeEntry>, String>>);
    let i18n = use_i18n();
    Effect::new(move |_| {
        if ctx.online.get() || homes.with_untracked(Option::is_none) {
            load_homes(ctx, homes);
        }
    });
    view! {
        <p><A href="/hemregister" attr:class="back">{t!(i18n, register.home.back)}</A></p>
        <NeedsNetwork/>
        {move || match homes.get() {
            None => view! { <p class="muted" role="status">{t!(i18n, register.home.loading_one)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) => match list.into_iter().find(|e| Some(e.home.id) == id.get()) {
                None => view! { <p>{t!(i18n, register.home.not_found)}</p> }.into_any(),
                Some(entry) => view! { <HomeView entry/> }.into_any(),
            },
        }}
    }
}

#[component]
fn HomeView(entry: HomeEntry) -> impl IntoView {
    let ctx = ctx();
    let home_id = entry.home.id;
    // Replaced by the server's answer after each save.
    let current = RwSignal::new(entry);
    let manager = is_manager(ctx);
    let i18n = use_i18n();
    let language = language::reader();
    view! {
        {move || {
            let language = language();
            let locale = language.locale();
            let entry = current.get();
            let home = entry.home.clone();
            let reasons = flags(&entry, language);
            let checks = home.checks.clone();
            view! {
                <h1>{home.name.to_string()}</h1>
                <p class="muted">{format!(
                    "{}{}",
                    home.kind.label(language),
                    home.external_id.as_ref().map(|id| format!(" · {}", td_string!(locale, register.home.external_id, id = id.to_string()))).unwrap_or_default()
                )}</p>
                <section class="card" aria-labelledby="home-facts-h">
                    <h2 id="home-facts-h">{t!(i18n, register.home.overview)}</h2>
                    <p translate="no">{contact_text(&home.contact, language)}</p>
                    <p>{history_text(&entry, language)}</p>
                    {if reasons.is_empty() {
                        view! { <p><span class="badge badge--synced">{t!(i18n, register.home.no_flags)}</span></p> }.into_any()
                    } else {
                        view! {
                            <ul class="home__flags" aria-label=td_string!(locale, register.home.flags)>
                                {reasons.into_iter().map(|r| view! { <li><span class="badge badge--overdue">{r}</span></li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <section class="card" aria-labelledby="checks-h">
                    <h2 id="checks-h">{t!(i18n, register.home.checks)}</h2>
                    {if checks.is_empty() {
                        view! { <p class="muted">{t!(i18n, register.home.no_checks)}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-scroll">
                                <table class="audit-table">
                                    <thead><tr>
                                        <th scope="col">{t!(i18n, register.field.check)}</th><th scope="col">{t!(i18n, register.field.date)}</th>
                                        <th scope="col">{t!(i18n, register.field.result)}</th><th scope="col">{t!(i18n, register.field.made_by)}</th>
                                        <th scope="col">{t!(i18n, register.field.note)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {checks.into_iter().rev().map(|c| view! {
                                            <tr>
                                                <td>{c.kind.label(language)}</td>
                                                <td>{language.date(c.date)}</td>
                                                <td>{c.result.label(language)}</td>
                                                <td>{c.made_by.to_string()}</td>
                                                <td>{c.note.to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                </section>
            }
        }}
        <HomeReports home=home_id/>
        {manager.then(|| view! { <ContactEditor current/> <CheckAdder current/> })}
    }
}

/// The home's deviations and complaints that the user may see, each a link
/// to it. Every one listed is a read, logged by the server.
#[component]
fn HomeReports(home: HomeId) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let found = RwSignal::new(None::<Result<(Vec<Deviation>, Vec<Complaint>), String>>);
    Effect::new(move |_| {
        if !ctx.online.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let http = HttpTransport::new(store);
            let result = async {
                let deviations = http.deviations_of_home(home).await?.deviations;
                let complaints = http.complaints_of_home(home).await?.complaints;
                Ok::<_, ApiFailure>((deviations, complaints))
            }
            .await;
            found.set(Some(result.map_err(|f| super::form::failure_text(ctx, &f))));
        });
    });
    let deviation_row = move |d: Deviation| {
        let first: String = d.report.what_happened.chars().take(100).collect();
        let (reported_on, route, category) = (d.reported_on, d.report.route, d.report.category);
        view! {
            <li class="caseload__item" data-testid="home-deviation">
                <A href=format!("/avvikelser/{}", d.id) attr:class="caseload__link">
                    <span class="caseload__name" translate="no">{first}</span>
                    <span class="caseload__meta">{move || {
                        let language = language();
                        format!("{} · {} · {}", language.date(reported_on), route.label(language), category.label(language))
                    }}</span>
                </A>
            </li>
        }
    };
    let complaint_row = move |c: Complaint| {
        let first: String = c
            .text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect();
        let (received_on, kind, status) = (c.received_on, c.kind, c.status);
        view! {
            <li class="caseload__item" data-testid="home-complaint">
                <A href=format!("/klagomal?klagomal={}", c.id) attr:class="caseload__link">
                    <span class="caseload__name" translate="no">{first}</span>
                    <span class="caseload__meta">{move || {
                        let language = language();
                        format!("{} · {} · {}", language.date(received_on), kind.label(language), status.label(language))
                    }}</span>
                </A>
            </li>
        }
    };
    view! {
        <section class="card" aria-labelledby="home-reports-h" data-testid="home-reports">
            <h2 id="home-reports-h">{t!(i18n, register.home.reports)}</h2>
            {move || match found.get() {
                None if !ctx.online.get() => view! { <p class="muted">{t!(i18n, register.home.reports_offline)}</p> }.into_any(),
                None => view! { <p class="muted" role="status">{t!(i18n, register.home.reports_loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok((deviations, complaints))) if deviations.is_empty() && complaints.is_empty() => {
                    view! { <p class="muted">{t!(i18n, register.home.no_reports)}</p> }.into_any()
                }
                Some(Ok((deviations, complaints))) => view! {
                    {(!deviations.is_empty()).then(|| view! {
                        <h3>{t!(i18n, register.home.deviations)}</h3>
                        <ul class="caseload">{deviations.into_iter().map(deviation_row).collect_view()}</ul>
                    })}
                    {(!complaints.is_empty()).then(|| view! {
                        <h3>{t!(i18n, register.home.complaints)}</h3>
                        <ul class="caseload">{complaints.into_iter().map(complaint_row).collect_view()}</ul>
                    })}
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ContactEditor(current: RwSignal<HomeEntry>) -> impl IntoView {
    let ctx = ctx();
    let form = ContactForm::of(&current.get_untracked().home.contact);
    let person = RwSignal::new(form.contact_person);
    let phone = RwSignal::new(form.phone);
    let email = RwSignal::new(form.email);
    let address = RwSignal::new(form.address);
    let state = RwSignal::new(SaveState::Idle);
    let i18n = use_i18n();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = ContactForm {
            contact_person: person.get_untracked(),
            phone: phone.get_untracked(),
            email: email.get_untracked(),
            address: address.get_untracked(),
        };
        let contact = match typed.parse(language::now()) {
            Ok(c) => c,
            Err(e) => return state.set(SaveState::Failed(e.text())),
        };
        let home = updated_home(&current.get_untracked().home, contact, None);
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).save_home(&home).await {
                Ok(entry) => {
                    current.set(entry);
                    state.set(saved_now(Saved::Contact));
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="contact-h">
            <h2 id="contact-h">{t!(i18n, register.home.contact)}</h2>
            <form class="form" on:submit=save novalidate>
                <div class="form__row">
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.contact_person)) value=person/>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.phone)) value=phone kind="tel"/>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.email)) value=email kind="email"/>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.address)) value=address/>
                </div>
                <div class="form__actions">
                    <button type="submit" class="button"
                        disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                        {t!(i18n, register.home.save_contact)}
                    </button>
                    <SaveLine state/>
                </div>
            </form>
        </section>
    }
}

#[component]
fn CheckAdder(current: RwSignal<HomeEntry>) -> impl IntoView {
    let ctx = ctx();
    let today = super::caseload::today();
    let me = ctx
        .user
        .with_untracked(|u| u.as_ref().map(|u| u.display_name.clone()))
        .unwrap_or_default();
    let start = CheckForm::new(&me, today);
    let kind = RwSignal::new(start.kind.as_str().to_owned());
    let date = RwSignal::new(start.date.clone());
    let result = RwSignal::new(start.result.as_str().to_owned());
    let made_by = RwSignal::new(start.made_by.clone());
    let note = RwSignal::new(String::new());
    let state = RwSignal::new(SaveState::Idle);
    let i18n = use_i18n();
    let language = language::reader();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = CheckForm {
            kind: CheckKind::parse(&kind.get_untracked()).unwrap_or(CheckKind::CriminalRecord),
            date: date.get_untracked(),
            result: CheckResult::parse(&result.get_untracked()).unwrap_or(CheckResult::NoRemarks),
            made_by: made_by.get_untracked(),
            note: note.get_untracked(),
        };
        let check = match typed.parse(super::caseload::today(), language::now()) {
            Ok(c) => c,
            Err(e) => return state.set(SaveState::Failed(e.text())),
        };
        let entry = current.get_untracked();
        let home = updated_home(&entry.home, entry.home.contact.clone(), Some(check));
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).save_home(&home).await {
                Ok(entry) => {
                    current.set(entry);
                    note.set(String::new());
                    state.set(saved_now(Saved::Check));
                }
                Err(f) => state.set(failed(ctx, &f)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="add-check-h">
            <h2 id="add-check-h">{t!(i18n, register.home.add_check)}</h2>
            <p class="muted">{t!(i18n, register.home.add_check_intro)}</p>
            <form class="form" on:submit=save novalidate>
                <div class="form__row">
                    <div class="field">
                        <label for="check-kind">{t!(i18n, register.field.check)}</label>
                        <select id="check-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                            {CheckKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=move || kind.get() == k.as_str()>{move || k.label(language())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.date)) value=date kind="date"/>
                    <div class="field">
                        <label for="check-result">{t!(i18n, register.field.result)}</label>
                        <select id="check-result" on:change=move |ev| result.set(event_target_value(&ev))>
                            {CheckResult::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=move || result.get() == r.as_str()>{move || r.label(language())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <TextField label=Signal::derive(move || t_string!(i18n, register.field.made_by)) value=made_by/>
                </div>
                <label class="field">
                    <span>{t!(i18n, register.field.note)}</span>
                    <small class="muted">{t!(i18n, register.home.note_hint)}</small>
                    <textarea rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                <div class="form__actions">
                    <button type="submit" class="button"
                        disabled=move || state.get() == SaveState::Saving || !ctx.online.get()>
                        {t!(i18n, register.home.add_check_button)}
                    </button>
                    <SaveLine state/>
                </div>
            </form>
        </section>
    }
}
