//! Entry points for fuzzing (`fuzz/`, run with `cargo fuzz`) and for the
//! stable smoke test that replays the seeds and every committed crash on
//! each `cargo test`. Each takes arbitrary bytes and must neither panic nor
//! hang; some also check an invariant.

use crate::{catalog, pylex, shell, yaml, ScanOptions};

/// File names the scan bytes are given, picked by a chunk's first byte: one
/// per format a detector reads, so every reader is reached.
pub const NAMES: &[&str] = &[
    ".github/workflows/ci.yml",
    ".github/actions/setup/action.yml",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
    "templates/steps.yml",
    "Jenkinsfile",
    "vars/trainModel.groovy",
    "bitbucket-pipelines.yml",
    ".circleci/config.yml",
    ".travis.yml",
    ".drone.yml",
    ".buildkite/pipeline.yml",
    "cloudbuild.yaml",
    "buildspec.yml",
    "databricks.yml",
    "dvc.yaml",
    "Makefile",
    "tox.ini",
    "noxfile.py",
    "justfile",
    "Taskfile.yml",
    "mise.toml",
    "package.json",
    "pyproject.toml",
    "setup.cfg",
    "requirements.txt",
    "MLproject",
    "Dockerfile",
    "train.py",
    "src/pkg/__init__.py",
    "tests/test_model.py",
    "scripts/run.sh",
    "notebooks/explore.ipynb",
    "k8s/deploy.yaml",
    "conf/train.yaml",
    "infra/main.tf",
    "infra/app.ts",
    "cdk.json",
    ".gitattributes",
    ".dvc/config",
    ".env",
];

/// Scan up to four in-memory files: the bytes are split at each `0xFF`
/// (never valid UTF-8), and each chunk's first byte picks its name.
pub fn scan_bytes(data: &[u8]) {
    let files: Vec<(&str, String)> = data
        .split(|b| *b == 0xFF)
        .take(4)
        .filter_map(|chunk| {
            let (sel, body) = chunk.split_first()?;
            Some((NAMES[*sel as usize % NAMES.len()], String::from_utf8_lossy(body).into_owned()))
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let first = crate::scan_in_memory(&refs, &ScanOptions::default());
    // Deterministic: the same files give the same evidence.
    let again = crate::scan_in_memory(&refs, &ScanOptions::default());
    assert!(first.evidence == again.evidence, "two scans of the same files differ");
}

/// The shell reader: commands of a script and of a session.
pub fn shell(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let cmds = shell::commands(&text, 1);
    let lines = text.lines().count() as u32 + 1;
    for c in &cmds {
        assert!(c.line >= 1 && c.line <= lines.max(1), "command line {} outside 1..={lines}", c.line);
    }
    shell::session(&[(&text, 1)], &Default::default(), None);
}

/// The Python lexer: masking keeps every byte offset and line break.
pub fn python(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let masked = pylex::mask(&text);
    assert_eq!(masked.len(), text.len(), "mask changed the length");
    assert!(masked.bytes().zip(text.bytes()).all(|(m, t)| (m == b'\n') == (t == b'\n')), "mask moved a line break");
    let idx = pylex::LineIndex::new(&masked);
    for im in pylex::imports(&masked) {
        let _ = idx.text(&text, im.line);
    }
}

/// The YAML reader.
pub fn yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(docs) = yaml::parse_all(&text) {
        for d in &docs {
            d.walk(&mut |n| {
                let _ = n.as_str();
            });
        }
    }
}

/// The catalogue loader: a file either loads or is refused with messages.
pub fn catalog(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = catalog::Catalog::load(vec![("fuzz.yaml".into(), text.into_owned())]) {
        assert!(!e.0.is_empty(), "a refused catalogue says why");
    }
}

/// The git index reader: any bytes, and the same bytes after a valid header
/// (version and entry count from the first two bytes), so that entries are
/// decoded from arbitrary input. Paths come out as given, without NULs.
pub fn git_index(data: &[u8]) {
    let _ = crate::gitindex::parse(data);
    let (Some(&v), Some(&n)) = (data.first(), data.get(1)) else { return };
    let mut b = b"DIRC".to_vec();
    b.extend((2 + u32::from(v % 3)).to_be_bytes());
    b.extend(u32::from(n).to_be_bytes());
    b.extend_from_slice(&data[2..]);
    for p in crate::gitindex::parse(&b) {
        assert!(!p.contains('\0'), "a path never holds a NUL");
    }
}
