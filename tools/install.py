"""The locked install, for a CPU machine or a CUDA worker (stdlib only: it runs before the venv).

`make install` calls `python3 tools/install.py --python .venv/bin/python`; `make install GPU=1`
adds `--gpu`. Every package comes from its lock with `--no-deps`; only torch needs a rule:

- CPU (`requirements.lock`, torch `X+cpu`): from the local wheel folder where it exists (this
  machine's `/opt/wheels`), otherwise from PyTorch's CPU index (`--index-url`, torch alone, so
  no other name can be served from that index), then the rest of the lock from PyPI.
- GPU (`requirements-gpu.lock`, torch `X` = PyPI's CUDA build, with its pinned CUDA wheels):
  everything from PyPI, the local wheel folder ignored (its `X+cpu` would also satisfy `==X`),
  then a check that the installed torch is a CUDA build, so a GPU worker never runs on CPU silently.

`--dry-run` prints the commands (one per line) instead of running them. `gpu-lock` derives
`requirements-gpu.lock` from `requirements.lock` (run by `make lock`; needs PyPI).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CPU_LOCK = REPO / "requirements.lock"
GPU_LOCK = REPO / "requirements-gpu.lock"
WHEELS = "/opt/wheels"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


def read_lock(path: Path) -> dict[str, str]:
    """name → version of every `name==version` line (names compared lower-case)."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        if not match:
            raise SystemExit(f"error: {path}: not a pin: {line!r}")
        pins[match.group(1).lower()] = match.group(2)
    return pins


def torch_pin(path: Path) -> str:
    version = read_lock(path).get("torch")
    if not version:
        raise SystemExit(f"error: {path} pins no torch")
    return version


def has_wheel(folder: str, version: str) -> bool:
    """Whether `folder` holds a torch wheel of exactly `version` (local label included)."""
    tag = version.replace("+", "%2B")
    return Path(folder).is_dir() and any(
        p.name.startswith((f"torch-{version}-", f"torch-{tag}-")) for p in Path(folder).glob("torch-*.whl"))


def without_torch(lock: Path) -> Path:
    """The lock less its torch line, as a requirements file in the temp folder (named by its content)."""
    text = "".join(line + "\n" for line in lock.read_text().splitlines() if not line.lower().startswith("torch=="))
    path = Path(tempfile.gettempdir()) / f"blair-lock-no-torch-{hashlib.sha1(text.encode()).hexdigest()[:12]}.txt"
    path.write_text(text)
    return path


def install_commands(python: str, gpu: bool = False, wheels: str = WHEELS) -> list[tuple[list[str], dict[str, str]]]:
    """The pip commands (argv, extra environment) that install the lock into `python`'s environment."""
    lock = GPU_LOCK if gpu else CPU_LOCK
    pip = [python, "-m", "pip", "install", "-q", "--no-deps"]
    version = torch_pin(lock)
    if gpu:
        if "+" in version:
            raise SystemExit(f"error: {lock} pins torch=={version}, a local build; a GPU lock pins PyPI's CUDA build")
        # An empty PIP_FIND_LINKS overrides a find-links from pip.conf or the environment.
        return [(pip + ["-r", str(lock)], {"PIP_FIND_LINKS": ""}),
                ([python, "-c", "import torch, sys; sys.exit(0 if torch.version.cuda else "
                                "'error: torch ' + torch.__version__ + ' is not a CUDA build')"], {})]
    if has_wheel(wheels, version):
        return [(pip + ["--find-links", wheels, "-r", str(lock)], {})]
    return [(pip + ["--index-url", TORCH_CPU_INDEX, f"torch=={version}"], {"PIP_FIND_LINKS": ""}),
            (pip + ["-r", str(without_torch(lock))], {})]


def resolve_gpu_lock(python: str) -> Path:
    """requirements-gpu.lock: the CPU lock with PyPI's torch of the same version and its CUDA wheels."""
    pins = read_lock(CPU_LOCK)
    base = pins["torch"].split("+", 1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([python, "-m", "pip", "install", "--isolated", "--dry-run", "--ignore-installed",
                        "--quiet", "--report", str(report), f"torch=={base}"], check=True)
        resolved = {i["metadata"]["name"].lower(): i["metadata"]["version"]
                    for i in json.loads(report.read_text())["install"]}
    gpu = dict(pins)
    for name, version in resolved.items():
        if name != "torch" and name in pins and pins[name] != version:
            print(f"keeping {name}=={pins[name]} (PyPI's torch resolves {version})", file=sys.stderr)
            continue
        gpu[name] = version
    original = {line.split("==")[0].lower(): line.split("==")[0] for line in CPU_LOCK.read_text().split()}
    lines = [f"{original.get(n, n)}=={gpu[n]}" for n in sorted(gpu)]
    GPU_LOCK.write_text("\n".join(lines) + "\n")
    return GPU_LOCK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/install.py", description=__doc__.splitlines()[0])
    parser.add_argument("action", nargs="?", choices=["install", "gpu-lock"], default="install")
    parser.add_argument("--python", default=sys.executable, help="the venv's python")
    parser.add_argument("--gpu", action="store_true", help="a CUDA worker: requirements-gpu.lock")
    parser.add_argument("--wheels", default=WHEELS, help="the local wheel folder, used first where it exists")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    if args.action == "gpu-lock":
        print(resolve_gpu_lock(args.python))
        return 0
    for argv_, env in install_commands(args.python, gpu=args.gpu, wheels=args.wheels):
        line = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " " * bool(env) + shlex.join(argv_)
        print(line, flush=True)
        if not args.dry_run:
            code = subprocess.run(argv_, env=os.environ | env).returncode
            if code:
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
