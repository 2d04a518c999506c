//! One canonical assessment rendered by SARIF and Markdown, plus the
//! baseline comparison, on hand-built values (no scan).

use crate::sarif::{anchor_file, fnv1a64, normalize_line, uri_path};
use crate::*;
use mlops_detect::{Confidence, Evidence, Location};
use mlops_rules::{Finding, Status};
use serde_json::Value;

fn pack() -> Pack {
    mlops_rules::load_embedded().expect("embedded pack")
}

fn ev(kind: &str, path: &str, line: u32, snippet: &str) -> Evidence {
    Evidence::new(kind, "test", Location::line(path, line), Confidence::High, snippet)
}

/// No evidence: level 0, everything missing; then set what a test needs.
fn assessment(p: &Pack) -> Assessment {
    mlops_rules::evaluate(p, &[], &[])
}

fn set(a: &mut Assessment, id: &str, status: Status, evidence: Vec<Evidence>) {
    let c = a.criteria.iter_mut().find(|c| c.id == id).unwrap_or_else(|| panic!("no criterion {id}"));
    c.status = status;
    c.evidence = evidence;
}

fn repo() -> Sources {
    Sources::in_memory([
        ("README.md", "# demo\n\nA model.\n"),
        ("Makefile", "test:\n\tpytest\n"),
        (".github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    steps:\n      - run: pytest -q\n"),
        (".github/workflows/a-broken.yml", "name: [\n"),
        ("src/train.py", "import pandas\n\ndef train():\n    model.fit(x, y)\n"),
        ("dir with space/notes #1.txt", "x\n"),
    ])
    .with_ci_definitions([".github/workflows/ci.yml".to_string()])
}

fn sarif(a: &Assessment, p: &Pack, src: &Sources) -> Value {
    serde_json::from_str(&render_sarif(a, p, src, &SarifOptions::default())).unwrap()
}

fn result<'a>(s: &'a Value, rule: &str) -> &'a Value {
    s["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == rule).unwrap_or_else(|| panic!("no result for {rule}"))
}

fn uri(r: &Value) -> &str {
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap()
}

#[test]
fn fnv_and_helpers_are_the_documented_functions() {
    // FNV-1a 64 reference values: fingerprints must never change with a Rust upgrade.
    assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
    assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]), "parts are separated");
    assert_eq!(normalize_line("  run:   pytest\t-q  "), "run: pytest -q");
    assert_eq!(uri_path("dir with space/notes #1.txt"), "dir%20with%20space/notes%20%231.txt");
    assert_eq!(uri_path(".github/workflows/ci.yml"), ".github/workflows/ci.yml");
}

#[test]
fn sarif_rules_cover_the_pack_with_github_fields() {
    let p = pack();
    let s = sarif(&assessment(&p), &p, &repo());
    let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), p.criteria.len() + p.advice.len());
    let build = &rules[0];
    assert_eq!(build["id"], p.criteria[0].id.as_str());
    assert_eq!(build["shortDescription"]["text"], p.criteria[0].title.as_str());
    assert!(build["help"]["markdown"].as_str().unwrap().contains("**How to meet it:**"));
    assert!(build["helpUri"].as_str().unwrap().ends_with(&format!("docs/rules.md#{}", p.criteria[0].id.to_ascii_lowercase())));
    let name = build["name"].as_str().unwrap();
    assert!(name.chars().next().unwrap().is_ascii_uppercase() && name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
    for r in rules {
        let sev = r["properties"]["problem.severity"].as_str().unwrap();
        assert!(["error", "warning", "recommendation"].contains(&sev));
    }
    assert!(!render_sarif(&assessment(&p), &p, &repo(), &SarifOptions::default()).contains("security-severity"));
}

