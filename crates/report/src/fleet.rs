//! The fleet: the line `fleet` writes per repository ([`Entry`]) and the
//! aggregate of many lines ([`Summary`]): level distribution, each
//! criterion's share, what caps the level most often. The `fleet` and
//! `merge` summaries (JSON, text, Markdown) and the fleet HTML page all
//! render this one aggregate.

use mlops_rules::LEVEL_TITLES;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The part of a fleet line the aggregate and the history read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Entry {
    /// The repository as given to `fleet`.
    pub path: String,
    /// The report's schema version (1); absent on an error line.
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// Why it could not be scanned (then nothing else is set).
    #[serde(default)]
    pub error: Option<String>,
    /// Inferred level.
    #[serde(default)]
    pub level: Option<u8>,
    /// Level reached once `capped_by` is met.
    #[serde(default)]
    pub level_if_uncapped: Option<u8>,
    /// Required criteria that stop the next level.
    #[serde(default)]
    pub capped_by: Vec<String>,
    /// Every criterion with its status.
    #[serde(default)]
    pub criteria: Vec<EntryCriterion>,
}

/// One criterion of a fleet line.
#[derive(Debug, Clone, Deserialize)]
pub struct EntryCriterion {
    /// Stable id.
    pub id: String,
    /// Level.
    pub level: u8,
    /// required / supporting / not-assessed.
    pub kind: String,
    /// Title.
    pub title: String,
    /// met / partial / missing / not-assessed / declared / skipped.
    pub status: String,
}

impl Entry {
    /// Parse one line: an error line (`path`, `error`) or a schema-v1 report
    /// with `path` and a level of 0-4.
    pub fn parse(line: &[u8]) -> Result<Entry, String> {
        Self::check(serde_json::from_slice(line).map_err(|e| e.to_string())?)
    }

    /// [`Entry::parse`] of a line already read as JSON.
    pub fn from_value(v: &Value) -> Result<Entry, String> {
        Self::check(Entry::deserialize(v).map_err(|e| e.to_string())?)
    }

    fn check(e: Entry) -> Result<Entry, String> {
        if e.error.is_some() {
            return Ok(e);
        }
        match (e.schema_version, e.level) {
            (Some(1), Some(l)) if l <= mlops_rules::MAX_LEVEL => Ok(e),
            (Some(1), Some(l)) => Err(format!("level {l} is not 0-{}", mlops_rules::MAX_LEVEL)),
            (Some(1), None) => Err("neither `level` nor `error`".into()),
            _ => Err("not an mlops-level report (schema_version 1)".into()),
        }
    }
}

/// One criterion across the fleet.
#[derive(Debug, Serialize)]
pub struct CriterionShare {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Level.
    pub level: u8,
    /// required / supporting / not-assessed.
    pub kind: String,
    /// Repositories where it counts as satisfied (met, declared or skipped).
    pub meeting: usize,
    /// Repositories per status.
    pub statuses: BTreeMap<String, usize>,
    /// `meeting` / scanned repositories, rounded to 3 decimals (`null` for a
    /// criterion that cannot be assessed from files).
    pub share: Option<f64>,
}

impl CriterionShare {
    fn count(&self, status: &str) -> usize {
        self.statuses.get(status).copied().unwrap_or(0)
    }

    /// Repositories where it is met.
    pub fn met(&self) -> usize {
        self.count("met")
    }

    /// Repositories whose config declares or skips it.
    pub fn configured(&self) -> usize {
        self.count("declared") + self.count("skipped")
    }

    /// Repositories where it was assessed (any status but not-assessed).
    pub fn assessed(&self) -> usize {
        self.statuses.values().sum::<usize>() - self.count("not-assessed")
    }
}

/// One criterion that caps repositories' levels.
#[derive(Debug, Serialize)]
pub struct Cap {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Level it belongs to.
    pub level: u8,
    /// Repositories whose next level it stops.
    pub repositories: usize,
    /// `repositories` / scanned, rounded to 3 decimals.
    pub share: f64,
}

/// One level's count.
#[derive(Debug, Serialize)]
pub struct LevelCount {
    /// 0-4.
    pub level: u8,
    /// Its title.
    pub title: &'static str,
    /// Repositories at this level.
    pub repositories: usize,
    /// Share of scanned, rounded to 3 decimals.
    pub share: f64,
}

/// A repository that could not be scanned.
#[derive(Debug, Serialize)]
pub struct Failed {
    /// The path.
    pub path: String,
    /// Why.
    pub error: String,
}

/// The fleet aggregate.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Repositories in the run.
    pub repositories: usize,
    /// Repositories scanned.
    pub scanned: usize,
    /// The lower median level of scanned repositories.
    pub median_level: Option<u8>,
    /// The mean level, rounded to 2 decimals.
    pub mean_level: Option<f64>,
    /// Repositories per level.
    pub levels: Vec<LevelCount>,
    /// Each criterion's share of repositories meeting it, in rule-pack order.
    pub criteria: Vec<CriterionShare>,
    /// Criteria that cap the level, most often first.
    pub capped_by: Vec<Cap>,
    /// Repositories that could not be scanned.
    pub errors: Vec<Failed>,
}

