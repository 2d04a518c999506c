//! The fleet examples in `docs/examples/` run as their scheduler would run
//! them, on fixtures: the GitHub Actions matrix (each shard job's steps, then
//! the merge job, twice so the history travels through the cache) and the
//! Kubernetes Indexed Job (one pod per `JOB_COMPLETION_INDEX`, a killed pod
//! retried, then the merge Job). `git` and `cargo` are stand-ins (no
//! network); `mlops-level` is the binary under test. Both must produce the
//! bytes of one unsharded `fleet` run.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fleet-examples").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn as_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The fleet of the examples: fixtures standing in for the organisation's repositories.
const FLEET: &[&str] = &[
    "level0-github-manual-only",
    "level1-jenkins-declarative",
    "level2-gitlab-training",
    "level3-azure-pipelines-deploy",
    "level4-github-full-loop",
    "make-test-indirection",
    "mlflow-project",
];

fn repos_txt() -> String {
    FLEET.iter().map(|n| format!("repos/your-org/{n}\n")).collect()
}

/// `mlops-level` (the binary under test), and stand-ins for `cargo` (the
/// install step: nothing to do) and `git clone URL DEST` (copies the fixture
/// named like the repository, and logs the clone).
fn stub_bin(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mlops-level"), bin.join("mlops-level")).unwrap();
    let cargo = "#!/bin/sh\n[ \"$1\" = install ] || exit 9\n";
    let git = format!(
        "#!/bin/sh\n[ \"$1\" = clone ] || exit 9\nfor a; do url=\"$dest\"; dest=\"$a\"; done\n\
         name=$(basename \"$url\" .git)\nmkdir -p \"$(dirname \"$dest\")\"\n\
         cp -R \"{}/fixtures/$name/repo\" \"$dest\" && echo \"$dest\" >> \"{}/clones.log\"\n",
        root().display(),
        dir.display()
    );
    for (name, text) in [("cargo", cargo.to_string()), ("git", git)] {
        std::fs::write(bin.join(name), text).unwrap();
        Command::new("chmod").arg("+x").arg(bin.join(name)).status().unwrap();
    }
    bin
}

