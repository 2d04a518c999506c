//! The mlops-level rule pack: criteria from `RUBRIC.md` as YAML, conditions
//! over evidence, and level inference.
//!
//! A pack is loaded and validated (unknown fields, unknown evidence kinds,
//! duplicate or malformed ids: every problem listed with its location), then
//! [`evaluate`]d against a scan's evidence into an [`Assessment`].
#![forbid(unsafe_code)]

mod config;
mod pack;

pub use config::{civil_from_days, parse_config, today, Config, Declared, Exclude, ProjectConfig, Skip};

pub use pack::{load_dir, load_embedded, load_sources, Advice, ByKind, Cond, Criterion, CriterionKind, EvidenceCond, Pack, PackError};

use mlops_detect::{Evidence, ScanIssue};
use serde::Serialize;

/// Highest maturity level.
pub const MAX_LEVEL: u8 = 4;

/// Titles of the levels of the maturity model.
pub const LEVEL_TITLES: [&str; 5] =
    ["No MLOps", "DevOps, no MLOps", "Automated training", "Automated model deployment", "Full MLOps, automated operations"];

/// A criterion's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every condition of the criterion holds.
    Met,
    /// Evidence exists but falls short of the wording.
    Partial,
    /// No evidence.
    Missing,
    /// Cannot be observed in files.
    NotAssessed,
    /// Declared in the config to be practised outside the repository.
    Declared,
    /// Declared in the config not to apply to the repository.
    Skipped,
}

impl Status {
    /// Kebab-case name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Partial => "partial",
            Status::Missing => "missing",
            Status::NotAssessed => "not-assessed",
            Status::Declared => "declared",
            Status::Skipped => "skipped",
        }
    }

    /// True when the criterion counts as satisfied for its level (met, or
    /// declared / skipped by the repository's config).
    pub fn satisfied(self) -> bool {
        matches!(self, Status::Met | Status::Declared | Status::Skipped)
    }
}

/// One criterion's result.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionResult {
    /// Stable id (`L2.train.automated`).
    pub id: String,
    /// Level it belongs to (0 for not-assessed people criteria).
    pub level: u8,
    /// required / supporting / not-assessed.
    pub kind: CriterionKind,
    /// Short title.
    pub title: String,
    /// Status.
    pub status: Status,
    /// The evidence that decided the status (met or partial), sorted.
    pub evidence: Vec<Evidence>,
    /// For declared / skipped criteria: the config's reason (and link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The status the evidence alone gives (for declared / skipped criteria).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected: Option<Status>,
    /// For partial criteria: what falls short, read off the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Why partial evidence falls short of a criterion, from what the evidence
