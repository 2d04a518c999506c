//! `fleet`, `merge` and `history` on the fixtures as a fleet: a line is the
//! scan's JSON report plus `path`; the aggregate agrees with every fixture's
//! `expect.yaml`; shards merge to the bytes of one unsharded run; `--resume`
//! survives a kill and a truncated last line; repositories that cannot be
//! scanned get error lines and exit 2; history across two runs.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The CLI, run at the repository root (so fleet paths are `fixtures/NAME/repo`).
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops-level"));
    c.current_dir(root()).env_remove("SOURCE_DATE_EPOCH");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    // Per process: test runners that run each test in a process of its own
    // (cargo-nextest) must not share the folders.
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fleet-tests-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every fixture's repository, relative to the repository root, sorted.
fn fixture_repos() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("repo").is_dir() && e.path().join("expect.yaml").is_file())
        .map(|e| format!("fixtures/{}/repo", e.file_name().to_string_lossy()))
        .collect();
    v.sort();
    v
}

/// A list file of every fixture's repository, in reverse order (the run sorts).
fn list_file(dir: &Path) -> PathBuf {
    let p = dir.join("repos.txt");
    let mut repos = fixture_repos();
    repos.reverse();
    std::fs::write(&p, format!("# the fixtures\n\n{}\n", repos.join("\n"))).unwrap();
    p
}

