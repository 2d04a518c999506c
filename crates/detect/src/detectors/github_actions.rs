//! GitHub Actions: workflows in `.github/workflows/` (top level only, as
//! GitHub reads them) and local composite actions (`action.yml`).
//!
//! Emits `ci.pipeline`, `ci.trigger` (explicit `on:` events), `ci.environment`,
//! `ci.unparsable`, the `run.*` evidence of every `run:` step and of known
//! publishing/deploying actions, and one root unit per job. Jobs with
//! `if: false` and steps with `if: false` are disabled and not evidence;
//! commented-out steps are YAML comments and never seen. Example:
//! `on: push` + `run: make test` -> trigger push, unit `ci:<file>#<job>`
//! running `make test` (the linker follows it into the Makefile).

use super::{add_cmd, add_shell, is_yaml, Vars};
use crate::evidence::{Confidence, Evidence, Location, ScanIssue};
use crate::yaml::{self, Node, Value};
use crate::{Cmd, Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The GitHub Actions detector.
pub struct GithubActions;

const NAME: &str = "github-actions";

/// True for a workflow file GitHub reads.
pub fn is_workflow(path: &str) -> bool {
    path.strip_prefix(".github/workflows/").is_some_and(|rest| !rest.contains('/') && is_yaml(rest))
}

/// The keys GitHub accepts at the top of a workflow (`true` is `on` read
/// as a YAML 1.1 boolean by other tools; kept for files written that way).
const WORKFLOW_KEYS: &[&str] = &["name", "run-name", "on", "true", "permissions", "env", "defaults", "concurrency", "jobs"];

/// Why GitHub would reject a parsed workflow file outright, running none
/// of it: a top-level key it does not know (a job indented one level too
/// little, say) or `jobs` that is not a mapping. Such a file is reported
/// like one that is not YAML, and gives no evidence.
fn schema_error(doc: &Node) -> Option<(u32, String)> {
    let Value::Map(entries) = &doc.value else { return None };
    if let Some((k, _)) = entries.iter().find(|(k, _)| k.as_str().is_none_or(|k| !WORKFLOW_KEYS.contains(&k))) {
        let key = k.as_str().unwrap_or("(not a string)");
        return Some((k.line, format!("unexpected top-level key `{key}`; GitHub runs none of the file")));
    }
    let jobs = doc.get("jobs")?;
    (!jobs.is_map() && !jobs.is_null()).then(|| (jobs.line, "`jobs` is not a mapping; GitHub runs none of the file".to_string()))
}

fn is_action(path: &str) -> bool {
    path.ends_with("/action.yml") || path.ends_with("/action.yaml") || path == "action.yml" || path == "action.yaml"
}

impl Detector for GithubActions {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_workflow(path) || is_action(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => {
                if is_workflow(f.path) {
                    out.issues.push(ScanIssue::new(f.path, e.line, "yaml-parse", format!("workflow is not valid YAML: {}", e.message)));
                    let loc = Location::line(f.path, e.line.unwrap_or(1));
                    out.push(Evidence::new("ci.unparsable", NAME, loc, Confidence::High, &e.message).attr("system", "github-actions"));
                }
                return;
            }
        };
        if is_workflow(f.path) {
            if let Some((line, message)) = schema_error(&doc) {
                out.issues.push(ScanIssue::new(f.path, Some(line), "ci-schema", format!("workflow is rejected by GitHub: {message}")));
                out.push(
                    Evidence::new("ci.unparsable", NAME, Location::line(f.path, line), Confidence::High, &message)
                        .attr("system", "github-actions"),
                );
                return;
            }
            // Only a workflow with `on: workflow_call` can be called: look for
            // callers of that one only (the search reads other files).
            let on = doc.get("on").or_else(|| doc.get("true"));
            let callable = on.is_some_and(|on| {
                on.as_str() == Some("workflow_call")
                    || on.items().iter().any(|i| i.as_str() == Some("workflow_call"))
                    || on.get("workflow_call").is_some()
            });
            let sites = if callable {
                callers(f.repo, f.path, on.and_then(|o| o.path(&["workflow_call", "inputs"])))
            } else {
                vec![(String::new(), super::Vars::new())]
            };
            workflow(f.path, &doc, out, &sites, f.repo);
        } else if let Some(steps) = doc.path(&["runs", "steps"]) {
            // Composite action: a callable unit, not a root. One unit per
            // local caller, read with the inputs that caller passes, so
            // `${{ inputs.script }}` resolves to what actually runs and each
            // run keeps its own caller's triggers.
            let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for (suffix, vars) in callers(f.repo, dir, doc.get("inputs")) {
                let mut unit = Unit::new(format!("action:{dir}{suffix}"), Location::line(f.path, doc.line), dir);
                unit.vars = vars;
                for s in steps.items() {
                    step(f.path, s, &mut unit, out, "", f.repo, None);
                }
                unit.vars.clear();
                out.units.push(unit);
            }
        }
    }
}

/// Map one `on:` event to our trigger classes.
fn event_triggers(event: &str, cfg: Option<&Node>) -> Vec<&'static str> {
    match event {
        "push" => {
            let has = |k: &str| cfg.and_then(|c| c.get(k)).is_some();
            let tags_only = (has("tags") || has("tags-ignore")) && !has("branches") && !has("branches-ignore") && !has("paths");
            // Pushes to topic or personal branches only never build the main line.
            let branches: Vec<&str> = cfg.and_then(|c| c.get("branches")).map(Node::strings).unwrap_or_default();
            let push = if super::topic_branches_only(&branches) { "side-branch" } else { "push" };
            if tags_only {
                vec!["tag"]
            } else if has("tags") {
                vec![push, "tag"]
            } else {
                vec![push]
            }
        }
        "pull_request" | "pull_request_target" | "merge_group" => vec!["pull_request"],
        "schedule" => vec!["schedule"],
        "workflow_dispatch" => vec!["manual"],
        // Sent by another system (a data or registry event, a monitor).
        "repository_dispatch" => vec!["external", super::EVENT],
        "release" | "create" => vec!["tag"],
        // Called by another workflow: the caller's triggers apply.
        "workflow_call" => vec![],
        _ => vec!["external"],
    }
}

/// The suffix that names the units one call site runs: `@<caller path>:<line>`.
fn call_suffix(path: &str, line: u32) -> String {
    format!("@{path}:{line}")
}

/// The local call sites of a callable definition (composite action folder
/// `target`, or reusable workflow file `target`), each with the unit id
/// suffix ([`call_suffix`]) and the inputs it runs with: the declared
/// `default:` values overlaid with the caller's literal `with:` values, as
/// `inputs.<name>` variables. With no caller, one unsuffixed entry with the
/// defaults.
fn callers(repo: &crate::RepoIndex, target: &str, declared: Option<&Node>) -> Vec<(String, super::Vars)> {
    let mut defaults = super::Vars::new();
    for (k, v) in declared.map(Node::entries).unwrap_or_default() {
        if let (Some(k), Some(d)) = (k.as_str(), v.get("default").and_then(Node::as_str)) {
            defaults.insert(format!("inputs.{k}"), d.to_string());
        }
    }
    if crate::early_needs_index() {
        return Vec::new();
    }
    let uses = repo.gha_uses.get_or_init(|| local_uses(repo));
    let mut found = Vec::new();
    for (p, line, with) in uses.get(target).into_iter().flatten() {
        let mut vars = defaults.clone();
        vars.extend(with.iter().map(|(k, v)| (k.clone(), v.clone())));
        found.push((call_suffix(p, *line), vars));
    }
    if found.is_empty() {
        found.push((String::new(), defaults));
    }
    found
}

/// Every local `uses: ./x` in the repository's workflows and actions, found
/// in one pass: target -> (calling file, line, literal `with:` values as
/// `inputs.<name>`), in path and document order.
pub(crate) type LocalUses = std::collections::BTreeMap<String, Vec<(String, u32, Vec<(String, String)>)>>;

/// True for a text [`local_uses`] reads: a workflow or action that may
/// call a local one.
pub(crate) fn reads_local_uses(path: &str, text: &str) -> bool {
    (is_workflow(path) || is_action(path)) && text.contains("./")
}

fn local_uses(repo: &crate::RepoIndex) -> LocalUses {
    let mut out = LocalUses::new();
    for (p, t) in &repo.texts {
        if !reads_local_uses(p, t) {
            continue;
        }
        let Ok(doc) = yaml::parse(t) else { continue };
        doc.walk(&mut |n| {
            let Some((target, line)) = n.get("uses").and_then(|u| Some((local_target(u.as_str()?)?, u.line))) else { return };
            let mut with = Vec::new();
            for (k, v) in n.get("with").map(Node::entries).unwrap_or_default() {
                // Expressions are the caller's own context: left unresolved.
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str().filter(|v| !v.contains("${{"))) {
                    with.push((format!("inputs.{k}"), v.to_string()));
                }
            }
            out.entry(target.to_string()).or_default().push((p.clone(), line, with));
        });
    }
    out
}

/// The repository path a local `uses: ./x` names, if local.
fn local_target(uses: &str) -> Option<&str> {
    let local = uses.strip_prefix("./")?;
    Some(local.split('@').next().unwrap_or(local).trim_end_matches('/'))
}

