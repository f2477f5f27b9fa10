"""A long consolidated review rendered in parts, each in a process of its own, and joined.

typst holds everything it lays out until its process ends: the whole review of 700 projects
took 1.9 GB in one piece. In parts of at most REVIEW_PDF_BATCH_PROJECTS projects, no process
holds more than one part. The parts (templates/review-part.typ), in order:

- the front: the cover, the contents, the executive summary. Rendered twice: first with the
  contents' other pages left blank, to learn how many pages it takes (each page number is set
  in a box of fixed width: the second rendering breaks its lines the same);
- the body: the domains' sections, a part per REVIEW_PDF_BATCH_PROJECTS projects (a larger
  domain continues in the next part), each starting at the page after the last;
- the back: the annexes.

Then the front once more, its contents now with every page and the cover with the page count,
and the parts joined (join.py): one tagged PDF, its contents linking to each heading. A part's
footer gives the page number alone (no part knows the document's length); the cover gives it.
"""

import copy
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from reviews.documents.isolated import Forked, RenderError, run_forked
from reviews.documents.join import Link, Target, bookmarks, join, prepare

FIRST_DOMAIN_SECTION = 2  # the executive summary is section 1; the domains follow it
BACK_KEYS = ("participation_states", "participation_matrix", "missing", "evidence", "built_from")
NOT_PRINTED = ("domains", "warnings", *BACK_KEYS)  # no part needs all of them


def needs_parts(data: dict) -> bool:
    return sum(len(section["projects"]) for section in data["domains"]) > batch_size()


def batch_size() -> int:
    return settings.REVIEW_PDF_BATCH_PROJECTS


@dataclass
class Rendered:
    """What a part's process sends first, as soon as typst is done: what the next part needs."""

    pages: int
    keys: int  # the parent-tree keys it uses (join.prepare)
    marks: list[tuple[str, Target]]  # its bookmarks


def _typst(data: dict) -> tuple[bytes, Rendered]:
    """One part rendered by typst in this process, and what the next part needs of it."""
    import pikepdf  # noqa: PLC0415 - only the parts' processes read PDFs

    from reviews.documents.pdf import compile_template  # noqa: PLC0415 - pdf imports this module

    pdf = compile_template("review-part.typ", data)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        keys = int(document.Root.StructTreeRoot.ParentTreeNextKey)
        rendered = Rendered(pages=len(document.pages), keys=keys, marks=bookmarks(document))
    return pdf, rendered


def _render(data: dict, shift: int, index: int) -> Iterator[Rendered | bytes]:
    """One part of the body or the back, in its own process: first what the next part needs,
    then (while the next part renders) its PDF, made ready to be joined as the part at `index`
    after `shift` parent-tree keys."""
    pdf, rendered = _typst(data)
    yield rendered
    yield prepare(pdf, shift, index)


class _Parts:
    """The parts rendered one after the other, each in a process of its own: a part's process
    makes its PDF ready while the next one's typst renders, never more than those two at once."""

    def __init__(self) -> None:
        self.pdfs: list[bytes] = []
        self.keys = 0  # the parent-tree keys the parts so far use
        self._preparing: Forked | None = None

    def render(self, data: dict, index: int) -> Rendered:
        child = Forked(_render, data, self.keys, index)
        try:
            rendered = child.receive()
            self._collect()
        except BaseException:
            child.close(kill=True)
            raise
        self._preparing = child
        self.keys += rendered.keys
        return rendered

    def _collect(self) -> None:
        if self._preparing is not None:
            with self._preparing as child:
                self.pdfs.append(child.receive())
            self._preparing = None

    def finish(self) -> list[bytes]:
        self._collect()
        return self.pdfs

    def close(self) -> None:
        if self._preparing is not None:
            self._preparing.close(kill=True)


