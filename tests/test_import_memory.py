"""A person's files are read with bounded memory: NPZ arrays checked from their headers before
reading (a tiny file claiming a huge array, a zip bomb, a member that is not an array), a CSV
streamed into float32 columns and refused from its size when too big, sounds decoded and
transformed a batch at a time; and what they hold comes out exactly as before."""

from __future__ import annotations

import csv
import io
import math
import struct
import subprocess
import sys
import textwrap
import wave
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_userfiles_media import make_sounds, write_wav

from mlsp_studio.errors import DataError
from mlsp_studio.readers import userfiles, userfiles_csv, userfiles_media, userfiles_npz
from mlsp_studio.readers.userfiles import load_csv_table, load_npz_arrays, memory_words
from mlsp_studio.readers.userfiles_idx import load_idx
from mlsp_studio.readers.userfiles_media import load_wav_folder

MB = 1 << 20


def _one_sentence(err: pytest.ExceptionInfo, path: Path) -> str:
    message = str(err.value)
    assert str(path) in message and "\n" not in message and message.endswith(".")
    assert message.count(". ") == 0, message
    return message


def _npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return out.getvalue()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def _labels() -> bytes:
    return _npy(np.arange(20) % 2)


def _peak_rss_mb(code: str) -> tuple[float, float, str]:
    """Run ``code`` in a fresh Python; (peak resident MB before it, after it, what it printed)."""
    script = textwrap.dedent("""
        import resource, sys
        import numpy
        from mlsp_studio.errors import DataError
        from mlsp_studio.readers import userfiles
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
        {code}
        except DataError as err:
            print(err)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(before, after)
    """).replace("{code}", textwrap.indent(textwrap.dedent(code), "    "))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    *said, last = done.stdout.strip().splitlines()
    before, after = map(float, last.split())
    return before, after, "\n".join(said)


# ---------------------------------------------------------------- NPZ


def test_an_npz_declaring_a_huge_array_is_refused_from_its_header(tmp_path: Path) -> None:
    path = _zip(tmp_path / "tiny.npz", {"x.npy": _npy_header((10**12,)) + b"\0" * 64,
                                       "y.npy": _labels()})
    assert path.stat().st_size < 2000
    with pytest.raises(DataError) as err:
        load_npz_arrays(str(path))
    assert "damaged" in _one_sentence(err, path)


def test_an_npz_whose_arrays_would_not_fit_names_the_size_and_the_cap(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(userfiles, "MAX_DATA_BYTES", MB)
    path = tmp_path / "big.npz"
    np.savez_compressed(path, x=np.zeros((1000, 300)), y=np.arange(1000) % 2)
    with pytest.raises(DataError) as err:
        load_npz_arrays(str(path))
    message = _one_sentence(err, path)
    assert "2.3 MB" in message and "1 MB" in message and "(1000, 300)" in message


def test_a_zip_directory_lying_about_a_size_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "lying.npz", {"x.npy": _npy(np.ones((20, 2))), "y.npy": _labels()})
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the directory's first entry: x.npy
    data[entry + 24:entry + 28] = struct.pack("<I", 0xFFFFFFF0)  # its unpacked size
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as err:
        load_npz_arrays(str(path))
    assert "damaged" in _one_sentence(err, path)


@pytest.mark.parametrize(("members", "words"), [
    ({"x.npy": b"just some text, not an array", "y.npy": _labels()}, "not a NumPy array"),
    ({"x.npy": _npy_header((20,), "|O") + b"\0" * 160, "y.npy": _labels()}, "Python objects"),
    ({"x.npy": _npy_header((20, 2)) + b"\0" * 8, "y.npy": _labels()}, "damaged"),
    ({"x.npy": _npy(np.array(["a"] * 20)), "y.npy": _labels()}, "text shaped (20,)"),
])
def test_npz_members_that_are_not_number_arrays_are_refused(tmp_path: Path, members,
                                                            words) -> None:
    path = _zip(tmp_path / "odd.npz", members)
    with pytest.raises(DataError) as err:
        load_npz_arrays(str(path))
    assert words in _one_sentence(err, path)


