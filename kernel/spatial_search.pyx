# cython: boundscheck=False, wraparound=False, cdivision=True
"""Masked neighbour search of the spatial connection rules, compiled.

For every driver position ``c``, the pool nodes in the cells of a cell index
that meet the mask's bounding box ``[c + lo, c + hi]`` are tested with the
mask at the displacement ``q = (p + image shift) - c`` (negated for the
reflected mask of pairwise_bernoulli); the accepted pool indices of each
driver come out in ascending order (a node found in two periodic images
twice).  The mask tests are NEST's formulas operation for operation, so
points on a mask's border fall on the same side:

- box: ``ll <= q <= ur``; rotated: q turned back about the box centre with
  the precomputed products (``q0 cos - cx cos + q1 sin - cy sin + cx`` ...)
  against ``ll - 1e-12`` and ``ur + 1e-12``;
- ball (circle, sphere): out if a coordinate differs from the centre by more
  than the radius, in if the differences sum to at most the radius, else
  ``sqrt(sum d^2) <= r``; a doughnut is the outer ball minus the inner one;
- ellipse: ``x'^2 * 4/a^2 + y'^2 * 4/b^2 (+ z'^2 * 4/c^2) <= 1`` in the
  frame turned by the azimuth (and polar) angle.

Composite masks (``|``, ``&``, ``-``) are tested in numpy by the caller.
"""
import numpy as np

from libc.math cimport fabs, floor, round, sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, qsort, realloc

# shape kinds (parameters in ``sp``)
DEF BOX = 0          # ll[D], ur[D]
DEF BOX_ROT = 1      # ll[D], ur[D], then 2-D: cos, sin, cx, cy, cxcos, cxsin, cycos, cysin
                     # 3-D: 18 products (see _box_rot3)
DEF BALL = 2         # c[D], r, inner radius (< 0: none)
DEF ELLIPSE = 3      # c[D], x_scale, y_scale, z_scale, az_cos, az_sin, pol_cos, pol_sin

BOX_KIND, BOX_ROT_KIND, BALL_KIND, ELLIPSE_KIND = BOX, BOX_ROT, BALL, ELLIPSE


cdef int _cmp(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<int64_t *>a)[0], y = (<int64_t *>b)[0]
    return (x > y) - (x < y)


cdef inline bint _in_ball(const double *q, const double *c, double r, int D) noexcept nogil:
    cdef double dim_sum = 0.0, di, ss = 0.0
    cdef int i
    for i in range(D):
        di = fabs(q[i] - c[i])
        if di > r:
            return False
        dim_sum += di
    if dim_sum <= r:
        return True
    for i in range(D):
        di = q[i] - c[i]
        ss += di * di
    return sqrt(ss) <= r


cdef inline bint _inside(int kind, const double *sp, const double *q, int D) noexcept nogil:
    cdef int i
    cdef double nx, ny, nz, u, dx, dy, dz
    if kind == BOX:
        for i in range(D):
            if not (sp[i] <= q[i] and q[i] <= sp[D + i]):
                return False
        return True
    if kind == BOX_ROT:
        if D == 2:
            # cos, sin, cx, cy, cxcos, cxsin, cycos, cysin
            nx = q[0] * sp[4] - sp[8] + q[1] * sp[5] - sp[11] + sp[6]
            ny = -q[0] * sp[5] + sp[9] + q[1] * sp[4] - sp[10] + sp[7]
            return (sp[0] - 1e-12 <= nx and sp[1] - 1e-12 <= ny
                    and nx <= sp[2] + 1e-12 and ny <= sp[3] + 1e-12)
        # 3-D: az_cos, az_sin, pol_cos, pol_sin, cx, cy, cz, then
        # cxcos_pcos, cysin_pcos, czpsin, cxsin, cycos, cxcos_psin, cysin_psin, czpcos,
        # acos_pcos, asin_pcos, acos_psin, asin_psin
        nx = (q[0] * sp[20] - sp[13] + q[1] * sp[21] - sp[14] - q[2] * sp[9] + sp[15]
              + sp[10])
        ny = -q[0] * sp[7] + sp[16] + q[1] * sp[6] - sp[17] + sp[11]
        nz = (q[0] * sp[22] - sp[18] + q[1] * sp[23] - sp[19] + q[2] * sp[8] - sp[24]
              + sp[12])
        return (sp[0] - 1e-12 <= nx and sp[1] - 1e-12 <= ny and sp[2] - 1e-12 <= nz
                and nx <= sp[3] + 1e-12 and ny <= sp[4] + 1e-12 and nz <= sp[5] + 1e-12)
    if kind == BALL:
        if not _in_ball(q, sp, sp[D], D):
            return False
        return sp[D + 1] < 0.0 or not _in_ball(q, sp, sp[D + 1], D)
    # ELLIPSE
    dx = q[0] - sp[0]
    dy = q[1] - sp[1]
    if D == 2:
        nx = dx * sp[D + 3] + dy * sp[D + 4]
        ny = dx * sp[D + 4] - dy * sp[D + 3]
        return nx * nx * sp[D] + ny * ny * sp[D + 1] <= 1.0
    dz = q[2] - sp[2]
    u = dx * sp[D + 3] + dy * sp[D + 4]
    nx = u * sp[D + 5] - dz * sp[D + 6]
    ny = dx * sp[D + 4] - dy * sp[D + 3]
    nz = u * sp[D + 6] + dz * sp[D + 5]
    return nx * nx * sp[D] + ny * ny * sp[D + 1] + nz * nz * sp[D + 2] <= 1.0


