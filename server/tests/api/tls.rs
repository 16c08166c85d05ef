//! HTTPS served by the server itself, and the client address behind a proxy.

use crate::backend_tests;
use crate::helpers::{assert_error, Backend, Options, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use server::config::Config;
use server::demo::DEMO_PASSWORD;
use server::Application;
use shared::ErrorCode;

backend_tests!(
    sign_in_limits_count_per_address,
    behind_a_trusted_proxy_the_forwarded_client_is_counted,
);

/// A certificate for `localhost`, written as PEM files into `dir`.
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
    let cert_pem = generated.cert.pem();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, generated.key_pair.serialize_pem()).expect("write key");
    (cert, key, cert_pem)
}

#[tokio::test]
async fn serves_https_with_its_own_certificate_and_sends_hsts() {
    crate::common::init_tracing();
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key, cert_pem) = certificate(dir.path());
    let mut config = Config::with_data_dir(dir.path().join("data"));
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.demo_data = true;
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    let application = Application::build(config).await.expect("build");
    assert!(application.serves_tls());
    let addr = application.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until_stopped(async {
        stopped.await.ok();
    }));

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("pem"))
        .resolve("localhost", addr)
        .build()
        .expect("client");
    let base = format!("https://localhost:{}", addr.port());

    let health = trusting
        .get(format!("{base}/api/health"))
        .send()
        .await
        .expect("https request");
    assert_eq!(health.status(), StatusCode::OK);
    let hsts = health
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(hsts.starts_with("max-age="), "{hsts:?}");

    // Signing in and using the session works over it.
    let tokens: serde_json::Value = trusting
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({
            "username": "demo.anna",
            "password": DEMO_PASSWORD,
            "device_label": "Surfplatta TLS",
        }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    let token = tokens["access_token"].as_str().expect("access token");
    let me = trusting
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);

    // Plain HTTP on the same port gets no answer at all: nothing travels in
    // clear text.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/api/health", addr.port()))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP answered: {plain:?}");

    // A client that does not trust the certificate refuses to talk.
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .expect("client");
    let refused = untrusting.get(format!("{base}/api/health")).send().await;
    assert!(refused.is_err(), "an untrusted certificate was accepted");

    // A client that never finishes its handshake does not stop others.
    let _silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let again = trusting
        .get(format!("{base}/api/health"))
        .send()
        .await
        .expect("https request beside a silent client");
    assert_eq!(again.status(), StatusCode::OK);

    stop.send(()).ok();
    server.await.expect("join").expect("server stopped cleanly");
}

#[tokio::test]
async fn an_unusable_certificate_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, _key, _) = certificate(dir.path());
    let (_, other_key, _) = certificate(&{
        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).expect("dir");
        other
    });
    let mut config = Config::with_data_dir(dir.path().join("data"));
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.tls_cert = Some(cert);
    config.tls_key = Some(other_key);
    let error = Application::build(config)
        .await
        .err()
        .expect("a key of another certificate is refused");
    assert!(matches!(error, server::StartupError::Tls(_)), "{error}");
}

async fn login_from(
    app: &TestApp,
    username: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({
            "username": username,
            "password": "fel-lösenord-123",
            "device_label": "Surfplatta",
        }));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.expect("request")
}

/// Guessing across many accounts from one address is stopped after 20
/// failures, and a forged `X-Forwarded-For` does not get around it.
async fn sign_in_limits_count_per_address(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for n in 0..20 {
        let forged = format!("198.51.100.{n}");
        let response = login_from(&app, &format!("gissning.{n}"), Some(&forged)).await;
        assert_error(response, 401, ErrorCode::InvalidCredentials).await;
    }
    let response = login_from(&app, "gissning.21", Some("198.51.100.99")).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 429, ErrorCode::TooManyAttempts).await;
    app.stop().await;
}

/// Behind a proxy, each client is counted on its own: one client's guessing
/// does not lock out the others who come through the same proxy.
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        Options {
            trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
            ..Default::default()
        },
    )
    .await;
    let guesser = "198.51.100.7";
    for n in 0..20 {
        let response = login_from(&app, &format!("gissning.{n}"), Some(guesser)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = login_from(&app, "gissning.21", Some(guesser)).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // A colleague behind the same proxy still signs in.
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.8")
        .json(&json!({
            "username": "demo.anna",
            "password": DEMO_PASSWORD,
            "device_label": "Surfplatta",
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    app.stop().await;
}
