//! CircleCI: `.circleci/config.yml` jobs, workflows and their triggers.
//!
//! CircleCI builds every push by default; a workflow with `triggers:
//! - schedule:` runs on its cron instead; job `filters` with only `tags`
//! narrow it to tags. Emits `ci.pipeline`, `ci.trigger`, one root unit per
//! job with the commands of its `run` steps (string or `command:`).
//!
//! Commented-out steps are YAML comments and never seen.

use super::{add_shell, ci_job, emit_pipeline, unparsable};
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};
use std::collections::BTreeSet;

/// The CircleCI detector.
pub struct CircleCi;

const NAME: &str = "circleci";

impl Detector for CircleCi {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == ".circleci/config.yml" || path == ".circleci/config.yaml"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "circleci", NAME, &e),
        };
        // Trigger classes per job, from the workflows that run it.
        let mut per_job: Vec<(String, BTreeSet<String>, u32)> = Vec::new();
        // `requires:` per job: the jobs of the same workflow it waits for.
        let mut requires: Vec<(String, Vec<String>)> = Vec::new();
        let mut specs: Vec<super::TriggerSpec> = Vec::new();
        for (wk, wf) in doc.get("workflows").map(Node::entries).unwrap_or_default() {
            if wk.as_str() == Some("version") || !wf.is_map() {
                continue;
            }
            let scheduled = wf.get("triggers").is_some_and(|t| t.items().iter().any(|i| i.get("schedule").is_some()));
            let base: &str = if scheduled { "schedule" } else { "push" };
            specs.push((base, wk.line, !scheduled));
            for j in wf.get("jobs").map(Node::items).unwrap_or_default() {
                let (name, cfg) = match (j.as_str(), j.entries().first()) {
                    (Some(n), _) => (n.to_string(), None),
                    (None, Some((k, v))) => (k.as_str().unwrap_or("").to_string(), Some(v)),
                    _ => continue,
                };
                let mut t = BTreeSet::from([base.to_string()]);
                if let Some(filters) = cfg.and_then(|c| c.get("filters")) {
                    let tags = filters.get("tags").is_some();
                    let branches_ignored_all = filters.path(&["branches", "ignore"]).is_some_and(|b| b.strings().contains(&"/.*/"));
                    if tags && branches_ignored_all {
                        t = BTreeSet::from(["tag".to_string()]);
                        specs.push(("tag", j.line, false));
                    }
                }
                if cfg.and_then(|c| c.get("type")).and_then(Node::as_str) == Some("approval") {
                    continue;
                }
                if let Some(r) = cfg.and_then(|c| c.get("requires")) {
                    requires.push((name.clone(), r.strings().iter().map(|x| x.to_string()).collect()));
                }
                per_job.push((name, t, j.line));
            }
        }
        if per_job.is_empty() {
            // Version 2.0 config without workflows: the `build` job runs on push.
            for (k, _) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
                if let Some(n) = k.as_str() {
                    per_job.push((n.to_string(), BTreeSet::from(["push".to_string()]), k.line));
                }
            }
            specs.push(("push", 1, true));
        }
        specs.sort();
        specs.dedup_by(|a, b| a.0 == b.0);
        emit_pipeline(out, f.path, "circleci", NAME, &specs, "CircleCI config");
        for (k, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let triggers: BTreeSet<String> = per_job.iter().filter(|(n, ..)| n == name).flat_map(|(_, t, _)| t.iter().cloned()).collect();
            if triggers.is_empty() {
                continue;
            }
            let mut u = ci_job(f.path, name, k.line, job.last_line(), &triggers);
            for (_, before) in requires.iter().filter(|(n, _)| n == name) {
                u.after.extend(before.iter().map(|b| format!("ci:{}#{b}", f.path)));
            }
            u.after.sort();
            u.after.dedup();
            let wd = job
                .get("working_directory")
                .and_then(Node::as_str)
                .unwrap_or("")
                .trim_start_matches("~/project")
                .trim_start_matches('/')
                .to_string();
            for s in job.get("steps").map(Node::items).unwrap_or_default() {
                let run = s.get("run");
                let cmd = run.and_then(|r| {
                    r.as_str().map(|t| (t, r.line)).or_else(|| r.get("command").and_then(|c| c.as_str().map(|t| (t, c.line))))
                });
                if let Some((text, line)) = cmd {
                    add_shell(&mut u, out, NAME, f.path, text, line, &wd);
                }
            }
            let _ = Location::line(f.path, 1);
            out.units.push(u);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn workflows_schedule_and_steps() {
        let text = "version: 2.1\njobs:\n  test:\n    docker: [{image: cimg/python:3.11}]\n    steps:\n      - checkout\n      - run: pytest\n  train:\n    docker: [{image: cimg/python:3.11}]\n    steps:\n      - run:\n          name: train\n          command: python src/train.py\n      # - run: pytest --slow\nworkflows:\n  ci:\n    jobs: [test]\n  nightly:\n    triggers:\n      - schedule:\n          cron: \"0 3 * * *\"\n          filters: {branches: {only: main}}\n    jobs: [train]\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CircleCi.detect(&FileCtx { path: ".circleci/config.yml", text, repo: &repo }, &mut out);
        let t = |n: &str| out.units.iter().find(|u| u.id.ends_with(n)).unwrap().triggers.iter().cloned().collect::<Vec<_>>();
        assert_eq!(t("#test"), vec!["push"]);
        assert_eq!(t("#train"), vec!["schedule"]);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn requires_orders_the_jobs_of_a_workflow() {
        let text = "version: 2.1\njobs:\n  test:\n    docker: [{image: x}]\n    steps:\n      - run: pytest\n  ship:\n    docker: [{image: x}]\n    steps:\n      - run: railway up\n  hold-me: {docker: [{image: x}], steps: [{run: echo}]}\nworkflows:\n  main:\n    jobs:\n      - test\n      - ship:\n          requires: [test]\n      - hold-me\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CircleCi.detect(&FileCtx { path: ".circleci/config.yml", text, repo: &repo }, &mut out);
        let after = |n: &str| out.units.iter().find(|u| u.id.ends_with(n)).unwrap().after.clone();
        assert_eq!(after("#ship"), vec!["ci:.circleci/config.yml#test".to_string()]);
        assert!(after("#test").is_empty() && after("#hold-me").is_empty());
    }
}
