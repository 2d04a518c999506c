//! `mlops-level fleet` and `mlops-level merge`: scan many local checkouts,
//! one JSON line per repository (its schema-v1 report plus `path`, or `path`
//! and `error`), and the aggregate of such lines (level distribution, each
//! criterion's share, what caps the level most often).
//!
//! Decisions (see `docs/fleet.md`):
//! - The repository list is deduplicated and sorted by path (byte order of the
//!   path as given); `--shard I/N` keeps the repositories at 0-based sorted
//!   index `k` with `k % N == I - 1`. Same list, same shards, on any machine.
//! - Lines are appended to `--out` and flushed as each repository finishes;
//!   when the run completes the file is rewritten (atomically) with one line
//!   per repository in path order, so a finished file is byte-identical from
//!   run to run and `merge` of shards equals one unsharded run.
//! - For a path seen several times (a retried error, overlapping inputs), the
//!   last line wins.

use anyhow::{bail, Context, Result};
use mlops_report::fleet::{Entry, Summary};
use mlops_rules::Pack;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// `fleet` arguments.
#[derive(clap::Args, Debug)]
pub struct FleetArgs {
    /// Repositories (local checkouts) to scan.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also scan the repositories listed in FILE, one path a line (`-`: standard
    /// input; blank lines and lines starting with `#` are ignored).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,
    /// Write one JSON line per repository to FILE as each finishes; the
    /// finished file holds them in path order.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the lines already in `--out` (a run that was killed), drop an
    /// incomplete last line, and scan only the repositories not done yet
    /// (repositories with an error line are scanned again).
    #[arg(long, requires = "out")]
    resume: bool,
    /// Repositories scanned at a time (each scan also uses every core).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Scan only shard I of N (1-based): the repositories at sorted index k
    /// with k mod N = I - 1.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Print the repositories this run would scan (after `--shard` and
    /// `--resume`), one a line, and exit.
    #[arg(long)]
    dry_run: bool,
    /// Format of the aggregate on standard output.
    #[arg(long, value_enum, default_value = "text")]
    format: SummaryFormat,
    /// Append this run to the history database FILE (SQLite; created if missing).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The run's time in the history: seconds since the Unix epoch or
    /// `YYYY-MM-DD[THH:MM:SSZ]` (default: `SOURCE_DATE_EPOCH`, else now).
    #[arg(long, value_name = "TIME", requires = "db", value_parser = crate::history::parse_time)]
    at: Option<i64>,
    /// Rule pack, catalogue files (for every repository) and size cap.
    #[command(flatten)]
    inputs: crate::Inputs,
}

/// `merge` arguments.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// JSON-lines files written by `fleet --out` (e.g. one per shard).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// `jsonl`: the merged lines, one per repository in path order; or the aggregate.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: MergeFormat,
    /// Append the merged run to the history database FILE (SQLite; created if missing).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The run's time in the history (as for `fleet --at`).
    #[arg(long, value_name = "TIME", requires = "db", value_parser = crate::history::parse_time)]
    at: Option<i64>,
}

/// Format of an aggregate.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum SummaryFormat {
    /// For people.
    Text,
    /// Markdown tables (job summaries, wikis).
    Markdown,
    /// For machines.
    Json,
}

/// What `merge` prints.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum MergeFormat {
    /// The merged JSON lines.
    Jsonl,
    /// The aggregate for people.
    Text,
    /// The aggregate in Markdown.
    Markdown,
    /// The aggregate as JSON.
    Json,
    /// A self-contained HTML page: the distribution, each criterion's share
    /// and a table of repositories (docs/html.md).
    Html,
}

/// `--shard I/N`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 1..=count.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

/// Parse `I/N` with 1 <= I <= N.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("`{s}`: expected I/N with 1 <= I <= N, e.g. 2/4 (shards are numbered from 1)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count): (usize, usize) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// A line of the JSON-lines output: the report with `path` first.
#[derive(Serialize)]
struct Line<'a> {
    path: &'a str,
    #[serde(flatten)]
    report: &'a mlops_report::Report,
}

