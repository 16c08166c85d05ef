//! Editing a placement, and choosing between two edits that disagreed.

use super::ctx;
use crate::ui::form::{record_change, ErrorLine};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde_json::Value;
use shared::merge::diff;
use shared::protocol::{
    Conflict, ConflictChoice, EditableKind, Mutation, Operation, RecordPatch, RecordRef,
};
use shared::{LegalBasis, MutationId, PersonName, Placement, PlacementKind};

/// The Swedish name of an editable field.
pub(crate) fn field_label(field: &str) -> &'static str {
    match field {
        "kind" => "Placeringsform",
        "home_name" => "Hem",
        "legal_basis" => "Lagrum",
        "start_date" => "Startdatum",
        "end_date" => "Slutdatum",
        _ => "Fält",
    }
}

/// A field's value as a person reads it.
pub(crate) fn value_text(field: &str, value: &Value) -> String {
    match (field, value) {
        (_, Value::Null) => "—".to_owned(),
        ("kind", v) => serde_json::from_value::<PlacementKind>(v.clone())
            .map(|k| k.label_sv().to_owned())
            .unwrap_or_else(|_| v.to_string()),
        ("legal_basis", v) => serde_json::from_value::<LegalBasis>(v.clone())
            .map(|l| l.label_sv().to_owned())
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

pub(crate) fn kind_value(k: PlacementKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[component]
pub(crate) fn PlacementEditor(placement: Placement, pending: bool) -> impl IntoView {
    let ctx = ctx();
    let open = use_context::<super::child::PlacementEditing>()
        .map_or_else(|| RwSignal::new(false), |e| e.0);
    let error = RwSignal::new(None::<String>);
    let home = RwSignal::new(placement.home_name.to_string());
    let kind = RwSignal::new(kind_value(placement.kind));
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
            let home_name =
                PersonName::parse(&home.get_untracked()).map_err(|_| "Ange hemmets namn.")?;
            let kind: PlacementKind = serde_json::from_value(Value::String(kind.get_untracked()))
                .map_err(|_| "Välj placeringsform.")?;
            let legal_basis: LegalBasis =
                serde_json::from_value(Value::String(basis.get_untracked()))
                    .map_err(|_| "Välj lagrum.")?;
            let start_date = NaiveDate::parse_from_str(&start.get_untracked(), "%Y-%m-%d")
                .map_err(|_| "Ange startdatum.")?;
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
            return error.set(Some("Placeringen kunde inte läsas.".into()));
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
                Err(e) => error.set(Some(format!("Ändringen kunde inte sparas: {e}"))),
            }
        });
    };

    view! {
        {pending.then(|| view! { <p><span class="badge badge--pending">"Ändring väntar på synk"</span></p> })}
        {closed.then(|| view! {
            <p class="muted">"Placeringen är avslutad och signerad. Den kan inte ändras."</p>
        })}
        <Show
            when=move || open.get() && !closed
            fallback=move || (!closed).then(|| view! {
                <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>
                    "Ändra placering"
                </button>
            })
        >
            <form class="form" on:submit=submit.clone() novalidate>
                <label class="field">
                    <span>"Hem"</span>
                    <input type="text" maxlength="120" prop:value=move || home.get()
                        on:input=move |ev| home.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Placeringsform"</span>
                    <select prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                        {PlacementKind::ALL.iter().map(|k| {
                            let v = kind_value(*k);
                            view! { <option value=v.clone() selected=move || kind.get() == v>{k.label_sv()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Lagrum"</span>
                    <select prop:value=move || basis.get() on:change=move |ev| basis.set(event_target_value(&ev))>
                        <option value="sol" selected=move || basis.get() == "sol">"SoL"</option>
                        <option value="lvu" selected=move || basis.get() == "lvu">"LVU"</option>
                    </select>
                </label>
                <label class="field">
                    <span>"Startdatum"</span>
                    <input type="date" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                </label>
                <ErrorLine error=error/>
                <div class="form__actions">
                    <button type="submit" class="button">"Spara placering"</button>
                    <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>"Avbryt"</button>
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
    let error = RwSignal::new(None::<String>);
    let field = conflict.field.clone();
    let label = field_label(&field);
    let server_text = value_text(&field, &conflict.server_value);
    let device_text = value_text(&field, &conflict.device_value);
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
                error.set(Some(format!("Valet kunde inte sparas: {e}")));
            }
        });
    };
    let keep = choose.clone();
    let (server_value, device_value) =
        (conflict.server_value.clone(), conflict.device_value.clone());
    view! {
        <div class="conflict" role="group" aria-label=format!("Konflikt: {label}")>
            <p><strong>{format!("{label}: två olika ändringar")}</strong></p>
            <p class="muted">"Två enheter ändrade samma uppgift. Båda värdena är sparade tills du väljer."</p>
            <div class="conflict__choices">
                <button type="button" class="button button--secondary" on:click=move |_| keep(server_value.clone())>
                    {format!("Behåll ”{server_text}”")}
                </button>
                <button type="button" class="button button--secondary" on:click=move |_| choose(device_value.clone())>
                    {format!("Välj ”{device_text}”")}
                </button>
            </div>
            <ErrorLine error=error/>
        </div>
    }
}
