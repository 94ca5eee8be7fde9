"""The radar as an SVG chart, drawn on the server: framework-free.

Four axes, one per area, scores 0-5 outwards. The automatic view is a filled polygon with
round markers, the expert view (when there is one) a dashed outline with square markers, so
the two differ by more than colour. The chart carries a title and a description with every
number, and is drawn with presentation attributes only (no style attributes, no scripts):
the pages' Content-Security-Policy allows neither inline styles nor scripts."""

import math
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 640, 560
CX, CY, R = 320, 275, 170
ANGLES = {"goals": -90, "culture": 0, "satisfaction": 90, "methods": 180}
AUTOMATIC, EXPERT, GRID, INK = "#1b5e7a", "#a8431a", "#b9c3c9", "#1d2327"
WORDS = {
    "en": {"title": "Co-creation radar", "automatic": "Automatic, from the event flow",
           "expert": "Expert assessment", "no_data": "no data", "set": "indicator set",
           "period": "period", "all_time": "all time", "unit": "unit", "area": "major area",
           "of": "of 5", "auto_short": "automatic", "expert_short": "expert"},
    "fi": {"title": "Yhteisluomisen tutka", "automatic": "Automaattinen, tapahtumavirrasta",
           "expert": "Asiantuntija-arvio", "no_data": "ei tietoa", "set": "mittaristo",
           "period": "jakso", "all_time": "koko aika", "unit": "yksikkö", "area": "suuralue",
           "of": "/ 5", "auto_short": "automaattinen", "expert_short": "asiantuntija"},
}


def _point(area: str, score: float | None) -> tuple[float, float]:
    radius = R * (score or 0) / 5
    angle = math.radians(ANGLES[area])
    return round(CX + radius * math.cos(angle), 1), round(CY + radius * math.sin(angle), 1)


def _points(scores: dict[str, float | None]) -> str:
    return " ".join(f"{x},{y}" for x, y in (_point(a, scores.get(a)) for a in ANGLES))


def _wrap(text: str, width: int = 24) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _score_text(score: float | None, words: dict) -> str:
    return words["no_data"] if score is None else f"{score:.1f}"


def caption(radar: dict, lang: str) -> str:
    """One line saying what the chart is of: filters and indicator set."""
    words = WORDS[lang]
    filters = radar["filters"]
    parts = [f"{words['period']} {filters.get('period') or words['all_time']}"]
    if filters.get("unit"):
        parts.append(f"{words['unit']} {filters['unit']}")
    if filters.get("area"):
        parts.append(f"{words['area']} {filters['area']}")
    parts.append(f"{words['set']} {radar['indicator_set_version']}")
    return f"{words['title']}: " + ", ".join(parts)


def render(radar: dict, lang: str = "en", expert: dict[str, float | None] | None = None) -> str:
    words = WORDS[lang]
    automatic = {a["id"]: a["score"] for a in radar["areas"]}
    names = {a["id"]: a["name"][lang] for a in radar["areas"]}
    description = "; ".join(
        f"{names[a]}: {words['auto_short']} {_score_text(automatic.get(a), words)}"
        + (f", {words['expert_short']} {_score_text(expert.get(a), words)}" if expert else "")
        + f" {words['of']}"
        for a in ANGLES
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" lang="{lang}" '
        'aria-labelledby="radar-title radar-desc" font-family="sans-serif" font-size="13">',
        f'<title id="radar-title">{escape(caption(radar, lang))}</title>',
        f'<desc id="radar-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for ring in range(1, 6):
        ring_points = _points(dict.fromkeys(ANGLES, ring))
        out.append(f'<polygon points="{ring_points}" fill="none" stroke="{GRID}" '
                   'stroke-width="1"/>')
        x, y = _point("goals", ring)  # left of the axis, clear of the markers on it
        out.append(f'<text x="{x - 7}" y="{y + 4}" text-anchor="end" fill="{INK}" '
                   f'font-size="11">{ring}</text>')
    for area in ANGLES:
        x, y = _point(area, 5)
        out.append(f'<line x1="{CX}" y1="{CY}" x2="{x}" y2="{y}" stroke="{GRID}" '
                   'stroke-width="1"/>')
    out.append(f'<polygon points="{_points(automatic)}" fill="{AUTOMATIC}" fill-opacity="0.25" '
               f'stroke="{AUTOMATIC}" stroke-width="2.5"/>')
    for area in ANGLES:
        if automatic.get(area) is not None:
            x, y = _point(area, automatic[area])
            out.append(f'<circle cx="{x}" cy="{y}" r="4.5" fill="{AUTOMATIC}"/>')
    if expert:
        out.append(f'<polygon points="{_points(expert)}" fill="none" stroke="{EXPERT}" '
                   'stroke-width="2.5" stroke-dasharray="7 4"/>')
        for area in ANGLES:
            if expert.get(area) is not None:
                x, y = _point(area, expert[area])
                out.append(f'<rect x="{x - 4.5}" y="{y - 4.5}" width="9" height="9" '
                           f'fill="{EXPERT}"/>')
    out.extend(_labels(names, automatic, expert, words))
    out.extend(_legend(words, bool(expert)))
    out.append("</svg>")
    return "\n".join(out)


def _labels(names, automatic, expert, words) -> list[str]:
    out = []
    places = {"goals": (CX, CY - R - 58, "middle"), "culture": (CX + R + 14, CY - 22, "start"),
              "satisfaction": (CX, CY + R + 24, "middle"),
              "methods": (CX - R - 14, CY - 22, "end")}
    for area, (x, y, anchor) in places.items():
        score = _score_text(automatic.get(area), words)
        if expert:
            score += f" / {_score_text(expert.get(area), words)}"
        lines = [*_wrap(names[area], 18 if anchor != "middle" else 40), score]
        spans = "".join(
            f'<tspan x="{x}" dy="{0 if n == 0 else 16}"'
            + (' font-weight="bold"' if n == len(lines) - 1 else "")
            + f">{escape(line)}</tspan>"
            for n, line in enumerate(lines)
        )
        out.append(f'<text x="{x}" y="{y}" text-anchor={quoteattr(anchor)} fill="{INK}">'
                   f"{spans}</text>")
    return out


def _legend(words, with_expert: bool) -> list[str]:
    y = HEIGHT - 22
    out = [f'<rect x="24" y="{y - 10}" width="22" height="12" fill="{AUTOMATIC}" '
           f'fill-opacity="0.25" stroke="{AUTOMATIC}" stroke-width="2"/>',
           f'<text x="54" y="{y}" fill="{INK}">{escape(words["automatic"])}</text>']
    if with_expert:
        out += [f'<line x1="330" y1="{y - 4}" x2="352" y2="{y - 4}" stroke="{EXPERT}" '
                'stroke-width="2.5" stroke-dasharray="7 4"/>',
                f'<text x="360" y="{y}" fill="{INK}">{escape(words["expert"])}</text>']
    return out