/// The error line of a repository that could not be scanned.
#[derive(Serialize)]
struct ErrorLine<'a> {
    path: &'a str,
    error: &'a str,
}

fn error_line(path: &str, error: &str) -> String {
    serde_json::to_string(&ErrorLine { path, error }).expect("serializes")
}

/// Scan one repository as `scan` does (its own `.mlops-level.yml` applies)
/// and give its line.
fn scan_line(path: &str, root: &Path, pack: &Pack, catalogs: &[PathBuf], max_file_size: u64) -> String {
    let result = (|| -> Result<String> {
        if !root.is_dir() {
            bail!("{}", if root.exists() { "not a directory" } else { "no such directory" });
        }
        std::fs::read_dir(root).with_context(|| "cannot read the directory".to_string())?;
        let config = crate::repo_config(root, pack)?;
        let (_, assessment) = crate::assess(root, pack, &config, root, catalogs, max_file_size)?;
        let report = mlops_report::Report::new(&assessment, pack);
        Ok(serde_json::to_string(&Line { path, report: &report })?)
    })();
    result.unwrap_or_else(|e| error_line(path, &format!("{e:#}")))
}

/// The repositories of the run: the arguments and the list, deduplicated and
/// sorted by path, then this shard's share.
fn repositories(args: &FleetArgs) -> Result<Vec<String>> {
    // A line's `path` is JSON text: a path that is not UTF-8 is refused, not mangled.
    let mut all: BTreeSet<String> = args
        .paths
        .iter()
        .map(|p| p.to_str().map(String::from).ok_or_else(|| anyhow::anyhow!("{}: the path is not valid UTF-8", p.display())))
        .collect::<Result<_>>()?;
    if let Some(list) = &args.list {
        let text = if list.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("cannot read the list from standard input")?;
            s
        } else {
            std::fs::read_to_string(list).with_context(|| format!("cannot read the list {}", list.display()))?
        };
        all.extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from));
    }
    if all.is_empty() {
        bail!("no repositories to scan: give PATH... or --list FILE");
    }
    Ok(match args.shard {
        Some(s) => all.into_iter().enumerate().filter(|(k, _)| k % s.count == s.index - 1).map(|(_, p)| p).collect(),
        None => all.into_iter().collect(),
    })
}

/// Where each path's last line is in a JSON-lines file, with its parsed entry.
struct Indexed {
    lines: BTreeMap<String, (u64, usize, Entry)>,
    /// Bytes of complete lines (where an incomplete last line starts).
    complete_len: u64,
    /// Length of an incomplete last line (0: none).
    partial: u64,
}

/// Read a fleet file: every complete line must be a fleet line; the last one
/// wins for a path. An incomplete last line (no newline: a killed writer) is
/// measured, not parsed.
fn index_file(file: &Path) -> Result<Indexed> {
    let f = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut r = BufReader::new(f);
    let (mut lines, mut offset, mut n, mut buf) = (BTreeMap::new(), 0u64, 0usize, Vec::new());
    loop {
        buf.clear();
        let read = r.read_until(b'\n', &mut buf).with_context(|| format!("cannot read {}", file.display()))?;
        if read == 0 {
            return Ok(Indexed { lines, complete_len: offset, partial: 0 });
        }
        n += 1;
        if buf.last() != Some(&b'\n') {
            return Ok(Indexed { lines, complete_len: offset, partial: read as u64 });
        }
        let text = &buf[..buf.len() - 1];
        let e = Entry::parse(text).map_err(|e| anyhow::anyhow!("{}:{n}: not a fleet line ({e})", file.display()))?;
        lines.insert(e.path.clone(), (offset, read, e));
        offset += read as u64;
    }
}

