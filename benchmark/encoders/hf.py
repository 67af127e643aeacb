"""Hugging Face `transformers` encoders: BERT/RoBERTa/T5-encoder models and decoder LLMs.

Batches are formed from texts sorted by token length (less padding, same vectors) and sized by
a token budget (rows × padded length), so short titles go in large batches and long texts in
small ones; then the original order is restored. Padding is masked out of every pooling, so a
text's vector does not depend on its batch or on the padding side. On CUDA the weights are
kept in bf16 (fp16 where bf16 is unsupported) and the forward pass runs under autocast;
`device_map="auto"` spreads a multi-billion-parameter decoder over every visible GPU
(accelerate). Vectors always come back as float32.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from tqdm.auto import tqdm

from benchmark.encoders.base import DOCUMENT_TEMPLATE, Encoder, Kind, settings_hash
from benchmark.protocol import QUERY_INSTRUCTION, QUERY_TEMPLATE

log = logging.getLogger(__name__)

Pooling = Literal["cls", "pooler", "mean", "last-token"]  # pooler: the model's own pooler output (SimCSE)


@dataclass(frozen=True)
class HFSettings:
    """Per-encoder settings (DESIGN §5). `model` is a hub name or a local folder."""

    model: str
    pooling: Pooling = "mean"
    max_length: int = 512
    normalise: bool = True
    query_instruction: bool = False  # instruction-tuned models: prefix queries (DESIGN §5)
    instruction: str = QUERY_INSTRUCTION
    query_template: str = QUERY_TEMPLATE
    document_template: str = DOCUMENT_TEMPLATE
    matryoshka: bool = False
    dimensions: int | None = None  # Matryoshka width: the first N pooled values, renormalised
    bidirectional: bool = False  # attend both ways in a decoder (GritLM embeds so)
    skip_prompt: bool = False  # mean pooling leaves out the prompt's tokens (GritLM)
    dense: str | None = None  # subfolder of a sentence-transformers Dense layer after pooling (Sentence-T5)
    local_files_only: bool = False  # never download: weights must be a folder or in the HF cache
    gguf_file: str | None = None  # a GGUF file inside `model`; transformers dequantises it
    append_eos: bool = False  # some LLM embedders were trained with an EOS token to pool on
    eos_token: str | None = None  # the token appended, when not the tokenizer's eos (Qwen3: <|endoftext|>)
    batch_size: int = 64  # the most texts in one batch
    token_budget: int = 16384  # the most padded tokens in one batch (rows × longest row)
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"  # auto: bf16/fp16 on CUDA, fp32 on CPU
    device_map: str | None = None  # "auto": place a large model's layers over every visible GPU
    trust_remote_code: bool = False


# Settings that change how texts are batched or placed, never a vector: not part of the revision.
RUN_ONLY = ("batch_size", "token_budget", "device_map", "local_files_only")
# Settings added after vectors were first stored: left out of the revision at their defaults, so
# those vectors (made as the defaults make them) stay valid.
LATER = ("instruction", "query_template", "document_template", "dimensions", "bidirectional", "skip_prompt", "dense",
         "eos_token")


def model_dtype(setting: str, device: torch.device) -> torch.dtype:
    """The dtype the weights are kept in: half precision on CUDA (bf16 where supported), else fp32."""
    if setting != "auto":
        return getattr(torch, setting)
    if device.type != "cuda":
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def pool(hidden: torch.Tensor, mask: torch.Tensor, how: Pooling) -> torch.Tensor:
    """Pool token states [B, T, H] under attention mask [B, T] into [B, H].

    `last-token` takes the last position whose mask is 1, which is right for both padding
    sides: with left padding it is position T-1, with right padding it is length-1.
    """
    if how == "cls":
        return hidden[:, 0]
    if how == "mean":
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    if how == "last-token":
        length = mask.shape[1]
        last = length - 1 - mask.flip(1).long().argmax(1)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    raise ValueError(f"unknown pooling {how!r}")


def _dense_file(model: str, subfolder: str, name: str, local_files_only: bool) -> Path:
    """A file of the sentence-transformers Dense layer in `<model>/<subfolder>/` (a folder or the hub)."""
    if Path(model).is_dir():
        return Path(model) / subfolder / name
    from huggingface_hub import hf_hub_download

    return Path(hf_hub_download(model, f"{subfolder}/{name}", local_files_only=local_files_only))


def dense_config(model: str, subfolder: str, local_files_only: bool) -> dict:
    """The Dense layer's config.json (its widths), read without its weights."""
    import json

    config = json.loads(_dense_file(model, subfolder, "config.json", local_files_only).read_text())
    if not config.get("activation_function", "").endswith("Identity"):
        raise ValueError(f"{model}/{subfolder}: only an identity activation is supported, "
                         f"not {config.get('activation_function')}")
    return config


