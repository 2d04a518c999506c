//! Everything a user reads lives in the repository: every relative link in
//! README.md, CONTRIBUTING.md, SECURITY.md and docs/*.md resolves to a file or
//! folder inside the repository, and every `#anchor` into a Markdown file is a
//! heading (GitHub's slug) or an explicit `<a id>` there. The generated pages
//! are what the rule pack generates today.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap()
}

/// The Markdown files users read.
fn pages() -> Vec<PathBuf> {
    let r = root();
    let mut v: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md", "SECURITY.md"].iter().map(|p| r.join(p)).collect();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(r.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    v.extend(docs);
    v
}

/// Lines outside fenced code blocks, with inline code spans blanked out.
fn prose_lines(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for (n, line) in md.lines().enumerate() {
        let t = line.trim_start();
        let marker = if t.starts_with("```") {
            Some("```")
        } else if t.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            (None, None) => {
                // Blank `code spans`: a link inside backticks is not a link.
                let mut s = String::new();
                let mut in_code = false;
                for ch in line.chars() {
                    if ch == '`' {
                        in_code = !in_code;
                        s.push(' ');
                    } else {
                        s.push(if in_code { ' ' } else { ch });
                    }
                }
                out.push((n + 1, s));
            }
            _ => {}
        }
    }
    out
}

/// Link targets of inline links `[text](target "title")`, `<a href="...">`
/// and reference definitions `[label]: target`.
fn links(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(md) {
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or("").trim_matches(['<', '>']);
            out.push((n, target.to_string()));
            rest = &after[end..];
        }
        for attr in ["href=\""] {
            let mut rest = line.as_str();
            while let Some(i) = rest.find(attr) {
                let after = &rest[i + attr.len()..];
                let end = after.find('"').unwrap_or(after.len());
                out.push((n, after[..end].to_string()));
                rest = &after[end..];
            }
        }
        let t = line.trim_start();
        if let Some((label, target)) = t.strip_prefix('[').and_then(|x| x.split_once("]: ")) {
            if !label.is_empty() && !label.contains(']') {
                out.push((n, target.split_whitespace().next().unwrap_or("").to_string()));
            }
        }
    }
    out
}

/// GitHub's heading anchor: lower case, punctuation other than `-` and `_`
/// dropped, spaces to hyphens; repeats get `-1`, `-2`, ...
fn slug(heading: &str) -> String {
    let text = heading.replace('`', "");
    // A link in a heading anchors on its text.
    let mut plain = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("](") {
        let (before, after) = rest.split_at(i);
        plain.push_str(&before.replace('[', ""));
        rest = after.find(')').map_or("", |j| &after[j + 1..]);
    }
    plain.push_str(&rest.replace('[', ""));
    plain
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(md: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (_, line) in prose_lines(md) {
        if let Some(h) = line.trim_start().strip_prefix('#') {
            let h = h.trim_start_matches('#');
            if h.starts_with(' ') {
                let s = slug(h);
                let k = seen.entry(s.clone()).or_insert(0);
                set.insert(if *k == 0 { s.clone() } else { format!("{s}-{k}") });
                *k += 1;
            }
        }
    }
    // Explicit anchors (also inside code-free HTML lines).
    for attr in ["<a id=\"", "<a name=\""] {
        let mut rest = md;
        while let Some(i) = rest.find(attr) {
            let after = &rest[i + attr.len()..];
            let end = after.find('"').unwrap_or(after.len());
            set.insert(after[..end].to_string());
            rest = &after[end..];
        }
    }
    set
}

/// Problems with the relative links of one page.
fn broken_links(page: &Path) -> Vec<String> {
    let r = root();
    let md = std::fs::read_to_string(page).unwrap();
    let rel = page.strip_prefix(&r).unwrap().display().to_string();
    let mut bad = Vec::new();
    for (line, target) in links(&md) {
        if target.is_empty() {
            bad.push(format!("{rel}:{line}: empty link"));
            continue;
        }
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, frag) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target.as_str(), None),
        };
        let file = if path.is_empty() { page.to_path_buf() } else { page.parent().unwrap().join(path) };
        let Ok(real) = file.canonicalize() else {
            bad.push(format!("{rel}:{line}: `{target}` does not exist"));
            continue;
        };
        if !real.starts_with(&r) {
            bad.push(format!("{rel}:{line}: `{target}` is outside the repository"));
            continue;
        }
        if let Some(frag) = frag {
            if real.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&real).unwrap();
                if !anchors(&text).contains(frag) {
                    bad.push(format!(
                        "{rel}:{line}: `{target}`: no heading or anchor `#{frag}` in {}",
                        real.strip_prefix(&r).unwrap().display()
                    ));
                }
            }
        }
    }
    bad
}

