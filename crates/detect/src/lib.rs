//! mlops-level's detector crate: walk a repository, run one detector per
//! format over each file, link references across files, and return typed,
//! located [`Evidence`].
//!
//! Detectors observe and never judge: the rule pack (crate
//! `mlops-level-rules`) maps evidence to criteria.
#![forbid(unsafe_code)]

pub mod command;
pub mod detectors;
pub mod evidence;
pub mod kinds;
pub mod link;
pub mod pylex;
pub mod shell;
pub mod walk;
pub mod yaml;

pub use evidence::{Confidence, Evidence, Location, ScanIssue};

use std::collections::BTreeSet;
use std::path::Path;

/// A runnable unit: something that runs commands (a CI job, a Makefile
/// target, a tox env, a DVC stage, a platform job file, a script or module).
/// The linker connects units through the commands they run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    /// Stable id: `<scheme>:<path>[#name]`, e.g. `make:Makefile#train`,
    /// `file:src/train.py`, `ci:.github/workflows/ci.yml#test`.
    pub id: String,
    /// Where it is defined.
    pub location: Location,
    /// Human label (job name, target, stage).
    pub label: String,
    /// True when the unit starts by itself (a CI job, a scheduled DAG, a
    /// pipeline definition); roots start the linker's search.
    pub root: bool,
    /// Events that start it (for roots): `push`, `pull_request`, `tag`,
    /// `schedule`, `manual`, `external`. Empty for ML pipeline definitions
    /// that something else must submit.
    pub triggers: BTreeSet<String>,
    /// Commands it runs, in order.
    pub commands: Vec<Cmd>,
    /// Direct references to other units (`needs` prerequisites, reusable
    /// workflows, Makefile prerequisites), by id, with the referencing line.
    pub calls: Vec<(String, Location)>,
}

impl Unit {
    /// A unit with no commands yet.
    pub fn new(id: String, location: Location, label: &str) -> Self {
        Unit { id, location, label: label.to_string(), root: false, triggers: BTreeSet::new(), commands: Vec::new(), calls: Vec::new() }
    }
}

/// One command a unit runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cmd {
    /// Words after quote removal and wrapper stripping.
    pub argv: Vec<String>,
    /// Where it is written.
    pub location: Location,
    /// Source text for snippets.
    pub text: String,
    /// Directory it runs in (repo-relative, `""` for the root).
    pub workdir: String,
}

/// What one detector produced for one file.
#[derive(Debug, Default)]
pub struct Output {
    /// Evidence, each optionally owned by a unit (by id) for the linker.
    pub evidence: Vec<(Evidence, Option<String>)>,
    /// Runnable units defined in the file.
    pub units: Vec<Unit>,
    /// Problems reading the file.
    pub issues: Vec<ScanIssue>,
}

impl Output {
    /// Record evidence owned by no unit (or by the file's own unit, `file:<path>`).
    pub fn push(&mut self, e: Evidence) {
        self.evidence.push((e, None));
    }

    /// Record evidence that belongs to a unit.
    pub fn push_in(&mut self, e: Evidence, unit: &str) {
        self.evidence.push((e, Some(unit.to_string())));
    }
}

/// Read-only view of the whole repository, for detectors that need to know
/// what else exists (local packages, referenced files).
#[derive(Debug, Default)]
pub struct RepoIndex {
    /// Every regular file path (repo-relative).
    pub paths: BTreeSet<String>,
    /// Text of the files that were read (those some detector applies to).
    pub texts: std::collections::BTreeMap<String, String>,
    /// Extra Python import roots declared by test configuration
    /// (`pythonpath = src` in pytest.ini / pyproject.toml / setup.cfg / tox.ini).
    pub py_paths: Vec<String>,
}

/// Configuration files read for repository-wide settings.
pub fn is_config_file(path: &str) -> bool {
    matches!(path, "pytest.ini" | "pyproject.toml" | "setup.cfg" | "tox.ini" | ".gitattributes")
}

fn pythonpath_entries(repo: &RepoIndex) -> Vec<String> {
    let mut out = Vec::new();
    for f in ["pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"] {
        let Some(t) = repo.text(f) else { continue };
        let mut lines = t.lines().peekable();
        while let Some(l) = lines.next() {
            let l = l.trim();
            let Some(rest) = l.strip_prefix("pythonpath") else { continue };
            let Some(v) = rest.trim_start().strip_prefix('=') else { continue };
            let mut v = v.trim().to_string();
            // INI continuation lines.
            while lines.peek().is_some_and(|n| n.starts_with([' ', '\t']) && !n.trim().is_empty()) {
                v.push(' ');
                v.push_str(lines.next().unwrap().trim());
            }
            for p in v.split(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '"' | '\'')) {
                let p = p.trim_start_matches("./").trim_end_matches('/');
                if !p.is_empty() && p != "." && !out.iter().any(|x| x == p) {
                    out.push(p.to_string());
                }
            }
        }
    }
    out
}

