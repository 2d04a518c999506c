//! The HTML report (`scan --format html`, `-o html=FILE`), the fleet page
//! (`mlops_report::render_fleet_html`) and the badges (`--format badge`,
//! `--format badge-json`), checked on their structure: the HTML is parsed as
//! XML (it is written to be well-formed) and compared with the JSON report of
//! the same scan. `tests/html_browser.rs` checks the pages in a real browser.

#[path = "common/hostile.rs"]
mod hostile;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{fixture, fixture_repos};

fn scan(repo: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-level")).arg("scan").arg(repo).args(args).output().unwrap()
}

/// One scan: the JSON report on stdout and the HTML written with `-o html=`.
fn json_and_html(repo: &Path, dir: &Path) -> (Value, String) {
    let f = dir.join("report.html");
    let o = scan(repo, &["--format", "json", "-o", &format!("html={}", f.display())]);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    (serde_json::from_slice(&o.stdout).unwrap(), std::fs::read_to_string(f).unwrap())
}

fn parse(html: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(html, opts).unwrap_or_else(|e| panic!("the HTML is not well-formed: {e}"))
}

fn by_id<'a, 'i>(doc: &'a roxmltree::Document<'i>, id: &str) -> Option<roxmltree::Node<'a, 'i>> {
    doc.descendants().find(|n| n.attribute("id") == Some(id))
}

fn text(n: roxmltree::Node<'_, '_>) -> String {
    n.descendants().filter(|d| d.is_text()).map(|d| d.text().unwrap_or("")).collect()
}

/// The page loads nothing and runs nothing: no scripts, images, frames,
/// objects, links or stylesheets from anywhere, no URL in CSS, and the CSP
/// that forbids them all.
fn assert_inert(doc: &roxmltree::Document<'_>, name: &str) {
    for n in doc.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !["script", "img", "iframe", "object", "embed", "link", "a", "base", "form", "svg", "video", "audio", "source"].contains(&tag),
            "{name}: a <{tag}> element"
        );
        for a in n.attributes() {
            assert!(!["src", "href", "srcset", "action", "formaction", "xlink:href"].contains(&a.name()), "{name}: {tag} has {}", a.name());
            assert!(!a.name().starts_with("on"), "{name}: an event handler attribute {} on <{tag}>", a.name());
        }
        if tag == "style" {
            let css = text(n);
            assert!(!css.contains("url(") && !css.contains("@import") && !css.contains("//"), "{name}: the stylesheet refers to something");
        }
    }
    let csp = doc
        .descendants()
        .find(|n| n.attribute("http-equiv") == Some("Content-Security-Policy"))
        .unwrap_or_else(|| panic!("{name}: no Content-Security-Policy"));
    assert_eq!(csp.attribute("content"), Some("default-src 'none'; style-src 'unsafe-inline'"));
}

