//! `botdeck login | logout | status | profile ...`.

use std::process::ExitCode;

use botdeck_core::auth::{self, Authenticator, DeviceCodePrompt, Feature, TokioSleeper};
use botdeck_core::config::{Cloud, DataPaths};
use botdeck_core::profiles::{NewProfile, Profile, Profiles};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::exit;
use crate::session::{self, CliError};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("method").args(["device_code", "browser"])))]
pub struct LoginArgs {
    /// Sign in by entering a code at microsoft.com/devicelogin (default).
    #[arg(long)]
    device_code: bool,
    /// Sign in in the system browser (authorization code + PKCE, loopback redirect).
    #[arg(long)]
    browser: bool,
    /// Profile to sign in; created when it does not exist yet.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Tenant id or verified domain (needed to create a profile).
    #[arg(long, value_name = "TENANT")]
    tenant: Option<String>,
    /// global, usgov-high, usgov-dod or china.
    #[arg(long, value_name = "CLOUD", conflicts_with_all = ["authority_host", "graph_url"])]
    cloud: Option<String>,
    /// Custom authority host (with --graph-url), e.g. a tenant-sim URL.
    #[arg(long, value_name = "URL", requires = "graph_url")]
    authority_host: Option<String>,
    /// Custom Graph base URL, e.g. http://127.0.0.1:PORT/v1.0.
    #[arg(long, value_name = "URL", requires = "authority_host")]
    graph_url: Option<String>,
    /// Application (client) id of your public-client app registration.
    #[arg(long, env = "BOTDECK_CLIENT_ID", value_name = "GUID")]
    client_id: Option<String>,
    /// Which feature's permissions to ask for (incremental consent).
    #[arg(long, value_enum, default_value = "read-tenant")]
    feature: FeatureArg,
    /// Apply a different --client-id, --cloud, --authority-host or --graph-url to an existing
    /// profile (it is signed out first). Without it a different value is refused.
    #[arg(long)]
    update_profile: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FeatureArg {
    ReadTenant,
    Publish,
    Install,
    ReviewPermissions,
    RevokePermissions,
    CheckLinkEvidence,
    ReachMembers,
    /// Publish, upgrade and check permissions in one sign-in.
    UpdateBot,
}

impl From<FeatureArg> for Feature {
    fn from(f: FeatureArg) -> Self {
        match f {
            FeatureArg::ReadTenant => Feature::ReadTenant,
            FeatureArg::Publish => Feature::Publish,
            FeatureArg::Install => Feature::Install,
            FeatureArg::ReviewPermissions => Feature::ReviewPermissions,
            FeatureArg::RevokePermissions => Feature::RevokePermissions,
            FeatureArg::CheckLinkEvidence => Feature::CheckLinkEvidence,
            FeatureArg::ReachMembers => Feature::ReachMembers,
            FeatureArg::UpdateBot => Feature::UpdateBot,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ProfileSelect {
    /// Profile name or id (default: the one used last).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    select: ProfileSelect,
    /// Also ask the tenant: refresh the token if needed and re-read who is signed in.
    #[arg(long)]
    online: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// List profiles.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Make NAME the current profile.
    Use { name: String },
    /// Delete NAME, its cached identity and its tokens.
    Remove { name: String },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    profile: &'a str,
    tenant: &'a str,
    cloud: &'a str,
    signed_in: bool,
    account: Option<&'a str>,
    tenant_name: Option<&'a str>,
    tenant_id: Option<&'a str>,
    directory_roles: &'a [String],
    /// True when the roles could not be read at sign-in.
    directory_roles_unknown: bool,
    scopes: &'a [String],
    token_expires_at: Option<String>,
}

fn status_of<'a>(profile: &'a Profile, has_tokens: bool) -> Status<'a> {
    let identity = profile.identity.as_ref();
    Status {
        profile: &profile.name,
        tenant: &profile.tenant,
        cloud: profile.cloud.display_name(),
        signed_in: has_tokens && identity.is_some(),
        account: identity.map(|i| i.account_upn.as_str()),
        tenant_name: identity.map(|i| i.tenant_name.as_str()),
        tenant_id: identity.map(|i| i.tenant_id.as_str()),
        directory_roles: identity
            .map(|i| i.directory_roles.as_slice())
            .unwrap_or(&[]),
        directory_roles_unknown: identity.is_some_and(|i| i.directory_roles_unknown),
        scopes: &profile.granted_scopes,
        token_expires_at: profile.token_expires_at.map(|t| t.to_rfc3339()),
    }
}

fn print_status(status: &Status<'_>) {
    println!(
        "Profile:  {} ({}, {})",
        status.profile, status.tenant, status.cloud
    );
    if !status.signed_in {
        println!("Signed in: no");
        return;
    }
    println!("Account:  {}", status.account.unwrap_or("?"));
    println!(
        "Tenant:   {} ({})",
        status.tenant_name.unwrap_or("?"),
        status.tenant_id.unwrap_or("?")
    );
    if status.directory_roles_unknown {
        println!("Roles:    unknown (they could not be read at sign-in)");
    } else if !status.directory_roles.is_empty() {
        println!("Roles:    {}", status.directory_roles.join(", "));
    }
    println!("Scopes:   {}", status.scopes.join(" "));
    if let Some(at) = &status.token_expires_at {
        println!("Token:    expires {at} (refreshed automatically)");
    }
}

/// The cloud the flags ask for, if any: checked here, before any keyring or network work.
fn cloud_from_flags(args: &LoginArgs) -> Result<Option<Cloud>, CliError> {
    match (&args.authority_host, &args.graph_url, &args.cloud) {
        (Some(authority), Some(graph), _) => Cloud::custom(authority, graph)
            .map(Some)
            .map_err(|e| CliError::usage(format!("--authority-host / --graph-url: {e}"))),
        (_, _, Some(name)) => Cloud::parse(name)
            .map(Some)
            .map_err(|e| CliError::usage(format!("--cloud: {e}"))),
        _ => Ok(None),
    }
}

/// Every flag value, before the store, the keyring or the network is touched.
fn validate_login_flags(args: &LoginArgs) -> Result<Option<Cloud>, CliError> {
    if let Some(name) = &args.profile {
        if name.trim().is_empty() || name.chars().count() > 64 {
            return Err(CliError::usage("--profile: 1 to 64 characters"));
        }
    }
    if let Some(client_id) = &args.client_id {
        if uuid::Uuid::try_parse(client_id.trim()).is_err() {
            return Err(CliError::usage(format!(
                "--client-id {client_id:?}: expected your app registration's application (client) id, a GUID"
            )));
        }
    }
    if let Some(tenant) = &args.tenant {
        let probe = NewProfile {
            name: "probe".into(),
            tenant: tenant.clone(),
            cloud: Cloud::Global,
            client_id: "00000000-0000-0000-0000-000000000000".into(),
        };
        probe
            .validate()
            .map_err(|e| CliError::usage(format!("--tenant: {e}")))?;
    }
    cloud_from_flags(args)
}

/// What an existing profile would have to change to match the flags, as `--flag` names.
fn changed_settings(
    profile: &Profile,
    args: &LoginArgs,
    cloud: Option<&Cloud>,
) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if args
        .client_id
        .as_deref()
        .is_some_and(|c| !c.trim().eq_ignore_ascii_case(&profile.client_id))
    {
        changed.push("--client-id");
    }
    if let Some(cloud) = cloud {
        if *cloud != profile.cloud {
            let (want, have) = (cloud.endpoints(), profile.cloud.endpoints());
            if args.cloud.is_some() {
                changed.push("--cloud");
            } else {
                if want.authority_host != have.authority_host {
                    changed.push("--authority-host");
                }
                if want.graph_base_url != have.graph_base_url {
                    changed.push("--graph-url");
                }
                if changed.is_empty() {
                    changed.push("--authority-host");
                }
            }
        }
    }
    changed
}

/// The profile to sign in, and whether it was created by this command (a refused sign-in then
/// removes it again, so no half-made profile is left behind).
fn profile_for_login(
    paths: &DataPaths,
    args: &LoginArgs,
) -> Result<(botdeck_core::store::Store, Profile, bool), CliError> {
    let cloud = validate_login_flags(args)?;
    let store = session::open_store(paths)?;
    let profiles = Profiles::new(&store);
    let existing = match &args.profile {
        Some(name) => profiles.find_by_name(name)?,
        None => profiles.current()?,
    };
    if let Some(profile) = existing {
        if args
            .tenant
            .as_deref()
            .is_some_and(|t| !t.trim().eq_ignore_ascii_case(&profile.tenant))
        {
            return Err(CliError::usage(format!(
                "--tenant: profile {:?} is for tenant {}; choose another --profile name for a different tenant",
                profile.name, profile.tenant
            )));
        }
        let changed = changed_settings(&profile, args, cloud.as_ref());
        if changed.is_empty() {
            return Ok((store, profile, false));
        }
        if !args.update_profile {
            return Err(CliError::usage(format!(
                "{}: profile {:?} is set up differently; add --update-profile to change it (it is signed out first), or choose another --profile name",
                changed.join(", "),
                profile.name
            )));
        }
        profiles.clear_identity(&profile.id)?;
        if let Some(client_id) = &args.client_id {
            profiles.update_client_id(&profile.id, client_id)?;
        }
        if let Some(cloud) = &cloud {
            profiles.update_cloud(&profile.id, cloud)?;
        }
        let profile = profiles.get(&profile.id)?;
        eprintln!(
            "Updated profile {:?}: {}.",
            profile.name,
            changed.join(", ")
        );
        // Tokens of the old client or cloud are of no use to the new settings.
        Authenticator::new(session::http_client()?)
            .and_then(|a| a.sign_out(&profile.id))
            .map_err(|e| {
                CliError::failed(format!(
                    "the profile was updated, but its old sign-in could not be removed: {e}"
                ))
            })?;
        return Ok((store, profile, false));
    }
    let name = args.profile.clone().unwrap_or_else(|| "default".into());
    let tenant = args.tenant.clone().ok_or_else(|| {
        CliError::usage(format!(
            "--tenant: profile {name:?} does not exist yet: give --tenant (id or domain)"
        ))
    })?;
    let client_id = args
        .client_id
        .clone()
        .ok_or_else(|| CliError::usage("--client-id: give --client-id (or BOTDECK_CLIENT_ID): your app registration's application id; see the README"))?;
    let profile = profiles.create(
        &NewProfile {
            name,
            tenant,
            cloud: cloud.unwrap_or(Cloud::Global),
            client_id,
        },
        false,
    )?;
    Ok((store, profile, true))
}

fn open_in_browser(url: &str) -> Result<(), auth::BrowserOpenError> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| std::io::Error::new(e.kind(), format!("{opener}: {e}")).into())
}

