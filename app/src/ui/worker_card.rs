//! "Min socialsekreterare": the card a social worker shows a child during a
//! visit (on screen, on paper, or on the child's phone through a QR code),
//! the worker's own details behind it, and recording that the child was
//! given the information.

use super::caseload::today;
use super::corner::{query_value, ReadAloud, HOME};
use super::{ctx, store};
use crate::card::qr_drawing;
use crate::caseload::overview;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::platform::http::HttpTransport;
use crate::ui::form::record_change;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::checklist::{progress, template_of, ChecklistTick, ItemState};
use shared::children::{CardDetails, WorkerCard};
use shared::protocol::{Mutation, Operation};
use shared::{ChecklistTickId, ChildId, MutationId, VisitorName};

/// The checklist items the card and going through the rights settle.
const GIVEN: [(&str, Given); 3] = [
    ("kontaktuppgifter", Given::Card),
    ("klagomal", Given::Complaints),
    ("rattigheter", Given::Rights),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Given {
    Card,
    Complaints,
    Rights,
}

/// The card itself: the worker's name and how to reach them, the next visit
/// when the child's own worker shows it, and how to complain.
#[component]
fn CardView(card: WorkerCard, #[prop(default = None)] next_visit: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let spoken = [
        t_string!(i18n, corner.card.title).to_owned(),
        card_text(&card),
        t_string!(i18n, corner.card.complain).to_owned(),
    ]
    .join(". ");
    let language = super::language::current();
    let tel = card.phone.as_ref().map(|p| {
        format!(
            "tel:{}",
            p.chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        )
    });
    view! {
        <article class="worker-card" data-testid="worker-card" aria-labelledby="worker-card-h">
            <h2 id="worker-card-h">{t!(i18n, corner.card.title)}</h2>
            <p>{t!(i18n, corner.card.lead)}</p>
            <p class="worker-card__name" translate="no">{card.name.clone()}</p>
            <dl class="worker-card__details">
                {card.phone.clone().zip(tel).map(|(phone, href)| view! {
                    <dt>{t!(i18n, corner.card.phone)}</dt>
                    <dd><a href=href data-testid="card-phone">{phone}</a></dd>
                })}
                {card.email.clone().map(|email| {
                    let href = format!("mailto:{email}");
                    view! {
                        <dt>{t!(i18n, corner.card.email)}</dt>
                        <dd><a href=href data-testid="card-email">{email}</a></dd>
                    }
                })}
                {card.hours.clone().map(|hours| view! {
                    <dt>{t!(i18n, corner.card.hours)}</dt>
                    <dd translate="no" data-testid="card-hours">{hours}</dd>
                })}
                {next_visit.map(|next| view! {
                    <dt>{t!(i18n, corner.card.next_visit)}</dt>
                    <dd data-testid="card-next-visit">{next}</dd>
                })}
            </dl>
            <p>{t!(i18n, corner.card.complain)}</p>
            <p class="no-print"><a class="tap-link" href=format!("{HOME}/7-12/klaga") rel="external">{t!(i18n, corner.card.read_more)}</a></p>
            <div class="no-print"><ReadAloud text=spoken language=language.tag()/></div>
        </article>
    }
}

fn card_text(card: &WorkerCard) -> String {
    [
        Some(card.name.clone()),
        card.phone.clone(),
        card.email.clone(),
        card.hours.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(". ")
}

/// The card opened from a link (the QR code) in the children's corner: the
/// link carries the worker's details and nothing else.
#[component]
pub(crate) fn SharedCardPage() -> impl IntoView {
    let i18n = use_i18n();
    let (name, phone, email, hours) = (
        query_value("namn"),
        query_value("tel"),
        query_value("epost"),
        query_value("tider"),
    );
    move || match WorkerCard::from_fields(name(), phone(), email(), hours()) {
        Some(card) => view! { <CardView card/> }.into_any(),
        None => view! {
            <p role="alert">{t!(i18n, corner.card.not_a_card)}</p>
            <p><A href=HOME>{t!(i18n, corner.home)}</A></p>
        }
        .into_any(),
    }
}

/// The signed-in worker's card: from the server when it answers, else as
/// kept on the device.
fn load_my_card(card: RwSignal<Option<Result<WorkerCard, String>>>) {
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if let Ok(Some(kept)) = store.worker_card().await {
            card.set(Some(Ok(kept)));
        }
        match HttpTransport::new(store.clone()).worker_card().await {
            Ok(fresh) => {
                let _ = store.keep_worker_card(&fresh).await;
                card.set(Some(Ok(fresh)));
            }
            Err(e) if card.with_untracked(Option::is_none) => {
                card.set(Some(Err(super::devices::error_text(&e))));
            }
            Err(_) => {}
        }
    });
}