fn ratio(n: usize, d: usize, places: i32) -> f64 {
    if d == 0 {
        return 0.0;
    }
    let m = 10f64.powi(places);
    ((n as f64 / d as f64) * m).round() / m
}

/// `n of d` as a whole percentage for the text and Markdown tables (`-` when `d` is 0).
fn pct(n: usize, d: usize) -> String {
    crate::percent(n, d).map_or_else(|| "-".into(), |p| format!("{p}%"))
}

impl Summary {
    /// Aggregate fleet entries (one per repository).
    pub fn new<E: Borrow<Entry>>(entries: &[E]) -> Summary {
        let scanned: Vec<&Entry> = entries.iter().map(Borrow::borrow).filter(|e| e.error.is_none()).collect();
        let n = scanned.len();
        let mut levels: Vec<u8> = scanned.iter().filter_map(|e| e.level).collect();
        levels.sort_unstable();
        let level_counts = (0..=4u8)
            .map(|l| {
                let c = levels.iter().filter(|x| **x == l).count();
                LevelCount { level: l, title: LEVEL_TITLES[l as usize], repositories: c, share: ratio(c, n, 3) }
            })
            .collect();
        let mut criteria: Vec<CriterionShare> = Vec::new();
        let mut pos: BTreeMap<String, usize> = BTreeMap::new();
        for e in &scanned {
            for c in &e.criteria {
                let i = *pos.entry(c.id.clone()).or_insert_with(|| {
                    criteria.push(CriterionShare {
                        id: c.id.clone(),
                        title: c.title.clone(),
                        level: c.level,
                        kind: c.kind.clone(),
                        meeting: 0,
                        statuses: BTreeMap::new(),
                        share: None,
                    });
                    criteria.len() - 1
                });
                *criteria[i].statuses.entry(c.status.clone()).or_default() += 1;
                if matches!(c.status.as_str(), "met" | "declared" | "skipped") {
                    criteria[i].meeting += 1;
                }
            }
        }
        for c in &mut criteria {
            if c.kind != "not-assessed" {
                c.share = Some(ratio(c.meeting, n, 3));
            }
        }
        let mut caps: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &scanned {
            for id in &e.capped_by {
                *caps.entry(id.as_str()).or_default() += 1;
            }
        }
        let mut capped_by: Vec<Cap> = caps
            .into_iter()
            .map(|(id, c)| {
                let (title, level) = criteria.iter().find(|x| x.id == id).map(|x| (x.title.clone(), x.level)).unwrap_or_default();
                Cap { id: id.to_string(), title, level, repositories: c, share: ratio(c, n, 3) }
            })
            .collect();
        capped_by.sort_by(|a, b| b.repositories.cmp(&a.repositories).then_with(|| a.id.cmp(&b.id)));
        Summary {
            repositories: entries.len(),
            scanned: n,
            median_level: if n == 0 { None } else { Some(levels[(n - 1) / 2]) },
            mean_level: if n == 0 { None } else { Some(ratio(levels.iter().map(|l| *l as usize).sum(), n, 2)) },
            levels: level_counts,
            criteria,
            capped_by,
            errors: entries
                .iter()
                .map(Borrow::borrow)
                .filter_map(|e: &Entry| Some(Failed { path: e.path.clone(), error: e.error.clone()? }))
                .collect(),
        }
    }