fn workflow(path: &str, doc: &Node, out: &mut Output, callers: &[(String, super::Vars)], repo: &crate::RepoIndex) {
    let on = doc.get("on").or_else(|| doc.get("true"));
    let mut triggers: BTreeSet<String> = BTreeSet::new();
    // `workflow_run` of named workflows: started by their runs, so their
    // triggers are resolved by the linker (`Unit::after_workflows`).
    let mut after_workflows: Vec<String> = Vec::new();
    let mut add = |ev: &str, cfg: Option<&Node>, line: u32, out: &mut Output| {
        let upstream: Vec<String> = if ev == "workflow_run" {
            cfg.and_then(|c| c.get("workflows")).map(Node::strings).unwrap_or_default().into_iter().map(str::to_string).collect()
        } else {
            Vec::new()
        };
        for t in event_triggers(ev, cfg) {
            if upstream.is_empty() {
                triggers.insert(t.to_string());
            }
            out.push(
                Evidence::new("ci.trigger", NAME, Location::line(path, line), Confidence::High, &format!("on: {ev}"))
                    .attr("system", "github-actions")
                    .attr("trigger", t)
                    .attr("event", ev),
            );
        }
        after_workflows.extend(upstream);
    };
    if let Some(on) = on {
        match &on.value {
            yaml::Value::Str(s) => add(s, None, on.line, out),
            yaml::Value::Seq(items) => items.iter().for_each(|i| {
                if let Some(s) = i.as_str() {
                    add(s, None, i.line, out)
                }
            }),
            yaml::Value::Map(m) => m.iter().for_each(|(k, v)| {
                if let Some(s) = k.as_str() {
                    add(s, Some(v), k.line, out)
                }
            }),
            _ => {}
        }
    }
    // The folders the workflow is scoped to (`on.push.paths`).
    for ev in ["push", "pull_request", "pull_request_target"] {
        if let Some(globs) = on.and_then(|o| o.path(&[ev, "paths"])) {
            super::path_filters(out, NAME, "github-actions", path, globs, None);
        }
    }
    let name = doc.get("name").and_then(Node::as_str).unwrap_or(path);
    out.push(
        Evidence::new("ci.pipeline", NAME, Location::line(path, 1), Confidence::High, &format!("workflow: {name}"))
            .attr("system", "github-actions")
            .attr("triggers", triggers.iter().cloned().collect::<Vec<_>>().join(",")),
    );
    let default_wd = doc.path(&["defaults", "run", "working-directory"]).and_then(Node::as_str).unwrap_or("");
    // One set of units per caller of a reusable workflow (see [`callers`]).
    for (suffix, vars) in callers {
        // The workflow as a whole: what `uses: ./.github/workflows/x.yml` calls.
        let mut whole = Unit::new(format!("wf:{path}{suffix}"), Location::line(path, 1), name);
        for (k, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
            let Some(job_id) = k.as_str() else { continue };
            let id = format!("ci:{path}#{job_id}{suffix}");
            whole.calls.push((id.clone(), Location::line(path, k.line)));
            let mut unit = Unit::new(id, Location::new(path, k.line, job.last_line()), job_id);
            let cond = job.get("if").and_then(Node::as_str).unwrap_or("");
            if is_disabled(cond) {
                continue;
            }
            unit.root = true;
            unit.triggers = narrow_by_condition(&triggers, cond);
            unit.after_workflows.clone_from(&after_workflows);
            if super::is_drift_condition(cond) {
                super::drift_gate(out, NAME, path, k.line, job.last_line(), cond, &unit.id);
            }
            if let Some(needs) = job.get("needs") {
                let names: Vec<&str> = match needs.as_str() {
                    Some(one) => vec![one],
                    None => needs.items().iter().filter_map(|n| n.as_str()).collect(),
                };
                unit.after.extend(names.into_iter().map(|n| format!("ci:{path}#{n}{suffix}")));
            }
            if let Some(env) = job.get("environment") {
                let raw = env.as_str().or_else(|| env.get("name").and_then(Node::as_str)).unwrap_or("");
                let raw = super::substitute_exprs(raw, vars);
                // `${{ matrix.x }}`: one environment per value of the matrix.
                let matrix = raw
                    .strip_prefix("${{")
                    .and_then(|r| r.strip_suffix("}}"))
                    .and_then(|e| e.trim().strip_prefix("matrix."))
                    .and_then(|k| job.path(&["strategy", "matrix", k.trim()]))
                    .map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_string).collect::<Vec<_>>());
                let names = matrix.or_else(|| expression_choices(&raw)).unwrap_or_else(|| super::environment_names(&raw, repo));
                // `${{ cond && 'production' || 'staging' }}` (directly or as
                // a matrix value): each name the expression can give.
                let names: Vec<String> = names.into_iter().flat_map(|n| expression_choices(&n).unwrap_or_else(|| vec![n])).collect();
                // `github-pages` hosts documentation, not a model.
                for env_name in names.iter().filter(|n| n.as_str() != "github-pages" && !n.contains("${{")) {
                    out.push_in(
                        Evidence::new(
                            "ci.environment",
                            NAME,
                            Location::line(path, env.line),
                            Confidence::High,
                            &format!("environment: {env_name}"),
                        )
                        .attr("system", "github-actions")
                        .attr("name", env_name.to_lowercase()),
                        &unit.id,
                    );
                }
            }
            if let Some(uses) = job.get("uses") {
                if let Some(local) = uses.as_str().and_then(local_target) {
                    unit.calls.push((format!("wf:{local}{}", call_suffix(path, uses.line)), Location::line(path, job.line)));
                } else if let Some(remote) = uses.as_str() {
                    // A reusable workflow of another repository: what it does
                    // with the spec files it is given.
                    super::opaque_call_inputs(&mut unit, out, NAME, path, repo, remote, job.get("with"));
                }
            }
            let wd = job.path(&["defaults", "run", "working-directory"]).and_then(Node::as_str).unwrap_or(default_wd);
            unit.vars = vars.clone();
            super::read_vars(doc.get("env"), &mut unit.vars);
            super::read_vars(job.get("env"), &mut unit.vars);
            // The steps run once per combination of the job's matrix that
            // they use (`working-directory: ${{ matrix.project }}`).
            let job_vars = unit.vars.clone();
            for combo in matrix_combinations(job) {
                unit.vars = job_vars.clone();
                unit.vars.extend(combo);
                let wd = super::substitute_vars(wd, &unit.vars);
                // This repository checked out into a folder of the workspace
                // (`actions/checkout` with `path: project`): the steps after
                // it name its files under that folder.
                let mut checkout: Option<Checkout> = None;
                for s in job.get("steps").map(Node::items).unwrap_or_default() {
                    step(path, s, &mut unit, out, &wd, repo, checkout.as_ref());
                    if let Some(c) = Checkout::of(s) {
                        checkout = Some(c);
                    }
                }
            }
            unit.vars.clear();
            if runs_on_self_hosted(job) {
                super::self_hosted_deploy(&unit, out, NAME);
            }
            out.units.push(unit);
        }
        out.units.push(whole);
    }
    // A workflow that runs nothing and only uses bot actions (greetings,
    // labels, stale issues) builds nothing: its triggers are housekeeping.
    const BOTS: &[&str] = &[
        "actions/first-interaction",
        "actions/labeler",
        "actions/stale",
        "release-drafter/release-drafter",
        "actions/github-script",
        "peter-evans/create-or-update-comment",
        "actions/add-to-project",
        "dependabot/fetch-metadata",
    ];
    let builds = doc.get("jobs").map(Node::entries).unwrap_or_default().iter().any(|(_, job)| {
        job.get("uses").is_some()
            || job.get("steps").map(Node::items).unwrap_or_default().iter().any(|s| {
                s.get("run").is_some()
                    || s.get("uses").and_then(Node::as_str).is_some_and(|u| !BOTS.iter().any(|b| u.to_ascii_lowercase().starts_with(b)))
            })
    });
    let has_jobs = doc.get("jobs").is_some_and(|j| !j.entries().is_empty());
    if has_jobs && !builds {
        for (e, _) in out.evidence.iter_mut().filter(|(e, _)| e.kind == "ci.trigger" && e.location.path == path) {
            e.attrs.insert("housekeeping", "yes");
        }
    }
}

/// True when a job runs on a self-hosted runner (`runs-on: self-hosted`,
/// `[self-hosted, linux, prod]`, or a `labels:` list holding it).
fn runs_on_self_hosted(job: &Node) -> bool {
    let Some(r) = job.get("runs-on") else { return false };
    let labels = r.get("labels").unwrap_or(r);
    let is = |n: &Node| n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("self-hosted"));
    is(labels) || labels.items().iter().any(is)
}

/// `if:` conditions that can never be true.
fn is_disabled(cond: &str) -> bool {
    let c = cond.trim().trim_start_matches("${{").trim_end_matches("}}").trim();
    c == "false" || c == "0" || c == "''" || c == "\"\""
}

