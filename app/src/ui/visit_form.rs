//! Besöksanteckning: the visit log form. Every keystroke is kept as a sealed
//! draft on the device (it survives a reload, a lock and a dead battery);
//! signing turns it into the visit record, which then never changes.

use super::{caseload::today, ctx, store, tools};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::ui::form::record_change;
use crate::visit_draft::{Field, VisitDraft};
use leptos::prelude::*;
use shared::auth::Role;
use shared::conversation::ToolResult;
use shared::protocol::{Mutation, Operation};
use shared::{
    ChildId, ContactKind, ConversationTool, MutationId, NotAloneReason, VisitPlace, VisitorRole,
};

/// How long typing may pause before the draft is sealed and stored.
const SAVE_AFTER_MS: u32 = 400;

fn role_of_visitor(role: Role) -> VisitorRole {
    match role {
        Role::Consultant => VisitorRole::Consultant,
        Role::DisabilityOfficer => VisitorRole::DisabilityOfficer,
        _ => VisitorRole::Employee,
    }
}

fn visitor_name(display_name: &str) -> String {
    shared::auth::signing_name(display_name).to_owned()
}

/// The draft's save state, as the user sees it.
#[derive(Clone, Debug, PartialEq)]
enum Saved {
    Nothing,
    Saving,
    Draft(chrono::DateTime<chrono::Utc>),
    Failed(String),
    Signed,
}