def load_dense(model: str, subfolder: str, local_files_only: bool) -> torch.nn.Linear:
    """The linear projection a sentence-transformers model applies after pooling (`<subfolder>/`)."""
    from huggingface_hub.errors import EntryNotFoundError

    config = dense_config(model, subfolder, local_files_only)
    try:
        from safetensors.torch import load_file

        state = load_file(_dense_file(model, subfolder, "model.safetensors", local_files_only))
    except (OSError, EntryNotFoundError):  # older sentence-transformers repos ship only the .bin
        state = torch.load(_dense_file(model, subfolder, "pytorch_model.bin", local_files_only), map_location="cpu",
                           weights_only=True)
    layer = torch.nn.Linear(config["in_features"], config["out_features"], bias=config.get("bias", True))
    layer.load_state_dict({k.removeprefix("linear."): v.float() for k, v in state.items()})
    return layer.eval()


def _weights_fingerprint(settings: HFSettings, config) -> str:
    """What identifies the weights: the hub commit, or the names and sizes of local files."""
    commit = getattr(config, "_commit_hash", None)
    folder = Path(settings.model)
    if folder.is_dir():
        files = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
        return hashlib.sha1(repr(files).encode()).hexdigest()[:12]
    return commit or "unknown"


def revision(settings: HFSettings, dtype: torch.dtype, config) -> str:
    """The cache key of an encoder's vectors: the settings that change a vector and the weights' identity."""
    # A local folder is named by its files' fingerprint, not its path (venvs move).
    defaults = HFSettings(model=settings.model)
    named = {k: v for k, v in asdict(settings).items() if k not in RUN_ONLY + ("dtype",)
             and not (k in LATER and v == getattr(defaults, k))}
    named |= {"batch_size": None,
              "model": Path(settings.model).name if Path(settings.model).is_dir() else settings.model}
    if dtype != torch.float32:  # half-precision weights give (slightly) different vectors
        named["dtype"] = str(dtype)
    return settings_hash(named, _weights_fingerprint(settings, config))


