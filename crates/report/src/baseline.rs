//! Baselines: a JSON report (schema v1) saved earlier, for example on the
//! base branch, compared with the current assessment criterion by criterion.
//!
//! A regression is the level dropping, or a criterion that was `met` in the
//! baseline and is now `partial` or `missing`. Criteria new since the
//! baseline are never regressions; other changes (improvements, `partial` →
//! `missing`) are reported but do not fail the gate.

use mlops_rules::Assessment;
use serde::Deserialize;
use std::fmt;

/// The part of a saved JSON report that a comparison needs. Other fields of
/// the report are accepted and ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct Baseline {
    /// Must be 1.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: BaselineTool,
    /// Inferred level then.
    pub level: u8,
    /// Every criterion then.
    pub criteria: Vec<BaselineCriterion>,
    /// The projects of a monorepo then (empty: one project).
    #[serde(default)]
    pub projects: Vec<BaselineProject>,
}

/// One project of a saved report.
#[derive(Debug, Clone, Deserialize)]
pub struct BaselineProject {
    /// Folder.
    pub path: String,
    /// Level then.
    pub level: u8,
    /// Every criterion then.
    pub criteria: Vec<BaselineCriterion>,
}

/// `tool` of a saved report.
#[derive(Debug, Clone, Deserialize)]
pub struct BaselineTool {
    /// Must be `mlops-level`.
    pub name: String,
    /// Version that wrote it.
    pub version: String,
}

/// One criterion of a saved report.
#[derive(Debug, Clone, Deserialize)]
pub struct BaselineCriterion {
    /// Criterion id.
    pub id: String,
    /// met / partial / missing / not-assessed.
    pub status: String,
}

/// Why a baseline file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError(pub String);

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BaselineError {}

const STATUSES: &[&str] = &["met", "partial", "missing", "not-assessed", "declared", "skipped"];

impl Baseline {
    /// Parse and check a saved JSON report (`mlops-level scan --format json`).
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            BaselineError(format!("not a JSON report of `mlops-level scan --format json` ({e}); save one with `-o json=FILE`"))
        })?;
        if b.tool.name != "mlops-level" {
            return Err(BaselineError(format!("written by `{}`, not by mlops-level", b.tool.name)));
        }
        if b.schema_version != 1 {
            return Err(BaselineError(format!("schema_version {} is not supported (this mlops-level reads 1)", b.schema_version)));
        }
        if b.level > mlops_rules::MAX_LEVEL {
            return Err(BaselineError(format!("level {} is out of range 0-{}", b.level, mlops_rules::MAX_LEVEL)));
        }
        for c in b.criteria.iter().chain(b.projects.iter().flat_map(|p| &p.criteria)) {
            if !STATUSES.contains(&c.status.as_str()) {
                return Err(BaselineError(format!("criterion {} has unknown status `{}`", c.id, c.status)));
            }
        }
        if let Some(p) = b.projects.iter().find(|p| p.level > mlops_rules::MAX_LEVEL) {
            return Err(BaselineError(format!("project {}: level {} is out of range 0-{}", p.path, p.level, mlops_rules::MAX_LEVEL)));
        }
        Ok(b)
    }
}

impl Baseline {
    /// The baseline of one project (`path`) as if it were the repository:
    /// its level and criteria. `None` when the baseline had projects but not
    /// this one; a baseline of a single-project repository is kept whole.
    pub fn for_project(mut self, path: &str) -> Option<Baseline> {
        if self.projects.is_empty() {
            return Some(self);
        }
        let p = self.projects.iter().position(|p| p.path == path)?;
        let p = self.projects.swap_remove(p);
        self.level = p.level;
        self.criteria = p.criteria;
        self.projects.clear();
        Some(self)
    }
}

/// One criterion whose status differs from the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Criterion id.
    pub id: String,
    /// Title (from the current pack).
    pub title: String,
    /// Status in the baseline; `None` for a criterion new since then.
    pub before: Option<String>,
    /// Status now; `None` for a criterion no longer in the pack.
    pub after: Option<String>,
    /// True when it went from met to partial or missing.
    pub regression: bool,
}

/// The current assessment compared with a baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Level in the baseline.
    pub level_before: u8,
    /// Level now.
    pub level_after: u8,
    /// Every criterion whose status changed, in current pack order (then
    /// criteria that left the pack).
    pub changes: Vec<Change>,
    /// The projects of a monorepo, compared one by one (by folder).
    pub projects: Vec<ProjectChange>,
    /// What the baseline is, for reports (e.g. "`main` (commit `1a2b3c4`)");
    /// `None`: "the baseline".
    pub against: Option<String>,
}

