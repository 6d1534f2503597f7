"""The mounted-files backend over real directories in Kubernetes' layout.

The kubelet updates a Secret volume atomically: it writes every key into a new
``..<timestamp>`` directory, points a ``..data_tmp`` symlink at it, renames that
over ``..data``, and keeps one top-level symlink per key (``password ->
..data/password``). :func:`kubelet_write` does the same steps, so these tests read
what a pod reads, through the real filesystem, during and after an update.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.backends.files import MAX_FILE_BYTES, MountedFilesBackend
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import (
    BackendReadOnlyError,
    BackendUnavailableError,
    ConfigError,
    ScopeDeniedError,
    SecretNotFoundError,
)
from jupyter_secrets.manager import SecretManager
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.testing import BackendContract
from tests.support.fakes import fake_secret

_generation = itertools.count()


def kubelet_write(root: Path, payload: dict[str, str | bytes]) -> None:
    """Replace the whole volume's content the way the kubelet's AtomicWriter does."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / f"..2026_12_02_{next(_generation):06d}.{secrets.token_hex(4)}"
    stamp.mkdir()
    for relative, content in payload.items():
        target = stamp / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    data = root / "..data"
    old = os.readlink(data) if data.is_symlink() else None
    tmp = root / "..data_tmp"
    os.symlink(stamp.name, tmp)
    os.rename(tmp, data)  # the atomic switch
    for top in {relative.split("/", 1)[0] for relative in payload}:
        link = root / top
        if not link.is_symlink():
            os.symlink(f"..data/{top}", link)
    if old is not None:
        shutil.rmtree(root / old)


