"""Word lists for demo and bulk products, in Russian and English.

Russian adjectives are stored already agreeing with their noun, so generated names read naturally
("Кружка керамическая", "Наушники беспроводные"); English ones precede the noun.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of product: a noun and the adjectives that fit it, in one language."""

    noun: str
    adjectives: tuple[str, ...]
    russian: bool


@dataclass(frozen=True)
class Department:
    name: str
    slug: str
    kinds: tuple[Kind, ...]
    price_range: tuple[int, int]


def ru(noun: str, *adjectives: str) -> Kind:
    return Kind(noun, adjectives, True)


def en(noun: str, *adjectives: str) -> Kind:
    return Kind(noun, adjectives, False)


DEPARTMENTS: tuple[Department, ...] = (
    Department("Посуда и кухня", "kitchen", (
        ru("Кружка", "керамическая", "фарфоровая", "стеклянная", "дорожная"),
        ru("Чайник", "электрический", "заварочный", "стеклянный"),
        ru("Сковорода", "антипригарная", "чугунная", "блинная"),
        ru("Тарелка", "глубокая", "плоская", "десертная"),
        en("mug", "ceramic", "travel", "enamel", "insulated"),
        en("frying pan", "non-stick", "cast iron", "stainless steel"),
        en("kettle", "electric", "glass", "whistling"),
        en("chef knife", "Japanese", "forged", "ceramic"),
    ), (190, 6900)),
    Department("Электроника", "electronics", (
        ru("Наушники", "беспроводные", "накладные", "спортивные", "игровые"),
        ru("Колонка", "портативная", "умная", "беспроводная"),
        ru("Зарядка", "быстрая", "беспроводная", "автомобильная"),
        en("headphones", "wireless", "noise-cancelling", "over-ear", "studio"),
        en("earbuds", "wireless", "sport", "waterproof"),
        en("speaker", "bluetooth", "portable", "smart"),
        en("keyboard", "mechanical", "wireless", "compact"),
        en("mouse", "wireless", "gaming", "ergonomic"),
    ), (490, 39900)),
    Department("Обувь", "shoes", (
        ru("Кроссовки", "беговые", "городские", "детские", "трекинговые"),
        ru("Ботинки", "зимние", "кожаные", "трекинговые"),
        ru("Кеды", "низкие", "высокие", "текстильные"),
        en("running shoes", "lightweight", "trail", "cushioned"),
        en("sneakers", "canvas", "leather", "classic"),
        en("boots", "hiking", "winter", "waterproof"),
    ), (1490, 17900)),
    Department("Одежда", "clothing", (
        ru("Футболка", "хлопковая", "спортивная", "оверсайз"),
        ru("Куртка", "зимняя", "ветрозащитная", "джинсовая"),
        ru("Свитер", "шерстяной", "вязаный", "кашемировый"),
        en("t-shirt", "cotton", "organic", "graphic"),
        en("jacket", "rain", "down", "fleece"),
        en("hoodie", "zip", "oversized", "heavyweight"),
    ), (590, 14900)),
    Department("Дом и уют", "home", (
        ru("Подушка", "ортопедическая", "декоративная", "пуховая"),
        ru("Плед", "флисовый", "шерстяной", "вязаный"),
        ru("Лампа", "настольная", "светодиодная", "прикроватная"),
        en("blanket", "wool", "weighted", "knitted"),
        en("desk lamp", "LED", "adjustable", "dimmable"),
        en("candle", "scented", "soy", "beeswax"),
    ), (290, 8900)),
    Department("Спорт и отдых", "sport", (
        ru("Коврик для йоги", "нескользящий", "толстый", "дорожный"),
        ru("Гантели", "разборные", "виниловые", "неопреновые"),
        ru("Мяч", "футбольный", "баскетбольный", "волейбольный"),
        en("yoga mat", "non-slip", "eco", "extra thick"),
        en("water bottle", "insulated", "sport", "glass"),
        en("backpack", "hiking", "waterproof", "urban"),
    ), (390, 24900)),
    Department("Книги и канцелярия", "stationery", (
        ru("Блокнот", "в клетку", "в линейку", "кожаный"),
        ru("Ручка", "гелевая", "шариковая", "перьевая"),
        ru("Ежедневник", "датированный", "недатированный", "карманный"),
        en("notebook", "dotted", "lined", "hardcover"),
        en("pen", "gel", "fountain", "ballpoint"),
        en("planner", "weekly", "undated", "academic"),
    ), (90, 3900)),
    Department("Игрушки", "toys", (
        ru("Конструктор", "магнитный", "деревянный", "пластиковый"),
        ru("Пазл", "детский", "напольный", "деревянный"),
        ru("Машинка", "радиоуправляемая", "инерционная", "металлическая"),
        en("puzzle", "jigsaw", "wooden", "3D"),
        en("building blocks", "magnetic", "classic", "creative"),
        en("plush toy", "soft", "giant", "musical"),
    ), (190, 12900)),
)

BRANDS = ("Luma", "Nordic", "Vesta", "Orion", "Polaris", "Atlas", "Terra", "Sola", "Kvant", "Aurora", "Brisa", "Kedr")
COLORS_RU = ("белый", "чёрный", "синий", "красный", "зелёный", "серый", "бежевый", "жёлтый")
COLORS_EN = ("white", "black", "blue", "red", "green", "grey", "beige", "yellow")
FEATURES_RU = (
    "Прочный и лёгкий", "Подходит для подарка", "Удобно брать в дорогу", "Легко мыть",
    "Гарантия один год", "Экологичные материалы", "Сделано с заботой о деталях", "Хит продаж",
)
FEATURES_EN = (
    "Durable and lightweight", "A great gift", "Easy to take on the road", "Easy to clean",
    "One year warranty", "Eco-friendly materials", "Made with attention to detail", "Best seller",
)
# Three syllables make ~27k series names: each one names only a few dozen products even in a
# million, which gives the benchmarks a rare word next to the common ones above.
SYLLABLES = ("ka", "lo", "mi", "ra", "ven", "dor", "zel", "tis", "mar", "no", "qu", "bel", "sha", "tor", "vi", "xo",
             "pel", "gan", "ru", "fe", "lin", "so", "dra", "ke", "mon", "ti", "zu", "ber", "cha", "ol")