def masked_pairs(const double[:, ::1] dpos, const double[:, ::1] ppos,
                 const int64_t[::1] order, const int64_t[::1] start,
                 const int64_t[::1] ncell, const double[::1] origin, const double[::1] size,
                 bint periodic, const double[::1] extent, const double[::1] lo,
                 const double[::1] hi, int sign, int kind, const double[::1] sp):
    """The accepted (driver index, pool index) pairs, by driver, then pool index.

    Parameters
    ----------
    dpos, ppos : (n, D) float64
        Driver (mask origin) and pool positions.
    order, start, ncell, origin, size
        The cell index: pool indices sorted by cell, the start of each cell
        (``prod(ncell) + 1`` entries), cells per dimension, the corner and the
        size of a cell.
    periodic, extent
        Whether the pool layer wraps, and its period.
    lo, hi : (D,) float64
        The (reflected, if ``sign`` < 0) bounding box of the mask.
    sign : int
        -1: test the mask at ``-q``.
    kind, sp
        The shape and its parameters (see the module constants).
    """
    cdef int D = dpos.shape[1]
    cdef Py_ssize_t nd = dpos.shape[0], i, m, e
    cdef int64_t cap = 1024, n = 0, first, cell, w, j
    cdef int64_t *out_d = <int64_t *>malloc(cap * sizeof(int64_t))
    cdef int64_t *out_p = <int64_t *>malloc(cap * sizeof(int64_t))
    cdef int64_t *tmp
    cdef int64_t a[3]
    cdef int64_t b[3]
    cdef int64_t idx[3]
    cdef double shift[3]
    cdef double q[3]
    cdef double c[3]
    cdef int d
    cdef bint done, empty, failed = False
    if out_d == NULL or out_p == NULL:
        free(out_d); free(out_p)
        raise MemoryError("spatial search: out of memory")
    with nogil:
        for i in range(nd):
            first = n
            empty = False
            for d in range(D):
                c[d] = dpos[i, d]
                a[d] = <int64_t>floor((c[d] + lo[d] - origin[d]) / size[d])
                b[d] = <int64_t>floor((c[d] + hi[d] - origin[d]) / size[d])
                if not periodic:
                    if a[d] < 0:
                        a[d] = 0
                    if b[d] > ncell[d] - 1:
                        b[d] = ncell[d] - 1
                if b[d] < a[d]:
                    empty = True
                idx[d] = a[d]
            if empty:
                continue
            done = False
            while not done:
                cell = 0
                for d in range(D):
                    w = idx[d]
                    shift[d] = 0.0
                    if periodic:
                        j = w // ncell[d] if w >= 0 else -((-w + ncell[d] - 1) // ncell[d])
                        w = w - j * ncell[d]
                        shift[d] = <double>j * extent[d]
                    cell = cell * ncell[d] + w
                for e in range(start[cell], start[cell + 1]):
                    m = order[e]
                    for d in range(D):
                        if periodic:
                            q[d] = (ppos[m, d] + shift[d]) - c[d]
                        else:
                            q[d] = ppos[m, d] - c[d]
                        if sign < 0:
                            q[d] = -q[d]
                    if _inside(kind, &sp[0], q, D):
                        if n == cap:
                            tmp = <int64_t *>realloc(out_d, 2 * cap * sizeof(int64_t))
                            if tmp == NULL:
                                failed = True
                                break
                            out_d = tmp
                            tmp = <int64_t *>realloc(out_p, 2 * cap * sizeof(int64_t))
                            if tmp == NULL:
                                failed = True
                                break
                            out_p = tmp
                            cap *= 2
                        out_d[n] = i
                        out_p[n] = m
                        n += 1
                # next cell (the last dimension fastest)
                d = D - 1
                while True:
                    idx[d] += 1
                    if idx[d] <= b[d]:
                        break
                    idx[d] = a[d]
                    d -= 1
                    if d < 0:
                        done = True
                        break
                if failed:
                    break
            if failed:
                break
            if n - first > 1:
                qsort(&out_p[first], n - first, sizeof(int64_t), _cmp)
    if failed:
        free(out_d)
        free(out_p)
        raise MemoryError("spatial search: out of memory for the candidate pairs")
    di = np.empty(n, np.int64)
    pi = np.empty(n, np.int64)
    cdef int64_t[::1] dv = di, pv = pi
    for j in range(n):
        dv[j] = out_d[j]
        pv[j] = out_p[j]
    free(out_d)
    free(out_p)
    return di, pi


def distances(const double[:, ::1] src, const double[:, ::1] tgt, const double[::1] period,
              bint periodic, int dimension):
    """Per row the distance from ``src`` to ``tgt`` as NEST's spatial
    Parameters take it: each component ``d = t - s``, on a periodic layer
    ``d - L round(d (1/L))`` (C's round); ``dimension`` 0 gives
    ``sqrt(sum d^2)``, 1-3 the absolute value of that component."""
    cdef Py_ssize_t n = src.shape[0], i
    cdef int D = src.shape[1], k
    cdef double d, ss
    out = np.empty(n, np.float64)
    cdef double[::1] o = out
    with nogil:
        for i in range(n):
            ss = 0.0
            for k in range(D):
                if dimension != 0 and k != dimension - 1:
                    continue
                d = tgt[i, k] - src[i, k]
                if periodic:
                    d -= period[k] * round(d * (1.0 / period[k]))
                if dimension != 0:
                    ss = fabs(d)
                else:
                    ss += d * d
            o[i] = sqrt(ss) if dimension == 0 else ss
    return out
