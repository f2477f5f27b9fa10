"""What the bench's simulated people read off a page, as a browser would: its forms (with the CSRF
token the page carries), its links, and the messages shown after a step. Standard library only.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Select:
    options: list[str] = field(default_factory=list)
    selected: str | None = None


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    selects: dict[str, Select] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)  # name → value of submit buttons
    radios: dict[str, list[str]] = field(default_factory=dict)

    def data(self, **changes: str) -> dict[str, str]:
        """What the browser sends (without a button), with `changes` typed in."""
        values = dict(self.fields)
        for name, select in self.selects.items():
            values[name] = select.selected if select.selected is not None else ""
        values.update(changes)
        return values


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.messages: list[str] = []
        self._form: Form | None = None
        self._select: tuple[str, Select] | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._message: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif (tag == "li" and "message" in a.get("class", "")) or (
            tag == "p" and a.get("role") == "alert"
        ):
            self._message = []
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._input(name, a)
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._form.buttons[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = (name, Select())
            self._form.selects[name] = self._select[1]
        elif tag == "option" and self._select is not None:
            self._option = a.get("value", "")
            self._select[1].options.append(self._option)
            if "selected" in a:
                self._select[1].selected = self._option
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def _input(self, name: str, a: dict[str, str]) -> None:
        kind = a.get("type", "text")
        if kind == "radio":
            self._form.radios.setdefault(name, []).append(a.get("value", ""))
            if "checked" in a:
                self._form.fields[name] = a.get("value", "")
        elif kind == "checkbox":
            if "checked" in a:
                self._form.fields[name] = a.get("value", "on")
        elif kind not in {"submit", "button", "file"}:
            self._form.fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields[self._textarea] = "".join(self._text).removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            name, select = self._select or ("", None)
            if select is not None and select.selected is None and select.options:
                select.selected = select.options[0]
            self._select = None
        elif tag == "form":
            self._form = None
        elif tag in {"li", "p"} and self._message is not None:
            self.messages.append(" ".join("".join(self._message).split()))
            self._message = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        if self._message is not None:
            self._message.append(data)


@dataclass
class Page:
    forms: list[Form]
    links: list[str]
    messages: list[str]

    def form(self, action_contains: str = "", *, button: str = "") -> Form | None:
        """The first form posting to an address containing `action_contains` (to the page's
        own address if it is empty) and offering the submit button `button`, or None."""
        for form in self.forms:
            if form.method != "post" or (button and button not in form.buttons):
                continue
            if (action_contains in form.action) if action_contains else not form.action:
                return form
        return None

    def links_matching(self, pattern: str) -> list[str]:
        return sorted({link for link in self.links if re.fullmatch(pattern, link)})


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return Page(forms=parser.forms, links=parser.links, messages=parser.messages)
