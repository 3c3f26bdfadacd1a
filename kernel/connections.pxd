# cython: language_level=3
from libc.stdint cimport int64_t, int32_t, uint32_t, uint16_t, uint8_t
from pynestlite.kernel.nodebase cimport SliceContext, owns_target, split_threads

cdef class SynapseTable:
    cdef public str synapse_model
    cdef public object row_ptr
    cdef public dict cols            # column name -> numpy array, one entry per synapse
    cdef public list pending         # chunks (sources, {column: array or scalar}) to finalize
    cdef public int64_t n_rows
    cdef public set uniform         # compact columns currently held as one value
    cdef public list layout_log      # layout changes since layout_base (see remap_indices)
    cdef public int64_t layout_base  # layout version of layout_log[0]
    cdef public object layout_users  # weak set of the SynapseCollection stores indexing us
    cdef public bint failed          # an allocation in nogil code failed (checked by the loop)
    cdef int64_t[::1] rp
    cdef uint32_t[::1] cd
    cdef uint16_t[::1] dl
    # transmissions for a weight_recorder (plastic models): synapse index,
    # spike stamp, weight
    cdef public object weight_recorder
    cdef bint wr_on
    cdef int64_t *wr_k
    cdef int64_t *wr_stamp
    cdef double *wr_w
    cdef readonly int64_t wr_n, wr_cap   # logged transmissions, buffer capacity
    cdef int wr_failed
    cdef public int64_t wr_index     # the bound recorder's place in its block
    cdef uint8_t[::1] wr_sel         # per synapse: logged (senders/targets filter)
    cdef bint wr_all                 # no filter: every transmission is logged
    cdef object wr_sel_key
    # threads: per row, where each thread's synapses start (rows ordered by
    # the target's thread; [n_rows, threads + 1]), or no rows (any order)
    cdef int64_t[:, ::1] tseg
    cdef bint has_tseg
    cdef public object tseg_key
    cdef int record_weight(self, int64_t k, int64_t stamp, double w) noexcept nogil
    cdef void pre_deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                          int64_t n, int64_t origin) noexcept nogil
    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil
    cdef void deliver_flagged(self, SliceContext *ctx, const int64_t *gids,
                              const int32_t *lags, const uint8_t *flush, int64_t n,
                              int64_t origin) noexcept nogil
    cdef void deliver_values(self, SliceContext *ctx, const int64_t *keys,
                             const double *vals, int64_t n, int64_t origin) noexcept nogil
    cdef int64_t next_update(self, int64_t after) noexcept nogil
    cdef void advance(self, SliceContext *ctx, int64_t p, int64_t end) noexcept nogil


cdef class StaticSynapseTable(SynapseTable):
    cdef double[::1] w
    cdef Py_ssize_t s_w          # weight stride: 0 while compact (a model-level weight)
    cdef void deliver_precise(self, SliceContext *ctx, const int64_t *gids,
                              const int32_t *lags, int64_t n, int64_t origin) noexcept nogil
    cdef void deliver_owned(self, SliceContext *ctx, const int64_t *gids,
                            const int32_t *lags, int64_t n, int64_t origin) noexcept nogil


cdef class RecordingTable(SynapseTable):
    pass


cdef class DetectorTable(SynapseTable):
    cdef int64_t *ev_k
    cdef int64_t *ev_stamp
    cdef int64_t *ev_due
    cdef int64_t ev_n, ev_cap
    cdef int64_t[::1] live_col       # per synapse: column of live_ring (-1: logged)
    cdef double[:, ::1] live_ring    # [ring_len, live receivers]: spike counts by arrival step
    cdef bint has_live
    cdef public object live_gids     # the live receivers' gids (ascending)


cdef inline bint row_span(SynapseTable tab, SliceContext *ctx, int64_t g, int64_t *k0,
                          int64_t *k1) noexcept nogil:
    """The synapses ``k0 .. k1 - 1`` of row ``g`` that the calling thread
    delivers: the whole row on one thread, the thread's segment on several
    (rows in thread order); True when the thread must still check each
    synapse's target (``owns_target``: rows in another order)."""
    cdef int t = ctx.thread
    if not split_threads(ctx):
        k0[0] = tab.rp[g]
        k1[0] = tab.rp[g + 1]
        return False
    if tab.has_tseg and tab.tseg.shape[0] == tab.n_rows and t + 1 < tab.tseg.shape[1]:
        k0[0] = tab.tseg[g, t]
        k1[0] = tab.tseg[g, t + 1]
        return False
    k0[0] = tab.rp[g]
    k1[0] = tab.rp[g + 1]
    return True
