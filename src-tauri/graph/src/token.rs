//! Where long runs get their access token.

use std::future::Future;
use std::pin::Pin;

use crate::secret::Sensitive;

/// Why no token could be had. `message` is shown to the admin and must never contain a token;
/// `retryable` says whether the same run may succeed later without the admin doing anything
/// (a network blip while refreshing) or not (signed out, consent revoked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    pub message: String,
    pub retryable: bool,
}

impl TokenError {
    pub fn new(message: impl Into<String>, retryable: bool) -> Self {
        Self {
            message: message.into(),
            retryable,
        }
    }
}

/// The future [`TokenSource::token`] answers.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Sensitive<String>, TokenError>> + Send + 'a>>;

/// Hands out an access token for the tenant, refreshing it when it is close to expiry.
///
/// The batch executor asks once per `$batch` it sends, so a run that lasts longer than one
/// token's lifetime keeps going. An implementation should answer fast when its current token is
/// still good (it is called many times a second) and must not hold a lock across the refresh
/// that other callers need. A fixed `Sensitive<String>` is a source too (tests, short commands).
pub trait TokenSource: Send + Sync {
    fn token(&self) -> TokenFuture<'_>;
}

impl TokenSource for Sensitive<String> {
    fn token(&self) -> TokenFuture<'_> {
        let token = self.clone();
        Box::pin(async move { Ok(token) })
    }
}
