//! JSON output, schema version 1 (see `schema/report.schema.json`).

use crate::{next_steps, NextStep};
use mlops_detect::{Evidence, ScanIssue};
use mlops_rules::{Assessment, Pack};
use serde::Serialize;

/// Most evidence items listed per criterion (the total is always given).
pub const MAX_EVIDENCE: usize = 25;

/// The JSON report, schema version 1.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Always 1 for this shape.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// Inferred level (0-4).
    pub level: u8,
    /// Title of the inferred level.
    pub level_title: String,
    /// Each level's own standing.
    pub levels: Vec<LevelOut>,
    /// Required criteria that stop the next level.
    pub capped_by: Vec<String>,
    /// Level reached once `capped_by` is met.
    pub level_if_uncapped: u8,
    /// Every criterion.
    pub criteria: Vec<CriterionOut>,
    /// What to do next, in order.
    pub next_steps: Vec<NextStep>,
    /// Advice findings.
    pub findings: Vec<FindingOut>,
    /// Scan problems.
    pub issues: Vec<ScanIssue>,
    /// The projects of a monorepo, each assessed on its own evidence
    /// (absent when the repository is one project).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<ProjectOut>,
}

/// One project of a monorepo.
#[derive(Debug, Serialize)]
pub struct ProjectOut {
    /// Folder, repo-relative (`.` for the root).
    pub path: String,
    /// Display name.
    pub name: String,
    /// Why the folder is a project.
    pub why: String,
    /// The project's own gate from the config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_level: Option<u8>,
    /// Inferred level (0-4).
    pub level: u8,
    /// Title of the inferred level.
    pub level_title: String,
    /// Required criteria that stop the project's next level.
    pub capped_by: Vec<String>,
    /// Level reached once `capped_by` is met.
    pub level_if_uncapped: u8,
    /// Every criterion, as at the top level.
    pub criteria: Vec<CriterionOut>,
    /// What to do next in this project, in order.
    pub next_steps: Vec<NextStep>,
}

/// Tool identity.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// `mlops-level`.
    pub name: String,
    /// Semantic version.
    pub version: String,
}

/// Met-of-total counts.
#[derive(Debug, Serialize)]
pub struct Count {
    /// Met.
    pub met: usize,
    /// Total.
    pub total: usize,
}

/// One level's standing.
#[derive(Debug, Serialize)]
pub struct LevelOut {
    /// 0-4.
    pub level: u8,
    /// Title.
    pub title: String,
    /// Reached (cumulative rule).
    pub reached: bool,
    /// Required criteria of this level.
    pub required: Count,
    /// Supporting criteria of this level.
    pub supporting: Count,
}

/// A location in the repository.
#[derive(Debug, Serialize)]
pub struct LocOut {
    /// Repo-relative path.
    pub path: String,
    /// First line.
    pub start_line: u32,
    /// Last line.
    pub end_line: u32,
}

/// One evidence item.
#[derive(Debug, Serialize)]
pub struct EvidenceOut {
    /// Repo-relative path.
    pub path: String,
    /// First line.
    pub start_line: u32,
    /// Last line.
    pub end_line: u32,
    /// Evidence kind.
    pub kind: String,
    /// Detector.
    pub detector: String,
    /// low / medium / high.
    pub confidence: mlops_detect::Confidence,
    /// Source line(s).
    pub snippet: String,
    /// Attributes.
    pub attrs: mlops_detect::Attrs,
    /// Provenance chain (launcher first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<LocOut>,
}

impl From<&Evidence> for EvidenceOut {
    fn from(e: &Evidence) -> Self {
        EvidenceOut {
            path: e.location.path.to_string(),
            start_line: e.location.start_line,
            end_line: e.location.end_line,
            kind: e.kind.to_string(),
            detector: e.detector.to_string(),
            confidence: e.confidence,
            snippet: e.snippet.clone(),
            attrs: e.attrs.clone(),
            chain: e.chain.iter().map(|l| LocOut { path: l.path.to_string(), start_line: l.start_line, end_line: l.end_line }).collect(),
        }
    }
}

