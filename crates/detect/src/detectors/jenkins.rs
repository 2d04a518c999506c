//! Jenkins: pipelines (declarative `pipeline { agent ... stages { ... } }` or
//! scripted `node { stage('x') { ... } }`) and shared-library steps.
//!
//! - The root `Jenkinsfile` is run by multibranch pipelines on every push:
//!   trigger `push` by default.
//! - Pipelines elsewhere (`ci/Jenkinsfile.deploy`, `Jenkinsfile.release`,
//!   `Jenkinsfile_serving`, `Jenkinsfile-train`, `jenkins/train.groovy`,
//!   `pipelines/x.jenkinsfile`) are recognised by
//!   content, never by name alone: a top-level `pipeline { }` with `agent` or
//!   `stages`, or a `node { }` with `stage(` outside any method or class. A
//!   Groovy library class, a pipeline built inside a method, or a commented-out
//!   pipeline is none. Such a file is registered as a job in the Jenkins UI, so
//!   its start is not in the repository: a `parameters` block means a person
//!   starts it (`manual`); with neither parameters nor triggers its trigger is
//!   `unknown` (RUBRIC "Triggers": partial, like a Cloud Build config).
//! - In every pipeline, `triggers { cron / pollSCM / upstream }` (or
//!   `properties([pipelineTriggers([...])])`) are real triggers: `schedule`,
//!   `push`, `external`.
//! - Shared-library steps: `vars/<step>.groovy` defining `call(...)` is a
//!   callable unit `step:<path>` running its `sh` steps. A pipeline (or
//!   another step) that names `<step>` calls it; literal arguments are bound
//!   to the parameters of `call` (positional, defaults, or named keys of a
//!   single map parameter) in an instance `step:<path>@<caller>:<line>`, so
//!   `trainModel('conf/a.yml')` runs `python train.py --config ${cfg}` with the
//!   path filled in. Groovy interpolation is substituted only in double-quoted
//!   strings (single-quoted `$X` is the shell's).
//!
//! Emits `ci.pipeline`, `ci.trigger`, `ci.environment` (stages deploying to a
//! named environment), and one root unit per `stage` with the commands of its
//! `sh` / `bat` steps, each stage `after` the stages before it. Comments
//! (`//`, `/* */`) are removed first, so commented-out steps are not evidence.
//! Example: `stage('Test') { steps { sh 'pytest' } }` -> unit
//! `ci:Jenkinsfile#Test`.

use super::add_shell;
use crate::evidence::{Confidence, Evidence, Location};
use crate::pylex::LineIndex;
use crate::{Detector, FileCtx, Output, RepoIndex, Unit};
use regex::bytes::Regex;
use std::collections::{BTreeMap, BTreeSet};
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
/// Trigger directives (on string-masked code): `cron('H 2 * * *')`, `cron 'H 2 * * *'`.
static TRIGGER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)\b(cron|parameterizedCron|pollSCM|upstream|githubPush|GenericTrigger)\s*[('"]"#).unwrap());
/// A `parameters { }` block or `parameters([...])` property (string-masked code).
static PARAMS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bparameters\s*[{(]").unwrap());
/// The text before a `{` that opens a method (`def call(String x) {`, `void run() {`).
static DEF_OPENER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:^|[^\w.])(?:def|void|static|private|public|protected|[A-Z]\w*(?:<[^>]*>)?(?:\[\])?)[ \t]+\w+\s*\([^)]*\)\s*(?:throws[^{]*)?$").unwrap()
});
/// The text before a `{` that opens a class.
static CLASS_OPENER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:class|interface|enum|trait)\s+\w+[^{]*$").unwrap());
static PIPELINE_OPENER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bpipeline\s*$").unwrap());
static NODE_OPENER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bnode\s*(?:\([^)]*\))?\s*$").unwrap());
/// `call(` defined by a shared-library step (string-masked code).
static CALL_DEF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b(?:def|void|Object|String|Map|Boolean|Integer|boolean|int)\s+call\s*\(").unwrap());
/// `agent` or `stages` of a declarative pipeline.
static DECLARATIVE_PART: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:stages|agent)\b").unwrap());
static IDENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)[A-Za-z_][A-Za-z0-9_]*").unwrap());

