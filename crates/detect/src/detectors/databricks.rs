//! Databricks Asset Bundles: `databricks.yml` and the resource files it
//! includes. Jobs (`resources.jobs.<name>`) run tasks — notebooks
//! (`notebook_task.notebook_path`), Python files (`spark_python_task`),
//! wheels — and may carry a `schedule` / `trigger`; model serving endpoints
//! (`resources.model_serving_endpoints`) deploy models, with traffic routes
//! and inference tables.
//!
//! The same Jobs API shape is read where it is written without a bundle:
//! a dbx deployment file (`environments.<env>.workflows` or `.jobs`, run by
//! `dbx launch <name>`: units `dbx:workflow#<name>`), and a job spec file
//! (`{"name": .., "tasks": [..]}` or a one-task job, in JSON or YAML,
//! submitted by `databricks runs submit --json-file F`: the unit is the
//! file's). Task files are resolved beside the spec, above it, from the
//! root, or, for a workspace or DBFS location (`dbfs:/FileStore/x/train.py`,
//! `/Repos/u/r/notebooks/train`), as the one repository file whose path
//! ends with the longest tail of it.
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

/// The Databricks bundle detector.
pub struct Databricks;

const NAME: &str = "databricks";

/// The repository file a task path names: relative to the spec's folder or
/// one above it (`./src/train.py`, `${workspace.file_path}/x`, dbx's
/// `file://x`, `file:fuse://x`), or a remote copy (workspace, DBFS or bucket
/// location) named by the longest tail of its path that ends exactly one
/// repository path. Notebooks may be named without their extension.
fn resolve(f: &FileCtx<'_>, dir: &str, p: &str) -> Option<String> {
    let with_ext = |base: &str| [base.to_string(), format!("{base}.py"), format!("{base}.ipynb")];
    let remote = ["dbfs:/", "/dbfs/", "/Workspace/", "/Repos/", "s3://", "s3a://", "gs://", "abfss://", "wasbs://"]
        .iter()
        .find_map(|pre| p.strip_prefix(pre));
    if let Some(rest) = remote {
        let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        return (0..parts.len()).find_map(|i| {
            let tail = parts[i..].join("/");
            with_ext(&tail).into_iter().find_map(|c| f.repo.unique_file_ending(&c).map(str::to_string))
        });
    }
    let p = p
        .trim_start_matches("file:fuse://")
        .trim_start_matches("file://")
        .trim_start_matches("./")
        .trim_start_matches("${workspace.file_path}/");
    if p.starts_with('/') || p.contains("${") || p.contains("://") {
        return None;
    }
    crate::paths::dir_and_ancestors(dir).flat_map(|d| with_ext(&crate::paths::join(d, p))).find(|c| f.repo.exists(c))
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
        &["resources", "_task"]
    }
    fn unscreened(&self, path: &str) -> bool {
        path == "databricks.yml" || path.ends_with("/databricks.yml")
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path) || is_job_json(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let is_bundle_root = f.path == "databricks.yml" || f.path.ends_with("/databricks.yml");
        let bundle_like = is_bundle_root
            || (f.text.contains("resources:")
                && (f.text.contains("jobs:") || f.text.contains("model_serving_endpoints:"))
                && (f.text.contains("_task:") || f.text.contains("served_entities") || f.text.contains("served_models"))
                && yaml::may_have_top_key(f.text, &["resources"]));
        if !bundle_like {
            if TASK_KEYS.iter().any(|k| f.text.contains(k)) {
                job_specs(f, out);
            }
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
            let paused = |v: &str| {
                let values = pause_values(f, dir, is_bundle_root.then_some(&doc), v);
                !values.is_empty() && values.iter().all(|p| p == "PAUSED")
            };
            read_job(f, dir, name, job, &mut u, &paused, out);
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

/// The keys of a Jobs API task that runs a file of the repository.
const TASK_KEYS: &[&str] = &["spark_python_task", "notebook_task", "python_wheel_task"];

/// A JSON file that may hold a Databricks job spec: named or placed for
/// jobs, workflows or deployments (`jobs/train.json`, `conf/deployment.json`),
/// so the walk does not read every JSON data file for it.
fn is_job_json(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".json") && ["job", "workflow", "databricks", "deployment", "dbx", "task"].iter().any(|w| lower.contains(w))
}

/// A job's body as the Jobs API writes it (a bundle's `resources.jobs.X`, a
/// dbx workflow, a spec file): its schedule or trigger makes `u` a root
/// unless paused; its tasks (`tasks:`, or the job itself when it is a
/// one-task job) call the files they run; clusters it sizes are compute.
fn read_job(f: &FileCtx<'_>, dir: &str, name: &str, job: &Node, u: &mut Unit, paused: &dyn Fn(&str) -> bool, out: &mut Output) {
    if let Some(s) = job.get("schedule").or_else(|| job.get("trigger")) {
        if !s.get("pause_status").and_then(Node::as_str).is_some_and(paused) {
            let t = if s.get("quartz_cron_expression").is_some() || s.get("periodic").is_some() { "schedule" } else { "external" };
            u.root = true;
            u.triggers.insert(t.to_string());
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
    let tasks = match job.get("tasks") {
        Some(t) => t.items().iter().collect(),
        None if TASK_KEYS.iter().any(|k| job.get(k).is_some()) => vec![job],
        None => vec![],
    };
    for t in tasks {
        let file =
            t.path(&["notebook_task", "notebook_path"]).or_else(|| t.path(&["spark_python_task", "python_file"])).and_then(Node::as_str);
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
                let mut e = Evidence::new(
                    "code.pipeline-trigger",
                    NAME,
                    Location::line(f.path, t.line),
                    Confidence::High,
                    &format!("run_job_task: {name}"),
                )
                .attr("target", "databricks-job");
                // Run only on an outcome of a condition task (`depends_on: [{task_key, outcome}]`).
                if t.get("depends_on").is_some_and(|d| d.items().iter().any(|x| x.get("outcome").is_some())) {
                    e = e.attr("guarded", "condition-task");
                }
                out.push_in(e, &u.id);
            }
        }
        // A task whose key says it builds the data.
        // Read as written: camelCase humps are words (`PickupFeatures`).
        let key = t.get("task_key").and_then(Node::as_str).unwrap_or("");
        if super::data_steps::is_data_step_name(key) {
            out.push_in(
                Evidence::new("code.data-prep", NAME, Location::line(f.path, t.line), Confidence::Medium, &format!("task {key}"))
                    .attr("op", "pipeline-step"),
                &u.id,
            );
        }
    }
    // Job clusters sized in the spec: compute declared as code, by node
    // type or drawn from an instance pool (which then names no node type).
    if let Some(line) =
        job.find_key_line(&|k| matches!(k, "node_type_id" | "instance_pool_id" | "instance_pool_name" | "driver_instance_pool_id"))
    {
        out.push_in(super::compute_at(NAME, f.path, f.text, line, "databricks", Confidence::High), &u.id);
    }
}

/// Jobs written outside a bundle: the workflows (or jobs) of a dbx
/// deployment file's environments, one unit a name however many
/// environments define it; or one job spec (`tasks` of task objects, or a
/// one-task job; `settings` as the Jobs API returns it), the file's unit.
fn job_specs(f: &FileCtx<'_>, out: &mut Output) {
    let Ok(doc) = yaml::parse(f.text) else { return };
    let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let literal_pause = |v: &str| v == "PAUSED";
    if let Some(envs) = doc.get("environments") {
        let mut units: Vec<Unit> = Vec::new();
        for (_, env) in envs.entries() {
            let jobs = env.get("workflows").or_else(|| env.get("jobs")).map(Node::items).unwrap_or_default();
            for job in jobs {
                let Some(name) = job.get("name").and_then(Node::as_str) else { continue };
                let id = format!("dbx:workflow#{name}");
                let at = match units.iter().position(|u| u.id == id) {
                    Some(i) => i,
                    None => {
                        units.push(Unit::new(id, Location::new(f.path, job.line, job.last_line()), name));
                        units.len() - 1
                    }
                };
                read_job(f, dir, name, job, &mut units[at], &literal_pause, out);
            }
        }
        out.units.extend(units);
        return;
    }
    let job = doc.get("settings").unwrap_or(&doc);
    let is_task = |t: &Node| t.get("task_key").is_some() && TASK_KEYS.iter().chain(&["run_job_task"]).any(|k| t.get(k).is_some());
    let is_job = job.get("tasks").is_some_and(|ts| ts.items().iter().any(is_task))
        || (TASK_KEYS.iter().any(|k| job.get(k).is_some())
            && ["new_cluster", "existing_cluster_id", "job_cluster_key", "name", "run_name"].iter().any(|k| job.get(k).is_some()));
    if !is_job {
        return;
    }
    let name = job.get("name").or_else(|| job.get("run_name")).and_then(Node::as_str).unwrap_or(f.path);
    let mut u = Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
    read_job(f, dir, name, job, &mut u, &literal_pause, out);
    out.units.push(u);
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
    fn detect_in(repo: &RepoIndex, path: &str, text: &str) -> Output {
        let mut out = Output::default();
        Databricks.detect(&FileCtx { path, text, repo }, &mut out);
        out
    }

    #[test]
    fn a_job_spec_file_runs_its_tasks_resolving_staged_copies() {
        let mut repo = RepoIndex::default();
        for p in ["pipelines/fit.py", "notebooks/score.py", "other/fit_helpers.py"] {
            repo.paths.insert(p.into());
        }
        let spec = r#"{"name": "fit", "new_cluster": {"node_type_id": "m5.xlarge"}, "tasks": [
  {"task_key": "fit", "spark_python_task": {"python_file": "dbfs:/FileStore/proj/pipelines/fit.py"}},
  {"task_key": "score", "notebook_task": {"notebook_path": "/Repos/me/proj/notebooks/score"}},
  {"task_key": "gone", "spark_python_task": {"python_file": "dbfs:/FileStore/proj/missing.py"}}
]}"#;
        let out = detect_in(&repo, "jobs/fit.json", spec);
        let u = out.units.iter().find(|u| u.id == "file:jobs/fit.json").expect("the spec file is a unit");
        let calls: Vec<&str> = u.calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(calls, ["file:pipelines/fit.py", "file:notebooks/score.py"]);
        assert!(!u.root, "no schedule: run only by what submits it");
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "code.compute"));
        // A one-task job (Jobs API 2.0) with a schedule is a root.
        let one = "name: nightly\nexisting_cluster_id: abc\nschedule:\n  quartz_cron_expression: 0 0 2 * * ?\nspark_python_task:\n  python_file: pipelines/fit.py\n";
        let out = detect_in(&repo, "jobs/nightly.yml", one);
        let u = &out.units[0];
        assert!(u.root && u.triggers.contains("schedule"));
        assert_eq!(u.calls[0].0, "file:pipelines/fit.py");
    }

    #[test]
    fn pool_clusters_are_compute_and_camel_case_task_keys_are_words() {
        let repo = RepoIndex::default();
        let spec = |cluster: &str, key: &str| {
            format!("name: fit\nnew_cluster:\n  spark_version: 13.3.x-cpu-ml-scala2.12\n  {cluster}\n  num_workers: 4\ntasks:\n  - task_key: {key}\n    spark_python_task:\n      python_file: pipelines/fit.py\n")
        };
        let kinds =
            |text: &str| detect_in(&repo, "jobs/fit.yml", text).evidence.into_iter().map(|(e, _)| e.kind.to_string()).collect::<Vec<_>>();
        assert!(kinds(&spec("instance_pool_id: 0101-pool", "fit")).contains(&"code.compute".to_string()));
        assert!(kinds(&spec("instance_pool_name: ml-pool", "fit")).contains(&"code.compute".to_string()));
        assert!(!kinds(&spec("spark_conf: {}", "fit")).contains(&"code.compute".to_string()), "no size, no pool");
        assert!(kinds(&spec("node_type_id: i3.xlarge", "PickupFeatures")).contains(&"code.data-prep".to_string()));
        assert!(!kinds(&spec("node_type_id: i3.xlarge", "ModelValidation")).contains(&"code.data-prep".to_string()));
    }

    #[test]
    fn json_that_is_no_job_spec_gives_nothing() {
        let repo = RepoIndex::default();
        for (path, text) in [
            ("data/tasks.json", r#"{"tasks": [{"id": 1, "title": "label images"}]}"#),
            ("conf/job.json", r#"{"spark_python_task": "a string, not a task"}"#),
            ("conf/workflow.json", r#"{"notebook_task": {"notebook_path": "x"}}"#),
        ] {
            let out = detect_in(&repo, path, text);
            assert!(out.units.is_empty() && out.evidence.is_empty(), "{path}");
        }
        assert!(is_job_json("conf/deployment.json") && is_job_json("databricks/train.json") && !is_job_json("data/labels.json"));
    }

    #[test]
    fn dbx_workflows_are_one_unit_a_name_across_environments() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("pkg/tasks/train.py".into());
        let text = "environments:\n  default:\n    workflows:\n      - name: train\n        tasks:\n          - task_key: t\n            spark_python_task:\n              python_file: file://pkg/tasks/train.py\n  prod:\n    workflows:\n      - name: train\n        schedule:\n          quartz_cron_expression: 0 0 * * * ?\n          pause_status: PAUSED\n        tasks:\n          - task_key: t\n            spark_python_task:\n              python_file: file://pkg/tasks/train.py\n";
        let out = detect_in(&repo, "conf/deployment.yml", text);
        let units: Vec<&Unit> = out.units.iter().filter(|u| u.id == "dbx:workflow#train").collect();
        assert_eq!(units.len(), 1);
        assert!(!units[0].root, "the only schedule is paused");
        assert_eq!(units[0].calls.iter().filter(|c| c.0 == "file:pkg/tasks/train.py").count(), 2);
    }
}
