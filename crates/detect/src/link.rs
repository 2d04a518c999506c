//! The linker: facts that span files.
//!
//! It resolves each command a unit runs to the units it starts (a CI step's
//! `make train` -> the Makefile target -> `python -m pkg.train` -> the
//! module -> the local modules it imports), walks from every root (CI jobs,
//! schedules), and annotates the evidence it reaches with the triggers that
//! start it (`triggers=push,pull_request`), `reached=yes`, and the chain of
//! locations as provenance. It then derives facts no single file shows:
//! `test.covers` (what code the tests exercise), `link.env-promotion`, and
//! `link.retrain-on-alert`.

use crate::command::{classify, Invocation};
use crate::evidence::{Confidence, Evidence, Location};
use crate::paths::env_class;
/// Path helpers, kept here for callers outside the crate.
pub use crate::paths::{join, normalize};
use crate::{RepoIndex, Unit};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Linked result.
pub struct Linked {
    /// Annotated and derived evidence, sorted and deduplicated.
    pub evidence: Vec<Evidence>,
    /// Units, merged by id and sorted (boxed: each stays where its
    /// detector made it), but the plain module units ([`Unit::is_plain_file`]).
    pub units: Vec<Box<Unit>>,
    /// References on a launched path that could not be followed
    /// (`unresolved-reference` issues), sorted.
    pub unresolved: Vec<crate::ScanIssue>,
    /// The projects of a monorepo (empty: one project), see [`crate::projects`].
    pub projects: Vec<crate::projects::Project>,
    /// For each piece of `evidence`, the indexes of the projects it counts for.
    pub membership: Vec<Vec<usize>>,
}

/// Calls that load Python code from a path.
pub(crate) const CODE_LOADERS: &[&str] = &["spec_from_file_location(", "run_path(", "SourceFileLoader(", "load_source(", "exec(open("];

/// Text a Python program dispatching on a training action holds (see
/// [`dispatched_actions`]): its text is kept for the linker.
pub(crate) const DISPATCH_KEYS: &[&str] = &[
    "add_parser(",
    ".command(",
    "do_train",
    "Fire(",
    // `train`, `training`, `train_model`...
    "== \"train",
    "== 'train",
    "==\"train",
    "=='train",
    "case \"train",
    "case 'train",
    "== \"fit",
    "== 'fit",
];

/// Calls that import a Python module by a name known only at run time.
pub(crate) const NAME_IMPORTERS: &[&str] = &["import_module(", "__import__("];

/// True when Python source loads modules from file paths it is given
/// (`importlib.util.spec_from_file_location`, `runpy.run_path`,
/// `SourceFileLoader`, `imp.load_source`, `exec(open(...).read())`), so
/// the `.py` files passed to it on the command line run. Comments and
/// docstrings do not count.
pub fn loads_code_from_paths(source: &str) -> bool {
    if !CODE_LOADERS.iter().any(|c| source.contains(c)) {
        return false;
    }
    let masked = crate::pylex::mask(source);
    CODE_LOADERS.iter().any(|c| masked.contains(c))
}

/// The rest of a path that starts with a variable folder (`$(X)/a/b`,
/// `${X}/a/b`, `$X/a/b` -> `a/b`), when the rest holds no other variable.
fn under_variable(p: &str) -> Option<&str> {
    let after = if let Some(r) = p.strip_prefix("$(") {
        &r[r.find(')')? + 1..]
    } else if let Some(r) = p.strip_prefix("${") {
        &r[r.find('}')? + 1..]
    } else {
        let r = p.strip_prefix('$')?;
        &r[r.find('/')?..]
    };
    let rest = after.strip_prefix('/')?.trim_start_matches("./");
    (!rest.is_empty() && !rest.contains('$')).then_some(rest)
}

/// The units of the repository by id: sorted by id, one per id (no copy
/// of the ids as keys, no tree nodes: most units are modules').
///
/// Most of a tree's units are modules that reference nothing (see
/// [`Unit::is_plain_file`]): everything about them follows from their path,
/// so they are held as positions in the path set and made on first lookup.
/// Lookups see them; iteration does not (they have no calls, commands,
/// triggers or order for a walk over units to find).
#[derive(Debug, Clone)]
pub(crate) struct Units<'p> {
    // Boxed on purpose: units stay where their detectors allocated them, and
    // sorting moves pointers (see `scan_listed`).
    #[allow(clippy::vec_box)]
    full: Vec<Box<Unit>>,
    /// Plain module units: positions in `paths`, sorted, none with a full unit.
    plain: Vec<u32>,
    /// Each plain unit, once looked up.
    made: Vec<std::cell::OnceCell<Box<Unit>>>,
    paths: &'p crate::paths::PathSet,
}

impl Default for Units<'_> {
    fn default() -> Self {
        static NO_PATHS: crate::paths::PathSet = crate::paths::PathSet::EMPTY;
        Units { full: Vec::new(), plain: Vec::new(), made: Vec::new(), paths: &NO_PATHS }
    }
}

impl<'p> Units<'p> {
    /// Units sharing an id merged into the first of them (its commands,
    /// calls and triggers extended in order, a root if any is); plain module
    /// units (given as units or as positions in `paths`) kept as positions.
    #[allow(clippy::vec_box)]
    fn merged(mut units: Vec<Box<Unit>>, mut plain: Vec<u32>, paths: &'p crate::paths::PathSet) -> Units<'p> {
        units.retain(|u| match u.is_plain_file().then(|| paths.position(&u.location.path)).flatten() {
            Some(i) => {
                plain.push(i as u32);
                false
            }
            None => true,
        });
        // Stable: units of one id keep their order.
        units.sort_by(|a, b| a.id.cmp(&b.id));
        let mut out: Vec<Box<Unit>> = Vec::with_capacity(units.len());
        for u in units {
            match out.last_mut() {
                Some(existing) if existing.id == u.id => {
                    existing.commands.extend(u.commands);
                    existing.calls.extend(u.calls);
                    existing.root |= u.root;
                    existing.triggers.extend(u.triggers);
                }
                _ => out.push(u),
            }
        }
        // A plain unit adds nothing to a full unit of its file (their
        // labels and locations are the same: the file's path, line 1). The
        // `file:` ids are one sorted run, so their paths are sorted too.
        plain.sort_unstable();
        plain.dedup();
        let full_files: Vec<&str> = out.iter().filter_map(|u| u.id.strip_prefix("file:")).collect();
        plain.retain(|&i| full_files.binary_search(&&paths[i as usize]).is_err());
        let made = plain.iter().map(|_| std::cell::OnceCell::new()).collect();
        Units { full: out, plain, made, paths }
    }

    /// Where the full unit of this id is, or would be.
    fn full_index(&self, id: &str) -> Result<usize, usize> {
        self.full.binary_search_by(|u| u.id.as_str().cmp(id))
    }

    /// The unit with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&Unit> {
        if let Ok(i) = self.full_index(id) {
            return Some(&self.full[i]);
        }
        let (k, path) = self.plain_of(id)?;
        Some(self.made[k].get_or_init(|| Box::new(Unit::plain_file(path))))
    }

    /// The plain unit of this id: its index in `plain` and its path.
    fn plain_of(&self, id: &str) -> Option<(usize, &'p str)> {
        let path = id.strip_prefix("file:")?;
        let i = self.paths.position(path)?;
        let k = self.plain.binary_search(&(i as u32)).ok()?;
        Some((k, &self.paths[i]))
    }

    /// The file the unit of this id is defined in (a plain unit is not made).
    pub(crate) fn path_of(&self, id: &str) -> Option<&str> {
        match self.full_index(id) {
            Ok(i) => Some(&self.full[i].location.path),
            Err(_) => self.plain_of(id).map(|(_, p)| p),
        }
    }

    /// True when a unit has this id.
    pub(crate) fn contains_key(&self, id: &str) -> bool {
        self.full_index(id).is_ok() || self.plain_of(id).is_some()
    }

    /// Every unit but the plain ones, by id.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Unit> {
        self.full.iter().map(|u| &**u)
    }

    /// Every (id, unit) but the plain ones, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Unit)> {
        self.full.iter().map(|u| (&u.id, &**u))
    }

    /// Every id but the plain ones', in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.full.iter().map(|u| &u.id)
    }

    /// The ids of the plain units, in order.
    pub(crate) fn plain_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.plain.iter().map(|&i| format!("file:{}", &self.paths[i as usize]))
    }

    /// The units but the plain ones, in order.
    #[allow(clippy::vec_box)]
    fn into_full(self) -> Vec<Box<Unit>> {
        self.full
    }

    /// Add a unit, replacing the one of its id (for tests).
    #[cfg(test)]
    fn insert(&mut self, id: String, u: Unit) {
        debug_assert_eq!(id, u.id);
        match self.full_index(&id) {
            Ok(i) => *self.full[i] = u,
            Err(i) => self.full.insert(i, Box::new(u)),
        }
    }
}

/// Built from (id, unit) pairs, as a map would be: a later unit of an id
/// replaces an earlier one. The id is the unit's own. For tests.
#[cfg(test)]
impl FromIterator<(String, Unit)> for Units<'_> {
    fn from_iter<I: IntoIterator<Item = (String, Unit)>>(iter: I) -> Self {
        let map: BTreeMap<String, Unit> = iter.into_iter().collect();
        debug_assert!(map.iter().all(|(k, u)| *k == u.id));
        Units { full: map.into_values().map(Box::new).collect(), ..Units::default() }
    }
}

struct Ctx<'a> {
    repo: &'a RepoIndex,
    units: &'a Units<'a>,
    test_files: BTreeSet<crate::PathName>,
    /// The TFX runner files the repository's `tfx pipeline create|update`
    /// commands name, as `file:` ids (gathered once, when a run asks).
    tfx_runners: std::cell::OnceCell<Vec<String>>,
}

impl<'a> Ctx<'a> {
    fn new(repo: &'a RepoIndex, units: &'a Units<'a>, test_files: BTreeSet<crate::PathName>) -> Self {
        Ctx { repo, units, test_files, tfx_runners: std::cell::OnceCell::new() }
    }

    /// The unit of invoke task `name` (`test`, `checks.test`, `checks`) in
    /// the tasks module `file`: a task of the module, or a task of a
    /// collection it adds (read through the collection's unit, which calls
    /// the collection module's default unit).
    fn invoke_task(&self, file: &str, name: &str) -> Option<String> {
        let name = name.replace('_', "-");
        let own = format!("invoke:{file}#{name}");
        if self.units.contains_key(&own) {
            return Some(own);
        }
        let (head, tail) = name.split_once('.')?;
        let collection = self.units.get(&format!("invoke:{file}#{head}"))?;
        let module = collection.calls.iter().find_map(|(c, _)| c.strip_prefix("invoke:")?.strip_suffix('#'))?;
        self.invoke_task(module, tail)
    }

    fn file(&self, candidates: &[String]) -> Option<String> {
        candidates.iter().find(|c| self.repo.exists(c)).cloned()
    }

    /// Why a command that names a script, module, notebook or job file led
    /// nowhere, when it did: a name built at run time from a variable or
    /// parameter the repository never sets, or a relative path that is not a
    /// file of the repository. `None` for commands that name nothing of ours.
    fn unresolved(&self, argv: &[String], workdir: &str) -> Option<String> {
        let (what, path) = match classify(argv) {
            Invocation::PythonScript { path } | Invocation::Script { path } | Invocation::Notebook { path } => ("script", path),
            Invocation::SubmitJob { file, .. } => ("job file", file),
            Invocation::PythonModule { module } if module.contains('$') => ("module", module),
            // `python "$ENTRY"`, `bash $STEP`: an interpreter whose program is a variable.
            Invocation::Other => {
                let prog = argv.first().map(|a| a.rsplit('/').next().unwrap_or(a)).unwrap_or("");
                if !matches!(prog, "python" | "python3" | "bash" | "sh" | "source" | ".") {
                    return None;
                }
                match argv.iter().skip(1).find(|a| !a.starts_with('-')) {
                    Some(a) if a.starts_with('$') => ("script", a.clone()),
                    _ => return None,
                }
            }
            _ => return None,
        };
        // Activating a virtualenv runs no code of the repository.
        if path.ends_with("/activate") || path == "activate" {
            return None;
        }
        if path.contains('$') {
            // The shell split `${{ parameters.x }}` into words: read the reference from the whole command.
            let joined = argv.join(" ");
            let from = joined.find(path.as_str()).unwrap_or(0);
            let var = RX_VAR.captures(&joined[from..])?;
            let name = var.iter().skip(1).flatten().next().map(|m| m.as_str()).unwrap_or("");
            return Some(format!(
                "the {what} is named at run time by `{name}`, which the scan could not resolve in the repository, so what it runs is not followed"
            ));
        }
        let bare = path.trim_matches(|c| c == '"' || c == '\'');
        if bare.starts_with('/') || bare.starts_with('~') || bare.contains("://") || bare.is_empty() {
            return None;
        }
        (!self.repo.exists(&join(workdir, bare)) && !self.repo.exists(&join("", bare))).then(|| {
            format!("the {what} `{bare}` is not a file of the repository (generated, or kept elsewhere), so what it runs is not followed")
        })
    }

    /// A path as the command wrote it, resolved against its workdir, the
    /// root, and (when unique) its file name anywhere in the repository.
    fn resolve_path(&self, workdir: &str, p: &str) -> Option<String> {
        let p = p.trim_matches(|c| c == '"' || c == '\'');
        // A path under a folder named by a variable (`$(Pipeline.Workspace)/
        // code/src/train.py`, `$SRC_DIR/train.py`, `${HOME}/x.py`): the folder
        // is where the CI system put a copy of the repository, like an
        // absolute path inside an image.
        if let Some(rest) = under_variable(p) {
            return self.longest_suffix(&format!("/{rest}"));
        }
        if p.contains("$") {
            return None;
        }
        let direct = self.file(&[join(workdir, p), join("", p)]);
        if direct.is_some() {
            return direct;
        }
        // An absolute path inside a container or runner image
        // (`/opt/airflow/dags/scripts/train.py`, `/app/src/serve.py`): the
        // repository file that is its longest component-wise suffix.
        if p.starts_with('/') {
            return self.longest_suffix(p).or_else(|| self.mounted_folder_file(p));
        }
        let name = p.rsplit('/').next()?;
        // Looked up by file name (an index built once), not by a pass over every path.
        let matches: Vec<&str> = self.repo.files_named(name).into_iter().filter(|f| f.ends_with(p.trim_start_matches("./"))).collect();
        (matches.len() == 1).then(|| matches[0].to_string())
    }

    /// The repository file that is the longest component-wise suffix of the
    /// absolute path `p` (looked up by file name).
    fn longest_suffix(&self, p: &str) -> Option<String> {
        let name = p.rsplit('/').next().filter(|n| !n.is_empty())?;
        self.repo.files_named(name).into_iter().filter(|f| p.ends_with(&format!("/{f}"))).max_by_key(|f| f.len()).map(str::to_string)
    }

    /// The repository file at absolute path `p` in a container where a folder
    /// of the repository is mounted or copied at a top-level mount point
    /// (`./backend:/app`, `COPY ./scripts /app/scripts`): the one file whose
    /// path ends with `p` less its first component (`/app/scripts/test.sh`
    /// is `backend/scripts/test.sh`). Two such files: none.
    fn mounted_folder_file(&self, p: &str) -> Option<String> {
        let rest = p.trim_start_matches('/').split_once('/')?.1;
        self.repo.unique_file_ending(rest).map(str::to_string)
    }

    /// The file of a module name (`pkg.mod` or a bare `mod`), as `python -m` would find it.
    fn module_file(&self, module: &str, workdir: &str) -> Option<String> {
        let m = module.replace('.', "/");
        let mut c = Vec::new();
        for base in [workdir, "", "src"] {
            for suffix in [".py", "/__main__.py", "/__init__.py"] {
                c.push(join(base, &format!("{m}{suffix}")));
            }
        }
        self.file(&c)
    }

    /// What `cdk deploy` run in `workdir` deploys: the app of the nearest
    /// `cdk.json` (its folder or the repository root). A Python app is its
    /// entry file (`"app": "python3 app.py"`), whose imports the linker
    /// follows; a TypeScript/JavaScript app is the source files under that
    /// folder (stacks), outside tests, dependencies, build output, templates
    /// and folders shipped for other projects.
    fn cdk_app_files(&self, workdir: &str) -> Vec<String> {
        let found = crate::paths::dir_and_ancestors(workdir.trim_end_matches('/'))
            .map(|d| (d, join(d, "cdk.json")))
            .find(|(_, c)| self.repo.exists(c));
        let Some((dir, cdk_json)) = found else { return vec![] };
        let app = self.repo.text(&cdk_json).and_then(|t| {
            let v: serde_json::Value = serde_json::from_str(&t).ok()?;
            v.get("app")?.as_str().map(str::to_string)
        });
        if let Some(entry) = app.as_deref().and_then(|a| a.split_whitespace().find(|w| w.ends_with(".py"))) {
            return self.resolve_path(dir, entry).map(|p| vec![format!("file:{p}")]).unwrap_or_default();
        }
        self.repo
            .paths
            .in_dir(dir)
            .iter()
            .filter(|p| (p.ends_with(".ts") || p.ends_with(".js")) && !p.ends_with(".d.ts"))
            .filter(|p| !crate::is_template_path(p) && !crate::has_ancestor_in(p, |a| self.repo.seed_dirs.contains(a)))
            .filter(|p| {
                !p.split('/').any(|c| matches!(c, "node_modules" | "cdk.out" | "test" | "tests" | "__tests__"))
                    && !p.contains(".test.")
                    && !p.contains(".spec.")
            })
            .map(|p| format!("file:{p}"))
            .collect()
    }

