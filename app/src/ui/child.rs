//! One child: placement, what is due, the visit log and recording a visit.

use super::caseload::{due_class, today};
use super::placement::{ConflictCard, PlacementEditor};
use super::{ctx, store};
use crate::caseload::{due_text, overview, ChildOverview};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::ui::form::{record_change, ErrorLine};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::{ChildId, Visit, VisitAmendment};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq)]
struct ChildData {
    overview: ChildOverview,
    pending: HashSet<String>,
}

#[component]
pub(crate) fn ChildPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let params = use_params_map();
    let child_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| ChildId::parse(&s).ok())
    });
    let data = RwSignal::new(None::<Result<Option<ChildData>, String>>);
    // While the placement is being edited the page is not redrawn by syncs,
    // so nothing typed is lost; it reloads when the editor closes.
    let editing = RwSignal::new(false);
    provide_context(PlacementEditing(editing));
    // Each opening of a child's page is a read of the child's records, logged
    // here and sent to the server's audit log with the next sync.
    Effect::new(move |_| {
        if let Some(id) = child_id.get() {
            leptos::task::spawn_local(async move {
                if let Some(store) = store() {
                    let offline = !crate::platform::browser::is_online();
                    let kind = shared::audit::LocalReadKind::OpenedChild;
                    if let Err(e) = store.log_reads(&[id], kind, offline).await {
                        web_sys::console::error_1(&format!("läsloggen: {}", e.0).into());
                    }
                }
            });
        }
    });
    super::follow_store(move |load| {
        if editing.get() {
            return None;
        }
        let Some(id) = child_id.get() else {
            data.set(Some(Ok(None)));
            return None;
        };
        Some(async move {
            let Some(store) = store() else { return };
            let loaded = async {
                let records = store.view_of_child(id).await?;
                let pending = store.pending_record_keys().await?;
                Ok::<_, crate::sync::StoreError>(
                    overview(records, today())
                        .into_iter()
                        .next()
                        .map(|overview| ChildData { overview, pending }),
                )
            };
            let result = loaded.await.map_err(|e| e.0);
            if load.is_latest() {
                data.set(Some(result));
            }
        })
    });

    view! {
        <p><A href="/" attr:class="back">{t!(i18n, child.back_to_caseload)}</A></p>
        // Worded once: redrawn when the language changes.
        {move || { language(); match data.get() {
            None => view! { <p class="muted">{t!(i18n, child.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(None)) => view! { <p>{t!(i18n, child.not_on_device)}</p> }.into_any(),
            Some(Ok(Some(d))) => view! { <ChildView data=d/> }.into_any(),
        }}}
        {move || { language(); data.with(|d| match d { Some(Ok(Some(d))) => Some(d.overview.visits.clone()), _ => None }).map(|visits| view! { <super::voice_over_time::VoiceOverTimeSection visits/> }) }}
        // Outside the redrawn parts: a sync never clears what is being typed.
        {move || child_id.get().map(|id| view! { <super::visit_form::VisitForm child_id=id/> })}
        {move || { language(); match data.get() {
            Some(Ok(Some(d))) => Some(view! { <VisitLog data=d/> }),
            _ => None,
        }}}
        {move || child_id.get().map(|id| view! {
            <p class="actions"><A href=format!("/barn/{id}/kort") attr:class="button button--secondary" attr:data-testid="show-card">{t!(i18n, card.show_to_child)}</A>
                " "<A href=format!("/avvikelse?barn={id}") attr:class="button button--secondary" attr:data-testid="child-report-deviation">{t!(i18n, child.report_deviation)}</A></p>
        })}
        {move || {
            let manager = ctx.user.with(|u| u.as_ref().is_some_and(|u| crate::register::edits_register(u.role)));
            child_id.get().filter(|_| manager).map(|id| view! {
                <p><A href=format!("/register/barn/{id}") attr:class="button button--secondary">{t!(i18n, child.edit_in_register)}</A></p>
            })
        }}
        {move || {
            let leader = ctx.user.with(|u| u.as_ref().is_some_and(|u| u.role.grants_cover()));
            child_id.get().filter(|_| leader).map(|id| view! { <super::cover::CoverGrant child_id=id/> })
        }}
    }
}

/// Whether the placement editor is open (provided by [`ChildPage`]).
#[derive(Clone, Copy)]
pub(crate) struct PlacementEditing(pub RwSignal<bool>);

#[component]
fn ChildView(data: ChildData) -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::ui::language::current();
    let o = data.overview;
    let child = o.child.clone();
    let placement = o.placement.as_ref().map(|p| {
        let ended = p
            .end_date
            .map(|d| t_string!(i18n, child.placement_ended, date = language.date(d)).to_string())
            .unwrap_or_default();
        t_string!(
            i18n,
            child.placement_line,
            kind = p.kind.label(language),
            home = p.home_name.to_string(),
            basis = p.legal_basis.label(language),
            start = language.date(p.start_date),
            ended = ended
        )
        .to_string()
    });
    let due = match (o.due, o.next_visit) {
        (Some(status), Some(next)) => {
            let why = match next.reason {
                shared::schedule::DueReason::FirstVisitAfterPlacement => {
                    t_string!(i18n, child.rule_first_visit).to_owned()
                }
                shared::schedule::DueReason::RegularVisit { previous } => {
                    t_string!(i18n, child.rule_regular, previous = language.date(previous))
                        .to_string()
                }
            };
            Some((
                due_class(Some(status)),
                due_text(status, next.due_date, language),
                why,
            ))
        }
        _ => None,
    };
    let pending = data.pending;
    let editor = o.placement.clone().map(|p| {
        let is_pending = pending.contains(&format!("placement:{}", p.id));
        view! { <PlacementEditor placement=p pending=is_pending/> }
    });
    let placement_json = o
        .placement
        .as_ref()
        .and_then(|p| serde_json::to_value(p).ok());
    let conflicts = o.open_conflicts.clone();
    let open_placement = o
        .placement
        .clone()
        .filter(|p| !o.closings.iter().any(|c| c.placement_id == p.id));
    let close_form = open_placement
        .clone()
        .map(|p| view! { <super::placement_end::CloseForm placement=p/> });
    let checklist = o.placement.clone().map(|p| {
        view! {
            <super::checklist::PlacementChecklist
                child=child.clone()
                placement=p
                ticks=o.ticks.clone()
                pending=pending.clone()/>
        }
    });
    let history = view! {
        <super::placement_end::PlacementHistory placements=o.placements.clone() closings=o.closings.clone()/>
    };
    let child_id = child.id;
    let period = shared::schedule::half_year(today());
    let summary = shared::schedule::contact_summary(&o.visits, &period);
    let contacts = t_string!(
        i18n,
        child.contacts,
        start = language.date(*period.start()),
        end = language.date(*period.end()),
        visits = summary.visits.count,
        phone = summary.phone_calls.count,
        video = summary.video_calls.count,
        disability = summary.disability_officer_visits.count
    )
    .to_string();
    let decision = o.placement.as_ref().map(|p| {
        (
            crate::decisions::decision_text(p, language),
            crate::decisions::consideration_text(p, language),
            crate::decisions::warnings(p, today(), language),
        )
    });
    let facts = t_string!(
        i18n,
        child.facts,
        sex = child.sex.label(language).to_lowercase(),
        disability = if child.has_disability {
            t_string!(i18n, child.yes_lower)
        } else {
            t_string!(i18n, child.no_lower)
        },
        external_id = child.external_id.as_ref().map_or_else(
            || t_string!(i18n, child.missing).to_owned(),
            ToString::to_string
        )
    )
    .to_string();
    view! {
        <h1>{child.full_name()}</h1>
        <p class="muted">{t_string!(i18n, child.born, date = language.date(child.birth_date), age = child.age_on(today())).to_string()}</p>
        <p class="muted" data-testid="child-facts">{facts}</p>
        <section class="card" aria-labelledby="placement-h">
            <h2 id="placement-h">{t!(i18n, child.placement)}</h2>
            <p>{placement.unwrap_or_else(|| t_string!(i18n, child.no_placement).to_owned())}</p>
            {decision.map(|(decision, consideration, warnings)| view! {
                <p data-testid="decision">{decision}</p>
                <p data-testid="consideration">{consideration}</p>
                {warnings.into_iter().map(|w| view! {
                    <p><span class=w.severity.badge_class() data-testid="decision-warning">{w.text}</span></p>
                }).collect_view()}
            })}
            {due.map(|(class, text, why)| view! {
                <p><span class=class>{text}</span></p>
                <p class="muted">{t!(i18n, child.rule)} {why}</p>
            })}
            <p class="muted" data-testid="contacts">{contacts}</p>
            {editor}
            <div class="form__actions">
                {close_form}
                <super::placement_end::NewPlacementForm child_id=child_id/>
            </div>
        </section>
        {checklist}
        {history}
        {(!conflicts.is_empty()).then(|| view! {
            <section class="card card--attention" aria-labelledby="conflicts-h">
                <h2 id="conflicts-h">{t!(i18n, child.to_resolve)}</h2>
                {conflicts.into_iter().map(|c| {
                    let current = placement_json.as_ref().and_then(|p| p.get(&c.field).cloned());
                    view! { <ConflictCard conflict=c current/> }
                }).collect_view()}
            </section>
        })}
    }
}

