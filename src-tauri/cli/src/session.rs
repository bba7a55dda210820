//! What every command shares: the api's context, the one way a failure is printed, the hint
//! that names the login command, the async runtime and JSON output.
//!
//! A failure is a [`botdeck_api::ApiError`], the same value the window gets. With `--json` it
//! is printed on stdout exactly as the api serialises it (`{code, message, retryable}`, and
//! `actionUrl` when there is one); otherwise as `botdeck: <message>` on stderr. The exit code
//! is always [`ApiError::exit_code`].

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_api::{Context, OpenOptions};
use botdeck_core::auth::Feature;
use botdeck_core::config::DataPaths;

/// Set once at start when the command line asks for `--json`: errors are then printed to
/// stdout as the api's error object.
static JSON_ERRORS: AtomicBool = AtomicBool::new(false);

pub fn set_json_errors(on: bool) {
    JSON_ERRORS.store(on, Ordering::Relaxed);
}

/// Prints `err` the one way every command does and answers its exit code.
pub fn report(err: &ApiError) -> ExitCode {
    if JSON_ERRORS.load(Ordering::Relaxed) {
        match serde_json::to_string(err) {
            Ok(text) => println!("{text}"),
            // Cannot happen for this plain struct; the message still reaches the admin.
            Err(_) => eprintln!("botdeck: {}", err.message),
        }
    } else {
        eprintln!("botdeck: {}", err.message);
    }
    ExitCode::from(err.exit_code())
}

/// The context every command works in (store, keyring, HTTP, the one-job lease shared with the
/// window). What opening found (a repaired cache...) goes to stderr: stdout is for results.
pub fn open(paths: &DataPaths) -> Context {
    let cx = Context::open(paths.clone(), OpenOptions::command_line());
    for notice in cx.notices() {
        eprintln!("botdeck: {}. {}", notice.title, notice.message);
    }
    cx
}

/// Adds "Run: botdeck login --profile X --feature Y" to an error a new sign-in fixes (not
/// signed in, expired, missing scopes). Admin consent is given on a page, not by a login, so
/// a consent error with its page is left as it is.
pub fn with_login_hint(
    cx: &Context,
    mut err: ApiError,
    profile: Option<&str>,
    feature: Feature,
) -> ApiError {
    let fixable = err.code == ErrorCode::SignInRequired
        || (err.code == ErrorCode::ConsentRequired && err.action_url.is_none());
    if !fixable {
        return err;
    }
    let command = match cx.profile(profile) {
        Ok(found) => login_command(&found.name, feature),
        Err(_) => "botdeck login --profile NAME --tenant TENANT --client-id GUID".to_string(),
    };
    err.message = format!("{}. Run: {command}", err.message.trim_end_matches('.'));
    err
}

/// `botdeck login --profile 'Contoso (demo)' --feature install`.
pub fn login_command(profile: &str, feature: Feature) -> String {
    let feature = match feature {
        Feature::ReadTenant => "read-tenant",
        Feature::Publish => "publish",
        Feature::Install => "install",
        Feature::ReviewPermissions => "review-permissions",
        Feature::RevokePermissions => "revoke-permissions",
        Feature::CheckLinkEvidence => "check-link-evidence",
        Feature::ReachMembers => "reach-members",
        Feature::UpdateBot => "update-bot",
    };
    let plain = !profile.is_empty()
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    let quoted = if plain {
        profile.to_string()
    } else {
        format!("'{}'", profile.replace('\'', "'\\''"))
    };
    format!("botdeck login --profile {quoted} --feature {feature}")
}

pub fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ApiError::internal(format!("cannot start the async runtime: {e}")))
}

pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError::internal(format!("cannot encode the result: {e}")))?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_hint_is_added_to_what_a_sign_in_fixes_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let cx = Context::open(DataPaths::under(dir.path()), OpenOptions::command_line());
        let err = with_login_hint(
            &cx,
            ApiError::new(ErrorCode::SignInRequired, "not signed in."),
            None,
            Feature::Install,
        );
        assert_eq!(
            err.message,
            "not signed in. Run: botdeck login --profile NAME --tenant TENANT --client-id GUID"
        );
        let consent = ApiError::new(ErrorCode::ConsentRequired, "an admin must consent")
            .with_action_url("https://login.microsoftonline.com/x/adminconsent");
        assert_eq!(
            with_login_hint(&cx, consent.clone(), None, Feature::Install),
            consent,
            "admin consent is given on its page"
        );
        let offline = ApiError::new(ErrorCode::Offline, "down").retryable();
        assert_eq!(
            with_login_hint(&cx, offline.clone(), None, Feature::Install),
            offline
        );
    }

    #[test]
    fn a_profile_name_with_a_quote_stays_one_shell_word() {
        assert_eq!(
            login_command("Bob's", Feature::ReadTenant),
            "botdeck login --profile 'Bob'\\''s' --feature read-tenant"
        );
    }

    #[test]
    fn every_named_command_is_one_the_login_command_accepts() {
        use clap::ValueEnum;
        for feature in [
            Feature::ReadTenant,
            Feature::Publish,
            Feature::Install,
            Feature::ReviewPermissions,
            Feature::RevokePermissions,
            Feature::CheckLinkEvidence,
            Feature::ReachMembers,
            Feature::UpdateBot,
        ] {
            let command = login_command("prod", feature);
            let name = command.rsplit(' ').next().unwrap_or_default();
            let parsed = crate::login_cmd::FeatureArg::from_str(name, false)
                .unwrap_or_else(|e| panic!("{command}: {e}"));
            assert_eq!(Feature::from(parsed), feature, "{command}");
        }
    }
}
