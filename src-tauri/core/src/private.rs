//! Private by default: BotDeck's data and log folders hold user names, the tenant's inventory
//! and the audit log, so on Unix they are 0700 and every file in them 0600.
//!
//! Windows and macOS: on Windows the folders live under the user's profile (%LOCALAPPDATA%),
//! whose ACL already admits only that user, SYSTEM and administrators, so nothing is changed.
//! macOS is Unix: the same modes apply there.

use std::io;
use std::path::{Path, PathBuf};

/// Creates `dir` (and missing parents) and makes `dir` itself private. Parents are left alone:
/// they may be the user's own folders.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    strip_group_and_others(dir)?;
    Ok(())
}

/// Creates an empty file readable by its owner only, unless it exists. SQLite gives a database's
/// `-wal` and `-shm` companions the mode of the database file, so creating the database file
/// this way keeps them private too.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options.open(path)?;
    Ok(())
}

/// Makes `dir` and everything below it private; returns what had to be changed (so the caller
/// can say so). Symbolic links are neither followed nor changed.
pub fn tighten_tree(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut fixed = Vec::new();
    if !dir.exists() {
        return Ok(fixed);
    }
    if strip_group_and_others(dir)? {
        fixed.push(dir.to_path_buf());
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                pending.push(path.clone());
            }
            if strip_group_and_others(&path)? {
                fixed.push(path);
            }
        }
    }
    Ok(fixed)
}

#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

/// True when the mode was changed: group or others had any access. Only those bits are taken
/// away; the owner's own bits stay as they are.
#[cfg(unix)]
fn strip_group_and_others(path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::symlink_metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
    Ok(true)
}

#[cfg(not(unix))]
fn strip_group_and_others(_path: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The start-up notice for files that were made private, if any were.
pub fn notice(made_private: &[String]) -> Option<crate::notice::Notice> {
    if made_private.is_empty() {
        return None;
    }
    Some(crate::notice::Notice {
        id: "files-made-private".into(),
        level: crate::notice::NoticeLevel::Info,
        title: "BotDeck's files are now readable by you only".into(),
        message: format!(
            "{} file(s) or folder(s) were readable by other users of this computer and were made \
             private: {}.",
            made_private.len(),
            made_private.join(", ")
        ),
    })
}

/// The permission bits of `path` (tests and `doctor`); `None` where modes do not apply.
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn loose_files_and_folders_are_tightened_and_reported() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("data");
        std::fs::create_dir_all(dir.join("backups")).expect("mkdir");
        std::fs::write(dir.join("cache.sqlite3"), b"x").expect("write");
        std::fs::write(dir.join("backups/state-1.sqlite3"), b"x").expect("write");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::set_permissions(
            dir.join("cache.sqlite3"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        let fixed = tighten_tree(&dir).expect("tighten");
        assert!(fixed.contains(&dir));
        assert!(fixed.contains(&dir.join("cache.sqlite3")));
        assert_eq!(mode_of(&dir), Some(0o700));
        assert_eq!(mode_of(&dir.join("cache.sqlite3")), Some(0o600));
        assert_eq!(mode_of(&dir.join("backups/state-1.sqlite3")), Some(0o600));
        assert!(
            tighten_tree(&dir).expect("again").is_empty(),
            "nothing left to fix"
        );
    }

    #[test]
    fn new_private_file_and_folder_have_owner_only_modes() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("a/b");
        create_private_dir(&dir).expect("dir");
        create_private_file(&dir.join("f")).expect("file");
        assert_eq!(mode_of(&dir), Some(0o700));
        assert_eq!(mode_of(&dir.join("f")), Some(0o600));
    }
}
