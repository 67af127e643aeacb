"""Real Amazon product pages (../shared/fixtures/amazon_product_html, 2012–2026).

Every expectation below was written by reading the page (grep / a browser view of the saved
HTML): the visible title, the price in the buy box, the star rating and the ratings count,
the byline, the breadcrumb, the bullet list, the keys of the product-information block and
the image block's first (MAIN) image. None was pasted from the parser's output.
"""
from __future__ import annotations

import pytest

from parsing.product import parse_product
from parsing.schemas import validate_records

# file → what a careful reader sees on that page (None: the page does not show it)
EXPECTED = {
    "2012_amazon.com_B004HZYA6E_kindle_keyboard_device.html": dict(
        title='Kindle Keyboard 3G, Free 3G + Wi-Fi, 6" E Ink Display - includes Special Offers & Sponsored Screensavers',
        price=139.0, rating=4.5, count=37621, store=None, crumbs=[], features=[],
        detail_keys=["Display", "Size (in inches)", "Weight", "System Requirements", "Storage", "Battery Life",
                     "Charge Time", "3G Connectivity", "Wi-Fi Connectivity", "USB Port", "Audio",
                     "Content Formats Supported", "Included Accessories", "Documentation", "Warranty and Service"],
        details={"Weight": "8.7 ounces (247 grams)."},
        n_images=None, main_large=None, parent_asin="B004HZYA6E", main_category="Kindle Store",
    ),
    "2012_amazon.com_B0051VVOB2_kindle_fire_device.html": dict(
        title="Kindle Fire", price=None, rating=4.0, count=20378, store=None, crumbs=[],
        # Amazon's own device page: #kindle-feature-bullets-atf and #technical-details-table
        features=["Over 20 million movies, TV shows, songs, magazines, and books"] + [None] * 6 + [
            "Amazon Prime Members enjoy unlimited, instant streaming on thousands of popular movies and TV shows. Learn More",
            None],
        detail_keys=["Display", "Size (in inches)", "Weight", "System Requirements", "On-device Storage",
                     "Cloud Storage", "Battery Life", "Charge Time", "Wi-Fi Connectivity", "USB Port", "Audio",
                     "Content Formats Supported", "Documentation", "Warranty and Service", "Included in the Box"],
        details={"Weight": "14.6 ounces (413 grams).", "USB Port": "USB 2.0 (micro-B connector)"},
        n_images=None, main_large=None, parent_asin="B0051VVOB2", main_category="Kindle Store",
    ),
    "2017_amazon.co.uk_1849757097_book.html": dict(
        title="Vegetable Perfection: 100 delicious recipes for roots, bulbs, shoots and stems",
        price=13.53, rating=4.5, count=4, store="Mat Follas (Author)", author="Mat Follas",
        crumbs=["Food & Drink", "Diets & Healthy Eating", "Low Fat"], features=[],
        detail_keys=["Hardcover", "Publisher", "Language", "ISBN-10", "ISBN-13", "Product Dimensions"],
        details={"Publisher": "Ryland Peters & Small (7 April 2016)", "ISBN-13": "978-1849757096"},
        n_images=None, main_large=None, parent_asin="1849757097", main_category="Books",
        description_starts="More than ever before modern chefs use interesting new cooking techniques",
    ),
    "2017_amazon.com_B0011UCPM4_kindle_ebook.html": dict(
        title="The Whole Truth (A. Shaw Book 1)", price=9.99, rating=4.4, count=1010,
        store="David Baldacci (Author)", author="David Baldacci",
        crumbs=["Kindle Store", "Kindle eBooks", "Literature & Fiction"], features=[],
        detail_keys=["File Size", "Print Length", "Publisher", "Publication Date", "Sold by", "Language",
                     "Text-to-Speech", "X-Ray", "Word Wise", "Lending", "Screen Reader", "Enhanced Typesetting"],
        details={"Print Length": "564 pages"},
        n_images=None, main_large=None, parent_asin="B0011UCPM4", main_category="Buy a Kindle",
        description_starts='"Dick, I need a war."',
    ),
    "2017_amazon.com_B0057OC5O8_sainsmart_relay.html": dict(
        title="SainSmart 4-Channel Relay Module", price=8.99, rating=4.3, count=194, store="SainSmart",
        crumbs=[], features=["5V 4-Channel Relay interface board, and each one needs 15-20mA Driver Current",
                             "Equipped with high-current relay, AC250V 10A ; DC30V 10A", None,
                             "Indication LED's for Relay output status"],
        detail_keys=["Product Dimensions", "Item Weight", "Shipping Weight", "Item model number"],
        details={"Item model number": "101-70-101"},
        n_images=7, main_large="https://images-na.ssl-images-amazon.com/images/I/51M0KK9HuHL.jpg",
        parent_asin="B00XINSHGU", main_category="Cell Phones & Accessories",
    ),
    "2017_amazon.es_B01MUGXRT9_robot_vacuum.html": dict(
        title=("Robot aspirador Conga Excellence 990 de Cecotec. Friega el suelo, Barre, aspira y pasa la mopa. "
               "Programable 24h. 5 modos de limpieza. Base de carga. Silencioso. Potente. Filtro HEPA."),
        price=219.0, rating=4.3, count=1058, store="Cecotec",
        crumbs=["Hogar y cocina", "Aspiración, limpieza y cuidado de suelo y ventanas", "Aspiradoras", "Robots aspiradores"],
        features=[None] * 5,
        detail_keys=["Marca", "Número de modelo", "Peso del producto", "Dimensiones del paquete", "Potencia",
                     "Eficiencia energética", "Ruido", "Características especiales", "Producto en Amazon.es desde"],
        details={"Peso del producto": "4,72 Kg", "Ruido": "64 dB"},
        n_images=8, main_large="https://images-na.ssl-images-amazon.com/images/I/511ZLZjtThL.jpg",
        parent_asin="B01MUGXRT9", main_category="Hogar y cocina", n_videos=1,
    ),
    "2019_amazon.com_B07G2L3JMM_wall_sconce.html": dict(
        title=("Modern LED Wall Sconce Lighting Fixture Lamps 7W Warm White 2700K Up and Down Indoor Plaster Wall "
               "Lamps for Living Room Bedroom Hallway Conservatory Home Room Decor(with G9 Bulbs Not Dimmable)"),
        price=29.99, rating=4.4, count=82, store="ChangM", crumbs=[],  # only "‹ Back to results"
        features=[None] * 5,
        detail_keys=["Brand", "Part Number", "Item Weight", "Package Dimensions", "Item model number", "Style",
                     "Color", "Shape", "Material", "Number of Lights", "Voltage", "Fixture Features",
                     "Shade Material", "Light Direction", "Power Source", "Batteries Included?",
                     "Batteries Required?", "Type of Bulb", "Luminous Flux", "Wattage", "Color Temperature",
                     "Shipping Weight", "Date First Available"],
        details={"Date First Available": "July 31, 2018", "Wattage": "7 watts"},
        n_images=9, main_large="https://images-na.ssl-images-amazon.com/images/I/31V6Jtnit3L._AC_.jpg",
        parent_asin="B07G2L3JMM", main_category="Amazon Home",
    ),
    "2021_amazon.com_B00N150YS4_duct_tape.html": dict(
        title='Gorilla Black Duct Tape, 1.88" x 12 yd, Black, (Pack of 2)', price=12.48, rating=4.8, count=8249,
        store="Gorilla",
        crumbs=["Industrial & Scientific", "Adhesives, Sealants & Lubricants", "Adhesive Tapes", "Duct Tape"],
        features=[None] * 5,
        detail_keys=["Manufacturer", "Part Number", "Item Weight", "Product Dimensions", "Country of Origin",
                     "Item model number", "Is Discontinued By Manufacturer", "Size", "Color", "Style", "Material",
                     "Thickness", "Item Package Quantity", "Included Components", "Batteries Included?",
                     "Batteries Required?", "Date First Available"],
        details={"Manufacturer": "Gorilla Glue", "Country of Origin": "USA"},  # U+200E marks stripped
        n_images=7, main_large="https://m.media-amazon.com/images/I/51c89eCBVvL._AC_.jpg",
        parent_asin="B097JJZ9SG", main_category="Tools & Home Improvement", n_videos=2,
    ),
    "2024_amazon.co.uk_1849757097_book.html": dict(
        title="Vegetable Perfection: 100 delicious recipes for roots, bulbs, shoots and stems",
        price=4.45, rating=4.4, count=16, store="Mat Follas (Author)", author="Mat Follas",
        subtitle="Hardcover – 7 April 2016", crumbs=["Food & Drink", "Quick & Easy Meals"], features=[],
        detail_keys=["Publisher", "Language", "Hardcover", "ISBN-10", "ISBN-13", "Dimensions"],
        details={"Publisher": "Ryland Peters & Small (7 April 2016)", "Dimensions": "21.59 x 2.03 x 25.4 cm"},
        n_images=1, main_large="https://m.media-amazon.com/images/I/61FadRMIhtL.jpg",
        parent_asin="1849757097", main_category="Books",
        description_starts="More than ever before modern chefs use interesting new cooking techniques",
    ),
    "2024_amazon.com_B0011UCPM4_kindle_ebook.html": dict(
        title="The Whole Truth (A. Shaw Book 1)", price=10.99, rating=4.4, count=21200,
        store="David Baldacci (Author)", author="David Baldacci", subtitle="Kindle Edition",
        crumbs=["Books", "Mystery, Thriller & Suspense", "Thrillers & Suspense"], features=[],
        detail_keys=["Publisher", "Publication date", "Language", "File size", "Text-to-Speech", "Screen Reader",
                     "Enhanced typesetting", "X-Ray", "Word Wise", "Sticky notes", "Print length"],
        details={"Print length": "497 pages", "File size": "5482 KB"},
        n_images=1, main_large="https://m.media-amazon.com/images/W/MEDIAX_792452-T2/images/I/5135bQKHEWL.jpg",
        parent_asin="B0011UCPM4", main_category="Buy a Kindle",
        description_starts="A powerful defense contractor, a reluctant intelligence agent",
    ),
    "2024_amazon.com_B0057OC5O8_sainsmart_relay.html": dict(
        title="SainSmart 4-Channel Relay Module", price=8.99, rating=4.6, count=422, store="SainSmart",
        crumbs=["Automotive", "Replacement Parts", "Switches & Relays", "Relays", "Relay Control Module"],
        features=["5V 4-Channel Relay interface board, and each one needs 15-20mA Driver Current", None, None,
                  "Indication LED's for Relay output status"],
        detail_keys=["Connector Type", "Contact Material", "Contact Type", "Current Rating", "Mounting Type", "Brand",
                     "Operation Mode", "Coil Voltage", "Contact Current Rating", "Maximum Switching Current",
                     "Specification Met", "Item model number", "Item Weight", "Product Dimensions",
                     "Item Dimensions LxWxH", "Manufacturer", "Is Discontinued By Manufacturer",
                     "Date First Available"],
        details={"Manufacturer": "SainStore Inc.", "Date First Available": "June 23, 2011"},
        n_images=1, main_large="https://m.media-amazon.com/images/W/MEDIAX_792452-T2/images/I/51cKxnRSKbL._AC_.jpg",
        # no category bar: the breadcrumb's department (the <title> ends with ": Automotive" too)
        parent_asin="B0B31MHVGM", main_category="Automotive",
    ),
    "2024_amazon.es_B01MUGXRT9_window_robot.html": dict(
        title=("Cecotec Robot Limpiacristales Windroid 880 SprayWater Smart Connected. 90 W, Pulveriza, Limpia y "
               "Seca, Control por App y Mando a Distancia, 4 Programas, Cable 5,5m, Incluye 12 Paños"),
        price=None,  # "no está disponible": no buy box price
        rating=4.1, count=5182, store="Cecotec",
        crumbs=["Hogar y cocina", "Aspiración, limpieza y cuidado de suelo y ventanas", "Aspiradoras", "Robots aspiradores"],
        features=[None] * 3,
        detail_keys=["Marca", "Número de modelo", "Color", "Dimensiones del producto", "Potencia", "Material",
                     "Apagado automático", "Radio de acción", "Eficiencia energética", "Ruido",
                     "Características especiales", "Peso del producto", "Producto en Amazon.es desde"],
        details={"Dimensiones del producto": "13,8 x 23 x 30 cm; 1,6 kilogramos", "Producto en Amazon.es desde": "15 noviembre 2018"},
        n_images=8, main_large="https://m.media-amazon.com/images/I/511ZLZjtThL._AC_.jpg",
        parent_asin="B01MUGXRT9", main_category="HOGAR Y COCINA", n_videos=1,
    ),
    "2025_amazon.com_B07FNW9FGJ_tshirt_fashion.html": dict(
        title="Got Data Funny Business Data Analyst T-Shirt", price=15.99, rating=4.4, count=22,
        store="Data Analyst & Business Analytics Tees",
        crumbs=["Clothing, Shoes & Jewelry", "Novelty & More", "Clothing", "Novelty", "Women", "Tops & Tees", "T-Shirts"],
        # fashion: "About this item" and "Product details" sit in the product-facts expander
        features=["Got Data is a funny pickup perfect for business analysts and data analysts. Great for any "
                  "business analyst or data business consultant!",
                  "Lightweight, Classic fit, Double-needle sleeve and bottom hem"],
        detail_keys=["Fabric type", "Care instructions", "Origin", "Closure type",
                     "Package Dimensions", "Department", "Date First Available", "Manufacturer"],
        details={"Package Dimensions": "10 x 8 x 1 inches; 4.8 ounces", "Department": "mens", "Origin": "Imported"},
        n_images=2,
        main_large=("https://m.media-amazon.com/images/I/B1pppR4gVKL._CLa%7C500%2C468%7C41Mz1KZ6XrL.png%7C0%2C0%2C500"
                    "%2C468%2B0.0%2C0.0%2C500.0%2C468.0_AC_.png"),
        parent_asin="B07FNW9FGJ", main_category="AMAZON FASHION",
    ),
    "2026_amazon.com_B0DR8G428S_power_bank.html": dict(
        title=("charmast 20000mAh Portable Charger with Built-in Cables and AC Wall Plug | 20W Fast Charging Power "
               "Bank, Power 3 Devices at Once, Family Travel Essential Battery Pack for iPhone, Samsung, Android"),
        price=35.99, rating=4.2, count=226, store="charmast",
        crumbs=["Cell Phones & Accessories", "Accessories", "Chargers & Power Adapters", "Portable Power Banks"],
        features=[None] * 6,
        detail_keys=None,  # checked by subset below: the page splits them over six tables
        details={"Battery Capacity": "20000 milliamp_hours", "Model Name": "C2046S", "Battery Cell Type": "Lithium Polymer"},
        n_images=6, main_large="https://m.media-amazon.com/images/I/31vnK-LBgGL.jpg",
        main_hi_res="https://m.media-amazon.com/images/I/81lAsPSu2FL._AC_SL1500_.jpg",
        parent_asin="B0FH9S2VQV", main_category="Cell Phones & Accessories",
    ),
}


