"""Plan → facts for the engine, plus the context each finding message and report needs.

Everything that is a lookup rather than a judgement happens here, once per item, in Python: the
list edition in force, the code resolved to list rows, the certificate status on the plan date,
the project's nature. The rules then decide what is a finding. Facts carry only the fields some
rule tests (``Checker`` passes that set), so the engine sees small facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import refdata_circular as _circular
from .lists import LIST_KINDS, Lists

#: Fields a rule may test, per fact kind, with what they mean (used to check rule files and in docs).
FIELDS = {
    "item": {
        "stage": "plan stage: budget | intention | plan | award",
        "category_code": "the item's category code",
        "code_form_ok": "true when the code has the form of the plan's catalog edition",
        "energy_list": "obligation on the energy-saving list in force: mandatory | priority | none (stricter one where unresolved)",
        "energy_resolution": "how the code stands on that list: off_list | listed | ambiguous | parent | product_type_unmatched",
        "energy_req": "the plan's energy_saving requirement: required | preferred | none",
        "energy_pref_applied": "award: true when the evaluation granted the energy-saving preference",
        "env_list": "obligation on the environmental-label list in force: mandatory | priority | none",
        "env_resolution": "how the code stands on that list: off_list | listed | ambiguous | parent | product_type_unmatched",
        "env_req": "the plan's environmental_label requirement: required | preferred | none",
        "env_pref_applied": "award: true when the evaluation granted the environmental-label preference",
        "amount": "the item's amount in CNY",
        "eval_method": "its project's evaluation method (absent at budget and intention when not given)",
        "code_in_catalog": "the code in the registry's catalog of the plan's edition: known | unknown (absent when that catalog is not loaded)",
        "energy_reg": "award: the energy-saving certificate against the registry: ok | not_in_registry | revoked | suspended | expired "
                      "| mismatch (absent when there is no certificate or no certificate data)",
        "env_reg": "award: the environmental-label certificate against the registry, as energy_reg",
        "energy_body": "award: the energy-saving certificate's issuer on the plan date: designated | not_designated (absent without body data)",
        "env_body": "award: the environmental-label certificate's issuer, as energy_body",
        "supplier_ban": "award: banned when a credit record's ban covers the plan date, clear otherwise (absent without credit data or credit code)",
        "supplier_records": "award: the number of integrity records (诚信档案) against the supplier",
        "circular_catalog": "award, an item claimed circular_economy, with a circular catalog in the registry: matched (an "
                            "entry valid on the plan date) | not_valid (an entry, not valid then) | not_listed",
        "supplier_qualified": "award: how many of the supplier's green qualifications are valid on the plan date (absent "
                              "without qualification data or credit code)",
    },
    "project": {
        "stage": "plan stage",
        "eval_method": "comprehensive_scoring | lowest_price (absent at budget and intention when not given)",
        "price_weight": "price weight in percent (absent when not given)",
        "green_bonus_points": "points for certified products (absent when not given)",
        "green_price_deduction_pct": "price deduction for certified products, percent (absent when not given)",
        "nature": "goods | services | works (given, or derived from the item codes)",
        "has_preferred": "true when an item asks for a list preference (preferred)",
        "amount": "the project's amount in CNY",
        # the green evaluation (checker/evaluation/scheme.py)
        "criteria_groups": "the number of product groups with green criteria (rules/criteria) its items belong to",
        "scheme_factors": "the number of evaluation factors it lists (evaluation.factors)",
        "green_factors": "the number of those that are green (kind green or life_cycle_cost, a criterion id, or an indicator)",
        "green_weight": "the green factors' points as a percentage of all factors' points (absent without factors or points)",
    },
    "plan": {
        "stage": "plan stage",
        "catalog_edition": "2013 | 2022",
        "catalog_edition_assumed": "true when the plan did not say which catalog edition its codes use",
        "lists_in_force": "true when a list edition is in force on the plan date for every list",
        "catalog_loaded": "true when the registry holds the catalog of the plan's edition",
        "certificates_loaded": "true when the registry holds certificate data",
        "bodies_loaded": "true when the registry holds the designated certification bodies",
        "credit_loaded": "true when the registry holds credit records",
        "circular_loaded": "true when the registry holds a circular-economy catalog",
    },
}

#: Fields of every fact kind, whatever rules/derived/ declares.
COMMON_FIELDS = {
    "plan_date": "the plan's date as a number YYYYMMDD (effective_from and effective_until are applied apart, by date)",
    "unset_*": "true when the profile leaves that parameter without a value (unset_circular_share_min, …)",
    "p_*": "a dated parameter's value on the plan's date (a rule compares with it through {\"$param\": name})",
}

#: The amounts a plan's green share is made of (each also as a percentage of "total").
SHARE_KEYS = ("total", "listed", "mandatory", "priority", "required", "preferred")
#: The plan-level derived values every result's totals carry (rules/derived/plan-totals.json defines
#: them; a rules directory without them is rejected at load).
TOTALS = (*(f"{k}_amount" for k in SHARE_KEYS + ("circular",)),
          *(f"{k}_share" for k in SHARE_KEYS[1:] + ("circular",)))

#: The plan stages, earliest first (schemas/plan.schema.json). At the early ones (a budget table, a
#: procurement intention) the procurement documents do not exist yet: no evaluation, no green
#: requirements, so the rules that judge them do not apply there (a rule's ``stages``).
STAGES = ("budget", "intention", "plan", "award")
EARLY_STAGES = ("budget", "intention")
#: Fact fields only the procurement documents give: a rule testing one must not apply at an early stage.
DOCUMENT_FIELDS = frozenset({"eval_method", "price_weight", "green_bonus_points", "green_price_deduction_pct",
                             "has_preferred", "energy_req", "env_req", "scheme_factors", "green_factors", "green_weight"})

_REQ_FIELD = {"energy_saving": "energy", "environmental_label": "env"}


@dataclass
class Facts:
    """The facts of one plan, in assert order (plan, projects, items), and their contexts by fact id.

    A fact's id is ``#`` and its JSON pointer in the plan: unique within the plan, as the engine needs."""
    facts: list = field(default_factory=list)
    context: dict = field(default_factory=dict)
    editions: dict = field(default_factory=dict)   # list kind → edition doc in force (or None)


