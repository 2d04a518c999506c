//! Azure Pipelines YAML: any YAML file shaped like a pipeline (top-level
//! `trigger`/`pr`/`schedules`/`stages`/`jobs`/`steps` with Azure step keys).
//! Files referenced as `template:` are templates: their steps join the jobs
//! that use them (non-root units).
//!
//! Triggers as the CI system applies them: no `trigger:` key means every push
//! (and PR validation); `trigger: none` with no `pr:` is manual-only;
//! `schedules:` is schedule; `resources.pipelines[].trigger` is external.
//! Emits `ci.pipeline`, `ci.trigger`, `ci.environment` (deployment jobs),
//! `run.*` for `script`/`bash`/`pwsh` steps and CLI/deploy tasks. Steps with
//! `enabled: false` and jobs with `condition: false` are not evidence.

use super::{add_shell, is_yaml};
use crate::evidence::{Confidence, Evidence, Location, ScanIssue};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::{BTreeMap, BTreeSet};

/// The Azure Pipelines detector.
pub struct AzurePipelines;

const NAME: &str = "azure-pipelines";
const STEP_KEYS: &[&str] = &["script", "bash", "pwsh", "powershell", "task", "checkout", "template", "download", "publish"];

fn is_candidate(path: &str) -> bool {
    is_yaml(path)
        && !path.starts_with(".github/")
        && !path.starts_with(".gitlab-ci")
        && !path.ends_with("dvc.yaml")
        && !path.ends_with("dvc.lock")
}

fn named_as_pipeline(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("azure-pipelines")
        || name.starts_with(".azure-pipelines")
        || path.starts_with(".azure-pipelines/")
        || path.starts_with(".azuredevops/")
}

/// The top-level keys a pipeline or template has one of (`looks_like_pipeline`).
const TOP_KEYS: &[&str] = &["steps", "jobs", "stages", "extends"];

/// True when a parsed document is shaped like an Azure Pipelines file.
fn looks_like_pipeline(doc: &Node) -> bool {
    if !doc.is_map() {
        return false;
    }
    if doc.get("$schema").is_some() || doc.get("apiVersion").is_some() {
        return false;
    }
    let has_steps = |n: &Node| flat_items(Some(n)).iter().any(|s| STEP_KEYS.iter().any(|k| s.get(k).is_some()));
    let jobs_ok = |jobs: &Node| {
        flat_items(Some(jobs)).iter().any(|j| {
            j.get("steps").is_some_and(has_steps) || j.get("template").is_some() || j.get("job").is_some() || j.get("deployment").is_some()
        })
    };
    // `extends: {template: x.yml}`: the pipeline is the template it extends.
    let extends = doc.path(&["extends", "template"]).and_then(Node::as_str).is_some_and(|t| is_yaml(t.split('@').next().unwrap_or(t)));
    doc.get("steps").is_some_and(has_steps)
        || doc.get("jobs").is_some_and(jobs_ok)
        || doc.get("stages").is_some_and(|s| flat_items(Some(s)).iter().any(|st| st.get("stage").is_some() || st.get("template").is_some()))
        || extends
}

impl Detector for AzurePipelines {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["steps", "jobs", "stages", "extends"]
    }
    fn unscreened(&self, path: &str) -> bool {
        named_as_pipeline(path)
    }
    fn applies(&self, path: &str) -> bool {
        is_candidate(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        // Any other YAML file is a pipeline only with one of these at the top
        // (`looks_like_pipeline`): most YAML is not parsed here at all.
        if !named_as_pipeline(f.path) && !yaml::may_have_top_key(f.text, TOP_KEYS) {
            return;
        }
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => {
                if named_as_pipeline(f.path) {
                    out.issues.push(ScanIssue::new(
                        f.path,
                        e.line,
                        "yaml-parse",
                        format!("Azure Pipelines file is not valid YAML: {}", e.message),
                    ));
                    out.push(
                        Evidence::new("ci.unparsable", NAME, Location::line(f.path, e.line.unwrap_or(1)), Confidence::High, &e.message)
                            .attr("system", "azure-pipelines"),
                    );
                }
                // Other YAML files: their own detectors report parse errors.
                return;
            }
        };
        if !looks_like_pipeline(&doc) {
            return;
        }
        if crate::early_needs_index() {
            return;
        }
        let uses = f.repo.azp_templates.get_or_init(|| TemplateUses::build(f.repo));
        let called = uses.of(f.path);
        // A file another pipeline uses as `template:` is a template; so is a
        // file declaring `parameters:` with no trigger and no pool that is
        // not named like a pipeline.
        let no_trigger = doc.get("trigger").is_none() && doc.get("pr").is_none();
        let is_template = no_trigger
            && (called.is_some() || (doc.get("parameters").is_some() && doc.get("pool").is_none() && !named_as_pipeline(f.path)));
        let triggers = if is_template { BTreeSet::new() } else { triggers(f.path, &doc, out) };
        if !is_template {
            out.push(
                Evidence::new("ci.pipeline", NAME, Location::line(f.path, 1), Confidence::High, "azure pipeline")
                    .attr("system", "azure-pipelines")
                    .attr("triggers", triggers.iter().cloned().collect::<Vec<_>>().join(",")),
            );
        }
        // One set of units per use of the file (see [`TemplateUses`]), each
        // read with the parameters that use binds.
        let own = [(String::new(), declared_defaults(doc.get("parameters")))];
        let instances: &[(String, super::Vars)] = match called {
            Some(list) if is_template => list,
            _ => &own,
        };
        let file = File {
            path: f.path,
            dir: f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or(""),
            uses,
            is_template,
            triggers: &triggers,
            repo: f.repo,
        };
        for (suffix, params) in instances {
            file.units(&doc, suffix, params, out);
        }
    }
}

