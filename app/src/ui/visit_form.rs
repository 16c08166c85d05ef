//! Besöksanteckning: the visit log form. Every keystroke is kept as a sealed
//! draft on the device (it survives a reload, a lock and a dead battery);
//! signing turns it into the visit record, which then never changes.

use super::{caseload::today, ctx, store, tools};
use crate::ui::form::record_change;
use crate::visit_draft::{Field, VisitDraft};
use leptos::prelude::*;
use shared::auth::Role;
use shared::conversation::{as_text, ToolResult};
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
        let visit = match current.sign(signer, today(), chrono::Utc::now()) {
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
                    saved.set(Saved::Failed(format!("Besöket kunde inte signeras: {e}")));
                }
            }
        });
    };

    let discard = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Slänga utkastet? Det du skrivit försvinner.")
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
    let error_id = |field: Field| format!("visit-error-{field:?}");
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
        ($label:expr, $hint:expr, $field:expr, $get:ident) => {{
            // The hint describes the field but is not part of its name.
            let input_id = format!("visit-{:?}", $field);
            let hint_id = format!("visit-hint-{:?}", $field);
            let described = format!("{hint_id} {}", error_id($field));
            view! {
                <div class="field">
                    <label for=input_id.clone()><span>{$label}</span></label>
                    {$hint.map(|h: &str| view! { <small class="muted" id=hint_id.clone()>{h}</small> })}
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
                            <span>"Ja"</span>
                        </label>
                        <label class="choice">
                            <input type="radio" name=$name
                                prop:checked=move || draft.with(|d| d.$get == Some(false))
                                on:change=move |_| edit(Box::new(|d| d.$get = Some(false)))/>
                            <span>"Nej"</span>
                        </label>
                    </div>
                    {error_line($field)}
                </fieldset>
            }
        }};
    }

    view! {
        <section class="card" aria-labelledby="new-visit-h">
            <h2 id="new-visit-h">"Besöksanteckning"</h2>
            <form class="form" on:submit=sign novalidate>
                <div class="form__row">
                    {text_field!("Datum", Field::VisitDate, visit_date, "date")}
                    {text_field!("Klockslag", Field::StartTime, start_time, "time")}
                </div>
                <fieldset class="field">
                    <legend>"Kontakt"</legend>
                    <div class="choices">
                        {ContactKind::ALL.into_iter().map(|kind| view! {
                            <label class="choice">
                                <input type="radio" name="contact"
                                    prop:checked=move || draft.with(|d| d.contact == kind)
                                    on:change=move |_| edit(Box::new(move |d| d.contact = kind))/>
                                <span>{kind.label_sv()}</span>
                            </label>
                        }).collect_view()}
                    </div>
                    {move || draft.with(|d| d.contact != ContactKind::InPerson).then(|| view! {
                        <p class="muted">"Telefon- och videosamtal registreras men räknas inte som besök i besöksplanen."</p>
                    })}
                </fieldset>
                <fieldset class="field">
                    <legend>"Plats"</legend>
                    <div class="choices">
                        {[VisitPlace::InTheHome, VisitPlace::Elsewhere].into_iter().map(|place| view! {
                            <label class="choice">
                                <input type="radio" name="place"
                                    prop:checked=move || draft.with(|d| d.place == place)
                                    on:change=move |_| edit(Box::new(move |d| d.place = place))/>
                                <span>{place.label_sv()}</span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                // Who visited comes from the account: the server signs the
                // visit with the same name and role whatever is sent.
                <p class="field" id="visitor">
                    <span>"Besökare"</span>
                    <strong>{move || draft.with(|d| format!("{}, {}", d.visitor, d.visitor_role.label_sv().to_lowercase()))}</strong>
                </p>
                {error_line(Field::Visitor)}
                {yes_no!("Talade du enskilt med barnet?", "alone", Field::TalkedAlone, talked_alone)}
                {move || draft.with(|d| d.talked_alone == Some(false)).then(|| view! {
                    <fieldset class="field" aria-invalid=move || problem(Field::NotAloneReason).is_some().to_string()>
                        <legend>"Varför inte?"</legend>
                        <div class="choices choices--stacked">
                            {NotAloneReason::ALL.into_iter().map(|reason| view! {
                                <label class="choice">
                                    <input type="radio" name="not-alone"
                                        prop:checked=move || draft.with(|d| d.not_alone_reason == Some(reason))
                                        on:change=move |_| edit(Box::new(move |d| d.not_alone_reason = Some(reason)))/>
                                    <span>{reason.label_sv()}</span>
                                </label>
                            }).collect_view()}
                        </div>
                        {error_line(Field::NotAloneReason)}
                    </fieldset>
                })}
                {move || draft.with(|d| d.talked_alone == Some(false) && d.not_alone_reason == Some(NotAloneReason::Other))
                    .then(|| text_field!("Beskriv skälet", Field::NotAloneText, not_alone_text, "text"))}
                {text_area!("Vad frågade du barnet om?", None::<&str>, Field::ChildAsked, child_asked)}
                {text_area!("Barnets synpunkter", Some("Skriv med barnets egna ord."), Field::ChildView, child_view)}
                <div class="field">
                    <span>"Samtalsstöd för barnet"</span>
                    <small class="muted">"Tre hus, Känsloskalan och Mitt nätverk. Barnet ser bara verktygen; du lämnar barnläget med din PIN-kod."</small>
                    <div><button type="button" class="button button--secondary" id=tools::OPENER_ID
                        on:click=move |_| ctx.child_mode.set(true)>"Samtalsstöd"</button></div>
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
                        <span>"Från samtalsstödet"</span>
                        <ul class="tool-results">
                            {tools.into_iter().map(|t| view! {
                                <li><strong>{t.tool().label_sv()}</strong><pre class="tool-results__text">{as_text(&t)}</pre></li>
                            }).collect_view()}
                        </ul>
                    </div>
                })}
                {text_area!("Hur påverkar barnets synpunkter ärendet?", None::<&str>, Field::ViewInfluence, view_influence)}
                {yes_no!("Fick barnet återkoppling på det hen sa?", "feedback", Field::FeedbackGiven, feedback_given)}
                {text_area!("Anteckning", Some("Övrigt från besöket: hemmet, överenskommelser."), Field::Note, note)}
                {text_area!("Uppföljning", Some("Vad ska göras, och av vem?"), Field::FollowUps, follow_ups)}
                {move || (!problems.get().is_empty()).then(|| view! {
                    <p class="error" role="alert">"Besöket kan inte signeras än. Se det som är markerat ovan."</p>
                })}
                <div class="form__actions">
                    <button type="submit" class="button" disabled=move || signing.get()>"Signera besöket"</button>
                    <button type="button" class="button button--secondary" on:click=discard>"Släng utkastet"</button>
                    <span role="status" class="saved" data-testid="draft-status">
                        {move || match saved.get() {
                            Saved::Nothing => String::new(),
                            Saved::Saving => "Sparar utkast…".to_owned(),
                            Saved::Draft(at) => format!("Utkast sparat på enheten {}", at.with_timezone(&chrono::Local).format("%H:%M")),
                            Saved::Failed(e) => e,
                            Saved::Signed => "Besöket är signerat och sparat på enheten.".to_owned(),
                        }}
                    </span>
                </div>
                <p class="muted">"När du signerar låses anteckningen. Rättelser görs sedan som tillägg."</p>
            </form>
        </section>
    }
}
