//! Scanning a tree that is not on the file system, such as a git commit read
//! from the object database (`scan --baseline-ref REV`), under the same rules
//! as the disk walk in [`crate::walk`], so that a tree and a checkout of it
//! give the same scan:
//!
//! - the tree's own `.gitignore` files are honoured (root and nested, the
//!   innermost match wins, `!` re-includes), as the disk walk honours them;
//!   but a commit's tree walked from its top ([`Tree::tracked`]) lists
//!   every file, as the disk walk of a checkout adds the tracked files a
//!   `.gitignore` hid;
//! - the same folders are never descended into (`.git`, `node_modules`,
//!   virtualenvs, `build/lib*`, ...), the config's `exclude` globs apply the
//!   same way, files over the size cap are listed and reported, not read,
//!   invalid UTF-8 is decoded lossily and reported;
//! - symbolic links are never followed; a link is resolved inside the tree
//!   only to report it as the disk walk does (`symlink-loop`,
//!   `symlink-broken`, `symlink-escapes-root`); a target outside the
//!   repository cannot be looked up, so such a link is reported as escaping
//!   the root whether or not its target exists on the machine;
//! - submodules (gitlinks) hold no files, as in a checkout without
//!   `--recurse-submodules`.
//!
//! Contents are read through a callback, only for the files a detector
//! reads and that fit the cap (plus `.gitignore` files and link targets),
//! so a large tree costs a listing, not a read of every blob.

use crate::evidence::ScanIssue;
use crate::walk::{self, RepoFile, Walked};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// What a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file (executable or not).
    File,
    /// A symbolic link; its content is the target path.
    Symlink,
    /// A submodule (gitlink): a commit of another repository, no content here.
    Submodule,
}

/// One entry of a tree listing (directories are implied by the paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// Path from the tree's top, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: EntryKind,
    /// Size of the content in bytes (0 for a submodule).
    pub size: u64,
    /// Whatever the content reader needs to find the content (a blob id).
    pub id: String,
}

/// Reads the contents of entries, given their ids, in the order given. An
/// error stops the scan.
pub type ReadBlobs<'a> = dyn FnMut(&[&str]) -> Result<Vec<Vec<u8>>, String> + 'a;

/// A listed tree: every file, link and submodule, by path.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    entries: BTreeMap<String, TreeEntry>,
    dirs: BTreeSet<String>,
    /// Paths given by more than one entry (names that are not UTF-8 and
    /// decode alike), sorted.
    collisions: Vec<String>,
    /// Every entry is tracked by git (a commit's tree): see [`Tree::tracked`].
    tracked: bool,
}

/// How a symbolic link resolves inside the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// To this path (a file, a folder or a submodule of the tree).
    Inside(String),
    /// Above the tree's top or to an absolute path.
    Outside,
    /// A component does not exist.
    Broken,
    /// Too many links followed (a loop).
    Loop,
}

/// Links followed before a resolution counts as a loop (Linux's `ELOOP` limit).
const MAX_LINKS: usize = 40;

impl Tree {
    /// A tree from its entries. Paths are taken as given; entries with an
    /// empty path or a `.`/`..` component are dropped (git never stores them).
    /// Of entries with one path (names that decode alike), the smallest is
    /// kept, the first of equal sizes, as the disk walk keeps it; the path
    /// is a collision the walk reports.
    pub fn new(entries: impl IntoIterator<Item = TreeEntry>) -> Tree {
        let mut t = Tree::default();
        for e in entries {
            if e.path.is_empty() || e.path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
                continue;
            }
            for (i, _) in e.path.match_indices('/') {
                t.dirs.insert(e.path[..i].to_string());
            }
            match t.entries.entry(e.path.clone()) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(e);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    t.collisions.push(e.path.clone());
                    if e.size < o.get().size {
                        o.insert(e);
                    }
                }
            }
        }
        t.collisions.sort();
        t.collisions.dedup();
        t
    }

    /// Marks the tree as a commit's: every file is tracked, so a walk of the
    /// whole tree lists the files a `.gitignore` matches, as the disk walk
    /// of a checkout adds them from the index ([`crate::gitindex`]). A walk
    /// of a subfolder still honours `.gitignore`, as the disk walk of that
    /// subfolder (which has no index of its own) does.
    pub fn tracked(mut self) -> Tree {
        self.tracked = true;
        self
    }

    /// The entry at `path`, if any.
    pub fn get(&self, path: &str) -> Option<&TreeEntry> {
        self.entries.get(path)
    }

    /// True when `path` is a folder of the tree (`""` is the top).
    pub fn is_dir(&self, path: &str) -> bool {
        path.is_empty() || self.dirs.contains(path)
    }

    /// Every entry, in path order.
    pub fn entries(&self) -> impl Iterator<Item = &TreeEntry> {
        self.entries.values()
    }

    /// Resolve `path` (relative to the top) through symbolic links, as
    /// `realpath` would in a checkout; `targets` gives each link's target.
    pub fn resolve(&self, path: &str, targets: &dyn Fn(&str) -> Option<String>) -> Resolved {
        let mut done: Vec<String> = Vec::new();
        let mut todo: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut links = 0;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Resolved::Outside;
                    }
                    continue;
                }
                _ => {}
            }
            done.push(c);
            let here = done.join("/");
            match self.entries.get(&here).map(|e| e.kind) {
                Some(EntryKind::Symlink) => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Resolved::Loop;
                    }
                    let Some(target) = targets(&here) else { return Resolved::Broken };
                    if target.starts_with('/') || target.is_empty() {
                        return Resolved::Outside;
                    }
                    done.pop();
                    todo.extend(target.split('/').rev().map(str::to_string));
                }
                Some(EntryKind::File) | Some(EntryKind::Submodule) => {
                    // Nothing can follow a file.
                    if todo.iter().any(|c| !c.is_empty() && c != ".") {
                        return Resolved::Broken;
                    }
                }
                None if self.dirs.contains(&here) => {}
                None => return Resolved::Broken,
            }
        }
        Resolved::Inside(done.join("/"))
    }
}

