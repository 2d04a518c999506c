//! Text output for people: the level as a headline, each level's standing,
//! each criterion with its evidence and provenance, what caps the level, and
//! next steps with remediation. Colour only when asked (a terminal without
//! `NO_COLOR`).

use crate::next_steps;
use mlops_detect::Evidence;
use mlops_rules::{Assessment, CriterionKind, Pack, Status};
use std::fmt::Write;

/// Text rendering options.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// Evidence items shown per criterion (0 = default of 3).
    pub max_evidence: usize,
    /// The scanned path, for the header.
    pub root: String,
}

struct Paint(bool);

impl Paint {
    fn c(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.c("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.c("2", s)
    }
    fn mark(&self, st: Status) -> String {
        let glyph = crate::status_glyph(st.as_str());
        match st {
            Status::Met => self.c("32", glyph),
            Status::Partial => self.c("33", glyph),
            Status::Missing => self.c("31", glyph),
            Status::NotAssessed | Status::Skipped => self.dim(glyph),
            Status::Declared => self.c("36", glyph),
        }
    }
}

/// One evidence item as the text report prints it: `path:line  kind (detector)  snippet`.
pub fn evidence_line(e: &Evidence) -> String {
    let mut s = format!("{}:{}  {} ({})", e.location.path, e.location.start_line, e.kind, e.detector);
    if !e.snippet.is_empty() {
        let _ = write!(s, "  {}", e.snippet);
    }
    s
}

/// How an evidence item is reached (`via a:1 -> b:2`), when it is.
pub fn chain_line(e: &Evidence) -> Option<String> {
    if e.chain.len() < 2 {
        return None;
    }
    let locs: Vec<String> = e.chain.iter().map(|l| format!("{}:{}", l.path, l.start_line)).collect();
    // Environment promotion lists where each environment is defined; the
    // other chains are provenance, launcher first.
    if e.kind == "link.env-promotion" {
        let envs = e.attrs.get("environments").unwrap_or("");
        return Some(format!("environments {envs} defined at {}", locs.join(", ")));
    }
    Some(format!("via {}", locs.join(" -> ")))
}

/// Render the text report.
pub fn render_text(a: &Assessment, pack: &Pack, opts: &TextOptions) -> String {
    let p = Paint(opts.color);
    let max_ev = if opts.max_evidence == 0 { 3 } else { opts.max_evidence };
    let mut o = String::new();
    let _ = writeln!(o, "{}", p.dim(&format!("mlops-level {} · {}", env!("CARGO_PKG_VERSION"), opts.root)));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", p.bold(&format!("MLOps level {} — {}", a.level, mlops_rules::LEVEL_TITLES[a.level as usize])));
    if !a.capped_by.is_empty() && a.level_if_uncapped > a.level + 1 {
        let _ = writeln!(
            o,
            "  capped: would be level {} once {} {} met",
            a.level_if_uncapped,
            a.capped_by.join(", "),
            if a.capped_by.len() == 1 { "is" } else { "are" }
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", p.bold("Levels"));
    for l in a.levels.iter().filter(|l| l.level > 0) {
        let mark = if l.reached {
            p.mark(Status::Met)
        } else if l.required_met == l.required_total {
            p.mark(Status::Partial)
        } else {
            p.mark(Status::Missing)
        };
        let _ = writeln!(
            o,
            "  {mark} {} {:<34} required {}/{}  supporting {}/{}",
            l.level, l.title, l.required_met, l.required_total, l.supporting_met, l.supporting_total
        );
    }
    projects_text(a, &p, &mut o);
    for level in 1..=mlops_rules::MAX_LEVEL {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", p.bold(&format!("Level {level} · {}", mlops_rules::LEVEL_TITLES[level as usize])));
        for r in a.criteria.iter().filter(|r| r.level == level) {
            let kind = if r.kind == CriterionKind::Required { "required" } else { "supporting" };
            let _ =
                writeln!(o, "  {} {:<28} {:<44} {}", p.mark(r.status), r.id, r.title, p.dim(&format!("{} · {}", r.status.as_str(), kind)));
            if let Some(why) = &r.why {
                let _ = writeln!(o, "      {}", p.c("33", &format!("why partial: {why}")));
            }
            if let Some(note) = &r.note {
                let detected = r.detected.map(|d| format!("; detected: {}", d.as_str())).unwrap_or_default();
                let _ =
                    writeln!(o, "      {} {}", p.dim(&format!("{} in config:", r.status.as_str())), p.dim(&format!("{note}{detected}")));
            }
            // Items that print the same (one call seen two ways, e.g. a model
            // logged and registered) show once; JSON keeps them all.
            let mut shown: Vec<(String, Option<String>)> = Vec::new();
            for e in &r.evidence {
                let line = (evidence_line(e), chain_line(e));
                if !shown.contains(&line) {
                    shown.push(line);
                }
            }
            for (line, chain) in shown.iter().take(max_ev) {
                let _ = writeln!(o, "      {line}");
                if let Some(c) = chain {
                    let _ = writeln!(o, "        {}", p.dim(c));
                }
            }
            if shown.len() > max_ev {
                let _ = writeln!(o, "      {}", p.dim(&format!("… and {} more", shown.len() - max_ev)));
            }
        }
    }
    let _ = writeln!(o);
    for r in a.criteria.iter().filter(|r| r.status == Status::NotAssessed) {
        let _ = writeln!(o, "  {} {:<28} {:<44} {}", p.mark(r.status), r.id, r.title, p.dim("not assessed: not observable in files"));
    }
    if !a.capped_by.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", p.bold(&format!("What caps the level (required for level {})", a.level + 1)));
        for id in &a.capped_by {
            let r = a.criteria.iter().find(|r| &r.id == id).unwrap();
            let _ = writeln!(o, "  {} {} ({})", p.mark(r.status), id, r.status.as_str());
        }
    }
    let steps = next_steps(a, pack);
    if !steps.is_empty() {
        let _ = writeln!(o);
        let target = (a.level + 1).min(mlops_rules::MAX_LEVEL);
        let _ = writeln!(o, "{}", p.bold(&format!("Next steps (toward level {target})")));
        for (i, s) in steps.iter().enumerate() {
            let _ = writeln!(o, "  {}. {} [{}, {}] {}", i + 1, s.id, s.kind, s.status, s.title);
            let _ = writeln!(o, "     {}", s.remediation);
        }
    }
    if !a.findings.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", p.bold("Findings"));
        for f in &a.findings {
            let _ = writeln!(
                o,
                "  {} {} {}:{}  {}",
                f.severity, f.rule, f.evidence.location.path, f.evidence.location.start_line, f.evidence.snippet
            );
        }
    }
    let (unfollowed, problems): (Vec<_>, Vec<_>) = a.issues.iter().partition(|i| i.kind == "unresolved-reference");
    if !unfollowed.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}",
            p.bold("Not followed (a practice behind these is not recognised; declare it in .mlops-level.yml if it is real)")
        );
        for i in &unfollowed {
            let line = i.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(o, "  {}{line}  {}", i.path, i.message);
        }
    }
    if !problems.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", p.bold("Scan issues"));
        for i in &problems {
            let line = i.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(o, "  {}{line}  {}  {}", i.path, i.kind, i.message);
        }
    }
    o
}

