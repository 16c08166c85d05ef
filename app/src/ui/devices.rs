//! "Mina enheter": the devices signed in as me, and signing a lost one out.

use super::{ctx, store, sync_ctl};
use crate::loggkontroll::local_time;
use crate::platform::browser;
use crate::platform::http::HttpTransport;
use crate::sync::TransportError;
use leptos::prelude::*;
use shared::auth::SessionInfo;
use shared::{ErrorCode, SessionId};

/// Why a request to the server gave nothing to show.
pub(crate) fn error_text(error: &TransportError) -> String {
    match error {
        TransportError::Unreachable => {
            "Servern kunde inte nås. Den här sidan behöver nätverk.".to_owned()
        }
        TransportError::Server {
            code: Some(code), ..
        } => code.message_sv().to_owned(),
        TransportError::Server { status, .. } => format!("Servern svarade med fel {status}."),
        TransportError::Decode(_) => "Servern gav ett svar som appen inte förstår.".to_owned(),
    }
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
    let sessions = RwSignal::new(None::<Result<Vec<SessionInfo>, String>>);
    let confirming = RwSignal::new(None::<SessionId>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let load = move || {
        leptos::task::spawn_local(async move {
            let Some(store) = store() else { return };
            if !browser::is_online() {
                sessions.set(Some(Err(
                    "Enheten är offline. Listan över inloggade enheter kräver nätverk.".into(),
                )));
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
                    notice.set(Some(format!(
                        "”{label}” är utloggad. Den raderar sina uppgifter nästa gång den når servern."
                    )));
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
        <h1>"Mina inloggade enheter"</h1>
        <p class="lead">
            "Här ser du var du är inloggad. Har en surfplatta eller telefon kommit bort: "
            "logga ut den här. Nästa gång den når servern raderas allt om barnen på den."
        </p>
        <p role="status" class="notice" data-testid="devices-notice">{move || notice.get()}</p>
        {move || match sessions.get() {
            None => view! { <p class="muted">"Hämtar…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="device-list" aria-label="Inloggade enheter">
                    {list.into_iter().map(|s| {
                        let id = s.id;
                        let label = s.device_label.clone();
                        let label_for_revoke = label.clone();
                        view! {
                            <li class="device" data-testid="device">
                                <div class="device__text">
                                    <strong class="device__label">{label.clone()}</strong>
                                    {s.current.then(|| view! { <span class="badge">"Den här enheten"</span> })}
                                    <span class="muted">
                                        {format!("Inloggad {} · senast använd {}",
                                            local_time(s.created_at), local_time(s.last_used_at))}
                                    </span>
                                </div>
                                {if s.current {
                                    view! { <span class="muted">"Använd ”Logga ut” i menyn."</span> }.into_any()
                                } else {
                                    view! {
                                        <Show
                                            when=move || confirming.get() == Some(id)
                                            fallback=move || view! {
                                                <button type="button" class="button button--secondary"
                                                    on:click=move |_| confirming.set(Some(id))>
                                                    "Logga ut enheten"
                                                </button>
                                            }
                                        >
                                            {
                                                let label = label_for_revoke.clone();
                                                view! {
                                                    <div class="confirm" role="group" aria-label="Bekräfta utloggning">
                                                        <span>{format!("Logga ut ”{label}”?")}</span>
                                                        <button type="button" class="button button--danger"
                                                            disabled=move || busy.get()
                                                            on:click={
                                                                let label = label.clone();
                                                                move |_| revoke(id, label.clone())
                                                            }>
                                                            "Ja, logga ut"
                                                        </button>
                                                        <button type="button" class="button button--secondary"
                                                            on:click=move |_| confirming.set(None)>
                                                            "Avbryt"
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
