// Shared by the build scripts of the desktop app and of the `botdeck` CLI (`include!`d, since a
// build script cannot depend on a workspace crate without building it first): sets
// BOTDECK_COMMIT, the commit `botdeck --version` and the About box show.
//
// A build from a git checkout asks git. A build without `.git` (a source tarball, a packager's
// sandbox) takes the BOTDECK_COMMIT environment variable, else says "unknown": the version alone
// still identifies the release.

fn embed_commit() {
    println!("cargo:rerun-if-env-changed=BOTDECK_COMMIT");
    let commit = std::env::var("BOTDECK_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=BOTDECK_COMMIT={commit}");
}

fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Watches a git file so a new commit re-runs this script; only files that exist, since cargo
/// treats a missing one as always changed and would rebuild every time.
fn watch_git_path(name: &str) {
    if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", name]) {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

fn git_commit() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    // HEAD moves on checkout; the branch's ref (loose or packed) moves on commit.
    watch_git_path("HEAD");
    watch_git_path("packed-refs");
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch_git_path(&branch);
    }
    Some(commit)
}
