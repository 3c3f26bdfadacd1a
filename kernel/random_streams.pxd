# cython: language_level=3
"""C declarations of the counter-based random streams (see philox.h)."""
from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "philox.h" nogil:
    ctypedef struct pnl_key:
        uint32_t k0
        uint32_t k1
    ctypedef struct pnl_stream:
        pnl_key key
        uint64_t gid
        uint64_t index
        double spare
        int has_spare
    pnl_key pnl_make_key(uint64_t seed, uint64_t purpose, uint64_t extra)
    void pnl_stream_init(pnl_stream *s, pnl_key key, uint64_t gid, uint64_t index)
    double pnl_uniform(pnl_stream *s)
    double pnl_uniform_pos(pnl_stream *s)
    int64_t pnl_uniform_int(pnl_stream *s, int64_t n)
    double pnl_normal(pnl_stream *s)
    double pnl_exponential(pnl_stream *s)
    int64_t pnl_poisson(pnl_stream *s, double mu)
    int64_t pnl_poisson_inversion(double u, double mu, double exp_minus_mu)
    void pnl_philox4x32_10(pnl_key key, uint64_t ctr_lo, uint64_t ctr_hi, uint32_t out[4])
    double pnl_bits_to_unit(uint32_t lo, uint32_t hi)

# Purpose codes: one per kind of use, so streams never overlap.
cpdef enum Purpose:
    PURPOSE_PARAMETER = 1      # nest.random parameters of nodes (Create / set)
    PURPOSE_CONNECT = 2        # choice of partners by connection rules
    PURPOSE_SYN_PARAMETER = 3  # nest.random weights / delays of synapses
    PURPOSE_POISSON = 4        # poisson_generator trains, per target
    PURPOSE_NOISE = 5          # noise_generator amplitudes, per target
    PURPOSE_NEURON = 6         # stochastic neuron dynamics, per neuron
    PURPOSE_SINUSOIDAL = 7     # sinusoidal_poisson_generator trains
    PURPOSE_INHOMOGENEOUS = 8  # inhomogeneous_poisson_generator trains, per target
    PURPOSE_BERNOULLI = 9      # bernoulli_synapse transmissions, per source
    PURPOSE_POISSON_PS = 10    # poisson_generator_ps trains, per target
    PURPOSE_QUANTAL = 11       # quantal_stp_synapse recovery and release, per source
    PURPOSE_PULSEPACKET = 12   # pulsepacket_generator spike times, per generator
