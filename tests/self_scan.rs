//! The tool scanned on its own repository: a Rust CLI whose CI runs its tests
//! is "DevOps, no MLOps" (level 1), and the sample repositories under
//! `fixtures/` (laid out side by side, each with its own CI) are test data,
//! not this repository's practice.

use std::path::Path;

#[test]
fn this_repository_is_level_one_and_its_fixtures_are_samples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pack = mlops_rules::load_embedded().unwrap();
    let scan = mlops_detect::scan(root, &Default::default()).unwrap();
    let a = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
    assert_eq!(a.level, 1, "capped by {:?}", a.capped_by);
    let fixtures =
        std::fs::read_dir(root.join("fixtures")).unwrap().filter_map(Result::ok).filter(|e| e.path().join("repo").is_dir()).count();
    let samples = scan.evidence.iter().filter(|e| e.kind == "repo.seed-folder" && e.attrs["dir"].starts_with("fixtures/")).count();
    assert_eq!(samples, fixtures, "every fixture repository is a sample");
    // No ML evidence leaks out of the samples.
    assert!(scan.evidence.iter().all(|e| !e.location.path.starts_with("fixtures/") || e.kind == "repo.seed-folder"));
}

#[test]
fn repositories_laid_out_side_by_side_are_samples_whatever_their_ci() {
    let d = tempfile::tempdir().unwrap();
    let w = |rel: &str, body: &str| {
        let p = d.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    w(".github/workflows/ci.yml", "on: push\njobs:\n  t:\n    steps:\n      - run: echo build\n");
    w("examples/a/.github/workflows/ci.yml", "on: push\njobs:\n  t:\n    steps:\n      - run: python train.py\n");
    w("examples/a/train.py", "import mlflow\nfrom sklearn.svm import SVC\nSVC().fit(X, y)\nmlflow.log_metric('a', 1)\n");
    w("examples/b/.gitlab-ci.yml", "train:\n  script: [python train.py]\n");
    w("examples/b/train.py", "from sklearn.svm import SVC\nSVC().fit(X, y)\n");
    w("examples/c/azure-pipelines.yml", "steps:\n- script: python train.py\n");
    w("examples/c/train.py", "from sklearn.svm import SVC\nSVC().fit(X, y)\n");
    let scan = mlops_detect::scan(d.path(), &Default::default()).unwrap();
    let dirs: Vec<&str> = scan.evidence.iter().filter(|e| e.kind == "repo.seed-folder").map(|e| &e.attrs["dir"]).collect();
    assert_eq!(dirs, vec!["examples/a", "examples/b", "examples/c"]);
    assert!(scan.evidence.iter().all(|e| e.kind != "code.train"));
}
