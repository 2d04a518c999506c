//! CircleCI: `.circleci/config.yml` jobs, workflows and their triggers.
//!
//! CircleCI builds every push by default; a workflow with `triggers:
//! - schedule:` runs on its cron instead; job `filters` with only `tags`
//! narrow it to tags. Emits `ci.pipeline`, `ci.trigger`, one root unit per
//! job with the commands of its `run` steps (string or `command:`).
//!
//! Orbs: the `orbs:` map names each orb an alias (`heroku:
//! circleci/heroku@2.0`), and `heroku/deploy-via-git` is then the orb's
//! command (a step) or job (a workflow entry). The commands and jobs of
//! well-known orbs ([`ORB_COMMANDS`]) are read as the shell commands they
//! amount to (`git push heroku`, `aws ecs update-service`, `docker push`,
//! `kubectl apply -f <resource-file-path>`), so they give the same evidence.
//! An orb job used in a workflow is a unit of its own, with the workflow's
//! `requires` and filters like the config's jobs. Orbs not in the table,
//! steps whose alias the `orbs:` map does not declare, and the orbs' setup
//! commands (`heroku/install`, `python/install-packages`) give nothing.
//!
//! Dynamic configuration: a setup config (`setup: true`) continues the
//! pipeline with another config of `.circleci/`, named by the
//! path-filtering or continuation orb ([`continued_configs`]); that config
//! is detected like the main one. A run step's paths under the default
//! checkout folder (`~/project`) are the repository's.
//!
//! Commented-out steps are YAML comments and never seen.
//!
//! ```yaml
//! orbs: {heroku: circleci/heroku@2.0}
//! workflows:
//!   main:
//!     jobs: [test, {heroku/deploy-via-git: {requires: [test]}}]
//! ```

use super::{add_cmd, add_shell, ci_job, emit_pipeline, unparsable};
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Cmd, Detector, FileCtx, Output, Unit};
use std::collections::{BTreeMap, BTreeSet};

/// Commands and jobs of well-known orbs and the shell commands each runs:
/// (orb, command or job, command lines). Names are matched with `_` read as
/// `-` (newer orb versions spell them `deploy_service_update`). A word
/// `{param}` is the step's or workflow entry's parameter of that name
/// (`$PARAM` when not given); `{param=default}` has a default. Setup
/// commands (install, authenticate, configure) are not listed: they run
/// nothing the rules read.
pub const ORB_COMMANDS: &[(&str, &str, &[&str])] = &[
    ("circleci/heroku", "deploy-via-git", &["git push heroku HEAD:main"]),
    ("circleci/heroku", "push-docker-image", &["docker push registry.heroku.com/{app-name}/{process-types=web}"]),
    ("circleci/heroku", "release-docker-image", &["heroku container:release {process-types=web}"]),
    ("circleci/aws-ecr", "build-and-push-image", &["docker push {repo}"]),
    ("circleci/aws-ecr", "push-image", &["docker push {repo}"]),
    ("circleci/aws-ecs", "deploy-service-update", &["aws ecs update-service --service {service-name}"]),
    ("circleci/aws-ecs", "update-service", &["aws ecs update-service --service {service-name}"]),
    ("circleci/aws-eks", "update-container-image", &["kubectl set image {resource-name}"]),
    ("circleci/gcp-gcr", "build-and-push-image", &["docker push {image}"]),
    ("circleci/gcp-gcr", "push-image", &["docker push {image}"]),
    ("circleci/gcp-gke", "rollout-image", &["kubectl set image deployment/{deployment}"]),
    ("circleci/gcp-gke", "publish-and-rollout-image", &["docker push {image}", "kubectl set image deployment/{deployment}"]),
    ("circleci/gcp-cloud-run", "deploy", &["gcloud run deploy {service-name}"]),
    ("circleci/kubernetes", "create-or-update-resource", &["kubectl apply -f {resource-file-path}"]),
    ("circleci/helm", "install-helm-chart", &["helm install {release-name} {chart}"]),
    ("circleci/helm", "upgrade-helm-chart", &["helm upgrade --install {release-name} {chart}"]),
    ("circleci/docker", "publish", &["docker push {image}"]),
    ("circleci/docker", "push", &["docker push {image}"]),
    ("circleci/azure-acr", "build-and-push-image", &["docker push {repo}"]),
    ("circleci/aws-elastic-beanstalk", "deploy", &["eb deploy {environment-name}"]),
    ("circleci/python", "test", &["python -m {test-tool=pytest}"]),
    // The SageMaker orb's deploy job moves an endpoint (created or updated
    // per `deploy_environment`) to the model's new configuration.
    ("circleci/aws-sagemaker", "deploy-endpoint", &["aws sagemaker update-endpoint --endpoint-name {model_name}"]),
];

