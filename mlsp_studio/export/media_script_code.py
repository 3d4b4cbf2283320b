"""Plain code copied into the scripts of projects on a person's pictures, sounds or
MNIST-format files, never imported by the studio.

The studio reads these with ``mlsp_studio.readers`` (``userfiles_media``, ``userfiles_idx``),
which also check every file and say in words what is wrong; a script only reads, to the same
numbers: the class subfolders in sorted order, their files sorted by name, each picture
resized as the studio resizes it (Pillow, bilinear) to [0, 1], each sound cut or padded to
its length, the IDX bytes over 255. ``DATA_PATH``, ``LABELS_PATH`` and the settings in
capitals are defined at the script's top.
"""


def class_files(folder, extensions):
    """The class subfolders of `folder` (sorted by name, hidden ones left out), each with its
    files of the given extensions sorted by name: a list of (class name, [paths])."""
    classes = []
    for sub in sorted(e.name for e in os.scandir(folder)
                      if e.is_dir() and not e.name.startswith(".")):
        entries = sorted(os.scandir(os.path.join(folder, sub)), key=lambda e: e.name)
        files = [e.path for e in entries
                 if e.is_file() and e.name.lower().endswith(extensions)]
        classes.append((sub, files))
    return classes


def labels_of(classes):
    """The class index of every file of `classes`, in their order: int64 (n,)."""
    return np.concatenate([np.full(len(files), k, dtype=np.int64)
                           for k, (_, files) in enumerate(classes)])


def read_picture(path, size, colour):
    """One picture as float32 (channels, size, size) in [0, 1]: gray (one channel) or rgb
    (three), resized to a square of `size` pixels."""
    mode = "RGB" if colour == "rgb" else "L"
    with Image.open(path) as img:
        img.draft(mode, (size, size))  # JPEGs decode at a reduced size, as the studio's
        img = img.convert(mode).resize((size, size), Image.Resampling.BILINEAR)
        pixels = np.asarray(img, dtype=np.float32) / 255.0
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def read_picture_folder(folder, size, colour):
    """Every picture of the class subfolders of `folder`: x float32 (n, channels, size, size)
    in [0, 1], y int64 (n,) the class (subfolder) of each, and the class names."""
    classes = class_files(folder, (".png", ".jpg", ".jpeg"))
    files = [path for _, paths in classes for path in paths]
    x = np.stack([read_picture(path, size, colour) for path in files])
    return x, labels_of(classes), [name for name, _ in classes]


def read_sound(path, length):
    """The first `length` samples of a PCM WAV file as float32 in [-1, 1], stereo averaged
    to mono, zeros after a short sound."""
    import wave

    with wave.open(path, "rb") as handle:
        width, channels = handle.getsampwidth(), handle.getnchannels()
        raw = handle.readframes(length)
    frames = len(raw) // (width * channels)
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        values = (np.frombuffer(raw, np.uint8, frames * channels).astype(np.float32) - 128) / 128
    else:
        kind, scale = (np.dtype("<i2"), 32768.0) if width == 2 else (np.dtype("<i4"), 2.0**31)
        values = np.frombuffer(raw, kind, frames * channels).astype(np.float32) / scale
    out = np.zeros(length, dtype=np.float32)
    out[:frames] = values.reshape(frames, channels).mean(axis=1)
    return out


def read_sound_folder(folder, length):
    """Every WAV sound of the class subfolders of `folder`: x float32 (n, length), y int64
    (n,) the class (subfolder) of each, and the class names."""
    classes = class_files(folder, (".wav",))
    files = [path for _, paths in classes for path in paths]
    x = np.stack([read_sound(path, length) for path in files])
    return x, labels_of(classes), [name for name, _ in classes]


def scale_by_training(parts):
    """Every part's inputs less the training inputs' mean, over their spread (one number of
    each over all the training values, the spread at least 1e-6), as the studio scales the
    spectrograms of a person's sounds."""
    mean = parts["train"][0].mean()
    std = torch.clamp(parts["train"][0].std(), min=1e-6)
    return {name: ((x - mean) / std, y) for name, (x, y) in parts.items()}


def read_idx(path):
    """An IDX file of unsigned bytes (plain or gzipped) as a numpy array of its shape."""
    import gzip

    with open(path, "rb") as handle:
        data = handle.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]  # the magic number's last byte: how many dimensions
    shape = np.frombuffer(data, ">u4", count=dims, offset=4).astype(np.int64)
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(tuple(shape))


def read_idx_pair(images_path, labels_path):
    """MNIST-format pictures and labels: x float32 (n, 1, rows, cols) in [0, 1], y int64 (n,)
    the class of each (the label values in sorted order) and those values as class names."""
    x = (read_idx(images_path).astype(np.float32) / 255.0)[:, None]
    values, y = np.unique(read_idx(labels_path).astype(np.int64), return_inverse=True)
    return x, y, [str(v) for v in values]
