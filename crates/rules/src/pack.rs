//! Rule-pack loading and validation.
//!
//! The pack is YAML: `criteria:` (id, level, kind, title, source, summary,
//! remediation, evidence_doc, anchor, met, partial) and `advice:` (id, title,
//! severity, summary, remediation, when). Conditions: `all: [..]`,
//! `any: [..]`, `not: cond`, and `evidence: {kind, attrs, not_attrs,
//! min_confidence}`. Validation collects every problem with its file and line.

use mlops_detect::yaml::{self, Node, Value};
use mlops_detect::{Confidence, Evidence};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The embedded rule pack (the repository's `rules/`), in load order.
const EMBEDDED: &[(&str, &str)] = &[
    ("rules/level1.yaml", include_str!("../../../rules/level1.yaml")),
    ("rules/level2.yaml", include_str!("../../../rules/level2.yaml")),
    ("rules/level3.yaml", include_str!("../../../rules/level3.yaml")),
    ("rules/level4.yaml", include_str!("../../../rules/level4.yaml")),
    ("rules/people.yaml", include_str!("../../../rules/people.yaml")),
    ("rules/advice.yaml", include_str!("../../../rules/advice.yaml")),
];

/// Kind of criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CriterionKind {
    /// Blocks its level when not met.
    Required,
    /// Reported and counted, never blocking.
    Supporting,
    /// Not observable in files (people).
    NotAssessed,
}

impl CriterionKind {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionKind::Required => "required",
            CriterionKind::Supporting => "supporting",
            CriterionKind::NotAssessed => "not-assessed",
        }
    }
}

/// An evidence filter.
#[derive(Debug, Clone)]
pub struct EvidenceCond {
    /// Evidence kind.
    pub kind: String,
    /// Attribute must have one of these values (`*` = present).
    pub attrs: BTreeMap<String, Vec<String>>,
    /// Attribute must not have any of these values (`*` = absent).
    pub not_attrs: BTreeMap<String, Vec<String>>,
    /// Minimum confidence.
    pub min_confidence: Confidence,
}

/// A condition over evidence.
#[derive(Debug, Clone)]
pub enum Cond {
    /// Every sub-condition holds.
    All(Vec<Cond>),
    /// At least one holds.
    Any(Vec<Cond>),
    /// The sub-condition does not hold.
    Not(Box<Cond>),
    /// Some evidence matches the filter.
    Evidence(EvidenceCond),
}

fn attr_matches(e: &Evidence, key: &str, values: &[String]) -> bool {
    if values.iter().any(|v| v == "*") {
        return e.attrs.contains_key(key);
    }
    e.attr_values(key).any(|v| values.iter().any(|x| x == v))
}

impl EvidenceCond {
    /// True when `e` passes the filter.
    pub fn matches(&self, e: &Evidence) -> bool {
        e.kind == self.kind
            && e.confidence >= self.min_confidence
            && self.attrs.iter().all(|(k, v)| attr_matches(e, k, v))
            && !self.not_attrs.iter().any(|(k, v)| attr_matches(e, k, v))
    }
}

/// Evidence grouped by kind, each group in the evidence's order: a
/// condition reads the evidence of its kind only, so judging costs the
/// evidence once, not once per condition of the rule pack.
#[derive(Debug, Default)]
pub struct ByKind<'a>(std::collections::HashMap<&'a str, Vec<&'a Evidence>>);

impl<'a> ByKind<'a> {
    /// Group `ev` by kind.
    pub fn new(ev: &'a [Evidence]) -> Self {
        let mut m: std::collections::HashMap<&'a str, Vec<&'a Evidence>> = std::collections::HashMap::new();
        for e in ev {
            m.entry(&*e.kind).or_default().push(e);
        }
        ByKind(m)
    }

    fn of(&self, kind: &str) -> &[&'a Evidence] {
        self.0.get(kind).map_or(&[], Vec::as_slice)
    }
}

impl Cond {
    /// `Some(evidence that supports it)` when the condition holds.
    pub fn eval(&self, ev: &[Evidence]) -> Option<Vec<Evidence>> {
        self.eval_in(&ByKind::new(ev))
    }

