"""The days on which something starts and ends, and how the registry's brand, model and category are
matched: each boundary is tested on the day before, the day and the day after.

What the code means by each date, read from checker/facts.py, checker/refdata.py, the schemas and the
rules in rules/national/ (GPP-AWD-001: a certificate "within its validity"):

* a plan's certificate ``valid_from`` / ``valid_until`` and a registry certificate's ``issued`` /
  ``expires`` are both inclusive: the certificate is valid on its first and on its last day;
* a certification body's designation (``valid_from`` / ``valid_until``, open-ended when empty) and a
  credit record's ban (``ban_start`` / ``ban_end``) are inclusive at both ends;
* a list edition's ``effective_until`` is "the first day the edition no longer applies"
  (schemas/list.schema.json): exclusive. A new edition ends the one before on its effective date.

Most tests go through the public path (``Checker.check_document`` with a registry imported from CSV
files written here); a few call the function directly where that says more.
"""
import datetime as dt
import json
import shutil

import pytest

from checker import facts
from checker.api import Checker
from checker.errors import DataError
from checker.lists import Lists
from checker.refdata import RefData
from conftest import ROOT

ITEM = "/projects/0/items/0"

CERT_ISSUED, CERT_EXPIRES = "2025-03-01", "2026-03-31"
BODY_FROM, BODY_UNTIL = "2025-06-01", "2025-12-31"
BAN_START, BAN_END = "2025-07-01", "2025-09-30"
INSIDE = "2025-08-15"            # inside the certificate's and the designation's validity
BANNED = "91440300MA5B0UND01"
CLEAR = "91440300MA5C1EAN02"
ENERGY_BODY, ENV_BODY = "能效认证中心（测试）", "环境认证中心（测试）"


def day(date: str, delta: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=delta)).isoformat()


def _cert_row(number, kind, issuer, brand="ACME", model="X1", category="A02010105", status="valid"):
    return f"{number},{kind},测试供应商有限公司,{brand},{model},{category},{CERT_ISSUED},{CERT_EXPIRES},{issuer},{status}\n"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    d = tmp_path_factory.mktemp("boundary-registry")
    (d / "certificates.csv").write_text(
        "number,type,holder,brand,model,category,issued,expires,issuer,status\n"
        + _cert_row("ES-1", "energy_saving", ENERGY_BODY)
        + _cert_row("EL-1", "environmental_label", ENV_BODY)
        + _cert_row("ES-OTHER-CODE", "energy_saving", ENERGY_BODY, category="A02010106")
        + _cert_row("ES-TYPE", "energy_saving", ENERGY_BODY, category="台式计算机")
        + _cert_row("ES-NO-CATEGORY", "energy_saving", ENERGY_BODY, category=""),
        encoding="utf-8")
    (d / "bodies.csv").write_text(
        "name,type,valid_from,valid_until,basis\n"
        f"{ENERGY_BODY},energy_saving,{BODY_FROM},{BODY_UNTIL},测试\n"
        f"{ENV_BODY},environmental_label,{BODY_FROM},,测试（未定截止日期）\n", encoding="utf-8")
    (d / "credit.csv").write_text(
        "credit_code,name,conduct,penalty,ban_start,ban_end,authority,source\n"
        f"{BANNED},测试失信公司,提供虚假材料谋取中标,禁止参加政府采购活动,{BAN_START},{BAN_END},测试财政局,测试名单\n",
        encoding="utf-8")
    reg = RefData(d / "registry.sqlite", create=True)
    for kind in ("certificates", "bodies", "credit"):
        assert reg.import_file(kind, d / f"{kind}.csv").imported > 0
    return RefData(reg.path)     # opened afresh: ``loaded`` is read when a registry is opened


@pytest.fixture(scope="module")
def checker(registry):
    return Checker("national", refdata=registry)


def award_plan(date, *, es="ES-1", brand="ACME", model="X1", product_type=None, credit_code=CLEAR):
    """rules/examples/award.json on ``date``: a desktop (mandatory on the energy-saving list) with an
    energy-saving and an environmental-label certificate, the environmental-label preference granted."""
    doc = json.loads((ROOT / "rules" / "examples" / "award.json").read_text(encoding="utf-8"))
    doc["date"] = date
    item = doc["projects"][0]["items"][0]
    if product_type is not None:
        item["product_type"] = product_type
    award = item["award"]
    award["supplier"]["credit_code"] = credit_code
    for key, value in (("brand", brand), ("model", model)):
        if value is None:
            del award[key]
        else:
            award[key] = value
    es_cert, el_cert = award["certificates"]
    es_cert.update(number=es, issuer=ENERGY_BODY, valid_from=CERT_ISSUED, valid_until=CERT_EXPIRES)
    el_cert.update(number="EL-1", issuer=ENV_BODY, valid_from=CERT_ISSUED, valid_until=CERT_EXPIRES)
    return doc


