//! Cover during absence: a group leader or unit manager lets a colleague see
//! and record for a child of their unit until a date (vikarie).

use super::devices::{after_error, error_text};
use super::{caseload::today, ctx, store};
use crate::platform::browser;
use crate::platform::http::HttpTransport;
use leptos::prelude::*;
use shared::auth::{Colleague, GrantRequest, MAX_GRANT_DAYS};
use shared::{ChildId, UserId};

/// How long cover lasts unless the leader chooses otherwise.
const DEFAULT_DAYS: u64 = 14;

/// Whom cover can be given to: those who work from a caseload.
fn can_cover(colleague: &Colleague) -> bool {
    colleague.active && colleague.role.writes_child_records() && !colleague.role.sees_whole_units()
}

#[component]
pub(crate) fn CoverGrant(child_id: ChildId) -> impl IntoView {
    let ctx = ctx();
    let colleagues = RwSignal::new(None::<Result<Vec<Colleague>, String>>);
    let chosen = RwSignal::new(String::new());
    let until = RwSignal::new(
        today()
            .checked_add_days(chrono::Days::new(DEFAULT_DAYS))
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);

    leptos::task::spawn_local(async move {
        let Some(store) = store() else { return };
        if !browser::is_online() {
            colleagues.set(Some(Err(
                "Enheten är offline. Att ge behörighet kräver nätverk.".into(),
            )));
            return;
        }
        let result = HttpTransport::new(store).colleagues().await;
        if let Err(e) = &result {
            after_error(ctx, e);
        }
        colleagues.set(Some(
            result
                .map(|list| list.into_iter().filter(can_cover).collect())
                .map_err(|e| error_text(&e)),
        ));
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(user_id) = UserId::parse(&chosen.get_untracked()) else {
            outcome.set(Some(Err("Välj vem som ska vikariera.".into())));
            return;
        };
        let Ok(until_date) =
            chrono::NaiveDate::parse_from_str(until.get_untracked().trim(), "%Y-%m-%d")
        else {
            outcome.set(Some(Err("Välj ett slutdatum.".into())));
            return;
        };
        let name = colleagues
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|c| c.id == user_id))
            .map(|c| c.display_name)
            .unwrap_or_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            let request = GrantRequest {
                child_id,
                user_id,
                until: until_date,
            };
            let result = HttpTransport::new(store).grant(&request).await;
            outcome.set(Some(match result {
                Ok(_) => Ok(format!(
                    "{name} kan se och dokumentera för barnet till och med {until_date}."
                )),
                Err(e) => {
                    after_error(ctx, &e);
                    Err(error_text(&e))
                }
            }));
            busy.set(false);
        });
    };

    view! {
        <section class="card" aria-labelledby="cover-h">
            <h2 id="cover-h">"Vikarie"</h2>
            <p class="muted">
                {format!("Ge en kollega på enheten tillgång till barnet under frånvaro, högst {MAX_GRANT_DAYS} dagar. Behörigheten upphör av sig själv.")}
            </p>
            {move || match colleagues.get() {
                None => view! { <p class="muted">"Hämtar kollegor…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="muted">{e}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <form class="form" on:submit=submit>
                        <label class="field">
                            <span>"Kollega"</span>
                            <select on:change=move |ev| chosen.set(event_target_value(&ev)) prop:value=move || chosen.get()>
                                <option value="">"Välj…"</option>
                                {list.into_iter().map(|c| view! {
                                    <option value=c.id.to_string()>{format!("{} · {}", c.display_name, c.role.title_sv())}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>"Till och med"</span>
                            <input type="date" prop:value=move || until.get() on:change=move |ev| until.set(event_target_value(&ev))/>
                        </label>
                        <div class="form__actions">
                            <button type="submit" class="button" disabled=move || busy.get()>"Ge behörighet"</button>
                        </div>
                    </form>
                }.into_any(),
            }}
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <p class="notice" role="status" data-testid="cover-outcome">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert" data-testid="cover-outcome">{text}</p> }.into_any(),
            })}
        </section>
    }
}
