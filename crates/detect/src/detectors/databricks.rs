//! Databricks Asset Bundles: `databricks.yml` and the resource files it
//! includes. Jobs (`resources.jobs.<name>`) run tasks — notebooks
//! (`notebook_task.notebook_path`), Python files (`spark_python_task`),
//! wheels — and may carry a `schedule` / `trigger`; model serving endpoints
//! (`resources.model_serving_endpoints`) deploy models, with traffic routes
//! and inference tables.
//!
//! Units: `bundle:job#<name>` (root when scheduled and not paused) calling
//! its task files, and `bundle:<path>` (what `databricks bundle deploy`
//! deploys) owning the serving-endpoint evidence. Deploying a bundle installs
//! its jobs without running them. A `pause_status` of `${var.X}` is the
//! variable's default and each target's value in the bundle's
//! `databricks.yml`: the schedule is paused only when every one is `PAUSED`.

use super::is_yaml;
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The Databricks bundle detector.
pub struct Databricks;

const NAME: &str = "databricks";

fn resolve(f: &FileCtx<'_>, dir: &str, p: &str) -> Option<String> {
    let p = p.trim_start_matches("./").trim_start_matches("${workspace.file_path}/");
    let base = crate::paths::join(dir, p);
    [base.clone(), format!("{base}.py"), format!("{base}.ipynb")].into_iter().find(|c| f.repo.exists(c))
}

/// The values a job's `pause_status` may take: a literal, or for
/// `${var.X}` the values the bundle gives `X` in its targets (the default
/// where a target, or the bundle without targets, sets none). Empty when
/// any of them is unknown.
fn pause_values(f: &FileCtx<'_>, dir: &str, root: Option<&Node>, value: &str) -> Vec<String> {
    let Some(name) = value.strip_prefix("${var.").and_then(|r| r.strip_suffix('}')) else {
        return vec![value.to_string()];
    };
    // A resource file's variables are those of the nearest `databricks.yml` above it.
    let parsed;
    let root = match root {
        Some(r) => r,
        None => {
            let Some(text) = crate::paths::dir_and_ancestors(dir).find_map(|d| f.repo.text(&crate::paths::join(d, "databricks.yml")))
            else {
                return vec![];
            };
            let Ok(doc) = yaml::parse(&text) else { return vec![] };
            parsed = doc;
            &parsed
        }
    };
    let default = root.path(&["variables", name, "default"]).and_then(Node::as_str);
    let targets = root.get("targets").map(Node::entries).unwrap_or_default();
    let mut values = Vec::new();
    let mut uses_default = targets.is_empty();
    for (_, t) in targets {
        match t.path(&["variables", name]) {
            Some(v) => match v.as_str().or_else(|| v.get("default").and_then(Node::as_str)) {
                Some(v) => values.push(v.to_string()),
                None => return vec![],
            },
            None => uses_default = true,
        }
    }
    if uses_default {
        match default {
            Some(d) => values.push(d.to_string()),
            None => return vec![],
        }
    }
    values
}

