//! Monorepos: projects found, each assessed on its own evidence, reported in
//! every format and gated one by one.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlops-level"))
}

mod common;
use common::fixture;

fn json(args: &[&str], path: &Path) -> serde_json::Value {
    let out = bin().arg("scan").arg(path).args(["--format", "json"]).args(args).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// A copy of a fixture in a temporary folder, to add a config to.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture(name), dir.path());
    dir
}

const THREE: &str = "monorepo-three-projects-shared-pipeline";

#[test]
fn path_filters_are_read_for_every_ci_system() {
    let files = [
        ("azure-pipelines.yml", "trigger:\n  branches:\n    include: [main]\n  paths:\n    include:\n      - svc/a/*\n      - '!docs'\nsteps:\n  - script: echo hi\n"),
        (
            "bitbucket-pipelines.yml",
            "pipelines:\n  default:\n    - step:\n        name: b\n        condition:\n          changesets:\n            includePaths:\n              - \"svc/b/**\"\n        script:\n          - pytest\n",
        ),
        (
            ".gitlab-ci.yml",
            "test:\n  only:\n    changes:\n      - svc/c/**/*\n  script:\n    - pytest\nnever:\n  rules:\n    - changes: [svc/never/**]\n      when: never\n    - when: always\n  script:\n    - pytest\n",
        ),
        (".github/workflows/ci.yml", "on:\n  pull_request:\n    paths: ['svc/d/**']\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest\n"),
    ];
    let scan = mlops_detect::scan_in_memory(&files, &mlops_detect::ScanOptions::default());
    let mut dirs: Vec<(&str, &str)> =
        scan.evidence.iter().filter(|e| e.kind == "ci.path-filter").map(|e| (&e.attrs["system"], &e.attrs["dir"])).collect();
    dirs.sort();
    // Negations (`!docs`) and rules that never run a job (`when: never`) scope nothing.
    assert_eq!(dirs, [("azure-pipelines", "svc/a"), ("bitbucket", "svc/b"), ("github-actions", "svc/d"), ("gitlab-ci", "svc/c")]);
}

