#!/usr/bin/env python3
"""Generate a large tree of DISTINCT files for the ripgrep comparison.

Usage: gen_tree.py OUT_DIR N_FILES [SEED]

Unlike copies of one repository, every file here has its own content: Python
modules, tests and training scripts, YAML (Kubernetes manifests, configs, a
few CI files), notebooks, Markdown, JSON and CSV data, shell scripts,
TypeScript, Dockerfiles, Makefiles and binary blobs, spread over a deep and
wide folder layout, with ML evidence (training, tracking, registries,
serving, monitors) sprinkled through. Deterministic for a given seed.
"""
import json
import os
import random
import sys

out = sys.argv[1]
n_files = int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)

WORDS = (
    "alpha beta gamma delta sigma omega vector matrix tensor batch epoch loss metric score rank "
    "feature label sample record frame table column index window stream queue cache store bucket "
    "client server handler worker runner job task step stage phase plan graph node edge route path "
    "config option param value limit quota retry backoff timeout budget region zone shard replica "
    "order customer invoice price margin churn risk fraud claim policy event signal alert report"
).split()
STDLIB = ["os", "sys", "json", "re", "math", "time", "logging", "typing", "pathlib", "itertools", "functools", "collections"]
THIRD = ["numpy as np", "pandas as pd", "requests", "yaml", "boto3", "pydantic", "click", "scipy", "tqdm"]


def word():
    return rng.choice(WORDS)


def ident(k=2):
    return "_".join(word() for _ in range(k)) + str(rng.randint(0, 999))


def py_module(pkg):
    lines = [f'"""{word().capitalize()} {word()} helpers for {pkg}."""']
    for m in rng.sample(STDLIB, 3):
        lines.append(f"import {m}")
    if rng.random() < 0.6:
        lines.append(f"import {rng.choice(THIRD)}")
    lines.append("")
    for _ in range(rng.randint(2, 6)):
        fn, a, b = ident(), ident(1), ident(1)
        lines += [
            "",
            f"def {fn}({a}, {b}={rng.randint(1, 100)}):",
            f'    """Return the {word()} of {a}."""',
            f"    total = {rng.randint(0, 9)}",
            f"    for item in {a}:",
            f"        if item > {b}:",
            f"            total += item * {rng.random():.3f}",
            f"    # {word()} {word()} {word()}",
            "    return total",
        ]
    if rng.random() < 0.5:
        cls = "".join(w.capitalize() for w in (word(), word()))
        lines += ["", "", f"class {cls}:", f"    {ident(1)} = {rng.randint(0, 1000)}", "", "    def run(self):", f"        return {rng.randint(0, 9)}"]
    return "\n".join(lines) + "\n"


def py_train(pkg):
    lib = rng.choice(["sklearn", "xgboost", "torch"])
    body = {
        "sklearn": "from sklearn.ensemble import RandomForestClassifier\n\n\ndef train(x, y):\n    return RandomForestClassifier(n_estimators=%d).fit(x, y)\n",
        "xgboost": "import xgboost as xgb\n\n\ndef train(dtrain):\n    return xgb.train({'max_depth': %d}, dtrain)\n",
        "torch": "import torch\n\n\ndef train(model, loader):\n    opt = torch.optim.Adam(model.parameters(), lr=0.%d)\n    for x, y in loader:\n        opt.zero_grad()\n        loss = model(x).sum()\n        loss.backward()\n        opt.step()\n    return model\n",
    }[lib] % rng.randint(2, 400)
    track = ""
    if rng.random() < 0.5:
        track = f"\n\ndef log(model, auc):\n    import mlflow\n    with mlflow.start_run():\n        mlflow.log_metric('auc', auc)\n        mlflow.sklearn.log_model(model, '{pkg}', registered_model_name='{ident(1)}')\n"
    return f'"""Training for {pkg}."""\n' + body + track


def py_test(pkg, mod):
    fn = ident()
    return f"from {pkg}.{mod} import *\n\n\ndef test_{fn}():\n    assert {rng.randint(0, 9)} >= 0\n"


def k8s():
    name = ident(1).replace("_", "-")
    kind = rng.choice(["Deployment", "Service", "ConfigMap", "CronJob"])
    return (
        f"apiVersion: {'apps/v1' if kind == 'Deployment' else 'v1' if kind != 'CronJob' else 'batch/v1'}\nkind: {kind}\n"
        f"metadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: {rng.randint(1, 9)}\n"
        f"  template:\n    spec:\n      containers:\n        - name: {name}\n          image: registry.example/{name}:{rng.randint(1, 99)}\n"
    )


