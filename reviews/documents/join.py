"""Tagged PDFs joined into one that stays tagged (pikepdf): the parts of a long consolidated
review (parts.py), each rendered by typst as a PDF/UA-1 document of its own.

The first part gives the document its catalog: its language, title, viewer preferences, XMP
metadata (whose page count is set to the joined one). Each later part is first made ready
(`prepare`, in a process of its own while the next part renders): its parent tree's keys (each
page's /StructParents, each annotation's /StructParent) move past those the parts before it
use, and its element ids (typst numbers them from 1 in every document) get a prefix of the
part's, in the elements, in the table cells' /Headers that name them and in its id tree. Then
`join` appends its pages, its structure elements as children of the first part's Document
element, its parent and id trees as leaves of the joined ones (each a copy of the part's in
one piece: no entry is handled one by one here), and its bookmarks, each still pointing at its
place on its page.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, String


@dataclass(frozen=True)
class Target:
    """A place in the joined document: a page (0-based) and a point on it."""

    page: int
    x: float
    y: float


@dataclass(frozen=True)
class Link:
    """A link that a part could not draw itself (typst links only within its own document):
    the part wrote it as a URI `uri`, which becomes a link to `target`; `description` is what
    a screen reader announces for it (the annotation's /Contents)."""

    uri: str
    target: Target
    description: str


def bookmarks(pdf: pikepdf.Pdf) -> list[tuple[str, Target]]:
    """The bookmarks of an open PDF, in reading order (a heading's subheadings after it): the
    title of each and where it points, its page counted within this PDF."""
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    with pdf.open_outline() as outline:
        return [(i.title, _target(i.destination, pages)) for i in _walk(outline.root)]


def _walk(items) -> Iterator:
    for item in items:
        yield item
        yield from _walk(item.children)


def _target(destination, pages: dict) -> Target:
    page, _, x, y, *_ = destination
    return Target(pages[page.objgen], float(x), float(y))


def prefix(index: int) -> str:
    """The id prefix of the part at `index` (from 1): the prefixes sort in the parts' order,
    and before the first part's own ids (typst's begin with "U")."""
    return f"P{index:04d}-"


def prepare(data: bytes, shift: int, index: int) -> bytes:
    """The part at `index` made ready to be appended: its parent-tree keys moved up by `shift`
    (the number of keys the parts before it use), its ids given its prefix."""
    with pikepdf.open(io.BytesIO(data)) as part:
        tree = part.Root.StructTreeRoot
        for page in part.pages:
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + shift
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
        numbers = _flat(tree.ParentTree, "/Nums")
        numbers[::2] = [int(key) + shift for key in numbers[::2]]
        tree.ParentTree = part.make_indirect(Dictionary(Nums=Array(numbers)))
        if "/IDTree" in tree:
            _prefix_ids(part, tree, prefix(index))
        tree.ParentTreeNextKey = shift + int(tree.ParentTreeNextKey)
        written = io.BytesIO()
        part.save(written)
        return written.getvalue()


def join(parts: list[bytes], links: list[Link]) -> bytes:
    """One PDF of `parts` in order, `links` drawn (see Link); every part but the first made
    ready by `prepare`."""
    out = pikepdf.open(io.BytesIO(parts[0]))
    tree = out.Root.StructTreeRoot
    document = _document(tree)
    numbers = [_leaf(out, out, "/ParentTree", "/Nums")]
    ids = [_leaf(out, out, "/IDTree", "/Names")]
    next_key = int(tree.ParentTreeNextKey)
    with out.open_outline() as outline:
        for data in parts[1:]:
            with pikepdf.open(io.BytesIO(data)) as part:
                outline.root.extend(_append(out, part, document, numbers, ids))
                next_key = max(next_key, int(part.Root.StructTreeRoot.ParentTreeNextKey))
    tree.ParentTree = out.make_indirect(Dictionary(Kids=Array([n for n in numbers if n])))
    # The id tree's leaves in the order of their keys: the prefixed parts', then the first's.
    tree.IDTree = out.make_indirect(Dictionary(Kids=Array([i for i in ids[1:] + ids[:1] if i])))
    tree.ParentTreeNextKey = next_key
    _draw_links(out, links)
    _set_page_count(out)
    written = io.BytesIO()
    # In object streams, as typst writes them: a third of the size the objects take alone.
    out.save(written, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return written.getvalue()


def _document(tree: pikepdf.Object) -> pikepdf.Object:
    """The Document element at the top of a structure tree (typst writes it alone, in an array
    or not)."""
    top = tree.K
    return top[0] if isinstance(top, Array) else top


def _flat(tree: pikepdf.Object, kind: str) -> list:
    """A number or name tree's entries, flat (key, value, ...), its /Kids descended in order."""
    if kind in tree:
        return list(tree[kind])
    return [entry for kid in tree.get("/Kids", []) for entry in _flat(kid, kind)]


def _leaf(out: pikepdf.Pdf, part: pikepdf.Pdf, name: str, kind: str) -> pikepdf.Object | None:
    """A part's number or name tree as one leaf of the joined tree: its entries, copied into
    `out` in one piece, and its first and last keys. None if it has no entry."""
    tree = part.Root.StructTreeRoot
    entries = _flat(tree[name], kind) if name in tree else []
    if not entries:
        return None
    array = part.make_indirect(Array(entries))
    copied = array if part is out else out.copy_foreign(array)
    limits = Array([entries[0], entries[-2]])
    return out.make_indirect(Dictionary({kind: copied, "/Limits": limits}))


def _append(out: pikepdf.Pdf, part: pikepdf.Pdf, document, numbers: list, ids: list) -> list:
    """Append a prepared `part` to `out`: its pages, its structure elements under `document`,
    its parent and id trees as leaves of `numbers` and `ids`; give its bookmarks, as items for
    the joined outline."""
    first = len(out.pages)
    tree = part.Root.StructTreeRoot
    kids = _document(tree).K
    top = kids if isinstance(kids, Array) else Array([kids])
    for element in top:
        del element["/P"]  # its parent, the part's Document element, is not copied
    out.pages.extend(part.pages)
    for element in out.copy_foreign(part.make_indirect(top)):
        element.P = document
        document.K.append(element)
    numbers.append(_leaf(out, part, "/ParentTree", "/Nums"))
    ids.append(_leaf(out, part, "/IDTree", "/Names"))
    _merge_role_map(out.Root.StructTreeRoot, tree)
    with part.open_outline() as outline:
        pages = {page.objgen: index for index, page in enumerate(part.pages)}
        return [_copied_item(item, out, first, pages) for item in outline.root]


def _prefix_ids(part: pikepdf.Pdf, tree: pikepdf.Object, prefix: str) -> None:
    """Every element id of the part, and every reference to one, begins with `prefix`. typst
    gives ids to table header cells only (the id tree lists them) and refers to them from the
    cells of their table (/Headers): only those tables are walked, down to their cells."""
    tables = {}
    names = _flat(tree.IDTree, "/Names")
    names[::2] = [String(prefix + str(name)) for name in names[::2]]
    tree.IDTree = part.make_indirect(Dictionary(Names=Array(names)))
    for element in names[1::2]:
        element.ID = String(prefix + str(element.ID))
        table = _table_of(element)
        if table is not None:
            tables[table.objgen] = table
    for cell in (cell for table in tables.values() for cell in _cells(table)):
        attributes = cell.get("/A")
        for owner in attributes if isinstance(attributes, Array) else [attributes]:
            if isinstance(owner, Dictionary) and "/Headers" in owner:
                owner.Headers = Array([String(prefix + str(h)) for h in owner.Headers])


def _table_of(cell: pikepdf.Object) -> pikepdf.Object | None:
    node = cell
    while isinstance(node, Dictionary) and "/P" in node and node.get("/S") != Name.Table:
        node = node.P
    return node if isinstance(node, Dictionary) and node.get("/S") == Name.Table else None


TABLE_PARTS = (Name.Table, Name.THead, Name.TBody, Name.TFoot, Name.TR)


def _cells(table: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """A table's cells (TH, TD): its rows' children, through its head, body and foot."""
    stack = [table]
    while stack:
        node = stack.pop()
        if not isinstance(node, Dictionary) or "/S" not in node:
            continue
        if node.S in TABLE_PARTS:
            kids = node.get("/K")
            if kids is not None:
                stack.extend(kids if isinstance(kids, Array) else [kids])
        elif node.S in (Name.TH, Name.TD):
            yield node


def _merge_role_map(into: pikepdf.Object, tree: pikepdf.Object) -> None:
    if "/RoleMap" not in tree:
        return
    if "/RoleMap" not in into:
        into.RoleMap = Dictionary()
    for role, standard in tree.RoleMap.items():
        if role not in into.RoleMap:
            into.RoleMap[role] = Name(str(standard))


def _copied_item(item, out: pikepdf.Pdf, first: int, pages: dict) -> pikepdf.OutlineItem:
    target = _target(item.destination, pages)
    copied = pikepdf.OutlineItem(
        item.title, _destination(out, Target(first + target.page, target.x, target.y))
    )
    copied.is_closed = item.is_closed
    copied.children.extend(_copied_item(child, out, first, pages) for child in item.children)
    return copied


def _destination(out: pikepdf.Pdf, target: Target) -> Array:
    return Array([out.pages[target.page].obj, Name.XYZ, target.x, target.y, 0])


def _draw_links(out: pikepdf.Pdf, links: list[Link]) -> None:
    """Each URI annotation a part wrote for a `Link` becomes a link to its target."""
    by_uri = {link.uri: link for link in links}
    for page in out.pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get("/A")
            link = by_uri.get(str(action.get("/URI", ""))) if action is not None else None
            if link is None:
                continue
            del annotation["/A"]
            annotation.Dest = _destination(out, link.target)
            annotation.Contents = String(link.description)


def _set_page_count(out: pikepdf.Pdf) -> None:
    metadata = out.Root.Metadata
    xmp = metadata.read_bytes().decode("utf-8")
    count = f"<xmpTPg:NPages>{len(out.pages)}</xmpTPg:NPages>"
    metadata.write(re.sub(r"<xmpTPg:NPages>\d+</xmpTPg:NPages>", count, xmp).encode("utf-8"))