/// One project of a monorepo compared with the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectChange {
    /// Folder.
    pub path: String,
    /// `None` for a project added since the baseline (never a regression).
    pub before: Option<u8>,
    /// `None` for a project gone since the baseline (reported, not a regression).
    pub after: Option<u8>,
    /// The project's own comparison, when it is in both.
    pub comparison: Option<Comparison>,
}

impl Comparison {
    /// Compare by criterion id.
    pub fn new(baseline: &Baseline, now: &Assessment) -> Comparison {
        let mut cmp = Comparison::of(baseline.level, &baseline.criteria, now);
        for p in &now.projects {
            let change = match baseline.projects.iter().find(|b| b.path == p.path) {
                Some(b) => ProjectChange {
                    path: p.path.clone(),
                    before: Some(b.level),
                    after: Some(p.assessment.level),
                    comparison: Some(Comparison::of(b.level, &b.criteria, &p.assessment)),
                },
                None => ProjectChange { path: p.path.clone(), before: None, after: Some(p.assessment.level), comparison: None },
            };
            cmp.projects.push(change);
        }
        for b in baseline.projects.iter().filter(|b| !now.projects.iter().any(|p| p.path == b.path)) {
            cmp.projects.push(ProjectChange { path: b.path.clone(), before: Some(b.level), after: None, comparison: None });
        }
        cmp.projects.sort_by(|a, b| a.path.cmp(&b.path));
        cmp
    }

    /// Projects added since the baseline.
    pub fn projects_added(&self) -> impl Iterator<Item = &ProjectChange> {
        self.projects.iter().filter(|p| p.before.is_none())
    }

    fn of(baseline_level: u8, baseline_criteria: &[BaselineCriterion], now: &Assessment) -> Comparison {
        let before = |id: &str| baseline_criteria.iter().find(|c| c.id == id).map(|c| c.status.clone());
        let mut changes = Vec::new();
        for c in &now.criteria {
            let b = before(&c.id);
            let after = c.status.as_str();
            if b.as_deref() == Some(after) {
                continue;
            }
            let regression = b.as_deref() == Some("met") && matches!(after, "partial" | "missing");
            changes.push(Change { id: c.id.clone(), title: c.title.clone(), before: b, after: Some(after.to_string()), regression });
        }
        for c in baseline_criteria {
            if !now.criteria.iter().any(|n| n.id == c.id) {
                changes.push(Change {
                    id: c.id.clone(),
                    title: String::new(),
                    before: Some(c.status.clone()),
                    after: None,
                    regression: false,
                });
            }
        }
        Comparison { level_before: baseline_level, level_after: now.level, changes, projects: Vec::new(), against: None }
    }

    /// The same comparison, saying what the baseline is.
    pub fn against(mut self, what: impl Into<String>) -> Comparison {
        self.against = Some(what.into());
        self
    }

    /// Criteria met now that were known and not met in the baseline.
    pub fn gains(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.after.as_deref() == Some("met") && c.before.as_deref().is_some_and(|b| b != "met"))
    }

    /// True when the level is lower than in the baseline.
    pub fn level_dropped(&self) -> bool {
        self.level_after < self.level_before
    }

    /// Criteria that went from met to partial or missing.
    pub fn regressions(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.regression)
    }

    /// True when the gate fails: the level dropped or a criterion regressed,
    /// in the repository or in any project it had then and has now.
    pub fn regressed(&self) -> bool {
        self.level_dropped()
            || self.regressions().next().is_some()
            || self.projects.iter().filter_map(|p| p.comparison.as_ref()).any(Comparison::regressed)
    }

    /// One line per regression, for the gate's message.
    pub fn regression_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.level_dropped() {
            out.push(format!("level dropped from {} to {}", self.level_before, self.level_after));
        }
        for c in self.regressions() {
            out.push(format!(
                "{} ({}) went from {} to {}",
                c.id,
                c.title,
                c.before.as_deref().unwrap_or("-"),
                c.after.as_deref().unwrap_or("-")
            ));
        }
        for p in &self.projects {
            if let Some(c) = &p.comparison {
                out.extend(c.regression_lines().into_iter().map(|l| format!("project {}: {l}", p.path)));
            }
        }
        out
    }
}
