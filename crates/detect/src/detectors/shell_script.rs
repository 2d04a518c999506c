//! Shell scripts (`*.sh`, `*.bash`, or a shell shebang): the commands they
//! run, as the unit `file:<path>`.
//!
//! Emits `run.*` evidence for each command. Comment lines and heredoc bodies
//! are not evidence. Example: `scripts/ci.sh` with `pytest -q` -> `run.tests`.

use super::add_shell;
use crate::evidence::Location;
use crate::{Detector, FileCtx, Output, Unit};

/// The shell-script detector.
pub struct ShellScript;

const NAME: &str = "shell-script";

impl Detector for ShellScript {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path.ends_with(".sh") || path.ends_with(".bash")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut u = Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
        // Scripts usually run from the repository root (CI calls them so);
        // the linker also tries the script's own folder.
        let _ = dir;
        add_shell(&mut u, out, NAME, f.path, f.text, 1, "");
        out.units.push(u);
    }
}
