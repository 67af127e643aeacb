"""Every constant of the BLAIR benchmark protocol (DESIGN §5), in one place.

Models, tasks and reports import these; nothing else hard-codes a protocol number.
"""
from __future__ import annotations

QUERY_INSTRUCTION = (
    "Given a user query describing a need, retrieve relevant entities (such as products, "
    "services, or media items) that satisfy the intent and constraints."
)

# How an instruction-tuned encoder sees a query (E5/GTE-style prompt around QUERY_INSTRUCTION).
QUERY_TEMPLATE = "Instruct: {instruction}\nQuery: {query}"

SEED = 2024
# Baselines that are not encoders, and the task each belongs to (random vectors fit every task).
BASELINE_TASKS = {"bm25": "search", "sasrec": "seqrec"}
ADAPTOR_WIDTH = 128  # PCA-whitening (or Matryoshka) width for recommendation tasks

# Sequential recommendation (UniSRec-style)
SEQREC_MAX_HISTORY = 50
SEQREC_MAX_HISTORY_ML1M = 200
SEQREC_EXPERTS = 8
SEQREC_LAYERS = 2
SEQREC_HEADS = 2
SEQREC_HIDDEN = 300
SEQREC_INNER = 256
SEQREC_DROPOUT = 0.5
SEQREC_TEMPERATURE = 0.07
SEQREC_LR_GRID = (1e-3, 3e-4, 1e-4)
SEQREC_PATIENCE = 10
SEQREC_VALID_METRIC = ("ndcg", 10)
SEQREC_ADAPTOR_DROPOUT = 0.2  # UniSRec's adaptor_dropout_prob
SEQREC_BATCH = 256
SEQREC_REPORT = (("ndcg", 10), ("recall", 10), ("recall", 50))

# Collaborative filtering (AlphaRec-style)
CF_WIDTH = 64
CF_TEMPERATURE = 0.15
CF_PATIENCE = 20
CF_VALID_METRIC = ("recall", 20)
CF_BATCH = 1024
CF_LR = 1e-3
CF_REPORT = (("ndcg", 20), ("recall", 20))
CF_SPLIT = (4, 3, 3)

# Product search (zero-shot)
SEARCH_CUTOFF = 100
SEARCH_SAME_CATEGORY_NEGATIVES = 50
# Search datasets whose queries are complex (the paper's fourth subtask column); the others are
# short-query sets (ESCI, the sandbox). A name counts when it starts with one of these, so a
# synthesised set named `amazon_c4_<something>` is complex too; a result's `subtask` field wins.
COMPLEX_SEARCH_DATASETS = ("amazon_c4", "reddit_movies")
BM25_K1 = 1.2  # Robertson/Lucene defaults for the BM25 search baseline
BM25_B = 0.75
