//! Makefiles: targets, their prerequisites and recipe commands, with simple
//! variables (`PY = python`, `$(PY)`, `${PY}`) expanded.
//!
//! Emits one unit per target (`make:<path>#<target>`, calling its
//! prerequisites) and `run.*` evidence for recipe commands. Comment lines and
//! commented recipe lines are not evidence. Example: `test:\n\tpytest -q` ->
//! unit `make:Makefile#test` running `pytest -q` (`run.tests`).

use super::add_shell;
use crate::evidence::Location;
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeMap;

/// The Makefile detector.
pub struct Makefile;

const NAME: &str = "makefile";

/// True for Makefile names make reads.
pub fn is_makefile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "Makefile" | "makefile" | "GNUmakefile") || name.ends_with(".mk")
}

impl Detector for Makefile {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_makefile(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut current: Vec<Unit> = Vec::new();
        let mut first_target: Option<String> = None;
        let lines: Vec<&str> = f.text.lines().collect();
        let mut i = 0;
        let flush = |current: &mut Vec<Unit>, out: &mut Output| out.units.append(current);
        while i < lines.len() {
            let line = lines[i];
            let line_no = i as u32 + 1;
            i += 1;
            if let Some(recipe) = line.strip_prefix('\t') {
                if current.is_empty() {
                    continue;
                }
                let mut text = recipe.to_string();
                while text.trim_end().ends_with('\\') && i < lines.len() {
                    text = format!("{} {}", text.trim_end().trim_end_matches('\\'), lines[i].trim_start_matches('\t'));
                    i += 1;
                }
                let text = text.trim_start_matches(['@', '-', '+', ' ']);
                let expanded = expand(text, &vars);
                let expanded = expanded.replace("$(MAKE)", "make").replace("${MAKE}", "make").replace("$$", "$");
                for u in current.iter_mut() {
                    add_shell(u, out, NAME, f.path, &expanded, line_no, dir);
                }
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            // Variable assignment.
            if let Some((name, value)) = assignment(trimmed) {
                vars.insert(name, value);
                continue;
            }
            // Rule: targets: prerequisites
            if let Some((targets, prereqs)) = trimmed.split_once(':') {
                if targets.starts_with('.') || targets.contains('%') || targets.contains('$') && !targets.contains("$(") {
                    flush(&mut current, out);
                    continue;
                }
                flush(&mut current, out);
                let prereqs = prereqs.split(';').next().unwrap_or("").split('#').next().unwrap_or("");
                let prereqs: Vec<String> = expand(prereqs, &vars).split_whitespace().map(str::to_string).collect();
                for t in expand(targets, &vars).split_whitespace() {
                    if first_target.is_none() {
                        first_target = Some(t.to_string());
                    }
                    let mut u = Unit::new(format!("make:{}#{t}", f.path), Location::line(f.path, line_no), t);
                    for p in &prereqs {
                        u.calls.push((format!("make:{}#{p}", f.path), Location::line(f.path, line_no)));
                    }
                    current.push(u);
                }
                // Inline recipe after `;`.
                if let Some((_, inline)) = trimmed.split_once(';') {
                    let expanded = expand(inline, &vars);
                    for u in current.iter_mut() {
                        add_shell(u, out, NAME, f.path, &expanded, line_no, dir);
                    }
                }
                continue;
            }
            flush(&mut current, out);
        }
        flush(&mut current, out);
        // The default goal: what a bare `make` runs.
        if let Some(t) = first_target {
            let mut u = Unit::new(format!("make:{}#", f.path), Location::line(f.path, 1), "(default goal)");
            u.calls.push((format!("make:{}#{t}", f.path), Location::line(f.path, 1)));
            out.units.push(u);
        }
    }
}

fn assignment(line: &str) -> Option<(String, String)> {
    let line = line.strip_prefix("export ").unwrap_or(line);
    let eq = line.find('=')?;
    let name = line[..eq].trim_end_matches([':', '?', '+', '!']).trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return None;
    }
    Some((name.to_string(), line[eq + 1..].trim().to_string()))
}

fn expand(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut s = text.to_string();
    for _ in 0..4 {
        let mut changed = false;
        for (k, v) in vars {
            for pat in [format!("$({k})"), format!("${{{k}}}")] {
                if s.contains(&pat) {
                    s = s.replace(&pat, v);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Makefile.detect(&FileCtx { path: "Makefile", text, repo: &repo }, &mut out);
        out
    }

    #[test]
    fn targets_vars_and_prereqs() {
        let o = run("PY := python3\n.PHONY: test train\n\ntest: install\n\t@$(PY) -m pytest tests/\n\ntrain:\n\t$(PY) src/train.py\n# lint:\n#\tpytest\n");
        let test = o.units.iter().find(|u| u.id == "make:Makefile#test").unwrap();
        assert_eq!(test.commands[0].argv, vec!["python3", "-m", "pytest", "tests/"]);
        assert_eq!(test.calls[0].0, "make:Makefile#install");
        assert_eq!(o.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        let train = o.units.iter().find(|u| u.id == "make:Makefile#train").unwrap();
        assert_eq!(train.commands[0].location.start_line, 8);
    }

    #[test]
    fn commented_recipes_are_not_evidence() {
        let o = run("check:\n\t# pytest -q\n\techo ok\n");
        assert!(o.evidence.is_empty());
    }
}
