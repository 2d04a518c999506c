//! SARIF 2.1.0 output for code-scanning dashboards (GitHub code scanning,
//! Azure DevOps, any SARIF viewer), written by hand with serde: the handful of
//! SARIF objects we emit, nothing more.
//!
//! What is emitted (see `docs/ci.md`, "SARIF"):
//!
//! - `tool.driver.rules`: every rule of the pack, criteria in pack order then
//!   advice, each with `shortDescription` (title), `fullDescription`
//!   (summary), `help` (text and markdown: source words, how to meet it, what
//!   evidence counts), `helpUri` (the rule's entry in `docs/rules.md`) and
//!   `properties."problem.severity"` (never `security-severity`: these are
//!   practice rules, not vulnerabilities).
//! - one result per criterion that is `partial` or `missing`, and one per
//!   advice finding. Levels: a required criterion of the next level (one that
//!   caps the level) is `error`; any other required criterion is `warning`;
//!   a supporting criterion is `note`; advice keeps its pack severity.
//! - locations: a `partial` criterion points at its first evidence, with the
//!   rest as `relatedLocations` and provenance chains as `codeFlows`. A
//!   `missing` criterion has nothing to point at and is anchored on the file
//!   that owns the decision, by the criterion's `anchor`: `ci` → the first CI
//!   definition the scan recognised (else the first file named like one), `config` → `.mlops-level.yml`, `readme` → the README, each
//!   falling back to the README and then to the first file of the repository.
//! - `partialFingerprints.primaryLocationLineHash`: FNV-1a 64 of rule id,
//!   path and the whitespace-normalised text of the anchored line, plus an
//!   occurrence counter; rule id and path alone for whole-file anchors (a gap
//!   on the README, evidence about a file as such). Line numbers never enter
//!   it, so it does not move when unrelated lines are added or removed.
//!
//! Output is deterministic: no timestamps, no absolute paths, fixed order.

