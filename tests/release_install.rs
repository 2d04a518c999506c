//! The Action's installer (`action/install.sh`) against a fake release served
//! on loopback in cargo-dist's layout: `v<version>/mlops-level-<target>.tar.gz`
//! beside `<archive>.sha256`. A good checksum installs a binary that runs, a
//! bad one is refused with nothing installed, a runner no release binary
//! fits builds from source, and the action pins the crate's version.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A minimal HTTP/1.1 server on 127.0.0.1 serving `files` (by URL path) and
/// recording every requested path; anything else is a 404.
struct FakeRelease {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(files: BTreeMap<String, Vec<u8>>) -> FakeRelease {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/releases/download", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head);
            let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
            let path = path.strip_prefix("/releases/download").unwrap_or(&path).to_string();
            seen.lock().unwrap().push(path.clone());
            let (status, body) = match files.get(&path) {
                Some(b) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found\n".to_vec()),
            };
            let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(&body);
        }
    });
    FakeRelease { base, requests }
}

fn sha256_hex(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8(o.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

/// `mlops-level-<target>.tar.gz` as dist packs it (one top folder holding the
/// binary, here the binary under test) and its `.sha256` file.
fn release_archive(dir: &Path, target: &str) -> (Vec<u8>, String) {
    let name = format!("mlops-level-{target}");
    let stage = dir.join("stage");
    std::fs::create_dir_all(stage.join(&name)).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_mlops-level"), stage.join(&name).join("mlops-level")).unwrap();
    std::fs::write(stage.join(&name).join("README.md"), "readme\n").unwrap();
    let archive = dir.join(format!("{name}.tar.gz"));
    let st = Command::new("tar").args(["-I", "gzip -1", "-cf"]).arg(&archive).arg("-C").arg(&stage).arg(&name).status().unwrap();
    assert!(st.success());
    let sum = format!("{} *{name}.tar.gz\n", sha256_hex(&archive));
    (std::fs::read(&archive).unwrap(), sum)
}

/// A directory whose `cargo` records its arguments and "installs" the binary
/// under test into `--root`.
fn fake_cargo(dir: &Path) -> PathBuf {
    let fake = dir.join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let script = format!(
        "#!/bin/bash\necho \"$@\" > \"{log}\"\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --root ]; then root=$2; fi; shift; done\nmkdir -p \"$root/bin\"\ncp \"{bin}\" \"$root/bin/mlops-level\"\n",
        log = dir.join("cargo-args").display(),
        bin = env!("CARGO_BIN_EXE_mlops-level")
    );
    std::fs::write(fake.join("cargo"), script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(fake.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    fake
}

struct Run {
    out: Output,
    install: PathBuf,
    github_output: String,
    github_path: String,
}

impl Run {
    fn log(&self) -> String {
        format!(
            "exit {:?}\n{}{}",
            self.out.status.code(),
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
}

/// Run the installer as the action's install step does, on a runner that
/// reports `os`/`arch`, with a clean environment (no proxy, no mlops-level
/// on PATH).
fn install(dir: &Path, base: &str, os: &str, arch: &str, extra_path: Option<&Path>) -> Run {
    let temp = dir.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let (gh_out, gh_path) = (dir.join("github-output"), dir.join("github-path"));
    std::fs::write(&gh_out, "").unwrap();
    std::fs::write(&gh_path, "").unwrap();
    let path = std::env::join_paths(extra_path.map(Path::to_path_buf).into_iter().chain(["/usr/bin", "/bin"].map(PathBuf::from))).unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(root().join("action/install.sh"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &temp)
        .env("RUNNER_TEMP", &temp)
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .env("ACTION_PATH", root())
        .env("MLOPS_LEVEL_VERSION", VERSION)
        .env("MLOPS_LEVEL_RELEASE_URL", base)
        .env("GITHUB_OUTPUT", &gh_out)
        .env("GITHUB_PATH", &gh_path)
        .output()
        .unwrap();
    Run {
        out,
        install: temp.join("mlops-level-install"),
        github_output: std::fs::read_to_string(gh_out).unwrap(),
        github_path: std::fs::read_to_string(gh_path).unwrap(),
    }
}

fn linux_release(dir: &Path, sum_override: Option<String>) -> FakeRelease {
    let target = "x86_64-unknown-linux-musl";
    let (archive, sum) = release_archive(dir, target);
    let name = format!("/v{VERSION}/mlops-level-{target}.tar.gz");
    serve(BTreeMap::from([(name.clone(), archive), (format!("{name}.sha256"), sum_override.unwrap_or(sum).into_bytes())]))
}

#[test]
fn a_release_with_a_good_checksum_is_installed_and_runs() {
    let d = tempfile::tempdir().unwrap();
    let server = linux_release(d.path(), None);
    let r = install(d.path(), &server.base, "Linux", "X64", None);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.log());
    assert!(r.log().contains("Checksum verified"), "{}", r.log());
    let bin = r.install.join("bin/mlops-level");
    assert_eq!(r.github_output.trim(), format!("bin={}", bin.display()));
    assert_eq!(r.github_path.trim(), r.install.join("bin").display().to_string());
    let v = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("mlops-level {VERSION}"));
    // It scans: the installed binary is the real one, not an empty file.
    let scan = Command::new(&bin).arg("scan").arg(root().join("fixtures/make-test-indirection/repo")).output().unwrap();
    assert_eq!(scan.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&scan.stdout).contains("MLOps level 1"));
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(
        requests,
        [
            format!("/v{VERSION}/mlops-level-x86_64-unknown-linux-musl.tar.gz"),
            format!("/v{VERSION}/mlops-level-x86_64-unknown-linux-musl.tar.gz.sha256")
        ]
    );
}

#[test]
fn a_release_with_a_bad_checksum_is_refused_and_nothing_is_installed() {
    let d = tempfile::tempdir().unwrap();
    let wrong = format!("{} *mlops-level-x86_64-unknown-linux-musl.tar.gz\n", "0123456789abcdef".repeat(4));
    let server = linux_release(d.path(), Some(wrong));
    let cargo = fake_cargo(d.path());
    let r = install(d.path(), &server.base, "Linux", "X64", Some(&cargo));
    assert_eq!(r.out.status.code(), Some(1), "{}", r.log());
    let err = String::from_utf8_lossy(&r.out.stderr);
    assert!(
        err.contains("checksum mismatch for mlops-level-x86_64-unknown-linux-musl.tar.gz")
            && err.contains(&"0123456789abcdef".repeat(4))
            && err.contains("refusing to install"),
        "{}",
        r.log()
    );
    assert!(!r.install.join("bin").exists(), "nothing is installed");
    assert_eq!(r.github_output, "");
    assert_eq!(r.github_path, "");
    assert!(!d.path().join("cargo-args").exists(), "a bad checksum is an error, not a reason to build from source");
    // The download is not left behind in RUNNER_TEMP either.
    let left: Vec<_> = std::fs::read_dir(d.path().join("runner-temp")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "{left:?}");

    // A checksum file that holds no checksum is refused too.
    let d = tempfile::tempdir().unwrap();
    let server = linux_release(d.path(), Some("<html>moved</html>\n".into()));
    let r = install(d.path(), &server.base, "Linux", "X64", None);
    assert_eq!(r.out.status.code(), Some(1), "{}", r.log());
    assert!(String::from_utf8_lossy(&r.out.stderr).contains("does not hold a SHA-256 checksum"), "{}", r.log());
    assert!(!r.install.join("bin").exists());
}

#[test]
fn a_missing_release_is_an_error_that_names_the_url() {
    let d = tempfile::tempdir().unwrap();
    let server = serve(BTreeMap::new());
    let cargo = fake_cargo(d.path());
    let r = install(d.path(), &server.base, "Linux", "X64", Some(&cargo));
    assert_eq!(r.out.status.code(), Some(1), "{}", r.log());
    let url = format!("{}/v{VERSION}/mlops-level-x86_64-unknown-linux-musl.tar.gz", server.base);
    assert!(String::from_utf8_lossy(&r.out.stderr).contains(&format!("could not download {url}")), "{}", r.log());
    assert!(!d.path().join("cargo-args").exists());
    assert!(!r.install.join("bin").exists());
}

#[test]
fn a_runner_no_release_binary_fits_builds_from_source() {
    let d = tempfile::tempdir().unwrap();
    let server = serve(BTreeMap::new());
    let cargo = fake_cargo(d.path());
    let r = install(d.path(), &server.base, "Linux", "ARM", Some(&cargo));
    assert_eq!(r.out.status.code(), Some(0), "{}", r.log());
    assert!(r.log().contains("No mlops-level release binary for linux/ARM"), "{}", r.log());
    let args = std::fs::read_to_string(d.path().join("cargo-args")).unwrap();
    assert_eq!(args.trim(), format!("install --locked --quiet --path {} --root {}", root().display(), r.install.display()));
    assert!(server.requests.lock().unwrap().is_empty(), "nothing is downloaded");
    assert_eq!(r.github_output.trim(), format!("bin={}", r.install.join("bin/mlops-level").display()));

    // Without cargo the fallback says what to do.
    let d = tempfile::tempdir().unwrap();
    let r = install(d.path(), &server.base, "FreeBSD", "X64", None);
    assert_eq!(r.out.status.code(), Some(1), "{}", r.log());
    assert!(String::from_utf8_lossy(&r.out.stderr).contains("no release binary for FreeBSD/x86_64 and no cargo"), "{}", r.log());
}

/// The dist targets from `dist-workspace.toml`.
fn dist_targets() -> Vec<String> {
    let toml = std::fs::read_to_string(root().join("dist-workspace.toml")).unwrap();
    let line = toml.lines().find(|l| l.starts_with("targets = [")).expect("targets in dist-workspace.toml");
    line.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn each_runner_platform_downloads_a_target_the_release_builds() {
    let targets = dist_targets();
    let server = serve(BTreeMap::new());
    for (os, arch, archive) in [
        ("Linux", "X64", "x86_64-unknown-linux-musl.tar.gz"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl.tar.gz"),
        ("macOS", "X64", "x86_64-apple-darwin.tar.gz"),
        ("macOS", "ARM64", "aarch64-apple-darwin.tar.gz"),
        ("Windows", "X64", "x86_64-pc-windows-msvc.zip"),
    ] {
        let d = tempfile::tempdir().unwrap();
        server.requests.lock().unwrap().clear();
        let r = install(d.path(), &server.base, os, arch, None);
        assert_eq!(r.out.status.code(), Some(1), "404 from the fake release: {}", r.log());
        assert_eq!(server.requests.lock().unwrap().clone(), [format!("/v{VERSION}/mlops-level-{archive}")], "{os}/{arch}");
        let target = archive.split_once('.').unwrap().0;
        assert!(targets.iter().any(|t| t == target), "{target} is not built by the release (dist-workspace.toml)");
    }
}

#[test]
fn the_action_installs_the_release_of_its_own_version_with_this_script() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action: Value = serde_saphyr::from_str(&text).unwrap();
    let step = action["runs"]["steps"].as_array().unwrap().iter().find(|s| s["id"] == "install").expect("an install step");
    assert_eq!(step["env"]["MLOPS_LEVEL_VERSION"], VERSION, "action.yml pins the crate's version (Cargo.toml)");
    assert!(step["run"].as_str().unwrap().contains("\"$ACTION_PATH/action/install.sh\""), "{}", step["run"]);
}