/// Every fixture: the HTML is well-formed and inert, shows the JSON's level
/// and every criterion with its status and evidence locations, and the next
/// steps in order.
#[test]
fn html_of_every_fixture_shows_the_level_every_criterion_and_its_evidence() {
    use rayon::prelude::*;
    // One scan per fixture, spread over the cores (each in its own folder).
    fixture_repos().par_iter().for_each(|(name, repo)| {
        let d = tempfile::tempdir().unwrap();
        let (json, html) = json_and_html(repo, d.path());
        let doc = parse(&html);
        assert_inert(&doc, name);
        let h1 = by_id(&doc, "level").unwrap_or_else(|| panic!("{name}: no #level"));
        assert_eq!(h1.attribute("data-level"), Some(json["level"].to_string().as_str()), "{name}");
        assert!(text(h1).contains(&format!("MLOps level {}", json["level"])), "{name}: {}", text(h1));
        assert!(text(h1).contains(json["level_title"].as_str().unwrap()), "{name}");
        // The ladder: one rung per level, reached as in JSON.
        for l in json["levels"].as_array().unwrap() {
            let rung = by_id(&doc, &format!("rung-{}", l["level"])).unwrap_or_else(|| panic!("{name}: no rung {}", l["level"]));
            assert_eq!(rung.attribute("data-reached"), Some(l["reached"].to_string().as_str()), "{name}: rung {}", l["level"]);
            if l["level"] != 0 {
                let t = text(rung);
                let req = format!("required {}/{}", l["required"]["met"], l["required"]["total"]);
                assert!(t.contains(&req), "{name}: rung {} lacks {req}: {t}", l["level"]);
            }
        }
        for c in json["criteria"].as_array().unwrap() {
            let id = c["id"].as_str().unwrap();
            let row = by_id(&doc, &format!("crit-{id}")).unwrap_or_else(|| panic!("{name}: no row for {id}"));
            assert_eq!(row.attribute("data-status"), c["status"].as_str(), "{name}: {id}");
            let t = text(row);
            assert!(t.contains(c["title"].as_str().unwrap()) && t.contains(c["kind"].as_str().unwrap()), "{name}: {id}: {t}");
            for e in c["evidence"].as_array().unwrap() {
                let l = format!("{}:{}", e["path"].as_str().unwrap(), e["start_line"]);
                assert!(t.contains(&l), "{name}: {id} does not list {l}");
                for step in e["chain"].as_array().into_iter().flatten() {
                    let l = format!("{}:{}", step["path"].as_str().unwrap(), step["start_line"]);
                    assert!(t.contains(&l), "{name}: {id} does not show the chain through {l}");
                }
            }
            if let Some(why) = c["why"].as_str() {
                assert!(t.contains(&format!("why partial: {why}")), "{name}: {id}");
            }
        }
        let steps: Vec<String> = match by_id(&doc, "next-steps") {
            Some(s) => s.descendants().filter(|n| n.has_tag_name("li")).map(|li| text(li.first_element_child().unwrap())).collect(),
            None => vec![],
        };
        let want: Vec<String> = json["next_steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(steps, want, "{name}: next steps");
        for i in json["issues"].as_array().unwrap() {
            assert!(html.contains(&escaped(i["message"].as_str().unwrap())), "{name}: issue {i} not shown");
        }
    });
}

/// The escaping the page uses, for looking text up in the source.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[test]
fn html_capped_repository_says_what_caps_it() {
    let d = tempfile::tempdir().unwrap();
    let (json, html) = json_and_html(&fixture("capped-no-ci-tests"), d.path());
    assert_eq!(json["level"], 0);
    let doc = parse(&html);
    let cap = text(by_id(&doc, "capped").expect("a capped line"));
    assert!(cap.contains(&format!("would be level {}", json["level_if_uncapped"])), "{cap}");
    for id in json["capped_by"].as_array().unwrap() {
        assert!(cap.contains(id.as_str().unwrap()), "{cap}");
    }
    let current: Vec<_> =
        doc.descendants().filter(|n| n.attribute("class").is_some_and(|c| c.split(' ').any(|c| c == "current"))).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].attribute("id"), Some("rung-0"));
}

/// File names, commands, code and config reasons written as markup reach
/// the page as text: parsed, the page has no element they would create, and
/// its text holds each string exactly.
#[test]
fn html_escapes_hostile_names_snippets_and_config_reasons() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    hostile::write_hostile_repo(&repo);
    let out = tempfile::tempdir().unwrap();
    let (json, html) = json_and_html(&repo, out.path());
    // The tree does what it is meant to: each hostile string is in the report.
    let js = json.to_string();
    for s in ["train <img src=x onerror=alert(1)>.py", "<b onmouseover=alert(3)>broken.yml", "alert(5)", "alert(2)"] {
        assert!(js.contains(s), "the hostile tree no longer produces {s}");
    }
    let doc = parse(&html);
    assert_inert(&doc, "hostile");
    for tag in ["b", "i"] {
        assert!(!doc.descendants().any(|n| n.has_tag_name(tag)), "a <{tag}> element from the repository");
    }
    let all = text(doc.root_element());
    for s in hostile::PLANTED {
        assert!(all.contains(s), "the page does not show {s:?} as text");
    }
    // Config: the skipped and declared criteria with their reasons and the scan's own verdict.
    let cfg = by_id(&doc, "config").expect("a config section");
    let t = text(cfg);
    assert!(t.contains("L1.data.pipeline") && t.contains("skipped") && t.contains("<script>alert(\"skip\")</script> & more"), "{t}");
    assert!(t.contains("L4.monitor.model") && t.contains("declared") && t.contains("missing"), "{t}");
    // The unresolved script and the broken workflow are listed where they belong.
    assert!(text(by_id(&doc, "not-followed").unwrap()).contains(".github/workflows/ci.yml:17"));
    assert!(text(by_id(&doc, "issues").unwrap()).contains(".github/workflows/<b onmouseover=alert(3)>broken.yml:1"));
    assert!(text(by_id(&doc, "advice").unwrap()).contains("A.ci-unparsable"));
}

