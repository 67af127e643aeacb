"""Every constant of the BLAIR benchmark protocol (DESIGN §5), in one place.

Models, tasks and reports import these; nothing else hard-codes a protocol number. The data
rules' numbers (history length, CF split, search negatives) live with the data in
`warehouse/settings.py` (DESIGN §4).
"""
from __future__ import annotations

QUERY_INSTRUCTION = (
    "Given a user query describing a need, retrieve relevant entities (such as products, "
    "services, or media items) that satisfy the intent and constraints."
)

# How an instruction-tuned encoder sees a query (E5/GTE-style prompt around QUERY_INSTRUCTION).
QUERY_TEMPLATE = "Instruct: {instruction}\nQuery: {query}"

SEED = 2024
# Bump when a change to the protocol changes results: it is part of every result's cache key.
# 3: the text seqrec model's micro-batches count its Transformer activations (issue 19: peak
# memory), so its steps are cut differently and dropout draws differ (same update in expectation).
# 4: the text seqrec model's default is relative positions trained on one row per user
# ("sequences", 512 targets per step) instead of absolute positions on prefix rows (issue 19).
PROTOCOL_VERSION = 4
# Baselines that are not encoders, and the task each belongs to (random vectors fit every task).
BASELINE_TASKS = {"bm25": "search", "sasrec": "seqrec"}
ADAPTOR_WIDTH = 128  # PCA-whitening (or Matryoshka) width for recommendation tasks

# Sequential recommendation (UniSRec-style)
SEQREC_EXPERTS = 8
SEQREC_LAYERS = 2
SEQREC_HEADS = 2
SEQREC_HIDDEN = 300
SEQREC_INNER = 256
SEQREC_DROPOUT = 0.5
SEQREC_TEMPERATURE = 0.07
SEQREC_LR_GRID = (1e-3, 3e-4, 1e-4)
SEQREC_MAX_EPOCHS = 200  # early stopping ends training first; a lower --max-epochs is a capped run
SEQREC_PATIENCE = 10
SEQREC_VALID_METRIC = ("ndcg", 10)
SEQREC_ADAPTOR_DROPOUT = 0.2  # UniSRec's adaptor_dropout_prob
SEQREC_BATCH = 256  # rows per step ("prefix", "windows")
# Train targets per step of "sequences" rows. RecBole's train_batch_size is 2,048; on ML-100K 512
# learnt faster per epoch at the same CPU per epoch (valid NDCG@10 after 6 epochs 0.051 vs 0.043).
SEQREC_BATCH_TARGETS = 512
SEQREC_REPORT = (("ndcg", 10), ("recall", 10), ("recall", 50))
SEQREC_GATE_NOISE = True  # UniSRec's noisy gating: softplus-scaled Gaussian noise on gate logits (training)
# Training examples (docs/SEQREC.md): "sequences" (the text model's default) is one row per user,
# every target with its whole past, which relative positions read as its last max_len items;
# "prefix" gives every target its last max_len items as RecBole's prefix rows do (one causal
# pass where that is exact, then a row per later target); "windows" cuts each sequence into
# non-overlapping windows from its end (cheap; shorter histories). The ID SASRec numbers its
# positions absolutely, so it trains on prefix rows.
SEQREC_EXAMPLES = "sequences"
SASREC_EXAMPLES = "prefix"
# Positions of the text model: "relative" (a learned attention bias per head and distance back,
# attention to the last max_len items; lets "sequences" give every target its full history at
# the cost of one pass per user) or "absolute" (UniSRec: a learned embedding per row position).
SEQREC_POSITIONS = "relative"

# ID-only SASRec as the SASRec paper defines it (Kang & McAuley, ICDM 2018, §IV-B and §V-C):
# dot-product scores with the shared item embedding, binary cross-entropy against one sampled
# negative per position, pre-LN blocks, hidden 50, 2 blocks, 1 head, max length 50 (200 on
# ML-1M), dropout 0.2 on the dense MovieLens data and 0.5 on the sparse Amazon data, lr 1e-3, batch 128.
SASREC_HIDDEN = 50
SASREC_BLOCKS = 2
SASREC_HEADS = 1
SASREC_DROPOUT = {"dense": 0.2, "sparse": 0.5}
SASREC_LR = 1e-3
SASREC_BATCH = 128

# Collaborative filtering (AlphaRec-style)
CF_WIDTH = 64
CF_TEMPERATURE = 0.15
CF_PATIENCE = 20
CF_VALID_METRIC = ("recall", 20)
CF_BATCH = 1024
CF_LR_GRID = (1e-3, 3e-4, 1e-4)  # chosen on valid Recall@20, as for seqrec
CF_MAX_EPOCHS = 500
CF_REPORT = (("ndcg", 20), ("recall", 20))
CF_MLP_HIDDEN = 256
CF_NEGATIVES = 256  # uniform negatives per pair (the reference AlphaRec code)
# Named CF configurations (benchmark.models.alpharec): "paper" is the paper's text (one linear
# map, in-batch negatives); "uniform" changes only the negatives; "alpharec" is the reference
# code's model (MLP + 2 LightGCN layers + 256 uniform negatives).
CF_VARIANTS = {
    "paper": {"encoder": "linear", "gcn_layers": 0, "negatives": 0},
    "uniform": {"encoder": "linear", "gcn_layers": 0, "negatives": CF_NEGATIVES},
    "alpharec": {"encoder": "mlp", "gcn_layers": 2, "negatives": CF_NEGATIVES},
}
CF_VARIANT = "alpharec"
# Context baselines of every CF result: most-popular and EASE (Steck 2019), lambda chosen on valid.
EASE_LAMBDAS = (10.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
EASE_MAX_ITEMS = 10_000  # EASE inverts an items x items matrix: skipped (and said so) above this

# Product search (zero-shot)
SEARCH_CUTOFF = 100
# Search datasets whose queries are complex (the paper's fourth subtask column); the others are
# short-query sets (ESCI, the sandbox). A name counts when it starts with one of these, so a
# synthesised set named `amazon_c4_<something>` is complex too; a result's `subtask` field wins.
COMPLEX_SEARCH_DATASETS = ("amazon_c4", "reddit_movies")
BM25_K1 = 1.2  # Robertson/Lucene defaults for the BM25 search baseline
BM25_B = 0.75
