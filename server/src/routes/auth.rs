//! Sign-in and device sessions: `POST /v1/auth/login`, `/v1/auth/refresh`,
//! `/v1/auth/logout`, and `GET /v1/me`.

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
use crate::auth::{check_session, Sessions, MAX_BEARER_TOKEN_BYTES};
use crate::error::{ApiError, ApiResult};
use crate::tls::Peer;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;
use shared::auth::{
    LoginRequest, RefreshRequest, SessionCheck, SessionCheckRequest, SessionInfo, SessionTokens,
    UserProfile, MAX_DEVICE_LABEL_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS,
};
use shared::children::{CardDetails, WorkerCard};
use shared::{ChildId, SessionId};
use std::net::IpAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/check", post(check))
        .route("/v1/me", get(me))
        .route("/v1/me/card", get(my_card).put(put_my_card))
        .route("/v1/sessions", get(sessions))
        .route("/v1/sessions/{id}", axum::routing::delete(revoke))
}

pub fn validate(login: &LoginRequest) -> ApiResult<()> {
    let bad = |m: &str| Err(ApiError::ValidationFailed(m.into()));
    if login.username.trim().is_empty() || login.username.chars().count() > MAX_USERNAME_CHARS {
        return bad("`username` must be 1 to 64 characters");
    }
    if login.password.is_empty() || login.password.len() > MAX_PASSWORD_BYTES {
        return bad("`password` must be 1 to 256 bytes");
    }
    let label = login.device_label.trim();
    if label.is_empty()
        || label.chars().count() > MAX_DEVICE_LABEL_CHARS
        || label.chars().any(char::is_control)
    {
        return bad("`device_label` must be 1 to 80 characters on one line");
    }
    Ok(())
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: the connection's, or, when the connection comes
/// from a trusted proxy, the nearest address in `X-Forwarded-For` that is
/// not itself a trusted proxy. Addresses further left were written by the
/// client and prove nothing.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(addr) => {
                client = addr;
                if !trusted.contains(&addr) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn login(
    State(app): State<AppState>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    request: Request,
) -> ApiResult<Json<SessionTokens>> {
    let client = client_ip(peer.ip(), request.headers(), &app.trusted_proxies);
    let body = read_json_object(&app, request).await?;
    let login: LoginRequest = parse_json(&body)?;
    validate(&login)?;
    let username = login.username.trim().to_lowercase();
    let addr = Some(client);
    app.login_limiter
        .begin_attempt(&username, addr)
        .map_err(|retry_after_secs| ApiError::TooManyAttempts { retry_after_secs })?;

    let user = app.db.user_by_username(&username).await?;
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.clone());
    let verified = app.password_checks.verify(login.password, stored).await?;
    let Some(user) = user.filter(|u| verified && u.active) else {
        tracing::info!("sign-in refused");
        return Err(ApiError::InvalidCredentials);
    };
    app.login_limiter.succeeded(&username, addr);
    tracing::Span::current().record("user.id", tracing::field::display(user.id));
    Ok(Json(
        Sessions::open(&app.db, &user, login.device_label.trim(), app.device_policy).await?,
    ))
}

#[tracing::instrument(skip_all)]
async fn refresh(State(app): State<AppState>, request: Request) -> ApiResult<Json<SessionTokens>> {
    let body = read_json_object(&app, request).await?;
    let refresh: RefreshRequest = parse_json(&body)?;
    if refresh.refresh_token.is_empty() || refresh.refresh_token.len() > 128 {
        return Err(ApiError::SessionExpired);
    }
    Ok(Json(
        Sessions::refresh(&app.db, &refresh.refresh_token, app.device_policy).await?,
    ))
}

/// A locked device asks, with its check token, whether its session holds.
#[tracing::instrument(skip_all)]
async fn check(State(app): State<AppState>, request: Request) -> ApiResult<Json<SessionCheck>> {
    let body = read_json_object(&app, request).await?;
    let check: SessionCheckRequest = parse_json(&body)?;
    if check.check_token.is_empty() || check.check_token.len() > MAX_BEARER_TOKEN_BYTES {
        return Err(ApiError::SessionExpired);
    }
    Ok(Json(
        check_session(&app.db, &check.check_token, app.device_policy).await?,
    ))
}

