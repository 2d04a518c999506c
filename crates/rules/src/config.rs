//! `.mlops-level.yml`: the repository's own settings, loaded in two phases
//! (parse with spans, then validate against the pack), every problem pointing
//! at its line.
//!
//! ```yaml
//! target_level: 2              # the gate when --min-level is not given
//! exclude:                     # paths not scanned (globs, repo-relative)
//!   - "experiments/**"
//! skip:                        # criteria that do not apply here
//!   - id: L4.retrain.triggered
//!     reason: the model is retrained quarterly under contract
//!     expires: 2027-06-30      # optional: after this date the skip lapses
//! declare:                     # practices that live outside the repository
//!   - id: L4.monitor.model
//!     reason: monitored by the platform team's drift service
//!     link: https://wiki.example.com/ml/monitoring
//! projects:                    # a monorepo's projects, when detection is not enough
//!   - path: models/churn
//!     name: churn              # optional: shown in reports (default: the folder name)
//!     target_level: 3          # optional: this project's gate
//! ```
//!
//! Skipped and declared criteria satisfy their level but are reported as
//! `skipped` / `declared`, never as detected.

use crate::{Pack, PackError};
use mlops_detect::yaml::{self, Node};

/// A criterion that does not apply to the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// Criterion id.
    pub id: String,
    /// Why it does not apply.
    pub reason: String,
    /// Date (year, month, day) after which the skip lapses.
    pub expires: Option<(i32, u32, u32)>,
    /// Line in the config file.
    pub line: u32,
}

/// A practice that lives outside the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Criterion id.
    pub id: String,
    /// Where and how it is practised.
    pub reason: String,
    /// A link to where it lives.
    pub link: String,
    /// Line in the config file.
    pub line: u32,
}

/// An exclusion glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclude {
    /// Glob, repo-relative (`experiments/**`).
    pub glob: String,
    /// Line in the config file.
    pub line: u32,
}

/// A project of a monorepo declared in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    /// Folder, repo-relative (`.` for the root).
    pub path: String,
    /// Display name.
    pub name: Option<String>,
    /// This project's gate (overrides the repository's `target_level`).
    pub target_level: Option<u8>,
    /// Line in the config file.
    pub line: u32,
}

/// The repository's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Config file path (as given), for messages.
    pub file: String,
    /// Gate used when `--min-level` is not given.
    pub target_level: Option<u8>,
    /// Paths not scanned.
    pub exclude: Vec<Exclude>,
    /// Criteria that do not apply.
    pub skip: Vec<Skip>,
    /// Practices declared to live elsewhere.
    pub declare: Vec<Declared>,
    /// Catalogue files of the team's own ML APIs: (path relative to the
    /// config's folder, line). Never absolute and never with `..`: a
    /// repository's config cannot make the scanner read outside it.
    pub catalog: Vec<(String, u32)>,
    /// The projects of a monorepo, when declared (used instead of detection).
    pub projects: Vec<ProjectConfig>,
}

fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.trim().split('-');
    let (y, m, d) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    (it.next().is_none() && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Today's date (UTC) as (year, month, day), from the system clock.
pub fn today() -> (i32, u32, u32) {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() / 86_400).unwrap_or(0) as i64;
    civil_from_days(days)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Parse and validate a config against the pack. Every problem is listed.
pub fn parse_config(file: &str, text: &str, pack: &Pack) -> Result<Config, PackError> {
    let mut errs = Vec::new();
    let mut err = |line: u32, msg: String| errs.push(format!("{file}:{line}: {msg}"));
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => return Err(PackError(vec![format!("{file}:{}: not valid YAML: {}", e.line.unwrap_or(1), e.message)])),
    };
    let mut cfg = Config { file: file.to_string(), ..Default::default() };
    if doc.is_null() {
        return Ok(cfg);
    }
    if !doc.is_map() {
        return Err(PackError(vec![format!(
            "{file}:{}: the config is a mapping (target_level, exclude, skip, declare, catalog, projects)",
            doc.line
        )]));
    }
    let known_id = |id: &str| pack.criteria.iter().any(|c| c.id == id);
    let closest = |id: &str| {
        let mut ids: Vec<&str> = pack.criteria.iter().map(|c| c.id.as_str()).collect();
        ids.sort_by_key(|c| distance(c, id));
        ids.first().map(|s| s.to_string()).unwrap_or_default()
    };
    for (k, v) in doc.entries() {
        match k.as_str().unwrap_or("") {
            "target_level" => match v.as_str().and_then(|s| s.parse::<u8>().ok()).filter(|l| *l <= 4) {
                Some(l) => cfg.target_level = Some(l),
                None => err(v.line, "`target_level` must be an integer 0-4".into()),
            },
            "catalog" => {
                if !matches!(v.value, yaml::Value::Seq(_)) {
                    err(v.line, "`catalog` is a list of catalogue files (paths relative to the config)".into());
                }
                for g in v.items() {
                    match g.as_str().map(str::trim) {
                        Some(s) if s.starts_with('/') || s.split(['/', '\\']).any(|c| c == "..") || s.contains(':') => {
                            err(g.line, format!("catalogue `{s}` must be a path inside the repository (relative, without `..`)"))
                        }
                        Some(s) if !s.is_empty() => cfg.catalog.push((s.to_string(), g.line)),
                        _ => err(g.line, "a `catalog` entry is a file path".into()),
                    }
                }
            }
            "projects" => {
                if !matches!(v.value, yaml::Value::Seq(_)) {
                    err(v.line, "`projects` is a list of project folders (`- path: models/churn`)".into());
                }
                for e in v.items() {
                    let (path, name, target) = match e.as_str() {
                        Some(p) => (p.trim().to_string(), None, None),
                        None => {
                            for (ek, _) in e.entries() {
                                let n = ek.as_str().unwrap_or("");
                                if !["path", "name", "target_level"].contains(&n) {
                                    err(
                                        ek.line,
                                        format!("unknown field `{n}` in a `projects` entry (expected one of: path, name, target_level)"),
                                    );
                                }
                            }
                            let target = match e.get("target_level") {
                                None => None,
                                Some(t) => match t.as_str().and_then(|s| s.parse::<u8>().ok()).filter(|l| *l <= 4) {
                                    Some(l) => Some(l),
                                    None => {
                                        err(t.line, "`target_level` must be an integer 0-4".into());
                                        None
                                    }
                                },
                            };
                            let field = |n: &str| e.get(n).and_then(Node::as_str).map(|s| s.trim().to_string());
                            (field("path").unwrap_or_default(), field("name").filter(|n| !n.is_empty()), target)
                        }
                    };
                    let inside = !path.starts_with('/') && !path.split(['/', '\\']).any(|c| c == "..") && !path.contains(':');
                    if path.is_empty() || !inside {
                        err(e.line, "a `projects` entry needs a `path`: a folder inside the repository (relative, without `..`)".into());
                        continue;
                    }
                    let path = path.trim_start_matches("./").trim_end_matches('/');
                    let path = if path.is_empty() { "." } else { path };
                    if cfg.projects.iter().any(|p| p.path == path) {
                        err(e.line, format!("project `{path}` is listed twice"));
                    }
                    cfg.projects.push(ProjectConfig { path: path.to_string(), name, target_level: target, line: e.line });
                }
            }
            "exclude" => {
                if !matches!(v.value, yaml::Value::Seq(_)) {
                    err(v.line, "`exclude` is a list of path globs".into());
                }
                for g in v.items() {
                    match g.as_str() {
                        Some(s) if !s.trim().is_empty() => cfg.exclude.push(Exclude { glob: s.trim().to_string(), line: g.line }),
                        _ => err(g.line, "an `exclude` entry is a path glob string".into()),
                    }
                }
            }
            key @ ("skip" | "declare") => {
                if !matches!(v.value, yaml::Value::Seq(_)) {
                    err(v.line, format!("`{key}` is a list of entries with `id` and `reason`"));
                }
                for e in v.items() {
                    let allowed: &[&str] = if key == "skip" { &["id", "reason", "expires"] } else { &["id", "reason", "link"] };
                    for (ek, _) in e.entries() {
                        let name = ek.as_str().unwrap_or("");
                        if !allowed.contains(&name) {
                            err(ek.line, format!("unknown field `{name}` in a `{key}` entry (expected one of: {})", allowed.join(", ")));
                        }
                    }
                    let field = |n: &str| e.get(n).and_then(Node::as_str).map(|s| s.trim().to_string()).unwrap_or_default();
                    let id = field("id");
                    let reason = field("reason");
                    if id.is_empty() {
                        err(e.line, format!("a `{key}` entry needs an `id`"));
                    } else if !known_id(&id) {
                        err(
                            e.get("id").map(|n| n.line).unwrap_or(e.line),
                            format!("unknown criterion `{id}` (did you mean `{}`?)", closest(&id)),
                        );
                    } else if pack.criterion(&id).is_some_and(|c| c.kind == crate::CriterionKind::NotAssessed) {
                        err(e.line, format!("`{id}` is never assessed; there is nothing to {key}"));
                    }
                    if reason.is_empty() {
                        err(e.line, format!("a `{key}` entry needs a `reason` (it is shown in every report)"));
                    }
                    if key == "skip" {
                        let expires = match e.get("expires").and_then(Node::as_str) {
                            None => None,
                            Some(s) => match parse_date(s) {
                                Some(d) => Some(d),
                                None => {
                                    err(
                                        e.get("expires").map(|n| n.line).unwrap_or(e.line),
                                        format!("`expires` must be a date YYYY-MM-DD, not `{s}`"),
                                    );
                                    None
                                }
                            },
                        };
                        cfg.skip.push(Skip { id, reason, expires, line: e.line });
                    } else {
                        cfg.declare.push(Declared { id, reason, link: field("link"), line: e.line });
                    }
                }
            }
            other => {
                err(k.line, format!("unknown field `{other}` (expected one of: target_level, exclude, skip, declare, catalog, projects)"))
            }
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    for (id, line) in cfg.skip.iter().map(|s| (&s.id, s.line)).chain(cfg.declare.iter().map(|d| (&d.id, d.line))) {
        if let Some(prev) = seen.insert(id.clone(), line) {
            err(line, format!("`{id}` is already skipped or declared at line {prev}"));
        }
    }
    if errs.is_empty() {
        Ok(cfg)
    } else {
        Err(PackError(errs))
    }
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let pack = crate::load_embedded().unwrap();
        let text = "target_level: 2\nexclude:\n  - experiments/**\nskip:\n  - id: L4.retrain.triggered\n    reason: retrained by contract\n    expires: 2027-06-30\ndeclare:\n  - id: L4.monitor.model\n    reason: platform team\n    link: https://wiki.example.com/m\n";
        let c = parse_config(".mlops-level.yml", text, &pack).unwrap();
        assert_eq!(c.target_level, Some(2));
        assert_eq!(c.exclude[0].glob, "experiments/**");
        assert_eq!(c.skip[0].expires, Some((2027, 6, 30)));
        assert_eq!(c.declare[0].link, "https://wiki.example.com/m");
    }

    #[test]
    fn lists_every_problem_with_its_line() {
        let pack = crate::load_embedded().unwrap();
        let text = "target_level: 7\ncolour: red\nskip:\n  - id: L4.retrain.trigered\n    expires: soon\n  - id: P.collaboration\n    reason: n/a\ndeclare:\n  - id: L4.monitor.model\n    reason: x\n    url: y\n";
        let e = parse_config(".mlops-level.yml", text, &pack).unwrap_err().0.join("\n");
        assert!(e.contains(".mlops-level.yml:1: `target_level` must be an integer 0-4"), "{e}");
        assert!(e.contains(".mlops-level.yml:2: unknown field `colour`"), "{e}");
        assert!(e.contains("did you mean `L4.retrain.triggered`"), "{e}");
        assert!(e.contains("needs a `reason`"), "{e}");
        assert!(e.contains("`expires` must be a date"), "{e}");
        assert!(e.contains("never assessed"), "{e}");
        assert!(e.contains(":11: unknown field `url`"), "{e}");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_819), (2027, 1, 1));
        assert_eq!(parse_date("2026-02-30").map(|d| d.0), Some(2026));
        assert_eq!(parse_date("2026-13-01"), None);
    }
}
