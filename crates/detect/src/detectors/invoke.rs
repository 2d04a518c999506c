//! pyinvoke: the `@task` functions of a module that imports `invoke`
//! (`tasks.py`, or the modules of a `tasks/` package), the shell commands
//! they `ctx.run(...)`, the tasks they run before and after them, and the
//! collections a namespace adds.
//!
//! Units:
//! - `invoke:<path>#<name>`: a task, named as the command line names it
//!   (`name=` of the decorator, else the function's name with `_` as `-`);
//! - `invoke:<path>#`: the module's default task (`default=True`);
//! - `invoke:<path>#<collection>`: a collection the namespace adds
//!   (`Collection(mod)`, `ns.add_collection(mod, name=...)`,
//!   `Collection.from_module(mod)`), calling the module's default unit; the
//!   linker reads `invoke coll.task` through it.
//!
//! A task's commands run in the folder the tasks are loaded from (invoke's
//! working directory): the folder holding `tasks.py` or the `tasks/`
//! package. Comments, docstrings and commands given as variables are not
//! evidence. Example: `@task(pre=[lint])\ndef test(c):\n    c.run("pytest -q")`
//! -> unit `invoke:tasks.py#test` calling `invoke:tasks.py#lint`, `run.tests`.

use super::add_shell;
use crate::evidence::Location;
use crate::pylex;
use crate::{Detector, FileCtx, Output, Unit};
use regex::bytes::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The pyinvoke detector.
pub struct Invoke;

const NAME: &str = "invoke";

