//! HTML output: one self-contained page a manager can open from a CI artifact
//! or a file share. Two pages:
//!
//! - [`render_html`]: one repository. The maturity ladder with the
//!   repository's standing on each level, every criterion with its status
//!   (met / partial / missing, required / supporting) and its evidence as
//!   `file:line` items with the chain that launches them, the next steps,
//!   criteria skipped or declared in `.mlops-level.yml`, advice findings,
//!   references the scan could not follow, and scan issues. Built from the
//!   same [`Report`] model as the JSON output.
//! - [`render_fleet_html`]: many repositories, from the JSON lines of a fleet
//!   scan: the level distribution, each criterion's share of repositories
//!   meeting it, what most often caps the level, and a table of repositories.
//!
//! Both pages are self-contained and inert: inline CSS, no script, no
//! images, fonts or links to anything, and a Content-Security-Policy
//! (`default-src 'none'; style-src 'unsafe-inline'`) so that a browser would
//! refuse to run or fetch anything even if some text escaped its escaping.
//! Every piece of text from the repository (paths, snippets, config reasons,
//! issue messages) is HTML-escaped. The markup is also well-formed XML
//! (every element closed, only XML's five entities), which lets tests parse
//! it strictly. Deterministic: the same input gives the same bytes.

use crate::badge::level_color;
use crate::fleet::{CriterionShare, Entry, Summary};
use crate::json::{CriterionOut, EvidenceOut, Report};
use mlops_rules::{Assessment, Pack};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write;

/// HTML rendering options for one repository.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// The scanned path, shown in the header and the page title.
    pub root: String,
}

/// Options for the fleet page.
#[derive(Debug, Clone)]
pub struct FleetHtmlOptions {
    /// The page's heading and title.
    pub title: String,
}

impl Default for FleetHtmlOptions {
    fn default() -> Self {
        FleetHtmlOptions { title: "MLOps maturity of the fleet".into() }
    }
}

/// The page's Content-Security-Policy: nothing may load or run; the inline
/// stylesheet (and the `style` attributes of bars) may apply.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// Escape text for element content and quoted attributes (`& < > " '`).
/// Characters XML forbids (C0 controls other than tab and line breaks,
/// U+FFFE, U+FFFF) become U+FFFD so the page stays well-formed.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\t' | '\n' => o.push(c),
            '\r' => o.push('\n'),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--met:#1a7f37;--partial:#9a6700;--missing:#cf222e;--declared:#0969da;--skipped:#6e7781}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#151b23;--line:#3d444d;--met:#3fb950;--partial:#d29922;--missing:#f85149;--declared:#4493f8;--skipped:#9198a1}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:26px;margin:4px 0 8px}h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:16px;margin:22px 0 8px}