    fn targets(&self, argv: &[String], workdir: &str) -> Vec<String> {
        // A module name: dotted identifiers (`pipelines.churn.pipeline`) or a bare one (`pipeline`).
        let is_module_name = |v: &String| {
            !v.is_empty()
                && v.split('.').all(|s| {
                    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
        };
        let mut t = self.direct_targets(argv, workdir);
        // A launcher script that imports modules by name (`importlib.import_module`,
        // `__import__`): any dotted module name it is given may be the one it runs.
        let dynamic = std::cell::OnceCell::new();
        let imports_by_name = || {
            *dynamic.get_or_init(|| {
                t.iter().filter_map(|u| u.strip_prefix("file:")).filter(|p| p.ends_with(".py")).any(|p| {
                    self.repo.text(p).is_some_and(|x| {
                        NAME_IMPORTERS.iter().any(|c| x.contains(c)) && {
                            let masked = crate::pylex::mask(&x);
                            NAME_IMPORTERS.iter().any(|c| masked.contains(c))
                        }
                    })
                })
            })
        };
        let mut found = Vec::new();
        // A module named by an option (`run-pipeline --module-name
        // pipelines.churn.pipeline`): the launcher imports and runs it.
        for (i, a) in argv.iter().enumerate().skip(1) {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), argv.get(i + 1).cloned()),
            };
            let is_module_option = name.starts_with("--") && name.contains("module");
            if let Some(v) = value.filter(|v| is_module_option && is_module_name(v)) {
                // Or, for a dotted name, the one file of the repository that
                // path ends in: the launcher's package may be installed from
                // a subfolder (SageMaker project seeds `modelbuild/` with its
                // own setup.py and buildspec).
                let m = v.replace('.', "/");
                let nested = || {
                    v.contains('.')
                        .then(|| [".py", "/__init__.py"].iter().find_map(|s| self.repo.unique_file_ending(&format!("{m}{s}"))))
                        .flatten()
                };
                if let Some(p) = self.module_file(&v, workdir).or_else(|| nested().map(str::to_string)) {
                    found.push(format!("file:{p}"));
                }
            } else if !a.starts_with('-') && a.contains('.') && is_module_name(a) && imports_by_name() {
                // `python launch.py -n flows.churn`, `python launch.py flows.churn`.
                if let Some(p) = self.module_file(a, workdir) {
                    found.push(format!("file:{p}"));
                }
            }
        }
        t.extend(found);
        t
    }

    fn direct_targets(&self, argv: &[String], workdir: &str) -> Vec<String> {
        match classify(argv) {
            Invocation::TestRunner { paths, runner } => {
                let roots: Vec<String> = paths.iter().map(|p| join(workdir, p.split("::").next().unwrap_or(p))).collect();
                // Each runner collects its own language's test files.
                let family = |t: &str| -> &'static str {
                    if t.ends_with(".py") {
                        "python"
                    } else if crate::paths::is_js_test(t) {
                        "js"
                    } else {
                        crate::paths::other_test_family(t).map(|(f, _)| f).unwrap_or("")
                    }
                };
                let want = match runner.as_str() {
                    "jest" | "vitest" | "mocha" | "ava" | "karma" => "js",
                    "cargo" => "rust",
                    "go" => "go",
                    "ctest" => "cpp",
                    "jvm" => "jvm",
                    "behave" => "gherkin",
                    _ => "python",
                };
                // The test files under each root: a range of the sorted set,
                // not a pass over every test file per command.
                let under = |dir: &str, itself: bool| -> Vec<&crate::PathName> {
                    if dir.is_empty() {
                        return self.test_files.iter().collect();
                    }
                    let prefix = format!("{dir}/");
                    let below = self
                        .test_files
                        .range::<str, _>((std::ops::Bound::Included(prefix.as_str()), std::ops::Bound::Unbounded))
                        .take_while(|t| t.starts_with(&prefix));
                    self.test_files.get(dir).filter(|_| itself).into_iter().chain(below).collect()
                };
                // A shell glob (`test_*.py`, `tests/unit/test_*.py`) names the
                // test files it matches: those under its literal folder.
                let matching = |r: &str| -> Vec<&crate::PathName> {
                    let Ok(glob) = globset::GlobBuilder::new(r).literal_separator(true).build() else { return vec![] };
                    let glob = glob.compile_matcher();
                    let fixed = r.find(['*', '?', '[']).map_or(r, |i| &r[..i]);
                    let dir = fixed.rsplit_once('/').map_or("", |(d, _)| d);
                    under(dir, false).into_iter().filter(|t| glob.is_match(t.as_ref() as &str)).collect()
                };
                let picked: BTreeSet<&crate::PathName> = if roots.is_empty() {
                    under(workdir, false).into_iter().collect()
                } else {
                    roots.iter().flat_map(|r| if r.contains(['*', '?', '[']) { matching(r) } else { under(r, true) }).collect()
                };
                picked.into_iter().filter(|t| family(t) == want).map(|t| format!("file:{t}")).collect()
            }
            Invocation::Make { dir, file, targets } => {
                let d = join(workdir, dir.as_deref().unwrap_or(""));
                let mf = match file {
                    Some(f) => self.file(&[join(&d, &f)]),
                    None => self.file(&["Makefile", "makefile", "GNUmakefile"].map(|n| join(&d, n))),
                };
                let Some(mf) = mf else { return vec![] };
                if targets.is_empty() {
                    vec![format!("make:{mf}#")]
                } else {
                    targets.iter().map(|t| format!("make:{mf}#{t}")).collect()
                }
            }
            Invocation::Tox { envs } => {
                let Some(p) = self.file(&[join(workdir, "tox.ini"), "tox.ini".into()]) else { return vec![] };
                if envs.is_empty() {
                    vec![format!("tox:{p}#")]
                } else {
                    // An env with no section of its own (`py`, `py311`) runs `[testenv]`.
                    envs.iter()
                        .map(
                            |e| {
                                if self.units.contains_key(&format!("tox:{p}#{e}")) {
                                    format!("tox:{p}#{e}")
                                } else {
                                    format!("tox:{p}#*")
                                }
                            },
                        )
                        .collect()
                }
            }
            Invocation::Nox { sessions } => {
                let Some(p) = self.file(&[join(workdir, "noxfile.py"), "noxfile.py".into()]) else { return vec![] };
                if sessions.is_empty() {
                    vec![format!("nox:{p}#")]
                } else {
                    sessions.iter().map(|s| format!("nox:{p}#{s}")).collect()
                }
            }
            Invocation::PreCommit { hook, stage } => {
                let Some(p) = self.file(&[".pre-commit-config.yaml".into(), ".pre-commit-config.yml".into()]) else { return vec![] };
                match hook {
                    Some(h) => vec![format!("precommit:{p}#{h}")],
                    None if stage == "pre-commit" => vec![format!("precommit:{p}#")],
                    // The hooks of another stage (`--hook-stage manual`) are not told apart.
                    None => vec![],
                }
            }
            Invocation::Invoke { tasks, collection, root } => {
                // invoke loads `tasks.py` or the `tasks/` package (or the
                // `-c` collection) from the folder it starts in, else the
                // nearest folder above.
                let coll = collection.as_deref().unwrap_or("tasks").trim_end_matches(".py");
                let start = root.as_deref().map_or_else(|| workdir.to_string(), |r| join(workdir, r));
                let Some(file) = crate::paths::dir_and_ancestors(&start)
                    .find_map(|d| self.file(&[join(d, &format!("{coll}.py")), join(d, &format!("{coll}/__init__.py"))]))
                else {
                    return vec![];
                };
                let names = if tasks.is_empty() { vec![String::new()] } else { tasks };
                names.iter().filter_map(|n| self.invoke_task(&file, n)).collect()
            }
            Invocation::PythonScript { path } | Invocation::Script { path } | Invocation::Notebook { path } => {
                self.resolve_path(workdir, &path).map(|p| vec![format!("file:{p}")]).unwrap_or_default()
            }
            Invocation::PythonModule { module } => {
                self.module_file(&module, workdir).map(|p| vec![format!("file:{p}")]).unwrap_or_default()
            }
            Invocation::DvcRepro { targets } => {
                let Some(p) = self.file(&[join(workdir, "dvc.yaml"), "dvc.yaml".into()]) else { return vec![] };
                if targets.is_empty() {
                    return vec![format!("dvc:{p}#")];
                }
                // A target stage runs with the stages before it (its upstream).
                let prefix = format!("dvc:{p}#");
                let stages: Vec<&Unit> = self.units.values().filter(|u| u.id.starts_with(&prefix) && u.id.len() > prefix.len()).collect();
                let mut order: Vec<&Unit> = stages.clone();
                order.sort_by_key(|u| u.location.start_line);
                let mut out = Vec::new();
                for t in targets {
                    let name = t.rsplit(':').next().unwrap_or(&t);
                    if let Some(pos) = order.iter().position(|u| u.label == name) {
                        out.extend(order[..=pos].iter().map(|u| u.id.clone()));
                    }
                }
                out
            }
            Invocation::Just { recipes } => {
                let Some(p) = self
                    .file(&["justfile", "Justfile", ".justfile"].map(|n| join(workdir, n)))
                    .or_else(|| self.file(&["justfile".into(), "Justfile".into()]))
                else {
                    return vec![];
                };
                if recipes.is_empty() {
                    vec![format!("just:{p}#")]
                } else {
                    recipes.iter().map(|r| format!("just:{p}#{r}")).collect()
                }
            }
            Invocation::Task { tasks } => {
                let Some(p) = self.file(&["Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml"].map(|n| join(workdir, n)))
                else {
                    // `task x` may also be taskipy (`[tool.taskipy.tasks]`).
                    return tasks.iter().map(|t| format!("script:{t}")).filter(|id| self.units.contains_key(id)).collect();
                };
                let names = if tasks.is_empty() { vec!["default".to_string()] } else { tasks };
                names.iter().map(|t| format!("task:{p}#{t}")).collect()
            }
            Invocation::Mise { task } => {
                let Some(p) = self
                    .file(&["mise.toml", ".mise.toml"].map(|n| join(workdir, n)))
                    .or_else(|| self.file(&["mise.toml".into(), ".mise.toml".into()]))
                else {
                    return vec![];
                };
                vec![format!("mise:{p}#{task}")]
            }
            Invocation::Npm { script } => {
                let Some(p) = self.file(&[join(workdir, "package.json"), "package.json".into()]) else { return vec![] };
                vec![format!("npm:{p}#{script}")]
            }
            Invocation::MlflowRun { entry, dir } => {
                let d = join(workdir, &dir);
                vec![format!("mlproject:{d}#{entry}")]
            }
            Invocation::MlflowRecipe { step } => {
                // The recipe of the working folder (run from its root), its
                // units for the steps the run executes.
                let steps = crate::detectors::mlflow_recipe::upstream(step.as_deref());
                crate::detectors::mlflow_recipe::FILE_NAMES
                    .iter()
                    .map(|name| format!("recipe:{}#", join(workdir, name)))
                    .flat_map(|prefix| steps.iter().map(move |s| format!("{prefix}{s}")))
                    .filter(|id| self.units.contains_key(id))
                    .collect()
            }
            Invocation::Kedro => self
                .repo
                .paths
                .iter()
                .filter(|p| {
                    (p.ends_with(".py") && p.contains("/pipelines/") && (p.starts_with("src/") || p.contains("/src/")))
                        || crate::paths::is_kedro_conf(p)
                })
                .map(|p| format!("file:{p}"))
                .collect(),
            Invocation::BundleRun { job } => vec![format!("bundle:job#{job}")],
            Invocation::DbxLaunch { workflow } => vec![format!("dbx:workflow#{workflow}")],
            Invocation::StartDefined { unit } => vec![unit],
            // The runner files the repository's `tfx pipeline create` commands name.
            Invocation::TfxRun => self
                .tfx_runners
                .get_or_init(|| {
                    let mut v: Vec<String> = self
                        .units
                        .values()
                        .flat_map(|u| &u.commands)
                        .filter_map(|c| self.resolve_path(&c.workdir, crate::command::tfx_pipeline_path(&c.argv)?))
                        .map(|p| format!("file:{p}"))
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                })
                .clone(),
            Invocation::AirflowDag { dag_id } => vec![format!("airflow-dag:{dag_id}")],
            Invocation::BundleDeploy => {
                self.units.keys().filter(|k| k.starts_with("bundle:") && !k.starts_with("bundle:job#")).cloned().collect()
            }
            Invocation::Other => {
                // A console script or task alias declared in pyproject.toml;
                // `poe TASK` (Poe the Poet) runs a `[tool.poe.tasks]` alias.
                let name = match argv.first().map(String::as_str) {
                    Some("poe") => crate::command::positionals(&argv[1..], &["-C", "--directory", "--root", "-e", "--executor"])
                        .into_iter()
                        .next()
                        .unwrap_or_default(),
                    first => first.unwrap_or("").to_string(),
                };
                let id = format!("script:{name}");
                if self.units.contains_key(&id) {
                    vec![id]
                } else {
                    vec![]
                }
            }
            Invocation::SubmitJob { file, .. } => self.resolve_path(workdir, &file).map(|p| vec![format!("file:{p}")]).unwrap_or_default(),
            Invocation::Deploy { target, file: None, .. } if target == "terraform" => {
                // `terraform apply` applies the .tf files of its directory (`-chdir=`).
                let dir =
                    argv.iter().find_map(|a| a.strip_prefix("-chdir=")).map(|d| join(workdir, d)).unwrap_or_else(|| workdir.to_string());
                self.repo
                    .paths
                    .in_dir(&dir)
                    .iter()
                    .filter(|p| p.ends_with(".tf") && p.rsplit_once('/').map(|(d, _)| d).unwrap_or("") == dir)
                    .map(|p| format!("file:{p}"))
                    .collect()
            }
            Invocation::Deploy { target, file: None, .. } if target == "cdk" => self.cdk_app_files(workdir),
            Invocation::Deploy { file: Some(f), .. } => {
                let p = join(workdir, &f);
                if self.repo.exists(&p) {
                    vec![format!("file:{p}")]
                } else {
                    // A folder of manifests.
                    let prefix = format!("{}/", p.trim_end_matches('/'));
                    self.repo.paths.with_prefix(&prefix).iter().map(|x| format!("file:{x}")).collect()
                }
            }
            _ => vec![],
        }
    }
}

/// Unit id -> (target id, where it is referenced), borrowed from the units
/// but for targets resolved from commands.
pub(crate) type Edges<'a> = BTreeMap<&'a str, Vec<(Cow<'a, str>, &'a Location)>>;

/// Root id -> every unit id it reaches.
pub(crate) type Closures<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

/// How a unit is reached from the roots, borrowed from the units and edges.
#[derive(Clone, Default)]
struct Reach<'a> {
    /// The events of every root that reaches it, sorted, without repeats.
    triggers: Vec<&'a str>,
    chain: Vec<&'a Location>,
    /// How well the root of `chain` justifies automation (0 best).
    rank: u8,
}

impl Reach<'_> {
    /// The chain, owned, with room for `more` locations a caller appends.
    fn owned_chain(&self, more: usize) -> Vec<Location> {
        let mut c = Vec::with_capacity(self.chain.len() + more);
        c.extend(self.chain.iter().map(|l| (*l).clone()));
        c
    }
}

/// Rank of a root's triggers for choosing the chain shown as provenance:
/// push/PR first, then other automatic events, then manual or unknown.
fn trigger_rank(t: &BTreeSet<String>) -> u8 {
    if t.contains("push") || t.contains("pull_request") {
        0
    } else if t.iter().any(|x| matches!(x.as_str(), "tag" | "schedule" | "external")) {
        1
    } else {
        2
    }
}

/// A variable or parameter reference: `${{ parameters.x }}`, `$[[ inputs.x ]]`, `$(x)`, `${x}`, `$x`.
static RX_VAR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\$\{\{[ \t]*([A-Za-z0-9_.\-]+)[ \t]*\}\}|\$\[\[[ \t]*([A-Za-z0-9_.\-]+)[ \t]*\]\]|\$\(([A-Za-z0-9_.\-]+)\)|\$\{([A-Za-z0-9_]+)[^}]*\}|\$([A-Za-z0-9_]+)",
    )
    .unwrap()
});

/// Link units and evidence.
pub fn link<U: Into<Box<Unit>>>(repo: &RepoIndex, units: Vec<U>, evidence: Vec<(Evidence, Option<String>)>) -> Linked {
    link_held(repo, units, Vec::new(), evidence)
}

/// [`link`], with the plain module units (see [`Unit::is_plain_file`]) of
/// some files given as their positions in the repository's path set.
pub(crate) fn link_held<U: Into<Box<Unit>>>(
    repo: &RepoIndex,
    units: Vec<U>,
    plain: Vec<u32>,
    evidence: Vec<(Evidence, Option<String>)>,
) -> Linked {
    let mut units: Vec<Box<Unit>> = units.into_iter().map(Into::into).collect();
    resolve_workflow_runs(&mut units);
    run_images_built_elsewhere(&mut units);
    let by_id = Units::merged(units, plain, &repo.paths);
    let mut evidence = evidence;
    derive_gitops_releases(repo, &by_id, &mut evidence);
    confirm_unnamed_splits(&mut evidence);
    let test_files: BTreeSet<crate::PathName> =
        evidence.iter().filter(|(e, _)| e.kind == "test.case").map(|(e, _)| e.location.path.clone()).collect();
    let ctx = Ctx::new(repo, &by_id, test_files);

    // Python files that load modules from paths, by path (read once).
    let mut loaders: BTreeMap<String, bool> = BTreeMap::new();
    // Edges: unit -> (target, location of the reference).
    let mut edges: Edges = BTreeMap::new();
    let mut pending: Vec<(String, Location, String)> = Vec::new();
    // Launches of a Python CLI that select an action other than training
    // (`python cli.py eval`), as (unit, target) edges; the CLIs' actions by
    // file, read once.
    let mut other_actions: BTreeMap<(&str, String), String> = BTreeMap::new();
    let mut cli_actions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in by_id.values() {
        // Units that reference nothing (most modules) get no entry.
        let mut e = Vec::new();
        // A test script runs code as a test (smoke runs, fixtures): not a
        // launch. Only the test runners it starts are followed.
        let test_script = u.id.starts_with("file:") && crate::paths::is_test_path(&u.location.path);
        for c in &u.commands {
            if test_script && !matches!(classify(&c.argv), Invocation::TestRunner { .. }) {
                continue;
            }
            // So does a one-epoch or fast-dev run of a training script: a
            // smoke test of the code, whose model is thrown away.
            if is_smoke_run(&c.argv) {
                continue;
            }
            let wd = effective_workdir(repo, &c.workdir);
            let targets = ctx.targets(&c.argv, wd);
            if targets.is_empty() {
                if let Some(why) = ctx.unresolved(&c.argv, wd).map(|why| match c.workdir.contains('$') {
                    // After `cd "$DIR"` the folder itself is unknown: say so.
                    true if why.contains("is not a file of the repository") => {
                        format!("{why}; it runs in `{}`, a folder named at run time", c.workdir)
                    }
                    _ => why,
                }) {
                    pending.push((u.id.clone(), c.location.clone(), format!("`{}`: {why}", c.text.trim())));
                }
            }
            // A Python file handed to a script that loads code from file
            // paths (`python train.py data.csv src/model.py`) runs too.
            // Asked only of commands that hand one over.
            let handed: Vec<&String> = c.argv.iter().skip(2).filter(|a| a.ends_with(".py")).collect();
            let loads = !handed.is_empty()
                && targets.iter().any(|t| {
                    t.strip_prefix("file:").is_some_and(|f| {
                        *loaders
                            .entry(f.to_string())
                            .or_insert_with(|| f.ends_with(".py") && repo.text(f).is_some_and(|x| loads_code_from_paths(&x)))
                    })
                });
            if let Some(action) = selected_action(&c.argv) {
                for t in &targets {
                    let Some(f) = t.strip_prefix("file:").filter(|f| f.ends_with(".py")) else { continue };
                    let actions = cli_actions
                        .entry(f.to_string())
                        .or_insert_with(|| repo.text(f).map(|x| dispatched_actions(&x)).unwrap_or_default());
                    if selects_other_than_training(&action, actions) {
                        other_actions.insert((u.id.as_str(), t.clone()), action.clone());
                    }
                }
            }
            for t in targets {
                e.push((Cow::Owned(t), &c.location));
            }
            if loads {
                for a in handed {
                    if let Some(p) = ctx.file(&[join(wd, a), join("", a)]) {
                        e.push((Cow::Owned(format!("file:{p}")), &c.location));
                    }
                }
            }
            // Config files passed as arguments are part of the step (`train.py recipes/x.yaml`).
            for a in c.argv.iter().skip(1) {
                let a = a.split_once('=').map(|(_, v)| v).unwrap_or(a);
                if [".yaml", ".yml", ".json", ".toml", ".cfg", ".ini"].iter().any(|x| a.ends_with(x)) {
                    if let Some(p) = ctx.file(&[join(wd, a), join("", a)]) {
                        e.push((Cow::Owned(format!("file:{p}")), &c.location));
                    }
                }
            }
        }
        for (t, loc) in &u.calls {
            e.push((Cow::Borrowed(t.as_str()), loc));
        }
        if !e.is_empty() {
            edges.insert(u.id.as_str(), e);
        }
    }

    crate::debug_phase("link: edges");
    // Walk from every root; the first (shortest) chain wins, triggers accumulate.
    // Ids, chains and triggers are borrowed from the units and edges: a
    // root can reach every module of the repository.
    let mut reach: BTreeMap<&str, Reach> = BTreeMap::new();
    let mut root_closure: Closures = BTreeMap::new();
    for root in by_id.values().filter(|u| u.root) {
        let mut seen: BTreeMap<&str, Vec<&Location>> = BTreeMap::new();
        let mut q = VecDeque::new();
        seen.insert(root.id.as_str(), vec![]);
        q.push_back(root.id.as_str());
        while let Some(id) = q.pop_front() {
            let chain = seen[id].clone();
            for (t, loc) in edges.get(id).map(Vec::as_slice).unwrap_or_default() {
                if seen.contains_key(t.as_ref()) || chain.len() > 24 {
                    continue;
                }
                let mut c = Vec::with_capacity(chain.len() + 1);
                c.extend_from_slice(&chain);
                c.push(*loc);
                seen.insert(t.as_ref(), c);
                q.push_back(t.as_ref());
            }
        }
        let rank = trigger_rank(&root.triggers);
        for (id, chain) in &seen {
            let fresh = !reach.contains_key(id);
            let r = reach.entry(id).or_default();
            for t in &root.triggers {
                if let Err(k) = r.triggers.binary_search(&t.as_str()) {
                    r.triggers.insert(k, t.as_str());
                }
            }
            // Show the chain from the root that best justifies automation, then the shortest.
            if fresh
                || (!chain.is_empty() && (rank, chain.len()) < (r.rank, r.chain.len()))
                || r.chain.is_empty() && !chain.is_empty() && rank <= r.rank
            {
                r.chain = chain.clone();
                r.rank = rank;
            }
        }
        root_closure.insert(root.id.as_str(), seen.into_keys().collect());
    }

    crate::debug_phase("link: reach");
    // Annotate evidence with how it is launched.
    // Collected in place: the items are moved within the list they came in
    // (no second list of them all), which leaves room for the evidence
    // derived below.
    let mut owner: Vec<OwnerId> = Vec::with_capacity(evidence.len());
    let annotate = |(mut e, unit): (Evidence, Option<String>)| {
        let uid = unit.unwrap_or_else(|| format!("file:{}", e.location.path));
        if let Some(r) = reach.get(uid.as_str()) {
            e.attrs.insert("reached", "yes");
            if !r.triggers.is_empty() {
                e.add_attr_values("triggers", r.triggers.iter().copied());
            }
            if !r.chain.is_empty() {
                let own = r.chain.last() != Some(&&e.location);
                e.chain = r.owned_chain(usize::from(own));
                if own {
                    e.chain.push(e.location.clone());
                }
            }
        }
        // One string for consecutive items of one unit (a file's evidence
        // comes together).
        owner.push(match owner.last() {
            Some(prev) if **prev == *uid => prev.clone(),
            _ => OwnerId::from(uid),
        });
        e
    };
    let mut out: Vec<Evidence> = evidence.into_iter().map(annotate).collect();
    unreach_training_of_other_actions(&mut out, &owner, &by_id, &edges, &other_actions);
    unreach_unscheduled_assets(&mut out, &owner, &by_id, &edges, repo);
    unreach_unsubmitted_components(&mut out);
    mark_batch_job_launches(&mut out, &owner, &edges);

    crate::debug_phase("link: annotate");
    confirm_model_loaded_via_import(&mut out, &mut owner, &by_id);
    // The library of an ML tool: the models, runs and projects its tests
    // make are fixtures, and what its tests import is library code.
    let tool_library = crate::library::recognise(repo, &out);
    if let Some(lib) = &tool_library {
        crate::library::apply(lib, &mut out, &mut owner);
    }
    mark_with_training(&mut out, &owner, &root_closure, &by_id, &edges);
    mark_overridden_verdicts(&mut out, &owner, &root_closure);
    mark_after_training(&mut out, &owner, &root_closure, &by_id);
    mark_tests_in_release(&mut out, &owner, &root_closure, &by_id);
    mark_smoke_tests_after_deploy(&mut out, &owner, &root_closure, &by_id);
    crate::debug_phase("link: marks");
    derive_test_covers(&mut out, &mut owner, &by_id, tool_library.is_some());
    crate::debug_phase("link: covers");
    keep_served_prediction_logs(&mut out, &mut owner, &by_id);
    mark_package_release_environments(&mut out, &owner);
    mark_packages_carrying_models(&mut out);
    publish_pushed_model_builds(&mut out, &owner);
    mark_unapplied_examples(&mut out);
    mark_environment_image_pushes(&mut out);
    mark_functions_serving_nothing(&mut out);
    derive_env_promotion(&mut out, &owner, &by_id);
    derive_pull_based_serving(&mut out, &by_id);
    derive_retrain_on_alert(&mut out, &owner, &root_closure, &reach, &by_id);
    derive_retrain_on_drift_gate(&mut out, &owner, &edges, &root_closure, &reach, &by_id);

    crate::debug_phase("link: derived");
    // Evidence derived without an owning unit is the file's own.
    owner.resize(out.len(), OwnerId::from(""));
    sort_with_owners(&mut out, &mut owner);
    let projects = crate::projects::discover(&repo.paths, &out, &repo.declared_projects);
    let membership = if projects.is_empty() {
        Vec::new()
    } else {
        let graph = crate::projects::Graph { units: &by_id, edges: &edges, root_closure: &root_closure };
        crate::projects::attribute(&projects, &out, &owner, &graph)
    };
    // Only what something launches matters: an unfollowed reference in a
    // script nothing runs hides no practice.
    let mut unresolved: Vec<crate::ScanIssue> = pending
        .into_iter()
        .filter(|(uid, ..)| reach.contains_key(uid.as_str()))
        .map(|(_, loc, msg)| crate::ScanIssue::new(&loc.path, Some(loc.start_line), "unresolved-reference", msg))
        .collect();
    unresolved.sort();
    unresolved.dedup();
    Linked { evidence: out, units: by_id.into_full(), unresolved, projects, membership }
}

/// GitOps releases: a job or script that edits a file in a folder an Argo
/// CD or Flux object keeps applied (k8s.gitops-sync), then pushes the
/// commit, releases what the controller then applies: a `run.deploy`
/// (mechanism=gitops) at the push, owned by that unit. Edits are `sed -i`,
/// `yq -i`, `kustomize edit` (the folder's kustomization) and `git add` of
/// the file or its folder. A controller that does not sync on its own
/// leaves the apply to a person (sync=manual).
fn derive_gitops_releases(repo: &RepoIndex, units: &Units, evidence: &mut Vec<(Evidence, Option<String>)>) {
    let synced: Vec<(&str, bool, String)> = evidence
        .iter()
        .filter(|(e, _)| e.kind == "k8s.gitops-sync")
        .filter_map(|(e, _)| {
            let at = format!("{}:{}", e.location.path, e.location.start_line);
            Some((e.attrs.get("path")?, e.attrs.get("automated").is_some_and(|a| a == "yes"), at))
        })
        .collect();
    if synced.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for u in units.values().filter(|u| !u.commands.is_empty()) {
        // The synced folder of the last edit before each push, if any.
        let mut edited: Option<&(&str, bool, String)> = None;
        for c in &u.commands {
            let argv = &c.argv;
            if argv.first().map(String::as_str) == Some("git") && argv.get(1).map(String::as_str) == Some("push") {
                if argv.iter().any(|a| a == "--tags" || a == "--delete") {
                    continue;
                }
                if let Some((_, automated, at)) = edited.take() {
                    let mut e = Evidence::new("run.deploy", "linker", c.location.clone(), Confidence::High, &c.text)
                        .attr("target", "kubernetes")
                        .attr("mechanism", "gitops")
                        .attr("synced_by", at.clone());
                    if !automated {
                        e = e.attr("sync", "manual");
                    }
                    found.push((e, Some(u.id.clone())));
                }
                continue;
            }
            for file in edited_files(repo, argv, &c.workdir) {
                // An automated controller wins over a manual one syncing the same file.
                let mut holders = synced.iter().filter(|(p, ..)| crate::detectors::kubernetes::gitops_syncs(p, &file));
                if let Some(s) = holders.clone().find(|(_, a, _)| *a).or_else(|| holders.next()) {
                    edited = Some(s);
                }
            }
        }
    }
    evidence.extend(found);
}

/// A traffic split that names no model word (model=unconfirmed: Istio
/// routes, an Argo Rollout or Flagger Canary of a workload) splits a
/// model's traffic when a model-serving workload of the repository
/// (k8s.inference-service) carries the name of one of its hosts or targets
/// (`iris` for Deployments `iris-svc` and `iris-rf`) or sits in the same
/// folder; otherwise it splits some other service's and is dropped.
fn confirm_unnamed_splits(evidence: &mut Vec<(Evidence, Option<String>)>) {
    if !evidence.iter().any(|(e, _)| e.kind == "k8s.traffic-split" && e.attrs.contains_key("model")) {
        return;
    }
    let dir = |p: &str| p.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
    let servers: Vec<(String, String)> = evidence
        .iter()
        .filter(|(e, _)| e.kind == "k8s.inference-service")
        .map(|(e, _)| (e.attrs.get("name").unwrap_or_default().to_string(), dir(&e.location.path)))
        .collect();
    evidence.retain_mut(|(e, _)| {
        if e.kind != "k8s.traffic-split" || !e.attrs.contains_key("model") {
            return true;
        }
        let here = dir(&e.location.path);
        let hosts: Vec<&str> = e.attrs.get("hosts").unwrap_or_default().split(',').filter(|h| !h.is_empty()).collect();
        let serves = servers
            .iter()
            .any(|(name, d)| *d == here || hosts.iter().any(|h| name == h || name.strip_prefix(h).is_some_and(|r| r.starts_with('-'))));
        if serves {
            e.attrs.remove("model");
        }
        serves
    });
}

