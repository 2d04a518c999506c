//! Jenkins: the root `Jenkinsfile` (multibranch pipelines run it on every
//! push), declarative or scripted.
//!
//! Emits `ci.pipeline`, `ci.trigger` (default push; `triggers { cron }` is
//! schedule, `pollSCM` push, `upstream` external), `ci.environment` (stages
//! deploying to a named environment), and one root unit per `stage` with the
//! commands of its `sh` / `bat` steps. Comments (`//`, `/* */`) are removed
//! first, so commented-out steps are not evidence. Example:
//! `stage('Test') { steps { sh 'pytest' } }` -> unit `ci:Jenkinsfile#Test`.

use super::add_shell;
use crate::evidence::{Confidence, Evidence, Location};
use crate::pylex::LineIndex;
use crate::{Detector, FileCtx, Output, Unit};
use regex::bytes::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The Jenkins detector.
pub struct Jenkins;

const NAME: &str = "jenkins";

static STAGE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)\bstage\s*\(\s*(?:name\s*:\s*)?['"]([^'"]+)['"]"#).unwrap());
static SH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)\b(?:sh|bat|pwsh|powershell)\s*(?:\(\s*(?:script\s*:\s*)?)?('''|"""|'|")"#).unwrap());
static ENV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)(?i)\b(?:DEPLOY_ENV|ENVIRONMENT|TARGET_ENV)\s*=\s*['"](dev|test|qa|staging|stage|prod|production|uat)['"]"#).unwrap()
});

impl Detector for Jenkins {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == "Jenkinsfile"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let code = strip_comments(f.text);
        let idx = LineIndex::new(&code);
        let mut triggers = BTreeSet::new();
        let trig = |t: &str, line: u32, default: bool, what: &str, out: &mut Output| {
            let mut e = Evidence::new("ci.trigger", NAME, Location::line(f.path, line), Confidence::High, what)
                .attr("system", "jenkins")
                .attr("trigger", t);
            if default {
                e = e.attr("default", "true");
            }
            out.push(e);
        };
        // Root Jenkinsfile: multibranch pipelines build every push and PR.
        triggers.insert("push".to_string());
        trig("push", 1, true, "Jenkinsfile: multibranch pipelines build every push", out);
        for (pat, t) in [
            ("cron(", "schedule"),
            ("parameterizedCron(", "schedule"),
            ("pollSCM(", "push"),
            ("upstream(", "external"),
            ("githubPush(", "push"),
        ] {
            if let Some(pos) = code.find(pat) {
                triggers.insert(t.to_string());
                trig(t, idx.line(pos), false, pat.trim_end_matches('('), out);
            }
        }
        out.push(
            Evidence::new("ci.pipeline", NAME, Location::line(f.path, 1), Confidence::High, "Jenkinsfile")
                .attr("system", "jenkins")
                .attr("triggers", triggers.iter().cloned().collect::<Vec<_>>().join(",")),
        );
        // Stages: each from its header to the next header.
        let stages: Vec<(usize, String)> = STAGE
            .captures_iter(code.as_bytes())
            .map(|c| (c.get(0).unwrap().start(), String::from_utf8_lossy(&c[1]).into_owned()))
            .collect();
        let bounds: Vec<(usize, usize, String)> = if stages.is_empty() {
            vec![(0, code.len(), "pipeline".to_string())]
        } else {
            stages.iter().enumerate().map(|(i, (s, n))| (*s, stages.get(i + 1).map(|x| x.0).unwrap_or(code.len()), n.clone())).collect()
        };
        for (start, end, name) in bounds {
            let body = &code[start..end];
            let mut unit =
                Unit::new(format!("ci:{}#{name}", f.path), Location::new(f.path, idx.line(start), idx.line(end.saturating_sub(1))), &name);
            unit.root = true;
            unit.triggers = triggers.clone();
            if body.contains("input ") || body.contains("input(") {
                // An approval gate: allowed by L3.release.cd, noted on the unit.
                unit.label = format!("{name} (approval)");
            }
            for m in SH.captures_iter(body.as_bytes()) {
                let q = m.get(1).unwrap();
                let qs = std::str::from_utf8(q.as_bytes()).unwrap_or("'");
                let abs = start + q.end();
                let rest = &code[abs..end];
                let Some(close) = rest.find(qs) else { continue };
                let script = &rest[..close];
                let line = idx.line(abs);
                let script = script.replace("\\\n", " \\\n");
                add_shell(&mut unit, out, NAME, f.path, &script, line, "");
            }
            for c in ENV.captures_iter(body.as_bytes()) {
                let pos = start + c.get(0).unwrap().start();
                let whole = String::from_utf8_lossy(c.get(0).unwrap().as_bytes()).into_owned();
                out.push_in(
                    Evidence::new("ci.environment", NAME, Location::line(f.path, idx.line(pos)), Confidence::Medium, &whole)
                        .attr("system", "jenkins")
                        .attr("name", String::from_utf8_lossy(&c[1]).to_lowercase()),
                    &unit.id,
                );
            }
            out.units.push(unit);
        }
    }
}

/// Blank `//` and `/* */` comments (not inside strings), keeping offsets.
pub fn strip_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'\'' || c == b'"' {
            quote = Some(c);
        } else if c == b'/' && i + 1 < b.len() && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                out[i] = b' ';
                i += 1;
            }
            continue;
        } else if c == b'/' && i + 1 < b.len() && b[i + 1] == b'*' {
            while i < b.len() && !(b[i] == b'*' && i + 1 < b.len() && b[i + 1] == b'/') {
                if b[i] != b'\n' {
                    out[i] = b' ';
                }
                i += 1;
            }
            for byte in out.iter_mut().take((i + 2).min(b.len())).skip(i) {
                *byte = b' ';
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Jenkins.detect(&FileCtx { path: "Jenkinsfile", text, repo: &repo }, &mut out);
        out
    }

    #[test]
    fn declarative_stages() {
        let o = run("pipeline {\n  agent any\n  triggers { cron('H 2 * * *') }\n  stages {\n    stage('Test') {\n      steps {\n        sh 'pip install -r requirements.txt'\n        sh \"\"\"\n          python -m pytest tests/\n        \"\"\"\n      }\n    }\n    stage('Train') { steps { sh 'python src/train.py' } }\n  }\n}\n");
        let test = o.units.iter().find(|u| u.id == "ci:Jenkinsfile#Test").unwrap();
        assert_eq!(test.commands.len(), 2);
        let t = o.evidence.iter().find(|(e, _)| e.kind == "run.tests").unwrap();
        assert_eq!(t.0.location.start_line, 9);
        assert!(test.triggers.contains("schedule") && test.triggers.contains("push"));
    }

    #[test]
    fn commented_steps_are_not_evidence() {
        let o = run("pipeline {\n  stages {\n    stage('T') {\n      steps {\n        // sh 'pytest'\n        /* sh 'pytest -q' */\n        sh 'echo http://x//y'\n      }\n    }\n  }\n}\n");
        assert!(o.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
        assert_eq!(o.units[0].commands.len(), 1);
    }
}
