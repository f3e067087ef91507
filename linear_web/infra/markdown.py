"""Markdown → sanitised HTML (markdown-it-py, raw HTML off, then nh3 allow-list); @mentions as links."""
import re
from collections.abc import Mapping
from functools import lru_cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from ..vocabulary import MENTION_PATTERN

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}) \
    .enable("table").enable("strikethrough").use(tasklists_plugin)

_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
         "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
         "td", "input", "span"}
_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "code": {"class"},
          "input": {"type", "checked", "disabled", "class"},
          "li": {"class"}, "ul": {"class"}, "ol": {"start"}}


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Render Markdown for display; the result is safe to insert as HTML."""
    if not text:
        return ""
    html = _md.render(text)
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


# -- @mentions: links added to the sanitised HTML --------------------------------------------------
# The rendered HTML depends on the text alone (and is cached by it); which @handles are members of
# the team changes without the text changing, so links are added afterwards, per render, to
# the text between tags. Tags are matched with their quoted attribute values (nh3 quotes every value
# with "), so a ">" inside a title or alt is never taken for the end of a tag.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_NO_LINKS = {"a", "code", "pre"}  # a link inside a link is invalid; code shows text as typed
_MENTION = re.compile(MENTION_PATTERN)


def link_mentions(html: str, links: Mapping[str, tuple[str, str]]) -> str:
    """Sanitised HTML with each `@handle` of `links` ({handle: (url, title)}) in its text turned into
    `<a class="mention">`, outside links and code; any other @text stays as it is."""
    if "@" not in html or not links:
        return html
    out, pos, closed_over = [], 0, 0
    for tag in _TAG.finditer(html):
        text = html[pos:tag.start()]
        out.append(text if closed_over else _link_text(text, links))
        name = _TAG_NAME.match(tag.group(0))
        if name and name.group(2).lower() in _NO_LINKS:
            closed_over = max(0, closed_over + (-1 if name.group(1) else 1))
        out.append(tag.group(0))
        pos = tag.end()
    out.append(html[pos:] if closed_over else _link_text(html[pos:], links))
    return "".join(out)


def _link_text(text: str, links: Mapping[str, tuple[str, str]]) -> str:
    """Escaped text (no tags) with its member @handles as links; a handle is [a-z0-9._-] only, so
    it can neither end the text's entities nor open markup."""
    if "@" not in text:
        return text

    def link(match: re.Match) -> str:
        found = links.get(match.group(1))
        if found is None:
            return match.group(0)
        url, title = found
        return (f'<a href="{escape(url)}" class="mention" title="{escape(title)}">'
                f'@{match.group(1)}</a>')
    return _MENTION.sub(link, text)