/// Narrow triggers by `github.event_name == 'x'` conditions and `startsWith(github.ref, 'refs/tags')`.
fn narrow_by_condition(triggers: &BTreeSet<String>, cond: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for (ev, _) in cond.match_indices("github.event_name") {
        let rest = &cond[ev + "github.event_name".len()..];
        let rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("==") {
            let v: String =
                r.trim_start().trim_start_matches(['\'', '"']).chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            named.extend(event_triggers(&v, None).into_iter().map(str::to_string));
        }
    }
    if cond.contains("refs/tags") && cond.contains("startsWith") {
        named.insert("tag".to_string());
    }
    if named.is_empty() || cond.contains("||") {
        return triggers.clone();
    }
    let narrowed: BTreeSet<String> = triggers.intersection(&named).cloned().collect();
    // A tag condition on a push workflow narrows to tag pushes.
    if narrowed.is_empty() && named.contains("tag") && triggers.contains("push") {
        return ["tag".to_string()].into();
    }
    narrowed
}

/// Combinations of the job's `strategy.matrix` run at most.
const MAX_MATRIX: usize = 16;

/// The combinations of a job's matrix its steps or working directory use,
/// as `matrix.<key>` variables: the product of the literal lists, then each
/// `include` entry. One empty combination when nothing uses the matrix or
/// the matrix is computed (`fromJSON(...)`).
fn matrix_combinations(job: &Node) -> Vec<Vars> {
    let none = vec![Vars::new()];
    let Some(m) = job.path(&["strategy", "matrix"]) else { return none };
    let mut used = false;
    for n in [job.get("steps"), job.get("defaults")].into_iter().flatten() {
        n.walk(&mut |x| used |= x.as_str().is_some_and(|t| t.contains("matrix.")));
    }
    if !used {
        return none;
    }
    let mut combos = vec![Vars::new()];
    for (k, v) in m.entries() {
        let Some(key) = k.as_str().filter(|k| !matches!(*k, "include" | "exclude")) else { continue };
        let values: Vec<String> = v.items().iter().filter_map(|i| i.as_str().map(str::to_string)).collect();
        if values.is_empty() {
            continue;
        }
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |val| {
                    let mut c = c.clone();
                    c.insert(format!("matrix.{key}"), val.clone());
                    c
                })
            })
            .take(MAX_MATRIX)
            .collect();
    }
    for inc in m.get("include").map(Node::items).unwrap_or_default() {
        let extra: Vars =
            inc.entries().iter().filter_map(|(k, v)| Some((format!("matrix.{}", k.as_str()?), v.as_str()?.to_string()))).collect();
        if !extra.is_empty() && combos.len() < MAX_MATRIX {
            combos.push(extra);
        }
    }
    combos.retain(|c| !c.is_empty());
    if combos.is_empty() {
        none
    } else {
        combos
    }
}

/// This repository checked out into a folder of the workspace
/// (`actions/checkout` with `path:`, no other `repository:`): later steps
/// name its files under that folder.
struct Checkout {
    dir: String,
    /// Words starting `dir/` (or `./dir/`, `${{ github.workspace }}/dir/`)
    /// and the word `dir` itself, compiled once per checkout.
    words: regex::Regex,
}

impl Checkout {
    fn of(s: &Node) -> Option<Checkout> {
        let uses = s.get("uses").and_then(Node::as_str)?;
        if !uses.to_ascii_lowercase().starts_with("actions/checkout@") {
            return None;
        }
        let with = s.get("with")?;
        if with.get("repository").and_then(Node::as_str).is_some_and(|r| !r.contains("github.repository")) {
            return None;
        }
        let dir = with.get("path").and_then(Node::as_str)?.trim_start_matches("./").trim_end_matches('/');
        if dir.is_empty() || dir == "." || dir.contains("${{") || dir.starts_with('/') || dir.contains("..") {
            return None;
        }
        let words = regex::Regex::new(&format!(
            r#"(^|[ \t\r\n"'=:(])(?:\$\{{\{{[ \t]*github\.workspace[ \t]*\}}\}}/|\$GITHUB_WORKSPACE/|\./)?{}(/|[ \t\r\n]|$|["';&|)])"#,
            regex::escape(dir)
        ))
        .ok()?;
        Some(Checkout { dir: dir.to_string(), words })
    }

    /// A workspace path seen from the checkout: `dir/x` is `x`.
    fn path(&self, path: &str) -> String {
        let p = path.trim_start_matches("./");
        let p = p.strip_prefix("${{ github.workspace }}/").unwrap_or(p);
        match p.strip_prefix(self.dir.as_str()) {
            Some("") => String::new(),
            Some(rest) if rest.starts_with('/') => rest[1..].to_string(),
            _ => path.to_string(),
        }
    }

    /// A script run from the workspace seen from the checkout: words
    /// naming files under `dir/` lose that prefix, and `cd dir` stays put.
    fn script(&self, script: &str) -> String {
        self.words
            .replace_all(script, |c: &regex::Captures| if &c[2] == "/" { c[1].to_string() } else { format!("{}.{}", &c[1], &c[2]) })
            .into_owned()
    }
}

fn step(path: &str, s: &Node, unit: &mut Unit, out: &mut Output, job_wd: &str, repo: &crate::RepoIndex, checkout: Option<&Checkout>) {
    let cond = s.get("if").and_then(Node::as_str).unwrap_or("");
    if is_disabled(cond) {
        return;
    }
    if super::is_drift_condition(cond) {
        super::drift_gate(out, NAME, path, s.line, s.last_line(), cond, &unit.id);
    }
    let wd = s.get("working-directory").and_then(Node::as_str).map(|w| super::substitute_vars(w, &unit.vars));
    let raw = wd.as_deref().unwrap_or(job_wd).trim_start_matches("./").trim_end_matches('/');
    // Run from the workspace: its paths name the checkout's folder.
    let from_workspace = checkout.filter(|_| raw.is_empty() || raw == ".");
    let moved = checkout.map(|c| c.path(raw));
    let wd = moved.as_deref().unwrap_or(raw);
    if let Some(run) = s.get("run") {
        if let Some(script) = run.as_str() {
            let job_vars = unit.vars.clone();
            super::read_vars(s.get("env"), &mut unit.vars);
            let seen = from_workspace.map(|c| c.script(script));
            let script = seen.as_deref().unwrap_or(script);
            super::add_shell_session(unit, out, NAME, path, &[(script, run.line)], wd, Some(repo));
            unit.vars = job_vars;
        }
    }
    let Some(uses) = s.get("uses") else { return };
    let Some(action) = uses.as_str() else { return };
    let with = s.get("with");
    let input = |k: &str| with.and_then(|w| w.get(k)).and_then(Node::as_str);
    let loc = Location::line(path, uses.line);
    if let Some(local) = local_target(action) {
        unit.calls.push((format!("action:{local}{}", call_suffix(path, uses.line)), loc));
        return;
    }
    let name = action.split('@').next().unwrap_or(action).to_lowercase();
    // An action of another repository given spec files (GitHub's own
    // generic actions, `actions/*`, only move files around).
    if !name.starts_with("actions/") && !name.starts_with("docker://") {
        super::opaque_call_inputs(unit, out, NAME, path, repo, action, with);
    }
    // Inline scripts run by CLI actions are commands too.
    if let Some(script) = input("inlineScript").or_else(|| input("script").filter(|_| name.ends_with("/cli") || name.contains("azure-cli")))
    {
        let line = with.and_then(|w| w.get("inlineScript").or_else(|| w.get("script"))).map(|n| n.line).unwrap_or(uses.line);
        add_shell(unit, out, NAME, path, script, line, wd);
    }
    // Wrapper actions run their `with:` command in a shell: retries
    // (`nick-fields/retry` `command:`, `*/retry` `run:`), virtual displays
    // (`*/xvfb-action` `run:`), timeouts.
    if let Some((script, line)) = wrapped_command(&name, with).or_else(|| test_command_input(&name, with)) {
        add_shell(unit, out, NAME, path, &script, line, wd);
    }
    if super::LOCAL_CLUSTER_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
        unit.local_cluster = true;
    }
    // pre-commit's action runs every hook of the default stage.
    if name == "pre-commit/action" {
        let cmd = format!("pre-commit run --all-files {}", input("extra_args").unwrap_or(""));
        add_shell(unit, out, NAME, path, cmd.trim_end(), uses.line, wd);
    }
    // An SSH action runs its script on a remote host: the same command as
    // `ssh host '<script>'` (a deployment when the script starts or
    // restarts the service there).
    if let Some((script, line)) = ssh_action_script(&name, with) {
        let host = input("host").unwrap_or("$HOST").to_string();
        let cmd = Cmd {
            argv: vec!["ssh".into(), host, script],
            location: Location::line(path, line),
            text: format!("uses: {action}"),
            workdir: wd.to_string(),
        };
        add_cmd(unit, out, NAME, cmd);
    }
    // An action that syncs the checkout to a Hugging Face repository (a
    // Space unless its `repo_type` says otherwise) is the same upload as
    // `huggingface-cli upload <repo> . --repo-type <type>`.
    if hf_sync_action(&name) {
        let repo_id = input("huggingface_repo_id").or_else(|| input("space")).unwrap_or("$HF_REPO").to_string();
        let repo_type = input("repo_type").unwrap_or("space").to_string();
        let cmd = Cmd {
            argv: vec!["huggingface-cli".into(), "upload".into(), repo_id, ".".into(), "--repo-type".into(), repo_type],
            location: loc.clone(),
            text: format!("uses: {action}"),
            workdir: wd.to_string(),
        };
        add_cmd(unit, out, NAME, cmd);
    }
    // An image built here can be run by a later step (`docker run "$TAG"`).
    if name == "docker/build-push-action" {
        let context = input("context").unwrap_or(".");
        let dir = crate::paths::join(wd, context);
        let file = match input("file") {
            Some(f) => crate::paths::join(wd, f),
            None => crate::paths::join(&dir, "Dockerfile"),
        };
        if !file.contains('$') {
            for tag in input("tags").unwrap_or("").split(['\n', ',']).map(str::trim).filter(|t| !t.is_empty()) {
                super::record_image(unit, tag, &file, &dir);
                // `${{ env.X }}` is `$X` in the shell of a later step.
                if let Some(var) = tag.strip_prefix("${{").and_then(|t| t.strip_suffix("}}")).and_then(|t| t.trim().strip_prefix("env.")) {
                    super::record_image(unit, &format!("${var}"), &file, &dir);
                    super::record_image(unit, &format!("${{{var}}}"), &file, &dir);
                }
            }
        }
    }
    let ev = |kind: &str| Evidence::new(kind, NAME, loc.clone(), Confidence::High, &format!("uses: {action}"));
    let devcontainer = ["file", "dockerfile", "context", "directory", "tags", "images", "image", "name"]
        .iter()
        .filter_map(|k| input(k))
        .any(|v| v.contains("devcontainer"));
    if let Some((context, file, named)) = image_push_action(&name, &input).filter(|_| !devcontainer) {
        let mut e = ev("run.publish").attr("what", "container-image");
        let file = match file {
            Some(f) => crate::paths::join(wd, f),
            None => crate::paths::join(&crate::paths::join(wd, context.unwrap_or(".")), "Dockerfile"),
        };
        if named && !file.contains('$') {
            e = e.attr("dockerfile", file);
        }
        out.push_in(e, &unit.id);
    } else if let Some(paths) = commit_action_paths(&name, &input) {
        // An action that commits and pushes what earlier steps changed (a
        // values file or image tag bumped for a GitOps controller): the
        // `git add` and `git push` it runs.
        let git = |args: &[&str]| Cmd {
            argv: std::iter::once("git").chain(args.iter().copied()).map(str::to_string).collect(),
            location: loc.clone(),
            text: format!("uses: {action}"),
            workdir: wd.to_string(),
        };
        for p in paths {
            add_cmd(unit, out, NAME, git(&["add", p]));
        }
        add_cmd(unit, out, NAME, git(&["push"]));
    } else if name == "pypa/gh-action-pypi-publish" {
        out.push_in(ev("run.publish").attr("what", "python-package"), &unit.id);
    } else if is_deploy_action(&name) || helm_action(&name, with) {
        out.push_in(ev("run.deploy").attr("target", name.clone()), &unit.id);
        let strategy = input("strategy").unwrap_or("");
        if (strategy == "canary" || strategy == "blue-green") && input("action").is_none_or(|a| a == "deploy") {
            out.push_in(ev("run.traffic-split").attr("target", name.clone()).attr("traffic", strategy), &unit.id);
        }
    } else if opens_pull_request(&name) {
        // The pull request it opens starts this repository's pull-request
        // workflows after this run (the linker chains them).
        let base = input("base").or_else(|| input("destination_branch")).or_else(|| input("target_branch")).unwrap_or("");
        out.push_in(ev("run.open-pull-request").attr("base", base), &unit.id);
    } else if name == "benc-uk/workflow-dispatch" || name == "peter-evans/repository-dispatch" {
        out.push_in(ev("run.trigger-pipeline").attr("target", input("workflow").or_else(|| input("event-type")).unwrap_or("")), &unit.id);
    } else if name.ends_with("/pytest-action") || name.ends_with("/tox-action") {
        add_cmd(
            unit,
            out,
            NAME,
            Cmd { argv: vec!["pytest".into()], location: loc.clone(), text: format!("uses: {action}"), workdir: wd.to_string() },
        );
    }
}

