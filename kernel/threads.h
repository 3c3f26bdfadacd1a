/*
 * threads.h -- whether the kernel was compiled with OpenMP, and its thread count.
 *
 * The scheduler runs its parallel phases with OpenMP when the compiler
 * supports it (setup.py probes for -fopenmp); without it every phase runs on
 * one thread and pnl_max_threads() is 1.
 */
#ifndef PYNESTLITE_THREADS_H
#define PYNESTLITE_THREADS_H

#ifdef _OPENMP
#include <omp.h>
#define PNL_OPENMP 1
static inline int pnl_max_threads(void) { return omp_get_num_procs(); }
#else
#define PNL_OPENMP 0
static inline int pnl_max_threads(void) { return 1; }
#endif

#endif
