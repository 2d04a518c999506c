//! AWS CodePipeline pipelines declared in CloudFormation / SAM templates
//! (YAML or JSON): the source that starts them, and what each stage runs —
//! CodeBuild projects (their buildspec), CloudFormation stack deploys (their
//! template), ECS / Lambda / CodeDeploy deployments, manual approvals.
//!
//! Emits `ci.pipeline`, `ci.trigger` (a CodeCommit / GitHub / CodeStar
//! connection source is push; an S3 or ECR source is external), `run.deploy`
//! for deploy actions, and one root unit per stage calling the buildspec or
//! template it runs, so stages named for environments show promotion.

use super::{emit_pipeline, is_yaml};
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The CodePipeline detector.
pub struct CodePipeline;

const NAME: &str = "codepipeline";

impl Detector for CodePipeline {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["AWS::CodePipeline::Pipeline"]
    }
    fn applies(&self, path: &str) -> bool {
        if is_yaml(path) {
            return true;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let ends = |ext: &str| name.len() >= ext.len() && name.as_bytes()[name.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes());
        if !(ends(".json") || ends(".template")) {
            return false;
        }
        let name = name.to_ascii_lowercase();
        ["template", "pipeline", "stack", "cfn", "cloudformation"].iter().any(|w| name.contains(w))
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if !f.text.contains("AWS::CodePipeline::Pipeline") {
            return;
        }
        let Ok(doc) = yaml::parse(f.text) else { return };
        let Some(resources) = doc.get("Resources") else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let resolve = |p: &str| -> Option<String> {
            let p = p.rsplit("::").next().unwrap_or(p).trim_start_matches("./");
            // Or the one file whose path ends with it (the source may be a
            // folder of the repository). A bare file name elsewhere is not it:
            // `app/buildspec.yml` is not `sub/buildspec.yml`.
            [crate::paths::join(dir, p), p.to_string()]
                .into_iter()
                .find(|c| f.repo.exists(c))
                .or_else(|| f.repo.unique_file_ending(p).map(str::to_string))
        };
        for (rk, res) in resources.entries() {
            if res.get("Type").and_then(Node::as_str) != Some("AWS::CodePipeline::Pipeline") {
                continue;
            }
            let pname = rk.as_str().unwrap_or("pipeline");
            let stages = res.path(&["Properties", "Stages"]).map(Node::items).unwrap_or_default();
            let action_type = |a: &Node, k: &str| a.path(&["ActionTypeId", k]).and_then(Node::as_str).unwrap_or("").to_string();
            // The source decides what starts the pipeline.
            let mut specs: Vec<super::TriggerSpec> = Vec::new();
            for st in stages {
                for a in st.get("Actions").map(Node::items).unwrap_or_default() {
                    if action_type(a, "Category") == "Source" {
                        match action_type(a, "Provider").as_str() {
                            "CodeCommit" | "GitHub" | "CodeStarSourceConnection" | "Bitbucket" | "GitLab" => {
                                specs.push(("push", a.line, false))
                            }
                            // New data (an object in a bucket) starts the pipeline.
                            "S3" => super::push_event_trigger(&mut specs, a.line),
                            _ => specs.push(("external", a.line, false)),
                        }
                    }
                }
            }
            if specs.is_empty() {
                specs.push(("manual", res.line, false));
            }
            specs.sort();
            specs.dedup_by(|a, b| a.0 == b.0);
            let triggers = emit_pipeline(out, f.path, "codepipeline", NAME, &specs, &format!("CodePipeline {pname}"));
            for st in stages {
                let sname = st.get("Name").and_then(Node::as_str).unwrap_or("stage");
                let mut u = Unit::new(format!("ci:{}#{pname}/{sname}", f.path), Location::new(f.path, st.line, st.last_line()), sname);
                u.root = true;
                u.triggers = triggers.clone();
                for a in st.get("Actions").map(Node::items).unwrap_or_default() {
                    let cfg = a.get("Configuration");
                    let conf = |k: &str| cfg.and_then(|c| c.get(k)).and_then(Node::as_str).map(str::to_string);
                    match (action_type(a, "Category").as_str(), action_type(a, "Provider").as_str()) {
                        ("Build" | "Test", "CodeBuild") => {
                            // The project's buildspec (or the default buildspec.yml).
                            let project = conf("ProjectName").unwrap_or_default();
                            let spec = resources
                                .get(&project)
                                .and_then(|p| p.path(&["Properties", "Source", "BuildSpec"]))
                                .and_then(Node::as_str)
                                .filter(|s| !s.contains('\n'))
                                .unwrap_or("buildspec.yml");
                            if let Some(p) = resolve(spec) {
                                u.calls.push((format!("ci:{p}#build"), Location::line(f.path, a.line)));
                            }
                        }
                        ("Deploy", provider) => {
                            let target = match provider {
                                "CloudFormation" | "CloudFormationStackSet" => "cloudformation",
                                "ECS" | "CodeDeployToECS" => "ecs",
                                "CodeDeploy" => "codedeploy",
                                "ElasticBeanstalk" => "elastic-beanstalk",
                                other => other,
                            };
                            let mut e = Evidence::new(
                                "run.deploy",
                                NAME,
                                Location::line(f.path, a.line),
                                Confidence::High,
                                &format!("{sname}: deploy via {provider}"),
                            )
                            .attr("target", target);
                            if target == "cloudformation" {
                                e = e.attr("infra", "yes");
                                if let Some(p) = conf("TemplatePath").and_then(|t| resolve(&t)) {
                                    u.calls.push((format!("file:{p}"), Location::line(f.path, a.line)));
                                }
                            }
                            out.push_in(e, &u.id);
                        }
                        // A Lambda action runs the function's handler module.
                        ("Invoke", "Lambda") => {
                            let names = cfg.and_then(|c| c.get("FunctionName")).map(function_names).unwrap_or_default();
                            if let Some(p) = names.iter().find_map(|n| lambda_handler_file(resources, n, dir, f)) {
                                u.calls.push((format!("file:{p}"), Location::line(f.path, a.line)));
                            }
                        }
                        _ => {}
                    }
                }
                out.units.push(u);
            }
        }
    }
}

