//! The tablet's platform authenticator through WebAuthn's PRF extension:
//! a credential made once at set-up, and a pseudo-random output for a fixed
//! salt each time the user passes its check (fingerprint, face or the
//! tablet's own screen-lock code). That output makes the device key
//! (`crypto::DeviceKey::from_prf`); it is never stored, so a copied browser
//! profile holds nothing to guess. The credential is used on this device
//! only: no server sees it. web_sys has no typed PRF bindings, so the
//! options and results go through `js_sys::Reflect`.

use super::crypto::random_bytes;
use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const TIMEOUT_MS: f64 = 120_000.0;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebAuthnError {
    /// The user cancelled, or the check timed out or failed.
    #[error("Skärmlåset avbröts eller godkändes inte. Försök igen.")]
    NotAllowed,
    /// The authenticator has no PRF: it cannot make the device key.
    #[error("Enhetens skärmlås kan inte skapa en krypteringsnyckel (WebAuthn PRF saknas).")]
    NoPrf,
    #[error("Skärmlåset gick inte att använda ({0}).")]
    Other(String),
}

impl WebAuthnError {
    /// What the user is told, in `language` (`Display` stays Swedish, for logs).
    pub fn message(&self, language: crate::language::Language) -> String {
        use crate::i18n::td_string;
        let locale = language.locale();
        match self {
            Self::NotAllowed => td_string!(locale, lock.screen_lock_error.not_allowed).to_owned(),
            Self::NoPrf => td_string!(locale, lock.screen_lock_error.no_prf).to_owned(),
            Self::Other(reason) => {
                td_string!(locale, lock.screen_lock_error.other, reason = reason)
            }
        }
    }
}

