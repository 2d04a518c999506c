//! Azure ML CLI v2 YAML: jobs, pipeline jobs, components, compute,
//! endpoints, deployments (with traffic and data collection), schedules,
//! monitors, data assets and models, recognised by their `$schema` (or, with
//! none, by `type:` plus an `azureml:` reference).
//!
//! A job file is a unit (`file:<path>`) running its `command` in its `code`
//! folder and calling the components and child jobs it references, so
//! `az ml job create -f job.yml` in CI reaches the training script. A
//! schedule is a root unit (trigger schedule) calling the job it creates.

use super::{add_shell, is_yaml};
use crate::evidence::{Confidence, Evidence, Location};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The Azure ML detector.
pub struct AzureMl;

const NAME: &str = "azureml";

fn schema_type(doc: &Node) -> Option<String> {
    if let Some(s) = doc.get("$schema").and_then(Node::as_str) {
        if s.contains("azureml") {
            let file = s.rsplit('/').next().unwrap_or(s);
            return Some(file.trim_end_matches(".json").trim_end_matches(".schema").to_string());
        }
        return None;
    }
    let t = doc.get("type").and_then(Node::as_str)?;
    let refs_azureml =
        ["compute", "environment", "model"].iter().any(|k| doc.get(k).and_then(Node::as_str).is_some_and(|v| v.starts_with("azureml:")));
    if refs_azureml && matches!(t, "command" | "pipeline" | "sweep") {
        return Some(format!("{t}Job"));
    }
    None
}