impl Detector for Jenkins {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == "Jenkinsfile"
            || ["Jenkinsfile.", "Jenkinsfile_", "Jenkinsfile-"].iter().any(|p| name.starts_with(p))
            || name.to_ascii_lowercase().ends_with(".jenkinsfile")
            || name.ends_with(".groovy")
    }
    fn screen(&self) -> &'static [&'static str] {
        &["stage", "call"]
    }
    fn unscreened(&self, path: &str) -> bool {
        path == "Jenkinsfile"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let (code, masked) = lex(f.text);
        if f.path == "Jenkinsfile" {
            pipeline(f, &code, &masked, true, out);
        } else if is_step_path(f.path) {
            if CALL_DEF.is_match(masked.as_bytes()) {
                let unit = step_unit(f.repo, f.path, f.text, format!("step:{}", f.path), &Args::default(), out);
                out.units.push(unit);
            }
        } else if pipeline_shaped(&code, &masked) {
            pipeline(f, &code, &masked, false, out);
        }
    }
}

/// A shared-library step file: `vars/<step>.groovy`.
fn is_step_path(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    file.ends_with(".groovy") && parts.next() == Some("vars")
}

/// Whether (comment-stripped, string-masked) Groovy is a pipeline: a
/// declarative `pipeline { }` with `agent` or `stages`, or a scripted
/// `node { }` with `stage(`, outside any method or class body.
pub fn pipeline_shaped(code: &str, masked: &str) -> bool {
    let b = masked.as_bytes();
    // Per open brace: inside a method or class.
    let mut stack: Vec<bool> = Vec::new();
    let mut boundary = 0;
    let (mut declarative, mut scripted) = (false, false);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' => {
                let pre = &b[boundary..i];
                let inside = stack.last().copied().unwrap_or(false);
                let def = DEF_OPENER.is_match(pre) || CLASS_OPENER.is_match(pre);
                if !inside && !def {
                    declarative |= PIPELINE_OPENER.is_match(pre);
                    scripted |= NODE_OPENER.is_match(pre);
                }
                stack.push(inside || def);
                boundary = i + 1;
            }
            b'}' => {
                stack.pop();
                boundary = i + 1;
            }
            b';' => boundary = i + 1,
            _ => {}
        }
    }
    (declarative && DECLARATIVE_PART.is_match(b)) || (scripted && STAGE.is_match(code.as_bytes()))
}

/// Emit the pipeline of a Jenkins file: triggers, one root unit per stage.
fn pipeline(f: &FileCtx<'_>, code: &str, masked: &str, root_file: bool, out: &mut Output) {
    let idx = LineIndex::new(code);
    let mut triggers = BTreeSet::new();
    let mut trig = |t: &str, line: u32, default: bool, what: &str, out: &mut Output| {
        triggers.insert(t.to_string());
        let mut e = Evidence::new("ci.trigger", NAME, Location::line(f.path, line), Confidence::High, what)
            .attr("system", "jenkins")
            .attr("trigger", t);
        if default {
            e = e.attr("default", "true");
        }
        out.push(e);
    };
    if root_file {
        // Root Jenkinsfile: multibranch pipelines build every push and PR.
        trig("push", 1, true, "Jenkinsfile: multibranch pipelines build every push", out);
    }
    let mut seen = BTreeSet::new();
    for m in TRIGGER.captures_iter(masked.as_bytes()) {
        let word = std::str::from_utf8(&m[1]).unwrap_or("");
        let t = match word {
            "cron" | "parameterizedCron" => "schedule",
            "pollSCM" | "githubPush" => "push",
            _ => "external",
        };
        if seen.insert(word.to_string()) {
            trig(t, idx.line(m.get(0).unwrap().start()), false, word, out);
        }
    }
    if !root_file {
        // A job registered in the Jenkins UI: who starts it is not in the repository.
        if let Some(m) = PARAMS.find(masked.as_bytes()) {
            trig("manual", idx.line(m.start()), false, "parameters: a person starts the job with its parameters", out);
        } else if seen.is_empty() {
            trig("unknown", 1, true, "pipeline registered in the Jenkins UI: its trigger is not in the repository", out);
        }
    }
    let triggers = triggers;
    let name = f.path.rsplit('/').next().unwrap_or(f.path);
    out.push(
        Evidence::new("ci.pipeline", NAME, Location::line(f.path, 1), Confidence::High, name)
            .attr("system", "jenkins")
            .attr("triggers", triggers.iter().cloned().collect::<Vec<_>>().join(",")),
    );
    // Stages: each from its header to the next header.
    let stages: Vec<(usize, String)> =
        STAGE.captures_iter(code.as_bytes()).map(|c| (c.get(0).unwrap().start(), String::from_utf8_lossy(&c[1]).into_owned())).collect();
    let bounds: Vec<(usize, usize, String)> = if stages.is_empty() {
        vec![(0, code.len(), "pipeline".to_string())]
    } else {
        // Whatever precedes the first stage (scripted set-up, helper calls) belongs to it.
        stages
            .iter()
            .enumerate()
            .map(|(i, (s, n))| (if i == 0 { 0 } else { *s }, stages.get(i + 1).map(|x| x.0).unwrap_or(code.len()), n.clone()))
            .collect()
    };
    let mut before: Vec<String> = Vec::new();
    for (start, end, name) in bounds {
        let id = format!("ci:{}#{name}", f.path);
        let mut unit = Unit::new(id.clone(), Location::new(f.path, idx.line(start), idx.line(end.saturating_sub(1))), &name);
        unit.root = true;
        unit.triggers = triggers.clone();
        unit.after = before.clone();
        let body = &code[start..end];
        if body.contains("input ") || body.contains("input(") {
            // An approval gate: allowed by L3.release.cd, noted on the unit.
            unit.label = format!("{name} (approval)");
        }
        shell_steps(&mut unit, out, f.path, code, &idx, start, end, &BTreeMap::new());
        environments(&unit.id, out, f.path, code, &idx, start, end);
        drift_gates(&unit.id, out, f.path, code, masked, &idx, start, end);
        step_calls(f.repo, &mut unit, out, f.path, code, masked, &idx, start, end);
        if !before.contains(&id) {
            before.push(id);
        }
        out.units.push(unit);
    }
}

