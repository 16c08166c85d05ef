//! The built app (Trunk's `dist`): hashed assets cached for a year, everything
//! else revalidated, and `index.html` for the app's own routes.

use crate::error::ApiError;
use crate::routes::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// The router's fallback: every path outside `/api`.
pub async fn serve(State(app): State<AppState>, request: Request) -> Response {
    match serve_inner(&app.static_dir, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn serve_inner(dir: &std::path::Path, request: Request) -> Result<Response, ApiError> {
    // Paths the nested API router does not claim (`/api/`) are still API paths.
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        let mut response = ApiError::NotFound.into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Err(ApiError::MethodNotAllowed);
    }
    let index = dir.join("index.html");
    if !tokio::fs::metadata(&index).await.is_ok_and(|m| m.is_file()) {
        return Err(ApiError::AppNotBuilt);
    }

    let path = request.uri().path().to_owned();
    let file_name = path.rsplit('/').next().unwrap_or_default().to_owned();
    let (parts, _) = request.into_parts();
    let headers = parts.headers.clone();
    let method = parts.method.clone();

    let response = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .try_call(Request::from_parts(parts, Body::empty()))
        .await?;

    let mut response = if response.status() == StatusCode::NOT_FOUND {
        if file_name.contains('.') {
            return Err(ApiError::NotFound);
        }
        // An app route such as `/barn/<id>`: the app routes it in the browser.
        let mut fallback = Request::builder()
            .method(method)
            .uri("/index.html")
            .body(Body::empty())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        *fallback.headers_mut() = headers;
        let mut response = ServeFile::new(&index)
            .precompressed_br()
            .precompressed_gzip()
            .try_call(fallback)
            .await?
            .map(Body::new);
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, NO_CACHE);
        return Ok(response);
    } else {
        response.map(Body::new)
    };

    let cache = if is_content_hashed(&file_name) {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    response.headers_mut().insert(header::CACHE_CONTROL, cache);
    Ok(response)
}

/// Whether a file name carries a Trunk content hash: `-` and the hash in hex,
/// then the end, an extension or a suffix such as `_bg`
/// (`barnbesok-app-4f3c2a1b9d8e7f60_bg.wasm`). Such a file never changes.
/// The hash's length rule is `shared::is_build_hash`.
pub fn is_content_hashed(file_name: &str) -> bool {
    file_name.match_indices('-').any(|(i, _)| {
        let rest = &file_name[i + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        shared::is_build_hash(&rest[..digits])
            && matches!(rest.as_bytes().get(digits), None | Some(b'.' | b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        for name in [
            "barnbesok-app-4f3c2a1b9d8e7f60.js",
            "barnbesok-app-4f3c2a1b9d8e7f60_bg.wasm",
            "style-0123456789abcdef.css",
            "style-0123456789ABCDEF.css",
            "barnbesok-app-d56dbe22315d982.js",
            "barnbesok-app-d56dbe22315d982_bg.wasm",
        ] {
            assert!(is_content_hashed(name), "{name}");
        }
    }

    #[test]
    fn other_names_are_not() {
        for name in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "barnbesok-app.js",
            "style-0123456789a.css",
            "style-0123456789abcdef0.css",
            "style-0123456789abcdeg.css",
            "",
        ] {
            assert!(!is_content_hashed(name), "{name}");
        }
    }
}
