"""Plots of layers, of a node's targets or sources, and of connection
probabilities with their mask (matplotlib, imported when called)."""
import numpy as np

__all__ = ["PlotLayer", "PlotTargets", "PlotSources", "PlotProbabilityParameter"]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("Matplotlib could not be imported") from None
    return plt


def _nc():
    from pynestlite.nodes import NodeCollection
    return NodeCollection


def _layer(nodes, what):
    from pynestlite.engine import kernel
    from pynestlite.spatial.layers import layer_of
    return layer_of(kernel, nodes.ids, what)


def _extent_box(ax, ly):
    import matplotlib.patches as patches
    ll = ly.lower_left
    ax.add_patch(patches.Rectangle((ll[0], ll[1]), ly.extent[0], ly.extent[1], fill=False,
                                   ec="0.5", lw=1))


def _frame(ax, ly):
    c, e = ly.center, ly.extent
    ax.set_xlim(c[0] - 0.55 * e[0], c[0] + 0.55 * e[0])
    ax.set_ylim(c[1] - 0.55 * e[1], c[1] + 0.55 * e[1])
    ax.set_aspect("equal", "box")
    ax.set_xticks([])
    ax.set_yticks([])


def PlotLayer(layer, fig=None, nodecolor="b", nodesize=20):
    """Scatter the positions of the whole layer of ``layer`` (2-D: with the
    layer's extent as a grey box; 3-D: a 3-D scatter).  Returns the figure."""
    plt = _plt()
    if not isinstance(layer, _nc()):
        raise TypeError("layer must be a NodeCollection.")
    ly = _layer(layer, "PlotLayer")
    P = ly.positions
    if ly.dims == 2:
        if fig is None:
            fig = plt.figure()
            ax = fig.add_subplot(111)
        else:
            ax = fig.gca()
        ax.scatter(P[:, 0], P[:, 1], s=nodesize, facecolor=nodecolor)
        _extent_box(ax, ly)
        _frame(ax, ly)
    elif ly.dims == 3:
        if fig is None:
            fig = plt.figure()
            ax = fig.add_subplot(111, projection="3d")
        else:
            ax = fig.gca()
        ax.scatter(P[:, 0], P[:, 1], P[:, 2], s=nodesize, c=nodecolor)
    else:
        raise ValueError("unexpected dimension of layer")
    return fig


def _plot_partners(center_nrn, layer, positions, fig, mask, probability_parameter,
                   src_color, src_size, tgt_color, tgt_size, mask_color, probability_cmap):
    """The partners' positions (``tgt_*``), the centre node (``src_*``) and
    the mask and probability around the centre."""
    plt = _plt()
    from pynestlite.spatial.tools import GetPosition
    ly = _layer(layer, "PlotTargets")
    pos = np.asarray(positions, np.float64).reshape(-1, ly.dims) if len(positions) else \
        np.empty((0, ly.dims))
    cpos = np.asarray(GetPosition(center_nrn), np.float64)
    if fig is None:
        fig = plt.figure()
        ax = fig.add_subplot(111, projection="3d" if ly.dims == 3 else None)
    else:
        ax = fig.gca()
    if ly.dims == 2:
        ax.scatter(pos[:, 0], pos[:, 1], s=tgt_size, facecolor=tgt_color)
        ax.scatter([cpos[0]], [cpos[1]], s=src_size, facecolor=src_color, alpha=0.4,
                   zorder=-10)
        if mask is not None or probability_parameter is not None:
            c, e = ly.center, ly.extent
            edges = [c[0] - e[0], c[0] + e[0], c[1] - e[1], c[1] + e[1]]
            PlotProbabilityParameter(center_nrn, probability_parameter, mask=mask, edges=edges,
                                     ax=ax, prob_cmap=probability_cmap, mask_color=mask_color)
        _extent_box(ax, ly)
        _frame(ax, ly)
    else:
        ax.scatter(pos[:, 0], pos[:, 1], pos[:, 2], s=tgt_size, c=tgt_color)
        ax.scatter([cpos[0]], [cpos[1]], [cpos[2]], s=src_size, c=src_color, alpha=0.4)
    return fig


def PlotTargets(src_nrn, tgt_layer, syn_type=None, fig=None, mask=None,
                probability_parameter=None, src_color="red", src_size=50, tgt_color="blue",
                tgt_size=20, mask_color="yellow", probability_cmap="Greens"):
    """The targets of one source node in ``tgt_layer`` (blue), the source
    (red) and, if given, the mask and the probability around it."""
    from pynestlite.spatial.tools import GetTargetPositions
    if not isinstance(src_nrn, _nc()) or len(src_nrn) != 1:
        raise TypeError("src_nrn must be a single element NodeCollection.")
    positions = GetTargetPositions(src_nrn, tgt_layer, syn_type)[0]
    return _plot_partners(src_nrn, tgt_layer, positions, fig, mask, probability_parameter,
                          src_color, src_size, tgt_color, tgt_size, mask_color,
                          probability_cmap)