pub fn login(paths: &DataPaths, args: LoginArgs) -> ExitCode {
    match login_inner(paths, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => err.report(),
    }
}

fn login_inner(paths: &DataPaths, args: &LoginArgs) -> Result<(), CliError> {
    let (store, profile, created) = profile_for_login(paths, args)?;
    let result = sign_in(&store, &profile, args);
    if result.is_err() && created {
        // A refused or abandoned sign-in leaves nothing behind: the profile was made for it.
        if let Err(err) = Profiles::new(&store).delete(&profile.id) {
            tracing::warn!(%err, "cannot remove the profile of a refused sign-in");
        }
    }
    result
}

fn sign_in(
    store: &botdeck_core::store::Store,
    profile: &Profile,
    args: &LoginArgs,
) -> Result<(), CliError> {
    let runtime = session::runtime()?;
    let auth = Authenticator::new(session::http_client()?)?;
    let feature = Feature::from(args.feature);
    let cancel = CancellationToken::new();
    let signed_in = runtime.block_on(async {
        let watcher = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                watcher.cancel();
            }
        });
        if args.browser {
            eprintln!("Opening the sign-in page in your browser…");
            let open = |url: &str| {
                eprintln!("If it does not open, visit: {url}");
                open_in_browser(url)
            };
            auth.sign_in_browser(profile, feature, &open, auth::BROWSER_TIMEOUT, &cancel)
                .await
        } else {
            let grant = auth.start_device_code(profile, feature).await?;
            let prompt = DeviceCodePrompt::from(&grant);
            // stderr: stdout is reserved for the result (JSON with --json).
            eprintln!(
                "To sign in, open {} and enter the code {} (valid {}).",
                prompt.verification_uri,
                prompt.user_code,
                prompt.validity()
            );
            auth.finish_device_code(profile, &grant, &cancel, &TokioSleeper)
                .await
                .map(|(signed_in, _)| signed_in)
        }
    })?;
    let profile = auth::record_sign_in(store, &profile.id, &signed_in)?;
    let status = status_of(&profile, true);
    if args.json {
        session::print_json(&status)?;
    } else {
        println!(
            "Signed in to {} as {}.",
            signed_in.identity.tenant_name, signed_in.identity.account_upn
        );
        if signed_in.identity.directory_roles_unknown {
            println!("Note: {}", auth::ROLES_UNKNOWN_NOTICE);
        } else {
            for feature in [Feature::Publish, Feature::Install] {
                if let Some(advice) =
                    auth::role_advice(feature, &signed_in.identity.directory_roles)
                {
                    println!("Note: {advice}");
                }
            }
        }
    }
    Ok(())
}

