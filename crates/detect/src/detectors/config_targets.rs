//! Objects declared in configuration (Hydra / OmegaConf `_target_:`
//! entries): `_target_: lightning.pytorch.loggers.WandbLogger` builds that
//! class when the training entry point instantiates its config, so the class
//! is matched against the catalogue's `call` entries exactly as a Python call
//! of that qualified name would be. Opt-in tracking switched on by
//! configuration counts (RUBRIC "Tracking").
//!
//! The training script that loads the config folder (`@hydra.main(config_path=...)`)
//! calls the files in it (see the Python detector), so what they declare is
//! tied to that training. Commented lines are not evidence.
//! Example: `configs/logger/mlflow.yaml` with `_target_: ...MLFlowLogger` ->
//! `code.track tool=mlflow`.

use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output};

/// The configuration-target detector.
pub struct ConfigTargets;

const NAME: &str = "config-targets";

impl Detector for ConfigTargets {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["_target_"]
    }
    fn applies(&self, path: &str) -> bool {
        super::is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !f.text.contains("_target_") {
            return;
        }
        let catalog = f.repo.catalog();
        for (i, line) in f.text.lines().enumerate() {
            let Some(target) = target_of(line) else { continue };
            for (entry, glob) in catalog.calls() {
                if !crate::detectors::python::glob(glob, target) {
                    continue;
                }
                let mut e = Evidence::new(entry.evidence, NAME, Location::line(f.path, i as u32 + 1), Confidence::Medium, line.trim());
                if !entry.tool.is_empty() {
                    e = e.attr("tool", entry.tool.clone());
                }
                for (k, v) in &entry.attrs {
                    e = e.attr(k, v.clone());
                }
                if entry.evidence == "code.train" && !e.attrs.contains_key("framework") {
                    e = e.attr("framework", entry.tool.clone());
                }
                out.push(e.attr("declared", "config"));
            }
        }
    }
}

/// The dotted class path of a `_target_:` line (`  _target_: a.b.C  # x`),
/// not of a comment.
fn target_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t.strip_prefix("_target_:").or_else(|| t.strip_prefix("\"_target_\":"))?;
    let v = rest.split(" #").next().unwrap_or(rest).trim().trim_matches(|c| c == '"' || c == '\'' || c == ',');
    (v.contains('.') && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn kinds(path: &str, text: &str) -> Vec<String> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        ConfigTargets.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out.evidence.iter().map(|(e, _)| format!("{}:{}", e.kind, e.attrs.get("tool").cloned().unwrap_or_default())).collect()
    }

    #[test]
    fn declared_loggers_are_matched_against_the_catalogue() {
        let k = kinds("conf/logger/wandb.yaml", "wandb:\n  _target_: lightning.pytorch.loggers.wandb.WandbLogger\n  project: demo\n");
        assert_eq!(k, vec!["code.track:wandb"]);
        let k = kinds("conf/logger/mlflow.yaml", "mlflow:\n  _target_: \"lightning.pytorch.loggers.mlflow.MLFlowLogger\"  # remote\n");
        assert_eq!(k, vec!["code.track:mlflow"]);
    }

    #[test]
    fn commented_or_unknown_targets_are_not_evidence() {
        assert!(kinds("conf/logger/wandb.yaml", "# _target_: lightning.pytorch.loggers.wandb.WandbLogger\n").is_empty());
        assert!(kinds("conf/logger/csv.yaml", "csv:\n  _target_: lightning.pytorch.loggers.csv_logs.CSVLogger\n").is_empty());
        assert!(kinds("conf/model/net.yaml", "_target_: src.models.Net\n").is_empty());
    }
}
