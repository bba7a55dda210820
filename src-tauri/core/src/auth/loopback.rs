//! The browser sign-in's redirect target: RFC 8252 loopback on 127.0.0.1, an ephemeral port,
//! exactly one request, then the port is closed.
//!
//! One GET with a query string is all this has to understand, so it reads the request line
//! itself instead of standing up an HTTP server framework for a single request.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::AuthError;
use crate::secrets::Sensitive;

const MAX_REQUEST_HEAD: usize = 16 * 1024;

pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
}

/// What came back on the redirect.
pub enum Redirect {
    Code(Sensitive<String>),
    /// Entra sent `error=...` (e.g. the user cancelled on the consent page).
    Error {
        error: String,
        description: Option<String>,
    },
}

impl LoopbackListener {
    pub async fn bind() -> Result<Self, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| AuthError::Protocol(format!("cannot open a loopback port: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::Protocol(format!("loopback port: {e}")))?
            .port();
        Ok(Self { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Serves one request. The listener is consumed: when this returns, the port is closed,
    /// whatever the outcome, so a second request (or a replay) finds nothing listening.
    pub async fn accept_one(
        self,
        expected_state: &str,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<Redirect, AuthError> {
        let accepted = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(AuthError::Cancelled),
            _ = tokio::time::sleep(timeout) => return Err(AuthError::BrowserTimeout(timeout.as_secs())),
            accepted = self.listener.accept() => accepted,
        };
        drop(self.listener);
        let (mut socket, _) =
            accepted.map_err(|e| AuthError::Protocol(format!("loopback accept: {e}")))?;

        let head = tokio::time::timeout(Duration::from_secs(10), read_head(&mut socket))
            .await
            .map_err(|_| AuthError::Protocol("the browser sent an incomplete request".into()))??;
        let outcome = interpret(&head, expected_state);
        let (status, title, text) = match &outcome {
            Ok(Redirect::Code(_)) => (
                "200 OK",
                "Signed in",
                "BotDeck is signed in. You can close this tab.",
            ),
            Ok(Redirect::Error { .. }) => (
                "200 OK",
                "Sign-in not completed",
                "The sign-in was not completed. Return to BotDeck for details.",
            ),
            Err(_) => (
                "400 Bad Request",
                "Sign-in rejected",
                "This answer did not match BotDeck's sign-in and was ignored. Return to BotDeck.",
            ),
        };
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
        );
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // The browser may have gone; the sign-in outcome does not depend on it seeing this page.
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
        outcome
    }
}

async fn read_head(socket: &mut tokio::net::TcpStream) -> Result<String, AuthError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = socket
            .read(&mut chunk)
            .await
            .map_err(|e| AuthError::Protocol(format!("loopback read: {e}")))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > MAX_REQUEST_HEAD {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn interpret(head: &str, expected_state: &str) -> Result<Redirect, AuthError> {
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else {
        return Err(AuthError::Protocol(
            "the redirect was not a GET request".into(),
        ));
    };
    let url = url::Url::parse(&format!("http://127.0.0.1{target}"))
        .map_err(|_| AuthError::Protocol("the redirect URL is malformed".into()))?;
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }
    // The state check comes first: an answer for another sign-in is ignored even if it
    // carries a code or an error.
    if state.as_deref() != Some(expected_state) {
        return Err(AuthError::StateMismatch);
    }
    match (code, error) {
        (_, Some(error)) => Ok(Redirect::Error { error, description }),
        (Some(code), None) if !code.is_empty() => Ok(Redirect::Code(Sensitive::new(code))),
        _ => Err(AuthError::Protocol(
            "the redirect carried neither a code nor an error".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_are_interpreted_strictly() {
        let ok = interpret("GET /?code=abc&state=s1 HTTP/1.1\r\nHost: x\r\n\r\n", "s1");
        assert!(matches!(ok, Ok(Redirect::Code(c)) if c.expose() == "abc"));
        assert!(matches!(
            interpret("GET /?code=abc&state=other HTTP/1.1\r\n\r\n", "s1"),
            Err(AuthError::StateMismatch)
        ));
        assert!(matches!(
            interpret("GET /?code=abc HTTP/1.1\r\n\r\n", "s1"),
            Err(AuthError::StateMismatch)
        ));
        assert!(matches!(
            interpret("GET /?error=access_denied&error_description=no&state=s1 HTTP/1.1\r\n\r\n", "s1"),
            Ok(Redirect::Error { error, .. }) if error == "access_denied"
        ));
        assert!(matches!(
            interpret("POST / HTTP/1.1\r\n\r\n", "s1"),
            Err(AuthError::Protocol(_))
        ));
        assert!(matches!(interpret("", "s1"), Err(AuthError::Protocol(_))));
        assert!(matches!(
            interpret("GET /?state=s1 HTTP/1.1\r\n\r\n", "s1"),
            Err(AuthError::Protocol(_))
        ));
    }
}
