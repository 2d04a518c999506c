//! pre-commit: the local hooks of `.pre-commit-config.yaml` (`repo: local`),
//! whose `entry` (with its `args`) is a command of the repository, as
//! `pre-commit run` in CI runs them.
//!
//! Units: `precommit:<path>#<hook id>` for each local hook that runs a
//! command (languages `system`, `python`, `script` and their `unsupported`
//! names), and `precommit:<path>#` running the hooks of the default stage
//! (those with no `stages:`, or with `pre-commit`/`commit`, or the
//! config's `default_stages`). Hooks of other repositories are tools
//! (linters, formatters) and are not read. Example: a local hook
//! `{id: tests, entry: pytest, args: [-q, tests], language: system}` ->
//! unit `precommit:.pre-commit-config.yaml#tests`, `run.tests`.

use super::add_shell;
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The pre-commit detector.
pub struct PreCommit;

const NAME: &str = "pre-commit";

/// Whether a hook listed in `stages` runs in `stage`.
pub fn runs_in(stages: &[String], stage: &str) -> bool {
    fn alias(s: &str) -> &str {
        match s {
            "commit" => "pre-commit",
            "push" => "pre-push",
            "merge-commit" => "pre-merge-commit",
            other => other,
        }
    }
    stages.is_empty() || stages.iter().any(|s| alias(s) == alias(stage))
}

impl Detector for PreCommit {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        matches!(path.rsplit('/').next(), Some(".pre-commit-config.yaml" | ".pre-commit-config.yml"))
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(f.text) else { return };
        let strings = |n: Option<&Node>| -> Vec<String> {
            n.map(|n| n.items().iter().filter_map(|i| i.as_str().map(str::to_string)).collect()).unwrap_or_default()
        };
        let default_stages = strings(doc.get("default_stages"));
        let mut all = Unit::new(format!("precommit:{}#", f.path), Location::line(f.path, 1), "(pre-commit run)");
        for repo in doc.get("repos").map(Node::items).unwrap_or_default() {
            if repo.get("repo").and_then(Node::as_str) != Some("local") {
                continue;
            }
            for hook in repo.get("hooks").map(Node::items).unwrap_or_default() {
                let (Some(id), Some(entry)) = (hook.get("id").and_then(Node::as_str), hook.get("entry").and_then(Node::as_str)) else {
                    continue;
                };
                let language = hook.get("language").and_then(Node::as_str).unwrap_or("");
                if !matches!(language, "system" | "python" | "script" | "unsupported" | "unsupported_script") {
                    continue;
                }
                let mut cmd = entry.trim().to_string();
                // A script hook runs a file of the repository.
                if language.ends_with("script") && cmd.split_whitespace().next().is_some_and(|p| p.ends_with(".py")) {
                    cmd = format!("python {cmd}");
                }
                for a in strings(hook.get("args")) {
                    cmd.push(' ');
                    cmd.push_str(&a);
                }
                let mut u = Unit::new(format!("precommit:{}#{id}", f.path), Location::line(f.path, hook.line), id);
                add_shell(&mut u, out, NAME, f.path, &cmd, hook.get("entry").map_or(hook.line, |e| e.line), "");
                let stages = strings(hook.get("stages"));
                let stages = if stages.is_empty() { default_stages.clone() } else { stages };
                if runs_in(&stages, "pre-commit") {
                    all.calls.push((u.id.clone(), Location::line(f.path, hook.line)));
                }
                out.units.push(u);
            }
        }
        out.units.push(all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn local_hooks_and_stages() {
        let text = "default_stages: [pre-commit]\nrepos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.4.0\n    hooks:\n      - id: ruff\n  - repo: local\n    hooks:\n      - id: unit-tests\n        name: unit tests\n        entry: python -m pytest\n        args: [-q, tests/unit]\n        language: system\n        pass_filenames: false\n      - id: slow\n        entry: pytest tests/slow\n        language: system\n        stages: [manual]\n      - id: check-schema\n        entry: scripts/check_schema.py\n        language: script\n      # - id: old\n      #   entry: pytest\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        PreCommit.detect(&FileCtx { path: ".pre-commit-config.yaml", text, repo: &repo }, &mut out);
        let unit = |id: &str| out.units.iter().find(|u| u.id == id).unwrap();
        assert_eq!(unit("precommit:.pre-commit-config.yaml#unit-tests").commands[0].argv, ["python", "-m", "pytest", "-q", "tests/unit"]);
        assert_eq!(unit("precommit:.pre-commit-config.yaml#check-schema").commands[0].argv, ["python", "scripts/check_schema.py"]);
        // The default run leaves out manual hooks; hooks of other repositories are not units.
        let all: Vec<&str> = unit("precommit:.pre-commit-config.yaml#").calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(all, ["precommit:.pre-commit-config.yaml#unit-tests", "precommit:.pre-commit-config.yaml#check-schema"]);
        assert_eq!(out.units.len(), 4);
        assert!(runs_in(&["commit".into()], "pre-commit") && !runs_in(&["manual".into()], "pre-commit"));
    }
}
