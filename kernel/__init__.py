"""Cython core of pynestlite: scheduler, ring buffers, connection tables,
spike exchange and random streams."""
import os

# Threads that finish a parallel phase first wait for the others.  OpenMP's
# default wait spins for a long time before it yields the core; when a thread
# shares its core with another process (a busy node, more threads than free
# cores) the spinning thread keeps the core from the thread it waits for, and
# two threads ran 2-3x slower than one on a 2-core machine with one core
# busy.  A short spin keeps the fast hand-over between phases and yields the
# core soon after.  The OpenMP run time reads the setting once, when it
# loads with the scheduler; a setting of the user's own is kept, and child
# processes see the environment as it was.
_SPIN = ("GOMP_SPINCOUNT", "1000")
_own = not any(k in os.environ for k in ("OMP_WAIT_POLICY", _SPIN[0]))
if _own:
    os.environ[_SPIN[0]] = _SPIN[1]
try:
    from pynestlite.kernel import scheduler  # noqa: E402,F401  (loads the OpenMP run time)
finally:
    if _own:
        os.environ.pop(_SPIN[0], None)
