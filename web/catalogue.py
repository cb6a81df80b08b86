"""The muscle catalogue as the pages offer it: type-ahead options, segment muscles first."""

from dataclasses import dataclass, field

from records.choices import SEGMENTS
from records.models import Muscle
from records.muscle_aliases import MUSCLE_ALIASES

__all__ = ["Catalogue", "segment_range"]


def segment_range(segments) -> str:
    segs = [s for s in segments or () if s in SEGMENTS]
    if not segs:
        return "cranial"
    return segs[0] if len(segs) == 1 else f"{segs[0]}–{segs[-1]}"


@dataclass
class Catalogue:
    """All catalogue muscles (one query), looked up by name or slug, case-insensitively."""

    segments: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.muscles = list(Muscle.objects.order_by("name"))
        self.lookup = {}
        for muscle in self.muscles:
            self.lookup[muscle.name.lower()] = muscle
            self.lookup[muscle.slug] = muscle
        wanted = set(self.segments)
        self.suggested = [m for m in self.muscles if wanted & set(m.segments or ())]

    def options(self) -> list[dict]:
        """Datalist options: the affected segments' muscles first, then the rest."""
        suggested_ids = {m.pk for m in self.suggested}
        wanted = set(self.segments)
        rows = []
        for muscle in self.suggested + [m for m in self.muscles if m.pk not in suggested_ids]:
            hint = segment_range(muscle.segments)
            if muscle.pk in suggested_ids:
                hint = f"★ {', '.join(s for s in muscle.segments if s in wanted)} myotome · {hint}"
            if muscle.lung_field:
                hint += " · lung field"
            label = f"{hint} · {muscle.region}"
            aliases = MUSCLE_ALIASES.get(muscle.slug, ())
            if aliases:  # the browser's list matches labels too: "QL" finds Quadratus lumborum
                label += f" · {' / '.join(aliases)}"
            rows.append({"value": muscle.name, "label": label})
        return rows
