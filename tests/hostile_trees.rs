//! Bad input never stops a scan: unparsable YAML, invalid UTF-8, files over
//! the cap, symlink loops and escapes, FIFOs and unreadable files become
//! `issues[]` entries while the rest of the repository is still assessed.
//! The trees are built at test time.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn write(root: &Path, rel: &str, body: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

const GOOD_CI: &str = "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n";

fn base_repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), ".github/workflows/ci.yml", GOOD_CI.as_bytes());
    write(d.path(), "tests/test_app.py", b"from app import add\n\ndef test_add():\n    assert add(1, 2) == 3\n");
    write(d.path(), "app.py", b"def add(a, b):\n    return a + b\n");
    d
}

fn scan(root: &Path, max: u64) -> (mlops_detect::Scan, mlops_rules::Assessment) {
    let pack = mlops_rules::load_embedded().unwrap();
    let s = mlops_detect::scan(root, &mlops_detect::ScanOptions { max_file_bytes: max, ..Default::default() }).expect("scan runs");
    let a = mlops_rules::evaluate(&pack, &s.evidence, &s.issues);
    (s, a)
}

fn has_issue(s: &mlops_detect::Scan, path: &str, kind: &str) -> bool {
    s.issues.iter().any(|i| i.path == path && i.kind == kind)
}

#[test]
fn the_base_repo_is_level_one() {
    let d = base_repo();
    let (s, a) = scan(d.path(), 1 << 20);
    assert!(s.issues.is_empty(), "{:?}", s.issues);
    assert_eq!(a.level, 1);
}

#[test]
fn unparsable_yaml_invalid_utf8_and_oversized_files() {
    let d = base_repo();
    write(d.path(), ".github/workflows/broken.yml", b"on: [push\njobs:\n  x: {\n");
    write(d.path(), "src/latin1.py", b"# caf\xe9\nimport mlflow\nmlflow.log_metric('a', 1)\n");
    write(d.path(), "src/huge.py", &vec![b'x'; 4096]);
    write(d.path(), "ml/deep.yml", "[".repeat(50_000).as_bytes());
    let mut bomb = String::from("a0: &a0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"));
    }
    write(d.path(), ".github/workflows/bomb.yml", bomb.as_bytes());
    let t = Instant::now();
    let (s, a) = scan(d.path(), 2048);
    assert!(t.elapsed() < Duration::from_secs(30), "scan took {:?}", t.elapsed());
    assert!(has_issue(&s, ".github/workflows/broken.yml", "yaml-parse"), "{:?}", s.issues);
    assert!(has_issue(&s, ".github/workflows/bomb.yml", "yaml-parse"), "{:?}", s.issues);
    assert!(has_issue(&s, "src/latin1.py", "invalid-utf8"), "{:?}", s.issues);
    assert!(has_issue(&s, "src/huge.py", "file-too-large"), "{:?}", s.issues);
    // The valid workflow beside them still counts, and the lossy file is still read.
    assert_eq!(a.level, 1);
    assert!(s.evidence.iter().any(|e| e.kind == "code.track" && e.location.path == "src/latin1.py"));
    assert!(a.findings.iter().any(|f| f.rule == "A.ci-unparsable"));
}

/// A file whose name is not UTF-8 is still read from its real name on disk
/// (the listing cannot rebuild that name from the lossy relative path) and
/// reported under the lossy path.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_still_read() {
    use std::os::unix::ffi::OsStrExt;
    let d = base_repo();
    let dir = d.path().join("src");
    fs::create_dir_all(&dir).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"tr\xe9in.py");
    fs::write(dir.join(name), b"import mlflow\nmlflow.log_metric('a', 1)\n").unwrap();
    let (s, _) = scan(d.path(), 1 << 20);
    let lossy = "src/tr\u{FFFD}in.py";
    assert!(s.files.iter().any(|f| f == lossy), "{:?}", s.files);
    assert!(s.evidence.iter().any(|e| e.kind == "code.track" && e.location.path == lossy), "{:?}", s.evidence);
    assert!(!s.issues.iter().any(|i| i.kind == "unreadable"), "{:?}", s.issues);
    // A second name that decodes to the same path is reported, not listed twice.
    fs::write(dir.join(std::ffi::OsStr::from_bytes(b"tr\xffin.py")), b"x = 1\n").unwrap();
    let (s, _) = scan(d.path(), 1 << 20);
    assert_eq!(s.files.iter().filter(|f| *f == lossy).count(), 1, "{:?}", s.files);
    assert!(has_issue(&s, lossy, "name-collision"), "{:?}", s.issues);
    // Which one is read does not depend on the walker's threads: ties are
    // ordered by size (then the exact name), so the smaller file is read.
    for _ in 0..3 {
        let (s, _) = scan(d.path(), 1 << 20);
        assert!(!s.evidence.iter().any(|e| e.location.path == lossy), "{:?}", s.evidence);
    }
}