/// itself says (where it lives, what starts it). `None` when nothing general
/// can be said.
pub fn partial_reason(evidence: &[Evidence]) -> Option<String> {
    if evidence.is_empty() {
        return None;
    }
    let all = |f: &dyn Fn(&Evidence) -> bool| evidence.iter().all(f);
    let has = |e: &Evidence, k: &str| e.attrs.contains_key(k);
    let triggers = |e: &Evidence| e.attr_values("triggers").map(str::to_string).collect::<Vec<_>>();
    let reason = if all(&|e| has(e, "notebook")) {
        "found only in notebooks"
    } else if all(&|e| has(e, "in_test") || e.kind.starts_with("test.")) && evidence.iter().any(|e| has(e, "in_test")) {
        "found only inside tests"
    } else if all(&|e| e.attrs.get("local").is_some_and(|v| v == "true")) {
        "logs stay local (no tracking server)"
    } else if all(&|e| e.attrs.get("overridden").is_some_and(|v| v == "yes")) {
        "the comparison's verdict is set to a constant before it is tested, so it decides nothing"
    } else if all(&|e| e.attrs.get("acts").is_some_and(|v| v == "no")) {
        "the comparison is reported but blocks or promotes nothing"
    } else if all(&|e| e.attrs.get("probe").is_some_and(|v| v == "liveness")) {
        "the request only checks that the server answers (a health probe), not what the model predicts"
    } else if all(&|e| e.kind == "dvc.tracked" && e.attrs.get("remote").is_some_and(|v| v == "no")) {
        "DVC has no remote configured"
    } else if all(&|e| e.attrs.get("mechanism").is_some_and(|m| m == "release-asset")) {
        "the weights are release assets uploaded by hand, not a registry"
    } else if all(&|e| e.kind == "repo.git-lfs") {
        "Git LFS stores files, it does not version models"
    } else if all(&|e| e.kind == "ci.pipeline" || e.kind == "ci.trigger") {
        if evidence.iter().any(|e| e.attr_values("trigger").chain(e.attr_values("triggers")).any(|t| t == "unknown")) {
            "what starts the CI definition is not declared in the repository"
        } else if evidence.iter().any(|e| e.attr_values("trigger").chain(e.attr_values("triggers")).any(|t| t == "side-branch")) {
            "CI runs only on pushes to topic or personal branches, never on the main line"
        } else {
            "no CI definition runs on push or pull request"
        }
    } else if all(&|e| e.kind == "link.retrain-on-alert" && has(e, "gate")) {
        "a CI condition on drift starts training, but only a push or pull request starts the run: the drift is computed from committed files"
    } else if all(&|e| e.kind.ends_with(".train") && triggers(e).iter().any(|t| t == "schedule")) {
        "training runs on a schedule, not on production metrics"
    } else if all(&|e| e.kind == "code.pipeline-trigger" && e.attrs.get("on").is_some_and(|v| v == "event")) {
        "an event (new data, a message) starts the pipeline, not production metrics"
    } else if all(&|e| !triggers(e).is_empty() && triggers(e).iter().all(|t| t == "manual")) {
        "only a person starts it"
    } else if all(&|e| !triggers(e).is_empty() && triggers(e).iter().all(|t| t == "manual" || t == "side-branch")) {
        "only pushes to topic or personal branches (or a person) start it"
    } else if all(&|e| triggers(e).iter().all(|t| t == "unknown" || t == "manual") && has(e, "reached")) {
        "what starts it is not declared in the repository"
    } else if all(&|e| e.kind == "link.pull-based-serving" && e.attrs.get("promotion").is_some_and(|v| v == "automated")) {
        "a pipeline moves the registry alias the service loads: the service picks the model up when it reloads, nothing deploys it"
    } else if all(&|e| e.kind == "link.pull-based-serving") {
        "the service loads whatever model a registry alias or query points at: a release is moving the alias by hand"
    } else if all(&|e| has(e, "launched_action")) && evidence.iter().any(|e| !has(e, "reached")) {
        let a = evidence.iter().find_map(|e| e.attrs.get("launched_action")).unwrap_or_default();
        return Some(format!("its program is launched only with another action than training (`{a}`)"));
    } else if all(&|e| has(e, "example")) {
        "the traffic split is an example manifest (an examples, samples or demo folder) that nothing the repository runs applies"
    } else if all(&|e| has(e, "unscheduled_asset")) {
        let a = evidence.iter().find_map(|e| e.attrs.get("unscheduled_asset")).unwrap_or_default();
        return Some(format!("its Dagster asset `{a}` is in no job a schedule or sensor starts: only a person materializes it"));
    } else if all(&|e| !has(e, "reached")) {
        "no launcher found: no CI job, schedule or script that mlops-level follows reaches it"
    } else {
        return None;
    };
    Some(reason.to_string())
}

/// Standing of one level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelStanding {
    /// 0-4.
    pub level: u8,
    /// Title from the maturity model.
    pub title: String,
    /// True when this level and every level below have all required criteria met.
    pub reached: bool,
    /// Required criteria of this level met.
    pub required_met: usize,
    /// Required criteria of this level.
    pub required_total: usize,
    /// Supporting criteria of this level met.
    pub supporting_met: usize,
    /// Supporting criteria of this level.
    pub supporting_total: usize,
}

/// An advice finding (never level-blocking).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule id (`A.model-binary`).
    pub rule: String,
    /// Title of the rule.
    pub title: String,
    /// note / warning / error.
    pub severity: String,
    /// The evidence that triggered it.
    pub evidence: Evidence,
}

