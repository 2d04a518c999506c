//! AWS CodePipeline pipelines declared with the CDK, in Python or
//! TypeScript/JavaScript: the same construct as the CloudFormation
//! `AWS::CodePipeline::Pipeline` that [`super::codepipeline`] reads.
//!
//! A pipeline is `codepipeline.Pipeline(...)` (`new codepipeline.Pipeline(...)`);
//! its stages are the `stages=[...]` / `stages: [...]` it is built with, each
//! `pipeline.add_stage(...)` / `pipeline.addStage(...)`, and the actions later
//! added to a stage (`stage.add_action(...)`). Actions can be written inline
//! or bound to a variable first. For each stage this emits a root unit
//! (`ci:<file>#<pipeline>/<stage>`, run after the stages before it) that
//! calls what its actions run:
//! - `CodeBuildAction(project=p)`: the buildspec of project `p`
//!   (`BuildSpec.from_source_filename("x.yml")`, the commands of an inline
//!   `BuildSpec.from_object({...})`, or the default `buildspec.yml`);
//! - `CloudFormationCreateUpdateStackAction(template_path=out.at_path("s.template.json"))`:
//!   a CloudFormation deploy (`run.deploy`, `infra=yes`) of the CDK stack
//!   whose construct id is `s` (`cdk synth` writes `<id>.template.json`), so
//!   the stage calls the file that instantiates that stack;
//! - ECS / CodeDeploy / Elastic Beanstalk / S3 deploy actions: `run.deploy`.
//!
//! What starts the pipeline: a repository source action (CodeCommit, GitHub,
//! CodeStar connection, Bitbucket) is `push` unless its trigger is turned
//! off; an S3 or ECR source is `external`; an EventBridge rule targeting the
//! pipeline (`targets.CodePipeline(pipeline)`) adds `push` for repository
//! events, `schedule` for a schedule and `external` otherwise (a model
//! package approved in the registry, an alarm). A deploy stage named for an
//! environment (`DeployStaging`, `Prod`) emits `ci.environment`, with
//! `approval=manual` when a `ManualApprovalAction` gates it.
//!
//! CDK Pipelines (`pipelines.CodePipeline` with a `synth` step) are read
//! too: see [`detect_cdk_pipelines`].
//!
//! Not evidence: comments and docstrings (masked) and files that do not
//! import the CDK.

use super::{add_shell, emit_pipeline, TriggerSpec};
use crate::evidence::{Confidence, Evidence, Location};
use crate::pylex::{closing_paren, top_level_comma, LineIndex};
use crate::{Detector, FileCtx, Output, RepoIndex, Unit};
use regex::bytes::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The CDK CodePipeline detector.
pub struct CdkPipeline;

const NAME: &str = "cdk-pipeline";

/// A construction (`x = Cls(...)`, `const x = new mod.Cls(...)`): assigned
/// variable (dotted: `self.p`, `this.p`), qualifier, class.
static CONSTRUCT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:([A-Za-z_][\w.]*)\s*(?::\s*[\w.<>\[\]]+\s*)?=\s*)?(?:new\s+)?((?:[A-Za-z_]\w*\.)*)([A-Z]\w*)\s*\(").unwrap()
});
/// A method call on a variable: `p.add_stage(`, `this.p.addStage(`, optionally assigned.
static METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:([A-Za-z_][\w.]*)\s*(?::\s*[\w.<>\[\]]+\s*)?=\s*)?\b([A-Za-z_][\w.]*)\.(add_stage|addStage|add_action|addAction|add_target|addTarget)\s*\(")
        .unwrap()
});
static STAGE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)(?:\bstage_name|\bstageName|"stage_name"|'stage_name')\s*[=:]\s*f?["'`]([^"'`]+)["'`]"#).unwrap());
static TEMPLATE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)\b(?:template_path|templatePath)\s*[=:]\s*[\w.]+\.(?:at_path|atPath)\(\s*f?["'`]([^"'`]+)["'`]"#).unwrap()
});
static STAGES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bstages\s*[=:]\s*\[").unwrap());
static PROJECT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bproject\s*[=:]\s*([A-Za-z_][\w.]*)").unwrap());
static SPEC_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)\b(?:from_source_filename|fromSourceFilename)\(\s*f?["'`]([^"'`]+)["'`]"#).unwrap());
static SPEC_INLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b(?:from_object|fromObject|from_object_to_yaml|fromObjectToYaml)\s*\(").unwrap());
static COMMANDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)["']?\bcommands["']?\s*[:=]\s*\["#).unwrap());
/// A CDK Pipelines step's command lists (`install_commands=[`, `commands: [`).
static STEP_COMMANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u)["']?\b(?:install_commands|installCommands|commands)["']?\s*[:=]\s*\["#).unwrap());
static STRING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)"([^"\n]*)"|'([^'\n]*)'|`([^`]*)`"#).unwrap());
static TS_ALIAS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?-u)\*\s*as\s+(\w+)\s+from\s+["'][^"']*aws-codepipeline["']"#).unwrap());
static PY_ALIAS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\baws_codepipeline\s+as\s+(\w+)").unwrap());
static NAMED_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)import\s*\{[^}]*\bPipeline\b[^}]*\}\s*from\s*["'][^"']*aws-codepipeline["']|from\s+aws_cdk\.aws_codepipeline\s+import\s+[^\n]*\bPipeline\b"#)
        .unwrap()
});
/// A CDK stack instantiated with a construct id: `MyStack(app, "id")`,
/// `new MyStack(app, `id-${x}`)`.
static STACK_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)(?:new\s+)?(?:[A-Za-z_]\w*\.)*[A-Z]\w*Stack\s*\(\s*[A-Za-z_][\w.]*\s*,\s*f?(?:"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`)"#)
        .unwrap()
});

