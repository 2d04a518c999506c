//! The HTML report in a real browser: headless Chromium (the Debian package
//! `chromium`) opens the pages `scan --format html` and the fleet renderer
//! write, and the test reads what the browser built, not the source: the DOM
//! after loading (`--dump-dom`) and the browser's console (`--enable-logging`).
//!
//! The pages have no script, so "no script errors" means the console stays
//! silent: no uncaught error, and no Content-Security-Policy violation (the
//! browser logs one for any script or resource the page tried to run or
//! load). Two control pages prove the harness can see both: a script that
//! throws and loads an image must be heard on the console, and a script that
//! marks the DOM must show in the dump.
//!
//! A screenshot of a report is kept at `target/html-report.png` (and of a
//! fleet page at `target/html-fleet.png`); CI uploads them as artifacts.
//!
//! The browser: `MLOPS_LEVEL_CHROMIUM` (which `.ci/run` sets after installing
//! it; the test is then mandatory), else `/usr/bin/chromium` when present;
//! with `CI=true` and neither, the test fails; otherwise it is skipped with
//! a banner.

#[path = "common/hostile.rs"]
mod hostile;

use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name).join("repo")
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MLOPS_LEVEL_CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "MLOPS_LEVEL_CHROMIUM={} is not a file", p.display());
        return Some(p);
    }
    let local = PathBuf::from("/usr/bin/chromium");
    if local.is_file() {
        return Some(local);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but no browser: .ci/run must install the Debian package chromium and set MLOPS_LEVEL_CHROMIUM");
    }
    use std::io::Write;
    let _ = std::io::stderr().write_all(
        b"\n\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
!! SKIPPED: the HTML report in headless Chromium. Install the Debian package `chromium`,  !!\n\
!! set MLOPS_LEVEL_CHROMIUM, or run `bash .ci/run`, which installs it. CI never skips.    !!\n\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n",
    );
    None
}

/// What the browser made of a page.
struct Loaded {
    /// The DOM after loading, serialized.
    dom: String,
    /// Console messages (uncaught errors, CSP violations, console.* calls).
    console: Vec<String>,
}

/// Run headless Chromium on `page` with `action` (`--dump-dom`,
/// `--screenshot=...`), offline: a fresh profile, no background
/// networking, every host name unresolvable and any proxy on a closed
/// loopback port.
fn browse(browser: &Path, page: &Path, action: &[&str]) -> Loaded {
    let d = tempfile::tempdir().unwrap();
    let (out, err) = (d.path().join("stdout"), d.path().join("stderr"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--mute-audio",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", d.path().join("profile").display()))
        .args(action)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not finish within 120 s on {}", browser.display(), page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(status.success(), "{} failed ({status}) on {}:\n{stderr}", browser.display(), page.display());
    // Chromium logs console messages as `...:INFO:CONSOLE:1] "msg", source: ...`
    // (older versions: `CONSOLE(1)`).
    let console = Regex::new(r"[:\]]CONSOLE[:(]").unwrap();
    Loaded {
        dom: std::fs::read_to_string(&out).unwrap_or_default(),
        console: stderr.lines().filter(|l| console.is_match(l)).map(str::to_string).collect(),
    }
}

