//! Model binaries committed to git (advice), and Git LFS tracking of model
//! files (`.gitattributes`, partial model versioning).
//!
//! [`observe`] looks at every file's size (no reading): a model file over
//! [`MODEL_BINARY_BYTES`] outside LFS patterns is `repo.model-binary`. The
//! `GitAttributes` detector emits `repo.git-lfs` for LFS patterns that match
//! model files. Commented `.gitattributes` lines are not evidence.

use super::dvc::is_model_path;
use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output, RepoIndex};

/// Size above which a committed model file is flagged.
pub const MODEL_BINARY_BYTES: u64 = 1024 * 1024;

/// File extensions of serialized models, then folder names that hold them.
pub const MODEL_MARKERS: &[&str] = &[
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
    ".sav",
    ".cbm",
    ".pb",
    ".tflite",
    ".skops",
    "trained_models",
    "saved_models",
    "model_artifacts",
];

/// Folder names that hold serialized models.
pub const MODEL_FOLDERS: &[&str] = MODEL_MARKERS.split_at(MODEL_MARKERS.len() - 3).1;

/// File extensions of serialized models.
pub const BINARY_EXT: &[&str] = MODEL_MARKERS.split_at(MODEL_MARKERS.len() - 3).0;

fn lfs_patterns(repo: &RepoIndex) -> Vec<String> {
    repo.text(".gitattributes")
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim_start().starts_with('#') && l.contains("filter=lfs"))
                .filter_map(|l| l.split_whitespace().next())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn matches_pattern(pat: &str, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some(ext) = pat.strip_prefix("*") {
        return name.ends_with(ext) || path.ends_with(ext);
    }
    if let Some(dir) = pat.strip_suffix("/**") {
        return path.starts_with(&format!("{}/", dir.trim_start_matches('/')));
    }
    pat.trim_start_matches('/') == path || pat == name
}

/// Whether `path` has a serialized model's extension (any ASCII case):
/// a file [`observe`] judges by its size.
pub fn binary_name(path: &str) -> bool {
    let b = path.as_bytes();
    BINARY_EXT.iter().any(|e| b.len() >= e.len() && b[b.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
}

/// Size-only check for committed model binaries.
pub fn observe(path: &str, size: u64, repo: &RepoIndex, out: &mut Vec<(Evidence, Option<String>)>) {
    if size < MODEL_BINARY_BYTES || !binary_name(path) {
        return;
    }
    if lfs_patterns(repo).iter().any(|p| matches_pattern(p, path)) {
        return;
    }
    out.push((
        Evidence::new(
            "repo.model-binary",
            "binaries",
            Location::line(path, 1),
            Confidence::High,
            &format!("{path} ({size} bytes) committed to git"),
        )
        .attr("bytes", size.to_string()),
        None,
    ));
}

/// The `.gitattributes` detector (Git LFS).
pub struct GitAttributes;

impl Detector for GitAttributes {
    fn name(&self) -> &'static str {
        "binaries"
    }
    fn applies(&self, path: &str) -> bool {
        path == ".gitattributes"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let mut found: Vec<(usize, &str, &str)> = Vec::new();
        for (i, l) in f.text.lines().enumerate() {
            if l.trim_start().starts_with('#') || !l.contains("filter=lfs") {
                continue;
            }
            let pat = l.split_whitespace().next().unwrap_or("");
            let probe = pat.replace("**", "x").replace('*', "file");
            if is_model_path(&probe) || BINARY_EXT.iter().any(|e| pat.ends_with(e)) {
                found.push((i, l, pat));
            }
        }
        // Only patterns some file of the repository matches store a model:
        // the stock Hugging Face `.gitattributes` lists thirty formats a
        // Space that pulls its model from the Hub never holds. One pass
        // over the paths for all patterns.
        let mut set = globset::GlobSetBuilder::new();
        let mut of_glob = Vec::new();
        for (k, (_, _, pat)) in found.iter().enumerate() {
            if let Some(g) = lfs_glob(pat) {
                set.add(g);
                of_glob.push(k);
            }
        }
        let set = set.build().unwrap_or_else(|_| globset::GlobSet::empty());
        let mut matched = vec![false; found.len()];
        let mut left = of_glob.len();
        for p in &f.repo.paths {
            if left == 0 {
                break;
            }
            for g in set.matches(p) {
                if !std::mem::replace(&mut matched[of_glob[g]], true) {
                    left -= 1;
                }
            }
        }
        for ((i, l, pat), _) in found.into_iter().zip(matched).filter(|(_, m)| *m) {
            out.push(
                Evidence::new("repo.git-lfs", "binaries", Location::line(f.path, i as u32 + 1), Confidence::High, l).attr("pattern", pat),
            );
        }
    }
}

/// A `.gitattributes` pattern as a glob over repository paths: without a
/// `/` it matches a name at any depth, with one it is anchored at the root.
fn lfs_glob(pat: &str) -> Option<globset::Glob> {
    let anchored = pat.trim_start_matches('/');
    let glob = if pat.trim_end_matches('/').contains('/') { anchored.to_string() } else { format!("**/{anchored}") };
    globset::GlobBuilder::new(&glob).literal_separator(true).build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_model_files_outside_lfs() {
        let mut repo = RepoIndex::default();
        let mut out = Vec::new();
        observe("models/model.pkl", 5_000_000, &repo, &mut out);
        observe("models/small.pkl", 10, &repo, &mut out);
        observe("data/big.csv", 5_000_000, &repo, &mut out);
        assert_eq!(out.len(), 1);
        repo.texts.insert(".gitattributes".into(), "*.pkl filter=lfs diff=lfs merge=lfs -text\n".into());
        let mut out = Vec::new();
        observe("models/model.pkl", 5_000_000, &repo, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn lfs_patterns_for_models() {
        let text =
            "# *.pt filter=lfs\n*.onnx filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs\nmodels/** filter=lfs\n*.bin filter=lfs\n";
        let patterns = |paths: &[&str]| {
            let repo = RepoIndex { paths: paths.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
            let mut out = Output::default();
            GitAttributes.detect(&FileCtx { path: ".gitattributes", text, repo: &repo }, &mut out);
            out.evidence.iter().map(|(e, _)| e.attrs["pattern"].to_string()).collect::<Vec<_>>()
        };
        // A pattern counts when a file of the repository is stored by it.
        assert_eq!(patterns(&["serve/model.onnx", "models/v2/weights.bin", "logo.png"]), vec!["*.onnx", "models/**", "*.bin"]);
        // The stock list of a Space that pulls its model from the Hub.
        assert!(patterns(&["app.py", "README.md", ".gitattributes"]).is_empty());
    }
}
