# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Polychronous groups as the original finder of Izhikevich (2006) finds them.

This is a re-implementation, operation for operation, of the C++ group
finder published by Izhikevich (2006) and used by Pauli et al. (2018)
(``find_polychronous_groups.cpp``; notes seed-002 §4.2), so that it gives
exactly the groups of the compiled original, quirks included, only faster.

Algorithm
---------
For each pivot (an excitatory neuron, in the order given):

1. The *strong* excitatory synapses onto the pivot (weight > ``C_rel`` =
   0.95 ``w_max``) are listed in the order the synapses were read.  With
   fewer than ``W`` = 3 of them the pivot is skipped.
2. Every triplet of them (lexicographic order of their positions in that
   list) is tested.  With ``Dmax`` the largest of the three delays to the
   pivot (as delay - 1 ms), anchor ``k`` fires at ``Dmax - (d_k - 1)`` ms,
   so that all three spikes reach the pivot together.  Each anchor's strong
   synapses whose delay is at least its delay to the pivot are scheduled
   (arrival ``t_fire + delay``); the anchors themselves receive nothing.
3. A test network of all neurons starts from ``v = -70``, ``u = 0.2 v`` and
   is simulated in 1-ms steps ``t = 0, 1, ...`` while ``t < t_last``
   (initially ``2 D + latency + 1`` = 61 ms) and fewer than ``polylenmax``
   = 1000 spikes were recorded.  A step adds the inputs arriving at ``t``,
   integrates every neuron (two half steps of ``v``, then ``u``, as in the
   original network program) and then resets the neurons with
   ``v >= 30``, in ascending index order.  A spike is recorded (neuron,
   ``t``) and schedules the neuron's strong synapses (all synapses of an
   inhibitory neuron) at ``t + delay``; ``t_last`` becomes the arrival time
   + 1 ms of the last synapse scheduled, capped at
   ``polylenmax - D - 1`` = 979 ms.
4. With more than ``2 W`` = 6 spikes (anchors included), the spikes after
   the anchors are given layers, in the order they were recorded: a spike's
   layer is one more than the largest layer of an earlier spike of any
   excitatory neuron whose input reached the spiking neuron in the 20 ms
   up to and including the spike (anchors have layer 1); each such input
   is recorded as a link ``(pre, post, delay - 1, layer so far)``.
5. The candidate is discarded if an anchor is the source of exactly one
   link to an excitatory neuron, and accepted if the largest layer
   ``L_max`` is at least ``min_layers`` (7).

Quirks of the original that are reproduced
------------------------------------------
The paper (Pauli et al. 2018, §3.5) lists the finder's errors; they are
kept here because the point is the original's numbers:

* **delivery buffer overflow**: the inputs of one millisecond are stored
  in a row of 1000 slots; a row that receives more spills into the next
  row(s), overwriting the inputs stored there (inputs delivered at the
  wrong time or lost).  The buffer is laid out as one flat array, so the
  spill lands where it lands in the original.