pub fn logout(paths: &DataPaths, args: ProfileSelect) -> ExitCode {
    let result = (|| -> Result<String, CliError> {
        let store = session::open_store(paths)?;
        let profile = session::resolve_profile(&store, args.profile.as_deref())?;
        let auth = Authenticator::new(session::http_client()?)?;
        auth.sign_out(&profile.id)?;
        Profiles::new(&store).clear_identity(&profile.id)?;
        Ok(profile.name)
    })();
    match result {
        Ok(name) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"profile": name, "signedIn": false})
                );
            } else {
                println!("Signed out of {name}. Tokens already issued stay valid until they expire (at most about an hour).");
            }
            ExitCode::SUCCESS
        }
        Err(err) => err.report(),
    }
}

pub fn status(paths: &DataPaths, status_args: StatusArgs) -> ExitCode {
    let args = status_args.select;
    let online = status_args.online;
    let result = (|| -> Result<bool, CliError> {
        let store = session::open_store(paths)?;
        let mut profile = session::resolve_profile(&store, args.profile.as_deref())?;
        if online {
            let http = session::http_client()?;
            let auth = Authenticator::new(http.clone())?;
            let identity = session::runtime()?.block_on(async {
                let (token, refreshed) = auth.access_token(&profile, Feature::ReadTenant).await?;
                if let Some(tokens) = refreshed {
                    auth::record_refresh(&store, &profile.id, &tokens)?;
                }
                auth::whoami(&auth::graph_of(&http, &profile), &token)
                    .await
                    .map_err(|e| CliError::failed(e.to_string()))
            })?;
            Profiles::new(&store).record_identity(&profile.id, &identity)?;
            profile = Profiles::new(&store).get(&profile.id)?;
        }
        // The keyring is consulted for presence only; the token itself is never shown. A
        // profile nobody signed in to needs no keyring to say so.
        let has_tokens = profile.identity.is_some()
            && Authenticator::new(session::http_client()?)
                .and_then(|a| a.has_tokens(&profile.id))
                .map_err(CliError::from)?;
        let status = status_of(&profile, has_tokens);
        if args.json {
            session::print_json(&status)?;
        } else {
            print_status(&status);
        }
        Ok(status.signed_in)
    })();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(exit::FINDINGS),
        Err(err) => err.report(),
    }
}

