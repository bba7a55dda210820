//! Graph's error body (`{"error": {"code", "message", "innerError", "details"}}`), read when an
//! answer's details matter beyond its code and message: the catalog's manifest refusals.

use serde::Deserialize;
use serde_json::Value;

use super::{parse, Resource};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Graph spells it `innerError`; some workloads answer `innererror`.
    #[serde(default, alias = "innererror")]
    pub inner_error: Option<InnerError>,
    #[serde(default)]
    pub details: Vec<ErrorDetailItem>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InnerError {
    #[serde(default)]
    pub code: Option<String>,
    /// The Teams catalog puts manifest problems here on some answers.
    #[serde(default)]
    pub details: Vec<ErrorDetailItem>,
}

/// One problem of a refused request (`{code, message, target}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorDetailItem {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Where: a manifest path such as `bots[0].botId` or `/bots/0/botId`.
    #[serde(default)]
    pub target: Option<String>,
}

impl ErrorBody {
    /// The inner code (`UnableToParseTeamsAppManifest`), which says more than the outer one.
    pub fn inner_code(&self) -> Option<&str> {
        self.error
            .inner_error
            .as_ref()
            .and_then(|i| i.code.as_deref())
    }

    /// `details`, or the inner error's when the outer list is empty.
    pub fn details(&self) -> &[ErrorDetailItem] {
        if !self.error.details.is_empty() {
            return &self.error.details;
        }
        self.error
            .inner_error
            .as_ref()
            .map(|i| i.details.as_slice())
            .unwrap_or_default()
    }
}

/// Graph's `error.code` and `error.message` in a failed answer's body, empty where the body has
/// none (or is not Graph's error shape): what a typed `GraphError::Http` carries.
pub fn code_and_message(body: Option<&Value>) -> (String, String) {
    let error = body
        .and_then(|b| parse::<ErrorBody>(b).ok())
        .map(|b| b.error);
    let code = error
        .as_ref()
        .and_then(|e| e.code.clone())
        .unwrap_or_default();
    let message = error.and_then(|e| e.message).unwrap_or_default();
    (code, message)
}

impl Resource for ErrorBody {
    const ONE: &'static str = "an error";
    const PAGE: &'static str = "a page of errors";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::parse;
    use serde_json::json;

    #[test]
    fn inner_code_and_details_are_read_in_either_spelling_and_place() {
        let outer: ErrorBody = parse(&json!({"error": {
            "code": "BadRequest", "message": "m",
            "innerError": {"code": "UnableToParseTeamsAppManifest", "request-id": "r"},
            "details": [{"code": "InvalidBotId", "message": "bad", "target": "bots[0].botId"}]
        }}))
        .expect("error");
        assert_eq!(outer.inner_code(), Some("UnableToParseTeamsAppManifest"));
        assert_eq!(outer.details()[0].target.as_deref(), Some("bots[0].botId"));
        let inner: ErrorBody = parse(&json!({"error": {
            "innererror": {"code": "UnableToParseTeamsAppManifest",
                "details": [{"code": "X", "message": "y"}]}
        }}))
        .expect("error");
        assert_eq!(inner.inner_code(), Some("UnableToParseTeamsAppManifest"));
        assert_eq!(inner.details().len(), 1);
    }

    #[test]
    fn code_and_message_are_empty_when_the_body_is_not_an_error() {
        let body = json!({"error": {"code": "Forbidden", "message": "no"}});
        assert_eq!(
            code_and_message(Some(&body)),
            ("Forbidden".to_string(), "no".to_string())
        );
        for other in [None, Some(json!({"error": "x"})), Some(json!([1]))] {
            assert_eq!(
                code_and_message(other.as_ref()),
                (String::new(), String::new())
            );
        }
    }

    #[test]
    fn a_body_that_is_not_an_error_is_a_typed_error() {
        for bad in [
            json!({"id": "app"}),
            json!({"error": "Forbidden"}),
            json!({"error": {"code": 403}}),
            json!({"error": {"details": {"code": "x"}}}),
            json!({"error": {"innerError": {"details": [{"target": 3}]}}}),
        ] {
            let err = parse::<ErrorBody>(&bad).expect_err("not an error body");
            assert_eq!(err.resource, "an error", "{bad}");
        }
    }
}