p{margin:6px 0}.muted{color:var(--muted)}
code{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;overflow-wrap:anywhere}
.chip{display:inline-block;border-radius:6px;padding:1px 10px;color:#fff;font-weight:600;white-space:nowrap}
.cap{background:var(--card);border-left:4px solid var(--partial);padding:8px 12px;margin:12px 0}
.ladder{list-style:none;margin:0;padding:0;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.rung{display:grid;grid-template-columns:44px minmax(180px,1fr) 190px 190px 200px;gap:12px;align-items:center;padding:10px 14px;border-top:1px solid var(--line)}
.rung:first-child{border-top:0}.rung.current{background:var(--card);box-shadow:inset 4px 0 0 var(--fg)}
.num{width:32px;height:32px;border-radius:50%;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:700}
.bar{height:8px;background:var(--line);border-radius:4px;overflow:hidden;margin-top:3px}.bar>span{display:block;height:100%;background:var(--met)}
.bar.sup>span{background:var(--declared)}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
td.n{text-align:right;white-space:nowrap}
table.crit{table-layout:fixed}table.crit col.s{width:110px}table.crit col.c{width:34%}table.crit col.k{width:100px}
.st{font-weight:600;white-space:nowrap}
.st-met,.st-reached{color:var(--met)}.st-partial,.st-blocked{color:var(--partial)}.st-missing,.st-not-reached,.st-error{color:var(--missing)}
.st-declared{color:var(--declared)}.st-skipped,.st-not-assessed{color:var(--skipped)}
.why{color:var(--partial)}.note{color:var(--muted)}
ul.ev{list-style:none;margin:4px 0 0;padding:0}ul.ev>li{margin:3px 0}
.chain{color:var(--muted);margin-left:14px}
.kind{color:var(--muted)}
ol.steps>li{margin:6px 0}
details>summary{cursor:pointer;color:var(--muted)}
footer{margin-top:36px;color:var(--muted);font-size:12px}
@media print{.rung.current{box-shadow:none}details>*{display:block}}
"#;

fn head(o: &mut String, title: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\"/>\n\
         <meta name=\"generator\" content=\"mlops-level {}\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title)
    );
}

fn foot(o: &mut String, extra: &str) {
    let _ = write!(
        o,
        "<footer>mlops-level {} · a static scan: nothing in the repository was run. {extra}</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// A level chip coloured like the badge.
fn level_chip(level: u8, text: &str) -> String {
    format!("<span class=\"chip\" style=\"background:{}\">{}</span>", level_color(level).1, escape(text))
}

fn level_title(level: u8) -> &'static str {
    mlops_rules::LEVEL_TITLES[level.min(mlops_rules::MAX_LEVEL) as usize]
}

/// `n of d` as a whole percentage (0 when `d` is 0).
fn pct(n: usize, d: usize) -> usize {
    crate::percent(n, d).unwrap_or(0)
}

fn bar(n: usize, d: usize, class: &str) -> String {
    format!("<div class=\"bar{class}\"><span style=\"width:{}%\"></span></div>", pct(n, d))
}

fn status_cell(status: &str) -> String {
    format!("<span class=\"st st-{0}\">{1} {0}</span>", escape(status), crate::status_glyph(status))
}

fn loc(path: &str, line: u32) -> String {
    format!("<code class=\"loc\">{}:{line}</code>", escape(path))
}

/// How an evidence item is reached, as the text report words it.
fn chain_html(e: &EvidenceOut) -> Option<String> {
    if e.chain.len() < 2 {
        return None;
    }
    let locs: Vec<String> = e.chain.iter().map(|l| loc(&l.path, l.start_line)).collect();
    if e.kind == "link.env-promotion" {
        let envs = e.attrs.get("environments").unwrap_or("");
        return Some(format!("environments {} defined at {}", escape(envs), locs.join(", ")));
    }
    Some(format!("via {}", locs.join(" → ")))
}

fn evidence_item(e: &EvidenceOut) -> String {
    let mut s = format!("<li>{} <span class=\"kind\">{} ({})</span>", loc(&e.path, e.start_line), escape(&e.kind), escape(&e.detector));
    if !e.snippet.is_empty() {
        let _ = write!(s, " <code>{}</code>", escape(&e.snippet));
    }
    if let Some(c) = chain_html(e) {
        let _ = write!(s, "<div class=\"chain\">{c}</div>");
    }
    s.push_str("</li>");
    s
}

/// Column widths of the criteria tables, alike on every level.
const COLS: &str = "<colgroup><col class=\"s\"/><col class=\"c\"/><col class=\"k\"/><col/></colgroup>";

/// Pack prose with `code` spans, escaped. An unpaired backtick stays literal.
fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let paired = if parts.len() % 2 == 1 { parts.len() } else { parts.len() - 1 };
    let mut o = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i >= paired {
            let _ = write!(o, "`{}", escape(p));
        } else if i % 2 == 1 {
            let _ = write!(o, "<code>{}</code>", escape(p));
        } else {
            o.push_str(&escape(p));
        }
    }
    o
}

/// Evidence items shown before the rest fold under "more".
const SHOWN_EVIDENCE: usize = 3;

fn evidence_list(c: &CriterionOut) -> String {
    // Items that print alike (one call seen two ways) show once, as in text.
    let mut seen = BTreeSet::new();
    let items: Vec<String> = c.evidence.iter().map(evidence_item).filter(|i| seen.insert(i.clone())).collect();
    if items.is_empty() {
        return String::new();
    }
    let mut s = String::from("<ul class=\"ev\">");
    for i in items.iter().take(SHOWN_EVIDENCE) {
        s.push_str(i);
    }
    s.push_str("</ul>");
    if items.len() > SHOWN_EVIDENCE {
        let _ = write!(s, "<details><summary>{} more</summary><ul class=\"ev\">", items.len() - SHOWN_EVIDENCE);
        for i in &items[SHOWN_EVIDENCE..] {
            s.push_str(i);
        }
        s.push_str("</ul></details>");
    }
    if c.evidence_total > c.evidence.len() {
        let _ = write!(
            s,
            "<p class=\"note\">{} of {} items listed; <code>mlops-level explain {}</code> lists all.</p>",
            c.evidence.len(),
            c.evidence_total,
            escape(&c.id)
        );
    }
    s
}

