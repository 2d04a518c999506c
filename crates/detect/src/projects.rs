//! The projects of a monorepo: folders that own ML work of their own, each
//! assessed on its own evidence plus the shared evidence that reaches it.
//!
//! **Finding them.** A file that trains (a fit call, a pipeline definition,
//! a DVC training stage; test code does not count) belongs to the nearest
//! folder above it that holds a dependency manifest or pipeline definition
//! of its own (`requirements*.txt`, `pyproject.toml`, `setup.py`,
//! `environment.yml`, `conda.yaml`, `Pipfile`, `dvc.yaml`, `MLproject`,
//! `databricks.yml`, ...) or that a CI path filter scopes work to
//! (`ci.path-filter`). Nested candidates merge into the outermost one.
//! Folders named like a component of one project (`training`, `serving`,
//! `src`, `notebooks`, `pipelines`, ...) are parts of a project, not
//! projects. With fewer than two candidates the repository is one project
//! (no `projects` are reported). With two or more, training work outside
//! all of them makes the root (`.`) a project too. A repository can list
//! its projects itself (`projects:` in `.mlops-level.yml`); then that list
//! is used as given.
//!
//! **What each sees.** Evidence in a project's folder is that project's
//! only: a sibling's never counts. Evidence elsewhere (root CI, shared
//! libraries, scripts) counts for the projects it is tied to: the CI
//! definition or job is path-filtered to them; or its unit launches their
//! code, is launched or imported by their code, or runs under the same CI
//! root as their code. Evidence tied to no project is the repository's
//! shared infrastructure: it counts for every project, or, when the root is
//! a project itself, for the root only.
use crate::evidence::Evidence;
use crate::paths::Bits;
use std::collections::{BTreeMap, BTreeSet};

/// A project of a monorepo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Folder, repository-relative (`.` for the root).
    pub path: String,
    /// Display name (the config's, or the folder's own name).
    pub name: String,
    /// Why this folder is a project, for people.
    pub why: String,
}

/// A project and what belongs to it.
#[derive(Debug, Clone, Default)]
pub struct ProjectScope {
    /// The project.
    pub project: Option<Project>,
    /// Indexes into [`crate::Scan::evidence`] of the evidence it is assessed on.
    pub evidence: Vec<usize>,
    /// Indexes into [`crate::Scan::issues`] of the scan problems that concern it.
    pub issues: Vec<usize>,
}

/// A project root declared in the repository's config: path and optional name.
pub type Declared = (String, Option<String>);

/// File names that make their folder a project of its own.
const MANIFESTS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "environment.yml",
    "environment.yaml",
    "conda.yml",
    "conda.yaml",
    "dvc.yaml",
    "databricks.yml",
    "kedro.yml",
    "build.sbt",
    "pom.xml",
    "DESCRIPTION",
];

/// Folder names of the parts of one ML project (its training, serving,
/// notebooks...): such a folder is a component, never a project.
const COMPONENT_NAMES: &[&str] = &[
    "src",
    "source",
    "lib",
    "libs",
    "code",
    "app",
    "api",
    "service",
    "services",
    "server",
    "train",
    "training",
    "trainer",
    "serve",
    "serving",
    "score",
    "scoring",
    "inference",
    "predict",
    "prediction",
    "deploy",
    "deployment",
    "deployments",
    "pipeline",
    "pipelines",
    "notebook",
    "notebooks",
    "model",
    "models",
    "data",
    "features",
    "feature_engineering",
    "monitoring",
    "evaluation",
    "infra",
    "infrastructure",
    "scripts",
    "utils",
    "common",
    "shared",
    "core",
    "components",
    "steps",
    "tasks",
    "jobs",
    "ml",
    "mlops",
    "docker",
    "docs",
    "tests",
    "test",
    "config",
    "configs",
];

/// Words that make a folder name a component's (`build_pipeline`,
/// `batch-inference`, `model_training`); `model` alone does not
/// (`churn_model` is a project).
const COMPONENT_WORDS: &[&str] = &[
    "pipeline",
    "pipelines",
    "build",
    "batch",
    "online",
    "offline",
    "realtime",
    "train",
    "training",
    "serve",
    "serving",
    "scoring",
    "inference",
    "deploy",
    "deployment",
    "monitoring",
    "notebooks",
    "infra",
    "tests",
    "docs",
];