/// One pipeline file being read, and what its units need to know.
struct File<'a> {
    path: &'a str,
    dir: &'a str,
    uses: &'a TemplateUses,
    is_template: bool,
    triggers: &'a BTreeSet<String>,
    repo: &'a crate::RepoIndex,
}

impl File<'_> {
    /// A `template:` item of this file's instance `suffix`: a local template is
    /// called; a template of another repository (`x.yml@alias`) is opaque,
    /// and its `parameters:` that name local spec files are what it runs.
    fn call_template(&self, t: &str, item: &Node, suffix: &str, unit: &mut Unit, out: &mut Output) {
        if is_remote(t) {
            super::opaque_call_inputs(unit, out, NAME, self.path, self.repo, t, item.get("parameters"));
        } else {
            unit.calls.push((self.template_call(t, item.line, suffix), Location::line(self.path, item.line)));
        }
    }

    /// The variables a `variables:` list takes from the variable templates
    /// it includes (`- template: vars/common.yml`, resolved from `dir`;
    /// nested ones from their own folder), in order, before its own.
    /// Templates of other repositories are not read.
    fn template_vars(&self, node: Option<&Node>, dir: &str, vars: &mut super::Vars, depth: u8) {
        let Some(n) = node else { return };
        for item in n.items() {
            let Some(t) = item.get("template").and_then(Node::as_str) else { continue };
            if is_remote(t) || depth >= 4 {
                continue;
            }
            let p = rel(dir, t);
            let Some(text) = self.repo.text(&p) else { continue };
            let Ok(file) = yaml::parse(&text) else { continue };
            let inner = file.get("variables");
            self.template_vars(inner, p.rsplit_once('/').map_or("", |(d, _)| d), vars, depth + 1);
            super::read_vars(inner, vars);
        }
    }

    /// The id of the template unit that a `template:` reference at `line`
    /// of this file's instance `suffix` calls.
    fn template_call(&self, target: &str, line: u32, suffix: &str) -> String {
        let target = rel(self.dir, target);
        let own = format!("@{}:{line}{suffix}", self.path);
        match self.uses.of(&target) {
            Some(list) if list.iter().any(|(s, _)| *s == own) => format!("tpl:{target}{own}"),
            Some(list) if !list.is_empty() => format!("tpl:{target}{}", list[0].0),
            _ => format!("tpl:{target}"),
        }
    }

    /// The units of one instance of the file: its jobs, stage templates and
    /// the whole file as a callable template (`tpl:<path><suffix>`).
    fn units(&self, doc: &Node, suffix: &str, params: &super::Vars, out: &mut Output) {
        let path = self.path;
        let name_of = |n: String| super::substitute_exprs(&n, params);
        let mut whole = Unit::new(format!("tpl:{path}{suffix}"), Location::line(path, 1), path);
        let mut jobs: Vec<JobRef<'_>> = Vec::new();
        if doc.get("steps").is_some() {
            jobs.push(("steps".to_string(), doc, None));
        }
        if let Some(js) = doc.get("jobs") {
            collect_jobs(js, None, &mut jobs);
        }
        // `extends: {template: x}`: the pipeline runs the template it extends.
        let mut template_refs: Vec<(String, &Node)> = Vec::new();
        if let Some(ext) = doc.get("extends").filter(|e| e.get("template").is_some()) {
            template_refs.push(("extends".to_string(), ext));
        }
        // Stage order: a stage runs after the stages it `dependsOn`, by
        // default after the stage before it.
        let mut stage_deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // Stages that run only on a drift condition: their jobs are gated.
        let mut drift_stages: BTreeMap<String, String> = BTreeMap::new();
        let mut previous: Option<String> = None;
        for (i, st) in flat_items(doc.get("stages")).into_iter().enumerate() {
            let sname = st.get("stage").and_then(Node::as_str).map(str::to_string).unwrap_or_else(|| format!("stage{}", i + 1));
            let sname = name_of(sname);
            let deps = match st.get("dependsOn") {
                Some(d) => d
                    .as_str()
                    .map(|x| vec![x.to_string()])
                    .unwrap_or_else(|| d.items().iter().filter_map(Node::as_str).map(str::to_string).collect()),
                None => previous.iter().cloned().collect(),
            };
            stage_deps.insert(sname.clone(), deps.into_iter().map(&name_of).collect());
            previous = Some(sname.clone());
            if is_false(st.get("condition")) {
                continue;
            }
            if let Some(c) = st.get("condition").and_then(Node::as_str).filter(|c| super::is_drift_condition(c)) {
                drift_stages.insert(sname.clone(), c.to_string());
            }
            if st.get("template").is_some() {
                template_refs.push((sname.clone(), st));
            }
            if let Some(js) = st.get("jobs") {
                collect_jobs(js, Some(&sname), &mut jobs);
            }
        }
        // The units of each stage, so that a job can name what runs before it.
        let mut stage_units: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (sname, _) in &template_refs {
            stage_units.entry(sname.clone()).or_default().push(format!("ci:{path}#{sname}{suffix}"));
        }
        for (name, _, stage) in &jobs {
            if let Some(st) = stage {
                stage_units.entry(st.clone()).or_default().push(format!("ci:{path}#{}{suffix}", name_of(name.clone())));
            }
        }
        let before_stage = |stage: &str| -> Vec<String> {
            stage_deps.get(stage).into_iter().flatten().flat_map(|d| stage_units.get(d).into_iter().flatten().cloned()).collect()
        };
        for (sname, st) in template_refs {
            let Some(t) = st.get("template").and_then(Node::as_str) else { continue };
            // A stage template runs as part of this pipeline: give it a
            // job-like unit with the pipeline's triggers.
            let id = format!("ci:{path}#{sname}{suffix}");
            let mut u = Unit::new(id.clone(), Location::new(path, st.line, st.last_line()), &sname);
            u.after = before_stage(&sname);
            u.root = !self.is_template;
            u.triggers = self.triggers.clone();
            self.call_template(t, st, suffix, &mut u, out);
            whole.calls.push((id, Location::line(path, st.line)));
            out.units.push(u);
        }
        for (name, job, stage) in jobs {
            if is_false(job.get("condition")) {
                continue;
            }
            let name = name_of(name);
            let id = format!("ci:{path}#{name}{suffix}");
            let mut unit = Unit::new(id.clone(), Location::new(path, job.line, job.last_line()), &name);
            if let Some(st) = &stage {
                unit.after = before_stage(st);
            }
            // Jobs of the same stage it `dependsOn`.
            if let Some(d) = job.get("dependsOn") {
                let names: Vec<&str> = d.as_str().map(|x| vec![x]).unwrap_or_else(|| d.items().iter().filter_map(Node::as_str).collect());
                for n in names {
                    let n = name_of(n.to_string());
                    let full = match &stage {
                        Some(st) => format!("{st}.{n}"),
                        None => n,
                    };
                    unit.after.push(format!("ci:{path}#{full}{suffix}"));
                }
            }
            unit.root = !self.is_template;
            unit.triggers = self.triggers.clone();
            // A job (or its stage) that runs only on a drift condition.
            let own = job.get("condition").and_then(Node::as_str).filter(|c| super::is_drift_condition(c));
            if let Some(c) = own.or_else(|| stage.as_ref().and_then(|st| drift_stages.get(st)).map(String::as_str)) {
                super::drift_gate(out, NAME, path, job.line, job.last_line(), c, &unit.id);
            }
            whole.calls.push((id, Location::line(path, job.line)));
            if let Some(t) = job.get("template").and_then(Node::as_str) {
                self.call_template(t, job, suffix, &mut unit, out);
            }
            for node in [doc.get("variables"), job.get("variables")] {
                self.template_vars(node, self.dir, &mut unit.vars, 0);
                super::read_vars(node, &mut unit.vars);
            }
            unit.vars.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
            if let Some(env) = job.get("environment") {
                let env_name = env.as_str().or_else(|| env.get("name").and_then(Node::as_str)).unwrap_or("");
                let env_name = super::substitute_exprs(env_name, params);
                for env_name in super::environment_names(&env_name, self.repo) {
                    // `environment: prod.vm-resource` names a resource of `prod`.
                    let env_name = env_name.split('.').next().unwrap_or(&env_name);
                    out.push_in(
                        Evidence::new(
                            "ci.environment",
                            NAME,
                            Location::line(path, env.line),
                            Confidence::High,
                            &format!("environment: {env_name}"),
                        )
                        .attr("system", "azure-pipelines")
                        .attr("name", env_name.to_lowercase()),
                        &unit.id,
                    );
                }
            }
            let steps: Vec<&Node> = if job.get("steps").is_some() {
                flat_items(job.get("steps"))
            } else {
                // deployment jobs: strategy.<runOnce|rolling|canary>.<deploy|...>.steps
                let mut v = Vec::new();
                if let Some(st) = job.get("strategy") {
                    st.walk(&mut |n| {
                        if n.get("steps").is_some() {
                            v.extend(flat_items(n.get("steps")));
                        }
                    });
                }
                v
            };
            if let Some(strategy) = job.get("strategy") {
                if strategy.get("canary").is_some() {
                    out.push_in(
                        Evidence::new(
                            "run.traffic-split",
                            NAME,
                            Location::line(path, strategy.line),
                            Confidence::Medium,
                            "strategy: canary",
                        )
                        .attr("target", "deployment-job")
                        .attr("traffic", "canary"),
                        &unit.id,
                    );
                }
            }
            for s in steps {
                if let Some(t) = s.get("template").and_then(Node::as_str) {
                    if !is_false(s.get("enabled")) && !is_false(s.get("condition")) {
                        self.call_template(t, s, suffix, &mut unit, out);
                    }
                }
                step(path, s, &mut unit, out);
            }
            // Parameters are substituted into the commands; they are not
            // variables of the job.
            unit.vars.retain(|k, _| !k.starts_with("parameters."));
            out.units.push(unit);
        }
        out.units.push(whole);
    }
}