/// The repository files (or folders, for `git add DIR`) one command edits
/// or stages: `sed -i`/`yq -i` of files, `kustomize edit` of the folder's
/// `kustomization.yaml`, `git add` of paths. Only paths of the repository.
fn edited_files(repo: &RepoIndex, argv: &[String], workdir: &str) -> Vec<String> {
    let program = argv.first().map(|a| a.rsplit('/').next().unwrap_or(a)).unwrap_or_default();
    let in_place = |a: &String| a.starts_with("-i") || a.starts_with("--in-place") || a == "--inplace";
    let named: Vec<&String> = match program {
        "sed" | "yq" if argv.iter().any(in_place) => argv[1..].iter().filter(|a| !a.starts_with('-')).collect(),
        "kustomize" if argv.get(1).map(String::as_str) == Some("edit") => {
            return ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                .iter()
                .map(|k| join(workdir, k))
                .filter(|p| repo.exists(p))
                .collect();
        }
        "git" if argv.get(1).map(String::as_str) == Some("add") => argv[2..].iter().filter(|a| !a.starts_with('-')).collect(),
        _ => return Vec::new(),
    };
    named
        .into_iter()
        .map(|a| join(workdir, a))
        .filter_map(|p| match p.as_str() {
            "" | "." => None,
            _ if repo.exists(&p) => Some(p),
            // A folder: what is under it.
            _ if repo.dir_exists(&p) => Some(format!("{p}/")),
            _ => None,
        })
        .collect()
}

/// Sort evidence with its owners by (evidence, owner) and keep the first of
/// equal items, in place: the item vectors are the largest the linker holds,
/// and pairing them up to sort would copy them all twice.
fn sort_with_owners(out: &mut Vec<Evidence>, owner: &mut Vec<OwnerId>) {
    debug_assert_eq!(out.len(), owner.len());
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| (&out[a], &owner[a]).cmp(&(&out[b], &owner[b])));
    // Position k takes the item at order[k]: follow each cycle with swaps.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = std::mem::replace(&mut order[at], at);
            out.swap(at, from);
            owner.swap(at, from);
            at = from;
        }
        order[at] = at;
    }
    let mut kept = 0;
    for i in 0..out.len() {
        if kept == 0 || out[kept - 1] != out[i] {
            out.swap(kept, i);
            owner.swap(kept, i);
            kept += 1;
        }
    }
    out.truncate(kept);
    owner.truncate(kept);
}

/// The unit a piece of evidence belongs to (its id), shared by the items of
/// one unit: consecutive items of a file or a job hold one string.
pub(crate) type OwnerId = std::rc::Rc<str>;

/// One piece of evidence of a module: its path, its kind and the module
/// names that reach it, comma-separated (`None`: module level, reached by
/// any import).
type Fact<'a> = (&'a str, &'a str, Option<&'a str>);

/// `test.covers` from what tests import and do. In the library of an ML tool
/// (`library_only`) every module a test imports is library (application)
/// code: the tool's API it wraps is not the repository's ML code.
fn derive_test_covers(out: &mut Vec<Evidence>, owner: &mut Vec<OwnerId>, units: &Units, library_only: bool) {
    // Planned, then made: the indexes the plan reads are freed before the
    // new items are allocated (this runs at the scan's peak).
    let planned = plan_test_covers(out, units, library_only);
    // Grown once, to size: pushing would double the largest vector held.
    out.reserve_exact(planned.len());
    owner.reserve_exact(planned.len());
    for Cover { of, case, area, scoring } in planned {
        let e = &out[of];
        let mut c = e.clone();
        c.kind = "test.covers".into();
        c.detector = "linker".into();
        match case {
            None => {
                c.attrs.insert("area", area);
                if let Some(s) = scoring {
                    c.attrs.insert("scoring", s);
                }
            }
            Some(k) => {
                c.attrs = out[k].attrs.iter().filter(|(k, _)| matches!(*k, "reached" | "triggers")).collect();
                c.attrs.insert("area", area);
                c.attrs.insert("module", &e.location.path);
            }
        }
        out.push(c);
        owner.push(owner[of].clone());
    }
}

/// A `test.covers` to derive: a copy of the item at `of` (a test's import,
/// or what a test case does) covering `area`; for a test case (`case`: the
/// case, its own item or its folder's), launched as the case is.
struct Cover {
    of: usize,
    case: Option<usize>,
    area: &'static str,
    scoring: Option<&'static str>,
}

/// The `test.covers` [`derive_test_covers`] makes, in order.
fn plan_test_covers(out: &[Evidence], units: &Units, library_only: bool) -> Vec<Cover> {
    // What each file holds, by evidence kind; and, for evidence inside a
    // top-level function or class, the module names that reach it (`defs`).
    // One array of positions in the evidence, grouped by the hash of the
    // path (no tree node or vector per file, no copy of the fields: this
    // runs while everything the scan found is held; the fields are read
    // only to order one file's evidence).
    let fact = |i: u32| -> Fact {
        let e = &out[i as usize];
        (e.location.path.as_str(), &*e.kind, e.attrs.get("defs"))
    };
    let mut facts: Vec<(u64, u32)> = out.iter().zip(0..).map(|(e, i)| (crate::path_hash(&e.location.path), i)).collect();
    facts.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| fact(a.1).cmp(&fact(b.1))));
    facts.dedup_by(|a, b| a.0 == b.0 && fact(a.1) == fact(b.1));
    let of_file = |path: &str| {
        // The path's hash first (contiguous), then the path within that
        // hash's few items (ordered by their fields).
        let h = crate::path_hash(path);
        let group = &facts[facts.partition_point(|f| f.0 < h)..];
        let group = &group[..group.partition_point(|f| f.0 == h)];
        let group = &group[group.partition_point(|f| fact(f.1).0 < path)..];
        group[..group.partition_point(|f| fact(f.1).0 == path)].iter().map(move |f| fact(f.1))
    };
    let kinds_of = |path: &str| -> BTreeSet<&str> { of_file(path).map(|f| f.1).collect() };
    let has = |path: &str, kind: &str| of_file(path).any(|f| f.1 == kind);
    // The kinds of a module a test reaches through the names it uses: code
    // at module level runs on import; code in a function or class runs only
    // when the test uses a name that reaches it. No names: the whole module.
    let reached_kinds = |path: &str, names: &[&str]| -> BTreeSet<&str> {
        if names.is_empty() || names.contains(&"*") {
            return kinds_of(path);
        }
        of_file(path).filter(|(_, _, defs)| defs.is_none_or(|d| d.split(',').any(|n| names.contains(&n)))).map(|f| f.1).collect()
    };
    // Modules imported by training code are ML code (features, preprocessing).
    let training_files: BTreeSet<&str> =
        out.iter().filter(|e| e.kind == "code.train" && !e.attrs.contains_key("in_test")).map(|e| e.location.path.as_str()).collect();
    let mut imported_by_training: BTreeSet<String> = BTreeSet::new();
    for (id, u) in units.iter() {
        if training_files.contains(id.trim_start_matches("file:")) {
            imported_by_training.extend(u.calls.iter().map(|(c, _)| c.trim_start_matches("file:").to_string()));
        }
    }
    // Files whose only scoring code evaluates a trained checkpoint on a data
    // split: tests of them exercise the model's evaluation, not a scoring
    // entry point (`scoring=checkpoint-eval`, partial).
    let mut eval_only: BTreeMap<&str, bool> = BTreeMap::new();
    for e in out.iter().filter(|e| e.kind == "code.scoring") {
        let only = e.attrs.get("style").is_some_and(|s| s == "checkpoint-eval");
        *eval_only.entry(e.location.path.as_str()).or_insert(true) &= only;
    }
    // Modules a prediction program takes its model through (`via`): the
    // scoring code behind that program.
    let scoring_cores: BTreeSet<&str> = out.iter().filter(|e| e.kind == "code.scoring").flat_map(|e| e.attr_values("via")).collect();
    // Modules a scoring entry point imports to load or look up its model
    // (a service's model cache): tests of them exercise the scoring code's
    // model loading, not its predictions (`scoring=model-loading`, partial).
    let served_loaders: BTreeSet<String> = out
        .iter()
        .filter(|e| e.kind == "code.scoring" && !e.attrs.contains_key("in_test") && !e.attrs.contains_key("via"))
        .filter_map(|e| units.get(&format!("file:{}", e.location.path)))
        .flat_map(|u| u.calls.iter().filter_map(|(c, _)| c.strip_prefix("file:")))
        .filter(|m| has(m, "code.load-model") && !has(m, "code.scoring"))
        .map(str::to_string)
        .collect();
    let area_of = |path: &str, ml_framework: bool, names: &[&str]| -> Vec<&'static str> {
        if library_only {
            return vec!["app"];
        }
        // Training and model loading count only where the names the test
        // uses reach them; a scoring module is scoring code all through
        // (its helpers shape what the service answers).
        let all = kinds_of(path);
        let k = reached_kinds(path, names);
        let mut a = Vec::new();
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ml_name = ["feature", "preprocess", "evaluat", "metric", "transform"].iter().any(|w| name.contains(w));
        if k.iter().any(|x| matches!(*x, "code.train" | "code.eval-gate" | "code.model-compare")) {
            a.push("training");
        } else if k.contains("code.data-prep")
            || imported_by_training.contains(path)
            || ml_name
            || (ml_framework && !all.contains("code.scoring"))
        {
            // ML code that is not training itself: features, preprocessing, model definitions.
            a.push("features");
        }
        // A module that trains and also holds a scoring entry point is
        // scoring-tested only when the test imports the scoring names.
        let scoring_names = names.is_empty()
            || names.iter().any(|n| {
                let l = n.to_ascii_lowercase();
                [
                    "predict",
                    "score",
                    "infer",
                    "model_fn",
                    "input_fn",
                    "output_fn",
                    "transform_fn",
                    "init",
                    "run",
                    "app",
                    "handler",
                    "handle",
                    "serve",
                    "api",
                    "router",
                    "service",
                ]
                .iter()
                .any(|w| l.contains(w))
            });
        if all.contains("code.scoring") && (scoring_names || !all.contains("code.train"))
            || scoring_cores.contains(path)
            || served_loaders.contains(path)
        {
            a.push("scoring");
        }
        if k.contains("code.load-model") && !all.contains("code.scoring") {
            a.push("model");
        }
        if a.is_empty() {
            a.push("app");
        }
        a
    };
    // Test cases by path, for the folders of `conftest.py` fixtures (range queries).
    let cases: BTreeMap<&str, usize> =
        out.iter().enumerate().filter(|(_, t)| t.kind == "test.case").map(|(k, t)| (t.location.path.as_str(), k)).collect();
    let mut new = Vec::new();
    for (i, e) in out.iter().enumerate() {
        // A helper module of the test suite (`tests/<x>/helpers.py`) is test
        // code: importing it covers no application or ML code.
        if e.kind == "test.imports" && !e.attrs.get("module").is_some_and(crate::paths::is_test_path) {
            let module = e.attrs.get("module").unwrap_or_default();
            let names: Vec<&str> = e.attr_values("names").collect();
            for area in area_of(module, e.attrs.contains_key("ml_framework"), &names) {
                let scoring = if area == "scoring" && eval_only.get(module) == Some(&true) {
                    Some("checkpoint-eval")
                } else if area == "scoring" && served_loaders.contains(module) && !scoring_cores.contains(module) {
                    Some("model-loading")
                } else {
                    None
                };
                new.push(Cover { of: i, case: None, area, scoring });
            }
        }
        // A test that itself loads a model or fits one exercises the model;
        // a collected test case that calls the deployed endpoint exercises
        // the scoring code behind it.
        // A pytest `conftest.py` fixture that loads the model hands it to the
        // tests of its folder: they exercise the model (as launched as they are).
        let fixture_of = || -> Option<usize> {
            let dir = e.location.path.strip_suffix("conftest.py")?;
            (e.kind == "code.load-model" && (dir.is_empty() || dir.ends_with('/')))
                .then(|| cases.range(dir..).next().filter(|(p, _)| p.starts_with(dir)).map(|(_, k)| *k))
                .flatten()
        };
        let in_case = has(&e.location.path, "test.case");
        let case = if in_case { Some(i) } else { fixture_of() };
        if let Some(case) = case
            .filter(|_| matches!(&*e.kind, "code.load-model" | "code.train" | "code.invoke-endpoint") && e.attrs.contains_key("in_test"))
        {
            let area = if e.kind == "code.invoke-endpoint" { "scoring" } else { "model" };
            new.push(Cover { of: i, case: Some(case), area, scoring: None });
        }
    }
    new
}

/// A prediction script that loads no model itself (`code.scoring
/// model=via-import`, from the Python detector) is a scoring entry point only
/// when a local module it imports, up to three imports away, loads a trained
/// model (`predict.py` -> `runner.py` -> `checkpoints.py: torch.load`);
/// otherwise the candidate is dropped. One bounded walk per candidate.
fn confirm_model_loaded_via_import(out: &mut Vec<Evidence>, owner: &mut Vec<OwnerId>, units: &Units) {
    if !out.iter().any(|e| e.kind == "code.scoring" && e.attrs.contains_key("model")) {
        return;
    }
    let loaders: BTreeSet<String> = out
        .iter()
        .filter(|e| e.kind == "code.load-model" && !e.attrs.contains_key("in_test"))
        .map(|e| format!("file:{}", e.location.path))
        .collect();
    let imports_of = |id: &str| -> Vec<&str> {
        units
            .get(id)
            .map(|u| u.calls.iter().map(|(c, _)| c.as_str()).filter(|c| c.starts_with("file:") && c.ends_with(".py")).collect())
            .unwrap_or_default()
    };
    // True when `first` loads a model or reaches a loader within two more imports.
    let reaches_loader = |first: &str| -> bool {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut frontier = vec![first];
        for _ in 0..3 {
            let mut next = Vec::new();
            for id in frontier {
                if !seen.insert(id) {
                    continue;
                }
                if loaders.contains(id) {
                    return true;
                }
                next.extend(imports_of(id));
            }
            frontier = next;
        }
        false
    };
    let mut keep = Vec::with_capacity(out.len());
    for e in out.iter_mut() {
        if e.kind != "code.scoring" || e.attrs.get("model").is_none_or(|m| m != "via-import") {
            keep.push(true);
            continue;
        }
        // The imported modules the model comes through: the scoring code
        // behind the program (tests of them test scoring).
        let via: Vec<String> = imports_of(&format!("file:{}", e.location.path))
            .into_iter()
            .filter(|h| reaches_loader(h))
            .map(|h| h.trim_start_matches("file:").to_string())
            .collect();
        e.add_attr_values("via", via.iter().map(String::as_str));
        keep.push(!via.is_empty());
    }
    let mut it = keep.iter();
    out.retain(|_| *it.next().unwrap());
    let mut it = keep.iter();
    owner.retain(|_| *it.next().unwrap());
}

/// Mark tracking, versioning and comparison evidence that belongs to training:
/// in a file that trains, in a module a training file imports (or that imports
/// one), or run by the same root (pipeline, CI job) as training. Monitors are
/// marked only in the closer circle (the same file, module or root, not a
/// sibling job of the same CI definition).
fn mark_with_training(out: &mut [Evidence], owner: &[OwnerId], closures: &Closures, units: &Units, edges: &Edges) {
    let training_units: BTreeSet<&str> =
        out.iter().zip(owner).filter(|(e, _)| e.kind == "code.train" && !e.attrs.contains_key("in_test")).map(|(_, o)| &o[..]).collect();
    if training_units.is_empty() {
        return;
    }
    let mut related: BTreeSet<&str> = training_units.clone();
    for (id, u) in units.iter() {
        for (callee, _) in &u.calls {
            if training_units.contains(callee.as_str()) {
                related.insert(id.as_str());
            }
            if training_units.contains(id.as_str()) {
                related.insert(callee.as_str());
            }
        }
    }
    let trains = |members: &BTreeSet<&str>| members.iter().any(|m| training_units.contains(m));
    for members in closures.values() {
        if trains(members) {
            related.extend(members.iter().copied());
        }
    }
    // A pipeline definition (KFP, TFX, SageMaker, orchestrator DAG) composes
    // the steps it imports: when one of them trains, the others (comparison,
    // registration, tracking) are steps of that training pipeline.
    let pipeline_defs: BTreeSet<&str> = out.iter().zip(owner).filter(|(e, _)| e.kind == "code.pipeline-def").map(|(_, o)| &o[..]).collect();
    for id in pipeline_defs {
        let Some(u) = units.get(id) else { continue };
        if training_units.contains(id) || u.calls.iter().any(|(c, _)| training_units.contains(c.as_str())) {
            related.insert(id);
            related.extend(u.calls.iter().map(|(c, _)| c.as_str()));
        }
    }
    // Any definition that runs a training step, launched or not (a
    // pipeline job spec, a shell script, a task): the other steps it runs
    // are steps of that training pipeline, whatever starts it. (A Python
    // module's edges are mostly its imports: a package or a command-line
    // front end imports every job; its pipelines are `code.pipeline-def`.)
    let module = |id: &str| id.strip_prefix("file:").is_some_and(|p| p.ends_with(".py") || p.ends_with(".ipynb"));
    for (id, targets) in edges.iter().filter(|(id, _)| !module(id)) {
        if targets.iter().any(|(t, _)| training_units.contains(t.as_ref())) {
            related.insert(id);
            related.extend(targets.iter().map(|(t, _)| t.as_ref()));
        }
    }
    // A monitor in this closer circle runs as part of training (a drift
    // report inside the training flow); a monitoring job of its own that
    // shares only a trigger with training is not.
    let tight = related.clone();
    // Jobs of one CI definition (a workflow file, a GitLab or Azure pipeline)
    // that start on the same event run as one pipeline: an evaluation job
    // after the training job evaluates what that run trained.
    let mut by_definition: BTreeMap<&str, Vec<(&Unit, &BTreeSet<&str>)>> = BTreeMap::new();
    for (id, members) in closures {
        if let Some(u) = units.get(id) {
            by_definition.entry(u.location.path.as_str()).or_default().push((u, members));
        }
    }
    for jobs in by_definition.values().filter(|j| j.len() > 1) {
        let training_triggers: BTreeSet<&String> = jobs.iter().filter(|(_, m)| trains(m)).flat_map(|(u, _)| &u.triggers).collect();
        for (u, members) in jobs {
            if u.triggers.iter().any(|t| training_triggers.contains(t)) {
                related.extend(members.iter().copied());
            }
        }
    }
    // A Kedro project's catalog serves its pipelines: when they train, the
    // catalog's tracking and model datasets belong to that training.
    if training_units.iter().any(|u| u.contains("/pipelines/")) {
        related.extend(owner.iter().filter(|o| crate::paths::is_kedro_conf(o.trim_start_matches("file:"))).map(|o| &o[..]));
    }
    // A module whose drift check decides whether to retrain (`if drifted:
    // train()`) monitors, and training follows from it: its monitor is no
    // part of a training run.
    let gating: BTreeSet<&str> = out.iter().zip(owner).filter(|(e, _)| e.kind == "ci.drift-gate").map(|(_, o)| &o[..]).collect();
    for (e, o) in out.iter_mut().zip(owner) {
        let with = match &*e.kind {
            "code.track" | "code.model-version" | "code.model-compare" | "code.eval-gate" | "lineage.data-version" => {
                related.contains(&o[..])
            }
            "code.monitor" => tight.contains(&o[..]) && !gating.contains(&o[..]),
            _ => false,
        };
        if with {
            e.attrs.insert("with_training", "yes");
        }
    }
}

/// Model comparisons whose verdict is overridden: the variable the result
/// is kept in (`verdict`) is set to a constant before the branch that tests
/// it (`code.verdict-override`), in the same unit or in a unit a common root
/// also runs (the step that reads the flag the comparing step wrote). Such a
/// comparison is computed and then ignored (RUBRIC, A/B: partial): it gets
/// `acts=no overridden=yes`.
fn mark_overridden_verdicts(out: &mut [Evidence], owner: &[OwnerId], closures: &Closures) {
    let overrides: Vec<(&str, &str)> = out
        .iter()
        .zip(owner)
        .filter(|(e, _)| e.kind == "code.verdict-override")
        .filter_map(|(e, o)| Some((e.attrs.get("name")?, &o[..])))
        .collect();
    if overrides.is_empty() {
        return;
    }
    // For each overridden name: the units that override it, and every unit a
    // root running one of them also runs.
    let mut scope: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (name, o) in &overrides {
        let s = scope.entry(name.to_string()).or_default();
        s.insert(o);
        for c in closures.values().filter(|c| c.contains(*o)) {
            s.extend(c.iter().copied());
        }
    }
    for (e, o) in out.iter_mut().zip(owner) {
        if e.kind != "code.model-compare" {
            continue;
        }
        if e.attrs.get("verdict").and_then(|v| scope.get(v)).is_some_and(|s| s.contains(&o[..])) {
            e.attrs.insert("acts", "no");
            e.attrs.insert("overridden", "yes");
        }
    }
}

/// Jobs started by other workflows' runs (GitHub `workflow_run`) get the
/// triggers of those workflows: a chain after a push-triggered CI is
/// automated, one after a manually dispatched workflow is manual. A name no
/// workflow of the repository has (GitHub matches `name:`, else the path)
/// is `external`.
///
/// A workflow's triggers are those of its root jobs plus those of every
/// workflow its chained root jobs run after, transitively (cycles
/// included). Each trigger value is spread by one walk back along the
/// "runs after" edges from the workflows that have it, so the cost is the
/// number of distinct triggers times the size of the chain graph, whatever
/// the chains' length.
fn resolve_workflow_runs(units: &mut [Box<Unit>]) {
    if units.iter().all(|u| u.after_workflows.is_empty()) {
        return;
    }
    // Workflow name (and path) -> path, from the whole-workflow units.
    let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
    for u in units.iter().filter(|u| u.id.starts_with("wf:") && !u.id.contains('@')) {
        let path = &u.id["wf:".len()..];
        by_name.insert(&u.label, path);
        by_name.insert(path, path);
    }
    fn job_path(u: &Unit) -> Option<&str> {
        u.id.strip_prefix("ci:").filter(|r| !r.contains('@')).and_then(|r| r.split_once('#')).map(|(p, _)| p)
    }
    // Per workflow path: the triggers its root jobs declare, and the paths
    // its chained root jobs run after (reversed: who runs after it).
    let mut own: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut runs_after_it: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in units.iter().filter(|u| u.root) {
        let Some(p) = job_path(u) else { continue };
        let mine = own.entry(p).or_default();
        mine.extend(u.triggers.iter().map(String::as_str));
        for name in &u.after_workflows {
            match by_name.get(name.as_str()) {
                Some(up) => runs_after_it.entry(up).or_default().push(p),
                None => {
                    mine.insert("external");
                }
            }
        }
    }
    let values: BTreeSet<&str> = own.values().flatten().copied().collect();
    let mut reached: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for t in values {
        let mut stack: Vec<&str> = own.iter().filter(|(_, ts)| ts.contains(t)).map(|(p, _)| *p).collect();
        let mut seen: BTreeSet<&str> = stack.iter().copied().collect();
        while let Some(p) = stack.pop() {
            reached.entry(p).or_default().insert(t);
            for &down in runs_after_it.get(p).into_iter().flatten() {
                if seen.insert(down) {
                    stack.push(down);
                }
            }
        }
    }
    let adds: Vec<(usize, BTreeSet<String>)> = (0..units.len())
        .filter(|&i| !units[i].after_workflows.is_empty())
        .map(|i| {
            let mut add = BTreeSet::new();
            for name in &units[i].after_workflows {
                match by_name.get(name.as_str()) {
                    Some(p) => add.extend(reached.get(p).into_iter().flatten().map(|t| t.to_string())),
                    None => {
                        add.insert("external".to_string());
                    }
                }
            }
            (i, add)
        })
        .collect();
    for (i, add) in adds {
        units[i].triggers.extend(add);
    }
}