/// Ends the session the request is made with.
#[tracing::instrument(skip_all, fields(user.id))]
async fn logout(State(app): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    let session = caller.session()?;
    app.db.revoke_session(session).await?;
    tracing::info!(session.id = %session, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user and the children they may see now.
#[derive(Debug, Serialize)]
struct Me {
    user: UserProfile,
    children: Vec<ChildId>,
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn me(caller: Caller) -> ApiResult<Json<Me>> {
    Ok(Json(Me {
        user: caller.profile(),
        children: caller.readable_children().to_vec(),
    }))
}

/// The contact details the caller keeps for children ("Min socialsekreterare").
#[tracing::instrument(skip_all, fields(user.id))]
async fn my_card(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<WorkerCard>> {
    caller.session()?;
    let details = app.db.worker_card(caller.user_id).await?;
    Ok(Json(card_of(&caller, details)))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn put_my_card(
    State(app): State<AppState>,
    caller: Caller,
    request: axum::extract::Request,
) -> ApiResult<Json<WorkerCard>> {
    caller.session()?;
    let body = super::read_json_object(&app, request).await?;
    let details = super::parse_json::<CardDetails>(&body)?
        .checked()
        .map_err(|problem| ApiError::ValidationFailed(problem.to_string()))?;
    app.db.save_worker_card(caller.user_id, &details).await?;
    tracing::info!("worker card saved");
    Ok(Json(card_of(&caller, details)))
}

fn card_of(caller: &Caller, details: CardDetails) -> WorkerCard {
    WorkerCard {
        name: caller.display_name().to_owned(),
        phone: details.phone,
        email: details.email,
        hours: details.hours,
    }
}

/// The user's signed-in devices.
#[tracing::instrument(skip_all, fields(user.id))]
async fn sessions(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    let rows = app.db.sessions_of(caller.user_id).await?;
    let now = Utc::now();
    Ok(Json(
        rows.into_iter()
            .filter(|r| r.expires_at > now)
            .map(|r| SessionInfo {
                current: Some(r.id) == caller.session_id,
                id: r.id,
                device_label: r.device_label,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
            })
            .collect(),
    ))
}

/// Ends one of the user's own sessions: "my tablet is lost". Its device
/// wipes itself when it next reaches the server.
#[tracing::instrument(skip_all, fields(user.id))]
async fn revoke(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = SessionId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let own = app.db.sessions_of(caller.user_id).await?;
    if !own.iter().any(|s| s.id == id) {
        return Err(ApiError::NotFound);
    }
    app.db.revoke_session(id).await?;
    tracing::info!(session.id = %id, "session revoked by its user");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn client(peer: &str, forwarded: &[&str], trusted: &[&str]) -> IpAddr {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(
                X_FORWARDED_FOR,
                HeaderValue::from_str(value).expect("value"),
            );
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|t| ip(t)).collect();
        client_ip(ip(peer), &headers, &trusted)
    }

    #[test]
    fn a_direct_client_cannot_choose_its_address() {
        assert_eq!(client("203.0.113.9", &["10.9.9.9"], &[]), ip("203.0.113.9"));
        assert_eq!(
            client("203.0.113.9", &["10.9.9.9"], &["10.0.0.1"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let proxy = "10.0.0.1";
        assert_eq!(
            client(proxy, &["198.51.100.7"], &[proxy]),
            ip("198.51.100.7")
        );
        // The client wrote the first entry itself; the proxy appended the real one.
        assert_eq!(
            client(proxy, &["1.2.3.4, 198.51.100.7"], &[proxy]),
            ip("198.51.100.7")
        );
        // Two proxies, the header split over two lines.
        assert_eq!(
            client(
                proxy,
                &["1.2.3.4, 198.51.100.7", "10.0.0.2"],
                &[proxy, "10.0.0.2"]
            ),
            ip("198.51.100.7")
        );
        assert_eq!(client(proxy, &[], &[proxy]), ip(proxy));
        assert_eq!(client(proxy, &["garbage"], &[proxy]), ip(proxy));
        assert_eq!(
            client(proxy, &["garbage, 198.51.100.7"], &[proxy]),
            ip("198.51.100.7")
        );
    }
}
