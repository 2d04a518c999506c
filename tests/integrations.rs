//! The CI integrations shipped in the repository, exercised on fixtures:
//! the composite GitHub Action (`action.yml`), whose steps are run here the
//! way a runner runs them; the pre-commit hooks (`.pre-commit-hooks.yaml`);
//! and the examples and rule anchors in the docs.

mod common;
use common::{fixture, git};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn as_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ------------------------------------------------------------------ the Action

/// What a GitHub runner does with a composite action, for the parts this
/// action uses: `${{ }}` over `inputs`, `github.action_path`, `steps.*.outputs`
/// and `always()` / `&&` / `==` / `!=`; `GITHUB_OUTPUT`, `GITHUB_PATH`,
/// `GITHUB_STEP_SUMMARY`; `bash --noprofile --norc -eo pipefail`.
struct Runner {
    action: Value,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    path: Vec<PathBuf>,
    temp: PathBuf,
    summary: PathBuf,
    /// `uses:` steps that would have run, with their evaluated `with:`.
    used: Vec<(String, BTreeMap<String, String>)>,
    /// Exit code of the first failing `run:` step.
    failed: Option<(String, i32)>,
    log: String,
    /// The event payload (`github.event`); `null` outside a pull request.
    event: Value,
    /// Variables the runner itself sets (`RUNNER_OS`, `RUNNER_ARCH`, ...).
    env: BTreeMap<String, String>,
}

impl Runner {
    fn new(dir: &Path, inputs: &[(&str, &str)], path: Vec<PathBuf>) -> Runner {
        let action = yaml(&root().join("action.yml"));
        let mut all = BTreeMap::new();
        for (k, v) in action["inputs"].as_object().expect("action inputs") {
            all.insert(k.clone(), as_str(&v["default"]));
        }
        for (k, v) in inputs {
            assert!(all.contains_key(*k), "action.yml has no input `{k}`");
            all.insert(k.to_string(), v.to_string());
        }
        let temp = dir.join("runner-temp");
        std::fs::create_dir_all(&temp).unwrap();
        let summary = dir.join("step-summary.md");
        std::fs::write(&summary, "").unwrap();
        Runner {
            action,
            inputs: all,
            outputs: BTreeMap::new(),
            path,
            temp,
            summary,
            used: vec![],
            failed: None,
            log: String::new(),
            event: Value::Null,
            env: BTreeMap::new(),
        }
    }

