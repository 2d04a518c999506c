//! `scan --baseline-ref REV`: assess the scanned folder as it was at REV,
//! read straight from the git object database, and use that assessment as
//! the baseline of the gate, exactly as a JSON report saved at REV would be
//! used with `--baseline FILE`.
//!
//! Safety: nothing is checked out and nothing is written (no work tree, no
//! index, no lock files: `GIT_OPTIONAL_LOCKS=0`); only plumbing commands run
//! (`rev-parse`, `ls-tree`, `cat-file --batch`), which run no hooks, filters
//! or fsmonitor (`core.fsmonitor=false` all the same), with no pager, no
//! prompt, no shell, and lazy fetching of a partial clone's missing objects
//! disabled (`GIT_NO_LAZY_FETCH=1`): nothing from the repository is
//! executed and the network is never used. Variables that point git at
//! another repository (`GIT_DIR`, `GIT_WORK_TREE`, ...) are removed, so the
//! repository is the one holding PATH.
//!
//! Config: the base is assessed with its own `.mlops-level.yml` read from
//! REV, as a baseline saved at the base would have been; `--config FILE` and
//! `--no-config` apply to both sides; a config at REV that this version
//! rejects is replaced by the current one, with a warning.

use crate::ScanArgs;
use anyhow::{bail, Context, Result};
use mlops_detect::tree::{EntryKind, Resolved, Tree, TreeEntry};
use mlops_report::Baseline;
use mlops_rules::Pack;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// The base revision's assessment, as a baseline, and how to name it.
pub struct BaseRef {
    /// The assessment at REV as a saved JSON report would hold it.
    pub baseline: Baseline,
    /// The revision as given.
    pub rev: String,
    /// Its commit id.
    pub commit: String,
}

impl BaseRef {
    /// For messages: "REV (commit 1a2b3c4d5e6f)".
    pub fn name(&self) -> String {
        format!("{} (commit {})", self.rev, &self.commit[..self.commit.len().min(12)])
    }

    /// For Markdown: "`REV` (commit `1a2b3c4d5e6f`)".
    pub fn name_markdown(&self) -> String {
        format!("`{}` (commit `{}`)", self.rev.replace('`', ""), &self.commit[..self.commit.len().min(12)])
    }
}

/// Variables that would make git read another repository than PATH's.
const REDIRECTS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

/// A git command on the repository holding `dir`, run safely (see the module doc).
fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--no-pager").arg("-C").arg(dir).args(["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"]);
    for v in REDIRECTS {
        c.env_remove(v);
    }
    c.env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Run a git command to completion: its standard output, or its error message.
fn run(mut c: Command) -> Result<Result<Vec<u8>, String>> {
    let out = c.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!("--baseline-ref needs git, and `git` is not on PATH"),
        _ => anyhow::anyhow!("cannot run git: {e}"),
    })?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}

/// How to get REV into a clone that lacks it.
fn fetch_hint(rev: &str, shallow: bool) -> String {
    let full_sha = rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    let ancestry = rev.contains('~') || rev.contains('^') || rev.contains('@');
    let mut s = String::new();
    if ancestry && shallow {
        s += "this clone is shallow, so the history REV needs is not here; fetch more of it, e.g. `git fetch --deepen=1` (as many as REV goes back), or ";
    } else if full_sha || !ancestry {
        let name = rev.strip_prefix("origin/").unwrap_or(rev);
        let refspec = if full_sha || name == rev { name.to_string() } else { format!("{name}:refs/remotes/origin/{name}") };
        s += &format!("fetch it first: `git fetch --depth=1 origin {refspec}`, or ");
    }
    s + "check out with full history (actions/checkout: `fetch-depth: 0`)"
}