def _cert_status(certs, kind, date):
    """The certificate status of ``kind`` on ``date`` (valid | expired | not_yet_valid | missing), as
    the derived values energy_cert / env_cert declare it (rules/derived/certificates.json): the one
    place that says what validity against the plan date is. Facts get those values from the
    evaluator like any derived value; this is the same declaration called on its own."""
    fn = _declared_status(_REQ_FIELD[kind] + "_cert")
    return fn({"award": {"certificates": certs}}, {"date": date})


_STATUS = {}


def _declarations():
    from . import _paths
    from .policy import derived as _derived
    found, verdicts = {}, {}
    _derived.load_dir(_paths.rules_dir() / "derived", found, verdicts)
    return _derived, found, verdicts


def _declared_status(name):
    if name not in _STATUS:
        _derived, found, _ = _declarations()
        _STATUS[name] = _derived.status_function(found[name].value["status"])
    return _STATUS[name]


def _declared_verdict(name):
    key = "verdict:" + name
    if key not in _STATUS:
        _STATUS[key] = _declarations()[2][name].function()
    return _STATUS[key]


def _same(a, b):
    return a is None or b is None or a.strip().casefold() == b.strip().casefold()


_CODE = re.compile(r"[ABC][0-9]{2,10}")


def _category_matches(category, item) -> bool:
    """A certificate's category: a catalog code must be the item's; a product type, its product_type."""
    if not category:
        return True
    if _CODE.fullmatch(category):
        return category == item["category_code"]
    return _same(category, item.get("product_type"))


