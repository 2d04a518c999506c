//! Helpers shared by the integration tests (each test binary uses some).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fixture's repository: `fixtures/<name>/repo`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name).join("repo")
}

/// Every fixture's repository, `(name, path)`, sorted by name.
pub fn fixture_repos() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path().join("repo")))
        .filter(|(_, p)| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Copy a directory tree (a fixture) so a test can change it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}
