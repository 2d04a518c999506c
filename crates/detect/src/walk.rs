//! Walking a repository the way a scanner must: hidden paths included, the
//! repository's own `.gitignore` honoured (never global or parent ignore
//! files) except for the files git tracks (read from `ROOT/.git/index`:
//! CI checks them out whatever `.gitignore` says), symlinks never followed, regular files only, a byte cap per file,
//! vendored trees skipped. Every problem becomes a [`ScanIssue`].

use crate::evidence::ScanIssue;
use ignore::WalkBuilder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Default cap on bytes read from one file (larger files are reported, not read).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Directory names never descended into: vendored code and tool caches.
pub(crate) const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
    "bower_components",
    "vendor",
];

/// One regular file of the repository.
#[derive(Debug, Clone)]
pub struct RepoFile {
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// Size in bytes: from the listing's `stat` for the files judged by
    /// size ([`crate::detectors::binaries::binary_name`]); for a file read,
    /// its text's length once [`walk_excluding`] read it (0 in a bare
    /// listing); 0 for the others, which are not `stat`ed.
    pub size: u64,
    /// Text content when the file is one detectors read and it fit the cap.
    /// Invalid UTF-8 is decoded lossily (and reported).
    pub text: Option<String>,
}

/// Result of a walk.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files, sorted by path, each path once.
    pub files: Vec<RepoFile>,
    /// Problems met on the way, sorted.
    pub issues: Vec<ScanIssue>,
    /// For each exclude glob, whether it matched anything.
    pub exclude_used: Vec<bool>,
}

/// Walk `root`, reading the files that `wants_text` selects.
pub fn walk(root: &Path, max_bytes: u64, wants_text: &(dyn Fn(&str) -> bool + Sync)) -> Walked {
    walk_excluding(root, max_bytes, wants_text, &[]).unwrap_or_default()
}

/// A listing of a repository whose texts are not read yet.
#[derive(Debug, Default)]
pub struct Listed {
    /// The files (texts not read), problems met, excludes used.
    pub walked: Walked,
    /// The files to read: index into `walked.files`, and the path on disk
    /// when joining the root and the relative path would not give it (a name
    /// that is not UTF-8); see [`Listed::disk_path`].
    pub pending: Vec<(usize, Option<PathBuf>)>,
    /// The folder listed.
    pub root: PathBuf,
}

impl Listed {
    /// Where a pending file is on disk: its exact path when the listing kept
    /// one, else the root joined with its relative path.
    pub fn disk_path(root: &Path, rel: &str, exact: &Option<PathBuf>) -> PathBuf {
        exact.clone().unwrap_or_else(|| root.join(rel))
    }
}

/// One entry of the listing, reduced on the walker's threads.
enum Item {
    /// A problem listing a folder.
    Error(ignore::Error),
    /// Anything but a folder: its relative path, kind, whether its text is
    /// wanted, and the path on disk when the relative path cannot rebuild it.
    Entry { rel: String, kind: Kind, want: bool, disk: Option<PathBuf> },
}

