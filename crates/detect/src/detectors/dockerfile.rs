//! Dockerfiles: whether the image serves a model (its `CMD`/`ENTRYPOINT`
//! starts a model server or an API app).
//!
//! Emits `docker.image` with `serves=yes|no`. Comment lines are not
//! evidence. Example: `CMD ["uvicorn", "app.main:app"]` -> serves=yes.

use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output};

/// The Dockerfile detector.
pub struct Dockerfile;

const NAME: &str = "dockerfile";
const SERVERS: &[&str] = &[
    "uvicorn",
    "gunicorn",
    "flask",
    "bentoml",
    "torchserve",
    "tritonserver",
    "mlflow models serve",
    "seldon",
    "kserve",
    "serve",
    "predict",
    "score",
    "infer",
    "app.py",
    "main:app",
    "streamlit",
    "fastapi",
    "waitress",
    "hypercorn",
];

impl Detector for Dockerfile {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == "Dockerfile"
            || name.starts_with("Dockerfile.")
            || name.ends_with(".Dockerfile")
            || name.ends_with(".dockerfile")
            || name == "Containerfile"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let mut serves = None;
        let mut from_line = None;
        for (i, l) in f.text.lines().enumerate() {
            let t = l.trim();
            let upper = t.to_ascii_uppercase();
            if upper.starts_with("FROM ") && from_line.is_none() {
                from_line = Some(i as u32 + 1);
            }
            if upper.starts_with("CMD") || upper.starts_with("ENTRYPOINT") {
                let lower = t.to_ascii_lowercase();
                if SERVERS.iter().any(|s| lower.contains(s)) {
                    serves = Some((i as u32 + 1, t.to_string()));
                }
            }
        }
        let Some(from) = from_line else { return };
        let (line, snippet, s) = match serves {
            Some((l, t)) => (l, t, "yes"),
            None => (from, f.text.lines().nth(from as usize - 1).unwrap_or("").to_string(), "no"),
        };
        out.push(Evidence::new("docker.image", NAME, Location::line(f.path, line), Confidence::Medium, &snippet).attr("serves", s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn serving_images() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Dockerfile.detect(
            &FileCtx {
                path: "Dockerfile",
                text: "FROM python:3.11\n# CMD [\"uvicorn\"]\nCMD [\"uvicorn\", \"app.main:app\"]\n",
                repo: &repo,
            },
            &mut out,
        );
        assert_eq!(out.evidence[0].0.attrs["serves"], "yes");
        assert_eq!(out.evidence[0].0.location.start_line, 3);
        let mut out = Output::default();
        Dockerfile.detect(
            &FileCtx { path: "Dockerfile", text: "FROM python:3.11\n# CMD [\"uvicorn\"]\nCMD [\"python\", \"worker.py\"]\n", repo: &repo },
            &mut out,
        );
        assert_eq!(out.evidence[0].0.attrs["serves"], "no");
    }
}
