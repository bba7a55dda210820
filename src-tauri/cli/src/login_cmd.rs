//! `botdeck login | logout | status | profile ...`.

use std::process::ExitCode;

use botdeck_api::error::ApiError;
use botdeck_api::profiles::{self, ProfileStatus, SignInField, SignInTarget};
use botdeck_api::views::{SessionView, SignInEvent};
use botdeck_core::auth::Feature;
use botdeck_core::config::{Cloud, DataPaths};
use botdeck_core::profiles::TenantProfile;

use crate::exit;
use crate::session;

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
    Use {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete NAME, its cached identity and its tokens; when NAME was the current profile,
    /// the first one left becomes current.
    Remove {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

fn print_status(status: &ProfileStatus) {
    println!(
        "Profile:  {} ({}, {})",
        status.profile, status.tenant, status.cloud
    );
    if !status.signed_in {
        println!("Signed in: no");
        return;
    }
    println!("Account:  {}", status.account.as_deref().unwrap_or("?"));
    println!(
        "Tenant:   {} ({})",
        status.tenant_name.as_deref().unwrap_or("?"),
        status.tenant_id.as_deref().unwrap_or("?")
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

/// The cloud the flags ask for, if any: checked before anything is opened.
fn cloud_from_flags(args: &LoginArgs) -> Result<Option<Cloud>, ApiError> {
    match (&args.authority_host, &args.graph_url, &args.cloud) {
        (Some(authority), Some(graph), _) => Cloud::custom(authority, graph)
            .map(Some)
            .map_err(|e| ApiError::invalid_input(format!("--authority-host / --graph-url: {e}"))),
        (_, _, Some(name)) => Cloud::parse(name)
            .map(Some)
            .map_err(|e| ApiError::invalid_input(format!("--cloud: {e}"))),
        _ => Ok(None),
    }
}

/// How the api's messages name what `botdeck login` was given.
fn flag_of(field: SignInField) -> String {
    match field {
        SignInField::Name => "--profile",
        SignInField::Tenant => "--tenant",
        SignInField::ClientId => "--client-id",
        SignInField::Cloud => "--cloud",
        SignInField::AuthorityHost => "--authority-host",
        SignInField::GraphUrl => "--graph-url",
        SignInField::ApplyChanges => "--update-profile",
    }
    .to_string()
}

fn open_in_browser(url: &str) -> Result<(), ApiError> {
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
        .map_err(|e| ApiError::new(botdeck_api::ErrorCode::Internal, format!("{opener}: {e}")))
}

/// Sign-in progress as terminal lines, on stderr: stdout is for the result.
fn show(event: &SignInEvent) -> Result<(), ApiError> {
    match event {
        SignInEvent::DeviceCode(prompt) => eprintln!(
            "To sign in, open {} and enter the code {} (valid {}).",
            prompt.verification_uri,
            prompt.user_code,
            prompt.validity()
        ),
        SignInEvent::BrowserOpened { url } => {
            eprintln!("If the sign-in page does not open, visit: {url}")
        }
    }
    Ok(())
}

pub fn login(paths: &DataPaths, args: LoginArgs) -> ExitCode {
    match login_inner(paths, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => session::report(&err),
    }
}

fn login_inner(paths: &DataPaths, args: &LoginArgs) -> Result<(), ApiError> {
    let target = SignInTarget {
        name: args.profile.clone(),
        tenant: args.tenant.clone(),
        cloud: cloud_from_flags(args)?,
        client_id: args.client_id.clone(),
        apply_changes: args.update_profile,
    };
    let cx = session::open(paths);
    let prepared = profiles::prepare_sign_in(&cx, &target, &flag_of)?;
    if !prepared.changed.is_empty() {
        let flags: Vec<String> = prepared.changed.iter().map(|f| flag_of(*f)).collect();
        eprintln!(
            "Updated profile {:?}: {}.",
            prepared.profile.name,
            flags.join(", ")
        );
    }
    let id = prepared.profile.id.clone();
    let feature = Feature::from(args.feature);
    let profile = session::runtime()?.block_on(async {
        let signing = async {
            if args.browser {
                eprintln!("Opening the sign-in page in your browser…");
                profiles::sign_in_browser(&cx, &id, feature, &show, &open_in_browser).await
            } else {
                profiles::sign_in_device_code(&cx, &id, feature, &show).await
            }
        };
        tokio::pin!(signing);
        tokio::select! {
            result = &mut signing => result,
            // Ctrl-C cancels like the window's Cancel: the sign-in ends as cancelled.
            _ = tokio::signal::ctrl_c() => {
                profiles::cancel_sign_in(&cx);
                signing.await
            }
        }
    })?;
    if args.json {
        session::print_json(&ProfileStatus::of(&profile, true))?;
    } else if let Some(identity) = &profile.identity {
        println!(
            "Signed in to {} as {}.",
            identity.tenant_name, identity.account_upn
        );
        for advice in profiles::role_advice(&profile) {
            println!("Note: {advice}");
        }
    }
    Ok(())
}

pub fn logout(paths: &DataPaths, args: ProfileSelect) -> ExitCode {
    let cx = session::open(paths);
    let selected = args.profile.as_deref();
    let result = profiles::sign_out(&cx, selected)
        .map_err(|err| session::with_login_hint(&cx, err, selected, Feature::ReadTenant));
    match result {
        Ok(profile) => {
            if args.json {
                if let Err(err) = session::print_json(&ProfileStatus::of(&profile, false)) {
                    return session::report(&err);
                }
            } else {
                println!("Signed out of {}. Tokens already issued stay valid until they expire (at most about an hour).", profile.name);
            }
            ExitCode::SUCCESS
        }
        Err(err) => session::report(&err),
    }
}

pub fn status(paths: &DataPaths, status_args: StatusArgs) -> ExitCode {
    let args = status_args.select;
    let result = (|| -> Result<ProfileStatus, ApiError> {
        let cx = session::open(paths);
        let selected = args.profile.as_deref();
        session::runtime()?
            .block_on(profiles::status(&cx, selected, status_args.online))
            .map_err(|err| session::with_login_hint(&cx, err, selected, Feature::ReadTenant))
    })();
    let status = match result {
        Ok(status) => status,
        Err(err) => return session::report(&err),
    };
    if args.json {
        if let Err(err) = session::print_json(&status) {
            return session::report(&err);
        }
    } else {
        print_status(&status);
    }
    if status.signed_in {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FINDINGS)
    }
}

pub fn profile(paths: &DataPaths, command: ProfileCommand) -> ExitCode {
    let cx = session::open(paths);
    // With --json: the profiles for `list`, else the same session view the window gets.
    let result = match command {
        // Read from the state database only: listing never waits on the keyring.
        ProfileCommand::List { json } => profiles::list(&cx).and_then(|(list, current)| {
            if json {
                Ok(session::print_json(&list)?)
            } else {
                println!("{}", list_text(&list, current.as_ref()));
                Ok(())
            }
        }),
        ProfileCommand::Use { name, json } => {
            profiles::switch_profile(&cx, &name).and_then(|view| {
                let now = view
                    .current
                    .as_ref()
                    .map_or(name.as_str(), |p| p.name.as_str());
                print_view(json, &view, &format!("Now using {now}."))
            })
        }
        ProfileCommand::Remove { name, json } => {
            profiles::remove_profile(&cx, &name).and_then(|removed| {
                let view = profiles::session(&cx)?;
                let next = match &view.current {
                    Some(current) => format!(" Now using {}.", current.name),
                    None => String::new(),
                };
                print_view(json, &view, &format!("Removed {}.{next}", removed.name))
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => session::report(&err),
    }
}

fn print_view(json: bool, view: &SessionView, text: &str) -> Result<(), ApiError> {
    if json {
        Ok(session::print_json(view)?)
    } else {
        println!("{text}");
        Ok(())
    }
}

fn list_text(list: &[TenantProfile], current: Option<&TenantProfile>) -> String {
    if list.is_empty() {
        return "No profiles yet. Create one with `botdeck login --profile NAME --tenant ...`."
            .into();
    }
    let current = current.map(|p| p.id.as_str());
    list.iter()
        .map(|p| {
            let mark = if current == Some(p.id.as_str()) {
                "*"
            } else {
                " "
            };
            let who = p
                .identity
                .as_ref()
                .map(|i| i.account_upn.as_str())
                .unwrap_or("not signed in");
            format!(
                "{mark} {:<24} {:<36} {:<22} {who}",
                p.name,
                p.tenant,
                p.cloud.display_name()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
