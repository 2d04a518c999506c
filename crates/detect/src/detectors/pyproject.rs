//! `pyproject.toml` entry points and task runners: console scripts
//! (`[project.scripts]`, `[tool.poetry.scripts]`: `name = "pkg.mod:func"`)
//! and command aliases (`[tool.pdm.scripts]`, `[tool.hatch.envs.<env>.scripts]`,
//! `[tool.poe.tasks]`, `[tool.taskipy.tasks]`).
//!
//! Emits one unit per name (`script:<name>`; hatch also `script:<env>:<name>`):
//! console scripts call the module file, aliases run their commands, so
//! `poetry run train-model` or `pdm run test` in CI reach the code. A
//! line-oriented reader is enough for these tables (strings, arrays of
//! strings, `{cmd = ...}` / `{shell = ...}`); comments are skipped.

use super::add_shell;
use crate::evidence::Location;
use crate::{Detector, FileCtx, Output, Unit};

/// The pyproject detector.
pub struct Pyproject;

const NAME: &str = "pyproject";

/// The quoted strings of a TOML value (a string or an array of strings).
pub fn strings(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = v;
    while let Some(start) = rest.find(['"', '\'']) {
        let q = rest.as_bytes()[start] as char;
        let Some(end) = rest[start + 1..].find(q) else { break };
        out.push(rest[start + 1..start + 1 + end].to_string());
        rest = &rest[start + 2 + end..];
    }
    out
}

/// Module file of `pkg.mod` in the repository, if any.
fn module_file(f: &FileCtx<'_>, module: &str) -> Option<String> {
    let m = module.replace('.', "/");
    ["", "src/"]
        .iter()
        .flat_map(|b| [format!("{b}{m}.py"), format!("{b}{m}/__main__.py"), format!("{b}{m}/__init__.py")])
        .find(|p| f.repo.exists(p))
}

impl Detector for Pyproject {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == "pyproject.toml" || path == "setup.py" || path == "setup.cfg"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if f.path != "pyproject.toml" {
            // setup.py / setup.cfg console scripts: `name = pkg.mod:func`.
            for (i, l) in f.text.lines().enumerate() {
                let t = l.trim().trim_matches([',', '[', ']']).trim_matches(['"', '\'']);
                let Some((name, target)) = t.split_once('=') else { continue };
                let (name, target) = (name.trim(), target.trim().trim_matches(['"', '\'']));
                let Some((module, _func)) = target.split_once(':') else { continue };
                if name.is_empty() || name.contains(' ') || module.contains(' ') || l.trim_start().starts_with('#') {
                    continue;
                }
                if let Some(file) = module_file(f, module.trim()) {
                    let mut u = Unit::new(format!("script:{name}"), Location::line(f.path, i as u32 + 1), name);
                    u.calls.push((format!("file:{file}"), Location::line(f.path, i as u32 + 1)));
                    out.units.push(u);
                }
            }
            return;
        }
        // First pass: (section, name, line, string values) of the tables we read.
        let mut section = String::new();
        let mut entries: Vec<(String, String, u32, Vec<String>)> = Vec::new();
        for (i, raw) in f.text.lines().enumerate() {
            let l = raw.trim();
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            if l.starts_with('[') {
                section = l.trim_matches(['[', ']']).trim().to_string();
                continue;
            }
            let Some((k, v)) = l.split_once('=') else { continue };
            let v = v.split(" #").next().unwrap_or(v).trim();
            let k = k.trim().trim_matches('"');
            // Poe the Poet tasks written as tables (`[tool.poe.tasks.test]`
            // then `cmd = "pytest"`) or dotted keys (`test.cmd = "pytest"`):
            // the task's command (`cmd`, `shell`), its steps (`sequence`) or
            // the function it calls (`script = "pkg.mod:main"`).
            let poe = section
                .strip_prefix("tool.poe.tasks.")
                .map(|t| (t, k))
                .or_else(|| (section == "tool.poe.tasks").then(|| k.split_once('.')).flatten());
            if let Some((task, key)) = poe {
                let task = task.trim_matches('"');
                match key {
                    "cmd" | "shell" | "sequence" if !task.contains('.') => {
                        entries.push(("tool.poe.tasks".into(), task.to_string(), i as u32 + 1, strings(v)))
                    }
                    "script" if !task.contains('.') => {
                        entries.push(("tool.poe.tasks.script".into(), task.to_string(), i as u32 + 1, strings(v)))
                    }
                    _ => {}
                }
                continue;
            }
            entries.push((section.clone(), k.to_string(), i as u32 + 1, strings(v)));
        }
        for (section, name, n, values) in &entries {
            let entry = section == "project.scripts" || section == "tool.poetry.scripts" || section == "tool.poe.tasks.script";
            let hatch_env = section.strip_prefix("tool.hatch.envs.").and_then(|s| s.strip_suffix(".scripts"));
            let alias =
                section == "tool.pdm.scripts" || section == "tool.poe.tasks" || section == "tool.taskipy.tasks" || hatch_env.is_some();
            if !entry && !alias {
                continue;
            }
            // hatch: `hatch run env:name` (the default env is plain `name`).
            let id_of = |n: &str| match hatch_env {
                Some(env) if env != "default" => format!("script:{env}:{n}"),
                _ => format!("script:{n}"),
            };
            let mut u = Unit::new(id_of(name), Location::line(f.path, *n), name);
            if entry {
                let target = values.first().map(|s| s.split(':').next().unwrap_or(s).to_string()).unwrap_or_default();
                if let Some(file) = module_file(f, &target) {
                    u.calls.push((format!("file:{file}"), Location::line(f.path, *n)));
                }
            } else {
                for c in values.iter().filter(|s| !matches!(s.as_str(), "cmd" | "shell" | "call" | "composite")) {
                    // A composite entry naming another script of the same table calls it.
                    if entries.iter().any(|(sec, other, ..)| (sec == section || sec == "tool.poe.tasks.script") && other == c) {
                        u.calls.push((id_of(c), Location::line(f.path, *n)));
                        continue;
                    }
                    add_shell(&mut u, out, NAME, f.path, &placeholders(c), *n, "");
                }
            }
            out.units.push(u);
        }
    }
}