/// The string literals an expression chooses between (`${{ startsWith(
/// github.ref, 'refs/tags/v') && 'production' || 'staging' }}` gives
/// `production` and `staging`): the quoted names after `&&` or `||`.
fn expression_choices(s: &str) -> Option<Vec<String>> {
    let e = s.trim().strip_prefix("${{")?.strip_suffix("}}")?;
    if !e.contains("&&") && !e.contains("||") {
        return None;
    }
    let names: Vec<String> = e
        .split(['&', '|'])
        .filter_map(|part| {
            let p = part.trim().trim_end_matches(')').trim();
            let lit = p.strip_prefix('\'')?.strip_suffix('\'')?;
            (!lit.is_empty() && lit.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))).then(|| lit.to_string())
        })
        .collect();
    (!names.is_empty()).then_some(names)
}

/// The paths an action that commits and pushes adds (`.` for all it
/// finds changed), when it pushes: `stefanzweifel/git-auto-commit-action`
/// (`file_pattern`, unless `skip_push`), `EndBug/add-and-commit` (`add`,
/// unless `push: false`).
fn commit_action_paths<'a>(name: &str, input: &dyn Fn(&str) -> Option<&'a str>) -> Option<Vec<&'a str>> {
    let (list, pushes) = match name {
        "stefanzweifel/git-auto-commit-action" => (input("file_pattern"), input("skip_push") != Some("true")),
        "EndBug/add-and-commit" => (input("add"), input("push") != Some("false")),
        _ => return None,
    };
    let paths = list.unwrap_or(".").split(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '"' | '\''));
    pushes.then(|| paths.filter(|p| !p.is_empty()).collect())
}

/// An action that builds an image and pushes it to a registry: its build
/// context and Dockerfile as its inputs give them. `docker/build-push-action`
/// and `docker/bake-action` push when `push:` says so; the others push
/// unless told not to. The flag: whether the inputs name the Dockerfile
/// (bake files and images built by an earlier step do not).
fn image_push_action<'a>(name: &str, input: &dyn Fn(&str) -> Option<&'a str>) -> Option<(Option<&'a str>, Option<&'a str>, bool)> {
    let on = |k: &str| input(k).is_some_and(|p| p == "true" || p.contains("github.event_name") || p.contains("github.ref"));
    let off = |k: &str| input(k).is_some_and(|p| p == "false");
    match name {
        "docker/build-push-action" if on("push") => Some((input("context"), input("file"), true)),
        "docker/bake-action" if on("push") => Some((None, None, false)),
        "mr-smithers-excellent/docker-build-push" if !off("pushImage") => Some((input("directory"), input("dockerfile"), true)),
        "elgohr/publish-docker-github-action" if !on("no_push") => {
            Some((input("context").or_else(|| input("workdir")), input("dockerfile"), true))
        }
        "whoan/docker-build-with-cache-action" if !off("push_image_and_stages") => Some((input("context"), input("dockerfile"), true)),
        "kciter/aws-ecr-action" | "appleboy/docker-ecr-action" => {
            Some((input("path").or_else(|| input("context")), input("dockerfile"), true))
        }
        "redhat-actions/push-to-registry" => Some((None, None, false)),
        _ => None,
    }
}

/// The remote script of an action that runs commands over SSH
/// (`appleboy/ssh-action` `script:`, others' `command:`), with its line.
/// Actions that only install keys or agents run nothing remotely.
fn ssh_action_script(name: &str, with: Option<&Node>) -> Option<(String, u32)> {
    let repo = name.split('/').nth(1).unwrap_or("");
    if !repo.contains("ssh") || ["agent", "key", "known-hosts", "known_hosts", "tunnel"].iter().any(|w| repo.contains(w)) {
        return None;
    }
    first_input(with?, &["script", "command", "commands", "run"])
}

/// The first of `keys` a step's `with:` gives as a string, with its line.
fn first_input(with: &Node, keys: &[&str]) -> Option<(String, u32)> {
    keys.iter().find_map(|k| with.get(k).and_then(|n| n.as_str().map(|s| (s.to_string(), n.line))))
}

/// The shell command a wrapper action runs, with its line: the `run:`,
/// `command:` or `commands:` input of an action whose repository is named for
/// retrying, timing out or giving the command a virtual display. Other
/// actions' `command:` inputs are their own sub-commands (`pulumi up`).
fn wrapped_command(name: &str, with: Option<&Node>) -> Option<(String, u32)> {
    // The repository or the action's folder in it (`org/actions/retry`).
    let wraps = name.split('/').skip(1).any(|seg| ["retry", "xvfb", "timeout"].iter().any(|w| seg.contains(w)));
    if name.starts_with("actions/") || !wraps {
        return None;
    }
    first_input(with?, &["run", "command", "commands"])
}

/// The test command a shared action of another repository is handed
/// (`pytest_command: coverage run -m pytest`, `test-cmd: make test`), with
/// its line: an input named for a test command, or any `*command` input
/// that runs pytest. The action runs it on the checkout.
fn test_command_input(name: &str, with: Option<&Node>) -> Option<(String, u32)> {
    if name.starts_with("actions/") || name.starts_with("./") {
        return None;
    }
    with?.entries().iter().find_map(|(k, v)| {
        let key = k.as_str()?.to_ascii_lowercase();
        let value = v.as_str()?;
        let commandish = ["command", "cmd", "commands"].iter().any(|s| key.ends_with(s));
        let runs_pytest = value.split_whitespace().any(|w| w == "pytest" || w.ends_with("/pytest"));
        (commandish && (key.contains("test") || runs_pytest)).then(|| (value.to_string(), v.line))
    })
}

