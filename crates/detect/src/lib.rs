//! mlops-level's detector crate: walk a repository, run one detector per
//! format over each file, link references across files, and return typed,
//! located [`Evidence`].
//!
//! Detectors observe and never judge: the rule pack (crate
//! `mlops-level-rules`) maps evidence to criteria.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod command;
pub mod detectors;
pub mod evidence;
#[doc(hidden)]
pub mod fuzz;
pub mod gitindex;
pub mod kinds;
pub mod library;
pub mod link;
pub mod paths;
pub mod projects;
pub mod pylex;
pub mod rx;
pub mod shell;
pub mod tree;
pub mod walk;
pub mod yaml;

pub use evidence::{Attrs, Confidence, Evidence, Location, PathName, ScanIssue};

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
    /// `schedule`, `manual`, `external` (plus `event` when the outside event
    /// is new data or a message, not a chained CI run). Empty for ML pipeline definitions
    /// that something else must submit.
    pub triggers: BTreeSet<String>,
    /// Commands it runs, in order (once held, without those that start
    /// nothing: [`command::starts_nothing`]).
    pub commands: Vec<Cmd>,
    /// Direct references to other units (`needs` prerequisites, reusable
    /// workflows, Makefile prerequisites), by id, with the referencing line.
    pub calls: Vec<(String, Location)>,
    /// Variables the definition sets for its commands (`env:`, `variables:`),
    /// substituted into the commands it runs.
    pub vars: std::collections::BTreeMap<String, String>,
    /// Images its commands build (`docker build -t tag -f file`), tag ->
    /// Dockerfile path, so a later `docker run tag` calls what the image runs.
    pub images: std::collections::BTreeMap<String, String>,
    /// The build context of each image its commands build, tag -> folder:
    /// a command run in a container of the image (`docker run tag make
    /// test`) runs on that folder's files.
    pub image_contexts: std::collections::BTreeMap<String, String>,
    /// Git remotes its commands add (`git remote add space <url>`), name ->
    /// URL, so a later `git push space main` is read as a push to that URL.
    pub remotes: std::collections::BTreeMap<String, String>,
    /// Units of the same run that must finish before this one starts
    /// (GitHub `needs`, Azure Pipelines `dependsOn` and stage order), by id.
    pub after: Vec<String>,
    /// True once its commands started a throwaway Kubernetes cluster on the
    /// CI machine (`kind create cluster`, `minikube start`, `k3d cluster
    /// create`, or a setup action for one): its later Kubernetes deploys go
    /// there, which releases nothing.
    pub local_cluster: bool,
    /// Workflows, by name, whose runs start it (GitHub `workflow_run`): the
    /// linker gives it their triggers (`external` for a name the repository
    /// does not define).
    pub after_workflows: Vec<String>,
}

impl Unit {
    /// A unit with no commands yet.
    pub fn new(id: String, location: Location, label: &str) -> Self {
        Unit {
            id,
            location,
            label: label.to_string(),
            root: false,
            triggers: BTreeSet::new(),
            commands: Vec::new(),
            calls: Vec::new(),
            vars: Default::default(),
            images: Default::default(),
            image_contexts: Default::default(),
            remotes: Default::default(),
            after: Vec::new(),
            local_cluster: false,
            after_workflows: Vec::new(),
        }
    }

    /// The unit of a file that references nothing: `file:<path>`, labelled
    /// with its path, at its first line.
    pub fn plain_file(path: &str) -> Self {
        Unit::new(format!("file:{path}"), Location::line(path, 1), path)
    }

    /// True when this is [`Unit::plain_file`] of its path: a module that
    /// runs, calls and waits for nothing, and starts by no event. Everything
    /// about it follows from its path, so the linker holds only that.
    pub fn is_plain_file(&self) -> bool {
        self.calls.is_empty() && self.is_plain_but_calls()
    }

    /// True when this is [`Unit::plain_file`] of its path but for its
    /// calls, each made on one line of the file (a module importing local
    /// modules): [`Unit::file_calls`] rebuilds it from its path and those.
    fn is_plain_but_calls(&self) -> bool {
        let path = &self.location.path;
        self.id.strip_prefix("file:") == Some(path.as_str())
            && self.label == *path
            && (self.location.start_line, self.location.end_line) == (1, 1)
            && !self.root
            && self.triggers.is_empty()
            && self.commands.is_empty()
            && self.vars.is_empty()
            && self.images.is_empty()
            && self.image_contexts.is_empty()
            && self.remotes.is_empty()
            && self.after.is_empty()
            && self.calls.iter().all(|(_, l)| l.path == *path && l.start_line == l.end_line)
    }

    /// The unit of the file at `path` that calls `calls` (target id, line)
    /// and is plain otherwise.
    fn file_calls(path: &str, calls: Vec<(String, u32)>) -> Self {
        let mut u = Unit::plain_file(path);
        u.calls = calls.into_iter().map(|(t, l)| (t, Location::line(path, l))).collect();
        u
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
    /// The file's unit is [`Unit::is_plain_file`] (held as this flag once
    /// the output is [`Output::compacted`]).
    plain_unit: bool,
    /// The calls (target id, line) of the file's unit when it is plain but
    /// for them (held so once compacted; see [`Unit::file_calls`]).
    file_calls: Vec<(String, u32)>,
}

impl Output {
    /// Record evidence owned by no unit (or by the file's own unit, `file:<path>`).
    pub fn push(&mut self, e: Evidence) {
        self.evidence.push((e, None));
    }

    /// A copy, for holding: allocated after the temporaries that made it
    /// were freed (see the read loop of [`scan_listed`]).
    /// The plain unit of the file at `path` is kept as a flag (most files'
    /// only unit).
    ///
    /// Held smaller: the file's unit when it is plain but for calls made in
    /// the file (most modules that import local ones) as those calls
    /// (target, line), when it comes first of the file's other units (it is
    /// put back first); evidence owned by the file's own unit as owned by
    /// none (the linker's default owner is the same); no command that
    /// starts nothing ([`command::starts_nothing`]); the locations in the
    /// file sharing one copy of its path ([`PathName`]).
    fn compacted(mut self, path: &str) -> Output {
        // Commands the linker can follow nothing from are not held (a unit
        // left with none may be plain).
        for u in &mut self.units {
            u.commands.retain(|c| !command::starts_nothing(&c.argv));
        }
        let plain = |u: &Unit| u.is_plain_file() && u.location.path == path;
        let plain_unit = self.plain_unit || self.units.iter().any(plain);
        let mut units = self.units.iter().filter(|u| !plain(u)).peekable();
        let mut file_calls = self.file_calls.clone();
        if file_calls.is_empty() {
            if let Some(u) = units.next_if(|u| u.location.path == path && u.is_plain_but_calls()) {
                file_calls = u.calls.iter().map(|(t, l)| (t.clone(), l.start_line)).collect();
            }
        }
        // The locations in the file share one copy of its path: the first
        // one's (no copy is made for an output with none).
        let shared: std::cell::OnceCell<PathName> = std::cell::OnceCell::new();
        let share = |l: &mut Location| {
            if l.path == path {
                l.path = shared.get_or_init(|| l.path.clone()).clone();
            }
        };
        // Sized exactly (a filtered collect starts at room for four).
        let kept: Vec<&Unit> = units.collect();
        let mut units = Vec::with_capacity(kept.len());
        units.extend(kept.into_iter().cloned().map(|mut u| {
            share(&mut u.location);
            u.commands.iter_mut().for_each(|c| share(&mut c.location));
            u.calls.iter_mut().for_each(|(_, l)| share(l));
            u
        }));
        let own = |e: &Evidence, u: &String| u.strip_prefix("file:") == Some(e.location.path.as_str());
        let evidence = self
            .evidence
            .iter()
            .map(|(e, u)| {
                let mut c = e.clone();
                share(&mut c.location);
                c.chain.iter_mut().for_each(share);
                (c, u.as_ref().filter(|u| !own(e, u)).cloned())
            })
            .collect();
        let out = Output { evidence, units, issues: self.issues.clone(), plain_unit, file_calls };
        drop(self);
        out
    }

    /// True when it holds nothing: no evidence, unit, issue or call, and
    /// no plain unit.
    fn is_empty(&self) -> bool {
        self.evidence.is_empty() && self.units.is_empty() && self.issues.is_empty() && self.file_calls.is_empty() && !self.plain_unit
    }

    /// The units of a compacted output at `path`, in their order.
    fn into_units(self, path: &str) -> impl Iterator<Item = Unit> {
        let first = (!self.file_calls.is_empty()).then(|| Unit::file_calls(path, self.file_calls));
        first.into_iter().chain(self.units)
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
    pub paths: paths::PathSet,
    /// Text of the files that were read (those some detector applies to).
    pub texts: std::collections::BTreeMap<String, String>,
    /// Extra Python import roots declared by test configuration
    /// (`pythonpath = src` in pytest.ini / pyproject.toml / setup.cfg / tox.ini).
    pub py_paths: Vec<String>,
    /// Hash of a file name -> position of a path with that name, sorted;
    /// built on first use ([`RepoIndex::files_named`]).
    by_name: std::sync::OnceLock<Vec<(u32, u32)>>,
    /// Python imports per file (masked source), computed once per file.
    imports: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Vec<pylex::Import>>>>,
    /// Local modules each Python file imports, computed once per file.
    pub(crate) local_imports: std::sync::Mutex<std::collections::HashMap<String, LocalImports>>,
    /// The ML framework each module brings in through what it imports
    /// (three levels), with the hashes of the files read to tell
    /// ([`RepoIndex::python_imports`]): asked by every test importing it.
    pub(crate) module_frameworks: std::sync::Mutex<std::collections::HashMap<String, ModuleFramework>>,
    /// The command-running helpers each Python module defines
    /// ([`detectors::python::module_runners`]), computed once per module a
    /// caller imports one from.
    pub(crate) py_runners: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Vec<detectors::python::Runner>>>>,
    /// CI variables declared anywhere (`variables:` / `env:` blocks and
    /// variable templates), name -> value, found once.
    pub(crate) ci_vars: std::sync::OnceLock<CiVars>,
    /// Project roots declared by the config (see [`projects`]).
    pub(crate) declared_projects: Vec<projects::Declared>,
    /// Python fields filled from the environment (`x = os.environ.get("X")`),
    /// field name -> variable name, found once.
    pub(crate) env_fields: std::sync::OnceLock<std::collections::BTreeMap<String, String>>,
    /// Files that may declare build triggers (IaC, scripts), found once.
    pub(crate) trigger_files: std::sync::OnceLock<Vec<String>>,
    /// CDK stack construct ids (placeholders as `*`) and the files that
    /// instantiate them, found once.
    pub(crate) cdk_stacks: std::sync::OnceLock<Vec<(String, String)>>,
    /// Every folder name and file stem (`x` for `x.py`) in the repository,
    /// found once: an import whose first segment is none of them cannot be
    /// a local module.
    /// Hashes, sorted ([`name_hash`]): a collision only costs a lookup.
    components: std::sync::OnceLock<Vec<u32>>,
    /// Top-level Python modules and packages defined at the root or under a
    /// source folder, found once.
    py_modules: std::sync::OnceLock<std::collections::HashSet<String>>,
    /// Local reusable workflows and actions: who calls each, found once.
    pub(crate) gha_uses: std::sync::OnceLock<detectors::github_actions::LocalUses>,
    /// What Argo Events sensors and Tekton event listeners start, found once.
    pub(crate) event_kinds: std::sync::OnceLock<EventStarts>,
    /// The ML API catalogue the detectors read (`None`: the built-in one).
    pub catalog: Option<std::sync::Arc<catalog::Catalog>>,
    /// Azure Pipelines templates: each use of each template with the
    /// parameters it is bound to, found once.
    pub(crate) azp_templates: std::sync::OnceLock<detectors::azure_pipelines::TemplateUses>,
    /// The CircleCI configs a setup config continues with, found once.
    pub(crate) circleci_continued: std::sync::OnceLock<BTreeSet<String>>,
    /// Where the texts a scan of a checkout dropped are read again.
    pub(crate) disk: Option<DiskTexts>,
    /// Folders shipped for other projects ([`seed_folders`]), once known:
    /// their files hold no text for the scan.
    pub(crate) seed_dirs: std::collections::HashSet<String>,
    /// Files (bits by position) of formats other than Python whose text
    /// went once they were detected early ([`kept_for_others`] said no
    /// repository-wide index reads them); [`RepoIndex::text`] reads them
    /// again for a reader that names one.
    pub(crate) early_dropped: paths::Bits,
}

/// A checkout's files, for reading a text again that the scan dropped once
/// its own file was detected (the imports of a module another file imports).
#[derive(Debug)]
pub(crate) struct DiskTexts {
    root: std::path::PathBuf,
    max: u64,
}

thread_local! {
    /// While a file is detected ahead of the rest ([`detect_early`]): whether
    /// its detectors asked for a repository-wide index (then the file is
    /// detected again once the indexes are complete), and the hashes of the
    /// files whose imports they read.
    static EARLY: std::cell::RefCell<Option<(bool, Vec<u64>)>> = const { std::cell::RefCell::new(None) };
}

/// A module's ML framework ([`RepoIndex::module_framework`]) and the
/// hashes of the files read to find it.
type ModuleFramework = (Option<String>, std::sync::Arc<[u64]>);

/// Hash of a repository path, as [`EARLY`] records it.
fn path_hash(path: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    h.finish()
}

/// A 32-bit hash of a file or folder name, for the name indexes: a
/// collision only costs a lookup (the names are compared), and half the
/// size of [`path_hash`] matters at hundreds of thousands of paths.
fn name_hash(name: &str) -> u32 {
    path_hash(name) as u32
}

/// True (and recorded) when called while a file is detected ahead of the
/// rest: repository-wide indexes are not complete yet. Every reader of
/// other files' texts asks first (an index built then would miss texts
/// not read yet, and texts dropped once their own early detection was done
/// are only those no index reads, [`kept_for_others`]).
pub(crate) fn early_needs_index() -> bool {
    EARLY.with(|e| e.borrow_mut().as_mut().map(|(global, _)| *global = true).is_some())
}

/// True for a text [`RepoIndex::ci_vars`] reads: YAML with a variables block.
fn declares_ci_vars(path: &str, text: &str) -> bool {
    (path.ends_with(".yml") || path.ends_with(".yaml")) && (text.contains("variables:") || text.contains("env:"))
}

/// Whether a text declares an Argo Events `Sensor`, a Tekton `EventListener`
/// ([`RepoIndex::event_sources`]).
/// What event sources of a repository start: Argo Events sensors
/// (workflows and workflow templates) and Tekton event listeners
/// (pipelines, through the `PipelineRun`s of trigger templates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStarts {
    /// Workflows and workflow templates Argo Events sensors submit.
    pub sensors: Started,
    /// Pipelines Tekton event listeners run.
    pub listeners: Started,
}

/// Which workflows or pipelines an event source starts, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// No event source.
    Nothing,
    /// These names (`metadata.name`, or `generateName` without its `-`).
    Named(std::collections::BTreeSet<String>),
    /// Any: a name given at run time, or a source the repository does not hold.
    Any,
}

