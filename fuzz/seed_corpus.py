#!/usr/bin/env python3
"""Seed each fuzz target's corpus (fuzz/corpus/<target>/) from the fixtures.

The scan_files target takes a name selector byte before each file (its index
in NAMES of crates/detect/src/fuzz.rs); fixture files are given the selector
of the same name, or of a name with the same extension.
"""
import hashlib
import os
import re

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
fuzz_rs = open(os.path.join(root, "crates/detect/src/fuzz.rs")).read()
names = re.findall(r'^    "([^"]+)",$', fuzz_rs.split("pub const NAMES")[1].split("];")[0], re.M)


def selector(path):
    base = os.path.basename(path)
    for i, n in enumerate(names):
        if os.path.basename(n) == base:
            return i
    ext = os.path.splitext(base)[1]
    for i, n in enumerate(names):
        if ext and n.endswith(ext):
            return i
    return None


def put(target, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as fh:
        fh.write(data)


for dirpath, _, files in os.walk(os.path.join(root, "fixtures")):
    for f in files:
        p = os.path.join(dirpath, f)
        data = open(p, "rb").read()[:65536]
        sel = selector(p)
        if sel is not None:
            put("scan_files", bytes([sel]) + data)
        if f.endswith((".yml", ".yaml")):
            put("yaml", data)
            if f == ".mlops-level.yml":
                put("config", data)
        if f.endswith(".py"):
            put("python", data)
        if f.endswith(".sh") or f == "Makefile":
            put("shell", data)
for sub, target in [("rules", "rule_pack"), ("rules/catalog", "catalog")]:
    d = os.path.join(root, sub)
    for f in sorted(os.listdir(d)):
        if f.endswith(".yaml"):
            put(target, open(os.path.join(d, f), "rb").read())
# The git index target: this repository's own index, when it is a checkout.
index = os.path.join(root, ".git", "index")
if os.path.isfile(index):
    put("git_index", open(index, "rb").read()[:65536])
print("seeded", {t: len(os.listdir(os.path.join(here, "corpus", t))) for t in sorted(os.listdir(os.path.join(here, "corpus")))})