/// What a listed entry is.
enum Kind {
    /// A regular file, with its size or why it could not be read.
    File(Result<u64, String>),
    /// A symbolic link (never followed).
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// Walk `root` skipping the paths matched by `exclude` (repo-relative globs;
/// `dir/**` also prunes the folder). An invalid glob is an error.
pub fn walk_excluding(
    root: &Path,
    max_bytes: u64,
    wants_text: &(dyn Fn(&str) -> bool + Sync),
    exclude: &[String],
) -> Result<Walked, globset::Error> {
    let Listed { walked: mut out, pending, .. } = list_excluding(root, wants_text, exclude)?;
    // Read the selected files in parallel (the walk itself lists only).
    use rayon::prelude::*;
    let read: Vec<(usize, ReadText)> = pending
        .par_iter()
        .map(|(i, exact)| {
            let f = &out.files[*i];
            (*i, read_text(&Listed::disk_path(root, &f.path, exact), &f.path, max_bytes))
        })
        .collect();
    for (i, text) in read {
        match text {
            Ok((t, issue)) => {
                out.files[i].size = t.len() as u64;
                out.files[i].text = Some(t);
                out.issues.extend(issue);
            }
            Err(issue) => out.issues.push(issue),
        }
    }
    out.issues.sort();
    out.issues.dedup();
    Ok(out)
}

/// A file's text and the issue decoding it raised, or why it could not be read.
pub type ReadText = Result<(String, Option<ScanIssue>), ScanIssue>;

/// Read one listed file as text: invalid UTF-8 decoded lossily (with the
/// issue that says so); a file over `max` bytes is not read, and that is
/// an issue, as is an unreadable file.
pub fn read_text(path: &Path, rel: &str, max: u64) -> ReadText {
    match read_capped(path, max) {
        Ok(Ok(bytes)) => Ok(decode(rel, bytes)),
        Ok(Err(size)) => Err(too_large(rel, size, max)),
        Err(e) => Err(ScanIssue::new(rel, None, "unreadable", e.to_string())),
    }
}

/// The issue of a file over the size cap, which is not read.
pub(crate) fn too_large(rel: &str, size: u64, max: u64) -> ScanIssue {
    ScanIssue::new(rel, None, "file-too-large", format!("{size} bytes is over the {max}-byte cap: not read"))
}

/// List `root` as [`walk_excluding`] does, without reading any file: the
/// files `wants_text` selects are returned as pending ([`read_text`] reads
/// them, and refuses those over the size cap).
pub fn list_excluding(root: &Path, wants_text: &(dyn Fn(&str) -> bool + Sync), exclude: &[String]) -> Result<Listed, globset::Error> {
    let mut out = Walked { exclude_used: vec![false; exclude.len()], ..Default::default() };
    let (globs, prune) = compile_excludes(exclude)?;
    let pruned_hits = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let hits = pruned_hits.clone();
    let root_buf = root.to_path_buf();
    let root_canon = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_global(false)
        .git_exclude(false)
        .git_ignore(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if !is_dir {
                return true;
            }
            if e.depth() > 0 && !prune.is_empty() {
                let rel = rel_path(e.path(), &root_buf);
                if let Some((i, _)) = prune.iter().find(|(_, d)| *d == rel) {
                    if let Ok(mut h) = hits.lock() {
                        h.insert(*i);
                    }
                    return false;
                }
            }
            if e.depth() == 0 {
                return true;
            }
            let parent = e.path().parent().and_then(|p| p.file_name()).map(|p| p.to_string_lossy());
            !skipped_dir(&e.file_name().to_string_lossy(), parent.as_deref())
        })
        .threads(rayon::current_num_threads().min(8))
        .build_parallel();
    // List in parallel (reading folders is most of a walk's cost). Each
    // entry is reduced on the walker's threads to what the scan keeps: its
    // relative path, its kind, whether its text is wanted, the size of a
    // regular file judged by size (one `stat` each; most files are not: a
    // file read is sized when opened), and the path on disk only when the
    // relative path cannot rebuild it (a symbolic link, checked below; a
    // name that is not UTF-8). Entries are then handled one by one; the
    // result does not depend on scheduling because the files are sorted by
    // relative path at the end and the issues are sorted.
    let listed = std::sync::Mutex::new(Vec::new());
    walker.run(|| {
        let listed = &listed;
        Box::new(move |entry| {
            let item = match entry {
                Err(err) => Item::Error(err),
                Ok(e) if e.depth() == 0 => return ignore::WalkState::Continue,
                Ok(e) => {
                    let Some(ft) = e.file_type() else { return ignore::WalkState::Continue };
                    if ft.is_dir() {
                        return ignore::WalkState::Continue;
                    }
                    let rel = rel_path(e.path(), root);
                    let want = ft.is_file() && wants_text(&rel);
                    let kind = if ft.is_symlink() {
                        Kind::Symlink
                    } else if !ft.is_file() {
                        Kind::Other
                    } else if crate::detectors::binaries::binary_name(&rel) || (want && rel.contains('\u{FFFD}')) {
                        // Judged by size, or a name that may decode like another's
                        // (the pair is ordered by size below).
                        Kind::File(e.metadata().map(|m| m.len()).map_err(|err| err.to_string()))
                    } else {
                        Kind::File(Ok(0))
                    };
                    let exact = matches!(kind, Kind::Symlink) || e.path().to_str().is_none();
                    Item::Entry { rel, kind, want, disk: exact.then(|| e.into_path()) }
                }
            };
            if let Ok(mut v) = listed.lock() {
                v.push(item);
            }
            ignore::WalkState::Continue
        })
    });
    let mut listed = listed.into_inner().unwrap_or_default();
    add_tracked(root, &mut listed, wants_text);
    let mut to_read: Vec<(usize, Option<PathBuf>)> = Vec::new();
    for item in listed {
        let (rel, kind, want, disk) = match item {
            Item::Entry { rel, kind, want, disk } => (rel, kind, want, disk),
            Item::Error(err) => {
                let path = err_path(&err, root).unwrap_or_else(|| ".".into());
                out.issues.push(ScanIssue::new(&path, None, "walk-error", err.to_string()));
                continue;
            }
        };
        if let Some(i) = globs.iter().position(|g| g.is_match(&rel)) {
            out.exclude_used[i] = true;
            continue;
        }
        let size = match kind {
            Kind::Symlink => {
                let path = disk.unwrap_or_else(|| root.join(&rel));
                if let Some(issue) = symlink_issue(&path, &rel, &root_canon) {
                    out.issues.push(issue);
                }
                continue;
            }
            Kind::Other => {
                out.issues.push(ScanIssue::new(&rel, None, "not-regular-file", "not a regular file (FIFO, socket or device): skipped"));
                continue;
            }
            Kind::File(Ok(n)) => n,
            Kind::File(Err(e)) => {
                out.issues.push(ScanIssue::new(&rel, None, "unreadable", e));
                continue;
            }
        };
        // A file to read is sized when it is opened (one `fstat` of the open
        // file, not a second lookup of its path), and refused there when over the cap.
        if want {
            to_read.push((out.files.len(), disk));
        }
        out.files.push(RepoFile { path: rel, size, text: None });
    }
    // Installed environments under any name, known from the listing rather
    // than by listing every folder twice: a folder holding `pyvenv.cfg` (a
    // virtualenv) or a `*.dist-info` folder (`pip install --target`).
    let installed = installed_dirs(out.files.iter().map(|f| f.path.as_str()));
    if !installed.is_empty() {
        let under = |p: &str| under_any(p, &installed);
        let keep: Vec<bool> = out.files.iter().map(|f| !under(&f.path)).collect();
        let mut new_index = vec![usize::MAX; keep.len()];
        let mut n = 0;
        for (i, k) in keep.iter().enumerate() {
            if *k {
                new_index[i] = n;
                n += 1;
            }
        }
        let mut i = 0;
        out.files.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        to_read.retain_mut(|(j, _)| {
            let ok = keep[*j];
            *j = new_index[*j];
            ok
        });
        out.issues.retain(|x| !under(&x.path));
    }
    // Sort by path, carrying each pending file's place along.
    let mut on_disk: Vec<Option<Option<PathBuf>>> = vec![None; out.files.len()];
    for (i, p) in to_read {
        on_disk[i] = Some(p);
    }
    let mut rows: Vec<(RepoFile, Option<Option<PathBuf>>)> = std::mem::take(&mut out.files).into_iter().zip(on_disk).collect();
    // Ties (names that decode alike) are ordered by what else is known, so
    // which one is scanned does not depend on the walker's scheduling.
    // In parallel: at 200k files the sort was most of the listing's serial tail.
    use rayon::slice::ParallelSliceMut;
    rows.par_sort_by(|a, b| a.0.path.cmp(&b.0.path).then(a.0.size.cmp(&b.0.size)).then_with(|| a.1.cmp(&b.1)));
    let mut pending = Vec::new();
    for (f, p) in rows {
        // Two names that are not UTF-8 can decode to the same path: the
        // first is scanned, the others reported (paths are unique).
        if out.files.last().is_some_and(|last: &RepoFile| last.path == f.path) {
            out.issues.push(ScanIssue::new(&f.path, None, "name-collision", NAME_COLLISION));
            continue;
        }
        if let Some(p) = p {
            pending.push((out.files.len(), p));
        }
        out.files.push(f);
    }
    out.issues.sort();
    out.issues.dedup();
    if let Ok(h) = pruned_hits.lock() {
        for i in h.iter() {
            out.exclude_used[*i] = true;
        }
    }
    Ok(Listed { walked: out, pending, root: root.to_path_buf() })
}

