"""The same real articles in markups the readers were not written against.

Each renderer takes a plain-text KB article from the corpus and lays it out the way
another kind of archive would have saved it. The layout code here is deliberately
independent of ``kb.readers`` (a naive line-by-line conversion), so scoring the HTML
reader on these pages against the gold labels measures the reader, not a round trip.

- ``support-site``: an old support.microsoft.com page (2003 style): ``<h2>`` headings
  with "Back to the top" links, tables for article info, ``<div>`` message boxes.
- ``wiki``: a MediaWiki-rendered archive: ``<h2><span>Symptoms</span>[edit]</h2>``,
  a table of contents, ``<pre>`` blocks, web-archive toolbar and rewritten links.
- ``html-1990s``: uppercase tags, unclosed ``<P>`` and ``<LI>``, ``<B>`` headings,
  Windows-1252 bytes declared in a ``<META>``.
- ``mhtml``: the support-site page saved by a browser as a single-file web archive.
- ``support-site-tables``: the 2003-2010 support site: the article inside layout-table
  cells, the title a bold cell, headings bold text (no heading elements at all).
- ``wiki-path``: a wiki archive whose page title and first heading are a path
  ("Microsoft KB Archive/279415"), the article's title a heading inside the page.
- ``web-clip``: the page saved by a web clipper as Markdown (front matter, navigation
  and feedback links kept).
- ``loose-text``: the page copied out of a browser as plain text (CRLF, Windows-1252).
"""

from __future__ import annotations

import html
import quopri
import re
from dataclasses import dataclass, field


@dataclass
class Node:
    kind: str  # p, pre, ol, ul, h
    text: str = ""
    items: list[list[Node]] = field(default_factory=list)


@dataclass
class Doc:
    number: int
    title: str
    date: str
    sections: list[tuple[str, list[Node]]]


def parse_txt(data: bytes) -> Doc:
    text = data.decode("cp1252", "replace").replace("\r\n", "\n")
    number = int(re.search(r"DOCUMENT:Q(\d+)", text).group(1))
    title = re.search(r"^TITLE\s*:(.*)$", text, re.M).group(1).strip()
    date = re.search(r"DOCUMENT:Q\d+\s+(\S+)", text).group(1)
    body = text.split(
        "\n-------------------------------------------------------------------------------\n\n", 2
    )[-1]
    body = re.split(r"\n={40,}\nKeywords", body)[0]
    parts = re.split(r"^([A-Z][A-Z ]+)\n=+\n", body, flags=re.M)
    sections = []
    for i in range(1, len(parts) - 1, 2):
        sections.append((parts[i].strip(), _nodes(parts[i + 1])))
    return Doc(number, title, date, sections)


def _nodes(text: str) -> list[Node]:
    nodes: list[Node] = []
    for group in re.split(r"\n\s*\n", text.strip("\n")):
        if not group.strip():
            continue
        lines = group.split("\n")
        first = lines[0]
        numbered = re.match(r"^(\d{1,2})\.\s+(.*)", first)
        bullet = re.match(r"^(\s*)-\s+(.*)", first)
        if len(lines) > 1 and re.fullmatch(r"-{3,}", lines[1].strip()):
            nodes.append(Node("h", first.strip()))
            if lines[2:]:
                nodes.extend(_nodes("\n".join(lines[2:])))
        elif numbered:
            item_text = " ".join([numbered.group(2), *(x.strip() for x in lines[1:])])
            if not (nodes and nodes[-1].kind == "ol") or numbered.group(1) == "1":
                nodes.append(Node("ol"))
            nodes[-1].items.append([Node("p", item_text)])
        elif bullet and bullet.group(1) and nodes and nodes[-1].kind == "ol":
            owner = nodes[-1].items[-1]
            if owner[-1].kind != "ul":
                owner.append(Node("ul"))
            owner[-1].items.append(
                [Node("p", " ".join([bullet.group(2), *(x.strip() for x in lines[1:])]))]
            )
        elif bullet:
            if not (nodes and nodes[-1].kind == "ul"):
                nodes.append(Node("ul"))
            nodes[-1].items.append(
                [Node("p", " ".join([bullet.group(2), *(x.strip() for x in lines[1:])]))]
            )
        elif (
            first.startswith("  ")
            and nodes
            and nodes[-1].kind == "ol"
            and len(first) - len(first.lstrip()) <= 4
        ):
            nodes[-1].items[-1].append(Node("p", " ".join(x.strip() for x in lines)))
        elif first.startswith("  "):
            indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
            nodes.append(Node("pre", "\n".join(x[indent:] for x in lines)))
        else:
            nodes.append(Node("p", " ".join(x.strip() for x in lines)))
    return nodes


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


