//! Travis CI: `.travis.yml`. Travis builds pushes and pull requests by
//! default; `if:` conditions on `jobs.include` entries can narrow them. The
//! phases (`install`, `before_script`, `script`, `after_success`, `deploy`)
//! give the commands of one root unit per job.

use super::{add_shell_session, ci_job, emit_pipeline, unparsable};
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The Travis CI detector.
pub struct Travis;

const NAME: &str = "travis";
const PHASES: &[&str] = &["before_install", "install", "before_script", "script", "after_success", "before_deploy"];

fn phases(path: &str, n: &Node, u: &mut Unit, out: &mut Output, repo: &crate::RepoIndex) {
    // Every phase runs in the same shell: `cd` and variables carry over.
    let mut chunks = Vec::new();
    for ph in PHASES {
        if let Some(v) = n.get(ph) {
            let items: Vec<&Node> = if v.items().is_empty() { vec![v] } else { v.items().iter().collect() };
            chunks.extend(items.iter().filter_map(|c| c.as_str().map(|t| (t, c.line))));
        }
    }
    add_shell_session(u, out, NAME, path, &chunks, "", Some(repo));
    if let Some(d) = n.get("deploy") {
        let providers: Vec<&Node> = if d.items().is_empty() { vec![d] } else { d.items().iter().collect() };
        for p in providers {
            let provider = p.get("provider").and_then(Node::as_str).unwrap_or("");
            let what = if matches!(provider, "pypi" | "releases" | "npm") { "python-package" } else { "deployment" };
            let kind = if what == "deployment" { "run.deploy" } else { "run.publish" };
            let e = Evidence::new(kind, NAME, Location::line(path, p.line), Confidence::High, &format!("deploy: provider {provider}"));
            let e = if kind == "run.deploy" { e.attr("target", provider) } else { e.attr("what", what) };
            out.push_in(e, &u.id);
        }
    }
}

impl Detector for Travis {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == ".travis.yml"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "travis", NAME, &e),
        };
        let triggers = emit_pipeline(out, f.path, "travis", NAME, &[("push", 1, true), ("pull_request", 1, true)], "Travis CI");
        let mut u = ci_job(f.path, "build", 1, doc.last_line(), &triggers);
        phases(f.path, &doc, &mut u, out, f.repo);
        out.units.push(u);
        for (i, j) in doc
            .path(&["jobs", "include"])
            .or_else(|| doc.path(&["matrix", "include"]))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let cond = j.get("if").and_then(Node::as_str).unwrap_or("");
            let t: BTreeSet<String> = if cond.contains("type = cron") {
                BTreeSet::from(["schedule".into()])
            } else if cond.contains("tag IS present") {
                BTreeSet::from(["tag".into()])
            } else {
                triggers.clone()
            };
            let name = j
                .get("name")
                .or_else(|| j.get("stage"))
                .and_then(Node::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("job{}", i + 1));
            let mut ju = ci_job(f.path, &name, j.line, j.last_line(), &t);
            phases(f.path, j, &mut ju, out, f.repo);
            out.units.push(ju);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn default_push_and_script() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Travis.detect(
            &FileCtx {
                path: ".travis.yml",
                text: "language: python\ninstall: pip install tox\nscript:\n  - tox\n# - pytest\n",
                repo: &repo,
            },
            &mut out,
        );
        let u = &out.units[0];
        assert!(u.triggers.contains("push") && u.triggers.contains("pull_request"));
        assert_eq!(u.commands.len(), 2);
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
    }
}
