"""The synthetic marketplace: items, users with latent tastes, their review timelines.

Everything is drawn from `random.Random` streams seeded by (seed, stage), so the same seed
gives the same bytes in every file written. `generate_marketplace` returns plain records;
`write_marketplace` (in `truth.py`) lays them out on disk.
"""
from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from itertools import accumulate

from parsing.categories import display_name
from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA

from sandbox.profiles import Profile
from sandbox.render import day_words
from sandbox.vocabulary import (ATTRIBUTE_PARAPHRASES, AUDIENCE_PARAPHRASES, FIRST_NAMES, LAST_INITIALS,
                                PRODUCT_NEEDS, TITLE_NEGATIVE, TITLE_NEUTRAL, TITLE_POSITIVE, VOCABULARIES,
                                CategoryVocabulary, ProductType)

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_IMG = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_IMG_BASE = "https://m.media-amazon.com/images/I/"
_DAY_MS = 86_400_000


@dataclass
class Item:
    parent_asin: str
    category: str
    ptype: ProductType
    attributes: tuple[str, ...]
    audience: str
    brand: str
    asins: list[str]                 # variant ASINs (the parent itself when there is one variant)
    page: str = "ok"                 # "ok" | "gone" (404) | "malformed" (cut before #productTitle)
    byline: str = "store"            # "store": "Visit the X Store"; "brand": "Brand: X"
    slug: str = ""
    meta: dict = field(default_factory=dict)
    options: list[str] = field(default_factory=list)   # variant option per asin (Color, Scent ...)
    quality: float = 0.0
    popularity: float = 1.0


@dataclass
class User:
    user_id: str
    name: str
    themes: list[tuple[str, str]]    # (category, theme) the user is into
    theme_weights: list[float]
    audience: dict[str, str]         # preferred audience per category
    brands: dict[str, tuple[str, ...]]


@dataclass
class Review:
    review_id: str
    record: dict                     # the official review record, official field order


@dataclass
class Marketplace:
    profile: Profile
    seed: int
    items: list[Item]
    users: list[User]
    reviews: list[Review]            # sorted by (user_id, timestamp, review_id)
    queries: list[dict]
    until_ms: int | None = None      # a snapshot (see `snapshot`); None: the whole history