impl Detector for CdkPipeline {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["aws_cdk", "aws-cdk"]
    }
    fn applies(&self, path: &str) -> bool {
        is_cdk_source(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Some(text) = cdk_text(f.path, f.text) else { return };
        if text.contains("aws_codepipeline") || text.contains("aws-codepipeline") {
            detect_in(f, &text, out);
        }
        if text.contains("pipelines") && text.contains("CodePipeline") {
            detect_cdk_pipelines(f, &text, out);
        }
    }
}

/// True for the source files a CDK app is written in (Python, TypeScript, JavaScript).
fn is_cdk_source(path: &str) -> bool {
    (path.ends_with(".py") || path.ends_with(".ts") || path.ends_with(".js") || path.ends_with(".mjs")) && !path.ends_with(".d.ts")
}

/// The text of a CDK source file with its comments (and Python docstrings)
/// blanked, or `None` when the file does not use the CDK.
fn cdk_text(path: &str, text: &str) -> Option<String> {
    if path.ends_with(".py") {
        text.contains("aws_cdk").then(|| crate::pylex::mask(text))
    } else {
        (text.contains("aws-cdk") || text.contains("@aws-cdk")).then(|| mask_js(text))
    }
}

/// Blank `//` and `/* */` comments of JavaScript/TypeScript source byte for
/// byte (offsets and lines unchanged); strings are kept.
pub fn mask_js(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let (mut i, mut quote) = (0, None::<u8>);
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' || c == b'`' => quote = Some(c),
            None if c == b'/' && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            None if c == b'/' && b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map(|e| i + 2 + e + 2).unwrap_or(b.len());
                for o in &mut out[i..end] {
                    if *o != b'\n' {
                        *o = b' ';
                    }
                }
                i = end;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A construction or call found in the source: its class (or method), the
/// byte range of its arguments, and the variable it is assigned to.
#[derive(Debug, Clone)]
struct Call {
    class: String,
    var: Option<String>,
    start: usize,
    args: (usize, usize),
}

/// A method call on a variable: (assigned variable, receiver, method,
/// argument range, offset).
type MethodCall = (Option<String>, String, String, (usize, usize), usize);

/// One action of a stage: class, arguments text, offset.
struct Action<'t> {
    class: String,
    args: &'t str,
    at: usize,
}

struct Stage<'t> {
    name: String,
    at: usize,
    end: usize,
    actions: Vec<Action<'t>>,
}

fn args_of(text: &str, open: usize) -> (usize, usize) {
    let end = closing_paren(&text.as_bytes()[open..]).map(|e| open + e).unwrap_or(text.len());
    (open, end)
}

fn detect_in(f: &FileCtx<'_>, text: &str, out: &mut Output) {
    let mut aliases: Vec<String> = vec!["codepipeline".into(), "aws_codepipeline".into()];
    aliases.extend(TS_ALIAS.captures_iter(text.as_bytes()).chain(PY_ALIAS.captures_iter(text.as_bytes())).map(|c| st(&c[1]).to_string()));
    let unqualified = NAMED_IMPORT.is_match(text.as_bytes());
    let mut calls: Vec<Call> = Vec::new();
    let mut pipelines: Vec<Call> = Vec::new();
    for c in CONSTRUCT.captures_iter(text.as_bytes()) {
        let whole = c.get(0).unwrap();
        let qual = c.get(2).map(|m| st(m.as_bytes()).trim_end_matches('.')).unwrap_or("");
        let class = st(&c[3]).to_string();
        let call = Call {
            class: class.clone(),
            var: c.get(1).map(|m| st(m.as_bytes()).to_string()),
            start: whole.start(),
            args: args_of(text, whole.end()),
        };
        let last_qual = qual.rsplit('.').next().unwrap_or("");
        if class == "Pipeline" && (aliases.iter().any(|a| a == last_qual) || (qual.is_empty() && unqualified)) {
            pipelines.push(call.clone());
        }
        calls.push(call);
    }
    if pipelines.is_empty() {
        return;
    }
    let methods: Vec<MethodCall> = METHOD
        .captures_iter(text.as_bytes())
        .map(|c| {
            let whole = c.get(0).unwrap();
            (
                c.get(1).map(|m| st(m.as_bytes()).to_string()),
                st(&c[2]).to_string(),
                st(&c[3]).to_string(),
                args_of(text, whole.end()),
                whole.start(),
            )
        })
        .collect();
    let action_vars: BTreeMap<&str, &Call> =
        calls.iter().filter(|c| c.class.ends_with("Action")).filter_map(|c| Some((c.var.as_deref()?, c))).collect();
    let actions_in = |range: (usize, usize)| -> Vec<Action<'_>> {
        let slice = &text[range.0..range.1];
        let mut v: Vec<Action> = calls
            .iter()
            .filter(|c| c.class.ends_with("Action") && c.start >= range.0 && c.start < range.1)
            .map(|c| Action { class: c.class.clone(), args: &text[c.args.0..c.args.1], at: c.start })
            .collect();
        for (var, c) in &action_vars {
            if c.start >= range.0 && c.start < range.1 {
                continue;
            }
            if word_in(slice, var) {
                v.push(Action { class: c.class.clone(), args: &text[c.args.0..c.args.1], at: c.start });
            }
        }
        v
    };
    let lines = LineIndex::new(text);
    let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for p in &pipelines {
        let pargs = &text[p.args.0..p.args.1];
        let pid = first_string(pargs.get(top_level_comma(pargs.as_bytes()).map(|i| i + 1).unwrap_or(0)..).unwrap_or(""))
            .unwrap_or_else(|| p.var.clone().unwrap_or_else(|| "pipeline".into()));
        let mut stages: Vec<Stage> = Vec::new();
        // Stages given to the constructor.
        if let Some(m) = STAGES.find(pargs.as_bytes()) {
            let open = p.args.0 + m.end();
            let (s, e) = args_of(text, open);
            let mut from = s;
            while from < e {
                let to = top_level_comma(&text.as_bytes()[from..e]).map(|i| from + i).unwrap_or(e);
                if !text[from..to].trim().is_empty() {
                    stages.push(stage_of(text, (from, to), stages.len(), &actions_in));
                }
                from = to + 1;
            }
        }
        // Stages added to the pipeline, and actions added to those stages.
        let mut stage_vars: BTreeMap<String, usize> = BTreeMap::new();
        for (assigned, recv, method, range, _) in &methods {
            let on_pipeline = p.var.as_deref() == Some(recv.as_str());
            if on_pipeline && matches!(method.as_str(), "add_stage" | "addStage") {
                if let Some(v) = assigned {
                    stage_vars.insert(v.clone(), stages.len());
                }
                stages.push(stage_of(text, *range, stages.len(), &actions_in));
            } else if matches!(method.as_str(), "add_action" | "addAction") {
                if let Some(&i) = stage_vars.get(recv) {
                    let more = actions_in(*range);
                    stages[i].actions.extend(more);
                }
            }
        }
        // What starts it: its sources, and event rules that target it.
        let mut specs: Vec<TriggerSpec> = Vec::new();
        for a in stages.iter().flat_map(|s| &s.actions) {
            let line = lines.line(a.at);
            let off =
                a.args.contains("Trigger.NONE") || a.args.contains("trigger_on_push=False") || a.args.contains("triggerOnPush: false");
            match a.class.as_str() {
                "CodeCommitSourceAction" | "GitHubSourceAction" | "CodeStarConnectionsSourceAction" | "BitBucketSourceAction" if !off => {
                    specs.push(("push", line, false))
                }
                // New data (an object in a bucket) starts the pipeline.
                "S3SourceAction" if !off => super::push_event_trigger(&mut specs, line),
                "EcrSourceAction" if !off => specs.push(("external", line, false)),
                _ => {}
            }
        }
        if let Some(pvar) = p.var.as_deref() {
            for (t, at) in rule_triggers(text, pvar, &calls, &methods) {
                if t == super::EVENT {
                    super::push_event_trigger(&mut specs, lines.line(at));
                } else {
                    specs.push((t, lines.line(at), false));
                }
            }
        }
        if specs.is_empty() {
            specs.push(("manual", lines.line(p.start), false));
        }
        specs.sort();
        specs.dedup_by(|a, b| a.0 == b.0);
        let triggers = emit_pipeline(out, f.path, "codepipeline", NAME, &specs, &format!("CodePipeline {pid}"));
        let mut before: Vec<String> = Vec::new();
        let mut gated = false;
        for stage in &stages {
            let id = format!("ci:{}#{pid}/{}", f.path, stage.name);
            let mut u = Unit::new(id.clone(), Location::new(f.path, lines.line(stage.at), lines.line(stage.end)), &stage.name);
            u.root = true;
            u.triggers = triggers.clone();
            u.after = before.clone();
            let mut deploys = false;
            let approval = stage.actions.iter().any(|a| a.class == "ManualApprovalAction");
            // An approval written before the stage's deploy gates it; one after it gates the next stage.
            let first_deploy = stage.actions.iter().filter(|a| is_deploy(&a.class)).map(|a| a.at).min();
            let approved_here = stage.actions.iter().any(|a| a.class == "ManualApprovalAction" && first_deploy.is_some_and(|d| a.at < d));
            for a in &stage.actions {
                let line = lines.line(a.at);
                match a.class.as_str() {
                    "CodeBuildAction" => build_action(f, text, a, &calls, dir, &mut u, out, line),
                    c if c.starts_with("CloudFormation") => {
                        deploys = true;
                        let e = deploy_evidence(f.path, line, &stage.name, c, "cloudformation").attr("infra", "yes");
                        out.push_in(e, &u.id);
                        if let Some(t) = TEMPLATE_PATH.captures(a.args.as_bytes()) {
                            for file in template_files(f.repo, st(&t[1]), dir) {
                                u.calls.push((format!("file:{file}"), Location::line(f.path, line)));
                            }
                        }
                    }
                    c @ ("EcsDeployAction"
                    | "CodeDeployEcsDeployAction"
                    | "CodeDeployServerDeployAction"
                    | "ElasticBeanstalkDeployAction"
                    | "S3DeployAction") => {
                        deploys = true;
                        let target = match c {
                            "EcsDeployAction" | "CodeDeployEcsDeployAction" => "ecs",
                            "CodeDeployServerDeployAction" => "codedeploy",
                            "ElasticBeanstalkDeployAction" => "elastic-beanstalk",
                            _ => "s3",
                        };
                        out.push_in(deploy_evidence(f.path, line, &stage.name, c, target), &u.id);
                    }
                    _ => {}
                }
            }
            if deploys {
                environment(out, f.path, lines.line(stage.at), &stage.name, gated || approved_here, &u.id);
            }
            // An approval in this stage gates the stages after it.
            gated = approval;
            before.push(id);
            out.units.push(u);
        }
    }
}

/// The strings of each list in `text[from..to]` that `key` opens (a match
/// ending at the list's `[`), with their offsets in `text`, in order.
fn listed_strings<'t>(text: &'t str, (from, to): (usize, usize), key: &Regex) -> Vec<(&'t str, usize)> {
    let mut out = Vec::new();
    for k in key.find_iter(&text.as_bytes()[from..to]) {
        let open = from + k.end();
        let end = open + closing_paren(&text.as_bytes()[open..to]).unwrap_or(to - open);
        for c in STRING.captures_iter(&text.as_bytes()[open..end]) {
            let m = c.get(1).or(c.get(2)).or(c.get(3)).expect("a group");
            out.push((st(m.as_bytes()), open + c.get(0).expect("the match").start()));
        }
    }
    out
}

/// CDK Pipelines (`aws_cdk.pipelines` / `aws-cdk-lib/pipelines`): a
/// `CodePipeline(..., synth=ShellStep(...))` whose source
/// (`CodePipelineSource.git_hub(...)`, `.connection(...)`,
/// `.code_commit(...)`) starts it on push (`.s3(...)`: new data; `.ecr(...)`:
/// an outside event; a source whose trigger is turned off: nothing). Every
/// `ShellStep` / `CodeBuildStep` of the file is a root unit
/// (`ci:<file>#<pipeline>/<step>`) running its `install_commands` and
/// `commands`; the steps other than the synth run after it. A stage the
/// pipeline deploys (`pipeline.add_stage(Stage(...))`) is a CloudFormation
/// deploy (`run.deploy`, `infra=yes`) and, named for an environment, a
/// `ci.environment`, approved by a `ManualApprovalStep` in its `pre` steps.
fn detect_cdk_pipelines(f: &FileCtx<'_>, text: &str, out: &mut Output) {
    let calls: Vec<Call> = CONSTRUCT
        .captures_iter(text.as_bytes())
        .map(|c| {
            let whole = c.get(0).expect("the match");
            Call {
                class: st(&c[3]).to_string(),
                var: c.get(1).map(|m| st(m.as_bytes()).to_string()),
                start: whole.start(),
                args: args_of(text, whole.end()),
            }
        })
        .collect();
    // The construct, not the EventBridge target of the same name: it is built with a `synth` step.
    let Some(pipeline) = calls.iter().find(|c| c.class == "CodePipeline" && word_in(&text[c.args.0..c.args.1], "synth")) else {
        return;
    };
    let lines = LineIndex::new(text);
    let pargs = &text[pipeline.args.0..pipeline.args.1];
    let pid = first_string(pargs.get(top_level_comma(pargs.as_bytes()).map(|i| i + 1).unwrap_or(0)..).unwrap_or(""))
        .unwrap_or_else(|| pipeline.var.clone().unwrap_or_else(|| "pipeline".into()));
    let mut specs: Vec<TriggerSpec> = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("CodePipelineSource.").map(|i| from + i) {
        from = i + "CodePipelineSource.".len();
        let method: String = text[from..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let (s, e) = args_of(text, from + method.len() + 1);
        let args = &text[s.min(e)..e];
        let off = args.contains("Trigger.NONE") || args.contains("trigger_on_push=False") || args.contains("triggerOnPush: false");
        let line = lines.line(i);
        match method.as_str() {
            _ if off => {}
            "git_hub" | "gitHub" | "connection" | "code_commit" | "codeCommit" => specs.push(("push", line, false)),
            "s3" => super::push_event_trigger(&mut specs, line),
            "ecr" => specs.push(("external", line, false)),
            _ => {}
        }
    }
    if specs.is_empty() {
        specs.push(("manual", lines.line(pipeline.start), false));
    }
    specs.sort();
    specs.dedup_by(|a, b| a.0 == b.0);
    let triggers = emit_pipeline(out, f.path, "codepipeline", NAME, &specs, &format!("CDK pipeline {pid}"));
    let synth_at = pipeline.args.0;
    let steps: Vec<&Call> = calls.iter().filter(|c| matches!(c.class.as_str(), "ShellStep" | "CodeBuildStep")).collect();
    // The synth step: the one inside the pipeline's arguments (or bound to the variable it names).
    let synth = steps
        .iter()
        .find(|c| c.start >= synth_at && c.start < pipeline.args.1)
        .map(|c| c.start)
        .or_else(|| steps.iter().find(|c| c.var.as_deref().is_some_and(|v| word_in(pargs, v))).map(|c| c.start));
    let unit_id = |c: &Call| {
        let name = first_string(&text[c.args.0..c.args.1]).unwrap_or_else(|| c.var.clone().unwrap_or_else(|| "step".into()));
        format!("ci:{}#{pid}/{name}", f.path)
    };
    let synth_id = steps.iter().find(|c| Some(c.start) == synth).map(|c| unit_id(c));
    for c in &steps {
        let id = unit_id(c);
        let mut u = Unit::new(id.clone(), Location::new(f.path, lines.line(c.start), lines.line(c.args.1)), &id);
        u.root = true;
        u.triggers = triggers.clone();
        if let Some(s) = synth_id.as_ref().filter(|s| **s != id) {
            u.after.push(s.clone());
        }
        for (cmd, at) in listed_strings(text, c.args, &STEP_COMMANDS) {
            add_shell(&mut u, out, NAME, f.path, cmd, lines.line(at), "");
        }
        out.units.push(u);
    }
    // Stages the pipeline deploys.
    let Some(pvar) = pipeline.var.as_deref() else { return };
    for m in METHOD.captures_iter(text.as_bytes()) {
        if st(&m[2]) != pvar || !matches!(st(&m[3]), "add_stage" | "addStage") {
            continue;
        }
        let whole = m.get(0).expect("the match");
        let (s, e) = args_of(text, whole.end());
        let args = &text[s..e];
        let first = &args[..top_level_comma(args.as_bytes()).unwrap_or(args.len())];
        // `Stage(app, "Prod")` written in place, or a variable bound to one.
        let built =
            calls.iter().find(|c| c.start >= s && c.start < e).or_else(|| calls.iter().find(|c| c.var.as_deref() == Some(first.trim())));
        let stage = built
            .and_then(|c| {
                let a = &text[c.args.0..c.args.1];
                first_string(a.get(top_level_comma(a.as_bytes()).map(|i| i + 1).unwrap_or(0)..).unwrap_or(""))
            })
            .unwrap_or_else(|| first.trim().to_string());
        let line = lines.line(whole.start());
        let id = format!("ci:{}#{pid}/deploy-{stage}", f.path);
        let mut u = Unit::new(id.clone(), Location::new(f.path, line, lines.line(e)), &id);
        u.root = true;
        u.triggers = triggers.clone();
        u.after.extend(synth_id.clone());
        out.push_in(deploy_evidence(f.path, line, &stage, "add_stage", "cloudformation").attr("infra", "yes"), &id);
        let approved = calls.iter().any(|c| c.class == "ManualApprovalStep" && c.start >= s && c.start < e);
        environment(out, f.path, line, &stage, approved, &id);
        out.units.push(u);
    }
}

fn stage_of<'t>(text: &'t str, range: (usize, usize), n: usize, actions_in: &dyn Fn((usize, usize)) -> Vec<Action<'t>>) -> Stage<'t> {
    let slice = &text[range.0..range.1];
    let name = STAGE_NAME.captures(slice.as_bytes()).map(|c| st(&c[1]).to_string()).unwrap_or_else(|| format!("stage{}", n + 1));
    Stage { name, at: range.0, end: range.1, actions: actions_in(range) }
}

fn is_deploy(class: &str) -> bool {
    class.starts_with("CloudFormation")
        || matches!(
            class,
            "EcsDeployAction"
                | "CodeDeployEcsDeployAction"
                | "CodeDeployServerDeployAction"
                | "ElasticBeanstalkDeployAction"
                | "S3DeployAction"
        )
}

fn deploy_evidence(path: &str, line: u32, stage: &str, class: &str, target: &str) -> Evidence {
    Evidence::new("run.deploy", NAME, Location::line(path, line), Confidence::High, &format!("{stage}: {class}")).attr("target", target)
}

/// `ci.environment` for a deploy stage whose name names an environment
/// class (dev, test, staging, prod); other stage names are not environments.
pub(crate) fn environment(out: &mut Output, path: &str, line: u32, stage: &str, approval: bool, unit: &str) {
    let name = words(stage);
    if crate::paths::env_class(&name).is_none() {
        return;
    }
    let mut e = Evidence::new("ci.environment", NAME, Location::line(path, line), Confidence::Medium, &format!("stage {stage}"))
        .attr("system", "codepipeline")
        .attr("name", name);
    if approval {
        e = e.attr("approval", "manual");
    }
    out.push_in(e, unit);
}

/// `DeployStaging` -> `deploy-staging`; `deploy_PRD` -> `deploy-prd`.
pub(crate) fn words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut s = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        if c.is_ascii_uppercase()
            && i > 0
            && (prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next.is_ascii_lowercase()))
        {
            s.push('-');
        }
        s.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' });
    }
    s
}

