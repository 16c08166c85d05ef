//! Ending a placement (avslut, with the signed closing note) and recording a
//! new one; the placement history with how each ended.

use super::{caseload::today, ctx};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use crate::ui::form::{record_change, ErrorLine};
use chrono::NaiveDate;
use leptos::prelude::*;
use shared::protocol::{Mutation, Operation};
use shared::{
    ChildId, ClosingId, EndKind, EndReason, LegalBasis, MutationId, PersonName, Placement,
    PlacementClosing, PlacementId, PlacementKind, VisitNote, VisitorName,
};

/// The closing of a placement as a person reads it.
pub(crate) fn closing_text(c: &PlacementClosing, language: Language) -> String {
    let mut text = format!("{} {}", c.kind.label(language), language.date(c.end_date));
    if c.replacement {
        text.push_str(" · ");
        text.push_str(td_string!(language.locale(), placement.replacement));
    }
    if let Some(reason) = c.reason {
        text.push_str(" · ");
        text.push_str(reason.label(language));
        if reason == EndReason::Other {
            text.push_str(&format!(": {}", c.reason_text));
        }
    }
    text
}

/// Placement history, newest first, each with its closing note.
#[component]
pub(crate) fn PlacementHistory(
    placements: Vec<Placement>,
    closings: Vec<PlacementClosing>,
) -> impl IntoView {
    let i18n = use_i18n();
    let language = super::language::reader();
    (placements.len() > 1 || !closings.is_empty()).then(|| view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">{t!(i18n, placement.history_title)}</h2>
            <ul class="history">
                {placements.into_iter().map(|p| {
                    let closing = closings.iter().find(|c| c.placement_id == p.id).cloned();
                    let (start, end) = (p.start_date, p.end_date);
                    let span = move || match end {
                        Some(end) => format!("{} – {}", language().date(start), language().date(end)),
                        None => t_string!(i18n, placement.since, date = language().date(start)).to_string(),
                    };
                    let (kind, basis) = (p.kind, p.legal_basis);
                    view! {
                        <li class="history__item">
                            <strong>{move || kind.label(language())}{format!(" · {}", p.home_name)}</strong>
                            <span class="muted">{move || format!(" · {} · {}", basis.label(language()), span())}</span>
                            {closing.map(|c| view! {
                                <p>{let c = c.clone(); move || closing_text(&c, language())}</p>
                                <p class="visit__note"><strong>{t!(i18n, placement.closing_note)}": "</strong>{c.closing_note.to_string()}</p>
                                <p class="muted">{t!(i18n, placement.signed_by, name = c.signed_by_name.to_string())}</p>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
}

/// "Avsluta placeringen": end date, planned or not, re-placement, reason,
/// and the closing note; signed once.
#[component]
pub(crate) fn CloseForm(placement: Placement) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let open = RwSignal::new(false);
    let end_date = RwSignal::new(today().to_string());
    let kind = RwSignal::new(None::<EndKind>);
    let replacement = RwSignal::new(false);
    let reason = RwSignal::new(None::<EndReason>);
    let reason_text = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (placement_id, child_id, start) = (placement.id, placement.child_id, placement.start_date);

    let sign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(user) = ctx.user.get_untracked() else {
            return;
        };
        let Ok(end) = NaiveDate::parse_from_str(&end_date.get_untracked(), "%Y-%m-%d") else {
            return error.set(Some(t_string!(i18n, placement.enter_end_date).to_owned()));
        };
        let Some(end_kind) = kind.get_untracked() else {
            return error.set(Some(t_string!(i18n, placement.say_if_planned).to_owned()));
        };
        let (Ok(reason_note), Ok(closing_note), Ok(name)) = (
            VisitNote::parse(&reason_text.get_untracked()),
            VisitNote::parse(&note.get_untracked()),
            VisitorName::parse(user.display_name.trim_end_matches(" (demo)")),
        ) else {
            return error.set(Some(t_string!(i18n, placement.text_too_long).to_owned()));
        };
        let closing = PlacementClosing {
            id: ClosingId::new_random(),
            child_id,
            placement_id,
            end_date: end,
            kind: end_kind,
            replacement: replacement.get_untracked(),
            reason: reason.get_untracked(),
            reason_text: reason_note,
            closing_note,
            signed_by: user.id,
            signed_by_name: name,
            recorded_at: chrono::Utc::now(),
        };
        let probe = Placement {
            id: placement_id,
            child_id,
            start_date: start,
            ..Placement::blank()
        };
        if let Err(problem) = closing.check(&probe) {
            return error.set(Some(
                match problem {
                    shared::ClosingProblem::ReasonMissing => {
                        t_string!(i18n, placement.reason_missing)
                    }
                    shared::ClosingProblem::OtherReasonNeedsText => {
                        t_string!(i18n, placement.other_reason_needs_text)
                    }
                    shared::ClosingProblem::NoteMissing => t_string!(i18n, placement.note_missing),
                    shared::ClosingProblem::EndsBeforeStart => {
                        t_string!(i18n, placement.ends_before_start)
                    }
                }
                .into(),
            ));
        }
        error.set(None);
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::ClosePlacement(closing),
        };
        leptos::task::spawn_local(async move {
            match record_change(ctx, mutation, None).await {
                Ok(()) => open.set(false),
                Err(e) => error.set(Some(
                    td_string!(
                        super::language::now().locale(),
                        placement.closing_not_saved,
                        error = e
                    )
                    .to_string(),
                )),
            }
        });
    };

    view! {
        <Show when=move || open.get() fallback=move || view! {
            <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                {t!(i18n, placement.close)}
            </button>
        }>
            <form class="form closing-form" on:submit=sign novalidate>
                <h3>{t!(i18n, placement.close)}</h3>
                <label class="field">
                    <span>{t!(i18n, placement.field.end_date)}</span>
                    <input type="date" prop:value=move || end_date.get() on:input=move |ev| end_date.set(event_target_value(&ev))/>
                </label>
                <fieldset class="field">
                    <legend>{t!(i18n, placement.how_ended)}</legend>
                    <div class="choices choices--stacked">
                        {[EndKind::Planned, EndKind::Unplanned].into_iter().map(|k| view! {
                            <label class="choice">
                                <input type="radio" name="end-kind" prop:checked=move || kind.get() == Some(k)
                                    on:change=move |_| kind.set(Some(k))/>
                                <span>{move || k.label(language())}</span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || replacement.get()
                        on:change=move |ev| replacement.set(event_target_checked(&ev))/>
                    <span>{t!(i18n, placement.replacement_choice)}</span>
                </label>
                <label class="field">
                    <span>{t!(i18n, placement.reason)}</span>
                    <select on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        reason.set(EndReason::ALL.into_iter().find(|r| r.as_str() == chosen));
                    }>
                        <option value="">{t!(i18n, placement.no_reason)}</option>
                        {EndReason::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str()>{move || r.label(language())}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || (reason.get() == Some(EndReason::Other)).then(|| view! {
                    <label class="field">
                        <span>{t!(i18n, placement.describe_reason)}</span>
                        <input type="text" prop:value=move || reason_text.get()
                            on:input=move |ev| reason_text.set(event_target_value(&ev))/>
                    </label>
                })}
                <label class="field">
                    <span>{t!(i18n, placement.closing_note)}</span>
                    <small class="muted">{t!(i18n, placement.closing_note_hint)}</small>
                    <textarea rows="5" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <button type="submit" class="button">{t!(i18n, placement.sign_closing)}</button>
                    <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>{t!(i18n, placement.cancel)}</button>
                </div>
                <p class="muted">{t!(i18n, placement.signed_final)}</p>
            </form>
        </Show>
    }
}

/// "Ny placering": type, home, legal basis, start date.
#[component]
pub(crate) fn NewPlacementForm(child_id: ChildId) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let open = RwSignal::new(false);
    let kind = RwSignal::new(PlacementKind::FosterHome);
    let home = RwSignal::new(String::new());
    let basis = RwSignal::new(LegalBasis::SoL);
    let start = RwSignal::new(today().to_string());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(home_name) = PersonName::parse(&home.get_untracked()) else {
            return error.set(Some(t_string!(i18n, placement.enter_home_name).to_owned()));
        };
        let Ok(start_date) = NaiveDate::parse_from_str(&start.get_untracked(), "%Y-%m-%d") else {
            return error.set(Some(t_string!(i18n, placement.enter_start_date).to_owned()));
        };
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::CreatePlacement(Placement {
                id: PlacementId::new_random(),
                child_id,
                kind: kind.get_untracked(),
                home_name,
                legal_basis: basis.get_untracked(),
                start_date,
                // The decision and the register's home are set in the register.
                ..Placement::blank()
            }),
        };
        leptos::task::spawn_local(async move {
            match record_change(ctx, mutation, None).await {
                Ok(()) => {
                    open.set(false);
                    home.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(
                    td_string!(
                        super::language::now().locale(),
                        placement.placement_not_saved,
                        error = e
                    )
                    .to_string(),
                )),
            }
        });
    };
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                {t!(i18n, placement.new)}
            </button>
        }>
            <form class="form" on:submit=submit novalidate>
                <h3>{t!(i18n, placement.new)}</h3>
                <label class="field">
                    <span>{t!(i18n, placement.field.kind)}</span>
                    <select on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        if let Some(k) = PlacementKind::ALL.into_iter().find(|k| k.as_str() == chosen) {
                            kind.set(k);
                        }
                    }>
                        {PlacementKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{move || k.label(language())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{t!(i18n, placement.field.home_name)}</span>
                    <input type="text" prop:value=move || home.get() on:input=move |ev| home.set(event_target_value(&ev))/>
                </label>
                <fieldset class="field">
                    <legend>{t!(i18n, placement.field.legal_basis)}</legend>
                    <div class="choices">
                        {[LegalBasis::SoL, LegalBasis::Lvu].into_iter().map(|b| view! {
                            <label class="choice">
                                <input type="radio" name="basis" prop:checked=move || basis.get() == b
                                    on:change=move |_| basis.set(b)/>
                                <span>{move || b.label(language())}</span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <label class="field">
                    <span>{t!(i18n, placement.field.start_date)}</span>
                    <input type="date" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                </label>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <button type="submit" class="button">{t!(i18n, placement.save_new)}</button>
                    <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>{t!(i18n, placement.cancel)}</button>
                </div>
                <p class="muted">{t!(i18n, placement.visit_clock_restarts)}</p>
            </form>
        </Show>
    }
}
