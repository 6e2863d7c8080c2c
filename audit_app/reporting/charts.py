"""Charts drawn on the server with matplotlib, as SVG that sits inside the page.

Why inline SVG with presentation attributes: the site's Content-Security-Policy allows no inline
styles (``style-src 'self'``), and matplotlib writes its SVG with ``style=""`` attributes and a
``<style>`` element. Each declaration is moved to the SVG presentation attribute of the same name
(``fill``, ``stroke``, ``font-size``...), which CSP does not govern, and the ``<style>`` element
is dropped. The chart then needs no second request, no relaxed policy and no script; it prints as
vector graphics; its text stays text; and it carries an accessible name (``<title>``) and
description (``<desc>``). Grades are told apart by hatching as well as colour, so that a chart
printed in black and white still reads. Every chart has a data table beside it on the page.

Rendering is cached by the chart's data (nothing else goes in), so a dashboard viewed again with
the same figures does not redraw.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Best band first. Dark green to red, as boards expect; hatching tells them apart without colour.
GRADE_COLOURS = ("#00703c", "#85994b", "#f47738", "#d4351c", "#6f72af", "#505a5f")
GRADE_HATCHES = ("", "///", "\\\\\\", "xxx", "---", "|||")
BAR_COLOUR = "#1d70b8"
BAR_WIDTH = 0.7  # of the space for each category
FONTS = ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"]

# CSS properties that SVG also accepts as presentation attributes.
_PRESENTATION = {
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-opacity",
    "opacity",
    "clip-path",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
    "alignment-baseline",
    "letter-spacing",
}
_URL_REFERENCE = re.compile(r"url\(#([^)]+)\)")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    colour: str
    hatch: str = ""


def grade_series(grades: Sequence[str], counts: Sequence[Sequence[float]]) -> tuple[Series, ...]:
    """One series per grade (best first), coloured and hatched by its position."""
    return tuple(
        Series(
            name=grade,
            values=tuple(float(v) for v in values),
            colour=GRADE_COLOURS[i % len(GRADE_COLOURS)],
            hatch=GRADE_HATCHES[i % len(GRADE_HATCHES)],
        )
        for i, (grade, values) in enumerate(zip(grades, counts, strict=True))
    )


def stacked_bars(
    key: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    horizontal: bool = False,
    percent: bool = False,
    axis_label: str = "",
    limit: float | None = None,
) -> Markup:
    """A stacked bar chart (counts, or shares of each bar when ``percent``)."""
    return Markup(
        _stacked(
            key,
            title,
            description,
            tuple(categories),
            tuple(series),
            horizontal,
            percent,
            axis_label,
            limit,
        )
    )


def bars(
    key: str,
    title: str,
    description: str,
    categories: Sequence[str],
    values: Sequence[float],
    *,
    horizontal: bool = True,
    axis_label: str = "",
    limit: float | None = None,
) -> Markup:
    """A plain bar chart, one bar per category in the order given."""
    series = (Series(name="", values=tuple(float(v) for v in values), colour=BAR_COLOUR),)
    return stacked_bars(
        key,
        title,
        description,
        categories,
        series,
        horizontal=horizontal,
        axis_label=axis_label,
        limit=limit,
    )


@lru_cache(maxsize=128)
def _stacked(
    key: str,
    title: str,
    description: str,
    categories: tuple[str, ...],
    series: tuple[Series, ...],
    horizontal: bool,
    percent: bool,
    axis_label: str,
    limit: float | None = None,
) -> str:
    import matplotlib

    with matplotlib.rc_context(_settings(key)):
        legend = len(series) > 1
        figure = _figure(categories, horizontal, legend)
        axes = figure.subplots()
        drawn, totals = _draw_series(axes, series, len(categories), horizontal, percent)
        top = (100 if percent else limit) or max(float(totals.max(initial=0)) * 1.05, 1.0)
        if horizontal:
            _label_rows(axes, categories, axis_label, top)
        else:
            _label_columns(axes, categories, axis_label, top)
        if legend:
            _legend(figure, drawn, series)
        svg = _svg(figure)
    return without_inline_styles(svg, key, title, description)


def _settings(key: str) -> Any:
    """matplotlib's settings for every chart (typed loosely: the stubs list every rc key)."""
    return {
        "svg.fonttype": "none",  # text stays text: smaller, selectable, scales when printed
        "svg.hashsalt": key,  # stable ids, so that equal data gives equal bytes
        "font.family": "sans-serif",
        "font.sans-serif": FONTS,
        # 10 units of a viewBox 576 wide (8 inches): assets/application.scss never draws a
        # chart narrower than 720 CSS px, so that this text is at least 12 px on any screen.
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "hatch.linewidth": 0.6,
        # Every text is shown as written: a `$` or a backslash in a team's, a measure's or a
        # grade's name is never read as TeX (mathtext, or LaTeX itself), which could fail to
        # draw the chart or change the name. Each text takes these when it is made.
        "text.usetex": False,
        "text.parse_math": False,
    }


def _figure(categories: tuple[str, ...], horizontal: bool, legend: bool) -> Any:
    """An empty figure sized for its bars, with margins for the labels and the legend."""
    from matplotlib.figure import Figure

    count = len(categories)
    width = 8.0
    height = (max(1.6, 0.26 * count + 0.9) if horizontal else 3.2) + (0.35 if legend else 0)
    figure = Figure(figsize=(width, height))
    # Margins worked out from the labels (cheaper than a layout engine): inches of text.
    longest = max((len(c) for c in categories), default=4)
    left = (0.075 * longest + 0.25) if horizontal else 0.75
    bottom = 0.55 if horizontal else (0.75 if count > 6 else 0.5)
    bottom += 0.35 if legend else 0
    figure.subplots_adjust(
        left=min(left, width * 0.5) / width,
        right=1 - 0.25 / width,
        bottom=bottom / height,
        top=1 - 0.15 / height,
    )
    return figure


