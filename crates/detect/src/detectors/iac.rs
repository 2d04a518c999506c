//! Infrastructure as code (Terraform, Bicep, CloudFormation / CDK, Pulumi):
//! build triggers declared for Cloud Build / CodeBuild / CodePipeline, and
//! model infrastructure (training compute, endpoints, traffic splits,
//! monitoring alarms wired to pipelines).
//!
//! [`declared_triggers`] answers, for the Cloud Build and CodeBuild
//! detectors, whether the repository declares what starts a build config
//! (RUBRIC: a trigger that lives outside the repository is `partial`).
//! The detector emits `code.compute`, `code.deploy`, `code.traffic-split`,
//! `code.monitor` and `code.pipeline-trigger` for resources that declare
//! them. Comment lines (`#`, `//`) are not evidence.
//!
//! Monitoring switches ([`monitor_switches`]): a flag named for enabling
//! monitoring or drift detection, set in a config / pipeline YAML or
//! `.tfvars`, or gating Terraform resources (`count = var.x ? 1 : 0`), is
//! `config.monitor-switch` (monitoring configured, `partial`); a monitor
//! resource behind a switch whose default is false gets `switched=off`.

use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output, RepoIndex};

/// The infrastructure-as-code detector.
pub struct Iac;

const NAME: &str = "iac";

/// True for files this detector reads (and that [`declared_triggers`] searches).
pub fn is_iac_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if lower.ends_with(".tf") || lower.ends_with(".bicep") {
        return true;
    }
    let infra_dir = || {
        lower.split('/').any(|c| {
            [
                "infra",
                "infrastructure",
                "cdk",
                "stacks",
                "iac",
                "terraform",
                "cloudformation",
                "cfn",
                "pipeline",
                "pipelines",
                "deploy",
                "deployment",
            ]
            .iter()
            .any(|w| c.contains(w))
        })
    };
    // CDK names its TypeScript files for what they define (`endpoint-stack.ts`, `PipelineConstruct.ts`).
    let cdk_name = name.contains("stack") || name.contains("construct");
    (lower.ends_with(".ts") && !lower.ends_with(".d.ts") && (cdk_name || infra_dir()))
        || (lower.ends_with(".json")
            && (name.contains("template") || name.contains("stack") || name.contains("cfn") || name.contains("cloudformation")))
        || ((lower.ends_with(".yaml") || lower.ends_with(".yml"))
            && (name.contains("template") || name.contains("cfn") || name.contains("stack") || infra_dir()))
}

fn code_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            !(t.starts_with('#') || t.starts_with("//") || t.starts_with('*'))
        })
        .map(|(i, l)| (i as u32 + 1, l))
}