/// `docker run REF` of an image another unit builds (a build job before a
/// training job, another workflow): the run calls that image's Dockerfile
/// (`docker:<path>`), as a build in the same unit does. Image names (tags
/// dropped) that one Dockerfile builds are followed: a literal name across
/// the repository, a name built from variables (`$CI_REGISTRY_IMAGE`,
/// `${{ env.IMAGE }}`) only within one CI file, where the variables are the
/// same.
fn run_images_built_elsewhere(units: &mut [Box<Unit>]) {
    // The key of an image name as used in a unit: variable names are
    // qualified by the unit's file.
    fn key(u: &Unit, name: &str) -> String {
        if name.contains('$') {
            format!("{}\u{0}{name}", u.location.path)
        } else {
            name.to_string()
        }
    }
    let mut built: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for u in units.iter() {
        for (tag, file) in &u.images {
            built.entry(key(u, crate::detectors::image_name(tag))).or_default().insert(file.clone());
        }
    }
    if built.is_empty() {
        return;
    }
    // `docker tag SRC DST` in any unit names the same image (a job that
    // loads a built image and retags it for the registry).
    let docker = |a: &[&str]| a.first().is_some_and(|t| matches!(t.rsplit('/').next(), Some("docker" | "podman")));
    let mut aliases = Vec::new();
    for u in units.iter() {
        for c in &u.commands {
            let a: Vec<&str> = c.argv.iter().map(String::as_str).collect();
            if let (true, [_, "tag", src, dst, ..] | [_, "image", "tag", src, dst, ..]) = (docker(&a), a.as_slice()) {
                let (src, dst) = (crate::detectors::image_name(src), crate::detectors::image_name(dst));
                if let Some(files) = built.get(&key(u, src)).filter(|f| f.len() == 1) {
                    aliases.push((key(u, dst), files.clone()));
                }
            }
        }
    }
    for (dst, files) in aliases {
        built.entry(dst).or_default().extend(files);
    }
    for u in units.iter_mut() {
        let mut calls = Vec::new();
        for c in &u.commands {
            let run = images_run_by(&c.argv);
            let file = run.iter().find_map(|x| {
                let files = built.get(&key(u, crate::detectors::image_name(x)))?;
                (files.len() == 1).then(|| files.iter().next().cloned()).flatten()
            });
            if let Some(f) = file {
                let call = (format!("docker:{f}"), c.location.clone());
                if !u.calls.contains(&call) {
                    calls.push(call);
                }
            }
        }
        u.calls.extend(calls);
    }
}

/// The words of a command that may name an image it runs as a container:
/// `docker|podman [container] run`'s non-option words, a Vertex custom
/// job's worker pool `container-image-uri=`, a SageMaker training job's
/// `TrainingImage=`.
fn images_run_by(argv: &[String]) -> Vec<String> {
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    match a.as_slice() {
        [tool, "run", r @ ..] | [tool, "container", "run", r @ ..] if matches!(tool.rsplit('/').next(), Some("docker" | "podman")) => {
            r.iter().filter(|x| !x.starts_with('-')).map(|x| x.to_string()).collect()
        }
        ["gcloud", ..] => crate::command::vertex_worker_pool(argv)
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k == "container-image-uri")
            .map(|(_, v)| v)
            .collect(),
        // `--algorithm-specification TrainingImage=...,TrainingInputMode=File`.
        ["aws", "sagemaker", "create-training-job", rest @ ..] => rest
            .iter()
            .flat_map(|w| w.split(','))
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == "TrainingImage")
            .map(|(_, v)| v.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Names of the argument a command-line program picks its action by: an
/// option a launch sets (`--mode test`, `--pipeline batch_inference`;
/// hyphens read as underscores) and the name the program compares
/// (`if args.pipeline == "training"`).
const ACTION_ARGS: &[&str] = &[
    "mode",
    "phase",
    "stage",
    "action",
    "task",
    "cmd",
    "command",
    "subcommand",
    "sub_command",
    "do",
    "run_mode",
    "pipeline",
    "pipeline_name",
    "job",
    "flow",
    "workflow",
    "entrypoint",
    "entry_point",
];

/// The action a Python launch selects: the first positional argument after
/// the script or module (`python cli.py eval --ckpt m.pt`), or the value of
/// a mode option (`--mode predict`, `--phase=test`). For scripts steered by
/// `--do_*` switches (`--do_eval` without `--do_train`), `do_eval`.
fn selected_action(argv: &[String]) -> Option<String> {
    // Every command of every unit passes here: an action needs a word
    // after the program (`python cli.py eval`).
    if argv.len() < 3 {
        return None;
    }
    let at = match classify(argv) {
        Invocation::PythonScript { path } => argv.iter().position(|a| *a == path)?,
        Invocation::PythonModule { module } => argv.iter().position(|a| *a == module)?,
        _ => return None,
    };
    let rest = &argv[at + 1..];
    let word = |w: &str| {
        w.len() > 1
            && w.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if let Some(first) = rest.first().filter(|a| word(a)) {
        return Some(first.clone());
    }
    for (i, a) in rest.iter().enumerate() {
        let Some(opt) = a.strip_prefix("--") else { continue };
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (opt, rest.get(i + 1).map(String::as_str)),
        };
        if ACTION_ARGS.contains(&name.replace('-', "_").as_str()) {
            if let Some(v) = value.filter(|v| word(v)) {
                return Some(v.to_string());
            }
        }
    }
    // Hugging Face-style switches: the script trains only with `--do_train`,
    // and arguments read from a file may hold it.
    let switch = |n: &str| rest.iter().any(|a| a.strip_prefix("--").is_some_and(|a| a.replace('-', "_") == n));
    let from_file = rest.iter().any(|a| !a.starts_with('-') && [".json", ".yaml", ".yml"].iter().any(|x| a.ends_with(x)));
    (!from_file && !switch("do_train") && ["do_eval", "do_predict"].iter().any(|s| switch(s))).then(|| "do_eval".to_string())
}

/// Actions a Python command-line program dispatches on: argparse
/// subparsers, click and typer commands, `match`/`==` tests of the command
/// or mode argument, the functions a `fire.Fire` program exposes, and the
/// `do_train` switch of Hugging Face-style scripts. A program dispatching
/// on a training action holds one of [`DISPATCH_KEYS`].
fn dispatched_actions(text: &str) -> Vec<String> {
    static RX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let names = ACTION_ARGS.join("|");
        regex::Regex::new(&[
            r#"add_parser\([ \t\r\n]*["']([A-Za-z][A-Za-z0-9_-]*)["']"#,
            r#"|\.command\([ \t\r\n]*(?:name[ \t]*=[ \t]*)?["']([A-Za-z][A-Za-z0-9_-]*)["']"#,
            r#"|@[A-Za-z_][A-Za-z0-9_.]*\.command(?:\([ \t\r\n]*\))?[ \t]*\r?\n(?:[ \t]*@[^\n]*\n)*[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z][A-Za-z0-9_]*)"#,
            &format!(r#"|(?:argv\[1\]|(?-u:\b)(?:{names}))[ \t]*==[ \t]*["']([A-Za-z][A-Za-z0-9_-]*)["']"#),
            r#"|(?-u:\b)case[ \t]+["']([A-Za-z][A-Za-z0-9_-]*)["'][ \t]*:"#,
            r#"|(?-u:\b)(do_train|do_eval|do_predict)(?-u:\b)"#,
        ]
        .concat())
        .unwrap()
    });
    static RX_DEF: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?m)^[ \t]*def[ \t]+([a-z][A-Za-z0-9_]*)[ \t]*\(").unwrap());
    let masked = crate::pylex::mask(text);
    let mut out: Vec<String> =
        RX.captures_iter(&masked).filter_map(|c| c.iter().skip(1).flatten().next().map(|m| m.as_str().replace('_', "-"))).collect();
    // `fire.Fire(...)` exposes functions and methods by name.
    if masked.contains("Fire(") && (masked.contains("import fire") || masked.contains("from fire import")) {
        out.extend(RX_DEF.captures_iter(&masked).map(|c| c[1].replace('_', "-")));
    }
    out.sort();
    out.dedup();
    out
}

/// Whether `action`, selected by a launch of a program dispatching on
/// `actions`, is another action than training: the program has a training
/// action and `action` is a different one of its actions.
fn selects_other_than_training(action: &str, actions: &[String]) -> bool {
    let action = action.replace('_', "-");
    let trains = |a: &str| ["train", "fit", "tune", "learn"].iter().any(|w| a.contains(w));
    // Actions that run every stage.
    let everything = matches!(action.as_str(), "all" | "full" | "pipeline" | "run" | "main" | "e2e" | "end2end" | "both");
    !trains(&action) && !everything && actions.contains(&action) && actions.iter().any(|a| trains(a))
}

/// The units reached from `roots` (themselves included) along the edges
/// `follow` accepts (`follow(from, to)`): one search, each unit once.
fn reach_from<'a>(roots: impl Iterator<Item = &'a str>, edges: &'a Edges, follow: impl Fn(&str, &str) -> bool) -> BTreeSet<&'a str> {
    let mut seen: BTreeSet<&str> = roots.collect();
    let mut q: VecDeque<&str> = seen.iter().copied().collect();
    while let Some(id) = q.pop_front() {
        for (t, _) in edges.get(id).map(Vec::as_slice).unwrap_or_default() {
            if follow(id, t.as_ref()) && seen.insert(t.as_ref()) {
                q.push_back(t.as_ref());
            }
        }
    }
    seen
}

/// Training code reached only through launches that select another action
/// of its program (`python cli.py eval`, with `train` one of its actions)
/// is not launched: it loses its reach, and says which action was
/// launched (`launched_action`). What else those launches reach (the
/// evaluation, the scoring) keeps it.
fn unreach_training_of_other_actions(
    out: &mut [Evidence],
    owner: &[OwnerId],
    units: &Units,
    edges: &Edges,
    other_actions: &BTreeMap<(&str, String), String>,
) {
    if other_actions.is_empty() || !out.iter().any(|e| e.kind == "code.train" && e.attrs.get("reached") == Some("yes")) {
        return;
    }
    // Reach from every root without those launches.
    let skipped: BTreeSet<(&str, &str)> = other_actions.keys().map(|(u, t)| (*u, t.as_str())).collect();
    let seen = reach_from(units.values().filter(|u| u.root).map(|u| u.id.as_str()), edges, |from, to| !skipped.contains(&(from, to)));
    // What those launches reach, each module named by the action of the
    // first launch reaching it (one search from all of them).
    let mut launched: BTreeMap<&str, &str> = BTreeMap::new();
    let mut q: VecDeque<&str> = VecDeque::new();
    for ((_, t), a) in other_actions {
        if !launched.contains_key(t.as_str()) {
            launched.insert(t.as_str(), a.as_str());
            q.push_back(t.as_str());
        }
    }
    while let Some(id) = q.pop_front() {
        let a = launched[id];
        for (t, _) in edges.get(id).map(Vec::as_slice).unwrap_or_default() {
            if !launched.contains_key(t.as_ref()) {
                launched.insert(t.as_ref(), a);
                q.push_back(t.as_ref());
            }
        }
    }
    // Training still reached keeps only the triggers of the roots that reach
    // it without those launches (a nightly `--pipeline scoring` run does not
    // schedule training that a push also runs): one search per trigger.
    let classes: BTreeSet<&str> = units.values().filter(|u| u.root).flat_map(|u| u.triggers.iter().map(String::as_str)).collect();
    let by_class: Vec<(&str, BTreeSet<&str>)> = classes
        .into_iter()
        .map(|t| {
            let roots = units.values().filter(|u| u.root && u.triggers.contains(t)).map(|u| u.id.as_str());
            (t, reach_from(roots, edges, |from, to| !skipped.contains(&(from, to))))
        })
        .collect();
    for (e, o) in out.iter_mut().zip(owner) {
        if e.kind == "code.train" && e.attrs.get("reached") == Some("yes") && seen.contains(&**o) && e.attrs.contains_key("triggers") {
            e.attrs.remove("triggers");
            let kept: Vec<&str> = by_class.iter().filter(|(_, s)| s.contains(&**o)).map(|(t, _)| *t).collect();
            if !kept.is_empty() {
                e.add_attr_values("triggers", kept);
            }
        }
    }
    for (e, o) in out.iter_mut().zip(owner) {
        if e.kind == "code.train" && e.attrs.get("reached") == Some("yes") && !seen.contains(&**o) {
            if let Some(a) = launched.get(&**o) {
                e.attrs.insert("launched_action", *a);
            }
            e.attrs.remove("reached");
            e.attrs.remove("triggers");
            e.chain.clear();
        }
    }
}

/// Code in a Dagster asset runs when a job selecting the asset runs. A
/// schedule or sensor of a code location reaches, through its imports,
/// every asset of the location; code in an asset that none of them selects
/// (`detectors::dagster`) is started only from the Dagster UI, so it loses
/// the reach those roots gave (`unscheduled_asset` names the asset). Reach
/// from other roots (a CI job materializing it) stays.
fn unreach_unscheduled_assets(out: &mut [Evidence], owner: &[OwnerId], units: &Units, edges: &Edges, repo: &RepoIndex) {
    if !out.iter().any(|e| e.attrs.contains_key("dagster_asset") && e.attrs.get("reached") == Some("yes")) {
        return;
    }
    let dagster = |e: &Evidence| e.kind == "code.pipeline-def" && e.attrs.get("tool") == Some("dagster");
    let modules: BTreeSet<&str> = out.iter().zip(owner).filter(|(e, _)| dagster(e)).map(|(_, o)| &o[..]).collect();
    // Texts holding none of `dagster::KEYS` launch nothing; the scan keeps
    // the others.
    let read: Vec<_> = modules
        .iter()
        .filter_map(|m| m.strip_prefix("file:").and_then(|p| repo.text(p)))
        .map(|t| crate::detectors::dagster::launches(&t))
        .collect();
    let started = crate::detectors::dagster::started(&read);
    if started.all {
        return;
    }
    // Reach from every root but the Dagster modules that start themselves.
    let roots = units.values().filter(|u| u.root && (u.triggers.is_empty() || !modules.contains(u.id.as_str())));
    let seen = reach_from(roots.map(|u| u.id.as_str()), edges, |_, _| true);
    for (e, o) in out.iter_mut().zip(owner) {
        let Some(asset) = e.attrs.get("dagster_asset").map(str::to_string) else { continue };
        if e.attrs.get("reached") == Some("yes") && !seen.contains(&**o) && !started.may_select(&asset, e.attrs.get("dagster_group")) {
            e.attrs.remove("reached");
            e.attrs.remove("triggers");
            e.attrs.insert("unscheduled_asset", asset);
            e.chain.clear();
        }
    }
}

/// A traffic split in a manifest of an examples, samples or demo folder
/// that nothing the repository runs applies (`example=yes`) is material
/// for readers: the rule pack gives it partial credit only.
fn mark_unapplied_examples(out: &mut [Evidence]) {
    for e in out.iter_mut() {
        if e.kind == "k8s.traffic-split" && e.attrs.get("reached") != Some("yes") && crate::paths::is_example_path(&e.location.path) {
            e.attrs.insert("example", "yes");
        }
    }
}

/// A model packaged on the runner (`bentoml build`, `torch-model-archiver`:
/// `what=model-build`) and then pushed by the same unit (an image push, an
/// upload to a bucket) is a published model package.
fn publish_pushed_model_builds(out: &mut [Evidence], owner: &[OwnerId]) {
    let what = |e: &Evidence, w: &[&str]| e.kind == "run.publish" && e.attrs.get("what").is_some_and(|x| w.contains(&x));
    if !out.iter().any(|e| what(e, &["model-build"])) {
        return;
    }
    // The last push of each unit.
    let mut last: BTreeMap<&str, u32> = BTreeMap::new();
    for (e, o) in out.iter().zip(owner) {
        if what(e, &["container-image", "storage-artifact", "model-package"]) {
            let l = last.entry(&o[..]).or_default();
            *l = (*l).max(e.location.start_line);
        }
    }
    for (e, o) in out.iter_mut().zip(owner) {
        if what(e, &["model-build"]) && last.get(&o[..]).is_some_and(|&l| l > e.location.start_line) {
            e.attrs.insert("what", "model-package");
        }
    }
}

/// Code in a KFP component body (`in_component`) is compiled into a
/// pipeline spec, not run, when a CI step imports its module: compiling a
/// pipeline launches nothing. Where nothing a root runs submits a pipeline
/// (an SDK trigger, a trigger command, a job submission), such code is not
/// reached. Where something does, the submitted pipeline is taken to be the
/// compiled one.
fn unreach_unsubmitted_components(out: &mut [Evidence]) {
    if !out.iter().any(|e| e.attrs.contains_key("in_component") && e.attrs.get("reached") == Some("yes")) {
        return;
    }
    let submits = |e: &Evidence| {
        matches!(&*e.kind, "code.pipeline-trigger" | "run.trigger-pipeline" | "run.submit-job")
            && e.attrs.get("reached") == Some("yes")
            && !e.attrs.contains_key("in_test")
    };
    if out.iter().any(submits) {
        return;
    }
    for e in out.iter_mut().filter(|e| e.attrs.contains_key("in_component")) {
        e.attrs.remove("reached");
        e.attrs.remove("triggers");
        e.chain.clear();
    }
}

/// Evidence of the repository's own practice: not in tests, notebooks or
/// infrastructure-only applies.
fn is_live(e: &Evidence) -> bool {
    !e.attrs.contains_key("infra") && !e.attrs.contains_key("in_test") && !e.attrs.contains_key("notebook")
}

/// A model (or the app serving it) deployed by a command or SDK call.
fn is_deploy(e: &Evidence) -> bool {
    matches!(&*e.kind, "code.deploy" | "run.deploy") && is_live(e)
}

/// Test runs of the run that releases the model: a CI job that deploys a
/// model or publishes it (a registration, a package carrying the model), or
/// a job of the same run it waits for (`needs`, `dependsOn`, stage order),
/// also runs a test runner. They get `in_release=yes`: the release is
/// gated on tests, though not on tests of the model itself (RUBRIC
/// L3.test.release is then partial).
fn mark_tests_in_release(out: &mut [Evidence], owner: &[OwnerId], closures: &Closures, units: &Units) {
    let releases = |e: &Evidence| {
        is_deploy(e)
            || e.kind == "run.publish"
                && is_live(e)
                && (e.attrs.get("what").is_some_and(|w| w == "model-registration") || e.attrs.get("carries").is_some_and(|c| c == "model"))
    };
    let releasers: BTreeSet<&str> = out.iter().zip(owner).filter(|(e, _)| releases(e)).map(|(_, o)| &o[..]).collect();
    if releasers.is_empty() || !out.iter().any(|e| e.kind == "run.tests") {
        return;
    }
    // Every unit of a releasing root's run: its own closure and those of the
    // roots it waits for. One walk from all releasing roots at once.
    let mut stack: Vec<&str> = closures.iter().filter(|(_, c)| c.iter().any(|u| releasers.contains(u))).map(|(id, _)| *id).collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut in_run: BTreeSet<&str> = BTreeSet::new();
    while let Some(r) = stack.pop() {
        if !seen.insert(r) {
            continue;
        }
        if let Some(c) = closures.get(r) {
            in_run.extend(c.iter().copied());
        }
        if let Some(u) = units.get(r) {
            stack.extend(u.after.iter().map(String::as_str));
        }
    }
    for (e, o) in out.iter_mut().zip(owner) {
        if e.kind == "run.tests" && in_run.contains(&o[..]) {
            e.attrs.insert("in_release", "yes");
        }
    }
}

/// The units waiting for each unit (`needs`, `dependsOn`, stage order):
/// the reverse of [`Unit::after`].
fn waiting_on<'a>(units: &'a Units) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut waiting: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in units.values() {
        for a in &u.after {
            waiting.entry(a.as_str()).or_default().push(u.id.as_str());
        }
    }
    waiting
}

/// Endpoint calls in tests that a CI job runs after another job of its run
/// deployed a model (`needs: deploy`, `dependsOn`, stage order): a
/// post-deploy smoke test of the deployed model written with a test runner
/// (`pytest tests/smoke --endpoint "$URL"`). They get `after_deploy=yes`.
/// The deploying job itself is left out: its tests may run before the
/// deploy step, and unit tests mock endpoints.
fn mark_smoke_tests_after_deploy(out: &mut [Evidence], owner: &[OwnerId], closures: &Closures, units: &Units) {
    let smoke = |e: &Evidence| e.kind == "code.invoke-endpoint" && e.attrs.contains_key("in_test");
    if !out.iter().any(smoke) {
        return;
    }
    let deployers: BTreeSet<&str> = out.iter().zip(owner).filter(|(e, _)| is_deploy(e)).map(|(_, o)| &o[..]).collect();
    if deployers.is_empty() {
        return;
    }
    let waiting = waiting_on(units);
    // Roots that start once a deploying root is done: those waiting for
    // one, transitively (one walk).
    let mut stack: Vec<&str> = closures
        .iter()
        .filter(|(_, c)| c.iter().any(|u| deployers.contains(u)))
        .flat_map(|(id, _)| waiting.get(id).into_iter().flatten().copied())
        .collect();
    let mut after: BTreeSet<&str> = BTreeSet::new();
    while let Some(r) = stack.pop() {
        if after.insert(r) {
            stack.extend(waiting.get(r).into_iter().flatten());
        }
    }
    let reached: BTreeSet<&str> = after.iter().filter_map(|r| closures.get(r)).flatten().copied().collect();
    for (e, o) in out.iter_mut().zip(owner) {
        if smoke(e) && reached.contains(&o[..]) {
            e.attrs.insert("after_deploy", "yes");
        }
    }
}

/// Deployments (and test runs handed the model to test, `model_arg`)
/// chained after an automated training run: reached from a CI
/// job that trains, or that runs after (`needs`, `dependsOn`, stage order) a
/// job of the same run that trains, in a run started without a person
/// (RUBRIC: a deploy chained after an automated training run is an
/// automatic release, whatever event started the training). They get
/// `after_training=yes`. A pull-request build runs after every automatic
/// run that opens a pull request (`run.open-pull-request`): a training
/// workflow that proposes its result as a pull request chains the
/// pull-request workflow that deploys it.
fn mark_after_training(out: &mut [Evidence], owner: &[OwnerId], closures: &Closures, units: &Units) {
    // Tests handed the model to test (`pytest --run-id=$RUN_ID tests/model`).
    let is_model_test = |e: &Evidence| e.kind == "run.tests" && e.attrs.contains_key("model_arg");
    if !out.iter().any(|e| is_deploy(e) || is_model_test(e)) {
        return;
    }
    let trainers: BTreeSet<&str> = out
        .iter()
        .zip(owner)
        .filter(|(e, _)| e.kind == "code.train" && !e.attrs.contains_key("in_test") && !e.attrs.contains_key("notebook"))
        .map(|(_, o)| &o[..])
        .collect();
    let trains = |root: &str| closures.get(root).is_some_and(|c| c.iter().any(|u| trainers.contains(u)));
    let automatic = |u: &Unit| u.triggers.iter().any(|t| matches!(t.as_str(), "push" | "pull_request" | "tag" | "schedule" | "external"));
    // A run that opens a pull request (`gh pr create`, a create-pull-request
    // action) starts the pull-request builds: they run after it.
    let openers: BTreeSet<&str> = out.iter().zip(owner).filter(|(e, _)| e.kind == "run.open-pull-request").map(|(_, o)| &o[..]).collect();
    let pr_openers: Vec<&str> = closures
        .iter()
        .filter(|(id, c)| units.get(id).is_some_and(&automatic) && c.iter().any(|u| openers.contains(u)))
        .map(|(id, _)| *id)
        .collect();
    // Roots whose run has trained by the time they start (or that train).
    // Units whose run has trained by the time they start: those that train,
    // then (one walk over the reversed order) every unit that waits for one
    // of them, and every pull-request build once a run that opens pull
    // requests has trained.
    let waiting = waiting_on(units);
    let pr_builds: Vec<&str> = units.values().filter(|u| u.triggers.contains("pull_request")).map(|u| u.id.as_str()).collect();
    let mut trained: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = closures.keys().copied().filter(|id| trains(id)).collect();
    while let Some(u) = stack.pop() {
        if !trained.insert(u) {
            continue;
        }
        stack.extend(waiting.get(u).into_iter().flatten());
        if pr_openers.contains(&u) {
            stack.extend(pr_builds.iter().filter(|b| **b != u));
        }
    }
    // Everything the automatic ones among them run.
    let chained: BTreeSet<&str> = closures
        .iter()
        .filter(|(id, _)| trained.contains(*id) && units.get(id).is_some_and(&automatic))
        .flat_map(|(_, c)| c.iter().copied())
        .collect();
    for (e, o) in out.iter_mut().zip(owner) {
        if (is_deploy(e) || is_model_test(e)) && chained.contains(&o[..]) {
            e.attrs.insert("after_training", "yes");
        }
    }
}

