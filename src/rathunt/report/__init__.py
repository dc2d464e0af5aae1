"""Reports of a run: the terminal summary, JSONL and CSV exports, the HTML report.

    from rathunt.report import render_summary, write_findings, write_incidents, write_html

    render_summary(console, findings, incidents, counts, top=10)
    write_findings("findings.jsonl", findings)            # timeline, finding.schema.json
    write_findings("findings.csv", findings, format="csv")
    write_incidents("incidents.jsonl", incidents)         # incident.schema.json
    write_html("report.html", findings, incidents, counts, title="rathunt report")

Each reads `findings` once, so a generator works, and none holds every finding: the
summary and the HTML keep counts, the exports sort through temporary files past a limit.
`finding_to_dict` and `incident_to_dict` are the one serialisation all of them share.
"""

from rathunt.report.digest import Digest, digest
from rathunt.report.export import CSV_COLUMNS, write_findings, write_incidents
from rathunt.report.html import write_html
from rathunt.report.serialise import finding_to_dict, incident_to_dict, iso_time
from rathunt.report.summary import render_summary
from rathunt.report.timesort import timeline

__all__ = [
    "CSV_COLUMNS",
    "Digest",
    "digest",
    "finding_to_dict",
    "incident_to_dict",
    "iso_time",
    "render_summary",
    "timeline",
    "write_findings",
    "write_html",
    "write_incidents",
]
