"""Use binary cp314t wheels in the interpreter under test; print what was checked as JSON.

Run in a venv of that interpreter with numpy, markupsafe, PyYAML and msgpack installed
as binary wheels. It fails (non-zero exit) if an extension does not load or misbehaves.
"""

import json
import sys
import sysconfig

import markupsafe
import msgpack
import numpy
import yaml
from markupsafe import _speedups
from msgpack import _cmsgpack
from numpy._core import _multiarray_umath

array = numpy.arange(12).reshape(3, 4)
assert int(array.sum()) == 66 and array.T.shape == (4, 3)
assert str(markupsafe.escape("<b>")) == "&lt;b&gt;"
assert yaml.__with_libyaml__ and yaml.load(yaml.dump({"a": [1, 2]}, Dumper=yaml.CDumper), Loader=yaml.CLoader) == {
    "a": [1, 2]
}
assert msgpack.unpackb(msgpack.packb({"x": 1})) == {"x": 1}

print(json.dumps({
    "abiflags": sys.abiflags,
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "gil_enabled_after_imports": sys._is_gil_enabled(),
    "py_ownership": sysconfig.get_config_var("Py_OWNERSHIP"),
    "extensions": [m.__file__ for m in (_multiarray_umath, _speedups, yaml._yaml, _cmsgpack)],
}))
