//! MLflow Recipes (formerly MLflow Pipelines): a `recipe.yaml` (or the
//! older `pipeline.yaml`) naming a recipe template (`recipe:` or
//! `template:` `regression/v1`, `classification/v1`) and its `steps:`.
//! The training is declared, not called: the `train` step fits the
//! estimator a step module returns (`steps/train.py`'s `estimator_fn`
//! builds an unfitted one), every step's run is logged to MLflow Tracking,
//! `ingest` reads the data afresh each run (a data step of the pipeline),
//! `evaluate` checks `validation_criteria` thresholds, and `register`
//! registers the model in the MLflow Model Registry (refused when the
//! criteria fail unless `allow_non_validated_model: true`).
//!
//! Each step is a unit (`recipe:<file>#<step>`) that owns its evidence and
//! calls the step modules its `*_method` keys name; `mlflow recipes run
//! [--step S]` in a CI job or a script reaches step `S` and the steps it
//! depends on (see [`upstream`]).

use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The MLflow Recipes detector.
pub struct MlflowRecipe;

const NAME: &str = "mlflow-recipe";

/// The recipe templates MLflow ships.
const TEMPLATES: &[&str] = &["regression/v1", "classification/v1"];

/// The training steps in the order a recipe runs them (each depends on
/// the one before); `run` without a step runs them all.
const TRAINING: &[&str] = &["ingest", "split", "transform", "train", "evaluate", "register"];

/// The batch scoring steps, in order.
const SCORING: &[&str] = &["ingest_scoring", "predict"];

/// The file names a recipe is read from.
pub const FILE_NAMES: &[&str] = &["recipe.yaml", "recipe.yml", "pipeline.yaml", "pipeline.yml"];

/// The steps `mlflow recipes run --step <step>` executes: the step and those
/// it depends on; `None`, the whole training recipe.
pub fn upstream(step: Option<&str>) -> &'static [&'static str] {
    let Some(step) = step else { return TRAINING };
    for dag in [TRAINING, SCORING] {
        if let Some(i) = dag.iter().position(|s| *s == step) {
            return &dag[..=i];
        }
    }
    &[]
}