def _registry_cert(refdata, certs, kind, date, item, award):
    """(status, body status, registry row) of the item's certificate of ``kind`` against the registry."""
    mine = [c for c in certs if c.get("type") == kind]
    if not mine or not refdata.loaded["certificates"]:
        return None, None, None
    cert = mine[0]
    row = refdata.certificate(kind, cert["number"])
    if row is None:
        return _declared_verdict("registry_match")(None, date), None, None
    # The lookup and the product comparison are code; the verdict over the row's fields is data
    # (rules/derived/certificates.json, verdict registry_match).
    same = (_same(row["brand"], award.get("brand")) and _same(row["model"], award.get("model"))
            and _category_matches(row["category"], item))
    element = {"status": row["status"], "issued": row["issued"], "expires": row["expires"],
               "product": "same" if same else "differs"}
    status = _declared_verdict("registry_match")(element, date)
    body = None
    if refdata.loaded["bodies"]:
        body = "designated" if refdata.body_designated(row["issuer"], kind, date) else "not_designated"
    return status, body, row


class LineMemo:
    """What ``build`` made for a line, per distinct line: lines of a round repeat a few hundred
    combinations of code, product type, requirements and selector fields, and differ otherwise only
    in their own fields (line id, name, quantity, price, amount). One per Checker (the lists,
    registry, wanted fields, parameters and derived values of one Checker: ``build`` keys it by their
    identities too). Bounded: when it holds ``MAX`` lines it starts over (each line then costs its
    full making once more), so free text in a field cannot grow it without bound.

    ``on = False`` makes every line in full (tests/test_differential.py compares the two)."""
    MAX = 20_000

    def __init__(self):
        self.on = True
        self.size = 0
        self._tables: dict = {}
        self._rows: dict = {}

    def rows(self, rows: dict) -> dict:
        """One dict per distinct list rows tuples (kind → a resolution's rows), shared by the lines
        kept. Keyed by the tuples' ids: the dict kept holds those tuples, so the ids stay theirs."""
        return self._rows.setdefault(tuple(map(id, rows.values())), rows)

    def table(self, key) -> dict:
        """The lines' table of one plan context and project context ``key``."""
        got = self._tables.get(key)
        if got is None:
            got = self._tables[key] = {}
        return got

    def reset(self):
        """Empties every table in place (a table in use stays usable) and forgets them."""
        for t in self._tables.values():
            t.clear()
        self._tables.clear()
        self._rows.clear()
        self.size = 0


