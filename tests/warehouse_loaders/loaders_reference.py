"""Independent plain-Python versions of the loader rules, written from DESIGN §4, for the tests."""
from __future__ import annotations

from collections import Counter, defaultdict


def peel_k_core(pairs: list[tuple[str, str]], k: int) -> set[int]:
    """Indices of rows in the k-core, by peeling one row at a time (a different algorithm from
    the loaders' repeated filter: both give the unique maximal k-core)."""
    alive = set(range(len(pairs)))
    users, items = Counter(u for u, _ in pairs), Counter(i for _, i in pairs)
    by_user, by_item = defaultdict(set), defaultdict(set)
    for idx, (u, i) in enumerate(pairs):
        by_user[u].add(idx)
        by_item[i].add(idx)
    queue = [idx for idx, (u, i) in enumerate(pairs) if users[u] < k or items[i] < k]
    while queue:
        idx = queue.pop()
        if idx not in alive:
            continue
        alive.discard(idx)
        u, i = pairs[idx]
        users[u] -= 1
        items[i] -= 1
        # a user or item that just fell below k takes all its remaining rows with it
        for other in (by_user[u] if users[u] == k - 1 else ()):
            if other in alive:
                queue.append(other)
        for other in (by_item[i] if items[i] == k - 1 else ()):
            if other in alive:
                queue.append(other)
    return alive


def assert_k_core(users: list[str], items: list[str], k: int) -> None:
    """Every user and every item of the rows occurs at least k times."""
    assert min(Counter(users).values(), default=k) >= k
    assert min(Counter(items).values(), default=k) >= k


def leave_last_out(rows: list[tuple[str, str, int]], max_history: int) -> dict[str, list[tuple]]:
    """rows (user, item, timestamp) in file order → {split: [(user, history, target, ts)]}."""
    per_user = defaultdict(list)
    for position, (user, item, ts) in enumerate(rows):
        per_user[user].append((ts, position, item))
    out = {"train": [], "valid": [], "test": []}
    for user in sorted(per_user):
        events = sorted(per_user[user])
        sequence = [item for _, _, item in events]
        for j in range(1, len(events)):
            split = "train"
            if j == len(events) - 1:
                split = "test"
            elif j == len(events) - 2:
                split = "valid"
            history = sequence[:j][-max_history:]
            out[split].append((user, history, sequence[j], events[j][0]))
    return out


def frame_rows(frame) -> list[tuple]:
    return [(r.user_id, list(r.history), r.target, int(r.timestamp)) for r in frame.itertuples()]


def dedup_earliest(rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Keep the earliest (user, item) row; equal timestamps keep the first in file order."""
    best = {}
    for position, (user, item, ts) in enumerate(rows):
        if (user, item) not in best or ts < best[(user, item)][0]:
            best[(user, item)] = (ts, position)
    keep = {position for _, position in best.values()}
    return [row for position, row in enumerate(rows) if position in keep]


def core_rows(rows: list[tuple[str, str, int]], k: int) -> list[tuple[str, str, int]]:
    alive = peel_k_core([(u, i) for u, i, _ in rows], k)
    return [row for position, row in enumerate(rows) if position in alive]


def cf_split(pairs: list[tuple[str, str]], seed: int, ratio: tuple[int, int, int]) -> dict[str, list[tuple[str, str]]]:
    """The lake's rule (warehouse.task_inputs): unique pairs ordered by sha256("seed|user|item"),
    the first 4/10 (floored) train, the next 3/10 (floored) valid, the rest test."""
    import hashlib

    unique = sorted(set(pairs), key=lambda p: (hashlib.sha256(f"{seed}|{p[0]}|{p[1]}".encode()).hexdigest(), p))
    n_train = len(unique) * ratio[0] // sum(ratio)
    n_valid = len(unique) * ratio[1] // sum(ratio)
    return {"train": unique[:n_train], "valid": unique[n_train:n_train + n_valid], "test": unique[n_train + n_valid:]}
