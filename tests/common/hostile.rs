//! A repository whose file names, CI commands, code and config are built to
//! break out of HTML: every one of them must reach a report as text.

use std::path::Path;

/// The hostile strings the tree plants, each of which a report must show as text.
pub const PLANTED: &[&str] = &[
    "train <img src=x onerror=alert(1)>.py",
    "ml/</td></tr></table><script>alert(2)</script>.py",
    ".github/workflows/<b onmouseover=alert(3)>broken.yml",
    "# </code><script>alert(5)</script>",
    "<script>alert(\"skip\")</script> & more",
    "ops & \"drift\" <team> (javascript:alert(4))",
];

/// Write the tree under `root`: CI that launches a training script with a
/// markup file name and names a script that does not exist, a workflow that
/// does not parse, and a config whose reasons are markup.
pub fn write_hostile_repo(root: &Path) {
    let w = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        ".github/workflows/ci.yml",
        r#"name: ci
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest -q tests
  fit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: python "train <img src=x onerror=alert(1)>.py"
      - run: python "ml/</td></tr></table><script>alert(2)</script>.py"
"#,
    );
    w(".github/workflows/<b onmouseover=alert(3)>broken.yml", "name: [\n");
    w(
        "train <img src=x onerror=alert(1)>.py",
        r#"from sklearn.linear_model import LogisticRegression

def main():
    model = LogisticRegression()
    model.fit(X, y)  # </code><script>alert(5)</script>

if __name__ == "__main__":
    main()
"#,
    );
    w("tests/test_<i>x.py", "def test_ok():\n    assert 1 + 1 == 2\n");
    w(
        ".mlops-level.yml",
        r#"skip:
  - id: L1.data.pipeline
    reason: <script>alert("skip")</script> & more
declare:
  - id: L4.monitor.model
    reason: ops & "drift" <team>
    link: javascript:alert(4)
"#,
    );
}
