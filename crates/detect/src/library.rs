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
    evidence.iter().any(|e| match &*e.kind {
        "code.train" => !e.attrs.contains_key("in_test") && !crate::paths::is_test_path(&e.location.path),
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
        let text = &*text;
        let Some((name, line)) = declared_name(manifest, text) else { continue };
        let Some(package) = package_of(repo, &name) else { continue };
        let in_package =
            |p: &str| (if package.ends_with('/') { p.starts_with(&package) } else { p == package }) && !crate::paths::is_test_path(p);
        let calls = evidence.iter().find(|e| TOOL_KINDS.contains(&&*e.kind) && in_package(&e.location.path));
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
pub fn apply(lib: &ToolLibrary, out: &mut Vec<Evidence>, owner: &mut Vec<crate::link::OwnerId>) {
    let mut kept_e = Vec::with_capacity(out.len());
    let mut kept_o = Vec::with_capacity(owner.len());
    for (e, o) in out.drain(..).zip(owner.drain(..)) {
        if crate::paths::is_test_path(&e.location.path) && !kept_in_tests(&e.kind) {
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
    owner.push(format!("file:{}", lib.manifest).into());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> RepoIndex {
        let mut r = RepoIndex::default();
        for (p, t) in files {
            r.paths.insert(p.to_string());
            r.texts.insert(p.to_string(), t.to_string());
        }
        r
    }

    fn ev(kind: &str, path: &str) -> Evidence {
        let e = Evidence::new(kind, "python", Location::line(path, 3), Confidence::High, "x");
        if crate::paths::is_test_path(path) {
            e.attr("in_test", "true")
        } else {
            e
        }
    }

    const PYPROJECT: &str = "[tool.black]\nname = \"nope\"\n\n[project]\nname = \"run-bridge\"\nversion = \"1.0\"\n";

    #[test]
    fn distribution_names_from_each_manifest() {
        assert_eq!(declared_name("pyproject.toml", PYPROJECT), Some(("run-bridge".into(), 5)));
        assert_eq!(declared_name("pyproject.toml", "[tool.poetry]\nname = \"x_tool\"\n"), Some(("x_tool".into(), 2)));
        assert_eq!(declared_name("setup.cfg", "[metadata]\nname = cfg-lib\n"), Some(("cfg-lib".into(), 2)));
        assert_eq!(
            declared_name("setup.py", "from setuptools import setup\n\nsetup(\n    name=\"py_lib\",\n)\n"),
            Some(("py_lib".into(), 4))
        );
        // A name outside the distribution's section, in a comment, or before setup() is not the distribution's.
        assert_eq!(declared_name("pyproject.toml", "[tool.black]\nname = \"nope\"\n"), None);
        assert_eq!(declared_name("pyproject.toml", "[project]\n# name = \"old\"\n"), None);
        assert_eq!(declared_name("setup.py", "name = \"helper\"\n# setup(name=\"x\")\n"), None);
    }

    #[test]
    fn entry_point_groups_of_plugins() {
        let t = "[project.entry-points.\"acme.hooks\"]\nh = \"m:h\"\n[tool.poetry.plugins.\"mlflow.tracking_store\"]\n";
        assert_eq!(entry_point_groups("pyproject.toml", t), vec!["acme.hooks", "mlflow.tracking_store"]);
        let py = "setup(name='p', entry_points={'mlflow.request_header_provider': ['x=p.h:X']})\n";
        assert_eq!(entry_point_groups("setup.py", py), vec!["mlflow.request_header_provider"]);
        assert!(entry_point_groups("setup.py", "setup(name='p')\n# entry_points={'mlflow.x': []}\n").is_empty());
    }

    #[test]
    fn a_package_calling_a_tool_api_with_training_only_in_tests_is_a_tool_library() {
        let r = repo(&[("pyproject.toml", PYPROJECT), ("src/run_bridge/__init__.py", ""), ("src/run_bridge/log.py", "")]);
        let evidence = vec![
            ev("code.track", "src/run_bridge/log.py"),
            ev("code.train", "tests/test_log.py"),
            ev("code.load-model", "tests/test_log.py"),
        ];
        let lib = recognise(&r, &evidence).expect("a tool library");
        assert_eq!(lib.package, "src/run_bridge/");
        assert_eq!((lib.manifest.as_str(), lib.line), ("pyproject.toml", 5));

        let mut out = evidence;
        out.push(ev("test.case", "tests/test_log.py"));
        let mut owner: Vec<crate::link::OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
        apply(&lib, &mut out, &mut owner);
        let kinds: Vec<&str> = out.iter().map(|e| &*e.kind).collect();
        assert_eq!(kinds, vec!["code.track", "test.case", "repo.tool-library"]);
        assert_eq!(out.len(), owner.len());
    }

    #[test]
    fn a_plugin_entry_point_makes_a_tool_library() {
        let t = "[project]\nname = \"flow-hooks\"\n[project.entry-points.\"mlflow.tracking_store\"]\nh = \"flow_hooks:h\"\n";
        let r = repo(&[("pyproject.toml", t), ("flow_hooks/__init__.py", "")]);
        assert!(recognise(&r, &[]).is_some_and(|l| l.why.contains("mlflow.tracking_store")));
        // A group of no ML tool does not.
        let t = "[project]\nname = \"flow-hooks\"\n[project.entry-points.\"console_scripts\"]\nh = \"flow_hooks:h\"\n";
        let r = repo(&[("pyproject.toml", t), ("flow_hooks/__init__.py", "")]);
        assert!(recognise(&r, &[]).is_none());
    }

    #[test]
    fn applications_and_model_packages_are_not_tool_libraries() {
        let files = [("pyproject.toml", PYPROJECT), ("src/run_bridge/__init__.py", ""), ("src/run_bridge/train.py", "")];
        let r = repo(&files);
        // An application whose package trains and tracks.
        let app = vec![ev("code.track", "src/run_bridge/train.py"), ev("code.train", "src/run_bridge/train.py")];
        assert!(recognise(&r, &app).is_none());
        // Training in a notebook or a DVC stage is the repository's own too.
        let mut stage = Evidence::new("dvc.stage", "dvc", Location::line("dvc.yaml", 2), Confidence::High, "train");
        stage = stage.attr("role", "train");
        assert!(recognise(&r, &[ev("code.track", "src/run_bridge/train.py"), stage]).is_none());
        // A package that calls no tool API (its tests fit its own model definitions).
        assert!(recognise(&r, &[ev("code.train", "tests/test_model.py")]).is_none());
        // Tool calls only in tests, or in code outside the declared package.
        assert!(recognise(&r, &[ev("code.track", "tests/test_x.py"), ev("code.track", "scripts/log.py")]).is_none());
        // No packaging file naming a package of the repository.
        let r = repo(&[("pyproject.toml", "[project]\nname = \"elsewhere\"\n"), ("src/run_bridge/__init__.py", "")]);
        assert!(recognise(&r, &[ev("code.track", "src/run_bridge/log.py")]).is_none());
    }
}
