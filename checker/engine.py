"""The durable-rules engine behind one interface; no other module imports ``durable``.

How the engine is driven follows what was measured (shared/ENGINE.md), and each quirk is handled
here:

* one Host per process, built once, every active rule merged into one ruleset (a ruleset cannot be
  unloaded, and a throw-away Host leaks);
* facts, not events, so that every matching rule fires (events are consumed by the first rule);
* a sink rule that every fact matches and that never completes, so that a fact no rule matches does
  not raise MessageNotHandledException for the whole batch;
* every fact has a unique ``id`` and every rule a positive discriminator (``kind``); ``None`` values
  are dropped before asserting (they match neither ``$nex`` nor ``$neq``);
* ``_run`` is a no-op, so actions run synchronously inside the assert call, on this thread;
* exceptions raised inside actions are caught and re-raised after the assert (the engine would
  swallow them into its state);
* per plan: assert all facts in one call on one working sid, collect, then retract the same facts,
  so memory stays flat and ``delete_state`` (which segfaults on a clean sid) is never called;
* ``cap`` delivers matches in bulk;
* a rule whose condition has an ``$or`` fires once per alternative that matches (measured here: an
  item that is a parent code on both lists fired GPP-COD-002 twice), so pairs are de-duplicated.

``Engine.run(facts)`` returns ``[(rule_name, fact), …]``, one pair per rule and fact; callers sort.

Outcome cache. Every rule here tests one fact (one alias, ``m``), and a fact carries only the fields
some rule tests (checker.facts), so which rules fire for a fact is a function of its fields other than
``id``. ``run`` therefore asks the engine once per process about each distinct combination of fields
(and types: ``True`` and ``1`` are two combinations), remembers the names of the rules that fired, and
gives every fact with that combination the same rules. The cache is kept per digest of the compiled
rules (the rule packs, profile switches and stages as compiled), so other rules never share outcomes.
The engine still decides every combination: nothing here evaluates a condition. ``cache=False`` (or
``Engine.cache = False``) asserts every fact, as before; tests/test_differential.py proves both agree.

Facts go to the engine in chunks of at most ``CHUNK``: durable-rules holds about 10 KB per asserted
fact until the retract (a 20,000-item plan in one call took 240 MB).
"""
from __future__ import annotations

import copy
import hashlib
import json

from durable import engine as _durable

_RULESET = "lvcai"
_SID = "0"
_SINK = "__sink__"
CAP = 1000
#: Facts per assert (and retract) call: bounds the engine's memory on a plan of 100,000 lines.
CHUNK = 2000
#: Distinct combinations remembered per rule set; when full the memo starts over (each combination
#: then costs the engine once more), so free-text or numeric fields cannot grow it without bound.
CACHE_SIZE = 100_000
#: rules digest → {combination → names of the rules that fired}; shared by engines of the same rules.
_OUTCOMES: dict = {}


class _Host(_durable.Host):
    def __init__(self, actions):
        self._lvcai_actions = actions
        super().__init__()

    def get_action(self, action_name):
        return self._lvcai_actions[action_name]

    def _run(self):
        # The default host starts timer threads that run pending actions off the main thread.
        pass


class Engine:
    """Compiled rules, ready to evaluate facts. Build one per process and reuse it."""

    def __init__(self, rules, cache: bool = True):
        """``rules``: [(name, kind, condition)], condition in durable-rules' declarative format.
        ``cache``: remember each distinct fact's outcome (see the module's doc)."""
        self.cache = cache
        self.digest = hashlib.sha256(json.dumps(rules, sort_keys=True, ensure_ascii=False, default=repr).encode()).hexdigest()
        self._outcomes = _OUTCOMES.setdefault(self.digest, {})
        self.asserted = 0   # facts the engine was given (a measure for benches and tests)
        self._fired: list = []
        self._errors: list = []
        ruleset, actions = {}, {}
        for name, kind, condition in rules:
            ruleset[name] = {"all": [{"m": {"$and": [{"kind": kind}, condition]}}], "run": name, "cap": CAP}
            actions[name] = self._collector(name)
        # Matches every fact (so none is "not handled") and waits for a fact that never comes.
        ruleset[_SINK] = {"all": [{"m": {"$ex": {"kind": 1}}}, {"never": {"kind": "__lvcai_never__"}}], "run": _SINK}
        actions[_SINK] = lambda c: None
        self._host = _Host(actions)
        # set_rulesets mutates the dict it is given.
        self._host.set_rulesets({_RULESET: copy.deepcopy(ruleset)})

    def _collector(self, name):
        fired, errors = self._fired, self._errors

        def action(c):
            try:
                matched = c.m
                for fact in matched if isinstance(matched, list) else [matched]:
                    fired.append((name, fact))
            except Exception as e:  # the engine would swallow it into its state
                errors.append(e)
        return action

    def run(self, facts: list) -> list:
        """Evaluate one plan's facts; returns the (rule name, fact) pairs that fired."""
        if not facts:
            return []
        if not self.cache:
            return self._evaluate(facts)
        outcomes = self._outcomes
        if len(outcomes) >= CACHE_SIZE:
            outcomes.clear()
        # per fact, the names of the rules its combination fired: the remembered tuple (shared), or
        # for a new combination the list its first fact's outcome fills below. A combination is
        # hashed once per fact (its tuple is not kept: 100,000 lines held 40 MB of them).
        names_of, todo = [], {}
        get = outcomes.get
        try:
            for f in facts:
                key = _combination(f)
                names = get(key)
                if names is None:
                    new = todo.get(key)
                    if new is None:
                        new = todo[key] = (f, [])
                    names = new[1]
                names_of.append(names)
        except TypeError:   # a field holding a list or a dict: no combination to remember
            return self._evaluate(facts)
        if todo:   # one fact per new combination goes to the engine
            by_id = {f["id"]: fired for f, fired in todo.values()}
            for name, fact in self._evaluate([f for f, _ in todo.values()]):
                by_id[fact["id"]].append(name)
            outcomes.update((key, tuple(fired)) for key, (_f, fired) in todo.items())
        return [(name, f) for f, names in zip(facts, names_of) for name in names]

    def _evaluate(self, facts: list) -> list:
        """Assert ``facts`` (in chunks) and collect what fired, one pair per rule and fact."""
        out = []
        for start in range(0, len(facts), CHUNK):
            out += self._assert(facts[start:start + CHUNK])
        return out

    def _assert(self, facts: list) -> list:
        self.asserted += len(facts)
        self._fired.clear()
        self._errors.clear()
        try:
            self._host.assert_facts(_RULESET, facts)
        except Exception:
            try:  # leave the working sid clean for the next plan; the assert error is what matters
                self._host.retract_facts(_RULESET, facts)
            except Exception:
                pass
            raise
        self._host.retract_facts(_RULESET, facts)
        if self._errors:
            raise RuntimeError(f"rule action failed: {self._errors[0]!r}")
        fired = list({(name, fact["id"]): (name, fact) for name, fact in self._fired}.values())
        self._fired.clear()
        return fired


def _combination(fact: dict) -> tuple:
    """What a fact's outcome depends on: its fields but ``id``, with their values and types."""
    d = fact.copy()
    del d["id"]
    values = tuple(d.values())
    return tuple(d), values, tuple(map(type, values))