fn path_env(bin: &Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

/// One unsharded `fleet` run over the whole list, all repositories cloned.
fn unsharded(dir: &Path, bin: &Path) -> Vec<u8> {
    let ws = dir.join("unsharded");
    std::fs::create_dir_all(ws.join("fleet")).unwrap();
    std::fs::write(ws.join("fleet/repos.txt"), repos_txt()).unwrap();
    for n in FLEET {
        let s = Command::new(bin.join("git"))
            .args(["clone", &format!("https://x/your-org/{n}.git"), &format!("repos/your-org/{n}")])
            .current_dir(&ws)
            .env("PATH", path_env(bin))
            .status()
            .unwrap();
        assert!(s.success());
    }
    let o = Command::new(bin.join("mlops-level"))
        .args(["fleet", "--list", "fleet/repos.txt", "--out", "all.jsonl"])
        .current_dir(&ws)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(ws.join("all.jsonl")).unwrap()
}

fn clones(dir: &Path) -> Vec<String> {
    let log = std::fs::read_to_string(dir.join("clones.log")).unwrap_or_default();
    let _ = std::fs::remove_file(dir.join("clones.log"));
    log.lines().map(String::from).collect()
}

// ------------------------------------------------------------ GitHub Actions

/// A GitHub runner, for what the workflow uses: `${{ }}` over `matrix`,
/// `strategy`, `secrets`, `github.run_id`, `!cancelled()`; job and step `env`;
/// `run:` in `bash -eo pipefail`; checkout, artifacts and the cache as copies.
struct Gh {
    dir: PathBuf,
    bin: PathBuf,
    run_id: u32,
    caches: BTreeMap<String, PathBuf>,
}

impl Gh {
    fn expr(&self, text: &str, ctx: &BTreeMap<&str, String>) -> String {
        let (mut out, mut rest) = (String::new(), text);
        while let Some(i) = rest.find("${{") {
            let j = rest[i..].find("}}").expect("`${{` is closed") + i;
            out += &rest[..i];
            let e = rest[i + 3..j].trim();
            out += &match ctx.get(e) {
                Some(v) => v.clone(),
                None => match e {
                    "github.run_id" => self.run_id.to_string(),
                    "!cancelled()" => "true".into(),
                    _ if e.starts_with("secrets.") => String::new(),
                    _ => panic!("the emulated runner does not know `{e}`"),
                },
            };
            rest = &rest[j + 2..];
        }
        out + rest
    }

    fn env(&self, v: &Value, ctx: &BTreeMap<&str, String>) -> Vec<(String, String)> {
        v.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), self.expr(&as_str(v), ctx))).collect()).unwrap_or_default()
    }

    /// Run one job in a fresh workspace; returns it and whether a step failed.
    fn job(&mut self, job: &Value, ctx: &BTreeMap<&str, String>, ws: &Path) -> bool {
        std::fs::create_dir_all(ws).unwrap();
        let summary = ws.join("summary.md");
        let job_env = self.env(&job["env"], ctx);
        let mut failed = false;
        for step in job["steps"].as_array().unwrap() {
            let cond = self.expr(&as_str(&step["if"]), ctx);
            if failed && cond != "true" {
                continue;
            }
            let with: BTreeMap<String, String> = step["with"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), self.expr(&as_str(v), ctx))).collect())
                .unwrap_or_default();
            let uses = as_str(&step["uses"]);
            let artifacts = self.dir.join("artifacts").join(self.run_id.to_string());
            match uses.split('@').next().unwrap() {
                "" => {
                    let mut c = Command::new("bash");
                    c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &self.expr(&as_str(&step["run"]), ctx)]).current_dir(ws);
                    c.env("PATH", path_env(&self.bin)).env("GITHUB_STEP_SUMMARY", &summary).env_remove("SOURCE_DATE_EPOCH");
                    c.envs(job_env.clone()).envs(self.env(&step["env"], ctx));
                    let o = c.output().unwrap();
                    if !o.status.success() {
                        eprintln!("step failed: {}\n{}", as_str(&step["run"]), String::from_utf8_lossy(&o.stderr));
                        failed = true;
                    }
                }
                // The platform repository: its list of repositories.
                "actions/checkout" => {
                    std::fs::create_dir_all(ws.join("fleet")).unwrap();
                    std::fs::write(ws.join("fleet/repos.txt"), repos_txt()).unwrap();
                }
                "actions/upload-artifact" => {
                    let to = artifacts.join(&with["name"]);
                    std::fs::create_dir_all(&to).unwrap();
                    for p in with["path"].lines().map(str::trim).filter(|l| !l.is_empty()) {
                        // A missing file is a warning on GitHub (if-no-files-found: warn).
                        if ws.join(p).is_file() {
                            std::fs::copy(ws.join(p), to.join(p)).unwrap();
                        }
                    }
                }
                "actions/download-artifact" => {
                    assert_eq!(with.get("merge-multiple").map(String::as_str), Some("true"));
                    let prefix = with["pattern"].strip_suffix('*').expect("a prefix pattern");
                    for a in std::fs::read_dir(&artifacts).unwrap().filter_map(Result::ok) {
                        if a.file_name().to_string_lossy().starts_with(prefix) {
                            for f in std::fs::read_dir(a.path()).unwrap().filter_map(Result::ok) {
                                std::fs::copy(f.path(), ws.join(f.file_name())).unwrap();
                            }
                        }
                    }
                }
                "actions/cache/restore" => {
                    let hit = self.caches.get(&with["key"]).or_else(|| {
                        let prefix = &with["restore-keys"];
                        self.caches.iter().rev().find(|(k, _)| k.starts_with(prefix.as_str())).map(|(_, v)| v)
                    });
                    if let Some(saved) = hit {
                        std::fs::copy(saved, ws.join(&with["path"])).unwrap();
                    }
                }
                "actions/cache/save" => {
                    let saved = self.dir.join("cache").join(&with["key"]);
                    std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
                    std::fs::copy(ws.join(&with["path"]), &saved).unwrap();
                    self.caches.insert(with["key"].clone(), saved);
                }
                other => panic!("the emulated runner does not know `{other}`"),
            }
        }
        failed
    }
}

