//! Mage pipelines: `<project>/pipelines/<uuid>/metadata.yaml` lists the
//! pipeline's blocks, each a module of the project by its type and uuid
//! (`data_loader` `load_sales` is `data_loaders/load_sales.py`), and
//! `triggers.yaml` beside it declares the schedules and events that start
//! it. A block calling `trigger_pipeline("<uuid>")` starts another pipeline
//! (read by the Python detector, [`pipeline_unit`]).

use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The Mage pipeline detector.
pub struct Mage;

const NAME: &str = "mage";

impl Detector for Mage {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        pipeline_file(path).is_some()
    }
    fn screen(&self) -> &'static [&'static str] {
        &["blocks", "schedule_type"]
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Some((project, uuid, file)) = pipeline_file(f.path) else { return };
        let Ok(doc) = yaml::parse(f.text) else { return };
        if file == "metadata" {
            blocks(f, &doc, project, uuid, out);
        } else {
            triggers(f, &doc, project, uuid, out);
        }
    }
}

/// `(project, pipeline uuid, "metadata" | "triggers")` of a Mage pipeline
/// file: `<project>/pipelines/<uuid>/metadata.yaml` or `triggers.yaml`.
fn pipeline_file(path: &str) -> Option<(&str, &str, &str)> {
    let (dir, name) = path.rsplit_once('/')?;
    let file = name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml")).filter(|n| matches!(*n, "metadata" | "triggers"))?;
    let (parent, uuid) = dir.rsplit_once('/')?;
    let project = match parent.rsplit_once('/') {
        Some((p, "pipelines")) => p,
        None if parent == "pipelines" => "",
        _ => return None,
    };
    Some((project, uuid, file))
}

/// The unit id of the pipeline `uuid` of the Mage project at `project`.
pub fn pipeline_unit(project: &str, uuid: &str) -> String {
    format!("mage:{}", join(project, &format!("pipelines/{uuid}")))
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// The folder of a block type's modules.
fn block_folder(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "data_loader" => "data_loaders",
        "transformer" => "transformers",
        "data_exporter" => "data_exporters",
        "custom" => "custom",
        "sensor" => "sensors",
        "callback" => "callbacks",
        "conditional" => "conditionals",
        "extension" => "extensions",
        "scratchpad" => "scratchpads",
        _ => return None,
    })
}

/// The pipeline's unit: it runs its Python blocks. A data loader is a data
/// step of the pipeline.
fn blocks(f: &FileCtx<'_>, doc: &Node, project: &str, uuid: &str, out: &mut Output) {
    let list = doc.get("blocks").map(Node::items).unwrap_or_default();
    // A Mage pipeline: blocks with a uuid and a Mage block type.
    let typed: Vec<(&Node, &str, &str)> = list
        .iter()
        .filter_map(|b| Some((b, b.get("uuid")?.as_str()?, b.get("type")?.as_str()?)))
        .filter(|(_, _, ty)| block_folder(ty).is_some() || matches!(*ty, "dbt" | "markdown" | "chart" | "global_data_product"))
        .collect();
    if typed.is_empty() {
        return;
    }
    let id = pipeline_unit(project, uuid);
    let first = doc.key("blocks").map_or(1, |k| k.line);
    let mut u = Unit::new(id.clone(), Location::line(f.path, first), uuid);
    out.push_in(
        Evidence::new("code.pipeline-def", NAME, Location::line(f.path, first), Confidence::High, &format!("Mage pipeline {uuid}"))
            .attr("tool", "mage"),
        &id,
    );
    for (b, block, ty) in typed {
        let Some(folder) = block_folder(ty) else { continue };
        let python = b.get("language").and_then(Node::as_str).is_none_or(|l| l == "python");
        // A block's file: its own path (`configuration.file_source.path`,
        // from the project's parent in multi-project layouts), or the
        // type's folder and its uuid.
        let own = b
            .path(&["configuration", "file_source", "path"])
            .or_else(|| b.path(&["configuration", "file_path"]))
            .and_then(Node::as_str)
            .map(|p| p.trim_start_matches("./"));
        let parent = project.rsplit_once('/').map_or("", |(p, _)| p);
        let candidates: Vec<String> = match own {
            Some(p) => vec![join(project, p), join(parent, p), p.to_string()],
            None if python => vec![join(project, &format!("{folder}/{block}.py"))],
            None => Vec::new(),
        };
        let Some(file) = candidates.into_iter().find(|c| c.ends_with(".py") && f.repo.exists(c)) else { continue };
        u.calls.push((format!("file:{file}"), Location::line(f.path, b.line)));
        if ty == "data_loader" {
            out.push_in(
                Evidence::new("code.data-prep", NAME, Location::line(f.path, b.line), Confidence::Medium, &format!("data_loader {block}"))
                    .attr("op", "pipeline-step"),
                &id,
            );
        }
    }
    out.units.push(u);
}

