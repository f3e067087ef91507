"""Markdown → sanitised HTML (markdown-it-py, raw HTML off, then nh3 allow-list)."""
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

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
