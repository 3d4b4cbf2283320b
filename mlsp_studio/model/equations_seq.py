"""The equations of the sequence, attention, generative and skip blocks (see
``equations.py``, which loads this module and holds the rest)."""

from __future__ import annotations

from .equation_base import Equation, Facts, says

ATTENTION_NAMES = tuple((f"{part}_proj.{kind}", f"{letter}_{sub}")
                        for part, sub in (("q", "Q"), ("k", "K"), ("v", "V"), ("out", "O"))
                        for kind, letter in (("weight", "W"), ("bias", "b")))


def _prefixed(prefix: str, names: tuple[tuple[str, str], ...], mark: str = ""
              ) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}.{name}", f"{symbol}{mark}") for name, symbol in names)


# --- tokens and positions ---------------------------------------------------------------------

@says("Embedding")
def _embedding(f: Facts) -> Equation:
    d, vocab = f.out_size(-1, "D"), f.p("vocab") or "V"
    return Equation(("y_t = E[x_t]",),
                    (("x_t", f"the token id at position t, {f.shown()}: a whole number"),
                     ("E", f"the table, {vocab} × {d}: one learned row per token"),
                     ("y_t", f"row x_t of the table, {d} numbers; the output is "
                             f"{f.shown_out()}")),
                    "A lookup, not a sum: only the rows of the tokens seen get a gradient.",
                    names=(("weight", "E"),))


@says("PositionalEncoding")
def _posenc(f: Facts) -> Equation:
    kind, d = f.p("kind", "sinusoidal"), f.size(-1, "D")
    symbols = [("x_t", f"the vector of token t, {f.shown()}")]
    if kind == "none":
        return Equation(("y = x",), (*symbols, ("y", "the same vectors")),
                        "Set to 'none': nothing is added.")
    lines = ["y_t = x_t + P_t"]
    if kind == "sinusoidal":
        lines += [f"P_t,2i = sin(t / 10000^(2i/{d}))", f"P_t,2i+1 = cos(t / 10000^(2i/{d}))"]
        symbols.append(("P_t", f"a fixed pattern of {d} waves, each slower than the one before"))
    else:
        symbols.append(("P_t", f"a learned vector of {d} numbers for position t"))
    symbols.append(("y_t", f"the output, {f.shown_out()}"))
    return Equation(tuple(lines), tuple(symbols), "Without it, attention could not tell the "
                    "first token from the last.", names=(("table", "P"),))


# --- recurrent layers -------------------------------------------------------------------------

RNN_NAMES = (("rnn.weight_ih_l0", "W"), ("rnn.weight_hh_l0", "U"), ("rnn.bias_ih_l0", "b"),
             ("rnn.bias_hh_l0", "b′"))


def _recurrent_symbols(f: Facts, h: str) -> list[tuple[str, str]]:
    return [("x_t", f"the input at step t, {f.size(-1, 'F')} numbers; the whole sequence is "
                    f"{f.shown()}"),
            ("h_t", f"the state after step t, {h} numbers; h_0 = 0; the block gives "
                    f"{f.shown_out()}")]


def _recurrent_note(f: Facts) -> str:
    extra = []
    if f.p("layers", 1) > 1:
        extra.append(f"{f.p('layers')} layers are stacked, each reading the states of the one "
                     "below")
    if f.p("bidirectional"):
        extra.append("a second copy reads the sequence backwards and its states are joined on")
    words = "; ".join(extra)
    keep = ("every h_t is the output" if f.p("return_sequence", True)
            else "only the last h_t is the output")
    return f"The same weights at every step; {keep}" + (f"; {words}." if words else ".")


@says("RNN")
def _rnn(f: Facts) -> Equation:
    h = str(f.p("hidden", "H"))
    symbols = _recurrent_symbols(f, h) + [
        ("W, U", f"the weights on the input ({h} × {f.size(-1, 'F')}) and on the previous "
                 f"state ({h} × {h})"), ("b", "the bias")]
    return Equation(("h_t = tanh(W x_t + U h_t−1 + b)",), tuple(symbols), _recurrent_note(f),
                    output="h", names=RNN_NAMES)


