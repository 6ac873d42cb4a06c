"""Plotly figures built from result objects: path diagram, index bars, IPMA map.

Each function takes results (and optionally a bootstrap) and returns a
:class:`plotly.graph_objects.Figure`; nothing is shown or written here.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

NODE = dict(size=72, color="#e8f0fb", line=dict(color="#2f5d9b", width=2))


def _layers(model) -> list[int]:
    """Column of each construct in the diagram: its longest distance from an exogenous one."""
    depth = [0] * len(model.names)
    for _ in model.names:
        for j, preds in enumerate(model.predecessors):
            if preds:
                depth[j] = max(depth[i] + 1 for i in preds)
    return depth


def _positions(model) -> dict[str, tuple[float, float]]:
    """Layers left to right; a layer of one construct zig-zags up and down, so that a path
    skipping a layer (expectations -> satisfaction in the ACSI chain) is not drawn over others."""
    depth = _layers(model)
    out = {}
    for layer in sorted(set(depth)):
        members = [j for j, d in enumerate(depth) if d == layer]
        shift = 0.5 * (-1) ** layer if len(members) == 1 else 0.0
        for rank, j in enumerate(members):
            out[model.names[j]] = (float(layer), (len(members) - 1) / 2 - rank + shift)
    return out


def _label(labels, name: str) -> str:
    return (labels or {}).get(name, name)


def path_diagram(results, bootstrap=None, title: str = "Structural model", labels=None) -> go.Figure:
    """Constructs as nodes (with R²) and paths as arrows labelled with their coefficients.

    With a bootstrap, a path whose interval excludes zero is drawn solid, otherwise dashed.
    ``labels`` maps construct names to the text shown (e.g. in the reader's language).
    """
    model = results.model
    pos = _positions(model)
    fig = go.Figure()
    r2 = results.r2
    significant = None
    if bootstrap is not None:
        table = bootstrap.tables["paths"]
        significant = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    # Given to the layout as one list: plotly validates the whole list again on each add_annotation,
    # which made the diagram cost a tenth of a second at 9 paths.
    annotations = []
    for source, target in model.paths:
        key = f"{source}->{target}"
        (x0, y0), (x1, y1) = pos[source], pos[target]
        solid = significant is None or bool(significant[key])
        annotations.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                                showarrow=True, arrowhead=3, arrowwidth=1.5, standoff=24,
                                startstandoff=24, arrowcolor="#555" if solid else "#bbb", text=""))
        # Labels sit short of the middle, so crossing paths do not stack theirs on one point.
        annotations.append(dict(x=x0 + 0.4 * (x1 - x0), y=y0 + 0.4 * (y1 - y0), text=f"{results.paths[key]:.2f}",
                                showarrow=False, bgcolor="white", font=dict(size=12)))
    texts = [f"{_label(labels, name)}<br>R²={r2[name]:.2f}" if name in r2.index else _label(labels, name)
             for name in model.names]
    fig.add_trace(go.Scatter(x=[pos[n][0] for n in model.names],
                             y=[pos[n][1] for n in model.names], mode="markers+text",
                             text=texts, textposition="middle center", marker=NODE,
                             textfont=dict(size=11),
                             hoverinfo="text", showlegend=False))
    fig.update_layout(title=title, plot_bgcolor="white", margin=dict(l=20, r=20, t=50, b=20),
                      xaxis=dict(visible=False), yaxis=dict(visible=False), annotations=annotations)
    return fig


def index_bars(results, bootstrap=None, title: str = "Satisfaction index (0-100)", labels=None,
               axis_title: str = "index") -> go.Figure:
    """One bar per construct index, with the bootstrap interval as error bars when given."""
    index = results.index
    error = None
    if bootstrap is not None:
        table = bootstrap.tables["index"].loc[index.index]
        error = dict(type="data", symmetric=False, array=(table["ci_high"] - index).tolist(),
                     arrayminus=(index - table["ci_low"]).tolist())
    fig = go.Figure(go.Bar(x=[_label(labels, n) for n in index.index], y=index.tolist(), error_y=error,
                           text=[f"{v:.1f}" for v in index], textposition="outside",
                           marker_color="#2f5d9b"))
    fig.update_layout(title=title, yaxis=dict(range=[0, 100], title=axis_title),
                      plot_bgcolor="white")
    return fig


def ipma_map(ipma, level: str = "constructs", title: str | None = None, labels=None,
             axis_titles: tuple[str, str] = ("importance (total effect, index points per point)",
                                             "performance (0-100)")) -> go.Figure:
    """Importance-performance map: importance (total effect) against performance (0-100).

    Dashed lines at the mean importance and mean performance split the map into quadrants;
    the lower-right one (important, performing poorly) is where to act first.
    """
    table = ipma.constructs if level == "constructs" else ipma.items
    fig = go.Figure(go.Scatter(x=table["importance"].tolist(),
                               y=table["performance"].tolist(), mode="markers+text",
                               text=[_label(labels, n) for n in table.index], textposition="top center",
                               marker=dict(size=12, color="#2f5d9b")))
    fig.add_vline(x=float(np.mean(table["importance"])), line_dash="dash", line_color="#999")
    fig.add_hline(y=float(np.mean(table["performance"])), line_dash="dash", line_color="#999")
    fig.update_layout(title=title or f"Importance-performance map: {ipma.target}",
                      xaxis_title=axis_titles[0], yaxis_title=axis_titles[1], plot_bgcolor="white")
    return fig
