//! Buildkite: `.buildkite/pipeline.yml` (and other YAML under `.buildkite/`).
//! Buildkite pipelines build on push by their repository webhook (the
//! default), `if:` conditions on `build.source == "schedule"` make a step
//! scheduled. Steps' `command` / `commands` give one root unit each; `block`
//! and `input` steps are approval gates.

use super::{ci_job, emit_pipeline, is_yaml, unparsable};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};
use std::collections::BTreeSet;

/// The Buildkite detector.
pub struct Buildkite;

const NAME: &str = "buildkite";

impl Detector for Buildkite {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path.starts_with(".buildkite/") && is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "buildkite", NAME, &e),
        };
        let Some(steps) = doc.get("steps") else { return };
        let triggers = emit_pipeline(out, f.path, "buildkite", NAME, &[("push", 1, true)], "Buildkite pipeline");
        let mut all = Vec::new();
        for s in steps.items() {
            if let Some(g) = s.get("steps") {
                all.extend(g.items().iter());
            } else {
                all.push(s);
            }
        }
        for (i, s) in all.iter().enumerate() {
            let cond = s.get("if").and_then(Node::as_str).unwrap_or("");
            let t: BTreeSet<String> = if cond.contains("\"schedule\"") || cond.contains("'schedule'") {
                BTreeSet::from(["schedule".into()])
            } else {
                triggers.clone()
            };
            let label = s
                .get("label")
                .or_else(|| s.get("key"))
                .and_then(Node::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("step{}", i + 1));
            let mut u = ci_job(f.path, &label, s.line, s.last_line(), &t);
            for key in ["command", "commands"] {
                if let Some(c) = s.get(key) {
                    super::add_shell_node_in(&mut u, out, NAME, f.path, c, "", Some(f.repo));
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
    fn steps_and_commands() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Buildkite.detect(&FileCtx { path: ".buildkite/pipeline.yml", text: "steps:\n  - label: test\n    command: pytest -q\n  - wait\n  - label: train\n    commands:\n      - python train.py\n    if: build.source == \"schedule\"\n", repo: &repo }, &mut out);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        let train = out.units.iter().find(|u| u.id.ends_with("#train")).unwrap();
        assert_eq!(train.triggers.iter().collect::<Vec<_>>(), vec!["schedule"]);
    }

    #[test]
    fn commented_commands_are_not_evidence() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Buildkite.detect(
            &FileCtx {
                path: ".buildkite/pipeline.yml",
                text: "steps:\n  - label: lint\n    command: ruff check .\n    # command: pytest\n",
                repo: &repo,
            },
            &mut out,
        );
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
        assert!(!Buildkite.applies("ci/pipeline.yml"));
    }
}