fn is_manifest(name: &str) -> bool {
    MANIFESTS.contains(&name) || name.starts_with("requirements") && name.ends_with(".txt") || name.eq_ignore_ascii_case("mlproject")
}

/// A folder named for a part of one project: its name, or one of the words
/// in it (`build_pipeline`, `batch-inference`), is a component name.
fn is_component(dir: &str) -> bool {
    let name = dir.rsplit('/').next().unwrap_or(dir).to_ascii_lowercase();
    COMPONENT_NAMES.contains(&name.as_str())
        || name.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| COMPONENT_WORDS.contains(&w))
        || crate::paths::is_test_path(&format!("{dir}/x.py"))
}

/// True when `path` is `dir` or inside it (`dir` `.` holds everything).
pub fn contains(dir: &str, path: &str) -> bool {
    dir == "." || path == dir || path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// Evidence that a file does ML training work of its own.
fn trains(e: &Evidence) -> bool {
    let work = match &*e.kind {
        "code.train" | "code.pipeline-def" => true,
        "dvc.stage" => e.attrs.get("role").is_some_and(|r| r == "train"),
        _ => false,
    };
    work && !crate::paths::is_test_path(&e.location.path) && !in_test_data(&e.location.path)
}

/// Inside a folder of test inputs (`testdata/`, `test_data/`, `fixtures/`):
/// code there is what a tool's tests compile or run, not a project's work.
fn in_test_data(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|c| matches!(c.to_ascii_lowercase().as_str(), "testdata" | "test_data" | "test-data" | "fixtures" | "__fixtures__" | "mocks"))
}

fn folder_name(dir: &str) -> String {
    if dir == "." {
        ".".into()
    } else {
        dir.rsplit('/').next().unwrap_or(dir).to_string()
    }
}

/// The projects of the repository (empty: it is one project).
pub fn discover(paths: &crate::paths::PathSet, evidence: &[Evidence], declared: &[Declared]) -> Vec<Project> {
    if !declared.is_empty() {
        let mut out: Vec<Project> = declared
            .iter()
            .filter_map(|(p, n)| {
                let path = crate::paths::normalize(p)?;
                let path = if path.is_empty() { ".".to_string() } else { path };
                let name = n.clone().unwrap_or_else(|| folder_name(&path));
                Some(Project { path, name, why: "declared in the repository's config".into() })
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out.dedup_by(|a, b| a.path == b.path);
        return out;
    }
    // Folders holding a manifest, and folders CI path filters scope to.
    let mut markers: BTreeMap<&str, String> = BTreeMap::new();
    for p in paths {
        if let Some((dir, name)) = p.rsplit_once('/') {
            if is_manifest(name) {
                markers.entry(dir).or_insert_with(|| format!("its own {name} and training code"));
            }
        }
    }
    let filters: Vec<&str> = evidence.iter().filter(|e| e.kind == "ci.path-filter").filter_map(|e| e.attrs.get("dir")).collect();
    for d in &filters {
        markers.entry(d).or_insert_with(|| "CI path filters scope work to it, and it holds training code".into());
    }
    let mut candidates: BTreeMap<String, String> = BTreeMap::new();
    let work: BTreeSet<&str> = evidence.iter().filter(|e| trains(e)).map(|e| e.location.path.as_str()).collect();
    for f in &work {
        let mut dir = *f;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            dir = parent;
            if let Some(why) = markers.get(dir) {
                if !is_component(dir) {
                    candidates.entry(dir.to_string()).or_insert_with(|| why.clone());
                }
                break;
            }
        }
    }
    // Nested candidates merge into the outermost.
    let all: Vec<String> = candidates.keys().cloned().collect();
    candidates.retain(|d, _| !all.iter().any(|o| o != d && contains(o, d)));
    if candidates.len() < 2 {
        return Vec::new();
    }
    let mut out: Vec<Project> = candidates.into_iter().map(|(path, why)| Project { name: folder_name(&path), path, why }).collect();
    if work.iter().any(|f| !out.iter().any(|p| contains(&p.path, f))) {
        out.push(Project { path: ".".into(), name: ".".into(), why: "training code outside the other projects".into() });
        out.sort_by(|a, b| a.path.cmp(&b.path));
    }
    out
}

/// What the linker knows about who launches what.
pub(crate) struct Graph<'a> {
    /// Units by id.
    pub units: &'a crate::link::Units<'a>,
    /// Unit -> units it starts or imports.
    pub edges: &'a crate::link::Edges<'a>,
    /// CI root -> every unit it reaches.
    pub root_closure: &'a crate::link::Closures<'a>,
}

