"""Read a PyTorch ``torch.save`` zip file without torch and without running its code.

A ``.pt`` file is a zip archive: ``<root>/data.pkl`` is a pickle whose tensors
point (pickle persistent ids) at raw little-endian storages
``<root>/data/<key>``.  Unpickling an untrusted pickle runs whatever callables
it names, so this loader uses a restricted :class:`pickle.Unpickler`:

* ``find_class`` accepts only the names a file of tensors needs --
  ``torch._utils._rebuild_tensor_v2``, ``torch._utils._rebuild_parameter``,
  the typed storage classes (``torch.FloatStorage`` ...),
  ``collections.OrderedDict``, ``builtins.set`` and the pickled network
  classes listed in ``module_classes`` (by default the paper's
  ``__main__.ITDNet``) -- each mapped to a local function or a plain record
  class; any other global raises :class:`UnsafeWeightsFile` naming it, before
  anything is called;
* ``persistent_load`` accepts only ``('storage', <storage class>, key,
  location, numel)`` ids whose key is an entry of the archive, and reads it as
  a numpy array of the storage's dtype.

Tensors come back as numpy arrays (their dtype, shape, strides and storage
offset applied); a pickled ``torch.nn.Module`` comes back as a
:class:`ModuleRecord` holding its attribute dictionary.

The paper's file (``data/itdnet-for-paper.pt``, MIT licence, copyright 2022
comob-project, see ``data/LICENSE-itdnet``) holds ``W_ih`` (200 x 8) and
``W_ho`` (8 x 12) in float32, ``tau`` = 0.002 s and ``dt`` = 0.001 s.
"""
import collections
import io
import os
import pickle
import zipfile
from dataclasses import dataclass

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PAPER_WEIGHTS = os.path.join(HERE, "data", "itdnet-for-paper.pt")


class UnsafeWeightsFile(pickle.UnpicklingError):
    """A weights file that names a global or a storage the loader does not
    accept, or is not a well-formed torch zip file."""


class StorageType:
    """Stands for a torch typed-storage class: only its dtype is used."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, np.dtype(dtype).newbyteorder("<")

    def __repr__(self):
        return f"StorageType({self.name})"


STORAGE_TYPES = {name: StorageType(name, dtype) for name, dtype in (
    ("FloatStorage", np.float32), ("DoubleStorage", np.float64), ("HalfStorage", np.float16),
    ("LongStorage", np.int64), ("IntStorage", np.int32), ("ShortStorage", np.int16),
    ("CharStorage", np.int8), ("ByteStorage", np.uint8), ("BoolStorage", np.bool_))}


class ModuleRecord:
    """A pickled network object: its class name and attribute dictionary, no
    behaviour (nothing of the original class runs)."""

    class_name = "ModuleRecord"
    state = None

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise UnsafeWeightsFile(f"state of {self.class_name} is a {type(state).__name__}, "
                                    "expected a dict")
        self.state = state

    @property
    def parameters(self):
        """The ``_parameters`` dictionary (name -> ndarray), empty if absent."""
        return dict((self.state or {}).get("_parameters", {}))


def _record_class(name):
    """A ModuleRecord subclass standing for the pickled class ``__main__.<name>``."""
    return type(name, (ModuleRecord,), {"class_name": name})


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """A numpy array viewing ``storage`` as torch does, copied."""
    if not isinstance(storage, np.ndarray):
        raise UnsafeWeightsFile("a tensor must be rebuilt from a storage of the archive")
    try:
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        storage_offset = int(storage_offset)
    except (TypeError, ValueError):
        raise UnsafeWeightsFile(f"bad tensor geometry: size {size!r}, stride {stride!r}, "
                                f"offset {storage_offset!r}") from None
    if len(size) != len(stride) or any(s < 0 for s in size + stride) or storage_offset < 0:
        raise UnsafeWeightsFile(f"bad tensor geometry: size {size}, stride {stride}, "
                                f"offset {storage_offset}")
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else -1
    if last >= storage.size:
        raise UnsafeWeightsFile(f"tensor of size {size}, stride {stride}, offset {storage_offset} "
                                f"reaches beyond its storage of {storage.size} elements")
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(storage[storage_offset:], shape=size,
                                           strides=[s * item for s in stride], writeable=False)
    return np.array(view)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    """A torch Parameter is its data."""
    return data


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler of a torch zip file's ``data.pkl`` (see the module docstring).

    Parameters
    ----------
    file : binary file
        The pickle stream.
    archive : zipfile.ZipFile
        The archive holding the storages.
    root : str
        The archive's top folder (``archive`` in the paper's file).
    module_classes : iterable of str
        Names ``__main__.<name>`` of pickled network classes to accept as
        :class:`ModuleRecord`.
    """

    def __init__(self, file, archive, root, module_classes=("ITDNet",)):
        super().__init__(file)
        self.archive, self.root = archive, root
        self.allowed = {
            ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("builtins", "set"): set,
            ("__builtin__", "set"): set,
        }
        for name, storage in STORAGE_TYPES.items():
            self.allowed[("torch", name)] = storage
        for name in module_classes:
            self.allowed[("__main__", name)] = _record_class(name)
        self.storages = {}

    def find_class(self, module, name):
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise UnsafeWeightsFile(
                f"weights file refers to the global {module}.{name}, which a tensor file does "
                "not need; refused (accepted: " +
                ", ".join(sorted(f"{m}.{n}" for m, n in self.allowed)) + ")") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], StorageType) and isinstance(pid[2], str)):
            raise UnsafeWeightsFile(f"unsupported persistent id {pid!r}; expected "
                                    "('storage', <typed storage>, key, location, numel)")
        _, storage_type, key, _location, numel = pid
        if key not in self.storages:
            entry = f"{self.root}/data/{key}"
            if entry not in self.archive.namelist():
                raise UnsafeWeightsFile(f"storage {key!r} is not in the archive ({entry})")
            raw = self.archive.read(entry)
            dtype = storage_type.dtype
            if len(raw) != int(numel) * dtype.itemsize:
                raise UnsafeWeightsFile(f"storage {key!r} holds {len(raw)} bytes, expected "
                                        f"{numel} x {dtype.itemsize}")
            self.storages[key] = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
        return self.storages[key]


