"""Compile and run the original C++ polychronous-group finder as a reference.

The finder of Izhikevich (2006), as published with Pauli et al. (2018)
(``find_polychronous_groups.cpp``), reads the network from JSON and writes
the groups as JSON through jsoncpp, which is not installed here.  This
module changes only that input and output, by string replacement, and
leaves the search itself untouched:

* input: plain text, one synapse per line ``pre post weight delay`` with
  1-based neuron ids and delays in ms (the values the JSON fields ``pre``,
  ``post``, ``weight`` and ``delay`` held), read in file order;
* output: one line per accepted group,
  ``pivot N_fired L_max N_links`` followed by ``N_fired`` triples
  ``neuron time layer`` and ``N_links`` quadruples ``pre post delay layer``
  (0-based ids, times in ms), written when the group is found;
* an optional third argument names a file of pivot indices to search
  instead of all excitatory neurons (used to compare a subset of pivots;
  the pivots are searched in the order given, so an ascending list runs
  exactly the original loop restricted to those neurons).

Needs g++.  :func:`run` returns the groups in the format of
:func:`pynestlite.analysis.polychronous.find_groups`.
"""
import os
import shutil
import subprocess

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "reference",
                                       "polychronization", "find_polychronous_groups.cpp"))

# the accepted group, written as text instead of being appended to a JSON array
_GROUP_OUTPUT = """fprintf(fpoly, "%d %d %d %d", nnum, N_fired, L_max, N_links);
        for (int iiii = 0; iiii < N_fired; iiii++)
          fprintf(fpoly, " %d %d %d", group[iiii], t_fired[iiii], layer[iiii]);
        for (int jjjj = 0; jjjj < N_links; jjjj++)
          fprintf(fpoly, " %d %d %d %d", links[jjjj][0], links[jjjj][1], links[jjjj][2],
                  links[jjjj][3]);
        fprintf(fpoly, "\\n");"""

# all excitatory pivots, or those listed in an optional third file
_PIVOT_LOOP = """if (pivot_file != NULL) {
    std::ifstream fp_pivots(pivot_file);
    int pivot;
    while (fp_pivots >> pivot)
      polychronous(pivot);
  } else
    for (i = 0; i < Ne; i++)
      polychronous(i);"""


def available(source=SOURCE):
    """Whether the original finder's source and a C++ compiler are at hand."""
    return os.path.exists(source) and shutil.which("g++") is not None


def _replace(text, old, new):
    if old not in text:
        raise RuntimeError(f"find_polychronous_groups.cpp: expected text not found: {old!r}")
    return text.replace(old, new, 1)


def _replace_span(text, first, last, new):
    """Replace the text from ``first`` up to and including ``last``."""
    start = text.find(first)
    if start < 0:
        raise RuntimeError(f"find_polychronous_groups.cpp: expected text not found: {first!r}")
    end = text.find(last, start)
    if end < 0:
        raise RuntimeError(f"find_polychronous_groups.cpp: expected text not found: {last!r}")
    return text[:start] + new + text[end + len(last):]


def patched_source(source=SOURCE):
    """The finder with plain-text input and output (see the module docstring)."""
    with open(source) as f:
        s = f.read()
    s = _replace(s, '#include "jsoncpp/json/json.h"\n', "#include <cstdio>\n")
    s = _replace(s, "Json::FastWriter writer;\nJson::Value json_data(Json::arrayValue);\n", "")
    s = _replace_span(s, "Json::Value json_group;", "json_data.append(json_group);",
                      _GROUP_OUTPUT)
    # the output file is opened in main (below) and stays open during the search
    s = _replace_span(s, "  for (i = 0; i < Ne; i++)\n    polychronous(i);\n  fpoly = fopen(argv[2], \"w\");",
                      "fprintf(fpoly, writer.write(json_data).c_str());",
                      "  const char *pivot_file = argv[3];  // argv[argc] is NULL\n  " + _PIVOT_LOOP)
    s = _replace_span(s, "Json::Value json_in_data(Json::arrayValue);",
                      'weight = json_in_data[c]["weight"].asDouble();',
                      "while (fp_in >> source >> target >> weight >> delay) {")
    s = _replace_span(s, "Json::Value json_error;", "fclose(fpoly);", 'fpoly = fopen(argv[2], "w");')
    if "Json" in s or "json" in s.replace("JSON", ""):
        raise RuntimeError("find_polychronous_groups.cpp: jsoncpp use left after patching")
    return s


