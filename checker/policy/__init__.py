"""The rule language: what the data in rules/ means, and the code that reads it.

* :mod:`.rulepacks`: rule packs and profiles, loaded from rules/, validated, looked up by id (or alias);
* :mod:`.selectors`: named sets of plan items (catalog codes and prefixes per edition, list rows,
  item fields, project nature, other selectors);
* :mod:`.derived`: values computed over selectors (count, sum, share) per item, project or plan;
* :mod:`.params`: rule parameters with type, unit and range, and schedules chosen by the plan's date.

Python here evaluates the data generically: a code, a prefix, a threshold or a date never appears
in this package. checker/engine.py stays the only importer of durable-rules.
"""