/// The literal text of a CloudFormation name: a scalar (`!Ref X` is `X`),
/// or the literal parts of `Fn::Join` / `Fn::Sub` (references dropped).
fn literal_name(n: &Node) -> String {
    if let Some(s) = n.as_str() {
        return s.to_string();
    }
    if let Some(parts) = n.get("Fn::Join").and_then(|j| j.items().get(1)) {
        return parts.items().iter().filter_map(Node::as_str).collect();
    }
    if let Some(sub) = n.get("Fn::Sub").and_then(|s| s.as_str().or_else(|| s.items().first().and_then(Node::as_str))) {
        let mut out = String::new();
        let mut rest = sub;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            rest = rest[at..].find('}').map_or("", |e| &rest[at + e + 1..]);
        }
        out.push_str(rest);
        return out;
    }
    String::new()
}

/// The module file of the Lambda function a pipeline action names: a
/// function resource of the template (by logical id or `FunctionName`),
/// its `Handler` module under its `CodeUri`; else the one `.py` file named
/// like the function (`Train-Model-<id>` -> `Train-Model.py`).
fn lambda_handler_file(resources: &Node, name: &str, dir: &str, f: &FileCtx<'_>) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let is_fn = |r: &Node| matches!(r.get("Type").and_then(Node::as_str), Some("AWS::Lambda::Function" | "AWS::Serverless::Function"));
    let res = resources.get(name).filter(|r| is_fn(r)).or_else(|| {
        resources
            .entries()
            .iter()
            .map(|(_, r)| r)
            .find(|r| is_fn(r) && r.path(&["Properties", "FunctionName"]).map(literal_name).as_deref() == Some(name))
    });
    if let Some(r) = res {
        let handler = r.path(&["Properties", "Handler"]).and_then(Node::as_str)?;
        let module = handler.rsplit_once('.').map_or(handler, |(m, _)| m).replace('.', "/");
        let code = r.path(&["Properties", "CodeUri"]).and_then(Node::as_str).unwrap_or("");
        let file = format!("{module}.py");
        return [crate::paths::join(dir, &crate::paths::join(code, &file)), crate::paths::join(code, &file)]
            .into_iter()
            .find(|c| f.repo.exists(c))
            .or_else(|| f.repo.unique_file_ending(&file).map(str::to_string));
    }
    let stem = name.trim_end_matches(['-', '_']);
    f.repo.unique_file_ending(&format!("{stem}.py")).map(str::to_string)
}

