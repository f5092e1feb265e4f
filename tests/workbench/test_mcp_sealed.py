"""The workbench's one secret key and its sealing (``workbench.mcp.sealed``), used by remote servers' headers and by
installed servers' secret values: the key file made private, MAAS_SECRET_KEY as a Fernet key or a passphrase, and
a token that opens only under its key, unaltered, in its own place."""

from __future__ import annotations

import base64
import re
import stat
from pathlib import Path

import pytest

from workbench.mcp.errors import HubError
from workbench.mcp.sealed import KEY_FILE, Sealer, SecretUnreadable, load_key

CJK = re.compile(r"[\u3400-\u9fff]")
PLACE = ("mcp_header_values", "e-1", "Authorization")


def test_the_key_file_is_generated_once_with_mode_0600_and_narrowed_when_found_looser(tmp_path: Path) -> None:
    key = load_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(tmp_path) == key
    path.chmod(0o644)
    assert load_key(tmp_path) == key and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_setting_is_a_fernet_key_as_it_is_or_a_passphrase_of_16_characters(tmp_path: Path) -> None:
    fernet = base64.urlsafe_b64encode(b"k" * 32).decode()
    assert load_key(tmp_path, fernet) == fernet.encode()
    phrase = load_key(tmp_path, "a passphrase of some length")
    assert phrase == load_key(tmp_path, " a passphrase of some length ") and phrase != fernet.encode()
    assert not (tmp_path / KEY_FILE).exists()                 # a configured key makes no file
    with pytest.raises(HubError) as short:
        load_key(tmp_path, "short")
    assert (short.value.code, short.value.field) == ("bad_secret_key", "MAAS_SECRET_KEY")
    assert "16" in short.value.text("zh") and CJK.search(short.value.text("zh"))


def test_a_key_file_that_holds_no_key_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key\n")
    with pytest.raises(HubError) as bad:
        load_key(tmp_path)
    assert bad.value.code == "bad_key_file" and KEY_FILE in bad.value.text("en") and KEY_FILE in bad.value.text("zh")


def test_a_sealed_value_opens_only_under_its_key_unaltered_and_in_its_place(tmp_path: Path) -> None:
    sealer = Sealer.from_settings(None, tmp_path)
    token = sealer.seal("Bearer sk-abc-123", *PLACE)
    assert b"sk-abc" not in token and token.startswith(b"gAAAAA") and "<key hidden>" in repr(sealer)
    assert sealer.open(token, *PLACE) == "Bearer sk-abc-123"
    assert Sealer.from_settings(None, tmp_path).open(token.decode(), *PLACE) == "Bearer sk-abc-123"   # same file
    other = Sealer.from_settings("a passphrase of the admin's own", tmp_path)
    with pytest.raises(SecretUnreadable) as unreadable:
        other.open(token, *PLACE)
    assert unreadable.value.code == "secret_unreadable" and CJK.search(unreadable.value.text("zh"))
    for place in (("mcp_header_values", "e-2", "Authorization"), ("mcp_header_values", "e-1", "Cookie"),
                  ("mcp_secrets", "e-1", "Authorization"), PLACE[:2], ()):
        with pytest.raises(SecretUnreadable):
            sealer.open(token, *place)
    with pytest.raises(SecretUnreadable):
        sealer.open(token[:-2] + b"xx", *PLACE)
    odd = sealer.seal("v\x00w", "mcp_secrets", "e-1\x00env.A")           # a NUL in a place or value is kept apart
    assert sealer.open(odd, "mcp_secrets", "e-1\x00env.A") == "v\x00w"
    with pytest.raises(SecretUnreadable):
        sealer.open(odd, "mcp_secrets", "e-1", "env.A")
