//! Cover during absence: a group leader or unit manager lets a colleague see
//! and record for a child of their unit until a date (vikarie).

use super::devices::{after_error, error_text};
use super::{caseload::today, ctx, store};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
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
    let i18n = use_i18n();
    let language = crate::ui::language::reader();
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
            let locale = crate::ui::language::now().locale();
            colleagues.set(Some(
                Err(td_string!(locale, child.cover_offline).to_owned()),
            ));
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
            outcome.set(Some(
                Err(t_string!(i18n, child.cover_choose_who).to_owned()),
            ));
            return;
        };
        let Ok(until_date) =
            chrono::NaiveDate::parse_from_str(until.get_untracked().trim(), "%Y-%m-%d")
        else {
            outcome.set(Some(
                Err(t_string!(i18n, child.cover_choose_end).to_owned()),
            ));
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
            let language = crate::ui::language::now();
            outcome.set(Some(match result {
                Ok(_) => Ok(td_string!(
                    language.locale(),
                    child.cover_granted,
                    name = name,
                    until = language.date(until_date)
                )
                .to_string()),
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
            <h2 id="cover-h">{t!(i18n, child.cover_title)}</h2>
            <p class="muted">
                {t!(i18n, child.cover_intro, days = || MAX_GRANT_DAYS)}
            </p>
            {move || match colleagues.get() {
                None => view! { <p class="muted">{t!(i18n, child.cover_loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="muted">{e}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <form class="form" on:submit=submit>
                        <label class="field">
                            <span>{t!(i18n, child.cover_colleague)}</span>
                            <select on:change=move |ev| chosen.set(event_target_value(&ev)) prop:value=move || chosen.get()>
                                <option value="">{t!(i18n, child.cover_choose)}</option>
                                {list.into_iter().map(|c| view! {
                                    <option value=c.id.to_string()>{move || format!("{} · {}", c.display_name, c.role.label(language()))}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>{t!(i18n, child.cover_until)}</span>
                            <input type="date" prop:value=move || until.get() on:change=move |ev| until.set(event_target_value(&ev))/>
                        </label>
                        <div class="form__actions">
                            <button type="submit" class="button" disabled=move || busy.get()>{t!(i18n, child.cover_grant)}</button>
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