/// Everything `scan --baseline-ref REV` needs from the head's side.
pub fn assess(args: &ScanArgs, rev: &str, pack: &Pack, config: &mlops_rules::Config) -> Result<BaseRef> {
    if rev.is_empty() || rev.starts_with('-') {
        bail!("--baseline-ref `{rev}`: not a revision");
    }
    let root = &args.path;
    let info = match run({
        let mut c = git(root);
        c.args(["rev-parse", "--show-prefix", "--is-shallow-repository"]);
        c
    })? {
        Ok(o) => String::from_utf8_lossy(&o).into_owned(),
        Err(msg) if msg.contains("not a git repository") => {
            bail!(
                "--baseline-ref: {} is not in a git repository (the base revision is read from git; use --baseline FILE otherwise)",
                root.display()
            )
        }
        Err(msg) => bail!("--baseline-ref: git cannot read the repository at {}: {msg}", root.display()),
    };
    let mut lines = info.lines();
    let prefix = lines.next().unwrap_or("").trim_end_matches('/').to_string();
    let shallow = lines.next() == Some("true");

    let commit = match run({
        let mut c = git(root);
        c.args(["rev-parse", "--verify", "--quiet", "--end-of-options"]).arg(format!("{rev}^{{commit}}"));
        c
    })? {
        Ok(o) => String::from_utf8_lossy(&o).trim().to_string(),
        Err(_) => bail!("--baseline-ref {rev}: no such commit in the repository at {}; {}", root.display(), fetch_hint(rev, shallow)),
    };

    let tree = list_tree(root, &commit)?;
    let paths: HashMap<String, String> = tree.entries().map(|e| (e.id.clone(), e.path.clone())).collect();
    let mut read = |ids: &[&str]| cat_blobs(root, ids, &paths);

    // The config: the base's own, unless given on the command line or turned off.
    let base_config = if args.no_config || args.config.is_some() { None } else { base_config(&tree, &prefix, pack, &mut read, rev)? };
    let (cfg, catalog) = match &base_config {
        Some(c) => (c, base_catalog(&tree, &prefix, c, &args.inputs.catalogs, &mut read)?),
        None => (config, crate::load_catalog(&args.inputs.catalogs, config, crate::config_dir(args))?),
    };
    let opts = mlops_detect::ScanOptions {
        max_file_bytes: args.inputs.max_file_size,
        exclude: cfg.exclude.iter().map(|e| e.glob.clone()).collect(),
        catalog,
        projects: cfg.projects.iter().map(|p| (p.path.clone(), p.name.clone())).collect(),
        ..Default::default()
    };
    let mut scan = mlops_detect::scan_tree(&tree, &prefix, &opts, &mut read).map_err(|e| anyhow::anyhow!("--baseline-ref {rev}: {e}"))?;
    // Judged as the scan of the working tree is.
    let assessment = crate::judge(pack, cfg, &mut scan);
    // Through the JSON report, so the comparison is the one `--baseline FILE` makes.
    let baseline = Baseline::parse(&mlops_report::render_json(&assessment, pack))
        .map_err(|e| anyhow::anyhow!("--baseline-ref {rev}: the base's report is not a valid baseline: {e}"))?;
    Ok(BaseRef { baseline, rev: rev.to_string(), commit })
}

/// Every file, link and submodule of the commit (`ls-tree -r -l -z`).
fn list_tree(root: &Path, commit: &str) -> Result<Tree> {
    let out = match run({
        let mut c = git(root);
        c.args(["ls-tree", "-r", "-z", "-l", "--full-tree", commit]);
        c
    })? {
        Ok(o) => o,
        Err(msg) => bail!("--baseline-ref: cannot list commit {commit}: {msg}"),
    };
    let mut entries = Vec::new();
    for rec in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        // "<mode> <type> <id> <size padded>\t<path>"
        let tab = rec.iter().position(|b| *b == b'\t').context("unexpected `git ls-tree` output")?;
        let head = String::from_utf8_lossy(&rec[..tab]);
        let path = String::from_utf8_lossy(&rec[tab + 1..]).into_owned();
        let f: Vec<&str> = head.split_whitespace().collect();
        let [mode, _kind, id, size] = f[..] else { bail!("unexpected `git ls-tree` output: {head}") };
        let kind = match mode {
            "120000" => EntryKind::Symlink,
            "160000" => EntryKind::Submodule,
            _ => EntryKind::File,
        };
        entries.push(TreeEntry { path, kind, size: size.parse().unwrap_or(0), id: id.to_string() });
    }
    Ok(Tree::new(entries).tracked())
}