impl Detector for AzureMl {
    fn name(&self) -> &'static str {
        NAME
    }
    fn screen(&self) -> &'static [&'static str] {
        &["azureml", "computeType"]
    }
    fn applies(&self, path: &str) -> bool {
        is_yaml(path) && !path.starts_with(".github/")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(f.text) else { return };
        // An SDK v1 deployment configuration (`az ml model deploy --dc`,
        // `Model.deploy` with a config file): `computeType: AKS|ACI` and its
        // switches. Application Insights there is request telemetry.
        if doc.get("computeType").and_then(Node::as_str).is_some_and(|t| matches!(t.to_ascii_lowercase().as_str(), "aks" | "aci")) {
            if let Some(ai) = doc.get("appInsightsEnabled").filter(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))) {
                out.push(
                    Evidence::new("code.telemetry", NAME, Location::line(f.path, ai.line), Confidence::High, "appInsightsEnabled: true")
                        .attr("tool", "app-insights"),
                );
            }
            return;
        }
        let Some(ty) = schema_type(&doc) else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let lty = ty.to_ascii_lowercase();
        let ev = |kind: &str, line: u32, snippet: &str| Evidence::new(kind, NAME, Location::line(f.path, line), Confidence::High, snippet);
        let unit_id = format!("file:{}", f.path);
        if lty.ends_with("job") || lty.ends_with("component") {
            let mut u = Unit::new(unit_id.clone(), Location::line(f.path, 1), f.path);
            job(f.path, dir, &doc, &mut u, out, &lty);
            out.units.push(u);
            // A component is also what a pipeline step names once it is
            // registered (`component: azureml:rf_train:3`): that name runs
            // this file (every version of it declared here).
            if let Some(name) = lty.ends_with("component").then(|| doc.get("name").and_then(Node::as_str)).flatten() {
                let mut alias = Unit::new(registered_component(name), Location::line(f.path, 1), f.path);
                alias.calls.push((unit_id.clone(), Location::line(f.path, doc.get("name").map_or(1, |n| n.line))));
                out.units.push(alias);
            }
        } else if lty == "amlcompute" || lty.ends_with("compute") {
            let name = doc.get("name").and_then(Node::as_str).unwrap_or("");
            out.push(ev("azureml.compute", 1, &format!("compute: {name}")).attr("name", name));
        } else if lty.ends_with("onlineendpoint") || lty.ends_with("batchendpoint") {
            let mut e = ev("azureml.endpoint", 1, &format!("endpoint: {}", doc.get("name").and_then(Node::as_str).unwrap_or("")));
            if let Some(t) = doc.get("traffic") {
                let weighted: Vec<String> =
                    t.entries().iter().filter_map(|(k, v)| Some(format!("{}={}", k.as_str()?, v.as_str()?))).collect();
                e = e.attr("traffic", weighted.join(","));
                let nonzero =
                    t.entries().iter().filter(|(_, v)| v.as_str().and_then(|s| s.parse::<f64>().ok()).is_some_and(|w| w > 0.0)).count();
                if nonzero >= 2 {
                    out.push(ev("azureml.traffic-split", t.line, &format!("traffic: {}", weighted.join(", "))));
                }
            }
            if let Some(mt) = doc.get("mirror_traffic") {
                out.push(ev("azureml.traffic-split", mt.line, "mirror_traffic (shadow)").attr("mode", "shadow"));
            }
            out.push(e);
        } else if lty.ends_with("onlinedeployment") || lty.ends_with("batchdeployment") {
            let name = doc.get("name").and_then(Node::as_str).unwrap_or("");
            let mut e = ev("azureml.deployment", 1, &format!("deployment: {name}"))
                .attr("name", name)
                .attr("endpoint", doc.get("endpoint_name").and_then(Node::as_str).unwrap_or(""));
            if let Some(ai) = doc.get("app_insights_enabled").filter(|v| v.as_str() == Some("true")) {
                out.push(
                    Evidence::new("code.telemetry", NAME, Location::line(f.path, ai.line), Confidence::High, "app_insights_enabled: true")
                        .attr("tool", "app-insights"),
                );
            }
            if let Some(dc) = doc.get("data_collector") {
                let enabled = dc.get("collections").map(|c| !c.entries().is_empty()).unwrap_or(true);
                if enabled {
                    e = e.attr("data_collector", "yes");
                    out.push(
                        Evidence::new(
                            "code.prediction-log",
                            NAME,
                            Location::line(f.path, dc.line),
                            Confidence::High,
                            "data_collector: inputs/outputs collected",
                        )
                        .attr("tool", "azureml"),
                    );
                }
            }
            if let Some(code) = doc.path(&["code_configuration", "code"]).and_then(Node::as_str) {
                let script = doc.path(&["code_configuration", "scoring_script"]).and_then(Node::as_str).unwrap_or("score.py");
                let mut u = Unit::new(unit_id.clone(), Location::line(f.path, 1), f.path);
                let p = crate::paths::join(&crate::paths::join(dir, code.trim_start_matches("./")), script);
                u.calls.push((format!("file:{p}"), Location::line(f.path, doc.get("code_configuration").map(|c| c.line).unwrap_or(1))));
                out.units.push(u);
            }
            out.push(e);
        } else if lty == "schedule" {
            let mut u = Unit::new(unit_id.clone(), Location::line(f.path, 1), f.path);
            u.root = true;
            u.triggers = BTreeSet::from(["schedule".to_string()]);
            if let Some(cj) = doc.get("create_job") {
                if let Some(p) = cj.as_str() {
                    u.calls
                        .push((format!("file:{}", crate::paths::join(dir, p.trim_start_matches("./"))), Location::line(f.path, cj.line)));
                } else {
                    job(f.path, dir, cj, &mut u, out, "pipelinejob");
                }
                out.push_in(ev("azureml.schedule", cj.line, "schedule: create_job").attr("trigger", "schedule"), &unit_id);
            }
            if let Some(mon) = doc.get("create_monitor") {
                out.push(ev("azureml.monitor", mon.line, "schedule: create_monitor"));
            }
            out.units.push(u);
        } else if lty == "data" {
            out.push(ev("azureml.data-asset", 1, &format!("data: {}", doc.get("name").and_then(Node::as_str).unwrap_or(""))));
        } else if lty == "model" {
            out.push(ev("azureml.model", 1, &format!("model: {}", doc.get("name").and_then(Node::as_str).unwrap_or(""))));
        }
    }
}

/// The unit of an Azure ML component by its registered name.
fn registered_component(name: &str) -> String {
    format!("azureml-component:{}", name.trim())
}

