from __future__ import annotations

import pytest

from parsing.categories import CATEGORIES, display_name, file_name_form, safe_category


def test_thirty_three_categories_plus_unknown():
    assert len(CATEGORIES) == 34 and CATEGORIES[-1] == "Unknown"
    assert len(set(CATEGORIES)) == 34


@pytest.mark.parametrize("bad", ["..", "../etc", "a/b", "/abs", "", "a b", "x\\y", "C:", None])
def test_unsafe_category_names_are_refused(bad):
    with pytest.raises(ValueError):
        safe_category(bad)


def test_display_and_file_name_forms_round_trip():
    for category in CATEGORIES:
        assert file_name_form(display_name(category)) == category
    assert file_name_form("All Beauty") == "All_Beauty"
    assert file_name_form("Arts, Crafts & Sewing") == "Arts_Crafts_and_Sewing"
    assert file_name_form("Something New") == "Unknown"
    assert file_name_form(None) == "Unknown"