impl Started {
    /// True when the workflow or pipeline `name` is started.
    pub fn starts(&self, name: &str) -> bool {
        match self {
            Started::Nothing => false,
            Started::Named(n) => n.contains(name),
            Started::Any => true,
        }
    }
    fn add(&mut self, other: Started) {
        *self = match (std::mem::replace(self, Started::Nothing), other) {
            (Started::Any, _) | (_, Started::Any) => Started::Any,
            (Started::Nothing, o) | (o, Started::Nothing) => o,
            (Started::Named(mut a), Started::Named(b)) => {
                a.extend(b);
                Started::Named(a)
            }
        };
    }
    fn name(&mut self, n: &str) {
        let n = n.trim_end_matches('-');
        if n.is_empty() || n.contains('$') || n.contains("{{") {
            *self = Started::Any;
        } else if let Started::Named(s) = self {
            s.insert(n.to_string());
        } else if *self == Started::Nothing {
            *self = Started::Named([n.to_string()].into());
        }
    }
}

/// What the Argo Events `Sensor`s of one file submit: the workflow templates
/// their triggers' resources reference (`workflowTemplateRef.name`) and the
/// workflows they name. A resource read from elsewhere (`file`, `git`,
/// `url`) or a name given at run time: any.
fn started_by_sensors(text: &str) -> Started {
    let Ok(docs) = yaml::parse_all(text) else { return Started::Any };
    let mut out = Started::Nothing;
    for doc in docs.iter().filter(|d| d.get("kind").and_then(yaml::Node::as_str) == Some("Sensor")) {
        for t in doc.path(&["spec", "triggers"]).map(yaml::Node::items).unwrap_or_default() {
            let Some(tpl) = t.get("template") else { continue };
            let Some(source) = tpl.path(&["k8s", "source"]).or_else(|| tpl.path(&["argoWorkflow", "source"])) else { continue };
            let Some(res) = source.get("resource") else {
                out.add(Started::Any);
                continue;
            };
            let meta = res.path(&["metadata", "name"]).or_else(|| res.path(&["metadata", "generateName"])).and_then(yaml::Node::as_str);
            let template = res.path(&["spec", "workflowTemplateRef", "name"]).and_then(yaml::Node::as_str);
            for n in [meta, template].into_iter().flatten() {
                out.name(n);
            }
        }
    }
    out
}

/// The pipelines the `PipelineRun`s of one file's Tekton `TriggerTemplate`s
/// run (`pipelineRef.name`); a name given at run time: any.
fn started_by_trigger_templates(text: &str) -> Started {
    let Ok(docs) = yaml::parse_all(text) else { return Started::Any };
    let mut out = Started::Nothing;
    for doc in docs.iter().filter(|d| d.get("kind").and_then(yaml::Node::as_str) == Some("TriggerTemplate")) {
        for r in doc.path(&["spec", "resourcetemplates"]).map(yaml::Node::items).unwrap_or_default() {
            if let Some(n) = r.path(&["spec", "pipelineRef", "name"]).and_then(yaml::Node::as_str) {
                out.name(n);
            }
        }
    }
    out
}

/// Which event-source documents a file holds: (an Argo Events `Sensor`, a
/// Tekton `EventListener`, a Tekton `TriggerTemplate`).
fn event_source_kinds(path: &str, text: &str) -> (bool, bool, bool) {
    if !paths::is_yaml(path) {
        return (false, false, false);
    }
    (
        text.contains("kind: Sensor") && text.contains("argoproj.io"),
        text.contains("kind: EventListener"),
        text.contains("kind: TriggerTemplate"),
    )
}

/// True when a repository-wide index, or the linker, reads the text of the
/// file at `path` (so it is held even once the file's own detection ran
/// early). Python modules and JavaScript: [`KEEP_PY`]'s literals, as the
/// screen's pass over the text found them (`hits`). Other formats: each
/// reader's own test of the texts it reads.
fn kept_for_others(path: &str, text: &str, hits: &Hits) -> bool {
    if module_format(path) {
        return hits.keeps_module();
    }
    let (sensor, listener, trigger_template) = event_source_kinds(path, text);
    path.rsplit('/').next() == Some("cdk.json")
        || trigger_template
        || declares_ci_vars(path, text)
        || sensor
        || listener
        || is_copier_text(path, text)
        || is_packer_text(path, text)
        || detectors::github_actions::reads_local_uses(path, text)
        || detectors::azure_pipelines::TemplateUses::reads(path, text)
        || detectors::iac::is_trigger_file(path, text)
        || detectors::iac::FUNCTION_SUBMITS.iter().any(|w| text.contains(w))
}

/// An empty map, for repository-wide indexes asked for too early.
fn no_vars() -> &'static std::collections::BTreeMap<String, String> {
    static EMPTY: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    &EMPTY
}

/// CI variables declared in the repository: the last value of each name,
/// and every literal value each name is given somewhere.
#[derive(Debug, Default)]
pub(crate) struct CiVars {
    last: std::collections::BTreeMap<String, String>,
    all: std::collections::BTreeMap<String, BTreeSet<String>>,
}