* **layer computation**: the layer depends on the firing order and on
  every earlier spike of the presynaptic neuron (also spikes after the
  link's input), and a link records the running maximum, not the final
  layer.
* **simulation stop**: ``t_last`` follows the last synapse scheduled by
  the latest spike, 1 ms after its arrival; a spike that needs more than
  1 ms to build up is missed, and a spike of a neuron that schedules
  nothing reuses the previous arrival time.
* the thresholds are ``N_fired > 6`` and ``L_max >= 7``; the anchor-link
  discard rule counts links, not distinct targets; at most 1000 spikes are
  recorded, after which the simulation stops.
* inputs scheduled for 979 ms or later when ``t_last`` is capped are never
  delivered and never cleared (the clearing for a 980-ms run can not
  trigger): they pile up from triplet to triplet and pivot to pivot, so
  the result of a pivot can depend on the pivots searched before it.
* writes past the end of the original's arrays (more than 6000 links;
  delivery rows past the last one) follow the memory layout of the
  original compiled with g++ 12 -O2 on x86-64: the arrays sit in one block
  in the order ``links, N_links, C, L, D, J, I, N_postspikes`` (the weights
  C, the unused layers L, the delays D, the sources J and targets I of the
  buffered inputs, and the row counts).  Link 6000 therefore reads back
  the number of links (kept in a register and stored after the loop),
  further links overwrite buffered weights, and a target spilled past the
  last row overwrites a row count (stored after the count's increment, as
  the compiled original orders its stores).  Past the row counts (the
  original's neuron parameters and synapse tables follow) the search stops
  with a RuntimeError.  Neither the pile-up nor these writes were seen on
  networks grown by the model (the 18,000-s network: no capped test, at
  most 1817 inputs per row, so spills stay inside the buffer, and at most
  4578 links); synthetic networks reach them.

Neuron numerics are those of the original program, in double precision in
the same order of operations (compiled without contraction to FMA), so the
spike times are identical bit for bit.  For speed, neurons that have not
received input since the start of the test follow a precomputed trajectory
of the input-free neuron (the same floating-point operations, so the same
values) and are only integrated from their first input on; at most 1000
neurons are simulated, which equals the original's fixed ``N``.

References
----------
Izhikevich EM (2006) Polychronization: computation with spikes. Neural
Comput 18:245-282.
Pauli R, Weidel P, Kunkel S, Plesser HE (2018) Reproducing polychronization:
a guide to maximizing the reproducibility of spiking network models. Front
Neuroinform 12:46.
"""
import numpy as np

from libc.stdlib cimport calloc, malloc, realloc, free
from libc.string cimport memcpy


cdef enum:
    N_MAX = 1000          # neurons of the original (N)
    M_OUT = 100           # outgoing synapses per neuron (M)
    D_MAX = 20            # maximal delay, ms (D)
    W = 3                 # anchors per group
    POLYLENMAX = 1000     # maximal spikes per group and length of the test (ms)
    LATENCY = 20          # look-back window of the layer computation, ms
    ROW = 1000            # slots per row of the delivery buffer (N of the original)
    N_SLOTS = 1000000     # POLYLENMAX rows of ROW slots
    LINKS_CAP = 6000      # 2 * W * POLYLENMAX links in the original
    T_CAP = 979           # POLYLENMAX - D_MAX - 1: latest stop of a test

# Byte offsets in the arena that mirrors the original's global arrays (see
# the module docstring): links[6000][4] int, N_links int (+ 12 bytes of
# alignment), C double[N_SLOTS], L, D, J, I int[N_SLOTS], N_postspikes
# int[POLYLENMAX].
cdef enum:
    OFF_LINKS = 0
    OFF_N_LINKS = 96000
    OFF_C = 96032
    OFF_L = 8096032
    OFF_D = 12096032
    OFF_J = 16096032
    OFF_I = 20096032
    OFF_COUNT = 24096032
    ARENA_BYTES = 24100032
    SLOT_LIMIT = 1001000  # I-slots up to the end of the row counts

cdef enum:
    ERR_NONE = 0
    ERR_MEMORY = 1
    ERR_LAYOUT = 2        # the original would write past its row counts
    ERR_TARGET = 3        # a corrupted buffer entry names no neuron


cdef struct Finder:
    # network, read only
    int n                    # neurons simulated (N_MAX)
    int n_exc
    double c_rel
    int min_layers
    const double *a
    const double *d
    const int *fire_start    # CSR over neurons: synapses a spike schedules,
    const int *fire_post     #   in the original's (delay, reading) order
    const int *fire_dd       #   (delay - 1 ms)
    const double *fire_w
    const int *in_start      # CSR over targets: excitatory synapses in
    const int *in_pre        #   reading order
    const int *in_dd
    const double *in_w
    # the original's global arrays, laid out as it lays them out
    char *arena
    int *links
    int *count               # inputs per delivery row (N_postspikes)
    int *buf_post            # I_postspikes
    int *buf_pre             # J_postspikes
    int *buf_dd              # D_postspikes
    double *buf_w            # C_postspikes
    # test network
    double *v
    double *u
    double *input
    char *active             # has received input in this test
    int *active_list
    int n_active
    double *rest_v           # input-free trajectory, [2][POLYLENMAX + 1]
    double *rest_u
    int *fired_now
    int *best_layer          # largest layer of a recorded spike, per neuron
    # the candidate group
    int group[POLYLENMAX]
    int t_fired[POLYLENMAX]
    int layer[POLYLENMAX]
    int n_fired
    int my_pre[3 * M_OUT]
    int my_dd[3 * M_OUT]
    int timing               # arrival of the last synapse scheduled
    # accepted groups: records [pivot, N_fired, L_max, N_links,
    # (neuron, time, layer) * N_fired, (pre, post, dd, layer) * N_links]
    int *out
    Py_ssize_t out_len
    Py_ssize_t out_cap
    int error


# ------------------------------------------------------------ the buffer
cdef inline void schedule(Finder *f, int timing, int post, int pre, int dd,
                          double w) noexcept nogil:
    """Append an input to row ``timing``, spilling as the original does.

    The stores come in the order of the compiled original (source, count,
    delay, weight, target): a target spilled past the last row lands on the
    row counts, possibly on this row's own count, and then wins over the
    incremented count."""
    cdef int n = f.count[timing]
    cdef Py_ssize_t k = <Py_ssize_t>timing * ROW + n
    if k >= SLOT_LIMIT:
        f.error = ERR_LAYOUT
        return
    f.buf_pre[k] = pre
    f.count[timing] = n + 1
    f.buf_dd[k] = dd
    f.buf_w[k] = w
    f.buf_post[k] = post


cdef inline void set_link(Finder *f, Py_ssize_t j, int pre, int post, int dd,
                          int layer) noexcept nogil:
    cdef int vals[4]
    if j < LINKS_CAP:
        f.links[4 * j] = pre
        f.links[4 * j + 1] = post
        f.links[4 * j + 2] = dd
        f.links[4 * j + 3] = layer
    else:
        # past the original's links array: over N_links and the weights
        vals[0] = pre
        vals[1] = post
        vals[2] = dd
        vals[3] = layer
        memcpy(f.arena + OFF_LINKS + 16 * j, vals, 16)


cdef inline int get_link(Finder *f, Py_ssize_t j, int c) noexcept nogil:
    cdef int x
    if j < LINKS_CAP:
        return f.links[4 * j + c]
    memcpy(&x, f.arena + OFF_LINKS + 16 * j + 4 * c, 4)
    return x


# ------------------------------------------------------------ the neurons
cdef inline void step_neuron(double *v, double *u, double inp, double a) noexcept nogil:
    """One 1-ms step of the original: two half steps of v, then u."""
    cdef double vi = v[0], ui = u[0]
    vi = vi + 0.5 * ((0.04 * vi + 5.0) * vi + 140.0 - ui + inp)
    vi = vi + 0.5 * ((0.04 * vi + 5.0) * vi + 140.0 - ui + inp)
    ui = ui + a * (0.2 * vi - ui)
    v[0] = vi
    u[0] = ui


cdef int rest_trajectory(Finder *f, double a_exc, double a_inh) noexcept nogil:
    """State after k input-free steps, for both neuron classes; 0 if it never
    reaches threshold (so a neuron without input can not fire)."""
    cdef int c, k
    cdef double v, u, a
    for c in range(2):
        a = a_exc if c == 0 else a_inh
        v = -70.0
        u = 0.2 * v
        for k in range(POLYLENMAX + 1):
            f.rest_v[c * (POLYLENMAX + 1) + k] = v
            f.rest_u[c * (POLYLENMAX + 1) + k] = u
            step_neuron(&v, &u, 0.0, a)
            if v >= 30.0:
                return -1
    return 0


cdef inline void receive(Finder *f, int i, int t, double w) noexcept nogil:
    """Add an input to neuron i at step t; a neuron's first input takes it
    off the input-free trajectory, at the state it has reached by then."""
    cdef int c
    if not f.active[i]:
        c = 0 if i < f.n_exc else 1
        f.v[i] = f.rest_v[c * (POLYLENMAX + 1) + t]
        f.u[i] = f.rest_u[c * (POLYLENMAX + 1) + t]
        f.active[i] = 1
        f.active_list[f.n_active] = i
        f.n_active += 1
    f.input[i] = f.input[i] + w


cdef void reset_network(Finder *f) noexcept nogil:
    cdef int q, i
    for q in range(f.n_active):
        i = f.active_list[q]
        f.active[i] = 0
        f.input[i] = 0.0
    f.n_active = 0


cdef int deliver(Finder *f, int t) noexcept nogil:
    cdef int p, n = f.count[t], i
    cdef Py_ssize_t base = <Py_ssize_t>t * ROW
    if base + n > SLOT_LIMIT:
        f.error = ERR_LAYOUT
        return -1
    for p in range(n):
        i = f.buf_post[base + p]
        if i < 0 or i >= f.n:
            f.error = ERR_TARGET
            return -1
        receive(f, i, t, f.buf_w[base + p])
    return 0


cdef int integrate(Finder *f) noexcept nogil:
    """Integrate the neurons with input; the ones at threshold go to
    ``fired_now`` in ascending index order.  Returns their number."""
    cdef int q, i, nf = 0, k, x
    for q in range(f.n_active):
        i = f.active_list[q]
        step_neuron(&f.v[i], &f.u[i], f.input[i], f.a[i])
        f.input[i] = 0.0
        if f.v[i] >= 30.0:
            # insertion sort: the original tests the neurons by index
            k = nf
            while k > 0 and f.fired_now[k - 1] > i:
                f.fired_now[k] = f.fired_now[k - 1]
                k -= 1
            f.fired_now[k] = i
            nf += 1
    return nf


cdef int fire(Finder *f, int i, int t, int t_last) noexcept nogil:
    """Reset neuron i, record its spike and schedule its synapses; returns
    the new stop time."""
    cdef int s
    f.v[i] = -65.0
    f.u[i] = f.u[i] + f.d[i]
    if f.n_fired < POLYLENMAX:
        f.t_fired[f.n_fired] = t
        f.group[f.n_fired] = i
        f.n_fired += 1
        for s in range(f.fire_start[i], f.fire_start[i + 1]):
            f.timing = t + f.fire_dd[s] + 1
            schedule(f, f.timing, f.fire_post[s], i, f.fire_dd[s], f.fire_w[s])
        # the previous arrival time if this neuron scheduled nothing
        if t_last < f.timing + 1:
            t_last = f.timing + 1
            if t_last > T_CAP:
                t_last = T_CAP
    return t_last


# ------------------------------------------------------------ one triplet
cdef int start_anchors(Finder *f, const int *npre) noexcept nogil:
    """Place the anchors, schedule their synapses; returns Dmax."""
    cdef int k, s, pre, dd_pivot, dmax = 0
    for k in range(W):
        if dmax < f.my_dd[npre[k]]:
            dmax = f.my_dd[npre[k]]
    for k in range(W):
        pre = f.my_pre[npre[k]]
        dd_pivot = f.my_dd[npre[k]]
        f.group[k] = pre
        f.t_fired[k] = dmax - dd_pivot
        f.layer[k] = 1
        # anchors are excitatory: their spike list holds their strong synapses
        for s in range(f.fire_start[pre], f.fire_start[pre + 1]):
            if f.fire_dd[s] >= dd_pivot:
                f.timing = f.t_fired[k] + f.fire_dd[s] + 1
                schedule(f, f.timing, f.fire_post[s], pre, f.fire_dd[s], f.fire_w[s])
    f.n_fired = W
    return dmax


cdef int simulate(Finder *f) noexcept nogil:
    """The test simulation; returns t_last."""
    cdef int t = -1, t_last = 2 * D_MAX + LATENCY + 1, nf, q
    while True:
        t += 1
        if not (t < t_last and f.n_fired < POLYLENMAX):
            break
        if deliver(f, t) < 0:
            break
        nf = integrate(f)
        for q in range(nf):
            t_last = fire(f, f.fired_now[q], t, t_last)
        if f.error:
            break
    return t_last


cdef Py_ssize_t compute_layers(Finder *f, int *l_max) noexcept nogil:
    """Layers of the spikes after the anchors and the links; returns N_links."""
    cdef int i, k, p, j, n, tf, gi, pre, li, lm = 0
    cdef Py_ssize_t base, n_links = 0
    for k in range(W):
        if f.best_layer[f.group[k]] < f.layer[k]:
            f.best_layer[f.group[k]] = f.layer[k]
    for i in range(W, f.n_fired):
        li = 0
        tf = f.t_fired[i]
        gi = f.group[i]
        p = tf
        while p > tf - LATENCY and p >= 0:
            n = f.count[p]
            base = <Py_ssize_t>p * ROW
            if base + n > SLOT_LIMIT:
                f.error = ERR_LAYOUT
                return 0
            for j in range(n):
                pre = f.buf_pre[base + j]
                if f.buf_post[base + j] == gi and pre < f.n_exc:
                    # the best earlier spike of pre (best_layer holds the
                    # spikes before i only; -1: none)
                    if pre >= 0 and pre < f.n and f.best_layer[pre] + 1 > li:
                        li = f.best_layer[pre] + 1
                    if OFF_LINKS + 16 * (n_links + 1) > OFF_L:
                        f.error = ERR_LAYOUT
                        return 0
                    set_link(f, n_links, pre, gi, f.buf_dd[base + j], li)
                    n_links += 1
                    if lm < li:
                        lm = li
            p -= 1
        f.layer[i] = li
        if f.best_layer[gi] < li:
            f.best_layer[gi] = li
    for i in range(f.n_fired):
        f.best_layer[f.group[i]] = -1
    # the original keeps the count in a register and stores it at the end,
    # over link 6000 if there are more links
    (<int *>(f.arena + OFF_N_LINKS))[0] = <int>n_links
    l_max[0] = lm
    return n_links


cdef bint anchors_used(Finder *f, Py_ssize_t n_links) noexcept nogil:
    """False if an anchor is the source of exactly one link to an
    excitatory neuron (the original's discard rule)."""
    cdef int k, used
    cdef Py_ssize_t j
    for k in range(W):
        used = 0
        for j in range(n_links):
            if get_link(f, j, 0) == f.group[k] and get_link(f, j, 1) < f.n_exc:
                used += 1
        if used == 1:
            return False
    return True


cdef int grow_out(Finder *f, Py_ssize_t extra) noexcept nogil:
    cdef Py_ssize_t cap = f.out_cap
    cdef int *p
    if f.out_len + extra <= cap:
        return 0
    while cap < f.out_len + extra:
        cap = 2 * cap + 1024
    p = <int *>realloc(f.out, cap * sizeof(int))
    if p == NULL:
        f.error = ERR_MEMORY
        return -1
    f.out = p
    f.out_cap = cap
    return 0


cdef void store_group(Finder *f, int pivot, int l_max, Py_ssize_t n_links) noexcept nogil:
    cdef Py_ssize_t i, j, o
    if grow_out(f, 4 + 3 * f.n_fired + 4 * n_links) < 0:
        return
    o = f.out_len
    f.out[o] = pivot
    f.out[o + 1] = f.n_fired
    f.out[o + 2] = l_max
    f.out[o + 3] = <int>n_links
    o += 4
    for i in range(f.n_fired):
        f.out[o] = f.group[i]
        f.out[o + 1] = f.t_fired[i]
        f.out[o + 2] = f.layer[i]
        o += 3
    for j in range(n_links):
        for i in range(4):
            f.out[o + i] = get_link(f, j, <int>i)
        o += 4
    f.out_len = o


cdef void test_triplet(Finder *f, int pivot, const int *npre) noexcept nogil:
    cdef int dmax, t_last, l_max, dd
    cdef Py_ssize_t n_links
    dmax = start_anchors(f, npre)
    if f.error:
        return
    t_last = simulate(f)
    if f.error:
        return
    if f.n_fired > 2 * W:
        n_links = compute_layers(f, &l_max)
        if f.error:
            return
        if anchors_used(f, n_links) and l_max >= f.min_layers:
            store_group(f, pivot, l_max, n_links)
    # clear the rows this test used; inputs at 979 ms or later stay (see
    # the module docstring: the second clearing never triggers)
    for dd in range(dmax, t_last):
        f.count[dd] = 0
    if t_last == POLYLENMAX - D_MAX:
        for dd in range(t_last, POLYLENMAX):
            f.count[dd] = 0
    reset_network(f)


cdef void search_pivot(Finder *f, int pivot) noexcept nogil:
    """All anchor triplets of one pivot, in the original's order."""
    cdef int n_my = 0, k, i
    cdef int npre[W]
    for k in range(f.in_start[pivot], f.in_start[pivot + 1]):
        if f.in_w[k] > f.c_rel:
            f.my_pre[n_my] = f.in_pre[k]
            f.my_dd[n_my] = f.in_dd[k]
            n_my += 1
    if n_my < W:
        return
    for k in range(W):
        npre[k] = k
    while True:
        test_triplet(f, pivot, npre)
        if f.error:
            return
        # next combination: raise the last position that can still grow
        i = 1
        while True:
            npre[W - i] += 1
            if npre[W - i] <= n_my - i:
                break
            i += 1
            if i > W:
                return
        while i > 1:
            npre[W - i + 1] = npre[W - i] + 1
            i -= 1


# ------------------------------------------------------------ Python side
def _as_int_array(x, name):
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)) \
                or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integers")
    return arr.astype(np.int64)


