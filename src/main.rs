//! `mlops-level`: point it at a repository; it tells where the repository
//! stands on the MLOps maturity model (levels 0-4), why, and what to do next.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use mlops_rules::Pack;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    /// Explain one criterion or advice rule: what it means, how to meet it, what evidence counts.
    Explain {
        /// Criterion or advice id, e.g. L2.train.automated.
        id: String,
        /// Use a custom rule pack directory instead of the built-in one.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Repository to scan.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Gate: exit 1 when the inferred level is below N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=4))]
    min_level: Option<u8>,
    /// Use a custom rule pack directory instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Files larger than this many bytes are reported and not read.
    #[arg(long, value_name = "BYTES", default_value_t = mlops_detect::walk::DEFAULT_MAX_FILE_BYTES)]
    max_file_size: u64,
    /// Evidence items shown per criterion in text output.
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_evidence: usize,
    /// Colour in text output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
}

#[derive(clap::Args)]
struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
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
        Command::Rules(args) => {
            if args.kinds {
                for k in mlops_detect::kinds::KINDS {
                    writeln!(out, "{:<24} {}", k.name, k.doc)?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let pack = load_pack(args.rules.as_deref())?;
            if args.format == Format::Json {
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
        Command::Explain { id, rules } => {
            let pack = load_pack(rules.as_deref())?;
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

fn scan(args: ScanArgs, out: &mut impl Write) -> Result<ExitCode> {
    let pack = load_pack(args.rules.as_deref())?;
    if !args.path.is_dir() {
        anyhow::bail!("{}: not a directory", args.path.display());
    }
    let opts = mlops_detect::ScanOptions { max_file_bytes: args.max_file_size };
    let scan = mlops_detect::scan(&args.path, &opts).with_context(|| format!("scanning {}", args.path.display()))?;
    let assessment = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
    match args.format {
        Format::Json => out.write_all(mlops_report::render_json(&assessment, &pack).as_bytes())?,
        Format::Text => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            };
            let topts = mlops_report::TextOptions { color, max_evidence: args.max_evidence, root: args.path.display().to_string() };
            out.write_all(mlops_report::render_text(&assessment, &pack, &topts).as_bytes())?;
        }
    }
    out.flush()?;
    if let Some(min) = args.min_level {
        if assessment.level < min {
            eprintln!(
                "mlops-level: level {} is below the required minimum {min} (capped by {})",
                assessment.level,
                if assessment.capped_by.is_empty() { "-".to_string() } else { assessment.capped_by.join(", ") }
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}
