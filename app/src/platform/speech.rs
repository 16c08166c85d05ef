//! Read-aloud with the Web Speech API, where the device has a voice.

use wasm_bindgen::{JsCast, JsValue};

fn synthesis() -> Option<web_sys::SpeechSynthesis> {
    let window = web_sys::window()?;
    // Older browsers and some kiosk builds have no speech at all: looked up
    // by name, so a missing API is `None` rather than a thrown error.
    let has = |name: &str| {
        js_sys::Reflect::get(&window, &JsValue::from_str(name))
            .is_ok_and(|v| !v.is_undefined() && !v.is_null())
    };
    if !has("speechSynthesis") || !has("SpeechSynthesisUtterance") {
        return None;
    }
    window.speech_synthesis().ok()
}

/// Whether the browser can read text aloud.
pub fn available() -> bool {
    synthesis().is_some()
}

/// Reads `text` aloud in Swedish (a Swedish voice when the device has one),
/// a little slower than usual; stops anything read before.
pub fn speak(text: &str) {
    let Some(speech) = synthesis() else { return };
    let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) else {
        return;
    };
    utterance.set_lang("sv-SE");
    utterance.set_rate(0.9);
    let swedish = speech
        .get_voices()
        .iter()
        .filter_map(|v| v.dyn_into::<web_sys::SpeechSynthesisVoice>().ok())
        .find(|v| v.lang().to_lowercase().starts_with("sv"));
    if let Some(voice) = swedish {
        utterance.set_voice(Some(&voice));
    }
    speech.cancel();
    speech.speak(&utterance);
}

/// Stops reading.
pub fn stop() {
    if let Some(speech) = synthesis() {
        speech.cancel();
    }
}