#[test]
fn html_badge_and_badge_json_are_byte_identical_across_runs_and_outputs() {
    let d = tempfile::tempdir().unwrap();
    for name in ["level4-github-full-loop", "capped-no-ci-tests"] {
        let repo = fixture(name);
        for f in ["html", "badge", "badge-json"] {
            let file = d.path().join(format!("{name}.{f}"));
            let a = scan(&repo, &["--format", f, "-o", &format!("{f}={}", file.display())]);
            let b = scan(&repo, &["--format", f]);
            assert_eq!(a.status.code(), Some(0));
            assert!(!a.stdout.is_empty());
            assert_eq!(a.stdout, b.stdout, "{name}: {f} differs between runs");
            assert_eq!(std::fs::read(&file).unwrap(), a.stdout, "{name}: -o {f}= differs from --format {f}");
        }
    }
}

#[test]
fn unwritable_html_output_is_an_io_error_and_unknown_formats_are_listed() {
    let repo = fixture("level2-gitlab-training");
    let o = scan(&repo, &["-o", "html=/nonexistent-dir/report.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write /nonexistent-dir/report.html"));
    let o = scan(&repo, &["-o", "htm=x.html"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("html, badge, badge-json"), "{err}");
}

// ------------------------------------------------------------------ badges

const LEVEL_FIXTURES: [&str; 5] = [
    "level0-github-manual-only",
    "level1-jenkins-declarative",
    "level2-gitlab-training",
    "level3-azure-pipelines-deploy",
    "level4-github-full-loop",
];

#[test]
fn badge_svg_is_well_formed_with_the_level_and_its_colour() {
    let mut colours = BTreeMap::new();
    for (want, name) in LEVEL_FIXTURES.iter().enumerate() {
        let o = scan(&fixture(name), &["--format", "badge"]);
        assert_eq!(o.status.code(), Some(0));
        let svg = String::from_utf8(o.stdout).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: the SVG is not well-formed XML: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
        let label = format!("MLOps level {want}");
        assert_eq!(root.attribute("aria-label"), Some(label.as_str()), "{name}");
        assert_eq!(text(doc.descendants().find(|n| n.has_tag_name("title")).unwrap()), label);
        let texts: Vec<String> =
            doc.descendants().filter(|n| n.has_tag_name("text") && n.attribute("aria-hidden").is_none()).map(text).collect();
        assert_eq!(texts, vec!["MLOps level".to_string(), want.to_string()], "{name}");
        // The value box: the second rect, flush with the label box, to the badge's right edge.
        let rects: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("rect") && n.ancestors().any(|a| a.has_tag_name("g"))).collect();
        let num = |n: &roxmltree::Node<'_, '_>, a: &str| n.attribute(a).unwrap_or("0").parse::<f64>().unwrap();
        let (w, lw) = (num(&root, "width"), num(&rects[0], "width"));
        assert_eq!(rects[0].attribute("fill"), Some("#555"));
        assert_eq!(num(&rects[1], "x"), lw);
        assert_eq!(lw + num(&rects[1], "width"), w);
        let fill = rects[1].attribute("fill").unwrap().to_string();
        assert_eq!(fill, mlops_report::level_color(want as u8).1, "{name}");
        colours.insert(fill, want);
    }
    assert_eq!(colours.len(), 5, "each level has its own colour: {colours:?}");
}

#[test]
fn badge_json_is_a_shields_endpoint_with_the_level() {
    let d = tempfile::tempdir().unwrap();
    let names = ["red", "orange", "yellow", "yellowgreen", "brightgreen"];
    for (want, name) in LEVEL_FIXTURES.iter().enumerate() {
        let f = d.path().join(format!("{want}.json"));
        let o = scan(&fixture(name), &["--format", "badge", "-o", &format!("badge-json={}", f.display())]);
        assert_eq!(o.status.code(), Some(0));
        let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"schemaVersion": 1, "label": "MLOps level", "message": want.to_string(), "color": names[want]}),
            "{name}"
        );
    }
}

