//! Kedro project configuration: the data catalog (`conf/*/catalog*.yml`) and
//! kedro-mlflow's `mlflow.yml`. Datasets of the kedro-mlflow types log metrics
//! and models to MLflow (tracking switched on by configuration counts, per
//! RUBRIC), and `save_args.registered_model_name` registers the model.
//! `kedro run` reaches these files, so they share the pipeline with training.

use crate::evidence::{Confidence, Evidence, Location};
pub use crate::paths::is_kedro_conf;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};

/// The Kedro configuration detector.
pub struct Kedro;

const NAME: &str = "kedro";

impl Detector for Kedro {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_kedro_conf(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(f.text) else { return };
        let name = f.path.rsplit('/').next().unwrap_or(f.path);
        if name.starts_with("mlflow") {
            if let Some(t) = doc.get("tracking").or_else(|| doc.get("server")) {
                out.push(
                    Evidence::new("code.track", NAME, Location::line(f.path, t.line), Confidence::High, "kedro-mlflow tracking configured")
                        .attr("tool", "mlflow"),
                );
            }
            return;
        }
        for (k, ds) in doc.entries() {
            let ty = ds.get("type").and_then(Node::as_str).unwrap_or("");
            if !ty.to_ascii_lowercase().contains("mlflow") {
                continue;
            }
            let line = k.line;
            let snippet = format!("{}: {ty}", k.as_str().unwrap_or(""));
            if ty.contains("Model") {
                let registered = ds.path(&["save_args", "registered_model_name"]).is_some();
                out.push(
                    Evidence::new("code.model-version", NAME, Location::line(f.path, line), Confidence::High, &snippet)
                        .attr("tool", "mlflow")
                        .attr("mechanism", if registered { "registry" } else { "run-artifact" }),
                );
            } else {
                out.push(
                    Evidence::new("code.track", NAME, Location::line(f.path, line), Confidence::High, &snippet).attr("tool", "mlflow"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn mlflow_datasets() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "raw:\n  type: pandas.CSVDataset\n  filepath: data/raw.csv\nclassifier:\n  type: kedro_mlflow.io.models.MlflowModelTrackingDataset\n  save_args:\n    registered_model_name: m\n# old:\n#   type: kedro_mlflow.io.metrics.MlflowMetricDataset\n";
        Kedro.detect(&FileCtx { path: "conf/base/catalog.yml", text, repo: &repo }, &mut out);
        assert_eq!(out.evidence.len(), 1);
        assert_eq!(out.evidence[0].0.attrs["mechanism"], *"registry");
    }
}