    fn resolve(&self, r: &str) -> String {
        let r = r.trim();
        if let Some(lit) = r.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
            return lit.to_string();
        }
        if let Some(i) = r.strip_prefix("inputs.") {
            // A default may be an expression (`${{ github.event... }}`), evaluated in the caller's context.
            return self.inputs.get(i).map(|v| self.expand(v)).unwrap_or_else(|| panic!("unknown input {i}"));
        }
        if let Some(p) = r.strip_prefix("github.event.") {
            return self.event.pointer(&format!("/{}", p.replace('.', "/"))).map(as_str).unwrap_or_default();
        }
        if r == "github.action_path" {
            return root().display().to_string();
        }
        if let Some(rest) = r.strip_prefix("steps.") {
            let (id, out) = rest.split_once(".outputs.").unwrap_or_else(|| panic!("unsupported {r}"));
            return self.outputs.get(id).and_then(|o| o.get(out)).cloned().unwrap_or_default();
        }
        panic!("the emulator does not know `{r}`")
    }

    fn condition(&self, expr: &str) -> bool {
        let e = expr.trim().trim_start_matches("${{").trim_end_matches("}}");
        e.split("&&").all(|t| {
            let t = t.trim();
            if t == "always()" {
                true
            } else if let Some((a, b)) = t.split_once("!=") {
                self.resolve(a) != self.resolve(b)
            } else if let Some((a, b)) = t.split_once("==") {
                self.resolve(a) == self.resolve(b)
            } else {
                !self.resolve(t).is_empty()
            }
        })
    }

    fn expand(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let j = rest[i..].find("}}").expect("closed expression") + i;
            out.push_str(&self.resolve(&rest[i + 3..j]));
            rest = &rest[j + 2..];
        }
        out.push_str(rest);
        out
    }

    /// Run every step; returns the job's exit code (0 when no step failed).
    fn run(&mut self, workdir: &Path) -> i32 {
        let steps = self.action["runs"]["steps"].as_array().expect("composite steps").clone();
        assert_eq!(self.action["runs"]["using"], "composite");
        for (n, step) in steps.iter().enumerate() {
            let id = step["id"].as_str().map(str::to_string).unwrap_or_else(|| format!("step{n}"));
            let cond = step.get("if").map(as_str).unwrap_or_default();
            // Default condition is success(): skip after a failure.
            let runs = if cond.is_empty() {
                self.failed.is_none()
            } else {
                self.condition(&cond) && (cond.contains("always()") || self.failed.is_none())
            };
            if !runs {
                continue;
            }
            if let Some(uses) = step.get("uses") {
                let with = step["with"]
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), self.expand(&as_str(v)))).collect())
                    .unwrap_or_default();
                self.used.push((as_str(uses), with));
                continue;
            }
            let script = as_str(&step["run"]);
            assert!(!script.contains("${{"), "step `{id}` splices an expression into its script: pass it through env");
            assert_eq!(step["shell"], "bash", "step `{id}`");
            let out_file = self.temp.join(format!("{id}.output"));
            let path_file = self.temp.join(format!("{id}.path"));
            std::fs::write(&out_file, "").unwrap();
            std::fs::write(&path_file, "").unwrap();
            let script_file = self.temp.join(format!("{id}.sh"));
            std::fs::write(&script_file, &script).unwrap();
            let path =
                std::env::join_paths(self.path.iter().cloned().chain(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from))).unwrap();
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(workdir)
                .env_clear()
                .env("PATH", path)
                .env("HOME", &self.temp)
                .env("RUNNER_TEMP", &self.temp)
                .env("GITHUB_ACTION", &id)
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_PATH", &path_file)
                .env("GITHUB_STEP_SUMMARY", &self.summary)
                .env("GITHUB_ACTIONS", "true")
                .envs(&self.env);
            for (k, v) in step["env"].as_object().into_iter().flatten() {
                cmd.env(k, self.expand(&as_str(v)));
            }
            let o = cmd.output().unwrap();
            self.log.push_str(&format!(
                "--- {id} (exit {:?})\n{}{}",
                o.status.code(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
            let outputs: BTreeMap<String, String> = std::fs::read_to_string(&out_file)
                .unwrap()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            self.outputs.insert(id.clone(), outputs);
            for p in std::fs::read_to_string(&path_file).unwrap().lines().filter(|l| !l.is_empty()) {
                self.path.insert(0, PathBuf::from(p));
            }
            let code = o.status.code().unwrap_or(-1);
            if code != 0 && self.failed.is_none() {
                self.failed = Some((id, code));
            }
        }
        self.failed.as_ref().map_or(0, |f| f.1)
    }

    fn output(&self, name: &str) -> String {
        let v = &self.action["outputs"][name]["value"];
        self.expand(&as_str(v))
    }
}

/// A directory holding `mlops-level` (the binary under test), for PATH.
fn bin_dir(dir: &Path) -> PathBuf {
    let d = dir.join("bin");
    std::fs::create_dir_all(&d).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mlops-level"), d.join("mlops-level")).unwrap();
    d
}