    /// [`Cond::eval`] over evidence grouped once ([`ByKind`]).
    pub fn eval_in(&self, ev: &ByKind) -> Option<Vec<Evidence>> {
        match self {
            Cond::Evidence(f) => {
                let m: Vec<Evidence> = ev.of(&f.kind).iter().filter(|e| f.matches(e)).map(|e| (*e).clone()).collect();
                (!m.is_empty()).then_some(m)
            }
            Cond::All(cs) => {
                let mut out = Vec::new();
                for c in cs {
                    out.extend(c.eval_in(ev)?);
                }
                Some(out)
            }
            Cond::Any(cs) => {
                let mut out = Vec::new();
                let mut any = false;
                for c in cs {
                    if let Some(e) = c.eval_in(ev) {
                        any = true;
                        out.extend(e);
                    }
                }
                any.then_some(out)
            }
            Cond::Not(c) => match c.eval_in(ev) {
                Some(_) => None,
                None => Some(vec![]),
            },
        }
    }

    /// Evidence kinds the condition names.
    pub fn kinds(&self, out: &mut Vec<String>) {
        match self {
            Cond::Evidence(f) => out.push(f.kind.clone()),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.kinds(out)),
            Cond::Not(c) => c.kinds(out),
        }
    }
}

/// One criterion of the rubric.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// Stable id.
    pub id: String,
    /// Level (1-4; 0 for people criteria).
    pub level: u8,
    /// Kind.
    pub kind: CriterionKind,
    /// Short title.
    pub title: String,
    /// The maturity model's own words.
    pub source: String,
    /// What "met" means.
    pub summary: String,
    /// How to meet it.
    pub remediation: String,
    /// What evidence counts, for `explain`.
    pub evidence_doc: String,
    /// Where repository-level gaps are anchored (ci | readme | config).
    pub anchor: String,
    /// Condition for met.
    pub met: Option<Cond>,
    /// Condition for partial.
    pub partial: Option<Cond>,
    /// Where it is defined (file:line).
    pub defined_at: String,
}

/// An advice rule.
#[derive(Debug, Clone)]
pub struct Advice {
    /// Stable id (`A.*`).
    pub id: String,
    /// Title.
    pub title: String,
    /// note / warning / error.
    pub severity: String,
    /// What it means.
    pub summary: String,
    /// How to fix it.
    pub remediation: String,
    /// Condition: one finding per matching evidence.
    pub when: Cond,
    /// Where it is defined.
    pub defined_at: String,
}

/// A validated rule pack.
#[derive(Debug, Clone, Default)]
pub struct Pack {
    /// Criteria in load order.
    pub criteria: Vec<Criterion>,
    /// Advice rules.
    pub advice: Vec<Advice>,
}

impl Pack {
    /// Look a criterion or advice rule up by id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// Every problem found in a pack.
#[derive(Debug, Clone)]
pub struct PackError(pub Vec<String>);

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the rule pack is invalid ({} problem{}):", self.0.len(), if self.0.len() == 1 { "" } else { "s" })?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PackError {}

/// Load the pack embedded in the binary.
pub fn load_embedded() -> Result<Pack, PackError> {
    load_sources(EMBEDDED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect())
}

/// Load every `*.yaml` / `*.yml` file of a directory (sorted by name).
pub fn load_dir(dir: &Path) -> Result<Pack, PackError> {
    let rd = std::fs::read_dir(dir).map_err(|e| PackError(vec![format!("{}: {e}", dir.display())]))?;
    let mut files: Vec<_> =
        rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml")).collect();
    files.sort();
    if files.is_empty() {
        return Err(PackError(vec![format!("{}: no .yaml rule files", dir.display())]));
    }
    let mut sources = Vec::new();
    let mut errs = Vec::new();
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(t) => sources.push((f.display().to_string(), t)),
            Err(e) => errs.push(format!("{}: {e}", f.display())),
        }
    }
    if !errs.is_empty() {
        return Err(PackError(errs));
    }
    load_sources(sources)
}

struct Ctx<'a> {
    file: &'a str,
    errs: Vec<String>,
}