fn criterion_row(c: &CriterionOut) -> String {
    let mut s = format!(
        "<tr id=\"crit-{id}\" data-status=\"{st}\"><td>{}</td><td><code>{id}</code> {}",
        status_cell(&c.status),
        escape(&c.title),
        id = escape(&c.id),
        st = escape(&c.status)
    );
    if let Some(why) = &c.why {
        let _ = write!(s, "<div class=\"why\">why partial: {}</div>", escape(why));
    }
    if let Some(note) = &c.note {
        let detected = c.detected.as_deref().map(|d| format!("; detected: {}", escape(d))).unwrap_or_default();
        let _ = write!(s, "<div class=\"note\">{} in config: {}{detected}</div>", escape(&c.status), escape(note));
    }
    let _ = writeln!(s, "</td><td>{}</td><td>{}</td></tr>", escape(&c.kind), evidence_list(c));
    s
}

/// Render the HTML report of one repository (see the module documentation).
pub fn render_html(a: &Assessment, pack: &Pack, opts: &HtmlOptions) -> String {
    render_report_html(&Report::new(a, pack), opts)
}

fn render_report_html(r: &Report, opts: &HtmlOptions) -> String {
    let mut o = String::new();
    let root = if opts.root.is_empty() { "." } else { opts.root.as_str() };
    head(&mut o, &format!("MLOps level {} — {root}", r.level));

    // Headline: the level, what caps it.
    let _ = write!(
        o,
        "<header>\n<p class=\"muted\">mlops-level {} · <code id=\"root\">{}</code></p>\n\
         <h1 id=\"level\" data-level=\"{lvl}\">{} {}</h1>\n",
        escape(&r.tool.version),
        escape(root),
        level_chip(r.level, &format!("MLOps level {}", r.level)),
        escape(&r.level_title),
        lvl = r.level
    );
    if !r.capped_by.is_empty() {
        let ids: Vec<String> = r.capped_by.iter().map(|i| format!("<code>{}</code>", escape(i))).collect();
        let verb = if ids.len() == 1 { "is" } else { "are" };
        if r.level_if_uncapped > r.level + 1 {
            let _ = writeln!(
                o,
                "<p class=\"cap\" id=\"capped\">Capped: the repository would be level {} once {} {verb} met.</p>",
                r.level_if_uncapped,
                ids.join(", ")
            );
        } else {
            let _ = writeln!(o, "<p class=\"cap\" id=\"capped\">Next level: level {} needs {}.</p>", r.level + 1, ids.join(", "));
        }
    }
    o.push_str("</header>\n");

    // The ladder, top rung first.
    o.push_str("<section id=\"ladder\">\n<h2>The maturity ladder</h2>\n<p class=\"muted\">Levels are cumulative: a level is reached when every required criterion of it and of the levels below is met. Each level's own standing is shown whatever the levels below say.</p>\n<ol class=\"ladder\">\n");
    for l in r.levels.iter().rev() {
        let current = l.level == r.level;
        let (class, status) = if l.level == 0 || l.reached {
            ("reached", "reached")
        } else if l.required.met == l.required.total {
            ("blocked", "requirements met, blocked below")
        } else {
            ("not-reached", "not reached")
        };
        let _ = write!(
            o,
            "<li class=\"rung{}\" id=\"rung-{n}\" data-reached=\"{}\"><span class=\"num\" style=\"background:{}\">{n}</span>\
             <div><strong>{}</strong>{}</div><div class=\"st st-{class}\">{status}</div>",
            if current { " current" } else { "" },
            l.level == 0 || l.reached,
            level_color(l.level).1,
            escape(&l.title),
            if current { " <span class=\"muted\">← this repository</span>" } else { "" },
            n = l.level
        );
        if l.level == 0 {
            o.push_str("<div class=\"muted\">where every repository starts</div><div></div></li>\n");
        } else {
            let _ = writeln!(
                o,
                "<div>required {}/{}{}</div><div>supporting {}/{}{}</div></li>",
                l.required.met,
                l.required.total,
                bar(l.required.met, l.required.total, ""),
                l.supporting.met,
                l.supporting.total,
                bar(l.supporting.met, l.supporting.total, " sup")
            );
        }
    }
    o.push_str("</ol>\n</section>\n");

    if !r.next_steps.is_empty() {
        let target = (r.level + 1).min(mlops_rules::MAX_LEVEL);
        let _ = write!(o, "<section id=\"next-steps\">\n<h2>Next steps (toward level {target})</h2>\n<ol class=\"steps\">\n");
        for s in &r.next_steps {
            let _ = writeln!(
                o,
                "<li><code>{}</code> <strong>{}</strong> <span class=\"muted\">({}, {})</span><br/>{}</li>",
                escape(&s.id),
                escape(&s.title),
                escape(&s.kind),
                escape(&s.status),
                prose(&s.remediation)
            );
        }
        o.push_str("</ol>\n</section>\n");
    }

    o.push_str("<section id=\"criteria\">\n<h2>Criteria</h2>\n");
    for l in r.levels.iter().filter(|l| l.level > 0) {
        let _ = write!(
            o,
            "<h3 id=\"level-{n}\">Level {n} · {} <span class=\"muted\">required {}/{}, supporting {}/{}</span></h3>\n\
             <table class=\"crit\">{COLS}\n<thead><tr><th>Status</th><th>Criterion</th><th>Kind</th><th>Evidence</th></tr></thead>\n<tbody>\n",
            escape(&l.title),
            l.required.met,
            l.required.total,
            l.supporting.met,
            l.supporting.total,
            n = l.level
        );
        for c in r.criteria.iter().filter(|c| c.level == l.level) {
            o.push_str(&criterion_row(c));
        }
        o.push_str("</tbody>\n</table>\n");
    }
    let people: Vec<&CriterionOut> = r.criteria.iter().filter(|c| c.level == 0).collect();
    if !people.is_empty() {
        o.push_str("<h3 id=\"level-0\">Not assessed <span class=\"muted\">people and collaboration cannot be seen in files</span></h3>\n<table class=\"crit\">");
        o.push_str(COLS);
        o.push_str("\n<tbody>\n");
        for c in people {
            o.push_str(&criterion_row(c));
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("</section>\n");

    let configured: Vec<&CriterionOut> = r.criteria.iter().filter(|c| c.note.is_some()).collect();
    if !configured.is_empty() {
        o.push_str("<section id=\"config\">\n<h2>Skipped and declared in the config</h2>\n<p class=\"muted\">These count as satisfied for their level because the repository's <code>.mlops-level.yml</code> says so; the scan's own verdict is shown beside each.</p>\n<table>\n<thead><tr><th>Status</th><th>Criterion</th><th>Reason</th><th>Detected</th></tr></thead>\n<tbody>\n");
        for c in configured {
            let _ = writeln!(
                o,
                "<tr data-status=\"{st}\"><td>{}</td><td><code>{}</code> {}</td><td>{}</td><td>{}</td></tr>",
                status_cell(&c.status),
                escape(&c.id),
                escape(&c.title),
                escape(c.note.as_deref().unwrap_or("")),
                c.detected.as_deref().map(status_cell).unwrap_or_default(),
                st = escape(&c.status)
            );
        }
        o.push_str("</tbody>\n</table>\n</section>\n");
    }

    if !r.findings.is_empty() {
        o.push_str("<section id=\"advice\">\n<h2>Advice</h2>\n<table>\n<thead><tr><th>Severity</th><th>Rule</th><th>Where</th></tr></thead>\n<tbody>\n");
        for f in &r.findings {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code> {}</td><td><ul class=\"ev\">{}</ul></td></tr>",
                escape(&f.severity),
                escape(&f.rule),
                escape(&f.title),
                evidence_item(&f.evidence)
            );
        }
        o.push_str("</tbody>\n</table>\n</section>\n");
    }

    let (unfollowed, problems): (Vec<_>, Vec<_>) = r.issues.iter().partition(|i| i.kind == "unresolved-reference");
    if !unfollowed.is_empty() {
        o.push_str("<section id=\"not-followed\">\n<h2>Not followed</h2>\n<p class=\"muted\">A launched chain stops here because the scan cannot tell what runs next: a practice behind one of these is not recognised. Declare it in <code>.mlops-level.yml</code> if it is real.</p>\n<ul class=\"ev\">\n");
        for i in unfollowed {
            let _ = writeln!(o, "<li>{} {}</li>", loc(&i.path, i.line.unwrap_or(1)), escape(&i.message));
        }
        o.push_str("</ul>\n</section>\n");
    }
    if !problems.is_empty() {
        o.push_str("<section id=\"issues\">\n<h2>Scan issues</h2>\n<ul class=\"ev\">\n");
        for i in problems {
            let l = i.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(
                o,
                "<li><code class=\"loc\">{}{l}</code> <span class=\"kind\">{}</span> {}</li>",
                escape(&i.path),
                escape(&i.kind),
                escape(&i.message)
            );
        }
        o.push_str("</ul>\n</section>\n");
    }
    foot(&mut o, "<code>mlops-level explain ID PATH</code> shows every piece of evidence of a criterion.");
    o
}

// ------------------------------------------------------------------ fleet

/// Render the fleet page from a fleet scan's JSON lines.
///
/// Each line is a schema-v1 report as `scan --format json` writes it with a
/// string field `path` added, or `{"path": ..., "error": ...}` for a
/// repository that could not be scanned. A line that is neither (no
/// `schema_version` 1, no `level` 0-4, no `criteria`) is listed as a failed
/// repository rather than dropped, so the page always accounts for every line.
/// Lines are ordered by path, then by their text, so the same lines in any
/// order, e.g. shards merged in a different order, give the same bytes.
pub fn render_fleet_html(lines: &[Value], opts: &FleetHtmlOptions) -> String {
    let mut repos: Vec<(Entry, String)> = lines
        .iter()
        .map(|v| {
            let entry = Entry::from_value(v).unwrap_or_else(|e| Entry {
                path: v.get("path").and_then(Value::as_str).unwrap_or("(no path)").to_string(),
                error: Some(e),
                ..Entry::default()
            });
            (entry, serde_json::to_string(v).unwrap_or_default())
        })
        .collect();
    repos.sort_by(|a, b| (&a.0.path, &a.1).cmp(&(&b.0.path, &b.1)));
    let entries: Vec<&Entry> = repos.iter().map(|(e, _)| e).collect();
    fleet_page(&entries, opts)
}

/// Render the fleet page from parsed fleet lines, one per repository
/// (`merge` has them already): the rows in path order.
pub fn render_fleet_entries_html(entries: &[Entry], opts: &FleetHtmlOptions) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    fleet_page(&sorted, opts)
}