/// The visits, newest first, each marked synced or waiting.
#[component]
fn VisitLog(data: ChildData) -> impl IntoView {
    let i18n = use_i18n();
    let pending = data.pending;
    let amendments = data.overview.amendments;
    let visits = data.overview.visits;
    let child = data.overview.child;
    let filed = data.overview.filed;
    view! {
        <section class="card" aria-labelledby="visits-h">
            <h2 id="visits-h">{t!(i18n, child.visits)}</h2>
            {if visits.is_empty() {
                view! { <p class="muted">{t!(i18n, child.no_visits)}</p> }.into_any()
            } else {
                view! {
                    <ul class="visits" aria-label=move || t_string!(i18n, child.visit_log)>
                        {visits.into_iter().map(|v| {
                            let is_pending = pending.contains(&format!("visit:{}", v.id));
                            let own: Vec<_> = amendments.iter().filter(|a| a.visit_id == v.id).cloned().collect();
                            let mark = crate::record::filed_mark(&filed, v.id);
                            view! { <VisitItem visit=v pending=is_pending amendments=own child=child.clone() filed=mark/> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn VisitItem(
    visit: Visit,
    pending: bool,
    amendments: Vec<VisitAmendment>,
    child: shared::Child,
    filed: Option<shared::export::FiledMark>,
) -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::ui::language::current();
    // A signed visit that reached the server can go to the record.
    let to_record = (visit.signed_by.is_some() && !pending).then(|| {
        view! {
            <super::record::FileToRecord child visit_id=visit.id visit_date=visit.visit_date filed/>
        }
    });
    let alone = if visit.talked_alone {
        t_string!(i18n, child.alone_yes).to_owned()
    } else {
        match visit.not_alone_reason {
            Some(shared::NotAloneReason::Other) => t_string!(
                i18n,
                child.alone_no_because,
                reason = visit.not_alone_text.to_string()
            )
            .to_string(),
            Some(reason) => t_string!(
                i18n,
                child.alone_no_because,
                reason = reason.label(language).to_lowercase()
            )
            .to_string(),
            None => t_string!(i18n, child.alone_no).to_owned(),
        }
    };
    let when = match visit.start_time {
        Some(t) => language.date_time(visit.visit_date.and_time(t)),
        None => language.date(visit.visit_date),
    };
    let how = format!(
        "{} · {} · {} ({})",
        visit.contact.label(language),
        visit.place.label(language),
        visit.visitor,
        visit.visitor_role.label(language).to_lowercase()
    );
    let texts: Vec<(&'static str, String)> = [
        (
            t_string!(i18n, child.asked_about),
            visit.child_asked.to_string(),
        ),
        (
            t_string!(i18n, child.child_view),
            visit.child_view.to_string(),
        ),
        (
            t_string!(i18n, child.view_influence),
            visit.view_influence.to_string(),
        ),
        (t_string!(i18n, child.note), visit.note.to_string()),
        (
            t_string!(i18n, child.follow_ups),
            visit.follow_ups.to_string(),
        ),
    ]
    .into_iter()
    .filter(|(_, text)| !text.is_empty())
    .collect();
    let tools = visit.tools.clone();
    view! {
        <li class="visit" data-visit-id=visit.id.to_string()>
            <div class="visit__head">
                <strong>{when}</strong>
                <span>{how}</span>
                {if pending {
                    view! { <span class="badge badge--pending">{t!(i18n, child.pending)}</span> }.into_any()
                } else {
                    view! { <span class="badge badge--synced">{t!(i18n, child.synced)}</span> }.into_any()
                }}
            </div>
            {(!visit.counts_for_schedule()).then(|| view! {
                <p class="muted">{t!(i18n, child.not_counted)}</p>
            })}
            <p class="visit__alone">{t!(i18n, child.talked_alone)} {alone}</p>
            {visit.signed_by.is_some().then(|| view! {
                <p class="muted">{t_string!(i18n, child.feedback, answer = if visit.feedback_given { t_string!(i18n, child.yes_lower) } else { t_string!(i18n, child.no_lower) }).to_string()}</p>
            })}
            <dl class="visit__texts">
                {texts.into_iter().map(|(label, text)| view! {
                    <dt>{label}</dt>
                    <dd class="visit__note" translate="no">{text}</dd>
                }).collect_view()}
                {tools.into_iter().map(|t| view! {
                    <dt>{t.tool().label(language)}</dt>
                    <dd class="visit__note" translate="no">{crate::tools::result_text(&t, language)}</dd>
                }).collect_view()}
            </dl>
            {amendments.into_iter().map(|a| view! {
                <p class="visit__amendment">
                    <strong>{t_string!(i18n, child.amendment_by, at = language.date_time(a.recorded_at.with_timezone(&chrono::Local).naive_local()), author = a.author.to_string()).to_string()}</strong>
                    {a.text.to_string()}
                </p>
            }).collect_view()}
            {to_record}
            <AmendForm visit_id=visit.id child_id=visit.child_id/>
        </li>
    }
}

/// A correction or addition to a signed visit: a new entry, attributed and
/// dated, shown under the original, which stays as it was signed.
#[component]
fn AmendForm(visit_id: shared::VisitId, child_id: ChildId) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(amendment_text) = shared::AmendmentText::parse(&text.get_untracked()) else {
            error.set(Some(t_string!(i18n, child.amend_empty).to_owned()));
            return;
        };
        let author = ctx.user.get_untracked().and_then(|u| {
            shared::VisitorName::parse(shared::auth::signing_name(&u.display_name)).ok()
        });
        let Some(author) = author else { return };
        let mutation = shared::protocol::Mutation {
            id: shared::MutationId::new_random(),
            operation: shared::protocol::Operation::AmendVisit(VisitAmendment {
                id: shared::AmendmentId::new_random(),
                visit_id,
                child_id,
                author,
                author_id: ctx.user.get_untracked().map(|u| u.id),
                text: amendment_text,
                recorded_at: chrono::Utc::now(),
            }),
        };
        leptos::task::spawn_local(async move {
            match record_change(ctx, mutation, None).await {
                Ok(()) => {
                    text.set(String::new());
                    error.set(None);
                    open.set(false);
                }
                Err(e) => {
                    let locale = crate::ui::language::now().locale();
                    error.set(Some(
                        td_string!(locale, child.amend_failed, error = e).to_string(),
                    ));
                }
            }
        });
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                    {t!(i18n, child.amend_open)}
                </button>
            }
        >
            <form class="form" on:submit=save>
                <label class="field">
                    <span>{t!(i18n, child.amend_label)}</span>
                    <textarea rows="3" prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </label>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <button type="submit" class="button">{t!(i18n, child.amend_save)}</button>
                    <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>{t!(i18n, child.cancel)}</button>
                </div>
            </form>
        </Show>
    }
}