#[cfg(unix)]
#[test]
fn symlinks_fifos_and_unreadable_files() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let d = base_repo();
    let root = d.path();
    fs::create_dir_all(root.join("loop")).unwrap();
    symlink("b", root.join("loop/a")).unwrap();
    symlink("a", root.join("loop/b")).unwrap();
    symlink("..", root.join("loop/parent")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "train.py", b"import mlflow\nmlflow.log_metric('a', 1)\n");
    symlink(outside.path(), root.join("escape")).unwrap();
    symlink(outside.path().join("train.py"), root.join("escape_train.py")).unwrap();
    symlink("missing-target", root.join("dangling")).unwrap();
    let fifo = root.join("pipe.py");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    write(root, "secret/train.py", b"import mlflow\n");
    let locked = root.join("secret/train.py");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let root_can_read = fs::File::open(&locked).is_ok();

    let t = Instant::now();
    let (s, a) = scan(root, 1 << 20);
    assert!(t.elapsed() < Duration::from_secs(30));
    assert!(has_issue(&s, "loop/a", "symlink-loop"), "{:?}", s.issues);
    assert!(has_issue(&s, "dangling", "symlink-broken"), "{:?}", s.issues);
    assert!(has_issue(&s, "escape", "symlink-escapes-root"), "{:?}", s.issues);
    assert!(has_issue(&s, "escape_train.py", "symlink-escapes-root"), "{:?}", s.issues);
    // Nothing outside the root is ever read.
    assert!(s.evidence.iter().all(|e| !e.location.path.contains("escape")), "read through a symlink");
    assert!(s.files.iter().all(|f| !f.starts_with("loop/parent/")));
    if made {
        assert!(has_issue(&s, "pipe.py", "not-regular-file"), "{:?}", s.issues);
    } else {
        eprintln!("mkfifo unavailable: FIFO case not exercised");
    }
    if root_can_read {
        eprintln!("running as root: permission-denied case cannot be exercised here");
    } else {
        assert!(has_issue(&s, "secret/train.py", "unreadable"), "{:?}", s.issues);
    }
    assert_eq!(a.level, 1);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn gitignored_and_vendored_trees_are_skipped() {
    let d = base_repo();
    write(d.path(), ".gitignore", b"generated/\n");
    write(d.path(), "generated/train.py", b"import mlflow\nmlflow.log_metric('a', 1)\n");
    write(d.path(), "node_modules/pkg/train.py", b"import mlflow\nmlflow.log_metric('a', 1)\n");
    write(d.path(), "env/pyvenv.cfg", b"home = /usr\n");
    write(d.path(), "env/lib/site/train.py", b"import mlflow\nmlflow.log_metric('a', 1)\n");
    // `pip install --target deps`: recognised by its *.dist-info folders.
    write(d.path(), "deps/mlflow-2.0.dist-info/METADATA", b"Name: mlflow\n");
    write(d.path(), "deps/mlflow/tracking.py", b"import mlflow\nmlflow.log_metric('a', 1)\n");
    // A virtualenv's interpreter link points outside the root: not reported.
    #[cfg(unix)]
    std::os::unix::fs::symlink("/usr/bin/python3", d.path().join("env/python")).unwrap();
    let (s, _) = scan(d.path(), 1 << 20);
    assert!(s.files.iter().all(|f| !f.starts_with("env/") && !f.starts_with("deps/")), "{:?}", s.files);
    assert!(s.issues.iter().all(|i| !i.path.starts_with("env/")), "{:?}", s.issues);
    assert!(
        s.evidence.iter().all(|e| e.kind != "code.track"),
        "{:?}",
        s.evidence.iter().filter(|e| e.kind == "code.track").collect::<Vec<_>>()
    );
}