#[test]
fn github_actions_matrix_example_merges_to_the_unsharded_run_and_keeps_history() {
    let dir = tmp("github");
    let bin = stub_bin(&dir);
    let wf: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("docs/examples/fleet-github-actions.yml")).unwrap()).unwrap();
    let shards: Vec<String> = wf["jobs"]["scan"]["strategy"]["matrix"]["shard"].as_array().unwrap().iter().map(as_str).collect();
    assert_eq!(shards, ["1", "2", "3", "4"]);
    assert_eq!(wf["jobs"]["merge"]["needs"], "scan");
    let want = unsharded(&dir, &bin);
    clones(&dir);
    let mut gh = Gh { dir: dir.clone(), bin, run_id: 0, caches: BTreeMap::new() };
    for run_id in [1, 2] {
        gh.run_id = run_id;
        let mut cloned = Vec::new();
        for (k, shard) in shards.iter().enumerate() {
            let ctx = BTreeMap::from([
                ("matrix.shard", shard.clone()),
                ("strategy.job-total", shards.len().to_string()),
                ("strategy.job-index", k.to_string()),
            ]);
            let ws = dir.join(format!("run{run_id}-scan-{shard}"));
            assert!(!gh.job(&wf["jobs"]["scan"], &ctx, &ws), "scan job {shard} failed");
            // Each shard job clones its own share of the list, and only that.
            let mine: Vec<String> =
                FLEET.iter().enumerate().filter(|(i, _)| i % shards.len() == k).map(|(_, n)| format!("repos/your-org/{n}")).collect();
            assert_eq!(clones(&dir), mine, "shard {shard} clones");
            cloned.extend(mine);
            let summary = std::fs::read_to_string(ws.join("summary.md")).unwrap();
            assert!(summary.contains("## MLOps maturity of the fleet"), "{summary}");
        }
        cloned.sort();
        assert_eq!(cloned.len(), FLEET.len(), "the shards cover the fleet once");
        let ws = dir.join(format!("run{run_id}-merge"));
        assert!(!gh.job(&wf["jobs"]["merge"], &BTreeMap::new(), &ws), "merge job failed");
        assert!(
            std::fs::read(dir.join(format!("artifacts/{run_id}/fleet/fleet.jsonl"))).unwrap() == want,
            "merged shards differ from one run"
        );
        let summary = std::fs::read_to_string(ws.join("summary.md")).unwrap();
        assert!(summary.contains(&format!("{} repositories, {} scanned", FLEET.len(), FLEET.len())), "{summary}");
        let history = std::fs::read_to_string(dir.join(format!("artifacts/{run_id}/fleet/history.txt"))).unwrap();
        let runs = if run_id == 1 { "Organisation (1 run)" } else { "Organisation (2 runs)" };
        assert!(history.contains(runs), "the history travels through the cache:\n{history}");
    }
}

// ---------------------------------------------------------------- Kubernetes