/// [`code_lines`] with shell continuations joined: a command written one
/// flag per line (`gcloud builds triggers create github \` ...) is one
/// line, numbered by its first.
fn joined_code_lines(text: &str) -> Vec<(u32, std::borrow::Cow<'_, str>)> {
    let mut out: Vec<(u32, std::borrow::Cow<'_, str>)> = Vec::new();
    let mut open = false;
    for (n, l) in code_lines(text) {
        let body = l.trim_end();
        let cont = body.ends_with('\\');
        let body = body.strip_suffix('\\').unwrap_or(body);
        match out.last_mut() {
            Some((_, prev)) if open => {
                let p = prev.to_mut();
                p.push(' ');
                p.push_str(body.trim_start());
            }
            _ => out.push((n, if cont { std::borrow::Cow::Owned(body.to_string()) } else { std::borrow::Cow::Borrowed(l) })),
        }
        open = cont;
    }
    out
}

fn text_mentions_training(text: &str) -> bool {
    text.contains("buildspec-train") || text.contains("\"train") || text.contains("retrain") || text.contains("training")
}

/// Literals of the files that may declare build triggers (IaC, scripts).
pub(crate) const TRIGGER_KEYS: &[&str] = &[
    "google_cloudbuild_trigger",
    "builds triggers create",
    "CodePipeline",
    "aws_codepipeline",
    "aws_codebuild",
    "codepipeline",
    "SourceAction",
    "Webhook: true",
    "webhook = true",
    "codebuild create-webhook",
];

/// Literals of a function's code that starts a training pipeline or a
/// build (read under the source folder of a function an alarm notifies).
pub(crate) const FUNCTION_SUBMITS: &[&str] = &[
    "PipelineJob",
    "start_pipeline_execution",
    "create_run_from_pipeline",
    "jobs.create_or_update",
    "/dispatches",
    "start_build",
    "run_now",
    "create_workflow_dispatch",
];

/// True for a text [`declared_triggers`] reads: a file that may declare
/// build triggers.
pub(crate) fn is_trigger_file(path: &str, text: &str) -> bool {
    (path.ends_with(".sh") || path.ends_with(".py") || path.ends_with(".yml") || path.ends_with(".yaml") || is_iac_file(path))
        && TRIGGER_KEYS.iter().any(|k| text.contains(k))
}

/// Triggers the repository declares for a build config at `config` of
/// `system` (`cloud-build` or `codebuild`): (trigger class, declaring file, line).
pub fn declared_triggers(repo: &RepoIndex, system: &str, config: &str) -> Vec<(&'static str, String, u32)> {
    let name = config.rsplit('/').next().unwrap_or(config);
    let mut out = Vec::new();
    if crate::early_needs_index() {
        return out;
    }
    let candidates =
        repo.trigger_files.get_or_init(|| repo.texts.iter().filter(|(p, t)| is_trigger_file(p, t)).map(|(p, _)| p.clone()).collect());
    for path in candidates {
        let Some(text) = repo.text(path) else { continue };
        let text = &*text;
        if path == config {
            continue;
        }
        match system {
            "cloud-build" => {
                if let Some(pos) = text.find("google_cloudbuild_trigger") {
                    let block = &text[pos..];
                    let names_file = block.contains(name) || !block.contains("filename");
                    if names_file {
                        let line = text[..pos].matches('\n').count() as u32 + 1;
                        if block.contains("pull_request") {
                            out.push(("pull_request", path.to_string(), line));
                        }
                        if block.contains("push {") || block.contains("push{") {
                            out.push(if block.contains("tag ") || block.contains("tag=") {
                                ("tag", path.to_string(), line)
                            } else {
                                ("push", path.to_string(), line)
                            });
                        }
                    }
                }
                for (line, l) in joined_code_lines(text) {
                    if l.contains("builds triggers create") && (l.contains(name) || l.contains("--build-config")) {
                        out.push(("push", path.to_string(), line));
                    }
                }
            }
            "codebuild" => {
                // An event rule (e.g. on an alarm) that targets a CodeBuild project building this buildspec.
                if text.contains("aws_cloudwatch_event_target") && text.contains("aws_codebuild_project") && text.contains(name) {
                    let line = code_lines(text).find(|(_, l)| l.contains(name)).map(|(n, _)| n).unwrap_or(1);
                    out.push(("external", path.to_string(), line));
                }
                for (line, l) in joined_code_lines(text) {
                    let declares = l.contains("AWS::CodePipeline::Pipeline")
                        || l.contains("\"aws_codepipeline\"")
                        || l.contains("resource \"aws_codepipeline\"")
                        || l.contains("aws_codebuild_webhook")
                        || l.contains("codebuild create-webhook")
                        || l.contains("codepipeline.Pipeline(")
                        || l.contains("pipelines.CodePipeline(")
                        || l.contains("CodeStarConnectionsSourceAction")
                        || l.contains("GitHubSourceAction")
                        || l.contains("CodeCommitSourceAction")
                        || l.contains("Webhook: true")
                        || l.contains("webhook = true");
                    if declares {
                        out.push(("push", path.to_string(), line));
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The environment a file of infrastructure code defines, with the line that
/// shows it: a Terraform root module in a folder named for an environment
/// that instantiates a module of the repository (`envs/prod/main.tf` with
/// `module "x" { source = "../../modules/x" }`), or a variable file named for
/// one (`prod.tfvars`, `env/staging.tfvars`). A root that declares its own
/// resources without a shared module, or a folder named for nothing, is not a
/// per-environment layout.
fn environment_root(path: &str, text: &str) -> Option<(String, u32)> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if let Some(stem) = name.strip_suffix(".tfvars") {
        let stem = stem.trim_end_matches(".auto");
        let stem = stem.strip_prefix("terraform.").unwrap_or(stem);
        crate::paths::env_class(stem)?;
        let line = code_lines(text).find(|(_, l)| !l.trim().is_empty()).map(|(n, _)| n)?;
        return Some((stem.to_string(), line));
    }
    if !name.ends_with(".tf") {
        return None;
    }
    let folder = dir.rsplit('/').next().unwrap_or(dir);
    crate::paths::env_class(folder)?;
    let mut in_module = None;
    for (line, l) in code_lines(text) {
        let t = l.trim();
        if t.starts_with("module ") && t.ends_with('{') {
            in_module = Some(line);
        } else if t.starts_with('}') && !l.starts_with(' ') && !l.starts_with('\t') {
            in_module = None;
        } else if let (Some(start), Some(v)) = (in_module, t.strip_prefix("source")) {
            let v = v.trim_start().strip_prefix('=').map(|v| v.trim().trim_matches('"'));
            if v.is_some_and(|v| v.starts_with("./") || v.starts_with("../")) {
                return Some((folder.to_string(), start));
            }
        }
    }
    None
}

/// A monitoring switch found in one file.
#[derive(Debug)]
pub struct MonitorSwitch {
    /// 1-based line.
    pub line: u32,
    /// The flag's name.
    pub name: String,
    /// `on`, `off`, or `unset` (a Terraform variable without a default here).
    pub state: &'static str,
    /// The line's text.
    pub snippet: String,
    /// For a Terraform conditional: the lines of the block it gates.
    pub block: Option<(u32, u32)>,
}

/// True when a flag's name says it turns monitoring on (`enable_monitoring`,
/// `enableModelMonitoring`, `drift_detection_enabled`): it holds `enable`
/// and `monitor` or `drift`, in any case. The same test screens a whole
/// text before its lines are read ([`monitor_switches`]).
fn monitor_switch_name(name: &str) -> bool {
    static WORDS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(["enable", "monitor", "drift"]).expect("valid")
    });
    let mut seen = [false; 3];
    for m in WORDS.find_overlapping_iter(name) {
        seen[m.pattern().as_usize()] = true;
        if seen[0] && (seen[1] || seen[2]) {
            return true;
        }
    }
    false
}

/// `on`/`off` for a boolean literal (quoted or not), else `None`.
fn bool_state(v: &str) -> Option<&'static str> {
    let v = v.split(" #").next().unwrap_or(v).trim().trim_matches(['"', '\'', ',']).to_ascii_lowercase();
    match v.as_str() {
        "true" | "yes" | "on" | "1" => Some("on"),
        "false" | "no" | "off" | "0" => Some("off"),
        _ => None,
    }
}

/// Monitoring switches in a YAML, `.tfvars` or Terraform file: a key named
/// for enabling monitoring set to a boolean (`enable_monitoring: false`, a
/// parameter whose `default:` is a boolean), or a Terraform `count` /
/// `for_each` / `enabled` conditional on such a variable (its state is the
/// variable's default in the same file, `unset` when it has none here).
/// Comment lines are skipped.
pub fn monitor_switches(text: &str) -> Vec<MonitorSwitch> {
    // A switch's name is part of the text: a text without its words holds
    // none, and most files are not read line by line.
    if !monitor_switch_name(text) {
        return Vec::new();
    }
    let lines: Vec<(u32, &str)> = code_lines(text).collect();
    let mut out = Vec::new();
    let mut block_start = 0u32;
    for (i, &(line, l)) in lines.iter().enumerate() {
        let t = l.trim();
        if !l.starts_with([' ', '\t', '}']) && t.ends_with('{') {
            block_start = line;
        }
        // Terraform: `count = var.enable_x ? 1 : 0`.
        if let Some(rest) = ["count", "for_each", "enabled"].iter().find_map(|k| t.strip_prefix(k)).map(str::trim_start) {
            if let Some(cond) = rest.strip_prefix('=').map(str::trim).and_then(|r| r.strip_prefix("var.")) {
                let name: String = cond.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
                if monitor_switch_name(&name) {
                    let state = tf_default(text, &name).unwrap_or("unset");
                    let end = lines[i..].iter().find(|(_, x)| x.starts_with('}')).map_or(line, |(n, _)| *n);
                    out.push(MonitorSwitch { line, name, state, snippet: t.to_string(), block: Some((block_start, end)) });
                }
            }
            continue;
        }
        // YAML / tfvars: `enable_monitoring: false`, `- name: enable_monitoring` + `default: false`.
        let t = t.trim_start_matches("- ");
        let Some(sep) = t.find([':', '=']) else { continue };
        let (key, value) = (t[..sep].trim().trim_matches(['"', '\'']), t[sep + 1..].trim());
        let (name, value) = if key == "name" { (value.trim_matches(['"', '\'']), "") } else { (key, value) };
        if name.contains(char::is_whitespace) || !monitor_switch_name(name) || value.starts_with("${{") || value.starts_with("var.") {
            continue;
        }
        let state = if value.is_empty() {
            // A parameter or input block: its default in the next few lines.
            lines[i + 1..].iter().take(4).find_map(|(_, x)| x.trim().strip_prefix("default:").and_then(bool_state))
        } else {
            bool_state(value)
        };
        if let Some(state) = state {
            out.push(MonitorSwitch { line, name: name.to_string(), state, snippet: t.to_string(), block: None });
        }
    }
    out
}

/// The boolean default of Terraform `variable "name"` declared in `text`.
fn tf_default(text: &str, name: &str) -> Option<&'static str> {
    let at = text.find(&format!("variable \"{name}\""))?;
    let body = &text[at..];
    let body = &body[..body.find("\n}").unwrap_or(body.len())];
    body.lines().find_map(|l| l.trim().strip_prefix("default").map(str::trim).and_then(|r| r.strip_prefix('=')).and_then(bool_state))
}

impl Detector for Iac {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path.ends_with(".tf")
            || path.ends_with(".tfvars")
            || path.ends_with(".bicep")
            || ((path.ends_with(".ts") || path.ends_with(".json")) && is_iac_file(path))
            || path.ends_with(".yml")
            || path.ends_with(".yaml")
            // CDK apps written in Python (their constructs are the same as in TypeScript).
            || path.ends_with(".py")
            // Read so the linker can find what `cdk deploy` deploys (its `app`).
            || path == "cdk.json"
            || path.ends_with("/cdk.json")
    }
    // Python is read only when it is a CDK app; every other format always.
    fn screen(&self) -> &'static [&'static str] {
        &["aws_cdk"]
    }
    fn unscreened(&self, path: &str) -> bool {
        !path.ends_with(".py")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if let Some((name, line)) = environment_root(f.path, f.text) {
            let snippet = f.text.lines().nth(line as usize - 1).unwrap_or("").trim();
            out.push(Evidence::new("iac.environment", NAME, Location::line(f.path, line), Confidence::Medium, snippet).attr("name", name));
        }
        let switches = if f.path.ends_with(".py") || f.path.ends_with(".ts") { Vec::new() } else { monitor_switches(f.text) };
        for sw in &switches {
            out.push(
                Evidence::new("config.monitor-switch", NAME, Location::line(f.path, sw.line), Confidence::Medium, &sw.snippet)
                    .attr("name", sw.name.clone())
                    .attr("state", sw.state),
            );
        }
        if f.path.ends_with(".tfvars") {
            return;
        }
        // YAML is read here only when it is a CloudFormation / SAM template.
        if (f.path.ends_with(".yml") || f.path.ends_with(".yaml"))
            && !(f.text.contains("AWSTemplateFormatVersion") || f.text.contains("AWS::"))
        {
            return;
        }
        // Python is read only when it is a CDK app, with comments and docstrings blanked.
        let masked;
        let text: &str = if f.path.ends_with(".py") {
            if !f.text.contains("aws_cdk") {
                return;
            }
            masked = crate::pylex::mask(f.text);
            &masked
        } else {
            f.text
        };
        let ev = |kind: &str, line: u32, l: &str| Evidence::new(kind, NAME, Location::line(f.path, line), Confidence::Medium, l);
        // Weighted variants in the current variant list, the list's line, and
        // where a list of two or more weighted variants starts.
        let (mut in_list, mut list_line, mut split_at) = (0, 0, None);
        let sam_serves_model = std::cell::OnceCell::new();
        // Most files set no variant weight: their lines skip the list tracking.
        let weighted = memchr::memmem::find(text.as_bytes(), b"InitialVariantWeight").is_some()
            || memchr::memmem::find(text.as_bytes(), b"initial_variant_weight").is_some();
        for (line, l) in code_lines(text) {
            let t = l.trim();
            // Training compute.
            if [
                "azurerm_machine_learning_compute_cluster",
                "Microsoft.MachineLearningServices/workspaces/computes",
                "google_vertex_ai_",
                "aws_sagemaker_notebook",
            ]
            .iter()
            .any(|w| t.contains(w))
                && (t.contains("compute") || t.contains("resource"))
            {
                out.push(ev("code.compute", line, t).attr("tool", "iac"));
            }
            // Build compute sized for a training project.
            if t.starts_with("compute_type") && text_mentions_training(text) {
                out.push(ev("code.compute", line, t).attr("tool", "iac"));
            }
            // Endpoints.
            let cfn_endpoint = t.contains("AWS::SageMaker::Endpoint") && !t.contains("AWS::SageMaker::EndpointConfig");
            if cfn_endpoint
                || [
                    "aws_sagemaker_endpoint\"",
                    "google_vertex_ai_endpoint",
                    "azurerm_machine_learning_inference",
                    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                    "sagemaker.CfnEndpoint(",
                ]
                .iter()
                .any(|w| t.contains(w))
            {
                out.push(ev("code.deploy", line, t).attr("target", "endpoint-iac"));
            }
            if t.contains("DataCaptureConfig") || t.contains("data_capture_config") {
                out.push(ev("code.prediction-log", line, t).attr("tool", "sagemaker"));
            }
            // SAM gradual deployments shift traffic between function versions:
            // of a model when the template names one (an endpoint, a model, a
            // predict or inference function); otherwise a rollout setting of
            // some function, with no second model (partial A/B testing).
            if (t.contains("Canary") || t.contains("Linear"))
                && text.contains("DeploymentPreference")
                && (t.contains("Type") || t.contains("\"Type\""))
            {
                if *sam_serves_model.get_or_init(|| names_model(text)) {
                    out.push(ev("code.traffic-split", line, t).attr("mode", "canary"));
                } else {
                    out.push(ev("deploy.rollout-setting", line, t).attr("strategy", "canary"));
                }
            }
            // Weighted variants are counted per variant list: endpoint
            // configurations of one variant each (a stage per environment)
            // split no traffic.
            if weighted {
                let weights = |s: &str| variant_weight_keys(s, "InitialVariantWeight") + variant_weight_keys(s, "initial_variant_weight");
                let shadow = t.contains("ShadowProductionVariants") || t.contains("shadow_production_variants");
                // A new list: a `ProductionVariants` key or `production_variants=` argument,
                // a new endpoint configuration (`EndpointConfigName`, a Terraform
                // resource, whose variants are repeated `production_variants { }` blocks).
                let kwarg =
                    t.find("production_variants").filter(|&at| t[at + "production_variants".len()..].trim_start().starts_with(['=', ':']));
                let list = t
                    .find("ProductionVariants")
                    .or(kwarg)
                    .or_else(|| t.find("EndpointConfigName"))
                    .or_else(|| t.find("aws_sagemaker_endpoint_configuration"));
                match list.filter(|_| !shadow) {
                    Some(at) => {
                        list_line = line;
                        in_list = weights(&t[at..]);
                    }
                    None => in_list += weights(t),
                }
                if in_list >= 2 && split_at.is_none() {
                    split_at = Some(if list_line > 0 { list_line } else { line });
                }
            }
            if t.contains("ShadowProductionVariants") || t.contains("shadow_production_variants") {
                out.push(ev("code.traffic-split", line, t).attr("mode", "shadow"));
            }
            // Monitoring alarms / monitors on models.
            if [
                "aws_sagemaker_monitoring_schedule",
                "AWS::SageMaker::MonitoringSchedule",
                "AWS::SageMaker::ModelQualityJobDefinition",
                "AWS::SageMaker::DataQualityJobDefinition",
                // CDK (TypeScript and Python) L1 constructs of the same resources.
                "CfnMonitoringSchedule(",
                "CfnDataQualityJobDefinition(",
                "CfnModelQualityJobDefinition(",
                "CfnModelBiasJobDefinition(",
                "CfnModelExplainabilityJobDefinition(",
                "google_vertex_ai_model_deployment_monitoring_job",
            ]
            .iter()
            .any(|w| t.contains(w))
            {
                let mut e = ev("code.monitor", line, t).attr("tool", "iac");
                // The resource is created only when a switch that defaults to off is turned on.
                if switches.iter().any(|sw| sw.state == "off" && sw.block.is_some_and(|(a, b)| a <= line && line <= b)) {
                    e = e.attr("switched", "off");
                }
                out.push(e);
            }
        }
        if let Some(line) = split_at {
            out.push(ev("code.traffic-split", line.max(1), "production variants with weights").attr("mode", "weights"));
        }
        // An alarm/alert wired to a pipeline start: EventBridge rule targeting a
        // SageMaker pipeline, or an alert action that runs a pipeline. An
        // EventBridge rule on alarm state changes names the alarm by its event.
        // Each alarm is read with the lines that define it (its metric, its
        // name): only one on a model's metrics counts, not a build failure,
        // a bill or a web frontend's errors that share the file.
        const ALARMS: &[&str] = &[
            "aws_cloudwatch_metric_alarm",
            "AWS::CloudWatch::Alarm",
            "CloudWatch Alarm State Change",
            "cloudwatch.Alarm(",
            "cloudwatch.CfnAlarm(",
            "azurerm_monitor_metric_alert",
            "azurerm_monitor_scheduled_query_rules_alert",
            "google_monitoring_alert_policy",
            "azurerm_monitor_activity_log_alert",
            // A log sink routing model-monitoring anomalies (to a topic a function listens on).
            "google_logging_project_sink",
            "aws_cloudwatch_log_subscription_filter",
        ];
        // One that does not say is taken in a file that monitors a model.
        let monitors = out.evidence.iter().any(|(e, _)| e.kind == "code.monitor" && e.location.path == f.path);
        let on_model = |at: usize| on_model_metric(following_lines(text, at, 15)).unwrap_or(monitors);
        let alarm = ALARMS.iter().flat_map(|w| text.match_indices(w)).any(|(at, _)| on_model(at));
        const STARTS: &[&str] = &[
            "sagemaker_pipeline_target",
            "aws_codebuild_project.",
            ":codepipeline:",
            "codepipeline_target",
            "SageMakerPipelineParameters",
            "SageMakerStartPipelineExecution(",
            "sage_maker_pipeline_parameters",
            "targets.CodePipeline(",
            "targets.CodeBuildProject(",
            "StartPipelineExecution",
            "start_pipeline_execution",
            "azurerm_logic_app",
            "webhook_receiver",
            "workflow_dispatch",
            "/dispatches",
            "create_pipeline_job",
            "pipelineJobs",
        ];
        // An EventBridge rule on alarm state changes: the start its targets name.
        let state_rule = text.match_indices("CloudWatch Alarm State Change").map(|(at, _)| at).find(|&at| on_model(at));
        let starts_pipeline =
            STARTS.iter().filter_map(|w| text[state_rule.unwrap_or(0)..].find(w)).min().map(|p| p + state_rule.unwrap_or(0));
        // Or the alarm notifies a function whose code starts the training pipeline.
        let starts_pipeline = starts_pipeline.or_else(|| {
            let funcs = [
                "google_cloudfunctions_function",
                "google_cloudfunctions2_function",
                "aws_lambda_function",
                "azurerm_function_app",
                "azurerm_linux_function_app",
            ];
            if !funcs.iter().any(|w| text.contains(w)) {
                return None;
            }
            let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            code_lines(text).find_map(|(line, l)| {
                let v = l.split_once('=').map(|(_, v)| v.trim().trim_matches('"').trim_start_matches("${path.module}/").to_string())?;
                if !(l.contains("source_dir") || l.contains("source") || l.contains("filename")) || v.is_empty() {
                    return None;
                }
                let src = crate::paths::join(dir, &v);
                let src = src.trim_end_matches(".zip");
                // The files under the source folder only (a range of the sorted map, not every file).
                let under = format!("{src}/");
                if crate::early_needs_index() {
                    return None;
                }
                let hit = f
                    .repo
                    .texts
                    .range(under.clone()..)
                    .take_while(|(p, _)| p.starts_with(&under))
                    .any(|(_, t)| FUNCTION_SUBMITS.iter().any(|w| t.contains(w)));
                hit.then(|| text.lines().take(line as usize - 1).map(|l| l.len() + 1).sum())
            })
        });
        if alarm {
            if let Some(pos) = starts_pipeline {
                let line = text[..pos].matches('\n').count() as u32 + 1;
                out.push(ev("code.monitor", line, "alarm on model metrics").attr("tool", "iac-alarm"));
                out.push(
                    ev("code.pipeline-trigger", line, text.lines().nth(line as usize - 1).unwrap_or("").trim())
                        .attr("target", "pipeline-from-alarm")
                        .attr("guarded", "alarm"),
                );
            }
        }
    }
}

