from parsing.text import clean_item_text, normalize_space


def test_clean_item_text_follows_design_rule():
    raw = "  <b>Howard</b> LC0008 &amp; Leather\u200e  Conditioner,\n 8-Ounce&nbsp;(4-Pack) "
    assert clean_item_text(raw) == "Howard LC0008 & Leather Conditioner, 8-Ounce (4-Pack)"
    assert clean_item_text(None) == "" and clean_item_text("") == ""


def test_normalize_space_strips_invisible_marks():
    assert normalize_space("\u200f4,5\xa0de 5\u200b estrellas\n") == "4,5 de 5 estrellas"
