//! The history database (`fleet --db FILE`, `merge --db FILE`) and
//! `mlops-level history`: each completed fleet run appended to an embedded
//! SQLite database, read back as each repository's and the organisation's
//! levels over time. Schema (version 1, `PRAGMA user_version`) in
//! `docs/fleet.md`.

use anyhow::{bail, Context, Result};
use mlops_report::fleet::Entry;
use rusqlite::{params, Connection, OpenFlags};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
  id            INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,   -- seconds since the Unix epoch (UTC)
  tool_version  TEXT NOT NULL,
  repositories  INTEGER NOT NULL,
  errors        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS repositories (
  run_id             INTEGER NOT NULL REFERENCES runs(id),
  path               TEXT NOT NULL,
  level              INTEGER,       -- NULL: could not be scanned
  level_if_uncapped  INTEGER,
  capped_by          TEXT NOT NULL, -- JSON array of criterion ids
  error              TEXT,
  PRIMARY KEY (run_id, path)
);
CREATE TABLE IF NOT EXISTS criteria (
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  path       TEXT NOT NULL,
  criterion  TEXT NOT NULL,
  status     TEXT NOT NULL,
  PRIMARY KEY (run_id, path, criterion)
);
";

/// `history` arguments.
#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The history database written by `fleet --db` / `merge --db`.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// Show the last N runs.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    last: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: HistoryFormat,
}

