//! The CLI's contract: exit 0 when every gate passes, 1 when a gate fails,
//! 2 for usage, rule-pack or I/O errors on the root; `rules` and `explain`.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlops-level"))
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name).join("repo").display().to_string()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

#[test]
fn min_level_gate() {
    let repo = fixture("make-test-indirection");
    let ok = run(&["scan", &repo, "--min-level", "1"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let fail = run(&["scan", &repo, "--min-level", "2", "--format", "json"]);
    assert_eq!(fail.status.code(), Some(1));
    let err = String::from_utf8_lossy(&fail.stderr);
    assert!(err.contains("below the required minimum 2") && err.contains("L2.train.automated"), "{err}");
    // The report is still written when the gate fails.
    let v: serde_json::Value = serde_json::from_slice(&fail.stdout).unwrap();
    assert_eq!(v["level"], 1);
}

#[test]
fn errors_exit_two() {
    let missing = run(&["scan", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not a directory"));
    let usage = run(&["scan", ".", "--min-level", "9"]);
    assert_eq!(usage.status.code(), Some(2));
    let bad_format = run(&["scan", ".", "--format", "xml"]);
    assert_eq!(bad_format.status.code(), Some(2));
}

#[test]
fn invalid_rule_pack_lists_problems_and_exits_two() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("x.yaml"), "criteria:\n  - id: nope\n    level: 1\n    kind: sometimes\n    title: t\n    summary: s\n    remediation: r\n    met:\n      evidence: {kind: made.up}\n").unwrap();
    let o = run(&["scan", &fixture("make-test-indirection"), "--rules", &d.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("criterion id `nope`") && err.contains("unknown evidence kind `made.up`") && err.contains("kind `sometimes`"),
        "{err}"
    );
}

#[test]
fn rules_and_explain() {
    let o = run(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().filter(|l| l.starts_with('L')).count(), 22, "{out}");
    assert!(out.contains("P.collaboration") && out.contains("not-assessed"));
    let e = run(&["explain", "L4.retrain.triggered"]);
    assert_eq!(e.status.code(), Some(0));
    let text = String::from_utf8_lossy(&e.stdout);
    assert!(text.contains("A schedule alone is partial") && text.contains("How to meet it"), "{text}");
    let unknown = run(&["explain", "L4.retrain.trigered"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("L4.retrain.triggered"));
    // With a repository: its status there, the evidence with its chain, and
    // the remediation only when not met.
    let repo = fixture("github-composite-action-inputs");
    let on = run(&["explain", "L4.retrain.triggered", &repo]);
    assert_eq!(on.status.code(), Some(0));
    let text = String::from_utf8_lossy(&on.stdout);
    assert!(text.contains(": partial (level 4") && text.contains("why partial:") && text.contains("How to meet it"), "{text}");
    assert!(text.contains("via .github/workflows/retrain.yml:14 -> .github/actions/python-task/action.yml:22"), "{text}");
    let met = String::from_utf8_lossy(&run(&["explain", "L2.train.automated", &repo]).stdout).to_string();
    assert!(met.contains(": met (level 2") && met.contains("churn/train.py:21") && !met.contains("How to meet it"), "{met}");
    // A model logged and registered by one call is two items that print alike: shown once.
    let versioned = String::from_utf8_lossy(&run(&["explain", "L2.model.versioned", &repo]).stdout).to_string();
    assert_eq!(versioned.matches("churn/train.py:33 ").count(), 1, "{versioned}");
    assert_eq!(run(&["explain", "L2.train.automated", "/nonexistent-dir"]).status.code(), Some(2));
}

#[test]
fn text_report_explains_level_cap_and_next_steps() {
    let o = run(&["scan", &fixture("capped-no-ci-tests"), "--color", "never"]);
    assert_eq!(o.status.code(), Some(0));
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(t.contains("MLOps level 0"), "{t}");
    assert!(t.contains("would be level 4 once L1.test.app-unit is met"), "{t}");
    assert!(t.contains("Next steps (toward level 1)") && t.contains("L1.test.app-unit"), "{t}");
    assert!(!t.contains("\x1b["), "no colour when asked not to");
}

#[test]
fn evidence_chain_is_printed_across_files() {
    let o = run(&["scan", &fixture("make-test-indirection"), "--color", "never", "--max-evidence", "10"]);
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(t.contains("via .github/workflows/"), "{t}");
    assert!(t.contains("-> Makefile:"), "{t}");
}

#[test]
fn evidence_subcommand_lists_raw_evidence_with_chains() {
    let o = run(&["evidence", &fixture("make-test-indirection"), "--kind", "test.case"]);
    assert_eq!(o.status.code(), Some(0));
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(t.contains("test.case (test-suite"), "{t}");
    assert!(t.contains("via .github/workflows/") && t.contains("-> Makefile:"), "{t}");
    assert!(!t.contains("run.tests"), "filtered by kind: {t}");
    let j = run(&["evidence", &fixture("make-test-indirection"), "--json"]);
    let first: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&j.stdout).lines().next().unwrap()).unwrap();
    assert!(first["kind"].is_string() && first["location"]["path"].is_string());
}
