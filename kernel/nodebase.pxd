# cython: language_level=3
"""Shared C-level types of the simulation loop: slice context, spike
register and the base class of every node block (one block = the local
nodes of one ``Create`` call, stored as a structure of arrays)."""
from libc.stdint cimport int64_t, int32_t, uint64_t, uint32_t, uint8_t, INT64_MAX
from pynestlite.kernel.archive cimport pnl_archive

cdef extern from "spike_register.h" nogil:
    ctypedef struct pnl_register:
        int64_t *gid
        int32_t *lag
        double *off
        int64_t n
        int64_t cap
        int failed
    void pnl_register_init(pnl_register *r)
    void pnl_register_free(pnl_register *r)
    int pnl_register_reserve(pnl_register *r, int64_t cap)
    void pnl_register_push(pnl_register *r, int64_t gid, int32_t lag, int64_t mult)
    void pnl_register_push_off(pnl_register *r, int64_t gid, int32_t lag, int64_t mult,
                               double off)
    ctypedef struct pnl_pevents:
        int64_t *chan
        int64_t *step
        double *off
        double *val
        int64_t n
        int64_t cap
        int64_t epoch
        int failed
    void pnl_pevents_init(pnl_pevents *e)
    void pnl_pevents_free(pnl_pevents *e)
    void pnl_pevents_push(pnl_pevents *e, int64_t chan, int64_t step, double off, double val)
    ctypedef struct pnl_vregister:
        int64_t *key
        double *val
        int64_t n
        int64_t cap
        int failed
    void pnl_vregister_init(pnl_vregister *r)
    void pnl_vregister_free(pnl_vregister *r)
    int pnl_vregister_reserve(pnl_vregister *r, int64_t n)
    void pnl_vregister_push(pnl_vregister *r, int64_t gid, int32_t lag, int kind, double value)

ctypedef struct SliceContext:
    double *inbuf          # ring buffer [ring_len][row_width] of input channels
    int64_t ring_len       # min_delay + max_delay slots
    int64_t row_width      # channels per slot (all local input channels)
    int64_t origin         # first step of the current slice
    int64_t min_delay      # slice length in steps
    double h               # resolution in ms
    uint64_t seed          # rng_seed
    pnl_register *reg      # local spike register of the slice
    pnl_register *flush    # local flush events of the slice (e-prop: no spike, but
                           # the synapses integrate their traces up to now)
    pnl_vregister *values  # values sent over secondary connections (learning signals)
    pnl_archive *archive   # per local neuron slot: latest spike, history (plastic targets)
    const int64_t *chan_slot   # input channel -> local neuron slot (the synapse's target)
    int64_t n_chan         # entries of chan_slot
    int64_t rank           # this rank; slot of gid g is (g - 1) / n_ranks
    int64_t n_ranks
    # precise spike times (models with precise input or output; all NULL
    # in a network without them)
    const double *loff     # offsets of the ordered local keys of the record phase
    const double *goff     # offsets of the spikes being delivered
    const uint8_t *chan_precise   # per input channel: how it takes single events
                                  # (CHAN_SUMMED, CHAN_PRECISE, CHAN_BINARY)
    pnl_pevents *pev       # precise input in flight (see spike_register.h)
    # binary input (channels marked CHAN_BINARY; NULL without them): per
    # input channel the sender and the emission step of the latest event
    int64_t *bin_src
    int64_t *bin_stamp
    # spike payloads (models that send a value with each spike in the
    # offset field, e.g. a release fraction; NULL in a network without
    # receptors that read it)
    const uint8_t *chan_payload   # per input channel: weight times the spike's payload
    # threads: the nodes ``lo .. hi - 1`` of the block being updated (all of
    # them on one thread), the calling thread and the local neuron slots it
    # owns (``slot_lo .. slot_hi - 1``: their nodes, their input channels and
    # so the synapses and device connections that reach them)
    int64_t lo
    int64_t hi
    int thread
    int64_t slot_lo
    int64_t slot_hi

# Channel codes stored with every synapse: (channel << 2) | count | split.
# split: negative weights go to channel + 1 (models with ex/in buffers);
# count: the channel counts spikes instead of summing weights (parrots).
cdef inline void add_to_channel(double *row, uint32_t code, double w, double mult) noexcept nogil:
    cdef int64_t ch = code >> 2
    if code & 2:
        row[ch] += mult
    else:
        if (code & 1) and w < 0.0:
            ch += 1
        row[ch] += w * mult

# How an input channel takes the events the event-wise delivery path hands
# it (``SliceContext.chan_precise``; networks without precise or binary
# receivers use the summing path only):
cdef enum:
    CHAN_SUMMED = 0     # weight times multiplicity added to the ring buffer
    CHAN_PRECISE = 1    # queued with its offset (models with precise input)
    CHAN_BINARY = 2     # decoded as a binary transition (binary neurons)