def load_torch_file(path, module_classes=("ITDNet",)):
    """The object pickled in a torch zip file, tensors as numpy arrays.

    Parameters
    ----------
    path : str
        A ``torch.save`` file (zip format).
    module_classes : iterable of str
        Pickled ``__main__`` classes to accept (as :class:`ModuleRecord`).

    Returns
    -------
    object
        Dicts, lists, numbers, numpy arrays and ModuleRecords.

    Raises
    ------
    UnsafeWeightsFile
        The pickle names a global outside the accepted set, a storage that is
        not in the archive, or the file is not a torch zip file.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise UnsafeWeightsFile(f"{path} is not a torch zip file ({err})") from None
    with archive:
        pkl = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise UnsafeWeightsFile(f"{path} has no single <root>/data.pkl entry")
        root = pkl[0].split("/")[0]
        byteorder = f"{root}/byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder).strip() != b"little":
            raise UnsafeWeightsFile(f"{path}: only little-endian storages are supported")
        unpickler = RestrictedUnpickler(io.BytesIO(archive.read(pkl[0])), archive, root,
                                        module_classes)
        return unpickler.load()


@dataclass
class ITDWeights:
    """The trained parameters of the paper's ITDNet.

    Attributes
    ----------
    W_ih : ndarray (inputs, hidden) float64
        Input-to-hidden weights (jumps of V in units of the threshold).
    W_ho : ndarray (hidden, classes) float64
        Hidden-to-readout weights.
    tau, dt : float
        Membrane time constant and time step (ms).
    """
    W_ih: np.ndarray
    W_ho: np.ndarray
    tau: float
    dt: float

    @property
    def num_hidden(self):
        return self.W_ih.shape[1]

    @property
    def num_classes(self):
        return self.W_ho.shape[1]


def load_itdnet(path=PAPER_WEIGHTS):
    """The weights of a pickled ITDNet (the paper's ``torch.save(net)``).

    Parameters
    ----------
    path : str
        The ``.pt`` file; default the paper's trained base model.

    Returns
    -------
    ITDWeights

    Raises
    ------
    UnsafeWeightsFile
        See :func:`load_torch_file`; also when W_ih or W_ho is missing or
        their shapes do not chain.
    """
    obj = load_torch_file(path)
    if isinstance(obj, ModuleRecord):
        state, params = obj.state, obj.parameters
    elif isinstance(obj, dict):        # a state_dict
        state, params = {}, obj
    else:
        raise UnsafeWeightsFile(f"{path} holds a {type(obj).__name__}, expected a network")
    for name in ("W_ih", "W_ho"):
        if not isinstance(params.get(name), np.ndarray) or params[name].ndim != 2:
            raise UnsafeWeightsFile(f"{path} has no 2-d parameter {name}")
    W_ih, W_ho = params["W_ih"], params["W_ho"]
    if W_ih.shape[1] != W_ho.shape[0]:
        raise UnsafeWeightsFile(f"{path}: W_ih {W_ih.shape} and W_ho {W_ho.shape} do not chain")
    tau = float(state.get("tau", 2e-3)) * 1e3
    dt = float(state.get("dt", 1e-3)) * 1e3
    return ITDWeights(W_ih=W_ih.astype(np.float64), W_ho=W_ho.astype(np.float64), tau=tau, dt=dt)
