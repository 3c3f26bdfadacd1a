# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Per-compartment parameters of the multi-compartment models, as NEST's status
dictionaries show them.

NEST reports the values of each compartment in a sub-dictionary named after
it (``soma``, ``proximal``, ``dendritic`` ...), and ``SetStatus`` merges a
sub-dictionary key by key.  A :class:`CompartmentBlock` stores them as flat
columns ``<name>.<suffix>`` (``E_L.s``, ``V_m.p``: the suffixes of NEST's
recordables), so that the update loops read plain arrays; this module
converts between the two views and applies NEST's receptor checks.

A model declares

compartments : tuple of (name, suffix)
    Its compartments, soma first.
compartment_parameters : dict
    name -> per-compartment defaults (one per compartment), the keys of
    each sub-dictionary besides ``V_m``.
receptor_types : dict
    NEST's ``receptor_types``: spike receptors 1 ... K, then the current
    receptors.

and builds its ``parameters``, ``state`` and ``write_only`` class attributes
with :func:`compartment_columns`.
"""
import numpy as np

from pynestlite.kernel.nodebase cimport NodeBlock
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, UnaccessedDictionaryEntry,
                               UnknownReceptorType)


def flat_name(name, suffix):
    """The column of ``name`` in the compartment with ``suffix``."""
    return f"{name}.{suffix}"


def compartment_columns(compartments, compartment_parameters, V_m):
    """Flat parameter and state columns of the compartments.

    Returns
    -------
    parameters : dict
        ``<name>.<suffix>`` -> default, for every per-compartment parameter.
    state : dict
        ``V_m.<suffix>`` -> ``V_m`` (one initial value per compartment).
    flat_public : tuple of str
        The flat names of both (reached through the sub-dictionaries only).
    """
    parameters = {flat_name(k, sfx): float(v[i]) for k, v in compartment_parameters.items()
                  for i, (_, sfx) in enumerate(compartments)}
    state = {flat_name("V_m", sfx): float(V_m[i]) for i, (_, sfx) in enumerate(compartments)}
    return parameters, state, tuple(parameters) + tuple(state)


cdef class CompartmentBlock(NodeBlock):
    """A node block whose per-compartment values live in flat columns and
    are shown in NEST's sub-dictionaries (see the module docstring)."""
    compartments = ()
    compartment_parameters = {}
    receptor_types = {}
    read_only = ("receptor_types",)

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        for name, _ in self.compartments:
            self.arrays.pop(name, None)
        self.arrays.pop("receptor_types", None)

    @classmethod
    def sub_keys(cls):
        return tuple(cls.compartment_parameters) + ("V_m",)

    @classmethod
    def all_defaults(cls):
        d = NodeBlock.all_defaults.__func__(cls)
        for name, _ in cls.compartments:
            d[name] = {}
        d["receptor_types"] = {}
        return d

    @classmethod
    def public_names(cls):
        return (NodeBlock.public_names.__func__(cls) + tuple(n for n, _ in cls.compartments)
                + ("receptor_types",))

    @classmethod
    def expand_status(cls, dict params):
        """A status dict with sub-dictionaries -> flat column names (a
        sub-dictionary sets only the keys it has).  A list of
        sub-dictionaries (one per node) stays under the compartment's name.

        Raises
        ------
        UnaccessedDictionaryEntry
            An unknown key in a sub-dictionary, or a flat column name.
        BadProperty
            A compartment's value is not a dictionary.
        """
        out = {}
        suffix = dict(cls.compartments)
        for key, value in params.items():
            if key in cls.write_only:
                raise UnaccessedDictionaryEntry(
                    f"{cls.model_name()} has no parameter {key!r}; per-compartment values "
                    f"are set in the sub-dictionaries {list(suffix)}")
            if key not in suffix:
                out[key] = value
                continue
            subs = [value] if isinstance(value, dict) else value
            if not isinstance(subs, (list, tuple)) or not all(isinstance(s, dict) for s in subs):
                raise BadProperty(f"{cls.model_name()}: {key} must be a dictionary, got "
                                  f"{value!r}")
            allowed = cls.sub_keys()
            for s in subs:
                for name in s:
                    if name not in allowed:
                        raise UnaccessedDictionaryEntry(
                            f"{cls.model_name()}: {key} has no parameter {name!r}; expected "
                            f"one of {sorted(allowed)}")
            if isinstance(value, dict):
                for name, v in value.items():
                    out[flat_name(name, suffix[key])] = v
            else:
                out[key] = list(subs)
        return out

    @classmethod
    def model_name(cls):
        return getattr(cls, "nest_name", cls.__name__)

    @classmethod
    def derived_defaults(cls, defaults):
        """GetDefaults: the sub-dictionaries, receptor types and recordables."""
        d = cls.all_defaults()
        out = {}
        for comp, sfx in cls.compartments:
            out[comp] = {name: float(defaults.get(flat_name(name, sfx), d[flat_name(name, sfx)]))
                         for name in cls.sub_keys()}
        out["receptor_types"] = dict(cls.receptor_types)
        out["recordables"] = sorted(cls.recordables)
        return out

    def get(self, str name, idx):
        suffix = dict(self.compartments)
        if name in suffix:
            cols = {k: self.arrays[flat_name(k, suffix[name])] for k in self.sub_keys()}
            return [{k: float(v[i]) for k, v in cols.items()} for i in idx]
        if name == "receptor_types":
            return [dict(self.receptor_types) for _ in idx]
        return NodeBlock.get(self, name, idx)

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        flat = type(self).expand_status(updates)
        for comp, sfx in self.compartments:
            subs = flat.pop(comp, None)
            if subs is None:
                continue
            if len(subs) != len(idx):
                raise BadProperty(f"{self.model}: {comp} got {len(subs)} dictionaries for "
                                  f"{len(idx)} nodes")
            for name in sorted({k for s in subs for k in s}):
                current = self.arrays[flat_name(name, sfx)][idx]
                flat[flat_name(name, sfx)] = [s.get(name, current[j])
                                              for j, s in enumerate(subs)]
        NodeBlock.set(self, flat, idx, engine)

    def check(self, dict values):
        """NodeBlock's checks, then per compartment: C_m and the synaptic
        time constants strictly positive (NEST's messages)."""
        NodeBlock.check(self, values)
        for comp, sfx in self.compartments:
            c = values.get(flat_name("C_m", sfx))
            if c is not None and np.any(np.asarray(c) <= 0):
                raise BadProperty(f"{self.model}: Capacitance ({comp}) must be strictly "
                                  "positive.")
            for nm in ("tau_syn_ex", "tau_syn_in"):
                t = values.get(flat_name(nm, sfx))
                if t is not None and np.any(np.asarray(t) <= 0):
                    raise BadProperty(f"{self.model}: All time constants ({comp}) must be "
                                      "strictly positive.")

    def check_receptor(self, rows, int receptor, str kind):
        """NEST's receptor checks: a receptor type of the other kind is
        incompatible, one beyond all receptor types unknown."""
        valid = getattr(self, f"{kind}_receptors", {})
        if receptor in valid:
            return
        gid = int(self.gids[rows][0]) if len(rows) else 0
        if receptor < 0 or receptor > max(self.receptor_types.values()):
            raise UnknownReceptorType(
                f"{self.model} (node {gid}) has no receptor type {receptor}; "
                f"receptor_types: {self.receptor_types}")
        what = "spikes" if kind == "spike" else kind.replace("_", " ") + "s"
        raise IncompatibleReceptorType(
            f"{self.model} (node {gid}): receptor type {receptor} does not take {what}; "
            f"receptor_types: {self.receptor_types}")
