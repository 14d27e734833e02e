"""``keras-classics convert`` on a disk that fills up, a real one.

The output folder is a 4 MiB tmpfs, mounted inside a private mount
namespace (``unshare -m``), so the mount exists only for the shell that
runs the command and disappears with it, whatever happens to the test. The
converted ResNet-18 needs 45 MB, so the write fails with ENOSPC from the
kernel. Before the fix, h5py's clean-up crashed the interpreter at exit
(status 139, "Can't decrement id ref count") after printing the error.

Mounting needs CAP_SYS_ADMIN (root on the development and CI machines). A
machine without it gets the most real substitute there is, not a skip: the
command runs with a file-size limit (RLIMIT_FSIZE), under which the kernel
fails the same writes with EFBIG; the test says which one it used.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import textwrap

import numpy as np
import pytest
from _real_cli import TIMEOUT, command, env, own_lines

DISK_BYTES = 4 << 20

# Inside the namespace: mount, put the user's earlier files there, run the
# command over one of them (--overwrite), then show what the folder holds.
SCRIPT = textwrap.dedent(
    """
    set -e
    DIR="$1"; shift
    {mount}
    printf 'earlier work' > "$DIR/kept.weights.h5"
    printf 'notes' > "$DIR/notes.txt"
    set +e
    "$@" -o "$DIR/kept.weights.h5" --overwrite 2> "$DIR.kept.err"
    echo "STATUS kept $?"
    echo "FILES $(ls -A "$DIR" | tr '\\n' ' ')"
    echo "KEPT $(cat "$DIR/kept.weights.h5")"
    """
)


def _can_mount(tmp_path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs '{probe}'"], capture_output=True, timeout=30
    )
    return done.returncode == 0


@pytest.fixture(scope="module")
def resnet18_npz(tmp_path_factory):
    """A torchvision ResNet-18 state dict (seeded values, 10 classes) as .npz: 45 MB."""
    import keras_classics
    from keras_classics import checkpoints, convert

    model = keras_classics.build("resnet18", input_shape=(32, 32, 3), classes=10)
    shapes = convert.expected_source_shapes("resnet18", model)
    path = tmp_path_factory.mktemp("source") / "resnet18.npz"
    np.savez(path, **checkpoints.synthetic_state_dict(shapes, seed=0))
    return path


def test_a_full_disk_is_one_line_exit_2_and_leaves_the_folder_as_it_was(resnet18_npz, tmp_path, record_property):
    folder = tmp_path / "small_disk"
    folder.mkdir()
    convert_args = command("convert", str(resnet18_npz))
    if _can_mount(tmp_path):
        how = f"a {DISK_BYTES >> 20} MiB tmpfs in a private mount namespace"
        script = SCRIPT.format(mount=f'mount -t tmpfs -o size={DISK_BYTES} tmpfs "$DIR"')
        argv = ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *convert_args]
        preexec = None
    else:
        how = "RLIMIT_FSIZE (mounting a filesystem is not permitted here)"
        argv = ["sh", "-c", SCRIPT.format(mount=":"), "sh", str(folder), *convert_args]

        def preexec():
            resource.setrlimit(resource.RLIMIT_FSIZE, (DISK_BYTES, DISK_BYTES))

    record_property("small_disk", how)
    print(f"the disk that fills: {how}")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=2 * TIMEOUT, env=env(), preexec_fn=preexec)
    report = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line and line.isascii())
    statuses = [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("STATUS")]

    for name, status in statuses:
        lines = own_lines((folder.parent / f"{folder.name}.{name}.err").read_text())
        assert status == "2", f"{name}: exit {status}\n" + "\n".join(lines[-30:])
        assert len(lines) == 1, "\n".join(lines)
        assert lines[0].startswith("keras-classics convert: error: could not save "), lines[0]
        assert "nothing was written" in lines[0]
        if how.startswith("a "):
            assert "the disk is full" in lines[0]
    assert len(statuses) == 1, done.stdout + done.stderr
    # No partial file left, and nothing of the user's removed or changed.
    assert sorted(report["FILES"].split()) == ["kept.weights.h5", "notes.txt"]
    assert report["KEPT"] == "earlier work"
