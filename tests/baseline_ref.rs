//! `scan --baseline-ref REV`: the base revision is assessed from the git
//! object database and gates exactly as a saved `--baseline FILE` would.
//! Each test builds a git repository in a temporary folder with the `git`
//! CLI (fixed author, dates and config, so the commits are the same on every
//! run).

mod common;
use common::{fixture, git, git_cmd};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FULL_LOOP: &str = "level4-github-full-loop";
const TEST_STEP: &str = "      - name: Unit tests\n        run: pytest -q --junitxml=pytest.xml\n";

/// A repository in a temporary folder; the folder's parent is a git ceiling,
/// so nothing above it is ever taken for the repository.
struct Repo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        Repo { _tmp: tmp, root }
    }

    fn commit(&self, msg: &str) {
        git(&self.root, &["add", "-A"]);
        git(&self.root, &["commit", "-q", "--no-verify", "-m", msg]);
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let p = self.path(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        let new = f(text.clone());
        assert_ne!(text, new, "the edit of {rel} changes it");
        std::fs::write(p, new).unwrap();
    }
}

/// The test's temporary folder: git never looks above it for a repository.
fn ceiling(dir: &Path) -> &Path {
    let tmp = std::env::temp_dir();
    dir.ancestors().find(|a| a.parent() == Some(tmp.as_path())).unwrap_or(dir)
}

fn scan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-level"))
        .arg("scan")
        .arg(dir)
        .args(args)
        .env("GIT_CEILING_DIRECTORIES", ceiling(dir))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The section of a Markdown report that says what changed.
fn changes(md: &str) -> &str {
    let start = md.find("### Changes since").expect("a changes section");
    let end = md[start..].find("| Level |").map(|e| start + e).unwrap_or(md.len());
    &md[start..end]
}

/// A full-loop repository whose second commit drops the unit tests from CI.
fn tests_dropped() -> Repo {
    let r = Repo::new();
    common::copy_dir(&fixture(FULL_LOOP), &r.root);
    r.commit("full loop");
    r.edit(".github/workflows/ci.yml", |t| t.replace(TEST_STEP, ""));
    r.commit("drop the tests from CI");
    r
}