/// Local modules a Python file imports: (repo path, import line).
pub type LocalImports = std::sync::Arc<Vec<(String, u32)>>;

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
    /// The ML API catalogue in force for this scan.
    pub fn catalog(&self) -> std::sync::Arc<catalog::Catalog> {
        self.catalog.clone().unwrap_or_else(catalog::Catalog::builtin)
    }

    /// The one file whose path ends with the relative path `rel` at a folder
    /// boundary (`svc/model/buildspec.yml` for `model/buildspec.yml`; not
    /// `mymodel/buildspec.yml`), or `rel` itself. None when no file or
    /// several do. Looked up by file name.
    pub fn unique_file_ending(&self, rel: &str) -> Option<&str> {
        let rel = rel.trim_start_matches("./");
        let name = rel.rsplit('/').next().filter(|n| !n.is_empty())?;
        let mut hits = self.files_named(name).into_iter().filter(|f| *f == rel || f.strip_suffix(rel).is_some_and(|d| d.ends_with('/')));
        let first = hits.next()?;
        hits.next().is_none().then_some(first)
    }

    /// Paths of the files with this file name, in path order. Python
    /// packages are also found as `pkg/__init__.py` (the package folder's
    /// name and its init). The index is built once: a hash of each name and
    /// the path's position, sorted (8 bytes a name, no copy of any path).
    pub fn files_named(&self, name: &str) -> Vec<&str> {
        let index = self.by_name.get_or_init(|| {
            // Sized exactly: one key a path, two for a package's init.
            let inits = self.paths.iter().filter(|p| p.ends_with("/__init__.py")).count();
            let mut v = Vec::with_capacity(self.paths.len() + inits);
            for (i, p) in self.paths.iter().enumerate() {
                let i = i as u32;
                let mut parts = p.rsplit('/');
                let file = parts.next().unwrap_or(p);
                v.push((name_hash(file), i));
                if let (true, Some(dir)) = (file == "__init__.py", parts.next()) {
                    v.push((name_hash(&p[p.len() - dir.len() - "/__init__.py".len()..]), i));
                }
            }
            v.sort_unstable();
            // Two keys of one path that hash alike would list it twice.
            v.dedup();
            v
        });
        let h = name_hash(name);
        let start = index.partition_point(|e| e.0 < h);
        index[start..]
            .iter()
            .take_while(|e| e.0 == h)
            .filter_map(|e| self.paths.get(e.1 as usize))
            .filter(|p| *p == name || (p.ends_with(name) && p[..p.len() - name.len()].ends_with('/')))
            .collect()
    }

    /// CI variables declared anywhere in the repository (name -> value).
    pub fn ci_vars(&self) -> &std::collections::BTreeMap<String, String> {
        if early_needs_index() {
            return no_vars();
        }
        &self.ci_var_decls().last
    }

    /// Every literal value a CI variable is given somewhere in the
    /// repository: a variable set per environment in variable templates
    /// (`ENVIRONMENT: DEV` in one, `ENVIRONMENT: PRD` in another) has several.
    pub fn ci_var_values(&self, name: &str) -> impl Iterator<Item = &str> {
        let early = early_needs_index();
        (!early).then(|| self.ci_var_decls()).and_then(|v| v.all.get(name)).into_iter().flatten().map(String::as_str)
    }

    fn ci_var_decls(&self) -> &CiVars {
        self.ci_vars.get_or_init(|| {
            let mut vars = CiVars::default();
            for (p, t) in &self.texts {
                if !declares_ci_vars(p, t) {
                    continue;
                }
                let Ok(docs) = yaml::parse_all(t) else { continue };
                for d in &docs {
                    d.walk(&mut |n| {
                        for key in ["variables", "env"] {
                            let mut one = std::collections::BTreeMap::new();
                            detectors::read_vars(n.get(key), &mut one);
                            for (k, mut v) in one {
                                // `SCRIPT: $(SCRIPT)` (a step's `env:` passing a
                                // pipeline variable on) is the value it names.
                                if let Some(named) = v.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
                                    match vars.last.get(named) {
                                        Some(known) => v = known.clone(),
                                        None if named == k => continue,
                                        None => {}
                                    }
                                }
                                vars.all.entry(k.clone()).or_default().insert(v.clone());
                                vars.last.insert(k, v);
                            }
                        }
                    });
                }
            }
            vars
        })
    }

    /// Python fields filled from environment variables, field -> variable.
    pub fn env_fields(&self) -> &std::collections::BTreeMap<String, String> {
        if early_needs_index() {
            return no_vars();
        }
        self.env_fields.get_or_init(|| {
            static FIELD: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
                regex::bytes::Regex::new(r#"(?-u)(?m)^\s*(?:self\.)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=\n]*)?=\s*(?:[A-Za-z_]+\()?\s*os\.(?:environ\.get|getenv)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#).unwrap()
            });
            let mut m = std::collections::BTreeMap::new();
            for (p, t) in &self.texts {
                if p.ends_with(".py") && (t.contains("os.environ.get") || t.contains("os.getenv")) {
                    for c in FIELD.captures_iter(t.as_bytes()) {
                        m.insert(String::from_utf8_lossy(&c[1]).into_owned(), String::from_utf8_lossy(&c[2]).into_owned());
                    }
                }
            }
            m
        })
    }

    /// The imports of a Python file of the repository (cached).
    pub fn python_imports(&self, path: &str) -> Option<std::sync::Arc<Vec<pylex::Import>>> {
        self.per_module(&self.imports, path, pylex::imports)
    }

    /// The command-running helpers a Python file of the repository defines
    /// (cached).
    pub(crate) fn python_runners(&self, path: &str) -> Option<std::sync::Arc<Vec<detectors::python::Runner>>> {
        self.per_module(&self.py_runners, path, detectors::python::module_runners)
    }

    /// What `make` makes of a Python file's masked text, once per file
    /// (`cache`): the text held, or read again when the scan dropped it;
    /// none for a template. An early detection asking records the read.
    fn per_module<T>(
        &self,
        cache: &std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<T>>>,
        path: &str,
        make: impl Fn(&str) -> T,
    ) -> Option<std::sync::Arc<T>> {
        EARLY.with(|e| {
            if let Some((_, read)) = e.borrow_mut().as_mut() {
                read.push(path_hash(path));
            }
        });
        if let Some(v) = cache.lock().ok().and_then(|m| m.get(path).cloned()) {
            return Some(v);
        }
        let v = match self.texts.get(path) {
            Some(text) if is_template_text(text) => return None,
            Some(text) => std::sync::Arc::new(make(&pylex::mask(text))),
            None => std::sync::Arc::new(make(&pylex::mask(&self.dropped_text(path)?))),
        };
        if let Ok(mut m) = cache.lock() {
            m.insert(path.to_string(), v.clone());
        }
        Some(v)
    }

    /// Empty the per-file import caches ([`RepoIndex::python_imports`],
    /// local imports), freeing their memory; they fill again on demand.
    fn forget_imports(&self) {
        if let Ok(mut m) = self.imports.lock() {
            *m = Default::default();
        }
        if let Ok(mut m) = self.local_imports.lock() {
            *m = Default::default();
        }
        if let Ok(mut m) = self.module_frameworks.lock() {
            *m = Default::default();
        }
        if let Ok(mut m) = self.py_runners.lock() {
            *m = Default::default();
        }
    }

    /// The ML framework module `path` brings in through its imports, three
    /// levels deep ([`detectors::python::ml_framework`]), once per module:
    /// a module asked again records the files its answer read, as the first
    /// asking did, so an early detection that used it is redone when one of
    /// them turns out to be in a seed folder.
    pub(crate) fn module_framework(&self, path: &str) -> Option<String> {
        if let Some((fw, reads)) = self.module_frameworks.lock().ok().and_then(|m| m.get(path).cloned()) {
            EARLY.with(|e| {
                if let Some((_, read)) = e.borrow_mut().as_mut() {
                    read.extend_from_slice(&reads);
                }
            });
            return fw;
        }
        let (found, seen) = detectors::python::third_party_imports_seen(self, vec![path.to_string()], 3);
        let fw = detectors::python::ml_framework(&found, &self.catalog());
        let reads: std::sync::Arc<[u64]> = seen.iter().map(|p| path_hash(p)).collect();
        if let Ok(mut m) = self.module_frameworks.lock() {
            m.insert(path.to_string(), (fw.clone(), reads));
        }
        fw
    }

    /// The text of a file of a checkout that the scan read and dropped
    /// (read again), as the scan would hold it: none for a file it does not
    /// read (a template, in a folder shipped for other projects, over the
    /// size cap, unreadable).
    fn dropped_text(&self, path: &str) -> Option<String> {
        static DETECTORS: std::sync::LazyLock<Vec<Box<dyn Detector>>> = std::sync::LazyLock::new(detectors::all);
        let disk = self.disk.as_ref()?;
        if !wanted(&DETECTORS, path) || !self.paths.contains(path) || has_ancestor_in(path, |a| self.seed_dirs.contains(a)) {
            return None;
        }
        let abs = disk.root.join(path);
        // Never through a link (the listing follows none).
        std::fs::symlink_metadata(&abs).ok().filter(|m| m.is_file())?;
        let (text, _) = walk::read_text(&abs, path, disk.max).ok()?;
        (!is_template_text(&text)).then_some(text)
    }

    /// True when some folder of the repository, or some Python file's stem,
    /// is `name`: only then can an import starting with `name` be local.
    pub fn has_component(&self, name: &str) -> bool {
        self.components
            .get_or_init(|| {
                let mut m = Vec::new();
                let mut prev = "";
                for p in &self.paths {
                    // Folders the previous path (in sorted order) shares
                    // were counted with it.
                    let same = p.bytes().zip(prev.bytes()).take_while(|(a, b)| a == b).count();
                    let shared = p.as_bytes()[..same].iter().rposition(|&b| b == b'/').map_or(0, |k| k + 1);
                    prev = p;
                    let mut parts = p[shared..].split('/').peekable();
                    while let Some(c) = parts.next() {
                        if parts.peek().is_some() {
                            m.push(name_hash(c));
                        } else if let Some(stem) = c.strip_suffix(".py") {
                            m.push(name_hash(stem));
                        }
                    }
                }
                m.sort_unstable();
                m.dedup();
                m.shrink_to_fit();
                m
            })
            .binary_search(&name_hash(name))
            .is_ok()
    }

    /// What the repository's Argo Events `Sensor`s and Tekton
    /// `EventListener`s start on events: see [`EventStarts`].
    pub fn event_sources(&self) -> &EventStarts {
        static NONE: EventStarts = EventStarts { sensors: Started::Nothing, listeners: Started::Nothing };
        if early_needs_index() {
            return &NONE;
        }
        self.event_kinds.get_or_init(|| {
            let (mut sensors, mut listener, mut templates) = (Started::Nothing, false, Started::Nothing);
            for (p, t) in &self.texts {
                let (sensor, listens, template) = event_source_kinds(p, t);
                listener |= listens;
                if sensor {
                    sensors.add(started_by_sensors(t));
                }
                if template {
                    templates.add(started_by_trigger_templates(t));
                }
            }
            // A listener whose templates the repository does not hold may
            // start any pipeline of it.
            let listeners = match (listener, templates) {
                (false, _) => Started::Nothing,
                (true, Started::Nothing) => Started::Any,
                (true, t) => t,
            };
            EventStarts { sensors, listeners }
        })
    }

    /// Text of a file that was read: held, or read again when the scan
    /// dropped it once its own early detection was done
    /// (marked in the index by position).
    pub fn text(&self, path: &str) -> Option<std::borrow::Cow<'_, str>> {
        if early_needs_index() {
            return None;
        }
        if let Some(t) = self.texts.get(path) {
            return Some(std::borrow::Cow::Borrowed(t));
        }
        let i = self.paths.position(path)?;
        self.early_dropped.get(i).then(|| self.dropped_text(path)).flatten().map(std::borrow::Cow::Owned)
    }

    /// True when `path` is a file of the repository.
    pub fn exists(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// True when some file's path starts with `prefix` (`src/pkg` holds
    /// `src/pkg.py`, `src/pkg/a.py` and `src/pkgs/b.py`).
    pub fn has_path_prefix(&self, prefix: &str) -> bool {
        self.paths.has_prefix(prefix)
    }

    /// True when a directory of that repo-relative path holds any file.
    pub fn dir_exists(&self, dir: &str) -> bool {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        !self.paths.with_prefix(&prefix).is_empty()
    }

    /// True when `name` is a Python package or module defined in this
    /// repository (at the root or under `src/`): calls into it are the
    /// repository's own code, not a third-party tool's API.
    pub fn defines_python_module(&self, name: &str) -> bool {
        // `x.py` or `x/__init__.py` under each root (a package's init names
        // the package). Top-level names (what imports ask about) are indexed
        // once, and only they: a deeper name is looked up in the path set.
        const ROOTS: [&str; 4] = ["", "src/", "lib/", "python/"];
        if name.contains('/') {
            return ROOTS.iter().any(|base| {
                (!name.ends_with("/__init__") && self.paths.contains(&format!("{base}{name}.py")))
                    || self.paths.contains(&format!("{base}{name}/__init__.py"))
            });
        }
        self.py_modules
            .get_or_init(|| {
                let mut m = std::collections::HashSet::new();
                for p in &self.paths {
                    for base in ROOTS {
                        let Some(rest) = p.strip_prefix(base) else { continue };
                        if let Some(x) = rest.strip_suffix("/__init__.py").or_else(|| rest.strip_suffix(".py")) {
                            if !x.contains('/') {
                                m.insert(x.to_string());
                            }
                        }
                    }
                }
                m
            })
            .contains(name)
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
    /// Content literals of which a file must hold at least one for this
    /// detector to find anything in it. The scan checks each file once
    /// against the literals of every detector (one automaton) and calls a
    /// detector only on the files its screen selects. Empty: no screen.
    fn screen(&self) -> &'static [&'static str] {
        &[]
    }
    /// True when the file at `path` is read whatever its content (a file
    /// named as this detector's format, whose parse errors are reported).
    fn unscreened(&self, path: &str) -> bool {
        let _ = path;
        false
    }
}

/// Options for a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Cap on bytes read from one file.
    pub max_file_bytes: u64,
    /// Repo-relative globs of paths not scanned (the config's `exclude`).
    pub exclude: Vec<String>,
    /// The ML API catalogue (`None`: the built-in one).
    pub catalog: Option<std::sync::Arc<catalog::Catalog>>,
    /// Screen files by content before detectors read them (the default).
    /// Off: every applicable detector reads every file; tests use it to show
    /// the screen never changes what is found.
    pub screen: bool,
    /// Project roots the repository declares (the config's `projects:`),
    /// used instead of detecting them; see [`projects`].
    pub projects: Vec<projects::Declared>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { max_file_bytes: walk::DEFAULT_MAX_FILE_BYTES, exclude: Vec::new(), catalog: None, screen: true, projects: Vec::new() }
    }
}

/// Everything a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Evidence, sorted, including facts derived by the linker.
    pub evidence: Vec<Evidence>,
    /// Runnable units, sorted by id (boxed where the detectors made them);
    /// plain module units ([`Unit::is_plain_file`]) are not listed: every
    /// module file without a unit here has one.
    pub units: Vec<Box<Unit>>,
    /// Scan problems, sorted.
    pub issues: Vec<ScanIssue>,
    /// Every file path seen (repo-relative, sorted).
    pub files: paths::PathSet,
    /// For each exclude glob of the options, whether it matched anything.
    pub exclude_used: Vec<bool>,
    /// The projects of a monorepo, each with the evidence and issues it is
    /// assessed on (empty: the repository is one project).
    pub projects: Vec<projects::ProjectScope>,
}

/// Errors that stop a scan before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The root does not exist or is not a directory.
    #[error("{0}: not a directory")]
    NotADirectory(String),
    /// An exclude glob does not parse.
    #[error("invalid exclude glob: {0}")]
    BadGlob(String),
    /// The contents of a tree could not be read ([`scan_tree`]).
    #[error("{0}")]
    Read(String),
}

/// True for files that are templates for other projects, not live files of
/// this one (cookiecutter / Jinja placeholders in the path, template suffixes).
pub fn is_template_path(path: &str) -> bool {
    path.contains("{{") || path.contains("{%") || {
        let name = path.rsplit('/').next().unwrap_or(path);
        [".tmpl", ".j2", ".jinja", ".jinja2", ".template", ".tpl"].iter().any(|s| name.ends_with(s))
    }
}

/// Cookiecutter and copier placeholders: a text holding one is a template.
const TEMPLATE_MARKS: [&str; 4] = ["{{cookiecutter.", "{{ cookiecutter.", "{% if cookiecutter.", "{{ copier"];

