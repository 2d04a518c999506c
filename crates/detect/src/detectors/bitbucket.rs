//! Bitbucket Pipelines: `bitbucket-pipelines.yml`.
//!
//! `pipelines.default` runs on every push (the default pipeline),
//! `branches` on pushes to those branches, `tags` on tags, `pull-requests`
//! on PRs, `custom` only by hand. Steps (also inside `parallel` and `stage`)
//! give one root unit each with their `script` commands; a step with
//! `trigger: manual` is manual; `deployment:` names an environment.

use super::{add_shell_node_in, ci_job, emit_pipeline, unparsable};
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};
use std::collections::BTreeSet;

/// The Bitbucket Pipelines detector.
pub struct Bitbucket;

const NAME: &str = "bitbucket";

fn steps<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    for item in n.items() {
        if let Some(s) = item.get("step") {
            out.push(s);
        }
        if let Some(p) = item.get("parallel") {
            steps(p.get("steps").unwrap_or(p), out);
        }
        if let Some(st) = item.get("stage") {
            if let Some(ss) = st.get("steps") {
                steps(ss, out);
            }
        }
    }
}

impl Detector for Bitbucket {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == "bitbucket-pipelines.yml"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "bitbucket", NAME, &e),
        };
        let Some(p) = doc.get("pipelines") else { return };
        let mut specs: Vec<super::TriggerSpec> = Vec::new();
        let mut groups: Vec<(&'static str, String, &Node)> = Vec::new();
        for (k, v) in p.entries() {
            let key = k.as_str().unwrap_or("");
            let (class, default): (&'static str, bool) = match key {
                "default" => ("push", true),
                "branches" => ("push", false),
                "tags" => ("tag", false),
                "pull-requests" => ("pull_request", false),
                "custom" => ("manual", false),
                _ => continue,
            };
            specs.push((class, k.line, default));
            if key == "default" {
                groups.push((class, "default".into(), v));
            } else {
                for (name, seq) in v.entries() {
                    groups.push((class, format!("{key}.{}", name.as_str().unwrap_or("")), seq));
                }
            }
        }
        specs.sort();
        specs.dedup_by(|a, b| a.0 == b.0);
        emit_pipeline(out, f.path, "bitbucket", NAME, &specs, "Bitbucket pipeline");
        for (class, gname, seq) in groups {
            let mut ss = Vec::new();
            steps(seq, &mut ss);
            for (i, s) in ss.iter().enumerate() {
                let name = s.get("name").and_then(Node::as_str).map(str::to_string).unwrap_or_else(|| format!("step{}", i + 1));
                let manual = s.get("trigger").and_then(Node::as_str) == Some("manual");
                let t = BTreeSet::from([if manual { "manual".to_string() } else { class.to_string() }]);
                let mut u = ci_job(f.path, &format!("{gname}/{name}"), s.line, s.last_line(), &t);
                if let Some(globs) = s.path(&["condition", "changesets", "includePaths"]) {
                    super::path_filters(out, NAME, "bitbucket", f.path, globs, Some(&u.id));
                }
                if let Some(script) = s.get("script") {
                    add_shell_node_in(&mut u, out, NAME, f.path, script, "", Some(f.repo));
                }
                if let Some(d) = s.get("deployment").and_then(Node::as_str) {
                    out.push_in(
                        Evidence::new(
                            "ci.environment",
                            NAME,
                            Location::line(f.path, s.line),
                            Confidence::High,
                            &format!("deployment: {d}"),
                        )
                        .attr("system", "bitbucket")
                        .attr("name", d.to_lowercase()),
                        &u.id,
                    );
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
    fn default_branches_and_manual_steps() {
        let text = "image: python:3.11\ndefinitions:\n  steps:\n    - step: &test\n        name: test\n        script:\n          - pytest\npipelines:\n  default:\n    - step: *test\n  branches:\n    main:\n      - step: *test\n      - step:\n          name: deploy\n          deployment: production\n          trigger: manual\n          script:\n            - kubectl apply -f k8s/\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Bitbucket.detect(&FileCtx { path: "bitbucket-pipelines.yml", text, repo: &repo }, &mut out);
        let default = out.units.iter().find(|u| u.id.ends_with("#default/test")).unwrap();
        assert!(default.triggers.contains("push"));
        let deploy = out.units.iter().find(|u| u.id.ends_with("#branches.main/deploy")).unwrap();
        assert_eq!(deploy.triggers.iter().collect::<Vec<_>>(), vec!["manual"]);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 2);
    }

    #[test]
    fn custom_pipelines_are_manual_and_comments_are_not_steps() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text =
            "pipelines:\n  custom:\n    train:\n      - step:\n          script:\n            # - pytest\n            - python train.py\n";
        Bitbucket.detect(&FileCtx { path: "bitbucket-pipelines.yml", text, repo: &repo }, &mut out);
        assert_eq!(out.units[0].triggers.iter().collect::<Vec<_>>(), vec!["manual"]);
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
    }
}