/// A monorepo's projects: a table (level, what caps it), then each project's
/// criteria. `--project PATH` shows one project in full instead.
fn projects_text(a: &Assessment, p: &Paint, o: &mut String) {
    if a.projects.is_empty() {
        return;
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", p.bold(&format!("Projects ({}; each assessed on its own evidence)", a.projects.len())));
    let width = a.projects.iter().map(|x| x.path.len()).max().unwrap_or(4).max(4);
    for x in &a.projects {
        let caps = if x.assessment.capped_by.is_empty() { "-".to_string() } else { x.assessment.capped_by.join(", ") };
        let target = x.target_level.map(|t| format!("  target {t}")).unwrap_or_default();
        let _ = writeln!(o, "  {:<width$}  level {}{target}  {}", x.path, x.assessment.level, p.dim(&format!("capped by {caps}")));
    }
    for x in &a.projects {
        let _ = writeln!(o);
        let name = if x.name == x.path || x.path.ends_with(&format!("/{}", x.name)) { String::new() } else { format!(" ({})", x.name) };
        let _ = writeln!(
            o,
            "{}",
            p.bold(&format!(
                "Project {}{name} · level {} — {}",
                x.path,
                x.assessment.level,
                mlops_rules::LEVEL_TITLES[x.assessment.level as usize]
            ))
        );
        let _ = writeln!(o, "  {}", p.dim(&format!("a project because: {}", x.why)));
        for r in x.assessment.criteria.iter().filter(|r| r.level >= 1) {
            let _ = writeln!(o, "  {} {:<28} {}", p.mark(r.status), r.id, p.dim(r.status.as_str()));
        }
        if !x.assessment.capped_by.is_empty() {
            let _ = writeln!(o, "  capped by {}", x.assessment.capped_by.join(", "));
        }
    }
}