# ---------------------------------------------------------------- support site


def _support_nodes(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        if node.kind == "p":
            out.append(f"<p>{_link_refs(_esc(node.text))}</p>")
        elif node.kind == "h":
            out.append(f"<h4>{_esc(node.text)}</h4>")
        elif node.kind == "pre":
            out.append(
                '<div class="errormsg">'
                + "<br>".join(_esc(x) for x in node.text.split("\n"))
                + "</div>"
            )
        else:
            tag = node.kind
            items = "".join(f"<li>{_support_nodes(item)}</li>" for item in node.items)
            out.append(f"<{tag}>{items}</{tag}>")
    return "\n".join(out)


def _link_refs(text: str) -> str:
    return re.sub(r"\bQ(\d{5,6})\b", r'<a href="/kb/\1/EN-US/">Q\1</a>', text)


def support_site(number: int, data: bytes) -> bytes:
    doc = parse_txt(data)
    body = []
    for heading, nodes in doc.sections:
        body.append(f'<h2 class="subTitle">{heading.title()}</h2>')
        body.append(_support_nodes(nodes))
        body.append('<div class="topOfPage"><a href="#top">Back to the top</a></div>')
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{_esc(doc.title)}</title>
<script type="text/javascript">var s_account="msstonline";</script></head>
<body><div id="masthead"><a href="/">Microsoft.com Home</a> | <a href="/sitemap">Site Map</a>
<form action="/search"><input name="q"></form></div>
<div id="leftNav"><ul><li><a href="/">Help and Support</a></li><li><a href="/select">Select
a Product</a></li></ul></div>
<div id="content"><h1 class="title">{_esc(doc.title)}</h1>
<table class="meta"><tr><td>Article ID</td><td>:</td><td>{doc.number}</td></tr>
<tr><td>Last Review</td><td>:</td><td>{doc.date}</td></tr>
<tr><td>Revision</td><td>:</td><td>2.1</td></tr></table>
<p>This article was previously published under Q{doc.number}</p>
{chr(10).join(body)}
</div><div id="footer">Manage Your Profile | <a href="/contact">Contact Us</a>
&copy;2003 Microsoft Corporation. All rights reserved.</div></body></html>"""
    return page.encode("utf-8")


# ------------------------------------------------------------------------ wiki


def _wiki_nodes(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        if node.kind == "p":
            out.append(f"<p>{_esc(node.text)}\n</p>")
        elif node.kind == "h":
            out.append(f'<h3><span class="mw-headline">{_esc(node.text)}</span></h3>')
        elif node.kind == "pre":
            out.append(f"<pre>{_esc(node.text)}\n</pre>")
        else:
            tag = node.kind
            items = "".join(f"<li>{_wiki_nodes(item)}</li>\n" for item in node.items)
            out.append(f"<{tag}>\n{items}</{tag}>")
    return "\n".join(out)


def wiki(number: int, data: bytes) -> bytes:
    doc = parse_txt(data)
    toc = "".join(
        f'<li class="toclevel-1"><a href="#s{i}"><span class="tocnumber">{i + 1}'
        f'</span> <span class="toctext">{h.title()}</span></a></li>'
        for i, (h, _) in enumerate(doc.sections)
    )
    body = []
    for i, (heading, nodes) in enumerate(doc.sections):
        body.append(
            f'<h2><span class="mw-headline" id="s{i}">{heading.title()}</span>'
            f'<span class="mw-editsection">[<a href="/w/index.php?action=edit">edit'
            f"</a>]</span></h2>"
        )
        body.append(_wiki_nodes(nodes))
    page = f"""<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="UTF-8"/>
<title>KB{doc.number} - {_esc(doc.title)} - KB Wiki</title></head>
<body>
<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<div id="wm-ipp"><a href="/web/">Wayback Machine</a> 52 captures 2009 - 2015
<a href="/web/20100101000000*/support.microsoft.com/kb/{number}">Jan 2010</a></div>
<!-- END WAYBACK TOOLBAR INSERT -->
<div id="mw-navigation"><a href="/web/20100101000000/http://kbwiki.example/wiki/Main_Page">Main
page</a></div>
<div id="content"><h1 id="firstHeading" class="firstHeading">KB{doc.number}: {_esc(doc.title)}</h1>
<div id="bodyContent"><div id="siteSub">From KB Wiki, the free Knowledge Base archive</div>
<div id="toc" class="toc"><div id="toctitle"><h2>Contents</h2></div><ul>{toc}</ul></div>
{chr(10).join(body)}
<div class="printfooter">Retrieved from
"http://kbwiki.example/w/index.php?title=KB{doc.number}&oldid=12"</div>
<div id="catlinks"><a href="/wiki/Category:KB">Categories</a>: Knowledge Base</div>
</div></div></body></html>"""
    return page.encode("utf-8")


# ------------------------------------------------------------------ 1990s HTML


def _old_nodes(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        if node.kind == "p":
            out.append(f"<P>{_esc(node.text)}")
        elif node.kind == "h":
            out.append(f"<P><I>{_esc(node.text)}</I>")
        elif node.kind == "pre":
            out.append(f"<PRE>{_esc(node.text)}</PRE>")
        else:
            tag = node.kind.upper()
            items = "".join(
                f"\n<LI>{_old_nodes(item)[3:] if item[0].kind == 'p' else ''}"
                for item in node.items
            )
            out.append(f"<{tag}>{items}\n</{tag}>")
    return "\n".join(out)


def html_1990s(number: int, data: bytes) -> bytes:
    doc = parse_txt(data)
    body = []
    for heading, nodes in doc.sections:
        body.append(f"<P><B>{heading}</B><BR>")
        body.append(_old_nodes(nodes))
    page = f"""<HTML>
<HEAD>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252">
<TITLE>Microsoft Knowledge Base Article - Q{doc.number}</TITLE>
</HEAD>
<BODY BGCOLOR="#FFFFFF">
<FONT FACE="Arial" SIZE=2><A HREF="/support/">Support Online</A> &#149; <A HREF="/kb/">KB</A>
</FONT><HR>
<H2>{_esc(doc.title)}</H2>
<P>Article ID: Q{doc.number}<BR>Last Modified: {doc.date}<BR>
{chr(10).join(body)}
<HR>
<P><FONT SIZE=1>&copy; Microsoft Corporation 1997. All rights reserved. Terms of use.</FONT>
</BODY>
</HTML>"""
    return page.encode("cp1252", "replace")


# ----------------------------------------------------------------------- MHTML


def mhtml(number: int, data: bytes) -> bytes:
    page = support_site(number, data)
    encoded = quopri.encodestring(page).decode("ascii")
    return (
        "From: <Saved by Windows Internet Explorer 8>\r\n"
        f"Subject: Article {number}\r\n"
        "Date: Mon, 1 Mar 2010 10:00:00 -0000\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; type="text/html"; boundary="----=_NextPart_000_0000"\r\n'
        "\r\nThis is a multi-part message in MIME format.\r\n\r\n"
        "------=_NextPart_000_0000\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        f"Content-Location: http://support.microsoft.com/kb/{number}\r\n\r\n"
        f"{encoded}\r\n"
        "------=_NextPart_000_0000\r\n"
        "Content-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Location: http://support.microsoft.com/library/images/logo.gif\r\n\r\n"
        "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7\r\n"
        "------=_NextPart_000_0000--\r\n"
    ).encode("ascii")


# ------------------------------------------------- support site in layout tables


def _table_nodes(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        if node.kind == "p":
            text = _link_refs(_esc(node.text))
            out.append(f'<font face="Verdana" size="2">{text}</font><br><br>')
        elif node.kind == "h":
            out.append(f"<b>{_esc(node.text)}</b><br>")
        elif node.kind == "pre":
            rows = "<br>".join(_esc(x) for x in node.text.split("\n"))
            out.append(f'<table class="msg"><tr><td><tt>{rows}</tt></td></tr></table>')
        else:
            tag = node.kind
            items = "".join(f"<li>{_table_nodes(item)}</li>" for item in node.items)
            out.append(f"<{tag}>{items}</{tag}>")
    return "\n".join(out)


def support_site_tables(number: int, data: bytes) -> bytes:
    """The support site as 2003-2010 built it: the whole page one layout table, the
    article in a cell of it, each section in a table of its own, the title a bold
    cell rather than a heading, headings bold text in a cell."""
    doc = parse_txt(data)
    sections = []
    for heading, nodes in doc.sections:
        sections.append(
            '<table width="100%" border="0" cellpadding="0" cellspacing="0">'
            f'<tr><td class="sectionTitle"><b>{heading}</b></td></tr>'
            f"<tr><td>{_table_nodes(nodes)}</td></tr>"
            '<tr><td align="right"><a href="#top"><img src="/library/images/support/uparrow.gif"'
            ' border="0">Back to the top</a></td></tr></table>'
        )
    page = f"""<html><head><title>{_esc(doc.title)}</title>
<meta name="Product" content="kbexchange"></head>
<body topmargin="0" leftmargin="0"><a name="top"></a>
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td colspan="2" bgcolor="#003399"><font color="white" size="1">Microsoft.com Home |
<a href="/">Help and Support</a> | <a href="/search">Search</a></font></td></tr>
<tr><td width="170" valign="top"><table><tr><td><a href="/">Help and Support Home</a></td></tr>
<tr><td><a href="/select">Select a Product</a></td></tr><tr><td><a href="/search">Advanced
Search</a></td></tr></table></td>
<td valign="top"><table width="100%"><tr><td><font face="Verdana" size="4"><b>{_esc(doc.title)}
</b></font></td></tr>
<tr><td><table class="articleInfo"><tr><td>Article ID</td><td>:</td><td>{doc.number}</td></tr>
<tr><td>Last Review</td><td>:</td><td>{doc.date}</td></tr>
<tr><td>Revision</td><td>:</td><td>3.0</td></tr></table></td></tr>
<tr><td><font size="2">This article was previously published under Q{doc.number}</font></td></tr>
<tr><td>{"".join(sections)}</td></tr></table></td></tr>
<tr><td colspan="2"><font size="1">&copy;2005 Microsoft Corporation. All rights reserved.
<a href="/terms">Terms of Use</a></font></td></tr></table></body></html>"""
    return page.encode("utf-8")


# ------------------------------------------------------------ wiki titled by path


def wiki_path(number: int, data: bytes) -> bytes:
    """A wiki archive whose page is named by a path ("Microsoft KB Archive/279415");
    the article's own title is a heading inside the page, not the page's title."""
    doc = parse_txt(data)
    body = []
    for heading, nodes in doc.sections:
        body.append(f'<h2><span class="mw-headline" id="{heading}">{heading}</span></h2>')
        body.append(_wiki_nodes(nodes))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"/>
<title>Microsoft KB Archive/{doc.number} - Archive Wiki</title></head><body>
<div id="mw-head"><a href="/wiki/Main_Page">Main Page</a> <a href="/wiki/Special:Random">Random
page</a></div>
<div id="content"><h1 id="firstHeading" class="firstHeading">Microsoft KB Archive/{doc.number}</h1>
<div id="bodyContent"><div id="siteSub">From Archive Wiki</div>
<div class="mw-parser-output">
<table class="notice"><tr><td>Knowledge Article</td><td>This article is from the Microsoft
Knowledge Base and is archived here for reference.</td></tr></table>
<h1><span class="mw-headline">{_esc(doc.title)}</span></h1>
<p>Article ID: {doc.number}<br/>Article Last Modified on {doc.date}</p>
<hr/><p>This article was previously published under Q{doc.number}</p><hr/>
{chr(10).join(body)}
</div><div class="printfooter">Retrieved from "/wiki/Microsoft_KB_Archive/{doc.number}"</div>
<div id="catlinks"><a href="/wiki/Category:Microsoft_KB_Archive">Microsoft KB Archive</a></div>
</div></div></body></html>"""
    return page.encode("utf-8")


# ------------------------------------------------------- web clip and loose text


def _md_nodes(nodes: list[Node], indent: str = "") -> str:
    out = []
    for node in nodes:
        if node.kind == "p":
            out.append(indent + _link_md(node.text.replace("*", "\\*")))
        elif node.kind == "h":
            out.append(f"{indent}### {node.text}")
        elif node.kind == "pre":
            out.append("\n".join(f"{indent}> {x}  " for x in node.text.split("\n")))
        else:
            for i, item in enumerate(node.items):
                marker = f"{i + 1}. " if node.kind == "ol" else "- "
                inner = _md_nodes(item, indent + " " * len(marker))
                out.append(indent + marker + inner.lstrip())
    return "\n\n".join(out)


def _link_md(text: str) -> str:
    return re.sub(r"\bQ(\d{5,6})\b", r"[Q\1](http://support.microsoft.com/kb/\1/EN-US/)", text)


def web_clip(number: int, data: bytes) -> bytes:
    """The support-site page as a web clipper saves it to Markdown: front matter, the
    site's navigation and feedback box still around the article."""
    doc = parse_txt(data)
    top = f"[Back to the top](http://support.microsoft.com/kb/{number}#top)"
    body = [f"## {heading}\n\n{_md_nodes(nodes)}\n\n{top}\n" for heading, nodes in doc.sections]
    page = f"""---
title: "{doc.title.replace('"', "'")}"
source: http://support.microsoft.com/kb/{number}
clipped: 2009-05-14
tags: [clippings, kb]
---

[Microsoft.com Home](http://www.microsoft.com/) | [Site Map](http://www.microsoft.com/sitemap)

[Help and Support](http://support.microsoft.com/) > [Search](http://support.microsoft.com/search)

# {doc.title}

Article ID: {doc.number} - Last Review: {doc.date} - Revision: 3.1

This article was previously published under Q{doc.number}

{chr(10).join(body)}

### Was this information helpful?

[Yes](http://support.microsoft.com/feedback?yes) [No](http://support.microsoft.com/feedback?no)

[Contact Us](http://support.microsoft.com/contactus) | [Terms of Use](http://www.microsoft.com/terms)
"""
    return page.encode("utf-8")


def _text_nodes(nodes: list[Node], indent: str = "") -> str:
    out = []
    for node in nodes:
        if node.kind in ("p", "h"):
            out.append(indent + node.text)
        elif node.kind == "pre":
            out.append("\n".join(f"{indent}    {x}" for x in node.text.split("\n")))
        else:
            for i, item in enumerate(node.items):
                marker = f"{i + 1}. " if node.kind == "ol" else "* "
                out.append(indent + marker + _text_nodes(item, indent + "   ").lstrip())
    return "\n\n".join(out)


def loose_text(number: int, data: bytes) -> bytes:
    """The page copied out of a browser into a text file (or a mail): a title line,
    the "Article ID: ... - Last Review: ... - Revision: ..." line, headings in
    capitals alone on a line, paragraphs unwrapped."""
    doc = parse_txt(data)
    body = [f"{heading}\n\n{_text_nodes(nodes)}" for heading, nodes in doc.sections]
    page = (
        f"{doc.title}\n\nArticle ID: {doc.number} - Last Review: {doc.date} - Revision: 2.1\n\n"
        f"This article was previously published under Q{doc.number}\n\n"
        + "\n\n".join(body)
        + "\n\nBack to the top\n"
    )
    return page.replace("\n", "\r\n").encode("cp1252", "replace")


RENDERERS = {
    "support-site": support_site,
    "wiki": wiki,
    "html-1990s": html_1990s,
    "mhtml": mhtml,
    "support-site-tables": support_site_tables,
    "wiki-path": wiki_path,
    "web-clip": web_clip,
    "loose-text": loose_text,
}
