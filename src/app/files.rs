//! Finding the playbooks a command names: files as given, folders searched.

use std::path::{Path, PathBuf};

/// The playbook files named by command-line `paths`: files as given, directories
/// searched recursively for `*.playbook`, each directory's entries in name order.
/// Directories that cannot be read come back with the reason.
pub fn playbook_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        if path.is_dir() {
            if let Err(e) = walk(path, &mut files) {
                unreadable.push((path.clone(), e.to_string()));
            }
        } else {
            files.push(path.clone());
        }
    }
    (files, unreadable)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "playbook") {
            files.push(path);
        }
    }
    Ok(())
}