def _network_tables(pre, post, delay, weight, n_exc, c_rel):
    """CSR tables in the order the original builds its lists."""
    n_syn = pre.size
    reading = np.arange(n_syn)
    dd = delay - 1
    # a neuron's synapses by delay, then in reading order (its per-delay lists)
    order = np.lexsort((reading, dd, pre))
    scheduled = (weight[order] > c_rel) | (pre[order] >= n_exc)
    fire = order[scheduled]
    fire_start = np.zeros(N_MAX + 1, np.int32)
    np.cumsum(np.bincount(pre[fire], minlength=N_MAX), out=fire_start[1:])
    # excitatory synapses onto each target, in reading order
    exc = np.flatnonzero(pre < n_exc)
    into = exc[np.argsort(post[exc], kind="stable")]
    in_start = np.zeros(N_MAX + 1, np.int32)
    np.cumsum(np.bincount(post[into], minlength=N_MAX), out=in_start[1:])
    c = np.ascontiguousarray
    return {
        "fire_start": fire_start, "fire_post": c(post[fire], np.int32),
        "fire_dd": c(dd[fire], np.int32), "fire_w": c(weight[fire], np.float64),
        "in_start": in_start, "in_pre": c(pre[into], np.int32),
        "in_dd": c(dd[into], np.int32), "in_w": c(weight[into], np.float64),
    }


