import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from helpers import plotting  # noqa: E402


def test_decision_boundary_shades_both_classes():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-2.0, 0.5], [2.0, -0.5]])
    y = np.array([-1, 1, -1, 1])
    ax = plotting.plot_decision_boundary(lambda G: np.where(G[:, 0] >= 0, 1, -1), X, y, title="t")
    assert ax.get_title() == "t"
    assert len(ax.collections) >= 3  # filled regions + one scatter per class
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class -1", "class 1"]


def test_curves_and_heatmap():
    ax = plotting.plot_curves({"train": [3, 2, 1], "val": [3.5, 2.5]}, xs={"val": [1, 3]}, hline=(2.0, "baseline"))
    lines = ax.get_lines()
    assert [list(l.get_xdata()) for l in lines[:2]] == [[1, 2, 3], [1, 3]]
    assert ax.get_legend() is not None
    ax = plotting.plot_heatmap(torch.eye(3), xlabels="abc", ylabels="abc", title="attn")
    assert ax.images[0].get_array().shape == (3, 3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
