//! Job specs submitted to compute platforms (Anyscale / Ray jobs): a YAML
//! file with a top-level `entrypoint:` command. The file is a unit running
//! that command, so `anyscale job submit job.yaml` in CI reaches the scripts
//! the job runs.
//!
//! Service specs of the same platforms may choose how a new version
//! replaces the running one (`rollout_strategy: ROLLOUT`, as opposed to
//! `IN_PLACE`): a platform rollout with no second model, emitted as
//! `deploy.rollout-setting` (partial A/B). A commented-out key is not one.

use super::{add_shell, is_yaml};
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The job-spec detector.
pub struct JobSpec;

const NAME: &str = "job-spec";

/// The top-level keys this detector reads: a file with none of them (an
/// Argo workflow's nested `entrypoint:`, say) is not parsed for it.
const TOP_KEYS: &[&str] = &["entrypoint", "report_to", "rollout_strategy", "rolloutStrategy", "deployments", "workerPoolSpecs", "jobSpec"];

/// Literals one of which a file this detector reads holds.
const SCREEN: &[&str] = &["entrypoint:", "report_to", "rollout_strategy", "rolloutStrategy", "workerPoolSpecs"];

impl Detector for JobSpec {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        SCREEN
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !SCREEN.iter().any(|w| f.text.contains(w)) || !yaml::may_have_top_key(f.text, TOP_KEYS) {
            return;
        }
        let Ok(doc) = yaml::parse(f.text) else { return };
        // A Vertex AI custom job spec (`gcloud ai custom-jobs create
        // --config=job.yaml`): its worker pools' machines are training
        // compute, and the file runs what their containers or packages run.
        if let Some(pools) = doc.get("workerPoolSpecs").or_else(|| doc.path(&["jobSpec", "workerPoolSpecs"])) {
            vertex_job(f, pools, out);
            return;
        }
        // A service spec choosing a gradual rollout of the new version.
        if let Some(r) = doc.get("rollout_strategy").or_else(|| doc.get("rolloutStrategy")) {
            if let Some(v) = r.as_str().filter(|v| {
                let l = v.to_ascii_lowercase().replace(['-', '_'], "");
                !l.is_empty() && !matches!(l.as_str(), "inplace" | "recreate" | "none" | "replace")
            }) {
                out.push(
                    crate::Evidence::new(
                        "deploy.rollout-setting",
                        NAME,
                        Location::line(f.path, r.line),
                        crate::Confidence::Medium,
                        &format!("rollout strategy: {v}"),
                    )
                    .attr("strategy", v.to_ascii_lowercase()),
                );
            }
        }
        // Training configs that switch tracking on (`report_to: [wandb]`).
        if let Some(r) = doc.get("report_to") {
            for t in r.strings() {
                if matches!(t, "wandb" | "mlflow" | "comet_ml" | "neptune" | "clearml" | "aim" | "dvclive") {
                    out.push(
                        crate::Evidence::new(
                            "code.track",
                            NAME,
                            Location::line(f.path, r.line),
                            crate::Confidence::Medium,
                            &format!("report_to: {t}"),
                        )
                        .attr("tool", t.replace("comet_ml", "comet")),
                    );
                }
            }
        }
        // Prefect deployments: `deployments[].entrypoint: path.py:flow` with
        // schedules, or triggers (an automation starts it on an event).
        // A Prefect 2 `prefect deployment build` file is one deployment at
        // the top level (`flow_name`, `entrypoint`, `schedule`,
        // `is_schedule_active`).
        let single = doc.get("flow_name").is_some() && doc.get("entrypoint").and_then(Node::as_str).is_some_and(|e| e.contains(".py:"));
        let deps: Vec<&Node> = match doc.get("deployments") {
            Some(deps) => deps.items().iter().collect(),
            None if single => vec![&doc],
            None => Vec::new(),
        };
        if !deps.is_empty() {
            for d in deps {
                let Some(ep) = d.get("entrypoint").and_then(Node::as_str) else { continue };
                let file = ep.split(':').next().unwrap_or(ep);
                let name = d.get("name").and_then(Node::as_str).unwrap_or(file);
                let mut u = Unit::new(format!("deploy:{}#{name}", f.path), Location::new(f.path, d.line, d.last_line()), name);
                u.calls.push((format!("file:{}", crate::paths::join("", file)), Location::line(f.path, d.line)));
                let scheduled = d.get("is_schedule_active").and_then(Node::as_str) != Some("false")
                    && (d.get("schedules").is_some_and(|s| !s.items().is_empty()) || d.get("schedule").is_some_and(|s| !s.is_null()));
                let evented = d.get("triggers").is_some_and(|t| !t.items().is_empty());
                let trigger = if scheduled { Some(("schedule", "schedule")) } else { evented.then_some(("external", "event trigger")) };
                if let Some((trigger, what)) = trigger {
                    u.root = true;
                    u.triggers.insert(trigger.into());
                    out.push(
                        crate::Evidence::new(
                            "ci.trigger",
                            NAME,
                            Location::line(f.path, d.line),
                            crate::Confidence::High,
                            &format!("deployment {name}: {what}"),
                        )
                        .attr("system", "prefect")
                        .attr("trigger", trigger),
                    );
                }
                out.units.push(u);
            }
            return;
        }
        let Some(ep) = doc.get("entrypoint") else { return };
        let Some(cmd) = ep.as_str() else { return };
        let wd = doc
            .get("working_dir")
            .and_then(Node::as_str)
            .filter(|w| !w.contains("://"))
            .map(|w| w.trim_start_matches("./").trim_end_matches('/').to_string())
            .unwrap_or_default();
        let mut u = Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
        add_shell(&mut u, out, NAME, f.path, cmd, ep.line, if wd == "." { "" } else { &wd });
        out.units.push(u);
    }
}

