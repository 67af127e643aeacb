"""The install logic (tools/install.py) and the Makefile agree on torch and form the right commands.

Nothing is downloaded: the commands are formed with `--dry-run` and `make -n`.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("install_logic", REPO / "tools" / "install.py")
install = importlib.util.module_from_spec(spec)
spec.loader.exec_module(install)


def pyproject_torch() -> str:
    return re.search(r'"torch==([^"]+)"', (REPO / "pyproject.toml").read_text()).group(1)


# How to mend a mismatch (`make lock` resolves the GPU lock on PyPI; offline, copy the pins by hand).
FIX = "; run `make lock`, or copy requirements.lock's changed pins into requirements-gpu.lock"


def test_locks_and_pyproject_pin_one_torch_version():
    cpu, gpu = install.torch_pin(install.CPU_LOCK), install.torch_pin(install.GPU_LOCK)
    assert cpu == f"{pyproject_torch()}+cpu", "the CPU lock pins the CPU build of pyproject's torch" + FIX
    assert gpu == pyproject_torch(), "the GPU lock pins PyPI's (CUDA) build of the same version" + FIX
    cpu_pins, gpu_pins = install.read_lock(install.CPU_LOCK), install.read_lock(install.GPU_LOCK)
    assert {n: v for n, v in gpu_pins.items() if n in cpu_pins and n != "torch"} == \
        {n: v for n, v in cpu_pins.items() if n != "torch"}, "the GPU lock differs only by torch and its CUDA wheels" + FIX
    extra = set(gpu_pins) - set(cpu_pins)
    assert extra and all(n.startswith(("nvidia-", "cuda-", "triton")) for n in extra), extra


def test_cpu_without_wheel_folder_takes_torch_alone_from_pytorch_cpu_index(tmp_path):
    commands = install.install_commands(".venv/bin/python", wheels=str(tmp_path / "absent"))
    (torch_cmd, torch_env), (rest_cmd, _) = commands
    version = install.torch_pin(install.CPU_LOCK)
    assert torch_cmd[-3:] == ["--index-url", "https://download.pytorch.org/whl/cpu", f"torch=={version}"]
    assert "--no-deps" in torch_cmd and torch_env == {"PIP_FIND_LINKS": ""}
    rest = Path(rest_cmd[rest_cmd.index("-r") + 1]).read_text().split()
    assert "--index-url" not in rest_cmd and not any(p.lower().startswith("torch==") for p in rest)
    assert len(rest) == len(install.read_lock(install.CPU_LOCK)) - 1


def test_cpu_with_wheel_folder_installs_the_whole_lock_from_it_first(tmp_path):
    version = install.torch_pin(install.CPU_LOCK)
    (tmp_path / f"torch-{version}-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    [(cmd, env)] = install.install_commands(".venv/bin/python", wheels=str(tmp_path))
    assert cmd[-4:] == ["--find-links", str(tmp_path), "-r", str(install.CPU_LOCK)] and env == {}
    # A folder without that exact torch build is not used.
    empty = tmp_path / "other"
    empty.mkdir()
    assert len(install.install_commands(".venv/bin/python", wheels=str(empty))) == 2


def test_gpu_installs_its_lock_from_pypi_and_checks_for_a_cuda_build(tmp_path):
    (tmp_path / f"torch-{install.torch_pin(install.CPU_LOCK)}-cp311-cp311-linux_x86_64.whl").write_bytes(b"")
    (cmd, env), (check, _) = install.install_commands(".venv/bin/python", gpu=True, wheels=str(tmp_path))
    assert cmd[-2:] == ["-r", str(install.GPU_LOCK)] and "--find-links" not in cmd and "--index-url" not in cmd
    assert env == {"PIP_FIND_LINKS": ""}, "the local CPU wheel would satisfy torch==X too"
    assert "torch.version.cuda" in check[-1]
    # Here torch is a CPU build: the check must fail rather than let a GPU worker run on CPU.
    assert subprocess.run([sys.executable, *check[1:]], capture_output=True).returncode != 0


def make_dry(*args: str) -> str:
    return subprocess.run(["make", "-n", "-B", "install", *args], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout


def test_makefile_passes_the_variant_and_wheel_folder_to_the_install_logic(tmp_path):
    absent = str(tmp_path / "absent")
    cpu, gpu = make_dry(f"WHEELS={absent}"), make_dry(f"WHEELS={absent}", "GPU=1")
    assert f"python3 tools/install.py --python .venv/bin/python --wheels {absent}" in cpu and "--gpu" not in cpu
    assert "--gpu" in gpu and "touch .venv/.installed-gpu" in gpu
    # What those lines run, with the same arguments:
    out = subprocess.run([sys.executable, str(REPO / "tools" / "install.py"), "--dry-run", "--python",
                          ".venv/bin/python", "--wheels", absent], capture_output=True, text=True, check=True).stdout
    assert "--index-url https://download.pytorch.org/whl/cpu torch==" in out
    out = subprocess.run([sys.executable, str(REPO / "tools" / "install.py"), "--dry-run", "--gpu", "--python",
                          ".venv/bin/python"], capture_output=True, text=True, check=True).stdout
    assert "requirements-gpu.lock" in out and "download.pytorch.org" not in out
