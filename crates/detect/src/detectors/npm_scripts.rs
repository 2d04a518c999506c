//! npm scripts: `package.json` `scripts` entries (what `npm test`,
//! `npm run x`, `yarn x`, `pnpm x` run), with `pre`/`post` hooks.
//!
//! Emits one unit per script (`npm:<path>#<name>`) and `run.*` evidence for
//! the commands it runs. Files under `node_modules` are never read.

use super::add_shell;
use crate::evidence::{Location, ScanIssue};
use crate::{Detector, FileCtx, Output, Unit};

/// The npm-scripts detector.
pub struct NpmScripts;

const NAME: &str = "npm-scripts";

impl Detector for NpmScripts {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == "package.json" || path.ends_with("/package.json")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let v: serde_json::Value = match serde_json::from_str(f.text) {
            Ok(v) => v,
            Err(e) => {
                out.issues.push(ScanIssue::new(
                    f.path,
                    Some(e.line() as u32),
                    "json-parse",
                    format!("package.json is not valid JSON: {e}"),
                ));
                return;
            }
        };
        let Some(scripts) = v.get("scripts").and_then(|s| s.as_object()) else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for (name, cmd) in scripts {
            let Some(cmd) = cmd.as_str() else { continue };
            // The line of `"name":` inside the scripts object.
            let needle = format!("\"{name}\"");
            let line = f.text.lines().position(|l| l.contains(&needle) && l.contains(':')).map(|i| i as u32 + 1).unwrap_or(1);
            let mut u = Unit::new(format!("npm:{}#{name}", f.path), Location::line(f.path, line), name);
            for hook in [format!("pre{name}"), format!("post{name}")] {
                if scripts.contains_key(&hook) {
                    u.calls.push((format!("npm:{}#{hook}", f.path), Location::line(f.path, line)));
                }
            }
            add_shell(&mut u, out, NAME, f.path, cmd, line, dir);
            out.units.push(u);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn scripts_run_python() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "{\n  \"name\": \"app\",\n  \"scripts\": {\n    \"test\": \"pytest tests && jest\",\n    \"train\": \"python ml/train.py\"\n  }\n}\n";
        NpmScripts.detect(&FileCtx { path: "package.json", text, repo: &repo }, &mut out);
        let t = out.units.iter().find(|u| u.id == "npm:package.json#test").unwrap();
        assert_eq!(t.location.start_line, 4);
        // pytest and jest are both test runners.
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 2);
    }

    #[test]
    fn invalid_json_is_an_issue_and_no_scripts_is_nothing() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        NpmScripts.detect(&FileCtx { path: "package.json", text: "{ \"scripts\": ", repo: &repo }, &mut out);
        assert_eq!(out.issues[0].kind, "json-parse");
        let mut out = Output::default();
        NpmScripts
            .detect(&FileCtx { path: "package.json", text: "{\"name\": \"x\", \"description\": \"runs pytest\"}", repo: &repo }, &mut out);
        assert!(out.units.is_empty() && out.evidence.is_empty());
    }
}