impl Detector for MlflowRecipe {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        FILE_NAMES.contains(&name)
    }
    fn screen(&self) -> &'static [&'static str] {
        TEMPLATES
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(&without_jinja(f.text)) else { return };
        let Some(template) = doc.get("recipe").or_else(|| doc.get("template")) else { return };
        if !template.as_str().is_some_and(|t| TEMPLATES.contains(&t)) {
            return;
        }
        let Some(steps) = doc.get("steps").filter(|s| !s.entries().is_empty()) else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let ev = |kind: &str, line: u32, snippet: &str| {
            Evidence::new(kind, NAME, Location::line(f.path, line), Confidence::High, snippet).attr("tool", "mlflow")
        };
        let listed: Vec<&str> = steps.entries().iter().filter_map(|(k, _)| k.as_str()).collect();
        for (k, body) in steps.entries() {
            let Some(step) = k.as_str() else { continue };
            let id = format!("recipe:{}#{step}", f.path);
            let mut u = Unit::new(id.clone(), Location::line(f.path, k.line), &format!("recipe step {step}"));
            // Running a step runs the steps before it: the unit calls them
            // (`register` registers what `train` fitted in the same run).
            for before in upstream(Some(step)).iter().filter(|s| **s != step && listed.contains(s)) {
                u.calls.push((format!("recipe:{}#{before}", f.path), Location::line(f.path, k.line)));
            }
            // The step's functions: `steps.train.estimator_fn`, or a bare
            // name looked up in the step's own module (`steps/<step>.py`).
            for (key, value) in body.entries() {
                let (Some(key), Some(method)) = (key.as_str(), value.as_str()) else { continue };
                if !key.ends_with("_method") {
                    continue;
                }
                let module = match method.rsplit_once('.') {
                    Some((m, _)) => m.replace('.', "/"),
                    None => format!("steps/{step}"),
                };
                let file = crate::paths::join(dir, &format!("{module}.py"));
                if f.repo.exists(&file) {
                    u.calls.push((format!("file:{file}"), Location::line(f.path, value.line)));
                }
            }
            out.units.push(u);
            let owned = |e: Evidence| (e, Some(id.clone()));
            match step {
                // A data step of an ML pipeline: the data is read afresh each run.
                "ingest" => {
                    out.evidence.push(owned(ev("code.data-prep", k.line, "MLflow recipe ingest step").attr("op", "pipeline-step")));
                }
                "train" => {
                    let t = template.as_str().unwrap_or("");
                    out.evidence.push(owned(
                        ev("code.train", k.line, &format!("MLflow recipe {t}: train step")).attr("framework", "mlflow-recipes"),
                    ));
                    // Every step's run is logged to MLflow Tracking.
                    out.evidence.push(owned(ev("code.track", template.line, &format!("MLflow recipe {t}: runs logged to MLflow"))));
                }
                "evaluate" => {
                    if let Some(c) = body.get("validation_criteria").filter(|c| !c.items().is_empty()) {
                        out.evidence.push(owned(
                            ev("code.eval-gate", c.line, "MLflow recipe evaluate: validation_criteria thresholds")
                                .attr("compares", "threshold"),
                        ));
                    }
                }
                "register" => {
                    // Registration follows validation unless told otherwise.
                    let gated =
                        !body.get("allow_non_validated_model").and_then(Node::as_str).is_some_and(|v| v.eq_ignore_ascii_case("true"));
                    let mut e = ev("code.model-version", k.line, "MLflow recipe register step: MLflow Model Registry")
                        .attr("mechanism", "registry");
                    if gated {
                        e = e.attr("gated", "yes");
                    }
                    out.evidence.push(owned(e));
                }
                "predict" => {
                    out.evidence
                        .push(owned(ev("code.scoring", k.line, "MLflow recipe predict step: batch scoring").attr("style", "batch-job")));
                }
                _ => {}
            }
        }
    }
}