def _draw_series(
    axes: Any, series: tuple[Series, ...], count: int, horizontal: bool, percent: bool
) -> tuple[list[Any], Any]:
    """Each series' bars stacked on the ones before; the shapes drawn, and each bar's total."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    positions = np.arange(count)
    values = np.array([s.values for s in series], dtype=float).reshape(len(series), count)
    if percent:
        totals = values.sum(axis=0)
        totals[totals == 0] = 1
        values = values / totals * 100
    base = np.zeros(count)
    drawn = []
    for s, row in zip(series, values, strict=True):
        # One collection of rectangles per series: drawn like bars, at a fraction of the
        # cost of one patch per bar.
        drawn.append(
            axes.add_collection(
                PolyCollection(
                    _rectangles(positions, base, row, horizontal),
                    facecolors=s.colour,
                    edgecolors="white",
                    linewidths=0.5,
                    hatch=s.hatch or None,
                    label=s.name or None,
                ),
                autolim=False,
            )
        )
        base = base + row
    return drawn, base


# Categories are labelled with plain text rather than ticks, which cost several times as much
# to draw and add nothing here.


def _label_rows(axes: Any, categories: tuple[str, ...], axis_label: str, top: float) -> None:
    """Horizontal bars: the first category at the top, each named on its left."""
    from matplotlib.transforms import blended_transform_factory

    axes.set_yticks([])
    axes.set_ylim(len(categories) - 0.5, -0.5)
    axes.set_xlabel(axis_label)
    axes.set_xlim(0, top)
    place = blended_transform_factory(axes.transAxes, axes.transData)
    for position, category in enumerate(categories):
        axes.text(-0.01, float(position), category, transform=place, ha="right", va="center")


def _label_columns(axes: Any, categories: tuple[str, ...], axis_label: str, top: float) -> None:
    """Upright bars, each named below; turned when there are more than six."""
    from matplotlib.transforms import blended_transform_factory

    axes.set_xticks([])
    axes.set_xlim(-0.5, len(categories) - 0.5)
    axes.set_ylabel(axis_label)
    axes.set_ylim(0, top)
    place = blended_transform_factory(axes.transData, axes.transAxes)
    turned = len(categories) > 6
    for position, category in enumerate(categories):
        axes.text(
            position + (0.2 if turned else 0),
            -0.03,
            category,
            transform=place,
            ha="right" if turned else "center",
            va="top",
            rotation=45 if turned else 0,
            rotation_mode="anchor" if turned else "default",
        )


def _legend(figure: Any, drawn: list[Any], series: tuple[Series, ...]) -> None:
    """The series' names below the chart, given as they are: matplotlib would leave out a name
    that starts with an underscore."""
    named = [(shapes, s.name) for shapes, s in zip(drawn, series, strict=True) if s.name]
    figure.legend(
        [shapes for shapes, _ in named],
        [name for _, name in named],
        loc="outside lower center",
        ncols=min(len(series), 4),
        frameon=False,
    )


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer,
        format="svg",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    return buffer.getvalue()


def _rectangles(positions: Any, base: Any, row: Any, horizontal: bool) -> list[Any]:
    """The corners of each bar of a series, stacked on ``base``."""
    half = BAR_WIDTH / 2
    shapes = []
    for position, start, value in zip(positions, base, row, strict=True):
        low, high = position - half, position + half
        end = start + value
        if horizontal:
            shapes.append([(start, low), (start, high), (end, high), (end, low)])
        else:
            shapes.append([(low, start), (high, start), (high, end), (low, end)])
    return shapes


def without_inline_styles(svg: str, key: str, title: str, description: str) -> str:
    """The SVG with every ``style`` moved to presentation attributes, ids made unique on the
    page, and an accessible name and description."""
    root = ET.fromstring(svg.encode("utf-8"))
    ids: dict[str, str] = {}
    for element in root.iter():
        if "id" in element.attrib:
            ids[element.attrib["id"]] = f"{key}-{element.attrib['id']}"
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1]
            if tag in ("style", "metadata"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _, value = declaration.partition(":")
                name, value = name.strip(), value.strip()
                if name in _PRESENTATION and value:
                    element.set(name, value)
        for name, value in list(element.attrib.items()):
            if name == "id":
                element.set("id", ids[value])
            elif name == f"{{{XLINK_NS}}}href" and value.startswith("#"):
                element.set(name, "#" + ids.get(value[1:], value[1:]))
            elif "url(#" in value:
                element.set(
                    name, _URL_REFERENCE.sub(lambda m: f"url(#{ids.get(m[1], m[1])})", value)
                )
    # What the dropped <style> element said, for every shape.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    # Scale to the width of the page (the viewBox keeps the proportions).
    root.attrib.pop("height", None)
    root.set("width", "100%")
    root.set("role", "img")
    root.set("focusable", "false")
    root.set("aria-labelledby", f"{key}-title {key}-desc")
    title_element = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{key}-title"})
    title_element.text = title
    desc_element = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{key}-desc"})
    desc_element.text = description
    root.insert(0, desc_element)
    root.insert(0, title_element)
    # The prefixes are registered again each time: another library (WeasyPrint, for board
    # papers) registers the empty prefix for itself, which would write <ns0:svg>.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")