fn scan(repo: &Path, args: &[&str]) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_mlops-level")).arg("scan").arg(repo).args(args).output().unwrap();
    assert!(o.status.code() == Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// Where screenshots are kept: the target directory (`CARGO_TARGET_TMPDIR` is `<target>/tmp`).
fn kept(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join(name)
}

/// A PNG's (width, height), checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// The harness hears what a page does: a control page that throws and
/// loads an image is heard on the console, and a script's change to the
/// DOM shows in the dump (so the dump is the live DOM, not the file).
fn check_controls(browser: &Path, dir: &Path) {
    let noisy = dir.join("control-noisy.html");
    std::fs::write(
        &noisy,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\"/></head>\
         <body><img src=\"https://example.invalid/x.png\"/><script>document.body.setAttribute('data-ran', 'yes'); throw new Error('control-error');</script></body></html>",
    )
    .unwrap();
    let l = browse(browser, &noisy, &["--dump-dom"]);
    assert!(l.dom.contains("data-ran=\"yes\""), "the dump is not the live DOM:\n{}", l.dom);
    assert!(l.console.iter().any(|c| c.contains("control-error")), "an uncaught error was not heard: {:?}", l.console);
    assert!(l.console.iter().any(|c| c.contains("Content Security Policy")), "a blocked image was not heard: {:?}", l.console);
}

fn rows(dom: &str) -> Vec<(String, String)> {
    let re = Regex::new(r#"<tr id="crit-([^"]+)" data-status="([^"]+)""#).unwrap();
    re.captures_iter(dom).map(|c| (c[1].to_string(), c[2].to_string())).collect()
}

#[test]
fn html_report_renders_in_chromium_with_the_level_every_criterion_and_no_errors() {
    let Some(browser) = chromium() else { return };
    let d = tempfile::tempdir().unwrap();
    check_controls(&browser, d.path());

    let level = Regex::new(r#"<h1 id="level" data-level="([0-9])">[^\n]*?MLOps level ([0-9])</span>"#).unwrap();
    for name in ["level0-github-manual-only", "capped-no-ci-tests", "level2-gitlab-training", "level4-github-full-loop"] {
        let repo = fixture(name);
        let json: Value = serde_json::from_slice(&scan(&repo, &["--format", "json"])).unwrap();
        let page = d.path().join(format!("{name}.html"));
        std::fs::write(&page, scan(&repo, &["--format", "html"])).unwrap();
        let l = browse(&browser, &page, &["--dump-dom"]);
        assert!(l.console.is_empty(), "{name}: the browser reported:\n{}", l.console.join("\n"));
        // The level the page shows.
        let c = level.captures(&l.dom).unwrap_or_else(|| panic!("{name}: no level heading in the rendered page"));
        assert_eq!((&c[1], &c[2]), (json["level"].to_string().as_str(), json["level"].to_string().as_str()), "{name}");
        // Every criterion, once, with its status.
        let want: Vec<(String, String)> = json["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
            .collect();
        let mut got = rows(&l.dom);
        let mut want_sorted = want.clone();
        got.sort();
        want_sorted.sort();
        assert_eq!(got, want_sorted, "{name}: criteria rows in the rendered page");
        // Nothing executable or loadable made it into the DOM.
        for tag in ["<script", "<img", "<iframe", "<link", "<object"] {
            assert!(!l.dom.contains(tag), "{name}: {tag} in the rendered page");
        }
    }

    // A screenshot of one report: the size asked for, and not a blank page
    // (a page with nothing on it compresses to a fraction of the size).
    let page = d.path().join("level2-gitlab-training.html");
    let shot = kept("html-report.png");
    let _ = std::fs::remove_file(&shot);
    let l = browse(&browser, &page, &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2400"]);
    assert!(l.console.is_empty(), "{}", l.console.join("\n"));
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", shot.display()));
    assert_eq!(png_size(&bytes), (1280, 2400));
    let blank = d.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/></head><body></body></html>").unwrap();
    let blank_shot = d.path().join("blank.png");
    browse(&browser, &blank, &[&format!("--screenshot={}", blank_shot.display()), "--window-size=1280,2400"]);
    let blank_len = std::fs::read(&blank_shot).unwrap().len();
    assert!(bytes.len() > 10 * blank_len, "the screenshot ({} bytes) looks blank (a blank page: {blank_len} bytes)", bytes.len());
    eprintln!("screenshot of the HTML report: {}", shot.display());
}

#[test]
fn hostile_names_render_as_text_in_chromium() {
    let Some(browser) = chromium() else { return };
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    hostile::write_hostile_repo(&repo);
    let page = d.path().join("hostile.html");
    std::fs::write(&page, scan(&repo, &["--format", "html"])).unwrap();
    let l = browse(&browser, &page, &["--dump-dom"]);
    // An escaped script that ran, or was blocked by the CSP, would be logged.
    assert!(l.console.is_empty(), "the browser reported:\n{}", l.console.join("\n"));
    for tag in ["<script", "<img", "<b ", "<i>", "onerror=\"", "onmouseover=\""] {
        assert!(!l.dom.contains(tag), "{tag} became markup in the rendered page");
    }
    // The browser serializes text with `<` and `>` escaped: each planted string is text.
    for s in hostile::PLANTED {
        let shown = s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\u{a0}', "&nbsp;");
        assert!(l.dom.contains(&shown), "{s:?} is not text in the rendered page");
    }
}

#[test]
fn fleet_page_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let d = tempfile::tempdir().unwrap();
    let names = ["level4-github-full-loop", "level2-gitlab-training", "capped-no-ci-tests", "level1-jenkins-declarative"];
    let mut lines: Vec<Value> = names
        .iter()
        .map(|n| {
            let mut v: Value = serde_json::from_slice(&scan(&fixture(n), &["--format", "json"])).unwrap();
            v["path"] = Value::String(format!("repos/{n}"));
            v
        })
        .collect();
    lines.push(serde_json::json!({"path": "repos/missing", "error": "repos/missing: not a directory"}));
    let page = d.path().join("fleet.html");
    std::fs::write(&page, mlops_report::render_fleet_html(&lines, &mlops_report::FleetHtmlOptions::default())).unwrap();
    let l = browse(&browser, &page, &["--dump-dom"]);
    assert!(l.console.is_empty(), "the browser reported:\n{}", l.console.join("\n"));
    assert!(l.dom.contains(r#"data-repositories="5" data-scanned="4" data-failed="1""#), "counts");
    let rows = Regex::new(r#"<tr class="repo" data-level="([^"]+)"><td><code>([^<]+)</code>"#).unwrap();
    let got: Vec<(String, String)> = rows.captures_iter(&l.dom).map(|c| (c[2].to_string(), c[1].to_string())).collect();
    let mut want: Vec<(String, String)> = lines
        .iter()
        .map(|v| (v["path"].as_str().unwrap().to_string(), v["level"].as_u64().map_or("error".to_string(), |l| l.to_string())))
        .collect();
    want.sort();
    assert_eq!(got, want);
    let shot = kept("html-fleet.png");
    let _ = std::fs::remove_file(&shot);
    browse(&browser, &page, &[&format!("--screenshot={}", shot.display()), "--window-size=1280,1800"]);
    assert_eq!(png_size(&std::fs::read(&shot).unwrap()), (1280, 1800));
}
