//! Repositories that ARE the library of an ML tool (a tracking plugin, a
//! framework integration, an SDK), not a project that trains its own models.
//!
//! Such a repository declares a Python distribution (`pyproject.toml`
//! `[project]` / `[tool.poetry]`, `setup.cfg` `[metadata]`, `setup.py`
//! `setup(name=...)`) whose import package it defines itself, and that
//! package wraps a tool: its own source (not its tests) calls a tracking,
//! registry, deployment or monitoring API, or the distribution registers
//! entry points in a tool's plugin group (`kedro.hooks`,
//! `mlflow.tracking_store`). Nothing of the repository trains outside its
//! tests (no training code, training stage or submitted training job).
//!
//! Its tests then fit toy models, log them to throw-away stores in temporary
//! folders and create projects of the host tool to exercise the library:
//! those models, runs and projects are fixtures, not the repository's
//! practice (RUBRIC.md, "Whose practice is it"). The linker drops the ML
//! evidence found in its test files and counts what its tests import as
//! application (library) code, and records why with a `repo.tool-library`
//! evidence at the packaging file.
//!
//! Not a tool library: an application with a `src/<pkg>` package that trains
//! (a training script, a DVC train stage, a submitted job), or a package of
//! model definitions that calls no tool API (its tests fit its own models).
//! Example: `pyproject.toml` `name = "runlog-bridge"`, `src/runlog_bridge/`
//! calling `mlflow.log_metric`, tests fitting a `LinearRegression` under
//! `tmp_path`.

use crate::evidence::{Confidence, Evidence, Location};
use crate::RepoIndex;
use std::collections::BTreeSet;

/// A repository recognised as the library of an ML tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolLibrary {
    /// The packaging file that declares the distribution.
    pub manifest: String,
    /// The line of the distribution's name in it.
    pub line: u32,
    /// The distribution name as declared.
    pub name: String,
    /// The import package: a folder prefix ending in `/`, or a module file.
    pub package: String,
    /// Why it wraps a tool (the first piece of evidence found).
    pub why: String,
}

/// Evidence kinds in a package's own source that show it calls a tool's API.
const TOOL_KINDS: &[&str] =
    &["code.track", "code.model-version", "code.deploy", "code.monitor", "code.traffic-split", "code.pipeline-trigger"];

/// Host tools whose entry-point groups make a distribution a plugin of them,
/// besides the catalogue's platforms (pipeline frameworks read by detectors).
const PLUGIN_HOSTS: &[&str] = &["kedro", "dagster", "prefect"];

/// The distribution name declared by one packaging file, with its line.
fn declared_name(path: &str, text: &str) -> Option<(String, u32)> {
    let value = |l: &str| -> Option<String> {
        let (k, v) = l.split_once('=')?;
        if k.trim() != "name" {
            return None;
        }
        let v = v.split('#').next().unwrap_or("").trim().trim_matches(['"', '\'']).trim();
        let ok = !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        ok.then(|| v.to_string())
    };
    match path {
        "pyproject.toml" | "setup.cfg" => {
            let wanted: &[&str] = if path == "setup.cfg" { &["[metadata]"] } else { &["[project]", "[tool.poetry]"] };
            let mut section = "";
            for (i, l) in text.lines().enumerate() {
                let t = l.trim();
                if t.starts_with('[') {
                    section = t;
                    continue;
                }
                if wanted.contains(&section) && !t.starts_with('#') {
                    if let Some(v) = value(t) {
                        return Some((v, i as u32 + 1));
                    }
                }
            }
            None
        }
        "setup.py" => {
            let masked = crate::pylex::mask(text);
            let at = masked.find("setup(")?;
            let first = masked[..at].matches('\n').count();
            masked.lines().enumerate().skip(first).find_map(|(i, l)| {
                let t = l.trim().trim_end_matches(',');
                let t = t.strip_prefix("setup(").unwrap_or(t);
                value(t).map(|v| (v, i as u32 + 1))
            })
        }
        _ => None,
    }
}

