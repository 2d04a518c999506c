//! Argo Workflows: `Workflow` (submitted by hand), `CronWorkflow`
//! (schedule), `WorkflowTemplate` (called by others), and Argo Events
//! `Sensor`s that submit them (external). Each gives one unit with the
//! commands of its container and script templates.

use super::is_yaml;
use super::tekton::container_commands;
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The Argo Workflows detector.
pub struct ArgoWorkflows;

const NAME: &str = "argo-workflows";

fn templates(path: &str, spec: &Node, u: &mut Unit, out: &mut Output) {
    for t in spec.get("templates").map(Node::items).unwrap_or_default() {
        for key in ["container", "script"] {
            if let Some(c) = t.get(key) {
                container_commands(path, c, u, out, NAME);
            }
        }
        t.walk(&mut |n| {
            if let Some(r) = n.path(&["templateRef", "name"]).and_then(Node::as_str) {
                u.calls.push((format!("argo:template#{r}"), Location::line(path, n.line)));
            }
        });
    }
    if let Some(r) = spec.path(&["workflowTemplateRef", "name"]).and_then(Node::as_str) {
        u.calls.push((format!("argo:template#{r}"), Location::line(path, spec.line)));
    }
}

impl Detector for ArgoWorkflows {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["argoproj.io"]
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !f.text.contains("argoproj.io") {
            return;
        }
        let Ok(docs) = yaml::parse_all(f.text) else { return };
        let sensors = &f.repo.event_sources().sensors;
        for doc in &docs {
            let api = doc.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
            if !api.starts_with("argoproj.io") {
                continue;
            }
            let name = doc
                .path(&["metadata", "name"])
                .or_else(|| doc.path(&["metadata", "generateName"]))
                .and_then(Node::as_str)
                .unwrap_or("")
                .trim_end_matches('-')
                .to_string();
            let (spec, trigger) = match kind {
                "Workflow" => (doc.get("spec"), Some(if sensors.starts(&name) { "external" } else { "manual" })),
                "CronWorkflow" => (doc.path(&["spec", "workflowSpec"]), Some("schedule")),
                "WorkflowTemplate" | "ClusterWorkflowTemplate" => {
                    (doc.get("spec"), if sensors.starts(&name) { Some("external") } else { None })
                }
                _ => continue,
            };
            let Some(spec) = spec else { continue };
            let id = if trigger.is_none() || kind.ends_with("Template") {
                format!("argo:template#{name}")
            } else {
                format!("ci:{}#{name}", f.path)
            };
            let mut u = Unit::new(id, Location::new(f.path, doc.line, doc.last_line()), &name);
            if let Some(t) = trigger {
                u.root = true;
                u.triggers = BTreeSet::from([t.to_string()]);
                out.push(
                    Evidence::new(
                        "ci.trigger",
                        NAME,
                        Location::line(f.path, doc.key("kind").map(|k| k.line).unwrap_or(1)),
                        Confidence::High,
                        &format!("{kind} {name}"),
                    )
                    .attr("system", "argo-workflows")
                    .attr("trigger", t),
                );
                out.push(
                    Evidence::new("ci.pipeline", NAME, Location::line(f.path, doc.line), Confidence::High, &format!("{kind} {name}"))
                        .attr("system", "argo-workflows")
                        .attr("triggers", t),
                );
            }
            templates(f.path, spec, &mut u, out);
            // Compute declared in the spec: GPU limits or instance-type node selectors.
            let gpu_or_instance =
                |k: &str| k.contains("nvidia.com/gpu") || k.contains("instance-type") || k.contains("accelerator") || k == "google.com/tpu";
            if let Some(line) = spec.find_key_line(&gpu_or_instance) {
                out.push_in(super::compute_at(NAME, f.path, f.text, line, "kubernetes", Confidence::Medium), &u.id);
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
    fn cron_workflow_commands() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata:\n  name: retrain\nspec:\n  schedule: \"0 4 * * 1\"\n  workflowSpec:\n    entrypoint: main\n    templates:\n      - name: train\n        container:\n          image: reg/trainer:1\n          command: [python]\n          args: [src/train.py, --epochs, \"5\"]\n";
        ArgoWorkflows.detect(&FileCtx { path: "argo/retrain.yaml", text, repo: &repo }, &mut out);
        let u = &out.units[0];
        assert!(u.root && u.triggers.contains("schedule"));
        assert_eq!(u.commands[0].argv[..2], ["python".to_string(), "src/train.py".to_string()]);
    }

    #[test]
    fn a_sensor_submits_the_templates_it_names() {
        let mut repo = RepoIndex::default();
        repo.texts.insert(
            "events/sensor.yaml".into(),
            "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nspec:\n  triggers:\n    - template:\n        argoWorkflow:\n          source:\n            resource:\n              kind: Workflow\n              metadata:\n                generateName: on-new-data-\n              spec:\n                workflowTemplateRef:\n                  name: retrain\n".into(),
        );
        let mut out = Output::default();
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n  name: retrain\nspec:\n  templates: []\n---\napiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n  name: backfill\nspec:\n  templates: []\n---\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: hello\nspec:\n  templates: []\n";
        ArgoWorkflows.detect(&FileCtx { path: "argo/t.yaml", text, repo: &repo }, &mut out);
        let triggers = |id: &str| out.units.iter().find(|u| u.id == id).unwrap().triggers.iter().cloned().collect::<Vec<_>>();
        assert_eq!(triggers("argo:template#retrain"), ["external"]);
        // Called by other workflows only, or submitted by hand.
        assert!(triggers("argo:template#backfill").is_empty());
        assert_eq!(triggers("ci:argo/t.yaml#hello"), ["manual"]);
    }

    #[test]
    fn commented_templates_and_other_kinds_are_not_evidence() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: w\nspec:\n  templates:\n    - name: t\n      container:\n        image: x\n        # command: [pytest]\n        command: [echo, hi]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        ArgoWorkflows.detect(&FileCtx { path: "argo/w.yaml", text, repo: &repo }, &mut out);
        assert_eq!(out.units.len(), 1);
        assert_eq!(out.units[0].triggers.iter().collect::<Vec<_>>(), vec!["manual"]);
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
    }
}
