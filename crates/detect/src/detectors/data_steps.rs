//! Data steps of ML pipelines defined as code, shared by the Python, Azure ML
//! and Databricks detectors.
//!
//! RUBRIC (`L1.data.pipeline`): data acquisition or preparation is code run by
//! a pipeline (a DVC stage, a pipeline step, an orchestrator task). A step of
//! a platform pipeline whose name or script says it ingests or prepares data
//! is such code, whoever submits the pipeline (the same holds for DVC stages).
//!
//! Read here:
//! - platform step constructors in Python: SageMaker `ProcessingStep(...)` and
//!   function steps `step(fn, name=...)`, Azure ML SDK v1
//!   `PythonScriptStep(...)`, named by `name=`, `display_name=`,
//!   `script_name=`, `code=`, `entry_point=`, the function they wrap or the
//!   variable they are assigned to;
//! - steps that are data steps by construction: TFX `*ExampleGen(...)` and
//!   `Transform(...)`, Azure ML `DataTransferStep(...)`, Google Cloud
//!   pipeline components `Bigquery*Op`, `Dataflow*Op`, `*DatasetCreateOp`.
//!
//! Emitted: `code.data-prep` with `op=pipeline-step`.
//!
//! Not evidence: a step named for training, evaluation, scoring or
//! registration (`ProcessingStep(name="EvaluateModel")`), a constructor whose
//! SDK the file does not import, anything in comments or docstrings (the
//! caller passes masked text).
//!
//! Example: `step_process = ProcessingStep(name="PreprocessData", code="prep.py")`.
//!
//! Also read here, [`data_versions`]: data registered as a new version of a
//! dataset (`code.data-prep op=register`: W&B artifacts of type `dataset`,
//! Azure ML SDK v1 `Dataset.*.from_*` + `.register(`, SDK v2
//! `ml_client.data.create_or_update`, Vertex `*Dataset.create`), and the model
//! tied to that data (`lineage.data-version`: a model registered with
//! `datasets=` (Azure ML v1), a W&B dataset artifact used by the training run).

use crate::evidence::{Confidence, Evidence};
use regex::bytes::Regex;
use std::sync::LazyLock;

/// True when a step, task or job name says it acquires or prepares data and
/// does not name a model stage. Read by whole words, split at any
/// non-alphanumeric character, digits and camelCase humps (`prep_data`,
/// `PreprocessData`, `"Prepare Dataset"`, `ingestOrders`, `build_features`,
/// `clean.py`): one word is a data verb or noun, and no word names training,
/// evaluation, scoring, registration, deployment, monitoring, tests or batch
/// jobs (`train_step`, `EvaluateModel`, `load_model`). Train/test splits
/// (`train_test_split`) are data steps. Whole words keep `upload_report`,
/// `dataclass_task` and a teardown `clean_up` out.
pub fn is_data_step_name(name: &str) -> bool {
    const STEMS: &[&str] = &[
        "load",
        "ingest",
        "extract",
        "prepar",
        "preprocess",
        "clean",
        "split",
        "fetch",
        "download",
        "featur",
        "collect",
        "etl",
        "dataprep",
        "acquir",
        "snapshot",
        "transform",
    ];
    const WORDS: &[&str] = &["prep", "read", "query", "data", "dataset", "datasets", "dataframe"];
    const MODEL: &[&str] = &["model", "train", "eval", "scor", "predict", "infer", "regist", "deploy", "monitor", "test", "batch"];
    let mut words: Vec<String> = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphabetic()) {
        let mut cur = String::new();
        let mut prev_lower = false;
        for c in part.chars() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase();
            cur.push(c.to_ascii_lowercase());
        }
        if !cur.is_empty() {
            words.push(cur);
        }
    }
    let split = words.iter().any(|w| w.starts_with("split"));
    let model_word = |w: &String| MODEL.iter().any(|m| w.starts_with(m)) && !(split && (w.starts_with("train") || w.starts_with("test")));
    if words.iter().any(model_word) {
        return false;
    }
    words.iter().enumerate().any(|(i, w)| {
        let teardown = w == "clean" && words.get(i + 1).is_some_and(|n| n == "up");
        !teardown && (STEMS.iter().any(|s| w.starts_with(s)) || WORDS.contains(&w.as_str()))
    })
}

