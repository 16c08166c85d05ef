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

fn voices() -> Vec<web_sys::SpeechSynthesisVoice> {
    synthesis().map_or_else(Vec::new, |speech| {
        speech
            .get_voices()
            .iter()
            // A voice is only read by its attributes (`lang`), so no
            // `instanceof` check is needed.
            .map(JsCast::unchecked_into::<web_sys::SpeechSynthesisVoice>)
            .collect()
    })
}

fn voice_for(language: &str) -> Option<web_sys::SpeechSynthesisVoice> {
    voices()
        .into_iter()
        .find(|v| crate::language::voice_matches(&v.lang(), language))
}

/// Whether the device has a voice for `language` (a tag such as `sv`).
/// Browsers load their voices after the page: ask again on
/// [`on_voices_changed`].
pub fn has_voice(language: &str) -> bool {
    voice_for(language).is_some()
}

/// Calls `f` when the device's list of voices changes (it arrives late).
pub fn on_voices_changed(f: impl Fn() + 'static) {
    use wasm_bindgen::closure::Closure;
    let Some(speech) = synthesis() else { return };
    let callback = Closure::<dyn Fn()>::new(f);
    let _ =
        speech.add_event_listener_with_callback("voiceschanged", callback.as_ref().unchecked_ref());
    // Lives as long as the page: the listener is never removed.
    callback.forget();
}

/// Reads `text` aloud in `language` with a voice of that language, a little
/// slower than usual; stops anything read before.
pub fn speak_in(text: &str, language: &str) {
    let Some(speech) = synthesis() else { return };
    let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) else {
        return;
    };
    utterance.set_lang(language);
    utterance.set_rate(0.9);
    if let Some(voice) = voice_for(language) {
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