/// The contents of blobs, in order, from one `git cat-file --batch`.
fn cat_blobs(root: &Path, ids: &[&str], paths: &HashMap<String, String>) -> Result<Vec<Vec<u8>>, String> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut c = git(root);
    c.args(["cat-file", "--batch"]).stdin(Stdio::piped());
    let mut child = c.spawn().map_err(|e| format!("cannot run git cat-file: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file: no stdin")?;
    let request: String = ids.iter().map(|i| format!("{i}\n")).collect();
    // Write from a thread: git answers while it reads, and both pipes are bounded.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().ok_or("git cat-file: no stdout")?);
    let mut blobs = Vec::with_capacity(ids.len());
    let mut failure = None;
    for id in ids {
        let mut header = String::new();
        if out.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
            failure = Some(format!("git cat-file stopped before {id}"));
            break;
        }
        let f: Vec<&str> = header.split_whitespace().collect();
        match f[..] {
            [_, "blob", size] => {
                let size: usize = size.parse().map_err(|_| format!("git cat-file: bad header `{}`", header.trim()))?;
                let mut buf = vec![0; size + 1];
                out.read_exact(&mut buf).map_err(|e| e.to_string())?;
                buf.pop();
                blobs.push(buf);
            }
            _ => {
                let path = paths.get(*id).map(String::as_str).unwrap_or(id);
                failure = Some(format!(
                    "the content of {path} ({id}) is not in this clone (a partial clone made with --filter?); fetch it or clone without a filter"
                ));
                break;
            }
        }
    }
    drop(out);
    let _ = writer.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    if let Some(f) = failure {
        return Err(f);
    }
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!("git cat-file failed: {}", err.trim()));
    }
    Ok(blobs)
}

/// The file at `path` of the tree, following links inside it as a checkout would.
fn file_at<'t>(tree: &'t Tree, path: &str, read: &mut mlops_detect::tree::ReadBlobs<'_>) -> Result<Option<&'t TreeEntry>> {
    let links: Vec<&TreeEntry> = tree.entries().filter(|e| e.kind == EntryKind::Symlink).collect();
    let resolved = if links.is_empty() || tree.get(path).is_some_and(|e| e.kind == EntryKind::File) {
        Resolved::Inside(path.to_string())
    } else {
        let targets = read(&links.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()).map_err(anyhow::Error::msg)?;
        let map: HashMap<&str, String> =
            links.iter().map(|e| e.path.as_str()).zip(targets.into_iter().map(|b| String::from_utf8_lossy(&b).into_owned())).collect();
        tree.resolve(path, &|p: &str| map.get(p).cloned())
    };
    Ok(match resolved {
        Resolved::Inside(p) => tree.get(&p).filter(|e| e.kind == EntryKind::File),
        _ => None,
    })
}

fn join(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    }
}

/// The base's `.mlops-level.yml` / `.mlops-level.yaml`, parsed; `None` when
/// there is none, or when this version rejects it (a warning says so).
fn base_config(
    tree: &Tree,
    prefix: &str,
    pack: &Pack,
    read: &mut mlops_detect::tree::ReadBlobs<'_>,
    rev: &str,
) -> Result<Option<mlops_rules::Config>> {
    for name in [".mlops-level.yml", ".mlops-level.yaml"] {
        let Some(e) = file_at(tree, &join(prefix, name), read)? else { continue };
        let bytes = read(&[e.id.as_str()]).map_err(anyhow::Error::msg)?.pop().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        return Ok(match mlops_rules::parse_config(name, &text, pack) {
            Ok(c) => Some(c),
            Err(err) => {
                eprintln!(
                    "mlops-level: warning: the config {name} at {rev} is not valid for this version, so the base is assessed with the current config:\n{}",
                    err.to_string().replace("the rule pack is invalid", "the config is invalid")
                );
                None
            }
        });
    }
    Ok(Some(mlops_rules::Config::default()))
}

/// The catalogue for the base: its config's `catalog:` files, read from the
/// tree (inside the scanned folder, as on disk), and the `--catalog` files.
fn base_catalog(
    tree: &Tree,
    prefix: &str,
    config: &mlops_rules::Config,
    cli: &[std::path::PathBuf],
    read: &mut mlops_detect::tree::ReadBlobs<'_>,
) -> Result<Option<Arc<mlops_detect::catalog::Catalog>>> {
    let mut sources = Vec::new();
    for (rel, line) in &config.catalog {
        let inside_prefix = |p: &str| prefix.is_empty() || p.starts_with(&format!("{prefix}/"));
        let entry = file_at(tree, &join(prefix, rel), read)?.filter(|e| inside_prefix(&e.path));
        let Some(e) = entry else {
            bail!("{}:{line}: catalogue `{rel}` is not a file inside the scanned folder at the base revision", config.file)
        };
        let bytes = read(&[e.id.as_str()]).map_err(anyhow::Error::msg)?.pop().unwrap_or_default();
        sources.push((rel.clone(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    for p in cli {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read catalogue {}", p.display()))?;
        sources.push((p.display().to_string(), text));
    }
    if sources.is_empty() {
        return Ok(None);
    }
    mlops_detect::catalog::Catalog::builtin_with(sources)
        .map(|c| Some(Arc::new(c)))
        .map_err(|e| anyhow::anyhow!("the catalogue at the base revision is invalid:\n{e}"))
}