@pytest.fixture(scope="module")
def product_dir(shared_fixtures):
    return shared_fixtures / "amazon_product_html"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_product_page(product_dir, name):
    want = EXPECTED[name]
    record = parse_product((product_dir / name).read_bytes())

    assert validate_records([record], "meta") == []
    assert record["title"] == want["title"]
    assert record["price"] == want["price"]
    assert record["average_rating"] == want["rating"]
    assert record["rating_number"] == want["count"]
    assert record["store"] == want["store"]
    assert record["categories"] == want["crumbs"]
    assert record["parent_asin"] == want["parent_asin"]
    assert record["main_category"] == want["main_category"]

    assert len(record["features"]) == len(want["features"])
    for got, expected in zip(record["features"], want["features"]):
        assert got and "  " not in got
        if expected is not None:
            assert got == expected

    if want["detail_keys"] is not None:
        assert list(record["details"]) == want["detail_keys"]
    for key, value in want.get("details", {}).items():
        assert record["details"][key] == value
    for key, value in record["details"].items():  # normalised: no marks, no trailing colon
        assert key == key.strip() and not key.endswith(":") and "\u200e" not in key + value and "\u200f" not in key + value
    assert "ASIN" not in record["details"]

    if want["n_images"] is not None:
        assert len(record["images"]) == want["n_images"]
        main = record["images"][0]
        assert main["variant"] == "MAIN"
        assert main["large"] == want["main_large"]
        if "main_hi_res" in want:
            assert main["hi_res"] == want["main_hi_res"]
    assert len(record["videos"]) == want.get("n_videos", 0)
    if "author" in want:
        assert record["author"] == want["author"]
        assert record.get("subtitle") == want.get("subtitle")
    else:
        assert "author" not in record
    if "description_starts" in want:
        assert record["description"][0].startswith(want["description_starts"])


def test_same_item_across_years_keeps_its_identity(product_dir):
    """Layout drift: the 2017 and 2024 captures of one book agree on what did not change."""
    old = parse_product((product_dir / "2017_amazon.co.uk_1849757097_book.html").read_bytes())
    new = parse_product((product_dir / "2024_amazon.co.uk_1849757097_book.html").read_bytes())
    assert old["title"] == new["title"]
    assert old["parent_asin"] == new["parent_asin"] == "1849757097"
    assert old["details"]["ISBN-13"] == new["details"]["ISBN-13"]
    assert old["author"] == new["author"]


def test_prime_video_page_is_not_a_product(shared_fixtures):
    from parsing.errors import UnparsablePage

    body = (shared_fixtures / "amazon_misc_html" / "2020_amazon.com_B07T8K9YSH_prime_video_detail.html").read_bytes()
    with pytest.raises(UnparsablePage) as caught:
        parse_product(body)
    assert caught.value.reason == "no product title"