/// Adds to `listed` the files git tracks that the walk did not list (a
/// `.gitignore` matched them: `models/` hiding `src/models/train.py`, `.*`
/// hiding `.github/`): CI checks them out and runs them. Folders the walk
/// never enters (vendored code, caches) stay skipped; only regular files
/// reached through real folders of the root are added.
fn add_tracked(root: &Path, listed: &mut Vec<Item>, wants_text: &(dyn Fn(&str) -> bool + Sync)) {
    let tracked = crate::gitindex::tracked_files(root);
    if tracked.is_empty() {
        return;
    }
    let seen: std::collections::HashSet<&str> = listed
        .iter()
        .filter_map(|i| match i {
            Item::Entry { rel, .. } => Some(rel.as_str()),
            Item::Error(_) => None,
        })
        .collect();
    let mut real_dirs: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut added = Vec::new();
    'files: for rel in &tracked {
        if seen.contains(rel.as_str()) {
            continue;
        }
        let comps: Vec<&str> = rel.split('/').collect();
        if comps.iter().any(|c| c.is_empty() || *c == "." || *c == ".." || c.eq_ignore_ascii_case(".git") || c.contains('\\')) {
            continue;
        }
        // Each folder on the way (`a`, `a/b`): one the walk enters, real on disk.
        for (depth, (end, _)) in rel.match_indices('/').enumerate() {
            let dir = &rel[..end];
            if real_dirs.contains(dir) {
                continue;
            }
            let parent = depth.checked_sub(1).map(|d| comps[d]);
            if skipped_dir(comps[depth], parent) || !std::fs::symlink_metadata(root.join(dir)).is_ok_and(|m| m.is_dir()) {
                continue 'files;
            }
            real_dirs.insert(dir);
        }
        let Ok(meta) = std::fs::symlink_metadata(root.join(rel)) else { continue };
        if meta.is_file() {
            // Sized as the walk sizes files: only those judged by size.
            let size = if crate::detectors::binaries::binary_name(rel) { meta.len() } else { 0 };
            added.push(Item::Entry { rel: rel.clone(), kind: Kind::File(Ok(size)), want: wants_text(rel), disk: None });
        }
    }
    drop(seen);
    listed.extend(added);
}