/// The buildspec a `CodeBuildAction` runs: its project's
/// `from_source_filename`, the commands of an inline spec, or the default
/// `buildspec.yml` of the source.
#[allow(clippy::too_many_arguments)]
fn build_action(f: &FileCtx<'_>, text: &str, a: &Action<'_>, calls: &[Call], dir: &str, u: &mut Unit, out: &mut Output, line: u32) {
    // The project: a variable bound to a construction, or an expression
    // written in place (a construction, a helper called with the spec path).
    let value = PROJECT.captures(a.args.as_bytes()).and_then(|c| c.get(1)).map(|m| {
        let rest = &a.args[m.start()..];
        &rest[..top_level_comma(rest.as_bytes()).unwrap_or(rest.len())]
    });
    let bound = value.and_then(|v| {
        calls.iter().find(|k| k.var.as_deref() == Some(v.trim()) && k.class.ends_with("Project")).map(|k| &text[k.args.0..k.args.1])
    });
    let project_args: &str = bound.or(value).unwrap_or(a.args);
    if let Some(c) = SPEC_FILE.captures(project_args.as_bytes()) {
        if let Some(p) = resolve(f.repo, dir, st(&c[1])) {
            u.calls.push((format!("ci:{p}#build"), Location::line(f.path, line)));
        }
        return;
    }
    if let Some(m) = SPEC_INLINE.find(project_args.as_bytes()) {
        let spec = &project_args[m.end()..];
        let spec = &spec[..closing_paren(spec.as_bytes()).unwrap_or(spec.len())];
        let base = project_args.as_ptr() as usize - text.as_ptr() as usize + m.end();
        let idx = LineIndex::new(text);
        for (cmd, at) in listed_strings(text, (base, base + spec.len()), &COMMANDS) {
            add_shell(u, out, NAME, f.path, cmd, idx.line(at), "");
        }
        return;
    }
    // A helper building the project from a spec path it is given: `project("Train", "ci/train.yml")`.
    let named: Vec<String> = STRING
        .captures_iter(project_args.as_bytes())
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)).map(|m| st(m.as_bytes())))
        .filter(|v| v.ends_with(".yml") || v.ends_with(".yaml"))
        .filter_map(|v| resolve(f.repo, dir, v))
        .collect();
    if !named.is_empty() {
        for p in named {
            u.calls.push((format!("ci:{p}#build"), Location::line(f.path, line)));
        }
        return;
    }
    if let Some(p) = resolve(f.repo, "", "buildspec.yml") {
        u.calls.push((format!("ci:{p}#build"), Location::line(f.path, line)));
    }
}