/// The items of a stages/jobs/steps list, with the items of template
/// conditionals and loops (`- ${{ if ... }}:` / `${{ else }}` / `${{ each }}`
/// holding a list) taken in place: every branch is read.
fn flat_items(list: Option<&Node>) -> Vec<&Node> {
    let mut v = Vec::new();
    for item in list.map(Node::items).unwrap_or_default() {
        let entries = item.entries();
        if !entries.is_empty() && entries.iter().all(|(k, _)| k.as_str().is_some_and(|k| k.trim_start().starts_with("${{"))) {
            for (_, inner) in entries {
                v.extend(flat_items(Some(inner)));
            }
        } else {
            v.push(item);
        }
    }
    v
}

/// The `default:` values a template declares for its parameters, as
/// `parameters.<name>`: the list form (`- name: x` / `default: y`) and the
/// older mapping form (`x: y`).
fn declared_defaults(decl: Option<&Node>) -> super::Vars {
    let mut vars = super::Vars::new();
    let Some(decl) = decl else { return vars };
    for item in decl.items() {
        if let (Some(k), Some(d)) = (item.get("name").and_then(Node::as_str), item.get("default").and_then(Node::as_str)) {
            vars.insert(format!("parameters.{k}"), d.to_string());
        }
    }
    for (k, v) in decl.entries() {
        if let (Some(k), Some(d)) = (k.as_str(), v.as_str()) {
            vars.insert(format!("parameters.{k}"), d.to_string());
        }
    }
    vars
}