/// A pod of the example: its containers run in order with `command` + `args`,
/// the volume mounts rewritten under `fake_root`, `workingDir` there too.
fn run_pod(spec: &Value, fake_root: &Path, volumes: &BTreeMap<String, PathBuf>, bin: &Path, index: Option<usize>) {
    let _ = std::fs::remove_dir_all(fake_root);
    let containers =
        spec["initContainers"].as_array().cloned().unwrap_or_default().into_iter().chain(spec["containers"].as_array().unwrap().clone());
    for c in containers {
        let mut script: Vec<String> =
            c["command"].as_array().unwrap().iter().map(as_str).chain(c["args"].as_array().unwrap().iter().map(as_str)).collect();
        for m in c["volumeMounts"].as_array().unwrap() {
            let (name, at) = (as_str(&m["name"]), as_str(&m["mountPath"]));
            let target = fake_root.join(at.trim_start_matches('/'));
            if !target.exists() {
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink(&volumes[&name], &target).unwrap();
            }
            for s in script.iter_mut().skip(1) {
                *s = s.replace(&format!("{at}/"), &format!("{}/", target.display()));
            }
        }
        let wd = fake_root.join(as_str(&c["workingDir"]).trim_start_matches('/'));
        std::fs::create_dir_all(&wd).unwrap();
        let mut cmd = Command::new(&script[0]);
        cmd.args(&script[1..]).current_dir(&wd).env("PATH", path_env(bin)).env_remove("SOURCE_DATE_EPOCH");
        for e in c["env"].as_array().cloned().unwrap_or_default() {
            cmd.env(as_str(&e["name"]), as_str(&e["value"]));
        }
        if let Some(i) = index {
            cmd.env("JOB_COMPLETION_INDEX", i.to_string());
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "container {} failed: {}", as_str(&c["name"]), String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn kubernetes_indexed_job_example_shards_resumes_a_killed_pod_and_merges() {
    let dir = tmp("k8s");
    let bin = stub_bin(&dir);
    let want = unsharded(&dir, &bin);
    clones(&dir);
    let docs: Vec<Value> =
        serde_saphyr::from_str_multiple(&std::fs::read_to_string(root().join("docs/examples/fleet-k8s-indexed-job.yaml")).unwrap())
            .unwrap();
    let cm = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    assert!(
        as_str(&cm["data"]["repos.txt"]).lines().filter(|l| !l.starts_with('#')).all(|l| l.starts_with("repos/")),
        "the list holds repos/<owner>/<name>"
    );
    let job = docs.iter().find(|d| d["kind"] == "Job").unwrap();
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let shards = job["spec"]["completions"].as_u64().unwrap() as usize;
    let spec = &job["spec"]["template"]["spec"];
    for c in spec["initContainers"].as_array().unwrap().iter().chain(spec["containers"].as_array().unwrap()) {
        let env: Vec<&Value> = c["env"].as_array().unwrap().iter().filter(|e| e["name"] == "SHARDS").collect();
        assert_eq!(as_str(&env[0]["value"]), shards.to_string(), "SHARDS must equal completions");
    }
    // Volumes: the ConfigMap (our fleet's list), the shared results volume;
    // the clone volume is an emptyDir, new for each pod.
    let (list, results, repos) = (dir.join("vol-fleet"), dir.join("vol-results"), dir.join("vol-repos"));
    std::fs::create_dir_all(&list).unwrap();
    std::fs::create_dir_all(&results).unwrap();
    std::fs::write(list.join("repos.txt"), repos_txt()).unwrap();
    let volumes =
        BTreeMap::from([("fleet".to_string(), list), ("results".to_string(), results.clone()), ("repos".to_string(), repos.clone())]);
    let fresh = |p: &Path| {
        let _ = std::fs::remove_dir_all(p);
        std::fs::create_dir_all(p).unwrap();
    };
    for i in 0..shards {
        fresh(&repos);
        run_pod(spec, &dir.join(format!("pod-{i}")), &volumes, &bin, Some(i));
        let mine: Vec<String> =
            FLEET.iter().enumerate().filter(|(k, _)| k % shards == i).map(|(_, n)| format!("repos/your-org/{n}")).collect();
        assert_eq!(clones(&dir), mine, "pod {i} clones its shard");
        assert!(results.join(format!("shard-{}.jsonl", i + 1)).is_file());
    }
    // Pod 0 was killed while writing its second line: the retry clones and scans only the rest.
    let shard1 = results.join("shard-1.jsonl");
    let full = std::fs::read_to_string(&shard1).unwrap();
    let first = full.lines().next().unwrap().len() + 1;
    std::fs::write(&shard1, &full[..first + 40]).unwrap();
    fresh(&repos);
    run_pod(spec, &dir.join("pod-0-retry"), &volumes, &bin, Some(0));
    assert_eq!(clones(&dir).len(), full.lines().count() - 1, "the retry clones what is not done");
    assert_eq!(std::fs::read_to_string(&shard1).unwrap(), full, "the retry completes the shard");

    let merge: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("docs/examples/fleet-k8s-merge-job.yaml")).unwrap()).unwrap();
    run_pod(&merge["spec"]["template"]["spec"], &dir.join("merge"), &volumes, &bin, None);
    assert!(std::fs::read(results.join("fleet.jsonl")).unwrap() == want, "merged shards differ from one run");
    let md = std::fs::read_to_string(results.join("fleet.md")).unwrap();
    assert!(md.contains(&format!("{} repositories, {} scanned", FLEET.len(), FLEET.len())), "{md}");
    assert!(std::fs::read_to_string(results.join("history.txt")).unwrap().contains("Organisation (1 run)"));
}
