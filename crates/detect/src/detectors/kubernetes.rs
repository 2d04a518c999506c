//! Kubernetes manifests (and Helm templates' rendered-looking YAML): model
//! serving resources and traffic shifting between model versions.
//!
//! Emits `k8s.inference-service` (KServe InferenceService, Seldon, a
//! Deployment whose container serves a model), `k8s.traffic-split` (KServe
//! `canaryTrafficPercent`, Istio VirtualService with two or more weighted
//! routes, Argo Rollouts canary/blue-green, Flagger Canary, Seldon
//! traffic/shadow) and `k8s.rollout-setting` (a rolling update: a rollout
//! with no second model). Commented-out manifests are not evidence.

use super::is_yaml;
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};

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
        let Ok(docs) = yaml::parse_all(f.text) else { return };
        for doc in &docs {
            let (Some(api), Some(kind)) = (doc.get("apiVersion").and_then(Node::as_str), doc.get("kind").and_then(Node::as_str)) else {
                continue;
            };
            let name = doc.path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("");
            let kline = doc.key("kind").map(|k| k.line).unwrap_or(doc.line);
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
                    let mut weights = Vec::new();
                    doc.walk(&mut |n| {
                        if let Some(w) = n.get("weight") {
                            weights.push(w.line);
                        }
                    });
                    if weights.len() >= 2 && mentions_model(doc) {
                        out.push(ev("k8s.traffic-split", weights[0], "weighted routes").attr("mode", "weights"));
                    }
                }
                ("argoproj.io", "Rollout") => {
                    let strat = doc.path(&["spec", "strategy"]);
                    if let Some(s) = strat.and_then(|s| s.get("canary").or_else(|| s.get("blueGreen"))) {
                        let mode = if strat.unwrap().get("canary").is_some() { "canary" } else { "blue-green" };
                        out.push(ev("k8s.traffic-split", s.line, &format!("Rollout strategy: {mode}")).attr("mode", mode));
                    }
                    if mentions_model(doc) {
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
                ("flagger.app", "Canary") => out.push(ev("k8s.traffic-split", kline, "Flagger Canary").attr("mode", "canary")),
                ("apps", "Deployment" | "StatefulSet") => {
                    let containers = doc.path(&["spec", "template", "spec", "containers"]);
                    if containers.is_some_and(mentions_model) || MODEL_WORDS.iter().any(|w| name.to_ascii_lowercase().contains(w)) {
                        out.push(ev("k8s.inference-service", kline, &format!("kind: {kind} {name}")));
                        let strat = doc.path(&["spec", "strategy"]);
                        let line = strat.map(|s| s.line).unwrap_or(kline);
                        out.push(ev("k8s.rollout-setting", line, "rolling update (one model version at a time)").attr("mode", "rolling"));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn kinds(text: &str) -> Vec<String> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Kubernetes.detect(&FileCtx { path: "k8s/x.yaml", text, repo: &repo }, &mut out);
        out.evidence.into_iter().map(|(e, _)| e.kind.into_owned()).collect()
    }

    #[test]
    fn kserve_canary() {
        let k = kinds("apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: churn\nspec:\n  predictor:\n    canaryTrafficPercent: 10\n    model:\n      modelFormat: {name: sklearn}\n");
        assert_eq!(k, vec!["k8s.inference-service", "k8s.traffic-split"]);
    }

    #[test]
    fn plain_deployment_is_a_rollout_setting() {
        let k = kinds("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: reg/model-api:1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n");
        assert_eq!(k, vec!["k8s.inference-service", "k8s.rollout-setting"]);
    }

    #[test]
    fn commented_manifest_is_not_evidence() {
        let k = kinds("# apiVersion: serving.kserve.io/v1beta1\n# kind: InferenceService\nfoo: bar\n");
        assert!(k.is_empty());
    }
}