/// The exclude globs, compiled, and the folders a `dir/**` glob prunes
/// (with the glob's index).
pub(crate) type Excludes = (Vec<globset::GlobMatcher>, Vec<(usize, String)>);

/// Compile the config's exclude globs (repo-relative; a leading `./` or `/` is dropped).
pub(crate) fn compile_excludes(exclude: &[String]) -> Result<Excludes, globset::Error> {
    let globs = exclude
        .iter()
        .map(|g| {
            globset::GlobBuilder::new(g.trim_start_matches("./").trim_start_matches('/'))
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher())
        })
        .collect::<Result<_, _>>()?;
    let prune = exclude
        .iter()
        .enumerate()
        .filter_map(|(i, g)| g.trim_start_matches("./").strip_suffix("/**").map(|d| (i, d.trim_start_matches('/').to_string())))
        .collect();
    Ok((globs, prune))
}

/// True for a folder never descended into (below the root): vendored code,
/// tool caches, and setuptools build output (`build/lib*` copies the
/// sources). Virtualenvs and `pip install --target` folders under other
/// names are dropped after the listing, from what they hold ([`installed_dirs`]).
pub(crate) fn skipped_dir(name: &str, parent: Option<&str>) -> bool {
    SKIP_DIRS.contains(&name) || (name.starts_with("lib") && parent == Some("build"))
}