static RX_STEP_CTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)(?:\b(\w+)[ \t]*=[ \t]*)?(?:\b|@)(ProcessingStep|PythonScriptStep|DataTransferStep|\w*ExampleGen|Transform|Bigquery\w*Op|Dataflow\w*Op|\w*DatasetCreateOp|step)[ \t]*\(",
    )
    .unwrap()
});
static RX_NAMING_ARG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)\b(?:name|display_name|script_name|code|entry_point|source_script)\s*=\s*([^,\n]*)"#).unwrap());
static RX_FIRST_IDENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)^\s*([A-Za-z_]\w*)\s*[,)]").unwrap());

/// The SDK a step constructor belongs to, and whether it is a data step by
/// construction (no name needed).
fn ctor_sdk(ctor: &str) -> (&'static [&'static str], bool) {
    match ctor {
        "ProcessingStep" | "step" => (&["sagemaker"], false),
        "PythonScriptStep" => (&["azureml"], false),
        "DataTransferStep" => (&["azureml"], true),
        "Transform" => (&["tfx"], true),
        c if c.ends_with("ExampleGen") => (&["tfx"], true),
        _ => (&["google_cloud_pipeline_components"], true),
    }
}

/// Data steps of platform pipelines in masked Python `bytes`: one
/// `code.data-prep op=pipeline-step` per file at the first such step.
/// `imports_any` answers whether the file imports one of the given modules;
/// `mk(kind, tool, offset, confidence)` builds located evidence.
pub fn platform_data_steps(
    bytes: &[u8],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    for c in RX_STEP_CTOR.captures_iter(bytes) {
        let whole = c.get(0).unwrap();
        let ctor = String::from_utf8_lossy(&c[2]).into_owned();
        let ctor_start = c.get(2).unwrap().start();
        // `x.step(` or `my_step(` are not the constructor.
        if ctor_start > 0 && matches!(bytes[ctor_start - 1], b'.' | b'_' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') {
            continue;
        }
        let (sdk, by_construction) = ctor_sdk(&ctor);
        if !imports_any(sdk) {
            continue;
        }
        let args_start = whole.end();
        let Some(close) = crate::pylex::closing_paren(&bytes[args_start..]) else { continue };
        let args = &bytes[args_start..args_start + close];
        let mut names: Vec<String> = c.get(1).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).into_iter().collect();
        names.extend(RX_NAMING_ARG.captures_iter(args).map(|a| String::from_utf8_lossy(&a[1]).into_owned()));
        if ctor == "step" {
            // `step(preprocess, name=...)` wraps a function: its name counts.
            names.extend(RX_FIRST_IDENT.captures(args).map(|a| String::from_utf8_lossy(&a[1]).into_owned()));
            // `@step` with no name decorates the function defined below it.
            if bytes[..whole.start()].ends_with(b"@") || whole.as_bytes().starts_with(b"@") {
                let rest = &bytes[args_start + close..];
                if let Some(d) = RX_DEF_NAME.captures(rest) {
                    names.push(String::from_utf8_lossy(&d[1]).into_owned());
                }
            }
        }
        let named_data = names.iter().any(|n| is_data_step_name(n));
        let named_model = names.iter().any(|n| !n.trim().is_empty() && !is_data_step_name(n) && is_model_step_name(n));
        if (by_construction || named_data) && !named_model {
            let tool = match sdk[0] {
                "google_cloud_pipeline_components" => "vertex",
                s => s,
            };
            ev.push(mk("code.data-prep", tool, ctor_start, Confidence::Medium).attr("op", "pipeline-step"));
            return;
        }
    }
}

static RX_DEF_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^[^\n]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)").unwrap());

/// True when a name says model work (training, evaluation, scoring, registration).
fn is_model_step_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["model", "train", "eval", "score", "scoring", "predict", "infer", "register", "deploy", "monitor", "batch"]
        .iter()
        .any(|w| l.contains(w))
}