/// A path as a pipeline names it: next to the declaring file, at the root,
/// or the one file whose path ends with it (a folder of the repository may
/// be the source): `app/buildspec.yml` is not `sub/buildspec.yml`.
fn resolve(repo: &RepoIndex, dir: &str, p: &str) -> Option<String> {
    let p = p.trim_start_matches("./");
    [crate::paths::join(dir, p), p.to_string()]
        .into_iter()
        .find(|c| repo.exists(c))
        .or_else(|| repo.unique_file_ending(p).map(str::to_string))
}

/// The files a CloudFormation action deploys: a template kept in the
/// repository, or for `<id>.template.json` (what `cdk synth` writes for a
/// stack) the files that instantiate the CDK stack with construct id `<id>`.
pub(crate) fn template_files(repo: &RepoIndex, template: &str, dir: &str) -> Vec<String> {
    let template = template.rsplit("::").next().unwrap_or(template);
    if let Some(p) = resolve(repo, dir, template) {
        return vec![p];
    }
    let Some(id) = template.rsplit('/').next().and_then(|n| n.strip_suffix(".template.json")) else { return vec![] };
    let mut files: Vec<String> = cdk_stacks(repo).iter().filter(|(pat, _)| glob_match(pat, id)).map(|(_, f)| f.clone()).collect();
    files.sort();
    files.dedup();
    files
}