/// The recipe's text with its Jinja placeholders made plain YAML: MLflow
/// renders a recipe with the profile's values before reading it, and a
/// placeholder (`ingest: {{INGEST_CONFIG}}`, `split_ratios:
/// {{RATIOS|default([0.8, 0.2])}}`) is not YAML. Each `{{...}}` becomes
/// the word `JINJA` (a string, quoted or not); each `{%...%}` becomes
/// blanks. Lines stay where they were.
fn without_jinja(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("{{") && !text.contains("{%") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut rest = line;
        loop {
            let open = [("{{", "}}", "JINJA"), ("{%", "%}", "")]
                .into_iter()
                .filter_map(|(o, c, with)| rest.find(o).map(|at| (at, o, c, with)))
                .min_by_key(|(at, ..)| *at);
            let Some((at, o, c, with)) = open else { break };
            let Some(len) = rest[at + o.len()..].find(c) else { break };
            out.push_str(&rest[..at]);
            out.push_str(with);
            rest = &rest[at + o.len() + len + c.len()..];
        }
        out.push_str(rest);
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    const RECIPE: &str = "recipe: \"regression/v1\"\ntarget_col: \"y\"\nsteps:\n  ingest:\n    using: parquet\n  split:\n    split_ratios: [0.8, 0.1, 0.1]\n  transform:\n    transformer_method: transformer_fn\n  train:\n    using: custom\n    estimator_method: steps.train.estimator_fn\n  evaluate:\n    validation_criteria:\n      - metric: root_mean_squared_error\n        threshold: 10\n  register:\n    allow_non_validated_model: false\n";

    fn detect(path: &str, text: &str, files: &[&str]) -> Output {
        let repo = RepoIndex { paths: files.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
        let mut out = Output::default();
        MlflowRecipe.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out
    }

    fn kinds(out: &Output) -> Vec<(String, Option<String>)> {
        out.evidence.iter().map(|(e, u)| (e.kind.to_string(), u.clone())).collect()
    }

    #[test]
    fn a_recipe_trains_tracks_gates_and_registers_from_its_steps() {
        let out = detect("training/recipe.yaml", RECIPE, &["training/steps/train.py", "training/steps/transform.py"]);
        let unit = |s: &str| Some(format!("recipe:training/recipe.yaml#{s}"));
        assert_eq!(
            kinds(&out),
            vec![
                ("code.data-prep".into(), unit("ingest")),
                ("code.train".into(), unit("train")),
                ("code.track".into(), unit("train")),
                ("code.eval-gate".into(), unit("evaluate")),
                ("code.model-version".into(), unit("register")),
            ]
        );
        let register = &out.evidence[4].0;
        assert_eq!(register.attrs.get("mechanism"), Some("registry"));
        assert_eq!(register.attrs.get("gated"), Some("yes"));
        // Units for every step; the steps call the modules their methods name.
        let ids: Vec<&str> = out.units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids.len(), 6);
        let calls = |s: &str| -> Vec<String> {
            out.units.iter().find(|u| u.id.ends_with(&format!("#{s}"))).unwrap().calls.iter().map(|(t, _)| t.clone()).collect()
        };
        let step = |s: &str| format!("recipe:training/recipe.yaml#{s}");
        assert_eq!(calls("train"), [step("ingest"), step("split"), step("transform"), "file:training/steps/train.py".into()]);
        assert_eq!(calls("transform"), [step("ingest"), step("split"), "file:training/steps/transform.py".into()]);
        assert!(calls("ingest").is_empty());
        // No `predict` step listed: nothing calls one.
        assert!(calls("register").iter().all(|c| !c.contains("predict")) && calls("register").len() == 5);
    }

    #[test]
    fn the_older_pipeline_file_counts_and_a_register_that_skips_validation_is_not_gated() {
        let text = RECIPE
            .replace("recipe: \"regression/v1\"", "template: classification/v1")
            .replace("allow_non_validated_model: false", "allow_non_validated_model: true");
        let out = detect("pipeline.yaml", &text, &[]);
        let register = out.evidence.iter().find(|(e, _)| e.kind == "code.model-version").unwrap();
        assert_eq!(register.0.attrs.get("gated"), None);
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "code.train"));
    }

    #[test]
    fn other_pipelines_and_unknown_templates_are_not_recipes() {
        // An Azure ML pipeline, a recipe of a template MLflow does not ship,
        // a recipe without steps.
        for text in [
            "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\ntype: pipeline\njobs:\n  train:\n    command: python train.py\n",
            "template: \"forecasting/v9\"\nsteps:\n  train:\n    using: custom\n",
            "recipe: regression/v1\n",
            "# recipe: regression/v1\nsteps:\n  train: {}\n",
        ] {
            let out = detect("pipeline.yaml", text, &[]);
            assert!(out.evidence.is_empty() && out.units.is_empty(), "{text}");
        }
    }

    /// Scanned whole: which recipe evidence a launcher reaches.
    fn reached(files: &[(&str, &str)]) -> Vec<String> {
        let scan = crate::scan_in_memory(files, &crate::ScanOptions::default());
        let mut r: Vec<String> =
            scan.evidence.iter().filter(|e| e.detector == NAME && e.attrs.get("reached").is_some()).map(|e| e.kind.to_string()).collect();
        r.sort();
        r
    }

    #[test]
    fn the_cli_and_python_reach_the_steps_they_run() {
        let ci = |run: &str| format!("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {run}\n");
        let all = ["code.data-prep", "code.eval-gate", "code.model-version", "code.track", "code.train"];
        // The CLI in the recipe's folder: `--step register` runs everything before it.
        let wf = ci("cd training && mlflow recipes run --step register --profile ci");
        assert_eq!(reached(&[(".github/workflows/t.yml", &wf), ("training/recipe.yaml", RECIPE)]), all);
        // Ingest only: no training ran.
        let wf = ci("cd training && mlflow recipes run -s ingest --profile ci");
        assert_eq!(reached(&[(".github/workflows/t.yml", &wf), ("training/recipe.yaml", RECIPE)]), ["code.data-prep"]);
        // In another folder than the recipe's: nothing.
        let wf = ci("mlflow recipes run --profile ci");
        assert!(reached(&[(".github/workflows/t.yml", &wf), ("training/recipe.yaml", RECIPE)]).is_empty());
        // Python in a folder under the recipe's, run by CI: `.run("train")`
        // runs up to train, `.run()` the whole recipe.
        let wf = ci("python training/jobs/retrain.py");
        let py = |call: &str| format!("from mlflow.recipes import Recipe\n\nr = Recipe(profile='ci')\nr.{call}\n");
        let files = |py: String| {
            vec![(".github/workflows/t.yml", wf.clone()), ("training/recipe.yaml", RECIPE.to_string()), ("training/jobs/retrain.py", py)]
        };
        let run = |call: &str| {
            let f = files(py(call));
            reached(&f.iter().map(|(p, t)| (*p, t.as_str())).collect::<Vec<_>>())
        };
        assert_eq!(run("run(\"train\")"), ["code.data-prep", "code.track", "code.train"]);
        assert_eq!(run("run()"), all);
        assert!(run("inspect(\"train\")").is_empty());
        // Commented out: no run.
        assert!(run("inspect()\n# r.run(\"train\")").is_empty());
        // A `.run()` in a module that does not import MLflow Recipes is not one.
        let f = files("import threading\nt = threading.Thread(target=print)\nt.run()\n".into());
        assert!(reached(&f.iter().map(|(p, t)| (*p, t.as_str())).collect::<Vec<_>>()).is_empty());
    }

    #[test]
    fn placeholders_filled_from_a_profile_are_read_as_values() {
        // Not YAML until MLflow renders it: a placeholder with a default list.
        let text = RECIPE
            .replace("using: parquet", "using: {{INGEST_USING|default('parquet')}}")
            .replace("split_ratios: [0.8, 0.1, 0.1]", "split_ratios: {{SPLIT_RATIOS|default([0.75, 0.125, 0.125])}}")
            .replace("  ingest:\n    using", "{% if true %}\n  ingest:\n    using");
        assert!(yaml::parse(&text).is_err());
        let out = detect("recipe.yaml", &text, &[]);
        let lines: Vec<(String, u32)> = out.evidence.iter().map(|(e, _)| (e.kind.to_string(), e.location.start_line)).collect();
        let plain = detect("recipe.yaml", RECIPE, &[]);
        // The `{% if %}` line comes before `ingest:` (line 4): what follows is one line lower.
        let at = |l: u32| if l >= 4 { l + 1 } else { l };
        let shifted: Vec<(String, u32)> = plain.evidence.iter().map(|(e, _)| (e.kind.to_string(), at(e.location.start_line))).collect();
        assert_eq!(lines, shifted);
        assert_eq!(without_jinja("a: \"{{X}}/y\" # {{ z }}\n"), "a: \"JINJA/y\" # JINJA\n");
        assert_eq!(without_jinja("unclosed: {{X\n"), "unclosed: {{X\n");
    }

    #[test]
    fn a_run_reaches_the_step_and_those_before_it() {
        assert_eq!(upstream(Some("train")), ["ingest", "split", "transform", "train"]);
        assert_eq!(upstream(Some("ingest")), ["ingest"]);
        assert_eq!(upstream(None).last(), Some(&"register"));
        assert_eq!(upstream(Some("predict")), ["ingest_scoring", "predict"]);
        assert!(upstream(Some("nonsense")).is_empty());
    }
}