static RX_WANDB_DATA_ARTIFACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)\bArtifact\s*\([^)]*\btype\s*=\s*["'][^"']*data[^"']*["']"#).unwrap());
static RX_WANDB_USE_DATA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)\buse_artifact\s*\([^)]*(?:\btype\s*=\s*["'][^"']*data|["'][^"']*data[^"']*["'])"#).unwrap());
static RX_AML_V1_DATASET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)\b(?:Dataset\.(?:Tabular|File)\.from_\w+|TabularDatasetFactory\.from_\w+|FileDatasetFactory\.from_\w+)\s*\(").unwrap()
});
static RX_REGISTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\.register(?:_model)?\s*\(").unwrap());
static RX_AML_V2_DATA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\.data\.create_or_update\s*\(").unwrap());
static RX_VERTEX_DATASET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b(?:Tabular|Image|Text|TimeSeries|Video)Dataset\.create\s*\(").unwrap());

/// Data registered as a dataset version, and models tied to a dataset
/// version, in masked Python `bytes` (see the module documentation).
/// `trains` says whether the same file trains a model.
pub fn data_versions(
    bytes: &[u8],
    trains: bool,
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    let register = |tool: &str, at: usize| mk("code.data-prep", tool, at, Confidence::Medium).attr("op", "register");
    if imports_any(&["wandb"]) {
        if let Some(m) = RX_WANDB_DATA_ARTIFACT.find(bytes).filter(|_| contains(bytes, b"log_artifact(")) {
            ev.push(register("wandb", m.start()));
        }
        // W&B records the dataset version a run consumes with the run's outputs.
        if let Some(m) = trains.then(|| RX_WANDB_USE_DATA.find(bytes)).flatten() {
            ev.push(mk("lineage.data-version", "wandb", m.start(), Confidence::Medium).attr("how", "wandb-artifact"));
        }
    }
    if imports_any(&["azureml"]) {
        if let Some(m) = RX_AML_V1_DATASET.find(bytes) {
            if RX_REGISTER.find_at(bytes, m.end()).is_some() {
                ev.push(register("azureml", m.start()));
            }
        }
        // `Model.register(..., datasets=[("training data", ds)])`.
        for m in RX_REGISTER.find_iter(bytes) {
            let Some(close) = crate::pylex::closing_paren(&bytes[m.end()..]) else { continue };
            let args = &bytes[m.end()..m.end() + close];
            if contains(args, b"datasets") && (contains(args, b"model_name") || contains(args, b"model_path")) {
                ev.push(mk("lineage.data-version", "azureml", m.start(), Confidence::High).attr("how", "model-datasets"));
                break;
            }
        }
    }
    if imports_any(&["azure.ai.ml"]) {
        if let Some(m) = RX_AML_V2_DATA.find(bytes) {
            ev.push(register("azureml", m.start()));
        }
    }
    if imports_any(&["google.cloud.aiplatform"]) {
        if let Some(m) = RX_VERTEX_DATASET.find(bytes) {
            ev.push(register("vertex", m.start()));
        }
    }
}

/// A reference to another step's output artifact: KFP / TFX / Azure ML SDK v2
/// `step.outputs["x"]`, `step.outputs.x`, `step.output`, SageMaker
/// `step.properties.ProcessingOutputConfig`.
static RX_STEP_OUTPUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)[\w)]\s*\.(?:outputs?\b|properties\s*\.\s*ProcessingOutputConfig\b)").unwrap());
/// A statement that binds a name at the start of a line (`train_ds = (`).
static RX_ASSIGN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m-u)^[ \t]*([A-Za-z_]\w*)[ \t]*=[^=]").unwrap());
/// A call of a step, component or input whose name says training
/// (`TrainingInput(`, `Trainer(`, `train_op(`, `run_training_job(`, `fit_model(`).
static RX_TRAIN_CALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b(\w*(?:[Tt]rain|TRAIN|[Ff]it_|_fit\b|Fit[A-Z])\w*)[ \t]*\(").unwrap());
/// A keyword argument that carries data (`examples=`, `s3_data=`, `training_data=`).
static RX_DATA_KWARG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b\w*(?:[Dd]ata|[Ee]xamples?|DATA)\w*[ \t]*=[ \t]*([^=])").unwrap());

/// Data lineage recorded by an ML pipeline (KFP, TFX, SageMaker, Azure ML
/// SDK v2) in masked Python `bytes`: a training step or input whose data
/// argument is another step's output artifact (`TrainingInput(s3_data=
/// prep.properties.ProcessingOutputConfig...)`, `Trainer(examples=
/// gen.outputs["examples"])`, `train_op(train_data=ds)` where `ds = (...).outputs["dataset"]`).
/// The pipeline's metadata store then ties each model to the data artifact
/// it was trained on, but the source data itself is not versioned (RUBRIC
/// `L3.lineage.data`: partial): `lineage.data-version how=pipeline-artifact`.
/// Not evidence: a `def train(...)` signature, a data argument that is a
/// literal or a pipeline parameter, a file that imports no pipeline SDK.
pub fn pipeline_artifact_lineage(
    bytes: &[u8],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    const SDKS: &[(&str, &str)] = &[("kfp", "kfp"), ("tfx", "tfx"), ("sagemaker", "sagemaker"), ("azure.ai.ml", "azureml")];
    let Some(tool) = SDKS.iter().find(|(m, _)| imports_any(&[m])).map(|(_, t)| *t) else { return };
    if !RX_STEP_OUTPUT.is_match(bytes) {
        return;
    }
    // Names bound to a step's output artifact, one pass over the statements.
    let mut artifacts: Vec<&[u8]> = Vec::new();
    for c in RX_ASSIGN.captures_iter(bytes) {
        let rhs_start = c.get(0).unwrap().end() - 1;
        let rest = &bytes[rhs_start..];
        // The statement runs to the first newline outside brackets.
        let mut depth = 0usize;
        let end = rest
            .iter()
            .position(|&b| {
                match b {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                b == b'\n' && depth == 0
            })
            .unwrap_or(rest.len());
        if RX_STEP_OUTPUT.is_match(&rest[..end]) {
            artifacts.push(c.get(1).unwrap().as_bytes());
        }
    }
    for c in RX_TRAIN_CALL.captures_iter(bytes) {
        let whole = c.get(0).unwrap();
        let Some(args) = call_args(bytes, whole.start(), whole.end()) else { continue };
        for k in RX_DATA_KWARG.captures_iter(args) {
            // `metadata=` and `model_data=` carry no training data.
            let key = k.get(0).unwrap().as_bytes().to_ascii_lowercase();
            if contains(&key, b"metadata") || contains(&key, b"model_data") {
                continue;
            }
            let v_start = k.get(1).unwrap().start();
            let v_end = crate::pylex::top_level_comma(&args[v_start..]).map_or(args.len(), |e| v_start + e);
            let value = args[v_start..v_end].trim_ascii();
            if RX_STEP_OUTPUT.is_match(value) || artifacts.contains(&value) {
                ev.push(mk("lineage.data-version", tool, whole.start(), Confidence::Medium).attr("how", "pipeline-artifact"));
                return;
            }
        }
    }
}

/// A dict key naming the training data (`"dataset_id":`, `"data_version":`,
/// `"training_data_uri":`), not `"metadata"`.
static RX_DATA_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)["'](?:\w*_)?(?:dataset|train(?:ing)?_data|data_(?:version|uri|source|commit|hash|snapshot|asset))\w*["']\s*:"#)
        .unwrap()
});
/// A call that may register or upload a model (`aiplatform.Model.upload(`,
/// `register_model(`, `upload_model_op(`, `Model(`).
static RX_CALLEE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b([A-Za-z_][\w.]*)[ \t]*\(").unwrap());
/// A keyword argument carrying labels or tags.
static RX_LABEL_KWARG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b(?:labels|tags|customer_metadata_properties)[ \t]*=[ \t]*([^=])").unwrap());

/// True when a callee registers or uploads a model.
fn registers_model(callee: &str) -> bool {
    let l = callee.to_ascii_lowercase();
    let last = callee.rsplit('.').next().unwrap_or(callee);
    last == "Model"
        || last == "ModelPackage"
        || l.contains("model") && ["upload", "register", "push", "create", "log_model", "version"].iter().any(|w| l.contains(w))
}

/// A model registered or uploaded with labels or tags that name its training
/// data (`aiplatform.Model.upload(..., labels={"dataset_id": ds})`, a name
/// bound to such a dict passed as `labels=`): the model is tagged with its
/// data (RUBRIC `L3.lineage.data` met): `lineage.data-version how=model-tags`.
/// Not evidence: tags naming only the pipeline or owner, a dict that no model
/// call receives, a file importing no ML platform SDK.
pub fn model_data_labels(
    bytes: &[u8],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    const SDKS: &[&str] =
        &["google.cloud.aiplatform", "mlflow", "sagemaker", "azure.ai.ml", "azureml", "kfp", "tfx", "wandb", "clearml", "boto3"];
    if !imports_any(SDKS) || !RX_DATA_KEY.is_match(bytes) {
        return;
    }
    let dict_end = |from: usize| -> usize {
        let rest = &bytes[from..];
        match rest.first() {
            Some(b'{') => crate::pylex::closing_paren(&rest[1..]).map_or(rest.len(), |e| e + 2),
            _ => 0,
        }
    };
    // Names bound to a dict literal with a data key.
    let mut data_dicts: Vec<&[u8]> = Vec::new();
    for c in RX_ASSIGN.captures_iter(bytes) {
        let mut at = c.get(0).unwrap().end() - 1;
        while at < bytes.len() && matches!(bytes[at], b' ' | b'\t') {
            at += 1;
        }
        let end = dict_end(at);
        if end > 0 && RX_DATA_KEY.is_match(&bytes[at..at + end]) {
            data_dicts.push(c.get(1).unwrap().as_bytes());
        }
    }
    for c in RX_CALLEE.captures_iter(bytes) {
        let callee = String::from_utf8_lossy(&c[1]);
        if !registers_model(&callee) {
            continue;
        }
        let whole = c.get(0).unwrap();
        let Some(args) = call_args(bytes, whole.start(), whole.end()) else { continue };
        for k in RX_LABEL_KWARG.captures_iter(args) {
            let v_start = k.get(1).unwrap().start();
            let v_end = crate::pylex::top_level_comma(&args[v_start..]).map_or(args.len(), |e| v_start + e);
            let value = args[v_start..v_end].trim_ascii();
            let literal = value.starts_with(b"{") && RX_DATA_KEY.is_match(value);
            if literal || data_dicts.contains(&value) {
                ev.push(mk("lineage.data-version", "", whole.start(), Confidence::Medium).attr("how", "model-tags"));
                return;
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The argument text of the call whose name spans `start..end` (ending at
/// its opening parenthesis), unless the line defines a function of that name.
fn call_args(bytes: &[u8], start: usize, end: usize) -> Option<&[u8]> {
    let line_start = bytes[..start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if bytes[line_start..start].trim_ascii_start().starts_with(b"def ") {
        return None;
    }
    let close = crate::pylex::closing_paren(&bytes[end..])?;
    Some(&bytes[end..end + close])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Location;

    fn run(src: &str, imports: &[&str]) -> Vec<Evidence> {
        let masked = crate::pylex::mask(src);
        let bytes = masked.as_bytes();
        let imports_any = |needs: &[&str]| needs.iter().any(|n| imports.contains(n));
        let mk = |kind: &str, tool: &str, _at: usize, c: Confidence| {
            Evidence::new(kind, "python", Location::line("p.py", 1), c, "").attr("tool", tool)
        };
        let mut ev = Vec::new();
        platform_data_steps(bytes, &imports_any, &mk, &mut ev);
        ev
    }

    fn versions(src: &str, trains: bool, imports: &[&str]) -> Vec<(String, String)> {
        let masked = crate::pylex::mask(src);
        let imports_any = |needs: &[&str]| needs.iter().any(|n| imports.contains(n));
        let mk = |kind: &str, tool: &str, _at: usize, c: Confidence| {
            Evidence::new(kind, "python", Location::line("p.py", 1), c, "").attr("tool", tool)
        };
        let mut ev = Vec::new();
        data_versions(masked.as_bytes(), trains, &imports_any, &mk, &mut ev);
        ev.into_iter()
            .map(|e| (e.kind.to_string(), e.attrs.get("op").or(e.attrs.get("how")).map(str::to_string).unwrap_or_default()))
            .collect()
    }

    #[test]
    fn wandb_dataset_artifacts() {
        let log = "import wandb\nrun = wandb.init()\nart = wandb.Artifact(\"rows\", type=\"dataset\")\nrun.log_artifact(art)\n";
        assert_eq!(versions(log, false, &["wandb"]), vec![("code.data-prep".into(), "register".into())]);
        // A model artifact is not data.
        assert!(versions(&log.replace("dataset", "model"), false, &["wandb"]).is_empty());
        let use_ = "import wandb\nart = wandb.use_artifact(\"team/rows:latest\", type=\"dataset\")\n";
        assert_eq!(versions(use_, true, &["wandb"]), vec![("lineage.data-version".into(), "wandb-artifact".into())]);
        // Used outside training, nothing ties it to a model.
        assert!(versions(use_, false, &["wandb"]).is_empty());
    }

    #[test]
    fn azureml_v1_dataset_register_and_model_datasets() {
        let src = "from azureml.core import Dataset, Model\nds = Dataset.Tabular.from_delimited_files(path=p)\nds = ds.register(ws, name=\"rows\", create_new_version=True)\nModel.register(workspace=ws, model_name=\"m\", model_path=\"out\", datasets=[(\"training data\", ds)])\n";
        let v = versions(src, false, &["azureml"]);
        assert!(v.contains(&("code.data-prep".into(), "register".into())), "{v:?}");
        assert!(v.contains(&("lineage.data-version".into(), "model-datasets".into())), "{v:?}");
        // A model registered without its data ties nothing; no dataset registered either.
        let src = "from azureml.core import Model\nModel.register(workspace=ws, model_name=\"m\", model_path=\"out\", tags={\"a\": 1})\n";
        assert!(versions(src, false, &["azureml"]).is_empty());
        // A comment is not code.
        let src = "from azureml.core import Model\n# Model.register(workspace=ws, model_name=\"m\", model_path=\"out\", datasets=[d])\n";
        assert!(versions(src, false, &["azureml"]).is_empty());
    }

    fn lineage(src: &str, imports: &[&str]) -> Vec<String> {
        let masked = crate::pylex::mask(src);
        let imports_any = |needs: &[&str]| needs.iter().any(|n| imports.contains(n));
        let mk = |kind: &str, tool: &str, _at: usize, c: Confidence| {
            Evidence::new(kind, "python", Location::line("p.py", 1), c, "").attr("tool", tool)
        };
        let mut ev = Vec::new();
        pipeline_artifact_lineage(masked.as_bytes(), &imports_any, &mk, &mut ev);
        ev.into_iter().map(|e| format!("{}:{}", &e.attrs["tool"], &e.attrs["how"])).collect()
    }

    #[test]
    fn training_fed_by_a_step_output_is_pipeline_lineage() {
        // SageMaker: a processing step's output is the training input.
        let sm = "from sagemaker.inputs import TrainingInput\nfit = TrainingStep(name=\"Fit\", inputs={\"rows\": TrainingInput(\n    s3_data=shape.properties.ProcessingOutputConfig.Outputs[\"rows\"].S3Output.S3Uri)})\n";
        assert_eq!(lineage(sm, &["sagemaker"]), vec!["sagemaker:pipeline-artifact"]);
        // TFX: the trainer reads the example generator's artifact.
        let tfx = "from tfx.components import Trainer\nlearner = Trainer(module_file=m, examples=gen.outputs[\"examples\"])\n";
        assert_eq!(lineage(tfx, &["tfx"]), vec!["tfx:pipeline-artifact"]);
        // KFP: through a name bound (over several lines) to a step's output.
        let kfp = "from kfp import dsl\nrows = (\n    pull_rows(table=t)\n    .set_display_name(\"pull\")\n).outputs[\"dataset\"]\nfit = fit_and_train_op(input_data=rows, epochs=3)\n";
        assert_eq!(lineage(kfp, &["kfp"]), vec!["kfp:pipeline-artifact"]);
        // Azure ML SDK v2: a component named for fitting reads the prep step's output.
        let aml = "from azure.ai.ml import dsl\nfitted = fit_rows(rows_data=shape.outputs.rows)\n";
        assert_eq!(lineage(aml, &["azure.ai.ml"]), vec!["azureml:pipeline-artifact"]);
    }

    #[test]
    fn training_on_literals_parameters_or_comments_is_not() {
        // Data given as a literal or a pipeline parameter: nothing records which data.
        let kfp = "from kfp import dsl\nrows = gen().outputs[\"dataset\"]\nfit = train_op(input_data=\"gs://b/rows.csv\", epochs=rows)\n";
        assert!(lineage(kfp, &["kfp"]).is_empty(), "only a data argument counts");
        // A function signature is not a call.
        let sig = "from kfp import dsl\ndef train_op(input_data=prep.outputs[\"x\"]):\n    pass\n";
        assert!(lineage(sig, &["kfp"]).is_empty());
        // Metadata or a model artifact handed to a training call is not its data.
        let meta = "from kfp import dsl\nfit = train_op(metadata=prep.outputs[\"m\"], model_data=old.outputs[\"model\"])\n";
        assert!(lineage(meta, &["kfp"]).is_empty());
        // A commented-out step is not code; a file without a pipeline SDK is not a pipeline.
        let tfx = "from tfx.components import Trainer\n# learner = Trainer(examples=gen.outputs[\"examples\"])\n";
        assert!(lineage(tfx, &["tfx"]).is_empty());
        assert!(lineage("learner = Trainer(examples=gen.outputs[\"examples\"])\n", &[]).is_empty());
    }

    fn labels(src: &str, imports: &[&str]) -> usize {
        let masked = crate::pylex::mask(src);
        let imports_any = |needs: &[&str]| needs.iter().any(|n| imports.contains(n));
        let mk = |kind: &str, _tool: &str, _at: usize, c: Confidence| Evidence::new(kind, "python", Location::line("p.py", 1), c, "");
        let mut ev = Vec::new();
        model_data_labels(masked.as_bytes(), &imports_any, &mk, &mut ev);
        assert!(ev.iter().all(|e| e.attrs["how"] == *"model-tags"));
        ev.len()
    }

    #[test]
    fn models_labelled_with_their_data() {
        let direct = "from google.cloud import aiplatform\naiplatform.Model.upload(\n    display_name=\"churn\",\n    labels={\n        \"dataset_id\": ds_id,\n        \"owner\": \"team\",\n    },\n)\n";
        assert_eq!(labels(direct, &["google.cloud.aiplatform"]), 1);
        // Through a name bound to the dict, given to a component that uploads the model.
        let bound = "from kfp import dsl\nmarks = {\"training_data_uri\": rows.uri, \"run\": r}\nup = push_model_to_registry(model=m, labels=marks)\n";
        assert_eq!(labels(bound, &["kfp"]), 1);
        let tags = "import mlflow\nmlflow.register_model(uri, \"churn\", tags={\"data_version\": v})\n";
        assert_eq!(labels(tags, &["mlflow"]), 1);
    }

    #[test]
    fn labels_without_data_or_not_on_a_model_are_not_lineage() {
        // Labels naming the pipeline only; metadata is not data.
        let src =
            "from google.cloud import aiplatform\naiplatform.Model.upload(display_name=\"m\", labels={\"pipeline\": p, \"metadata\": x})\n";
        assert_eq!(labels(src, &["google.cloud.aiplatform"]), 0);
        // A data dict given to something that is not a model.
        let src =
            "from google.cloud import aiplatform\nmarks = {\"dataset_id\": d}\naiplatform.PipelineJob(display_name=\"p\", labels=marks)\n";
        assert_eq!(labels(src, &["google.cloud.aiplatform"]), 0);
        // Commented out, or no ML SDK imported.
        let src = "from google.cloud import aiplatform\n# aiplatform.Model.upload(labels={\"dataset_id\": d})\n";
        assert_eq!(labels(src, &["google.cloud.aiplatform"]), 0);
        assert_eq!(labels("Model.upload(labels={\"dataset_id\": d})\n", &[]), 0);
    }

    #[test]
    fn names_that_say_data() {
        assert!(is_data_step_name("prep_data"));
        assert!(is_data_step_name("\"Prepare Dataset\""));
        assert!(is_data_step_name("Ingest_Raw"));
        assert!(!is_data_step_name("train_step"));
        assert!(!is_data_step_name("\"EvaluateModel\""));
        assert!(!is_data_step_name("register"));
        for yes in [
            "load_raw",
            "ingestOrders",
            "split_data",
            "build_features",
            "featurize",
            "read_csv_task",
            "DataPrep",
            "clean_text",
            "get_dataset",
            "etl",
            "ETL_job",
            "set_dataprep_args",
            "train_test_split",
            "os.path.join(BASE, \"clean.py\")",
            "snapshot-tables",
        ] {
            assert!(is_data_step_name(yes), "{yes}");
        }
        for no in [
            "upload_report",
            "dataclass_task",
            "clean_up",
            "cleanUp",
            "train_model",
            "load_model",
            "already_done",
            "spreadsheet",
            "unreadable",
            "prepend",
            "score_batch_data",
            "test_data_load",
            "evaluate.py",
        ] {
            assert!(!is_data_step_name(no), "{no}");
        }
    }

    #[test]
    fn processing_step_named_for_preprocessing_is_a_data_step() {
        let src = "from sagemaker.workflow.steps import ProcessingStep\nprocess = ProcessingStep(\n    name=\"CleanRows\",\n    processor=p,\n    code=os.path.join(BASE, \"clean.py\"),\n)\n";
        let ev = run(src, &["sagemaker"]);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].attrs.get("op"), Some("pipeline-step"));
    }

    #[test]
    fn evaluation_step_and_unimported_sdk_are_not() {
        let src = "step_eval = ProcessingStep(name=\"CheckQuality\", code=\"evaluate.py\")\n";
        assert!(run(src, &["sagemaker"]).is_empty());
        let src = "prep = ProcessingStep(name=\"PrepRows\", code=\"prep.py\")\n";
        assert!(run(src, &[]).is_empty());
        // A commented-out step is not code.
        let src = "# prep = ProcessingStep(name=\"PrepRows\", code=\"prep.py\")\n";
        assert!(run(src, &["sagemaker"]).is_empty());
    }

    #[test]
    fn function_step_and_script_step() {
        let src = "rows = step(shape_rows, name=\"Shape_Input_Rows\")(uri)\nfit = step(fit_it, name=\"Fit\")(rows)\n";
        assert!(run(src, &["sagemaker"]).is_empty(), "neither name says data");
        let src = "rows = step(prepare_rows, name=\"Rows\")(uri)\n";
        assert_eq!(run(src, &["sagemaker"]).len(), 1);
        let src = "s = PythonScriptStep(name=\"Build features\", script_name=\"build.py\", source_directory=d)\n";
        assert_eq!(run(src, &["azureml"]).len(), 1);
        let src = "s = PythonScriptStep(name=\"Fit\", script_name=\"train_model.py\", source_directory=d)\n";
        assert!(run(src, &["azureml"]).is_empty());
    }

    #[test]
    fn data_steps_by_construction() {
        let src = "gen = CsvExampleGen(input_base=root)\n";
        assert_eq!(run(src, &["tfx"]).len(), 1);
        assert!(run(src, &["sagemaker"]).is_empty());
        let src = "q = BigqueryQueryJobOp(query=sql, project=p)\n";
        assert_eq!(run(src, &["google_cloud_pipeline_components"]).len(), 1);
    }
}
