"""Reader for pages a browser saved as one file (``.mht``/``.mhtml``): MIME multipart
with the page as (usually quoted-printable) HTML. The HTML part goes to the HTML reader
with the charset its MIME header declares."""

from __future__ import annotations

import email
import email.policy
import re

from kb.model import IngestError
from kb.readers import html
from kb.readers.base import Draft

FORMAT = "mhtml"

_SNIFF = re.compile(
    rb"^(?:From:|MIME-Version:|Content-Type:\s*multipart/related|Subject:|Date:)", re.I | re.M
)


def sniff(head: bytes) -> bool:
    top = head[:2048].lstrip()
    return bool(_SNIFF.match(top)) and b"multipart/related" in head.lower()


def read(data: bytes) -> Draft:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload.strip():
            continue
        draft = html.read(payload, declared=part.get_content_charset())
        draft.format = FORMAT
        return draft
    raise IngestError("web archive (MHTML) holds no HTML page")