/// The result of evaluating a pack against a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// Inferred level (0-4).
    pub level: u8,
    /// Each level's standing.
    pub levels: Vec<LevelStanding>,
    /// Required criteria of the next level up that are not met, in the
    /// lowest level that is not reached (these cap the result).
    pub capped_by: Vec<String>,
    /// The level the repository would reach once `capped_by` is met.
    pub level_if_uncapped: u8,
    /// Every criterion, in pack order.
    pub criteria: Vec<CriterionResult>,
    /// Advice findings, sorted by location.
    pub findings: Vec<Finding>,
    /// Scan problems.
    pub issues: Vec<ScanIssue>,
    /// The projects of a monorepo, each assessed on its own evidence (empty:
    /// the repository is one project). See [`evaluate_projects`].
    pub projects: Vec<ProjectAssessment>,
}

/// One project of a monorepo and its assessment.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectAssessment {
    /// Folder, repository-relative (`.` for the root).
    pub path: String,
    /// Display name.
    pub name: String,
    /// Why the folder is a project.
    pub why: String,
    /// The project's own gate from the config, if any.
    pub target_level: Option<u8>,
    /// The project's assessment (its `projects` is empty).
    pub assessment: Assessment,
}

/// Assess each project of a scan on the evidence and issues that concern it
/// (`scan.projects`), with the repository's config (skips and declarations
/// apply to every project; a project's `target_level` is its own).
pub fn evaluate_projects(
    pack: &Pack,
    evidence: &[Evidence],
    issues: &[ScanIssue],
    scopes: &[mlops_detect::projects::ProjectScope],
    config: &Config,
    today: (i32, u32, u32),
) -> Vec<ProjectAssessment> {
    scopes
        .iter()
        .filter_map(|s| {
            let p = s.project.as_ref()?;
            let ev: Vec<Evidence> = s.evidence.iter().filter_map(|&i| evidence.get(i).cloned()).collect();
            let is: Vec<ScanIssue> = s.issues.iter().filter_map(|&i| issues.get(i).cloned()).collect();
            let declared = config.projects.iter().find(|c| c.path == p.path);
            Some(ProjectAssessment {
                path: p.path.clone(),
                name: p.name.clone(),
                why: p.why.clone(),
                target_level: declared.and_then(|c| c.target_level),
                assessment: evaluate_with(pack, &ev, &is, config, today),
            })
        })
        .collect()
}

fn level_of(results: &[CriterionResult], met: &dyn Fn(&CriterionResult) -> bool) -> u8 {
    let mut level = 0;
    for l in 1..=MAX_LEVEL {
        let ok = results.iter().filter(|r| r.level == l && r.kind == CriterionKind::Required).all(met);
        if !ok {
            break;
        }
        level = l;
    }
    level
}

/// Evaluate a pack against evidence.
pub fn evaluate(pack: &Pack, evidence: &[Evidence], issues: &[ScanIssue]) -> Assessment {
    evaluate_with(pack, evidence, issues, &Config::default(), today())
}