/// What `history` prints.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum HistoryFormat {
    /// Tables for people.
    Text,
    /// For machines.
    Json,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `--at`: seconds since the Unix epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}`: expected seconds since the Unix epoch, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
        None => (s, None),
    };
    let num = |x: &str, lo: i64, hi: i64| x.parse::<i64>().ok().filter(|n| (lo..=hi).contains(n) && x.len() >= 2).ok_or_else(bad);
    let d: Vec<&str> = date.split('-').collect();
    let [y, mo, da] = d[..] else { return Err(bad()) };
    let (y, mo, da) = (num(y, 1970, 9999)?, num(mo, 1, 12)?, num(da, 1, 31)?);
    if mlops_rules::civil_from_days(days_from_civil(y, mo, da)) != (y as i32, mo as u32, da as u32) {
        return Err(bad());
    }
    let secs = match time {
        None => 0,
        Some(t) => {
            let t: Vec<&str> = t.split(':').collect();
            let [h, mi, se] = t[..] else { return Err(bad()) };
            num(h, 0, 23)? * 3600 + num(mi, 0, 59)? * 60 + num(se, 0, 59)?
        }
    };
    Ok(days_from_civil(y, mo, da) * 86_400 + secs)
}

/// RFC 3339 UTC, e.g. `2025-01-31T08:00:00Z`.
pub fn format_time(t: i64) -> String {
    let (y, m, d) = mlops_rules::civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// The run's time when `--at` is not given: `SOURCE_DATE_EPOCH`, else the wall clock.
pub fn now() -> Result<i64> {
    if let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH").filter(|v| !v.is_empty()) {
        let v = v.to_string_lossy();
        return v.trim().parse().map_err(|_| anyhow::anyhow!("SOURCE_DATE_EPOCH=`{v}`: expected seconds since the Unix epoch"));
    }
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).context("the clock is before 1970")?;
    Ok(d.as_secs() as i64)
}

fn check_version(conn: &Connection, db: &Path) -> Result<()> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if v > SCHEMA_VERSION {
        bail!("{}: history schema version {v} is newer than this mlops-level understands ({SCHEMA_VERSION})", db.display());
    }
    Ok(())
}

/// Append one completed run (one entry per repository) to the database at `db`.
pub fn record(db: &Path, at: i64, entries: &[Entry]) -> Result<i64> {
    let ctx = || format!("history database {}", db.display());
    let mut conn = Connection::open(db).with_context(ctx)?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).with_context(ctx)?;
    check_version(&conn, db).with_context(ctx)?;
    let tx = conn.transaction().with_context(ctx)?;
    tx.execute_batch(SCHEMA).with_context(ctx)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).with_context(ctx)?;
    let errors = entries.iter().filter(|e| e.error.is_some()).count();
    tx.execute(
        "INSERT INTO runs (at, tool_version, repositories, errors) VALUES (?1, ?2, ?3, ?4)",
        params![at, env!("CARGO_PKG_VERSION"), entries.len() as i64, errors as i64],
    )
    .with_context(ctx)?;
    let run = tx.last_insert_rowid();
    {
        let mut repo = tx
            .prepare("INSERT INTO repositories (run_id, path, level, level_if_uncapped, capped_by, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .with_context(ctx)?;
        let mut crit = tx.prepare("INSERT INTO criteria (run_id, path, criterion, status) VALUES (?1, ?2, ?3, ?4)").with_context(ctx)?;
        for e in entries {
            let capped = serde_json::to_string(&e.capped_by)?;
            repo.execute(params![run, e.path, e.level, e.level_if_uncapped, capped, e.error]).with_context(ctx)?;
            for c in &e.criteria {
                crit.execute(params![run, e.path, c.id, c.status]).with_context(ctx)?;
            }
        }
    }
    tx.commit().with_context(ctx)?;
    Ok(run)
}

/// One run of the organisation.
#[derive(Debug, Serialize)]
struct RunOut {
    run: i64,
    at: String,
    repositories: i64,
    errors: i64,
    /// Lower median level of the scanned repositories.
    median_level: Option<u8>,
    mean_level: Option<f64>,
    /// Repositories at level 0..=4.
    levels: [usize; 5],
}

/// One repository in one run.
#[derive(Debug, Serialize)]
struct Point {
    run: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct RepoOut {
    path: String,
    runs: Vec<Point>,
}

#[derive(Debug, Serialize)]
struct HistoryOut {
    runs: Vec<RunOut>,
    repositories: Vec<RepoOut>,
}

fn load(db: &Path, last: u32) -> Result<HistoryOut> {
    if !db.is_file() {
        bail!("{}: no such history database (`fleet --db FILE` creates one)", db.display());
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check_version(&conn, db)?;
    let mut stmt = conn.prepare("SELECT id, at, repositories, errors FROM runs ORDER BY at DESC, id DESC LIMIT ?1")?;
    let mut runs: Vec<(i64, i64, i64, i64)> =
        stmt.query_map([last], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    runs.reverse();
    let mut repos: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    let mut out = Vec::new();
    let mut q = conn.prepare("SELECT path, level, error FROM repositories WHERE run_id = ?1 ORDER BY path")?;
    for (id, at, repositories, errors) in runs {
        let rows: Vec<(String, Option<u8>, Option<String>)> =
            q.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut lv: Vec<u8> = rows.iter().filter_map(|r| r.1).collect();
        lv.sort_unstable();
        let mut levels = [0usize; 5];
        for l in &lv {
            levels[usize::from(*l).min(4)] += 1;
        }
        let n = lv.len();
        out.push(RunOut {
            run: id,
            at: format_time(at),
            repositories,
            errors,
            median_level: (n > 0).then(|| lv[(n - 1) / 2]),
            mean_level: (n > 0).then(|| (lv.iter().map(|l| f64::from(*l)).sum::<f64>() / n as f64 * 100.0).round() / 100.0),
            levels,
        });
        for (path, level, error) in rows {
            repos.entry(path).or_default().push(Point { run: id, level, error });
        }
    }
    Ok(HistoryOut { runs: out, repositories: repos.into_iter().map(|(path, runs)| RepoOut { path, runs }).collect() })
}

fn text(h: &HistoryOut) -> String {
    let mut s = format!("Organisation ({} run{})\n", h.runs.len(), if h.runs.len() == 1 { "" } else { "s" });
    s += &format!(
        "  {:>4}  {:<20}  {:>5}  {:>6}  {:>6}  {:>4}  {:>3} {:>3} {:>3} {:>3} {:>3}\n",
        "RUN", "AT", "REPOS", "ERRORS", "MEDIAN", "MEAN", "L0", "L1", "L2", "L3", "L4"
    );
    for r in &h.runs {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        s += &format!(
            "  {:>4}  {:<20}  {:>5}  {:>6}  {:>6}  {:>4}  {:>3} {:>3} {:>3} {:>3} {:>3}\n",
            r.run,
            r.at,
            r.repositories,
            r.errors,
            opt(r.median_level.map(|m| m.to_string())),
            opt(r.mean_level.map(|m| format!("{m:.2}"))),
            r.levels[0],
            r.levels[1],
            r.levels[2],
            r.levels[3],
            r.levels[4]
        );
    }
    let width = h.repositories.iter().map(|r| r.path.chars().count()).max().unwrap_or(4).max(4);
    s += "\nRepositories (level in each run; `.` not in the run, `!` could not be scanned)\n";
    s += &format!("  {:<width$}", "PATH");
    for r in &h.runs {
        s += &format!(" {:>4}", format!("#{}", r.run));
    }
    s += "  CHANGE\n";
    for repo in &h.repositories {
        s += &format!("  {:<width$}", repo.path);
        for r in &h.runs {
            let cell = match repo.runs.iter().find(|p| p.run == r.run) {
                None => ".".to_string(),
                Some(Point { level: Some(l), .. }) => l.to_string(),
                Some(_) => "!".to_string(),
            };
            s += &format!(" {cell:>4}");
        }
        let known: Vec<u8> = repo.runs.iter().filter_map(|p| p.level).collect();
        let change = match (known.first(), known.last()) {
            (Some(a), Some(b)) if known.len() > 1 => match i16::from(*b) - i16::from(*a) {
                0 => "=".to_string(),
                d => format!("{d:+}"),
            },
            _ => "-".to_string(),
        };
        s += &format!("  {change}\n");
    }
    s
}

/// `mlops-level history`.
pub fn history(args: HistoryArgs, out: &mut impl Write) -> Result<ExitCode> {
    let h = load(&args.db, args.last).with_context(|| format!("history database {}", args.db.display()))?;
    match args.format {
        HistoryFormat::Text => out.write_all(text(&h).as_bytes())?,
        HistoryFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&h)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_format_as_utc() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_time("2024-02-29"), Ok(1_709_164_800));
        assert_eq!(parse_time("2024-02-29T12:34:56Z"), Ok(1_709_164_800 + 12 * 3600 + 34 * 60 + 56));
        assert_eq!(format_time(1_709_164_800 + 45_296), "2024-02-29T12:34:56Z");
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        for bad in ["2023-02-29", "2024-13-01", "2024-01-01T25:00:00Z", "2024-01-01T10:00:00", "yesterday", "2024-1-1"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