/// "Mitt kort": the worker keeps the phone, e-mail and hours children may
/// reach them on.
#[component]
pub(crate) fn MyCardPage() -> impl IntoView {
    let i18n = use_i18n();
    let card = RwSignal::new(None::<Result<WorkerCard, String>>);
    load_my_card(card);
    let (phone, email, hours) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    // The fields show the card as it arrives (kept, then from the server),
    // until the user types: a slow answer never overwrites what they wrote.
    let typed = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(c)) = card.get() {
            if !typed.get_untracked() {
                phone.set(c.phone.unwrap_or_default());
                email.set(c.email.unwrap_or_default());
                hours.set(c.hours.unwrap_or_default());
            }
        }
    });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let details = CardDetails {
            phone: Some(phone.get_untracked()),
            email: Some(email.get_untracked()),
            hours: Some(hours.get_untracked()),
        };
        let details = match details.checked() {
            Ok(d) => d,
            Err(problem) => {
                outcome.set(Some(Err(problem_text(problem))));
                return;
            }
        };
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let result = HttpTransport::new(store.clone())
                .save_worker_card(&details)
                .await;
            busy.set(false);
            match result {
                Ok(saved) => {
                    let _ = store.keep_worker_card(&saved).await;
                    card.set(Some(Ok(saved)));
                    outcome.set(Some(Ok(td_string!(
                        super::language::now().locale(),
                        card.saved
                    )
                    .to_owned())));
                }
                Err(e) => outcome.set(Some(Err(td_string!(
                    super::language::now().locale(),
                    card.not_saved,
                    error = super::devices::error_text(&e)
                )))),
            }
        });
    };
    view! {
        <h1>{t!(i18n, card.title)}</h1>
        <p>{t!(i18n, card.lead)}</p>
        <form class="form card" on:submit=save novalidate>
            <label class="field">
                <span>{t!(i18n, card.phone)}</span>
                <input type="tel" name="phone" autocomplete="tel" maxlength="30"
                    prop:value=move || phone.get() on:input=move |ev| { typed.set(true); phone.set(event_target_value(&ev)); }/>
            </label>
            <label class="field">
                <span>{t!(i18n, card.email)}</span>
                <input type="email" name="email" autocomplete="email" maxlength="120"
                    prop:value=move || email.get() on:input=move |ev| { typed.set(true); email.set(event_target_value(&ev)); }/>
            </label>
            <label class="field">
                <span>{t!(i18n, card.hours)}</span>
                <input type="text" name="hours" maxlength="120" placeholder=move || t_string!(i18n, card.hours_example)
                    prop:value=move || hours.get() on:input=move |ev| { typed.set(true); hours.set(event_target_value(&ev)); }/>
            </label>
            <button type="submit" class="button" disabled=move || busy.get()>
                {move || if busy.get() { t_string!(i18n, card.saving) } else { t_string!(i18n, card.save) }}
            </button>
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <p class="notice" role="status" data-testid="card-outcome">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert" data-testid="card-outcome">{text}</p> }.into_any(),
            })}
        </form>
        {move || match card.get() {
            Some(Ok(c)) => view! { <h2>{t!(i18n, card.preview)}</h2> <CardView card=c/> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            None => view! { <p class="muted">{t!(i18n, card.loading)}</p> }.into_any(),
        }}
    }
}

