"""InfoNCE losses, the linear probe and retrieval scores shared by the contrastive paradigms.

References: van den Oord et al. 2018 (InfoNCE, "Representation learning with contrastive
predictive coding"); Chen et al. 2020 (SimCLR, the NT-Xent form over 2B views); Radford et al.
2021 (CLIP, the symmetric image–text form).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def cosine_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every row of ``a`` (n, D) with every row of ``b`` (m, D): (n, m)."""
    return F.normalize(a.flatten(1), dim=-1) @ F.normalize(b.flatten(1), dim=-1).T


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's loss over the 2B views: each view must pick its partner among the other 2B − 1.

    ``z1[i]`` and ``z2[i]`` (B, D) are the two views of example i. With cosine similarities
    s, the loss of view k is −log(exp(s_k,partner / T) / Σ_{j≠k} exp(s_kj / T)), averaged.
    """
    z = F.normalize(torch.cat([z1.flatten(1), z2.flatten(1)]), dim=-1)   # (2B, D)
    n = len(z1)
    logits = z @ z.T / temperature                                       # (2B, 2B)
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device),
                                float("-inf"))  # a view is not its own negative
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)  # (2B,)
    return F.cross_entropy(logits, partner)


def symmetric_info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """CLIP's loss: each ``a[i]`` must pick ``b[i]`` among all b of the batch, and each b its a;
    the mean of the two cross-entropies."""
    logits = cosine_matrix(a, b) / temperature                           # (B, B)
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def aligned_minimum(batch: int, temperature: float) -> float:
    """NT-Xent of perfectly aligned views whose examples are mutually orthogonal: the
    positive similarity is 1 and the 2B − 2 negatives 0."""
    return float(-np.log(np.exp(1 / temperature) / (np.exp(1 / temperature) + 2 * batch - 2)))


def probe_accuracy(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor,
                   test_y: torch.Tensor, classes: int, steps: int = 300,
                   weight_decay: float = 1e-3, seed: int = 0) -> float:
    """Train a logistic regression (one linear layer) on frozen training features, full batch,
    and give its accuracy on the test features.

    Features are standardised with the training mean and spread first, so one learning rate
    suits any encoder. Runs with gradients on, whatever mode the caller is in.
    """
    if len(train_x) == 0 or len(test_x) == 0:
        return float("nan")
    train_x, test_x = train_x.flatten(1).float(), test_x.flatten(1).float()
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-6)
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    generator = torch.Generator().manual_seed(seed)
    with torch.inference_mode(False), torch.enable_grad():
        train_x, train_y = train_x.clone(), train_y.clone()  # ordinary tensors, not inference
        layer = torch.nn.Linear(train_x.shape[1], classes)
        with torch.no_grad():  # drawn on the CPU, so any device gives the same start
            layer.weight.normal_(0.0, 0.01, generator=generator)
            layer.bias.zero_()
        layer = layer.to(train_x.device)
        optimizer = torch.optim.Adam(layer.parameters(), lr=0.05, weight_decay=weight_decay)
        for _ in range(steps):  # full batch: every step sees all the training codes
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(layer(train_x), train_y).backward()
            optimizer.step()
        with torch.no_grad():
            predicted = layer(test_x.clone()).argmax(-1)
    return float((predicted == test_y).float().mean())


def ridge_probe_accuracy(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor,
                         test_y: torch.Tensor, classes: int, ridge: float = 1.0) -> float:
    """A linear classifier in closed form: least squares from standardised features to one-hot
    classes (with an L2 penalty ``ridge``), scored on the test features. Milliseconds, so it
    can run at every validation check; the final probe is :func:`probe_accuracy`."""
    if len(train_x) == 0 or len(test_x) == 0:
        return float("nan")
    train_x, test_x = train_x.flatten(1).double(), test_x.flatten(1).double()
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-6)
    ones = torch.ones(len(train_x), 1, dtype=torch.double, device=train_x.device)
    a = torch.cat([(train_x - mean) / std, ones], 1)                     # (n, F + 1)
    b = torch.cat([(test_x - mean) / std, ones[:1].expand(len(test_x), 1)], 1)
    target = F.one_hot(train_y.long(), classes).double()                 # (n, K)
    gram = a.T @ a + ridge * torch.eye(a.shape[1], dtype=torch.double, device=a.device)
    weights = torch.linalg.solve(gram, a.T @ target)                     # (F + 1, K)
    return float(((b @ weights).argmax(-1) == test_y).float().mean())


def few_label_rows(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """``per_class`` random rows of every class (all of a class that has fewer)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:per_class]
                           for c in np.unique(labels)])


def class_top1(similarity: torch.Tensor, query_labels: torch.Tensor,
               gallery_labels: torch.Tensor) -> float:
    """Share of queries (rows) whose most similar gallery item (column) has the query's class."""
    if similarity.numel() == 0:
        return float("nan")
    best = similarity.argmax(-1)
    return float((gallery_labels[best] == query_labels).float().mean())


def pair_top1(similarity: torch.Tensor) -> float:
    """Share of queries whose most similar gallery item is their own partner (the diagonal)."""
    if similarity.numel() == 0:
        return float("nan")
    return float((similarity.argmax(-1) == torch.arange(len(similarity),
                                                        device=similarity.device))
                 .float().mean())
