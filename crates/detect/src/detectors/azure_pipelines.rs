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
use std::collections::BTreeSet;

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

/// True when a parsed document is shaped like an Azure Pipelines file.
fn looks_like_pipeline(doc: &Node) -> bool {
    if !doc.is_map() {
        return false;
    }
    if doc.get("$schema").is_some() || doc.get("apiVersion").is_some() {
        return false;
    }
    let has_steps = |n: &Node| n.items().iter().any(|s| STEP_KEYS.iter().any(|k| s.get(k).is_some()));
    let jobs_ok = |jobs: &Node| {
        jobs.items().iter().any(|j| {
            j.get("steps").is_some_and(has_steps) || j.get("template").is_some() || j.get("job").is_some() || j.get("deployment").is_some()
        })
    };
    doc.get("steps").is_some_and(has_steps)
        || doc.get("jobs").is_some_and(jobs_ok)
        || doc.get("stages").is_some_and(|s| s.items().iter().any(|st| st.get("stage").is_some() || st.get("template").is_some()))
}

impl Detector for AzurePipelines {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_candidate(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
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
        let is_template = doc.get("parameters").is_some()
            && doc.get("trigger").is_none()
            && doc.get("pr").is_none()
            && doc.get("pool").is_none()
            && !named_as_pipeline(f.path);
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let triggers = if is_template { BTreeSet::new() } else { triggers(f.path, &doc, out) };
        if !is_template {
            out.push(
                Evidence::new("ci.pipeline", NAME, Location::line(f.path, 1), Confidence::High, "azure pipeline")
                    .attr("system", "azure-pipelines")
                    .attr("triggers", triggers.iter().cloned().collect::<Vec<_>>().join(",")),
            );
        }
        // The file as a callable template.
        let mut whole = Unit::new(format!("tpl:{}", f.path), Location::line(f.path, 1), f.path);
        let mut jobs: Vec<JobRef<'_>> = Vec::new();
        if doc.get("steps").is_some() {
            jobs.push(("steps".to_string(), &doc, None));
        }
        if let Some(js) = doc.get("jobs") {
            collect_jobs(js, None, &mut jobs);
        }
        for (i, st) in doc.get("stages").map(Node::items).unwrap_or_default().iter().enumerate() {
            let sname = st.get("stage").and_then(Node::as_str).map(str::to_string).unwrap_or_else(|| format!("stage{}", i + 1));
            if is_false(st.get("condition")) {
                continue;
            }
            if let Some(t) = st.get("template").and_then(Node::as_str) {
                // A stage template runs as part of this pipeline: give it a
                // job-like unit with the pipeline's triggers.
                let id = format!("ci:{}#{sname}", f.path);
                let mut u = Unit::new(id.clone(), Location::new(f.path, st.line, st.last_line()), &sname);
                u.root = !is_template;
                u.triggers = triggers.clone();
                u.calls.push((format!("tpl:{}", rel(dir, t)), Location::line(f.path, st.line)));
                whole.calls.push((id, Location::line(f.path, st.line)));
                out.units.push(u);
            }
            if let Some(js) = st.get("jobs") {
                collect_jobs(js, Some(&sname), &mut jobs);
            }
        }
        for (name, job, _) in jobs {
            if is_false(job.get("condition")) {
                continue;
            }
            let id = format!("ci:{}#{name}", f.path);
            let mut unit = Unit::new(id.clone(), Location::new(f.path, job.line, job.last_line()), &name);
            unit.root = !is_template;
            unit.triggers = triggers.clone();
            whole.calls.push((id, Location::line(f.path, job.line)));
            if let Some(t) = job.get("template").and_then(Node::as_str) {
                unit.calls.push((format!("tpl:{}", rel(dir, t)), Location::line(f.path, job.line)));
            }
            super::read_vars(doc.get("variables"), &mut unit.vars);
            super::read_vars(job.get("variables"), &mut unit.vars);
            if let Some(env) = job.get("environment") {
                let env_name = env.as_str().or_else(|| env.get("name").and_then(Node::as_str)).unwrap_or("");
                let env_name = env_name.split('.').next().unwrap_or(env_name);
                if !env_name.is_empty() && !env_name.contains("$(") && !env_name.contains("${{") {
                    out.push_in(
                        Evidence::new(
                            "ci.environment",
                            NAME,
                            Location::line(f.path, env.line),
                            Confidence::High,
                            &format!("environment: {env_name}"),
                        )
                        .attr("system", "azure-pipelines")
                        .attr("name", env_name.to_lowercase()),
                        &unit.id,
                    );
                }
            }
            let steps: Vec<&Node> = job
                .get("steps")
                .map(|s| s.items().iter().collect())
                .or_else(|| {
                    // deployment jobs: strategy.<runOnce|rolling|canary>.<deploy|...>.steps
                    job.get("strategy").map(|st| {
                        let mut v = Vec::new();
                        st.walk(&mut |n| {
                            if let Some(s) = n.get("steps") {
                                v.extend(s.items().iter());
                            }
                        });
                        v
                    })
                })
                .unwrap_or_default();
            if let Some(strategy) = job.get("strategy") {
                if strategy.get("canary").is_some() {
                    out.push_in(
                        Evidence::new(
                            "run.traffic-split",
                            NAME,
                            Location::line(f.path, strategy.line),
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
                step(f.path, dir, s, &mut unit, out);
            }
            out.units.push(unit);
        }
        out.units.push(whole);
    }
}

type JobRef<'a> = (String, &'a Node, Option<String>);

fn collect_jobs<'a>(list: &'a Node, stage: Option<&str>, jobs: &mut Vec<JobRef<'a>>) {
    for (i, j) in list.items().iter().enumerate() {
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

fn rel(dir: &str, t: &str) -> String {
    let t = t.split('@').next().unwrap_or(t);
    if let Some(abs) = t.strip_prefix('/') {
        return abs.to_string();
    }
    crate::link::normalize(&if dir.is_empty() { t.to_string() } else { format!("{dir}/{t}") }).unwrap_or_else(|| t.to_string())
}

fn step(path: &str, dir: &str, s: &Node, unit: &mut Unit, out: &mut Output) {
    if is_false(s.get("enabled")) || is_false(s.get("condition")) {
        return;
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
    if let Some(t) = s.get("template").and_then(Node::as_str) {
        unit.calls.push((format!("tpl:{}", rel(dir, t)), Location::line(path, s.line)));
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
    let none = |n: &Node| n.as_str() == Some("none") || n.items().is_empty() && matches!(n.value, yaml::Value::Seq(_));
    let trig = doc.get("trigger");
    let push_on = match trig {
        None => {
            emit("push", 1, true, "no trigger: key: every push runs the pipeline", out);
            true
        }
        Some(t) if none(t) => false,
        Some(t) => {
            let tags = t.path(&["tags", "include"]).is_some();
            let branches = t.get("branches").is_some() || !t.is_map();
            if branches || !tags {
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
            .map(|(e, _)| e.attrs["trigger"].clone())
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

    fn triggers(o: &Output) -> Vec<String> {
        o.evidence.iter().filter(|(e, _)| e.kind == "ci.trigger").map(|(e, _)| e.attrs["trigger"].clone()).collect()
    }

    #[test]
    fn default_trigger_and_stages() {
        let o = run("azure-pipelines.yml", "pool:\n  vmImage: ubuntu-latest\nstages:\n- stage: Test\n  jobs:\n  - job: unit\n    steps:\n    - script: python -m pytest tests\n- stage: Deploy\n  jobs:\n  - deployment: prod\n    environment: production\n    strategy:\n      runOnce:\n        deploy:\n          steps:\n          - task: AzureCLI@2\n            inputs:\n              inlineScript: |\n                az ml online-deployment create -f d.yml\n");
        assert_eq!(triggers(&o), vec!["push", "pull_request"]);
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "run.tests"));
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "run.deploy"));
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "ci.environment" && e.attrs["name"] == "production"));
    }

    #[test]
    fn trigger_none_is_manual() {
        let o = run("azure-pipelines.yml", "trigger: none\npr: none\nsteps:\n- script: pytest\n");
        assert_eq!(triggers(&o), vec!["manual"]);
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
}