/// A deploy command (`kubectl apply -f k8s/jobs/`) whose manifests hold
/// only batch or training jobs and their configuration
/// (`k8s.serves-nothing`, one job at least) starts those jobs and serves
/// nothing: it is no release (`infra: batch-jobs`). The jobs' commands are
/// reached through it as any other launch's.
fn mark_batch_job_launches(out: &mut [Evidence], owner: &[OwnerId], edges: &Edges) {
    let passive: BTreeMap<String, bool> = out
        .iter()
        .filter(|e| e.kind == "k8s.serves-nothing")
        .map(|e| (e.location.path.to_string(), e.attrs.get("jobs") == Some("yes")))
        .collect();
    if !passive.values().any(|jobs| *jobs) {
        return;
    }
    for (e, o) in out.iter_mut().zip(owner) {
        if e.kind != "run.deploy" || e.attrs.contains_key("infra") {
            continue;
        }
        let files: Vec<&str> = edges
            .get(&o[..])
            .into_iter()
            .flatten()
            .filter(|(_, at)| **at == e.location)
            .filter_map(|(t, _)| t.strip_prefix("file:"))
            .collect();
        let jobs = files.iter().any(|f| passive.get(*f) == Some(&true));
        if jobs && files.iter().all(|f| passive.contains_key(*f)) {
            e.attrs.insert("infra", "batch-jobs");
        }
    }
}

/// Serving that loads `models:/m@alias`, or picks the newest accepted model
/// by querying the tracking server or registry (`search_runs`,
/// `get_latest_versions`), in its own file or a local module it imports,
/// while nothing automated promotes models: a release is a hand promotion
/// (RUBRIC: pull-based serving is partial for automatic release).
fn derive_pull_based_serving(out: &mut Vec<Evidence>, units: &Units) {
    // A notebook that loads the production model is a demo or an analysis,
    // not a service: it pulls nothing into serving.
    let serving: Vec<&Evidence> =
        out.iter().filter(|e| e.kind == "code.scoring" && !e.attrs.contains_key("in_test") && !e.attrs.contains_key("notebook")).collect();
    let mut serving_files: BTreeSet<&str> = serving.iter().map(|e| e.location.path.as_str()).collect();
    // A model lookup kept in a local module the service imports (a model
    // cache class) is the service's own lookup when a function the service
    // uses of that module reaches it (names the Python detector recorded
    // as `uses`), or when it runs on import.
    let mut used: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &serving {
        for part in e.attrs.get("uses").unwrap_or("").split(';') {
            if let Some((path, names)) = part.split_once('=') {
                used.entry(path).or_default().extend(names.split(','));
            }
        }
    }
    let imported: Vec<&str> = serving_files
        .iter()
        .filter_map(|f| units.get(&format!("file:{f}")))
        .flat_map(|u| u.calls.iter().filter_map(|(c, _)| c.strip_prefix("file:")))
        .collect();
    // A function merely named `predict` is no service of its own: its
    // lookups count when a service uses it.
    let own: BTreeSet<&str> =
        serving.iter().filter(|e| e.attrs.get("style") != Some("predict-function")).map(|e| e.location.path.as_str()).collect();
    serving_files.extend(imported);
    let serves_lookup = |e: &Evidence| {
        let path = e.location.path.as_str();
        if own.contains(path) {
            return true;
        }
        match (used.get(path), e.attrs.get("defs")) {
            (Some(names), Some(defs)) => defs.split(',').any(|d| names.contains(d)),
            _ => true,
        }
    };
    // A pipeline that promotes models automatically releases through the
    // alias the service pulls: still pull-based (the service decides when it
    // reloads), marked so that a deployment of its own is not held back.
    let automated_promotion =
        out.iter().any(|e| e.kind == "code.model-version" && e.attrs.contains_key("promotes") && e.attrs.contains_key("triggers"));
    let pulled: Vec<Evidence> = out
        .iter()
        .filter(|e| {
            e.kind == "code.load-model"
                && e.attrs.contains_key("by_alias")
                && serving_files.contains(e.location.path.as_str())
                && serves_lookup(e)
        })
        .map(|e| {
            let mut p = Evidence::new("link.pull-based-serving", "linker", e.location.clone(), Confidence::Medium, &e.snippet);
            p.chain = vec![e.location.clone()];
            if automated_promotion {
                p = p.attr("promotion", "automated");
            }
            p
        })
        .collect();
    out.extend(pulled);
}

/// Prediction logs of a predict function (a model class, a `predict.py`)
/// are post-deployment records only when an online service (an API route,
/// a handler, a serving entry point) imports that module; a predict function
/// that only a batch or command-line script uses logs nothing for a service.
/// The attribute `online=via-import` marks the logs that need such an importer.
fn keep_served_prediction_logs(out: &mut Vec<Evidence>, owner: &mut Vec<OwnerId>, units: &Units) {
    if !out.iter().any(|e| e.kind == "code.prediction-log" && e.attrs.get("online").is_some_and(|v| v == "via-import")) {
        return;
    }
    let online: BTreeSet<&str> = out
        .iter()
        .filter(|e| {
            e.kind == "code.scoring"
                && !e.attrs.contains_key("in_test")
                && e.attrs.get("style").is_some_and(|s| !matches!(s, "predict-function" | "batch-job" | "checkpoint-eval"))
        })
        .map(|e| e.location.path.as_str())
        .collect();
    let served: BTreeSet<String> = online
        .iter()
        .filter_map(|f| units.get(&format!("file:{f}")))
        .flat_map(|u| u.calls.iter().map(|(c, _)| c.trim_start_matches("file:").to_string()))
        .collect();
    let keep: Vec<bool> = out
        .iter()
        .map(|e| {
            e.kind != "code.prediction-log"
                || e.attrs.get("online").is_none_or(|v| v != "via-import")
                || served.contains(e.location.path.as_str())
        })
        .collect();
    let mut it = keep.iter();
    out.retain(|_| *it.next().unwrap());
    let mut it = keep.iter();
    owner.retain(|_| *it.next().unwrap());
}

/// True for a run that only smoke-tests a training script: one epoch (or
/// none: `--epochs 1`, `--max_epochs=1`, Hydra `trainer.max_epochs=1`),
/// Lightning's `fast_dev_run`, or a `--smoke-test` flag. Test runners are
/// not: what they run is read as tests. A Python program asked for its
/// usage (`--help`, a final `-h`) runs nothing either.
fn is_smoke_run(argv: &[String]) -> bool {
    // Every command of every unit passes here: the arguments are read
    // first, without copies, and the command classified only when one says
    // smoke.
    let epochs = |k: &str| {
        let k = k.trim_start_matches(['-', '+']);
        let k = k.rsplit('.').next().unwrap_or(k);
        ["epochs", "epoch", "num_epochs", "n_epochs", "max_epochs", "train_epochs", "num_train_epochs"]
            .iter()
            .any(|w| w.len() == k.len() && w.bytes().zip(k.bytes()).all(|(a, b)| a == b.to_ascii_lowercase() || (a == b'_' && b == b'-')))
    };
    let smoke = argv.iter().enumerate().skip(1).any(|(i, a)| {
        let flag = ["--smoke-test", "--smoke_test", "--smoke"].iter().any(|f| a.eq_ignore_ascii_case(f));
        flag || a.as_bytes().windows(12).any(|w| w.eq_ignore_ascii_case(b"fast_dev_run"))
            || match a.split_once('=') {
                Some((k, v)) => matches!(v, "0" | "1") && epochs(k),
                None => a.starts_with('-') && argv.get(i + 1).is_some_and(|v| v == "0" || v == "1") && epochs(a),
            }
    });
    // `python train.py --help` prints the usage and exits: it runs nothing.
    // (`--version` is not: ML scripts take a model version by that name.)
    let usage = argv.iter().skip(1).any(|a| a == "--help") || argv.len() > 2 && argv.last().is_some_and(|a| a == "-h");
    (smoke && !matches!(classify(argv), Invocation::TestRunner { .. }))
        || usage && matches!(classify(argv), Invocation::PythonScript { .. } | Invocation::PythonModule { .. })
}

/// The folder a command runs in, as a repository folder. A workdir spelled
/// with variables, or one the repository does not hold (a folder an earlier
/// step cloned the repository into: `git clone $REPO src` then `dir: src`),
/// is taken as the checkout root.
fn effective_workdir<'a>(repo: &RepoIndex, workdir: &'a str) -> &'a str {
    if workdir.contains('$') || !repo.dir_exists(workdir) {
        ""
    } else {
        workdir
    }
}

/// Package indexes a release job can publish to: a CI environment guarding
/// only such an upload is an approval for the package, not a stage.
const PACKAGE_RELEASES: &[&str] = &["python-package", "npm-package", "helm-chart"];

/// A CI environment whose job publishes a library package to an index
/// (PyPI, npm, a chart repository) and deploys nothing is the approval gate
/// of that upload (`environment: pypi`), not a dev/test/production stage of
/// the application or model: marked `release_of=package`.
fn mark_package_release_environments(out: &mut [Evidence], owner: &[OwnerId]) {
    const DEPLOYS: &[&str] = &["run.deploy", "code.deploy", "run.traffic-split", "run.submit-job", "run.trigger-pipeline"];
    let mut package_jobs: BTreeSet<&str> = BTreeSet::new();
    let mut other_jobs: BTreeSet<&str> = BTreeSet::new();
    for (e, o) in out.iter().zip(owner) {
        let package = e.kind == "run.publish" && e.attrs.get("what").is_some_and(|w| PACKAGE_RELEASES.contains(&w));
        if package {
            package_jobs.insert(o);
        } else if DEPLOYS.contains(&&*e.kind) || e.kind == "run.publish" {
            other_jobs.insert(o);
        }
    }
    let marked: Vec<usize> = out
        .iter()
        .zip(owner)
        .enumerate()
        .filter(|(_, (e, o))| e.kind == "ci.environment" && package_jobs.contains(&o[..]) && !other_jobs.contains(&o[..]))
        .map(|(i, _)| i)
        .collect();
    for i in marked {
        out[i].attrs.insert("release_of", "package");
    }
}

/// A Python package publish run from a package folder whose manifest ships
/// model files (`package.model-data`: `MANIFEST.in`, package data) is the
/// model released inside a versioned package: marked `carries=model`. The
/// folder is the manifest's; the publish counts when it, or a step of the
/// chain that led to it (the tox env, the script), lies in that folder or
/// below it. One pass over the evidence, one ancestor walk per publish.
fn mark_packages_carrying_models(out: &mut [Evidence]) {
    let folders: BTreeSet<String> = out
        .iter()
        .filter(|e| e.kind == "package.model-data")
        .map(|e| e.location.path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default())
        .collect();
    if folders.is_empty() {
        return;
    }
    let in_package = |path: &str| {
        let mut dir = path;
        while let Some((d, _)) = dir.rsplit_once('/') {
            if folders.contains(d) {
                return true;
            }
            dir = d;
        }
        folders.contains("")
    };
    for e in out.iter_mut() {
        if e.kind != "run.publish" || e.attrs.get("what") != Some("python-package") {
            continue;
        }
        let built_in = e.attrs.get("dir").is_some_and(|d| folders.contains(d) || in_package(d));
        if built_in || in_package(&e.location.path) || e.chain.iter().any(|l| in_package(&l.path)) {
            e.attrs.insert("carries", "model");
        }
    }
}

/// A function deployed from a folder (`run.deploy source=<dir>`) in which
/// nothing serves or loads a model (no `code.scoring`, `code.load-model`,
/// `code.deploy` or model binary under it, outside tests and pipeline
/// component bodies) releases no model: a digest
/// mailer, a function that only submits a training pipeline. It is marked
/// `serves=none`. One set of folders, one pass.
fn mark_functions_serving_nothing(out: &mut [Evidence]) {
    if !out.iter().any(|e| e.kind == "run.deploy" && e.attrs.contains_key("source")) {
        return;
    }
    let serving: BTreeSet<&str> = out
        .iter()
        .filter(|e| {
            matches!(&*e.kind, "code.scoring" | "code.load-model" | "code.deploy" | "repo.model-binary")
                && e.attrs.get("in_test").is_none()
                // A pipeline component's body runs where the pipeline runs.
                && e.attrs.get("in_component").is_none()
                && e.attrs.get("style").is_none_or(|s| s != "stub")
        })
        .map(|e| e.location.path.as_str())
        .collect();
    // The first serving path at or after `dir/` (sorted) is under it if any is.
    let serves = |dir: &str| {
        let under = format!("{dir}/");
        dir.is_empty() || serving.range(under.as_str()..).next().is_some_and(|p| p.starts_with(&under))
    };
    let none: Vec<bool> = out.iter().map(|e| e.kind == "run.deploy" && e.attrs.get("source").is_some_and(|d| !serves(d))).collect();
    for (e, none) in out.iter_mut().zip(none) {
        if none {
            e.attrs.insert("serves", "none");
        }
    }
}

/// A container image published from a Dockerfile that holds only
/// dependencies and runs nothing (`docker.image role=environment`) is the
/// CI or tooling environment, not a release of the application or model:
/// the push is marked `image=environment`. One set of paths, one pass.
fn mark_environment_image_pushes(out: &mut [Evidence]) {
    let env: BTreeSet<crate::PathName> = out
        .iter()
        .filter(|e| e.kind == "docker.image" && e.attrs.get("role").is_some_and(|r| r == "environment"))
        .map(|e| e.location.path.clone())
        .collect();
    if env.is_empty() {
        return;
    }
    for e in out.iter_mut() {
        if e.kind == "run.publish" && e.attrs.get("dockerfile").is_some_and(|f| env.contains(f)) {
            e.attrs.insert("image", "environment");
        }
    }
}

