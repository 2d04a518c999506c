//! Renderers for mlops-level assessments. Renderers only format: the
//! [`Report`] is the versioned serialization model (JSON schema v1), kept
//! apart from the internal types so the contract can stay stable.
//!
//! Formats: text (people), JSON (machines, `schema/report.schema.json`),
//! SARIF 2.1.0 (code scanning), Markdown (job summaries, PR comments), HTML
//! (a self-contained page per repository or per fleet) and badges (SVG and a
//! shields.io endpoint JSON); [`Baseline`] / [`Comparison`] compare with a
//! saved JSON report.
#![forbid(unsafe_code)]

pub mod badge;
pub mod baseline;
pub mod fleet;
mod html;
mod json;
mod markdown;
pub mod sarif;
mod sources;
mod text;

pub use badge::{level_color, render_badge_json, render_badge_svg};
pub use baseline::{Baseline, BaselineError, Change, Comparison};
pub use html::{render_fleet_entries_html, render_fleet_html, render_html, FleetHtmlOptions, HtmlOptions};
pub use json::{render_json, Report};
pub use markdown::{render_markdown, render_rules_markdown, MarkdownOptions};
pub use sarif::{render_sarif, SarifOptions};
pub use sources::Sources;
pub use text::{chain_line, evidence_line, render_text, TextOptions};

use mlops_rules::{Assessment, Pack, Status};

/// One next step: a criterion to work on, in the order to do it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NextStep {
    /// Criterion id.
    pub id: String,
    /// Level of the criterion.
    pub level: u8,
    /// required / supporting.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Current status.
    pub status: String,
    /// How to meet it.
    pub remediation: String,
}

/// The shortest path to the next level: the required criteria that are not
/// met in the lowest level not reached (the cap) and its supporting gaps, then
/// required gaps of the levels above.
pub fn next_steps(a: &Assessment, pack: &Pack) -> Vec<NextStep> {
    let target = (a.level + 1).min(mlops_rules::MAX_LEVEL);
    let mut steps = Vec::new();
    let mut push = |r: &mlops_rules::CriterionResult| {
        let rem = pack.criterion(&r.id).map(|c| c.remediation.clone()).unwrap_or_default();
        steps.push(NextStep {
            id: r.id.clone(),
            level: r.level,
            kind: r.kind.as_str().to_string(),
            title: r.title.clone(),
            status: r.status.as_str().to_string(),
            remediation: rem,
        });
    };
    let gap = |r: &&mlops_rules::CriterionResult| matches!(r.status, Status::Partial | Status::Missing);
    let kind_is = |r: &&mlops_rules::CriterionResult, k: mlops_rules::CriterionKind| r.kind == k;
    // Required criteria of the levels up to and including the target, lowest first.
    for r in a
        .criteria
        .iter()
        .filter(|r| r.level >= 1 && r.level <= target)
        .filter(gap)
        .filter(|r| kind_is(r, mlops_rules::CriterionKind::Required))
    {
        push(r);
    }
    // Then supporting gaps of the levels reached and of the target.
    for r in a
        .criteria
        .iter()
        .filter(|r| r.level >= 1 && r.level <= target)
        .filter(gap)
        .filter(|r| kind_is(r, mlops_rules::CriterionKind::Supporting))
    {
        push(r);
    }
    steps
}

/// `n of d` as a whole percentage, rounded half up (`None` when `d` is 0):
/// the fleet tables and the HTML pages round the same way.
pub(crate) fn percent(n: usize, d: usize) -> Option<usize> {
    (n * 100 + d / 2).checked_div(d)
}

/// The glyph the text and HTML reports mark a status (JSON name) with.
pub(crate) fn status_glyph(status: &str) -> &'static str {
    match status {
        "met" | "declared" => "✓",
        "partial" => "◐",
        "missing" => "✗",
        "skipped" => "–",
        _ => "·",
    }
}

#[cfg(test)]
mod tests;
