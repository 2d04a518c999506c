//! Markdown output for `$GITHUB_STEP_SUMMARY` and pull-request comments: the
//! level, what changed since a baseline (when given), what caps the level,
//! next steps, a table per level, advice findings and scan issues.
//! GitHub-flavoured tables; deterministic.

use crate::baseline::Comparison;
use crate::next_steps;
use mlops_rules::{Assessment, CriterionKind, Pack, Status};
use std::fmt::Write;

/// Markdown rendering options.
#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions<'a> {
    /// The comparison with a baseline, to show what changed.
    pub comparison: Option<&'a Comparison>,
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Met => "✅",
        Status::Partial => "🟡",
        Status::Missing => "❌",
        Status::NotAssessed => "➖",
        Status::Declared => "📝",
        Status::Skipped => "⏭️",
    }
}

fn status_mark(s: Option<&str>) -> String {
    match s {
        Some("met") => "✅ met".into(),
        Some("partial") => "🟡 partial".into(),
        Some("missing") => "❌ missing".into(),
        Some(other) => other.to_string(),
        None => "—".into(),
    }
}

/// Escape text for a table cell (pipes, newlines) and for inline use.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Inline code that survives backticks in the content.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Render the Markdown summary.
pub fn render_markdown(a: &Assessment, pack: &Pack, opts: &MarkdownOptions<'_>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## MLOps level {} — {}", a.level, mlops_rules::LEVEL_TITLES[a.level as usize]);
    let _ = writeln!(o);
    if !a.capped_by.is_empty() {
        let ids: Vec<String> = a.capped_by.iter().map(|i| code(i)).collect();
        let verb = if ids.len() == 1 { "is" } else { "are" };
        if a.level_if_uncapped > a.level + 1 {
            let _ = writeln!(o, "**Capped:** the repository would be level {} once {} {verb} met.", a.level_if_uncapped, ids.join(", "));
        } else {
            let _ = writeln!(o, "**Next level:** level {} needs {}.", a.level + 1, ids.join(", "));
        }
        let _ = writeln!(o);
    }

    if let Some(cmp) = opts.comparison {
        let _ = writeln!(o, "### Changes since {}", cmp.against.as_deref().unwrap_or("the baseline"));
        let _ = writeln!(o);
        let arrow = match cmp.level_after.cmp(&cmp.level_before) {
            std::cmp::Ordering::Less => "⬇️ dropped",
            std::cmp::Ordering::Greater => "⬆️ rose",
            std::cmp::Ordering::Equal => "unchanged",
        };
        let _ = writeln!(o, "Level {} → {} ({arrow}).", cmp.level_before, cmp.level_after);
        let _ = writeln!(o);
        // What was lost and gained, before the full table of changes.
        for (head, list) in [
            ("**Lost** (met before, not now):", cmp.regressions().collect::<Vec<_>>()),
            ("**Gained** (met now, not before):", cmp.gains().collect()),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(o, "{head}");
            let _ = writeln!(o);
            for c in list {
                let _ = writeln!(
                    o,
                    "- {} {}: {} → {}",
                    code(&c.id),
                    cell(&c.title),
                    status_mark(c.before.as_deref()),
                    status_mark(c.after.as_deref())
                );
            }
            let _ = writeln!(o);
        }
        if cmp.changes.is_empty() {
            let _ = writeln!(o, "No criterion changed status.");
        } else {
            let _ = writeln!(o, "| Criterion | Before | After | |");
            let _ = writeln!(o, "|---|---|---|---|");
            for c in &cmp.changes {
                let note = if c.regression {
                    "**regression**"
                } else if c.before.is_none() {
                    "new criterion"
                } else if c.after.is_none() {
                    "no longer in the rule pack"
                } else if c.after.as_deref() == Some("declared") {
                    "declared in the config"
                } else if c.after.as_deref() == Some("skipped") {
                    "skipped in the config"
                } else if c.after.as_deref() == Some("met")
                    || (c.before.as_deref() == Some("missing") && c.after.as_deref() == Some("partial"))
                {
                    "improved"
                } else {
                    "worse"
                };
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {note} |",
                    code(&c.id),
                    status_mark(c.before.as_deref()),
                    status_mark(c.after.as_deref())
                );
            }
        }
        let _ = writeln!(o);
        if !cmp.projects.is_empty() {
            let _ = writeln!(o, "| Project | Level before | Level after | Changes |");
            let _ = writeln!(o, "|---|:---:|:---:|---|");
            for p in &cmp.projects {
                let lv = |l: Option<u8>| l.map(|l| l.to_string()).unwrap_or_else(|| "–".into());
                let note = match (&p.comparison, p.before, p.after) {
                    (_, None, _) => "new project".to_string(),
                    (_, _, None) => "no longer a project".to_string(),
                    (Some(c), ..) if c.regressed() => {
                        let ids: Vec<String> = c.regressions().map(|x| code(&x.id)).collect();
                        format!("**regression** {}", ids.join(", "))
                    }
                    (Some(c), ..) if !c.changes.is_empty() => {
                        let ids: Vec<String> = c.changes.iter().map(|x| code(&x.id)).collect();
                        format!("changed: {}", ids.join(", "))
                    }
                    _ => "unchanged".to_string(),
                };
                let _ = writeln!(o, "| {} | {} | {} | {note} |", code(&p.path), lv(p.before), lv(p.after));
            }
            let _ = writeln!(o);
        }
    }

    if !a.projects.is_empty() {
        let _ = writeln!(o, "### Projects");
        let _ = writeln!(o);
        let _ = writeln!(o, "Each project is assessed on its own files plus the shared evidence that reaches it.");
        let _ = writeln!(o);
        let _ = writeln!(o, "| Project | Level | Capped by |");
        let _ = writeln!(o, "|---|:---:|---|");
        for x in &a.projects {
            let caps: Vec<String> = x.assessment.capped_by.iter().map(|i| code(i)).collect();
            let name =
                if x.name == x.path || x.path.ends_with(&format!("/{}", x.name)) { String::new() } else { format!(" ({})", cell(&x.name)) };
            let target = x.target_level.map(|t| format!(" (target {t})")).unwrap_or_default();
            let _ = writeln!(
                o,
                "| {}{name} | {}{target} | {} |",
                code(&x.path),
                x.assessment.level,
                if caps.is_empty() { "–".to_string() } else { caps.join(", ") }
            );
        }
        let _ = writeln!(o);
        for x in &a.projects {
            let _ = writeln!(o, "<details><summary>Project {} · level {}</summary>", cell(&x.path), x.assessment.level);
            let _ = writeln!(o);
            let _ = writeln!(o, "| | Criterion | Status |");
            let _ = writeln!(o, "|---|---|---|");
            for r in x.assessment.criteria.iter().filter(|r| r.level >= 1) {
                let _ = writeln!(o, "| {} | {} | {} |", mark(r.status), code(&r.id), r.status.as_str());
            }
            let _ = writeln!(o);
            let _ = writeln!(o, "</details>");
            let _ = writeln!(o);
        }
    }

    let _ = writeln!(o, "| Level | | Reached | Required met | Supporting met |");
    let _ = writeln!(o, "|---|---|:---:|:---:|:---:|");
    for l in a.levels.iter().filter(|l| l.level > 0) {
        let reached = if l.reached {
            "✅"
        } else if l.required_met == l.required_total {
            "🟡"
        } else {
            "❌"
        };
        let _ = writeln!(
            o,
            "| {} | {} | {reached} | {}/{} | {}/{} |",
            l.level,
            cell(&l.title),
            l.required_met,
            l.required_total,
            l.supporting_met,
            l.supporting_total
        );
    }
    let _ = writeln!(o);

    if !a.capped_by.is_empty() {
        let _ = writeln!(o, "### What caps the level");
        let _ = writeln!(o);
        for id in &a.capped_by {
            if let Some(r) = a.criteria.iter().find(|r| &r.id == id) {
                let _ = writeln!(o, "- {} {} — {} ({})", mark(r.status), code(id), cell(&r.title), r.status.as_str());
            }
        }
        let _ = writeln!(o);
    }

    let steps = next_steps(a, pack);
    if !steps.is_empty() {
        let target = (a.level + 1).min(mlops_rules::MAX_LEVEL);
        let _ = writeln!(o, "### Next steps (toward level {target})");
        let _ = writeln!(o);
        for (i, s) in steps.iter().enumerate() {
            let _ = writeln!(o, "{}. {} ({}, {}) **{}**: {}", i + 1, code(&s.id), s.kind, s.status, cell(&s.title), cell(&s.remediation));
        }
        let _ = writeln!(o);
    }

    for level in 1..=mlops_rules::MAX_LEVEL {
        let Some(st) = a.levels.iter().find(|l| l.level == level) else { continue };
        let open = if level == a.level + 1 { " open" } else { "" };
        let _ = writeln!(
            o,
            "<details{open}><summary>Level {level} · {} — required {}/{}, supporting {}/{}</summary>",
            cell(mlops_rules::LEVEL_TITLES[level as usize]),
            st.required_met,
            st.required_total,
            st.supporting_met,
            st.supporting_total
        );
        let _ = writeln!(o);
        let _ = writeln!(o, "| | Criterion | Kind | Status | Evidence |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for r in a.criteria.iter().filter(|r| r.level == level) {
            let kind = if r.kind == CriterionKind::Required { "required" } else { "supporting" };
            let ev = match r.evidence.first() {
                Some(e) => {
                    let more = if r.evidence.len() > 1 { format!(" (+{} more)", r.evidence.len() - 1) } else { String::new() };
                    format!("{} {}{more}", code(&format!("{}:{}", e.location.path, e.location.start_line)), cell(&e.kind))
                }
                None => String::new(),
            };
            let ev = match &r.note {
                Some(n) => format!("{} in config: {}", r.status.as_str(), cell(n)),
                None => ev,
            };
            let _ = writeln!(o, "| {} | {} {} | {kind} | {} | {ev} |", mark(r.status), code(&r.id), cell(&r.title), r.status.as_str());
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "</details>");
        let _ = writeln!(o);
    }

    if !a.findings.is_empty() {
        let _ = writeln!(o, "### Advice");
        let _ = writeln!(o);
        let _ = writeln!(o, "| Severity | Rule | Location | |");
        let _ = writeln!(o, "|---|---|---|---|");
        for f in &a.findings {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                f.severity,
                code(&f.rule),
                code(&format!("{}:{}", f.evidence.location.path, f.evidence.location.start_line)),
                cell(&f.title)
            );
        }
        let _ = writeln!(o);
    }
    if !a.issues.is_empty() {
        let _ = writeln!(o, "### Scan issues");
        let _ = writeln!(o);
        for i in &a.issues {
            let line = i.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(o, "- {} {}: {}", code(&format!("{}{line}", i.path)), i.kind, cell(&i.message));
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "<sub>mlops-level {} · `mlops-level explain <id>` explains a criterion · People criteria are not assessed from files.</sub>",
        env!("CARGO_PKG_VERSION")
    );
    o
}

