//! Every fixture under `fixtures/<situation>/` is scanned and its level and
//! every criterion compared with `expect.yaml`, and its listed scan issues
//! must appear. One test runs them all so a failure lists every mismatch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
struct Expect {
    level: u8,
    criteria: BTreeMap<String, String>,
    #[serde(default)]
    issues: Vec<String>,
    /// Optional: criterion id -> the `triggers` every piece of its evidence
    /// carries (what starts it), e.g. `manual,schedule`.
    #[serde(default)]
    triggers: BTreeMap<String, String>,
    /// The projects of a monorepo, by folder (absent: one project, and the
    /// scan must find none).
    #[serde(default)]
    projects: BTreeMap<String, ExpectProject>,
}

#[derive(serde::Deserialize)]
struct ExpectProject {
    level: u8,
    criteria: BTreeMap<String, String>,
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("expect.yaml").is_file()).collect();
    v.sort();
    v
}

/// Scan options from a fixture's own `.mlops-level.yml`: the catalogue
/// files it names (the only config part that changes detection).
fn options_of(repo: &Path, pack: &mlops_rules::Pack) -> mlops_detect::ScanOptions {
    let mut opts = mlops_detect::ScanOptions::default();
    if let Ok(text) = std::fs::read_to_string(repo.join(".mlops-level.yml")) {
        let cfg = mlops_rules::parse_config(".mlops-level.yml", &text, pack).unwrap();
        let extra = cfg.catalog.iter().map(|(rel, _)| (rel.clone(), std::fs::read_to_string(repo.join(rel)).unwrap())).collect::<Vec<_>>();
        if !extra.is_empty() {
            opts.catalog = Some(std::sync::Arc::new(mlops_detect::catalog::Catalog::builtin_with(extra).unwrap()));
        }
        opts.projects = cfg.projects.iter().map(|p| (p.path.clone(), p.name.clone())).collect();
    }
    opts
}

#[test]
fn every_fixture_matches_its_expectation() {
    let pack = mlops_rules::load_embedded().unwrap();
    let all = fixtures();
    assert!(all.len() >= 14, "expected at least 14 fixtures, found {}", all.len());
    let mut failures = Vec::new();
    for dir in &all {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expect: Expect = serde_saphyr::from_str(&std::fs::read_to_string(dir.join("expect.yaml")).unwrap())
            .unwrap_or_else(|e| panic!("{name}/expect.yaml: {e}"));
        let ids: Vec<&str> = pack.criteria.iter().map(|c| c.id.as_str()).collect();
        for id in &ids {
            if !expect.criteria.contains_key(*id) {
                failures.push(format!("{name}: expect.yaml does not list {id}"));
            }
        }
        let scan = mlops_detect::scan(&dir.join("repo"), &options_of(&dir.join("repo"), &pack)).unwrap();
        let a = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
        let projects = mlops_rules::evaluate_projects(
            &pack,
            &scan.evidence,
            &scan.issues,
            &scan.projects,
            &mlops_rules::Config::default(),
            (2026, 1, 1),
        );
        let got: Vec<&str> = projects.iter().map(|p| p.path.as_str()).collect();
        let want: Vec<&str> = expect.projects.keys().map(String::as_str).collect();
        if got != want {
            failures.push(format!("{name}: projects {got:?} (expected {want:?})"));
        }
        for p in &projects {
            let Some(e) = expect.projects.get(&p.path) else { continue };
            if p.assessment.level != e.level {
                failures.push(format!("{name}: project {} level {} (expected {})", p.path, p.assessment.level, e.level));
            }
            for id in &ids {
                match (p.assessment.criteria.iter().find(|c| c.id == *id), e.criteria.get(*id)) {
                    (Some(c), Some(w)) if c.status.as_str() == w => {}
                    (Some(c), Some(w)) => failures.push(format!("{name}: project {} {id} is {} (expected {w})", p.path, c.status.as_str())),
                    (_, None) => failures.push(format!("{name}: expect.yaml does not list {id} for project {}", p.path)),
                    (None, _) => {}
                }
            }
        }
        if a.level != expect.level {
            failures.push(format!("{name}: level {} (expected {})", a.level, expect.level));
        }
        for (id, want) in &expect.criteria {
            match a.criteria.iter().find(|c| &c.id == id) {
                Some(c) if c.status.as_str() == want => {}
                Some(c) => failures.push(format!("{name}: {id} is {} (expected {want})", c.status.as_str())),
                None => failures.push(format!("{name}: unknown criterion {id} in expect.yaml")),
            }
        }
        for (id, want) in &expect.triggers {
            let got: std::collections::BTreeSet<&str> = a
                .criteria
                .iter()
                .filter(|c| &c.id == id)
                .flat_map(|c| &c.evidence)
                .map(|e| e.attrs.get("triggers").unwrap_or(""))
                .collect();
            if got.len() != 1 || !got.contains(want.as_str()) {
                failures.push(format!("{name}: {id} evidence triggers {got:?} (expected only {want:?})"));
            }
        }
        for path in &expect.issues {
            if !a.issues.iter().any(|i| &i.path == path) {
                failures.push(format!("{name}: no scan issue for {path}"));
            }
        }
        // References the scan could not follow are reported, not failures;
        // a fixture that is about them lists their paths in `issues`.
        let problems: Vec<_> = a.issues.iter().filter(|i| i.kind != "unresolved-reference").collect();
        if expect.issues.is_empty() && !problems.is_empty() {
            failures.push(format!("{name}: unexpected scan issues {problems:?}"));
        }
    }
    assert!(failures.is_empty(), "{} mismatch(es):\n{}", failures.len(), failures.join("\n"));
}

// JSON, SARIF and Markdown byte identity across runs: tests/ci_outputs.rs.

/// The content screen only saves work: with it off (every applicable detector
/// reads every file), every fixture yields the same evidence.
#[test]
fn the_content_screen_changes_no_evidence() {
    let pack = mlops_rules::load_embedded().unwrap();
    let mut differ = Vec::new();
    for dir in fixtures() {
        let repo = dir.join("repo");
        let on = mlops_detect::scan(&repo, &options_of(&repo, &pack)).unwrap();
        let off = mlops_detect::scan(&repo, &mlops_detect::ScanOptions { screen: false, ..options_of(&repo, &pack) }).unwrap();
        if format!("{:?}", on.evidence) != format!("{:?}", off.evidence) {
            differ.push(dir.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    assert!(differ.is_empty(), "the screen changed the evidence of: {differ:?}");
}