class HFEncoder(Encoder):
    """An encoder over `transformers` weights.

    Its description (name, revision, dim) comes from config.json and the weights files'
    fingerprint alone; the tokenizer and the weights load on first use, so a run served from the
    result cache never loads a (7B) model.
    """

    def __init__(self, settings: HFSettings, name: str | None = None, device: str | None = None,
                 progress: bool = True):
        from transformers import AutoConfig

        self.settings = settings
        self.name = name or f"hf:{settings.model}"
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.progress = progress
        self.query_instruction = settings.query_instruction
        self.instruction, self.query_template = settings.instruction, settings.query_template
        self.document_template = settings.document_template
        self.matryoshka = settings.matryoshka
        self._files = {"gguf_file": settings.gguf_file} if settings.gguf_file else {}
        if settings.local_files_only:
            self._files["local_files_only"] = True
        self.dtype = model_dtype(settings.dtype, self.device)
        config = AutoConfig.from_pretrained(settings.model, trust_remote_code=settings.trust_remote_code, **self._files)
        self.dim = int(config.hidden_size if hasattr(config, "hidden_size") else config.d_model)
        if settings.dense:
            self.dim = int(dense_config(settings.model, settings.dense, settings.local_files_only)["out_features"])
        if settings.dimensions is not None:
            if not settings.matryoshka:
                raise ValueError(f"{self.name} was not trained for Matryoshka widths: it has no --dimensions")
            if not 1 <= settings.dimensions <= self.dim:
                raise ValueError(f"{self.name}: --dimensions must be between 1 and {self.dim}, "
                                 f"not {settings.dimensions}")
            self.dim = settings.dimensions
        self.revision = revision(settings, self.dtype, config)

    def load(self) -> None:
        for part in ("tokenizer", "model", "dense"):  # cached properties: reading one loads it
            getattr(self, part)

    @functools.cached_property
    def tokenizer(self):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.settings.model, trust_remote_code=self.settings.trust_remote_code,
                                                  **self._files)
        if tokenizer.pad_token is None:
            # Decoder LLMs (GPT-2, Llama) often ship without a pad token; the mask hides it anyway.
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
        return tokenizer

    @functools.cached_property
    def model(self) -> torch.nn.Module:
        """The weights, loaded on first use (in `dtype`, on `device` or spread by `device_map`)."""
        from transformers import AutoModel

        settings = self.settings
        placement = {"device_map": settings.device_map} if settings.device_map else {}
        model = AutoModel.from_pretrained(settings.model, trust_remote_code=settings.trust_remote_code,
                                          dtype=self.dtype, **placement, **self._files)
        if getattr(model.config, "is_encoder_decoder", False) or (hasattr(model, "encoder") and hasattr(model, "decoder")):
            # T5-style: only the encoder makes the embedding (also when the checkpoint is a
            # T5EncoderModel, as Sentence-T5's is: AutoModel builds the whole T5 around it).
            model = model.get_encoder()
        if settings.device_map:  # accelerate placed the layers; inputs go to the first one
            self.device = next(model.parameters()).device
            return model.eval()
        return model.to(self.device).eval()

    @functools.cached_property
    def dense(self) -> torch.nn.Linear | None:
        if not self.settings.dense:
            return None
        device = next(self.model.parameters()).device  # after the model: `device_map` may have moved it
        return load_dense(self.settings.model, self.settings.dense, self.settings.local_files_only).to(device)

    @functools.cached_property
    def _takes_positions(self) -> bool:
        return "position_ids" in inspect.signature(self.model.forward).parameters

    @functools.cached_property
    def _eos_id(self) -> int | None:
        settings, tokenizer = self.settings, self.tokenizer
        eos = tokenizer.convert_tokens_to_ids(settings.eos_token) if settings.eos_token else tokenizer.eos_token_id
        if settings.append_eos and eos in (None, tokenizer.unk_token_id):
            raise ValueError(f"{self.name}: the tokenizer has no end-of-sequence token "
                             f"{settings.eos_token or ''} to append")
        return eos

    def tokenise(self, texts: list[str]) -> list[list[int]]:
        ids = self.tokenizer(texts, add_special_tokens=True, truncation=True,
                             max_length=self.settings.max_length - int(self.settings.append_eos))["input_ids"]
        if self.settings.append_eos:  # once: some tokenizers (Qwen3, E5-Mistral) already append it
            eos = self._eos_id
            ids = [row if row[-1:] == [eos] else row + [eos] for row in ids]
        return ids

    def batches(self, texts: list[str], batch_size: int, sort: bool = True, token_budget: int | None = None):
        """Yield (positions, padded inputs) with texts sorted by token length, longest first.

        A batch holds at most `batch_size` texts and at most `token_budget` padded tokens
        (default: the settings'); its first text is its longest, so the cost is known up front.
        """
        ids = self.tokenise(texts)
        order = np.argsort([-len(r) for r in ids], kind="stable") if sort else np.arange(len(ids))
        budget = token_budget or self.settings.token_budget
        start = 0
        while start < len(order):
            longest = max(len(ids[order[start]]), 1)
            rows = max(1, min(batch_size, budget // longest, len(order) - start))
            if not sort:  # unsorted: the budget must hold for the longest text of the chunk
                while rows > 1 and rows * max(len(ids[i]) for i in order[start:start + rows]) > budget:
                    rows -= 1
            chunk = order[start:start + rows]
            start += rows
            inputs = self.tokenizer.pad({"input_ids": [ids[i] for i in chunk]}, padding=True, return_tensors="pt")
            yield chunk, inputs

    def forward(self, inputs, skip: int = 0) -> torch.Tensor:
        """One batch → pooled (and maybe normalised) float32 vectors on the CPU.

        `skip`: how many leading real tokens (the prompt) mean pooling leaves out.
        """
        model = self.model  # loads the weights on first use (and settles `device`)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        mask = inputs["attention_mask"]
        if self.tokenizer.padding_side == "left" and self._takes_positions:
            # Left padding would shift a decoder's positions; count them from the first real token.
            inputs["position_ids"] = (mask.long().cumsum(-1) - 1).clamp(min=0)
        if self.settings.bidirectional:
            # A ready 4D mask replaces the decoder's causal one: every token sees every real token.
            keys = mask.bool()[:, None, None, :].expand(-1, 1, mask.shape[1], -1)
            if getattr(model.config, "_attn_implementation", None) == "eager":  # eager adds the mask
                keys = torch.zeros(keys.shape, dtype=self.dtype, device=keys.device).masked_fill(
                    ~keys, torch.finfo(self.dtype).min)
            inputs["attention_mask"] = keys
        with torch.inference_mode(), self._autocast():
            output = model(**inputs)
        if self.settings.pooling == "pooler":
            vectors = output.pooler_output.float()
        else:
            if skip:
                mask = mask * (mask.long().cumsum(-1) > skip)
            vectors = pool(output.last_hidden_state.float(), mask, self.settings.pooling)
        if self.dense is not None:
            with torch.inference_mode():
                vectors = self.dense(vectors)
        if self.settings.dimensions is not None:
            vectors = vectors[:, :self.settings.dimensions]
        if self.settings.normalise:
            vectors = torch.nn.functional.normalize(vectors, dim=-1)
        return vectors.cpu()

    def prompt_tokens(self, kind: Kind) -> int:
        """How many leading tokens of every text of `kind` are the prompt, with the tokenizer's
        leading special tokens (BOS): what GritLM's pooling leaves out."""
        ids = self.tokenizer(self.prompt_prefix(kind), add_special_tokens=True)["input_ids"]
        while ids and ids[-1] in self.tokenizer.all_special_ids:  # a closing EOS/[SEP] is not part of it
            ids = ids[:-1]
        return len(ids)

    def _autocast(self):
        if self.device.type != "cuda":
            return torch.autocast("cpu", enabled=False)
        return torch.autocast("cuda", dtype=model_dtype("auto", self.device))

    def _encode(self, texts: list[str], kind: Kind, batch_size: int | None, sort: bool = True) -> np.ndarray:
        batch_size = batch_size or self.settings.batch_size
        skip = self.prompt_tokens(kind) if self.settings.skip_prompt else 0
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with tqdm(total=len(texts), desc=f"{self.name} {kind}s", unit="text", disable=not self.progress,
                  leave=False) as bar:
            for positions, inputs in self.batches(texts, batch_size, sort=sort):
                out[positions] = self.forward(inputs, skip).numpy()
                bar.update(len(positions))
        return out