/// The `sh` / `bat` steps of `code[start..end]` as commands of `unit`;
/// `bound` fills Groovy interpolation in double-quoted scripts.
#[allow(clippy::too_many_arguments)]
fn shell_steps(
    unit: &mut Unit,
    out: &mut Output,
    path: &str,
    code: &str,
    idx: &LineIndex,
    start: usize,
    end: usize,
    bound: &BTreeMap<String, String>,
) {
    let body = &code[start..end];
    for m in SH.captures_iter(body.as_bytes()) {
        let q = m.get(1).unwrap();
        let qs = std::str::from_utf8(q.as_bytes()).unwrap_or("'");
        let abs = start + q.end();
        let rest = &code[abs..end];
        let Some(close) = find_close(rest, qs) else { continue };
        let mut script = rest[..close].to_string();
        if qs.starts_with('"') {
            script = interpolate(&script, bound).replace("\\$", "$");
        }
        let script = script.replace("\\\n", " \\\n");
        add_shell(unit, out, NAME, path, &script, idx.line(abs), "");
    }
}

/// End of a string body opened by `q` (escaped quotes skipped).
fn find_close(rest: &str, q: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i..].starts_with(q.as_bytes()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Groovy GString interpolation of the bound names: `${x}`, `$x`, `${cfg.key}`.
fn interpolate(s: &str, bound: &BTreeMap<String, String>) -> String {
    if bound.is_empty() || !s.contains('$') {
        return s.to_string();
    }
    let mut out = s.to_string();
    // Longest names first so `$cfg.key` wins over `$cfg`.
    let mut names: Vec<(&String, &String)> = bound.iter().collect();
    names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in names {
        out = out.replace(&format!("${{{k}}}"), v);
        let bare = format!("${k}");
        let mut res = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(&bare) {
            let escaped = pos > 0 && rest.as_bytes()[pos - 1] == b'\\';
            let next = rest[pos + bare.len()..].chars().next();
            res.push_str(&rest[..pos]);
            if escaped || next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                res.push_str(&bare);
            } else {
                res.push_str(v);
            }
            rest = &rest[pos + bare.len()..];
        }
        res.push_str(rest);
        out = res;
    }
    out
}