def fired(checker, doc, pointer=ITEM):
    """{rule id: the values it tested} of the findings at ``pointer``."""
    result = checker.check_document(doc, "boundary.json")
    assert result.checkable, result.errors
    return {f.rule_id: dict(f.values) for f in result.findings if f.pointer == pointer}


# -- the plan's certificates (facts._cert_status; GPP-AWD-001 and GPP-AWD-004) --------------------
@pytest.mark.parametrize("date,status", [
    (day(CERT_ISSUED, -1), "not_yet_valid"),
    (CERT_ISSUED, "valid"),            # the first day of validity
    (day(CERT_ISSUED, 1), "valid"),
    (day(CERT_EXPIRES, -1), "valid"),
    (CERT_EXPIRES, "valid"),           # valid_until is the last day the certificate is valid
    (day(CERT_EXPIRES, 1), "expired"),
])
def test_plan_certificate_is_valid_from_its_first_through_its_last_day(checker, date, status):
    got = fired(checker, award_plan(date))
    # GPP-AWD-001: the energy-saving certificate of a mandatory category; GPP-AWD-004: the
    # environmental-label certificate behind a granted preference. Both fire exactly when not valid.
    for rule, field in (("GPP-AWD-001", "energy_cert"), ("GPP-AWD-004", "env_cert")):
        if status == "valid":
            assert rule not in got, (rule, date, got.get(rule))
        else:
            assert got[rule][field] == status, (rule, date)


def _c(kind="energy_saving", valid_from=None, valid_until=CERT_EXPIRES):
    c = {"type": kind, "number": "N", "valid_until": valid_until}
    if valid_from:
        c["valid_from"] = valid_from
    return c


@pytest.mark.parametrize("certs,status", [
    ([], "missing"),
    ([_c("environmental_label")], "missing"),                                  # another type does not count
    ([_c(valid_from=None)], "valid"),                                          # no valid_from: valid up to valid_until
    ([_c(valid_until=day(INSIDE, -1))], "expired"),
    ([_c(valid_from=day(INSIDE, 1))], "not_yet_valid"),
    ([_c(valid_until=day(INSIDE, -1)), _c(valid_from=day(INSIDE, 1))], "expired"),   # expired outranks not yet valid
    ([_c(valid_from=day(INSIDE, 1)), _c(valid_until=day(INSIDE, -1))], "expired"),   # in either order
    ([_c(valid_until=day(INSIDE, -1)), _c()], "valid"),                        # one valid certificate is enough
    ([_c(valid_from=day(INSIDE, 1)), _c(valid_from=INSIDE, valid_until=INSIDE)], "valid"),
])
def test_certificate_status_of_several_certificates(certs, status):
    assert facts._cert_status(certs, "energy_saving", INSIDE) == status


# -- the certificate against the registry (facts._registry_cert; GPP-REG-001/002) -----------------
@pytest.mark.parametrize("date,status", [
    (day(CERT_ISSUED, -1), "expired"),  # not yet issued: not in force on the plan date
    (CERT_ISSUED, "ok"),                # issued <= date
    (CERT_EXPIRES, "ok"),               # date <= expires
    (day(CERT_EXPIRES, 1), "expired"),
])
def test_registry_certificate_is_in_force_from_its_issue_through_its_expiry_day(checker, date, status):
    got = fired(checker, award_plan(date))
    for rule, field in (("GPP-REG-001", "energy_reg"), ("GPP-REG-002", "env_reg")):
        if status == "ok":
            assert rule not in got, (rule, date, got.get(rule))
        else:
            assert got[rule][field] == status, (rule, date)


