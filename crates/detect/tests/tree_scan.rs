//! A tree scanned from memory (`scan_tree`, `scan_in_memory`: what
//! `--baseline-ref` scans from git) gives the same scan as the same files on
//! disk: same evidence, issues, file list and exclude use.

use mlops_detect::tree::{EntryKind, Tree, TreeEntry};
use mlops_detect::{scan, scan_in_memory, scan_tree, Scan, ScanOptions};
use std::path::{Path, PathBuf};

/// Every entry under `root` as a tree: files with their bytes, links with their target.
fn tree_of(root: &Path) -> (Tree, Vec<Vec<u8>>) {
    fn visit(dir: &Path, root: &Path, out: &mut Vec<(String, EntryKind, Vec<u8>)>) {
        let mut items: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        items.sort();
        for p in items {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.push((rel, EntryKind::Symlink, target.to_string_lossy().into_owned().into_bytes()));
            } else if meta.is_dir() {
                visit(&p, root, out);
            } else {
                out.push((rel, EntryKind::File, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut items = Vec::new();
    visit(root, root, &mut items);
    let entries =
        items.iter().enumerate().map(|(i, (p, k, b))| TreeEntry { path: p.clone(), kind: *k, size: b.len() as u64, id: i.to_string() });
    (Tree::new(entries.collect::<Vec<_>>()), items.into_iter().map(|(.., b)| b).collect())
}

fn scan_of_tree(tree: &Tree, blobs: &[Vec<u8>], top: &str, opts: &ScanOptions) -> Scan {
    let mut read =
        |ids: &[&str]| -> Result<Vec<Vec<u8>>, String> { Ok(ids.iter().map(|i| blobs[i.parse::<usize>().unwrap()].clone()).collect()) };
    scan_tree(tree, top, opts, &mut read).unwrap()
}

fn assert_same(disk: &Scan, mem: &Scan, what: &str) {
    assert_eq!(disk.files, mem.files, "{what}: files");
    assert_eq!(disk.issues, mem.issues, "{what}: issues");
    assert_eq!(disk.evidence, mem.evidence, "{what}: evidence");
    assert_eq!(disk.exclude_used, mem.exclude_used, "{what}: exclude use");
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn every_fixture_scans_the_same_from_memory_as_from_disk() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let (mut n, mut with_evidence) = (0, 0);
    for f in std::fs::read_dir(&fixtures).unwrap() {
        let repo = f.unwrap().path().join("repo");
        if !repo.is_dir() {
            continue;
        }
        let opts = ScanOptions::default();
        let disk = scan(&repo, &opts).unwrap();
        let (tree, blobs) = tree_of(&repo);
        let mem = scan_of_tree(&tree, &blobs, "", &opts);
        assert_same(&disk, &mem, &repo.display().to_string());
        n += 1;
        with_evidence += usize::from(!disk.evidence.is_empty());
    }
    assert!(n > 100 && with_evidence > 100, "only {n} fixtures found, {with_evidence} with evidence");
}

/// Everything the disk walk skips or reports, in one tree.
#[cfg(unix)]
#[test]
fn ignores_skips_caps_links_and_bad_utf8_match_the_disk_walk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let ci = b"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest tests\n      - run: python train.py\n";
    write(root, ".github/workflows/ci.yml", ci);
    write(root, "train.py", b"from sklearn.linear_model import LogisticRegression\nm = LogisticRegression().fit(X, y)\n");
    write(root, "tests/test_model.py", b"def test_x():\n    assert 1\n");
    // .gitignore: a tracked file it matches is not scanned; `!` re-includes; nested files override.
    write(root, ".gitignore", b"\xef\xbb\xbfignored/\n*.log\ngen_*.py\n!gen_keep.py\n");
    write(root, "ignored/train.py", b"m.fit(X, y)\n");
    write(root, "gen_a.py", b"m.fit(X, y)\n");
    write(root, "gen_keep.py", b"import mlflow\nmlflow.log_metric('a', 1)\n");
    write(root, "sub/.gitignore", b"!gen_b.py\nlocal.py\n\xff\xfe bad line\n");
    write(root, "sub/gen_b.py", b"import mlflow\nmlflow.log_metric('b', 1)\n");
    write(root, "sub/local.py", b"import mlflow\nmlflow.log_metric('c', 1)\n");
    // Skipped folders, installed environments, setuptools output.
    write(root, "node_modules/x/train.py", b"m.fit(X, y)\n");
    write(root, "env2/pyvenv.cfg", b"home = /usr\n");
    write(root, "env2/lib/train.py", b"m.fit(X, y)\n");
    write(root, "build/lib/train.py", b"m.fit(X, y)\n");
    // Excludes: a pruned folder, a file glob, one that matches nothing.
    write(root, "legacy/train.py", b"m.fit(X, y)\n");
    write(root, "notes/old.py", b"m.fit(X, y)\n");
    // Over the cap; invalid UTF-8 (line 2).
    let mut big = b"import mlflow\n".to_vec();
    big.extend(std::iter::repeat_n(b'#', 5000));
    write(root, "big.py", &big);
    write(root, "bad.py", b"import mlflow\nmlflow.log_metric('\xff', 1)\n");
    write(root, "model.pkl", &[0u8; 64]);
    // Links: inside (not followed, no issue), outside, broken, a loop, through a folder link.
    std::os::unix::fs::symlink("train.py", root.join("link_in.py")).unwrap();
    std::os::unix::fs::symlink("/", root.join("link_abs.py")).unwrap();
    std::os::unix::fs::symlink("nope.py", root.join("link_broken.py")).unwrap();
    std::os::unix::fs::symlink("loop_b", root.join("loop_a")).unwrap();
    std::os::unix::fs::symlink("loop_a", root.join("loop_b")).unwrap();
    std::os::unix::fs::symlink("sub", root.join("sublink")).unwrap();
    std::os::unix::fs::symlink("sublink/../train.py", root.join("via_dir.py")).unwrap();
    std::os::unix::fs::symlink("train.py/x", root.join("through_file.py")).unwrap();
    std::os::unix::fs::symlink("../train.py", root.join("sub/up.py")).unwrap();

    let opts = ScanOptions {
        max_file_bytes: 4096,
        exclude: vec!["legacy/**".into(), "notes/*.py".into(), "nothing/**".into()],
        ..Default::default()
    };
    let disk = scan(root, &opts).unwrap();
    let (tree, blobs) = tree_of(root);
    let mem = scan_of_tree(&tree, &blobs, "", &opts);
    assert_same(&disk, &mem, "whole tree");

    // The case is not vacuous: each rule did something on disk.
    let kinds: Vec<(&str, &str)> = disk.issues.iter().map(|i| (i.path.as_str(), i.kind.as_str())).collect();
    for want in [
        ("big.py", "file-too-large"),
        ("bad.py", "invalid-utf8"),
        ("link_broken.py", "symlink-broken"),
        ("loop_a", "symlink-loop"),
        ("through_file.py", "symlink-broken"),
        ("link_abs.py", "symlink-escapes-root"),
    ] {
        assert!(kinds.contains(&want), "{want:?} in {kinds:?}");
    }
    for gone in [
        "ignored/train.py",
        "gen_a.py",
        "sub/local.py",
        "node_modules/x/train.py",
        "env2/lib/train.py",
        "build/lib/train.py",
        "legacy/train.py",
        "notes/old.py",
        "link_in.py",
    ] {
        assert!(!disk.files.iter().any(|f| f == gone), "{gone} is not listed");
    }
    for kept in ["gen_keep.py", "sub/gen_b.py", "model.pkl", "big.py"] {
        assert!(disk.files.iter().any(|f| f == kept), "{kept} is listed");
    }
    assert_eq!(disk.exclude_used, [true, true, false]);

    // A subfolder: only its files, its own .gitignore, links out of it escape.
    let disk = scan(&root.join("sub"), &opts).unwrap();
    let mem = scan_of_tree(&tree, &blobs, "sub", &opts);
    assert_same(&disk, &mem, "subfolder");
    assert!(disk.issues.iter().any(|i| i.path == "up.py" && i.kind == "symlink-escapes-root"), "{:?}", disk.issues);
}

#[test]
fn scan_in_memory_matches_the_disk_scan_of_the_same_files() {
    let files = [
        (".github/workflows/ci.yml", "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"),
        ("Makefile", "test:\n\tpytest tests\n"),
        ("tests/test_a.py", "def test_a():\n    assert True\n"),
        (".gitignore", "scratch/\n"),
        ("scratch/train.py", "m.fit(X, y)\n"),
        ("venv/lib/train.py", "m.fit(X, y)\n"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in files {
        write(dir.path(), p, t.as_bytes());
    }
    let opts = ScanOptions::default();
    let disk = scan(dir.path(), &opts).unwrap();
    let mem = scan_in_memory(&files, &opts);
    assert_same(&disk, &mem, "in memory");
    assert!(!mem.files.iter().any(|f| f.starts_with("scratch/") || f.starts_with("venv/")), "{:?}", mem.files);
    assert!(mem.evidence.iter().any(|e| e.location.path == "Makefile"), "the Makefile target is evidence");
}

/// Two names that are not UTF-8 and decode alike: the tree keeps the file
/// the disk walk keeps (the smaller) and reports the same collision.
#[cfg(target_os = "linux")]
#[test]
fn colliding_names_are_kept_and_reported_as_on_disk() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".github/workflows/ci.yml", b"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n");
    let big =
        b"import mlflow\nfrom sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(x, y)\nmlflow.log_metric('a', 1)\n";
    let small = b"from sklearn.linear_model import Ridge\nRidge().fit(x, y)\n";
    // The larger file has the name that sorts first in bytes: size decides.
    std::fs::write(root.join(std::ffi::OsStr::from_bytes(b"m\xfe.py")), big).unwrap();
    std::fs::write(root.join(std::ffi::OsStr::from_bytes(b"m\xff.py")), small).unwrap();
    let opts = ScanOptions::default();
    let disk = scan(root, &opts).unwrap();
    let (tree, blobs) = tree_of(root);
    let mem = scan_of_tree(&tree, &blobs, "", &opts);
    assert_same(&disk, &mem, "colliding names");
    assert!(mem.issues.iter().any(|i| i.kind == "name-collision" && i.path == "m\u{fffd}.py"), "{:?}", mem.issues);
    let trains: Vec<_> = mem.evidence.iter().filter(|e| e.kind == "code.train").collect();
    assert!(!trains.is_empty() && trains.iter().all(|e| e.snippet.contains("Ridge")), "the smaller file is scanned: {trains:?}");
}
