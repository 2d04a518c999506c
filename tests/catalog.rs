//! The ML API catalogue from the command line: `mlops-level catalog`, a
//! team's own catalogue named by `--catalog` or by `.mlops-level.yml`, and
//! clear errors for malformed catalogue files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-level")).args(args).output().unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inhouse-sdk-catalog/repo")
}

fn statuses(out: &Output) -> (u64, Value) {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_id: serde_json::Map<String, Value> =
        v["criteria"].as_array().unwrap().iter().map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].clone())).collect();
    (v["level"].as_u64().unwrap(), Value::Object(by_id))
}

#[test]
fn an_inhouse_call_counts_only_with_its_catalogue_entry() {
    let repo = fixture();
    let repo = repo.to_str().unwrap();
    let (with, w) = statuses(&run(&["scan", "--format", "json", repo]));
    assert_eq!(with, 2);
    assert_eq!(w["L2.experiment.tracked"], "met");
    assert_eq!(w["L2.model.versioned"], "met");
    assert_eq!(w["L2.train.automated"], "met");

    let (without, wo) = statuses(&run(&["scan", "--format", "json", "--no-config", repo]));
    assert_eq!(without, 1);
    assert_eq!(wo["L2.experiment.tracked"], "missing");
    assert_eq!(wo["L2.model.versioned"], "missing");
    // The training script exists, but nothing known launches it.
    assert_eq!(wo["L2.train.automated"], "partial");

    // The same file given on the command line does what the config does.
    let cat = fixture().join("platform/orbit-catalog.yaml");
    let (cli, c) = statuses(&run(&["scan", "--format", "json", "--no-config", "--catalog", cat.to_str().unwrap(), repo]));
    assert_eq!((cli, &c), (with, &w));
}

#[test]
fn the_script_argument_is_followed_and_explained() {
    let out = run(&["explain", "L2.train.automated", fixture().to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pipelines/jobs/fit_churn.py"), "{text}");
    assert!(text.contains("pipelines/launch.py:12 -> pipelines/jobs/fit_churn.py"), "{text}");
    // The call in the comment above it names a script that is never launched.
    assert!(!text.contains("old_fit"), "{text}");
}

#[test]
fn catalog_lists_every_builtin_entry_with_platform_kind_and_evidence() {
    let out = run(&["catalog", "--format", "json"]);
    assert!(out.status.success());
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    // Every entry of every file in rules/catalog is listed.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/catalog");
    let mut written = 0;
    for f in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        written += text.lines().filter(|l| ["  - call:", "  - method:", "  - pattern:"].iter().any(|p| l.starts_with(p))).count();
    }
    assert_eq!(rows.len(), written);
    for r in &rows {
        assert!(!r["platform"].as_str().unwrap().is_empty(), "{r}");
        assert!(r["evidence"].as_str().unwrap().contains('.'), "{r}");
        assert!(r["source"].as_str().unwrap().starts_with("rules/catalog/"), "{r}");
    }
    assert!(rows
        .iter()
        .any(|r| r["platform"] == "mlflow" && r["kind"] == "version-model" && r["match"]["call"] == "mlflow.register_model"));

    let text = String::from_utf8(run(&["catalog"]).stdout).unwrap();
    assert!(text.lines().any(|l| l.starts_with("sagemaker") && l.contains("code.train")), "{text}");
}

#[test]
fn a_malformed_catalogue_is_an_error_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ours.yaml");
    std::fs::write(&bad, "platform: ours\nentries:\n  - call: ours.fit\n    kind: training\n").unwrap();
    let out = run(&["scan", "--catalog", bad.to_str().unwrap(), fixture().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("ours.yaml:4: unknown kind `training`"), "{err}");
    let out = run(&["catalog", "--catalog", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_repository_config_cannot_name_a_catalogue_outside_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(dir.path().join("secret.yaml"), "platform: x\nentries:\n  - call: x.y\n    kind: train\n").unwrap();
    std::fs::write(repo.join(".mlops-level.yml"), "catalog:\n  - ../secret.yaml\n").unwrap();
    let out = run(&["scan", repo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(".mlops-level.yml:2: catalogue `../secret.yaml` must be a path inside the repository"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_catalogue_cannot_lead_outside_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(dir.path().join("outside.yaml"), "platform: x\nentries:\n  - call: x.y\n    kind: train\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.yaml"), repo.join("cat.yaml")).unwrap();
    std::fs::write(repo.join(".mlops-level.yml"), "catalog: [cat.yaml]\n").unwrap();
    let out = run(&["scan", repo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("catalogue `cat.yaml` is not a file inside"));
}