/// The command lines an orb's command or job runs, with the parameters of
/// the step (or workflow entry) `params` put in: `None` for an orb or a
/// name the table does not list.
fn orb_command_lines(orb: &str, name: &str, params: Option<&Node>) -> Option<Vec<Vec<String>>> {
    let name = name.replace('_', "-");
    let (_, _, lines) = ORB_COMMANDS.iter().find(|(o, n, _)| *o == orb && *n == name)?;
    let param = |word: &str| -> String {
        let Some(p) = word.strip_prefix('{').and_then(|w| w.strip_suffix('}')) else { return word.to_string() };
        let (key, default) = p.split_once('=').map_or((p, None), |(k, d)| (k, Some(d)));
        let given = params.and_then(|n| n.get(key).or_else(|| n.get(&key.replace('-', "_")))).and_then(Node::as_str);
        match (given, default) {
            (Some(v), _) => v.to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) => format!("${}", key.replace('-', "_").to_uppercase()),
        }
    };
    Some(lines.iter().map(|l| l.split_whitespace().map(param).collect()).collect())
}

/// The registry name of each orb alias the config declares
/// (`heroku: circleci/heroku@2.0` -> `heroku` = `circleci/heroku`). Orbs
/// defined inline (a map) have no registry name and are left out.
fn orb_aliases(doc: &Node) -> BTreeMap<String, String> {
    doc.get("orbs")
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            let orb = v.as_str()?.split('@').next()?.trim().to_ascii_lowercase();
            Some((k.as_str()?.to_string(), orb))
        })
        .collect()
}

/// Add the commands an orb step or job `alias/name` runs to `unit`, at
/// `line`, in the folder its `app-dir` parameter names (else `wd`): false,
/// adding nothing, when the alias is not declared or the orb's command is
/// not a well-known one.
#[allow(clippy::too_many_arguments)]
fn add_orb_command(
    unit: &mut Unit,
    out: &mut Output,
    path: &str,
    orbs: &BTreeMap<String, String>,
    call: &str,
    params: Option<&Node>,
    line: u32,
    wd: &str,
) -> bool {
    let Some((alias, name)) = call.split_once('/') else { return false };
    let Some(orb) = orbs.get(alias) else { return false };
    let Some(lines) = orb_command_lines(orb, name, params) else { return false };
    let wd = match params.and_then(|p| p.get("app-dir")).and_then(Node::as_str) {
        Some(d) => crate::paths::join(wd, &checkout_folder(d)),
        None => wd.to_string(),
    };
    for argv in lines {
        let text = format!("{call} (orb {orb}: {})", argv.join(" "));
        add_cmd(unit, out, NAME, Cmd { argv, location: Location::line(path, line), text, workdir: wd.clone() });
    }
    true
}

/// The configuration CircleCI reads.
const MAIN_CONFIGS: [&str; 2] = [".circleci/config.yml", ".circleci/config.yaml"];