# Signal types (NEST's): what a node sends and what it can take; a
# connection needs a common bit.
cdef enum:
    SIGNAL_SPIKE = 1
    SIGNAL_BINARY = 2
    SIGNAL_ALL = 3


cdef inline double binary_input(SliceContext *ctx, int64_t ch, int64_t src, int64_t stamp,
                                double w, double mult) noexcept nogil:
    """The change of a binary neuron's summed input ``h`` that an event of
    ``src`` emitted at step ``stamp`` with multiplicity ``mult`` encodes, as
    NEST decodes it per event: multiplicity 2 is an up-transition (+w); a
    single event is a down-transition (-w) unless it is the second of a pair
    from the same sender in the same step (up: the first counted -w, so +2w).
    Other multiplicities carry no transition."""
    cdef double v = 0.0
    if mult == 1.0:
        if ctx.bin_src[ch] == src and ctx.bin_stamp[ch] == stamp:
            v = 2.0 * w
        else:
            v = -w
    elif mult == 2.0:
        v = w
    ctx.bin_src[ch] = src
    ctx.bin_stamp[ch] = stamp
    return v


cdef inline void add_event(SliceContext *ctx, double *row, uint32_t code, double w,
                           double mult, int64_t step, double off, int64_t src,
                           int64_t stamp) noexcept nogil:
    """As :func:`add_to_channel` into ``row`` (the ring-buffer slot of
    absolute step ``step``) for one event of node ``src`` emitted at step
    ``stamp``, except that a channel taking precise input gets the event with
    its offset (ms before the end of ``step``) instead, a binary channel the
    transition it encodes (:func:`binary_input`), and a payload channel the
    weight times ``off`` (the value the sender put in the offset field)."""
    cdef int64_t ch = code >> 2
    cdef double v
    cdef uint8_t how
    if ctx.chan_precise != NULL and not (code & 2):
        how = ctx.chan_precise[ch]
        if how == CHAN_BINARY:
            row[ch] += binary_input(ctx, ch, src, stamp, w, mult)
            return
    if code & 2:
        v = mult
    else:
        if (code & 1) and w < 0.0:
            ch += 1
        v = w * mult
    if ctx.chan_payload != NULL and ctx.chan_payload[ch]:
        row[ch] += v * off
        return
    if ctx.chan_precise != NULL and ctx.chan_precise[ch] == CHAN_PRECISE:
        pnl_pevents_push(ctx.pev, ch, step, off, v)
    else:
        row[ch] += v

cdef inline bint split_threads(SliceContext *ctx) noexcept nogil:
    """Whether the caller is one of several threads, each sending or
    delivering to the targets of its own slots."""
    return ctx.slot_lo != 0 or ctx.slot_hi != INT64_MAX

cdef inline bint owns_target(SliceContext *ctx, uint32_t code) noexcept nogil:
    """Whether the calling thread owns the input channel of ``code`` (the
    slot of its target lies in the thread's range; a channel of no neuron
    slot counts as slot 0)."""
    cdef int64_t s = ctx.chan_slot[code >> 2]
    if s < 0:
        s = 0
    return ctx.slot_lo <= s and s < ctx.slot_hi

cdef inline double *input_row(SliceContext *ctx, long lag, int64_t chan_base) noexcept nogil:
    """The input channels of a block for step ``origin + lag`` (read, then zeroed)."""
    return ctx.inbuf + ((ctx.origin + lag) % ctx.ring_len) * ctx.row_width + chan_base


# Spike keys: (lag << PNL_GID_BITS) | gid; sorting them gives the canonical
# (lag, gid) order.
cdef enum:
    PNL_GID_BITS = 40

cdef inline int64_t key_gid(int64_t key) noexcept nogil:
    return key & ((<int64_t>1 << PNL_GID_BITS) - 1)

cdef inline int64_t key_lag(int64_t key) noexcept nogil:
    return key >> PNL_GID_BITS


cdef class NodeBlock:
    cdef public str model
    cdef public object gids
    cdef public Py_ssize_t n
    cdef public int64_t chan_base
    cdef public dict arrays
    cdef public object first_gid
    cdef public object last_gid
    cdef public int error_code      # set by update (nogil) on a numerical failure
    cdef public object frozen       # uint8 per node: not updated (NEST's ``frozen``)
    cdef public bint any_frozen     # some node of the block is frozen
    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil
    cdef void record(self, SliceContext *ctx, const int64_t *keys, int64_t n) noexcept nogil
    cdef int64_t next_sample(self, int64_t from_step) noexcept nogil
    cdef int update_frozen(self, SliceContext *ctx, long from_lag, long to_lag) except -1
