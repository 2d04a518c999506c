//! Jupyter notebooks: the code cells of `.ipynb` files, analysed like Python
//! source (markdown cells are prose, never evidence; `!shell` and `%magic`
//! lines are blanked). Evidence carries `notebook=true` so rules can tell
//! notebook-only practice from scripts. Lines point into the `.ipynb` JSON.

use super::python;
use crate::evidence::{Confidence, Evidence, Location, ScanIssue};
use crate::{Detector, FileCtx, Output};

/// The notebook detector.
pub struct Notebook;

const NAME: &str = "notebook";

impl Detector for Notebook {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path.ends_with(".ipynb")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let nb: serde_json::Value = match serde_json::from_str(f.text) {
            Ok(v) => v,
            Err(e) => {
                out.issues.push(ScanIssue::new(f.path, Some(e.line() as u32), "json-parse", format!("notebook is not valid JSON: {e}")));
                return;
            }
        };
        let Some(cells) = nb.get("cells").and_then(|c| c.as_array()) else { return };
        // Map each code line to its line in the JSON file: cells' "source"
        // arrays list one line per JSON line in nbformat's layout.
        let json_lines: Vec<&str> = f.text.lines().collect();
        let mut search_from = 0usize;
        let mut code = String::new();
        let mut line_map: Vec<u32> = Vec::new();
        let mut n_code = 0;
        for cell in cells {
            let source: Vec<String> = match cell.get("source") {
                Some(serde_json::Value::Array(a)) => a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect(),
                Some(serde_json::Value::String(s)) => s.split_inclusive('\n').map(str::to_string).collect(),
                _ => vec![],
            };
            // Find this cell's "source" key in the raw text.
            let src_line = json_lines
                .iter()
                .enumerate()
                .skip(search_from)
                .find(|(_, l)| l.contains("\"source\""))
                .map(|(i, _)| i)
                .unwrap_or(search_from);
            search_from = src_line + 1;
            if cell.get("cell_type").and_then(|t| t.as_str()) != Some("code") {
                continue;
            }
            n_code += 1;
            for (k, l) in source.iter().flat_map(|s| s.split_inclusive('\n')).enumerate() {
                let t = l.trim_start();
                let l = if t.starts_with('!') || t.starts_with('%') { "\n" } else { l };
                code.push_str(l);
                if !l.ends_with('\n') {
                    code.push('\n');
                }
                line_map.push(
                    (src_line
                        + 1
                        + k
                        + usize::from(source.len() > 1 || json_lines.get(src_line).is_some_and(|x| x.trim_end().ends_with('['))))
                        as u32,
                );
            }
        }
        if n_code == 0 {
            return;
        }
        out.push(
            Evidence::new("notebook.code", NAME, Location::line(f.path, 1), Confidence::High, &format!("{n_code} code cells"))
                .attr("cells", n_code.to_string()),
        );
        let facts = python::analyze(f.path, &code, f.repo, NAME, true);
        let unit = format!("file:{}", f.path);
        for mut e in facts.evidence {
            let l = line_map.get(e.location.start_line as usize - 1).copied().unwrap_or(1);
            e.location = Location::line(f.path, l.max(1));
            out.push_in(e, &unit);
        }
        let mut u = crate::Unit::new(unit, Location::line(f.path, 1), f.path);
        u.calls = facts
            .local_imports
            .iter()
            .map(|(p, l)| (format!("file:{p}"), Location::line(f.path, line_map.get(*l as usize - 1).copied().unwrap_or(1))))
            .collect();
        out.units.push(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn code_cells_only() {
        let text = r#"{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": [
    "We call `mlflow.log_metric` here and `model.fit`.\n"
   ]
  },
  {
   "cell_type": "code",
   "metadata": {},
   "source": [
    "import mlflow\n",
    "from sklearn.linear_model import LogisticRegression\n",
    "!pip install mlflow\n",
    "m = LogisticRegression().fit(X, y)\n",
    "mlflow.log_metric('acc', 0.9)"
   ]
  }
 ],
 "nbformat": 4
}"#;
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Notebook.detect(&FileCtx { path: "nb/train.ipynb", text, repo: &repo }, &mut out);
        let track = out.evidence.iter().find(|(e, _)| e.kind == "code.track").unwrap_or_else(|| panic!("{:?}", out.evidence));
        assert_eq!(track.0.location.start_line, 18);
        assert_eq!(track.0.attrs["notebook"], *"true");
        let train = out.evidence.iter().find(|(e, _)| e.kind == "code.train").unwrap();
        assert_eq!(train.0.location.start_line, 17);
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "code.track").count(), 1);
    }

    #[test]
    fn invalid_json_is_an_issue() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Notebook.detect(&FileCtx { path: "x.ipynb", text: "{ not json", repo: &repo }, &mut out);
        assert_eq!(out.issues[0].kind, "json-parse");
    }
}