/// A workflow's job or a job's step as written: a name (`- test`,
/// `- checkout`) or a one-key map of the name to its parameters
/// (`- pf/filter: {config-path: x}`).
fn named_entry(n: &Node) -> Option<(&str, Option<&Node>)> {
    n.as_str().map(|c| (c, None)).or_else(|| n.entries().first().and_then(|(k, v)| Some((k.as_str()?, Some(v)))))
}

/// A folder a config names (`working_directory`, an orb's `app-dir`),
/// relative to the checkout: `~/project/api` is `api`, `~/project` the root.
fn checkout_folder(d: &str) -> String {
    let d = checkout_relative(d);
    let d = d.trim_start_matches("./").trim_start_matches('/');
    if d == "." {
        String::new()
    } else {
        d.to_string()
    }
}

/// Where the path-filtering orb continues when `config-path` is not given.
const DEFAULT_CONTINUATION: &str = ".circleci/continue_config.yml";

/// The configs a setup config (`setup: true`, CircleCI's dynamic
/// configuration) continues the pipeline with: the `config-path` of a
/// `circleci/path-filtering` orb's `filter` job or step (by default
/// `.circleci/continue_config.yml`), the `configuration_path` of a
/// `circleci/continuation` orb's `continue` job or step. Their workflows run
/// on the events that start the setup config's pipeline.
fn continued_configs(doc: &Node) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if doc.get("setup").and_then(Node::as_str) != Some("true") {
        return out;
    }
    let orbs = orb_aliases(doc);
    // An orb call `alias/name` with its parameters: a workflow's job or a job's step.
    let jobs = doc
        .get("workflows")
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .flat_map(|(_, wf)| wf.get("jobs").map(Node::items).unwrap_or_default());
    let steps = doc
        .get("jobs")
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .flat_map(|(_, j)| j.get("steps").map(Node::items).unwrap_or_default());
    for (call, params) in jobs.chain(steps).filter_map(named_entry) {
        let Some((alias, name)) = call.split_once('/') else { continue };
        let param = |k: &str| params.and_then(|p| p.get(k)).and_then(Node::as_str).map(|v| v.trim().trim_start_matches("./").to_string());
        match (orbs.get(alias).map(String::as_str), name) {
            (Some("circleci/path-filtering"), "filter") => {
                out.insert(param("config-path").unwrap_or_else(|| DEFAULT_CONTINUATION.to_string()));
            }
            (Some("circleci/continuation"), "continue") => out.extend(param("configuration_path")),
            _ => {}
        }
    }
    out
}

/// True when `f`, a config of `.circleci/` other than the main one, is
/// the continuation of the main config (a setup config). The main config
/// is read once per scan, whatever the number of configs.
fn continues_a_setup_config(f: &FileCtx<'_>) -> bool {
    f.repo
        .circleci_continued
        .get_or_init(|| {
            MAIN_CONFIGS
                .iter()
                .filter_map(|main| f.repo.text(main))
                .filter_map(|text| yaml::parse(&text).ok())
                .flat_map(|doc| continued_configs(&doc))
                .collect()
        })
        .contains(f.path)
}

/// A CircleCI run step's script with the default checkout folder
/// (`~/project`, `/home/circleci/project`) written as the repository's
/// root: `~/project/scripts/fetch.sh` is `./scripts/fetch.sh`.
fn checkout_relative(script: &str) -> std::borrow::Cow<'_, str> {
    if !script.contains("/project") {
        return script.into();
    }
    let mut s = script.to_string();
    for home in ["/home/circleci/project", "~/project"] {
        let mut from = 0;
        while let Some(at) = s[from..].find(home).map(|i| i + from) {
            let end = at + home.len();
            // Only the folder itself (`~/projects` is another).
            if s[end..].chars().next().is_none_or(|c| matches!(c, '/' | ' ' | '\t' | '\n' | '"' | '\'' | ';' | ')')) {
                s.replace_range(at..end, ".");
                from = at + 1;
            } else {
                from = end;
            }
        }
    }
    s.into()
}

/// The CircleCI detector.
pub struct CircleCi;

