//! The browser pieces of the child mode (ui::tools): finger drawing on a
//! canvas, where a pointer is, holding the back button, moving focus.

use crate::tools::{to_grid, Rect};
use shared::conversation::CANVAS;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Line width on the grid: a felt-tip on a tablet-sized canvas.
const LINE_WIDTH: f64 = 9.0;
const INK: &str = "#1d2327";

fn rect_of(element: &web_sys::Element) -> Rect {
    let r = element.get_bounding_client_rect();
    Rect {
        left: r.left(),
        top: r.top(),
        width: r.width(),
        height: r.height(),
    }
}

/// Where the pointer is on the grid of `element` (the canvas or the board).
pub fn grid_point_in(ev: &web_sys::PointerEvent, element: &web_sys::Element) -> [u16; 2] {
    to_grid(
        f64::from(ev.client_x()),
        f64::from(ev.client_y()),
        rect_of(element),
    )
}

/// Where the pointer is on the grid of the element that listens.
pub fn grid_point(ev: &web_sys::PointerEvent) -> Option<[u16; 2]> {
    let target = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
    Some(grid_point_in(ev, &target))
}

/// Keeps sending this pointer's moves to the element that listens, also
/// when the finger slides off it.
pub fn capture_pointer(ev: &web_sys::PointerEvent) {
    if let Some(target) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    {
        let _ = target.set_pointer_capture(ev.pointer_id());
    }
}

fn context(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::CanvasRenderingContext2d> {
    let context = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    context.set_stroke_style_str(INK);
    context.set_fill_style_str(INK);
    context.set_line_width(LINE_WIDTH);
    context.set_line_cap("round");
    context.set_line_join("round");
    Some(context)
}

fn dot(context: &web_sys::CanvasRenderingContext2d, at: [u16; 2]) {
    context.begin_path();
    let _ = context.arc(
        f64::from(at[0]),
        f64::from(at[1]),
        LINE_WIDTH / 2.0,
        0.0,
        std::f64::consts::TAU,
    );
    context.fill();
}

/// Draws one new piece of a stroke: a dot where a finger touched down
/// (`from` is `None`), else a line.
pub fn draw(canvas: &web_sys::HtmlCanvasElement, from: Option<[u16; 2]>, to: [u16; 2]) {
    let Some(context) = context(canvas) else {
        return;
    };
    match from {
        None => dot(&context, to),
        Some(from) => {
            context.begin_path();
            context.move_to(f64::from(from[0]), f64::from(from[1]));
            context.line_to(f64::from(to[0]), f64::from(to[1]));
            context.stroke();
        }
    }
}

/// Clears the canvas and draws `strokes` again (when a house is opened, or
/// after "Sudda").
pub fn redraw(canvas: &web_sys::HtmlCanvasElement, strokes: &[Vec<[u16; 2]>]) {
    let Some(context) = context(canvas) else {
        return;
    };
    let size = f64::from(CANVAS);
    context.clear_rect(0.0, 0.0, size, size);
    for stroke in strokes {
        match stroke.as_slice() {
            [] => {}
            [only] => dot(&context, *only),
            [first, rest @ ..] => {
                context.begin_path();
                context.move_to(f64::from(first[0]), f64::from(first[1]));
                for p in rest {
                    context.line_to(f64::from(p[0]), f64::from(p[1]));
                }
                context.stroke();
            }
        }
    }
}

/// Moves keyboard and screen-reader focus to `element` (a heading with
/// `tabindex="-1"` when a new screen shows).
pub fn focus(element: &web_sys::HtmlElement) {
    let _ = element.focus();
}

/// Moves focus to the element with `id` once the page has drawn it (after
/// the child mode closes, back to where it was opened).
pub fn focus_soon(id: &'static str) {
    gloo_timers::callback::Timeout::new(0, move || {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            element.scroll_into_view();
            let _ = element.focus();
        }
    })
    .forget();
}

/// While alive, the browser's back button (or gesture) stays on the page:
/// an extra history entry for the same address is put back each time it is
/// used. Dropping it removes the entry and stops listening.
pub struct HoldBack {
    listener: Option<Closure<dyn Fn()>>,
}

impl HoldBack {
    pub fn hold() -> Self {
        let Some(window) = web_sys::window() else {
            return Self { listener: None };
        };
        let push = || {
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.push_state_with_url(&JsValue::NULL, "", None);
            }
        };
        push();
        let listener = Closure::<dyn Fn()>::new(push);
        let _ =
            window.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
        Self {
            listener: Some(listener),
        }
    }
}

impl Drop for HoldBack {
    fn drop(&mut self) {
        let (Some(listener), Some(window)) = (self.listener.take(), web_sys::window()) else {
            return;
        };
        let _ = window
            .remove_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
        if let Ok(history) = window.history() {
            let _ = history.back();
        }
    }
}
