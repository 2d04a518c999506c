//! nox: `noxfile.py` sessions and the commands they `session.run(...)`.
//!
//! Emits one unit per session (`nox:<path>#<name>`; `nox:<path>#` runs them
//! all) and `run.*` evidence for their commands. Comments and docstrings are
//! not evidence. Example: `@nox.session\ndef tests(session):
//! session.run("pytest")` -> unit `nox:noxfile.py#tests`, `run.tests`.

use super::add_cmd;
use crate::evidence::Location;
use crate::pylex;
use crate::{Cmd, Detector, FileCtx, Output, Unit};
use regex::bytes::Regex;
use std::sync::LazyLock;

/// The nox detector.
pub struct Nox;

const NAME: &str = "nox";
static SESSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)(?m)^@nox\.session(?:\(([^)]*)\))?\s*\n(?:@[^\n]*\n)*def\s+(\w+)").unwrap());
static RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bsession\.run\(").unwrap());
static STR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)['"]([^'"]*)['"]"#).unwrap());
static NAME_ARG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)name\s*=\s*['"]([^'"]+)['"]"#).unwrap());

impl Detector for Nox {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == "noxfile.py" || path.ends_with("/noxfile.py")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let masked = pylex::mask(f.text);
        let idx = pylex::LineIndex::new(&masked);
        let mb = masked.as_bytes();
        let sessions: Vec<_> = SESSION.captures_iter(mb).collect();
        let mut all = Unit::new(format!("nox:{}#", f.path), Location::line(f.path, 1), "(all sessions)");
        for (i, c) in sessions.iter().enumerate() {
            let start = c.get(0).unwrap().start();
            let end = sessions.get(i + 1).map(|n| n.get(0).unwrap().start()).unwrap_or(masked.len());
            let name = c
                .get(1)
                .and_then(|a| NAME_ARG.captures(a.as_bytes()))
                .map(|m| String::from_utf8_lossy(&m[1]).into_owned())
                .unwrap_or_else(|| String::from_utf8_lossy(&c[2]).into_owned());
            let mut u = Unit::new(format!("nox:{}#{name}", f.path), Location::line(f.path, idx.line(start)), &name);
            let body = &mb[start..end];
            for m in RUN.find_iter(body) {
                let from = start + m.end();
                let close = crate::pylex::closing_paren(&mb[from..]).map(|e| from + e).unwrap_or(end);
                let args: Vec<String> = STR.captures_iter(&mb[from..close]).map(|s| String::from_utf8_lossy(&s[1]).into_owned()).collect();
                if args.is_empty() {
                    continue;
                }
                let line = idx.line(start + m.start());
                let text = masked.lines().nth(line as usize - 1).unwrap_or("").to_string();
                add_cmd(&mut u, out, NAME, Cmd { argv: args, location: Location::line(f.path, line), text, workdir: String::new() });
            }
            all.calls.push((u.id.clone(), u.location.clone()));
            out.units.push(u);
        }
        out.units.push(all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn sessions_and_runs() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "import nox\n\n@nox.session(python=['3.11'])\ndef tests(session):\n    session.install('-r', 'requirements.txt')\n    session.run('pytest', '-q', 'tests')\n    # session.run('pytest', '--slow')\n\n@nox.session(name='train-model')\ndef train(session):\n    session.run(\n        'python', 'src/train.py'\n    )\n";
        Nox.detect(&FileCtx { path: "noxfile.py", text, repo: &repo }, &mut out);
        let t = out.units.iter().find(|u| u.id == "nox:noxfile.py#tests").unwrap();
        assert_eq!(t.commands.len(), 1);
        assert_eq!(t.commands[0].argv, vec!["pytest", "-q", "tests"]);
        let tr = out.units.iter().find(|u| u.id == "nox:noxfile.py#train-model").unwrap();
        assert_eq!(tr.commands[0].argv, vec!["python", "src/train.py"]);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }
}