#[test]
fn sarif_levels_follow_what_caps_the_level() {
    let p = pack();
    let mut a = assessment(&p);
    set(&mut a, "L1.test.app-unit", Status::Partial, vec![ev("run.tests", ".github/workflows/ci.yml", 6, "pytest -q")]);
    let s = sarif(&a, &p, &repo());
    // Level 0: the required criteria of level 1 cap it.
    assert!(a.capped_by.contains(&"L1.build.automated".to_string()));
    assert_eq!(result(&s, "L1.build.automated")["level"], "error");
    assert_eq!(result(&s, "L1.test.app-unit")["level"], "error");
    assert_eq!(result(&s, "L2.train.automated")["level"], "warning", "required, but not of the next level");
    assert_eq!(result(&s, "L1.data.pipeline")["level"], "note", "supporting");
    // Partial: located on its evidence, at the first non-blank column.
    let t = result(&s, "L1.test.app-unit");
    assert_eq!(uri(t), ".github/workflows/ci.yml");
    let region = &t["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64(), region["endColumn"].as_u64()), (Some(6), Some(7), Some(23)));
    assert_eq!(region["snippet"]["text"], "      - run: pytest -q");
    assert_eq!(t["properties"]["anchor"], "evidence");
    // Met and not-assessed criteria produce nothing.
    set(&mut a, "L1.build.automated", Status::Met, vec![]);
    let s = sarif(&a, &p, &repo());
    let ids: Vec<&str> = s["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"L1.build.automated") && !ids.contains(&"P.collaboration"));
}

#[test]
fn repository_level_gaps_are_anchored_by_the_criterion_anchor() {
    let p = pack();
    let a = assessment(&p);
    let s = sarif(&a, &p, &repo());
    let ci = p.criteria.iter().find(|c| c.anchor == "ci").unwrap();
    let readme = p.criteria.iter().find(|c| c.anchor == "readme" && c.kind != mlops_rules::CriterionKind::NotAssessed).unwrap();
    let config = p.criteria.iter().find(|c| c.anchor == "config").unwrap();
    // The recognised CI definition, not the first file named like one.
    assert_eq!(uri(result(&s, &ci.id)), ".github/workflows/ci.yml");
    assert_eq!(result(&s, &ci.id)["properties"]["anchor"], "ci");
    assert_eq!(uri(result(&s, &readme.id)), "README.md");
    assert_eq!(uri(result(&s, &config.id)), "README.md", "no .mlops-level.yml: the README");
    // Whole-file anchors: line 1.
    assert_eq!(result(&s, &readme.id)["locations"][0]["physicalLocation"]["region"]["startLine"], 1);

    // Fallbacks: config file when there is one; no CI and no README: the first file.
    let src = Sources::in_memory([(".mlops-level.yml", "target: 2\n"), ("b.py", "x = 1\n")]);
    assert_eq!(anchor_file("config", &src).as_deref(), Some(".mlops-level.yml"));
    assert_eq!(anchor_file("ci", &src).as_deref(), Some(".mlops-level.yml"));
    let src = Sources::in_memory([("b.py", "x = 1\n"), ("Jenkinsfile", "pipeline {}\n")]);
    assert_eq!(anchor_file("ci", &src).as_deref(), Some("Jenkinsfile"), "named like CI when none was recognised");
    assert_eq!(anchor_file("readme", &src).as_deref(), Some("Jenkinsfile"), "the first file");
    // An empty repository: nothing to anchor on, no results, still valid SARIF.
    let empty = sarif(&a, &p, &Sources::in_memory(Vec::<(String, String)>::new()));
    assert_eq!(empty["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn fingerprints_ignore_line_numbers_and_count_occurrences() {
    let p = pack();
    let mut a = assessment(&p);
    let advice = p.advice[0].clone();
    let finding = |path: &str, line: u32, snippet: &str| Finding {
        rule: advice.id.clone(),
        title: advice.title.clone(),
        severity: advice.severity.clone(),
        evidence: ev("x.y", path, line, snippet),
    };
    a.findings = vec![finding("src/train.py", 4, "model.fit(x, y)")];
    let fp = |s: &Value, i: usize| {
        s["runs"][0]["results"].as_array().unwrap().iter().filter(|r| r["ruleId"] == advice.id.as_str()).nth(i).unwrap()
            ["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = fp(&sarif(&a, &p, &repo()), 0);
    assert!(before.ends_with(":1"));
    // The same line two lines further down, after unrelated edits.
    let moved = Sources::in_memory([("src/train.py", "import pandas\nimport numpy\n\n\ndef train():\n    model.fit(x,   y)\n")]);
    a.findings = vec![finding("src/train.py", 6, "model.fit(x,   y)")];
    assert_eq!(fp(&sarif(&a, &p, &moved), 0), before);
    // Two identical lines: same hash, distinct occurrence.
    let twice = Sources::in_memory([("src/train.py", "model.fit(x, y)\nmodel.fit(x, y)\n")]);
    a.findings = vec![finding("src/train.py", 1, "model.fit(x, y)"), finding("src/train.py", 2, "model.fit(x, y)")];
    let s = sarif(&a, &p, &twice);
    let (f1, f2) = (fp(&s, 0), fp(&s, 1));
    assert_eq!(f1.split(':').next(), f2.split(':').next());
    assert!(f1.ends_with(":1") && f2.ends_with(":2"));
    // Evidence about a whole file (its snippet is not the line): rule id and path only.
    let other = Sources::in_memory([("src/train.py", "# a different first line\nmodel.fit(x, y)\n")]);
    a.findings = vec![finding("src/train.py", 1, "workflow: train")];
    let whole = fp(&sarif(&a, &p, &other), 0);
    let other2 = Sources::in_memory([("src/train.py", "# changed\nmodel.fit(x, y)\n")]);
    assert_eq!(fp(&sarif(&a, &p, &other2), 0), whole);
}

#[test]
fn binary_and_odd_paths_still_get_valid_locations() {
    let p = pack();
    let mut a = assessment(&p);
    let advice = p.advice[0].clone();
    a.findings = vec![Finding {
        rule: advice.id.clone(),
        title: advice.title.clone(),
        severity: advice.severity.clone(),
        evidence: ev("repo.model-binary", "dir with space/notes #1.txt", 1, "model.pkl"),
    }];
    let src = Sources::in_memory([("dir with space/notes #1.txt", "\u{0}\u{1}binary")]);
    let s = sarif(&a, &p, &src);
    let r = result(&s, &advice.id);
    assert_eq!(uri(r), "dir%20with%20space/notes%20%231.txt");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["endColumn"].as_u64()), (Some(1), Some(1)));
    assert!(region.get("snippet").is_none(), "no snippet of a binary");
}

#[test]
fn sarif_is_deterministic_and_carries_related_evidence_and_flows() {
    let p = pack();
    let mut a = assessment(&p);
    let mut chained = ev("test.case", "src/train.py", 3, "def train():");
    chained.chain = vec![Location::line(".github/workflows/ci.yml", 6), Location::line("Makefile", 2), Location::line("src/train.py", 3)];
    set(&mut a, "L1.test.app-unit", Status::Partial, vec![ev("run.tests", ".github/workflows/ci.yml", 6, "pytest -q"), chained]);
    let text = render_sarif(&a, &p, &repo(), &SarifOptions::default());
    assert_eq!(text, render_sarif(&a, &p, &repo(), &SarifOptions::default()));
    let s: Value = serde_json::from_str(&text).unwrap();
    let r = result(&s, "L1.test.app-unit");
    assert_eq!(r["relatedLocations"][0]["id"], 1);
    assert_eq!(r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/train.py");
    let flow = &r["codeFlows"][0]["threadFlows"][0]["locations"];
    let steps: Vec<&str> =
        flow.as_array().unwrap().iter().map(|l| l["location"]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap()).collect();
    assert_eq!(steps, [".github/workflows/ci.yml", "Makefile", "src/train.py"]);
    assert_eq!(s["runs"][0]["automationDetails"]["id"], "mlops-level/repository/");
    assert_eq!(s["runs"][0]["properties"]["level"], 0);
}

#[test]
fn markdown_shows_level_tables_and_escapes_cells() {
    let p = pack();
    let mut a = assessment(&p);
    set(&mut a, "L1.build.automated", Status::Met, vec![ev("ci.trigger", ".github/workflows/ci.yml", 2, "on: [push]")]);
    a.findings = vec![Finding {
        rule: "A.x".into(),
        title: "Pipes | in | titles".into(),
        severity: "warning".into(),
        evidence: ev("k.k", "a`b.py", 3, "x"),
    }];
    let md = render_markdown(&a, &p, &MarkdownOptions::default());
    assert!(md.starts_with("## MLOps level 0 — No MLOps\n"));
    assert!(
        md.contains("| ✅ | `L1.build.automated` Automated builds | required | met | `.github/workflows/ci.yml:2` ci.trigger |"),
        "{md}"
    );
    assert!(md.contains("Pipes \\| in \\| titles"), "{md}");
    assert!(md.contains("`` a`b.py:3 ``"), "{md}");
    assert!(md.contains("<details open><summary>Level 1 · "), "the next level is open: {md}");
    assert_eq!(md.matches("<details").count(), 4);
}

fn baseline_from(a: &Assessment, p: &Pack) -> Baseline {
    Baseline::parse(&render_json(a, p)).expect("a JSON report is a valid baseline")
}

#[test]
fn comparison_flags_only_met_to_worse_and_level_drops() {
    let p = pack();
    let mut then = assessment(&p);
    set(&mut then, "L1.build.automated", Status::Met, vec![]);
    set(&mut then, "L1.data.pipeline", Status::Partial, vec![]);
    set(&mut then, "L2.train.automated", Status::Met, vec![]);
    then.level = 1;
    let b = baseline_from(&then, &p);

    let mut now = assessment(&p);
    set(&mut now, "L1.build.automated", Status::Partial, vec![]); // met -> partial: regression
    set(&mut now, "L1.data.pipeline", Status::Missing, vec![]); // partial -> missing: worse, not a regression
    set(&mut now, "L2.train.automated", Status::Met, vec![]); // unchanged
    set(&mut now, "L1.test.app-unit", Status::Met, vec![]); // missing -> met: improvement
    let c = Comparison::new(&b, &now);
    assert!(c.level_dropped() && c.regressed());
    let reg: Vec<&str> = c.regressions().map(|x| x.id.as_str()).collect();
    assert_eq!(reg, ["L1.build.automated"]);
    let changed: Vec<&str> = c.changes.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(changed, ["L1.build.automated", "L1.test.app-unit", "L1.data.pipeline"]);
    let lines = c.regression_lines();
    assert_eq!(lines[0], "level dropped from 1 to 0");
    assert!(lines[1].starts_with("L1.build.automated (Automated builds) went from met to partial"));

    // Same state: nothing to report.
    let same = Comparison::new(&baseline_from(&now, &p), &now);
    assert!(!same.regressed() && same.changes.is_empty());

    // A criterion the baseline did not know is not a regression, even when missing.
    let mut b2 = baseline_from(&now, &p);
    b2.criteria.retain(|c| c.id != "L4.monitor.model");
    let c2 = Comparison::new(&b2, &now);
    assert!(!c2.regressed());
    assert_eq!(c2.changes[0].before, None);

    // Markdown shows the comparison.
    let md = render_markdown(&now, &p, &MarkdownOptions { comparison: Some(&c) });
    assert!(
        md.contains("Level 1 → 0 (⬇️ dropped).") && md.contains("| `L1.build.automated` | ✅ met | 🟡 partial | **regression** |"),
        "{md}"
    );
    assert!(md.contains("| `L1.data.pipeline` | 🟡 partial | ❌ missing | worse |"), "{md}");
}

#[test]
fn markdown_lists_what_was_lost_and_gained_and_names_the_baseline() {
    let p = pack();
    let mut then = assessment(&p);
    set(&mut then, "L1.build.automated", Status::Met, vec![]);
    set(&mut then, "L1.test.app-unit", Status::Partial, vec![]);
    set(&mut then, "L1.data.pipeline", Status::Met, vec![]);
    let mut now = assessment(&p);
    set(&mut now, "L1.build.automated", Status::Missing, vec![]); // lost
    set(&mut now, "L1.test.app-unit", Status::Met, vec![]); // gained
    set(&mut now, "L1.data.pipeline", Status::Declared, vec![]); // declared: neither
    let c = Comparison::new(&baseline_from(&then, &p), &now).against("`HEAD~1` (commit `1a2b3c4`)");
    assert_eq!(c.gains().map(|x| x.id.as_str()).collect::<Vec<_>>(), ["L1.test.app-unit"]);
    assert_eq!(c.regressions().map(|x| x.id.as_str()).collect::<Vec<_>>(), ["L1.build.automated"]);
    let md = render_markdown(&now, &p, &MarkdownOptions { comparison: Some(&c) });
    assert!(md.contains("### Changes since `HEAD~1` (commit `1a2b3c4`)\n"), "{md}");
    let lost = md.find("**Lost** (met before, not now):\n\n- `L1.build.automated` Automated builds: ✅ met → ❌ missing\n");
    let gained = md.find("**Gained** (met now, not before):\n\n- `L1.test.app-unit` ");
    assert!(lost.is_some() && gained.is_some() && lost < gained, "{md}");
    assert!(md.contains("| `L1.data.pipeline` | ✅ met | declared | declared in the config |"), "{md}");
    // Nothing lost: no Lost list, the gain still shows.
    let up = Comparison::new(&baseline_from(&then, &p), &then);
    let md = render_markdown(&then, &p, &MarkdownOptions { comparison: Some(&up) });
    assert!(!md.contains("**Lost**") && !md.contains("**Gained**") && md.contains("### Changes since the baseline\n"), "{md}");
}

#[test]
fn a_report_with_declared_and_skipped_criteria_is_a_valid_baseline() {
    let p = pack();
    let mut a = assessment(&p);
    set(&mut a, "L1.build.automated", Status::Declared, vec![]);
    set(&mut a, "L1.test.app-unit", Status::Skipped, vec![]);
    let b = baseline_from(&a, &p);
    assert!(b.criteria.iter().any(|c| c.id == "L1.test.app-unit" && c.status == "skipped"));
    assert!(!Comparison::new(&b, &a).regressed());
}

#[test]
fn baseline_parse_rejects_what_it_cannot_compare() {
    assert!(Baseline::parse("{}").unwrap_err().0.contains("not a JSON report"));
    let wrong_tool = r#"{"schema_version":1,"tool":{"name":"other","version":"1"},"level":1,"criteria":[]}"#;
    assert!(Baseline::parse(wrong_tool).unwrap_err().0.contains("not by mlops-level"));
    let level = r#"{"schema_version":1,"tool":{"name":"mlops-level","version":"1"},"level":7,"criteria":[]}"#;
    assert!(Baseline::parse(level).unwrap_err().0.contains("out of range"));
}

#[test]
fn rules_page_has_an_anchor_for_every_help_uri() {
    let p = pack();
    let page = render_rules_markdown(&p);
    for id in p.criteria.iter().map(|c| &c.id).chain(p.advice.iter().map(|a| &a.id)) {
        let frag = crate::sarif::help_uri(id).rsplit('#').next().unwrap().to_string();
        assert!(page.contains(&format!("<a id=\"{frag}\"></a>")), "{id}");
    }
}

#[test]
fn text_shows_items_that_print_alike_once() {
    let p = pack();
    let mut a = assessment(&p);
    let logged = ev("code.model-version", "src/train.py", 9, "log_model(m, registered_model_name='x')").attr("mechanism", "run-artifact");
    let registered = ev("code.model-version", "src/train.py", 9, "log_model(m, registered_model_name='x')").attr("mechanism", "registry");
    let other = ev("code.model-version", "src/train.py", 12, "client.set_registered_model_alias('x', 'prod', v)");
    set(&mut a, "L2.model.versioned", Status::Met, vec![logged, registered, other]);
    let t = render_text(&a, &p, &TextOptions { color: false, max_evidence: 5, root: ".".into() });
    assert_eq!(t.matches("src/train.py:9 ").count(), 1, "{t}");
    assert_eq!(t.matches("src/train.py:12 ").count(), 1, "{t}");
}

#[test]
fn percentages_round_half_up_and_have_no_value_of_nothing() {
    assert_eq!(
        [(1, 8), (1, 3), (2, 3), (0, 5), (5, 5)].map(|(n, d)| crate::percent(n, d)),
        [Some(13), Some(33), Some(67), Some(0), Some(100)]
    );
    assert_eq!(crate::percent(3, 0), None);
}
