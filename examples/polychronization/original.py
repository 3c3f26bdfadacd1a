"""Compile and run Izhikevich's original ``poly_spnet.cpp`` as a reference.

The published program is changed only in what it does around the
simulation: the number of simulated seconds and the ``srand`` seed become
compile-time constants, each second appends ``sec E-spikes I-spikes`` to
``counts.txt``, and at the end every synapse ``i post s sd`` (full
precision) goes to ``weights.txt`` instead of the group search.  The
simulation loop itself is untouched.  Needs g++.
"""
import os
import shutil
import subprocess

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "reference",
                                       "polychronization", "poly_spnet.cpp"))


def available(source=SOURCE):
    """Whether the original source and a C++ compiler are at hand."""
    return os.path.exists(source) and shutil.which("g++") is not None


def patched_source(source=SOURCE):
    """The original program with the changes of the module docstring."""
    with open(source) as f:
        s = f.read()
    edits = [
        ("sec<5*60*60", "sec<SECS"),
        ("srand(0);", "srand(SEED);"),
        ('\t\tfx = fopen("..//dat.dat","a");',
         '\t\t{ FILE *fc = fopen("counts.txt", "a"); fprintf(fc, "%d %d %d\\n", sec, '
         '(int)(frate*Ne+0.5), (int)(ifrate*Ni+0.5)); fclose(fc); }\n'
         '\t\tfx = fopen("..//dat.dat","a");'),
        ('    save_all("..//all.dat");\n',
         '    { FILE *fw = fopen("weights.txt", "w");\n'
         '      for (int i=0;i<N;i++) for (int j=0;j<M;j++) fprintf(fw, "%d %d %.17g %.17g\\n",'
         ' i, post[i][j], s[i][j], sd[i][j]);\n'
         '      fclose(fw); }\n    return 0;\n'),
    ]
    for old, new in edits:
        if old not in s:
            raise RuntimeError(f"poly_spnet.cpp: expected text not found: {old!r}")
        s = s.replace(old, new, 1)
    return s


def build(workdir, seconds, seed=0, source=SOURCE):
    """Compile the patched program for ``seconds`` simulated seconds; returns its path."""
    os.makedirs(workdir, exist_ok=True)
    src = os.path.join(workdir, "poly_spnet_patched.cpp")
    with open(src, "w") as f:
        f.write(patched_source(source))
    exe = os.path.join(workdir, f"poly_spnet_{seconds}s_seed{seed}")
    subprocess.run(["g++", "-O2", f"-DSECS={int(seconds)}", f"-DSEED={int(seed)}", "-o", exe,
                    src], check=True, capture_output=True)
    return exe


def run(exe, workdir):
    """Run a built program in ``workdir/run`` (it also writes to its parent).

    Returns
    -------
    dict
        ``counts`` (int [seconds, 3]: sec, E spikes, I spikes), ``post``
        (int [1000, 100]), ``s`` and ``sd`` (float64 [1000, 100]).
    """
    rundir = os.path.join(workdir, "run")
    os.makedirs(rundir, exist_ok=True)
    for name in ("counts.txt", "weights.txt"):
        if os.path.exists(os.path.join(rundir, name)):
            os.remove(os.path.join(rundir, name))
    subprocess.run([exe], cwd=rundir, check=True, capture_output=True)
    counts = np.loadtxt(os.path.join(rundir, "counts.txt"), np.int64, ndmin=2)
    w = np.loadtxt(os.path.join(rundir, "weights.txt"))
    return {"counts": counts, "post": w[:, 1].astype(np.int64).reshape(1000, 100),
            "s": w[:, 2].reshape(1000, 100), "sd": w[:, 3].reshape(1000, 100)}