/// The `.gitignore` rules of the folders of a tree.
struct Ignores {
    by_dir: HashMap<String, ignore::gitignore::Gitignore>,
}

impl Ignores {
    /// A virtual absolute path for a tree path, so matchers rooted at folders strip it.
    fn abs(path: &str) -> PathBuf {
        Path::new("/").join(path)
    }

    fn new(files: &[(&str, Vec<u8>)]) -> Ignores {
        let mut by_dir = HashMap::new();
        for (path, bytes) in files {
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let mut b = ignore::gitignore::GitignoreBuilder::new(Self::abs(dir));
            // As the ignore crate reads a `.gitignore`: line by line, a
            // leading BOM dropped, lines that are not UTF-8 and lines that
            // do not parse skipped.
            let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            for (i, line) in body.split(|b| *b == b'\n').enumerate() {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let Ok(line) = std::str::from_utf8(line) else { continue };
                let line = if i == 0 { line.trim_start_matches('\u{feff}') } else { line };
                let _ = b.add_line(None, line);
            }
            if let Ok(gi) = b.build() {
                by_dir.insert(dir.to_string(), gi);
            }
        }
        Ignores { by_dir }
    }

    /// True when `path` is ignored by the `.gitignore` files of its folders
    /// at or below `top` (the innermost one that says anything decides).
    fn ignored(&self, top: &str, path: &str, is_dir: bool) -> bool {
        if self.by_dir.is_empty() {
            return false;
        }
        let abs = Self::abs(path);
        let mut dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        loop {
            if let Some(gi) = self.by_dir.get(dir) {
                let m = gi.matched(&abs, is_dir);
                if !m.is_none() {
                    return m.is_ignore();
                }
            }
            if dir == top || dir.is_empty() {
                return false;
            }
            dir = dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        }
    }
}

/// `path` relative to `top` (`""`: the whole tree), when it is inside it.
fn inside<'p>(top: &str, path: &'p str) -> Option<&'p str> {
    if top.is_empty() {
        return Some(path);
    }
    path.strip_prefix(top)?.strip_prefix('/')
}