/// Actions that open a pull request from the run's changes
/// (`peter-evans/create-pull-request`, `repo-sync/pull-request`, ...): any
/// action whose repository is named for creating a pull request.
fn opens_pull_request(name: &str) -> bool {
    let repo = name.split('/').nth(1).unwrap_or("");
    matches!(repo, "create-pull-request" | "pull-request" | "action-pull-request" | "github-action-create-pull-request")
}

/// Actions that sync a repository's files to the Hugging Face Hub
/// (`huggingface/hub-sync`, `nateraw/huggingface-sync-action`,
/// `JacobLinCool/huggingface-sync`, ...): the official ones, and any whose
/// repository is named for syncing, pushing or deploying to Hugging Face.
fn hf_sync_action(name: &str) -> bool {
    let repo = name.split('/').nth(1).unwrap_or("");
    matches!(name, "huggingface/hub-sync" | "huggingface/huggingface-sync-action")
        || repo.contains("hugging") && ["sync", "push", "deploy", "space"].iter().any(|w| repo.contains(w))
}

/// A Helm action of any publisher (`org/actions/helm`, `someone/helm-deploy`)
/// given a chart to install or upgrade: a release, as `helm upgrade` is.
fn helm_action(name: &str, with: Option<&Node>) -> bool {
    let named = name.split('/').skip(1).any(|seg| seg.split(['-', '_']).any(|w| w.eq_ignore_ascii_case("helm")));
    named && with.is_some_and(|w| ["chart", "chart-path", "chart_path", "chartPath"].iter().any(|k| w.get(k).is_some()))
}