/// The page shows how many repositories are at each level (of those
/// scanned), each criterion's share of repositories meeting it (`met`;
/// criteria skipped or declared in a repository's config are counted
/// separately; not-assessed criteria are left out), the criteria that most
/// often cap the level, and one table row per entry, in the order given:
/// path, level, what caps it and the level it would reach, or the error.
/// The figures are those of the fleet [`Summary`] (`fleet --format json`).
fn fleet_page(entries: &[&Entry], opts: &FleetHtmlOptions) -> String {
    let summary = Summary::new(entries);
    let (repositories, scanned, failed) = (summary.repositories, summary.scanned, summary.errors.len());
    let mut o = String::new();
    head(&mut o, &opts.title);
    let _ = write!(
        o,
        "<header>\n<p class=\"muted\">mlops-level {}</p>\n<h1 id=\"fleet\" data-repositories=\"{}\" data-scanned=\"{}\" data-failed=\"{failed}\">{}</h1>\n\
         <p id=\"counts\">{} repositor{} · {} scanned · {failed} could not be scanned</p>\n</header>\n",
        env!("CARGO_PKG_VERSION"),
        repositories,
        scanned,
        escape(&opts.title),
        repositories,
        if repositories == 1 { "y" } else { "ies" },
        scanned
    );

    o.push_str("<section id=\"distribution\">\n<h2>Level distribution</h2>\n<table>\n<thead><tr><th>Level</th><th></th><th>Repositories</th><th>Share of those scanned</th></tr></thead>\n<tbody>\n");
    for l in summary.levels.iter().rev() {
        let (level, n) = (l.level, l.repositories);
        let _ = writeln!(
            o,
            "<tr id=\"dist-{level}\" data-count=\"{n}\"><td>{}</td><td>{}</td><td class=\"n\">{n}</td><td>{}% {}</td></tr>",
            level_chip(level, &level.to_string()),
            level_title(level),
            pct(n, scanned),
            bar(n, scanned, "")
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");

    // Within a level, in the order the reports list them (the pack's).
    let mut rows: Vec<(usize, &CriterionShare)> =
        summary.criteria.iter().enumerate().filter(|(_, c)| c.kind != "not-assessed" && c.assessed() > 0).collect();
    rows.sort_by_key(|(i, c)| (c.level, *i));
    o.push_str("<section id=\"criteria-share\">\n<h2>Criteria met across the fleet</h2>\n<table>\n<thead><tr><th>Criterion</th><th>Level</th><th>Kind</th><th>Met</th><th>Skipped or declared</th></tr></thead>\n<tbody>\n");
    for (_, c) in rows {
        let (met, total) = (c.met(), c.assessed());
        let _ = writeln!(
            o,
            "<tr id=\"share-{id}\" data-met=\"{met}\" data-total=\"{total}\"><td><code>{id}</code> {}</td><td class=\"n\">{}</td><td>{}</td>\
             <td>{met}/{total} ({}%) {}</td><td class=\"n\">{}</td></tr>",
            escape(&c.title),
            c.level,
            escape(&c.kind),
            pct(met, total),
            bar(met, total, ""),
            c.configured(),
            id = escape(&c.id),
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");

    if !summary.capped_by.is_empty() {
        o.push_str("<section id=\"caps\">\n<h2>What most often caps the level</h2>\n<ol>\n");
        for c in &summary.capped_by {
            let _ = writeln!(
                o,
                "<li data-id=\"{id}\" data-count=\"{n}\"><code>{id}</code> {}: caps {n} of {scanned} repositor{}</li>",
                escape(&c.title),
                if scanned == 1 { "y" } else { "ies" },
                id = escape(&c.id),
                n = c.repositories
            );
        }
        o.push_str("</ol>\n</section>\n");
    }

    o.push_str("<section id=\"repositories\">\n<h2>Repositories</h2>\n<table>\n<thead><tr><th>Path</th><th>Level</th><th>Capped by</th><th>Would be</th></tr></thead>\n<tbody>\n");
    for r in entries {
        match (&r.error, r.level) {
            (None, Some(level)) => {
                let capped: Vec<String> = r.capped_by.iter().map(|i| format!("<code>{}</code>", escape(i))).collect();
                let _ = writeln!(
                    o,
                    "<tr class=\"repo\" data-level=\"{}\"><td><code>{}</code></td><td>{} {}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                    level,
                    escape(&r.path),
                    level_chip(level, &level.to_string()),
                    level_title(level),
                    if capped.is_empty() { "—".to_string() } else { capped.join(", ") },
                    if r.capped_by.is_empty() {
                        "—".to_string()
                    } else {
                        r.level_if_uncapped.unwrap_or(level).min(mlops_rules::MAX_LEVEL).to_string()
                    }
                );
            }
            (e, _) => {
                let _ = writeln!(
                    o,
                    "<tr class=\"repo\" data-level=\"error\"><td><code>{}</code></td><td><span class=\"st st-error\">✗ not scanned</span></td><td colspan=\"2\">{}</td></tr>",
                    escape(&r.path),
                    escape(e.as_deref().unwrap_or(""))
                );
            }
        }
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    foot(&mut o, "");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_characters_xml_forbids() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("a\u{0}b\u{1b}c\td\r\ne"), "a\u{FFFD}b\u{FFFD}c\td\n\ne");
        assert_eq!(prose("run `pytest` then `x"), "run <code>pytest</code> then `x");
        assert_eq!(prose("a `<b>`"), "a <code>&lt;b&gt;</code>");
    }

    #[test]
    fn fleet_page_of_nothing_and_of_only_failures_has_no_division_by_zero() {
        let empty = render_fleet_html(&[], &FleetHtmlOptions::default());
        assert!(empty.contains(r#"data-repositories="0" data-scanned="0" data-failed="0""#));
        let failed = render_fleet_html(&[serde_json::json!({"path": "a", "error": "boom"})], &FleetHtmlOptions { title: "Org <x>".into() });
        assert!(failed.contains(r#"data-scanned="0" data-failed="1""#) && failed.contains("boom") && failed.contains("Org &lt;x&gt;"));
        assert!(failed.contains(r#"<tr id="dist-0" data-count="0">"#));
    }
}