/// One criterion.
#[derive(Debug, Serialize)]
pub struct CriterionOut {
    /// Stable id.
    pub id: String,
    /// Level.
    pub level: u8,
    /// required / supporting / not-assessed.
    pub kind: String,
    /// Title.
    pub title: String,
    /// met / partial / missing / not-assessed.
    pub status: String,
    /// Evidence that decided it (at most [`MAX_EVIDENCE`]).
    pub evidence: Vec<EvidenceOut>,
    /// How many evidence items there were in all.
    pub evidence_total: usize,
    /// For `declared` / `skipped`: the reason (and link) from the config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For `declared` / `skipped`: what the evidence alone says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected: Option<String>,
    /// For `partial`: what falls short, when it can be read off the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// One advice finding.
#[derive(Debug, Serialize)]
pub struct FindingOut {
    /// Rule id.
    pub rule: String,
    /// Title.
    pub title: String,
    /// note / warning / error.
    pub severity: String,
    /// The evidence.
    pub evidence: EvidenceOut,
}

impl Report {
    /// Build the report from an assessment.
    pub fn new(a: &Assessment, pack: &Pack) -> Self {
        Report {
            schema_version: 1,
            tool: Tool { name: "mlops-level".into(), version: env!("CARGO_PKG_VERSION").into() },
            level: a.level,
            level_title: mlops_rules::LEVEL_TITLES[a.level as usize].into(),
            levels: a
                .levels
                .iter()
                .map(|l| LevelOut {
                    level: l.level,
                    title: l.title.clone(),
                    reached: l.reached,
                    required: Count { met: l.required_met, total: l.required_total },
                    supporting: Count { met: l.supporting_met, total: l.supporting_total },
                })
                .collect(),
            capped_by: a.capped_by.clone(),
            level_if_uncapped: a.level_if_uncapped,
            criteria: criteria_out(a),
            next_steps: next_steps(a, pack),
            findings: a
                .findings
                .iter()
                .map(|f| FindingOut {
                    rule: f.rule.clone(),
                    title: f.title.clone(),
                    severity: f.severity.clone(),
                    evidence: EvidenceOut::from(&f.evidence),
                })
                .collect(),
            issues: a.issues.clone(),
            projects: a
                .projects
                .iter()
                .map(|p| ProjectOut {
                    path: p.path.clone(),
                    name: p.name.clone(),
                    why: p.why.clone(),
                    target_level: p.target_level,
                    level: p.assessment.level,
                    level_title: mlops_rules::LEVEL_TITLES[p.assessment.level as usize].into(),
                    capped_by: p.assessment.capped_by.clone(),
                    level_if_uncapped: p.assessment.level_if_uncapped,
                    criteria: criteria_out(&p.assessment),
                    next_steps: next_steps(&p.assessment, pack),
                })
                .collect(),
        }
    }
}

fn criteria_out(a: &Assessment) -> Vec<CriterionOut> {
    a.criteria
        .iter()
        .map(|c| CriterionOut {
            id: c.id.clone(),
            level: c.level,
            kind: c.kind.as_str().into(),
            title: c.title.clone(),
            status: c.status.as_str().into(),
            evidence: c.evidence.iter().take(MAX_EVIDENCE).map(EvidenceOut::from).collect(),
            evidence_total: c.evidence.len(),
            note: c.note.clone(),
            detected: c.detected.map(|d| d.as_str().to_string()),
            why: c.why.clone(),
        })
        .collect()
}

/// Render the JSON report (pretty, trailing newline, deterministic).
pub fn render_json(a: &Assessment, pack: &Pack) -> String {
    let mut s = serde_json::to_string_pretty(&Report::new(a, pack)).expect("report serializes");
    s.push('\n');
    s
}
