//! Kubernetes manifests (and Helm templates' rendered-looking YAML): model
//! serving resources and traffic shifting between model versions.
//!
//! Emits `k8s.inference-service` (KServe InferenceService, Seldon, a
//! Deployment whose container serves a model), `k8s.traffic-split` (KServe
//! `canaryTrafficPercent`, Istio VirtualService with two or more weighted
//! routes or a mirrored one, Argo Rollouts canary/blue-green, Flagger Canary,
//! Seldon traffic/shadow), `k8s.rollout-setting` (a rolling update: a rollout
//! with no second model) and `k8s.gitops-sync` (the folders an Argo CD or
//! Flux object keeps applied). Commented-out manifests are not evidence.
//!
//! A Deployment or StatefulSet serves a model when a container that is not a
//! data store or the tracking server (Postgres, MinIO, Redis, ...; `mlflow
//! server`) is named, imaged or started with a model word, or when such a
//! container runs in a workload whose name or labels carry one. Its rollout
//! setting counts only when the manifest chooses a gradual update itself: a
//! `RollingUpdate` strategy or its `maxSurge`/`maxUnavailable` (a StatefulSet's
//! `updateStrategy`). `Recreate`/`OnDelete` replace every pod at once, and a
//! manifest with no strategy chose nothing.

use super::is_yaml;
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The Kubernetes detector.
pub struct Kubernetes;

const NAME: &str = "kubernetes";
const MODEL_WORDS: &[&str] = &[
    "model",
    "predict",
    "inference",
    "infer",
    "serve",
    "serving",
    "score",
    "scoring",
    "kserve",
    "seldon",
    "triton",
    "torchserve",
    "bentoml",
    "mlflow",
];

/// Images of data stores, caches and queues that run beside a model server
/// (the part of the image name after its registry path, before its tag).
const INFRA_IMAGES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "redis",
    "valkey",
    "memcached",
    "mongo",
    "minio",
    "rabbitmq",
    "kafka",
    "zookeeper",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "etcd",
];

/// True when `s` holds a model word. `serve` counts as a word of its own,
/// not inside `server` (`minio server`, `redis-server`).
fn names_model(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    MODEL_WORDS.iter().any(|w| l.match_indices(w).any(|(i, _)| *w != "serve" || l.as_bytes().get(i + w.len()) != Some(&b'r')))
        || l.contains("mlserver")
}

/// A container that runs a data store or cache image, or the MLflow
/// tracking server (`mlflow server`, `mlflow ui`): not a model server.
fn is_infra_container(c: &Node) -> bool {
    let image = c.get("image").and_then(Node::as_str).unwrap_or("").to_ascii_lowercase();
    // `registry:5000/team/postgres:16@sha256:...` -> `postgres`
    let path = image.split('@').next().unwrap_or("");
    let base = path.rsplit('/').next().unwrap_or("").split(':').next().unwrap_or("");
    let argv: Vec<String> = ["command", "args"]
        .iter()
        .filter_map(|k| c.get(k))
        .flat_map(Node::strings)
        .flat_map(|s| s.split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>())
        .collect();
    INFRA_IMAGES.iter().any(|w| base.starts_with(w))
        || argv.windows(2).any(|p| p[0].ends_with("mlflow") && matches!(p[1].as_str(), "server" | "ui"))
        || argv.iter().any(|a| a.starts_with("--backend-store-uri"))
}

/// Whether a Deployment or StatefulSet serves a model: some container that
/// is not a data store (see [`is_infra_container`]) names a model word in
/// its name, image, command, arguments or environment variable names, or
/// the workload's name or labels do. Environment values (database names,
/// bucket names, tracking URIs) say what a container talks to, not what
/// it serves.
fn workload_serves_model(doc: &Node, name: &str) -> bool {
    let containers = doc.path(&["spec", "template", "spec", "containers"]).map(Node::items).unwrap_or_default();
    let apps: Vec<&Node> = containers.iter().filter(|c| !is_infra_container(c)).collect();
    // Only data stores run here (a workload whose containers are not
    // written out is judged by its name and labels).
    if apps.is_empty() && !containers.is_empty() {
        return false;
    }
    let container_says = |c: &Node| {
        ["name", "image", "command", "args"].iter().filter_map(|k| c.get(k)).flat_map(Node::strings).any(names_model)
            || c.get("env")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| e.get("name").and_then(Node::as_str))
                .any(names_model)
    };
    let labels = [&["metadata", "labels"][..], &["spec", "template", "metadata", "labels"][..]]
        .iter()
        .filter_map(|p| doc.path(p))
        .flat_map(|l| l.entries().iter().filter_map(|(_, v)| v.as_str()))
        .any(names_model);
    apps.iter().any(|c| container_says(c)) || names_model(name) || labels
}