/// True when file text is a template (cookiecutter / copier placeholders).
pub fn is_template_text(text: &str) -> bool {
    TEMPLATE_MARKS.iter().any(|m| text.contains(m))
}

/// CI definitions that their CI system reads only at the repository root.
/// Not a `Jenkinsfile`: a Jenkins job's script path may name any file, and a
/// monorepo keeps one per model or service folder.
fn root_only_ci(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    (rel.contains(".github/workflows/") && (name.ends_with(".yml") || name.ends_with(".yaml")))
        || matches!(name, ".gitlab-ci.yml" | "bitbucket-pipelines.yml" | ".travis.yml" | ".drone.yml")
        || rel.ends_with(".circleci/config.yml")
}

/// What the repository's copying scripts name, indexed once: every path-like
/// word (and each run of its segments) and every quoted string, each with the
/// scripts that hold it in file order. Asking which script copies a folder is
/// then a few lookups, however many folders and scripts there are.
struct CopierIndex<'a> {
    named: std::collections::HashMap<String, Vec<usize>>,
    quoted: std::collections::HashMap<String, Vec<usize>>,
    paths: Vec<&'a str>,
}

impl<'a> CopierIndex<'a> {
    fn new(copiers: &[(&'a str, &'a str)]) -> Self {
        let mut idx = CopierIndex { named: Default::default(), quoted: Default::default(), paths: Vec::new() };
        for (i, &(path, text)) in copiers.iter().enumerate() {
            idx.paths.push(path);
            let add = |m: &mut std::collections::HashMap<String, Vec<usize>>, k: &str| {
                let v = m.entry(k.to_string()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            };
            for word in
                text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '(' | ')' | ',' | ';' | '=' | '[' | ']' | ':'))
            {
                let w = word.trim_start_matches("./").trim_end_matches('*').trim_end_matches('/');
                let segs: Vec<&str> = w.split('/').filter(|s| !s.is_empty()).collect();
                // Bounded: a word of k segments gives k*(k+1)/2 runs; long paths are cut at 12.
                let segs = &segs[..segs.len().min(12)];
                for a in 0..segs.len() {
                    for b in a + 1..=segs.len() {
                        add(&mut idx.named, &segs[a..b].join("/"));
                    }
                }
            }
            for line in text.lines() {
                for q in ['"', '\''] {
                    // Pieces between quotes alternate inside / outside; an
                    // unclosed quote holds no string.
                    let mut it = line.split(q).skip(1);
                    while let (Some(inside), Some(_)) = (it.next(), it.next()) {
                        add(&mut idx.quoted, inside);
                    }
                }
            }
        }
        idx
    }

    /// The first copying script (outside `dir`) that names `dir` or one of
    /// its parents, or all of a parent's parts as quoted strings.
    fn copied_by(&self, dir: &str) -> Option<String> {
        let inside = |i: &usize| self.paths[*i].starts_with(&format!("{dir}/"));
        let parts: Vec<&str> = dir.split('/').collect();
        let mut best: Option<usize> = None;
        for n in 1..=parts.len() {
            let prefix = parts[..n].join("/");
            let by_name = self.named.get(&prefix).and_then(|v| v.iter().find(|i| !inside(i)).copied());
            // Every part quoted in the same script (`os.path.join("a", "b")`).
            let by_quotes = self.quoted.get(parts[0]).and_then(|first| {
                first.iter().copied().find(|i| !inside(i) && parts[1..n].iter().all(|p| self.quoted.get(*p).is_some_and(|v| v.contains(i))))
            });
            for hit in [by_name, by_quotes].into_iter().flatten() {
                best = Some(best.map_or(hit, |b| b.min(hit)));
            }
        }
        best.map(|i| self.paths[i].to_string())
    }
}

/// True when a proper ancestor folder of `path` satisfies `is`: one lookup
/// per path component, so checking every file against a set of folders
/// stays linear.
fn has_ancestor_in(path: &str, is: impl Fn(&str) -> bool) -> bool {
    path.match_indices('/').any(|(i, _)| is(&path[..i]))
}

/// Literals of scripts that copy folders.
const COPIER_KEYS: &[&str] = &["copytree", "copy_tree", "cp -r", "cp -R", "rsync ", "cookiecutter(", "run_copy(", "make_archive("];

/// Literals each kind of packing line holds ([`packing_lines`]).
const PACK_KEYS: &[&str] = &["zip ", "tar -c", "make_archive("];

/// A script or Makefile that copies or packs folders.
fn is_copier_text(path: &str, text: &str) -> bool {
    (path.ends_with(".py") || path.ends_with(".sh") || path.ends_with("Makefile")) && COPIER_KEYS.iter().any(|k| text.contains(k))
}

/// A script, Makefile or CI file that may pack files into an archive: each
/// kind of packing line holds one of [`PACK_KEYS`] (a text with none is not
/// read line by line).
fn is_packer_text(path: &str, text: &str) -> bool {
    [".sh", ".py", "Makefile", ".yml", ".yaml"].iter().any(|x| path.ends_with(x)) && PACK_KEYS.iter().any(|k| text.contains(k))
}

/// The lines of a script that pack files into an archive (`zip -r`,
/// `tar -c`, `shutil.make_archive(`), comments left out.
fn packing_lines<'a>(path: &str, text: &'a str) -> impl Iterator<Item = &'a str> {
    let script = is_packer_text(path, text);
    text.lines().map(str::trim).filter(move |l| {
        script
            && !l.starts_with('#')
            && (l.starts_with("zip ") || l.contains(" zip -r") || l.starts_with("tar -c") || l.contains("make_archive("))
    })
}

/// Folders shipped for other projects: a folder below the root holding CI
/// definitions that their CI system only reads at a repository's root (so
/// nothing here runs them), or a folder the repository packs into an archive.
/// Returns (folder, the file that shows it, why), outermost folders only.
fn seed_folders(files: &paths::PathSet, texts: &std::collections::BTreeMap<String, String>) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    // Scripts that copy folders, found in one pass: only they can ship a
    // folder out, so only they are searched for each nested folder.
    let copiers: Vec<(&str, &str)> = texts.iter().filter(|(p, t)| is_copier_text(p, t)).map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let copiers = CopierIndex::new(&copiers);
    // Folders below the root that hold root-only CI definitions: each is
    // laid out as a repository of its own.
    let mut nested_roots: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for f in files {
        let Some(pos) = [".github/workflows/", ".circleci/"].iter().find_map(|m| f.find(m)).or_else(|| {
            let name = f.rsplit('/').next().unwrap_or(f);
            root_only_ci(f).then(|| f.len() - name.len())
        }) else {
            continue;
        };
        if pos == 0 || !root_only_ci(f) {
            continue;
        }
        let dir = f[..pos].trim_end_matches('/').to_string();
        if nested_roots.contains_key(&dir) {
            continue;
        }
        nested_roots.insert(dir.clone(), f.to_string());
        // A misplaced CI file in a service folder is just not read; the folder
        // is seed code when the repository's own code copies it out.
        if let Some(by) = copiers.copied_by(&dir) {
            out.push((dir, f.to_string(), format!("its own CI definitions (not read below a repository's root), copied out by {by}")));
        }
    }
    // Several folders laid out as whole repositories side by side are sample
    // repositories (test fixtures, examples, templates), not this one's code.
    let outermost: Vec<(&String, &String)> =
        nested_roots.iter().filter(|(d, _)| !has_ancestor_in(d, |a| nested_roots.contains_key(a))).collect();
    if outermost.len() >= 2 {
        // Their common folder is a collection of sample repositories: every
        // folder at the same depth in it is a sample too (whatever CI it uses).
        let all_parts: Vec<Vec<&str>> = outermost.iter().map(|(d, _)| d.split('/').collect()).collect();
        // The depth most of them share (fixtures/<case>/repo) defines the collection.
        let mut by_depth: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
        for p in &all_parts {
            *by_depth.entry(p.len()).or_default() += 1;
        }
        let (depth, count) = by_depth.iter().max_by_key(|(d, c)| (**c, std::cmp::Reverse(**d))).map(|(d, c)| (*d, *c)).unwrap_or((0, 0));
        let parts: Vec<&Vec<&str>> = all_parts.iter().filter(|p| p.len() == depth).collect();
        let common: Vec<&str> =
            (0..depth).take_while(|i| parts.iter().all(|p| p.get(*i) == parts[0].get(*i))).map(|i| parts[0][i]).collect();
        if count >= 2 && !common.is_empty() && common.len() < depth {
            let prefix = format!("{}/", common.join("/"));
            let mut samples: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
            for f in files.with_prefix(&prefix) {
                let comps: Vec<&str> = f.split('/').collect();
                if comps.len() > depth {
                    samples.entry(comps[..depth].join("/")).or_insert_with(|| f.to_string());
                }
            }
            let n = samples.len();
            for (d, marker) in samples {
                out.push((
                    d,
                    marker,
                    format!("one of {n} repositories laid out side by side under {} (sample repositories)", common.join("/")),
                ));
            }
        } else {
            for (d, marker) in &outermost {
                out.push((
                    (*d).clone(),
                    (*marker).clone(),
                    format!("one of {} folders laid out as repositories of their own (sample repositories)", outermost.len()),
                ));
            }
        }
    }
    // Folders packed into archives by the repository's own scripts.
    for (path, text) in texts {
        for line in packing_lines(path, text) {
            for word in line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '(' | ')')) {
                let d = word.trim_start_matches("./").trim_end_matches('/').trim_end_matches("/*");
                if d.is_empty() || d.contains('$') || d.contains('.') && !d.contains('/') {
                    continue;
                }
                let prefix = format!("{d}/");
                let has_project =
                    ["requirements.txt", "setup.py", "pyproject.toml", "README.md"].iter().any(|m| files.contains(&format!("{prefix}{m}")));
                if has_project {
                    out.push((d.to_string(), path.clone(), format!("packed into an archive by {path}")));
                }
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    // Keep the outermost folders.
    let all = out.clone();
    let dirs: std::collections::HashSet<&str> = all.iter().map(|(d, ..)| d.as_str()).collect();
    out.retain(|(d, ..)| !has_ancestor_in(d, |a| dirs.contains(a)));
    out
}

/// The content screen: one automaton over the literals of every detector's
/// [`Detector::screen`], of [`KEEP_PY`] and of template placeholders
/// ([`is_template_text`]), run once per file.
struct Screen {
    lits: rx::LiteralScreen,
    /// How many detectors: the screen's consumers after them are
    /// [`KEEP_PY`]'s literals, then the template placeholders.
    detectors: usize,
}

/// What one pass of the [`Screen`] found in a text.
struct Hits {
    possible: rx::Possible,
    detectors: usize,
}

impl Hits {
    /// Whether detector `i` may find something (it screens for no literal,
    /// or one of its literals is in the text).
    fn detector(&self, i: usize) -> bool {
        self.possible.get(i)
    }

    /// [`KEEP_PY`]'s test: other files read this module's text.
    fn keeps_module(&self) -> bool {
        self.possible.get(self.detectors)
    }

    /// [`is_template_text`].
    fn template(&self) -> bool {
        self.possible.get(self.detectors + 1)
    }
}

impl Screen {
    fn new(dets: &[Box<dyn Detector>]) -> Screen {
        let bytes = |lits: &mut dyn Iterator<Item = &str>| lits.map(|l| l.as_bytes().to_vec()).collect::<Vec<_>>();
        let needs = dets
            .iter()
            .map(|d| {
                let lits = d.screen();
                (!lits.is_empty()).then(|| bytes(&mut lits.iter().copied()))
            })
            .chain([Some(bytes(&mut keep_py_literals())), Some(bytes(&mut TEMPLATE_MARKS.iter().copied()))]);
        Screen { lits: rx::LiteralScreen::of_literals(needs, false), detectors: dets.len() }
    }

    /// What `text` holds of the screen's literals, in one pass over it.
    fn hits(&self, text: &str) -> Hits {
        Hits { possible: self.lits.possible(text.as_bytes()), detectors: self.detectors }
    }
}