fn is_deploy_action(name: &str) -> bool {
    [
        "azure/k8s-deploy",
        "azure/webapps-deploy",
        "azure/functions-action",
        "azure/arm-deploy",
        "azure/container-apps-deploy-action",
        "aws-actions/amazon-ecs-deploy-task-definition",
        "aws-actions/aws-cloudformation-github-deploy",
        "google-github-actions/deploy-cloudrun",
        "google-github-actions/deploy-appengine",
        "google-github-actions/deploy-cloud-functions",
        "deliverybot/helm",
        "akhileshns/heroku-deploy",
        // Render deploy hooks or API, Railway deploys.
        "johnbeynon/render-deploy-action",
        "bounceapp/render-action",
        "bervproject/railway-deploy",
    ]
    .contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_after_a_checkout_into_a_folder_name_the_repository_under_it() {
        let c = Checkout::of(&crate::yaml::parse_all("uses: actions/checkout@v4\nwith:\n  path: project\n").unwrap()[0]).unwrap();
        let seen = c.script(
            "dbfs cp project/src/train.py dbfs:/x\nid=$(databricks jobs create --json-file ./project/jobs/t.json)\ncd project\npython ${{ github.workspace }}/project/fit.py\nls projects/x project2/y\n",
        );
        assert_eq!(seen, "dbfs cp src/train.py dbfs:/x\nid=$(databricks jobs create --json-file jobs/t.json)\ncd .\npython fit.py\nls projects/x project2/y\n");
        assert_eq!(c.path("project/svc"), "svc");
        assert_eq!(c.path("./project"), "");
        assert_eq!(c.path("other/svc"), "other/svc");
        let dir = |y: &str| Checkout::of(&crate::yaml::parse_all(y).unwrap()[0]).map(|c| c.dir);
        // Another repository checked out beside this one, or no folder: nothing moves.
        assert_eq!(dir("uses: actions/checkout@v4\nwith:\n  repository: acme/tools\n  path: tools\n"), None);
        assert_eq!(dir("uses: actions/checkout@v4\nwith:\n  fetch-depth: 0\n"), None);
        assert_eq!(dir("uses: actions/checkout@v4\nwith:\n  path: ${{ matrix.dir }}\n"), None);
        // End to end: the step's paths resolve in the repository.
        let o = run(".github/workflows/t.yml", "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          path: app\n      - run: python app/train.py\n      - run: pytest -q\n        working-directory: app/tests\n");
        let job = o.units.iter().find(|u| u.id.ends_with("#t")).unwrap();
        assert_eq!(job.commands[0].argv, ["python", "train.py"]);
        assert_eq!(job.commands[1].workdir, "tests");
        // A job run from inside the checkout names its files from there.
        let o = run(".github/workflows/u.yml", "on: push\njobs:\n  u:\n    runs-on: ubuntu-latest\n    defaults:\n      run:\n        working-directory: app\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          path: app\n      - run: python app/train.py\n");
        let job = o.units.iter().find(|u| u.id.ends_with("#u")).unwrap();
        assert_eq!((job.commands[0].argv.join(" "), job.commands[0].workdir.as_str()), ("python app/train.py".to_string(), ""));
    }

    use crate::RepoIndex;

    #[test]
    fn matrix_combinations_that_steps_use() {
        let job = |t: &str| yaml::parse(t).unwrap();
        let get = |c: &Vars, k: &str| c.get(k).cloned().unwrap_or_default();
        let j = job("strategy:\n  matrix:\n    svc: [a, b]\n    py: ['3.11', '3.12']\n    include:\n      - svc: c\n        py: '3.12'\nsteps:\n  - run: cd ${{ matrix.svc }} && pytest\n");
        let c = matrix_combinations(&j);
        let got: Vec<String> = c.iter().map(|c| format!("{}/{}", get(c, "matrix.svc"), get(c, "matrix.py"))).collect();
        assert_eq!(got, vec!["a/3.11", "a/3.12", "b/3.11", "b/3.12", "c/3.12"]);
        // Steps that do not use the matrix run once; a computed matrix is one run too.
        let once = job("strategy:\n  matrix:\n    svc: [a, b]\nsteps:\n  - run: pytest\n");
        assert_eq!(matrix_combinations(&once), vec![Vars::new()]);
        let computed = job("strategy:\n  matrix: ${{ fromJSON(needs.plan.outputs.m) }}\nsteps:\n  - run: cd ${{ matrix.svc }}\n");
        assert_eq!(matrix_combinations(&computed), vec![Vars::new()]);
        // A large product is capped.
        let big = job("strategy:\n  matrix:\n    a: [1, 2, 3, 4, 5]\n    b: [1, 2, 3, 4, 5]\nsteps:\n  - run: echo ${{ matrix.a }}\n");
        assert_eq!(matrix_combinations(&big).len(), MAX_MATRIX);
    }

    fn run(path: &str, text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        GithubActions.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out
    }

    #[test]
    fn workflows_github_rejects_give_no_evidence() {
        let good = "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n";
        let out = run(".github/workflows/ci.yml", good);
        assert!(out.issues.is_empty() && !out.units.is_empty());
        assert!(!out.evidence.iter().any(|(e, _)| e.kind == "ci.unparsable"));
        // A job indented one level too little is a top-level key GitHub rejects.
        let stray = format!("{good}lint:\n  runs-on: ubuntu-latest\n  steps:\n    - run: ruff check .\n");
        let out = run(".github/workflows/ci.yml", &stray);
        assert!(out.units.is_empty(), "{:?}", out.units);
        assert_eq!(out.issues.len(), 1);
        assert_eq!((out.issues[0].kind.as_str(), out.issues[0].line), ("ci-schema", Some(8)));
        let kinds: Vec<&str> = out.evidence.iter().map(|(e, _)| e.kind.as_ref()).collect();
        assert_eq!(kinds, vec!["ci.unparsable"]);
        // `jobs` that is a list is rejected too.
        let out = run(".github/workflows/ci.yml", "on: push\njobs:\n  - run: pytest\n");
        assert_eq!(out.issues.len(), 1);
        assert!(out.units.is_empty());
        // Every key GitHub knows passes; a composite action is not a workflow.
        let full = "name: x\nrun-name: y\non: push\npermissions: read-all\nenv: {A: 1}\ndefaults: {run: {shell: bash}}\nconcurrency: ci\njobs: {}\n";
        assert!(run(".github/workflows/ci.yml", full).issues.is_empty());
        let action = "name: a\nruns:\n  using: composite\n  steps:\n    - run: pytest\n      shell: bash\n";
        assert!(run(".github/actions/a/action.yml", action).issues.is_empty());
    }

    fn kinds(o: &Output, kind: &str) -> Vec<Evidence> {
        o.evidence.iter().filter(|(e, _)| e.kind == kind).map(|(e, _)| e.clone()).collect()
    }

    #[test]
    fn job_and_step_conditions_on_drift_are_drift_gates() {
        let wf = "on:\n  schedule:\n    - cron: '0 4 * * *'\njobs:\n  watch:\n    steps:\n      - id: d\n        run: python watch.py\n      - if: steps.d.outputs.degraded == 'true'\n        run: python fit.py\n      - if: github.ref == 'refs/heads/main'\n        run: python fit.py\n  refit:\n    needs: watch\n    if: ${{ needs.watch.outputs.data_drift == 'true' }}\n    steps:\n      - run: python fit.py\n  off:\n    if: false\n    steps:\n      - if: steps.d.outputs.drift == 'true'\n        run: python fit.py\n";
        let g: Vec<(u32, u32)> = kinds(&run(".github/workflows/w.yml", wf), "ci.drift-gate")
            .iter()
            .map(|e| (e.location.start_line, e.location.end_line))
            .collect();
        // The degraded step (lines 9-10) and the whole refit job (13-17); not
        // the branch condition, not the step of a disabled job.
        assert_eq!(g, vec![(9, 10), (13, 17)]);
    }

    fn argvs(o: &Output, unit: &str) -> Vec<String> {
        o.units.iter().find(|u| u.id == unit).unwrap().commands.iter().map(|c| c.argv.join(" ")).collect()
    }

    #[test]
    fn jobs_run_after_the_jobs_they_need() {
        let wf = "on: push\njobs:\n  fit:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python fit.py\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ruff .\n  ship:\n    needs: [fit, lint]\n    runs-on: ubuntu-latest\n    steps:\n      - run: python ship.py\n  docs:\n    needs: lint\n    runs-on: ubuntu-latest\n    steps:\n      - run: mkdocs build\n";
        let o = run(".github/workflows/ci.yml", wf);
        let after = |id: &str| o.units.iter().find(|u| u.id == id).unwrap().after.clone();
        assert_eq!(after("ci:.github/workflows/ci.yml#ship"), vec!["ci:.github/workflows/ci.yml#fit", "ci:.github/workflows/ci.yml#lint"]);
        assert_eq!(after("ci:.github/workflows/ci.yml#docs"), vec!["ci:.github/workflows/ci.yml#lint"]);
        // Jobs without `needs` start together.
        assert!(after("ci:.github/workflows/ci.yml#fit").is_empty());
    }

    #[test]
    fn steps_that_open_pull_requests_name_their_base() {
        let wf = "on: push\njobs:\n  fit:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python fit.py\n      - uses: peter-evans/create-pull-request@v6\n        with:\n          base: release\n  cli:\n    runs-on: ubuntu-latest\n    steps:\n      - run: gh pr create --base main --fill\n  off:\n    runs-on: ubuntu-latest\n    steps:\n      - if: false\n        uses: peter-evans/create-pull-request@v6\n      # - run: gh pr create --base main\n      - uses: peter-evans/create-or-update-comment@v4\n";
        let o = run(".github/workflows/ci.yml", wf);
        let opened: Vec<(String, String)> = o
            .evidence
            .iter()
            .filter(|(e, _)| e.kind == "run.open-pull-request")
            .map(|(e, u)| (u.clone().unwrap_or_default(), e.attrs["base"].to_string()))
            .collect();
        assert_eq!(
            opened,
            vec![
                ("ci:.github/workflows/ci.yml#fit".to_string(), "release".to_string()),
                ("ci:.github/workflows/ci.yml#cli".to_string(), "main".to_string()),
            ]
        );
    }

    #[test]
    fn environment_from_a_matrix_names_each_value() {
        let wf = "on: push\njobs:\n  ship:\n    strategy:\n      matrix:\n        target: [staging, production]\n    environment: ${{ matrix.target }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./ship.sh\n  other:\n    environment: ${{ matrix.nothing }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./ship.sh\n";
        let o = run(".github/workflows/cd.yml", wf);
        let names: Vec<String> = kinds(&o, "ci.environment").iter().map(|e| e.attrs["name"].to_string()).collect();
        assert_eq!(names, vec!["staging", "production"]);
    }

    #[test]
    fn composite_action_inputs_resolve_per_caller() {
        let action = "inputs:\n  script:\n    default: src/score.py\n  env:\n    required: true\nruns:\n  using: composite\n  steps:\n    - run: pip install -r requirements.txt\n      shell: bash\n    - run: python ${{ inputs.script }} --env ${{ inputs.env }}\n      shell: bash\n";
        let mut repo = RepoIndex::default();
        repo.texts.insert(".github/actions/py/action.yml".into(), action.into());
        let detect = |repo: &RepoIndex| {
            let mut out = Output::default();
            GithubActions.detect(&FileCtx { path: ".github/actions/py/action.yml", text: action, repo }, &mut out);
            out
        };
        // No caller: the default applies, the required input stays unresolved.
        assert_eq!(
            argvs(&detect(&repo), "action:.github/actions/py"),
            vec!["pip install -r requirements.txt", "python src/score.py --env ${{ inputs.env }}"]
        );
        // Two callers: one unit each, read with its inputs; an expression
        // passed by a caller is not guessed.
        repo.texts.insert(
            ".github/workflows/ml.yml".into(),
            "on: push\njobs:\n  t:\n    steps:\n      - uses: ./.github/actions/py\n        with:\n          script: src/train.py\n          env: dev\n      - uses: ./.github/actions/py/\n        with:\n          env: ${{ matrix.env }}\n".into(),
        );
        // The callers index is built once per scan: start a new one.
        repo.gha_uses = Default::default();
        let o = detect(&repo);
        assert_eq!(
            argvs(&o, "action:.github/actions/py@.github/workflows/ml.yml:5"),
            vec!["pip install -r requirements.txt", "python src/train.py --env dev"]
        );
        assert_eq!(
            argvs(&o, "action:.github/actions/py@.github/workflows/ml.yml:9"),
            vec!["pip install -r requirements.txt", "python src/score.py --env ${{ inputs.env }}"]
        );
        assert!(!o.units.iter().any(|u| u.id == "action:.github/actions/py"), "callers replace the uncalled unit");
        // The caller calls exactly those units.
        let mut caller = Output::default();
        let wf = repo.texts[".github/workflows/ml.yml"].clone();
        GithubActions.detect(&FileCtx { path: ".github/workflows/ml.yml", text: &wf, repo: &repo }, &mut caller);
        let calls: Vec<&str> =
            caller.units.iter().find(|u| u.id == "ci:.github/workflows/ml.yml#t").unwrap().calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            calls,
            vec!["action:.github/actions/py@.github/workflows/ml.yml:5", "action:.github/actions/py@.github/workflows/ml.yml:9"]
        );
    }

    #[test]
    fn reusable_workflow_inputs_resolve_from_callers() {
        let callee = "on:\n  workflow_call:\n    inputs:\n      entry:\n        type: string\n        default: train.py\njobs:\n  run:\n    steps:\n      - run: python ${{inputs.entry}}\n";
        let mut repo = RepoIndex::default();
        repo.texts.insert(
            ".github/workflows/caller.yml".into(),
            "on: schedule\njobs:\n  a:\n    uses: ./.github/workflows/job.yml\n    with:\n      entry: retrain.py\n".into(),
        );
        let mut out = Output::default();
        GithubActions.detect(&FileCtx { path: ".github/workflows/job.yml", text: callee, repo: &repo }, &mut out);
        assert_eq!(argvs(&out, "ci:.github/workflows/job.yml#run@.github/workflows/caller.yml:4"), vec!["python retrain.py"]);
        // Without `on: workflow_call` nothing can call it: its units stay whole.
        let plain = callee.replace("workflow_call", "workflow_dispatch");
        let mut out = Output::default();
        GithubActions.detect(&FileCtx { path: ".github/workflows/job.yml", text: &plain, repo: &repo }, &mut out);
        assert!(out.units.iter().any(|u| u.id == "ci:.github/workflows/job.yml#run") && !out.units.iter().any(|u| u.id.contains('@')));
        // `$inputs.entry` is not shell syntax for an input: left alone.
        let vars = super::super::Vars::from([("inputs.entry".to_string(), "x.py".to_string())]);
        assert_eq!(super::super::substitute_vars("echo $inputs.entry ${{ inputs.entry }}", &vars), "echo $inputs.entry x.py");
    }

    #[test]
    fn remote_callees_given_azureml_specs_run_them() {
        let mut repo = crate::RepoIndex::default();
        repo.texts.insert(
            "ml/job.yml".into(),
            "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncode: ../src\ncommand: python train.py\n".into(),
        );
        repo.texts.insert(
            "ml/dep.yml".into(),
            "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: a\nendpoint_name: e\n".into(),
        );
        repo.texts.insert("ml/conda.yml".into(), "name: x\ndependencies: [python=3.11]\n".into());
        let wf = "on: push\njobs:\n  t:\n    uses: org/shared/.github/workflows/run.yml@v1\n    with:\n      spec: ml/job.yml\n      conda: ml/conda.yml\n      other: ${{ inputs.spec }}\n  d:\n    steps:\n      - uses: org/aml-deploy@v2\n        with:\n          file: ./ml/dep.yml\n      - uses: actions/upload-artifact@v4\n        with:\n          path: ml/job.yml\n";
        let mut out = Output::default();
        GithubActions.detect(&FileCtx { path: ".github/workflows/ml.yml", text: wf, repo: &repo }, &mut out);
        assert_eq!(argvs(&out, "ci:.github/workflows/ml.yml#t"), vec!["az ml job create --file ml/job.yml"]);
        assert_eq!(argvs(&out, "ci:.github/workflows/ml.yml#d"), vec!["az ml online-deployment create --file ml/dep.yml"]);
        let subs = kinds(&out, "run.submit-job");
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].location.start_line, 6, "at the input naming the spec");
        assert_eq!(kinds(&out, "run.deploy").len(), 1);
        // The same inputs to a local reusable workflow are its own inputs,
        // read in its body: no command is assumed.
        let local = "on: push\njobs:\n  t:\n    uses: ./.github/workflows/run.yml\n    with:\n      spec: ml/job.yml\n";
        let mut out = Output::default();
        GithubActions.detect(&FileCtx { path: ".github/workflows/ml.yml", text: local, repo: &repo }, &mut out);
        assert!(argvs(&out, "ci:.github/workflows/ml.yml#t").is_empty());
    }

    #[test]
    fn image_built_by_build_push_action_then_run() {
        let o = run(
            ".github/workflows/train.yml",
            "on: push\njobs:\n  t:\n    env:\n      IMG: ghcr.io/${{ github.repository }}:train-${{ github.sha }}\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: ml\n          file: ml/Dockerfile.train\n          load: true\n          tags: ${{ env.IMG }}\n      - run: docker run --rm -e X=1 \"$IMG\"\n",
        );
        let u = o.units.iter().find(|u| u.id == "ci:.github/workflows/train.yml#t").unwrap();
        assert_eq!(u.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), vec!["docker:ml/Dockerfile.train"]);
    }

    #[test]
    fn an_environment_chosen_by_an_expression_is_each_of_its_choices() {
        assert_eq!(
            expression_choices("${{ startsWith(github.ref, 'refs/tags/v') && 'production' || 'staging' }}"),
            Some(vec!["production".to_string(), "staging".to_string()])
        );
        assert_eq!(expression_choices("${{ github.event.inputs.env }}"), None);
        assert_eq!(expression_choices("production"), None);
        let o = run(
            ".github/workflows/deploy.yml",
            "on: push\njobs:\n  d:\n    environment: ${{ github.ref_type == 'tag' && 'prod' || 'dev' }}\n    steps:\n      - run: kubectl apply -f k8s/\n  m:\n    strategy:\n      matrix:\n        env: [\"${{ github.ref_type == 'tag' && 'production' || 'staging' }}\"]\n    environment: ${{ matrix.env }}\n    steps:\n      - run: kubectl apply -f k8s/\n",
        );
        let names: Vec<String> = kinds(&o, "ci.environment").iter().map(|e| e.attrs["name"].to_string()).collect();
        assert_eq!(names, ["prod", "dev", "production", "staging"]);
    }

    #[test]
    fn commit_actions_add_and_push() {
        let input = |pairs: &'static [(&'static str, &'static str)]| move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        assert_eq!(commit_action_paths("stefanzweifel/git-auto-commit-action", &input(&[])), Some(vec!["."]));
        assert_eq!(
            commit_action_paths("stefanzweifel/git-auto-commit-action", &input(&[("file_pattern", "deploy/values.yaml charts/*.yaml")])),
            Some(vec!["deploy/values.yaml", "charts/*.yaml"])
        );
        assert_eq!(commit_action_paths("stefanzweifel/git-auto-commit-action", &input(&[("skip_push", "true")])), None);
        assert_eq!(
            commit_action_paths("EndBug/add-and-commit", &input(&[("add", "['k8s/isvc.yaml', 'README.md']")])),
            Some(vec!["k8s/isvc.yaml", "README.md"])
        );
        assert_eq!(commit_action_paths("EndBug/add-and-commit", &input(&[("push", "false")])), None);
        assert_eq!(commit_action_paths("actions/checkout", &input(&[])), None);
    }

    #[test]
    fn image_push_actions_publish_unless_told_not_to() {
        let published = |step: &str| {
            let o = run(".github/workflows/img.yml", &format!("on: push\njobs:\n  i:\n    steps:\n{step}"));
            kinds(&o, "run.publish").iter().map(|e| e.attrs.get("dockerfile").unwrap_or("-").to_string()).collect::<Vec<_>>()
        };
        assert_eq!(
            published("      - uses: mr-smithers-excellent/docker-build-push@v6\n        with:\n          image: acme/api\n          registry: ghcr.io\n          directory: serve\n          dockerfile: serve/Dockerfile\n"),
            ["serve/Dockerfile"]
        );
        assert_eq!(
            published(
                "      - uses: elgohr/Publish-Docker-Github-Action@v5\n        with:\n          name: acme/api\n          workdir: api\n"
            ),
            ["api/Dockerfile"]
        );
        assert_eq!(published("      - uses: docker/bake-action@v5\n        with:\n          push: true\n"), ["-"]);
        // Told not to push, or a build-push-action without `push: true`.
        assert!(published("      - uses: mr-smithers-excellent/docker-build-push@v6\n        with:\n          image: acme/api\n          pushImage: false\n").is_empty());
        assert!(published(
            "      - uses: elgohr/Publish-Docker-Github-Action@v5\n        with:\n          name: acme/api\n          no_push: true\n"
        )
        .is_empty());
        assert!(published("      - uses: docker/build-push-action@v6\n        with:\n          load: true\n").is_empty());
    }

    #[test]
    fn triggers_jobs_and_steps() {
        let o = run(
            ".github/workflows/ci.yml",
            "on:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          pip install -r requirements.txt\n          pytest -q\n",
        );
        let t: Vec<_> = kinds(&o, "ci.trigger").iter().map(|e| e.attrs["trigger"].to_string()).collect();
        assert_eq!(t, vec!["push", "pull_request"]);
        let tests = kinds(&o, "run.tests");
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].location.start_line, 12);
        let job = o.units.iter().find(|u| u.id == "ci:.github/workflows/ci.yml#test").unwrap();
        assert!(job.root && job.triggers.contains("push"));
    }

    #[test]
    fn commented_and_disabled_steps_are_not_evidence() {
        let o = run(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  a:\n    steps:\n      # - run: pytest\n      - run: echo hi\n      - run: pytest\n        if: false\n  b:\n    if: ${{ false }}\n    steps:\n      - run: pytest\n",
        );
        assert!(kinds(&o, "run.tests").is_empty());
        assert!(o.units.iter().all(|u| u.id != "ci:.github/workflows/ci.yml#b"));
    }

    #[test]
    fn workflows_outside_the_root_folder_are_ignored() {
        assert!(!GithubActions.applies("sub/.github/workflows/ci.yml"));
        assert!(!GithubActions.applies(".github/workflows/nested/ci.yml"));
        assert!(GithubActions.applies(".github/workflows/ci.yaml"));
    }

    #[test]
    fn manual_only_and_tags() {
        let o = run(".github/workflows/r.yml", "on:\n  workflow_dispatch:\n  push:\n    tags: ['v*']\njobs: {}\n");
        let t: Vec<_> = kinds(&o, "ci.trigger").iter().map(|e| e.attrs["trigger"].to_string()).collect();
        assert_eq!(t, vec!["manual", "tag"]);
    }

    #[test]
    fn invalid_yaml_is_an_issue() {
        let o = run(".github/workflows/bad.yml", "on: [push\njobs:\n  a: {\n");
        assert_eq!(o.issues.len(), 1);
        assert_eq!(kinds(&o, "ci.unparsable").len(), 1);
    }

    #[test]
    fn wrapper_actions_run_their_command() {
        let wf = "on: push\njobs:\n  d:\n    steps:\n      - uses: org/actions/retry@main\n        with:\n          timeout_minutes: 60\n          run: |\n            docker build -t reg/app:1 .\n            docker push reg/app:1\n      - uses: nick-fields/retry@v3\n        with:\n          max_attempts: 3\n          command: pytest -q tests\n      - uses: pulumi/actions@v5\n        with:\n          command: up\n      - uses: akhileshns/heroku-deploy@v3.13.15\n        with:\n          heroku_app_name: api\n";
        let out = run(".github/workflows/d.yml", wf);
        let argvs = argvs(&out, "ci:.github/workflows/d.yml#d");
        assert_eq!(argvs, vec!["docker build -t reg/app:1 .", "docker push reg/app:1", "pytest -q tests"]);
        assert_eq!(kinds(&out, "run.deploy").len(), 1);
    }

    #[test]
    fn helm_actions_given_a_chart_deploy() {
        let wf = |uses: &str, with: &str| format!("on: push\njobs:\n  d:\n    steps:\n      - uses: {uses}\n        with:\n{with}");
        let deploys = |uses: &str, with: &str| kinds(&run(".github/workflows/d.yml", &wf(uses, with)), "run.deploy").len();
        assert_eq!(deploys("statcan/actions/helm@master", "          release: model\n          chart: ./charts/seldon\n"), 1);
        assert_eq!(deploys("acme/helm-deploy-action@v2", "          chart-path: charts/api\n"), 1);
        // Setting Helm up, or linting a chart, deploys nothing.
        assert_eq!(deploys("azure/setup-helm@v4", "          version: v3.14.0\n"), 0);
        assert_eq!(deploys("helm/chart-testing-action@v2", "          version: v3.10.1\n"), 0);
    }

    #[test]
    fn shared_test_actions_run_the_test_command_they_are_given() {
        let wf = "on: push\njobs:\n  t:\n    strategy:\n      matrix:\n        include:\n          - cmd: coverage run -m pytest\n    steps:\n      - uses: org/ci-testing/.github/actions/pytest-cpu@v1\n        with:\n          pytest_command: ${{ matrix.cmd }}\n          pytest_markers: not gpu\n      - uses: org/shared/run-checks@v2\n        with:\n          test-cmd: make test\n      - uses: org/shared/lint@v2\n        with:\n          command: ruff check .\n      - uses: pulumi/actions@v5\n        with:\n          command: up\n";
        let out = run(".github/workflows/t.yml", wf);
        // Inputs named for a test command, or a command input running
        // pytest; not other actions' commands (a linter's, `pulumi up`).
        assert_eq!(argvs(&out, "ci:.github/workflows/t.yml#t"), vec!["coverage run -m pytest", "make test"]);
    }

    #[test]
    fn hugging_face_sync_actions_deploy_spaces_and_version_models() {
        let wf = |uses: &str, with: &str| {
            format!("on: push\njobs:\n  s:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: {uses}\n        with:\n          hf_token: ${{{{ secrets.HF_TOKEN }}}}\n{with}")
        };
        let got = |uses: &str, with: &str| {
            let o = run(".github/workflows/s.yml", &wf(uses, with));
            let d: Vec<String> = kinds(&o, "run.deploy").iter().map(|e| e.attrs["target"].to_string()).collect();
            let p: Vec<String> = kinds(&o, "run.publish").iter().map(|e| e.attrs["what"].to_string()).collect();
            (d, p)
        };
        let space = (vec!["hf-space".to_string()], vec![]);
        // A Space by default.
        assert_eq!(got("huggingface/hub-sync@v0.1.0", "          huggingface_repo_id: org/app\n"), space);
        assert_eq!(got("nateraw/huggingface-sync-action@v0.0.5", "          repo_type: space\n"), space);
        assert_eq!(got("JacobLinCool/huggingface-sync@v1", "          space: app\n"), space);
        // A model repository: a model version; a dataset: neither.
        assert_eq!(
            got("huggingface/hub-sync@v0.1.0", "          huggingface_repo_id: org/m\n          repo_type: model\n"),
            (vec![], vec!["model-registration".to_string()])
        );
        assert_eq!(got("huggingface/hub-sync@v0.1.0", "          repo_type: dataset\n"), (vec![], vec![]));
        // Other Hugging Face actions (a cache, a login) upload nothing, and
        // a commented-out sync step is no step.
        assert_eq!(got("someone/huggingface-cache@v1", "          path: ~/.cache\n"), (vec![], vec![]));
        assert_eq!(got("actions/cache@v4", "          path: ~/.cache\n      # - uses: huggingface/hub-sync@v0.1.0\n"), (vec![], vec![]));
    }

    #[test]
    fn a_service_left_running_on_a_self_hosted_runner_is_a_deploy() {
        let wf = |runs_on: &str, steps: &str| format!("on: push\njobs:\n  cd:\n    runs-on: {runs_on}\n    steps:\n{steps}");
        let deploy = "      - run: docker pull reg/app:latest\n      - run: docker rm -f app || true\n      - run: docker run -d -p 80:8080 --name app reg/app:latest\n";
        for runs_on in ["self-hosted", "[self-hosted, linux, prod]", "\n      labels: [self-hosted]"] {
            let o = run(".github/workflows/cd.yml", &wf(runs_on, deploy));
            let d = kinds(&o, "run.deploy");
            assert_eq!(d.len(), 1, "{runs_on}");
            assert_eq!(d[0].attrs["target"], *"self-hosted-runner");
            assert_eq!(d[0].location.start_line, 8 + u32::from(runs_on.starts_with('\n')));
        }
        let compose = "      - run: |\n          cd deploy\n          docker compose up -d --build\n";
        assert_eq!(kinds(&run(".github/workflows/cd.yml", &wf("self-hosted", compose)), "run.deploy").len(), 1);
        let systemd = "      - run: sudo systemctl restart scorer\n";
        assert_eq!(kinds(&run(".github/workflows/cd.yml", &wf("self-hosted", systemd)), "run.deploy").len(), 1);
        // GitHub-hosted machines are thrown away; a service stopped again
        // was a test; a container run in the foreground is a job.
        assert!(kinds(&run(".github/workflows/cd.yml", &wf("ubuntu-latest", deploy)), "run.deploy").is_empty());
        let tested = format!("{deploy}      - run: curl -f localhost/health\n      - run: docker stop app\n");
        assert!(kinds(&run(".github/workflows/cd.yml", &wf("self-hosted", &tested)), "run.deploy").is_empty());
        let foreground = "      - run: docker run --rm --gpus all reg/train:latest python train.py --data-dir /data\n";
        assert!(kinds(&run(".github/workflows/cd.yml", &wf("self-hosted", foreground)), "run.deploy").is_empty());
    }

    #[test]
    fn ssh_action_script_that_restarts_the_service_is_a_deploy() {
        let wf = "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/ssh-action@v1\n        with:\n          host: ${{ secrets.HOST }}\n          script: |\n            cd /srv/app && git pull\n            sudo systemctl restart app\n";
        let o = run(".github/workflows/ship.yml", wf);
        let d = kinds(&o, "run.deploy");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].attrs["target"], *"remote-host");
        assert_eq!(d[0].location.start_line, 10);
        // A script that starts nothing there, and a key-installing action, deploy nothing.
        let o = run(".github/workflows/ship.yml", &wf.replace("sudo systemctl restart app", "df -h"));
        assert!(kinds(&o, "run.deploy").is_empty());
        let o = run(".github/workflows/ship.yml", &wf.replace("someone/ssh-action@v1", "someone/install-ssh-key@v1"));
        assert!(kinds(&o, "run.deploy").is_empty());
    }

    #[test]
    fn publish_and_deploy_actions() {
        let o = run(
            ".github/workflows/cd.yml",
            "on:\n  push:\n    branches: [main]\njobs:\n  d:\n    environment: production\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n      - uses: azure/k8s-deploy@v5\n        with:\n          strategy: canary\n          percentage: 20\n",
        );
        assert_eq!(kinds(&o, "run.publish").len(), 1);
        assert_eq!(kinds(&o, "run.traffic-split").len(), 1);
        assert_eq!(kinds(&o, "ci.environment")[0].attrs["name"], *"production");
        let o = run(
            ".github/workflows/cd.yml",
            "on: push\njobs:\n  d:\n    steps:\n      - uses: JohnBeynon/render-deploy-action@v0.0.8\n        with:\n          service-id: srv-1\n",
        );
        assert_eq!(kinds(&o, "run.deploy").len(), 1);
    }

    #[test]
    fn a_dispatch_from_another_system_is_an_outside_event_a_chained_run_is_not() {
        let unit = |on: &str| {
            let o = run(".github/workflows/fit.yml", &format!("on:\n{on}\njobs:\n  fit:\n    steps:\n      - run: python fit.py\n"));
            let u = o.units.iter().find(|u| u.id.ends_with("#fit")).unwrap();
            (u.triggers.iter().cloned().collect::<Vec<_>>(), u.after_workflows.clone())
        };
        assert_eq!(unit("  repository_dispatch:\n    types: [new-batch]").0, vec!["event", "external"]);
        // A chained run takes the named workflows' triggers (resolved by the linker).
        assert_eq!(unit("  workflow_run:\n    workflows: [ci]\n    types: [completed]"), (vec![], vec!["ci".to_string()]));
        assert_eq!(unit("  workflow_run:\n    types: [completed]").0, vec!["external"], "no names: an outside event");
    }

    #[test]
    fn event_condition_narrows_triggers() {
        let o = run(
            ".github/workflows/x.yml",
            "on: [push, schedule]\njobs:\n  t:\n    if: github.event_name == 'schedule'\n    steps:\n      - run: python train.py\n",
        );
        let job = o.units.iter().find(|u| u.id.ends_with("#t")).unwrap();
        assert_eq!(job.triggers.iter().collect::<Vec<_>>(), vec!["schedule"]);
    }

    #[test]
    fn env_variables_are_substituted_into_commands() {
        let o = run(
            ".github/workflows/t.yml",
            "on: push\nenv:\n  TRAIN_SCRIPT: src/train.py\njobs:\n  t:\n    env:\n      TESTS: tests/unit\n    steps:\n      - run: python ${{ env.TRAIN_SCRIPT }} && pytest $TESTS\n      - run: echo $TESTS_EXTRA $LR\n        env:\n          LR: \"0.1\"\n",
        );
        let job = o.units.iter().find(|u| u.id.ends_with("#t")).unwrap();
        assert_eq!(job.commands[0].argv, vec!["python", "src/train.py"]);
        assert_eq!(job.commands[1].argv, vec!["pytest", "tests/unit"]);
        // A longer name is not the variable; step env applies to its step only.
        assert_eq!(job.commands[2].argv, vec!["echo", "$TESTS_EXTRA", "0.1"]);
        assert!(!job.vars.contains_key("LR"));
    }

    #[test]
    fn pushes_to_topic_branches_only_do_not_build_the_main_line() {
        let on = |yaml: &str| {
            let doc = crate::yaml::parse(yaml).unwrap();
            let cfg = doc.get("push");
            event_triggers("push", cfg)
        };
        assert_eq!(on("push:\n  branches: [ana/issue-12, my_debug_branch]\n"), vec!["side-branch"]);
        assert_eq!(on("push:\n  branches: [feature/new-loader]\n  tags: ['v*']\n"), vec!["side-branch", "tag"]);
        // The main line, a glob, a release branch or no filter: a real push trigger.
        for y in [
            "push:\n  branches: [main]\n",
            "push:\n  branches: [ana/issue-12, master]\n",
            "push:\n  branches: ['**']\n",
            "push:\n  branches: [release/2.0]\n",
            "push:\n",
            "push:\n  branches: [ml-platform]\n",
            "push:\n  branches: [templates]\n",
        ] {
            assert_eq!(on(y), vec!["push"], "{y}");
        }
    }
}
