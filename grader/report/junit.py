"""JUnit XML: one ``<testsuite>`` per lesson, one ``<testcase>`` per check.

A failed check has a ``<failure message=... type="failed">``; a check whose code raised or
ran out of time has an ``<error type="error"|"timeout">``. The suite's ``<properties>``
hold the seed, the score and the maximum score; what the program printed is the suite's
``<system-out>``. Built with ElementTree, so the text is escaped; characters XML 1.0
cannot hold are removed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.report.details import check_text
from grader.results import GradeResult

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters, lone surrogates)."""
    return _NOT_XML.sub("", text)


def junit_element(result: GradeResult) -> ET.Element:
    failures = sum(c.status == "failed" for c in result.checks)
    errors = sum(c.status in ("error", "timeout") for c in result.checks)
    suites = ET.Element("testsuites", name="grade", tests=str(len(result.checks)),
                        failures=str(failures), errors=str(errors),
                        time=f"{result.duration_s:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=xml_text(result.lesson),
                          tests=str(len(result.checks)), failures=str(failures),
                          errors=str(errors), skipped="0", time=f"{result.duration_s:.3f}")
    props = ET.SubElement(suite, "properties")
    for name, value in (("title", result.title), ("submission", result.submission),
                        ("seed", str(result.seed)), ("score", str(result.score)),
                        ("max_score", str(result.max_score)), ("sandbox", result.sandbox),
                        ("isolation", result.isolation),
                        ("isolation_warning", result.isolation_warning or "")):
        ET.SubElement(props, "property", name=name, value=xml_text(value))
    classname = f"lesson {result.lesson}"
    for c in result.checks:
        case = ET.SubElement(suite, "testcase", name=xml_text(c.name),
                             classname=xml_text(classname), time="0")
        if c.status == "passed":
            continue
        text = xml_text(check_text(c))
        tag = "failure" if c.status == "failed" else "error"
        node = ET.SubElement(case, tag, message=xml_text(c.message or c.status), type=c.status)
        node.text = f"{c.points}/{c.max_points} points: {text}"
    if result.output:
        ET.SubElement(suite, "system-out").text = xml_text(result.output)
    said = ([f"WARNING: {result.isolation_warning}"] if result.isolation_warning else []) + \
        [f"note: {n}" for n in result.notes]
    if said:
        ET.SubElement(suite, "system-err").text = xml_text("\n".join(said))
    return suites


def render_junit(result: GradeResult) -> str:
    root = junit_element(result)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