/// The line of a gradual update the manifest chooses itself: a Deployment's
/// `strategy` of type `RollingUpdate` or with `rollingUpdate` settings
/// (`maxSurge`, `maxUnavailable`), a StatefulSet's `updateStrategy` alike.
/// `Recreate`, `OnDelete` and an absent strategy are none.
fn chosen_rolling_update(doc: &Node, kind: &str) -> Option<u32> {
    let key = if kind == "StatefulSet" { "updateStrategy" } else { "strategy" };
    let strat = doc.path(&["spec", key])?;
    match strat.get("type").and_then(Node::as_str) {
        Some("RollingUpdate") => strat.key("type").map(|k| k.line),
        Some(_) => None,
        None => strat.key("rollingUpdate").filter(|_| strat.get("rollingUpdate").is_some_and(Node::is_map)).map(|k| k.line),
    }
}

fn mentions_model(n: &Node) -> bool {
    let mut found = false;
    n.walk(&mut |x| {
        if let Some(s) = x.as_str() {
            let l = s.to_ascii_lowercase();
            if MODEL_WORDS.iter().any(|w| l.contains(w)) {
                found = true;
            }
        }
    });
    found
}

impl Detector for Kubernetes {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["apiVersion"]
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path) && !path.starts_with(".github/")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let text = helm_plain(f.path, f.text);
        let Ok(docs) = yaml::parse_all(&text) else { return };
        // The batch and training jobs of the file, one unit: what
        // `kubectl apply -f` of the file starts.
        let mut jobs = Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
        // Whether every resource of the file is a job or what jobs use
        // (configuration, storage, permissions): applying it deploys no
        // service. The first job's and supporting resource's `kind:` lines.
        let mut only_jobs = true;
        let mut first_job = None;
        let mut first_support = None;
        for doc in &docs {
            let (Some(api), Some(kind)) = (doc.get("apiVersion").and_then(Node::as_str), doc.get("kind").and_then(Node::as_str)) else {
                continue;
            };
            let name = doc.path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("");
            let kline = doc.key("kind").map(|k| k.line).unwrap_or(doc.line);
            let group = api.split('/').next().unwrap_or("");
            if runs_once_or_on_schedule(group, kind) {
                first_job.get_or_insert(kline);
            } else if supports_jobs(kind) {
                first_support.get_or_insert(kline);
            } else {
                only_jobs = false;
            }
            let ev = |k: &str, line: u32, snip: &str| {
                Evidence::new(k, NAME, Location::line(f.path, line), Confidence::High, snip).attr("resource", kind).attr("name", name)
            };
            match (api.split('/').next().unwrap_or(""), kind) {
                ("serving.kserve.io" | "serving.kubeflow.org", "InferenceService") => {
                    out.push(ev("k8s.inference-service", kline, &format!("kind: {kind} {name}")));
                    let mut canary = None;
                    doc.walk(&mut |n| {
                        if let Some(v) = n.get("canaryTrafficPercent") {
                            canary = Some(v.line);
                        }
                    });
                    if let Some(l) = canary {
                        out.push(ev("k8s.traffic-split", l, "canaryTrafficPercent").attr("mode", "canary"));
                    }
                }
                ("machinelearning.seldon.io" | "mlops.seldon.io", _) => {
                    out.push(ev("k8s.inference-service", kline, &format!("kind: {kind} {name}")));
                    let predictors = doc.path(&["spec", "predictors"]).map(Node::items).unwrap_or_default();
                    let weighted = predictors.iter().filter(|p| p.get("traffic").is_some() || p.get("shadow").is_some()).count();
                    if predictors.len() >= 2 && weighted >= 1 || kind == "Experiment" {
                        out.push(
                            ev("k8s.traffic-split", doc.path(&["spec"]).map(|s| s.line).unwrap_or(kline), "predictors with traffic")
                                .attr("mode", "split"),
                        );
                    }
                }
                ("networking.istio.io", "VirtualService") => {
                    let (mut weights, mut mirror, mut hosts) = (Vec::new(), None, std::collections::BTreeSet::new());
                    doc.walk(&mut |n| {
                        if let Some(w) = n.get("weight") {
                            weights.push(w.line);
                        }
                        if let Some(m) = n.get("mirror").filter(|m| m.get("host").is_some()) {
                            mirror.get_or_insert(m.line);
                        }
                        if let Some(h) = n.path(&["destination", "host"]).and_then(Node::as_str) {
                            hosts.insert(h.split('.').next().unwrap_or(h).to_string());
                        }
                    });
                    let named = mentions_model(doc);
                    let mut splits = Vec::new();
                    if weights.len() >= 2 {
                        splits.push(ev("k8s.traffic-split", weights[0], "weighted routes").attr("mode", "weights"));
                    }
                    // Istio shadowing: live requests copied to a second version.
                    if let Some(line) = mirror {
                        splits.push(ev("k8s.traffic-split", line, "mirrored route (shadow)").attr("mode", "shadow"));
                    }
                    // Hosts named for the app or the algorithm (`iris`,
                    // subsets `svc`/`rf`).
                    let hosts = hosts.into_iter().collect::<Vec<_>>().join(",");
                    for e in splits {
                        out.push(unless_named(e, named, &hosts));
                    }
                }
                ("argoproj.io", "Rollout") => {
                    let named = mentions_model(doc);
                    let strat = doc.path(&["spec", "strategy"]);
                    if let Some(s) = strat.and_then(|s| s.get("canary").or_else(|| s.get("blueGreen"))) {
                        let mode = if strat.unwrap().get("canary").is_some() { "canary" } else { "blue-green" };
                        let e = ev("k8s.traffic-split", s.line, &format!("Rollout strategy: {mode}")).attr("mode", mode);
                        // A frontend or demo image rolled out: the workload it points at decides.
                        let target = doc.path(&["spec", "workloadRef", "name"]).and_then(Node::as_str).unwrap_or(name);
                        out.push(unless_named(e, named, target));
                    }
                    if named {
                        out.push(ev("k8s.inference-service", kline, &format!("kind: Rollout {name}")));
                    }
                }
                ("argoproj.io", "AnalysisTemplate" | "ClusterAnalysisTemplate") => {
                    // Rollout analysis: model metrics monitor the model; request
                    // error rates and latency are generic telemetry.
                    let mut model = false;
                    doc.walk(&mut |n| {
                        if let Some(q) = n.get("query").and_then(Node::as_str) {
                            let l = q.to_ascii_lowercase();
                            model |= ["prediction", "model", "drift", "accuracy", "confidence", "auc"].iter().any(|w| l.contains(w));
                        }
                    });
                    let kind = if model { "code.monitor" } else { "code.telemetry" };
                    out.push(ev(kind, kline, &format!("kind: {kind} {name}")).attr("tool", "argo-rollouts").attr("source", "platform"));
                }
                // Prometheus Operator: an alert rule on model metrics (a
                // prediction distribution, drift, accuracy) monitors the
                // model, Prometheus evaluating it; scraping a model server
                // and alerting on its latency or errors is telemetry.
                ("monitoring.coreos.com", "PrometheusRule" | "ServiceMonitor" | "PodMonitor") => {
                    let mut model = false;
                    doc.walk(&mut |n| {
                        if let Some(q) = n.get("expr").and_then(Node::as_str) {
                            let l = q.to_ascii_lowercase();
                            let output = ["predict", "drift", "accuracy", "confidence", "auc", "score", "positive"];
                            let service = ["duration", "latency", "seconds", "request", "error", "5xx", "up{", "memory", "cpu"];
                            model |= output.iter().any(|w| l.contains(w)) && !service.iter().any(|w| l.contains(w));
                        }
                    });
                    let serves = model || mentions_model(doc);
                    if serves {
                        let k = if model { "code.monitor" } else { "code.telemetry" };
                        out.push(ev(k, kline, &format!("kind: {kind} {name}")).attr("tool", "prometheus").attr("source", "platform"));
                    }
                }
                ("flagger.app", "Canary") => {
                    // Flagger shifts the traffic of the Deployment it targets.
                    let e = ev("k8s.traffic-split", kline, "Flagger Canary").attr("mode", "canary");
                    let target = doc.path(&["spec", "targetRef", "name"]).and_then(Node::as_str);
                    out.push(match target {
                        Some(t) => unless_named(e, mentions_model(doc), t),
                        None => e,
                    });
                }
                ("apps", "Deployment" | "StatefulSet") if workload_serves_model(doc, name) => {
                    out.push(ev("k8s.inference-service", kline, &format!("kind: {kind} {name}")));
                    if let Some(line) = chosen_rolling_update(doc, kind) {
                        out.push(ev("k8s.rollout-setting", line, "rolling update (one model version at a time)").attr("mode", "rolling"));
                    }
                }
                ("argoproj.io", "Application" | "ApplicationSet")
                | ("kustomize.toolkit.fluxcd.io", "Kustomization")
                | ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                    for (path, automated) in gitops_synced_paths(doc, kind) {
                        let controller = if api.starts_with("argoproj.io") { "argocd" } else { "flux" };
                        let auto = if automated { "yes" } else { "no" };
                        let snip = format!("{controller} {kind} {name} syncs {path}");
                        out.push(
                            ev("k8s.gitops-sync", kline, &snip).attr("path", path).attr("automated", auto).attr("controller", controller),
                        );
                    }
                }
                (group, _) if runs_once_or_on_schedule(group, kind) => {
                    job_commands(f.path, doc, &mut jobs, out);
                    if kind == "CronJob" && doc.path(&["spec", "schedule"]).is_some() {
                        jobs.root = true;
                        jobs.triggers.insert("schedule".into());
                    }
                }
                _ => {}
            }
        }
        if let (true, Some(line)) = (only_jobs, first_job.or(first_support)) {
            let what = if first_job.is_some() { "batch or training jobs only" } else { "configuration only" };
            out.push(
                Evidence::new("k8s.serves-nothing", NAME, Location::line(f.path, line), Confidence::High, what)
                    .attr("jobs", if first_job.is_some() { "yes" } else { "no" }),
            );
        }
        if !jobs.commands.is_empty() || !jobs.calls.is_empty() {
            out.units.push(jobs);
        }
    }
}