def _validate(pre, post, delay, weight, n_exc):
    pre = _as_int_array(pre, "pre")
    post = _as_int_array(post, "post")
    delay = _as_int_array(delay, "delay")
    weight = np.asarray(weight, np.float64)
    if weight.ndim != 1:
        raise ValueError(f"weight must be one-dimensional, got shape {weight.shape}")
    if not (pre.size == post.size == delay.size == weight.size):
        raise ValueError(f"pre, post, delay and weight must have the same length, got "
                         f"{pre.size}, {post.size}, {delay.size}, {weight.size}")
    if not 0 < n_exc <= N_MAX:
        raise ValueError(f"n_exc {n_exc} is not in 1..{N_MAX}")
    for name, idx in (("pre", pre), ("post", post)):
        if idx.size and (idx.min() < 0 or idx.max() >= N_MAX):
            bad = idx[(idx < 0) | (idx >= N_MAX)][0]
            raise ValueError(f"{name} index {bad} is out of range: the finder has "
                             f"{N_MAX} neurons, 0..{N_MAX - 1}")
    if delay.size and (delay.min() < 1 or delay.max() > D_MAX):
        bad = delay[(delay < 1) | (delay > D_MAX)][0]
        raise ValueError(f"delay {bad} ms is out of range: expected 1..{D_MAX} ms")
    n_out = np.bincount(pre, minlength=N_MAX)
    if n_out.max(initial=0) > M_OUT:
        i = int(np.argmax(n_out))
        raise ValueError(f"neuron {i} has {n_out[i]} outgoing synapses, at most {M_OUT} "
                         f"fit the finder")
    n_in = np.bincount(post[pre < n_exc], minlength=N_MAX)
    if n_in.max(initial=0) > 3 * M_OUT:
        i = int(np.argmax(n_in))
        raise ValueError(f"neuron {i} has {n_in[i]} incoming excitatory synapses, at most "
                         f"{3 * M_OUT} fit the finder")
    return pre, post, delay, weight