def sections(domains: list[dict], size: int) -> list[list[dict]]:
    """The domains' sections in parts of at most `size` projects, each section with its number;
    a domain that does not fit continues in the next part (`start`: how many of its projects
    the parts before printed)."""
    parts: list[list[dict]] = [[]]
    room = size
    for number, domain in enumerate(domains, start=FIRST_DOMAIN_SECTION):
        projects = domain["projects"]
        acronyms = [p["acronym"] for p in projects]
        start = 0
        while start < len(projects):
            if room == 0:
                parts.append([])
                room = size
            share = projects[start : start + room]
            parts[-1].append(
                {"name": domain["name"], "number": number, "start": start,
                 "total": len(projects), "acronyms": acronyms, "projects": share}
            )  # fmt: skip
            start += len(share)
            room -= len(share)
    return parts


def contents(parts: list[list[dict]]) -> list[dict[str, Any]]:
    """The contents' entries of the body's headings, in order: a domain (where its section
    begins) and its projects; their pages are filled in once the parts are rendered."""
    entries = []
    for section in (section for part in parts for section in part):
        number = section["number"]
        if section["start"] == 0:
            entries.append({"level": 1, "number": str(number), "title": section["name"]})
        for index, project in enumerate(section["projects"], start=section["start"] + 1):
            entries.append({"level": 2, "number": f"{number}.{index}", "title": project["title"]})
    return [{**entry, "page": None} for entry in entries]


def render_in_parts(data: dict) -> bytes:
    """The consolidated review's PDF from its context's JSON, rendered in parts and joined."""
    common = {key: value for key, value in data.items() if key not in NOT_PRINTED}
    body = sections(data["domains"], batch_size())
    front = {**common, "part": "front", "first_page": 1, "toc": contents(body),
             "annex_pages": None, "total_pages": None}  # fmt: skip
    first = run_forked(_first, front)
    parts = _Parts()
    parts.keys = first.keys
    targets: list[Target] = []
    page = first.pages
    try:
        for index, share in enumerate(body, start=1):
            share_data = {**common, "part": "body", "first_page": page + 1, "domains": share}
            rendered = parts.render(share_data, index)
            targets += [Target(page + mark.page, mark.x, mark.y) for _, mark in rendered.marks]
            page += rendered.pages
        back = {
            **common,
            **{key: data[key] for key in BACK_KEYS},
            "part": "back",
            "first_page": page + 1,
        }
        rendered = parts.render(back, len(body) + 1)
        annexes = [
            (title, Target(page + mark.page, mark.x, mark.y)) for title, mark in rendered.marks
        ]
        rendered_parts = parts.finish()
    finally:
        parts.close()
    final = copy.deepcopy(front)
    final.update(annex_pages=[t.page + 1 for _, t in annexes], total_pages=page + rendered.pages)
    for entry, target in zip(final["toc"], targets, strict=True):
        entry["page"] = target.page + 1
    pdf, again = run_forked(_typst, final)
    if (again.pages, again.keys) != (first.pages, first.keys):
        raise RenderError(
            f"the front took {again.pages} pages once its contents were numbered, not {first.pages}"
        )
    titles = [f"{e['number']} “{e['title']}”" for e in final["toc"]]
    titles += [f"“{title}”" for title, _ in annexes]
    links = _links(titles, targets + [t for _, t in annexes], "toc:")
    own = [_numbered(title) for title, _ in again.marks]
    links += _links(own, [target for _, target in again.marks], "toc:own:")
    return join([pdf, *rendered_parts], links)


def _numbered(bookmark: str) -> str:
    """A bookmark's title ("1.2 Milestones") as the contents announce it: 1.2 “Milestones”."""
    number, _, title = bookmark.partition(" ")
    return f"{number} “{title}”" if number.replace(".", "").isdigit() else f"“{bookmark}”"


def _first(front: dict) -> Rendered:
    """The front's first rendering: how many pages and parent-tree keys it takes."""
    return _typst(front)[1]


def _links(titles: list[str], targets: list[Target], prefix: str) -> list[Link]:
    """The contents' entries (review-part.typ writes them as URIs, `prefix` and a number), each
    announced as typst announces its own: number, title, page."""
    return [
        Link(uri=f"{prefix}{n}", target=target, description=f"{title} page {target.page + 1}")
        for n, (title, target) in enumerate(zip(titles, targets, strict=True))
    ]