/// The text from `at` to the end of the `n`th line after it.
fn following_lines(text: &str, at: usize, n: usize) -> &str {
    let end = text[at..].match_indices('\n').nth(n).map_or(text.len(), |(i, _)| at + i);
    &text[at..end]
}

/// Whether an alarm's definition watches a model (its metric, namespace or
/// name speak of a model, an endpoint, drift or prediction quality) rather
/// than a build, a bill, a function or a web frontend; `None` when it does
/// not say.
fn on_model_metric(def: &str) -> Option<bool> {
    let l = def.to_ascii_lowercase();
    const OPS: &[&str] = &[
        "aws/codebuild",
        "aws/billing",
        "aws/lambda",
        "aws/apigateway",
        "aws/ec2",
        "aws/rds",
        "run.googleapis.com",
        "cloudfunctions.googleapis.com",
    ];
    const MODEL: &[&str] = &[
        "drift",
        "model",
        "sagemaker",
        "aiplatform",
        "vertex",
        "feature",
        "accuracy",
        "auc",
        "f1",
        "rmse",
        "precision",
        "recall",
        "prediction",
        "inference",
        "quality",
        "violation",
        "anomal",
        "endpoint",
    ];
    if OPS.iter().any(|w| l.contains(w)) {
        Some(false)
    } else {
        MODEL.iter().any(|w| l.contains(w)).then_some(true)
    }
}