def test_an_npz_listing_too_many_members_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(userfiles_npz, "MAX_MEMBERS", 3)
    members = {f"a{i}.npy": _npy(np.zeros(1)) for i in range(4)}
    path = _zip(tmp_path / "many.npz", {**members, "x.npy": _npy(np.ones((20, 2))),
                                        "y.npy": _labels()})
    with pytest.raises(DataError) as err:
        load_npz_arrays(str(path))
    assert "more than 3 arrays" in _one_sentence(err, path)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """200 MB of zeros packed into a small file: refused with the cap at 50 MB, and the
    reading process never grows by much."""
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            member.write(_npy_header((25 * MB, 1)))
            zeros = bytes(8 * MB)
            for _ in range(25):
                member.write(zeros)
        archive.writestr("y.npy", _npy(np.zeros(25 * MB, np.uint8)))
    assert path.stat().st_size < 2 * MB
    before, after, said = _peak_rss_mb(f"""
        userfiles.MAX_DATA_BYTES = 50 * 2**20
        userfiles.load_npz_arrays({str(path)!r})
    """)
    assert "would take" in said and str(path) in said
    assert after - before < 40, (before, after)


def test_good_npz_arrays_come_out_as_saved(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 2, 3)), np.array(["b", "a", "c"] * 10)
    path = tmp_path / "good.npz"
    np.savez_compressed(path, x=x, y=y)
    table = load_npz_arrays(str(path))
    np.testing.assert_array_equal(table.x, x.astype(np.float32))
    assert table.class_names == ("a", "b", "c")
    np.testing.assert_array_equal(table.y, np.searchsorted(["a", "b", "c"], y))


# ---------------------------------------------------------------- CSV


def _reference_csv(path: Path, label: int, delimiter: str = ","
                   ) -> tuple[np.ndarray, list[str]]:
    """Features (float32) and label texts of a CSV with a header, read the plain way."""
    with open(path, newline="") as handle:
        rows = [r for r in csv.reader(handle, delimiter=delimiter) if r][1:]
    cells = np.array(rows)
    features = np.delete(cells, label, axis=1)
    return np.char.replace(features, ",", ".").astype(np.float64).astype(np.float32), \
        list(cells[:, label])


@pytest.mark.parametrize("chunk_cells", [7, 200_000])
def test_a_csv_loads_exactly_as_before_in_chunks_or_at_once(tmp_path: Path, monkeypatch,
                                                            chunk_cells: int) -> None:
    monkeypatch.setattr(userfiles_csv, "CHUNK_CELLS", chunk_cells)
    rng = np.random.default_rng(chunk_cells)
    values = rng.normal(size=(53, 3)) * 1000
    names = np.array(["owl", "cat", "dog"])[rng.integers(0, 3, 53)]
    text = "a;kind;b;c\n" + "".join(
        f"{v[0]:.6f};{k};{v[1]:.4f};{v[2]:.9g}\n\n".replace(".", ",") for v, k in
        zip(values, names, strict=True))
    path = tmp_path / "kinds.csv"
    path.write_text(text)
    table = load_csv_table(str(path), "kind")
    x, labels = _reference_csv(path, 1, ";")
    np.testing.assert_array_equal(table.x, x)
    assert table.class_names == ("cat", "dog", "owl") and table.task == "classification"
    assert [table.class_names[k] for k in table.y] == labels
    rows = "".join(",".join(repr(float(c)) for c in v) + "\n" for v in values)
    target = tmp_path / "target.csv"
    target.write_text("a,b,t\n" + rows)
    table = load_csv_table(str(target), "t")
    np.testing.assert_array_equal(table.x, values[:, :2].astype(np.float32))
    np.testing.assert_array_equal(table.y[:, 0], values[:, 2].astype(np.float32))


def test_a_nan_label_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    path.write_text("a,label\n" + "1,0.5\n" * 12 + "2,nan\n")
    with pytest.raises(DataError, match=r"\(nan\) in column 'label' on line 14"):
        load_csv_table(str(path))


