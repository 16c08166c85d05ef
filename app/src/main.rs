#[cfg(target_arch = "wasm32")]
fn main() {
    app::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "barnbesok-app is a WebAssembly front end: build it with `trunk build` (see README.md)."
    );
}