#[test]
fn json_lists_each_project_with_its_own_criteria() {
    let r = json(&[], &fixture(THREE));
    let projects = r["projects"].as_array().unwrap();
    let levels: Vec<(&str, u64)> = projects.iter().map(|p| (p["path"].as_str().unwrap(), p["level"].as_u64().unwrap())).collect();
    assert_eq!(levels, [("projects/churn", 2), ("projects/fraud", 0), ("projects/recsys", 1)]);
    // The same criterion objects as the top level.
    let top: Vec<&str> = r["criteria"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    for p in projects {
        let ids: Vec<&str> = p["criteria"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, top);
        assert_eq!(p["name"], p["path"].as_str().unwrap().rsplit('/').next().unwrap());
    }
    // A sibling's evidence never counts: fraud's criteria cite only its own files or the shared pipeline.
    let fraud = &projects[1];
    for c in fraud["criteria"].as_array().unwrap() {
        for e in c["evidence"].as_array().unwrap() {
            let path = e["path"].as_str().unwrap();
            assert!(path.starts_with("projects/fraud/") || path == ".gitlab-ci.yml", "{} cites {path}", c["id"]);
        }
    }
    // One project: no `projects` key at all.
    assert!(json(&[], &fixture("single-project-in-subfolder")).get("projects").is_none());
}

#[test]
fn min_level_fails_when_any_project_is_below_and_names_it() {
    let out = bin().arg("scan").arg(fixture(THREE)).args(["--format", "json", "--min-level", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("project projects/fraud is at level 0"), "{err}");
    assert!(!err.contains("projects/recsys"), "{err}");
    let ok = bin().arg("scan").arg(fixture(THREE)).args(["--format", "json", "--min-level", "0"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0));
}

#[test]
fn one_project_is_reported_and_gated_alone() {
    let r = json(&["--project", "projects/recsys/"], &fixture(THREE));
    assert_eq!(r["level"], 1);
    assert!(r.get("projects").is_none());
    let out = bin().arg("scan").arg(fixture(THREE)).args(["--project", "projects/recsys", "--min-level", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let bad = bin().arg("scan").arg(fixture(THREE)).args(["--project", "projects/nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("no such project") && err.contains("projects/churn, projects/fraud, projects/recsys"), "{err}");
}

#[test]
fn config_declares_projects_names_and_targets() {
    let dir = copy_of(THREE);
    std::fs::write(
        dir.path().join(".mlops-level.yml"),
        "projects:\n  - path: projects/churn\n    name: churn-model\n    target_level: 3\n  - path: projects/recsys\n",
    )
    .unwrap();
    let out = bin().arg("scan").arg(dir.path()).args(["--format", "json"]).output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<(&str, &str)> =
        r["projects"].as_array().unwrap().iter().map(|p| (p["path"].as_str().unwrap(), p["name"].as_str().unwrap())).collect();
    // Declared projects replace detection: fraud is not one now.
    assert_eq!(listed, [("projects/churn", "churn-model"), ("projects/recsys", "recsys")]);
    assert_eq!(r["projects"][0]["target_level"], 3);
    // churn's own target (3) fails; recsys has none and no --min-level: no gate.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("project projects/churn is at level 2, below the required minimum 3"), "{err}");
    assert!(!err.contains("recsys"), "{err}");
    // A bad entry is a config error (exit 2) with its line.
    std::fs::write(dir.path().join(".mlops-level.yml"), "projects:\n  - path: ../elsewhere\n").unwrap();
    let out = bin().arg("scan").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".mlops-level.yml:2"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sarif_has_one_run_per_project_and_every_result_names_it() {
    let out = bin().arg("scan").arg(fixture(THREE)).args(["--format", "sarif"]).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = log["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r["automationDetails"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mlops-level/project/projects/churn/", "mlops-level/project/projects/fraud/", "mlops-level/project/projects/recsys/"]);
    for r in runs {
        let project = r["properties"]["project"].as_str().unwrap();
        for res in r["results"].as_array().unwrap() {
            assert_eq!(res["properties"]["project"], project);
            assert!(res["message"]["text"].as_str().unwrap().starts_with(&format!("Project `{project}`: ")));
        }
    }
    // fraud is capped by the unit tests it lacks: an error in its own run only.
    let capped =
        |r: &serde_json::Value| r["results"].as_array().unwrap().iter().any(|x| x["ruleId"] == "L1.test.app-unit" && x["level"] == "error");
    assert!(capped(&runs[1]) && !capped(&runs[2]));
}

#[test]
fn text_and_markdown_show_a_table_of_projects() {
    let text = bin().arg("scan").arg(fixture(THREE)).args(["--color", "never"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Projects (3; each assessed on its own evidence)"), "{text}");
    assert!(text.contains("projects/fraud   level 0  capped by L1.test.app-unit"), "{text}");
    assert!(text.contains("Project projects/recsys · level 1"), "{text}");
    let md = bin().arg("scan").arg(fixture(THREE)).args(["--format", "markdown"]).output().unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("| `projects/churn` | 2 | `L3.release.cd`, `L3.deploy.ab-testing`, `L3.test.release` |"), "{md}");
}

#[test]
fn baseline_compares_project_by_project() {
    let dir = copy_of(THREE);
    let base = dir.path().join("base.json");
    let out = bin().arg("scan").arg(dir.path()).args(["--format", "json", "-o"]).arg(format!("json={}", base.display())).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // recsys loses its test job: its tests regress, named with the project.
    let ci = dir.path().join(".gitlab-ci.yml");
    let text = std::fs::read_to_string(&ci).unwrap();
    let cut = text.find("recsys-test:").unwrap();
    std::fs::write(&ci, &text[..cut]).unwrap();
    let out = bin().arg("scan").arg(dir.path()).args(["--format", "markdown", "--baseline"]).arg(&base).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("project projects/recsys: L1.test.app-unit (Automated tests for application code) went from met to"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("| `projects/recsys` | 1 | 0 | **regression** `L1.test.app-unit` |"));

    // A project added since the baseline is reported, not a regression.
    std::fs::write(&ci, &text).unwrap();
    std::fs::create_dir_all(dir.path().join("projects/ranker")).unwrap();
    std::fs::write(dir.path().join("projects/ranker/requirements.txt"), "lightgbm==4.3.0\n").unwrap();
    std::fs::write(
        dir.path().join("projects/ranker/train.py"),
        "import lightgbm as lgb\n\nmodel = lgb.LGBMRanker()\nmodel.fit(X, y, group=g)\n",
    )
    .unwrap();
    let out = bin().arg("scan").arg(dir.path()).args(["--format", "json", "--baseline"]).arg(&base).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("project projects/ranker is new since the baseline (level 0; not a regression)"), "{err}");
}

/// `--project` compares the project with the same project of the baseline,
/// not with the whole repository (whose level and criteria differ).
#[test]
fn one_project_is_compared_with_the_same_project_of_the_baseline() {
    let dir = copy_of(THREE);
    let base = dir.path().join("base.json");
    let out = bin().arg("scan").arg(dir.path()).args(["--format", "json", "-o"]).arg(format!("json={}", base.display())).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // fraud is level 0 and the repository level 2: unchanged, fraud has no regression.
    let out = bin()
        .arg("scan")
        .arg(dir.path())
        .args(["--project", "projects/fraud", "--format", "markdown", "--baseline"])
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Level 0 → 0 (unchanged)."), "{}", String::from_utf8_lossy(&out.stdout));
    // A project the baseline did not have: said, and nothing to compare.
    std::fs::create_dir_all(dir.path().join("projects/ranker")).unwrap();
    std::fs::write(dir.path().join("projects/ranker/requirements.txt"), "lightgbm==4.3.0\n").unwrap();
    std::fs::write(dir.path().join("projects/ranker/train.py"), "import lightgbm as lgb\n\nlgb.LGBMRanker().fit(X, y, group=g)\n").unwrap();
    let out = bin().arg("scan").arg(dir.path()).args(["--project", "projects/ranker", "--baseline"]).arg(&base).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("project projects/ranker is not in the baseline"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