def build(plan: dict, lists: Lists, wanted: dict, refdata=None, unset_params=(), evaluator=None, dated=None,
          green=None, per_chunk=None, chunk: int = 2000, memo: LineMemo | None = None) -> Facts:
    """Facts for a plan that passed schema validation. ``wanted``: kind → fields rules test;
    ``refdata``: the reference registry (see checker.refdata), or None for none; ``evaluator``: the
    derived values to compute (checker.policy.derived.Evaluator); ``dated``: kind → {field: schedule}
    of dated parameters, put on the facts of that kind with their value on the plan's date; ``green``:
    per project, the fact fields of its green evaluation (checker.evaluation.scheme.fact_fields).

    ``per_chunk(item_facts, facts)``: called with each run of at most ``chunk`` line items' facts, in
    the plan's order, as soon as they are made (their contexts are in ``facts.context`` then, for the
    callee to use and drop); those facts are then not in the returned ``facts.facts``, which holds the
    plan's and projects' facts (made last: their values are sums over the lines). An item's fact never
    depends on those sums, so the engine may decide a chunk before the next is made: a 100,000-line
    plan held every line's fact and context at once (170 MB). None: every fact returned, as before.

    ``memo``: a LineMemo of the caller's, always given with the same other arguments but the plan
    (the Checker's own); None makes every line in full."""
    from .policy.params import at as _param_at
    out = Facts()
    date = plan["date"]
    stage = plan.get("stage", "plan")
    cat_assumed = "catalog_edition" not in plan
    cat = plan.get("catalog_edition", lists.catalogs.default)
    indexes = {}
    for kind in LIST_KINDS:
        doc = lists.in_force(kind, date)
        out.editions[kind] = doc
        indexes[kind] = lists.index(doc, cat) if doc else None

    derive = evaluator is not None and evaluator.active
    n_project = evaluator.n_project if derive else 0
    item_derive = evaluator.item_function(plan) if derive else None
    plan_sums = [0.0] * (evaluator.n_plan if derive else 0)
    item_facts = []
    project_facts = []
    # Fields every kind may carry: the date as a number, parameters without a value, dated parameters.
    common = {"plan_date": int(date.replace("-", ""))}
    for name in unset_params:
        common["unset_" + name.replace(".", "_")] = True
    extras, keeps = {}, {}
    for kind in ("plan", "project", "item"):
        keeps[kind] = ("id", "kind", *sorted(wanted.get(kind, ())))
        extra = {**common, **{fld: _param_at(sched, date) for fld, sched in (dated or {}).get(kind, {}).items()}}
        extras[kind] = [(k, v) for k, v in extra.items() if k in wanted.get(kind, ())]

    def add_line(adds, item, amount):
        """A line into the sums of its project and plan that ``adds`` names (the selectors' generated
        ``adds``: the sums taking its amount, and those taking its count or quantity)."""
        for j in adds[0]:
            project_sums[j] += amount
        for j in adds[1]:
            plan_sums[j] += amount
        for to_plan, j, measure in adds[2]:
            (plan_sums if to_plan else project_sums)[j] += 1 if measure == "count" else float(item["quantity"])

    def finish(f):
        """The fact as the engine gets it, its context completed. Done as each fact is made, so that
        the full working dict of an item is dropped at once (a 100,000-line plan held 100,000 of them)."""
        f.update(extras[f["kind"]])
        ctx = out.context[f["id"]]
        ctx.update(f)
        del ctx["id"], ctx["kind"]
        # only the fields some rule tests, and never None (it matches neither $nex nor $neq)
        return {k: v for k in keeps[f["kind"]] if (v := f.get(k)) is not None}

    # per line item, made once per plan
    code_ok = lists.catalogs.code_ok
    catalog_known = refdata is not None and cat in refdata.loaded["catalogs"]
    # a shipped catalog's codes (RefData.catalog_has's own test), fetched once per plan, not per line
    shipped = getattr(refdata, "shipped", {}).get(cat) if catalog_known else None
    catalog_codes = shipped.codes if shipped is not None else None
    award_stage = stage == "award"
    kind_keys = [(kind, indexes[kind], *(f"{_REQ_FIELD[kind]}_{x}" for x in
                                          ("list", "resolution", "req", "pref_applied", "reg", "body", "registry")))
                 for kind in LIST_KINDS]
    item_extra, item_keeps, orders = extras["item"], keeps["item"], {}
    # The line memo (LineMemo). Outside the award stage a line's fact and context, but for its own
    # fields (pointer, indexes, project id, line id, name, amount), depend only on: the plan's stage,
    # catalog edition and date (with this Checker's lists, registry, wanted fields and parameters:
    # the list editions in force, the dated parameters), its project's evaluation method and nature,
    # its code, product type and requirements, and what the selectors read of it and of its project
    # (selected.key) besides the fact fields made before them; and it adds its amount or quantity
    # (or 1) to the same sums. So the first line of each combination is made in full and the others
    # copy it. Not at the award stage (certificates, suppliers and registry lookups per line), not
    # with item-level values read from the item by other means than selectors, nor with selectors
    # that read the fact's amount.
    kind_e, kind_v = LIST_KINDS
    sel_key = getattr(item_derive, "key", None)
    lines_memo = None
    memo_on = (memo is not None and memo.on and not award_stage
               and (item_derive is None or (sel_key is not None and "amount" not in item_derive.fact_fields)))
    if memo_on:
        plan_key = (id(lists), id(wanted), id(refdata), id(evaluator), id(dated), tuple(unset_params), stage, cat, date)
    amount_kept = "amount" in item_keeps
    for pi, project in enumerate(plan["projects"]):
        ev = project.get("evaluation") or {}   # optional at the early stages
        p_ptr = f"/projects/{pi}"
        # The nature comes first: a selector may test it.
        nature = project.get("nature")
        derived_nature = nature is None
        if derived_nature:
            by_letter: dict[str, float] = {}
            for item in project["items"]:
                letter = item["category_code"][:1]
                by_letter[letter] = by_letter.get(letter, 0.0) + float(item["amount"])
            letter = max(sorted(by_letter), key=lambda k: by_letter[k])
            nature = lists.catalogs.nature_by_letter.get(letter, "goods")
        project_sums = [0.0] * n_project
        has_preferred = False
        p_amount = 0.0
        eval_method = ev.get("method")
        project_id = project["project_id"]
        if memo_on:
            project_key = (*plan_key, eval_method, nature)
            try:
                lines_memo = memo.table(project_key)
            except TypeError:   # an evaluation method that is not text (the schema admits none)
                lines_memo = None
        for ii, item in enumerate(project["items"]):
            ptr = f"{p_ptr}/items/{ii}"
            fid = "#" + ptr
            code = item["category_code"]
            product_type = item.get("product_type")
            reqs = item.get("green_requirements", {})
            line_key = None
            if lines_memo is not None:
                try:
                    head = (code, product_type, reqs.get(kind_e, "none"), reqs.get(kind_v, "none"))
                    line_key = sel_key(item, project, head) if sel_key is not None else head
                    hit = lines_memo.get(line_key)
                except TypeError:   # a value that cannot be a key (a list, an object): made in full
                    line_key = hit = None
                if hit is not None:
                    fact_of, ctx_of, rows, adds, preferred = hit
                    ctx = ctx_of.copy()
                    ctx["pointer"], ctx["project_index"], ctx["item_index"] = ptr, pi, ii
                    ctx["rows"] = rows
                    ctx["project_id"], ctx["line_id"], ctx["name"] = project_id, item["line_id"], item["name"]
                    ctx["amount"] = item["amount"]
                    fact = fact_of.copy()
                    fact["id"] = fid
                    if amount_kept:
                        fact["amount"] = item["amount"]
                    a = float(item["amount"])
                    p_amount += a
                    if adds is not None:
                        add_line(adds, item, a)
                    if preferred:
                        has_preferred = True
                    out.context[fid] = ctx
                    item_facts.append(fact)
                    if per_chunk is not None and len(item_facts) >= chunk:
                        per_chunk(item_facts, out)
                        item_facts = []
                    continue
            award = item.get("award") or {}
            form_ok = code_ok(cat, code)
            f = {"id": fid, "kind": "item", "stage": stage, "category_code": code,
                 "code_form_ok": form_ok, "amount": item["amount"],
                 "eval_method": eval_method}
            if catalog_known:
                known = code in catalog_codes if catalog_codes is not None else refdata.catalog_has(cat, code)
                f["code_in_catalog"] = "known" if known else "unknown"
            rows = {}
            ctx = {"pointer": ptr, "project_index": pi, "item_index": ii, "project_id": project_id,
                   "line_id": item["line_id"], "name": item["name"], "category_code": code,
                   "product_type": product_type, "catalog_edition": cat, "date": date, "rows": rows}
            obligations = {}
            preferred = False
            if award_stage:
                certs = award.get("certificates", [])
                applied = set(award.get("preferences_applied", []))
            for kind, idx, k_list, k_res, k_req, k_pref, k_reg, k_body, k_registry in kind_keys:
                res = idx.resolve(code, product_type) if idx and form_ok else None
                if res:
                    obligation = f[k_list] = res.obligation
                    f[k_res] = res.status
                    rows_of = res.rows
                else:
                    obligation = f[k_list] = "none"
                    f[k_res] = "off_list"
                    rows_of = ()
                req = f[k_req] = reqs.get(kind, "none")
                if award_stage:
                    f[k_pref] = kind in applied
                    if refdata is not None:
                        f[k_reg], f[k_body], row = _registry_cert(refdata, certs, kind, date, item, award)
                        ctx[k_registry] = row
                rows[kind] = rows_of
                obligations[kind] = obligation
                if req == "preferred":
                    preferred = has_preferred = True
            if award_stage and refdata is not None:
                supplier = award.get("supplier", {})
                code_ = supplier.get("credit_code")
                ctx["supplier"] = supplier.get("name")
                if code_ and refdata.loaded["credit"]:
                    bans = refdata.bans(code_, date)
                    f["supplier_ban"] = "banned" if bans else "clear"
                    ctx["ban"] = bans[0] if bans else None
                records = refdata.integrity_records(code_) if code_ else []
                f["supplier_records"] = len(records)
                ctx["records"] = "；".join(f"{r['recorded_on']} {r['finding']}" for r in records)
                _circular.item_facts(refdata, item, award, date, f, ctx)
            p_amount += float(item["amount"])
            adds = None
            if item_derive:
                if line_key is None:
                    item_derive(item, project, cat, nature, obligations, rows, f, project_sums, plan_sums)
                else:   # the sums it adds to, kept for the lines repeating it, added to as they add
                    adds = item_derive.adds(item, project, cat, nature, obligations, rows, f)
                    add_line(adds, item, float(item["amount"]))
            out.context[fid] = ctx
            # finish(f), for the kind every line makes: the same fact and context, a field list per
            # set of fields made (one or two per plan) instead of a lookup per field some rule tests
            if item_extra:
                f.update(item_extra)
            ctx.update(f)
            del ctx["id"], ctx["kind"]
            sig = tuple(f)
            order = orders.get(sig)
            if order is None:
                order = orders[sig] = tuple(k for k in item_keeps if k in f)
            fact = {k: v for k in order if (v := f[k]) is not None}
            item_facts.append(fact)
            if line_key is not None:
                if memo.size >= memo.MAX:   # full: start over, this project's table too
                    memo.reset()
                    lines_memo = memo.table(project_key)
                memo.size += 1
                # the context kept without its rows (in their place: None), so that it holds only
                # atomic values and the garbage collector stops tracking it (and its copies until
                # their rows are set): the memo's 20,000 contexts cost every full collection otherwise
                ctx_of = ctx.copy()
                ctx_of["rows"] = None
                rows = ctx["rows"] = memo.rows(rows)
                lines_memo[line_key] = (fact.copy(), ctx_of, rows, adds, preferred)
            if per_chunk is not None and len(item_facts) >= chunk:
                per_chunk(item_facts, out)
                item_facts = []
        pf = {"id": "#" + p_ptr, "kind": "project", "stage": stage, "eval_method": ev.get("method"),
              "price_weight": ev.get("price_weight"), "green_bonus_points": ev.get("green_bonus_points"),
              "green_price_deduction_pct": ev.get("green_price_deduction_pct"), "nature": nature,
              "has_preferred": has_preferred, "amount": p_amount}
        if derive:
            pf.update(evaluator.values("project", project_sums, project, plan))
        if green is not None:
            pf.update(green[pi])
        out.context["#" + p_ptr] = {"pointer": p_ptr, "project_index": pi, "project_id": project["project_id"],
                              "name": project["name"], "nature_derived": derived_nature, "rows": {}}
        project_facts.append(finish(pf))

    if per_chunk is not None and item_facts:
        per_chunk(item_facts, out)
        item_facts = []
    in_force = all(out.editions[k] for k in LIST_KINDS)
    plan_fact = {"id": "#", "kind": "plan", "stage": stage, "catalog_edition": cat,
                 "catalog_edition_assumed": cat_assumed, "lists_in_force": in_force}
    if derive:
        plan_fact.update(evaluator.values("plan", plan_sums, plan, plan))
    if refdata is not None:
        plan_fact.update(catalog_loaded=cat in refdata.loaded["catalogs"], certificates_loaded=refdata.loaded["certificates"],
                         bodies_loaded=refdata.loaded["bodies"], credit_loaded=refdata.loaded["credit"],
                         circular_loaded=refdata.loaded["circular"])
    out.context["#"] = {
        "pointer": "", "plan_id": plan["plan_id"], "date": date, "catalog_edition": cat, "rows": {},
        "missing_lists": ", ".join(k for k in LIST_KINDS if not out.editions[k]),
        "circular_basis": _circular.basis(refdata, stage),
    }
    out.facts = [finish(plan_fact), *project_facts, *item_facts]
    return out
