"""The city's shared vocabulary (DOMAIN.md): major areas and other code lists used by
several services and by the event schemas."""

# Lahti's four major areas (suuralueet), also the four partnership tables' regions.
AREAS = ("keskusta", "itainen", "etelainen", "pohjoinen")
AREA_NAMES = {
    "keskusta": {"fi": "Keskusta", "en": "Centre"},
    "itainen": {"fi": "Itäinen", "en": "East"},
    "etelainen": {"fi": "Eteläinen", "en": "South"},
    "pohjoinen": {"fi": "Pohjoinen", "en": "North"},
}
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
