"""Complex-query synthesis, the Amazon-C4 recipe (DESIGN §5): real 5-star reviews rephrased by an
LLM into first-person shopping queries, filtered, and written in the Amazon-C4 format.

| module | what |
|---|---|
| `prompt.py` | the paper's prompt, verbatim, and its hash |
| `sampling.py` | which reviews: rating 5, >= 100 characters, a period, categories, one per (user, item), seeded |
| `llm.py` | the back ends behind one interface: an OpenAI-compatible chat endpoint, offline SmolLM2 |
| `cache.py` | every answer stored under (review id, model, prompt hash, settings): resume, grow N |
| `filters.py` | failed conversions, each with a reason (quarantine) |
| `recipe.py` | the whole run: sample → ask → filter → `test.csv` + item pool + sidecar |
"""
