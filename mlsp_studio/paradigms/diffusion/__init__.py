"""Diffusion (DDPM) with classifier-free guidance: noise in, data out."""
