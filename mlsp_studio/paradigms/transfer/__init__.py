"""Transfer learning: pre-train on some classes, adapt to others (fine-tuning, a linear
probe or LoRA)."""