pub fn profile(paths: &DataPaths, command: ProfileCommand) -> ExitCode {
    let result = (|| -> Result<(), CliError> {
        let store = session::open_store(paths)?;
        let profiles = Profiles::new(&store);
        match command {
            ProfileCommand::List { json } => {
                let list = profiles.list()?;
                let current = profiles.current()?.map(|p| p.id);
                if json {
                    session::print_json(&list)?;
                } else if list.is_empty() {
                    println!("No profiles yet. Create one with `botdeck login --profile NAME --tenant ...`.");
                } else {
                    for p in &list {
                        let mark = if current.as_deref() == Some(p.id.as_str()) {
                            "*"
                        } else {
                            " "
                        };
                        let who = p
                            .identity
                            .as_ref()
                            .map(|i| i.account_upn.as_str())
                            .unwrap_or("not signed in");
                        println!(
                            "{mark} {:<24} {:<36} {:<22} {who}",
                            p.name,
                            p.tenant,
                            p.cloud.display_name()
                        );
                    }
                }
            }
            ProfileCommand::Use { name } => {
                let p = profiles.resolve(&name)?;
                profiles.set_current(&p.id)?;
                println!("Now using {}.", p.name);
            }
            ProfileCommand::Remove { name } => {
                let p = profiles.resolve(&name)?;
                Authenticator::new(session::http_client()?)?.sign_out(&p.id)?;
                profiles.delete(&p.id)?;
                println!("Removed {}.", p.name);
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => err.report(),
    }
}