impl Detector for Databricks {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["resources"]
    }
    fn unscreened(&self, path: &str) -> bool {
        path == "databricks.yml" || path.ends_with("/databricks.yml")
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let is_bundle_root = f.path == "databricks.yml" || f.path.ends_with("/databricks.yml");
        if !is_bundle_root
            && !(f.text.contains("resources:")
                && (f.text.contains("jobs:") || f.text.contains("model_serving_endpoints:"))
                && (f.text.contains("_task:") || f.text.contains("served_entities") || f.text.contains("served_models"))
                && yaml::may_have_top_key(f.text, &["resources"]))
        {
            return;
        }
        let Ok(doc) = yaml::parse(f.text) else { return };
        let Some(res) = doc.get("resources") else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let bundle_id = format!("bundle:{}", f.path);
        let bundle = Unit::new(bundle_id.clone(), Location::line(f.path, 1), f.path);
        for (k, job) in res.get("jobs").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let mut u = Unit::new(format!("bundle:job#{name}"), Location::new(f.path, k.line, job.last_line()), name);
            if let Some(s) = job.get("schedule").or_else(|| job.get("trigger")) {
                let paused = s.get("pause_status").and_then(Node::as_str).is_some_and(|v| {
                    let values = pause_values(f, dir, is_bundle_root.then_some(&doc), v);
                    !values.is_empty() && values.iter().all(|p| p == "PAUSED")
                });
                if !paused {
                    let t = if s.get("quartz_cron_expression").is_some() || s.get("periodic").is_some() { "schedule" } else { "external" };
                    u.root = true;
                    u.triggers = BTreeSet::from([t.to_string()]);
                    // A file-arrival or table-update trigger: new data starts the job.
                    if t == "external" {
                        u.triggers.insert(super::EVENT.to_string());
                    }
                    out.push(
                        Evidence::new("ci.trigger", NAME, Location::line(f.path, s.line), Confidence::High, &format!("job {name}: {t}"))
                            .attr("system", "databricks")
                            .attr("trigger", t),
                    );
                }
            }
            for t in job.get("tasks").map(Node::items).unwrap_or_default() {
                let file = t
                    .path(&["notebook_task", "notebook_path"])
                    .or_else(|| t.path(&["spark_python_task", "python_file"]))
                    .and_then(Node::as_str);
                if let Some(p) = file.and_then(|p| resolve(f, dir, p)) {
                    u.calls.push((format!("file:{p}"), Location::line(f.path, t.line)));
                }
                // A wheel task runs a console script of the project (pyproject entry point).
                if let Some(ep) = t.path(&["python_wheel_task", "entry_point"]).and_then(Node::as_str) {
                    u.calls.push((format!("script:{ep}"), Location::line(f.path, t.line)));
                }
                // Another job run as a task.
                if let Some(j) = t.path(&["run_job_task", "job_id"]).and_then(Node::as_str) {
                    if let Some(name) = j.strip_prefix("${resources.jobs.").and_then(|r| r.strip_suffix(".id}")) {
                        u.calls.push((format!("bundle:job#{name}"), Location::line(f.path, t.line)));
                        out.push_in(
                            Evidence::new(
                                "code.pipeline-trigger",
                                NAME,
                                Location::line(f.path, t.line),
                                Confidence::High,
                                &format!("run_job_task: {name}"),
                            )
                            .attr("target", "databricks-job"),
                            &u.id,
                        );
                    }
                }
                // A task whose key says it builds the data.
                let key = t.get("task_key").and_then(Node::as_str).unwrap_or("").to_ascii_lowercase();
                if super::data_steps::is_data_step_name(&key) {
                    out.push_in(
                        Evidence::new("code.data-prep", NAME, Location::line(f.path, t.line), Confidence::Medium, &format!("task {key}"))
                            .attr("op", "pipeline-step"),
                        &u.id,
                    );
                }
            }
            // Job clusters sized in the bundle: compute declared as code.
            if let Some(line) = job.find_key_line(&|k| k == "node_type_id") {
                out.push_in(super::compute_at(NAME, f.path, f.text, line, "databricks", Confidence::High), &u.id);
            }
            // `bundle deploy` installs the job with its schedule; it does not
            // run it (`bundle run` does, or the schedule): no call from the bundle.
            out.units.push(u);
        }
        for (k, ep) in res.get("model_serving_endpoints").map(Node::entries).unwrap_or_default() {
            let name = k.as_str().unwrap_or("");
            out.push_in(
                Evidence::new(
                    "code.deploy",
                    NAME,
                    Location::line(f.path, k.line),
                    Confidence::High,
                    &format!("model serving endpoint {name}"),
                )
                .attr("target", "databricks-serving"),
                &bundle_id,
            );
            let routes = ep.path(&["config", "traffic_config", "routes"]).map(Node::items).unwrap_or_default();
            let weighted = routes
                .iter()
                .filter(|r| r.get("traffic_percentage").and_then(Node::as_str).and_then(|p| p.parse::<f64>().ok()).is_some_and(|p| p > 0.0))
                .count();
            if weighted >= 2 {
                out.push_in(
                    Evidence::new(
                        "code.traffic-split",
                        NAME,
                        Location::line(f.path, routes[0].line),
                        Confidence::High,
                        "traffic_config routes",
                    )
                    .attr("mode", "weights"),
                    &bundle_id,
                );
            }
            if let Some(it) =
                ep.path(&["config", "auto_capture_config"]).or_else(|| ep.get("ai_gateway").and_then(|g| g.get("inference_table_config")))
            {
                out.push_in(
                    Evidence::new("code.prediction-log", NAME, Location::line(f.path, it.line), Confidence::High, "inference table")
                        .attr("tool", "databricks"),
                    &bundle_id,
                );
            }
        }
        for (k, _) in res.get("quality_monitors").map(Node::entries).unwrap_or_default() {
            out.push(
                Evidence::new(
                    "code.monitor",
                    NAME,
                    Location::line(f.path, k.line),
                    Confidence::High,
                    &format!("quality monitor {}", k.as_str().unwrap_or("")),
                )
                .attr("tool", "databricks"),
            );
        }
        for (k, _) in res.get("registered_models").map(Node::entries).unwrap_or_default() {
            out.push(
                Evidence::new(
                    "code.model-version",
                    NAME,
                    Location::line(f.path, k.line),
                    Confidence::Medium,
                    &format!("registered model {}", k.as_str().unwrap_or("")),
                )
                .attr("tool", "databricks")
                .attr("mechanism", "registry"),
            );
        }
        out.units.push(bundle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn jobs_tasks_and_endpoints() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("src/train.py".into());
        let text = "bundle:\n  name: churn\nresources:\n  jobs:\n    train_job:\n      schedule:\n        quartz_cron_expression: \"0 0 3 * * ?\"\n        timezone_id: UTC\n      tasks:\n        - task_key: train\n          spark_python_task:\n            python_file: ./src/train.py\n  model_serving_endpoints:\n    churn_ep:\n      config:\n        traffic_config:\n          routes:\n            - {served_model_name: a, traffic_percentage: 90}\n            - {served_model_name: b, traffic_percentage: 10}\n";
        let mut out = Output::default();
        Databricks.detect(&FileCtx { path: "databricks.yml", text, repo: &repo }, &mut out);
        let job = out.units.iter().find(|u| u.id == "bundle:job#train_job").unwrap();
        assert!(job.root && job.triggers.contains("schedule"));
        assert_eq!(job.calls[0].0, "file:src/train.py");
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "code.traffic-split"));
    }

    #[test]
    fn paused_by_bundle_variables_in_every_target() {
        let root = |prd: &str| {
            format!(
                "bundle:\n  name: b\ninclude:\n  - resources/*.yml\nvariables:\n  pause:\n    default: PAUSED\ntargets:\n  dev:\n    default: true\n  prd:\n    variables:\n      pause: {prd}\n"
            )
        };
        let job = "resources:\n  jobs:\n    train:\n      schedule:\n        quartz_cron_expression: \"0 0 6 ? * MON\"\n        pause_status: ${var.pause}\n      tasks:\n        - task_key: t\n          spark_python_task:\n            python_file: ../train.py\n";
        for (prd, root_expected) in [("PAUSED", false), ("UNPAUSED", true), ("${var.other}", true)] {
            let mut repo = RepoIndex::default();
            for (p, t) in [("databricks.yml", root(prd)), ("resources/jobs.yml", job.to_string()), ("train.py", "print(1)\n".to_string())] {
                repo.paths.insert(p.to_string());
                repo.texts.insert(p.to_string(), t);
            }
            let mut out = Output::default();
            Databricks.detect(&FileCtx { path: "resources/jobs.yml", text: job, repo: &repo }, &mut out);
            let u = out.units.iter().find(|u| u.id == "bundle:job#train").unwrap();
            assert_eq!(u.root, root_expected, "prd: {prd}");
        }
    }

    #[test]
    fn paused_schedules_and_plain_yaml() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "resources:\n  jobs:\n    j:\n      schedule:\n        quartz_cron_expression: \"0 0 3 * * ?\"\n        pause_status: PAUSED\n      tasks:\n        - task_key: t\n          spark_python_task:\n            python_file: ./x.py\n";
        Databricks.detect(&FileCtx { path: "databricks.yml", text, repo: &repo }, &mut out);
        assert!(!out.units.iter().find(|u| u.id == "bundle:job#j").unwrap().root, "a paused schedule starts nothing");
        let mut out = Output::default();
        Databricks.detect(&FileCtx { path: "config.yml", text: "jobs: 3\n", repo: &repo }, &mut out);
        assert!(out.units.is_empty() && out.evidence.is_empty());
    }
}