#[test]
fn dropping_the_tests_from_ci_fails_naming_the_criterion() {
    let r = tests_dropped();
    let o = scan(&r.root, &["--baseline-ref", "HEAD~1", "--format", "markdown"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let base = git(&r.root, &["rev-parse", "HEAD~1"]);
    assert!(err.contains(&format!("since the baseline HEAD~1 (commit {})", &base[..12])), "{err}");
    assert!(err.contains("  - level dropped from 4 to 0\n"), "{err}");
    assert!(err.contains("  - L1.test.app-unit (Automated tests for application code) went from met to partial\n"), "{err}");
    let md = stdout(&o);
    let ch = changes(&md);
    assert!(ch.starts_with(&format!("### Changes since `HEAD~1` (commit `{}`)\n", &base[..12])), "{ch}");
    assert!(
        ch.contains("**Lost** (met before, not now):\n\n- `L1.test.app-unit` Automated tests for application code: ✅ met → 🟡 partial"),
        "{ch}"
    );
    assert!(!ch.contains("**Gained**"), "{ch}");
}

/// The gate and the report are those of a JSON report saved at the base.
#[test]
fn the_gate_is_the_one_a_baseline_saved_at_the_base_gives() {
    let r = tests_dropped();
    // A checkout of the base beside it, scanned the ordinary way.
    let base_dir = r._tmp.path().join("base");
    git(&r.root, &["worktree", "add", "-q", "--detach", base_dir.to_str().unwrap(), "HEAD~1"]);
    let saved = r._tmp.path().join("base.json");
    let o = scan(&base_dir, &["-o", &format!("json={}", saved.display())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let by_file = scan(&r.root, &["--baseline", saved.to_str().unwrap(), "--format", "markdown"]);
    let by_ref = scan(&r.root, &["--baseline-ref", "HEAD~1", "--format", "markdown"]);
    assert_eq!(by_file.status.code(), Some(1));
    assert_eq!(by_ref.status.code(), Some(1));
    let lines = |o: &Output| stderr(o).lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(lines(&by_file), lines(&by_ref), "the same regressions");
    let body = |o: &Output| {
        let md = stdout(o);
        let ch = changes(&md);
        ch[ch.find('\n').unwrap()..].to_string()
    };
    assert_eq!(body(&by_file), body(&by_ref), "the same changes");
}

#[test]
fn a_criterion_gained_passes_and_the_markdown_shows_the_gain() {
    let r = Repo::new();
    common::copy_dir(&fixture(FULL_LOOP), &r.root);
    r.edit(".github/workflows/ci.yml", |t| t.replace(TEST_STEP, ""));
    r.commit("no tests in CI");
    r.edit(".github/workflows/ci.yml", |t| t + TEST_STEP);
    r.commit("tests in CI");
    let o = scan(&r.root, &["--baseline-ref", "HEAD~1", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    let ch = changes(&md);
    assert!(ch.contains("Level 0 → 4 (⬆️ rose)."), "{ch}");
    assert!(
        ch.contains("**Gained** (met now, not before):\n\n- `L1.test.app-unit` Automated tests for application code: 🟡 partial → ✅ met"),
        "{ch}"
    );
    assert!(!ch.contains("**Lost**"), "{ch}");
}

/// The same commit read from git and from its checkout: nothing changed.
/// Run on fixtures of every CI system the pack reads, scanned as a subfolder
/// of a repository that holds other evidence beside it (which must not
/// count), with ignored files in the work tree (which the disk scan skips).
#[test]
fn an_unchanged_checkout_matches_its_commit() {
    let fixtures = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")).unwrap();
    let mut names: Vec<String> = fixtures.map(|f| f.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    // Every 8th fixture: a spread of CI systems and levels, at a bounded cost.
    let picked: Vec<&String> = names.iter().step_by(8).collect();
    assert!(picked.len() >= 10);
    let r = Repo::new();
    common::copy_dir(&fixture(FULL_LOOP), &r.root);
    for name in &picked {
        common::copy_dir(&fixture(name), &r.path(&format!("projects/{name}")));
    }
    std::fs::write(r.path(".gitignore"), "scratch/\n").unwrap();
    r.commit("projects");
    for name in &picked {
        let dir = r.path(&format!("projects/{name}"));
        // Untracked and ignored: a scratch training script would be evidence if it were scanned.
        std::fs::create_dir_all(dir.join("scratch")).unwrap();
        std::fs::write(dir.join("scratch/train.py"), "m = LogisticRegression().fit(X, y)\n").unwrap();
        let o = scan(&dir, &["--baseline-ref", "HEAD", "--format", "markdown"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let md = stdout(&o);
        let ch = changes(&md);
        assert!(ch.contains("(unchanged).") && ch.contains("No criterion changed status."), "{name}: {ch}");
    }
    // The whole repository too.
    let o = scan(&r.root, &["--baseline-ref", "main", "--format", "markdown"]);
    assert!(changes(&stdout(&o)).contains("No criterion changed status."), "{}", stdout(&o));
}

/// A `.gitignore` written for tool output (`.*`, `models/`) also matches
/// tracked CI and source files: git checks them out, so they are scanned,
/// in the checkout (from its index) and at a revision (a commit's tree).
/// Untracked files the patterns match stay skipped.
#[test]
fn tracked_files_a_gitignore_matches_are_scanned() {
    let r = Repo::new();
    common::copy_dir(&fixture(FULL_LOOP), &r.root);
    std::fs::write(r.path(".gitignore"), ".*\nmodels/\n!.gitignore\n").unwrap();
    git(&r.root, &["add", "-A"]);
    git(&r.root, &["add", "-f", ".github"]);
    git(&r.root, &["commit", "-q", "--no-verify", "-m", "full loop, dotfiles ignored"]);
    std::fs::create_dir_all(r.path("src/models")).unwrap();
    std::fs::write(r.path("src/models/scratch.py"), "m = LogisticRegression().fit(X, y)\n").unwrap();
    let json = |o: &Output| -> serde_json::Value { serde_json::from_slice(&o.stdout).unwrap() };
    let o = scan(&r.root, &["--format", "json"]);
    let report = json(&o);
    assert_eq!(report["level"], 4, "{}", stderr(&o));
    let cites = |v: &serde_json::Value, path: &str| v.to_string().contains(path);
    assert!(cites(&report, ".github/workflows/ci.yml"));
    assert!(!cites(&report, "src/models/scratch.py"), "untracked and ignored: not scanned");
    // The commit's tree gives the same report: nothing changed.
    let o = scan(&r.root, &["--baseline-ref", "HEAD", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(changes(&stdout(&o)).contains("No criterion changed status."), "{}", stdout(&o));
    // Without the index (an export of the files), `.gitignore` rules alone.
    std::fs::remove_file(r.path(".git/index")).unwrap();
    let o = scan(&r.root, &["--format", "json"]);
    assert_eq!(json(&o)["level"], 0, "no CI left: {}", stderr(&o));
}

#[test]
fn a_subfolder_is_compared_with_the_same_subfolder_at_rev() {
    let r = Repo::new();
    common::copy_dir(&fixture(FULL_LOOP), &r.path("ml"));
    common::copy_dir(&fixture(FULL_LOOP), &r.path("other"));
    r.commit("two copies");
    r.edit("ml/.github/workflows/ci.yml", |t| t.replace(TEST_STEP, ""));
    r.commit("ml drops its tests");
    let o = scan(&r.path("ml"), &["--baseline-ref", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("L1.test.app-unit"), "{}", stderr(&o));
    let o = scan(&r.path("other"), &["--baseline-ref", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(0), "the sibling did not change: {}", stderr(&o));
}

#[test]
fn a_folder_new_since_rev_is_compared_with_nothing() {
    let r = Repo::new();
    std::fs::write(r.path("README.md"), "# repo\n").unwrap();
    r.commit("readme");
    common::copy_dir(&fixture(FULL_LOOP), &r.path("ml"));
    r.commit("ml");
    let o = scan(&r.path("ml"), &["--baseline-ref", "HEAD~1", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(changes(&stdout(&o)).contains("Level 0 → 4 (⬆️ rose)."), "{}", stdout(&o));
}

#[test]
fn the_base_is_assessed_with_its_own_config() {
    let r = Repo::new();
    common::copy_dir(&fixture("capped-no-ci-tests"), &r.root);
    let config =
        "declare:\n  - id: L1.test.app-unit\n    reason: tests run in the QA team's pipeline\n    link: https://example.invalid/qa\n";
    std::fs::write(r.path(".mlops-level.yml"), config).unwrap();
    r.commit("declared");
    std::fs::remove_file(r.path(".mlops-level.yml")).unwrap();
    r.commit("declaration removed");
    let o = scan(&r.root, &["--baseline-ref", "HEAD~1", "--format", "markdown"]);
    // With the current (absent) config on both sides nothing would differ.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("level dropped from"), "{}", stderr(&o));
    assert!(changes(&stdout(&o)).contains("| `L1.test.app-unit` | declared | ❌ missing |"), "{}", stdout(&o));
    // --no-config applies to both sides.
    let o = scan(&r.root, &["--baseline-ref", "HEAD~1", "--no-config"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A base config this version rejects: a warning, and the current config for both.
    std::fs::write(r.path(".mlops-level.yml"), "bogus: 1\n").unwrap();
    r.commit("broken config");
    std::fs::remove_file(r.path(".mlops-level.yml")).unwrap();
    r.commit("config removed");
    let o = scan(&r.root, &["--baseline-ref", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: the config .mlops-level.yml at HEAD~1 is not valid"), "{}", stderr(&o));
}

#[test]
fn a_revision_that_is_not_there_exits_2_saying_what_to_fetch() {
    let r = tests_dropped();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let o = scan(&r.root, &["--baseline-ref", sha]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("no such commit in the repository at {}", r.root.display())), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("`git fetch --depth=1 origin {sha}`")), "{}", stderr(&o));
    let o = scan(&r.root, &["--baseline-ref", "origin/main"]);
    assert!(stderr(&o).contains("`git fetch --depth=1 origin main:refs/remotes/origin/main`"), "{}", stderr(&o));

    // A shallow clone (of a local repository: no network) lacks HEAD~1.
    let shallow = r._tmp.path().join("shallow");
    let url = format!("file://{}", r.root.display());
    let out = git_cmd(r._tmp.path()).args(["clone", "-q", "--depth=1", &url, shallow.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let o = scan(&shallow, &["--baseline-ref", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("this clone is shallow") && stderr(&o).contains("git fetch --deepen=1"), "{}", stderr(&o));
    // Once fetched, it works.
    git(&shallow, &["fetch", "-q", "--deepen=1"]);
    assert_eq!(scan(&shallow, &["--baseline-ref", "HEAD~1"]).status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    common::copy_dir(&fixture(FULL_LOOP), &plain);
    let o = scan(&plain, &["--baseline-ref", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("{} is not in a git repository", plain.display())), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "no report when the base cannot be read");

    let r = tests_dropped();
    for bad in [&["--baseline-ref", "--help"][..], &["--baseline-ref", "HEAD", "--baseline", "x.json"]] {
        let o = scan(&r.root, bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
    let o = scan(&r.root, &["--baseline-ref=-n"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--baseline-ref `-n`: not a revision"), "{}", stderr(&o));
}

/// Every file under `dir` with its size, modification time and content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                todo.push(e.path());
            } else {
                let bytes = if m.is_file() { std::fs::read(e.path()).unwrap() } else { Vec::new() };
                out.insert(e.path(), (m.len(), m.modified().unwrap(), bytes));
            }
        }
    }
    out
}

#[test]
fn nothing_in_the_work_tree_or_git_is_written() {
    let r = tests_dropped();
    // A dirty work tree: a modified file and an untracked one.
    r.edit("README.md", |t| t + "\nlocal change\n");
    std::fs::write(r.path("notes.txt"), "untracked\n").unwrap();
    // A hook that would leave a mark if anything ran it.
    let hook = r.path(".git/hooks/post-checkout");
    std::fs::write(&hook, "#!/bin/sh\ntouch \"$GIT_DIR/../HOOK-RAN\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let status = git(&r.root, &["status", "--porcelain"]);
    let before = snapshot(&r.root);
    let o = scan(&r.root, &["--baseline-ref", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let after = snapshot(&r.root);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "no file added or removed");
    for (p, b) in &before {
        assert!(b == &after[p], "{} changed", p.display());
    }
    assert!(before.keys().any(|p| p.ends_with(".git/index")), "the index is among the files compared");
    assert_eq!(git(&r.root, &["status", "--porcelain"]), status);
}

/// A monorepo: a project added since REV is reported, never a regression; a
/// project that loses its tests at HEAD regresses, named with the project.
#[test]
fn monorepo_projects_are_compared_with_rev_one_by_one() {
    let r = Repo::new();
    common::copy_dir(&fixture("monorepo-three-projects-shared-pipeline"), &r.root);
    r.commit("three projects");
    std::fs::create_dir_all(r.path("projects/ranker")).unwrap();
    std::fs::write(r.path("projects/ranker/requirements.txt"), "lightgbm==4.3.0\n").unwrap();
    std::fs::write(r.path("projects/ranker/train.py"), "import lightgbm as lgb\n\nmodel = lgb.LGBMRanker()\nmodel.fit(X, y, group=g)\n")
        .unwrap();
    r.commit("a fourth project");
    let added = scan(&r.root, &["--format", "markdown", "--baseline-ref", "HEAD~1"]);
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    assert!(stderr(&added).contains("project projects/ranker is new since the baseline (level 0; not a regression)"), "{}", stderr(&added));
    assert!(stdout(&added).contains("| `projects/ranker` | – | 0 | new project |"), "{}", stdout(&added));

    r.edit(".gitlab-ci.yml", |t| t[..t.find("recsys-test:").unwrap()].to_string());
    r.commit("drop recsys tests");
    let dropped = scan(&r.root, &["--format", "json", "--baseline-ref", "HEAD~1"]);
    assert_eq!(dropped.status.code(), Some(1));
    assert!(stderr(&dropped).contains("project projects/recsys: L1.test.app-unit"), "{}", stderr(&dropped));
}
