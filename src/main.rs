//! `mlops-level`: point it at a repository; it tells where the repository
//! stands on the MLOps maturity model (levels 0-4), why, and what to do next.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use mlops_detect::catalog::{Catalog, Matcher};
use mlops_report::{Baseline, Comparison};
use mlops_rules::Pack;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// jemalloc on x86_64 Linux and macOS (docs/architecture.md, "Allocator").
#[cfg(all(target_arch = "x86_64", any(target_os = "linux", target_os = "macos")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod baseline_ref;
mod fleet;
mod history;

#[derive(Parser)]
#[command(name = "mlops-level", version, about = "Infer a repository's MLOps maturity level (0-4) from static evidence, and say why.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a repository and report its level, criteria, evidence and next steps.
    Scan(ScanArgs),
    /// List the criteria of the rule pack (id, level, kind, title).
    Rules(RulesArgs),
    /// List every piece of evidence a scan finds (before the rules judge it), with
    /// its attributes and provenance chain: for debugging detection and writing rules.
    Evidence {
        /// Repository to scan.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Only evidence of these kinds (repeatable), e.g. `--kind code.train`.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// JSON lines instead of text.
        #[arg(long)]
        json: bool,
        /// Also load this catalogue file (repeatable); the repository config's `catalog:` is read too.
        #[arg(long = "catalog", value_name = "FILE")]
        catalogs: Vec<PathBuf>,
    },
    /// List the ML API catalogue: the calls, methods and source patterns of each
    /// platform that count as training, tracking, model versioning, deployment,
    /// traffic splits, monitoring or pipeline triggers.
    Catalog {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
        /// Also load this catalogue file (repeatable), e.g. your in-house SDK.
        #[arg(long = "catalog", value_name = "FILE")]
        catalogs: Vec<PathBuf>,
    },
    /// Print the content literals the scan screens files with and the
    /// catalogue's call names, one per line (for the benchmark: what a text
    /// search doing comparable work looks for).
    #[command(hide = true)]
    ContentPatterns,
    /// Scan many repositories (local checkouts): one JSON line per repository
    /// as each finishes (`--out`), then the fleet's aggregate. See docs/fleet.md.
    Fleet(fleet::FleetArgs),
    /// Join fleet JSON-lines files (e.g. shards) into one, in path order, on
    /// standard output; or print their aggregate.
    Merge(fleet::MergeArgs),
    /// Show each repository's and the organisation's levels over time from a
    /// history database (`fleet --db FILE`).
    History(history::HistoryArgs),
    /// Explain one criterion or advice rule: what it means, how to meet it, what evidence counts.
    Explain {
        /// Criterion or advice id, e.g. L2.train.automated.
        id: String,
        /// Also show how a repository fares on it: status, why, and every
        /// piece of evidence with its chain (as detected; config overrides
        /// are not applied).
        path: Option<PathBuf>,
        /// Use a custom rule pack directory instead of the built-in one.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Also load this catalogue file (repeatable); the repository config's `catalog:` is read too.
        #[arg(long = "catalog", value_name = "FILE")]
        catalogs: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
enum Format {
    /// For people (the default on a terminal).
    Text,
    /// For machines: JSON schema v1 (`schema/report.schema.json`).
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments.
    Markdown,
    /// A self-contained HTML page (no script, no network; docs/html.md).
    Html,
    /// An SVG badge, "MLOps level N" coloured by level.
    Badge,
    /// A shields.io endpoint JSON for the badge.
    BadgeJson,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum RulesFormat {
    /// A table.
    Text,
    /// A JSON list.
    Json,
    /// The rule reference page (`docs/rules.md`).
    Markdown,
}

/// What else fails the gate.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
enum FailOn {
    /// Any advice finding (committed model binaries, hard-coded credentials, ...).
    Advice,
}

/// `-o FORMAT=FILE`: one extra output written to a file.
#[derive(Clone, Debug)]
struct OutputSpec {
    format: Format,
    file: PathBuf,
}

fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (f, file) = s.split_once('=').ok_or_else(|| format!("`{s}`: expected FORMAT=FILE, e.g. sarif=results.sarif"))?;
    let format = Format::from_str(f.trim(), true)
        .map_err(|_| format!("`{f}`: unknown format (expected one of text, json, sarif, markdown, html, badge, badge-json)"))?;
    if file.is_empty() {
        return Err(format!("`{s}`: the file name is empty"));
    }
    Ok(OutputSpec { format, file: PathBuf::from(file) })
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

/// What a scan reads besides the repository: the rule pack, extra
/// catalogue files, the size cap. Shared by `scan` and `fleet`.
#[derive(clap::Args, Debug)]
pub struct Inputs {
    /// Use a custom rule pack directory instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Also load this ML API catalogue file (repeatable): your in-house SDK's
    /// calls that train, track, register, deploy... (see docs/catalog.md).
    #[arg(long = "catalog", value_name = "FILE")]
    pub catalogs: Vec<PathBuf>,
    /// Files larger than this many bytes are reported and not read.
    #[arg(long, value_name = "BYTES", default_value_t = mlops_detect::walk::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_size: u64,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Repository to scan.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write FORMAT to FILE (repeatable): `-o sarif=results.sarif -o markdown=summary.md`.
    #[arg(short = 'o', long = "output", value_name = "FORMAT=FILE", value_parser = parse_output)]
    outputs: Vec<OutputSpec>,
    /// Gate: exit 1 when the inferred level is below N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=4))]
    min_level: Option<u8>,
    /// Repository config (target level, excludes, skipped and declared criteria).
    /// Default: `.mlops-level.yml` / `.mlops-level.yaml` at PATH's root, if present.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore the repository's config file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Gate: exit 1 when the level dropped or a criterion went from met to partial/missing
    /// since FILE, a JSON report saved earlier (e.g. on the base branch).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Gate as --baseline does, against the repository as it was at REV (a
    /// commit, branch or tag), read from git without a checkout, with REV's
    /// own config. See docs/ci.md.
    #[arg(long, value_name = "REV", conflicts_with = "baseline")]
    baseline_ref: Option<String>,
    /// Gate: also exit 1 on these (repeatable; `advice`: any advice finding).
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Vec<FailOn>,
    #[command(flatten)]
    inputs: Inputs,
    /// Evidence items shown per criterion in text output.
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_evidence: usize,
    /// Colour in text output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
    /// In a monorepo, report and gate only the project at this folder
    /// (repository-relative, as listed under "Projects").
    #[arg(long, value_name = "PATH")]
    project: Option<String>,
}

#[derive(clap::Args)]
struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: RulesFormat,
    /// List the evidence kinds detectors emit instead.
    #[arg(long)]
    kinds: bool,
    /// Use a custom rule pack directory instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

fn load_pack(dir: Option<&Path>) -> Result<Pack> {
    let pack = match dir {
        Some(d) => mlops_rules::load_dir(d),
        None => mlops_rules::load_embedded(),
    };
    pack.map_err(|e| anyhow::anyhow!("{e}"))
}

/// The catalogue in force: the built-in one, plus the config's `catalog:`
/// files (relative to the config's folder) and the `--catalog` files.
/// `None` when nothing is added. A malformed file is an error (exit 2).
fn load_catalog(cli: &[PathBuf], config: &mlops_rules::Config, config_dir: &Path) -> Result<Option<Arc<Catalog>>> {
    let mut sources = Vec::new();
    for (rel, line) in &config.catalog {
        let p = config_dir.join(rel);
        // A symbolic link must not lead a repository's config outside its folder.
        let inside = match (p.canonicalize(), config_dir.canonicalize()) {
            (Ok(f), Ok(d)) => f.starts_with(d) && f.is_file(),
            _ => false,
        };
        if !inside {
            anyhow::bail!("{}:{line}: catalogue `{rel}` is not a file inside {}", config.file, config_dir.display());
        }
        let text = std::fs::read_to_string(&p).with_context(|| format!("{}:{line}: cannot read catalogue {rel}", config.file))?;
        sources.push((rel.clone(), text));
    }
    for p in cli {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read catalogue {}", p.display()))?;
        sources.push((p.display().to_string(), text));
    }
    if sources.is_empty() {
        return Ok(None);
    }
    Catalog::builtin_with(sources).map(|c| Some(Arc::new(c))).map_err(|e| anyhow::anyhow!("the catalogue is invalid:\n{e}"))
}

/// The repository config at `root` (or none), for commands that only need its catalogue.
fn repo_config(root: &Path, pack: &Pack) -> Result<mlops_rules::Config> {
    let Some(path) = [".mlops-level.yml", ".mlops-level.yaml"].iter().map(|n| root.join(n)).find(|p| p.is_file()) else {
        return Ok(mlops_rules::Config::default());
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read config {}", path.display()))?;
    let name = path.strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_else(|_| path.display().to_string());
    mlops_rules::parse_config(&name, &text, pack)
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().replace("the rule pack is invalid", "the config is invalid")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mlops-level: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Scan(args) => scan(args, &mut out),
        Command::Fleet(args) => fleet::fleet(args, &mut out),
        Command::Merge(args) => fleet::merge(args, &mut out),
        Command::History(args) => history::history(args, &mut out),
        Command::Rules(args) => {
            if args.kinds {
                for k in mlops_detect::kinds::KINDS {
                    writeln!(out, "{:<24} {}", k.name, k.doc)?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let pack = load_pack(args.rules.as_deref())?;
            if args.format == RulesFormat::Markdown {
                out.write_all(mlops_report::render_rules_markdown(&pack).as_bytes())?;
                out.write_all(render_catalog(&Catalog::builtin(), RulesFormat::Markdown).as_bytes())?;
                return Ok(ExitCode::SUCCESS);
            }
            if args.format == RulesFormat::Json {
                let rows: Vec<_> = pack
                    .criteria
                    .iter()
                    .map(|c| serde_json::json!({"id": c.id, "level": c.level, "kind": c.kind.as_str(), "title": c.title}))
                    .chain(pack.advice.iter().map(|a| serde_json::json!({"id": a.id, "level": null, "kind": "advice", "title": a.title})))
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                writeln!(out, "{:<28} {:<5} {:<13} TITLE", "ID", "LEVEL", "KIND")?;
                for c in &pack.criteria {
                    writeln!(out, "{:<28} {:<5} {:<13} {}", c.id, c.level, c.kind.as_str(), c.title)?;
                }
                for a in &pack.advice {
                    writeln!(out, "{:<28} {:<5} {:<13} {}", a.id, "-", format!("advice/{}", a.severity), a.title)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Evidence { path, kinds, json, catalogs } => {
            if !path.is_dir() {
                anyhow::bail!("{}: not a directory", path.display());
            }
            let config = repo_config(&path, &load_pack(None)?)?;
            let opts = mlops_detect::ScanOptions { catalog: load_catalog(&catalogs, &config, &path)?, ..Default::default() };
            let scan = mlops_detect::scan(&path, &opts).map_err(|e| anyhow::anyhow!("{e}"))?;
            for e in scan.evidence.iter().filter(|e| kinds.is_empty() || kinds.iter().any(|k| *k == e.kind)) {
                if json {
                    writeln!(out, "{}", serde_json::to_string(e)?)?;
                } else {
                    let attrs: Vec<String> = e.attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    writeln!(
                        out,
                        "{}:{}  {} ({}, {:?})  {}",
                        e.location.path,
                        e.location.start_line,
                        e.kind,
                        e.detector,
                        e.confidence,
                        attrs.join(" ")
                    )?;
                    if !e.snippet.is_empty() {
                        writeln!(out, "    {}", e.snippet)?;
                    }
                    if let Some(chain) = mlops_report::chain_line(e) {
                        writeln!(out, "    {chain}")?;
                    }
                }
            }
            for i in &scan.issues {
                eprintln!("issue: {}{}  {}  {}", i.path, i.line.map(|l| format!(":{l}")).unwrap_or_default(), i.kind, i.message);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { format, catalogs } => {
            let cat = load_catalog(&catalogs, &mlops_rules::Config::default(), Path::new("."))?.unwrap_or_else(Catalog::builtin);
            out.write_all(render_catalog(&cat, format).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::ContentPatterns => {
            for p in mlops_detect::content_patterns(&Catalog::builtin()) {
                writeln!(out, "{p}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { id, path, rules, catalogs } => {
            let pack = load_pack(rules.as_deref())?;
            if let (Some(path), Some(c)) = (&path, pack.criterion(&id)) {
                if !path.is_dir() {
                    anyhow::bail!("{}: not a directory", path.display());
                }
                let config = repo_config(path, &pack)?;
                let opts = mlops_detect::ScanOptions { catalog: load_catalog(&catalogs, &config, path)?, ..Default::default() };
                let scan = mlops_detect::scan(path, &opts).map_err(|e| anyhow::anyhow!("{e}"))?;
                let a = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
                let r = a.criteria.iter().find(|r| r.id == c.id).expect("every criterion is assessed");
                writeln!(
                    out,
                    "{} — {}
{}: {} (level {} · {})",
                    c.id,
                    c.title,
                    path.display(),
                    r.status.as_str(),
                    c.level,
                    c.kind.as_str()
                )?;
                if let Some(why) = &r.why {
                    writeln!(out, "why partial: {why}")?;
                }
                // Items that print alike (one call seen two ways) show once.
                let mut shown = std::collections::BTreeSet::new();
                for e in &r.evidence {
                    let (line, chain) = (mlops_report::evidence_line(e), mlops_report::chain_line(e));
                    if !shown.insert((line.clone(), chain.clone())) {
                        continue;
                    }
                    writeln!(out, "\n  {line}")?;
                    if let Some(chain) = chain {
                        writeln!(out, "    {chain}")?;
                    }
                }
                if r.evidence.is_empty() {
                    writeln!(out, "\nNo evidence found.")?;
                }
                // Where a chain stopped: a practice behind one of these is not recognised.
                let unfollowed: Vec<_> = scan.issues.iter().filter(|i| i.kind == "unresolved-reference").collect();
                if r.status != mlops_rules::Status::Met && !unfollowed.is_empty() {
                    writeln!(out, "\nNot followed (declare the practice in .mlops-level.yml if one of these is it):")?;
                    for i in unfollowed {
                        writeln!(out, "  {}:{}  {}", i.path, i.line.unwrap_or(1), i.message)?;
                    }
                }
                if r.status != mlops_rules::Status::Met && !c.remediation.is_empty() {
                    writeln!(out, "\nHow to meet it:\n  {}", c.remediation)?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(c) = pack.criterion(&id) {
                writeln!(out, "{} — {}", c.id, c.title)?;
                writeln!(out, "level {} · {}", c.level, c.kind.as_str())?;
                if !c.source.is_empty() {
                    writeln!(out, "\nMaturity model: \"{}\"", c.source)?;
                }
                writeln!(out, "\nWhat it means:\n  {}", c.summary)?;
                if !c.remediation.is_empty() {
                    writeln!(out, "\nHow to meet it:\n  {}", c.remediation)?;
                }
                if !c.evidence_doc.is_empty() {
                    writeln!(out, "\nWhat evidence counts:\n  {}", c.evidence_doc)?;
                }
                writeln!(out, "\nDefined at {}", c.defined_at)?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(a) = pack.advice.iter().find(|a| a.id == id) {
                writeln!(
                    out,
                    "{} — {}\nadvice · {}\n\nWhat it means:\n  {}\n\nHow to fix it:\n  {}\n\nDefined at {}",
                    a.id, a.title, a.severity, a.summary, a.remediation, a.defined_at
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut ids: Vec<&str> = pack.criteria.iter().map(|c| c.id.as_str()).chain(pack.advice.iter().map(|a| a.id.as_str())).collect();
            ids.sort_by_key(|x| strsim(x, &id));
            anyhow::bail!(
                "unknown rule id `{id}` (closest: {}); `mlops-level rules` lists them all",
                ids.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// A small edit distance for "did you mean" suggestions.
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.to_lowercase().chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn read_baseline(path: &Path) -> Result<Baseline> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the baseline {}", path.display()))?;
    Baseline::parse(&text).map_err(|e| anyhow::anyhow!("the baseline {} is invalid: {e}", path.display()))
}

struct Rendered<'a> {
    assessment: &'a mlops_rules::Assessment,
    pack: &'a Pack,
    sources: &'a mlops_report::Sources,
    comparison: Option<&'a Comparison>,
    root: String,
    max_evidence: usize,
}

impl Rendered<'_> {
    fn render(&self, format: Format, color: bool) -> String {
        let (a, pack) = (self.assessment, self.pack);
        match format {
            Format::Json => mlops_report::render_json(a, pack),
            Format::Text => {
                let topts = mlops_report::TextOptions { color, max_evidence: self.max_evidence, root: self.root.clone() };
                mlops_report::render_text(a, pack, &topts)
            }
            Format::Sarif => mlops_report::render_sarif(a, pack, self.sources, &mlops_report::SarifOptions::default()),
            Format::Markdown => mlops_report::render_markdown(a, pack, &mlops_report::MarkdownOptions { comparison: self.comparison }),
            Format::Html => mlops_report::render_html(a, pack, &mlops_report::HtmlOptions { root: self.root.clone() }),
            Format::Badge => mlops_report::render_badge_svg(a.level),
            Format::BadgeJson => mlops_report::render_badge_json(a.level),
        }
    }
}

/// The folder a config's relative paths are read from: the config file's own
/// folder (`--config FILE`), else the scanned root.
fn config_dir(args: &ScanArgs) -> &Path {
    match &args.config {
        Some(p) if !args.no_config => p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")),
        _ => &args.path,
    }
}

/// The catalogue as a table (text), a JSON list, or a Markdown section of `docs/rules.md`.
fn render_catalog(cat: &Catalog, format: RulesFormat) -> String {
    let matcher = |m: &Matcher| match m {
        Matcher::Call(_) => "call",
        Matcher::Method(_) => "method",
        Matcher::Pattern(_) => "pattern",
    };
    match format {
        RulesFormat::Json => {
            let rows: Vec<_> = cat
                .entries
                .iter()
                .map(|e| {
                    let mut o = serde_json::json!({
                        "platform": e.platform,
                        "kind": e.kind,
                        "evidence": e.evidence,
                        "match": {matcher(&e.matcher): e.matcher_text},
                        "tool": e.tool,
                        "needs": e.needs,
                        "attrs": e.attrs.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                        "source": e.source,
                    });
                    if let Some(sa) = &e.script_arg {
                        o["script_arg"] =
                            serde_json::json!({"position": sa.position, "keyword": sa.keyword, "dir_keyword": sa.dir_keyword});
                    }
                    if !e.not_on.is_empty() {
                        o["not_on"] = serde_json::json!(e.not_on);
                    }
                    o
                })
                .collect();
            serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
        }
        RulesFormat::Text => {
            let mut s = format!("{:<20} {:<17} {:<22} {:<7} MATCH\n", "PLATFORM", "KIND", "EVIDENCE", "BY");
            for e in &cat.entries {
                let needs = if e.needs.is_empty() { String::new() } else { format!("  (if importing {})", e.needs.join(" | ")) };
                s +=
                    &format!("{:<20} {:<17} {:<22} {:<7} {}{needs}\n", e.platform, e.kind, e.evidence, matcher(&e.matcher), e.matcher_text);
            }
            s
        }
        RulesFormat::Markdown => {
            let mut s = String::from(
                "\n## The ML API catalogue\n\nThe calls, methods and source patterns the Python detector counts, by platform \
                 (`rules/catalog/*.yaml`; format in [catalog.md](catalog.md); `mlops-level catalog` lists them, \
                 `--catalog FILE` adds your own).\n\n| platform | kind | evidence | matched by | needs an import of |\n|---|---|---|---|---|\n",
            );
            for e in &cat.entries {
                let text = e.matcher_text.replace('|', "\\|");
                let not_on = if e.not_on.is_empty() {
                    String::new()
                } else {
                    format!(" (not on {})", e.not_on.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
                };
                s += &format!(
                    "| {} | {} | `{}` | {} `{}`{} | {} |\n",
                    e.platform,
                    e.kind,
                    e.evidence,
                    matcher(&e.matcher),
                    text,
                    not_on,
                    e.needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                );
            }
            s
        }
    }
}

/// The repository's config: `--config FILE`, else `.mlops-level.yml` /
/// `.mlops-level.yaml` at the scanned root, else none. Errors exit 2.
fn load_config(args: &ScanArgs, pack: &Pack) -> Result<mlops_rules::Config> {
    if args.no_config {
        return Ok(mlops_rules::Config::default());
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => [".mlops-level.yml", ".mlops-level.yaml"].iter().map(|n| args.path.join(n)).find(|p| p.is_file()),
    };
    let Some(path) = path else { return Ok(mlops_rules::Config::default()) };
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read config {}", path.display()))?;
    // Name it repo-relative when it lives in the repository (issues point at it).
    let name = path.strip_prefix(&args.path).map(|p| p.display().to_string()).unwrap_or_else(|_| path.display().to_string());
    mlops_rules::parse_config(&name, &text, pack)
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().replace("the rule pack is invalid", "the config is invalid")))
}

/// Scan one repository and judge it with its config: what `scan` and each
/// repository of a `fleet` run do. `config_dir` is where the config's
/// relative paths (its `catalog:` files) are read from. A monorepo's
/// projects are assessed too (`assessment.projects`).
fn assess(
    root: &Path,
    pack: &Pack,
    config: &mlops_rules::Config,
    config_dir: &Path,
    catalogs: &[PathBuf],
    max_file_bytes: u64,
) -> Result<(mlops_detect::Scan, mlops_rules::Assessment)> {
    let opts = mlops_detect::ScanOptions {
        max_file_bytes,
        exclude: config.exclude.iter().map(|e| e.glob.clone()).collect(),
        catalog: load_catalog(catalogs, config, config_dir)?,
        projects: config.projects.iter().map(|p| (p.path.clone(), p.name.clone())).collect(),
        ..Default::default()
    };
    let mut scan = mlops_detect::scan(root, &opts).map_err(|e| anyhow::anyhow!("{}: {e}", config.file))?;
    mlops_detect::debug_phase("scan returned");
    let assessment = judge(pack, config, &mut scan);
    mlops_detect::debug_phase("judged");
    Ok((scan, assessment))
}

/// Judge a scan with the repository's config: its excludes that matched
/// nothing become `config-unused` issues, and a monorepo's projects are
/// assessed too. The working tree and a `--baseline-ref` revision alike.
/// The scan's units go first: they served the linker, and nothing judged
/// or reported reads them (at 200k files they were the largest thing held
/// besides the evidence).
fn judge(pack: &Pack, config: &mlops_rules::Config, scan: &mut mlops_detect::Scan) -> mlops_rules::Assessment {
    scan.units = Vec::new();
    mlops_detect::debug_phase("units dropped");
    let mut issues = scan.issues.clone();
    for (e, used) in config.exclude.iter().zip(&scan.exclude_used) {
        if !used {
            issues.push(mlops_detect::ScanIssue::new(
                &config.file,
                Some(e.line),
                "config-unused",
                format!("exclude `{}` matches no file", e.glob),
            ));
        }
    }
    let today = mlops_rules::today();
    let mut assessment = mlops_rules::evaluate_with(pack, &scan.evidence, &issues, config, today);
    mlops_detect::debug_phase("evaluated");
    assessment.projects = mlops_rules::evaluate_projects(pack, &scan.evidence, &issues, &scan.projects, config, today);
    assessment
}

fn scan(args: ScanArgs, out: &mut impl Write) -> Result<ExitCode> {
    let pack = load_pack(args.inputs.rules.as_deref())?;
    if !args.path.is_dir() {
        anyhow::bail!("{}: not a directory", args.path.display());
    }
    // Read the baseline before scanning: a bad one is a usage error (2), found early.
    let baseline = args.baseline.as_deref().map(read_baseline).transpose()?;
    let mut config = load_config(&args, &pack)?;
    // --baseline-ref: the base revision assessed from git, then compared as a saved report would be.
    let base_ref = args.baseline_ref.as_deref().map(|rev| baseline_ref::assess(&args, rev, &pack, &config)).transpose()?;
    let baseline_name = match &base_ref {
        Some(b) => b.name(),
        None => args.baseline.as_deref().map(|p| p.display().to_string()).unwrap_or_default(),
    };
    let mut baseline = baseline.or(base_ref.as_ref().map(|b| b.baseline.clone()));
    let (mut scan, mut assessment) =
        assess(&args.path, &pack, &config, config_dir(&args), &args.inputs.catalogs, args.inputs.max_file_size)?;
    if let Some(want) = &args.project {
        // One project of a monorepo, reported as if it were the repository.
        let want = want.trim_start_matches("./").trim_end_matches('/');
        let want = if want.is_empty() { "." } else { want };
        match assessment.projects.iter().position(|p| p.path == want) {
            Some(i) => {
                let p = assessment.projects.swap_remove(i);
                config.target_level = p.target_level.or(config.target_level);
                assessment = p.assessment;
                // Compare with the same project in the baseline, never with the whole repository.
                baseline = baseline.and_then(|b| b.for_project(want));
                if baseline.is_none() && (args.baseline.is_some() || args.baseline_ref.is_some()) {
                    eprintln!("mlops-level: project {want} is not in the baseline (new since then): nothing to compare");
                }
            }
            None if assessment.projects.is_empty() && want == "." => {}
            None => {
                let listed: Vec<&str> = assessment.projects.iter().map(|p| p.path.as_str()).collect();
                anyhow::bail!(
                    "--project {want}: no such project (projects: {})",
                    if listed.is_empty() { "none, the repository is one project; use `.`".to_string() } else { listed.join(", ") }
                );
            }
        }
    }
    let comparison = baseline.as_ref().map(|b| {
        let c = Comparison::new(b, &assessment);
        match &base_ref {
            Some(r) => c.against(r.name_markdown()),
            None => c,
        }
    });
    let ci_definitions = scan.evidence.iter().filter(|e| e.kind == "ci.pipeline").map(|e| e.location.path.to_string());
    let sources = mlops_report::Sources::from_dir(&args.path, std::mem::take(&mut scan.files)).with_ci_definitions(ci_definitions);
    // The reports read the assessment and the sources, not the scan.
    drop(scan);
    let r = Rendered {
        assessment: &assessment,
        pack: &pack,
        sources: &sources,
        comparison: comparison.as_ref(),
        root: args.path.display().to_string(),
        max_evidence: args.max_evidence,
    };
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    out.write_all(r.render(args.format, color && args.format == Format::Text).as_bytes())?;
    out.flush()?;
    mlops_detect::debug_phase("rendered");
    for o in &args.outputs {
        std::fs::write(&o.file, r.render(o.format, false)).with_context(|| format!("cannot write {}", o.file.display()))?;
    }

    // Gates: report every one that fails, then exit 1 if any did.
    let mut failed = false;
    if let Some(min) = args.min_level.or(config.target_level) {
        if assessment.level < min {
            eprintln!(
                "mlops-level: level {} is below the required minimum {min} (capped by {})",
                assessment.level,
                if assessment.capped_by.is_empty() { "-".to_string() } else { assessment.capped_by.join(", ") }
            );
            failed = true;
        }
    }
    for p in &assessment.projects {
        if let Some(min) = args.min_level.or(p.target_level).or(config.target_level) {
            if p.assessment.level < min {
                eprintln!(
                    "mlops-level: project {} is at level {}, below the required minimum {min} (capped by {})",
                    p.path,
                    p.assessment.level,
                    if p.assessment.capped_by.is_empty() { "-".to_string() } else { p.assessment.capped_by.join(", ") }
                );
                failed = true;
            }
        }
    }
    if let Some(cmp) = &comparison {
        for p in &cmp.projects {
            match (p.before, p.after) {
                (None, Some(l)) => eprintln!("mlops-level: project {} is new since the baseline (level {l}; not a regression)", p.path),
                (Some(l), None) => eprintln!("mlops-level: project {} (level {l} in the baseline) is no longer a project", p.path),
                _ => {}
            }
        }
        if cmp.regressed() {
            let lines = cmp.regression_lines();
            eprintln!(
                "mlops-level: {} regression{} since the baseline {}:",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                baseline_name
            );
            for l in lines {
                eprintln!("  - {l}");
            }
            failed = true;
        }
    }
    if args.fail_on.contains(&FailOn::Advice) && !assessment.findings.is_empty() {
        eprintln!("mlops-level: {} advice finding(s) and --fail-on advice:", assessment.findings.len());
        for f in &assessment.findings {
            eprintln!("  - {} {}:{} {}", f.rule, f.evidence.location.path, f.evidence.location.start_line, f.title);
        }
        failed = true;
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
