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

``Engine.run(facts)`` returns ``[(rule_name, fact), …]``, one pair per rule and fact, in the order
the engine fired them; callers sort.
"""
from __future__ import annotations

import copy

from durable import engine as _durable

_RULESET = "lvcai"
_SID = "0"
_SINK = "__sink__"
CAP = 1000


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

    def __init__(self, rules):
        """``rules``: [(name, kind, condition)], condition in durable-rules' declarative format."""
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