def test_a_csv_too_big_for_the_cap_is_refused_without_reading_it_all(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(userfiles, "MAX_DATA_BYTES", 100_000)
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.write(b"a,b,label\n" + b"1.25,2.5,0\n" * 10_000)
        handle.write(b"\xff\x00 not text: a reader that got this far would say so")
    with pytest.raises(DataError) as err:
        load_csv_table(str(path))
    message = _one_sentence(err, path)
    assert "would take" in message and memory_words(100_000) in message
    assert "rows of 3 values" in message
    small = tmp_path / "small.csv"  # shorter than the part read to estimate: counted instead
    small.write_text("a,b,label\n" + "1,2,0\n" * 6000)
    with pytest.raises(DataError) as err:
        load_csv_table(str(small))
    assert "(6,002 lines of 3 values)" in _one_sentence(err, small)


def test_a_csv_takes_a_few_times_its_size_to_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    path = tmp_path / "wide.csv"
    with open(path, "w") as handle:
        handle.write(",".join(f"f{i}" for i in range(20)) + ",label\n")
        for _ in range(16):
            block = rng.normal(size=(5000, 20))
            np.savetxt(handle, np.hstack([block, rng.integers(0, 4, (5000, 1))]), "%.6g",
                       delimiter=",")
    size_mb = path.stat().st_size / MB
    before, after, said = _peak_rss_mb(f"""
        table = userfiles.load_csv_table({str(path)!r})
        print(table.x.shape)
    """)
    assert said == "(80000, 20)"
    assert after - before < 4 * size_mb, (before, after, size_mb)


# ---------------------------------------------------------------- sounds and the cap


def _reference_signals(files: list[Path], length: int) -> np.ndarray:
    out = np.zeros((len(files), length), np.float32)
    for i, name in enumerate(files):
        with wave.open(str(name)) as handle:
            raw = handle.readframes(length)
        samples = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
        out[i, :len(samples)] = samples
    return out


def test_sounds_load_as_before_signals_and_spectrograms(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(userfiles_media, "SPECTRUM_BATCH", 4)  # 14 sounds: 4 + 4 + 4 + 2
    make_sounds(tmp_path, per_class=6, frames=300)
    write_wav(tmp_path / "low" / "noise.wav", np.random.default_rng(0).uniform(-1, 1, (280, 1)))
    write_wav(tmp_path / "high" / "short.wav", np.full((90, 1), 0.25))
    files = sorted((tmp_path / "high").iterdir()) + sorted((tmp_path / "low").iterdir())
    signals = _reference_signals(files, 256)
    table = load_wav_folder(str(tmp_path), length=256)
    np.testing.assert_array_equal(table.x[:, 0], signals)
    spectra = load_wav_folder(str(tmp_path), length=256, representation="spectrogram",
                              n_fft=64, hop=24).x
    frames = 1 + (256 - 64) // 24
    windows = signals[:, 24 * np.arange(frames)[:, None] + np.arange(64)]
    reference = np.log(np.abs(np.fft.rfft(windows * np.hanning(64), axis=-1)) + 1e-3)
    assert spectra.dtype == np.float32 and spectra.shape == (14, frames, 33)
    np.testing.assert_array_equal(spectra, reference.astype(np.float32))


@pytest.mark.parametrize("representation", ["signal", "spectrogram"])
def test_a_folder_too_big_for_the_cap_names_the_size(tmp_path: Path, monkeypatch,
                                                     representation: str) -> None:
    monkeypatch.setattr(userfiles, "MAX_DATA_BYTES", 20_000)
    make_sounds(tmp_path, per_class=6, frames=100)
    with pytest.raises(DataError) as err:
        load_wav_folder(str(tmp_path), length=1000, representation=representation,
                        n_fft=64, hop=32)
    message = _one_sentence(err, tmp_path)
    size = 4 * 12 * (1000 if representation == "signal" else 30 * 33)
    assert memory_words(size) in message and memory_words(20_000) in message


def test_idx_images_too_big_for_the_cap_are_refused_from_the_header(tmp_path: Path,
                                                                   monkeypatch) -> None:
    monkeypatch.setattr(userfiles, "MAX_DATA_BYTES", 10_000)
    images = tmp_path / "images-idx3-ubyte"
    images.write_bytes(struct.pack(">IIII", 0x803, 20, 28, 28) + bytes(20 * 28 * 28))
    labels = tmp_path / "labels-idx1-ubyte"
    labels.write_bytes(struct.pack(">II", 0x801, 20) + bytes(range(20)))
    with pytest.raises(DataError) as err:
        load_idx(str(images), str(labels))
    assert "20 x 28 x 28 images" in _one_sentence(err, images)


def test_memory_words() -> None:
    assert [memory_words(n) for n in (900, 5 * MB, 2 << 30, math.floor(2.5 * (1 << 30)))] == [
        "1 KB", "5 MB", "2 GB", "2.5 GB"]