/// List and read the folder `top` of `tree` (`""`: the whole tree) as the
/// disk walk lists and reads a checkout of it, reading the files that
/// `wants_text` selects through `read`. Paths in the result are relative to
/// `top`. An invalid exclude glob or a failed read is an error.
pub fn walk_tree(
    tree: &Tree,
    top: &str,
    max_bytes: u64,
    wants_text: &dyn Fn(&str) -> bool,
    exclude: &[String],
    read: &mut ReadBlobs<'_>,
) -> Result<Walked, crate::ScanError> {
    let top = top.trim_matches('/');
    let (globs, prune) = walk::compile_excludes(exclude).map_err(|e| crate::ScanError::BadGlob(e.to_string()))?;
    let mut out = Walked { exclude_used: vec![false; exclude.len()], ..Default::default() };
    let under_top: Vec<(&str, &TreeEntry)> = tree.entries().filter_map(|e| Some((inside(top, &e.path)?, e))).collect();

    // The `.gitignore` files in the folder, read first: they decide what is
    // listed (none for a commit's tree walked from its top: all is tracked).
    let gi: Vec<&TreeEntry> = under_top
        .iter()
        .filter(|(rel, e)| !(tree.tracked && top.is_empty()) && e.kind == EntryKind::File && rel.rsplit('/').next() == Some(".gitignore"))
        .map(|p| p.1)
        .collect();
    let gi_bytes = read(&gi.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()).map_err(crate::ScanError::Read)?;
    let gi_files: Vec<(&str, Vec<u8>)> = gi.iter().map(|e| e.path.as_str()).zip(gi_bytes).collect();
    let ignores = Ignores::new(&gi_files);

    // Whether each folder is descended into, decided once per folder, top down.
    let mut dir_ok: HashMap<String, bool> = HashMap::new();
    let mut listed: Vec<(&str, &TreeEntry)> = Vec::new();
    for (rel, e) in under_top {
        let comps: Vec<&str> = rel.split('/').collect();
        let mut ok = true;
        for depth in 1..comps.len() {
            let dir_rel = comps[..depth].join("/");
            if let Some(&known) = dir_ok.get(&dir_rel) {
                ok = known;
            } else {
                let full = if top.is_empty() { dir_rel.clone() } else { format!("{top}/{dir_rel}") };
                // The walker checks `.gitignore` first, then its filter (prunes, skipped names).
                ok = !ignores.ignored(top, &full, true) && {
                    if let Some((i, _)) = prune.iter().find(|(_, d)| *d == dir_rel) {
                        out.exclude_used[*i] = true;
                        false
                    } else {
                        !walk::skipped_dir(comps[depth - 1], (depth > 1).then(|| comps[depth - 2]))
                    }
                };
                dir_ok.insert(dir_rel, ok);
            }
            if !ok {
                break;
            }
        }
        if ok && !ignores.ignored(top, &e.path, false) {
            listed.push((rel, e));
        }
    }

    // Link targets, read before anything else is decided about links.
    let links: Vec<&TreeEntry> = tree.entries().filter(|e| e.kind == EntryKind::Symlink).collect();
    let link_bytes = read(&links.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()).map_err(crate::ScanError::Read)?;
    let targets: HashMap<&str, String> =
        links.iter().map(|e| e.path.as_str()).zip(link_bytes.into_iter().map(|b| String::from_utf8_lossy(&b).into_owned())).collect();
    let target_of = |p: &str| targets.get(p).cloned();

    let mut to_read: Vec<(usize, &TreeEntry)> = Vec::new();
    for (rel, e) in listed {
        if let Some(i) = globs.iter().position(|g| g.is_match(rel)) {
            out.exclude_used[i] = true;
            continue;
        }
        match e.kind {
            // An empty folder in a checkout: nothing to list.
            EntryKind::Submodule => continue,
            EntryKind::Symlink => {
                let issue = match tree.resolve(&e.path, &target_of) {
                    Resolved::Loop => Some(("symlink-loop", "symbolic link loop: not followed")),
                    Resolved::Broken => Some(("symlink-broken", "broken symbolic link: skipped")),
                    Resolved::Outside => Some(("symlink-escapes-root", "symbolic link points outside the scanned root: not followed")),
                    Resolved::Inside(t) if t != top && inside(top, &t).is_none() => {
                        Some(("symlink-escapes-root", "symbolic link points outside the scanned root: not followed"))
                    }
                    // Links inside the root are not followed: their target is scanned in place.
                    Resolved::Inside(_) => None,
                };
                if let Some((kind, msg)) = issue {
                    out.issues.push(ScanIssue::new(rel, None, kind, msg));
                }
                continue;
            }
            EntryKind::File => {}
        }
        if tree.collisions.binary_search_by(|c| c.as_str().cmp(&e.path)).is_ok() {
            out.issues.push(ScanIssue::new(rel, None, "name-collision", walk::NAME_COLLISION));
        }
        if wants_text(rel) {
            if e.size > max_bytes {
                out.issues.push(walk::too_large(rel, e.size, max_bytes));
            } else {
                to_read.push((out.files.len(), e));
            }
        }
        out.files.push(RepoFile { path: rel.to_string(), size: e.size, text: None });
    }

    let installed = walk::installed_dirs(out.files.iter().map(|f| f.path.as_str()));
    if !installed.is_empty() {
        to_read.retain(|(i, _)| !walk::under_any(&out.files[*i].path, &installed));
        out.issues.retain(|x| !walk::under_any(&x.path, &installed));
    }
    let bytes = read(&to_read.iter().map(|(_, e)| e.id.as_str()).collect::<Vec<_>>()).map_err(crate::ScanError::Read)?;
    for ((i, _), b) in to_read.iter().zip(bytes) {
        // Never more than the cap, as on disk (the listed size is the blob's).
        let b = if b.len() as u64 > max_bytes { b[..max_bytes as usize].to_vec() } else { b };
        let (text, issue) = walk::decode(&out.files[*i].path, b);
        out.files[*i].text = Some(text);
        out.issues.extend(issue);
    }
    if !installed.is_empty() {
        out.files.retain(|f| !walk::under_any(&f.path, &installed));
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.issues.sort();
    out.issues.dedup();
    Ok(out)
}
