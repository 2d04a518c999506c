//! AWS CodeBuild: `buildspec*.yml` phases and their commands. What starts
//! the build lives in CodePipeline / CodeBuild webhooks; when the repository
//! declares one (CloudFormation, Terraform, CDK) the build runs on push,
//! otherwise its trigger is `unknown` (RUBRIC: partial).
//!
//! A project can name its buildspec anything (`buildSpec:
//! BuildSpec.fromSourceFilename('ci/train.yml')` in CDK, `BuildSpec:` in
//! CloudFormation, `buildspec =` in Terraform), so a YAML file not named
//! `buildspec*` is read as one when its shape is a buildspec's: a top-level
//! `version: 0.x` and `phases:` whose phases hold `commands`.

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
    fn screen(&self) -> &'static [&'static str] {
        &["phases"]
    }
    fn unscreened(&self, path: &str) -> bool {
        is_named_buildspec(path)
    }
    fn applies(&self, path: &str) -> bool {
        path.ends_with(".yml") || path.ends_with(".yaml")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let named = is_named_buildspec(f.path);
        let shaped = f.text.contains("phases:") && f.text.contains("version:");
        if !(named || shaped) {
            return;
        }
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) if named => return unparsable(out, f.path, "codebuild", NAME, &e),
            Err(_) => return,
        };
        let Some(phases) = doc.get("phases") else { return };
        if !named && !is_buildspec_shape(&doc) {
            return;
        }
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

/// True for a file named like a buildspec (`buildspec*.yml`).
fn is_named_buildspec(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("buildspec") && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

/// A buildspec's shape: `version: 0.1|0.2` at the top and at least one
/// phase with `commands`.
fn is_buildspec_shape(doc: &yaml::Node) -> bool {
    let version_ok = doc.get("version").and_then(yaml::Node::as_str).is_some_and(|v| v.starts_with("0."));
    version_ok && doc.get("phases").is_some_and(|p| p.entries().iter().any(|(_, ph)| ph.get("commands").is_some()))
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

    #[test]
    fn buildspec_named_otherwise_is_read_by_shape() {
        let repo = RepoIndex::default();
        let text = "version: 0.2\nphases:\n  build:\n    commands:\n      - bash ci/train.sh\n";
        let mut out = Output::default();
        CodeBuild.detect(&FileCtx { path: "ci/specs/train.yml", text, repo: &repo }, &mut out);
        assert_eq!(out.units.len(), 1);
        assert_eq!(out.units[0].id, "ci:ci/specs/train.yml#build");
        // Other YAML with phases (no 0.x version, or no commands) is not a buildspec.
        for text in [
            "version: 1\nphases:\n  build:\n    commands:\n      - make\n",
            "version: 0.2\nphases:\n  - name: warmup\n",
            "# version: 0.2\n# phases:\nsteps: []\n",
        ] {
            let mut out = Output::default();
            CodeBuild.detect(&FileCtx { path: "config/phases.yml", text, repo: &repo }, &mut out);
            assert!(out.units.is_empty() && out.evidence.is_empty(), "{text}");
        }
    }
}