/// Every content literal the detectors screen files with, and the names of
/// the catalogue's calls and methods: what a text search doing the scan's
/// work would look for (the benchmark hands them to ripgrep).
pub fn content_patterns(catalog: &catalog::Catalog) -> Vec<String> {
    let mut out: BTreeSet<String> = detectors::all().iter().flat_map(|d| d.screen().iter().map(|s| s.to_string())).collect();
    out.extend(catalog.literals());
    out.into_iter().collect()
}

/// True for a file the scan reads: not a template, and a configuration file
/// or one some detector applies to.
fn wanted(dets: &[Box<dyn Detector>], path: &str) -> bool {
    !is_template_path(path) && (is_config_file(path) || dets.iter().any(|d| d.applies(path)))
}

/// Scan the repository at `root`.
pub fn scan(root: &Path, opts: &ScanOptions) -> Result<Scan, ScanError> {
    if !root.is_dir() {
        return Err(ScanError::NotADirectory(root.display().to_string()));
    }
    debug_phase("start");
    let dets = detectors::all();
    let wants = |p: &str| wanted(&dets, p);
    // The tables every module's detection reads (the catalogue's source
    // screen, built once: milliseconds of automaton building) are built
    // while the walk waits on the file system, not by the first module
    // read while the other threads wait on it.
    let catalog = opts.catalog.clone().unwrap_or_else(catalog::Catalog::builtin);
    let listed = std::thread::scope(|s| {
        s.spawn(|| catalog.screen_source(b""));
        walk::list_excluding(root, &wants, &opts.exclude)
    })
    .map_err(|e| ScanError::BadGlob(e.to_string()))?;
    let disk = DiskTexts { root: root.to_path_buf(), max: opts.max_file_bytes };
    Ok(scan_listed(listed, Some(disk), dets, opts))
}

/// Scan the folder `top` of a tree that is not on the file system (`""`:
/// the whole tree), such as a git commit, as [`scan`] scans a checkout of
/// it (see [`tree`] for the rules); `read` gives the contents of entries.
pub fn scan_tree(tree: &tree::Tree, top: &str, opts: &ScanOptions, read: &mut tree::ReadBlobs<'_>) -> Result<Scan, ScanError> {
    let dets = detectors::all();
    let wants = |p: &str| wanted(&dets, p);
    let walked = tree::walk_tree(tree, top, opts.max_file_bytes, &wants, &opts.exclude, read)?;
    Ok(scan_listed(walk::Listed { walked, pending: Vec::new(), root: std::path::PathBuf::new() }, None, dets, opts))
}

/// Scan files held in memory, (path, text) pairs (repository-relative,
/// `/`-separated), as [`scan`] scans the same files on disk: the same
/// `.gitignore`, skipped folders, excludes and size cap (through
/// [`scan_tree`]). For fuzzing and tests. An invalid exclude glob scans
/// nothing.
#[doc(hidden)]
pub fn scan_in_memory(files: &[(&str, &str)], opts: &ScanOptions) -> Scan {
    let entries = files.iter().enumerate().map(|(i, (p, t))| tree::TreeEntry {
        path: p.to_string(),
        kind: tree::EntryKind::File,
        size: t.len() as u64,
        id: i.to_string(),
    });
    let tree = tree::Tree::new(entries);
    let mut read = |ids: &[&str]| -> Result<Vec<Vec<u8>>, String> {
        Ok(ids
            .iter()
            .map(|id| id.parse::<usize>().ok().and_then(|i| files.get(i)).map(|f| f.1.as_bytes().to_vec()).unwrap_or_default())
            .collect())
    };
    scan_tree(&tree, "", opts, &mut read).unwrap_or_default()
}

fn linked_projects(scopes: &[projects::ProjectScope]) -> Vec<projects::Project> {
    scopes.iter().filter_map(|s| s.project.clone()).collect()
}

/// Detectors that may run on a file before the others have read theirs:
/// they read nothing of other files but their imports (and say so when they
/// ask for a repository-wide index, [`early_needs_index`]). Kubernetes
/// manifests and infrastructure code are most of a large tree's YAML: read
/// early, their texts need not be held until the CI definitions are read.
const EARLY_DETECTORS: &[&str] = &["python", "notebook", "test-suite", "kubernetes", "iac"];

/// Files read (in parallel) per chunk: enough to keep every thread busy,
/// few enough that one chunk's results are a small part of the peak.
const READ_CHUNK: usize = 4096;

/// Literals of Python source that other files' detectors or repository-wide
/// indexes read: a module (or notebook) holding one keeps its text for the
/// whole scan.
/// Fields set from the environment ([`RepoIndex::env_fields`]), build
/// triggers declared in code (`iac`), CDK stacks, modules loaded from paths
/// or imported by name (the linker), folders copied or packed ([`seed_folders`]).
static KEEP_PY: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| aho_corasick::AhoCorasick::new(keep_py_literals()).expect("literals build an automaton"));

/// The literals of [`KEEP_PY`] (also screened for by the per-file [`Screen`]).
fn keep_py_literals() -> impl Iterator<Item = &'static str> {
    let own = ["os.environ.get", "os.getenv", "aws_cdk"];
    own.into_iter()
        .chain(detectors::iac::TRIGGER_KEYS.iter().copied())
        .chain(link::CODE_LOADERS.iter().copied())
        .chain(link::NAME_IMPORTERS.iter().copied())
        .chain(link::DISPATCH_KEYS.iter().copied())
        .chain(detectors::dagster::KEYS.iter().copied())
        .chain(COPIER_KEYS.iter().copied())
        .chain(PACK_KEYS.iter().copied())
}

/// Formats no other file's detector reads, so their texts can go once their
/// own detectors ran: Python modules (other files read only their imports),
/// notebooks (analysed as Python), and test files of compiled languages and
/// JSX/TSX components (JavaScript and TypeScript modules are read by the
/// CDK linking).
fn early_format(path: &str) -> bool {
    path.ends_with(".py")
        || path.ends_with(".ipynb")
        || paths::other_test_family(path).is_some()
        || path.ends_with(".tsx")
        || path.ends_with(".jsx")
}

/// Modules (Python, notebooks, compiled test files, JavaScript and
/// TypeScript): other files read only their imports and the literals of
/// [`KEEP_PY`], so that screen alone decides whether their text is held once
/// they are detected early. Other formats: [`kept_for_others`].
fn module_format(path: &str) -> bool {
    early_format(path) || js_module(path)
}

/// JavaScript and TypeScript modules: one no detector selects is read by no
/// one (the CDK readers select the modules that import the CDK; the linker
/// lists an app's modules by path).
fn js_module(path: &str) -> bool {
    [".ts", ".js", ".mjs", ".cjs"].iter().any(|x| path.ends_with(x))
}

/// A file's detection run early, and the hashes of the files whose imports it read.
type Early = (Output, Vec<u64>);

/// Whether a file was detected early: what the rest of the scan reads
/// back (a detection holding more than the plain unit is also listed
/// whole).
#[derive(Clone, Copy, PartialEq, Eq)]
enum EarlyAt {
    /// Not detected early (or detected again later).
    No,
    /// Detected early; its plain unit, if any, is not this.
    Yes,
    /// Detected early, and only the file's plain unit came of it.
    Plain,
}

/// A file's early detection, by what it holds. Most modules' is only their
/// plain unit (or nothing at all): those are marked ([`EarlyAt`]), and
/// only the others are held until linking.
enum Held {
    /// Nothing detected, no import read.
    Nothing,
    /// Only the file's plain unit ([`Unit::is_plain_file`]), no import read.
    Plain,
    /// Anything else, compacted.
    Full(Box<Early>),
}

impl Held {
    /// The early detection of the file at `path`, compacted.
    fn new((out, read): Early, path: &str) -> Held {
        let out = out.compacted(path);
        match (
            out.evidence.is_empty() && out.units.is_empty() && out.file_calls.is_empty() && out.issues.is_empty() && read.is_empty(),
            out.plain_unit,
        ) {
            (true, false) => Held::Nothing,
            (true, true) => Held::Plain,
            (false, _) => Held::Full(Box::new((out, read))),
        }
    }

    /// Hashes of the files whose imports the detection read.
    fn read(&self) -> &[u64] {
        match self {
            Held::Full(e) => &e.1,
            _ => &[],
        }
    }

    /// The detection's output when it holds anything but the plain flag.
    fn output_ref(&self) -> Option<&Output> {
        match self {
            Held::Full(e) => Some(&e.0),
            _ => None,
        }
    }

    /// The detection's output.
    fn output(self) -> Output {
        match self {
            Held::Nothing => Output::default(),
            Held::Plain => Output { plain_unit: true, ..Output::default() },
            Held::Full(e) => e.0,
        }
    }
}

/// What reading one file gave.
struct Read {
    /// Index in the listing.
    index: usize,
    /// Bytes of its text (0 when not read): the listing sizes only the
    /// files judged by size, and the late detections start with the largest.
    size: u64,
    /// The text, kept for the rest of the scan (`None` once detected early
    /// and not needed by other files).
    text: Option<String>,
    /// The file's detection, when it ran early (one is held per module
    /// until linking).
    early: Option<Held>,
    /// The text of a format other than Python's went after its early
    /// detection ([`RepoIndex::early_dropped`]).
    dropped: bool,
    /// Problems reading it.
    issues: Vec<ScanIssue>,
}

/// Run the detectors that select a file, given what the [`Screen`]'s pass
/// found in its text. `early`: only if all of them are
/// [`EARLY_DETECTORS`] and none asks for a repository-wide index; `None`
/// otherwise.
fn detect_file(
    dets: &[Box<dyn Detector>],
    hits: &Hits,
    opts: &ScanOptions,
    repo: &RepoIndex,
    path: &str,
    text: &str,
    early: bool,
) -> Option<(Output, Vec<u64>)> {
    let chosen: Vec<&dyn Detector> = dets
        .iter()
        .enumerate()
        // The screen's bit first: most detectors' literals are not in a file,
        // and their path tests need not run.
        .filter(|(i, d)| (!opts.screen || hits.detector(*i) || d.unscreened(path)) && d.applies(path))
        .map(|(_, d)| d.as_ref())
        .collect();
    let eligible = if js_module(path) { chosen.is_empty() } else { chosen.iter().all(|d| EARLY_DETECTORS.contains(&d.name())) };
    if early && !eligible {
        return None;
    }
    let ctx = FileCtx { path, text, repo };
    let mut out = Output::default();
    if early {
        EARLY.with(|e| *e.borrow_mut() = Some((false, Vec::new())));
    }
    for d in chosen {
        let t = detector_clock();
        d.detect(&ctx, &mut out);
        if let Some(t) = t {
            detector_time(d.name(), early, path, t.elapsed());
        }
    }
    // A CI definition kept for reference (`archive/`, `*-old.yml`, a
    // `DEPRECATED` header) starts nothing: what it runs is followed only
    // from a live definition that calls it.
    if out.units.iter().any(|u| u.root) && paths::is_archived_definition(path, text) {
        for u in &mut out.units {
            u.root = false;
            u.triggers.clear();
        }
        out.evidence.retain(|(e, _)| !matches!(&*e.kind, "ci.trigger" | "ci.environment"));
    }
    let (needs_index, read) = if early { EARLY.with(|e| e.borrow_mut().take()).unwrap_or_default() } else { (false, Vec::new()) };
    (!needs_index).then_some((out, read))
}