def PlotSources(src_layer, tgt_nrn, syn_type=None, fig=None, mask=None,
                probability_parameter=None, tgt_color="red", tgt_size=50, src_color="blue",
                src_size=20, mask_color="yellow", probability_cmap="Greens"):
    """The sources of one target node in ``src_layer`` (blue), the target
    (red) and, if given, the mask and the probability around it."""
    from pynestlite.spatial.tools import GetSourcePositions
    if not isinstance(tgt_nrn, _nc()) or len(tgt_nrn) != 1:
        raise TypeError("tgt_nrn must be a single element NodeCollection.")
    positions = GetSourcePositions(src_layer, tgt_nrn, syn_type)[0]
    return _plot_partners(tgt_nrn, src_layer, positions, fig, mask, probability_parameter,
                          tgt_color, tgt_size, src_color, src_size, mask_color,
                          probability_cmap)


def _mask_patches(mask, center, color):
    """matplotlib patches of a mask dict laid at ``center``."""
    import matplotlib.patches as patches
    if not isinstance(mask, dict):
        raise ValueError("Mask type cannot be plotted with this version of PyNEST.")
    spec = dict(mask)
    anchor = np.asarray(spec.pop("anchor", [0.0, 0.0]), np.float64)
    (kind, m), = spec.items()
    c = np.asarray(center, np.float64)[:2] + anchor[:2]
    kw = dict(fc=color, ec="black", alpha=0.2, lw=2, zorder=0.5)   # (NEST's look)
    if kind == "circular":
        return [patches.Circle(c + np.asarray(m.get("anchor", [0, 0])), m["radius"], **kw)]
    if kind == "doughnut":
        cc = c + np.asarray(m.get("anchor", [0, 0]))
        return [patches.Circle(cc, m["inner_radius"], **kw),
                patches.Circle(cc, m["outer_radius"], **kw)]
    if kind == "rectangular":
        ll, ur = np.asarray(m["lower_left"], float), np.asarray(m["upper_right"], float)
        ang = float(m.get("azimuth_angle", 0.0))
        w, h = ur - ll
        if ang:
            mid = (ll + ur) / 2
            t = np.deg2rad(ang)
            R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
            corner = R @ (ll - mid) + mid
            return [patches.Rectangle(c + corner, w, h, angle=ang, **kw)]
        return [patches.Rectangle(c + ll, w, h, **kw)]
    if kind == "elliptical":
        cc = c + np.asarray(m.get("anchor", [0, 0]))
        return [patches.Ellipse(cc, m["major_axis"], m["minor_axis"],
                                angle=m.get("azimuth_angle", 0.0), **kw)]
    raise ValueError("Mask type cannot be plotted with this version of PyNEST.")


def PlotProbabilityParameter(source, parameter=None, mask=None, edges=(-0.5, 0.5, -0.5, 0.5),
                             shape=(100, 100), ax=None, prob_cmap="Greens",
                             mask_color="yellow"):
    """The values of ``parameter`` from ``source`` to the points of a grid
    over ``edges`` (clipped to [0, 1]) and the outline of ``mask``."""
    plt = _plt()
    if parameter is None and mask is None:
        raise ValueError("At least one of parameter or mask must be specified")
    if ax is None:
        fig, ax = plt.subplots()
    from pynestlite.spatial.tools import GetPosition
    ly = _layer(source, "PlotProbabilityParameter")
    if parameter is not None:
        xs = np.linspace(edges[0], edges[1], shape[0])
        ys = np.linspace(edges[2], edges[3], shape[1])
        pts = [[x, y] for y in ys for x in xs]
        vals = np.clip(np.asarray(parameter.apply(source, pts)).reshape(shape[1], shape[0]),
                       0.0, 1.0)
        im = ax.imshow(vals, extent=list(edges), origin="lower", cmap=prob_cmap, vmin=0.0,
                       vmax=1.0)
        plt.colorbar(im, ax=ax)
    if mask is not None:
        center = np.asarray(GetPosition(source), np.float64)
        shifts = [np.zeros(2)]
        if ly.edge_wrap:
            e = ly.extent
            shifts += [np.array([i * e[0], j * e[1]]) for i in (-1, 0, 1) for j in (-1, 0, 1)
                       if (i, j) != (0, 0)]
        for s in shifts:
            for patch in _mask_patches(mask, center[:2] + s, mask_color):
                ax.add_patch(patch)
    return ax