/// The literal values a `template:` reference passes (`parameters:` of the
/// reference), with the entries of `${{ if }}` keys taken in place.
fn passed(node: Option<&Node>, into: &mut Vec<(String, String)>) {
    for (k, v) in node.map(Node::entries).unwrap_or_default() {
        let Some(k) = k.as_str() else { continue };
        if k.trim_start().starts_with("${{") {
            passed(Some(v), into);
        } else if let Some(v) = v.as_str() {
            into.push((k.to_string(), v.to_string()));
        }
    }
}

/// At most this many uses of one template are read (each is a set of units).
const MAX_USES: usize = 64;

/// Every use of every Azure Pipelines template in the repository, found once
/// by reading each pipeline file once: template path -> its instances, each
/// the unit-id suffix that names it (`@<caller>:<line><caller's suffix>`) and
/// the `parameters.<name>` values it is bound to — the template's declared
/// defaults overlaid with the caller's literal values, in which the caller's
/// own parameters are substituted. Parameters therefore flow through nested
/// templates (stage -> job -> step), and each use keeps its own root's
/// triggers. A value that stays an unresolved expression is not bound.
#[derive(Debug, Default)]
pub struct TemplateUses {
    instances: BTreeMap<String, Vec<(String, super::Vars)>>,
}

/// One `template:` reference: the file holding it, the line of the
/// reference and the literal parameters it passes.
struct Site {
    caller: String,
    line: u32,
    params: Vec<(String, String)>,
}

impl TemplateUses {
    /// True for a text the index reads: a pipeline file that may use or
    /// declare templates.
    pub(crate) fn reads(path: &str, text: &str) -> bool {
        is_candidate(path) && (text.contains("template") || text.contains("parameters")) && yaml::may_have_top_key(text, TOP_KEYS)
    }

    /// Read every pipeline file of the repository once.
    fn build(repo: &crate::RepoIndex) -> Self {
        let mut defaults: BTreeMap<String, super::Vars> = BTreeMap::new();
        let mut sites: BTreeMap<String, Vec<Site>> = BTreeMap::new();
        for (p, t) in &repo.texts {
            if !Self::reads(p, t) {
                continue;
            }
            let Ok(doc) = yaml::parse(t) else { continue };
            if !looks_like_pipeline(&doc) {
                continue;
            }
            defaults.insert(p.clone(), declared_defaults(doc.get("parameters")));
            if !t.contains("template") {
                continue;
            }
            let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            doc.walk(&mut |n| {
                let Some(t) = n.get("template").and_then(Node::as_str).filter(|t| !is_remote(t)) else { return };
                let target = rel(dir, t);
                if target == *p || t.contains("${{") {
                    return;
                }
                let mut params = Vec::new();
                passed(n.get("parameters"), &mut params);
                sites.entry(target).or_default().push(Site { caller: p.clone(), line: n.line, params });
            });
        }
        let mut uses = TemplateUses::default();
        let mut stack = BTreeSet::new();
        for target in sites.keys() {
            uses.resolve(target, &sites, &defaults, &mut stack);
        }
        uses
    }

    /// The instances of `path` (computed once, callers first).
    fn resolve(
        &mut self,
        path: &str,
        sites: &BTreeMap<String, Vec<Site>>,
        defaults: &BTreeMap<String, super::Vars>,
        stack: &mut BTreeSet<String>,
    ) -> Vec<(String, super::Vars)> {
        if let Some(done) = self.instances.get(path) {
            return done.clone();
        }
        let own = defaults.get(path).cloned().unwrap_or_default();
        let Some(list) = sites.get(path) else { return vec![(String::new(), own)] };
        // A template that (indirectly) uses itself: read the cycle once.
        if !stack.insert(path.to_string()) {
            return vec![];
        }
        let mut found = Vec::new();
        for site in list {
            for (caller_suffix, caller_params) in self.resolve(&site.caller, sites, defaults, stack) {
                if found.len() >= MAX_USES {
                    break;
                }
                let mut vars = own.clone();
                for (k, v) in &site.params {
                    let v = super::substitute_exprs(v, &caller_params);
                    if !v.contains("${{") {
                        vars.insert(format!("parameters.{k}"), v);
                    }
                }
                found.push((format!("@{}:{}{caller_suffix}", site.caller, site.line), vars));
            }
        }
        stack.remove(path);
        self.instances.insert(path.to_string(), found.clone());
        found
    }

    /// The instances of a template, or `None` when no pipeline file uses it.
    fn of(&self, path: &str) -> Option<&[(String, super::Vars)]> {
        self.instances.get(path).map(Vec::as_slice).filter(|l| !l.is_empty())
    }
}

type JobRef<'a> = (String, &'a Node, Option<String>);

fn collect_jobs<'a>(list: &'a Node, stage: Option<&str>, jobs: &mut Vec<JobRef<'a>>) {
    for (i, j) in flat_items(Some(list)).into_iter().enumerate() {
        let name = j
            .get("job")
            .or_else(|| j.get("deployment"))
            .and_then(Node::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("job{}", i + 1));
        let name = match stage {
            Some(s) => format!("{s}.{name}"),
            None => name,
        };
        jobs.push((name, j, stage.map(str::to_string)));
    }
}

