//! mise tasks: `mise.toml` / `.mise.toml` `[tasks.<name>]` with `run`
//! (a command or a list) and `depends`; what `mise run <task>` starts.
//! A line-oriented reader is enough for these tables; comments are skipped.

use super::add_shell;
use super::pyproject::strings;
use crate::evidence::Location;
use crate::{Detector, FileCtx, Output, Unit};

/// The mise detector.
pub struct Mise;

const NAME: &str = "mise";

impl Detector for Mise {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        matches!(name, "mise.toml" | ".mise.toml")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let mut current: Option<Unit> = None;
        let mut in_tasks_table = false;
        for (i, raw) in f.text.lines().enumerate() {
            let n = i as u32 + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if l.starts_with('[') {
                out.units.extend(current.take());
                let section = l.trim_matches(['[', ']']).trim();
                in_tasks_table = section == "tasks";
                if let Some(name) = section.strip_prefix("tasks.") {
                    let name = name.trim_matches('"');
                    current = Some(Unit::new(format!("mise:{}#{name}", f.path), Location::line(f.path, n), name));
                }
                continue;
            }
            let Some((k, v)) = l.split_once('=') else { continue };
            let k = k.trim();
            if in_tasks_table {
                // `[tasks]` shorthand: `name = "command"`.
                let mut u = Unit::new(format!("mise:{}#{}", f.path, k.trim_matches('"')), Location::line(f.path, n), k);
                for c in strings(v) {
                    add_shell(&mut u, out, NAME, f.path, &c, n, "");
                }
                out.units.push(u);
            } else if let Some(u) = current.as_mut() {
                match k {
                    "run" => {
                        for c in strings(v) {
                            add_shell(u, out, NAME, f.path, &c, n, "");
                        }
                    }
                    "depends" => {
                        for d in strings(v) {
                            u.calls.push((format!("mise:{}#{d}", f.path), Location::line(f.path, n)));
                        }
                    }
                    _ => {}
                }
            }
        }
        out.units.extend(current.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn tasks_and_comments() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "[tasks.test]\ndescription = \"tests\"\nrun = \"uv run pytest\"\ndepends = [\"install\"]\n# run = \"pytest --slow\"\n\n[tasks]\nlint = \"ruff check\"\n";
        Mise.detect(&FileCtx { path: "mise.toml", text, repo: &repo }, &mut out);
        let t = out.units.iter().find(|u| u.id == "mise:mise.toml#test").unwrap();
        assert_eq!(t.commands[0].argv, vec!["pytest"]);
        assert_eq!(t.calls[0].0, "mise:mise.toml#install");
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        assert!(out.units.iter().any(|u| u.id == "mise:mise.toml#lint"));
    }
}
