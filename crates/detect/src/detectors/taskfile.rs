//! Task (go-task): `Taskfile.yml` tasks, their `deps`, and `cmds` (strings,
//! `{cmd: ...}`, or `{task: other}` calls).
//!
//! Emits one unit per task (`task:<path>#<name>`) and `run.*` evidence.

use super::add_shell;
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The Taskfile detector.
pub struct Taskfile;

const NAME: &str = "taskfile";

impl Detector for Taskfile {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        matches!(name, "Taskfile.yml" | "Taskfile.yaml" | "taskfile.yml" | "taskfile.yaml" | "Taskfile.dist.yml")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(f.text) else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for (k, task) in doc.get("tasks").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let mut u = Unit::new(format!("task:{}#{name}", f.path), Location::new(f.path, k.line, task.last_line()), name);
            let wd = task.get("dir").and_then(Node::as_str).map(|d| crate::paths::join(dir, d)).unwrap_or_else(|| dir.to_string());
            for d in task.get("deps").map(Node::items).unwrap_or_default() {
                let dn = d.as_str().or_else(|| d.get("task").and_then(Node::as_str));
                if let Some(dn) = dn {
                    u.calls.push((format!("task:{}#{dn}", f.path), Location::line(f.path, d.line)));
                }
            }
            let cmds: Vec<&Node> = match task.get("cmds") {
                Some(c) => c.items().iter().collect(),
                None => task.get("cmd").into_iter().collect(),
            };
            for c in cmds {
                if let Some(t) = c.as_str().or_else(|| c.get("cmd").and_then(Node::as_str)) {
                    add_shell(&mut u, out, NAME, f.path, t, c.line, &wd);
                } else if let Some(t) = c.get("task").and_then(Node::as_str) {
                    u.calls.push((format!("task:{}#{t}", f.path), Location::line(f.path, c.line)));
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
    fn tasks_cmds_and_calls() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "version: '3'\ntasks:\n  test:\n    deps: [install]\n    cmds:\n      - pytest -q\n      # - pytest --slow\n  ci:\n    cmds:\n      - task: test\n";
        Taskfile.detect(&FileCtx { path: "Taskfile.yml", text, repo: &repo }, &mut out);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        let ci = out.units.iter().find(|u| u.id.ends_with("#ci")).unwrap();
        assert_eq!(ci.calls[0].0, "task:Taskfile.yml#test");
    }
}