def build(workdir, source=SOURCE):
    """Compile the patched finder with ``g++ -O2`` in ``workdir``; returns its path."""
    os.makedirs(workdir, exist_ok=True)
    src = os.path.join(workdir, "find_polychronous_groups_text.cpp")
    with open(src, "w") as f:
        f.write(patched_source(source))
    exe = os.path.join(workdir, "find_polychronous_groups_text")
    res = subprocess.run(["g++", "-O2", "-o", exe, src], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"compiling the original finder failed:\n{res.stderr}")
    return exe


def write_network(path, pre, post, delay, weight):
    """Write synapses as ``pre post weight delay`` lines (1-based ids, full precision)."""
    pre, post, delay = (np.asarray(x, np.int64) for x in (pre, post, delay))
    weight = np.asarray(weight, np.float64)
    with open(path, "w") as f:
        for i, j, w, d in zip(pre.tolist(), post.tolist(), weight.tolist(), delay.tolist()):
            f.write(f"{i + 1} {j + 1} {w!r} {d}\n")


def parse_groups(path):
    """Groups of an output file as dicts (see :func:`run`)."""
    groups = []
    with open(path) as f:
        for line in f:
            v = np.array(line.split(), np.int64)
            if v.size == 0:
                continue
            pivot, n_fired, l_max, n_links = (int(x) for x in v[:4])
            spikes = v[4:4 + 3 * n_fired].reshape(n_fired, 3)
            links = v[4 + 3 * n_fired:].reshape(n_links, 4)
            groups.append({"pivot": pivot, "N_fired": n_fired, "L_max": l_max,
                           "neurons": spikes[:, 0].copy(), "times": spikes[:, 1].copy(),
                           "layers": spikes[:, 2].copy(), "links": links.copy()})
    return groups


def run(exe, workdir, pre, post, delay, weight, pivots=None):
    """Run the compiled finder on a network.

    Parameters
    ----------
    exe : str
        Path returned by :func:`build`.
    workdir : str
        Directory for the input and output files.
    pre, post : array_like of int
        0-based neuron indices (0..799 excitatory, 800..999 inhibitory).
    delay : array_like of int
        Delays in ms (1..20).
    weight : array_like of float
        Synaptic weights; one entry per synapse, in the order given, which is
        the order the finder reads them in.
    pivots : iterable of int, optional
        Pivot neurons to search, in this order; default all 0..799.

    Returns
    -------
    list of dict
        Keys ``pivot``, ``N_fired``, ``L_max``, ``neurons``, ``times``,
        ``layers`` (int arrays over the spikes) and ``links`` (int array
        [n, 4]: pre, post, delay - 1 ms as the finder stores it, layer),
        in the order found.
    """
    os.makedirs(workdir, exist_ok=True)
    net = os.path.join(workdir, "network.txt")
    out = os.path.join(workdir, "groups.txt")
    write_network(net, pre, post, delay, weight)
    args = [exe, net, out]
    if pivots is not None:
        piv = os.path.join(workdir, "pivots.txt")
        np.savetxt(piv, np.asarray(list(pivots), np.int64), fmt="%d")
        args.append(piv)
    with open(os.path.join(workdir, "stdout.txt"), "w") as log:
        subprocess.run(args, check=True, stdout=log, stderr=subprocess.STDOUT)
    return parse_groups(out)
