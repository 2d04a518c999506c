//! Python packages that carry model files: a packaging manifest whose data
//! declarations name serialized models (`MANIFEST.in` `include` /
//! `recursive-include` / `global-include` / `graft` of a model folder,
//! `package_data` / `package-data` / `include` / `artifacts` patterns in
//! `setup.py`, `setup.cfg` or `pyproject.toml`).
//!
//! Emits `package.model-data` at the manifest line. The linker marks a
//! package publish reached from a folder holding such a manifest with
//! `carries=model`: the model ships inside a versioned package (RUBRIC
//! "Model versioning"). Comments, `exclude` lines and manifests that only
//! name code or text files are not evidence.

use super::binaries::BINARY_EXT;
use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output};

/// The package-data detector.
pub struct PackageData;

const NAME: &str = "package-data";

/// Model extensions and model folder names (the screen of this detector).
const SCREEN: &[&str] = super::binaries::MODEL_MARKERS;

/// Whether `pattern` (a file, a glob or a folder) names serialized models.
fn names_models(pattern: &str) -> bool {
    let p = pattern.trim_matches(['"', '\'', ',', ' ', '[', ']']).to_ascii_lowercase();
    let last = p.trim_end_matches(['/', '*']).rsplit('/').next().unwrap_or("");
    BINARY_EXT.iter().any(|e| p.ends_with(e)) || super::binaries::MODEL_FOLDERS.contains(&last)
}

impl Detector for PackageData {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        matches!(name, "MANIFEST.in" | "setup.py" | "setup.cfg" | "pyproject.toml")
    }
    fn screen(&self) -> &'static [&'static str] {
        SCREEN
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let manifest = f.path.ends_with("MANIFEST.in");
        // setup.py / setup.cfg / pyproject.toml: only inside a data declaration.
        let mut in_data = false;
        for (i, raw) in f.text.lines().enumerate() {
            let l = raw.trim();
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            let hit = if manifest {
                let mut words = l.split_whitespace();
                let directive = words.next().unwrap_or("");
                let args: Vec<&str> = words.collect();
                match directive {
                    "include" | "global-include" | "graft" => args.iter().any(|a| names_models(a)),
                    // `recursive-include dir pattern...`: the patterns, or the folder itself with `*`.
                    "recursive-include" => {
                        args.iter().skip(1).any(|a| names_models(a))
                            || (args.iter().skip(1).any(|a| *a == "*") && args.first().is_some_and(|d| names_models(d)))
                    }
                    _ => false,
                }
            } else {
                let key = l.to_ascii_lowercase();
                if key.starts_with('[') {
                    in_data = key.contains("package-data") || key.contains("package_data") || key.contains(".build");
                } else if ["package_data", "package-data", "data_files", "include =", "include=", "artifacts"]
                    .iter()
                    .any(|k| key.contains(k))
                {
                    in_data = true;
                } else if (l.ends_with(')') && !l.contains('(')) || l == "}" || l.ends_with("},") {
                    // The end of a `setup(...)` keyword's dict.
                    let hit = in_data && l.split(['"', '\'']).skip(1).step_by(2).any(names_models);
                    in_data = false;
                    if hit {
                        push(f, out, i, l);
                    }
                    continue;
                }
                in_data && l.split(['"', '\'']).skip(1).step_by(2).any(names_models)
            };
            if hit {
                push(f, out, i, l);
            }
        }
    }
}

fn push(f: &FileCtx<'_>, out: &mut Output, i: usize, line: &str) {
    out.push(Evidence::new("package.model-data", NAME, Location::line(f.path, i as u32 + 1), Confidence::High, line));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(path: &str, text: &str) -> Vec<u32> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        PackageData.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out.evidence.iter().map(|(e, _)| e.location.start_line).collect()
    }

    #[test]
    fn manifest_including_models() {
        let text = "include README.md\n# include weights/*.onnx\nrecursive-include scorer/weights *.joblib\nexclude *.pkl\ngraft scorer/trained_models\n";
        assert_eq!(run("pkg/MANIFEST.in", text), vec![3, 5]);
        // Only code and text: nothing.
        assert!(run("MANIFEST.in", "include *.txt\nrecursive-include src *.py\n").is_empty());
    }

    #[test]
    fn setup_and_pyproject_package_data() {
        let setup = "from setuptools import setup\nsetup(\n    name=\"scorer\",\n    package_data={\n        \"scorer\": [\"VERSION\", \"artifacts/*.pt\"],\n    },\n)\n";
        assert_eq!(run("setup.py", setup), vec![5]);
        // A model path outside any data declaration (a default argument) is not packaging.
        assert!(run("setup.py", "MODEL = \"model.pkl\"\nsetup(name=\"x\")\n").is_empty());
        let toml = "[project]\nname = \"scorer\"\n[tool.setuptools.package-data]\nscorer = [\"*.onnx\"]\n";
        assert_eq!(run("pyproject.toml", toml), vec![4]);
    }
}