/// `if (` of scripted Groovy and `expression {` of a declarative `when` (string-masked code).
static GATE_OPENER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:if\s*\(|expression\s*\{)").unwrap());

/// `ci.drift-gate` for the blocks of `code[start..end]` (one stage) that run
/// only on a drift or degradation condition: the body of a scripted
/// `if (cond) { ... }`, or the whole stage under `when { expression { cond } }`.
/// The condition is read from the comment-stripped code (string keys such as
/// `cfg["drift_score"]` count); the braces are matched on the masked code.
#[allow(clippy::too_many_arguments)]
fn drift_gates(unit: &str, out: &mut Output, path: &str, code: &str, masked: &str, idx: &LineIndex, start: usize, end: usize) {
    let mb = masked.as_bytes();
    for m in GATE_OPENER.find_iter(&mb[start..end]) {
        let open = start + m.end() - 1;
        let is_if = mb[open] == b'(';
        let Some(close) = matching(mb, open, end) else { continue };
        let cond = &code[open + 1..close];
        if !super::is_drift_condition(cond) {
            continue;
        }
        if is_if {
            // The block after the condition: `{ ... }` (an unbraced single statement ends at the line end).
            let rest = &masked[close + 1..end];
            let skip = rest.len() - rest.trim_start().len();
            let body_start = close + 1 + skip;
            let body_end = if mb.get(body_start) == Some(&b'{') {
                matching(mb, body_start, end).unwrap_or(end)
            } else {
                masked[body_start..end].find('\n').map(|n| body_start + n).unwrap_or(end)
            };
            super::drift_gate(out, NAME, path, idx.line(body_start), idx.line(body_end), cond, unit);
        } else {
            super::drift_gate(out, NAME, path, idx.line(start), idx.line(end.saturating_sub(1)), cond, unit);
        }
    }
}

/// The index of the bracket closing the one at `open` (before `end`).
fn matching(b: &[u8], open: usize, end: usize) -> Option<usize> {
    let (o, c) = (b[open], if b[open] == b'(' { b')' } else { b'}' });
    let mut depth = 0usize;
    for (i, &x) in b.iter().enumerate().take(end).skip(open) {
        if x == o {
            depth += 1;
        } else if x == c {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// `ci.environment` for environment names assigned in `code[start..end]`.
fn environments(unit: &str, out: &mut Output, path: &str, code: &str, idx: &LineIndex, start: usize, end: usize) {
    for c in ENV.captures_iter(&code.as_bytes()[start..end]) {
        let pos = start + c.get(0).unwrap().start();
        let whole = String::from_utf8_lossy(c.get(0).unwrap().as_bytes()).into_owned();
        out.push_in(
            Evidence::new("ci.environment", NAME, Location::line(path, idx.line(pos)), Confidence::Medium, &whole)
                .attr("system", "jenkins")
                .attr("name", String::from_utf8_lossy(&c[1]).to_lowercase()),
            unit,
        );
    }
}

/// Literal arguments of one step call: positional, and named (`key: 'v'`).
#[derive(Debug, Default)]
struct Args {
    positional: Vec<Option<String>>,
    named: BTreeMap<String, String>,
}

/// The shared-library step files named `<name>.groovy` in a `vars/` folder.
fn step_files<'a>(repo: &'a RepoIndex, name: &str) -> impl Iterator<Item = &'a str> {
    repo.files_named(&format!("{name}.groovy")).into_iter().filter(|p| is_step_path(p))
}

/// Calls of shared-library steps in `code[start..end]`: each identifier (in
/// code, not in strings, not after `.`) naming a `vars/<name>.groovy` of the
/// repository. With literal arguments the step is instantiated with them.
#[allow(clippy::too_many_arguments)]
fn step_calls(
    repo: &RepoIndex,
    unit: &mut Unit,
    out: &mut Output,
    path: &str,
    code: &str,
    masked: &str,
    idx: &LineIndex,
    start: usize,
    end: usize,
) {
    let mb = masked.as_bytes();
    for m in IDENT.find_iter(&mb[start..end]) {
        let (s, e) = (start + m.start(), start + m.end());
        if s > 0 && (mb[s - 1] == b'.' || mb[s - 1].is_ascii_alphanumeric() || mb[s - 1] == b'_' || mb[s - 1] == b'$') {
            continue;
        }
        let name = &masked[s..e];
        if matches!(name, "def" | "call" | "sh" | "bat" | "stage" | "node" | "steps" | "script" | "pipeline") {
            continue;
        }
        let files: Vec<&str> = step_files(repo, name).filter(|p| *p != path).collect();
        if files.is_empty() {
            continue;
        }
        let args = call_args(code, masked, e, end);
        let line = idx.line(s);
        for callee in files {
            let loc = Location::line(path, line);
            let bound = !args.named.is_empty() || args.positional.iter().any(Option::is_some);
            match repo.text(callee).filter(|_| bound) {
                Some(text) => {
                    let id = format!("step:{callee}@{path}:{line}");
                    let inst = step_unit(repo, callee, &text, id.clone(), &args, out);
                    out.units.push(inst);
                    unit.calls.push((id, loc));
                }
                None => unit.calls.push((format!("step:{callee}"), loc)),
            }
        }
    }
}

/// The arguments after a step name at `pos`: `(a, b)` or, paren-less, to the end of the line.
fn call_args(code: &str, masked: &str, pos: usize, end: usize) -> Args {
    let mb = masked.as_bytes();
    let mut i = pos;
    while i < end && (mb[i] == b' ' || mb[i] == b'\t') {
        i += 1;
    }
    let (from, to) = if i < end && mb[i] == b'(' {
        let close = crate::pylex::closing_paren(&mb[i + 1..end]).map_or(end, |c| i + 1 + c);
        (i + 1, close)
    } else if i < end && i > pos && (mb[i] == b'\'' || mb[i] == b'"' || mb[i].is_ascii_alphabetic()) {
        // Paren-less: to the end of the statement (line, `;`, or the block's `}`).
        let mut depth = 0i32;
        let mut j = i;
        while j < end {
            match mb[j] {
                b'\n' | b';' if depth == 0 => break,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            j += 1;
        }
        (i, j)
    } else {
        return Args::default();
    };
    let mut args = Args::default();
    let mut depth = 0i32;
    let mut s = from;
    for j in from..=to {
        let c = if j < to { mb[j] } else { b',' };
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                let arg = code[s..j].trim();
                s = j + 1;
                if arg.is_empty() {
                    continue;
                }
                match arg.split_once(':').filter(|(k, _)| k.trim().chars().all(|c| c.is_alphanumeric() || c == '_')) {
                    Some((k, v)) => {
                        if let Some(v) = literal(v.trim()) {
                            args.named.insert(k.trim().to_string(), v);
                        }
                    }
                    None => args.positional.push(literal(arg)),
                }
            }
            _ => {}
        }
    }
    args
}

/// The value of a Groovy literal: a quoted string with no interpolation, or a number.
fn literal(s: &str) -> Option<String> {
    for q in ["'''", "\"\"\"", "'", "\""] {
        if s.len() >= 2 * q.len() && s.starts_with(q) && s.ends_with(q) {
            let v = &s[q.len()..s.len() - q.len()];
            return (!(q.starts_with('"') && v.contains("${"))).then(|| v.to_string());
        }
    }
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.')).then(|| s.to_string())
}

/// The unit of a shared-library step (`def call(...)` in `vars/<step>.groovy`):
/// its `sh` steps with the parameters bound to `args` (or their defaults),
/// and the steps it calls in turn (not instantiated: no recursion).
fn step_unit(repo: &RepoIndex, path: &str, text: &str, id: String, args: &Args, out: &mut Output) -> Unit {
    let (code, masked) = lex(text);
    let idx = LineIndex::new(&code);
    let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".groovy");
    let mut unit = Unit::new(id, Location::new(path, 1, idx.line(code.len().saturating_sub(1))), stem);
    let mut bound = BTreeMap::new();
    if let Some(m) = CALL_DEF.find(masked.as_bytes()) {
        let open = m.end();
        let close = masked[open..].find(')').map(|c| open + c).unwrap_or(open);
        let params: Vec<(String, Option<String>)> = split_top(&masked[open..close])
            .into_iter()
            .map(|(a, b)| {
                let p = &code[open + a..open + b];
                let (decl, default) = p.split_once('=').map(|(d, v)| (d, literal(v.trim()))).unwrap_or((p, None));
                (decl.split_whitespace().last().unwrap_or("").to_string(), default)
            })
            .filter(|(n, _)| !n.is_empty())
            .collect();
        for (i, (name, default)) in params.iter().enumerate() {
            if let Some(v) = args.positional.get(i).cloned().flatten().or_else(|| default.clone()) {
                bound.insert(name.clone(), v);
            }
        }
        // `def call(Map config)` called as `step(key: 'v')`: `config.key`.
        if let [(name, _)] = params.as_slice() {
            for (k, v) in &args.named {
                bound.insert(format!("{name}.{k}"), v.clone());
            }
        }
    }
    shell_steps(&mut unit, out, path, &code, &idx, 0, code.len(), &bound);
    environments(&unit.id.clone(), out, path, &code, &idx, 0, code.len());
    // Steps this step calls (by their own, unbound units).
    let mb = masked.as_bytes();
    let mut called = BTreeSet::new();
    for m in IDENT.find_iter(mb) {
        let s = m.start();
        if s > 0 && (mb[s - 1] == b'.' || mb[s - 1] == b'$') {
            continue;
        }
        let name = &masked[s..m.end()];
        for callee in step_files(repo, name).filter(|p| *p != path) {
            if called.insert(callee) {
                unit.calls.push((format!("step:{callee}"), Location::line(path, idx.line(s))));
            }
        }
    }
    unit
}