/// Names a Lambda action's `FunctionName` may stand for: its literal text,
/// and for `Fn::Join` its first part (a `!Ref` in the list reads as text).
fn function_names(n: &Node) -> Vec<String> {
    let mut names = vec![literal_name(n)];
    if let Some(first) = n.get("Fn::Join").and_then(|j| j.items().get(1)).and_then(|p| p.items().first()).and_then(Node::as_str) {
        names.push(first.to_string());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn source_build_and_deploy_stages() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("model/buildspec.yml".into());
        repo.paths.insert("deploy-model-prd.yml".into());
        let text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  BuildProject:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      Source:\n        Type: CODEPIPELINE\n        BuildSpec: model/buildspec.yml\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      Stages:\n        - Name: Source\n          Actions:\n            - Name: Git\n              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: '1'}\n        - Name: Build\n          Actions:\n            - Name: Build\n              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: '1'}\n              Configuration:\n                ProjectName: !Ref BuildProject\n        - Name: DeployPrd\n          Actions:\n            - Name: Deploy\n              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: '1'}\n              Configuration:\n                TemplatePath: BuildOutput::deploy-model-prd.yml\n";
        let mut out = Output::default();
        CodePipeline.detect(&FileCtx { path: "pipeline.yml", text, repo: &repo }, &mut out);
        let build = out.units.iter().find(|u| u.id == "ci:pipeline.yml#Pipeline/Build").unwrap();
        assert!(build.root && build.triggers.contains("push"));
        assert_eq!(build.calls[0].0, "ci:model/buildspec.yml#build");
        let deploy = out.units.iter().find(|u| u.id.ends_with("/DeployPrd")).unwrap();
        assert_eq!(deploy.calls[0].0, "file:deploy-model-prd.yml");
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "run.deploy" && e.attrs["target"] == *"cloudformation"));
    }

    #[test]
    fn a_buildspec_path_is_matched_by_its_folders_not_its_file_name() {
        let calls = |spec: &str, files: &[&str]| {
            let mut repo = RepoIndex::default();
            for p in files {
                repo.paths.insert((*p).into());
            }
            let text = format!("Resources:\n  B:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      Source:\n        BuildSpec: {spec}\n  P:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      Stages:\n        - Name: Src\n          Actions:\n            - Name: Git\n              ActionTypeId: {{Category: Source, Owner: AWS, Provider: CodeCommit, Version: '1'}}\n        - Name: Build\n          Actions:\n            - Name: Build\n              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: '1'}}\n              Configuration:\n                ProjectName: !Ref B\n");
            let mut out = Output::default();
            CodePipeline.detect(&FileCtx { path: "infra/pipeline.yml", text: &text, repo: &repo }, &mut out);
            out.units.iter().find(|u| u.id.ends_with("/Build")).unwrap().calls.iter().map(|c| c.0.clone()).collect::<Vec<_>>()
        };
        // The source is a folder of the repository: its path still ends the same.
        assert_eq!(calls("model/buildspec.yml", &["svc/model/buildspec.yml"]), vec!["ci:svc/model/buildspec.yml#build"]);
        // A missing buildspec lends nothing to another folder's file of that name.
        assert!(calls("app/buildspec.yml", &["sub/buildspec.yml"]).is_empty());
        assert!(calls("buildspec.yml", &["a/buildspec.yml", "b/buildspec.yml"]).is_empty());
    }

    #[test]
    fn lambda_actions_run_their_handler_module() {
        let mut repo = RepoIndex::default();
        for p in ["lambdas/train/app.py", "lambda-code/Deploy-Model.py", "other/app.py"] {
            repo.paths.insert(p.into());
        }
        let text = "Resources:\n  TrainFn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: lambdas/train/\n      Handler: app.handler\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      Stages:\n        - Name: Source\n          Actions:\n            - Name: Git\n              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: '1'}\n        - Name: Train\n          Actions:\n            - Name: Train\n              ActionTypeId: {Category: Invoke, Owner: AWS, Provider: Lambda, Version: '1'}\n              Configuration:\n                FunctionName: !Ref TrainFn\n        - Name: Deploy\n          Actions:\n            - Name: Deploy\n              ActionTypeId: {Category: Invoke, Owner: AWS, Provider: Lambda, Version: '1'}\n              Configuration:\n                FunctionName:\n                  Fn::Join: ['', ['Deploy-Model-', !Ref Suffix]]\n            - Name: Unknown\n              ActionTypeId: {Category: Invoke, Owner: AWS, Provider: Lambda, Version: '1'}\n              Configuration:\n                FunctionName: !Sub 'notify-${Env}'\n";
        let mut out = Output::default();
        CodePipeline.detect(&FileCtx { path: "pipeline.yml", text, repo: &repo }, &mut out);
        let calls =
            |stage: &str| out.units.iter().find(|u| u.id.ends_with(stage)).unwrap().calls.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
        assert_eq!(calls("/Train"), vec!["file:lambdas/train/app.py"]);
        // Named like its file; a function nothing names reaches nothing.
        assert_eq!(calls("/Deploy"), vec!["file:lambda-code/Deploy-Model.py"]);
    }

    #[test]
    fn a_bucket_source_is_an_outside_event() {
        let triggers = |provider: &str| {
            let mut repo = RepoIndex::default();
            repo.paths.insert("fit/buildspec.yml".into());
            let text = format!("Resources:\n  Fit:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      Source:\n        Type: CODEPIPELINE\n        BuildSpec: fit/buildspec.yml\n  Refit:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      Stages:\n        - Name: In\n          Actions:\n            - Name: Batch\n              ActionTypeId: {{Category: Source, Owner: AWS, Provider: {provider}, Version: '1'}}\n        - Name: Fit\n          Actions:\n            - Name: Fit\n              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: '1'}}\n              Configuration:\n                ProjectName: !Ref Fit\n");
            let mut out = Output::default();
            CodePipeline.detect(&FileCtx { path: "refit.yml", text: &text, repo: &repo }, &mut out);
            out.units.iter().find(|u| u.id.ends_with("/Fit")).unwrap().triggers.iter().cloned().collect::<Vec<_>>()
        };
        assert_eq!(triggers("S3"), vec!["event", "external"]);
        assert_eq!(triggers("CodeCommit"), vec!["push"]);
        assert_eq!(triggers("ECR"), vec!["external"]);
    }

    #[test]
    fn templates_without_pipelines_are_ignored() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CodePipeline.detect(
            &FileCtx {
                path: "t.yml",
                text: "Resources:\n  B:\n    Type: AWS::S3::Bucket\n# Type: AWS::CodePipeline::Pipeline\n",
                repo: &repo,
            },
            &mut out,
        );
        assert!(out.evidence.is_empty() && out.units.is_empty());
    }
}