impl Ctx<'_> {
    fn err(&mut self, line: u32, msg: impl fmt::Display) {
        self.errs.push(format!("{}:{line}: {msg}", self.file));
    }

    fn check_fields(&mut self, n: &Node, allowed: &[&str], what: &str) {
        for (k, _) in n.entries() {
            let name = k.as_str().unwrap_or("");
            if !allowed.contains(&name) {
                self.err(k.line, format!("unknown field `{name}` in {what} (expected one of: {})", allowed.join(", ")));
            }
        }
    }

    fn string(&mut self, n: &Node, key: &str, required: bool) -> String {
        match n.get(key) {
            Some(v) => match v.as_str() {
                Some(s) => s.trim().to_string(),
                None => {
                    self.err(v.line, format!("`{key}` must be a string"));
                    String::new()
                }
            },
            None => {
                if required {
                    self.err(n.line, format!("missing field `{key}`"));
                }
                String::new()
            }
        }
    }

    fn cond(&mut self, n: &Node) -> Option<Cond> {
        if !n.is_map() || n.entries().len() != 1 {
            self.err(n.line, "a condition is a mapping with exactly one of `all`, `any`, `not`, `evidence`");
            return None;
        }
        let (k, v) = &n.entries()[0];
        match k.as_str().unwrap_or("") {
            "all" | "any" => {
                let items = v.items();
                if items.is_empty() {
                    self.err(v.line, format!("`{}` needs a non-empty list of conditions", k.as_str().unwrap_or("")));
                    return None;
                }
                let cs: Vec<Cond> = items.iter().filter_map(|i| self.cond(i)).collect();
                (cs.len() == items.len()).then(|| if k.as_str() == Some("all") { Cond::All(cs) } else { Cond::Any(cs) })
            }
            "not" => self.cond(v).map(|c| Cond::Not(Box::new(c))),
            "evidence" => self.evidence(v),
            other => {
                self.err(k.line, format!("unknown condition `{other}` (expected all, any, not, evidence)"));
                None
            }
        }
    }

    fn evidence(&mut self, n: &Node) -> Option<Cond> {
        self.check_fields(n, &["kind", "attrs", "not_attrs", "min_confidence"], "an evidence condition");
        let kind = self.string(n, "kind", true);
        if !kind.is_empty() && !mlops_detect::kinds::is_declared(&kind) {
            let line = n.get("kind").map(|k| k.line).unwrap_or(n.line);
            self.err(line, format!("unknown evidence kind `{kind}` (see `mlops-level rules --kinds`)"));
        }
        let mut attrs_of = |key: &str| -> BTreeMap<String, Vec<String>> {
            let mut m = BTreeMap::new();
            if let Some(a) = n.get(key) {
                if !a.is_map() {
                    self.err(a.line, format!("`{key}` must be a mapping of attribute to value(s)"));
                }
                for (k, v) in a.entries() {
                    let vals: Vec<String> = v.strings().into_iter().map(str::to_string).collect();
                    if vals.is_empty() {
                        self.err(v.line, format!("attribute `{}` needs a value or a list of values", k.as_str().unwrap_or("")));
                    }
                    m.insert(k.as_str().unwrap_or("").to_string(), vals);
                }
            }
            m
        };
        let attrs = attrs_of("attrs");
        let not_attrs = attrs_of("not_attrs");
        let min_confidence = match n.get("min_confidence").and_then(Node::as_str) {
            None | Some("low") => Confidence::Low,
            Some("medium") => Confidence::Medium,
            Some("high") => Confidence::High,
            Some(other) => {
                self.err(n.line, format!("min_confidence `{other}` must be low, medium or high"));
                Confidence::Low
            }
        };
        Some(Cond::Evidence(EvidenceCond { kind, attrs, not_attrs, min_confidence }))
    }
}

fn valid_criterion_id(id: &str) -> Option<u8> {
    if id == "P.collaboration" || (id.starts_with("P.") && id.len() > 2) {
        return Some(0);
    }
    let parts: Vec<&str> = id.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')) {
        return None;
    }
    let l = parts[0].strip_prefix('L')?.parse::<u8>().ok()?;
    (1..=4).contains(&l).then_some(l)
}