@pytest.mark.parametrize("brand,model,status", [
    ("ACME", "X1", "ok"),
    ("acme", "x1", "ok"),               # case does not matter
    ("ACME ", " X1", "ok"),             # nor surrounding blanks
    (" Acme\t", "X1 ", "ok"),
    (None, None, "ok"),                 # the award names no brand or model: nothing to compare
    ("ACME Co", "X1", "mismatch"),
    ("ACMF", "X1", "mismatch"),
    ("ACME", "X2", "mismatch"),
    ("ACME", None, "ok"),
    (None, "X2", "mismatch"),
])
def test_brand_and_model_are_compared_trimmed_and_case_insensitively(checker, brand, model, status):
    got = fired(checker, award_plan(INSIDE, brand=brand, model=model))
    if status == "ok":
        assert "GPP-REG-001" not in got and "GPP-REG-002" not in got
    else:
        assert (got["GPP-REG-001"]["energy_reg"], got["GPP-REG-002"]["env_reg"]) == (status, status)


@pytest.mark.parametrize("es,product_type,status", [
    ("ES-1", None, "ok"),                         # the certificate's category is the item's code
    ("ES-OTHER-CODE", None, "mismatch"),          # another code: the certificate is for another product
    ("ES-OTHER-CODE", "台式计算机", "mismatch"),
    ("ES-TYPE", "台式计算机", "ok"),              # a product type is compared with the item's product_type
    ("ES-TYPE", " 台式计算机 ", "ok"),
    ("ES-TYPE", "便携式计算机", "mismatch"),
    ("ES-TYPE", None, "ok"),                      # the plan gives no product type: nothing to compare
    ("ES-NO-CATEGORY", None, "ok"),               # the registry gives no category
])
def test_certificate_category_must_be_the_items(checker, es, product_type, status):
    got = fired(checker, award_plan(INSIDE, es=es, product_type=product_type))
    if status == "ok":
        assert "GPP-REG-001" not in got
    else:
        assert got["GPP-REG-001"]["energy_reg"] == status
    assert "GPP-REG-002" not in got               # the environmental-label certificate is unchanged


@pytest.mark.parametrize("category,code,product_type,matches", [
    ("A02010105", "A02010105", None, True),
    ("A02010106", "A02010105", None, False),
    ("A0201010", "A02010105", None, False),       # an ancestor code is not the item's code
    ("台式计算机", "A02010105", "台式计算机", True),
    ("Desktop", "A02010105", "desktop ", True),
    ("台式计算机", "A02010105", "服务器", False),
    ("", "A02010105", "服务器", True),
    (None, "A02010105", None, True),
])
def test_category_matches(category, code, product_type, matches):
    assert facts._category_matches(category, {"category_code": code, "product_type": product_type}) is matches


@pytest.mark.parametrize("a,b,same", [
    ("ACME", "acme", True), ("ACME ", "acme", True), ("  acme", "ACME\t", True), ("Straße", "STRASSE", True),
    ("ACME", "ACMF", False), ("ACME", "ACME Co", False), (None, "x", True), ("x", None, True), ("", "x", False),
])
def test_same(a, b, same):
    assert facts._same(a, b) is same


# -- the certification body's designation (RefData.body_designated; GPP-REG-003) ------------------
@pytest.mark.parametrize("date,energy_body,env_body", [
    (day(BODY_FROM, -1), "not_designated", "not_designated"),
    (BODY_FROM, "designated", "designated"),        # the first day of the designation
    (BODY_UNTIL, "designated", "designated"),       # its last day
    (day(BODY_UNTIL, 1), "not_designated", "designated"),   # the environmental-label body has no end date
])
def test_body_is_designated_from_its_first_through_its_last_day(checker, date, energy_body, env_body):
    got = fired(checker, award_plan(date))
    if energy_body == env_body == "designated":
        assert "GPP-REG-003" not in got
    else:
        assert (got["GPP-REG-003"]["energy_body"], got["GPP-REG-003"]["env_body"]) == (energy_body, env_body)


def test_body_designated_directly(registry):
    assert [registry.body_designated(ENERGY_BODY, "energy_saving", d) for d in
            (day(BODY_FROM, -1), BODY_FROM, BODY_UNTIL, day(BODY_UNTIL, 1))] == [False, True, True, False]
    assert registry.body_designated(ENV_BODY, "environmental_label", "2099-12-31")
    assert not registry.body_designated(ENV_BODY, "environmental_label", day(BODY_FROM, -1))
    assert not registry.body_designated(ENERGY_BODY, "environmental_label", BODY_FROM)   # designated for another type