def _groups_from_records(const int[::1] rec):
    groups = []
    arr = np.asarray(rec)
    cdef Py_ssize_t o = 0, n = rec.shape[0]
    cdef int n_fired, n_links
    while o < n:
        n_fired = rec[o + 1]
        n_links = rec[o + 3]
        spikes = arr[o + 4:o + 4 + 3 * n_fired].reshape(n_fired, 3).astype(np.int64)
        links = arr[o + 4 + 3 * n_fired:o + 4 + 3 * n_fired + 4 * n_links]
        groups.append({"pivot": int(rec[o]), "N_fired": n_fired, "L_max": int(rec[o + 2]),
                       "neurons": spikes[:, 0].copy(), "times": spikes[:, 1].copy(),
                       "layers": spikes[:, 2].copy(),
                       "links": links.reshape(n_links, 4).astype(np.int64)})
        o += 4 + 3 * n_fired + 4 * n_links
    return groups


def find_groups(pre, post, delay, weight, n_exc=800, pivots=None, min_layers=7,
                w_max=10.0, progress=False):
    """Polychronous groups found exactly as the original C++ finder finds them.

    Parameters
    ----------
    pre, post : array_like of int
        0-based neuron indices of each synapse's source and target;
        ``0..n_exc-1`` are excitatory, the rest (up to 999) inhibitory.  The
        finder has a fixed network of 1000 neurons, as the original.
    delay : array_like of int
        Delays in ms, 1..20 (integral floats are accepted).
    weight : array_like of float
        Synaptic weights (float64).  One entry per synapse in all four
        arrays, in the order the original reads them: it matters, since
        the original keeps each neuron's synapses in reading order.
    n_exc : int
        Number of excitatory neurons (a 0.02, d 8; the others a 0.1, d 2).
    pivots : iterable of int, optional
        Excitatory neurons to search, in this order; default all
        ``0..n_exc-1`` in ascending order as the original.
    min_layers : int
        Smallest accepted longest path ``L_max`` (the original: 7).
    w_max : float
        Maximal weight; synapses above ``0.95 * w_max`` are strong.
    progress : bool
        Show a tqdm progress bar over the pivots.

    Returns
    -------
    list of dict
        The accepted groups in the order found, each with ``pivot``,
        ``N_fired`` (spikes including the three anchors), ``L_max``,
        ``neurons``, ``times`` (ms) and ``layers`` (int arrays over the
        spikes, in firing order, anchors first) and ``links`` (int array
        [n, 4]: pre, post, delay - 1 ms, layer), as the original reports
        them.

    Raises
    ------
    ValueError
        If the network does not fit the original's fixed sizes (indices
        outside 0..999, delays outside 1..20 ms, more than 100 outgoing
        synapses of a neuron or more than 300 incoming excitatory ones),
        the arrays differ in length, or a pivot is not excitatory.
    RuntimeError
        If the original would write outside the arrays it is emulated by
        (not seen in practice).

    Examples
    --------
    >>> from pynestlite.analysis.polychronous import find_groups
    >>> groups = find_groups(pre, post, delay, weight)      # doctest: +SKIP
    >>> len(groups), groups[0]["L_max"]                     # doctest: +SKIP
    """
    n_exc = int(n_exc)
    pre, post, delay, weight = _validate(pre, post, delay, weight, n_exc)
    if pivots is None:
        pivot_list = list(range(n_exc))
    else:
        pivot_list = [int(p) for p in _as_int_array(list(pivots), "pivots")]
        for p in pivot_list:
            if not 0 <= p < n_exc:
                raise ValueError(f"pivot {p} is not an excitatory neuron (0..{n_exc - 1})")
    c_rel = 0.95 * float(w_max)
    tables = _network_tables(pre, post, delay, weight, n_exc, c_rel)
    a_arr = np.where(np.arange(N_MAX) < n_exc, 0.02, 0.1)
    d_arr = np.where(np.arange(N_MAX) < n_exc, 8.0, 2.0)

    cdef const int[::1] fire_start = tables["fire_start"]
    cdef const int[::1] fire_post = tables["fire_post"]
    cdef const int[::1] fire_dd = tables["fire_dd"]
    cdef const double[::1] fire_w = tables["fire_w"]
    cdef const int[::1] in_start = tables["in_start"]
    cdef const int[::1] in_pre = tables["in_pre"]
    cdef const int[::1] in_dd = tables["in_dd"]
    cdef const double[::1] in_w = tables["in_w"]
    cdef const double[::1] a = a_arr
    cdef const double[::1] d = d_arr
    # empty lists still need a valid address
    cdef int dummy_i = 0
    cdef double dummy_w = 0.0

    cdef Finder *f = <Finder *>calloc(1, sizeof(Finder))
    if f == NULL:
        raise MemoryError()
    cdef int pivot
    cdef int[::1] rec_view
    bar = None
    try:
        f.n = N_MAX
        f.n_exc = n_exc
        f.c_rel = c_rel
        f.min_layers = int(min_layers)
        f.a = &a[0]
        f.d = &d[0]
        f.fire_start = &fire_start[0]
        f.fire_post = &fire_post[0] if fire_post.shape[0] else &dummy_i
        f.fire_dd = &fire_dd[0] if fire_dd.shape[0] else &dummy_i
        f.fire_w = &fire_w[0] if fire_w.shape[0] else &dummy_w
        f.in_start = &in_start[0]
        f.in_pre = &in_pre[0] if in_pre.shape[0] else &dummy_i
        f.in_dd = &in_dd[0] if in_dd.shape[0] else &dummy_i
        f.in_w = &in_w[0] if in_w.shape[0] else &dummy_w
        # zeroed like the original's globals at program start
        f.arena = <char *>calloc(ARENA_BYTES, 1)
        f.v = <double *>calloc(N_MAX, sizeof(double))
        f.u = <double *>calloc(N_MAX, sizeof(double))
        f.input = <double *>calloc(N_MAX, sizeof(double))
        f.active = <char *>calloc(N_MAX, 1)
        f.active_list = <int *>calloc(N_MAX, sizeof(int))
        f.fired_now = <int *>calloc(N_MAX, sizeof(int))
        f.best_layer = <int *>malloc(N_MAX * sizeof(int))
        f.rest_v = <double *>calloc(2 * (POLYLENMAX + 1), sizeof(double))
        f.rest_u = <double *>calloc(2 * (POLYLENMAX + 1), sizeof(double))
        if (f.arena == NULL or f.v == NULL or f.u == NULL or f.input == NULL
                or f.active == NULL or f.active_list == NULL or f.fired_now == NULL
                or f.best_layer == NULL or f.rest_v == NULL or f.rest_u == NULL):
            raise MemoryError()
        for pivot in range(N_MAX):
            f.best_layer[pivot] = -1
        f.links = <int *>(f.arena + OFF_LINKS)
        f.buf_w = <double *>(f.arena + OFF_C)
        f.buf_dd = <int *>(f.arena + OFF_D)
        f.buf_pre = <int *>(f.arena + OFF_J)
        f.buf_post = <int *>(f.arena + OFF_I)
        f.count = <int *>(f.arena + OFF_COUNT)
        if rest_trajectory(f, 0.02, 0.1) < 0:
            raise RuntimeError("a neuron without input reaches threshold")

        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(pivot_list), desc="pivots", unit="pivot")
        for pivot in pivot_list:
            with nogil:
                search_pivot(f, pivot)
            if f.error == ERR_MEMORY:
                raise MemoryError()
            if f.error:
                raise RuntimeError(
                    f"pivot {pivot}: the original finder writes outside its arrays "
                    "here (past its delivery-row counts); its result depends on the "
                    "binary and is not emulated")
            if bar is not None:
                bar.update(1)
        if f.out_len == 0:
            return []
        records = np.empty(f.out_len, np.int32)
        rec_view = records
        memcpy(&rec_view[0], f.out, f.out_len * sizeof(int))
        return _groups_from_records(records)
    finally:
        if bar is not None:
            bar.close()
        free(f.arena)
        free(f.v)
        free(f.u)
        free(f.input)
        free(f.active)
        free(f.active_list)
        free(f.fired_now)
        free(f.best_layer)
        free(f.rest_v)
        free(f.rest_u)
        free(f.out)
        free(f)
