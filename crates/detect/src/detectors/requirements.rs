//! Requirements files: dependencies without a pinned version (advice: an
//! unpinned training or serving environment is not reproducible).
//!
//! Emits one `deps.unpinned` per file that has unpinned requirements, with
//! the count and the first packages. Comments, options (`-r`, `-e`) and URLs
//! are skipped.

use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output};

/// The requirements detector.
pub struct Requirements;

const NAME: &str = "requirements";

impl Detector for Requirements {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.ends_with(".txt") && name.starts_with("requirements") && !path.contains("docs/")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let mut unpinned: Vec<(u32, String)> = Vec::new();
        for (i, raw) in f.text.lines().enumerate() {
            let l = raw.split('#').next().unwrap_or("").trim();
            if l.is_empty() || l.starts_with('-') || l.contains("://") || l.contains(" @ ") {
                continue;
            }
            let spec = l.split(';').next().unwrap_or(l);
            if !spec.contains("==") && !spec.contains("~=") && !spec.contains("===") && !spec.contains("<=") && !spec.contains('<') {
                let name: String =
                    spec.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '[' | ']')).collect();
                unpinned.push((i as u32 + 1, name));
            }
        }
        if let Some((first, _)) = unpinned.first() {
            let names: Vec<&str> = unpinned.iter().take(5).map(|(_, n)| n.as_str()).collect();
            out.push(
                Evidence::new(
                    "deps.unpinned",
                    NAME,
                    Location::line(f.path, *first),
                    Confidence::High,
                    f.text.lines().nth(*first as usize - 1).unwrap_or(""),
                )
                .attr("count", unpinned.len().to_string())
                .attr("packages", names.join(",")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn pinned_and_unpinned() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Requirements.detect(
            &FileCtx { path: "requirements.txt", text: "# pinned\nnumpy==1.26.4\nscikit-learn>=1.3\n-r base.txt\npandas\n", repo: &repo },
            &mut out,
        );
        assert_eq!(out.evidence[0].0.attrs["count"], *"2");
        assert_eq!(out.evidence[0].0.location.start_line, 3);
        let mut out = Output::default();
        Requirements.detect(&FileCtx { path: "requirements.txt", text: "numpy==1.26.4\n# pandas\n", repo: &repo }, &mut out);
        assert!(out.evidence.is_empty());
    }
}