#[test]
fn every_relative_link_in_readme_and_docs_resolves_inside_the_repository() {
    let pages = pages();
    assert!(pages.len() >= 8, "{pages:?}");
    let mut bad = Vec::new();
    let mut checked = 0;
    for p in &pages {
        checked += links(&std::fs::read_to_string(p).unwrap()).len();
        bad.extend(broken_links(p));
    }
    assert!(checked > 50, "only {checked} links found: is the link reader broken?");
    assert!(bad.is_empty(), "broken links:\n{}", bad.join("\n"));
}

#[test]
fn the_link_check_catches_what_it_should() {
    let d = tempfile::tempdir_in(root().join("target")).unwrap();
    let page = d.path().join("page.md");
    std::fs::write(
        &page,
        "# A page\n\n## Level 1: DevOps, no MLOps\n\n<a id=\"l1.x\"></a>\n\n\
         [ok](page.md#level-1-devops-no-mlops) [ok](#a-page) [ok](#l1.x) [ok](https://example.org/x) `[code](nowhere.md)`\n\
         [missing](nowhere.md) [outside](../../../../../etc/hostname) [anchor](#no-such-heading)\n\
         ```\n[fenced](nowhere-either.md)\n```\n[ref]: gone.md\n",
    )
    .unwrap();
    let bad = broken_links(&page);
    assert_eq!(bad.len(), 4, "{bad:#?}");
    assert!(bad[0].contains("`nowhere.md` does not exist"));
    assert!(bad[1].contains("outside the repository") || bad[1].contains("does not exist"));
    assert!(bad[2].contains("no heading or anchor `#no-such-heading`"));
    assert!(bad[3].contains("`gone.md` does not exist"));
    assert_eq!(slug(" `L2.train.automated` — Automated model training"), "l2trainautomated--automated-model-training");
    assert_eq!(slug(" See [the rubric](rubric.md) now"), "see-the-rubric-now");
}

#[test]
fn rules_page_is_what_the_rule_pack_generates() {
    let page = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mlops-level")).args(["rules", "--format", "markdown"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        page == String::from_utf8(o.stdout).unwrap(),
        "docs/rules.md is out of date: regenerate it with `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn rubric_page_covers_every_level_and_links_each_to_its_criteria() {
    let rubric = std::fs::read_to_string(root().join("docs/rubric.md")).unwrap();
    let rules = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let rule_anchors = anchors(&rules);
    let titles = ["No MLOps", "DevOps, no MLOps", "Automated training", "Automated model deployment", "Full MLOps, automated operations"];
    for (level, title) in titles.iter().enumerate() {
        assert!(rubric.contains(&format!("### Level {level}: {title}")), "docs/rubric.md has no section for level {level} ({title})");
        if level > 0 {
            let anchor = slug(&format!("Level {level}: {title}"));
            assert!(rule_anchors.contains(&anchor), "docs/rules.md has no section `#{anchor}`");
            assert!(rubric.contains(&format!("(rules.md#{anchor})")), "docs/rubric.md does not link level {level} to its criteria");
        }
    }
    // Every criterion the rubric names in prose is a rule of the pack.
    let o = Command::new(env!("CARGO_BIN_EXE_mlops-level")).args(["rules", "--format", "json"]).output().unwrap();
    let ids: BTreeSet<String> = serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout)
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let id = regex::Regex::new(r"(?-u:\b)(?:L[0-4]|P|A)\.[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*").unwrap();
    let named: Vec<&str> = id.find_iter(&rubric).map(|m| m.as_str()).collect();
    assert!(named.len() >= 5, "{named:?}");
    for n in named {
        assert!(ids.contains(n), "docs/rubric.md names `{n}`, which is not a rule of the pack");
    }
}
