//! "Mina enheter": the devices signed in as me, and signing a lost one out.

use super::{ctx, language, store, sync_ctl};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels::Label;
use crate::platform::browser;
use crate::platform::http::HttpTransport;
use crate::sync::TransportError;
use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;
use shared::auth::SessionInfo;
use shared::{ErrorCode, SessionId};

/// Why a request to the server gave nothing to show.
pub(crate) fn error_text(error: &TransportError) -> String {
    let language = language::now();
    let locale = language.locale();
    match error {
        TransportError::Unreachable => td_string!(locale, devices.unreachable).to_owned(),
        TransportError::Server {
            code: Some(code), ..
        } => code.label(language).to_owned(),
        TransportError::Server { status, .. } => {
            td_string!(locale, devices.server_status, status = *status).to_string()
        }
        TransportError::Decode(_) => td_string!(locale, devices.not_understood).to_owned(),
    }
}

/// A moment in the device's time zone, as the language writes it.
fn local(language: crate::language::Language, at: DateTime<Utc>) -> String {
    language.date_time(at.with_timezone(&Local).naive_local())
}

/// A session that ended answers every request the same way: let the sync
/// round deal with it (sign in again, or wipe a revoked device).
pub(crate) fn after_error(ctx: super::Ctx, error: &TransportError) {
    if matches!(
        error,
        TransportError::Server {
            status: 401,
            code: Some(ErrorCode::SessionRevoked | ErrorCode::SessionExpired),
        }
    ) {
        sync_ctl::request_sync(ctx);
    }
}

#[component]
pub(crate) fn DevicesPage() -> impl IntoView {
    let ctx = ctx();
    let i18n = use_i18n();
    let language = language::reader();
    let sessions = RwSignal::new(None::<Result<Vec<SessionInfo>, String>>);
    let confirming = RwSignal::new(None::<SessionId>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let load = move || {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !browser::is_online() {
                sessions.set(Some(Err(t_string!(i18n, devices.offline).to_owned())));
                return;
            }
            let result = HttpTransport::new(store).sessions().await;
            if let Err(error) = &result {
                after_error(ctx, error);
            }
            sessions.set(Some(result.map_err(|e| error_text(&e))));
        });
    };
    load();

    let revoke = move |id: SessionId, label: String| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            match HttpTransport::new(store).revoke_session(id).await {
                Ok(()) => {
                    notice.set(Some(
                        t_string!(i18n, devices.signed_out, label = label).to_string(),
                    ));
                    confirming.set(None);
                    load();
                }
                Err(error) => {
                    after_error(ctx, &error);
                    notice.set(Some(error_text(&error)));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <h1>{t!(i18n, devices.title)}</h1>
        <p class="lead">{t!(i18n, devices.lead)}</p>
        <p><leptos_router::components::A href="/tappad-platta" attr:class="button button--danger" attr:data-testid="lost-tablet">
            {t!(i18n, devices.lost_tablet)}
        </leptos_router::components::A></p>
        <p role="status" class="notice" data-testid="devices-notice">{move || notice.get()}</p>
        {move || match sessions.get() {
            None => view! { <p class="muted">{t!(i18n, devices.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="device-list" aria-label=move || t_string!(i18n, devices.list)>
                    {list.into_iter().map(|s| {
                        let id = s.id;
                        let label = s.device_label.clone();
                        let label_for_revoke = label.clone();
                        view! {
                            <li class="device" data-testid="device">
                                <div class="device__text">
                                    <strong class="device__label" translate="no">{label.clone()}</strong>
                                    {s.current.then(|| view! { <span class="badge">{t!(i18n, devices.this_device)}</span> })}
                                    <span class="muted">
                                        {move || t_string!(i18n, devices.signed_in_last_used,
                                            signed_in = local(language(), s.created_at),
                                            last_used = local(language(), s.last_used_at)).to_string()}
                                    </span>
                                </div>
                                {if s.current {
                                    view! { <span class="muted">{t!(i18n, devices.use_the_menu)}</span> }.into_any()
                                } else {
                                    view! {
                                        <Show
                                            when=move || confirming.get() == Some(id)
                                            fallback=move || view! {
                                                <button type="button" class="button button--secondary"
                                                    on:click=move |_| confirming.set(Some(id))>
                                                    {t!(i18n, devices.sign_out_device)}
                                                </button>
                                            }
                                        >
                                            {
                                                let label = label_for_revoke.clone();
                                                view! {
                                                    <div class="confirm" role="group"
                                                        aria-label=move || t_string!(i18n, devices.confirm_sign_out)>
                                                        <span>{
                                                            let label = label.clone();
                                                            move || t_string!(i18n, devices.sign_out_question,
                                                                label = label.clone()).to_string()
                                                        }</span>
                                                        <button type="button" class="button button--danger"
                                                            disabled=move || busy.get()
                                                            on:click={
                                                                let label = label.clone();
                                                                move |_| revoke(id, label.clone())
                                                            }>
                                                            {t!(i18n, devices.yes_sign_out)}
                                                        </button>
                                                        <button type="button" class="button button--secondary"
                                                            on:click=move |_| confirming.set(None)>
                                                            {t!(i18n, devices.cancel)}
                                                        </button>
                                                    </div>
                                                }
                                            }
                                        </Show>
                                    }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}