/// Evaluate with the repository's config applied (skips, declarations) as of `today`.
pub fn evaluate_with(pack: &Pack, evidence: &[Evidence], issues: &[ScanIssue], config: &Config, today: (i32, u32, u32)) -> Assessment {
    let mut issues = issues.to_vec();
    let mut criteria = Vec::new();
    let by_kind = pack::ByKind::new(evidence);
    for c in &pack.criteria {
        let (status, ev) = if c.kind == CriterionKind::NotAssessed {
            (Status::NotAssessed, vec![])
        } else if let Some(ev) = c.met.as_ref().and_then(|m| m.eval_in(&by_kind)) {
            (Status::Met, ev)
        } else if let Some(ev) = c.partial.as_ref().and_then(|p| p.eval_in(&by_kind)) {
            (Status::Partial, ev)
        } else {
            (Status::Missing, vec![])
        };
        let mut ev = ev;
        ev.sort();
        ev.dedup();
        // Strongest first: what something launches, then confidence, then location.
        let reached = |e: &Evidence| e.attrs.contains_key("reached");
        ev.sort_by(|a, b| reached(b).cmp(&reached(a)).then(b.confidence.cmp(&a.confidence)).then(a.cmp(b)));
        let why = if status == Status::Partial { partial_reason(&ev) } else { None };
        criteria.push(CriterionResult {
            id: c.id.clone(),
            level: c.level,
            kind: c.kind,
            title: c.title.clone(),
            status,
            evidence: ev,
            note: None,
            detected: None,
            why,
        });
    }
    // The repository's config: skips (unless lapsed) and declarations.
    for r in criteria.iter_mut() {
        if let Some(s) = config.skip.iter().find(|s| s.id == r.id) {
            if s.expires.is_some_and(|e| e < today) {
                let (y, m, d) = s.expires.unwrap();
                issues.push(ScanIssue::new(
                    &config.file,
                    Some(s.line),
                    "config-skip-expired",
                    format!("the skip of {} expired on {y:04}-{m:02}-{d:02}: it is assessed again", r.id),
                ));
                continue;
            }
            if r.status == Status::Met {
                issues.push(ScanIssue::new(
                    &config.file,
                    Some(s.line),
                    "config-unneeded",
                    format!("{} is met by evidence; the skip is not needed", r.id),
                ));
            }
            r.detected = Some(r.status);
            r.status = Status::Skipped;
            r.note = Some(s.reason.clone());
        } else if let Some(d) = config.declare.iter().find(|d| d.id == r.id) {
            if r.status == Status::Met {
                issues.push(ScanIssue::new(
                    &config.file,
                    Some(d.line),
                    "config-unneeded",
                    format!("{} is met by evidence in the repository; the declaration is not needed", r.id),
                ));
                continue;
            }
            r.detected = Some(r.status);
            r.status = Status::Declared;
            r.note = Some(if d.link.is_empty() { d.reason.clone() } else { format!("{} ({})", d.reason, d.link) });
        }
    }
    issues.sort();
    let is_met = |r: &CriterionResult| r.status.satisfied();
    let level = level_of(&criteria, &is_met);
    let levels = (0..=MAX_LEVEL)
        .map(|l| {
            let of = |k: CriterionKind| criteria.iter().filter(move |r| r.level == l && r.kind == k);
            LevelStanding {
                level: l,
                title: LEVEL_TITLES[l as usize].to_string(),
                reached: l <= level,
                required_met: of(CriterionKind::Required).filter(|r| is_met(r)).count(),
                required_total: of(CriterionKind::Required).count(),
                supporting_met: of(CriterionKind::Supporting).filter(|r| is_met(r)).count(),
                supporting_total: of(CriterionKind::Supporting).count(),
            }
        })
        .collect();
    let capped_by: Vec<String> = if level < MAX_LEVEL {
        criteria.iter().filter(|r| r.level == level + 1 && r.kind == CriterionKind::Required && !is_met(r)).map(|r| r.id.clone()).collect()
    } else {
        vec![]
    };
    let level_if_uncapped = level_of(&criteria, &|r| is_met(r) || capped_by.contains(&r.id));
    let mut findings = Vec::new();
    for a in &pack.advice {
        if let Some(ev) = a.when.eval_in(&by_kind) {
            for e in ev {
                findings.push(Finding { rule: a.id.clone(), title: a.title.clone(), severity: a.severity.clone(), evidence: e });
            }
        }
    }
    findings.sort_by(|a, b| (&a.evidence.location, &a.rule).cmp(&(&b.evidence.location, &b.rule)));
    findings.dedup_by(|a, b| a.rule == b.rule && a.evidence.location == b.evidence.location);
    Assessment { level, levels, capped_by, level_if_uncapped, criteria, findings, issues, projects: Vec::new() }
}

#[cfg(test)]
mod tests;

/// Entry points for fuzzing the rule-pack and config loaders (see `fuzz/`).
#[doc(hidden)]
pub mod fuzz {
    /// A repository config: it loads or is refused, never panics.
    pub fn config(data: &[u8]) {
        static PACK: std::sync::OnceLock<crate::Pack> = std::sync::OnceLock::new();
        let pack = PACK.get_or_init(|| crate::load_embedded().expect("the embedded pack loads"));
        let text = String::from_utf8_lossy(data);
        let _ = crate::parse_config(".mlops-level.yml", &text, pack);
    }

    /// A rule-pack file: it loads (and judges no evidence without panicking)
    /// or is refused with at least one message.
    pub fn rule_pack(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        match crate::load_sources(vec![("fuzz.yaml".into(), text.into_owned())]) {
            Ok(pack) => {
                let _ = crate::evaluate(&pack, &[], &[]);
            }
            Err(e) => assert!(!e.to_string().is_empty(), "a refused pack says why"),
        }
    }
}
