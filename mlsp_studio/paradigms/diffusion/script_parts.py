"""What a diffusion project's script copies, and from where: the noise schedule, the forward
noising and the samplers (``train_schedule.py``), the training step and guidance
(``train_steps.py``), the sample measures (``train_metrics.py``), all code the studio runs,
and the script's own loop and prints (``script_code.py``)."""

from ...export.source_copy import source_of

HERE = "mlsp_studio.paradigms.diffusion"
SCHEDULE = ("MAX_BETA", "COSINE_OFFSET", "linear_betas", "cosine_alpha_bar", "cosine_betas",
            "Schedule", "_at", "noise_to", "guided", "ddim_steps", "predict_x0",
            "step_order", "denoise")
STEPS = ("data_scale", "to_model", "to_data", "predict_noise", "noise_loss", "training_batch",
         "held_out_batch", "guidance_eps")


def copied_parts(points2d: bool, ring: bool, judged: bool) -> list[str]:
    """The definitions the script copies, in order: the schedule and samplers, the step, the
    measures its data calls for, then the loop and the final prints."""
    metrics = [*(("mmd_rbf", "gaussian_like") if points2d else ()),
               *(("ring_quality",) if ring else ()),
               *(("JUDGE_STEPS", "JUDGE_BATCH", "train_judge", "accuracy") if judged else ())]
    code = ["noise_schedule", "NOISE_STEPS", "train",
            *(("report_samples",) if points2d else ()), *(("report_ring",) if ring else ()),
            *(("report_guidance",) if judged else ())]
    return [source_of(f"{HERE}.train_schedule", *SCHEDULE),
            source_of(f"{HERE}.train_steps", *STEPS),
            source_of(f"{HERE}.train_metrics", *metrics) if metrics else "",
            source_of(f"{HERE}.script_code", *code)]


def main_lines(points2d: bool, ring: bool, judged: bool) -> tuple[str, ...]:
    """What the script runs as its main program: training, then the measures of its data."""
    if not (points2d or judged):
        return ("train()",)
    lines = ["model, data, scale = train()"]
    if points2d:
        lines.append(("samples = " if ring else "") + "report_samples(model, data, scale)")
    if ring:
        lines.append("report_ring(samples)")
    if judged:
        lines.append("report_guidance(model, data, scale)")
    return tuple(lines)
