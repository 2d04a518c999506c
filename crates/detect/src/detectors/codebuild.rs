//! AWS CodeBuild: `buildspec*.yml` phases and their commands. What starts
//! the build lives in CodePipeline / CodeBuild webhooks; when the repository
//! declares one (CloudFormation, Terraform, CDK) the build runs on push,
//! otherwise its trigger is `unknown` (RUBRIC: partial).

use super::{add_shell_node_in, ci_job, emit_pipeline, iac, unparsable, TriggerSpec};
use crate::yaml;
use crate::{Detector, FileCtx, Output};

/// The CodeBuild detector.
pub struct CodeBuild;

const NAME: &str = "codebuild";

impl Detector for CodeBuild {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.starts_with("buildspec") && (name.ends_with(".yml") || name.ends_with(".yaml"))
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => return unparsable(out, f.path, "codebuild", NAME, &e),
        };
        let Some(phases) = doc.get("phases") else { return };
        let declared = iac::declared_triggers(f.repo, "codebuild", f.path);
        let specs: Vec<TriggerSpec> =
            if declared.is_empty() { vec![("unknown", 1, false)] } else { declared.iter().map(|(t, _, _)| (*t, 1, false)).collect() };
        let triggers = emit_pipeline(out, f.path, "codebuild", NAME, &specs, "CodeBuild buildspec");
        let mut u = ci_job(f.path, "build", 1, doc.last_line(), &triggers);
        for (_, ph) in phases.entries() {
            if let Some(cmds) = ph.get("commands") {
                add_shell_node_in(&mut u, out, NAME, f.path, cmds, "", Some(f.repo));
            }
        }
        out.units.push(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn phases_and_declared_pipeline() {
        let repo = RepoIndex::default();
        let text = "version: 0.2\nphases:\n  install:\n    commands:\n      - pip install -r requirements.txt\n  build:\n    commands:\n      - pytest\n      # - python run_pipeline.py\n";
        let mut out = Output::default();
        CodeBuild.detect(&FileCtx { path: "buildspec.yml", text, repo: &repo }, &mut out);
        assert!(out.units[0].triggers.contains("unknown"));
        assert_eq!(out.units[0].commands.len(), 2);
        let mut repo = RepoIndex::default();
        repo.texts.insert("infra/pipeline.yaml".into(), "Resources:\n  P:\n    Type: AWS::CodePipeline::Pipeline\n".into());
        let mut out = Output::default();
        CodeBuild.detect(&FileCtx { path: "buildspec.yml", text, repo: &repo }, &mut out);
        assert!(out.units[0].triggers.contains("push"));
    }
}