#[test]
fn action_scans_a_fixture_writes_the_summary_and_hands_sarif_to_the_upload() {
    let d = tempfile::tempdir().unwrap();
    let repo = fixture("make-test-indirection");
    let baseline = d.path().join("base.json");
    let o = Command::new(env!("CARGO_BIN_EXE_mlops-level")).arg("scan").arg(&repo).args(["--format", "json"]).output().unwrap();
    std::fs::write(&baseline, o.stdout).unwrap();
    let mut r = Runner::new(
        d.path(),
        &[
            ("path", &repo.display().to_string()),
            ("min-level", "1"),
            ("baseline", &baseline.display().to_string()),
            ("upload-sarif", "true"),
        ],
        vec![bin_dir(d.path())],
    );
    let code = r.run(&root().join("fixtures"));
    assert_eq!(code, 0, "{}", r.log);
    assert!(r.log.contains("MLOps level 1"), "the text report is in the log: {}", r.log);
    assert_eq!(r.output("level"), "1");
    assert_eq!(r.output("exit-code"), "0");
    let summary = std::fs::read_to_string(&r.summary).unwrap();
    assert!(summary.starts_with("## MLOps level 1") && summary.contains("### Changes since the baseline"), "{summary}");
    // The upload step gets the SARIF file the scan wrote.
    let (uses, with) = r.used.iter().find(|(u, _)| u.starts_with("github/codeql-action/upload-sarif@")).expect("upload step ran");
    assert!(uses.ends_with("@v3"));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&with["sarif_file"]).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(with["category"], "mlops-level");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(r.output("json-file")).unwrap()).unwrap();
    assert_eq!(json["level"], 1);
    assert!(std::fs::read_to_string(r.output("markdown-file")).unwrap().starts_with("## MLOps level 1"));
}

#[test]
fn action_fails_the_job_after_uploading_when_a_gate_fails() {
    let d = tempfile::tempdir().unwrap();
    let repo = fixture("make-test-indirection");
    let mut r = Runner::new(
        d.path(),
        &[("path", &repo.display().to_string()), ("min-level", "3"), ("upload-sarif", "true")],
        vec![bin_dir(d.path())],
    );
    let code = r.run(root());
    assert_eq!(code, 1, "{}", r.log);
    assert_eq!(r.failed.as_ref().unwrap().0, "step3", "the Gate step fails, not the scan: {}", r.log);
    assert!(r.log.contains("below the required minimum 3"), "{}", r.log);
    assert_eq!(r.output("exit-code"), "1");
    assert!(r.used.iter().any(|(u, _)| u.contains("upload-sarif")), "SARIF is uploaded even when the gate fails");
    assert!(std::fs::read_to_string(&r.summary).unwrap().contains("## MLOps level 1"), "the summary is written too");

    // No upload unless asked; a usage error fails the scan step itself.
    let d = tempfile::tempdir().unwrap();
    let mut r = Runner::new(d.path(), &[("path", "/definitely/not/here")], vec![bin_dir(d.path())]);
    assert_eq!(r.run(root()), 2, "{}", r.log);
    assert_eq!(r.failed.as_ref().unwrap().0, "scan");
    assert!(r.used.is_empty());
}