/// Every CDK stack construct id in the repository (placeholders of f-strings
/// and template literals as `*`) with the file that instantiates it, found once.
fn cdk_stacks(repo: &RepoIndex) -> &[(String, String)] {
    if crate::early_needs_index() {
        return &[];
    }
    repo.cdk_stacks.get_or_init(|| {
        let mut v = Vec::new();
        for (p, t) in &repo.texts {
            if !is_cdk_source(p) {
                continue;
            }
            let Some(text) = cdk_text(p, t) else { continue };
            for c in STACK_ID.captures_iter(text.as_bytes()) {
                let raw = c.get(1).or(c.get(2)).or(c.get(3)).map(|m| st(m.as_bytes())).unwrap_or("");
                let pat = placeholders_to_glob(raw);
                if pat.chars().filter(|c| *c != '*').count() >= 3 {
                    v.push((pat, p.clone()));
                }
            }
        }
        v
    })
}

/// `drift-{stage}` / `drift-${stage}` -> `drift-*`.
fn placeholders_to_glob(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'{') => {}
            '{' => {
                if depth == 0 {
                    out.push('*');
                }
                depth += 1;
            }
            '}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// Match `s` against a pattern whose only wildcard is `*`.
pub(crate) fn glob_match(pat: &str, s: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || !s[first.len()..].ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Triggers from EventBridge rules whose target is pipeline `pvar`
/// (`targets.CodePipeline(pipeline=pvar)` in the rule or added with
/// `rule.add_target(...)`): (class, offset of the rule).
fn rule_triggers(text: &str, pvar: &str, calls: &[Call], methods: &[MethodCall]) -> Vec<(&'static str, usize)> {
    let targets_pipeline = |range: (usize, usize)| {
        calls
            .iter()
            .any(|c| c.class == "CodePipeline" && c.start >= range.0 && c.start < range.1 && word_in(&text[c.args.0..c.args.1], pvar))
    };
    let class_of = |rule: &str| {
        if rule.contains("aws.codecommit") || rule.contains("Repository State Change") {
            "push"
        } else if rule.contains("Schedule.") || rule.contains("schedule=") || rule.contains("schedule:") {
            "schedule"
        } else if rule.contains("aws.codebuild") || rule.contains("aws.codepipeline") {
            // Chained after another build or pipeline run.
            "external"
        } else {
            super::EVENT
        }
    };
    let mut v = Vec::new();
    for r in calls.iter().filter(|c| c.class == "Rule" || c.class == "CfnRule") {
        let added = methods.iter().any(|(_, recv, m, range, _)| {
            matches!(m.as_str(), "add_target" | "addTarget") && r.var.as_deref() == Some(recv.as_str()) && targets_pipeline(*range)
        });
        if targets_pipeline(r.args) || added {
            v.push((class_of(&text[r.args.0..r.args.1]), r.start));
        }
    }
    v
}

/// True when `word` occurs in `s` as a whole (dotted) name.
fn word_in(s: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    s.match_indices(word).any(|(i, _)| {
        let before = s[..i].chars().next_back().is_none_or(|c| !ident(c));
        let after = s[i + word.len()..].chars().next().is_none_or(|c| !ident(c) || c == '.');
        before && after && !s[i + word.len()..].trim_start().starts_with('=')
    })
}

fn first_string(s: &str) -> Option<String> {
    let c = STRING.captures(s.trim_start().as_bytes())?;
    let m = c.get(1).or(c.get(2)).or(c.get(3))?;
    (c.get(0)?.start() == 0 || s.trim_start().starts_with('f')).then(|| st(m.as_bytes()).to_string())
}

/// Regex matches on ASCII boundaries of `str` text are `str` again.
fn st(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, text: &str, files: &[(&str, &str)]) -> Output {
        let mut repo = RepoIndex::default();
        for (p, t) in files {
            repo.paths.insert(p.to_string());
            repo.texts.insert(p.to_string(), t.to_string());
        }
        repo.paths.insert(path.to_string());
        repo.texts.insert(path.to_string(), text.to_string());
        let mut out = Output::default();
        CdkPipeline.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out
    }

    fn kinds<'a>(out: &'a Output, kind: &str) -> Vec<&'a Evidence> {
        out.evidence.iter().filter(|(e, _)| e.kind == kind).map(|(e, _)| e).collect()
    }

    const PY: &str = "from aws_cdk import aws_codepipeline as cp, aws_codepipeline_actions as act, aws_codebuild as cb\nfrom aws_cdk import aws_events as events, aws_events_targets as targets\n\nproj = cb.PipelineProject(self, 'B', build_spec=cb.BuildSpec.from_source_filename('ops/build.yml'))\np = cp.Pipeline(self, 'Rel')\np.add_stage(stage_name='Source', actions=[act.CodeCommitSourceAction(action_name='s', repository=r, output=o, trigger=act.CodeCommitTrigger.NONE)])\np.add_stage(stage_name='Build', actions=[act.CodeBuildAction(action_name='b', project=proj, input=o)])\nok = act.ManualApprovalAction(action_name='ok')\nstg = p.add_stage(stage_name='DeployQA')\nstg.add_action(act.CloudFormationCreateUpdateStackAction(action_name='d', template_path=out.at_path('svc-qa.template.json'), stack_name='x', admin_permissions=False))\np.add_stage(stage_name='Gate', actions=[ok])\np.add_stage(stage_name='DeployLive', actions=[act.CloudFormationCreateUpdateStackAction(action_name='d', template_path=out.at_path('svc-live.template.json'), stack_name='y', admin_permissions=False)])\nevents.Rule(self, 'R', event_pattern=events.EventPattern(detail_type=['SageMaker Model Package State Change']), targets=[targets.CodePipeline(p)])\n";
    const APP: &str = "import aws_cdk as cdk\nfrom svc_stack import SvcStack\napp = cdk.App()\nfor env in ['qa', 'live']:\n    SvcStack(app, f\"svc-{env}\")\n";

    /// A unit's id (after the `#`), triggers, units it runs after, commands.
    type UnitSummary = (String, Vec<String>, Vec<String>, Vec<String>);

    /// The summary of each unit.
    fn units(out: &Output) -> Vec<UnitSummary> {
        out.units
            .iter()
            .map(|u| {
                let id = u.id.rsplit('#').next().unwrap_or("").to_string();
                let after = u.after.iter().map(|a| a.rsplit('#').next().unwrap_or("").to_string()).collect();
                (id, u.triggers.iter().cloned().collect(), after, u.commands.iter().map(|c| c.argv.join(" ")).collect())
            })
            .collect()
    }

    #[test]
    fn cdk_pipelines_steps_run_their_commands_on_the_source_events() {
        let py = "from aws_cdk import Stack, pipelines\nfrom aws_cdk.pipelines import CodePipelineSource, ShellStep\n\nclass Ops(Stack):\n    def __init__(self, scope, cid):\n        super().__init__(scope, cid)\n        pipe = pipelines.CodePipeline(self, 'Ship',\n            synth=ShellStep('Synth',\n                input=CodePipelineSource.connection('acme/churn', 'main', connection_arn=ARN),\n                install_commands=['pip install -r requirements.txt'],\n                commands=['pytest -q', 'npx cdk synth']))\n        pipe.add_stage(ServeStage(self, 'Prod'), pre=[pipelines.ManualApprovalStep('Promote')],\n            post=[ShellStep('Smoke', commands=['python scripts/smoke.py'])])\n        # pipe.add_stage(ServeStage(self, 'Staging'))\n";
        let out = run("infra/ops.py", py, &[]);
        assert_eq!(
            units(&out),
            vec![
                (
                    "Ship/Synth".into(),
                    vec!["push".into()],
                    vec![],
                    vec!["pip install -r requirements.txt".into(), "pytest -q".into(), "npx cdk synth".into()]
                ),
                ("Ship/Smoke".into(), vec!["push".into()], vec!["Ship/Synth".into()], vec!["python scripts/smoke.py".into()]),
                ("Ship/deploy-Prod".into(), vec!["push".into()], vec!["Ship/Synth".into()], vec![]),
            ]
        );
        assert_eq!(kinds(&out, "run.tests").len(), 1);
        let deploy = kinds(&out, "run.deploy");
        assert!(deploy.len() == 1 && deploy[0].attrs.get("infra") == Some("yes"));
        let env = kinds(&out, "ci.environment");
        assert!(env.len() == 1 && env[0].attrs.get("approval") == Some("manual"), "{env:?}");
        // TypeScript, with the source's trigger turned off: a person starts it.
        let ts = "import { Stack } from 'aws-cdk-lib';\nimport { CodePipeline, CodePipelineSource, ShellStep } from 'aws-cdk-lib/pipelines';\nconst pipeline = new CodePipeline(this, 'Pipe', {\n  synth: new ShellStep('Build', {\n    input: CodePipelineSource.gitHub('acme/churn', 'main', { trigger: GitHubTrigger.NONE }),\n    commands: ['npm ci', 'npm test'],\n  }),\n});\n";
        let out = run("lib/pipe.ts", ts, &[]);
        assert_eq!(units(&out), vec![("Pipe/Build".into(), vec!["manual".into()], vec![], vec!["npm ci".into(), "npm test".into()])]);
        // An EventBridge target named CodePipeline is no CDK pipeline.
        let target = "from aws_cdk import aws_events_targets as targets, pipelines\nrule.add_target(targets.CodePipeline(pipe))\n";
        assert!(run("infra/rule.py", target, &[]).units.is_empty());
    }

    #[test]
    fn named_paths_resolve_by_their_folders() {
        let mut repo = RepoIndex::default();
        for p in ["sub/buildspec.yml", "svc/app/deploy.yml"] {
            repo.paths.insert(p.into());
        }
        assert_eq!(resolve(&repo, "infra", "app/deploy.yml").as_deref(), Some("svc/app/deploy.yml"));
        assert_eq!(resolve(&repo, "infra", "buildspec.yml").as_deref(), Some("sub/buildspec.yml"));
        // Another folder's file of that name is not it.
        assert_eq!(resolve(&repo, "infra", "app/buildspec.yml"), None);
    }

    #[test]
    fn a_bucket_source_is_an_outside_event_an_image_source_is_not() {
        let pipeline = |source: &str| {
            format!("from aws_cdk import aws_codepipeline as cp, aws_codepipeline_actions as act, aws_codebuild as cb\nproj = cb.PipelineProject(self, 'F', build_spec=cb.BuildSpec.from_source_filename('ops/fit.yml'))\np = cp.Pipeline(self, 'Refit')\np.add_stage(stage_name='In', actions=[{source}])\np.add_stage(stage_name='Fit', actions=[act.CodeBuildAction(action_name='f', project=proj, input=o)])\n")
        };
        let triggers = |source: &str| {
            let out = run("infra/refit.py", &pipeline(source), &[("ops/fit.yml", "version: 0.2\n")]);
            out.units.iter().find(|u| u.label == "Fit").unwrap().triggers.iter().cloned().collect::<Vec<_>>()
        };
        assert_eq!(
            triggers("act.S3SourceAction(action_name='b', bucket=landing, bucket_key='in/x.zip', output=o)"),
            vec!["event", "external"]
        );
        assert_eq!(triggers("act.EcrSourceAction(action_name='i', repository=images, output=o)"), vec!["external"]);
        // A bucket source whose trigger is turned off starts nothing.
        assert_eq!(
            triggers("act.S3SourceAction(action_name='b', bucket=landing, bucket_key='in/x.zip', output=o, trigger=act.S3Trigger.NONE)"),
            vec!["manual"]
        );
    }

    #[test]
    fn python_stages_templates_rules_and_environments() {
        let out = run("infra/release.py", PY, &[("ops/build.yml", "version: 0.2\n"), ("svc/app.py", APP)]);
        let ids: Vec<&str> = out.units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids.len(), 5, "{ids:?}");
        let build = &out.units[1];
        assert_eq!(build.calls[0].0, "ci:ops/build.yml#build");
        // The source trigger is off: the registry rule (an outside event) is what starts it.
        assert_eq!(build.triggers.iter().cloned().collect::<Vec<_>>(), vec!["event".to_string(), "external".to_string()]);
        let qa = out.units.iter().find(|u| u.label == "DeployQA").unwrap();
        assert_eq!(qa.calls[0].0, "file:svc/app.py");
        assert_eq!(qa.after.len(), 2);
        let envs: Vec<(String, Option<String>)> = kinds(&out, "ci.environment")
            .iter()
            .map(|e| (e.attrs["name"].to_string(), e.attrs.get("approval").map(str::to_string)))
            .collect();
        assert_eq!(envs, vec![("deploy-qa".to_string(), None), ("deploy-live".to_string(), Some("manual".to_string()))]);
        assert!(kinds(&out, "run.deploy").iter().all(|e| e.attrs["infra"] == *"yes" && e.attrs["target"] == *"cloudformation"));
    }

    #[test]
    fn typescript_stages_list_and_template_literal_stack_ids() {
        let ts = "import * as pipe from 'aws-cdk-lib/aws-codepipeline';\nimport * as a from 'aws-cdk-lib/aws-codepipeline-actions';\n// const old = new pipe.Pipeline(this, 'Old');\nconst p = new pipe.Pipeline(this, 'Ship', {\n  stages: [\n    { stageName: 'Src', actions: [new a.GitHubSourceAction({ actionName: 'gh', owner: 'o', repo: 'r', output: src, oauthToken: t })] },\n    { stageName: 'ProdRollout', actions: [new a.EcsDeployAction({ actionName: 'ecs', service: svc, input: img })] },\n  ],\n});\n";
        let out = run("infra/lib/ship-stack.ts", ts, &[]);
        assert_eq!(out.units.len(), 2);
        assert!(out.units[0].triggers.contains("push"));
        let deploy = kinds(&out, "run.deploy");
        assert_eq!(deploy.len(), 1);
        assert_eq!(deploy[0].attrs["target"], *"ecs");
        assert!(!deploy[0].attrs.contains_key("infra"));
        assert_eq!(kinds(&out, "ci.environment")[0].attrs["name"], *"prod-rollout");
        // A stack id written as a template literal matches the synthesised template name.
        let mut repo = RepoIndex::default();
        let bin = "import { App } from 'aws-cdk-lib';\nconst app = new App();\nnew ApiStack(app, `api-${stage}-eu`);\n";
        repo.paths.insert("bin/app.ts".into());
        repo.texts.insert("bin/app.ts".into(), bin.into());
        assert_eq!(template_files(&repo, "api-beta-eu.template.json", "infra"), vec!["bin/app.ts".to_string()]);
        assert!(template_files(&repo, "web-beta.template.json", "infra").is_empty());
    }

    #[test]
    fn comments_other_pipelines_and_plain_stage_names_are_not_evidence() {
        // Commented out, or not the CDK: nothing.
        let commented =
            "from aws_cdk import aws_codepipeline as cp\n# p = cp.Pipeline(self, 'P')\n# p.add_stage(stage_name='DeployProd')\n";
        assert!(run("infra/a.py", commented, &[]).units.is_empty());
        let ts = "import * as cp from 'aws-cdk-lib/aws-codepipeline';\n/* const p = new cp.Pipeline(this, 'P');\n p.addStage({ stageName: 'Prod' }); */\n";
        assert!(run("lib/a.ts", ts, &[]).units.is_empty());
        // A SageMaker pipeline is not a CodePipeline.
        let sm = "import aws_cdk\nfrom aws_cdk import aws_codepipeline\nfrom sagemaker.workflow.pipeline import Pipeline\np = Pipeline(name='train', steps=[])\n";
        assert!(run("infra/b.py", sm, &[]).units.is_empty());
        // Stages not named for an environment, and a source whose trigger is off with no rule: manual, no environment.
        let plain = "from aws_cdk import aws_codepipeline as cp, aws_codepipeline_actions as act\np = cp.Pipeline(self, 'P')\np.add_stage(stage_name='Source', actions=[act.S3SourceAction(action_name='s', bucket=b, bucket_key='k', output=o, trigger=act.S3Trigger.NONE)])\np.add_stage(stage_name='Deploy', actions=[act.S3DeployAction(action_name='d', bucket=b, input=o)])\n";
        let out = run("infra/c.py", plain, &[]);
        assert!(out.units.iter().all(|u| u.triggers.iter().eq(["manual"].iter())));
        assert!(kinds(&out, "ci.environment").is_empty());
        assert_eq!(kinds(&out, "run.deploy").len(), 1);
    }

    #[test]
    fn stage_names_split_into_words() {
        assert_eq!(words("DeployStaging"), "deploy-staging");
        assert_eq!(words("PRDDeploy"), "prd-deploy");
        assert_eq!(words("deploy_QA2"), "deploy-qa2");
    }
}
