//! The project's public URL is set once, as `repository` in Cargo.toml:
//! every URL of the project in what users read (README, docs, the Action, the
//! hooks, the schema, the release config and workflows) is that URL or a page
//! under it, and the SARIF `informationUri` / `helpUri`s derive from it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = env!("CARGO_PKG_REPOSITORY");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Files users read or run, relative to the root.
fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = [
        "README.md",
        "CONTRIBUTING.md",
        "SECURITY.md",
        "Cargo.toml",
        "dist-workspace.toml",
        "action.yml",
        "action/install.sh",
        ".pre-commit-hooks.yaml",
        "schema/report.schema.json",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    for dir in ["docs", ".github/workflows", "release"] {
        let mut more = Vec::new();
        walk(&root().join(dir), &mut more);
        more.sort();
        v.extend(more);
    }
    v
}

/// Every file under `dir` (folders such as `docs/examples` included), relative to the root.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p.strip_prefix(root()).unwrap().to_path_buf());
        }
    }
}

/// Every mention of a project URL or `uses: <owner>/mlops-level@` that is
/// not the repository's, as `file:line: text`.
fn foreign_urls(name: &str, text: &str) -> Vec<String> {
    let url = regex::Regex::new(r#"[a-z][a-z0-9+.-]*://[^ \t"'`()<>\[\]]+"#).unwrap();
    let uses = regex::Regex::new(r"(?-u:\b)uses:[ \t]*([A-Za-z0-9_.-]+/mlops-level)@").unwrap();
    let slug = REPO.trim_start_matches("https://github.com/");
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for m in url.find_iter(line) {
            let u = m.as_str();
            let ours = u == REPO || u.starts_with(&format!("{REPO}/")) || u.starts_with(&format!("{REPO}.git"));
            if (u.contains("mlops-level") || u.contains("example.invalid")) && !ours {
                bad.push(format!("{name}:{}: {u}", n + 1));
            }
        }
        for c in uses.captures_iter(line) {
            if &c[1] != slug {
                bad.push(format!("{name}:{}: uses {}", n + 1, &c[1]));
            }
        }
    }
    bad
}

#[test]
fn the_repository_url_is_set_once_and_everything_uses_it() {
    assert!(REPO.starts_with("https://github.com/") && !REPO.ends_with('/'), "{REPO}: releases and the Action live on GitHub");
    let mut bad = Vec::new();
    let mut mentions = 0;
    for f in files() {
        let text = std::fs::read_to_string(root().join(&f)).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        mentions += text.matches(REPO).count();
        bad.extend(foreign_urls(&f.display().to_string(), &text));
    }
    assert!(
        bad.is_empty(),
        "project URLs other than {REPO} (set it in Cargo.toml `repository` and use it everywhere):\n{}",
        bad.join("\n")
    );
    assert!(mentions >= 5, "the docs show the project's URL ({mentions} mentions)");
}

#[test]
fn the_url_check_catches_other_project_urls() {
    let text = format!(
        "see {REPO}/releases and {REPO}.git\n\
         cargo install --git https://example.invalid/mlops-level mlops-level\n\
         - uses: your-org/mlops-level@main\n\
         - repo: https://gitlab.com/someone/mlops-level\n\
         - uses: actions/checkout@v4\n"
    );
    let bad = foreign_urls("x.md", &text);
    assert_eq!(
        bad,
        [
            "x.md:2: https://example.invalid/mlops-level",
            "x.md:3: uses your-org/mlops-level",
            "x.md:4: https://gitlab.com/someone/mlops-level"
        ]
    );
}

#[test]
fn sarif_links_point_into_the_repository_s_rule_page() {
    let o = Command::new(env!("CARGO_BIN_EXE_mlops-level"))
        .arg("scan")
        .arg(root().join("fixtures/make-test-indirection/repo"))
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["informationUri"], REPO);
    let page = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() > 20);
    let prefix = format!("{REPO}/blob/main/docs/rules.md#");
    for r in rules {
        let help = r["helpUri"].as_str().unwrap();
        let anchor = help.strip_prefix(&prefix).unwrap_or_else(|| panic!("{help} is not under {prefix}"));
        assert!(page.contains(&format!("<a id=\"{anchor}\"></a>")), "{help}: docs/rules.md has no such anchor");
    }
}
