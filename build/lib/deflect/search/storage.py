"""Open the index without copying it: each segment file read through a shared memory map.

Whoosh's compound segment files (``*.seg``) are memory-mapped, but each
part is then wrapped in a ``BufferFile`` whose ``BytesIO`` copies it into the
process's private memory: every searcher of every worker held its own copy
of its language's postings, term index and stored fields (about 26 MB per
language at 10,000 articles). Plain segment files are read with a system
call per read, about 1.4 times slower. The index is therefore written with
one file per part (``compound=False``) and :func:`open_index` maps each file
and reads it through :class:`MappedFile`: the pages are shared by all the
workers of a machine (the operating system's file cache), nothing is copied,
and reads are slices of memory.

>>> view = MappedFile(memoryview(b"abcdef"))
>>> view.read(2), view.tell(), view.seek(4), view.read()
(b'ab', 2, 4, b'ef')
"""
from __future__ import annotations

import io
import mmap
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile


class MappedFile(io.RawIOBase):
    """A read-only file over a memoryview: reads slice the view, nothing is copied up front."""

    def __init__(self, view):
        super().__init__()
        self._view = view
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._position + size)
        data = bytes(self._view[self._position:end])
        self._position = end
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position


class MappedBufferFile(BufferFile):
    """Whoosh's ``BufferFile`` reading through :class:`MappedFile` instead of a private ``BytesIO`` copy."""

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = MappedFile(buf)

    def subset(self, position, length, name=None):
        return MappedBufferFile(self._buf[position:position + length], name=name or self._name)


class MappedFileStorage(FileStorage):
    """An index folder whose files are opened as read-only memory maps (see the module docstring)."""

    def open_file(self, name, *args, **kwargs):
        path = Path(self._fpath(name))
        if path.stat().st_size == 0:  # an empty file cannot be mapped
            return super().open_file(name, *args, **kwargs)
        with open(path, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedBufferFile(memoryview(mapped), name=name)


def open_index(folder: Path):
    """Open the Whoosh index in ``folder`` with its files mapped, shared and not copied."""
    return MappedFileStorage(str(folder), readonly=True).open_index()
