//! The PIN's key derivation (Argon2id, `lock::PinKdf`) timed in a real
//! browser: `scripts/bench-kdf.sh` prints the table. Not part of the test
//! command and no assertion on time: it measures, docs/security.md uses
//! the figures.
#![cfg(target_arch = "wasm32")]

use app::lock::{PinKdf, ARGON2_MEMORY_KIB, ARGON2_TIME_COST, SALT_BYTES};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const RUNS: usize = 5;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[wasm_bindgen_test]
fn argon2id_derivation_time() {
    let mut table = format!(
        "\nArgon2id in WebAssembly ({}; {RUNS} runs each)\n\
         | memory | time cost | median ms | min ms | max ms |\n\
         |-------:|----------:|----------:|-------:|-------:|\n",
        web_sys::window()
            .and_then(|w| w.navigator().user_agent().ok())
            .unwrap_or_default()
    );
    for time_cost in 1..=ARGON2_TIME_COST + 1 {
        let kdf = PinKdf {
            time_cost,
            ..PinKdf::new(vec![9; SALT_BYTES])
        };
        let mut ms: Vec<f64> = (0..RUNS)
            .map(|_| {
                let start = now_ms();
                kdf.derive("48291375").expect("derive");
                now_ms() - start
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        let marker = if time_cost == ARGON2_TIME_COST {
            " (the app's)"
        } else {
            ""
        };
        table.push_str(&format!(
            "| {} MiB | {time_cost}{marker} | {:.0} | {:.0} | {:.0} |\n",
            ARGON2_MEMORY_KIB / 1024,
            ms[RUNS / 2],
            ms[0],
            ms[RUNS - 1]
        ));
    }
    console_log!("{table}");
}
