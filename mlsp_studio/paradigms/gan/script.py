"""The script of a GAN project: generator and discriminator as classes, the two-player steps
with the project's generator loss, and the studio's final metrics (mode coverage on the ring)."""

from __future__ import annotations

from ...errors import StudioError
from ...export.script_gen_common import (
    BATCHES,
    assemble,
    data_source,
    networks,
    optimizer_source,
    refuse_unwritten,
)
from ...export.script_paradigms import register_script
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

LOSSES = '''\
def d_loss_of(real_logit, fake_logit):
    """The discriminator's loss: ½ [BCE(D(x), real) + BCE(D(G(z)), generated)]; ln 2 ≈ 0.69
    when it cannot tell the two apart."""
    return 0.5 * (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                  + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))


def g_loss_of(fake_logit):
    """The loss the generator lowers (GENERATOR_LOSS): flip scores its examples against the
    label "real", −log D(G(z)) (non-saturating); reversal takes the discriminator's own loss
    with its sign turned, log(1 − D(G(z))) (the minimax game: the studio's gradient-reversal
    layer gives the generator exactly this gradient)."""
    if GENERATOR_LOSS == "flip":
        return F.binary_cross_entropy_with_logits(fake_logit, torch.ones_like(fake_logit))
    return -F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))
'''

MODES = '''

def mode_metrics(samples, centres, spread, min_share=0.01):
    """(clouds covered, share of good samples): a sample is good within 3 spreads of some
    centre; a cloud is covered when at least min_share of all samples lie that near it."""
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    dist = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)   # (n, k)
    dist = np.where(np.isfinite(dist), dist, np.inf)
    near = dist <= 3.0 * spread
    return int((near.sum(0) >= min_share * len(samples)).sum()), float(near.any(1).mean())
'''

CHECK = '''\
@torch.no_grad()
def check(G, D, x, z):
    """The game's figures on data x and generated examples from the fixed noise z."""
    G.eval()
    D.eval()
    real = D(x).reshape(len(x))                                    # (n,) logits
    fake = D(G(z[:len(x)]).reshape(x.shape)).reshape(len(x))
    return {"d_loss": d_loss_of(real, fake).item(), "g_loss": g_loss_of(fake).item(),
            "d_real": torch.sigmoid(real).mean().item(),
            "d_fake": torch.sigmoid(fake).mean().item()}
'''


def _train(modes: bool) -> str:
    final = '''\
    for part in ("val", "test"):
        if len(data[part][0]):
            for name, value in check(G, D, data[part][0][:1024], eval_z).items():
                print(f"{part}_{name} {value:.4f}")'''
    if modes:
        final += '''
    with torch.no_grad():
        G.eval()
        samples = G(metric_z).reshape(len(metric_z), *x.shape[1:]).cpu().numpy()
    covered, quality = mode_metrics(samples, ring_centres().astype(np.float32), RING_SPREAD)
    print(f"high_quality_fraction {quality:.4f}")
    print(f"modes_covered {covered:.4f}")'''
    metric_z = ("metric_z = torch.randn(2000, LATENT, generator=fixed).to(DEVICE)" if modes
                else "torch.randn(2000, LATENT, generator=fixed)  # drawn first: the ring's metric")
    return f'''\
def train():
    """Rounds of the game: D_STEPS discriminator steps, then one generator step."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights: the generator's, then the discriminator's
    G, D = Generator().to(DEVICE), Discriminator().to(DEVICE)
    x = data["train"][0]
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    # an epoch is a pass over the data; a round shows the discriminator D_STEPS batches
    rounds_per_epoch = max(1, -(-n // (batch_size * D_STEPS)))
    g_optimizer = make_optimizer(G.parameters(), LR, EPOCHS * rounds_per_epoch)
    d_optimizer = make_optimizer(D.parameters(), D_LR, EPOCHS * rounds_per_epoch * D_STEPS)
    # one random stream for the order of the examples and the noise, as in the studio
    generator = torch.Generator().manual_seed(SEED)
    batches = epoch_batches(n, batch_size, generator)
    fixed = torch.Generator().manual_seed(METRIC_SEED)  # the same noise at every check
    {metric_z}
    eval_z = torch.randn(1024, LATENT, generator=fixed).to(DEVICE)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        sums = {{"d_loss": 0.0, "g_loss": 0.0}}
        for _ in range(rounds_per_epoch):
            G.train()
            D.train()
            for _ in range(D_STEPS):  # the discriminator learns, the generator held still
                real = x[next(batches)]                                      # (B, *example)
                z = torch.randn(len(real), LATENT, generator=generator).to(DEVICE)
                with torch.no_grad():
                    fake = G(z).reshape(real.shape)
                d_loss = d_loss_of(D(real).reshape(-1), D(fake).reshape(-1))
                d_optimizer.zero_grad(set_to_none=True)
                d_loss.backward()
                d_optimizer.step()
                sums["d_loss"] += d_loss.item() / D_STEPS
            # the generator learns through the discriminator; only its own weights move
            z = torch.randn(batch_size, LATENT, generator=generator).to(DEVICE)
            g_loss = g_loss_of(D(G(z).reshape(batch_size, *x.shape[1:])).reshape(-1))
            g_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            g_optimizer.step()
            sums["g_loss"] += g_loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch:4d}}/{{EPOCHS}}  d_loss {{sums['d_loss'] / rounds_per_epoch:.4f}}"
                  f"  g_loss {{sums['g_loss'] / rounds_per_epoch:.4f}}")
{final}
    return G, D
'''


@register_script("gan")
def gan_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
               script_name: str) -> str:
    """Generator (z → example) and discriminator (example → logit) in the two-player game."""
    h = check.hparams
    refuse_unwritten(project, h)
    data, code = data_source(project, check, "discriminator")
    if code.x_type != "float32":
        raise StudioError("A GAN draws numbers, and this data gives token ids, so it cannot be "
                          "written into a script.")
    modes = project.dataset == "ring"
    rows = [(f"LATENT = {h['latent']}", "size of the noise z the generator starts from"),
            (f"D_LR = {h['d_lr']!r}", "the discriminator's learning rate (LR: the generator's)"),
            (f"D_STEPS = {h['d_steps']}", "discriminator steps for each generator step"),
            *([(f"BETA1 = {h['beta1']!r}", "Adam's momentum; GANs train steadier with 0.5")]
              if h["optimizer"] in ("adam", "adamw") else []),
            (f"GENERATOR_LOSS = {h['generator_loss']!r}", "flip or reversal"),
            ("METRIC_SEED = 20_250", "the fixed noise of the checks, as in the studio")]
    definitions = [data, *networks(project, check, registry,
                                   {"generator": ("z",), "discriminator": ("x",)}),
                   BATCHES, optimizer_source(h, "(BETA1, 0.999)"),
                   LOSSES + (MODES if modes else ""), CHECK, _train(modes)]
    return assemble(project, check, script_name, code, rows, definitions)
