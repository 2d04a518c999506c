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

fn strings(v: &str) -> Vec<String> {
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
        path == "pyproject.toml"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let mut section = String::new();
        for (i, raw) in f.text.lines().enumerate() {
            let n = i as u32 + 1;
            let l = raw.trim();
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            if l.starts_with('[') {
                section = l.trim_matches(['[', ']']).trim().to_string();
                continue;
            }
            let Some((k, v)) = l.split_once('=') else { continue };
            let name = k.trim().trim_matches('"').to_string();
            let v = v.split(" #").next().unwrap_or(v).trim();
            let kind = if section == "project.scripts" || section == "tool.poetry.scripts" {
                "entry"
            } else if section == "tool.pdm.scripts"
                || section == "tool.poe.tasks"
                || section == "tool.taskipy.tasks"
                || (section.starts_with("tool.hatch.envs.") && section.ends_with(".scripts"))
            {
                "alias"
            } else {
                continue;
            };
            // hatch: `hatch run env:name` (the default env is plain `name`).
            let id = match section.strip_prefix("tool.hatch.envs.").and_then(|s| s.strip_suffix(".scripts")) {
                Some(env) if env != "default" => format!("script:{env}:{name}"),
                _ => format!("script:{name}"),
            };
            let mut u = Unit::new(id, Location::line(f.path, n), &name);
            let values = strings(v);
            if kind == "entry" {
                let target = values.first().map(|s| s.split(':').next().unwrap_or(s).to_string()).unwrap_or_default();
                if let Some(file) = module_file(f, &target) {
                    u.calls.push((format!("file:{file}"), Location::line(f.path, n)));
                }
            } else {
                for c in values.iter().filter(|s| !matches!(s.as_str(), "cmd" | "shell" | "call" | "composite")) {
                    add_shell(&mut u, out, NAME, f.path, c, n, "");
                }
            }
            out.units.push(u);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn entry_points_and_aliases() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("src/pkg/train.py".into());
        let text = "[project]\nname = \"pkg\"\n\n[project.scripts]\ntrain-model = \"pkg.train:main\"\n\n[tool.hatch.envs.test.scripts]\nall = \"pytest -q tests\"\n# old = \"pytest\"\n";
        let mut out = Output::default();
        Pyproject.detect(&FileCtx { path: "pyproject.toml", text, repo: &repo }, &mut out);
        let e = out.units.iter().find(|u| u.id == "script:train-model").unwrap();
        assert_eq!(e.calls[0].0, "file:src/pkg/train.py");
        assert!(out.units.iter().any(|u| u.id == "script:test:all"));
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }
}