/// A module that imports invoke (its tasks, or its `Collection`).
static IMPORTS_INVOKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)(?m)^[ \t]*(?:from[ \t]+invoke(?:\.\w+)*[ \t]+import\b|import[ \t]+invoke\b)").unwrap());
/// `@task` / `@invoke.task` at the top level, and its `(` when it has arguments.
static DECORATOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)(?m)^@(?:invoke\.)?task\b[ \t]*(\()?").unwrap());
/// A top-level function: its name and first parameter.
static DEF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)(?m)^(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\([ \t\n]*(\w+)?").unwrap());
/// A call of a plain or dotted name, and its first argument's name.
static CALL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)(?:^|[^\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\([ \t\n]*(\w+)").unwrap());
/// `<ctx>.run(` / `<ctx>.sudo(`.
static RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(\w+)\.(?:run|sudo)\(").unwrap());
/// A string literal (any prefix: `f`, `r`), its contents.
static STR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)[A-Za-z]{0,2}(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')"#).unwrap());
/// A dotted name (a task reference in `pre=[...]`).
static DOTTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)^[ \t\n]*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)[ \t\n]*$").unwrap());
/// Collections added to a namespace.
static COLLECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b(?:add_collection|Collection\.from_module|Collection)\(").unwrap());
static KW_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)^[ \t\n]*name[ \t]*=[ \t]*['"]([^'"]+)['"]"#).unwrap());
static KW_DEFAULT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)^[ \t\n]*default[ \t]*=[ \t]*True\b").unwrap());

/// The name a task function gets on the command line (`auto_dash_names`).
pub fn task_name(function: &str) -> String {
    function.trim_matches('_').replace('_', "-")
}

/// The top-level arguments of a call whose text `args` starts after its `(`
/// and ends before its `)`.
fn split_args(args: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = args;
    while !rest.is_empty() {
        let end = pylex::top_level_comma(rest).unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = rest.get(end + 1..).unwrap_or(&[]);
    }
    out
}

/// The items of a `[a, b]` / `(a, b)` list argument.
fn list_items(arg: &[u8]) -> Vec<&[u8]> {
    let t = arg.trim_ascii();
    match (t.first(), t.last()) {
        (Some(b'[' | b'('), Some(b']' | b')')) => split_args(&t[1..t.len() - 1]),
        _ => Vec::new(),
    }
}

/// The text of the string literals at the start of `arg` (adjacent ones
/// joined), or `None` when it is not a literal (a variable, a call, a
/// concatenation with one).
fn literal(arg: &[u8]) -> Option<String> {
    let t = arg.trim_ascii();
    let mut text = String::new();
    let mut at = 0;
    while at < t.len() {
        let m = STR.captures_at(t, at).filter(|c| c.get(0).unwrap().start() == at)?;
        let body = m.get(1).or(m.get(2)).map(|b| b.as_bytes()).unwrap_or(&[]);
        text.push_str(&String::from_utf8_lossy(body));
        at = m.get(0).unwrap().end();
        while at < t.len() && t[at].is_ascii_whitespace() {
            at += 1;
        }
    }
    (!text.is_empty()).then_some(text)
}

impl Detector for Invoke {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path.ends_with(".py")
    }
    fn screen(&self) -> &'static [&'static str] {
        &["invoke"]
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        // Most files the screen passes name invoke in other words
        // (`invoke_endpoint`): the import is looked for before masking, and
        // again after, so one in a comment or docstring does not count.
        if !IMPORTS_INVOKE.is_match(f.text.as_bytes()) {
            return;
        }
        let masked = pylex::mask(f.text);
        let mb = masked.as_bytes();
        if !IMPORTS_INVOKE.is_match(mb) {
            return;
        }
        let idx = pylex::LineIndex::new(&masked);
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        // Commands run where invoke loads the tasks: beside `tasks.py`, or
        // beside the `tasks/` package this module belongs to.
        let workdir = match dir.rsplit_once('/') {
            _ if f.path.ends_with("/tasks.py") || f.path == "tasks.py" => dir,
            Some((up, "tasks")) => up,
            None if dir == "tasks" => "",
            _ => dir,
        };
        // A sibling module (`checks` -> `tasks/checks.py`), when it is a file.
        let sibling = |module: &str| -> Option<String> {
            [format!("{module}.py"), format!("{module}/__init__.py")]
                .into_iter()
                .map(|n| crate::paths::join(dir, &n))
                .find(|p| f.repo.exists(p))
        };
        let id = |file: &str, name: &str| format!("invoke:{file}#{name}");

        // Tasks first, so that references in `pre=` and calls resolve.
        struct Task {
            function: String,
            name: String,
            decorator: (usize, usize),
            body: (usize, usize),
            ctx: String,
            line: u32,
            default: bool,
        }
        let mut tasks: Vec<Task> = Vec::new();
        let mut after = 0;
        for c in DECORATOR.captures_iter(mb) {
            let at = c.get(0).unwrap();
            // Decorators of one function share its `def` (and a task's
            // arguments end before it).
            if at.start() < after {
                continue;
            }
            let decorator = match c.get(1) {
                Some(open) => {
                    let from = open.end();
                    (from, pylex::closing_paren(&mb[from..]).map_or(from, |e| from + e))
                }
                None => (at.end(), at.end()),
            };
            let Some(def) = DEF.captures_at(mb, decorator.1) else { break };
            let whole = def.get(0).unwrap();
            after = whole.end();
            let function = String::from_utf8_lossy(&def[1]).into_owned();
            let args = split_args(&mb[decorator.0..decorator.1]);
            let name = args
                .iter()
                .find_map(|a| KW_NAME.captures(a))
                .map(|m| String::from_utf8_lossy(&m[1]).into_owned())
                .unwrap_or_else(|| task_name(&function));
            let default = args.iter().any(|a| KW_DEFAULT.is_match(a));
            // The body: up to the next line that starts at column 0.
            let body_end = memchr::memchr_iter(b'\n', &mb[whole.end()..])
                .map(|i| whole.end() + i + 1)
                .find(|&s| mb.get(s).is_some_and(|b| !b.is_ascii_whitespace()) && !mb[s..].starts_with(b")"))
                .unwrap_or(mb.len());
            let ctx = def.get(2).map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned()).unwrap_or_default();
            let line = idx.line(whole.start());
            tasks.push(Task { function, name, decorator, body: (whole.end(), body_end), ctx, line, default });
        }
        let by_function: BTreeMap<&str, &str> = tasks.iter().map(|t| (t.function.as_str(), t.name.as_str())).collect();
        // A reference to a task: a function of this module, or `mod.fn` of a sibling module.
        let reference = |r: &[u8]| -> Option<String> {
            let c = DOTTED.captures(r)?;
            let r = std::str::from_utf8(&c[1]).ok()?;
            match r.split_once('.') {
                None => by_function.get(r).map(|n| id(f.path, n)),
                Some((module, function)) => sibling(module).map(|p| id(&p, &task_name(function))),
            }
        };

        let mut default = None;
        for t in &tasks {
            let mut u = Unit::new(id(f.path, &t.name), Location::line(f.path, t.line), &t.name);
            let loc = Location::line(f.path, t.line);
            // Positional decorator arguments and `pre=[...]` run before the
            // body; `post=[...]` after it.
            let args = split_args(&mb[t.decorator.0..t.decorator.1]);
            let mut pre = Vec::new();
            let mut post = Vec::new();
            for a in &args {
                let s = a.trim_ascii();
                if let Some(v) = s.strip_prefix(b"pre").map(<[u8]>::trim_ascii_start).and_then(|v| v.strip_prefix(b"=")) {
                    pre.extend(list_items(v).into_iter().filter_map(&reference));
                } else if let Some(v) = s.strip_prefix(b"post").map(<[u8]>::trim_ascii_start).and_then(|v| v.strip_prefix(b"=")) {
                    post.extend(list_items(v).into_iter().filter_map(&reference));
                } else if !s.contains(&b'=') {
                    pre.extend(reference(s));
                }
            }
            u.calls.extend(pre.into_iter().map(|c| (c, loc.clone())));
            let (from, to) = t.body;
            let body = &mb[from..to];
            for m in RUN.captures_iter(body) {
                if t.ctx.is_empty() || &m[1] != t.ctx.as_bytes() {
                    continue;
                }
                let open = from + m.get(0).unwrap().end();
                let Some(close) = pylex::closing_paren(&mb[open..]).map(|e| open + e) else { continue };
                let Some(first) = split_args(&mb[open..close]).into_iter().next() else { continue };
                let Some(cmd) = literal(first) else { continue };
                add_shell(&mut u, out, NAME, f.path, &cmd, idx.line(from + m.get(0).unwrap().start()), workdir);
            }
            // Tasks called from the body with its context (`lint(c)`, `checks.test(c)`).
            if !t.ctx.is_empty() {
                for m in CALL.captures_iter(body) {
                    if &m[2] == t.ctx.as_bytes() {
                        if let Some(target) = reference(&m[1]) {
                            u.calls.push((target, Location::line(f.path, idx.line(from + m.get(1).unwrap().start()))));
                        }
                    }
                }
            }
            u.calls.extend(post.into_iter().map(|c| (c, loc.clone())));
            if t.default {
                default.get_or_insert_with(|| u.id.clone());
            }
            out.units.push(u);
        }

        // Collections: `Collection(a, b)`, `ns.add_collection(a, name="x",
        // default=True)`, `Collection.from_module(a)`.
        let mut collections: BTreeMap<String, Unit> = BTreeMap::new();
        for m in COLLECTION.find_iter(mb) {
            let open = m.end();
            let Some(close) = pylex::closing_paren(&mb[open..]).map(|e| open + e) else { continue };
            let args = split_args(&mb[open..close]);
            let line = idx.line(m.start());
            let name = args.iter().find_map(|a| KW_NAME.captures(a)).map(|c| String::from_utf8_lossy(&c[1]).into_owned());
            let is_default = args.iter().any(|a| KW_DEFAULT.is_match(a));
            let modules: Vec<&str> = args
                .iter()
                .filter(|a| !a.contains(&b'='))
                .filter_map(|a| DOTTED.captures(a).and_then(|c| std::str::from_utf8(c.get(1).unwrap().as_bytes()).ok()))
                .filter(|s| !s.contains('.'))
                .collect();
            // `Collection("name", a, b)` names the collection itself: not an added one.
            let add = m.as_bytes().starts_with(b"add_collection") || m.as_bytes().starts_with(b"Collection.from_module");
            for (i, module) in modules.iter().enumerate() {
                let Some(file) = sibling(module) else { continue };
                let target = id(&file, "");
                let label = match (&name, add && i == 0) {
                    (Some(n), true) => n.clone(),
                    _ => task_name(module),
                };
                let loc = Location::line(f.path, line);
                let unit = collections.entry(label.clone()).or_insert_with(|| Unit::new(id(f.path, &label), loc.clone(), &label));
                unit.calls.push((target.clone(), loc));
                if add && is_default {
                    default.get_or_insert(target);
                }
            }
        }
        for (_, u) in collections {
            if !out.units.iter().any(|t| t.id == u.id) {
                out.units.push(u);
            }
        }
        let mut d = Unit::new(id(f.path, ""), Location::line(f.path, 1), "(default task)");
        if let Some(target) = default {
            d.calls.push((target, Location::line(f.path, 1)));
        }
        out.units.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn detect(path: &str, text: &str, files: &[&str]) -> Output {
        let repo = RepoIndex { paths: files.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
        let mut out = Output::default();
        Invoke.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out
    }

    fn unit<'a>(out: &'a Output, id: &str) -> &'a Unit {
        out.units
            .iter()
            .find(|u| u.id == id)
            .unwrap_or_else(|| panic!("no unit {id}: {:?}", out.units.iter().map(|u| &u.id).collect::<Vec<_>>()))
    }

    #[test]
    fn tasks_commands_and_prerequisites() {
        let text = r#"from invoke import task
import subprocess

@task
def install(c):
    c.run("pip install -r requirements.txt")

@task(install, name="unit-tests")
def test(c, slow=False):
    """c.run("pytest --docstring")"""
    # c.run("pytest --commented")
    c.run(
        "pytest -q "
        f"tests/ --maxfail={1}"
    )
    subprocess.run("pytest --other-receiver")

@task(pre=[install], post=[test], default=True)
def train_model(ctx):
    cmd = "python -m pkg.train"
    ctx.run(cmd)
    ctx.run("python -m pkg.train --epochs 3", pty=True)
    install(ctx)
"#;
        let out = detect("tasks.py", text, &["tasks.py"]);
        let t = unit(&out, "invoke:tasks.py#unit-tests");
        assert_eq!(t.commands.len(), 1, "{:?}", t.commands);
        assert_eq!(t.commands[0].argv, vec!["pytest", "-q", "tests/", "--maxfail={1}"]);
        assert_eq!(t.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), vec!["invoke:tasks.py#install"]);
        let tr = unit(&out, "invoke:tasks.py#train-model");
        assert_eq!(tr.commands.len(), 1, "a command held in a variable is not read");
        assert_eq!(tr.commands[0].argv, vec!["python", "-m", "pkg.train", "--epochs", "3"]);
        assert_eq!(tr.location.start_line, 19);
        // pre, then the task called from the body, then post.
        assert_eq!(
            tr.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["invoke:tasks.py#install", "invoke:tasks.py#install", "invoke:tasks.py#unit-tests"]
        );
        assert_eq!(unit(&out, "invoke:tasks.py#").calls[0].0, "invoke:tasks.py#train-model");
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn package_collections() {
        let init = "from invoke import Collection\n\nfrom . import checks, models\n\nns = Collection()\nns.add_collection(checks)\nns.add_collection(models, name=\"model\", default=True)\n";
        let files = ["tasks/__init__.py", "tasks/checks.py", "tasks/models.py"];
        let out = detect("tasks/__init__.py", init, &files);
        assert_eq!(unit(&out, "invoke:tasks/__init__.py#checks").calls[0].0, "invoke:tasks/checks.py#");
        assert_eq!(unit(&out, "invoke:tasks/__init__.py#model").calls[0].0, "invoke:tasks/models.py#");
        assert_eq!(unit(&out, "invoke:tasks/__init__.py#").calls[0].0, "invoke:tasks/models.py#");
        assert!(!out.units.iter().any(|u| u.id == "invoke:tasks/__init__.py#models"));

        // A package module's commands run beside the package; `mod.task`
        // references a sibling module.
        let checks = "from invoke.tasks import task\nfrom . import models\n\n@task\ndef test(ctx):\n    ctx.run(\"pytest tests/\")\n\n@task(pre=[test, models.fit], default=True)\ndef all(_):\n    pass\n";
        let out = detect("tasks/checks.py", checks, &files);
        assert_eq!(unit(&out, "invoke:tasks/checks.py#test").commands[0].workdir, "");
        assert_eq!(
            unit(&out, "invoke:tasks/checks.py#all").calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["invoke:tasks/checks.py#test", "invoke:tasks/models.py#fit"]
        );
    }

    #[test]
    fn other_task_decorators_are_not_invoke() {
        // Prefect, Celery and Airflow also name their decorator `task`.
        let text = "from prefect import task\n\n@task\ndef train(ctx):\n    ctx.run(\"python train.py\")\n";
        let out = detect("tasks.py", text, &["tasks.py"]);
        assert!(out.units.is_empty());
        // An import of invoke inside a comment or a string is not one.
        let text = "# from invoke import task\nfrom prefect import task\n\n@task\ndef train(ctx):\n    ctx.run(\"python train.py\")\n";
        assert!(detect("tasks.py", text, &["tasks.py"]).units.is_empty());
    }
}
