"""Plain code copied into exported scripts' data part, never imported by the studio.

The names in capitals (``VAL_FRACTION``, ``TEST_FRACTION``, ``RING_MODES``, ...) are the
settings the script defines at its top. What the studio itself runs (``split_indices``,
``seed_streams``, each dataset's drawing function) is copied from the makers next to this
file; here are only the steps the script does its own way: the parts as tensors, the ring's
centres from the settings, and reading a person's CSV or NPZ file with numpy (the studio
reads them with ``mlsp_studio.readers``, to the same numbers).
"""


def split(x, y, classification, rng, tokens=False):
    """Train, validation and test parts as (x, y) tensors (x int64 token ids when `tokens`).

    With one class per example every class is dealt out evenly over the three parts (see
    split_indices); other labels (one class per token, numbers) are dealt out in a random
    order.
    """
    train, val, test = split_indices(y, classification and np.ndim(y) == 1, VAL_FRACTION,
                                     TEST_FRACTION, rng)
    x = np.ascontiguousarray(x, dtype=np.int64 if tokens else np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64 if classification else np.float32)
    return {name: (torch.from_numpy(x[rows]), torch.from_numpy(y[rows]))
            for name, rows in (("train", train), ("val", val), ("test", test))}


def ring_centres():
    """The centres of the ring's clouds, (RING_MODES, 2)."""
    return circle_centres(RING_MODES, RING_RADIUS, 0.0)


def read_csv(path, delimiter, skip, label, numeric_labels, classification):
    """The rows of a CSV file: inputs x (n, F), every column but the column `label`, and
    labels y, classes 0..k-1 (n,) or numbers (n, 1).

    `skip` lines (the header) are skipped; with the delimiter ";" a decimal comma (1,5) is
    read as a point, in the label column too when its labels are numbers.
    """
    cells = np.loadtxt(path, dtype=str, delimiter=delimiter, skiprows=skip, comments=None,
                       quotechar='"', encoding="utf-8-sig", ndmin=2)
    cells = np.char.strip(cells)
    if delimiter == ";":  # decimal commas
        columns = (np.arange(cells.shape[1]) != label) | numeric_labels
        cells[:, columns] = np.char.replace(cells[:, columns], ",", ".")
    x = np.delete(cells, label, axis=1).astype(np.float64)  # (n, F)
    labels = cells[:, label]
    if not classification:
        return x, labels.astype(np.float64)[:, None]        # (n, 1) numbers
    if numeric_labels:
        labels = labels.astype(np.float64)
    _, y = np.unique(labels, return_inverse=True)           # (n,) 0..k-1, in sorted order
    return x, y


def read_npz(path, x_key, y_key, classification):
    """The arrays `x_key` and `y_key` of an .npz file: inputs x (n, ...) (one number each
    becomes (n, 1)) and labels y, classes 0..k-1 (n,) or targets (n, targets)."""
    with np.load(path, allow_pickle=False) as archive:
        x, labels = archive[x_key], archive[y_key]
    if x.ndim == 1:
        x = x.reshape(len(x), 1)                            # (n, 1) one number each
    if not classification:
        return x, labels.reshape(len(labels), -1)           # (n, targets)
    _, y = np.unique(labels.reshape(-1), return_inverse=True)  # (n,) 0..k-1, in sorted order
    return x, y
