//! What CI consumes: SARIF (checked by the Microsoft SARIF multitool with its
//! SARIF and GitHub rules), several outputs in one run, Markdown summaries,
//! and the gates (`--min-level`, `--baseline`, `--fail-on advice`) with their
//! exit codes.

mod common;

use common::copy_dir;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlops-level"))
}

use common::{fixture, fixture_repos, par_map};

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn scan(repo: &Path, args: &[&str]) -> Output {
    bin().arg("scan").arg(repo).args(args).output().unwrap()
}

fn sarif(repo: &Path) -> Value {
    let o = scan(repo, &["--format", "sarif"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// One fixture's SARIF, Markdown and JSON, written by a single scan (`-o`).
struct Outputs {
    name: String,
    repo: PathBuf,
    sarif: Vec<u8>,
    markdown: Vec<u8>,
    json: Vec<u8>,
}

/// Scan `repo` once, writing SARIF, Markdown and JSON (the same bytes as
/// `--format`, see `one_run_writes_several_outputs_identical_to_single_format_runs`).
fn scan_outputs(name: &str, repo: &Path) -> Outputs {
    let d = tempfile::tempdir().unwrap();
    let f = |n: &str| d.path().join(n);
    let o = scan(
        repo,
        &[
            "-o",
            &format!("sarif={}", f("r.sarif").display()),
            "-o",
            &format!("markdown={}", f("s.md").display()),
            "-o",
            &format!("json={}", f("r.json").display()),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&o.stderr));
    let read = |n: &str| std::fs::read(f(n)).unwrap();
    Outputs { name: name.to_string(), repo: repo.to_path_buf(), sarif: read("r.sarif"), markdown: read("s.md"), json: read("r.json") }
}

/// Every fixture's outputs, each scanned once for all the tests of this file
/// (scans spread over the machine's cores).
fn every_fixture() -> &'static [Outputs] {
    static ALL: OnceLock<Vec<Outputs>> = OnceLock::new();
    ALL.get_or_init(scan_every_fixture)
}

/// Scan every fixture once, in parallel, in name order.
fn scan_every_fixture() -> Vec<Outputs> {
    par_map(&fixture_repos(), |(name, repo)| scan_outputs(name, repo))
}

fn decode_uri(u: &str) -> String {
    let b = u.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&u[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Every physical location in a SARIF value (results, related, code flows).
fn physical_locations(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if let Some(p) = m.get("physicalLocation") {
                out.push(p.clone());
            }
            m.values().for_each(|x| physical_locations(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| physical_locations(x, out)),
        _ => {}
    }
}

// ------------------------------------------------------------------ SARIF

#[test]
fn sarif_lists_every_rule_and_locates_every_result_on_a_real_file() {
    let rules: Vec<Value> = serde_json::from_slice(&run(&["rules", "--format", "json"]).stdout).unwrap();
    for Outputs { name, repo, sarif, json, .. } in every_fixture() {
        let s: Value = serde_json::from_slice(sarif).unwrap();
        assert_eq!(s["version"], "2.1.0");
        let whole: Value = serde_json::from_slice(json).unwrap();
        // A monorepo has one run per project, in the JSON's project order.
        let assessed: Vec<&Value> = match whole["projects"].as_array() {
            Some(p) => p.iter().collect(),
            None => vec![&whole],
        };
        assert_eq!(s["runs"].as_array().unwrap().len(), assessed.len(), "{name}");
        for (i, json) in assessed.into_iter().enumerate() {
            let r = &s["runs"][i];
            let driver = &r["tool"]["driver"];
            assert_eq!(driver["name"], "mlops-level");
            assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
            assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
            let drules = driver["rules"].as_array().unwrap();
            let ids: Vec<&str> = drules.iter().map(|x| x["id"].as_str().unwrap()).collect();
            let want: Vec<&str> = rules.iter().map(|x| x["id"].as_str().unwrap()).collect();
            assert_eq!(ids, want, "{name}: every rule of the pack, in pack order");
            for d in drules {
                for k in ["shortDescription", "fullDescription"] {
                    assert!(!d[k]["text"].as_str().unwrap().is_empty(), "{name}: {} has no {k}", d["id"]);
                }
                assert!(d["help"]["text"].as_str().unwrap().len() > 20 && d["help"]["markdown"].as_str().unwrap().len() > 20);
                assert!(d["helpUri"].as_str().unwrap().contains("docs/rules.md#"));
                let props = d["properties"].as_object().unwrap();
                assert!(["error", "warning", "recommendation"].contains(&props["problem.severity"].as_str().unwrap()));
                assert!(!props.contains_key("security-severity"), "practice rules never carry security-severity");
            }
            assert!(r["automationDetails"]["id"].as_str().unwrap().starts_with("mlops-level/"));
            assert!(r["originalUriBaseIds"]["%SRCROOT%"].is_object());

            // One result per partial/missing criterion plus one per advice finding.
            let gaps = json["criteria"].as_array().unwrap().iter().filter(|c| c["status"] == "partial" || c["status"] == "missing").count();
            let results = r["results"].as_array().unwrap();
            let findings = match json["findings"].as_array() {
                Some(f) => f.len(),
                None => results.iter().filter(|x| x["ruleId"].as_str().unwrap().starts_with("A.")).count(),
            };
            assert_eq!(results.len(), gaps + findings, "{name}");
            let capped: BTreeSet<&str> = json["capped_by"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
            let mut prints = BTreeSet::new();
            for res in results {
                let id = res["ruleId"].as_str().unwrap();
                assert_eq!(drules[res["ruleIndex"].as_u64().unwrap() as usize]["id"], id);
                let fp = res["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap();
                assert!(prints.insert(fp.to_string()), "{name}: duplicate fingerprint {fp}");
                let text = res["message"]["text"].as_str().unwrap();
                assert!(text.ends_with('.') && text.len() > 20, "{name}: {text}");
                if let Some(c) = json["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id) {
                    let want = if capped.contains(id) {
                        "error"
                    } else if c["kind"] == "required" {
                        "warning"
                    } else {
                        "note"
                    };
                    assert_eq!(res["level"], want, "{name}: {id}");
                }
            }
            let mut locs = Vec::new();
            physical_locations(r, &mut locs);
            assert!(!locs.is_empty() || results.is_empty());
            for p in locs {
                assert_eq!(p["artifactLocation"]["uriBaseId"], "%SRCROOT%");
                let uri = p["artifactLocation"]["uri"].as_str().unwrap();
                assert!(!uri.starts_with('/') && !uri.contains("://"), "{name}: {uri} must be repo-relative");
                assert!(repo.join(decode_uri(uri)).is_file(), "{name}: {uri} is not a file of the repository");
                assert!(p["region"]["startLine"].as_u64().unwrap() >= 1);
            }
        }
    }
}

#[test]
fn repository_level_gaps_are_anchored_on_the_file_that_owns_the_decision() {
    // No training at all: L2.train.automated (anchor: ci) sits on the CI
    // workflow, L2.experiment.tracked (anchor: readme) on the README.
    let s = sarif(&fixture("tox-nox-indirection"));
    let results = s["runs"][0]["results"].as_array().unwrap();
    let on = |id: &str| {
        let r = results.iter().find(|r| r["ruleId"] == id).unwrap_or_else(|| panic!("no result for {id}"));
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string(), r["properties"]["anchor"].clone())
    };
    let (ci, kind) = on("L2.train.automated");
    assert!(ci.starts_with(".github/workflows/") || ci == ".gitlab-ci.yml" || ci == "azure-pipelines.yml", "{ci}");
    assert_eq!(kind, "ci");
    assert_eq!(on("L2.experiment.tracked"), ("README.md".to_string(), Value::from("readme")));
    // An unparsable workflow is not where a CI gap belongs.
    let s = sarif(&fixture("invalid-yaml-workflow"));
    for r in s["runs"][0]["results"].as_array().unwrap() {
        if r["properties"]["anchor"] == "ci" {
            assert_ne!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], ".github/workflows/broken.yml");
        }
    }
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    copy_dir(&fixture("level0-github-manual-only"), &repo);
    let prints = |s: &Value| -> BTreeMap<String, (String, u64)> {
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    (
                        r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap().to_string(),
                        r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
                    ),
                )
            })
            .collect()
    };
    let before = prints(&sarif(&repo));
    // Unrelated lines above the evidence and in the README.
    let wf = repo.join(".github/workflows/tests.yml");
    let text = std::fs::read_to_string(&wf).unwrap();
    std::fs::write(&wf, format!("# unrelated comment\n# another one\n{text}")).unwrap();
    let readme = repo.join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    std::fs::write(&readme, format!("{text}\nMore prose that changes nothing.\n")).unwrap();
    let after = prints(&sarif(&repo));
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    let mut moved = 0;
    for (id, (fp, line)) in &before {
        let (fp2, line2) = &after[id];
        assert_eq!(fp, fp2, "{id}: fingerprint changed after an unrelated edit");
        moved += usize::from(line != line2);
    }
    assert!(moved > 0, "the edit moved some results ({before:?}), so the test proves line numbers are not hashed");
    // Editing the anchored line itself gives a new fingerprint.
    let (fp_tests, line) = before["L1.test.app-unit"].clone();
    let text = std::fs::read_to_string(&wf).unwrap();
    let edited: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i as u64 + 1 == line + 2 { l.replace("pytest -q", "pytest -q -x") } else { l.to_string() })
        .collect();
    std::fs::write(&wf, edited.join("\n") + "\n").unwrap();
    let again = prints(&sarif(&repo));
    assert_ne!(again["L1.test.app-unit"].0, fp_tests, "a change to the anchored line changes its fingerprint");
}