impl From<JsValue> for WebAuthnError {
    fn from(value: JsValue) -> Self {
        if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
            if e.name() == "NotAllowedError" || e.name() == "AbortError" {
                return Self::NotAllowed;
            }
        }
        Self::Other(super::js_error_text(&value))
    }
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), WebAuthnError> {
    Reflect::set(target, &JsValue::from_str(key), value)?;
    Ok(())
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn object(fields: &[(&str, JsValue)]) -> Result<Object, WebAuthnError> {
    let o = Object::new();
    for (k, v) in fields {
        set(&o, k, v)?;
    }
    Ok(o)
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn to_vec(buffer: &JsValue) -> Option<Vec<u8>> {
    if buffer.is_undefined() || buffer.is_null() {
        return None;
    }
    if let Some(b) = buffer.dyn_ref::<ArrayBuffer>() {
        return Some(Uint8Array::new(b).to_vec());
    }
    buffer
        .dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .or_else(|| Some(Uint8Array::new(buffer).to_vec()))
}

/// `{ prf: { eval: { first: salt } } }`
fn prf_extension(prf_salt: &[u8]) -> Result<Object, WebAuthnError> {
    let eval = object(&[("first", bytes(prf_salt))])?;
    let prf = object(&[("eval", eval.into())])?;
    object(&[("prf", prf.into())])
}

fn credentials() -> Result<JsValue, WebAuthnError> {
    let window = web_sys::window().ok_or_else(|| WebAuthnError::Other("inget fönster".into()))?;
    let credentials = get(&window.navigator(), "credentials");
    if credentials.is_undefined() {
        return Err(WebAuthnError::Other("WebAuthn saknas".into()));
    }
    Ok(credentials)
}

async fn call(method: &str, options: &Object) -> Result<JsValue, WebAuthnError> {
    let credentials = credentials()?;
    let f: Function = get(&credentials, method)
        .dyn_into()
        .map_err(|_| WebAuthnError::Other(format!("credentials.{method} saknas")))?;
    let promise: Promise = f.call1(&credentials, options)?.dyn_into()?;
    let credential = JsFuture::from(promise).await?;
    if credential.is_null() || credential.is_undefined() {
        return Err(WebAuthnError::NotAllowed);
    }
    Ok(credential)
}

/// `credential.getClientExtensionResults().prf`
fn prf_results(credential: &JsValue) -> Result<JsValue, WebAuthnError> {
    let f: Function = get(credential, "getClientExtensionResults")
        .dyn_into()
        .map_err(|_| WebAuthnError::NoPrf)?;
    Ok(get(&f.call0(credential)?, "prf"))
}

/// Whether the device has a platform authenticator that verifies the user.
/// Whether it also has PRF is known only once a credential is made.
pub async fn platform_authenticator_available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let class = get(&window, "PublicKeyCredential");
    let Ok(check) =
        get(&class, "isUserVerifyingPlatformAuthenticatorAvailable").dyn_into::<Function>()
    else {
        return false;
    };
    let Ok(Ok(promise)) = check.call0(&class).map(JsCast::dyn_into::<Promise>) else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A new platform credential for `user`, with PRF.
pub struct Created {
    pub credential_id: Vec<u8>,
    /// The PRF output for the salt, when the authenticator gives it at
    /// creation (otherwise [`prf_output`] gets it).
    pub prf_output: Option<Vec<u8>>,
}

/// Makes a platform credential (user verification required) and asks for
/// PRF. Fails with [`WebAuthnError::NoPrf`] when the authenticator has none.
pub async fn create(
    user: &shared::auth::UserProfile,
    prf_salt: &[u8],
) -> Result<Created, WebAuthnError> {
    let random = |n| random_bytes(n).map_err(|e| WebAuthnError::Other(e.0));
    let rp = object(&[("name", "Barnbesök".into())])?;
    let user = object(&[
        ("id", bytes(user.id.to_string().as_bytes())),
        ("name", user.username.as_str().into()),
        ("displayName", user.display_name.as_str().into()),
    ])?;
    let algorithms = Array::new();
    for alg in [-7, -257] {
        algorithms.push(&object(&[("type", "public-key".into()), ("alg", alg.into())])?.into());
    }
    let selection = object(&[
        ("authenticatorAttachment", "platform".into()),
        ("userVerification", "required".into()),
        ("residentKey", "discouraged".into()),
    ])?;
    let public_key = object(&[
        ("rp", rp.into()),
        ("user", user.into()),
        ("challenge", bytes(&random(32)?)),
        ("pubKeyCredParams", algorithms.into()),
        ("authenticatorSelection", selection.into()),
        ("timeout", TIMEOUT_MS.into()),
        ("attestation", "none".into()),
        ("extensions", prf_extension(prf_salt)?.into()),
    ])?;
    let credential = call("create", &object(&[("publicKey", public_key.into())])?).await?;
    let prf = prf_results(&credential)?;
    if get(&prf, "enabled").as_bool() != Some(true) {
        return Err(WebAuthnError::NoPrf);
    }
    let credential_id = to_vec(&get(&credential, "rawId"))
        .ok_or_else(|| WebAuthnError::Other("inget id".into()))?;
    Ok(Created {
        credential_id,
        prf_output: to_vec(&get(&get(&prf, "results"), "first")),
    })
}

/// The PRF output of `credential_id` for `prf_salt`, after the user passed
/// the authenticator's check.
pub async fn prf_output(credential_id: &[u8], prf_salt: &[u8]) -> Result<Vec<u8>, WebAuthnError> {
    let random = |n| random_bytes(n).map_err(|e| WebAuthnError::Other(e.0));
    let allow =
        Array::of1(&object(&[("type", "public-key".into()), ("id", bytes(credential_id))])?.into());
    let public_key = object(&[
        ("challenge", bytes(&random(32)?)),
        ("allowCredentials", allow.into()),
        ("userVerification", "required".into()),
        ("timeout", TIMEOUT_MS.into()),
        ("extensions", prf_extension(prf_salt)?.into()),
    ])?;
    let credential = call("get", &object(&[("publicKey", public_key.into())])?).await?;
    let output = to_vec(&get(&get(&prf_results(&credential)?, "results"), "first"))
        .ok_or(WebAuthnError::NoPrf)?;
    if output.len() < 32 {
        return Err(WebAuthnError::NoPrf);
    }
    Ok(output)
}