/// Copy the chosen lines (path order) from their files to `out`.
fn copy_lines(sources: &[PathBuf], picks: &BTreeMap<String, (usize, u64, usize)>, out: &mut impl Write) -> Result<()> {
    let mut files: Vec<File> = sources.iter().map(File::open).collect::<std::io::Result<_>>().context("cannot reopen a fleet file")?;
    let mut buf = Vec::new();
    for (src, offset, len) in picks.values() {
        let f = &mut files[*src];
        f.seek(SeekFrom::Start(*offset))?;
        buf.resize(*len, 0);
        f.read_exact(&mut buf).with_context(|| format!("{} changed while it was read", sources[*src].display()))?;
        out.write_all(&buf)?;
    }
    Ok(())
}

/// Rewrite `out` with the last line of each of `keep`, in path order, atomically.
fn canonicalize(out: &Path, keep: &BTreeSet<String>) -> Result<Vec<Entry>> {
    let idx = index_file(out)?;
    let picks: BTreeMap<String, (usize, u64, usize)> =
        idx.lines.iter().filter(|(p, _)| keep.contains(*p)).map(|(p, (o, l, _))| (p.clone(), (0, *o, *l))).collect();
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = out.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> Result<()> {
        let mut w = std::io::BufWriter::new(File::create(&tmp)?);
        copy_lines(&[out.to_path_buf()], &picks, &mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, out)?;
        Ok(())
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(format!("cannot write {}", out.display())));
    }
    Ok(idx.lines.into_iter().filter(|(p, _)| keep.contains(p)).map(|(_, (_, _, e))| e).collect())
}

