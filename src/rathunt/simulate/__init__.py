"""njRAT intrusions inside realistic benign activity, with ground truth beside them.

    from rathunt.simulate import SimOptions, write_simulation
    summary = write_simulation(SimOptions(hosts=5, days=2, intrusions=[["ngrok"]]), "out/")

`simulate(options)` streams the events themselves (each with `.label` set when malicious);
`write_simulation` writes them in one of three shapes with a labels file and a manifest.
"""

from rathunt.simulate.labels import Label, LabelRecord, read_labels
from rathunt.simulate.output import SimSummary, write_simulation
from rathunt.simulate.steps import STAGES, STEPS
from rathunt.simulate.stream import SimOptions, simulate
from rathunt.simulate.variants import VARIANTS, Implant, build_implant
from rathunt.simulate.writers import FORMATS

__all__ = [
    "FORMATS",
    "STAGES",
    "STEPS",
    "VARIANTS",
    "Implant",
    "Label",
    "LabelRecord",
    "SimOptions",
    "SimSummary",
    "build_implant",
    "read_labels",
    "simulate",
    "write_simulation",
]
