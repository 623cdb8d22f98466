"""The HTML report's chart, objects readable over time, drawn as inline SVG when the page is written.

Nothing in it needs a script: the page shows it with scripts off, and a mail client that keeps SVG shows it
as it is. Colours and strokes are attributes on the elements, not CSS rules, since mail clients drop
`<style>`; the `<title>` and `<desc>` say in words what it shows, for readers that show no SVG at all.
Every text is escaped as the rest of the page is (the caller's `escape`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ossrestore import report

# 9999-12-31T23:59:59Z, the last moment a report line can name: the last bucket of a chart reaching it ends past
# it, and is labelled with it.
LAST_MOMENT = 253402300799.0
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 300, 70, 20, 20, 50
BLUE, GREY, INK = "#0a64c8", "#888888", "#444444"


def iso(t: float) -> str | None:
    return report.iso(min(t, LAST_MOMENT))


def chart_svg(points: Sequence[tuple[float, int]], *, start: float, width: int, escape: Callable[[object], str]) -> str:
    """The SVG of a step line through `points` ((end of bucket, objects readable by then)), from `start`."""
    t0, t1 = start, points[-1][0]
    t1 = t1 if t1 > t0 else t0 + 1
    top = max(points[-1][1], 1)

    def x(t: float) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (t - t0) / (t1 - t0), 2)

    def y(n: int) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * n / top, 2)

    def text(at_x: float, at_y: float, anchor: str, words: object) -> str:
        return (
            f'<text x="{at_x}" y="{at_y}" text-anchor="{anchor}" font-size="11" fill="{INK}" '
            f'font-family="sans-serif">{escape(words)}</text>'
        )

    path, previous, dots = [f"{x(t0)},{y(0)}"], 0, []
    for t, n in points:
        path += [f"{x(t)},{y(previous)}", f"{x(t)},{y(n)}"]
        previous = n
        dots.append(
            f'<circle class="point" cx="{x(t)}" cy="{y(n)}" r="3" fill="{BLUE}" data-t="{t:g}" data-n="{n}">'
            f"<title>{escape(f'{iso(t)}: {n} readable')}</title></circle>"
        )
    said = f"{points[-1][1]} objects readable from {iso(t0)} to {iso(points[-1][0])}, in steps of {width} s"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'role="img" aria-labelledby="chart-title chart-desc">',
            f'<title id="chart-title">objects readable over time</title><desc id="chart-desc">{escape(said)}</desc>',
            f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="{GREY}"/>',
            f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="{GREY}"/>',
            text(LEFT - 6, y(top) + 4, "end", points[-1][1]),
            text(LEFT - 6, HEIGHT - BOTTOM + 4, "end", 0),
            text(LEFT, HEIGHT - BOTTOM + 18, "start", iso(t0)),
            text(WIDTH - RIGHT, HEIGHT - BOTTOM + 18, "end", iso(t1)),
            text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8, "middle", f"time (UTC), buckets of {width} s"),
            f'<polyline class="line" points="{" ".join(path)}" fill="none" stroke="{BLUE}" stroke-width="2"/>',
            f'<g class="points">{"".join(dots)}</g>',
            "</svg>",
        ]
    )