/// One unsharded run over every fixture, shared by the tests: its JSON lines
/// and its JSON aggregate.
fn full_run() -> &'static (Vec<u8>, Value) {
    static RUN: OnceLock<(Vec<u8>, Value)> = OnceLock::new();
    RUN.get_or_init(|| {
        let d = tmp("full");
        let out = d.join("all.jsonl");
        let o = run(&["fleet", "--list", list_file(&d).to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", "json", "-j", "3"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        (std::fs::read(&out).unwrap(), serde_json::from_slice(&o.stdout).unwrap())
    })
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn each_line_is_the_scan_json_report_with_its_path_in_path_order() {
    let (bytes, _) = full_run();
    let all = lines(bytes);
    let paths: Vec<String> = all.iter().map(|l| l["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(paths, fixture_repos(), "one line per repository, in path order");
    assert!(bytes.ends_with(b"\n") && String::from_utf8_lossy(bytes).lines().all(|l| l.starts_with("{\"path\":")));
    for name in ["level4-github-full-loop", "level0-github-manual-only", "inhouse-sdk-catalog"] {
        let path = format!("fixtures/{name}/repo");
        let scan = run(&["scan", &path, "--format", "json"]);
        let want: Value = serde_json::from_slice(&scan.stdout).unwrap();
        let mut got = all.iter().find(|l| l["path"] == path.as_str()).unwrap().clone();
        got.as_object_mut().unwrap().remove("path");
        assert_eq!(got, want, "{name}: the fleet line is not the scan report");
    }
}

#[derive(serde::Deserialize)]
struct Expect {
    level: u8,
    criteria: BTreeMap<String, String>,
}

/// The aggregate, computed independently from the fixtures' `expect.yaml`
/// (checked against the scanner by `tests/fixtures.rs`) and the rule pack.
#[test]
fn aggregate_agrees_with_the_fixtures_expectations() {
    let (_, summary) = full_run();
    let rules: Vec<Value> = serde_json::from_slice(&run(&["rules", "--format", "json"]).stdout).unwrap();
    let kind: BTreeMap<&str, (&str, u64)> =
        rules.iter().map(|r| (r["id"].as_str().unwrap(), (r["kind"].as_str().unwrap(), r["level"].as_u64().unwrap_or(0)))).collect();
    let (mut levels, mut meeting, mut caps) = ([0u64; 5], BTreeMap::<String, u64>::new(), BTreeMap::<String, u64>::new());
    let repos = fixture_repos();
    for repo in &repos {
        let dir = root().join(repo).parent().unwrap().to_path_buf();
        let e: Expect = serde_saphyr::from_str(&std::fs::read_to_string(dir.join("expect.yaml")).unwrap()).unwrap();
        levels[e.level as usize] += 1;
        for (id, status) in &e.criteria {
            let ok = ["met", "declared", "skipped"].contains(&status.as_str());
            *meeting.entry(id.clone()).or_default() += u64::from(ok);
            let (k, l) = kind[id.as_str()];
            if k == "required" && l == u64::from(e.level) + 1 && !ok {
                *caps.entry(id.clone()).or_default() += 1;
            }
        }
    }
    let n = repos.len() as u64;
    assert_eq!(summary["repositories"], n);
    assert_eq!(summary["scanned"], n);
    let got: Vec<u64> = summary["levels"].as_array().unwrap().iter().map(|l| l["repositories"].as_u64().unwrap()).collect();
    assert_eq!(got, levels.to_vec(), "level distribution");
    assert!(levels.iter().filter(|c| **c > 0).count() == 5, "the fixtures cover every level");
    for c in summary["criteria"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["meeting"].as_u64(), meeting.get(id).copied(), "{id}: repositories meeting it");
        if c["kind"] == "not-assessed" {
            assert!(c["share"].is_null());
        } else {
            let share = (meeting[id] as f64 / n as f64 * 1000.0).round() / 1000.0;
            assert_eq!(c["share"].as_f64(), Some(share), "{id}: share");
        }
    }
    assert_eq!(summary["criteria"].as_array().unwrap().len(), meeting.len());
    let got: Vec<(String, u64)> = summary["capped_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().into(), c["repositories"].as_u64().unwrap()))
        .collect();
    let mut want: Vec<(String, u64)> = caps.into_iter().collect();
    want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(got, want, "capping criteria, most often first");
}

#[test]
fn shards_partition_the_sorted_list_and_merge_to_the_unsharded_run() {
    let (all, _) = full_run();
    let d = tmp("shards");
    let list = list_file(&d);
    let repos = fixture_repos();
    let mut files = Vec::new();
    for i in 1..=3 {
        let out = d.join(format!("shard-{i}.jsonl"));
        let shard = format!("{i}/3");
        let dry = run(&["fleet", "--list", list.to_str().unwrap(), "--shard", &shard, "--dry-run"]);
        let want: Vec<&String> = repos.iter().enumerate().filter(|(k, _)| k % 3 == i - 1).map(|(_, p)| p).collect();
        let listed: Vec<String> = String::from_utf8_lossy(&dry.stdout).lines().map(String::from).collect();
        assert_eq!(listed.iter().collect::<Vec<_>>(), want, "shard {shard}: round-robin over the sorted list");
        let o = run(&["fleet", "--list", list.to_str().unwrap(), "--shard", &shard, "--out", out.to_str().unwrap(), "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let got: Vec<String> = lines(&std::fs::read(&out).unwrap()).iter().map(|l| l["path"].as_str().unwrap().to_string()).collect();
        assert_eq!(got, listed, "shard {shard} scans what --dry-run lists");
        files.push(out);
    }
    let f: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let merged = run(&["merge", f[2], f[0], f[1]]);
    assert_eq!(merged.status.code(), Some(0), "{}", stderr(&merged));
    assert!(merged.stdout == *all, "merged shards differ from the unsharded run");
    // The merged aggregate is the unsharded one.
    let agg = run(&["merge", f[0], f[1], f[2], "--format", "json"]);
    assert_eq!(serde_json::from_slice::<Value>(&agg.stdout).unwrap(), full_run().1);
    // More shards than repositories: the empty shards are empty, not errors.
    let few = d.join("few.jsonl");
    let o = run(&["fleet", "fixtures/level2-gitlab-training/repo", "--shard", "2/3", "--out", few.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&few).unwrap(), b"");
}

#[test]
fn resume_keeps_done_lines_drops_a_truncated_one_and_retries_errors() {
    let (all, _) = full_run();
    let d = tmp("resume");
    let list = list_file(&d);
    let text = String::from_utf8_lossy(all).into_owned();
    let full: Vec<&str> = text.lines().collect();
    // A run killed while writing line 6: five complete lines, half of the sixth.
    // Line 2 is marked: kept as is, it proves done repositories are not scanned again.
    // Line 4 is an error line: it is retried.
    let mut v: Value = serde_json::from_str(full[1]).unwrap();
    v["level_title"] = "KEPT".into();
    let marked = serde_json::to_string(&v).unwrap();
    let path3 = serde_json::from_str::<Value>(full[3]).unwrap()["path"].as_str().unwrap().to_string();
    let error3 = serde_json::json!({"path": path3, "error": "no such directory"}).to_string();
    let partial = format!("{}\n{marked}\n{}\n{error3}\n{}\n{}", full[0], full[2], full[4], &full[5][..full[5].len() / 2]);
    let out = d.join("out.jsonl");
    std::fs::write(&out, &partial).unwrap();

    let dry = run(&["fleet", "--list", list.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume", "--dry-run"]);
    let todo: Vec<String> = String::from_utf8_lossy(&dry.stdout).lines().map(String::from).collect();
    assert_eq!(todo.len(), full.len() - 4, "four repositories are done");
    assert!(todo.contains(&path3), "the error line is retried");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), partial, "--dry-run changes nothing");

    let o = run(&["fleet", "--list", list.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume", "-j", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("dropped an incomplete last line"), "{}", stderr(&o));
    let mut want = full.clone();
    want[1] = &marked;
    assert_eq!(std::fs::read_to_string(&out).unwrap(), want.join("\n") + "\n");
}

#[test]
fn a_killed_run_resumes_to_the_same_file() {
    let (all, _) = full_run();
    let d = tmp("kill");
    let list = list_file(&d);
    let out = d.join("out.jsonl");
    let mut child = bin()
        .args(["fleet", "--list", list.to_str().unwrap(), "--out", out.to_str().unwrap(), "-j", "1"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while std::fs::read(&out).map(|b| b.iter().filter(|c| **c == b'\n').count()).unwrap_or(0) < 3 && start.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let written = std::fs::read(&out).unwrap();
    let o = run(&["fleet", "--list", list.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read(&out).unwrap() == *all, "resumed after a kill ({} bytes written) differs from one run", written.len());
}

#[test]
fn repositories_that_cannot_be_scanned_get_error_lines_and_exit_two() {
    let d = tmp("errors");
    std::fs::write(d.join("a-file"), "not a repository").unwrap();
    let bad_config = d.join("bad-config");
    common::copy_dir(&root().join("fixtures/level1-jenkins-declarative/repo"), &bad_config);
    std::fs::write(bad_config.join(".mlops-level.yml"), "target_level: 9\n").unwrap();
    let (file, missing, ok) = (d.join("a-file"), d.join("missing"), "fixtures/level1-jenkins-declarative/repo");
    let out = d.join("out.jsonl");
    let o = run(&[
        "fleet",
        ok,
        file.to_str().unwrap(),
        missing.to_str().unwrap(),
        bad_config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let ls = lines(&std::fs::read(&out).unwrap());
    assert_eq!(ls.len(), 4);
    let by: BTreeMap<&str, &Value> = ls.iter().map(|l| (l["path"].as_str().unwrap(), l)).collect();
    assert_eq!(by[ok]["level"], 1, "the others are scanned");
    assert_eq!(by[file.to_str().unwrap()]["error"], "not a directory");
    assert_eq!(by[missing.to_str().unwrap()]["error"], "no such directory");
    let e = by[bad_config.to_str().unwrap()]["error"].as_str().unwrap();
    assert!(e.contains(".mlops-level.yml") && e.contains("target_level"), "{e}");
    for l in &ls {
        if l.get("error").is_some() {
            assert_eq!(
                l.as_object().unwrap().keys().collect::<BTreeSet<_>>(),
                ["error", "path"].iter().map(|s| s.to_string()).collect::<BTreeSet<_>>().iter().collect()
            );
        }
    }
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("4 repositories, 1 scanned, 3 could not be scanned"), "{text}");
    assert!(text.contains(&format!("{}: no such directory", missing.display())), "{text}");
    // The error is also on standard error as it happens.
    assert!(stderr(&o).contains(&format!("{}: not a directory", file.display())), "{}", stderr(&o));
}

#[test]
fn bad_input_is_a_usage_error() {
    let d = tmp("usage");
    let cases: &[(&[&str], &str)] = &[
        (&["fleet"], "no repositories to scan"),
        (&["fleet", ".", "--shard", "0/2"], "shards are numbered from 1"),
        (&["fleet", ".", "--shard", "3/2"], "1 <= I <= N"),
        (&["fleet", ".", "--resume"], "--out"),
        (&["fleet", "--list", "/no/such/list"], "cannot read the list"),
        (&["merge"], "FILE"),
        (&["merge", "/no/such/file.jsonl"], "cannot read"),
        (&["history", "--db", "/no/such/history.db"], "no such history database"),
        (&["fleet", ".", "--db", "h.db", "--at", "yesterday"], "expected seconds since the Unix epoch"),
    ];
    for (args, want) in cases {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
    // merge refuses a truncated file and a line that is not a fleet line, naming it.
    let cut = d.join("cut.jsonl");
    std::fs::write(&cut, "{\"path\":\"a\",\"error\":\"x\"}\n{\"path\":\"b\",\"lev").unwrap();
    let o = run(&["merge", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("last line is incomplete") && stderr(&o).contains("--resume"), "{}", stderr(&o));
    let junk = d.join("junk.jsonl");
    std::fs::write(&junk, "{\"path\":\"a\",\"error\":\"x\"}\n[1,2]\n").unwrap();
    let o = run(&["merge", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("junk.jsonl:2: not a fleet line"), "{}", stderr(&o));
}

#[test]
fn merge_last_line_wins_for_a_repeated_path() {
    let d = tmp("merge-dup");
    let (a, b) = (d.join("a.jsonl"), d.join("b.jsonl"));
    std::fs::write(&a, "{\"path\":\"y\",\"error\":\"first\"}\n{\"path\":\"x\",\"error\":\"kept\"}\n").unwrap();
    std::fs::write(&b, "{\"path\":\"y\",\"error\":\"second\"}\n").unwrap();
    let o = run(&["merge", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "{\"path\":\"x\",\"error\":\"kept\"}\n{\"path\":\"y\",\"error\":\"second\"}\n");
}

#[test]
fn history_records_two_runs_and_shows_each_repository_and_the_organisation() {
    let d = tmp("history");
    let db = d.join("history.db");
    // Run 1: a level-2 repository (changed before run 2) and a level-0 one.
    let moving = d.join("team-a");
    common::copy_dir(&root().join("fixtures/level2-gitlab-training/repo"), &moving);
    let still = "fixtures/level0-github-manual-only/repo";
    let m = moving.to_str().unwrap();
    let o = run(&["fleet", m, still, "--db", db.to_str().unwrap(), "--at", "2025-01-06"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Run 2: team-a loses its CI (level 0), and a third repository joins that
    // cannot be scanned. Its time comes from SOURCE_DATE_EPOCH (2025-02-03).
    std::fs::remove_file(moving.join(".gitlab-ci.yml")).unwrap();
    let o = bin()
        .args(["fleet", m, still, "/no/such/repo", "--db", db.to_str().unwrap()])
        .env("SOURCE_DATE_EPOCH", "1738540800")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    let h = run(&["history", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert_eq!(h.status.code(), Some(0), "{}", stderr(&h));
    let v: Value = serde_json::from_slice(&h.stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!((runs[0]["at"].as_str(), runs[1]["at"].as_str()), (Some("2025-01-06T00:00:00Z"), Some("2025-02-03T00:00:00Z")));
    assert_eq!(runs[0]["levels"], serde_json::json!([1, 0, 1, 0, 0]));
    assert_eq!(runs[1]["levels"], serde_json::json!([2, 0, 0, 0, 0]));
    assert_eq!(
        (runs[0]["repositories"].as_u64(), runs[1]["repositories"].as_u64(), runs[1]["errors"].as_u64()),
        (Some(2), Some(3), Some(1))
    );
    assert_eq!((runs[0]["mean_level"].as_f64(), runs[1]["mean_level"].as_f64()), (Some(1.0), Some(0.0)));
    let repo = |p: &str| v["repositories"].as_array().unwrap().iter().find(|r| r["path"] == p).unwrap()["runs"].clone();
    assert_eq!(repo(m), serde_json::json!([{"run": 1, "level": 2}, {"run": 2, "level": 0}]));
    assert_eq!(repo(still), serde_json::json!([{"run": 1, "level": 0}, {"run": 2, "level": 0}]));
    assert_eq!(repo("/no/such/repo"), serde_json::json!([{"run": 2, "error": "no such directory"}]));

    let t = run(&["history", "--db", db.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&t.stdout);
    let row = |p: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(p))
            .unwrap_or_else(|| panic!("{p} in\n{text}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row(m), "2 0 -2", "{text}");
    assert_eq!(row(still), "0 0 =", "{text}");
    assert_eq!(row("/no/such/repo"), ". ! -", "{text}");
    assert!(text.contains("2025-01-06T00:00:00Z") && text.contains("2025-02-03T00:00:00Z"), "{text}");
    // --last keeps the newest runs.
    let one: Value =
        serde_json::from_slice(&run(&["history", "--db", db.to_str().unwrap(), "--format", "json", "--last", "1"]).stdout).unwrap();
    assert_eq!(one["runs"].as_array().unwrap().len(), 1);
    assert_eq!(one["runs"][0]["run"], 2);
}

#[test]
fn merge_records_a_sharded_run_in_the_history() {
    let d = tmp("merge-history");
    let db = d.join("h.db");
    let mut files = Vec::new();
    for i in 1..=2 {
        let out = d.join(format!("s{i}.jsonl"));
        let o = run(&[
            "fleet",
            "fixtures/level1-jenkins-declarative/repo",
            "fixtures/level3-azure-pipelines-deploy/repo",
            "--shard",
            &format!("{i}/2"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        files.push(out.to_str().unwrap().to_string());
    }
    let o = run(&["merge", &files[0], &files[1], "--db", db.to_str().unwrap(), "--at", "1700000000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&run(&["history", "--db", db.to_str().unwrap(), "--format", "json"]).stdout).unwrap();
    assert_eq!(v["runs"][0]["levels"], serde_json::json!([0, 1, 0, 1, 0]));
    assert_eq!(v["runs"][0]["at"], "2023-11-14T22:13:20Z");
}

#[test]
fn merge_renders_the_fleet_as_one_html_page() {
    let (bytes, summary) = full_run();
    let d = tmp("html");
    let file = d.join("all.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let o = run(&["merge", file.to_str().unwrap(), "--format", "html"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = String::from_utf8(o.stdout).unwrap();
    let doc = roxmltree::Document::parse(page.trim_start_matches("<!DOCTYPE html>").trim_start()).expect("well-formed page");
    let text: String = doc.descendants().filter_map(|n| n.text()).collect::<Vec<_>>().join("\n");
    // Every repository of the run is a row of the page.
    for l in lines(bytes) {
        let path = l["path"].as_str().unwrap();
        assert!(text.contains(path), "{path} is not on the page");
    }
    assert!(!page.contains("<script"));
    // The page shows the figures of the JSON aggregate: one computation.
    let attr = |id: &str, a: &str| -> Option<String> {
        doc.descendants().find(|n| n.attribute("id") == Some(id)).and_then(|n| n.attribute(a)).map(str::to_string)
    };
    for l in summary["levels"].as_array().unwrap() {
        let want = l["repositories"].to_string();
        assert_eq!(attr(&format!("dist-{}", l["level"]), "data-count"), Some(want), "level {}", l["level"]);
    }
    let mut shown = 0;
    for c in summary["criteria"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let count = |s: &str| c["statuses"].get(s).and_then(Value::as_u64).unwrap_or(0);
        let assessed: u64 = c["statuses"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>() - count("not-assessed");
        let row = (attr(&format!("share-{id}"), "data-met"), attr(&format!("share-{id}"), "data-total"));
        if c["kind"] == "not-assessed" || assessed == 0 {
            assert_eq!(row, (None, None), "{id} has no share row");
        } else {
            assert_eq!(row, (Some(count("met").to_string()), Some(assessed.to_string())), "{id}");
            shown += 1;
        }
    }
    assert!(shown > 10, "{shown} share rows");
    let caps: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("li") && n.attribute("data-id").is_some())
        .map(|n| (n.attribute("data-id").unwrap().to_string(), n.attribute("data-count").unwrap().to_string()))
        .collect();
    let want: Vec<(String, String)> = summary["capped_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["repositories"].to_string()))
        .collect();
    assert_eq!(caps, want);
}