/// Per detector and stage (early or late): microseconds and files; and the
/// slowest calls, for [`debug_detector_times`].
#[derive(Default)]
struct DetectorTimes {
    totals: std::collections::BTreeMap<(&'static str, bool), (u128, usize)>,
    slowest: Vec<(u128, &'static str, String)>,
}

static DETECTOR_TIMES: std::sync::Mutex<Option<DetectorTimes>> = std::sync::Mutex::new(None);

fn debug_on() -> bool {
    static ON: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| std::env::var_os("MLOPS_LEVEL_DEBUG_PHASES").is_some());
    *ON
}

fn detector_clock() -> Option<std::time::Instant> {
    debug_on().then(std::time::Instant::now)
}

fn detector_time(name: &'static str, early: bool, path: &str, d: std::time::Duration) {
    const SLOWEST: usize = 12;
    let mut m = DETECTOR_TIMES.lock().unwrap_or_else(|e| e.into_inner());
    let m = m.get_or_insert_with(DetectorTimes::default);
    let us = d.as_micros();
    let e = m.totals.entry((name, early)).or_default();
    e.0 += us;
    e.1 += 1;
    if m.slowest.len() < SLOWEST || m.slowest.last().is_some_and(|l| l.0 < us) {
        m.slowest.push((us, name, path.to_string()));
        m.slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        m.slowest.truncate(SLOWEST);
    }
}

/// With `MLOPS_LEVEL_DEBUG_PHASES` set, print to stderr each detector's
/// time (wall time of its calls, summed over threads: a call waiting on a
/// shared table built once counts its wait) and files, early and late, and
/// the slowest calls: where a profile of the detection phases starts.
pub fn debug_detector_times() {
    if !debug_on() {
        return;
    }
    let m = DETECTOR_TIMES.lock().unwrap_or_else(|e| e.into_inner());
    let Some(m) = m.as_ref() else { return };
    let mut rows: Vec<_> = m.totals.iter().collect();
    rows.sort_by_key(|(_, (us, _))| std::cmp::Reverse(*us));
    for ((name, early), (us, n)) in rows {
        eprintln!("detector {name} {}: {} ms over {n} files", if *early { "early" } else { "late" }, us / 1000);
    }
    for (us, name, path) in &m.slowest {
        eprintln!("slowest: {name} {path} {us} us");
    }
}

/// With `MLOPS_LEVEL_DEBUG_PHASES` set, print to stderr the time since the
/// first call, the process's user and system CPU time (clock ticks) and its
/// resident and peak memory (Linux) as a phase of the scan ends: what
/// memory work is measured with.
pub fn debug_phase(name: &str) {
    static ON: std::sync::LazyLock<Option<std::time::Instant>> =
        std::sync::LazyLock::new(|| std::env::var_os("MLOPS_LEVEL_DEBUG_PHASES").map(|_| std::time::Instant::now()));
    let Some(start) = *ON else { return };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).map_or("?", |v| v.trim().trim_end_matches(" kB"));
    let st = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = st.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    eprintln!(
        "phase {name}: {} ms, cpu u{} s{}, rss {} KiB, peak {} KiB",
        start.elapsed().as_millis(),
        f.get(11).unwrap_or(&"?"),
        f.get(12).unwrap_or(&"?"),
        kib("VmRSS:"),
        kib("VmHWM:")
    );
}

