"""How a viewer relates to a record, declared once as an ordered list of rules and compiled to SQL.

A domain states its rule in its own ``visibility.py`` ("own OCMW and social worker: file holder;
own OCMW and in the care team: care team; ..."). Facts about the viewer alone (their roles) are
decided in Python when the query is built; facts about the record are SQL. The first rule whose
facts all hold gives the relation; no rule, no relation (``none``). Every read gets the relation
as one ``CASE`` column from here, so no page computes it another way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from piccolo.querystring import QueryString

from portal.visibility.policy import Relation
from portal.visibility.viewer import Viewer

RecordRef = Mapping[str, str]
"""SQL expressions a record's facts are written against, by name (``client``, ``ocmw``)."""


@dataclass(frozen=True)
class Fact:
    """A yes/no fact about the viewer and one record, written as SQL."""

    name: str
    sql: Callable[[Viewer, RecordRef], QueryString]

    def __invert__(self) -> Fact:
        return Fact(
            f"not {self.name}", lambda viewer, ref: QueryString("NOT ({})", self.sql(viewer, ref))
        )


@dataclass(frozen=True)
class ViewerFact:
    """A fact about the viewer alone (a role), decided in Python before any SQL is written."""

    name: str
    holds: Callable[[Viewer], bool]

    def __invert__(self) -> ViewerFact:
        return ViewerFact(f"not {self.name}", lambda viewer: not self.holds(viewer))


Condition = Fact | ViewerFact


@dataclass(frozen=True)
class Rule:
    relation: Relation
    when: tuple[Condition, ...] = ()


_LITERAL = re.compile(r"[a-z_]+")


def _literal(relation: Relation) -> str:
    assert _LITERAL.fullmatch(relation.value)
    return f"'{relation.value}'"


class RelationRules:
    """An ordered decision list; the last resort is always ``Relation.none``."""

    def __init__(self, *rules: Rule) -> None:
        self.rules = rules

    def _for(self, viewer: Viewer) -> list[tuple[Relation, list[Fact]]]:
        """The rules that can still fire for this viewer, with their record facts; the list ends
        at the first rule that always fires."""
        live: list[tuple[Relation, list[Fact]]] = []
        for rule in self.rules:
            facts: list[Fact] = []
            possible = True
            for condition in rule.when:
                if isinstance(condition, ViewerFact):
                    possible = possible and condition.holds(viewer)
                else:
                    facts.append(condition)
            if not possible:
                continue
            live.append((rule.relation, facts))
            if not facts:
                break
        return live

    def possible(self, viewer: Viewer) -> frozenset[Relation]:
        """Every relation this viewer can have to some record."""
        live = self._for(viewer)
        always = bool(live) and not live[-1][1]
        found = {relation for relation, _ in live}
        return frozenset(found if always else found | {Relation.none})

    def sql(self, viewer: Viewer, ref: RecordRef) -> QueryString:
        """``CASE WHEN ... THEN 'file_holder' ... ELSE 'none' END`` for this viewer."""
        template: list[str] = []
        args: list[QueryString] = []
        for relation, facts in self._for(viewer):
            if not facts:
                template.append(f"ELSE {_literal(relation)}")
                break
            template.append(
                "WHEN " + " AND ".join("({})" for _ in facts) + f" THEN {_literal(relation)}"
            )
            args.extend(fact.sql(viewer, ref) for fact in facts)
        else:
            template.append(f"ELSE {_literal(Relation.none)}")
        if len(template) == 1 and template[0].startswith("ELSE"):
            return QueryString(template[0].removeprefix("ELSE "))
        return QueryString("(CASE " + " ".join(template) + " END)", *args)

    def is_in(
        self, viewer: Viewer, ref: RecordRef, relations: frozenset[Relation]
    ) -> QueryString | None:
        """A condition: the record's relation is one of ``relations``; ``None`` when impossible."""
        wanted = sorted(self.possible(viewer) & relations)
        if not wanted:
            return None
        listed = ", ".join(_literal(relation) for relation in wanted)
        case = QueryString(f"{{}} IN ({listed})", self.sql(viewer, ref))
        candidates = self._candidates(viewer, ref, frozenset(wanted))
        return case if candidates is None else QueryString("({} AND {})", candidates, case)

    def _candidates(
        self, viewer: Viewer, ref: RecordRef, wanted: frozenset[Relation]
    ) -> QueryString | None:
        """The records on which a rule giving one of ``wanted`` can fire: the facts of those
        rules, OR-ed. Adding it to the ``CASE`` changes no answer (a record has a relation only
        through a rule whose facts hold) but lets the database start from the records those
        facts find through their indexes (the viewer's own OCMW, their care teams, ...) instead
        of working the ``CASE`` out for every record. ``None`` when a wanted relation can come
        from a rule without record facts, or from no rule firing."""
        live = self._for(viewer)
        if Relation.none in wanted and (not live or live[-1][1]):
            return None
        alternatives: list[QueryString] = []
        for relation, facts in live:
            if relation not in wanted:
                continue
            if not facts:
                return None
            template = " AND ".join("({})" for _ in facts)
            alternatives.append(QueryString(template, *(fact.sql(viewer, ref) for fact in facts)))
        if not alternatives:
            return None
        template = "(" + " OR ".join("({})" for _ in alternatives) + ")"
        return QueryString(template, *alternatives)
