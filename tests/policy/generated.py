"""Shared helpers for tests/policy: run infrac and read what it generated.

build(spec, out_dir) runs `infrac build --target policies --all-envs` and
environments(out_dir) reads every `<name>/<env>/policies/index.json` back,
with each document the index points at and its kind for iam_eval.lint:
a trust policy is "trust", a permission policy or a trusted side is an
"identity" policy (attached to a role, user or group).

The binary comes from $INFRAC (ctest sets it). Without it the suite fails
with a message, never skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parents[1]
sys.path.insert(0, str(TOP / "tests" / "iam"))

# ORDER: src/policy.c pol_document_names
DOCUMENT_KINDS = {"trust": "trust", "permissions": "identity", "trusted_side": "identity"}
SECTIONS = ("cross_account_roles", "services")


def infrac() -> str:
    path = os.environ.get("INFRAC")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set INFRAC to the infrac binary (ctest does; by hand: "
                           "INFRAC=build/infrac python3 -m unittest ...)")
    return path


def run(*args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([infrac(), *args], capture_output=True, text=True, cwd=cwd or TOP)
    if check and proc.returncode != 0:
        raise AssertionError(f"infrac {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def spec_files() -> list[Path]:
    """Every spec the suite proves things about: specs/, examples/, and this folder's fixtures."""
    found = []
    for pattern in ("specs/*.yaml", "specs/*.json", "examples/*/spec.yaml", "examples/*/spec.json",
                    "tests/policy/specs/*.yaml"):
        found += sorted(TOP.glob(pattern))
    if not found:
        raise AssertionError(f"no specs found under {TOP}")
    return found


def build(specs: list[Path], out_dir: Path) -> None:
    """One infrac run for all specs: batch work per process."""
    run("build", "--target", "policies", "--all-envs", "-o", str(out_dir), *map(str, specs))


@dataclass
class Role:
    section: str | None      # cross_account_roles, services, or None for a shared role
    key: str
    meta: dict               # the index entry: role, arn, max_session_duration, ...
    documents: dict = field(default_factory=dict)   # name -> parsed document
    texts: dict = field(default_factory=dict)       # name -> file text


@dataclass
class Environment:
    name: str
    env: str
    folder: Path             # .../<name>/<env>/policies
    roles: list[Role]

    def role(self, key: str, section: str | None = None) -> Role:
        for r in self.roles:
            if r.key == key and (section is None or r.section == section):
                return r
        raise KeyError(f"{self.name}/{self.env}: no role {key!r}")

    def documents(self):
        """(label, kind, document, text) for every document of every role."""
        for r in self.roles:
            for name, doc in r.documents.items():
                label = f"{self.name}/{self.env}/{r.section + '/' if r.section else ''}{r.key}.{name}"
                yield label, DOCUMENT_KINDS[name], doc, r.texts[name]


def read_index(folder: Path, name: str, env: str) -> Environment:
    index = json.loads((folder / "index.json").read_text())
    entries = [(s, k, v) for s in SECTIONS for k, v in index.get(s, {}).items()]
    entries += [(None, k, v) for k, v in index.items() if k not in SECTIONS]
    roles = []
    for section, key, meta in entries:
        role = Role(section, key, meta)
        for doc_name in DOCUMENT_KINDS:
            if doc_name in meta:
                text = (folder / meta[doc_name]).read_text()
                role.texts[doc_name] = text
                role.documents[doc_name] = json.loads(text)
        roles.append(role)
    return Environment(name, env, folder, roles)


def environments(out_dir: Path) -> list[Environment]:
    envs = [read_index(idx.parent, idx.parents[2].name, idx.parents[1].name)
            for idx in sorted(out_dir.glob("*/*/policies/index.json"))]
    if not envs:
        raise AssertionError(f"infrac wrote no policies/index.json under {out_dir}")
    return envs


def load_spec(path: Path) -> dict:
    import yaml  # PyYAML; the specs used here have no includes
    with open(path) as f:
        return yaml.safe_load(f) if path.suffix in (".yaml", ".yml") else json.load(f)