/// For each piece of evidence (with its owning unit id, `""` for none), the
/// indexes of the projects it counts for. `projects` as [`discover`] gives them.
pub(crate) fn attribute(projects: &[Project], evidence: &[Evidence], owners: &[crate::link::OwnerId], g: &Graph) -> Vec<Vec<usize>> {
    let root_project = projects.iter().position(|p| p.path == ".");
    let home = |path: &str| home_of(projects, path);
    let path_of_id = |id: &str| -> String {
        match g.units.path_of(id) {
            Some(p) => p.to_string(),
            None => id.split_once(':').map(|(_, r)| r).unwrap_or(id).split(['#', '@']).next().unwrap_or("").to_string(),
        }
    };
    // Nodes: units (plain module units too) and edge targets.
    let plain_ids: Vec<String> = g.units.plain_ids().collect();
    let mut ids: BTreeSet<&str> = g.units.keys().chain(&plain_ids).map(String::as_str).collect();
    for (from, to) in g.edges {
        ids.insert(from);
        ids.extend(to.iter().map(|(t, _)| t.as_ref()));
    }
    let ids: Vec<&str> = ids.into_iter().collect();
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let n = ids.len();
    let own: Vec<Bits> = ids.iter().map(|id| home(&path_of_id(id)).map(Bits::one).unwrap_or_default()).collect();
    let mut fwd_adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut rev_adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, to) in g.edges {
        let f = index[*from];
        for (t, _) in to {
            let t = index[t.as_ref()];
            if t != f {
                fwd_adj[f].push(t);
                rev_adj[t].push(f);
            }
        }
    }
    // Projects reachable from a node (fwd) and projects that reach it (bwd):
    // worklist propagation, each set only grows, so linear in edges x words.
    let propagate = |succ: &[Vec<usize>], pred: &[Vec<usize>]| -> Vec<Bits> {
        let mut set = own.clone();
        let mut work: Vec<usize> = (0..n).collect();
        let mut queued = vec![true; n];
        while let Some(v) = work.pop() {
            queued[v] = false;
            let mut acc = set[v].clone();
            for &s in &succ[v] {
                acc.union(&set[s]);
            }
            if set[v].union(&acc) {
                for &p in &pred[v] {
                    if !queued[p] {
                        queued[p] = true;
                        work.push(p);
                    }
                }
            }
        }
        set
    };
    let fwd = propagate(&fwd_adj, &rev_adj);
    let bwd = propagate(&rev_adj, &fwd_adj);
    let mut serves: Vec<Bits> = (0..n)
        .map(|i| {
            let mut b = fwd[i].clone();
            b.union(&bwd[i]);
            b
        })
        .collect();
    // Units under the same CI root as a project's code serve it too.
    for (root, closure) in g.root_closure {
        let Some(&r) = index.get(*root) else { continue };
        let under = fwd[r].clone();
        for id in closure {
            if let Some(&i) = index.get(*id) {
                serves[i].union(&under);
            }
        }
    }
    // Path filters: a filtered CI definition or job serves the projects its
    // folders lie in (or hold), and only those.
    let filter_bits = |dir: &str| -> Bits {
        let mut b = Bits::default();
        for (i, p) in projects.iter().enumerate().filter(|(_, p)| p.path != ".") {
            if contains(&p.path, dir) || contains(dir, &p.path) {
                b.set(i);
            }
        }
        b
    };
    let mut file_filters: BTreeMap<&str, Bits> = BTreeMap::new();
    let mut unit_filters: BTreeMap<&str, Bits> = BTreeMap::new();
    for (e, o) in evidence.iter().zip(owners).filter(|(e, _)| e.kind == "ci.path-filter") {
        let b = filter_bits(e.attrs.get("dir").unwrap_or(""));
        let slot = if g.units.contains_key(o) { unit_filters.entry(&o[..]) } else { file_filters.entry(e.location.path.as_str()) };
        slot.or_default().union(&b);
    }
    for (i, id) in ids.iter().enumerate() {
        let filtered = unit_filters.get(id).or_else(|| file_filters.get(path_of_id(id).as_str()));
        if let Some(b) = filtered.filter(|b| !b.is_empty()) {
            serves[i] = b.clone();
        }
    }
    // File-level evidence (a workflow's triggers): what the file's units
    // serve; shared when one of them serves no project in particular (a
    // repository-wide lint job runs on every project's code).
    let mut by_file: BTreeMap<String, Bits> = BTreeMap::new();
    let mut shared_file: BTreeSet<String> = BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        if g.units.contains_key(id) {
            let f = path_of_id(id);
            if serves[i].is_empty() {
                shared_file.insert(f.clone());
            }
            by_file.entry(f).or_default().union(&serves[i]);
        }
    }
    for f in &shared_file {
        by_file.remove(f);
    }
    for (f, b) in &file_filters {
        if !b.is_empty() {
            by_file.insert(f.to_string(), b.clone());
        }
    }
    let shared: Vec<usize> = match root_project {
        Some(r) => vec![r],
        None => (0..projects.len()).collect(),
    };
    evidence
        .iter()
        .zip(owners)
        .map(|(e, o)| {
            if let Some(h) = home(&e.location.path) {
                return vec![h];
            }
            let b = match index.get(&o[..]).filter(|_| g.units.contains_key(o)) {
                Some(&i) => serves[i].clone(),
                None => by_file.get(e.location.path.as_str()).cloned().unwrap_or_default(),
            };
            if b.is_empty() {
                shared.clone()
            } else {
                b.indexes()
            }
        })
        .collect()
}