/// Installed environments under any name, known from a listing of files: a
/// folder holding `pyvenv.cfg` (a virtualenv) or a `*.dist-info` folder
/// (`pip install --target`).
pub(crate) fn installed_dirs<'a>(paths: impl Iterator<Item = &'a str>) -> std::collections::HashSet<String> {
    paths
        .filter_map(|p| {
            // Most paths are neither: settled without splitting them.
            if !(p.ends_with("pyvenv.cfg") || p.contains(".dist-info/")) {
                return None;
            }
            let comps: Vec<&str> = p.split('/').collect();
            if comps.last() == Some(&"pyvenv.cfg") && comps.len() > 1 {
                return Some(comps[..comps.len() - 1].join("/"));
            }
            let i = comps[..comps.len() - 1].iter().position(|c| c.ends_with(".dist-info"))?;
            (i > 0).then(|| comps[..i].join("/"))
        })
        .collect()
}

/// True when `path` is inside one of `dirs`.
pub(crate) fn under_any(path: &str, dirs: &std::collections::HashSet<String>) -> bool {
    path.match_indices('/').any(|(i, _)| dirs.contains(&path[..i]))
}

/// File bytes as text: invalid UTF-8 is decoded lossily and reported at its first line.
pub(crate) fn decode(rel: &str, bytes: Vec<u8>) -> (String, Option<ScanIssue>) {
    // UTF-16 with its byte-order mark, as Windows PowerShell writes
    // redirected output (`pip freeze > requirements.txt`).
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(u16::from_le_bytes as fn([u8; 2]) -> u16),
        Some([0xFE, 0xFF]) => Some(u16::from_be_bytes as fn([u8; 2]) -> u16),
        _ => None,
    };
    if let Some(unit) = utf16 {
        let units: Vec<u16> = bytes[2..].chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
        return (String::from_utf16_lossy(&units), None);
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            let issue = ScanIssue::new(rel, Some(line as u32), "invalid-utf8", "invalid UTF-8: decoded with replacement characters");
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(issue))
        }
    }
}

/// The file's bytes, or its size when that is over `max` (nothing read).
/// The size is taken from the open file, and the buffer sized by it, so a
/// text kept for the whole scan carries no spare capacity and a file of the
/// size it says is read in one `read`.
fn read_capped(path: &Path, max: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    let f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    if size > max {
        return Ok(Err(size));
    }
    let mut buf = Vec::with_capacity(size as usize);
    // Up to the size first: once it is read, the end is taken as reached
    // without another `read`. A file that reports no size (a special file
    // system) is read to its end, never past the cap.
    let mut f = f.take(if size == 0 { max } else { size });
    f.read_to_end(&mut buf)?;
    // A file that shrank since: no spare capacity either.
    buf.shrink_to_fit();
    Ok(Ok(buf))
}

/// What a `name-collision` issue says (disk and tree walks alike).
pub(crate) const NAME_COLLISION: &str = "another file's name decodes to the same path (names that are not UTF-8): skipped";

fn symlink_issue(path: &Path, rel: &str, root: &Path) -> Option<ScanIssue> {
    match std::fs::canonicalize(path) {
        Err(e) if e.raw_os_error() == Some(40) => Some(ScanIssue::new(rel, None, "symlink-loop", "symbolic link loop: not followed")),
        Err(_) => Some(ScanIssue::new(rel, None, "symlink-broken", "broken symbolic link: skipped")),
        Ok(target) if !target.starts_with(root) => {
            Some(ScanIssue::new(rel, None, "symlink-escapes-root", "symbolic link points outside the scanned root: not followed"))
        }
        // Links inside the root are not followed: their target is scanned in place.
        Ok(_) => None,
    }
}

