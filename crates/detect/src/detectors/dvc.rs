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

/// True when a stage output is a report of the run rather than a model or
/// data: under a reports, plots, metrics or figures folder, or (for a
/// training stage's outputs, `in_training`) a JSON, Markdown, HTML, text,
/// log or image file. A name holding "model" (`model.json`, XGBoost's
/// format) is never a report.
fn is_report_path(p: &str, in_training: bool) -> bool {
    let lower = p.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if name.contains("model") {
        return false;
    }
    const FOLDERS: &[&str] = &["report", "reports", "plots", "plot", "metrics", "figures", "figs", "charts"];
    const EXT: &[&str] = &[".json", ".md", ".html", ".txt", ".log", ".png", ".jpg", ".jpeg", ".svg"];
    let folders = lower.split('/').rev().skip(1).collect::<Vec<_>>();
    folders.iter().any(|c| FOLDERS.contains(c))
        || in_training && EXT.iter().any(|e| name.ends_with(e)) && !folders.iter().any(|c| c.contains("data"))
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

/// The path of a stage output (`- path` or `- path: {cache: false}`).
fn out_path(o: &Node) -> Option<String> {
    o.as_str().map(str::to_string).or_else(|| o.entries().first().and_then(|(k, _)| k.as_str().map(str::to_string)))
}

/// What one stage of a `dvc.yaml` reads and writes (repo-relative paths).
#[derive(Default)]
struct StageIo {
    name: String,
    id: String,
    line: u32,
    train: bool,
    deps: Vec<String>,
    /// Outputs, with true for a model.
    outs: Vec<(String, bool)>,
}

/// True when `path` is `base` or lies under it.
fn within(path: &str, base: &str) -> bool {
    !base.is_empty() && (path == base || path.strip_prefix(base).is_some_and(|r| r.starts_with('/')))
}

/// The DVC-versioned data a dependency names: the data output of another
/// stage, or a file or folder tracked by a `.dvc` file (the path itself or a
/// folder above it).
fn dvc_data_source(dep: &str, stage: &str, stages: &[StageIo], repo: &RepoIndex) -> Option<String> {
    if let Some(s) = stages.iter().find(|s| s.name != stage && s.outs.iter().any(|(o, model)| !model && within(dep, o))) {
        return Some(format!("an output of stage {}", s.name));
    }
    let mut p = dep.trim_end_matches('/');
    loop {
        let tracked = format!("{p}.dvc");
        if repo.exists(&tracked) {
            return Some(tracked);
        }
        p = p.rsplit_once('/')?.0;
    }
}

/// A stage that trains or writes a model and depends on DVC-versioned data:
/// `dvc.lock` then pins the data hashes that produced the model, which ties
/// the model to its data version (`lineage.data-version` how=dvc-deps). A
/// model stage that declares only its code as dependency ties nothing.
fn data_lineage(f: &FileCtx<'_>, stages: &[StageIo], out: &mut Output) {
    for s in stages.iter().filter(|s| s.train || s.outs.iter().any(|(_, m)| *m)) {
        let Some((dep, source)) = s.deps.iter().find_map(|d| dvc_data_source(d, &s.name, stages, f.repo).map(|src| (d, src))) else {
            continue;
        };
        out.push_in(
            Evidence::new(
                "lineage.data-version",
                NAME,
                Location::line(f.path, s.line),
                Confidence::High,
                &format!("stage {} depends on {dep} ({source})", s.name),
            )
            .attr("how", "dvc-deps"),
            &s.id,
        );
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
        let mut stages: Vec<StageIo> = Vec::new();
        for (k, st) in doc.get("stages").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let id = format!("dvc:{}#{name}", f.path);
            let mut u = Unit::new(id.clone(), Location::new(f.path, k.line, st.last_line()), name);
            let wdir = st
                .get("wdir")
                .and_then(Node::as_str)
                .map(|w| crate::paths::join(dir, w.trim_start_matches("./")))
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
            let mut r = role(name, &cmd_text);
            // A stage named for neither that turns data into data (it writes
            // outputs, none of them a model, and reads no model) prepares data.
            let out_paths: Vec<String> = st.get("outs").map(Node::items).unwrap_or_default().iter().filter_map(out_path).collect();
            let dep_model = st.get("deps").map(Node::items).unwrap_or_default().iter().any(|d| d.as_str().is_some_and(is_model_path));
            if r == "other" && !out_paths.is_empty() && !dep_model && !out_paths.iter().any(|p| is_model_path(p)) {
                r = "data";
            }
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
            let mut io = StageIo { name: name.to_string(), id: id.clone(), line: k.line, train: r == "train", ..Default::default() };
            for d in st.get("deps").map(Node::items).unwrap_or_default() {
                if let Some(p) = d.as_str() {
                    io.deps.push(crate::paths::join(&wdir, p));
                }
            }
            for o in st.get("outs").map(Node::items).unwrap_or_default() {
                let p = out_path(o).unwrap_or_default();
                let what = if is_report_path(&p, r == "train") {
                    "report"
                } else if is_model_path(&p) || r == "train" && !p.contains("metric") {
                    "model"
                } else {
                    "data"
                };
                io.outs.push((crate::paths::join(&wdir, &p), what == "model"));
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
            stages.push(io);
        }
        data_lineage(f, &stages, out);
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
    fn training_stage_reports_are_not_models() {
        let text = "stages:\n  fit:\n    cmd: python src/fit.py\n    outs:\n      - reports/loss_curve.json\n      - curve.png\n      - artifacts/xgb_model.json\n      - artifacts/\n      - plots/roc\n  featurize:\n    cmd: python src/featurize.py\n    outs:\n      - data/features.json\n      - metrics/drift.json\n";
        let mut out = Output::default();
        Dvc.detect(&FileCtx { path: "dvc.yaml", text, repo: &RepoIndex::default() }, &mut out);
        let what: Vec<String> = out
            .evidence
            .iter()
            .filter(|(e, _)| e.kind == "dvc.tracked")
            .map(|(e, _)| format!("{}={}", e.attrs.get("path").unwrap_or_default(), e.attrs.get("what").unwrap_or_default()))
            .collect();
        assert_eq!(
            what,
            [
                "reports/loss_curve.json=report",
                "curve.png=report",
                "artifacts/xgb_model.json=model",
                "artifacts/=model",
                "plots/roc=report",
                "data/features.json=data",
                "metrics/drift.json=report"
            ]
        );
    }

    #[test]
    fn stages_outs_and_remote() {
        let mut repo = RepoIndex::default();
        repo.texts.insert(".dvc/config".into(), "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://b/p\n".into());
        let text = "stages:\n  prepare:\n    cmd: python src/prepare.py\n    outs:\n      - data/prepared\n  train:\n    cmd: python src/train.py\n    deps: [data/prepared]\n    outs:\n      - models/model.pkl\n    metrics:\n      - metrics.json:\n          cache: false\n# stages:\n#   deploy:\n#     cmd: kubectl apply -f k8s\n";
        let mut out = Output::default();
        Dvc.detect(&FileCtx { path: "dvc.yaml", text, repo: &repo }, &mut out);
        let roles: Vec<_> = out.evidence.iter().filter(|(e, _)| e.kind == "dvc.stage").map(|(e, _)| e.attrs["role"].to_string()).collect();
        assert_eq!(roles, vec!["data", "train"]);
        let model = out.evidence.iter().find(|(e, _)| e.kind == "dvc.tracked" && e.attrs["what"] == *"model").unwrap();
        assert_eq!(model.0.attrs["remote"], *"yes");
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "dvc.metrics"));
        assert!(out.evidence.iter().all(|(e, _)| e.kind != "run.deploy"));
    }

    fn lineage(text: &str, tracked: &[&str]) -> Vec<String> {
        let mut repo = RepoIndex::default();
        for t in tracked {
            repo.paths.insert(t.to_string());
        }
        let mut out = Output::default();
        Dvc.detect(&FileCtx { path: "ml/dvc.yaml", text, repo: &repo }, &mut out);
        out.evidence
            .iter()
            .filter(|(e, _)| e.kind == "lineage.data-version")
            .map(|(e, u)| format!("{}@{}", e.snippet, u.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn model_stage_depending_on_data_stage_output_ties_data() {
        let text = "stages:\n  clean:\n    cmd: python clean.py\n    deps: [raw.csv]\n    outs: [work/clean]\n  fit:\n    cmd: python fit.py\n    deps:\n      - ./work/clean/part.parquet\n      - fit.py\n    outs:\n      - out/clf.joblib\n";
        assert_eq!(
            lineage(text, &[]),
            vec!["stage fit depends on ml/work/clean/part.parquet (an output of stage clean)@dvc:ml/dvc.yaml#fit"]
        );
    }

    #[test]
    fn model_stage_depending_on_tracked_folder_ties_data() {
        let text =
            "stages:\n  learn:\n    cmd: python learn.py\n    wdir: ..\n    deps: [corpus/2024/a.txt, learn.py]\n    outs: [weights.pt]\n";
        assert_eq!(lineage(text, &["corpus.dvc"]), vec!["stage learn depends on corpus/2024/a.txt (corpus.dvc)@dvc:ml/dvc.yaml#learn"]);
    }

    #[test]
    fn model_stage_with_only_code_deps_ties_nothing() {
        // The data stages are DVC outputs, but the model stage depends on its
        // script alone; an evaluation stage reading the data makes no model.
        let text = "stages:\n  clean:\n    cmd: python clean.py\n    outs: [work/clean]\n  score_it:\n    cmd: python report.py\n    deps: [work/clean]\n  fit:\n    cmd: python fit.py\n    deps: [fit.py]\n    outs: [out/clf.joblib]\n# fit2:\n#   deps: [work/clean]\n#   outs: [m.pkl]\n";
        assert!(lineage(text, &[]).is_empty());
    }

    #[test]
    fn unnamed_stage_writing_data_prepares_data() {
        let text = "stages:\n  resample_it:\n    cmd: python r.py a.parquet b.parquet\n    deps: [a.parquet]\n    outs: [b.parquet]\n  lint:\n    cmd: sh check.sh\n  pack:\n    cmd: python pack.py\n    deps: [weights.pt]\n    outs: [bundle.tar]\n";
        let mut out = Output::default();
        Dvc.detect(&FileCtx { path: "dvc.yaml", text, repo: &RepoIndex::default() }, &mut out);
        let roles: Vec<_> = out.evidence.iter().filter(|(e, _)| e.kind == "dvc.stage").map(|(e, _)| e.attrs["role"].to_string()).collect();
        assert_eq!(roles, vec!["data", "other", "other"]);
    }
}