fn is_false(n: Option<&Node>) -> bool {
    n.and_then(Node::as_str).is_some_and(|c| c.trim() == "false")
}

/// A template of another repository (`x.yml@alias`; `@self` is this one).
fn is_remote(t: &str) -> bool {
    t.split_once('@').is_some_and(|(_, alias)| alias.trim() != "self")
}

fn rel(dir: &str, t: &str) -> String {
    let t = t.split('@').next().unwrap_or(t);
    if let Some(abs) = t.strip_prefix('/') {
        return abs.to_string();
    }
    crate::paths::normalize(&if dir.is_empty() { t.to_string() } else { format!("{dir}/{t}") }).unwrap_or_else(|| t.to_string())
}

fn step(path: &str, s: &Node, unit: &mut Unit, out: &mut Output) {
    if is_false(s.get("enabled")) || is_false(s.get("condition")) {
        return;
    }
    if let Some(c) = s.get("condition").and_then(Node::as_str).filter(|c| super::is_drift_condition(c)) {
        super::drift_gate(out, NAME, path, s.line, s.last_line(), c, &unit.id);
    }
    let wd = s
        .get("workingDirectory")
        .and_then(Node::as_str)
        .unwrap_or("")
        .trim_start_matches("$(System.DefaultWorkingDirectory)")
        .trim_start_matches('/');
    for k in ["script", "bash", "pwsh", "powershell"] {
        if let Some(n) = s.get(k) {
            if let Some(text) = n.as_str() {
                add_shell(unit, out, NAME, path, text, n.line, wd);
            }
        }
    }
    let Some(task) = s.get("task").and_then(Node::as_str) else { return };
    let task_name = task.split('@').next().unwrap_or(task).to_lowercase();
    let inputs = s.get("inputs");
    let input = |k: &str| {
        inputs.and_then(|i| i.entries().iter().find(|(kk, _)| kk.as_str().is_some_and(|x| x.eq_ignore_ascii_case(k))).map(|(_, v)| v))
    };
    let loc = Location::line(path, s.line);
    match task_name.as_str() {
        "azurecli" | "bash" | "powershell" | "cmdline" | "shellscript" | "pythonscript" => {
            if let Some(n) = input("inlineScript").or_else(|| input("script")) {
                if let Some(text) = n.as_str() {
                    add_shell(unit, out, NAME, path, text, n.line, wd);
                }
            }
            if let Some(p) = input("scriptPath").or_else(|| input("filePath")).and_then(Node::as_str) {
                let interp = if task_name == "pythonscript" { "python" } else { "bash" };
                let p = p.trim_start_matches("$(System.DefaultWorkingDirectory)/").trim_start_matches("$(Build.SourcesDirectory)/");
                add_shell(unit, out, NAME, path, &format!("{interp} {p}"), s.line, wd);
            }
        }
        "docker" => {
            let cmd = input("command").and_then(Node::as_str).unwrap_or("buildAndPush").to_lowercase();
            if cmd == "push" || cmd == "buildandpush" {
                out.push_in(Evidence::new("run.publish", NAME, loc, Confidence::High, task).attr("what", "container-image"), &unit.id);
            }
        }
        "kubernetesmanifest"
        | "kubernetes"
        | "helmdeploy"
        | "azurewebapp"
        | "azurewebappcontainer"
        | "azurefunctionapp"
        | "azurermwebappdeployment"
        | "azureresourcemanagertemplatedeployment"
        | "azurecontainerapps" => {
            let action = input("action").or_else(|| input("command")).and_then(Node::as_str).unwrap_or("deploy").to_lowercase();
            if matches!(action.as_str(), "deploy" | "apply" | "upgrade" | "install" | "promote") || !task_name.starts_with("kubernetes") {
                out.push_in(
                    Evidence::new("run.deploy", NAME, loc.clone(), Confidence::High, task).attr("target", task_name.clone()),
                    &unit.id,
                );
            }
            let strategy = input("strategy").and_then(Node::as_str).unwrap_or("").to_lowercase();
            if strategy == "canary" || strategy == "blue-green" || input("trafficSplitMethod").is_some() {
                out.push_in(
                    Evidence::new("run.traffic-split", NAME, loc, Confidence::High, task)
                        .attr("target", task_name)
                        .attr("traffic", strategy),
                    &unit.id,
                );
            }
        }
        "twineauthenticate" | "universalpackages" => {}
        _ => {}
    }
}