@says("LSTM")
def _lstm(f: Facts) -> Equation:
    h = str(f.p("hidden", "H"))
    lines = ("i_t = σ(W_i x_t + U_i h_t−1 + b_i)", "f_t = σ(W_f x_t + U_f h_t−1 + b_f)",
             "o_t = σ(W_o x_t + U_o h_t−1 + b_o)", "g_t = tanh(W_g x_t + U_g h_t−1 + b_g)",
             "c_t = f_t ⊙ c_t−1 + i_t ⊙ g_t", "h_t = o_t ⊙ tanh(c_t)")
    symbols = _recurrent_symbols(f, h) + [
        ("i_t, f_t, o_t", "the input, forget and output gates: each between 0 (shut) and 1 "
                          "(open)"),
        ("g_t", "the candidate: what could be written into the memory"),
        ("c_t", f"the memory cell, {h} numbers, kept from step to step as the forget gate "
                "allows"),
        ("W, U, b", f"the weights on the input and on the previous state, and the bias: four "
                    f"blocks of {h} rows each, stacked in the order i, f, g, o"),
        ("σ, ⊙", "the sigmoid, and multiplication value by value")]
    return Equation(lines, tuple(symbols), _recurrent_note(f), output="h", names=RNN_NAMES)


@says("GRU")
def _gru(f: Facts) -> Equation:
    h = str(f.p("hidden", "H"))
    lines = ("r_t = σ(W_r x_t + U_r h_t−1 + b_r)", "z_t = σ(W_z x_t + U_z h_t−1 + b_z)",
             "n_t = tanh(W_n x_t + b_n + r_t ⊙ (U_n h_t−1 + b′_n))",
             "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_t−1")
    symbols = _recurrent_symbols(f, h) + [
        ("r_t", "the reset gate: how much of the old state the candidate may use"),
        ("z_t", "the update gate: near 1 keeps the old state, near 0 takes the candidate"),
        ("n_t", "the candidate state"),
        ("W, U, b", f"three blocks of {h} rows each, stacked in the order r, z, n"),
        ("σ, ⊙", "the sigmoid, and multiplication value by value")]
    return Equation(lines, tuple(symbols), _recurrent_note(f), output="h", names=RNN_NAMES)


# --- pooling over tokens, patches, token shapes -----------------------------------------------

@says("AttentionPooling")
def _attention_pool(f: Facts) -> Equation:
    lines = ("s_t = vᵀ tanh(W x_t + b)", "a = softmax(s)", "y = Σ_t a_t x_t")
    symbols = (("x_t", f"token t of the input, {f.shown()}"),
               ("W, b, v", f"the small scoring layer, {f.p('hidden', 'H')} units, and the "
                           "vector that turns its output into one score"),
               ("a_t", "the weight of token t: positive, adding up to 1 over the tokens"),
               ("y", f"the weighted sum of the tokens, {f.shown_out()}"))
    return Equation(lines, symbols, "The tokens with the highest scores decide the output.",
                    names=(("score.weight", "W"), ("score.bias", "b"), ("v.weight", "vᵀ")))


@says("PatchEmbedding")
def _patches(f: Facts) -> Equation:
    p, d = f.p("patch", 4), f.p("dim", 64)
    lines = ["token_k = W · patch_k + b"]
    symbols = [("patch_k", f"the k-th {p} × {p} square of the image {f.shown()}, all its "
                           "channels, read as one long list"),
               ("W, b", f"the same weights for every patch: {d} outputs"),
               ("token_k", f"a vector of {d} numbers; the output is {f.shown_out()}")]
    names = (("proj.weight", "W"), ("proj.bias", "b"), ("class_token", "cls"))
    if f.p("class_token", True):
        lines.append("y = [cls, token_1, token_2, …]")
        symbols.append(("cls", "a learned extra token put first"))
    return Equation(tuple(lines), tuple(symbols), "Written as a convolution whose window and "
                    "step are both the patch size.", names=names)


