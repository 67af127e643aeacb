"""The official category names, and the one safe way a category becomes a path."""
from __future__ import annotations

import re

# The 33 categories of the 2023 release in their file-name form, plus Unknown.
CATEGORIES: tuple[str, ...] = (
    "All_Beauty", "Amazon_Fashion", "Appliances", "Arts_Crafts_and_Sewing", "Automotive",
    "Baby_Products", "Beauty_and_Personal_Care", "Books", "CDs_and_Vinyl",
    "Cell_Phones_and_Accessories", "Clothing_Shoes_and_Jewelry", "Digital_Music", "Electronics",
    "Gift_Cards", "Grocery_and_Gourmet_Food", "Handmade_Products", "Health_and_Household",
    "Health_and_Personal_Care", "Home_and_Kitchen", "Industrial_and_Scientific", "Kindle_Store",
    "Magazine_Subscriptions", "Movies_and_TV", "Musical_Instruments", "Office_Products",
    "Patio_Lawn_and_Garden", "Pet_Supplies", "Software", "Sports_and_Outdoors",
    "Subscription_Boxes", "Tools_and_Home_Improvement", "Toys_and_Games", "Video_Games", "Unknown",
)

_SAFE = re.compile(r"[A-Za-z0-9_]+")


def safe_category(name: str) -> str:
    """Return `name` if it can be used as a path component, else raise ValueError.

    A category read from data never becomes a path unchecked: no separators, no `..`,
    nothing absolute, nothing empty.
    """
    if not isinstance(name, str) or not _SAFE.fullmatch(name) or len(name) > 64:
        raise ValueError(f"unsafe category name: {name!r}")
    return name


def file_name_form(display_name: str | None) -> str:
    """'All Beauty' → 'All_Beauty'; 'Arts, Crafts & Sewing' → 'Arts_Crafts_and_Sewing'.

    Unrecognised or empty names map to 'Unknown'.
    """
    if not display_name:
        return "Unknown"
    cleaned = display_name.replace("&", "and")
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", cleaned).strip("_")
    by_lower = {c.lower(): c for c in CATEGORIES}
    return by_lower.get(cleaned.lower(), "Unknown")


def display_name(category: str) -> str:
    """'Arts_Crafts_and_Sewing' → 'Arts Crafts and Sewing' (the sandbox's main_category form)."""
    return safe_category(category).replace("_", " ")
