#!/usr/bin/env python3
"""Generate a large synthetic repository for benchmarking mlops-level.

Deterministic (fixed seed). Usage: gen_repo.py OUT_DIR [N_PY_FILES]
Writes a monorepo-shaped tree: many Python packages (training, scoring,
utility code, tests), notebooks, CI workflows, Makefiles, DVC and Kubernetes
YAML, plus vendored noise that the walker must skip.
"""
import json
import os
import random
import sys

out = sys.argv[1]
n_py = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
rng = random.Random(42)

TRAIN = '''import mlflow
from sklearn.ensemble import RandomForestClassifier
from .features import build


def train(df, n_estimators={n}):
    """Train the model.

    Example: mlflow.log_metric("auc", 0.9)
    """
    with mlflow.start_run():
        model = RandomForestClassifier(n_estimators=n_estimators).fit(*build(df))
        mlflow.log_param("n_estimators", n_estimators)  # tracked
        mlflow.sklearn.log_model(model, "model", registered_model_name="m{i}")
    return model
'''
FEATURES = '''import pandas as pd


def build(df: pd.DataFrame):
    x = df.drop(columns=["y"])
    return x, df["y"]
'''
UTIL = '''import os
import json


def load_config(path):
    with open(path) as fh:
        return json.load(fh)


def helper_{i}(values):
    total = 0
    for v in values:
        if v > {i}:
            total += v
    return total
'''
TEST = '''from pkg{p}.util_{i} import helper_{i}


def test_helper():
    assert helper_{i}([1, 2, 3]) >= 0
'''


def write(rel, text):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


packages = max(1, n_py // 50)
count = 0
for p in range(packages):
    base = f"services/pkg{p}"
    write(f"{base}/pkg{p}/__init__.py", "")
    write(f"{base}/pkg{p}/features.py", FEATURES)
    write(f"{base}/pkg{p}/train.py", TRAIN.format(n=rng.randint(10, 500), i=p))
    count += 3
    for i in range(44):
        write(f"{base}/pkg{p}/util_{i}.py", UTIL.format(i=i))
        count += 1
    for i in range(3):
        write(f"{base}/tests/test_util_{i}.py", TEST.format(p=p, i=i))
        count += 1
    write(f"{base}/Makefile", f"test:\n\tpytest tests/\n\ntrain:\n\tpython -m pkg{p}.train\n")
    write(f"{base}/k8s/deploy.yaml", f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model-{p}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: reg/model-{p}:1\n")
    if p % 10 == 0:
        nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": ["import pandas as pd\n", "df = pd.read_csv('x.csv')\n"], "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        write(f"{base}/notebooks/explore.ipynb", json.dumps(nb, indent=1))
    if count >= n_py:
        break

write(".github/workflows/ci.yml", "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make -C services/pkg0 test\n")
write("dvc.yaml", "stages:\n  prepare:\n    cmd: python services/pkg0/pkg0/features.py\n")
for i in range(2000):
    write(f"node_modules/dep{i}/index.js", "module.exports = 1;\n")
print(f"wrote {count} Python files in {packages} packages to {out}")