fn valid_advice_id(id: &str) -> bool {
    id.strip_prefix("A.").is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

/// Load and validate a pack from (file name, text) sources.
pub fn load_sources(sources: Vec<(String, String)>) -> Result<Pack, PackError> {
    let mut pack = Pack::default();
    let mut errs = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (file, text) in &sources {
        let mut cx = Ctx { file, errs: Vec::new() };
        let doc = match yaml::parse(text) {
            Ok(d) => d,
            Err(e) => {
                errs.push(format!("{file}:{}: not valid YAML: {}", e.line.unwrap_or(1), e.message));
                continue;
            }
        };
        if matches!(doc.value, Value::Null) {
            continue;
        }
        cx.check_fields(&doc, &["criteria", "advice"], "a rule file");
        for c in doc.get("criteria").map(Node::items).unwrap_or_default() {
            cx.check_fields(
                c,
                &["id", "level", "kind", "title", "source", "summary", "remediation", "evidence_doc", "anchor", "met", "partial"],
                "a criterion",
            );
            let id = cx.string(c, "id", true);
            let at = format!("{file}:{}", c.line);
            let id_level = valid_criterion_id(&id);
            if !id.is_empty() && id_level.is_none() {
                cx.err(c.line, format!("criterion id `{id}` must look like L<1-4>.<area>.<name> or P.<name>"));
            }
            if let Some(prev) = seen.insert(id.clone(), at.clone()) {
                cx.err(c.line, format!("duplicate id `{id}` (first defined at {prev})"));
            }
            let level = c.get("level").and_then(Node::as_str).and_then(|l| l.parse::<u8>().ok());
            let level = match level {
                Some(l) if l <= 4 => l,
                _ => {
                    cx.err(c.line, "`level` must be an integer 0-4");
                    0
                }
            };
            if id_level.is_some_and(|il| il != level) {
                cx.err(c.line, format!("id `{id}` does not match level {level}"));
            }
            let kind = match cx.string(c, "kind", true).as_str() {
                "required" => CriterionKind::Required,
                "supporting" => CriterionKind::Supporting,
                "not-assessed" => CriterionKind::NotAssessed,
                "" => CriterionKind::Supporting,
                other => {
                    cx.err(c.line, format!("kind `{other}` must be required, supporting or not-assessed"));
                    CriterionKind::Supporting
                }
            };
            let met = c.get("met").and_then(|n| cx.cond(n));
            let partial = c.get("partial").and_then(|n| cx.cond(n));
            if kind != CriterionKind::NotAssessed && c.get("met").is_none() {
                cx.err(c.line, format!("criterion `{id}` has no `met` condition"));
            }
            let anchor = cx.string(c, "anchor", false);
            if !anchor.is_empty() && !matches!(anchor.as_str(), "ci" | "readme" | "config") {
                cx.err(c.line, format!("anchor `{anchor}` must be ci, readme or config"));
            }
            pack.criteria.push(Criterion {
                id,
                level,
                kind,
                title: cx.string(c, "title", true),
                source: cx.string(c, "source", false),
                summary: cx.string(c, "summary", true),
                remediation: cx.string(c, "remediation", kind != CriterionKind::NotAssessed),
                evidence_doc: cx.string(c, "evidence_doc", false),
                anchor: if anchor.is_empty() { "readme".into() } else { anchor },
                met,
                partial,
                defined_at: at,
            });
        }
        for a in doc.get("advice").map(Node::items).unwrap_or_default() {
            cx.check_fields(a, &["id", "title", "severity", "summary", "remediation", "when"], "an advice rule");
            let id = cx.string(a, "id", true);
            let at = format!("{file}:{}", a.line);
            if !id.is_empty() && !valid_advice_id(&id) {
                cx.err(a.line, format!("advice id `{id}` must look like A.<kebab-name>"));
            }
            if let Some(prev) = seen.insert(id.clone(), at.clone()) {
                cx.err(a.line, format!("duplicate id `{id}` (first defined at {prev})"));
            }
            let severity = cx.string(a, "severity", true);
            if !severity.is_empty() && !matches!(severity.as_str(), "note" | "warning" | "error") {
                cx.err(a.line, format!("severity `{severity}` must be note, warning or error"));
            }
            let when = match a.get("when") {
                Some(n) => cx.cond(n),
                None => {
                    cx.err(a.line, format!("advice `{id}` has no `when` condition"));
                    None
                }
            };
            let title = cx.string(a, "title", true);
            let summary = cx.string(a, "summary", true);
            let remediation = cx.string(a, "remediation", true);
            if let Some(when) = when {
                pack.advice.push(Advice { id, title, severity, summary, remediation, when, defined_at: at });
            }
        }
        errs.extend(cx.errs);
    }
    if pack.criteria.is_empty() && errs.is_empty() {
        errs.push("the rule pack defines no criteria".into());
    }
    if errs.is_empty() {
        Ok(pack)
    } else {
        Err(PackError(errs))
    }
}