/// Active triggers start the pipeline: on a schedule (`schedule_type:
/// time`) or on an event (`event`). API triggers are started by whoever
/// calls them, which the repository does not say.
fn triggers(f: &FileCtx<'_>, doc: &Node, project: &str, uuid: &str, out: &mut Output) {
    let id = format!("mage-triggers:{}", f.path);
    let mut u = Unit::new(id.clone(), Location::line(f.path, 1), "triggers");
    for t in doc.get("triggers").map(Node::items).unwrap_or_default() {
        if t.get("status").and_then(Node::as_str) != Some("active") {
            continue;
        }
        let trigger = match t.get("schedule_type").and_then(Node::as_str) {
            Some("time") => "schedule",
            Some("event") => "external",
            _ => continue,
        };
        let target = t.get("pipeline_uuid").and_then(Node::as_str).unwrap_or(uuid);
        let name = t.get("name").and_then(Node::as_str).unwrap_or(target);
        out.push_in(
            Evidence::new("code.pipeline-def", NAME, Location::line(f.path, t.line), Confidence::High, &format!("Mage trigger {name}"))
                .attr("tool", "mage")
                .attr("trigger", trigger),
            &id,
        );
        u.root = true;
        u.triggers.insert(trigger.to_string());
        if trigger == "external" {
            u.triggers.insert(super::EVENT.to_string());
        }
        u.calls.push((pipeline_unit(project, target), Location::line(f.path, t.line)));
    }
    if u.root {
        out.units.push(u);
    }
}

