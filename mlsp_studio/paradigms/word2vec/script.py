"""The script of a word2vec project: skip-gram with negative sampling on the corpus's
sentences, scored by how many of a word's nearest neighbours share its kind."""

from __future__ import annotations

from ...export.python_script import model_source
from ...export.script_common import (
    assemble,
    optimizer_source,
    schedule_source,
    scheduler_step,
    script_top,
)
from ...export.script_paradigms import register_script
from ...export.script_text_data import corpus_source
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

PARTS = '''\
SPECIAL = {i for i, t in enumerate(VOCAB) if len(t) > 2 and t[0] == "<" and t[-1] == ">"}
GROUP = {word: name for name, words in (("animals", ANIMALS), ("colours", COLOURS),
                                        ("foods", FOODS), ("verbs", VERBS), ("places", PLACES),
                                        ("drinks", DRINKS)) for word in words}


def skipgram_pairs(sentences):
    """(center, context) id pairs (P, 2): every word with each word up to WINDOW places away
    in the same sentence; special tokens take no part."""
    out = []
    for row in sentences:
        ids = np.array([t for t in row if t not in SPECIAL], dtype=np.int64)
        for d in range(1, WINDOW + 1):
            if len(ids) > d:
                out.append(np.stack([ids[:-d], ids[d:]], 1))  # the word d places on
                out.append(np.stack([ids[d:], ids[:-d]], 1))  # and d places back
    return torch.from_numpy(np.concatenate(out))


def center(model, ids):
    """The network's vector of each word id: (n, dim)."""
    return model(ids.reshape(-1, 1)).reshape(len(ids), -1)


@torch.no_grad()
def neighbour_precision(model, words):
    """Mean, over the grouped words, of the share of a word's 5 nearest neighbours (by
    cosine, among `words`) that are of its own kind (all foods, all places...)."""
    model.eval()
    vectors = F.normalize(center(model, torch.arange(len(VOCAB), device=DEVICE)).cpu(), dim=-1)
    grouped = [ID[w] for w in GROUP if w in ID]
    cand = torch.tensor(words)
    sims = vectors[grouped] @ vectors[cand].T                 # (grouped words, candidates)
    sims[cand[None, :] == torch.tensor(grouped)[:, None]] = -math.inf  # not itself
    order = sims.argsort(1, descending=True).numpy()
    kinds = [GROUP.get(VOCAB[c], "") for c in words]
    scores = []
    for row, word in enumerate(grouped):
        kind = GROUP[VOCAB[word]]
        k = min(5, sum(1 for c in words if c != word and GROUP.get(VOCAB[c]) == kind))
        if k:
            scores.append(sum(kinds[j] == kind for j in order[row, :k]) / k)
    return float(np.mean(scores))
'''


@register_script("word2vec")
def word2vec_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                    script_name: str) -> str:
    """Skip-gram with negative sampling; the context vectors are a table of the loop's own."""
    h, options = check.hparams, check.dataset_options
    text = corpus_source(project.dataset, options)
    analysis = check.analyses["model"]
    model = model_source("model", project.slots["model"], analysis, registry, True,
                         vector_output=False)
    dim = analysis.shapes[analysis.outputs[0]][-1]
    rows = [(f"WINDOW = {h['window']}", "words on each side that count as context"),
            (f"NEGATIVES = {h['negatives']}", "random words drawn per true context word")]
    top = script_top(project, h, options, script_name, rows,
                     imports=("import re",) if options["level"] == "word" else ())
    total = ("\n    total_steps = EPOCHS * math.ceil(n / batch_size)" if schedule_source(h)
             else "")
    train = f'''\
def train():
    """Each step: BATCH_SIZE (center, context) pairs, each with NEGATIVES random words."""
    sentences, _ = make_text(DATA_SEED)
    pairs = skipgram_pairs(sentences["train"]).to(DEVICE)      # (P, 2)
    torch.manual_seed(SEED)  # the starting weights
    model = Model().to(DEVICE)
    # a second table, one context vector u per word, trained alongside the network
    context = nn.Embedding(len(VOCAB), {dim}).to(DEVICE)
    nn.init.zeros_(context.weight)
    counts = np.bincount([t for row in sentences["train"] for t in row], minlength=len(VOCAB))
    counts = counts.astype(np.float64)
    counts[sorted(SPECIAL)] = 0
    noise = torch.from_numpy(counts ** 0.75 / (counts ** 0.75).sum()).float()  # unigram^0.75
    words = [i for i in range(len(VOCAB)) if i not in SPECIAL and counts[i] > 0]
    n = len(pairs)
    batch_size = min(BATCH_SIZE, n){total}
{optimizer_source(h, "[*model.parameters(), *context.parameters()]", "total_steps")}
    draw = torch.Generator().manual_seed(SEED)  # the order of the pairs and the negatives
    order = torch.randperm(n, generator=draw).to(DEVICE)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for start in range(0, n, batch_size):
            batch = pairs[order[start:start + batch_size]]
            if start + batch_size >= n:  # the next epoch's order is drawn now, as the studio
                order = torch.randperm(n, generator=draw).to(DEVICE)  # does
            negatives = torch.multinomial(noise, len(batch) * NEGATIVES, replacement=True,
                                          generator=draw).reshape(len(batch), -1).to(DEVICE)
            v = center(model, batch[:, 0])                    # (B, D) the center words
            u = context(batch[:, 1])                          # (B, D) their true context
            u_neg = context(negatives)                        # (B, K, D) random words
            # -log sigmoid(u . v) - sum log sigmoid(-u_neg . v): the true context scores
            # high, the random words low
            positive = F.logsigmoid((u * v).sum(-1))
            negative = F.logsigmoid(-(u_neg @ v[:, :, None])[..., 0]).sum(-1)
            loss = -(positive + negative).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step(){scheduler_step(h, "            ")}
            total += loss.item() * len(batch)
        if epoch % report_every == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / n:.4f}}")
    vectors = F.normalize(center(model, torch.arange(len(VOCAB), device=DEVICE)), dim=-1)
    for word in ("cat", "red", "fish"):
        if word in ID:
            near = (vectors @ vectors[ID[word]]).argsort(descending=True)[1:6].tolist()
            print(f"nearest to {{word}}:", ", ".join(VOCAB[i] for i in near))
    print(f"neighbour precision {{neighbour_precision(model, words):.3f}}")
    return model
'''
    return assemble(top, [text, model, schedule_source(h), PARTS, train])