/// How many times `key` is set on `line` (`Key: v`, `"Key": v`, `key=v`):
/// not where it is read (`config.initial_variant_weight`).
fn variant_weight_keys(line: &str, key: &str) -> usize {
    line.match_indices(key)
        .filter(|(at, _)| {
            let before = line[..*at].trim_end_matches(['"', '\'']);
            let after = line[at + key.len()..].trim_start_matches(['"', '\'']).trim_start();
            !before.ends_with('.') && (after.starts_with(':') || (after.starts_with('=') && !after.starts_with("==")))
        })
        .count()
}

/// True when an infrastructure template names a model: an endpoint, a
/// model, a predict or inference function (case-blind word parts).
fn names_model(text: &str) -> bool {
    static RX: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"(?i-u)(?:^|[^a-z])(?:model|endpoint|sagemaker|predict|inference|scor(?:e|ing))").unwrap()
    });
    RX.is_match(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_build_trigger_declared_in_terraform() {
        let mut repo = RepoIndex::default();
        repo.texts.insert("infra/triggers.tf".into(), "resource \"google_cloudbuild_trigger\" \"main\" {\n  filename = \"cloudbuild.yaml\"\n  github {\n    push {\n      branch = \"^main$\"\n    }\n  }\n}\n".into());
        let t = declared_triggers(&repo, "cloud-build", "cloudbuild.yaml");
        assert_eq!(t[0].0, "push");
        assert!(declared_triggers(&repo, "cloud-build", "other/cloudbuild-train.yaml").is_empty());
    }

    #[test]
    fn a_trigger_command_written_one_flag_per_line_is_read_whole() {
        let mut repo = RepoIndex::default();
        repo.texts.insert(
            "setup/create-trigger.sh".into(),
            "#!/bin/bash\ngcloud beta builds triggers create github \\\n  --repo-owner=acme --repo-name=forecast \\\n  --branch-pattern=\"^main$\" \\\n  --build-config=\"build/cloudbuild.yaml\"\n".into(),
        );
        let t = declared_triggers(&repo, "cloud-build", "build/cloudbuild.yaml");
        assert_eq!(t, vec![("push", "setup/create-trigger.sh".to_string(), 2)]);
        // A commented-out command declares nothing.
        repo.texts.insert(
            "setup/create-trigger.sh".into(),
            "# gcloud builds triggers create github \\\n#   --build-config=build/cloudbuild.yaml\n".into(),
        );
        assert!(declared_triggers(&repo, "cloud-build", "build/cloudbuild.yaml").is_empty());
        // `aws codebuild create-webhook` the same way (a new index: the
        // trigger files are listed once).
        let mut repo = RepoIndex::default();
        repo.texts.insert("setup/hook.sh".into(), "aws codebuild create-webhook \\\n  --project-name train \\\n  --filter-groups '[[{\"type\":\"EVENT\",\"pattern\":\"PUSH\"}]]'\n".into());
        assert_eq!(declared_triggers(&repo, "codebuild", "buildspec.yml"), vec![("push", "setup/hook.sh".to_string(), 1)]);
    }

    #[test]
    fn environment_roots_and_variable_files() {
        let root = "terraform {\n  backend \"s3\" {}\n}\n\nmodule \"stack\" {\n  source = \"../../modules/stack\"\n  size   = 2\n}\n";
        assert_eq!(environment_root("infra/live/staging/main.tf", root), Some(("staging".into(), 5)));
        assert_eq!(kinds_of("infra/live/prod/main.tf", root), vec!["iac.environment"]);
        assert_eq!(environment_root("vars/prod.tfvars", "region = \"x\"\n"), Some(("prod".into(), 1)));
        // Not a per-environment root: a folder named for nothing, a registry
        // module, a module block that is commented out, a non-environment tfvars.
        assert_eq!(environment_root("infra/live/core/main.tf", root), None);
        let registry = root.replace("../../modules/stack", "terraform-aws-modules/vpc/aws");
        assert_eq!(environment_root("infra/live/prod/main.tf", &registry), None);
        let commented: String = root.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("# {l}\n") }).collect();
        assert_eq!(environment_root("infra/live/prod/main.tf", &commented), None);
        assert_eq!(environment_root("vars/common.tfvars", "region = \"x\"\n"), None);
    }

    #[test]
    fn endpoint_variants_and_comments() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "Resources:\n  Cfg:\n    Type: AWS::SageMaker::EndpointConfig\n    Properties:\n      ProductionVariants:\n        - VariantName: a\n          InitialVariantWeight: 0.9\n        - VariantName: b\n          InitialVariantWeight: 0.1\n# ShadowProductionVariants: []\n";
        Iac.detect(&FileCtx { path: "infra/template.json", text, repo: &repo }, &mut out);
        let kinds: Vec<_> = out.evidence.iter().map(|(e, _)| e.kind.clone()).collect();
        assert_eq!(kinds, vec!["code.traffic-split"]);
        assert_eq!(out.evidence[0].0.location.start_line, 5);
        // Whether a file splits traffic between weighted variants.
        let splits = |path: &str, text: &str| {
            let mut out = Output::default();
            Iac.detect(&FileCtx { path, text, repo: &repo }, &mut out);
            out.evidence.iter().any(|(e, _)| e.kind == "code.traffic-split")
        };
        // One weighted variant per endpoint configuration (a stage per
        // environment), also inside JSON strings: no traffic is split.
        let stages = "Resources:\n  Dev:\n    Type: AWS::SageMaker::EndpointConfig\n    Properties:\n      ProductionVariants:\n        - VariantName: AllTraffic\n          InitialVariantWeight: 1\n  Prod:\n    Type: AWS::SageMaker::EndpointConfig\n    Properties:\n      ProductionVariants:\n        - VariantName: AllTraffic\n          InitialVariantWeight: 1\n  Act:\n    UserParameters: '{\"ProductionVariants\": [{\"InitialVariantWeight\": 1}]}'\n";
        assert!(!splits("infra/template.yml", stages));
        // A single variant whose weight is read from a configuration object: no split.
        let cdk = "from aws_cdk import aws_sagemaker as sagemaker\nv = sagemaker.CfnEndpointConfig.ProductionVariantProperty(\n    initial_variant_weight=cfg.initial_variant_weight,\n)\nsagemaker.CfnEndpointConfig(self, 'C', production_variants=[v])\n";
        assert!(!splits("infra/stack.py", cdk));
        // Terraform: the variants of one configuration are repeated blocks.
        let tf = "resource \"aws_sagemaker_endpoint_configuration\" \"ab\" {\n  production_variants {\n    variant_name = \"a\"\n    initial_variant_weight = 0.9\n  }\n  production_variants {\n    variant_name = \"b\"\n    initial_variant_weight = 0.1\n  }\n}\n";
        assert!(splits("infra/main.tf", tf));
        // A pipeline action's JSON parameters: one variant per stage.
        let params = "Stages:\n  - Actions:\n      - Configuration:\n          UserParameters: '{ \"InitialVariantWeight\": 1, \"EndpointConfigName\": \"Dev\" }'\n      - Configuration:\n          UserParameters: '{ \"InitialVariantWeight\": 1, \"EndpointConfigName\": \"Prod\" }'\n";
        assert!(!splits("pipeline/template.yml", params));
        // Two weighted variants written on one line of JSON: a split.
        let inline = "{\"Resources\": {\"C\": {\"Type\": \"AWS::SageMaker::EndpointConfig\", \"Properties\": {\"ProductionVariants\": [{\"InitialVariantWeight\": 9}, {\"InitialVariantWeight\": 1}]}}}}\n";
        assert!(splits("infra/template.json", inline));
    }

    fn kinds_of(path: &str, text: &str) -> Vec<String> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Iac.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out.evidence.iter().map(|(e, _)| e.kind.to_string()).collect()
    }

    #[test]
    fn a_sam_canary_splits_model_traffic_only_when_the_template_names_a_model() {
        let sam = |env: &str| {
            format!("Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n{env}      AutoPublishAlias: live\n      DeploymentPreference:\n        Type: Canary10Percent5Minutes\n")
        };
        let served = kinds_of(
            "template.yml",
            &sam("      Environment:\n        Variables:\n          ENDPOINT_NAME: !GetAtt Endpoint.EndpointName\n"),
        );
        assert!(served.contains(&"code.traffic-split".to_string()), "{served:?}");
        // A canary of a function that names no model is a rollout setting.
        let plain = kinds_of("template.yml", &sam(""));
        assert!(plain.contains(&"deploy.rollout-setting".to_string()) && !plain.contains(&"code.traffic-split".to_string()), "{plain:?}");
    }

    #[test]
    fn only_an_alarm_on_a_model_metric_starts_retraining() {
        let cfn = |namespace: &str, metric: &str| {
            format!(
                "Resources:\n  Watch:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      Namespace: {namespace}\n      MetricName: {metric}\n      Threshold: 1\n  Rule:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets:\n        - Arn: !Sub \"arn:aws:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:train\"\n"
            )
        };
        let has = |k: &[String], kind: &str| k.iter().any(|x| x == kind);
        let k = kinds_of("infra/pipeline.yml", &cfn("aws/sagemaker/Endpoints/data-metrics", "feature_baseline_drift_total"));
        assert!(has(&k, "code.monitor") && has(&k, "code.pipeline-trigger"), "{k:?}");
        // A build failure or a bill beside the same pipeline start: no monitor, no trigger.
        for (ns, m) in [("AWS/CodeBuild", "FailedBuilds"), ("AWS/Billing", "EstimatedCharges")] {
            let k = kinds_of("infra/pipeline.yml", &cfn(ns, m));
            assert!(!has(&k, "code.monitor") && !has(&k, "code.pipeline-trigger"), "{ns}: {k:?}");
        }
        // An alarm that says nothing of what it watches counts only where the file monitors a model.
        let silent = cfn("Custom/Ops", "Errors");
        assert!(!has(&kinds_of("infra/pipeline.yml", &silent), "code.pipeline-trigger"));
        let monitored = format!("{silent}  Schedule:\n    Type: AWS::SageMaker::MonitoringSchedule\n");
        assert!(has(&kinds_of("infra/pipeline.yml", &monitored), "code.pipeline-trigger"));
    }

    #[test]
    fn cdk_python_alarm_rule_starting_a_pipeline_and_monitoring() {
        let text = "from aws_cdk import aws_events as events, aws_events_targets as targets, aws_sagemaker as sagemaker\n\nsched = sagemaker.CfnMonitoringSchedule(self, 'M', monitoring_schedule_name='m')\nrule = events.Rule(self, 'R', event_pattern=events.EventPattern(source=['aws.cloudwatch'], detail_type=['CloudWatch Alarm State Change']))\nrule.add_target(targets.CodePipeline(train_pipeline))\n";
        let k = kinds_of("infra/monitoring.py", text);
        assert!(k.contains(&"code.pipeline-trigger".to_string()) && k.iter().filter(|x| *x == "code.monitor").count() == 2, "{k:?}");
        // The same words in a docstring, or in Python that is not a CDK app, are not evidence.
        let doc =
            "from aws_cdk import aws_events as events\n\"\"\"\nOn 'CloudWatch Alarm State Change', call targets.CodePipeline(p).\n\"\"\"\n";
        assert!(kinds_of("infra/notes.py", doc).is_empty());
        let plain = text.replace("aws_cdk", "mycloud");
        assert!(kinds_of("infra/monitoring.py", &plain).is_empty());
    }

    fn evidence_of(path: &str, text: &str) -> Vec<Evidence> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Iac.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out.evidence.into_iter().map(|(e, _)| e).collect()
    }

    #[test]
    fn monitoring_switches_in_config_and_terraform() {
        let states = |path: &str, text: &str| -> Vec<String> {
            evidence_of(path, text)
                .iter()
                .filter(|e| e.kind == "config.monitor-switch")
                .map(|e| format!("{}={}", &e.attrs["name"], &e.attrs["state"]))
                .collect()
        };
        assert_eq!(
            states("conf/prod.yml", "settings:\n  region: west\n  enable_model_monitoring: 'false'\n"),
            vec!["enable_model_monitoring=off"]
        );
        assert_eq!(states("envs/dev.tfvars", "enableDriftMonitor = true\n"), vec!["enableDriftMonitor=on"]);
        // Any case: the words are looked for before the lines are read.
        assert_eq!(states("envs/dev.tfvars", "ENABLE_DRIFT = false\n"), vec!["ENABLE_DRIFT=off"]);
        assert_eq!(
            states("ci/pipe.yml", "parameters:\n  - name: enable_monitoring\n    type: boolean\n    default: false\n"),
            vec!["enable_monitoring=off"]
        );
        assert_eq!(
            states("infra/mon.tf", "resource \"x_store\" \"s\" {\n  count = var.enable_monitoring ? 1 : 0\n}\n"),
            vec!["enable_monitoring=unset"]
        );
        // A monitor resource behind a switch that defaults to off is switched off.
        let tf = "variable \"enable_monitoring\" {\n  type    = bool\n  default = false\n}\n\nresource \"aws_sagemaker_monitoring_schedule\" \"m\" {\n  count = var.enable_monitoring ? 1 : 0\n  name  = \"m\"\n}\n";
        let ev = evidence_of("infra/mon.tf", tf);
        let mon = ev.iter().find(|e| e.kind == "code.monitor").unwrap();
        assert_eq!(mon.attrs.get("switched"), Some("off"));
        // Defaulting to on: the monitor stays a monitor.
        let on = tf.replace("default = false", "default = true");
        let ev = evidence_of("infra/mon.tf", &on);
        assert!(ev.iter().any(|e| e.kind == "code.monitor" && !e.attrs.contains_key("switched")));
    }

    #[test]
    fn not_monitoring_switches() {
        let kinds = |path: &str, text: &str| kinds_of(path, text).into_iter().filter(|k| k == "config.monitor-switch").count();
        // Commented out, not a boolean, not named for monitoring, a CI expression.
        assert_eq!(kinds("conf/prod.yml", "# enable_monitoring: false\n"), 0);
        assert_eq!(kinds("conf/prod.yml", "enable_monitoring_table: logs\n"), 0);
        assert_eq!(kinds("conf/prod.yml", "enable_cache: false\nmonitoring: false\n"), 0);
        assert_eq!(kinds("ci/w.yml", "with:\n  enable_monitoring: ${{ inputs.mon }}\n"), 0);
        assert_eq!(kinds("infra/a.tf", "resource \"x\" \"y\" {\n  count = var.enable_cache ? 1 : 0\n}\n"), 0);
        // A Python file is never read for switches.
        assert_eq!(kinds("cdk/app.py", "import aws_cdk\nenable_monitoring = False\n"), 0);
    }
}
