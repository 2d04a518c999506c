//! `.mlops-level.yml`: skipped and declared criteria, excludes, the target
//! level gate, lapsed skips, and errors that point at the config's lines.

mod common;

use common::copy_dir;
use std::path::Path;
use std::process::{Command, Output};

/// A copy of a fixture with `config` written as `.mlops-level.yml`.
fn repo_with(fixture: &str, config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(fixture).join("repo"), d.path());
    std::fs::write(d.path().join(".mlops-level.yml"), config).unwrap();
    d
}

fn scan(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-level")).arg("scan").arg(dir).args(extra).output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn criterion<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

#[test]
fn a_skipped_required_criterion_satisfies_its_level_and_says_why() {
    // capped-no-ci-tests is level 0 only for want of tests in CI.
    let d = repo_with("capped-no-ci-tests", "skip:\n  - id: L1.test.app-unit\n    reason: tests run in the platform monorepo\n");
    let v = json(&scan(d.path(), &["--format", "json"]));
    let c = criterion(&v, "L1.test.app-unit");
    assert_eq!(c["status"], "skipped");
    assert_eq!(c["detected"], "missing");
    assert_eq!(c["note"], "tests run in the platform monorepo");
    assert_eq!(v["level"], 4);
    let text = String::from_utf8(scan(d.path(), &["--color", "never"]).stdout).unwrap();
    assert!(text.contains("skipped in config: tests run in the platform monorepo; detected: missing"), "{text}");
}

#[test]
fn declared_practices_are_reported_as_declared_not_detected() {
    let d = repo_with(
        "level3-azure-pipelines-deploy",
        "declare:\n  - id: L4.monitor.model\n    reason: platform drift service\n    link: https://wiki.example.com/drift\n",
    );
    let v = json(&scan(d.path(), &["--format", "json"]));
    let c = criterion(&v, "L4.monitor.model");
    assert_eq!(c["status"], "declared");
    assert_eq!(c["note"], "platform drift service (https://wiki.example.com/drift)");
    assert_eq!(c["evidence_total"], 0);
    // Level 4 also needs retraining triggered by production metrics: still 3.
    assert_eq!(v["level"], 3);
    assert_eq!(v["capped_by"], serde_json::json!(["L4.retrain.triggered"]));
}

#[test]
fn lapsed_skips_are_assessed_again_and_reported() {
    let d = repo_with("capped-no-ci-tests", "skip:\n  - id: L1.test.app-unit\n    reason: temporary\n    expires: 2020-01-31\n");
    let v = json(&scan(d.path(), &["--format", "json"]));
    assert_eq!(criterion(&v, "L1.test.app-unit")["status"], "missing");
    assert_eq!(v["level"], 0);
    let issue = v["issues"].as_array().unwrap().iter().find(|i| i["kind"] == "config-skip-expired").unwrap();
    assert_eq!(issue["path"], ".mlops-level.yml");
    assert_eq!(issue["line"], 2);
}

#[test]
fn excludes_remove_paths_and_unused_ones_are_reported() {
    let d = repo_with("level2-gitlab-training", "exclude:\n  - src/**\n  - nothing-here/*.py\n");
    let v = json(&scan(d.path(), &["--format", "json"]));
    // Without src/ there is no training code.
    assert_eq!(criterion(&v, "L2.train.automated")["status"], "missing");
    let unused: Vec<_> = v["issues"].as_array().unwrap().iter().filter(|i| i["kind"] == "config-unused").collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert_eq!(unused[0]["line"], 3);
}

#[test]
fn target_level_is_the_gate_unless_min_level_is_given() {
    let d = repo_with("make-test-indirection", "target_level: 2\n");
    assert_eq!(scan(d.path(), &[]).status.code(), Some(1));
    assert_eq!(scan(d.path(), &["--min-level", "1"]).status.code(), Some(0));
    assert_eq!(scan(d.path(), &["--no-config"]).status.code(), Some(0));
}

#[test]
fn invalid_configs_exit_two_pointing_at_lines() {
    let d = repo_with("make-test-indirection", "target_level: 9\nskip:\n  - id: L1.tests.app-unit\n    reason: x\n");
    let o = scan(d.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(".mlops-level.yml:1:")
            && err.contains(".mlops-level.yml:3: unknown criterion `L1.tests.app-unit` (did you mean `L1.test.app-unit`?)"),
        "{err}"
    );
    let bad_glob = repo_with("make-test-indirection", "exclude:\n  - \"src/[\"\n");
    assert_eq!(scan(bad_glob.path(), &[]).status.code(), Some(2));
}
