//! just: `justfile` recipes, their dependencies and command lines, with
//! `name := "value"` variables expanded (`{{name}}`).
//!
//! Emits one unit per recipe (`just:<path>#<recipe>`; `just:<path>#` is the
//! default recipe, the first one) and `run.*` evidence for its commands.
//! Comment lines are not evidence; shebang recipes (other languages) are skipped.

use super::add_shell;
use crate::evidence::Location;
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeMap;

/// The justfile detector.
pub struct Justfile;

const NAME: &str = "justfile";

impl Detector for Justfile {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        matches!(name, "justfile" | "Justfile" | ".justfile") || name.ends_with(".just")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut current: Option<Unit> = None;
        let mut shebang = false;
        let mut first: Option<String> = None;
        for (i, line) in f.text.lines().enumerate() {
            let n = i as u32 + 1;
            let indented = line.starts_with(' ') || line.starts_with('\t');
            let t = line.trim();
            if indented {
                if let Some(u) = current.as_mut() {
                    if t.starts_with("#!") {
                        shebang = true;
                    }
                    if shebang || t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    let mut cmd = t.trim_start_matches(['@', '-']).to_string();
                    for (k, v) in &vars {
                        cmd = cmd.replace(&format!("{{{{{k}}}}}"), v).replace(&format!("{{{{ {k} }}}}"), v);
                    }
                    add_shell(u, out, NAME, f.path, &cmd, n, dir);
                }
                continue;
            }
            if t.is_empty() || t.starts_with('#') || t.starts_with("set ") || t.starts_with("import ") || t.starts_with('[') {
                continue;
            }
            if let Some((k, v)) = t.split_once(":=") {
                let k = k.trim().trim_start_matches("export ").trim();
                vars.insert(k.to_string(), v.trim().trim_matches(['"', '\'']).to_string());
                continue;
            }
            if let Some((head, deps)) = t.split_once(':') {
                if let Some(u) = current.take() {
                    out.units.push(u);
                }
                shebang = false;
                let name = head.trim_start_matches('@').split_whitespace().next().unwrap_or("").to_string();
                if name.is_empty() {
                    continue;
                }
                first.get_or_insert_with(|| name.clone());
                let mut u = Unit::new(format!("just:{}#{name}", f.path), Location::line(f.path, n), &name);
                for d in deps.split_whitespace().filter(|d| !d.starts_with('(') && !d.starts_with('#')) {
                    u.calls.push((format!("just:{}#{}", f.path, d.trim_matches(['(', ')'])), Location::line(f.path, n)));
                }
                current = Some(u);
            }
        }
        if let Some(u) = current.take() {
            out.units.push(u);
        }
        if let Some(fst) = first {
            let mut d = Unit::new(format!("just:{}#", f.path), Location::line(f.path, 1), "(default recipe)");
            d.calls.push((format!("just:{}#{fst}", f.path), Location::line(f.path, 1)));
            out.units.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn recipes_and_deps() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "py := \"python3\"\n\n# run the tests\ntest: install\n    {{py}} -m pytest -q\n    # pytest --slow\n\ntrain:\n    @{{py}} -m pkg.train\n\nnotebook:\n    #!/usr/bin/env python\n    import pytest\n";
        Justfile.detect(&FileCtx { path: "justfile", text, repo: &repo }, &mut out);
        let t = out.units.iter().find(|u| u.id == "just:justfile#test").unwrap();
        assert_eq!(t.commands[0].argv, vec!["python3", "-m", "pytest", "-q"]);
        assert_eq!(t.calls[0].0, "just:justfile#install");
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        assert!(out.units.iter().find(|u| u.id == "just:justfile#notebook").unwrap().commands.is_empty());
    }
}
