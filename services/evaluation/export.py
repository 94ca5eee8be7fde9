"""The radar as CSV, one row per indicator: framework-free."""

import csv
import io

COLUMNS = ("indicator_set_version", "period", "unit", "major_area", "radar_area",
           "radar_area_name", "radar_area_score", "indicator", "indicator_name", "kind",
           "reads", "value", "n", "score", "note")


def radar_csv(radar: dict, lang: str = "en") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    filters = radar["filters"]
    for area in radar["areas"]:
        for row in area["indicators"]:
            writer.writerow([
                radar["indicator_set_version"], filters.get("period") or "",
                filters.get("unit") or "", filters.get("area") or "", area["id"],
                area["name"][lang], _number(area["score"]), row["id"], row["name"][lang],
                row["kind"], " ".join(row["reads"]), _number(row["value"]), row["n"],
                _number(row["score"]), row["note"] or "",
            ])
    return out.getvalue()


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def filename(radar: dict, extension: str) -> str:
    filters = radar["filters"]
    parts = ["radar", filters.get("period") or "all", filters.get("unit"), filters.get("area"),
             radar["indicator_set_version"]]
    return "-".join(p for p in parts if p) + f".{extension}"