const NAME: &str = "circleci";

impl Detector for CircleCi {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        // The config, and the other configs of the folder: a setup config
        // may continue the pipeline with one of them ([`continued_configs`]).
        path.strip_prefix(".circleci/").is_some_and(|n| !n.contains('/') && (n.ends_with(".yml") || n.ends_with(".yaml")))
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !MAIN_CONFIGS.contains(&f.path) && !continues_a_setup_config(f) {
            return;
        }
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "circleci", NAME, &e),
        };
        let orbs = orb_aliases(&doc);
        let defined: BTreeSet<&str> =
            doc.get("jobs").map(Node::entries).unwrap_or_default().iter().filter_map(|(k, _)| k.as_str()).collect();
        // Trigger classes per job, from the workflows that run it.
        let mut per_job: Vec<(String, BTreeSet<String>, u32)> = Vec::new();
        // `requires:` per job: the jobs of the same workflow it waits for.
        let mut requires: Vec<(String, Vec<String>)> = Vec::new();
        // Orb jobs the workflows run: (name of the run, `alias/job`, the
        // workflow entry, its parameters).
        let mut orb_jobs: Vec<(String, String, &Node, Option<&Node>)> = Vec::new();
        // A job run under another `name:`: the name, the job it runs.
        let mut renamed: BTreeMap<String, String> = BTreeMap::new();
        let mut specs: Vec<super::TriggerSpec> = Vec::new();
        for (wk, wf) in doc.get("workflows").map(Node::entries).unwrap_or_default() {
            if wk.as_str() == Some("version") || !wf.is_map() {
                continue;
            }
            let scheduled = wf.get("triggers").is_some_and(|t| t.items().iter().any(|i| i.get("schedule").is_some()));
            let base: &str = if scheduled { "schedule" } else { "push" };
            specs.push((base, wk.line, !scheduled));
            for j in wf.get("jobs").map(Node::items).unwrap_or_default() {
                let Some((job, cfg)) = named_entry(j) else { continue };
                let job = job.to_string();
                let mut t = BTreeSet::from([base.to_string()]);
                if let Some(filters) = cfg.and_then(|c| c.get("filters")) {
                    let tags = filters.get("tags").is_some();
                    let branches_ignored_all = filters.path(&["branches", "ignore"]).is_some_and(|b| b.strings().contains(&"/.*/"));
                    if tags && branches_ignored_all {
                        t = BTreeSet::from(["tag".to_string()]);
                        specs.push(("tag", j.line, false));
                    }
                }
                if cfg.and_then(|c| c.get("type")).and_then(Node::as_str) == Some("approval") {
                    continue;
                }
                // A job of an orb (not one of the config's own) runs under
                // its `name:`, else as written (`heroku/deploy-via-git`).
                let orb_job = job.contains('/') && !defined.contains(job.as_str());
                let run_name = cfg.and_then(|c| c.get("name")).and_then(Node::as_str).map(str::to_string);
                let name = if orb_job {
                    let run = run_name.unwrap_or_else(|| job.clone());
                    orb_jobs.push((run.clone(), job, j, cfg));
                    run
                } else {
                    if let Some(r) = run_name.filter(|r| *r != job) {
                        renamed.insert(r, job.clone());
                    }
                    job
                };
                if let Some(r) = cfg.and_then(|c| c.get("requires")) {
                    requires.push((name.clone(), r.strings().iter().map(|x| x.to_string()).collect()));
                }
                per_job.push((name, t, j.line));
            }
        }
        if per_job.is_empty() {
            // Version 2.0 config without workflows: the `build` job runs on push.
            for (k, _) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
                if let Some(n) = k.as_str() {
                    per_job.push((n.to_string(), BTreeSet::from(["push".to_string()]), k.line));
                }
            }
            specs.push(("push", 1, true));
        }
        specs.sort();
        specs.dedup_by(|a, b| a.0 == b.0);
        emit_pipeline(out, f.path, "circleci", NAME, &specs, "CircleCI config");
        let triggers_of = |name: &str| -> BTreeSet<String> {
            per_job.iter().filter(|(n, ..)| n == name).flat_map(|(_, t, _)| t.iter().cloned()).collect()
        };
        // The jobs `name` waits for (a renamed run is its job's unit).
        let order = |u: &mut Unit, name: &str| {
            for (_, before) in requires.iter().filter(|(n, _)| n == name) {
                u.after.extend(before.iter().map(|b| format!("ci:{}#{}", f.path, renamed.get(b).unwrap_or(b))));
            }
            u.after.sort();
            u.after.dedup();
        };
        for (k, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let triggers = triggers_of(name);
            if triggers.is_empty() {
                continue;
            }
            let mut u = ci_job(f.path, name, k.line, job.last_line(), &triggers);
            order(&mut u, name);
            let wd = job.get("working_directory").and_then(Node::as_str).map(checkout_folder).unwrap_or_default();
            for s in job.get("steps").map(Node::items).unwrap_or_default() {
                let run = s.get("run");
                let cmd = run.and_then(|r| {
                    r.as_str().map(|t| (t, r.line)).or_else(|| r.get("command").and_then(|c| c.as_str().map(|t| (t, c.line))))
                });
                if let Some((text, line)) = cmd {
                    add_shell(&mut u, out, NAME, f.path, &checkout_relative(text), line, &wd);
                }
                // An orb's command: `- heroku/install` or `- heroku/deploy-via-git: {params}`.
                if let Some((call, params)) = named_entry(s).filter(|(c, _)| c.contains('/')) {
                    add_orb_command(&mut u, out, f.path, &orbs, call, params, s.line, &wd);
                }
            }
            out.units.push(u);
        }
        // The jobs of well-known orbs are units too, run where the
        // workflows run them (the first entry of a name gives its parameters).
        let mut seen = BTreeSet::new();
        for (name, job, entry, params) in &orb_jobs {
            if !seen.insert(name.as_str()) {
                continue;
            }
            let mut u = ci_job(f.path, name, entry.line, entry.last_line(), &triggers_of(name));
            order(&mut u, name);
            if add_orb_command(&mut u, out, f.path, &orbs, job, *params, entry.line, "") {
                out.units.push(u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn workflows_schedule_and_steps() {
        let text = "version: 2.1\njobs:\n  test:\n    docker: [{image: cimg/python:3.11}]\n    steps:\n      - checkout\n      - run: pytest\n  train:\n    docker: [{image: cimg/python:3.11}]\n    steps:\n      - run:\n          name: train\n          command: python src/train.py\n      # - run: pytest --slow\nworkflows:\n  ci:\n    jobs: [test]\n  nightly:\n    triggers:\n      - schedule:\n          cron: \"0 3 * * *\"\n          filters: {branches: {only: main}}\n    jobs: [train]\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CircleCi.detect(&FileCtx { path: ".circleci/config.yml", text, repo: &repo }, &mut out);
        let t = |n: &str| out.units.iter().find(|u| u.id.ends_with(n)).unwrap().triggers.iter().cloned().collect::<Vec<_>>();
        assert_eq!(t("#test"), vec!["push"]);
        assert_eq!(t("#train"), vec!["schedule"]);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn a_setup_config_names_the_configs_it_continues_with() {
        let configs = |t: &str| continued_configs(&yaml::parse(t).unwrap()).into_iter().collect::<Vec<_>>();
        // The path-filtering orb's job, its config by default and given.
        let filter = "version: 2.1\nsetup: true\norbs:\n  pf: circleci/path-filtering@1.0\nworkflows:\n  w:\n    jobs:\n      - pf/filter:\n          mapping: 'a/.* x true'\n";
        assert_eq!(configs(filter), vec![DEFAULT_CONTINUATION]);
        assert_eq!(configs(&format!("{filter}          config-path: ./.circleci/next.yml\n")), vec![".circleci/next.yml"]);
        // The continuation orb's command as a step of a setup job.
        let step = "version: 2.1\nsetup: true\norbs:\n  continuation: circleci/continuation@1.0\njobs:\n  gen:\n    docker: [{image: x}]\n    steps:\n      - continuation/continue:\n          configuration_path: .circleci/made.yml\nworkflows:\n  w: {jobs: [gen]}\n";
        assert_eq!(configs(step), vec![".circleci/made.yml"]);
        // Not a setup config, or an orb of another name: it continues with nothing.
        assert!(configs(&filter.replace("setup: true\n", "")).is_empty());
        assert!(configs(&filter.replace("circleci/path-filtering", "acme/path-filtering")).is_empty());
    }

    #[test]
    fn a_continued_config_runs_only_when_the_setup_config_names_it() {
        let setup = "version: 2.1\nsetup: true\norbs:\n  pf: circleci/path-filtering@1.0\nworkflows:\n  w:\n    jobs:\n      - pf/filter:\n          config-path: .circleci/jobs.yml\n";
        let jobs = "version: 2.1\njobs:\n  test:\n    docker: [{image: x}]\n    steps: [{run: pytest}]\nworkflows:\n  w: {jobs: [test]}\n";
        let mut repo = RepoIndex::default();
        repo.texts.insert(".circleci/config.yml".into(), setup.into());
        let run = |path: &str, repo: &RepoIndex| {
            let mut out = Output::default();
            assert!(CircleCi.applies(path));
            CircleCi.detect(&FileCtx { path, text: jobs, repo }, &mut out);
            out.units.iter().map(|u| (u.id.clone(), u.triggers.iter().cloned().collect::<Vec<_>>())).collect::<Vec<_>>()
        };
        assert_eq!(run(".circleci/jobs.yml", &repo), vec![("ci:.circleci/jobs.yml#test".to_string(), vec!["push".to_string()])]);
        assert!(run(".circleci/other.yml", &repo).is_empty());
        // Without a setup config naming it, the same file runs nothing.
        assert!(run(".circleci/jobs.yml", &RepoIndex::default()).is_empty());
        assert!(!CircleCi.applies(".circleci/orbs/x.yml") && !CircleCi.applies("ci/config.yml"));
    }

    #[test]
    fn the_default_checkout_folder_is_the_repository_root() {
        assert_eq!(checkout_relative("chmod +x ~/project/s.sh\n~/project/s.sh"), "chmod +x ./s.sh\n./s.sh");
        assert_eq!(checkout_relative("cd ~/project && make"), "cd . && make");
        assert_eq!(checkout_relative("python /home/circleci/project/train.py"), "python ./train.py");
        // Another folder of the home directory is not the checkout.
        assert_eq!(checkout_relative("cd ~/projects/x ~/project_b"), "cd ~/projects/x ~/project_b");
        // Folders a config names.
        assert_eq!(checkout_folder("~/project/api"), "api");
        assert_eq!(checkout_folder("~/project"), "");
        assert_eq!(checkout_folder("/home/circleci/project/"), "");
        assert_eq!(checkout_folder("svc"), "svc");
        assert_eq!(checkout_folder("~/projects/x"), "~/projects/x");
    }

    #[test]
    fn requires_orders_the_jobs_of_a_workflow() {
        let text = "version: 2.1\njobs:\n  test:\n    docker: [{image: x}]\n    steps:\n      - run: pytest\n  ship:\n    docker: [{image: x}]\n    steps:\n      - run: railway up\n  hold-me: {docker: [{image: x}], steps: [{run: echo}]}\nworkflows:\n  main:\n    jobs:\n      - test\n      - ship:\n          requires: [test]\n      - hold-me\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CircleCi.detect(&FileCtx { path: ".circleci/config.yml", text, repo: &repo }, &mut out);
        let after = |n: &str| out.units.iter().find(|u| u.id.ends_with(n)).unwrap().after.clone();
        assert_eq!(after("#ship"), vec!["ci:.circleci/config.yml#test".to_string()]);
        assert!(after("#test").is_empty() && after("#hold-me").is_empty());
    }
    fn scan(text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CircleCi.detect(&FileCtx { path: ".circleci/config.yml", text, repo: &repo }, &mut out);
        out
    }

    /// (unit, kind, attribute value) of the run.deploy and run.publish evidence.
    fn releases(o: &Output) -> Vec<(String, String, String)> {
        o.evidence
            .iter()
            .filter(|(e, _)| e.kind == "run.deploy" || e.kind == "run.publish")
            .map(|(e, u)| {
                let attr = e.attrs.get("target").or_else(|| e.attrs.get("what")).map(|a| a.to_string()).unwrap_or_default();
                (u.clone().unwrap_or_default().trim_start_matches("ci:.circleci/config.yml#").to_string(), e.kind.to_string(), attr)
            })
            .collect()
    }

    #[test]
    fn orb_commands_deploy_like_the_commands_they_run() {
        let text = "version: 2.1\norbs:\n  hk: circleci/heroku@1.2.6\n  ecr: circleci/aws-ecr@9.0\n  k8s: circleci/kubernetes@1.3\n  python: circleci/python@2.1\njobs:\n  test:\n    docker: [{image: x}]\n    steps:\n      - checkout\n      - python/install-packages:\n          pkg-manager: pip\n      - run: pytest\n  ship:\n    executor: hk/default\n    steps:\n      - checkout\n      - hk/install\n      - hk/deploy-via-git\n      - ecr/build_and_push_image:\n          repo: model-api\n      - k8s/create-or-update-resource:\n          resource-file-path: k8s/deploy.yaml\nworkflows:\n  main:\n    jobs:\n      - test\n      - ship:\n          requires: [test]\n          filters: {branches: {only: main}}\n";
        let o = scan(text);
        assert_eq!(
            releases(&o),
            vec![
                ("ship".to_string(), "run.deploy".to_string(), "paas".to_string()),
                ("ship".to_string(), "run.publish".to_string(), "container-image".to_string()),
                ("ship".to_string(), "run.deploy".to_string(), "kubernetes".to_string()),
            ]
        );
        let ship = o.units.iter().find(|u| u.id.ends_with("#ship")).unwrap();
        let argv: Vec<String> = ship.commands.iter().map(|c| c.argv.join(" ")).collect();
        assert_eq!(argv, vec!["git push heroku HEAD:main", "docker push model-api", "kubectl apply -f k8s/deploy.yaml"]);
        assert_eq!(ship.commands[0].location.start_line, 20);
        // The setup commands (`install`, `install-packages`) run nothing read.
        let test = o.units.iter().find(|u| u.id.ends_with("#test")).unwrap();
        assert_eq!(test.commands.iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>(), vec!["pytest"]);
    }

    #[test]
    fn the_sagemaker_orb_deploy_job_updates_the_endpoint() {
        let text = "version: 2.1\norbs:\n  sm: circleci/aws-sagemaker@1.0\nworkflows:\n  release:\n    jobs:\n      - sm/create_model:\n          model_name: churn\n      - sm/create_endpoint_configuration:\n          model_name: churn\n          requires: [sm/create_model]\n      - sm/deploy_endpoint:\n          name: deploy-dev\n          model_name: churn\n          deploy_environment: dev\n          requires: [sm/create_endpoint_configuration]\n";
        let o = scan(text);
        assert_eq!(releases(&o), vec![("deploy-dev".to_string(), "run.deploy".to_string(), "sagemaker-endpoint".to_string())]);
        let u = o.units.iter().find(|u| u.id.ends_with("#deploy-dev")).unwrap();
        assert_eq!(u.commands[0].argv.join(" "), "aws sagemaker update-endpoint --endpoint-name churn");
    }

    #[test]
    fn orb_jobs_in_workflows_are_units_with_their_order() {
        let text = "version: 2.1\norbs:\n  aws-ecr: circleci/aws-ecr@8.2\n  aws-ecs: circleci/aws-ecs@3.2\n  heroku: circleci/heroku@2.0\n  python: circleci/python@2.1\njobs:\n  test:\n    docker: [{image: x}]\n    steps: [{run: pytest}]\nworkflows:\n  main:\n    jobs:\n      - test\n      - aws-ecr/build_and_push_image:\n          name: push-image\n          repo: model-api\n          requires: [test]\n      - aws-ecs/deploy_service_update:\n          requires: [push-image]\n          service-name: model-api\n      - heroku/deploy-via-git:\n          requires: [test]\n          filters:\n            tags: {only: /^v.*/}\n            branches: {ignore: /.*/}\n      - python/test:\n          app-dir: ~/project/api\n          test-tool: unittest\n";
        let o = scan(text);
        let unit = |n: &str| o.units.iter().find(|u| u.id == format!("ci:.circleci/config.yml#{n}")).unwrap();
        assert_eq!(unit("push-image").after, vec!["ci:.circleci/config.yml#test"]);
        assert_eq!(unit("aws-ecs/deploy_service_update").after, vec!["ci:.circleci/config.yml#push-image"]);
        assert_eq!(unit("aws-ecs/deploy_service_update").commands[0].argv.join(" "), "aws ecs update-service --service model-api");
        assert!(unit("push-image").root && unit("push-image").triggers.contains("push"));
        assert_eq!(unit("heroku/deploy-via-git").triggers.iter().collect::<Vec<_>>(), vec!["tag"]);
        // The python orb's test job runs the test tool in its app-dir.
        let t = &unit("python/test").commands[0];
        assert_eq!((t.argv.join(" ").as_str(), t.workdir.as_str()), ("python -m unittest", "api"));
        assert_eq!(
            releases(&o),
            vec![
                ("push-image".to_string(), "run.publish".to_string(), "container-image".to_string()),
                ("aws-ecs/deploy_service_update".to_string(), "run.deploy".to_string(), "aws-service".to_string()),
                ("heroku/deploy-via-git".to_string(), "run.deploy".to_string(), "paas".to_string()),
            ]
        );
        assert_eq!(o.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 2);
    }

    #[test]
    fn unknown_orbs_undeclared_aliases_and_comments_give_nothing() {
        // An orb not in the table, an alias the `orbs:` map does not declare
        // (a registry name written as a step is not an alias), a commented-out
        // orb step, an inline orb, a setup command and an unknown command of a
        // known orb.
        let text = "version: 2.1\norbs:\n  hk: circleci/heroku@2.0\n  ship: acme/ship-it@1.0\n  local:\n    commands:\n      deploy-via-git:\n        steps: [{run: echo}]\n  python: circleci/python@2.1\njobs:\n  test:\n    docker: [{image: x}]\n    steps:\n      - python/install-packages\n      - run: pytest\n  deploy:\n    docker: [{image: x}]\n    steps:\n      - ship/deploy\n      - heroku/deploy-via-git\n      - local/deploy-via-git\n      # - hk/deploy-via-git\n      - hk/install\n      - hk/check-authentication\nworkflows:\n  main:\n    jobs:\n      - test\n      - deploy: {requires: [test]}\n      - ship/deploy: {requires: [test]}\n      - heroku/deploy-via-git: {requires: [test]}\n      - python/unknown-job\n";
        let o = scan(text);
        assert!(releases(&o).is_empty(), "{:?}", releases(&o));
        // Only the config's own jobs are units; their commands are the run steps.
        let ids: Vec<&str> = o.units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, vec!["ci:.circleci/config.yml#test", "ci:.circleci/config.yml#deploy"]);
        assert!(o.units[1].commands.is_empty());
    }
}
