//! Google Cloud Build: `cloudbuild*.yaml` / `cloudbuild*.json` build configs,
//! configs in a `cloudbuild/` folder, and any other YAML file shaped like a
//! build config (`gcloud builds submit --config ci/deploy.yaml` and triggers
//! accept any path): only the build resource's own top-level keys, and steps
//! made only of step keys whose `name` is a container image.
//!
//! Each step runs its builder (`gcr.io/cloud-builders/docker` -> `docker`,
//! the Cloud SDK image -> `gcloud`) with `args`, or its `entrypoint`, or a
//! `script`; `images:` are pushed (a release artifact). What starts the build
//! is declared outside the file: a `google_cloudbuild_trigger` in Terraform or
//! a `gcloud builds triggers create` in the repository gives its triggers;
//! otherwise the trigger is `unknown` (RUBRIC: partial). A config submitted by
//! `gcloud builds submit --config` from another pipeline is reached by the
//! linker through that command.

use super::{add_argv, add_shell, ci_job, emit_pipeline, iac, unparsable, TriggerSpec};
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output};
use std::collections::BTreeSet;

/// The Cloud Build detector.
pub struct CloudBuild;

const NAME: &str = "cloud-build";

/// The top-level fields of a Cloud Build build resource.
const BUILD_KEYS: &[&str] = &[
    "steps",
    "timeout",
    "queueTtl",
    "logsBucket",
    "options",
    "substitutions",
    "tags",
    "serviceAccount",
    "secrets",
    "availableSecrets",
    "artifacts",
    "images",
    "source",
    "dependencies",
];

/// The fields of a Cloud Build step.
const STEP_KEYS: &[&str] = &[
    "name",
    "args",
    "env",
    "dir",
    "id",
    "waitFor",
    "entrypoint",
    "secretEnv",
    "volumes",
    "timeout",
    "script",
    "allowFailure",
    "allowExitCodes",
    "automapSubstitutions",
];

/// Named or placed like a Cloud Build config (`cloudbuild*.yaml`, a `cloudbuild/` folder).
fn named_as_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let config = name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
    let in_folder = || {
        path.split('/').rev().skip(1).any(|d| {
            let d = d.trim_start_matches('.');
            ["cloudbuild", "cloud-build", "cloud_build"].iter().any(|w| d.eq_ignore_ascii_case(w))
        })
    };
    config && (name.starts_with("cloudbuild") || in_folder())
}

/// A document that can only be a Cloud Build config: nothing but build
/// fields at the top, steps made only of step fields with a `name`, at least
/// one step running something, and at least one step image written as an
/// image (`gcr.io/cloud-builders/docker`, `python:3.11`, `$_RUNNER_IMAGE`).
fn shaped_like_build(doc: &Node) -> bool {
    if !doc.is_map() || !doc.entries().iter().all(|(k, _)| k.as_str().is_some_and(|k| BUILD_KEYS.contains(&k))) {
        return false;
    }
    let steps = doc.get("steps").map(Node::items).unwrap_or_default();
    let step_ok = |s: &Node| {
        s.is_map()
            && s.get("name").and_then(Node::as_str).is_some()
            && s.entries().iter().all(|(k, _)| k.as_str().is_some_and(|k| STEP_KEYS.contains(&k)))
    };
    let runs = |s: &Node| ["args", "entrypoint", "script"].iter().any(|k| s.get(k).is_some());
    let image = |s: &Node| s.get("name").and_then(Node::as_str).is_some_and(|n| n.contains(['/', ':', '$']));
    !steps.is_empty() && steps.iter().all(step_ok) && steps.iter().any(runs) && steps.iter().any(image)
}

