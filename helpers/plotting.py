"""The plots every week uses, in one style: decision boundaries, curves, heatmaps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np


def _axes(ax=None, figsize=(5, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    ax=None,
    title: str = "",
    resolution: int = 200,
    padding: float = 0.5,
):
    """Shade the regions ``predict`` assigns to each class and scatter the points coloured by ``y``.

    ``predict`` maps an (M, 2) array to M labels (or scores: the sign is used for two classes).
    """
    ax = _axes(ax)
    X = np.asarray(X)
    x0 = np.linspace(X[:, 0].min() - padding, X[:, 0].max() + padding, resolution)
    x1 = np.linspace(X[:, 1].min() - padding, X[:, 1].max() + padding, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    grid = np.c_[g0.ravel(), g1.ravel()]
    z = np.asarray(predict(grid), dtype=float).reshape(g0.shape)
    classes = np.unique(y)
    # Boundaries between regions sit halfway between consecutive label values (or at 0 for
    # scores); a prediction that is one class everywhere still gets a single shaded region.
    values = np.unique(z)
    if len(values) > len(classes):
        cuts = np.array([0.0])
    elif len(values) >= 2:
        cuts = (values[:-1] + values[1:]) / 2
    else:
        cuts = np.array([values[0] + 0.5])
    levels = np.concatenate([[min(z.min(), cuts.min()) - 1], cuts, [max(z.max(), cuts.max()) + 1]])
    ax.contourf(g0, g1, z, levels=levels, alpha=0.25, cmap="coolwarm")
    for c, marker in zip(classes, "o^sDv*"):
        pts = X[np.asarray(y) == c]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=18, edgecolor="k", linewidth=0.3, label=f"class {c}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "step",
    ylabel: str = "loss",
    ax=None,
    title: str = "",
    logy: bool = False,
    xs: Mapping[str, Sequence[float]] | None = None,
    hline: tuple[float, str] | None = None,
):
    """Plot several named curves on one axis (e.g. train and validation loss).

    ``xs`` optionally gives each curve its own x values (e.g. evaluation steps);
    ``hline=(value, label)`` draws a reference line such as a baseline loss.
    """
    ax = _axes(ax)
    for name, values in curves.items():
        x = xs[name] if xs and name in xs else np.arange(1, len(values) + 1)
        ax.plot(x, values, label=name, marker="o" if len(values) < 25 else None, markersize=3)
    if hline is not None:
        ax.axhline(hline[0], color="gray", linestyle="--", linewidth=1, label=hline[1])
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(
    matrix,
    xlabels: Sequence[str] | None = None,
    ylabels: Sequence[str] | None = None,
    ax=None,
    title: str = "",
    cmap: str = "viridis",
    colorbar: bool = True,
    xlabel: str = "",
    ylabel: str = "",
):
    """Show a matrix (e.g. attention weights: rows = queries, columns = keys) with labelled ticks."""
    ax = _axes(ax, figsize=(5, 4.5))
    m = np.asarray(matrix.detach().cpu() if hasattr(matrix, "detach") else matrix, dtype=float)
    im = ax.imshow(m, cmap=cmap, aspect="auto")
    if xlabels is not None:
        ax.set_xticks(range(len(xlabels)))
        ax.set_xticklabels(list(xlabels), rotation=90, fontsize=7)
    if ylabels is not None:
        ax.set_yticks(range(len(ylabels)))
        ax.set_yticklabels(list(ylabels), fontsize=7)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax
