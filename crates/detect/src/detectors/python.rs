//! Python source: what the code does with ML tools, resolved through its
//! imports (`import mlflow as mf; mf.log_metric(...)`, `from mlflow import
//! log_metric`), with comments and docstrings blanked first so that a call in
//! a comment or a docstring is never evidence.
//!
//! Emits `code.*` evidence (training, tracking, model versioning, scoring,
//! monitoring, deployment, traffic splits, evaluation gates, champion /
//! challenger comparisons, pipeline triggers, compute, data preparation,
//! hard-coded credentials) and the unit `file:<path>` that calls the local
//! modules it imports and the commands it spawns (`subprocess`, SDK job
//! `command=` strings). Calls into a module the repository defines itself
//! (the source of a tracking library) are that library's code, not usage.
//! Example: `mlflow.log_metric("auc", auc)` -> `code.track tool=mlflow`.

use crate::evidence::{Confidence, Evidence, Location};
use crate::pylex::{self, Import, LineIndex};
use crate::{Cmd, Detector, FileCtx, Output, RepoIndex, Unit};
use regex::bytes::Regex;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

/// The Python detector.
pub struct Python;

const NAME: &str = "python";

impl Detector for Python {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        // Extension-less programs (`container/train`, the SageMaker
        // bring-your-own-container convention) when their shebang is Python.
        (path.ends_with(".py") && !path.ends_with("noxfile.py") && !path.ends_with("setup.py")) || !name.contains('.')
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !f.path.ends_with(".py") && !f.text.lines().next().is_some_and(|l| l.starts_with("#!") && l.contains("python")) {
            return;
        }
        let unit_id = format!("file:{}", f.path);
        let facts = analyze(f.path, f.text, f.repo, NAME, false);
        let mut unit = Unit::new(unit_id.clone(), Location::line(f.path, 1), f.path);
        // Code imported by a test is exercised, not launched: tests get no edges.
        if !is_test_path(f.path) {
            unit.calls = facts.local_imports.iter().map(|(p, l)| (format!("file:{p}"), Location::line(f.path, *l))).collect();
            // The config folder a Hydra entry point composes its config from.
            for (p, l) in &facts.config_files {
                unit.calls.push((format!("file:{p}"), Location::line(f.path, *l)));
            }
            // A Mage block starting another pipeline.
            unit.calls.extend(super::mage::pipeline_calls(f.path, f.text, f.repo));
        }
        unit.commands = facts.commands;
        // A DAG or flow that schedules itself (or reacts to a sensor), or an
        // in-process scheduler, is a root.
        for e in facts.evidence.iter().filter(|e| e.kind == "code.pipeline-def" || e.kind == "ci.trigger") {
            if let Some(t) = e.attrs.get("trigger") {
                unit.root = true;
                unit.triggers.insert(t.to_string());
                // Sensors and data-aware schedules: an outside event starts it.
                if t == "external" {
                    unit.triggers.insert(super::EVENT.to_string());
                }
            }
        }
        unit.calls.extend(facts.dag_calls);
        // A block run on drift calls into other modules from its own lines,
        // so the linker can tell what the gate starts.
        for g in &facts.drift_gates {
            unit.calls.extend(g.calls.iter().map(|(p, l)| (format!("file:{p}"), Location::line(f.path, *l))));
            super::drift_gate(out, NAME, f.path, g.lines.0, g.lines.1, &g.cond, &unit_id);
        }
        for e in facts.evidence {
            out.push_in(e, &unit_id);
        }
        // The file's own unit first (held compactly when it is plain).
        out.units.push(unit);
        out.units.extend(facts.dags);
    }
}

/// Airflow DAGs started by other DAGs: each DAG id a module defines is a
/// unit (`airflow-dag:<id>`) that runs the module, and a
/// `TriggerDagRunOperator(trigger_dag_id="<id>")` calls it, so a scheduled
/// orchestrator DAG reaches the training DAG it starts (which schedules
/// nothing itself). Returns the DAG units.
fn airflow_dag_links(path: &str, bytes: &[u8], idx: &LineIndex) -> (Vec<Unit>, Vec<(String, Location)>) {
    static RX_DAG_ID: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?-u)\bDAG\s*\(\s*["']([\w.\-]+)["']|\bdag_id\s*=\s*["']([\w.\-]+)["']|@dag\b(?:\s*\((?:[^()]|\([^()]*\))*\))?\s*\n\s*def\s+(\w+)"#).unwrap()
    });
    static RX_TRIGGER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bTriggerDagRunOperator\s*\(").unwrap());
    let mut ids = BTreeSet::new();
    let mut dags = Vec::new();
    let mut calls = Vec::new();
    for c in RX_DAG_ID.captures_iter(bytes) {
        let Some(whole) = c.get(0) else { continue };
        // `@dag(dag_id="x")`: the id given; `@dag(...)` without one: the
        // function's name (the match is searched again past its `@`).
        let given = c.get(3).and_then(|_| RX_DAG_ID.captures(&bytes[whole.start() + 1..whole.end()])?.get(2));
        let found = match (c.get(1).or_else(|| c.get(2)), given, c.get(3)) {
            (Some(m), ..) => Some((m.as_bytes(), m.start())),
            (None, Some(g), _) => Some((g.as_bytes(), whole.start() + 1 + g.start())),
            (None, None, Some(m)) => Some((m.as_bytes(), m.start())),
            _ => None,
        };
        if let Some((name, at)) = found {
            let id = String::from_utf8_lossy(name).into_owned();
            if ids.insert(id.clone()) {
                let line = Location::line(path, idx.line(at));
                let mut u = Unit::new(format!("airflow-dag:{id}"), line.clone(), &id);
                u.calls.push((format!("file:{path}"), line));
                dags.push(u);
            }
        }
    }
    for m in RX_TRIGGER.find_iter(bytes) {
        let args = call_args(bytes, m.start());
        let target = args.iter().find(|(k, _)| k.as_deref() == Some("trigger_dag_id")).map(|(_, v)| v.trim());
        let id = target.and_then(|v| v.strip_prefix(['"', '\'']).and_then(|v| v.strip_suffix(['"', '\''])));
        if let Some(id) = id.filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))) {
            if !ids.contains(id) {
                calls.push((format!("airflow-dag:{id}"), Location::line(path, idx.line(m.start()))));
            }
        }
    }
    (dags, calls)
}

pub use crate::paths::is_test_path;

/// Test functions a module runs itself: top-level `def test_*` in a module
/// no runner collects (not a test file), called by the module's own code
/// (`if __name__ == "__main__": test_x(df)`). Run with `python module.py`,
/// they are tests run as a script (`code.test-functions`, count). A
/// `test_*` function nothing calls is only a name.
fn script_test_functions(path: &str, masked: &str, idx: &LineIndex, detector: &str) -> Option<Evidence> {
    let bytes = masked.as_bytes();
    let mut first = None;
    let mut count = 0;
    for c in RX_DEF_TEST.captures_iter(bytes) {
        let name = std::str::from_utf8(c.get(1)?.as_bytes()).ok()?;
        let def_end = c.get(1)?.end();
        let call = Regex::new(&format!(r"(?-u)(?:^|[^\w.])({name})[ \t]*\(")).ok()?;
        let called = call.captures_iter(bytes).filter_map(|m| m.get(1)).any(|m| m.end() != def_end);
        if called {
            count += 1;
            first.get_or_insert(c.get(0)?.start());
        }
    }
    let at = first?;
    let line = idx.line(at);
    let snippet = masked.lines().nth(line as usize - 1).unwrap_or("").trim().to_string();
    Some(
        Evidence::new("code.test-functions", detector, Location::line(path, line), Confidence::Medium, &snippet)
            .attr("count", count.to_string()),
    )
}

/// What one Python source (or notebook) holds.
#[derive(Debug, Default)]
pub struct PyFacts {
    /// Evidence found.
    pub evidence: Vec<Evidence>,
    /// Local modules imported: (repo path, import line).
    pub local_imports: Vec<(String, u32)>,
    /// Imports (for test coverage).
    pub imports: Vec<Import>,
    /// Commands the code spawns or declares for a platform job.
    pub commands: Vec<Cmd>,
    /// Config files the code composes its configuration from (Hydra), with
    /// the line that names their folder.
    pub config_files: Vec<(String, u32)>,
    /// Airflow DAGs the module defines, each a unit running the module
    /// ([`airflow_dag_links`]).
    pub dags: Vec<Unit>,
    /// The DAGs the module starts (`TriggerDagRunOperator`): calls of the
    /// module's unit.
    pub dag_calls: Vec<(String, Location)>,
    /// Blocks that run only when a condition tests drift or degradation
    /// (`if drifted: train_flow()`): their lines, the condition, and the
    /// local modules whose functions they call, with the call's line.
    pub drift_gates: Vec<DriftGate>,
}

/// A block of a module run only when its condition tests drift or
/// degradation ([`super::is_drift_condition`]), calling into local modules.
#[derive(Debug, Clone, Default)]
pub struct DriftGate {
    /// First and last line of the block (the `if` line first).
    pub lines: (u32, u32),
    /// The condition.
    pub cond: String,
    /// Local modules called in the block: (repo path, line of the call).
    pub calls: Vec<(String, u32)>,
}

struct Call {
    qualified: String,
    last: String,
    offset: usize,
    /// For a method on a call's result (`Ctor(...).fit(...)`): the
    /// qualified name of that call.
    on_result_of: Option<String>,
}

/// A call site found by [`call_sites`]: the dotted name called (`a.b` of
/// `a . b (`, no space after it), and where a leading `).`/`].` starts
/// when the name is a method on a call's or subscript's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CallSite {
    on_result: Option<usize>,
    start: usize,
    end: usize,
}

/// Every call of a dotted name in comment-free source, in order: what the
/// regex `([)\]][ \t]*\.[ \t]*)?([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)[ \t]*\(`
/// finds (leftmost-first, non-overlapping), read backwards from each `(`:
/// no backtracking engine per match, and each byte is looked at a bounded
/// number of times (nothing crosses a `(`).
fn call_sites(b: &[u8]) -> Vec<CallSite> {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let head = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut out = Vec::new();
    // Where the search resumes: just after the previous match.
    let mut from = 0;
    for open in memchr::memchr_iter(b'(', b) {
        let mut p = open;
        while p > from && blank(b[p - 1]) {
            p -= 1;
        }
        let end = p;
        // The name's parts, last first: `start` is where the name begins so far.
        let mut start = None;
        let mut on_result = None;
        loop {
            let mut r = p;
            while r > from && word(b[r - 1]) {
                r -= 1;
            }
            // The first character that can start a name in this word.
            let Some(first) = (r..p).find(|&i| head(b[i])) else { break };
            start = Some(first);
            if first != r {
                // A name starting after a digit cannot continue leftwards.
                break;
            }
            let mut q = r;
            while q > from && blank(b[q - 1]) {
                q -= 1;
            }
            if q == from || b[q - 1] != b'.' {
                break;
            }
            let mut d = q - 1;
            while d > from && blank(b[d - 1]) {
                d -= 1;
            }
            if d > from && matches!(b[d - 1], b')' | b']') {
                on_result = Some(d - 1);
                break;
            }
            if d == from || !word(b[d - 1]) {
                break;
            }
            // The word before the dot continues the name if it holds a
            // name's first character (else `start` stays where it is).
            p = d;
        }
        if let Some(start) = start {
            out.push(CallSite { on_result, start, end });
            from = open + 1;
        }
    }
    out
}

/// The regexes [`analyze`] runs over a module, screened in one pass (with
/// the catalogue's patterns: [`crate::catalog::Catalog::screen_source`]).
pub(crate) static SCREEN: crate::rx::RxSet = crate::rx::RxSet::new(PY_RX);

crate::screened_regexes! { PY_RX;
    RX_AUTOLOG = r"\bautolog\s*\(([^)]*)\)";
    RX_CTOR_ASSIGN = r"(?m)^[ \t]*((?:self\.)?[A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*\(";
    RX_ALL_TRAFFIC = r#"\A\s*(?:100\b|\{[^,{}\n]*\}|\{\s*(?:["'][^"'\n]*["']\s*:\s*0\s*,\s*)*["'][^"'\n]*["']\s*:\s*100\s*(?:,\s*["'][^"'\n]*["']\s*:\s*0\s*)*,?\s*\})"#;
    RX_QUOTED = r#"["']([^"'\n]*)["']"#;
    RX_CMD_LIST = r#"["']?\bcommand["']?\s*[:=]\s*\[([^\]\n]*(?:\n[^\]\n]*){0,3})\]"#;
    RX_VARIANT_WEIGHT = r#"["']?InitialVariantWeight["']?\s*[:=]|\binitial_weight\s*="#;
    RX_SHADOW_VARIANTS = r#"["']?ShadowProductionVariants["']?\s*[:=]"#;

    RX_HTTP_POST = r"\b(?:requests|httpx|session|client|aiohttp)\.(?:post|request)\s*\(|\burllib\.request\.urlopen\s*\(";
    RX_ENDPOINT_WORD = r"(?i)score|predict|infer|invocations|endpoint|scoring_uri|/v1/models|/v2/models";
    RX_TRAIN_ROUTE = r#"(?i)/(?:re)?(?:train|training|fit)(?:["'/?]|$)"#;
    RX_WRITE_CALL = r"(?i)\b\w*(?:post|put|patch|write|create|update|deploy|upsert|apply)\w*\s*\(";
    RX_HTTP_WRITE = r"\b(?:requests|httpx|session|client|aiohttp)\.(?:post|put|patch|request)\s*\(";
    RX_ENDPOINT_ADMIN = r#"serving-endpoints(?:/[^/"'\n]+)?(?:/config)?["']|/onlineEndpoints/[^"'\n]*["']|:deployModel\b"#;
    RX_CONST_NAME = r"\b[A-Z][A-Z0-9_]{2,}\b";
    RX_NUMBER = r"\b\d+(?:\.\d+)?\b";
    RX_EXIT_ANY = r"\bsys\.exit\s*\(|\braise\b|\bexit\s*\(|\bos\._exit\s*\(|\breturn\s+1\b|\bassert\b|\b\w*(?:run|job|pipeline|execution)\w*\.(?:cancel|fail|abort|begin_cancel)\s*\(";
    RX_AIRFLOW_DAG = r"\bDAG\s*\(|@dag\b|@dag\s*\(";
    // A literal, a timetable or dataset, or a name or call that holds the
    // cron (`schedule=RETRAIN_SCHEDULE`, `os.getenv("CRON", "@daily")`).
    RX_AIRFLOW_SCHEDULE = r#"\bschedule(?:_interval)?\s*=\s*(["'][^"']+["']|\[|[A-Za-z_][\w.]*)"#;
    RX_AIRFLOW_DATA_SCHEDULE = r"\bschedule\s*=\s*(?:\[\s*)?(?:\w+\.)*(?:Dataset|Asset)\s*\(|\bschedule\s*=\s*\[\s*[A-Za-z_]\w*\s*[,\]]";
    RX_PREFECT_FLOW = r"@flow\b|@prefect\.flow\b";
    RX_PREFECT_FLOW_FILE = r#"\b(?:flow_location|entrypoint)\s*=\s*["']([^"':]+\.py)(?::\w+)?["']"#;
    RX_PREFECT_SCHEDULE = r"\.(?:serve|deploy)\s*\([^)]*\b(?:cron|interval|rrule|schedules?)\s*=|\bCronSchedule\s*\(|\bIntervalSchedule\s*\(|build_from_flow\s*\([^)]*schedule\s*=";
    // Deployments an automation starts on an event (another flow run
    // finished, a webhook, a metric): `.deploy(triggers=[...])`.
    RX_PREFECT_EVENT = r"\.(?:serve|deploy|to_deployment)\s*\([^)]*\btriggers\s*=|\bDeployment(?:Event|Compound|Sequence|Metric)Trigger\s*\(";
    RX_SCHEDULE_LIB = r"\bschedule\.every\s*\(";
    RX_APSCHEDULER_JOB = r#"\.add_job\s*\([^)]*["'](?:cron|interval)["']|\.scheduled_job\s*\(\s*["'](?:cron|interval)["']|\b(?:CronTrigger|IntervalTrigger)(?:\.from_crontab)?\s*\("#;
    RX_DAGSTER_SCHEDULE = r"\bScheduleDefinition\s*\(|@(?:dg\.|dagster\.)?schedule\b|\bbuild_schedule_from_partitioned_job\s*\(";
    RX_DAGSTER_SENSOR = r"@(?:dg\.|dagster\.)?(?:sensor|asset_sensor|run_status_sensor)\b|\bSensorDefinition\s*\(|\bAutoMaterializePolicy\b|\bautomation_condition\s*=";
    RX_DAGSTER_DEF = r"@(?:dg\.|dagster\.)?(?:asset|op|job|graph_asset|multi_asset)\b|\bDefinitions\s*\(|\bdefine_asset_job\s*\(";
    RX_DAGSTER_DEFINITIONS = r"\bDefinitions\s*\(";
    RX_METAFLOW = r"\bclass\s+\w+\s*\(([^)]*)\)";
    RX_METAFLOW_SCHEDULE = r"@schedule\s*\(";
    RX_METAFLOW_TRIGGER = r"@(?:trigger|trigger_on_finish|project_trigger)\s*\(";
    RX_FLYTE = r"@workflow\b|@task\b";
    RX_FLYTE_SCHEDULE = r"\bCronSchedule\s*\(|\bFixedRate\s*\(";
    RX_ZENML = r"@pipeline\b|@step\b";
    RX_ZENML_SCHEDULE = r"\bSchedule\s*\(\s*cron_expression|\bSchedule\s*\([^)]*interval_second";
    RX_KFP = r"@dsl\.pipeline\b|@kfp\.dsl\.pipeline\b|@pipeline\s*\(";
    RX_KFP_SCHEDULE = r"\.create_recurring_run\s*\(|\bPipelineJobSchedule\s*\(|\.create_schedule\s*\(";
    RX_SM_PIPELINE = r"\bPipeline\s*\([^)]*\bsteps\s*=";
    RX_SM_CONDITION = r"\bCondition(?:GreaterThan|GreaterThanOrEqualTo|LessThan|LessThanOrEqualTo)\s*\(";
    RX_SM_UPSERT = r"\.upsert\s*\(";
    RX_SFN_CHOICE = r"\bChoiceRule\.Numeric(?:GreaterThan|LessThan)(?:Equals)?(?:Path)?\s*\(";
    RX_STEP_FN = r"(?m)^[ \t]*@(?:\w+\.)*(?:task|step|asset|multi_asset|op|component|dsl\.component|create_component_from_func)\b(?:[ \t]*\((?:[^()]|\([^()]*\))*\))?[^\n]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)";
    RX_KEDRO_NODE = r"\bnode\s*\(\s*(?:func\s*=\s*)?(\w+)";
    RX_ALIAS_URI = r#"models:/[^"'\s/@]+(?:@\w+|/(?:Production|Staging|production|staging|Latest|latest))"#;
    RX_DEF_INIT = r"(?m)^def[ \t]+init[ \t]*\(";
    RX_DEF_RUN = r"(?m)^def[ \t]+run[ \t]*\(";
    RX_DEF_SAGEMAKER = r"(?m)^def[ \t]+(?:model_fn|predict_fn|input_fn|output_fn|transform_fn)[ \t]*\(";
    RX_HANDLER_CLASS = r"(?m)^class[ \t]+\w+[ \t]*\([ \t]*(?:\w+\.)*(?:BaseHandler|VisionHandler|TextHandler)[ \t]*\)";
    RX_DEF_HANDLE = r"(?m)^def[ \t]+handle[ \t]*\([ \t]*data[ \t]*,[ \t]*context";
    RX_TRITON = r"(?m)^class[ \t]+TritonPythonModel\b";
    RX_KSERVE_MODEL = r"(?m)^class[ \t]+\w+[ \t]*\([ \t]*(?:kserve\.)?Model[ \t]*\)";
    RX_ROUTE = r"(?m)^[ \t]*@[ \t]*\w+\.(?:post|get|put|route|api_route|websocket)[ \t]*\(";
    RX_PREDICT_CALL = r"\.(?:predict|predict_proba|predict_log_proba|decision_function|generate|transform|infer|forward)[ \t]*\(|\bmodel[ \t]*\(|\bpipeline[ \t]*\(";
    // Predictions taken from a call (`preds = runner(batch)`, `outputs = net.run(x)`).
    RX_PREDICTIONS_FROM_CALL = r"\b(?:preds?|predictions?|predicted|outputs|logits|y_hat|y_pred)[ \t]*=[ \t]*[A-Za-z_][\w.]*[ \t]*\(";
    RX_DEF_PREDICT = r"(?m)^(?:async[ \t]+)?def[ \t]+(?:predict|score|inference|infer|batch_score|batch_predict|predict_batch|run_inference|make_prediction)\w*[ \t]*\(";
    RX_METHOD_PREDICT = r"(?m)^[ \t]+(?:async[ \t]+)?def[ \t]+(?:predict|predict_proba|score|inference|infer|classify)\w*[ \t]*\([ \t]*self";
    RX_DEF_SERVERLESS = r"(?m)^(?:async[ \t]+)?def[ \t]+(?:lambda_handler|handler|main)[ \t]*\([ \t]*(?:event|req)\b";
    RX_DEF_PREDICT_ONLY = r"(?m)^(?:async[ \t]+)?def[ \t]+predict\w*[ \t]*\(";
    RX_SELDON_PREDICT = r"(?m)^[ \t]+def[ \t]+predict[ \t]*\([ \t]*self[ \t]*,[ \t]*\w+[ \t]*,[ \t]*feature";
    RX_LOG_CALL = r"(?i)\b\w*(?:logger|logging|log)\.(?:info|debug|warning|log|exception|critical)[ \t]*\(";
    RX_EVENT_HANDLER = r"(?m)^(?:async[ \t]+)?def[ \t]+\w+[ \t]*\([ \t]*(?:event|cloud_event)\b[^)]*\bcontext\b|^[ \t]*@functions_framework\.cloud_event\b|\bfunc\.(?:EventGridEvent|ServiceBusMessage|QueueMessage|InputStream|EventHubEvent|TimerRequest)\b";
    RX_LOG_EXTRA = r"\bextra[ \t]*=";
    RX_MAIN_GUARD = r#"(?m)^if[ \t]+__name__[ \t]*==[ \t]*["']__main__["']"#;
    RX_PRED_WORDS = r"(?i)predict|prediction|inference|\binputs?\b|features|payload|latency|\bscores?\b|\boutputs?\b|\bresults?\b|proba";
    RX_STORE_PRED = r"\.(?:insert_one|insert_many|put_item|send_message|produce|publish|insert_rows_json|to_sql|write_row)[ \t]*\(";
    // A table or collection of predictions written to: SQL `INSERT INTO
    // predictions`, Firestore/Supabase `.collection("predictions").add(`,
    // `.table("prediction_log").insert(`, an ORM row `session.add(PredictionLog(...))`.
    RX_STORE_PRED_TABLE = r#"(?i:insert[ \t]+into[ \t]+["'`]?\w*(?:predict|scor|inferen)\w*)|(?i:\.(?:collection|table)[ \t]*\([ \t]*["']\w*(?:predict|scor|inferen)\w*["'][ \t]*\)[ \t]*\.[ \t]*(?:add|insert|upsert|document|set)\b)|\.add[ \t]*\([ \t]*\w*(?:Prediction|Scoring|Inference)\w*[ \t]*\("#;
    RX_PROM_METRIC = r#"\b(?:Histogram|Counter|Gauge|Summary|add_metric_to_cache|add_metric|add_time|add_counter|add_percent)\s*\(\s*["']([^"']+)["']"#;
    RX_DRIFT_STAT = r"\b(?:ks_2samp|wasserstein_distance|jensenshannon|chisquare|_*(?:[A-Za-z0-9]+_+)*(?:population_stability_index|psi)(?:_+[A-Za-z0-9]+)*)\s*\(";
    RX_CW_METRIC = r#"\bput_metric_data\s*\("#;
    RX_CW_METRIC_NAME = r#"["']?MetricName["']?\s*[:=]\s*["']([^"'\n]+)["']"#;
    RX_ACTION = r"\b(?:set_registered_model_alias|transition_model_version_stage|register_model|deploy\w*|promote\w*|set_tag|set_model_version_tag|set_alias|add_version_aliases|update_model_version|copy_model_version|create_or_update|begin_create_or_update)\b";
    RX_SUBPROCESS = r#"\b(?:subprocess\.(?:run|call|check_call|check_output|Popen)|os\.system)\s*\(\s*(\[[^\]]*\]|["'][^"'\n]*["'])"#;
    RX_SUBPROCESS_VAR = r"\bsubprocess\.(?:run|call|check_call|check_output|Popen)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*[,)]";
    RX_LIST_ASSIGN = r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*\[";
    RX_JOB_COMMAND = r#"\b(?:command|bash_command)\s*=\s*(f?)(?:"([^"\n]+)"|'([^'\n]+)')(?:[ \t]*\+[ \t]*([A-Za-z_][A-Za-z0-9_]*)(?:[ \t]*\+[ \t]*["']([^"'\n]*)["'])?)?"#;
    RX_STR_CONST = r#"(?m)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[ \t]*str[ \t]*)?=[ \t]*["']([^"'\n{}]*)["'][ \t]*(?:#.*)?$"#;
    RX_JOB_FIELD = r"\b(script_name|python_script_name|entry_point|script_path|source_directory|source_dir|code)\s*=\s*(?:[A-Za-z_][A-Za-z0-9_]*\.)?([A-Za-z_][A-Za-z0-9_]*)\s*[,)]";
    RX_JOB_CODE = r#"\b(?:code|source_dir|source_directory)\s*=\s*["']([^"'\n]+?)["']"#;
    RX_JOB_SCRIPT = r#"\b(?:code|script|script_path|script_name|python_script_name|python_file)\s*=\s*["']([^"'\n]+\.py)["']"#;
    RX_DEF_TRAIN = r"(?m)^(?:async[ \t]+)?def[ \t]+((?:re)?(?:train|fit)(?:_\w+)?|\w+_(?:re)?(?:train|fit))[ \t]*\(";
    RX_SAVE_ARTIFACT = r"\b(?:joblib\.dump|pickle\.dump|torch\.save|json\.dump|np\.save|numpy\.save|cloudpickle\.dump)\s*\(|\.(?:save_model|save_pretrained|save_weights)\s*\(|\bmodel\w*\.save\s*\(";
    RX_SAVE_MODEL = r"\b(?:joblib\.dump|pickle\.dump|cloudpickle\.dump|torch\.save)\s*\(|\.(?:save_model|save_pretrained|save_weights)\s*\(|\bmodel\w*\.save\s*\(";
    RX_ENTRY_POINT = r#"\bentry_point\s*=\s*["']([^"'\n]+\.py)["']"#;
    RX_STR = r#"["']([^"'\n]*)["']"#;
    RX_RELEASES = r"(?i)/releases/";
    RX_TRACKING_URI = r#"(?:set_tracking_uri\s*\(\s*|MLFLOW_TRACKING_URI["']?\s*\]?\s*=\s*)["'](https?://[^"'\s]+)["']"#;
    RX_SECRET = r#"(?i)\b(api_key|apikey|access_key|secret_key|client_secret|secret|password|passwd|auth_token|token|wandb_api_key|aws_secret_access_key|azure_client_secret|neptune_api_token|comet_api_key)["']?\s*\]?\s*[:=]\s*["']([A-Za-z0-9_\-+/=.]{16,})["']"#;
    RX_WANDB_LOGIN_KEY = r#"wandb\.login\([^)]*key\s*=\s*["']([A-Za-z0-9]{20,})["']"#;
    RX_FILE_WRITE = r#"\.(?:to_csv|to_parquet|to_feather|to_pickle|to_json|write_csv|write_parquet|saveAsTable|imwrite|save)[ \t]*\(|\b(?:np|numpy|pickle|json|joblib|cv2|torch)\.(?:save|savez|dump|imwrite)[ \t]*\(|\bopen[ \t]*\([^)\n]*["'][wa]b?["']"#;
    RX_HYDRA_MAIN = r#"@(?:hydra\.)?main[ \t]*\([^)]*\bconfig_path[ \t]*=[ \t]*["']([^"'\n]+)["']"#;
    RX_PYFUNC_CLASS = r"(?m)^class[ \t]+\w+[ \t]*\([ \t]*(?:\w+\.)*PythonModel[ \t]*\)[ \t]*:[^\n]*\n(?:[ \t]+[^\n]*\n|[ \t]*\n)*?[ \t]+def[ \t]+predict[ \t]*\(";
    RX_TORCH_BACKWARD = r"\.backward[ \t]*\(";
    RX_TORCH_STEP = r"(?i:\b\w*optim\w*|\bopt\w*)\.step[ \t]*\(|\bscaler\.step[ \t]*\(";
    RX_PD_READ = r"\b(?:pd|pandas|pl|polars)\.(?:read_csv|read_parquet|read_json|read_excel|read_feather|scan_csv|scan_parquet)[ \t]*\(|\bspark\.read\b|\bspark\.table[ \t]*\(";
    RX_DATA_WRITE = r"\.(?:to_csv|to_parquet|to_feather|to_pickle|write_csv|write_parquet|saveAsTable)[ \t]*\(|\.write\.(?:parquet|csv|mode|format|saveAsTable)|\bnp\.save[z]?[ \t]*\(";
    RX_BATCH_JOB = r"\bBatchPredictionJob\.(?:create|submit)\s*\(|\.batch_predict\s*\(|\bcreate_batch_prediction_job\s*\(|\bModelBatchPredictOp\s*\(|\.transformer\s*\(|\bTransformStep\s*\(";
    // `Trainer(`, `tfx.components.Trainer(`, or an alias of the Vertex /
    // AI Platform trainer (`Trainer as VertexTrainer`).
    RX_TFX_TRAINER = r"\b[A-Za-z_]*Trainer\s*\(";
    RX_TFMA_CHANGE = r"\bGenericChangeThreshold\s*\(";
    // Tracked runs ranked by a metric (`search_runs(..., order_by=["metrics.auc DESC"])`).
    RX_RUNS_BY_METRIC = r#"\bsearch_runs\s*\((?:[^()]|\([^()]*\))*?\border_by\s*=\s*\[?\s*f?["']metrics\."#;
    // A registry version moved to a stage or alias.
    RX_PROMOTE_VERSION = r"\b(?:transition_model_version_stage|set_registered_model_alias|copy_model_version)\s*\(";
    RX_TFMA_VALUE = r"\bGenericValueThreshold\s*\(";
    RX_DEF_TEST = r"(?-u)(?m)^(?:async[ \t]+)?def[ \t]+(test_\w+)[ \t]*\(";
    RX_RECIPE_RUN = r#"\.run[ \t]*\([ \t]*(?:step[ \t]*=[ \t]*)?(?:["']([a-z_]+)["'])?[ \t]*\)"#;
}

const METRIC_WORDS: &[&str] = &[
    "auc",
    "accuracy",
    "acc",
    "f1",
    "rmse",
    "mae",
    "mse",
    "r2",
    "precision",
    "recall",
    "score",
    "metric",
    "loss",
    "map",
    "ndcg",
    "bleu",
    "rouge",
    "error",
    "perf",
    "logloss",
    "mape",
    "wer",
];
const NEW_WORDS: &[&str] =
    &["new", "candidate", "cand", "challenger", "chall", "chal", "trained", "contender", "retrained", "fresh", "shadow"];
const OLD_WORDS: &[&str] = &[
    "champion",
    "champ",
    "prod",
    "production",
    "baseline",
    "deployed",
    "incumbent",
    "previous",
    "registered",
    "current",
    "existing",
    "live",
    "serving",
];

/// Analyze Python source. `notebook` marks evidence from notebook cells.
pub fn analyze(path: &str, text: &str, repo: &RepoIndex, detector: &str, notebook: bool) -> PyFacts {
    let masked = pylex::mask(text);
    let imports = pylex::imports(&masked);
    let idx = LineIndex::new(&masked);
    let bytes = masked.as_bytes();
    // One pass for the literals of every regex below and of the
    // catalogue's patterns: those that cannot match this module are not run.
    let catalog = repo.catalog();
    let screened = catalog.screen_source(bytes);
    let _screen = SCREEN.screen_by(bytes, screened.regexes().clone());
    let in_test = is_test_path(path);
    let mut facts = PyFacts { imports: imports.clone(), ..Default::default() };

    // Import tables: alias -> module, bare name -> module.name.
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut roots: BTreeSet<String> = BTreeSet::new();
    for im in &imports {
        let root = im.module.split('.').next().unwrap_or("").to_string();
        if im.module.starts_with('.') || repo.defines_python_module(&root) {
            // The repository's own package: calls into it are its own code,
            // except a library it re-exports by the library's own name (a
            // shim: `try: import mlflow` / `except ImportError: mlflow =
            // MagicMock()`, then `from pkg.utils.shim import mlflow`).
            let named = im.names.iter().map(|n| (n, n)).chain(im.name_aliases.iter().map(|(a, n)| (a, n)));
            for (alias, n) in named {
                if catalog.knows_module(n) && !repo.defines_python_module(n) {
                    aliases.insert(alias.clone(), n.clone());
                    roots.insert(n.clone());
                }
            }
            continue;
        }
        roots.insert(im.module.clone());
        if im.names.is_empty() {
            match &im.alias {
                Some(a) => aliases.insert(a.clone(), im.module.clone()),
                None => aliases.insert(root.clone(), root.clone()),
            };
        } else {
            for n in &im.names {
                if n != "*" {
                    aliases.insert(n.clone(), format!("{}.{n}", im.module));
                    // `from google.cloud import aiplatform` imports a module too.
                    roots.insert(format!("{}.{n}", im.module));
                }
            }
            for (alias, n) in &im.name_aliases {
                aliases.insert(alias.clone(), format!("{}.{n}", im.module));
            }
            // `from x import y as z` is folded into names by the lexer; keep aliases too.
        }
    }
    // Third-party roots imported by the local modules this file imports (two
    // levels): `from mypkg import make_pipeline` + `.fit(` trains with sklearn.
    // Gathered only when a training call or a prediction log asks: most
    // modules never do, and gathering reads the imported modules' imports.
    let local = local_imports(repo, path, &imports);
    let indirect_once = std::cell::OnceCell::new();
    let indirect = || indirect_once.get_or_init(|| third_party_imports(repo, local.iter().map(|(p, _)| p.clone()).collect(), 2));
    let imports_any = |needs: &[&str]| needs.is_empty() || roots.iter().any(|r| needs.iter().any(|n| is_module_or_sub(r, n)));
    let imports_any_owned = |needs: &[String]| roots.iter().any(|r| needs.iter().any(|n| is_module_or_sub(r, n)));
    let indirect_any = |needs: &[&str]| indirect().iter().any(|r| needs.iter().any(|n| is_module_or_sub(r, n)));

    // Resolve every call through the import tables.
    let mut calls = Vec::new();
    // A call spelled inside a string (a hint in a message) is no call.
    let strings = pylex::string_spans(bytes);
    let mut in_string = strings.iter().peekable();
    for c in call_sites(bytes) {
        while in_string.next_if(|s| s.end <= c.start).is_some() {}
        if in_string.peek().is_some_and(|s| s.start <= c.start) {
            continue;
        }
        let g = &bytes[c.start..c.end];
        // Not a call chain's start: part of a longer name or a method on a literal.
        if c.on_result.is_none() && c.start > 0 && matches!(bytes[c.start - 1], b'.' | b'_' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') {
            continue;
        }
        let mut raw: String = String::from_utf8_lossy(g).chars().filter(|c| !c.is_whitespace()).collect();
        let mut on_result_of = None;
        if let Some(m) = c.on_result {
            // A method on a call's result: `Model().fit(...)`.
            raw = format!("().{raw}");
            on_result_of = callee_of_close(bytes, m).map(|callee| {
                let head = callee.split('.').next().unwrap_or("");
                match aliases.get(head) {
                    Some(m) => format!("{m}{}", &callee[head.len()..]),
                    None => format!("?.{callee}"),
                }
            });
        }
        let before = &masked[..c.start];
        let prev_word = before.trim_end().rsplit(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
        if prev_word == "def" || prev_word == "class" {
            continue;
        }
        let head = raw.split('.').next().unwrap_or("");
        let qualified = match aliases.get(head) {
            Some(m) => format!("{m}{}", &raw[head.len()..]),
            None => format!("?.{raw}"),
        };
        let last = raw.rsplit('.').next().unwrap_or("").to_string();
        calls.push(Call { qualified, last, offset: c.start, on_result_of });
    }

    // What each plain or `self.` variable is built by (`x = Ctor(...)`), the
    // constructor resolved through the imports: a method's receiver type.
    // Read only when a catalogue entry excludes receivers built by some class.
    let ctors = std::cell::OnceCell::new();
    let ctors_of = || {
        let mut ctors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in RX_CTOR_ASSIGN.captures_iter(bytes) {
            let var = String::from_utf8_lossy(&c[1]).to_string();
            let raw = String::from_utf8_lossy(&c[2]).to_string();
            let head = raw.split('.').next().unwrap_or("");
            let qualified = match aliases.get(head) {
                Some(m) => format!("{m}{}", &raw[head.len()..]),
                None => format!("?.{raw}"),
            };
            ctors.entry(var).or_default().push(qualified);
        }
        ctors
    };

    let mut ev: Vec<Evidence> = Vec::new();
    let mk = |kind: &str, tool: &str, offset: usize, conf: Confidence| {
        let line = idx.line(offset);
        let snippet = idx.text(text, line);
        let mut e = Evidence::new(kind, detector, Location::line(path, line), conf, snippet);
        if !tool.is_empty() {
            e = e.attr("tool", tool);
        }
        e
    };
    let framework_of = |needs: &[&str]| -> String {
        roots
            .iter()
            .find_map(|r| needs.iter().find(|n| is_module_or_sub(r, n)))
            .map(|s| s.split('.').next().unwrap_or(s).to_string())
            .unwrap_or_default()
    };
    let mut script_calls: Vec<(&crate::catalog::ScriptArg, usize)> = Vec::new();
    for call in &calls {
        if !call.qualified.starts_with("?.") {
            let public = public_name(&call.qualified);
            let root = call.qualified.split('.').next().unwrap_or("");
            for (entry, g) in catalog.calls_rooted(root) {
                let named = glob(g, &call.qualified) || public.as_deref().is_some_and(|p| glob(g, p));
                if (entry.needs.is_empty() || imports_any_owned(&entry.needs)) && named {
                    let mut e = mk(entry.evidence, &entry.tool, call.offset, Confidence::High);
                    for (k, v) in &entry.attrs {
                        e = e.attr(k, v.clone());
                    }
                    if entry.evidence == "code.train" && !e.attrs.contains_key("framework") {
                        e = e.attr("framework", entry.tool.clone());
                    }
                    let Some(e) = by_hub_repo_type(e, bytes, call.offset, &mk) else { continue };
                    ev.push(e);
                    if let Some(sa) = &entry.script_arg {
                        script_calls.push((sa, call.offset));
                    }
                }
            }
        }
        if call.qualified.contains('.')
            && (call.qualified.starts_with("?.") && call.qualified[2..].contains('.') || !call.qualified.starts_with("?."))
        {
            for entry in catalog.methods(&call.last) {
                let needs: Vec<&str> = entry.needs.iter().map(String::as_str).collect();
                if !entry.not_on.is_empty() && built_by_excluded(call, ctors.get_or_init(ctors_of), &entry.not_on) {
                    continue;
                }
                if entry.evidence == "code.train" && call.last == "train" && sets_train_mode(call, bytes) {
                    continue;
                }
                // An object-store download is data acquisition as a bucket
                // copy in a shell is: not when what it names is a model, a
                // run's output or reports, or, all spelled out, names no data.
                if entry.evidence == "code.data-prep"
                    && entry.attrs.iter().any(|(k, v)| k == "op" && v == "download")
                    && !downloads_data(&masked, call.offset, &call.last)
                {
                    continue;
                }
                if imports_any(&needs) || (entry.evidence == "code.train" && indirect_any(&needs)) {
                    let mut e = mk(entry.evidence, &entry.tool, call.offset, Confidence::Medium);
                    for (k, v) in &entry.attrs {
                        e = e.attr(k, v.clone());
                    }
                    if entry.evidence == "code.train" {
                        let fw = framework_of(&needs);
                        let fw = if fw.is_empty() {
                            indirect()
                                .iter()
                                .find_map(|r| needs.iter().find(|n| is_module_or_sub(r, n)))
                                .map(|s| s.split('.').next().unwrap_or(s).to_string())
                                .unwrap_or_default()
                        } else {
                            fw
                        };
                        e = e.attr("framework", fw);
                    }
                    let Some(e) = by_hub_repo_type(e, bytes, call.offset, &mk) else { continue };
                    ev.push(e);
                    if let Some(sa) = &entry.script_arg {
                        script_calls.push((sa, call.offset));
                    }
                }
            }
        }
    }
    model_run_artifacts(&masked, &calls, &imports_any, &mk, &mut ev);
    // Statement-start assignments of the file, indexed once when a pipeline
    // branch asks what its condition's names are bound to.
    let assigned_once = std::cell::OnceCell::new();
    for (i, (entry, re)) in catalog.patterns().enumerate() {
        // The screen first: it is one bit, and most patterns are not in a module.
        if !screened.pattern(i) {
            continue;
        }
        // A framework asked for devices in source (`Trainer(accelerator="gpu",
        // devices=4)`, `LLM.load(accelerator="cuda")`, `"--gpus=1"`) picks
        // the hardware of whatever machine runs it: nothing names managed
        // compute. The same keys of a Trainer config group member are read
        // as a hardware profile by the config detector.
        if entry.evidence == "code.compute" && entry.attrs.iter().any(|(k, v)| k == "scope" && v == "device") {
            continue;
        }
        let needs: Vec<&str> = entry.needs.iter().map(String::as_str).collect();
        // Compute a module declares on an object of a local module that
        // imports the platform (`from common import app`, then
        // `@app.function(gpu="A100")`) is the platform's too.
        if !(imports_any(&needs) || entry.evidence == "code.compute" && indirect_any(&needs)) {
            continue;
        }
        for mt in re.find_iter(bytes) {
            // A pipeline branch (`with dsl.Condition(...)`, `dsl.If(...)`)
            // gates a model only when its condition reads model quality: a
            // coin flip or a boolean parameter decides nothing about the model.
            if entry.evidence == "code.eval-gate"
                && is_branch_call(mt.as_bytes())
                && !branch_reads_quality(&masked, mt.start(), assigned_once.get_or_init(|| assignments(&masked)))
            {
                continue;
            }
            let tool = if entry.evidence == "code.compute" && entry.tool.is_empty() { framework_of(&needs) } else { entry.tool.clone() };
            // A machine type passed to a deployment is serving compute, not training compute.
            // So is an instance type named for serving (`endpoint_instance_type = "ml.t2.medium"`).
            let serving_name = |t: &str| ["deploy", "endpoint", "serv", "inference"].iter().any(|w| t.to_ascii_lowercase().contains(w));
            if entry.evidence == "code.compute"
                && (outer_call(bytes, mt.start())
                    .is_some_and(|c| c.contains("deploy") || c.to_ascii_lowercase().contains("endpoint") || c.contains("serve"))
                    || serving_name(&String::from_utf8_lossy(mt.as_bytes())))
            {
                continue;
            }
            // All traffic to one model (`traffic_split={"0": 100}`,
            // `traffic_percentage=100`, a dict of one deployment) is a plain
            // rollout, not a split. (A shadow's copy names one deployment.)
            let split = entry.evidence == "code.traffic-split" && !entry.attrs.iter().any(|(k, v)| k == "mode" && v == "shadow");
            if split && RX_ALL_TRAFFIC.is_match(&bytes[mt.end()..]) {
                continue;
            }
            // ... also when given as a name assigned such a value before it
            // (`TRAFFIC = {"0": 100}`, then `traffic_split=TRAFFIC`).
            if split {
                let after = masked[mt.end()..].trim_start();
                let name: &str = &after[..after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len())];
                if is_name(name) && assigned(&masked[..mt.start()], name).is_some_and(|v| RX_ALL_TRAFFIC.is_match(v.as_bytes())) {
                    continue;
                }
            }
            // A comparison given as a keyword (`baseline_model=...`)
            // compares nothing when its value is `None`, and only when a
            // switch is on when it is `None` on one branch
            // (`None if not enabled else champion_uri`): that may be off.
            let mut switched = false;
            if entry.evidence == "code.model-compare" && mt.as_bytes().ends_with(b"=") {
                match baseline_value(&masked, mt.end()) {
                    Baseline::Nothing => continue,
                    Baseline::Switched => switched = true,
                    Baseline::Given => {}
                }
            }
            let mut e = mk(entry.evidence, &tool, mt.start(), Confidence::Medium);
            for (k, v) in &entry.attrs {
                if !(switched && k == "acts") {
                    e = e.attr(k, v.clone());
                }
            }
            if switched {
                e = e.attr("switched", "yes");
            }
            ev.push(e);
        }
    }
    // Scripts named by a catalogue call's argument (`submit_training("train.py")`).
    if !in_test {
        for (sa, offset) in script_calls {
            if let Some(cmd) = script_arg_command(path, &masked, bytes, offset, sa, &idx) {
                facts.commands.push(cmd);
            }
        }
        // MLflow projects run from Python run their entry point as `mlflow run` does.
        for call in calls.iter().filter(|c| matches!(c.qualified.as_str(), "mlflow.run" | "mlflow.projects.run")) {
            if let Some(cmd) = mlflow_project_command(path, &masked, bytes, call.offset, &idx, repo) {
                facts.commands.push(cmd);
            }
        }
    }
    // Platform SDK clients expose deployments as a collection
    // (`client.deployments.create(...)`): a deployment through the SDK.
    if !roots.is_empty() && !ev.iter().any(|e| e.kind == "code.deploy") {
        for call in calls.iter().filter(|c| sdk_deployment_call(&c.qualified)) {
            ev.push(mk("code.deploy", "", call.offset, Confidence::Medium).attr("target", "platform-sdk"));
        }
    }
    // Hand-written training: a train/fit function in a script that saves what it
    // produced (no framework to recognise). Low confidence.
    if !ev.iter().any(|e| e.kind == "code.train") && !in_test {
        if let Some(d) = RX_SAVE_ARTIFACT.is_match(bytes).then(|| RX_DEF_TRAIN.captures(bytes)).flatten() {
            let name = String::from_utf8_lossy(&d[1]);
            // Functions that make or fetch the training data are named for it
            // too (`get_train_data`, `split_train`).
            const DATA_PARTS: &[&str] =
                &["split", "data", "dataset", "loader", "set", "get", "load", "read", "prep", "prepare", "sample", "df"];
            let data_fn = name.split('_').any(|p| DATA_PARTS.contains(&p));
            if !name.contains("train_test") && !name.contains("fit_transform") && !data_fn {
                ev.push(mk("code.train", "", d.get(0).unwrap().start(), Confidence::Low).attr("framework", "custom"));
            }
        }
    }
    // A model class of the project's own fitted (`RidgeRegressor(a).fit(X, y)`)
    // in a module that logs the fitted model to a tracker: the tracker is
    // what says the fit trains a model.
    if !in_test
        && !ev.iter().any(|e| e.kind == "code.train")
        && ev.iter().any(|e| {
            e.kind == "code.model-version"
                && e.attrs.get("tool").is_some_and(|t| matches!(t, "mlflow" | "wandb" | "neptune" | "comet" | "clearml"))
        })
    {
        if let Some(c) = calls.iter().find(|c| c.last == "fit") {
            ev.push(mk("code.train", "", c.offset, Confidence::Medium).attr("framework", "custom"));
        }
    }
    // An estimator fitted in a module that names no framework: built from
    // configuration (importlib, `hydra.utils.instantiate`) or handed in as a
    // pipeline node's input (`def train(model, X, y): model.fit(X, y)`). The
    // receiver's name says it is a model. Low confidence.
    if !in_test && !ev.iter().any(|e| e.kind == "code.train") {
        // Not an object of another library the module builds (a drift or
        // performance estimator of a monitoring library is fitted too).
        let library = |q: &String| {
            imports.iter().any(|im| {
                !local.iter().any(|(_, l)| *l == im.line)
                    && q.strip_prefix(im.module.as_str()).is_some_and(|r| r.is_empty() || r.starts_with('.'))
            })
        };
        let by_library = |c: &Call| {
            let recv = c.qualified.strip_prefix("?.").and_then(|q| q.strip_suffix(".fit"));
            recv.and_then(|r| ctors.get_or_init(ctors_of).get(r)).is_some_and(|built| built.iter().any(library))
        };
        if let Some(c) = calls.iter().find(|c| c.last == "fit" && c.on_result_of.is_none() && is_model_name(&c.qualified) && !by_library(c))
        {
            ev.push(mk("code.train", "", c.offset, Confidence::Low).attr("framework", "unknown"));
        }
    }
    // Trained weights fetched from a release's assets (`load_state_dict_from_url("https://github.com/o/r/releases/download/v1/m.pth")`).
    // (Such a URL holds `/releases/`, in any case: the screen tells for free.)
    if !in_test && RX_RELEASES.is_match(bytes) {
        if let Some(m) = RX_STR.captures_iter(bytes).find(|c| super::is_release_asset_model(&String::from_utf8_lossy(&c[1]))) {
            ev.push(
                mk("code.model-version", "release-assets", m.get(0).unwrap().start(), Confidence::Medium)
                    .attr("mechanism", "release-asset"),
            );
        }
    }
    // A model loaded through a registry alias or stage is whatever was last promoted.
    if RX_ALIAS_URI.is_match(bytes) {
        for e in ev.iter_mut().filter(|e| e.kind == "code.load-model") {
            e.attrs.insert("by_alias", "yes");
        }
    }
    // Two or more weighted production variants (or shadow variants) on an endpoint.
    if imports_any(&["boto3", "sagemaker"]) {
        let weights: Vec<usize> = RX_VARIANT_WEIGHT.find_iter(bytes).map(|m| m.start()).collect();
        // Counted per `ProductionVariants` list where the file writes them
        // (one single-variant configuration per environment splits nothing).
        let lists: Vec<usize> = memchr::memmem::find_iter(bytes, b"ProductionVariants").collect();
        let list_of = |w: usize| lists.partition_point(|&l| l < w);
        let split = weights.windows(2).find(|p| list_of(p[0]) == list_of(p[1])).map(|p| p[0]);
        if let Some(at) = split {
            ev.push(mk("code.traffic-split", "sagemaker", at, Confidence::Medium).attr("mode", "weights"));
        }
        if let Some(m) = RX_SHADOW_VARIANTS.find(bytes) {
            ev.push(mk("code.traffic-split", "sagemaker", m.start(), Confidence::Medium).attr("mode", "shadow"));
        }
    }
    // MLflow autologging logs the fitted model as a run artifact unless told not to.
    if imports_any(&["mlflow"]) {
        for c in RX_AUTOLOG.captures_iter(bytes) {
            let args = String::from_utf8_lossy(&c[1]).replace(' ', "");
            if !args.contains("log_models=False") && !args.contains("disable=True") {
                ev.push(
                    mk("code.model-version", "mlflow", c.get(0).unwrap().start(), Confidence::Medium).attr("mechanism", "run-artifact"),
                );
            }
        }
    }
    // PyTorch training loops: backward + optimizer step.
    if imports_any(&["torch"]) {
        if let Some(b) = RX_TORCH_BACKWARD.find(bytes).filter(|_| RX_TORCH_STEP.is_match(bytes)) {
            ev.push(mk("code.train", "", b.start(), Confidence::Medium).attr("framework", "torch"));
        }
    }
    // Where log records go: a log shipper imported here or by a local module
    // this file imports (a Fluentd/Logstash/Kafka handler, cloud logging)
    // sends them to a central store; otherwise they stay on stdout or disk.
    let ships_logs = || imports.iter().map(|i| i.module.as_str()).chain(indirect().iter().map(String::as_str)).any(is_log_shipper);
    // A checkpoint evaluated in the file that trained it measures that
    // training; only an evaluation entry point of its own is scoring code.
    if ev.iter().any(|e| e.kind == "code.train") {
        ev.retain(|e| !(e.kind == "code.scoring" && e.attrs.get("style").is_some_and(|s| s == "checkpoint-eval")));
    }
    scoring(&masked, bytes, &idx, &imports_any, &mk, &mut ev, path, &ships_logs);
    // Model metrics computed by a job and published to CloudWatch
    // (`put_metric_data(MetricData=[{"MetricName": "FeaturePSI", ...}])`):
    // a monitor once something runs the job.
    if !in_test && imports_any(&["boto3", "aiobotocore"]) && RX_CW_METRIC.is_match(bytes) {
        if let Some(c) = RX_CW_METRIC_NAME.captures_iter(bytes).find(|c| model_metric_name(&String::from_utf8_lossy(&c[1]))) {
            ev.push(mk("code.monitor", "cloudwatch", c.get(0).expect("the match").start(), Confidence::Medium));
        }
    }
    // Model metrics exported from a module the service imports.
    if !in_test
        && !ev.iter().any(|e| e.kind == "code.scoring")
        && imports_any(&["prometheus_client", "opentelemetry", "prometheus_fastapi_instrumentator"])
    {
        // Pushed to a Pushgateway (`push_to_gateway`): a job's metrics, not
        // the service's, counted as a job's monitor is (once something runs it).
        let pushed = memchr::memmem::find(bytes, b"push_to_gateway").is_some();
        for c in RX_PROM_METRIC.captures_iter(bytes) {
            if model_metric_name(&String::from_utf8_lossy(&c[1])) {
                let at = c.get(0).unwrap().start();
                if pushed {
                    ev.push(mk("code.monitor", "pushgateway", at, Confidence::Medium));
                } else {
                    ev.push(mk("code.monitor", "metrics", at, Confidence::Medium));
                    ev.push(mk("code.prediction-log", "metrics", at, Confidence::Medium));
                }
            }
        }
    }
    // A deployment script serving or deploying a flow it imports from a
    // local module (`from flows import train; train.serve(cron=...)`) need
    // not import Prefect itself: the flow's module does.
    // (Asked once: `pipelines` asks after Prefect more than once per module.)
    let imported_flow_launch = std::cell::OnceCell::new();
    let orchestrated = |needs: &[&str]| {
        imports_any(needs)
            || needs.contains(&"prefect")
                && *imported_flow_launch.get_or_init(|| prefect_launch(bytes).is_some() && indirect_any(&["prefect"]))
    };
    pipelines(bytes, &orchestrated, &mk, &mut ev);
    // A Prefect deployment module naming the file of the flow it schedules
    // (`flow_location="flows.py"`, `entrypoint="flows.py:train"`): the
    // worker runs that file's flow.
    if !in_test && imports_any(&["prefect"]) && !RX_PREFECT_FLOW.is_match(bytes) && prefect_launch(bytes).is_some() {
        for c in RX_PREFECT_FLOW_FILE.captures_iter(bytes) {
            let line = idx.line(c.get(0).map_or(0, |m| m.start()));
            let file = String::from_utf8_lossy(&c[1]).trim_start_matches("./").to_string();
            facts.commands.push(Cmd {
                argv: vec!["python".into(), file],
                location: Location::line(path, line),
                text: idx.text(&masked, line).trim().to_string(),
                workdir: path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default(),
            });
        }
    }
    model_validation(bytes, &imports_any, &mk, &mut ev);
    super::data_steps::platform_data_steps(bytes, &imports_any, &mk, &mut ev);
    let trains = ev.iter().any(|e| e.kind == "code.train");
    super::data_steps::data_versions(bytes, trains, &imports_any, &mk, &mut ev);
    super::data_steps::pipeline_artifact_lineage(bytes, &imports_any, &mk, &mut ev);
    super::data_steps::model_data_labels(bytes, &imports_any, &mk, &mut ev);
    // Serving code that forwards to an endpoint is the service, not a test of it.
    if ev.iter().any(|e| e.kind == "code.scoring") {
        ev.retain(|e| e.kind != "code.invoke-endpoint");
        // What the service uses of each local module it imports: a model
        // lookup there is the service's own only if a function it uses
        // reaches it (`link::derive_pull_based_serving`).
        let uses = local_names_used(&masked, &imports, &local);
        if !uses.is_empty() && !in_test && !notebook {
            for e in ev.iter_mut().filter(|e| e.kind == "code.scoring") {
                e.attrs.insert("uses", uses.clone());
            }
        }
    }
    let queries_registry = ev.iter().any(|e| e.attrs.get("lookup").is_some_and(|l| l == "registry-query"));
    gates(&masked, bytes, &mk, &mut ev, in_test, queries_registry);
    if !in_test {
        best_run_promotion(bytes, &imports_any, &mk, &mut ev);
    }
    if !in_test {
        verdict_overrides(&masked, &idx, &mk, &mut ev);
    }
    secrets(text, &masked, bytes, &idx, path, detector, &mut ev);
    // Data preparation: read a dataset and write a prepared one.
    if !ev.iter().any(|e| e.kind == "code.data-prep") {
        if let Some(r) = RX_PD_READ.find(bytes).filter(|_| RX_DATA_WRITE.is_match(bytes)) {
            if !ev.iter().any(|e| matches!(&*e.kind, "code.train" | "code.scoring" | "code.load-model")) {
                ev.push(mk("code.data-prep", "", r.start(), Confidence::Low).attr("op", "prepare"));
            }
        }
    }
    // A script named for preparing data (`prepare_dataset.py`,
    // `preprocessing/crop_faces.py`, `make_folds.py`) that writes files.
    if !in_test
        && !notebook
        && !ev.iter().any(|e| matches!(&*e.kind, "code.data-prep" | "code.train" | "code.scoring"))
        && data_script_path(path)
    {
        if let Some(w) = RX_FILE_WRITE.find(bytes) {
            ev.push(mk("code.data-prep", "", w.start(), Confidence::Low).attr("op", "prepare"));
        }
    }
    // Loading data inside a training script is training's input, not a data pipeline.
    // Monitoring jobs read production logs; that is not a data pipeline either.
    if ev.iter().any(|e| e.kind == "code.train" || e.kind == "code.monitor") {
        // Registering a dataset version is not loading training input.
        for e in ev
            .iter_mut()
            .filter(|e| e.kind == "code.data-prep" && e.attrs.get("op").is_none_or(|o| o != "pipeline-step" && o != "register"))
        {
            e.attrs.insert("in_training", "yes");
        }
    }
    // Custom drift statistics: a population stability index spelt out is
    // one by itself; an abbreviation (`psi` is also a dihedral angle) or a
    // generic test (`ks_2samp`, `chisquare`) when the module speaks of drift.
    if let Some(mt) = RX_DRIFT_STAT.find(bytes) {
        let stability = mt.as_bytes().windows(20).any(|w| w.eq_ignore_ascii_case(b"population_stability"));
        if stability || bytes.windows(5).any(|w| w.eq_ignore_ascii_case(b"drift")) {
            ev.push(mk("code.monitor", "custom", mt.start(), Confidence::Medium));
        }
    }
    // A function an event calls (Cloud Functions / Lambda `(event, context)`,
    // CloudEvents, Azure Functions bindings) that starts a pipeline: the
    // pipeline starts by itself when data lands or a message arrives, which
    // is automatic but not driven by production metrics. Only ML pipelines
    // count: a CI workflow a function dispatches may as well deploy or test.
    if RX_EVENT_HANDLER.is_match(bytes) {
        for e in
            ev.iter_mut().filter(|e| e.kind == "code.pipeline-trigger" && e.attrs.get("target").is_none_or(|t| !t.starts_with("github")))
        {
            e.attrs.insert("on", "event");
        }
    }
    // Commands the code spawns or declares as a platform job (tests run
    // commands against fixtures of their own: not the repository's pipeline).
    if !in_test {
        let imported = imported_runs(bytes, &idx, &calls, &imports, &local, repo);
        let spawned = commands(path, &masked, bytes, &idx, &mut facts.commands, repo, imported);
        // What a script spawns is what a shell script would run: a deploy or
        // a publish (`subprocess.run(["gcloud", "run", "deploy", ...])`) is
        // one, wherever the script is started from.
        if !notebook {
            for cmd in &facts.commands[..spawned] {
                if matches!(
                    crate::command::classify(&cmd.argv),
                    crate::command::Invocation::Deploy { .. } | crate::command::Invocation::Publish { .. }
                ) {
                    ev.extend(super::command_evidence(detector, cmd).unwrap_or_default());
                }
            }
        }
        // An MLflow recipe run from Python (`Recipe(profile=...).run("train")`)
        // runs as `mlflow recipes run --step` would.
        if imports_any(&["mlflow.recipes", "mlflow.pipelines"]) {
            facts.commands.extend(recipe_runs(path, bytes, &idx, text, repo));
        }
    }

    if !in_test && !notebook {
        ev.extend(script_test_functions(path, &masked, &idx, detector));
    }
    // A monitor in the serving module, or in a web service of its own that
    // is sent the data it watches, runs with the service, whatever launches
    // the module.
    let monitors = ev.iter().any(|e| e.kind == "code.monitor");
    if monitors && !in_test && !notebook && (ev.iter().any(online_serving) || imports_any(WEB_FRAMEWORKS) && RX_ROUTE.is_match(bytes)) {
        for e in ev.iter_mut().filter(|e| e.kind == "code.monitor") {
            e.attrs.insert("in_service", "yes");
        }
    }
    // Which top-level functions reach a fact: asked for the kinds below only.
    let placed =
        |e: &Evidence| matches!(&*e.kind, "code.train" | "code.scoring" | "code.load-model" | "code.eval-gate" | "code.model-compare");
    let blocks = if in_test || notebook || !ev.iter().any(placed) { Vec::new() } else { top_level_blocks(&masked) };
    let kfp = blocks.iter().any(|b| b.component) && imports_any(&["kfp"]);
    let dagster = blocks.iter().any(|b| b.asset.is_some()) && imports_any(&["dagster"]);
    for mut e in ev {
        if in_test {
            e = e.attr("in_test", "true");
        }
        if placed(&e) {
            if let Some(defs) = reaching_blocks(&blocks, e.location.start_line) {
                e = e.attr("defs", defs.join(","));
            }
            // Code in a KFP component body runs where the pipeline runs, not
            // where the module is imported (see `link::unreach_unsubmitted_components`).
            let line = e.location.start_line;
            if kfp && blocks.iter().any(|b| b.component && b.start <= line && line <= b.end) {
                e = e.attr("in_component", "kfp");
            }
            // Code in a Dagster asset runs when a job selecting it runs (see
            // `link::unreach_unscheduled_assets`).
            let asset = blocks.iter().find(|b| dagster && b.start <= line && line <= b.end).and_then(|b| b.asset.as_ref());
            if let Some((asset, group)) = asset {
                e = e.attr("dagster_asset", asset);
                if let Some(g) = group {
                    e = e.attr("dagster_group", g);
                }
            }
        }
        if notebook {
            e = e.attr("notebook", "true");
        } else if !in_test && e.kind == "code.pipeline-trigger" && metric_guarded(&masked, &idx, e.location.start_line) {
            e = e.attr("guarded", "condition");
        }
        facts.evidence.push(e);
    }
    facts.evidence.sort();
    facts.evidence.dedup_by(|a, b| a.kind == b.kind && a.location == b.location && a.attrs == b.attrs);
    // Only modules defining a DAG or starting one (the catalogue's
    // `TriggerDagRunOperator` entry) are read for DAG ids.
    let airflow = |e: &Evidence| {
        e.kind == "code.pipeline-def" && e.attrs.get("tool").is_some_and(|t| t == "airflow")
            || e.kind == "code.pipeline-trigger" && e.attrs.get("target").is_some_and(|t| t == "airflow-dag")
    };
    if !notebook && facts.evidence.iter().any(airflow) {
        (facts.dags, facts.dag_calls) = airflow_dag_links(path, bytes, &idx);
    }
    if !notebook && !in_test && !local.is_empty() && super::is_drift_condition(&masked) {
        facts.drift_gates = drift_gates(&masked, &idx, &imports, &local);
    }
    facts.local_imports = local;
    if !notebook {
        facts.config_files = hydra_config_files(path, &masked, repo);
    }
    facts
}

/// Whether the receiver of a call (`model.fit`, `self.clf.fit`,
/// `?.best_estimator.fit`) is named as a model: `model`, `estimator`, `clf`,
/// `classifier`, `regressor`, `learner`, `forecaster`, `booster`, or a name
/// ending or starting with one (`rf_model`, `model_a`). Not transformers of
/// data (`scaler`, `encoder`, `vectorizer`).
fn is_model_name(qualified: &str) -> bool {
    const WORDS: &[&str] = &["model", "estimator", "clf", "classifier", "regressor", "learner", "forecaster", "booster"];
    let Some(recv) = qualified.strip_suffix(".fit").and_then(|r| r.rsplit('.').next()) else { return false };
    let recv = recv.to_ascii_lowercase();
    let parts: Vec<&str> = recv.split('_').filter(|p| !p.is_empty()).collect();
    let model = [parts.first(), parts.last()].into_iter().flatten().any(|p| WORDS.contains(p));
    model
}

/// Whether an `if` condition tests a metric: drift, a score, an error or a
/// loss, an alert, or a comparison with a fractional threshold (`> 0.3`).
fn is_metric_condition(cond: &str) -> bool {
    static RX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i-u)drift|degrad|decay|skew|thresh|alert|alarm|anomal|accura|\bacc\b|metric|score|\bf1|\bauc\b|rmse|\bmae\b|\bmse\b|mape|\bpsi\b|p_?val|perform|exceed|retrain|regress|worse|breach|violat|outlier|precision|recall|\bloss\b|error_rate|[<>]=?\s*-?[0-9]*\.[0-9]|[0-9]\.[0-9]*\s*[<>]",
        )
        .unwrap()
    });
    RX.is_match(cond.as_bytes())
}

/// The last line of the block opened on line `first` at `indent`: the lines
/// below indented deeper (blank ones inside it too).
fn block_end(masked: &str, idx: &LineIndex, first: u32, indent: usize) -> u32 {
    let mut last = first;
    for l in first + 1..=idx.count() as u32 {
        let t = idx.text(masked, l);
        if !t.trim().is_empty() {
            if t.len() - t.trim_start().len() <= indent {
                break;
            }
            last = l;
        }
    }
    last
}

/// Whether the statement on `line` runs only when a metric says so: in the
/// block of an `if`/`elif` testing one ([`is_metric_condition`]) or of the
/// `else` closing it; in a function such a block calls; in an alert handler
/// (a route or event handler named for drift, alerts or alarms); or in an
/// Airflow DAG that branches on a task's result (`BranchPythonOperator`,
/// `ShortCircuitOperator`, `@task.branch`). A start that always runs beside
/// a monitor is a schedule, not a trigger (`link::derive_retrain_on_alert`).
fn metric_guarded(masked: &str, idx: &LineIndex, line: u32) -> bool {
    const BRANCHES: &[&str] = &[
        "BranchPythonOperator",
        "ShortCircuitOperator",
        "BranchExternalPythonOperator",
        "BranchPythonVirtualenvOperator",
        "@task.branch",
        "@task.short_circuit",
    ];
    static RX_IF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m-u)^([ \t]*)(?:if|elif)[ \t]+([^\n]+)").unwrap());
    if BRANCHES.iter().any(|b| masked.contains(b)) {
        return true;
    }
    let indent = |t: &str| t.len() - t.trim_start().len();
    fn cond(t: &str) -> Option<&str> {
        let h = t.trim();
        h.strip_prefix("if ").or_else(|| h.strip_prefix("elif ")).map(|c| c.trim_end_matches(':'))
    }
    // Up through the enclosing blocks: conditions, then the innermost function.
    let mut cur = indent(idx.text(masked, line));
    let mut func: Option<(&str, u32)> = None;
    for l in (1..line).rev() {
        if cur == 0 {
            break;
        }
        let t = idx.text(masked, l);
        if t.trim().is_empty() || indent(t) >= cur {
            continue;
        }
        cur = indent(t);
        let h = t.trim();
        if let Some(c) = cond(t) {
            if is_metric_condition(c) {
                return true;
            }
        } else if h.starts_with("else") {
            // The `if`/`elif` chain this `else` closes.
            for k in (1..l).rev() {
                let u = idx.text(masked, k);
                if u.trim().is_empty() || indent(u) > cur {
                    continue;
                }
                match cond(u) {
                    Some(c) if indent(u) == cur => {
                        if is_metric_condition(c) {
                            return true;
                        }
                        if u.trim_start().starts_with("if ") {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        } else if func.is_none() {
            if let Some(rest) = h.strip_prefix("async ").unwrap_or(h).strip_prefix("def ") {
                func = Some((rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or(""), l));
            }
        }
    }
    let Some((name, def_line)) = func.filter(|(n, _)| !n.is_empty()) else { return false };
    let alerting = |s: &str| {
        let s = s.to_ascii_lowercase();
        ["drift", "alert", "alarm", "anomal"].iter().any(|w| s.contains(w))
    };
    // An alert handler: routed to alerts, or a handler (decorated, or taking
    // the event or request) named for them.
    let decorators: Vec<&str> = (1..def_line).rev().map(|k| idx.text(masked, k).trim()).take_while(|d| d.starts_with('@')).collect();
    if decorators.iter().any(|d| RX_ROUTE.is_match(d.as_bytes()) && alerting(d)) {
        return true;
    }
    let params = idx.text(masked, def_line).split_once('(').map_or("", |(_, p)| p).trim_start();
    let handler = !decorators.is_empty()
        || ["event", "cloud_event", "request", "req", "payload", "alert"]
            .iter()
            .any(|p| params.strip_prefix(p).is_some_and(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')));
    if handler && alerting(name) {
        return true;
    }
    // Called from a metric condition's block elsewhere in the module.
    RX_IF.captures_iter(masked.as_bytes()).any(|c| {
        let first = idx.line(c.get(0).map_or(0, |m| m.start()));
        if !is_metric_condition(&String::from_utf8_lossy(&c[2])) {
            return false;
        }
        let last = block_end(masked, idx, first, c[1].len());
        (first..=last).any(|l| {
            let t = idx.text(masked, l);
            call_sites(t.as_bytes()).iter().any(|site| t[site.start..site.end].rsplit('.').next().is_some_and(|n| n.trim() == name))
        })
    })
}

/// The `if`/`elif` blocks whose condition tests drift or degradation and
/// that call a function of a local module (`from flows.train import
/// train_flow` then `if drifted: train_flow()`, or `import jobs.fit as fit`
/// then `fit.run()`): the module retrains in-process when its check fires.
fn drift_gates(masked: &str, idx: &LineIndex, imports: &[Import], local: &[(String, u32)]) -> Vec<DriftGate> {
    static RX_IF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m-u)^([ \t]*)(?:if|elif)\s+(.+?):[ \t]*$").unwrap());
    // Each name a call may use, and the local modules its import resolved to.
    let mut names: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for im in imports {
        let paths: Vec<&str> = local.iter().filter(|(_, l)| *l == im.line).map(|(p, _)| p.as_str()).collect();
        if paths.is_empty() {
            continue;
        }
        for n in im.bound_names().into_iter().filter(|n| *n != "*") {
            names.entry(n.to_string()).or_default().extend(paths.iter().copied());
        }
    }
    if names.is_empty() {
        return Vec::new();
    }
    let bytes = masked.as_bytes();
    let mut gates = Vec::new();
    for c in RX_IF.captures_iter(bytes) {
        let cond = String::from_utf8_lossy(&c[2]).into_owned();
        if !super::is_drift_condition(&cond) {
            continue;
        }
        let first = idx.line(c.get(0).map_or(0, |m| m.start()));
        let last = block_end(masked, idx, first, c[1].len());
        let mut calls = Vec::new();
        for l in first + 1..=last {
            let t = idx.text(masked, l);
            for site in call_sites(t.as_bytes()) {
                let called = String::from_utf8_lossy(&t.as_bytes()[site.start..site.end]).into_owned();
                let called: String = called.split_whitespace().collect();
                // `train_flow(` or `module.func(`: the name or its first part.
                let key = if names.contains_key(&called) { called.as_str() } else { called.rsplit_once('.').map_or("", |(m, _)| m) };
                for p in names.get(key).into_iter().flatten() {
                    calls.push((p.to_string(), l));
                }
            }
        }
        if !calls.is_empty() {
            gates.push(DriftGate { lines: (first, last), cond: cond.trim().to_string(), calls });
        }
    }
    gates
}

/// A top-level `def` or `class` of a module, a module-level assignment
/// (`model = Model()`), or its `if __name__ == "__main__":` block (named
/// `__main__`): its name, its lines (decorators included), the other
/// top-level names its body mentions, and the names its decorators register
/// it on (`app` of `@app.post(...)`).
#[derive(Debug)]
struct Block {
    name: String,
    start: u32,
    end: u32,
    mentions: BTreeSet<String>,
    hooks: BTreeSet<String>,
    /// An assignment: its own line runs when the module is imported.
    on_import: bool,
    /// Decorated as a pipeline component (`@dsl.component`, `@component`,
    /// `@dsl.container_component`): its body is compiled into a pipeline
    /// spec and runs only where that pipeline is submitted.
    component: bool,
    /// Decorated as a Dagster asset (`@asset`, `@dg.asset(group_name=...)`):
    /// its name (`name=` or the function's) and the group written on it. Its
    /// body runs when a job selecting it runs (see
    /// `link::unreach_unscheduled_assets`).
    asset: Option<(String, Option<String>)>,
}

/// The names a module uses of each local module it imports, as
/// `path=name,name;path=name` in path order: the names imported from it
/// (`from pkg.mod import a, b`), or the members reached through a module
/// imported whole (`from pkg import mod` / `import pkg.mod` then `mod.fn`).
fn local_names_used(masked: &str, imports: &[Import], local: &[(String, u32)]) -> String {
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (path, line) in local {
        let stem = path.strip_suffix("/__init__.py").or_else(|| path.strip_suffix(".py")).unwrap_or(path);
        let stem = stem.rsplit('/').next().unwrap_or(stem);
        let names = used.entry(path.as_str()).or_default();
        for im in imports.iter().filter(|i| i.line == *line) {
            let bound = im.bound_names();
            if im.names.is_empty() {
                names.extend(bound.iter().flat_map(|b| super::test_suite::attribute_names(masked, b)));
                continue;
            }
            // A module imported whole by name (`from pkg import mod`): the
            // members reached through it; any other name as imported.
            for (n, local_name) in im.names.iter().zip(bound) {
                if n == stem {
                    names.extend(super::test_suite::attribute_names(masked, local_name));
                } else {
                    names.insert(n.clone());
                }
            }
        }
    }
    let parts: Vec<String> = used
        .into_iter()
        .filter(|(_, n)| !n.is_empty())
        .map(|(p, n)| format!("{p}={}", n.into_iter().collect::<Vec<_>>().join(",")))
        .collect();
    parts.join(";")
}

/// The module's top-level blocks, from comment-free source.
fn top_level_blocks(masked: &str) -> Vec<Block> {
    let lines: Vec<&str> = masked.lines().collect();
    let mut blocks: Vec<Block> = Vec::new();
    let mut open: Option<usize> = None;
    let mut pending_decorator: Option<u32> = None;
    for (i, l) in lines.iter().enumerate() {
        let n = i as u32 + 1;
        if l.trim().is_empty() || l.starts_with([' ', '\t']) || l.starts_with([')', ']', '}']) {
            continue;
        }
        // A statement at column 0 ends the open block.
        if let Some(b) = open.take() {
            blocks[b].end = n - 1;
        }
        if l.starts_with('@') {
            pending_decorator.get_or_insert(n);
            continue;
        }
        let head = l.trim_start_matches("async ").trim_start();
        let name = if let Some(rest) = head.strip_prefix("def ").or_else(|| head.strip_prefix("class ")) {
            rest.trim_start().split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("").to_string()
        } else if RX_MAIN_GUARD.is_match(l.as_bytes()) {
            "__main__".to_string()
        } else {
            String::new()
        };
        let on_import = name.is_empty();
        let name = if name.is_empty() {
            // `name = ...` / `name: T = ...` (not `==`): a module-level variable.
            let id: String = head.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let rest = head[id.len()..].trim_start();
            let rest = if let Some(r) = rest.strip_prefix(':') { r.split_once('=').map(|(_, v)| v).unwrap_or("=") } else { rest };
            if !id.is_empty() && rest.starts_with('=') && !rest.starts_with("==") {
                id
            } else {
                String::new()
            }
        } else {
            name
        };
        let start = pending_decorator.take().unwrap_or(n);
        if !name.is_empty() {
            let hooks = lines[(start as usize - 1)..i]
                .iter()
                .filter_map(|d| {
                    let id: String = d.trim_start_matches('@').chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    (!id.is_empty()).then_some(id)
                })
                .collect();
            let decorators = &lines[(start as usize - 1)..i];
            let component = decorators.iter().any(|d| matches!(decorator_name(d), "component" | "container_component"));
            let asset =
                decorators.iter().position(|d| d.starts_with('@') && matches!(decorator_name(d), "asset" | "graph_asset")).map(|k| {
                    let decorator = lines[(start as usize - 1 + k)..i].join("\n");
                    let args = call_args(decorator.as_bytes(), 0);
                    let kw = |k: &str| args.iter().find(|(key, _)| key.as_deref() == Some(k)).and_then(|(_, v)| literal(v));
                    (kw("name").unwrap_or_else(|| name.clone()), kw("group_name"))
                });
            blocks.push(Block { name, start, end: lines.len() as u32, mentions: BTreeSet::new(), hooks, on_import, component, asset });
            open = Some(blocks.len() - 1);
        }
    }
    let names: BTreeSet<String> = blocks.iter().map(|b| b.name.clone()).collect();
    for b in blocks.iter_mut() {
        // A decorator (`@app.command()`) registers the block; running the
        // block does not run it.
        for l in lines[(b.start as usize - 1)..(b.end as usize).min(lines.len())].iter().filter(|l| !l.starts_with('@')) {
            for w in l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if w != b.name && names.contains(w) {
                    b.mentions.insert(w.to_string());
                }
            }
        }
    }
    blocks
}

/// A decorator line's name without its module (`@dsl.component(...)` ->
/// `component`).
fn decorator_name(line: &str) -> &str {
    let dotted = line.trim_start_matches('@').split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).next().unwrap_or("");
    dotted.rsplit('.').next().unwrap_or("")
}

/// The top-level names whose code reaches `line`: the block holding it and
/// every block or module-level variable that calls or registers that one,
/// directly or through others. `None` for code at module level (an
/// assignment included), which runs on import whatever is imported.
/// The top-level blocks of `src` that reach `line` (the `defs` attribute).
#[cfg(test)]
pub(crate) fn blocks_reaching(src: &str, line: u32) -> Vec<String> {
    let masked = pylex::mask(src);
    reaching_blocks(&top_level_blocks(&masked), line).unwrap_or_default()
}

fn reaching_blocks(blocks: &[Block], line: u32) -> Option<Vec<String>> {
    let holder = blocks.iter().find(|b| b.start <= line && line <= b.end).filter(|b| !b.on_import)?;
    let mut callers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for b in blocks {
        for m in &b.mentions {
            callers.entry(m.as_str()).or_default().push(b.name.as_str());
        }
    }
    // A decorator registers its function on a module-level object (`app`);
    // imported decorators (`@hydra.main`, `@task`) are no module name.
    let names: BTreeSet<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    for b in blocks {
        for h in b.hooks.iter().filter(|h| names.contains(h.as_str())) {
            callers.entry(b.name.as_str()).or_default().push(h.as_str());
        }
    }
    let mut reach: BTreeSet<&str> = BTreeSet::from([holder.name.as_str()]);
    let mut todo = vec![holder.name.as_str()];
    while let Some(n) = todo.pop() {
        for c in callers.get(n).into_iter().flatten() {
            if reach.insert(c) {
                todo.push(c);
            }
        }
    }
    Some(reach.into_iter().map(str::to_string).collect())
}

/// True when a method call's receiver (`scaler` in `scaler.fit`) is only ever
/// built by a constructor matching one of `not_on` (`x = StandardScaler()`):
/// the method then does what that class does, not what the catalogue entry
/// means (a transformer's `fit` learns a scaling, not a model).
fn built_by_excluded(call: &Call, ctors: &BTreeMap<String, Vec<String>>, not_on: &[String]) -> bool {
    let excluded = |c: &String| not_on.iter().any(|g| glob(g, c) || public_name(c).is_some_and(|p| glob(g, &p)));
    if let Some(ctor) = &call.on_result_of {
        return excluded(ctor);
    }
    let Some(receiver) =
        call.qualified.strip_prefix("?.").and_then(|q| q.strip_suffix(call.last.as_str())).and_then(|q| q.strip_suffix('.'))
    else {
        return false;
    };
    ctors.get(receiver).is_some_and(|built| !built.is_empty() && built.iter().all(excluded))
}

/// The dotted name called by the parenthesis that closes at `close`
/// (`a.B` of `a.B(x, f(y))`), or `None` when it is not a plain call.
fn callee_of_close(bytes: &[u8], close: usize) -> Option<String> {
    if bytes.get(close) != Some(&b')') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = close;
    loop {
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        if i == 0 {
            return None;
        }
        i -= 1;
    }
    if bytes[i] != b'(' {
        return None;
    }
    let end = i;
    let start = bytes[..end].iter().rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')).map_or(0, |p| p + 1);
    let name = std::str::from_utf8(&bytes[start..end]).ok()?;
    (!name.is_empty() && !name.starts_with('.') && !name.starts_with(|c: char| c.is_ascii_digit())).then(|| name.to_string())
}

/// MLflow run artifacts that are the model: `mlflow.log_artifact(s)` (or an
/// `MlflowClient`'s) of a path that names a model, directly
/// (`"model.pkl"`, `model_dir`) or through the variable it is read from
/// (`files = get_model_paths(run); log_artifacts(files["out"])`), or a path
/// whose variable the file also saves a model under (`joblib.dump(m,
/// out["model"])` then `log_artifacts(out["dir"])`). Such a
/// file is kept per run, keyed by the run id: a versioned model artifact
/// (RUBRIC "Model versioning"). Plots, reports and metrics files are not.
fn model_run_artifacts(
    masked: &str,
    calls: &[Call],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    if !imports_any(&["mlflow"]) {
        return;
    }
    // The arguments of every model save in the file (`joblib.dump(model, dst)`).
    let saves: Vec<&str> = RX_SAVE_MODEL
        .find_iter(masked.as_bytes())
        .map(|m| {
            let inner = &masked[m.end()..];
            &inner[..crate::pylex::closing_paren(inner.as_bytes()).unwrap_or(0)]
        })
        .collect();
    let saved_under = |name: &str| saves.iter().any(|a| a.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == name));
    for call in calls.iter().filter(|c| matches!(c.last.as_str(), "log_artifact" | "log_artifacts")) {
        // `mlflow.log_artifact(...)`, or a method on a client of this file's mlflow.
        if !(call.qualified.starts_with("mlflow") || call.qualified.starts_with("?.") && call.qualified[2..].contains('.')) {
            continue;
        }
        let rest = &masked[call.offset..];
        let Some(open) = rest.find('(') else { continue };
        let inner = &rest[open + 1..];
        let args = &inner[..crate::pylex::closing_paren(inner.as_bytes()).unwrap_or(inner.len())];
        let names = leading_names(args);
        if names_model_path(args)
            || names.iter().any(|n| assigned_value(&masked[..call.offset], n).is_some_and(names_model_path))
            || names.iter().any(|n| saved_under(n))
        {
            ev.push(mk("code.model-version", "mlflow", call.offset, Confidence::Medium).attr("mechanism", "run-artifact"));
        }
    }
}

/// True when an expression names a model file or folder (`model`, `.pkl`,
/// `checkpoint`, …) and nothing that is only a report about it.
fn names_model_path(expr: &str) -> bool {
    let l = expr.to_ascii_lowercase();
    let model = ["model", ".pkl", ".joblib", ".pt", ".pth", ".h5", ".onnx", ".ckpt", "checkpoint", "weights", ".safetensors"]
        .iter()
        .any(|w| l.contains(w));
    let report = [
        "metric",
        "report",
        "plot",
        "figure",
        "chart",
        "image",
        ".png",
        ".html",
        ".csv",
        ".json",
        ".txt",
        ".yaml",
        ".md",
        "summary",
        "card",
        "confusion",
    ]
    .iter()
    .any(|w| l.contains(w));
    model && !report
}

/// The variables an argument list starts from: `files["out"], dst` ->
/// `files`, `dst` (keyword names and attribute tails skipped).
fn leading_names(args: &str) -> Vec<&str> {
    args.split(',')
        .filter_map(|a| {
            let a = a.split_once('=').filter(|(k, _)| !k.contains(['(', '[', '"', '\''])).map(|(_, v)| v).unwrap_or(a).trim();
            let end = a.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(a.len());
            let name = &a[..end];
            (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
        })
        .collect()
}

/// The right-hand side of the last plain assignment `name = ...` in `before`.
fn assigned_value<'a>(before: &'a str, name: &str) -> Option<&'a str> {
    before.lines().rev().find_map(|l| {
        let t = l.trim_start();
        let rhs = t.strip_prefix(name)?.trim_start().strip_prefix('=')?;
        (!rhs.starts_with('=')).then_some(rhs.trim())
    })
}

/// Where a file submits a batch scoring job over a registered model (Vertex
/// AI `BatchPredictionJob.create` / `Model.batch_predict` / the job service's
/// `create_batch_prediction_job`, the pipeline component
/// `ModelBatchPredictOp`, SageMaker batch transform): the scoring entry point
/// of batch inference. Counted only with that platform's SDK imported.
fn batch_scoring_job(bytes: &[u8], imports_any: &dyn Fn(&[&str]) -> bool) -> Option<usize> {
    let platform = imports_any(&[
        "google.cloud.aiplatform",
        "google.cloud.aiplatform_v1",
        "google.cloud.aiplatform_v1beta1",
        "google_cloud_pipeline_components",
        "sagemaker",
    ]);
    if !platform {
        return None;
    }
    RX_BATCH_JOB.find(bytes).map(|m| m.start())
}

/// True when a file's name says it scores: a word of its stem (split at `_`,
/// `-`, `.`) starts with score, predict, infer, sampl or generat
/// (`batch_score.py`, `predict.py`, `run_inference.py`, `sample.py`).
fn inference_script_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.strip_suffix(".py").unwrap_or(&name);
    stem.split(['_', '-', '.']).any(|w| ["score", "scoring", "predict", "infer", "sampl", "generat"].iter().any(|p| w.starts_with(p)))
}

/// True when a file's name says it predicts: a word of its stem starts with
/// score, predict or infer (not sample/generate, which also name data tools).
fn predict_script_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.strip_suffix(".py").unwrap_or(&name);
    stem.split(['_', '-', '.']).any(|w| ["score", "scoring", "predict", "infer"].iter().any(|p| w.starts_with(p)))
}

/// True when a file's name says it is a scoring entry point: a word of its
/// stem starts with score, predict, infer, serve or handler (`score.py`,
/// `serving.py`, `handler.py`).
fn scoring_entry_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.strip_suffix(".py").unwrap_or(&name);
    predict_script_name(path) || stem.split(['_', '-', '.']).any(|w| w.starts_with("serv") || w.starts_with("handler"))
}

/// True when masked Python source (comments and docstrings blanked) defines
/// nothing that runs: it is empty, or every statement is an import, a
/// `def`/`class` header, a decorator, `pass`, `...`, a bare `return`, a
/// docstring or `raise NotImplementedError`. A file of imports alone is a
/// re-export, not a stub.
fn stub_source(masked: &str) -> bool {
    let mut depth: i32 = 0;
    let (mut defs, mut imports) = (0, 0);
    for line in masked.lines() {
        let continued = depth > 0;
        for c in line.bytes() {
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ => {}
            }
        }
        let t = line.trim();
        if continued || t.is_empty() || t.bytes().all(|c| c == b'"' || c == b'\'' || c.is_ascii_whitespace()) {
            continue;
        }
        let body_ok = |b: &str| {
            let b = b.trim();
            b.is_empty()
                || matches!(b, "pass" | "..." | "return" | "return None")
                || b.starts_with("raise NotImplementedError")
                || b.bytes().all(|c| c == b'"' || c == b'\'' || c.is_ascii_whitespace())
        };
        if t.starts_with("def ") || t.starts_with("async def ") || t.starts_with("class ") {
            defs += 1;
            // `def f(): pass` on one line: what follows the header's colon.
            if let Some(i) = t.rfind("):").or_else(|| t.rfind(':')) {
                let after = &t[i..].trim_start_matches(')').trim_start_matches(':');
                if !body_ok(after) {
                    return false;
                }
            }
            continue;
        }
        if t.starts_with("import ") || t.starts_with("from ") && t.contains(" import ") {
            imports += 1;
            continue;
        }
        if t.starts_with('@') || body_ok(t) {
            continue;
        }
        return false;
    }
    defs > 0 || imports == 0
}

#[allow(clippy::too_many_arguments)]
fn scoring(
    masked: &str,
    bytes: &[u8],
    idx: &LineIndex,
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
    path: &str,
    ships_logs: &dyn Fn() -> bool,
) {
    let style = |s: &str| ("style", s.to_string());
    let trains = ev.iter().any(|e| e.kind == "code.train");
    let loads = ev.iter().any(|e| e.kind == "code.load-model");
    let mut push = |kind: &str, offset: usize, conf: Confidence, st: (&str, String)| {
        ev.push(mk(kind, "", offset, conf).attr(st.0, st.1));
    };
    let mut is_serving = false;
    if let Some(r) = RX_DEF_INIT.find(bytes).and_then(|_| RX_DEF_RUN.find(bytes)) {
        push("code.scoring", r.start(), Confidence::High, style("azureml-init-run"));
        is_serving = true;
    }
    if let Some(mt) = RX_DEF_SAGEMAKER.find(bytes) {
        push("code.scoring", mt.start(), Confidence::High, style("sagemaker"));
        is_serving = true;
    }
    // Literals the patterns need, looked for first: most modules have neither.
    let handler_class = if masked.contains("Handler") { RX_HANDLER_CLASS.find(bytes) } else { None };
    if let Some(mt) = handler_class.or_else(|| RX_DEF_HANDLE.find(bytes)) {
        push("code.scoring", mt.start(), Confidence::High, style("handler"));
        is_serving = true;
    }
    if let Some(mt) = masked.contains("TritonPythonModel").then(|| RX_TRITON.find(bytes)).flatten() {
        push("code.scoring", mt.start(), Confidence::High, style("triton"));
        is_serving = true;
    }
    if imports_any(&["kserve"]) {
        if let Some(mt) = RX_KSERVE_MODEL.find(bytes) {
            push("code.scoring", mt.start(), Confidence::High, style("kserve"));
            is_serving = true;
        }
    }
    let web = imports_any(WEB_FRAMEWORKS);
    let predicts = RX_PREDICT_CALL.is_match(bytes) || RX_DEF_PREDICT.is_match(bytes);
    if web {
        if let Some(mt) = RX_ROUTE.find(bytes) {
            if predicts || masked.contains("predict") || masked.contains("/score") || masked.contains("infer") {
                push("code.scoring", mt.start(), Confidence::High, style("api"));
                is_serving = true;
            }
        }
    }
    if let Some(mt) = RX_SELDON_PREDICT.find(bytes) {
        push("code.scoring", mt.start(), Confidence::Medium, style("seldon"));
        is_serving = true;
    }
    // A batch scoring job submitted to a platform with a registered model.
    if let Some(at) = (!is_serving).then(|| batch_scoring_job(bytes, imports_any)).flatten() {
        push("code.scoring", at, Confidence::Medium, style("batch-job"));
        is_serving = true;
    }
    // A predict entry point outside training code: a top-level predict/score
    // function that calls a model, or a model wrapper class whose predict
    // method serves a loaded model.
    // A handler that reports to CodePipeline is a pipeline action (a smoke
    // test calling the endpoint), not a function serving requests.
    let pipeline_action = masked.contains("put_job_success_result") || masked.contains("put_job_failure_result");
    if let Some(mt) = (!is_serving && !pipeline_action).then(|| RX_DEF_SERVERLESS.find(bytes)).flatten() {
        if RX_PREDICT_CALL.is_match(bytes) || loads || masked.contains("invoke_endpoint") {
            push("code.scoring", mt.start(), Confidence::Medium, style("serverless"));
            is_serving = true;
        }
    }
    // An interactive app serving a model it loads: Streamlit reruns the
    // script on each interaction, Gradio calls the function bound to its
    // interface (`gr.Interface(fn=...)`, `.click(fn, ...)`); neither has
    // routes. The model's call (or the prediction taken from a call) is
    // the entry point. An app calling a remote model is a client (below).
    if !is_serving && !is_test_path(path) && !trains && loads && imports_any(&["streamlit", "gradio"]) {
        if let Some(mt) = RX_PREDICT_CALL.find(bytes).or_else(|| RX_PREDICTIONS_FROM_CALL.find(bytes)) {
            push("code.scoring", mt.start(), Confidence::Medium, style("ui-app"));
            is_serving = true;
        }
    }
    // An MLflow pyfunc model defined next to the training that fits what it
    // wraps: the class MLflow serves (`mlflow models serve`, a serving
    // endpoint, `build_docker`) calls its `predict`. A pyfunc class on its
    // own is as often a library's feature as a project's model.
    if !is_serving && !is_test_path(path) && trains && imports_any(&["mlflow"]) {
        if let Some(mt) = RX_PYFUNC_CLASS.find(bytes) {
            push("code.scoring", mt.start(), Confidence::Medium, style("mlflow-pyfunc"));
            is_serving = true;
        }
    }
    // In a training file only a predict*() function is an entry point
    // (score()/evaluate() there measure the model).
    // A predict function that takes the true labels measures a model on a
    // labelled set: an evaluation entry point (partial scoring), not one a
    // caller scores with.
    let evaluates = RX_DEF_PREDICT.find_iter(bytes).find(|m| takes_labels(bytes, m.end())).map(|m| m.start());
    if !is_serving && !is_test_path(path) && trains {
        if let Some(mt) = RX_DEF_PREDICT_ONLY.find_iter(bytes).find(|m| !takes_labels(bytes, m.end())) {
            push("code.scoring", mt.start(), Confidence::Low, style("predict-function"));
            is_serving = true;
        }
    }
    if !is_serving && !is_test_path(path) && !trains {
        if let Some(mt) = RX_DEF_PREDICT.find_iter(bytes).find(|m| !takes_labels(bytes, m.end())) {
            if RX_PREDICT_CALL.is_match(bytes) {
                push("code.scoring", mt.start(), Confidence::Medium, style("predict-function"));
                is_serving = true;
            }
        }
        if !is_serving && loads {
            if let Some(mt) = RX_METHOD_PREDICT.find(bytes) {
                push("code.scoring", mt.start(), Confidence::Medium, style("predict-function"));
                is_serving = true;
            }
        }
    }
    // (In a training file it measures that training, as `score()` there does.)
    if !is_serving && !is_test_path(path) && !trains {
        if let Some(at) = evaluates {
            push("code.scoring", at, Confidence::Low, style("checkpoint-eval"));
        }
    }
    // A model loaded as a Spark UDF and applied to a DataFrame
    // (`predict = mlflow.pyfunc.spark_udf(spark, uri)` then
    // `df.withColumn("score", predict(*cols))`): batch scoring, whatever
    // the file's name.
    if !is_serving && !is_test_path(path) && !trains && loads {
        if let Some(mt) = spark_udf_applied(bytes) {
            push("code.scoring", mt, Confidence::Medium, style("batch-script"));
            is_serving = true;
        }
    }
    // A batch inference script: named for scoring, it loads a trained model
    // and runs it (a `predict`/`generate` call or the model called on data).
    if !is_serving && !is_test_path(path) && !trains && loads && inference_script_name(path) {
        if let Some(mt) = RX_PREDICT_CALL.find(bytes) {
            push("code.scoring", mt.start(), Confidence::Medium, style("batch-script"));
            is_serving = true;
        }
    }
    // A prediction script (named for predicting, scoring or inference, run
    // as a program) that runs a local object over data and loads no model
    // itself: the model may be loaded by a module it imports, which only the
    // linker can see (`model=via-import`; dropped there otherwise).
    if !is_serving
        && !is_test_path(path)
        && !trains
        && !loads
        && predict_script_name(path)
        && RX_MAIN_GUARD.is_match(bytes)
        && !RX_HTTP_POST.is_match(bytes)
    {
        if let Some(mt) = RX_PREDICT_CALL.find(bytes).or_else(|| RX_PREDICTIONS_FROM_CALL.find(bytes)) {
            ev.push(mk("code.scoring", "", mt.start(), Confidence::Low).attr("style", "batch-script").attr("model", "via-import"));
            is_serving = true;
        }
    }
    // A scoring entry point with nothing in it: an empty `score.py`, or
    // `init()`/`run()` whose bodies are only `pass`, a docstring or
    // `raise NotImplementedError`. The file is tracked but scores nothing
    // (`style=stub`, partial).
    if !is_test_path(path) && stub_source(masked) {
        for e in ev.iter_mut().filter(|e| e.kind == "code.scoring") {
            e.attrs.insert("style", "stub");
        }
        if !ev.iter().any(|e| e.kind == "code.scoring") && path.ends_with(".py") && scoring_entry_name(path) {
            ev.push(mk("code.scoring", "", 0, Confidence::Low).attr("style", "stub"));
        }
    }
    let serving_file = is_serving || ev.iter().any(|e| e.kind == "code.scoring");
    // Online serving (not a batch/CLI predict function) is where post-deploy
    // metrics are gathered.
    let serving_style = ev.iter().any(online_serving);
    if !serving_file {
        // A client of a deployed model: posts to a scoring/predict endpoint
        // (a UI that calls the model is an application, not a test of it).
        let ui = imports_any(&["gradio", "streamlit", "dash", "flask", "fastapi", "panel", "tkinter"]);
        // A serving endpoint created or updated over the platform's REST
        // API (Databricks `api/2.0/serving-endpoints[/{name}/config]`, an
        // Azure `onlineEndpoints/` resource, Vertex `:deployModel`), the
        // module writing to it: a deployment, and no call of the model.
        // The path written to here (an HTTP write in the module), or handed
        // to a writing helper on its line (`write(f"serving-endpoints/{n}/
        // config", ...)`); cited where it is written to, not where its state
        // is read.
        let line_of = |m: &regex::bytes::Match<'_>| {
            let from = masked[..m.start()].rfind('\n').map_or(0, |i| i + 1);
            let to = masked[m.start()..].find('\n').map_or(masked.len(), |i| m.start() + i);
            &masked[from..to]
        };
        // (Most modules name no such path: the write calls are looked for
        // only in those that do.)
        let found: Vec<_> = RX_ENDPOINT_ADMIN.find_iter(bytes).collect();
        let writes_here = !found.is_empty() && RX_HTTP_WRITE.is_match(bytes);
        let admin = found
            .iter()
            .find(|m| !line_of(m).contains(".get(") && (writes_here || RX_WRITE_CALL.is_match(line_of(m).as_bytes())))
            .or_else(|| found.first().filter(|_| writes_here))
            .copied();
        if let Some(m) = admin {
            ev.push(mk("code.deploy", "http", m.start(), Confidence::Medium).attr("target", "endpoint-rest-api"));
        }
        if !ui && admin.is_none() {
            if let Some(mt) = RX_HTTP_POST.find_iter(bytes).find(|m| posts_to_model_endpoint(masked, idx, m.start())) {
                let mut e = mk("code.invoke-endpoint", "http", mt.start(), Confidence::Medium);
                // A server on this machine (`http://localhost:9000/...`, a
                // container the CI job started): not the deployed model.
                if posted_url(masked, mt.start()).is_some_and(|u| crate::command::is_loopback_url(&u)) {
                    e = e.attr("host", "local");
                }
                ev.push(e);
            }
        }
        return;
    }
    // A predict module that is also a command-line program logs for its
    // command line, not for a service that imports it.
    let cli = RX_MAIN_GUARD.is_match(bytes) || imports_any(&["typer", "click", "argparse", "fire"]);
    // A log call whose arguments (up to a few lines on) carry predictions or inputs.
    for mt in RX_LOG_CALL.find_iter(bytes).take_while(|_| serving_style || !cli) {
        let window = &bytes[mt.end()..(mt.end() + 400).min(bytes.len())];
        // The call's own arguments: up to its closing parenthesis.
        let args = &window[..crate::pylex::closing_paren(window).unwrap_or(window.len())];
        // The call must log values, not just a message: anything but one
        // plain string literal.
        let t = args.trim_ascii();
        let plain = t.len() >= 2 && matches!(t[0], b'"' | b'\'') && t.last() == Some(&t[0]) && !t[1..t.len() - 1].contains(&t[0]);
        let logs_values = !t.is_empty() && !plain;
        if RX_PRED_WORDS.is_match(args) && logs_values {
            let mut e = mk("code.prediction-log", "logging", mt.start(), Confidence::Medium);
            // Records on stdout or a local file are not kept for analysis;
            // a log shipper carries them to a central, searchable store; a
            // logger of its own for predictions writing structured records
            // (one JSON object per request) is a prediction log meant to be
            // collected.
            let receiver = String::from_utf8_lossy(&bytes[mt.start()..mt.end()]).to_ascii_lowercase();
            let dedicated = ["predict", "inference"].iter().any(|w| receiver.contains(w));
            let structured = t.starts_with(b"json.dumps(") || t.starts_with(b"{") || RX_LOG_EXTRA.is_match(args);
            // A serverless handler's stdout and logs go to the platform's
            // central log store (CloudWatch, Cloud Logging, Application Insights).
            let serverless = ev.iter().any(|e| e.kind == "code.scoring" && e.attrs.get("style") == Some("serverless"));
            let sink = if ships_logs() {
                "shipper"
            } else if dedicated && structured {
                "structured"
            } else if serverless {
                "platform"
            } else {
                "local"
            };
            e = e.attr("sink", sink);
            if !serving_style {
                // A predict function logs for a service only when an online
                // service imports it (decided by the linker).
                e = e.attr("online", "via-import");
            }
            ev.push(e);
            break;
        }
    }
    // Serving code that posts each request's record to a monitoring or
    // ingest service (`requests.post(MONITOR_URL, json={"features": ...,
    // "prediction": ...})`): the record, built in the call or just before
    // it, carries predictions, and the target names such a service.
    if serving_style && !ev.iter().any(|e| e.kind == "code.prediction-log") {
        for mt in RX_HTTP_POST.find_iter(bytes) {
            let window = &bytes[mt.end()..(mt.end() + 400).min(bytes.len())];
            let args = &window[..crate::pylex::closing_paren(window).unwrap_or(window.len())];
            let before = &bytes[mt.start().saturating_sub(300)..mt.start()];
            let target = String::from_utf8_lossy(args.split(|&b| b == b',').next().unwrap_or_default()).to_ascii_lowercase();
            let service = ["monitor", "ingest", "collect", "telemetry", "feedback", "metric", "logging", "log_url", "events"]
                .iter()
                .any(|w| target.contains(w));
            if service && (RX_PRED_WORDS.is_match(args) || RX_PRED_WORDS.is_match(before)) {
                ev.push(mk("code.prediction-log", "http", mt.start(), Confidence::Medium).attr("sink", "service"));
                break;
            }
        }
    }
    if masked.contains("predict") {
        if let Some(mt) = RX_STORE_PRED.find(bytes) {
            ev.push(mk("code.prediction-log", "store", mt.start(), Confidence::Low));
        }
    }
    if serving_style && !ev.iter().any(|e| e.kind == "code.prediction-log") {
        if let Some(mt) = RX_STORE_PRED_TABLE.find(bytes) {
            ev.push(mk("code.prediction-log", "store", mt.start(), Confidence::Medium).attr("sink", "table"));
        }
    }
    // Metrics of the model itself (predictions, confidence, drift) monitor it;
    // per-request latency and predictions recorded are post-deploy metrics.
    let mut model_metric = false;
    for c in RX_PROM_METRIC.captures_iter(bytes) {
        let name = String::from_utf8_lossy(&c[1]).to_lowercase();
        let at = c.get(0).unwrap().start();
        // Request latency is recorded for later analysis but says nothing of
        // the model: it is also generic telemetry.
        let latency = ["latency", "duration", "_seconds"].iter().any(|w| name.contains(w));
        // So does counting requests (`prediction_requests_total`), however
        // the endpoint is named.
        let requests = request_telemetry_name(&name);
        let model = !requests && ["predict", "inference", "confidence", "label", "score"].iter().any(|w| name.contains(w));
        if latency || model {
            model_metric |= model;
            ev.push(mk("code.prediction-log", "metrics", at, Confidence::High));
        }
        if !requests && ["predict", "confidence", "label", "drift", "score", "accuracy", "quality"].iter().any(|w| name.contains(w)) {
            ev.push(mk("code.monitor", "metrics", at, Confidence::Medium));
        }
    }
    if !model_metric
        && imports_any(&[
            "prometheus_client",
            "opentelemetry",
            "applicationinsights",
            "opencensus",
            "azure.monitor",
            "statsd",
            "datadog",
            "prometheus_fastapi_instrumentator",
            "starlette_exporter",
        ])
    {
        let pos =
            ["prometheus", "opentelemetry", "applicationinsights", "opencensus", "azure.monitor", "statsd", "datadog", "instrumentator"]
                .iter()
                .filter_map(|w| masked.find(w))
                .min()
                .unwrap_or(0);
        ev.push(mk("code.telemetry", "", pos, Confidence::Medium));
    }
}

/// Whether an imported module ships log records to a central store (a
/// Fluentd, Logstash, Kafka, Elasticsearch, Graylog, Loki or Splunk handler,
/// cloud logging clients, whylogs loggers writing profiles to a store),
/// judged by its dotted name, the repository's own modules included
/// (`app.logging.fluent_logger`).
pub fn is_log_shipper(module: &str) -> bool {
    let m = module.to_ascii_lowercase();
    // Message brokers and search stores carry requests and hold documents
    // too (a Kafka consumer serving predictions, Elasticsearch as a
    // retrieval store): only a module of theirs named for logs ships logs.
    if ["kafka", "elasticsearch"].iter().any(|w| m.contains(w)) {
        return ["log", "handler", "sink"].iter().any(|w| m.contains(w));
    }
    [
        "fluent",
        "logstash",
        "graypy",
        "splunk",
        "loki",
        "watchtower",
        "whylogs",
        "google.cloud.logging",
        "opencensus.ext.azure",
        "azure.monitor",
    ]
    .iter()
    .any(|w| m.contains(w))
}

/// Pipelines, DAGs and flows defined as code, and whether they start themselves.
fn pipelines(
    bytes: &[u8],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    // Data steps of an orchestrated pipeline: tasks/steps/assets/components
    // (or kedro nodes) whose names say they load or prepare data.
    if imports_any(&["prefect", "dagster", "zenml", "metaflow", "kfp", "flytekit", "airflow", "kedro"]) {
        let data_name = |n: &str| super::data_steps::is_data_step_name(n);
        // Or a step whose body reads data and fits nothing.
        let reads_data = |start: usize| {
            let text = &bytes[start..];
            let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
            let def_line = &text[..line_end];
            let indent = def_line.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            let mut end = line_end;
            for l in text[line_end..].split(|&b| b == b'\n').skip(1) {
                let ind = l.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
                if !l.iter().all(|b| b.is_ascii_whitespace()) && ind <= indent {
                    break;
                }
                end += l.len() + 1;
            }
            let body = &text[..end.min(text.len())];
            RX_PD_READ.is_match(body) && !body.windows(5).any(|w| w == b".fit(")
        };
        for c in RX_STEP_FN.captures_iter(bytes).chain(RX_KEDRO_NODE.captures_iter(bytes)) {
            let name = String::from_utf8_lossy(&c[1]).to_string();
            let def_start = bytes[..c.get(1).unwrap().start()].iter().rposition(|&b| b == b'\n').map(|p| p + 1).unwrap_or(0);
            if data_name(&name) || reads_data(def_start) {
                ev.push(mk("code.data-prep", "", c.get(1).unwrap().start(), Confidence::Medium).attr("op", "pipeline-step"));
                break;
            }
        }
    }
    // In-process schedulers: a long-running module that runs jobs on a
    // timer (`schedule.every().day.at("02:00").do(fit)`, APScheduler
    // `add_job(fit, "cron", ...)`) starts what those jobs run.
    // Not a pipeline definition: the jobs of one scheduler (features every
    // hour, training every night) are no steps of one pipeline.
    for (tool, rx) in [("schedule", &RX_SCHEDULE_LIB), ("apscheduler", &RX_APSCHEDULER_JOB)] {
        if let Some(m) = imports_any(&[tool]).then(|| rx.find(bytes)).flatten() {
            ev.push(mk("ci.trigger", "", m.start(), Confidence::High).attr("system", tool).attr("trigger", "schedule"));
        }
    }
    let mut def = |tool: &str, found: Option<regex::bytes::Match>, trigger: Option<&str>| {
        if let Some(m) = found {
            let mut e = mk("code.pipeline-def", tool, m.start(), Confidence::High);
            if let Some(t) = trigger {
                e = e.attr("trigger", t);
            }
            ev.push(e);
        }
    };
    if imports_any(&["airflow"]) {
        // `schedule=[Dataset(...)]` (Airflow 2.4+, `Asset` in 3): the DAG runs
        // when upstream tasks update the data, not on a timer.
        let t = if RX_AIRFLOW_DATA_SCHEDULE.is_match(bytes) {
            Some("external")
        } else {
            // `None`: run only when triggered.
            RX_AIRFLOW_SCHEDULE.captures_iter(bytes).any(|c| &c[1] != b"None").then_some("schedule")
        };
        def("airflow", RX_AIRFLOW_DAG.find(bytes), t);
    }
    if imports_any(&["prefect"]) {
        match RX_PREFECT_FLOW.find(bytes) {
            Some(m) => def("prefect", Some(m), prefect_launch(bytes).map(|(_, t)| t)),
            // A deployment module: it schedules a flow defined elsewhere
            // (`Deployment.build_from_flow(flow=imported, schedule=...)`,
            // `DeploymentSpec(flow_location="flows.py", schedule=...)`),
            // imported or named by its file, which the worker runs.
            None => {
                let launch = prefect_launch(bytes);
                def("prefect", launch.map(|(m, _)| m), launch.map(|(_, t)| t));
            }
        }
    }
    if imports_any(&["dagster"]) {
        // The code location (`Definitions(assets=..., schedules=[...])`)
        // binds the schedules and sensors it lists, defined in modules of
        // their own, to the assets and jobs it loads: it is started as they
        // are, and reaches what it imports.
        let listed = |kw: &str| {
            RX_DAGSTER_DEFINITIONS.find_iter(bytes).any(|m| {
                call_args(bytes, m.start()).iter().any(|(k, v)| {
                    let v = v.trim();
                    k.as_deref() == Some(kw) && !v.is_empty() && !matches!(v, "[]" | "None" | "()")
                })
            })
        };
        let t = if RX_DAGSTER_SCHEDULE.is_match(bytes) || listed("schedules") {
            Some("schedule")
        } else if RX_DAGSTER_SENSOR.is_match(bytes) || listed("sensors") {
            Some("external")
        } else {
            None
        };
        def("dagster", RX_DAGSTER_DEF.find(bytes).or_else(|| RX_DAGSTER_SCHEDULE.find(bytes)), t);
    }
    if imports_any(&["metaflow"]) {
        // A flow: a class of `FlowSpec`, or of a flow base (an imported
        // `ProjectFlow`, a local `BaseFlow(FlowSpec)`) in a module with steps.
        let steps = memchr::memmem::find(bytes, b"@step").is_some();
        let flow = RX_METAFLOW.captures_iter(bytes).find_map(|c| {
            let based = |w: &[u8]| w.ends_with(b"FlowSpec") || steps && w.ends_with(b"Flow");
            c[1].split(|b| !(b.is_ascii_alphanumeric() || *b == b'_')).any(based).then(|| c.get(0)).flatten()
        });
        // Started by a timer, or by an event or another flow's end.
        let t =
            if RX_METAFLOW_SCHEDULE.is_match(bytes) { Some("schedule") } else { RX_METAFLOW_TRIGGER.is_match(bytes).then_some("external") };
        def("metaflow", flow, t);
    }
    if imports_any(&["flytekit"]) {
        def("flyte", RX_FLYTE.find(bytes), RX_FLYTE_SCHEDULE.is_match(bytes).then_some("schedule"));
    }
    if imports_any(&["zenml"]) {
        def("zenml", RX_ZENML.find(bytes), RX_ZENML_SCHEDULE.is_match(bytes).then_some("schedule"));
    }
    if imports_any(&["kfp"]) {
        def("kubeflow", RX_KFP.find(bytes), RX_KFP_SCHEDULE.is_match(bytes).then_some("schedule"));
    }
    if imports_any(&["sagemaker.workflow"]) {
        def("sagemaker", RX_SM_PIPELINE.find(bytes), None);
        if let Some(m) = RX_SM_CONDITION.find(bytes) {
            ev.push(mk("code.eval-gate", "sagemaker", m.start(), Confidence::High).attr("compares", "threshold"));
        }
        if let Some(m) = RX_SM_UPSERT.find(bytes) {
            ev.push(mk("code.pipeline-trigger", "sagemaker", m.start(), Confidence::Medium).attr("target", "sagemaker-pipeline"));
        }
    }
    if imports_any(&["stepfunctions"]) {
        // Step Functions Data Science SDK: a `Choice` state whose numeric
        // rule reads a metric (`variable="$.Metric.Payload.rmse"`) decides
        // whether the workflow goes on; one on a counter or a status does not.
        let reads_metric = |m: &regex::bytes::Match| {
            let args = call_args(bytes, m.start());
            let var = args.iter().find(|(k, _)| k.as_deref() == Some("variable")).or_else(|| args.first().filter(|(k, _)| k.is_none()));
            var.is_some_and(|(_, v)| words_in(v, METRIC_WORDS))
        };
        if let Some(m) = RX_SFN_CHOICE.find_iter(bytes).find(reads_metric) {
            ev.push(mk("code.eval-gate", "stepfunctions", m.start(), Confidence::High).attr("compares", "threshold"));
        }
    }
}

/// A call creating or updating a deployment through the deployment
/// collection of an SDK client: `<client>.deployments.create(...)`,
/// `.online_deployments.begin_create_or_update(...)`. A class's own
/// `self.deployments` is not a client.
fn sdk_deployment_call(qualified: &str) -> bool {
    let parts: Vec<&str> = qualified.trim_start_matches("?.").split('.').collect();
    let n = parts.len();
    n >= 3
        && parts[0] != "self"
        && matches!(parts[n - 2], "deployments" | "online_deployments" | "batch_deployments")
        && matches!(parts[n - 1], "create" | "update" | "create_or_update" | "begin_create_or_update")
}

/// A TFX pipeline: its `Trainer` component trains (the module file runs on
/// the pipeline's runner); TensorFlow Model Analysis validation: a change
/// threshold measures the candidate against the baseline (the last blessed
/// model) and the Evaluator's blessing gates the Pusher, so it is a model
/// comparison that acts; a value threshold alone is a fixed evaluation gate.
fn model_validation(
    bytes: &[u8],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    if !imports_any(&["tensorflow_model_analysis", "tfx"]) {
        return;
    }
    if let Some(m) = imports_any(&["tfx"]).then(|| RX_TFX_TRAINER.find(bytes)).flatten() {
        if !ev.iter().any(|e| e.kind == "code.train") {
            ev.push(mk("code.train", "tfx", m.start(), Confidence::Medium).attr("framework", "tfx"));
        }
    }
    if let Some(m) = RX_TFMA_CHANGE.find(bytes) {
        ev.push(mk("code.model-compare", "tfx", m.start(), Confidence::High).attr("acts", "yes"));
    }
    if let Some(m) = RX_TFMA_VALUE.find(bytes) {
        ev.push(mk("code.eval-gate", "tfx", m.start(), Confidence::High).attr("compares", "threshold"));
    }
}

/// The best of the tracked runs, ranked by a metric, promoted in the
/// registry (`search_runs(order_by=["metrics.accuracy DESC"])`, then
/// `transition_model_version_stage(..., "Production")`): models chosen by
/// one metric over past runs, not a candidate weighed against the serving
/// model. Emits `code.model-select` (partial A/B); the same ranking with no
/// promotion in the file (looking up a run to load) is not evidence.
fn best_run_promotion(
    bytes: &[u8],
    imports_any: &dyn Fn(&[&str]) -> bool,
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
) {
    if !imports_any(&["mlflow"]) || !RX_PROMOTE_VERSION.is_match(bytes) {
        return;
    }
    if let Some(m) = RX_RUNS_BY_METRIC.find(bytes) {
        ev.push(mk("code.model-select", "mlflow", m.start(), Confidence::Medium));
    }
}

/// Words for the current model that are too short to match inside longer
/// names (`old` is in `threshold`): they count only as whole name parts
/// (`metrics_old_model`, `old.auc`).
const OLD_TOKENS: &[&str] = &["old", "older", "latest"];

/// True when `s` names the current (old) model: an [`OLD_WORDS`] word, or an
/// [`OLD_TOKENS`] word as a whole part of a name.
fn names_old(s: &str) -> bool {
    words_in(s, OLD_WORDS) || s.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()).any(|w| OLD_TOKENS.contains(&w))
}

/// How often each name of a file is bound to a number literal and to
/// anything else: as a parameter default (`baseline=0.8`) or an assignment
/// (`baseline = 0.8`, `baseline: float = 0.8`). Built in one pass over the
/// file, so asking about every comparison stays linear.
struct NumberBindings<'a>(HashMap<&'a str, (u32, u32)>);

impl<'a> NumberBindings<'a> {
    fn new(masked: &'a str) -> Self {
        let b = masked.as_bytes();
        let mut map: HashMap<&str, (u32, u32)> = HashMap::new();
        let mut i = 0;
        while i < b.len() {
            let starts = (b[i].is_ascii_alphabetic() || b[i] == b'_')
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.'));
            if !starts {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if let Some(number) = binding_value(&masked[j..]) {
                let e = map.entry(&masked[i..j]).or_default();
                if number {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
            i = j;
        }
        NumberBindings(map)
    }

    /// True when `side` is a bare name the file binds only to numbers: a
    /// name bound to anything else anywhere (a call, another name) is not a
    /// constant.
    fn only_numbers(&self, side: &str) -> bool {
        let name = side.trim().trim_matches(|c| c == '(' || c == ')').trim();
        self.0.get(name).is_some_and(|(numbers, others)| *numbers > 0 && *others == 0)
    }
}

/// After a name: `Some(true)` when it is bound to a number literal there
/// (an optional annotation on the same line, then a single `=`),
/// `Some(false)` when bound to anything else, `None` when not bound.
fn binding_value(rest: &str) -> Option<bool> {
    let rest = rest.trim_start_matches([' ', '\t']);
    let value = match rest.strip_prefix(':') {
        Some(r) if !r.starts_with('=') => {
            let line = &r[..r.find('\n').unwrap_or(r.len())];
            let (annotation, v) = line.split_once('=')?;
            if annotation.contains([')', ',']) {
                return None;
            }
            v
        }
        Some(_) => return None,
        None => rest.strip_prefix('=').filter(|r| !r.starts_with('='))?,
    };
    let literal = value.trim_start_matches([' ', '\t']);
    let literal = literal[..literal.find([',', ')', '\n', '#', ';']).unwrap_or(literal.len())].trim();
    Some(!literal.is_empty() && literal.trim_start_matches('-').parse::<f64>().is_ok())
}

fn words_in(s: &str, words: &[&str]) -> bool {
    // Byte-wise and case-blind (the word lists are lower-case ASCII), so no
    // lowered copy or substring searcher is built per call.
    let b = s.as_bytes();
    let at = |i: usize, w: &str| b.get(i..i + w.len()).is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()));
    // Words that start with a metric's name and are none (`access_token`
    // starts with `acc`, `mapping` with `map`).
    const NOT_METRIC: &[&str] = &["access", "accept", "account", "accumul", "accelera", "accomp", "accord", "mapping", "mapper"];
    let word_at = |p: usize, len: usize| {
        words.iter().any(|x| len >= x.len() && len <= x.len() + 6 && at(p, x)) && !NOT_METRIC.iter().any(|n| len >= n.len() && at(p, n))
    };
    // A name part (a run of ASCII letters and digits) that is a word or starts
    // with one, up to six characters longer.
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let len = i - start;
        if word_at(start, len) {
            return true;
        }
        // Its camel-case parts likewise (`TrainingMetrics`, `valRMSE`,
        // `RMSEValue`): a part starts at an upper-case letter after a lower-case
        // letter or digit, or at the last capital of an acronym.
        let mut part = start;
        for j in start + 1..=i {
            let boundary = j == i
                || (b[j].is_ascii_uppercase()
                    && (b[j - 1].is_ascii_lowercase()
                        || b[j - 1].is_ascii_digit()
                        || (b[j - 1].is_ascii_uppercase() && b.get(j + 1).is_some_and(|c| c.is_ascii_lowercase()))));
            if boundary {
                let len = j - part;
                if (part > start || j < i) && word_at(part, len) {
                    return true;
                }
                part = j;
            }
        }
    }
    // `w_` or `_w` anywhere: a word next to an underscore.
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == b'_')
        .any(|(p, _)| words.iter().any(|x| (p >= x.len() && at(p - x.len(), x)) || at(p + 1, x)))
}

/// What starts a Prefect deployment the module declares: a schedule
/// (`cron=`, `CronSchedule(`), or an automation's event trigger
/// (`triggers=[DeploymentEventTrigger(...)]`), `external` like other
/// orchestrators' sensors.
fn prefect_launch(bytes: &[u8]) -> Option<(regex::bytes::Match<'_>, &'static str)> {
    RX_PREFECT_SCHEDULE.find(bytes).map(|m| (m, "schedule")).or_else(|| RX_PREFECT_EVENT.find(bytes).map(|m| (m, "external")))
}

/// Evaluation gates and model comparisons. `queries_registry`: the file
/// looks registered versions or runs up (catalog `lookup=registry-query`),
/// so a score measured against the best of them (`score >= max(scores)`)
/// is the candidate against the current models.
fn gates(
    masked: &str,
    bytes: &[u8],
    mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence,
    ev: &mut Vec<Evidence>,
    in_test: bool,
    queries_registry: bool,
) {
    // Every finding compares (`<`, `>`): a module without either has none.
    if in_test || memchr::memchr2(b'<', b'>', bytes).is_none() {
        return;
    }
    // Names bound to numbers, found once per file when a comparison asks.
    let bindings_once = std::cell::OnceCell::new();
    let bindings = || bindings_once.get_or_init(|| NumberBindings::new(masked));
    // `name = other_name` statements of the file, gathered once.
    let copies_once = std::cell::OnceCell::new();
    let copies = || copies_once.get_or_init(|| name_copies(masked));
    // Any exit path in the file: a gate's verdict has to stop something.
    // Found once per file, when a comparison asks.
    let exits_once = std::cell::OnceCell::new();
    // Handing `main()`'s result to the interpreter (`raise SystemExit(main())`,
    // `sys.exit(main())`) exits on the verdict only if `main` returns one
    // (`return 0 if ok else 1`, `return int(not ok)`) or exits otherwise.
    let returns_status =
        || ["else 1", "else 0", "return not ", "return int("].iter().any(|p| memchr::memmem::find(bytes, p.as_bytes()).is_some());
    let main_result = |m: regex::bytes::Match| {
        let rest: Vec<u8> = bytes[m.start()..].iter().take(48).copied().filter(|b| !b.is_ascii_whitespace()).collect();
        [&b"raiseSystemExit(main())"[..], b"sys.exit(main())", b"exit(main())"].iter().any(|p| rest.starts_with(p)) && !returns_status()
    };
    let file_exits = || *exits_once.get_or_init(|| RX_EXIT_ANY.find_iter(bytes).any(|m| !main_result(m)));
    let file_acts = || file_exits() || RX_ACTION.is_match(bytes);
    // More brackets opened than closed (two counts, which vectorise).
    let open = |s: &str| s.bytes().filter(|b| matches!(b, b'(' | b'[')).count() > s.bytes().filter(|b| matches!(b, b')' | b']')).count();
    let mut offset = 0;
    let mut lines = masked.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let start = offset;
        offset += line.len();
        // Most lines neither open a bracket nor compare: they are left
        // untrimmed (blanks change neither) and, without a `(` or `[`, uncounted.
        let opens = memchr::memchr2(b'(', b'[', line.as_bytes()).is_some() && open(line);
        if !opens && memchr::memchr2(b'<', b'>', line.as_bytes()).is_none() {
            continue;
        }
        // A statement continued in brackets (`won = (\n  (a < b) if .. else ..\n)`)
        // is read whole, up to a few lines.
        let mut joined;
        let mut t = line.trim();
        if opens {
            joined = t.to_string();
            for _ in 0..6 {
                let Some(next) = lines.peek() else { break };
                joined.push(' ');
                joined.push_str(next.trim());
                offset += next.len();
                lines.next();
                if !open(&joined) {
                    break;
                }
            }
            t = joined.as_str();
        }
        // Every comparison below needs `<` or `>`.
        if memchr::memchr2(b'<', b'>', t.as_bytes()).is_none() {
            continue;
        }
        // A verdict kept for later (`better = rmse <= prod_rmse`) counts for
        // model comparisons only: boolean masks look like threshold gates.
        let assigned = assign_head(t).map(|end| &t[..end]);
        let head = ["if ", "elif ", "assert ", "return ", "while "].iter().find(|h| t.starts_with(**h)).copied().or(assigned);
        let Some(head) = head else { continue };
        let cut = t[head.len()..].split(':').next().unwrap_or("");
        // Arrows and shifts are not comparisons (copied only when there are some).
        let mut cond: std::borrow::Cow<str> = if ["->", ">>", "<<"].iter().any(|s| cut.contains(s)) {
            cut.replace("->", "").replace(">>", "").replace("<<", "").into()
        } else {
            cut.into()
        };
        // A conditional expression compares in a branch (`(a < b) if lower
        // else (a > b)`) or in its condition (`new if new_auc > prod_auc else
        // prod`): the first part holding a comparison is the comparison.
        if let Some((value, rest)) = cond.split_once(" if ") {
            if let Some((test, other)) = rest.split_once(" else ") {
                let part = [value, test, other].into_iter().map(|p| p.trim().trim_start_matches('(')).find(|p| p.contains(['<', '>']));
                if let Some(p) = part {
                    cond = p.to_string().into();
                }
            }
        }
        // Each finding below needs a metric or a new model named in the
        // condition (the sides are cut from it at non-word characters, so
        // a side names nothing the whole does not), or the registry's
        // versions looked up: most comparisons (loops, sizes) stop here,
        // before their sides are copied out.
        // A difference of the two models' scores kept in a name first
        // (`change = rel_delta(cand_rmse, champ_rmse)`, then `if change <=
        // -MIN_GAIN`): the candidate against the current model.
        let folded = folded_comparison(masked, start, &cond);
        if !queries_registry && !folded && !words_in(&cond, METRIC_WORDS) && !words_in(&cond, NEW_WORDS) {
            continue;
        }
        let Some((lhs, rhs)) = split_comparison(&cond) else { continue };
        let pos = start + (line.len() - line.trim_start().len());
        let lower = cond.to_ascii_lowercase();
        // Keeping the best checkpoint or early stopping is training, not a gate.
        // Words count as the start of a name part (`candidate` holds no date).
        // A side named like the old model but bound only to a number
        // (`baseline_accuracy=0.8`, `prod_auc = 0.75`) is a fixed bar.
        let old_model = |side: &str| names_old(side) && !bindings().only_numbers(side);
        // Metric names share some of those words (`eval_auc`, `log_loss`,
        // `precision_at_10`, `best_f1`): with the old model's on one side
        // (`staging_eval_metric <= production_eval_metric`, `new_f1 >
        // existing_best_f1`) they are a comparison of models.
        let parts: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let starts = |words: &[&str]| parts.iter().any(|p| words.iter().any(|w| p.starts_with(w)));
        let metric_like = ["_iters", "log_", "eval_", "_at"].iter().any(|w| lower.contains(w)) || starts(&["best"]);
        // The score so far against the best so far (`current_score <
        // self.best_score_`, `current_val_loss < best_val_loss`): early
        // stopping or keeping a checkpoint, where `current` is the epoch's.
        let running_best =
            starts(&["best"]) && starts(&["curr"]) && !parts.iter().any(|p| OLD_WORDS.iter().any(|w| *w != "current" && p.starts_with(w)));
        if running_best
            || running_update(copies(), &lhs, &rhs)
            || metric_like && old_model(&lhs) == old_model(&rhs)
            || starts(&["patience", "epoch", "retry", "step", "every", "interval", "freq", "warmup", "date", "time", "since", "day"])
        {
            continue;
        }
        let new_old = (words_in(&lhs, NEW_WORDS) && old_model(&rhs)) || (old_model(&lhs) && words_in(&rhs, NEW_WORDS));
        // `rmse <= prod_rmse`: the same metric, only one side the old model's.
        let same_metric = METRIC_WORDS.iter().any(|m| words_in(&lhs, &[m]) && words_in(&rhs, &[m]));
        let one_old = old_model(&lhs) != old_model(&rhs) && words_in(&lhs, OLD_WORDS) != words_in(&rhs, OLD_WORDS);
        // Versions, sizes and counts are not model performance.
        let not_quality = ["version", "len(", "count", "size", "rows", "shape"].iter().any(|w| lower.contains(w));
        // The candidate's score against the best (or worst) of the scores
        // of the versions the file looked up: `score >= max(scores.values())`.
        let aggregate = |s: &str| {
            let s = s.trim().trim_start_matches('(').trim_start();
            s.starts_with("max(") || s.starts_with("min(")
        };
        let versus_registered = queries_registry && aggregate(&lhs) != aggregate(&rhs);
        if (new_old || folded || (same_metric && one_old) || versus_registered) && !not_quality {
            let mut c = mk("code.model-compare", "", pos, Confidence::Medium).attr("acts", if file_acts() { "yes" } else { "no" });
            if let Some(v) = verdict_name(assigned, &lines_after(masked, offset)) {
                c = c.attr("verdict", &v);
            }
            ev.push(c);
            continue;
        }
        // Any comparison of the condition (`a > 0 and f1 < min_f1`) may be the gate.
        // A side bound only to a number in this file is a bar too.
        let constant_bar = |part: &str| {
            split_comparison(part).is_some_and(|(l, r)| {
                (words_in(&l, METRIC_WORDS) && bindings().only_numbers(&r)) || (words_in(&r, METRIC_WORDS) && bindings().only_numbers(&l))
            })
        };
        let gate =
            || cond.split(" and ").flat_map(|p| p.split(" or ")).any(|p| !literal_range(p) && (threshold_comparison(p) || constant_bar(p)));
        // A verdict kept in a variable gates when the file stops on it
        // (`ok = auc >= min_auc` ... `if not ok: raise ...`).
        let verdict_stops = || assigned.and_then(|a| a.split('=').next()).is_some_and(|name| stops_on(masked, name.trim()));
        // Or an `if` whose branch registers or deploys the model, or leaves
        // the function before it does (`if rmse > MAX: return` ...
        // `register_model(...)`).
        let indent = line.len() - line.trim_start().len();
        let branch = || matches!(head, "if " | "elif ") && guards_action(&masked[offset..], indent);
        // An `if` that keeps or skips the items of a loop (detections above
        // a confidence threshold) filters data; it gates nothing.
        let filters =
            || matches!(head, "if " | "elif ") && in_loop(&masked[..start], indent) && filters_items(t, &masked[offset..], indent);
        if head != "while " && gate() && (file_exits() && (assigned.is_none() || verdict_stops()) || branch()) && !filters() {
            ev.push(mk("code.eval-gate", "", pos, Confidence::Medium).attr("compares", "threshold"));
        }
    }
}

/// True when a condition checks that a value lies between two literal
/// bounds (`0.0 <= score <= 1.0`, `100 > pct >= 0`): a sanity check of a
/// prediction's or a metric's range, not a bar on its quality.
fn literal_range(cond: &str) -> bool {
    static RX: LazyLock<Regex> = LazyLock::new(|| {
        let num = r"-?\d+(?:\.\d+)?";
        let between = r"[\w.\[\]()'\x22 ]+?";
        Regex::new(&format!(r"(?-u)(?:^|[^\w.]){num}\s*(?:<=?\s*{between}\s*<=?|>=?\s*{between}\s*>=?)\s*{num}(?:[^\w.]|$)")).unwrap()
    });
    RX.is_match(cond.as_bytes())
}

/// True when a name on one side of a comparison is assigned from a name on
/// the other (`if loss < self.min_loss:` with `self.min_loss = loss`): a
/// running best kept by early stopping or checkpointing, not a bar.
fn running_update(copies: &HashSet<(&str, &str)>, lhs: &str, rhs: &str) -> bool {
    let names = |side: &str| -> Vec<String> {
        side.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
            .map(str::to_string)
            .collect()
    };
    let (l, r) = (names(lhs), names(rhs));
    l.iter().any(|a| r.iter().any(|b| copies.contains(&(a.as_str(), b.as_str())) || copies.contains(&(b.as_str(), a.as_str()))))
}

/// The `name = other_name` statements of a module (dotted names, one
/// assignment a line), as (target, source).
fn name_copies(masked: &str) -> HashSet<(&str, &str)> {
    let is_name = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    };
    masked
        .lines()
        .filter_map(|line| {
            let (to, from) = line.trim().split_once('=')?;
            let (to, from) = (to.trim(), from.trim());
            (is_name(to) && is_name(from)).then_some((to, from))
        })
        .collect()
}

/// True when the statement at `indent` after `before` is in the body of a
/// `for` loop: the nearest line above it that is indented less opens one.
fn in_loop(before: &str, indent: usize) -> bool {
    before
        .lines()
        .rev()
        .take(200)
        .find(|l| !l.trim().is_empty() && l.len() - l.trim_start().len() < indent)
        .is_some_and(|l| l.trim_start().starts_with("for ") || l.trim_start().starts_with("async for "))
}

/// True when an `if` statement `head` at `indent` (followed by `rest`) keeps
/// or skips the items of a loop: its branch collects them
/// (`kept.append(box)`, `yield`) or moves on (`continue`), and neither
/// leaves nor raises.
fn filters_items(head: &str, rest: &str, indent: usize) -> bool {
    let lines = rest.lines();
    let mut body: Vec<&str> = Vec::new();
    // `if s < t: continue` on one line.
    if let Some((_, after)) = head.rsplit_once(':').filter(|(_, a)| !a.trim().is_empty()) {
        body.push(after.trim());
    }
    for l in lines.take(40) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if l.len() - l.trim_start().len() <= indent {
            break;
        }
        body.push(t);
    }
    let collects = body.iter().any(|t| *t == "continue" || t.contains(".append(") || t.contains(".add(") || t.starts_with("yield "));
    let stops = body.iter().any(|t| t.starts_with("raise") || t.starts_with("return") || t.contains("exit(") || *t == "break");
    collects && !stops
}

/// True when the block an `if` at `indent` opens (the start of `rest`)
/// registers, promotes or deploys a model, or its `else` does, or the block
/// leaves (`return`, `continue`) before such a call later in the same body.
fn guards_action(rest: &str, indent: usize) -> bool {
    let acts = |l: &str| RX_ACTION.find_iter(l.as_bytes()).any(|m| !matches!(m.as_bytes(), b"set_tag" | b"set_model_version_tag"));
    let mut in_branch = true;
    let mut leaves = false;
    for l in rest.lines().take(400) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        let ind = l.len() - l.trim_start().len();
        if ind < indent {
            return false;
        }
        if ind == indent {
            // `else:` / `elif` continue the choice; any other statement
            // follows it, and counts only after a branch that leaves.
            in_branch = t.starts_with("else") || t.starts_with("elif ");
            if !in_branch && !leaves {
                return false;
            }
        }
        if acts(l) {
            return true;
        }
        if in_branch && ind > indent && (t == "return" || t.starts_with("return ") || t == "continue") {
            leaves = true;
        }
    }
    false
}

/// Name parts of a pipeline step that measures or compares models
/// (`evaluate_model`, `compare_models`, `check_quality`, `blessing`).
const EVAL_STEP_WORDS: &[&str] = &["eval", "compar", "metric", "threshold", "quality", "bless"];

/// True when a catalogue match opens a pipeline branch: a call of `If`,
/// `Elif` or `Condition` (`dsl.Condition(`).
fn is_branch_call(m: &[u8]) -> bool {
    let t = m.strip_suffix(b"(").unwrap_or(m).trim_ascii_end();
    [&b"If"[..], b"Elif", b"Condition"]
        .iter()
        .any(|w| t.ends_with(w) && !t[..t.len() - w.len()].last().is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_'))
}

/// True when the condition of the pipeline branch whose call starts at
/// `from` (its first argument, or `condition=`) reads model quality: it
/// names a metric or an evaluation (`eval_task.outputs["accuracy"] > 0.8`,
/// `auc >= min_auc`), or a name it reads is bound, within two steps, to the
/// output of a step named like an evaluation or comparison
/// (`decision = evaluate_model(...)` ... `decision.output == "true"`). The
/// arguments of that step are not read: a step fed metrics is not the one
/// judging them. A coin flip (`flip.output == "heads"`), a boolean
/// parameter (`do_deploy == True`) or an existence check does not.
fn branch_reads_quality(masked: &str, from: usize, assigned: &HashMap<&str, Vec<String>>) -> bool {
    let args = call_args(masked.as_bytes(), from);
    let cond = args.iter().find(|(k, _)| k.as_deref() == Some("condition")).or_else(|| args.iter().find(|(k, _)| k.is_none()));
    let Some((_, cond)) = cond else { return false };
    let quality = |s: &str| words_in(s, METRIC_WORDS) || words_in(s, EVAL_STEP_WORDS);
    if quality(cond) {
        return true;
    }
    let mut names: Vec<String> = root_names(cond);
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..2 {
        let mut next = Vec::new();
        for name in std::mem::take(&mut names) {
            if seen.contains(&name) {
                continue;
            }
            for value in assigned.get(name.as_str()).into_iter().flatten() {
                let head = without_arguments(value);
                if quality(&head) {
                    return true;
                }
                next.extend(root_names(&head));
            }
            seen.push(name);
        }
        names = next;
    }
    false
}

/// The names an expression starts its dotted chains with (`flip` of
/// `flip.output == "heads"`), outside strings, but not keywords or literals.
fn root_names(expr: &str) -> Vec<String> {
    let b = expr.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let (mut i, mut quote) = (0, None::<u8>);
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' {
            quote = Some(c);
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let after_dot = expr[..start].trim_end().ends_with('.');
            let word = &expr[start..i];
            let keyword = matches!(word, "True" | "False" | "None" | "and" | "or" | "not" | "in" | "is" | "if" | "else");
            // A string prefix (`f"..."`) is no name either.
            let prefix = b.get(i).is_some_and(|c| *c == b'"' || *c == b'\'');
            if !after_dot && !keyword && !prefix && !out.iter().any(|o| o == word) {
                out.push(word.to_string());
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The values each name is assigned at the start of a statement (`name =
/// ...`, `name: T = ...`), each read up to where its brackets close: one
/// pass over the file, however many branches ask.
fn assignments(masked: &str) -> HashMap<&str, Vec<String>> {
    let mut out: HashMap<&str, Vec<String>> = HashMap::new();
    let mut offset = 0;
    for line in masked.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim_start();
        let name_len = t.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
        if name_len == 0 || t.as_bytes()[0].is_ascii_digit() {
            continue;
        }
        let (name, rest) = t.split_at(name_len);
        let rest = rest.trim_start_matches([' ', '\t']);
        let rest = match rest.strip_prefix(':') {
            Some(r) => match r.split_once('=') {
                Some((annotation, v)) if !annotation.contains(['\n', '(', ')', ',']) && !v.starts_with('=') => v,
                _ => continue,
            },
            None => match rest.strip_prefix('=') {
                Some(v) if !v.starts_with('=') => v,
                _ => continue,
            },
        };
        let at = start + (line.len() - rest.len());
        let tail = &masked.as_bytes()[at..];
        // The statement ends at the first newline outside brackets.
        let (mut depth, mut end, mut quote) = (0i32, tail.len(), None::<u8>);
        let mut i = 0;
        while i < tail.len().min(4000) {
            let c = tail[i];
            match quote {
                Some(_) if c == b'\\' => i += 1,
                Some(q) if c == q || c == b'\n' => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => depth -= 1,
                    b'\n' if depth <= 0 => {
                        end = i;
                        break;
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        out.entry(name).or_default().push(String::from_utf8_lossy(&tail[..end.min(i)]).trim().to_string());
    }
    out
}

/// An expression with the insides of its calls dropped, and any brackets
/// around it all:
/// `(evaluate(model=m).outputs["verdict"])` -> `evaluate().outputs["verdict"]`.
fn without_arguments(expr: &str) -> String {
    let mut e = expr.trim();
    while e.starts_with('(') && pylex::closing_paren(&e.as_bytes()[1..]).is_some_and(|c| c + 2 == e.len()) {
        e = e[1..e.len() - 1].trim();
    }
    let b = e.as_bytes();
    let mut out = String::with_capacity(e.len());
    let mut i = 0;
    while i < b.len() {
        out.push(b[i] as char);
        if b[i] == b'(' {
            if let Some(c) = pylex::closing_paren(&b[i + 1..]) {
                i += 1 + c;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The few lines after byte `at` (the body of a comparison's branch).
fn lines_after(masked: &str, at: usize) -> Vec<&str> {
    masked.get(at..).unwrap_or("").lines().take(4).collect()
}

/// The variable a comparison's verdict is kept in: the name it is assigned
/// to (`better = new_auc > old_auc`), or the flag its branch sets to a
/// literal (`if score >= best:` / `    promote = 1`).
fn verdict_name(assigned: Option<&str>, body: &[&str]) -> Option<String> {
    if let Some(a) = assigned {
        return a.split('=').next().map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    }
    body.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).take(2).find_map(|l| {
        let (name, value) = l.split_once('=')?;
        let name = name.trim();
        (assign_head(l).is_some() && is_literal(value) && !value.starts_with('=')).then(|| name.to_string())
    })
}

/// A bare literal: a number, `True`/`False`/`None`, or a quoted string.
fn is_literal(value: &str) -> bool {
    let v = value.trim();
    matches!(v, "True" | "False" | "None")
        || (!v.is_empty() && v.trim_start_matches('-').chars().all(|c| c.is_ascii_digit() || c == '.'))
        || (v.len() >= 2 && (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\'')))
}

/// A verdict that is computed or read, then set to a constant right before
/// the branch that tests it (`flag = int(f.read())` ... `flag = 1` /
/// `if flag == 1:`): the branch no longer depends on the verdict, so the
/// gate it stood for decides nothing. Emits `code.verdict-override` with
/// the variable's `name`; the linker marks comparisons whose verdict it is.
/// A constant set inside a conditional (deeper than the test) is not an
/// override, nor is a first assignment with no computed value before it.
///
/// Lines are read through the module's [`LineIndex`], not collected: a
/// line's trailing `\r` changes no trimmed text, and blank lines (the
/// only ones whose indent it would change) are never read for their indent.
fn verdict_overrides(masked: &str, idx: &LineIndex, mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence, ev: &mut Vec<Evidence>) {
    let line = |i: usize| idx.text(masked, i as u32 + 1);
    let n = idx.count();
    let indent = |l: &str| l.len() - l.trim_start().len();
    for i in 0..n {
        let l = line(i);
        let t = l.trim();
        let Some(head) = assign_head(t) else { continue };
        let name = t[..head].split('=').next().unwrap_or("").trim();
        if !is_literal(&t[head..]) || t[head..].starts_with('=') {
            continue;
        }
        // Tested next, at the same depth, with nothing between that leaves
        // the block (looked at first: a few lines, where most constants
        // fail; the look back reads up to 15).
        let k = indent(l);
        let tested = (i + 1..n).map(line).filter(|n| !n.trim().is_empty()).take(4).take_while(|n| indent(n) >= k).any(|n| {
            let c = n.trim().strip_prefix("if ").unwrap_or("");
            indent(n) == k && c.trim_start_matches("not ").split([' ', '=', ':', '!', ')']).next() == Some(name)
        });
        if !tested {
            continue;
        }
        // Computed before, in the same function (no `def` between).
        let computed = (0..i).rev().map(line).take_while(|p| !p.trim_start().starts_with("def ")).take(15).any(|p| {
            let p = p.trim();
            assign_head(p)
                .is_some_and(|h| p[..h].split('=').next().unwrap_or("").trim() == name && !is_literal(&p[h..]) && !p[h..].starts_with('='))
        });
        if computed {
            ev.push(mk("code.verdict-override", "", idx.start(i as u32 + 1) + k, Confidence::Medium).attr("name", name));
        }
    }
}

/// Where the head of an assignment to a plain name ends (`name =`, with
/// the blanks after it) when `s` starts with one; `name ==` is a name,
/// blanks and the first `=`. By hand: asked of every line of a module.
fn assign_head(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
        return None;
    }
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let mut i = 1 + b[1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    i += b[i..].iter().take_while(|c| blank(c)).count();
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    Some(i + b[i..].iter().take_while(|c| blank(c)).count())
}

/// Scoring code that serves online (an API, a handler, a serving class,
/// a function): not a batch or command-line predict function, an
/// evaluation of a checkpoint or a stub.
fn online_serving(e: &Evidence) -> bool {
    e.kind == "code.scoring"
        && e.attrs
            .get("style")
            .is_some_and(|s| !matches!(s, "predict-function" | "batch-job" | "batch-script" | "checkpoint-eval" | "stub"))
}

/// A metric named for the model's behaviour (`predictions_total`,
/// `model_confidence`, `FeaturePSI`), not the service's (`requests`, `latency`).
fn model_metric_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if request_telemetry_name(&name) || lifecycle_metric_name(&name) {
        return false;
    }
    ["predict", "model", "inference", "confidence", "drift", "psi", "output", "score"].iter().any(|w| name.contains(w))
}

/// A metric (lower-case name) of the platform's own model lifecycle:
/// training runs, registry versions, artifact sizes, loads
/// (`model_training_total`, `model_registry_versions`,
/// `model_artifact_bytes`, `model_load_total`). It watches the pipeline,
/// not what the served model predicts.
fn lifecycle_metric_name(name: &str) -> bool {
    let watches_outputs =
        ["predict", "confidence", "drift", "psi", "accura", "quality", "score", "output"].iter().any(|w| name.contains(w));
    !watches_outputs
        && ["train", "registr", "version", "artifact", "_bytes", "size", "load", "logging", "upload", "download"]
            .iter()
            .any(|w| name.contains(w))
}

/// A metric (lower-case name) that counts or times requests: it says
/// nothing of the model, whatever the endpoint is called
/// (`prediction_requests_total`, `predict_latency_seconds`).
fn request_telemetry_name(name: &str) -> bool {
    ["request", "calls", "hits", "errors", "latency", "duration", "_seconds"].iter().any(|w| name.contains(w))
}

/// Web frameworks: a module importing one that declares a route is a web service.
const WEB_FRAMEWORKS: &[&str] = &[
    "fastapi",
    "flask",
    "litestar",
    "starlette",
    "sanic",
    "aiohttp",
    "quart",
    "falcon",
    "django",
    "bottle",
    "tornado",
    "gradio",
    "streamlit",
];

/// Name parts that make a value a bar to clear (`min_auc`, `acc_threshold`).
const BAR_WORDS: &[&str] =
    &["min", "max", "threshold", "thresh", "bar", "floor", "ceiling", "tolerance", "target", "expected", "limit", "required", "baseline"];

/// True when `part` compares a metric with a bar: a non-zero number, a
/// constant, or a min/max/threshold name. Comparisons with zero are guards
/// (`recall > 0`, `len(errors) > 0`), counts and sizes are not model quality,
/// and a metric measured against another metric that is not a bar
/// (`loss > 4 * last_loss`) is a training check.
fn threshold_comparison(part: &str) -> bool {
    let Some((lhs, rhs)) = split_comparison(part) else { return false };
    let lower = part.to_ascii_lowercase();
    if ["len(", "count", "size", "shape", "rows", "version"].iter().any(|w| lower.contains(w)) {
        return false;
    }
    let bar = |side: &str| {
        let side = side.trim().trim_matches(|c| c == '(' || c == ')').trim();
        if side.trim_start_matches('-').trim_end_matches('0').trim_end_matches('.').trim_end_matches('0').is_empty() {
            return false;
        }
        let lower = side.to_ascii_lowercase();
        lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| BAR_WORDS.iter().any(|b| w.starts_with(b)))
            || RX_CONST_NAME.is_match(side.as_bytes())
            || (!words_in(side, METRIC_WORDS) && RX_NUMBER.is_match(side.as_bytes()))
    };
    (words_in(&lhs, METRIC_WORDS) && bar(&rhs)) || (words_in(&rhs, METRIC_WORDS) && bar(&lhs))
}

/// True when `masked` tests the variable `name` on its own (`if not ok:`,
/// `if ok:` with an `else:`, `assert ok`) and raises or exits within the
/// next few lines: the verdict stops the run. A boolean mask used to index a
/// table is never tested alone like this.
fn stops_on(masked: &str, name: &str) -> bool {
    let lines: Vec<&str> = masked.lines().collect();
    lines.iter().enumerate().any(|(i, l)| {
        let t = l.trim();
        if t.strip_prefix("assert ").is_some_and(|r| r.trim_start_matches("not ").split([',', ' ']).next() == Some(name)) {
            return true;
        }
        let Some(cond) = t.strip_prefix("if ").or_else(|| t.strip_prefix("elif ")).and_then(|c| c.strip_suffix(':')) else {
            return false;
        };
        let c = cond.trim();
        let c = c.strip_prefix("not ").unwrap_or(c).trim();
        let c = c.strip_suffix(" is False").or_else(|| c.strip_suffix(" is True")).unwrap_or(c).trim();
        c == name && lines[i + 1..].iter().take(6).any(|n| RX_EXIT_ANY.is_match(n.as_bytes()))
    })
}

/// Split a condition at its first comparison operator (`<`, `>`, `<=`, `>=`).
fn split_comparison(cond: &str) -> Option<(String, String)> {
    let b = cond.as_bytes();
    let pos = b.iter().position(|&c| c == b'<' || c == b'>')?;
    let after = if b.get(pos + 1) == Some(&b'=') { pos + 2 } else { pos + 1 };
    let lhs = cond[..pos].rsplit([' ', '(']).find(|x| !x.is_empty()).map(|_| cond[..pos].to_string())?;
    // Stop the operands at boolean connectives.
    let cut = |s: &str| s.split(" and ").next().unwrap_or(s).split(" or ").next().unwrap_or(s).trim().to_string();
    let lhs = lhs.rsplit(" and ").next().unwrap_or(&lhs).rsplit(" or ").next().unwrap_or(&lhs).trim().to_string();
    Some((lhs, cut(&cond[after..])))
}

#[allow(clippy::too_many_arguments)]
fn secrets(text: &str, _masked: &str, bytes: &[u8], idx: &LineIndex, path: &str, detector: &str, ev: &mut Vec<Evidence>) {
    let redacted = |line: u32, what: &str| -> String {
        let l = idx.text(text, line);
        let mut s: String = l.trim().chars().take(60).collect();
        if let Some(pos) = s.find(['"', '\'']) {
            s.truncate(pos);
        }
        format!("{s}\"****\" ({what})")
    };
    for c in RX_SECRET.captures_iter(bytes).chain(RX_WANDB_LOGIN_KEY.captures_iter(bytes)) {
        let value = String::from_utf8_lossy(c.get(c.len() - 1).unwrap().as_bytes()).to_string();
        let lower = value.to_lowercase();
        if ["your", "xxxx", "example", "changeme", "placeholder", "dummy", "<", "${", "test", "fake"].iter().any(|w| lower.contains(w))
            || value.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
        {
            continue;
        }
        let line = idx.line(c.get(0).unwrap().start());
        let mut e = Evidence::new("code.hardcoded-credential", detector, Location::line(path, line), Confidence::Medium, "");
        e.snippet = redacted(line, "redacted");
        ev.push(e);
    }
    for c in RX_TRACKING_URI.captures_iter(bytes) {
        let uri = String::from_utf8_lossy(&c[1]).to_string();
        // A server on this machine (a local MLflow UI) is no shared setting.
        if crate::command::is_loopback_url(&uri) {
            continue;
        }
        let line = idx.line(c.get(0).unwrap().start());
        let l = idx.text(text, line);
        let shown = if uri.contains('@') { "tracking URI with embedded credentials (redacted)".to_string() } else { l.to_string() };
        ev.push(Evidence::new("code.hardcoded-tracking-uri", detector, Location::line(path, line), Confidence::High, &shown));
    }
}

/// Commands the module spawns (`subprocess`, `os.system`) or declares as a
/// platform job, appended to `out`; returns how many of them, first, are
/// spawned.
fn commands(
    path: &str,
    masked: &str,
    bytes: &[u8],
    idx: &LineIndex,
    out: &mut Vec<Cmd>,
    repo: &RepoIndex,
    imported: Vec<(Vec<String>, u32)>,
) -> usize {
    let first = out.len();
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let text_of = |line: u32| idx.text(masked, line).trim().to_string();
    // A command list held in a variable (`cmd = [sys.executable, "-m",
    // "pkg.train", ...]` then `subprocess.run(cmd, ...)`): the list its name
    // was last given before the call.
    let lists = std::cell::OnceCell::new();
    let held = RX_SUBPROCESS_VAR.captures_iter(bytes).flat_map(|c| {
        let call = c.get(0).map_or(0, |m| m.start());
        let lists = lists.get_or_init(|| ListAssignments::new(bytes));
        match lists.before(bytes, &c[1], call) {
            Some(list) => vec![(String::from_utf8_lossy(list).into_owned(), idx.line(call))],
            // A parameter: the lists the helper's callers pass.
            None => runner_calls(bytes, idx, idx.line(call), &c[1], lists),
        }
    });
    let inline =
        RX_SUBPROCESS.captures_iter(bytes).map(|c| (String::from_utf8_lossy(&c[1]).to_string(), idx.line(c.get(0).unwrap().start())));
    let mut calls: Vec<(String, u32)> = inline.chain(held).collect();
    calls.sort_by_key(|(_, line)| *line);
    for (arg, line) in calls {
        if let Some(items) = arg.strip_prefix('[') {
            // The running interpreter (`sys.executable`) first is `python`.
            let interpreter = items.trim_start().starts_with("sys.executable");
            let argv: Vec<String> = interpreter.then(|| "python".to_string()).into_iter().chain(list_words(items)).collect();
            // A helper of this module that runs what its caller names
            // (`def run_job(script): subprocess.run([..., f"jobs/{script}"])`):
            // each call with literal arguments runs that command.
            // Called with values only known at run time (`deploy(sys.argv[1])`),
            // a deploy or publish is still one: the tool and verb are literal.
            let releases = || {
                matches!(
                    crate::command::classify(&argv),
                    crate::command::Invocation::Deploy { .. } | crate::command::Invocation::Publish { .. }
                )
            };
            if let Some(runs) =
                Runner::of(bytes, idx, line, items).map(|r| r.local_runs(bytes, idx)).filter(|r| !r.is_empty() || !releases())
            {
                for (argv, at) in runs {
                    out.push(Cmd { argv, location: Location::line(path, at), text: text_of(at), workdir: String::new() });
                }
                continue;
            }
            if !argv.is_empty() {
                out.push(Cmd { argv, location: Location::line(path, line), text: text_of(line), workdir: String::new() });
            }
        } else {
            let inner = arg.trim_matches(|ch| ch == '"' || ch == '\'');
            for sc in crate::shell::commands(inner, line) {
                out.push(Cmd { argv: sc.argv, location: Location::line(path, line), text: text_of(line), workdir: String::new() });
            }
        }
    }
    // Helpers imported from local modules run what their calls here name.
    for (argv, at) in imported {
        out.push(Cmd { argv, location: Location::line(path, at), text: text_of(at), workdir: String::new() });
    }
    let spawned = out.len() - first;
    // Script and source folder given through settings read from the
    // environment (`script_name=e.train_script_path`, where `train_script_path
    // = os.environ.get("TRAIN_SCRIPT_PATH")` and a CI variables file sets it).
    let mut env_scripts: Vec<(String, u32)> = Vec::new();
    let mut env_dir: Option<String> = None;
    for c in RX_JOB_FIELD.captures_iter(bytes) {
        let field = String::from_utf8_lossy(&c[2]).to_string();
        let Some(var) = repo.env_fields().get(&field) else { continue };
        let Some(value) = repo.ci_vars().get(var) else { continue };
        let line = idx.line(c.get(0).unwrap().start());
        match &c[1] {
            b"source_directory" | b"source_dir" | b"code" => {
                // `$(Build.SourcesDirectory)` and the like: the checkout.
                let dir = super::checkout_root(value);
                let dir = dir.trim_start_matches("./").trim_end_matches('/');
                env_dir = Some(if dir == "." { String::new() } else { dir.to_string() })
            }
            _ if value.ends_with(".py") => env_scripts.push((value.clone(), line)),
            _ => {}
        }
    }
    for (script, line) in env_scripts {
        out.push(Cmd {
            argv: vec!["python".into(), script],
            location: Location::line(path, line),
            text: text_of(line),
            workdir: env_dir.clone().unwrap_or_default(),
        });
    }
    // Platform job definitions: `command="python train.py"` with `code="./src"`.
    let code_dir = RX_JOB_CODE
        .captures_iter(bytes)
        .map(|c| String::from_utf8_lossy(&c[1]).trim_start_matches("./").trim_end_matches('/').to_string())
        .find(|d| !d.ends_with(".py"));
    // Steps that run a script from a source folder
    // (`PythonScriptStep(script_name="train.py", source_directory=src_dir)`).
    let folder_steps = folder_scripts(path, masked, idx);
    for (cmd, _) in &folder_steps {
        out.push(cmd.clone());
    }
    // Azure ML SDK v2 specs loaded from YAML (`load_component(source=...)`,
    // `load_job(...)`): the pipeline built from them is submitted, so each
    // spec runs as `az ml job create -f` would run it.
    spec_loads(path, masked, idx, out, repo);
    // Platform steps that run a script (`ProcessingStep(code="x.py")`).
    for c in RX_JOB_SCRIPT.captures_iter(bytes) {
        let at = c.get(0).unwrap().start();
        if folder_steps.iter().any(|(_, span)| span.contains(&at)) {
            continue;
        }
        let line = idx.line(c.get(0).unwrap().start());
        let script = String::from_utf8_lossy(&c[1]).to_string();
        if !script.contains("://") {
            out.push(Cmd {
                argv: vec!["python".into(), script],
                location: Location::line(path, line),
                text: text_of(line),
                workdir: String::new(),
            });
        }
    }
    let workdir = match &code_dir {
        Some(d) if !d.contains("://") => crate::paths::join(dir, d),
        _ => dir.to_string(),
    };
    // Module-level string constants, for f-string commands (`f"python {SCRIPTS}/train.py"`).
    let consts = std::cell::OnceCell::new();
    let consts = || -> &BTreeMap<String, String> {
        consts.get_or_init(|| {
            RX_STR_CONST
                .captures_iter(bytes)
                .map(|c| (String::from_utf8_lossy(&c[1]).into_owned(), String::from_utf8_lossy(&c[2]).into_owned()))
                .collect()
        })
    };
    for c in RX_JOB_COMMAND.captures_iter(bytes) {
        let line = idx.line(c.get(0).unwrap().start());
        // Either quote delimits the string; the other may be inside it
        // (`command="bash -c 'cd src && python fit.py'"`).
        let Some(literal) = c.get(2).or_else(|| c.get(3)) else { continue };
        let mut cmd = String::from_utf8_lossy(literal.as_bytes()).to_string();
        if !c[1].is_empty() {
            for (k, v) in consts() {
                cmd = cmd.replace(&format!("{{{k}}}"), v);
            }
        }
        // Concatenated with a module constant: `"python " + SCRIPT [+ " --x"]`.
        if let Some(name) = c.get(4) {
            let name = String::from_utf8_lossy(name.as_bytes());
            match consts().get(name.as_ref()) {
                Some(v) => cmd = format!("{cmd}{v}{}", c.get(5).map(|t| String::from_utf8_lossy(t.as_bytes())).unwrap_or_default()),
                None => continue,
            }
        }
        // `cd dir && python x.py`: the folder below the file's, else below the
        // repository root (a container's copy of the repository).
        let mut wd = workdir.clone();
        for sc in crate::shell::commands(&cmd, line) {
            if sc.argv.first().is_some_and(|v| v == "cd") {
                if let Some(t) = sc.argv.get(1).filter(|t| !t.contains('$') && !t.starts_with(['/', '~', '-'])) {
                    let is_dir = |d: &str| !repo.paths.with_prefix(&format!("{d}/")).is_empty();
                    let here = crate::paths::join(&wd, t);
                    let root = crate::paths::join("", t);
                    wd = if !is_dir(&here) && is_dir(&root) { root } else { here };
                }
                continue;
            }
            let workdir = sc.dir.as_deref().map_or_else(|| wd.clone(), |d| crate::paths::join(&wd, d));
            out.push(Cmd { argv: sc.argv, location: Location::line(path, line), text: text_of(line), workdir });
        }
    }
    // Container commands written as lists (`"command": ["python", "-m", "trainer.task"]`).
    for c in RX_CMD_LIST.captures_iter(bytes) {
        let argv: Vec<String> = RX_QUOTED.captures_iter(&c[1]).map(|q| String::from_utf8_lossy(&q[1]).into_owned()).collect();
        if argv.first().is_some_and(|a| matches!(a.as_str(), "python" | "python3")) {
            let line = idx.line(c.get(0).unwrap().start());
            out.push(Cmd { argv, location: Location::line(path, line), text: text_of(line), workdir: workdir.clone() });
        }
    }
    // Pod commands split in two lists (Airflow `KubernetesPodOperator(cmds=["python"],
    // arguments=["-m", "src.fit"])`, Kubernetes `V1Container(command=[...], args=[...])`).
    static RX_POD_CMDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:cmds|command)\s*=\s*\[([^\]]*)\]").unwrap());
    static RX_POD_ARGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:arguments|args)\s*=\s*\[([^\]]*)\]").unwrap());
    let quoted = |b: &[u8]| -> Vec<String> { RX_QUOTED.captures_iter(b).map(|q| String::from_utf8_lossy(&q[1]).into_owned()).collect() };
    for c in RX_POD_CMDS.captures_iter(bytes) {
        let Some(open) = enclosing_open(&bytes[..c.get(0).unwrap().start()]) else { continue };
        let Some(len) = crate::pylex::closing_paren(&bytes[open + 1..]) else { continue };
        let call = &bytes[open + 1..open + 1 + len];
        let Some(args) = RX_POD_ARGS.captures(call) else { continue };
        let mut argv = quoted(&c[1]);
        argv.extend(quoted(&args[1]));
        if argv.len() > 1 && argv.first().is_some_and(|a| matches!(a.as_str(), "python" | "python3" | "bash" | "sh")) {
            let line = idx.line(c.get(0).unwrap().start());
            // A shell given the command line (`cmds=["bash", "-c"],
            // arguments=["python -m pkg.fit && ..."]`): the commands it runs.
            if argv.len() == 3 && argv[1] == "-c" && matches!(argv[0].as_str(), "bash" | "sh") {
                for sc in crate::shell::commands(&argv[2], line) {
                    out.push(Cmd { argv: sc.argv, location: Location::line(path, line), text: text_of(line), workdir: workdir.clone() });
                }
                continue;
            }
            out.push(Cmd { argv, location: Location::line(path, line), text: text_of(line), workdir: workdir.clone() });
        }
    }
    for c in RX_ENTRY_POINT.captures_iter(bytes) {
        let line = idx.line(c.get(0).unwrap().start());
        let script = String::from_utf8_lossy(&c[1]).to_string();
        out.push(Cmd {
            argv: vec!["python".into(), script],
            location: Location::line(path, line),
            text: text_of(line),
            workdir: workdir.clone(),
        });
    }
    spawned
}

/// Where a folder expression of a Python file points.
#[derive(Debug, Clone, PartialEq)]
enum Folder {
    /// A repository path (relative to the process's working directory).
    Known(String),
    /// A path below a folder the file computes at run time (a repository
    /// root read from configuration): only the tail is known.
    Under(String),
}

/// Steps that run a script out of a source folder: a call that passes both a
/// script (`script_name=`, `script=`, `entry_script=`) and its folder
/// (`source_directory=`, `source_dir=`), as Azure ML `PythonScriptStep`,
/// `ScriptRunConfig`, `EstimatorStep` and SageMaker estimators do. The
/// folder may be a literal, a variable assigned earlier in the file,
/// `os.path.join(...)`, `Path(...) / "x"` or the file's own folder
/// (`os.path.dirname(__file__)`); a base the file reads at run time keeps
/// the known tail (resolved by the linker as the longest repository suffix).
/// Each command comes with the byte span of its call.
/// The words of a command list's items (`[sys.executable, "-m", "pkg"]`,
/// without its `[`): each item's string literals, and one path for an item
/// that joins literals into a path (`str(ROOT / "scripts" / "x.py")`,
/// `os.path.join(here, "jobs", "x.py")` give `scripts/x.py`, `jobs/x.py`).
fn list_words(items: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = items;
    loop {
        let end = crate::pylex::top_level_comma(rest.as_bytes()).unwrap_or(rest.len());
        let item = &rest[..end];
        let mut lits = Vec::new();
        // A `/` outside the strings joins paths.
        let (mut slash, mut from) = (false, 0);
        for c in RX_STR.captures_iter(item.as_bytes()) {
            let m = c.get(0).expect("the match");
            slash |= item.as_bytes()[from..m.start()].contains(&b'/');
            from = m.end();
            lits.push(String::from_utf8_lossy(&c[1]).into_owned());
        }
        if lits.len() > 1 && (slash || item.contains("path.join(")) {
            out.push(lits.iter().map(|l| l.trim_matches('/')).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("/"));
        } else {
            out.extend(lits);
        }
        if end == rest.len() {
            return out;
        }
        rest = &rest[end + 1..];
    }
}

fn folder_scripts(path: &str, masked: &str, idx: &LineIndex) -> Vec<(Cmd, std::ops::Range<usize>)> {
    static RX_FOLDER_ARG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:source_directory|source_dir)\s*=[^=]").unwrap());
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let bytes = masked.as_bytes();
    let mut out = Vec::new();
    for m in RX_FOLDER_ARG.find_iter(bytes) {
        // The call holding the argument: the nearest unclosed `(` before it.
        let Some(open) = enclosing_open(&bytes[..m.start()]) else { continue };
        let Some(len) = crate::pylex::closing_paren(&bytes[open + 1..]) else { continue };
        let span = open + 1..open + 1 + len;
        if out.iter().any(|(_, s): &(Cmd, std::ops::Range<usize>)| s.start == span.start) {
            continue;
        }
        let args = &masked[span.clone()];
        let Some(script) = ["script_name", "script", "entry_script"].iter().find_map(|k| kwarg(args, k)) else { continue };
        let Some(script) = string_value(script, &masked[..open], 0).filter(|s| s.ends_with(".py") && !s.contains("://")) else {
            continue;
        };
        let Some(folder) = ["source_directory", "source_dir"].iter().find_map(|k| kwarg(args, k)) else { continue };
        let (program, workdir) = match folder_value(folder, &masked[..open], dir, 0) {
            Some(Folder::Known(d)) => (crate::paths::join(&d, &script), dir.to_string()),
            Some(Folder::Under(tail)) if !tail.is_empty() => (format!("$SOURCE_DIRECTORY/{tail}/{script}"), String::new()),
            _ => continue,
        };
        let line = idx.line(m.start());
        let text = idx.text(masked, line).trim().to_string();
        out.push((Cmd { argv: vec!["python".into(), program], location: Location::line(path, line), text, workdir }, span));
    }
    out
}

/// `load_component(source=<spec>)` / `load_job(<spec>)` of Azure ML SDK v2
/// with a spec path the file spells out (a literal, a folder expression
/// joined with a literal, `folder + "/x.yml"`, or an f-string of those:
/// [`fstring_paths`]), as `az ml job create -f` commands. A process's
/// working folder (`os.getcwd()`) is the checkout.
fn spec_loads(path: &str, masked: &str, idx: &LineIndex, out: &mut Vec<Cmd>, repo: &RepoIndex) {
    static RX_LOAD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\b(?:load_component|load_job)\s*\(").unwrap());
    let bytes = masked.as_bytes();
    if !masked.contains("load_component") && !masked.contains("load_job") {
        return;
    }
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for m in RX_LOAD.find_iter(bytes) {
        let Some(len) = pylex::closing_paren(&bytes[m.end()..]) else { continue };
        let args = &masked[m.end()..m.end() + len];
        let first = &args[..pylex::top_level_comma(args.as_bytes()).unwrap_or(args.len())];
        let Some(expr) = kwarg(args, "source").or_else(|| (!first.contains('=')).then(|| first.trim())) else { continue };
        let before = &masked[..m.start()];
        // `folder + "/x.yml"`: the folder, then the literal.
        let spec = match expr.rsplit_once('+').and_then(|(base, tail)| Some((base, literal(tail.trim())?))) {
            Some((base, tail)) => folder_value(base, before, dir, 0).map(|f| (f, tail)),
            None => folder_value(expr, before, dir, 0).map(|f| (f, String::new())),
        };
        let files = match spec {
            Some((Folder::Known(d), tail)) => vec![crate::paths::join(&d, tail.trim_start_matches('/'))],
            _ => fstring_paths(expr, before, dir, repo),
        };
        let line = idx.line(m.start());
        for file in files {
            if !(file.ends_with(".yml") || file.ends_with(".yaml")) || file.contains("://") {
                continue;
            }
            let text = idx.text(masked, line).trim().to_string();
            let argv = ["az", "ml", "job", "create", "-f", &file].map(String::from).to_vec();
            out.push(Cmd { argv, location: Location::line(path, line), text, workdir: String::new() });
        }
    }
}

/// The repository paths an f-string path can be (`f"{base}/{name}.yml"`):
/// each placeholder is a folder expression or string the file spells out,
/// a loop variable over a literal list or tuple (`for name in ["prep",
/// "train"]:`, each value), or else any one path segment, matched against
/// the repository's files under the folder the known part names (the
/// specs a loader given a name can load). Empty when nothing is known
/// before the first unknown placeholder's folder, or for more than 64
/// spellings.
fn fstring_paths(expr: &str, before: &str, dir: &str, repo: &RepoIndex) -> Vec<String> {
    let e = expr.trim();
    let Some(body) =
        ["f\"", "f'", "rf\"", "rf'", "fr\"", "fr'"].iter().find_map(|p| e.strip_prefix(p).and_then(|r| r.strip_suffix(&p[p.len() - 1..])))
    else {
        return Vec::new();
    };
    // Spellings so far, `\0` standing for an unknown segment.
    let mut spellings = vec![String::new()];
    let mut rest = body;
    while !rest.is_empty() {
        let (text, hole) = match rest.find('{') {
            Some(i) => {
                let Some(j) = rest[i..].find('}') else { return Vec::new() };
                let hole = &rest[i + 1..i + j];
                let text = &rest[..i];
                rest = &rest[i + j + 1..];
                (text, Some(hole))
            }
            None => {
                let text = rest;
                rest = "";
                (text, None)
            }
        };
        spellings.iter_mut().for_each(|s| s.push_str(text));
        let Some(hole) = hole.map(str::trim) else { continue };
        let values: Vec<String> = match folder_value(hole, before, dir, 0) {
            Some(Folder::Known(d)) => vec![d],
            _ => match string_value(hole, before, 0) {
                Some(v) => vec![v],
                None => loop_values(hole, before).unwrap_or_else(|| vec!["\0".to_string()]),
            },
        };
        spellings = spellings.iter().flat_map(|s| values.iter().map(move |v| format!("{s}{v}"))).collect();
        if spellings.len() > 64 {
            return Vec::new();
        }
    }
    let mut found = Vec::new();
    for sp in spellings {
        let sp = sp.trim_start_matches("./").to_string();
        let Some(at) = sp.find('\0') else {
            found.push(sp);
            continue;
        };
        // Unknown segments: the files under the known folder whose path
        // has the spelling's shape, each unknown part within one segment.
        let Some((folder, _)) = sp[..at].rsplit_once('/') else { continue };
        let parts: Vec<&str> = sp.split('\0').collect();
        for p in repo.paths.in_dir(folder).iter() {
            if segments_match(p, &parts) {
                found.push(p.to_string());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// True when `path` is `parts` joined by runs of characters other than `/`.
fn segments_match(path: &str, parts: &[&str]) -> bool {
    let Some((first, more)) = parts.split_first() else { return path.is_empty() };
    let Some(mut rest) = path.strip_prefix(first) else { return false };
    for (i, part) in more.iter().enumerate() {
        let last = i + 1 == more.len();
        let found =
            if last { rest.strip_suffix(part).map(|r| (r, "")) } else { rest.find(part).map(|k| (&rest[..k], &rest[k + part.len()..])) };
        match found {
            Some((hole, after)) if !hole.is_empty() && !hole.contains('/') => rest = after,
            _ => return false,
        }
    }
    rest.is_empty()
}

/// The values of loop variable `name` over a literal list or tuple of
/// strings in the nearest enclosing `for name in [...]:` before the use.
fn loop_values(name: &str, before: &str) -> Option<Vec<String>> {
    if !is_name(name) {
        return None;
    }
    let head = format!("for {name} in ");
    let line = before.lines().rev().find_map(|l| l.trim_start().strip_prefix(&head).map(str::trim))?;
    let list = line.strip_suffix(':')?.trim();
    let inner =
        list.strip_prefix('[').and_then(|r| r.strip_suffix(']')).or_else(|| list.strip_prefix('(').and_then(|r| r.strip_suffix(')')))?;
    let values: Option<Vec<String>> = inner.split(',').map(str::trim).filter(|v| !v.is_empty()).map(literal).collect();
    values.filter(|v| !v.is_empty())
}

/// Offset of the nearest `(` before the end of `s` that is not closed in `s`.
fn enclosing_open(s: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in s.iter().enumerate().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => return Some(i),
            b'[' | b'{' => return None,
            _ => {}
        }
    }
    None
}

/// The expression of keyword argument `name` in call arguments `args`.
fn kwarg<'a>(args: &'a str, name: &str) -> Option<&'a str> {
    let b = args.as_bytes();
    let mut from = 0;
    while let Some(pos) = args[from..].find(name).map(|p| p + from) {
        from = pos + name.len();
        let before_ok = pos == 0 || !(b[pos - 1].is_ascii_alphanumeric() || b[pos - 1] == b'_' || b[pos - 1] == b'.');
        let rest = args[from..].trim_start();
        if !before_ok || !rest.starts_with('=') || rest.starts_with("==") {
            continue;
        }
        let value = &rest[1..];
        let end = pylex::top_level_comma(value.as_bytes()).unwrap_or(value.len());
        return Some(value[..end].trim());
    }
    None
}

/// What a keyword argument that names a comparison's baseline gives.
#[derive(Debug, PartialEq)]
enum Baseline {
    /// `None`, or a name last assigned `None`: nothing is compared.
    Nothing,
    /// `None` on one branch of a conditional expression: a switch decides.
    Switched,
    /// Anything else.
    Given,
}

/// The baseline a keyword argument gives, its value starting at `from` in
/// `masked` (after the `=`). A name is followed to its last assignment.
fn baseline_value(masked: &str, from: usize) -> Baseline {
    let read = |value: &str| {
        let value = value.trim();
        if value == "None" {
            return Some(Baseline::Nothing);
        }
        let (then, rest) = value.split_once(" if ")?;
        let (_, otherwise) = rest.rsplit_once(" else ")?;
        (then.trim() == "None" || otherwise.trim() == "None").then_some(Baseline::Switched)
    };
    let value = argument_value(&masked[from..]);
    if let Some(b) = read(value) {
        return b;
    }
    if is_name(value.trim()) {
        if let Some(b) = assigned(&masked[..from], value.trim()).and_then(read) {
            return b;
        }
    }
    Baseline::Given
}

/// The text of one argument value at the start of `rest`: up to the first
/// comma or closing bracket outside brackets and strings.
fn argument_value(rest: &str) -> &str {
    let b = rest.as_bytes();
    &rest[..[pylex::top_level_comma(b), pylex::closing_paren(b)].into_iter().flatten().min().unwrap_or(b.len())]
}

/// The last assignment `name = <expr>` in `before` (one line).
fn assigned<'a>(before: &'a str, name: &str) -> Option<&'a str> {
    before.lines().rev().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix(name)?.trim_start();
        let rest = rest.strip_prefix('=').filter(|r| !r.starts_with('='))?;
        Some(rest.trim())
    })
}

/// A string literal, or a name assigned one earlier in the file.
fn string_value(expr: &str, before: &str, depth: u8) -> Option<String> {
    let e = expr.trim();
    if let Some(lit) = literal(e) {
        return Some(lit);
    }
    if depth < 4 && is_name(e) {
        return string_value(assigned(before, e)?, before, depth + 1);
    }
    None
}

/// A plain string literal's value (`"train.py"`, `r'src'`); not f-strings or empty ones.
pub(crate) fn literal(e: &str) -> Option<String> {
    let e = e.strip_prefix('r').unwrap_or(e);
    let q = e.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = e.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.is_empty() && !inner.contains(q) && !inner.contains('{')).then(|| inner.to_string())
}

fn is_name(e: &str) -> bool {
    !e.is_empty() && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && !e.as_bytes()[0].is_ascii_digit()
}

/// Where a folder expression points (see [`Folder`]); `dir` is the file's own folder.
fn folder_value(expr: &str, before: &str, dir: &str, depth: u8) -> Option<Folder> {
    if depth > 4 {
        return None;
    }
    let e = expr.trim().trim_end_matches(".resolve()").trim_end_matches(".absolute()");
    let join = |base: Folder, tail: &str| -> Folder {
        let tail = tail.trim_start_matches("./").trim_end_matches('/');
        match base {
            _ if tail.is_empty() || tail == "." => base,
            Folder::Known(d) => Folder::Known(crate::paths::join(&d, tail)),
            Folder::Under(d) if d.is_empty() => Folder::Under(tail.to_string()),
            Folder::Under(d) => Folder::Under(format!("{d}/{tail}")),
        }
    };
    if let Some(lit) = literal(e) {
        return Some(Folder::Known(lit.trim_start_matches("./").trim_end_matches('/').to_string()));
    }
    // The process's working folder: the checkout (a pipeline runs from its root).
    if matches!(e, "os.getcwd()" | "Path.cwd()" | "pathlib.Path.cwd()") {
        return Some(Folder::Known(String::new()));
    }
    // The file's own folder.
    let own = ["os.path.dirname(__file__)", "os.path.dirname(os.path.abspath(__file__))", "os.path.dirname(os.path.realpath(__file__))"];
    let compact: String = e.chars().filter(|c| !c.is_whitespace()).collect();
    if own.contains(&compact.as_str()) || compact.starts_with("Path(__file__)") && compact.ends_with(".parent") {
        let c = compact.trim_start_matches("Path(__file__)").trim_start_matches(".resolve()").trim_start_matches(".absolute()");
        let ups = c.matches(".parent").count();
        let mut d = dir.to_string();
        for _ in 1..ups.max(1) {
            d = d.rsplit_once('/').map(|(a, _)| a.to_string()).unwrap_or_default();
        }
        return Some(Folder::Known(d));
    }
    // `os.path.join(a, "b", ...)`
    if let Some(args) = e.strip_prefix("os.path.join(").and_then(|r| r.strip_suffix(')')) {
        let mut parts = Vec::new();
        let mut rest = args;
        loop {
            let end = pylex::top_level_comma(rest.as_bytes()).unwrap_or(rest.len());
            parts.push(rest[..end].trim());
            if end == rest.len() {
                break;
            }
            rest = &rest[end + 1..];
        }
        let mut acc = folder_value(parts[0], before, dir, depth + 1).unwrap_or(Folder::Under(String::new()));
        for p in &parts[1..] {
            acc = join(acc, &literal(p)?);
        }
        return Some(acc);
    }
    // `Path("a")`, `Path(a)`
    if let Some(inner) = e.strip_prefix("Path(").or_else(|| e.strip_prefix("pathlib.Path(")).and_then(|r| r.strip_suffix(')')) {
        if pylex::top_level_comma(inner.as_bytes()).is_none() {
            return folder_value(inner, before, dir, depth + 1);
        }
    }
    // `base / "a" / "b"`
    if let Some((base, tail)) = e.rsplit_once('/').filter(|(_, t)| literal(t.trim()).is_some()) {
        let base = folder_value(base, before, dir, depth + 1).unwrap_or(Folder::Under(String::new()));
        return Some(join(base, &literal(tail.trim())?));
    }
    if is_name(e) {
        return folder_value(assigned(before, e)?, before, dir, depth + 1);
    }
    None
}

/// Third-party modules imported by `files` and the local modules they
/// import, `depth` levels deep.
pub fn third_party_imports(repo: &RepoIndex, files: Vec<String>, depth: usize) -> BTreeSet<String> {
    third_party_imports_seen(repo, files, depth).0
}

/// [`third_party_imports`], and the files whose imports were read.
pub(crate) fn third_party_imports_seen(repo: &RepoIndex, files: Vec<String>, depth: usize) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut found = BTreeSet::new();
    let mut frontier = files;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for _ in 0..depth {
        let mut next = Vec::new();
        for p in &frontier {
            if !seen.insert(p.clone()) {
                continue;
            }
            if let Some(im) = repo.python_imports(p) {
                for i in im.iter() {
                    if !i.module.starts_with('.') && !repo.defines_python_module(i.module.split('.').next().unwrap_or("")) {
                        found.insert(i.module.clone());
                    }
                }
                next.extend(local_imports_of(repo, p, &im).iter().map(|(q, _)| q.clone()));
            }
        }
        frontier = next;
    }
    (found, seen)
}

/// The ML framework a set of imports brings in, if any: a module whose
/// import makes a catalogue training method (`fit`, `train`) count, or torch.
pub fn ml_framework(imports: &BTreeSet<String>, catalog: &crate::catalog::Catalog) -> Option<String> {
    let frameworks: Vec<&str> = ["fit", "train"]
        .into_iter()
        .flat_map(|m| catalog.methods(m))
        .filter(|e| e.evidence == "code.train")
        .flat_map(|e| e.needs.iter().map(String::as_str))
        .chain(["torch"])
        .collect();
    imports.iter().find_map(|r| frameworks.iter().find(|n| is_module_or_sub(r, n)).map(|s| s.split('.').next().unwrap_or(s).to_string()))
}

/// [`local_imports`] of a repository file, cached.
pub fn local_imports_of(repo: &RepoIndex, path: &str, imports: &[Import]) -> std::sync::Arc<Vec<(String, u32)>> {
    if let Some(v) = repo.local_imports.lock().ok().and_then(|m| m.get(path).cloned()) {
        return v;
    }
    let v = std::sync::Arc::new(local_imports(repo, path, imports));
    if let Ok(mut m) = repo.local_imports.lock() {
        m.insert(path.to_string(), v.clone());
    }
    v
}

/// Resolve the local modules an import list refers to, as repo paths.
pub fn local_imports(repo: &RepoIndex, path: &str, imports: &[Import]) -> Vec<(String, u32)> {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut out = Vec::new();
    // The roots an absolute import is looked for under, the same for every
    // import of the file: listed once, when one asks.
    let bases_once = std::cell::OnceCell::new();
    let bases = || {
        bases_once.get_or_init(|| {
            let mut bases: Vec<String> = vec![String::new(), "src".into()];
            bases.extend(repo.py_paths.iter().cloned());
            let mut d = dir.to_string();
            loop {
                bases.push(d.clone());
                // The src layout of a project in a subfolder (`proj/src/pkg`
                // imported from `proj/tests`).
                if !d.is_empty() {
                    bases.push(format!("{d}/src"));
                }
                match d.rsplit_once('/') {
                    Some((p, _)) => d = p.to_string(),
                    None => break,
                }
            }
            bases
        })
    };
    for im in imports {
        // No folder or module file of the repository has the import's first
        // name (`numpy`, `os`): it cannot resolve here.
        if !im.module.starts_with('.') && !repo.has_component(im.module.split('.').next().unwrap_or("")) {
            continue;
        }
        let mut candidates: Vec<String> = Vec::new();
        if im.module.starts_with('.') {
            let dots = im.module.chars().take_while(|c| *c == '.').count();
            let mut base = dir.to_string();
            for _ in 1..dots {
                base = base.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
            }
            let rest = im.module[dots..].replace('.', "/");
            let m = crate::paths::join(&base, &rest);
            candidates.push(m.clone());
            for n in &im.names {
                candidates.push(crate::paths::join(&m, n));
            }
        } else {
            let m = im.module.replace('.', "/");
            // Every candidate under a base starts with `base/first`: a base
            // where no path does is skipped with one lookup.
            let first = m.split('/').next().unwrap_or("");
            let plain = !first.is_empty() && first.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
            for b in bases() {
                if plain && !repo.has_path_prefix(&crate::paths::join(b, first)) {
                    continue;
                }
                let full = crate::paths::join(b, &m);
                // Imported names are modules only inside a package folder.
                if !im.names.is_empty() && repo.dir_exists(&full) {
                    for n in &im.names {
                        candidates.push(crate::paths::join(&full, n));
                    }
                }
                candidates.push(full);
            }
        }
        let before = out.len();
        for c in candidates {
            for file in [format!("{c}.py"), format!("{c}/__init__.py")] {
                if repo.exists(&file) && file != path && !out.iter().any(|(p, _)| p == &file) {
                    out.push((file, im.line));
                }
            }
        }
        // Not found on the usual roots (a sys.path insert, a runner's rootdir):
        // take the one file in the repository whose path ends like the module.
        // A package installed from another folder of the repository
        // (`pip install -e libs/x`) is found the same way by its `__init__.py`.
        if out.len() == before && !im.module.starts_with('.') {
            let m = im.module.replace('.', "/");
            let last = m.rsplit('/').next().unwrap_or(&m).to_string();
            for (rel, name) in [(format!("{m}.py"), format!("{last}.py")), (format!("{m}/__init__.py"), format!("{last}/__init__.py"))] {
                let under = format!("/{rel}");
                let mut hits = repo.files_named(&name).into_iter().filter(|p| (p.ends_with(&under) || **p == rel) && *p != path);
                if let (Some(hit), None) = (hits.next(), hits.next()) {
                    out.push((hit.to_string(), im.line));
                    // Names imported from the package are its modules when they are files.
                    let dir = hit.trim_end_matches("__init__.py");
                    for n in &im.names {
                        let file = format!("{dir}{n}.py");
                        if name.ends_with("/__init__.py") && repo.exists(&file) && !out.iter().any(|(p, _)| p == &file) {
                            out.push((file, im.line));
                        }
                    }
                    break;
                }
            }
        }
    }
    out
}

/// `module == name` or `module` is a submodule of `name` (`sklearn.ensemble` of `sklearn`).
fn is_module_or_sub(module: &str, name: &str) -> bool {
    module == name || (module.len() > name.len() && module.starts_with(name) && module.as_bytes()[name.len()] == b'.')
}

/// The nearest call around `pos`, through any list and dict literals
/// (`create_endpoint_config(ProductionVariants=[{"InstanceType": ..}])`).
fn outer_call(bytes: &[u8], pos: usize) -> Option<String> {
    let mut depth = 0i32;
    let start = pos.saturating_sub(4000);
    for i in (start..pos).rev() {
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' => {
                let name: Vec<u8> =
                    bytes[..i].iter().rev().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'.').copied().collect();
                return Some(String::from_utf8_lossy(&name.into_iter().rev().collect::<Vec<_>>()).into_owned());
            }
            _ => {}
        }
    }
    None
}

/// The YAML files of the config folder a Hydra entry point composes its
/// config from (`@hydra.main(config_path="../configs", ...)`), with the
/// line of the decorator, from comment-free source. Found through the path index (a range of the
/// sorted paths), not by listing the tree.
fn hydra_config_files(path: &str, masked: &str, repo: &RepoIndex) -> Vec<(String, u32)> {
    if !masked.contains("config_path") {
        return Vec::new();
    }
    let Some(m) = RX_HYDRA_MAIN.captures(masked.as_bytes()) else { return Vec::new() };
    let line = masked[..m.get(0).unwrap().start()].matches('\n').count() as u32 + 1;
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let conf = crate::paths::join(dir, &String::from_utf8_lossy(&m[1]));
    if conf.starts_with("..") {
        return Vec::new();
    }
    let prefix = format!("{conf}/");
    repo.paths.with_prefix(&prefix).iter().filter(|p| crate::paths::is_yaml(p)).map(|p| (p.to_string(), line)).collect()
}

/// True for a script whose name or folder says it prepares data:
/// `prepare*.py`, `preprocess*.py`, `make_dataset.py`, `build_folds.py`,
/// `download_data.py`, or any script in a `preprocessing/` / `data_prep/` folder.
fn data_script_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let (dir, name) = lower.rsplit_once('/').unwrap_or(("", &lower));
    let stem = name.trim_end_matches(".py");
    let in_prep_dir =
        dir.split('/').any(|c| matches!(c, "preprocessing" | "preprocess" | "data_prep" | "data_preparation" | "dataprep" | "etl"));
    let named = [
        "prepare",
        "preprocess",
        "make_dataset",
        "build_dataset",
        "create_dataset",
        "generate_dataset",
        "download_data",
        "download_dataset",
        "make_folds",
        "create_folds",
        "build_folds",
        "split_data",
        "ingest",
    ]
    .iter()
    .any(|w| stem.starts_with(w) || stem.ends_with(w) || stem.match_indices(w).any(|(i, _)| stem[..i].ends_with('_')));
    !is_test_path(path) && (named || in_prep_dir)
}

/// True when `.train(...)` is PyTorch's `nn.Module.train(mode)`, which only
/// switches a module into training mode: `super().train(...)` (an override),
/// `.train(mode=...)`, `.train(True|False)`, or one bare flag
/// (`model.train(training)`) on a receiver that is not a trainer or runner.
/// `trainer.train()` and `model.train(data=..., epochs=3)` train.
fn sets_train_mode(call: &Call, bytes: &[u8]) -> bool {
    let args = call_args(bytes, call.offset);
    if call.on_result_of.as_deref().is_some_and(|c| c.ends_with("super")) && !args.is_empty() {
        return true;
    }
    let receiver = call.qualified.strip_suffix(".train").unwrap_or("").rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if receiver.contains("trainer") || receiver.contains("runner") {
        return false;
    }
    match args.as_slice() {
        [(Some(k), _)] => k == "mode",
        [(None, v)] => v == "True" || v == "False" || v.starts_with("not ") || v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        _ => false,
    }
}

/// A Hugging Face Hub upload (`version-model` with `mechanism: hub`) read
/// by the repository type its call names: `repo_type="space"` deploys the
/// app of a Space (`code.deploy target=hf-space`), `repo_type="dataset"`
/// uploads data (no evidence); a model repository (the default, or
/// `repo_type="model"`) or a type the source does not spell out stays a
/// model version.
fn by_hub_repo_type(e: Evidence, bytes: &[u8], offset: usize, mk: &dyn Fn(&str, &str, usize, Confidence) -> Evidence) -> Option<Evidence> {
    if e.kind != "code.model-version" || e.attrs.get("mechanism").is_none_or(|m| m != "hub") {
        return Some(e);
    }
    let repo_type = call_args(bytes, offset).into_iter().find(|(k, _)| k.as_deref() == Some("repo_type")).and_then(|(_, v)| literal(&v));
    match repo_type.as_deref() {
        Some("space") => {
            let tool = e.attrs.get("tool").map(|t| t.to_string()).unwrap_or_default();
            Some(mk("code.deploy", &tool, offset, e.confidence).attr("target", crate::command::HF_SPACE))
        }
        Some("dataset") => None,
        _ => Some(e),
    }
}

/// Top-level arguments of the call whose name ends just before `from`:
/// (keyword if any, value text), in order.
pub(crate) fn call_args(bytes: &[u8], from: usize) -> Vec<(Option<String>, String)> {
    let Some(open) = bytes[from..].iter().position(|&b| b == b'(').map(|i| from + i) else { return Vec::new() };
    let Some(close) = pylex::closing_paren(&bytes[open + 1..]).map(|i| open + 1 + i) else { return Vec::new() };
    let mut inner = &bytes[open + 1..close];
    let mut parts = Vec::new();
    while let Some(i) = pylex::top_level_comma(inner) {
        parts.push(&inner[..i]);
        inner = &inner[i + 1..];
    }
    parts.push(inner);
    parts
        .into_iter()
        .map(|p| String::from_utf8_lossy(p).trim().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if k.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !v.starts_with('=') => {
                (Some(k.trim().to_string()), v.trim().to_string())
            }
            _ => (None, p),
        })
        .collect()
}

/// The command a catalogue call runs, from the argument its entry names
/// (`script_arg`): `python <script>` in the folder its `dir_keyword` names.
fn script_arg_command(
    path: &str,
    masked: &str,
    bytes: &[u8],
    offset: usize,
    sa: &crate::catalog::ScriptArg,
    idx: &LineIndex,
) -> Option<Cmd> {
    let args = call_args(bytes, offset);
    let by_kw = |k: &Option<String>| k.as_ref().and_then(|k| args.iter().find(|(kw, _)| kw.as_deref() == Some(k.as_str())));
    let script = by_kw(&sa.keyword).or_else(|| sa.position.and_then(|n| args.iter().filter(|(kw, _)| kw.is_none()).nth(n)))?;
    let script = literal(&script.1)?;
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let workdir = match by_kw(&sa.dir_keyword).and_then(|(_, v)| literal(v)) {
        Some(d) => crate::paths::join(dir, d.trim_start_matches("./").trim_end_matches('/')),
        None => dir.to_string(),
    };
    let line = idx.line(offset);
    let text = idx.text(masked, line).trim().to_string();
    let argv = if script.ends_with(".py") {
        vec!["python".into(), script]
    } else {
        crate::shell::commands(&script, line).into_iter().next()?.argv
    };
    Some(Cmd { argv, location: Location::line(path, line), text, workdir })
}

/// A helper function that spawns a command built from its parameters
/// (`def launch(module, *args): subprocess.run([sys.executable, "-m",
/// module, *args])`): what each call with literal arguments runs, from this
/// module or from one that imports it.
#[derive(Debug, Clone)]
pub struct Runner {
    def_line: u32,
    name: String,
    /// Parameters a call can bind (no `self`, no `*args`/`**kwargs`).
    params: Vec<String>,
    /// Each item: a literal, a template over `{param}`s, `*` for the call's
    /// further positional arguments, or `None` when unknown.
    template: Vec<Option<String>>,
}

impl Runner {
    /// The runner a subprocess call on `line` makes of the function it is
    /// in, when an item of its command list `items` (the text after `[`)
    /// comes from a parameter (a bare name, or `{name}` in an f-string).
    fn of(bytes: &[u8], idx: &LineIndex, line: u32, items: &str) -> Option<Runner> {
        let inner = items.trim_end().strip_suffix(']').unwrap_or(items).as_bytes();
        let text = std::str::from_utf8(bytes).ok()?;
        let (def_line, name, names) = enclosing_def(text, idx, line)?;
        // `*extra`: the call's further positional arguments.
        let star = names.iter().find_map(|p| p.strip_prefix('*').filter(|v| !v.starts_with('*')));
        let params: Vec<&str> = names.iter().copied().filter(|p| !p.is_empty() && *p != "self" && !p.starts_with('*')).collect();
        let mut template: Vec<Option<String>> = Vec::new();
        let mut from_param = false;
        let mut rest_items = inner;
        loop {
            let end = pylex::top_level_comma(rest_items).unwrap_or(rest_items.len());
            let item = String::from_utf8_lossy(&rest_items[..end]).trim().to_string();
            if !item.is_empty() {
                let lit = item.trim_start_matches(['f', 'r']);
                if item == "sys.executable" {
                    template.push(Some("python".into()));
                } else if item.strip_prefix('*').is_some_and(|v| star == Some(v)) {
                    template.push(Some("*".into()));
                } else if item.starts_with('*') {
                    // Other unpacked options (`*(args or [])`): they do not
                    // change the program that runs.
                } else if params.contains(&item.as_str()) {
                    from_param = true;
                    template.push(Some(format!("{{{item}}}")));
                } else if let Some(v) = lit.strip_prefix(['"', '\'']).and_then(|v| v.strip_suffix(['"', '\''])) {
                    from_param |= item.starts_with('f') && params.iter().any(|p| v.contains(&format!("{{{p}}}")));
                    template.push(Some(v.to_string()));
                } else {
                    template.push(None);
                }
            }
            if end >= rest_items.len() {
                break;
            }
            rest_items = &rest_items[end + 1..];
        }
        // An interpreter found at run time (`[project_python(), "-m", mod]`)
        // runs a module as `python -m` does.
        if template.first().is_some_and(Option::is_none) && template.get(1).is_some_and(|t| t.as_deref() == Some("-m")) {
            template[0] = Some("python".into());
        }
        from_param.then(|| Runner {
            def_line,
            name: name.trim().to_string(),
            params: params.iter().map(|p| p.to_string()).collect(),
            template,
        })
    }

    /// The command a call with arguments `args` ([`call_args`]) runs, when
    /// every item it needs is a literal.
    fn argv(&self, args: &[(Option<String>, String)]) -> Option<Vec<String>> {
        let value = |i: usize, p: &str| {
            args.iter()
                .find(|(k, _)| k.as_deref() == Some(p))
                .or_else(|| args.iter().filter(|(k, _)| k.is_none()).nth(i))
                .and_then(|(_, v)| literal(v))
        };
        let values: Vec<(String, String)> =
            self.params.iter().enumerate().filter_map(|(i, p)| Some((format!("{{{p}}}"), value(i, p)?))).collect();
        let extra = || -> Option<Vec<String>> {
            args.iter().filter(|(k, _)| k.is_none()).skip(self.params.len()).map(|(_, v)| literal(v)).collect()
        };
        let argv: Vec<String> = self
            .template
            .iter()
            .map(|t| match t.as_deref() {
                Some("*") => extra(),
                _ => {
                    let mut a = t.clone()?;
                    for (k, v) in &values {
                        a = a.replace(k, v);
                    }
                    (!a.contains('{')).then(|| vec![a])
                }
            })
            .collect::<Option<Vec<Vec<String>>>>()?
            .concat();
        (!argv.is_empty()).then_some(argv)
    }

    /// What the module's own calls of the helper run, each at its line.
    fn local_runs(&self, bytes: &[u8], idx: &LineIndex) -> Vec<(Vec<String>, u32)> {
        let Ok(pattern) = regex::bytes::Regex::new(&format!(r"(?-u)\b{}\s*\(", regex::escape(&self.name))) else { return Vec::new() };
        pattern
            .find_iter(bytes)
            .filter(|m| idx.line(m.start()) != self.def_line && (m.start() == 0 || bytes[m.start() - 1] != b'.'))
            .filter_map(|m| Some((self.argv(&call_args(bytes, m.start()))?, idx.line(m.start()))))
            .collect()
    }
}

/// The [`Runner`]s a module defines: one for each function whose
/// subprocess call runs a command list built from its parameters, inline
/// or assigned to a name first.
pub fn module_runners(masked: &str) -> Vec<Runner> {
    let bytes = masked.as_bytes();
    if memchr::memmem::find(bytes, b"subprocess.").is_none() {
        return Vec::new();
    }
    let idx = LineIndex::new(masked);
    let lists = std::cell::OnceCell::new();
    let inline = RX_SUBPROCESS.captures_iter(bytes).filter_map(|c| {
        let items = c.get(1)?.as_bytes().strip_prefix(b"[")?;
        Some((String::from_utf8_lossy(items).into_owned(), c.get(0)?.start()))
    });
    let held = RX_SUBPROCESS_VAR.captures_iter(bytes).filter_map(|c| {
        let call = c.get(0)?.start();
        let list = lists.get_or_init(|| ListAssignments::new(bytes)).before(bytes, &c[1], call)?;
        Some((String::from_utf8_lossy(list.strip_prefix(b"[")?).into_owned(), call))
    });
    let mut out: Vec<Runner> = Vec::new();
    for (items, at) in inline.chain(held).collect::<Vec<_>>() {
        if let Some(r) = Runner::of(bytes, &idx, idx.line(at), &items).filter(|r| !out.iter().any(|o| o.name == r.name)) {
            out.push(r);
        }
    }
    out
}

/// The helper `name` that the local module `file` defines, or re-exports
/// from another local module (`from pkg.procs import launch` in a
/// package's `__init__.py`), up to `hops` re-exports deep.
fn imported_runner(repo: &RepoIndex, file: &str, name: &str, hops: u8) -> Option<Runner> {
    let runners = repo.python_runners(file)?;
    if let Some(r) = runners.iter().find(|r| r.name == name) {
        return Some(r.clone());
    }
    if hops == 0 {
        return None;
    }
    let imports = repo.python_imports(file)?;
    let im = imports.iter().find(|im| !im.names.is_empty() && im.bound_names().contains(&name))?;
    let original = im.name_aliases.iter().find(|(a, _)| a == name).map_or(name, |(_, o)| o.as_str());
    let files = local_imports_of(repo, file, std::slice::from_ref(im));
    files.iter().find_map(|(f, _)| imported_runner(repo, f, original, hops - 1))
}

/// The commands this module runs through helpers it imports from local
/// modules (`from pkg.common import launch_module` then
/// `launch_module("pkg.train")`), each at its call's line: only calls with
/// a literal argument are looked up.
fn imported_runs(
    bytes: &[u8],
    idx: &LineIndex,
    calls: &[Call],
    imports: &[Import],
    local: &[(String, u32)],
    repo: &RepoIndex,
) -> Vec<(Vec<String>, u32)> {
    // How a call of each name imported from a local module is written
    // resolved: `?.name`, or `module.name` when the module's root reads as
    // a library (a namespace package without `__init__.py`).
    let mut named: HashMap<String, (&str, u32)> = HashMap::new();
    for im in imports.iter().filter(|im| !im.names.is_empty() && local.iter().any(|(_, l)| *l == im.line)) {
        for (bound, original) in im.bound_names().into_iter().zip(&im.names) {
            named.insert(format!("?.{bound}"), (original, im.line));
            named.insert(format!("{}.{original}", im.module), (original, im.line));
        }
    }
    if named.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut found: HashMap<(&str, u32), Option<Runner>> = HashMap::new();
    for call in calls {
        let Some(&(original, line)) = named.get(&call.qualified) else { continue };
        let args = call_args(bytes, call.offset);
        let runner = match found.get(&(original, line)) {
            Some(r) => r.clone(),
            // Only a call with a literal argument can name what it runs.
            None if !args.iter().any(|(_, v)| literal(v).is_some()) => continue,
            None => {
                let r = local.iter().filter(|(_, l)| *l == line).find_map(|(f, _)| imported_runner(repo, f, original, 2));
                found.insert((original, line), r.clone());
                r
            }
        };
        if let Some(argv) = runner.and_then(|r| r.argv(&args)) {
            out.push((argv, idx.line(call.offset)));
        }
    }
    out
}

/// True when the function whose parameters start at `params` (just after
/// its `(`) takes the true labels (`y`, `y_test`, `y_true`, `labels`,
/// `targets`): `predict_model(model, X_test, y_test)` measures a model on a
/// labelled set, it scores nothing for a caller.
fn takes_labels(bytes: &[u8], params: usize) -> bool {
    let Some(close) = pylex::closing_paren(&bytes[params..]) else { return false };
    let Ok(sig) = std::str::from_utf8(&bytes[params..params + close]) else { return false };
    pylex::split_top_level(sig).any(|p| {
        let name = p.split([':', '=']).next().unwrap_or("").trim().to_ascii_lowercase();
        matches!(name.as_str(), "y" | "labels" | "targets" | "ground_truth" | "truth")
            || ["y_", "label", "target", "true_"].iter().any(|w| name.starts_with(w))
                && !name.starts_with("target_uri")
                && !name.starts_with("target_url")
    })
}

/// True when the HTTP call at `at` (`requests.post(url, ...)`) names a model
/// endpoint: its URL argument, or what the name it passes was assigned,
/// says score, predict, infer, invocations or endpoint
/// (`requests.post(f"{base}/predict", ...)`, `url = cfg.scoring_uri`). A
/// token or webhook URL elsewhere in a module that also mentions endpoints
/// is no model call.
/// The URL an HTTP call at `at` posts to, when the module spells it: a
/// string literal argument (an f-string's literal text too), or the literal
/// a name was last assigned before the call.
fn posted_url(text: &str, at: usize) -> Option<String> {
    let url = url_argument(text.as_bytes(), at)?;
    let url = url.as_str();
    // Not [`string_value`]: an f-string's literal head names the host too
    // (`f"http://localhost:{port}/predict"`).
    let literal = |v: &str| {
        let v = v.trim().trim_start_matches(['f', 'r', 'b']);
        let q = v.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        Some(v[1..].split(q).next().unwrap_or("").to_string())
    };
    literal(url).or_else(|| is_name(url.trim()).then(|| assigned(&text[..at], url.trim()).and_then(literal)).flatten())
}

/// The URL argument of an HTTP call whose name ends just before `at`: its
/// `url=`/`uri=` keyword, else its first positional argument.
fn url_argument(bytes: &[u8], at: usize) -> Option<String> {
    let args = call_args(bytes, at);
    let by_keyword = args.iter().position(|(k, _)| matches!(k.as_deref(), Some("url" | "uri")));
    let i = by_keyword.or_else(|| args.iter().position(|(k, _)| k.is_none()))?;
    args.into_iter().nth(i).map(|(_, v)| v)
}

fn posts_to_model_endpoint(text: &str, idx: &LineIndex, at: usize) -> bool {
    let bytes = text.as_bytes();
    let Some(url) = url_argument(bytes, at) else {
        return false;
    };
    let url = url.trim();
    // A route that starts training (`f"{base}/train"`, `/retrain`) is a
    // trainer service's, not the model's, whatever the names around it say.
    let model_words = |v: &[u8]| RX_ENDPOINT_WORD.is_match(v) && !RX_TRAIN_ROUTE.is_match(v);
    let name = url.rsplit('.').next().unwrap_or(url);
    let is_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !is_name && model_words(url.as_bytes()) {
        return true;
    }
    // A literal URL without the words: some other service.
    if url.trim_start_matches(['f', 'r', 'b']).starts_with(['"', '\'']) {
        return false;
    }
    // A name: the value it was last given before the call, or what the
    // callers of the enclosing function pass for it, else the name itself.
    if is_name {
        if let Ok(assign) =
            Regex::new(&format!(r"(?m-u)^[ \t]*(?:self\.)?{}[ \t]*(?::[^=\n]*)?=[ \t]*([^=\n][^\n]*)$", regex::escape(name)))
        {
            if let Some(c) = assign.captures_iter(&bytes[..at]).last() {
                return model_words(&c[1]) || !RX_TRAIN_ROUTE.is_match(&c[1]) && RX_ENDPOINT_WORD.is_match(url.as_bytes());
            }
        }
        let values = passed_for(bytes, idx, idx.line(at), name);
        if !values.is_empty() {
            return values.iter().any(|(v, _, _)| model_words(v.as_bytes()));
        }
        if RX_ENDPOINT_WORD.is_match(url.as_bytes()) {
            return true;
        }
    }
    // Not known here (a setting's attribute): the words of the function
    // making the call decide (with its class's name for a method), else
    // the module's. A notification helper beside metric code is not a
    // model call because the module says `predicted` elsewhere.
    match enclosing_def(text, idx, idx.line(at)) {
        Some((def_line, _, _)) => {
            let head = idx.text(text, def_line);
            let indent = head.len() - head.trim_start().len();
            let end = block_end(text, idx, def_line, indent);
            let body = &text[idx.start(def_line)..idx.start(end) + idx.text(text, end).len()];
            let class = (indent > 0)
                .then(|| {
                    (1..def_line).rev().map(|l| idx.text(text, l)).find(|t| !t.trim().is_empty() && t.len() - t.trim_start().len() < indent)
                })
                .flatten()
                .filter(|t| t.trim_start().starts_with("class "));
            RX_ENDPOINT_WORD.is_match(body.as_bytes()) || class.is_some_and(|c| RX_ENDPOINT_WORD.is_match(c.as_bytes()))
        }
        None => RX_ENDPOINT_WORD.is_match(bytes),
    }
}

/// Whether the download call at `at` may fetch data: none of its string
/// arguments names a model, a checkpoint, a run's output or reports, and
/// one names data unless some argument is not a literal or there is none
/// (the object named where the client was made): then unknown, taken as
/// data, as before.
fn downloads_data(masked: &str, at: usize, method: &str) -> bool {
    // The method's own arguments, past the receiver's (`Bucket("b").download_file(...)`).
    let from = masked.get(at..).and_then(|t| t.find(&format!("{method}("))).map_or(at, |i| at + i);
    let args = call_args(masked.as_bytes(), from);
    let lits: Vec<String> = args.iter().filter_map(|(_, v)| literal(v.trim())).collect();
    let (mut data, mut other) = (false, false);
    for l in &lits {
        let (d, o) = super::data_words(l);
        data |= d;
        other |= o;
    }
    !other && (data || args.is_empty() || lits.len() < args.len())
}

/// Where a model loaded as a Spark UDF (`x = mlflow.pyfunc.spark_udf(...)`)
/// is assigned, when the UDF is then applied to a DataFrame's columns
/// (`.withColumn("p", x(...))`, `.select(x(...))`).
fn spark_udf_applied(bytes: &[u8]) -> Option<usize> {
    static RX_UDF: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m-u)^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*(?:[\w.]+\.)?spark_udf[ \t]*\(").unwrap());
    for c in RX_UDF.captures_iter(bytes) {
        let name = regex::escape(std::str::from_utf8(&c[1]).ok()?);
        let applied = Regex::new(&format!(r"(?-u)\.(?:withColumn|withColumns|select|selectExpr)\s*\([^)]*\b{name}\s*\(")).ok()?;
        if applied.is_match(&bytes[c.get(0)?.end()..]) {
            return Some(c.get(1)?.start());
        }
    }
    None
}

/// True when a side of the comparison `cond` (on the line starting at byte
/// `at` of `masked`) is a name for a difference or ratio (`change`,
/// `delta`, `gain`, `improvement`, `uplift`) last assigned, within the 40
/// lines above, an expression that names both the new model and the
/// current one (`rel_delta(cand_rmse, champ_rmse)`, `prod_auc - new_auc`).
fn folded_comparison(masked: &str, at: usize, cond: &str) -> bool {
    const DELTA_WORDS: &[&str] = &["delta", "diff", "change", "gain", "improv", "uplift", "lift", "ratio", "margin", "regress"];
    let Some((lhs, rhs)) = split_comparison(cond) else { return false };
    [lhs, rhs].iter().any(|side| {
        let name = side.trim().trim_start_matches('-').trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') || !words_in(name, DELTA_WORDS) {
            return false;
        }
        masked[..at].lines().rev().take(40).find_map(|l| {
            let rest = l.trim_start().strip_prefix(name)?.trim_start();
            let value = rest.strip_prefix('=').filter(|v| !v.starts_with('='))?;
            // A call written across lines (`delta = rel_change(\n cand, champ,\n)`)
            // is read to its closing parenthesis.
            let start = value.as_ptr() as usize - masked.as_ptr() as usize;
            let value = match value.find('(') {
                Some(open) if !value[open..].contains(')') => {
                    let from = start + open + 1;
                    pylex::closing_paren(&masked.as_bytes()[from..]).map_or(value, |close| &masked[start..from + close])
                }
                _ => value,
            };
            Some(words_in(value, NEW_WORDS) && names_old(value))
        }) == Some(true)
    })
}

/// The `def` a line is in: up through the blocks it is in (`try:`, `with`,
/// `if`), each opening line less indented than the one below. Its line,
/// name and parameter names (`self`, `*args` included).
fn enclosing_def<'a>(text: &'a str, idx: &LineIndex, line: u32) -> Option<(u32, &'a str, Vec<&'a str>)> {
    let indent = |l: u32| {
        let t = idx.text(text, l);
        t.len() - t.trim_start().len()
    };
    let mut limit = indent(line);
    for l in (1..line).rev() {
        let t = idx.text(text, l).trim();
        // The end of a signature written across lines (`) -> None:`).
        if t.is_empty() || indent(l) >= limit || t.starts_with(')') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("def ").or_else(|| t.strip_prefix("async def ")) {
            let name = rest.split_once('(')?.0;
            // The signature, across lines when it is long.
            let open = rest.as_ptr() as usize - text.as_ptr() as usize + name.len();
            let close = open + 1 + pylex::closing_paren(&text.as_bytes()[open + 1..])?;
            let names = pylex::split_top_level(&text[open + 1..close]).map(|p| p.split([':', '=']).next().unwrap_or("").trim()).collect();
            return Some((l, name.trim(), names));
        }
        limit = indent(l);
        if limit == 0 {
            break;
        }
    }
    None
}

/// A runner helper of this module that spawns the whole list its caller
/// passes (`def _run(cmd): subprocess.run(cmd, check=True)`): the list each
/// call gives it, literal (`_run(["gcloud", ...])`) or assigned to a name
/// before the call (`cmd = [...]; _run(cmd)`), with the call's line.
fn runner_calls(bytes: &[u8], idx: &LineIndex, line: u32, var: &[u8], lists: &ListAssignments) -> Vec<(String, u32)> {
    let Ok(var) = std::str::from_utf8(var) else { return Vec::new() };
    passed_for(bytes, idx, line, var)
        .into_iter()
        .filter_map(|(v, start, at)| {
            let list = if v.starts_with('[') {
                Some(v)
            } else if !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                lists.before(bytes, v.as_bytes(), start).map(|l| String::from_utf8_lossy(l).into_owned())
            } else {
                None
            };
            list.map(|l| (l, at))
        })
        .collect()
}

/// What the callers of the function a line is in pass for its parameter
/// `param` (by keyword or position; method calls `self.f(x)` count): each
/// value's text, the call's offset and its line. Empty when `param` is none
/// of its parameters.
fn passed_for(bytes: &[u8], idx: &LineIndex, line: u32, param: &str) -> Vec<(String, usize, u32)> {
    let Some((def_line, name, names)) = std::str::from_utf8(bytes).ok().and_then(|t| enclosing_def(t, idx, line)) else {
        return Vec::new();
    };
    let params: Vec<&str> = names.into_iter().filter(|p| !p.is_empty() && *p != "self").collect();
    let Some(pos) = params.iter().position(|p| *p == param) else { return Vec::new() };
    let Ok(call) = regex::bytes::Regex::new(&format!(r"(?-u)\b{}\s*\(", regex::escape(name))) else { return Vec::new() };
    call.find_iter(bytes)
        .filter(|m| idx.line(m.start()) != def_line)
        .filter_map(|m| {
            let args = call_args(bytes, m.start());
            let v = args.iter().find(|(k, _)| k.as_deref() == Some(param)).or_else(|| args.iter().filter(|(k, _)| k.is_none()).nth(pos))?;
            Some((v.1.trim().to_string(), m.start(), idx.line(m.start())))
        })
        .collect()
}

/// `mlflow.run(uri, entry_point, ...)` / `mlflow.projects.run(...)` of a
/// local project folder (one holding an `MLproject`, beside the module or
/// from the checkout's root): the command `mlflow run <uri> -e <entry>`
/// (`main` by default). Remote projects (`https://`, `git@`) run no code of
/// this repository.
fn mlflow_project_command(path: &str, masked: &str, bytes: &[u8], offset: usize, idx: &LineIndex, repo: &RepoIndex) -> Option<Cmd> {
    let args = call_args(bytes, offset);
    let arg = |kw: &str, pos: usize| {
        args.iter()
            .find(|(k, _)| k.as_deref() == Some(kw))
            .or_else(|| args.iter().filter(|(k, _)| k.is_none()).nth(pos))
            .and_then(|(_, v)| literal(v))
    };
    let uri = arg("uri", 0)?;
    if uri.contains("://") || uri.starts_with("git@") {
        return None;
    }
    let uri = uri.trim_start_matches("./").trim_end_matches('/');
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let workdir = [dir, ""].into_iter().find(|d| {
        let project = crate::paths::join(d, uri);
        super::mlproject::MLPROJECT_NAMES.iter().any(|n| repo.exists(&crate::paths::join(&project, n)))
    })?;
    let entry = arg("entry_point", 1).unwrap_or_else(|| "main".into());
    let line = idx.line(offset);
    Some(Cmd {
        argv: vec!["mlflow".into(), "run".into(), if uri.is_empty() { ".".into() } else { uri.to_string() }, "-e".into(), entry],
        location: Location::line(path, line),
        text: idx.text(masked, line).trim().to_string(),
        workdir: workdir.to_string(),
    })
}

/// Where each name is given a list literal at the start of a statement
/// (`cmd = [`), found in one pass over the module; each list's end is found
/// once, however many calls ask for it.
struct ListAssignments {
    /// Name -> offsets of the `[` of its lists, in order.
    starts: HashMap<Vec<u8>, Vec<usize>>,
    ends: std::cell::RefCell<HashMap<usize, Option<usize>>>,
}

impl ListAssignments {
    fn new(b: &[u8]) -> Self {
        let mut starts: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for c in RX_LIST_ASSIGN.captures_iter(b) {
            starts.entry(c[1].to_vec()).or_default().push(c.get(0).map_or(0, |m| m.end() - 1));
        }
        ListAssignments { starts, ends: Default::default() }
    }

    /// The list literal (`[...]`, across lines) last assigned to `name`
    /// before byte `before`, when it closes before it.
    fn before<'a>(&self, b: &'a [u8], name: &[u8], before: usize) -> Option<&'a [u8]> {
        let starts = self.starts.get(name)?;
        let open = *starts[..starts.partition_point(|&s| s < before)].last()?;
        let end = *self.ends.borrow_mut().entry(open).or_insert_with(|| pylex::closing_paren(&b[open + 1..]).map(|e| open + 1 + e));
        end.filter(|e| *e < before).map(|e| &b[open..=e])
    }
}

/// The recipe runs of a module that imports MLflow Recipes (or MLflow
/// Pipelines): each `.run("step")` or `.run()` as the command that runs the
/// same steps, in the folder of the recipe `Recipe(...)` finds: the
/// module's own or the nearest one above it holding a recipe file.
fn recipe_runs(path: &str, bytes: &[u8], idx: &LineIndex, text: &str, repo: &RepoIndex) -> Vec<Cmd> {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let Some(root) = crate::paths::dir_and_ancestors(dir)
        .find(|d| super::mlflow_recipe::FILE_NAMES.iter().any(|n| repo.exists(&crate::paths::join(d, n))))
    else {
        return Vec::new();
    };
    RX_RECIPE_RUN
        .captures_iter(bytes)
        .map(|c| {
            let mut argv: Vec<String> = ["mlflow", "recipes", "run"].map(String::from).to_vec();
            if let Some(step) = c.get(1) {
                argv.extend(["--step".to_string(), String::from_utf8_lossy(step.as_bytes()).into_owned()]);
            }
            let line = idx.line(c.get(0).map_or(0, |m| m.start()));
            Cmd { argv, location: Location::line(path, line), text: idx.text(text, line).trim().to_string(), workdir: root.to_string() }
        })
        .collect()
}

/// Glob over dotted names: `*` matches any run of characters (dots included).
/// The name a call has where its package re-exports it: a class defined in
/// a module named for it (`pkg.model.Model`, `pkg.sub.webservice.Webservice`)
/// is also `pkg.Model` / `pkg.sub.Webservice`, so one catalogue entry covers
/// both imports. `None` when the name holds no such module.
pub fn public_name(qualified: &str) -> Option<String> {
    let parts: Vec<&str> = qualified.split('.').collect();
    let i = parts.windows(2).position(|w| w[1].starts_with(|c: char| c.is_ascii_uppercase()) && w[0] == w[1].to_ascii_lowercase())?;
    if i == 0 {
        return None;
    }
    let kept: Vec<&str> = parts.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| *p).collect();
    Some(kept.join("."))
}

pub fn glob(pat: &str, s: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part) && (part.is_empty() || rest.len() >= part.len());
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Python source of the fixtures, comment-free as `analyze` reads it.
    fn fixture_sources() -> Vec<String> {
        crate::fixture_texts(&["py"]).into_iter().map(|(_, t)| pylex::mask(&t)).collect()
    }

    /// The hand-written assignment head ends where the regex it replaced
    /// (`^[A-Za-z_][A-Za-z0-9_]*[ \t]*=[ \t]*`) ends, on every line of
    /// the fixtures' Python and on edge cases.
    #[test]
    fn assignment_heads_end_where_the_regex_ends() {
        let rx = regex::Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*[ \t]*=[ \t]*").unwrap();
        let cases = ["x = 1", "x==1", "_a\t=\t\t2", "a.b = 1", "1x = 2", "x", "x =", "é = 1", "x é= 1", "", "=", "x  \t", "auc >= best"];
        let sources = fixture_sources();
        let lines = sources.iter().flat_map(|s| s.lines()).map(str::trim).chain(cases);
        let mut heads = 0;
        for l in lines {
            let want = rx.find(l).map(|m| m.end());
            assert_eq!(assign_head(l), want, "{l:?}");
            heads += usize::from(want.is_some());
        }
        assert!(heads > 100, "the fixtures assign names: {heads}");
    }

    #[test]
    fn screened_regexes_find_what_the_plain_regexes_find() {
        let sources = fixture_sources();
        assert!(sources.len() > 100, "fixtures found: {}", sources.len());
        let cat = crate::catalog::Catalog::builtin();
        let (mut skipped, mut total) = (0, 0);
        for src in &sources {
            let b = src.as_bytes();
            let plain: Vec<Vec<_>> =
                PY_RX.iter().map(|r| r.regex().captures_iter(b).map(|c| c.get(0).unwrap().range()).collect()).collect();
            // As `analyze` screens: one pass with the catalogue's patterns.
            let _screen = SCREEN.screen_by(b, cat.screen_source(b).regexes().clone());
            for (r, want) in PY_RX.iter().zip(&plain) {
                let got: Vec<_> = r.captures_iter(b).map(|c| c.get(0).unwrap().range()).collect();
                assert_eq!(&got, want, "{}", r.as_str());
                assert_eq!(r.is_match(b), !want.is_empty(), "{}", r.as_str());
                total += 1;
                skipped += usize::from(!r.possible(b));
            }
        }
        // The screen does skip work: most members cannot match most modules.
        assert!(skipped * 2 > total, "skipped {skipped} of {total}");
    }

    /// What [`call_sites`] stands for, as the regex it replaced.
    fn call_sites_by_regex(b: &[u8]) -> Vec<CallSite> {
        let re = Regex::new(r"(?-u)([)\]][ \t]*\.[ \t]*)?([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)[ \t]*\(").unwrap();
        re.captures_iter(b)
            .map(|c| {
                let g = c.get(2).unwrap();
                CallSite { on_result: c.get(1).map(|m| m.start()), start: g.start(), end: g.end() }
            })
            .collect()
    }

    #[test]
    fn call_sites_are_what_the_call_regex_finds() {
        // Every string of a small alphabet that holds names, digits, dots,
        // blanks and brackets, generated from a fixed seed.
        let alphabet = b"ab_1. \t()]\nx9.(";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let mut x = seed;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    alphabet[(x >> 33) as usize % alphabet.len()]
                })
                .collect();
            assert_eq!(call_sites(&text), call_sites_by_regex(&text), "{:?}", String::from_utf8_lossy(&text));
        }
        for src in fixture_sources() {
            assert_eq!(call_sites(src.as_bytes()), call_sites_by_regex(src.as_bytes()));
        }
        let s = call_sites(b"m = Model().fit(x)\nclf . predict (a)");
        assert_eq!(s.len(), 3);
        assert_eq!((s[1].on_result, &"m = Model().fit(x)"[s[1].start..s[1].end]), (Some(10), "fit"));
    }

    #[test]
    fn catalogue_patterns_screened_out_cannot_match() {
        let cat = crate::catalog::Catalog::builtin();
        let (mut skipped, mut total) = (0, 0);
        for src in fixture_sources() {
            let b = src.as_bytes();
            let possible = cat.screen_source(b);
            for (i, (_, re)) in cat.patterns().enumerate() {
                total += 1;
                if !possible.pattern(i) {
                    skipped += 1;
                    assert!(!re.is_match(b), "{} matches a module it was screened out of", re.as_str());
                }
            }
        }
        assert!(skipped * 2 > total, "skipped {skipped} of {total}");
    }

    fn kinds(src: &str) -> Vec<String> {
        kinds_at("src/train.py", src, &RepoIndex::default())
    }

    fn kinds_at(path: &str, src: &str, repo: &RepoIndex) -> Vec<String> {
        let f = analyze(path, src, repo, NAME, false);
        f.evidence.iter().map(|e| format!("{}{}", e.kind, e.attrs.get("tool").map(|t| format!(":{t}")).unwrap_or_default())).collect()
    }

    #[test]
    fn managed_fine_tuning_jobs_train_on_platform_compute() {
        let mut got =
            kinds("from openai import OpenAI\nclient = OpenAI()\njob = client.fine_tuning.jobs.create(training_file=f, model=m)\n");
        got.sort();
        assert_eq!(got, ["code.compute:openai", "code.train:openai"]);
        let mut got =
            kinds("import boto3\nbr = boto3.client('bedrock')\nbr.create_model_customization_job(jobName=n, baseModelIdentifier=b)\n");
        got.sort();
        assert_eq!(got, ["code.compute:bedrock", "code.train:bedrock"]);
        let mut got = kinds(
            "import vertexai\nfrom vertexai.tuning import sft\njob = sft.train(source_model='gemini-1.5-flash-002', train_dataset=uri)\n",
        );
        got.sort();
        assert_eq!(got, ["code.compute:vertex", "code.train:vertex"]);
        // Without the SDK, or in a comment, nothing.
        assert!(kinds("job = client.fine_tuning.jobs.create(training_file=f)\n").is_empty());
        assert!(kinds("from openai import OpenAI\n# client.fine_tuning.jobs.create(training_file=f)\n").is_empty());
    }

    #[test]
    fn azure_ml_endpoint_traffic_between_deployments_is_a_split() {
        let head = "from azure.ai.ml import MLClient\nfrom azure.ai.ml.entities import ManagedOnlineEndpoint\n";
        let split = |body: &str| kinds(&format!("{head}{body}")).iter().filter(|k| k.starts_with("code.traffic-split")).count();
        assert_eq!(split("endpoint.traffic = {\"blue\": 90, \"green\": 10}\n"), 1);
        assert_eq!(split("endpoint.mirror_traffic = {\"green\": 10}\n"), 1);
        // Everything to one deployment is a plain rollout.
        assert_eq!(split("endpoint.traffic = {\"blue\": 100}\n"), 0);
        assert_eq!(split("endpoint.traffic = {\"blue\": 0, \"green\": 100}\n"), 0);
        assert_eq!(split("ALL = {\"green\": 100, \"blue\": 0}\nendpoint.traffic = ALL\n"), 0);
        assert_eq!(split("endpoint.traffic = {name: 100}\n"), 0);
        assert_eq!(split("endpoint.traffic = {details[\"name\"]: details[\"traffic\"]}\n"), 0);
        // Not the Azure ML SDK.
        assert_eq!(kinds("road.traffic = {\"a\": 50, \"b\": 50}\n").len(), 0);
    }

    fn with_catalog(yaml: &str) -> RepoIndex {
        let cat = crate::catalog::Catalog::builtin_with(vec![("ours.yaml".into(), yaml.into())]).unwrap();
        RepoIndex { catalog: Some(std::sync::Arc::new(cat)), ..RepoIndex::default() }
    }

    #[test]
    fn hugging_face_hub_uploads_by_method_and_repository_type() {
        let hub = |src: &str| {
            let f = analyze("src/train.py", src, &RepoIndex::default(), NAME, false);
            f.evidence
                .iter()
                .filter(|e| e.kind == "code.model-version" || e.kind == "code.deploy")
                .map(|e| format!("{}{}", e.kind, e.attrs.get("target").map(|t| format!(":{t}")).unwrap_or_default()))
                .collect::<BTreeSet<String>>()
                .into_iter()
                .collect::<Vec<_>>()
        };
        let version = vec!["code.model-version".to_string()];
        // The client's methods, on a bound client or on the constructor's result.
        for src in [
            "from huggingface_hub import HfApi\napi = HfApi(token=t)\napi.upload_file(path_or_fileobj='m.joblib', path_in_repo='m.joblib', repo_id='o/m')\n",
            "from huggingface_hub import HfApi\nHfApi().upload_file(path_or_fileobj='m.bin', path_in_repo='m.bin', repo_id='o/m', repo_type='model')\n",
            "import huggingface_hub as hh\napi = hh.HfApi()\napi.create_commit(repo_id='o/m', operations=ops, commit_message='c')\n",
            "from huggingface_hub import HfApi\nHfApi().upload_large_folder(repo_id='o/m', folder_path='out', repo_type='model')\n",
            "from huggingface_hub import create_commit\ncreate_commit('o/m', operations=ops)\n",
            // A type the source does not spell out stays a model version.
            "from huggingface_hub import HfApi\nHfApi().upload_folder(folder_path='out', repo_id=r, repo_type=kind)\n",
        ] {
            assert_eq!(hub(src), version, "{src}");
        }
        // A Space: its app deployed.
        for src in [
            "from huggingface_hub import HfApi\nHfApi().upload_folder(folder_path='app', repo_id='o/app', repo_type=\"space\")\n",
            "from huggingface_hub import HfApi\napi = HfApi()\napi.upload_file(path_or_fileobj='app.py', path_in_repo='app.py', repo_id='o/app', repo_type='space')\n",
            "import huggingface_hub\nhuggingface_hub.upload_folder(folder_path='app', repo_id='o/app', repo_type='space')\n",
        ] {
            assert_eq!(hub(src), vec!["code.deploy:hf-space".to_string()], "{src}");
        }
        // A dataset, an object store's method of the same name, a file that
        // does not import the Hub, a comment.
        for src in [
            "from huggingface_hub import HfApi\nHfApi().upload_folder(folder_path='data', repo_id='o/d', repo_type='dataset')\n",
            "import boto3\nimport huggingface_hub\ns3 = boto3.client('s3')\ns3.upload_file('m.bin', 'bucket', 'm.bin')\n",
            "from google.cloud import storage\nclient.upload_file('m.bin')\n",
            "from huggingface_hub import HfApi\n# api.upload_file(path_or_fileobj='m.bin', repo_id='o/m')\n",
        ] {
            assert!(hub(src).is_empty(), "{src}: {:?}", hub(src));
        }
    }

    #[test]
    fn helpers_run_what_their_callers_name() {
        let cmds = |src: &str| -> Vec<String> {
            let f = analyze("sched.py", src, &RepoIndex::default(), NAME, false);
            f.commands.iter().map(|c| format!("{}:{}", c.location.start_line, c.argv.join(" "))).collect()
        };
        // A held list with an f-string over a parameter; a bare parameter in an inline list.
        let held = "import subprocess\nimport sys\n\ndef run_job(job, label):\n    cmd = [\n        sys.executable,\n        f\"jobs/{job}\",\n        \"--quiet\",\n    ]\n    subprocess.run(cmd, check=True)\n\ndef nightly():\n    run_job(\"fit.py\", \"fit\")\n    run_job(job=\"score.py\", label=\"s\")\n    run_job(name_of_today(), \"x\")\n";
        assert_eq!(cmds(held), ["13:python jobs/fit.py --quiet", "14:python jobs/score.py --quiet"]);
        // The call inside a `try:` of the helper; a call in a comment runs nothing.
        let in_try = "import subprocess\ndef run_job(job):\n    try:\n        subprocess.run([\"python\", f\"jobs/{job}\"], check=True)\n    except Exception:\n        pass\n# run_job(\"old.py\")\nrun_job(\"fit.py\")\n";
        assert_eq!(cmds(in_try), ["8:python jobs/fit.py"]);
        let inline = "import subprocess, sys\ndef run_module(module, *args):\n    return subprocess.run([sys.executable, \"-m\", module], check=True)\nrun_module(\"pkg.train\")\n";
        assert_eq!(cmds(inline), ["4:python -m pkg.train"]);
        // A list of literals only is the command itself, wherever it is.
        let plain = "import subprocess\ndef go(x):\n    subprocess.run([\"python\", \"fit.py\"])\ngo(1)\n";
        assert_eq!(cmds(plain), ["3:python fit.py"]);
    }

    #[test]
    fn a_range_check_between_literal_bounds_is_no_gate() {
        // Sanity checks of predictions or metrics between fixed bounds.
        for cond in
            ["assert all(0.0 <= score <= 1.0 for score in probs)", "assert 0 <= accuracy <= 1", "if not (1 >= auc > 0):\n    sys.exit(1)"]
        {
            let src = format!("import sys\nprobs = model.predict_proba(X)\naccuracy = auc = 0.5\n{cond}\n");
            assert!(!kinds(&src).contains(&"code.eval-gate".to_string()), "{cond}");
        }
        // A bar on one side, or one bound with a bar beside it, still gates.
        for cond in ["assert accuracy >= 0.8", "assert 0.8 <= accuracy", "assert 0 <= accuracy <= 1 and accuracy >= MIN_ACC"] {
            let src = format!("import sys\nMIN_ACC = 0.8\naccuracy = evaluate()\n{cond}\n");
            assert!(kinds(&src).contains(&"code.eval-gate".to_string()), "{cond}");
        }
        assert!(literal_range("0.0 <= score <= 1.0"));
        assert!(literal_range("100 > pct >= -5"));
        assert!(!literal_range("accuracy >= 0.8"));
        assert!(!literal_range("0.7 <= auc"));
        assert!(!literal_range("v1.0 <= x <= v2"));
    }

    #[test]
    fn metaflow_flows_of_a_flow_base_and_their_event_triggers() {
        let def = |src: &str| {
            let f = analyze("flows/train/flow.py", src, &RepoIndex::default(), NAME, false);
            f.evidence
                .iter()
                .find(|e| e.kind == "code.pipeline-def")
                .map(|e| format!("{}:{}", e.location.start_line, e.attrs.get("trigger").map(|t| t.to_string()).unwrap_or_default()))
        };
        let flow = |deco: &str, base: &str| {
            format!("from metaflow import step, schedule, trigger, trigger_on_finish\nfrom obproject import ProjectFlow\n\n{deco}\nclass TrainFlow({base}):\n    @step\n    def start(self):\n        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n")
        };
        assert_eq!(def(&flow("@schedule(daily=True)", "FlowSpec")).as_deref(), Some("5:schedule"));
        assert_eq!(def(&flow("@schedule(daily=True)", "ProjectFlow")).as_deref(), Some("5:schedule"));
        assert_eq!(def(&flow("@trigger(event='data_ready')", "BaseFlow")).as_deref(), Some("5:external"));
        assert_eq!(def(&flow("@trigger_on_finish(flow='IngestFlow')", "FlowSpec")).as_deref(), Some("5:external"));
        assert_eq!(def(&flow("", "FlowSpec")).as_deref(), Some("5:"));
        // A class of FlowSpec is a flow even without steps; one of a base not
        // named for a flow, or of a flow base in a module with no steps, is none.
        assert_eq!(def("from metaflow import FlowSpec\nclass BaseFlow(FlowSpec):\n    pass\n").as_deref(), Some("2:"));
        assert_eq!(def("from metaflow import step\nclass Config(Base):\n    pass\n@step\ndef x():\n    pass\n"), None);
        assert_eq!(def("from metaflow import Flow\nclass Reader(Flow):\n    pass\n"), None);
    }

    #[test]
    fn vertex_dataset_creation_steps_gather_data() {
        let prep = |src: &str| kinds(src).iter().any(|k| k == "code.data-prep:vertex");
        assert!(prep("from google_cloud_pipeline_components import aiplatform as gcc_aip\nds = gcc_aip.TabularDatasetCreateOp(project=p, bq_source=src)\n"));
        assert!(prep("from google_cloud_pipeline_components.v1.dataset import ImageDatasetCreateOp\nds = ImageDatasetCreateOp(project=p, gcs_source=src)\n"));
        // Another library's class of the same name gathers nothing here.
        assert!(!prep("from mylib.ops import TabularDatasetCreateOp\nds = TabularDatasetCreateOp(p)\n"));
    }

    #[test]
    fn online_learning_and_spacy_loops_train() {
        let trains = |src: &str| kinds(src).iter().any(|k| k.starts_with("code.train"));
        assert!(trains(
            "from sklearn.linear_model import SGDRegressor\nm = SGDRegressor()\nfor X, y in batches():\n    m.partial_fit(X, y)\n"
        ));
        assert!(trains(
            "from river import linear_model\nm = linear_model.LogisticRegression()\nfor x, y in stream:\n    m.learn_one(x, y)\n"
        ));
        assert!(trains("import spacy\nnlp = spacy.blank('en')\nopt = nlp.initialize()\nfor batch in batches:\n    nlp.update(batch, sgd=opt, losses=losses)\n"));
        // A scaler updated batch by batch, a dict or config updated in a spaCy
        // module, or partial_fit without scikit-learn: no training.
        assert!(!trains("from sklearn.preprocessing import StandardScaler\ns = StandardScaler()\ns.partial_fit(X)\n"));
        assert!(!trains("import spacy\ncfg = {}\ncfg.update({'lang': 'en'})\nnlp = spacy.load('en_core_web_sm')\n"));
        assert!(!trains("import numpy as np\nm.partial_fit(X, y)\n"));
    }

    #[test]
    fn calls_spelled_inside_strings_are_no_calls() {
        let hint = "import logging\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained('x')\nlogging.info(f\"saved; run `m.push_to_hub('me/x')` to share\")\nprint('or mlflow.log_metric(\"a\", 1)')\n";
        let k = kinds(hint);
        assert!(!k.iter().any(|k| k.starts_with("code.model-version") || k.starts_with("code.track")), "{k:?}");
        // The same calls in code, or in an f-string's replacement field, are calls.
        let real = "import mlflow\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained('x')\nm.push_to_hub('me/x')\nprint(f\"{mlflow.log_metric('a', 1)}\")\n";
        let k = kinds(real);
        assert!(k.iter().any(|k| k.starts_with("code.model-version")), "{k:?}");
        assert!(k.iter().any(|k| k.starts_with("code.track")), "{k:?}");
    }

    #[test]
    fn helpers_imported_from_local_modules_run_what_their_callers_name() {
        let mut repo = RepoIndex::default();
        let procs = "import os, subprocess\n\ndef interpreter():\n    return os.environ.get('PY', 'python')\n\ndef launch_module(\n    module_name: str,\n    *,\n    args=None,\n) -> int:\n    command = [interpreter(), \"-m\", module_name, *(args or [])]\n    return subprocess.Popen(command).wait()\n\ndef tool(x):\n    return x\n";
        for (p, t) in [
            ("pkg/common/__init__.py", "from pkg.common.procs import launch_module as launch\n"),
            ("pkg/common/procs.py", procs),
            ("pkg/fit.py", "print('fit')\n"),
        ] {
            repo.paths.insert(p.into());
            repo.texts.insert(p.into(), t.into());
        }
        let cmds = |src: &str| -> Vec<String> {
            let f = analyze("dags/nightly.py", src, &repo, NAME, false);
            f.commands.iter().map(|c| format!("{}:{}", c.location.start_line, c.argv.join(" "))).collect()
        };
        // Through the package's re-export (under another name), and straight from the module.
        assert_eq!(
            cmds("from pkg.common import launch\n\ndef task():\n    launch(\"pkg.fit\", args=[\"--days\", \"7\"])\n"),
            ["4:python -m pkg.fit"]
        );
        assert_eq!(cmds("from pkg.common.procs import launch_module as run\nrun(module_name=\"pkg.fit\")\n"), ["2:python -m pkg.fit"]);
        // A module named only at run time, a helper that spawns nothing, a
        // call in a comment, and a name of the same spelling from a library: nothing.
        assert!(cmds("from pkg.common import launch\nlaunch(sys.argv[1])\n").is_empty());
        assert!(cmds("from pkg.common.procs import tool\ntool(\"pkg.fit\")\n").is_empty());
        assert!(cmds("from pkg.common import launch\n# launch(\"pkg.fit\")\n").is_empty());
        assert!(cmds("from runners import launch\nlaunch(\"pkg.fit\")\n").is_empty());
        // The helper's own module runs what its calls name, the interpreter found at run time.
        let own = format!("{procs}launch_module(\"pkg.fit\")\n");
        let f = analyze("pkg/common/procs.py", &own, &RepoIndex::default(), NAME, false);
        assert_eq!(f.commands.iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>(), ["python -m pkg.fit"]);
    }

    #[test]
    fn airflow_schedules_held_in_names_are_timers() {
        let trigger = |src: &str| {
            let f = analyze("dags/fit.py", src, &RepoIndex::default(), NAME, false);
            f.evidence.iter().find(|e| e.kind == "code.pipeline-def").and_then(|e| e.attrs.get("trigger").map(|t| t.to_string()))
        };
        let dag = |kw: &str| format!("from airflow import DAG\nfrom schedules import NIGHTLY\nwith DAG(\"fit\", {kw}) as d:\n    pass\n");
        assert_eq!(trigger(&dag("schedule=NIGHTLY")).as_deref(), Some("schedule"));
        assert_eq!(trigger(&dag("schedule_interval=os.getenv(\"CRON\", \"@daily\")")).as_deref(), Some("schedule"));
        assert_eq!(trigger(&dag("schedule=\"0 3 * * *\"")).as_deref(), Some("schedule"));
        assert_eq!(trigger(&dag("schedule=None")), None);
        assert_eq!(trigger(&dag("catchup=False")), None);
    }

    #[test]
    fn in_process_schedulers_are_roots_on_their_timer() {
        let triggers = |src: &str| {
            let repo = RepoIndex::default();
            let mut out = Output::default();
            Python.detect(&FileCtx { path: "jobs/sched.py", text: src, repo: &repo }, &mut out);
            out.units[0].triggers.iter().cloned().collect::<Vec<_>>()
        };
        let lib = "import schedule\nimport time\ndef fit():\n    pass\nschedule.every().day.at(\"02:00\").do(fit)\nwhile True:\n    schedule.run_pending()\n    time.sleep(60)\n";
        assert_eq!(triggers(lib), ["schedule"]);
        let aps = "from apscheduler.schedulers.blocking import BlockingScheduler\ns = BlockingScheduler()\ns.add_job(fit, 'interval', hours=6)\ns.start()\n";
        assert_eq!(triggers(aps), ["schedule"]);
        let deco = "from apscheduler.schedulers.blocking import BlockingScheduler\ns = BlockingScheduler()\n@s.scheduled_job('cron', hour=3)\ndef fit():\n    pass\n";
        assert_eq!(triggers(deco), ["schedule"]);
        // A one-off job (`date` trigger), a commented schedule, or no import: no timer.
        assert!(triggers(
            "from apscheduler.schedulers.blocking import BlockingScheduler\ns = BlockingScheduler()\ns.add_job(fit, 'date')\n"
        )
        .is_empty());
        assert!(triggers("import schedule\n# schedule.every().day.do(fit)\n").is_empty());
        assert!(triggers("every = 3\nschedule = make()\nschedule.every(3)\n").is_empty());
    }

    #[test]
    fn prefect_deployment_modules_schedule_the_flow_they_name() {
        let unit = |src: &str| {
            let repo = RepoIndex::default();
            let mut out = Output::default();
            Python.detect(&FileCtx { path: "ops/deploy.py", text: src, repo: &repo }, &mut out);
            let u = out.units.remove(0);
            (u.triggers.iter().cloned().collect::<Vec<_>>(), u.commands.iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>())
        };
        // Prefect 2.0 `DeploymentSpec`: the flow's file by name.
        let spec = "from prefect.deployments import DeploymentSpec\nfrom prefect.orion.schemas.schedules import IntervalSchedule\nDeploymentSpec(name=\"n\", flow_location=\"./flows/fit.py\", schedule=IntervalSchedule(interval=600))\n";
        assert_eq!(unit(spec), (vec!["schedule".to_string()], vec!["python flows/fit.py".to_string()]));
        // `from_source(...).deploy(cron=...)` of an entrypoint, and `serve` of an imported flow.
        let src = "from prefect import flow\nflow.from_source(source=\".\", entrypoint=\"pipelines/train.py:train\").deploy(name=\"d\", cron=\"0 3 * * *\")\n";
        assert_eq!(unit(src), (vec!["schedule".to_string()], vec!["python pipelines/train.py".to_string()]));
        let serve = "from pipelines.train import train\nimport prefect\nif __name__ == \"__main__\":\n    train.serve(name=\"nightly\", cron=\"0 3 * * *\")\n";
        assert_eq!(unit(serve).0, vec!["schedule".to_string()]);
        // Without a schedule (run by hand), or a schedule only in a comment: no root.
        assert!(unit(&spec.replace(", schedule=IntervalSchedule(interval=600)", "")).0.is_empty());
        assert!(unit("from prefect import flow\n# train.serve(name=\"n\", cron=\"0 3 * * *\")\n").0.is_empty());
        // An automation's event trigger starts it from outside, like a sensor.
        let evented = "from prefect import flow\nfrom prefect.events import DeploymentEventTrigger\nflow.from_source(source=\".\", entrypoint=\"flows/fit.py:fit\").deploy(\n    name=\"d\",\n    triggers=[DeploymentEventTrigger(expect={\"prefect.flow-run.Completed\"})],\n)\n";
        assert_eq!(unit(evented), (vec!["event".to_string(), "external".to_string()], vec!["python flows/fit.py".to_string()]));
        let kw = "from pipelines.fit import fit\nimport prefect\nfit.serve(name=\"on-upload\", triggers=[upload_event])\n";
        assert_eq!(unit(kw).0, vec!["event".to_string(), "external".to_string()]);
        // A trigger word elsewhere (a list named `triggers` not passed to a deployment) is none.
        assert!(unit(
            "from prefect import flow\ntriggers = []\nflow.from_source(source=\".\", entrypoint=\"f.py:f\").deploy(name=\"d\")\n"
        )
        .0
        .is_empty());
    }

    #[test]
    fn a_difference_of_the_two_models_kept_in_a_name_is_a_comparison() {
        let compares = |src: &str| kinds(src).iter().any(|k| k.starts_with("code.model-compare"));
        let src = "import mlflow\nMIN_GAIN = 0.01\ndef promote(client, cand_rmse, champ_rmse, v):\n    change = rel_delta(cand_rmse, champ_rmse)\n    if change <= -MIN_GAIN:\n        client.set_registered_model_alias('m', 'champion', v)\n";
        assert!(compares(src));
        // The difference computed by a call written across lines.
        assert!(compares(&src.replace("rel_delta(cand_rmse, champ_rmse)", "rel_delta(\n        cand_rmse,\n        champ_rmse,\n    )")));
        assert!(!compares(
            &src.replace("rel_delta(cand_rmse, champ_rmse)", "rel_delta(\n        rmse_today,\n        rmse_last_week,\n    )")
        ));
        assert!(compares("import mlflow\ndef f(prod_auc, new_auc):\n    improvement = new_auc - prod_auc\n    if improvement > 0.005:\n        promote()\n"));
        // The model trained to run beside production is named the shadow.
        assert!(compares("import mlflow\ndef f(prod_f1, shadow_f1):\n    improvement = shadow_f1 - prod_f1\n    if improvement >= MIN_GAIN:\n        promote()\n"));
        // ... and the model answering requests now, the serving one.
        assert!(compares(
            "import mlflow\ndef f(serving_f1, cand_f1):\n    lift = cand_f1 - serving_f1\n    if lift >= MIN_GAIN:\n        promote()\n"
        ));
        // Against a fixed bar, an unassigned name, or not a difference's name: no comparison.
        assert!(!compares("import mlflow\ndef f(cand_auc):\n    gain = cand_auc - 0.8\n    if gain > 0:\n        promote()\n"));
        assert!(!compares("import mlflow\ndef f(improvement):\n    if improvement > 0.01:\n        promote()\n"));
        assert!(!compares(
            "import mlflow\ndef f(new_rows, prod_rows):\n    total = new_rows + prod_rows\n    if total > 100:\n        promote()\n"
        ));
    }

    #[test]
    fn data_version_tags_over_several_lines_or_in_camel_case_are_lineage() {
        let lineage = |src: &str| kinds(src).into_iter().filter(|k| k.starts_with("lineage.data-version")).count();
        let src = "from sagemaker.estimator import Estimator\nest = Estimator(\n    image_uri=img,\n    tags=[\n        {\"Key\": \"DataVersionId\", \"Value\": dv},\n        {\"Key\": \"GitCommitHash\", \"Value\": sha},\n    ],\n)\n";
        assert_eq!(lineage(src), 2, "{:?}", kinds(src));
        let dict = "import mlflow\nmlflow.set_tags({\"data_version\": dv})\nrun = client.create_run(exp, tags={\n    \"dataset_version\": dv,\n})\n";
        assert!(lineage(dict) >= 1);
        // Tags without them, a data version named after the list closes: no lineage.
        let other = "from sagemaker.estimator import Estimator\nest = Estimator(image_uri=img, tags=[\n    {\"Key\": \"team\", \"Value\": \"ml\"},\n])\ndata_version = load()\n";
        assert_eq!(lineage(other), 0, "{:?}", kinds(other));
    }

    /// The styles of the scoring evidence a module at `path` gives.
    fn styles_of_scoring(path: &str, src: &str) -> Vec<String> {
        let f = analyze(path, src, &RepoIndex::default(), NAME, false);
        f.evidence
            .iter()
            .filter(|e| e.kind == "code.scoring")
            .map(|e| e.attrs.get("style").map(str::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn predict_functions_that_take_the_labels_evaluate() {
        let styles = |src: &str| styles_of_scoring("ml/modelling.py", src);
        let eval = "import joblib\nfrom sklearn.metrics import mean_absolute_error\nmodel = joblib.load('m.joblib')\ndef predict_model(model, x_test, y_test):\n    preds = model.predict(x_test)\n    return {'mae': mean_absolute_error(y_test, preds)}\n";
        assert_eq!(styles(eval), vec!["checkpoint-eval"]);
        // Without the labels it scores; a later scoring function still counts.
        assert_eq!(styles(&eval.replace("x_test, y_test):", "x_test):")), vec!["predict-function"]);
        assert!(styles(&format!("{eval}def predict(rows):\n    return model.predict(rows)\n")).contains(&"predict-function".to_string()));
    }

    #[test]
    fn a_model_applied_as_a_spark_udf_scores_in_batch() {
        let scores = |src: &str| kinds_at("jobs/nightly.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.scoring"));
        let src = "import mlflow\nfrom pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\npredict = mlflow.pyfunc.spark_udf(spark, 'models:/churn/Production')\ndf = spark.table('features')\ndf.withColumn('churn', predict(*df.columns)).write.saveAsTable('scores')\n";
        assert!(scores(src));
        assert!(scores(&src.replace(".withColumn('churn', predict(*df.columns))", ".select('id', predict('a', 'b').alias('p'))")));
        // Loaded, never applied; or applied in a test: no scoring.
        assert!(!scores(&src.replace("df.withColumn('churn', predict(*df.columns)).write.saveAsTable('scores')\n", "print(predict)\n")));
        assert!(!kinds_at("tests/test_job.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.scoring")));
    }

    #[test]
    fn posts_to_this_machine_are_calls_of_a_local_server() {
        let host = |src: &str| {
            let f = analyze("integration/call_lambda.py", src, &RepoIndex::default(), NAME, false);
            let e = f.evidence.iter().find(|e| e.kind == "code.invoke-endpoint").expect("an endpoint call");
            e.attrs.get("host").map(str::to_string)
        };
        let local = Some("local".to_string());
        assert_eq!(host("import requests\nrequests.post('http://localhost:8080/predict', json=row)\n"), local);
        assert_eq!(host("import requests\nurl = \"http://127.0.0.1:9000/2015-03-31/functions/function/invocations\"\nrequests.post(url, json=event)\n"), local);
        assert_eq!(host("import requests\nrequests.post(url=f'http://0.0.0.0:{port}/predict', json=row)\n"), local);
        // A deployed endpoint, or a URL known only at run time.
        assert_eq!(host("import requests\nrequests.post('https://churn.example.com/predict', json=row)\n"), None);
        assert_eq!(host("import requests\nrequests.post(cfg.scoring_uri + '/predict', json=row)\n"), None);
    }

    #[test]
    fn http_calls_are_endpoint_calls_when_their_url_names_a_model_endpoint() {
        let invokes =
            |src: &str| kinds_at("ops/check.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.invoke-endpoint"));
        // The URL itself, the name's value, or what callers pass for it.
        assert!(invokes("import requests\nr = requests.post(f\"{base}/predict\", json=row)\n"));
        assert!(invokes("import requests\nurl = cfg.scoring_uri\nrequests.post(url, json=row)\n"));
        assert!(invokes(
            "import requests\ndef call(url, rows):\n    return requests.post(url, json=rows)\ncall(service.scoring_uri, [1])\n"
        ));
        // A token or webhook URL in a module that mentions endpoints elsewhere: no.
        assert!(!invokes("import requests\nTOKEN_URI = 'https://auth.example.com/oauth2/token'\ndef _token_endpoint_request():\n    return requests.post(TOKEN_URI, data=payload)\n"));
        assert!(!invokes("import requests\nrequests.post('https://hooks.example.com/notify', json={'endpoint': name})\n"));
        // Unknown here (an attribute set elsewhere): the module's words decide.
        assert!(invokes("import requests\nrequests.post(self.url, json=rows)  # the endpoint\nENDPOINT = 1\n"));
        // ... or, in a function, its own words (and its class's name).
        let utils = "import requests\ndef accuracy(predicted, expected):\n    return (predicted == expected).mean()\n\ndef send_file_to_chat(path):\n    with open(path, 'rb') as f:\n        requests.post(settings.CHAT_URL, files={'document': f})\n";
        assert!(!invokes(utils));
        assert!(invokes(
            "import requests\ndef smoke(rows):\n    r = requests.post(settings.URL, json=rows)\n    assert 'predictions' in r.json()\n"
        ));
        assert!(invokes(
            "import requests\nclass EndpointClient:\n    def call(self, rows):\n        return requests.post(self.base_url, json=rows)\n"
        ));
        // A name called `endpoint` holding a trainer's route starts training;
        // one holding a value that says nothing stays the model's endpoint.
        assert!(!invokes(
            "import requests\ndef kick(url):\n    endpoint = f\"{url}/train\"\n    requests.post(endpoint, json={'mode': 'full'})\n"
        ));
        assert!(!invokes("import requests\nrequests.post(f\"{TRAINER}/retrain\", json={'model': 'predictor'})\n"));
        assert!(invokes("import requests\nendpoint = cfg.url\nrequests.post(endpoint, json=rows)\n"));
        assert!(invokes("import requests\nrequests.post(endpoint, json=rows)\n"));
        assert!(invokes("import requests\nrequests.post(f\"{base}/v1/models/churn:predict\", json=rows)\n"));
    }

    #[test]
    fn a_dag_scheduled_on_datasets_starts_on_new_data_not_on_a_timer() {
        let start = |src: &str| {
            let repo = RepoIndex::default();
            let mut out = Output::default();
            Python.detect(&FileCtx { path: "dags/refit.py", text: src, repo: &repo }, &mut out);
            out.units[0].triggers.iter().cloned().collect::<Vec<_>>()
        };
        let dag = |schedule: &str| {
            format!("from airflow import DAG\nfrom airflow.datasets import Dataset\nFEATURES = Dataset('s3://b/f.parquet')\nwith DAG('refit', schedule={schedule}) as d:\n    pass\n")
        };
        assert_eq!(start(&dag("[FEATURES]")), vec!["event", "external"]);
        assert_eq!(start(&dag("[Dataset('s3://b/g.parquet')]")), vec!["event", "external"]);
        assert_eq!(start(&dag("'@daily'")), vec!["schedule"]);
        // A Dataset only named in a comment schedules nothing by data.
        assert_eq!(start(&dag("None  # schedule=[FEATURES]")), Vec::<String>::new());
    }

    #[test]
    fn test_functions_a_module_calls_itself_are_tests_run_as_a_script() {
        let src = "def check_rows(df):\n    assert len(df) > 0\n\ndef test_schema(df):\n    check_rows(df)\n\ndef test_unused(df):\n    pass\n\nif __name__ == '__main__':\n    test_schema(load())\n";
        let f = analyze("jobs/check_data.py", src, &RepoIndex::default(), NAME, false);
        let t: Vec<_> = f.evidence.iter().filter(|e| e.kind == "code.test-functions").collect();
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].location.start_line, &t[0].attrs["count"]), (4, "1"));
        // Not called (only in a comment), or in a test file a runner collects: nothing.
        let uncalled = src.replace("    test_schema(load())", "    pass  # test_schema(load())");
        assert!(!kinds_at("jobs/check_data.py", &uncalled, &RepoIndex::default()).contains(&"code.test-functions".to_string()));
        assert!(!kinds_at("tests/test_data.py", src, &RepoIndex::default()).contains(&"code.test-functions".to_string()));
        // A method named test_* is not a module function.
        let method = "class C:\n    def test_x(self):\n        pass\n\nC().test_x()\n";
        assert!(!kinds_at("jobs/c.py", method, &RepoIndex::default()).contains(&"code.test-functions".to_string()));
    }

    #[test]
    fn evidence_in_functions_names_the_module_names_that_reach_it() {
        let src = "from sklearn.svm import SVC\nfrom flask import Flask\nimport joblib\n\ndef split_xy(d):\n    return d[0], d[1]\n\ndef fit_model(d):\n    x, y = split_xy(d)\n    return SVC().fit(x, y)\n\ndef main():\n    fit_model(load())\n\ntrainer = fit_model\nCACHE = joblib.load('m.pkl')\napp = Flask(__name__)\n\n@app.route('/score', methods=['POST'])\ndef answer():\n    return SVC().predict([[1]])\n\nif __name__ == '__main__':\n    # fit_model(None)\n    main()\n";
        let f = analyze("src/learn.py", src, &RepoIndex::default(), NAME, false);
        let defs = |kind: &str| f.evidence.iter().find(|e| e.kind == kind).and_then(|e| e.attrs.get("defs").map(str::to_string));
        assert_eq!(defs("code.train").as_deref(), Some("__main__,fit_model,main,trainer"));
        // Module-level code runs on import: no names to match.
        assert_eq!(defs("code.load-model"), None);
        // A route is reached through the app it is registered on.
        assert_eq!(defs("code.scoring").as_deref(), Some("answer,app"));
    }

    #[test]
    fn pipeline_action_handlers_calling_endpoints_are_endpoint_tests() {
        let handler = "import boto3\nrt = boto3.client('sagemaker-runtime')\ncp = boto3.client('codepipeline')\n\ndef lambda_handler(event, context):\n    r = rt.invoke_endpoint(EndpointName='churn', Body=b'1,2')\n    cp.put_job_success_result(jobId=event['CodePipeline.job']['id'])\n";
        let k = kinds(handler);
        assert!(k.iter().any(|k| k.starts_with("code.invoke-endpoint")), "{k:?}");
        assert!(!k.iter().any(|k| k.starts_with("code.scoring")), "{k:?}");
        // Without the pipeline report, a handler proxying the endpoint serves requests.
        let proxy = "import boto3\nrt = boto3.client('sagemaker-runtime')\n\ndef lambda_handler(event, context):\n    return rt.invoke_endpoint(EndpointName='churn', Body=event['body'])\n";
        assert!(kinds(proxy).iter().any(|k| k.starts_with("code.scoring")), "{:?}", kinds(proxy));
    }

    #[test]
    fn weighted_variants_are_counted_per_variant_list() {
        let split = |src: &str| kinds(src).iter().filter(|k| k.starts_with("code.traffic-split")).count();
        let two = "import boto3\nsm = boto3.client('sagemaker')\nsm.create_endpoint_config(EndpointConfigName='c', ProductionVariants=[\n    {'VariantName': 'a', 'InitialVariantWeight': 0.9},\n    {'VariantName': 'b', 'InitialVariantWeight': 0.1},\n])\n";
        assert_eq!(split(two), 1);
        let per_env = "import boto3\nsm = boto3.client('sagemaker')\nfor env in ('dev', 'prod'):\n    pass\nsm.create_endpoint_config(EndpointConfigName='dev', ProductionVariants=[{'VariantName': 'AllTraffic', 'InitialVariantWeight': 1}])\nsm.create_endpoint_config(EndpointConfigName='prod', ProductionVariants=[{'VariantName': 'AllTraffic', 'InitialVariantWeight': 1}])\n";
        assert_eq!(split(per_env), 0);
        let sdk = "from sagemaker.session import production_variant\nimport sagemaker\nv = [production_variant('m1', 'ml.m5.large', initial_weight=1), production_variant('m2', 'ml.m5.large', initial_weight=1)]\n";
        assert_eq!(split(sdk), 1);
    }

    #[test]
    fn own_model_classes_fitted_and_logged_to_a_tracker_are_training() {
        let src = "import mlflow\nimport numpy as np\n\nclass Ridge:\n    def fit(self, X, y):\n        self.w = np.linalg.solve(X.T @ X, X.T @ y)\n        return self\n\ndef main(X, y):\n    with mlflow.start_run():\n        model = Ridge().fit(X, y)\n        mlflow.pyfunc.log_model('model', python_model=Wrap(model), registered_model_name='demand')\n";
        let k = kinds(src);
        assert!(k.contains(&"code.train".to_string()), "{k:?}");
        // Tracked but the model is not logged, or logged without a fit: not training.
        let no_log = "import mlflow\nclass R:\n    def fit(self, X):\n        return self\nR().fit(X)\nmlflow.log_metric('a', 1)\n";
        assert!(!kinds(no_log).contains(&"code.train".to_string()));
        let no_fit = "import mlflow\nmlflow.pyfunc.log_model('model', python_model=W(), registered_model_name='d')\n";
        assert!(!kinds(no_fit).contains(&"code.train".to_string()));
        // Nor in a test module.
        assert!(!kinds_at("tests/test_ridge.py", src, &RepoIndex::default()).contains(&"code.train".to_string()));
    }

    #[test]
    fn framework_dataset_downloads_are_data_acquisition() {
        let keras = kinds("import tensorflow as tf\n(x, y), _ = tf.keras.datasets.mnist.load_data()\n");
        assert_eq!(keras, vec!["code.data-prep:keras"]);
        assert_eq!(kinds("from keras.datasets import imdb\ntrain, test = imdb.load_data(num_words=5000)\n"), vec!["code.data-prep:keras"]);
        let torch = kinds("from torchvision import datasets\nds = datasets.MNIST('data', train=True,\n    download=True)\n");
        assert_eq!(torch, vec!["code.data-prep:torchvision"]);
        // A local image folder, `download=False`, or `download=True` of a
        // library that is no dataset fetcher: no acquisition.
        assert!(kinds("from torchvision import datasets\nds = datasets.ImageFolder('data/train')\n").is_empty());
        assert!(kinds("from torchvision import datasets\nds = datasets.MNIST('data', download=False)\n").is_empty());
        assert!(kinds("import report\nreport.save('x.html', download=True)\n").is_empty());
    }

    #[test]
    fn kaggle_downloads_are_data_acquisition() {
        let hub = kinds("import kagglehub\npath = kagglehub.dataset_download('org/sales')\n");
        assert_eq!(hub, vec!["code.data-prep:kagglehub"]);
        let api = kinds("from kaggle.api.kaggle_api_extended import KaggleApi\napi = KaggleApi()\napi.competition_download_files('titanic', path='data')\n");
        assert_eq!(api, vec!["code.data-prep:kaggle"]);
        // The method of another library is not Kaggle's.
        assert!(kinds("import client\nclient.competition_download_files('titanic')\n").is_empty());
    }

    #[test]
    fn switching_a_module_to_training_mode_is_not_training() {
        let trains = |src: &str| {
            let repo = RepoIndex::default();
            let out = analyze("m.py", src, &repo, NAME, false);
            out.evidence.iter().filter(|e| e.kind == "code.train").count()
        };
        let head = "import transformers\n";
        for switch in [
            "class L(Base):\n    def train(self, mode=True):\n        super().train(mode=mode)\n",
            "model.train(training)\n",
            "model.train(False)\n",
            "self.encoder.train(mode=False)\n",
        ] {
            assert_eq!(trains(&format!("{head}{switch}")), 0, "{switch}");
        }
        for fit in ["trainer.train()\n", "trainer.train(resume)\n", "model.train(data='coco.yaml', epochs=3)\n", "model.train()\n"] {
            assert_eq!(trains(&format!("{head}{fit}")), 1, "{fit}");
        }
    }

    #[test]
    fn fitting_a_feature_transformer_is_not_training() {
        // A scaler or column transformer learns a scaling: data preparation.
        let prep = "from sklearn.compose import ColumnTransformer\nfrom sklearn import preprocessing\n\nclass Prep:\n    def __init__(self, cols):\n        self.ct = ColumnTransformer([('n', preprocessing.StandardScaler(), cols)])\n        self.ct.fit(frame)\n\nenc = preprocessing.OneHotEncoder()\nenc.fit(frame)\n";
        assert!(!kinds(prep).iter().any(|k| k.starts_with("code.train")), "{:?}", kinds(prep));
        // An estimator, a pipeline ending in one, or a receiver built two ways still trains.
        let model = "from sklearn.preprocessing import StandardScaler\nfrom sklearn.pipeline import Pipeline\nfrom sklearn.svm import SVC\n\npipe = Pipeline([('s', StandardScaler()), ('m', SVC())])\npipe.fit(X, y)\n";
        assert!(kinds(model).iter().any(|k| k.starts_with("code.train")));
        let either = "from sklearn.preprocessing import StandardScaler\nfrom sklearn.svm import SVC\nm = StandardScaler()\nif big:\n    m = SVC()\nm.fit(X, y)\n";
        assert!(kinds(either).iter().any(|k| k.starts_with("code.train")));
        // On a constructor's result: the constructor decides.
        let chained = "from sklearn.preprocessing import OrdinalEncoder\nfrom sklearn.svm import SVC\nenc = OrdinalEncoder(categories=[['a', 'b']]).fit(frame)\n";
        assert!(!kinds(chained).iter().any(|k| k.starts_with("code.train")));
        assert!(kinds(&chained.replace("OrdinalEncoder(categories=[['a', 'b']])", "SVC(C=f(1))"))
            .iter()
            .any(|k| k.starts_with("code.train")));
        // A transformer in a comment does not change what the receiver is.
        let commented = "from sklearn.svm import SVC\n# clf = StandardScaler()\nclf = SVC()\nclf.fit(X, y)\n";
        assert!(kinds(commented).iter().any(|k| k.starts_with("code.train")));
    }

    #[test]
    fn run_time_registry_queries_pick_the_model() {
        let repo = RepoIndex::default();
        let src = "import mlflow
from mlflow.tracking import MlflowClient
# mlflow.search_runs(order_by=['x'])
runs = mlflow.search_runs(filter_string=\"tags.ok = 'yes'\")
v = MlflowClient().get_latest_versions('m', stages=['Production'])
";
        let f = analyze("svc/lookup.py", src, &repo, NAME, false);
        let q: Vec<_> = f.evidence.iter().filter(|e| e.attrs.get("lookup").is_some_and(|l| l == "registry-query")).collect();
        assert_eq!(q.len(), 2, "{:?}", f.evidence);
        assert!(q.iter().all(|e| e.kind == "code.load-model" && e.attrs["by_alias"] == *"yes" && e.location.start_line >= 4));
        // A method of the same name on another library's client is not a registry lookup.
        let other = "import wandb
api = wandb.Api()
runs = api.search_runs('team/p')
";
        assert!(analyze("svc/lookup.py", other, &repo, NAME, false).evidence.iter().all(|e| !e.attrs.contains_key("lookup")));
    }

    /// A value measured against the best of the versions the file looked
    /// up is a model comparison though no side names a metric or a new
    /// model; without the lookup it is an ordinary comparison.
    #[test]
    fn a_comparison_with_the_best_registered_version_needs_no_metric_name() {
        let body = "v = max(vals)\nif this_run >= max(others):\n    promote(v)\n";
        let looked_up = format!("import mlflow\nruns = mlflow.search_runs(filter_string='x')\n{body}");
        assert!(kinds(&looked_up).contains(&"code.model-compare".to_string()), "{:?}", kinds(&looked_up));
        assert!(!kinds(&format!("import mlflow\n{body}")).contains(&"code.model-compare".to_string()));
    }

    #[test]
    fn catalogue_entries_emit_evidence_and_follow_script_arguments() {
        let repo = with_catalog(
            "platform: acme\nentries:\n  - call: acme_ml.submit\n    kind: train\n    script_arg: {position: 0, keyword: script, dir_keyword: src}\n  - method: publish\n    needs: [acme_ml]\n    kind: version-model\n",
        );
        let src =
            "import acme_ml as a\n# a.submit('nope.py')\nx = a.submit(\n    'fit.py', src='./jobs/', opts={'a': (1, 2)})\nreg.publish(m)\n";
        let f = analyze("ml/launch.py", src, &repo, NAME, false);
        let k: Vec<&str> = f.evidence.iter().map(|e| &*e.kind).collect();
        assert_eq!(k, vec!["code.train", "code.model-version"]);
        assert_eq!(f.evidence[0].attrs.get("tool"), Some("acme"));
        assert_eq!(f.commands.len(), 1, "{:?}", f.commands);
        assert_eq!(f.commands[0].argv, vec!["python", "fit.py"]);
        assert_eq!(f.commands[0].workdir, "ml/jobs");
        // By keyword, and not from a test file.
        let f = analyze("ml/launch.py", "import acme_ml\nacme_ml.submit(queue='q', script='other.py')\n", &repo, NAME, false);
        assert_eq!(f.commands[0].argv, vec!["python", "other.py"]);
        let f = analyze("tests/test_launch.py", "import acme_ml\nacme_ml.submit('fit.py')\n", &repo, NAME, false);
        assert!(f.commands.is_empty());
        // A script held in a variable is not a literal: nothing to follow.
        let f = analyze("ml/launch.py", "import acme_ml\nacme_ml.submit(SCRIPT)\n", &repo, NAME, false);
        assert!(f.commands.is_empty());
        // Without the entry, the same calls are nothing.
        assert!(kinds(src).is_empty());
    }

    #[test]
    fn run_tagged_with_ci_build_from_environment() {
        let how = |src: &str| -> Vec<String> {
            let f = analyze("jobs/publish.py", src, &RepoIndex::default(), NAME, false);
            f.evidence.iter().filter(|e| e.kind == "lineage.data-version").map(|e| e.attrs["how"].to_string()).collect()
        };
        let src = "import os\nimport mlflow\nwith mlflow.start_run():\n    mlflow.set_tag('ci_run', os.environ.get('CI_PIPELINE_ID'))\n";
        assert_eq!(how(src), vec!["build-tag"]);
        // Commented out, a tag that is not from the CI, or no tracking library.
        assert!(how("import os\nimport mlflow\n# mlflow.set_tag('b', os.getenv('BUILD_NUMBER'))\n").is_empty());
        assert!(how("import os\nimport mlflow\nmlflow.set_tag('owner', os.getenv('USER'))\n").is_empty());
        assert!(how("import os\nimport docker\nclient.images.build(tags=os.getenv('BUILD_TAG'))\n").is_empty());
    }

    #[test]
    fn scripts_named_for_scoring_that_run_a_loaded_model_score() {
        let src = "import joblib\nif __name__ == '__main__':\n    m = joblib.load(p)\n    out = m.predict(rows)\n";
        let scoring = |path: &str, src: &str| kinds_at(path, src, &RepoIndex::default()).iter().any(|k| k == "code.scoring");
        assert!(scoring("jobs/batch_score.py", src));
        assert!(scoring("predict.py", src));
        let gen = "import torch\nckpt = torch.load(p)\ny = model.generate(x, 100)\n";
        assert!(scoring("sample.py", gen));
        // Evaluation of the same model, a name that is not scoring, a test, or no loaded model: not an entry point.
        assert!(!scoring("evaluate.py", src));
        assert!(!scoring("tests/predict_check.py", src));
        assert!(!scoring("score.py", "import joblib\nout = m.predict(rows)\n"));
        assert!(!scoring("score.py", "import joblib\nm = joblib.load(p)\n# out = m.predict(rows)\n"));
        assert!(inference_script_name("src/run_inference.py"));
        assert!(!inference_script_name("src/features.py"));
    }

    #[test]
    fn endpoint_clients_predicting_are_endpoint_calls() {
        // A platform endpoint client's predict call reaches the deployed model.
        let src = "from google.cloud import aiplatform\nendpoint = aiplatform.Endpoint(NAME)\nout = endpoint.predict(instances=[row])\n";
        assert!(kinds_at("tests/test_live.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.invoke-endpoint")));
        let src = "from google.cloud import aiplatform\nout = aiplatform.Endpoint(NAME).predict(instances=[row])\n";
        assert!(kinds_at("tests/test_live.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.invoke-endpoint")));
        let src = "from sagemaker.predictor import Predictor\npredictor = Predictor(NAME)\nout = predictor.predict(payload)\n";
        assert!(kinds_at("ops/check.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.invoke-endpoint")));
        // The same call on a local estimator, or only in a comment, is not.
        let src = "import sklearn\nfrom google.cloud import aiplatform\nout = model.predict(rows)\n";
        assert!(!kinds_at("tests/test_live.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.invoke-endpoint")));
        let src = "from google.cloud import aiplatform\n# ep.predict(instances=[row])\n";
        assert!(!kinds_at("tests/test_live.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.invoke-endpoint")));
        // A saved TensorFlow model loaded from its export folder.
        let src = "import tensorflow as tf\nm = tf.saved_model.load(path)\n";
        assert!(kinds_at("tests/test_export.py", src, &RepoIndex::default()).iter().any(|k| k.starts_with("code.load-model")));
    }

    #[test]
    fn call_arguments_split_at_top_level_only() {
        let src = b"f('a, b', k=g(1, 2), d={'x': [1, 2]}, e=(a == b))";
        let args = call_args(src, 0);
        assert_eq!(args.len(), 4, "{args:?}");
        assert_eq!(args[0], (None, "'a, b'".to_string()));
        assert_eq!(args[1], (Some("k".into()), "g(1, 2)".to_string()));
        assert_eq!(args[3], (Some("e".into()), "(a == b)".to_string()));
        assert_eq!(literal("'x.py'"), Some("x.py".into()));
        assert_eq!(literal("f'{x}.py'"), None);
    }

    #[test]
    fn sagemaker_model_metrics_and_metric_definitions_are_tracking() {
        let src = "from sagemaker.model_metrics import MetricsSource, ModelMetrics\nmetrics = ModelMetrics(model_statistics=MetricsSource(s3_uri=u, content_type=\"application/json\"))\n";
        assert!(kinds(src).contains(&"code.track:sagemaker".to_string()));
        let src = "from sagemaker.estimator import Estimator\nest = Estimator(image_uri=i, role=r, metric_definitions=[{\"Name\": \"rmse\", \"Regex\": \"rmse=(.*)\"}])\n";
        assert!(kinds(src).contains(&"code.track:sagemaker".to_string()));
        // A class of the same name from elsewhere, or a comment, is not SageMaker tracking.
        for src in [
            "from myapp.reports import ModelMetrics\nm = ModelMetrics(x)\n",
            "from sagemaker.estimator import Estimator\n# metric_definitions=[...]\n",
        ] {
            assert!(!kinds(src).iter().any(|k| k.starts_with("code.track")), "{src}");
        }
    }

    #[test]
    fn mlflow_run_artifacts_of_the_model_are_versioned_models() {
        let mv = |src: &str| kinds(src).iter().filter(|k| *k == "code.model-version:mlflow").count();
        // A model file, directly or through the variable the path comes from.
        assert_eq!(mv("import mlflow\nmlflow.log_artifact(os.path.join(out, 'model.joblib'))\n"), 1);
        assert_eq!(mv("from mlflow import log_artifacts\npaths = model_output_paths(run_name)\nlog_artifacts(paths['folder'])\n"), 1);
        assert_eq!(mv("import mlflow\nclient = mlflow.MlflowClient()\nclient.log_artifact(run.info.run_id, checkpoint_path)\n"), 1);
        assert_eq!(
            mv("import joblib, mlflow\nout = run_outputs(name)\njoblib.dump(reg, out['file'])\nmlflow.log_artifacts(out['dir'])\n"),
            1
        );
    }

    #[test]
    fn mlflow_run_artifacts_that_are_not_the_model_are_not_versioning() {
        let mv = |src: &str| kinds(src).iter().filter(|k| *k == "code.model-version:mlflow").count();
        // Plots and metrics files about the model, an unrelated folder, a comment, no mlflow import.
        assert_eq!(mv("import mlflow\nmlflow.log_artifact('model_metrics.json')\nmlflow.log_artifact(plot_dir)\n"), 0);
        assert_eq!(mv("import mlflow\nout = args.output_dir\nmlflow.log_artifacts(out)\n# mlflow.log_artifact('model.pkl')\n"), 0);
        assert_eq!(mv("from tracker import log_artifact\nlog_artifact('model.pkl')\n"), 0);
        // The file saves a model elsewhere; the logged folder is another variable.
        assert_eq!(mv("import joblib, mlflow\njoblib.dump(reg, dst)\nmlflow.log_artifacts(out_dir)\n"), 0);
    }

    #[test]
    fn resolves_aliases_and_from_imports() {
        let k = kinds("import mlflow as mf\nfrom mlflow import log_metric\nfrom sklearn.ensemble import RandomForestClassifier\n\nclf = RandomForestClassifier()\nclf.fit(X, y)\nmf.log_param('n', 1)\nlog_metric('auc', 0.9)\nmf.sklearn.log_model(clf, 'model', registered_model_name='churn')\n");
        assert!(k.contains(&"code.train".to_string()), "{k:?}");
        assert_eq!(k.iter().filter(|x| *x == "code.track:mlflow").count(), 2, "{k:?}");
        assert!(k.contains(&"code.model-version:mlflow".to_string()));
    }

    #[test]
    fn a_library_re_exported_by_a_local_shim_is_that_library() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("proj/__init__.py".into());
        repo.paths.insert("proj/utils/tracking.py".into());
        repo.paths.insert("proj/train.py".into());
        let kinds = |src: &str| -> Vec<String> {
            let f = analyze("proj/train.py", src, &repo, NAME, false);
            f.evidence.iter().map(|e| format!("{}:{}", e.kind, e.attrs.get("tool").unwrap_or(""))).collect()
        };
        let body = "\nwith mlflow.start_run():\n    mlflow.log_metric('rmse', 0.3)\n";
        for import in [
            "from proj.utils.tracking import mlflow",
            "from .utils.tracking import mlflow",
            "from proj.utils.tracking import mlflow as mlflow",
        ] {
            assert!(kinds(&format!("{import}{body}")).contains(&"code.track:mlflow".to_string()), "{import}");
        }
        // Any other name from a local module stays the repository's own code.
        let own = "from proj.utils.tracking import log_metric\nlog_metric('rmse', 0.3)\n";
        assert!(!kinds(own).iter().any(|k| k.starts_with("code.track")));
    }

    #[test]
    fn tracking_uris_of_this_machine_are_not_hard_coded_settings() {
        let flagged = |uri: &str| {
            let src = format!("import mlflow\nmlflow.set_tracking_uri(\"{uri}\")\n");
            let f = analyze("train.py", &src, &RepoIndex::default(), NAME, false);
            f.evidence.iter().any(|e| e.kind == "code.hardcoded-tracking-uri")
        };
        assert!(flagged("http://mlflow.internal.example:5000"));
        assert!(flagged("http://mlflow-localhost-proxy.example:5000"), "a remote host that only mentions localhost");
        for local in ["http://localhost:5000", "http://127.0.0.1:5000", "http://0.0.0.0:5000", "http://host.docker.internal:5000"] {
            assert!(!flagged(local), "{local}");
        }
    }

    #[test]
    fn training_in_a_kfp_component_body_is_marked() {
        let attr = |src: &str| {
            let f = analyze("pipelines/p.py", src, &RepoIndex::default(), NAME, false);
            let e = f.evidence.iter().find(|e| e.kind == "code.train").expect("training");
            e.attrs.get("in_component").map(str::to_string)
        };
        let body = "def fit_step(x: int):\n    from sklearn.svm import SVC\n    SVC().fit(X, y)\n";
        assert_eq!(attr(&format!("from kfp import dsl\n\n@dsl.component(base_image='python:3.11')\n{body}")).as_deref(), Some("kfp"));
        assert_eq!(attr(&format!("from kfp.dsl import component\n\n@component\n{body}")).as_deref(), Some("kfp"));
        // A pipeline function, another framework's decorator, or no kfp import: not a component body.
        assert_eq!(attr(&format!("from kfp import dsl\n\n@dsl.pipeline(name='p')\n{body}")), None);
        assert_eq!(attr(&format!("from zenml import step\n\n@step\n{body}")), None);
        assert_eq!(attr(&format!("from mylib import component\n\n@component\n{body}")), None);
    }

    #[test]
    fn component_decorator_with_arguments_over_several_lines() {
        let src = "from kfp.dsl import component\n\n@component(\n    base_image=\"python:3.11\",\n    packages_to_install=[\"pandas\"],\n)\ndef ingest_rows(src: str) -> str:\n    return src\n";
        let f = analyze("components/ingest_rows.py", src, &RepoIndex::default(), NAME, false);
        let e = f.evidence.iter().find(|e| e.kind == "code.data-prep").expect("data step");
        assert_eq!(e.attrs.get("op"), Some("pipeline-step"));
        // The same decorator over a model step is not a data step.
        let k = kinds(&src.replace("ingest_rows", "fit_forest"));
        assert!(!k.iter().any(|x| x.starts_with("code.data-prep")), "{k:?}");
    }

    #[test]
    fn comments_docstrings_are_not_evidence() {
        let k = kinds("\"\"\"Example:\n    mlflow.log_metric('a', 1)\n    model.fit(X)\n\"\"\"\nimport mlflow\nfrom sklearn.svm import SVC\n# mlflow.log_metric('a', 1)\n# SVC().fit(X, y)\n");
        assert!(k.is_empty(), "{k:?}");
    }

    #[test]
    fn unimported_tools_are_not_evidence() {
        // `fit` with no ML framework imported; `log_metric` of an unknown object.
        let k = kinds("def fit(x):\n    return x\n\ncurve.fit(points)\nlogger.log_metric('a', 1)\n");
        assert!(k.is_empty(), "{k:?}");
    }

    #[test]
    fn own_package_calls_are_not_tool_usage() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("mlflow/__init__.py".into());
        let k = kinds_at("mlflow/tracking.py", "import mlflow\nmlflow.log_metric('a', 1)\n", &repo);
        assert!(k.is_empty(), "{k:?}");
    }

    #[test]
    fn scoring_styles() {
        let k = kinds("import joblib\nmodel = None\ndef init():\n    global model\n    model = joblib.load('m.pkl')\n\ndef run(raw):\n    return model.predict(raw)\n");
        assert!(k.contains(&"code.scoring".to_string()) && k.contains(&"code.load-model:joblib".to_string()), "{k:?}");
        let k = kinds("from fastapi import FastAPI\nimport logging\nlogger = logging.getLogger(__name__)\napp = FastAPI()\n@app.post('/predict')\ndef predict(req):\n    y = model.predict(req.x)\n    logger.info('prediction %s for input %s', y, req.x)\n    return y\n");
        assert!(k.contains(&"code.scoring".to_string()) && k.contains(&"code.prediction-log:logging".to_string()), "{k:?}");
    }

    #[test]
    fn serving_code_writing_predictions_to_a_table_logs_them() {
        let logs = |store: &str| {
            let src = format!("import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n@app.post('/predict')\ndef predict(row: dict):\n    y = float(model.predict([row['x']])[0])\n    {store}\n    return {{'y': y}}\n");
            kinds(&src).iter().any(|k| k.starts_with("code.prediction-log"))
        };
        for store in [
            "db.execute('INSERT INTO predictions (x, y) VALUES (?, ?)', (row['x'], y))",
            "firestore.client().collection('predictions').add({'y': y})",
            "supabase.table('prediction_log').insert({'y': y}).execute()",
            "session.add(PredictionRecord(x=row['x'], y=y))",
        ] {
            assert!(logs(store), "{store}");
        }
        // Other tables, and no write at all.
        for store in [
            "db.execute('INSERT INTO users (name) VALUES (?)', ('a',))",
            "firestore.client().collection('users').add({'a': 1})",
            "# db.execute('INSERT INTO predictions (y) VALUES (?)', (y,))",
            "pass",
        ] {
            assert!(!logs(store), "{store}");
        }
    }

    #[test]
    fn interactive_apps_serving_a_loaded_model_score() {
        let style = |path: &str, src: &str| {
            analyze(path, src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .find(|e| e.kind == "code.scoring")
                .map(|e| (e.location.start_line, e.attrs["style"].to_string()))
        };
        let streamlit = "import joblib\nimport streamlit as st\nmodel = joblib.load('model.joblib')\nrows = st.file_uploader('csv')\nif rows is not None:\n    st.write(model.predict(rows))\n";
        assert_eq!(style("app.py", streamlit), Some((6, "ui-app".into())));
        let gradio = "import gradio as gr\nimport torch\nnet = torch.load('net.pt')\ndef label(img):\n    preds = net(img)\n    return preds.argmax()\ngr.Interface(fn=label, inputs='image', outputs='label').launch()\n";
        assert_eq!(style("ui/demo.py", gradio), Some((5, "ui-app".into())));
        // A UI calling a remote model, or one loading nothing, serves no model itself.
        assert_eq!(style("app.py", "import requests\nimport streamlit as st\nst.write(requests.post(URL, json={}).json())\n"), None);
        assert_eq!(
            style("app.py", "import streamlit as st\nimport pandas as pd\nst.dataframe(pd.read_csv('x.csv').transform(abs))\n"),
            None
        );
    }

    #[test]
    fn pipeline_branches_gate_only_on_model_quality() {
        let gates = |body: &str| -> usize {
            let src = format!(
                "from kfp import dsl\n\n@dsl.pipeline(name=\"p\")\ndef pipe(do_deploy: bool = False, min_auc: float = 0.7):\n{body}"
            );
            analyze("pipelines/pipeline.py", &src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .filter(|e| e.kind == "code.eval-gate")
                .count()
        };
        // A metric in the condition, the output of an evaluation or
        // comparison step (directly, through a name, or one more step away).
        for body in [
            "    ev = evaluate_op(model=t.outputs[\"model\"])\n    with dsl.Condition(ev.outputs[\"accuracy\"] > 0.8):\n        deploy_op()\n",
            "    res = run_tests(model=m)\n    with dsl.If(res.output >= min_auc, name=\"auc-gate\"):\n        deploy_op()\n",
            "    deploy_decision = evaluate_model(model=m, test=d)\n    with dsl.Condition(deploy_decision.output == \"true\"):\n        deploy_op()\n",
            "    cmp = (\n        compare_models(\n            new=m,\n            old=prod,\n        ).set_display_name(\"Compare\")\n    )\n    verdict = cmp.outputs[\"result\"]\n    with dsl.If(condition=verdict == \"better\"):\n        deploy_op()\n",
            "    check = model_quality_check(model=m)\n    with dsl.Condition(check.output == \"pass\", \"quality-gate\"):\n        deploy_op()\n",
        ] {
            assert_eq!(gates(body), 1, "{body}");
        }
        // A coin flip, a boolean parameter, an existence check: nothing
        // about the model's quality, even when a step was fed metrics.
        for body in [
            "    flip = flip_coin_op()\n    with dsl.Condition(flip.output == \"heads\"):\n        deploy_op()\n",
            "    with dsl.Condition(do_deploy == True):\n        deploy_op()\n",
            "    existing_model = lookup_model(name=n).outputs[\"model_resource_name\"]\n    with dsl.Condition(existing_model != \"\", \"champion-exists\"):\n        update_op(metrics=ev.outputs[\"metrics\"])\n",
            "    status = upload_op(metrics=t.outputs[\"metrics\"])\n    with dsl.If(status.output == \"done\"):\n        notify_op()\n",
        ] {
            assert_eq!(gates(body), 0, "{body}");
        }
        // The names read come from outside strings; a `dsl.Else()` opens no condition.
        assert_eq!(root_names("flip.output == \"eval\" and not x.y"), vec!["flip", "x"]);
        assert!(is_branch_call(b"dsl.Condition(") && is_branch_call(b"dsl.If (") && !is_branch_call(b"dsl.ParallelFor("));
        assert_eq!(without_arguments("(evaluate(model=m).outputs[\"verdict\"])"), "evaluate().outputs[\"verdict\"]");
    }

    #[test]
    fn the_best_run_by_a_metric_promoted_is_a_model_selection() {
        let sel = |src: &str| kinds(src).iter().filter(|k| k.starts_with("code.model-select")).count();
        let rank = "import mlflow\nfrom mlflow.tracking import MlflowClient\nruns = mlflow.search_runs(\n    experiment_ids=eid, order_by=[\"metrics.accuracy DESC\"])\nbest = runs.iloc[0].run_id\n";
        let promote = "MlflowClient().transition_model_version_stage(name=n, version=v, stage=\"Production\")\n";
        assert_eq!(sel(&format!("{rank}{promote}")), 1);
        assert_eq!(sel(&format!("{}{promote}", rank.replace("[\"metrics.accuracy DESC\"]", "[f\"metrics.{m} {mode}\"]"))), 1);
        assert_eq!(sel(&format!("{rank}client.set_registered_model_alias(n, \"champion\", v)\n")), 1);
        // Ranked to look a run up, nothing promoted: not a selection.
        assert_eq!(sel(rank), 0);
        // Ordered by time, not by a metric.
        assert_eq!(sel(&format!("{}{promote}", rank.replace("metrics.accuracy DESC", "start_time DESC"))), 0);
        // Without MLflow, or in a comment, or in a test.
        assert_eq!(sel(&format!("{}{promote}", rank.replace("import mlflow\nfrom mlflow.tracking import MlflowClient\n", ""))), 0);
        assert_eq!(sel(&format!("{rank}# client.transition_model_version_stage(n, v, 'Production')\n")), 0);
        let repo = RepoIndex::default();
        assert!(kinds_at("tests/test_select.py", &format!("{rank}{promote}"), &repo).iter().all(|k| !k.starts_with("code.model-select")));
    }

    #[test]
    fn gates_and_comparisons() {
        let k = kinds("import sys\nauc = evaluate()\nif auc < 0.8:\n    print('too low')\n    sys.exit(1)\n");
        assert_eq!(k, vec!["code.eval-gate"]);
        let k = kinds("if challenger_auc > champion_auc:\n    client.set_registered_model_alias('m', 'champion', v)\n");
        assert_eq!(k, vec!["code.model-compare"]);
        let k = kinds("if new_rmse < prod_rmse:\n    print('better')\n");
        let f = analyze("a.py", "if new_rmse < prod_rmse:\n    print('better')\n", &RepoIndex::default(), NAME, false);
        assert_eq!(k, vec!["code.model-compare"]);
        assert_eq!(f.evidence[0].attrs["acts"], *"no");
        // Abbreviated sides, one-sided metric names, and a verdict kept in a variable.
        for line in
            ["if m_chall < m_champ:", "if rmse <= prod_rmse:", "better = val_auc > champion_val_auc", "if r2_candidate >= r2_current:"]
                .into_iter()
                // Role words abbreviated, the metric named by its split.
                .chain(["if chal_holdout < champ_holdout * (1 - margin):"])
                // Metric names holding training-loop words, against the old model's.
                .chain(["if staging_eval_metric <= production_eval_metric:", "if candidate_log_loss < production_log_loss:"])
                .chain(["if challenger_precision_at_10 > champion_precision_at_10:", "improved = new_f1 > existing_best_f1"])
        {
            assert_eq!(kinds(&format!("{line}\n    promote()\n")), vec!["code.model-compare"], "{line}");
        }
        // Not model quality: versions, sizes, same-side words, pandas masks.
        for line in [
            "is_new = new_version > current_version",
            "if len(new_rows) > len(existing_rows):",
            "mask = df['accuracy'] > 0.5",
            "if rmse < rmse_limit:",
            "if new_auc_date > current_auc_date:",
            "if candidate_steps > current_steps:",
            "if val_loss < best_val_loss:",
            "if eval_f1 > best_f1:",
            // Early stopping and checkpoints: the epoch's score against the best so far.
            "return current_score < self.best_score_",
            "if current_val_loss < best_val_loss:",
            "if curr_acc > self.best_acc:",
        ] {
            assert!(kinds(&format!("import sys\n{line}\n    sys.exit(1)\n")).iter().all(|k| k != "code.model-compare"), "{line}");
        }
        assert!(!kinds("import sys\nok = auc > 0.8\nsys.exit(0 if ok else 1)\n").contains(&"code.eval-gate".to_string()));
        // Handing main()'s result to the interpreter acts on the verdict only
        // when main returns it.
        let acts = |src: &str| {
            let f = analyze("cmp.py", src, &RepoIndex::default(), NAME, false);
            f.evidence.iter().find(|e| e.kind == "code.model-compare").map(|e| e.attrs["acts"].to_string())
        };
        let written = "def main():\n    improved = new_f1 > prod_f1\n    open('improved.txt', 'w').write(str(improved))\n    return 0\n\nif __name__ == '__main__':\n    raise SystemExit(main())\n";
        assert_eq!(acts(written).as_deref(), Some("no"));
        assert_eq!(acts(&written.replace("return 0", "return 0 if improved else 1\n    return 1")).as_deref(), Some("yes"));
        assert_eq!(acts(&written.replace("raise SystemExit(main())", "main()\n    raise RuntimeError('x')")).as_deref(), Some("yes"));
    }

    #[test]
    fn a_running_best_kept_by_the_loop_is_no_bar() {
        let gated = |src: &str| kinds(src).iter().any(|k| k == "code.eval-gate");
        let stopper = "import sys\nclass S:\n    def step(self, val_loss):\n        if val_loss < self.min_val_loss:\n            self.min_val_loss = val_loss\n        elif val_loss > self.min_val_loss + self.delta:\n            sys.exit(1)\n";
        assert!(!gated(stopper));
        // The same comparison against a bar the file never moves gates.
        assert!(gated(&stopper.replace("            self.min_val_loss = val_loss\n", "            pass\n")));
        assert!(running_update(&name_copies("x\n  best_auc = auc\n"), "auc", "best_auc"));
        assert!(!running_update(&name_copies("x\n  best_auc == auc\n"), "auc", "best_auc"));
    }

    #[test]
    fn a_threshold_that_guards_registration_by_control_flow_is_a_gate() {
        let gated = |src: &str| kinds(src).iter().any(|k| k == "code.eval-gate");
        let early = "import mlflow\nMAX_RMSE = 7.5\n\ndef promote(r):\n    if r['rmse'] > MAX_RMSE:\n        print('not registering')\n        return\n    mlflow.register_model(r['uri'], 'rides')\n";
        assert!(gated(early));
        let nested =
            "import mlflow\n\ndef promote(uri, f1, min_f1=0.8):\n    if f1 >= min_f1:\n        mlflow.register_model(uri, 'churn')\n";
        assert!(gated(nested));
        let other_branch = "import mlflow\n\ndef promote(uri, auc):\n    if auc < 0.7:\n        log.warning('low')\n    else:\n        mlflow.register_model(uri, 'churn')\n";
        assert!(gated(other_branch));
        // A branch that only reports, a tag, or an action outside the function: no gate.
        let reports = "import mlflow\n\ndef promote(uri, auc):\n    if auc < 0.7:\n        log.warning('low')\n    mlflow.register_model(uri, 'churn')\n";
        assert!(!gated(reports));
        let tag = "import mlflow\n\ndef mark(auc):\n    if auc > 0.7:\n        mlflow.set_tag('good', 'yes')\n";
        assert!(!gated(tag));
        let elsewhere = "import mlflow\n\ndef check(auc):\n    if auc < 0.7:\n        return\n    print(auc)\n\ndef ship(uri):\n    mlflow.register_model(uri, 'churn')\n";
        assert!(!gated(elsewhere));
    }

    #[test]
    fn an_old_model_name_bound_only_to_a_number_is_a_fixed_bar() {
        let gate = "import sys\n\ndef check(path, baseline_r2=0.72):\n    candidate_r2 = read(path)\n    if candidate_r2 < baseline_r2:\n        sys.exit(1)\n";
        assert_eq!(kinds(gate), vec!["code.eval-gate"]);
        let assigned = "import sys\nprod_auc: float = 0.81\nif new_auc < prod_auc:\n    sys.exit(1)\n";
        assert_eq!(kinds(assigned), vec!["code.eval-gate"]);
        // Bound to the current model's score (alone or besides a number): a comparison.
        let scored = "import sys\nbaseline_r2 = prod_model.score(x, y)\nif candidate_r2 < baseline_r2:\n    sys.exit(1)\n";
        assert_eq!(kinds(scored), vec!["code.model-compare"]);
        let both = "import sys\nbaseline_r2 = 0.5\nbaseline_r2 = prod_model.score(x, y)\nif candidate_r2 < baseline_r2:\n    sys.exit(1)\n";
        assert_eq!(kinds(both), vec!["code.model-compare"]);
        // A comment binding it to a number does not count.
        let commented =
            "import sys\n# baseline_r2 = 0.7\nbaseline_r2 = prod_model.score(x, y)\nif candidate_r2 < baseline_r2:\n    sys.exit(1)\n";
        assert_eq!(kinds(commented), vec!["code.model-compare"]);
    }

    #[test]
    fn a_baseline_that_is_none_or_switched_off_compares_nothing_for_sure() {
        let compare = |arg: &str| {
            let src = format!("import mlflow\nflag = x\nmlflow.evaluate(model=m, data=d, {arg}, targets='y')\n");
            let f = analyze("src/validate.py", &src, &RepoIndex::default(), NAME, false);
            f.evidence
                .iter()
                .find(|e| e.kind == "code.model-compare")
                .map(|e| (e.attrs.get("acts").map(|a| a.to_string()), e.attrs.get("switched").map(|a| a.to_string())))
        };
        assert_eq!(compare("baseline_model=champion_uri"), Some((Some("yes".into()), None)));
        assert_eq!(compare("baseline_model=load('models:/m@champion')"), Some((Some("yes".into()), None)));
        assert_eq!(compare("baseline_model=None"), None);
        // A comparison in a comment is none.
        let commented = "import mlflow\nmlflow.evaluate(model=m, data=d)  # baseline_model=champion_uri\n";
        assert!(kinds(commented).iter().all(|k| k != "code.model-compare"), "{:?}", kinds(commented));
        let off = Some((None, Some("yes".into())));
        assert_eq!(compare("baseline_model=None if not flag else champion_uri"), off);
        assert_eq!(compare("baseline_model=champion_uri if flag else None"), off);
        // Last argument: the value ends at the call's closing bracket.
        let last = "import mlflow\nmlflow.evaluate(model=m, baseline_model=None)\n";
        assert!(kinds(last).iter().all(|k| k != "code.model-compare"), "{:?}", kinds(last));
        // A name is followed to its assignment.
        let named = "import mlflow\nbase = None if not on else uri\nmlflow.evaluate(model=m, baseline_model=base)\n";
        let f = analyze("src/validate.py", named, &RepoIndex::default(), NAME, false);
        let c = f.evidence.iter().find(|e| e.kind == "code.model-compare").expect("a comparison");
        assert!(!c.attrs.contains_key("acts") && c.attrs["switched"] == *"yes", "{:?}", c.attrs);
        let given = "import mlflow\nbase = 'models:/m@champion'\nmlflow.evaluate(model=m, baseline_model=base)\n";
        let f = analyze("src/validate.py", given, &RepoIndex::default(), NAME, false);
        assert!(f.evidence.iter().any(|e| e.kind == "code.model-compare" && e.attrs.get("acts").is_some_and(|a| a == "yes")));
    }

    #[test]
    fn score_against_the_best_registered_version() {
        // The file lists registered versions: `score >= max(...)` is the
        // candidate against them, and the flag the branch sets is the verdict.
        let src = "from mlflow.tracking import MlflowClient\nc = MlflowClient()\nseen = {}\nfor v in c.search_model_versions(\"name='m'\"):\n    seen[v.version] = rate(v)\nif new_rate >= max(seen.values()):\n    ship = 1\nelse:\n    ship = 0\n";
        let f = analyze("steps/judge.py", src, &RepoIndex::default(), NAME, false);
        let c: Vec<_> = f.evidence.iter().filter(|e| e.kind == "code.model-compare").collect();
        assert_eq!(c.len(), 1, "{:?}", f.evidence);
        assert_eq!(c[0].attrs["verdict"], *"ship");
        // No registry lookup in the file: a max over some values is not the current model.
        let plain = "if new_rate >= max(seen.values()):\n    ship = 1\n";
        assert!(kinds(plain).iter().all(|k| k != "code.model-compare"), "{:?}", kinds(plain));
    }

    #[test]
    fn verdict_set_to_a_constant_before_its_test() {
        let over = |src: &str| kinds(src).contains(&"code.verdict-override".to_string());
        // Read, then forced, then tested: the gate decides nothing.
        assert!(over(
            "def main(p):\n    with open(p) as f:\n        ship = int(f.read())\n    ship = 1\n    if ship == 1:\n        publish()\n"
        ));
        assert!(over("ok = better(a, b)\nok = True\nif ok:\n    publish()\n"));
        // Set to a constant only on one branch, never computed, or not tested next.
        assert!(!over("ship = int(f.read())\nif force:\n    ship = 1\nif ship == 1:\n    publish()\n"));
        assert!(!over("ship = 0\nship = 1\nif ship == 1:\n    publish()\n"));
        assert!(!over("ship = int(f.read())\nship = 1\nlog(ship)\n"));
        // A commented-out override is no override.
        assert!(!over("ship = int(f.read())\n# ship = 1\nif ship == 1:\n    publish()\n"));
        // Found on its own line, whatever the line breaks, blank lines between.
        for nl in ["\n", "\r\n"] {
            let src = ["def main(p):", "", "    ship = int(read(p))", "    ship = 1", "  ", "    if ship == 1:", "        publish()", ""]
                .join(nl);
            let f = analyze("a.py", &src, &RepoIndex::default(), NAME, false);
            let o: Vec<_> = f.evidence.iter().filter(|e| e.kind == "code.verdict-override").collect();
            assert_eq!(o.len(), 1, "{nl:?}: {:?}", f.evidence);
            assert_eq!((o[0].location.start_line, &o[0].attrs["name"]), (4, "ship"), "{nl:?}");
        }
    }

    #[test]
    fn old_model_words_and_cancelled_runs() {
        // `old` names the current model as a whole name part, and cancelling
        // the run is how a pipeline step blocks the release.
        let src = "def better(run, old):\n    new_m = run.get_metrics()\n    old_m = old.tags\n    return new_m['auc'] >= float(old_m.get('auc', 0))\n\nif not better(r, m):\n    parent_run.cancel()\n";
        let f = analyze("steps/check.py", src, &RepoIndex::default(), NAME, false);
        let c: Vec<_> = f.evidence.iter().filter(|e| e.kind == "code.model-compare").collect();
        assert_eq!(c.len(), 1, "{:?}", f.evidence);
        assert_eq!(c[0].attrs["acts"], *"yes");
        // A cancel of something that is not a run does not act.
        let f = analyze("a.py", "if new_auc > old_auc:\n    timer.cancel()\n", &RepoIndex::default(), NAME, false);
        assert_eq!(f.evidence[0].attrs["acts"], *"no");
        // `old` inside a longer word (`threshold`, `holdout`) is not the old model.
        for line in ["if new_auc > auc_threshold:", "if new_auc > holdout_auc:", "ok = new_score >= bold_score"] {
            assert!(kinds(&format!("import sys\n{line}\n    sys.exit(1)\n")).iter().all(|k| k != "code.model-compare"), "{line}");
        }
    }

    #[test]
    fn guards_and_relative_training_checks_are_not_gates() {
        let gate = |src: &str| kinds(src).contains(&"code.eval-gate".to_string());
        for line in [
            "if recall > 0 and precision > 0:",
            "if len(errors) > 0:",
            "if stats['errors'] > 0.0:",
            "if total_loss > 4 * abs(self.prev_loss):",
            "if f1_count >= 10:",
        ] {
            assert!(!gate(&format!("import sys\n{line}\n    sys.exit(1)\n")), "{line}");
        }
        // A bar in another comparison of the same condition still gates.
        for line in ["if args.min_f1 > 0 and f1 < args.min_f1:", "if rmse > RMSE_LIMIT:", "if val_acc < acc_threshold:", "if auc < 0.75:"] {
            assert!(gate(&format!("import sys\n{line}\n    sys.exit(1)\n")), "{line}");
        }
    }

    #[test]
    fn threshold_verdict_in_a_variable_gates_when_the_file_stops_on_it() {
        let gate = |src: &str| kinds(src).contains(&"code.eval-gate".to_string());
        let checked = "def check(m, floor_r2, cap_r2):\n    passed = floor_r2 <= m['r2'] <= cap_r2\n    return passed\n\n";
        assert!(gate(&format!("{checked}def main():\n    passed = check(read(), MIN_R2, 1.0)\n    if not passed:\n        log.error('rejected')\n        raise Rejected()\n")));
        assert!(gate("import sys\nok = val_auc >= min_auc\nif ok is False:\n    sys.exit(1)\n"));
        // Tested only together with something else, only reported, or a mask that indexes rows.
        assert!(!gate("import sys\nok = val_auc >= min_auc\nif ok and strict:\n    sys.exit(1)\n"));
        assert!(!gate("import sys\nok = val_auc >= min_auc\nif not ok:\n    print('low auc')\nmain()\n\n\n\n\n\n\nsys.exit(2)\n"));
        assert!(!gate("import sys\nmask = df['accuracy'] > 0.5\nkept = df[mask]\nif kept.empty:\n    sys.exit(1)\n"));
    }

    fn pred_log_attrs(path: &str, src: &str) -> Vec<String> {
        let f = analyze(path, src, &RepoIndex::default(), NAME, false);
        f.evidence
            .iter()
            .filter(|e| e.kind == "code.prediction-log")
            .map(|e| format!("{}/{}", e.attrs.get("sink").unwrap_or("-"), e.attrs.get("online").unwrap_or("-")))
            .collect()
    }

    #[test]
    fn logged_predictions_stay_local_unless_a_shipper_carries_them() {
        let api = "from fastapi import FastAPI\nimport logging\nlog = logging.getLogger(__name__)\napp = FastAPI()\n@app.post('/predict')\ndef predict(req):\n    y = model.predict(req.x)\n    log.info('prediction %s', y)\n    return y\n";
        assert_eq!(pred_log_attrs("svc/api.py", api), vec!["local/-"]);
        let shipped = api.replace("import logging\n", "import logging\nfrom fluent import handler\n");
        assert_eq!(pred_log_attrs("svc/api.py", &shipped), vec!["shipper/-"]);
        // A logger of its own for predictions, one JSON record per request.
        let structured = api
            .replace("log = logging.getLogger(__name__)", "prediction_log = logging.getLogger('predictions')")
            .replace("log.info('prediction %s', y)", "prediction_log.info(json.dumps({'x': req.x, 'prediction': y}))");
        assert_eq!(pred_log_attrs("svc/api.py", &structured), vec!["structured/-"]);
        // The shipper named only in a comment ships nothing.
        let commented = api.replace("import logging\n", "import logging\n# from fluent import handler\n");
        assert_eq!(pred_log_attrs("svc/api.py", &commented), vec!["local/-"]);
        assert!(is_log_shipper("myapp.logs.kafka_sink") && !is_log_shipper("logging.handlers"));
        // A broker or search client is a transport or a store, not a log shipper.
        assert!(!is_log_shipper("confluent_kafka") && !is_log_shipper("aiokafka") && !is_log_shipper("elasticsearch"));
        assert!(is_log_shipper("kafka_logger") && is_log_shipper("cmreslogging.elasticsearch_handler"));
        let kafka = api.replace("import logging\n", "import logging\nfrom confluent_kafka import Consumer\n");
        assert_eq!(pred_log_attrs("svc/api.py", &kafka), vec!["local/-"]);
        // A serverless handler's logs go to the platform's log store.
        let lambda = "import json, logging, joblib\nlogger = logging.getLogger()\nmodel = joblib.load('m.joblib')\ndef lambda_handler(event, context):\n    x = json.loads(event['body'])\n    pred = model.predict([x])[0]\n    logger.info(json.dumps({'input': x, 'prediction': pred}))\n    return pred\n";
        assert_eq!(pred_log_attrs("fn/app.py", lambda), vec!["platform/-"]);
        // Each request's record posted to a monitoring service.
        let posted = "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\nMONITOR_URL = 'http://monitor:8085/ingest'\n@app.post('/predict')\ndef predict(x):\n    y = model.predict([x])[0]\n    record = {'features': x, 'prediction': y}\n    requests.post(MONITOR_URL, json=record, timeout=2)\n    return y\n";
        assert_eq!(pred_log_attrs("svc/api.py", posted), vec!["service/-"]);
        // A call to another model service is no record of predictions.
        let downstream = posted.replace("MONITOR_URL", "RANKER_URL");
        assert!(pred_log_attrs("svc/api.py", &downstream).is_empty());
        // The same log call in a plain predict function stays local.
        let plain = lambda.replace("def lambda_handler(event, context):", "def predict_one(x, context):");
        assert_eq!(pred_log_attrs("fn/app.py", &plain), vec!["local/via-import"]);
    }

    #[test]
    fn predict_modules_log_for_a_service_only_when_not_a_command_line() {
        let module = "import joblib\nfrom loguru import logger\nclass Scorer:\n    def __init__(self, p):\n        self.model = joblib.load(p)\n    def predict(self, x):\n        prediction = self.model.predict(x)\n        logger.info(prediction)\n        return prediction\n";
        assert_eq!(pred_log_attrs("svc/scorer.py", module), vec!["local/via-import"]);
        let cli = format!("{module}\nif __name__ == \"__main__\":\n    Scorer('m.pkl').predict([[1]])\n");
        assert!(pred_log_attrs("svc/scorer.py", &cli).is_empty());
        let cli = module.replace("import joblib\n", "import joblib\nimport typer\n");
        assert!(pred_log_attrs("svc/scorer.py", &cli).is_empty());
    }

    #[test]
    fn request_latency_histograms_are_recorded_but_generic() {
        let src = "from flask import Flask, request\nfrom prometheus_client import Histogram\napp = Flask(__name__)\nh = Histogram('http_request_duration_seconds', 'time')\n@app.route('/predict', methods=['POST'])\ndef predict():\n    return str(model.predict(request.json))\n";
        let k = kinds_at("svc/app.py", src, &RepoIndex::default());
        assert!(k.contains(&"code.prediction-log:metrics".to_string()) && k.contains(&"code.telemetry".to_string()), "{k:?}");
        assert!(!k.iter().any(|x| x.starts_with("code.monitor")), "{k:?}");
        let counter = src.replace("http_request_duration_seconds", "http_requests_total");
        let k = kinds_at("svc/app.py", &counter, &RepoIndex::default());
        assert!(!k.iter().any(|x| x.starts_with("code.prediction-log")), "{k:?}");
        // Named for the endpoint, requests counted or timed are still generic.
        for name in ["prediction_requests_total", "prediction_request_duration_seconds", "predict_latency_seconds"] {
            let k = kinds_at("svc/app.py", &src.replace("http_request_duration_seconds", name), &RepoIndex::default());
            assert!(!k.iter().any(|x| x.starts_with("code.monitor")), "{name}: {k:?}");
        }
        // What the model answered is the model's.
        let k = kinds_at("svc/app.py", &src.replace("http_request_duration_seconds", "prediction_confidence"), &RepoIndex::default());
        assert!(k.iter().any(|x| x.starts_with("code.monitor")), "{k:?}");
    }

    #[test]
    fn metrics_of_the_model_lifecycle_are_no_model_monitor() {
        for n in
            ["model_training_total", "model_registry_versions", "model_artifact_bytes", "mlflow_model_logging_total", "model_load_total"]
        {
            assert!(!model_metric_name(n), "{n}");
        }
        for n in ["model_accuracy", "prediction_confidence", "feature_drift_vs_training", "model_output_distribution", "churn_score"] {
            assert!(model_metric_name(n), "{n}");
        }
    }

    #[test]
    fn app_insights_and_vertex_gapic_monitoring_from_the_catalog() {
        let k = kinds_at(
            "deploy/aks.py",
            "from azureml.core.webservice import AksWebservice\ncfg = AksWebservice.deploy_configuration(enable_app_insights=True)\n",
            &RepoIndex::default(),
        );
        assert!(k.contains(&"code.telemetry:app-insights".to_string()), "{k:?}");
        let k = kinds_at(
            "deploy/aks.py",
            "from azureml.core.webservice import AksWebservice\ncfg = AksWebservice.deploy_configuration(enable_app_insights=False)\n",
            &RepoIndex::default(),
        );
        assert!(!k.iter().any(|x| x.starts_with("code.telemetry")), "{k:?}");
        let src = "from google.cloud import aiplatform_v1beta1 as vb\njob = vb.ModelDeploymentMonitoringJob(display_name='m', logging_sampling_strategy=s)\nclient.create_model_deployment_monitoring_job(parent=p, model_deployment_monitoring_job=job)\n";
        let k = kinds_at("monitor/setup.py", src, &RepoIndex::default());
        assert!(k.contains(&"code.monitor:vertex".to_string()) && k.contains(&"code.prediction-log:vertex".to_string()), "{k:?}");
        // Another library's job of the same name is not Vertex monitoring.
        let k = kinds_at(
            "monitor/setup.py",
            "import mylib\njob = mylib.ModelDeploymentMonitoringJob(logging_sampling_strategy=s)\n",
            &RepoIndex::default(),
        );
        assert!(!k.iter().any(|x| x.starts_with("code.monitor") || x.starts_with("code.prediction-log")), "{k:?}");
    }

    #[test]
    fn event_handlers_that_start_pipelines_are_event_triggers() {
        let on = |src: &str| {
            analyze("fn/main.py", src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .filter(|e| e.kind == "code.pipeline-trigger")
                .map(|e| e.attrs.get("on").map(str::to_string).unwrap_or_default())
                .collect::<Vec<_>>()
        };
        let body = "from google.cloud import aiplatform\n\ndef start(spec):\n    aiplatform.pipeline_jobs.PipelineJob(display_name='p', template_path=spec).submit()\n";
        assert_eq!(on(&format!("{body}\ndef on_message(event, context):\n    start(event['data'])\n")), vec!["event"]);
        // Started from a command line: no event.
        assert_eq!(on(&format!("{body}\nif __name__ == '__main__':\n    start('p.json')\n")), vec![""]);
        // A CI workflow dispatched from a handler is not an ML pipeline.
        let dispatch = "from github import Github\n\ndef lambda_handler(event, context):\n    Github(t).get_repo(r).get_workflow(w).create_dispatch('main')\n";
        assert!(on(dispatch).iter().all(|o| o.is_empty()), "{:?}", on(dispatch));
        // A handler signature only in a docstring is no handler.
        assert_eq!(on(&format!("{body}\n'''\ndef on_message(event, context):\n'''\n")), vec![""]);
    }

    #[test]
    fn azureml_specs_loaded_from_yaml_are_submitted() {
        let src = "import os\nfrom azure.ai.ml import load_component, load_job\nHERE = os.path.dirname(__file__)\nSPECS = os.path.join(HERE, \"specs\")\n\ndef build(name):\n    a = load_component(source=SPECS + \"/prep.yml\")\n    b = load_job(os.path.join(SPECS, \"train.yaml\"))\n    c = load_component(source=f\"{SPECS}/{name}.yml\")\n    d = load_component(source=unknown_dir + \"/x.yml\")\n    e = load_component(\"notes.txt\")\n";
        let mut repo = RepoIndex::default();
        for p in ["ml/specs/prep.yml", "ml/specs/score.yml", "ml/specs/train.yaml", "ml/specs/old/x.yml", "ml/other.yml"] {
            repo.paths.insert(p.into());
        }
        let f = analyze("ml/pipeline.py", src, &repo, NAME, false);
        let files: Vec<String> =
            f.commands.iter().filter(|c| c.argv[..4] == ["az", "ml", "job", "create"]).map(|c| c.argv[5].clone()).collect();
        // The f-string with a parameter: the specs of that folder with that
        // shape (not a nested folder's, not `.yaml`). An unknown folder or
        // no spec: not followed.
        assert_eq!(files, ["ml/specs/prep.yml", "ml/specs/train.yaml", "ml/specs/prep.yml", "ml/specs/score.yml"]);
    }

    #[test]
    fn hand_written_training_functions_named_for_training_at_either_end() {
        let custom = |name: &str| {
            kinds(&format!("import pickle\nfrom inhouse import Forecaster\n\ndef {name}(x, y):\n    m = Forecaster()\n    m.fit(x, y)\n    pickle.dump(m, open(\"m.pkl\", \"wb\"))\n"))
                .contains(&"code.train".to_string())
        };
        for name in ["train", "train_model", "model_train", "retrain", "nightly_retrain", "asset_fit"] {
            assert!(custom(name), "{name}");
        }
        for name in ["get_train_data", "split_train", "trainer_config", "profit"] {
            assert!(!custom(name), "{name}");
        }
    }

    #[test]
    fn object_store_downloads_are_data_when_what_they_name_may_be_data() {
        let prep = |call: &str| {
            kinds(&format!("import boto3\ns3 = boto3.client(\"s3\")\n{call}\n")).iter().any(|k| k.starts_with("code.data-prep"))
        };
        assert!(prep("s3.download_file(\"lake\", \"raw/events.parquet\", \"events.parquet\")"));
        assert!(prep("s3.download_file(BUCKET, key, local_path)"));
        assert!(prep("blob = s3.download_file()"));
        // A run's reports, a model, or nothing that names data.
        assert!(!prep("boto3.resource(\"s3\").Bucket(\"ml\").download_file(\"runs/reports.csv\", \"reports.csv\")"));
        assert!(!prep("s3.download_file(BUCKET, \"models/churn.pkl\", \"model.pkl\")"));
        assert!(!prep("s3.download_file(\"ops\", \"config/settings.json\", \"settings.json\")"));
    }

    #[test]
    fn a_dagster_code_location_listing_schedules_is_started_by_them() {
        let trigger = |src: &str| {
            let f = analyze("pkg/__init__.py", src, &RepoIndex::default(), NAME, false);
            f.evidence.iter().find(|e| e.kind == "code.pipeline-def").and_then(|e| e.attrs.get("trigger").map(|t| t.to_string()))
        };
        let defs = |kw: &str| {
            format!("from dagster import Definitions, load_assets_from_modules\nfrom pkg import assets\nfrom pkg.schedules import s\ndefs = Definitions(\n    assets=load_assets_from_modules([assets]),\n    {kw},\n)\n")
        };
        assert_eq!(trigger(&defs("schedules=[s]")).as_deref(), Some("schedule"));
        assert_eq!(trigger(&defs("sensors=[on_new_file]")).as_deref(), Some("external"));
        assert_eq!(trigger(&defs("schedules=[]")), None);
        assert_eq!(trigger(&defs("jobs=[j]")), None);
    }

    #[test]
    fn endpoints_written_over_rest_are_deployed_not_called() {
        let k =
            |src: &str| kinds(src).into_iter().filter(|k| k.starts_with("code.deploy") || k.starts_with("code.invoke")).collect::<Vec<_>>();
        let admin = "import requests\ndef update(host, name, cfg):\n    requests.put(f\"{host}/api/2.0/serving-endpoints/{name}/config\", json=cfg)\n";
        assert_eq!(k(admin), ["code.deploy:http"]);
        let call = "import requests\ndef ask(host, name, rows):\n    return requests.post(f\"{host}/serving-endpoints/{name}/invocations\", json={\"inputs\": rows})\n";
        assert_eq!(k(call), ["code.invoke-endpoint:http"]);
        // Only reading an endpoint's state deploys nothing.
        let read =
            "import requests\ndef state(host, name):\n    return requests.get(f\"{host}/api/2.0/serving-endpoints/{name}\").json()\n";
        assert!(k(read).is_empty());
        // The path handed to a writing helper of another module.
        assert_eq!(k("from ops.api import write\nwrite(f\"serving-endpoints/{name}/config\", cfg)\n"), ["code.deploy:http"]);
        assert!(k("from ops.api import fetch\nfetch(f\"serving-endpoints/{name}\")\n").is_empty());
    }

    #[test]
    fn modal_functions_sized_for_a_machine_are_compute() {
        let compute = |src: &str| kinds(src).iter().filter(|k| k.starts_with("code.compute")).cloned().collect::<Vec<_>>();
        assert_eq!(compute("import modal\napp = modal.App(\"x\")\n@app.function(image=modal.Image.debian_slim(), gpu=\"A10G\")\ndef fit():\n    pass\n"), ["code.compute:modal"]);
        assert_eq!(compute("import modal\napp = modal.App(\"x\")\n@app.cls(cpu=4.0)\nclass Fit:\n    pass\n"), ["code.compute:modal"]);
        // No machine asked for; another library's decorator; a commented-out size.
        assert!(compute("import modal\napp = modal.App(\"x\")\n@app.function(timeout=600)\ndef fit():\n    pass\n").is_empty());
        assert!(compute("import ray\n@app.function(gpu=\"A10G\")\ndef fit():\n    pass\n").is_empty());
        assert!(compute("import modal\n# @app.function(gpu=\"A10G\")\ndef fit():\n    pass\n").is_empty());
    }

    #[test]
    fn compute_named_by_a_pipeline_default_or_an_instance_type_variable() {
        let compute = |src: &str| kinds(src).iter().filter(|k| k.starts_with("code.compute")).count();
        assert_eq!(compute("from azure.ai.ml.dsl import pipeline\n@pipeline(default_compute=\"cpu-cluster\")\ndef p():\n    pass\n"), 1);
        assert_eq!(compute("from azure.ai.ml import MLClient\njob.settings.default_compute = \"gpu-cluster\"\n"), 1);
        assert_eq!(compute("import sagemaker\ntraining_instance = \"ml.m5.large\"\n"), 1);
        // Not a platform module; not an instance type.
        assert_eq!(compute("default_compute = \"cpu-cluster\"\n"), 0);
        assert_eq!(compute("import sagemaker\nprefix = \"ml.models\"\n"), 0);
    }

    #[test]
    fn spec_paths_built_in_a_loop_over_names_are_each_loaded() {
        let src = "import os\nfrom azure.ai.ml import load_component\n\ndef main():\n    base = os.path.join(os.getcwd(), \"pipeline/components\")\n    for name in [\"prep\", \"train\"]:\n        steps.append(load_component(source=f\"{base}/{name}.yml\"))\n    for n in names:\n        load_component(source=f\"{unknown}/{n}.yml\")\n";
        let mut repo = RepoIndex::default();
        for p in ["pipeline/components/prep.yml", "pipeline/components/train.yml", "pipeline/components/score.yml"] {
            repo.paths.insert(p.into());
        }
        let f = analyze("pipeline/run.py", src, &repo, NAME, false);
        let files: Vec<&str> = f.commands.iter().filter(|c| c.argv[0] == "az").map(|c| c.argv[5].as_str()).collect();
        assert_eq!(files, ["pipeline/components/prep.yml", "pipeline/components/train.yml"]);
        assert!(segments_match("a/b-x.yml", &["a/b-", ".yml"]) && !segments_match("a/b-x/y.yml", &["a/b-", ".yml"]));
    }

    #[test]
    fn torch_loop_and_monitoring() {
        let k = kinds("import torch\nfor x, y in loader:\n    loss = crit(model(x), y)\n    loss.backward()\n    optimizer.step()\n");
        assert!(k.contains(&"code.train".to_string()));
        // Module-level loops name their optimizer in capitals; mixed precision steps through the scaler.
        let k = kinds("import torch\nfor x, y in LOADER:\n    LOSS = CRIT(MODEL(x), y)\n    LOSS.backward()\n    OPTIMIZER.step()\n");
        assert!(k.contains(&"code.train".to_string()));
        let k =
            kinds("import torch\nfor x, y in loader:\n    scaler.scale(loss).backward()\n    scaler.step(optim_g)\n    scaler.update()\n");
        assert!(k.contains(&"code.train".to_string()));
        // A backward pass with no optimizer step (gradients inspected) is not training.
        let k = kinds("import torch\ny = f(x)\ny.backward()\nprint(x.grad)\n");
        assert!(!k.contains(&"code.train".to_string()));
        let k = kinds("from evidently.report import Report\nfrom evidently.metric_preset import DataDriftPreset\nr = Report(metrics=[DataDriftPreset()])\n");
        assert!(k.contains(&"code.monitor:evidently".to_string()));
    }

    #[test]
    fn command_list_items_that_join_paths_are_one_path() {
        assert_eq!(list_words(r#"sys.executable, str(ROOT / "scripts" / "drift.py"), "--fast"]"#), ["scripts/drift.py", "--fast"]);
        assert_eq!(list_words(r#""python", os.path.join(HERE, "jobs/", "train.py")]"#), ["python", "jobs/train.py"]);
        // Items of their own, and a `/` inside a literal, stay as they are.
        assert_eq!(list_words(r#""python", "a/b.py", "--lr", "0.1"]"#), ["python", "a/b.py", "--lr", "0.1"]);
        assert_eq!(list_words(r#""echo", f"{x}/y"]"#), ["echo", "{x}/y"]);
        let src = "import subprocess, sys\nfrom pathlib import Path\nROOT = Path(__file__).resolve().parents[1]\nsubprocess.run([sys.executable, str(ROOT / \"monitoring\" / \"drift.py\"), \"--window\", \"7\"], check=True)\n";
        let f = analyze("dags/watch.py", src, &RepoIndex::default(), NAME, false);
        assert_eq!(f.commands.iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>(), ["python monitoring/drift.py --window 7"]);
    }

    /// The value of attribute `key` on each `code.monitor` of module `src` at `path`.
    fn monitor_attrs(path: &str, src: &str, key: &str) -> Vec<Option<String>> {
        analyze(path, src, &RepoIndex::default(), NAME, false)
            .evidence
            .iter()
            .filter(|e| e.kind == "code.monitor")
            .map(|e| e.attrs.get(key).map(str::to_string))
            .collect()
    }

    #[test]
    fn hand_written_drift_and_model_metrics_sent_to_cloudwatch_monitor() {
        let tools =
            |src: &str| -> Vec<String> { monitor_attrs("jobs/drift.py", src, "tool").into_iter().map(Option::unwrap_or_default).collect() };
        // A PSI helper under any name with `psi` as a part of it.
        for call in ["psi(b, r)", "_psi_component(b, r)", "feature_psi(b, r)", "compute_population_stability_index(b, r)"] {
            assert_eq!(tools(&format!("drift_score = {call}\n")), ["custom"], "{call}");
        }
        // A name that only contains the letters, or no drift named anywhere.
        assert!(tools("drift = upsilon(b, r)\n").is_empty());
        assert!(tools("value = feature_psi(b, r)\n").is_empty());
        assert_eq!(tools("value = population_stability_index(b, r)\n"), ["custom"]);
        let cw = "import boto3\ncw = boto3.client('cloudwatch')\ncw.put_metric_data(Namespace='Shop/Model', MetricData=[{'MetricName': NAME, 'Value': v}])\n";
        assert!(tools(cw).is_empty());
        assert_eq!(tools(&cw.replace("NAME", "'PredictionConfidence'")), ["cloudwatch"]);
        // Service health is not the model's.
        assert!(tools(&cw.replace("NAME", "'RequestLatency'")).is_empty());
    }

    #[test]
    fn a_monitor_in_the_serving_module_runs_with_the_service() {
        let in_service = |path: &str, src: &str| monitor_attrs(path, src, "in_service");
        let check = "from scipy.stats import ks_2samp\ndef drift(ref, cur):\n    return ks_2samp(ref, cur).pvalue < 0.01\n";
        let served = format!("import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nm = joblib.load('m.joblib')\n@app.post('/predict')\ndef predict(x: dict):\n    return {{'y': m.predict([x['v']]).tolist()}}\n{check}");
        assert_eq!(in_service("app/main.py", &served), vec![Some("yes".to_string())]);
        // A monitoring service of its own, sent the data it watches.
        let watcher = format!("from flask import Flask, request\napp = Flask(__name__)\n@app.route('/iterate', methods=['POST'])\ndef iterate():\n    return str(drift(REF, request.json))\n{check}");
        assert_eq!(in_service("monitoring/service.py", &watcher), vec![Some("yes".to_string())]);
        // A script of its own, or the same service's test, does not serve.
        assert_eq!(in_service("monitoring/drift.py", check), vec![None]);
        assert!(in_service("tests/test_main.py", &served).iter().all(Option::is_none));
    }

    #[test]
    fn env_backed_job_settings_resolve_through_ci_variables() {
        let mut repo = RepoIndex::default();
        repo.texts.insert("ml_service/util/env_variables.py".into(), "import os\nclass Env:\n    def __init__(self):\n        self.train_script_path = os.environ.get(\"TRAIN_SCRIPT_PATH\")\n        self.sources_directory_train = os.environ.get(\"SOURCES_DIR_TRAIN\")\n".into());
        repo.texts.insert(
            ".pipelines/vars.yml".into(),
            "variables:\n  TRAIN_SCRIPT_PATH: training/train_aml.py\n  SOURCES_DIR_TRAIN: ./pkg/\n".into(),
        );
        let src = "step = PythonScriptStep(\n    script_name=e.train_script_path,\n    source_directory=e.sources_directory_train,\n)\n";
        let f = analyze("ml_service/pipelines/build.py", src, &repo, NAME, false);
        assert_eq!(f.commands.len(), 1, "{:?}", f.commands.iter().map(|c| &c.argv).collect::<Vec<_>>());
        assert_eq!(f.commands[0].argv, vec!["python", "training/train_aml.py"]);
        assert_eq!(f.commands[0].workdir, "pkg");
        assert_eq!(f.commands[0].location.start_line, 2);
        // Without the variables file the field stays unresolved: no command.
        repo.texts.remove(".pipelines/vars.yml");
        let repo2 = RepoIndex { texts: repo.texts.clone(), ..RepoIndex::default() };
        assert!(analyze("ml_service/pipelines/build.py", src, &repo2, NAME, false).commands.is_empty());
    }

    #[test]
    fn f_string_job_commands_use_module_constants() {
        let src = "from airflow.operators.bash import BashOperator\nSCRIPTS = \"/opt/airflow/dags/scripts\"\n\ndef make():\n    LOCAL = \"x\"\n    a = BashOperator(task_id=\"t\", bash_command=f\"python {SCRIPTS}/train.py --n 3\")\n    b = BashOperator(task_id=\"u\", bash_command=f\"python {LOCAL}/score.py\")\n";
        let f = analyze("dags/dag.py", src, &RepoIndex::default(), NAME, false);
        let argv: Vec<String> = f.commands.iter().map(|c| c.argv.join(" ")).collect();
        // Only module-level constants are substituted; others stay visible as unresolved.
        assert_eq!(argv, vec!["python /opt/airflow/dags/scripts/train.py --n 3", "python {LOCAL}/score.py"]);
        // Concatenation with a module constant; an unknown name gives no command.
        let src = "TRAIN = \"jobs/train.py\"\nt = BashOperator(task_id=\"t\", bash_command=\"python \" + TRAIN + \" --full\")\nu = BashOperator(task_id=\"u\", bash_command=\"python \" + other)\n";
        let f = analyze("dags/dag.py", src, &RepoIndex::default(), NAME, false);
        assert_eq!(f.commands.iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>(), vec!["python jobs/train.py --full"]);
        // A wrapper shell in the other quote: the commands inside it.
        let src = "from airflow.providers.docker.operators.docker import DockerOperator\nfit = DockerOperator(task_id='f', image='t', command=\"bash -c 'cd src && python fit_model.py --k 3'\")\n";
        let f = analyze("dags/dag.py", src, &RepoIndex::default(), NAME, false);
        let argv: Vec<String> = f.commands.iter().map(|c| c.argv.join(" ")).collect();
        assert!(argv.iter().any(|a| a.ends_with("fit_model.py --k 3")), "{argv:?}");
        // A pod's command and arguments given as two lists run as one command.
        let pod = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\nfit = KubernetesPodOperator(\n    task_id='fit', image='t',\n    cmds=['python'],\n    arguments=['-m', 'src.models.fit', '--epochs', '3'],\n)\nnote = KubernetesPodOperator(task_id='n', image='t', cmds=['python'])\n";
        let pf = analyze("dags/pod.py", pod, &RepoIndex::default(), NAME, false);
        let pod_argv: Vec<String> = pf.commands.iter().map(|c| c.argv.join(" ")).collect();
        assert!(pod_argv.contains(&"python -m src.models.fit --epochs 3".to_string()), "{pod_argv:?}");
        // `cd` moves the commands after it: below the file's folder, else below the root.
        let wd = |paths: &[&str]| {
            let repo = RepoIndex { paths: paths.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
            let f = analyze("dags/dag.py", src, &repo, NAME, false);
            f.commands.iter().find(|c| c.argv.iter().any(|a| a == "fit_model.py")).map(|c| c.workdir.clone())
        };
        assert_eq!(wd(&["src/fit_model.py"]).as_deref(), Some("src"));
        assert_eq!(wd(&["dags/src/fit_model.py", "src/fit_model.py"]).as_deref(), Some("dags/src"));
    }

    #[test]
    fn mlflow_projects_run_from_python_run_their_entry_point() {
        let repo =
            RepoIndex { paths: ["ops/proj/MLproject", "proj/MLproject"].iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
        let cmds = |src: &str| -> Vec<(String, String)> {
            analyze("ops/launch.py", src, &repo, NAME, false).commands.iter().map(|c| (c.argv.join(" "), c.workdir.clone())).collect()
        };
        // Beside the module first; the entry point by keyword or position, `main` by default.
        assert_eq!(
            cmds("import mlflow\nmlflow.run(\"./proj\", entry_point=\"train\")\n"),
            [("mlflow run proj -e train".into(), "ops".into())]
        );
        assert_eq!(cmds("from mlflow import projects\nprojects.run(uri=\"proj\")\n"), [("mlflow run proj -e main".into(), "ops".into())]);
        let root = RepoIndex { paths: ["proj/MLproject"].iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
        let f = analyze("ops/launch.py", "import mlflow\nmlflow.projects.run(\"proj\", \"fit\")\n", &root, NAME, false);
        assert_eq!(
            f.commands.iter().map(|c| (c.argv.join(" "), c.workdir.clone())).collect::<Vec<_>>(),
            [("mlflow run proj -e fit".to_string(), String::new())]
        );
        // Remote projects, folders without an MLproject, and other `run`s launch nothing here.
        assert!(cmds("import mlflow\nmlflow.run(\"https://github.com/mlflow/mlflow-example\")\n").is_empty());
        assert!(cmds("import mlflow\nmlflow.run(\"elsewhere\")\n").is_empty());
        assert!(cmds("import mlflow\nwith mlflow.start_run():\n    pass\nrun(\"proj\")\n").is_empty());
    }

    #[test]
    fn log_calls_count_only_their_own_arguments() {
        let app = "import logging\nimport joblib\nfrom fastapi import FastAPI\nlogger = logging.getLogger('s')\napp = FastAPI()\nmodel = joblib.load('m')\n@app.get('/health')\ndef health():\n    logger.info(\"Health check (ok)\")\n    return 1\n@app.post('/predict')\ndef predict(payload: dict):\n    return model.predict([payload['x']])\n";
        assert!(!kinds(app).contains(&"code.prediction-log:logging".to_string()), "{:?}", kinds(app));
        let logged = app.replace("logger.info(\"Health check (ok)\")", "logger.info(predictions_frame[COLUMNS])");
        assert!(kinds(&logged).contains(&"code.prediction-log:logging".to_string()), "{:?}", kinds(&logged));
    }

    #[test]
    fn all_traffic_to_one_model_is_not_a_split() {
        let base = "from google.cloud import aiplatform\nm = aiplatform.Model('x')\nm.deploy(endpoint=e, ARG)\n";
        for single in ["traffic_split={\"0\": 100}", "traffic_percentage=100", "traffic_split={ '0' : 100, }"] {
            assert!(!kinds(&base.replace("ARG", single)).contains(&"code.traffic-split:vertex".to_string()), "{single}");
        }
        for split in ["traffic_split={\"0\": 90, \"1\": 10}", "traffic_percentage=10", "traffic_split=split"] {
            assert!(kinds(&base.replace("ARG", split)).contains(&"code.traffic-split:vertex".to_string()), "{split}");
        }
        // A name assigned all the traffic before: no split; assigned a split: one.
        let named = |value: &str| kinds(&format!("TRAFFIC = {value}\n{}", base.replace("ARG", "traffic_split=TRAFFIC")));
        assert!(!named("{\"0\": 100}").contains(&"code.traffic-split:vertex".to_string()));
        assert!(named("{\"0\": 80, \"1\": 20}").contains(&"code.traffic-split:vertex".to_string()));
    }

    #[test]
    fn prediction_scripts_loading_no_model_themselves_are_candidates() {
        let via = |path: &str, src: &str| -> bool {
            let f = analyze(path, src, &RepoIndex::default(), NAME, false);
            f.evidence.iter().any(|e| e.kind == "code.scoring" && e.attrs.get("model").is_some_and(|m| m == "via-import"))
        };
        let src = "from pkg.runner import Runner\n\nif __name__ == \"__main__\":\n    runner = Runner(cfg)\n    for batch in rows:\n        preds = runner(batch)\n";
        assert!(via("tools/predict_tiles.py", src));
        // Not named for predicting, not run as a program, or a client of an endpoint.
        assert!(!via("tools/show_tiles.py", src));
        assert!(!via("tools/predict_tiles.py", &src.replace("if __name__ == \"__main__\":\n", "def main():\n")));
        let client = "import requests\n\nif __name__ == \"__main__\":\n    preds = requests.post(URL, json=rows)\n";
        assert!(!via("tools/predict_remote.py", client));
    }

    #[test]
    fn managed_deployment_score_calls_invoke_the_endpoint() {
        let src =
            "from ibm_watson_machine_learning import APIClient\nclient = APIClient(creds)\nout = client.deployments.score(uid, payload)\n";
        assert!(kinds(src).contains(&"code.invoke-endpoint:ibm-wml".to_string()), "{:?}", kinds(src));
        // Without the client library, or in a comment, it is someone else's `score`.
        assert!(!kinds("deployments.score(uid, payload)\n").iter().any(|k| k.starts_with("code.invoke-endpoint")));
        let commented = "from ibm_watson_machine_learning import APIClient\n# client.deployments.score(uid, payload)\n";
        assert!(!kinds(commented).iter().any(|k| k.starts_with("code.invoke-endpoint")));
    }

    #[test]
    fn checkpoint_evaluation_entry_points_are_partial_scoring() {
        let styles = |src: &str| styles_of_scoring("pkg/check.py", src);
        let eval = "import lightning as L\ndef check(cfg):\n    trainer = L.Trainer()\n    trainer.test(model=net(cfg), datamodule=rows(cfg), ckpt_path=cfg.ckpt)\n";
        assert_eq!(styles(eval), vec!["checkpoint-eval"]);
        // After training in the same file it measures that training; a comment
        // or a test without a checkpoint is no entry point either.
        let after_fit = "import lightning as L\ndef run(cfg):\n    trainer = L.Trainer()\n    trainer.fit(model=m, datamodule=d)\n    trainer.test(model=m, datamodule=d, ckpt_path=\"best\")\n";
        assert!(styles(after_fit).is_empty());
        assert!(styles("import lightning as L\n# trainer.test(model=m, ckpt_path=p)\n").is_empty());
        assert!(styles("import lightning as L\ntrainer.test(model=m, datamodule=d)\n").is_empty());
    }

    #[test]
    fn local_device_choices_are_not_managed_compute() {
        let compute = |path: &str, src: &str| -> usize {
            analyze(path, src, &RepoIndex::default(), NAME, false).evidence.iter().filter(|e| e.kind == "code.compute").count()
        };
        // A Trainer, a Fabric or a model loader asked for devices, a `--gpus`
        // flag of a local launcher, a torch device: the hardware of whatever
        // machine runs the code, nothing managed.
        for src in [
            "import lightning as L\ntrainer = L.Trainer(accelerator=\"gpu\", devices=4, num_nodes=2, strategy=\"ddp\")\ntrainer.fit(m)\n",
            "import lightning as L\nfrom litgpt import LLM\nllm = LLM.load(\"phi-2\", accelerator = \"cuda\", devices=2)\n",
            "import lightning as L\nimport subprocess\ndef launch(script):\n    return subprocess.run([\"python\", script, \"--gpus=1\"])\n",
            "import pytorch_lightning as pl\ntrainer = pl.Trainer(gpus=8)\n",
            "import torch\nimport lightning as L\nmodel = Net().to(device=\"cuda\")\nfabric = L.Fabric(accelerator=\"mps\")\n",
        ] {
            assert_eq!(compute("fit.py", src), 0, "{src}");
            assert_eq!(compute("tools/launch.py", src), 0, "{src}");
        }
        // Managed compute declared in source still counts.
        for src in [
            "from ray.train import ScalingConfig\nfrom ray.train.torch import TorchTrainer\nt = TorchTrainer(fit, scaling_config=ScalingConfig(num_workers=4, use_gpu=True))\n",
            "import sagemaker\nfrom sagemaker.pytorch import PyTorch\nest = PyTorch(entry_point=\"train.py\", instance_type=\"ml.p3.2xlarge\", instance_count=2)\n",
            "from azure.ai.ml import command\njob = command(code=\"./src\", command=\"python train.py\", compute=\"gpu-cluster\")\n",
        ] {
            assert!(compute("fit.py", src) > 0, "{src}");
        }
    }

    #[test]
    fn platform_training_jobs_compute_and_container_commands() {
        let k = kinds("import boto3\nsm = boto3.client('sagemaker')\nsm.create_training_job(TrainingJobName=n, ResourceConfig={\"InstanceType\": \"ml.m5.xlarge\"})\n");
        assert!(k.contains(&"code.train:sagemaker".to_string()) && k.iter().any(|x| x.starts_with("code.compute")), "{k:?}");
        // Instance types of an endpoint config are serving compute.
        let k = kinds("import boto3\nsm = boto3.client('sagemaker')\nsm.create_endpoint_config(EndpointConfigName=n, ProductionVariants=[{\"InstanceType\": \"ml.m5.large\"}])\n");
        assert!(!k.iter().any(|x| x.starts_with("code.compute") || x.starts_with("code.train")), "{k:?}");
        let src = "from google_cloud_pipeline_components.v1.custom_job import CustomTrainingJobOp\nt = CustomTrainingJobOp(\n    worker_pool_specs=[{\"machine_spec\": {\"machine_type\": \"n1-standard-4\"},\n        \"container_spec\": {\"image_uri\": \"x\", \"command\": [\"python\", \"-m\", \"trainer.task\"]}}],\n)\n";
        let f = analyze("pipelines/training.py", src, &RepoIndex::default(), NAME, false);
        let k: Vec<String> =
            f.evidence.iter().map(|e| format!("{}:{}", e.kind, e.attrs.get("tool").map(str::to_string).unwrap_or_default())).collect();
        assert!(k.contains(&"code.train:vertex".to_string()) && k.iter().any(|x| x.starts_with("code.compute")), "{k:?}");
        assert_eq!(f.commands.iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>(), vec!["python -m trainer.task"]);
        // SageMaker pipeline parameters and prefixed settings name training instance types.
        for src in [
            "from sagemaker.workflow.parameters import ParameterString\ntraining_instance_type = ParameterString(\n    name=\"TrainingInstanceType\", default_value=\"ml.m5.xlarge\"\n)\n",
            "import sagemaker\ndef get_pipeline(role, processing_instance_type=\"ml.m5.xlarge\"):\n    pass\n",
        ] {
            assert!(kinds(src).iter().any(|x| x.starts_with("code.compute")), "{src}");
        }
        for src in [
            "import sagemaker\nendpoint_instance_type = \"ml.t2.medium\"\n",
            "from sagemaker.workflow.parameters import ParameterString\nstatus = ParameterString(name=\"ModelApprovalStatus\", default_value=\"PendingManualApproval\")\n",
            "import sagemaker\n# training_instance_type = \"ml.m5.xlarge\"\n",
        ] {
            assert!(!kinds(src).iter().any(|x| x.starts_with("code.compute")), "{src}");
        }
        // A command list that does not start an interpreter is not followed.
        let f = analyze("a.py", "spec = {\"command\": [\"sleep\", \"10\"]}\n", &RepoIndex::default(), NAME, false);
        assert!(f.commands.is_empty());
    }

    #[test]
    fn airflow_dags_are_units_their_triggers_call() {
        let run = |path: &str, text: &str| {
            let mut out = Output::default();
            Python.detect(&FileCtx { path, text, repo: &RepoIndex::default() }, &mut out);
            out.units
                .iter()
                .map(|u| format!("{} -> {}", u.id, u.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(",")))
                .collect::<Vec<_>>()
        };
        let defs = run(
            "dags/a.py",
            "from airflow import DAG\nfrom airflow.decorators import dag\nwith DAG(\"etl\", schedule=None) as d:\n    pass\n@dag(dag_id=\"fit_v2\", schedule=None)\ndef fit():\n    pass\n@dag(schedule=None)\ndef score():\n    pass\n# with DAG(\"commented\") as c:\n",
        );
        assert_eq!(
            defs,
            [
                "file:dags/a.py -> ",
                "airflow-dag:etl -> file:dags/a.py",
                "airflow-dag:fit_v2 -> file:dags/a.py",
                "airflow-dag:score -> file:dags/a.py"
            ]
        );
        let trig = run(
            "dags/b.py",
            "from airflow import DAG\nfrom airflow.operators.trigger_dagrun import TriggerDagRunOperator\nwith DAG(dag_id=\"b\", schedule=\"@daily\") as d:\n    TriggerDagRunOperator(task_id=\"t\", trigger_dag_id=\"fit_v2\")\n    TriggerDagRunOperator(task_id=\"u\", trigger_dag_id=\"{{ params.target }}\")\n",
        );
        assert_eq!(trig, ["file:dags/b.py -> airflow-dag:fit_v2", "airflow-dag:b -> file:dags/b.py"]);
    }

    #[test]
    fn tensorflow_estimators_train() {
        let k = |src: &str| kinds(src).iter().any(|k| k.starts_with("code.train"));
        assert!(k("import tensorflow as tf\ntf.estimator.train_and_evaluate(est, train_spec, eval_spec)\n"));
        assert!(k("import tensorflow as tf\nest = tf.estimator.DNNClassifier(hidden_units=[8])\nest.train(input_fn=lambda: make_input(train), steps=100)\n"));
        assert!(k("import tensorflow as tf\nest.train(train_input_fn, max_steps=50)\n"));
        // A mode switch, or without TensorFlow imported: no Estimator training.
        assert!(!k("import tensorflow as tf\nnet.train()\n"));
        assert!(!k("import jobs\njobs.train(input_fn=f)\n"));
    }

    #[test]
    fn step_functions_choice_on_a_metric_is_a_gate() {
        let choice = |var: &str| {
            format!("from stepfunctions import steps\ngate = steps.states.Choice(\"ok?\")\ngate.add_choice(\n    rule=steps.choice_rule.ChoiceRule.NumericLessThan(variable=\"{var}\", value=4),\n    next_step=steps.states.Succeed(\"Keep\"),\n)\n")
        };
        assert!(kinds(&choice("$.Metric.Payload.rmse")).contains(&"code.eval-gate:stepfunctions".to_string()));
        // A counter or a status is no model quality; without the SDK imported, no Choice at all.
        for src in [choice("$.Attempts"), choice("$.Job.Status"), choice("$.rmse").replace("from stepfunctions import steps\n", "")] {
            assert!(!kinds(&src).iter().any(|k| k.starts_with("code.eval-gate")), "{src}");
        }
    }

    #[test]
    fn extensionless_programs_with_a_python_shebang() {
        let repo = RepoIndex::default();
        let src = "import pandas as pd\nfrom sklearn.tree import DecisionTreeClassifier\nclf = DecisionTreeClassifier().fit(X, y)\n";
        let run = |path: &str, text: &str| {
            let mut out = Output::default();
            if Python.applies(path) {
                Python.detect(&FileCtx { path, text, repo: &repo }, &mut out);
            }
            out.evidence.iter().map(|(e, _)| e.kind.clone()).collect::<Vec<_>>()
        };
        assert!(run("container/train", &format!("#!/usr/bin/env python3\n{src}")).contains(&"code.train".into()));
        // No shebang, a shell shebang, or another extension: not Python.
        assert!(run("container/train", src).is_empty());
        assert!(run("bin/train", &format!("#!/bin/bash\n{src}")).is_empty());
        assert!(run("notes.txt", &format!("#!/usr/bin/env python\n{src}")).is_empty());
    }

    #[test]
    fn vertex_monitoring_requested_as_a_dict() {
        let k = kinds("def job(skew):\n    message = {}\n    message[\"modelMonitoringConfig\"] = {\"objectiveConfigs\": [{\"trainingPredictionSkewDetectionConfig\": skew}]}\n");
        assert!(k.contains(&"code.monitor:vertex".to_string()), "{k:?}");
        // The name in a docstring or a plain string is not a request.
        let k = kinds("\"\"\"See modelMonitoringConfig: {...}\"\"\"\nDOC = 'modelMonitoringConfig'\n");
        assert!(k.is_empty(), "{k:?}");
    }

    #[test]
    fn secrets_are_redacted() {
        let f = analyze("a.py", "WANDB_API_KEY = 'a1b2c3d4e5f6a7b8c9d0e1f2'\n", &RepoIndex::default(), NAME, false);
        assert_eq!(f.evidence[0].kind, "code.hardcoded-credential");
        assert!(!f.evidence[0].snippet.contains("a1b2c3"));
    }

    #[test]
    fn command_lists_held_in_variables_and_the_running_interpreter() {
        let src = "import subprocess, sys\n\ndef retrain(cfg):\n    command = [\n        sys.executable,\n        \"-m\",\n        \"src.training.train\",  # [sic]\n        \"--city\", cfg.city,\n    ]\n    done = subprocess.run(command, cwd=ROOT, check=True)\n\ndef other():\n    command = ['dvc', 'push']\n    subprocess.check_call(command)\n    subprocess.run([sys.executable, 'scripts/export.py'])\n    steps = ['echo']\n    subprocess.run(stepz)\n";
        let f = analyze("pipelines/retrain.py", src, &RepoIndex::default(), NAME, false);
        let argv: Vec<Vec<String>> = f.commands.iter().map(|c| c.argv.clone()).collect();
        assert_eq!(argv, [vec!["python", "-m", "src.training.train", "--city"], vec!["dvc", "push"], vec!["python", "scripts/export.py"]]);
        // The list given to the name before the call, not after it; a comparison is no assignment.
        let before = |b: &[u8], at| ListAssignments::new(b).before(b, b"c", at).map(<[u8]>::to_vec);
        assert_eq!(before(b"c = ['a']\nc = ['b']\nrun(c)\nc = ['z']\n", 20), Some(b"['b']".to_vec()));
        assert_eq!(before(b"c == ['a']\nxc = ['b']\nrun(c)\n", 24), None);
        // Commented out (masked) or in prose: no command.
        let f = analyze(
            "pipelines/r.py",
            "import subprocess\n# cmd = ['dvc', 'repro']\ncmd = other()\nsubprocess.run(cmd)\n",
            &RepoIndex::default(),
            NAME,
            false,
        );
        assert!(f.commands.is_empty(), "{:?}", f.commands);
    }

    #[test]
    fn blocks_run_on_drift_call_into_local_modules() {
        let repo = RepoIndex {
            paths: crate::paths::PathSet::from_sorted(vec!["flows/check.py".into(), "flows/train.py".into(), "jobs/fit.py".into()]),
            ..Default::default()
        };
        // Each gate: its first and last line, and the modules it calls with the call's line.
        type Gate = (u32, u32, Vec<(String, u32)>);
        let gates = |src: &str| -> Vec<Gate> {
            analyze("flows/check.py", src, &repo, NAME, false).drift_gates.into_iter().map(|g| (g.lines.0, g.lines.1, g.calls)).collect()
        };
        let src = "from flows.train import train_flow\nimport jobs.fit as fit\n\ndef run(report):\n    drifted = report['drift'] > 0.2\n    if drifted:\n        train_flow(\n            source='s3://x',\n        )\n\n        fit.main()\n    print('done')\n";
        assert_eq!(gates(src), vec![(6, 11, vec![("flows/train.py".to_string(), 7), ("jobs/fit.py".to_string(), 11)])]);
        // A condition on something else, a drift branch calling nothing
        // local, or a call after the block: no gate.
        assert!(gates(&src.replace("if drifted:", "if ready:")).is_empty());
        assert!(gates("from flows.train import train_flow\nif drift_found:\n    print('drift')\ntrain_flow()\n").is_empty());
    }

    #[test]
    fn a_model_fitted_where_no_framework_is_imported_is_training() {
        let trains = |src: &str| -> Vec<String> {
            analyze("src/shop/pipelines/training/nodes.py", src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .filter(|e| e.kind == "code.train")
                .map(|e| format!("{}:{}", e.location.start_line, e.attrs.get("framework").unwrap_or("")))
                .collect()
        };
        // Built from configuration, or handed in as a node's input.
        let built = "import importlib\n\ndef train_model(X, y, params):\n    cls = getattr(importlib.import_module(params['module']), params['name'])\n    model = cls(**params['kwargs'])\n    model.fit(X, y)\n    return model\n";
        assert_eq!(trains(built), ["6:unknown"]);
        assert_eq!(trains("def fit_node(rf_model, X, y):\n    rf_model.fit(X, y)\n    return rf_model\n"), ["2:unknown"]);
        // Data transformers, or another library's estimator (a monitor's), are not models.
        assert!(trains("def scale(scaler, X):\n    scaler.fit(X)\n    return scaler\n").is_empty());
        assert!(trains("import nannyml as nml\n\nestimator = nml.CBPE(problem_type='x')\nestimator.fit(reference)\n").is_empty());
        assert!(trains("def fit(model_path):\n    modeling.fit(model_path)\n").is_empty());
    }

    #[test]
    fn trainer_reporting_to_a_tracker_anywhere_in_its_list_tracks() {
        let tools = |report_to: &str| -> Vec<String> {
            let src = format!(
                "from transformers import Trainer, TrainingArguments\n\nargs = TrainingArguments(output_dir='o', report_to={report_to})\n"
            );
            analyze("train.py", &src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .filter(|e| e.kind == "code.track")
                .filter_map(|e| e.attrs.get("tool").map(str::to_string))
                .collect()
        };
        assert_eq!(tools("'wandb'"), ["wandb"]);
        assert_eq!(tools("['tensorboard', 'wandb']"), ["wandb"]);
        assert_eq!(tools("[\"tensorboard\", \"mlflow\"]"), ["mlflow"]);
        assert!(tools("['tensorboard']").is_empty());
        assert!(tools("'none'").is_empty());
    }

    #[test]
    fn model_metrics_pushed_to_a_gateway_are_a_jobs_monitor() {
        let tools = |src: &str| -> Vec<String> {
            analyze("ops/metrics.py", src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .filter(|e| matches!(&*e.kind, "code.monitor" | "code.prediction-log"))
                .map(|e| format!("{}:{}", e.kind, e.attrs.get("tool").unwrap_or("")))
                .collect()
        };
        let served = "from prometheus_client import Gauge\n\nACC = Gauge('model_accuracy', 'accuracy of the live model')\n";
        assert_eq!(tools(served), ["code.monitor:metrics", "code.prediction-log:metrics"]);
        let pushed = format!("{served}from prometheus_client import push_to_gateway, CollectorRegistry\npush_to_gateway('gw:9091', job='eval', registry=CollectorRegistry())\n");
        assert_eq!(tools(&pushed), ["code.monitor:pushgateway"]);
    }

    #[test]
    fn feature_store_batch_scoring_is_scoring() {
        let scoring = |src: &str| {
            kinds_at("jobs/batch_inference.py", src, &RepoIndex::default()).iter().filter(|k| k.starts_with("code.scoring")).count()
        };
        assert_eq!(scoring("from databricks.feature_engineering import FeatureEngineeringClient\n\ndef run(uri, df):\n    fe = FeatureEngineeringClient()\n    return fe.score_batch(model_uri=uri, df=df)\n"), 1);
        assert_eq!(scoring("from databricks.feature_store import FeatureStoreClient\nfs = FeatureStoreClient()\npreds = fs.score_batch('models:/churn/1', df)\n"), 1);
        // Another library's `score_batch`: not this one.
        assert_eq!(scoring("import mylib\npreds = mylib.client.score_batch(rows)\n"), 0);
    }

    #[test]
    fn feature_tables_written_through_the_databricks_client_are_data_steps() {
        let prep = |src: &str| {
            kinds_at("features/write.py", src, &RepoIndex::default()).iter().filter(|k| k.starts_with("code.data-prep")).count()
        };
        let fe = "from databricks.feature_engineering import FeatureEngineeringClient\nfe = FeatureEngineeringClient()\n";
        assert_eq!(
            prep(&format!(
                "{fe}fe.create_table(name='ml.trips', primary_keys=['id'], df=df)\nfe.write_table(name='ml.trips', df=df, mode='merge')\n"
            )),
            2
        );
        assert_eq!(
            prep("from databricks.feature_store import FeatureStoreClient\nFeatureStoreClient().write_table(name='ml.t', df=df)\n"),
            1
        );
        // Another library's `write_table` (pyarrow, Delta helpers): not this one.
        assert_eq!(prep("import pyarrow.parquet as pq\npq.write_table(table, 'out.parquet')\n"), 0);
    }

    #[test]
    fn compute_declared_on_a_platform_object_of_a_local_module_counts() {
        let compute = |common: &str| {
            let files = [
                ("ft/common.py", common),
                ("ft/train.py", "from ft.common import app\n\n@app.function(gpu=\"A100\", timeout=3600)\ndef train():\n    pass\n"),
            ];
            let scan = crate::scan_in_memory(&files, &crate::ScanOptions::default());
            scan.evidence.iter().filter(|e| e.kind == "code.compute" && e.location.path == "ft/train.py").count()
        };
        assert_eq!(compute("import modal\n\napp = modal.App('ft')\n"), 1);
        // The local module is not Modal's: another library's decorator.
        assert_eq!(compute("import mylib\n\napp = mylib.App('ft')\n"), 0);
    }

    #[test]
    fn pipeline_starts_a_metric_decides_are_guarded() {
        let guarded = |src: &str| -> Vec<Option<String>> {
            analyze("monitor/watch.py", src, &RepoIndex::default(), NAME, false)
                .evidence
                .iter()
                .filter(|e| e.kind == "code.pipeline-trigger")
                .map(|e| e.attrs.get("guarded").map(str::to_string))
                .collect()
        };
        let start = "from google.cloud import aiplatform\n\n";
        let submit = "aiplatform.PipelineJob(display_name='fit', template_path='p.json').submit()";
        // In the block of a metric condition, or of the `else` closing one.
        let direct = format!("{start}def check(share):\n    if share > 0.3:\n        {submit}\n");
        assert_eq!(guarded(&direct), [Some("condition".to_string())]);
        let other = format!(
            "{start}def check(ok):\n    if not ok:\n        pass\n    elif ok == 'stable':\n        pass\n    else:\n        {submit}\n"
        );
        assert_eq!(guarded(&other), [None]);
        assert_eq!(guarded(&other.replace("if not ok:", "if psi_value < 0.2:")), [Some("condition".to_string())]);
        // In a function such a block calls, or in a handler routed to alerts.
        let called =
            format!("{start}def retrain():\n    {submit}\n\ndef main(report):\n    if report['drift_detected']:\n        retrain()\n");
        assert_eq!(guarded(&called), [Some("condition".to_string())]);
        let route = format!(
            "{start}from fastapi import FastAPI\napp = FastAPI()\n\n@app.post('/alerts')\ndef on_alert(body: dict):\n    {submit}\n"
        );
        assert_eq!(guarded(&route), [Some("condition".to_string())]);
        // Always run: after the check, from an `if` on something else, or
        // from a route that is not an alert's.
        assert_eq!(guarded(&called.replace("if report['drift_detected']:", "if report is not None:")), [None]);
        assert_eq!(guarded(&format!("{start}def main(report):\n    print(report['drift'])\n    {submit}\n")), [None]);
        assert_eq!(guarded(&route.replace("'/alerts'", "'/retrain'").replace("on_alert", "on_request")), [None]);
        // An Airflow DAG that branches on a task's result.
        let dag = "from airflow.operators.trigger_dagrun import TriggerDagRunOperator\nfrom airflow.operators.python import BranchPythonOperator\n\nt = TriggerDagRunOperator(task_id='t', trigger_dag_id='train')\n";
        assert_eq!(guarded(dag), [Some("condition".to_string())]);
        assert_eq!(guarded(&dag.replace("BranchPythonOperator", "PythonOperator")), [None]);
    }

    #[test]
    fn runner_helpers_run_the_lists_their_callers_pass() {
        let src = "import subprocess\nimport sys\n\ndef _run(\n    cmd: list[str], *, env: dict[str, str] | None = None,\n) -> None:\n    subprocess.run(cmd, check=True)\n\ndef deploy(name, tag):\n    cmd = [\n        \"gcloud\",\n        \"run\",\n        \"deploy\",\n        name,\n    ]\n    _run(cmd)\n    _run([\"docker\", \"push\", \"img\"])\n";
        let f = analyze("ops/release.py", src, &RepoIndex::default(), NAME, false);
        let argv: Vec<String> = f.commands.iter().map(|c| c.argv.join(" ")).collect();
        // `name` is only known at run time: the tool and its verb are.
        assert_eq!(argv, vec!["gcloud run deploy", "docker push img"]);
        // Spawned releases are evidence, as in a shell script.
        let kinds: Vec<String> = f.evidence.iter().map(|e| format!("{}:{}", e.kind, e.location.start_line)).collect();
        assert_eq!(kinds, vec!["run.deploy:16", "run.publish:17"]);
        // In a test module, or spawning what is no release: none.
        assert!(analyze("tests/test_release.py", src, &RepoIndex::default(), NAME, false).evidence.is_empty());
        let other = src
            .replace("\"gcloud\",\n        \"run\",\n        \"deploy\",", "\"git\",\n        \"status\",")
            .replace("\"docker\", \"push\", \"img\"", "\"ls\"");
        let f = analyze("ops/release.py", &other, &RepoIndex::default(), NAME, false);
        assert!(f.evidence.is_empty(), "{:?}", f.evidence);
    }

    #[test]
    fn subprocess_and_job_commands() {
        let f = analyze("pipelines/run.py", "import subprocess\nfrom azure.ai.ml import command\nsubprocess.run(['dvc', 'repro'])\njob = command(code='../src', command='python train.py --lr 0.1', compute='cpu-cluster')\n", &RepoIndex::default(), NAME, false);
        assert_eq!(f.commands[0].argv, vec!["dvc", "repro"]);
        assert_eq!(f.commands[1].argv[..2], ["python".to_string(), "train.py".to_string()]);
        assert_eq!(f.commands[1].workdir, "src");
    }

    #[test]
    fn a_confidence_filter_in_a_loop_is_no_gate() {
        let body = "        kept.append(box)\n    return kept\n";
        assert!(filters_items("if score >= score_threshold:", body, 4));
        assert!(filters_items("if pose.score < 0.4: continue", "    draw(pose)\n", 4));
        // A branch that stops or raises gates.
        assert!(!filters_items("if auc < MIN_AUC:", "        print(auc)\n        sys.exit(1)\n", 4));
        assert!(!filters_items("if auc < MIN_AUC:", "        failures.append(auc)\n        raise SystemExit(1)\n", 4));
        assert!(!filters_items("if auc < MIN_AUC:", "        log.warning(auc)\n", 4));
        // In a loop, or in a function collecting failures (an error-list gate).
        assert!(in_loop("def keep(boxes, scores):\n    for box, score in zip(boxes, scores):\n", 8));
        assert!(!in_loop("def gate(metrics, min_auc):\n    failures = []\n", 4));
    }

    #[test]
    fn word_lists_are_lower_case_and_words_match_case_blind() {
        // `words_in` compares case-blind against lower-case lists.
        for list in [METRIC_WORDS, NEW_WORDS, OLD_WORDS, BAR_WORDS, OLD_TOKENS] {
            assert!(list.iter().all(|w| !w.is_empty() && w.bytes().all(|b| !b.is_ascii_uppercase())), "{list:?}");
        }
        // The reference: lower-case the text, match whole name parts or
        // prefixes, or a word next to an underscore.
        let reference = |s: &str, words: &[&str]| {
            let lower = s.to_ascii_lowercase();
            let b = lower.as_bytes();
            let affixed = |w: &str| lower.match_indices(w).any(|(i, _)| b.get(i + w.len()) == Some(&b'_') || (i > 0 && b[i - 1] == b'_'));
            let part_of = |w: &str| words.iter().any(|x| w.starts_with(x) && w.len() <= x.len() + 6);
            // Camel-case parts: a capital after a lower-case letter or digit,
            // or the last capital of an acronym, starts one.
            let camel = |run: &str| {
                let c: Vec<char> = run.chars().collect();
                let mut parts = vec![String::new()];
                for (j, ch) in c.iter().enumerate() {
                    let starts = j > 0
                        && ch.is_ascii_uppercase()
                        && (c[j - 1].is_ascii_lowercase()
                            || c[j - 1].is_ascii_digit()
                            || (c[j - 1].is_ascii_uppercase() && c.get(j + 1).is_some_and(|n| n.is_ascii_lowercase())));
                    if starts {
                        parts.push(String::new());
                    }
                    parts.last_mut().unwrap().push(ch.to_ascii_lowercase());
                }
                parts
            };
            s.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|run| part_of(&run.to_ascii_lowercase()) || camel(run).iter().any(|p| part_of(p)))
                || words.iter().any(|w| affixed(w))
        };
        let cases = [
            "val_auc",
            "AUC",
            "newAccuracy",
            "accuracyscore_long_name",
            "xauc_",
            "_rmse",
            "f1",
            "f12345678",
            "prod_model.score",
            "championship",
            "é_auc",
            "auc",
            "candidate_f1 > prod_f1",
            "thresholds",
            "MIN_AUC",
            "a__b",
            "_",
            "",
            "cand",
            "chall_",
            "TrainingMetrics",
            "valRMSE",
            "RMSEValue",
            "F1Score",
            "isProdModel",
            "ABC",
            "aB",
            "renewalPlan",
        ];
        for s in cases {
            for list in [METRIC_WORDS, NEW_WORDS, OLD_WORDS, BAR_WORDS] {
                assert_eq!(words_in(s, list), reference(s, list), "{s:?} {list:?}");
            }
        }
        assert!(words_in("Val_AUC", METRIC_WORDS) && words_in("new_model", NEW_WORDS) && !words_in("renewal", NEW_WORDS));
        // Camel-case names: a word starting any part, not one inside a part.
        assert!(words_in("TrainingMetrics", &["metric"]) && words_in("validationRmse", METRIC_WORDS) && words_in("valRMSE", METRIC_WORDS));
        assert!(words_in("RMSEValue", METRIC_WORDS) && words_in("newAccuracy", NEW_WORDS));
        assert!(
            !words_in("Championship", &["ship"]) && !words_in("renewalPlan", NEW_WORDS) && !words_in("metricsOfPrehistory", &["history"])
        );
        // Words that only start like a metric.
        for s in ["ACCESS_TOKEN_EXPIRE_MINUTES", "accountId", "accepted", "accumulatedGrad"] {
            assert!(!words_in(s, METRIC_WORDS), "{s}");
        }
        assert!(words_in("val_acc", METRIC_WORDS) && words_in("accuracy_min", METRIC_WORDS) && words_in("mapk", METRIC_WORDS));
    }

    #[test]
    fn glob_matching() {
        assert!(glob("mlflow.*.log_model", "mlflow.sklearn.log_model"));
        assert!(!glob("mlflow.*.log_model", "mlflow.log_model_x"));
        assert!(glob("evidently.*", "evidently.report.Report"));
        assert!(glob("*.WandbLogger", "pytorch_lightning.loggers.WandbLogger"));
    }

    #[test]
    fn classes_imported_from_their_own_module_match_the_package_name() {
        assert_eq!(public_name("acme.core.model.Model.deploy").as_deref(), Some("acme.core.Model.deploy"));
        assert_eq!(public_name("acme.core.Model.deploy"), None);
        assert_eq!(public_name("model.Model.deploy"), None);
        // The catalogue names `azureml.core.Model.deploy`; the class imported
        // from its own module is the same call.
        let src = "from azureml.core.model import Model, InferenceConfig\n\ndef launch(ws, name, models, params):\n    return Model.deploy(workspace=ws, name=name, models=models, **params)\n";
        assert!(kinds(src).iter().any(|k| k == "code.deploy:azureml"));
        // A module of another library whose class has the same shape is not it.
        let src = "from acme.model import Model\nModel.deploy(ws, name)\n# from azureml.core.model import Model\n";
        assert!(!kinds(src).iter().any(|k| k.starts_with("code.deploy")));
    }

    #[test]
    fn sdk_deployment_collections_deploy() {
        let src = "from mlplatform_sdk import APIClient\nclient = APIClient(creds)\nclient.deployments.create(artifact_uid=uid, meta_props=props)\n";
        assert!(kinds(src).contains(&"code.deploy".to_string()));
        // A class's own collection, a listing call and a commented call are not deployments.
        let src = "import requests\nclass Registry:\n    def add(self):\n        self.deployments.create(x)\nclient.deployments.list()\n# client.deployments.update(uid, meta)\n";
        assert!(!kinds(src).contains(&"code.deploy".to_string()));
    }

    #[test]
    fn batch_scoring_jobs_are_scoring_entry_points() {
        let repo = RepoIndex::default();
        for src in [
            "from google.cloud import aiplatform\n\ndef score_all(name, src, dst):\n    return aiplatform.BatchPredictionJob.create(job_display_name='nightly', model_name=name, gcs_source=src, gcs_destination_prefix=dst)\n",
            "import google.cloud.aiplatform as aip\nm = aip.Model('m')\nm.batch_predict(job_display_name='j', gcs_source='gs://a', gcs_destination_prefix='gs://b')\n",
            "def step():\n    from google.cloud.aiplatform_v1beta1.services.job_service import JobServiceClient\n    JobServiceClient().create_batch_prediction_job(parent='p', batch_prediction_job={})\n",
        ] {
            let k = kinds_at("jobs/bulk.py", src, &repo);
            assert!(k.contains(&"code.scoring".to_string()), "{src}: {k:?}");
        }
        // Without the platform's SDK, or only in a comment, it is not a batch job.
        assert!(!kinds_at("jobs/bulk.py", "def run(m):\n    return m.batch_predict(rows)\n", &repo).contains(&"code.scoring".to_string()));
        assert!(!kinds_at(
            "jobs/bulk.py",
            "from google.cloud import aiplatform\n# aiplatform.BatchPredictionJob.create(model_name='m')\n",
            &repo
        )
        .contains(&"code.scoring".to_string()));
    }

    #[test]
    fn comparisons_continued_in_brackets_and_conditional_expressions() {
        let src = "def pick(reg, cand_v, champ_v, lower):\n    cand_wins = (\n        (cand_v < champ_v) if lower else (cand_v > champ_v)\n    )\n    if cand_wins:\n        reg.add_version_aliases(['serving'], '7')\n";
        assert_eq!(kinds(src), vec!["code.model-compare"]);
        let one_line = "def pick(new, prod, new_auc, prod_auc):\n    best = new if new_auc > prod_auc else prod\n    promote(best)\n";
        assert_eq!(kinds(one_line), vec!["code.model-compare"]);
        // A flag chosen by a ternary compares nothing; a bracketed call without
        // a comparison is not a gate.
        assert!(kinds("def f(a, b, lower):\n    sign = (\n        -1 if lower else 1\n    )\n    promote(a)\n").is_empty());
        assert!(kinds("def f(cand, champ):\n    out = (\n        dict(cand=cand, champ=champ)\n    )\n    promote(out)\n").is_empty());
    }

    #[test]
    fn tfx_trainer_and_change_thresholds() {
        let src = "import tensorflow_model_analysis as tfma\nfrom tfx.v1.components import Trainer, Evaluator\nt = Trainer(module_file='m.py')\nth = tfma.MetricThreshold(value_threshold=tfma.GenericValueThreshold(lower_bound={'value': 0.7}), change_threshold=tfma.GenericChangeThreshold(direction=tfma.MetricDirection.HIGHER_IS_BETTER))\n";
        let k = kinds(src);
        for want in ["code.train:tfx", "code.model-compare:tfx", "code.eval-gate:tfx"] {
            assert!(k.contains(&want.to_string()), "{want}: {k:?}");
        }
        // Without TFX imported, a `Trainer(` is someone else's; commented thresholds are nothing.
        assert!(kinds("from transformers import Trainer\nt = Trainer(model=m)\n").iter().all(|k| k != "code.model-compare"));
        assert!(kinds("import tensorflow_model_analysis as tfma\n# tfma.GenericChangeThreshold(absolute={'value': 0})\n").is_empty());
    }

    #[test]
    fn packages_installed_from_another_folder_resolve_by_their_init() {
        let mut repo = RepoIndex::default();
        for p in ["libs/blocks/src/shop_blocks/__init__.py", "libs/blocks/src/shop_blocks/fit.py", "other/shop_blocks_old/__init__.py"] {
            repo.paths.insert(p.into());
        }
        let imports = pylex::imports("from shop_blocks import fit, helper\n");
        let got: Vec<String> = local_imports(&repo, "flows/run.py", &imports).into_iter().map(|(p, _)| p).collect();
        assert_eq!(got, vec!["libs/blocks/src/shop_blocks/__init__.py", "libs/blocks/src/shop_blocks/fit.py"]);
        // Two packages of that name: ambiguous, nothing is guessed.
        let mut repo = RepoIndex::default();
        for p in ["libs/blocks/src/shop_blocks/__init__.py", "vendor/shop_blocks/__init__.py"] {
            repo.paths.insert(p.into());
        }
        assert!(local_imports(&repo, "flows/run.py", &imports).is_empty());
    }

    #[test]
    fn step_scripts_resolve_in_their_source_folder() {
        let repo = RepoIndex::default();
        let src = r#"import os
from pathlib import Path
from azureml.pipeline.steps import PythonScriptStep
from azureml.core import ScriptRunConfig

here = os.path.dirname(os.path.abspath(__file__))
steps_dir = os.path.join(here, "steps")
root = settings.repo_root()
code = root / "jobs" / "fit"
prep = PythonScriptStep(name="prep", source_directory=steps_dir, script_name="prep.py")
fit = PythonScriptStep(
    script_name="fit.py",
    arguments=["--k", 3, ("a", "b")],
    source_directory=code,
)
SCORE = "score_batch.py"
run = ScriptRunConfig(source_directory="./scoring", script=SCORE)
# old = PythonScriptStep(source_directory="legacy", script_name="old.py")
"#;
        let f = analyze("orchestration/build.py", src, &repo, NAME, false);
        let argv: Vec<(&str, &str)> = f.commands.iter().map(|c| (c.argv[1].as_str(), c.workdir.as_str())).collect();
        assert_eq!(
            argv,
            vec![
                ("orchestration/steps/prep.py", "orchestration"),
                ("$SOURCE_DIRECTORY/jobs/fit/fit.py", ""),
                ("scoring/score_batch.py", "orchestration"),
            ]
        );
    }

    #[test]
    fn step_without_a_resolvable_folder_keeps_the_bare_script() {
        let repo = RepoIndex::default();
        // The folder is read at run time with no known tail: the script alone
        // (resolved by the linker as before); a folder that is not an argument
        // of the same call is not this step's folder.
        let src = "from azureml.pipeline.steps import PythonScriptStep\nd = cfg.folder()\nstep = PythonScriptStep(script_name=\"fit.py\", source_directory=d)\nother(source_directory=\"x\")\nlone = PythonScriptStep(script_name=\"eval.py\")\n";
        let f = analyze("ops/build.py", src, &repo, NAME, false);
        let scripts: Vec<&str> = f.commands.iter().map(|c| c.argv[1].as_str()).collect();
        assert_eq!(scripts, vec!["fit.py", "eval.py"]);
    }

    #[test]
    fn weights_fetched_from_release_assets_are_hand_versioned_models() {
        let k = kinds("import torch\nURL = 'https://github.com/acme/nets/releases/download/v0.3/best.pth'\nsd = torch.hub.load_state_dict_from_url(URL)\n");
        assert!(k.contains(&"code.model-version:release-assets".to_string()), "{k:?}");
        // A release page, a source archive or a URL in a comment is not a model.
        for src in [
            "URL = 'https://github.com/acme/nets/releases/tag/v0.3'\n",
            "URL = 'https://github.com/acme/nets/releases/download/v0.3/source.tar.gz'\n",
            "# 'https://github.com/acme/nets/releases/download/v0.3/best.pth'\n",
        ] {
            assert!(!kinds(src).iter().any(|k| k.starts_with("code.model-version")), "{src}");
        }
    }

    #[test]
    fn scripts_named_for_data_preparation_that_write_files_prepare_data() {
        let src = "import cv2\nimport os\n\ndef crop(path, out):\n    img = cv2.imread(path)\n    cv2.imwrite(os.path.join(out, 'face.png'), img[10:50, 10:50])\n";
        let prep = |path: &str, src: &str| kinds_at(path, src, &RepoIndex::default()).iter().any(|k| k == "code.data-prep");
        assert!(prep("preprocessing/crop_faces.py", src));
        assert!(prep("tools/prepare_lanes.py", "import json\nwith open('labels.json', 'w') as f:\n    json.dump(rows, f)\n"));
        assert!(prep("scripts/make_folds.py", "import pandas as pd\ndf = build()\ndf.to_csv('folds.csv')\n"));
        // Named for data but writing nothing, another name, a test, or a write only in a comment.
        assert!(!prep("tools/prepare_lanes.py", "import json\nrows = json.load(open('labels.json'))\nprint(len(rows))\n"));
        assert!(!prep("src/plots.py", src));
        assert!(!prep("tests/test_prepare.py", src));
        assert!(!prep("tools/prepare_lanes.py", "import json\n# json.dump(rows, open('x.json', 'w'))\n"));
    }

    #[test]
    fn hydra_entry_points_call_their_config_folder() {
        let mut repo = RepoIndex::default();
        for p in ["configs/train.yaml", "configs/logger/wandb.yaml", "configs/README.md", "other/x.yaml"] {
            repo.paths.insert(p.into());
        }
        let src = "import hydra\n\n@hydra.main(version_base=None, config_path=\"../configs\", config_name=\"train.yaml\")\ndef main(cfg):\n    pass\n";
        let got: Vec<String> = hydra_config_files("src/train.py", &pylex::mask(src), &repo).into_iter().map(|(p, _)| p).collect();
        assert_eq!(got, vec!["configs/logger/wandb.yaml", "configs/train.yaml"]);
        // Commented out, or a folder outside the repository: nothing.
        assert!(hydra_config_files("src/train.py", &pylex::mask("# @hydra.main(config_path=\"../configs\")\n"), &repo).is_empty());
        assert!(hydra_config_files("train.py", &pylex::mask("@hydra.main(config_path=\"../../x\")\ndef main(c): pass\n"), &repo).is_empty());
    }

    #[test]
    fn mlflow_pyfunc_models_are_scoring_entry_points() {
        let src = "import mlflow.pyfunc\nfrom sklearn.ensemble import RandomForestClassifier\n\nclass Churn(mlflow.pyfunc.PythonModel):\n    def __init__(self, m):\n        self.m = m\n\n    def predict(self, context, model_input):\n        return self.m.predict(model_input)\n\ndef train(x, y):\n    return RandomForestClassifier().fit(x, y)\n";
        assert!(kinds(src).contains(&"code.scoring".to_string()), "{:?}", kinds(src));
        // Without mlflow, a class with no predict, or a class in a comment.
        assert!(!kinds("class Churn(PythonModel):\n    def predict(self, c, x):\n        return x\n").contains(&"code.scoring".to_string()));
        assert!(!kinds("import mlflow\nclass Churn(mlflow.pyfunc.PythonModel):\n    def load_context(self, c):\n        pass\n")
            .contains(&"code.scoring".to_string()));
        // A pyfunc wrapper with no training beside it (a library's feature).
        assert!(!kinds(
            "import mlflow\nclass Wrap(mlflow.pyfunc.PythonModel):\n    def predict(self, c, x):\n        return self.p.run(x)\n"
        )
        .contains(&"code.scoring".to_string()));
        assert!(!kinds("import mlflow\n# class Churn(mlflow.pyfunc.PythonModel):\n#     def predict(self, c, x):\n")
            .contains(&"code.scoring".to_string()));
    }

    fn stub_styles(path: &str, src: &str) -> Vec<String> {
        analyze(path, src, &RepoIndex::default(), NAME, false)
            .evidence
            .iter()
            .filter(|e| e.kind == "code.scoring")
            .map(|e| e.attrs.get("style").map(str::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn empty_or_stub_scoring_entry_point_is_a_stub() {
        // An empty file named for scoring.
        assert_eq!(stub_styles("deploy/web/score.py", ""), vec!["stub"]);
        assert_eq!(stub_styles("svc/serving.py", "\n# filled in later\n"), vec!["stub"]);
        // init()/run() whose bodies do nothing.
        let src = "import json\n\n\ndef init():\n    \"\"\"Load the model.\"\"\"\n    pass\n\n\ndef run(\n    raw: str,\n) -> str:\n    raise NotImplementedError(\"todo\")\n";
        assert_eq!(stub_styles("app/entry.py", src), vec!["stub"]);
        assert_eq!(stub_styles("app/entry.py", "def init(): ...\ndef run(data): pass\n"), vec!["stub"]);
        assert!(stub_source("class Handler:\n    def handle(self, x):\n        ...\n"));
    }

    #[test]
    fn scoring_code_with_a_body_is_not_a_stub() {
        let src =
            "import joblib\n\ndef init():\n    global m\n    m = joblib.load('m.pkl')\n\ndef run(data):\n    return m.predict(data)\n";
        assert_eq!(stub_styles("deploy/score.py", src), vec!["azureml-init-run"]);
        assert!(!stub_source("def init(): pass\ndef run(data): return data\n"));
        // Imports alone re-export an entry point defined elsewhere.
        assert!(!stub_source("from service.app import run\n"));
        assert!(stub_styles("deploy/score.py", "from service.app import run\n").is_empty());
        // Empty files not named for scoring, and empty test files, are nothing.
        assert!(stub_styles("pkg/__init__.py", "").is_empty());
        assert!(stub_styles("tests/test_score.py", "").is_empty());
    }

    fn prediction_sinks(path: &str, src: &str) -> Vec<String> {
        analyze(path, src, &RepoIndex::default(), NAME, false)
            .evidence
            .iter()
            .filter(|e| e.kind == "code.prediction-log")
            .map(|e| e.attrs.get("sink").map(str::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn batch_predictions_written_to_a_warehouse_table() {
        let vertex = "from google.cloud import aiplatform\nm = aiplatform.Model('m')\nm.batch_predict(job_display_name='j', bigquery_source='bq://p.d.t', bigquery_destination_prefix='bq://p.out')\n";
        assert_eq!(prediction_sinks("jobs/batch.py", vertex), vec!["batch-table"]);
        let spark = "preds = df.withColumn('y', udf(*cols))\npreds.write.mode('append').saveAsTable('lake.preds')\n";
        assert_eq!(prediction_sinks("jobs/spark_job.py", spark), vec!["batch-table"]);
        let pandas = "import pandas as pd\npredictions = pd.DataFrame({'y': y})\npredictions.to_gbq('ds.predictions', project_id='p')\n";
        assert_eq!(prediction_sinks("jobs/export.py", pandas), vec!["batch-table"]);
    }

    #[test]
    fn warehouse_writes_that_are_not_batch_predictions() {
        // Features or raw data saved to a table, not predictions.
        assert!(prediction_sinks("etl/load.py", "features.write.mode('overwrite').saveAsTable('lake.features')\n").is_empty());
        assert!(prediction_sinks("etl/load.py", "import pandas as pd\nraw.to_sql('orders', con)\n").is_empty());
        // A BigQuery destination without the Vertex SDK imported, or in a comment.
        assert!(prediction_sinks("etl/copy.py", "cfg = dict(bigquery_destination_prefix='bq://p.out')\n").is_empty());
        assert!(prediction_sinks(
            "jobs/batch.py",
            "from google.cloud import aiplatform\n# m.batch_predict(bigquery_destination_prefix='bq://p.out')\n"
        )
        .is_empty());
    }
}