impl Detector for CloudBuild {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["steps"]
    }
    fn unscreened(&self, path: &str) -> bool {
        named_as_config(path)
    }
    fn applies(&self, path: &str) -> bool {
        named_as_config(path) || (super::is_yaml(path) && !path.starts_with(".github/"))
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let named = named_as_config(f.path);
        // Other YAML files are read only when they have a top-level `steps:`.
        if !(named || f.text.starts_with("steps:") || f.text.contains("\nsteps:")) {
            return;
        }
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) if named => return unparsable(out, f.path, "cloud-build", NAME, &e),
            Err(_) => return,
        };
        if !named && !shaped_like_build(&doc) {
            return;
        }
        let Some(steps) = doc.get("steps") else { return };
        let declared = iac::declared_triggers(f.repo, "cloud-build", f.path);
        let specs: Vec<TriggerSpec> =
            if declared.is_empty() { vec![("unknown", 1, false)] } else { declared.iter().map(|(t, _, _)| (*t, 1, false)).collect() };
        let triggers = emit_pipeline(out, f.path, "cloud-build", NAME, &specs, "Cloud Build config");
        // The file is also what `gcloud builds submit --config` starts.
        let mut u = ci_job(f.path, "build", 1, doc.last_line(), &triggers);
        u.root = !declared.is_empty() || triggers.contains("unknown");
        let mut whole = crate::Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
        whole.calls.push((u.id.clone(), Location::line(f.path, 1)));
        for s in steps.items() {
            let builder = s.get("name").and_then(Node::as_str).unwrap_or("");
            let wd = s.get("dir").and_then(Node::as_str).unwrap_or("");
            if let Some(script) = s.get("script") {
                if let Some(t) = script.as_str() {
                    add_shell(&mut u, out, NAME, f.path, t, script.line, wd);
                }
                continue;
            }
            let args: Vec<String> = s.get("args").map(|a| a.strings().into_iter().map(str::to_string).collect()).unwrap_or_default();
            let base = builder.rsplit('/').next().unwrap_or(builder).split(':').next().unwrap_or("");
            let tool = match s.get("entrypoint").and_then(Node::as_str) {
                Some(e) => Some(e.to_string()),
                None if builder.contains("cloud-builders") => Some(base.to_string()),
                None if builder.contains("cloud-sdk") => Some("gcloud".into()),
                None => None,
            };
            // `entrypoint: /usr/bin/env bash` is two words.
            let mut argv: Vec<String> = tool.map(|t| t.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
            argv.extend(args);
            if argv.is_empty() {
                continue;
            }
            let line = s.get("args").map(|a| a.line).unwrap_or(s.line);
            add_argv(&mut u, out, NAME, f.path, argv, line, wd);
        }
        if let Some(images) = doc.get("images") {
            if !images.items().is_empty() {
                out.push_in(
                    Evidence::new(
                        "run.publish",
                        NAME,
                        Location::line(f.path, images.line),
                        Confidence::High,
                        "images: pushed by Cloud Build",
                    )
                    .attr("what", "container-image"),
                    &u.id,
                );
            }
        }
        let _: BTreeSet<String> = BTreeSet::new();
        out.units.push(u);
        out.units.push(whole);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn steps_and_unknown_trigger() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "steps:\n  - name: python:3.11\n    entrypoint: bash\n    args: ['-c', 'pip install -r requirements.txt && pytest']\n  - name: gcr.io/cloud-builders/docker\n    args: ['push', 'gcr.io/p/img']\nimages: ['gcr.io/p/img']\n";
        CloudBuild.detect(&FileCtx { path: "cloudbuild.yaml", text, repo: &repo }, &mut out);
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "ci.trigger" && e.attrs["trigger"] == *"unknown"));
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "run.publish"));
    }

    #[test]
    fn configs_in_a_cloudbuild_folder_and_absolute_shells() {
        assert!(CloudBuild.applies("cloudbuild/pr-checks.yaml") && CloudBuild.applies("ci/.cloud-build/train.yml"));
        assert!(!named_as_config("deploy/pr-checks.yaml") && !CloudBuild.applies("cloudbuild/README.md"));
        let repo = RepoIndex::default();
        for shell in ["/bin/sh", "/bin/bash", "/usr/bin/env bash"] {
            let mut out = Output::default();
            let text = format!("steps:\n  - name: python:3.12\n    entrypoint: {shell}\n    args: [-c, 'pip install -r requirements.txt && pytest tests']\n");
            CloudBuild.detect(&FileCtx { path: "cloudbuild/pr-checks.yaml", text: &text, repo: &repo }, &mut out);
            assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1, "{shell}");
        }
    }

    #[test]
    fn files_without_steps_and_comments_are_not_evidence() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        CloudBuild.detect(
            &FileCtx {
                path: "cloudbuild.yaml",
                text: "substitutions:\n  _X: y\n# steps:\n#   - name: python\n#     args: [pytest]\n",
                repo: &repo,
            },
            &mut out,
        );
        assert!(out.evidence.is_empty() && out.units.is_empty());
    }

    #[test]
    fn build_configs_found_by_shape_under_any_name() {
        let repo = RepoIndex::default();
        let run = |path: &str, text: &str| {
            let mut out = Output::default();
            assert!(CloudBuild.applies(path));
            CloudBuild.detect(&FileCtx { path, text, repo: &repo }, &mut out);
            out
        };
        let text = "steps:\n- name: gcr.io/cloud-builders/git\n  args: [clone, $_REPO]\n- name: $_RUNNER\n  entrypoint: pytest\n  args: [unit/check_api.py]\n  dir: checkout\n  waitFor: ['-']\ntimeout: 600s\n";
        let out = run("ci/verify.yaml", text);
        assert!(out.evidence.iter().any(|(e, _)| e.kind == "ci.trigger" && e.attrs["trigger"] == *"unknown"));
        assert_eq!(out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn other_step_lists_are_not_build_configs() {
        let repo = RepoIndex::default();
        for text in [
            // Azure Pipelines steps (names are identifiers, not images).
            "steps:\n- script: pytest\n  name: unit\n",
            // Drone / Woodpecker steps carry `image:`.
            "kind: pipeline\nsteps:\n- name: test\n  image: python:3.11\n  commands: [pytest]\n",
            "steps:\n- name: test\n  image: python:3.11\n  commands: [pytest]\n",
            // A recipe whose steps describe something else.
            "title: setup\nsteps:\n- name: python:3.11\n  args: [pytest]\n",
            // Commented out.
            "# steps:\n# - name: python:3.11\n#   entrypoint: pytest\n",
        ] {
            let mut out = Output::default();
            CloudBuild.detect(&FileCtx { path: "ci/steps.yaml", text, repo: &repo }, &mut out);
            assert!(out.evidence.is_empty() && out.units.is_empty(), "{text}");
        }
        assert!(!CloudBuild.applies(".github/workflows/ci.yml"));
    }
}
