# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""``static_synapse_hom_w``: static connections with one weight for all.

The synapse stores only its target and delay; the ``weight`` (default 1)
is a model-level parameter, set with ``SetDefaults`` or ``CopyModel`` (each
copy of the model has its own).  A spike of the source at step ``t``
adds ``weight`` to the target's input at ``t + delay``, as
``static_synapse`` does, precise spike offsets included.

As NEST: ``Connect`` refuses a ``weight`` in ``syn_spec``
(NotImplemented), the connections report no ``weight`` (``get`` has no
such key; ``None`` beside other models' connections) and setting one
raises UnaccessedDictionaryEntry.  A weight changed by ``SetDefaults``
applies to the existing connections from the next run on.  Storage: 6
bytes per synapse (channel code, delay) plus the row pointers.

See also: ``static_synapse``, ``tsodyks_synapse_hom``.
"""
from pynestlite.kernel.connections cimport StaticSynapseTable


cdef class StaticSynapseHomWTable(StaticSynapseTable):
    """``static_synapse_hom_w`` (module docstring): the weight column is held
    as one value, the model's, refreshed before each run."""
    hom = ("weight",)
    compact = ("weight",)
    private = ("weight",)
    common = {"weight": 1.0}

    def pre_run(self, engine, dict params):
        self.take_common(params)


SYNAPSE_MODELS = {"static_synapse_hom_w": StaticSynapseHomWTable}
