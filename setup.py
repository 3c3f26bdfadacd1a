"""Build pynestlite: the Python front end plus the Cython kernel and models.

``kernel/`` installs as ``pynestlite.kernel``, ``models/`` as
``pynestlite.models`` and ``analysis/`` as ``pynestlite.analysis`` and ``hardware/`` as
``pynestlite.hardware``.  Cython resolves ``cimport pynestlite.kernel.x`` through
a small include tree of the .pxd files that is laid out here before
cythonizing.
"""
import filecmp
import glob
import os
import shutil

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE_TREE = os.path.join(HERE, "build", "cython_include")


def _stage_pxd():
    """Mirror kernel/*.pxd and models/*.pxd under pynestlite/{kernel,models}."""
    for sub in ("kernel", "models"):
        dest = os.path.join(INCLUDE_TREE, "pynestlite", sub)
        os.makedirs(dest, exist_ok=True)
        open(os.path.join(INCLUDE_TREE, "pynestlite", "__init__.pxd"), "a").close()
        open(os.path.join(dest, "__init__.pxd"), "a").close()
        for pxd in glob.glob(os.path.join(HERE, sub, "*.pxd")):
            target = os.path.join(dest, os.path.basename(pxd))
            # copied only when changed: a fresh mtime would make every module
            # that cimports it stale
            if not os.path.exists(target) or not filecmp.cmp(pxd, target, shallow=False):
                shutil.copyfile(pxd, target)


# the modules that open parallel regions (the others run inside them as
# plain functions and need no OpenMP)
OPENMP_MODULES = {"pynestlite.kernel.scheduler", "pynestlite.kernel.connections"}


def _openmp_flags():
    """-fopenmp if the C compiler builds and links an OpenMP program (else the
    kernel runs one thread: ``nest.build_info["threads_model"]`` says which)."""
    if os.name == "nt" or os.environ.get("PYNESTLITE_NO_OPENMP"):
        return []
    import tempfile
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler
    cc = new_compiler()
    customize_compiler(cc)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp_probe.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void) { int n = 0;\n"
                    "#pragma omp parallel reduction(+:n)\n n += 1;\n"
                    "return omp_get_max_threads() > 0 && n > 0 ? 0 : 1; }\n")
        try:
            objs = cc.compile([src], output_dir=tmp, extra_postargs=["-fopenmp"])
            cc.link_executable(objs, os.path.join(tmp, "omp_probe"),
                               extra_postargs=["-fopenmp"])
        except Exception:
            print("pynestlite: the C compiler has no OpenMP; the kernel runs one thread")
            return []
    return ["-fopenmp"]


def _extensions():
    exts = []
    omp = _openmp_flags()
    for sub in ("kernel", "models", "analysis", "hardware"):
        for pyx in sorted(glob.glob(os.path.join(sub, "*.pyx"))):
            name = os.path.splitext(os.path.basename(pyx))[0]
            par = omp if f"pynestlite.{sub}.{name}" in OPENMP_MODULES else []
            exts.append(Extension(
                f"pynestlite.{sub}.{name}", [pyx],
                include_dirs=[np.get_include(), "kernel", "models", "hardware"],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                # linked against libm, exp & co. bind to the C library's current
                # versions; unlinked they bind to the oldest, errno-setting wrappers
                libraries=["m"] if os.name != "nt" else [],
                extra_compile_args=(["-O3", "-fno-math-errno", "-ffp-contract=off"] + par
                                    if os.name != "nt" else []),
                extra_link_args=par,
            ))
    return exts


_stage_pxd()
setup(
    package_dir={"pynestlite": "pynestlite",
                 "pynestlite.kernel": "kernel",
                 "pynestlite.models": "models",
                 "pynestlite.analysis": "analysis",
                 "pynestlite.hardware": "hardware"},
    packages=["pynestlite", "pynestlite.spatial", "pynestlite.kernel", "pynestlite.models",
              "pynestlite.analysis",
              "pynestlite.hardware"],
    package_data={"pynestlite.kernel": ["*.pxd", "*.h"], "pynestlite.models": ["*.pxd", "*.h"],
                  "pynestlite.hardware": ["*.h"]},
    ext_modules=cythonize(
        _extensions(),
        include_path=[INCLUDE_TREE],
        # memoryviews are bound before any loop reads them (bind, pre_run):
        # no "initialized" test per access in the hot loops
        compiler_directives={"language_level": "3", "initializedcheck": False},
        nthreads=int(os.environ.get("PYNESTLITE_BUILD_JOBS", "0")) or None,
    ),
)