fn problem_text(problem: shared::children::CardProblem) -> String {
    let locale = super::language::now().locale();
    match problem {
        shared::children::CardProblem::Phone => td_string!(locale, card.problem_phone),
        shared::children::CardProblem::Email => td_string!(locale, card.problem_email),
        shared::children::CardProblem::Hours => td_string!(locale, card.problem_hours),
    }
    .to_owned()
}

/// The card shown to one child during a visit: with their next visit, as a
/// QR code for their phone and on paper, and a record that they were given
/// the information.
#[component]
pub(crate) fn ChildCardPage() -> impl IntoView {
    let i18n = use_i18n();
    let language = super::language::reader();
    let params = use_params_map();
    let child_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| ChildId::parse(&s).ok())
    });
    let card = RwSignal::new(None::<Result<WorkerCard, String>>);
    load_my_card(card);
    let data = RwSignal::new(None::<Option<crate::caseload::ChildOverview>>);
    super::follow_store(move |load| {
        let id = child_id.get()?;
        Some(async move {
            let Some(store) = store() else { return };
            let offline = !crate::platform::browser::is_online();
            let _ = store
                .log_reads(&[id], shared::audit::LocalReadKind::OpenedChild, offline)
                .await;
            if let Ok(records) = store.view_of_child(id).await {
                if load.is_latest() {
                    data.set(Some(overview(records, today()).into_iter().next()));
                }
            }
        })
    });
    let planned = RwSignal::new(String::new());
    // Outside the part redrawn when the ticks arrive, so the answer stays.
    let given_outcome = RwSignal::new(None::<Result<String, String>>);
    view! {
        <p class="no-print">{move || child_id.get().map(|id| view! {
            <A href=format!("/barn/{id}") attr:class="back">{t!(i18n, card.back_to_child)}</A>
        })}</p>
        {move || match card.get() {
            None => view! { <p class="muted">{t!(i18n, card.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(c)) => {
                let o = data.get().flatten();
                let due = o.as_ref().and_then(|o| o.next_visit).map(|n| n.due_date);
                let language = language();
                let next_visit = planned
                    .get()
                    .parse::<chrono::NaiveDate>()
                    .ok()
                    .map(|day| language.date(day))
                    .or_else(|| due.map(|day| td_string!(language.locale(), card.at_the_latest, date = language.date(day))));
                let empty = c.phone.is_none() && c.email.is_none();
                let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                let link = c.link(&origin);
                let qr = qr_drawing(&link);
                view! {
                    {empty.then(|| view! {
                        <p class="warning no-print" role="note">{t!(i18n, card.fill_in_first)}" "<A href="/mitt-kort">{t!(i18n, card.title)}</A></p>
                    })}
                    <label class="field no-print">
                        <span>{t!(i18n, card.planned_visit)}</span>
                        <input type="date" prop:value=move || planned.get() on:input=move |ev| planned.set(event_target_value(&ev))/>
                    </label>
                    <CardView card=c next_visit/>
                    {qr.map(|qr| (qr.view_box(), qr.path)).map(|(view_box, path)| view! {
                        <figure class="worker-card__qr">
                            <svg viewBox=view_box role="img" aria-label=move || t_string!(i18n, card.qr_label) data-testid="card-qr"
                                data-link=link.clone() shape-rendering="crispEdges">
                                <rect width="100%" height="100%" fill="#fff"/>
                                <path d=path fill="#000"/>
                            </svg>
                            <figcaption>{t!(i18n, card.qr_caption)}</figcaption>
                        </figure>
                    })}
                    <p class="no-print"><button type="button" class="button button--secondary" on:click=|_| crate::platform::browser::print_page()>{t!(i18n, card.print)}</button></p>
                }.into_any()
            }
        }}
        {move || data.get().flatten().and_then(|o| {
            let placement = o.placement.clone()?;
            Some(view! { <InformationGiven child=o.child.clone() placement ticks=o.ticks.clone() outcome=given_outcome/> })
        })}
        {move || given_outcome.get().map(|o| match o {
            Ok(text) => view! { <p class="notice no-print" role="status" data-testid="given-outcome">{text}</p> }.into_any(),
            Err(text) => view! { <p class="error no-print" role="alert" data-testid="given-outcome">{text}</p> }.into_any(),
        })}
    }
}

/// Records on the placement's checklist what the child was given today:
/// the card, how to complain, their rights. The self-check's "information
/// given" counts these ticks.
#[component]
fn InformationGiven(
    child: shared::Child,
    placement: shared::Placement,
    ticks: Vec<ChecklistTick>,
    outcome: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let templates = super::checklist::templates();
    let Some(template) = template_of(&templates, &placement).cloned() else {
        return ().into_any();
    };
    let status = progress(&template, &child, &placement, &ticks);
    let done = |key: &str| {
        status
            .items
            .iter()
            .any(|s| s.item.key == key && s.state == ItemState::Done)
    };
    let offered: Vec<(&'static str, Given, bool)> = GIVEN
        .into_iter()
        .filter(|(key, _)| template.items.iter().any(|i| i.key == *key))
        .map(|(key, given)| (key, given, done(key)))
        .collect();
    let chosen = RwSignal::new(
        offered
            .iter()
            .filter(|(_, given, done)| !done && *given == Given::Card)
            .map(|(key, _, _)| *key)
            .collect::<Vec<_>>(),
    );
    let version = template.id;
    let (child_id, placement_id) = (placement.child_id, placement.id);
    let record = move |_| {
        let Some(user) = ctx.user.get_untracked() else {
            return;
        };
        let Ok(by_name) = VisitorName::parse(user.display_name.trim_end_matches(" (demo)")) else {
            return;
        };
        let keys = chosen.get_untracked();
        if keys.is_empty() {
            return;
        }
        let count = keys.len();
        leptos::task::spawn_local(async move {
            for key in keys {
                let mutation = Mutation {
                    id: MutationId::new_random(),
                    operation: Operation::TickChecklist(ChecklistTick {
                        id: ChecklistTickId::new_random(),
                        child_id,
                        placement_id,
                        template: version,
                        item_key: key.to_owned(),
                        state: ItemState::Done,
                        by_name: by_name.clone(),
                        by: user.id,
                        ticked_at: chrono::Utc::now(),
                    }),
                };
                if let Err(e) = record_change(ctx, mutation, None).await {
                    outcome.set(Some(Err(e)));
                    return;
                }
            }
            // The list is redrawn with the new ticks; this one may be gone.
            let _ = chosen.try_set(Vec::new());
            outcome.set(Some(Ok(td_string!(
                super::language::now().locale(),
                card.recorded,
                count = count
            ))));
        });
    };
    view! {
        <section class="card no-print" aria-labelledby="given-h" data-testid="information-given">
            <h2 id="given-h">{t!(i18n, card.given_title)}</h2>
            <p class="muted">{t!(i18n, card.given_lead)}</p>
            <ul class="checklist">
                {offered.into_iter().map(|(key, given, done)| {
                    let label = move || match given {
                        Given::Card => t_string!(i18n, card.given_card),
                        Given::Complaints => t_string!(i18n, card.given_complaints),
                        Given::Rights => t_string!(i18n, card.given_rights),
                    };
                    view! {
                        <li class="checklist__item">
                            <label class="check">
                                <input type="checkbox" disabled=done
                                    prop:checked=move || done || chosen.with(|c| c.contains(&key))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|k| *k != key); if on { c.push(key); } });
                                    }/>
                                {label}
                                {done.then(|| view! { <span class="muted">" · "{t!(i18n, card.already_recorded)}</span> })}
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button type="button" class="button" data-testid="record-given"
                disabled=move || chosen.with(Vec::is_empty) on:click=record>
                {t!(i18n, card.record)}
            </button>
        </section>
    }
    .into_any()
}
