//! Arguments are parsed here, not by Tauri's macro, so that a malformed payload becomes our
//! typed `ApiError` (`invalid_request`) instead of a bare string the UI cannot branch on.

use botdeck_core::error::ApiError;
use serde::de::DeserializeOwned;
use tauri::ipc::{InvokeBody, Request};

pub fn parse_args<T: DeserializeOwned>(request: &Request<'_>) -> Result<T, ApiError> {
    match request.body() {
        InvokeBody::Json(value) => serde_json::from_value(value.clone())
            .map_err(|err| ApiError::invalid_request(format!("malformed request: {err}"))),
        InvokeBody::Raw(_) => Err(ApiError::invalid_request(
            "malformed request: expected a JSON object, got raw bytes",
        )),
    }
}
