"""Category vocabularies: the words that make synthetic item text carry real signal.

Each category has themes (what a shopper is into: hiking, hair care, Nintendo Switch ...),
each theme has product types, and each product type has attribute words. Users like a few
themes, an audience and some brands, so items bought together share product-type, attribute,
audience and brand words: the signal a text encoder must find (MiniLM beats random vectors).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProductType:
    name: str                      # "hiking boots" (as it appears in titles and queries)
    theme: str                     # "hiking"
    crumb: str                     # breadcrumb leaf, e.g. "Hiking Boots"
    attributes: tuple[str, ...]    # "waterproof", "lightweight" ...
    variant_label: str             # "Color", "Scent", "Size", "Edition" ...
    variant_options: tuple[str, ...]
    sizes: tuple[str, ...]         # "16 oz", "Size 8" ...
    price: tuple[float, float]     # low, high in dollars


@dataclass(frozen=True)
class CategoryVocabulary:
    category: str                  # file-name form, "Sports_and_Outdoors"
    crumb_root: str                # first breadcrumb, "Sports & Outdoors"
    brands: tuple[str, ...]
    audiences: tuple[str, ...]     # "Women", "Kids", "Nintendo Switch" ...
    audience_phrase: str           # "for {audience}" wording in titles
    product_types: tuple[ProductType, ...]
    benefits: tuple[str, ...]      # feature sentence endings
    praise: tuple[str, ...] = field(default=())   # review phrases for good items
    complaints: tuple[str, ...] = field(default=())


def _types(theme: str, crumb_mid: str, variant_label: str, variant_options: tuple[str, ...],
           sizes: tuple[str, ...], price: tuple[float, float], *specs: tuple[str, str, str]) -> tuple[ProductType, ...]:
    """specs: (name, crumb leaf, comma-separated attributes)."""
    return tuple(
        ProductType(name=name, theme=theme, crumb=f"{crumb_mid}|{crumb}",
                    attributes=tuple(a.strip() for a in attrs.split(",")),
                    variant_label=variant_label, variant_options=variant_options, sizes=sizes, price=price)
        for name, crumb, attrs in specs
    )


ALL_BEAUTY = CategoryVocabulary(
    category="All_Beauty",
    crumb_root="Beauty & Personal Care",
    brands=("Lunaria", "Velvet Fern", "Maison Rosé", "PureGlow", "Saltwater Co.", "Botanica Lab",
            "Amberleaf", "Clearwave", "Nordic Bloom", "Hush & Hue"),
    audiences=("Women", "Men", "All Hair Types", "Sensitive Skin"),
    audience_phrase="for {audience}",
    product_types=(
        _types("hair care", "Hair Care", "Scent", ("Lavender", "Coconut", "Unscented", "Citrus", "Rosemary Mint"),
               ("8 oz", "12 oz", "16 oz", "33.8 oz"), (7.0, 32.0),
               ("shampoo", "Shampoos", "sulfate-free, moisturizing, volumizing, argan oil, tea tree, keratin, color-safe"),
               ("conditioner", "Conditioners", "sulfate-free, moisturizing, argan oil, detangling, keratin, color-safe"),
               ("hair mask", "Hair Masks", "deep conditioning, argan oil, keratin, repairing, coconut oil, anti-frizz"),
               ("hair oil", "Hair Oils", "argan oil, anti-frizz, lightweight, heat protectant, rosemary, shine")) +
        _types("skin care", "Skin Care", "Size", ("1 fl oz", "1.7 fl oz", "3.4 fl oz"),
               ("Travel Size", "Full Size", "Value Pack"), (9.0, 48.0),
               ("face serum", "Serums", "hyaluronic acid, vitamin C, retinol, niacinamide, fragrance-free, anti-aging"),
               ("face moisturizer", "Moisturizers", "hyaluronic acid, oil-free, fragrance-free, SPF 30, ceramide, hydrating"),
               ("sunscreen", "Sunscreens", "SPF 50, mineral, water-resistant, reef-safe, oil-free, tinted"),
               ("face cleanser", "Cleansers", "gentle, foaming, salicylic acid, fragrance-free, exfoliating, hydrating")) +
        _types("nails", "Foot, Hand & Nail Care", "Color", ("Ruby Red", "Blush Pink", "Midnight Blue", "Nude", "Clear"),
               ("0.5 fl oz", "Set of 6", "Set of 12"), (5.0, 25.0),
               ("nail polish", "Nail Polish", "quick-dry, gel, long-lasting, vegan, glossy, chip-resistant"),
               ("nail polish remover", "Nail Polish Remover", "acetone-free, gentle, vitamin E, quick, vegan, moisturizing"),
               ("cuticle oil", "Cuticle Care", "vitamin E, jojoba, nourishing, vegan, quick-absorbing, repairing")) +
        _types("makeup", "Makeup", "Shade", ("Berry", "Coral", "Nude", "Classic Red", "Mauve"),
               ("Single", "2-Pack", "Set of 4"), (6.0, 30.0),
               ("lipstick", "Lipstick", "matte, long-lasting, hydrating, vegan, satin, transfer-proof"),
               ("mascara", "Mascara", "waterproof, volumizing, lengthening, smudge-proof, vegan, curling"),
               ("eyeliner", "Eyeliner", "waterproof, smudge-proof, liquid, precise, long-lasting, vegan"),
               ("makeup brush set", "Makeup Brushes & Tools", "vegan, synthetic, soft, travel, professional, 12-piece")) +
        _types("bath and body", "Bath & Body", "Scent", ("Lavender", "Vanilla", "Eucalyptus", "Sea Salt", "Rose"),
               ("Single", "2-Pack", "Gift Set"), (6.0, 40.0),
               ("body wash", "Body Washes", "moisturizing, shea butter, exfoliating, sulfate-free, natural, fragrance-free"),
               ("bath bomb set", "Bath Bombs", "essential oils, fizzy, natural, gift, moisturizing, relaxing"),
               ("body lotion", "Body Lotions", "shea butter, fast-absorbing, fragrance-free, hydrating, natural, cocoa butter"))
    ),
    benefits=("for healthy-looking results every day", "that is gentle enough for daily use",
              "made without parabens or phthalates", "dermatologist tested", "that leaves no residue",
              "with a fresh, clean finish"),
    praise=("smells amazing", "my skin feels so soft", "works better than expensive brands",
            "a little goes a long way", "my hair has never looked better", "lasts all day"),
    complaints=("broke me out", "the smell is too strong", "did nothing for me", "the bottle leaked",
                "felt greasy", "faded after a day"),
)

VIDEO_GAMES = CategoryVocabulary(
    category="Video_Games",
    crumb_root="Video Games",
    brands=("PowerPlay", "HyperGrip", "NovaForge Games", "Pixel Tide", "ArcLight", "Redline Studios",
            "KnightByte", "Gamewise", "Orbit Labs", "Zentrix"),
    audiences=("Nintendo Switch", "PlayStation 5", "Xbox Series X", "PC"),
    audience_phrase="for {audience}",
    product_types=(
        _types("controllers", "Accessories|Controllers", "Color", ("Black", "White", "Neon Green", "Camo", "Red"),
               ("Standard", "2-Pack"), (19.0, 79.0),
               ("wireless controller", "Gamepads & Standard Controllers", "wireless, rechargeable, ergonomic, turbo, programmable, vibration"),
               ("charging dock", "Charging Stations", "dual, fast-charging, LED indicator, compact, rechargeable, USB-C"),
               ("thumb grips", "Thumb Grips", "non-slip, silicone, ergonomic, precision, 8-piece, glow-in-the-dark")) +
        _types("audio", "Accessories|Headsets", "Color", ("Black", "White", "Blue", "Pink"),
               ("Standard",), (24.0, 129.0),
               ("gaming headset", "Headsets", "wireless, noise-cancelling, surround sound, RGB, lightweight, detachable mic"),
               ("headset stand", "Headset Stands", "RGB, aluminum, USB hub, non-slip, compact, weighted")) +
        _types("pc gaming", "PC Gaming|Accessories", "Color", ("Black", "White", "Gunmetal"),
               ("Standard", "Compact"), (19.0, 149.0),
               ("gaming keyboard", "Keyboards", "mechanical, RGB, wireless, hot-swappable, compact, quiet"),
               ("gaming mouse", "Mice", "wireless, RGB, lightweight, ergonomic, programmable, high-DPI"),
               ("mouse pad", "Mouse Pads", "extended, RGB, non-slip, stitched edges, waterproof, large")) +
        _types("games", "Games", "Edition", ("Standard Edition", "Deluxe Edition", "Collector's Edition"),
               ("Physical", "Digital Code"), (19.0, 69.0),
               ("racing game", "Racing", "open-world, multiplayer, arcade, realistic, split-screen, online"),
               ("role-playing game", "Role-Playing", "open-world, fantasy, story-driven, turn-based, co-op, remastered"),
               ("party game", "Party", "multiplayer, family, split-screen, co-op, mini-games, local"),
               ("shooter game", "Shooter", "multiplayer, online, co-op, tactical, campaign, sci-fi")) +
        _types("travel and storage", "Accessories|Cases & Storage", "Color", ("Black", "Grey", "Pastel Purple", "Navy"),
               ("Standard", "Deluxe"), (12.0, 49.0),
               ("carrying case", "Cases", "hard shell, waterproof, slim, travel, shockproof, game card slots"),
               ("screen protector", "Screen Protectors", "tempered glass, anti-glare, bubble-free, 3-pack, scratch-resistant, HD"))
    ),
    benefits=("for hours of comfortable play", "built to survive intense sessions", "with a 1-year warranty",
              "plug and play, no drivers needed", "with low-latency performance", "tested by pro gamers"),
    praise=("works perfectly with my console", "battery lasts forever", "my kids love it", "no input lag at all",
            "great value for the price", "feels premium"),
    complaints=("stopped connecting after a week", "buttons feel mushy", "the battery died fast",
                "did not work with my console", "too much drift", "cheaply made"),
)

BABY_PRODUCTS = CategoryVocabulary(
    category="Baby_Products",
    crumb_root="Baby",
    brands=("Little Sprout", "Dreamnest", "BabyBee", "Cuddlecove", "Tiny Trails", "Moonpeach",
            "Nestling", "Hushabye", "Pebble & Pine", "SnuggleUp"),
    audiences=("Newborns", "Infants", "Toddlers", "Boys and Girls"),
    audience_phrase="for {audience}",
    product_types=(
        _types("feeding", "Feeding", "Color", ("Sage Green", "Blush", "Sky Blue", "Oat", "Grey"),
               ("4 oz", "8 oz", "3-Pack", "6-Pack"), (8.0, 59.0),
               ("baby bottle", "Bottle-Feeding|Baby Bottles", "anti-colic, BPA-free, glass, slow-flow, wide-neck, silicone"),
               ("bottle warmer", "Bottle-Feeding|Bottle Warmers", "fast, portable, BPA-free, auto shut-off, digital, dual"),
               ("silicone bib set", "Bibs & Burp Cloths|Bibs", "waterproof, BPA-free, silicone, adjustable, food catcher, dishwasher-safe"),
               ("high chair", "Highchairs & Booster Seats|Highchairs", "foldable, adjustable, easy-clean, portable, convertible, compact")) +
        _types("diapering", "Diapering", "Pattern", ("Stars", "Safari", "Rainbow", "Plain"),
               ("Standard", "Large"), (9.0, 69.0),
               ("diaper bag backpack", "Diaper Bags", "waterproof, insulated, large capacity, USB port, stroller straps, unisex"),
               ("changing pad", "Changing Pads & Covers", "waterproof, portable, foldable, washable, contoured, non-slip"),
               ("cloth diapers", "Cloth Diapers", "organic cotton, reusable, adjustable, washable, leak-proof, 6-pack")) +
        _types("nursery", "Nursery", "Color", ("White", "Grey", "Sage", "Dusty Rose", "Navy"),
               ("Standard", "2-Pack", "3-Pack"), (10.0, 129.0),
               ("crib sheet", "Bedding|Crib Sheets", "organic cotton, breathable, fitted, muslin, 2-pack, machine washable"),
               ("baby monitor", "Baby Monitors", "video, night vision, two-way audio, long range, Wi-Fi, temperature sensor"),
               ("swaddle blanket", "Bedding|Swaddling Blankets", "muslin, organic cotton, breathable, 4-pack, soft, stretchy"),
               ("white noise machine", "Sound Machines", "portable, night light, timer, rechargeable, 20 sounds, compact")) +
        _types("travel", "Travel Gear", "Color", ("Black", "Grey", "Navy", "Olive"),
               ("Standard",), (19.0, 249.0),
               ("lightweight stroller", "Strollers", "foldable, compact, lightweight, reclining, travel, one-hand fold"),
               ("baby carrier", "Carriers", "ergonomic, breathable, adjustable, hip seat, 4-in-1, mesh"),
               ("car seat canopy", "Car Seat Accessories", "breathable, stretchy, universal, nursing cover, UV protection, muslin"))
    ),
    benefits=("for peace of mind day and night", "tested to strict safety standards", "easy to clean",
              "loved by parents and babies", "made from baby-safe materials", "that grows with your child"),
    praise=("my baby loves it", "a lifesaver for new parents", "so soft and well made", "easy to clean",
            "worth every penny", "perfect baby shower gift"),
    complaints=("fell apart after a month", "hard to clean", "smaller than expected", "my baby hated it",
                "the straps are uncomfortable", "leaked everywhere"),
)

TOYS_AND_GAMES = CategoryVocabulary(
    category="Toys_and_Games",
    crumb_root="Toys & Games",
    brands=("BrightBlocks", "Funtastic", "Wonderwell", "Kiddo Craft", "Puzzle Peak", "Rocket Rabbit",
            "Playmaker", "Tumbleweed Toys", "Starling", "Marble Fox"),
    audiences=("Toddlers", "Kids 3-5", "Kids 8-12", "Teens and Adults"),
    audience_phrase="for {audience}",
    product_types=(
        _types("building", "Building Toys", "Set", ("Classic", "Deluxe", "Starter"),
               ("100 Pieces", "250 Pieces", "500 Pieces"), (14.0, 89.0),
               ("building blocks set", "Building Sets", "STEM, educational, creative, compatible, storage box, colorful"),
               ("magnetic tiles", "Magnetic Building Sets", "STEM, educational, 3D, translucent, strong magnets, creative"),
               ("robot building kit", "Building Sets", "STEM, coding, remote control, rechargeable, educational, app-controlled")) +
        _types("puzzles and board games", "Games & Accessories", "Edition", ("Classic", "Family Edition", "Travel Edition"),
               ("Standard",), (9.0, 49.0),
               ("jigsaw puzzle", "Puzzles|Jigsaw Puzzles", "1000-piece, landscape, challenging, family, glow-in-the-dark, animals"),
               ("board game", "Board Games", "family, strategy, cooperative, educational, party, 2-4 players"),
               ("card game", "Card Games", "family, party, fast-paced, travel, strategy, hilarious")) +
        _types("outdoor play", "Sports & Outdoor Play", "Color", ("Blue", "Orange", "Rainbow", "Green"),
               ("Standard", "2-Pack"), (9.0, 69.0),
               ("water blaster", "Pools & Water Toys", "long-range, summer, pump-action, 2-pack, lightweight, backyard"),
               ("bubble machine", "Bubbles", "automatic, portable, battery-operated, party, backyard, thousands of bubbles"),
               ("kite", "Kites & Flying Toys", "easy-to-fly, large, rainbow, beach, nylon, with string")) +
        _types("pretend play", "Dress Up & Pretend Play", "Color", ("Pink", "Natural Wood", "Pastel", "White"),
               ("Small", "Large"), (14.0, 129.0),
               ("play kitchen", "Kitchen Toys", "wooden, realistic, lights and sounds, accessories, pretend play, compact"),
               ("dollhouse", "Dollhouses", "wooden, furniture included, 3-story, pretend play, lights, accessories"),
               ("plush toy", "Stuffed Animals & Plush Toys", "soft, cuddly, huggable, unicorn, dinosaur, washable")) +
        _types("remote control", "Hobbies|Remote & App Controlled", "Color", ("Red", "Blue", "Black", "Yellow"),
               ("Standard", "2 Batteries"), (24.0, 99.0),
               ("remote control car", "Cars & Trucks", "off-road, rechargeable, high-speed, waterproof, all-terrain, 4WD"),
               ("mini drone", "Drones", "beginner, HD camera, altitude hold, rechargeable, foldable, one-key return"))
    ),
    benefits=("for hours of screen-free fun", "that sparks creativity", "made from non-toxic materials",
              "a perfect birthday gift", "that builds fine motor skills", "fun for the whole family"),
    praise=("my kids play with it every day", "great gift", "hours of fun", "well made and sturdy",
            "the whole family enjoys it", "educational and fun"),
    complaints=("broke within a day", "pieces were missing", "too hard for my kids", "cheap plastic",
                "smaller than pictured", "batteries die fast"),
)

SPORTS_AND_OUTDOORS = CategoryVocabulary(
    category="Sports_and_Outdoors",
    crumb_root="Sports & Outdoors",
    brands=("TrailForge", "Summit Ridge", "BlueHeron Outdoors", "IronPeak", "Northwind", "Cascade Gear",
            "Riverbend", "Granite Fox", "Alpenglow", "Driftline"),
    audiences=("Men", "Women", "Kids", "Youth"),
    audience_phrase="for {audience}",
    product_types=(
        _types("hiking", "Outdoor Recreation|Hiking", "Color", ("Black", "Brown", "Olive", "Grey", "Blue"),
               ("Small", "Medium", "Large"), (19.0, 159.0),
               ("hiking boots", "Hiking Boots", "waterproof, lightweight, breathable, ankle support, non-slip, insulated"),
               ("trekking poles", "Trekking Poles", "lightweight, collapsible, carbon fiber, adjustable, anti-shock, 2-pack"),
               ("hiking backpack", "Backpacks", "waterproof, lightweight, 40L, breathable, rain cover, hydration compatible"),
               ("hydration bladder", "Hydration Packs", "2L, BPA-free, leak-proof, insulated tube, lightweight, wide opening")) +
        _types("camping", "Outdoor Recreation|Camping", "Color", ("Green", "Orange", "Grey", "Tan"),
               ("1 Person", "2 Person", "4 Person"), (19.0, 249.0),
               ("camping tent", "Tents", "waterproof, easy setup, lightweight, 4-season, rainfly, backpacking"),
               ("sleeping bag", "Sleeping Bags", "lightweight, 3-season, insulated, compact, mummy, waterproof"),
               ("camping lantern", "Lanterns", "rechargeable, LED, waterproof, solar, collapsible, bright"),
               ("camp stove", "Camp Stoves", "portable, lightweight, backpacking, propane, windproof, compact")) +
        _types("fishing", "Outdoor Recreation|Fishing", "Color", ("Black", "Camo", "Blue"),
               ("Standard",), (15.0, 149.0),
               ("fishing rod", "Rods", "carbon fiber, telescopic, spinning, lightweight, saltwater, freshwater"),
               ("fishing reel", "Reels", "spinning, saltwater, smooth drag, lightweight, freshwater, corrosion-resistant"),
               ("tackle box", "Tackle Boxes", "waterproof, portable, 3-tray, lures included, freshwater, organizer")) +
        _types("fitness", "Exercise & Fitness", "Color", ("Black", "Purple", "Teal", "Pink", "Grey"),
               ("Standard", "Extra Thick", "Set"), (12.0, 129.0),
               ("yoga mat", "Yoga|Mats", "non-slip, extra thick, eco-friendly, carrying strap, TPE, lightweight"),
               ("resistance bands", "Strength Training|Bands", "5-pack, latex-free, door anchor, heavy, portable, workout guide"),
               ("adjustable dumbbells", "Strength Training|Dumbbells", "adjustable, space-saving, non-slip, 25 lb, quick-change, home gym"),
               ("foam roller", "Accessories|Foam Rollers", "high-density, textured, lightweight, deep tissue, 18-inch, recovery")) +
        _types("cycling", "Cycling", "Color", ("Black", "White", "Neon Yellow", "Red"),
               ("S", "M", "L"), (12.0, 89.0),
               ("bike helmet", "Helmets", "lightweight, adjustable, breathable, LED light, certified, magnetic buckle"),
               ("bike light set", "Lights & Reflectors", "rechargeable, USB, waterproof, bright, easy mount, tail light"),
               ("cycling gloves", "Gloves", "padded, breathable, half-finger, non-slip, touchscreen, shock-absorbing"))
    ),
    benefits=("built for the trail", "tested in real outdoor conditions", "with a lifetime warranty",
              "so you can go further", "for all-weather adventures", "that packs down small"),
    praise=("held up great on my trip", "super comfortable", "lightweight and sturdy", "kept me dry in the rain",
            "great quality for the price", "used it all season"),
    complaints=("fell apart on the trail", "not waterproof at all", "runs small", "heavier than advertised",
                "the zipper broke", "uncomfortable after an hour"),
)

VOCABULARIES: dict[str, CategoryVocabulary] = {
    v.category: v for v in (ALL_BEAUTY, VIDEO_GAMES, BABY_PRODUCTS, TOYS_AND_GAMES, SPORTS_AND_OUTDOORS)
}

FIRST_NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Mason", "Sophia", "Lucas", "Mia", "Ethan",
               "Harper", "James", "Amelia", "Logan", "Ella", "Jack", "Aria", "Leo", "Chloe", "Owen",
               "Nora", "Caleb", "Zoe", "Ezra", "Lily", "Wyatt", "Hazel", "Isaac", "Ruby", "Miles")
LAST_INITIALS = "ABCDEFGHJKLMNPRSTVWY"

TITLE_POSITIVE = ("Love it!", "Great {ptype}", "Exactly what I needed", "Highly recommend", "Five stars",
                  "Best {ptype} I've owned", "Works great", "So happy with this")
TITLE_NEUTRAL = ("It's okay", "Decent {ptype}", "Does the job", "Not bad for the price", "Mixed feelings")
TITLE_NEGATIVE = ("Disappointed", "Not worth it", "Returned it", "Poor quality", "Would not buy again")

# Natural-language queries say what they need in other words than the titles, so that a
# better encoder ranks better (word overlap alone is not enough).
AUDIENCE_PARAPHRASES = {
    "Women": ("for my wife", "for her", "for a woman"), "Men": ("for my husband", "for him", "for a guy"),
    "Kids": ("for my son", "for my daughter", "for children"), "Youth": ("for a teenager", "for my teen"),
    "Toddlers": ("for my 2 year old", "for a toddler"), "Kids 3-5": ("for my 4 year old", "for a preschooler"),
    "Kids 8-12": ("for my 10 year old", "for a tween"), "Teens and Adults": ("for grown-ups", "for adults"),
    "Newborns": ("for a newborn baby", "for a new baby"), "Infants": ("for my baby", "for an infant"),
    "Boys and Girls": ("for little ones", "for kids"), "All Hair Types": ("that works on any hair",),
    "Sensitive Skin": ("for skin that reacts easily", "that won't irritate my skin"),
    "Nintendo Switch": ("for my Switch",), "PlayStation 5": ("for my PS5",), "Xbox Series X": ("for my Xbox",),
    "PC": ("for my gaming computer", "for my PC setup"),
}
ATTRIBUTE_PARAPHRASES = {
    "waterproof": "that keeps water out", "lightweight": "that doesn't weigh much", "breathable": "that lets air through",
    "rechargeable": "that I can recharge instead of buying batteries", "wireless": "without cables",
    "fragrance-free": "with no scent", "sulfate-free": "without sulfates", "non-slip": "that doesn't slide around",
    "foldable": "that folds up", "portable": "easy to carry around", "insulated": "that keeps warm",
    "BPA-free": "without BPA", "organic cotton": "made of organic cotton", "educational": "that teaches something",
    "wooden": "made of wood", "vegan": "with no animal ingredients", "long-lasting": "that lasts all day",
    "adjustable": "that I can adjust", "compact": "that doesn't take much space", "multiplayer": "we can play together",
    "noise-cancelling": "that blocks outside noise", "moisturizing": "that keeps things from drying out",
    "quick-dry": "that dries fast", "easy setup": "that is quick to put up", "collapsible": "that collapses small",
}
# What a shopper who does not know the product's name asks for: each product type described by
# its use, in words that are not in its name, so word overlap alone cannot find it.
PRODUCT_NEEDS = {
    "shampoo": "something to wash my hair with", "conditioner": "something to leave my hair soft after washing",
    "hair mask": "a weekly treatment to rescue damaged hair", "hair oil": "a few drops to tame dry ends",
    "face serum": "a concentrated treatment for my complexion", "face moisturizer": "a daily cream so my skin isn't tight",
    "sunscreen": "protection from sunburn at the beach", "face cleanser": "something to wash off makeup at night",
    "nail polish": "color to paint my fingernails", "nail polish remover": "something to take old color off my nails",
    "cuticle oil": "a treatment for the dry skin around my nails", "lipstick": "color for my lips",
    "mascara": "something to make my lashes look longer", "eyeliner": "a pen to draw a line around my eyes",
    "makeup brush set": "tools to apply foundation and powder", "body wash": "soap for the shower",
    "bath bomb set": "fizzy balls that make a relaxing tub soak", "body lotion": "cream for dry arms and legs after a shower",
    "wireless controller": "a gamepad to play from the couch", "charging dock": "a stand that powers up my gamepads overnight",
    "thumb grips": "caps for the sticks so my thumbs don't slip", "gaming headset": "headphones with a mic to talk to my team",
    "headset stand": "a place on my desk to hang my headphones", "gaming keyboard": "clicky keys for playing on a computer",
    "gaming mouse": "a precise pointer for computer games", "mouse pad": "a smooth surface for my desk",
    "racing game": "something where I drive fast cars around tracks", "role-playing game": "a long adventure with quests and character levels",
    "party game": "something fun for a group night", "shooter game": "action where you aim and fire at enemies",
    "carrying case": "a protective pouch to take my console on trips", "screen protector": "a film that keeps the display from scratches",
    "baby bottle": "something to feed my infant milk", "bottle warmer": "a gadget that heats milk to the right temperature",
    "silicone bib set": "something to keep food off my toddler's clothes", "high chair": "a seat so my little one can eat at the table",
    "diaper bag backpack": "something to carry everything for outings with an infant", "changing pad": "a mat for nappy changes",
    "cloth diapers": "reusable nappies", "crib sheet": "bedding for the cot mattress",
    "baby monitor": "a way to watch the nursery from another room", "swaddle blanket": "a wrap to keep a newborn snug",
    "white noise machine": "a sound box that helps little ones fall asleep", "lightweight stroller": "a pushchair that is easy to take on trips",
    "baby carrier": "a way to wear my infant hands-free", "car seat canopy": "a shade cover for my infant's travel chair",
    "building blocks set": "interlocking bricks to build things", "magnetic tiles": "shapes that snap together with magnets",
    "robot building kit": "a set to assemble and program a machine", "jigsaw puzzle": "a picture in many pieces to put together",
    "board game": "something to play around the table with family", "card game": "a deck-based pastime for a fun evening",
    "water blaster": "a squirt toy for summer fights", "bubble machine": "a gadget that blows lots of soap spheres",
    "kite": "something to fly on a windy day", "play kitchen": "a pretend cooking set for little chefs",
    "dollhouse": "a miniature home with furniture for dolls", "plush toy": "a stuffed animal to cuddle",
    "remote control car": "a toy vehicle to drive with a handheld transmitter", "mini drone": "a small flying quadcopter for beginners",
    "hiking boots": "footwear for rocky mountain trails", "trekking poles": "sticks that take strain off my knees on descents",
    "hiking backpack": "a pack for long days on the trail", "hydration bladder": "a reservoir to sip from while I walk",
    "camping tent": "a shelter to sleep outdoors", "sleeping bag": "something warm to sleep in at the campsite",
    "camping lantern": "a light for the campsite at night", "camp stove": "a burner to cook meals outdoors",
    "fishing rod": "a pole to catch fish from the shore", "fishing reel": "the spool that winds the line when I catch fish",
    "tackle box": "a case to organize hooks and lures", "yoga mat": "a cushioned surface for stretching on the floor",
    "resistance bands": "elastic straps for strength training at home", "adjustable dumbbells": "hand weights for home workouts",
    "foam roller": "a cylinder to massage sore muscles", "bike helmet": "head protection for cycling",
    "bike light set": "front and rear lamps so cars see me riding at night", "cycling gloves": "padded mitts for long rides",
}