/// `mlops-level fleet`.
pub fn fleet(args: FleetArgs, out: &mut impl Write) -> Result<ExitCode> {
    let pack = crate::load_pack(args.inputs.rules.as_deref())?;
    // A broken `--catalog` file is the run's error, not every repository's.
    crate::load_catalog(&args.inputs.catalogs, &mlops_rules::Config::default(), Path::new("."))?;
    let run = repositories(&args)?;
    let mut done: BTreeMap<String, Entry> = BTreeMap::new();
    if let (true, Some(file)) = (args.resume, &args.out) {
        if file.exists() {
            let idx = index_file(file)?;
            if idx.partial > 0 && !args.dry_run {
                let f = std::fs::OpenOptions::new().write(true).open(file).with_context(|| format!("cannot write {}", file.display()))?;
                f.set_len(idx.complete_len).with_context(|| format!("cannot truncate {}", file.display()))?;
                eprintln!("mlops-level: {}: dropped an incomplete last line ({} bytes)", file.display(), idx.partial);
            }
            done = idx.lines.into_iter().map(|(p, (_, _, e))| (p, e)).collect();
        }
    }
    let todo: Vec<&String> = run.iter().filter(|p| done.get(*p).is_none_or(|e| e.error.is_some())).collect();
    if args.dry_run {
        for p in &todo {
            writeln!(out, "{p}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut sink: Option<File> = match &args.out {
        Some(f) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .truncate(false)
                .open(f)
                .and_then(|file| {
                    if !args.resume {
                        file.set_len(0)?;
                    }
                    Ok(file)
                })
                .with_context(|| format!("cannot write {}", f.display()))?,
        ),
        None => None,
    };
    let (next, stop) = (AtomicUsize::new(0), AtomicBool::new(false));
    let jobs = usize::from(args.jobs).min(todo.len()).max(1);
    let mut failure: Option<anyhow::Error> = None;
    std::thread::scope(|s| {
        // Bounded: a worker waits when `jobs` lines are not written yet.
        let (tx, rx) = std::sync::mpsc::sync_channel::<String>(jobs);
        for _ in 0..jobs {
            let tx = tx.clone();
            let (todo, next, stop, pack, args) = (&todo, &next, &stop, &pack, &args);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= todo.len() || stop.load(Ordering::SeqCst) {
                    break;
                }
                let path = todo[i].as_str();
                let line = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    scan_line(path, Path::new(path), pack, &args.inputs.catalogs, args.inputs.max_file_size)
                }))
                .unwrap_or_else(|_| error_line(path, "internal error: the scan panicked (please report it)"));
                if tx.send(line).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for line in rx {
            let entry = match Entry::parse(line.as_bytes()) {
                Ok(e) => e,
                Err(e) => {
                    failure = Some(anyhow::anyhow!("internal error: a fleet line does not read back: {e}"));
                    stop.store(true, Ordering::SeqCst);
                    break;
                }
            };
            if let Some(err) = &entry.error {
                eprintln!("mlops-level: {}: {err}", entry.path);
            }
            if let (Some(f), Some(name)) = (sink.as_mut(), &args.out) {
                let mut bytes = line.into_bytes();
                bytes.push(b'\n');
                // One write per line, then flush: a kill loses nothing written.
                if let Err(e) = f.write_all(&bytes).and_then(|_| f.flush()) {
                    failure = Some(anyhow::Error::new(e).context(format!("cannot write {}", name.display())));
                    stop.store(true, Ordering::SeqCst);
                    break;
                }
            }
            done.insert(entry.path.clone(), entry);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    drop(sink.take());
    let keep: BTreeSet<String> = run.iter().cloned().collect();
    let entries = match &args.out {
        Some(f) => canonicalize(f, &keep)?,
        None => done.into_iter().filter(|(p, _)| keep.contains(p)).map(|(_, e)| e).collect(),
    };
    finish(&entries, args.format, args.db.as_deref(), args.at, out)
}

/// The aggregate on `out`, the history record, and the exit code: 2 when a
/// repository could not be scanned.
fn finish(entries: &[Entry], format: SummaryFormat, db: Option<&Path>, at: Option<i64>, out: &mut impl Write) -> Result<ExitCode> {
    let summary = Summary::new(entries);
    let rendered = match format {
        SummaryFormat::Json => summary.json(),
        SummaryFormat::Text => summary.text(),
        SummaryFormat::Markdown => summary.markdown(),
    };
    out.write_all(rendered.as_bytes())?;
    out.flush()?;
    if let Some(db) = db {
        let at = match at {
            Some(t) => t,
            None => crate::history::now()?,
        };
        crate::history::record(db, at, entries)?;
    }
    Ok(if summary.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// `mlops-level merge`.
pub fn merge(args: MergeArgs, out: &mut impl Write) -> Result<ExitCode> {
    let mut picks: BTreeMap<String, (usize, u64, usize)> = BTreeMap::new();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (i, file) in args.files.iter().enumerate() {
        let idx = index_file(file)?;
        if idx.partial > 0 {
            bail!(
                "{}: the last line is incomplete (a run killed while writing?); finish it with `fleet --resume --out {}` first",
                file.display(),
                file.display()
            );
        }
        // Files in order, lines in order: the last line for a path wins.
        for (path, (offset, len, e)) in idx.lines {
            picks.insert(path.clone(), (i, offset, len));
            entries.insert(path, e);
        }
    }
    let entries: Vec<Entry> = entries.into_values().collect();
    let format = match args.format {
        MergeFormat::Jsonl => {
            let mut w = std::io::BufWriter::new(&mut *out);
            copy_lines(&args.files, &picks, &mut w)?;
            w.flush()?;
            drop(w);
            if let Some(db) = &args.db {
                let at = match args.at {
                    Some(t) => t,
                    None => crate::history::now()?,
                };
                crate::history::record(db, at, &entries)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        MergeFormat::Html => {
            out.write_all(mlops_report::render_fleet_entries_html(&entries, &mlops_report::FleetHtmlOptions::default()).as_bytes())?;
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
        MergeFormat::Text => SummaryFormat::Text,
        MergeFormat::Markdown => SummaryFormat::Markdown,
        MergeFormat::Json => SummaryFormat::Json,
    };
    // The aggregate of merged lines is information, not a failed run: exit 0.
    finish(&entries, format, args.db.as_deref(), args.at, out)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing_is_one_based_and_bounded() {
        assert_eq!(parse_shard("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(parse_shard("1/1"), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "-1/2", ""] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
