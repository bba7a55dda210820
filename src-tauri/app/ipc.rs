//! Arguments are parsed here, not by Tauri's macro, so that a malformed payload becomes our
//! typed `ApiError` (`invalid_request`) instead of a bare string the UI cannot branch on.

use botdeck_api::error::ApiError;
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

/// A progress channel argument (`onProgress`, `onEvent`). Tauri's own `Channel` answers a
/// missing or malformed one with a bare string; this one with the typed `invalid_request`,
/// like any other bad field.
pub struct Channel<T = tauri::ipc::InvokeResponseBody>(tauri::ipc::Channel<T>);

impl<T> std::ops::Deref for Channel<T> {
    type Target = tauri::ipc::Channel<T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de, R: tauri::Runtime, T> tauri::ipc::CommandArg<'de, R> for Channel<T> {
    fn from_command(
        command: tauri::ipc::CommandItem<'de, R>,
    ) -> Result<Self, tauri::ipc::InvokeError> {
        let key = command.key;
        tauri::ipc::Channel::<T>::from_command(command)
            .map(Channel)
            .map_err(|err| {
                let detail = match err.0 {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                tauri::ipc::InvokeError::from(ApiError::invalid_request(format!(
                    "malformed request: `{key}` must be the window's progress channel ({detail})"
                )))
            })
    }
}