# -- the supplier's ban (RefData.bans; GPP-REG-004) -----------------------------------------------
@pytest.mark.parametrize("date,banned", [
    (day(BAN_START, -1), False),
    (BAN_START, True),                  # the first day of the ban
    (BAN_END, True),                    # its last day
    (day(BAN_END, 1), False),
])
def test_supplier_is_banned_from_the_first_through_the_last_day(checker, registry, date, banned):
    got = fired(checker, award_plan(date, credit_code=BANNED))
    if banned:
        assert got["GPP-REG-004"]["supplier_ban"] == "banned"
    else:
        assert "GPP-REG-004" not in got
    assert [b["ban_end"] for b in registry.bans(BANNED, date)] == ([BAN_END] if banned else [])
    assert registry.bans(CLEAR, date) == []


# -- list editions (Lists.in_force) ---------------------------------------------------------------
def _lists_dir(tmp_path, **editions):
    """rules/lists/ with the energy-saving list's editions given as {file stem: (from, until)}."""
    d = tmp_path / "lists"
    shutil.copytree(ROOT / "rules" / "lists", d)
    base = json.loads((d / "energy_saving_2019.json").read_text(encoding="utf-8"))
    (d / "energy_saving_2019.json").unlink()
    for stem, (start, until) in editions.items():
        year = stem.rsplit("_", 1)[1]
        doc = dict(base, edition=year, edition_id=f"energy_saving/{year}", effective_from=start, effective_until=until)
        (d / f"{stem}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return d


def _edition(lists, date):
    doc = lists.in_force("energy_saving", date)
    return doc and doc["edition_id"]


def test_an_edition_no_longer_applies_on_its_effective_until_day(tmp_path):
    lists = Lists(_lists_dir(tmp_path, energy_saving_2019=("2019-04-01", "2027-01-01")))
    assert [_edition(lists, d) for d in ("2026-12-31", "2027-01-01", "2027-01-02")] == ["energy_saving/2019", None, None]


def test_an_edition_applies_from_its_effective_from_day(tmp_path):
    lists = Lists(_lists_dir(tmp_path, energy_saving_2019=("2019-04-01", None)))
    assert [_edition(lists, d) for d in ("2019-03-31", "2019-04-01", "2099-12-31")] == [None, "energy_saving/2019", "energy_saving/2019"]


def test_a_new_edition_ends_the_one_before_even_after_it_ends_itself(tmp_path):
    """2019 has no end date; 2027 starts on 2027-01-01 and ends on 2028-01-01. From 2028-01-01 no
    edition is in force: the 2019 edition ended when 2027 began and does not come back."""
    lists = Lists(_lists_dir(tmp_path, energy_saving_2019=("2019-04-01", None),
                             energy_saving_2027=("2027-01-01", "2028-01-01")))
    days = ("2026-12-31", "2027-01-01", "2027-12-31", "2028-01-01")
    assert [_edition(lists, d) for d in days] == ["energy_saving/2019", "energy_saving/2027", "energy_saving/2027", None]


def test_editions_that_meet_do_not_overlap_but_one_day_more_does(tmp_path):
    lists = Lists(_lists_dir(tmp_path / "a", energy_saving_2019=("2019-04-01", "2027-01-01"),
                             energy_saving_2027=("2027-01-01", None)))
    assert [_edition(lists, d) for d in ("2026-12-31", "2027-01-01")] == ["energy_saving/2019", "energy_saving/2027"]
    with pytest.raises(DataError, match="overlaps energy_saving/2019, which is in force until 2027-01-02"):
        Lists(_lists_dir(tmp_path / "b", energy_saving_2019=("2019-04-01", "2027-01-02"),
                         energy_saving_2027=("2027-01-01", None)))


def test_the_plan_date_selects_the_edition_through_the_checker(tmp_path, base_plan):
    """Public path: on the day the only energy-saving edition ends, the plan has no list in force
    (GPP-PLN-003) and its meta names none; the day before it has."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    shutil.rmtree(rules / "lists")
    shutil.copytree(_lists_dir(tmp_path, energy_saving_2019=("2019-04-01", "2027-01-01")), rules / "lists")
    chk = Checker("national", rules_dir=rules)
    seen = {}
    for date in ("2026-12-31", "2027-01-01"):
        result = chk.check_document(dict(base_plan, date=date), "p.json")
        seen[date] = (result.meta["lists"]["energy_saving"], "GPP-PLN-003" in {f.rule_id for f in result.findings})
    assert seen == {"2026-12-31": ("energy_saving/2019", False), "2027-01-01": (None, True)}