#[test]
fn action_builds_the_binary_when_no_release_binary_fits_the_runner() {
    let d = tempfile::tempdir().unwrap();
    // A stand-in `cargo` records its arguments and "installs" the binary under test.
    let fake = d.path().join("fake");
    std::fs::create_dir_all(&fake).unwrap();
    let script = format!(
        "#!/bin/bash\necho \"$@\" > \"{log}\"\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --root ]; then root=$2; fi; shift; done\nmkdir -p \"$root/bin\"\nln -s \"{bin}\" \"$root/bin/mlops-level\"\n",
        log = d.path().join("cargo-args").display(),
        bin = env!("CARGO_BIN_EXE_mlops-level")
    );
    std::fs::write(fake.join("cargo"), script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(fake.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut r = Runner::new(d.path(), &[("path", &fixture("make-test-indirection").display().to_string())], vec![fake]);
    // A runner no release binary fits (tests/release_install.rs covers the download).
    r.env.insert("RUNNER_OS".into(), "Linux".into());
    r.env.insert("RUNNER_ARCH".into(), "ARM".into());
    assert_eq!(r.run(root()), 0, "{}", r.log);
    assert!(r.log.contains("No mlops-level release binary for linux/ARM"), "{}", r.log);
    let args = std::fs::read_to_string(d.path().join("cargo-args")).unwrap();
    assert!(args.starts_with("install --locked") && args.contains(&format!("--path {}", root().display())), "{args}");
    assert_eq!(r.output("level"), "1");
}

// ------------------------------------------------------------------ pre-commit

#[test]
fn pre_commit_hooks_run_the_scan_on_the_repository() {
    let hooks = yaml(&root().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().expect("a list of hooks");
    assert!(hooks.iter().any(|h| h["id"] == "mlops-level" && h["language"] == "rust"));
    for h in hooks {
        let id = as_str(&h["id"]);
        assert_eq!(h["pass_filenames"], false, "{id}: the scan reads the whole repository");
        assert_eq!(h["always_run"], true, "{id}");
        let entry = as_str(&h["entry"]);
        let mut words = entry.split_whitespace();
        assert_eq!(words.next(), Some("mlops-level"), "{id}: the [[bin]] name");
        let rest: Vec<&str> = words.collect();
        // pre-commit runs the entry at the repository root with the user's args.
        let run = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_mlops-level"))
                .args(&rest)
                .args(args)
                .current_dir(fixture("make-test-indirection"))
                .output()
                .unwrap()
        };
        let ok = run(&["--min-level", "1"]);
        assert_eq!(ok.status.code(), Some(0), "{id}: {}", String::from_utf8_lossy(&ok.stderr));
        assert!(String::from_utf8_lossy(&ok.stdout).contains("MLOps level 1"));
        assert_eq!(run(&["--min-level", "2"]).status.code(), Some(1), "{id}: the gate fails the hook");
    }
}

// ------------------------------------------------------------------ docs

/// Fenced ```yaml blocks of a Markdown file.
fn yaml_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for l in md.lines() {
        match &mut cur {
            None if l.trim_start().starts_with("```yaml") || l.trim_start().starts_with("```yml") => cur = Some(String::new()),
            Some(b) if l.trim_start().starts_with("```") => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(l);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
fn ci_docs_examples_are_valid_yaml_and_use_real_inputs() {
    let md = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let blocks = yaml_blocks(&md);
    assert!(blocks.len() >= 4, "GitHub, GitLab, Azure Pipelines and pre-commit examples");
    let action = yaml(&root().join("action.yml"));
    let inputs = action["inputs"].as_object().unwrap();
    let mut uses_action = 0;
    let (mut gitlab, mut azure, mut precommit) = (false, false, false);
    for b in &blocks {
        let v: Value = serde_saphyr::from_str(b).unwrap_or_else(|e| panic!("invalid YAML in docs/ci.md: {e}\n{b}"));
        let text = b.as_str();
        gitlab |= text.contains("$CI_PROJECT_DIR") || text.contains("CI_DEFAULT_BRANCH");
        azure |= text.contains("vmImage");
        precommit |= text.contains("repos:") && text.contains("id: mlops-level");
        for job in v.get("jobs").and_then(Value::as_object).into_iter().flat_map(|j| j.values()) {
            for step in job["steps"].as_array().into_iter().flatten() {
                if as_str(&step["uses"]).contains("/mlops-level@") {
                    uses_action += 1;
                    for k in step["with"].as_object().into_iter().flat_map(|w| w.keys()) {
                        assert!(inputs.contains_key(k), "docs/ci.md uses input `{k}`, which action.yml does not define");
                    }
                }
            }
        }
    }
    assert!(uses_action >= 1, "a GitHub workflow example uses the action");
    assert!(gitlab && azure && precommit, "gitlab {gitlab}, azure {azure}, pre-commit {precommit}");
    // Every input of the action is documented.
    for k in inputs.keys() {
        assert!(md.contains(&format!("`{k}`")), "docs/ci.md does not document input `{k}`");
    }
}

#[test]
fn rules_page_has_an_anchor_for_every_rule_sarif_links_to() {
    let page = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mlops-level")).args(["rules", "--format", "json"]).output().unwrap();
    let rules: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let missing: Vec<String> = rules
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .filter(|id| !page.contains(&format!("<a id=\"{}\"></a>", id.to_ascii_lowercase())))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/rules.md lacks {missing:?}: regenerate it with `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

/// A repository whose second commit drops the unit tests from CI; returns the first commit.
fn repo_dropping_tests(dir: &Path) -> String {
    let ci = ".github/workflows/ci.yml";
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    copy_tree(&fixture("level4-github-full-loop"), dir);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "full loop"]);
    let text = std::fs::read_to_string(dir.join(ci)).unwrap();
    let dropped = text.replace("      - name: Unit tests\n        run: pytest -q --junitxml=pytest.xml\n", "");
    assert_ne!(text, dropped);
    std::fs::write(dir.join(ci), dropped).unwrap();
    git(dir, &["commit", "-q", "-am", "drop the tests"]);
    git(dir, &["rev-parse", "HEAD~1"])
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&t).unwrap();
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

#[test]
fn action_gates_a_pull_request_on_its_base_commit_fetching_it_when_missing() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    let base = repo_dropping_tests(&repo);
    let pull_request = serde_json::json!({"pull_request": {"base": {"sha": base}}});

    // A pull request: `baseline-ref` defaults to the base commit.
    let mut r = Runner::new(d.path(), &[("path", &repo.display().to_string())], vec![bin_dir(d.path())]);
    r.event = pull_request.clone();
    assert_eq!(r.run(d.path()), 1, "{}", r.log);
    assert_eq!(r.output("exit-code"), "1");
    assert!(r.log.contains("L1.test.app-unit (Automated tests for application code) went from met to partial"), "{}", r.log);
    let summary = std::fs::read_to_string(&r.summary).unwrap();
    assert!(summary.contains(&format!("### Changes since `{base}` (commit `{}`)", &base[..12])), "{summary}");

    // A push: no default, no baseline gate.
    let d2 = tempfile::tempdir().unwrap();
    let mut r = Runner::new(d2.path(), &[("path", &repo.display().to_string())], vec![bin_dir(d2.path())]);
    assert_eq!(r.run(d2.path()), 0, "{}", r.log);
    assert!(!std::fs::read_to_string(&r.summary).unwrap().contains("Changes since"));

    // A shallow checkout without the base commit (cloned from a local path: no network):
    // the action fetches that one commit, and the gate works.
    let d3 = tempfile::tempdir().unwrap();
    let shallow = d3.path().join("shallow");
    let url = format!("file://{}", repo.display());
    git(d3.path(), &["clone", "-q", "--depth=1", &url, shallow.to_str().unwrap()]);
    let has_base = Command::new("git").arg("-C").arg(&shallow).args(["cat-file", "-e", &format!("{base}^{{commit}}")]).output().unwrap();
    assert!(!has_base.status.success(), "the shallow clone lacks the base commit");
    let mut r = Runner::new(d3.path(), &[("path", &shallow.display().to_string())], vec![bin_dir(d3.path())]);
    r.event = pull_request;
    assert_eq!(r.run(d3.path()), 1, "{}", r.log);
    assert!(r.log.contains("went from met to partial"), "{}", r.log);

    // Turned off with an empty input.
    let d4 = tempfile::tempdir().unwrap();
    let mut r = Runner::new(d4.path(), &[("path", &repo.display().to_string()), ("baseline-ref", "")], vec![bin_dir(d4.path())]);
    r.event = serde_json::json!({"pull_request": {"base": {"sha": base}}});
    assert_eq!(r.run(d4.path()), 0, "{}", r.log);
}

#[test]
fn action_uploads_a_monorepo_with_one_category_per_project() {
    let d = tempfile::tempdir().unwrap();
    let repo = fixture("monorepo-three-projects-shared-pipeline");
    let mut r = Runner::new(d.path(), &[("path", &repo.display().to_string()), ("upload-sarif", "true")], vec![bin_dir(d.path())]);
    let code = r.run(&root().join("fixtures"));
    assert_eq!(code, 0, "{}", r.log);
    let (_, with) = r.used.iter().find(|(u, _)| u.starts_with("github/codeql-action/upload-sarif@")).expect("upload step ran");
    // No category forced on the upload: each run keeps its own.
    assert_eq!(with["category"], "", "{with:?}");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&with["sarif_file"]).unwrap()).unwrap();
    let ids: Vec<&str> = sarif["runs"].as_array().unwrap().iter().map(|x| x["automationDetails"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mlops-level/project/projects/churn/", "mlops-level/project/projects/fraud/", "mlops-level/project/projects/recsys/"]);
    let summary = std::fs::read_to_string(&r.summary).unwrap();
    assert!(summary.contains("### Projects"), "{summary}");
}