fn triggers(path: &str, doc: &Node, out: &mut Output) -> BTreeSet<String> {
    let emit = |t: &str, line: u32, default: bool, what: &str, out: &mut Output| {
        let mut e = Evidence::new("ci.trigger", NAME, Location::line(path, line), Confidence::High, what)
            .attr("system", "azure-pipelines")
            .attr("trigger", t);
        if default {
            e = e.attr("default", "true");
        }
        out.push(e);
    };
    // `none`, an empty list, or a list naming only the branch `none` (no
    // real branch matches it): no trigger.
    let none = |n: &Node| {
        n.as_str() == Some("none")
            || n.items().is_empty() && matches!(n.value, yaml::Value::Seq(_))
            || n.items().len() == 1 && n.items()[0].as_str() == Some("none")
    };
    let trig = doc.get("trigger");
    for key in ["trigger", "pr"] {
        if let Some(globs) = doc.path(&[key, "paths", "include"]) {
            super::path_filters(out, NAME, "azure-pipelines", path, globs, None);
        }
    }
    let push_on = match trig {
        None => {
            emit("push", 1, true, "no trigger: key: every push runs the pipeline", out);
            true
        }
        Some(t) if none(t) => false,
        Some(t) => {
            let tags = t.path(&["tags", "include"]).is_some();
            let branches = t.get("branches").is_some() || !t.is_map();
            // `trigger: [x]` or `trigger: {branches: {include: [x]}}` naming
            // only topic or personal branches never builds the main line.
            let named: Vec<&str> =
                if t.is_map() { t.path(&["branches", "include"]).map(Node::strings).unwrap_or_default() } else { t.strings() };
            if (branches || !tags) && super::topic_branches_only(&named) {
                emit("side-branch", t.line, false, "trigger: topic branches only", out);
            } else if branches || !tags {
                emit("push", t.line, false, "trigger:", out);
            }
            if tags {
                emit("tag", t.line, false, "trigger: tags", out);
            }
            true
        }
    };
    match doc.get("pr") {
        None if push_on => emit("pull_request", 1, true, "no pr: key: pull requests are validated", out),
        None => {}
        Some(p) if none(p) => {}
        Some(p) => emit("pull_request", p.line, false, "pr:", out),
    }
    if let Some(s) = doc.get("schedules") {
        if !s.items().is_empty() {
            emit("schedule", s.line, false, "schedules:", out);
        }
    }
    for p in doc.path(&["resources", "pipelines"]).map(Node::items).unwrap_or_default() {
        if let Some(t) = p.get("trigger") {
            if t.as_str() != Some("false") && t.as_str() != Some("none") {
                emit("external", t.line, false, "resources.pipelines trigger", out);
            }
        }
    }
    let found = |out: &Output| -> BTreeSet<String> {
        out.evidence
            .iter()
            .filter(|(e, _)| e.kind == "ci.trigger" && e.location.path == path)
            .map(|(e, _)| e.attrs["trigger"].to_string())
            .collect()
    };
    if found(out).is_empty() {
        emit("manual", doc.key("trigger").map(|k| k.line).unwrap_or(1), false, "trigger: none", out);
    }
    found(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(path: &str, text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        AzurePipelines.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out
    }

    #[test]
    fn stage_job_and_step_conditions_on_drift_are_drift_gates() {
        let yml = "trigger: none\nschedules:\n  - cron: '0 2 * * *'\n    branches:\n      include: [main]\nstages:\n  - stage: Watch\n    jobs:\n      - job: check\n        steps:\n          - script: python watch.py\n            name: chk\n          - script: python fit.py\n            condition: eq(variables['chk.driftDetected'], 'true')\n          - script: python fit.py\n            condition: succeeded()\n  - stage: Refit\n    condition: eq(dependencies.Watch.outputs['check.chk.driftDetected'], 'true')\n    jobs:\n      - job: fit\n        steps:\n          - script: python fit.py\n";
        let o = run("azure-pipelines.yml", yml);
        let g = crate::detectors::drift_gates(&o);
        // The conditioned step of `check`, and the job of the Refit stage; not `succeeded()`.
        assert_eq!(g, vec![("ci:azure-pipelines.yml#Watch.check", 13), ("ci:azure-pipelines.yml#Refit.fit", 20)], "{g:?}");
    }

    #[test]
    fn template_of_another_repository_runs_the_specs_it_is_given() {
        let mut repo = RepoIndex::default();
        repo.texts.insert(
            "mlops/train.yml".into(),
            "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\ntype: pipeline\njobs: {}\n".into(),
        );
        repo.texts.insert(
            "ci/main.yml".into(),
            "resources:\n  repositories:\n    - repository: shared\n      type: git\n      name: platform/templates\ntrigger: [main]\nsteps:\n  - template: aml/run-pipeline.yml@shared\n    parameters:\n      pipeline_file: mlops/train.yml\n  - template: aml/run-pipeline.yml@shared\n    parameters:\n      pipeline_file: $(SPEC)\n".into(),
        );
        let mut out = Output::default();
        AzurePipelines.detect(&FileCtx { path: "ci/main.yml", text: &repo.text("ci/main.yml").unwrap(), repo: &repo }, &mut out);
        let u = out.units.iter().find(|u| u.id == "ci:ci/main.yml#steps").unwrap();
        let argvs: Vec<String> = u.commands.iter().map(|c| c.argv.join(" ")).collect();
        assert_eq!(argvs, vec!["az ml job create --file mlops/train.yml"]);
        assert!(u.calls.is_empty(), "a remote template is not a local unit");
    }

    fn triggers(o: &Output) -> Vec<String> {
        o.evidence.iter().filter(|(e, _)| e.kind == "ci.trigger").map(|(e, _)| e.attrs["trigger"].to_string()).collect()
    }

    #[test]
    fn default_trigger_and_stages() {
        let o = run("azure-pipelines.yml", "pool:\n  vmImage: ubuntu-latest\nstages:\n- stage: Test\n  jobs:\n  - job: unit\n    steps:\n    - script: python -m pytest tests\n- stage: Deploy\n  jobs:\n  - deployment: prod\n    environment: production\n    strategy:\n      runOnce:\n        deploy:\n          steps:\n          - task: AzureCLI@2\n            inputs:\n              inlineScript: |\n                az ml online-deployment create -f d.yml\n");
        assert_eq!(triggers(&o), vec!["push", "pull_request"]);
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "run.tests"));
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "run.deploy"));
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "ci.environment" && e.attrs["name"] == *"production"));
    }

    #[test]
    fn trigger_none_is_manual() {
        let o = run("azure-pipelines.yml", "trigger: none\npr: none\nsteps:\n- script: pytest\n");
        assert_eq!(triggers(&o), vec!["manual"]);
        // A list naming only the branch `none` disables push builds too.
        let o = run("azure-pipelines.yml", "trigger:\n- none\npr:\n  branches:\n    include: [main]\nsteps:\n- script: pytest\n");
        assert_eq!(triggers(&o), vec!["pull_request"]);
        let o = run("azure-pipelines.yml", "trigger:\n- nonexistent\nsteps:\n- script: pytest\n");
        assert_eq!(triggers(&o), vec!["push", "pull_request"]);
    }

    #[test]
    fn disabled_steps_and_non_pipelines() {
        let o = run(
            "azure-pipelines.yml",
            "trigger: [main]\nsteps:\n- script: pytest\n  enabled: false\n# - script: pytest\n- script: echo hi\n",
        );
        assert!(o.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
        let o = run("config/settings.yml", "name: x\nsteps: 3\n");
        assert!(o.evidence.is_empty() && o.units.is_empty());
    }

    #[test]
    fn a_file_of_any_name_is_read_when_its_top_level_can_be_a_pipeline() {
        let read = |path: &str, text: &str| !run(path, text).units.is_empty();
        // Top-level `stages` / `jobs` / `steps`: block, quoted, or a root the
        // line scan cannot read (flow style, an indented root) is parsed.
        assert!(read("ci/build.yml", "trigger: [main]\nstages:\n- stage: t\n  jobs:\n  - job: u\n    steps:\n    - script: pytest\n"));
        assert!(read("ci/build.yml", "\"steps\":\n- script: pytest\n"));
        assert!(read("ci/build.yml", "{steps: [{script: pytest}]}\n"));
        assert!(read("ci/build.yml", "  steps:\n  - script: pytest\n"));
        // The same keys nested, or only in a comment: not a pipeline.
        assert!(!read("conf/train.yml", "train:\n  steps:\n  - script: pytest\n  jobs: 2\n"));
        assert!(!read("conf/train.yml", "# steps:\n# - script: pytest\nname: x\n"));
        // A file named as a pipeline is always parsed: its errors are reported.
        assert!(run("azure-pipelines.yml", "trigger: [main\n").issues.iter().any(|i| i.kind == "yaml-parse"));
    }

    /// Detect every file of a small repository; all units.
    fn run_repo(files: &[(&str, &str)]) -> Output {
        let repo = RepoIndex {
            paths: files.iter().map(|(p, _)| p.to_string()).collect(),
            texts: files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect(),
            ..RepoIndex::default()
        };
        let mut out = Output::default();
        for (path, text) in files {
            AzurePipelines.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        }
        out
    }

    fn commands_of<'a>(o: &'a Output, id: &str) -> Vec<&'a str> {
        o.units.iter().filter(|u| u.id == id).flat_map(|u| u.commands.iter().map(|c| c.text.as_str())).collect()
    }

    const PIPE: &str = "trigger: [main]\nstages:\n- stage: fit\n  jobs:\n  - template: ci/job.yml\n    parameters:\n      entry: model/fit.py\n# - template: ci/job.yml\n#   parameters:\n#     entry: model/other.py\n";
    const JOB: &str = "parameters:\n- name: entry\n  type: string\n- name: flags\n  default: --fast\njobs:\n- job: run_${{ parameters.entry }}\n  steps:\n  - template: steps/py.yml\n    parameters:\n      target: ${{ parameters.entry }} ${{ parameters.flags }}\n";
    const STEP: &str = "parameters:\n  target: ''\n  extra: --quiet\nsteps:\n- script: python ${{parameters.target}} ${{ parameters.extra }} ${{ parameters.unbound }}\n";

    #[test]
    fn parameters_flow_through_nested_templates() {
        let o = run_repo(&[("azure-pipelines.yml", PIPE), ("ci/job.yml", JOB), ("ci/steps/py.yml", STEP)]);
        // The caller's job calls the job template's use at line 5.
        let caller = o.units.iter().find(|u| u.id == "ci:azure-pipelines.yml#fit.job1").unwrap();
        assert!(caller.root);
        assert_eq!(caller.calls[0].0, "tpl:ci/job.yml@azure-pipelines.yml:5");
        // The job template's use calls the step template's use, nested.
        let job = o.units.iter().find(|u| u.id == "ci:ci/job.yml#run_model/fit.py@azure-pipelines.yml:5").unwrap();
        assert!(!job.root);
        assert_eq!(job.calls[0].0, "tpl:ci/steps/py.yml@ci/job.yml:9@azure-pipelines.yml:5");
        // Caller value, forwarded value's own default (list form), map-form
        // default; an unbound parameter stays as written.
        let id = "ci:ci/steps/py.yml#steps@ci/job.yml:9@azure-pipelines.yml:5";
        assert_eq!(commands_of(&o, id), vec!["python model/fit.py --fast --quiet ${{ parameters.unbound }}"]);
        // The commented-out use is no use: one use of each template only.
        assert_eq!(o.units.iter().filter(|u| u.id.starts_with("tpl:ci/job.yml")).count(), 1);
        assert!(o.units.iter().all(|u| !u.commands.iter().any(|c| c.text.contains("model/other.py"))));
    }

    #[test]
    fn jobs_run_after_the_stages_they_depend_on() {
        let pipe = "pr: [main]\nstages:\n- stage: a\n  jobs:\n  - job: one\n    steps:\n    - script: echo 1\n- stage: b\n  jobs:\n  - job: two\n    steps:\n    - script: echo 2\n  - job: three\n    dependsOn: two\n    steps:\n    - script: echo 3\n- stage: c\n  dependsOn: []\n  jobs:\n  - job: four\n    steps:\n    - script: echo 4\n";
        let o = run_repo(&[("azure-pipelines.yml", pipe)]);
        let after = |id: &str| o.units.iter().find(|u| u.id == id).unwrap().after.clone();
        // Stages run after the stage before them by default ...
        assert_eq!(after("ci:azure-pipelines.yml#b.two"), vec!["ci:azure-pipelines.yml#a.one"]);
        // ... jobs after the jobs they name ...
        assert!(after("ci:azure-pipelines.yml#b.three").contains(&"ci:azure-pipelines.yml#b.two".to_string()));
        // ... and `dependsOn: []` starts a stage at once.
        assert!(after("ci:azure-pipelines.yml#c.four").is_empty());
        assert!(after("ci:azure-pipelines.yml#a.one").is_empty());
    }

    #[test]
    fn environment_named_by_a_variable_takes_every_value_the_repository_gives_it() {
        let pipe = "trigger: [main]\nvariables:\n- ${{ if eq(variables['Build.SourceBranchName'], 'main') }}:\n  - template: vars/b.yml\n- ${{ else }}:\n  - template: vars/a.yml\njobs:\n- deployment: ship\n  environment: $(STAGE_NAME)\n  strategy:\n    runOnce:\n      deploy:\n        steps:\n        - script: ./ship.sh\n- deployment: other\n  environment: $(UNSET_NAME)\n  strategy:\n    runOnce:\n      deploy:\n        steps:\n        - script: ./ship.sh\n";
        let files = [
            ("azure-pipelines.yml", pipe),
            ("vars/a.yml", "variables:\n  STAGE_NAME: qa\n"),
            ("vars/b.yml", "variables:\n  STAGE_NAME: prod\n  # STAGE_NAME: dev\n"),
        ];
        let o = run_repo(&files);
        let mut names: Vec<String> =
            o.evidence.iter().filter(|(e, _)| e.kind == "ci.environment").map(|(e, _)| e.attrs["name"].to_string()).collect();
        names.sort();
        // The commented value and the variable nobody sets name nothing.
        assert_eq!(names, vec!["prod", "qa"]);
    }

    #[test]
    fn variable_templates_reach_the_steps() {
        let pipe = "trigger: [main]\nvariables:\n- template: /ci/vars/common.yml\n- template: shared.yml@templates\n# - template: ci/vars/old.yml\n- name: testPath\n  value: tests/unit\nsteps:\n- script: python -m pytest $(testPath) $(reportDir) $(remoteVar) $(oldVar)\n";
        let files = [
            ("azure-pipelines.yml", pipe),
            // Nested templates resolve from their own folder; the list's own variables win.
            ("ci/vars/common.yml", "variables:\n- template: paths.yml\n- name: testPath\n  value: tests\n"),
            ("ci/vars/paths.yml", "variables:\n  reportDir: out/reports\n"),
            ("ci/vars/old.yml", "variables:\n  oldVar: nope\n"),
        ];
        let o = run_repo(&files);
        let argv: Vec<&str> = o
            .units
            .iter()
            .filter(|u| u.id == "ci:azure-pipelines.yml#steps")
            .flat_map(|u| u.commands.iter().filter(|c| c.argv[0] == "python").flat_map(|c| c.argv.iter().map(String::as_str)))
            .collect();
        // Another repository's template and a commented-out one give nothing.
        assert_eq!(argv, ["python", "-m", "pytest", "tests/unit", "out/reports", "$(remoteVar)", "$(oldVar)"]);
    }

    #[test]
    fn unused_template_reads_its_defaults_only() {
        let o = run_repo(&[("ci/steps/py.yml", STEP)]);
        assert_eq!(commands_of(&o, "ci:ci/steps/py.yml#steps"), vec!["python  --quiet ${{ parameters.unbound }}"]);
        assert!(o.units.iter().all(|u| !u.root));
    }

    #[test]
    fn conditional_items_and_extends_are_read() {
        let pipe = "trigger: none\npr: [main]\nextends:\n  template: base.yml\n  parameters:\n    ${{ if eq(variables['Build.SourceBranchName'], 'main') }}:\n      tool: pytest\n";
        let base = "parameters:\n- name: tool\n  default: echo\njobs:\n- ${{ if true }}:\n  - job: check\n    steps:\n    - bash: ${{ parameters.tool }} tests\n";
        let o = run_repo(&[("azure-pipelines.yml", pipe), ("base.yml", base)]);
        let root = o.units.iter().find(|u| u.id == "ci:azure-pipelines.yml#extends").unwrap();
        assert!(root.root && root.triggers.contains("pull_request"));
        assert_eq!(commands_of(&o, "ci:base.yml#check@azure-pipelines.yml:4"), vec!["pytest tests"]);
    }

    #[test]
    fn triggers_on_topic_branches_only_are_side_branch_pushes() {
        let o = run("azure-pipelines.yml", "trigger:\n  branches:\n    include: [users/ana/debug]\npr: none\nsteps:\n- script: pytest\n");
        assert_eq!(triggers(&o), vec!["side-branch"]);
        let o = run("azure-pipelines.yml", "trigger: [main, users/ana/debug]\nsteps:\n- script: pytest\n");
        assert_eq!(triggers(&o), vec!["push", "pull_request"]);
    }
}
