"""The green value of a plan: kWh, m³ of water and t CO2 saved against each model's baseline grade over
the service life, and the CO2's money value at the profile's carbon price.

The grid factor is the agency's grid region's (first two digits of the 行政区划代码 → region, from
rules/evaluation/grid_factors.json) for the latest year not after the plan's year; where the region
has no factor for that year (or the plan names no region) the national factor of that year is used;
a plan dated before every factor has none, and says so. Whatever is used is said."""
from __future__ import annotations

#: The three quantities saved and the money value, in the order reports show them.
QUANTITIES = ("kwh", "m3", "t_co2", "money_value")


def grid_factor(grid: dict, region_code, date: str) -> dict:
    """{"value", "year", "region", "province", "source", "verified", "notes": [codes]} or, without any
    factor up to the plan's year, {"value": None, "notes": ["no_factor_up_to_year"], …}. Notes:
    ``year_earlier`` (the plan's year has none: an earlier year's), ``region_unknown`` (no or an unmapped
    region code: national), ``region_no_factor`` (the region has no factor for that year: national)."""
    year = int(date[:4])
    province = None
    if isinstance(region_code, str) and len(region_code) >= 2:
        province = next((p for p in grid["provinces"] if p["prefix"] == region_code[:2]), None)
    notes = []
    region = province["region"] if province else "national"
    if province is None:
        notes.append("region_unknown")
    candidates = [f for f in grid["factors"] if f["region"] == region and f["year"] <= year]
    if not candidates and region != "national":
        notes.append("region_no_factor")
        region = "national"
        candidates = [f for f in grid["factors"] if f["region"] == "national" and f["year"] <= year]
    out = {"region": region, "region_title": grid["regions"][region], "plan_year": year,
           "province": ({"prefix": province["prefix"], "name": province["name"], "source": province["source"],
                         "source_words": province["source_words"], "verified": province["verified"],
                         "refs": province.get("refs", [])} if province else None),
           "unit": grid["unit"]}
    if not candidates:
        return {**out, "value": None, "year": None, "source": None, "source_words": None, "verified": False,
                "refs": [], "notes": notes + ["no_factor_up_to_year"]}
    best = max(candidates, key=lambda f: f["year"])
    # A regional factor of an earlier year while the national one has the plan's year? The latest
    # year wins within the region; the region's own factor is preferred over the national one.
    if best["year"] < year:
        notes.append("year_earlier")
    verified = best["verified"] and (province is None or province["verified"])
    return {**out, "value": best["value"], "year": best["year"], "source": best["source"],
            "source_words": best["source_words"], "verified": verified,
            # the documents of the factor, then of the province's grid membership (rules/sources.json keys)
            "refs": list(dict.fromkeys(best.get("refs", []) + (province.get("refs", []) if province else []))),
            "notes": notes}


def saved(annual_base: float, annual_offer: float, quantity: float, years: float) -> float:
    """Units × (baseline annual use − the grade's annual use) × years of service life."""
    return quantity * (annual_base - annual_offer) * years


def co2_tonnes(kwh: float, factor_kg_per_kwh: float) -> float:
    """kWh × kgCO2/kWh ÷ 1000."""
    return kwh * factor_kg_per_kwh / 1000.0


def add(total: dict, part: dict):
    """Add ``part``'s quantities (those present and not None) to ``total``."""
    for k in QUANTITIES:
        if part.get(k) is not None:
            total[k] = total.get(k, 0.0) + part[k]


def rounded(totals: dict) -> dict:
    return {k: round(totals.get(k, 0.0), 6) for k in QUANTITIES}
