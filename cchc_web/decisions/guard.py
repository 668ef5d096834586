"""What a PDF uploaded to the public /verify page may cost before it is refused.

Issue 15: a 2.4 MB PDF whose /AcroForm /Fields repeats `5 0 R` 400,000 times kept pyHanko busy
for 44.6 s, and two of them held both workers. `check_uploaded` is the bounded way to call
`signing.check_signature` on a file someone uploaded:

1. the caller has already compared its SHA-256 with the issued Decisions: bytes this system
   issued are known and are validated directly;
2. any other file is scanned (a few milliseconds, no parsing) and refused when it holds far
   more objects, references or object streams than any Decision this system produces;
3. what passes is validated in a child process with a time and a memory limit
   (`sandbox.run_limited`): VERIFY_TIME_LIMIT seconds, VERIFY_MEMORY_LIMIT_MB.

What a real Decision costs (measured 2026-12-05 on one with a 2,000-row appendix, the largest
MAX_APPENDIX_ROWS allows): 463 KB, 315 objects, 607 references, signature checked in 10 ms
(25 ms in the child process). The limits leave about a hundred times that: 30,000 objects,
100,000 references, 4 MB (VERIFY_MAX_BYTES), 1 s (VERIFY_TIME_LIMIT).
"""

from __future__ import annotations

import logging
import re

from ..core.errors import DomainError
from ..core.sandbox import LimitExceeded, run_limited
from ..core.settings import setting
from . import signing

log = logging.getLogger(__name__)

MAX_OBJECTS = 30_000
MAX_REFERENCES = 100_000
MAX_OBJECT_STREAMS = 500
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_REFERENCE = re.compile(rb"\d+\s+\d+\s+R\b")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")

TOO_COMPLEX = (
    "Tệp PDF có cấu trúc bất thường (quá nhiều đối tượng), không phải quyết định do hệ thống "
    "ban hành: không kiểm tra."
)
TOO_COSTLY = (
    "Tệp PDF này cần quá nhiều thời gian hoặc bộ nhớ để kiểm tra chữ ký nên đã bị dừng; "
    "quyết định do hệ thống ban hành được kiểm tra trong chưa đầy một giây. Hãy tải lên "
    "đúng tệp đã tải về từ hệ thống."
)


def structure_problem(pdf: bytes) -> str | None:
    """Refuse absurd structure before any parser sees it (counts only, no parsing)."""
    if len(_OBJECT_STREAM.findall(pdf)) > MAX_OBJECT_STREAMS:
        return TOO_COMPLEX
    if sum(1 for _ in _OBJECT.finditer(pdf)) > MAX_OBJECTS:
        return TOO_COMPLEX
    for count, _match in enumerate(_REFERENCE.finditer(pdf), start=1):
        if count > MAX_REFERENCES:
            return TOO_COMPLEX
    return None


def check_uploaded(pdf: bytes, *, issued: bool) -> signing.SignatureCheck:
    """`signing.check_signature` for an uploaded file, bounded as described above.

    `issued`: the bytes are exactly those of a Decision this system issued. Raises ValueError
    for an unreadable PDF (as check_signature does) and DomainError when the file is refused.
    """
    if issued:
        return signing.check_signature(pdf)
    problem = structure_problem(pdf)
    if problem:
        raise DomainError(problem, "file")
    signing.state()  # loaded here, so that the child never waits for the loading lock
    try:
        return run_limited(
            signing.check_signature,
            pdf,
            timeout=setting("VERIFY_TIME_LIMIT"),
            memory_mb=setting("VERIFY_MEMORY_LIMIT_MB"),
        )
    except LimitExceeded as exceeded:
        log.warning("/verify stopped a PDF: %s limit", exceeded.kind)
        raise DomainError(TOO_COSTLY, "file") from exceeded
    except RuntimeError as err:
        raise ValueError(str(err)) from err