    /// The aggregate as pretty JSON (deterministic).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializes") + "\n"
    }

    fn headline(&self) -> String {
        let mut s = format!("{} repositories, {} scanned", self.repositories, self.scanned);
        if !self.errors.is_empty() {
            s += &format!(", {} could not be scanned", self.errors.len());
        }
        if let (Some(m), Some(a)) = (self.median_level, self.mean_level) {
            s += &format!("; median level {m}, mean {a:.2}");
        }
        s
    }

    /// The aggregate for people.
    pub fn text(&self) -> String {
        let n = self.scanned;
        let mut s = format!("Fleet: {}\n\nLevels\n", self.headline());
        for l in &self.levels {
            s += &format!("  {} {:<32} {:>5}  {:>4}\n", l.level, l.title, l.repositories, pct(l.repositories, n));
        }
        s += &format!("\nCriteria (repositories meeting each, of {n} scanned)\n");
        for c in &self.criteria {
            match c.share {
                Some(_) => s += &format!("  {:<30} {:>5}  {:>4}  {}\n", c.id, c.meeting, pct(c.meeting, n), c.title),
                None => s += &format!("  {:<30} {:>5}  {:>4}  {} (not assessed)\n", c.id, "-", "", c.title),
            }
        }
        s += "\nMost often capping the level (repositories whose next level it stops)\n";
        if self.capped_by.is_empty() {
            s += "  none\n";
        }
        for c in &self.capped_by {
            s += &format!("  {:<30} {:>5}  {:>4}  {}\n", c.id, c.repositories, pct(c.repositories, n), c.title);
        }
        if !self.errors.is_empty() {
            s += "\nCould not be scanned\n";
            for e in &self.errors {
                s += &format!("  {}: {}\n", e.path, e.error);
            }
        }
        s
    }

    /// The aggregate as Markdown tables.
    pub fn markdown(&self) -> String {
        let n = self.scanned;
        let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
        let mut s =
            format!("## MLOps maturity of the fleet\n\n{}.\n\n| level | repositories | share |\n|---|---:|---:|\n", self.headline());
        for l in &self.levels {
            s += &format!("| {} {} | {} | {} |\n", l.level, l.title, l.repositories, pct(l.repositories, n));
        }
        s += "\n### Criteria\n\n| criterion | level | meeting | share |\n|---|---:|---:|---:|\n";
        for c in &self.criteria {
            match c.share {
                Some(_) => s += &format!("| `{}` {} | {} | {} | {} |\n", c.id, cell(&c.title), c.level, c.meeting, pct(c.meeting, n)),
                None => s += &format!("| `{}` {} | {} | - | not assessed |\n", c.id, cell(&c.title), c.level),
            }
        }
        s += "\n### Most often capping the level\n\n";
        if self.capped_by.is_empty() {
            s += "None.\n";
        } else {
            s += "| criterion | level | repositories capped | share |\n|---|---:|---:|---:|\n";
            for c in &self.capped_by {
                s += &format!("| `{}` {} | {} | {} | {} |\n", c.id, cell(&c.title), c.level, c.repositories, pct(c.repositories, n));
            }
        }
        if !self.errors.is_empty() {
            s += "\n### Could not be scanned\n\n| repository | error |\n|---|---|\n";
            for e in &self.errors {
                s += &format!("| `{}` | {} |\n", cell(&e.path), cell(&e.error));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, level: Option<u8>, capped_by: &[&str], statuses: &[(&str, &str)]) -> Entry {
        Entry {
            path: path.into(),
            schema_version: level.map(|_| 1),
            error: level.is_none().then(|| "no such directory".to_string()),
            level,
            level_if_uncapped: level,
            capped_by: capped_by.iter().map(|s| s.to_string()).collect(),
            criteria: statuses
                .iter()
                .map(|(id, st)| EntryCriterion {
                    id: id.to_string(),
                    level: 1,
                    kind: if *id == "P.x" { "not-assessed".into() } else { "required".into() },
                    title: format!("title of {id}"),
                    status: st.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn summary_counts_levels_shares_caps_and_errors() {
        let es = vec![
            entry("a", Some(0), &["L1.b", "L1.a"], &[("L1.a", "missing"), ("L1.b", "partial"), ("P.x", "not-assessed")]),
            entry("b", Some(1), &[], &[("L1.a", "met"), ("L1.b", "declared"), ("P.x", "not-assessed")]),
            entry("c", Some(0), &["L1.b"], &[("L1.a", "skipped"), ("L1.b", "missing"), ("P.x", "not-assessed")]),
            entry("d", None, &[], &[]),
        ];
        let s = Summary::new(&es);
        assert_eq!((s.repositories, s.scanned, s.median_level, s.mean_level), (4, 3, Some(0), Some(0.33)));
        assert_eq!(s.levels.iter().map(|l| l.repositories).collect::<Vec<_>>(), vec![2, 1, 0, 0, 0]);
        let shares: Vec<_> = s.criteria.iter().map(|c| (c.id.as_str(), c.meeting, c.share)).collect();
        assert_eq!(shares, vec![("L1.a", 2, Some(0.667)), ("L1.b", 1, Some(0.333)), ("P.x", 0, None)]);
        let caps: Vec<_> = s.capped_by.iter().map(|c| (c.id.as_str(), c.repositories)).collect();
        assert_eq!(caps, vec![("L1.b", 2), ("L1.a", 1)]);
        assert_eq!(s.errors.len(), 1);
        let text = s.text();
        assert!(text.contains("4 repositories, 3 scanned, 1 could not be scanned; median level 0, mean 0.33"), "{text}");
        assert!(text.contains("  d: no such directory"), "{text}");
        let md = s.markdown();
        assert!(md.contains("| `L1.b` title of L1.b | 1 | 2 | 67% |"), "{md}");
    }

    #[test]
    fn a_line_is_an_error_or_a_schema_v1_report_with_a_level_in_range() {
        let ok = |s: &str| Entry::parse(s.as_bytes());
        assert!(ok(r#"{"path":"a","error":"gone"}"#).is_ok());
        assert!(ok(r#"{"path":"a","schema_version":1,"level":4}"#).is_ok());
        assert_eq!(ok(r#"{"path":"a","schema_version":1,"level":5}"#).unwrap_err(), "level 5 is not 0-4");
        assert_eq!(ok(r#"{"path":"a","schema_version":1}"#).unwrap_err(), "neither `level` nor `error`");
        assert_eq!(ok(r#"{"path":"a","schema_version":2,"level":1}"#).unwrap_err(), "not an mlops-level report (schema_version 1)");
        assert_eq!(ok(r#"{"path":"a","level":1}"#).unwrap_err(), "not an mlops-level report (schema_version 1)");
        assert!(ok("{").is_err());
    }
}