#[component]
pub(crate) fn VisitForm(child_id: ChildId) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
    let defaults = StoredValue::new(
        ctx.user
            .get_untracked()
            .map(|u| (visitor_name(&u.display_name), role_of_visitor(u.role)))
            .unwrap_or_default(),
    );
    let fresh = move || {
        let (name, role) = defaults.get_value();
        VisitDraft::new(child_id, today(), &name, role, chrono::Utc::now())
    };
    let draft = RwSignal::new(fresh());
    let saved = RwSignal::new(Saved::Nothing);
    let problems = RwSignal::new(Vec::<(Field, String)>::new());
    let signing = RwSignal::new(false);
    let pending_save = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    // Drafts signed or thrown away: a save still in flight must not bring
    // them back.
    let retired = StoredValue::new(Vec::<shared::VisitId>::new());

    // An unfinished draft from before (a reload, another visit day) comes back.
    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if let Ok(Some(stored)) = store.draft(child_id).await {
            saved.set(Saved::Draft(stored.updated_at));
            draft.set(stored);
        }
    });

    let save_now = move || {
        let current = draft.get_untracked();
        saved.set(Saved::Saving);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let id = current.visit_id;
            let wanted = move || !retired.with_value(|r| r.contains(&id));
            match store.save_draft(&current, wanted).await {
                Ok(()) => saved.set(Saved::Draft(current.updated_at)),
                Err(e) => saved.set(Saved::Failed(e.0)),
            }
        });
    };
    let edit = move |change: Box<dyn FnOnce(&mut VisitDraft)>| {
        draft.update(|d| {
            change(d);
            d.updated_at = chrono::Utc::now();
        });
        saved.set(Saved::Saving);
        let timer = gloo_timers::callback::Timeout::new(SAVE_AFTER_MS, save_now);
        pending_save.update_value(|t| *t = Some(timer));
    };

    let sign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(signer) = ctx.user.get_untracked().map(|u| u.id) else {
            return;
        };
        let current = draft.get_untracked();
        let visit = match current.sign(signer, today(), chrono::Utc::now(), language()) {
            Ok(visit) => visit,
            Err(found) => {
                problems.set(found);
                return;
            }
        };
        problems.set(Vec::new());
        pending_save.update_value(|t| {
            t.take();
        });
        let signed_id = visit.id;
        retired.update_value(|r| r.push(signed_id));
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::CreateVisit(visit),
        };
        signing.set(true);
        leptos::task::spawn_local(async move {
            let result = record_change(ctx, mutation, Some(child_id)).await;
            signing.set(false);
            match result {
                Ok(()) => {
                    saved.set(Saved::Signed);
                    draft.set(fresh());
                }
                Err(e) => {
                    // Still a draft: let it be kept again.
                    retired.update_value(|r| r.retain(|id| *id != signed_id));
                    let locale = crate::ui::language::now().locale();
                    saved.set(Saved::Failed(
                        td_string!(locale, visit.sign_failed, error = e).to_string(),
                    ));
                }
            }
        });
    };

    let discard = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(t_string!(i18n, visit.discard_confirm))
                    .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        pending_save.update_value(|t| {
            t.take();
        });
        let id = draft.get_untracked().visit_id;
        retired.update_value(|r| r.push(id));
        leptos::task::spawn_local(async move {
            if let Some(store) = store() {
                let _ = store.discard_draft(child_id).await;
            }
            draft.set(fresh());
            problems.set(Vec::new());
            saved.set(Saved::Nothing);
        });
    };

    let problem = move |field: Field| {
        problems.with(|p| p.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
    };
    let error_id = |field: Field| format!("visit-error-{}", field.name());
    let error_line = move |field: Field| {
        move || problem(field).map(|m| view! { <p class="field__error" id=error_id(field)>{m}</p> })
    };

    // A text input bound to one field of the draft.
    macro_rules! text_field {
        ($label:expr, $field:expr, $get:ident, $kind:literal) => {{
            let described = error_id($field);
            view! {
                <label class="field">
                    <span>{$label}</span>
                    <input type=$kind
                        aria-invalid=move || problem($field).is_some().to_string()
                        aria-describedby=described
                        prop:value=move || draft.with(|d| d.$get.clone())
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            edit(Box::new(move |d| d.$get = value));
                        }/>
                    {error_line($field)}
                </label>
            }
        }};
    }
    macro_rules! text_area {
        ($label:expr, $field:expr, $get:ident) => {
            text_area!($label, None::<fn() -> &'static str>, $field, $get)
        };
        ($label:expr, $hint:expr, $field:expr, $get:ident) => {{
            // The hint describes the field but is not part of its name.
            let input_id = format!("visit-{}", $field.name());
            let hint_id = format!("visit-hint-{}", $field.name());
            let described = format!("{hint_id} {}", error_id($field));
            view! {
                <div class="field">
                    <label for=input_id.clone()><span>{$label}</span></label>
                    {$hint.map(|h| view! { <small class="muted" id=hint_id.clone()>{h}</small> })}
                    <textarea rows="4" id=input_id
                        aria-invalid=move || problem($field).is_some().to_string()
                        aria-describedby=described
                        prop:value=move || draft.with(|d| d.$get.clone())
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            edit(Box::new(move |d| d.$get = value));
                        }></textarea>
                    {error_line($field)}
                </div>
            }
        }};
    }
    // Ja / Nej for an `Option<bool>` field.
    macro_rules! yes_no {
        ($legend:expr, $name:literal, $field:expr, $get:ident) => {{
            view! {
                <fieldset class="field" aria-invalid=move || problem($field).is_some().to_string()>
                    <legend>{$legend}</legend>
                    <div class="choices">
                        <label class="choice">
                            <input type="radio" name=$name
                                prop:checked=move || draft.with(|d| d.$get == Some(true))
                                on:change=move |_| edit(Box::new(|d| d.$get = Some(true)))/>
                            <span>{t!(i18n, visit.yes)}</span>
                        </label>
                        <label class="choice">
                            <input type="radio" name=$name
                                prop:checked=move || draft.with(|d| d.$get == Some(false))
                                on:change=move |_| edit(Box::new(|d| d.$get = Some(false)))/>
                            <span>{t!(i18n, visit.no)}</span>
                        </label>
                    </div>
                    {error_line($field)}
                </fieldset>
            }
        }};
    }

    view! {
        <section class="card" aria-labelledby="new-visit-h">
            <h2 id="new-visit-h">{t!(i18n, visit.title)}</h2>
            <form class="form" on:submit=sign novalidate>
                <div class="form__row">
                    {text_field!(t!(i18n, visit.date), Field::VisitDate, visit_date, "date")}
                    {text_field!(t!(i18n, visit.time), Field::StartTime, start_time, "time")}
                </div>
                <fieldset class="field">
                    <legend>{t!(i18n, visit.contact)}</legend>
                    <div class="choices">
                        {ContactKind::ALL.into_iter().map(|kind| view! {
                            <label class="choice">
                                <input type="radio" name="contact"
                                    prop:checked=move || draft.with(|d| d.contact == kind)
                                    on:change=move |_| edit(Box::new(move |d| d.contact = kind))/>
                                <span>{move || kind.label(language())}</span>
                            </label>
                        }).collect_view()}
                    </div>
                    {move || draft.with(|d| d.contact != ContactKind::InPerson).then(|| view! {
                        <p class="muted">{t!(i18n, visit.calls_not_counted)}</p>
                    })}
                </fieldset>
                <fieldset class="field">
                    <legend>{t!(i18n, visit.place)}</legend>
                    <div class="choices">
                        {[VisitPlace::InTheHome, VisitPlace::Elsewhere].into_iter().map(|place| view! {
                            <label class="choice">
                                <input type="radio" name="place"
                                    prop:checked=move || draft.with(|d| d.place == place)
                                    on:change=move |_| edit(Box::new(move |d| d.place = place))/>
                                <span>{move || place.label(language())}</span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                // Who visited comes from the account: the server signs the
                // visit with the same name and role whatever is sent.
                <p class="field" id="visitor">
                    <span>{t!(i18n, visit.visitor)}</span>
                    <strong>{move || draft.with(|d| format!("{}, {}", d.visitor, d.visitor_role.label(language()).to_lowercase()))}</strong>
                </p>
                {error_line(Field::Visitor)}
                {yes_no!(t!(i18n, visit.talked_alone), "alone", Field::TalkedAlone, talked_alone)}
                {move || draft.with(|d| d.talked_alone == Some(false)).then(|| view! {
                    <fieldset class="field" aria-invalid=move || problem(Field::NotAloneReason).is_some().to_string()>
                        <legend>{t!(i18n, visit.why_not)}</legend>
                        <div class="choices choices--stacked">
                            {NotAloneReason::ALL.into_iter().map(|reason| view! {
                                <label class="choice">
                                    <input type="radio" name="not-alone"
                                        prop:checked=move || draft.with(|d| d.not_alone_reason == Some(reason))
                                        on:change=move |_| edit(Box::new(move |d| d.not_alone_reason = Some(reason)))/>
                                    <span>{move || reason.label(language())}</span>
                                </label>
                            }).collect_view()}
                        </div>
                        {error_line(Field::NotAloneReason)}
                    </fieldset>
                })}
                {move || draft.with(|d| d.talked_alone == Some(false) && d.not_alone_reason == Some(NotAloneReason::Other))
                    .then(|| text_field!(t!(i18n, visit.describe_reason), Field::NotAloneText, not_alone_text, "text"))}
                {text_area!(t!(i18n, visit.child_asked), Field::ChildAsked, child_asked)}
                {text_area!(t!(i18n, visit.child_view), Some(move || t_string!(i18n, visit.child_view_hint)), Field::ChildView, child_view)}
                <div class="field">
                    <span>{t!(i18n, visit.tools)}</span>
                    <small class="muted">{t!(i18n, visit.tools_hint)}</small>
                    <div><button type="button" class="button button--secondary" id=tools::OPENER_ID
                        on:click=move |_| ctx.child_mode.set(true)>{t!(i18n, visit.tools_open)}</button></div>
                    {error_line(Field::Tools)}
                </div>
                <Show when=move || ctx.child_mode.get()>
                    <leptos::portal::Portal>
                        <tools::ChildMode existing=draft.with_untracked(|d| d.tools.clone())
                            on_result=Callback::new(move |(tool, result): (ConversationTool, Option<ToolResult>)| {
                                edit(Box::new(move |d| match result {
                                    Some(result) => d.set_tool(result),
                                    None => d.tools.retain(|t| t.tool() != tool),
                                }));
                            })/>
                    </leptos::portal::Portal>
                </Show>
                {move || draft.with(|d| (!d.tools.is_empty()).then(|| d.tools.clone())).map(|tools| view! {
                    <div class="field">
                        <span>{t!(i18n, visit.from_tools)}</span>
                        <ul class="tool-results">
                            {tools.into_iter().map(|t| { let tool = t.tool(); view! {
                                <li><strong>{move || tool.label(language())}</strong><pre class="tool-results__text">{move || crate::tools::result_text(&t, language())}</pre></li>
                            }}).collect_view()}
                        </ul>
                    </div>
                })}
                {text_area!(t!(i18n, visit.view_influence), Field::ViewInfluence, view_influence)}
                {yes_no!(t!(i18n, visit.feedback_given), "feedback", Field::FeedbackGiven, feedback_given)}
                {text_area!(t!(i18n, visit.note), Some(move || t_string!(i18n, visit.note_hint)), Field::Note, note)}
                {text_area!(t!(i18n, visit.follow_ups), Some(move || t_string!(i18n, visit.follow_ups_hint)), Field::FollowUps, follow_ups)}
                {move || (!problems.get().is_empty()).then(|| view! {
                    <p class="error" role="alert">{t!(i18n, visit.cannot_sign_yet)}</p>
                })}
                <div class="form__actions">
                    <button type="submit" class="button" disabled=move || signing.get()>{t!(i18n, visit.sign)}</button>
                    <button type="button" class="button button--secondary" on:click=discard>{t!(i18n, visit.discard)}</button>
                    <span role="status" class="saved" data-testid="draft-status">
                        {move || match saved.get() {
                            Saved::Nothing => String::new(),
                            Saved::Saving => t_string!(i18n, visit.saving).to_owned(),
                            Saved::Draft(at) => {
                                let time = language().time(at.with_timezone(&chrono::Local).naive_local());
                                t_string!(i18n, visit.draft_saved, time = time).to_string()
                            }
                            Saved::Failed(e) => e,
                            Saved::Signed => t_string!(i18n, visit.signed).to_owned(),
                        }}
                    </span>
                </div>
                <p class="muted">{t!(i18n, visit.locked_after_signing)}</p>
            </form>
        </section>
    }
}
