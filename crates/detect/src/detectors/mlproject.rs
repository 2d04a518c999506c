//! MLflow Projects: the `MLproject` file's entry points and their commands
//! (`mlflow run . -e train` in CI reaches `python train.py`).

use super::add_shell;
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The MLflow Projects detector.
pub struct MlProject;

const NAME: &str = "mlproject";

impl Detector for MlProject {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_mlproject(path) || path.ends_with("MLproject.yaml")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(f.text) else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for (k, ep) in doc.get("entry_points").map(Node::entries).unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let mut u = Unit::new(format!("mlproject:{dir}#{name}"), Location::line(f.path, k.line), name);
            if let Some(c) = ep.get("command") {
                if let Some(t) = c.as_str() {
                    // `{param}` placeholders are arguments.
                    let cleaned: String = t.chars().filter(|ch| *ch != '{' && *ch != '}').collect();
                    add_shell(&mut u, out, NAME, f.path, &cleaned, c.line, dir);
                }
            }
            out.units.push(u);
        }
    }
}

/// True for an MLflow project file: MLflow finds it in its folder by name
/// in any letter case (`MLproject`, `MLProject`, `mlproject`).
pub fn is_mlproject(path: &str) -> bool {
    path.rsplit('/').next().unwrap_or(path).eq_ignore_ascii_case("mlproject")
}

/// The spellings of an MLflow project file looked up in a folder (MLflow
/// accepts any case; these are the ones written).
pub const MLPROJECT_NAMES: &[&str] = &["MLproject", "MLProject", "mlproject", "Mlproject", "MlProject"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn the_project_file_is_found_in_any_letter_case() {
        for p in ["MLproject", "MLProject/MLProject", "svc/mlproject", "ops/MLproject.yaml"] {
            assert!(MlProject.applies(p), "{p}");
        }
        for p in ["MLProject/train.py", "docs/MLproject.md", "mlprojects"] {
            assert!(!MlProject.applies(p), "{p}");
        }
    }

    #[test]
    fn entry_points() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        MlProject.detect(&FileCtx { path: "MLproject", text: "name: churn\nentry_points:\n  train:\n    parameters:\n      alpha: {type: float, default: 0.5}\n    command: \"python train.py --alpha {alpha}\"\n", repo: &repo }, &mut out);
        assert_eq!(out.units[0].id, "mlproject:#train");
        assert_eq!(out.units[0].commands[0].argv[..2], ["python".to_string(), "train.py".to_string()]);
    }

    #[test]
    fn commented_entry_points_are_not_units() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        MlProject.detect(
            &FileCtx {
                path: "MLproject",
                text: "name: x\nentry_points:\n  main:\n    command: python main.py\n# train:\n#   command: python train.py\n",
                repo: &repo,
            },
            &mut out,
        );
        assert_eq!(out.units.len(), 1);
        assert_eq!(out.units[0].id, "mlproject:#main");
    }
}