/// Replace `{args:default}` / `{args}` (hatch, pdm) with the default.
fn placeholders(c: &str) -> String {
    let mut s = c.to_string();
    while let Some(pos) = s.find("{args") {
        let Some(end) = s[pos..].find('}') else { break };
        let default = s[pos + 1..pos + end].split_once(':').map(|(_, d)| d.to_string()).unwrap_or_default();
        s.replace_range(pos..pos + end + 1, &default);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn entry_points_and_aliases() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("src/pkg/train.py".into());
        let text = "[project]\nname = \"pkg\"\n\n[project.scripts]\ntrain-model = \"pkg.train:main\"\n\n[tool.hatch.envs.test.scripts]\nunit = \"pytest -q {args:tests}\"\nall = [\"lint\", \"unit\"]\nlint = \"ruff check\"\n# old = \"pytest\"\n";
        let mut out = Output::default();
        Pyproject.detect(&FileCtx { path: "pyproject.toml", text, repo: &repo }, &mut out);
        let e = out.units.iter().find(|u| u.id == "script:train-model").unwrap();
        assert_eq!(e.calls[0].0, "file:src/pkg/train.py");
        let all = out.units.iter().find(|u| u.id == "script:test:all").unwrap();
        assert_eq!(all.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), vec!["script:test:lint", "script:test:unit"]);
        let unit = out.units.iter().find(|u| u.id == "script:test:unit").unwrap();
        assert_eq!(unit.commands[0].argv, vec!["pytest", "-q", "tests"]);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn poe_tasks_written_as_tables_and_dotted_keys() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("pkg/train.py".into());
        let text = "[tool.poe.tasks]\nlint.cmd = \"ruff check .\"\nlint.help = \"Lint\"\n\n[tool.poe.tasks.test]\nhelp = \"Run the tests\"\ncmd = \"pytest tests/\"\n\n[tool.poe.tasks.test.env]\nPYTHONPATH = \"src\"\n\n[tool.poe.tasks.fit]\nscript = \"pkg.train:main\"\n\n[tool.poe.tasks.all]\nsequence = [\"lint\", \"test\"]\n\n[tool.poe.tasks.old]\n# cmd = \"pytest legacy/\"\n";
        let mut out = Output::default();
        Pyproject.detect(&FileCtx { path: "pyproject.toml", text, repo: &repo }, &mut out);
        let unit = |id: &str| out.units.iter().find(|u| u.id == id).unwrap_or_else(|| panic!("{id}: {:?}", out.units));
        assert_eq!(unit("script:test").commands[0].argv, ["pytest", "tests/"]);
        assert_eq!(unit("script:lint").commands[0].argv, ["ruff", "check", "."]);
        assert_eq!(unit("script:fit").calls[0].0, "file:pkg/train.py");
        assert_eq!(unit("script:all").calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["script:lint", "script:test"]);
        // Help texts, environment tables and commented commands are no tasks.
        assert!(out.units.iter().all(|u| u.id != "script:old" && u.id != "script:help" && u.id != "script:PYTHONPATH"));
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }
}