// ------------------------------------------------------------------ fleet

/// A fleet line as a fleet scan writes it: the JSON report plus `path`.
fn fleet_line(name: &str) -> Value {
    let o = scan(&fixture(name), &["--format", "json"]);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["path"] = Value::String(format!("repos/{name}"));
    v
}

#[test]
fn fleet_page_shows_distribution_shares_caps_and_every_repository() {
    let names = [
        "level4-github-full-loop",
        "level2-gitlab-training",
        "capped-no-ci-tests",
        "level0-github-manual-only",
        "level3-azure-pipelines-deploy",
    ];
    let mut lines: Vec<Value> = names.iter().map(|n| fleet_line(n)).collect();
    lines.push(serde_json::json!({"path": "repos/<gone & away>", "error": "repos/<gone & away>: not a directory"}));
    lines.push(serde_json::json!({"path": "repos/odd", "schema_version": 2, "level": 9}));
    let html = mlops_report::render_fleet_html(&lines, &mlops_report::FleetHtmlOptions::default());
    let doc = parse(&html);
    assert_inert(&doc, "fleet");
    let h1 = by_id(&doc, "fleet").unwrap();
    assert_eq!(
        (h1.attribute("data-repositories"), h1.attribute("data-scanned"), h1.attribute("data-failed")),
        (Some("7"), Some("5"), Some("2"))
    );

    // The distribution counts what the reports say.
    let reports = &lines[..names.len()];
    for level in 0..=4u64 {
        let want = reports.iter().filter(|r| r["level"] == level).count();
        let row = by_id(&doc, &format!("dist-{level}")).unwrap();
        assert_eq!(row.attribute("data-count"), Some(want.to_string().as_str()), "level {level}");
    }
    // Each criterion's share of repositories meeting it.
    for c in reports[0]["criteria"].as_array().unwrap().iter().filter(|c| c["kind"] != "not-assessed") {
        let id = c["id"].as_str().unwrap();
        let met =
            reports.iter().filter(|r| r["criteria"].as_array().unwrap().iter().any(|x| x["id"] == id && x["status"] == "met")).count();
        let row = by_id(&doc, &format!("share-{id}")).unwrap_or_else(|| panic!("no share row for {id}"));
        assert_eq!((row.attribute("data-met"), row.attribute("data-total")), (Some(met.to_string().as_str()), Some("5")), "{id}");
    }
    assert!(by_id(&doc, "share-P.collaboration").is_none(), "not-assessed criteria have no share");
    // What caps the level most often comes first, with its count.
    let mut caps: BTreeMap<String, usize> = BTreeMap::new();
    for r in reports {
        for id in r["capped_by"].as_array().unwrap() {
            *caps.entry(id.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let listed: Vec<(String, usize)> = by_id(&doc, "caps")
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("li"))
        .map(|li| (li.attribute("data-id").unwrap().to_string(), li.attribute("data-count").unwrap().parse().unwrap()))
        .collect();
    assert_eq!(listed.iter().cloned().collect::<BTreeMap<_, _>>(), caps);
    assert!(listed.windows(2).all(|w| w[0].1 >= w[1].1), "{listed:?}");
    // One row per line, sorted by path; failures say why.
    let rows: Vec<_> = doc.descendants().filter(|n| n.attribute("class") == Some("repo")).collect();
    let paths: Vec<String> = rows.iter().map(|r| text(r.first_element_child().unwrap())).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 7);
    for (r, p) in rows.iter().zip(&paths) {
        let want = lines.iter().find(|l| l["path"] == p.as_str()).unwrap();
        match want["level"].as_u64().filter(|_| want["schema_version"] == 1) {
            Some(l) => assert_eq!(r.attribute("data-level"), Some(l.to_string().as_str()), "{p}"),
            None => assert_eq!(r.attribute("data-level"), Some("error"), "{p}"),
        }
    }
    let all = text(doc.root_element());
    assert!(all.contains("repos/<gone & away>: not a directory"));
    assert!(all.contains("not an mlops-level report (schema_version 1)"));

    // The same lines in another order (shards merged differently): the same bytes.
    let mut shuffled = lines.clone();
    shuffled.reverse();
    shuffled.rotate_left(3);
    assert_eq!(mlops_report::render_fleet_html(&shuffled, &mlops_report::FleetHtmlOptions::default()), html);
}