/// The rule reference page (`docs/rules.md`): every criterion and advice rule
/// of the pack, each under an anchor equal to its lower-cased id, which is
/// where SARIF `helpUri`s point. Regenerate with
/// `mlops-level rules --format markdown > docs/rules.md`.
pub fn render_rules_markdown(pack: &Pack) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Rules");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "<!-- Generated from the rule pack (`rules/*.yaml`) by `mlops-level rules --format markdown > docs/rules.md`; do not edit by hand. -->"
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Every criterion of the maturity rubric and every advice rule, as the rule pack defines them. SARIF results link here \
         (`helpUri`); `mlops-level explain <id>` prints the same text."
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "| Id | Level | Kind | Title |");
    let _ = writeln!(o, "|---|---|---|---|");
    for c in &pack.criteria {
        let _ = writeln!(o, "| [{}](#{}) | {} | {} | {} |", c.id, c.id.to_ascii_lowercase(), c.level, c.kind.as_str(), cell(&c.title));
    }
    for a in &pack.advice {
        let _ = writeln!(o, "| [{}](#{}) | - | advice ({}) | {} |", a.id, a.id.to_ascii_lowercase(), a.severity, cell(&a.title));
    }
    // The rubric at a glance: which criteria make up each level.
    let _ = writeln!(o);
    let _ = writeln!(o, "## Levels");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "A level is reached when every required criterion of that level and of every level below it is met; \
         supporting criteria never block a level. [The rubric](rubric.md) explains how evidence is read."
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "| Level | Title | Required | Supporting |");
    let _ = writeln!(o, "|---|---|---|---|");
    for level in 0..=mlops_rules::MAX_LEVEL {
        let ids = |kind: mlops_rules::CriterionKind| {
            let v: Vec<String> = pack
                .criteria
                .iter()
                .filter(|c| c.level == level && c.kind == kind)
                .map(|c| format!("[{}](#{})", c.id, c.id.to_ascii_lowercase()))
                .collect();
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        let (req, sup) = if level == 0 {
            ("- (always reached)".to_string(), "-".to_string())
        } else {
            (ids(mlops_rules::CriterionKind::Required), ids(mlops_rules::CriterionKind::Supporting))
        };
        let _ = writeln!(o, "| {level} | {} | {req} | {sup} |", mlops_rules::LEVEL_TITLES[level as usize]);
    }
    for level in 0..=mlops_rules::MAX_LEVEL {
        let cs: Vec<_> = pack.criteria.iter().filter(|c| c.level == level).collect();
        if cs.is_empty() {
            continue;
        }
        let _ = writeln!(o);
        if level == 0 {
            let _ = writeln!(o, "## People (not assessed)");
        } else {
            let _ = writeln!(o, "## Level {level}: {}", mlops_rules::LEVEL_TITLES[level as usize]);
        }
        for c in cs {
            let _ = writeln!(o);
            let _ = writeln!(o, "<a id=\"{}\"></a>", c.id.to_ascii_lowercase());
            let _ = writeln!(o);
            let _ = writeln!(o, "### {} — {}", c.id, c.title);
            let _ = writeln!(o);
            let _ = writeln!(o, "Level {} · {} · SARIF anchor for gaps: `{}`", c.level, c.kind.as_str(), c.anchor);
            if !c.source.is_empty() {
                let _ = writeln!(o);
                let _ = writeln!(o, "> {}", c.source);
            }
            let _ = writeln!(o);
            let _ = writeln!(o, "{}", c.summary);
            if !c.remediation.is_empty() {
                let _ = writeln!(o);
                let _ = writeln!(o, "**How to meet it:** {}", c.remediation);
            }
            if !c.evidence_doc.is_empty() {
                let _ = writeln!(o);
                let _ = writeln!(o, "**What evidence counts:** {}", c.evidence_doc);
            }
        }
    }
    if !pack.advice.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "## Advice (never blocks a level)");
        for a in &pack.advice {
            let _ = writeln!(o);
            let _ = writeln!(o, "<a id=\"{}\"></a>", a.id.to_ascii_lowercase());
            let _ = writeln!(o);
            let _ = writeln!(o, "### {} — {}", a.id, a.title);
            let _ = writeln!(o);
            let _ = writeln!(o, "Severity: {}", a.severity);
            let _ = writeln!(o);
            let _ = writeln!(o, "{}", a.summary);
            let _ = writeln!(o);
            let _ = writeln!(o, "**How to fix it:** {}", a.remediation);
        }
    }
    o
}
