//! tox: `tox.ini` environments and their `commands`.
//!
//! Emits one unit per environment (`tox:<path>#<env>`; `tox:<path>#` runs the
//! `envlist`) and `run.*` evidence for its commands. Named environments with
//! no commands inherit `[testenv]`'s. Comment lines are not evidence.
//! Example: `[testenv]\ncommands = pytest {posargs}` -> `run.tests`.

use super::add_shell;
use crate::evidence::Location;
use crate::{Detector, FileCtx, Output, Unit};

/// The tox detector.
pub struct Tox;

const NAME: &str = "tox";

impl Detector for Tox {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == "tox.ini" || path.ends_with("/tox.ini")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let sections = ini_sections(f.text);
        let mut envlist: Vec<String> = Vec::new();
        let mut base_cmds: Option<(u32, Vec<(u32, String)>)> = None;
        let mut envs: Vec<EnvDef> = Vec::new();
        for (name, line, keys) in &sections {
            let get = |k: &str| keys.iter().find(|(kk, ..)| kk == k);
            if name == "tox" {
                if let Some((_, _, v)) = get("envlist").or_else(|| get("env_list")) {
                    envlist = v.iter().flat_map(|(_, s)| s.split(',')).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                }
            } else if name == "testenv" {
                base_cmds = get("commands").map(|(_, l, v)| (*l, v.clone()));
            } else if let Some(env) = name.strip_prefix("testenv:") {
                envs.push((env.to_string(), *line, get("commands").map(|(_, _, v)| v.clone())));
            }
        }
        let mut all_names: Vec<String> = envlist.clone();
        for (n, ..) in &envs {
            if !all_names.contains(n) {
                all_names.push(n.clone());
            }
        }
        let make = |env: &str, line: u32, cmds: &[(u32, String)], out: &mut Output| {
            let mut u = Unit::new(format!("tox:{}#{env}", f.path), Location::line(f.path, line), env);
            for (l, c) in cmds {
                let c = substitute(c);
                add_shell(&mut u, out, NAME, f.path, &c, *l, dir);
            }
            out.units.push(u);
        };
        for env in &all_names {
            let own = envs.iter().find(|(n, ..)| n == env);
            match own {
                Some((_, line, Some(cmds))) => make(env, *line, cmds, out),
                Some((_, line, None)) => make(env, *line, base_cmds.as_ref().map(|b| b.1.as_slice()).unwrap_or(&[]), out),
                None => {
                    make(env, base_cmds.as_ref().map(|b| b.0).unwrap_or(1), base_cmds.as_ref().map(|b| b.1.as_slice()).unwrap_or(&[]), out)
                }
            }
        }
        if let Some((line, cmds)) = &base_cmds {
            make("*", *line, cmds, out);
        }
        let mut all = Unit::new(format!("tox:{}#", f.path), Location::line(f.path, 1), "(envlist)");
        let defaults = if envlist.is_empty() { vec!["py".to_string()] } else { envlist };
        if !all_names.iter().any(|n| n == "py") && defaults == ["py"] {
            make("py", base_cmds.as_ref().map(|b| b.0).unwrap_or(1), base_cmds.as_ref().map(|b| b.1.as_slice()).unwrap_or(&[]), out);
        }
        for e in defaults {
            all.calls.push((format!("tox:{}#{e}", f.path), Location::line(f.path, 1)));
        }
        out.units.push(all);
    }
}

/// tox substitutions: `{posargs:default}` -> default, `{posargs}` -> nothing,
/// `{toxinidir}` -> `.`.
fn substitute(c: &str) -> String {
    let mut s = c.replace("{toxinidir}/", "").replace("{toxinidir}", ".").replace("{tox_root}/", "");
    while let Some(pos) = s.find("{posargs") {
        let Some(end) = s[pos..].find('}') else { break };
        let inner = &s[pos + 1..pos + end];
        let default = inner.split_once(':').map(|(_, d)| d.to_string()).unwrap_or_default();
        s.replace_range(pos..pos + end + 1, &default);
    }
    s
}

type EnvDef = (String, u32, Option<Vec<(u32, String)>>);
type Section = (String, u32, Vec<(String, u32, Vec<(u32, String)>)>);

/// Parse INI sections: name, line, and keys with (line, value-line) lists
/// (continuation lines are indented).
pub fn ini_sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let t = raw.trim();
        if t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') {
            out.push((t[1..t.len() - 1].trim().to_string(), line_no, Vec::new()));
            continue;
        }
        let Some(sec) = out.last_mut() else { continue };
        if t.is_empty() {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            if let Some(last) = sec.2.last_mut() {
                last.2.push((line_no, t.to_string()));
            }
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            let mut vals = Vec::new();
            if !v.trim().is_empty() {
                vals.push((line_no, v.trim().to_string()));
            }
            sec.2.push((k.trim().to_string(), line_no, vals));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn envs_inherit_commands() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "[tox]\nenvlist = py311, lint\n\n[testenv]\ndeps = pytest\ncommands =\n    pytest {posargs:tests}\n    # pytest -x\n\n[testenv:lint]\ncommands = ruff check .\n";
        Tox.detect(&FileCtx { path: "tox.ini", text, repo: &repo }, &mut out);
        let py = out.units.iter().find(|u| u.id == "tox:tox.ini#py311").unwrap();
        assert_eq!(py.commands.len(), 1);
        assert_eq!(py.commands[0].location.start_line, 7);
        assert_eq!(py.commands[0].argv, vec!["pytest", "tests"]);
        let lint = out.units.iter().find(|u| u.id == "tox:tox.ini#lint").unwrap();
        assert_eq!(lint.commands[0].argv[0], "ruff");
        let mut locs: Vec<_> = out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").map(|(e, _)| e.location.clone()).collect();
        locs.dedup();
        assert_eq!(locs.len(), 1);
        assert!(out.units.iter().any(|u| u.id == "tox:tox.ini#*"), "[testenv] is runnable as any env");
    }
}