def _code(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _unique(rng: random.Random, seen: set[str], make) -> str:
    while True:
        value = make(rng)
        if value not in seen:
            seen.add(value)
            return value


def _cap(word: str) -> str:
    """'sulfate-free' → 'Sulfate-Free'; keeps 'SPF 50', '2L', 'USB-C' as they are."""
    words = word.split(" ")
    out = []
    for i, w in enumerate(words):
        after_number = i > 0 and words[i - 1][:1].isdigit()    # "25 lb", "2-4 players" keep their unit
        out.append(w if after_number else "-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


# ---------------------------------------------------------------- items

def _make_items(profile: Profile, seed: int) -> list[Item]:
    rng = random.Random(f"{seed}:items")
    asins: set[str] = set()
    new_asin = lambda r: "B0" + _code(r, _ALNUM, 8)  # noqa: E731
    items: list[Item] = []
    per_cat = [profile.n_items // len(profile.categories)] * len(profile.categories)
    for i in range(profile.n_items - sum(per_cat)):
        per_cat[i] += 1
    for category, count in zip(profile.categories, per_cat):
        vocab = VOCABULARIES[category]
        types = list(vocab.product_types)
        for k in range(count):
            ptype = types[k % len(types)]
            usable = [a for a in ptype.attributes if a.lower() not in ptype.name]   # no "Adjustable Adjustable Dumbbells"
            attributes = tuple(sorted(rng.sample(usable, 2), key=ptype.attributes.index))
            n_variants = rng.choices((1, 2, 3), weights=(0.6, 0.28, 0.12))[0]
            parent = _unique(rng, asins, new_asin)
            variants = [parent] if n_variants == 1 else [_unique(rng, asins, new_asin) for _ in range(n_variants)]
            item = Item(parent_asin=parent, category=category, ptype=ptype, attributes=attributes,
                        audience=rng.choice(vocab.audiences), brand=rng.choice(vocab.brands), asins=variants,
                        byline="store" if rng.random() < 0.7 else "brand",
                        quality=rng.gauss(0.0, 0.6), popularity=rng.paretovariate(1.3))
            item.meta = _make_meta(rng, item, vocab)
            item.slug = "-".join(w for w in "".join(c if c.isalnum() else " " for c in item.meta["title"]).split()[:7])
            items.append(item)
    _mark_imperfect(profile, seed, items)
    return items


def _make_meta(rng: random.Random, item: Item, vocab: CategoryVocabulary) -> dict:
    """The official meta record for an item (ratings are filled in once reviews exist)."""
    pt = item.ptype
    options = rng.sample(pt.variant_options, min(len(item.asins), len(pt.variant_options)))
    size = rng.choice(pt.sizes)
    a1, a2 = item.attributes
    audience = vocab.audience_phrase.format(audience=item.audience)
    title = f"{item.brand} {_cap(a1)} {_cap(a2)} {_cap(pt.name)} {audience}, {size}"
    if len(item.asins) == 1:
        title += f", {options[0]}"
    benefits = rng.sample(vocab.benefits, 3)
    features = [
        f"{_cap(a1)}: this {pt.name} is {a1} {benefits[0]}.",
        f"{_cap(a2)} design: {a2} and {benefits[1]}.",
        f"Made {audience.lower()}: sized {size.lower()} and easy to use.",
        f"What you get: one {item.brand} {pt.name}, {benefits[2]}.",
    ][: rng.choice((0, 2, 3, 4, 4))]
    description = []
    if rng.random() < 0.8:
        description.append(f"The {item.brand} {pt.name} is {a1} and {a2}, {benefits[0]}.")
        if rng.random() < 0.5:
            description.append(f"{item.brand} designs every {pt.theme} product {audience.lower()}, {benefits[1]}.")
    price = round(rng.uniform(*pt.price)) - 0.01 if rng.random() < 0.85 else None
    store = item.brand
    crumbs = [vocab.crumb_root, *pt.crumb.split("|")] if rng.random() < 0.85 else []
    details: dict[str, str] = {}
    if rng.random() < 0.8:                       # the tech-spec table
        details["Brand"] = item.brand
        details[pt.variant_label] = options[0]
        details["Special Feature"] = f"{_cap(a1)}, {_cap(a2)}"
    if rng.random() < 0.85:                      # the detail bullets
        details["Package Dimensions"] = (f"{rng.randint(2, 20)} x {rng.randint(2, 14)} x {rng.randint(1, 8)} inches; "
                                         f"{rng.randint(2, 60)} Ounces")
        details["Item model number"] = f"{item.brand[:2].upper()}-{rng.randint(100, 9999)}"
        details["Date First Available"] = day_words(rng.randint(1262304000000, 1640995200000))
        details["Manufacturer"] = item.brand
        if rng.random() < 0.5:
            details["UPC"] = "".join(rng.choice("0123456789") for _ in range(12))
    images = []
    for n in range(rng.choice((1, 2, 3, 4, 5, 6))):
        code = _code(rng, _IMG, 11)
        hi = f"{_IMG_BASE}{_code(rng, _IMG, 11)}._SL1500_.jpg" if rng.random() < 0.8 else None
        images.append({"thumb": f"{_IMG_BASE}{code}._SS40_.jpg", "large": f"{_IMG_BASE}{code}.jpg",
                       "variant": "MAIN" if n == 0 else f"PT{n:02d}", "hi_res": hi})
    meta = {
        "main_category": display_name(item.category),
        "title": title,
        "average_rating": None,
        "rating_number": None,
        "features": features,
        "description": description,
        "price": price,
        "images": images,
        "videos": [],
        "store": store,
        "categories": crumbs,
        "details": details,
        "parent_asin": item.parent_asin,
        "bought_together": None,
    }
    item.options = options
    assert list(meta) == [n for n in META_SCHEMA.names if n not in ("subtitle", "author")]
    return meta


def _mark_imperfect(profile: Profile, seed: int, items: list[Item]) -> None:
    rng = random.Random(f"{seed}:imperfect")
    order = rng.sample(range(len(items)), len(items))
    n_gone = max(1, round(profile.gone_rate * len(items)))
    n_bad = max(1, round(profile.malformed_rate * len(items)))
    for i in order[:n_gone]:
        items[i].page = "gone"
    for i in order[n_gone:n_gone + n_bad]:
        items[i].page = "malformed"


# ---------------------------------------------------------------- users

def _make_users(profile: Profile, seed: int) -> list[User]:
    rng = random.Random(f"{seed}:users")
    ids: set[str] = set()
    users = []
    for _ in range(profile.n_users):
        user_id = _unique(rng, ids, lambda r: "A" + _code(r, _BASE32, 27))
        cats = [rng.choice(profile.categories)]
        if len(profile.categories) > 1 and rng.random() < 0.3:
            cats.append(rng.choice([c for c in profile.categories if c != cats[0]]))
        themes: list[tuple[str, str]] = []
        for rank, cat in enumerate(cats):
            names = sorted({pt.theme for pt in VOCABULARIES[cat].product_types})
            for theme in rng.sample(names, rng.choice((1, 1, 2, 3)) if rank == 0 else 1):
                themes.append((cat, theme))
        weights = [rng.uniform(0.5, 1.0) * (2.5 if c == cats[0] else 1.0) for c, _ in themes]
        users.append(User(
            user_id=user_id,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}.",
            themes=themes, theme_weights=weights,
            audience={c: rng.choice(VOCABULARIES[c].audiences) for c in profile.categories},
            brands={c: tuple(rng.sample(VOCABULARIES[c].brands, 2)) for c in profile.categories},
        ))
    return users


# ---------------------------------------------------------------- reviews

class _Picker:
    """Weighted choice of an item of a product type, favouring the user's brands and audience."""

    def __init__(self, items: list[Item]):
        self.by_type: dict[tuple[str, str], list[Item]] = {}
        for item in items:
            self.by_type.setdefault((item.category, item.ptype.name), []).append(item)
        self.types_by_theme: dict[tuple[str, str], list[str]] = {}
        for (cat, name), group in self.by_type.items():
            self.types_by_theme.setdefault((cat, group[0].ptype.theme), []).append(name)

    def themes_of(self, cat: str) -> list[str]:
        return sorted(theme for c, theme in self.types_by_theme if c == cat)

    def pick(self, rng: random.Random, user: User, cat: str, theme: str, taken: set[str]) -> Item | None:
        for _ in range(4):
            name = rng.choice(self.types_by_theme[(cat, theme)])
            pool = [it for it in self.by_type[(cat, name)] if it.parent_asin not in taken]
            if not pool:
                continue
            weights = [it.popularity * (4.0 if it.brand in user.brands[cat] else 1.0)
                       * (4.0 if it.audience == user.audience[cat] else 1.0) for it in pool]
            cum = list(accumulate(weights))
            return pool[bisect_left(cum, rng.random() * cum[-1])]
        return None


def _review_count(profile: Profile, rng: random.Random) -> list[int]:
    weights = [rng.lognormvariate(0.0, 0.9) for _ in range(profile.n_users)]
    extra = max(0, profile.n_reviews - profile.n_users)
    total = sum(weights)
    counts = [1 + int(extra * w / total) for w in weights]
    short = profile.n_reviews - sum(counts)
    for i in rng.sample(range(profile.n_users), min(max(short, 0), profile.n_users)):
        counts[i] += 1
    return counts


def _user_times(profile: Profile, rng: random.Random, n: int) -> list[int]:
    span_all = profile.end_ms - profile.start_ms
    first = profile.start_ms + int(span_all * (rng.random() ** 1.3) * 0.97)
    span = min(int(rng.uniform(0.3, 6.0) * 365 * _DAY_MS), profile.end_ms - first)
    return sorted(first + int(rng.random() * span) for _ in range(n))


def _rating(rng: random.Random, item: Item, user: User) -> float:
    score = item.quality + (0.5 if item.brand in user.brands[item.category] else 0.0) + rng.gauss(0.0, 1.0)
    for threshold, stars in ((0.0, 5.0), (-0.7, 4.0), (-1.2, 3.0), (-1.6, 2.0)):
        if score > threshold:
            return stars
    return 1.0


def _text(rng: random.Random, item: Item, rating: float) -> tuple[str, str]:
    vocab = VOCABULARIES[item.category]
    pt, (a1, a2) = item.ptype, item.attributes
    if rating >= 4:
        title = rng.choice(TITLE_POSITIVE)
        parts = [f"{rng.choice(vocab.praise).capitalize()}.",
                 f"This {pt.name} is really {a1}, and the {a2} part is a big plus.",
                 f"I bought it {vocab.audience_phrase.format(audience=item.audience).lower()} and it fits perfectly.",
                 f"{item.brand} did a great job.",
                 f"Would buy this {pt.name} again."]
    elif rating >= 3:
        title = rng.choice(TITLE_NEUTRAL)
        parts = [f"The {pt.name} is fine overall.", f"It is {a1} as described, but {rng.choice(vocab.complaints)}.",
                 f"Not sure the {a2} claim holds up.", "Okay for the price."]
    else:
        title = rng.choice(TITLE_NEGATIVE)
        parts = [f"{rng.choice(vocab.complaints).capitalize()}.",
                 f"I expected a {a1} {pt.name} from {item.brand}, but it was not.",
                 f"The {a2} feature did not help.", "I returned it."]
    n = rng.randint(1, len(parts))
    return title.format(ptype=pt.name), " ".join(parts[:n])


def _review_images(rng: random.Random) -> list[dict]:
    if rng.random() >= 0.06:
        return []
    out = []
    for _ in range(rng.randint(1, 3)):
        code = _code(rng, _IMG, 11)
        out.append({"small_image_url": f"{_IMG_BASE}{code}._SL256_.jpg",
                    "medium_image_url": f"{_IMG_BASE}{code}._SL800_.jpg",
                    "large_image_url": f"{_IMG_BASE}{code}.jpg", "attachment_type": "IMAGE"})
    return out


def _record(rng: random.Random, item: Item, user: User, ts: int) -> dict:
    rating = _rating(rng, item, user)
    title, text = _text(rng, item, rating)
    votes = 0 if rng.random() < 0.7 else min(int(rng.paretovariate(1.2)), 2500)
    record = {
        "rating": rating, "title": title, "text": text, "images": _review_images(rng),
        "asin": rng.choice(item.asins), "parent_asin": item.parent_asin, "user_id": user.user_id,
        "timestamp": ts, "helpful_vote": votes, "verified_purchase": rng.random() < 0.9,
    }
    assert list(record) == REVIEW_SCHEMA.names
    return record


def _make_reviews(profile: Profile, seed: int, items: list[Item], users: list[User]) -> list[Review]:
    rng = random.Random(f"{seed}:reviews")
    picker = _Picker(items)
    by_user: dict[str, list[dict]] = {}
    for user, count in zip(users, _review_count(profile, rng)):
        taken: set[str] = set()
        records = []
        theme = rng.choices(user.themes, weights=user.theme_weights)[0]
        for ts in _user_times(profile, rng, count):
            if rng.random() > 0.65:          # tastes persist: usually stay on the last theme
                theme = rng.choices(user.themes, weights=user.theme_weights)[0]
            item = picker.pick(rng, user, theme[0], theme[1], taken)
            if item is None:                 # the theme is exhausted: any theme of the same category
                cat = theme[0]
                for other in rng.sample(picker.themes_of(cat), len(picker.themes_of(cat))):
                    item = picker.pick(rng, user, cat, other, taken)
                    if item is not None:
                        break
            if item is None:
                continue
            taken.add(item.parent_asin)
            records.append((item, ts))
        by_user[user.user_id] = records

    items_by_asin = {it.parent_asin: it for it in items}
    user_by_id = {u.user_id: u for u in users}
    # Every user must be reachable: at least one review of an item whose page is listed.
    for user in users:
        records = by_user[user.user_id]
        if not any(it.page != "gone" for it, _ in records):
            cat, theme = user.themes[0]
            alive = [it for it in items if it.category == cat and it.page != "gone"
                     and it.parent_asin not in {i.parent_asin for i, _ in records}]
            ts = _user_times(profile, rng, 1)[0]
            records.append((rng.choice(alive), ts))
    # Every item gets reviewed at least once, by a user into its theme when there is one.
    reviewed = {it.parent_asin for recs in by_user.values() for it, _ in recs}
    for item in items:
        if item.parent_asin in reviewed:
            continue
        fans = [u for u in users if (item.category, item.ptype.theme) in u.themes] or users
        user = rng.choice(fans)
        if item.parent_asin in {i.parent_asin for i, _ in by_user[user.user_id]}:
            continue
        by_user[user.user_id].append((item, _user_times(profile, rng, 1)[0]))
        reviewed.add(item.parent_asin)
    # A few users review the same item twice, later.
    for user in rng.sample(users, max(1, round(profile.duplicate_rate * len(users)))):
        records = by_user[user.user_id]
        item, ts = rng.choice(records)
        later = ts + rng.randint(1, max(2, profile.end_ms - ts)) if ts < profile.end_ms - 1 else ts + 1
        records.append((item, later))

    ids: set[str] = set()
    reviews = []
    for user in users:
        for item, ts in sorted(by_user[user.user_id], key=lambda r: r[1]):
            ts_ms = ts - ts % 1000 + rng.randint(0, 999)
            record = _record(rng, item, user_by_id[user.user_id], ts_ms)
            reviews.append(Review(_unique(rng, ids, lambda r: "R" + _code(r, _ALNUM, 13)), record))
    reviews.sort(key=lambda r: (r.record["user_id"], r.record["timestamp"], r.review_id))
    _fill_ratings(rng, items_by_asin, reviews)
    return reviews


def _fill_ratings(rng: random.Random, items_by_asin: dict[str, Item], reviews: list[Review]) -> None:
    """average_rating / rating_number: the reviews plus star-only ratings the site also counts."""
    stars: dict[str, list[float]] = {}
    for r in reviews:
        stars.setdefault(r.record["parent_asin"], []).append(r.record["rating"])
    for asin, item in items_by_asin.items():
        got = stars.get(asin, [])
        extra = int(len(got) * rng.uniform(0.0, 3.0))
        mean = sum(got) / len(got) if got else 4.0
        item.meta["rating_number"] = len(got) + extra
        item.meta["average_rating"] = round(min(5.0, max(1.0, mean + rng.uniform(-0.2, 0.2))), 1)


def _add_videos(seed: int, items: list[Item], users: list[User]) -> None:
    rng = random.Random(f"{seed}:videos")
    for item in items:
        if rng.random() >= 0.15:
            continue
        for _ in range(rng.randint(1, 2)):
            by_user = rng.random() < 0.5
            item.meta["videos"].append({
                "title": f"{item.brand} {item.ptype.name} {'review' if by_user else 'overview'}",
                "url": f"https://www.amazon.com/vdp/{_code(rng, '0123456789abcdef', 32)}",
                "user_id": rng.choice(users).user_id if by_user else "",
            })


# ---------------------------------------------------------------- search queries

_LONG = (
    "I'm looking for a {attrs} {ptype}{for_aud} that will last",
    "what is the best {attrs} {ptype}{for_aud}?",
    "need a good {attrs} {ptype}{for_aud} as a gift",
    "looking for a {ptype} that is {attrs_and}{for_aud}",
    "recommend a {attrs} {ptype}{for_aud} for everyday use",
)
_LONG_PARAPHRASED = (
    "I need a {ptype} {said}{for_aud}",
    "any suggestions for a {ptype} {said}{for_aud}?",
    "shopping {for_aud_bare}: a {ptype} {said}",
)


def _long_query(rng: random.Random, item: Item, attrs: list[str], audience: str | None) -> str:
    """A natural query; half the time in other words than the title (paraphrased attributes/audience)."""
    vocab = VOCABULARIES[item.category]
    plain = vocab.audience_phrase.format(audience=audience.lower()) if audience else ""
    said = [ATTRIBUTE_PARAPHRASES[a] for a in attrs if a in ATTRIBUTE_PARAPHRASES]
    if said and len(said) == len(attrs) and rng.random() < 0.5:
        aud = rng.choice(AUDIENCE_PARAPHRASES.get(audience, (plain,))) if audience else ""
        template = rng.choice(_LONG_PARAPHRASED if aud else _LONG_PARAPHRASED[:2])
        return template.format(ptype=item.ptype.name, said=" and ".join(said), for_aud=f" {aud}" if aud else "",
                               for_aud_bare=aud)
    return rng.choice(_LONG).format(attrs=" ".join(attrs), attrs_and=" and ".join(attrs), ptype=item.ptype.name,
                                    for_aud=f" {plain}" if plain else "")


_NEED = (
    "I'm looking for {need}{said}{for_aud}",
    "what should I buy? I want {need}{said}{for_aud}",
    "help me find {need}{said}{for_aud}",
)
# Shares of the three query kinds: title keywords, natural sentences (half of them with the
# attributes paraphrased), and needs described without the product's name. The last kind keeps
# word overlap (BM25) and a small encoder (MiniLM) from saturating the set.
QUERY_KINDS = (("keywords", 0.30), ("natural", 0.25), ("paraphrase", 0.45))


def _need_query(rng: random.Random, item: Item):
    """(text, attributes said, audience said): the product type by its use, and every attribute and
    the audience that have a paraphrase, in other words (what the item's neighbours differ in)."""
    attrs = [a for a in item.attributes if a in ATTRIBUTE_PARAPHRASES]
    said = " and ".join(ATTRIBUTE_PARAPHRASES[a] for a in attrs)
    aud = rng.choice(AUDIENCE_PARAPHRASES[item.audience]) if item.audience in AUDIENCE_PARAPHRASES else ""
    text = rng.choice(_NEED).format(need=PRODUCT_NEEDS[item.ptype.name], said=f" {said}" if said else "",
                                    for_aud=f" {aud}" if aud else "")
    return text, attrs, item.audience if aud else None


def _make_queries(profile: Profile, seed: int, items: list[Item]) -> list[dict]:
    rng = random.Random(f"{seed}:queries")
    ok = [it for it in items if it.page == "ok"]
    seen: set[str] = set()
    queries = []
    kinds, weights = zip(*QUERY_KINDS)
    for _ in range(profile.n_queries * 20):
        if len(queries) >= profile.n_queries:
            break
        item = rng.choice(ok)
        attrs = list(item.attributes) if rng.random() < 0.4 else [rng.choice(item.attributes)]
        audience = item.audience if rng.random() < 0.5 else None
        kind = rng.choices(kinds, weights)[0]
        if kind == "keywords":
            text = " ".join(([audience.lower()] if audience else []) + attrs + [item.ptype.name])
        elif kind == "natural":
            text = _long_query(rng, item, attrs, audience)
        else:
            text, attrs, audience = _need_query(rng, item)
        if text in seen:
            continue
        seen.add(text)
        relevant = sorted(it.parent_asin for it in ok
                          if it.category == item.category and it.ptype.name == item.ptype.name
                          and set(attrs) <= set(it.attributes) and (audience is None or it.audience == audience))
        queries.append({"query_id": f"q{len(queries) + 1:04d}", "query": text, "category": item.category,
                        "relevant": relevant, "kind": kind})
    return queries


def generate_marketplace(profile: Profile, seed: int) -> Marketplace:
    """Items, users, reviews and search queries for one profile and seed (deterministic)."""
    items = _make_items(profile, seed)
    users = _make_users(profile, seed)
    reviews = _make_reviews(profile, seed, items, users)
    _add_videos(seed, items, users)
    queries = _make_queries(profile, seed, items)
    return Marketplace(profile=profile, seed=seed, items=items, users=users, reviews=reviews, queries=queries)


def snapshot(market: Marketplace, until_ms: int) -> Marketplace:
    """The same marketplace as it stood at `until_ms`: a later snapshot has more reviews, users and items.

    Reviews after `until_ms` are not written yet; a user appears with their first review, an item
    with its first review (items nobody has reviewed are listed from the start). Ratings on the
    product pages stay those of the full history (a known simplification).
    """
    reviews = [r for r in market.reviews if r.record["timestamp"] <= until_ms]
    reviewed_by = {r.record["user_id"] for r in reviews}
    reviewed_items = {r.record["parent_asin"] for r in market.reviews}
    live_items = {r.record["parent_asin"] for r in reviews}
    items = [it for it in market.items if it.parent_asin in live_items or it.parent_asin not in reviewed_items]
    kept = {it.parent_asin for it in items}
    queries = [{**q, "relevant": [a for a in q["relevant"] if a in kept]} for q in market.queries]
    return replace(market, items=items, users=[u for u in market.users if u.user_id in reviewed_by],
                   reviews=reviews, queries=[q for q in queries if q["relevant"]], until_ms=until_ms)