/// Spans of the top-level comma-separated items of `s`.
fn split_top(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut depth, mut from) = (0i32, 0);
    for (i, c) in s.bytes().enumerate() {
        match c {
            b'(' | b'[' | b'{' | b'<' => depth += 1,
            b')' | b']' | b'}' | b'>' => depth -= 1,
            b',' if depth == 0 => {
                out.push((from, i));
                from = i + 1;
            }
            _ => {}
        }
    }
    if !s[from..].trim().is_empty() {
        out.push((from, s.len()));
    }
    out
}

/// Blank the contents of string literals (`'…'`, `"…"`, `'''…'''`,
/// `"""…"""`; `${…}` inside double quotes stays code) and comments,
/// keeping newlines and offsets.
pub fn mask_strings(code: &str) -> String {
    lex(code).1
}

/// Blank `//` and `/* */` comments (not inside strings), keeping offsets.
pub fn strip_comments(src: &str) -> String {
    lex(src).0
}

/// Groovy lexing: `(comments blanked, comments and string contents
/// blanked)`. Double-quoted strings interpolate `${ expr }`, which is code
/// (it may hold strings of its own, and `//` inside those is no comment).
fn lex(src: &str) -> (String, String) {
    enum Mode {
        Code(u32),
        Str { q: u8, triple: bool },
    }
    let b = src.as_bytes();
    let (mut code, mut masked) = (b.to_vec(), b.to_vec());
    let mut stack = vec![Mode::Code(0)];
    let mut i = 0;
    let blank = |v: &mut Vec<u8>, from: usize, to: usize| {
        for x in v.iter_mut().take(to.min(b.len())).skip(from) {
            if *x != b'\n' {
                *x = b' ';
            }
        }
    };
    while i < b.len() {
        let c = b[i];
        let nested = stack.len() > 1;
        match stack.last_mut() {
            Some(Mode::Str { q, triple }) => {
                let (q, triple) = (*q, *triple);
                if c == b'\\' {
                    blank(&mut masked, i, i + 2);
                    i += 2;
                } else if c == q && (!triple || b[i..].starts_with(&[q, q, q])) {
                    i += if triple { 3 } else { 1 };
                    stack.pop();
                } else if q == b'"' && c == b'$' && b.get(i + 1) == Some(&b'{') {
                    stack.push(Mode::Code(0));
                    i += 2;
                } else if c == b'\n' && !triple {
                    // An unterminated one-line string ends at the line.
                    stack.pop();
                    i += 1;
                } else {
                    blank(&mut masked, i, i + 1);
                    i += 1;
                }
            }
            Some(Mode::Code(depth)) => {
                if c == b'\'' || c == b'"' {
                    let triple = b[i..].starts_with(&[c, c, c]);
                    stack.push(Mode::Str { q: c, triple });
                    i += if triple { 3 } else { 1 };
                } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
                    let end = b[i..].iter().position(|&x| x == b'\n').map(|n| i + n).unwrap_or(b.len());
                    blank(&mut code, i, end);
                    blank(&mut masked, i, end);
                    i = end;
                } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
                    let end = b[i + 2..].windows(2).position(|w| w == b"*/").map(|n| i + 2 + n + 2).unwrap_or(b.len());
                    blank(&mut code, i, end);
                    blank(&mut masked, i, end);
                    i = end;
                } else if c == b'{' {
                    *depth += 1;
                    i += 1;
                } else if c == b'}' {
                    if *depth == 0 && nested {
                        // The end of a `${ }` interpolation: back in its string.
                        stack.pop();
                    } else {
                        *depth = depth.saturating_sub(1);
                    }
                    i += 1;
                } else {
                    i += 1;
                }
            }
            None => break,
        }
    }
    let text = |v: Vec<u8>| String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text(code), text(masked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(text: &str) -> Output {
        run_at("Jenkinsfile", text, &[])
    }

    /// Detect `path` in a repository holding `files` (path, text) besides it.
    fn run_at(path: &str, text: &str, files: &[(&str, &str)]) -> Output {
        let mut repo = RepoIndex::default();
        for (p, t) in files.iter().chain([(path, text)].iter()) {
            repo.paths.insert(p.to_string());
            repo.texts.insert(p.to_string(), t.to_string());
        }
        let mut out = Output::default();
        if Jenkins.applies(path) {
            Jenkins.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        }
        out
    }

    fn gates(o: &Output) -> Vec<(u32, u32, String)> {
        o.evidence
            .iter()
            .filter(|(e, _)| e.kind == "ci.drift-gate")
            .map(|(e, u)| (e.location.start_line, e.location.end_line, u.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn scripted_if_and_when_expression_on_drift_gate_their_commands() {
        let o = run("pipeline {\n  agent any\n  stages {\n    stage('Refit') {\n      steps {\n        script {\n          def m = readJSON file: 'out/monitor.json'\n          if (m[\"drift_share\"] > 0.3) {\n            sh 'python fit.py'\n          }\n          sh 'python publish.py'\n        }\n      }\n    }\n    stage('Again') {\n      when { expression { env.DATA_DRIFT == 'true' } }\n      steps { sh 'python fit.py' }\n    }\n  }\n}\n");
        assert_eq!(
            gates(&o),
            vec![(8, 10, "ci:Jenkinsfile#Refit".to_string()), (15, 20, "ci:Jenkinsfile#Again".to_string())],
            "{:?}",
            gates(&o)
        );
    }

    #[test]
    fn other_conditions_and_commented_gates_are_not_drift_gates() {
        let o = run("pipeline {\n  agent any\n  stages {\n    stage('Refit') {\n      steps {\n        script {\n          if (env.BRANCH_NAME == 'main') {\n            sh 'python fit.py'\n          }\n          // if (m.drift > 1) { sh 'python fit.py' }\n          /* if (drifted) {\n            sh 'python fit.py'\n          } */\n        }\n      }\n    }\n  }\n}\n");
        assert!(gates(&o).is_empty(), "{:?}", gates(&o));
    }

    fn triggers(o: &Output) -> Vec<String> {
        o.evidence.iter().filter(|(e, _)| e.kind == "ci.trigger").map(|(e, _)| e.attrs["trigger"].to_string()).collect()
    }

    #[test]
    fn pipelines_outside_the_root_take_their_triggers_from_their_content() {
        let body = "  agent any\n  stages {\n    stage('Fit') { steps { sh 'python fit.py' } }\n  }\n}\n";
        let manual = run_at("ci/Jenkinsfile.deploy", &format!("pipeline {{\n  parameters {{ string(name: 'V') }}\n{body}"), &[]);
        assert_eq!(triggers(&manual), vec!["manual"]);
        assert!(manual.units.iter().all(|u| u.root && u.triggers.iter().eq(["manual"].iter())));
        let cron = run_at("jenkins/train.groovy", &format!("pipeline {{\n  triggers {{ cron 'H 2 * * *' }}\n{body}"), &[]);
        assert_eq!(triggers(&cron), vec!["schedule"]);
        let unknown = run_at("pipelines/fit.jenkinsfile", &format!("pipeline {{\n{body}"), &[]);
        assert_eq!(triggers(&unknown), vec!["unknown"]);
        // The root Jenkinsfile keeps its multibranch default, parameters or not.
        let root = run_at("Jenkinsfile", &format!("pipeline {{\n  parameters {{ string(name: 'V') }}\n{body}"), &[]);
        assert_eq!(triggers(&root), vec!["push"]);
        // Scripted: a top-level node with stages.
        let scripted = run_at("Jenkinsfile.release", "node('linux') {\n  stage('Ship') {\n    sh 'make ship'\n  }\n}\n", &[]);
        assert!(["Jenkinsfile_serving", "ci/Jenkinsfile-train", "Jenkinsfile.release"].iter().all(|p| Jenkins.applies(p)));
        assert!(!Jenkins.applies("JenkinsfileNotes.md") && !Jenkins.applies("docs/jenkinsfile.md"));
        assert_eq!(scripted.units.len(), 1);
        assert_eq!(triggers(&scripted), vec!["unknown"]);
    }

    #[test]
    fn library_classes_methods_and_commented_pipelines_are_not_pipelines() {
        for (path, text) in [
            ("ci/old.groovy", "/*\npipeline {\n  agent any\n  triggers { pollSCM('H/5 * * * *') }\n  stages { stage('A') { steps { sh 'pytest' } } }\n}\n*/\n"),
            ("ci/old2.groovy", "// pipeline {\n//   agent any\n//   stages { stage('A') { steps { sh 'pytest' } } }\n// }\n"),
            ("src/org/x/Deploy.groovy", "package org.x\nclass Deploy implements Serializable {\n  def run(steps) {\n    steps.node {\n      steps.stage('D') { steps.sh 'kubectl apply -f k.yaml' }\n    }\n  }\n}\n"),
            ("ci/helpers.groovy", "def build(String n) {\n  node {\n    stage('B') { sh \"pytest ${n}\" }\n  }\n}\nreturn this\n"),
            ("ci/notes.groovy", "def msg = 'pipeline { agent any stages { stage(\"x\") {} } }'\nprintln msg\n"),
        ] {
            let o = run_at(path, text, &[]);
            assert!(o.units.is_empty() && o.evidence.is_empty(), "{path}: {:?}", o.units.iter().map(|u| &u.id).collect::<Vec<_>>());
        }
    }

    const FIT_STEP: &str =
        "def call(String recipe, String seed = '7') {\n  sh \"python -m fit --recipe ${recipe} --seed $seed\"\n  sh 'echo $recipe'\n}\n";

    #[test]
    fn shared_library_steps_are_called_with_their_arguments_bound() {
        let files = [
            ("lib/vars/fitModel.groovy", FIT_STEP),
            ("lib/vars/ship.groovy", "def call(Map o) {\n  sh \"kubectl apply -f ${o.manifest}\"\n}\n"),
        ];
        let o = run_at(
            "jenkins/train.groovy",
            "pipeline {\n  agent any\n  stages {\n    stage('Fit') { steps { script { fitModel('conf/a.yaml') } } }\n    stage('Ship') { steps { ship manifest: 'k8s/app.yaml' } }\n  }\n}\n",
            &files,
        );
        let fit = o.units.iter().find(|u| u.id == "ci:jenkins/train.groovy#Fit").unwrap();
        let callee = "step:lib/vars/fitModel.groovy@jenkins/train.groovy:4";
        assert_eq!(fit.calls.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), vec![callee]);
        let step = o.units.iter().find(|u| u.id == callee).unwrap();
        assert!(!step.root);
        let texts: Vec<String> = step.commands.iter().map(|c| c.argv.join(" ")).collect();
        // Positional argument and default bound in double quotes; single-quoted `$recipe` is the shell's.
        assert_eq!(texts, vec!["python -m fit --recipe conf/a.yaml --seed 7", "echo $recipe"]);
        let ship = o.units.iter().find(|u| u.id == "ci:jenkins/train.groovy#Ship").unwrap();
        assert_eq!(ship.after, vec!["ci:jenkins/train.groovy#Fit".to_string()]);
        let inst = o.units.iter().find(|u| Some(&u.id) == ship.calls.first().map(|c| &c.0)).unwrap();
        assert_eq!(inst.commands[0].argv.join(" "), "kubectl apply -f k8s/app.yaml");
        // The step file itself is an unbound callable unit.
        let own = run_at("lib/vars/fitModel.groovy", FIT_STEP, &[]);
        assert_eq!(own.units.len(), 1);
        assert_eq!(own.units[0].id, "step:lib/vars/fitModel.groovy");
        assert!(!own.units[0].root);
    }

    #[test]
    fn step_names_in_strings_methods_or_outside_vars_are_not_calls() {
        let files = [("lib/vars/fitModel.groovy", FIT_STEP), ("scripts/publish.groovy", "def call() { sh 'twine upload dist/*' }\n")];
        let o = run_at(
            "Jenkinsfile",
            "pipeline {\n  agent any\n  stages {\n    stage('A') { steps {\n      sh 'echo fitModel(x)'\n      // fitModel('a.yaml')\n      script { helper.fitModel('b.yaml'); publish() }\n    } }\n  }\n}\n",
            &files,
        );
        assert!(o.units.iter().all(|u| u.calls.is_empty()), "{:?}", o.units.iter().map(|u| &u.calls).collect::<Vec<_>>());
        // A step file with no `call` defines no step.
        assert!(run_at("lib/vars/consts.groovy", "def region() { 'eu' }\n", &[]).units.is_empty());
    }

    #[test]
    fn interpolated_commands_hold_their_own_strings() {
        // `//` inside a string of a `${ }` interpolation is no comment.
        let o = run_at(
            "lib/vars/register.groovy",
            "def call(String n) {\n  return \"m:${sh(script: \"az ml model create --name m --path azureml://jobs/x/outputs\", returnStdout: true).trim()}\"\n}\n",
            &[],
        );
        let texts: Vec<String> = o.units[0].commands.iter().map(|c| c.argv.join(" ")).collect();
        assert_eq!(texts, vec!["az ml model create --name m --path azureml://jobs/x/outputs"]);
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