fn err_path(err: &ignore::Error, root: &Path) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(rel_path(path, root)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => err_path(err, root),
        _ => None,
    }
}

/// Repository-relative path with `/` separators.
pub fn rel_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // A path the walker built is already `/`-joined components: use it as is.
    if let Some(s) = rel.to_str() {
        if std::path::MAIN_SEPARATOR == '/' && !s.split('/').any(|c| c.is_empty() || c == ".") {
            return s.to_string();
        }
    }
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::rel_path;

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let text = "numpy==1.26.4\r\npandas==2.2.2\r\n";
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(super::decode("requirements.txt", le), (text.to_string(), None));
        assert_eq!(super::decode("requirements.txt", be), (text.to_string(), None));
        // Without the mark, NULs are UTF-8 (kept), and bad bytes are reported.
        let (_, issue) = super::decode("x.txt", vec![b'a', 0xFF, b'b']);
        assert_eq!(issue.map(|i| i.kind), Some("invalid-utf8".to_string()));
    }
    use std::path::Path;

    /// The listing `stat`s only the files judged by size; a file read is
    /// sized when it is opened, and refused there when over the cap.
    #[test]
    fn sizes_are_listed_only_for_files_judged_by_size() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in [("train.py", "import x\n"), ("model.PT", "0123456789"), ("notes.txt", "hello")] {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        // The listing `stat`s the model binary only; the file to read is
        // sized when it is opened.
        let l = super::list_excluding(dir.path(), &|p: &str| p.ends_with(".py"), &[]).unwrap();
        let got: Vec<(&str, u64)> = l.walked.files.iter().map(|f| (f.path.as_str(), f.size)).collect();
        assert_eq!(got, [("model.PT", 10), ("notes.txt", 0), ("train.py", 0)]);
        assert_eq!(l.pending.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [2]);
        let w = super::walk(dir.path(), 1 << 20, &|p: &str| p.ends_with(".py"));
        let got: Vec<(&str, u64, bool)> = w.files.iter().map(|f| (f.path.as_str(), f.size, f.text.is_some())).collect();
        assert_eq!(got, [("model.PT", 10, false), ("notes.txt", 0, false), ("train.py", 9, true)]);
        // Over the cap: reported, not read.
        let w = super::walk(dir.path(), 4, &|p: &str| p.ends_with(".py"));
        assert!(w.issues.iter().any(|i| i.path == "train.py" && i.kind == "file-too-large"), "{:?}", w.issues);
        assert!(w.files.iter().all(|f| f.text.is_none()), "{:?}", w.files);
        // Exactly at the cap: read whole.
        let w = super::walk(dir.path(), 9, &|p: &str| p.ends_with(".py"));
        assert_eq!(w.files[2].text.as_deref(), Some("import x\n"));
    }

    /// The fast path gives what joining the components gives.
    #[test]
    fn rel_path_is_the_slash_joined_components() {
        let joined = |p: &Path, r: &Path| {
            let rel = p.strip_prefix(r).unwrap_or(p);
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
        };
        for (p, r) in [
            ("/r/a/b.py", "/r"),
            ("/r/.github/workflows/x.yml", "/r"),
            ("/r/a/./b", "/r"),
            ("/r/a//b", "/r"),
            ("/r/a/b/", "/r"),
            ("r/a", "r/"),
            ("./r/a", "./r"),
            ("/r", "/r"),
            ("/other/x", "/r"),
            ("/r/a/../b", "/r"),
        ] {
            let (p, r) = (Path::new(p), Path::new(r));
            assert_eq!(rel_path(p, r), joined(p, r), "{p:?} under {r:?}");
        }
    }
}