/// A traffic split whose resource names no model word, marked for the
/// linker (model=unconfirmed) with the hosts or workloads it shifts
/// traffic between (comma-separated): it counts only when a model-serving
/// workload carries one of their names or sits beside it.
fn unless_named(e: Evidence, named: bool, hosts: &str) -> Evidence {
    if named {
        e
    } else {
        e.attr("model", "unconfirmed").attr("hosts", hosts)
    }
}

/// The repository folders a GitOps controller's object keeps applied to a
/// cluster, each with whether it syncs on its own (Argo CD
/// `syncPolicy.automated`; Flux always, unless suspended): an Argo CD
/// `Application`'s `spec.source(s).path`, an `ApplicationSet`'s template
/// path or its git generator's directories (`charts/*`), a Flux
/// `Kustomization`'s `spec.path` and a `HelmRelease`'s chart from a
/// `GitRepository`. Paths are repository-relative, without `./`; `""` is
/// the whole repository.
fn gitops_synced_paths(doc: &Node, kind: &str) -> Vec<(String, bool)> {
    let clean = |p: &str| match p.trim().trim_start_matches("./").trim_end_matches('/') {
        "." => String::new(),
        p => p.to_string(),
    };
    let argo_paths = |spec: &Node| -> Vec<String> {
        let mut v: Vec<String> = spec.path(&["source", "path"]).and_then(Node::as_str).map(clean).into_iter().collect();
        if let Some(sources) = spec.get("sources") {
            v.extend(sources.items().iter().filter_map(|s| s.get("path").and_then(Node::as_str)).map(clean));
        }
        v
    };
    match kind {
        "Application" => {
            let Some(spec) = doc.get("spec") else { return Vec::new() };
            let automated = spec.path(&["syncPolicy", "automated"]).is_some();
            argo_paths(spec).into_iter().map(|p| (p, automated)).collect()
        }
        "ApplicationSet" => {
            let Some(spec) = doc.path(&["spec", "template", "spec"]) else { return Vec::new() };
            let automated = spec.path(&["syncPolicy", "automated"]).is_some();
            let mut paths: Vec<String> = argo_paths(spec).into_iter().filter(|p| !p.contains("{{")).collect();
            // Generated paths come from the git generator's directories.
            let mut dirs = Vec::new();
            doc.walk(&mut |n| {
                if let Some(ds) = n.path(&["git", "directories"]) {
                    for d in ds.items() {
                        if d.get("exclude").and_then(Node::as_str) != Some("true") {
                            dirs.extend(d.get("path").and_then(Node::as_str).map(clean));
                        }
                    }
                }
            });
            paths.extend(dirs);
            paths.into_iter().map(|p| (p, automated)).collect()
        }
        "Kustomization" | "HelmRelease" => {
            let suspended = doc.path(&["spec", "suspend"]).and_then(Node::as_str) == Some("true");
            let path = if kind == "Kustomization" {
                doc.path(&["spec", "path"]).and_then(Node::as_str)
            } else {
                let chart = doc.path(&["spec", "chart", "spec"]);
                chart
                    .filter(|c| c.path(&["sourceRef", "kind"]).and_then(Node::as_str) == Some("GitRepository"))
                    .and_then(|c| c.get("chart"))
                    .and_then(Node::as_str)
            };
            path.map(|p| vec![(clean(p), !suspended)]).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// True when GitOps-synced folder `synced` (as [`gitops_synced_paths`]
/// gives it; `*` matches one path segment) holds repository file `file`.
pub(crate) fn gitops_syncs(synced: &str, file: &str) -> bool {
    if synced.is_empty() {
        return true;
    }
    let (mut s, mut f) = (synced.split('/'), file.split('/'));
    loop {
        match (s.next(), f.next()) {
            (None, Some(_)) => return true,
            (Some(a), Some(b)) if a == b || a.contains('*') && super::cdk_pipeline::glob_match(a, b) => {}
            _ => return false,
        }
    }
}

/// Resources that configure, store for or permit the workloads beside
/// them, and serve nothing themselves.
fn supports_jobs(kind: &str) -> bool {
    matches!(
        kind,
        "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "PersistentVolumeClaim"
            | "PersistentVolume"
            | "Namespace"
            | "Role"
            | "RoleBinding"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "ResourceQuota"
            | "LimitRange"
            | "PriorityClass"
    )
}

/// Workloads that run to completion, once or on a schedule: batch `Job` and
/// `CronJob`, the Kubeflow training operators' jobs (`PyTorchJob`, `TFJob`,
/// `MPIJob`, ..., `TrainJob`), Volcano jobs and `RayJob`.
fn runs_once_or_on_schedule(group: &str, kind: &str) -> bool {
    match group {
        "batch" => matches!(kind, "Job" | "CronJob"),
        "kubeflow.org" | "trainer.kubeflow.org" | "batch.volcano.sh" => kind.ends_with("Job"),
        "ray.io" => kind == "RayJob",
        _ => false,
    }
}

/// The commands a job's containers run (`command` + `args`, one argument
/// list), or a `RayJob`'s `entrypoint`: the job's unit runs them.
fn job_commands(path: &str, doc: &Node, u: &mut Unit, out: &mut Output) {
    if let Some(ep) = doc.path(&["spec", "entrypoint"]) {
        if let Some(cmd) = ep.as_str() {
            super::add_shell(u, out, NAME, path, cmd, ep.line, "");
        }
    }
    let mut containers = Vec::new();
    doc.walk(&mut |n| {
        if let Some(cs) = n.get("containers") {
            containers.extend(cs.items());
        }
    });
    for c in containers {
        super::tekton::container_commands(path, c, u, out, NAME);
    }
}

/// The text of a YAML file as plain YAML: a Helm chart keeps its templates
/// in `templates/` ([`without_go_templates`]); elsewhere `{{` is another
/// tool's (Argo, KFP, Jinja) and the text is read as is.
pub(crate) fn helm_plain<'a>(path: &str, text: &'a str) -> std::borrow::Cow<'a, str> {
    if path.starts_with("templates/") || path.contains("/templates/") {
        without_go_templates(text)
    } else {
        text.into()
    }
}

/// A Helm template's text (a file under a chart's `templates/`) made plain YAML, lines kept: a line holding only
/// template actions (`{{- if .Values.canary.enabled }}`, `{{- end }}`,
/// `{{- include "labels" . | nindent 4 }}`) becomes blank, each other action
/// (`weight: {{ .Values.canary.weight }}`) the word `TEMPLATE`. Both
/// branches of a condition are read, as a chart that enables them does.
fn without_go_templates(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("{{") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim();
        let only_actions = body.starts_with("{{") && body.ends_with("}}") && {
            let mut rest = body;
            while let Some(r) = rest.strip_prefix("{{").and_then(|r| r.split_once("}}")).map(|(_, r)| r.trim_start()) {
                rest = r;
            }
            rest.is_empty()
        };
        if only_actions {
            out.push_str(if line.ends_with('\n') { "\n" } else { "" });
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("{{") {
            let Some(len) = rest[at + 2..].find("}}") else { break };
            out.push_str(&rest[..at]);
            out.push_str("TEMPLATE");
            rest = &rest[at + 2 + len + 2..];
        }
        out.push_str(rest);
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn gitops_controllers_name_the_folders_they_keep_applied() {
        let synced = |y: &str| {
            let doc = &crate::yaml::parse_all(y).unwrap()[0];
            let kind = doc.get("kind").and_then(Node::as_str).unwrap().to_string();
            gitops_synced_paths(doc, &kind)
        };
        let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    repoURL: https://git.example/ml.git\n    path: ./deploy/serving/\n  syncPolicy:\n    automated: {}\n";
        assert_eq!(synced(app), vec![("deploy/serving".to_string(), true)]);
        let manual = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    path: deploy\n  # syncPolicy:\n  #   automated: {}\n";
        assert_eq!(synced(manual), vec![("deploy".to_string(), false)]);
        let multi = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n    - path: charts/api\n    - chart: redis\n  syncPolicy:\n    automated:\n      prune: true\n";
        assert_eq!(synced(multi), vec![("charts/api".to_string(), true)]);
        let set = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  generators:\n    - git:\n        directories:\n          - path: charts/*\n          - path: charts/legacy\n            exclude: true\n  template:\n    spec:\n      source:\n        path: '{{path}}'\n      syncPolicy:\n        automated: {}\n";
        assert_eq!(synced(set), vec![("charts/*".to_string(), true)]);
        let flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  interval: 1m\n  path: ./apps/serving\n";
        assert_eq!(synced(flux), vec![("apps/serving".to_string(), true)]);
        let suspended = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  suspend: true\n  path: ./\n";
        assert_eq!(synced(suspended), vec![(String::new(), false)]);
        let helm = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  chart:\n    spec:\n      chart: ./deploy/chart\n      sourceRef:\n        kind: GitRepository\n        name: ml\n";
        assert_eq!(synced(helm), vec![("deploy/chart".to_string(), true)]);
        // A chart from a Helm repository is not a folder of this repository.
        assert!(synced(&helm.replace("GitRepository", "HelmRepository")).is_empty());
    }

    #[test]
    fn a_synced_folder_holds_the_files_under_it() {
        assert!(gitops_syncs("deploy", "deploy/values.yaml"));
        assert!(gitops_syncs("", "anything/at/all.yaml"));
        assert!(gitops_syncs("charts/*", "charts/triton/values.yaml"));
        assert!(gitops_syncs("charts/model-*", "charts/model-a/values.yaml"));
        assert!(!gitops_syncs("charts/model-*", "charts/api/values.yaml"));
        assert!(!gitops_syncs("deploy", "deployment/values.yaml"));
        assert!(!gitops_syncs("deploy/prod", "deploy/values.yaml"));
        assert!(!gitops_syncs("deploy", "deploy"), "the folder itself is no file under it");
    }

    fn kinds(text: &str) -> Vec<String> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Kubernetes.detect(&FileCtx { path: "k8s/x.yaml", text, repo: &repo }, &mut out);
        out.evidence.into_iter().map(|(e, _)| e.kind.into_owned()).collect()
    }

    fn units(text: &str) -> Vec<Unit> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Kubernetes.detect(&FileCtx { path: "k8s/jobs.yaml", text, repo: &repo }, &mut out);
        out.units
    }

    #[test]
    fn helm_templates_are_read_with_their_actions_set_aside() {
        let vs = "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: {{ include \"model.fullname\" . }}\n  labels:\n    {{- include \"model.labels\" . | nindent 4 }}\nspec:\n  http:\n    - route:\n        - destination:\n            host: price-model\n            subset: {{ .Values.stable.version }}\n          weight: {{ .Values.stable.weight }}\n        {{- if .Values.canary.enabled }}\n        - destination:\n            host: price-model\n            subset: canary\n          weight: {{ .Values.canary.weight }}\n        {{- end }}\n";
        let at = |path: &str| {
            let (repo, mut out) = (RepoIndex::default(), Output::default());
            Kubernetes.detect(&FileCtx { path, text: vs, repo: &repo }, &mut out);
            out.evidence.into_iter().map(|(e, _)| e.kind.into_owned()).collect::<Vec<_>>()
        };
        assert_eq!(at("chart/templates/virtualservice.yaml"), ["k8s.traffic-split"]);
        // Outside a chart's templates `{{` is another tool's: read as is.
        assert!(at("k8s/virtualservice.yaml").is_empty());
        let plain = without_go_templates(vs);
        assert_eq!(plain.lines().count(), vs.lines().count(), "lines kept");
        assert!(plain.contains("\n  name: TEMPLATE\n") && plain.contains("\n\n        - destination"));
        // Text without actions is untouched.
        assert!(matches!(without_go_templates("a: 1\n"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn prometheus_operator_rules_on_model_outputs_monitor_the_model() {
        let rule = |expr: &str| {
            format!("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: churn-model-alerts\nspec:\n  groups:\n    - name: churn\n      rules:\n        - alert: A\n          expr: {expr}\n")
        };
        assert_eq!(kinds(&rule("avg_over_time(churn_predicted_positive_ratio[1h]) < 0.1")), ["code.monitor"]);
        assert_eq!(kinds(&rule("avg(feature_drift_score) > 0.3")), ["code.monitor"]);
        // Latency and errors of the model server are telemetry.
        assert_eq!(kinds(&rule("histogram_quantile(0.95, rate(model_predict_duration_seconds_bucket[5m])) > 0.5")), ["code.telemetry"]);
        let scrape = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: triton-inference\nspec:\n  endpoints:\n    - port: metrics\n";
        assert_eq!(kinds(scrape), ["code.telemetry"]);
        // Monitoring of something that is no model: nothing.
        assert!(kinds(&scrape.replace("triton-inference", "postgres")).is_empty());
    }

    #[test]
    fn batch_and_training_jobs_run_their_container_commands() {
        let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: refit\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: fit\n              image: reg/fit:1\n              command: [python]\n              args: [jobs/refit.py, --days, \"30\"]\n";
        let u = units(cron);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].id, "file:k8s/jobs.yaml");
        assert!(u[0].root && u[0].triggers.contains("schedule"));
        assert_eq!(u[0].commands[0].argv, vec!["python", "jobs/refit.py", "--days", "30"]);
        // A one-off Job and a PyTorchJob: run when applied, not on their own.
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: reg/a:1\n          command: [\"python\", \"-m\", \"pkg.fit\"]\n---\napiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata:\n  name: ddp\nspec:\n  pytorchReplicaSpecs:\n    Master:\n      template:\n        spec:\n          containers:\n            - name: pytorch\n              image: reg/ddp:1\n              args: [torchrun, train_ddp.py]\n";
        let u = units(job);
        assert_eq!(u.len(), 1);
        assert!(!u[0].root);
        let argv: Vec<_> = u[0].commands.iter().map(|c| c.argv.join(" ")).collect();
        assert_eq!(argv, vec!["python -m pkg.fit", "torchrun train_ddp.py"]);
        let ray = "apiVersion: ray.io/v1\nkind: RayJob\nmetadata:\n  name: r\nspec:\n  entrypoint: python tune.py --trials 8\n";
        assert_eq!(units(ray)[0].commands[0].argv[..2], ["python", "tune.py"]);
    }

    #[test]
    fn services_and_jobs_without_commands_are_no_unit() {
        // A Deployment's command serves; a Job on its image's entrypoint names nothing.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: reg/api:1\n          command: [python, app.py]\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      containers:\n        - name: m\n          image: reg/migrate:1\n";
        assert!(units(text).is_empty());
    }

    #[test]
    fn kserve_canary() {
        let k = kinds("apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: churn\nspec:\n  predictor:\n    canaryTrafficPercent: 10\n    model:\n      modelFormat: {name: sklearn}\n");
        assert_eq!(k, vec!["k8s.inference-service", "k8s.traffic-split"]);
    }

    /// A Deployment of `name` running one container (`container` is its body,
    /// indented under `- `), with `strategy` under `spec:` (may be empty).
    fn deployment(name: &str, strategy: &str, container: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 2\n{strategy}  template:\n    spec:\n      containers:\n        - {container}\n"
        )
    }

    const MODEL_API: &str = "name: api\n          image: reg/model-api:1";
    const ROLLING: &str = "  strategy:\n    type: RollingUpdate\n";

    #[test]
    fn a_chosen_rolling_update_of_a_model_server_is_a_rollout_setting() {
        let k = kinds(&deployment("churn", ROLLING, MODEL_API));
        assert_eq!(k, vec!["k8s.inference-service", "k8s.rollout-setting"]);
        // `maxSurge`/`maxUnavailable` without a type are a rolling update too.
        let surge = "  strategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n";
        assert_eq!(kinds(&deployment("churn", surge, MODEL_API)), vec!["k8s.inference-service", "k8s.rollout-setting"]);
        // The evidence points at the strategy's type.
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = deployment("churn", ROLLING, MODEL_API);
        Kubernetes.detect(&FileCtx { path: "k8s/x.yaml", text: &text, repo: &repo }, &mut out);
        let r = out.evidence.iter().find(|(e, _)| e.kind == "k8s.rollout-setting").unwrap();
        assert_eq!(r.0.location.start_line, 8);
    }

    #[test]
    fn recreate_or_no_strategy_is_no_rollout_setting() {
        let recreate = "  strategy:\n    type: Recreate\n";
        assert_eq!(kinds(&deployment("churn", recreate, MODEL_API)), vec!["k8s.inference-service"]);
        assert_eq!(kinds(&deployment("churn", "", MODEL_API)), vec!["k8s.inference-service"]);
        let plain = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: reg/model-api:1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n";
        assert_eq!(kinds(plain), vec!["k8s.inference-service"]);
        // A templated or empty strategy chose nothing we can read.
        let templated = "  strategy:\n    type: \"{{ .Values.strategy }}\"\n";
        assert_eq!(kinds(&deployment("churn", templated, MODEL_API)), vec!["k8s.inference-service"]);
    }

    #[test]
    fn stateful_sets_roll_by_their_update_strategy() {
        let sts = |u: &str| {
            format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: llm-inference\nspec:\n{u}  template:\n    spec:\n      containers:\n        - name: vllm\n          image: reg/llm:1\n")
        };
        assert_eq!(kinds(&sts("  updateStrategy:\n    type: RollingUpdate\n")), vec!["k8s.inference-service", "k8s.rollout-setting"]);
        assert_eq!(kinds(&sts("  updateStrategy:\n    type: OnDelete\n")), vec!["k8s.inference-service"]);
        // A Deployment's key on a StatefulSet is not read.
        assert_eq!(kinds(&sts(ROLLING)), vec!["k8s.inference-service"]);
    }

    #[test]
    fn data_stores_and_tracking_servers_serve_no_model() {
        let cases = [
            // `server` is not `serve`.
            ("minio", "name: minio\n          image: minio/minio:RELEASE.2024-01-01T00-00-00Z\n          args: [server, /data]"),
            // A model word in the workload's name or an environment value
            // says what the store is for, not what it serves.
            ("mlflow-db", "name: postgres\n          image: postgres:16\n          env:\n            - name: POSTGRES_DB\n              value: mlflow"),
            ("model-cache", "name: cache\n          image: redis:7-alpine\n          command: [redis-server]"),
            ("metadata-db", "name: db\n          image: docker.io/bitnami/mysql:8.0@sha256:abc"),
            ("inference-queue", "name: q\n          image: registry.local:5000/mirror/rabbitmq:3-management"),
            ("mlflow", "name: mlflow\n          image: ghcr.io/mlflow/mlflow:v2.12.1\n          command: [\"mlflow\", \"server\", \"--host\", \"0.0.0.0\"]"),
            ("tracking", "name: t\n          image: reg/mlflow-tracking:1\n          args: [\"--backend-store-uri=postgresql://db/mlflow\"]"),
            ("web", "name: web\n          image: nginx:1.27\n          env:\n            - name: UPSTREAM\n              value: http://model-api:8080"),
        ];
        for (name, c) in cases {
            assert!(kinds(&deployment(name, ROLLING, c)).is_empty(), "{name}: {:?}", kinds(&deployment(name, ROLLING, c)));
        }
    }

    #[test]
    fn model_words_in_names_images_commands_or_labels_serve_a_model() {
        let serves = |name: &str, c: &str| kinds(&deployment(name, ROLLING, c)) == vec!["k8s.inference-service", "k8s.rollout-setting"];
        assert!(serves("churn-scorer", "name: app\n          image: reg/app:1"));
        assert!(serves("api", "name: app\n          image: reg/app:1\n          command: [\"uvicorn\", \"app.serve:app\"]"));
        assert!(serves("api", "name: app\n          image: seldonio/mlserver:1.5.0"));
        assert!(serves("api", "name: app\n          image: ghcr.io/mlflow/mlflow:v2\n          command: [\"mlflow\", \"models\", \"serve\", \"-m\", \"models:/churn/3\"]"));
        assert!(serves(
            "api",
            "name: app\n          image: reg/app:1\n          env:\n            - name: MODEL_URI\n              value: s3://b/m"
        ));
        assert!(!serves(
            "api",
            "name: app\n          image: reg/app:1\n          env:\n            - name: DB\n              value: models"
        ));
        // A model server with a cache beside it is still a model server.
        let sidecar = "name: cache\n          image: redis:7\n        - name: predictor\n          image: reg/app:1";
        assert!(serves("api", sidecar));
        let labelled = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {app.kubernetes.io/component: inference}\nspec:\n  strategy: {type: RollingUpdate}\n  template:\n    spec:\n      containers:\n        - name: app\n          image: reg/app:1\n";
        assert_eq!(kinds(labelled), vec!["k8s.inference-service", "k8s.rollout-setting"]);
        // Containers not written out: the workload's name decides.
        let bare = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model-api\nspec:\n  strategy: {type: RollingUpdate}\n";
        assert_eq!(kinds(bare), vec!["k8s.inference-service", "k8s.rollout-setting"]);
    }

    #[test]
    fn traffic_splits_are_read_as_before() {
        let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: churn-model\nspec:\n  strategy:\n    canary:\n      steps:\n        - setWeight: 10\n";
        assert_eq!(kinds(rollout), vec!["k8s.traffic-split", "k8s.inference-service"]);
        let vs = "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: model\nspec:\n  http:\n    - route:\n        - destination: {host: model-v1}\n          weight: 90\n        - destination: {host: model-v2}\n          weight: 10\n";
        assert_eq!(kinds(vs), vec!["k8s.traffic-split"]);
    }

    #[test]
    fn commented_manifest_is_not_evidence() {
        let k = kinds("# apiVersion: serving.kserve.io/v1beta1\n# kind: InferenceService\nfoo: bar\n");
        assert!(k.is_empty());
    }
}
