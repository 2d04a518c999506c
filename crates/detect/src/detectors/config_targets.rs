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
        &["_target_", "defaults:"]
    }
    fn applies(&self, path: &str) -> bool {
        super::is_yaml(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let inherits = f.text.contains("defaults:");
        if !f.text.contains("_target_") && !inherits {
            return;
        }
        // The file's top-level keys are the keyword arguments of its class
        // (its own, or the one of the group sibling it extends).
        if let Some(target) = top_level_target(f.text).or_else(|| if inherits { inherited_target(f) } else { None }) {
            keyword_patterns(f, &target, out);
        }
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

/// The class of a config instantiated as a whole (`_target_:` at column 0).
fn top_level_target(text: &str) -> Option<String> {
    text.lines().filter(|l| l.starts_with("_target_:") || l.starts_with("\"_target_\":")).find_map(target_of).map(str::to_string)
}

/// The top-level `_target_` of the sibling config this one extends
/// (`defaults: [- base]`, a file of the same folder): one file read.
fn inherited_target(f: &FileCtx<'_>) -> Option<String> {
    let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut lines = f.text.lines().skip_while(|l| !l.starts_with("defaults:"));
    lines.next()?;
    for l in lines.take_while(|l| l.is_empty() || l.starts_with([' ', '\t', '-'])) {
        let Some(name) = l.trim_start().strip_prefix("- ") else { continue };
        let name = name.split(" #").next().unwrap_or(name).trim().trim_matches(|c| c == '"' || c == '\'');
        if name == "_self_" || name.is_empty() || name.contains(['/', ':', '$', '@', ' ']) {
            continue;
        }
        let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
        for ext in ["yaml", "yml"] {
            let p = if dir.is_empty() { format!("{stem}.{ext}") } else { format!("{dir}/{stem}.{ext}") };
            if p == f.path {
                continue;
            }
            if let Some(t) = f.repo.text(&p).and_then(|t| top_level_target(&t)) {
                return Some(t);
            }
        }
    }
    None
}

/// The file's top-level scalar keys written as the keyword arguments of a
/// call of `target` (`accelerator: gpu` -> `accelerator="gpu"`), one per line,
/// matched against the catalogue's `pattern` entries whose `needs` the
/// target's module satisfies (entries with no `needs` are source idioms,
/// not keyword arguments of a known class).
fn keyword_patterns(f: &FileCtx<'_>, target: &str, out: &mut Output) {
    let module = target.rsplit_once('.').map_or(target, |(m, _)| m);
    let from = |need: &str| module == need || (module.starts_with(need) && module.as_bytes().get(need.len()) == Some(&b'.'));
    let mut call = format!("{}(\n", target.rsplit('.').next().unwrap_or(target));
    let mut lines: Vec<(usize, u32)> = Vec::new();
    for (i, l) in f.text.lines().enumerate() {
        let Some((key, value)) = l.split_once(':') else { continue };
        if key.is_empty()
            || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            || key == "_target_"
            || !key.as_bytes()[0].is_ascii_alphabetic()
        {
            continue;
        }
        let v = value.split(" #").next().unwrap_or(value).trim();
        if v.is_empty() || v.starts_with(['{', '[', '|', '>', '&', '*', '#']) {
            continue;
        }
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        let bare = v.parse::<f64>().is_ok();
        let py = match v {
            "true" | "True" => "True".to_string(),
            "false" | "False" => "False".to_string(),
            "null" | "~" => "None".to_string(),
            _ if bare => v.to_string(),
            _ => format!("\"{}\"", v.replace('"', "'")),
        };
        lines.push((call.len(), i as u32 + 1));
        call.push_str(&format!("    {key}={py},\n"));
    }
    call.push(')');
    for (entry, re) in f.repo.catalog().patterns() {
        if entry.needs.is_empty() || !entry.needs.iter().any(|n| from(n)) {
            continue;
        }
        let Some(m) = re.find(call.as_bytes()) else { continue };
        let line = lines.iter().take_while(|(at, _)| *at <= m.start()).last().map_or(1, |(_, l)| *l);
        let snippet = f.text.lines().nth(line as usize - 1).unwrap_or("").trim();
        let mut e = Evidence::new(entry.evidence, NAME, Location::line(f.path, line), Confidence::Medium, snippet);
        if !entry.tool.is_empty() {
            e = e.attr("tool", entry.tool.clone());
        }
        for (k, v) in &entry.attrs {
            e = e.attr(k, v.clone());
        }
        out.push(e.attr("declared", "config"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn kinds(path: &str, text: &str) -> Vec<String> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        ConfigTargets.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out.evidence.iter().map(|(e, _)| format!("{}:{}", e.kind, e.attrs.get("tool").map(str::to_string).unwrap_or_default())).collect()
    }

    #[test]
    fn declared_loggers_are_matched_against_the_catalogue() {
        let k = kinds("conf/logger/wandb.yaml", "wandb:\n  _target_: lightning.pytorch.loggers.wandb.WandbLogger\n  project: demo\n");
        assert_eq!(k, vec!["code.track:wandb"]);
        let k = kinds("conf/logger/mlflow.yaml", "mlflow:\n  _target_: \"lightning.pytorch.loggers.mlflow.MLFlowLogger\"  # remote\n");
        assert_eq!(k, vec!["code.track:mlflow"]);
    }

    fn kinds_with(path: &str, text: &str, files: &[(&str, &str)]) -> Vec<String> {
        let repo = RepoIndex {
            paths: files.iter().map(|(p, _)| p.to_string()).collect(),
            texts: files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect(),
            ..RepoIndex::default()
        };
        let mut out = Output::default();
        ConfigTargets.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out.evidence
            .iter()
            .map(|(e, _)| format!("{}:{}:{}", e.kind, e.attrs.get("scope").map(str::to_string).unwrap_or_default(), e.location.start_line))
            .collect()
    }

    #[test]
    fn trainer_device_requests_in_config_are_unprovisioned_compute() {
        let base = "_target_: lightning.pytorch.Trainer\nmax_epochs: 5\naccelerator: cpu\ndevices: 1\n";
        // The config itself asks the Trainer for several nodes.
        let own = "_target_: lightning.pytorch.Trainer\nmax_epochs: 5\nnum_nodes: 2\n";
        assert_eq!(kinds_with("conf/fit/big.yaml", own, &[]), vec!["code.compute:device:3"]);
        // One accelerator is a device choice: no compute.
        let gpu = "_target_: lightning.pytorch.Trainer\nmax_epochs: 5\naccelerator: gpu\ndevices: 1\n";
        assert!(kinds_with("conf/fit/gpu.yaml", gpu, &[]).is_empty());
        // A group member extending its sibling: the sibling's class, its own keys.
        let multi = "defaults:\n  - base\n\nstrategy: ddp_spawn\ndevices: 4\n";
        assert_eq!(kinds_with("conf/fit/multi.yaml", multi, &[("conf/fit/base.yaml", base)]), vec!["code.compute:device:4"]);
    }

    #[test]
    fn cpu_configs_commented_devices_and_unknown_classes_are_not_compute() {
        let base = "_target_: lightning.pytorch.Trainer\nmax_epochs: 5\naccelerator: cpu\ndevices: 1\n";
        assert!(kinds_with("conf/fit/base.yaml", base, &[]).is_empty());
        let commented = "defaults:\n  - base\n\n# accelerator: gpu\n# devices: 4\n";
        assert!(kinds_with("conf/fit/c.yaml", commented, &[("conf/fit/base.yaml", base)]).is_empty());
        // The same keys for a class of the project, or with no class at all.
        assert!(kinds_with("conf/net/x.yaml", "_target_: src.nets.Big\naccelerator: gpu\ndevices: 4\n", &[]).is_empty());
        assert!(kinds_with("conf/fit/y.yaml", "defaults:\n  - missing\naccelerator: gpu\n", &[]).is_empty());
    }

    #[test]
    fn commented_or_unknown_targets_are_not_evidence() {
        assert!(kinds("conf/logger/wandb.yaml", "# _target_: lightning.pytorch.loggers.wandb.WandbLogger\n").is_empty());
        assert!(kinds("conf/logger/csv.yaml", "csv:\n  _target_: lightning.pytorch.loggers.csv_logs.CSVLogger\n").is_empty());
        assert!(kinds("conf/model/net.yaml", "_target_: src.models.Net\n").is_empty());
    }
}