@says("TakeToken", "Transpose", "RepeatVector")
def _token_shapes(f: Facts) -> Equation:
    if f.type == "TakeToken":
        k = f.p("index", 0)
        line, words = f"y = x_{k}", f"token {k} of the input (negative counts from the end)"
    elif f.type == "Transpose":
        line, words = "y[b, a] = x[a, b]", "the two axes swapped"
    else:
        line, words = f"y_t = x    for t = 1…{f.p('times', 8)}", "the same vector at every step"
    return Equation((line,), (("x", f"the input, {f.shown()}"),
                              ("y", f"{words}, {f.shown_out()}")),
                    "Nothing is learned and nothing is computed: values are only moved.")


# --- attention and the layers built around it ------------------------------------------------

def _attention_lines(causal: bool) -> tuple[str, ...]:
    mask = " + M" if causal else ""
    return ("Q = X W_Q + b_Q,   K = C W_K + b_K,   V = C W_V + b_V",
            f"A = softmax(Q Kᵀ / √d{mask})    for each head",
            "Y = [A V for each head] W_O + b_O")


@says("MultiHeadAttention")
def _attention(f: Facts) -> Equation:
    heads, d_model = f.p("heads", 4), f.size(-1, "D")
    d = str(int(d_model) // heads) if d_model.isdigit() else "D/h"
    cross = f.p("mode", "self") == "cross"
    causal = bool(f.p("causal"))
    symbols = [("X", f"the queries' sequence, {f.shown()}"),
               ("C", f"the context, {f.shown(1)}" if cross else "the context: X itself "
                     "(self-attention)"),
               ("Q, K, V", f"queries, keys and values, split into {heads} heads of d = {d} "
                           "numbers"),
               ("A", "the weights: row i says how much step i takes from each step of C; "
                     "each row adds up to 1")]
    if causal:
        symbols.append(("M", "the mask: −∞ where a step would look at a later one"))
    symbols.append(("Y", f"the output, {f.shown_out()}"))
    return Equation(_attention_lines(causal), tuple(symbols),
                    "Dividing by √d keeps the scores from growing with d, so the softmax does "
                    "not saturate.", inputs=("X", "C") if cross else ("X",), output="Y",
                    names=ATTENTION_NAMES)


LAYER_NAMES = (*_prefixed("self_attn", ATTENTION_NAMES),
               *_prefixed("cross_attn", ATTENTION_NAMES, "′"),
               ("linear1.weight", "W₁"), ("linear1.bias", "b₁"),
               ("linear2.weight", "W₂"), ("linear2.bias", "b₂"),
               *((f"norm{i}.weight", f"γ{s}") for i, s in ((1, "₁"), (2, "₂"), (3, "₃"))),
               *((f"norm{i}.bias", f"β{s}") for i, s in ((1, "₁"), (2, "₂"), (3, "₃"))))


def _layer_symbols(f: Facts, cross: bool) -> list[tuple[str, str]]:
    act = "GELU" if f.p("activation", "relu") == "gelu" else "ReLU"
    symbols = [("x", f"the input sequence, {f.shown()}"),
               ("Attn", f"attention with {f.p('heads', 4)} heads: "
                        "softmax(Q Kᵀ / √d) V, then W_O")]
    if cross:
        symbols.append(("m", f"the encoder's output (memory), {f.shown(1)}"))
    symbols += [("LN₁, LN₂", "LayerNorms, each with its own γ and β"),
                ("FFN", f"W₂ {act}(W₁ v + b₁) + b₂, the same at each step; "
                        f"{f.p('ff', 128)} hidden units"),
                ("y", f"the output, {f.shown_out()}")]
    return symbols


@says("TransformerEncoderLayer")
def _encoder(f: Facts) -> Equation:
    mask = " (causal)" if f.p("causal") else ""
    if f.p("norm_first", True):
        lines = (f"u = x + Attn(LN₁(x)){mask}", "y = u + FFN(LN₂(u))")
    else:
        lines = (f"u = LN₁(x + Attn(x)){mask}", "y = LN₂(u + FFN(u))")
    return Equation(lines + ("Attn: A = softmax(Q Kᵀ / √d),  output A V",),
                    tuple(_layer_symbols(f, cross=False)),
                    "Each part adds its result to its own input, so the gradient has a "
                    "straight path through the layer.", names=LAYER_NAMES)


@says("TransformerDecoderLayer")
def _decoder(f: Facts) -> Equation:
    if f.p("norm_first", True):
        lines = ("u = x + Attn(LN₁(x))    causal", "v = u + Attn′(LN₂(u), m)",
                 "y = v + FFN(LN₃(v))")
    else:
        lines = ("u = LN₁(x + Attn(x))    causal", "v = LN₂(u + Attn′(u, m))",
                 "y = LN₃(v + FFN(v))")
    symbols = _layer_symbols(f, cross=True)
    symbols.insert(2, ("Attn′", "cross-attention: queries from the sequence, keys and values "
                                "from m"))
    return Equation(lines, tuple(symbols), "Causal: no step looks at a later one.",
                    inputs=("x", "m"), names=LAYER_NAMES)


@says("ConformerBlock")
def _conformer(f: Facts) -> Equation:
    lines = ("u = x + ½ FFN₁(x)", "v = u + Attn(LN(u))", "w = v + Conv(v)",
             "z = w + ½ FFN₂(w)", "y = LN(z)")
    symbols = (("x", f"the input sequence, {f.shown()}"),
               ("FFN₁, FFN₂", f"LayerNorm, Dense to {f.p('ff_mult', 4)}× the width, SiLU, "
                              "Dense back"),
               ("Attn", f"self-attention with {f.p('heads', 4)} heads, softmax(Q Kᵀ / √d) V"),
               ("Conv", f"LayerNorm, Dense to twice the width, GLU, one filter of "
                        f"{f.p('kernel_size', 15)} steps per feature, BatchNorm, SiLU, Dense"),
               ("y", f"the output, {f.shown_out()}"))
    return Equation(lines, symbols, "Attention sees the whole sequence; the convolution sees "
                    "nearby steps.", names=(*_prefixed("self_attn", ATTENTION_NAMES),))


@says("GLU")
def _glu(f: Facts) -> Equation:
    return Equation(("[a ; b] = x    split in two halves on the last axis", "y = a ⊙ σ(b)"),
                    (("x", f"the input, {f.shown()}"), ("σ(b)", "a gate between 0 and 1"),
                     ("y", f"the output, half as wide, {f.shown_out()}")))


@says("Scale")
def _scale(f: Facts) -> Equation:
    s = f.p("factor", 0.5)
    return Equation((f"y = {s:g} · x",), (("x", f"the input, {f.shown()}"),
                                         ("y", f"the output, {f.shown_out()}")))


# --- generative blocks -----------------------------------------------------------------------

@says("TimeEmbedding")
def _time(f: Facts) -> Equation:
    d, h = f.p("dim", 32), f.p("hidden", 64)
    lines = ("e = [sin(t ω_k) …, cos(t ω_k) …]    ω_k = 10000^(−k/h)",
             "y = W₂ SiLU(W₁ e + b₁) + b₂")
    symbols = (("t", f"the diffusion time step, {f.shown()}"),
               ("e", f"{d} fixed waves of t, each slower than the one before"),
               ("W₁, W₂", f"two dense layers: {d} → {h} → {d}"),
               ("y", f"the time vector, {f.shown_out()}"))
    return Equation(lines, symbols, inputs=("t",),
                    names=(("mlp_in.weight", "W₁"), ("mlp_in.bias", "b₁"),
                           ("mlp_out.weight", "W₂"), ("mlp_out.bias", "b₂")))


@says("ConditionEmbedding")
def _condition(f: Facts) -> Equation:
    return Equation(("y = E[c]",),
                    (("c", f"the class id, {f.shown()}; one outside the classes means "
                           "'no class'"),
                     ("E", f"the table: one learned row of {f.p('dim', 32)} numbers per class, "
                           "and a last row for 'no class'"),
                     ("y", f"row c of the table, {f.shown_out()}")),
                    inputs=("c",), names=(("table.weight", "E"),))


@says("ResBlock")
def _resblock(f: Facts) -> Equation:
    vector = f.shape() is not None and len(f.shape()) == 1
    layer = "a dense layer" if vector else "a convolution 3 wide"
    lines = ["h = L₁(SiLU(GN₁(x)))"]
    symbols = [("x", f"the input, {f.shown()}"),
               ("GN₁, GN₂", f"group norms: mean and variance over groups of "
                            f"{f.p('groups', 8)} channels"),
               ("L₁, L₂", f"{layer} each")]
    if f.p("conditioned", True):
        lines.append("h = h + P c")
        symbols.append(("P c", f"a dense projection of the condition {f.shown(1)}, added to "
                               "every place"))
    lines += ["h = L₂(SiLU(GN₂(h)))", "y = S(x) + h"]
    symbols += [("S", "a 1-wide layer when the width changes, else nothing (S(x) = x)"),
                ("y", f"the output, {f.shown_out()}")]
    return Equation(tuple(lines), tuple(symbols), inputs=("x", "c"),
                    names=(("layer1.weight", "L₁ weights"), ("layer2.weight", "L₂ weights"),
                           ("cond.weight", "P")))


@says("ProjectionHead")
def _projection(f: Facts) -> Equation:
    h, out = f.p("hidden", 128), f.p("out", 64)
    return Equation(("y = W₂ ReLU(W₁ x + b₁) + b₂",),
                    (("x", f"the encoder's features, {f.shown()}"),
                     ("W₁, W₂", f"two dense layers: {f.size(-1, 'F')} → {h} → {out}"),
                     ("y", f"the vector the contrastive loss compares, {f.shown_out()}")),
                    names=(("fc1.weight", "W₁"), ("fc1.bias", "b₁"), ("fc2.weight", "W₂"),
                           ("fc2.bias", "b₂")))


@says("Residual")
def _residual(f: Facts) -> Equation:
    n, act = f.p("layers", 2), f.p("activation", "relu")
    vector = f.shape() is not None and len(f.shape()) == 1
    layer = "dense layers" if vector else "same-size convolutions"
    return Equation(("y = x + f(x)",),
                    (("x", f"the input, {f.shown()}"),
                     ("f", f"{n} {layer} with {act} between them"),
                     ("y", f"the output, the same shape {f.shown_out()}")),
                    "f only learns a correction; the gradient also reaches x through '+ x'.",
                    names=tuple((f"f.{2 * i}.{k}", f"{'W' if k == 'weight' else 'b'}{i + 1}")
                                for i in range(n) for k in ("weight", "bias")))


@says("Gated")
def _gated(f: Facts) -> Equation:
    squash = f.p("activation", "none") == "tanh"
    return Equation((f"y = σ(g(x)) ⊙ {'tanh(x)' if squash else 'x'}",),
                    (("x", f"the input, {f.shown()}"),
                     ("g", "a dense layer (a same-size convolution on maps)"),
                     ("σ(g(x))", "the gate: between 0 (shut) and 1 (open) for every value"),
                     ("y", f"the output, the same shape {f.shown_out()}")),
                    names=(("g.weight", "W_g"), ("g.bias", "b_g")))