/// The `az ml` command that creates what an Azure ML spec file of the
/// repository describes (`az ml job create -f <path>` for a job or pipeline,
/// `az ml online-deployment create -f <path>` for a deployment, …); `None`
/// for a file that is not an Azure ML spec. Used where a spec file is handed
/// to a callee whose body is not in the repository.
pub fn spec_command(repo: &crate::RepoIndex, path: &str) -> Option<Vec<String>> {
    let doc = yaml::parse(&repo.text(path)?).ok()?;
    let lty = schema_type(&doc)?.to_ascii_lowercase();
    let group = if lty.ends_with("job") {
        "job"
    } else if lty.ends_with("component") {
        "component"
    } else if lty.ends_with("onlinedeployment") {
        "online-deployment"
    } else if lty.ends_with("batchdeployment") {
        "batch-deployment"
    } else if lty.ends_with("onlineendpoint") {
        "online-endpoint"
    } else if lty.ends_with("batchendpoint") {
        "batch-endpoint"
    } else if lty.ends_with("compute") {
        "compute"
    } else if matches!(lty.as_str(), "schedule" | "data" | "model" | "environment") {
        lty.as_str()
    } else {
        return None;
    };
    Some(["az", "ml", group, "create", "--file", path].iter().map(|w| w.to_string()).collect())
}

