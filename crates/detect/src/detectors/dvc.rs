//! DVC: pipelines (`dvc.yaml` stages and their `cmd`), tracked data and
//! models (`*.dvc` files, stage `outs`), metrics/params/plots, and remotes
//! (`.dvc/config`).
//!
//! Emits `dvc.stage` (role from the stage's name and command), `dvc.tracked`
//! (what=data|model, remote=yes|no), `dvc.metrics`, `dvc.remote`, and one
//! unit per stage (`dvc:<path>#<stage>`; `dvc:<path>#` runs them all) that a
//! `dvc repro` command reaches. Commented-out stages are not evidence.

use super::add_shell;
use crate::evidence::{Confidence, Evidence, Location, ScanIssue};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, RepoIndex, Unit};

/// The DVC detector.
pub struct Dvc;

const NAME: &str = "dvc";
const MODEL_EXT: &[&str] = &[
    ".pkl",
    ".pickle",
    ".joblib",
    ".pt",
    ".pth",
    ".h5",
    ".hdf5",
    ".onnx",
    ".keras",
    ".ckpt",
    ".safetensors",
    ".bin",
    ".model",
    ".cbm",
    ".ubj",
    ".pb",
    ".tflite",
    ".sav",
];

/// True when a path names a model artifact.
pub fn is_model_path(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    MODEL_EXT.iter().any(|e| name.ends_with(e))
        || lower.split('/').any(|c| c == "models" || c == "model" || c.starts_with("model_") || c.ends_with("_model"))
}

fn has_remote(repo: &RepoIndex) -> bool {
    repo.text(".dvc/config").is_some_and(|t| t.contains("[remote ") || t.contains("['remote ") || t.contains("[\"remote "))
}

fn role(name: &str, cmd: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    let c = cmd.to_ascii_lowercase();
    let any = |words: &[&str], s: &str| words.iter().any(|w| s.contains(w));
    const DATA: &[&str] =
        &["data", "prep", "ingest", "download", "fetch", "load", "extract", "featur", "split", "clean", "process", "etl", "collect"];
    const TRAIN: &[&str] = &["train", "fit"];
    const EVAL: &[&str] = &["eval", "test", "validat", "metric", "score", "compare"];
    if any(TRAIN, &n) {
        "train"
    } else if any(EVAL, &n) {
        "evaluate"
    } else if any(DATA, &n) {
        "data"
    } else if any(TRAIN, &c) {
        "train"
    } else if any(EVAL, &c) {
        "evaluate"
    } else if any(DATA, &c) {
        "data"
    } else {
        "other"
    }
}

impl Detector for Dvc {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == ".dvc/config" || path.ends_with(".dvc") || path == "dvc.yaml" || path.ends_with("/dvc.yaml")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let remote = if has_remote(f.repo) { "yes" } else { "no" };
        if f.path == ".dvc/config" {
            for (i, l) in f.text.lines().enumerate() {
                if l.trim_start().starts_with("[remote ") || l.trim_start().starts_with("['remote ") {
                    out.push(Evidence::new("dvc.remote", NAME, Location::line(f.path, i as u32 + 1), Confidence::High, l));
                }
            }
            return;
        }
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => {
                out.issues.push(ScanIssue::new(f.path, e.line, "yaml-parse", format!("DVC file is not valid YAML: {}", e.message)));
                return;
            }
        };
        if f.path.ends_with(".dvc") {
            for o in doc.get("outs").map(Node::items).unwrap_or_default() {
                let p = o.get("path").and_then(Node::as_str).unwrap_or("");
                let what = if is_model_path(p) { "model" } else { "data" };
                out.push(
                    Evidence::new("dvc.tracked", NAME, Location::line(f.path, o.line), Confidence::High, &format!("path: {p}"))
                        .attr("what", what)
                        .attr("remote", remote)
                        .attr("path", p),
                );
            }
            return;
        }
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut all = Unit::new(format!("dvc:{}#", f.path), Location::line(f.path, 1), "dvc repro");
        for (k, st) in doc.get("stages").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let id = format!("dvc:{}#{name}", f.path);
            let mut u = Unit::new(id.clone(), Location::new(f.path, k.line, st.last_line()), name);
            let wdir = st
                .get("wdir")
                .and_then(Node::as_str)
                .map(|w| crate::link::join(dir, w.trim_start_matches("./")))
                .unwrap_or_else(|| dir.to_string());
            let mut cmd_text = String::new();
            if let Some(cmd) = st.get("cmd") {
                for c in if cmd.items().is_empty() { vec![cmd] } else { cmd.items().iter().collect() } {
                    if let Some(s) = c.as_str() {
                        cmd_text.push_str(s);
                        cmd_text.push('\n');
                        add_shell(&mut u, out, NAME, f.path, s, c.line, &wdir);
                    }
                }
            }
            let r = role(name, &cmd_text);
            out.push_in(
                Evidence::new(
                    "dvc.stage",
                    NAME,
                    Location::line(f.path, k.line),
                    Confidence::High,
                    &format!("stage {name}: {}", cmd_text.trim()),
                )
                .attr("name", name)
                .attr("role", r),
                &id,
            );
            for key in ["metrics", "params", "plots"] {
                if let Some(m) = st.get(key) {
                    out.push_in(
                        Evidence::new("dvc.metrics", NAME, Location::line(f.path, m.line), Confidence::High, &format!("{key}: ..."))
                            .attr("what", key)
                            .attr("stage", name),
                        &id,
                    );
                }
            }
            for o in st.get("outs").map(Node::items).unwrap_or_default() {
                let p = o
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| o.entries().first().and_then(|(k, _)| k.as_str().map(str::to_string)))
                    .unwrap_or_default();
                let what = if is_model_path(&p) || r == "train" && !p.contains("metric") { "model" } else { "data" };
                out.push_in(
                    Evidence::new("dvc.tracked", NAME, Location::line(f.path, o.line), Confidence::High, &format!("outs: {p}"))
                        .attr("what", what)
                        .attr("remote", remote)
                        .attr("path", p),
                    &id,
                );
            }
            all.calls.push((id, Location::line(f.path, k.line)));
            out.units.push(u);
        }
        for key in ["metrics", "params", "plots"] {
            if let Some(m) = doc.get(key) {
                out.push(
                    Evidence::new("dvc.metrics", NAME, Location::line(f.path, m.line), Confidence::High, &format!("{key}: ..."))
                        .attr("what", key),
                );
            }
        }
        out.units.push(all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_outs_and_remote() {
        let mut repo = RepoIndex::default();
        repo.texts.insert(".dvc/config".into(), "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://b/p\n".into());
        let text = "stages:\n  prepare:\n    cmd: python src/prepare.py\n    outs:\n      - data/prepared\n  train:\n    cmd: python src/train.py\n    deps: [data/prepared]\n    outs:\n      - models/model.pkl\n    metrics:\n      - metrics.json:\n          cache: false\n# stages:\n#   deploy:\n#     cmd: kubectl apply -f k8s\n";
        let mut out = Output::default();
        Dvc.detect(&FileCtx { path: "dvc.yaml", text, repo: &repo }, &mut out);
        let roles: Vec<_> = out.evidence.iter().filter(|(e, _)| e.kind == "dvc.stage").map(|(e, _)| e.attrs["role"].clone()).collect();
        assert_eq!(roles, vec!["data", "train"]);
        let model = out.evidence.iter().find(|(e, _)| e.kind == "dvc.tracked" && e.attrs["what"] == "model").unwrap();
        assert_eq!(model.0.attrs["remote"], "yes");
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "dvc.metrics"));
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.deploy"));
    }
}
