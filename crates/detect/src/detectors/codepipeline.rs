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
            [crate::paths::join(dir, p), p.to_string()].into_iter().find(|c| f.repo.exists(c)).or_else(|| {
                let name = p.rsplit('/').next().unwrap_or(p);
                let hits = f.repo.files_named(name);
                (hits.len() == 1).then(|| hits[0].to_string())
            })
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
                        ("Invoke", "Lambda") => {}
                        _ => {}
                    }
                }
                out.units.push(u);
            }
        }
    }
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
