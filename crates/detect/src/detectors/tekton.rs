//! Tekton: `Task` steps (`script`, `command` + `args`), `Pipeline` tasks
//! (referencing tasks by name, across files), and what starts them: an
//! `EventListener` in the repository makes its pipelines run on push;
//! otherwise a Pipeline is started by hand (`PipelineRun`, `tkn`).

use super::{add_argv, add_shell, is_yaml};
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The Tekton detector.
pub struct Tekton;

const NAME: &str = "tekton";

/// Commands of a container-like spec (`command` + `args`, or `script`).
pub fn container_commands(path: &str, c: &Node, u: &mut Unit, out: &mut Output, detector: &str) {
    // Workspace paths (`/workspace/source`, `$(workspaces.source.path)`) are the checkout root.
    let wd = c.get("workingDir").and_then(Node::as_str).unwrap_or("");
    let wd = if wd.contains("$(") || wd.starts_with("/workspace") { String::new() } else { wd.trim_start_matches('/').to_string() };
    if let Some(s) = c.get("script").or_else(|| c.get("source")) {
        if let Some(t) = s.as_str() {
            let interp = c.get("command").map(Node::strings).unwrap_or_default();
            if interp.first().is_none_or(|i| i.contains("sh")) {
                add_shell(
                    u,
                    out,
                    detector,
                    path,
                    t.trim_start_matches("#!/bin/bash").trim_start_matches("#!/usr/bin/env bash"),
                    s.line,
                    &wd,
                );
            }
        }
        return;
    }
    let mut argv: Vec<String> = c.get("command").map(|n| n.strings().into_iter().map(str::to_string).collect()).unwrap_or_default();
    argv.extend(c.get("args").map(|n| n.strings().into_iter().map(str::to_string).collect::<Vec<_>>()).unwrap_or_default());
    if argv.is_empty() {
        return;
    }
    let line = c.get("command").or_else(|| c.get("args")).map(|n| n.line).unwrap_or(c.line);
    add_argv(u, out, detector, path, argv, line, &wd);
}

impl Detector for Tekton {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["tekton.dev"]
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !f.text.contains("tekton.dev") {
            return;
        }
        // Pipelines installed by a Helm chart are templates.
        let Ok(docs) = yaml::parse_all(&super::kubernetes::helm_plain(f.path, f.text)) else { return };
        let listeners = &f.repo.event_sources().listeners;
        for doc in &docs {
            let api = doc.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            if !api.contains("tekton.dev") {
                continue;
            }
            let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
            let name = doc.path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("").to_string();
            match kind {
                "Task" | "ClusterTask" => {
                    let mut u = Unit::new(format!("tekton:task#{name}"), Location::new(f.path, doc.line, doc.last_line()), &name);
                    for s in doc.path(&["spec", "steps"]).map(Node::items).unwrap_or_default() {
                        container_commands(f.path, s, &mut u, out, NAME);
                    }
                    out.units.push(u);
                }
                "Pipeline" => {
                    let mut u = Unit::new(format!("tekton:pipeline#{name}"), Location::new(f.path, doc.line, doc.last_line()), &name);
                    u.root = true;
                    let t = if listeners.starts(&name) { "push" } else { "manual" };
                    u.triggers = BTreeSet::from([t.to_string()]);
                    out.push(
                        Evidence::new(
                            "ci.trigger",
                            NAME,
                            Location::line(f.path, doc.line),
                            Confidence::Medium,
                            &format!("Pipeline {name}"),
                        )
                        .attr("system", "tekton")
                        .attr("trigger", t),
                    );
                    out.push(
                        Evidence::new(
                            "ci.pipeline",
                            NAME,
                            Location::line(f.path, doc.line),
                            Confidence::High,
                            &format!("Tekton Pipeline {name}"),
                        )
                        .attr("system", "tekton")
                        .attr("triggers", t),
                    );
                    for section in ["tasks", "finally"] {
                        for t in doc.path(&["spec", section]).map(Node::items).unwrap_or_default() {
                            if let Some(r) = t.path(&["taskRef", "name"]).and_then(Node::as_str) {
                                u.calls.push((format!("tekton:task#{r}"), Location::line(f.path, t.line)));
                            }
                            for s in t.path(&["taskSpec", "steps"]).map(Node::items).unwrap_or_default() {
                                container_commands(f.path, s, &mut u, out, NAME);
                            }
                        }
                    }
                    out.units.push(u);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn tasks_pipelines_and_listener() {
        let mut repo = RepoIndex::default();
        repo.texts.insert("tekton/trigger.yaml".into(), "apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\n".into());
        let text = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: unit-tests\nspec:\n  steps:\n    - name: test\n      image: python:3.11\n      script: |\n        pip install -r requirements.txt\n        pytest\n---\napiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: ci\nspec:\n  tasks:\n    - name: test\n      taskRef:\n        name: unit-tests\n";
        let mut out = Output::default();
        Tekton.detect(&FileCtx { path: "tekton/pipeline.yaml", text, repo: &repo }, &mut out);
        let p = out.units.iter().find(|u| u.id == "tekton:pipeline#ci").unwrap();
        assert!(p.root && p.triggers.contains("push"));
        assert_eq!(p.calls[0].0, "tekton:task#unit-tests");
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn a_listener_starts_only_the_pipelines_its_templates_run() {
        let mut repo = RepoIndex::default();
        repo.texts.insert("tekton/listener.yaml".into(), "apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\n".into());
        repo.texts.insert(
            "tekton/template.yaml".into(),
            "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerTemplate\nspec:\n  resourcetemplates:\n    - apiVersion: tekton.dev/v1\n      kind: PipelineRun\n      spec:\n        pipelineRef:\n          name: release\n".into(),
        );
        let mut out = Output::default();
        let text = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: release\nspec:\n  tasks: []\n---\napiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: loop-example\nspec:\n  tasks: []\n";
        Tekton.detect(&FileCtx { path: "tekton/p.yaml", text, repo: &repo }, &mut out);
        let trigger = |id: &str| out.units.iter().find(|u| u.id == id).unwrap().triggers.iter().cloned().collect::<Vec<_>>();
        assert_eq!(trigger("tekton:pipeline#release"), ["push"]);
        assert_eq!(trigger("tekton:pipeline#loop-example"), ["manual"]);
    }

    #[test]
    fn without_a_listener_pipelines_are_manual() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks: []\n# kind: EventListener\n";
        Tekton.detect(&FileCtx { path: "tekton/p.yaml", text, repo: &repo }, &mut out);
        assert_eq!(out.units[0].triggers.iter().collect::<Vec<_>>(), vec!["manual"]);
    }
}