/// Calls from a Mage block to the pipelines it starts
/// (`trigger_pipeline("train")`, `trigger_pipeline(pipeline_uuid="train")`):
/// the pipeline of that uuid in the nearest project above the module.
pub fn pipeline_calls(path: &str, text: &str, repo: &crate::RepoIndex) -> Vec<(String, Location)> {
    static RX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?:^|[^A-Za-z0-9_.])trigger_pipeline[ \t]*\([ \t\n]*(?:pipeline_uuid[ \t]*=[ \t]*)?["']([A-Za-z0-9_\-./]+)["']"#,
        )
        .unwrap()
    });
    if !text.contains("trigger_pipeline") || !text.contains("mage_ai") {
        return Vec::new();
    }
    let masked = crate::pylex::mask(text);
    let mut calls = Vec::new();
    for c in RX.captures_iter(&masked) {
        let (Some(whole), Some(uuid)) = (c.get(0), c.get(1)) else { continue };
        let line = masked[..whole.end()].bytes().filter(|&b| b == b'\n').count() as u32 + 1;
        let mut dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        loop {
            let meta = join(dir, &format!("pipelines/{}/metadata", uuid.as_str()));
            if repo.exists(&format!("{meta}.yaml")) || repo.exists(&format!("{meta}.yml")) {
                calls.push((pipeline_unit(dir, uuid.as_str()), Location::line(path, line)));
                break;
            }
            match dir.rsplit_once('/') {
                Some((up, _)) => dir = up,
                None if !dir.is_empty() => dir = "",
                None => break,
            }
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn pipeline_files_are_found_under_a_projects_pipelines_folder() {
        assert_eq!(pipeline_file("mlops/pipelines/train/metadata.yaml"), Some(("mlops", "train", "metadata")));
        assert_eq!(pipeline_file("pipelines/retrain/triggers.yml"), Some(("", "retrain", "triggers")));
        assert_eq!(pipeline_file("a/b/pipelines/x/metadata.yaml"), Some(("a/b", "x", "metadata")));
        for p in ["pipelines/metadata.yaml", "mlops/train/metadata.yaml", "pipelines/x/config.yaml", "pipelines/x/y/metadata.yaml"] {
            assert_eq!(pipeline_file(p), None, "{p}");
        }
    }

    #[test]
    fn blocks_resolve_to_modules_by_type_and_uuid() {
        let files = [
            "proj/data_loaders/load_sales.py",
            "proj/transformers/fit.py",
            "proj/custom/retrain/sklearn.py",
            "proj/data_exporters/to_warehouse.sql",
        ];
        let repo = RepoIndex { paths: files.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
        let mut out = Output::default();
        let text = "blocks:\n- name: load\n  type: data_loader\n  uuid: load_sales\n- type: transformer\n  uuid: fit\n  upstream_blocks: [load_sales]\n- type: custom\n  uuid: retrain/sklearn\n- type: data_exporter\n  uuid: to_warehouse\n  language: sql\n- type: transformer\n  uuid: missing_block\nname: train\nuuid: train\n";
        Mage.detect(&FileCtx { path: "proj/pipelines/train/metadata.yaml", text, repo: &repo }, &mut out);
        assert_eq!(out.units.len(), 1);
        assert_eq!(out.units[0].id, "mage:proj/pipelines/train");
        let calls: Vec<&str> = out.units[0].calls.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(calls, ["file:proj/data_loaders/load_sales.py", "file:proj/transformers/fit.py", "file:proj/custom/retrain/sklearn.py"]);
        let kinds: Vec<&str> = out.evidence.iter().map(|(e, _)| &*e.kind).collect();
        assert_eq!(kinds, ["code.pipeline-def", "code.data-prep"]);
        assert!(out.units[0].triggers.is_empty() && !out.units[0].root, "a pipeline alone starts nothing");
        // Not a Mage pipeline: no block of a Mage type.
        let mut other = Output::default();
        Mage.detect(
            &FileCtx { path: "proj/pipelines/x/metadata.yaml", text: "blocks:\n- uuid: a\n  type: step\n", repo: &repo },
            &mut other,
        );
        assert!(other.units.is_empty() && other.evidence.is_empty());
    }

    #[test]
    fn active_schedules_and_events_start_the_pipeline() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "triggers:\n- name: nightly\n  pipeline_uuid: retrain\n  schedule_type: time\n  schedule_interval: '@daily'\n  status: active\n- name: paused\n  schedule_type: time\n  status: inactive\n- name: webhook\n  schedule_type: api\n  status: active\n";
        Mage.detect(&FileCtx { path: "proj/pipelines/retrain/triggers.yaml", text, repo: &repo }, &mut out);
        assert_eq!(out.units.len(), 1);
        let u = &out.units[0];
        assert!(u.root);
        assert_eq!(u.triggers.iter().collect::<Vec<_>>(), ["schedule"]);
        assert_eq!(u.calls[0].0, "mage:proj/pipelines/retrain");
        // Only paused or API triggers: no root.
        let mut none = Output::default();
        Mage.detect(
            &FileCtx {
                path: "proj/pipelines/retrain/triggers.yaml",
                text: "triggers:\n- name: p\n  schedule_type: time\n  status: inactive\n# - name: c\n#   schedule_type: time\n#   status: active\n",
                repo: &repo,
            },
            &mut none,
        );
        assert!(none.units.is_empty() && none.evidence.is_empty());
    }

    #[test]
    fn a_block_starts_the_pipeline_it_triggers_in_its_project() {
        let repo =
            RepoIndex { paths: ["proj/pipelines/train/metadata.yaml"].iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
        let text = "from mage_ai.orchestration.triggers.api import trigger_pipeline\n\n\ndef kick():\n    trigger_pipeline(\n        \"train\", check_status=True)\n    # trigger_pipeline(\"deploy\")\n    trigger_pipeline(\"unknown\")\n";
        let calls = pipeline_calls("proj/custom/retrain/kick.py", text, &repo);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].0, "mage:proj/pipelines/train");
        assert_eq!(calls[0].1.start_line, 6);
        // Without Mage, a function of that name is something else.
        assert!(pipeline_calls("proj/custom/kick.py", "def f():\n    trigger_pipeline(\"train\")\n", &repo).is_empty());
    }
}