use crate::sources::Sources;
use mlops_detect::{Evidence, Location};
use mlops_rules::{Assessment, CriterionKind, Pack, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// The SARIF schema URI written in `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The `uriBaseId` every location is relative to.
pub const SRCROOT: &str = "%SRCROOT%";
/// Related locations kept per result (the total is in `properties`).
const MAX_RELATED: usize = 25;
/// Code flows kept per result.
const MAX_FLOWS: usize = 10;
/// Lines copied into a region snippet.
const MAX_SNIPPET_LINES: usize = 10;

/// SARIF rendering options.
#[derive(Debug, Clone)]
pub struct SarifOptions {
    /// `runs[].automationDetails.id`: `category/` (one per project of a monorepo).
    pub automation_id: String,
}

impl Default for SarifOptions {
    fn default() -> Self {
        SarifOptions { automation_id: "mlops-level/repository/".into() }
    }
}

// ---------------------------------------------------------------- the model

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    column_kind: &'static str,
    invocations: Vec<Invocation>,
    results: Vec<SResult>,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct BaseId {
    description: Text,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct MultiText {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: MultiText,
    help_uri: String,
    default_configuration: RuleConfig,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleConfig {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    descriptor: DescriptorRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SLocation>,
}

#[derive(Serialize)]
struct DescriptorRef {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    criterion_level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    criterion_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    caps_level: Option<bool>,
    anchor: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence_total: Option<usize>,
    /// The monorepo project the result is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: Physical,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    message: Text,
    thread_flows: Vec<ThreadFlow>,
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
struct ThreadFlowLocation {
    location: SLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    level: u8,
    level_title: &'static str,
    level_if_uncapped: u8,
    capped_by: Vec<String>,
    /// The monorepo project this run assesses.
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<String>,
}

// ---------------------------------------------------------------- helpers

/// FNV-1a, 64 bit: tiny, dependency-free and stable across Rust versions
/// (unlike `DefaultHasher`), which fingerprints need.
pub fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Whitespace-normalised line content (trimmed, inner runs collapsed).
pub fn normalize_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Percent-encode a repo-relative path for a SARIF `uri` (RFC 3986: keep
/// unreserved characters and `/`).
pub fn uri_path(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// End a message as a sentence (SARIF wants result messages to end with a period).
fn sentence(s: &str) -> String {
    let t = s.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// A Pascal-case friendly name from a title (`Automated builds` → `AutomatedBuilds`).
fn pascal(title: &str) -> String {
    let mut out = String::new();
    for w in title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            // No two capitals in a row: `CI` → `Ci`, `A/B` → `Ab`.
            let prev_upper = out.chars().last().is_some_and(|c| c.is_ascii_uppercase());
            out.push(if prev_upper { f.to_ascii_lowercase() } else { f.to_ascii_uppercase() });
            out.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Rule");
    }
    out
}

/// The documentation URL of a rule: its entry in `docs/rules.md`.
pub fn help_uri(id: &str) -> String {
    format!("{}/blob/main/docs/rules.md#{}", env!("CARGO_PKG_REPOSITORY").trim_end_matches('/'), id.to_ascii_lowercase())
}

fn problem_severity(level: &str) -> &'static str {
    match level {
        "error" => "error",
        "warning" => "warning",
        _ => "recommendation",
    }
}

fn sarif_level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

const README_NAMES: &[&str] = &["README.md", "README.rst", "README", "README.txt", "README.markdown", "readme.md", "Readme.md"];
const CONFIG_NAMES: &[&str] = &[".mlops-level.yml", ".mlops-level.yaml"];

/// True for CI definitions at the places CI systems read them.
fn is_ci_definition(p: &str) -> bool {
    let gha = p.strip_prefix(".github/workflows/").is_some_and(|r| !r.contains('/') && (r.ends_with(".yml") || r.ends_with(".yaml")));
    let azure = !p.contains('/') && p.starts_with("azure-pipelines") && (p.ends_with(".yml") || p.ends_with(".yaml"));
    gha || azure
        || matches!(
            p,
            ".gitlab-ci.yml"
                | ".gitlab-ci.yaml"
                | ".azure-pipelines.yml"
                | "Jenkinsfile"
                | ".circleci/config.yml"
                | "bitbucket-pipelines.yml"
                | ".travis.yml"
                | ".buildkite/pipeline.yml"
                | "cloudbuild.yaml"
                | "cloudbuild.yml"
                | "buildspec.yml"
                | ".drone.yml"
        )
}

/// The file a repository-level gap of a criterion with this `anchor` is
/// reported on (see the module doc); `None` only for an empty repository.
pub fn anchor_file(anchor: &str, src: &Sources) -> Option<String> {
    let readme = || README_NAMES.iter().find(|n| src.exists(n)).map(|n| n.to_string());
    let first = match anchor {
        "ci" => src.ci_definitions().next().or_else(|| src.paths().find(|p| is_ci_definition(p))).map(str::to_string),
        "config" => CONFIG_NAMES.iter().find(|n| src.exists(n)).map(|n| n.to_string()),
        _ => None,
    };
    first.or_else(readme).or_else(|| src.paths().next().map(str::to_string))
}

struct Located {
    loc: SLocation,
    /// Normalised anchored line (`None` for whole-file anchors).
    line_text: Option<String>,
}

fn region(src: &Sources, path: &str, start: u32, end: u32, whole_file: bool) -> (Region, Option<String>) {
    let lines = src.lines(path);
    let Some(lines) = lines.filter(|l| !l.is_empty()) else {
        // Binary, unreadable or empty file: the file's first position.
        return (Region { start_line: 1, start_column: 1, end_line: 1, end_column: 1, snippet: None }, None);
    };
    let n = lines.len() as u32;
    let start = start.clamp(1, n);
    let end = end.clamp(start, n);
    let end_line = &lines[(end - 1) as usize];
    let start_line = &lines[(start - 1) as usize];
    // Start at the first non-blank character, so viewers underline the code, not its indentation.
    let indent = start_line.chars().take_while(|c| c.is_whitespace()).count();
    let start_column = if indent == start_line.chars().count() { 1 } else { indent as u32 + 1 };
    let snippet: Vec<&str> = lines[(start - 1) as usize..end as usize].iter().take(MAX_SNIPPET_LINES).map(String::as_str).collect();
    let r = Region {
        start_line: start,
        start_column,
        end_line: end,
        end_column: end_line.chars().count() as u32 + 1,
        snippet: Some(Text { text: snippet.join("\n") }),
    };
    let text = (!whole_file).then(|| normalize_line(start_line));
    (r, text)
}

fn locate(src: &Sources, l: &Location, id: Option<usize>, message: Option<String>) -> Located {
    let (region, line_text) = region(src, &l.path, l.start_line, l.end_line, false);
    Located {
        loc: SLocation {
            id,
            physical_location: Physical { artifact_location: ArtifactLocation { uri: uri_path(&l.path), uri_base_id: SRCROOT }, region },
            message: message.map(|text| Text { text }),
        },
        line_text,
    }
}

fn locate_file(src: &Sources, path: &str) -> Located {
    let (region, _) = region(src, path, 1, 1, true);
    Located {
        loc: SLocation {
            id: None,
            physical_location: Physical { artifact_location: ArtifactLocation { uri: uri_path(path), uri_base_id: SRCROOT }, region },
            message: None,
        },
        line_text: None,
    }
}

/// `kind (detector)`: how evidence is named in messages (its source line is the region's snippet).
fn evidence_name(e: &Evidence) -> String {
    format!("{} ({})", e.kind, e.detector)
}

/// The line content a fingerprint is derived from: the normalised source
/// line, when the evidence is about that line (its snippet is in the line
/// text). Evidence about a whole file (a workflow as such, a parse error, a
/// binary) has a snippet of its own: then `None`, and the fingerprint is the
/// rule id and path alone, so it cannot move with lines either.
fn anchored_line(primary: &Located, e: &Evidence) -> Option<String> {
    let line = primary.line_text.as_deref()?;
    let snip = normalize_line(e.snippet.trim_end_matches('…'));
    (!snip.is_empty() && line.contains(&snip)).then(|| line.to_string())
}

/// `kind (detector) at path:line (`snippet`)`, for result messages.
fn evidence_text(e: &Evidence) -> String {
    let mut s = format!("{} at {}:{}", evidence_name(e), e.location.path, e.location.start_line);
    if !e.snippet.is_empty() {
        s.push_str(&format!(" (`{}`)", e.snippet.replace('`', "'")));
    }
    s
}

fn code_flows(src: &Sources, evidence: &[Evidence]) -> Vec<CodeFlow> {
    evidence
        .iter()
        .filter(|e| e.chain.len() >= 2 && e.chain.iter().all(|l| src.exists(&l.path)))
        .take(MAX_FLOWS)
        .map(|e| CodeFlow {
            message: Text { text: sentence(&format!("How {} was reached", e.kind)) },
            thread_flows: vec![ThreadFlow {
                locations: e
                    .chain
                    .iter()
                    .enumerate()
                    .map(|(i, l)| ThreadFlowLocation {
                        location: locate(src, l, None, Some(format!("Step {} of {}", i + 1, e.chain.len()))).loc,
                    })
                    .collect(),
            }],
        })
        .collect()
}

fn rule_help(title: &str, kind: &str, source: &str, summary: &str, remediation: &str, evidence_doc: &str, id: &str) -> MultiText {
    let mut text = format!("{title} ({kind}).\n\n{summary}");
    let mut md = format!("**{title}** ({kind})\n\n");
    if !source.is_empty() {
        text.push_str(&format!("\n\nMaturity model: \"{source}\""));
        md.push_str(&format!("> {source}\n>\n> — MLOps maturity model\n\n"));
    }
    md.push_str(summary);
    if !remediation.is_empty() {
        text.push_str(&format!("\n\nHow to meet it: {remediation}"));
        md.push_str(&format!("\n\n**How to meet it:** {remediation}"));
    }
    if !evidence_doc.is_empty() {
        text.push_str(&format!("\n\nWhat evidence counts: {evidence_doc}"));
        md.push_str(&format!("\n\n**What evidence counts:** {evidence_doc}"));
    }
    text.push_str(&format!("\n\nRun `mlops-level explain {id}` for the same text from the installed rule pack."));
    md.push_str(&format!("\n\nRun `mlops-level explain {id}` for the same text from the installed rule pack."));
    MultiText { text, markdown: md }
}

fn rules(pack: &Pack) -> Vec<Rule> {
    let mut out = Vec::new();
    for c in &pack.criteria {
        let (level, kind_tag) = match c.kind {
            CriterionKind::Required => ("warning", "required"),
            CriterionKind::Supporting => ("note", "supporting"),
            CriterionKind::NotAssessed => ("note", "not-assessed"),
        };
        let kind_text = match c.kind {
            CriterionKind::NotAssessed => "not assessed: not observable in files".to_string(),
            k => format!("{}, level {}", k.as_str(), c.level),
        };
        out.push(Rule {
            id: c.id.clone(),
            name: pascal(&c.title),
            short_description: Text { text: c.title.clone() },
            full_description: Text { text: sentence(&c.summary) },
            help: rule_help(&c.title, &kind_text, &c.source, &c.summary, &c.remediation, &c.evidence_doc, &c.id),
            help_uri: help_uri(&c.id),
            default_configuration: RuleConfig { level },
            properties: RuleProperties {
                problem_severity: problem_severity(level),
                tags: vec!["mlops".into(), format!("mlops-level-{}", c.level), kind_tag.into()],
            },
        });
    }
    for a in &pack.advice {
        let level = sarif_level(&a.severity);
        out.push(Rule {
            id: a.id.clone(),
            name: pascal(&a.title),
            short_description: Text { text: a.title.clone() },
            full_description: Text { text: sentence(&a.summary) },
            help: rule_help(&a.title, &format!("advice, {}", a.severity), "", &a.summary, &a.remediation, "", &a.id),
            help_uri: help_uri(&a.id),
            default_configuration: RuleConfig { level },
            properties: RuleProperties { problem_severity: problem_severity(level), tags: vec!["mlops".into(), "advice".into()] },
        });
    }
    out
}

// ---------------------------------------------------------------- rendering

/// Render the assessment as a SARIF 2.1.0 log (pretty, trailing newline,
/// deterministic). `src` is the scanned repository: every location points at
/// one of its files.
pub fn render_sarif(a: &Assessment, pack: &Pack, src: &Sources, opts: &SarifOptions) -> String {
    // A monorepo: one run per project, each its own code-scanning category.
    let runs = if a.projects.is_empty() {
        vec![run(a, pack, src, opts.automation_id.clone(), None)]
    } else {
        let base = opts.automation_id.trim_end_matches('/').trim_end_matches("/repository");
        a.projects
            .iter()
            .map(|p| {
                let id = if p.path == "." { format!("{base}/project/root/") } else { format!("{base}/project/{}/", p.path) };
                run(&p.assessment, pack, src, id, Some(&p.path))
            })
            .collect()
    };
    let log = Log { schema: SARIF_SCHEMA, version: "2.1.0", runs };
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    s.push('\n');
    s
}

/// One SARIF run for an assessment (of the repository, or of one `project`).
fn run(a: &Assessment, pack: &Pack, src: &Sources, automation_id: String, project: Option<&str>) -> Run {
    let rules = rules(pack);
    let index: BTreeMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let mut results = Vec::new();
    let mut occurrences: BTreeMap<u64, usize> = BTreeMap::new();
    let mut fingerprint = |rule: &str, path: &str, line: Option<&str>| -> String {
        let h = match line {
            Some(l) => fnv1a64(&[rule, path, l]),
            None => fnv1a64(&[rule, path]),
        };
        let n = occurrences.entry(h).or_insert(0);
        *n += 1;
        format!("{h:016x}:{n}")
    };

    for r in &a.criteria {
        if !matches!(r.status, Status::Partial | Status::Missing) {
            continue;
        }
        let Some(&rule_index) = index.get(r.id.as_str()) else { continue };
        let crit = pack.criterion(&r.id);
        let anchor_kind = crit.map(|c| c.anchor.as_str()).unwrap_or("readme");
        let caps = a.capped_by.contains(&r.id);
        let level = match (r.kind, caps) {
            (CriterionKind::Required, true) => "error",
            (CriterionKind::Required, false) => "warning",
            _ => "note",
        };
        let evidence: Vec<&Evidence> = r.evidence.iter().filter(|e| src.exists(&e.location.path)).collect();
        let (primary, anchor, path) = match evidence.first() {
            Some(e) => (locate(src, &e.location, None, None), "evidence", e.location.path.to_string()),
            None => match anchor_file(anchor_kind, src) {
                Some(f) => (locate_file(src, &f), anchor_kind_name(anchor_kind), f),
                None => continue,
            },
        };
        let fp = fingerprint(&r.id, &path, evidence.first().and_then(|e| anchored_line(&primary, e)).as_deref());
        let related: Vec<SLocation> = evidence
            .iter()
            .skip(1)
            .take(MAX_RELATED)
            .enumerate()
            .map(|(i, e)| locate(src, &e.location, Some(i + 1), Some(evidence_name(e))).loc)
            .collect();
        let role = match (r.kind, caps) {
            (CriterionKind::Required, true) => {
                format!("required for level {}; it caps the repository at level {}", r.level, a.level)
            }
            (CriterionKind::Required, false) => format!("required for level {}", r.level),
            _ => format!("supporting, level {}", r.level),
        };
        let mut msg = format!("{} is {} ({role}).", r.title, r.status.as_str());
        if let Some(e) = evidence.first() {
            msg.push_str(&format!(" The evidence found falls short: {}.", evidence_text(e)));
        }
        if let Some(c) = crit.filter(|c| !c.remediation.is_empty()) {
            msg.push(' ');
            msg.push_str(&c.remediation);
        }
        let evs: Vec<Evidence> = evidence.iter().map(|e| (*e).clone()).collect();
        results.push(SResult {
            rule_id: r.id.clone(),
            rule_index,
            level,
            message: Text { text: in_project(project, sentence(&msg)) },
            locations: vec![primary.loc],
            partial_fingerprints: BTreeMap::from([("primaryLocationLineHash", fp)]),
            related_locations: related,
            code_flows: code_flows(src, &evs),
            properties: ResultProperties {
                status: Some(r.status.as_str()),
                criterion_level: Some(r.level),
                criterion_kind: Some(r.kind.as_str()),
                caps_level: Some(caps),
                anchor,
                evidence_total: (!r.evidence.is_empty()).then_some(r.evidence.len()),
                project: project.map(str::to_string),
            },
        });
    }

    for f in &a.findings {
        let Some(&rule_index) = index.get(f.rule.as_str()) else { continue };
        if !src.exists(&f.evidence.location.path) {
            continue;
        }
        let primary = locate(src, &f.evidence.location, None, None);
        let fp = fingerprint(&f.rule, &f.evidence.location.path, anchored_line(&primary, &f.evidence).as_deref());
        let remediation = pack.advice.iter().find(|x| x.id == f.rule).map(|x| x.remediation.as_str()).unwrap_or("");
        let mut msg = sentence(&f.title);
        if !f.evidence.snippet.is_empty() {
            msg.push_str(&format!(" Found {}.", evidence_text(&f.evidence)));
        }
        if !remediation.is_empty() {
            msg.push(' ');
            msg.push_str(remediation);
        }
        results.push(SResult {
            rule_id: f.rule.clone(),
            rule_index,
            level: sarif_level(&f.severity),
            message: Text { text: in_project(project, sentence(&msg)) },
            locations: vec![primary.loc],
            partial_fingerprints: BTreeMap::from([("primaryLocationLineHash", fp)]),
            related_locations: vec![],
            code_flows: code_flows(src, std::slice::from_ref(&f.evidence)),
            properties: ResultProperties {
                status: None,
                criterion_level: None,
                criterion_kind: None,
                caps_level: None,
                anchor: "evidence",
                evidence_total: None,
                project: project.map(str::to_string),
            },
        });
    }

    let notifications = a
        .issues
        .iter()
        .map(|i| Notification {
            level: "warning",
            message: Text { text: sentence(&format!("{}: {}", i.path, i.message)) },
            descriptor: DescriptorRef { id: i.kind.clone() },
            locations: if src.exists(&i.path) {
                let l = Location::line(i.path.clone(), i.line.unwrap_or(1));
                vec![locate(src, &l, None, None).loc]
            } else {
                vec![]
            },
        })
        .collect();

    Run {
        tool: Tool {
            driver: Driver {
                name: "mlops-level",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                information_uri: env!("CARGO_PKG_REPOSITORY").to_string(),
                rules,
            },
        },
        automation_details: AutomationDetails { id: automation_id },
        original_uri_base_ids: BTreeMap::from([(
            SRCROOT,
            BaseId { description: Text { text: "The root of the scanned repository (the PATH given to `mlops-level scan`).".into() } },
        )]),
        column_kind: "unicodeCodePoints",
        invocations: vec![Invocation { execution_successful: true, tool_execution_notifications: notifications }],
        results,
        properties: RunProperties {
            level: a.level,
            level_title: mlops_rules::LEVEL_TITLES[a.level as usize],
            level_if_uncapped: a.level_if_uncapped,
            capped_by: a.capped_by.clone(),
            project: project.map(str::to_string),
        },
    }
}

/// A result message, naming the project in a monorepo.
fn in_project(project: Option<&str>, msg: String) -> String {
    match project {
        Some(p) => format!("Project `{p}`: {msg}"),
        None => msg,
    }
}

fn anchor_kind_name(k: &str) -> &'static str {
    match k {
        "ci" => "ci",
        "config" => "config",
        _ => "readme",
    }
}
