//! Editing a placement, and choosing between two edits that disagreed.

use super::ctx;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::language::Language;
use crate::ui::form::{record_change, ErrorLine};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde_json::Value;
use shared::merge::diff;
use shared::protocol::{
    Conflict, ConflictChoice, EditableKind, Mutation, Operation, RecordPatch, RecordRef,
};
use shared::{LegalBasis, MutationId, PersonName, Placement, PlacementKind};

/// The name of an editable field.
pub(crate) fn field_label(field: &str, language: Language) -> &'static str {
    let locale = language.locale();
    match field {
        "kind" => td_string!(locale, placement.field.kind),
        "home_name" => td_string!(locale, placement.field.home_name),
        "legal_basis" => td_string!(locale, placement.field.legal_basis),
        "start_date" => td_string!(locale, placement.field.start_date),
        "end_date" => td_string!(locale, placement.field.end_date),
        _ => td_string!(locale, placement.field.other),
    }
}

/// A field's value as a person reads it.
pub(crate) fn value_text(field: &str, value: &Value, language: Language) -> String {
    match (field, value) {
        (_, Value::Null) => "—".to_owned(),
        ("kind", v) => serde_json::from_value::<PlacementKind>(v.clone())
            .map(|k| k.label(language).to_owned())
            .unwrap_or_else(|_| v.to_string()),
        ("legal_basis", v) => serde_json::from_value::<LegalBasis>(v.clone())
            .map(|l| l.label(language).to_owned())
            .unwrap_or_else(|_| v.to_string()),
        (_, Value::String(s)) => s.clone(),
        (_, v) => v.to_string(),
    }
}

fn target_of(p: &Placement) -> RecordRef {
    RecordRef {
        kind: EditableKind::Placement,
        id: *p.id.as_uuid(),
        child_id: p.child_id,
    }
}

