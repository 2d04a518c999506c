//! Shell scripts (`*.sh`, `*.bash`, or a shell shebang): the commands they
//! run, as the unit `file:<path>`.
//!
//! Emits `run.*` evidence for each command. Comment lines and heredoc bodies
//! are not evidence. Example: `scripts/ci.sh` with `pytest -q` -> `run.tests`.

use super::add_shell_session;
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
        let name = path.rsplit('/').next().unwrap_or(path);
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        // Extension-less scripts where CI entry points usually live (checked for a shebang).
        let script_dir = || {
            [".ci", "ci", "scripts", "script", "bin", "tools", ".github/scripts"]
                .iter()
                .any(|d| dir == *d || dir.strip_suffix(d).is_some_and(|up| up.ends_with('/')))
        };
        path.ends_with(".sh")
            || path.ends_with(".bash")
            || path.ends_with(".slurm")
            || path.ends_with(".sbatch")
            || (!name.contains('.') && script_dir())
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let name = f.path.rsplit('/').next().unwrap_or(f.path);
        if !name.contains('.') && !f.text.lines().next().is_some_and(|l| l.starts_with("#!") && (l.contains("sh") || l.contains("bash"))) {
            return;
        }
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut u = Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
        // Scripts usually run from the repository root (CI calls them so);
        // the linker also tries the script's own folder.
        let _ = dir;
        add_shell_session(&mut u, out, NAME, f.path, &[(f.text, 1)], "", Some(f.repo));
        // SLURM directives size the job: compute declared as code.
        if let Some((i, l)) = f.text.lines().enumerate().find(|(_, l)| {
            l.starts_with("#SBATCH") && ["--gres", "--gpus", "--partition", "--nodes", "--constraint"].iter().any(|k| l.contains(k))
        }) {
            out.push_in(
                crate::Evidence::new("code.compute", NAME, Location::line(f.path, i as u32 + 1), crate::Confidence::Medium, l)
                    .attr("tool", "slurm"),
                &u.id,
            );
        }
        out.units.push(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn commands_but_not_comments_or_heredocs() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "#!/usr/bin/env bash\nset -e\n# pytest -q\ncat > x.py <<EOF\npytest\nEOF\npython -m pytest tests\n";
        ShellScript.detect(&FileCtx { path: "scripts/ci.sh", text, repo: &repo }, &mut out);
        let tests: Vec<_> = out.evidence.iter().filter(|(e, _)| e.kind == "run.tests").collect();
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].0.location.start_line, 7);
    }

    #[test]
    fn pushd_and_popd_set_the_working_folder() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "set -e\npushd ./pipelines\npython launch.py\npopd\npython report.py\ncd -P tools\npython x.py\n# pushd elsewhere\n";
        ShellScript.detect(&FileCtx { path: "scripts/run.sh", text, repo: &repo }, &mut out);
        let wd: Vec<(&str, &str)> =
            out.units[0].commands.iter().filter(|c| c.argv[0] == "python").map(|c| (c.argv[1].as_str(), c.workdir.as_str())).collect();
        assert_eq!(wd, vec![("launch.py", "pipelines"), ("report.py", ""), ("x.py", "tools")]);
    }
}