/// Two or more environment classes (dev/test/staging/prod) defined as code:
/// CI environments, deployments whose job names or paths name an
/// environment (`deploy_staging`, `deploy/prod/…`), and infrastructure roots
/// kept per environment (`envs/dev/main.tf`, `prod.tfvars`: `iac.environment`)
/// when something the pipelines run publishes or deploys a release.
fn derive_env_promotion(out: &mut Vec<Evidence>, owner: &[OwnerId], units: &Units) {
    const DEPLOYS: &[&str] = &[
        "run.deploy",
        "code.deploy",
        "k8s.inference-service",
        "k8s.traffic-split",
        "k8s.rollout-setting",
        "azureml.deployment",
        "azureml.endpoint",
    ];
    let mut found: Vec<(&'static str, &Evidence)> = Vec::new();
    // Infrastructure kept per environment, and whether anything reached
    // releases into it (a published artifact, a deployment).
    let mut iac: Vec<(&'static str, &Evidence)> = Vec::new();
    // Deployments whose job or command names only the kind of serving
    // target (`Deploy_ACI`, `--dc deployment_config_aks.yml`), with their job.
    let mut by_target: Vec<(&'static str, &str, &Evidence)> = Vec::new();
    let mut releases = false;
    for (e, o) in out.iter().zip(owner) {
        releases |= e.attrs.get("reached").is_some_and(|r| r == "yes")
            && !e.attrs.contains_key("infra")
            && match &*e.kind {
                "run.publish" => !matches!(e.attrs.get("what"), Some("dvc-push" | "model-registration")) && !e.attrs.contains_key("image"),
                k => DEPLOYS.contains(&k),
            };
        if e.kind == "iac.environment" {
            if let Some(c) = e.attrs.get("name").and_then(env_class) {
                iac.push((c, e));
            }
        } else if e.kind == "ci.environment" && !e.attrs.contains_key("release_of") {
            if let Some(c) = e.attrs.get("name").and_then(env_class) {
                found.push((c, e));
            }
        } else if DEPLOYS.contains(&&*e.kind) && !e.attrs.contains_key("infra") {
            // A deploy job named for its environment (`deploy_staging`) ...
            let original = units.get(o).map(|u| u.label.as_str()).unwrap_or_default();
            let label = original.to_ascii_lowercase();
            let deploy_job = ["deploy", "release", "promote", "rollout"].iter().any(|w| label.contains(w));
            // ... or a deployment manifest kept per environment (`deploy/prod/...`).
            let manifest = e.kind != "run.deploy";
            let dir = e.location.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let name = e.location.path.rsplit('/').next().unwrap_or("");
            let by_label = if deploy_job { env_class(original) } else { None };
            let by_path = || {
                if manifest {
                    dir.split('/').find_map(env_class).or_else(|| env_class(name.rsplit_once('.').map(|(n, _)| n).unwrap_or(name)))
                } else {
                    None
                }
            };
            if let Some(c) = by_label.or_else(by_path) {
                found.push((c, e));
            } else if let Some(c) = serving_target_class(&label).or_else(|| serving_target_class(&e.snippet)) {
                by_target.push((c, &o[..], e));
            }
        }
    }
    // A deployment to a production-grade target in a job that runs after a
    // deployment to a test-grade target of the same run is a promotion.
    for (c, later, e) in &by_target {
        if *c != "prod" {
            continue;
        }
        let earlier: Vec<&(&str, &str, &Evidence)> =
            by_target.iter().filter(|(c0, o0, _)| *c0 == "test" && o0 != later && runs_after(units, later, o0)).collect();
        if !earlier.is_empty() {
            found.push(("prod", e));
            found.extend(earlier.iter().map(|(c0, _, e0)| (*c0, *e0)));
        }
    }
    // Two or more environments laid out as infrastructure code are staged
    // environments when a pipeline releases into them.
    if releases && iac.iter().map(|(c, _)| *c).collect::<BTreeSet<_>>().len() >= 2 {
        found.extend(iac);
    }
    let classes: BTreeSet<&str> = found.iter().map(|(c, _)| *c).collect();
    if classes.len() >= 2 {
        let first = found[0].1;
        let mut e = Evidence::new("link.env-promotion", "linker", first.location.clone(), Confidence::High, &first.snippet);
        e.attrs.insert("environments", classes.iter().cloned().collect::<Vec<_>>().join(","));
        let mut chain: Vec<Location> = found.iter().map(|(_, x)| x.location.clone()).collect();
        chain.sort();
        chain.dedup();
        chain.truncate(8);
        e.chain = chain;
        out.push(e);
    }
}

/// The environment class a serving target is made for, where the platform
/// documents one: Azure Container Instances (`aci`) for development and
/// test, Azure Kubernetes Service (`aks`) for production. Whole words of a
/// job label or deploy command only.
fn serving_target_class(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.contains(&"aks") {
        Some("prod")
    } else if words.contains(&"aci") {
        Some("test")
    } else {
        None
    }
}

/// Whether unit `later` runs after unit `earlier` in one run (`after`
/// edges: `needs`, `dependsOn`, stage order), transitively.
fn runs_after(units: &Units, later: &str, earlier: &str) -> bool {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = units.get(later).map(|u| u.after.iter().map(String::as_str).collect()).unwrap_or_default();
    while let Some(u) = stack.pop() {
        if u == earlier {
            return true;
        }
        if seen.insert(u) {
            if let Some(unit) = units.get(u) {
                stack.extend(unit.after.iter().map(String::as_str));
            }
        }
    }
    false
}

/// `link.retrain-on-alert`: a monitor and a pipeline start its result
/// decides (see `is_trigger` below), in one unit or in the closure of one root.
fn derive_retrain_on_alert(out: &mut Vec<Evidence>, owner: &[OwnerId], closures: &Closures, reach: &BTreeMap<&str, Reach>, units: &Units) {
    let is_monitor = |e: &Evidence| {
        matches!(&*e.kind, "code.monitor" | "azureml.monitor")
            && !e.attrs.contains_key("notebook")
            && !e.attrs.contains_key("in_test")
            && e.attrs.get("switched").is_none_or(|s| s != "off")
    };
    // A CI condition on drift (`ci.drift-gate`) guards the commands on its lines.
    let gated: Vec<&Location> = out.iter().filter(|e| e.kind == "ci.drift-gate").map(|e| &e.location).collect();
    let covered = |l: &Location| {
        gated.iter().any(|g| g.path == l.path && g.start_line <= l.start_line && l.start_line <= g.end_line.max(g.start_line))
    };
    // Only a start the monitor's result decides: one a reader marked
    // `guarded` (a metric condition, a branch, an alert handler), or one a CI
    // condition on drift gates. A monitor and a start that always runs
    // beside it are a schedule, not a metric trigger.
    let is_trigger = |e: &Evidence| {
        matches!(&*e.kind, "code.pipeline-trigger" | "run.trigger-pipeline")
            && !e.attrs.contains_key("in_test")
            && (e.attrs.contains_key("guarded") || covered(&e.location))
    };
    // Index the few monitor and trigger facts by owning unit (first of each).
    let mut mon_by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut trig_by: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (e, o)) in out.iter().zip(owner).enumerate() {
        if is_monitor(e) {
            mon_by.entry(&o[..]).or_insert(i);
        }
        if is_trigger(e) {
            trig_by.entry(&o[..]).or_insert(i);
        }
    }
    if mon_by.is_empty() || trig_by.is_empty() {
        return;
    }
    // Within one unit (a monitoring script that dispatches), or within the
    // closure of one root (a scheduled job that runs the monitor, then starts training).
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (o, m) in &mon_by {
        if let Some(t) = trig_by.get(o) {
            pairs.insert((*m, *t));
        }
    }
    for members in closures.values() {
        let m = members.iter().filter_map(|u| mon_by.get(u)).min();
        let t = members.iter().filter_map(|u| trig_by.get(u)).min();
        if let (Some(m), Some(t)) = (m, t) {
            pairs.insert((*m, *t));
        }
    }
    let _ = units;
    let mut new = Vec::new();
    for (mi, ti) in pairs {
        let (m, t, to) = (&out[mi], &out[ti], &owner[ti]);
        let mut e = Evidence::new("link.retrain-on-alert", "linker", t.location.clone(), Confidence::Medium, &t.snippet);
        let mut chain = reach.get(&to[..]).map(|r| r.owned_chain(2)).unwrap_or_default();
        chain.push(m.location.clone());
        chain.push(t.location.clone());
        chain.dedup();
        e.chain = chain;
        if let Some(r) = reach.get(&to[..]) {
            if !r.triggers.is_empty() {
                e.add_attr_values("triggers", r.triggers.iter().copied());
            }
        }
        new.push(e);
    }
    out.extend(new);
}

/// `link.retrain-on-alert` (`gate=ci-condition`) from a `ci.drift-gate`: the
/// commands a CI condition on drift or degradation guards start training
/// (followed through scripts, DVC stages, task runners), and the same CI
/// definition runs a monitor. The fact carries the gated unit's triggers: a
/// run started only by a push or pull request computes its drift from
/// committed files (RUBRIC `L4.retrain.triggered`: partial); a schedule or an
/// outside event measures what changed since (met).
fn derive_retrain_on_drift_gate(
    out: &mut Vec<Evidence>,
    owner: &[OwnerId],
    edges: &Edges,
    closures: &Closures,
    reach: &BTreeMap<&str, Reach>,
    units: &Units,
) {
    let gates: Vec<usize> = out.iter().enumerate().filter(|(_, e)| e.kind == "ci.drift-gate").map(|(i, _)| i).collect();
    if gates.is_empty() {
        return;
    }
    let live = |e: &Evidence| !e.attrs.contains_key("in_test") && !e.attrs.contains_key("notebook");
    let mut trainers: BTreeMap<&str, usize> = BTreeMap::new();
    let mut monitors: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (e, o)) in out.iter().zip(owner).enumerate() {
        if e.kind == "code.train" && live(e) {
            trainers.entry(&o[..]).or_insert(i);
        } else if matches!(&*e.kind, "code.monitor" | "azureml.monitor") && live(e) && e.attrs.get("switched").is_none_or(|s| s != "off") {
            monitors.entry(&o[..]).or_insert(i);
        }
    }
    if trainers.is_empty() || monitors.is_empty() {
        return;
    }
    let mut new = Vec::new();
    for gi in gates {
        let (g, gu) = (&out[gi], &owner[gi][..]);
        let span = g.location.start_line..=g.location.end_line.max(g.location.start_line);
        // What the gated commands start, transitively.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = edges
            .get(gu)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|(_, loc)| loc.path == g.location.path && span.contains(&loc.start_line))
            .map(|(t, _)| t.as_ref())
            .collect();
        let mut trained: Option<usize> = None;
        while let Some(u) = stack.pop() {
            if !seen.insert(u) {
                continue;
            }
            if let Some(t) = trainers.get(u) {
                trained = Some(trained.map_or(*t, |x: usize| x.min(*t)));
            }
            stack.extend(edges.get(u).map(Vec::as_slice).unwrap_or_default().iter().map(|(t, _)| t.as_ref()));
        }
        let Some(ti) = trained else { continue };
        // A monitor in the gate's own code (a flow that checks, then
        // retrains), or run by the same CI definition (any of its roots).
        let monitor = monitors.get(gu).copied().or_else(|| {
            closures
                .iter()
                .filter(|(root, _)| units.get(root).is_some_and(|r| r.location.path == g.location.path))
                .flat_map(|(_, members)| members.iter().filter_map(|m| monitors.get(m)))
                .min()
                .copied()
        });
        let Some(mi) = monitor else { continue };
        let mut e = Evidence::new("link.retrain-on-alert", "linker", g.location.clone(), Confidence::Medium, &g.snippet)
            .attr("gate", "ci-condition");
        let mut chain = reach.get(gu).map(|r| r.owned_chain(3)).unwrap_or_default();
        chain.extend([out[mi].location.clone(), g.location.clone(), out[ti].location.clone()]);
        chain.dedup();
        e.chain = chain;
        if let Some(r) = reach.get(gu) {
            e.attrs.insert("reached", "yes");
            if !r.triggers.is_empty() {
                e.add_attr_values("triggers", r.triggers.iter().copied());
            }
        }
        new.push(e);
    }
    out.extend(new);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_a_command_runs_as_containers() {
        let argv = |t: &str| t.split_whitespace().map(String::from).collect::<Vec<_>>();
        let run = |t: &str| images_run_by(&argv(t));
        assert!(run("docker run --rm -e A reg/fit:1 --epochs 3").contains(&"reg/fit:1".to_string()));
        assert_eq!(
            run("gcloud ai custom-jobs create --region=r --worker-pool-spec=machine-type=n1-standard-4,replica-count=1,container-image-uri=reg/fit:1"),
            ["reg/fit:1"]
        );
        assert_eq!(
            run("aws sagemaker create-training-job --algorithm-specification TrainingImage=1.dkr.ecr/fit:1,TrainingInputMode=File"),
            ["1.dkr.ecr/fit:1"]
        );
        // A job from a Python package, or other commands: no image.
        assert!(run(
            "gcloud ai custom-jobs create --worker-pool-spec=machine-type=n1-standard-4,executor-image-uri=img,python-module=t.task"
        )
        .is_empty());
        assert!(run("docker build -t reg/fit:1 .").is_empty());
    }

    /// A pipeline that edits a file in a folder an Argo CD or Flux object
    /// keeps applied, then pushes, releases it (GitOps); only an automated
    /// controller applies it without a person.
    #[test]
    fn pushing_an_edit_to_a_gitops_synced_folder_deploys() {
        let ci = |edit: &str| {
            format!("on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python train.py\n      - run: {edit}\n      - run: git commit -am 'new model' && git push origin main\n")
        };
        let app = |auto: bool| {
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: serving\nspec:\n  source:\n    path: deploy\n{}",
                if auto { "  syncPolicy:\n    automated: {}\n" } else { "" }
            )
        };
        let deploys = |edit: &str, auto: bool| {
            let (ci, app) = (ci(edit), app(auto));
            let files = [
                (".github/workflows/release.yml", ci.as_str()),
                ("argocd/app.yaml", app.as_str()),
                ("deploy/values.yaml", "image:\n  tag: v1\n"),
                ("deploy/kustomization.yaml", "resources: [isvc.yaml]\n"),
                ("docs/values.yaml", "tag: v1\n"),
                ("train.py", "print(1)\n"),
            ];
            let scan = crate::scan_in_memory(&files, &crate::ScanOptions::default());
            scan.evidence
                .iter()
                .filter(|e| e.kind == "run.deploy")
                .map(|e| (e.attrs.get("mechanism").unwrap_or_default().to_string(), e.attrs.get("sync").map(str::to_string)))
                .collect::<Vec<_>>()
        };
        let gitops = vec![("gitops".to_string(), None)];
        assert_eq!(deploys("yq -i '.image.tag = strenv(TAG)' deploy/values.yaml", true), gitops);
        assert_eq!(deploys("sed -i \"s|v[0-9]*$|$TAG|\" deploy/values.yaml", true), gitops);
        assert_eq!(deploys("cd deploy && kustomize edit set image model=reg/model:$TAG", true), gitops);
        assert_eq!(deploys("git add deploy", true), gitops);
        assert_eq!(
            deploys("yq -i '.image.tag = strenv(TAG)' deploy/values.yaml", false),
            vec![("gitops".to_string(), Some("manual".to_string()))]
        );
        // An edit outside the synced folder, an edit not in place, or a push of tags only.
        assert!(deploys("yq -i '.tag = strenv(TAG)' docs/values.yaml", true).is_empty());
        assert!(deploys("yq '.image.tag' deploy/values.yaml", true).is_empty());
        // A commit action pushes as `git push` does.
        let action = ci("yq -i '.image.tag = strenv(TAG)' deploy/values.yaml")
            .replace("run: git commit -am 'new model' && git push origin main", "uses: stefanzweifel/git-auto-commit-action@v5");
        let app_auto = app(true);
        let files = [
            (".github/workflows/release.yml", action.as_str()),
            ("argocd/app.yaml", app_auto.as_str()),
            ("deploy/values.yaml", "tag: v1\n"),
        ];
        let scan = crate::scan_in_memory(&files, &crate::ScanOptions::default());
        assert!(scan.evidence.iter().any(|e| e.kind == "run.deploy" && e.attrs.get("mechanism") == Some("gitops")));
        let tags_only = ci("yq -i '.image.tag = strenv(TAG)' deploy/values.yaml").replace("git push origin main", "git push --tags");
        let app = app(true);
        let files =
            [(".github/workflows/release.yml", tags_only.as_str()), ("argocd/app.yaml", app.as_str()), ("deploy/values.yaml", "tag: v1\n")];
        let scan = crate::scan_in_memory(&files, &crate::ScanOptions::default());
        assert!(scan.evidence.iter().all(|e| e.kind != "run.deploy"));
    }

    /// A deploy target named on a command line is an environment; one in a
    /// commented-out step is not.
    #[test]
    fn deploy_targets_on_command_lines_are_environments_unless_commented_out() {
        let ci = "on: push\njobs:\n  cd:\n    runs-on: ubuntu-latest\n    steps:\n      - run: databricks bundle deploy -t staging\n      # - run: databricks bundle deploy -t prod\n      - run: |\n          # dbx deploy fit --environment=prod\n          echo done\n";
        let scan = crate::scan_in_memory(&[(".github/workflows/cd.yml", ci)], &crate::ScanOptions::default());
        let envs: Vec<&str> = scan.evidence.iter().filter(|e| e.kind == "ci.environment").filter_map(|e| e.attrs.get("name")).collect();
        assert_eq!(envs, ["staging"]);
        assert!(scan.evidence.iter().all(|e| e.kind != "link.env-promotion"));
    }

    /// An Istio split or mirror, or a rollout, that names no model word
    /// splits a model's traffic when a model-serving Deployment carries the
    /// name of a host or target.
    #[test]
    fn splits_naming_no_model_count_when_a_model_server_has_their_name() {
        let vs = "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: fraud\nspec:\n  hosts: [fraud]\n  http:\n    - route:\n        - destination:\n            host: fraud.ml.svc.cluster.local\n            subset: gbm\n          weight: 90\n        - destination:\n            host: fraud.ml.svc.cluster.local\n            subset: nn\n          weight: 10\n";
        let mirror = "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: fraud-shadow\nspec:\n  hosts: [fraud]\n  http:\n    - route:\n        - destination: {host: fraud, subset: gbm}\n      mirror: {host: fraud, subset: nn}\n";
        let server = |name: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: reg/{name}:1\n          args: [\"--model-path\", /models/m.pkl]\n")
        };
        let splits = |files: &[(&str, &str)]| {
            let scan = crate::scan_in_memory(files, &crate::ScanOptions::default());
            let mut v: Vec<String> = scan
                .evidence
                .iter()
                .filter(|e| e.kind == "k8s.traffic-split")
                .map(|e| e.attrs.get("mode").unwrap_or_default().to_string())
                .collect();
            v.sort();
            v
        };
        let (gbm, web) = (server("fraud-gbm"), server("frontend"));
        assert_eq!(splits(&[("mesh/vs.yaml", vs), ("mesh/shadow.yaml", mirror), ("apps/gbm.yaml", gbm.as_str())]), ["shadow", "weights"]);
        // The only model server carries another name, elsewhere: the split is some other service's.
        let web_only = [("mesh/vs.yaml", vs), ("mesh/shadow.yaml", mirror), ("apps/web.yaml", web.as_str())];
        assert!(splits(&web_only).is_empty(), "{:?}", splits(&web_only));
        // ... unless it sits beside the routes.
        assert_eq!(splits(&[("mesh/vs.yaml", vs), ("mesh/api.yaml", web.as_str())]), ["weights"]);
        // An Argo Rollout canary of a frontend image splits no model's traffic;
        // one pointing at the model server's Deployment does.
        let rollout = |target: &str| {
            format!("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {target}\n  strategy:\n    canary:\n      steps:\n        - setWeight: 20\n")
        };
        let (to_web, to_model) = (rollout("nginx-frontend"), rollout("fraud-gbm"));
        assert!(splits(&[("web/rollout.yaml", to_web.as_str()), ("apps/gbm.yaml", gbm.as_str())]).is_empty());
        assert_eq!(splits(&[("web/rollout.yaml", to_model.as_str()), ("apps/gbm.yaml", gbm.as_str())]), ["canary"]);
        // The same for the Deployment a Flagger Canary targets.
        let flagger = |target: &str| {
            format!("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\nspec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {target}\n  analysis:\n    stepWeight: 10\n")
        };
        let (to_web, to_model) = (flagger("nginx-frontend"), flagger("fraud-gbm"));
        assert!(splits(&[("web/canary.yaml", to_web.as_str()), ("apps/gbm.yaml", gbm.as_str())]).is_empty());
        assert_eq!(splits(&[("web/canary.yaml", to_model.as_str()), ("apps/gbm.yaml", gbm.as_str())]), ["canary"]);
    }

    /// `kubectl apply` of manifests holding only jobs (and their
    /// configuration) starts them: no release. With a service beside them,
    /// the same apply deploys.
    #[test]
    fn applying_only_batch_jobs_is_no_release() {
        let ci = "on: push\njobs:\n  fit:\n    runs-on: ubuntu-latest\n    steps:\n      - run: kubectl apply -f k8s/\n";
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: fit\nspec:\n  template:\n    spec:\n      containers:\n        - name: fit\n          image: reg/fit:1\n          command: [python, fit.py]\n";
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fit\ndata:\n  A: \"1\"\n";
        let svc = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: predict-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: reg/api:1\n";
        let deploy = |files: &[(&str, &str)]| {
            let scan = crate::scan_in_memory(files, &crate::ScanOptions::default());
            let d: Vec<_> = scan.evidence.iter().filter(|e| e.kind == "run.deploy").collect();
            assert_eq!(d.len(), 1);
            d[0].attrs.get("infra").map(str::to_string)
        };
        let base = [(".github/workflows/fit.yml", ci), ("k8s/job.yaml", job), ("k8s/cm.yaml", cm), ("fit.py", "print(1)\n")];
        assert_eq!(deploy(&base).as_deref(), Some("batch-jobs"));
        let mut with_service = base.to_vec();
        with_service.push(("k8s/api.yaml", svc));
        assert_eq!(deploy(&with_service), None);
        // Configuration alone starts no job: the apply stays a deploy.
        assert_eq!(deploy(&[(".github/workflows/fit.yml", ci), ("k8s/cm.yaml", cm)]), None);
    }

    /// The in-place sort gives what sorting (evidence, owner) pairs and
    /// dropping repeated evidence gave: same items, same owners, same order.
    #[test]
    fn evidence_sorts_with_its_owners_in_place() {
        let mut out = Vec::new();
        let mut owner = Vec::new();
        // A fixed shuffle with repeats: kinds and owners from a small cycle.
        for i in 0..60u32 {
            let k = (i * 37) % 11;
            out.push(Evidence::new(&format!("k.{}", k % 4), "t", Location::line("a.py", k % 3 + 1), Confidence::High, ""));
            owner.push(format!("file:{}", (i * 7) % 5).into());
        }
        let mut pairs: Vec<(Evidence, OwnerId)> = out.clone().into_iter().zip(owner.clone()).collect();
        pairs.sort();
        pairs.dedup_by(|a, b| a.0 == b.0);
        sort_with_owners(&mut out, &mut owner);
        assert!(pairs.len() < 60 && pairs.len() > 1);
        assert_eq!(out.into_iter().zip(owner).collect::<Vec<_>>(), pairs);
    }

    /// Plain module units, given as units or as positions, are held as
    /// positions: looked up (and made) by id, never iterated, and dropped
    /// where a full unit of their file exists.
    #[test]
    fn plain_module_units_are_held_as_positions() {
        let paths: crate::paths::PathSet = ["a.py", "b.py", "c.py", "d.py"].into_iter().map(String::from).collect();
        let mut b = Unit::plain_file("b.py");
        b.calls.push(("file:a.py".into(), Location::line("b.py", 3)));
        assert!(Unit::plain_file("a.py").is_plain_file() && !b.is_plain_file());
        let mut moved = Unit::plain_file("d.py");
        moved.location.start_line = 2;
        assert!(!moved.is_plain_file());
        let units = Units::merged(
            vec![Box::new(Unit::plain_file("a.py")), Box::new(b), Box::new(Unit::plain_file("x.py")), Box::new(moved)],
            vec![1, 2],
            &paths,
        );
        // x.py is not a file of the set: it stays a full unit.
        assert_eq!(units.keys().map(String::as_str).collect::<Vec<_>>(), ["file:b.py", "file:d.py", "file:x.py"]);
        assert_eq!(units.plain_ids().collect::<Vec<_>>(), ["file:a.py", "file:c.py"]);
        let a = units.get("file:a.py").expect("a plain unit is found by id");
        assert_eq!((a.label.as_str(), a.location.path.as_str(), a.location.start_line), ("a.py", "a.py", 1));
        assert!(std::ptr::eq(a, units.get("file:a.py").unwrap()), "made once");
        assert_eq!(units.get("file:b.py").unwrap().calls.len(), 1, "the full unit wins over the plain position");
        assert!(units.contains_key("file:c.py") && !units.contains_key("file:e.py") && !units.contains_key("c.py"));
        assert_eq!(
            (units.path_of("file:c.py"), units.path_of("file:d.py"), units.path_of("file:e.py")),
            (Some("c.py"), Some("d.py"), None)
        );
    }

    /// Units of one id merge into the first, in the order they came; the
    /// result is sorted by id and looked up by id.
    #[test]
    fn units_sharing_an_id_merge_into_the_first() {
        let mk = |id: &str, call: &str, root: bool| {
            let mut u = Unit::new(id.into(), Location::line("a.yml", 1), id);
            u.calls.push((call.into(), Location::line("a.yml", 2)));
            u.root = root;
            if root {
                u.triggers.insert("push".into());
            }
            u
        };
        let no_paths = crate::paths::PathSet::default();
        let units = Units::merged(
            [mk("b", "x", false), mk("a", "y", false), mk("b", "z", true), mk("c", "w", false), mk("b", "v", false)]
                .into_iter()
                .map(Box::new)
                .collect(),
            Vec::new(),
            &no_paths,
        );
        assert_eq!(units.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b", "c"]);
        let b = units.get("b").unwrap();
        assert_eq!(b.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["x", "z", "v"]);
        assert!(b.root && b.triggers.contains("push"));
        assert!(!units.get("a").unwrap().root && units.contains_key("c") && !units.contains_key("d") && units.get("").is_none());
    }

    #[test]
    fn environment_roots_are_staged_only_when_a_release_reaches_them() {
        let env = |path: &str, name: &str| {
            Evidence::new("iac.environment", "iac", Location::line(path, 1), Confidence::Medium, "module").attr("name", name)
        };
        let publish = |reached: bool| {
            let e = Evidence::new("run.publish", "cloud-build", Location::line("build.yaml", 3), Confidence::High, "gsutil cp")
                .attr("what", "storage-artifact");
            if reached {
                e.attr("reached", "yes")
            } else {
                e
            }
        };
        let promoted = |ev: Vec<Evidence>| {
            let mut out = ev;
            let owner = vec![OwnerId::from(""); out.len()];
            derive_env_promotion(&mut out, &owner, &Units::default());
            out.iter().find(|e| e.kind == "link.env-promotion").map(|e| e.attrs["environments"].to_string())
        };
        let roots = || vec![env("live/dev/main.tf", "dev"), env("live/prod/main.tf", "prod")];
        assert_eq!(promoted([roots(), vec![publish(true)]].concat()), Some("dev,prod".into()));
        // No release, a release nothing runs, or a single environment: not staged.
        assert_eq!(promoted(roots()), None);
        assert_eq!(promoted([roots(), vec![publish(false)]].concat()), None);
        assert_eq!(promoted(vec![env("live/prod/main.tf", "prod"), env("live/prod/vars.tf", "prod"), publish(true)]), None);
    }

    #[test]
    fn deploying_to_a_production_target_after_a_test_target_is_a_promotion() {
        let deploy = |job: &str, cmd: &str| {
            (
                Evidence::new("run.deploy", "azure-pipelines", Location::line("cd.yml", 5), Confidence::High, cmd)
                    .attr("reached", "yes")
                    .attr("target", "azureml-webservice"),
                format!("ci:cd.yml#{job}"),
            )
        };
        let promoted = |ev: Vec<(Evidence, String)>, after: &[(&str, &str)]| {
            let mut units = Units::default();
            for job in ["Deploy_ACI", "Deploy_AKS", "Ship_One", "Ship_Two"] {
                let mut u = Unit::new(format!("ci:cd.yml#{job}"), Location::line("cd.yml", 1), job);
                u.after = after.iter().filter(|(l, _)| *l == job).map(|(_, e)| format!("ci:cd.yml#{e}")).collect();
                units.insert(u.id.clone(), u);
            }
            let (mut out, owner): (Vec<Evidence>, Vec<OwnerId>) = ev.into_iter().map(|(e, o): (Evidence, String)| (e, o.into())).unzip();
            derive_env_promotion(&mut out, &owner, &units);
            out.iter().find(|e| e.kind == "link.env-promotion").map(|e| e.attrs["environments"].to_string())
        };
        let both = || vec![deploy("Deploy_ACI", "az ml model deploy --name a"), deploy("Deploy_AKS", "az ml model deploy --name b")];
        assert_eq!(promoted(both(), &[("Deploy_AKS", "Deploy_ACI")]), Some("prod,test".into()));
        // Targets named by the deployment config of the command.
        let by_cmd = vec![
            deploy("Ship_One", "az ml model deploy --dc config_aci.yml"),
            deploy("Ship_Two", "az ml model deploy --dc config_aks.yml"),
        ];
        assert_eq!(promoted(by_cmd, &[("Ship_Two", "Ship_One")]), Some("prod,test".into()));
        // Side by side, with no promotion from one to the other; or in the wrong order.
        assert_eq!(promoted(both(), &[]), None);
        assert_eq!(promoted(both(), &[("Deploy_ACI", "Deploy_AKS")]), None);
        // A word that only contains the letters is not a target.
        let words = vec![deploy("Ship_One", "deploy spacing"), deploy("Ship_Two", "deploy tasks")];
        assert_eq!(promoted(words, &[("Ship_Two", "Ship_One")]), None);
    }

    #[test]
    fn a_service_importing_a_registry_lookup_pulls_its_model() {
        let ev = |path: &str, kind: &str| Evidence::new(kind, "python", Location::line(path, 3), Confidence::High, "x");
        let lookup = || ev("svc/pick.py", "code.load-model").attr("by_alias", "yes").attr("lookup", "registry-query");
        let service = || ev("svc/web.py", "code.scoring").attr("style", "api");
        let mut units = Units::default();
        let mut web = Unit::new("file:svc/web.py".into(), Location::line("svc/web.py", 1), "svc/web.py");
        web.calls.push(("file:svc/pick.py".into(), Location::line("svc/web.py", 1)));
        units.insert(web.id.clone(), web);
        let pulled = |mut out: Vec<Evidence>, units: &Units| {
            derive_pull_based_serving(&mut out, units);
            out.iter().filter(|e| e.kind == "link.pull-based-serving").count()
        };
        assert_eq!(pulled(vec![service(), lookup()], &units), 1);
        // Nothing serving imports it: nothing pulled.
        assert_eq!(pulled(vec![service(), lookup()], &Units::default()), 0);
        // A pipeline promotes models automatically: pulled, marked so.
        let promotes = ev("train.py", "code.model-version").attr("promotes", "yes").attr("triggers", "push");
        let mut out = vec![service(), lookup(), promotes];
        derive_pull_based_serving(&mut out, &units);
        let p: Vec<_> = out.iter().filter(|e| e.kind == "link.pull-based-serving").collect();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].attrs.get("promotion").map(|v| v.to_string()).as_deref(), Some("automated"));
        // The lookup sits in a function: pulled only when the service uses
        // a name that reaches it.
        let in_fn = || lookup().attr("defs", "best_run_id,app");
        let uses = |names: &str| service().attr("uses", format!("svc/pick.py={names}"));
        assert_eq!(pulled(vec![uses("load_checkpoint,Predictor"), in_fn()], &units), 0);
        assert_eq!(pulled(vec![uses("best_run_id"), in_fn()], &units), 1);
        // A module-level lookup runs on import.
        assert_eq!(pulled(vec![uses("load_checkpoint"), lookup()], &units), 1);
        // A file with a function named `predict` is no service of its own.
        let predict_fn = ev("svc/pick.py", "code.scoring").attr("style", "predict-function");
        assert_eq!(pulled(vec![predict_fn, uses("load_checkpoint"), in_fn()], &units), 0);
    }

    #[test]
    fn a_decorator_registers_a_function_without_running_it() {
        // `@app.command()` puts the CLI function on `app`, but running the
        // function runs no other command registered on `app`.
        let src =
            "import typer\napp = typer.Typer()\n\n@app.command()\ndef best():\n    pick()\n\n@app.command()\ndef serve():\n    run()\n";
        let blocks = crate::detectors::python::blocks_reaching(src, 6);
        assert!(blocks.contains(&"best".to_string()) && blocks.contains(&"app".to_string()), "{blocks:?}");
        assert!(!blocks.contains(&"serve".to_string()), "{blocks:?}");
    }

    #[test]
    fn a_notebook_loading_the_production_model_serves_nothing() {
        let ev = |kind: &str| Evidence::new(kind, "notebook", Location::line("nb/tour.ipynb", 3), Confidence::Medium, "x");
        let pulled = |out: Vec<Evidence>| {
            let mut out = out;
            derive_pull_based_serving(&mut out, &Units::default());
            out.iter().filter(|e| e.kind == "link.pull-based-serving").count()
        };
        let lookup = || ev("code.load-model").attr("by_alias", "yes");
        // The same cells in a service file pull the model.
        assert_eq!(pulled(vec![ev("code.scoring").attr("style", "mlflow-pyfunc"), lookup()]), 1);
        assert_eq!(
            pulled(vec![ev("code.scoring").attr("style", "mlflow-pyfunc").attr("notebook", "true"), lookup().attr("notebook", "true")]),
            0
        );
    }

    #[test]
    fn jobs_of_one_definition_on_the_same_event_are_one_training_pipeline() {
        let root = |id: &str, path: &str, trigger: &str| {
            let mut u = Unit::new(id.into(), Location::line(path, 1), id);
            u.root = true;
            u.triggers.insert(trigger.into());
            (id.to_string(), u)
        };
        let units: Units = [
            root("ci:wf.yml#fit", "wf.yml", "push"),
            root("ci:wf.yml#judge", "wf.yml", "push"),
            root("ci:wf.yml#nightly", "wf.yml", "schedule"),
            root("ci:other.yml#judge", "other.yml", "push"),
        ]
        .into_iter()
        .collect();
        let closures: Closures = [
            ("ci:wf.yml#fit", "file:fit.py"),
            ("ci:wf.yml#judge", "file:judge.py"),
            ("ci:wf.yml#nightly", "file:nightly.py"),
            ("ci:other.yml#judge", "file:elsewhere.py"),
        ]
        .into_iter()
        .map(|(r, f)| (r, [r, f].into_iter().collect()))
        .collect();
        let ev = |kind: &str, path: &str| Evidence::new(kind, "python", Location::line(path, 1), Confidence::Medium, "");
        let mut out = vec![
            ev("code.train", "fit.py"),
            ev("code.model-compare", "judge.py"),
            ev("code.model-compare", "nightly.py"),
            ev("code.model-compare", "elsewhere.py"),
        ];
        let owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
        mark_with_training(&mut out, &owner, &closures, &units, &Edges::new());
        let tied: Vec<&str> = out.iter().filter(|e| e.attrs.contains_key("with_training")).map(|e| e.location.path.as_str()).collect();
        // Another event (a schedule) or another definition is another pipeline.
        assert_eq!(tied, vec!["judge.py"]);
        // A monitor is part of training only in the closer circle: the
        // training root's own closure, not a sibling job of the definition.
        let mut out = vec![ev("code.train", "fit.py"), ev("code.monitor", "judge.py"), ev("code.monitor", "fit.py")];
        let owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
        mark_with_training(&mut out, &owner, &closures, &units, &Edges::new());
        let tied: Vec<&str> = out.iter().filter(|e| e.attrs.contains_key("with_training")).map(|e| e.location.path.as_str()).collect();
        assert_eq!(tied, vec!["fit.py"]);
    }

    #[test]
    fn a_definition_that_runs_training_ties_its_other_steps_launched_or_not() {
        let at = Location::line("x", 1);
        let edge = |to: &'static str| (Cow::Borrowed(to), &at);
        let ev = |kind: &str, path: &str| Evidence::new(kind, "python", Location::line(path, 1), Confidence::Medium, "");
        let run = |edges: &Edges| {
            let mut out = vec![ev("code.train", "fit.py"), ev("code.model-compare", "crown.py")];
            let owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
            mark_with_training(&mut out, &owner, &Closures::new(), &Units::default(), edges);
            out[1].attrs.contains_key("with_training")
        };
        // A pipeline spec nothing launches runs both steps: one pipeline.
        assert!(run(&[("file:ml/pipe.yml", vec![edge("file:fit.py"), edge("file:crown.py")])].into_iter().collect()));
        // A Python module importing both (a package, a command-line front end) is not.
        assert!(!run(&[("file:cli.py", vec![edge("file:fit.py"), edge("file:crown.py")])].into_iter().collect()));
        // Nor a definition that runs the comparison without training.
        assert!(!run(&[("file:ml/pipe.yml", vec![edge("file:crown.py")])].into_iter().collect()));
    }

    #[test]
    fn a_verdict_forced_by_a_step_of_the_same_run_decides_nothing() {
        let closures: Closures =
            [("ci:a.yml#build", vec!["file:judge.py", "file:publish.py"]), ("ci:b.yml#other", vec!["file:elsewhere.py", "file:forced.py"])]
                .into_iter()
                .map(|(r, fs)| (r, fs.into_iter().chain([r]).collect()))
                .collect();
        let ev = |kind: &str, path: &str, attr: (&str, &str)| {
            Evidence::new(kind, "python", Location::line(path, 1), Confidence::Medium, "").attr(attr.0, attr.1).attr("acts", "yes")
        };
        let mut out = vec![
            ev("code.model-compare", "judge.py", ("verdict", "ship")),
            ev("code.verdict-override", "publish.py", ("name", "ship")),
            // Another verdict name, and the same name forced only in another run.
            ev("code.model-compare", "judge.py", ("verdict", "promote")),
            ev("code.model-compare", "elsewhere.py", ("verdict", "keep")),
            ev("code.model-compare", "judge2.py", ("verdict", "keep")),
            ev("code.verdict-override", "forced.py", ("name", "keep")),
        ];
        let owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
        mark_overridden_verdicts(&mut out, &owner, &closures);
        let ignored: Vec<(&str, &str)> = out
            .iter()
            .filter(|e| e.kind == "code.model-compare" && e.attrs["acts"] == *"no")
            .map(|e| (e.location.path.as_str(), &e.attrs["verdict"]))
            .collect();
        assert_eq!(ignored, vec![("judge.py", "ship"), ("elsewhere.py", "keep")]);
        assert!(out.iter().filter(|e| e.attrs.contains_key("overridden")).count() == 2);
    }

    #[test]
    fn paths_never_escape_the_root() {
        assert_eq!(normalize("a/../b"), Some("b".into()));
        assert_eq!(normalize("../x"), None);
        assert_eq!(join("ci", "../src/train.py"), "src/train.py");
        assert!(join("", "../../etc/passwd").starts_with(".."));
    }

    #[test]
    fn environments_guarding_only_a_package_upload_are_not_stages() {
        let ev = |kind: &str, attr: (&str, &str)| {
            Evidence::new(kind, "github-actions", Location::line(".github/workflows/r.yml", 3), Confidence::High, "x").attr(attr.0, attr.1)
        };
        let mut out = vec![
            ev("ci.environment", ("name", "pypi")),
            ev("run.publish", ("what", "python-package")),
            ev("ci.environment", ("name", "production")),
            ev("run.publish", ("what", "python-package")),
            ev("run.deploy", ("target", "k8s")),
            ev("ci.environment", ("name", "staging")),
            ev("run.publish", ("what", "container-image")),
        ];
        let owner: Vec<OwnerId> =
            ["wf:a#pypi", "wf:a#pypi", "wf:a#prod", "wf:a#prod", "wf:a#prod", "wf:a#stg", "wf:a#stg"].iter().map(|&s| s.into()).collect();
        mark_package_release_environments(&mut out, &owner);
        let marked: Vec<bool> = out.iter().filter(|e| e.kind == "ci.environment").map(|e| e.attrs.contains_key("release_of")).collect();
        // Only the job that uploads a package and nothing else; a job that also deploys, or publishes an image, keeps its stage.
        assert_eq!(marked, vec![true, false, false]);
    }

    #[test]
    fn package_publishes_from_a_folder_shipping_models_carry_the_model() {
        let at = |kind: &str, path: &str| Evidence::new(kind, "x", Location::line(path, 1), Confidence::High, "x");
        let publish = |path: &str, chain: &[&str]| {
            let mut e = at("run.publish", path).attr("what", "python-package");
            e.chain = chain.iter().map(|p| Location::line(*p, 1)).collect();
            e
        };
        let mut out = vec![
            at("package.model-data", "scorer/MANIFEST.in"),
            // Reached through the package's tox env.
            publish("ci/release.sh", &[".circleci/config.yml", "scorer/tox.ini", "ci/release.sh"]),
            // Another package of the repository, which ships no model.
            publish("tools/cli/publish.sh", &[".circleci/config.yml", "tools/cli/publish.sh"]),
            // A folder whose name only starts like the package's.
            publish("scorer-docs/upload.sh", &[]),
            at("run.publish", "scorer/push.sh").attr("what", "container-image"),
            // Built in the package's folder (or below it) by a CI step; built in another.
            publish(".github/workflows/release.yml", &[]).attr("dir", "scorer"),
            publish(".github/workflows/release.yml", &[]).attr("dir", "scorer/dist"),
            publish(".github/workflows/release.yml", &[]).attr("dir", "scorer-docs"),
        ];
        mark_packages_carrying_models(&mut out);
        let carries: Vec<bool> = out.iter().filter(|e| e.kind == "run.publish").map(|e| e.attrs.contains_key("carries")).collect();
        assert_eq!(carries, vec![true, false, false, false, true, true, false]);
    }

    #[test]
    fn functions_deployed_from_folders_that_serve_nothing_release_no_model() {
        let at = |kind: &str, path: &str| Evidence::new(kind, "x", Location::line(path, 1), Confidence::High, "x");
        let deploy = |src: &str| at("run.deploy", ".github/workflows/cd.yml").attr("source", src);
        let mut out = vec![
            at("code.scoring", "scorer/main.py"),
            at("code.load-model", "jobs/pipeline.py").attr("in_component", "kfp"),
            at("code.scoring", "mailer/tests/test_main.py").attr("in_test", "true"),
            deploy("scorer"),
            deploy("jobs"),
            deploy("mailer"),
            // A folder whose name only starts like the scorer's; the whole repository.
            deploy("score"),
            deploy(""),
        ];
        mark_functions_serving_nothing(&mut out);
        let none: Vec<bool> = out.iter().filter(|e| e.kind == "run.deploy").map(|e| e.attrs.get("serves") == Some("none")).collect();
        assert_eq!(none, vec![false, true, true, true, false]);
    }

    #[test]
    fn pushes_of_dependency_only_images_are_environments() {
        let at = |kind: &str, path: &str| Evidence::new(kind, "x", Location::line(path, 1), Confidence::High, "x");
        let push = |file: &str| at("run.publish", ".gitlab-ci.yml").attr("what", "container-image").attr("dockerfile", file);
        let mut out = vec![
            at("docker.image", "ci/Dockerfile").attr("serves", "no").attr("role", "environment"),
            at("docker.image", "Dockerfile").attr("serves", "yes"),
            push("ci/Dockerfile"),
            // The serving image, and a push whose image is not known.
            push("Dockerfile"),
            at("run.publish", ".gitlab-ci.yml").attr("what", "container-image"),
        ];
        mark_environment_image_pushes(&mut out);
        let env: Vec<bool> = out.iter().filter(|e| e.kind == "run.publish").map(|e| e.attrs.contains_key("image")).collect();
        assert_eq!(env, vec![true, false, false]);
    }

    #[test]
    fn a_test_runner_reaches_the_test_files_under_its_roots() {
        let repo = RepoIndex::default();
        let units = Units::default();
        let files =
            ["tests/test_a.py", "tests/unit/test_b.py", "tests_old/test_c.py", "web/a.test.ts", "svc/tests/test_d.py", "test_top.py"];
        let cx = Ctx::new(&repo, &units, files.iter().map(|f| crate::PathName::from(*f)).collect());
        let argv = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let t = |cmd: &str, wd: &str| {
            cx.targets(&argv(cmd), wd).into_iter().map(|t| t.trim_start_matches("file:").to_string()).collect::<Vec<_>>()
        };
        // A folder root: what is under it, not a sibling sharing its prefix.
        assert_eq!(t("pytest tests -q", ""), ["tests/test_a.py", "tests/unit/test_b.py"]);
        // A file root (with a test id), several roots, a root given from a workdir.
        assert_eq!(t("pytest tests/test_a.py::test_x tests_old", ""), ["tests/test_a.py", "tests_old/test_c.py"]);
        assert_eq!(t("pytest tests", "svc"), ["svc/tests/test_d.py"]);
        // No root: everything under the workdir (the whole repository at the root), of the runner's language.
        assert_eq!(t("pytest", "svc"), ["svc/tests/test_d.py"]);
        assert_eq!(
            t("pytest", ""),
            ["svc/tests/test_d.py", "test_top.py", "tests/test_a.py", "tests/unit/test_b.py", "tests_old/test_c.py"]
        );
        assert_eq!(t("npx jest", ""), ["web/a.test.ts"]);
        assert!(t("pytest missing", "").is_empty());
        // A shell glob: the test files it matches, from the workdir; `*` stays in its folder.
        assert_eq!(t("python -m pytest -vv test_*.py", ""), ["test_top.py"]);
        assert_eq!(t("pytest tests/*/test_*.py", ""), ["tests/unit/test_b.py"]);
        assert_eq!(t("pytest tests/test_?.py", "svc"), ["svc/tests/test_d.py"]);
        assert!(t("pytest test_*.py", "svc").is_empty());
        // A folder written with a trailing slash is that folder.
        assert_eq!(t("pytest -q tests/ --doctest-modules", ""), ["tests/test_a.py", "tests/unit/test_b.py"]);
    }

    #[test]
    fn docker_runs_reach_images_built_and_retagged_in_other_units() {
        let cmd = |s: &str| crate::Cmd {
            argv: s.split(' ').map(String::from).collect(),
            location: Location::line(".github/workflows/ci.yml", 3),
            text: s.into(),
            workdir: String::new(),
        };
        let mut build = Box::new(Unit::new("ci:w#build".into(), Location::line("w", 1), "build"));
        build.images.insert("trainer:${{ github.sha }}".into(), "trainer/Dockerfile".into());
        build.images.insert("trainer".into(), "trainer/Dockerfile".into());
        let mut push = Box::new(Unit::new("ci:w#push".into(), Location::line("w", 5), "push"));
        push.commands.push(cmd("docker tag trainer:abc ghcr.io/acme/fit:abc"));
        let mut run = Box::new(Unit::new("ci:w#train".into(), Location::line("w", 9), "train"));
        run.commands.push(cmd("docker run --rm -e KEY ghcr.io/acme/fit:abc"));
        run.commands.push(cmd("docker run other/image:1"));
        let mut units = vec![build, push, run];
        run_images_built_elsewhere(&mut units);
        let calls: Vec<&str> = units[2].calls.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(calls, ["docker:trainer/Dockerfile"]);
        assert!(units[1].calls.is_empty(), "a tag runs nothing");
    }

    #[test]
    fn modules_named_by_an_option_are_launched() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("pipelines/churn/pipeline.py".into());
        let units = Units::default();
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        let argv = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            cx.targets(&argv("run-pipeline --module-name pipelines.churn.pipeline --role-arn x"), ""),
            vec!["file:pipelines/churn/pipeline.py"]
        );
        assert_eq!(
            cx.targets(&argv("python launch.py --pipeline-module=pipelines.churn.pipeline"), ""),
            vec!["file:pipelines/churn/pipeline.py"]
        );
        // Other options, unknown modules, and paths are not modules.
        assert!(cx.targets(&argv("run-pipeline --name pipelines.churn.pipeline"), "").is_empty());
        assert!(cx.targets(&argv("run-pipeline --module-name pipelines.other"), "").is_empty());
        // A bare module name, found in the command's working folder.
        assert_eq!(
            cx.targets(&argv("python runner.py --module-name pipeline"), "pipelines/churn"),
            vec!["file:pipelines/churn/pipeline.py"]
        );
        assert!(cx.targets(&argv("python runner.py --module-name $MODULE"), "pipelines/churn").is_empty());
        assert!(cx.targets(&argv("python runner.py --module-name pipelines/churn/pipeline"), "").is_empty());
        // A dotted module of a package kept in a subfolder: the one file
        // whose path ends that way; two such files are no answer.
        let mut repo = RepoIndex::default();
        repo.paths.insert("deploy/assets/modelbuild/pipelines/abalone/pipeline.py".into());
        repo.paths.insert("deploy/assets/modelbuild/pipelines/churn/pipeline.py".into());
        repo.paths.insert("other/pipelines/churn/pipeline.py".into());
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        assert_eq!(
            cx.targets(&argv("run-pipeline --module-name pipelines.abalone.pipeline"), ""),
            vec!["file:deploy/assets/modelbuild/pipelines/abalone/pipeline.py"]
        );
        assert!(cx.targets(&argv("run-pipeline --module-name pipelines.churn.pipeline"), "").is_empty());
        assert!(cx.targets(&argv("run-pipeline --module-name pipeline"), "").is_empty());
        // Any dotted module given to a launcher that imports by name.
        let mut repo = RepoIndex::default();
        repo.paths.insert("pipelines/churn/pipeline.py".into());
        repo.paths.insert("launch.py".into());
        repo.paths.insert("plain.py".into());
        repo.texts.insert("launch.py".into(), "import importlib, sys\nmod = importlib.import_module(sys.argv[2])\n".into());
        repo.texts.insert("plain.py".into(), "import sys\n# importlib.import_module(sys.argv[2])\nprint(sys.argv)\n".into());
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        assert_eq!(
            cx.targets(&argv("python launch.py -n pipelines.churn.pipeline"), ""),
            vec!["file:launch.py", "file:pipelines/churn/pipeline.py"]
        );
        assert_eq!(cx.targets(&argv("python plain.py -n pipelines.churn.pipeline"), ""), vec!["file:plain.py"]);
    }

    #[test]
    fn cdk_deploy_reaches_its_app() {
        let mut repo = RepoIndex::default();
        for (p, t) in [
            ("serving/cdk.json", r#"{"app": "npx ts-node bin/main.ts"}"#),
            ("serving/bin/main.ts", "new EndpointStack(app, 'E');"),
            ("serving/lib/endpoint-stack.ts", "new sagemaker.CfnEndpoint(this, 'E', {});"),
            ("serving/lib/endpoint-stack.test.ts", ""),
            ("serving/node_modules/x/index.js", ""),
            ("infra_py/cdk.json", r#"{"app": "python3 app.py"}"#),
            ("infra_py/app.py", "app.synth()"),
            ("infra_py/stacks/other.py", ""),
        ] {
            repo.paths.insert(p.into());
            repo.texts.insert(p.into(), t.into());
        }
        // The app's modules come from the path set (a module whose text the
        // scan dropped is still the app's), not templates or seed folders.
        for p in ["serving/lib/naming.ts", "serving/{{cookiecutter.stage}}/stack.ts", "serving/samples/demo/stack.ts"] {
            repo.paths.insert(p.into());
        }
        repo.seed_dirs.insert("serving/samples".into());
        let units = Units::default();
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        let argv = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            cx.targets(&argv("yarn cdk deploy --require-approval never"), "serving"),
            vec!["file:serving/bin/main.ts", "file:serving/lib/endpoint-stack.ts", "file:serving/lib/naming.ts"]
        );
        // From a subfolder of the app, and a Python app (its imports are followed later).
        assert_eq!(cx.targets(&argv("npx cdk deploy"), "infra_py/stacks"), vec!["file:infra_py/app.py"]);
        // No cdk.json up the tree, or not a deploy.
        assert!(cx.targets(&argv("npx cdk deploy"), "elsewhere").is_empty());
        assert!(cx.targets(&argv("npx cdk synth"), "serving").is_empty());
    }

    #[test]
    fn absolute_image_paths_resolve_to_the_longest_repo_suffix() {
        let mut repo = RepoIndex::default();
        for p in ["train.py", "dags/scripts/train.py", "scripts/eval.py"] {
            repo.paths.insert(p.into());
        }
        let units = Units::default();
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        assert_eq!(cx.resolve_path("", "/opt/airflow/dags/scripts/train.py").as_deref(), Some("dags/scripts/train.py"));
        assert_eq!(cx.resolve_path("", "/app/train.py").as_deref(), Some("train.py"));
        // Component-wise: `xscripts/eval.py` is not `scripts/eval.py`.
        assert_eq!(cx.resolve_path("", "/opt/xscripts/eval.py"), None);
        assert_eq!(cx.resolve_path("", "/usr/bin/serve.py"), None);
    }

    #[test]
    fn a_launch_selecting_another_action_than_training_is_told_apart() {
        let argv = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(selected_action(&argv("python style/cli.py eval --model m.pth")).as_deref(), Some("eval"));
        assert_eq!(selected_action(&argv("python -m pkg.cli predict")).as_deref(), Some("predict"));
        assert_eq!(selected_action(&argv("python main.py --mode test --ckpt x")).as_deref(), Some("test"));
        assert_eq!(selected_action(&argv("python main.py --phase=infer")).as_deref(), Some("infer"));
        assert_eq!(selected_action(&argv("python run_glue.py --do_eval --model_name_or_path m")).as_deref(), Some("do_eval"));
        assert_eq!(selected_action(&argv("python run.py --pipeline batch_inference")).as_deref(), Some("batch_inference"));
        assert_eq!(selected_action(&argv("python -m flows.run --job=score")).as_deref(), Some("score"));
        // Training switches, argument files and plain runs select nothing else.
        assert_eq!(selected_action(&argv("python run_glue.py --do_train --do_eval")), None);
        assert_eq!(selected_action(&argv("python run_glue.py args.json --do_eval")), None);
        assert_eq!(selected_action(&argv("python train.py --epochs 3")), None);
        assert_eq!(selected_action(&argv("python train.py data/x.csv")), None);
        assert_eq!(selected_action(&argv("make eval")), None);

        let argparse = "import argparse\np = argparse.ArgumentParser()\nsub = p.add_subparsers(dest='cmd')\nsub.add_parser(\"train\")\nsub.add_parser('eval')\n";
        assert_eq!(dispatched_actions(argparse), ["eval", "train"]);
        let click = "import click\n@click.group()\ndef cli():\n    pass\n\n@cli.command()\n@click.option('--n')\ndef train(n):\n    pass\n\n@cli.command(name=\"predict\")\ndef run_predict():\n    pass\n";
        assert_eq!(dispatched_actions(click), ["predict", "train"]);
        let modes = "if args.mode == 'train':\n    fit()\nelif args.mode == \"test\":\n    test()\n# if args.mode == 'serve':\n";
        assert_eq!(dispatched_actions(modes), ["test", "train"]);
        let pipelines = "if pipeline == \"training\":\n    from pipelines.training import run\nelif args.pipeline_name == 'batch_inference':\n    from pipelines.batch import run\n";
        assert_eq!(dispatched_actions(pipelines), ["batch-inference", "training"]);
        let fire =
            "import fire\n\ndef train(lr=0.1):\n    pass\n\ndef evaluate(path):\n    pass\n\nif __name__ == '__main__':\n    fire.Fire()\n";
        assert_eq!(dispatched_actions(fire), ["evaluate", "train"]);
        // Fire imported but not called exposes nothing.
        assert!(dispatched_actions(&fire.replace("    fire.Fire()\n", "    train()\n").replace("import fire", "from fire import Fire"))
            .is_empty());
        let hf = "if training_args.do_train:\n    trainer.train()\nif training_args.do_eval:\n    trainer.evaluate()\n";
        assert_eq!(dispatched_actions(hf), ["do-eval", "do-train"]);

        let actions = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(selects_other_than_training("eval", &actions(&["eval", "train"])));
        assert!(selects_other_than_training("do_eval", &actions(&["do-eval", "do-train"])));
        // The training action itself, an action running every stage, or a
        // word the program does not dispatch on.
        assert!(!selects_other_than_training("train", &actions(&["eval", "train"])));
        assert!(!selects_other_than_training("all", &actions(&["all", "eval", "train"])));
        assert!(!selects_other_than_training("eval", &actions(&["eval", "predict"])));
        assert!(!selects_other_than_training("data", &actions(&["eval", "train"])));
        assert!(!selects_other_than_training("finetune", &actions(&["eval", "finetune"])));
    }

    #[test]
    fn one_epoch_and_fast_dev_runs_are_smoke_runs() {
        let argv = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        for smoke in [
            "python train.py --epochs 1 --imgsz 64",
            "python -m src.train trainer.max_epochs=1 logger=csv",
            "python src/train.py +trainer.fast_dev_run=true",
            "accelerate launch finetune.py --num-train-epochs=1",
            "python train.py --smoke-test",
            // The usage only.
            "python train.py --help",
            "python -m pkg.train -h",
        ] {
            assert!(is_smoke_run(&argv(smoke)), "{smoke}");
        }
        for real in [
            "python train.py --epochs 10",
            "python train.py --epochs",
            "python train.py",
            "pytest tests --epochs 1",
            "python train.py --seed 1",
            "python train.py -h 64 --epochs 5",
            "make help",
            "python release/promote.py --version 3",
        ] {
            assert!(!is_smoke_run(&argv(real)), "{real}");
        }
    }

    #[test]
    fn absolute_paths_in_a_container_with_a_mounted_folder() {
        let mut repo = RepoIndex::default();
        for p in ["backend/scripts/test.sh", "backend/tests-start.sh", "a/run.sh", "b/run.sh"] {
            repo.paths.insert(p.into());
        }
        let units = Units::default();
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        // `./backend` mounted at `/app`.
        assert_eq!(cx.resolve_path("", "/app/scripts/test.sh").as_deref(), Some("backend/scripts/test.sh"));
        assert_eq!(cx.resolve_path("", "/app/tests-start.sh").as_deref(), Some("backend/tests-start.sh"));
        // Deeper than one mount component, or two candidates: nothing.
        assert_eq!(cx.resolve_path("", "/usr/src/scripts/test.sh"), None);
        assert_eq!(cx.resolve_path("", "/app/run.sh"), None);
    }

    #[test]
    fn launched_references_that_lead_nowhere_are_reported() {
        let mut repo = RepoIndex::default();
        for p in ["ci.yml", "train.py", "tools/never_run.sh"] {
            repo.paths.insert(p.into());
        }
        let cmd = |argv: &[&str], line: u32| crate::Cmd {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            location: Location::line("ci.yml", line),
            text: argv.join(" "),
            workdir: String::new(),
        };
        let mut root = Unit::new("ci:ci.yml#job".into(), Location::line("ci.yml", 1), "job");
        root.root = true;
        root.commands = vec![
            cmd(&["python", "train.py"], 2),
            cmd(&["python", "$ENTRY"], 3),
            cmd(&["bash", "scripts/gone.sh"], 4),
            cmd(&["az", "ml", "job", "create", "-f", "${{", "parameters.job", "}}"], 5),
            cmd(&["source", "venv/bin/activate"], 6),
            cmd(&["python", "/opt/app/serve.py"], 7),
            cmd(&["pip", "install", "-r", "requirements.txt"], 8),
            // After `cd "$BASE/$PKG"`: the folder is unknown, and the report says so.
            crate::Cmd { workdir: "$BASE/$PKG".into(), ..cmd(&["python", "setup.py", "sdist"], 9) },
        ];
        // Not launched by anything: its unfollowed reference hides no practice.
        let mut idle = Unit::new("file:tools/never_run.sh".into(), Location::line("tools/never_run.sh", 1), "x");
        idle.commands = vec![crate::Cmd { location: Location::line("tools/never_run.sh", 2), ..cmd(&["python", "$X"], 2) }];
        let l = link(&repo, vec![root, idle], vec![]);
        let lines: Vec<(String, u32)> = l.unresolved.iter().map(|i| (i.path.clone(), i.line.unwrap())).collect();
        assert_eq!(
            lines,
            vec![("ci.yml".into(), 3), ("ci.yml".into(), 4), ("ci.yml".into(), 5), ("ci.yml".into(), 9)],
            "{:?}",
            l.unresolved
        );
        assert!(!l.unresolved[1].message.contains("named at run time"), "{}", l.unresolved[1].message);
        assert!(l.unresolved[3].message.contains("runs in `$BASE/$PKG`, a folder named at run time"), "{}", l.unresolved[3].message);
        assert!(l.unresolved[0].message.contains("`ENTRY`"), "{}", l.unresolved[0].message);
        assert!(l.unresolved[1].message.contains("`scripts/gone.sh` is not a file of the repository"));
        assert!(l.unresolved[2].message.contains("`parameters.job`"), "{}", l.unresolved[2].message);
    }

    /// Two stages of one Jenkinsfile: `Watch` runs a monitor, `Refit` runs
    /// `fit.py` at line `fit_line` under a drift gate spanning lines 9-11.
    /// Returns the triggers of each derived gated retrain link.
    fn drift_gated(fit_line: u32, with_monitor: bool, triggers: &[&str]) -> Vec<String> {
        let repo = RepoIndex::default();
        let stage = |id: &str, target: &str, line: u32| {
            let mut u = Unit::new(id.into(), Location::new("Jenkinsfile", line - 1, line + 4), id);
            u.root = true;
            u.triggers = triggers.iter().map(|t| t.to_string()).collect();
            u.calls.push((target.into(), Location::line("Jenkinsfile", line)));
            u
        };
        let units = vec![
            stage("ci:Jenkinsfile#Watch", "file:watch.py", 3),
            stage("ci:Jenkinsfile#Refit", "file:fit.py", fit_line),
            Unit::new("file:watch.py".into(), Location::line("watch.py", 1), "w"),
            Unit::new("file:fit.py".into(), Location::line("fit.py", 1), "f"),
        ];
        let mut ev = vec![
            (
                Evidence::new("ci.drift-gate", "jenkins", Location::new("Jenkinsfile", 9, 11), Confidence::Medium, "cfg.drift_score > 5"),
                Some("ci:Jenkinsfile#Refit".to_string()),
            ),
            (
                Evidence::new("code.train", "python", Location::line("fit.py", 4), Confidence::Medium, "m.fit(x, y)"),
                Some("file:fit.py".into()),
            ),
        ];
        if with_monitor {
            ev.push((
                Evidence::new("code.monitor", "python", Location::line("watch.py", 2), Confidence::Medium, "Report()"),
                Some("file:watch.py".into()),
            ));
        }
        let l = link(&repo, units, ev);
        l.evidence
            .iter()
            .filter(|e| e.kind == "link.retrain-on-alert")
            .inspect(|e| assert_eq!(e.attrs.get("gate"), Some("ci-condition")))
            .map(|e| e.attrs.get("triggers").map(str::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_drift_gate_over_training_with_a_monitor_in_the_same_definition_is_a_retrain_link() {
        assert_eq!(drift_gated(10, true, &["push"]), vec!["push".to_string()]);
        assert_eq!(drift_gated(10, true, &["schedule"]), vec!["schedule".to_string()]);
    }

    #[test]
    fn training_outside_the_gated_lines_or_no_monitor_is_no_retrain_link() {
        // The training command is in the stage but after the gated block.
        assert!(drift_gated(13, true, &["push"]).is_empty());
        // Gated training, but nothing in the definition monitors.
        assert!(drift_gated(10, false, &["push"]).is_empty());
    }

    fn linked_reach(loader_src: &str) -> Option<String> {
        let mut repo = RepoIndex::default();
        for (p, t) in [("fit.py", loader_src), ("nets/model.py", "def build():\n    pass\n")] {
            repo.paths.insert(p.into());
            repo.texts.insert(p.into(), t.into());
        }
        let mut root = Unit::new("ci:w#fit".into(), Location::line("w", 1), "fit");
        root.root = true;
        root.triggers.insert("push".into());
        let argv: Vec<String> = "python fit.py data.csv nets/model.py 20".split(' ').map(String::from).collect();
        root.commands.push(crate::Cmd { argv, location: Location::line("w", 3), text: String::new(), workdir: String::new() });
        let units = vec![
            root,
            Unit::new("file:fit.py".into(), Location::line("fit.py", 1), "fit.py"),
            Unit::new("file:nets/model.py".into(), Location::line("nets/model.py", 1), "m"),
        ];
        let ev = vec![(
            Evidence::new("code.train", "python", Location::line("nets/model.py", 2), Confidence::Medium, "x"),
            Some("file:nets/model.py".to_string()),
        )];
        let l = link(&repo, units, ev);
        l.evidence.iter().find(|e| e.kind == "code.train").and_then(|e| e.attrs.get("reached").map(str::to_string))
    }

    /// A training job and a deploy job of one run; `deploy_after` is what
    /// the deploy job names as running before it.
    fn deploy_after_training(deploy_after: &[&str], triggers: &[&str]) -> Option<String> {
        let repo = RepoIndex::default();
        let job = |id: &str, line: u32, target: &str| {
            let mut u = Unit::new(id.into(), Location::line("p.yml", line), id);
            u.root = true;
            u.triggers = triggers.iter().map(|t| t.to_string()).collect();
            u.calls.push((target.into(), Location::line("p.yml", line + 1)));
            u
        };
        let mut deploy = job("ci:p.yml#ship", 10, "file:ship.py");
        deploy.after = deploy_after.iter().map(|a| a.to_string()).collect();
        let units = vec![
            job("ci:p.yml#check", 1, "file:lint.py"),
            job("ci:p.yml#fit", 5, "file:fit.py"),
            deploy,
            Unit::new("file:fit.py".into(), Location::line("fit.py", 1), "fit.py"),
            Unit::new("file:ship.py".into(), Location::line("ship.py", 1), "ship.py"),
        ];
        let ev = vec![
            (Evidence::new("code.train", "python", Location::line("fit.py", 2), Confidence::High, "x"), Some("file:fit.py".into())),
            (Evidence::new("code.deploy", "python", Location::line("ship.py", 2), Confidence::High, "y"), Some("file:ship.py".into())),
        ];
        let l = link(&repo, units, ev);
        l.evidence.iter().find(|e| e.kind == "code.deploy").and_then(|e| e.attrs.get("after_training").map(str::to_string))
    }

    /// A workflow whose job runs `opener_runs` and opens a pull request, and
    /// a workflow started by `deploy_triggers` that deploys.
    fn deploy_after_pull_request(opener_triggers: &[&str], opener_runs: &str, deploy_triggers: &[&str]) -> Option<String> {
        let repo = RepoIndex::default();
        let job = |id: &str, triggers: &[&str], target: &str| {
            let mut u = Unit::new(id.into(), Location::line("w.yml", 1), id);
            u.root = true;
            u.triggers = triggers.iter().map(|t| t.to_string()).collect();
            u.calls.push((target.into(), Location::line("w.yml", 2)));
            u
        };
        let units = vec![
            job("ci:a.yml#fit", opener_triggers, opener_runs),
            job("ci:b.yml#ship", deploy_triggers, "file:ship.py"),
            Unit::new("file:fit.py".into(), Location::line("fit.py", 1), "fit.py"),
            Unit::new("file:lint.py".into(), Location::line("lint.py", 1), "lint.py"),
            Unit::new("file:ship.py".into(), Location::line("ship.py", 1), "ship.py"),
        ];
        let ev = vec![
            (Evidence::new("code.train", "python", Location::line("fit.py", 2), Confidence::High, "x"), Some("file:fit.py".into())),
            (
                Evidence::new("run.open-pull-request", "github-actions", Location::line("a.yml", 9), Confidence::High, "pr"),
                Some("ci:a.yml#fit".into()),
            ),
            (Evidence::new("code.deploy", "python", Location::line("ship.py", 2), Confidence::High, "y"), Some("file:ship.py".into())),
        ];
        let l = link(&repo, units, ev);
        l.evidence.iter().find(|e| e.kind == "code.deploy").and_then(|e| e.attrs.get("after_training").map(str::to_string))
    }

    #[test]
    fn pull_request_builds_run_after_the_training_run_that_opened_the_pull_request() {
        assert_eq!(deploy_after_pull_request(&["push"], "file:fit.py", &["pull_request"]).as_deref(), Some("yes"));
        // The run that opens the pull request trains nothing.
        assert_eq!(deploy_after_pull_request(&["push"], "file:lint.py", &["pull_request"]), None);
        // Only a person starts the training run.
        assert_eq!(deploy_after_pull_request(&["manual"], "file:fit.py", &["pull_request"]), None);
        // The deploying workflow is not started by pull requests.
        assert_eq!(deploy_after_pull_request(&["push"], "file:fit.py", &["tag"]), None);
    }

    #[test]
    fn deploys_that_run_after_a_training_job_are_chained_to_it() {
        assert_eq!(deploy_after_training(&["ci:p.yml#fit"], &["pull_request"]).as_deref(), Some("yes"));
        // After a job that does not train.
        assert_eq!(deploy_after_training(&["ci:p.yml#check"], &["pull_request"]), None);
        // Not ordered after the training job: parallel jobs of one run.
        assert_eq!(deploy_after_training(&[], &["push"]), None);
        // A run only a person starts is not an automatic release.
        assert_eq!(deploy_after_training(&["ci:p.yml#fit"], &["manual"]), None);
    }

    #[test]
    fn predict_module_logs_count_only_under_an_online_importer() {
        let scoring = |path: &str, style: &str| {
            (Evidence::new("code.scoring", "python", Location::line(path, 1), Confidence::Medium, "x").attr("style", style), None)
        };
        let plog = (
            Evidence::new("code.prediction-log", "python", Location::line("svc/model.py", 5), Confidence::Medium, "x")
                .attr("online", "via-import"),
            None,
        );
        let run = |importer_style: &str| {
            let mut api = Unit::new("file:svc/api.py".into(), Location::line("svc/api.py", 1), "api");
            api.calls.push(("file:svc/model.py".into(), Location::line("svc/api.py", 2)));
            let units = vec![api, Unit::new("file:svc/model.py".into(), Location::line("svc/model.py", 1), "m")];
            let ev = vec![scoring("svc/api.py", importer_style), scoring("svc/model.py", "predict-function"), plog.clone()];
            link(&RepoIndex::default(), units, ev).evidence.iter().filter(|e| e.kind == "code.prediction-log").count()
        };
        assert_eq!(run("api"), 1);
        // Imported only by a batch job: no service records anything.
        assert_eq!(run("batch-job"), 0);
    }

    #[test]
    fn python_files_handed_to_a_path_loader_run() {
        let src = "import sys, importlib.util\nspec = importlib.util.spec_from_file_location('m', sys.argv[2])\n";
        assert_eq!(linked_reach(src).as_deref(), Some("yes"));
        // Only a comment or docstring mentions the loader: the argument is just data.
        let src = "import sys\n# importlib.util.spec_from_file_location(name, path)\n\"\"\"runpy.run_path(p)\"\"\"\nopen(sys.argv[2])\n";
        assert!(!loads_code_from_paths(src));
        assert_eq!(linked_reach(src), None);
    }

    /// One piece of test evidence: kind, path and attributes.
    type Ev<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

    fn covers_of(ev: Vec<Ev>) -> Vec<(String, String)> {
        covering(ev).iter().map(|e| (e.location.path.to_string(), e.attrs.get("area").map(str::to_string).unwrap_or_default())).collect()
    }

    /// The `test.covers` derived from `ev`.
    fn covering(ev: Vec<Ev>) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = ev
            .into_iter()
            .map(|(kind, path, attrs)| {
                let mut e = Evidence::new(kind, "t", Location::line(path, 1), Confidence::High, "x");
                for (k, v) in attrs {
                    e.attrs.insert(k, v);
                }
                e
            })
            .collect();
        let mut owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
        derive_test_covers(&mut out, &mut owner, &Units::default(), false);
        out.retain(|e| e.kind == "test.covers");
        out
    }

    /// A `conftest.py` fixture that loads the model covers the model for the
    /// tests of its folder, launched as they are (not as the fixture is).
    #[test]
    fn conftest_fixtures_loading_the_model_cover_it_as_their_tests_run() {
        let covers = covering(vec![
            ("code.load-model", "tests/conftest.py", &[("in_test", "true"), ("reached", "no")]),
            ("test.case", "tests/test_model.py", &[("framework", "pytest"), ("reached", "yes"), ("triggers", "push")]),
        ]);
        let attrs: Vec<(&str, &str)> = covers.iter().flat_map(|e| e.attrs.iter()).collect();
        assert_eq!(attrs, [("area", "model"), ("module", "tests/conftest.py"), ("reached", "yes"), ("triggers", "push")]);
        assert_eq!(covers[0].location.path, "tests/conftest.py");
    }

    #[test]
    fn collected_tests_calling_the_deployed_endpoint_cover_scoring() {
        let covers = covers_of(vec![
            ("test.case", "tests/test_live.py", &[("framework", "pytest")]),
            ("code.invoke-endpoint", "tests/test_live.py", &[("in_test", "true")]),
        ]);
        assert_eq!(covers, vec![("tests/test_live.py".to_string(), "scoring".to_string())]);
        // A smoke script no runner collects covers nothing (it is partial, by rule).
        let covers = covers_of(vec![("code.invoke-endpoint", "ops/smoke_check.py", &[("in_test", "true")])]);
        assert!(covers.is_empty(), "{covers:?}");
    }

    #[test]
    fn helper_modules_of_the_test_suite_are_not_covered_code() {
        let covers = covers_of(vec![
            ("test.case", "checks/test_flow.py", &[("framework", "pytest")]),
            ("test.imports", "checks/test_flow.py", &[("module", "tests/support/names.py"), ("names", "make_name")]),
        ]);
        assert!(covers.is_empty(), "{covers:?}");
        // The same import from application code is covered application code.
        let covers = covers_of(vec![
            ("test.case", "checks/test_flow.py", &[("framework", "pytest")]),
            ("test.imports", "checks/test_flow.py", &[("module", "tools/names.py"), ("names", "make_name")]),
        ]);
        assert_eq!(covers, vec![("checks/test_flow.py".to_string(), "app".to_string())]);
    }

    #[test]
    fn tests_cover_training_only_through_the_names_that_reach_it() {
        let module: &[(&str, &str)] = &[("framework", "sklearn"), ("defs", "fit_model,main")];
        let helper = covers_of(vec![
            ("code.train", "src/learn.py", module),
            ("test.imports", "tests/test_learn.py", &[("module", "src/learn.py"), ("names", "split_xy"), ("ml_framework", "sklearn")]),
        ]);
        assert_eq!(helper, vec![("tests/test_learn.py".to_string(), "features".to_string())]);
        // The test uses a name that reaches the fit, or the whole module.
        for names in [&[("names", "split_xy,main")][..], &[]] {
            let mut attrs = vec![("module", "src/learn.py")];
            attrs.extend_from_slice(names);
            let covers = covers_of(vec![("code.train", "src/learn.py", module), ("test.imports", "tests/test_learn.py", &attrs)]);
            assert_eq!(covers, vec![("tests/test_learn.py".to_string(), "training".to_string())], "{names:?}");
        }
        // Training at module level runs on import, whatever name is used.
        let covers = covers_of(vec![
            ("code.train", "src/learn.py", &[("framework", "sklearn")]),
            ("test.imports", "tests/test_learn.py", &[("module", "src/learn.py"), ("names", "split_xy")]),
        ]);
        assert_eq!(covers, vec![("tests/test_learn.py".to_string(), "training".to_string())]);
    }

    #[test]
    fn prediction_scripts_need_a_model_loaded_through_their_imports() {
        let unit = |path: &str, calls: &[&str]| {
            let mut u = Unit::new(format!("file:{path}"), Location::line(path, 1), path);
            u.calls = calls.iter().map(|c| (format!("file:{c}"), Location::line(path, 1))).collect();
            (u.id.clone(), u)
        };
        let candidate = Evidence::new("code.scoring", "python", Location::line("tools/predict.py", 8), Confidence::Low, "x")
            .attr("style", "batch-script")
            .attr("model", "via-import");
        let loader = Evidence::new("code.load-model", "python", Location::line("pkg/ckpt.py", 3), Confidence::High, "x");
        let units: Units =
            [unit("tools/predict.py", &["pkg/runner.py"]), unit("pkg/runner.py", &["pkg/net.py"]), unit("pkg/net.py", &["pkg/ckpt.py"])]
                .into_iter()
                .collect();
        let run = |ev: Vec<Evidence>, units: &Units| -> usize {
            let mut out = ev;
            let mut owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
            confirm_model_loaded_via_import(&mut out, &mut owner, units);
            assert_eq!(out.len(), owner.len());
            out.iter().filter(|e| e.kind == "code.scoring").count()
        };
        // Three imports away: kept, with the module the model comes through.
        assert_eq!(run(vec![candidate.clone(), loader.clone()], &units), 1);
        let mut out = vec![candidate.clone(), loader.clone()];
        let mut owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
        confirm_model_loaded_via_import(&mut out, &mut owner, &units);
        assert_eq!(out[0].attrs.get("via"), Some("pkg/runner.py"));
        // A test of that module tests the scoring code behind the program.
        out.push(
            Evidence::new("test.imports", "t", Location::line("tests/test_runner.py", 1), Confidence::High, "x")
                .attr("module", "pkg/runner.py"),
        );
        owner.push("file:tests/test_runner.py".into());
        derive_test_covers(&mut out, &mut owner, &units, false);
        assert!(out.iter().any(|e| e.kind == "test.covers" && e.attrs["area"] == *"scoring" && e.attrs["module"] == *"pkg/runner.py"));
        // No module loads a model, or only a test does: dropped.
        assert_eq!(run(vec![candidate.clone()], &units), 0);
        assert_eq!(run(vec![candidate.clone(), loader.clone().attr("in_test", "true")], &units), 0);
        // Four imports away is too far.
        let mut far = units.clone();
        far.insert("file:pkg/net.py".into(), unit("pkg/net.py", &["pkg/wrap.py"]).1);
        far.insert("file:pkg/wrap.py".into(), unit("pkg/wrap.py", &["pkg/ckpt.py"]).1);
        assert_eq!(run(vec![candidate, loader], &far), 0);
    }

    #[test]
    fn tests_of_a_services_model_loader_test_its_loading_only() {
        let mut app = Unit::new("file:svc/app.py".into(), Location::line("svc/app.py", 1), "app");
        app.calls = vec![("file:svc/store.py".into(), Location::line("svc/app.py", 2))];
        let units: Units = [(app.id.clone(), app)].into_iter().collect();
        let covers = |loader_kind: &str| -> Vec<(String, Option<String>)> {
            let mut out = vec![
                Evidence::new("code.scoring", "python", Location::line("svc/app.py", 9), Confidence::High, "x").attr("style", "api"),
                Evidence::new(loader_kind, "python", Location::line("svc/store.py", 4), Confidence::High, "x"),
                Evidence::new("test.imports", "t", Location::line("tests/test_store.py", 1), Confidence::High, "x")
                    .attr("module", "svc/store.py"),
            ];
            let mut owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
            derive_test_covers(&mut out, &mut owner, &units, false);
            out.iter()
                .filter(|e| e.kind == "test.covers" && e.attrs["area"] == *"scoring")
                .map(|e| (e.attrs["module"].to_string(), e.attrs.get("scoring").map(str::to_string)))
                .collect()
        };
        assert_eq!(covers("code.load-model"), vec![("svc/store.py".to_string(), Some("model-loading".to_string()))]);
        // A helper of the service that loads no model is application code.
        assert!(covers("code.track").is_empty());
    }

    #[test]
    fn tests_of_a_checkpoint_evaluation_entry_point_are_marked() {
        let marked = |style: &str| -> Vec<Option<String>> {
            let mut out = vec![
                Evidence::new("test.imports", "t", Location::line("tests/test_check.py", 1), Confidence::High, "x")
                    .attr("module", "pkg/check.py"),
                Evidence::new("code.scoring", "t", Location::line("pkg/check.py", 9), Confidence::Medium, "x").attr("style", style),
            ];
            let mut owner: Vec<OwnerId> = out.iter().map(|e| format!("file:{}", e.location.path).into()).collect();
            derive_test_covers(&mut out, &mut owner, &Units::default(), false);
            out.iter()
                .filter(|e| e.kind == "test.covers" && e.attrs.get("area").is_some_and(|a| a == "scoring"))
                .map(|e| e.attrs.get("scoring").map(str::to_string))
                .collect()
        };
        assert_eq!(marked("checkpoint-eval"), vec![Some("checkpoint-eval".to_string())]);
        // A real entry point in the module is scoring code, unmarked.
        assert_eq!(marked("predict-function"), vec![None]);
    }

    #[test]
    fn workdirs_the_repository_does_not_hold_are_the_checkout_root() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("service/tests/test_api.py".into());
        assert_eq!(effective_workdir(&repo, "service"), "service");
        assert_eq!(effective_workdir(&repo, "cloned-copy"), "");
        assert_eq!(effective_workdir(&repo, "$CHECKOUT/service"), "");
    }

    #[test]
    fn paths_under_a_variable_folder_resolve_to_the_longest_repo_suffix() {
        let mut repo = RepoIndex::default();
        for p in ["ops/build.py", "build.py", "src/fit.py"] {
            repo.paths.insert(p.into());
        }
        let units = Units::default();
        let cx = Ctx::new(&repo, &units, BTreeSet::new());
        assert_eq!(cx.resolve_path("", "$(Agent.TempDirectory)/copy/ops/build.py").as_deref(), Some("ops/build.py"));
        assert_eq!(cx.resolve_path("", "${WORK}/src/fit.py").as_deref(), Some("src/fit.py"));
        assert_eq!(cx.resolve_path("", "$HOME/x/build.py").as_deref(), Some("build.py"));
        // Another variable further on, or no file of that name: unresolved.
        assert_eq!(cx.resolve_path("", "$(A)/$(B)/fit.py"), None);
        assert_eq!(cx.resolve_path("", "$(A)/src/other.py"), None);
        assert_eq!(cx.resolve_path("", "$(A)"), None);
    }
}
