//! The wrapper every access token travels in.

use std::fmt;

/// A value that must never be printed, logged, serialised or sent over IPC.
///
/// It implements neither `Serialize` nor `Display`-as-content: wrapping a token in it makes
/// every accidental route out of the process a compile error or a `***`. It lives in the Graph
/// crate because a token's one legitimate use is a request's `Authorization` header; core's
/// keyring code re-exports it.
pub struct Sensitive<T: zeroize::Zeroize>(T);

impl<T: zeroize::Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The one door to the value; grep for it when auditing where secrets go.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: zeroize::Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T: zeroize::Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T: zeroize::Zeroize + Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: zeroize::Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}