#[test]
fn sarif_markdown_and_json_are_byte_identical_across_runs() {
    let first = every_fixture();
    let second = scan_every_fixture();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.name, b.name);
        for (f, x, y) in [("sarif", &a.sarif, &b.sarif), ("markdown", &a.markdown, &b.markdown), ("json", &a.json, &b.json)] {
            assert!(!x.is_empty(), "{}: empty {f}", a.name);
            assert!(x == y, "{}: {f} differs between runs", a.name);
        }
    }
}

/// Where the multitool is: `MLOPS_LEVEL_SARIF_MULTITOOL` (which CI must
/// set), else, outside CI, the copy a local `.ci/run` left under `.ci/tools`.
fn multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MLOPS_LEVEL_SARIF_MULTITOOL").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "MLOPS_LEVEL_SARIF_MULTITOOL={} is not a file", p.display());
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but MLOPS_LEVEL_SARIF_MULTITOOL is not set: .ci/run must install @microsoft/sarif-multitool and point at it");
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    local.is_file().then_some(local)
}

/// Run `validate` with the SARIF and GitHub rule kinds; return the log.
fn validate(tool: &Path, files: &[PathBuf], dir: &Path) -> Value {
    let log = dir.join("validation.sarif.log");
    let o = Command::new(tool)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .args(["validate", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note", "--output"])
        .arg(&log)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    // It exits 0 even for invalid files: the verdict is in the log.
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| {
        panic!(
            "the multitool wrote no log ({e}); stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// (errors, warnings, one line per error or warning), and the files the log's results mention.
fn verdict(log: &Value) -> (usize, usize, Vec<String>, BTreeSet<String>) {
    let run = &log["runs"][0];
    let (mut errors, mut warnings, mut lines, mut seen) = (0, 0, Vec::new(), BTreeSet::new());
    for r in run["results"].as_array().into_iter().flatten() {
        // SARIF's default level is `warning`.
        let level = r["level"].as_str().unwrap_or("warning");
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap_or("").to_string();
        seen.insert(uri.rsplit('/').next().unwrap_or("").to_string());
        if level == "error" || level == "warning" {
            *(if level == "error" { &mut errors } else { &mut warnings }) += 1;
            lines.push(format!("{level} {} {uri}: {:?}", r["ruleId"], r["message"]));
        }
    }
    for inv in run["invocations"].as_array().into_iter().flatten() {
        assert_eq!(inv["executionSuccessful"], true, "the multitool failed: {inv}");
        for n in inv["toolExecutionNotifications"].as_array().into_iter().flatten() {
            if n["level"] == "error" {
                errors += 1;
                lines.push(format!("tool error: {}", n["message"]));
            }
        }
    }
    (errors, warnings, lines, seen)
}

#[test]
fn sarif_of_every_fixture_passes_the_sarif_multitool_with_github_rules() {
    let Some(tool) = multitool() else {
        // Written past the test harness's output capture, so a plain `cargo test` shows it.
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            b"\n\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
!! SKIPPED: SARIF validation with the Microsoft SARIF multitool (GitHub rules).           !!\n\
!! Set MLOPS_LEVEL_SARIF_MULTITOOL to its Sarif.Multitool binary, or run `bash .ci/run`,   !!\n\
!! which installs it. CI never skips this check.                                           !!\n\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n",
        );
        return;
    };
    let d = tempfile::tempdir().unwrap();
    // A control: a SARIF file the GitHub rules reject, so a broken count or a
    // silent tool cannot pass for a clean verdict.
    let control = d.path().join("control");
    std::fs::create_dir(&control).unwrap();
    let bad = control.join("bad.sarif");
    std::fs::write(&bad, r#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"X1"}]}},"results":[{"ruleId":"X1","message":{"text":"x."},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.txt"}}}]}]}]}"#).unwrap();
    let (errors, _, _, _) = verdict(&validate(&tool, &[bad], &control));
    assert!(errors > 0, "the control file must fail GitHub's rules (missing rule help)");

    let mut files = Vec::new();
    for o in every_fixture() {
        let f = d.path().join(format!("{}.sarif", o.name));
        std::fs::write(&f, &o.sarif).unwrap();
        files.push(f);
    }
    let (errors, warnings, lines, seen) = verdict(&validate(&tool, &files, d.path()));
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SARIF multitool {} (rule kinds Sarif;Gh) on {} fixtures: {errors} error(s), {warnings} warning(s)",
            tool.display(),
            files.len()
        );
    }
    assert!(errors == 0 && warnings == 0, "{errors} error(s), {warnings} warning(s):\n{}", lines.join("\n"));
    // Every file was analysed (each draws at least the informational notes).
    for f in &files {
        let n = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(seen.contains(&n), "the multitool's log says nothing about {n}: was it analysed?");
    }
}

// ------------------------------------------------------------------ outputs

#[test]
fn one_run_writes_several_outputs_identical_to_single_format_runs() {
    let repo = fixture("make-test-indirection");
    let d = tempfile::tempdir().unwrap();
    let p = |n: &str| d.path().join(n).display().to_string();
    let o = scan(
        &repo,
        &[
            "--color",
            "never",
            "-o",
            &format!("sarif={}", p("r.sarif")),
            "-o",
            &format!("markdown={}", p("s.md")),
            "--output",
            &format!("json={}", p("r.json")),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("MLOps level 1"), "text stays on stdout");
    for (file, format) in [("r.sarif", "sarif"), ("s.md", "markdown"), ("r.json", "json")] {
        let single = scan(&repo, &["--format", format]).stdout;
        assert_eq!(std::fs::read(d.path().join(file)).unwrap(), single, "{file} differs from --format {format}");
    }
    let bad = scan(&repo, &["-o", "xml=out.xml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown format"));
    let nofile = scan(&repo, &["-o", "sarif"]);
    assert_eq!(nofile.status.code(), Some(2));
    let unwritable = scan(&repo, &["-o", &format!("sarif={}", d.path().join("no/such/dir/r.sarif").display())]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unwritable.stderr).contains("cannot write"));
}

#[test]
fn writing_sarif_or_markdown_never_fails_by_itself() {
    // Level 0 with many gaps and error-level results: still exit 0 without a gate.
    let repo = fixture("capped-no-ci-tests");
    for f in ["sarif", "markdown"] {
        let o = scan(&repo, &["--format", f]);
        assert_eq!(o.status.code(), Some(0), "{f}");
    }
    let s: Value = serde_json::from_slice(&scan(&repo, &["--format", "sarif"]).stdout).unwrap();
    assert!(s["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["level"] == "error"));
}

#[test]
fn markdown_summary_has_level_tables_cap_and_next_steps() {
    let o = scan(&fixture("capped-no-ci-tests"), &["--format", "markdown"]);
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.starts_with("## MLOps level 0 — No MLOps\n"), "{md}");
    assert!(md.contains("would be level 4 once `L1.test.app-unit` is met"), "{md}");
    assert!(md.contains("### What caps the level") && md.contains("### Next steps (toward level 1)"), "{md}");
    for l in 1..=4 {
        assert!(md.contains(&format!("<summary>Level {l} · ")), "a table per level: {md}");
    }
    assert!(md.contains("| ✅ | `L1.build.automated` Automated builds | required | met | `"), "{md}");
    assert!(md.contains("| ❌ | `L1.test.app-unit`"), "{md}");
    assert!(!md.contains("Changes since the baseline"), "no baseline, no changes section");
}

// ------------------------------------------------------------------ gates

/// A copy of a fixture, its JSON report saved as a baseline.
fn repo_with_baseline(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    copy_dir(&fixture(name), &repo);
    let base = d.path().join("baseline.json");
    let o = scan(&repo, &["--format", "text", "-o", &format!("json={}", base.display())]);
    assert_eq!(o.status.code(), Some(0));
    (d, repo, base)
}

#[test]
fn baseline_gate_passes_when_nothing_regressed() {
    let (_d, repo, base) = repo_with_baseline("make-test-indirection");
    let o = scan(&repo, &["--baseline", &base.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = String::from_utf8(scan(&repo, &["--format", "markdown", "--baseline", &base.display().to_string()]).stdout).unwrap();
    assert!(
        md.contains("### Changes since the baseline")
            && md.contains("Level 1 → 1 (unchanged).")
            && md.contains("No criterion changed status."),
        "{md}"
    );
}

#[test]
fn baseline_gate_fails_on_a_regression_and_names_each_criterion() {
    let (_d, repo, base) = repo_with_baseline("make-test-indirection");
    // Drop the test suite: L1.test.app-unit goes from met to partial and the level from 1 to 0.
    std::fs::remove_dir_all(repo.join("tests")).unwrap();
    let md_file = repo.parent().unwrap().join("summary.md");
    let o = scan(&repo, &["--baseline", &base.display().to_string(), "-o", &format!("markdown={}", md_file.display())]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("since the baseline"), "{err}");
    assert!(err.contains("level dropped from 1 to 0"), "{err}");
    assert!(err.contains("L1.test.app-unit (Automated tests for application code) went from met to "), "{err}");
    // Criteria that did not regress are not named.
    assert!(!err.contains("L1.build.automated"), "{err}");
    // The outputs are still written, and the summary shows what changed.
    let md = std::fs::read_to_string(md_file).unwrap();
    assert!(
        md.contains("Level 1 → 0 (⬇️ dropped).") && md.contains("| `L1.test.app-unit` | ✅ met |") && md.contains("**regression**"),
        "{md}"
    );
}

#[test]
fn baseline_gate_ignores_improvements_and_new_criteria() {
    let (_d, repo, base) = repo_with_baseline("make-test-indirection");
    // The baseline was worse (level 0, a criterion missing) and lacked one criterion entirely.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    v["level"] = 0.into();
    let crits = v["criteria"].as_array_mut().unwrap();
    crits.iter_mut().find(|c| c["id"] == "L1.test.app-unit").unwrap()["status"] = "missing".into();
    crits.retain(|c| c["id"] != "L1.build.automated");
    std::fs::write(&base, serde_json::to_string(&v).unwrap()).unwrap();
    let o = scan(&repo, &["--baseline", &base.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let md = String::from_utf8(scan(&repo, &["--format", "markdown", "--baseline", &base.display().to_string()]).stdout).unwrap();
    assert!(md.contains("| `L1.test.app-unit` | ❌ missing | ✅ met | improved |"), "{md}");
    assert!(md.contains("| `L1.build.automated` | — | ✅ met | new criterion |"), "{md}");
}

#[test]
fn unreadable_or_invalid_baseline_exits_two() {
    let repo = fixture("make-test-indirection");
    let d = tempfile::tempdir().unwrap();
    let missing = scan(&repo, &["--baseline", &d.path().join("nope.json").display().to_string()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the baseline"), "{}", String::from_utf8_lossy(&missing.stderr));
    for (name, text, msg) in [
        ("garbage.json", "not json", "not a JSON report"),
        ("sarif.json", r#"{"version":"2.1.0","runs":[]}"#, "not a JSON report"),
        ("v2.json", r#"{"schema_version":2,"tool":{"name":"mlops-level","version":"9"},"level":1,"criteria":[]}"#, "schema_version 2"),
        (
            "status.json",
            r#"{"schema_version":1,"tool":{"name":"mlops-level","version":"0"},"level":1,"criteria":[{"id":"L1.build.automated","status":"great"}]}"#,
            "unknown status `great`",
        ),
    ] {
        let f = d.path().join(name);
        std::fs::write(&f, text).unwrap();
        let o = scan(&repo, &["--baseline", &f.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("the baseline") && err.contains("is invalid") && err.contains(msg), "{name}: {err}");
        assert!(o.stdout.is_empty(), "{name}: nothing is reported on a usage error");
    }
}

#[test]
fn fail_on_advice_makes_findings_fail_the_gate() {
    let repo = fixture("invalid-yaml-workflow");
    assert_eq!(scan(&repo, &[]).status.code(), Some(0), "advice alone never fails");
    let o = scan(&repo, &["--fail-on", "advice"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("A.ci-unparsable .github/workflows/broken.yml:"), "{err}");
    // No findings: the same flag passes.
    assert_eq!(scan(&fixture("make-test-indirection"), &["--fail-on", "advice"]).status.code(), Some(0));
}

#[test]
fn every_failing_gate_is_reported() {
    let (_d, repo, base) = repo_with_baseline("make-test-indirection");
    std::fs::remove_dir_all(repo.join("tests")).unwrap();
    let o = scan(&repo, &["--min-level", "1", "--baseline", &base.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("below the required minimum 1") && err.contains("went from met to"), "{err}");
}
