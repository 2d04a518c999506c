//! The files of the scanned repository, as far as renderers need them: which
//! paths exist (so every location points at a real file) and the text of the
//! few files that results are anchored on (regions, snippets, fingerprints).

use mlops_detect::paths::PathSet;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Longest file read to anchor a result; larger files get a line-1 region.
const MAX_READ_BYTES: u64 = 4 * 1024 * 1024;

/// The repository's files, read lazily and at most once each.
#[derive(Debug, Default)]
pub struct Sources {
    root: Option<PathBuf>,
    /// Sorted, without duplicates (a scan's listing is already).
    files: PathSet,
    mem: BTreeMap<String, String>,
    ci: BTreeSet<String>,
    cache: RefCell<BTreeMap<String, Option<Vec<String>>>>,
}

impl Sources {
    /// The files a scan saw under `root` (repo-relative, `/`-separated).
    pub fn from_dir(root: impl Into<PathBuf>, files: impl Into<PathSet>) -> Self {
        Sources { root: Some(root.into()), files: files.into(), ..Default::default() }
    }

    /// Files given with their text (for tests and for callers that hold the text).
    pub fn in_memory<P: Into<String>, T: Into<String>>(files: impl IntoIterator<Item = (P, T)>) -> Self {
        let mem: BTreeMap<String, String> = files.into_iter().map(|(p, t)| (p.into(), t.into())).collect();
        Sources { root: None, files: mem.keys().cloned().collect(), mem, ..Default::default() }
    }

    /// Declare the CI definitions the scan recognised (paths of `ci.pipeline`
    /// evidence): repository-level gaps anchored on CI prefer these over files
    /// that merely look like CI by name (an unparsable one, say).
    pub fn with_ci_definitions(mut self, paths: impl IntoIterator<Item = String>) -> Self {
        self.ci = paths.into_iter().filter(|p| self.exists(p)).collect();
        self
    }

    /// The recognised CI definitions, sorted.
    pub fn ci_definitions(&self) -> impl Iterator<Item = &str> {
        self.ci.iter().map(String::as_str)
    }

    /// True when `path` is a file of the repository.
    pub fn exists(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Every file, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter()
    }

    /// The lines of a text file (`None` for binary, unreadable or very large files).
    pub fn lines(&self, path: &str) -> Option<Vec<String>> {
        if let Some(hit) = self.cache.borrow().get(path) {
            return hit.clone();
        }
        let text = if let Some(t) = self.mem.get(path) {
            Some(t.clone())
        } else if let (Some(root), true) = (&self.root, self.exists(path)) {
            let p = root.join(path);
            std::fs::metadata(&p)
                .ok()
                .filter(|m| m.is_file() && m.len() <= MAX_READ_BYTES)
                .and_then(|_| std::fs::read(&p).ok())
                .and_then(|b| String::from_utf8(b).ok())
        } else {
            None
        };
        // A NUL byte: binary, however it decodes.
        let text = text.filter(|t| !t.contains('\0'));
        let lines = text.map(|t| t.lines().map(str::to_string).collect::<Vec<_>>());
        self.cache.borrow_mut().insert(path.to_string(), lines.clone());
        lines
    }
}