class Volume:
    """A Secret volume and everything written to it so far (a rewrite keeps the rest)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.payload: dict[str, str | bytes] = {}

    def put(self, relative: str, content: str | bytes) -> None:
        self.payload[relative] = content
        kubelet_write(self.root, self.payload)


@pytest.fixture
def volume(tmp_path: Path) -> Volume:
    return Volume(tmp_path / "var-run-secrets")


def _newline(value: str) -> str:
    """What `kubectl create secret --from-file` of an editor-saved file holds."""
    return value + "\n"


class TestFilesContract(BackendContract):
    """MountedFilesBackend over a volume the test updates as the kubelet does."""

    writable = False
    supports_delete = False

    @pytest.fixture
    def backend(self, volume: Volume) -> MountedFilesBackend:
        volume.put("README", "a file that is no ref")  # listed by no ref, read by none
        return MountedFilesBackend(path=str(volume.root))

    @pytest.fixture
    def seed(self, volume: Volume) -> object:
        def put(ref: SecretRef, value: str) -> None:
            volume.put(ref.path, _newline(value))

        return put

    @pytest.fixture(params=["missing", "a-file"])
    def unavailable_backend(
        self, request: pytest.FixtureRequest, tmp_path: Path
    ) -> MountedFilesBackend:
        path = tmp_path / "not-mounted"
        if request.param == "a-file":
            path.write_text("not a directory")
        return MountedFilesBackend(path=str(path))


def test_an_update_is_read_at_once(volume: Volume) -> None:
    backend = MountedFilesBackend(path=str(volume.root))
    ref = SecretRef("prod/db/password")
    old, new = fake_secret(), fake_secret()
    volume.put(ref.path, old)
    assert backend.get(ref).value == old, "first read differs"
    volume.put(ref.path, new)  # the Secret was rotated
    assert backend.get(ref).value == new, "the rotated value is not read"
    assert not any(p.name.startswith("..2026") and p.name != os.readlink(volume.root / "..data")
                   for p in volume.root.iterdir()), "the old generation was not removed"  # fmt: skip


def test_reads_during_updates_see_one_whole_generation(volume: Volume) -> None:
    """A reader racing 60 kubelet updates reads, every time, exactly one value written."""
    backend = MountedFilesBackend(path=str(volume.root), separator=".")
    ref = SecretRef("prod/warehouse/password")
    written = [fake_secret() for _ in range(60)]
    volume.put("prod.warehouse.password", written[0])
    seen: list[str] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.append(backend.get(ref).value)
            except BaseException as exc:
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for value in written[1:]:
            volume.put("prod.warehouse.password", value)
    finally:
        done.set()
        reader.join(timeout=30)
    assert not errors, f"a read failed during an update: {type(errors[0]).__name__}"
    assert seen, "the reader never read"
    strays = [v for v in seen if v not in written]
    assert not strays, f"{len(strays)} reads returned a value no update wrote"


def test_flat_keys_and_a_mount_per_scope(tmp_path: Path) -> None:
    dev, prod = Volume(tmp_path / "dev-secrets"), Volume(tmp_path / "mnt-secrets-store")
    dev_value, prod_value = fake_secret(), fake_secret()
    dev.put("dev.db.password", dev_value)
    prod.put("db.password", prod_value)  # the scope is the mount
    backend = MountedFilesBackend(
        path=str(dev.root), mounts={"prod": str(prod.root)}, separator="."
    )
    assert backend.get(SecretRef("dev/db/password")).value == dev_value
    assert backend.get(SecretRef("prod/db/password")).value == prod_value
    assert [i.path for i in backend.list()] == ["dev/db/password", "prod/db/password"]
    assert [i.path for i in backend.list("prod")] == ["prod/db/password"]
    with pytest.raises(SecretNotFoundError, match=r"no file .*prod\.db\.password"):
        backend.get(SecretRef("prod/prod/db/password"))


def test_a_link_out_of_the_mount_is_refused_and_not_listed(volume: Volume, tmp_path: Path) -> None:
    outside = tmp_path / "home-of-someone" / "id_rsa"
    outside.parent.mkdir()
    outside.write_text(fake_secret())
    volume.put("dev/ok", fake_secret())
    os.symlink(outside, volume.root / "dev" / "stolen")
    backend = MountedFilesBackend(path=str(volume.root))
    with pytest.raises(ScopeDeniedError, match=r"links outside .*; a mounted secret must live"):
        backend.get(SecretRef("dev/stolen"))
    assert [i.path for i in backend.list()] == ["dev/ok"]


@pytest.mark.parametrize(
    ("content", "strip", "expected"),
    [(b"v\n", True, "v"), (b"v\r\n", True, "v"), (b"v\n\n", True, "v\n"), (b"v\n", False, "v\n")],
)
def test_one_final_newline_is_not_part_of_the_value(
    volume: Volume, content: bytes, strip: bool, expected: str
) -> None:
    token = fake_secret()
    volume.put("dev/token", token.encode() + content[1:])
    backend = MountedFilesBackend(path=str(volume.root), strip_newline=strip)
    assert backend.get(SecretRef("dev/token")).value == token + expected[1:]


def test_what_is_not_a_text_secret(volume: Volume) -> None:
    backend = MountedFilesBackend(path=str(volume.root))
    volume.put("dev/binary", b"\xff\xfe" + secrets.token_bytes(16))
    volume.put("dev/huge", b"x" * (MAX_FILE_BYTES + 1))
    volume.put("dev/dir/inner", fake_secret())
    with pytest.raises(BackendUnavailableError, match="not UTF-8 text; mount the secret base64"):
        backend.get(SecretRef("dev/binary"))
    with pytest.raises(BackendUnavailableError, match="too big to be a credential"):
        backend.get(SecretRef("dev/huge"))
    with pytest.raises(SecretNotFoundError, match="is a directory; name a file inside it"):
        backend.get(SecretRef("dev/dir"))
    with pytest.raises(SecretNotFoundError, match="current version only"):
        backend.get(SecretRef("dev/dir/inner", version="previous"))
    with pytest.raises(BackendReadOnlyError, match="read-only"):
        backend.set(SecretRef("dev/new"), fake_secret())


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="'separator' must be one of"):
        MountedFilesBackend(separator="\\")
    with pytest.raises(ConfigError, match="'mounts' must map scopes to directories"):
        MountedFilesBackend(mounts=["/mnt"])
    with pytest.raises(ConfigError, match="unknown option"):
        MountedFilesBackend(dir="/mnt")


def test_viable_names_the_directory(tmp_path: Path) -> None:
    verdict = MountedFilesBackend(path=str(tmp_path / "none")).viable()
    assert not verdict.ok
    assert f"no secrets directory at {tmp_path / 'none'}; mount one there" in verdict.reason


def test_routed_through_the_manager(volume: Volume, tmp_path: Path) -> None:
    value = fake_secret()
    volume.put("prod/api/key", f'{{"id": "svc", "secret": "{value}"}}\n')
    settings = SecretsConfig(
        routes={"prod/": "files"},
        backend_options={"files": {"path": str(volume.root)}},
        audit_log=str(tmp_path / "audit.log"),
    )
    manager = SecretManager(settings, user="alice")
    assert manager.get("prod/api/key#secret").reveal() == value
    assert value not in (tmp_path / "audit.log").read_text()


_segment = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,12}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(
    rest=st.lists(_segment, min_size=1, max_size=3),
    separator=st.sampled_from(["/", ".", "__"]),
)
def test_every_ref_maps_to_a_file_inside_the_mount_and_back(
    rest: list[str], separator: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("mount")
    backend = MountedFilesBackend(path=str(root), separator=separator)
    ref = SecretRef("/".join(["dev", *rest]))
    file = backend.file_for(ref)
    assert file.resolve().is_relative_to(root.resolve()), "a ref maps outside the mount"
    assert not any(part.startswith(".") for part in file.relative_to(root).parts)
    relative = file.relative_to(root).as_posix()
    back = backend._ref_of(None, relative)
    # Flat names are ambiguous when a segment holds the separator: then no ref comes back
    # to a different secret, it is the same file.
    if back is not None and back != ref.path:
        assert backend.file_for(SecretRef(back)) == file


@pytest.fixture
def many(volume: Volume) -> Iterator[Volume]:
    for i in range(5):
        volume.put(f"stg/app/key{i}", fake_secret())
    yield volume


def test_list_reports_each_file_once(many: Volume) -> None:
    backend = MountedFilesBackend(path=str(many.root))
    infos = backend.list()
    assert [i.path for i in infos] == [f"stg/app/key{i}" for i in range(5)]
    assert all(i.updated is not None and i.backend == "files" for i in infos)
