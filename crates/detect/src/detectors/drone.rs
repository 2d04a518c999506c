//! Drone CI: `.drone.yml` pipelines. Without a `trigger:` a pipeline runs on
//! push, pull request and tag; `trigger.event` narrows it (`cron` is
//! schedule, `promote` / `custom` are manual). Steps' `commands` give one
//! root unit each.

use super::{add_shell_node_in, ci_job, emit_pipeline, unparsable, TriggerSpec};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};

/// The Drone detector.
pub struct Drone;

const NAME: &str = "drone";

impl Detector for Drone {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == ".drone.yml" || path == ".drone.yaml"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let docs = match yaml::parse_all(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "drone", NAME, &e),
        };
        for doc in docs.iter().filter(|d| d.get("kind").and_then(Node::as_str) == Some("pipeline")) {
            let events = doc.path(&["trigger", "event"]).map(|e| e.path(&["include"]).unwrap_or(e).strings()).unwrap_or_default();
            let line = doc.key("trigger").map(|k| k.line).unwrap_or(doc.line);
            let specs: Vec<TriggerSpec> = if events.is_empty() {
                vec![("push", line, true), ("pull_request", line, true), ("tag", line, true)]
            } else {
                events
                    .iter()
                    .filter_map(|e| {
                        Some(match *e {
                            "push" => "push",
                            "pull_request" => "pull_request",
                            "tag" => "tag",
                            "cron" => "schedule",
                            "promote" | "rollback" | "custom" => "manual",
                            _ => return None,
                        })
                    })
                    .map(|t| (t, line, false))
                    .collect()
            };
            let triggers = emit_pipeline(out, f.path, "drone", NAME, &specs, "Drone pipeline");
            let pname = doc.get("name").and_then(Node::as_str).unwrap_or("default").to_string();
            for (i, s) in doc.get("steps").map(Node::items).unwrap_or_default().iter().enumerate() {
                let name = s.get("name").and_then(Node::as_str).map(str::to_string).unwrap_or_else(|| format!("step{}", i + 1));
                let mut u = ci_job(f.path, &format!("{pname}/{name}"), s.line, s.last_line(), &triggers);
                if let Some(cmds) = s.get("commands") {
                    add_shell_node_in(&mut u, out, NAME, f.path, cmds, "", Some(f.repo));
                }
                out.units.push(u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn default_and_cron_triggers() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "kind: pipeline\ntype: docker\nname: test\nsteps:\n  - name: test\n    image: python:3.11\n    commands:\n      - pip install -r requirements.txt\n      - pytest\n---\nkind: pipeline\nname: nightly\ntrigger:\n  event: [cron]\nsteps:\n  - name: train\n    commands: [python train.py]\n";
        Drone.detect(&FileCtx { path: ".drone.yml", text, repo: &repo }, &mut out);
        let t = out.units.iter().find(|u| u.id.ends_with("#test/test")).unwrap();
        assert!(t.triggers.contains("push"));
        let n = out.units.iter().find(|u| u.id.ends_with("#nightly/train")).unwrap();
        assert_eq!(n.triggers.iter().collect::<Vec<_>>(), vec!["schedule"]);
    }

    #[test]
    fn non_pipeline_documents_and_comments() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Drone.detect(&FileCtx { path: ".drone.yml", text: "kind: secret\nname: token\n---\nkind: pipeline\nname: p\nsteps:\n  - name: s\n    commands:\n      # - pytest\n      - echo hi\n", repo: &repo }, &mut out);
        assert_eq!(out.units.len(), 1);
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
    }
}
