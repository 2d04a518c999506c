//! The scan of a checkout reads each file once and detects Python modules
//! as they are read, before repository-wide facts (seed folders, CI
//! variables) are known; whatever that early detection could get wrong is
//! detected again. These tests compare it with the scan that detects nothing
//! early: the content screen off (every applicable detector reads every
//! file, so no file qualifies). `crates/detect/tests/tree_scan.rs` compares
//! disk and in-memory scans of every fixture.

/// A temporary tree of `files` (path, text).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    dir
}

/// Evidence, units and scan issues, as text, to compare whole scans.
fn summary(scan: &mlops_detect::Scan) -> String {
    format!("{:?}\n{:?}\n{:?}", scan.evidence, scan.units, scan.issues)
}

fn screen_off() -> mlops_detect::ScanOptions {
    mlops_detect::ScanOptions { screen: false, ..Default::default() }
}

const WORKFLOW: &str = "on: push\njobs:\n  train:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python train.py\n";

/// Two folders laid out as repositories of their own (their own CI) are
/// sample repositories: nothing in them is this repository's code. A module
/// of this repository importing one of them must not see the sample's
/// imports, although it was detected before the samples were known.
#[test]
fn a_module_importing_from_a_seed_folder_is_detected_again() {
    let dir = tree(&[
        (".github/workflows/ci.yml", WORKFLOW),
        ("train.py", "from templates.a.model import build\n\nest = build()\nest.fit(X, y)\n"),
        ("templates/a/.github/workflows/ci.yml", WORKFLOW),
        ("templates/a/model.py", "from sklearn.linear_model import LogisticRegression\n\ndef build():\n    return LogisticRegression()\n"),
        ("templates/b/.github/workflows/ci.yml", WORKFLOW),
        ("templates/b/train.py", "print('sample')\n"),
    ]);
    let root = dir.path();
    let scan = mlops_detect::scan(root, &Default::default()).unwrap();
    let seeds: Vec<&str> = scan.evidence.iter().filter(|e| e.kind == "repo.seed-folder").filter_map(|e| e.attrs.get("dir")).collect();
    assert_eq!(seeds, ["templates/a", "templates/b"]);
    // The sample's sklearn import is not this repository's: `fit` on what a
    // sample builds is no training here.
    assert!(!scan.evidence.iter().any(|e| e.kind == "code.train" && e.location.path == "train.py"), "{:#?}", scan.evidence);
    let off = mlops_detect::scan(root, &screen_off()).unwrap();
    assert_eq!(summary(&scan), summary(&off));

    // Without the samples (one nested repository is not a collection), the
    // same import is this repository's code and `fit` trains.
    std::fs::remove_dir_all(root.join("templates/b")).unwrap();
    let scan = mlops_detect::scan(root, &Default::default()).unwrap();
    assert!(scan.evidence.iter().any(|e| e.kind == "code.train" && e.location.path == "train.py"), "{:#?}", scan.evidence);
    assert_eq!(summary(&scan), summary(&mlops_detect::scan(root, &screen_off()).unwrap()));
}

/// A module whose job settings come from the environment (`script_name=
/// env.train_script`) resolves them through repository-wide CI variables,
/// which are complete only after every file is read: it is detected late.
#[test]
fn a_module_reading_ci_variables_is_detected_once_they_are_known() {
    let dir = tree(&[
            (".pipelines/vars.yml", "variables:\n  TRAIN_SCRIPT: train.py\n"),
            ("ml/env.py", "import os\n\nclass Env:\n    def __init__(self):\n        self.train_script = os.environ.get(\"TRAIN_SCRIPT\")\n"),
            (
                "ml/submit.py",
                "from azureml.core import ScriptRunConfig\nfrom ml.env import Env\n\ne = Env()\nrun = ScriptRunConfig(source_directory='.', script_name=e.train_script)\n",
            ),
            ("train.py", "print('train')\n"),
    ]);
    let root = dir.path();
    let scan = mlops_detect::scan(root, &Default::default()).unwrap();
    let unit = scan.units.iter().find(|u| u.id == "file:ml/submit.py").expect("the module is a unit");
    assert!(unit.commands.iter().any(|c| c.argv == ["python", "train.py"]), "{:#?}", unit.commands);
    assert_eq!(summary(&scan), summary(&mlops_detect::scan(root, &screen_off()).unwrap()));
}

/// Modules detected early whose unit is plain (most of a tree) are held as
/// a mark, not a unit; the unit listing (`MLOPS_LEVEL_DEBUG_UNITS`) still
/// shows each one, as it shows the units of modules that call others.
#[test]
fn plain_module_units_detected_early_are_listed() {
    let dir = tree(&[
        (".github/workflows/ci.yml", WORKFLOW),
        ("train.py", "from pkg.util import load\n\nload()\n"),
        ("pkg/__init__.py", ""),
        ("pkg/util.py", "def load():\n    return 1\n"),
        ("pkg/other.py", "X = 2\n"),
    ]);
    let root = dir.path();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlops-level"))
        .args(["scan", "--format", "json"])
        .arg(root)
        .env("MLOPS_LEVEL_DEBUG_UNITS", "1")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stderr);
    let units: Vec<&str> = listing.lines().filter_map(|l| l.strip_prefix("unit ")).map(|l| l.split(' ').next().unwrap()).collect();
    for id in ["file:pkg/__init__.py", "file:pkg/other.py", "file:pkg/util.py", "file:train.py"] {
        assert_eq!(units.iter().filter(|u| **u == id).count(), 1, "{id} listed once in {listing}");
    }
    assert!(listing.contains("unit file:train.py root=false triggers={} calls=[\"file:pkg/util.py\"]"), "{listing}");
}