impl RepoIndex {
    /// Text of a file that was read.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    /// True when `path` is a file of the repository.
    pub fn exists(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// True when a directory of that repo-relative path holds any file.
    pub fn dir_exists(&self, dir: &str) -> bool {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.paths.range(prefix.clone()..).next().is_some_and(|p| p.starts_with(&prefix))
    }

    /// True when `name` is a Python package or module defined in this
    /// repository (at the root or under `src/`): calls into it are the
    /// repository's own code, not a third-party tool's API.
    pub fn defines_python_module(&self, name: &str) -> bool {
        ["", "src/", "lib/", "python/"]
            .iter()
            .any(|base| self.exists(&format!("{base}{name}/__init__.py")) || self.exists(&format!("{base}{name}.py")))
    }
}

/// One file handed to a detector.
pub struct FileCtx<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    /// File text.
    pub text: &'a str,
    /// The rest of the repository.
    pub repo: &'a RepoIndex,
}

/// A detector understands one format or tool.
pub trait Detector: Sync + Send {
    /// Kebab-case name, equal to its module name.
    fn name(&self) -> &'static str;
    /// Whether this detector reads the file at `path`.
    fn applies(&self, path: &str) -> bool;
    /// Observe one file.
    fn detect(&self, file: &FileCtx<'_>, out: &mut Output);
}

/// Options for a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Cap on bytes read from one file.
    pub max_file_bytes: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { max_file_bytes: walk::DEFAULT_MAX_FILE_BYTES }
    }
}

/// Everything a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Evidence, sorted, including facts derived by the linker.
    pub evidence: Vec<Evidence>,
    /// Runnable units, sorted by id.
    pub units: Vec<Unit>,
    /// Scan problems, sorted.
    pub issues: Vec<ScanIssue>,
    /// Every file path seen (repo-relative, sorted).
    pub files: Vec<String>,
}

/// Errors that stop a scan before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The root does not exist or is not a directory.
    #[error("{0}: not a directory")]
    NotADirectory(String),
}

/// True for files that are templates for other projects, not live files of
/// this one (cookiecutter / Jinja placeholders in the path, template suffixes).
pub fn is_template_path(path: &str) -> bool {
    path.contains("{{") || path.contains("{%") || {
        let name = path.rsplit('/').next().unwrap_or(path);
        [".tmpl", ".j2", ".jinja", ".jinja2", ".template", ".tpl"].iter().any(|s| name.ends_with(s))
    }
}

/// True when file text is a template (cookiecutter / copier placeholders).
pub fn is_template_text(text: &str) -> bool {
    text.contains("{{cookiecutter.")
        || text.contains("{{ cookiecutter.")
        || text.contains("{% if cookiecutter.")
        || text.contains("{{ copier")
}

/// Scan the repository at `root`.
pub fn scan(root: &Path, opts: &ScanOptions) -> Result<Scan, ScanError> {
    if !root.is_dir() {
        return Err(ScanError::NotADirectory(root.display().to_string()));
    }
    let dets = detectors::all();
    let wants = |p: &str| !is_template_path(p) && (is_config_file(p) || dets.iter().any(|d| d.applies(p)));
    let walked = walk::walk(root, opts.max_file_bytes, &wants);
    let mut repo = RepoIndex::default();
    let mut sizes = Vec::new();
    for f in walked.files {
        repo.paths.insert(f.path.clone());
        sizes.push((f.path.clone(), f.size));
        if let Some(t) = f.text {
            if !is_template_text(&t) {
                repo.texts.insert(f.path, t);
            }
        }
    }
    repo.py_paths = pythonpath_entries(&repo);
    let mut issues = walked.issues;
    let mut evidence: Vec<(Evidence, Option<String>)> = Vec::new();
    let mut units = Vec::new();
    for (path, size) in &sizes {
        // Size-only observations (committed model binaries) need no text.
        detectors::binaries::observe(path, *size, &repo, &mut evidence);
    }
    // Files are independent: detect in parallel, then merge in path order
    // so the result does not depend on scheduling.
    use rayon::prelude::*;
    let files: Vec<(&String, &String)> = repo.texts.iter().collect();
    let outputs: Vec<Output> = files
        .par_iter()
        .map(|(path, text)| {
            let ctx = FileCtx { path, text, repo: &repo };
            let mut out = Output::default();
            for d in &dets {
                if d.applies(path) {
                    d.detect(&ctx, &mut out);
                }
            }
            out
        })
        .collect();
    for out in outputs {
        evidence.extend(out.evidence);
        units.extend(out.units);
        issues.extend(out.issues);
    }
    if std::env::var_os("MLOPS_LEVEL_DEBUG_UNITS").is_some() {
        for u in &units {
            eprintln!(
                "unit {} root={} triggers={:?} calls={:?}",
                u.id,
                u.root,
                u.triggers,
                u.calls.iter().map(|c| &c.0).collect::<Vec<_>>()
            );
            for c in &u.commands {
                eprintln!("    cmd {:?} @{} wd={:?}", c.argv, c.location, c.workdir);
            }
        }
    }
    let linked = link::link(&repo, units, evidence);
    issues.sort();
    issues.dedup();
    Ok(Scan { evidence: linked.evidence, units: linked.units, issues, files: repo.paths.into_iter().collect() })
}