/// Scan a listing. Texts still on disk (`pending`, read from `disk`) are
/// read once each, in parallel, in chunks: a file whose detectors read no
/// other file's text (a Python module, a notebook, a Kubernetes manifest,
/// infrastructure code: [`EARLY_DETECTORS`]) is detected right away and
/// its text dropped unless a repository-wide index reads it
/// ([`kept_for_others`]), so the texts held at once are those of the files
/// other files read (CI definitions, configuration, scripts), not the
/// whole tree's. Everything else is detected once the
/// repository-wide indexes (seed folders, CI variables) are complete.
fn scan_listed(listed: walk::Listed, disk: Option<DiskTexts>, dets: Vec<Box<dyn Detector>>, opts: &ScanOptions) -> Scan {
    use rayon::prelude::*;
    debug_phase("listed");
    let walk::Listed { walked, pending, root } = listed;
    let walk::Walked { files, issues: walk_issues, exclude_used } = walked;
    let mut issues = walk_issues;
    let mut repo = RepoIndex { catalog: opts.catalog.clone(), disk, ..RepoIndex::default() };
    // One copy of every path: the listing's, moved into the path set. The
    // listing is sorted by path without duplicates, so a file is its
    // position in the set, and its size is `sizes[i]`.
    let mut sizes = Vec::with_capacity(files.len());
    let mut names = Vec::with_capacity(files.len());
    let mut held = Vec::new();
    for (i, f) in files.into_iter().enumerate() {
        sizes.push(f.size);
        names.push(f.path);
        if let Some(t) = f.text {
            held.push((i, t));
        }
    }
    debug_assert!(names.windows(2).all(|w| w[0] < w[1]), "the listing is sorted, without duplicates");
    repo.paths = paths::PathSet::from_sorted(names);
    // Texts read already (a tree): held as before, for the files that ask.
    for (i, t) in held {
        repo.texts.insert(repo.paths[i].to_string(), t);
    }
    let files = &repo.paths;
    let screen = Screen::new(&dets);
    // Test configuration first: it says where imports resolve.
    // Taken out in place: the pending list is as long as the tree.
    let mut pending = pending;
    let config: Vec<_> = pending.iter().filter(|(i, _)| is_config_file(&files[*i])).cloned().collect();
    pending.retain(|(i, _)| !is_config_file(&files[*i]));
    for (i, exact) in config {
        match walk::read_text(&walk::Listed::disk_path(&root, &files[i], &exact), &files[i], opts.max_file_bytes) {
            Ok((t, issue)) => {
                issues.extend(issue);
                repo.texts.insert(files[i].to_string(), t);
            }
            Err(issue) => issues.push(issue),
        }
    }
    // Template texts are no file of this repository (held for now only
    // for the seed folders, which read copying scripts whatever they are).
    repo.texts.retain(|p, t| !(is_config_file(p) && is_template_text(t)));
    repo.py_paths = pythonpath_entries(&repo);
    // Read each pending file once; detect modules and notebooks right away.
    let loaded: Vec<usize> = files.iter().enumerate().filter(|(_, f)| repo.texts.contains_key(*f)).map(|(i, _)| i).collect();
    // One pass of the screen tells the detectors that may apply, whether
    // the text is a template, and whether other files read a module's text.
    let early_of = |path: &str, text: &str, hits: &Hits| -> Option<(Output, Vec<u64>)> {
        if hits.template() {
            return None;
        }
        detect_file(&dets, hits, opts, &repo, path, text, true)
    };
    let read_one = |&(i, ref exact): &(usize, Option<std::path::PathBuf>)| {
        let path = &files[i];
        match walk::read_text(&walk::Listed::disk_path(&root, path, exact), path, opts.max_file_bytes) {
            Ok((text, issue)) => {
                let size = text.len() as u64;
                let hits = screen.hits(&text);
                let early = early_of(path, &text, &hits);
                let keep = early.is_none() || kept_for_others(path, &text, &hits);
                let dropped = !keep && !module_format(path);
                let text = keep.then_some(text);
                // Held until linking: copied once the file's temporaries
                // (its text, the analysis) are freed, so what is held
                // fills the holes they left rather than pinning new memory.
                let early = early.map(|e| Held::new(e, path));
                Read { index: i, size, text, early, dropped, issues: issue.into_iter().collect() }
            }
            Err(issue) => Read { index: i, size: 0, text: None, early: None, dropped: false, issues: vec![issue] },
        }
    };
    // Which files were detected early, by position (most modules' detection
    // is their plain unit or nothing: a byte each, not an entry each); the
    // early detections that hold more, by position; and the texts kept,
    // added to the index once every file is read: no file's detection
    // sees another's text before the others do.
    let mut early_at = vec![EarlyAt::No; files.len()];
    let mut early: Vec<(usize, Held)> = Vec::new();
    let mut kept: Vec<(usize, String)> = Vec::new();
    let mut early_dropped = paths::Bits::default();
    let mut take = |r: Read| {
        issues.extend(r.issues);
        sizes[r.index] = r.size;
        if r.dropped {
            early_dropped.set(r.index);
        }
        if let Some(e) = r.early {
            early_at[r.index] = if matches!(e, Held::Plain) { EarlyAt::Plain } else { EarlyAt::Yes };
            if let Held::Full(_) = e {
                early.push((r.index, e));
            }
        }
        if let Some(t) = r.text {
            kept.push((r.index, t));
        }
    };
    // In chunks, so what one read gave is folded in before the next chunk:
    // no list of the whole tree's reads is held at once.
    for chunk in pending.chunks(READ_CHUNK) {
        let reads: Vec<Read> = chunk.par_iter().with_max_len(1).map(read_one).collect();
        reads.into_iter().for_each(&mut take);
    }
    // Texts of a tree were read with the listing: detect early the same way.
    let loaded_early: Vec<Read> = loaded
        .par_iter()
        .filter_map(|&i| {
            let path = &files[i];
            let text = repo.texts.get(path)?;
            early_of(path, text, &screen.hits(text)).map(|e| Read {
                index: i,
                size: text.len() as u64,
                text: None,
                early: Some(Held::new(e, path)),
                dropped: false,
                issues: Vec::new(),
            })
        })
        .collect();
    loaded_early.into_iter().for_each(&mut take);
    drop(pending);
    debug_phase("reads");
    // The import caches served the early detections, each module's imports
    // read by many importers; the late ones are few and fill them again.
    repo.forget_imports();
    early.sort_by_key(|(i, _)| *i);
    repo.early_dropped = early_dropped;
    for (i, t) in kept {
        repo.texts.insert(files[i].to_string(), t);
    }
    // Folders shipped for other projects, from the texts that can show them.
    let seeds = seed_folders(&repo.paths, &repo.texts);
    let seed_dirs: std::collections::HashSet<String> = seeds.iter().map(|(d, ..)| d.clone()).collect();
    let in_seed = |p: &str| !seed_dirs.is_empty() && has_ancestor_in(p, |a| seed_dirs.contains(a));
    let mut seed_evidence = Vec::new();
    for (dir, marker, why) in &seeds {
        seed_evidence.push((
            Evidence::new("repo.seed-folder", "walk", Location::line(marker, 1), Confidence::High, &format!("{dir}/: {why}"))
                .attr("dir", dir.clone())
                .attr("why", why.clone()),
            None,
        ));
    }
    repo.texts.retain(|p, t| !in_seed(p) && !is_template_text(t));
    let mut redo: BTreeSet<usize> = BTreeSet::new();
    if !seed_dirs.is_empty() {
        // Imports read before the seed folders were known may include theirs:
        // detect again what read one.
        let seed_hashes: std::collections::HashSet<u64> = files.iter().filter(|f| in_seed(f)).map(path_hash).collect();
        early.retain(|(i, e)| {
            let read = e.read();
            let again = read.iter().any(|h| seed_hashes.contains(h));
            if again && !in_seed(&files[*i]) {
                redo.insert(*i);
            }
            !again && !in_seed(&files[*i])
        });
        for (at, f) in early_at.iter_mut().zip(files) {
            if *at != EarlyAt::No && in_seed(f) {
                *at = EarlyAt::No;
            }
        }
        for &i in &redo {
            early_at[i] = EarlyAt::No;
        }
        // The import caches, filled before the seed folders were known,
        // were emptied once the reads were done.
    }
    repo.seed_dirs = seed_dirs.clone();
    debug_phase("seed folders");
    // Texts of a tree that only their own (early) detection read (Python
    // and JavaScript: a tree has no disk to read other texts again from).
    for i in (0..files.len()).filter(|&i| early_at[i] != EarlyAt::No) {
        let path = &files[i];
        if module_format(path) && !repo.texts.get(path).is_some_and(|t| KEEP_PY.is_match(t)) {
            repo.texts.remove(path);
        }
    }
    let mut evidence: Vec<(Evidence, Option<String>)> = seed_evidence;
    let mut units = Vec::new();
    for (f, size) in files.iter().zip(&sizes).filter(|(f, _)| !in_seed(f)) {
        // Size-only observations (committed model binaries) need no text.
        detectors::binaries::observe(f, *size, &repo, &mut evidence);
    }
    // Detect the rest: files with a text held, and early files detected
    // again (read again from disk when their text was dropped).
    let mut rest: Vec<usize> =
        (0..files.len()).filter(|i| early_at[*i] == EarlyAt::No && (repo.texts.contains_key(&files[*i]) || redo.contains(i))).collect();
    // Largest first, one file a task: a large file (a compiled pipeline, a
    // long manifest) taken last, or in a batch of files one thread holds,
    // would leave the other threads idle while it is detected. Outputs are
    // added to one list as each file is done (collecting one list per task
    // would allocate one per file) and put back in path order.
    rest.sort_by_key(|&i| (std::cmp::Reverse(sizes[i]), i));
    let late = std::sync::Mutex::new(Vec::new());
    rest.par_iter().with_max_len(1).for_each(|&i| {
        let path = &files[i];
        let owned;
        let text = match repo.texts.get(path) {
            Some(t) => t.as_str(),
            None => {
                let Some(t) = repo.dropped_text(path) else { return };
                owned = t;
                owned.as_str()
            }
        };
        // Outputs with nothing in them are not held (most configuration
        // and data files' among the late ones).
        if let Some((o, _)) = detect_file(&dets, &screen.hits(text), opts, &repo, path, text, false) {
            let o = o.compacted(path);
            if !o.is_empty() {
                late.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, o));
            }
        }
    });
    let mut late = late.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    late.sort_unstable_by_key(|(i, _)| *i);
    debug_phase("late detections");
    debug_detector_times();
    drop(sizes);
    repo.forget_imports();
    // The linker reads few texts: CDK app settings, the root packaging
    // files, modules that load code from paths (kept Python). The others
    // go before the detections are gathered.
    repo.texts.retain(|p, _| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name == "cdk.json" || matches!(p.as_str(), "pyproject.toml" | "setup.cfg" | "setup.py") || p.ends_with(".py")
    });
    // Sized once: growing by doubling would hold two copies at the peak.
    // With room for what the linker derives (its list is this one, changed
    // in place): mostly one `test.covers` per test import.
    let all = || early.iter().filter_map(|(_, e)| e.output_ref()).chain(late.iter().map(|(_, o)| o));
    let derived = all().flat_map(|o| &o.evidence).filter(|(e, _)| e.kind == "test.imports").count();
    evidence.reserve_exact(all().map(|o| o.evidence.len()).sum::<usize>() + derived);
    units.reserve_exact(all().map(|o| o.units.len() + usize::from(!o.file_calls.is_empty())).sum());
    // Files whose unit is plain, by position (the linker makes them on demand).
    let mut plain: Vec<u32> = (0..files.len()).filter(|&i| early_at[i] == EarlyAt::Plain).map(|i| i as u32).collect();
    drop(early_at);
    // Early and late detections, each in path order, merged in path order
    // as they are taken (no list of every file's output at once).
    // In a block: the two lists' buffers go when their iterators do, not
    // at the end of the scan (they would be held through linking).
    {
        let mut early = early.into_iter().map(|(i, e)| (i, e.output())).peekable();
        let mut late = late.into_iter().peekable();
        let outputs = std::iter::from_fn(|| match (early.peek(), late.peek()) {
            (Some((a, _)), Some((b, _))) if b < a => late.next(),
            (Some(_), _) => early.next(),
            (None, _) => late.next(),
        });
        for (i, mut out) in outputs {
            if out.plain_unit {
                plain.push(i as u32);
            }
            evidence.append(&mut out.evidence);
            issues.append(&mut out.issues);
            // Boxed where they are: the held units do not move into one large
            // array (a copy of them all, leaving their old places as holes).
            units.extend(out.into_units(&files[i]).map(Box::new));
        }
    }
    plain.sort_unstable();
    debug_phase("merged");
    if std::env::var_os("MLOPS_LEVEL_DEBUG_UNITS").is_some() {
        // Plain units made for the listing only, printed as the others.
        let made: Vec<Unit> = plain.iter().map(|&i| Unit::plain_file(&files[i as usize])).collect();
        for u in units.iter().map(|u| &**u).chain(&made) {
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
    repo.declared_projects = opts.projects.clone();
    let linked = link::link_held(&repo, units, plain, evidence);
    issues.extend(linked.unresolved);
    debug_phase("linked");
    if std::env::var_os("MLOPS_LEVEL_DEBUG_EVIDENCE").is_some() {
        // Every piece of evidence after linking, one JSON line each.
        for e in &linked.evidence {
            eprintln!("{}", serde_json::to_string(e).unwrap_or_default());
        }
    }
    issues.sort();
    issues.dedup();
    let mut projects: Vec<projects::ProjectScope> =
        linked.projects.into_iter().map(|p| projects::ProjectScope { project: Some(p), ..Default::default() }).collect();
    for (i, members) in linked.membership.iter().enumerate() {
        for &p in members {
            projects[p].evidence.push(i);
        }
    }
    let listed = linked_projects(&projects);
    for (i, issue) in issues.iter().enumerate() {
        for p in projects::issue_projects(&listed, &issue.path) {
            projects[p].issues.push(i);
        }
    }
    Scan { evidence: linked.evidence, units: linked.units, issues, files: repo.paths, exclude_used, projects }
}

/// The fixtures' files with one of `exts`, as text (path, text), in path
/// order: for unit tests that check a reader against every fixture.
#[cfg(test)]
pub(crate) fn fixture_texts(exts: &[&str]) -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut out: Vec<_> = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .build()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| exts.iter().any(|w| x == *w)))
        .filter_map(|e| Some((e.path().to_path_buf(), std::fs::read_to_string(e.path()).ok()?)))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::{started_by_sensors, started_by_trigger_templates, Confidence, Evidence, Held, Location, Output, RepoIndex, Started, Unit};

    /// Python modules and notebooks are detected as their texts are read
    /// (and the texts dropped); CI definitions wait for the repository-wide
    /// indexes. A notebook detected early finds what it finds late.
    #[test]
    fn modules_and_notebooks_are_detected_early_and_ci_files_late() {
        let dets = super::detectors::all();
        let screen = super::Screen::new(&dets);
        let opts = super::ScanOptions::default();
        let repo = repo(&["nb/train.ipynb", "train.py", ".github/workflows/ci.yml"]);
        let code =
            "import mlflow\nfrom sklearn.linear_model import LogisticRegression\nmlflow.start_run()\nLogisticRegression().fit(X, y)\n";
        let nb = serde_json::json!({"cells": [{"cell_type": "code", "source": code}], "nbformat": 4}).to_string();
        let kinds = |o: &Output| o.evidence.iter().map(|(e, _)| e.kind.clone()).collect::<Vec<_>>();
        let detect = |path: &str, text: &str, early: bool| super::detect_file(&dets, &screen.hits(text), &opts, &repo, path, text, early);
        let (early_nb, _) = detect("nb/train.ipynb", &nb, true).expect("a notebook is detected early");
        let (late_nb, _) = detect("nb/train.ipynb", &nb, false).expect("and late");
        assert!(kinds(&early_nb).contains(&"code.train".into()) && kinds(&early_nb).contains(&"notebook.code".into()));
        assert_eq!(kinds(&early_nb), kinds(&late_nb));
        assert!(detect("train.py", code, true).is_some());
        assert!(
            detect(".github/workflows/ci.yml", "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest\n", true).is_none()
        );
    }

    /// The one screen pass answers the template and module-keeping tests
    /// as the tests themselves do, whatever else the text holds.
    #[test]
    fn one_screen_pass_tells_templates_and_modules_other_files_read() {
        let dets = super::detectors::all();
        let screen = super::Screen::new(&dets);
        for text in [
            "import os\nx = os.getenv('MODEL')\n",
            "name = '{{ cookiecutter.project }}'\nimport mlflow\n",
            "{% if cookiecutter.ci %}on: push{% endif %}\n",
            "import aws_cdk as cdk\n",
            "import mlflow\nmlflow.start_run()\n",
            "value: {{ copier_answer }}\n",
            "",
        ] {
            let hits = screen.hits(text);
            assert_eq!(hits.template(), super::is_template_text(text), "{text:?}");
            assert_eq!(hits.keeps_module(), super::KEEP_PY.is_match(text), "{text:?}");
        }
        assert!(screen.hits("x = os.environ.get('A')\n").keeps_module());
        assert!(!screen.hits("x = os.environ.get('A')\n").template());
        assert!(screen.hits("{{ cookiecutter.x }}").template());
        assert!(!screen.hits("import mlflow\n").keeps_module());
    }

    /// A Kubernetes manifest is detected as it is read (its detectors read
    /// no other file) and finds what it finds late; a manifest that asks
    /// for a repository-wide index is not. Its text goes unless an index
    /// reads it: each index's own test decides.
    #[test]
    fn manifests_are_detected_early_and_kept_only_for_the_indexes_that_read_them() {
        let dets = super::detectors::all();
        let screen = super::Screen::new(&dets);
        let opts = super::ScanOptions::default();
        let repo = repo(&["k8s/serve.yaml", "infra/main.tf"]);
        let detect = |path: &str, text: &str, early: bool| super::detect_file(&dets, &screen.hits(text), &opts, &repo, path, text, early);
        let manifest = "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: churn\nspec:\n  predictor:\n    model:\n      modelFormat: {name: sklearn}\n";
        let kinds = |o: &Output| o.evidence.iter().map(|(e, _)| e.kind.to_string()).collect::<Vec<_>>();
        let (early, _) = detect("k8s/serve.yaml", manifest, true).expect("a manifest is detected early");
        assert_eq!(kinds(&early), ["k8s.inference-service"]);
        assert_eq!(kinds(&early), kinds(&detect("k8s/serve.yaml", manifest, false).unwrap().0));
        // A function whose source folder holds the code an alarm starts: the
        // iac detector reads the texts under it, an index: late.
        let alarm = "resource \"aws_cloudwatch_metric_alarm\" \"drift\" {\n  alarm_actions = [aws_lambda_function.retrain.arn]\n}\nresource \"aws_lambda_function\" \"retrain\" {\n  filename = \"lambda/retrain\"\n}\n";
        assert!(detect("infra/main.tf", alarm, true).is_none());
        // Read by no index: goes. Read by one: kept.
        let kept = |path: &str, text: &str| super::kept_for_others(path, text, &screen.hits(text));
        assert!(!kept("k8s/serve.yaml", manifest));
        for (path, text) in [
            ("k8s/serve.yaml", "apiVersion: v1\nkind: ConfigMap\nenv:\n  MODEL: churn\n"),
            ("events/sensor.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\n"),
            ("tekton/triggers.yaml", "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerTemplate\n"),
            ("ci/templates/train.yml", "parameters:\n  - name: env\nsteps:\n  - template: build.yml\n"),
            ("infra/build.tf", "resource \"google_cloudbuild_trigger\" \"main\" {}\n"),
            ("deploy/pack.yml", "steps:\n  - run: zip -r model.zip model/\n"),
            ("cdk.json", "{\"app\": \"python3 app.py\"}\n"),
        ] {
            assert!(kept(path, text), "{path} is read by an index");
        }
    }

    #[test]
    fn event_sources_start_the_workflows_and_pipelines_they_name() {
        let named = |n: &[&str]| Started::Named(n.iter().map(|s| s.to_string()).collect());
        let sensor = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nspec:\n  triggers:\n    - template:\n        name: t\n        argoWorkflow:\n          source:\n            resource:\n              apiVersion: argoproj.io/v1alpha1\n              kind: Workflow\n              metadata:\n                generateName: retrain-\n              spec:\n                workflowTemplateRef:\n                  name: train-pipeline\n";
        assert_eq!(started_by_sensors(sensor), named(&["retrain", "train-pipeline"]));
        let from_git = "kind: Sensor\nspec:\n  triggers:\n    - template:\n        k8s:\n          source:\n            git:\n              url: https://example.com/r.git\n";
        assert_eq!(started_by_sensors(from_git), Started::Any);
        let template = |name: &str| {
            format!("kind: TriggerTemplate\nspec:\n  resourcetemplates:\n    - kind: PipelineRun\n      spec:\n        pipelineRef:\n          name: {name}\n")
        };
        assert_eq!(started_by_trigger_templates(&template("release")), named(&["release"]));
        assert_eq!(started_by_trigger_templates(&template("$(tt.params.pipeline)")), Started::Any);
        assert!(named(&["release"]).starts("release") && !named(&["release"]).starts("demo") && !Started::Nothing.starts("x"));
        // A listener with a template in the repository starts its pipeline
        // only; without one, any.
        let repo = |files: &[(&str, String)]| {
            let mut r = RepoIndex::default();
            for (p, t) in files {
                r.texts.insert(p.to_string(), t.clone());
            }
            r
        };
        let listener = ("t/listener.yaml", "kind: EventListener\n".to_string());
        let r = repo(&[listener.clone(), ("t/template.yaml", template("release"))]);
        assert_eq!(r.event_sources().listeners, named(&["release"]));
        assert_eq!(repo(&[listener]).event_sources().listeners, Started::Any);
        assert_eq!(repo(&[("t/template.yaml", template("release"))]).event_sources().listeners, Started::Nothing);
    }

    /// A module's unit that only calls (imports) is held as its calls and
    /// rebuilt the same, first of the file's units as it came; evidence
    /// owned by the file's own unit is held as owned by none.
    #[test]
    fn a_module_unit_that_only_calls_is_held_as_its_calls() {
        let mut calls = Unit::plain_file("a.py");
        calls.calls = vec![("file:b.py".into(), Location::line("a.py", 3)), ("file:c.py".into(), Location::line("a.py", 4))];
        let mut other = Unit::plain_file("a.py");
        other.id = "file:a.py#main".into();
        other.root = true;
        let ev = Evidence::new("code.train", "python", Location::line("a.py", 5), Confidence::High, "fit()");
        let out = Output {
            units: vec![calls.clone(), other.clone()],
            evidence: vec![(ev.clone(), Some("file:a.py".into())), (ev.clone(), Some("file:a.py#main".into()))],
            ..Output::default()
        };
        let held = out.compacted("a.py");
        assert_eq!((held.units.len(), held.file_calls.len()), (1, 2));
        assert_eq!(held.evidence.iter().map(|(_, o)| o.as_deref()).collect::<Vec<_>>(), [None, Some("file:a.py#main")]);
        assert_eq!(held.into_units("a.py").collect::<Vec<_>>(), [calls.clone(), other.clone()]);
        // Not first, or a call written elsewhere (merged in from another
        // file), or a unit of another file: held whole.
        let out = Output { units: vec![other.clone(), calls.clone()], ..Output::default() };
        assert!(out.compacted("a.py").file_calls.is_empty());
        let mut elsewhere = calls.clone();
        elsewhere.calls.push(("file:d.py".into(), Location::line("x.yml", 1)));
        assert!(Output { units: vec![elsewhere], ..Output::default() }.compacted("a.py").file_calls.is_empty());
        assert!(Output { units: vec![calls.clone()], ..Output::default() }.compacted("z.py").file_calls.is_empty());
    }

    /// A unit holds no command the linker can follow nothing from; a file's
    /// unit left with none is held as plain.
    #[test]
    fn commands_that_start_nothing_are_not_held() {
        let cmd = |argv: &[&str], line| crate::Cmd {
            argv: argv.iter().map(|a| a.to_string()).collect(),
            location: Location::line("run.sh", line),
            text: argv.join(" "),
            workdir: String::new(),
        };
        let mut quiet = Unit::plain_file("run.sh");
        quiet.commands = vec![cmd(&["set", "-e"], 1), cmd(&["echo", "hi"], 2)];
        let held = Output { units: vec![quiet.clone()], ..Output::default() }.compacted("run.sh");
        assert!(held.plain_unit && held.units.is_empty());
        quiet.commands.push(cmd(&["python", "fit.py"], 3));
        let held = Output { units: vec![quiet], ..Output::default() }.compacted("run.sh");
        assert!(!held.plain_unit);
        assert_eq!(held.units[0].commands.iter().map(|c| c.location.start_line).collect::<Vec<_>>(), [3]);
    }

    /// A held output's locations in its file share one copy of the path
    /// (evidence, provenance chains, units, commands, calls); a location in
    /// another file keeps its own.
    #[test]
    fn held_locations_in_the_file_share_its_path() {
        let mut u = Unit::new("make:Makefile#train".into(), Location::line("Makefile", 3), "train");
        u.commands.push(crate::Cmd {
            argv: vec!["python".into()],
            location: Location::line("Makefile", 4),
            text: String::new(),
            workdir: String::new(),
        });
        u.calls.push(("make:Makefile#data".into(), Location::line("Makefile", 3)));
        let mut e = Evidence::new("code.train", "makefile", Location::line("Makefile", 4), Confidence::High, "python");
        e.chain = vec![Location::line("ci.yml", 2), Location::line("Makefile", 4)];
        let held = Output { units: vec![u], evidence: vec![(e, None)], ..Output::default() }.compacted("Makefile");
        let (e, u) = (&held.evidence[0].0, &held.units[0]);
        let first = &e.location.path;
        let others = [&e.chain[1].path, &u.location.path, &u.commands[0].location.path, &u.calls[0].1.path];
        assert!(others.iter().all(|p| p.shares(first)), "{others:?}");
        assert!(!e.chain[0].path.shares(first) && e.chain[0].path == "ci.yml");
        // Equal in every way to what was written.
        assert_eq!((e.location.start_line, &*u.commands[0].location.path), (4, "Makefile"));
    }

    /// A module's early detection is held without an allocation when it is
    /// only the module's plain unit, or nothing; anything else (another
    /// unit, evidence, an import read) is held whole.
    #[test]
    fn early_detections_are_held_by_what_they_hold() {
        let plain = || Output { units: vec![Unit::plain_file("a.py")], ..Output::default() };
        assert!(matches!(Held::new((Output::default(), vec![]), "a.py"), Held::Nothing));
        let held = Held::new((plain(), vec![]), "a.py");
        assert!(matches!(held, Held::Plain) && held.read().is_empty());
        assert!(held.output().plain_unit);
        // Another file's plain unit is a unit like any other.
        assert!(matches!(Held::new((plain(), vec![]), "b.py"), Held::Full(_)));
        let read = Held::new((plain(), vec![7]), "a.py");
        assert_eq!(read.read(), [7]);
        let out = read.output();
        assert!(out.plain_unit && out.units.is_empty());
        let mut ev = plain();
        ev.push(Evidence::new("code.train", "python", Location::line("a.py", 3), Confidence::High, "fit()"));
        let out = Held::new((ev, vec![]), "a.py").output();
        assert_eq!((out.evidence.len(), out.units.len(), out.plain_unit), (1, 0, true));
    }

    /// What the local modules a file imports bring in is gathered only when
    /// a detection asks (a prediction log's sink here): a module that asks
    /// nothing reads no other module's imports.
    #[test]
    fn imported_modules_are_read_only_when_a_detection_asks() {
        let dets = super::detectors::all();
        let screen = super::Screen::new(&dets);
        let opts = super::ScanOptions::default();
        let mut repo = repo(&["svc/__init__.py", "svc/api.py", "svc/logs.py"]);
        repo.texts.insert("svc/logs.py".into(), "from fluent import handler\n".into());
        let detect =
            |text: &str| super::detect_file(&dets, &screen.hits(text), &opts, &repo, "svc/api.py", text, true).expect("detected early");
        let api = "from fastapi import FastAPI\nimport logging\nfrom svc import logs\nlog = logging.getLogger(__name__)\napp = FastAPI()\n@app.post('/predict')\ndef predict(req):\n    y = model.predict(req.x)\n    log.info('prediction %s', y)\n    return y\n";
        let (out, read) = detect(api);
        let sinks: Vec<&str> =
            out.evidence.iter().filter(|(e, _)| e.kind == "code.prediction-log").filter_map(|(e, _)| e.attrs.get("sink")).collect();
        assert_eq!(sinks, ["shipper"], "the imported module ships the log records");
        assert!(read.contains(&super::path_hash("svc/logs.py")), "the sink is found in svc/logs.py's imports");
        let (out, read) = detect("import mlflow\nfrom svc import logs\nmlflow.log_metric('auc', 0.9)\n");
        assert!(!out.evidence.is_empty(), "the module was analysed");
        assert!(read.is_empty(), "nothing asked what svc/logs.py imports");
    }

    /// The ML framework a tested module brings in is worked out once; each
    /// test importing it still records the files that answer read, so an
    /// early detection is redone if one of them is in a seed folder.
    #[test]
    fn a_tested_module_framework_is_found_once_and_its_reads_recorded_each_time() {
        let dets = super::detectors::all();
        let screen = super::Screen::new(&dets);
        let opts = super::ScanOptions::default();
        let mut repo = repo(&["pkg/__init__.py", "pkg/model.py", "pkg/nets.py", "tests/test_a.py", "tests/test_b.py"]);
        repo.texts.insert("pkg/model.py".into(), "from pkg import nets\n".into());
        repo.texts.insert("pkg/nets.py".into(), "import sklearn\n".into());
        let test = "from pkg.model import fit\n\ndef test_fit():\n    assert fit() is not None\n";
        for path in ["tests/test_a.py", "tests/test_b.py"] {
            let (out, read) = super::detect_file(&dets, &screen.hits(test), &opts, &repo, path, test, true).expect("detected early");
            let fw: Vec<&str> =
                out.evidence.iter().filter(|(e, _)| e.kind == "test.imports").filter_map(|(e, _)| e.attrs.get("ml_framework")).collect();
            assert_eq!(fw, ["sklearn"], "{path}");
            for read_file in ["pkg/model.py", "pkg/nets.py"] {
                assert!(read.contains(&super::path_hash(read_file)), "{path} records reading {read_file}");
            }
        }
        assert_eq!(repo.module_frameworks.lock().unwrap().len(), 1, "worked out once");
    }

    /// Sibling folders each holding a CI file read only at a repository's
    /// root are sample repositories; a Jenkinsfile per model folder is a
    /// monorepo's (a Jenkins job may name any script path).
    #[test]
    fn sibling_ci_roots_are_samples_but_per_model_jenkinsfiles_are_not() {
        let seeds = |ci: &str| {
            let paths: Vec<String> = ["churn", "fraud"]
                .iter()
                .flat_map(|m| [format!("models/{m}/{ci}"), format!("models/{m}/train.py")])
                .chain(["README.md".to_string()])
                .collect();
            let files: super::paths::PathSet = paths.iter().cloned().collect();
            super::seed_folders(&files, &Default::default()).into_iter().map(|(d, ..)| d).collect::<Vec<_>>()
        };
        assert_eq!(seeds(".gitlab-ci.yml"), ["models/churn", "models/fraud"]);
        assert_eq!(seeds(".github/workflows/ci.yml"), ["models/churn", "models/fraud"]);
        assert!(seeds("Jenkinsfile").is_empty());
    }

    fn repo(paths: &[&str]) -> RepoIndex {
        RepoIndex { paths: paths.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() }
    }

    #[test]
    fn files_are_found_by_name_and_packages_by_folder_and_init() {
        let r = repo(&["b/train.py", "a/train.py", "train.py", "a/xtrain.py", "a/train.py.bak", "pkg/__init__.py", "src/pkg/__init__.py"]);
        assert_eq!(r.files_named("train.py"), ["a/train.py", "b/train.py", "train.py"], "whole names, in path order");
        assert_eq!(r.files_named("pkg/__init__.py"), ["pkg/__init__.py", "src/pkg/__init__.py"]);
        assert_eq!(r.files_named("__init__.py").len(), 2);
        assert!(r.files_named("rain.py").is_empty() && r.files_named("a/train.py").is_empty());
        assert!(r.files_named("").is_empty());
        // Ending at a folder boundary, and only one.
        assert_eq!(r.unique_file_ending("b/train.py"), Some("b/train.py"));
        assert_eq!(r.unique_file_ending("./src/pkg/__init__.py"), Some("src/pkg/__init__.py"));
        assert_eq!(r.unique_file_ending("train.py"), None, "three of them");
        assert_eq!(r.unique_file_ending("rain.py"), None);
        assert_eq!(r.unique_file_ending("x/train.py"), None);
    }

    #[test]
    fn components_are_every_folder_and_python_stem_of_sorted_paths() {
        // Neighbours share folders (counted once), names that are not ASCII
        // share leading bytes but not characters.
        let r = repo(&["a/b/c.py", "a/b/d/e.txt", "a/bx/f.py", "g.py", "h.txt", "\u{e9}/x.py", "\u{e8}/y/z.py"]);
        for name in ["a", "b", "c", "d", "bx", "f", "g", "\u{e9}", "x", "\u{e8}", "y", "z"] {
            assert!(r.has_component(name), "{name}");
        }
        for name in ["e", "e.txt", "h", "c.py", "a/b", "", "\u{e0}"] {
            assert!(!r.has_component(name), "{name}");
        }
    }

    #[test]
    fn python_modules_are_defined_at_the_root_and_under_source_folders() {
        let r = repo(&["app.py", "src/pkg/__init__.py", "lib/tool.py", "python/x/__init__.py", "other/y.py", "src/pkg/mod.py"]);
        for name in ["app", "pkg", "tool", "x"] {
            assert!(r.defines_python_module(name), "{name}");
        }
        assert!(r.defines_python_module("pkg/mod") && !r.defines_python_module("pkg/x"), "deeper names are looked up");
        for name in ["y", "mod", "src", "ap", "__init__"] {
            assert!(!r.defines_python_module(name), "{name}");
        }
    }
}
