"""The body map: anterior and posterior silhouettes with numbered release markers.

The catalogue gives each muscle a marker for the patient's LEFT side, in percent of the
image (x across, y from the crown to the soles). The image is drawn in a 100 × 200
viewBox, so a marker sits at (x, 2y); the right side mirrors x to 100 − x.
"""

from functools import cache

from records.choices import BodyView, Side

__all__ = ["VIEWBOX", "body_outline", "markers_for", "HEAD"]

VIEWBOX = "0 0 100 200"
HEAD = {"cx": 50, "cy": 12.5, "rx": 7.5, "ry": 12}

# Half outline (viewer's right), from under the jaw around the arm and down the leg to
# the crotch, in catalogue coordinates (x %, y %). Mirrored for the other half. The neck
# starts inside the head, which is drawn over it.
_HALF = [
    (53.6, 10.0), (54.6, 14.4), (60.0, 16.4), (66.0, 17.8), (70.8, 19.6), (73.6, 24.0),
    (75.6, 30.0), (77.6, 35.0), (79.2, 38.4), (81.6, 44.0), (83.0, 49.0), (84.4, 52.6),
    (83.6, 56.6), (81.6, 57.6), (80.0, 55.0), (76.8, 51.2), (73.6, 46.0), (72.4, 40.0),
    (70.6, 34.0), (68.6, 30.0), (66.6, 28.0), (65.6, 32.0), (64.2, 37.0), (63.2, 41.5),
    (64.6, 46.0), (66.2, 51.0), (66.6, 56.0), (66.0, 61.0), (64.4, 66.0), (62.6, 71.5),
    (62.8, 76.0), (62.0, 82.5), (60.0, 89.5), (60.8, 93.5), (62.4, 97.0), (60.8, 99.0),
    (55.4, 99.0), (54.2, 94.0), (53.6, 88.0), (52.8, 80.0), (52.6, 74.0), (52.6, 70.0),
    (51.8, 62.0), (51.0, 56.5), (50.0, 55.0),
]


def _smooth_closed(points: list[tuple[float, float]]) -> str:
    """A closed Catmull-Rom spline through ``points`` as SVG cubic Béziers."""
    n = len(points)
    parts = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for i in range(n):
        p0, p1, p2, p3 = points[i - 1], points[i], points[(i + 1) % n], points[(i + 2) % n]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        parts.append(f"C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {p2[0]:.1f},{p2[1]:.1f}")
    return " ".join(parts) + " Z"


@cache
def body_outline() -> str:
    """The SVG path of the standing figure (without the head), in the 100 × 200 viewBox."""
    right = [(x, y * 2) for x, y in _HALF]
    left = [(100 - x, y) for x, y in reversed(right[:-1])]
    return _smooth_closed(right + left)


def marker_x(muscle, side: str) -> list[float]:
    if side == Side.MIDLINE:
        return [50.0]
    if side == Side.RIGHT:
        return [100 - muscle.x]
    if side == Side.BILATERAL:
        return [muscle.x, 100 - muscle.x]
    return [muscle.x]


def markers_for(releases) -> dict[str, list[dict]]:
    """Markers per view for ``releases`` (objects or dicts with order, muscle (a Muscle), side)."""
    views: dict[str, list[dict]] = {BodyView.ANTERIOR: [], BodyView.POSTERIOR: []}
    for release in releases:
        muscle, side, order = release["muscle_obj"], release["side"], release["order"]
        for x in marker_x(muscle, side):
            views[muscle.view].append(
                {
                    "order": order,
                    "x": round(x, 1),
                    "y": round(muscle.y * 2, 1),
                    "lung_field": muscle.lung_field,
                    "label": f"{order}. {muscle.name} ({side})" + (" — lung field" if muscle.lung_field else ""),
                }
            )
    # Later releases drawn first so the first ones stay on top where markers overlap.
    for markers in views.values():
        markers.sort(key=lambda m: -m["order"])
    return views