/// Entry-point groups of a packaging file (`[project.entry-points."g"]`,
/// `[tool.poetry.plugins."g"]`, `[options.entry_points]` keys, setup.py
/// `entry_points={"g": ...}`).
fn entry_point_groups(path: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    match path {
        "pyproject.toml" => {
            for l in text.lines() {
                let t = l.trim();
                for p in ["[project.entry-points.", "[tool.poetry.plugins."] {
                    if let Some(g) = t.strip_prefix(p) {
                        out.push(g.trim_end_matches(']').trim_matches(['"', '\'']).to_string());
                    }
                }
            }
        }
        "setup.cfg" => {
            let mut inside = false;
            for l in text.lines() {
                let t = l.trim();
                if t.starts_with('[') {
                    inside = t == "[options.entry_points]";
                } else if inside && !l.starts_with([' ', '\t']) {
                    if let Some((g, _)) = t.split_once('=') {
                        out.push(g.trim().to_string());
                    }
                }
            }
        }
        "setup.py" => {
            let masked = crate::pylex::mask(text);
            if let Some(at) = masked.find("entry_points") {
                // Keys of the dict literal that follows: the original text's strings.
                let end = (at + 2000).min(text.len());
                let mut end = end;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                for s in crate::detectors::pyproject::strings(&text[at..end]) {
                    if s.contains('.') && !s.contains([' ', '=', ':']) {
                        out.push(s);
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// The repository's import package for a distribution name: `name/` or
/// `name.py` at the root or under `src/`, `lib/`, `python/`.
fn package_of(repo: &RepoIndex, name: &str) -> Option<String> {
    let norm = name.to_ascii_lowercase().replace(['-', '.'], "_");
    ["", "src/", "lib/", "python/"].iter().find_map(|base| {
        if repo.exists(&format!("{base}{norm}/__init__.py")) {
            Some(format!("{base}{norm}/"))
        } else if repo.exists(&format!("{base}{norm}.py")) {
            Some(format!("{base}{norm}.py"))
        } else {
            None
        }
    })
}

/// True when some evidence shows the repository trains models of its own
/// outside its tests: training code (scripts, modules, notebooks), a DVC
/// training stage, an Azure ML job, a job submitted to an ML platform.
fn trains_outside_tests(evidence: &[Evidence]) -> bool {
    evidence.iter().any(|e| match e.kind.as_str() {
        "code.train" => !e.attrs.contains_key("in_test") && !crate::detectors::python::is_test_path(&e.location.path),
        "dvc.stage" => e.attrs.get("role").is_some_and(|r| r == "train"),
        "azureml.job" | "run.submit-job" => true,
        _ => false,
    })
}

/// Recognise a repository that is the library of an ML tool (see the module
/// documentation), from its packaging files and the evidence found.
pub fn recognise(repo: &RepoIndex, evidence: &[Evidence]) -> Option<ToolLibrary> {
    if trains_outside_tests(evidence) {
        return None;
    }
    let hosts: BTreeSet<String> =
        repo.catalog().entries.iter().map(|e| e.platform.clone()).chain(PLUGIN_HOSTS.iter().map(|s| s.to_string())).collect();
    for manifest in ["pyproject.toml", "setup.cfg", "setup.py"] {
        let Some(text) = repo.text(manifest) else { continue };
        let Some((name, line)) = declared_name(manifest, text) else { continue };
        let Some(package) = package_of(repo, &name) else { continue };
        let in_package = |p: &str| {
            (if package.ends_with('/') { p.starts_with(&package) } else { p == package })
                && !crate::detectors::python::is_test_path(p)
        };
        let calls = evidence.iter().find(|e| TOOL_KINDS.contains(&e.kind.as_str()) && in_package(&e.location.path));
        let why = if let Some(e) = calls {
            format!("{} calls a tool API ({} at {}:{})", package, e.kind, e.location.path, e.location.start_line)
        } else if let Some(g) = entry_point_groups(manifest, text).into_iter().find(|g| {
            let host = g.split(['.', '_', '-']).next().unwrap_or("");
            hosts.contains(host)
        }) {
            format!("{manifest} registers a plugin in the `{g}` entry-point group")
        } else {
            continue;
        };
        return Some(ToolLibrary { manifest: manifest.to_string(), line, name, package, why });
    }
    None
}

/// Kinds a tool library's test files keep: the tests themselves, what they
/// import, and how CI runs them. Models, runs, registrations, projects and
/// data the tests make are fixtures, not the repository's practice.
fn kept_in_tests(kind: &str) -> bool {
    kind.starts_with("test.") || kind.starts_with("ci.") || kind.starts_with("repo.") || kind.starts_with("deps.") || kind == "run.tests"
}

/// Apply a recognised tool library to the annotated evidence (kept parallel
/// with `owner`): drop the ML evidence of its test files and record the
/// recognition as `repo.tool-library`.
pub fn apply(lib: &ToolLibrary, out: &mut Vec<Evidence>, owner: &mut Vec<String>) {
    let mut kept_e = Vec::with_capacity(out.len());
    let mut kept_o = Vec::with_capacity(owner.len());
    for (e, o) in out.drain(..).zip(owner.drain(..)) {
        if crate::detectors::python::is_test_path(&e.location.path) && !kept_in_tests(&e.kind) {
            continue;
        }
        kept_e.push(e);
        kept_o.push(o);
    }
    *out = kept_e;
    *owner = kept_o;
    out.push(
        Evidence::new(
            "repo.tool-library",
            "linker",
            Location::line(&lib.manifest, lib.line),
            Confidence::Medium,
            &format!("{} is the library of an ML tool: {}", lib.name, lib.why),
        )
        .attr("package", lib.package.clone())
        .attr("why", lib.why.clone()),
    );
    owner.push(format!("file:{}", lib.manifest));
}
