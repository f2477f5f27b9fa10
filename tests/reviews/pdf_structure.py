"""What a tagged PDF says about itself, read with pypdf: its PDF/UA identifier, its title
setting, and the structure elements of its tag tree (tables, figures), for tests."""

import io
import re
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject


@dataclass
class Element:
    """One structure element: its type (/S without the slash), its /Alt text, its children."""

    kind: str
    alt: str | None
    children: list["Element"] = field(default_factory=list)
    own_pages: set[int] = field(default_factory=set)  # object numbers of the pages it marks

    @property
    def pages(self) -> set[int]:
        """The pages its content lies on, its children's included."""
        return self.own_pages.union(*(child.pages for child in self.children))

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def count(self, kind: str) -> int:
        return sum(1 for e in self.walk() if e.kind == kind)


def _element(node) -> Element | None:
    node = node.get_object()
    if not isinstance(node, DictionaryObject) or "/S" not in node:
        return None  # a marked-content id or a reference to content, not an element
    alt = node.get("/Alt")
    element = Element(kind=str(node["/S"]).lstrip("/"), alt=str(alt) if alt is not None else None)
    element.children = _children(node.get("/K"))
    kids = node.get("/K")
    kids = kids.get_object() if hasattr(kids, "get_object") else kids
    for kid in [*(kids if isinstance(kids, ArrayObject | list) else [kids]), node]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, DictionaryObject) and "/Pg" in kid:
            element.own_pages.add(kid.raw_get("/Pg").idnum)
    return element


def _children(kids) -> list[Element]:
    if kids is None:
        return []
    kids = kids.get_object() if hasattr(kids, "get_object") else kids
    items = kids if isinstance(kids, ArrayObject | list) else [kids]
    return [e for k in items if hasattr(k, "get_object") and (e := _element(k)) is not None]


@dataclass
class TaggedPdf:
    catalog: DictionaryObject
    xmp: str
    root: Element

    @property
    def pdfua_part(self) -> str | None:
        found = re.search(r"<pdfuaid:part>\s*(\d+)\s*</pdfuaid:part>", self.xmp) or re.search(
            r'pdfuaid:part="(\d+)"', self.xmp
        )
        return found.group(1) if found else None

    @property
    def xmp_title(self) -> str | None:
        found = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", self.xmp, re.DOTALL)
        return found.group(1) if found else None

    @property
    def displays_title(self) -> bool:
        preferences = self.catalog.get("/ViewerPreferences")
        return bool(preferences and preferences.get_object().get("/DisplayDocTitle"))

    def elements(self, kind: str) -> list[Element]:
        return [e for e in self.root.walk() if e.kind == kind]


def pages_without_content(data: bytes) -> list[int]:
    """The numbers (1-based) of the pages that carry no tagged content: nothing but artifacts
    (headers, footers, repeated table headers, backgrounds) is on them."""
    reader = PdfReader(io.BytesIO(data))
    return [
        number
        for number, page in enumerate(reader.pages, start=1)
        if b"/MCID" not in page.get_contents().get_data()
    ]


def tagged(data: bytes) -> TaggedPdf:
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"].get_object()
    metadata = catalog.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8") if metadata else ""
    tree = catalog.get("/StructTreeRoot")
    kids = _children(tree.get_object().get("/K")) if tree else []
    return TaggedPdf(catalog=catalog, xmp=xmp, root=Element("StructTreeRoot", None, kids))


def structure_problems(data: bytes) -> list[str]:
    """What breaks the tag tree's links to the pages, read with pikepdf: a page's or an
    annotation's parent-tree key that is used twice or resolves to nothing, a marked-content id
    on a page that no element of its parent-tree entry owns, an element id used twice, a table
    cell's /Headers naming an id that no element has."""
    import pikepdf  # noqa: PLC0415

    problems = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = pdf.Root.StructTreeRoot
        numbers = _flat(tree.ParentTree, "/Nums")
        entries = dict(zip([int(k) for k in numbers[::2]], numbers[1::2], strict=True))
        if len(entries) != len(numbers) // 2:
            problems.append("a parent-tree key is used twice")
        used: set[int] = set()
        for number, page in enumerate(pdf.pages, start=1):
            keys = [int(page.StructParents)] if "/StructParents" in page else []
            keys += [int(a.StructParent) for a in page.get("/Annots", []) if "/StructParent" in a]
            problems += [f"page {number}: key {k} used again" for k in keys if k in used]
            problems += [f"page {number}: key {k} unresolved" for k in keys if k not in entries]
            used.update(keys)
            owners = entries.get(int(page.get("/StructParents", -1)))
            for mcid in {int(m) for m in re.findall(rb"/MCID (\d+)", _content(page))}:
                if owners is None or mcid >= len(owners) or owners[mcid] is None:
                    problems.append(f"page {number}: marked content {mcid} has no element")
        ids = [str(name) for name in _flat(tree.IDTree, "/Names")[::2]]
        if len(ids) != len(set(ids)):
            problems.append("an element id is used twice")
        problems += [f"header {h} names no element" for h in _headers(tree.K) if h not in ids]
    return problems


def _flat(tree, kind: str) -> list:
    if kind in tree:
        return list(tree[kind])
    return [entry for kid in tree.get("/Kids", []) for entry in _flat(kid, kind)]


def _content(page) -> bytes:
    import pikepdf  # noqa: PLC0415

    contents = page.Contents
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    return b"".join(stream.read_bytes() for stream in streams)


def _headers(root) -> list[str]:
    import pikepdf  # noqa: PLC0415

    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        attributes = node.get("/A")
        for owner in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if isinstance(owner, pikepdf.Dictionary) and "/Headers" in owner:
                found += [str(h) for h in owner.Headers]
        if "/K" in node:
            stack.append(node.K)
    return found