/// The worker pools of a Vertex AI custom job spec: `machineSpec.machineType`
/// as compute; `containerSpec` command and args, or `pythonPackageSpec`'s
/// `pythonModule`, as what the file's unit runs.
fn vertex_job(f: &FileCtx<'_>, pools: &Node, out: &mut Output) {
    let list: Vec<&Node> = if pools.items().is_empty() { vec![pools] } else { pools.items().iter().collect() };
    // Paths in the job run from the image's working directory: the
    // repository's root, as the image copies it.
    let mut u = Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
    for pool in list {
        if let Some(m) = pool.path(&["machineSpec", "machineType"]).filter(|m| m.as_str().is_some()) {
            out.push_in(super::compute_at(NAME, f.path, f.text, m.line, "vertex", crate::Confidence::High), &u.id.clone());
        }
        if let Some(c) = pool.get("containerSpec") {
            let argv: Vec<String> = c
                .get("command")
                .map(|n| n.strings())
                .unwrap_or_default()
                .into_iter()
                .chain(c.get("args").map(|n| n.strings()).unwrap_or_default())
                .map(str::to_string)
                .collect();
            if !argv.is_empty() {
                let line = c.get("command").or_else(|| c.get("args")).map_or(c.line, |n| n.line);
                super::add_argv(&mut u, out, NAME, f.path, argv, line, "");
            }
        }
        if let Some(m) = pool.path(&["pythonPackageSpec", "pythonModule"]) {
            if let Some(module) = m.as_str() {
                let argv = vec!["python".to_string(), "-m".to_string(), module.to_string()];
                super::add_argv(&mut u, out, NAME, f.path, argv, m.line, "");
            }
        }
    }
    out.units.push(u);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn entrypoint_is_a_command() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        JobSpec.detect(
            &FileCtx {
                path: "deploy/jobs/w.yaml",
                text: "name: w\nentrypoint: bash deploy/jobs/w.sh\n# entrypoint: pytest\n",
                repo: &repo,
            },
            &mut out,
        );
        assert_eq!(out.units[0].commands[0].argv, vec!["bash", "deploy/jobs/w.sh"]);
        let mut out = Output::default();
        JobSpec.detect(&FileCtx { path: "x.yaml", text: "name: w\nsteps: []\n", repo: &repo }, &mut out);
        assert!(out.units.is_empty());
    }

    #[test]
    fn a_prefect_2_deployment_file_is_one_scheduled_deployment() {
        let repo = RepoIndex::default();
        let run = |text: &str| {
            let mut out = Output::default();
            JobSpec.detect(&FileCtx { path: "train_flow-deployment.yaml", text, repo: &repo }, &mut out);
            out.units
                .iter()
                .map(|u| (u.root, u.calls.iter().map(|c| c.0.clone()).collect::<Vec<_>>(), u.commands.len()))
                .collect::<Vec<_>>()
        };
        let built = "name: weekly\nflow_name: train\nschedule:\n  cron: 0 6 * * 1\nis_schedule_active: true\npath: /opt/app\nentrypoint: flows/train.py:train\n";
        assert_eq!(run(built), vec![(true, vec!["file:flows/train.py".to_string()], 0)]);
        // Paused, or with no schedule: a deployment someone runs.
        assert_eq!(
            run(&built.replace("is_schedule_active: true", "is_schedule_active: false")),
            vec![(false, vec!["file:flows/train.py".to_string()], 0)]
        );
        assert!(!run("name: adhoc\nflow_name: train\nschedule: null\nentrypoint: flows/train.py:train\n")[0].0);
    }

    #[test]
    fn vertex_custom_job_specs_declare_compute_and_run_their_pools() {
        let repo = RepoIndex::default();
        let run = |text: &str| {
            let mut out = Output::default();
            JobSpec.detect(&FileCtx { path: "configs/job.yaml", text, repo: &repo }, &mut out);
            let compute = out.evidence.iter().filter(|e| e.0.kind == "code.compute").map(|e| e.0.location.start_line).collect::<Vec<_>>();
            let cmds = out.units.iter().flat_map(|u| u.commands.iter().map(|c| c.argv.join(" "))).collect::<Vec<_>>();
            (compute, cmds)
        };
        let list = "workerPoolSpecs:\n  - machineSpec:\n      machineType: n1-standard-8\n    replicaCount: 1\n    containerSpec:\n      imageUri: reg/train:1\n      command: [python]\n      args: [trainer/train.py, --epochs, \"3\"]\n";
        assert_eq!(run(list), (vec![3], vec!["python trainer/train.py --epochs 3".to_string()]));
        let package = "jobSpec:\n  workerPoolSpecs:\n    machineSpec: {machineType: a2-highgpu-1g}\n    pythonPackageSpec:\n      executorImageUri: img\n      pythonModule: trainer.task\n";
        assert_eq!(run(package), (vec![3], vec!["python -m trainer.task".to_string()]));
        // Another document that mentions the key below its top level: nothing.
        assert_eq!(run("notes:\n  workerPoolSpecs: see the docs\n"), (vec![], vec![]));
    }

    #[test]
    fn service_rollout_strategy() {
        let repo = RepoIndex::default();
        let run = |text: &str| {
            let mut out = Output::default();
            JobSpec.detect(&FileCtx { path: "svc/service.yaml", text, repo: &repo }, &mut out);
            out.evidence.iter().filter(|e| e.0.kind == "deploy.rollout-setting").count()
        };
        assert_eq!(run("name: s\nrollout_strategy: ROLLOUT\n"), 1);
        // Replacing in place, a commented-out key, or a nested key of something else.
        assert_eq!(run("name: s\nrollout_strategy: IN_PLACE\n"), 0);
        assert_eq!(run("name: s\n# rollout_strategy: ROLLOUT\nentrypoint: x\n"), 0);
        assert_eq!(run("name: s\nopts:\n  rollout_strategy: ROLLOUT\n"), 0);
    }
}