/// The deepest project (other than the root) holding `path`: its folders,
/// deepest first, looked up in the list (sorted by path, as [`discover`]
/// returns it), so the cost is the path's depth, not the number of projects.
fn home_of(projects: &[Project], path: &str) -> Option<usize> {
    let find = |dir: &str| projects.binary_search_by(|p| p.path.as_str().cmp(dir)).ok();
    let mut dir = path;
    loop {
        if let Some(i) = find(dir).filter(|&i| projects[i].path != ".") {
            return Some(i);
        }
        dir = dir.rsplit_once('/')?.0;
    }
}

/// Projects a scan problem at `path` concerns.
pub fn issue_projects(projects: &[Project], path: &str) -> Vec<usize> {
    match home_of(projects, path) {
        Some(i) => vec![i],
        None => match projects.iter().position(|p| p.path == ".") {
            Some(r) => vec![r],
            None => (0..projects.len()).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Confidence, Location};

    fn train(path: &str) -> Evidence {
        Evidence::new("code.train", "python", Location::line(path, 3), Confidence::High, "model.fit(x, y)")
    }

    fn set(paths: &[&str]) -> crate::paths::PathSet {
        paths.iter().map(|p| p.to_string()).collect()
    }

    fn paths_of(p: &[Project]) -> Vec<&str> {
        p.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn sibling_folders_with_manifests_and_training_are_projects() {
        let files = set(&["a/requirements.txt", "a/train.py", "b/pyproject.toml", "b/src/b/fit.py", "README.md"]);
        let ev = [train("a/train.py"), train("b/src/b/fit.py")];
        let p = discover(&files, &ev, &[]);
        assert_eq!(paths_of(&p), ["a", "b"]);
        assert_eq!(p[0].name, "a");
    }

    #[test]
    fn one_candidate_or_component_folders_make_one_project() {
        let files = set(&["ml/requirements.txt", "ml/train.py", "serving/requirements.txt", "serving/app.py"]);
        assert!(discover(&files, &[train("ml/train.py")], &[]).is_empty(), "one folder is one project");
        // training/ and batch_pipeline/ are parts of one project, not projects.
        let files = set(&["training/requirements.txt", "training/t.py", "batch_pipeline/setup.py", "batch_pipeline/p.py"]);
        assert!(discover(&files, &[train("training/t.py"), train("batch_pipeline/p.py")], &[]).is_empty());
    }

    #[test]
    fn test_code_and_nested_folders_do_not_split_a_project() {
        let files = set(&["x/requirements.txt", "x/sub/setup.py", "x/sub/m.py", "x/train.py", "y/requirements.txt", "y/tests/test_fit.py"]);
        let ev = [train("x/sub/m.py"), train("x/train.py"), train("y/tests/test_fit.py")];
        // x/sub merges into x; y trains only in its tests: not a project.
        assert!(discover(&files, &ev, &[]).is_empty());
    }

    #[test]
    fn training_outside_the_projects_makes_the_root_a_project() {
        let files = set(&["a/requirements.txt", "a/t.py", "b/requirements.txt", "b/t.py", "train.py"]);
        let p = discover(&files, &[train("a/t.py"), train("b/t.py"), train("train.py")], &[]);
        assert_eq!(paths_of(&p), [".", "a", "b"]);
    }

    #[test]
    fn path_filters_name_project_folders() {
        let files = set(&["svc/one/t.py", "svc/two/t.py"]);
        let filter = |d: &str| {
            Evidence::new("ci.path-filter", "github-actions", Location::line(".github/workflows/x.yml", 4), Confidence::High, d)
                .attr("dir", d)
        };
        let ev = [train("svc/one/t.py"), train("svc/two/t.py"), filter("svc/one"), filter("svc/two")];
        assert_eq!(paths_of(&discover(&files, &ev, &[])), ["svc/one", "svc/two"]);
        // Without the filters nothing marks them.
        assert!(discover(&files, &ev[..2], &[]).is_empty());
    }

    #[test]
    fn code_in_test_data_folders_is_not_training_work() {
        let files = set(&["a/requirements.txt", "a/t.py", "b/requirements.txt", "b/testdata/pipe.py", "c/setup.py", "c/fixtures/x.py"]);
        let ev = [train("a/t.py"), train("b/testdata/pipe.py"), train("c/fixtures/x.py")];
        assert!(discover(&files, &ev, &[]).is_empty(), "only a trains; b and c hold test inputs");
    }

    #[test]
    fn declared_projects_are_used_as_given() {
        let p = discover(&set(&[]), &[], &[("./models/a/".into(), Some("alpha".into())), ("models/b".into(), None)]);
        assert_eq!(paths_of(&p), ["models/a", "models/b"]);
        assert_eq!((p[0].name.as_str(), p[1].name.as_str()), ("alpha", "b"));
    }

    #[test]
    fn path_filter_dir_takes_the_literal_folders() {
        use crate::detectors::path_filter_dir as d;
        assert_eq!(d("projects/churn/**").as_deref(), Some("projects/churn"));
        assert_eq!(d("./svc/a/*.py").as_deref(), Some("svc/a"));
        assert_eq!(d("svc/a/").as_deref(), Some("svc/a"));
        assert_eq!(d("svc/a").as_deref(), Some("svc/a"));
        assert_eq!(d("svc/a/requirements.txt").as_deref(), Some("svc/a"));
        assert_eq!(d("**/*.py"), None);
        assert_eq!(d("!docs/**"), None);
        assert_eq!(d("README.md"), None);
        assert_eq!(d("$DIR/**"), None);
    }

    #[test]
    fn contains_respects_folder_boundaries() {
        assert!(contains("a/b", "a/b/c.py"));
        assert!(contains("a/b", "a/b"));
        assert!(!contains("a/b", "a/bc/x.py"));
        assert!(contains(".", "anything"));
    }
}