def config_yaml():
    lines = []
    for _ in range(rng.randint(5, 25)):
        k = ident(1)
        lines.append(f"{k}:")
        for _ in range(rng.randint(1, 4)):
            lines.append(f"  {ident(1)}: {rng.choice([str(rng.randint(0, 9999)), word(), 'true', 'null'])}")
    return "\n".join(lines) + "\n"


def notebook():
    cells = []
    for _ in range(rng.randint(2, 6)):
        src = [f"x_{ident(1)} = {rng.randint(0, 99)}\n", f"print('{word()} {word()}')\n"]
        if rng.random() < 0.2:
            src = ["import pandas as pd\n", f"df = pd.read_csv('{ident(1)}.csv')\n", "df.describe()\n"]
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def markdown():
    return "\n\n".join(" ".join(word() for _ in range(rng.randint(8, 40))) for _ in range(rng.randint(2, 8))) + "\n"


def data_json():
    return json.dumps([{ident(1): rng.randint(0, 10**6), "name": word()} for _ in range(rng.randint(3, 30))]) + "\n"


def data_csv():
    rows = [",".join(ident(1) for _ in range(5))]
    rows += [",".join(str(rng.randint(0, 10**5)) for _ in range(5)) for _ in range(rng.randint(5, 60))]
    return "\n".join(rows) + "\n"


def shell():
    return f"#!/usr/bin/env bash\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\necho {word()}\npython -m {ident(1)} --{word()} {rng.randint(0, 9)}\n"


def typescript():
    return f"export function {ident(1)}(x: number): number {{\n  return x * {rng.randint(1, 99)};\n}}\n"


def binary():
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(200, 3000)))


def write(rel, content):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as fh:
        fh.write(content)


# Root CI: one workflow that tests and one that trains on a schedule.
write(".github/workflows/ci.yml", "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest\n")
written = 1
area = 0
while written < n_files:
    # A service: deep and wide folders, each holding a package, its tests,
    # configs, data, docs and the odd binary.
    svc = f"area{area % 40}/team{(area // 40) % 25}/svc{area}"
    area += 1
    pkg = f"svc{area}_{word()}"
    depth = rng.randint(1, 5)
    sub = "/".join(f"{word()}{rng.randint(0, 9)}" for _ in range(depth))
    write(f"{svc}/src/{pkg}/__init__.py", "")
    written += 1
    mods = []
    for _ in range(rng.randint(8, 30)):
        if written >= n_files:
            break
        r = rng.random()
        if r < 0.40:
            m = ident(1)
            mods.append(m)
            write(f"{svc}/src/{pkg}/{sub}/{m}.py" if rng.random() < 0.5 else f"{svc}/src/{pkg}/{m}.py", py_module(pkg))
        elif r < 0.43:
            write(f"{svc}/src/{pkg}/train_{ident(1)}.py", py_train(pkg))
        elif r < 0.50:
            write(f"{svc}/tests/test_{ident(1)}.py", py_test(pkg, mods[-1] if mods else "core"))
        elif r < 0.55:
            write(f"{svc}/deploy/{ident(1)}.yaml", k8s())
        elif r < 0.62:
            write(f"{svc}/config/{sub}/{ident(1)}.yml", config_yaml())
        elif r < 0.65:
            write(f"{svc}/notebooks/{ident(1)}.ipynb", notebook())
        elif r < 0.74:
            write(f"{svc}/docs/{ident(1)}.md", markdown())
        elif r < 0.80:
            write(f"{svc}/data/{sub}/{ident(1)}.json", data_json())
        elif r < 0.86:
            write(f"{svc}/data/{ident(1)}.csv", data_csv())
        elif r < 0.89:
            write(f"{svc}/scripts/{ident(1)}.sh", shell())
        elif r < 0.94:
            write(f"{svc}/web/{sub}/{ident(1)}.ts", typescript())
        elif r < 0.98:
            write(f"{svc}/assets/{ident(1)}.{rng.choice(['png', 'bin', 'parquet'])}", binary())
        else:
            write(f"{svc}/Makefile" if rng.random() < 0.5 else f"{svc}/Dockerfile",
                  "test:\n\tpytest tests\n" if rng.random() < 0.5 else f"FROM python:3.11-slim\nCOPY src /app\nCMD [\"python\", \"-m\", \"{pkg}\"]\n")
        written += 1
print(f"wrote {written} files under {out}")