#[component]
pub(crate) fn PlacementEditor(placement: Placement, pending: bool) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let open = use_context::<super::child::PlacementEditing>()
        .map_or_else(|| RwSignal::new(false), |e| e.0);
    let error = RwSignal::new(None::<String>);
    let home = RwSignal::new(placement.home_name.to_string());
    let kind = RwSignal::new(placement.kind.as_str().to_owned());
    let basis = RwSignal::new(
        if placement.legal_basis == LegalBasis::Lvu {
            "lvu"
        } else {
            "sol"
        }
        .to_owned(),
    );
    let start = RwSignal::new(placement.start_date.to_string());
    // A placement ends with its signed closing; after that it is final.
    let closed = placement.end_date.is_some();
    let before = placement.clone();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed: Result<Placement, &str> = (|| {
            let home_name = PersonName::parse(&home.get_untracked())
                .map_err(|_| t_string!(i18n, placement.enter_home_name))?;
            let kind: PlacementKind = serde_json::from_value(Value::String(kind.get_untracked()))
                .map_err(|_| t_string!(i18n, placement.choose_kind))?;
            let legal_basis: LegalBasis =
                serde_json::from_value(Value::String(basis.get_untracked()))
                    .map_err(|_| t_string!(i18n, placement.choose_legal_basis))?;
            let start_date = NaiveDate::parse_from_str(&start.get_untracked(), "%Y-%m-%d")
                .map_err(|_| t_string!(i18n, placement.enter_start_date))?;
            Ok(Placement {
                home_name,
                kind,
                legal_basis,
                start_date,
                ..before.clone()
            })
        })();
        let after = match parsed {
            Ok(p) => p,
            Err(e) => return error.set(Some(e.to_owned())),
        };
        let (Ok(b), Ok(a)) = (serde_json::to_value(&before), serde_json::to_value(&after)) else {
            return error.set(Some(t_string!(i18n, placement.unreadable).to_owned()));
        };
        let fields = diff(&b, &a, Placement::EDITABLE_FIELDS);
        if fields.is_empty() {
            open.set(false);
            return;
        }
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::PatchRecord(RecordPatch {
                target: target_of(&before),
                fields,
            }),
        };
        leptos::task::spawn_local(async move {
            match record_change(ctx, mutation, None).await {
                Ok(()) => {
                    error.set(None);
                    open.set(false);
                }
                Err(e) => error.set(Some(
                    td_string!(
                        super::language::now().locale(),
                        placement.change_not_saved,
                        error = e
                    )
                    .to_string(),
                )),
            }
        });
    };

    view! {
        {pending.then(|| view! { <p><span class="badge badge--pending">{t!(i18n, placement.change_pending)}</span></p> })}
        {closed.then(|| view! {
            <p class="muted">{t!(i18n, placement.closed_final)}</p>
        })}
        <Show
            when=move || open.get() && !closed
            fallback=move || (!closed).then(|| view! {
                <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                    {t!(i18n, placement.edit)}
                </button>
            })
        >
            <form class="form" on:submit=submit.clone() novalidate>
                <label class="field">
                    <span>{t!(i18n, placement.field.home_name)}</span>
                    <input type="text" maxlength="120" prop:value=move || home.get()
                        on:input=move |ev| home.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{t!(i18n, placement.field.kind)}</span>
                    <select prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                        {PlacementKind::ALL.iter().map(|k| {
                            let v = k.as_str();
                            view! { <option value=v selected=move || kind.get() == v>{move || k.label(language())}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{t!(i18n, placement.field.legal_basis)}</span>
                    <select prop:value=move || basis.get() on:change=move |ev| basis.set(event_target_value(&ev))>
                        <option value="sol" selected=move || basis.get() == "sol">"SoL"</option>
                        <option value="lvu" selected=move || basis.get() == "lvu">"LVU"</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t!(i18n, placement.field.start_date)}</span>
                    <input type="date" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                </label>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <button type="submit" class="button">{t!(i18n, placement.save_edit)}</button>
                    <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>{t!(i18n, placement.cancel)}</button>
                </div>
            </form>
        </Show>
    }
}

/// Both values of a field that two people changed differently; a person
/// chooses which one the record keeps.
#[component]
pub(crate) fn ConflictCard(conflict: Conflict, current: Option<Value>) -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = super::language::reader();
    let error = RwSignal::new(None::<String>);
    let field = conflict.field.clone();
    let label = {
        let field = field.clone();
        move || field_label(&field, language())
    };
    let server_text = {
        let (field, value) = (field.clone(), conflict.server_value.clone());
        move || value_text(&field, &value, language())
    };
    let device_text = {
        let (field, value) = (field.clone(), conflict.device_value.clone());
        move || value_text(&field, &value, language())
    };
    let current = current.unwrap_or_else(|| conflict.server_value.clone());
    let choose = move |value: Value| {
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::ResolveConflict(ConflictChoice {
                conflict_id: conflict.id,
                child_id: conflict.target.child_id,
                from: current.clone(),
                value,
            }),
        };
        leptos::task::spawn_local(async move {
            if let Err(e) = record_change(ctx, mutation, None).await {
                error.set(Some(
                    td_string!(
                        super::language::now().locale(),
                        placement.choice_not_saved,
                        error = e
                    )
                    .to_string(),
                ));
            }
        });
    };
    let keep = choose.clone();
    let title_label = label.clone();
    let (server_value, device_value) =
        (conflict.server_value.clone(), conflict.device_value.clone());
    view! {
        <div class="conflict" role="group" aria-label=move || t_string!(i18n, placement.conflict_label, field = label()).to_string()>
            <p><strong>{move || t_string!(i18n, placement.conflict_title, field = title_label()).to_string()}</strong></p>
            <p class="muted">{t!(i18n, placement.conflict_hint)}</p>
            <div class="conflict__choices">
                <button type="button" class="button button--secondary" on:click=move |_| keep(server_value.clone())>
                    {move || t_string!(i18n, placement.keep_value, value = server_text()).to_string()}
                </button>
                <button type="button" class="button button--secondary" on:click=move |_| choose(device_value.clone())>
                    {move || t_string!(i18n, placement.choose_value, value = device_text()).to_string()}
                </button>
            </div>
            <ErrorLine error=error/>
        </div>
    }
}