fn job(path: &str, dir: &str, doc: &Node, u: &mut Unit, out: &mut Output, lty: &str) {
    let ev = |kind: &str, line: u32, snippet: &str| Evidence::new(kind, NAME, Location::line(path, line), Confidence::High, snippet);
    let kind = if lty.contains("pipeline") {
        "pipeline"
    } else if lty.contains("sweep") {
        "sweep"
    } else if lty.contains("component") {
        "component"
    } else {
        "command"
    };
    let compute = doc.get("compute").or_else(|| doc.path(&["settings", "default_compute"]));
    let mut e = ev("azureml.job", 1, &format!("{kind} job")).attr("type", kind);
    if let Some(c) = compute.and_then(Node::as_str) {
        e = e.attr("compute", c);
        out.push_in(
            ev("azureml.compute", compute.unwrap().line, &format!("compute: {c}")).attr("name", c.trim_start_matches("azureml:")),
            &u.id,
        );
    }
    out.push_in(e, &u.id.clone());
    let code = doc
        .get("code")
        .and_then(Node::as_str)
        .map(|c| crate::paths::join(dir, c.trim_start_matches("./")))
        .unwrap_or_else(|| dir.to_string());
    if let Some(c) = doc.get("command") {
        if let Some(s) = c.as_str() {
            // `${{inputs.x}}` placeholders are arguments, not commands.
            let cleaned = s.replace("${{", "X").replace("}}", "");
            add_shell(u, out, NAME, path, &cleaned, c.line, &code);
        }
    }
    // Inputs pinned to a versioned data asset tie the model to its data.
    for (_, input) in doc.get("inputs").map(Node::entries).unwrap_or_default() {
        let path_node = input.get("path").or(Some(input));
        if let Some(p) = path_node.and_then(Node::as_str) {
            if super::is_pinned_asset(p) {
                let line = path_node.map(|n| n.line).unwrap_or(input.line);
                out.push_in(ev("lineage.data-version", line, &format!("path: {p}")).attr("how", "pinned-data-asset"), &u.id.clone());
                out.push_in(
                    ev("azureml.data-asset", line, &format!("path: {p}")).attr("version", p.rsplit(':').next().unwrap_or("")),
                    &u.id.clone(),
                );
            }
        }
    }
    if let Some(t) = doc.get("trial").and_then(Node::as_str).filter(|t| t.ends_with(".yml") || t.ends_with(".yaml")) {
        u.calls.push((
            format!("file:{}", crate::paths::join(dir, t.trim_start_matches("file:").trim_start_matches("./"))),
            Location::line(path, doc.get("trial").unwrap().line),
        ));
    }
    if let Some(trial) = doc.get("trial").filter(|t| t.is_map()) {
        job(path, dir, trial, u, out, "commandjob");
    }
    for (key, child) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        // A child job named for data preparation (`prep_data:`, `display_name:
        // transform-data`) is a data step of the pipeline (RUBRIC: a pipeline step).
        let names = [key.as_str(), child.get("name").and_then(Node::as_str), child.get("display_name").and_then(Node::as_str)];
        if let Some(n) = names.iter().flatten().find(|n| super::data_steps::is_data_step_name(n)) {
            out.push_in(ev("code.data-prep", key.line, &format!("pipeline step: {n}")).attr("op", "pipeline-step"), &u.id.clone());
        }
        // A training job fed by another job's output (`training_data:
        // ${{parent.jobs.prep.outputs.rows}}`): the pipeline run records which
        // data artifact each model came from (RUBRIC `L3.lineage.data`: partial,
        // the source data itself is not versioned).
        if names.iter().flatten().any(|n| n.to_ascii_lowercase().contains("train")) {
            let fed = child.get("inputs").map(Node::entries).unwrap_or_default().iter().find_map(|(_, i)| {
                let v = i.get("path").unwrap_or(i);
                v.as_str().filter(|s| s.replace(' ', "").contains("${{parent.jobs.")).map(|s| (v.line, s.to_string()))
            });
            if let Some((line, s)) = fed {
                out.push_in(ev("lineage.data-version", line, &s).attr("how", "pipeline-artifact"), &u.id.clone());
            }
        }
        if let Some(comp) = child.get("component").and_then(Node::as_str) {
            if let Some(rel) = comp.strip_prefix("file:").or(Some(comp)).filter(|c| c.ends_with(".yml") || c.ends_with(".yaml")) {
                u.calls.push((format!("file:{}", crate::paths::join(dir, rel.trim_start_matches("./"))), Location::line(path, child.line)));
            }
            // A registered component by name (`azureml:name:version`,
            // `azureml:name@latest`; not a registry's `azureml://...`).
            if let Some(name) = comp.strip_prefix("azureml:").filter(|c| !c.starts_with("//")).and_then(|c| c.split([':', '@']).next()) {
                u.calls.push((registered_component(name), Location::line(path, child.get("component").map_or(child.line, |c| c.line))));
            }
        } else if let Some(comp) = child.get("component").filter(|c| c.is_map()) {
            job(path, dir, comp, u, out, "commandcomponent");
        }
        if child.get("command").is_some() || child.get("trial").is_some() {
            job(path, dir, child, u, out, "commandjob");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(path: &str, text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        AzureMl.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        out
    }

    #[test]
    fn pipeline_steps_reach_registered_components_by_name() {
        let comp = run("components/train/component.yml", "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\nname: rf_train\nversion: 3\ncode: ./src\ncommand: python train.py\n");
        let alias = comp.units.iter().find(|u| u.id == "azureml-component:rf_train").expect("the name's unit");
        assert_eq!(alias.calls[0].0, "file:components/train/component.yml");
        let pipe = "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\ntype: pipeline\njobs:\n  fit:\n    component: azureml:rf_train:3\n  score:\n    component: azureml:batch_score@latest\n  shared:\n    component: azureml://registries/shared/components/fit/versions/1\n";
        let o = run("pipeline.yml", pipe);
        let calls: Vec<&str> = o.units[0].calls.iter().map(|c| c.0.as_str()).collect();
        // A registry's component is none of this repository's.
        assert_eq!(calls, vec!["azureml-component:rf_train", "azureml-component:batch_score"]);
    }

    #[test]
    fn command_job_reaches_script() {
        let o = run("ml/train.yml", "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncode: ../src\ncommand: >-\n  python train.py --data ${{inputs.data}}\ncompute: azureml:cpu-cluster\n");
        let u = &o.units[0];
        assert_eq!(u.commands[0].argv[..2], ["python".to_string(), "train.py".to_string()]);
        assert_eq!(u.commands[0].workdir, "src");
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "azureml.compute"));
    }

    #[test]
    fn endpoint_traffic_split() {
        let o = run("deploy/endpoint.yml", "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: ep\ntraffic:\n  blue: 90\n  green: 10\n");
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "azureml.traffic-split"));
        let o = run(
            "deploy/endpoint.yml",
            "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: ep\ntraffic:\n  blue: 100\n",
        );
        assert!(o.evidence.iter().all(|(e, _)| e.kind != "azureml.traffic-split"));
    }

    #[test]
    fn pipeline_child_job_named_for_data_is_a_data_step() {
        let head = "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\ntype: pipeline\njobs:\n";
        let o = run(
            "ml/pipe.yml",
            &format!("{head}  shape_rows:\n    display_name: prep-rows\n    command: python rows.py\n  fit:\n    command: python fit.py\n"),
        );
        let steps: Vec<_> = o.evidence.iter().filter(|(e, _)| e.kind == "code.data-prep").collect();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].0.location.start_line, 4);
        // Training and evaluation steps are not data steps.
        let o = run("ml/pipe.yml", &format!("{head}  train_job:\n    command: python fit.py\n  eval:\n    command: python check.py\n"));
        assert!(o.evidence.iter().all(|(e, _)| e.kind != "code.data-prep"));
    }

    #[test]
    fn training_job_fed_by_a_sibling_output_is_pipeline_lineage() {
        let head = "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\ntype: pipeline\njobs:\n";
        let shape = "  shape:\n    command: python rows.py\n    outputs:\n      rows:\n        mode: upload\n";
        let lineage = |o: &Output| -> Vec<u32> {
            o.evidence.iter().filter(|(e, _)| e.kind == "lineage.data-version").map(|(e, _)| e.location.start_line).collect()
        };
        let o = run(
            "ml/pipe.yml",
            &format!(
                "{head}{shape}  fit_train:\n    inputs:\n      rows: ${{{{parent.jobs.shape.outputs.rows}}}}\n    command: python fit.py\n"
            ),
        );
        assert_eq!(lineage(&o), vec![11]);
        assert_eq!(o.evidence.iter().find(|(e, _)| e.kind == "lineage.data-version").unwrap().0.attrs["how"], *"pipeline-artifact");
        // A training job reading a literal folder, or a non-training job fed by
        // the sibling, records no model lineage; neither does a comment.
        let o = run(
            "ml/pipe.yml",
            &format!("{head}{shape}  fit_train:\n    inputs:\n      rows:\n        path: ./rows\n    command: python fit.py\n"),
        );
        assert!(lineage(&o).is_empty());
        let o = run(
            "ml/pipe.yml",
            &format!(
                "{head}{shape}  report:\n    inputs:\n      rows: ${{{{parent.jobs.shape.outputs.rows}}}}\n    command: python report.py\n"
            ),
        );
        assert!(lineage(&o).is_empty());
        let o = run(
            "ml/pipe.yml",
            &format!("{head}{shape}  fit_train:\n    # rows: ${{{{parent.jobs.shape.outputs.rows}}}}\n    command: python fit.py\n"),
        );
        assert!(lineage(&o).is_empty());
    }

    #[test]
    fn v1_deployment_config_app_insights_is_telemetry() {
        let o = run("deploy/aks_config.yml", "computeType: AKS\nauthEnabled: True\nappInsightsEnabled: True\n");
        let t: Vec<_> = o.evidence.iter().filter(|(e, _)| e.kind == "code.telemetry").collect();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0.location.start_line, 3);
        // Switched off, or the same key in a file that is not a deployment config.
        let o = run("deploy/aks_config.yml", "computeType: AKS\nappInsightsEnabled: false\n");
        assert!(o.evidence.is_empty());
        let o = run("app/settings.yml", "appInsightsEnabled: true\n");
        assert!(o.evidence.is_empty());
    }

    #[test]
    fn non_azureml_yaml_is_ignored() {
        let o = run("config.yml", "type: command\ncommand: python x.py\n");
        assert!(o.evidence.is_empty() && o.units.is_empty());
    }
}
